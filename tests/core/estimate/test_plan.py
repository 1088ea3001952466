"""Make it fit: the plan's order, its stop, an empty plan, a memory nothing fits, its words in both languages."""

import re
from pathlib import Path

import pytest

from conftest import CJK, make_tiny_config, placeholders
from lorastudio.core.base.paths import resources_dir
from lorastudio.core.config.presets import get_preset
from lorastudio.core.estimate import plan as planning
from lorastudio.core.estimate import plan_messages
from lorastudio.core.estimate.forecast import FIT_SHARE, estimate_for_model
from lorastudio.core.estimate.plan import FitPlan, memory_for, plan_fit, plan_for_config, result_preserving

QWEN_14B = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"
SEED = get_preset("seed-14b").apply()
KEEPS = {"logit_free", "grad_checkpoint", "micro_batch", "clear_cache"}
CHANGES = {"num_layers", "rank", "max_seq_length", "quantize"}
CHINESE_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]")  # full-width: a frame of Chinese punctuation only
# What the Chinese keeps in ASCII: technical names. Any other ASCII word is English left untranslated.
TECHNICAL = {"sparse_loss", "logit_free_loss", "logits", "grad_checkpoint", "micro_batch_size", "clear_cache_threshold",
             "num_layers", "LoRA", "rank", "max_seq_length", "model", "4-bit", "mlx_lm.convert", "-q", "MLX", "GB"}
ASCII_WORD = re.compile(r"[0-9A-Za-z_./-]*[A-Za-z][0-9A-Za-z_./-]*")


def total(model, config, **options) -> float:
    return estimate_for_model(model, config, measure_speed=False, **options).total_gb


def memory_fitting(total_gb: float) -> float:
    """A memory (CPU rules) in which ``total_gb`` just fits with headroom."""
    return total_gb / FIT_SHARE * 1.001


def plan(model, config, **options) -> FitPlan:
    return plan_fit(model, config, measure_speed=False, **options)


def preserving_moves(config):
    """Every result-preserving change the planner could still make to ``config``."""
    moves = []
    if not (config.sparse_loss and config.logit_free_loss):
        moves.append(config.replace(sparse_loss=True, logit_free_loss=True))
    if not config.grad_checkpoint:
        moves.append(config.replace(grad_checkpoint=True))
    size = min(config.micro_batch_size or config.batch_size, config.batch_size)
    if size > 1:
        moves.append(config.replace(micro_batch_size=size // 2))
    return moves


def check_order_and_stop(result: FitPlan, model, folder: Path, device="cpu"):
    """Preserving steps first; no result-changing step while a preserving one could still help; a stop at "fits".

    ``folder``: where the 4-bit copy's config.json is written again (the plan's own is gone with its temporary folder).
    """
    steps = result.steps
    kinds = [step.keeps_result for step in steps]
    if False in kinds:
        first_change = kinds.index(False)
        assert all(kinds[:first_change]), [step.knob for step in steps]
    assert all(step.keeps_result == (step.knob in KEEPS) for step in steps)
    usable, limit, _ = memory_for(device, result.machine_gb if result.memory_given else None)
    predictor = planning._Predictor(model, device, usable, limit, None, None, False)
    for i, step in enumerate(steps):
        before = steps[i - 1] if i else None
        config, now = (before.config, before.total_gb) if before else (result.start_config, result.start.total_gb)
        assert (before.verdict if before else result.start.verdict) != "fits"  # a plan stops as soon as it fits
        if step.keeps_result or step.knob == "quantize":
            continue
        source = planning._quantized_config(model, folder) if before is not None and before.quantized else None
        for move in preserving_moves(config):
            better = predictor.predict(move, source)
            assert better.total_gb > now * (1 - planning.MIN_GAIN) and better.verdict != "fits", (step.knob, move)
        if not config.clear_cache_threshold:
            raise AssertionError(f"{step.knob} before clear_cache_threshold")


# ----------------------------------------------------------------------------
# the plan


def test_a_config_that_fits_already_gives_an_empty_plan(tiny_model):
    config = make_tiny_config(tiny_model, "")
    result = plan(tiny_model, config, memory_gb=1000.0)
    assert result.steps == () and result.fits and result.keeps_result
    assert result.config == config and result.changed_settings() == {}
    assert result.lines()[-1] == "It fits with headroom as it is: nothing to change."
    assert result_preserving(result).steps == () and result_preserving(result).config == config


def test_it_stops_at_the_first_step_that_fits(tiny_model):
    config = make_tiny_config(tiny_model, "")
    whole = total(tiny_model, config)
    checkpointed = total(tiny_model, config.replace(grad_checkpoint=True))
    assert checkpointed < whole * (1 - planning.MIN_GAIN)
    memory = memory_fitting(checkpointed)
    assert whole > FIT_SHARE * memory
    result = plan(tiny_model, config, memory_gb=memory, device="cpu")
    assert [step.knob for step in result.steps] == ["grad_checkpoint"]
    assert result.fits and result.verdict == "fits" and result.start.verdict != "fits"
    assert result.total_gb == pytest.approx(checkpointed)
    assert result.changed_settings() == {"grad_checkpoint": True}
    assert result.steps[0].settings["grad_checkpoint"] is True and result.steps[0].settings["quantized"] is False
    lines = result.lines()
    assert lines[0].startswith("Make it fit: ") and "given, CPU" in lines[0]
    assert lines[2].startswith("1. grad_checkpoint on") and "(same result)" in lines[2] and lines[2].endswith("-> fits")
    assert lines[-1].startswith("With these settings it fits with headroom")


def test_what_keeps_the_result_comes_first_then_what_changes_it(tiny_model, tmp_path):
    config = make_tiny_config(tiny_model, "", sparse_loss=False, logit_free_loss=False)
    result = plan(tiny_model, config, memory_gb=0.002, device="cpu")
    knobs = [step.knob for step in result.steps]
    # Without data the estimate may or may not see the logit-free loss's gain; when it does, it comes first.
    assert "logit_free" not in knobs[1:] and [k for k in knobs if k != "logit_free"][:2] == ["grad_checkpoint",
                                                                                          "micro_batch"], knobs
    assert "clear_cache" in knobs and any(knob in CHANGES for knob in knobs)
    check_order_and_stop(result, tiny_model, tmp_path)
    # Each step lowers the prediction (clear_cache_threshold excepted: the estimate does not count MLX's cache).
    previous = result.start.total_gb
    for step in result.steps:
        assert step.total_gb < previous or step.knob == "clear_cache"
        previous = step.total_gb
    # What changes the result comes only once nothing that keeps it is left.
    first_change = next(step for step in result.steps if not step.keeps_result)
    before = result.steps[result.steps.index(first_change) - 1].config
    assert before.grad_checkpoint and before.clear_cache_threshold > 0


def test_with_data_the_sparse_loss_comes_first(tiny_model, tiny_data):
    config = make_tiny_config(tiny_model, tiny_data, sparse_loss=False, logit_free_loss=False, mask_prompt=True)
    result = plan_for_config(config, memory_gb=1e-5, measure_speed=False)
    knobs = [step.knob for step in result.steps]
    assert knobs[:3] == ["logit_free", "grad_checkpoint", "micro_batch"], knobs
    assert result.steps[0].config.sparse_loss and result.steps[0].config.logit_free_loss
    assert result.steps[0].change() == ("sparse_loss and logit_free_loss on: logits only where the loss is taken, "
                                        "a chunk at a time")


def test_a_memory_nothing_fits_in_says_so(tiny_model):
    config = make_tiny_config(tiny_model, "")
    result = plan(tiny_model, config, memory_gb=1e-6)
    assert not result.fits and result.verdict == "will not fit" and result.steps
    assert not result.keeps_result
    final = result.config
    assert final.grad_checkpoint and final.micro_batch_size == 1 and final.max_seq_length == planning.MIN_SEQ_LENGTH
    assert result.lines()[-1].startswith("Nothing here makes it fit with headroom: at best ")
    assert result.lines("zh")[-1].startswith("这里的办法都不能让它内存充足")


def test_the_result_preserving_part(tiny_model, tiny_data):
    config = make_tiny_config(tiny_model, tiny_data)
    whole = plan_for_config(config, memory_gb=1e-6, measure_speed=False)
    part = result_preserving(whole)
    assert part.steps and all(step.keeps_result for step in part.steps)
    assert part.rest and not any(step.keeps_result for step in part.rest[:1])
    assert part.steps + part.rest == whole.steps
    kept = part.config
    assert kept.grad_checkpoint and kept.micro_batch_size == 1 and kept.clear_cache_threshold > 0
    for name in ("num_layers", "max_seq_length", "batch_size", "learning_rate", "model", "data"):
        assert getattr(kept, name) == getattr(config, name)
    assert kept.lora_parameters == config.lora_parameters
    assert part.lines()[-1].startswith("What keeps the result is not enough (")
    assert "changing the result (not applied): " in part.lines()[-1]
    # Given a config, it plans it first; nothing to plan for a model not on this machine.
    again = result_preserving(config, memory_gb=1e-6, measure_speed=False)
    assert again.config == kept
    assert result_preserving(config.replace(model="nobody/not-downloaded")) is None


def test_the_seed_14b_on_a_small_mac_needs_the_4bit_copy_first(tmp_path):
    result = plan(QWEN_14B, SEED, device="metal", memory_gb=24.0)
    assert result.usable_gb == pytest.approx(18.0) and result.limit_gb == pytest.approx(21.6)
    assert result.fits and result.quantized and result.quantize_first
    knobs = [step.knob for step in result.steps]
    first_change = next(i for i, step in enumerate(result.steps) if not step.keeps_result)
    assert knobs[first_change] == "quantize" and "grad_checkpoint" in knobs[:first_change]
    quantize = result.steps[first_change]
    assert quantize.total_gb < result.steps[first_change - 1].total_gb - 15  # bfloat16 29.5 GB -> 4-bit 8.3 GB
    assert result.changed_settings()["quantized"] is True
    lines = result.lines()
    assert "Nothing but a 4-bit copy of the model can make it fit" in "\n".join(lines)
    assert "model: a 4-bit copy (group size 64)" in lines[-2]
    check_order_and_stop(result, QWEN_14B, tmp_path, device="metal")


def test_the_seed_14b_fits_a_big_gpu_as_it_is():
    result = plan(QWEN_14B, SEED, device="cuda", memory_gb=200.0)
    assert result.steps == () and result.fits


def test_memory_for_follows_the_devices_rules():
    assert memory_for("metal", 48.0) == pytest.approx((36.0, 43.2, 48.0))
    assert memory_for("cpu", 16.0) == (16.0, 16.0, 16.0)
    assert memory_for("cuda", 80.0) == (80.0, 80.0, 80.0)
    with pytest.raises(ValueError, match="above 0 GB"):
        memory_for("cpu", 0.0)


def test_micro_batches_are_predicted_smaller_than_the_whole_batch(tiny_model):
    config = make_tiny_config(tiny_model, "")
    usable, limit, _ = memory_for("cpu", 1.0)
    predictor = planning._Predictor(tiny_model, "cpu", usable, limit, None, None, False)
    whole = predictor.predict(config)
    halves = predictor.predict(config.replace(micro_batch_size=2))
    single = predictor.predict(config.replace(micro_batch_size=1))
    assert single.total_gb <= halves.total_gb < whole.total_gb


def test_the_settings_after_each_step(tiny_model):
    result = plan(tiny_model, make_tiny_config(tiny_model, ""), memory_gb=1e-6)
    for step in result.steps:
        assert set(step.settings) == set(planning.KNOBS) | {"quantized"}
        assert step.settings["num_layers"] == step.config.num_layers
        assert step.settings["rank"] == step.config.lora_parameters.rank


# ----------------------------------------------------------------------------
# the words



@pytest.mark.parametrize("key", sorted(plan_messages.TEXTS))
def test_every_text_has_english_and_chinese_with_the_same_placeholders(key):
    english, chinese = plan_messages.TEXTS[key]
    assert english.strip() and chinese.strip() and chinese != english
    assert placeholders(english) == placeholders(chinese)
    assert CJK.search(chinese) or CHINESE_PUNCTUATION.search(chinese)
    leftover = {word.rstrip("./") for word in ASCII_WORD.findall(re.sub(r"\{[^}]*\}", "", chinese))} - TECHNICAL
    assert not leftover, chinese


def test_every_key_is_used_and_every_used_key_exists():
    source = Path(planning.__file__).read_text(encoding="utf-8")
    cli = (Path(planning.__file__).parents[2] / "cli" / "train.py").read_text(encoding="utf-8")
    used = set(re.findall(r'(?<![A-Za-z_])text\(\s*"([a-z_.]*[a-z_])"', source + cli))
    used |= {"change." + knob for knob in KEEPS | CHANGES}  # FitStep.change: "change." + knob
    used |= {"where.given", "where.machine", "kind.keeps", "kind.changes"}  # chosen by a condition
    assert used - set(plan_messages.TEXTS) == set()
    assert set(plan_messages.TEXTS) - used == set()


def test_a_plan_in_chinese(tiny_model):
    result = plan(tiny_model, make_tiny_config(tiny_model, ""), memory_gb=1e-6)
    english, chinese = result.lines("en"), result.lines("zh")
    assert len(english) == len(chinese)
    assert chinese[0].startswith("让训练放得下：") and chinese[1].startswith("当前设置：")
    for line in chinese:
        assert CJK.search(line), line
    assert "（结果不变）" in chinese[2]
    assert plan_messages.text("kind.changes", "zh") in "\n".join(chinese)
