"""The tokenizer half of the GGUF export: a model folder's byte-level BPE as llama.cpp's metadata.

``tokenizer_metadata`` writes the ``tokenizer.*`` keys the way llama.cpp's
``convert_hf_to_gguf.py`` does for a GPT-2-style vocabulary
(``tokenizer.ggml.model "gpt2"``): every token id up to the embedding size
(missing ids padded as ``[PADn]``, UNUSED), token types (added special tokens
and ones that look special CONTROL, other added tokens USER_DEFINED), merges,
the pre-tokenizer name llama.cpp knows for the tokenizer's splitting rule
(``gpt-2``, ``smollm``, ``llama-bpe``, ``tekken``), BOS/EOS/UNK/PAD and
end-of-turn ids, whether BOS/EOS are added, and the chat template.

``check_tokenizer`` reads a written file back with the GGUF importer (which
follows llama.cpp's rules) and compares its tokenizer with the model's own
on plain and chat text.

Metadata values that need a GGUF type other than a string or a list of strings
are ``Typed`` (value, gguf value type name, element type name); the export hands
them to ``gguf.GGUFWriter.add_key_value``.

Threads: the calling thread. tokenizers is imported lazily.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

# llama.cpp token types
_NORMAL, _CONTROL, _USER_DEFINED, _UNUSED = 1, 3, 4, 5

_PROBE_TEXT = (
    "Hello world! What is the capital of France?  The capital of France is Paris.\n\n"
    "Numbers 1, 22, 333, 4444 and 3.14159; code: def f(x):\n\treturn x**2  # done\n"
    "Ünïcödé: café, naïve, 日本語, emoji 🙂, 'quotes' and \"double quotes\"... I'm sure you'll see."
)


class Typed(NamedTuple):
    """A metadata value with its GGUF type (llama.cpp checks the type of every key it reads)."""

    value: Any
    type: str  # a gguf.GGUFValueType name: UINT32, FLOAT32, BOOL, ARRAY
    sub_type: str | None = None  # the element type of an ARRAY


def u32(value: int) -> Typed:
    return Typed(int(value), "UINT32")


def f32(value: float) -> Typed:
    return Typed(float(value), "FLOAT32")


def flag(value: bool) -> Typed:
    return Typed(bool(value), "BOOL")


class GgufExportError(ValueError):
    """A model that cannot be exported to GGUF; the message names it and says why."""


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GgufExportError(f"{path} is missing") from None
    except (OSError, json.JSONDecodeError) as e:
        raise GgufExportError(f"{path}: cannot read it ({e})") from None


def tokenizer_json(folder: Path) -> dict[str, Any]:
    """tokenizer.json, checked to be a byte-level BPE that llama.cpp's "gpt2" vocabulary can hold."""
    if not (folder / "tokenizer.json").is_file():
        raise GgufExportError(f"{folder}: no tokenizer.json; only byte-level BPE tokenizers in that format can be "
                              "exported to GGUF here")
    data = read_json(folder / "tokenizer.json")
    model = data.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise GgufExportError(f"{folder}: only byte-level BPE tokenizers can be exported to GGUF here "
                              "(this one is SentencePiece-style or not BPE)")
    if data.get("normalizer"):
        raise GgufExportError(f"{folder}: the tokenizer has a normalizer ({data['normalizer'].get('type')}), "
                              "which llama.cpp's BPE tokenizer does not apply")
    _pre_tokenizer_name(folder, data.get("pre_tokenizer"))
    return data


def _pre_tokenizer_name(folder: Path, pre: dict[str, Any] | None) -> tuple[str, bool]:
    """llama.cpp's tokenizer.ggml.pre for a tokenizer.json pre-tokenizer, and its add_prefix_space."""
    from lorastudio.core.models.gguf_tokenizer import LLAMA3_SPLIT as _LLAMA3_SPLIT, TEKKEN_SPLIT as _TEKKEN_SPLIT

    steps = (pre or {}).get("pretokenizers") if (pre or {}).get("type") == "Sequence" else [pre] if pre else []
    kinds = [s.get("type") for s in steps]
    if kinds and kinds[-1] == "ByteLevel":
        byte_level = steps[-1]
        prefix = bool(byte_level.get("add_prefix_space", False))
        regex = byte_level.get("use_regex", True)
        if kinds == ["ByteLevel"] and regex:
            return "gpt-2", prefix
        if kinds == ["Digits", "ByteLevel"] and steps[0].get("individual_digits") and regex:
            return "smollm", prefix
        if kinds == ["Split", "ByteLevel"] and not regex:
            pattern = (steps[0].get("pattern") or {}).get("Regex")
            if steps[0].get("behavior") == "Isolated" and not steps[0].get("invert"):
                if pattern == _LLAMA3_SPLIT:
                    return "llama-bpe", prefix
                if pattern == _TEKKEN_SPLIT:
                    return "tekken", prefix
    raise GgufExportError(
        f"{folder}: the tokenizer splits text in a way this exporter cannot name for llama.cpp "
        f"(pre-tokenizer {' + '.join(k or '?' for k in kinds) or 'none'}); supported: GPT-2, SmolLM, Llama 3")


def _looks_special(token: str) -> bool:
    # convert_hf_to_gguf.py's does_token_look_special, for added tokens not marked special
    return token in ("<pad>", "<mask>") or (token.startswith("<|") and token.endswith("|>"))


def tokenizer_metadata(model_dir: str | os.PathLike, n_vocab: int, eos_ids: list[int] | None = None
                       ) -> tuple[dict[str, Any], Any]:
    """The ``tokenizer.*`` GGUF metadata for a model folder, and its ``tokenizers.Tokenizer``."""
    from tokenizers import Tokenizer

    from lorastudio.core.models.modelfile import read_chat_template, special_tokens

    folder = Path(model_dir)
    data = tokenizer_json(folder)
    pre, prefix = _pre_tokenizer_name(folder, data.get("pre_tokenizer"))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    vocab: dict[int, str] = {i: t for t, i in tokenizer.get_vocab(with_added_tokens=True).items()}
    added = {int(t["id"]): t for t in data.get("added_tokens") or []}
    for i, t in added.items():
        vocab[i] = t["content"]  # raw text: llama.cpp matches added tokens unnormalized
    if vocab and max(vocab) >= n_vocab:
        raise GgufExportError(f"{folder}: the tokenizer has token id {max(vocab)} but the model has only "
                              f"{n_vocab} embedding rows")
    tokens, types = [], []
    for i in range(n_vocab):
        if i not in vocab:
            tokens.append(f"[PAD{i}]")
            types.append(_UNUSED)
        elif i in added:
            tokens.append(vocab[i])
            types.append(_CONTROL if added[i].get("special") or _looks_special(vocab[i]) else _USER_DEFINED)
        else:
            tokens.append(vocab[i])
            types.append(_NORMAL)
    if len(set(tokens)) != len(tokens):
        raise GgufExportError(f"{folder}: the tokenizer spells two token ids the same way, which GGUF cannot hold")

    merges = []
    for m in (data.get("model") or {}).get("merges") or []:
        a, b = m if isinstance(m, list) else m.split(" ", 1)
        if " " in a or " " in b:
            raise GgufExportError(f"{folder}: the tokenizer has a merge of tokens with spaces ({a!r} {b!r}), "
                                  "which GGUF's merge list cannot hold")
        merges.append(f"{a} {b}")

    meta: dict[str, Any] = {
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": pre,
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.token_type": Typed(types, "ARRAY", "INT32"),
        "tokenizer.ggml.merges": merges,
        "tokenizer.ggml.add_space_prefix": flag(prefix),
    }
    names = special_tokens(folder)
    ids = {}
    for key, meta_key in (("bos_token", "bos_token_id"), ("eos_token", "eos_token_id"),
                          ("unk_token", "unknown_token_id"), ("pad_token", "padding_token_id")):
        token_id = tokenizer.token_to_id(names[key]) if key in names else None
        if token_id is not None and token_id < n_vocab:
            ids[key] = token_id
            meta[f"tokenizer.ggml.{meta_key}"] = u32(token_id)
    # More end-of-generation ids (config.json's eos_token_id list): end of turn, end of message.
    extra = [i for i in (eos_ids or []) if i != ids.get("eos_token") and 0 <= i < n_vocab]
    if "eos_token" not in ids and extra:
        ids["eos_token"] = extra.pop(0)
        meta["tokenizer.ggml.eos_token_id"] = u32(ids["eos_token"])
    for i in extra:
        key = "eom_token_id" if tokens[i] == "<|eom_id|>" else "eot_token_id"
        meta.setdefault(f"tokenizer.ggml.{key}", u32(i))
    # Whether the tokenizer itself adds BOS / EOS around a text (its post-processor).
    plain = tokenizer.encode("Hello", add_special_tokens=False).ids
    full = tokenizer.encode("Hello", add_special_tokens=True).ids
    add_bos = len(full) > len(plain) and "bos_token" in ids and full[0] == ids["bos_token"]
    add_eos = len(full) > len(plain) and "eos_token" in ids and full[-1] == ids["eos_token"]
    meta["tokenizer.ggml.add_bos_token"] = flag(add_bos)
    meta["tokenizer.ggml.add_eos_token"] = flag(add_eos)
    template = read_chat_template(folder)
    if template:
        meta["tokenizer.chat_template"] = template
    return meta, tokenizer


def check_tokenizer(path: Path, folder: Path, tokenizer: Any) -> None:
    """Read the file back as llama.cpp would and compare its tokenizer with the model's own."""
    from lorastudio.core.models import gguf_import
    from lorastudio.core.models.gguf_tokenizer import build_tokenizer
    from lorastudio.core.models.modelfile import ChatTemplateError, read_chat_template, render_chat, special_tokens

    summary = gguf_import.gguf_summary(path)
    if not summary["importable"]:
        raise GgufExportError(f"{folder}: the GGUF written does not read back: {summary['problem']}")
    gf = gguf_import.read_gguf(path)
    rebuilt, _ = build_tokenizer(gf.metadata, gf.get("general.architecture"), 2048)
    texts = [_PROBE_TEXT]
    template = read_chat_template(folder)
    if template:
        chat = [{"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": "What is the capital of France?"},
                {"role": "assistant", "content": "Paris."}, {"role": "user", "content": "And of Italy? 42!"}]
        try:
            texts.append(render_chat(template, chat, **special_tokens(folder)))
        except ChatTemplateError:
            pass  # a template that needs more than messages; the plain text still checks the tokenizer
    for text in texts:
        want = tokenizer.encode(text, add_special_tokens=True).ids
        got = rebuilt.encode(text, add_special_tokens=True).ids
        if want != got:
            at = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
            raise GgufExportError(
                f"{folder}: the GGUF tokenizer would split text differently from the model's own "
                f"(first difference at token {at}: {want[at:at + 3]} vs {got[at:at + 3]}); not exported")
