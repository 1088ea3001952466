"""The chat engine and the chat/generate commands, checked against mlx-lm itself on real trained adapters.

The adapters are trained here on the tiny model with the product's own
engine; references come from ``mlx_lm.load(..., adapter_path=...)`` and
``mlx_lm.generate``.
"""

import json
import shutil
import subprocess
import sys
import threading
from dataclasses import FrozenInstanceError

import pytest

from lorastudio.core.runs import folder as runs
from lorastudio.core.chat.engine import AdapterError, AnswerStats, ChatEngine, ChatTemplateError, SamplingSettings
from lorastudio.core.chat.adapters import resolve_adapter

PROMPT = "Question 3: what about LoRA?"
GREEDY = SamplingSettings(max_tokens=24)


def sampled(seed, **changes):
    return SamplingSettings(**{"temperature": 1.0, "seed": seed, "max_tokens": 24, **changes})


# ----------------------------------------------------------------------------
# fixtures and references


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model, tiny_data):
    """Two real runs on the tiny model: 'lora' (rank 4, 2 layers, all linear) and 'dora' (rank 2, 1 layer, q/v)."""
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.tuner.loop import train_run

    root = tmp_path_factory.mktemp("chat-runs")
    base = TrainConfig(
        model=str(tiny_model), data=str(tiny_data), batch_size=4, learning_rate=1e-2, steps_per_report=6,
        steps_per_eval=6, val_batches=1, max_seq_length=128,
    )
    configs = {
        "lora": base.replace(num_layers=2, iters=12, save_every=6, lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.1}),
        "dora": base.replace(
            num_layers=1, iters=6, save_every=6, fine_tune_type="dora",
            lora_parameters={"rank": 2, "scale": 5.0, "dropout": 0.0, "keys": ["self_attn.q_proj", "self_attn.v_proj"]},
        ),
        "full": base.replace(num_layers=1, iters=2, save_every=2, fine_tune_type="full", learning_rate=1e-3),
    }
    for name, config in configs.items():
        run_dir = runs.create_run(config, root, name=name)
        train_run(run_dir, lambda event: None)
        assert (run_dir / "adapters.safetensors").is_file()
    return root


@pytest.fixture
def engine(tiny_model, trained):
    return ChatEngine(tiny_model, runs_dir=trained)


def load_reference(model_dir, adapter_dir=None):
    from mlx_lm import load

    return load(str(model_dir), adapter_path=str(adapter_dir) if adapter_dir else None)


def reference_answer(model_dir, adapter_dir, messages, settings):
    """What mlx_lm.generate answers for the same chat (its CLI's way of building the prompt)."""
    import mlx.core as mx
    from mlx_lm import generate

    model, tokenizer = load_reference(model_dir, adapter_dir)
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    tokens = tokenizer.encode(text, add_special_tokens=False)
    if settings.seed is not None:
        mx.random.seed(settings.seed)
    return generate(model, tokenizer, tokens, max_tokens=settings.max_tokens, sampler=settings.sampler())


def last_logits(model, tokens):
    import mlx.core as mx

    out = model(mx.array(tokens)[None])[0, -1]
    mx.eval(out)
    return out


def same_logits(engine, model_dir, adapter_dir=None) -> bool:
    import mlx.core as mx

    _, tokens = engine.render([{"role": "user", "content": PROMPT}])
    reference, _ = load_reference(model_dir, adapter_dir)
    return bool(mx.array_equal(last_logits(engine.model, tokens), last_logits(reference, tokens)))


def user(text):
    return {"role": "user", "content": text}


# ----------------------------------------------------------------------------
# answers equal mlx_lm.generate's


@pytest.mark.parity
def test_greedy_and_seeded_answers_equal_mlx_lm_generate(engine, tiny_model, trained):
    assert engine.send(PROMPT, GREEDY).read() == reference_answer(tiny_model, None, [user(PROMPT)], GREEDY)
    engine.clear()
    engine.set_adapter("lora")
    for settings in (GREEDY, sampled(7), sampled(8, top_k=20, top_p=0.9)):
        engine.clear()
        mine = engine.send(PROMPT, settings).read()
        assert mine == reference_answer(tiny_model, trained / "lora", [user(PROMPT)], settings)
    # the adapter changes what the model says
    engine.clear()
    engine.remove_adapter()
    assert engine.send(PROMPT, sampled(7)).read() != reference_answer(tiny_model, trained / "lora", [user(PROMPT)], sampled(7))


@pytest.mark.parity
def test_repetition_penalty_matches_mlx_lm(engine, tiny_model, trained):
    import mlx.core as mx
    from mlx_lm import generate

    settings = SamplingSettings(max_tokens=24, repetition_penalty=5.0)
    engine.set_adapter("lora")
    mine = engine.send(PROMPT, settings).read()
    model, tokenizer = load_reference(tiny_model, trained / "lora")
    tokens = tokenizer.encode(tokenizer.apply_chat_template([user(PROMPT)], add_generation_prompt=True, tokenize=False), add_special_tokens=False)
    expected = generate(model, tokenizer, mx.array(tokens), max_tokens=24, logits_processors=settings.logits_processors())
    assert mine == expected
    engine.clear()
    assert mine != engine.send(PROMPT, GREEDY).read()  # the penalty did something


# ----------------------------------------------------------------------------
# adapters: attach, switch, remove, every kind of source


def test_attach_switch_remove_without_reloading(engine, tiny_model, trained):
    from mlx_lm.tuner.dora import DoRALinear
    from mlx_lm.tuner.lora import LoRALinear

    base_modules = dict(engine.model.named_modules())
    engine.set_adapter("lora")
    assert same_logits(engine, tiny_model, trained / "lora")
    assert sum(isinstance(m, LoRALinear) for _, m in engine.model.named_modules()) == 14  # 7 linears x 2 layers

    info = engine.set_adapter(trained / "dora")  # other rank, layers, keys and DoRA
    assert info.fine_tune_type == "dora" and engine.adapter.label == "dora"
    assert same_logits(engine, tiny_model, trained / "dora")
    kinds = [type(m) for _, m in engine.model.named_modules()]
    assert kinds.count(DoRALinear) == 2 and LoRALinear not in kinds

    engine.set_adapter("full")  # a full fine-tune's weights are swapped in the same way
    assert engine.adapter.fine_tune_type == "full"
    assert same_logits(engine, tiny_model, trained / "full") and not same_logits(engine, tiny_model)

    engine.remove_adapter()
    assert engine.adapter is None
    assert same_logits(engine, tiny_model)
    # exactly the base model: the same module objects at the same places
    now = dict(engine.model.named_modules())
    assert now.keys() == base_modules.keys()
    assert all(now[k] is base_modules[k] for k in now)


def checkpoint_folder(tmp_path, run_dir, weights_name):
    folder = tmp_path / f"ref-{weights_name}"
    folder.mkdir()
    shutil.copy(run_dir / "adapter_config.json", folder / "adapter_config.json")
    shutil.copy(run_dir / weights_name, folder / "adapters.safetensors")
    return folder


def test_every_kind_of_adapter_source(engine, tiny_model, trained, tmp_path):
    lora = trained / "lora"
    # a copy of the final adapter outside any run
    loose = tmp_path / "loose-adapter"
    loose.mkdir()
    for name in ("adapter_config.json", "adapters.safetensors"):
        shutil.copy(lora / name, loose / name)
    step6 = checkpoint_folder(tmp_path, lora, "0000006_adapters.safetensors")

    cases = [
        ("lora", "lora", lora),
        (str(lora), "lora", lora),
        ("lora@final", "lora", lora),
        ("lora/best", "lora (best)", lora / "best"),
        ("lora@best", "lora (best)", lora / "best"),
        (str(lora / "0000006_adapters.safetensors"), "lora (step 6)", step6),
        ("lora@6", "lora (step 6)", step6),
        (str(loose), "loose-adapter", loose),
        (str(loose / "adapter_config.json"), "loose-adapter", loose),
    ]
    for spec, label, reference in cases:
        source = engine.set_adapter(spec)
        assert source.label == label, spec
        assert same_logits(engine, tiny_model, reference), spec
    assert resolve_adapter("lora@6", trained).iteration == 6
    # step 6 and the final adapter really differ, so the comparisons above tell them apart
    engine.set_adapter("lora@6")
    assert not same_logits(engine, tiny_model, lora)


def test_missing_adapters_say_what_is_wrong(engine, trained, tiny_model, tmp_path):
    with pytest.raises(AdapterError, match=r"no adapter at nothere: .*no run named nothere in " + str(trained)):
        engine.set_adapter("nothere")
    with pytest.raises(AdapterError, match=r"run lora has no checkpoint of step 99 \(saved steps: 6, 12\)"):
        engine.set_adapter("lora@99")
    untrained = runs.create_run(runs.load_config(trained / "lora"), trained, name="untrained")
    with pytest.raises(AdapterError, match="run untrained has no adapter yet"):
        engine.set_adapter("untrained")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AdapterError, match="is not an adapter folder"):
        engine.set_adapter(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "adapter_config.json").write_text("{not json")
    (broken / "adapters.safetensors").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"adapter_config.json is not valid JSON \(line 1"):
        engine.set_adapter(broken)
    (broken / "adapter_config.json").write_text((trained / "lora" / "adapter_config.json").read_text())
    (broken / "adapters.safetensors").write_bytes(b"garbage")
    with pytest.raises(AdapterError, match="cannot read the adapter weights"):
        engine.set_adapter(broken)
    assert engine.adapter is None and same_logits(engine, tiny_model)


def test_adapter_of_another_model_is_refused_and_the_engine_keeps_its_adapter(tiny_model, trained, tmp_path):
    import re

    from lorastudio.core.models.tiny import build_tiny_model

    other = build_tiny_model(tmp_path / "narrow", hidden_size=32)
    engine = ChatEngine(other, runs_dir=trained)
    with pytest.raises(AdapterError) as error:
        engine.set_adapter("lora")
    message = str(error.value)
    assert message.startswith(f"adapter lora ({trained / 'lora' / 'adapters.safetensors'}) does not fit narrow: 28 of its 28 tensors")
    assert re.search(r"lora_[ab] has shape \(\d+, \d+\) in the adapter but \(\d+, \d+\) in the model\)", message)
    assert f"It was trained on {tiny_model}." in message and "Choose an adapter trained on this model." in message
    assert "\n" not in message
    assert engine.adapter is None and same_logits(engine, other)

    # a failed switch keeps the adapter that was attached
    own = runs.create_run(runs.load_config(trained / "dora").replace(model=str(other)), tmp_path / "runs", name="own")
    from lorastudio.core.tuner.loop import train_run

    train_run(own, lambda event: None)
    engine.set_adapter(own)
    with pytest.raises(AdapterError, match="does not fit"):
        engine.set_adapter(trained / "lora")
    assert engine.adapter.label == "own" and same_logits(engine, other, own)


# ----------------------------------------------------------------------------
# templates


def test_template_override(engine, tiny_model):
    template = (
        "{% for m in messages %}{{ m['role'] | upper }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
    )
    engine.set_system_prompt("Be brief.")
    engine.set_chat_template(template, "test template")
    text, tokens = engine.render(engine._messages([user("Hi")]))
    assert text == "SYSTEM: Be brief.\nUSER: Hi\nASSISTANT:"
    reply = engine.send("Hi", GREEDY)
    reply.read()
    assert reply.stats.prompt_tokens == len(tokens)
    engine.set_chat_template(None)
    assert engine.render([user("Hi")])[0].endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_broken_templates_are_reported_clearly(engine):
    with pytest.raises(ChatTemplateError, match=r"my.jinja is not valid Jinja: line 2: "):
        engine.set_chat_template("{% for m in messages %}\n{{ m['content'] }\n{% endfor %}", "my.jinja")
    assert engine.render([user("Hi")])[0].startswith("<|im_start|>")  # the model's template is still in use

    picky = (
        "{% if messages | length > 1 %}{{ raise_exception('only one message, please') }}{% endif %}"
        "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    )
    engine.set_chat_template(picky, "picky.jinja")
    engine.send("Hi", GREEDY).read()
    with pytest.raises(ChatTemplateError, match="picky.jinja failed on this conversation.*only one message, please"):
        engine.send("Again", GREEDY)
    assert len(engine.history) == 2  # the failed message did not join the conversation
    with pytest.raises(ChatTemplateError, match=r"undefined.jinja failed on this conversation \(line 2\).*UndefinedError"):
        engine.set_chat_template("ok\n{{ messages[5]['content'] }}", "undefined.jinja")


def model_without_template(tiny_model, folder):
    shutil.copytree(tiny_model, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    del config["chat_template"]
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def test_model_without_a_chat_template(tiny_model, tmp_path):
    folder = model_without_template(tiny_model, tmp_path / "plain")
    engine = ChatEngine(folder)
    assert not engine.has_chat_template
    with pytest.raises(ChatTemplateError, match="model plain has no chat template: give one"):
        engine.send("Hi", GREEDY)
    engine.set_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    assert engine.send("Hi", GREEDY).read() is not None


# ----------------------------------------------------------------------------
# conversation, stop, stats, cache


def test_history_system_prompt_regenerate_and_clear(engine, tiny_model):
    engine.set_system_prompt("You are terse.")
    first = engine.send("Hello", sampled(1)).read()
    second = engine.send("And then?", sampled(2)).read()
    assert engine.history == [user("Hello"), {"role": "assistant", "content": first}, user("And then?"), {"role": "assistant", "content": second}]
    # the second answer saw the whole conversation, system prompt included
    messages = [{"role": "system", "content": "You are terse."}, user("Hello"), {"role": "assistant", "content": first}, user("And then?")]
    assert second == reference_answer(tiny_model, None, messages, sampled(2))

    again = engine.regenerate(sampled(3)).read()
    assert again == reference_answer(tiny_model, None, messages, sampled(3))
    assert engine.history[-1] == {"role": "assistant", "content": again} and len(engine.history) == 4

    engine.clear()
    assert engine.history == [] and engine.system_prompt == "You are terse."
    with pytest.raises(ValueError, match="nothing to regenerate"):
        engine.regenerate()


@pytest.mark.parity
def test_cache_reuse_gives_the_answers_of_a_fresh_prompt(tiny_model, trained):
    reusing = ChatEngine(tiny_model, "lora", runs_dir=trained)
    fresh = ChatEngine(tiny_model, "lora", runs_dir=trained, reuse_cache=False)
    turns = ["Hello there", "What about the fox?", "Question 9: what about training?"]
    for i, text in enumerate(turns):
        settings = sampled(10 + i, max_tokens=12)
        a, b = reusing.send(text, settings), fresh.send(text, settings)
        assert a.read() == b.read()
        assert b.stats.cached_tokens == 0
        if i:
            assert 0 < a.stats.cached_tokens < a.stats.prompt_tokens
    # regenerate reuses the whole prompt it shares with the last answer but its last token
    again = reusing.regenerate(sampled(20, max_tokens=12))
    assert again.read() == fresh.regenerate(sampled(20, max_tokens=12)).read()
    assert again.stats.cached_tokens == again.stats.prompt_tokens - 1
    # a repetition penalty looks back at the prompt's last 20 tokens: they are fed again so it sees them
    settings = sampled(21, max_tokens=12, repetition_penalty=1.3)
    again = reusing.regenerate(settings)
    assert again.read() == fresh.regenerate(settings).read()
    assert again.stats.cached_tokens == again.stats.prompt_tokens - 20
    # another adapter computes the whole conversation afresh
    reusing.set_adapter("dora")
    fresh.set_adapter("dora")
    after = reusing.send("And now?", sampled(22, max_tokens=12))
    assert after.read() == fresh.send("And now?", sampled(22, max_tokens=12)).read()
    assert after.stats.cached_tokens == 0


def test_stop_from_another_thread_ends_the_answer(engine):
    reply = engine.send(PROMPT, SamplingSettings(max_tokens=200))
    pieces = []
    for piece in reply:
        pieces.append(piece)
        if len(pieces) == 3:
            other = threading.Thread(target=engine.stop)
            other.start()
            other.join()
    assert len(pieces) == 3
    assert reply.finish_reason == "stopped" and reply.stats.finish_reason == "stopped"
    assert reply.text == "".join(pieces)
    assert engine.history[-1] == {"role": "assistant", "content": reply.text}
    # the next answer is not stopped by the old request
    nxt = engine.send("Go on", SamplingSettings(max_tokens=5))
    nxt.read()
    assert nxt.stats.finish_reason == "length" and nxt.stats.generated_tokens == 5


def test_closing_the_reply_stops_it_and_the_conversation_goes_on(engine, tiny_model):
    reply = engine.send(PROMPT, sampled(4, max_tokens=100))
    shown = next(reply) + next(reply)
    reply.close()
    assert reply.finish_reason == "stopped" and reply.text.startswith(shown)
    assert engine.history[-1]["content"] == reply.text
    follow = engine.send("More", sampled(5)).read()
    messages = [user(PROMPT), {"role": "assistant", "content": reply.text}, user("More")]
    assert follow == reference_answer(tiny_model, None, messages, sampled(5))


def test_stats(engine):
    reply = engine.send(PROMPT, SamplingSettings(max_tokens=9))
    assert reply.stats is None
    reply.read()
    stats = reply.stats
    assert isinstance(stats, AnswerStats) and engine.last_stats is stats
    _, tokens = engine.render([user(PROMPT)])
    assert stats.prompt_tokens == len(tokens) == reply.prompt_tokens
    assert stats.generated_tokens == 9 and stats.finish_reason == "length"
    assert 0 < stats.time_to_first_token_s <= stats.elapsed_s
    assert stats.tokens_per_second > 0 and stats.prompt_tokens_per_second > 0
    assert all(isinstance(getattr(stats, f), (int, float, str)) for f in stats.__dataclass_fields__)
    with pytest.raises(FrozenInstanceError):
        stats.generated_tokens = 1
    assert "9 generated" in stats.summary()


def test_sampling_settings_are_checked(engine):
    for bad, field in ((dict(temperature=-1), "temperature"), (dict(top_p=0), "top_p"), (dict(max_tokens=0), "max_tokens"),
                       (dict(min_p=1.5), "min_p"), (dict(top_k=-2), "top_k"), (dict(repetition_penalty=0), "repetition_penalty")):
        with pytest.raises(ValueError, match=field):
            engine.send("Hi", SamplingSettings(**bad))
    assert engine.history == []


# ----------------------------------------------------------------------------
# compare


@pytest.mark.parity
def test_compare_runs_the_base_side_without_the_adapter(engine, tiny_model, trained):
    engine.set_adapter("lora")
    engine.send("Earlier turn", GREEDY).read()
    history = engine.history
    settings = sampled(11)
    base, tuned = engine.compare(PROMPT, settings)
    assert base.adapter is None and tuned.adapter == "lora"
    base_text, tuned_text = base.read(), tuned.read()
    assert base_text == reference_answer(tiny_model, None, [user(PROMPT)], settings)
    assert tuned_text == reference_answer(tiny_model, trained / "lora", [user(PROMPT)], settings)
    assert base_text != tuned_text
    # afterwards: adapter still on, conversation untouched
    assert engine.history == history and same_logits(engine, tiny_model, trained / "lora")
    with pytest.raises(ValueError, match="compare needs an adapter"):
        engine.remove_adapter() or engine.compare(PROMPT)


@pytest.mark.parity
def test_compare_base_side_logits_are_the_base_model(engine, tiny_model, trained):
    import mlx.core as mx

    engine.set_adapter("lora")
    base, _ = engine.compare(PROMPT, GREEDY)
    _, tokens = engine.render([user(PROMPT)])
    seen = []
    next(base)  # the base side is running: the adapter's modules are out
    seen.append(last_logits(engine.model, tokens))
    base.close()  # and back in
    seen.append(last_logits(engine.model, tokens))
    plain, _ = load_reference(tiny_model)
    with_adapter, _ = load_reference(tiny_model, trained / "lora")
    assert mx.array_equal(seen[0], last_logits(plain, tokens))
    assert mx.array_equal(seen[1], last_logits(with_adapter, tokens))


# ----------------------------------------------------------------------------
# threads


def test_engine_lives_on_its_own_thread(tiny_model, trained):
    results = {}

    def worker():
        engine = ChatEngine(tiny_model, "lora", runs_dir=trained)
        results["engine"] = engine
        results["text"] = engine.send(PROMPT, sampled(12)).read()
        results["stats"] = engine.last_stats
        results["reply"] = engine.send("Hi")  # not started here: started from the main thread below

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert results["text"] == reference_answer(tiny_model, trained / "lora", [user(PROMPT)], sampled(12))
    assert isinstance(results["text"], str) and isinstance(results["stats"].tokens_per_second, float)
    with pytest.raises(RuntimeError, match="another thread"):
        results["engine"].send("Hi")
    with pytest.raises(RuntimeError, match="another thread"):
        next(results["reply"])


# ----------------------------------------------------------------------------
# the command line


def run_main(args, stdin_text, monkeypatch, capsys):
    import io

    from lorastudio.cli.main import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", ["chat", "generate"])
def test_help(command, capsys):
    from lorastudio.cli.main import main

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "--adapter" in text and "--temp" in text and "--template" in text
    if command == "chat":
        assert "/reset" in text and "/adapter" in text and "/stats" in text
    else:
        assert "--compare" in text and "base model" in text


@pytest.mark.parity
def test_generate_and_compare(tiny_model, trained, monkeypatch, capsys):
    common = ["--runs-dir", str(trained), "generate", "--model", str(tiny_model), "--prompt", PROMPT, "-m", "24"]
    code, out, err = run_main(common + ["--adapter", "lora", "--temp", "1", "--seed", "5", "--stats"], "", monkeypatch, capsys)
    assert code == 0
    expected = reference_answer(tiny_model, trained / "lora", [user(PROMPT)], sampled(5))
    assert out == expected + "\n"
    assert "24 generated" in err

    code, out, err = run_main(common + ["--adapter", "lora", "--compare", "--temp", "1", "--seed", "6"], "", monkeypatch, capsys)
    assert code == 0
    base = reference_answer(tiny_model, None, [user(PROMPT)], sampled(6))
    tuned = reference_answer(tiny_model, trained / "lora", [user(PROMPT)], sampled(6))
    assert out == f"[base model]\n{base}\n[adapter: lora]\n{tuned}\n"


@pytest.mark.parity
def test_chat_reads_a_pipe(tiny_model, trained, monkeypatch, capsys):
    lines = ["Hello", "/stats", "/system Be brief.", "/adapter lora@best", "/adapter", "Again", "/adapter nothere",
             "/adapter none", "/reset", "/bogus", "/quit", "never read"]
    code, out, err = run_main(
        ["--runs-dir", str(trained), "chat", "--model", str(tiny_model), "-m", "8", "--temp", "1", "--seed", "3"],
        "\n".join(lines) + "\n", monkeypatch, capsys,
    )
    assert code == 1  # two commands failed, and a script should see that
    first = reference_answer(tiny_model, None, [user("Hello")], sampled(3, max_tokens=8))
    assert out.startswith(first + "\nprompt ")
    assert "System prompt: Be brief." in out
    assert out.count("Adapter: lora (best): lora rank 4, scale 10.0, 2 layers, on all linear layers") == 2
    assert "Adapter removed: base model." in out and "Conversation cleared." in out
    messages = [{"role": "system", "content": "Be brief."}, user("Hello"), {"role": "assistant", "content": first}, user("Again")]
    assert reference_answer(tiny_model, trained / "lora" / "best", messages, sampled(3, max_tokens=8)) + "\n" in out
    assert err.splitlines() == [
        f"lorastudio: no adapter at nothere: no such file or folder, and no run named nothere in {trained}",
        "lorastudio: unknown command /bogus (type /help)",
    ]


@pytest.mark.parity
def test_chat_in_a_child_process_with_piped_stdin(tiny_model, trained):
    done = subprocess.run(
        [sys.executable, "-m", "lorastudio", "--runs-dir", str(trained), "chat", "--model", str(tiny_model),
         "--adapter", "dora", "-m", "6"],
        input="Hello\n/regen\n/stats\n", capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answer = reference_answer(tiny_model, trained / "dora", [user("Hello")], SamplingSettings(max_tokens=6))
    assert done.stdout.startswith(f"{answer}\n{answer}\nprompt ")
    assert "6 generated" in done.stdout


def test_command_line_errors_are_one_line(tiny_model, trained, tmp_path, monkeypatch, capsys):
    base = ["--runs-dir", str(trained), "generate", "--model", str(tiny_model), "--prompt", "Hi"]
    broken = tmp_path / "broken.jinja"
    broken.write_text("{% for m in messages %}{{ m.content }")
    cases = [
        (["--adapter", "nothere"], "no adapter at nothere"),
        (["--compare"], "--compare needs --adapter"),
        (["--template", str(broken)], f"chat template {broken} is not valid Jinja: line 1"),
        (["--template", str(tmp_path / "missing.jinja")], "missing.jinja does not exist"),
        (["--top-p", "2"], "top_p must be in (0, 1]"),
        (["--model", str(model_without_template(tiny_model, tmp_path / "plain"))], "model plain has no chat template"),
    ]
    for extra, message in cases:
        code, out, err = run_main(base + extra, "", monkeypatch, capsys)
        assert code == 2, extra
        assert err.count("\n") == 1 and err.startswith("lorastudio: ") and message in err, err
    code, out, err = run_main(["generate", "--model", str(tmp_path / "nomodel"), "--prompt", "Hi"], "", monkeypatch, capsys)
    assert code == 2 and "nomodel" in err and err.count("\n") == 1


# ----------------------------------------------------------------------------
# the real model


@pytest.mark.slow
def test_smollm2_with_a_short_adapter_equals_mlx_lm(smollm2_f32, tmp_path):
    from mlx_lm import generate

    from lorastudio.core.train.demo import demo_config
    from lorastudio.core.tuner.loop import train_run

    config = demo_config(smollm2_f32).replace(
        iters=4, num_layers=4, steps_per_eval=100, steps_per_report=4, val_batches=1, save_every=100,
        max_seq_length=128, test=False, keep_best=False,
    )
    run_dir = runs.create_run(config, tmp_path / "runs", name="short")
    train_run(run_dir, lambda event: None)
    references = {side: load_reference(smollm2_f32, adapter) for side, adapter in (("base", None), ("adapter", run_dir))}

    def expected(side, messages):
        model, tokenizer = references[side]
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return generate(model, tokenizer, tokenizer.encode(text, add_special_tokens=False), max_tokens=40)

    settings = SamplingSettings(max_tokens=40)
    engine = ChatEngine(smollm2_f32, run_dir)
    first = engine.send("Who are you?", settings).read()
    assert first == expected("adapter", [user("Who are you?")])
    # a second turn through the reused KV cache
    second = engine.send("What is the capital of France?", settings)
    messages = [user("Who are you?"), {"role": "assistant", "content": first}, user("What is the capital of France?")]
    assert second.read() == expected("adapter", messages)
    assert second.stats.cached_tokens > 0
    base, tuned = engine.compare("Who are you?", settings)
    assert base.read() == expected("base", [user("Who are you?")])
    assert tuned.read() == first
    assert base.text != tuned.text
