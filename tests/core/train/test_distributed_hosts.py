"""Each way a host can fail the check says so, naming the host, in English and Chinese.

ssh's answers are played by a stand-in (this machine runs no ssh server): its own
failure (status 255), LoRA Studio missing at this path (another status), no answer in
time; and a probe rank that never reports. The launch command carries the plan.
"""

import subprocess
import sys

import pytest

from conftest import CJK
from lorastudio.core.train import distributed, hostcheck
from lorastudio.core.train.distributed import DistributedError, Host, Plan, check_host, host_rates, launch_command


def fake_ssh(monkeypatch, returncode=0, stderr="", timeout=False):
    def run(host, remote):
        if timeout:
            raise subprocess.TimeoutExpired(["ssh", host], 20)
        return subprocess.CompletedProcess(["ssh", host, remote], returncode, "", stderr)

    monkeypatch.setattr(distributed, "_ssh", run)
    monkeypatch.setattr(distributed.shutil, "which", lambda name: "/usr/bin/ssh")


@pytest.mark.parametrize("answer, says", [
    ({"returncode": 255, "stderr": "ssh: connect to host mac-b port 22: Connection refused"},
     "host mac-b cannot be reached: ssh: connect to host mac-b port 22: Connection refused"),
    ({"returncode": 127, "stderr": "bash: /opt/venv/bin/python: No such file or directory"},
     "host mac-b has no LoRA Studio at"),
    ({"timeout": True}, "host mac-b did not answer within 20 s"),
])
def test_each_host_failure_is_said_with_the_host(monkeypatch, answer, says):
    fake_ssh(monkeypatch, **answer)
    with pytest.raises(DistributedError) as info:
        check_host(Host("mac-b", ("10.0.0.2",)))
    assert says in str(info.value)
    assert "mac-b" in info.value.text("zh") and CJK.search(info.value.text("zh"))


def test_this_machine_needs_no_ssh(monkeypatch):
    monkeypatch.setattr(distributed, "_ssh", lambda *a: pytest.fail("no ssh for 127.0.0.1"))
    check_host(Host("127.0.0.1", ("127.0.0.1",)))


def test_a_probe_that_never_answers_is_said(monkeypatch, tmp_path):
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text('[{"ssh": "127.0.0.1", "ips": ["127.0.0.1"]}, {"ssh": "mac-b", "ips": ["10.0.0.2"]}]')
    fake_ssh(monkeypatch)
    line = hostcheck.PROBE_MARK + '{"rank": 0, "python": "%s", "lorastudio": "x", "mlx": "0.32.4", ' \
        '"device": "CPU", "memory_gb": 8.0, "bandwidth_gb_s": 1.0, "all_reduce_ms": 8.0}' % sys.executable
    monkeypatch.setattr(hostcheck.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, line + "\n", ""))
    first, second = hostcheck.check_hosts(str(hostfile))
    assert first.ok and first.bandwidth_gb_s == 1.0 and first.same_path is False  # another lorastudio path
    assert not second.ok and "host mac-b started but did not answer the all-sum" in second.problem


def test_the_launch_command_carries_the_plan(tmp_path):
    hostfile = tmp_path / "hosts.json"
    plan = Plan((Host("a", ("10.0.0.1",)), Host("b", ("10.0.0.2",))), "jaccl", str(hostfile))
    command = launch_command(plan, ["python", "-m", "lorastudio", "_train-worker", "RUN"])
    assert command[command.index("--hostfile") + 1] == str(hostfile)
    assert command[command.index("--backend") + 1] == "jaccl"
    assert command[command.index("--") + 1:] == ["python", "-m", "lorastudio", "_train-worker", "RUN"]
    assert "_mlx-launch" in command
    local = launch_command(Plan((Host("127.0.0.1", ("127.0.0.1",)),) * 3), ["x"])
    assert local[local.index("-n") + 1] == "3" and "--starting-port" in local and "--backend" not in local


def test_host_rates_add_up_the_ranks_of_a_host():
    assert host_rates(["a", "a", "b"], [1.0, 2.0, 5.0]) == {"a": 3.0, "b": 5.0}
    assert host_rates(["a"], None) == {}


def test_ranks_on_this_machine_share_its_blas_threads(monkeypatch):
    """Two local ranks each get half the cores' BLAS threads; one per machine keeps BLAS's own choice."""
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setattr(distributed.os, "cpu_count", lambda: 8)
    local = Plan((Host(distributed.LOCAL, (distributed.LOCAL,)),) * 2)
    assert "OPENBLAS_NUM_THREADS=4" in distributed.rank_env(local)
    spread = Plan((Host(distributed.LOCAL, ("10.0.0.1",)), Host("mac-2.local", ("10.0.0.2",))))
    assert not any(item.startswith("OPENBLAS_NUM_THREADS=") for item in distributed.rank_env(spread))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # the user's own setting wins
    assert not any(item.startswith("OPENBLAS_NUM_THREADS=") for item in distributed.rank_env(local))
