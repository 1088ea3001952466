"""Finding and loading models: a local MLX folder or a Hugging Face repo id.

``resolve_model`` turns what the user typed into a local folder: a path as
it is; a Hugging Face repo id from the local cache first, then downloaded
through huggingface_hub with progress when the machine is online, and a
clear message when it is not. ``check_model_reachable`` asks the same
question without downloading (before a run folder is made), and
``config_source`` finds a model's ``config.json`` with at most that one
small file downloaded (for ``lorastudio model info``). ``load_model`` loads weights and
tokenizer with mlx-lm's own loader. MLX arrays are thread-local: call
``load_model`` on the thread that will use the model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from lorastudio.core.base.said import Said
from lorastudio.core.models import messages

# The files mlx-lm itself fetches for a model (mlx_lm.utils.DEFAULT_ALLOW_PATTERNS).
ALLOW_PATTERNS = ["*.json", "model*.safetensors", "*.py", "tokenizer.model", "*.tiktoken", "tiktoken.model", "*.txt", "*.jsonl", "*.jinja"]

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")

Progress = Callable[[str, float], None]


class ModelError(Said, ValueError):
    """A model that cannot be found or loaded, said in a way a user can act on (in English and Chinese: ``messages``)."""

    table = messages.TABLE


def looks_like_repo_id(text: str) -> bool:
    return bool(_REPO_ID.match(text)) and not Path(text).expanduser().exists()


def check_model_folder(path: Path) -> Path:
    """Make sure ``path`` is an MLX/Hugging Face model folder; return it."""
    if path.is_file():
        if path.suffix.lower() == ".gguf":
            raise ModelError.say("model.gguf_file", path=path)
        if path.name == "config.json":
            raise ModelError.say("model.only_config", path=path)
        raise ModelError.say("model.a_file", path=path)
    if not (path / "config.json").is_file():
        raise ModelError.say("model.no_config", path=path)
    if not list(path.glob("model*.safetensors")):
        raise ModelError.say("model.no_weights", path=path)
    return path


def _progress_tqdm(progress: Progress):
    """A tqdm class that forwards its position to ``progress`` instead of drawing a bar."""
    from tqdm.auto import tqdm

    class ForwardingTqdm(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = False
            kwargs.setdefault("file", open("/dev/null", "w") if Path("/dev/null").exists() else None)
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            super().update(n)
            if self.total:
                progress(f"Downloading {self.desc or 'files'}", min(1.0, self.n / self.total))

    return ForwardingTqdm


def _offline_error(repo_id: str) -> ModelError:
    return ModelError.say("model.offline", repo_id=repo_id)


def _hub_errors(repo_id: str, failed: str):
    """A context that turns huggingface_hub's exceptions into one ModelError a user can act on.

    ``failed`` is the key of the sentence for any other failure (what was being done failed).
    """
    import contextlib

    from huggingface_hub import errors as hf_errors

    @contextlib.contextmanager
    def translate():
        try:
            yield
        except (hf_errors.OfflineModeIsEnabled, hf_errors.LocalEntryNotFoundError):
            raise _offline_error(repo_id) from None
        except hf_errors.GatedRepoError:
            raise ModelError.say("model.gated", repo_id=repo_id) from None
        except hf_errors.RepositoryNotFoundError:
            raise ModelError.say("model.not_on_hub", repo_id=repo_id) from None
        except hf_errors.HfHubHTTPError as exc:
            raise ModelError.say(failed, repo_id=repo_id, error=str(exc)) from None
        except OSError as exc:  # connection refused, DNS failure, disk full
            raise ModelError.say(failed, repo_id=repo_id, error=str(exc)) from None

    return translate()


def cached_model(repo_id: str) -> Path | None:
    """The folder of ``repo_id`` in the local Hugging Face cache when it has a config.json; no network."""
    from huggingface_hub import snapshot_download
    from huggingface_hub import errors as hf_errors

    try:
        folder = Path(snapshot_download(repo_id, allow_patterns=ALLOW_PATTERNS, local_files_only=True))
    except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled, OSError, ValueError):
        return None
    return folder if (folder / "config.json").is_file() else None


def download_model(repo_id: str, progress: Progress | None = None, revision: str | None = None) -> Path:
    """Download (or find in the cache) a Hugging Face repo; clear messages when offline."""
    from huggingface_hub import snapshot_download

    kwargs = {"allow_patterns": ALLOW_PATTERNS, "revision": revision}
    if progress is not None:
        kwargs["tqdm_class"] = _progress_tqdm(progress)
        progress(f"Looking up {repo_id} on Hugging Face", 0.0)
    with _hub_errors(repo_id, "model.download_failed"):
        folder = Path(snapshot_download(repo_id, **kwargs))
    if progress is not None:
        progress(f"Downloaded {repo_id}", 1.0)
    return check_model_folder(folder)


def _local_or_repo(model: str) -> tuple[Path | None, str | None]:
    """``(existing path, None)`` or ``(None, repo id)``; a ModelError for anything else."""
    text = (model or "").strip()
    if not text:
        raise ModelError.say("model.none_chosen")
    path = Path(text).expanduser()
    if path.exists():
        return path.resolve(), None
    if looks_like_repo_id(text):
        return None, text
    raise ModelError.say("model.unknown", model=text)


def resolve_model(model: str, progress: Progress | None = None) -> Path:
    """A local model folder for ``model``: a path, or a repo id from the cache, else downloaded."""
    path, repo_id = _local_or_repo(model)
    if path is not None:
        return check_model_folder(path)
    cached = cached_model(repo_id)
    if cached is not None:
        return check_model_folder(cached)
    return download_model(repo_id, progress)


def check_model_reachable(model: str) -> None:
    """Raise ModelError now if ``resolve_model`` could not get ``model``; download no weights.

    A folder must be a model folder; a repo id must be in the local cache or
    on a reachable hub (its config.json is fetched into the cache, a few
    kilobytes). Called before a run folder is made, so that a model that
    cannot be had leaves nothing behind.
    """
    path, _ = _local_or_repo(model)
    if path is not None:
        check_model_folder(path)
    else:
        config_source(model)  # the cache, else the hub's config.json; a ModelError when neither


def config_source(model: str) -> Path:
    """Where a model's config.json can be read: a local folder or file, the cached folder of a
    repo id, or (online) the repo's config.json alone, downloaded into the cache."""
    path, repo_id = _local_or_repo(model)
    if path is not None:
        return path
    cached = cached_model(repo_id)
    if cached is not None:
        return cached
    from huggingface_hub import hf_hub_download

    with _hub_errors(repo_id, "model.config_download_failed"):
        return Path(hf_hub_download(repo_id, "config.json"))


def load_model(path: str | Path, adapter_path: str | Path | None = None, lazy: bool = False):
    """Load ``(model, tokenizer, config)`` with mlx-lm's loader, errors made readable."""
    from mlx_lm.utils import load

    folder = check_model_folder(Path(path))
    try:
        return load(str(folder), adapter_path=str(adapter_path) if adapter_path else None, lazy=lazy, return_config=True)
    except ValueError as exc:
        raise ModelError.say("model.load_failed", folder=folder, mlx_error=str(exc)) from None
    except (KeyError, FileNotFoundError) as exc:
        raise ModelError.say("model.load_error", folder=folder, kind=type(exc).__name__, error=str(exc)) from None


# ----------------------------------------------------------------------------
# the float32 copy for CPU training

def cpu_slow_reason(lang: str = "en") -> str:
    """Why a float32 copy is advised on the CPU, in ``lang``."""
    return messages.text("cpu.slow_reason", lang)


def weight_kind(path: Path) -> str:
    """"quantized", "float16", "bfloat16" or "float32": what the folder's weights are."""
    from lorastudio.core.models.info import model_facts, read_config

    config, _ = read_config(path)
    if config.get("quantization") or config.get("quantization_config"):
        return "quantized"
    return model_facts(path).dtype


def cpu_training_advice(path: Path, lang: str = "en") -> str | None:
    """A sentence advising the float32 copy when MLX trains on the CPU and the weights are not float32 (in ``lang``)."""
    import mlx.core as mx

    if mx.default_device() != mx.cpu:
        return None
    kind = weight_kind(Path(path))
    if kind == "float32":
        return None
    return messages.text("cpu.advice", lang, kind=kind, reason=cpu_slow_reason(lang))


def float32_copy(path: Path, progress: Progress | None = None) -> Path:
    """A float32 copy of a model folder under the models folder (made once, then reused)."""
    import shutil

    from mlx_lm import convert

    from lorastudio.core.base.paths import models_root

    source = check_model_folder(Path(path))
    target = models_root() / f"{source.name}-f32"
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    if progress:
        progress(f"Making a float32 copy of {source.name}", 0.0)
    dequantize = weight_kind(source) == "quantized"
    convert(str(source), mlx_path=str(partial), dtype="float32", dequantize=dequantize)
    partial.rename(target)
    if progress:
        progress(f"Made {target}", 1.0)
    return target
