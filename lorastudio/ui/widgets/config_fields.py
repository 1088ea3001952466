"""The configuration's fields, described from the core dataclasses' types and metadata.

``field_specs()`` walks ``TrainConfig`` and its nested ``LoraParameters`` and
``LrSchedule`` (dotted names such as ``lora_parameters.rank``, the names of
``field_help()``), so a new field in the core is described without any
change here; ``value_of`` and ``changes_for`` read and set one dotted field.
The editors for them are in ``config_controls`` and ``config_list_controls``.
No widgets; GUI thread by use.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass
from typing import Any

from lorastudio.core.config.train_config import TrainConfig


@dataclass(frozen=True)
class FieldSpec:
    name: str  # dotted: "learning_rate", "lora_parameters.rank"
    type: Any  # the annotation without "| None"
    optional: bool
    meta: dict

    @property
    def parent(self) -> str:
        return self.name.rpartition(".")[0]

    @property
    def group(self) -> str:
        return self.meta.get("group", "advanced")

    @property
    def unit(self) -> str:
        return self.meta.get("unit", "")

    @property
    def section(self) -> str:
        """The form's box (one of the core's ``SECTIONS``); every field's metadata names one."""
        return self.meta["section"]

    @property
    def is_section(self) -> bool:
        """A nested configuration (its own fields are the editors)."""
        return dataclasses.is_dataclass(self.type)


def field_specs() -> list[FieldSpec]:
    """Every field of ``TrainConfig``, nested ones after their parent, in the dataclasses' order."""
    out: list[FieldSpec] = []

    def walk(cls, prefix: str) -> None:
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            args = typing.get_args(hint)
            optional = type(None) in args
            base = next(a for a in args if a is not type(None)) if optional else hint
            spec = FieldSpec(prefix + f.name, base, optional, dict(f.metadata))
            out.append(spec)
            if spec.is_section:
                walk(base, spec.name + ".")

    walk(TrainConfig, "")
    return out


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def value_of(config: TrainConfig, name: str) -> Any:
    """The value at a dotted name; an absent optional sub-configuration reads as its defaults."""
    obj: Any = config
    for part in name.split("."):
        if obj is None:
            return None
        value = getattr(obj, part)
        if value is None and "." in name and part == name.split(".")[0]:
            hint = _hints(type(obj))[part]
            value = next(a for a in typing.get_args(hint) if a is not type(None))()
        obj = value
    return obj


def changes_for(config: TrainConfig, name: str, value: Any) -> dict:
    """Keyword arguments for ``AppState.update_config`` that set one dotted field."""
    parent, _, leaf = name.rpartition(".")
    if not parent:
        return {name: value}
    current = getattr(config, parent)
    merged = dataclasses.asdict(current) if current is not None else {}
    merged[leaf] = value
    return {parent: merged}
