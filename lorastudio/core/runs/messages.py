"""The run folders' errors in words: every message of ``RunError``, in English and Chinese.

``folder`` raises ``RunError`` with ``say(key, **values)``
(``lorastudio.core.base.said``): ``str(error)`` is the English sentence (the
command line prints it, tests pin it) and ``error.text("zh")`` the Chinese one
for the app's Runs and Train pages. Run names, paths and file names stay as they
are in both languages. The events' own words are in ``describe``. Pure data
and functions, any thread.
"""

from __future__ import annotations

from typing import Any

from lorastudio.core.base.said import Table

LANGUAGES = ("en", "zh")

# "run" is 训练记录 (the Runs page's word), "adapter" 适配器.
TEXTS: dict[str, tuple[str, str]] = {
    "run.not_found": ("no run at {run} (looked for {path})", "{run} 处没有训练记录（查找的是 {path}）"),
    "run.still_training": ("run {run} is still training (pid {pid}); stop it first",
                           "训练记录 {run} 仍在训练中（pid {pid}）；请先停止训练"),
    "run.no_adapter": ("run {run} has no {which} adapter yet ({path} is missing)",
                       "训练记录 {run} 还没有{which}适配器（缺少 {path}）"),
}

#: Which adapter (the ``which`` value), in Chinese.
WHICH: dict[str, str] = {"final": "最终", "best": "最佳"}


def _word(name: str, value: Any, lang: str) -> Any:
    """The adapter's kind (``which``) in ``lang``; other values as they are."""
    if lang == "zh" and name == "which":
        return WHICH.get(value, f" {value} ")
    return value


TABLE = Table(TEXTS, _word)


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    return TABLE.text(key, lang, **values)
