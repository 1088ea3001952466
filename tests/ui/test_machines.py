"""The Parameters page's Machines section and the Train page's rank logs.

The section edits the config's ranks, hostfile and backend; its table writes an
mlx.launch hostfile; "Check" shows each host's result. The rank logs list rank 0's
worker.log and every ranks/rank-N.log of a run.
"""

import json

import pytest

from conftest import ini_settings
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.ui.panels.params_panel import ParamsPanel
from lorastudio.ui.panels.rank_logs import RankLogs
from lorastudio.ui.state import AppState


@pytest.fixture
def panel(qtbot, tmp_path):
    state = AppState(TrainConfig(model="m", data="d"), tmp_path / "runs")
    widget = ParamsPanel(state, ini_settings(tmp_path))
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_choosing_several_ranks_sets_the_config(panel):
    machines = panel.machines
    assert machines.mode.currentData() == "one" and not machines.ranks.isVisible()
    machines.mode.setCurrentIndex(machines.mode.findData("ranks"))
    assert machines.ranks.isVisible()
    machines.ranks.setValue(4)
    machines.backend.setCurrentIndex(machines.backend.findData("ring"))
    config = panel.state.config
    assert (config.ranks, config.hostfile, config.backend) == (4, None, "ring")
    machines.mode.setCurrentIndex(machines.mode.findData("one"))
    assert (panel.state.config.ranks, panel.state.config.backend) == (1, None)


def test_several_machines_stays_picked_while_its_hostfile_is_written(panel):
    """From several ranks to several machines: the config drops to one process until a hostfile is
    given, and the section stays on "several machines" (it used to fall back to "this machine")."""
    machines = panel.machines
    machines.mode.setCurrentIndex(machines.mode.findData("ranks"))
    machines.ranks.setValue(2)
    machines.mode.setCurrentIndex(machines.mode.findData("hosts"))
    assert machines.mode.currentData() == "hosts" and machines.hosts_box.isVisible()
    assert (panel.state.config.ranks, panel.state.config.hostfile) == (1, None)


def test_the_table_is_written_as_a_hostfile_and_used(panel, tmp_path):
    machines = panel.machines
    machines.mode.setCurrentIndex(machines.mode.findData("hosts"))
    assert machines.hosts_box.isVisible() and machines.check_button.isVisible()
    machines.add_host("mac-studio.local", "192.168.1.10")
    machines.add_host("macbook.local", "192.168.1.11")
    machines.add_host("", "")  # an empty row is left out
    path = machines.write_hostfile(str(tmp_path / "hosts.json"))
    assert json.loads(path.read_text()) == [{"ssh": "mac-studio.local", "ips": ["192.168.1.10"]},
                                            {"ssh": "macbook.local", "ips": ["192.168.1.11"]}]
    assert panel.state.config.hostfile == str(path)


def test_a_config_with_a_hostfile_shows_its_hosts(qtbot, tmp_path):
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text(json.dumps({"backend": "ring", "hosts": [{"ssh": "a.local", "ips": ["10.0.0.1"]}]}))
    state = AppState(TrainConfig(model="m", data="d", hostfile=str(hostfile)), tmp_path / "runs")
    panel = ParamsPanel(state, ini_settings(tmp_path))
    qtbot.addWidget(panel)
    assert panel.machines.mode.currentData() == "hosts"
    assert panel.machines.hosts() == [{"ssh": "a.local", "ips": ["10.0.0.1"]}]


def test_check_results_are_shown_per_host(panel):
    panel.machines.show_results([
        {"host": "a.local", "ok": True, "mlx": "0.32.4", "device": "GPU", "bandwidth_gb_s": 1.5,
         "problem": "", "problem_zh": ""},
        {"host": "b.local", "ok": False, "mlx": "", "device": "", "bandwidth_gb_s": None,
         "problem": "host b.local cannot be reached: refused", "problem_zh": "无法连接主机 b.local：refused"},
    ])
    text = panel.machines.results.text()
    assert "a.local: ready: MLX 0.32.4 on GPU, 1.50 GB/s" in text
    assert "b.local: not ready: host b.local cannot be reached" in text


def test_check_without_a_hostfile_says_what_to_do(panel):
    panel.machines.mode.setCurrentIndex(panel.machines.mode.findData("hosts"))
    panel.machines.check()
    assert "hostfile first" in panel.machines.results.text()


def test_rank_logs_list_each_rank_s_log(qtbot, tmp_path):
    run = tmp_path / "run"
    (run / "ranks").mkdir(parents=True)
    (run / "worker.log").write_text("rank zero says hello\n")
    (run / "ranks" / "rank-1.log").write_text("rank one says hello\n")
    view = RankLogs()
    qtbot.addWidget(view)
    view.set_run(run)
    assert [view.rank.itemText(i) for i in range(view.rank.count())] == ["rank 0", "rank 1"]
    assert "rank zero" in view.text.toPlainText()
    view.rank.setCurrentIndex(1)
    assert "rank one" in view.text.toPlainText()
    (run / "ranks" / "rank-1.log").write_text("rank one again\n")
    view.set_run(run)  # Refresh keeps the chosen rank
    assert view.rank.currentIndex() == 1 and "rank one again" in view.text.toPlainText()
