"""The memory and time estimate in Chinese: the text table, the summary of many estimates, the English pinned."""

import json
import re

import pytest

from conftest import CJK, placeholders

from lorastudio.core.base import environment
from lorastudio.core.base.paths import resources_dir
from lorastudio.core.config.presets import get_preset
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.estimate import messages
from lorastudio.core.estimate.forecast import MemoryEstimate, estimate_for_config, estimate_for_model
from lorastudio.core.estimate.messages import Phrase

QWEN_14B = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"
SEED = get_preset("seed-14b").apply()
# What the Chinese keeps in ASCII: technical names. Any other ASCII word is English left untranslated.
TECHNICAL = {"tokens", "max_seq_length", "sparse_loss", "mlx-lm", "evaluate", "logits", "config.json", "float32",
             "float16", "bfloat16", "4-bit", "8-bit", "GB", "GFLOP/s", "MLX", "Metal", "CPU", "GPU"}
ASCII_WORD = re.compile(r"[0-9A-Za-z_./-]*[A-Za-z][0-9A-Za-z_./-]*")
# Texts that are the same in both languages on purpose.
SAME = {"part.logits", "as_given"}



def english_words(text: str) -> set[str]:
    return {word.rstrip("./") for word in ASCII_WORD.findall(text)} - TECHNICAL


# ----------------------------------------------------------------------------
# the table


@pytest.mark.parametrize("key", sorted(messages.TEXTS))
def test_every_text_has_english_and_chinese_with_the_same_placeholders(key):
    english, chinese = messages.TEXTS[key]
    assert english.strip() and chinese.strip()
    assert placeholders(english) == placeholders(chinese)
    if key in SAME:
        assert chinese == english
    else:
        assert chinese != english and CJK.search(chinese)
        assert not english_words(re.sub(r"\{[^}]*\}", "", chinese)), chinese


def test_a_phrase_is_a_key_and_values_and_its_str_is_the_english():
    note = Phrase.of("note.sparse_loss", rows=1280, positions=3840)
    assert str(note) == "logits only where the loss is taken (sparse loss): at most 1,280 of 3,840 positions"
    assert note.text("zh") == "只在计算损失的位置计算 logits（sparse_loss）：最多 1,280 / 3,840 个位置"
    assert hash(note) and note == Phrase.of("note.sparse_loss", rows=1280, positions=3840)
    # Text a caller wrote is shown as it is, in every language.
    given = Phrase.given("the lengths I measured")
    assert given.text("zh") == str(given) == "the lengths I measured" and Phrase.given(note) is note
    with pytest.raises(KeyError):
        Phrase.of("note.no-such-note")


# ----------------------------------------------------------------------------
# the summary, pinned: an estimate made field by field


def made(**changes) -> MemoryEstimate:
    values = dict(model="m", device="cpu", batch_size=4, length=96, mean_length=84.2,
                  lengths_from=Phrase.of("lengths.data", count=53), grad_checkpoint=False, dtype="float32",
                  weights_gb=0.538, adapters_gb=0.003, optimizer_gb=0.006, gradients_gb=0.003, activations_gb=0.150,
                  logits_gb=0.050, other_gb=0.051, usable_gb=25.3, limit_gb=25.3, machine_gb=25.3, seconds_per_step=2.1,
                  tokens_per_step=336, device_gflops=104.0,
                  notes=(Phrase.of("note.sparse_loss", rows=128, positions=384),))
    return MemoryEstimate(**{**values, **changes})


def test_the_english_summary_is_as_before():
    """What the command line printed before the summary had a Chinese side, to the byte."""
    assert made().summary() == made().summary("en") == (
        "Memory estimate: batch 4 x 96 tokens, mean 84 (from the training data, 53 batches), "
        "no gradient checkpointing, float32 weights\n"
        "  weights 0.538 + adapters 0.003 + optimizer 0.006 + gradients 0.003 + activations 0.150 + logits 0.050 "
        "+ other 0.051 = 0.801 GB\n"
        "  This machine: 25.3 GB usable (MLX on the CPU: all of the RAM) -> fits\n"
        "  About 2.1 s per step (336 tokens; matrix multiplies run at 104 GFLOP/s here)\n"
        "  Note: logits only where the loss is taken (sparse loss): at most 128 of 384 positions")
    metal = made(device="metal", machine_gb=48.0, usable_gb=36.0, limit_gb=43.2, grad_checkpoint=True,
                 seconds_per_step=300.0, device_gflops=5.5, mean_length=96.0, dtype="bfloat16, 4-bit", notes=())
    assert metal.summary() == (
        "Memory estimate: batch 4 x 96 tokens (from the training data, 53 batches), gradient checkpointing, "
        "bfloat16, 4-bit weights\n"
        "  weights 0.538 + adapters 0.003 + optimizer 0.006 + gradients 0.003 + activations 0.150 + logits 0.050 "
        "+ other 0.051 = 0.801 GB\n"
        "  This machine: 36.0 GB usable (Metal: about 75% of 48 GB RAM; tight up to 90%) -> fits\n"
        "  About 5.0 min per step (336 tokens; matrix multiplies run at 5.5 GFLOP/s here)")
    gpu = made(device="cuda", seconds_per_step=9000.0, tokens_per_step=12345.6, device_gflops=12345.0, weights_gb=30.0,
               lengths_from=Phrase.of("lengths.batches", count=3), notes=())
    assert gpu.summary().splitlines()[2:] == [
        "  This machine: 25.3 GB usable (the GPU's memory) -> will not fit",
        "  About 2.5 h per step (12,346 tokens; matrix multiplies run at 12,345 GFLOP/s here)"]
    assert "(3 batch(es))" in gpu.summary()
    other = made(device="gpu", seconds_per_step=None, usable_gb=0.9, limit_gb=1.0, machine_gb=1.0,
                 lengths_from=Phrase.of("lengths.max_seq_length"),
                 notes=(Phrase.of("note.validation_peak"), Phrase.of("note.full_fine_tune"),
                        Phrase.of("note.config_weights_quantized", dtype="float16", quantization="4-bit")))
    assert other.summary().splitlines()[2:] == [
        "  This machine: 0.9 GB usable (the device's memory) -> tight",
        "  Note: the peak is the validation pass: mlx-lm's evaluate computes the logits of every position",
        "  Note: full fine-tuning: gradients and optimizer state cover every trained weight",
        "  Note: no weight files: weights counted from config.json as float16, 4-bit"]
    assert "(max_seq_length, the longest a batch can be)" in other.summary()


def test_the_chinese_summary_says_it_all_in_chinese():
    assert made().summary("zh") == (
        "内存估算：批次 4 × 96 tokens，平均 84（来自训练数据，共 53 个批次），未开启梯度检查点，float32 权重\n"
        "  权重 0.538 + 适配器 0.003 + 优化器状态 0.006 + 梯度 0.003 + 激活值 0.150 + logits 0.050 + 其他 0.051 = 0.801 GB\n"
        "  本机：可用 25.3 GB（MLX 使用 CPU：全部内存）→ 内存充足\n"
        "  每步约 2.1 秒（336 tokens；本机矩阵乘法速度为 104 GFLOP/s）\n"
        "  注：只在计算损失的位置计算 logits（sparse_loss）：最多 128 / 384 个位置")
    metal = made(device="metal", machine_gb=48.0, usable_gb=36.0, limit_gb=43.2, grad_checkpoint=True,
                 seconds_per_step=300.0, dtype="bfloat16, 4-bit").summary("zh")
    assert "开启梯度检查点，bfloat16、4-bit 权重" in metal and "每步约 5.0 分钟" in metal
    assert "（Metal：约为 48 GB 内存的 75%；不超过 90% 时为内存紧张）→ 内存充足" in metal
    tight = made(device="cuda", usable_gb=0.9, limit_gb=1.0, seconds_per_step=9000.0).summary("zh")
    assert "（GPU 的显存）→ 内存紧张" in tight and "每步约 2.5 小时" in tight
    assert "（设备的内存）→ 内存不足" in made(device="gpu", usable_gb=0.5, limit_gb=0.5).summary("zh")
    for estimate in (made(), made(device="metal"), made(device="cuda"), made(device="gpu", seconds_per_step=None)):
        assert not english_words(estimate.summary("zh")), estimate.summary("zh")


# ----------------------------------------------------------------------------
# real estimates: every one in Chinese, no English sentence left


@pytest.fixture
def bare_config(tmp_path):
    """A config.json alone with a large vocabulary: no weight files, and a validation pass that can be the peak."""
    path = tmp_path / "bare" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 50_000, "rms_norm_eps": 1e-5,
        "tie_word_embeddings": True, "torch_dtype": "float32"}))
    return path


@pytest.fixture
def quantized_config(tmp_path):
    path = tmp_path / "quantized" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 512, "rms_norm_eps": 1e-5,
        "tie_word_embeddings": True, "torch_dtype": "float16", "quantization": {"bits": 4, "group_size": 64}}))
    return path


def assert_chinese(estimate: MemoryEstimate) -> str:
    text = estimate.summary("zh")
    assert not english_words(text), text
    assert text.startswith("内存估算：") and "→ " in text
    assert len(text.splitlines()) == len(estimate.summary().splitlines())
    for note in estimate.notes:
        assert "  注：" + note.text("zh") in text and "  Note: " + str(note) in estimate.summary()
    return text


def test_the_tiny_model_on_this_machine_with_its_data_and_time(tiny_config):
    """The CPU (or this machine's device), batch lengths from the data, the time per step, the sparse loss."""
    estimate = estimate_for_config(tiny_config.replace(mask_prompt=True, sparse_loss=True))
    text = assert_chinese(estimate)
    assert "来自训练数据" in text and "每步约" in text and "GFLOP/s" in text
    assert any(note.key == "note.sparse_loss" for note in estimate.notes) and "sparse_loss" in text
    assert str(estimate.lengths_from).startswith("from the training data")


def test_checkpointing_and_full_fine_tuning(tiny_model, tiny_config):
    plain = assert_chinese(estimate_for_model(tiny_model, tiny_config, measure_speed=False))
    assert "未开启梯度检查点" in plain and "按 max_seq_length 计" in plain
    full = estimate_for_model(tiny_model, tiny_config.replace(grad_checkpoint=True, fine_tune_type="full"),
                              measure_speed=False)
    text = assert_chinese(full)
    assert "，开启梯度检查点，" in text and "全量微调" in text


def test_a_metal_machine(monkeypatch):
    """A 48 GB Mac, faked as the estimate's own tests fake it: the 14B seed run there."""
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: 48_000_000_000)
    estimate = estimate_for_model(QWEN_14B, SEED, device="metal", measure_speed=False)
    text = assert_chinese(estimate)
    assert "可用 36.0 GB（Metal：约为 48 GB 内存的 75%；不超过 90% 时为内存紧张）→ 内存不足" in text
    assert "没有权重文件：按 config.json 以 bfloat16 计算权重" in text
    ckpt = estimate_for_model(QWEN_14B, SEED.replace(grad_checkpoint=True), device="metal", measure_speed=False)
    assert "开启梯度检查点" in assert_chinese(ckpt)


@pytest.mark.parametrize("device", ["cpu", "cuda", "gpu"])
def test_other_devices_and_batch_lengths(device):
    estimate = estimate_for_model(QWEN_14B, SEED, device=device, batch_lengths=[300, 1000, 20], measure_speed=False)
    text = assert_chinese(estimate)
    assert "平均 440（3 个批次）" in text


def test_every_note_in_chinese(bare_config, quantized_config):
    config = TrainConfig(num_layers=2, batch_size=4, max_seq_length=129, grad_checkpoint=True)
    sparse = estimate_for_model(bare_config, config, batch_lengths=[128], logit_rows=[32], measure_speed=False)
    assert [note.key for note in sparse.notes] == ["note.validation_peak", "note.config_weights", "note.sparse_loss"]
    text = assert_chinese(sparse)
    assert "注：峰值出现在验证时" in text and "最多 32 / 512 个位置" in text
    quantized = estimate_for_model(quantized_config, config.replace(grad_checkpoint=False), measure_speed=False)
    assert "没有权重文件：按 config.json 以 float16、4-bit 计算权重" in assert_chinese(quantized)
    assert "Note: no weight files: weights counted from config.json as float16, 4-bit" in quantized.summary()
