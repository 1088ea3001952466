"""The Data panel on the tiny model and tiny data: checking, problems with their lines, preview, lengths, splits, drops."""

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from conftest import ini_settings, write_chat_jsonl
from lorastudio.core.data.stats import dataset_stats, preview
from lorastudio.core.data.datasets import check_dataset
from lorastudio.core.data.keys import DataKeys
from lorastudio.core.base.paths import demo_dataset_dir
from lorastudio.ui.panels import data_jobs
from lorastudio.ui.panels.data_panel import DataPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.tasks import LatestTask
from lorastudio.ui.theme import Theme


@pytest.fixture
def make_panel(qtbot, tmp_path):
    def make(config, theme="light"):
        settings = ini_settings(tmp_path)
        panel = DataPanel(AppState(config, tmp_path / "runs"), Theme(theme), settings)
        qtbot.addWidget(panel)
        panel.resize(1010, 700)
        panel.show()
        return panel
    return make


def settled(panel) -> bool:
    jobs = (panel.checker, panel.tokenizer_job, panel.stats_job, panel.preview_job)
    return panel.report is not None and not any(job.running for job in jobs) and not panel._refresh_timer.isActive()


def wait_settled(qtbot, panel, timeout=30_000):
    qtbot.waitUntil(lambda: settled(panel), timeout=timeout)


@pytest.fixture
def bad_file(tmp_path):
    """A single file with four errors (lines 4, 8, 13, 21: one of them 5,000 characters long) and a warning (line 26)."""
    path = write_chat_jsonl(tmp_path / "bad.jsonl", 30)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = '{"messages": [{"role": "user", "content": "broken"}'
    lines[7] = json.dumps({"messages": [{"role": "user", "content": "no answer"}]})
    lines[12] = "[1, 2, 3]"
    lines[20] = json.dumps({"messages": [{"role": "robot", "content": "x" * 5000}, {"role": "assistant", "content": "y"}]})
    lines[25] = ""  # a blank line: a warning in a single file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_nothing_is_read_before_the_page_is_shown(qtbot, tmp_path, tiny_config):
    settings = ini_settings(tmp_path)
    panel = DataPanel(AppState(tiny_config, tmp_path / "runs"), Theme("light"), settings)
    qtbot.addWidget(panel)
    assert not panel.checker.running and not panel.tokenizer_job.running and panel.report is None
    panel.show()
    wait_settled(qtbot, panel)
    assert panel.report is not None and panel.tokenizer.ok


def test_tiny_folder_shows_counts_and_no_problems(make_panel, qtbot, tiny_config, tiny_data, monkeypatch):
    panel = make_panel(tiny_config.replace(data=str(demo_dataset_dir())))
    wait_settled(qtbot, panel)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(tiny_data))
    panel.choose_folder()
    assert panel.state.config.data == str(tiny_data)
    wait_settled(qtbot, panel)
    assert panel.report.path == str(tiny_data)
    assert panel.summary_text == "24 train / 8 valid / 8 test examples, chat format, no problems"
    assert panel.problems_tab.list.topLevelItemCount() == 0
    assert panel.problems_tab.stack.currentWidget() is panel.problems_tab.empty
    assert panel.tabs.currentWidget() is panel.preview_tab
    assert panel.settings.recent("datasets")[0] == str(tiny_data)
    assert panel.source.combo.itemData(0) == str(tiny_data)
    assert not panel.split_controls.isVisible()  # a folder brings its own splits


def test_bad_file_lists_every_problem_and_shows_its_line(make_panel, qtbot, tiny_config, bad_file):
    panel = make_panel(tiny_config.replace(data=str(bad_file)))
    wait_settled(qtbot, panel)
    core = check_dataset(bad_file)
    listed = panel.problems_tab.list
    assert listed.topLevelItemCount() == len(core.problems) == 5
    shown = [(listed.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole).line, listed.topLevelItem(i).text(0))
             for i in range(listed.topLevelItemCount())]
    assert shown == [(4, "Error"), (8, "Error"), (13, "Error"), (21, "Error"), (26, "Warning")]
    assert listed.topLevelItem(0).text(1) == "bad.jsonl, line 4"
    assert listed.topLevelItem(0).foreground(0).color() != listed.topLevelItem(4).foreground(0).color()
    assert panel.summary_text == "4 errors: training is blocked until they are fixed"
    assert panel.tabs.currentWidget() is panel.problems_tab
    assert panel.tabs.tabText(0) == "Problems (5)"

    lines = bad_file.read_text(encoding="utf-8").split("\n")
    view = panel.problems_tab.lines
    listed.select_index(2)  # line 13
    qtbot.waitUntil(lambda: view.highlighted == 13 and view.line_text(13) == lines[12], timeout=10_000)
    assert view.textCursor().blockNumber() == 13 - view.first
    assert "[1, 2, 3]" in panel.problems_tab.where.text() or "line 13" in panel.problems_tab.where.text()
    listed.select_index(3)  # line 21, 5,000 characters: shown cut
    qtbot.waitUntil(lambda: view.highlighted == 21, timeout=10_000)
    assert len(view.line_text(21)) < 1000 and "more bytes not shown" in view.line_text(21)
    assert view.line_text(21).startswith(lines[20][:200])


def test_preview_marks_prompt_tokens_and_follows_mask_prompt(make_panel, qtbot, tiny_config, tiny_model, tiny_data):
    panel = make_panel(tiny_config.replace(mask_prompt=True, max_seq_length=512))
    wait_settled(qtbot, panel)
    view = panel.preview_tab.view
    shown = view.preview
    assert shown is not None
    record = check_dataset(tiny_data).splits["train"][0]
    tokenizer = data_jobs.load_tokenizer_for(str(tiny_model)).tokenizer
    expected = preview(record, tokenizer, DataKeys(), mask_prompt=True, max_seq_length=512)
    assert shown.pieces == expected.pieces
    assert "".join(piece.text for piece in shown.pieces) == shown.text
    assert view.visible_text() == shown.text
    assert not any(piece.trains for piece in shown.pieces[:shown.offset])
    assert all(piece.trains for piece in shown.pieces[shown.offset:])
    assert 0 < shown.offset < len(shown.pieces)
    assert [view.token_at(start) for start in view._starts] == list(range(len(shown.pieces)))  # hover names tokens
    assert panel.preview_tab.location.text() == "train.jsonl, line 1"

    panel.preview_tab.mask.setChecked(False)
    assert panel.state.config.mask_prompt is False
    qtbot.waitUntil(lambda: view.preview is not None and view.preview is not shown and settled(panel), timeout=10_000)
    unmasked = view.preview
    assert unmasked.text == shown.text
    assert all(piece.trains for piece in unmasked.pieces[1:])  # token 0 is never a target
    assert unmasked.trained_tokens == len(unmasked.pieces) - 1

    panel.preview_tab.next.click()
    qtbot.waitUntil(lambda: panel.preview_tab.location.text() == "train.jsonl, line 2" and settled(panel)
                    and view.preview.text != shown.text, timeout=10_000)


def test_histogram_marks_the_cut_and_counts_like_the_core(make_panel, qtbot, tiny_config, tiny_model, tiny_data):
    panel = make_panel(tiny_config.replace(max_seq_length=40))
    wait_settled(qtbot, panel)
    report = check_dataset(tiny_data)
    tokenizer = data_jobs.load_tokenizer_for(str(tiny_model)).tokenizer
    histogram = panel.lengths_tab.histogram
    core = dataset_stats(report, tokenizer, DataKeys(), False, 40).splits["train"]
    assert histogram.cut_line.value() == 40
    assert histogram.truncated == core.truncated > 0
    assert "cuts {} of 24".format(core.truncated) in histogram.cut_line.label.textItem.toPlainText()
    assert list(histogram.bars.opts["height"]) == list(core.histogram_counts)
    assert panel.lengths_tab.table.cells[("train", "truncated")].text() == str(core.truncated)

    panel.state.update_config(max_seq_length=60)
    assert histogram.cut_line.value() == 60  # at once; the count follows
    qtbot.waitUntil(lambda: settled(panel) and panel.stats is not None and panel.stats.max_seq_length == 60, timeout=10_000)
    core = dataset_stats(report, tokenizer, DataKeys(), False, 60).splits["train"]
    assert histogram.truncated == core.truncated
    assert panel.lengths_tab.max_seq_length.value() == 60


def test_split_controls_change_the_counts(make_panel, qtbot, tiny_config, tmp_path):
    data = write_chat_jsonl(tmp_path / "one.jsonl", 40)
    panel = make_panel(tiny_config.replace(data=str(data), valid_fraction=0.1, test_fraction=0.0, split_seed=0))
    wait_settled(qtbot, panel)
    assert panel.split_controls.isVisible()
    assert panel.summary_text.startswith("36 train / 4 valid / 0 test examples")
    panel.split_controls.valid.setValue(25)
    panel.split_controls.test.setValue(10)
    assert (panel.state.config.valid_fraction, panel.state.config.test_fraction) == (0.25, 0.1)
    qtbot.waitUntil(lambda: settled(panel) and len(panel.report.splits["test"]) == 4, timeout=10_000)
    core = check_dataset(data, valid_fraction=0.25, test_fraction=0.1, split_seed=0)
    assert {k: len(v) for k, v in panel.report.splits.items()} == {k: len(v) for k, v in core.splits.items()}
    assert panel.summary_text.startswith("26 train / 10 valid / 4 test examples")
    assert panel.preview_tab.split.count() == 3
    first_valid = panel.report.line_numbers["valid"]
    panel.split_controls.seed.setValue(7)
    qtbot.waitUntil(lambda: settled(panel) and panel.report.line_numbers["valid"] != first_valid, timeout=10_000)
    assert panel.state.config.split_seed == 7


def test_dropping_a_file_selects_it(make_panel, qtbot, tiny_config, tmp_path):
    data = write_chat_jsonl(tmp_path / "dropped.jsonl", 12)
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    panel = make_panel(tiny_config)
    wait_settled(qtbot, panel)

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPointF(QPoint(20, 20)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)
        panel.dropEvent(event)
        return event.isAccepted()

    def drag_enter(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        event.ignore()
        panel.dragEnterEvent(event)
        return event.isAccepted()

    assert drag_enter(data) and drag_enter(tmp_path) and not drag_enter(other)
    assert not drop(other) and panel.state.config.data == tiny_config.data
    assert drop(data)
    assert panel.state.config.data == str(data)
    wait_settled(qtbot, panel)
    assert panel.report.path == str(data)
    assert sum(len(v) for v in panel.report.splits.values()) == 12


def test_open_dataset_asks_for_a_file_and_remembers_it(make_panel, qtbot, tiny_config, tmp_path, monkeypatch):
    data = write_chat_jsonl(tmp_path / "picked.jsonl", 10)
    panel = make_panel(tiny_config)
    wait_settled(qtbot, panel)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(data), ""))
    panel.choose_file()
    assert panel.state.config.data == str(data)
    assert panel.settings.recent("datasets") == [str(data)]
    wait_settled(qtbot, panel)
    assert panel.split_controls.isVisible() and panel.report.single_file
    # the recent list brings the folder back
    combo = panel.source.combo
    index = combo.findData(tiny_config.data)
    assert index < 0  # never chosen through the panel, so not recent
    panel.select_dataset(tiny_config.data)
    combo.activated.emit(combo.findData(str(data)))
    assert panel.state.config.data == str(data)


def test_without_the_model_the_raw_example_is_shown(make_panel, qtbot, tiny_config, tmp_path):
    missing = tmp_path / "models" / "SmolLM2-135M-Instruct-f32"  # the demo model, not imported
    panel = make_panel(tiny_config.replace(model=str(missing)))
    wait_settled(qtbot, panel)
    tab = panel.preview_tab
    assert tab.view.preview is None
    assert json.loads(tab.view.toPlainText()) == panel.report.splits["train"][0]
    assert "demo model is not imported" in tab.note.text()
    assert panel.lengths_tab.stack.currentIndex() == 0
    assert "tokenizer" in panel.lengths_tab.message.text()


def test_key_overrides_update_the_config_and_the_check(make_panel, qtbot, tiny_config, tmp_path):
    data = tmp_path / "conv.jsonl"
    rows = [{"conversation": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
            for i in range(10)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    panel = make_panel(tiny_config.replace(data=str(data)))
    wait_settled(qtbot, panel)
    assert panel.report.error_count > 0
    assert not panel.keys.isVisible()
    panel.keys.toggle.click()
    assert panel.keys.isVisible()
    edit = panel.keys.edits["chat_feature"]
    edit.setText("conversation")
    edit.editingFinished.emit()
    assert panel.state.config.chat_feature == "conversation"
    qtbot.waitUntil(lambda: settled(panel) and panel.report.ok, timeout=10_000)
    assert panel.summary_text.startswith("9 train / 1 valid / 0 test examples, chat format")


def test_dark_theme_recolours_and_draws(make_panel, qtbot, tiny_config, bad_file, tmp_path):
    panel = make_panel(tiny_config.replace(data=str(bad_file)), theme="dark")
    wait_settled(qtbot, panel)
    item = panel.problems_tab.list.topLevelItem(0)
    assert item.foreground(0).color() == QColor(panel.theme.colors.bad)
    assert panel.grab().save(str(tmp_path / "dark.png"))
    panel.theme.apply("system")  # the palette is application-wide: leave it as other tests expect


def test_statistics_stop_at_the_next_progress_report_when_cancelled(tiny_model, tiny_data):
    from lorastudio.ui.tasks import Cancelled

    handle = data_jobs.load_tokenizer_for(str(tiny_model))
    report = check_dataset(tiny_data)
    reports = []

    def progress(text, fraction):
        reports.append(fraction)
        raise Cancelled()

    with pytest.raises(Cancelled):
        data_jobs.stats(report, handle, DataKeys(), True, 128, progress=progress)
    assert len(reports) == 1 and reports[0] < 0.5  # stopped early, not after the whole dataset


def test_only_the_latest_request_reports(qtbot):
    import threading

    first_may_finish = threading.Event()
    job = LatestTask()
    results = []
    job.result.connect(results.append)

    def slow():
        first_may_finish.wait(10)
        return "first"

    job.run(slow)
    with qtbot.waitSignal(job.result, timeout=10_000):
        job.run(lambda: "second")
    first_may_finish.set()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    with qtbot.assertNotEmitted(job.result, wait=300):
        pass
    assert results == ["second"]


def test_asking_again_keeps_the_answer_under_way_and_follows_it_with_one_more(qtbot):
    import threading

    first_may_finish = threading.Event()
    job = LatestTask()
    results, passes = [], []
    job.result.connect(results.append)

    def slow():
        first_may_finish.wait(10)
        return "first"

    def again():
        passes.append(len(results))  # called once the first answer was handed on
        job.run(lambda: "second")

    job.run(slow)
    job.again(again)
    job.again(again)  # asked twice: still one more pass
    assert job.running and job.again_due
    first_may_finish.set()
    qtbot.waitUntil(lambda: results == ["first", "second"], timeout=10_000)
    assert passes == [1] and not job.running and not job.again_due

    job.run(slow)
    job.again(again)
    job.cancel()  # forgets the pass too
    assert not job.running and not job.again_due


def test_lines_around_a_problem_are_read_without_the_whole_line(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"short\n" + b"y" * 100_000 + b"\nlast\r\n")
    lines = data_jobs.read_lines_around(str(path), 2, radius=5, max_chars=50)
    assert lines.first == 1 and lines.lines == ("short", "y" * 50, "last")
    assert lines.cut == (0, 100_000 - 50, 0)
    assert data_jobs.read_lines_around(str(tmp_path / "missing.jsonl"), 1).error


# --- foreign data: what it is, Convert, the page on the converted folder ---------------------------


def alpaca_lines(n, broken=()):
    rows = [{"instruction": f"Question {i}: what about the fox?", "input": "", "output": f"Answer {i}: two."}
            for i in range(n)]
    for i in broken:
        rows[i] = {"instruction": "No answer", "input": ""}
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_a_foreign_file_says_what_it_is_and_converts_into_the_folder_the_page_uses(make_panel, qtbot, tiny_config,
                                                                                   tmp_path):
    source = tmp_path / "alpaca.jsonl"
    source.write_text(alpaca_lines(20, broken=(3,)), encoding="utf-8")
    before = source.read_bytes()
    panel = make_panel(tiny_config.replace(data=str(source), chat_feature="conversation"))
    wait_settled(qtbot, panel)
    qtbot.waitUntil(lambda: panel.foreign.isVisible(), timeout=10_000)
    assert panel.foreign.label.text().startswith("Alpaca, 20 records: not a format mlx-lm reads as it is.")
    listed = panel.problems_tab.list  # the same problem on 20 lines: one row, its lines under it
    assert listed.topLevelItem(0).text(1) == "alpaca.jsonl, lines 1-20 (20)"
    assert listed.topLevelItem(0).childCount() == 20 and listed.topLevelItem(0).child(19).text(1) == "alpaca.jsonl, line 20"
    assert panel.tabs.tabText(0) == "Problems (2)"  # the group and "no usable examples"
    panel.foreign.button.click()
    dialog = panel.convert_dialog
    assert dialog.isVisible() and dialog.mapping is None  # records, not a table: no column form
    assert dialog.what.text() == "alpaca.jsonl: Alpaca, 20 records"
    qtbot.waitUntil(lambda: "Question 0: what about the fox?" in dialog.preview.toPlainText(), timeout=10_000)
    shown = dialog.preview.toPlainText()
    assert "<|im_start|>" in shown or "user" in shown  # the chat template applied, as the model sees it
    assert "Question 2" in shown and "✕" not in shown  # the first three records convert
    assert dialog.grab().save(str(tmp_path / "convert-dialog.png"))
    out = tmp_path / "converted"
    dialog.output.setText(str(out))
    dialog.convert_button.click()
    qtbot.waitUntil(lambda: panel.state.config.data == str(out), timeout=10_000)
    assert panel.state.config.chat_feature == "messages"  # the converted records' key
    wait_settled(qtbot, panel)
    assert panel.report.ok and not panel.foreign.isVisible()
    assert panel.summary_text.startswith("17 train / 2 valid / 0 test examples, chat format")
    assert (out / "rejects.jsonl").is_file() and source.read_bytes() == before
    assert panel.banner.kind == "success" and panel.banner.message.text().startswith(f"Converted into {out}")


def test_a_csv_table_is_mapped_in_a_small_form(make_panel, qtbot, tiny_config, tmp_path):
    source = tmp_path / "faq.csv"
    source.write_text("title,body,reply\n" + "".join(f'Hello {i},"Is it\nworking {i}?",Yes {i}.\n' for i in range(12)),
                      encoding="utf-8")
    panel = make_panel(tiny_config.replace(data=str(source)))
    wait_settled(qtbot, panel)
    qtbot.waitUntil(lambda: panel.foreign.isVisible(), timeout=10_000)
    assert panel.report.problems[0].key == "file.foreign"
    panel.open_convert()
    dialog = panel.convert_dialog
    assert list(dialog.mapping.combos) == ["title", "body", "reply"]
    qtbot.waitUntil(lambda: "map one column to user" in dialog.preview.toPlainText(), timeout=10_000)
    dialog.mapping.set_role("title", "user")
    dialog.mapping.set_role("body", "user")
    dialog.mapping.set_role("reply", "assistant")
    qtbot.waitUntil(lambda: "Hello 0\n\nIs it\nworking 0?" in dialog.preview.toPlainText(), timeout=10_000)
    dialog.shares["valid"].setValue(25)
    dialog.shares["train"].setValue(75)
    out = tmp_path / "faq-mlx"
    dialog.output.setText(str(out))
    assert dialog.grab().save(str(tmp_path / "convert-csv.png"))
    dialog.convert_button.click()
    qtbot.waitUntil(lambda: panel.state.config.data == str(out), timeout=10_000)
    wait_settled(qtbot, panel)
    assert panel.report.ok and [len(panel.report.splits[s]) for s in ("train", "valid")] == [9, 3]


def test_an_hf_dataset_config_is_named_and_a_chosen_dataset_replaces_it(make_panel, qtbot, tiny_config, tiny_data):
    panel = make_panel(tiny_config.replace(data="", hf_dataset={"path": "someone/tiny-qa"}))
    qtbot.waitUntil(lambda: "someone/tiny-qa (hf_dataset)" in panel.summary_text, timeout=10_000)
    assert panel.select_dataset(tiny_data)
    assert panel.state.config.data == str(tiny_data) and panel.state.config.hf_dataset is None
