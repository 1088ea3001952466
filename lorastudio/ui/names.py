"""Short display names for models and datasets (folder names, with context where needed). Any thread.

Plain functions over strings, for widgets and panels alike.
"""

from __future__ import annotations

import re
from pathlib import Path

# Folder names that say nothing on their own: show their parent too ("demo/data").
GENERIC_NAMES = ("data", "dataset", "datasets", "model", "models")

# A model in the Hugging Face cache lives in ".../models--org--name/snapshots/<hash>".
_HF_SNAPSHOT = re.compile(r"models--([^/\\]+)--([^/\\]+)[/\\]snapshots[/\\]")


def short_name(path: str) -> str:
    """The last part of a path, with its parent when that part is generic; "" for nothing."""
    if not path:
        return ""
    p = Path(path.rstrip("/"))
    if p.name in GENERIC_NAMES and p.parent.name:
        return f"{p.parent.name}/{p.name}"
    return p.name or path


def hf_cache_repo(model: str) -> str | None:
    """"org/name" when ``model`` is a folder in the Hugging Face cache, else None."""
    match = _HF_SNAPSHOT.search(model)
    return f"{match[1]}/{match[2]}" if match else None


def display_name(model: str) -> str:
    """A model's name for people: "org/name" for a Hugging Face cache folder, else the folder's name."""
    return hf_cache_repo(model) or Path(model).name or model
