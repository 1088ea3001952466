"""The memory and time estimate in words: every sentence of its summary, in English and Chinese.

``forecast.MemoryEstimate.summary(lang)`` builds its lines from ``TEXTS``: the
heading (batch, lengths, checkpointing, dtype), the breakdown's term names,
this machine's memory and the verdict, the time per step and the notes. The
notes and the phrase saying where the batch lengths came from are kept in
the estimate as a ``Phrase`` (a key of ``TEXTS`` and its values), not as a
finished sentence, so that they can be said in either language; ``str()`` of
a phrase is its English. The English is what the command line prints (and
what the tests pin); the app asks for its interface language (see
``lorastudio.ui.i18n.core_language``). Technical names stay as they are in
both languages: ``max_seq_length``, ``sparse_loss``, mlx-lm's ``evaluate``,
config.json, dtypes (float32, 4-bit), GB, GFLOP/s, MLX, Metal, CPU, GPU,
logits, tokens. Pure data and functions, any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LANGUAGES = ("en", "zh")

# Conventions of the Chinese: full-width punctuation between words, "×" for a batch's
# rows x tokens, and the verdicts worded as the Model page's verdict label words them.
TEXTS: dict[str, tuple[str, str]] = {
    # --- the summary's lines (forecast.MemoryEstimate.summary) ----------------------
    "summary.heading": ("Memory estimate: batch {batch} x {length} tokens{mean} ({lengths_from}), {checkpointing}, "
                        "{dtype} weights",
                        "内存估算：批次 {batch} × {length} tokens{mean}（{lengths_from}），{checkpointing}，{dtype} 权重"),
    "summary.mean": (", mean {mean:.0f}", "，平均 {mean:.0f}"),
    "summary.checkpointing": ("gradient checkpointing", "开启梯度检查点"),
    "summary.no_checkpointing": ("no gradient checkpointing", "未开启梯度检查点"),
    "summary.machine": ("This machine: {usable:.1f} GB usable ({where}) -> {verdict}",
                        "本机：可用 {usable:.1f} GB（{where}）→ {verdict}"),
    "summary.time": ("About {time} per step ({tokens:,.0f} tokens; matrix multiplies run at {gflops} GFLOP/s here)",
                     "每步约 {time}（{tokens:,.0f} tokens；本机矩阵乘法速度为 {gflops} GFLOP/s）"),
    "summary.note": ("Note: {note}", "注：{note}"),
    # The terms of the breakdown (MemoryEstimate.breakdown's keys).
    "part.weights": ("weights", "权重"),
    "part.adapters": ("adapters", "适配器"),
    "part.optimizer": ("optimizer", "优化器状态"),
    "part.gradients": ("gradients", "梯度"),
    "part.activations": ("activations", "激活值"),
    "part.logits": ("logits", "logits"),
    "part.other": ("other", "其他"),
    # What MLX may use on this machine (MemoryEstimate.device).
    "where.cpu": ("MLX on the CPU: all of the RAM", "MLX 使用 CPU：全部内存"),
    "where.metal": ("Metal: about {share:.0%} of {ram:.0f} GB RAM; tight up to {limit:.0%}",
                    "Metal：约为 {ram:.0f} GB 内存的 {share:.0%}；不超过 {limit:.0%} 时为内存紧张"),
    "where.cuda": ("the GPU's memory", "GPU 的显存"),
    "where.other": ("the device's memory", "设备的内存"),
    # The verdicts (MemoryEstimate.verdict: "fits", "tight", "will not fit").
    "verdict.fits": ("fits", "内存充足"),
    "verdict.tight": ("tight", "内存紧张"),
    "verdict.will_not_fit": ("will not fit", "内存不足"),
    # Time units of the seconds per step ({value} is already formatted).
    "time.seconds": ("{value} s", "{value} 秒"),
    "time.minutes": ("{value} min", "{value} 分钟"),
    "time.hours": ("{value} h", "{value} 小时"),
    # --- where the batch lengths came from (MemoryEstimate.lengths_from) ---------------
    "lengths.max_seq_length": ("max_seq_length, the longest a batch can be", "按 max_seq_length 计，即批次可能的最大长度"),
    "lengths.batches": ("{count} batch(es)", "{count} 个批次"),
    "lengths.data": ("from the training data, {count} batches", "来自训练数据，共 {count} 个批次"),
    # --- notes (MemoryEstimate.notes) --------------------------------------------------
    "note.validation_peak": ("the peak is the validation pass: mlx-lm's evaluate computes the logits of every position",
                             "峰值出现在验证时：mlx-lm 的 evaluate 会计算每个位置的 logits"),
    "note.config_weights": ("no weight files: weights counted from config.json as {dtype}",
                            "没有权重文件：按 config.json 以 {dtype} 计算权重"),
    "note.config_weights_quantized": ("no weight files: weights counted from config.json as {dtype}, {quantization}",
                                      "没有权重文件：按 config.json 以 {dtype}、{quantization} 计算权重"),
    "note.sparse_loss": ("logits only where the loss is taken (sparse loss): at most {rows:,} of {positions:,} positions",
                         "只在计算损失的位置计算 logits（sparse_loss）：最多 {rows:,} / {positions:,} 个位置"),
    "note.full_fine_tune": ("full fine-tuning: gradients and optimizer state cover every trained weight",
                            "全量微调：梯度和优化器状态覆盖每个被训练的权重"),
    # --- the app, when this version has no estimate (ui.panels.model_jobs) -------------
    "unavailable": ("the memory estimate is not available in this version", "此版本没有内存估算"),
    # A phrase given as finished text by a caller (estimate_for_model's lengths_from): as it is.
    "as_given": ("{text}", "{text}"),
}


def _word(name: str, value: Any, lang: str) -> Any:
    """A value in ``lang``: a phrase is said in it, a dtype with its quantization joined the Chinese way."""
    if isinstance(value, Phrase):
        return value.text(lang)
    if lang == "zh" and name == "dtype" and isinstance(value, str):
        return value.replace(", ", "、")  # "float16, 4-bit" -> "float16、4-bit"
    return value


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    english, chinese = TEXTS[key]
    words = {name: _word(name, value, lang) for name, value in values.items()}
    return (chinese if lang == "zh" else english).format(**words)


@dataclass(frozen=True)
class Phrase:
    """A sentence of the estimate by its key in ``TEXTS`` and its values; ``str()`` is the English."""

    key: str
    values: tuple[tuple[str, Any], ...] = ()  # (name, value) pairs: a tuple keeps the estimate hashable

    @classmethod
    def of(cls, key: str, **values: Any) -> Phrase:
        if key not in TEXTS:
            raise KeyError(f"no estimate text {key!r}")
        return cls(key, tuple(values.items()))

    @classmethod
    def given(cls, value: str | Phrase) -> Phrase:
        """A phrase as it is: text a caller wrote (the same in every language), or a phrase already."""
        return value if isinstance(value, Phrase) else cls.of("as_given", text=str(value))

    def text(self, lang: str = "en") -> str:
        """The phrase in ``lang`` ("en" or "zh")."""
        return text(self.key, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.text("en")
