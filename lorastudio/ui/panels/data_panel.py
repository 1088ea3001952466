"""The Data page: choose a dataset, see every problem with its line, preview examples, token lengths.

A dataset is a folder with train/valid/test.jsonl or one .jsonl file (split
by the config's fractions and seed), chosen with the pickers, the recent
list or by dropping it on the page. Everything the page shows comes from
the core: ``check_dataset`` (every line), ``preview`` (one example as the
model sees it) and ``dataset_stats`` (token counts with the current model's
tokenizer). Those run as background Tasks (``data_jobs``), the latest
request winning; the page itself only edits the config (``data``, split
fields, keys, ``mask_prompt``, ``max_seq_length``) and draws. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import ConfigError
from lorastudio.core.data.groups import single as group_of
from lorastudio.core.data.keys import DataKeys
from lorastudio.ui.panels import data_jobs, data_texts
from lorastudio.ui.i18n import core_language
from lorastudio.ui.panels.data_tabs import ForeignNote, LengthsTab, PreviewTab, ProblemsTab
from lorastudio.ui.tasks import LatestTask, error_text
from lorastudio.ui.widgets.banner import Banner
from lorastudio.ui.widgets.data_options import KeyOverrides, SplitControls
from lorastudio.ui.widgets.dataset_source import DatasetSource, EmptyDataset, dropped_dataset

REFRESH_DELAY_MS = 150  # typing in a spin box settles before the data is checked again
#: The check's problems that mean the data is in a format the Convert dialog turns into mlx-lm's.
FOREIGN_KEYS = ("file.foreign", "record.foreign_format")


def data_keys(config) -> DataKeys:
    return DataKeys.from_config(config)


class DataPanel(QWidget):
    checked = Signal(object)  # the core DatasetReport on show
    stats_ready = Signal(object)  # the core DatasetStats on show

    def __init__(self, state, theme, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.theme, self.settings = state, theme, settings
        self.report = None
        self.stats = None
        self.tokenizer: data_jobs.TokenizerHandle | None = None
        self.summary_text = ""
        self._serial = 0  # counts reports, so statistics and previews know which one they belong to
        self._report_key = self._stats_key = self._preview_key = None
        self._tokenizer_model: str | None = None
        self._new_dataset = True  # pick the tab to show after the first check of a dataset
        self._record: dict | None = None
        self._summary_kind = ""
        self.setAcceptDrops(True)

        self.foreign_source = None  # what a foreign dataset holds (the core's Source), once inspected
        self.convert_dialog = None
        self.inspector = LatestTask(self)
        self.checker, self.tokenizer_job = LatestTask(self), LatestTask(self)
        self.stats_job, self.preview_job = LatestTask(self), LatestTask(self)
        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        self.checker.result.connect(self._on_checked)
        self.checker.failed.connect(lambda message, details: self._job_failed(self.tr("Could not check the data: {error}"), message, details))
        self.tokenizer_job.result.connect(self._on_tokenizer)
        self.tokenizer_job.failed.connect(self._on_tokenizer_failed)
        self.stats_job.result.connect(self._on_stats)
        self.stats_job.failed.connect(self._on_stats_failed)
        self.stats_job.progress.connect(lambda _text, fraction: self._set_progress(fraction))
        self.inspector.result.connect(self._on_inspected)
        self.inspector.failed.connect(lambda _message, _details: self.foreign.hide())
        self.preview_job.result.connect(self._on_preview)
        self.preview_job.failed.connect(lambda message, _details: self._show_raw(self.tr("The preview failed: {error}").format(error=message)))
        for job in (self.checker, self.tokenizer_job, self.stats_job):
            job.running_changed.connect(lambda _running: self._update_busy())
        state.config_changed.connect(self._on_config)
        theme.changed.connect(self._apply_colors)
        self._sync_controls(state.config)
        self._apply_colors(theme.colors)
        # Nothing is read or tokenized until the page is first shown: the window opens fast.
        self._dirty = True

    # --- layout ----------------------------------------------------------------
    def _build(self) -> None:
        self.source = DatasetSource(self.settings)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.hide()
        self.banner = Banner(self)

        self.split_controls = SplitControls()
        self.folder_note = QLabel(self.tr("The splits are the folder's train.jsonl, valid.jsonl and test.jsonl."))
        self.folder_note.setObjectName("muted")
        self.keys = KeyOverrides()
        self.foreign = ForeignNote()
        self.problems_tab, self.preview_tab, self.lengths_tab = ProblemsTab(), PreviewTab(), LengthsTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.problems_tab, self.tr("Problems"))
        self.tabs.addTab(self.preview_tab, self.tr("Preview"))
        self.tabs.addTab(self.lengths_tab, self.tr("Token lengths"))
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(6)
        options = QHBoxLayout()
        options.addWidget(self.split_controls)
        options.addWidget(self.folder_note)
        options.addStretch(1)
        options.addWidget(self.keys.toggle)
        content_layout.addLayout(options)
        content_layout.addWidget(self.keys)
        content_layout.addWidget(self.foreign)
        content_layout.addWidget(self.tabs, 1)
        self.body = QStackedWidget()
        self.empty = EmptyDataset(self.source)
        self.body.addWidget(self.empty)
        self.body.addWidget(content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.source)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.banner)
        layout.addWidget(self.body, 1)

        self.source.chosen.connect(self.select_dataset)
        self.source.recheck_requested.connect(self.recheck)
        self.foreign.convert_requested.connect(self.open_convert)
        self.split_controls.changed.connect(self._update_config)
        self.keys.changed.connect(self._update_config)
        self.preview_tab.mask_toggled.connect(lambda on: self._update_config({"mask_prompt": on}))
        self.preview_tab.example_changed.connect(self._show_example)
        self.lengths_tab.max_seq_length_changed.connect(lambda value: self._update_config({"max_seq_length": value}))
        self.problems_tab.list.problem_selected.connect(lambda problem: self.problems_tab.show_problem(problem, self.report))

    # --- choosing a dataset --------------------------------------------------------
    def choose_file(self) -> None:
        """Ask for one .jsonl file (File > Open Dataset…)."""
        self.source.choose_file()

    def choose_folder(self) -> None:
        """Ask for a folder with train.jsonl (and valid.jsonl, test.jsonl)."""
        self.source.choose_folder()

    def select_dataset(self, path) -> bool:
        """Use ``path`` as the dataset (the config's ``data``); remember it among the recent ones."""
        path = Path(path).expanduser()
        if not path.exists():
            self.banner.show_error(self.tr("{path} does not exist.").format(path=path))
            return False
        self.banner.hide()
        if str(path) == self.state.config.data:
            self.recheck()
        elif not self._update_config({"data": str(path), **({"hf_dataset": None} if self.state.config.hf_dataset else {})}):
            return False
        self.settings.add_recent("datasets", str(path))
        self.settings.set_last_directory(str(path.parent))
        self.source.show_current(self.state.config.data)
        return True

    def recheck(self) -> None:
        """Read the dataset again (it may have been edited)."""
        self._report_key = None
        self.refresh()

    # --- drag and drop -------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if dropped_dataset(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if dropped_dataset(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        path = dropped_dataset(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.select_dataset(path)

    # --- the config ----------------------------------------------------------------
    def _update_config(self, changes: dict) -> bool:
        try:
            self.state.update_config(**changes)
        except ConfigError as e:
            self.banner.show_error(self.tr("Not changed: {error}").format(error=error_text(e)))
            self._sync_controls(self.state.config)
            return False
        return True

    def _on_config(self, config) -> None:
        self._sync_controls(config)
        if self.isVisible():
            self._refresh_timer.start()
        else:
            self._dirty = True

    def _sync_controls(self, config) -> None:
        self.source.show_current(config.data)
        single = bool(config.data) and Path(config.data).expanduser().is_file()
        self.split_controls.setVisible(single)
        self.folder_note.setVisible(bool(config.data) and not single)
        self.split_controls.show_config(config)
        self.keys.show_config(config)
        self.preview_tab.mask.blockSignals(True)
        self.preview_tab.mask.setChecked(config.mask_prompt)
        self.preview_tab.mask.blockSignals(False)
        self.lengths_tab.set_limit(config.max_seq_length)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        # The model may have been imported or downloaded since the last try.
        if self.tokenizer is not None and not self.tokenizer.ok and not self.tokenizer_job.running:
            self._tokenizer_model = None
            self._dirty = True
        if self._dirty:
            self.refresh()

    # --- what to compute -----------------------------------------------------------
    def refresh(self) -> None:
        """Start whatever the current config needs that is not on show yet."""
        self._refresh_timer.stop()
        self._dirty = False
        config = self.state.config
        if not config.data:
            self.checker.stop()
            self._cancel_stats()
            self.report = self.stats = None
            self._report_key = None
            self.body.setCurrentIndex(0)
            if config.hf_dataset:  # mlx-lm's hf_dataset: read from this computer when a run starts
                from lorastudio.core.data.hf import hf_dataset_entries

                names = ", ".join(str(entry.get("path", "?")) for entry in hf_dataset_entries(config.hf_dataset))
                self._set_summary("", self.tr("The config trains on the Hugging Face dataset {names} (hf_dataset), "
                                              "read from this computer's cache when the run starts; choose a "
                                              "dataset here to use it instead.").format(names=names))
                return
            self._set_summary("", self.tr("Choose a dataset to check it and preview its examples."))
            return
        self.body.setCurrentIndex(1)
        keys = data_keys(config)
        single = Path(config.data).expanduser().is_file()
        key = (config.data, keys, (config.valid_fraction, config.test_fraction, config.split_seed) if single else None)
        if key != self._report_key:
            self._new_dataset = self._report_key is None or self._report_key[0] != config.data
            self._report_key = key
            self._cancel_stats()
            self._set_summary("", self.tr("Checking {name}…").format(name=Path(config.data).name))
            self.checker.run(data_jobs.check, config.data, keys, config.valid_fraction, config.test_fraction, config.split_seed)
        if config.model != self._tokenizer_model:
            self._tokenizer_model = config.model
            self.tokenizer = None
            self._cancel_stats()
            self.tokenizer_job.run(data_jobs.load_tokenizer_for, config.model)
        self._start_stats()
        self._show_example()

    def _cancel_stats(self) -> None:
        """Drop the statistics and preview in progress: what they were computed for is changing."""
        self.stats_job.stop()
        self.preview_job.stop()
        self._stats_key = self._preview_key = None

    def _on_checked(self, report) -> None:
        self.report = report
        self._serial += 1
        self.stats = None
        self._stats_key = self._preview_key = None
        self.problems_tab.set_problems(report.problems, report.grouped())
        self.preview_tab.set_splits({name: len(records) for name, records in report.splits.items()})
        if self._new_dataset:
            self.tabs.setCurrentWidget(self.problems_tab if report.error_count or not any(report.splits.values())
                                       else self.preview_tab)
            self._new_dataset = False
        self._update_summary()
        self.checked.emit(report)
        self._inspect_foreign(report)
        self._start_stats()
        self._show_example()

    # --- foreign data -------------------------------------------------------------------
    def _inspect_foreign(self, report) -> None:
        """Find out what a dataset in a foreign format holds, for the Convert note."""
        self.foreign_source = None
        self.foreign.hide()
        if any(problem.key in FOREIGN_KEYS for problem in report.problems):
            self.inspector.run(data_jobs.inspect, report.path)
        else:
            self.inspector.stop()

    def _on_inspected(self, source) -> None:
        self.foreign_source = source
        self.foreign.show_source(source.describe(core_language()))

    def open_convert(self) -> None:
        """The Convert dialog for the foreign dataset on show; the page uses the folder it writes."""
        from lorastudio.ui.panels.convert_dialog import ConvertDialog

        if self.foreign_source is None or self.report is None:
            return
        self.convert_dialog = ConvertDialog(self.report.path, self.foreign_source, self.tokenizer, self)
        self.convert_dialog.converted.connect(self._use_converted)
        self.convert_dialog.open()

    def _use_converted(self, folder: str) -> None:
        # Converted records carry mlx-lm's default keys, whatever keys the source needed.
        self._update_config(dict(KeyOverrides.DEFAULTS))
        if self.select_dataset(folder):
            self.banner.show_success(self.tr("Converted into {folder}: the page now uses it.").format(folder=folder))

    def _on_tokenizer(self, handle) -> None:
        self.tokenizer = handle
        self._start_stats()
        self._show_example()

    def _on_tokenizer_failed(self, message: str, details: str) -> None:
        self.tokenizer = data_jobs.TokenizerHandle(self.state.config.model, None, "failed:" + message)
        self._start_stats()
        self._show_example()

    def _start_stats(self) -> None:
        config, report, handle = self.state.config, self.report, self.tokenizer
        if report is None or self.checker.running:
            return
        self.lengths_tab.caption.setText("")
        if handle is None:
            self.lengths_tab.show_message(self.tr("Loading the tokenizer of the model…"))
            return
        if not handle.ok:
            self.lengths_tab.show_message(self.tr("Token lengths need the model's tokenizer. {why}").format(
                why=data_texts.tokenizer_reason(handle)))
            return
        if not any(report.splits.values()):
            self.lengths_tab.show_message(self.tr("No usable examples to count: see Problems."))
            return
        key = (self._serial, id(handle.tokenizer), data_keys(config), config.mask_prompt, config.max_seq_length)
        if key == self._stats_key:
            return
        self._stats_key = key
        if self.stats is None:
            self.lengths_tab.show_message(self.tr("Counting tokens…"))
        self.stats_job.run(data_jobs.stats, report, handle, data_keys(config), config.mask_prompt, config.max_seq_length)

    def _on_stats(self, stats) -> None:
        self.stats = stats
        config = self.state.config
        self.lengths_tab.show_stats(stats, stats.max_seq_length)
        self.lengths_tab.caption.setText(
            (self.tr("Counted with the model's tokenizer and chat template; the prompt carries no loss.") if stats.mask_prompt
             else self.tr("Counted with the model's tokenizer and chat template; every token after the first carries loss."))
            if config.model else "")
        if stats.problems:
            self.problems_tab.set_problems(list(self.report.problems) + list(stats.problems),
                                           self.report.grouped() + [group_of(p) for p in stats.problems])
        self._update_summary()
        self.stats_ready.emit(stats)

    def _on_stats_failed(self, message: str, details: str) -> None:
        self._stats_key = None
        self.lengths_tab.show_message(self.tr("Could not count tokens: {error}").format(error=message))

    # --- one example -----------------------------------------------------------------
    def _show_example(self) -> None:
        tab, report = self.preview_tab, self.report
        tab.update_buttons()
        if report is None or self.checker.running:
            return
        split, index = tab.current()
        records = report.splits.get(split) or []
        if not records:
            tab.location.setText("")
            tab.numbers.setText("")
            tab.view.show_message(self.tr("No usable examples: see Problems."))
            tab.note.hide()
            tab.legend.hide()
            return
        index = min(max(index, 0), len(records) - 1)
        record = records[index]
        file = Path(report.files.get(split, report.path)).name
        tab.location.setText(self.tr("{file}, line {line}").format(file=file, line=f"{report.line_numbers[split][index]:,}"))
        handle, config = self.tokenizer, self.state.config
        if handle is None:
            self._show_raw(self.tr("Loading the tokenizer… the raw example is shown meanwhile."), record)
        elif not handle.ok:
            self._show_raw(self.tr("Showing the raw example. {why}").format(why=data_texts.tokenizer_reason(handle)), record)
        else:
            key = (self._serial, split, index, id(handle.tokenizer), data_keys(config), config.mask_prompt, config.max_seq_length)
            if key != self._preview_key:
                self._preview_key = key
                self._record = record
                self.preview_job.run(data_jobs.preview, record, handle, data_keys(config), config.mask_prompt, config.max_seq_length)

    def _on_preview(self, preview) -> None:
        tab = self.preview_tab
        if isinstance(preview, str):  # the core's reason the example cannot be rendered
            self._preview_key = None
            self._show_raw(preview, self._record)
            return
        tab.note.hide()
        tab.legend.show()
        tab.view.show_preview(preview)
        numbers = {"tokens": f"{preview.num_tokens:,}", "trained": f"{preview.trained_tokens:,}"}
        if preview.truncated_at is None:
            tab.numbers.setText(self.tr("{tokens} tokens, {trained} trained").format(**numbers))
        else:
            tab.numbers.setText(self.tr("{tokens} tokens, {trained} trained, {cut} cut off").format(
                cut=f"{preview.num_tokens - preview.truncated_at:,}", **numbers))

    def _show_raw(self, note: str, record: dict | None = None) -> None:
        tab = self.preview_tab
        tab.note.setText(note)
        tab.note.show()
        tab.legend.hide()
        tab.numbers.setText("")
        if record is not None:
            tab.view.show_raw(record)
        else:
            tab.view.show_message("")

    # --- summary, progress, colours --------------------------------------------------------
    def _update_summary(self) -> None:
        if self.report is None:
            return
        extra = list(self.stats.problems) if self.stats is not None else []
        self._set_summary(*data_texts.summary(self.report, extra))
        problems = len(self.report.grouped()) + len(extra)  # a problem found on many lines counts once
        self.tabs.setTabText(0, self.tr("Problems ({count})").format(count=problems) if problems else self.tr("Problems"))

    def _set_summary(self, kind: str, text: str) -> None:
        self.summary_text, self._summary_kind = text, kind
        self.summary.setText(data_texts.summary_html(kind, text, self.theme.colors))

    def _update_busy(self) -> None:
        busy = self.checker.running or self.tokenizer_job.running or self.stats_job.running
        if busy and not self.stats_job.running:
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy)

    def _set_progress(self, fraction: float) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(fraction * 1000))
        text = self.tr("Counting tokens: {percent}%").format(percent=int(fraction * 100))
        if self.stats is None:
            self.lengths_tab.show_message(text)
        else:
            self.lengths_tab.caption.setText(text)

    def _job_failed(self, template: str, message: str, details: str) -> None:
        self._set_summary("bad", template.format(error=message))
        self.banner.show_error(template.format(error=message), details)

    def _apply_colors(self, colors) -> None:
        tab = self.preview_tab
        tab.view.apply_colors(colors)
        tab.legend.setText(tab.view.legend_html())
        self.lengths_tab.histogram.apply_colors(colors)
        self.problems_tab.list.apply_colors(colors)
        self.problems_tab.lines.apply_colors(colors)
        if self.summary_text:
            self._set_summary(self._summary_kind, self.summary_text)
