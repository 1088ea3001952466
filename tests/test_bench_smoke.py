"""The benchmark harness's pieces work on the tiny model (bench/; no time or ratio is asserted).

mlx-lm's own training entry and our training child train the same config in
fresh processes; both sides' batch observers (a NumPy proxy in mlx-lm's
trainer, a wrapped ``BatchStream.next`` in our worker) must see the same
batches, the losses must be equal, and the summaries must hold numbers.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def work(tmp_path):
    return tmp_path / "bench"


def test_both_tools_train_the_same_batches_to_the_same_losses(tiny_model, work):
    from bench import train_cases
    from bench.common import max_loss_diff, summarize

    work.mkdir()
    config = train_cases.case_config(str(tiny_model), "tiny", iters=4, report_every=2, sparse_loss=False)
    theirs = train_cases.run_mlx_lm(config, work)
    ours = train_cases.run_ours(config, work, observe=True)

    assert [r["iteration"] for r in ours["reports"]] == [r["iteration"] for r in theirs["reports"]] == [2, 4]
    assert [v[0] for v in ours["val"]] == [v[0] for v in theirs["val"]] == [0, 1, 3]  # mlx-lm: after step it-1
    assert max_loss_diff(ours, theirs) < 1e-6
    # The two observers saw the same four batches, shape for shape and token for token.
    assert [r["shapes"] for r in ours["reports"]] == [r["shapes"] for r in theirs["reports"]]
    assert [r["real"] for r in ours["reports"]] == [r["real"] for r in theirs["reports"]]
    assert all(len(r["shapes"]) == 2 for r in ours["reports"])
    for record in (ours, theirs):
        summary = summarize(record)
        assert summary["steps"] == 2  # the first report (compilation) is left out
        for key in ("tokens_per_s", "real_tokens_per_s", "computed_tokens_per_s", "peak_memory_gb"):
            assert summary[key] > 0, (record["tool"], key)
        # Loss tokens never exceed the real tokens, and padding only adds.
        assert all(r["tokens"] <= r["real"] <= r["computed"] for r in record["reports"])
    assert "blas" in theirs and "blas" in ours


def test_compare_names_each_ratio_and_a_loss_mismatch():
    from bench.train_cases import compare

    def record(loss, seconds, peak):
        reports = [
            {"iteration": i, "steps": 1, "loss": loss, "seconds": seconds, "tokens": 100, "computed": 160, "real": 120, "shapes": [[4, 40]]}
            for i in (1, 2, 3)
        ]
        return {"reports": reports, "val": [[0, 2.0]], "peak_memory_gb": peak}

    result = compare({"mlx_lm": [record(1.0, 2.0, 1.0)], "ours": [record(1.5, 1.0, 0.5)]})
    ours = result["ours"]
    assert ours["tokens_per_s_ratio"] == pytest.approx(2.0)
    assert ours["peak_memory_ratio"] == pytest.approx(0.5)
    assert ours["max_loss_diff"] == pytest.approx(0.5)
    assert result["medians"]["mlx_lm"]["tokens_per_s"] == pytest.approx(50.0)


def test_memory_section_trains_full_rows_on_both_sides(tiny_model, work):
    """bench.memory_cases: full-width batches (every row max_seq_length tokens), no prompt mask, equal losses."""
    from bench import memory_cases

    work.mkdir()
    result = memory_cases.run_memory_case("tiny", str(tiny_model), "tiny", work, iters=2, seq_len=128, log=lambda _: None)
    assert result["batch_widths"] == [128]
    assert all(r["real"] == r["computed"] for r in result["records"]["ours"][0]["reports"])  # no padding
    figures = memory_cases.summary_figures(result)
    assert figures["memory_full_batches_tiny"] is True
    assert figures["memory_max_loss_diff_tiny"] < 1e-5
    for key in ("memory_peak_gb_mlx_lm_tiny", "memory_peak_gb_ours_tiny", "memory_peak_ratio_tiny", "memory_tokens_per_s_ratio_tiny"):
        assert figures[key] > 0, key
    config = json.loads(memory_cases.QWEN_CONFIG.read_text())
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"], config["model_type"]) == (151936, 896, 24, "qwen2")


def test_distributed_section_compares_two_ranks_with_one_process(tiny_model, work):
    """bench.distributed_cases: the same losses on 2 ranks, the step times and the all-reduce's share."""
    from bench import distributed_cases

    work.mkdir()
    result = distributed_cases.run(str(tiny_model), "tiny", 2, work, log=lambda _: None)
    assert result["max_loss_diff"] < 1e-5
    assert result["gradient_numbers"] > 0 and result["all_reduce"]["numbers"] == result["gradient_numbers"]
    for key in ("step_ms_one_process", "step_ms_two_ranks", "step_time_ratio", "all_reduce_share_of_step"):
        assert result[key] > 0, key
    assert result["all_reduce"]["all_reduce_ms"] > 0 and result["all_reduce"]["bandwidth_gb_s"] > 0
