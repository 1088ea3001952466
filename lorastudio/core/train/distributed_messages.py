"""The distributed runs' sentences, in English and Chinese: every message of ``DistributedError``.

``lorastudio.core.train.distributed`` raises ``DistributedError.say(key, **values)``
(``lorastudio.core.base.said``): ``str(error)`` is the English sentence (the command
line prints it) and ``error.text("zh")`` the Chinese one for the app. Host names,
paths and another program's own message stay as they are. Pure data, any thread.
"""

from __future__ import annotations

from lorastudio.core.base.said import Table

TEXTS: dict[str, tuple[str, str]] = {
    "hostfile.missing": ("hostfile {path} does not exist", "主机文件 {path} 不存在"),
    "hostfile.json": ("hostfile {path}: not valid JSON (line {line}: {reason})",
                      "主机文件 {path} 不是有效的 JSON（第 {line} 行：{reason}）"),
    "hostfile.shape": ("hostfile {path}: expected a list of hosts or {{\"hosts\": [...]}} (mlx.launch's format)",
                       "主机文件 {path}：应为主机列表或 {{\"hosts\": [...]}}（mlx.launch 的格式）"),
    "hostfile.empty": ("hostfile {path} lists no host", "主机文件 {path} 中没有任何主机"),
    "hostfile.host": ("hostfile {path}, host {index}: needs an \"ssh\" name (and \"ips\" for the ring backend)",
                      "主机文件 {path} 第 {index} 个主机：需要 \"ssh\" 名称（ring 后端还需要 \"ips\"）"),
    "hostfile.ips": ("hostfile {path}, host {host}: the ring backend needs its \"ips\" (addresses the other "
                     "machines reach it at)",
                     "主机文件 {path} 中的主机 {host}：ring 后端需要它的 \"ips\"（其他机器访问它的地址）"),
    "ranks.batch": ("batch_size ({batch}) must be a multiple of the number of ranks ({ranks})",
                    "batch_size（{batch}）必须是进程数（{ranks}）的整数倍"),
    "host.unreachable": ("host {host} cannot be reached: {reason}", "无法连接主机 {host}：{reason}"),
    "host.no_python": ("host {host} has no LoRA Studio at {path}: {reason} (every machine needs it at the same path)",
                       "主机 {host} 上的 {path} 没有 LoRA Studio：{reason}（每台机器都需要在相同路径安装）"),
    "host.timeout": ("host {host} did not answer within {seconds} s", "主机 {host} 在 {seconds} 秒内没有响应"),
    "host.no_ssh": ("the ssh command is not installed, needed to reach {host}", "未安装 ssh 命令，无法连接 {host}"),
    "check.no_answer": ("host {host} started but did not answer the all-sum (firewall, wrong address in \"ips\", "
                        "or another run on the same port?)",
                        "主机 {host} 已启动，但没有完成 all-sum（防火墙、\"ips\" 中的地址有误，或同一端口上有其他运行？）"),
    "check.skipped": ("not checked: no rank is started while {host} cannot be reached",
                      "未检查：{host} 无法连接时不会启动任何进程"),
    "check.failed": ("the check could not run: {reason}", "无法进行检查：{reason}"),
}

TABLE = Table(TEXTS)
