"""The pages of the main window, in the order of the flow, each given what it draws.

Titles and subtitles are translated here (context "Pages"). GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def build_pages(window) -> list:
    """``(key, title, subtitle, widget)`` for Model, Data, Parameters, Train, Chat, Report, Runs."""
    from lorastudio.ui.panels.train_panel import TrainPanel

    state, theme, settings = window.state, window.theme, window.settings
    pages = []

    def add(key, title, subtitle, factory):
        pages.append((key, title, subtitle, factory()))

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

    add("model", QCoreApplication.translate("Pages", "Model"), QCoreApplication.translate("Pages", "A local MLX model folder, a Hugging Face repo id, or a GGUF file to import."), model_panel)
    add("data", QCoreApplication.translate("Pages", "Data"), QCoreApplication.translate("Pages", "A folder with train/valid/test.jsonl, or one .jsonl file to split. Every line is checked."), data_panel)
    add("params", QCoreApplication.translate("Pages", "Parameters"), QCoreApplication.translate("Pages", "Every mlx_lm.lora option, with presets. Saved as YAML that mlx_lm.lora -c reads."), params_panel)
    add("train", QCoreApplication.translate("Pages", "Train"), QCoreApplication.translate("Pages", "Train in a separate process, watch loss and speed live, pause, stop and continue."),
        lambda: TrainPanel(state, window.training, theme))
    add("chat", QCoreApplication.translate("Pages", "Chat"), QCoreApplication.translate("Pages", "Talk to the base model with any adapter of any run, or compare both side by side."), chat_panel)
    add("report", QCoreApplication.translate("Pages", "Report"), QCoreApplication.translate("Pages", "The training report of the selected run, generated from its metrics."), report_panel)
    add("runs", QCoreApplication.translate("Pages", "Runs"), QCoreApplication.translate("Pages", "Every run with its state and losses: open, compare curves, diff configs, delete."), runs_panel)
    return pages
