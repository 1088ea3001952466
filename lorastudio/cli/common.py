"""What the command modules share: the error a user sees, the training config from flags.

Runs on the main thread.
"""

from __future__ import annotations

import argparse
import sys


class CliError(Exception):
    """A message for the user; printed without a traceback, exit status 2."""


def err(text: str) -> None:
    print(f"lorastudio: {text}", file=sys.stderr)


def load_config(args):
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.config.presets import get_preset

    config = TrainConfig.load(args.config) if getattr(args, "config", None) else TrainConfig()
    if getattr(args, "preset", None):
        config = get_preset(args.preset).apply(config)
    overrides = {}
    for name in ("model", "data", "iters", "batch_size", "learning_rate", "num_layers", "max_seq_length", "seed", "fine_tune_type"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "rank", None) is not None:
        overrides["lora_parameters"] = {**config.to_dict()["lora_parameters"], "rank": args.rank}
    if getattr(args, "mask_prompt", None):
        overrides["mask_prompt"] = True
    if getattr(args, "grad_checkpoint", None):
        overrides["grad_checkpoint"] = True
    return config.replace(**overrides) if overrides else config


def add_training_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", help="YAML configuration file (the format mlx_lm.lora -c reads)")
    p.add_argument("--preset", help="built-in parameter preset laid over the config (e.g. seed-14b)")
    p.add_argument("--model", help="model folder or Hugging Face repo id")
    p.add_argument("--data", help="dataset folder (train/valid/test.jsonl) or one .jsonl file")
    p.add_argument("--iters", type=int, help="training steps")
    p.add_argument("--batch-size", type=int, help="examples per step")
    p.add_argument("--learning-rate", type=float, help="learning rate")
    p.add_argument("--num-layers", type=int, help="how many of the last blocks get adapters (-1: all)")
    p.add_argument("--rank", type=int, help="LoRA rank")
    p.add_argument("--max-seq-length", type=int, help="longest sequence in tokens")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--fine-tune-type", choices=["lora", "dora", "full"], help="kind of fine-tuning")
    p.add_argument("--mask-prompt", action="store_true", default=None, help="loss on answers only")
    p.add_argument("--grad-checkpoint", action="store_true", default=None, help="trade compute for memory")
