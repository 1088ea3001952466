"""Built-in parameter presets, read from ``resources/presets/*.yaml``.

A preset is a partial configuration (hyperparameters, never model or data)
laid over the defaults or over the user's current configuration. The seed
report's exact run is ``seed-14b``. Plain Python, any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lorastudio.core.config.train_config import ConfigError, FieldProblem, TrainConfig, load_yaml, parse_config
from lorastudio.core.base.paths import resources_dir


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    values: dict

    def apply(self, base: TrainConfig | None = None) -> TrainConfig:
        """``base`` (or the defaults) with this preset's values laid over it."""
        merged = (base or TrainConfig()).to_dict()
        for key, value in self.values.items():
            if key == "lora_parameters" and isinstance(value, dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return parse_config(merged, f"preset {self.name}")


def presets_dir() -> Path:
    return resources_dir() / "presets"


def list_presets() -> list[Preset]:
    """All built-in presets, sorted by name."""
    return [_read(path) for path in sorted(presets_dir().glob("*.yaml"))]


def get_preset(name: str) -> Preset:
    path = presets_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.name for p in list_presets()) or "none"
        raise KeyError(f"no preset named '{name}' (built-in presets: {known})")
    return _read(path)


def _read(path: Path) -> Preset:
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    values = data.get("config") or {}
    if not isinstance(values, dict):
        got = repr(values)
        raise ConfigError([FieldProblem.of("config", "value.options", got=got if len(got) <= 60 else got[:57] + "...")],
                          str(path))
    preset = Preset(path.stem, str(data.get("description", "")), values)
    preset.apply()  # a broken preset fails here, loudly, not in a user's form
    return preset
