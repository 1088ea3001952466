"""The tokenizer a GGUF file describes, rebuilt as a Hugging Face ``tokenizer.json`` and ``tokenizer_config.json``.

A GGUF carries no ``tokenizer.json``: it stores the vocabulary, merges, scores,
token types and special token ids under llama.cpp's ``tokenizer.ggml.*`` keys.
The conversion itself is transformers' own GGUF tokenizer converter
(``transformers.integrations.gguf.gguf_tokenizer_mapping.convert_gguf_tokenizer``,
pure Python over the ``tokenizers`` library: no PyTorch; transformers is
installed with mlx-lm anyway). It covers byte-level BPE (``tokenizer.ggml.model
"gpt2"``: Llama 3, Qwen, SmolLM, Phi-4) and SentencePiece (``"llama"``: Llama 2,
Mistral, Gemma, Phi-3), including Gemma's respelled whitespace tokens and its
merges rebuilt from the vocabulary order.

What we add on top, because llama.cpp (whose behaviour the file promises)
differs from the converter's defaults:

- the pre-tokenizers llama.cpp applies for ``tokenizer.ggml.pre`` that the
  converter does not know (``smollm`` and kin split every digit off first),
  and ``ignore_merges`` for Llama 3 vocabularies;
- a post-processor that adds BOS and/or EOS as ``tokenizer.ggml.add_bos_token``
  / ``add_eos_token`` say (SentencePiece files without the flag get BOS, as in
  llama.cpp);
- ``tokenizer_config.json``: the special tokens, the chat template, the
  context length.

Threads: the calling thread. transformers and tokenizers are imported lazily.
"""

from __future__ import annotations

from typing import Any

from lorastudio.core.base.said import Phrase

SUPPORTED_TOKENIZERS = ("gpt2", "llama")  # byte-level BPE, SentencePiece

# llama.cpp token types (tokenizer.ggml.token_type)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

# Pre-tokenizer splits, as llama.cpp applies them for tokenizer.ggml.pre (llama-vocab.cpp);
# the regexes are the ones of the models' own tokenizer.json. The export names them back.
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
TEKKEN_SPLIT = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_DIGIT_PRE = {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva"}
_LLAMA3_PRE = {"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe"}

# tokenizer.ggml.<key> -> the name transformers' converter reads it under
_CONVERTER_KEYS = {
    "model": "tokenizer_type", "pre": "pre_tokenizer_type", "tokens": "tokens", "scores": "scores",
    "token_type": "token_type", "merges": "merges", "bos_token_id": "bos_token_id",
    "eos_token_id": "eos_token_id", "unknown_token_id": "unk_token_id", "padding_token_id": "pad_token_id",
    "add_space_prefix": "add_prefix_space",
}


class TokenizerProblem(ValueError):
    """The GGUF's tokenizer cannot be rebuilt; ``phrase`` says why (a phrase of ``messages``; the caller names the file)."""

    def __init__(self, phrase: Phrase):
        super().__init__(phrase)
        self.phrase = phrase


def tokenizer_problem(meta: dict[str, Any]) -> Phrase | None:
    """Why the tokenizer of this metadata cannot be rebuilt (a phrase), or None. Cheap: no conversion."""
    model = meta.get("tokenizer.ggml.model")
    if model is None or meta.get("tokenizer.ggml.tokens") is None:
        return Phrase("gguf.no_tokenizer")
    if model not in SUPPORTED_TOKENIZERS:
        return Phrase("gguf.tokenizer_model", model=model)
    if model == "gpt2" and not meta.get("tokenizer.ggml.merges"):
        return Phrase("gguf.no_merges")
    if model == "llama" and meta.get("tokenizer.ggml.scores") is None and not meta.get("tokenizer.ggml.merges"):
        return Phrase("gguf.no_scores")
    return None


def build_tokenizer(meta: dict[str, Any], arch: str, context_length: int) -> tuple[Any, dict[str, Any]]:
    """The ``tokenizers.Tokenizer`` and the ``tokenizer_config.json`` dict of a GGUF's metadata.

    ``meta``: the file's metadata (key -> value). Raises TokenizerProblem.
    """
    problem = tokenizer_problem(meta)
    if problem:
        raise TokenizerProblem(problem)
    tokens: list[str] = list(meta["tokenizer.ggml.tokens"])
    model = meta["tokenizer.ggml.model"]
    if model == "gpt2":
        _check_merges(meta["tokenizer.ggml.merges"], tokens)
    tokenizer = _converted(meta, arch)
    pre = meta.get("tokenizer.ggml.pre") or "default"
    if model == "gpt2":
        _llama_cpp_pre_tokenizer(tokenizer, pre, bool(meta.get("tokenizer.ggml.add_space_prefix", False)))

    bos = _token(tokens, meta.get("tokenizer.ggml.bos_token_id"))
    eos = _token(tokens, meta.get("tokenizer.ggml.eos_token_id"))
    # llama.cpp adds BOS to a SentencePiece vocabulary that does not say otherwise.
    add_bos = bool(meta.get("tokenizer.ggml.add_bos_token", model == "llama")) and bos is not None
    add_eos = bool(meta.get("tokenizer.ggml.add_eos_token", False)) and eos is not None
    tokenizer.post_processor = _post_processor(tokenizer, model, bos, eos, add_bos, add_eos)
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": _token(tokens, meta.get("tokenizer.ggml.unknown_token_id")),
        "pad_token": _token(tokens, meta.get("tokenizer.ggml.padding_token_id")),
        "add_bos_token": add_bos,
        "add_eos_token": add_eos,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(context_length),
    }
    config = {k: v for k, v in config.items() if v is not None}
    if meta.get("tokenizer.chat_template"):
        config["chat_template"] = meta["tokenizer.chat_template"]
    return tokenizer, config


def _converted(meta: dict[str, Any], arch: str) -> Any:
    """transformers' conversion of the vocabulary (its backend ``tokenizers.Tokenizer``)."""
    import logging

    logging.getLogger("transformers").setLevel(logging.ERROR)  # "PyTorch was not found": not needed here
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer
    except ImportError:  # transformers 4.x kept it in integrations/ggml.py, with the same signature
        from transformers.integrations.ggml import convert_gguf_tokenizer

    tokenizer_dict = {name: meta[f"tokenizer.ggml.{key}"] for key, name in _CONVERTER_KEYS.items()
                      if meta.get(f"tokenizer.ggml.{key}") is not None}
    try:
        tokenizer, _ = convert_gguf_tokenizer(arch, tokenizer_dict)
    except Exception as e:  # noqa: BLE001 - the converter's own refusal or a malformed vocabulary
        raise TokenizerProblem(Phrase("gguf.tokenizer_failed", error=f"{type(e).__name__}: {e}")) from None
    return tokenizer


def _check_merges(merges: list[str], tokens: list[str]) -> None:
    # The tokenizers library panics (a pyo3 error) on a merge whose parts are not in the
    # vocabulary: check first and say what is wrong.
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    spelling = bytes_to_unicode()
    alphabet = set(spelling.values())
    known = {t if set(t) <= alphabet else "".join(spelling[b] for b in t.encode("utf-8")) for t in tokens}
    for merge in merges:
        parts = merge.split(" ")
        if len(parts) != 2:
            raise TokenizerProblem(Phrase("gguf.bad_merge", merge=merge))
        a, b = parts
        if a not in known or b not in known or a + b not in known:
            raise TokenizerProblem(Phrase("gguf.merge_unknown", a=a, b=b))


def _llama_cpp_pre_tokenizer(tokenizer: Any, pre: str, prefix: bool) -> None:
    """Where llama.cpp splits text differently from the converter's default, do as llama.cpp does."""
    import json

    from tokenizers import Tokenizer, pre_tokenizers

    if pre in _DIGIT_PRE:
        # llama.cpp splits every digit off first for these vocabularies (SmolLM's own
        # tokenizer.json does the same with a Digits pre-tokenizer); then GPT-2's regex.
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=True),
        ])
    if pre in _LLAMA3_PRE:  # Llama 3's tokenizer.json has ignore_merges (llama.cpp does the same)
        data = json.loads(tokenizer.to_str())
        data["model"]["ignore_merges"] = True
        rebuilt = Tokenizer.from_str(json.dumps(data))
        tokenizer.model = rebuilt.model


def _post_processor(tokenizer: Any, model: str, bos: str | None, eos: str | None,
                    add_bos: bool, add_eos: bool) -> Any:
    """A template that adds bos and/or eos around each sequence, or none when neither is added."""
    from tokenizers import processors

    if not (add_bos or add_eos):
        if model == "gpt2":
            return processors.ByteLevel(trim_offsets=False)
        return processors.TemplateProcessing(single="$A:0", pair="$A:0 $B:1")  # none of the converter's BOS
    single = ([f"{bos}:0"] if add_bos else []) + ["$A:0"] + ([f"{eos}:0"] if add_eos else [])
    pair = single + ([f"{bos}:1"] if add_bos else []) + ["$B:1"] + ([f"{eos}:1"] if add_eos else [])
    ids = {t: tokenizer.token_to_id(t) for t in (bos if add_bos else None, eos if add_eos else None) if t}
    return processors.TemplateProcessing(single=single, pair=pair, special_tokens=list(ids.items()))


def _token(tokens: list[str], meta_id: Any) -> str | None:
    if meta_id is None or not 0 <= int(meta_id) < len(tokens):
        return None
    return tokens[int(meta_id)]
