"""Errors that can say themselves in English or Chinese: a message key, its values and their table.

The core's errors are written for people ("... is not a model folder: config.json
is missing"), and the app shows them in its interface language. The core never
imports Qt, so each package keeps its sentences in a table of its own, a
module-level ``TEXTS = {key: (english, chinese)}`` wrapped in a ``Table``
(``core/models/messages.py``, ``core/chat/messages.py``, ``core/runs/messages.py``;
the same pattern as ``core/runs/describe.py`` and ``core/data/messages.py``).

An error class mixes in ``Said`` and names its table; ``ModelError.say(key,
**values)`` makes the error. Its message (``str(error)``, ``error.args[0]``) is
the English sentence, exactly what the command line prints and the logs keep;
``error.text("zh")`` says it in Chinese for the app, which asks in its interface
language (``lorastudio.ui.i18n.core_language``). An error raised the old way,
``ModelError("a sentence")``, still works: its text in every language is that
sentence. ``words(exc, lang)`` gives any exception's text for people.

A value may itself be words: a ``Phrase`` (a piece of a sentence of the same
table, such as an adapter's label or a clause that is there or not), another
``Said`` error, or a value the table's ``words`` hook translates (a known
template name, say). Every other value (paths, numbers, repo ids, another
program's error message) is put in as it is, in both languages.

Pure data and functions, any thread; an error holds only its key and plain
values, so it crosses threads and pickles like any exception. Imports nothing
of the core.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping

LANGUAGES = ("en", "zh")

#: ``words(name, value, lang)``: a value that is a word itself, in ``lang`` (others as they are).
Words = Callable[[str, Any, str], Any]


class Phrase:
    """A piece of a sentence from the same table (a label, an optional clause), said in the sentence's language."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any):
        self.key = key
        self.values = values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.key, self.values) == (other.key, other.values)

    __hash__ = None  # type: ignore[assignment]  # its values are a dict

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in self.values.items())
        return f"Phrase({self.key!r}{', ' if values else ''}{values})"

    def __reduce__(self):
        return (_phrase, (self.key, self.values))


def _phrase(key: str, values: dict) -> Phrase:
    return Phrase(key, **values)


class Table:
    """One package's sentences: ``texts`` maps a key to its (English, Chinese) templates."""

    def __init__(self, texts: Mapping[str, tuple[str, str]], words: Words | None = None):
        self.texts = texts
        self.words = words

    def __contains__(self, key: object) -> bool:
        return key in self.texts

    def text(self, key: str, lang: str = "en", **values: Any) -> str:
        """The sentence ``key`` in ``lang`` ("en" or "zh"; any other gives English), filled in."""
        english, chinese = self.texts[key]
        template = chinese if lang == "zh" else english
        return template.format(**{name: self._value(name, value, lang) for name, value in values.items()})

    def say(self, value: Any, lang: str = "en") -> str:
        """One value as text in ``lang``: a ``Phrase`` or a ``Said`` error said, anything else as it is."""
        return str(self._value("", value, lang))

    def _value(self, name: str, value: Any, lang: str) -> Any:
        if isinstance(value, Phrase):
            return self.text(value.key, lang, **value.values)
        if isinstance(value, Said):
            return value.text(lang)
        if self.words is not None:
            return self.words(name, value, lang)
        return value


class Said:
    """Mixin for an exception whose message is a sentence of a table: ``class ModelError(Said, ValueError)``.

    The class names its ``table``; ``say`` makes an error from a key and values.
    The exception class must take its message as its one argument (as
    ``ValueError`` does).
    """

    table: ClassVar[Table | None] = None
    key: str | None = None  # the sentence, None for an error raised with a message of its own
    values: Mapping[str, Any] = MappingProxyType({})

    @classmethod
    def say(cls, key: str, /, **values: Any):
        """The error of sentence ``key`` filled with ``values``; its message is the English sentence."""
        if cls.table is None:
            raise TypeError(f"{cls.__name__} has no table of sentences")
        error = cls(cls.table.text(key, "en", **values))
        error.key = key
        error.values = values
        return error

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh"): English is ``str(self)``, exactly."""
        if self.key is None or self.table is None or lang not in LANGUAGES or lang == "en":
            return str(self)
        return self.table.text(self.key, lang, **self.values)


def words(exc: BaseException, lang: str = "en") -> str:
    """What an exception says to people in ``lang``: one that says itself (a ``text(lang)`` method, as
    ``Said`` errors have) in that language, any other as written; its type's name when it has no message.
    A translation that fails shows the message as written: the error itself is never hidden."""
    say = getattr(exc, "text", None)
    text = None
    if callable(say):
        try:
            text = say(lang)
        except Exception:  # noqa: BLE001 - a table that does not fit its values
            text = None
    if not isinstance(text, str):
        text = str(exc)
    return text or type(exc).__name__
