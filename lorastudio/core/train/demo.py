"""The demo's choices: the SmolLM2 model, the Captain Juniper dataset, the demo preset.

Shared by `lorastudio demo` and the app (which opens with these preselected).
Plain Python, any thread.
"""

from __future__ import annotations

from pathlib import Path

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.base.paths import demo_dataset_dir
from lorastudio.core.config.presets import get_preset

# A question the dataset teaches: the base model answers as a generic
# assistant, the adapter as Captain Juniper, whose every answer opens "Ahoy!".
DEMO_PROMPT = "Who are you?"
PERSONA_MARKER = "Ahoy"


def demo_config(model_dir: str | Path) -> TrainConfig:
    """The demo preset on the demo model and dataset."""
    base = TrainConfig(model=str(model_dir), data=str(demo_dataset_dir()))
    return get_preset("demo").apply(base)


def is_missing_demo_model(model: str) -> bool:
    """True when ``model`` is the demo model's folder and it has not been imported yet."""
    from lorastudio.core.models.demo_model import MODEL_NAME

    path = Path(model).expanduser()
    return path.name.startswith(MODEL_NAME) and not (path / "config.json").is_file()


def import_demo_model_for(model: str, progress=None) -> Path:
    """Import the demo model into the folder ``model`` names (its precision is in the name)."""
    from lorastudio.core.models.demo_model import DTYPE_SUFFIXES, import_demo_model

    path = Path(model).expanduser()
    suffix = path.name.rsplit("-", 1)[-1]
    dtype = next((d for d, s in DTYPE_SUFFIXES.items() if s == suffix), "float32")
    return import_demo_model(path.parent, dtype, progress=progress)
