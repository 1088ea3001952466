"""The Model panel's background work: model facts, trainable share, memory estimate, fit plan, GGUF preview.

These functions run on Qt's thread pool through ``lorastudio.ui.tasks.Task``
and only call the core. They build lazy MLX skeletons on their own thread
(never evaluated) and hand back plain Python values: dataclasses of numbers
and strings, dicts. No Qt here: the core's sentences come back in the
language the panel passes in (``core_language()``, read on the GUI thread).
"""

from __future__ import annotations

import re
from pathlib import Path

DTYPE_SUFFIXES = {"float32": "-f32", "float16": "-f16", "bfloat16": "-bf16", "4bit": "-4bit", "8bit": "-8bit"}


def readable(exc: BaseException) -> str:
    """An exception as a sentence: the core's own errors already are one."""
    if isinstance(exc, (ValueError, OSError)) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def analyse(model: str, config, parts: tuple[str, ...], lang: str = "en") -> dict:
    """Whatever of "facts" (with the CPU advice), "trainable" and "estimate" is asked for; errors become text.

    ``lang`` ("en" or "zh"): the language of the estimate's summary and the CPU advice.
    """
    path = Path(model).expanduser()
    out: dict = {}
    if "facts" in parts:
        from lorastudio.core.models.info import model_facts

        try:
            out["facts"] = model_facts(path)
        except Exception as exc:  # noqa: BLE001 - shown in the card
            out["facts_error"] = readable(exc)
        else:
            out["advice"] = _advice(path, lang)
    if "trainable" in parts:
        from lorastudio.core.models.info import trainable_count

        try:
            out["trainable"] = str(trainable_count(path, config))
        except Exception as exc:  # noqa: BLE001 - e.g. more layers than the model has
            out["trainable_error"] = readable(exc)
    if "estimate" in parts:
        out["estimate"] = memory_estimate(config, lang)
    return out


def _advice(path: Path, lang: str) -> str | None:
    from lorastudio.core.models.loading import cpu_training_advice

    try:
        return cpu_training_advice(path, lang)
    except Exception:  # noqa: BLE001 - advice is optional; the facts are what matter
        return None


def memory_estimate(config, lang: str = "en") -> dict:
    """``{"verdict", "summary"}``, or ``{"error"}`` when there is no estimate (module missing, failure).

    The verdict is the core's code ("fits", "tight", "will not fit"); the summary is in ``lang``.
    """
    try:
        from lorastudio.core.estimate.forecast import estimate_for_config
    except ImportError:
        return {"error": _unavailable(lang)}
    try:
        estimate = estimate_for_config(config)
    except Exception as exc:  # noqa: BLE001 - the card says "estimate unavailable" and why
        return {"error": readable(exc)}
    if estimate is None:
        return {"error": ""}
    return {"verdict": str(estimate.verdict), "summary": str(estimate.summary(lang))}


def _unavailable(lang: str) -> str:
    try:
        from lorastudio.core.estimate.messages import text
    except ImportError:  # no estimate package at all
        return "the memory estimate is not available in this version"
    return text("unavailable", lang)


def fit_plan(config, lang: str = "en", memory_gb: float | None = None) -> dict:
    """The "Make it fit" plan of ``config`` (``core.estimate.plan``) as plain values for the fit dialog.

    ``{"plan", "lines", "start", "steps", "ending", "same", "all"}``: the plan
    itself, its lines in ``lang``, its start and each step in words (change,
    keeps_result, knob, total, time, verdict, verdict_text), its last
    sentence, and the ``update_config`` changes of the part that keeps the
    result ("same") and of every step a setting can express ("all"; the 4-bit
    copy is not one). ``{"error"}`` when there is no plan. ``memory_gb``:
    plan for that much memory instead of this machine's.
    """
    from lorastudio.core.estimate.plan import plan_for_config, result_preserving
    from lorastudio.core.estimate.plan_messages import text

    plan = plan_for_config(config, memory_gb=memory_gb)
    if plan is None:
        return {"error": text("no_estimate", lang, model=config.model)}
    lines = plan.lines(lang)
    steps = [dict(_prediction(step.total_gb, step.seconds_per_step, step.verdict, lang), knob=step.knob,
                  change=step.change(lang), keeps_result=step.keeps_result) for step in plan.steps]
    keep = result_preserving(plan)
    return {"plan": plan, "lines": lines, "start": _prediction(plan.start.total_gb, plan.start.seconds_per_step,
                                                              plan.start.verdict, lang),
            "heading": lines[0], "steps": steps, "ending": lines[-1], "fits": plan.fits,
            "same": setting_changes(keep), "all": setting_changes(plan)}


def _prediction(total_gb: float, seconds: float | None, verdict: str, lang: str) -> dict:
    from lorastudio.core.estimate.plan import size_text, verdict_text

    return {"total": size_text(total_gb), "time": _per_step(seconds, lang), "verdict": verdict,
            "verdict_text": verdict_text(verdict, lang)}


def _per_step(seconds: float | None, lang: str) -> str:
    """"about 0.12 s per step" in ``lang``, or "" when the plan has no time."""
    from lorastudio.core.estimate.messages import text as estimate_text
    from lorastudio.core.estimate.plan_messages import text

    if seconds is None:
        return ""
    if seconds < 120:
        duration = estimate_text("time.seconds", lang, value=f"{seconds:.2f}" if seconds < 1 else f"{seconds:.1f}")
    elif seconds < 7200:
        duration = estimate_text("time.minutes", lang, value=f"{seconds / 60:.1f}")
    else:
        duration = estimate_text("time.hours", lang, value=f"{seconds / 3600:.1f}")
    return text("time", lang, time=duration).lstrip(",， ")


def setting_changes(plan) -> dict:
    """The ``AppState.update_config`` changes that set what ``plan`` changed (not the 4-bit copy: no setting)."""
    changes = {}
    for name in plan.changed_settings():
        if name == "rank":
            changes["lora_parameters"] = plan.config.to_dict()["lora_parameters"]
        elif name != "quantized":
            changes[name] = getattr(plan.config, name)
    return changes


def gguf_preview(path: str, lang: str = "en") -> dict:
    """The GGUF header's summary (its problem in ``lang``), plus whether MLX trains on the CPU here (float32 is then advised)."""
    from lorastudio.core.models.demo_model import demo_model_dtype
    from lorastudio.core.models.gguf_import import gguf_summary
    from lorastudio.core.models.loading import cpu_slow_reason

    summary = gguf_summary(path, lang)
    summary["cpu_training"] = demo_model_dtype() == "float32"
    summary["cpu_reason"] = cpu_slow_reason(lang)
    return summary


def imported_precision(folder: str) -> tuple[str, str]:
    """(the GGUF's own quantization, the precision chosen) of an imported folder, from its config.json."""
    import json

    try:
        record = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8")).get("gguf_import") or {}
    except (OSError, ValueError):
        record = {}
    return str(record.get("source_quantization") or "?"), str(record.get("precision") or "?")


def demo_model_reason() -> str:
    from lorastudio.core.models.demo_model import demo_model_dtype_reason

    return demo_model_dtype_reason()


def gguf_output_dir(models_root: Path, gguf_path: Path, dtype: str | None) -> Path:
    """A new folder under the models folder for an import: the file's name, the precision, a number if taken."""
    base = re.sub(r"[^\w-]+", "-", Path(gguf_path).stem).strip("-") or "model"
    name = base + DTYPE_SUFFIXES.get(dtype or "", "")
    target, number = Path(models_root) / name, 2
    while target.exists():
        target = Path(models_root) / f"{name}-{number}"
        number += 1
    return target
