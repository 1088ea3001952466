"""Adapters for the chat engine: find one (any checkpoint of any run), put it on a loaded model, take it off.

``resolve_adapter`` turns what the user gave (a run folder, a run name under
the runs root, a run's ``best/``, a numbered ``NNNNNNN_adapters.safetensors``
file, ``RUN@best`` / ``RUN@N``, or any folder with ``adapter_config.json`` +
``adapters.safetensors``) into an ``AdapterSource``; it reads files only.

``attach`` applies one to a loaded model with mlx-lm's own pieces
(``linear_to_lora_layers`` and the checks of ``mlx_lm.tuner.utils.load_adapters``),
but keeps the modules it replaced, so that ``Attached.swap_out`` gives back
exactly the base model and ``swap_in`` puts the adapter back: no weights are
reloaded either way, both are a handful of attribute assignments. A full
fine-tune "adapter" is handled the same way by keeping the original arrays.

``attach`` and the swaps run on the thread that owns the model (MLX arrays
are thread-local); ``resolve_adapter`` runs anywhere.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.base.paths import runs_root
from lorastudio.core.base.said import Phrase, Said
from lorastudio.core.chat import messages

ADAPTER_CONFIG = "adapter_config.json"
ADAPTERS = "adapters.safetensors"
_NUMBERED = re.compile(r"^(\d{7})_adapters\.safetensors$")
# Leaves that hold adapter weights (the set mlx_lm.tuner.utils.load_adapters allows).
_ADAPTER_LEAVES = {"lora_a", "lora_b", "m"}


class AdapterError(Said, ValueError):
    """An adapter that cannot be found or does not fit the model, said for a person (in English and Chinese: ``messages``)."""

    table = messages.TABLE


@dataclass(frozen=True)
class AdapterSource:
    """One adapter on disk: its settings file and the weights file to load."""

    label: str  # what to show: "RUN", "RUN (best)", "RUN (step 100)" or the folder's name
    config_path: Path
    weights_path: Path
    run_dir: Path | None = None  # the run it belongs to, when it is one
    iteration: int | None = None  # the step of a numbered checkpoint
    config: dict = field(default_factory=dict, compare=False, hash=False)  # adapter_config.json
    # The label as words of ``messages`` (said in an error's language); None: ``label`` as it is.
    label_words: Phrase | str | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def fine_tune_type(self) -> str:
        return self.config.get("fine_tune_type") or "lora"

    @property
    def trained_on(self) -> str | None:
        """The model the adapter was trained on, as its config recorded it (mlx-lm writes ``model``)."""
        return self.config.get("model")

    def describe(self) -> str:
        """One line: kind, rank, scale, layers and keys."""
        kind = self.fine_tune_type
        if kind == "full":
            return f"{self.label}: full fine-tune weights"
        params = self.config.get("lora_parameters") or {}
        keys = ", ".join(params.get("keys") or []) or "all linear layers"
        layers = self.config.get("num_layers")
        layers_text = "all" if layers is None or layers < 0 else str(layers)
        return f"{self.label}: {kind} rank {params.get('rank')}, scale {params.get('scale')}, {layers_text} layers, on {keys}"


# ----------------------------------------------------------------------------
# finding an adapter


def _run_of(folder: Path) -> Path | None:
    """The run folder that holds ``folder`` (itself or its parent), if it is one."""
    for candidate in (folder, folder.parent):
        if (candidate / "config.yaml").is_file():
            return candidate
    return None


def _label(folder: Path, run_dir: Path | None, iteration: int | None) -> Phrase | str:
    """What to call an adapter: a name, or words of ``messages`` (said in the language asked for)."""
    if run_dir is None:
        return folder.name or str(folder)
    if iteration is not None:
        return Phrase("label.step", run=run_dir.name, step=iteration)
    if folder != run_dir:
        if folder.name == "best":
            return Phrase("label.best", run=run_dir.name)
        return Phrase("label.folder", run=run_dir.name, folder=folder.name)
    return run_dir.name


def _source(words: Phrase | str, config: Path, weights: Path, run_dir: Path | None, iteration: int | None) -> AdapterSource:
    return AdapterSource(messages.TABLE.say(words), config, weights, run_dir, iteration, _read_config(config), words)


def _words(source: AdapterSource) -> Phrase | str:
    """The adapter's label as words, for a sentence in any language."""
    return source.label_words if source.label_words is not None else source.label


def _read_config(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AdapterError.say("adapter.bad_json", path=path, line=exc.lineno, error=exc.msg) from None
    except OSError as exc:
        raise AdapterError.say("adapter.unreadable", path=path, error=str(exc.strerror or exc)) from None
    if not isinstance(data, dict):
        raise AdapterError.say("adapter.not_object", path=path)
    kind = data.get("fine_tune_type") or "lora"
    if kind not in ("lora", "dora", "full"):
        raise AdapterError.say("adapter.bad_kind", path=path, kind=kind)
    if kind != "full":
        params = data.get("lora_parameters")
        if not isinstance(data.get("num_layers"), int):
            raise AdapterError.say("adapter.no_num_layers", path=path)
        if not isinstance(params, dict) or "rank" not in params or "scale" not in params:
            raise AdapterError.say("adapter.no_lora_parameters", path=path)
    return data


def _from_folder(folder: Path, spec: str) -> AdapterSource:
    run_dir = _run_of(folder)
    config, weights = folder / ADAPTER_CONFIG, folder / ADAPTERS
    if not config.is_file() and not weights.is_file():
        if run_dir == folder:
            raise AdapterError.say("adapter.run_not_trained", run=folder.name, path=weights)
        raise AdapterError.say("adapter.not_folder", folder=folder)
    if not weights.is_file():
        raise AdapterError.say("adapter.never_saved", folder=folder)
    if not config.is_file():
        raise AdapterError.say("adapter.no_config", folder=folder)
    return _source(_label(folder, run_dir, None), config, weights, run_dir, None)


def _from_file(path: Path, spec: str) -> AdapterSource:
    if path.name == ADAPTER_CONFIG:
        return _from_folder(path.parent, spec)
    if path.suffix != ".safetensors":
        raise AdapterError.say("adapter.not_adapter_file", path=path)
    config = path.parent / ADAPTER_CONFIG
    if not config.is_file():
        raise AdapterError.say("adapter.no_config_beside", path=path)
    match = _NUMBERED.match(path.name)
    iteration = int(match.group(1)) if match else None
    run_dir = _run_of(path.parent)
    label = _label(path.parent, run_dir, iteration) if (iteration is not None or path.name == ADAPTERS) else path.name
    return _source(label, config, path, run_dir, iteration)


def _run_checkpoint(run_dir: Path, which: str, spec: str) -> Path:
    """``RUN@best``, ``RUN@final`` or ``RUN@N`` (the numbered checkpoint of step N)."""
    if which in ("best", "final", ""):
        return run_dir / "best" if which == "best" else run_dir
    if not which.isdigit():
        raise AdapterError.say("adapter.bad_at", spec=spec)
    path = run_dir / f"{int(which):07d}_adapters.safetensors"
    if not path.is_file():
        steps = sorted(int(m.group(1)) for f in run_dir.iterdir() if (m := _NUMBERED.match(f.name)))
        saved = ", ".join(map(str, steps)) if steps else Phrase("word.none")
        raise AdapterError.say("adapter.no_step", run=run_dir.name, step=int(which), saved=saved)
    return path


def resolve_adapter(spec: str | os.PathLike, root: str | os.PathLike | None = None) -> AdapterSource:
    """The adapter that ``spec`` names: a path, or a run name (optionally ``@best`` / ``@N``) under the runs root."""
    text = str(spec).strip()
    if not text:
        raise AdapterError.say("adapter.none_given")
    runs = runs_root(root)
    candidates = [Path(text).expanduser(), runs / text]
    path = next((c for c in candidates if c.exists()), None)
    if path is None and "@" in text:
        name, _, which = text.rpartition("@")
        run_dir = next((c for c in (Path(name).expanduser(), runs / name) if (c / "config.yaml").is_file()), None)
        if run_dir is not None:
            path = _run_checkpoint(run_dir, which.strip().lower(), text)
    if path is None:
        raise AdapterError.say("adapter.not_found", spec=text, runs=runs)
    path = path.resolve()
    return _from_file(path, text) if path.is_file() else _from_folder(path, text)


# ----------------------------------------------------------------------------
# putting it on a model and taking it off


@dataclass
class Attached:
    """An adapter applied to a model, with what it replaced (so it can be taken off exactly)."""

    source: AdapterSource
    kind: str  # "modules" (LoRA/DoRA layers) or "weights" (full fine-tune)
    originals: list = field(default_factory=list)  # [(path, module or array)] of the base model
    replacements: list = field(default_factory=list)  # [(path, module or array)] of the adapter
    active: bool = True

    def swap_out(self, model) -> None:
        """Give the model back its base modules (or weights)."""
        if self.active:
            _put(model, self.kind, self.originals)
            self.active = False

    def swap_in(self, model) -> None:
        """Put the adapter's modules (or weights) back."""
        if not self.active:
            _put(model, self.kind, self.replacements)
            self.active = True


def _put(model, kind: str, items: list) -> None:
    from mlx.utils import tree_unflatten

    if not items:
        return
    if kind == "modules":
        model.update_modules(tree_unflatten(items))
    else:
        model.load_weights(items, strict=False)


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list (restoring the outer one restores them)."""
    chosen = set(paths)
    return [p for p in paths if not any(p.startswith(q + ".") for q in chosen if q != p)]


def _model_name(model_path: Path | None) -> Phrase | str:
    return model_path.name if model_path else Phrase("word.the_model")


def _mismatch_error(source: AdapterSource, model_path: Path | None, errors: list[Phrase], total: int) -> AdapterError:
    trained = Phrase("adapter.trained_on", model=source.trained_on) if source.trained_on else ""
    return AdapterError.say("adapter.mismatch", label=_words(source), path=source.weights_path,
                            model=_model_name(model_path), count=len(errors), total=total, example=errors[0],
                            trained=trained)


def _check(weights: dict, allowed: dict, source: AdapterSource, model_path: Path | None) -> None:
    """mlx_lm.tuner.utils.load_adapters' check: every tensor is an adapter parameter of the right shape."""
    errors = []
    for name, w in weights.items():
        if name not in allowed:
            errors.append(Phrase("adapter.not_a_parameter", name=name))
        elif tuple(w.shape) != tuple(allowed[name].shape):
            errors.append(Phrase("adapter.shape", name=name, adapter=tuple(w.shape), model=tuple(allowed[name].shape)))
    if errors:
        raise _mismatch_error(source, model_path, errors, len(weights))


def _load_weights(source: AdapterSource) -> dict:
    import mlx.core as mx

    try:
        weights = mx.load(str(source.weights_path))
    except Exception as exc:  # a truncated or foreign file: MLX raises RuntimeError/ValueError
        raise AdapterError.say("adapter.unreadable_weights", path=source.weights_path, error=str(exc)) from None
    if not isinstance(weights, dict) or not weights:
        raise AdapterError.say("adapter.no_weights", path=source.weights_path)
    return weights


def attach(model, source: AdapterSource, model_path: Path | None = None) -> Attached:
    """Apply ``source`` to ``model`` (which must be the base model); on any error the model is left as it was."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    weights = _load_weights(source)
    if source.fine_tune_type == "full":
        params = dict(tree_flatten(model.parameters()))
        _check(weights, params, source, model_path)
        attached = Attached(source, "weights", [(n, params[n]) for n in weights], list(weights.items()))
        model.load_weights(attached.replacements, strict=False)
        mx.eval(model.parameters())
        return attached

    from mlx_lm.tuner.utils import linear_to_lora_layers

    lora = dict(source.config["lora_parameters"])
    lora.setdefault("dropout", 0.0)
    before = dict(model.named_modules())
    changed: list[str] = []
    try:
        try:
            linear_to_lora_layers(model, source.config["num_layers"], lora, use_dora=source.fine_tune_type == "dora")
        except (ValueError, KeyError, TypeError) as exc:
            raise AdapterError.say("adapter.cannot_apply", label=_words(source), model=_model_name(model_path),
                                   error=str(exc)) from None
        finally:
            after = dict(model.named_modules())
            changed = _outermost([k for k, m in before.items() if after.get(k) is not m])
        params = dict(tree_flatten(model.parameters()))
        allowed = {n: p for n, p in params.items() if n.rsplit(".", 1)[-1] in _ADAPTER_LEAVES}
        _check(weights, allowed, source, model_path)
        model.load_weights(list(weights.items()), strict=False)
    except BaseException:
        _put(model, "modules", [(k, before[k]) for k in changed])
        raise
    # New LoRA layers start in training mode (dropout on); mlx_lm.load ends with eval() too.
    model.eval()
    mx.eval(model.parameters())
    return Attached(source, "modules", [(k, before[k]) for k in changed], [(k, after[k]) for k in changed])
