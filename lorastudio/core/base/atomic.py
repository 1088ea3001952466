"""Write files so that a reader never sees half of one.

Every file the product writes (configs, status, checkpoints, resume state,
reports) goes to a temporary name in the same folder and is renamed over the
target: a crash or SIGKILL leaves either the old file or the new one. Safe on
any thread; callers serialize writes to the same path themselves.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    ``suffix`` keeps an extension some writers insist on (``mx.save_safetensors``
    appends ``.safetensors`` to names without it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | os.PathLike, text: str) -> None:
    """Atomically replace ``target`` with ``text`` (UTF-8)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    """Atomically replace ``target`` with ``data``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json(target: str | os.PathLike, obj: Any) -> None:
    """Atomically replace ``target`` with ``obj`` as indented JSON."""
    write_text(target, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def save_safetensors(target: str | os.PathLike, arrays: dict, metadata: dict | None = None) -> None:
    """Atomically write MLX arrays as a safetensors file (MLX imported lazily)."""
    import mlx.core as mx

    with atomic_path(target, suffix=".safetensors") as tmp:
        mx.save_safetensors(str(tmp), arrays, metadata=metadata or {})
