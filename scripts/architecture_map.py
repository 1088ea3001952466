"""The import graph of lorastudio, read from the code, and the picture of it in docs/architecture.md.

    python scripts/architecture_map.py           print the Mermaid picture of the packages
    python scripts/architecture_map.py --write   put it into docs/architecture.md

Every import statement of every module is read with ``ast``: at the top of a
file or inside a function, ``TYPE_CHECKING`` blocks included, so an import
hidden in a function body is still a dependency. ``tests/test_architecture.py``
checks the rules on this graph and that the picture in the docs is current.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lorastudio"
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- map: begin (scripts/architecture_map.py --write) -->", "<!-- map: end -->"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every lorastudio module ``name`` imports, and the top package of anything else it imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return {f if f.startswith("lorastudio") else f.split(".")[0] for f in found} - {name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def part_of(module: str) -> str | None:
    """The box a module is drawn in: a core package, ``ui``, ``cli``, or ``api``."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "core":
        return f"core.{parts[2]}"
    if len(parts) > 1 and parts[1] in ("ui", "cli", "api"):
        return parts[1]
    return None


def package_edges(g: dict[str, set[str]]) -> set[tuple[str, str]]:
    edges = set()
    for module, deps in g.items():
        here = part_of(module)
        for dep in deps:
            there = part_of(dep)
            if here and there and here != there:
                edges.add((here, there))
    return edges


def mermaid(g: dict[str, set[str]]) -> str:
    """The packages and who imports whom, as a Mermaid flowchart (arrows point at what is imported)."""
    from_code = package_edges(g)
    # Draw only the edges that are not implied by a path through others: the picture stays readable.
    def reachable(a: str, b: str, skip: tuple[str, str]) -> bool:
        seen, todo = set(), [a]
        while todo:
            n = todo.pop()
            for x, y in from_code:
                if x == n and (x, y) != skip and y not in seen:
                    if y == b:
                        return True
                    seen.add(y)
                    todo.append(y)
        return False

    drawn = sorted(e for e in from_code if not reachable(e[0], e[1], e))
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"  {a.replace('.', '_')}[{a}] --> {b.replace('.', '_')}[{b}]" for a, b in drawn]
    lines.append("```")
    return "\n".join(lines)


def write(doc: Path = DOC) -> bool:
    text = doc.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + mermaid(graph()) + "\n" + text[stop:]
    if new != text:
        doc.write_text(new, encoding="utf-8")
    return new != text


def current(doc: Path = DOC) -> str:
    text = doc.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN): text.index(END)].strip()


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        print("rewritten" if write() else "already up to date", file=sys.stderr)
    else:
        print(mermaid(graph()))
