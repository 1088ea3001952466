"""The "Make it fit" dialog: the fit plan of the current settings, and buttons that apply it.

Opened from the Model page's card and from the Parameters page when the
memory verdict is "tight" or "will not fit". It works the plan out in the
background (``model_jobs.fit_plan`` through a ``LatestTask``, the core's
sentences in the interface language read here), then lists every step:
what it changes, whether it keeps the result, the predicted memory, verdict
and time per step. "Apply the same-result settings" sets the steps that
keep the result, "Apply all" every step a setting can express (a 4-bit copy
of the model is not a setting: its step says what to do instead); both go
through ``AppState.update_config``, so the form and the estimates follow.
GUI thread; the plan itself runs on Qt's thread pool.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import ConfigError
from lorastudio.ui.i18n import core_language
from lorastudio.ui.panels.model_jobs import fit_plan
from lorastudio.ui.tasks import LatestTask, error_text
from lorastudio.ui.widgets.model_card import VERDICT_STYLES, breakable, set_style_name

NEEDS_FIT = ("tight", "will not fit")  # the verdicts that offer "Make it fit"
MAX_STEPS_HEIGHT = 460  # pixels of steps shown before the list scrolls


def settings_words(changes: dict) -> str:
    """``update_config`` changes as the config file names them: "grad_checkpoint: true, lora_parameters.rank: 4"."""
    words = []
    for name, value in changes.items():
        if name == "lora_parameters":
            name, value = "lora_parameters.rank", value["rank"]
        words.append(f"{name}: {'true' if value is True else 'false' if value is False else value}")
    return ", ".join(words)


def _label(text: str = "", name: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def open_fit_dialog(state, parent: QWidget, previous: "FitDialog | None") -> "FitDialog":
    """Open a "Make it fit" dialog for ``state``'s configuration (window-modal, not blocking),
    closing the one ``parent`` opened before if it is still there."""
    if previous is not None and isValid(previous):
        previous.close()
    dialog = FitDialog(state, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class FitDialog(QDialog):
    planned = Signal()  # the plan (or why there is none) is shown
    applied = Signal(str)  # "same" or "all": the settings were set in the state

    def __init__(self, state, parent: QWidget | None = None, memory_gb: float | None = None):
        super().__init__(parent)
        self.state, self.memory_gb = state, memory_gb
        self.plan: dict | None = None  # model_jobs.fit_plan's answer
        self.setWindowTitle(self.tr("Make It Fit"))
        self.setMinimumWidth(640)
        self._build()
        self._job = LatestTask(self)
        self._job.result.connect(self._on_plan)
        self._job.failed.connect(self._on_failed)
        self.refresh()

    def _build(self) -> None:
        title = QLabel(self.tr("Make training fit in memory"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        self.heading = _label(name="muted")
        self.status = _label(name="muted")
        self.steps = QFrame()
        self.steps.setObjectName("card")
        self.grid = QGridLayout(self.steps)
        self.grid.setContentsMargins(14, 12, 14, 12)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(10)
        self.grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.steps)
        self.scroll = scroll
        self.ending = _label()
        self.error = _label(name="error")
        self.error.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.apply_all_button = QPushButton(self.tr("Apply all"))
        self.apply_same_button = QPushButton(self.tr("Apply the same-result settings"))
        self.apply_same_button.setObjectName("primary")
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_all_button)
        buttons.addWidget(self.apply_same_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        for widget in (title, self.heading, self.status, scroll, self.ending, self.error):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.apply_same_button.clicked.connect(lambda: self.apply("same"))
        self.apply_all_button.clicked.connect(lambda: self.apply("all"))

    # --- the plan ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Work the plan out again for the state's configuration (in the background)."""
        self.plan = None
        self.status.setText(self.tr("Working out what makes it fit…"))
        self.status.show()
        for widget in (self.scroll, self.ending, self.error):
            widget.hide()
        self._set_buttons({}, {})
        self._job.run(fit_plan, self.state.config, core_language(), self.memory_gb)

    def _on_failed(self, message: str, _details: str) -> None:
        self._show_error(self.tr("No plan: {error}").format(error=message))

    def _show_error(self, text: str) -> None:
        self.status.hide()
        self.error.setText(breakable(text))
        self.error.show()
        self.planned.emit()

    def _on_plan(self, plan: dict) -> None:
        if "error" in plan:
            self._show_error(plan["error"])
            return
        self.plan = plan
        self.status.hide()
        self.heading.setText(plan["heading"])
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._add_row(0, "", self.tr("As it is"), "", plan["start"])
        for number, step in enumerate(plan["steps"], 1):
            self._add_step(number, step)
        self.scroll.show()
        self.ending.setText(plan["ending"])
        self.ending.show()
        self._set_buttons(plan["same"], plan["all"])
        self._fit_to_steps()
        self.planned.emit()

    def _fit_to_steps(self) -> None:
        """Show every step without scrolling, up to a height that stays on a laptop's screen."""
        self.grid.setRowStretch(self.grid.rowCount(), 1)  # spare height below the last step, not between
        self.grid.activate()
        height = self.grid.totalHeightForWidth(self.scroll.viewport().width())  # wrapped lines at the real width
        self.scroll.setMinimumHeight(min(height + 2, MAX_STEPS_HEIGHT))
        self.adjustSize()

    def _add_step(self, number: int, step: dict) -> None:
        kind = self.tr("Same result") if step["keeps_result"] else self.tr("Changes the result")
        note = ""
        if step["knob"] == "quantize":
            note = self.tr("Not a setting: make a 4-bit copy of the model (for example mlx_lm.convert -q), "
                           "then choose that copy on the Model page.")
        self._add_row(number, f"{number}.", step["change"], note, step, kind, "good" if step["keeps_result"] else "warn")

    def _add_row(self, row: int, number: str, change: str, note: str, prediction: dict, kind: str = "",
                 kind_style: str = "") -> None:
        """One line of the plan: number, what changes (with its kind and a note), then the prediction."""
        self.grid.addWidget(_label(number, "muted", wrap=False), row, 0, Qt.AlignmentFlag.AlignTop)
        what = QVBoxLayout()
        what.setSpacing(2)
        what.addWidget(_label(change))
        if kind:
            what.addWidget(_label(kind, kind_style))
        if note:
            what.addWidget(_label(note, "muted"))
        what.addStretch(1)
        self.grid.addLayout(what, row, 1)
        memory = QVBoxLayout()
        memory.setSpacing(2)
        verdict = _label(f"{prediction['total']}  ·  {prediction['verdict_text']}", wrap=False)
        set_style_name(verdict, VERDICT_STYLES.get(prediction["verdict"], "muted"))
        memory.addWidget(verdict, 0, Qt.AlignmentFlag.AlignRight)
        if prediction["time"]:
            memory.addWidget(_label(prediction["time"], "muted", wrap=False), 0, Qt.AlignmentFlag.AlignRight)
        memory.addStretch(1)
        self.grid.addLayout(memory, row, 2)

    def _set_buttons(self, same: dict, every: dict) -> None:
        self.apply_same_button.setEnabled(bool(same))
        self.apply_same_button.setToolTip(
            self.tr("Sets {settings}: training takes the same steps, in less memory").format(
                settings=settings_words(same)) if same else self.tr("No step that keeps the result helps here"))
        extra = every != same
        self.apply_all_button.setEnabled(bool(every) and extra)
        self.apply_all_button.setToolTip(
            self.tr("Sets {settings}, including the changes to the result").format(settings=settings_words(every))
            if every and extra else self.tr("No setting beyond the same-result ones"))

    # --- applying ----------------------------------------------------------------------
    def changes(self, which: str) -> dict:
        """The ``update_config`` changes of "same" (keeps the result) or "all"; {} before the plan came."""
        return dict(self.plan[which]) if self.plan else {}

    def apply(self, which: str) -> bool:
        """Set the plan's settings ("same" or "all") in the state and close; False when they were refused."""
        changes = self.changes(which)
        if not changes:
            return False
        try:
            self.state.update_config(**changes)
        except ConfigError as exc:
            self.error.setText(self.tr("Not applied: {error}").format(error=error_text(exc)))
            self.error.show()
            return False
        self.applied.emit(which)
        self.accept()
        return True
