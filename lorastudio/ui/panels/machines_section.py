"""The Parameters page's Machines section: train on this machine, on several ranks, or on several machines.

It edits the config's ``ranks``, ``hostfile`` and ``backend`` (the form's "other"
box shows the same fields). "Several machines" takes an mlx.launch hostfile: one
chosen on disk, or written from a small table of hosts (ssh name, address).
"Check" runs ``lorastudio.core.train.hostcheck.check_hosts`` in the background and
shows each host's result; Start on the Train page then launches the distributed
run (``lorastudio.core.train.distributed``). GUI thread; the check runs on Qt's
thread pool.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import ConfigError
from lorastudio.core.base import atomic
from lorastudio.ui.i18n import core_language
from lorastudio.ui.tasks import LatestTask

MODES = ("one", "ranks", "hosts")
BACKENDS = ("", "ring", "jaccl", "jaccl-ring", "mpi", "nccl")


def check_results(hostfile: str, backend: str | None) -> list:
    """The host check, as plain dicts (runs on the thread pool)."""
    from lorastudio.core.train.hostcheck import check_hosts

    return [r.to_dict() for r in check_hosts(hostfile, backend=backend)]


class MachinesSection(QGroupBox):
    """Where a run trains: this machine (one or several ranks) or the machines of a hostfile."""

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(self.tr("Machines"), parent)
        self.state = state
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.checker = LatestTask(self)
        # "Several machines" picked while its hostfile is still being written: the config has no
        # hostfile yet, so the mode is remembered here rather than read back from it.
        self.wants_hosts = False
        self.mode = QComboBox()
        for key, text in zip(MODES, (self.tr("This machine"), self.tr("This machine, several ranks"),
                                     self.tr("Several machines (hostfile)"))):
            self.mode.addItem(text, key)
        self.mode.setToolTip(self.tr(
            "Several ranks or machines train one run together, data-parallel through MLX's distributed layer: "
            "each batch is shared between them and the steps are those of one process."))
        self.ranks = QSpinBox()
        self.ranks.setRange(2, 64)
        self.ranks.setMaximumWidth(90)
        self.ranks.setToolTip(self.tr("Training processes on this machine (the batch size must be a multiple)"))
        self.backend = QComboBox()
        for key in BACKENDS:
            self.backend.addItem(key or self.tr("MLX's choice"), key)
        self.backend.setMaximumWidth(180)
        self.backend.setToolTip(self.tr("MLX's distributed backend: ring over Ethernet or Thunderbolt, JACCL over "
                                        "Thunderbolt 5 RDMA, MPI, NCCL on CUDA"))
        self.hostfile = QLineEdit()
        self.hostfile.setPlaceholderText(self.tr("mlx.launch hostfile (JSON)"))
        self.choose_button = QPushButton(self.tr("Choose…"))
        self.check_button = QPushButton(self.tr("Check"))
        self.check_button.setToolTip(self.tr("Start one tiny rank on every host, all-reduce 8 MB, and show each host"))
        self._build_hosts_table()
        self._layout()
        self.mode.currentIndexChanged.connect(lambda _: self._apply())
        self.ranks.valueChanged.connect(lambda _: self._apply())
        self.backend.currentIndexChanged.connect(lambda _: self._apply())
        self.hostfile.editingFinished.connect(self._apply)
        self.choose_button.clicked.connect(lambda: self.choose_hostfile())
        self.check_button.clicked.connect(self.check)
        self.checker.result.connect(self.show_results)
        self.checker.failed.connect(lambda message, _details: self._say(message))
        state.config_changed.connect(self.show_config)
        self.show_config(state.config)

    def _build_hosts_table(self) -> None:
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Host (ssh name)"), self.tr("Address (IP)")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(120)
        self.add_button = QPushButton(self.tr("Add host"))
        self.remove_button = QPushButton(self.tr("Remove host"))
        self.write_button = QPushButton(self.tr("Save as hostfile…"))
        self.add_button.clicked.connect(lambda: self.add_host())
        self.remove_button.clicked.connect(lambda: self.table.removeRow(max(self.table.currentRow(), 0))
                                           if self.table.rowCount() else None)
        self.write_button.clicked.connect(lambda: self.write_hostfile())
        self.results = QLabel()
        self.results.setWordWrap(True)
        self.results.setObjectName("muted")

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.mode)
        row.addWidget(self.ranks)
        row.addWidget(self.hostfile, 1)
        row.addWidget(self.choose_button)
        row.addWidget(QLabel(self.tr("Backend")))
        row.addWidget(self.backend)
        row.addWidget(self.check_button)
        row.addStretch(0)  # keeps the controls at their size when the hostfile's field is hidden
        self.hosts_box = QWidget()
        hosts = QVBoxLayout(self.hosts_box)
        hosts.setContentsMargins(0, 0, 0, 0)
        hosts.addWidget(self.table)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.write_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        hosts.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.hosts_box)
        layout.addWidget(self.results)

    # --- the config ------------------------------------------------------------------
    def show_config(self, config) -> None:
        wants_hosts = config.hostfile or (self.wants_hosts and config.ranks <= 1)
        mode = "hosts" if wants_hosts else "ranks" if config.ranks > 1 else "one"
        for widget, setter, value in ((self.mode, self.mode.setCurrentIndex, MODES.index(mode)),
                                      (self.ranks, self.ranks.setValue, max(config.ranks, 2)),
                                      (self.backend, self.backend.setCurrentIndex,
                                       BACKENDS.index(config.backend or ""))):
            widget.blockSignals(True)
            setter(value)
            widget.blockSignals(False)
        if self.hostfile.text() != (config.hostfile or "") and config.hostfile:
            self.hostfile.setText(config.hostfile)
            self._load_table(config.hostfile)
        self._show_mode(mode)

    def _show_mode(self, mode: str) -> None:
        self.ranks.setVisible(mode == "ranks")
        for widget in (self.hostfile, self.choose_button, self.check_button, self.hosts_box, self.results):
            widget.setVisible(mode == "hosts")
        self.backend.setEnabled(mode != "one")

    def _apply(self) -> None:
        mode = self.mode.currentData()
        self.wants_hosts = mode == "hosts"
        changes = {"ranks": self.ranks.value() if mode == "ranks" else 1,
                   "hostfile": (self.hostfile.text().strip() or None) if mode == "hosts" else None,
                   "backend": (self.backend.currentData() or None) if mode != "one" else None}
        self._show_mode(mode)
        try:
            self.state.update_config(**changes)
        except ConfigError as error:
            self._say(error.text(core_language()) if hasattr(error, "text") else str(error))

    # --- hostfiles -------------------------------------------------------------------
    def add_host(self, host: str = "", address: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(host))
        self.table.setItem(row, 1, QTableWidgetItem(address))

    def hosts(self) -> list[dict]:
        """The table's hosts in mlx.launch's hostfile format (rows without a name left out)."""
        out = []
        for row in range(self.table.rowCount()):
            name = (self.table.item(row, 0).text() if self.table.item(row, 0) else "").strip()
            address = (self.table.item(row, 1).text() if self.table.item(row, 1) else "").strip()
            if name:
                out.append({"ssh": name, "ips": [address] if address else []})
        return out

    def _load_table(self, path: str) -> None:
        try:
            data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        hosts = data.get("hosts", []) if isinstance(data, dict) else data
        self.table.setRowCount(0)
        for host in hosts if isinstance(hosts, list) else []:
            if isinstance(host, dict):
                self.add_host(str(host.get("ssh", "")), ", ".join(host.get("ips") or []))

    def choose_hostfile(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a hostfile"), "", self.tr("JSON (*.json)"))
        if path:
            self.hostfile.setText(path)
            self._load_table(path)
            self._apply()

    def write_hostfile(self, path: str | None = None) -> Path | None:
        """Write the table as a hostfile and use it."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the hosts as a hostfile"), "hosts.json",
                                                  self.tr("JSON (*.json)"))
        if not path:
            return None
        atomic.write_json(Path(path), self.hosts())
        self.hostfile.setText(str(path))
        self._apply()
        return Path(path)

    # --- the check -------------------------------------------------------------------
    def check(self) -> None:
        hostfile = self.hostfile.text().strip()
        if not hostfile:
            self._say(self.tr("Choose or write a hostfile first."))
            return
        self._say(self.tr("Checking the hosts…"))
        self.checker.run(check_results, hostfile, self.backend.currentData() or None)

    def show_results(self, results: list) -> None:
        zh = core_language() == "zh"
        lines = []
        for r in results:
            if r["ok"]:
                lines.append(self.tr("{host}: ready: MLX {mlx} on {device}, {bandwidth:.2f} GB/s all-reduce").format(
                    host=r["host"], mlx=r["mlx"], device=r["device"], bandwidth=r["bandwidth_gb_s"]))
            else:
                lines.append(self.tr("{host}: not ready: {problem}").format(
                    host=r["host"], problem=(r["problem_zh"] if zh else r["problem"]) or "?"))
        self._say("\n".join(lines))

    def _say(self, text: str) -> None:
        self.results.setText(text)
