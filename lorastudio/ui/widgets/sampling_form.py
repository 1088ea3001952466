"""The Chat page's sampling settings: a compact form that folds away, read as a ``SamplingSettings``.

Temperature, top-p, top-k, min-p, repetition penalty, longest answer and seed,
each with its help text from ``SamplingSettings``' field metadata as a
tooltip (translated in the context "SamplingHelp"; the texts are listed below
for pyside6-lupdate, and a test fails when the list falls behind the core).
The spin boxes keep every value inside what ``SamplingSettings.check``
accepts. Folded, a one-line summary says what is set. GUI thread.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.chat.settings import SamplingSettings
# Imported under another name: lupdate reads every tr(...) call as a literal to extract.
from lorastudio.ui.i18n import tr as translate_text

HELP_CONTEXT = "SamplingHelp"

# The fields shown, in order, with (decimals, step, lowest, highest) of their spin box. The bounds are
# the metadata's, made strict where check() wants them strict (top-p above 0, min-p below 1).
SHOWN = {
    "temperature": (2, 0.1, 0.0, 5.0),
    "top_p": (2, 0.05, 0.01, 1.0),
    "top_k": (0, 1, 0, 100000),
    "min_p": (2, 0.01, 0.0, 0.99),
    "repetition_penalty": (2, 0.05, 0.01, 10.0),
    "max_tokens": (0, 64, 1, 1_000_000),
    "seed": (0, 1, -1, 2**31 - 1),  # -1 shows as "none"
}

# Every help text of SamplingSettings, for pyside6-lupdate (kept in step by a test).
HELP_TEXTS = (
    QT_TRANSLATE_NOOP("SamplingHelp", "randomness; 0 always takes the most likely token (greedy)"),
    QT_TRANSLATE_NOOP("SamplingHelp", "sample only from the most likely tokens whose probabilities add up to this (1: off)"),
    QT_TRANSLATE_NOOP("SamplingHelp", "sample only from this many most likely tokens (0: off)"),
    QT_TRANSLATE_NOOP("SamplingHelp", "drop tokens less likely than this share of the top token's probability (0: off)"),
    QT_TRANSLATE_NOOP("SamplingHelp", "above 1 makes recently used tokens less likely (1: off)"),
    QT_TRANSLATE_NOOP("SamplingHelp", "how many recent tokens the repetition penalty looks at"),
    QT_TRANSLATE_NOOP("SamplingHelp", "longest answer in tokens"),
    QT_TRANSLATE_NOOP("SamplingHelp", "random seed for sampling (none: not reseeded)"),
)


def field_help(name: str) -> str:
    """The field's help text from the core, translated, as a sentence."""
    meta = {f.name: f.metadata for f in fields(SamplingSettings)}[name]
    text = translate_text(HELP_CONTEXT, meta.get("help", ""))
    return text[:1].upper() + text[1:] + ("." if text and not text.endswith(".") else "")


# mlx_lm.generate's defaults (greedy, no penalty) make small models loop on
# one phrase; a light repetition penalty keeps chat answers readable.
DEFAULT_SETTINGS = SamplingSettings(repetition_penalty=1.1)

class SamplingForm(QWidget):
    changed = Signal(object)  # SamplingSettings

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        labels = {
            "temperature": self.tr("Temperature"),
            "top_p": self.tr("Top-p"),
            "top_k": self.tr("Top-k"),
            "min_p": self.tr("Min-p"),
            "repetition_penalty": self.tr("Repetition penalty"),
            "max_tokens": self.tr("Max tokens"),
            "seed": self.tr("Seed"),
        }
        self.toggle = QToolButton()
        self.toggle.setText(self.tr("Sampling"))
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip(self.tr("Show or hide how the next token is picked"))
        bold = self.toggle.font()
        bold.setBold(True)
        self.toggle.setFont(bold)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.toggle)
        header.addStretch(1)

        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(4, 2, 0, 0)
        form.setVerticalSpacing(6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.spins: dict[str, QAbstractSpinBox] = {}
        for name, (decimals, step, low, high) in SHOWN.items():
            spin = QDoubleSpinBox() if decimals else QSpinBox()
            if decimals:
                spin.setDecimals(decimals)
            spin.setRange(low, high)
            spin.setSingleStep(step)
            spin.setMinimumWidth(96)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            if name == "seed":
                spin.setSpecialValueText(self.tr("none"))
            help_text = field_help(name)
            spin.setToolTip(help_text)
            label = QLabel(labels[name])
            label.setToolTip(help_text)
            form.addRow(label, spin)
            spin.valueChanged.connect(self._on_changed)
            self.spins[name] = spin
        self.reset_button = QPushButton(self.tr("Defaults"))
        self.reset_button.setToolTip(self.tr("Back to the defaults: greedy, 256 tokens, repetition penalty 1.1"))
        self.reset_button.clicked.connect(lambda: self.set_settings(DEFAULT_SETTINGS))
        form.addRow("", self.reset_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.summary)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self.set_expanded)
        self.set_settings(DEFAULT_SETTINGS)
        self.set_expanded(False)

    # --- values ------------------------------------------------------------------
    def settings(self) -> SamplingSettings:
        values = {name: spin.value() for name, spin in self.spins.items()}
        seed = int(values.pop("seed"))
        return SamplingSettings(**values, seed=None if seed < 0 else seed)

    def set_settings(self, settings: SamplingSettings) -> None:
        for name, spin in self.spins.items():
            value = getattr(settings, name)
            spin.blockSignals(True)
            spin.setValue(-1 if value is None else value)
            spin.blockSignals(False)
        self._on_changed()

    def _on_changed(self, *_) -> None:
        settings = self.settings()
        self.summary.setText(self.describe(settings))
        self.changed.emit(settings)

    def describe(self, s: SamplingSettings) -> str:
        """One line: greedy or the temperature, what else is on, the answer's length."""
        parts = [self.tr("greedy") if s.temperature == 0 else self.tr("temperature {value:g}").format(value=s.temperature)]
        if s.temperature != 0:
            if s.top_p < 1:
                parts.append(self.tr("top-p {value:g}").format(value=s.top_p))
            if s.top_k:
                parts.append(self.tr("top-k {value}").format(value=s.top_k))
            if s.min_p:
                parts.append(self.tr("min-p {value:g}").format(value=s.min_p))
        if s.repetition_penalty != 1:
            parts.append(self.tr("repetition penalty {value:g}").format(value=s.repetition_penalty))
        parts.append(self.tr("up to {count} tokens").format(count=s.max_tokens))
        if s.seed is not None:
            parts.append(self.tr("seed {value}").format(value=s.seed))
        return self.tr(", ").join(parts)  # Chinese joins with a full-width comma

    # --- folding -----------------------------------------------------------------
    def set_expanded(self, expanded: bool) -> None:
        self.toggle.blockSignals(True)
        self.toggle.setChecked(expanded)
        self.toggle.blockSignals(False)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
        self.summary.setVisible(not expanded)

    @property
    def expanded(self) -> bool:
        return self.body.isVisibleTo(self)
