"""Errors that say themselves in English or Chinese (core/base/said.py): the mechanism on a table of its own."""

import pickle

import pytest

from lorastudio.core.base.said import Phrase, Said, Table, words

TEXTS = {
    "missing": ("{path} is missing", "缺少 {path}"),
    "count": ("{count:,} files in {where}{note}", "{where} 中有 {count:,} 个文件{note}"),
    "note": (" (and {more} hidden)", "（另有 {more} 个隐藏）"),
    "wrapped": ("could not start: {error}", "无法启动：{error}"),
    "kind": ("a {kind} thing", "一个{kind}东西"),
}
KINDS = {"big": "大"}


def word(name, value, lang):
    return KINDS.get(value, value) if lang == "zh" and name == "kind" else value


TABLE = Table(TEXTS, word)


class ThingError(Said, ValueError):
    table = TABLE


class PlainError(Said, RuntimeError):
    """No table: only errors with a message of their own."""


def test_the_message_is_the_english_sentence_and_text_says_it_in_a_language():
    error = ThingError.say("missing", path="/a/b")
    assert isinstance(error, ValueError)
    assert str(error) == error.args[0] == "/a/b is missing"
    assert error.text() == error.text("en") == "/a/b is missing"
    assert error.text("zh") == "缺少 /a/b"
    assert error.text("fr") == "/a/b is missing"  # a language without a table: English
    assert (error.key, dict(error.values)) == ("missing", {"path": "/a/b"})


def test_an_error_raised_with_a_message_of_its_own_keeps_working():
    error = ThingError("a sentence of its own")
    assert str(error) == error.text("zh") == "a sentence of its own"
    assert error.key is None and not error.values
    with pytest.raises(TypeError, match="PlainError has no table"):
        PlainError.say("missing", path="x")
    assert PlainError("as written").text("zh") == "as written"


def test_phrases_nested_errors_and_words_are_said_in_the_sentence_language():
    error = ThingError.say("count", count=1234, where="data", note=Phrase("note", more=3))
    assert str(error) == "1,234 files in data (and 3 hidden)"
    assert error.text("zh") == "data 中有 1,234 个文件（另有 3 个隐藏）"
    assert ThingError.say("count", count=1, where="x", note="").text("zh") == "x 中有 1 个文件"
    inner = ThingError.say("missing", path="p")
    outer = ThingError.say("wrapped", error=inner)
    assert str(outer) == "could not start: p is missing"
    assert outer.text("zh") == "无法启动：缺少 p"
    assert ThingError.say("kind", kind="big").text("zh") == "一个大东西"
    assert ThingError.say("kind", kind="odd").text("zh") == "一个odd东西"  # a word the hook does not know
    assert TABLE.say(Phrase("note", more=2), "zh") == "（另有 2 个隐藏）" and TABLE.say(7) == "7"
    assert "missing" in TABLE and "nope" not in TABLE
    assert Phrase("note", more=1) == Phrase("note", more=1) != Phrase("note", more=2)
    assert repr(Phrase("note", more=1)) == "Phrase('note', more=1)"


def test_an_error_pickles_and_copies_with_its_key_and_values():
    error = ThingError.say("count", count=2, where="d", note=Phrase("note", more=1))
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ThingError and str(again) == str(error)
    assert again.text("zh") == error.text("zh") == "d 中有 2 个文件（另有 1 个隐藏）"


def test_words_gives_any_exception_for_people():
    assert words(ThingError.say("missing", path="x"), "zh") == "缺少 x"
    assert words(ThingError.say("missing", path="x")) == "x is missing"
    assert words(KeyError("k"), "zh") == "'k'"
    assert words(RuntimeError(), "zh") == "RuntimeError"
    syntax = SyntaxError("bad", ("f.py", 1, 2, "text of the line"))  # .text is a string there, not a method
    assert words(syntax, "zh") == str(syntax)

    class Broken(Said, ValueError):
        def text(self, lang="en"):
            raise KeyError(lang)

    assert words(Broken("still shown"), "zh") == "still shown"  # a table that fails never hides the error
