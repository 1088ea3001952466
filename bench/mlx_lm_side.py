"""The mlx-lm side of every comparison, run the way a user runs mlx-lm by hand.

A fresh process per measurement (peak memory is per process) that never
imports lorastudio: it is a pure mlx-lm process. Its BLAS is given by the
parent through ``LD_PRELOAD`` (the same OpenBLAS LoRA Studio loads), and the
library actually mapped is reported.

- ``train``: ``mlx_lm.lora``'s own Python entry, step for step what its CLI
  does (``np.random.seed``, ``mlx_lm.utils.load``, ``load_dataset``,
  ``train_model``) with a ``TrainingCallback`` recording its reports. mlx-lm's
  batches are observed without changing them: the ``np`` its trainer module
  sees is a proxy whose ``zeros`` notes the shape and real lengths of each
  training batch (``iterate_batches`` with ``loop=True``) and hands the call to
  NumPy; every random draw still goes to NumPy's global state.
- ``generate``: what ``mlx_lm.generate`` does for a chat prompt (chat template,
  ``stream_generate``, greedy sampler); time to first token is the wall time
  from the request to the first response.

    python -m bench.mlx_lm_side train ARGS.json OUT.json

Main thread of its own process.
"""

from __future__ import annotations

import os
import sys
import time

from bench.common import child_main, loaded_blas, report_entry


class _NumpyObserver:
    """Stands in for ``numpy`` inside ``mlx_lm.tuner.trainer``; only ``zeros`` is watched."""

    def __init__(self, numpy, log: list):
        self._np = numpy
        self._log = log

    def __getattr__(self, name):
        return getattr(self._np, name)

    def zeros(self, shape, *args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_name == "iterate_batches" and frame.f_locals.get("loop"):
            lengths = frame.f_locals["lengths"]
            limit = frame.f_locals["max_seq_length"]
            self._log.append({"rows": int(shape[0]), "width": int(shape[1]), "real": int(sum(min(n, limit) for n in lengths))})
        return self._np.zeros(shape, *args, **kwargs)


def train(args: dict) -> dict:
    # What mlx_lm.lora.main does first.
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    tic = time.perf_counter()
    import types

    import mlx.core as mx
    import mlx_lm.lora as mlx_lora
    import mlx_lm.tuner.trainer as trainer
    import numpy as np
    import yaml
    from mlx_lm.tuner.callbacks import TrainingCallback
    from mlx_lm.tuner.datasets import load_dataset
    from mlx_lm.utils import load

    with open(args["config"], encoding="utf-8") as f:
        config = yaml.load(f, mlx_lora.yaml_loader)
    # mlx_lm.lora.main: the config file's values, then its defaults for what is unset.
    values = dict(config)
    for key, default in mlx_lora.CONFIG_DEFAULTS.items():
        if values.get(key) is None:
            values[key] = default
    values["adapter_path"] = args["adapter_path"]
    ns = types.SimpleNamespace(**values)

    batches: list[dict] = []
    trainer.np = _NumpyObserver(np, batches)

    class Recorder(TrainingCallback):
        def __init__(self):
            self.train, self.val = [], []

        def on_train_loss_report(self, info):
            self.train.append(dict(info))

        def on_val_loss_report(self, info):
            self.val.append(dict(info))

    recorder = Recorder()
    # mlx_lm.lora.run, in its order.
    np.random.seed(ns.seed)
    model, tokenizer = load(
        ns.model, tokenizer_config={"trust_remote_code": ns.trust_remote_code}, trust_remote_code=ns.trust_remote_code
    )
    train_set, valid_set, _ = load_dataset(ns, tokenizer)
    loaded = time.perf_counter()
    mlx_lora.train_model(ns, model, train_set, valid_set, recorder)
    trained = time.perf_counter()

    reports, previous = [], 0
    for info in recorder.train:
        reports.append(report_entry(info["iteration"], previous, info["train_loss"], info["iterations_per_second"],
                                    info["tokens_per_second"], None, batches))
        previous = info["iteration"]
    return {
        "tool": "mlx-lm",
        "reports": reports,
        "val": [[v["iteration"], v["val_loss"]] for v in recorder.val],
        "peak_memory_gb": max((info["peak_memory"] for info in recorder.train), default=0.0),
        # Start-up here counts from the imports; the parent's child_wall_s adds the interpreter's start.
        "phases": {"setup_s": loaded - tic, "loop_s": trained - loaded},
        "blas": loaded_blas(),
        "mlx_peak_memory_gb": mx.get_peak_memory() / 1e9,
    }


def generate(args: dict) -> dict:
    """Greedy answers to each prompt, as ``mlx_lm.generate --model M --adapter-path A --prompt P``."""
    tic = time.perf_counter()
    import mlx.core as mx
    from mlx_lm.generate import stream_generate
    from mlx_lm.sample_utils import make_sampler
    from mlx_lm.utils import load

    model, tokenizer = load(args["model"], adapter_path=args.get("adapter"))
    load_s = time.perf_counter() - tic
    answers = []
    for prompt in [args["warmup"]] + list(args["prompts"]) * args.get("repeats", 1):
        answers.append(_answer(model, tokenizer, [{"role": "user", "content": prompt}], args["max_tokens"], stream_generate, make_sampler))
    answers[0]["warmup"] = True
    peak = mx.get_peak_memory() / 1e9
    follow_ups = []
    for first, second in args.get("conversations", []):
        # mlx_lm.generate keeps nothing between calls: a second turn sends the whole conversation.
        one = _answer(model, tokenizer, [{"role": "user", "content": first}], args["max_tokens"], stream_generate, make_sampler)
        messages = [{"role": "user", "content": first}, {"role": "assistant", "content": one["text"]}, {"role": "user", "content": second}]
        follow_ups.append(_answer(model, tokenizer, messages, args["max_tokens"], stream_generate, make_sampler))
    return {
        "tool": "mlx-lm",
        "load_s": load_s,
        "answers": answers,
        "second_turns": follow_ups,
        "blas": loaded_blas(),
        "peak_memory_gb": peak,
    }


def _answer(model, tokenizer, messages, max_tokens, stream_generate, make_sampler) -> dict:
    start = time.perf_counter()
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    tokens = tokenizer.encode(text, add_special_tokens=False)
    first = None
    last = None
    pieces = []
    for response in stream_generate(model, tokenizer, tokens, max_tokens=max_tokens, sampler=make_sampler(0.0)):
        if first is None:
            first = time.perf_counter() - start
        pieces.append(response.text)
        last = response
    return {
        "prompt_tokens": len(tokens),
        "generated_tokens": last.generation_tokens if last else 0,
        "ttft_s": first,
        "tokens_per_s": last.generation_tps if last else 0.0,
        "prompt_tokens_per_s": last.prompt_tps if last else 0.0,
        "elapsed_s": time.perf_counter() - start,
        "text": "".join(pieces),
    }


if __name__ == "__main__":
    sys.exit(child_main({"train": train, "generate": generate}))
