"""`lorastudio hosts check` and `train --np / --hosts / --backend`, as a user's terminal runs them.

The check runs for real over loopback (two ranks on 127.0.0.1, MLX's ring backend);
a host that cannot be reached is named with ssh's reason, and every mistake in a
hostfile or the flags is one message without a traceback. The progress line of a
distributed run shows each host's tokens/s.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from lorastudio.cli.progress import ProgressPrinter
from lorastudio.core.runs import folder as runs
from lorastudio.core.runs.events import Started, TrainReport

LOOPBACK = [{"ssh": "127.0.0.1", "ips": ["127.0.0.1"]}, {"ssh": "127.0.0.1", "ips": ["127.0.0.1"]}]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lorastudio", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdin=subprocess.DEVNULL)


def hostfile(tmp_path, hosts, name="hosts.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(hosts))
    return str(path)


def one_clear_message(done: subprocess.CompletedProcess, *says: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    for text in says:
        assert text in done.stderr + done.stdout, (done.stdout, done.stderr)


def test_hosts_check_over_loopback_reports_every_host(tmp_path):
    done = cli("hosts", "check", hostfile(tmp_path, LOOPBACK), "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout[done.stdout.index("["): done.stdout.rindex("]") + 1])
    assert [r["rank"] for r in results] == [0, 1]
    for result in results:
        assert result["ok"] and result["reachable"] and result["same_path"]
        assert result["python"] == sys.executable and result["mlx"]
        assert result["bandwidth_gb_s"] > 0 and result["all_reduce_ms"] > 0 and result["device"]
    assert "All hosts are ready." in done.stdout


def test_hosts_check_names_the_host_it_cannot_reach(tmp_path):
    hosts = [LOOPBACK[0], {"ssh": "no-such-mac.invalid", "ips": ["192.0.2.1"]}]
    done = cli("hosts", "check", hostfile(tmp_path, hosts))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no-such-mac.invalid: NOT READY" in done.stdout
    assert "host no-such-mac.invalid cannot be reached" in done.stdout
    assert "not checked" in done.stdout  # the reachable one is not started alone


@pytest.mark.parametrize("content, says", [
    (None, "does not exist"),
    ("[{\"ssh\": \"a\",\n oops", "not valid JSON (line 2"),
    ("{\"hosts\": []}", "lists no host"),
    ("[{\"ips\": [\"10.0.0.1\"]}]", "host 1: needs an \"ssh\" name"),
    ("[{\"ssh\": \"a\", \"ips\": [\"10.0.0.1\"]}, {\"ssh\": \"b\"}]", "host b: the ring backend needs its \"ips\""),
])
def test_a_bad_hostfile_gets_one_clear_message(tmp_path, content, says):
    path = tmp_path / "hosts.json"
    if content is not None:
        path.write_text(content)
    one_clear_message(cli("hosts", "check", str(path)), str(path), says)


def test_train_flags_that_cannot_work_get_one_clear_message(tiny_model, tiny_data, tmp_path):
    base = ["--runs-dir", str(tmp_path / "runs"), "train", "--model", str(tiny_model), "--data", str(tiny_data),
            "--batch-size", "4"]
    one_clear_message(cli(*base, "--np", "3"), "batch_size (4) must be a multiple of the number of ranks (3)")
    one_clear_message(cli(*base, "--hosts", str(tmp_path / "missing.json")), "missing.json does not exist")
    unreachable = hostfile(tmp_path, [LOOPBACK[0], {"ssh": "no-such-mac.invalid", "ips": ["192.0.2.1"]}])
    one_clear_message(cli(*base, "--hosts", unreachable), "host no-such-mac.invalid cannot be reached")
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_train_on_two_ranks_from_the_command_line(tiny_model, tiny_data, tmp_path):
    done = cli("--runs-dir", str(tmp_path / "runs"), "train", "--model", str(tiny_model), "--data", str(tiny_data),
               "--iters", "2", "--batch-size", "4", "--num-layers", "2", "--max-seq-length", "128", "--np", "2")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Distributed: 2 ranks on 127.0.0.1" in done.stdout
    assert "2 ranks, each batch shared between them" in done.stdout
    assert "2 ranks (127.0.0.1 " in done.stdout  # the progress line's per-host tokens/s
    run_dir = done.stdout.strip().splitlines()[-1]
    assert runs.load_config(run_dir).ranks == 2
    assert runs.read_status(run_dir)["state"] == "finished"


def test_the_progress_line_shows_each_host_s_tokens_per_second(tmp_path):
    runs.write_status(tmp_path, "running", distributed={"ranks": 3, "hosts": ["mac-a", "mac-a", "mac-b"],
                                                          "backend": "ring", "hostfile": ""})
    out = io.StringIO()
    printer = ProgressPrinter(out)
    printer.handle(Started(run_dir=str(tmp_path), total_iters=10, start_iteration=0, trainable_parameters=1,
                           total_parameters=2, train_examples=3, valid_examples=1, test_examples=0, device="CPU",
                           ranks=3))
    printer.handle(TrainReport(iteration=1, train_loss=2.0, learning_rate=1e-4, iterations_per_second=1.0,
                               tokens_per_second=600.0, trained_tokens=600, peak_memory_gb=1.0,
                               rank_tokens_per_second=[100.0, 200.0, 300.0]))
    assert "3 ranks (mac-a 300, mac-b 300 tok/s)" in out.getvalue()
    assert "3 ranks, each batch shared between them" in out.getvalue()
