"""Chat templates for the chat engine: render a conversation into prompt tokens, errors made readable.

``render_prompt`` builds the prompt exactly as ``mlx_lm.generate`` does (the
tokenizer's chat template with the generation prompt, rendered to text, then
encoded without adding special tokens), or with a user-supplied Jinja
template instead. A template that does not parse, raises while rendering, or
is missing altogether becomes a ``ChatTemplateError`` that names the template
and, where Jinja knows it, the line. Runs on any thread (no MLX arrays).
"""

from __future__ import annotations

from pathlib import Path

from lorastudio.core.base.said import Phrase, Said
from lorastudio.core.chat import messages

MODEL_TEMPLATE = "the model's chat template"


class ChatTemplateError(Said, ValueError):
    """A chat template that is missing, does not parse, or fails on a conversation (in English and Chinese: ``messages``)."""

    table = messages.TABLE


def load_chat_template(path: str | Path) -> str:
    """The text of a Jinja chat template file (errors name the file)."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChatTemplateError.say("template.missing_file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ChatTemplateError.say("template.unreadable", path=path, error=str(exc)) from None
    if not text.strip():
        raise ChatTemplateError.say("template.empty", path=path)
    return text


def _template_line(exc: BaseException) -> int | None:
    """The template line a Jinja error happened on (Jinja rewrites tracebacks to point into ``<template>``)."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def has_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "has_chat_template", False))


def render_prompt(
    tokenizer,
    messages: list[dict],
    template: str | None = None,
    source: str = MODEL_TEMPLATE,
    model_name: str = "the model",
) -> tuple[str, list[int]]:
    """The prompt text and tokens for ``messages``, ending with the assistant's generation prompt.

    ``tokenizer`` is mlx-lm's TokenizerWrapper; ``template`` a Jinja string that
    replaces the model's template; ``source`` names it in error messages.
    """
    import jinja2

    if template is None and not has_chat_template(tokenizer):
        raise ChatTemplateError.say("template.none", model=model_name)
    try:
        if template is not None:
            # The Hugging Face tokenizer renders a Jinja string itself (mlx-lm's wrapper may hold a
            # Python renderer for the model's own template, which an override must bypass).
            hf = getattr(tokenizer, "_tokenizer", tokenizer)
            text = hf.apply_chat_template(messages, chat_template=template, add_generation_prompt=True, tokenize=False)
        else:
            text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    except jinja2.TemplateSyntaxError as exc:
        raise ChatTemplateError.say("template.syntax", source=source, line=exc.lineno, error=exc.message) from None
    except Exception as exc:  # the template raised while rendering (raise_exception, undefined names, ...)
        line = _template_line(exc)
        where = Phrase("template.where", line=line) if line else ""
        raise ChatTemplateError.say("template.failed", source=source, where=where, kind=type(exc).__name__,
                                    error=str(exc)) from None
    if not isinstance(text, str):
        raise ChatTemplateError.say("template.no_text", source=source)
    # As mlx_lm.generate does: the template already wrote any special tokens it wants.
    return text, list(tokenizer.encode(text, add_special_tokens=False))
