"""The training report of a run, generated from its folder: Markdown and HTML, English and Chinese.

It is the seed report (``training-report.zh.md``) written for you: training
environment, every parameter, the trainable share, the table of train and
validation losses with speeds and trained tokens, convergence, speed ranges,
peak memory, test loss, adapter files, the ``mlx_lm.generate`` command,
plots of loss and throughput, and closing advice derived from the numbers.

- ``render_markdown(run_dir, lang)`` / ``render_html(run_dir, lang)``: the
  text, nothing written (for the app to show);
- ``render_plots(run_dir, lang)``: the SVG charts by file name;
- ``write_report(run_dir, lang, formats)``: ``report.md`` / ``report.html``
  (``report.zh.md`` / ``report.zh.html`` in Chinese) and the charts under
  ``report_files/``, each written atomically; returns the report paths.

``predict_peak_gb`` (optional, every function) is the memory estimator's
``config -> peak GB``; without it the memory advice uses a proportional rule
on the measured peak and says so. Plain Python (no MLX, no Qt), any thread;
it reads a run being trained as it is at that moment.
"""

from __future__ import annotations

from pathlib import Path

from lorastudio.core.base import atomic
from lorastudio.core.runs.events import Event
from lorastudio.core.report.advice import PeakPredictor, derive_advice
from lorastudio.core.report.closing import conclusion, final, inference
from lorastudio.core.report.facts import VAL_ITER_OFFSET, RunFacts, collect
from lorastudio.core.report.doc import Block, Figure, Heading, Para, Rule, to_html, to_markdown
from lorastudio.core.report.i18n import LANGUAGES, rich, t
from lorastudio.core.report.text import convergence, environment, initialization, process, results, state_note
from lorastudio.core.report.svg_plot import BLUE, GREEN, ORANGE, PURPLE, Series, line_chart

FORMATS = ("md", "html")
FILES_DIR = "report_files"


def _check(lang: str, formats=()) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"report language must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    for f in formats:
        if f not in FORMATS:
            raise ValueError(f"report format must be one of {', '.join(FORMATS)} (got {f!r})")


def report_name(lang: str, fmt: str) -> str:
    """``report.md``, ``report.html``, ``report.zh.md``, ``report.zh.html``."""
    return f"report.{fmt}" if lang == "en" else f"report.{lang}.{fmt}"


def plot_names(lang: str) -> dict[str, str]:
    suffix = "" if lang == "en" else f".{lang}"
    return {"loss": f"loss{suffix}.svg", "throughput": f"throughput{suffix}.svg"}


# ----------------------------------------------------------------------------
# charts


def loss_chart(facts: RunFacts, lang: str) -> str:
    series = [
        Series(t(lang, "fig.train"), [(r.iteration, r.train_loss) for r in facts.train], BLUE, "line"),
        Series(t(lang, "fig.val"), [(v.iteration + VAL_ITER_OFFSET, v.val_loss) for v in facts.val], ORANGE, "line+markers", dashed=True),
    ]
    return line_chart(series, t(lang, "fig.loss"), t(lang, "fig.x"), t(lang, "fig.loss_y"), empty_text=t(lang, "fig.empty"))


def throughput_chart(facts: RunFacts, lang: str) -> str:
    series = [
        Series(t(lang, "fig.tps"), [(r.iteration, r.tokens_per_second) for r in facts.train], GREEN, "line+markers"),
        Series(t(lang, "fig.its"), [(r.iteration, r.iterations_per_second) for r in facts.train], PURPLE, "line", axis="right", dashed=True),
    ]
    return line_chart(
        series, t(lang, "fig.speed"), t(lang, "fig.x"), t(lang, "fig.tps"), t(lang, "fig.its"), empty_text=t(lang, "fig.empty"), zero_based=True
    )


def _plots(facts: RunFacts, lang: str) -> dict[str, str]:
    names = plot_names(lang)
    return {names["loss"]: loss_chart(facts, lang), names["throughput"]: throughput_chart(facts, lang)}


def render_plots(run_dir: str | Path, lang: str = "en") -> dict[str, str]:
    """The report's SVG charts, by file name (``loss.svg``, ``throughput.svg``; ``.zh`` in Chinese)."""
    _check(lang)
    return _plots(collect(run_dir), lang)


# ----------------------------------------------------------------------------
# the document


def build_blocks(facts: RunFacts, lang: str = "en", predict_peak_gb: PeakPredictor | None = None,
                 plots: dict[str, str] | None = None) -> list[Block]:
    """The whole report as blocks, in the seed's order."""
    _check(lang)
    advice = derive_advice(facts, predict_peak_gb)
    plots = plots if plots is not None else _plots(facts, lang)
    names = plot_names(lang)
    figures = [
        Figure(f"{FILES_DIR}/{names['loss']}", plots[names["loss"]], t(lang, "fig.loss_caption")),
        Figure(f"{FILES_DIR}/{names['throughput']}", plots[names["throughput"]], t(lang, "fig.speed_caption")),
    ]
    created = facts.status.get("created")
    when = _date(created) if isinstance(created, (int, float)) else "?"
    blocks: list[Block] = [Heading(1, t(lang, "title", name=facts.name)), Para(rich(lang, "source", path=str(facts.run_dir), created=when))]
    blocks += state_note(facts, lang)
    blocks += environment(facts, lang)
    blocks += [Rule(), Heading(2, t(lang, "h.log"))]
    blocks += initialization(facts, lang)
    blocks += process(facts, lang, figures)
    blocks += convergence(facts, advice, lang)
    blocks += [Rule()] + results(facts, lang)
    blocks += [Rule()] + conclusion(facts, advice, lang)
    blocks += [Rule()] + inference(facts, lang)
    blocks += [Rule()] + final(facts, advice, lang)
    return blocks


def _date(timestamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def render_markdown(run_dir: str | Path, lang: str = "en", predict_peak_gb: PeakPredictor | None = None) -> str:
    """The report as Markdown (charts referenced as ``report_files/*.svg``); nothing is written."""
    return to_markdown(build_blocks(collect(run_dir), lang, predict_peak_gb))


def render_html(run_dir: str | Path, lang: str = "en", predict_peak_gb: PeakPredictor | None = None) -> str:
    """The report as one self-contained HTML page (CSS and SVG charts inline); nothing is written."""
    facts = collect(run_dir)
    return to_html(build_blocks(facts, lang, predict_peak_gb), t(lang, "title", name=facts.name), lang)


def write_report(
    run_dir: str | Path,
    lang: str = "en",
    formats: tuple[str, ...] | list[str] = FORMATS,
    predict_peak_gb: PeakPredictor | None = None,
    ending: Event | None = None,
) -> list[Path]:
    """Write the report into the run folder; return the paths of the report files written.

    ``ending`` is the run's terminal event when it is not in metrics.jsonl yet
    (the training child writes the report just before it announces the end).

    The charts go to ``report_files/`` first (the Markdown links them), then
    each report file; every file is replaced atomically, so a reader (or a
    second writer) never sees half a report.
    """
    if isinstance(formats, str):
        formats = (formats,)
    _check(lang, formats)
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no run folder at {run_dir}")
    facts = collect(run_dir, ending)
    plots = _plots(facts, lang)
    blocks = build_blocks(facts, lang, predict_peak_gb, plots)
    if "md" in formats:
        for name, svg in plots.items():
            atomic.write_text(run_dir / FILES_DIR / name, svg)
    written = []
    for fmt in dict.fromkeys(formats):
        text = to_markdown(blocks) if fmt == "md" else to_html(blocks, t(lang, "title", name=facts.name), lang)
        path = run_dir / report_name(lang, fmt)
        atomic.write_text(path, text)
        written.append(path)
    return written


def write_reports(run_dir: str | Path, predict_peak_gb: PeakPredictor | None = None, log=None,
                  ending: Event | None = None) -> list[str]:
    """Write the report in every language; return what went wrong, one line per language that failed.

    For the end of a run: a report that cannot be written must never turn a
    trained run into a failed one, so nothing is raised; each traceback goes
    to ``log`` (a text stream: the run's worker.log) when one is given.
    """
    import traceback

    problems = []
    for lang in LANGUAGES:
        try:
            write_report(run_dir, lang=lang, predict_peak_gb=predict_peak_gb, ending=ending)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            if log is not None:
                print(traceback.format_exc(), file=log, flush=True)
            problems.append(f"Writing the {lang} report failed: {exc}")
    return problems
