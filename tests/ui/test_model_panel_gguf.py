"""The Model page's GGUF import: the precision choice (MLX 4-bit here), and the card saying what was chosen."""

import json

import gguf

from lorastudio.core.base.paths import models_root
from lorastudio.core.config.train_config import TrainConfig
from test_model_panel import make_panel, settings, show_gguf  # noqa: F401 (fixtures)
from tiny_gguf import write_tiny_gguf


def test_importing_as_mlx_4bit_says_the_source_and_the_choice(make_panel, tiny_model, tmp_path, qtbot):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny-f16.gguf", gguf.GGMLQuantizationType.F16)
    panel = make_panel(TrainConfig(num_layers=2))
    show_gguf(panel, path, qtbot)
    card = panel.gguf_card
    assert "quantized F16" in card.facts.text()
    card.precision.setCurrentIndex(card.precision.findData("4bit"))
    assert card.destination.full_text() == str(models_root() / "tiny-f16-4bit")
    stages = []
    panel.job_progress.connect(lambda text, _fraction: stages.append(text))
    with qtbot.waitSignal(panel.job_finished, timeout=120_000) as finished:
        card.import_button.click()
    assert finished.args == ["gguf", "done"]
    assert any(text.startswith("Tensor 1 of 20: ") for text in stages)  # progress per tensor
    model = models_root() / "tiny-f16-4bit"
    assert json.loads((model / "config.json").read_text())["quantization"]["bits"] == 4
    assert "the file's quantization F16; imported as 4bit" in panel.card.notice_text()
    qtbot.waitUntil(lambda: "quantization" in panel.card.fact_values, timeout=60_000)
    assert panel.card.fact_values["quantization"].text().startswith("4-bit affine, group 64")
