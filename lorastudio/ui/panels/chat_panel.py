"""The Chat panel: talk to the base model with any adapter of any run, or compare both side by side.

It drives the window's ``ChatController`` (one engine thread hosting
``lorastudio.core.chat.engine.ChatEngine``), asked for through ``get_chat()`` only
when the user first needs the engine: opening the page starts no thread and
imports no MLX. Commands run on the engine thread in the order given, and
its signals arrive here in that order, so the panel keeps a short queue of
the adapter switches it asked for and learns from each ``adapter_changed`` or
``error`` which one it was. A message sent before the model is loaded waits
(``_pending``) until the model and its adapter are in place, and is dropped,
with the reason in the banner, when either fails. GUI thread.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.train.demo import DEMO_PROMPT
from lorastudio.core.base.paths import demo_dataset_dir
from lorastudio.ui.chat_controller import ADAPTER, BASE, CHAT
from lorastudio.ui.names import display_name
from lorastudio.ui.panels import chat_texts
from lorastudio.ui.widgets.banner import Banner
from lorastudio.ui.widgets.chat_input import ChatInput
from lorastudio.ui.widgets.chat_setup import ChatSetup
from lorastudio.ui.widgets.chat_empty import EmptyState
from lorastudio.ui.widgets.chat_view import ChatView

CHAT_MODE, COMPARE_MODE = "chat", "compare"
MAX_SUGGESTION = 80  # longer held-out prompts would make unwieldy chips


def is_demo_data(data: str) -> bool:
    try:
        return bool(data) and Path(data).expanduser().resolve() == demo_dataset_dir().resolve()
    except OSError:
        return False


class ChatPanel(QWidget):
    answering_changed = Signal(bool)

    def __init__(self, state, get_chat, theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.theme = state, theme
        self._get_chat = get_chat
        self.controller = None  # the ChatController, once needed
        self.mode = CHAT_MODE
        self.loaded_model: str | None = None  # the model the engine holds
        self._loading_model: str | None = None
        self._adapter_requests: deque = deque()  # adapters asked for, not yet confirmed (None: the load's own)
        self.active_adapter: str | None = None  # the adapter the engine has on
        self.active_label = ""
        self._pending: str | None = None  # a message waiting for the model
        self._final_side: str | None = None  # the side whose end ends the answer (None: not answering)
        self._blocks: dict = {}  # side -> the AnswerBlock it streams into
        self._applied_system: str | None = None
        self._stop_requested = False
        self._discarding = False  # the answer under way was cleared away: show none of it
        self._last_compare: str | None = None

        header = self._build_header()
        self._build_layout(header)
        self._connect()
        self._apply_colors(theme.colors)
        self.picker.select_run(state.current_run)
        self._on_config(state.config)

    # --- building --------------------------------------------------------------------
    def _build_header(self) -> QHBoxLayout:
        """The Chat and Compare buttons, the status line and the busy indicator, in one row."""
        self.chat_button = QPushButton(self.tr("Chat"))
        self.chat_button.setToolTip(self.tr("A conversation with the model and the chosen adapter"))
        self.compare_button = QPushButton(self.tr("Compare"))
        self.compare_button.setToolTip(self.tr("Each question answered by the base model and by the adapter, side by side"))
        self._modes = QButtonGroup(self)
        for button in (self.chat_button, self.compare_button):
            button.setCheckable(True)
            self._modes.addButton(button)
        self.chat_button.setChecked(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedSize(90, 6)
        self.busy_label = QLabel()
        self.busy_label.setObjectName("muted")
        header = QHBoxLayout()
        header.setSpacing(0)
        header.addWidget(self.chat_button)
        header.addWidget(self.compare_button)
        header.addSpacing(10)
        header.addWidget(self.status_label, 1)
        header.addWidget(self.busy_label)
        header.addWidget(self.busy_bar)
        return header

    def _build_layout(self, header: QHBoxLayout) -> None:
        """The conversation (header, banner, transcript, message box) beside the setup column."""
        self.banner = Banner(self)
        self.empty = EmptyState()
        self.chat_view = ChatView()
        self.compare_view = ChatView()
        self.stack = QStackedWidget()
        for widget in (self.empty, self.chat_view, self.compare_view):
            self.stack.addWidget(widget)
        self.input = ChatInput()
        self.setup = ChatSetup(self.state.runs_root)
        self.picker, self.sampling = self.setup.picker, self.setup.sampling

        talk = QWidget()
        column = QVBoxLayout(talk)
        column.setContentsMargins(0, 0, 6, 0)
        column.addLayout(header)
        column.addWidget(self.banner)
        column.addWidget(self.stack, 1)
        column.addWidget(self.input)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(talk)
        splitter.addWidget(self.setup)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setCollapsible(0, False)
        splitter.setSizes([700, 280])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        """The buttons, the message box, the setup column, and the app's state and theme."""
        self.chat_button.clicked.connect(lambda: self.set_mode(CHAT_MODE))
        self.compare_button.clicked.connect(lambda: self.set_mode(COMPARE_MODE))
        self.input.send_requested.connect(self.send)
        self.input.stop_requested.connect(self.stop)
        self.input.regenerate_requested.connect(self.regenerate)
        self.input.clear_requested.connect(self.clear)
        self.empty.suggestion.connect(self.send)
        self.setup.load_requested.connect(self.load_model)
        self.setup.model_changed.connect(lambda _: self._update())
        self.setup.problem.connect(lambda message: self.banner.show_error(message))
        self.picker.changed.connect(self._on_adapter_chosen)
        self.picker.refreshed.connect(self._on_runs_listed)
        self.state.config_changed.connect(self._on_config)
        self.state.current_run_changed.connect(self.picker.select_run)
        self.state.runs_changed.connect(self.picker.mark_stale)
        self.theme.changed.connect(self._apply_colors)

    # --- the engine ------------------------------------------------------------------
    def chat(self):
        """The ChatController, asked for (and connected) the first time it is needed."""
        if self.controller is None:
            chat = self._get_chat()
            chat.model_loading.connect(lambda _: self._update())
            chat.model_loaded.connect(self._on_model_loaded)
            chat.adapter_changed.connect(self._on_adapter_changed)
            chat.answer_started.connect(self._on_answer_started)
            chat.token.connect(self._on_token)
            chat.answer_finished.connect(self._on_answer_finished)
            chat.error.connect(self._on_error)
            self.controller = chat
        return self.controller

    def load_model(self) -> bool:
        """Load the chosen model (its adapter follows once it is in); False when no model is chosen."""
        model = self.setup.selected_model()
        if not model:
            self.banner.show_info(self.tr("Choose a model first: on the Model page, or with Choose… on the right."))
            return False
        chat = self.chat()
        self._loading_model = model
        self._adapter_requests.append(None)  # the load itself ends with adapter_changed("")
        chat.load(model, None, str(self.state.runs_root))
        self._update()
        return True

    def _request_adapter(self, spec: str | None) -> None:
        self._adapter_requests.append(spec)
        self.chat().set_adapter(spec)
        self._update()

    def _on_adapter_chosen(self, spec: str | None) -> None:
        if self.mode == COMPARE_MODE and spec is None:
            self.set_mode(CHAT_MODE)
        # Only a loaded model takes an adapter; a loading one takes the choice once it is in.
        if self.loaded_model is not None and self._loading_model is None:
            if spec != self.active_adapter or self._adapter_requests:
                self._request_adapter(spec)
        self._update()

    def _on_model_loaded(self, _path: str) -> None:
        self.loaded_model, self._loading_model = self._loading_model, None
        self._applied_system = None
        self.active_adapter, self.active_label = None, ""
        if not self.chat_view.is_empty():
            self.chat_view.add_note(self.tr("{model} loaded: a new conversation starts here.").format(
                model=display_name(self.loaded_model or "")))
        spec = self.picker.spec()
        if spec:
            self._request_adapter(spec)
        self._update()

    def _on_adapter_changed(self, label: str) -> None:
        spec = self._adapter_requests.popleft() if self._adapter_requests else self.picker.spec()
        self.active_adapter, self.active_label = spec, label
        self._send_pending()
        self._update()

    def _on_runs_listed(self) -> None:
        self._send_pending()
        self._update()

    def _ready_to_send(self) -> bool:
        """The model is in, it has the adapter the picker shows, and the picker is not still reading runs."""
        return (self.loaded_model is not None and self._loading_model is None and not self._adapter_requests
                and not self.picker.listing())

    def _send_pending(self) -> None:
        if self._pending is not None and self._ready_to_send():
            text, self._pending = self._pending, None
            self._dispatch(text)

    # --- asking --------------------------------------------------------------------
    def send(self, text: str | None = None) -> None:
        """Send ``text`` (default: the message box); loads the model first when needed."""
        text = self.input.text() if text is None else text
        if not text.strip() or self.answering or self._pending is not None:
            return
        model = self.setup.selected_model()
        if self.mode == COMPARE_MODE and self.picker.spec() is None:
            self.banner.show_info(self.tr("Compare needs an adapter: choose a run on the right."))
            return
        if self.loaded_model != model or not self._ready_to_send():
            # A message typed while the model, its adapter or the list of runs is still on its way
            # waits for them: otherwise it would go to the base model while a run shows as chosen.
            if self._loading_model is None and self.loaded_model != model and not self.load_model():
                return
            self._pending = text  # sent once the model and its adapter are in
            self._update()
            return
        self._dispatch(text)

    def _dispatch(self, text: str) -> None:
        chat = self.chat()
        system = self.setup.system_prompt()
        if system != (self._applied_system or ""):
            chat.set_system_prompt(system)
            self._applied_system = system
        settings = self.sampling.settings()
        if self.input.text().strip() == text.strip():
            self.input.set_text("")
        if self.banner.kind != "error":
            self.banner.hide()
        self._stop_requested = False
        if self.mode == COMPARE_MODE:
            self._last_compare = text
            self.compare_view.add_user(text)
            base, tuned = self.compare_view.add_compare(self.tr("Base model"), self.active_label or self.picker.label())
            self._blocks = {BASE: base, ADAPTER: tuned}
            chat.compare(text, settings)
            self._set_answering(ADAPTER)
        else:
            self.chat_view.add_user(text)
            self._blocks = {}
            chat.send(text, settings)
            self._set_answering(CHAT)

    def regenerate(self) -> None:
        """Answer the last message again; the new answer replaces the last one."""
        if not self._can_regenerate():
            return
        if self.mode == COMPARE_MODE:
            self.compare_view.remove_last()  # the two answers
            self.compare_view.remove_last()  # the question (asked again below)
            self.send(self._last_compare)
            return
        self.chat_view.remove_last()  # the answer it replaces
        chat = self.chat()
        system = self.setup.system_prompt()
        if system != (self._applied_system or ""):
            chat.set_system_prompt(system)
            self._applied_system = system
        self._blocks = {}
        self._stop_requested = False
        chat.regenerate(self.sampling.settings())
        self._set_answering(CHAT)

    def stop(self) -> None:
        """Stop the answer after its current token (or drop a message still waiting for the model)."""
        self._pending = None
        if self.answering:
            self._stop_requested = True
            self.controller.stop()
        self._update()

    def clear(self) -> None:
        """Empty the transcript of this mode; in Chat also the engine's conversation (the system prompt stays)."""
        self.stop()
        self._blocks = {}
        self._discarding = self.answering
        if self.mode == COMPARE_MODE:
            self.compare_view.clear()
            self._last_compare = None
        else:
            self.chat_view.clear()
            if self.controller is not None and self.loaded_model is not None:
                self.controller.clear()
        self._update()

    def _can_regenerate(self) -> bool:
        if self.answering or self._pending is not None or self.loaded_model is None:
            return False
        if self.mode == COMPARE_MODE:
            return self._last_compare is not None and self.compare_view.last_kind() == "compare"
        # After an answer that failed, the engine's history does not hold the question: send it again instead.
        return self.chat_view.last_kind() == "answer" and not self.chat_view.items[-1].failed

    # --- answers ---------------------------------------------------------------------
    @property
    def answering(self) -> bool:
        return self._final_side is not None

    def _set_answering(self, final_side: str | None) -> None:
        was = self.answering
        self._final_side = final_side
        if final_side is None:
            self._discarding = False
        self._update()
        if was != self.answering:
            self.answering_changed.emit(self.answering)

    def _on_answer_started(self, side: str) -> None:
        if self._stop_requested:
            self.controller.stop()  # Stop came before the engine began (it clears the flag when it begins)
        if side == CHAT and self.answering and not self._discarding:
            self._blocks[CHAT] = self.chat_view.add_answer(self.active_label or self.tr("Base model"))
        elif side == ADAPTER and ADAPTER in self._blocks:
            self._blocks[ADAPTER].set_title(self.active_label)

    def _on_token(self, side: str, text: str) -> None:
        block = self._blocks.get(side)
        if block is not None:
            block.append(text)

    def _on_answer_finished(self, side: str, stats, text: str) -> None:
        block = self._blocks.get(side)
        if block is not None:
            block.finish(text, stats)
        if side == self._final_side:
            self._set_answering(None)

    def _on_error(self, command: str, message: str, details: str) -> None:
        if command == "load":
            model = display_name(self._loading_model or self.setup.selected_model())
            self.loaded_model = self._loading_model = None
            self.active_adapter, self.active_label = None, ""
            self._adapter_requests.clear()
            self._pending = None
            self.banner.show_error(self.tr("Could not load {model}: {error}").format(model=model, error=message), details)
        elif command == "adapter":
            if self._adapter_requests:
                self._adapter_requests.popleft()
            self._pending = None
            if not self._adapter_requests:
                self.picker.select_spec(self.active_adapter, quiet=True)  # show what the engine still has
                if self.mode == COMPARE_MODE and self.active_adapter is None:
                    self.set_mode(CHAT_MODE)
            self.banner.show_error(self.tr("This adapter cannot be used: {error}").format(error=message), details)
        elif command in ("send", "regenerate", "compare"):
            for block in self._blocks.values():
                if not block.finished:
                    block.fail(self.tr("No answer: {error}").format(error=message))
            self._set_answering(None)
            self.banner.show_error(self.tr("The answer failed: {error}").format(error=message), details)
        else:
            self.banner.show_error(self.tr("The chat engine could not do that: {error}").format(error=message), details)
        self._update()

    # --- modes and looks -------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        if mode == COMPARE_MODE and self.picker.spec() is None:
            mode = CHAT_MODE
        self.mode = mode
        (self.compare_button if mode == COMPARE_MODE else self.chat_button).setChecked(True)
        self._update()

    def current_view(self) -> ChatView:
        return self.compare_view if self.mode == COMPARE_MODE else self.chat_view

    def _on_config(self, config) -> None:
        self.setup.set_config_model(config.model)
        prompts = [DEMO_PROMPT] if is_demo_data(config.data) else []
        for prompt in config.eval_prompts or []:
            if prompt not in prompts and len(prompt) <= MAX_SUGGESTION and len(prompts) < 3:
                prompts.append(prompt)
        self.empty.set_suggestions(prompts)
        self._update()

    def _update(self, *_) -> None:
        """Buttons, status line, busy indicator and empty state from where things stand."""
        model = self.setup.selected_model()
        waiting = self._pending is not None
        answering = self.answering
        self.input.set_answering(answering or waiting)
        self.input.send_button.setEnabled(bool(model))
        self.input.regenerate_button.setEnabled(self._can_regenerate())
        self.input.clear_button.setEnabled(not self.current_view().is_empty() or waiting)
        self.chat_button.setEnabled(not answering)
        self.compare_button.setEnabled(not answering and self.picker.spec() is not None)
        self.compare_button.setToolTip(
            self.tr("Each question answered by the base model and by the adapter, side by side")
            if self.picker.spec() is not None else self.tr("Choose an adapter on the right to compare it with the base model"))
        loading = self._loading_model is not None
        loaded_here = self.loaded_model is not None and self.loaded_model == model
        self.setup.set_load_state(self.tr("Loaded") if loaded_here and not loading else self.tr("Load Model"),
                                  bool(model) and not loading and not loaded_here)
        busy = chat_texts.busy_text(self._loading_model, bool(self._adapter_requests), answering)
        self.busy_label.setText(busy)
        self.busy_label.setVisible(bool(busy))
        self.busy_bar.setVisible(bool(busy))
        self.status_label.setText(chat_texts.status_text(model, self.loaded_model, self.active_label, loading))
        self.status_label.setToolTip(self.loaded_model or model)
        view = self.current_view()
        if view.is_empty():
            self.empty.set_text(*chat_texts.empty_texts(self.mode == COMPARE_MODE))
            view = self.empty
        self.stack.setCurrentWidget(view)

    def _apply_colors(self, colors) -> None:
        for view in (self.chat_view, self.compare_view):
            view.apply_colors(colors)
        self.empty.apply_colors(colors)
        # The two mode buttons read as one segmented control.
        segment = (f"QPushButton {{ background: {colors.card}; color: {colors.foreground}; border: 1px solid {colors.border};"
                   f" padding: 4px 16px; }} QPushButton:checked {{ background: {colors.accent}; color: white;"
                   f" border-color: {colors.accent}; }} QPushButton:disabled {{ color: {colors.muted}; }}")
        self.chat_button.setStyleSheet(segment + " QPushButton { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }")
        self.compare_button.setStyleSheet(segment + " QPushButton { border-top-right-radius: 6px; border-bottom-right-radius: 6px; }")
