"""Which record keys hold the conversation, prompt, completion and text: mlx-lm's ``*_feature`` options.

Plain values, any thread.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataKeys:
    """Record keys for each format (mlx-lm's ``chat_feature``, ``prompt_feature``,
    ``completion_feature`` and ``text_feature`` config options)."""

    chat: str = "messages"
    prompt: str = "prompt"
    completion: str = "completion"
    text: str = "text"

    @classmethod
    def from_config(cls, config) -> "DataKeys":
        """The keys a training config names (any object with the four ``*_feature`` fields)."""
        return cls(chat=config.chat_feature, prompt=config.prompt_feature,
                   completion=config.completion_feature, text=config.text_feature)
