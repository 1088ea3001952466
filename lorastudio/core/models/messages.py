"""The models' errors in words: every message of ``ModelError``, ``ModelInfoError`` and ``FuseError``, in English and Chinese.

``loading``, ``info`` and ``fuse`` raise their errors with ``say(key, **values)``
(``lorastudio.core.base.said``): ``str(error)`` is the English sentence (the
command line prints it, tests pin it) and ``error.text("zh")`` the Chinese one
for the app. Paths, repo ids, file names, option names and commands stay as they
are in both languages; so do other programs' words (an operating-system,
huggingface_hub or JSON error), except mlx-lm's refusal of an architecture,
which ``MLX_ERRORS`` says in Chinese. The GGUF import and export keep their own
English messages. Pure data and functions, any thread.
"""

from __future__ import annotations

import re
from typing import Any

from lorastudio.core.base.said import Table

LANGUAGES = ("en", "zh")

# Conventions of the Chinese (as in core/report/i18n.py): full-width punctuation, paths and names as they are,
# "run" is 训练记录 (the Runs page's word), "adapter" 适配器, "checkpoint" 检查点.
TEXTS: dict[str, tuple[str, str]] = {
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
    # An adapter's label (AdapterSource.label) and a word or two inside the sentences.
    "label.run_final": ("run {run} (final)", "训练记录 {run}（最终）"),
    "label.run_best": ("run {run} (best)", "训练记录 {run}（最佳）"),
    "label.run_checkpoint": ("run {run} (checkpoint {step})", "训练记录 {run}（第 {step} 步的检查点）"),
    "label.run_file": ("run {run} ({file})", "训练记录 {run}（{file}）"),
    "word.none": ("none", "无"),
}

#: mlx-lm's refusals (the ``mlx_error`` value) in Chinese, as mlx-lm 0.32 words them; others stay as mlx-lm wrote them.
MLX_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Model type (?P<type>\S+) not supported\.$"), "mlx-lm 不支持模型类型 {type}"),
]


def _word(name: str, value: Any, lang: str) -> Any:
    """A value that is words itself (mlx-lm's refusal) in ``lang``; others as they are."""
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
