"""The Report panel on real tiny-model runs: the report in the window, languages, themes, export, states.

Two runs are trained once per module with ``start_training(...).run_to_end()``
(the real training child): one finished, one failed while preparing (a bad
num_layers). Screenshots go to each test's tmp_path (ui-report-*.png); the exported PDF's
first page too (ui-report-pdf-page1.png) when poppler's pdftoppm is there.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ini_settings
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QFileDialog

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Failed, Finished, TrainReport
from lorastudio.ui import training_controller as tc
from lorastudio.ui.panels import report_panel as rp
from lorastudio.ui.panels.report_export import default_file_name
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import DARK, LIGHT, Theme

FINISHED, FAILED = "finished-run", "failed-run"
SIZE = (1010, 700)  # the page area of a 1280x820 window


@pytest.fixture(scope="module")
def made_runs(tiny_model, tiny_data, tmp_path_factory):
    from lorastudio.core.train.jobs import start_training

    root = tmp_path_factory.mktemp("report-runs") / "runs"
    config = TrainConfig(
        model=str(tiny_model), data=str(tiny_data), num_layers=2, batch_size=4, iters=8, learning_rate=1e-3,
        steps_per_report=1, steps_per_eval=4, val_batches=2, save_every=4, max_seq_length=128, test=True, test_batches=2,
    ).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    assert isinstance(start_training(config, root=root, name=FINISHED).run_to_end(), Finished)
    assert isinstance(start_training(config.replace(num_layers=9), root=root, name=FAILED).run_to_end(), Failed)
    return root


def train_reports(run_dir: Path) -> list[dict]:
    """The train reports of metrics.jsonl, read here without the core."""
    lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == "train_report"]


@pytest.fixture
def make_panel(qtbot, tiny_config, tmp_path):
    made = []

    def make(runs_root, language="en", size=SIZE):
        settings = ini_settings(tmp_path)
        settings.set_language(language)
        state = AppState(tiny_config, runs_root)
        training = tc.TrainingController(runs_root)
        panel = rp.ReportPanel(state, training, settings)
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        if panel.training.busy:
            panel.training.kill()
            panel.training.wait(20_000)
    Theme("light")  # the app palette is global: leave it light for the next test


def show_run(qtbot, panel, run_dir):
    with qtbot.waitSignal(panel.report_shown, timeout=30_000, check_params_cb=lambda path: path == run_dir):
        panel.state.set_current_run(run_dir)
        # built on a worker thread: its result cannot be in before the event loop runs again
        assert panel.loading and panel.busy_bar.isVisibleTo(panel) and panel.busy_label.text()
    qtbot.waitUntil(lambda: not panel.loading, timeout=10_000)
    assert not panel.busy_bar.isVisibleTo(panel)


def text_of(panel) -> str:
    return panel.browser.toPlainText()


def scroll_to(panel, needle: str) -> None:
    """Scroll the report so that the first line containing ``needle`` is at the top."""
    found = panel.browser.document().find(needle)
    assert not found.isNull(), needle
    rect = panel.browser.document().documentLayout().blockBoundingRect(found.block())
    panel.browser.verticalScrollBar().setValue(int(rect.top()) - 20)


def shot(panel, name: str, folder) -> None:
    assert panel.grab().save(str(folder / f"ui-report-{name}.png"))


# --- empty and failed ----------------------------------------------------------------


def test_empty_state_says_how_to_get_a_run(qtbot, make_panel, made_runs, tmp_path):
    panel = make_panel(made_runs)
    assert panel.stack.currentWidget() is panel.empty
    words = " ".join(label.text() for label in panel.empty.findChildren(rp.QLabel))
    assert "No run selected" in words and "Runs page" in words and "Train page" in words
    assert not panel.export_button.isEnabled() and not panel.refresh_button.isEnabled()
    with qtbot.waitSignal(panel.show_runs_requested, timeout=1000):
        panel.empty.runs_button.click()
    with qtbot.waitSignal(panel.train_requested, timeout=1000):
        panel.empty.train_button.click()
    shot(panel, "empty", tmp_path)

    show_run(qtbot, panel, made_runs / FINISHED)  # a run, then none again: back to the empty state
    with qtbot.waitSignal(panel.report_shown, timeout=5000, check_params_cb=lambda path: path is None):
        panel.state.set_current_run(None)
    assert panel.stack.currentWidget() is panel.empty and panel.data is None and not text_of(panel)


def test_failed_run_shows_its_error(qtbot, make_panel, made_runs, tmp_path):
    panel = make_panel(made_runs)
    show_run(qtbot, panel, made_runs / FAILED)
    text = text_of(panel)
    assert "Training failed" in text
    assert "num_layers: 9 layers requested but the model has only 2" in text
    assert "ModelInfoError" in text  # the end of the child's traceback, in the note
    assert len(panel.chart_images()) == 2  # the charts say "no data yet" rather than vanish
    shot(panel, "failed", tmp_path)


def test_a_missing_run_folder_is_an_error_not_an_empty_report(qtbot, make_panel, tmp_path):
    panel = make_panel(tmp_path)
    with qtbot.waitSignal(panel.report_failed, timeout=30_000):
        panel.state.set_current_run(tmp_path / "gone")
    assert panel.banner.kind == "error" and "no run folder" in panel.banner.message.text()
    assert panel.data is None and not panel.export_button.isEnabled()


# --- a finished run -----------------------------------------------------------------


def test_report_shows_final_loss_every_table_row_commands_and_charts(qtbot, make_panel, made_runs, tmp_path):
    run_dir = made_runs / FINISHED
    reports = train_reports(run_dir)
    panel = make_panel(made_runs)
    show_run(qtbot, panel, run_dir)
    assert panel.stack.currentWidget() is panel.browser
    text = text_of(panel)
    assert f"{reports[-1]['train_loss']:.3f}" in text
    for heading in ("1. Training environment", "2.2 Training process", "2.3 Convergence", "4. Conclusion", "Final conclusion"):
        assert heading in text
    # one table row per reported step, with that step's train loss and tokens/s
    rows = {int(m.group(1)): line for line in text.splitlines() if (m := re.match(r"Iter (\d+)\b", line))}
    for report in reports:
        assert f"{report['train_loss']:.3f}" in text
        assert report["iteration"] in rows
    assert sorted(rows) == [r["iteration"] for r in reports]

    # the command to try the adapter, set in a monospace font
    cursor = panel.browser.document().find("mlx_lm.generate --model")
    assert not cursor.isNull()
    assert QFontInfo(cursor.charFormat().font()).fixedPitch()

    # the two charts are images of the document, drawn at the width the text column allows
    charts = panel.chart_images()
    assert [name for name, _ in charts] == ["chart:loss.svg", "chart:throughput.svg"]
    for _, image in charts:
        assert not image.isNull() and 280 <= image.width() / image.devicePixelRatio() <= 760
    wide = charts[0][1].width()

    assert panel.browser.horizontalScrollBar().maximum() == 0  # everything wraps to the page
    shot(panel, "light-top", tmp_path)
    scroll_to(panel, "2.2 Training process")
    shot(panel, "light-table", tmp_path)
    scroll_to(panel, "Iterations are numbered")
    shot(panel, "light-charts", tmp_path)
    scroll_to(panel, "4. Conclusion")
    shot(panel, "light-conclusion", tmp_path)

    # a narrow window (980x640): the charts shrink to fit and nothing is wider than the page
    panel.resize(720, 500)
    qtbot.waitUntil(lambda: panel.chart_images() and panel.chart_images()[0][1].width() < wide, timeout=5000)
    assert panel.browser.horizontalScrollBar().maximum() == 0
    scroll_to(panel, "Iterations are numbered")
    shot(panel, "narrow-charts", tmp_path)


def test_chinese_follows_the_app_language_and_the_switch(qtbot, make_panel, made_runs, tmp_path):
    run_dir = made_runs / FINISHED
    panel = make_panel(made_runs, language="zh_CN")
    assert panel.lang == "zh"
    show_run(qtbot, panel, run_dir)
    text = text_of(panel)
    assert "训练环境" in text and "训练日志分析" in text
    assert f"{train_reports(run_dir)[-1]['train_loss']:.3f}" in text
    assert [name for name, _ in panel.chart_images()] == ["chart:loss.zh.svg", "chart:throughput.zh.svg"]
    shot(panel, "zh-top", tmp_path)
    scroll_to(panel, "2.2 ")
    shot(panel, "zh-table", tmp_path)

    with qtbot.waitSignal(panel.report_shown, timeout=30_000):
        panel.language.setCurrentIndex(panel.language.findData("en"))
    assert "Training environment" in text_of(panel) and "训练环境" not in text_of(panel)


def test_dark_theme_recolours_text_tables_and_charts(qtbot, make_panel, made_runs, tmp_path):
    panel = make_panel(made_runs)
    show_run(qtbot, panel, made_runs / FINISHED)
    html = panel.browser.document().toHtml()
    assert LIGHT.card in html and DARK.card not in html

    Theme("dark")
    qtbot.waitUntil(lambda: DARK.card in panel.browser.document().toHtml(), timeout=5000)
    _, loss = panel.chart_images()[0]
    paper = loss.pixelColor(loss.width() // 2, 4)  # above the chart's title: its background
    assert paper.lightness() < 80
    assert panel.browser.palette().color(panel.browser.palette().ColorRole.Text).lightness() > 180
    shot(panel, "dark-top", tmp_path)
    scroll_to(panel, "Iterations are numbered")
    shot(panel, "dark-charts", tmp_path)


# --- export --------------------------------------------------------------------------


def export(qtbot, panel, monkeypatch, fmt, chosen: Path):
    asked = {}

    def fake_dialog(parent, title, start, filters):
        asked.update(title=title, start=start, filters=filters)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    with qtbot.waitSignal(panel.exported, timeout=60_000) as done:
        panel.export_actions[fmt].trigger()
    qtbot.waitUntil(lambda: not panel.exporting, timeout=5000)
    return done.args[0], asked


def test_export_markdown_html_and_pdf(qtbot, make_panel, made_runs, tmp_path, monkeypatch):
    run_dir = made_runs / FINISHED
    panel = make_panel(made_runs)
    show_run(qtbot, panel, run_dir)
    out = tmp_path / "exports"
    out.mkdir()

    # Markdown: the extension is added; the charts it links are beside it
    files, asked = export(qtbot, panel, monkeypatch, "md", out / "my report")
    assert Path(asked["start"]).name == default_file_name(FINISHED, "en", "md") == "finished-run-report.md"
    md = out / "my report.md"
    assert files[0] == md and md.is_file()
    text = md.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 2
    for link in links:
        chart = md.parent / link
        assert chart.is_file() and chart.read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert f"{train_reports(run_dir)[-1]['train_loss']:.3f}" in text
    assert panel.settings.last_directory() == str(out)
    assert panel.banner.kind == "success" and panel.reveal_button.isVisible()

    # "Show in Finder" (here: open the folder)
    opened = []
    monkeypatch.setattr(rp.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(rp.sys, "platform", "linux")
    panel.reveal_button.click()
    assert opened == [str(out)]

    # HTML: one self-contained file, the charts inline
    files, asked = export(qtbot, panel, monkeypatch, "html", out / "page.html")
    assert Path(asked["start"]).parent == out  # the folder of the last export is offered
    page = (out / "page.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2

    # PDF: A4 pages with the charts, more than one page
    files, _ = export(qtbot, panel, monkeypatch, "pdf", out / "report.pdf")
    pdf = out / "report.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 30_000
    assert len(re.findall(rb"/Type\s*/Page\b", data)) > 1
    assert data.count(b"/Subtype /Image") >= 2 or data.count(b"/Image") >= 2
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "ui-report-pdf-page1")], check=True)
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "2", "-l", "2", "-singlefile", str(pdf), str(tmp_path / "ui-report-pdf-page2")], check=True)
        assert Path(str(tmp_path / "ui-report-pdf-page1.png")).stat().st_size > 10_000
    if shutil.which("pdftotext"):
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "1. Training environment" in first
        assert "Training finished: 8 of 8 iterations." in first.replace("ﬁ", "fi")  # words keep their spaces


def test_export_error_is_shown_and_nothing_crashes(qtbot, make_panel, made_runs, tmp_path, monkeypatch):
    panel = make_panel(made_runs)
    show_run(qtbot, panel, made_runs / FINISHED)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(blocker / "inside.html"), "")))
    panel.export_actions["html"].trigger()
    qtbot.waitUntil(lambda: not panel.exporting, timeout=30_000)
    assert panel.banner.kind == "error" and "Could not export" in panel.banner.message.text()
    assert not panel.reveal_button.isVisible()


# --- a run in progress ---------------------------------------------------------------


def test_a_run_in_progress_shows_its_report_so_far_then_refreshes_when_it_ends(qtbot, make_panel, tmp_path, tiny_config):
    panel = make_panel(tmp_path / "runs")
    controller = panel.training
    controller.run_started.connect(panel.state.set_current_run)  # as the Train panel does
    config = tiny_config.replace(iters=100_000, steps_per_eval=100_000, save_every=100_000)
    with qtbot.waitSignal(controller.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport) and e.iteration >= 2):
        controller.start(config)
    panel.refresh_button.click()
    qtbot.waitUntil(lambda: panel.data is not None and panel.data.iteration >= 2 and not panel.loading, timeout=30_000)
    assert panel.data.state in rp.ACTIVE_STATES
    assert panel.banner.isVisible() and panel.banner.kind == "info"
    assert "still training" in panel.banner.message.text()
    assert "Training is in progress" in text_of(panel)
    shot(panel, "running", tmp_path)

    with qtbot.waitSignal(panel.report_shown, timeout=120_000, check_params_cb=lambda path: path == controller.run_dir):
        controller.stop()
    qtbot.waitUntil(lambda: not panel.loading, timeout=10_000)
    assert panel.data.state == "stopped"
    assert not (panel.banner.isVisible() and panel.banner.kind == "info")
    assert f"{train_reports(controller.run_dir)[-1]['train_loss']:.3f}" in text_of(panel)
