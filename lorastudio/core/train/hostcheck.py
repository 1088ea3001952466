"""`lorastudio hosts check HOSTFILE`: can these machines train one run together?

``check_hosts(hostfile)`` first reaches every remote host over ssh and runs LoRA
Studio there at this machine's path (``distributed.check_host``); a host that
fails is reported with its reason and nothing is launched. When all answer, one
tiny rank per host is started with MLX's launcher (``lorastudio _host-probe``);
each joins the group, times an all-sum of ``PROBE_NUMBERS`` float32 numbers
(8 MB, the gradient of a rank-8 q/v adapter on a 14B model) and prints one line of
facts: Python and LoRA Studio paths, MLX version, device, memory and the measured
all-reduce bandwidth. A host that started but never answered is said too.

``check_hosts`` runs short subprocesses on the calling thread; ``probe_main`` is
the rank's own main thread.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

from lorastudio.core.train.distributed import (
    DistributedError,
    Plan,
    check_host,
    launch_command,
    read_hostfile,
    self_command,
)

PROBE_COMMAND = "_host-probe"
PROBE_MARK = "LORASTUDIO-PROBE "  # the probe's one line of facts on its stdout
PROBE_NUMBERS = 2_100_000  # float32: about 8 MB
PROBE_ROUNDS = 5
CHECK_TIMEOUT_S = 180


@dataclass
class HostResult:
    """What the check found on one host (one rank of the hostfile)."""

    host: str
    rank: int
    reachable: bool = False
    problem: str = ""  # English; ``problem_zh`` the same in Chinese
    problem_zh: str = ""
    python: str = ""
    lorastudio: str = ""
    same_path: bool | None = None
    mlx: str = ""
    device: str = ""
    memory_gb: float | None = None
    bandwidth_gb_s: float | None = None  # bytes all-reduced per second (algorithm bandwidth)
    all_reduce_ms: float | None = None
    numbers: int | None = None  # float32 numbers all-reduced

    @property
    def ok(self) -> bool:
        return self.reachable and not self.problem and self.bandwidth_gb_s is not None

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def _failed(result: HostResult, error: DistributedError) -> HostResult:
    result.problem, result.problem_zh = str(error), error.text("zh")
    return result


def check_hosts(hostfile: str, backend: str | None = None, timeout: float = CHECK_TIMEOUT_S) -> list[HostResult]:
    """One result per host of ``hostfile``; raises ``DistributedError`` only for the hostfile itself."""
    plan = read_hostfile(hostfile, backend)
    results = [HostResult(host.ssh, rank) for rank, host in enumerate(plan.hosts)]
    unreachable = {}
    for host in plan.remote_hosts():
        try:
            check_host(host)
        except DistributedError as error:
            unreachable[host.ssh] = error
    for result in results:
        if result.host in unreachable:
            _failed(result, unreachable[result.host])
        else:
            result.reachable = True
    if unreachable:
        first = next(iter(unreachable))
        for result in results:
            if result.reachable:
                _failed(result, DistributedError.say("check.skipped", host=first))
        return results
    return _probe(plan, results, timeout)


def probe(plan: Plan, numbers: int = PROBE_NUMBERS, timeout: float = CHECK_TIMEOUT_S) -> list[HostResult]:
    """Every rank of ``plan`` times an all-sum of ``numbers`` float32 numbers (its hosts taken as reachable)."""
    return _probe(plan, [HostResult(host.ssh, rank, reachable=True) for rank, host in enumerate(plan.hosts)],
                  timeout, numbers)


def _probe(plan: Plan, results: list[HostResult], timeout: float, numbers: int = PROBE_NUMBERS) -> list[HostResult]:
    """Launch one probe rank per host; fill the results from their lines."""
    command = launch_command(plan, [*self_command(), PROBE_COMMAND, str(plan.ranks), str(numbers)])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        output = done.stdout
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    except OSError as exc:
        for result in results:
            _failed(result, DistributedError.say("check.failed", reason=str(exc)))
        return results
    here = _facts_here()
    for line in output.splitlines():
        if not line.startswith(PROBE_MARK):
            continue
        try:
            facts = json.loads(line[len(PROBE_MARK):])
            result = results[int(facts.pop("rank"))]
        except (ValueError, KeyError, IndexError):
            continue
        for name, value in facts.items():
            setattr(result, name, value)
        result.same_path = result.python == here["python"] and result.lorastudio == here["lorastudio"]
    for result in results:
        if result.bandwidth_gb_s is None and not result.problem:
            _failed(result, DistributedError.say("check.no_answer", host=result.host))
    return results


def _facts_here() -> dict:
    import lorastudio

    return {"python": sys.executable, "lorastudio": str(lorastudio.__file__)}


def _memory_gb() -> float | None:
    import mlx.core as mx

    try:
        info = mx.device_info()
        if info.get("memory_size"):
            return info["memory_size"] / 1e9
    except (AttributeError, RuntimeError):
        pass
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return None


def probe_main(argv: list[str]) -> int:
    """``lorastudio _host-probe RANKS [NUMBERS]``: one rank of the check; prints its facts as one line.

    ``NUMBERS``: float32 numbers to all-sum (default ``PROBE_NUMBERS``; the benchmark
    passes a run's own gradient size).
    """
    import mlx.core as mx

    from lorastudio.core.tuner.loop import device_description

    group = mx.distributed.init(strict=True)
    if group.size() != int(argv[0]):
        print(f"joined a group of {group.size()} ranks, expected {argv[0]}", file=sys.stderr)
        return 1
    numbers = int(argv[1]) if len(argv) > 1 else PROBE_NUMBERS
    data = mx.ones((numbers,), dtype=mx.float32)
    mx.eval(mx.distributed.all_sum(data, group=group))  # the first one also makes the connections
    tic = time.perf_counter()
    for _ in range(PROBE_ROUNDS):
        mx.eval(mx.distributed.all_sum(data, group=group))
    seconds = (time.perf_counter() - tic) / PROBE_ROUNDS
    facts = {
        "rank": group.rank(),
        **_facts_here(),
        "mlx": mx.__version__,
        "device": device_description(),
        "memory_gb": _memory_gb(),
        "numbers": numbers,
        "bandwidth_gb_s": numbers * 4 / seconds / 1e9,
        "all_reduce_ms": seconds * 1e3,
    }
    print(PROBE_MARK + json.dumps(facts), flush=True)
    return 0
