"""The chat engine's errors in words: adapters and chat templates, in English and Chinese.

``adapters`` raises ``AdapterError`` and ``template`` raises ``ChatTemplateError``
with ``say(key, **values)`` (``lorastudio.core.base.said``): ``str(error)`` is the
English sentence (the command line prints it, tests pin it) and
``error.text("zh")`` the Chinese one for the app's Chat page. Paths, run names,
file and option names stay as they are in both languages; so do other
programs' words (a JSON, operating-system, MLX or Jinja error, the exception a
template raises). A template's name (the ``source`` value) is said in Chinese
when it is one of the engine's own (``SOURCES``, ``chat template FILE``).
Pure data and functions, any thread.
"""

from __future__ import annotations

from typing import Any

from lorastudio.core.base.said import Table

LANGUAGES = ("en", "zh")

# Conventions of the Chinese (as in core/report/i18n.py): full-width punctuation, paths and names as they are,
# "run" is 训练记录 (the Runs page's word), "adapter" 适配器, "checkpoint" 检查点, "step" 步.
TEXTS: dict[str, tuple[str, str]] = {
    # --- finding an adapter (adapters.py) ----------------------------------------
    "adapter.bad_json": ("{path} is not valid JSON (line {line}: {error}); the adapter cannot be used",
                         "{path} 不是有效的 JSON（第 {line} 行：{error}）；无法使用这个适配器"),
    "adapter.unreadable": ("cannot read {path}: {error}", "无法读取 {path}：{error}"),
    "adapter.not_object": ("{path} should hold a JSON object (mlx-lm's adapter settings)",
                           "{path} 应包含一个 JSON 对象（mlx-lm 的适配器设置）"),
    "adapter.bad_kind": ("{path}: fine_tune_type {kind!r} is not lora, dora or full",
                         "{path}：fine_tune_type {kind!r} 不是 lora、dora 或 full"),
    "adapter.no_num_layers": ("{path}: num_layers is missing (mlx-lm needs it to place the adapter)",
                              "{path}：缺少 num_layers（mlx-lm 需要它来放置适配器）"),
    "adapter.no_lora_parameters": ("{path}: lora_parameters with rank and scale are missing "
                                   "(mlx-lm needs them to build the adapter)",
                                   "{path}：缺少含 rank 和 scale 的 lora_parameters（mlx-lm 需要它们来构建适配器）"),
    "adapter.run_not_trained": ("run {run} has no adapter yet ({path} is missing): train it first",
                                "训练记录 {run} 还没有适配器（缺少 {path}）：请先训练"),
    "adapter.not_folder": ("{folder} is not an adapter folder: it has no adapter_config.json and no adapters.safetensors",
                           "{folder} 不是适配器文件夹：其中既没有 adapter_config.json，也没有 adapters.safetensors"),
    "adapter.never_saved": ("{folder} has adapter_config.json but no adapters.safetensors: "
                            "the adapter was never saved there",
                            "{folder} 有 adapter_config.json 但没有 adapters.safetensors：适配器从未保存在这里"),
    "adapter.no_config": ("{folder} has adapters.safetensors but no adapter_config.json "
                          "(mlx-lm needs it to place the adapter)",
                          "{folder} 有 adapters.safetensors 但没有 adapter_config.json（mlx-lm 需要它来放置适配器）"),
    "adapter.not_adapter_file": ("{path} is not an adapter: give a run, an adapter folder or a .safetensors adapter file",
                                 "{path} 不是适配器：请给出训练记录、适配器文件夹或 .safetensors 适配器文件"),
    "adapter.no_config_beside": ("{path} has no adapter_config.json beside it (mlx-lm needs it to place the adapter)",
                                 "{path} 旁边没有 adapter_config.json（mlx-lm 需要它来放置适配器）"),
    "adapter.bad_at": ("{spec}: after @ give best, final or a step number", "{spec}：@ 后面应为 best、final 或一个步数"),
    "adapter.no_step": ("run {run} has no checkpoint of step {step} (saved steps: {saved})",
                        "训练记录 {run} 没有第 {step} 步的检查点（已保存的步数：{saved}）"),
    "adapter.none_given": ("no adapter given: name a run or an adapter folder or file",
                           "没有指定适配器：请给出训练记录的名称，或适配器文件夹或文件"),
    "adapter.not_found": ("no adapter at {spec}: no such file or folder, and no run named {spec} in {runs}",
                          "{spec} 处没有适配器：没有这个文件或文件夹，{runs} 中也没有名为 {spec} 的训练记录"),
    # --- putting it on the model (adapters.py) -----------------------------------
    "adapter.mismatch": ("adapter {label} ({path}) does not fit {model}: {count} of its {total} tensors do not "
                         "match the model (e.g. {example}).{trained} Choose an adapter trained on this model.",
                         "适配器 {label} 与 {model} 不匹配：{path} 的 {total} 个张量中有 {count} 个与模型不符"
                         "（例如 {example}）。{trained}请选择在这个模型上训练的适配器。"),
    "adapter.not_a_parameter": ("{name} is not an adapter parameter of the model", "{name} 不是模型中的适配器参数"),
    "adapter.shape": ("{name} has shape {adapter} in the adapter but {model} in the model",
                      "{name} 在适配器中的形状是 {adapter}，在模型中却是 {model}"),
    "adapter.trained_on": (" It was trained on {model}.", "它是在 {model} 上训练的。"),
    "adapter.cannot_apply": ("adapter {label} cannot be applied to {model}: {error}",
                             "适配器 {label} 无法应用到 {model}：{error}"),
    "adapter.unreadable_weights": ("cannot read the adapter weights {path}: {error}", "无法读取适配器权重 {path}：{error}"),
    "adapter.no_weights": ("{path} holds no adapter weights", "{path} 中没有适配器权重"),
    # An adapter's label (AdapterSource.label) and a word or two inside the sentences.
    "label.best": ("{run} (best)", "{run}（最佳）"),
    "label.step": ("{run} (step {step})", "{run}（第 {step} 步）"),
    "label.folder": ("{run} ({folder})", "{run}（{folder}）"),
    "word.the_model": ("the model", "该模型"),
    "word.none": ("none", "无"),
    # --- chat templates (template.py) --------------------------------------------
    "template.missing_file": ("chat template file {path} does not exist", "聊天模板文件 {path} 不存在"),
    "template.unreadable": ("cannot read chat template file {path}: {error}", "无法读取聊天模板文件 {path}：{error}"),
    "template.empty": ("chat template file {path} is empty", "聊天模板文件 {path} 是空的"),
    "template.none": ("model {model} has no chat template: give one (a Jinja template file, "
                      "e.g. lorastudio chat --template FILE)",
                      "模型 {model} 没有聊天模板：请提供一个（Jinja 模板文件，例如 lorastudio chat --template FILE）"),
    "template.syntax": ("{source} is not valid Jinja: line {line}: {error}", "{source}不是有效的 Jinja：第 {line} 行：{error}"),
    "template.failed": ("{source} failed on this conversation{where}: {kind}: {error}",
                        "{source}处理这段对话时出错{where}：{kind}: {error}"),
    "template.where": (" (line {line})", "（第 {line} 行）"),
    "template.no_text": ("{source} did not produce text", "{source}没有生成文本"),
}

#: The template names the engine and the command line give (the ``source`` value), in Chinese.
SOURCES: dict[str, str] = {
    "the model's chat template": "模型自带的聊天模板",
    "the given chat template": "所给的聊天模板",
}
_FILE_SOURCE = "chat template "  # the command line's "chat template FILE"


def _word(name: str, value: Any, lang: str) -> Any:
    """A template's name (``source``) in ``lang``; other values as they are.

    The Chinese sentences put ``{source}`` right before their first word: a
    name in Chinese joins it, a file name gets a space ("my.jinja 不是…").
    """
    if lang == "zh" and name == "source":
        value = str(value)
        if value in SOURCES:
            return SOURCES[value]
        if value.startswith(_FILE_SOURCE):
            return f"聊天模板 {value[len(_FILE_SOURCE):]} "
        return f"{value} "
    return value


TABLE = Table(TEXTS, _word)


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    return TABLE.text(key, lang, **values)
