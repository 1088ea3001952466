"""Show one example exactly as the model sees it during training.

The example goes through mlx-lm's own dataset ``process()`` (chat template
applied; for text, EOS appended). The text is cut into one piece per token,
and each piece says whether that token carries loss, following mlx-lm's
``default_loss`` (see ``data_stats.py`` for the rule). The pieces always join
to ``Preview.text``. Re-exported by ``data_stats``. Plain functions, any
thread; tokenizer calls only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

from .checks import record_format
from .keys import DataKeys
from .datasets import DatasetError, to_mlx_dataset


class TokenPiece(NamedTuple):
    text: str  # the text this token stands for ("" for a part of a character another piece completes)
    token_id: int
    trains: bool  # True when the loss is computed on predicting this token


@dataclass(frozen=True)
class Preview:
    format: str  # "chat" | "tools" | "completions" | "text"
    text: str  # the full text the model sees: chat template applied, special tokens included
    pieces: tuple[TokenPiece, ...]
    offset: int  # mlx-lm's offset: tokens before it are the masked prompt (0 without mask_prompt)
    num_tokens: int
    trained_tokens: int  # pieces with trains=True
    loss_targets: int  # what mlx-lm's default_loss counts (one pad target more for a short row)
    truncated_at: int | None  # index of the first token max_seq_length cuts off, if any


def loss_positions(length: int, offset: int, max_seq_length: int | None) -> tuple[int, int, int]:
    """(first, end, loss_targets) for one example: real tokens ``first <= j < end`` carry loss.

    ``loss_targets`` is what mlx-lm's ``default_loss`` counts for the row,
    which includes one padding target when the row is shorter than ``max_seq_length``.
    """
    kept = length if max_seq_length is None else min(length, max_seq_length)
    first = max(offset, 1)  # token 0 is never a target
    trained = max(0, kept - first)
    padded = max_seq_length is None or kept < max_seq_length
    return first, kept, (max(0, kept - first + 1) if padded else trained)


def preview(record: dict, tokenizer: Any, keys: DataKeys = DataKeys(), mask_prompt: bool = False,
            max_seq_length: int | None = None) -> Preview:
    """Render one record as training sees it. Raises DatasetError when the record
    has no known format or the chat template rejects it."""
    fmt = record_format(record, keys) if isinstance(record, dict) else None
    if fmt is None:
        raise DatasetError("the example has no known format (chat, completions or text)")
    try:
        dataset = to_mlx_dataset([record], tokenizer, keys, mask_prompt)
        tokens, offset = dataset.process(record)
        tokens = [int(t) for t in tokens]
        if fmt == "text":
            text, specials = record[keys.text], True
        else:
            if fmt == "completions":
                messages = [{"role": "user", "content": record[keys.prompt]},
                            {"role": "assistant", "content": record[keys.completion]}]
            else:
                messages = record[keys.chat]
            # The same call mlx-lm makes, untokenized: the wrapper adds the same
            # template options (thinking flags, custom renderer) either way.
            text = tokenizer.apply_chat_template(messages, tools=record.get("tools"), tokenize=False)
            specials = False
    except DatasetError:
        raise
    except Exception as e:  # jinja errors, TypeError from the template, tokenizer errors
        raise DatasetError(f"the chat template or tokenizer rejects this example: "
                           f"{type(e).__name__}: {str(e).strip()[:300]}") from e
    texts = _pieces_from_offsets(tokenizer, text, tokens, specials)
    if texts is None:
        texts = _pieces_from_decoding(tokenizer, tokens)
    first, end, targets = loss_positions(len(tokens), offset, max_seq_length)
    pieces = tuple(TokenPiece(t, tok, first <= j < end) for j, (t, tok) in enumerate(zip(texts, tokens)))
    return Preview(fmt, "".join(texts), pieces, int(offset), len(tokens), max(0, end - first), targets,
                   end if end < len(tokens) else None)


def _hf(tokenizer: Any) -> Any:
    """The Hugging Face tokenizer inside mlx-lm's TokenizerWrapper (or the tokenizer itself)."""
    return getattr(tokenizer, "_tokenizer", tokenizer)


def _pieces_from_offsets(tokenizer: Any, text: str, tokens: Sequence[int], specials: bool) -> list[str] | None:
    """Cut ``text`` at the token offsets of a fast tokenizer; None when they do not fit ``tokens``.

    Tokens that cover no text (a BOS the tokenizer adds, the EOS mlx-lm
    appends to text data) get their own token string, so the pieces join to
    the text the model sees.
    """
    hf = _hf(tokenizer)
    try:
        encoded = hf(text, add_special_tokens=specials, return_offsets_mapping=True)
        ids, offsets = list(encoded["input_ids"]), [tuple(o) for o in encoded["offset_mapping"]]
    except Exception:  # slow tokenizers have no offsets
        return None
    if list(tokens[:len(ids)]) != ids or len(tokens) - len(ids) > 1:
        return None
    covering = [i for i, (s, e) in enumerate(offsets) if e > s]
    if text and not covering:
        return None
    special_ids = set(getattr(hf, "all_special_ids", []) or [])
    pieces = []
    for i, token in enumerate(tokens):
        zero_width = i >= len(ids) or offsets[i][1] <= offsets[i][0]
        inserted = zero_width and (i >= len(ids) or token in special_ids)
        pieces.append(hf.decode([token], skip_special_tokens=False) if inserted else "")
    # Covering tokens tile the text: each runs from its start to the next one's.
    # Starts are forced monotonic (a character split over two byte tokens gives
    # both the same span: the first gets "", the second the character).
    starts, previous = [], 0
    for k, i in enumerate(covering):
        previous = 0 if k == 0 else max(offsets[i][0], previous)
        starts.append(previous)
    for k, i in enumerate(covering):
        pieces[i] = text[starts[k]:starts[k + 1] if k + 1 < len(covering) else len(text)]
    return pieces


def _pieces_from_decoding(tokenizer: Any, tokens: Sequence[int]) -> list[str]:
    """Fallback: decode growing prefixes and keep what each token adds.

    A token that ends inside a character (the prefix decodes to U+FFFD) adds
    nothing; the token that completes it carries the character. Quadratic in
    length, used only for tokenizers without offsets.
    """
    hf = _hf(tokenizer)
    pieces, emitted = [], ""
    for i in range(len(tokens)):
        current = hf.decode(list(tokens[:i + 1]), skip_special_tokens=False, clean_up_tokenization_spaces=False)
        if current.startswith(emitted) and not current.endswith("\ufffd"):
            pieces.append(current[len(emitted):])
            emitted = current
        else:
            pieces.append("")
    if pieces:
        final = hf.decode(list(tokens), skip_special_tokens=False, clean_up_tokenization_spaces=False)
        if final.startswith(emitted):
            pieces[-1] += final[len(emitted):]
    return pieces
