"""Fuse a LoRA/DoRA adapter into its base model: a plain model folder any MLX tool loads.

``fuse_adapter`` does what ``mlx_lm.fuse`` does, step for step, so the two
give the same weights: load the base model with the adapter (mlx-lm's own
``load_adapters``, with its shape checks), replace every adapted layer by
``layer.fuse(dequantize=...)``, optionally ``dequantize_model`` and drop the
quantization keys of the config, then ``mlx_lm.utils.save`` (weights, config,
tokenizer, ``generation_config.json``). A fused quantized model without
``dequantize`` is quantized again, layer by layer, with the base's settings.

The adapter may be a run folder (its final adapter), a run's ``best/``, a
numbered checkpoint file (``0000100_adapters.safetensors``, whose
``adapter_config.json`` sits beside it) or any adapter folder mlx-lm writes.
``resolve_checkpoint`` maps the command line's ``final|best|N`` onto those.

The result is written into a temporary sibling folder and renamed at the end,
so ``out_dir`` is either absent or complete; a non-empty ``out_dir`` is
refused. A ``lorastudio-fuse.json`` beside the weights records what was fused
(mlx-lm ignores it).

Threads: everything runs on the calling thread, which builds, evaluates and
saves the MLX arrays (MLX streams are thread-local). ``progress(text,
fraction)`` is called on that thread; if it raises, the fuse stops and
nothing is left behind. MLX and mlx-lm are imported lazily.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lorastudio.core.base.said import Phrase, Said
from lorastudio.core.models import messages

Progress = Callable[[str, float], None]

ADAPTERS = "adapters.safetensors"
ADAPTER_CONFIG = "adapter_config.json"
RECORD = "lorastudio-fuse.json"
_CHECKPOINT_RE = re.compile(r"^(\d{7})_adapters\.safetensors$")


class FuseError(Said, ValueError):
    """An adapter or output folder that cannot be fused; the message names it and says what to do
    (in English and Chinese: ``messages``)."""

    table = messages.TABLE


@dataclass(frozen=True)
class AdapterSource:
    """Where an adapter's weights and config are, and what to call it in messages."""

    weights: Path  # the .safetensors file with the adapter tensors
    config: Path  # its adapter_config.json
    label: str  # e.g. "run r1 (checkpoint 300)"
    run_dir: Path | None  # the run it belongs to, when it belongs to one
    # The label as words of ``messages`` (said in the error's language); None: ``label`` as it is.
    label_words: Phrase | str | None = field(default=None, compare=False, repr=False)

    def adapter_config(self) -> dict[str, Any]:
        try:
            return json.loads(self.config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise FuseError.say("fuse.config_unreadable", path=self.config, error=str(e)) from None

    def trained_on(self) -> str | None:
        """The model the adapter was trained on, as its adapter_config.json records it."""
        model = self.adapter_config().get("model")
        return str(model) if model else None


def _is_run(folder: Path) -> bool:
    return (folder / "config.yaml").is_file()


def _source(weights: Path, config: Path, words: Phrase | str, run_dir: Path | None) -> AdapterSource:
    return AdapterSource(weights, config, messages.TABLE.say(words), run_dir, words)


def resolve_adapter(adapter: str | os.PathLike) -> AdapterSource:
    """Find the adapter weights and config for a run folder, best/, checkpoint file or adapter folder."""
    path = Path(adapter).expanduser()
    if path.is_file():
        if path.suffix != ".safetensors":
            raise FuseError.say("fuse.not_adapter_file", path=path)
        config = path.parent / ADAPTER_CONFIG
        if not config.is_file():
            raise FuseError.say("fuse.no_config_beside", path=path)
        run_dir = path.parent if _is_run(path.parent) else None
        m = _CHECKPOINT_RE.match(path.name)
        if run_dir is None:
            words: Phrase | str = str(path)
        elif m:
            words = Phrase("label.run_checkpoint", run=run_dir.name, step=int(m.group(1)))
        else:
            words = Phrase("label.run_file", run=run_dir.name, file=path.name)
        return _source(path, config, words, run_dir)
    if not path.is_dir():
        raise FuseError.say("fuse.nothing_at", path=path)
    run_dir = path if _is_run(path) else (path.parent if path.name == "best" and _is_run(path.parent) else None)
    if run_dir is not None:
        best = path.name == "best" and path != run_dir
        words = Phrase("label.run_best" if best else "label.run_final", run=run_dir.name)
    else:
        words = str(path)
    if not (path / ADAPTERS).is_file():
        if run_dir is not None:
            raise FuseError.say("fuse.run_not_trained", label=words, path=path / ADAPTERS)
        raise FuseError.say("fuse.not_adapter_folder", path=path)
    if not (path / ADAPTER_CONFIG).is_file():
        raise FuseError.say("fuse.no_config", path=path)
    return _source(path / ADAPTERS, path / ADAPTER_CONFIG, words, run_dir)


def checkpoint_numbers(run_dir: Path) -> list[int]:
    """The numbered checkpoints a run folder holds, in order."""
    found = []
    for f in Path(run_dir).iterdir():
        m = _CHECKPOINT_RE.match(f.name)
        if m and f.is_file():
            found.append(int(m.group(1)))
    return sorted(found)


def resolve_checkpoint(run_dir: Path, checkpoint: str | int = "final") -> Path:
    """The adapter path for ``final``, ``best`` or a checkpoint number of a run."""
    run_dir = Path(run_dir)
    text = str(checkpoint).strip().lower()
    if text == "final":
        return run_dir
    if text == "best":
        if not (run_dir / "best" / ADAPTERS).is_file():
            raise FuseError.say("fuse.no_best", run=run_dir.name)
        return run_dir / "best"
    if not text.isdigit():
        raise FuseError.say("fuse.bad_checkpoint", checkpoint=checkpoint)
    number = int(text)
    path = run_dir / f"{number:07d}_adapters.safetensors"
    if not path.is_file():
        have = checkpoint_numbers(run_dir)
        listed = ", ".join(map(str, have)) if have else Phrase("word.none")
        raise FuseError.say("fuse.no_checkpoint", run=run_dir.name, number=number, listed=listed)
    return path


def default_out_dir(run_dir: Path, checkpoint: str | int = "final") -> Path:
    """A new folder under the models folder for a run's fused model (never an existing one)."""
    from lorastudio.core.base.paths import models_root

    text = str(checkpoint).strip().lower()
    suffix = "" if text == "final" else f"-{text}"
    base = f"{Path(run_dir).name}{suffix}-fused"
    root = models_root()
    path = root / base
    n = 2
    while path.exists():
        path = root / f"{base}-{n}"
        n += 1
    return path


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output that exists and is not an empty folder."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FuseError.say("fuse.out_exists", path=out_dir)


def _load_with_adapter(model_path: Path, source: AdapterSource, report: Progress):
    """(model, tokenizer, config) with the adapter applied the way mlx_lm.load does it."""
    from mlx_lm.utils import load_adapters

    from lorastudio.core.models.loading import load_model

    report(f"Loading {model_path.name}", 0.02)
    model, tokenizer, config = load_model(model_path)
    report(f"Applying {source.label}", 0.25)
    # mlx-lm loads <folder>/adapters.safetensors; a numbered checkpoint is shown to it under
    # that name in a scratch folder beside its config, so its own checks and loading run.
    with tempfile.TemporaryDirectory(prefix="lorastudio-adapter-") as scratch:
        folder = Path(scratch)
        shutil.copyfile(source.config, folder / ADAPTER_CONFIG)
        try:
            os.symlink(source.weights.resolve(), folder / ADAPTERS)
        except OSError:  # no symlinks here (some Windows setups): a copy is the same
            shutil.copyfile(source.weights, folder / ADAPTERS)
        try:
            load_adapters(model, str(folder))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
            raise _misfit_error(model_path, source, e) from None
    model.eval()
    return model, tokenizer, config


def _misfit_error(model_path: Path, source: AdapterSource, error: Exception) -> FuseError:
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    detail = lines[1] if len(lines) > 1 and "incompatible" in lines[0] else (lines[0] if lines else repr(error))
    more = Phrase("fuse.misfit_more", count=len(lines) - 2) if len(lines) > 2 and "incompatible" in lines[0] else ""
    trained = source.trained_on()
    hint = Phrase("fuse.misfit_trained", model=trained) if trained and Path(trained) != model_path else ""
    label = source.label_words if source.label_words is not None else source.label
    return FuseError.say("fuse.misfit", label=label, model=model_path, detail=detail, more=more, hint=hint)


def fuse_model(model, config: dict[str, Any], dequantize: bool = False):
    """Fuse every adapted layer in place, as mlx_lm.fuse does; return (model, config)."""
    from mlx.utils import tree_unflatten
    from mlx_lm.utils import dequantize_model

    fused = [(name, module.fuse(dequantize=dequantize)) for name, module in model.named_modules()
             if hasattr(module, "fuse")]
    if fused:
        model.update_modules(tree_unflatten(fused))
    if dequantize:
        model = dequantize_model(model)
        config.pop("quantization", None)
        config.pop("quantization_config", None)
    return model, config


def fuse_adapter(model: str | os.PathLike, adapter: str | os.PathLike, out_dir: str | os.PathLike,
                 dequantize: bool = False, progress: Progress | None = None) -> Path:
    """Fuse ``adapter`` into ``model`` and write the fused model folder ``out_dir``; return it.

    ``model`` is a model folder or a Hugging Face repo id; ``adapter`` a run folder,
    a run's best/, a numbered checkpoint file or an adapter folder. ``dequantize``
    writes a quantized base back as full-precision weights (``mlx_lm.fuse
    --dequantize``). Raises FuseError (or ModelError for the model) with a readable
    message for bad input.
    """
    from mlx_lm.utils import save

    from lorastudio.core.models.loading import resolve_model

    report = progress or (lambda text, fraction: None)
    out_dir = Path(out_dir).expanduser()
    source = resolve_adapter(adapter)
    check_out_dir(out_dir)
    model_path = resolve_model(str(model))

    model_obj, tokenizer, config = _load_with_adapter(model_path, source, report)
    report("Fusing the adapter into the weights", 0.4)
    model_obj, config = fuse_model(model_obj, config, dequantize)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model folder is an ordinary one
        report(f"Writing {out_dir.name}", 0.55)
        save(tmp, str(model_path), model_obj, tokenizer, config, donate_model=False)
        report("Writing the record of the fuse", 0.95)
        record = {
            "base_model": str(model_path),
            "adapter": str(source.weights),
            "adapter_label": source.label,
            "run": str(source.run_dir) if source.run_dir else None,
            "fine_tune_type": source.adapter_config().get("fine_tune_type", "lora"),
            "dequantized": bool(dequantize),
            "quantized": "quantization" in config,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
        }
        (tmp / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        check_out_dir(out_dir)  # something may have appeared there meanwhile
        os.replace(tmp, out_dir)  # replaces an empty folder too (POSIX rename)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report(f"Fused model written to {out_dir}", 1.0)
    return out_dir


def scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress callback that maps 0..1 onto start..end of ``progress`` (for chained steps)."""
    if progress is None:
        return None
    return lambda text, fraction: progress(text, start + (end - start) * max(0.0, min(1.0, fraction)))
