"""The main window: the flow (Model, Data, Parameters, Train, Chat, Report), the runs, the menus.

A sidebar lists the steps of the flow and, below them, the most recent runs
(always in reach); the page area shows one panel at a time. The window owns
the controllers (training, chat) and hands each panel the state and the
controller it draws. It remembers its geometry, page and configuration
(through ``Settings``) and asks before quitting in the middle of a run.
GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.ui.theme import stylesheet
from lorastudio.ui.training_controller import TrainingController
from lorastudio.ui.widgets.recent_runs import RecentRuns


class MainWindow(QMainWindow):
    page_changed = Signal(str)
    # Settings chose another language: the app replaces this window with one built in it.
    language_changed = Signal()

    def __init__(self, state, settings, theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.theme = theme
        self.setWindowTitle("LoRA Studio")
        self.setMinimumSize(QSize(980, 640))
        self.training = TrainingController(state.runs_root, self)
        self._chat = None
        self.pages: dict[str, QWidget] = {}
        self._page_titles: dict[str, tuple[str, str]] = {}

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(16, 16))
        self.navigation.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent = RecentRuns(state, self.training)
        self.stack = QStackedWidget()
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("pageSubtitle")
        self.subtitle.setWordWrap(True)
        self._build_layout()
        self._build_pages()
        self._build_menus()

        runs_page = self.pages.get("runs")
        if runs_page is not None:
            runs_page.open_requested.connect(lambda _: self.show_page("train"))
            runs_page.train_requested.connect(lambda: self.show_page("train"))
        report_page = self.pages.get("report")
        if report_page is not None:
            report_page.show_runs_requested.connect(lambda: self.show_page("runs"))
            report_page.train_requested.connect(lambda: self.show_page("train"))
        self.navigation.currentRowChanged.connect(self._on_navigation)
        self.recent.show_all.connect(lambda: self.show_page("runs"))
        self.recent.run_opened.connect(lambda _: self.show_page("train"))
        self.training.state_changed.connect(self._update_status)
        self.training.event.connect(self._on_training_event)
        theme.changed.connect(self._apply_theme)
        state.config_changed.connect(self._remember_config)
        self._apply_theme(theme.colors)
        self._restore()

    # --- layout ----------------------------------------------------------------
    def _build_layout(self) -> None:
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(230)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 8)
        side.setSpacing(0)
        app_title = QLabel("LoRA Studio")
        app_title.setObjectName("appTitle")
        side.addWidget(app_title)
        side.addWidget(self.navigation)
        runs_title = QLabel(self.tr("Recent runs"))
        runs_title.setObjectName("sectionTitle")
        side.addWidget(runs_title)
        side.addWidget(self.recent, 1)

        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(20, 16, 20, 12)
        page_layout.addWidget(self.title)
        page_layout.addWidget(self.subtitle)
        page_layout.addSpacing(8)
        page_layout.addWidget(self.stack, 1)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(page, 1)
        self.setCentralWidget(central)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)

    def _build_pages(self) -> None:
        from lorastudio.ui.pages import build_pages

        for key, title, subtitle, widget in build_pages(self):
            self.add_page(key, title, subtitle, widget)

    def add_page(self, key: str, title: str, subtitle: str, widget: QWidget) -> None:
        self.pages[key] = widget
        self._page_titles[key] = (title, subtitle)
        self.stack.addWidget(widget)
        number = len(self.pages)
        label = title if key == "runs" else f"{number}  {title}"
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.navigation.addItem(item)

    @property
    def chat(self):
        """The chat controller, created on first use (it owns the engine thread)."""
        if self._chat is None:
            from lorastudio.ui.chat_controller import ChatController

            self._chat = ChatController(self)
        return self._chat

    # --- navigation --------------------------------------------------------------
    def page_keys(self) -> list[str]:
        return list(self.pages)

    def show_page(self, key: str) -> None:
        keys = self.page_keys()
        if key in keys:
            self.navigation.setCurrentRow(keys.index(key))

    def _on_navigation(self, row: int) -> None:
        if row < 0:
            return
        key = self.page_keys()[row]
        self.stack.setCurrentWidget(self.pages[key])
        title, subtitle = self._page_titles[key]
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.settings.set_last_page(key)
        self.page_changed.emit(key)

    # --- menus -------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, role=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if role is not None:
            action.setMenuRole(role)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        from lorastudio.ui.dialogs import show_about, show_settings

        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.open_dataset_action = self._action(self.tr("Open Dataset…"), self._open_dataset, QKeySequence.StandardKey.Open)
        file_menu.addAction(self.open_dataset_action)
        file_menu.addAction(self._action(self.tr("Open Model Folder…"), self._open_model, "Ctrl+Shift+O"))
        file_menu.addSeparator()
        file_menu.addAction(self._action(self.tr("Load Configuration…"), self._load_config, "Ctrl+L"))
        file_menu.addAction(self._action(self.tr("Save Configuration…"), self._save_config, QKeySequence.StandardKey.Save))
        file_menu.addSeparator()
        self.settings_action = self._action(
            self.tr("Settings…"), lambda: show_settings(self) and self.language_changed.emit(),
            QKeySequence.StandardKey.Preferences, QAction.MenuRole.PreferencesRole
        )
        file_menu.addAction(self.settings_action)
        self.quit_action = self._action(self.tr("Quit"), self.close, QKeySequence.StandardKey.Quit, QAction.MenuRole.QuitRole)
        file_menu.addAction(self.quit_action)

        train_menu = bar.addMenu(self.tr("&Training"))
        self.start_action = self._action(self.tr("Start Training"), self._start_training, "Ctrl+R")
        self.pause_action = self._action(self.tr("Pause or Resume"), self._toggle_pause, "Ctrl+P")
        self.stop_action = self._action(self.tr("Stop Training"), self.training.stop, "Ctrl+.")
        for action in (self.start_action, self.pause_action, self.stop_action):
            train_menu.addAction(action)

        view_menu = bar.addMenu(self.tr("&View"))
        for i, key in enumerate(self.page_keys()):
            title = self._page_titles[key][0]
            view_menu.addAction(self._action(title, lambda checked=False, k=key: self.show_page(k), f"Ctrl+{i + 1}"))

        help_menu = bar.addMenu(self.tr("&Help"))
        self.about_action = self._action(self.tr("About LoRA Studio"), lambda: show_about(self), role=QAction.MenuRole.AboutRole)
        help_menu.addAction(self.about_action)
        help_menu.addAction(self._action(self.tr("Show Runs Folder"), self._show_runs_folder))
        help_menu.addAction(self._action(self.tr("Open Log File"), self._open_log))

    def _page(self, key: str):
        return self.pages.get(key)

    def _open_dataset(self) -> None:
        self.show_page("data")
        page = self._page("data")
        if page is not None and hasattr(page, "choose_file"):
            page.choose_file()

    def _open_model(self) -> None:
        self.show_page("model")
        page = self._page("model")
        if page is not None and hasattr(page, "choose_folder"):
            page.choose_folder()

    def _load_config(self) -> None:
        self.show_page("params")
        page = self._page("params")
        if page is not None and hasattr(page, "load_yaml"):
            page.load_yaml()

    def _save_config(self) -> None:
        page = self._page("params")
        if page is not None and hasattr(page, "save_yaml"):
            page.save_yaml()

    def _start_training(self) -> None:
        self.show_page("train")
        self.pages["train"].start()

    def _toggle_pause(self) -> None:
        self.pages["train"].toggle_pause()

    def _show_runs_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        self.state.runs_root.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.state.runs_root)))

    def _open_log(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from lorastudio.ui.logging_setup import log_file

        path = log_file()
        if path.is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        else:
            QMessageBox.information(self, self.tr("Log file"), self.tr("No log file yet: {path}").format(path=path))

    # --- status, theme, memory -----------------------------------------------------
    def _update_status(self, state: str) -> None:
        running = state != "idle"
        self.start_action.setEnabled(not running)
        self.pause_action.setEnabled(state in ("running", "paused"))
        self.stop_action.setEnabled(running)
        if not running:
            self.status.setText("")

    def _on_training_event(self, event) -> None:
        from lorastudio.core.runs.events import TrainReport

        if isinstance(event, TrainReport):
            self.status.setText(self.tr("Training: step {step}, loss {loss:.3f}").format(step=event.iteration, loss=event.train_loss))

    def _apply_theme(self, colors) -> None:
        self.setStyleSheet(stylesheet(colors))
        self._fit_navigation()

    def _fit_navigation(self) -> None:
        """Show every step of the flow, never a scroll bar (rows are measured with the style applied)."""
        self.navigation.ensurePolished()
        for i in range(self.navigation.count()):
            self.navigation.item(i).setSizeHint(QSize())
        rows = sum(self.navigation.sizeHintForRow(i) for i in range(self.navigation.count()))
        self.navigation.setFixedHeight(rows + 2 * self.navigation.count() + 2 * self.navigation.frameWidth() + 6)

    def _remember_config(self, config) -> None:
        self.settings.set_last_config_yaml(config.to_yaml())

    def _restore(self) -> None:
        geometry = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        page = self.settings.last_page()
        self.show_page(page if page in self.pages else self.page_keys()[0])

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if self.training.busy:
            answer = QMessageBox.question(
                self,
                self.tr("Training in progress"),
                self.tr("A run is training. Stop it (the adapter is saved and the run can be continued later) and quit?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.training.stop()
            if not self.training.wait(30000):
                self.training.kill()
                self.training.wait(5000)
            # The last events (Stopped) are queued for this thread: take them in.
            QCoreApplication.processEvents()
        if self._chat is not None:
            self._chat.shutdown()
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_last_config_yaml(self.state.config.to_yaml())
        self.settings.sync()
        super().closeEvent(event)
