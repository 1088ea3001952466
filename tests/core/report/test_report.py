"""The training report: every number against metrics.jsonl, the advice rules, both languages, HTML, states, CLI."""

import html.parser
import json
import math
import os
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import make_tiny_config

from lorastudio.cli.main import main
from lorastudio.core.base import atomic
from lorastudio.core.report import advice as report_advice
from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Failed, Finished, Started, Stopped, TestReport, TrainReport, ValReport
from lorastudio.core.report.writer import render_html, render_markdown, render_plots, write_report
from lorastudio.core.report.advice import derive_advice, memory_headroom
from lorastudio.core.report.facts import collect
from lorastudio.core.report.i18n import STRINGS
from lorastudio.core.report.svg_plot import Series, line_chart, nice_ticks

GB = 1e9


# ----------------------------------------------------------------------------
# helpers


def table_rows(markdown: str) -> dict[int, list[str]]:
    """The report's loss table parsed back: {iteration: [train, val, it/s, tokens/s, trained tokens]}."""
    rows = {}
    for line in markdown.splitlines():
        match = re.match(r"^\| Iter (\d+) \| (.*) \|$", line)
        if match:
            rows[int(match.group(1))] = [cell.strip() for cell in match.group(2).split(" | ")]
    return rows


def raw_events(run_dir):
    """metrics.jsonl read independently of the report code."""
    out = []
    for line in (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def environment(memory_gb=48.0, device="gpu"):
    return {
        "machine": "arm64", "chip": "Apple M4", "cpu_count": 10, "memory_bytes": int(memory_gb * GB),
        "os": "macOS 15.1", "python": "3.12.7", "mlx": "0.32.4", "mlx_lm": "0.32.2", "lorastudio": "0.1.0",
        "device": device, "device_name": "Apple M4", "blas": "",
    }


def synthetic_run(tmp_path, train=(), val=(), end="finished", env=True, config=None, name="synthetic", test=None,
                  peak=10.0, total=None, status=None):
    """A run folder with metrics made from (iteration, loss) lists: train reports at their
    iterations, validations given as (mlx-lm's callback iteration, loss)."""
    config = config or TrainConfig(model="/models/some-model", data="/data/set", iters=total or 100, batch_size=4)
    run_dir = runs.create_run(config, tmp_path / "runs", name=name)
    writer = runs.MetricsWriter(run_dir)
    total = total or config.iters
    writer.write(Started(run_dir=str(run_dir), total_iters=total, start_iteration=0, trainable_parameters=2_097_152,
                         total_parameters=14_770_033_664, train_examples=40, valid_examples=8 if val else 0,
                         test_examples=4 if test else 0, device="GPU (Apple M4)"))
    events = [(it, "v", loss) for it, loss in val] + [(it, "t", loss) for it, loss in train]
    tokens = 0
    for it, kind, loss in sorted(events, key=lambda e: (e[0] + (1 if e[1] == "v" else 0), e[1] == "t")):
        if kind == "v":
            writer.write(ValReport(iteration=it, val_loss=loss, val_time=1.0))
        else:
            tokens += 1000 + it
            writer.write(TrainReport(iteration=it, train_loss=loss, learning_rate=1e-5, iterations_per_second=0.5 + it / 1000,
                                     tokens_per_second=100.0 + it, trained_tokens=tokens, peak_memory_gb=peak))
    last = max([it for it, _ in train] + [0])
    if test is not None:
        writer.write(TestReport(test_loss=test, test_ppl=math.exp(test), test_time=1.0))
    if end == "finished":
        writer.write(Finished(iteration=last, adapter_path=str(run_dir), elapsed_s=10.0))
    elif end == "stopped":
        writer.write(Stopped(iteration=last, reason="stopped by the user", adapter_path=str(run_dir)))
    elif end == "failed":
        writer.write(Failed(error="out of memory: lower batch_size", details="Traceback (most recent call last):\n  boom\nMemoryError", iteration=last))
    writer.close()
    if env:
        atomic.write_json(run_dir / "environment.json", environment() if env is True else env)
    if status:
        runs.write_status(run_dir, **status)
    return run_dir


class HTMLChecker(html.parser.HTMLParser):
    """Checks that every non-void element is closed in order."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "circle", "line", "rect", "polyline", "path"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.seen = [], [], []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.seen.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def check_html(text: str) -> HTMLChecker:
    checker = HTMLChecker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    for svg in re.findall(r"<svg.*?</svg>", text, flags=re.S):
        ET.fromstring(svg)  # each inline chart is well-formed XML
    return checker


# ----------------------------------------------------------------------------
# a real run: trained, stopped, resumed, tested


@pytest.fixture(scope="module")
def real_run(tiny_model, tiny_data, tmp_path_factory):
    from lorastudio.core.tuner.loop import Control, train_run
    from lorastudio.core.base.environment import describe_machine

    config = make_tiny_config(tiny_model, tiny_data, iters=10, steps_per_report=3, steps_per_eval=4, save_every=5,
                              test=True, test_batches=2, lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0,
                                                                          "keys": ["self_attn.q_proj", "self_attn.v_proj"]})
    run_dir = runs.create_run(config, tmp_path_factory.mktemp("report") / "runs")
    atomic.write_json(run_dir / "environment.json", describe_machine())
    writer = runs.MetricsWriter(run_dir)
    control = Control()

    def emit(event):
        writer.write(event)
        # Validation 3 is measured before step 4: stopping here leaves a one-step train report at 4.
        if isinstance(event, ValReport) and event.iteration == 3:
            control.stop()

    assert isinstance(train_run(run_dir, emit, control), Stopped)
    assert isinstance(train_run(run_dir, writer.write, resume=True), Finished)
    writer.close()
    return run_dir


def test_every_table_number_matches_metrics(real_run):
    markdown = render_markdown(real_run)
    rows = table_rows(markdown)
    events = raw_events(real_run)
    train = {e["iteration"]: e for e in events if e["event"] == "train_report"}
    val = {e["iteration"] + 1: e for e in events if e["event"] == "val_report"}
    assert sorted(train) == [3, 4, 6, 9, 10]  # 4 is the stop's partial report
    assert sorted(val) == [1, 4, 8, 10]
    assert sorted(rows) == sorted(set(train) | set(val))
    for it, (t_loss, v_loss, its, tps, tokens) in rows.items():
        if it in train:
            e = train[it]
            assert t_loss == f"{e['train_loss']:.3f}"
            assert its == f"{e['iterations_per_second']:.3f}"
            assert tps == f"{e['tokens_per_second']:.3f}"
            assert tokens == f"{e['trained_tokens']:,}"
        else:
            assert (t_loss, its, tps, tokens) == ("-", "-", "-", "-")
        assert v_loss == (f"{val[it]['val_loss']:.3f}" if it in val else "-")
    # Trained tokens accumulate across the stop and the resume.
    assert [train[i]["trained_tokens"] for i in sorted(train)] == sorted(train[i]["trained_tokens"] for i in train)


def test_summary_numbers_match_metrics(real_run):
    markdown = render_markdown(real_run)
    events = raw_events(real_run)
    train = [e for e in events if e["event"] == "train_report"]
    val = [e for e in events if e["event"] == "val_report"]
    started = [e for e in events if e["event"] == "started"]
    test = [e for e in events if e["event"] == "test_report"][-1]
    assert [s["start_iteration"] for s in started] == [0, 4]
    share = 100 * started[-1]["trainable_parameters"] / started[-1]["total_parameters"]
    assert (f"**{share:.3f}%** ({started[-1]['trainable_parameters'] / 1e6:.3f}M / "
            f"{started[-1]['total_parameters'] / 1e6:.3f}M)") in markdown
    peak = max(e["peak_memory_gb"] for e in train)
    assert f"**{peak:.3f} GB**" in markdown
    its = [e["iterations_per_second"] for e in train]
    tps = [e["tokens_per_second"] for e in train]
    assert f"**{min(its):.3f} ~ {max(its):.3f}**" in markdown
    assert f"**{min(tps):.3f} ~ {max(tps):.3f}**" in markdown
    assert f"**{train[-1]['trained_tokens']:,}**" in markdown
    first, last = train[0]["train_loss"], train[-1]["train_loss"]
    direction = "down" if last <= first else "up"
    assert f"from **{first:.3f}** (Iter 3) {direction} to **{last:.3f}** (Iter 10): {last - first:+.3f}" in markdown
    vdirection = "down" if val[-1]["val_loss"] <= val[0]["val_loss"] else "up"
    assert f"from **{val[0]['val_loss']:.3f}** (Iter 1) {vdirection} to **{val[-1]['val_loss']:.3f}** (Iter 10)" in markdown
    assert f"test loss **{test['test_loss']:.3f}**, perplexity **{test['test_ppl']:.3f}**" in markdown
    assert "Resumed (exactly) after iteration 4." in markdown
    assert "Training finished: 10 of 10 iterations." in markdown
    # the parameters, LoRA keys and the scale/alpha naming
    assert "**Rank**: 4" in markdown and "**Scale**: 10.0" in markdown and "= scale × rank): 40.0" in markdown
    assert "`self_attn.q_proj`, `self_attn.v_proj`" in markdown and "**Learning rate**: 0.001" in markdown
    # the adapter files that exist, with their sizes
    for name in ("adapters.safetensors", "0000005_adapters.safetensors", "0000010_adapters.safetensors", "best/adapters.safetensors"):
        size = (real_run / name).stat().st_size
        assert f"`{name}` ({size / 1e3:.1f} KB)" in markdown or f"`{name}` ({size / 1e6:.1f} MB)" in markdown
    # the command that tries the adapter
    model = json.loads((real_run / "adapter_config.json").read_text())["model"]
    assert f'mlx_lm.generate --model "{model}"' in markdown
    assert f'--adapter-path "{real_run}"' in markdown and "--max-tokens 200" in markdown
    # the machine
    env = json.loads((real_run / "environment.json").read_text())
    assert f"MLX {env['mlx']}, mlx-lm {env['mlx_lm']}" in markdown and env["os"] in markdown


def test_chinese_report_has_the_same_numbers_and_the_seed_sections(real_run):
    en, zh = render_markdown(real_run, "en"), render_markdown(real_run, "zh")
    assert table_rows(zh) == table_rows(en)
    for heading in ("训练环境", "训练日志分析", "训练初始化", "训练过程", "训练收敛趋势", "训练成果", "结论", "推理测试", "最终结论"):
        assert re.search(rf"^#+ .*{heading}", zh, flags=re.M), heading
    assert "可训练参数占比" in zh and "后续优化建议" in zh


def test_write_report_writes_both_formats_and_charts_atomically(real_run):
    paths = write_report(real_run, "en")
    assert paths == [real_run / "report.md", real_run / "report.html"]
    zh_paths = write_report(real_run, "zh", formats=("md",))
    assert zh_paths == [real_run / "report.zh.md"]
    markdown = (real_run / "report.md").read_text(encoding="utf-8")
    for name in ("loss.svg", "throughput.svg", "loss.zh.svg", "throughput.zh.svg"):
        svg = ET.fromstring((real_run / "report_files" / name).read_text(encoding="utf-8"))
        assert svg.tag.endswith("svg")
    assert "](report_files/loss.svg)" in markdown and "](report_files/throughput.svg)" in markdown
    assert not [p for p in real_run.rglob("*.tmp*")]  # no temporary files left behind
    page = (real_run / "report.html").read_text(encoding="utf-8")
    checker = check_html(page)
    assert checker.seen.count("svg") == 2 and "<style>" in page and "<link" not in page
    # the chart's data are the metrics: one point per train report on the loss line
    loss_svg = ET.fromstring(render_plots(real_run)["loss.svg"])
    lines = [el for el in loss_svg.iter() if el.tag.endswith("polyline")]
    train_count = len([e for e in raw_events(real_run) if e["event"] == "train_report"])
    assert len(lines[0].get("points").split()) == train_count


# ----------------------------------------------------------------------------
# languages


ALLOWED_ENGLISH = {
    "LoRA", "MLX", "mlx-lm", "Iter", "Train", "Loss", "Val", "It", "sec", "Tokens", "tokens", "iters", "GB", "KB", "MB",
    "rank", "scale", "alpha", "dropout", "PEFT", "BLAS", "GPU", "CPU", "Python", "Studio", "Apple", "macOS", "config",
    "yaml", "json", "jsonl", "valid", "max_tokens", "temperature", "lora", "adam", "evaluation", "environment",
}


def english_words(markdown: str, values: list[str]) -> set[str]:
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # image links
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z_\-]*[A-Za-z]", text))
    return {w for w in words if w.strip(".-") not in ALLOWED_ENGLISH}


@pytest.mark.parametrize("case", ["real", "failed", "overfit", "no_val", "empty", "evaluated"])
def test_chinese_text_has_no_english_left(case, real_run, tmp_path):
    if case == "real":
        run_dir = real_run
    elif case == "failed":
        run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], end="failed")
    elif case == "overfit":
        run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5), (30, 1.0), (40, 0.5)], val=[(0, 2.1), (19, 1.4), (39, 1.9)])
    elif case == "no_val":
        run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.99), (30, 2.2), (40, 1.98)], end="stopped", env=False)
    elif case == "empty":
        run_dir = synthetic_run(tmp_path, end=None, status={"state": "running", "pid": os.getpid()})
    else:
        run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], val=[(0, 2.1), (19, 1.4)], test=1.2)
        atomic.write_json(run_dir / "evaluation.json", {
            "test": {"base_loss": 2.5, "base_ppl": 12.18, "adapter_loss": 1.2, "adapter_ppl": 3.32},
            "prompts": [{"prompt": "Who are you?", "base": "I am an assistant.", "adapter": "Ahoy! Captain Juniper."}],
            "settings": {"max_tokens": 60, "temperature": 0.0},
        })
    facts = collect(run_dir)
    env = facts.environment
    values = [str(run_dir), run_dir.name, facts.config.model, facts.config.data, os.path.basename(facts.config.model.rstrip("/"))]
    values += [str(v) for v in env.values()]
    if facts.evaluation:
        values += [s for p in facts.evaluation["prompts"] for s in p.values()]
    zh = render_markdown(run_dir, "zh")
    assert english_words(zh, values) == set()
    # and the English report is not Chinese
    assert not re.search(r"[\u4e00-\u9fff]", render_markdown(run_dir, "en"))


def test_every_string_has_both_languages_with_the_same_placeholders():
    for key, (en, zh) in STRINGS.items():
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", zh)), key
        assert en.count("`") % 2 == 0 and zh.count("`") % 2 == 0, key
        assert zh != en or key in SAME_IN_BOTH, key


# Units and placeholders that read the same in both languages.
SAME_IN_BOTH = {"fig.tps", "fig.its", "reason.other", "inf.metric"}


def test_unknown_language_and_format_are_refused(real_run):
    with pytest.raises(ValueError, match="language"):
        render_markdown(real_run, "fr")
    with pytest.raises(ValueError, match="format"):
        write_report(real_run, "en", formats=("pdf",))


# ----------------------------------------------------------------------------
# advice on synthetic runs


def test_advice_still_improving(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.6), (30, 1.3), (40, 1.1)], val=[(0, 2.1), (19, 1.7), (39, 1.2)])
    advice = derive_advice(collect(run_dir))
    assert advice.get("more_iters_val").values["last"] == 1.2
    assert "overfitting" not in advice.keys and "oscillating" not in advice.keys and "flat" not in advice.keys
    markdown = render_markdown(run_dir)
    assert "Train for more **iterations**: the validation loss was still falling at the end (1.700 at Iter 20 → 1.200 at Iter 40" in markdown
    assert "did not oscillate" in markdown


def test_advice_overfitting(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5), (30, 1.0), (40, 0.5)], val=[(0, 2.1), (19, 1.4), (39, 1.9)])
    advice = derive_advice(collect(run_dir))
    overfit = advice.get("overfitting")
    assert overfit is not None and overfit.values["best"] == 1.4 and overfit.values["best_iteration"] == 20
    assert overfit.values["last_iteration"] == 40 and overfit.values["rise_percent"] == pytest.approx(100 * 0.5 / 1.4)
    assert "more_iters_val" not in advice.keys and "more_data" in advice.keys
    markdown = render_markdown(run_dir)
    assert "Signs of **overfitting**: the validation loss rose from its lowest 1.400 (Iter 20) to 1.900 (Iter 40" in markdown
    assert "best/" in markdown  # keep_best is on by default
    assert "过拟合" in render_markdown(run_dir, "zh")


def test_advice_oscillating(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5), (30, 1.8), (40, 1.2), (50, 1.25), (60, 1.4)], val=[(0, 2.1), (59, 1.3)])
    advice = derive_advice(collect(run_dir))
    shaky = advice.get("oscillating")
    # 1.5 -> 1.8 (+20%) and 1.25 -> 1.4 (+12%) count; 1.2 -> 1.25 (+4.2%) stays under the 5% threshold.
    assert shaky.values["count"] == 2 and shaky.values["worst_iteration"] == 30
    assert [r.iteration for r in advice.oscillations] == [30, 60]
    markdown = render_markdown(run_dir)
    assert "oscillated: 2 train report(s) rose more than 5% above the one before (the largest: 1.500 → 1.800 at Iter 30, +20.0%)" in markdown
    assert "训练过程出现震荡" in render_markdown(run_dir, "zh")


def test_advice_flat(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 1.000), (20, 0.998), (30, 0.995), (40, 0.99)], val=[(0, 1.0), (39, 0.999)])
    advice = derive_advice(collect(run_dir))
    assert advice.get("flat").values["change_percent"] == pytest.approx(-1.0)
    assert "val_levelled" in advice.keys and "more_iters_val" not in advice.keys
    assert "The training loss barely moved (1.000 → 0.990" in render_markdown(run_dir)


def test_advice_validation_rising_without_overfitting(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 2.5)], val=[(0, 2.0), (19, 2.6)])
    advice = derive_advice(collect(run_dir))
    assert "val_rising" in advice.keys and "overfitting" not in advice.keys and "more_iters_val" not in advice.keys
    markdown = render_markdown(run_dir)
    assert "The validation loss got worse (2.000 at Iter 1 → 2.600 at Iter 20, +30.0%" in markdown
    assert "the loss did not come down" in markdown


def test_speed_steadiness_rule():
    assert report_advice.speed_steady(0.09, 0.10) and not report_advice.speed_steady(2.0, 23.0)


def test_advice_without_validation(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.8), (30, 1.6), (40, 1.3)])
    advice = derive_advice(collect(run_dir))
    assert "no_validation" in advice.keys and "more_iters_train" in advice.keys
    markdown = render_markdown(run_dir)
    assert "no validation set: generalization was not measured" in markdown
    assert "| Iter 10 | 2.000 | - |" in markdown


def test_memory_headroom_uses_the_estimator_when_given(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], peak=10.0)
    asked = []

    def predict(config):
        asked.append((config.lora_parameters.rank, config.batch_size, config.max_seq_length))
        return 9.0 + config.batch_size + config.lora_parameters.rank / 8 + config.max_seq_length / 1024

    advice = derive_advice(collect(run_dir), predict_peak_gb=predict)
    h = advice.headroom
    assert h.method == "estimator" and h.memory_gb == 48.0 and h.usable_gb == 36.0 and h.peak_gb == 10.0
    assert asked[0] == (8, 4, 2048)  # this run's own config first
    by = {c.setting: c for c in h.candidates}
    assert by["rank"].proposed == 16 and by["rank"].predicted_gb == pytest.approx(9 + 4 + 2 + 2)
    assert by["batch_size"].proposed == 8 and by["max_seq_length"].proposed == 4096
    assert all(c.fits for c in h.candidates)
    markdown = render_markdown(run_dir, predict_peak_gb=predict)
    assert "Predicted by the memory estimator (it predicted 16.0 GB for this run; measured 10.000 GB)" in markdown
    assert "`batch_size` 4 → 8: about 20.0 GB, fits" in markdown


def test_memory_headroom_proportional_fallback_and_failures(tmp_path):
    config = TrainConfig(model="m", data="d", batch_size=4, max_seq_length=1024)
    h = memory_headroom(config, int(16 * GB), 11.0, trainable_parameters=1_000_000)
    assert h.method == "proportional" and h.tight  # 11 GB > 90% of the 12 GB usable
    by = {c.setting: c for c in h.candidates}
    assert by["batch_size"].predicted_gb == 22.0 and not by["batch_size"].fits
    assert by["max_seq_length"].proposed == 2048 and by["max_seq_length"].predicted_gb == 22.0
    assert by["rank"].predicted_gb == pytest.approx(11.0 + 1_000_000 * 16 / GB) and by["rank"].fits
    assert not memory_headroom(config, int(16 * GB), 10.0).tight
    broken = memory_headroom(config, int(64 * GB), 10.0, 1_000_000, predict_peak_gb=lambda c: 1 / 0)
    assert broken.method == "proportional" and "ZeroDivisionError" in broken.estimator_error
    assert all(c.fits for c in broken.candidates)
    assert memory_headroom(config, 0, 10.0) is None and memory_headroom(config, int(16 * GB), None) is None
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], env=False)
    assert "memory_unknown" in derive_advice(collect(run_dir)).keys
    assert "Memory headroom unknown: the machine's memory was not recorded." in render_markdown(run_dir)
    assert "**Machine**: not recorded" in render_markdown(run_dir)


def test_resume_from_an_earlier_checkpoint_replaces_the_redone_reports(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(2, 2.0), (4, 1.8), (6, 1.7)], end="failed", total=8)
    writer = runs.MetricsWriter(run_dir)
    writer.write(Started(run_dir=str(run_dir), total_iters=8, start_iteration=4, trainable_parameters=1, total_parameters=10,
                         train_examples=40, valid_examples=0, test_examples=0, device="cpu"))
    for it, loss in ((6, 1.65), (8, 1.5)):
        writer.write(TrainReport(iteration=it, train_loss=loss, learning_rate=1e-5, iterations_per_second=1.0,
                                 tokens_per_second=10.0, trained_tokens=100 * it, peak_memory_gb=1.0))
    writer.write(Finished(iteration=8, adapter_path=str(run_dir), elapsed_s=1.0))
    writer.close()
    facts = collect(run_dir)
    assert [(r.iteration, r.train_loss) for r in facts.train] == [(2, 2.0), (4, 1.8), (6, 1.65), (8, 1.5)]
    assert facts.state == "finished" and facts.resumed_at == [4]
    assert table_rows(render_markdown(run_dir))[6][0] == "1.650"


# ----------------------------------------------------------------------------
# states and damaged files


def test_failed_run_says_so_with_the_error(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], end="failed")
    markdown = render_markdown(run_dir)
    assert "❌ Training failed at iteration 20 of 100: `out of memory: lower batch_size`" in markdown
    assert "MemoryError" in markdown  # the last lines of the traceback
    assert "Training failed: `out of memory: lower batch_size`" in markdown
    assert "❌ This LoRA run on **Apple M4 (MLX, GPU)** failed" in markdown
    check_html(render_html(run_dir))


def test_killed_run_is_reported_as_failed(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0)], end=None, status={"state": "running", "pid": 2**22 + 12345})
    facts = collect(run_dir)
    assert facts.state == "failed"
    assert "the training process ended without finishing" in render_markdown(run_dir)


def test_run_in_progress_and_with_no_reports(tmp_path):
    run_dir = synthetic_run(tmp_path, end=None, status={"state": "running", "pid": os.getpid()})
    markdown = render_markdown(run_dir)
    assert "Training is in progress (iteration 0 of 100)" in markdown
    assert "No training report yet: the first one comes after 10 steps." in markdown
    assert "| Iter" not in markdown
    assert "No reports yet" in render_plots(run_dir)["loss.svg"]
    check_html(render_html(run_dir, "zh"))
    # later reports arrive while it runs
    writer = runs.MetricsWriter(run_dir)
    writer.write(ValReport(iteration=0, val_loss=2.5, val_time=1.0))
    writer.write(TrainReport(iteration=10, train_loss=2.2, learning_rate=1e-5, iterations_per_second=1.0,
                             tokens_per_second=50.0, trained_tokens=500, peak_memory_gb=3.0))
    writer.close()
    markdown = render_markdown(run_dir)
    assert table_rows(markdown) == {1: ["-", "2.500", "-", "-", "-"], 10: ["2.200", "-", "1.000", "50.000", "500"]}
    assert "Training is in progress (iteration 10 of 100)" in markdown


def test_run_never_started(tmp_path):
    run_dir = runs.create_run(TrainConfig(model="m", data="d"), tmp_path / "runs")
    markdown = render_markdown(run_dir)
    assert "Training has not started yet." in markdown
    paths = write_report(run_dir, "zh")
    assert all(p.is_file() for p in paths)


def test_damaged_metrics_lines_are_skipped(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], val=[(0, 2.1), (19, 1.4)])
    before = render_markdown(run_dir)
    with open(run_dir / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write('{"event": "train_report", "iteration": 30, "train_lo\n')
        f.write("not json at all\n\x00\x00\n")
        f.write('{"event": "train_report", "iteration": "x"}\n')
        f.write('{"event": "train_report", "iteration": 40, "train_loss": 1.2, "learning_rate": 1e-05, '
                '"iterations_per_second": 1.0, "tokens_per_second": 10.0, "trained_tokens": 9999, "peak_memory_gb": 1.0}\n')
    after = render_markdown(run_dir)
    assert table_rows(after) == {**table_rows(before), 40: ["1.200", "-", "1.000", "10.000", "9,999"]}


def test_diverged_losses_and_a_lost_start_line(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, float("nan")), (30, float("inf"))], val=[(0, 2.1), (29, float("nan"))])
    lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    (run_dir / "metrics.jsonl").write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # no 'started' line
    markdown = render_markdown(run_dir, "zh")
    assert table_rows(markdown)[20][0] == "nan" and table_rows(markdown)[30][0] == "inf"
    assert "`started`" in markdown and "可训练参数占比未知" in markdown
    assert english_words(markdown, [str(run_dir), "some-model", "/models/some-model", "/data/set", *map(str, environment().values())]) == set()
    check_html(render_html(run_dir))
    for svg in render_plots(run_dir).values():
        numbers = " ".join(v for el in ET.fromstring(svg).iter() for k, v in el.attrib.items() if k in ("points", "cx", "cy", "y1", "y2"))
        assert numbers and "nan" not in numbers and "inf" not in numbers


def test_damaged_config_and_environment_still_give_a_report(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)])
    (run_dir / "environment.json").write_text("{broken", encoding="utf-8")
    (run_dir / "config.yaml").write_text("iters: [unclosed", encoding="utf-8")
    markdown = render_markdown(run_dir)
    assert "could not be read" in markdown and "| Iter 20 | 1.500 |" in markdown


def test_evaluation_json_base_vs_adapter(tmp_path):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], val=[(0, 2.1), (19, 1.4)], test=1.2)
    evaluation = {
        "test": {"base_loss": 2.5, "base_ppl": 12.18, "adapter_loss": 1.2, "adapter_ppl": 3.32},
        "prompts": [{"prompt": "Who are you?", "base": "I am <b>an</b> assistant.", "adapter": "Ahoy! ```Captain``` Juniper | cat."}],
        "settings": {"max_tokens": 60, "temperature": 0.0},
    }
    atomic.write_json(run_dir / "evaluation.json", evaluation)
    markdown = render_markdown(run_dir)
    assert "| Test loss | 2.500 | 1.200 | -1.300 |" in markdown
    assert "| Perplexity | 12.180 | 3.320 | -8.860 |" in markdown
    assert "(`max_tokens` 60, `temperature` 0.0)" in markdown
    assert "Ahoy! ```Captain``` Juniper | cat." in markdown and "````text" in markdown  # a longer fence
    assert '--prompt "Who are you?"' in markdown
    page = render_html(run_dir)
    check_html(page)
    assert "I am &lt;b&gt;an&lt;/b&gt; assistant." in page
    (run_dir / "evaluation.json").write_text("{nope", encoding="utf-8")
    assert "evaluation.json could not be read" in render_markdown(run_dir)


def test_paths_and_prompts_with_markup_are_escaped(tmp_path):
    config = TrainConfig(model="/models/a_b*c`d", data="/data/x|y", eval_prompts=['Say "hi" $HOME `ls`'])
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], config=config, name="run_<1>")
    markdown = render_markdown(run_dir)
    assert '--prompt "Say \\"hi\\" \\$HOME \\`ls\\`"' in markdown
    assert "`` /models/a_b*c`d ``" in markdown
    page = render_html(run_dir)
    check_html(page)
    assert "run_&lt;1&gt;" in page


@pytest.mark.parametrize("low,high", [(0.9, 1.93), (1, 10_000), (0.0001, 0.0003), (5, 5), (-1, 1), (0, 0.125)])
def test_chart_ticks_cover_the_data_evenly(low, high):
    ticks = nice_ticks(low, high)
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert ticks[0] <= low and ticks[-1] >= high and len(steps) == 1 and 2 <= len(ticks) <= 12


def test_chart_with_one_point_and_two_axes_is_valid_svg():
    svg = ET.fromstring(line_chart([Series("a", [(3, 1.5)]), Series("b", [(3, 0.2)], axis="right")], "T", "x", "y", "y2"))
    assert len([el for el in svg.iter() if el.tag.endswith("circle")]) >= 2  # a lone point still shows


# ----------------------------------------------------------------------------
# command line


def test_report_command(tmp_path, capsys):
    run_dir = synthetic_run(tmp_path, train=[(10, 2.0), (20, 1.5)], val=[(0, 2.1), (19, 1.4)])
    assert main(["--runs-dir", str(tmp_path / "runs"), "report", run_dir.name, "--lang", "zh", "--format", "md"]) == 0
    assert capsys.readouterr().out.split() == [str(run_dir / "report.zh.md")]
    assert (run_dir / "report_files" / "loss.zh.svg").is_file() and not (run_dir / "report.zh.html").exists()
    assert main(["report", str(run_dir)]) == 0
    assert capsys.readouterr().out.split() == [str(run_dir / "report.md"), str(run_dir / "report.html")]
    assert main(["--runs-dir", str(tmp_path / "runs"), "report", "no-such-run"]) == 2
    assert "no run at no-such-run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["report", "--help"])
    assert done.value.code == 0
    assert "training report" in capsys.readouterr().out
