"""The report's closing sections: conclusion with suggestions, inference test, final conclusion.

Every sentence here is chosen by the run's state and by the findings of
``report_advice`` (never written by hand for a run), and every number comes
from ``RunFacts``. ``evaluation.json`` (written by the app after training)
adds the base-vs-adapter test loss and the held-out prompts' answers.
Plain Python, any thread.
"""

from __future__ import annotations

import math

from lorastudio.core.runs.describe import failure
from lorastudio.core.report import advice as ra
from lorastudio.core.report.advice import Advice, Finding, Headroom
from lorastudio.core.report.facts import RunFacts
from lorastudio.core.report.doc import Block, Bullets, Code, Compare, Heading, Item, Note, Para, Table
from lorastudio.core.report.i18n import rich, t
from lorastudio.core.report.text import f_gb, f_gb1, f_loss, f_number, f_pct, f_rate, shell_quote


def _machine(facts: RunFacts, lang: str) -> str:
    env = facts.environment
    if not env:
        return t(lang, "f.machine_unknown")
    key = "f.machine_gpu" if env.get("device") == "gpu" else "f.machine_cpu"
    return t(lang, key, chip=env.get("chip", "?"))


def _losses(facts: RunFacts, lang: str, prefix: str) -> str:
    train = f_loss(facts.train[-1].train_loss)
    if facts.val:
        return t(lang, f"{prefix}.losses_both", train=train, val=f_loss(facts.val[-1].val_loss))
    return t(lang, f"{prefix}.losses_train", train=train)


def _adapter_saved(facts: RunFacts) -> bool:
    return any(name == "adapters.safetensors" for name, _ in facts.adapter_files)


# ----------------------------------------------------------------------------
# 4. conclusion


def conclusion(facts: RunFacts, advice: Advice, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, t(lang, "h.conclusion"))]
    done, total = facts.iteration, facts.total_iters
    if facts.state == "failed":
        error = failure(facts.failure, lang) if facts.failure else facts.state_message
        blocks.append(Note("error", rich(lang, "c.failed", error=error)))
    elif facts.state == "stopped":
        blocks.append(Note("warn", rich(lang, "c.stopped", done=done, total=total)))
    elif facts.state in ("running", "starting", "paused"):
        blocks.append(Note("warn", rich(lang, "c.running")))
    trend = facts.train_trend()
    if trend is None:
        blocks.append(Note("warn", rich(lang, "c.nothing")))
    else:
        fell = len(facts.train) > 1 and trend.last < trend.first
        if fell:
            how = t(lang, "c.how_oscillating" if advice.oscillations else "c.how_smooth")
            blocks.append(Note("ok" if facts.state == "finished" else "warn", rich(lang, "c.success", how=how, losses=_losses(facts, lang, "c"))))
        elif len(facts.train) > 1:
            blocks.append(Note("warn", rich(lang, "c.no_progress", first=f_loss(trend.first), last=f_loss(trend.last))))
        speed, tokens = facts.speed_range(), facts.tokens_range()
        blocks.append(
            Note(
                "ok",
                rich(
                    lang,
                    "c.speed",
                    low=f_rate(speed.low),
                    high=f_rate(speed.high),
                    tlow=f_rate(tokens.low),
                    thigh=f_rate(tokens.high),
                    machine=_machine(facts, lang),
                ),
            )
        )
    blocks.append(Note("ok", rich(lang, "c.saved")) if _adapter_saved(facts) else Note("warn", rich(lang, "c.not_saved")))
    items = [item for f in advice.findings for item in finding_items(f, advice, lang)]
    if items:
        blocks.append(Para(rich(lang, "c.advice")))
        blocks.append(Bullets(items))
    return blocks


def _lr_hint(lang: str, lr) -> str:
    return t(lang, "a.lr_hint", lr=f_number(lr)) if lr is not None else ""


def finding_items(f: Finding, advice: Advice, lang: str) -> list[Item]:
    """The suggestion(s) of one finding, worded."""
    v = f.values
    if f.key == "more_iters_val":
        return [Item(rich(lang, "a.more_iters_val", previous=f_loss(v["previous"]), previous_it=v["previous_iteration"],
                          last=f_loss(v["last"]), last_it=v["last_iteration"], drop=f_pct(v["drop_percent"]), threshold=f"{v['threshold']:g}"))]
    if f.key == "val_levelled":
        return [Item(rich(lang, "a.val_levelled", best=f_loss(v["best"]), best_it=v["best_iteration"], last=f_loss(v["last"]),
                          last_it=v["last_iteration"], threshold=f"{v['threshold']:g}"))]
    if f.key == "val_rising":
        return [Item(rich(lang, "a.val_rising", best=f_loss(v["best"]), best_it=v["best_iteration"], last=f_loss(v["last"]),
                          last_it=v["last_iteration"], rise=f_pct(v["rise_percent"]), threshold=f"{v['threshold']:g}"))]
    if f.key in ("more_iters_train", "train_levelled"):
        return [Item(rich(lang, f"a.{f.key}", from_=f_loss(v["from"]), from_it=v["from_iteration"], to=f_loss(v["to"]),
                          to_it=v["to_iteration"], drop=f_pct(v["drop_percent"]), threshold=f"{v['threshold']:g}"))]
    if f.key == "overfitting":
        remedy = rich(lang, "a.overfit_best" if v["keep_best"] else "a.overfit_fewer")
        return [Item(rich(lang, "a.overfitting", best=f_loss(v["best"]), best_it=v["best_iteration"], last=f_loss(v["last"]),
                          last_it=v["last_iteration"], rise=f_pct(v["rise_percent"]), threshold=f"{v['threshold']:g}",
                          train_best=f_loss(v["train_at_best"]), train_last=f_loss(v["train_last"]), remedy=remedy))]
    if f.key == "more_data":
        if v.get("epochs"):
            return [Item(rich(lang, "a.more_data", epochs=f"{v['epochs']:.1f}"))]
        return [Item(rich(lang, "a.more_data_plain"))]
    if f.key == "oscillating":
        return [Item(rich(lang, "a.oscillating", count=v["count"], threshold=f"{v['threshold']:g}", percent=f_pct(v["worst_percent"]),
                          it=v["worst_iteration"], lr_hint=_lr_hint(lang, v.get("learning_rate"))))]
    if f.key == "flat":
        return [Item(rich(lang, "a.flat", first=f_loss(v["first"]), last=f_loss(v["last"]), change=f"{v['change_percent']:+.1f}",
                          threshold=f"{v['threshold']:g}", lr_hint=_lr_hint(lang, v.get("learning_rate"))))]
    if f.key == "no_validation":
        return [Item(rich(lang, "a.no_validation"))]
    if f.key == "no_train":
        return [Item(rich(lang, "a.no_train"))]
    if f.key == "memory_unknown":
        why = t(lang, "a.memory_unknown_env" if not v.get("has_memory") else "a.memory_unknown_peak")
        return [Item(rich(lang, "a.memory_unknown", why=why))]
    if f.key in ("memory_room", "memory_tight") and advice.headroom is not None:
        return [_headroom_item(f, advice.headroom, lang)]
    return []


def _headroom_item(f: Finding, h: Headroom, lang: str) -> Item:
    common = dict(peak=f_gb(h.peak_gb), percent=f_pct(h.peak_percent), usable=f_gb1(h.usable_gb), share=f"{ra.USABLE_MEMORY_SHARE * 100:g}")
    if f.key == "memory_tight":
        remedy = rich(lang, "a.tight_remedy_gc" if f.values.get("grad_checkpoint") else "a.tight_remedy")
        text = rich(lang, "a.memory_tight", tight=f"{ra.TIGHT_SHARE * 100:g}", remedy=remedy, **common)
    else:
        text = rich(lang, "a.memory_room", free=f_gb1(h.free_gb), **common)
    children = []
    if h.candidates:
        if h.method == "estimator":
            method = rich(lang, "a.method_estimator", predicted=f_gb1(h.predicted_current_gb or 0.0), peak=f_gb(h.peak_gb))
        else:
            error = t(lang, "a.estimator_error", error=h.estimator_error) if h.estimator_error else ""
            method = rich(lang, "a.method_proportional", error=error)
        candidates = [
            Item(rich(lang, "a.candidate_fits" if c.fits else "a.candidate_no", setting=c.setting, current=c.current,
                      proposed=c.proposed, gb=f_gb1(c.predicted_gb)))
            for c in h.candidates
        ]
        children.append(Item(method, candidates))
    return Item(text, children)


# ----------------------------------------------------------------------------
# 5. inference test


def _command(facts: RunFacts, lang: str, prompt: str, adapter_path: str) -> str:
    pad = " " * len("mlx_lm.generate ")
    return (
        f"mlx_lm.generate --model {shell_quote(facts.model_path or '?')} \\\n"
        f"{pad}--adapter-path {shell_quote(adapter_path)} \\\n"
        f"{pad}--prompt {shell_quote(prompt)} \\\n"
        f"{pad}--max-tokens 200"
    )


def _first_prompt(facts: RunFacts, lang: str) -> str:
    if facts.config is not None and facts.config.eval_prompts:
        return facts.config.eval_prompts[0]
    prompts = (facts.evaluation or {}).get("prompts")
    if isinstance(prompts, list) and prompts and isinstance(prompts[0], dict) and isinstance(prompts[0].get("prompt"), str):
        return prompts[0]["prompt"]
    return t(lang, "inf.default_prompt")


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def inference(facts: RunFacts, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(2, t(lang, "h.inference")), Para(rich(lang, "inf.how"))]
    prompt = _first_prompt(facts, lang)
    blocks.append(Code(_command(facts, lang, prompt, str(facts.run_dir)), "bash"))
    vtrend = facts.val_trend()
    if vtrend is not None and any(name == "best/adapters.safetensors" for name, _ in facts.adapter_files):
        blocks.append(Para(rich(lang, "inf.best", loss=f_loss(vtrend.best), it=vtrend.best_iteration)))
        blocks.append(Code(_command(facts, lang, prompt, str(facts.run_dir / "best")), "bash"))
    if facts.evaluation_error:
        blocks.append(Note("warn", rich(lang, "inf.bad", error=facts.evaluation_error)))
        return blocks
    evaluation = facts.evaluation
    if not evaluation:
        blocks.append(Para(t(lang, "inf.none")))
        return blocks
    test = evaluation.get("test")
    if isinstance(test, dict):
        rows = []
        for key, base_key, adapter_key in (("inf.loss", "base_loss", "adapter_loss"), ("inf.ppl", "base_ppl", "adapter_ppl")):
            base, adapted = _number(test.get(base_key)), _number(test.get(adapter_key))
            change = f"{adapted - base:+.3f}" if base is not None and adapted is not None and math.isfinite(adapted - base) else "-"
            rows.append([t(lang, key), f_loss(base), f_loss(adapted), change])
        blocks.append(Para(rich(lang, "inf.test")))
        header = [t(lang, "inf.metric"), t(lang, "inf.base"), t(lang, "inf.adapter"), t(lang, "inf.change")]
        blocks.append(Table(header, rows, ["l", "r", "r", "r"]))
    prompts = [p for p in evaluation.get("prompts") or [] if isinstance(p, dict) and isinstance(p.get("prompt"), str)]
    if prompts:
        settings = evaluation.get("settings") if isinstance(evaluation.get("settings"), dict) else {}
        blocks.append(
            Para(rich(lang, "inf.prompts", max_tokens=f_number(settings.get("max_tokens", "?")), temperature=f_number(settings.get("temperature", "?"))))
        )
        for n, p in enumerate(prompts, 1):
            blocks.append(
                Compare(
                    t(lang, "inf.prompt", n=n),
                    p["prompt"],
                    t(lang, "inf.base"),
                    str(p.get("base", "")),
                    t(lang, "inf.adapter"),
                    str(p.get("adapter", "")),
                )
            )
    return blocks


# ----------------------------------------------------------------------------
# final conclusion


def _icon(facts: RunFacts) -> str:
    return {"finished": "🚀", "failed": "❌"}.get(facts.state, "⚠️")


def final(facts: RunFacts, advice: Advice, lang: str) -> list[Block]:
    outcome = t(lang, f"f.{facts.state}" if facts.state in ("finished", "stopped", "failed", "running", "paused", "created") else "f.running")
    machine = _machine(facts, lang)
    if not facts.train:
        return [Heading(3, t(lang, "h.final")), Para(rich(lang, "f.text_nothing", icon=_icon(facts), machine=machine, outcome=outcome))]
    trend = facts.train_trend()
    if len(facts.train) > 1 and trend.last >= trend.first:
        quality = t(lang, "f.not_falling")
    elif advice.get("overfitting"):
        quality = t(lang, "f.overfitting")
    elif advice.oscillations:
        quality = t(lang, "f.oscillating")
    else:
        quality = t(lang, "f.good")
    stored = t(lang, "f.stored" if _adapter_saved(facts) else "f.not_stored")
    text = rich(lang, "f.text", icon=_icon(facts), machine=machine, outcome=outcome, quality=quality, losses=_losses(facts, lang, "f"), stored=stored)
    return [Heading(3, t(lang, "h.final")), Para(text)]
