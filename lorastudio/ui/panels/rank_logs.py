"""The Train page's "Rank logs" tab: each rank's own log of a distributed run.

Rank 0's log is the run's ``worker.log`` (the launcher's lines too); every other
rank writes ``ranks/rank-N.log`` in the run folder of its machine (on this machine
for ranks started here: ``lorastudio.core.train.worker.follower_main``). The view
reads the chosen log's last part when asked (Refresh, another rank, another run).
GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from lorastudio.core.runs import folder as runs

TAIL_BYTES = 65536  # the end of a log is what tells what happened


def rank_logs(run_dir: Path) -> list[tuple[int, Path]]:
    """(rank, log file) of a run: rank 0's worker.log, then each ``ranks/rank-N.log`` found."""
    found = [(0, Path(run_dir) / runs.WORKER_LOG)]
    folder = Path(run_dir) / "ranks"
    if folder.is_dir():
        for path in folder.glob("rank-*.log"):
            try:
                found.append((int(path.stem.split("-", 1)[1]), path))
            except ValueError:
                continue
    return sorted(found)


def read_tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - TAIL_BYTES))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


class RankLogs(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.rank = QComboBox()
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Rank")))
        bar.addWidget(self.rank)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        self.rank.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh_button.clicked.connect(lambda: self.set_run(self.run_dir))

    def set_run(self, run_dir: Path | None) -> None:
        """List the run's rank logs (keeping the chosen rank when it is there) and show one."""
        self.run_dir = run_dir
        chosen = self.rank.currentData()
        self.rank.blockSignals(True)
        self.rank.clear()
        for rank, path in rank_logs(run_dir) if run_dir else []:
            self.rank.addItem(self.tr("rank {rank}").format(rank=rank), str(path))
        index = self.rank.findData(chosen)
        self.rank.setCurrentIndex(max(index, 0))
        self.rank.blockSignals(False)
        self.note.setText(self.tr("One process: its log is rank 0's.") if self.rank.count() == 1 else "")
        self.refresh()

    def refresh(self) -> None:
        path = self.rank.currentData()
        self.text.setPlainText(read_tail(Path(path)) if path else "")
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
