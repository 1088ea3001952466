"""Events in words (core/runs/describe.py): the one text form of an event, codes turned into words."""

import pytest

from lorastudio.core.runs import describe
from lorastudio.core.runs.events import Failed, Finished, Status, Stopped, TrainReport


@pytest.mark.parametrize("key", sorted(describe.TEXTS))
def test_every_sentence_is_in_both_languages_with_the_same_placeholders(key):
    import string

    english, chinese = describe.TEXTS[key]
    fields = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
    assert english and chinese and english != chinese
    assert fields(english) == fields(chinese)


def test_stop_reasons_are_codes_and_old_runs_still_read():
    stopped = Stopped(iteration=3, reason=describe.STOP_USER, adapter_path="/r")
    assert describe.describe_event(stopped) == "Stopped after step 3 (stopped by the user); adapter saved."
    assert describe.describe_event(stopped, "zh") == "已在第 3 步后停止（用户停止），适配器已保存。"
    old = Stopped(iteration=3, reason="the program that started the training went away", adapter_path="/r")
    assert describe.stop_reason(old.reason, "zh") == "启动训练的程序已退出"
    assert describe.stop_reason("a reason from the future") is None
    assert "a reason from the future" in describe.describe_event(Stopped(iteration=1, reason="a reason from the future", adapter_path=""))


def test_failures_by_code():
    killed = Failed(error="The training process was killed (SIGKILL; ...).", code=describe.FAIL_KILLED)
    assert "SIGKILL" in describe.failure(killed) and "强制结束" in describe.failure(killed, "zh")
    ended = Failed(error="The training process exited with status 3.", code=describe.FAIL_ENDED)
    assert describe.failure(ended, "zh") == "训练进程意外结束（The training process exited with status 3.）"
    said = Failed(error="num_layers: 9 layers requested but the model has only 2")
    assert describe.failure(said, "zh") == said.error  # a core message is shown as written


def test_status_lines_by_stage():
    event = describe.status("resume", 12)
    assert (event.stage, event.message, event.detail) == ("resume", "Resuming after step 12", "12")
    assert describe.describe_event(event, "zh") == "从第 12 步之后继续训练"
    assert describe.describe_event(Status("download", "Downloading x (50%)")) == "Downloading x (50%)"


def test_reports_and_the_end():
    report = TrainReport(iteration=5, train_loss=1.5, learning_rate=1e-4, iterations_per_second=2.0,
                         tokens_per_second=1234.0, trained_tokens=100, peak_memory_gb=1.25)
    assert describe.describe_event(report) == "Step 5: train loss 1.500, 1,234 tokens/s, 2.000 steps/s, peak 1.25 GB"
    done = Finished(iteration=6, adapter_path="/r", elapsed_s=75.0, best_val_loss=0.5, best_iteration=4)
    assert describe.describe_event(done) == "Finished 6 steps in 01:15; best validation loss 0.500 after 4 steps."


def test_eta():
    assert describe.eta_seconds(10.0, 5, 10) == pytest.approx(20.0)
    assert describe.eta_seconds(10.0, 0, 10) is None
    assert describe.eta_seconds(10.0, 5, -1) == 0.0
