"""What the Data panel says: the summary line and why there is no tokenizer, in the interface language.

Plain functions over core values (a ``DatasetReport``, its extra problems,
a ``TokenizerHandle``); strings are translated in the context "DataPanel"
through ``QCoreApplication.translate``, which pyside6-lupdate reads with
its context. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from lorastudio.ui.panels import data_jobs



def summary(report, extra_problems=()) -> tuple[str, str]:
    """(kind, text): kind is "good", "warn" or "bad"; the text is the summary line."""
    errors = report.error_count + sum(p.severity == "error" for p in extra_problems)
    warnings = report.warning_count + sum(p.severity == "warning" for p in extra_problems)
    sizes = {name: f"{len(report.splits.get(name, [])):,}" for name in ("train", "valid", "test")}
    formats = {
        "chat": QCoreApplication.translate("DataPanel", "chat"),
        "tools": QCoreApplication.translate("DataPanel", "chat with tools"),
        "completions": QCoreApplication.translate("DataPanel", "prompt/completion"),
        "text": QCoreApplication.translate("DataPanel", "plain text"),
    }
    fmt = formats.get(report.format) or QCoreApplication.translate("DataPanel", "unknown")
    if errors == 1:
        return "bad", QCoreApplication.translate("DataPanel", "1 error: training is blocked until it is fixed")
    if errors:
        return "bad", QCoreApplication.translate(
            "DataPanel", "{count} errors: training is blocked until they are fixed").format(count=f"{errors:,}")
    if warnings == 1:
        return "warn", QCoreApplication.translate(
            "DataPanel", "{train} train / {valid} valid / {test} test examples, {format} format, 1 warning").format(
            format=fmt, **sizes)
    if warnings:
        return "warn", QCoreApplication.translate(
            "DataPanel", "{train} train / {valid} valid / {test} test examples, {format} format, {count} warnings").format(
            format=fmt, count=warnings, **sizes)
    return "good", QCoreApplication.translate(
        "DataPanel", "{train} train / {valid} valid / {test} test examples, {format} format, no problems").format(
        format=fmt, **sizes)


def summary_html(kind: str, text: str, colors) -> str:
    """The summary line drawn: a coloured mark, and errors in the error colour."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    colour = {"good": colors.good, "warn": colors.warn, "bad": colors.bad}.get(kind)
    if colour is None:
        return f'<span style="color:{colors.muted}">{escaped}</span>'
    glyph = {"good": "✓", "warn": "⚠", "bad": "✕"}[kind]
    body = f'<span style="color:{colour};font-weight:600">{escaped}</span>' if kind == "bad" else escaped
    return f'<span style="color:{colour};font-weight:700">{glyph}</span>&nbsp; {body}'


def tokenizer_reason(handle) -> str:
    """Why ``handle`` has no tokenizer, with what to do about it."""
    reason = handle.reason
    if reason.startswith("failed:"):
        return QCoreApplication.translate("DataPanel", "Its tokenizer could not be loaded: {error}").format(
            error=reason[len("failed:"):])
    if reason == data_jobs.NO_MODEL:
        return QCoreApplication.translate("DataPanel", "Choose a model on the Model page to see the examples as tokens.")
    if reason == data_jobs.DEMO_NOT_IMPORTED:
        return QCoreApplication.translate(
            "DataPanel", "The demo model is not imported yet: import it on the Model page "
                         "(or start training, which imports it) to see tokens.")
    if reason == data_jobs.GGUF_FILE:
        return QCoreApplication.translate("DataPanel", "The model is a GGUF file: import it on the Model page to see tokens.")
    if reason == data_jobs.NOT_DOWNLOADED:
        return QCoreApplication.translate(
            "DataPanel", "{model} is not downloaded yet: download it on the Model page to see tokens.").format(model=handle.model)
    if reason == data_jobs.NO_TOKENIZER:
        return QCoreApplication.translate("DataPanel", "{model} has no tokenizer files.").format(
            model=Path(handle.model).name or handle.model)
    return QCoreApplication.translate("DataPanel", "The model {model} was not found.").format(model=handle.model)
