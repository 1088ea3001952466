"""The fit planner in words: every sentence of ``plan.FitPlan.lines``, in English and Chinese.

``TEXTS`` is ``{key: (english, chinese)}`` like the other tables of the core
(``lorastudio.core.runs.describe``, ``lorastudio.core.estimate.messages``);
``text(key, lang, **values)`` fills one in. The English is what the command
line prints (``lorastudio model info --fit``, ``lorastudio train --fit``); the
app asks for its interface language. The verdicts and the time units are the
estimate's own words (``messages.TEXTS``), so the plan and the estimate say
them alike. Technical names stay as they are in both languages: config
fields (``grad_checkpoint``, ``micro_batch_size``, ...), MLX, Metal, CPU,
CUDA, GB, 4-bit, logits. Pure data and functions, any thread.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh")

TEXTS: dict[str, tuple[str, str]] = {
    # --- the plan's frame (FitPlan.lines) ----------------------------------------------
    "heading": ("Make it fit: {usable} usable ({where}); it fits with headroom up to {fit} ({share:.0%} of that)",
                "让训练放得下：可用 {usable}（{where}）；不超过 {fit}（其中的 {share:.0%}）即为内存充足"),
    "where.machine": ("this machine, {device}", "本机，{device}"),
    "where.given": ("{memory} given, {device}", "指定 {memory}，{device}"),
    "start": ("As it is: {total}{time} -> {verdict}", "当前设置：{total}{time} → {verdict}"),
    "fits_already": ("It fits with headroom as it is: nothing to change.", "当前设置已经内存充足：无需更改。"),
    "step": ("{number}. {change} ({kind}): {total}{time} -> {verdict}",
             "{number}. {change}（{kind}）：{total}{time} → {verdict}"),
    "kind.keeps": ("same result", "结果不变"),
    "kind.changes": ("changes the result", "会改变结果"),
    "time": (", about {time} per step", "，每步约 {time}"),
    "settings": ("Settings: {settings}", "设置：{settings}"),
    "settings.quantized": ("model: a 4-bit copy (group size 64)", "model：4-bit 副本（分组大小 64）"),
    "quantize_first": ("Nothing but a 4-bit copy of the model can make it fit, so that comes first of the changes "
                       "to the result.",
                       "只有模型的 4-bit 副本能让它放得下，所以它排在会改变结果的更改之首。"),
    "result.fits": ("With these settings it fits with headroom: {total} of {fit}.",
                    "按这些设置内存充足：{total}，上限 {fit}。"),
    "result.no_fit": ("Nothing here makes it fit with headroom: at best {total} ({verdict}), above {fit}.",
                      "这里的办法都不能让它内存充足：最少 {total}（{verdict}），超过 {fit}。"),
    "result.rest": ("What keeps the result is not enough ({total}, {verdict}); it would also take, changing the "
                    "result (not applied): {changes}",
                    "保持结果不变的办法不够（{total}，{verdict}）；还需要以下会改变结果的更改（未应用）：{changes}"),
    "micro_counted": ("With micro-batches of {size} (the plan's prediction): {total} -> {verdict}",
                      "按每个微批次 {size} 条（规划的预测）：{total} → {verdict}"),
    "no_estimate": ("No fit plan for {model}: it is not on this machine yet; nothing changed.",
                    "无法为 {model} 规划：它还不在本机上；未做任何更改。"),
    # --- what each step changes (FitStep.change) -----------------------------------------
    "change.logit_free": ("sparse_loss and logit_free_loss on: logits only where the loss is taken, a chunk at a time",
                          "打开 sparse_loss 和 logit_free_loss：只在计算损失的位置分块计算 logits"),
    "change.grad_checkpoint": ("grad_checkpoint on: activations recomputed in the backward pass",
                               "打开 grad_checkpoint：反向传播时重新计算激活值"),
    "change.micro_batch": ("micro_batch_size {after}: each batch of {batch} runs as micro-batches of {after}, "
                           "the same step",
                           "micro_batch_size {after}：每个 {batch} 条的批次分成每份 {after} 条的微批次运行，训练步不变"),
    "change.clear_cache": ("clear_cache_threshold {threshold} bytes: MLX's cache of freed buffers is emptied past "
                           "{size} (the estimate does not count that cache)",
                           "clear_cache_threshold {threshold} 字节：MLX 缓存的空闲内存超过 {size} 时即清空"
                           "（估算不计这部分缓存）"),
    "change.num_layers": ("num_layers {before} -> {after}: adapters on fewer blocks",
                          "num_layers {before} → {after}：在更少的层上加适配器"),
    "change.rank": ("LoRA rank {before} -> {after}", "LoRA 秩（rank）{before} → {after}"),
    "change.max_seq_length": ("max_seq_length {before} -> {after}: longer examples are truncated",
                              "max_seq_length {before} → {after}：更长的样本会被截断"),
    "change.quantize": ("a 4-bit copy of the model (group size 64, e.g. mlx_lm.convert -q)",
                        "改用模型的 4-bit 副本（分组大小 64，例如 mlx_lm.convert -q）"),
}


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    english, chinese = TEXTS[key]
    return (chinese if lang == "zh" else english).format(**values)
