"""The pages of the main window, in the order of the flow, each given what it draws.

Titles and subtitles are translated here (context "Pages"). GUI thread.
"""

from __future__ import annotations

from lorastudio.ui.i18n import tr


def build_pages(window) -> list:
    """``(key, title, subtitle, widget)`` for Model, Data, Parameters, Train, Chat, Report, Runs."""
    from lorastudio.ui.panels.train_panel import TrainPanel

    state, theme, settings = window.state, window.theme, window.settings
    pages = []

    def add(key, title, subtitle, factory):
        try:
            widget = factory()
        except ImportError:  # panel not built yet (development only)
            return
        pages.append((key, title, subtitle, widget))

    def model_panel():
        from lorastudio.ui.panels.model_panel import ModelPanel

        return ModelPanel(state, theme, settings)

    def data_panel():
        from lorastudio.ui.panels.data_panel import DataPanel

        return DataPanel(state, theme, settings)

    def params_panel():
        from lorastudio.ui.panels.params_panel import ParamsPanel

        return ParamsPanel(state, settings)

    def chat_panel():
        from lorastudio.ui.panels.chat_panel import ChatPanel

        return ChatPanel(state, lambda: window.chat, theme)

    def report_panel():
        from lorastudio.ui.panels.report_panel import ReportPanel

        return ReportPanel(state, window.training, settings)

    def runs_panel():
        from lorastudio.ui.panels.runs_panel import RunsPanel

        return RunsPanel(state, window.training, theme)

    add("model", tr("Pages", "Model"), tr("Pages", "A local MLX model folder, a Hugging Face repo id, or a GGUF file to import."), model_panel)
    add("data", tr("Pages", "Data"), tr("Pages", "A folder with train/valid/test.jsonl, or one .jsonl file to split. Every line is checked."), data_panel)
    add("params", tr("Pages", "Parameters"), tr("Pages", "Every mlx_lm.lora option, with presets. Saved as YAML that mlx_lm.lora -c reads."), params_panel)
    add("train", tr("Pages", "Train"), tr("Pages", "Train in a separate process, watch loss and speed live, pause, stop and continue."),
        lambda: TrainPanel(state, window.training, theme))
    add("chat", tr("Pages", "Chat"), tr("Pages", "Talk to the base model with any adapter of any run, or compare both side by side."), chat_panel)
    add("report", tr("Pages", "Report"), tr("Pages", "The training report of the selected run, generated from its metrics."), report_panel)
    add("runs", tr("Pages", "Runs"), tr("Pages", "Every run with its state and losses: open, compare curves, diff configs, delete."), runs_panel)
    return pages
