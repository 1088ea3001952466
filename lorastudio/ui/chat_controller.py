"""The chat engine on its own long-lived thread, steered from the GUI with Qt signals.

MLX arrays and streams are thread-local, so one ``_EngineThread`` builds the
``ChatEngine`` (lorastudio.core.chat.engine) and runs every call on it for the
engine's whole life; the GUI queues commands and hears back through signals
(queued to the GUI thread) carrying only Python values. ``stop()`` is the one
call made from the GUI thread directly: the engine's stop flag is
thread-safe and ends an answer after its current token. A command's error is
said in the interface language of the moment it was queued (read on the GUI
thread, ``lorastudio.ui.tasks.error_text``).
"""

from __future__ import annotations

import queue
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from lorastudio.ui.i18n import core_language
from lorastudio.ui.tasks import error_text

CHAT, BASE, ADAPTER = "chat", "base", "adapter"  # which side an answer belongs to


class _EngineThread(QThread):
    def __init__(self, controller: "ChatController"):
        super().__init__(controller)
        self.controller = controller
        self.commands: "queue.Queue" = queue.Queue()
        self.engine = None

    def run(self) -> None:
        while True:
            command = self.commands.get()
            if command is None:
                break
            name, fn, lang = command
            self.controller.busy_changed.emit(True)
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - every failure reaches the window
                self.controller.error.emit(name, error_text(exc, lang), traceback.format_exc())
            finally:
                self.controller.busy_changed.emit(False)
        if self.engine is not None:
            self.engine.close()
            self.engine = None


class ChatController(QObject):
    model_loading = Signal(str)  # model path or id
    model_loaded = Signal(str)  # resolved model folder
    adapter_changed = Signal(str)  # adapter label, "" for the base model
    answer_started = Signal(str)  # side
    token = Signal(str, str)  # side, text piece
    answer_finished = Signal(str, object, str)  # side, AnswerStats, full text
    error = Signal(str, str, str)  # command, message, details
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = _EngineThread(self)
        self._thread.start()
        self.model_path: str | None = None
        self.adapter_spec: str | None = None
        self._lock = threading.Lock()

    # --- plumbing ---------------------------------------------------------------
    def _queue(self, name: str, fn) -> None:
        # The interface language is read here, on the GUI thread; the error is said in it.
        self._thread.commands.put((name, fn, core_language()))

    def _engine(self):
        engine = self._thread.engine
        if engine is None:
            raise RuntimeError(self.tr("Load a model first."))
        return engine

    # --- commands (GUI thread; run on the engine thread) ---------------------------
    def load(self, model: str, adapter: str | None = None, runs_dir: str | None = None) -> None:
        """Load ``model`` (replacing any other) with an optional adapter."""
        self.model_path, self.adapter_spec = model, adapter

        def run():
            from lorastudio.core.chat.engine import ChatEngine

            self.model_loading.emit(model)
            if self._thread.engine is not None:
                self._thread.engine.close()
                self._thread.engine = None
            self._thread.engine = ChatEngine(model, runs_dir=runs_dir)
            self.model_loaded.emit(str(self._thread.engine.model_path))
            if adapter:
                source = self._thread.engine.set_adapter(adapter)
                self.adapter_changed.emit(source.label if source else "")
            else:
                self.adapter_changed.emit("")

        self._queue("load", run)

    def set_adapter(self, adapter: str | None) -> None:
        """Attach an adapter (any checkpoint of any run) or, with None, go back to the base model."""
        self.adapter_spec = adapter

        def run():
            source = self._engine().set_adapter(adapter)
            self.adapter_changed.emit(source.label if source else "")

        self._queue("adapter", run)

    def set_system_prompt(self, text: str) -> None:
        self._queue("system", lambda: self._engine().set_system_prompt(text))

    def set_chat_template(self, text: str | None) -> None:
        self._queue("template", lambda: self._engine().set_chat_template(text or None))

    def clear(self) -> None:
        self._queue("clear", lambda: self._engine().clear())

    def send(self, text: str, settings) -> None:
        self._queue("send", lambda: self._stream(CHAT, self._engine().send(text, settings)))

    def regenerate(self, settings) -> None:
        self._queue("regenerate", lambda: self._stream(CHAT, self._engine().regenerate(settings)))

    def compare(self, prompt: str, settings) -> None:
        """The base model's answer, then the adapter's, to one prompt."""

        def run():
            base, tuned = self._engine().compare(prompt, settings)
            self._stream(BASE, base)
            self._stream(ADAPTER, tuned)

        self._queue("compare", run)

    def _stream(self, side: str, reply) -> None:
        self.answer_started.emit(side)
        for piece in reply:
            self.token.emit(side, piece)
        self.answer_finished.emit(side, reply.stats, reply.text)

    def stop(self) -> None:
        """End the answer being streamed after its current token (any thread)."""
        engine = self._thread.engine
        if engine is not None:
            engine.stop()

    def shutdown(self, msecs: int = 10000) -> None:
        """Stop answering, let the engine go on its own thread, end the thread."""
        self.stop()
        self._thread.commands.put(None)
        self._thread.wait(msecs)

    @property
    def loaded(self) -> bool:
        return self._thread.engine is not None

    def model_name(self) -> str:
        return Path(self.model_path).name if self.model_path else ""
