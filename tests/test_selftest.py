"""`lorastudio --self-test`: the whole check passes here, and a broken part fails it by name.

The end-to-end test runs the real command in a subprocess (offscreen); the
failure tests run the check functions in-process on broken input (a module
that does not exist, a model mlx-lm cannot load, resources that are missing)
and read the report they print.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lorastudio import selftest
from lorastudio.selftest import CHECKS, Context, check_generation, check_mlx, check_mlx_lm_modules, check_resources, check_training, exit_code, run_checks, summary

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_and_saves_the_screenshot(tmp_path, isolated_home):
    png = tmp_path / "shots" / "selftest.png"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", TMPDIR=str(scratch), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "lorastudio", "--self-test", str(png)],
                         capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    report = out.stdout
    assert out.returncode == 0, report + out.stderr
    for name, _ in CHECKS:
        assert f"  ok      {name}: " in report, name
    assert "FAILED" not in report and "Traceback" not in report
    assert f"self-test passed ({len(CHECKS)} checks)" in report
    assert f"screenshot: {png}" in report
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 500
    # Everything it wrote went to its own temporary folder, which it removed: nothing
    # in the user's data folder (LORASTUDIO_HOME of this test), nothing left behind.
    assert not isolated_home.exists() or not any(isolated_home.rglob("*"))
    assert not list(scratch.glob("lorastudio-selftest-*"))
    # The training check ran the child process, not the model in-process.
    assert "_train-worker RUN" in report


def _ctx(tmp_path, **changes) -> Context:
    ctx = Context(workdir=tmp_path / "work", png=tmp_path / "shot.png")
    ctx.workdir.mkdir()
    for key, value in changes.items():
        setattr(ctx, key, value)
    return ctx


def test_a_module_missing_from_the_installation_fails_by_name(tmp_path):
    ctx = _ctx(tmp_path, expected_modules=["mlx_lm.models.llama", "mlx_lm.models.no_such_arch", "mlx_lm.models.qwen2"])
    out = io.StringIO()
    results = run_checks(ctx, [("mlx-lm modules", check_mlx_lm_modules)], out)
    assert exit_code(results) == 1
    [result] = results
    assert not result.ok
    assert "1 of 3 mlx-lm modules failed to import: mlx_lm.models.no_such_arch" in result.detail
    report = out.getvalue()
    assert report.startswith("  FAILED  mlx-lm modules: ")
    assert "ModuleNotFoundError" in report  # the details follow, indented
    assert summary(results) == "self-test FAILED: mlx-lm modules (1 of 1 checks)"


def test_optional_modules_must_be_present_but_are_not_imported(tmp_path):
    ctx = _ctx(tmp_path, expected_modules=["mlx_lm.models.llama", "mlx_lm.models.olmo"])
    detail = check_mlx_lm_modules(ctx)  # olmo would sys.exit(1) without ai2-olmo
    assert detail.startswith("1 imported") and "olmo present, not imported" in detail


def test_the_installed_mlx_lm_modules_are_what_the_bundle_must_hold():
    names = selftest.expected_modules()
    import mlx_lm

    folder = Path(mlx_lm.__file__).parent / "models"
    on_disk = {f"mlx_lm.models.{p.stem}" for p in folder.glob("*.py") if p.stem != "__init__"}
    assert on_disk <= set(names)
    assert "mlx_lm.models.lfm2-vl" in names or not (folder / "lfm2-vl.py").exists()


def test_a_model_mlx_lm_cannot_load_fails_training_and_generation_by_name(tmp_path, tiny_model):
    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model, broken)
    config = json.loads((broken / "config.json").read_text())
    config["model_type"] = "no_such_arch"
    (broken / "config.json").write_text(json.dumps(config))
    ctx = _ctx(tmp_path, model_dir=broken)
    out = io.StringIO()
    results = run_checks(ctx, [("mlx", check_mlx), ("training", check_training), ("generation", check_generation)], out)
    mlx_ok, training, generation = results
    assert mlx_ok.ok and not training.ok and not generation.ok
    assert exit_code(results) == 1
    assert "the training child did not finish" in training.detail
    assert "no_such_arch" in training.detail + training.details  # the child's log tail says why
    assert "no_such_arch" in generation.detail + generation.details
    report = out.getvalue()
    assert "  ok      mlx: " in report and "  FAILED  training: " in report and "  FAILED  generation: " in report
    assert summary(results) == "self-test FAILED: training, generation (2 of 3 checks)"


def test_missing_resources_are_each_named(tmp_path, monkeypatch):
    from lorastudio.core.base import paths

    empty = tmp_path / "resources"
    empty.mkdir()
    monkeypatch.setattr(paths, "resources_dir", lambda: empty)
    [result] = run_checks(_ctx(tmp_path), [("resources", check_resources)], io.StringIO())
    assert not result.ok
    for what in ("demo dataset", "presets", "icon", "translations"):
        assert what in result.detail


def test_a_check_that_raises_anything_is_reported_with_its_traceback(tmp_path):
    def broken(ctx):
        raise SystemExit(3)  # what a library's sys.exit() looks like

    def fine(ctx):
        return "all good"

    out = io.StringIO()
    results = run_checks(_ctx(tmp_path), [("broken", broken), ("fine", fine)], out)
    assert [r.ok for r in results] == [False, True]  # a failure does not stop the others
    assert results[0].detail == "SystemExit: 3"
    assert "Traceback" in results[0].details
    assert "  ok      fine: all good" in out.getvalue()
    assert exit_code(results) == 1
    assert exit_code(results[1:]) == 0
    assert exit_code([]) == 1  # nothing checked is not a pass


def test_usage_and_dispatch(capsys):
    from lorastudio.__main__ import main

    assert main(["--self-test", "--help"]) == 0
    assert "usage: lorastudio --self-test [PNG]" in capsys.readouterr().out
    assert selftest.main(["a.png", "extra"]) == 2


@pytest.mark.parametrize("exe, expected", [
    ("/Applications/LoRA Studio.app/Contents/MacOS/LoRAStudio", "/Applications/LoRA Studio.app"),
    ("/opt/dist/LoRAStudio/LoRAStudio", "/opt/dist/LoRAStudio"),
])
def test_bundle_root_of_a_frozen_app(monkeypatch, exe, expected):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", exe)
    assert selftest.bundle_root() == Path(expected)
