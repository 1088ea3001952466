"""The shape of the code: no function in ``lorastudio`` is longer than ``MAX_LINES``.

A function's length is counted from its ``def`` line to its last line
(``end_lineno - lineno + 1``; decorators not counted), read with ``ast``, so
methods and nested functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lorastudio"
MAX_LINES = 80

def long_functions(max_lines: int = MAX_LINES) -> list[tuple[str, str, int]]:
    """Every (file relative to the repository, function name, length) longer than ``max_lines``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > max_lines:
                    found.append((relative, node.name, length))
    return found


def test_no_function_is_longer_than_80_lines():
    too_long = long_functions()
    assert too_long == [], f"split these into helpers of at most {MAX_LINES} lines: {too_long}"
