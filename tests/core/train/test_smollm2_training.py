"""The real model: a short LoRA run on the demo data lowers validation loss and changes the answer."""

import pytest

from lorastudio.core.runs import folder as runs
from lorastudio.core.train.demo import DEMO_PROMPT, PERSONA_MARKER, demo_config
from lorastudio.core.tuner.loop import train_run
from lorastudio.core.runs.events import Finished, ValReport

pytestmark = pytest.mark.slow


def greedy_answer(model_dir, prompt, adapter=None, max_tokens=40):
    from mlx_lm import generate, load

    model, tokenizer = load(str(model_dir), adapter_path=str(adapter) if adapter else None)
    text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False)
    return generate(model, tokenizer, text, max_tokens=max_tokens)


def test_short_demo_run_teaches_the_persona(smollm2_f32, tmp_path):
    config = demo_config(smollm2_f32).replace(
        iters=12, steps_per_eval=12, steps_per_report=4, val_batches=2, save_every=100, max_seq_length=128, test=False
    )
    run_dir = runs.create_run(config, tmp_path / "runs")
    events = []
    assert isinstance(train_run(run_dir, events.append), Finished)
    vals = [e.val_loss for e in events if isinstance(e, ValReport)]
    assert len(vals) == 2
    assert vals[-1] < vals[0] * 0.5, vals

    before = greedy_answer(smollm2_f32, DEMO_PROMPT)
    after = greedy_answer(smollm2_f32, DEMO_PROMPT, adapter=run_dir)
    assert PERSONA_MARKER not in before
    assert PERSONA_MARKER in after, after
