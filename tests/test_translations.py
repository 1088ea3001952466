"""The Simplified Chinese translation: complete, faithful to its placeholders, compiled, and shown by the app.

The committed ``resources/translations/lorastudio_zh_CN.ts`` must cover every
string of ``lorastudio/ui`` (lupdate on the current sources adds nothing and
drops nothing), every translation keeps its source's ``{placeholders}``, the
committed ``.qm`` is what lrelease makes of the ``.ts``, and the main window
built with the language set to zh_CN shows Chinese. When a test here fails
after an interface change, run ``python scripts/update_translations.py`` and
translate what it lists as unfinished. Runs offscreen in the pytest process.
"""

import ast
import importlib.util
import re
import shutil
import string
from pathlib import Path

import pytest

from conftest import ini_settings
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QFontDatabase

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("update_translations", ROOT / "scripts" / "update_translations.py")
ut = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ut)

TS = ut.ts_path("zh_CN")
QM = ut.qm_path("zh_CN")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Contexts whose texts are looked up at run time (the literals are listed with QT_TRANSLATE_NOOP).
RUNTIME_CONTEXTS = {"ConfigLabel", "ConfigHelp", "ConfigUnit", "SamplingHelp"}


@pytest.fixture(scope="module")
def committed():
    """{(context, source): translation} of the committed .ts."""
    return {(context, source): text for context, source, text, _ in ut.messages(TS)}


def test_the_committed_ts_covers_every_string_of_the_interface(tmp_path, committed):
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    ut.lupdate(copy, "zh_CN")
    fresh = {(context, source) for context, source, *_ in ut.messages(copy)}
    new = sorted(fresh - set(committed))
    gone = sorted(set(committed) - fresh)
    assert not new, f"strings not in the .ts yet (run scripts/update_translations.py and translate them): {new[:10]}"
    assert not gone, f"the .ts still has strings the sources dropped (run scripts/update_translations.py): {gone[:10]}"
    assert len(committed) > 600


def test_no_message_is_unfinished_or_empty():
    assert ut.unfinished(TS) == []
    for context, source, text, _ in ut.messages(TS):
        assert text.strip(), (context, source)


def _fields(text: str):
    """The str.format fields of a text: (name, format spec), sorted; None when it is not a format string."""
    try:
        return sorted((name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:
        return None


def test_each_translation_keeps_exactly_the_placeholders_of_its_source(committed):
    braces = re.compile(r"\{[^{}]*\}")
    for (context, source), text in committed.items():
        where = f"[{context}] {source!r} -> {text!r}"
        assert sorted(braces.findall(text)) == sorted(braces.findall(source)), where
        # .format() must fill the translation with the same arguments as the source.
        assert _fields(text) == _fields(source), where


def test_markup_accelerators_and_ellipses_survive_translation(committed):
    tags = re.compile(r"</?[a-zA-Z][^>]*>")
    for (context, source), text in committed.items():
        where = f"[{context}] {source!r} -> {text!r}"
        assert sorted(tags.findall(text)) == sorted(tags.findall(source)), where
        # One mnemonic where the source has one ("&File" -> "文件(&F)"), none where it has none.
        assert len(re.findall(r"&(?=[^&\s])", text)) == len(re.findall(r"&(?=[^&\s])", source)), where
        if source.endswith("…") and len(source.split()) <= 4:  # a command that opens a dialog, or a busy state
            assert text.endswith("…"), where
        assert text.count("\n") == source.count("\n"), where


def test_the_seed_reports_terms_are_used(committed):
    expected = {
        ("ConfigLabel", "Learning rate"): "学习率",
        ("ConfigLabel", "Batch size"): "批次大小",
        ("ConfigLabel", "Iterations"): "训练步数",
        ("ConfigLabel", "Gradient checkpointing"): "梯度检查点",
        ("ConfigLabel", "Rank"): "秩（rank）",
        ("ConfigLabel", "Scale"): "缩放系数（scale）",
        ("ConfigLabel", "Max sequence length"): "最大序列长度",
        ("ModelCard", "Trainable"): "可训练参数",
        ("ReportsTable", "Train loss"): "训练损失",
        ("ReportsTable", "Val loss"): "验证损失",
        ("MainWindow", "Settings…"): "设置…",
        ("MainWindow", "Quit"): "退出",
        ("MainWindow", "About LoRA Studio"): "关于 LoRA Studio",
    }
    for key, text in expected.items():
        assert committed[key] == text, key


def test_the_committed_qm_is_what_lrelease_makes_of_the_ts(tmp_path):
    made = tmp_path / "made.qm"
    ut.lrelease(TS, made)
    assert made.read_bytes() == QM.read_bytes(), "run scripts/update_translations.py to rebuild the .qm"


def test_the_qm_translates_messages_of_every_context(qapp, committed):
    translator = QTranslator()
    assert translator.load(str(QM))
    contexts = set()
    for (context, source), text in committed.items():
        assert translator.translate(context, source) == text, (context, source)
        contexts.add(context)
    assert {"MainWindow", "Pages", "TrainPanel", "ConfigHelp", "SamplingHelp", "Runs"} <= contexts


def test_every_translated_call_passes_literal_text():
    """lupdate only extracts literals: tr(f"..."), tr(a + b), a bare tr() or i18n.tr("...") would stay English."""
    problems = []
    for path in sorted((ROOT / "lorastudio" / "ui").rglob("*.py")):
        if path.name == "i18n.py":  # defines the run-time helper itself
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name)}

        def text(arg):
            """The string an argument is: a literal or a module constant; None otherwise."""
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
            return constants.get(arg.id) if isinstance(arg, ast.Name) else None

        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func, args = node.func, node.args
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            where = f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:90]}"
            literal = isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
            if name == "tr" and owner == "":  # lupdate files a bare tr() under no context
                problems.append(where)
            elif name == "tr" and owner != "i18n" and not literal:
                problems.append(where)
            elif name == "translate" and owner in ("", "QCoreApplication") and len(args) >= 2:
                context = text(args[0])
                if context is None or not (isinstance(args[1], ast.Constant) or context in RUNTIME_CONTEXTS):
                    problems.append(where)
            elif name == "translate_text" or (name == "tr" and owner == "i18n"):
                if text(args[0]) not in RUNTIME_CONTEXTS:  # a literal text belongs in QCoreApplication.translate
                    problems.append(where)
    assert problems == []


@pytest.fixture
def chinese_window(qtbot, tmp_path):
    from lorastudio.ui.app import build_main_window
    from lorastudio.ui.i18n import install_language

    settings = ini_settings(tmp_path)
    settings.set_language("zh_CN")
    settings.set_theme("light")
    window = build_main_window(settings, runs_root=tmp_path / "runs")
    qtbot.addWidget(window)
    window.resize(1280, 820)
    window.show()
    qtbot.waitExposed(window)
    yield window
    install_language("en")  # translators are global: the next test gets English again


def test_the_main_window_speaks_chinese(chinese_window, committed):
    window = chinese_window
    titles = [window._page_titles[key][0] for key in window.page_keys()]
    assert titles == [committed[("Pages", source)] for source in
                      ("Model", "Data", "Parameters", "Train", "Chat", "Report", "Runs")]
    assert titles[:4] == ["模型", "数据", "参数", "训练"]
    window.show_page("train")
    assert window.title.text() == "训练"
    assert HAN.search(window.subtitle.text())

    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["文件(&F)", "训练(&T)", "显示(&V)", "帮助(&H)"]
    assert window.settings_action.text() == "设置…"
    assert window.quit_action.text() == "退出"
    assert window.about_action.text() == "关于 LoRA Studio"

    train = window.pages["train"]
    buttons = [train.start_button, train.pause_button, train.stop_button, train.continue_button]
    assert [button.text() for button in buttons] == ["开始训练", "暂停", "停止", "继续训练"]
    for button in buttons:
        assert HAN.search(button.toolTip()), button.text()


def test_switching_back_to_english_restores_the_source_strings(chinese_window):
    from lorastudio.ui.i18n import install_language

    assert install_language("en") == "en"
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("MainWindow", "&File") == "&File"
    assert install_language("zh_CN") == "zh_CN"
    assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"


def test_a_chinese_font_is_available(qapp):
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    assert families, "no font with Chinese glyphs: install fonts-noto-cjk (scripts/setup.sh does)"


# --- the core's own tables (the bridge: docs/architecture.md, "Languages") -------------------


def core_tables() -> dict[str, dict]:
    """Every table of the core's sentences: a module-level TEXTS (or the report's STRINGS) of key -> (en, zh)."""
    import importlib
    import pkgutil

    import lorastudio.core as core

    tables = {}
    for info in pkgutil.walk_packages(core.__path__, "lorastudio.core."):
        module = importlib.import_module(info.name)
        for name in ("TEXTS", "STRINGS"):
            table = getattr(module, name, None)
            if isinstance(table, dict) and table and getattr(module, "__name__", "") == info.name:
                tables[f"{info.name}.{name}"] = table
    return tables


def test_the_core_tables_are_found():
    found = core_tables()
    for expected in ("lorastudio.core.runs.describe.TEXTS", "lorastudio.core.data.messages.TEXTS",
                     "lorastudio.core.report.i18n.STRINGS"):
        assert expected in found


def test_every_core_sentence_is_in_english_and_chinese_with_the_same_placeholders():
    missing, mismatched = [], []
    for table_name, table in core_tables().items():
        for key, pair in table.items():
            # Both empty is a deliberate blank (a table's corner cell); one empty is a missing translation.
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
                    and bool(pair[0].strip()) == bool(pair[1].strip())):
                missing.append(f"{table_name}[{key!r}]")
                continue
            english, chinese = pair
            fields = [sorted(f for _, f, _, _ in string.Formatter().parse(text) if f) for text in (english, chinese)]
            if fields[0] != fields[1]:
                mismatched.append(f"{table_name}[{key!r}]: {fields[0]} vs {fields[1]}")
    assert missing == [] and mismatched == []
