"""Chat templates: read a model folder's, render it, and write an Ollama Modelfile for a GGUF.

A Hugging Face chat template is Jinja; Ollama wants Go's text/template. Rather
than parse Jinja, ``translate_chat_template`` renders the model's template on
probe conversations (with and without a system message) and compares the text
with each known turn format (ChatML, Llama 3, Phi-3, Zephyr). A format that
reproduces every probe exactly is translated into Ollama's template syntax,
with its end-of-turn stop strings and the default system prompt the template
inserts when a conversation has none (SmolLM2's "You are a helpful AI
assistant named SmolLM, ..."). Anything else is reported as not translated,
and the Modelfile says so in a comment instead of guessing.

``render_chat`` renders a template the way transformers does (a sandboxed
Jinja environment, ``trim_blocks``/``lstrip_blocks``, ``raise_exception``), so
the GGUF exporter can check the tokenizer on real chat text too.

Plain Python (Jinja2, which transformers already brings), any thread.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODELFILE = "Modelfile"


class ChatTemplateError(ValueError):
    """A chat template that cannot be rendered; the message says why."""


# --------------------------------------------------------------------------------------
# Reading and rendering a template
# --------------------------------------------------------------------------------------


def _token_text(value: Any) -> str | None:
    """A special token as tokenizer_config.json gives it: a string or {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def read_tokenizer_config(model_dir: str | os.PathLike) -> dict[str, Any]:
    path = Path(model_dir) / "tokenizer_config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as e:
        raise ChatTemplateError(f"{path}: cannot read it ({e})") from None


def read_chat_template(model_dir: str | os.PathLike) -> str | None:
    """The model folder's chat template: chat_template.jinja, chat_template.json or tokenizer_config.json."""
    folder = Path(model_dir)
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    candidates = []
    json_file = folder / "chat_template.json"
    if json_file.is_file():
        try:
            candidates.append(json.loads(json_file.read_text(encoding="utf-8")).get("chat_template"))
        except (OSError, json.JSONDecodeError, AttributeError):
            pass
    candidates.append(read_tokenizer_config(folder).get("chat_template"))
    for template in candidates:
        if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}, ...]
            named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
            template = named.get("default") or next(iter(named.values()), None)
        if isinstance(template, str) and template.strip():
            return template
    return None


def special_tokens(model_dir: str | os.PathLike) -> dict[str, str]:
    """bos_token, eos_token, unk_token, pad_token as strings (those the tokenizer config names)."""
    config = read_tokenizer_config(model_dir)
    found = {}
    for key in ("bos_token", "eos_token", "unk_token", "pad_token"):
        text = _token_text(config.get(key))
        if text is not None:
            found[key] = text
    return found


def render_chat(template: str, messages: list[dict[str, str]], add_generation_prompt: bool = True,
                **tokens: str) -> str:
    """Render a Jinja chat template as transformers' apply_chat_template does (text, not ids)."""
    import jinja2
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: dt.datetime.now().strftime(fmt)
    try:
        return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                                tools=None, documents=None, **tokens)
    except jinja2.exceptions.TemplateError as e:
        raise ChatTemplateError(f"the chat template fails: {e}") from None
    except Exception as e:  # a template is code: any error in it is the template's
        raise ChatTemplateError(f"the chat template fails: {type(e).__name__}: {e}") from None


# --------------------------------------------------------------------------------------
# Known turn formats
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnFormat:
    """A chat format where each turn is ``begin + role + after_role + content + end``."""

    name: str
    begin: str
    after_role: str
    end: str
    stops: tuple[str, ...]
    end_uses_eos: bool = False  # Zephyr ends a turn with the tokenizer's eos

    def render(self, messages: list[dict[str, str]], end: str) -> str:
        text = "".join(self.begin + m["role"] + self.after_role + m["content"] + end for m in messages)
        return text + self.begin + "assistant" + self.after_role


FORMATS = (
    TurnFormat("ChatML", "<|im_start|>", "\n", "<|im_end|>\n", ("<|im_start|>", "<|im_end|>")),
    TurnFormat("Llama 3", "<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>",
               ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")),
    TurnFormat("Phi-3", "<|", "|>\n", "<|end|>\n", ("<|end|>", "<|user|>", "<|assistant|>")),
    TurnFormat("Zephyr", "<|", "|>\n", "\n", ("<|system|>", "<|user|>", "<|assistant|>"), end_uses_eos=True),
)

_SYSTEM, _USER1, _ANSWER1, _USER2 = "Probe system text.", "First probe question?", "First probe answer.", "Second probe question?"
_WITH_SYSTEM = [
    {"role": "system", "content": _SYSTEM},
    {"role": "user", "content": _USER1},
    {"role": "assistant", "content": _ANSWER1},
    {"role": "user", "content": _USER2},
]
_WITHOUT_SYSTEM = _WITH_SYSTEM[1:]


@dataclass(frozen=True)
class Translation:
    """What ``translate_chat_template`` found: the format, or why there is none."""

    format: TurnFormat | None
    ollama_template: str | None
    stops: tuple[str, ...]
    default_system: str | None
    reason: str = ""  # why it was not translated


def ollama_template(fmt: TurnFormat, eos: str = "") -> str:
    """The Go text/template Ollama runs for this format, over ``.Messages``.

    Every message is one turn; a final assistant message is left open (Ollama
    continues it), otherwise the assistant's turn is opened for the reply.
    Ollama puts the Modelfile's SYSTEM in ``.Messages`` as a system message
    when the conversation has none.
    """
    end = eos + fmt.end if fmt.end_uses_eos else fmt.end
    return (
        "{{- range $i, $_ := .Messages }}\n"
        "{{- $last := eq (len (slice $.Messages $i)) 1 -}}\n"
        f"{fmt.begin}{{{{ .Role }}}}{fmt.after_role}{{{{ .Content }}}}"
        f'{{{{ if or (ne .Role "assistant") (not $last) }}}}{end}{{{{ end }}}}\n'
        '{{- if and $last (ne .Role "assistant") }}'
        f"{fmt.begin}assistant{fmt.after_role}{{{{ end }}}}\n"
        "{{- end }}"
    )


def _strip_bos(text: str, bos: str | None) -> str:
    return text[len(bos):] if bos and text.startswith(bos) else text


def translate_chat_template(template: str | None, bos_token: str | None = None,
                            eos_token: str | None = None) -> Translation:
    """Find which known format ``template`` renders, by rendering it on probe conversations."""
    if not template:
        return Translation(None, None, (), None, "the model has no chat template")
    tokens = {"bos_token": bos_token or "", "eos_token": eos_token or ""}
    try:
        with_system = render_chat(template, _WITH_SYSTEM, **tokens)
        without_system = render_chat(template, _WITHOUT_SYSTEM, **tokens)
    except ChatTemplateError as e:
        return Translation(None, None, (), None, str(e))
    # The renderings as they are, then without a leading BOS token: llama.cpp and Ollama add
    # that one themselves when the GGUF says tokenizer.ggml.add_bos_token (Llama 3 does).
    renderings = dict.fromkeys([(with_system, without_system),
                                (_strip_bos(with_system, bos_token), _strip_bos(without_system, bos_token))])
    for fmt in FORMATS:
        if fmt.end_uses_eos and not eos_token:
            continue
        end = (eos_token or "") + fmt.end if fmt.end_uses_eos else fmt.end
        for first, second in renderings:
            if first != fmt.render(_WITH_SYSTEM, end):
                continue
            default = None
            if second != fmt.render(_WITHOUT_SYSTEM, end):
                default = _default_system(fmt, end, second)
                if default is None:
                    continue
            stops = tuple(dict.fromkeys((*fmt.stops, *([eos_token] if eos_token else []))))
            return Translation(fmt, ollama_template(fmt, eos_token or ""), stops, default)
    return Translation(None, None, (), None,
                       "it renders a format other than ChatML, Llama 3, Phi-3 or Zephyr "
                       "(or one of those with extra text)")


def _default_system(fmt: TurnFormat, end: str, rendered: str) -> str | None:
    """The system prompt the template inserts when a conversation has none, or None if it is not that."""
    head = fmt.begin + "system" + fmt.after_role
    if not rendered.startswith(head):
        return None
    close = rendered.find(end, len(head))
    if close < 0:
        return None
    system = rendered[len(head):close]
    return system if fmt.render([{"role": "system", "content": system}, *_WITHOUT_SYSTEM], end) == rendered else None


# --------------------------------------------------------------------------------------
# The Modelfile
# --------------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A Modelfile value: triple-quoted when it spans lines or has quotes."""
    if '"""' in text:
        raise ChatTemplateError('a Modelfile value cannot contain """')
    return f'"""{text}"""' if ("\n" in text or '"' in text or text != text.strip()) else f'"{text}"'


def modelfile_text(gguf_name: str, translation: Translation, model_name: str = "") -> str:
    """The Modelfile's text for a GGUF file beside it."""
    lines = [
        f"# Ollama Modelfile for {model_name or gguf_name}, written by LoRA Studio.",
        f"# Create the model with:  ollama create NAME -f {MODELFILE}",
        "# (add --quantize q4_K_M to make a smaller quantized copy from this GGUF)",
        "",
        f"FROM ./{gguf_name}",
        "",
    ]
    if translation.ollama_template:
        lines += [f"# Chat format: {translation.format.name}, translated from the model's chat template.",
                  f'TEMPLATE """{translation.ollama_template}"""', ""]
        for stop in translation.stops:
            lines.append(f"PARAMETER stop {_quoted(stop)}")
        if translation.default_system is not None:
            lines += ["", f"SYSTEM {_quoted(translation.default_system)}"]
    else:
        lines += [
            "# NOTE: the model's chat template could not be translated into Ollama's template syntax:",
            f"# {translation.reason}.",
            "# No TEMPLATE is set: Ollama may derive one from the chat template stored in the GGUF",
            "# (tokenizer.chat_template); otherwise write a TEMPLATE here by hand.",
        ]
    return "\n".join(lines) + "\n"


def write_modelfile(model_dir: str | os.PathLike, gguf_path: str | os.PathLike,
                    path: str | os.PathLike | None = None) -> Path:
    """Write an Ollama Modelfile beside ``gguf_path`` for the model folder it was exported from."""
    from lorastudio.core.base import atomic

    gguf_path = Path(gguf_path)
    target = Path(path) if path else gguf_path.parent / MODELFILE
    tokens = special_tokens(model_dir)
    translation = translate_chat_template(read_chat_template(model_dir), tokens.get("bos_token"),
                                          tokens.get("eos_token"))
    text = modelfile_text(os.path.relpath(gguf_path, target.parent), translation, Path(model_dir).name)
    atomic.write_text(target, text)
    return target
