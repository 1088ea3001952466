"""The report's closing advice, derived from the run's own numbers.

Each rule is a named threshold that the report's text quotes, so a reader
can check it against the table:

- still improving: the last validation is the lowest so far and more than
  ``STILL_FALLING_PERCENT`` below the one before (without a validation set:
  the train loss fell by more than that over the last third of its reports);
- overfitting: the last validation is more than ``OVERFIT_RISE_PERCENT``
  above the best one while the train loss kept falling;
- oscillation: a train report more than ``OSCILLATION_RISE_PERCENT`` above
  the report before it;
- validation rising without overfitting: the last validation more than
  ``OVERFIT_RISE_PERCENT`` above the best one while the train loss did not fall;
- flat: the train loss moved less than ``FLAT_PERCENT`` from first to last;
- steady speed: the slowest train report within ``SPEED_STEADY_PERCENT`` of the fastest;
- memory headroom: the measured peak against the machine's memory, and what
  a larger rank, batch or sequence length would need, from an estimator when
  one is given (``predict_peak_gb(config) -> GB``), otherwise from a
  proportional rule on the measured peak.

Plain Python, any thread. ``findings`` carry numbers only; ``report_text``
words them in English or Chinese.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.report.facts import VAL_ITER_OFFSET, Rise, RunFacts

OSCILLATION_RISE_PERCENT = 5.0
STILL_FALLING_PERCENT = 1.0
OVERFIT_RISE_PERCENT = 5.0
FLAT_PERCENT = 2.0
# Speed is called steady when the slowest train report is within this share of the fastest.
SPEED_STEADY_PERCENT = 25.0
# Share of the machine's memory counted as usable for training: the system and
# other programs need the rest (on a Mac, Metal's default working-set limit is
# about three quarters of the memory too).
USABLE_MEMORY_SHARE = 0.75
# A peak above this share of the usable memory leaves no room to grow.
TIGHT_SHARE = 0.9
# Float32 weight, gradient and Adam's two moments for each trainable parameter.
BYTES_PER_TRAINABLE_PARAMETER = 16

PeakPredictor = Callable[[TrainConfig], float]


@dataclass(frozen=True)
class Finding:
    """One piece of advice: a key for the wording and the numbers it quotes."""

    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A larger setting and the peak memory it would need."""

    setting: str  # "rank", "batch_size" or "max_seq_length"
    current: int
    proposed: int
    predicted_gb: float
    fits: bool


@dataclass(frozen=True)
class Headroom:
    memory_gb: float
    usable_gb: float
    peak_gb: float
    method: str  # "estimator" or "proportional"
    candidates: list[Candidate]
    predicted_current_gb: float | None = None
    estimator_error: str = ""

    @property
    def free_gb(self) -> float:
        return self.usable_gb - self.peak_gb

    @property
    def peak_percent(self) -> float:
        return 100.0 * self.peak_gb / self.memory_gb if self.memory_gb else 0.0

    @property
    def tight(self) -> bool:
        return self.peak_gb > TIGHT_SHARE * self.usable_gb


@dataclass(frozen=True)
class Advice:
    findings: list[Finding]
    headroom: Headroom | None
    oscillations: list[Rise]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.findings]

    def get(self, key: str) -> Finding | None:
        return next((f for f in self.findings if f.key == key), None)


# ----------------------------------------------------------------------------
# loss rules


def oscillations(rises: list[Rise]) -> list[Rise]:
    """The rises between consecutive train reports that exceed the oscillation threshold."""
    return [r for r in rises if r.percent > OSCILLATION_RISE_PERCENT]


def speed_steady(low: float, high: float) -> bool:
    """Whether the slowest report's speed is within ``SPEED_STEADY_PERCENT`` of the fastest."""
    return high <= 0 or 100.0 * (high - low) / high <= SPEED_STEADY_PERCENT


def _percent(new: float, old: float) -> float:
    return 100.0 * (new - old) / old if old else 0.0


def loss_findings(facts: RunFacts) -> tuple[list[Finding], list[Rise]]:
    """The loss rules' findings in report order, and the oscillating rises they quote."""
    train = [r for r in facts.train if math.isfinite(r.train_loss)]
    val = [v for v in facts.val if math.isfinite(v.val_loss)]
    if not train:
        return [Finding("no_train")], []
    findings: list[Finding] = []
    trend = None
    if len(val) >= 2:
        trend = _validation_finding(facts, train, val)
    elif len(train) >= 2:
        trend = _train_trend_finding(train)
    if trend is not None:
        findings.append(trend)
    if not facts.val:
        findings.append(Finding("no_validation"))
    shaky = oscillations(facts.rises())
    if shaky:
        findings.append(_oscillation_finding(facts, shaky))
    flat = _flat_finding(facts, train)
    if flat is not None:
        findings.append(flat)
    # Only overfitting is cured by more examples, so only it earns this advice.
    if trend is not None and trend.key == "overfitting":
        findings.append(Finding("more_data", {"epochs": facts.epochs_seen}))
    return findings, shaky


def _validation_finding(facts: RunFacts, train: list, val: list) -> Finding:
    """What the last validations say: overfitting, still improving, rising or levelled off."""
    best = min(val, key=lambda v: v.val_loss)
    last, previous = val[-1], val[-2]
    drop = _percent(last.val_loss, previous.val_loss)
    train_at_best = _train_near(train, best.iteration + VAL_ITER_OFFSET)
    rise = _percent(last.val_loss, best.val_loss)
    best_to_last = {
        "best": best.val_loss,
        "best_iteration": best.iteration + VAL_ITER_OFFSET,
        "last": last.val_loss,
        "last_iteration": last.iteration + VAL_ITER_OFFSET,
    }
    if rise > OVERFIT_RISE_PERCENT and train[-1].train_loss < train_at_best:
        return Finding(
            "overfitting",
            {
                **best_to_last,
                "rise_percent": rise,
                "train_at_best": train_at_best,
                "train_last": train[-1].train_loss,
                "threshold": OVERFIT_RISE_PERCENT,
                "keep_best": bool(facts.config and facts.config.keep_best),
            },
        )
    if last is best and -drop > STILL_FALLING_PERCENT:
        return Finding(
            "more_iters_val",
            {
                "previous": previous.val_loss,
                "previous_iteration": previous.iteration + VAL_ITER_OFFSET,
                "last": last.val_loss,
                "last_iteration": last.iteration + VAL_ITER_OFFSET,
                "drop_percent": -drop,
                "threshold": STILL_FALLING_PERCENT,
            },
        )
    if rise > OVERFIT_RISE_PERCENT:
        # Validation got worse without the training loss falling: not overfitting, not converging.
        return Finding("val_rising", {**best_to_last, "rise_percent": rise, "threshold": OVERFIT_RISE_PERCENT})
    return Finding("val_levelled", {**best_to_last, "threshold": STILL_FALLING_PERCENT})


def _train_trend_finding(train: list) -> Finding:
    """Without validations: whether the train loss still fell over the last third of its reports."""
    tail = train[-max(2, len(train) // 3):]
    drop = -_percent(tail[-1].train_loss, tail[0].train_loss)
    key = "more_iters_train" if drop > STILL_FALLING_PERCENT else "train_levelled"
    return Finding(
        key,
        {
            "from": tail[0].train_loss,
            "from_iteration": tail[0].iteration,
            "to": tail[-1].train_loss,
            "to_iteration": tail[-1].iteration,
            "drop_percent": drop,
            "threshold": STILL_FALLING_PERCENT,
        },
    )


def _oscillation_finding(facts: RunFacts, shaky: list[Rise]) -> Finding:
    worst = max(shaky, key=lambda r: r.percent)
    return Finding(
        "oscillating",
        {
            "count": len(shaky),
            "worst_iteration": worst.iteration,
            "worst_before": worst.before,
            "worst_after": worst.after,
            "worst_percent": worst.percent,
            "threshold": OSCILLATION_RISE_PERCENT,
            "learning_rate": facts.config.learning_rate if facts.config else None,
        },
    )


def _flat_finding(facts: RunFacts, train: list) -> Finding | None:
    """A "flat" finding when the train loss barely moved from its first report to its last."""
    if len(train) < 2:
        return None
    change = _percent(train[-1].train_loss, train[0].train_loss)
    if abs(change) >= FLAT_PERCENT:
        return None
    return Finding(
        "flat",
        {
            "first": train[0].train_loss,
            "last": train[-1].train_loss,
            "change_percent": change,
            "threshold": FLAT_PERCENT,
            "learning_rate": facts.config.learning_rate if facts.config else None,
        },
    )


def _train_near(train, iteration: int) -> float:
    """The train loss of the last report at or before ``iteration`` (the first report if none)."""
    before = [r for r in train if r.iteration <= iteration]
    return (before[-1] if before else train[0]).train_loss


# ----------------------------------------------------------------------------
# memory


def _larger(config: TrainConfig) -> list[tuple[str, int, int, TrainConfig]]:
    """Twice the rank, the batch and the sequence length, one at a time."""
    out = []
    if config.fine_tune_type != "full":
        rank = config.lora_parameters.rank
        lora = {**config.to_dict()["lora_parameters"], "rank": rank * 2}
        out.append(("rank", rank, rank * 2, config.replace(lora_parameters=lora)))
    out.append(("batch_size", config.batch_size, config.batch_size * 2, config.replace(batch_size=config.batch_size * 2)))
    out.append(
        ("max_seq_length", config.max_seq_length, config.max_seq_length * 2, config.replace(max_seq_length=config.max_seq_length * 2))
    )
    return out


def proportional_peak_gb(setting: str, current: int, proposed: int, peak_gb: float, trainable_parameters: int | None) -> float:
    """The fallback rule: batch and length scale the peak in proportion (an upper bound,
    since the weights do not grow); a larger rank adds its parameters' float32 weight,
    gradient and two Adam moments."""
    ratio = proposed / current if current else 1.0
    if setting == "rank":
        added = (trainable_parameters or 0) * (ratio - 1.0) * BYTES_PER_TRAINABLE_PARAMETER
        return peak_gb + added / 1e9
    return peak_gb * ratio


def memory_headroom(
    config: TrainConfig | None,
    memory_bytes: int,
    peak_gb: float | None,
    trainable_parameters: int | None = None,
    predict_peak_gb: PeakPredictor | None = None,
) -> Headroom | None:
    """How much room the measured peak leaves, and whether twice the rank, batch or length would fit.

    ``predict_peak_gb(config)`` (the memory estimator, when wired in) predicts a
    config's peak in GB; without it, or when it fails, ``proportional_peak_gb``.
    """
    if not memory_bytes or not peak_gb:
        return None
    memory_gb = memory_bytes / 1e9
    usable_gb = memory_gb * USABLE_MEMORY_SHARE
    method, error, predicted_current = "proportional", "", None
    candidates: list[Candidate] = []
    larger = _larger(config) if config is not None else []
    if predict_peak_gb is not None and config is not None:
        try:
            predicted_current = float(predict_peak_gb(config))
            for setting, current, proposed, bigger in larger:
                gb = float(predict_peak_gb(bigger))
                candidates.append(Candidate(setting, current, proposed, gb, gb <= usable_gb))
            method = "estimator"
        except Exception as exc:  # noqa: BLE001 - an estimator bug must not cost the report
            error = f"{type(exc).__name__}: {exc}"
            candidates, predicted_current = [], None
    if method == "proportional":
        for setting, current, proposed, _ in larger:
            gb = proportional_peak_gb(setting, current, proposed, peak_gb, trainable_parameters)
            candidates.append(Candidate(setting, current, proposed, gb, gb <= usable_gb))
    return Headroom(memory_gb, usable_gb, peak_gb, method, candidates, predicted_current, error)


def derive_advice(facts: RunFacts, predict_peak_gb: PeakPredictor | None = None) -> Advice:
    """Every finding about this run, most important first, and its memory headroom."""
    findings, shaky = loss_findings(facts)
    trainable = facts.started.trainable_parameters if facts.started else None
    headroom = memory_headroom(facts.config, facts.memory_bytes, facts.peak_memory_gb, trainable, predict_peak_gb)
    if headroom is None:
        findings.append(Finding("memory_unknown", {"has_memory": bool(facts.memory_bytes), "has_peak": bool(facts.peak_memory_gb)}))
    elif headroom.tight:
        findings.append(
            Finding(
                "memory_tight",
                {"grad_checkpoint": bool(facts.config and facts.config.grad_checkpoint)},
            )
        )
    else:
        findings.append(Finding("memory_room"))
    return Advice(findings, headroom, shaky)
