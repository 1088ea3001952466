"""One run over several processes or machines: how the training child is launched with ``mlx.launch``.

LoRA Studio does no networking of its own. A distributed run is the same training
child (``lorastudio.core.train.worker``) started once per rank by MLX's launcher
(``mlx.launch``, run here as ``lorastudio _mlx-launch`` so that a packaged app needs
no separate Python), and MLX's distributed layer (ring over Ethernet or Thunderbolt,
JACCL over Thunderbolt 5 RDMA, MPI, NCCL on CUDA) sums the gradients. The loop
(``lorastudio.core.tuner.loop``) gives each rank its share of every global batch and
sums the token-weighted gradients, losses and token counts across ranks, so N ranks
take the steps of one process.

``plan_for(config)`` reads a config's ``ranks``, ``hostfile`` and ``backend`` into a
``Plan``; ``launch_command`` is the launcher's command line; ``check_reachable``
fails a start on a host that cannot be reached, naming it and why, before anything
trains; ``host_rates`` turns the ranks' tokens/s into each host's. The hostfile is
mlx.launch's JSON (``mlx.distributed_config`` writes one): a list of
``{"ssh": NAME, "ips": [ADDRESS, ...]}``, or ``{"backend": ..., "envs": [...],
"hosts": [...]}``. Only ``127.0.0.1`` runs without ssh, as in mlx.launch.

Pure functions and short subprocesses (ssh), any thread.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.base.said import Said
from lorastudio.core.train import distributed_messages

LOCAL = "127.0.0.1"  # mlx.launch starts this host's ranks without ssh
BACKENDS = ("ring", "jaccl", "jaccl-ring", "mpi", "nccl")
LAUNCH_COMMAND = "_mlx-launch"
SSH_TIMEOUT_S = 10  # ssh's ConnectTimeout; the whole probe of a host gets twice that
# After SIGTERM (mlx.launch sends it to every rank when one ends badly) a rank that is still
# blocked, in an all-sum that its dead peer never answers, is ended this many seconds later.
HARD_EXIT_S = 30
# Passed on to every rank (mlx.launch starts remote ranks through ssh, which drops the environment).
FORWARDED_ENV = ("LORASTUDIO_HOME", "LORASTUDIO_BLAS", "HF_HOME", "HF_HUB_OFFLINE", "HF_HUB_CACHE")


class DistributedError(Said, ValueError):
    """A distributed run that cannot start: a hostfile or host problem, said in English and Chinese."""

    table = distributed_messages.TABLE


@dataclass(frozen=True)
class Host:
    ssh: str  # the name ssh reaches it by (127.0.0.1: this machine, no ssh)
    ips: tuple[str, ...] = ()  # where the other ranks reach it (ring backend)

    @property
    def local(self) -> bool:
        return self.ssh == LOCAL


@dataclass(frozen=True)
class Plan:
    """Who trains a run: one host per rank, the backend (None: MLX's choice) and the hostfile if any."""

    hosts: tuple[Host, ...]
    backend: str | None = None
    hostfile: str | None = None
    envs: tuple[str, ...] = field(default=())

    @property
    def ranks(self) -> int:
        return len(self.hosts)

    def remote_hosts(self) -> list[Host]:
        """The hosts reached through ssh, each once, in rank order."""
        seen, out = set(), []
        for host in self.hosts:
            if not host.local and host.ssh not in seen:
                seen.add(host.ssh)
                out.append(host)
        return out

    def record(self) -> dict:
        """What ``status.json`` and the report say about it."""
        return {"ranks": self.ranks, "hosts": [h.ssh for h in self.hosts], "backend": self.backend or "",
                "hostfile": self.hostfile or ""}


def read_hostfile(path: str | os.PathLike, backend: str | None = None) -> Plan:
    """mlx.launch's JSON hostfile as a plan (one rank per host), every problem naming the file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DistributedError.say("hostfile.missing", path=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DistributedError.say("hostfile.json", path=str(path), line=exc.lineno, reason=exc.msg) from exc
    envs = []
    if isinstance(data, dict):
        backend = backend or data.get("backend") or None
        envs = [str(e) for e in data.get("envs", [])]
        data = data.get("hosts")
    if not isinstance(data, list):
        raise DistributedError.say("hostfile.shape", path=str(path))
    if not data:
        raise DistributedError.say("hostfile.empty", path=str(path))
    hosts = []
    for index, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("ssh"), str) or not item["ssh"].strip():
            raise DistributedError.say("hostfile.host", path=str(path), index=index)
        ips = item.get("ips") or []
        hosts.append(Host(item["ssh"].strip(), tuple(str(ip) for ip in ips)))
    if (backend or "ring") == "ring" and len(hosts) > 1:
        for host in hosts:
            if not host.ips:
                raise DistributedError.say("hostfile.ips", path=str(path), host=host.ssh)
    return Plan(tuple(hosts), backend, str(path.resolve()), tuple(envs))


def plan_for(config) -> Plan | None:
    """The plan of a config (``ranks``, ``hostfile``, ``backend``); None for one process."""
    if config.hostfile:
        return read_hostfile(config.hostfile, config.backend)
    if config.ranks > 1:
        return Plan(tuple(Host(LOCAL, (LOCAL,)) for _ in range(config.ranks)), config.backend)
    return None


def check_batch(config, plan: Plan) -> None:
    """Each rank takes batch_size / ranks rows of every validation batch: it must divide."""
    if config.batch_size % plan.ranks:
        raise DistributedError.say("ranks.batch", batch=config.batch_size, ranks=plan.ranks)


def free_port(count: int) -> int:
    """A port with (very probably) ``count`` free ports from it, for the ring on this machine."""
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind((LOCAL, 0))
            start = probe.getsockname()[1]
        if start + count < 65536 and all(_port_free(start + i) for i in range(count)):
            return start
    return 32323  # mlx.launch's default


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((LOCAL, port))
        except OSError:
            return False
    return True


def self_command() -> list[str]:
    """How to run LoRA Studio's own commands: the frozen app itself, or this Python with the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "lorastudio"]


def package_parent() -> str:
    return str(Path(__file__).resolve().parents[3])


def rank_env(plan: Plan | None = None) -> list[str]:
    """``NAME=VALUE`` for every rank: where the package is, and the settings that must match.

    Several ranks on this machine share its cores: each gets its share of BLAS threads
    (``OPENBLAS_NUM_THREADS``, unless set already), or on a CPU every rank starts one
    thread per core and they fight over them (2 ranks on 2 cores: steps 3-5x slower
    than one process, measured with ``bench/run_all --only distributed``).
    """
    env = ["PYTHONUNBUFFERED=1", "TOKENIZERS_PARALLELISM=false"]
    if not getattr(sys, "frozen", False):  # a frozen app carries its own packages
        env.insert(0, f"PYTHONPATH={package_parent()}")
    env += [f"{name}={os.environ[name]}" for name in FORWARDED_ENV if os.environ.get(name)]
    local = sum(1 for host in plan.hosts if host.local) if plan is not None else 0
    if local > 1 and not os.environ.get("OPENBLAS_NUM_THREADS"):
        env.append(f"OPENBLAS_NUM_THREADS={max(1, (os.cpu_count() or 1) // local)}")
    return env


def launch_command(plan: Plan, command: list[str]) -> list[str]:
    """The launcher's command line that runs ``command`` once per rank of ``plan``."""
    cmd = [*self_command(), LAUNCH_COMMAND]
    if plan.hostfile:
        cmd += ["--hostfile", plan.hostfile]
        if all(host.local for host in plan.hosts):  # only this machine: ports that are free now
            cmd += ["--starting-port", str(free_port(plan.ranks))]
    else:
        cmd += ["--hosts", LOCAL, "-n", str(plan.ranks), "--starting-port", str(free_port(plan.ranks))]
    if plan.backend:
        cmd += ["--backend", plan.backend]
    for item in rank_env(plan):
        cmd += ["--env", item]
    return cmd + ["--", *command]


def run_launcher(argv: list[str]) -> int:
    """``lorastudio _mlx-launch ARGS``: MLX's own launcher (``mlx.launch``), from this program."""
    from mlx._distributed_utils.launch import main

    _relay_stdin_with_its_end()
    sys.stdout = _QuietWhenGone(sys.stdout)
    sys.argv = ["mlx.launch", *argv]
    return main() or 0


PARENT_GONE_COMMAND = "parent-gone"


def _relay_stdin_with_its_end() -> None:
    """Make the end of this launcher's input reach every rank as one last command.

    mlx.launch broadcasts what arrives on its stdin to every rank's stdin but never
    closes theirs, so the ranks would not see the program that started the run go
    away (a one-process child stops then, saving its adapter). Our stdin is relayed
    through a pipe put in its place; at its end ``PARENT_GONE_COMMAND`` is written,
    which every rank's command reader turns into that same stop. The pipe stays
    open after that: MLX's loop would otherwise spin on the end of input.
    """
    read_end, write_end = os.pipe()
    original = os.dup(0)
    os.dup2(read_end, 0)
    os.close(read_end)

    def relay() -> None:
        with os.fdopen(original, "rb", buffering=0) as source:
            while chunk := source.read(8192):
                os.write(write_end, chunk)
        os.write(write_end, f"{PARENT_GONE_COMMAND}\n".encode())

    threading.Thread(target=relay, name="stdin-relay", daemon=True).start()


class _QuietWhenGone:
    """This launcher's stdout, whose writes are dropped once the reader went away.

    Without it the first event written after the parent quit raises BrokenPipeError in
    MLX's loop, which then stops forwarding stdin (so the ranks never get the stop) while
    its threads keep the launcher, and the ranks, alive to the end of the run.
    """

    def __init__(self, stream):
        self._stream = stream
        self.buffer = self

    def write(self, data):
        try:
            return self._stream.buffer.write(data) if isinstance(data, (bytes, bytearray)) else self._stream.write(data)
        except (BrokenPipeError, ValueError):
            return len(data)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            pass

    def fileno(self) -> int:
        return self._stream.fileno()


def _ssh(host: str, remote: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={SSH_TIMEOUT_S}", host, remote],
        capture_output=True, text=True, timeout=2 * SSH_TIMEOUT_S, stdin=subprocess.DEVNULL,
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def check_host(host: Host) -> None:
    """Raise ``DistributedError`` unless ``host`` answers over ssh and has LoRA Studio at this path."""
    if host.local:
        return
    if shutil.which("ssh") is None:
        raise DistributedError.say("host.no_ssh", host=host.ssh)
    import shlex

    probe = " ".join(shlex.quote(part) for part in self_command()) + " --version"
    if not getattr(sys, "frozen", False):
        probe = f"PYTHONPATH={shlex.quote(package_parent())} {probe}"
    try:
        done = _ssh(host.ssh, probe)
    except subprocess.TimeoutExpired:
        raise DistributedError.say("host.timeout", host=host.ssh, seconds=2 * SSH_TIMEOUT_S) from None
    if done.returncode == 255:  # ssh's own failure: name resolution, refused, no key, timeout
        raise DistributedError.say("host.unreachable", host=host.ssh, reason=_last_line(done.stderr))
    if done.returncode != 0:
        raise DistributedError.say("host.no_python", host=host.ssh, path=self_command()[0],
                                   reason=_last_line(done.stderr or done.stdout))


def check_reachable(plan: Plan) -> None:
    """Fail before anything trains when a host of ``plan`` cannot be reached (the first one that cannot)."""
    for host in plan.remote_hosts():
        check_host(host)


def host_rates(hosts: list[str], rank_rates: list[float] | None) -> dict[str, float]:
    """Each host's tokens per second: the sum of its ranks' (several ranks may share a host)."""
    out: dict[str, float] = {}
    for host, rate in zip(hosts, rank_rates or []):
        out[host] = out.get(host, 0.0) + float(rate)
    return out
