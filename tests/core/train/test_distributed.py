"""One run on 2 ranks (mlx.launch, ring backend over loopback) takes the steps of one process.

Every reported train and validation loss within 1e-5 relative and the final adapters
within float tolerance of one process with the same config and seed; also with
gradient accumulation, micro-batches, a last batch with fewer rows than ranks, and a
stop at step k resumed on 2 ranks. A rank killed with SIGKILL fails the run (the ring
reports the lost peer) with its metrics and checkpoint kept, and ``resume`` finishes
it; a host that cannot be reached fails the start, named, before a run folder exists.
Dropout is off: each rank draws its own masks (as micro-batches do).
"""

import json
import os
import signal

import numpy as np
import pytest

from lorastudio.core.runs import folder as runs
from lorastudio.core.runs.events import CheckpointSaved, Failed, Finished, Started, Stopped, TrainReport, ValReport
from lorastudio.core.train.distributed import DistributedError
from lorastudio.core.train.jobs import resume_training, start_training
from lorastudio.core.tuner.loop import train_run

from conftest import write_chat_jsonl

NO_DROPOUT = {"rank": 4, "scale": 10.0, "dropout": 0.0}


def losses(events):
    train = [(e.iteration, e.train_loss) for e in events if isinstance(e, TrainReport)]
    valid = [(e.iteration, e.val_loss) for e in events if isinstance(e, ValReport)]
    return train, valid


def one_process(config, root):
    run_dir = runs.create_run(config, root)
    events = []
    assert isinstance(train_run(run_dir, events.append), Finished)
    return events, run_dir


def two_ranks(config, root):
    job = start_training(config.replace(ranks=2), root=root)
    events = list(job.events())
    assert isinstance(job.terminal_event, Finished), job.terminal_event
    return events, job.run_dir


def assert_same_run(mine, reference, adapter_atol=1e-6):
    (train, valid), (ref_train, ref_valid) = losses(mine[0]), losses(reference[0])
    assert [i for i, _ in train] == [i for i, _ in ref_train] and [i for i, _ in valid] == [i for i, _ in ref_valid]
    for (_, a), (_, b) in zip(train + valid, ref_train + ref_valid):
        assert a == pytest.approx(b, rel=1e-5), (train, ref_train, valid, ref_valid)
    assert_same_adapter(mine[1], reference[1], adapter_atol)


def assert_same_adapter(run_a, run_b, atol=1e-6):
    import mlx.core as mx

    a, b = mx.load(str(run_a / "adapters.safetensors")), mx.load(str(run_b / "adapters.safetensors"))
    assert a.keys() == b.keys()
    for name in a:
        x, y = np.array(a[name]), np.array(b[name])
        assert np.allclose(x, y, rtol=1e-4, atol=atol), (name, float(np.abs(x - y).max()), float(np.abs(y).max()))


@pytest.mark.parametrize("changes", [
    {},
    {"grad_accumulation_steps": 2},
    {"micro_batch_size": 1, "sparse_loss": False},
], ids=["plain", "accumulation", "micro-batches"])
def test_two_ranks_take_the_steps_of_one_process(tiny_config, tmp_path, changes):
    config = tiny_config.replace(lora_parameters=NO_DROPOUT, **changes)
    reference = one_process(config, tmp_path / "one")
    mine = two_ranks(config, tmp_path / "two")
    assert_same_run(mine, reference)
    started = next(e for e in mine[0] if isinstance(e, Started))
    assert started.ranks == 2
    reports = [e for e in mine[0] if isinstance(e, TrainReport)]
    assert all(len(e.rank_tokens_per_second) == 2 and min(e.rank_tokens_per_second) > 0 for e in reports)
    # tokens are the whole batch's, as one process counts them
    assert [e.trained_tokens for e in reports] == [e.trained_tokens for e in reference[0] if isinstance(e, TrainReport)]
    status = runs.read_status(mine[1])
    assert status["distributed"]["ranks"] == 2 and status["distributed"]["hosts"] == ["127.0.0.1"] * 2
    assert status["host_tokens_per_second"]["127.0.0.1"] > 0
    # only rank 0 writes the run; rank 1 keeps its own log
    assert (mine[1] / "ranks" / "rank-1.log").is_file() and not (mine[1] / "ranks" / "rank-0.log").exists()
    # the report says how it was trained
    assert "**Machines**: 2 ranks on 127.0.0.1" in (mine[1] / "report.md").read_text(encoding="utf-8")


def test_rank_shares_cover_every_row_once():
    from lorastudio.core.tuner.batching import rank_share

    for rows in range(0, 9):
        for ranks in range(1, 5):
            shares = [range(*rank_share(rows, r, ranks)) for r in range(ranks)]
            assert [i for share in shares for i in share] == list(range(rows))
            assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_a_last_batch_with_fewer_rows_than_ranks(tiny_model, tmp_path):
    """25 examples in batches of 4 (bucketed): the last batch has 1 row, so rank 1 has none that step."""
    from conftest import make_tiny_config

    data = tmp_path / "data"
    data.mkdir()
    write_chat_jsonl(data / "train.jsonl", 25, seed=4)
    write_chat_jsonl(data / "valid.jsonl", 8, seed=5)
    config = make_tiny_config(tiny_model, data, iters=7, steps_per_eval=7, save_every=7, lora_parameters=NO_DROPOUT,
                              batching="bucketed")
    reference = one_process(config, tmp_path / "one")
    assert_same_run(two_ranks(config, tmp_path / "two"), reference)


def test_stop_on_two_ranks_and_resume_on_two_ranks_continue_the_same_run(tiny_config, tmp_path):
    config = tiny_config.replace(iters=8, steps_per_eval=4, save_every=2, lora_parameters=NO_DROPOUT, ranks=2)
    straight, straight_dir = two_ranks(config, tmp_path / "straight")
    reference = dict(losses(straight)[0])

    job = start_training(config, root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport) and event.iteration == 3:
            job.stop()
    stopped = job.terminal_event
    assert isinstance(stopped, Stopped) and stopped.iteration in (3, 4)
    resumed = resume_training(job.run_dir)
    after = dict(losses(list(resumed.events()))[0])
    assert isinstance(resumed.terminal_event, Finished)
    assert min(after) == stopped.iteration + 1 and max(after) == 8
    for iteration, loss in after.items():
        assert loss == pytest.approx(reference[iteration], rel=1e-5)
    assert_same_adapter(job.run_dir, straight_dir)


def test_a_rank_killed_fails_the_run_which_resume_finishes(tiny_config, tmp_path):
    """SIGKILL on rank 1: rank 0's next all-sum fails (the ring's lost peer), no hang; resume continues."""
    config = tiny_config.replace(iters=100000, save_every=2, steps_per_eval=1000, ranks=2, lora_parameters=NO_DROPOUT)
    job = start_training(config, root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, CheckpointSaved) and event.reason == "periodic" and event.iteration == 4:
            rank_1 = json.loads((job.run_dir / "ranks" / "rank-1.json").read_text())
            os.kill(rank_1["pid"], signal.SIGKILL)
    failed = job.terminal_event
    assert isinstance(failed, Failed), failed
    assert runs.read_status(job.run_dir)["state"] == "failed"
    reports = [e for e in runs.read_metrics(job.run_dir) if isinstance(e, TrainReport)]
    assert reports and reports[-1].iteration >= 4
    assert (job.run_dir / "0000004_adapters.safetensors").is_file()

    resumed = resume_training(job.run_dir, iters=reports[-1].iteration + 2)
    after = [e for e in resumed.events() if isinstance(e, TrainReport)]
    assert isinstance(resumed.terminal_event, Finished), resumed.terminal_event
    assert after[-1].iteration == reports[-1].iteration + 2


def test_the_ranks_stop_and_save_when_the_program_that_started_them_goes_away(tiny_config, tmp_path):
    """The parent's pipes close (it quit or crashed): every rank stops at the same step, the adapter is saved.

    As a one-process child does at the end of its input; mlx.launch never closes its
    ranks' stdin, so its end reaches them as a last command.
    """
    config = tiny_config.replace(iters=100000, save_every=100000, steps_per_eval=100000, ranks=2,
                                 lora_parameters=NO_DROPOUT)
    job = start_training(config, root=tmp_path / "runs")
    for event in job.events():
        if isinstance(event, TrainReport):
            break
    job.process.stdin.close()
    job.process.stdout.close()
    try:
        job.process.wait(timeout=120)  # not training on to step 100,000
    finally:
        job.kill()  # nothing left running if it did not stop
    status = runs.read_status(job.run_dir)
    assert status["state"] == "stopped", status
    stopped = [e for e in runs.read_metrics(job.run_dir) if isinstance(e, Stopped)]
    assert stopped and stopped[-1].reason == "parent_gone" and stopped[-1].iteration < 100000
    assert (job.run_dir / "adapters.safetensors").is_file()


def test_an_unreachable_host_fails_the_start_with_its_name(tiny_config, tmp_path):
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text(json.dumps([{"ssh": "127.0.0.1", "ips": ["127.0.0.1"]},
                                    {"ssh": "no-such-mac.invalid", "ips": ["192.0.2.1"]}]))
    with pytest.raises(DistributedError) as info:
        start_training(tiny_config.replace(hostfile=str(hostfile)), root=tmp_path / "runs")
    assert "no-such-mac.invalid" in str(info.value)
    assert "no-such-mac.invalid" in info.value.text("zh")
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


@pytest.mark.slow
def test_two_ranks_take_the_steps_of_one_process_on_smollm2(smollm2_f32, tmp_path):
    """The real model, 3 steps: the same losses and adapter on 2 ranks as in one process."""
    from lorastudio.core.train.demo import demo_config

    config = demo_config(smollm2_f32).replace(
        iters=3, batch_size=2, steps_per_report=1, steps_per_eval=3, val_batches=1, save_every=3, test=False,
        eval_prompts=[], num_layers=2, max_seq_length=256, lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    reference = one_process(config, tmp_path / "one")
    # Weights of about 6e-3 after 3 Adam steps: float32 sums in another order move them by about 2e-6.
    assert_same_run(two_ranks(config, tmp_path / "two"), reference, adapter_atol=1e-5)
