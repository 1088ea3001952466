"""Every command, given what a user can get wrong, says so in one message: no traceback, a non-zero exit.

Each case runs the real command line in a child process (``python -m
lorastudio ...``) offline, as a user's terminal would, and reads what it
printed. A model that cannot be found must not leave a run folder behind.
A Hugging Face repo id is looked up in the local cache first (a cache laid
out here by hand, as huggingface_hub writes it), then on the hub, then the
machine is said to be offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

OFFLINE_ID = "mlx-community/Qwen2.5-0.5B-Instruct-4bit"
CACHED_ID = "lorastudio-tests/tiny-llama"


def cli(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lorastudio", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=600)


def cache_model(hub_cache: Path, repo_id: str, folder: Path) -> Path:
    """Lay ``folder`` into a Hugging Face hub cache as ``repo_id``, the layout huggingface_hub downloads into."""
    repo = hub_cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / ("0" * 40)
    shutil.copytree(folder, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    return snapshot


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_model, tiny_data):
    """Paths for every case: good ones, missing ones, broken ones, and an offline environment."""
    root = tmp_path_factory.mktemp("cli-errors")
    hf_home = root / "hf"
    cache_model(hf_home / "hub", CACHED_ID, tiny_model)
    runs_dir = root / "runs"
    broken_run = runs_dir / "broken"
    broken_run.mkdir(parents=True)
    (broken_run / "config.yaml").write_text("model: [unclosed\n")
    (broken_run / "status.json").write_text("{not json")
    empty_run = runs_dir / "empty"
    empty_run.mkdir()
    files = root / "files"
    files.mkdir()
    (files / "bad-syntax.yaml").write_text("model: x\n  data: : y\n")
    (files / "bad-field.yaml").write_text(f"model: {tiny_model}\ndata: {tiny_data}\nbatch_size: many\n")
    (files / "offline.yaml").write_text(f"model: {OFFLINE_ID}\ndata: {tiny_data}\niters: 2\n")
    (files / "not-a-gguf.gguf").write_bytes(b"hello, this is not a GGUF file")
    (files / "text.txt").write_text("just text\n")
    (files / "bad.jsonl").write_text("{oops\n")
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1", "LORASTUDIO_HOME": str(root / "home")}
    env.pop("HF_HUB_CACHE", None)
    env.pop("HUGGINGFACE_HUB_CACHE", None)
    return {
        "model": str(tiny_model), "data": str(tiny_data), "runs": str(runs_dir), "root": str(root),
        "files": str(files), "missing": str(root / "missing"), "offline_id": OFFLINE_ID, "cached_id": CACHED_ID,
        "env": env,
    }


# (id, arguments, what the one message must say). {name} is filled from ``world``.
CASES = [
    ("train: missing config", "train -c {missing}/c.yaml", "{missing}/c.yaml"),
    ("train: config not YAML", "train -c {files}/bad-syntax.yaml", "bad-syntax.yaml"),
    ("train: bad field", "train -c {files}/bad-field.yaml", "batch_size"),
    ("train: missing model", "train --model {missing}/model --data {data}", "{missing}/model"),
    ("train: offline hub id", "train -c {files}/offline.yaml", "offline"),
    ("train: missing dataset", "train --model {model} --data {missing}/data", "{missing}/data"),
    ("train: broken dataset", "train --model {model} --data {files}/bad.jsonl", "bad.jsonl:1"),
    ("train: unknown preset", "train --model {model} --data {data} --preset nope", "nope"),
    ("resume: missing run", "resume {missing}/run", "{missing}/run"),
    ("resume: broken run", "resume {runs}/broken", "broken"),
    ("resume: empty run", "resume {runs}/empty", "empty"),
    ("runs show: missing run", "runs show nothere", "nothere"),
    ("runs show: broken run", "runs show broken", "broken"),
    ("runs delete: missing run", "runs delete nothere --yes", "nothere"),
    ("data check: missing dataset", "data check {missing}/data", "{missing}/data"),
    ("data check: missing model", "data check {data} --model {missing}/model", "{missing}/model"),
    ("data check: offline hub id", "data check {data} --model {offline_id}", "offline"),
    ("model info: missing model", "model info {missing}/model", "{missing}/model"),
    ("model info: offline hub id", "model info {offline_id}", "offline"),
    ("model info: a text file", "model info {files}/text.txt", "text.txt"),
    ("model info: bad config", "model info {model} -c {files}/bad-syntax.yaml", "bad-syntax.yaml"),
    ("import-gguf: missing file", "import-gguf {missing}/m.gguf {root}/out1", "{missing}/m.gguf"),
    ("import-gguf: not a GGUF", "import-gguf {files}/not-a-gguf.gguf {root}/out2", "not-a-gguf.gguf"),
    ("chat: missing model", "chat --model {missing}/model", "{missing}/model"),
    ("chat: offline hub id", "chat --model {offline_id}", "offline"),
    ("chat: missing adapter", "chat --model {model} --adapter nothere", "nothere"),
    ("generate: missing model", "generate --model {missing}/model --prompt hi", "{missing}/model"),
    ("generate: offline hub id", "generate --model {offline_id} --prompt hi", "offline"),
    ("generate: broken run as adapter", "generate --model {model} --adapter broken --prompt hi", "broken"),
    ("report: missing run", "report nothere", "nothere"),
    ("report: a file, not a run", "report {files}/text.txt", "text.txt"),
    ("fuse: missing run", "fuse nothere", "nothere"),
    ("fuse: broken run", "fuse broken", "broken"),
    ("fuse: empty run", "fuse empty", "empty"),
]


def _fill(text: str, world: dict) -> str:
    return text.format(**{k: v for k, v in world.items() if isinstance(v, str)})


@pytest.fixture(scope="module")
def outcomes(world):
    """Every case run once, two at a time (each is a fresh Python process)."""
    def run(case):
        _, args, _ = case
        return cli(["--runs-dir", world["runs"], *_fill(args, world).split()], world["env"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([c[0] for c in CASES], pool.map(run, CASES)))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_mistake_gets_one_clear_message(case, world, outcomes):
    name, _, expected = case
    done = outcomes[name]
    printed = done.stdout + done.stderr
    assert done.returncode != 0, printed
    assert "Traceback" not in printed and 'File "' not in printed, printed
    # One message: "lorastudio: ..." on stderr, its details (if any) indented under it; or,
    # for `data check`, the check's own report of the problems on stdout.
    message = done.stderr if done.stderr.strip() else done.stdout
    lines = [line for line in message.splitlines() if line.strip()]
    if done.stderr.strip():
        assert lines[0].startswith("lorastudio: ") and all(line[0].isspace() for line in lines[1:]), printed
    assert _fill(expected, world) in message, message


def test_a_model_that_cannot_be_found_leaves_no_run_folder(world, outcomes):
    for name in ("train: missing model", "train: offline hub id", "train: missing dataset"):
        assert outcomes[name].returncode != 0
    made = [p.name for p in Path(world["runs"]).iterdir()]
    assert sorted(made) == ["broken", "empty"]
    assert not (Path(world["root"]) / "out1").exists() and not (Path(world["root"]) / "out2").exists()


def test_offline_message_names_the_repo_and_what_to_do(outcomes):
    for name in ("train: offline hub id", "model info: offline hub id", "chat: offline hub id"):
        message = outcomes[name].stderr
        assert OFFLINE_ID in message and "not in the local cache" in message, message


def test_model_info_takes_a_repo_id_from_the_local_cache(world):
    done = cli(["model", "info", CACHED_ID, "--num-layers", "2"], world["env"])
    assert done.returncode == 0, done.stderr
    assert f"Model: {CACHED_ID}" in done.stdout and "llama" in done.stdout and "Trainable" in done.stdout
    local = cli(["model", "info", world["model"], "--num-layers", "2"], world["env"])
    assert local.stdout.split("\n", 1)[1] == done.stdout.split("\n", 1)[1]  # the same facts as the folder itself


def test_train_takes_a_repo_id_from_the_local_cache(world):
    done = cli(["--runs-dir", str(Path(world["root"]) / "cached-runs"), "train", "--model", CACHED_ID,
                "--data", world["data"], "--iters", "1", "--num-layers", "1", "--max-seq-length", "32"], world["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1])
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "finished"
