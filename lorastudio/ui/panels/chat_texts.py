"""What the Chat panel says about where things stand: the busy line, the status line, the empty state.

Plain functions over the panel's state; strings are translated in the context
"ChatPanel" through ``QCoreApplication.translate``, which pyside6-lupdate
reads with its context. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from lorastudio.ui.names import display_name
from lorastudio.ui.widgets.chat_input import send_shortcut_text


def busy_text(loading: str | None, switching: bool, answering: bool) -> str:
    """What the engine is doing now ("" when idle)."""
    if loading:
        return QCoreApplication.translate("ChatPanel", "Loading {model}…").format(model=display_name(loading))
    if switching:
        return QCoreApplication.translate("ChatPanel", "Switching the adapter…")
    if answering:
        return QCoreApplication.translate("ChatPanel", "Answering…")
    return ""


def status_text(chosen: str, loaded: str | None, adapter_label: str, loading: bool) -> str:
    """Which model and adapter answer, or what happens on the next message."""
    if loaded is None:
        if not chosen:
            return ""
        return QCoreApplication.translate("ChatPanel", "{model} loads with your first message").format(model=display_name(chosen))
    if chosen and chosen != loaded and not loading:
        return QCoreApplication.translate("ChatPanel", "{model} is loaded; press Load Model or send a message to switch to {chosen}").format(
            model=display_name(loaded), chosen=display_name(chosen))
    if adapter_label:
        return QCoreApplication.translate("ChatPanel", "{model} with adapter {adapter}").format(
            model=display_name(loaded), adapter=adapter_label)
    return QCoreApplication.translate("ChatPanel", "{model}, base model only").format(model=display_name(loaded))


def empty_texts(compare: bool) -> tuple[str, str]:
    """Title and steps of the empty transcript."""
    keys = send_shortcut_text()
    if compare:
        return (
            QCoreApplication.translate("ChatPanel", "Compare the base model and the adapter"),
            QCoreApplication.translate(
                "ChatPanel",
                "Ask one question: the base model answers on the left, the adapter on the right, with the same "
                "sampling settings. Each question stands on its own, without the conversation. "
                "Type it below and press {keys}.").format(keys=keys),
        )
    return (
        QCoreApplication.translate("ChatPanel", "Talk to your model"),
        QCoreApplication.translate(
            "ChatPanel",
            "Pick a model and an adapter on the right (None talks to the base model alone), then type a "
            "message below and press {keys}. The model loads with your first message.").format(keys=keys),
    )
