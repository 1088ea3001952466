"""The report's opening sections, in the seed report's order, from ``RunFacts``.

The state of the run, the training environment with every parameter, and
the log analysis (initialization, process with the loss table, convergence)
and results, in English or Chinese; ``report_closing`` writes the rest and
``report.build_blocks`` puts them together. Every number is formatted here
from the facts (three decimals for losses and speeds, as the seed does);
nothing is typed in. Plain Python, any thread.
"""

from __future__ import annotations

from pathlib import Path

from lorastudio.core.runs.describe import failure, stop_reason
from lorastudio.core.report import advice as ra
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.report.advice import Advice
from lorastudio.core.report.facts import RunFacts
from lorastudio.core.report.doc import Block, Bullets, C, Figure, Heading, Item, Note, Para, Table
from lorastudio.core.report.i18n import rich, t

# ----------------------------------------------------------------------------
# number formats (the table's: three decimals, thousands separated)


def f_loss(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def f_rate(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def f_int(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def f_gb(x: float) -> str:
    return f"{x:.3f} GB"


def f_gb1(x: float) -> str:
    """GB with the decimals a size needs: 38.7 GB, 2.05 GB, 0.011 GB."""
    if abs(x) >= 10:
        return f"{x:.1f} GB"
    return f"{x:.2f} GB" if abs(x) >= 1 else f"{x:.3f} GB"


def f_pct(x: float) -> str:
    """A percentage without its sign: 47.1, or two significant digits below 1 (0.045)."""
    return f"{x:.1f}" if abs(x) >= 1 or x == 0 else f"{x:.2g}"


def f_number(x) -> str:
    """A config value as its shortest text: 1e-05 -> 1e-5, 10.0 -> 10.0."""
    if isinstance(x, bool) or x is None:
        return str(x).lower() if x is not None else "null"
    if isinstance(x, float):
        text = repr(x)
        if "e" in text:
            mantissa, exponent = text.split("e")
            return f"{mantissa}e{int(exponent)}"
        return text
    return str(x)


def f_size(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def f_machine_memory(n: int) -> str:
    """Installed memory as machines are sold: 48 GiB reads '48 GB'."""
    gib = n / 2**30
    return f"{gib:.0f} GB" if abs(gib - round(gib)) < 0.05 * gib else f"{gib:.1f} GB"


def f_duration(lang: str, seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return t(lang, "dur.h", h=h, m=m)
    if m:
        return t(lang, "dur.m", m=m, s=s)
    return t(lang, "dur.s", s=s)


def shell_quote(text: str) -> str:
    """Double-quoted for a POSIX shell, as the seed writes its command."""
    return '"' + "".join("\\" + c if c in '\\"$`' else c for c in text) + '"'


# ----------------------------------------------------------------------------
# sections


def state_note(facts: RunFacts, lang: str) -> list[Block]:
    done, total = facts.iteration, facts.total_iters
    out: list[Block] = []
    if facts.config_error:
        out.append(Note("error", rich(lang, "state.config_error", error=facts.config_error)))
    if facts.state == "finished":
        if facts.early_stopped and facts.config is not None:
            out.append(Note("warn", rich(lang, "state.early_stop", done=done, total=total, patience=facts.config.early_stopping_patience)))
        else:
            out.append(Note("ok", rich(lang, "state.finished", done=done, total=total)))
    elif facts.state == "stopped":
        out.append(Note("warn", rich(lang, "state.stopped", done=done, total=total, reason=_reason(facts.state_message, lang))))
    elif facts.state == "failed":
        error = failure(facts.failure, lang) if facts.failure else facts.state_message
        details = facts.failure.details if facts.failure else ""
        tail = "\n".join(details.strip().splitlines()[-15:])
        out.append(Note("error", rich(lang, "state.failed", done=done, total=total, error=error), details=tail))
    elif facts.state in ("running", "starting", "paused"):
        key = "state.paused" if facts.state == "paused" else "state.running"
        out.append(Note("warn", rich(lang, key, done=done, total=total)))
    else:
        out.append(Note("warn", rich(lang, "state.created")))
    return out


def _reason(reason: str, lang: str) -> list:
    words = stop_reason(reason, lang)
    return [words] if words else rich(lang, "reason.other", reason=reason or "?")


def environment(facts: RunFacts, lang: str) -> list[Block]:
    env, cfg = facts.environment, facts.config
    items: list[Item] = []
    if env:
        items.append(
            Item(
                rich(
                    lang,
                    "env.hardware",
                    chip=env.get("chip", "?"),
                    cores=env.get("cpu_count", "?"),
                    memory=f_machine_memory(facts.memory_bytes) if facts.memory_bytes else "?",
                    machine=env.get("machine", "?"),
                )
            )
        )
        if env.get("device") == "gpu":
            items.append(Item(rich(lang, "env.device_gpu", name=env.get("device_name") or "GPU")))
        else:
            items.append(Item(rich(lang, "env.device_cpu", blas=env.get("blas") or "?")))
        items.append(Item(rich(lang, "env.os", os=env.get("os", "?"))))
        items.extend(_machines(facts, lang))
        items.append(
            Item(
                rich(
                    lang,
                    "env.software",
                    mlx=env.get("mlx", "?"),
                    mlx_lm=env.get("mlx_lm", "?"),
                    lorastudio=env.get("lorastudio", "?"),
                    python=env.get("python", "?"),
                )
            )
        )
    else:
        items.append(Item(rich(lang, "env.unknown")))
    if cfg is not None:
        items.append(Item(rich(lang, "env.model", model=cfg.model)))
        data = Item(rich(lang, "env.data", data=cfg.data))
        if facts.started is not None:
            data.children.append(Item(_examples(facts, lang)))
        items.append(data)
        items.extend(_parameters(cfg, facts, lang))
    blocks: list[Block] = [Heading(2, t(lang, "h.environment")), Bullets(items)]
    if cfg is not None:
        rows = _other_settings(cfg)
        if rows:
            blocks.append(Heading(4, t(lang, "h.settings")))
            blocks.append(Table([t(lang, "settings.setting"), t(lang, "settings.value")], rows))
    return blocks


def _machines(facts: RunFacts, lang: str) -> list[Item]:
    """A distributed run: its ranks, hosts and backend, and each host's tokens/s at the last report."""
    record = facts.status.get("distributed") or {}
    if not record or int(record.get("ranks", 1)) < 2:
        return []
    hosts = list(dict.fromkeys(record.get("hosts") or []))
    item = Item(rich(lang, "env.distributed", ranks=record["ranks"], hosts=", ".join(hosts) or "?",
                     backend=record.get("backend") or t(lang, "env.backend_default")))
    for host, rate in (facts.status.get("host_tokens_per_second") or {}).items():
        item.children.append(Item(rich(lang, "env.host_rate", host=host, rate=f"{rate:,.0f}")))
    return [item]


def _examples(facts: RunFacts, lang: str) -> str:
    s = facts.started
    return t(lang, "env.examples", train=f_int(s.train_examples), valid=f_int(s.valid_examples), test=f_int(s.test_examples))


def _parameters(cfg: TrainConfig, facts: RunFacts, lang: str) -> list[Item]:
    items = [Item(rich(lang, "env.fine_tune_type", kind=cfg.fine_tune_type))]
    if cfg.fine_tune_type != "full":
        layers = t(lang, "env.layers_all") if cfg.num_layers < 0 else t(lang, "env.layers_n", n=cfg.num_layers)
        items.append(Item(rich(lang, "env.layers", layers=layers)))
    items.append(Item(rich(lang, "env.max_seq_length", n=cfg.max_seq_length)))
    items.append(Item(rich(lang, "env.learning_rate", lr=f_number(cfg.learning_rate))))
    if cfg.lr_schedule is not None:
        s = cfg.lr_schedule
        args = "[" + ", ".join(f_number(a) for a in s.arguments) + "]"
        items.append(Item(rich(lang, "env.schedule", name=s.name, arguments=args, warmup=s.warmup)))
    options = cfg.optimizer_config.get(cfg.optimizer) or {}
    if options:
        text = ", ".join(f"{k}: {f_number(v)}" for k, v in options.items())
        items.append(Item(rich(lang, "env.optimizer_options", name=cfg.optimizer, options=text)))
    else:
        items.append(Item(rich(lang, "env.optimizer", name=cfg.optimizer)))
    items.append(Item(rich(lang, "env.batch_size", n=cfg.batch_size)))
    if cfg.epochs is not None:
        items.append(Item(rich(lang, "env.epochs", epochs=f_number(cfg.epochs), n=facts.total_iters)))
    else:
        items.append(Item(rich(lang, "env.iters", n=facts.total_iters)))
    items.append(Item(rich(lang, "env.grad_checkpoint", value=t(lang, "on" if cfg.grad_checkpoint else "off"))))
    if cfg.fine_tune_type != "full":
        lp = cfg.lora_parameters
        keys: list = []
        if lp.keys:
            for i, key in enumerate(lp.keys):
                keys.extend(([", "] if i else []) + [C(key)])
        else:
            keys = [t(lang, "env.keys_all")]
        items.append(
            Item(
                rich(lang, "env.lora"),
                [
                    Item(rich(lang, "env.keys", keys=keys)),
                    Item(rich(lang, "env.rank", rank=lp.rank)),
                    Item(rich(lang, "env.scale", scale=f_number(lp.scale))),
                    Item(rich(lang, "env.alpha", alpha=f_number(float(lp.scale * lp.rank)))),
                    Item(rich(lang, "env.dropout", dropout=f_number(lp.dropout))),
                ],
            )
        )
    return items


# Fields already shown in the bullets, or of no consequence for the result.
_SHOWN = {
    "model", "data", "fine_tune_type", "optimizer", "optimizer_config", "learning_rate", "lr_schedule", "num_layers",
    "lora_parameters", "batch_size", "iters", "epochs", "max_seq_length", "grad_checkpoint", "adapter_path",
}


def _other_settings(cfg: TrainConfig) -> list[list]:
    defaults = TrainConfig()
    single_file = Path(cfg.data).suffix == ".jsonl"
    rows = []
    for key, value in cfg.to_dict().items():
        if key in _SHOWN or key == "train":
            continue
        if key in ("valid_fraction", "test_fraction", "split_seed") and not single_file:
            continue
        if key in ("chat_feature", "prompt_feature", "completion_feature", "text_feature", "trust_remote_code",
                   "report_to", "project_name", "resume_adapter_file", "clear_cache_threshold", "eval_prompts"):
            if value == getattr(defaults, key):
                continue
        if isinstance(value, list):
            text = "; ".join(str(v) for v in value)
        else:
            text = f_number(value)
        rows.append([C(key), C(text if len(text) <= 120 else text[:117] + "...")])
    return rows


def initialization(facts: RunFacts, lang: str) -> list[Block]:
    blocks: list[Block] = [Heading(3, t(lang, "h.init"))]
    if facts.started is None or facts.config is None:
        key = "init.no_start_event" if facts.train or facts.val else "init.not_started"
        return blocks + [Bullets([Item(rich(lang, key))])]
    from lorastudio.core.models.info import TrainableCount

    s = facts.started
    count = TrainableCount(s.trainable_parameters, s.total_parameters)
    share, counts = str(count).split(" ", 1)
    items = [
        Item(t(lang, "init.model", model=Path(facts.config.model.rstrip("/")).name or facts.config.model)),
        Item(t(lang, "init.data", examples=_examples(facts, lang))),
        Item(
            rich(lang, "init.trainable"),
            [Item(rich(lang, "init.share", share=share, counts=counts)), Item(rich(lang, "init.device", device=s.device))],
        ),
    ]
    if facts.resumed_at:
        sep = "、" if lang == "zh" else ", "
        items.append(Item(t(lang, "init.resumed", iterations=sep.join(str(i) for i in facts.resumed_at))))
    return blocks + [Bullets(items)]


def process(facts: RunFacts, lang: str, figures: list[Figure]) -> list[Block]:
    blocks: list[Block] = [Heading(3, t(lang, "h.process"))]
    items = [Item(rich(lang, "proc.iters", done=facts.iteration, total=facts.total_iters))]
    peak = facts.peak_memory_gb
    if peak is not None:
        key = "proc.peak_gpu" if facts.environment.get("device") == "gpu" else "proc.peak_cpu"
        items.append(Item(rich(lang, key, peak=f_gb(peak))))
    speed, tokens = facts.speed_range(), facts.tokens_range()
    if speed is not None and tokens is not None:
        items.append(
            Item(
                rich(lang, "proc.speed"),
                [
                    Item(rich(lang, "proc.its", low=f_rate(speed.low), high=f_rate(speed.high))),
                    Item(rich(lang, "proc.tps", low=f_rate(tokens.low), high=f_rate(tokens.high))),
                    Item(rich(lang, "proc.tokens", tokens=f_int(facts.trained_tokens))),
                ],
            )
        )
    lr = facts.learning_rate_range()
    if lr is not None and facts.config is not None and facts.config.lr_schedule is not None:
        items.append(Item(rich(lang, "proc.lr", low=f_number(lr.low), high=f_number(lr.high))))
    if facts.train_seconds:
        items.append(Item(rich(lang, "proc.time", time=f_duration(lang, facts.train_seconds))))
    if facts.epochs_seen is not None and facts.iteration:
        items.append(Item(rich(lang, "proc.epochs", epochs=f"{facts.epochs_seen:.2f}")))
    if not facts.train and facts.config is not None:
        items.append(Item(t(lang, "proc.no_reports", n=facts.config.steps_per_report)))
    blocks.append(Bullets(items))
    if facts.rows:
        header = [t(lang, k) for k in ("table.iter", "table.train", "table.val", "table.its", "table.tps", "table.tokens")]
        rows = [
            [
                f"Iter {r.iteration}",
                f_loss(r.train_loss),
                f_loss(r.val_loss),
                f_rate(r.iterations_per_second),
                f_rate(r.tokens_per_second),
                f_int(r.trained_tokens),
            ]
            for r in facts.rows
        ]
        blocks.append(Table(header, rows, ["l", "r", "r", "r", "r", "r"]))
        blocks.append(Para(rich(lang, "table.note")))
    blocks.extend(figures)
    return blocks


def convergence(facts: RunFacts, advice: Advice, lang: str) -> list[Block]:
    items: list[Item] = []
    trend = facts.train_trend()
    if trend is not None:
        children = []
        if len(facts.train) == 1:
            children.append(Item(rich(lang, "trend.single", last=f_loss(trend.last), last_it=trend.last_iteration)))
        else:
            key = "trend.fell" if trend.change <= 0 else "trend.rose"
            children.append(
                Item(
                    rich(
                        lang,
                        key,
                        first=f_loss(trend.first),
                        first_it=trend.first_iteration,
                        last=f_loss(trend.last),
                        last_it=trend.last_iteration,
                        change=f"{trend.change:+.3f}",
                        percent=f"{trend.change_percent:+.1f}%",
                    )
                )
            )
            if advice.oscillations:
                worst = max(advice.oscillations, key=lambda r: r.percent)
                children.append(
                    Item(
                        t(
                            lang,
                            "trend.oscillated",
                            count=len(advice.oscillations),
                            threshold=f"{ra.OSCILLATION_RISE_PERCENT:g}",
                            before=f_loss(worst.before),
                            after=f_loss(worst.after),
                            it=worst.iteration,
                            percent=f_pct(worst.percent),
                        )
                    )
                )
            else:
                children.append(Item(t(lang, "trend.steady", threshold=f"{ra.OSCILLATION_RISE_PERCENT:g}")))
        title = "trend.train" if trend.change <= 0 or len(facts.train) == 1 else "trend.train_rose"
        items.append(Item(rich(lang, title), children))
    vtrend = facts.val_trend()
    children = []
    if vtrend is None:
        children.append(Item(t(lang, "trend.no_val")))
    elif len(facts.val) == 1:
        children.append(Item(rich(lang, "trend.val_single", last=f_loss(vtrend.last), last_it=vtrend.last_iteration)))
    else:
        key = "trend.val_fell" if vtrend.change <= 0 else "trend.val_rose"
        values = dict(first=f_loss(vtrend.first), first_it=vtrend.first_iteration, last=f_loss(vtrend.last), last_it=vtrend.last_iteration)
        children.append(Item(rich(lang, key, **values)))
        if vtrend.best_iteration != vtrend.last_iteration:
            children.append(Item(rich(lang, "trend.val_best", best=f_loss(vtrend.best), best_it=vtrend.best_iteration)))
        children.append(Item(t(lang, "trend.generalizes" if vtrend.best < vtrend.first else "trend.not_generalizing")))
    title = "trend.val_rose_title" if vtrend is not None and len(facts.val) > 1 and vtrend.change > 0 else "trend.val"
    items.append(Item(rich(lang, title), children))
    speed, tokens = facts.speed_range(), facts.tokens_range()
    if speed is not None and tokens is not None:
        key = "trend.speed_steady" if ra.speed_steady(speed.low, speed.high) else "trend.speed_varied"
        items.append(
            Item(
                rich(lang, "trend.speed"),
                [
                    Item(rich(lang, key, low=f_rate(speed.low), high=f_rate(speed.high), threshold=f"{ra.SPEED_STEADY_PERCENT:g}")),
                    Item(rich(lang, "trend.tps", low=f_rate(tokens.low), high=f_rate(tokens.high))),
                    Item(rich(lang, "trend.total", tokens=f_int(facts.trained_tokens))),
                ],
            )
        )
    if facts.test is not None:
        test = Item(rich(lang, "trend.test_values", loss=f_loss(facts.test.test_loss), ppl=f_loss(facts.test.test_ppl)))
    else:
        test = Item(rich(lang, "trend.no_test"))
    items.append(Item(rich(lang, "trend.test"), [test]))
    return [Heading(3, t(lang, "h.trend")), Bullets(items)]


def results(facts: RunFacts, lang: str) -> list[Block]:
    files = [Item(rich(lang, "res.file", name=name, size=f_size(size))) for name, size in facts.adapter_files]
    model = Item(rich(lang, "res.saved", path=str(facts.run_dir)), files) if files else Item(t(lang, "res.no_files"))
    items = [Item(rich(lang, "res.model"), [model])]
    losses = []
    if facts.train:
        losses.append(Item(rich(lang, "res.train", loss=f_loss(facts.train[-1].train_loss))))
    if facts.val:
        losses.append(Item(rich(lang, "res.val", loss=f_loss(facts.val[-1].val_loss))))
        vtrend = facts.val_trend()
        if vtrend is not None and vtrend.best_iteration != vtrend.last_iteration:
            has_best = any(name.startswith("best/") for name, _ in facts.adapter_files)
            where = rich(lang, "res.best_where") if has_best else ""
            losses.append(Item(rich(lang, "res.best", loss=f_loss(vtrend.best), it=vtrend.best_iteration, where=where or [])))
    if facts.test is not None:
        losses.append(Item(rich(lang, "res.test", loss=f_loss(facts.test.test_loss), ppl=f_loss(facts.test.test_ppl))))
    items.append(Item(rich(lang, "res.losses"), losses or [Item(t(lang, "res.unknown"))]))
    peak = facts.peak_memory_gb
    items.append(Item(rich(lang, "res.memory"), [Item(rich(lang, "res.peak", peak=f_gb(peak)) if peak else t(lang, "res.unknown"))]))
    speed, tokens = facts.speed_range(), facts.tokens_range()
    if speed is not None and tokens is not None:
        items.append(
            Item(
                rich(lang, "res.efficiency"),
                [
                    Item(rich(lang, "res.its", low=f_rate(speed.low), high=f_rate(speed.high))),
                    Item(rich(lang, "res.tps", low=f_rate(tokens.low), high=f_rate(tokens.high))),
                ],
            )
        )
    return [Heading(2, t(lang, "h.results")), Bullets(items)]
