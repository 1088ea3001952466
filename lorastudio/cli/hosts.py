"""`lorastudio hosts check HOSTFILE`: can the machines of an mlx.launch hostfile train one run together?

Prints one block per host: reachable, Python and LoRA Studio at the same path as
here, MLX version, device, memory and the measured all-reduce bandwidth, or the
reason it failed (``lorastudio.core.train.hostcheck``). ``--json`` prints the
results as JSON instead. Exits 0 when every host is ready, 1 otherwise. Runs on
the main thread; the core is imported lazily.
"""

from __future__ import annotations

import json


def cmd_hosts_check(args) -> int:
    from lorastudio.core.train.distributed import read_hostfile
    from lorastudio.core.train.hostcheck import check_hosts

    read_hostfile(args.hostfile, args.backend)  # a hostfile that cannot be read is said at once
    print(f"Checking the hosts of {args.hostfile} (one tiny rank each, then an all-sum of 8 MB)...")
    results = check_hosts(args.hostfile, backend=args.backend)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for result in results:
            print("\n".join(host_lines(result)))
    ready = all(r.ok for r in results)
    print("All hosts are ready." if ready else "Not every host is ready: see above.")
    return 0 if ready else 1


def host_lines(result) -> list[str]:
    """One host's result as lines of text (English)."""
    head = f"rank {result.rank}  {result.host}: " + ("ready" if result.ok else "NOT READY")
    lines = [head]
    if result.problem:
        lines.append(f"  problem: {result.problem}")
    if not result.reachable:
        return lines
    lines.append("  reachable: yes")
    if result.python:
        same = "same path as here" if result.same_path else "NOT the same path as here"
        lines.append(f"  python: {result.python} ({same})")
        lines.append(f"  lorastudio: {result.lorastudio}")
        lines.append(f"  MLX {result.mlx} on {result.device}"
                     + (f", {result.memory_gb:.1f} GB memory" if result.memory_gb else ""))
    if result.bandwidth_gb_s is not None:
        lines.append(f"  all-reduce: {result.bandwidth_gb_s:.2f} GB/s ({result.all_reduce_ms:.1f} ms for 8 MB)")
    return lines


def add_commands(sub) -> None:
    p = sub.add_parser("hosts", help="check the machines of a distributed run",
                       description="Machines for a distributed run (train --hosts HOSTFILE).")
    hosts_sub = p.add_subparsers(dest="hosts_command", metavar="SUBCOMMAND")
    check = hosts_sub.add_parser(
        "check", help="start one tiny rank per host, all-reduce, and report each host",
        description="Reach every host of an mlx.launch hostfile (JSON; mlx.distributed_config writes one) over ssh, "
        "start one tiny rank per host with MLX's launcher, time an all-sum of 8 MB, and report per host: reachable, "
        "Python and LoRA Studio at the same path, MLX version, device, memory and all-reduce bandwidth.")
    check.add_argument("hostfile", help="mlx.launch hostfile (JSON)")
    check.add_argument("--backend", choices=["ring", "jaccl", "jaccl-ring", "mpi", "nccl"],
                       help="MLX's distributed backend (default: the hostfile's, else MLX's choice)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.set_defaults(func=cmd_hosts_check)
