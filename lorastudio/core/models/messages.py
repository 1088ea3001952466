"""The models' errors in words: every message of ``ModelError``, ``ModelInfoError`` and ``FuseError``, in English and Chinese.

``loading``, ``info`` and ``fuse`` raise their errors with ``say(key, **values)``
(``lorastudio.core.base.said``): ``str(error)`` is the English sentence (the
command line prints it, tests pin it) and ``error.text("zh")`` the Chinese one
for the app. Paths, repo ids, file names, option names and commands stay as they
are in both languages; so do other programs' words (an operating-system,
huggingface_hub or JSON error), except mlx-lm's refusal of an architecture,
which ``MLX_ERRORS`` says in Chinese. The GGUF import's errors (``GgufError``)
are here too; the GGUF export keeps its own English messages. Pure data and
functions, any thread.
"""

from __future__ import annotations

import re
from typing import Any

from lorastudio.core.base.said import Table

LANGUAGES = ("en", "zh")

# Conventions of the Chinese (as in core/report/i18n.py): full-width punctuation, paths and names as they are,
# "run" is 训练记录 (the Runs page's word), "adapter" 适配器, "checkpoint" 检查点.
TEXTS: dict[str, tuple[str, str]] = {
    # --- training on the CPU (loading.py) -------------------------------------------
    "cpu.slow_reason": ("MLX's CPU backend has no fast kernels for quantized or 16-bit weights: training them "
                        "runs 15-40x slower than training a float32 copy (measured on SmolLM2-135M).",
                        "MLX 的 CPU 后端没有针对量化或 16 位权重的快速内核：训练它们比训练 float32 副本"
                        "慢 15 到 40 倍（在 SmolLM2-135M 上实测）。"),
    "cpu.advice": ("This model's weights are {kind} and MLX is running on the CPU. {reason} "
                   "Train the float32 copy instead (--float32).",
                   "这个模型的权重是 {kind}，而 MLX 在 CPU 上运行。{reason}请改为训练 float32 副本（--float32）。"),
    # --- finding a model (loading.py) --------------------------------------------
    "model.gguf_file": ("{path} is a GGUF file: import it first (lorastudio import-gguf {path} OUT)",
                        "{path} 是 GGUF 文件：请先导入（lorastudio import-gguf {path} OUT）"),
    "model.only_config": ("{path} is only a config.json: training needs the folder with its weights",
                          "{path} 只是一个 config.json：训练需要含权重文件的模型文件夹"),
    "model.a_file": ("{path} is a file, not a model folder", "{path} 是文件，不是模型文件夹"),
    "model.no_config": ("{path} is not a model folder: config.json is missing", "{path} 不是模型文件夹：缺少 config.json"),
    "model.no_weights": ("{path} has no weights: no model*.safetensors file "
                         "(a PyTorch-only model must be converted with mlx_lm.convert)",
                         "{path} 没有权重：找不到 model*.safetensors 文件"
                         "（只有 PyTorch 权重的模型需要先用 mlx_lm.convert 转换）"),
    "model.offline": ("Cannot download {repo_id}: this machine is offline or Hugging Face cannot be reached, "
                      "and the model is not in the local cache. Download it on a connected machine "
                      "(or choose a local model folder).",
                      "无法下载 {repo_id}：这台机器处于离线状态或无法连接 Hugging Face，而本地缓存中没有这个模型。"
                      "请在联网的机器上下载它（或选择一个本地模型文件夹）。"),
    "model.gated": ("{repo_id} is gated on Hugging Face: accept its licence there and log in with `hf auth login`",
                    "{repo_id} 在 Hugging Face 上需要申请访问：请先在网站上接受它的许可协议，再用 `hf auth login` 登录"),
    "model.not_on_hub": ("{repo_id} does not exist on Hugging Face (or it is private)",
                         "Hugging Face 上没有 {repo_id}（或者它是私有的）"),
    "model.download_failed": ("Downloading {repo_id} failed: {error}", "下载 {repo_id} 失败：{error}"),
    "model.config_download_failed": ("Downloading the config.json of {repo_id} failed: {error}",
                                     "下载 {repo_id} 的 config.json 失败：{error}"),
    "model.none_chosen": ("no model chosen: give a model folder or a Hugging Face repo id",
                          "没有选择模型：请给出模型文件夹或 Hugging Face 仓库 ID"),
    "model.unknown": ("{model} is neither a folder on this machine nor a Hugging Face repo id (owner/name)",
                      "{model} 既不是本机上的文件夹，也不是 Hugging Face 仓库 ID（owner/name）"),
    "model.load_failed": ("{folder}: {mlx_error}", "{folder}：无法加载模型：{mlx_error}"),
    "model.load_error": ("{folder}: could not load ({kind}: {error})", "{folder}：无法加载（{kind}: {error}）"),
    # --- reading config.json (info.py) -------------------------------------------
    "info.missing": ("{source}: no such file or folder", "{source}：没有这个文件或文件夹"),
    "info.no_config": ("{path}: config.json is missing", "{path}：缺少 config.json"),
    "info.bad_json": ("{path}: not valid JSON ({error})", "{path}：不是有效的 JSON（{error}）"),
    "info.no_model_type": ("{path}: not a model config (no model_type)", "{path}：不是模型配置（没有 model_type）"),
    "info.architecture": ("{mlx_error}", "无法构建模型：{mlx_error}"),
    "info.too_many_layers": ("num_layers: {requested} layers requested but the model has only {layers}",
                             "num_layers：要求训练 {requested} 层，但模型只有 {layers} 层"),
    "info.keys_not_found": ("lora_parameters.keys: {missing} not found in the model's layers (it has e.g. {sample})",
                            "lora_parameters.keys：模型的层中没有 {missing}（模型中有 {sample} 等）"),
    # --- fusing an adapter (fuse.py) ---------------------------------------------
    "fuse.config_unreadable": ("{path}: cannot read the adapter config ({error})", "{path}：无法读取适配器配置（{error}）"),
    "fuse.not_adapter_file": ("{path} is not an adapter: give a run folder, its best/ folder, "
                              "an adapter folder or a NNNNNNN_adapters.safetensors checkpoint",
                              "{path} 不是适配器：请给出训练记录文件夹、其中的 best/ 文件夹、"
                              "适配器文件夹或 NNNNNNN_adapters.safetensors 检查点"),
    "fuse.no_config_beside": ("{path}: no adapter_config.json beside it, so its LoRA layers are unknown "
                              "(keep the checkpoint in its run folder)",
                              "{path}：旁边没有 adapter_config.json，无从知道它的 LoRA 层"
                              "（请把检查点留在它的训练记录文件夹中）"),
    "fuse.nothing_at": ("no adapter at {path} (no such file or folder)", "{path} 处没有适配器（没有这个文件或文件夹）"),
    "fuse.run_not_trained": ("{label} has no adapter yet ({path} is missing): train it first, or pick a numbered checkpoint",
                             "{label} 还没有适配器（缺少 {path}）：请先训练，或选择一个编号的检查点"),
    "fuse.not_adapter_folder": ("{path} is not an adapter folder: adapters.safetensors is missing",
                                "{path} 不是适配器文件夹：缺少 adapters.safetensors"),
    "fuse.no_config": ("{path} has adapters.safetensors but no adapter_config.json, so its LoRA layers are unknown",
                       "{path} 有 adapters.safetensors 但没有 adapter_config.json，无从知道它的 LoRA 层"),
    "fuse.no_best": ("run {run} has no best adapter (best/ is missing: the run has no validation yet, "
                     "or keep_best is off); use --checkpoint final or a number",
                     "训练记录 {run} 没有最佳适配器（缺少 best/：这次训练还没有验证过，或者 keep_best 已关闭）；"
                     "请使用 --checkpoint final 或一个步数"),
    "fuse.bad_checkpoint": ("checkpoint {checkpoint!r}: say final, best or a step number",
                            "检查点 {checkpoint!r}：请写 final、best 或一个步数"),
    "fuse.no_checkpoint": ("run {run} has no checkpoint {number} (checkpoints: {listed}; or use final or best)",
                           "训练记录 {run} 没有第 {number} 步的检查点（已有的检查点：{listed}；也可以用 final 或 best）"),
    "fuse.out_exists": ("{path} already exists and is not empty: choose a new folder (nothing was overwritten)",
                        "{path} 已存在且不是空文件夹：请选择一个新文件夹（没有覆盖任何文件）"),
    "fuse.misfit": ("the adapter of {label} does not fit the model {model}: {detail}{more}{hint}. "
                    "Fuse it into the model it was trained on",
                    "{label} 的适配器与模型 {model} 不匹配：{detail}{more}{hint}。请把它融合到训练它时所用的模型中"),
    "fuse.misfit_more": (" (and {count} more)", "（另有 {count} 处）"),
    "fuse.misfit_trained": ("; it was trained on {model}", "；它是在 {model} 上训练的"),
    # --- importing a GGUF file (gguf_import.py, gguf_arch.py, gguf_tokenizer.py) ---------
    "gguf.no_file": ("{path}: no such file", "{path}：没有这个文件"),
    "gguf.not_gguf": ("{path}: not a GGUF file (it does not start with the GGUF signature)",
                      "{path}：不是 GGUF 文件（开头没有 GGUF 标记）"),
    "gguf.corrupt": ("{path}: the GGUF file is truncated or corrupt (the download or copy may be incomplete; {error})",
                     "{path}：GGUF 文件被截断或已损坏（下载或复制可能不完整；{error}）"),
    "gguf.past_end": ("{path}: the GGUF file is truncated (tensor {tensor!r} ends after the end of the file; "
                      "the download or copy may be incomplete)",
                      "{path}：GGUF 文件被截断（张量 {tensor!r} 超出了文件末尾；下载或复制可能不完整）"),
    "gguf.problem": ("{path}: {problem}", "GGUF 文件 {path}：{problem}"),
    "gguf.out_not_empty": ("{path}: cannot import into {out}: it exists and is not an empty folder",
                           "{path}：无法导入到 {out}：它已存在且不是空文件夹"),
    "gguf.bad_precision": ("{path}: unknown precision {precision!r} (choose one of {choices}, or None to keep the "
                           "file's quantization)",
                           "{path}：未知的精度 {precision!r}（请从 {choices} 中选择，或用 None 保留文件的量化）"),
    "gguf.rope_freqs": ("{path}: unsupported RoPE frequency factors (rope_freqs.weight is not Llama 3 style)",
                        "{path}：不支持的 RoPE 频率因子（rope_freqs.weight 不是 Llama 3 的形式）"),
    # The problems (the {problem} of gguf.problem; also the preview's reason).
    "gguf.no_arch": ("the GGUF metadata has no general.architecture", "GGUF 元数据中没有 general.architecture"),
    "gguf.arch": ('unsupported architecture "{arch}" (supported: {supported}; Mistral models are filed as llama)',
                  "不支持的架构“{arch}”（支持：{supported}；Mistral 模型在 GGUF 中记为 llama）"),
    "gguf.moe": ("mixture-of-experts models (expert_count {count}) are not supported",
                 "不支持混合专家模型（expert_count {count}）"),
    "gguf.lacks_key": ("the GGUF metadata lacks {key}", "GGUF 元数据中缺少 {key}"),
    "gguf.per_layer": ("per-layer sizes ({key}) are not supported", "不支持逐层不同的尺寸（{key}）"),
    "gguf.heads": ("inconsistent attention heads in the metadata ({heads} heads, {kv_heads} key/value heads)",
                   "元数据中的注意力头数不一致（{heads} 个头，{kv_heads} 个键/值头）"),
    "gguf.rope_scaling": ('unsupported RoPE scaling "{scaling}"', "不支持的 RoPE 缩放“{scaling}”"),
    "gguf.partial_rope": ("partial rotary embeddings (rope.dimension_count {dims} of {head_dim}) are not supported",
                          "不支持部分旋转位置编码（rope.dimension_count 为 {dims}，头大小为 {head_dim}）"),
    "gguf.types": ("unsupported tensor type {kinds}; the types gguf can read are {readable}",
                   "不支持的张量类型 {kinds}；gguf 能读取的类型有 {readable}"),
    "gguf.no_embedding": ("the GGUF file has no token_embd.weight tensor", "GGUF 文件中没有 token_embd.weight 张量"),
    "gguf.metadata_corrupt": ("the GGUF metadata is inconsistent or corrupt ({error})",
                              "GGUF 元数据不一致或已损坏（{error}）"),
    "gguf.no_tokenizer": ("the GGUF metadata has no tokenizer (tokenizer.ggml.model / tokenizer.ggml.tokens are "
                          "missing)", "GGUF 元数据中没有分词器（缺少 tokenizer.ggml.model / tokenizer.ggml.tokens）"),
    "gguf.tokenizer_model": ('unsupported tokenizer model "{model}" (byte-level BPE "gpt2" and SentencePiece '
                             '"llama" can be converted)',
                             "不支持的分词器模型“{model}”（可以转换字节级 BPE“gpt2”和 SentencePiece“llama”）"),
    "gguf.no_merges": ("the GGUF tokenizer has no merges (tokenizer.ggml.merges)",
                       "GGUF 分词器没有合并规则（tokenizer.ggml.merges）"),
    "gguf.no_scores": ("the SentencePiece tokenizer has neither scores nor merges",
                       "SentencePiece 分词器既没有分数也没有合并规则"),
    "gguf.bad_merge": ("the GGUF tokenizer has a malformed merge {merge!r} (expected two tokens)",
                       "GGUF 分词器有一条格式错误的合并规则 {merge!r}（应为两个词元）"),
    "gguf.merge_unknown": ("the GGUF tokenizer is inconsistent (merge {a!r} {b!r} uses tokens not in the vocabulary)",
                           "GGUF 分词器不一致（合并规则 {a!r} {b!r} 用到了词表中没有的词元）"),
    "gguf.tokenizer_failed": ("the tokenizer could not be converted ({error})", "无法转换分词器（{error}）"),
    "gguf.mlx_cannot_build": ("mlx-lm cannot build this model ({error})", "mlx-lm 无法构建这个模型（{error}）"),
    "gguf.no_name": ("no GGUF name is known for mlx-lm's {name} ({arch})", "mlx-lm 的 {name} 没有已知的 GGUF 名称（{arch}）"),
    "gguf.lacks_tensor": ("the GGUF file lacks tensor {tensor} (for a {arch} model of this size)",
                          "GGUF 文件中缺少张量 {tensor}（这种尺寸的 {arch} 模型需要它）"),
    "gguf.shape": ("{tensor} has shape {shape}; the metadata implies {expected}",
                   "{tensor} 的形状是 {shape}；元数据要求 {expected}"),
    "gguf.unexpected_tensor": ("unexpected tensor {tensor!r} for a {arch} model", "{arch} 模型中出现了意外的张量 {tensor!r}"),
    # An adapter's label (AdapterSource.label) and a word or two inside the sentences.
    "label.run_final": ("run {run} (final)", "训练记录 {run}（最终）"),
    "label.run_best": ("run {run} (best)", "训练记录 {run}（最佳）"),
    "label.run_checkpoint": ("run {run} (checkpoint {step})", "训练记录 {run}（第 {step} 步的检查点）"),
    "label.run_file": ("run {run} ({file})", "训练记录 {run}（{file}）"),
    "word.none": ("none", "无"),
    "word.quantized": ("quantized", "量化"),
}

#: mlx-lm's refusals (the ``mlx_error`` value) in Chinese, as mlx-lm 0.32 words them; others stay as mlx-lm wrote them.
MLX_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Model type (?P<type>\S+) not supported\.$"), "mlx-lm 不支持模型类型 {type}"),
]


def _word(name: str, value: Any, lang: str) -> Any:
    """A value that is words itself (mlx-lm's refusal, "quantized") in ``lang``; others as they are."""
    if name == "kind" and value == "quantized":
        return TEXTS["word.quantized"][lang == "zh"]
    if lang == "zh" and name == "mlx_error":
        for pattern, chinese in MLX_ERRORS:
            match = pattern.match(str(value))
            if match:
                return chinese.format(**match.groupdict())
    return value


TABLE = Table(TEXTS, _word)


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    return TABLE.text(key, lang, **values)
