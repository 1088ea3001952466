"""Training in the child process: events, stop, pause, resume, SIGKILL, the run folder."""

import json
from pathlib import Path

import pytest

from lorastudio.core.runs import folder as runs
from lorastudio.core.runs.events import CheckpointSaved, Failed, Finished, Paused, Started, Stopped, TrainReport
from lorastudio.core.train.jobs import resume_training, start_training


def test_child_streams_events_and_writes_the_run(tiny_config, tmp_path):
    job = start_training(tiny_config, root=tmp_path / "runs")
    events = list(job.events())
    assert isinstance(events[-1], Finished)
    assert job.wait() == 0
    assert any(isinstance(e, Started) for e in events)
    assert [e.iteration for e in events if isinstance(e, TrainReport)] == list(range(1, 7))
    # metrics.jsonl holds exactly the streamed events
    recorded = runs.read_metrics(job.run_dir)
    assert [e.to_json() for e in recorded] == [e.to_json() for e in events]
    assert runs.read_status(job.run_dir)["state"] == "finished"
    summary = runs.list_runs(tmp_path / "runs")[0]
    assert summary.state == "finished" and summary.iteration == 6 and summary.total_iters == 6
    assert summary.last_train_loss == pytest.approx(events[-3].train_loss if isinstance(events[-3], TrainReport) else summary.last_train_loss)


@pytest.mark.parity
def test_stop_saves_and_resume_continues_with_the_same_losses(tiny_config, tmp_path):
    config = tiny_config.replace(iters=10, steps_per_eval=4)
    straight = start_training(config, root=tmp_path / "runs")
    reference = {e.iteration: e.train_loss for e in straight.events() if isinstance(e, TrainReport)}

    job = start_training(config, root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport) and event.iteration == 3:
            job.stop()
    stopped = job.terminal_event
    assert isinstance(stopped, Stopped)
    assert stopped.iteration in (3, 4)  # the stop lands before the next step starts
    assert runs.read_status(job.run_dir)["state"] == "stopped"
    assert (job.run_dir / "adapters.safetensors").is_file()

    resumed = resume_training(job.run_dir)
    after = {e.iteration: e.train_loss for e in resumed.events() if isinstance(e, TrainReport)}
    assert isinstance(resumed.terminal_event, Finished)
    assert min(after) == stopped.iteration + 1 and max(after) == 10
    for iteration, loss in after.items():
        assert loss == pytest.approx(reference[iteration], abs=1e-6)


def test_pause_and_resume_commands(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(iters=5), root=tmp_path / "runs")
    kinds = []
    for event in job.events():
        kinds.append(event.kind)
        if isinstance(event, TrainReport) and event.iteration == 1:
            job.pause()
        if isinstance(event, Paused):
            assert runs.read_status(job.run_dir)["state"] == "paused"
            job.resume()
    assert "paused" in kinds and "resumed" in kinds
    assert isinstance(job.terminal_event, Finished)


def test_sigkill_marks_the_run_failed_and_keeps_metrics_and_checkpoint(tiny_config, tmp_path):
    from mlx_lm import load

    job = start_training(tiny_config.replace(iters=100000, save_every=2, steps_per_eval=1000), root=tmp_path / "runs")
    checkpoints = 0
    for event in job.events():
        if isinstance(event, CheckpointSaved) and event.reason == "periodic":
            checkpoints += 1
            if checkpoints == 2:
                job.kill()
    failed = job.terminal_event
    assert isinstance(failed, Failed)
    assert "SIGKILL" in failed.error
    status = runs.read_status(job.run_dir)
    assert status["state"] == "failed"
    assert runs.summarize(job.run_dir).state == "failed"
    # every line of metrics.jsonl is whole JSON, ending with the failure
    lines = (job.run_dir / "metrics.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)
    assert json.loads(lines[-1])["event"] == "failed"
    assert any(json.loads(line)["event"] == "train_report" for line in lines)
    # the last checkpoint loads with mlx-lm
    model, _ = load(tiny_config.model, adapter_path=str(job.run_dir))
    assert model is not None
    numbered = runs.checkpoints(job.run_dir)
    assert numbered and numbered[-1][0] >= 4
    # and the run resumes from its last saved state
    resumed = resume_training(job.run_dir, iters=numbered[-1][0] + 2)
    assert isinstance(resumed.run_to_end(), Finished)


def test_a_failing_child_reports_why(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(num_layers=9), root=tmp_path / "runs")
    events = list(job.events())
    assert isinstance(events[-1], Failed)
    assert "num_layers: 9 layers requested but the model has only 2" in events[-1].error
    assert runs.read_status(job.run_dir)["state"] == "failed"


def test_single_file_data_is_split_into_the_run(tiny_model, tmp_path):
    from conftest import write_chat_jsonl
    from lorastudio.core.config.train_config import TrainConfig

    source = write_chat_jsonl(tmp_path / "all.jsonl", 30)
    config = TrainConfig(model=str(tiny_model), data=str(source), num_layers=2, iters=2, batch_size=2, val_batches=1, valid_fraction=0.2)
    job = start_training(config, root=tmp_path / "runs")
    assert isinstance(job.run_to_end(), Finished)
    saved = runs.load_config(job.run_dir)
    assert saved.data == str(job.run_dir / "data")
    counts = {name: len((job.run_dir / "data" / f"{name}.jsonl").read_text().splitlines()) for name in ("train", "valid")}
    assert counts == {"train": 24, "valid": 6}
    assert runs.summarize(job.run_dir).data == str(source)


def test_bad_data_is_refused_before_a_run_is_made(tiny_model, tmp_path):
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.data.datasets import DatasetError

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n')
    with pytest.raises(DatasetError, match="train.jsonl:2"):
        start_training(TrainConfig(model=str(tiny_model), data=str(bad)), root=tmp_path / "runs")
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_runs_can_be_deleted_but_not_while_training(tiny_config, tmp_path):
    job = start_training(tiny_config.replace(iters=100000, steps_per_eval=1000), root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport):
            with pytest.raises(runs.RunError, match="still training"):
                runs.delete_run(job.run_dir)
            job.stop()
    runs.delete_run(job.run_dir)
    assert not job.run_dir.exists()
    with pytest.raises(runs.RunError, match="no run at"):
        runs.resolve_run(job.run_dir)


def test_finished_run_is_evaluated_and_reported(tiny_config, tmp_path):
    from lorastudio.core.train.evaluation import read_evaluation

    config = tiny_config.replace(iters=3, test=True, test_batches=-1, eval_prompts=["What about LoRA?", "Hello"])
    job = start_training(config, root=tmp_path / "runs")
    events = list(job.events())
    assert isinstance(events[-1], Finished)  # the end is announced after evaluation and reports
    stages = [e.stage for e in events if e.kind == "status"]
    assert {"test_loss", "eval_prompt", "report"} <= set(stages)
    evaluation = read_evaluation(job.run_dir)
    assert [p["prompt"] for p in evaluation["prompts"]] == ["What about LoRA?", "Hello"]
    test_report = next(e for e in events if e.kind == "test_report")
    assert evaluation["test"]["adapter_loss"] == pytest.approx(test_report.test_loss, rel=1e-5)
    assert evaluation["test"]["base_loss"] != pytest.approx(evaluation["test"]["adapter_loss"])
    for name in ("report.md", "report.html", "report.zh.md", "report.zh.html"):
        assert (job.run_dir / name).is_file()
    assert "What about LoRA?" in (job.run_dir / "report.md").read_text()


def test_failed_and_stopped_runs_get_a_report_but_no_evaluation(tiny_config, tmp_path):
    failed = start_training(tiny_config.replace(num_layers=9), root=tmp_path / "runs")
    failed.run_to_end()
    assert (failed.run_dir / "report.md").is_file()
    assert "num_layers" in (failed.run_dir / "report.md").read_text()
    job = start_training(tiny_config.replace(iters=1000, eval_prompts=["Hello"], steps_per_eval=1000), root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport):
            job.stop()
    assert isinstance(job.terminal_event, Stopped)
    assert (job.run_dir / "report.md").is_file() and not (job.run_dir / "evaluation.json").exists()


def test_the_dataset_is_checked_once_per_run(tiny_config, tmp_path, monkeypatch):
    """The parent checks every line before the run is made; the child reads the same files unchecked.

    The child's reading is replayed here in-process: with the run's fingerprint it never calls
    the record checks; once a file changes, it checks every line again.
    """
    from lorastudio.core.data import datasets
    from lorastudio.core.tuner.loop import data_checked, load_datasets
    from mlx_lm.utils import load_tokenizer

    job = start_training(tiny_config.replace(iters=2, test=True, test_batches=1), root=tmp_path / "runs")
    assert isinstance(job.run_to_end(), Finished)
    config = runs.load_config(job.run_dir)
    assert runs.read_status(job.run_dir)["data_checked"] and data_checked(job.run_dir, config)

    checked = []
    real = datasets.check_record
    monkeypatch.setattr(datasets, "check_record", lambda *a: checked.append(1) or real(*a))
    tokenizer = load_tokenizer(config.model)
    trusted = load_datasets(config, tokenizer, trusted=data_checked(job.run_dir, config))
    assert checked == [] and [len(s) for s in trusted] == [24, 8, 8]

    data = tmp_path / "changed"
    data.mkdir()
    for name in ("train", "valid", "test"):
        (data / f"{name}.jsonl").write_text((Path(config.data) / f"{name}.jsonl").read_text())
    changed = config.replace(data=str(data))
    assert not data_checked(job.run_dir, changed)
    again = load_datasets(changed, tokenizer, trusted=data_checked(job.run_dir, changed))
    assert len(checked) == 40 and [len(s) for s in again] == [24, 8, 8]
