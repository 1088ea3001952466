"""Token statistics and the example preview (lorastudio.core.data.stats), checked against mlx-lm itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lorastudio.core.data import preview as data_preview
from lorastudio.core.data.stats import (
    DatasetStats,
    Preview,
    TokenPiece,
    dataset_stats,
    format_stats,
    loss_positions,
    preview,
)
from lorastudio.core.data.datasets import DatasetError, check_dataset, to_mlx_dataset
from lorastudio.core.data.keys import DataKeys


def chat(*turns: str, system: str | None = None) -> dict:
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": ("user", "assistant")[i % 2], "content": t} for i, t in enumerate(turns)]
    return {"messages": messages}


CHATS = [
    chat("What is the capital of France?", "The capital of France is Paris."),
    chat("Hi", "Hello! How can I help you today?", "Count to five.", "One, two, three, four, five."),
    chat("Quick fox?", "The quick brown fox jumps over the lazy dog.", system="Answer briefly."),
    chat("é 😀 ü", "Yes, no, maybe. " * 6),
    chat("Who?", "Me."),
    chat("Why " * 30, "Because."),
]
COMPLETIONS = [{"prompt": "What is the capital of France?", "completion": "Paris."},
               {"prompt": "One, two", "completion": "three, four, five, six, seven."},
               {"prompt": "x" * 70, "completion": "tiny"}]
TEXTS = [{"text": "The quick brown fox jumps over the lazy dog."}, {"text": "Training lowers the loss."},
         {"text": "A tiny model learns tiny things. " * 5}]
CASES = [("chat", CHATS, False), ("chat", CHATS, True), ("completions", COMPLETIONS, False),
         ("completions", COMPLETIONS, True), ("text", TEXTS, False)]


@pytest.fixture(scope="module")
def tok(tiny_model):
    from mlx_lm.utils import load_tokenizer

    return load_tokenizer(tiny_model)


def tokenizer_with_template(tiny_model: Path, folder: Path, template: str | None):
    """A copy of the tiny tokenizer with another chat template (None: no template at all)."""
    from mlx_lm.utils import load_tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_bytes((tiny_model / "tokenizer.json").read_bytes())
    config = json.loads((tiny_model / "tokenizer_config.json").read_text())
    if template is None:
        config.pop("chat_template")
    else:
        config["chat_template"] = template
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return load_tokenizer(folder)


def mlx_processed(records, tok, mask_prompt, keys=DataKeys()):
    from mlx_lm.tuner.datasets import CacheDataset

    cache = CacheDataset(to_mlx_dataset(records, tok, keys, mask_prompt))
    return [cache[i] for i in range(len(cache))]


def mlx_loss_counts(records, tok, mask_prompt, max_seq_length, batch_size):
    """(loss targets, real tokens among them) as mlx-lm's own iterate_batches + default_loss count them.

    The stand-in model gives every position logits (0, -100, -100, ...): the
    cross entropy is ~0 where the target is token 0 (the padding) and 100
    anywhere else, so loss * ntoks / 100 counts the real targets.
    """
    import mlx.core as mx
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import default_loss, iterate_batches

    vocab = len(tok._tokenizer)

    def model(inputs):
        logits = mx.full((*inputs.shape, vocab), -100.0)
        logits[..., 0] = 0.0
        return logits

    cache = CacheDataset(to_mlx_dataset(records, tok, DataKeys(), mask_prompt))
    targets = real = 0
    for batch, lengths in iterate_batches(cache, batch_size, max_seq_length):
        loss, ntoks = default_loss(model, batch, lengths)
        targets += ntoks.item()
        if ntoks.item():  # a batch without targets gives a NaN loss in mlx-lm
            real += round(loss.item() * ntoks.item() / 100.0)
    return targets, real


# --- statistics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, records, mask", CASES)
def test_token_counts_equal_mlx_lm(tok, fmt, records, mask):
    processed = mlx_processed(records, tok, mask)
    stats = dataset_stats({"train": records}, tok, mask_prompt=mask, max_seq_length=2048)
    s = stats.splits["train"]
    assert stats.problems == () and stats.ok
    assert list(s.lengths) == [len(tokens) for tokens, _ in processed]
    assert s.total_tokens == sum(len(t) for t, _ in processed)
    assert s.examples == len(records)
    assert (s.min_tokens, s.max_tokens) == (min(s.lengths), max(s.lengths))
    if fmt == "text":
        assert all(tokens[-1] == tok.eos_token_id for tokens, _ in processed)


@pytest.mark.parametrize("fmt, records, mask", CASES)
@pytest.mark.parametrize("max_seq_length", [2048, 40])
def test_trained_tokens_equal_mlx_lm_loss(tok, fmt, records, mask, max_seq_length):
    records = list(records) * 2  # an even count: iterate_batches drops an incomplete batch
    stats = dataset_stats({"train": records}, tok, mask_prompt=mask, max_seq_length=max_seq_length)
    s = stats.splits["train"]
    for batch_size in (1, 2):
        targets, real = mlx_loss_counts(records, tok, mask, max_seq_length, batch_size)
        assert s.loss_targets == targets
        assert s.trained_tokens == real


def test_truncation_counts(tok):
    stats = dataset_stats({"train": CHATS}, tok, mask_prompt=True, max_seq_length=50)
    s = stats.splits["train"]
    lengths = [len(t) for t, _ in mlx_processed(CHATS, tok, False)]
    assert s.truncated == sum(n > 50 for n in lengths)
    assert s.truncated_tokens == sum(n - 50 for n in lengths if n > 50)
    assert s.truncated >= 1
    # a prompt longer than max_seq_length leaves nothing to learn
    offsets = [o for _, o in mlx_processed(CHATS, tok, True)]
    assert s.untrained == sum(o >= 50 for o in offsets) >= 1


def test_distribution(tok):
    import numpy as np

    s = dataset_stats({"train": CHATS + COMPLETIONS}, tok, bins=4).splits["train"]
    arr = np.array(s.lengths)
    assert s.mean_tokens == pytest.approx(arr.mean())
    assert s.median_tokens == pytest.approx(np.median(arr))
    assert s.p90_tokens == pytest.approx(np.percentile(arr, 90))
    assert sum(s.histogram_counts) == s.examples
    assert len(s.histogram_edges) == len(s.histogram_counts) + 1 == 5
    assert s.histogram_edges[0] == s.min_tokens and s.histogram_edges[-1] == s.max_tokens


def test_stats_of_a_report_per_split(tmp_path, tok):
    path = tmp_path / "all.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in CHATS * 3))
    report = check_dataset(path, valid_fraction=0.2, test_fraction=0.1)
    stats = dataset_stats(report, tok)
    assert list(stats.splits) == ["train", "valid", "test"]
    assert {n: s.examples for n, s in stats.splits.items()} == {n: len(r) for n, r in report.splits.items()}
    empty = dataset_stats({"train": CHATS[:2], "valid": []}, tok).splits["valid"]
    assert empty.examples == 0 and empty.histogram_counts == () and empty.total_tokens == 0


def test_record_the_template_rejects_names_its_line(tmp_path, tok):
    # the tiny ChatML template concatenates message["content"]: a tool call without content fails
    tool_call = {"messages": [{"role": "user", "content": "Weather?"},
                              {"role": "assistant", "tool_calls": [{"function": {"name": "w", "arguments": "{}"}}]}],
                 "tools": [{"type": "function", "function": {"name": "w"}}]}
    root = tmp_path / "d"
    root.mkdir()
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [CHATS[0], tool_call, CHATS[1]]))
    report = check_dataset(root)
    assert report.errors == []  # valid data for mlx-lm; only this model's template refuses it
    stats = dataset_stats(report, tok)
    assert not stats.ok
    [problem] = stats.problems
    assert (problem.file, problem.line) == ("train.jsonl", 2)
    assert "UndefinedError" in problem.message
    assert stats.splits["train"].examples == 2 and stats.splits["train"].failed == 1
    with pytest.raises(DatasetError, match="UndefinedError"):
        preview(tool_call, tok)


def test_bad_record_in_plain_splits(tok):
    bad = {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "x"}]}
    stats = dataset_stats({"train": [CHATS[0], bad], "valid": [CHATS[1]]}, tok)
    [problem] = stats.problems
    assert str(problem).startswith("train:2: the chat template or tokenizer rejects this example: TypeError")
    assert stats.splits["train"].examples == 1 and stats.splits["valid"].examples == 1


@pytest.mark.parametrize("template, expected", [
    ("{% for m in messages %}{{ m['content'] }", "TemplateSyntaxError"),
    (None, "chat_template is not set"),
])
def test_broken_or_missing_template_is_one_problem(tmp_path, tiny_model, template, expected):
    broken = tokenizer_with_template(tiny_model, tmp_path / "tok", template)
    stats = dataset_stats({"train": CHATS, "valid": COMPLETIONS, "test": TEXTS}, broken)
    # one problem per chat split, not one per example; text data needs no template
    assert [(p.file, p.line) for p in stats.problems] == [("train", None), ("valid", None)]
    assert all(expected in p.message for p in stats.problems)
    assert stats.splits["train"].failed == len(CHATS) and stats.splits["test"].examples == len(TEXTS)
    with pytest.raises(DatasetError):
        preview(CHATS[0], broken)


def test_template_that_raises_on_some_records(tmp_path, tiny_model):
    template = ("{% for m in messages %}{% if m['content'] == 'boom' %}{{ raise_exception('no boom') }}"
                "{% endif %}{{ m['role'] + ': ' + m['content'] + '\n' }}{% endfor %}")
    picky = tokenizer_with_template(tiny_model, tmp_path / "tok", template)
    stats = dataset_stats({"train": [CHATS[0], chat("boom", "x"), CHATS[1]]}, picky)
    [problem] = stats.problems
    assert problem.line == 2 and "no boom" in problem.message
    assert stats.splits["train"].examples == 2


def test_text_with_mask_prompt_is_a_problem(tok):
    stats = dataset_stats({"train": TEXTS}, tok, mask_prompt=True)
    [problem] = stats.problems
    assert problem.line is None and "not supported" in problem.message


def test_format_stats(tok):
    stats = dataset_stats({"train": CHATS, "valid": COMPLETIONS[:1]}, tok, max_seq_length=50)
    text = format_stats(stats)
    lines = text.splitlines()
    assert lines[0].split() == ["split", "examples", "tokens", "trained", "min", "mean", "median", "p90", "max", ">50"]
    train = stats.splits["train"]
    assert lines[1].split()[:3] == ["train", str(len(CHATS)), f"{train.total_tokens:,}"]
    assert lines[1].split()[-1] == str(train.truncated)
    assert lines[2].split()[0] == "valid"
    assert isinstance(stats, DatasetStats)


@pytest.mark.parametrize("length, offset, msl, expected", [
    (10, 0, 100, (1, 10, 10)),  # token 0 never trains; one pad target after the end
    (10, 4, 100, (4, 10, 7)),
    (10, 4, 10, (4, 10, 6)),  # a row as long as max_seq_length has no pad column
    (30, 4, 10, (4, 10, 6)),
    (30, 12, 10, (12, 10, 0)),
    (10, 10, 100, (10, 10, 1)),  # only the pad target is left
    (5, 0, None, (1, 5, 5)),
])
def test_loss_positions(length, offset, msl, expected):
    assert loss_positions(length, offset, msl) == expected


# --- preview ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, records, mask", CASES)
def test_preview_matches_mlx_lm(tok, fmt, records, mask):
    for record, (tokens, offset) in zip(records, mlx_processed(records, tok, mask)):
        p = preview(record, tok, mask_prompt=mask)
        assert isinstance(p, Preview) and p.format == fmt
        assert [piece.token_id for piece in p.pieces] == tokens
        assert "".join(piece.text for piece in p.pieces) == p.text
        assert p.offset == offset and (offset > 0) == mask
        trains = [piece.trains for piece in p.pieces]
        # mlx-lm's loss covers tokens offset.. (token 0 is never a target)
        assert trains == [j >= max(offset, 1) for j in range(len(tokens))]
        assert p.trained_tokens == sum(trains) and p.truncated_at is None
        assert p.loss_targets == p.trained_tokens + 1  # plus mlx-lm's padding target
        if fmt == "text":
            assert p.text == record["text"] + "<|im_end|>"
        else:
            messages = record.get("messages") or [{"role": "user", "content": record["prompt"]},
                                                  {"role": "assistant", "content": record["completion"]}]
            assert p.text == tok.apply_chat_template(messages, tokenize=False)


def test_preview_masks_exactly_the_prompt(tok):
    record = CHATS[1]
    p = preview(record, tok, mask_prompt=True)
    prompt = tok.apply_chat_template(record["messages"][:-1], add_generation_prompt=True, tokenize=False)
    masked = "".join(piece.text for piece in p.pieces if not piece.trains)
    trained = "".join(piece.text for piece in p.pieces if piece.trains)
    assert masked == prompt
    assert trained == "One, two, three, four, five.<|im_end|>\n"
    assert all(isinstance(piece, TokenPiece) for piece in p.pieces)
    text, token_id, trains = p.pieces[0]
    assert (text, trains) == ("<|im_start|>", False)


def test_preview_truncation(tok):
    p = preview(CHATS[1], tok, max_seq_length=20)
    assert p.truncated_at == 20 and p.num_tokens > 20
    assert [piece.trains for piece in p.pieces] == [0 < j < 20 for j in range(p.num_tokens)]
    assert p.loss_targets == p.trained_tokens == 19


def test_preview_key_overrides(tok):
    keys = DataKeys(prompt="input", completion="output")
    p = preview({"input": "Q?", "output": "A."}, tok, keys=keys, mask_prompt=True)
    assert p.format == "completions" and "".join(x.text for x in p.pieces if x.trains) == "A.<|im_end|>\n"
    with pytest.raises(DatasetError, match="no known format"):
        preview({"input": "Q?", "output": "A."}, tok)


def test_preview_without_offsets_decodes(tok, monkeypatch):
    monkeypatch.setattr(data_preview, "_pieces_from_offsets", lambda *a: None)
    for record in (CHATS[3], TEXTS[0]):
        p = preview(record, tok)
        assert "".join(x.text for x in p.pieces) == p.text
        assert p.text == tok._tokenizer.decode([x.token_id for x in p.pieces], skip_special_tokens=False)
    # a character split over byte tokens: the last one carries it
    assert "😀" in [x.text for x in preview(CHATS[3], tok).pieces]


_content = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30)


@settings(max_examples=40, deadline=None)
@given(user=_content, answer=_content, system=st.none() | _content, mask=st.booleans())
def test_preview_pieces_always_join(tok, user, answer, system, mask):
    record = chat(user, answer, system=system)
    p = preview(record, tok, mask_prompt=mask)
    tokens, offset = mlx_processed([record], tok, mask)[0]
    assert [x.token_id for x in p.pieces] == tokens
    assert "".join(x.text for x in p.pieces) == p.text == tok.apply_chat_template(record["messages"], tokenize=False)
    assert sum(x.trains for x in p.pieces) == len(tokens) - max(offset, 1)


@settings(max_examples=25, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_text_preview_pieces_always_join(tok, text):
    p = preview({"text": text}, tok)
    assert [x.token_id for x in p.pieces] == mlx_processed([{"text": text}], tok, False)[0][0]
    assert "".join(x.text for x in p.pieces) == p.text
    assert p.text.startswith(text)


def test_importing_stays_cheap():
    code = ("import sys, lorastudio.core.data.datasets, lorastudio.core.data.stats; "
            "print(sorted(m for m in ('mlx_lm', 'transformers', 'numpy', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
