"""The API for scripts: the examples in docs/architecture.md run as they are, and say what they show.

The three code blocks of the "API for scripts" section are run one after the
other in one namespace, in a fresh folder, as a user pasting them would.
"""

import re
from pathlib import Path

import lorastudio

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def examples() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## The API for scripts", 1)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_api_is_the_package_s(tmp_path):
    assert {"train", "chat", "estimate"} <= set(lorastudio.__all__)
    assert lorastudio.train.__module__ == "lorastudio.api"


def test_the_documented_examples_run(tmp_path, monkeypatch, capsys):
    blocks = examples()
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the documented example itself
    out = capsys.readouterr().out
    assert "GB" in out and namespace["plan"].total_gb > 0
    assert namespace["run"].state == "finished" and "train_report 4" in out
    assert (tmp_path / "runs").is_dir() and namespace["run"].run_dir.parent == (tmp_path / "runs").resolve()
    assert out.strip().splitlines()[-1]  # the chat answered something


def test_a_failed_run_is_returned_not_raised(tiny_config, tmp_path):
    run = lorastudio.train(tiny_config, num_layers=9, runs_dir=tmp_path / "runs")
    assert run.state == "failed" and not run.ok and "num_layers" in run.final_event.error
