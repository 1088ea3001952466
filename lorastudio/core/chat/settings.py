"""Sampling settings and answer statistics of the chat engine: plain frozen dataclasses.

``SamplingSettings`` carries mlx-lm's sampling options (the field metadata
holds a help text and bounds for a settings form) and builds mlx-lm's sampler
and logits processors from them. ``AnswerStats`` is what one answer cost.
Pure Python, any thread; MLX is imported only when a sampler is built (on
the engine's thread).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _f(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class SamplingSettings:
    """How the next token is picked (mlx_lm.sample_utils); the defaults are mlx_lm.generate's, greedy."""

    temperature: float = _f(0.0, "randomness; 0 always takes the most likely token (greedy)", min=0.0, max=5.0)
    top_p: float = _f(1.0, "sample only from the most likely tokens whose probabilities add up to this (1: off)", min=0.0, max=1.0)
    top_k: int = _f(0, "sample only from this many most likely tokens (0: off)", min=0)
    min_p: float = _f(0.0, "drop tokens less likely than this share of the top token's probability (0: off)", min=0.0, max=1.0)
    repetition_penalty: float = _f(1.0, "above 1 makes recently used tokens less likely (1: off)", min=0.0)
    repetition_context_size: int = _f(20, "how many recent tokens the repetition penalty looks at", min=1)
    max_tokens: int = _f(256, "longest answer in tokens", min=1)
    seed: int | None = _f(None, "random seed for sampling (none: not reseeded)")

    def check(self) -> None:
        """Raise ValueError naming the first field that is out of range."""
        problems = []
        if not self.temperature >= 0:
            problems.append(f"temperature must be 0 or more (got {self.temperature})")
        if not 0 < self.top_p <= 1:
            problems.append(f"top_p must be in (0, 1] (got {self.top_p})")
        if self.top_k < 0:
            problems.append(f"top_k must be 0 (off) or more (got {self.top_k})")
        if not 0 <= self.min_p < 1:
            problems.append(f"min_p must be in [0, 1) (got {self.min_p})")
        if not self.repetition_penalty > 0:
            problems.append(f"repetition_penalty must be above 0 (got {self.repetition_penalty})")
        if self.repetition_context_size < 1:
            problems.append(f"repetition_context_size must be 1 or more (got {self.repetition_context_size})")
        if self.max_tokens < 1:
            problems.append(f"max_tokens must be 1 or more (got {self.max_tokens})")
        if problems:
            raise ValueError("sampling settings: " + "; ".join(problems))

    def sampler(self):
        from mlx_lm.sample_utils import make_sampler

        return make_sampler(self.temperature, top_p=self.top_p, min_p=self.min_p, top_k=self.top_k)

    def logits_processors(self) -> list:
        from mlx_lm.sample_utils import make_logits_processors

        if self.repetition_penalty == 1.0:
            return []
        return make_logits_processors(
            repetition_penalty=self.repetition_penalty, repetition_context_size=self.repetition_context_size
        )

    def replace(self, **changes) -> "SamplingSettings":
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(changes)
        return SamplingSettings(**data)


@dataclass(frozen=True)
class AnswerStats:
    """How one answer went. Token counts and speeds follow mlx_lm's stream_generate."""

    prompt_tokens: int  # the whole prompt, in tokens
    cached_tokens: int  # of those, reused from the conversation's KV cache (not computed again)
    generated_tokens: int  # tokens generated, the end-of-sequence token included (as mlx-lm counts)
    time_to_first_token_s: float  # from the request to the first generated token (prompt rendering included)
    tokens_per_second: float  # generation speed after the first token (mlx-lm's generation_tps)
    prompt_tokens_per_second: float  # prompt processing speed over the tokens actually computed
    elapsed_s: float  # from the request to the last token
    finish_reason: str  # "stop" (end of sequence), "length" (max_tokens), "stopped" (stop() or closed)
    peak_memory_gb: float

    def summary(self) -> str:
        cached = f" ({self.cached_tokens} cached)" if self.cached_tokens else ""
        return (
            f"prompt {self.prompt_tokens} tokens{cached}, {self.generated_tokens} generated, "
            f"first token {self.time_to_first_token_s:.3f} s, {self.tokens_per_second:.1f} tokens/s, "
            f"{self.elapsed_s:.2f} s, ended: {self.finish_reason}"
        )
