"""Compare the configurations of several runs field by field.

``diff_configs([run_a.to_dict(), run_b.to_dict()])`` gives one ``FieldDiff``
per setting, nested keys dotted (``lora_parameters.rank``), each with one
value per config and whether they differ. A section that is unset in one run
(``lr_schedule: null``, an empty ``optimizer_config.adamw``) and filled in
another is compared key by key, the unset run reading ``None`` for each key,
so the table never has a row for the section and rows for its keys at once.
Plain Python, any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldDiff:
    key: str  # dotted, e.g. "lora_parameters.rank"
    values: tuple  # one per config, None where unset
    differs: bool


def flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level of dotted keys; lists, None and empty mappings are leaves."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _lookup(flat: dict[str, Any], key: str) -> Any:
    """The value of ``key``; a missing key under an unset section reads as None."""
    if key in flat:
        value = flat[key]
        return None if value == {} else value
    return None  # absent itself, or its section is null / empty in this config


def _same(a: Any, b: Any) -> bool:
    # 1 and 1.0 are the same setting; True and 1 are not (a bool flag vs a count).
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def diff_configs(configs: list[dict]) -> list[FieldDiff]:
    """Every field of the configs in first-seen order, with its values and whether they differ."""
    flats = [flatten(c) for c in configs]
    keys: list[str] = []
    seen: set[str] = set()
    for flat in flats:
        for key in flat:
            if key not in seen:
                seen.add(key)
                keys.append(key)
    # A leaf in one config that is a section in another ("lr_schedule": None vs
    # "lr_schedule.name"): keep only the section's keys.
    sections = {key.rsplit(".", 1)[0] for key in keys if "." in key}
    parents = set()
    for section in sections:
        parts = section.split(".")
        parents.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    rows = []
    for key in keys:
        if key in parents:
            continue
        values = tuple(_lookup(flat, key) for flat in flats)
        differs = any(not _same(values[0], v) for v in values[1:])
        rows.append(FieldDiff(key, values, differs))
    return rows


def differing(configs: list[dict]) -> list[FieldDiff]:
    """Only the fields whose values are not all the same."""
    return [row for row in diff_configs(configs) if row.differs]


def format_value(value: Any) -> str:
    """A setting as short text, YAML-like: true/false, 1e-05, [a, b]; unset is an em dash."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)
