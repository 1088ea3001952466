"""The report files a run leaves on disk describe how it ended, in English and in Chinese.

Each test runs a real training child to its end (finished, stopped, failed,
early-stopped, killed, killed and resumed), then reads ``report.md`` and
``report.zh.md`` from the run folder, as a user who shares them would: the
opening state line and the final conclusion must say how the run ended,
and neither may say it is still running.
"""

import pytest

from lorastudio.core.runs.events import CheckpointSaved, Failed, Finished, Stopped, TrainReport
from lorastudio.core.train.jobs import resume_training, start_training

STILL_RUNNING = ("in progress", "still running", "so far", "仍在进行中", "目前已有")


def reports(run_dir) -> dict[str, str]:
    return {lang: (run_dir / name).read_text(encoding="utf-8") for lang, name in (("en", "report.md"), ("zh", "report.zh.md"))}


def state_line(markdown: str) -> str:
    """The first line after the title that is not the 'generated from' line: the run's state."""
    lines = [line for line in markdown.splitlines() if line.strip() and not line.startswith("#")]
    return next(line for line in lines[1:4] if "`" not in line[:3]) if len(lines) > 1 else ""


def final_paragraph(markdown: str) -> str:
    """The text under the last heading of the conclusion ('Final conclusion' / '最终结论')."""
    part = markdown.split("### ")[-1]
    return part.split("\n", 1)[1].strip()


def check(run_dir, opening: tuple[str, str], outcome: tuple[str, str]) -> None:
    for (lang, text), first, last in zip(reports(run_dir).items(), opening, outcome):
        head = text[: text.index("\n## ")] if "\n## " in text else text
        assert first in head, (lang, head)
        assert last in final_paragraph(text), (lang, final_paragraph(text))
        for phrase in STILL_RUNNING:
            assert phrase not in head and phrase not in final_paragraph(text), (lang, phrase)


def test_a_finished_run(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(iters=3), root=tmp_path / "runs")
    assert isinstance(job.run_to_end(), Finished)
    check(job.run_dir, ("Training finished: 3 of 3 iterations.", "训练已完成：3 / 3 次迭代。"), ("finished", "顺利完成"))


def test_a_stopped_run(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(iters=1000, steps_per_eval=1000), root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport) and event.iteration == 2:
            job.stop()
    stopped = job.terminal_event
    assert isinstance(stopped, Stopped)
    done = stopped.iteration
    check(job.run_dir, (f"Training was stopped at iteration {done} of 1000", f"训练在第 {done} / 1000 次迭代时停止"),
          ("was stopped early", "提前停止"))


def test_a_failed_run(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(num_layers=9), root=tmp_path / "runs")
    assert isinstance(job.run_to_end(), Failed)
    check(job.run_dir, ("Training failed at iteration", "训练失败"), ("failed", "失败"))


def test_an_early_stopped_run(tiny_config, tmp_path):
    # A learning rate this high makes the validation loss rise after the start.
    config = tiny_config.replace(iters=40, steps_per_eval=1, learning_rate=3.0, early_stopping_patience=2, keep_best=True)
    job = start_training(config, root=tmp_path / "runs")
    finished = job.run_to_end()
    assert isinstance(finished, Finished) and finished.iteration < 40
    check(job.run_dir, (f"Training finished early at iteration {finished.iteration} of 40: early stopping",
                        f"训练提前结束于第 {finished.iteration} / 40 次迭代：早停"), ("finished", "顺利完成"))


def test_a_killed_run_then_resumed(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(iters=8, save_every=2, steps_per_eval=1000), root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, CheckpointSaved) and event.reason == "periodic" and event.iteration >= 4:
            job.kill()
    assert isinstance(job.terminal_event, Failed)
    # the child died without a word: the report, written for it, says the run failed
    check(job.run_dir, ("Training failed at iteration", "训练失败"), ("failed", "失败"))
    assert "SIGKILL" in reports(job.run_dir)["en"]

    resumed = resume_training(job.run_dir)
    assert isinstance(resumed.run_to_end(), Finished)
    check(job.run_dir, ("Training finished: 8 of 8 iterations.", "训练已完成：8 / 8 次迭代。"), ("finished", "顺利完成"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_helpers_read_a_report_as_written(tiny_config, tmp_path, lang):
    """The helpers above find the state line and the conclusion (guards the tests against vacuous passes)."""
    job = start_training(tiny_config.replace(iters=2), root=tmp_path / "runs")
    job.run_to_end()
    text = reports(job.run_dir)[lang]
    assert ("2 of 2" if lang == "en" else "2 / 2") in state_line(text)
    assert "LoRA" in final_paragraph(text)


def test_event_lines_are_said_in_both_languages_and_the_ui_shows_the_cores(tiny_config, tmp_path):
    """One text form of an event (lorastudio.core.runs.describe): every line exists in English and Chinese."""
    from lorastudio.core.runs.describe import TEXTS, describe_event

    assert all(en and zh and en != zh for en, zh in TEXTS.values())
    job = start_training(tiny_config.replace(iters=1000, steps_per_eval=2, save_every=2), root=tmp_path / "runs")
    events = []
    for event in job.events():
        events.append(event)
        if isinstance(event, TrainReport) and event.iteration == 3:
            job.stop()
    lines = {lang: [describe_event(e, lang) for e in events] for lang in ("en", "zh")}
    step = job.terminal_event.iteration  # the stop lands before the next step: 3 or 4
    assert f"Stopped after step {step} (stopped by the user); adapter saved." in lines["en"]
    assert f"已在第 {step} 步后停止（用户停止），适配器已保存。" in lines["zh"]
    assert any(line.startswith("Loading model ") for line in lines["en"] if line)
    assert any(line.startswith("正在加载模型 ") for line in lines["zh"] if line)
    # a Chinese line for every event that has an English one, and no English sentence left in it
    for en, zh in zip(lines["en"], lines["zh"]):
        assert (en is None) == (zh is None)
        assert en is None or en != zh, en
