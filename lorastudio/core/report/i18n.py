"""The report's wording in English and Chinese (the Chinese follows the seed report).

Each key maps to an (English, Chinese) pair of templates. A template may mark
``**bold**`` and ```code``` parts; ``rich()`` splits a template into spans
*before* putting the values in, so a value (a path, an error message) is
never read as markup. Pure data and functions, any thread.
"""

from __future__ import annotations

import re

from lorastudio.core.report.doc import B, C, Span

LANGUAGES = ("en", "zh")

STRINGS: dict[str, tuple[str, str]] = {
    # --- title and state --------------------------------------------------------
    "title": ("LoRA fine-tuning report: {name}", "LoRA 微调训练报告：{name}"),
    "source": ("Generated from the run folder `{path}` (created {created}).", "根据训练目录 `{path}` 生成（创建于 {created}）。"),
    "state.finished": ("Training finished: {done} of {total} iterations.", "训练已完成：{done} / {total} 次迭代。"),
    "state.early_stop": (
        "Training finished early at iteration {done} of {total}: early stopping (no better validation loss in {patience} evaluations).",
        "训练提前结束于第 {done} / {total} 次迭代：早停（连续 {patience} 次验证没有更好的验证损失）。",
    ),
    "state.stopped": (
        "Training was stopped at iteration {done} of {total} ({reason}); the adapter of that step was saved.",
        "训练在第 {done} / {total} 次迭代时停止（{reason}），已保存该步的适配器。",
    ),
    "state.failed": ("Training failed at iteration {done} of {total}: `{error}`", "训练失败（第 {done} / {total} 次迭代）：`{error}`"),
    "state.running": (
        "Training is in progress (iteration {done} of {total}): this report covers the reports so far.",
        "训练仍在进行中（第 {done} / {total} 次迭代）：本报告只包含目前已有的记录。",
    ),
    "state.paused": (
        "Training is paused at iteration {done} of {total}: this report covers the reports so far.",
        "训练已暂停（第 {done} / {total} 次迭代）：本报告只包含目前已有的记录。",
    ),
    "state.created": ("Training has not started yet.", "训练尚未开始。"),
    "state.config_error": ("The run's config.yaml could not be read: `{error}`", "无法读取训练配置 config.yaml：`{error}`"),
    "reason.other": ("`{reason}`", "`{reason}`"),  # a stop reason this version does not know (the known: runs.describe)
    # --- 1. environment ---------------------------------------------------------
    "h.environment": ("1. Training environment", "1. 训练环境"),
    "env.hardware": ("**Hardware**: {chip}, {cores} CPU cores, {memory} memory ({machine})", "**硬件**: {chip}，{cores} 核 CPU，{memory} 内存（{machine}）"),
    "env.device_gpu": ("**Device**: MLX on the GPU ({name})", "**计算设备**: MLX 使用 GPU（{name}）"),
    "env.device_cpu": ("**Device**: MLX on the CPU (BLAS: `{blas}`)", "**计算设备**: MLX 使用 CPU（BLAS：`{blas}`）"),
    "env.distributed": (
        "**Machines**: {ranks} ranks on {hosts} ({backend} backend), data-parallel through MLX's distributed layer: "
        "each batch shared between them, the same steps as one process",
        "**机器**: {hosts} 上的 {ranks} 个进程（{backend} 后端），通过 MLX 的分布式层数据并行："
        "每个批次由它们分担，与单进程的训练步骤相同",
    ),
    "env.backend_default": ("MLX's default", "MLX 默认"),
    "env.host_rate": ("`{host}`: {rate} tokens/s at the last report", "`{host}`：最近一次报告时 {rate} tokens/s"),
    "env.os": ("**Operating system**: {os}", "**操作系统**: {os}"),
    "env.software": (
        "**Software**: MLX {mlx}, mlx-lm {mlx_lm}, LoRA Studio {lorastudio}, Python {python}",
        "**软件**: MLX {mlx}，mlx-lm {mlx_lm}，LoRA Studio {lorastudio}，Python {python}",
    ),
    "env.unknown": ("**Machine**: not recorded (the run folder has no environment.json)", "**机器信息**: 未记录（训练目录中没有 environment.json）"),
    "env.model": ("**Model**: `{model}`", "**模型**: `{model}`"),
    "env.data": ("**Dataset**: `{data}`", "**数据集**: `{data}`"),
    "env.examples": (
        "{train} training, {valid} validation, {test} test examples",
        "训练 {train} 条，验证 {valid} 条，测试 {test} 条样本",
    ),
    "env.fine_tune_type": ("**Fine-tuning**: {kind}", "**微调方式**: {kind}"),
    "env.layers": ("**LoRA layers**: {layers}", "**LoRA 适配层**: {layers}"),
    "env.layers_n": ("the last {n}", "{n} 层"),
    "env.layers_all": ("all", "全部层"),
    "env.max_seq_length": ("**Max sequence length**: {n}", "**最大序列长度**: {n}"),
    "env.learning_rate": ("**Learning rate**: {lr}", "**学习率**: {lr}"),
    "env.schedule": (
        "**Learning-rate schedule**: `{name}` {arguments}, warmup {warmup} steps",
        "**学习率调度**: `{name}` {arguments}，预热 {warmup} 步",
    ),
    "env.optimizer": ("**Optimizer**: `{name}`", "**优化器**: `{name}`"),
    "env.optimizer_options": ("**Optimizer**: `{name}` with `{options}`", "**优化器**: `{name}`，参数 `{options}`"),
    "env.batch_size": ("**Batch size**: {n}", "**批次大小**: {n}"),
    "env.iters": ("**Iterations**: {n} iters", "**训练步数**: {n} iters"),
    "env.epochs": ("**Iterations**: {epochs} epochs ({n} iters)", "**训练步数**: {epochs} 轮（{n} iters）"),
    "env.grad_checkpoint": ("**Gradient checkpointing**: {value}", "**梯度检查点**: {value}"),
    "on": ("on", "开启"),
    "off": ("off", "关闭"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "env.lora": ("**LoRA parameters**:", "**LoRA 参数**:"),
    "env.keys": ("**Keys**: {keys}", "**应用层**: {keys}"),
    "env.keys_all": ("every linear layer of the trained blocks", "所训练块中的全部线性层"),
    "env.rank": ("**Rank**: {rank}", "**秩（rank）**: {rank}"),
    "env.scale": (
        "**Scale**: {scale} (mlx-lm's `scale` is the multiplier itself)",
        "**缩放系数（scale）**: {scale}（mlx-lm 的 `scale` 就是乘数本身）",
    ),
    "env.alpha": (
        "**Alpha** (PEFT's convention, = scale × rank): {alpha}; mlx-lm has no alpha option, only scale reaches it",
        "**缩放因子（alpha）**（PEFT 的记法，= scale × rank）: {alpha}；mlx-lm 没有 alpha 选项，只有 scale 生效",
    ),
    "env.dropout": ("**Dropout**: {dropout}", "**dropout**: {dropout}"),
    "h.settings": ("All other settings", "其他参数"),
    "settings.setting": ("Setting (config.yaml)", "参数（config.yaml）"),
    "settings.value": ("Value", "取值"),
    "settings.none": ("none", "无"),
    # --- 2. log analysis --------------------------------------------------------
    "h.log": ("2. Training log analysis", "2. 训练日志分析"),
    "h.init": ("2.1 Initialization", "2.1 训练初始化"),
    "init.model": ("Loaded the pretrained model {model}.", "预加载 {model} 预训练模型。"),
    "init.data": ("Loaded the dataset: {examples}.", "载入训练数据集：{examples}。"),
    "init.trainable": ("Trainable parameters of the LoRA configuration:", "LoRA 训练参数统计："),
    "init.share": ("**Trainable share**: **{share}** {counts}", "**可训练参数占比**: **{share}** {counts}"),
    "init.device": ("**Device**: `{device}`", "**计算设备**: `{device}`"),
    "init.resumed": ("Resumed (exactly) after iteration {iterations}.", "从第 {iterations} 次迭代之后（精确）恢复训练。"),
    "init.not_started": ("Training never started: nothing was loaded or counted yet.", "训练尚未开始：还没有加载模型或统计参数。"),
    "init.no_start_event": (
        "The start of training was not recorded (`metrics.jsonl` has no readable `started` line): the trainable share is unknown.",
        "训练开始的记录缺失（`metrics.jsonl` 中没有可读的 `started` 记录）：可训练参数占比未知。",
    ),
    "h.process": ("2.2 Training process", "2.2 训练过程"),
    "proc.iters": ("**Iterations**: {done} of {total} iters", "**训练迭代**: {done} / {total} iters"),
    "proc.peak_gpu": ("**Peak memory**: **{peak}**", "**最大显存占用**: **{peak}**"),
    "proc.peak_cpu": ("**Peak memory**: **{peak}**", "**最大内存占用**: **{peak}**"),
    "proc.speed": ("**Speed**:", "**平均计算速度**:"),
    "proc.its": ("**Iterations per second (It/sec)**: **{low} ~ {high}**", "**每秒迭代数（It/sec）**: 约 **{low} ~ {high}**"),
    "proc.tps": ("**Tokens per second (Tokens/sec)**: **{low} ~ {high}** tokens", "**每秒处理 tokens（Tokens/sec）**: 约 **{low} ~ {high} tokens**"),
    "proc.tokens": ("**Trained tokens**: **{tokens}**", "**总训练 tokens**: **{tokens}**"),
    "proc.lr": ("**Learning rate**: {low} ~ {high}", "**学习率**: {low} ~ {high}"),
    "proc.time": ("**Training time** (steps only): {time}", "**训练用时**（仅计训练步）: {time}"),
    "proc.epochs": ("**Passes over the training set**: {epochs}", "**训练集遍历次数**: {epochs} 轮"),
    "proc.no_reports": ("No training report yet: the first one comes after {n} steps.", "还没有训练记录：第一条记录在 {n} 步之后产生。"),
    "table.iter": ("Iteration", "迭代次数"),
    "table.train": ("Train loss", "训练损失 (Train Loss)"),
    "table.val": ("Val loss", "验证损失 (Val Loss)"),
    "table.its": ("It/sec", "计算速度 (It/sec)"),
    "table.tps": ("Tokens/sec", "处理 Tokens/sec"),
    "table.tokens": ("Trained tokens", "累积训练 Tokens"),
    "table.note": (
        "Iterations are numbered as `mlx_lm.lora` prints them: a train loss at Iter N is the average over the steps up to N; "
        "a validation loss at Iter N is measured before step N (after N − 1 steps), so the one at Iter 1 is the untrained adapter's.",
        "迭代编号与 `mlx_lm.lora` 的输出一致：Iter N 的训练损失是截至第 N 步的平均值；Iter N 的验证损失在第 N 步之前测得（已训练 N − 1 步），"
        "因此 Iter 1 的验证损失就是训练开始前的损失。",
    ),
    "fig.loss": ("Loss", "损失"),
    "fig.loss_caption": ("Training loss (line) and validation loss (markers)", "训练损失（折线）与验证损失（圆点）"),
    "fig.speed": ("Throughput", "训练速度"),
    "fig.speed_caption": ("Tokens per second (left axis) and iterations per second (right axis)", "每秒处理 tokens（左轴）与每秒迭代数（右轴）"),
    "fig.x": ("Iteration", "迭代次数"),
    "fig.loss_y": ("Loss", "损失"),
    "fig.train": ("Train loss", "训练损失"),
    "fig.val": ("Validation loss", "验证损失"),
    "fig.tps": ("Tokens/sec", "Tokens/sec"),
    "fig.its": ("It/sec", "It/sec"),
    "fig.empty": ("No reports yet", "暂无记录"),
    "h.trend": ("2.3 Convergence", "2.3 训练收敛趋势"),
    "trend.train": ("**Training loss**:", "**训练损失下降趋势**:"),
    "trend.train_rose": ("**Training loss**:", "**训练损失变化趋势**:"),
    "trend.fell": (
        "from **{first}** (Iter {first_it}) down to **{last}** (Iter {last_it}): {change} ({percent})",
        "从 **{first}** (Iter {first_it}) 降到 **{last}** (Iter {last_it})，变化 {change}（{percent}）",
    ),
    "trend.rose": (
        "from **{first}** (Iter {first_it}) up to **{last}** (Iter {last_it}): {change} ({percent})",
        "从 **{first}** (Iter {first_it}) 升到 **{last}** (Iter {last_it})，变化 {change}（{percent}）",
    ),
    "trend.single": ("one report so far: **{last}** (Iter {last_it})", "目前只有一条记录：**{last}** (Iter {last_it})"),
    "trend.steady": (
        "steady: no train report rose more than {threshold}% above the one before it, so the training did not oscillate",
        "下降幅度稳定，训练过程没有出现震荡（没有任何一次训练损失比上一次高出 {threshold}% 以上）",
    ),
    "trend.oscillated": (
        "oscillated: {count} train report(s) rose more than {threshold}% above the one before (the largest: {before} → {after} at Iter {it}, +{percent}%)",
        "训练过程出现震荡：有 {count} 次训练损失比上一次高出 {threshold}% 以上（最大一次在 Iter {it}：{before} → {after}，+{percent}%）",
    ),
    "trend.val": ("**Validation loss**:", "**验证损失下降趋势**:"),
    "trend.val_rose_title": ("**Validation loss**:", "**验证损失变化趋势**:"),
    "trend.val_fell": ("from **{first}** (Iter {first_it}) down to **{last}** (Iter {last_it})", "从 **{first}** (Iter {first_it}) 下降到 **{last}** (Iter {last_it})"),
    "trend.val_rose": ("from **{first}** (Iter {first_it}) up to **{last}** (Iter {last_it})", "从 **{first}** (Iter {first_it}) 上升到 **{last}** (Iter {last_it})"),
    "trend.val_best": ("lowest: **{best}** at Iter {best_it}", "最低: **{best}** (Iter {best_it})"),
    "trend.generalizes": (
        "the adapter does better on held-out examples than before training: it generalizes",
        "说明模型在 LoRA 微调后具备更好的泛化能力",
    ),
    "trend.not_generalizing": (
        "the adapter does no better on held-out examples than before training",
        "验证损失没有低于训练开始前：微调没有提升泛化能力",
    ),
    "trend.val_single": ("one validation so far: **{last}** (Iter {last_it})", "目前只有一次验证：**{last}** (Iter {last_it})"),
    "trend.no_val": ("no validation set: generalization was not measured", "没有验证集：未测量泛化能力"),
    "trend.speed": ("**Speed**:", "**训练速度**:"),
    "trend.speed_steady": (
        "steady, between **{low} ~ {high} It/sec** (the slowest report within {threshold}% of the fastest)",
        "计算速度较为稳定，在 **{low} ~ {high} It/sec** 之间（最慢与最快相差不超过 {threshold}%）",
    ),
    "trend.speed_varied": (
        "varied, between **{low} ~ {high} It/sec** (the slowest report more than {threshold}% below the fastest)",
        "计算速度波动较大，在 **{low} ~ {high} It/sec** 之间（最慢比最快低 {threshold}% 以上）",
    ),
    "trend.tps": ("tokens: **{low} ~ {high} Tokens/sec**", "处理 Tokens 速率在 **{low} ~ {high} Tokens/sec**"),
    "trend.total": ("**{tokens} tokens** trained in all", "训练共 **{tokens} tokens**"),
    "trend.test": ("**Test set**:", "**测试集**:"),
    "trend.test_values": ("test loss **{loss}**, perplexity **{ppl}**", "测试损失 **{loss}**，困惑度 **{ppl}**"),
    "trend.no_test": ("not evaluated (turn on `test` to measure it)", "未评估（开启 `test` 参数即可测量）"),
    # --- 3. results ---------------------------------------------------------------
    "h.results": ("3. Results", "3. 训练成果"),
    "res.model": ("**Final model**:", "**最终模型**:"),
    "res.saved": ("adapter files saved in `{path}`:", "适配器权重已保存在 `{path}`："),
    "res.file": ("`{name}` ({size})", "`{name}`（{size}）"),
    "res.no_files": ("no adapter file was saved", "没有保存适配器文件"),
    "res.losses": ("**Training results**:", "**训练结果**:"),
    "res.train": ("**Final train loss**: **{loss}**", "**训练损失（Train Loss）**: **{loss}**"),
    "res.val": ("**Final validation loss**: **{loss}**", "**最终验证损失（Val Loss）**: **{loss}**"),
    "res.best": ("**Best validation loss**: **{loss}** (Iter {it}){where}", "**最佳验证损失**: **{loss}** (Iter {it}){where}"),
    "res.best_where": (", its adapter kept in `best/`", "，对应的适配器保存在 `best/`"),
    "res.test": ("**Test loss / perplexity**: **{loss}** / **{ppl}**", "**测试损失 / 困惑度**: **{loss}** / **{ppl}**"),
    "res.memory": ("**Memory**:", "**显存占用**:"),
    "res.peak": ("peak **{peak}** during training", "训练过程中峰值显存 **{peak}**"),
    "res.efficiency": ("**Efficiency**:", "**计算效率**:"),
    "res.its": ("about **{low} ~ {high} It/sec**", "训练速度约 **{low} ~ {high} It/sec**"),
    "res.tps": ("**{low} ~ {high} Tokens/sec**", "处理速率 **{low} ~ {high} Tokens/sec**"),
    "res.unknown": ("not measured yet", "尚未测得"),
    # --- 4. conclusion -------------------------------------------------------------
    "h.conclusion": ("4. Conclusion", "4. 结论"),
    "c.success": (
        "**LoRA fine-tuning succeeded**, {how}: the loss came down to **{losses}**.",
        "**LoRA 微调成功**，{how}，损失逐渐下降，最终达到 **{losses}**。",
    ),
    "c.how_smooth": ("training was smooth", "训练过程平稳"),
    "c.how_oscillating": ("though the training loss oscillated", "但训练损失有震荡"),
    "c.no_progress": (
        "Training ran, but the training loss did not come down ({first} → {last}).",
        "训练已运行，但训练损失没有下降（{first} → {last}）。",
    ),
    "c.losses_both": ("{train} (train) / {val} (validation)", "{train}（Train Loss）/ {val}（Val Loss）"),
    "c.losses_train": ("{train} (train)", "{train}（Train Loss）"),
    "c.stopped": ("Training stopped at iteration {done} of {total}; the results below are for that step.", "训练在第 {done} / {total} 次迭代时停止，以下结论基于该步的结果。"),
    "c.running": ("Training is still running; the conclusions below are about the reports so far.", "训练仍在进行中，以下结论基于目前已有的记录。"),
    "c.failed": ("Training failed: `{error}`. The metrics and checkpoints up to the failure are kept.", "训练失败：`{error}`。失败前的记录和检查点均已保留。"),
    "c.speed": ("Speed **{low} ~ {high} It/sec** ({tlow} ~ {thigh} Tokens/sec) on {machine}.", "训练速度在 **{low} ~ {high} It/sec**（{tlow} ~ {thigh} Tokens/sec），运行于 {machine}。"),
    "c.saved": ("The adapter is saved and ready for **inference or further fine-tuning**.", "适配器已成功保存，可用于 **推理或下游任务的微调**。"),
    "c.not_saved": ("No adapter has been saved yet.", "尚未保存适配器。"),
    "c.nothing": ("There are no training reports to draw conclusions from.", "没有训练记录，无法得出结论。"),
    "c.advice": ("**Suggestions** (derived from this run's numbers):", "**后续优化建议**（根据本次训练的数据得出）："),
    # advice findings
    "a.more_iters_val": (
        "Train for more **iterations**: the validation loss was still falling at the end ({previous} at Iter {previous_it} → {last} at Iter {last_it}, -{drop}%, more than the {threshold}% this report counts as still improving).",
        "增加 **训练步数（iters）** 以获得更好的收敛效果：训练结束时验证损失仍在下降（Iter {previous_it} 的 {previous} → Iter {last_it} 的 {last}，-{drop}%，超过判定仍在改善的 {threshold}%）。",
    ),
    "a.val_levelled": (
        "More iterations are unlikely to help much: the validation loss has levelled off (lowest {best} at Iter {best_it}, last {last} at Iter {last_it}; it did not fall by more than {threshold}% at the end).",
        "继续增加训练步数的收益可能不大：验证损失已趋于平稳（最低 {best}，Iter {best_it}；最后 {last}，Iter {last_it}；结束时下降不足 {threshold}%）。",
    ),
    "a.val_rising": (
        "The validation loss got worse ({best} at Iter {best_it} → {last} at Iter {last_it}, +{rise}%, more than {threshold}%) while the training loss did not fall: more iterations of this setting will not help; try a lower learning rate and check the data.",
        "验证损失变差（Iter {best_it} 的 {best} → Iter {last_it} 的 {last}，+{rise}%，超过 {threshold}%），而训练损失没有下降：继续按当前设置训练不会有帮助，可尝试降低学习率并检查数据。",
    ),
    "a.more_iters_train": (
        "The training loss was still falling over the last reports ({from_} at Iter {from_it} → {to} at Iter {to_it}, -{drop}%): more **iterations** would lower it further; add a validation set to see whether that also helps on new examples.",
        "最后几次记录中训练损失仍在下降（Iter {from_it} 的 {from_} → Iter {to_it} 的 {to}，-{drop}%）：增加 **训练步数（iters）** 可以继续降低训练损失；建议加入验证集，以判断这是否也能提升在新样本上的表现。",
    ),
    "a.train_levelled": (
        "The training loss has levelled off over the last reports ({from_} at Iter {from_it} → {to} at Iter {to_it}, less than {threshold}% lower): more iterations alone are unlikely to help much.",
        "最后几次记录中训练损失已趋于平稳（Iter {from_it} 的 {from_} → Iter {to_it} 的 {to}，下降不足 {threshold}%）：单纯增加训练步数的收益可能不大。",
    ),
    "a.overfitting": (
        "Signs of **overfitting**: the validation loss rose from its lowest {best} (Iter {best_it}) to {last} (Iter {last_it}, +{rise}%, more than {threshold}%) while the training loss kept falling ({train_best} → {train_last}). {remedy}",
        "出现 **过拟合** 迹象：验证损失从最低的 {best}（Iter {best_it}）升到 {last}（Iter {last_it}，+{rise}%，超过 {threshold}%），而训练损失仍在下降（{train_best} → {train_last}）。{remedy}",
    ),
    "a.overfit_best": ("Use the adapter in `best/` (the lowest validation loss), or train fewer iterations.", "请使用 `best/` 中的适配器（验证损失最低），或减少训练步数。"),
    "a.overfit_fewer": ("Train fewer iterations, or turn on `keep_best` to keep the adapter of the lowest validation loss.", "请减少训练步数，或开启 `keep_best` 以保留验证损失最低时的适配器。"),
    "a.more_data": ("Add more **training data** to generalize better: this run went over its training set {epochs} times.", "适当增加 **数据集规模** 以提升泛化能力：本次训练已将训练集遍历 {epochs} 轮。"),
    "a.more_data_plain": ("Add more **training data** to generalize better.", "适当增加 **数据集规模** 以提升泛化能力。"),
    "a.oscillating": (
        "The training loss **oscillated** ({count} rise(s) of more than {threshold}% between reports, the largest +{percent}% at Iter {it}): try a lower **learning rate**{lr_hint} or a larger batch.",
        "训练损失出现 **震荡**（相邻记录之间有 {count} 次上升超过 {threshold}%，最大一次在 Iter {it}，+{percent}%）：可尝试降低 **学习率**{lr_hint}或增大批次。",
    ),
    "a.lr_hint": (" (now {lr})", "（当前 {lr}）"),
    "a.flat": (
        "The training loss barely moved ({first} → {last}, {change}%, less than {threshold}%): try a higher **learning rate**{lr_hint}, more iterations, or check the data.",
        "训练损失几乎没有变化（{first} → {last}，{change}%，不足 {threshold}%）：可尝试提高 **学习率**{lr_hint}、增加训练步数，或检查数据。",
    ),
    "a.no_validation": (
        "Add a **validation set** (valid.jsonl or `valid_fraction`) to see whether the adapter generalizes and when to stop.",
        "建议加入 **验证集**（valid.jsonl 或 `valid_fraction`），以判断模型的泛化能力和何时停止训练。",
    ),
    "a.no_train": ("No training report yet: nothing to advise on.", "还没有训练记录，暂无建议。"),
    "a.memory_unknown": (
        "Memory headroom unknown: {why}.",
        "无法估计显存余量：{why}。",
    ),
    "a.memory_unknown_env": ("the machine's memory was not recorded", "未记录机器内存"),
    "a.memory_unknown_peak": ("no peak memory was measured", "未测得峰值显存"),
    "a.memory_room": (
        "**Memory headroom**: the peak of {peak} is {percent}% of this machine's memory; {usable} is counted as usable ({share}%), leaving {free}.",
        "**显存余量**：峰值 {peak} 占本机内存的 {percent}%；按 {share}% 计可用内存为 {usable}，还剩 {free}。",
    ),
    "a.memory_tight": (
        "**Memory is tight**: the peak of {peak} is {percent}% of this machine's memory, more than {tight}% of the {usable} counted as usable ({share}%). {remedy}",
        "**显存紧张**：峰值 {peak} 占本机内存的 {percent}%，超过可用内存 {usable}（按 {share}% 计）的 {tight}%。{remedy}",
    ),
    "a.tight_remedy": (
        "To go larger, turn on `grad_checkpoint`, or lower the LoRA `rank` (e.g. `rank=4` where memory is limited), the batch or `max_seq_length`.",
        "如需更大的设置，可开启 `grad_checkpoint`，或调低 LoRA `rank`（如 `rank=4` 适用于显存有限场景）、批次大小或 `max_seq_length`。",
    ),
    "a.tight_remedy_gc": (
        "To go larger, lower the LoRA `rank` (e.g. `rank=4` where memory is limited), the batch or `max_seq_length`.",
        "如需更大的设置，可调低 LoRA `rank`（如 `rank=4` 适用于显存有限场景）、批次大小或 `max_seq_length`。",
    ),
    "a.candidate_fits": ("`{setting}` {current} → {proposed}: about {gb}, fits", "`{setting}` {current} → {proposed}：约 {gb}，可以容纳"),
    "a.candidate_no": ("`{setting}` {current} → {proposed}: about {gb}, does not fit", "`{setting}` {current} → {proposed}：约 {gb}，放不下"),
    "a.method_estimator": (
        "Predicted by the memory estimator (it predicted {predicted} for this run; measured {peak}):",
        "由显存估算器预测（它对本次训练的预测为 {predicted}，实测 {peak}）：",
    ),
    "a.method_proportional": (
        "By a simple proportional rule on the measured peak (no estimator used{error}): memory grows in proportion to batch × sequence length (an upper bound, the weights do not grow), and by 16 bytes per added trainable parameter for the rank:",
        "按实测峰值的简单比例规则估算（未使用估算器{error}）：显存随批次 × 序列长度成比例增长（上限估计，模型权重不会增长），rank 每增加一个可训练参数约增加 16 字节：",
    ),
    "a.estimator_error": ("; it failed: {error}", "；估算器出错：{error}"),
    # --- 5. inference -----------------------------------------------------------
    "h.inference": ("5. Inference test", "5. 推理测试"),
    "inf.how": ("**How to load the LoRA adapter for inference**:", "**如何加载 LoRA 进行推理**："),
    "inf.best": (
        "The adapter of the lowest validation loss ({loss} at Iter {it}) is in `best/`:",
        "验证损失最低（Iter {it}，{loss}）的适配器保存在 `best/`：",
    ),
    "inf.default_prompt": ("Hello! Who are you?", "你好，请介绍一下你自己。"),
    "inf.test": ("**Test set, base model vs adapter**:", "**测试集：基础模型 vs 适配器**："),
    "inf.metric": ("", ""),
    "inf.base": ("Base model", "基础模型"),
    "inf.adapter": ("With adapter", "加载适配器"),
    "inf.change": ("Change", "变化"),
    "inf.loss": ("Test loss", "测试损失"),
    "inf.ppl": ("Perplexity", "困惑度"),
    "inf.prompts": (
        "**Held-out prompts** (`max_tokens` {max_tokens}, `temperature` {temperature}):",
        "**预留提示词测试**（`max_tokens` {max_tokens}，`temperature` {temperature}）：",
    ),
    "inf.prompt": ("Prompt {n}:", "提示词 {n}："),
    "inf.none": ("No evaluation yet (the base model and the adapter have not been compared on held-out prompts).", "尚未评估（还没有在预留提示词上对比基础模型与适配器）。"),
    "inf.bad": ("evaluation.json could not be read: `{error}`", "无法读取 evaluation.json：`{error}`"),
    # --- final ------------------------------------------------------------------
    "h.final": ("Final conclusion", "最终结论"),
    "f.text": (
        "{icon} This LoRA run on **{machine}** {outcome}: {quality}, with a final loss of **{losses}**. {stored}",
        "{icon} 本次 LoRA 训练任务在 **{machine}** 上{outcome}，{quality}，最终损失值 **{losses}**。{stored}",
    ),
    "f.text_nothing": ("{icon} This LoRA run on **{machine}** {outcome}; it has no training reports yet.", "{icon} 本次 LoRA 训练任务在 **{machine}** 上{outcome}，还没有训练记录。"),
    "f.finished": ("finished", "顺利完成"),
    "f.stopped": ("was stopped early", "提前停止"),
    "f.failed": ("failed", "失败"),
    "f.running": ("is still running", "仍在进行中"),
    "f.paused": ("is paused", "已暂停"),
    "f.created": ("has not started", "尚未开始"),
    "f.good": ("it converged well", "训练收敛良好"),
    "f.oscillating": ("it converged with oscillations", "收敛过程有震荡"),
    "f.overfitting": ("it showed signs of overfitting at the end", "后期出现过拟合迹象"),
    "f.not_falling": ("the loss did not come down", "损失没有下降"),
    "f.losses_both": ("{train} (train) / {val} (validation)", "{train}（训练）/ {val}（验证）"),
    "f.losses_train": ("{train} (train)", "{train}（训练）"),
    "f.stored": ("The adapter is stored and can be used for inference or further fine-tuning.", "模型已成功存储，可用于推理或进一步微调。"),
    "f.not_stored": ("No adapter was stored.", "没有存储适配器。"),
    "f.machine_gpu": ("{chip} (MLX, GPU)", "{chip}（MLX，GPU）"),
    "f.machine_cpu": ("{chip} (MLX, CPU)", "{chip}（MLX，CPU）"),
    "f.machine_unknown": ("an unrecorded machine (MLX)", "未记录的机器（MLX）"),
    # durations
    "dur.h": ("{h} h {m} min", "{h} 小时 {m} 分"),
    "dur.m": ("{m} min {s} s", "{m} 分 {s} 秒"),
    "dur.s": ("{s} s", "{s} 秒"),
}

_MARKUP = re.compile(r"(\*\*.+?\*\*|`[^`]+`)")


def t(lang: str, key: str, **values) -> str:
    """The plain text of ``key`` in ``lang`` with ``values`` filled in (markup left as is)."""
    return _template(lang, key).format(**values)


def _template(lang: str, key: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"report language must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    pair = STRINGS[key]
    return pair[LANGUAGES.index(lang)]


def rich(lang: str, key: str, **values) -> list[Span]:
    """``key`` in ``lang`` as spans: ``**x**`` bold, ```x``` code, values never parsed as markup.

    A value may itself be a list of spans (built by another ``rich`` call); it
    is spliced in where its placeholder stands alone in plain text.
    """
    out: list[Span] = []
    for part in _MARKUP.split(_template(lang, key)):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            out.append(B(_fill(part[2:-2], values)))
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(C(_fill(part[1:-1], values)))
        else:
            out.extend(_fill_spans(part, values))
    return out


def _fill(text: str, values: dict) -> str:
    return text.format(**{k: _plain(v) for k, v in values.items()})


def _plain(value) -> str:
    if isinstance(value, list):
        return "".join(getattr(s, "text", s) for s in value)
    return value


def _fill_spans(text: str, values: dict) -> list[Span]:
    """Plain text with placeholders; list values become their spans."""
    out: list[Span] = []
    for piece in re.split(r"(\{[a-z_]+\})", text):
        if not piece:
            continue
        name = piece[1:-1] if piece.startswith("{") and piece.endswith("}") else None
        if name is not None and name in values:
            value = values[name]
            out.extend(value if isinstance(value, list) else [str(value)])
        else:
            out.append(piece.format(**{k: _plain(v) for k, v in values.items()}) if "{" in piece else piece)
    return out
