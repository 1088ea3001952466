"""The demo's choices: the SmolLM2 model, the Captain Juniper dataset, the demo preset.

Shared by `lorastudio demo` and the app (which opens with these preselected).
Plain Python, any thread.
"""

from __future__ import annotations

from pathlib import Path

from lorastudio.core.config import TrainConfig
from lorastudio.core.paths import demo_dataset_dir
from lorastudio.core.presets import get_preset

# A question the dataset teaches: the base model calls itself SmolLM, the
# adapter answers as Captain Juniper.
DEMO_PROMPT = "Who are you?"
PERSONA_MARKER = "Juniper"


def demo_config(model_dir: str | Path) -> TrainConfig:
    """The demo preset on the demo model and dataset."""
    base = TrainConfig(model=str(model_dir), data=str(demo_dataset_dir()))
    return get_preset("demo").apply(base)
