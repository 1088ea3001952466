"""Events in words: the one text form of a training event, in English or Chinese.

The command line prints these lines, the app's training log shows them (in the
interface language: the app passes its language, see ``lorastudio.ui.i18n``),
and the report names stop reasons with them. Stop and failure reasons travel
in the events as codes (``Stopped.reason``, ``Failed.code``) and become words
only here. ``eta_seconds`` is the one estimate of the time left. Pure
functions, any thread.
"""

from __future__ import annotations

from lorastudio.core.runs.events import (
    CheckpointSaved,
    Event,
    Failed,
    Finished,
    Paused,
    Resumed,
    Started,
    Status,
    Stopped,
    TestReport,
    TrainReport,
    ValReport,
)
from lorastudio.core.runs.metrics import format_duration

LANGUAGES = ("en", "zh")

# Why a run stopped (Stopped.reason): codes written by the tuner and the training child.
STOP_USER, STOP_TERMINATED, STOP_INTERRUPTED, STOP_PARENT_GONE = "user", "terminated", "interrupted", "parent_gone"
# Runs written before the codes carried the English sentence itself.
_LEGACY_STOP_REASONS = {
    "stopped by the user": STOP_USER,
    "terminated": STOP_TERMINATED,
    "interrupted": STOP_INTERRUPTED,
    "the program that started the training went away": STOP_PARENT_GONE,
}

# How a run failed (Failed.code): "error" carries a message written for people in Failed.error.
FAIL_ERROR, FAIL_KILLED, FAIL_ENDED, FAIL_OUT_OF_MEMORY = "error", "killed", "ended", "out_of_memory"

TEXTS: dict[str, tuple[str, str]] = {
    "stop.user": ("stopped by the user", "用户停止"),
    "stop.terminated": ("the process was terminated", "进程被终止"),
    "stop.interrupted": ("interrupted", "被中断"),
    "stop.parent_gone": ("the program that started it quit", "启动训练的程序已退出"),
    "fail.killed": ("the training process was killed (SIGKILL; the system may have run out of memory)",
                    "训练进程被强制结束（SIGKILL；系统内存可能已耗尽）"),
    "fail.ended": ("the training process ended without finishing ({detail})", "训练进程意外结束（{detail}）"),
    "fail.out_of_memory": ("out of memory: lower batch_size or max_seq_length, or turn on grad_checkpoint",
                           "内存不足：请减小 batch_size 或 max_seq_length，或打开 grad_checkpoint"),
    "started": ("Training {total} steps on {device}: {train} train / {valid} valid examples, "
                "{trainable:.3f}M of {params:.3f}M parameters trainable ({share:.3f}%)",
                "在 {device} 上训练 {total} 步：训练样本 {train} 条 / 验证样本 {valid} 条，"
                "可训练参数 {trainable:.3f}M / {params:.3f}M（{share:.3f}%）"),
    "started.ranks": ("; {ranks} ranks, each batch shared between them", "；{ranks} 个进程，每个批次由它们分担"),
    "train_report": ("Step {step}: train loss {loss:.3f}, {tps:,.0f} tokens/s, {its:.3f} steps/s, peak {mem:.2f} GB",
                     "第 {step} 步：训练损失 {loss:.3f}，{tps:,.0f} tokens/s，{its:.3f} 步/秒，峰值内存 {mem:.2f} GB"),
    "val_report": ("Validation loss after {step} steps: {loss:.3f}", "第 {step} 步后的验证损失：{loss:.3f}"),
    "val_report.best": ("Validation loss after {step} steps: {loss:.3f} (best so far)", "第 {step} 步后的验证损失：{loss:.3f}（目前最佳）"),
    "saved.best": ("Saved the best adapter: {path}", "已保存最佳适配器：{path}"),
    "saved.final": ("Saved the final adapter: {path}", "已保存最终适配器：{path}"),
    "saved.stop": ("Saved the adapter at the stop: {path}", "已保存停止时的适配器：{path}"),
    "saved.periodic": ("Saved a checkpoint: {path}", "已保存检查点：{path}"),
    "paused": ("Paused after step {step}", "已在第 {step} 步后暂停"),
    "resumed": ("Resumed", "已继续"),
    "test_report": ("Test loss {loss:.3f}, perplexity {ppl:.3f}", "测试损失 {loss:.3f}，困惑度 {ppl:.3f}"),
    "stopped": ("Stopped after step {step} ({reason}); adapter saved.", "已在第 {step} 步后停止（{reason}），适配器已保存。"),
    "finished": ("Finished {step} steps in {time}.", "已完成 {step} 步，用时 {time}。"),
    "finished.best": ("Finished {step} steps in {time}; best validation loss {best:.3f} after {best_step} steps.",
                      "已完成 {step} 步，用时 {time}；最佳验证损失 {best:.3f}（第 {best_step} 步）。"),
    "failed": ("Training failed: {error}", "训练失败：{error}"),
    # Status lines, by stage (Status.detail fills them in).
    "status.model": ("Loading model {detail}", "正在加载模型 {detail}"),
    "status.data": ("Checking and tokenizing {detail}", "正在检查数据并分词：{detail}"),
    "status.resume": ("Resuming after step {detail}", "从第 {detail} 步之后继续训练"),
    "status.early_stop": ("No better validation loss in {detail} evaluations: stopping early",
                          "连续 {detail} 次验证没有更好的验证损失：提前停止"),
    "status.test": ("Evaluating on the test set", "正在测试集上评估"),
    "status.test_loss": ("Test loss of the base model and of the adapter", "正在计算基础模型和适配器的测试损失"),
    "status.eval_prompt": ("Answering held-out prompt {detail} with the base model and the adapter",
                           "基础模型和适配器正在回答留出的提示 {detail}"),
    "status.report": ("Writing the training report", "正在写训练报告"),
}


def status(stage: str, detail: object = "") -> Status:
    """A Status event of a known stage, its English line filled in."""
    return Status(stage, text(f"status.{stage}", "en", detail=detail), detail=str(detail))


def text(key: str, lang: str = "en", **values) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    english, chinese = TEXTS[key]
    return (chinese if lang == "zh" else english).format(**values)


def stop_reason(code: str, lang: str = "en") -> str | None:
    """Why a run stopped, in words; None for a reason this version does not know."""
    key = f"stop.{_LEGACY_STOP_REASONS.get(code, code)}"
    return text(key, lang) if key in TEXTS else None


def failure(event: Failed, lang: str = "en") -> str:
    """What went wrong, in words: the coded reasons translated, a core message as it was written."""
    if event.code == FAIL_KILLED:
        return text("fail.killed", lang)
    if event.code == FAIL_OUT_OF_MEMORY:
        return text("fail.out_of_memory", lang)
    if event.code == FAIL_ENDED:
        return text("fail.ended", lang, detail=event.error)
    return event.error


def describe_event(event: Event, lang: str = "en") -> str | None:
    """One line a person reads for ``event`` (None for events that are not worth a line)."""
    if isinstance(event, Status):
        key = f"status.{event.stage}"
        return text(key, lang, detail=event.detail) if key in TEXTS else event.message
    if isinstance(event, Started):
        share = 100.0 * event.trainable_parameters / max(event.total_parameters, 1)
        line = text("started", lang, total=event.total_iters, device=event.device, train=event.train_examples,
                    valid=event.valid_examples, trainable=event.trainable_parameters / 1e6,
                    params=event.total_parameters / 1e6, share=share)
        return line + (text("started.ranks", lang, ranks=event.ranks) if event.ranks > 1 else "")
    if isinstance(event, TrainReport):
        return text("train_report", lang, step=event.iteration, loss=event.train_loss, tps=event.tokens_per_second,
                    its=event.iterations_per_second, mem=event.peak_memory_gb)
    if isinstance(event, ValReport):
        return text("val_report.best" if event.is_best else "val_report", lang, step=event.iteration, loss=event.val_loss)
    if isinstance(event, CheckpointSaved):
        key = f"saved.{event.reason}"
        return text(key if key in TEXTS else "saved.periodic", lang, path=event.path)
    if isinstance(event, Paused):
        return text("paused", lang, step=event.iteration)
    if isinstance(event, Resumed):
        return text("resumed", lang)
    if isinstance(event, TestReport):
        return text("test_report", lang, loss=event.test_loss, ppl=event.test_ppl)
    if isinstance(event, Stopped):
        return text("stopped", lang, step=event.iteration, reason=stop_reason(event.reason, lang) or event.reason or "?")
    if isinstance(event, Finished):
        if event.best_val_loss is not None:
            return text("finished.best", lang, step=event.iteration, time=format_duration(event.elapsed_s),
                        best=event.best_val_loss, best_step=event.best_iteration)
        return text("finished", lang, step=event.iteration, time=format_duration(event.elapsed_s))
    if isinstance(event, Failed):
        return text("failed", lang, error=failure(event, lang))
    return None


def eta_seconds(elapsed: float, steps_done: int, steps_left: int) -> float | None:
    """Seconds left at the pace so far (None before the first step of this session)."""
    if steps_done <= 0 or elapsed < 0:
        return None
    return elapsed / steps_done * max(steps_left, 0)
