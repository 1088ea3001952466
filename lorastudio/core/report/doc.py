"""A small document model for reports, rendered to Markdown and to self-contained HTML.

A report is built once as a list of blocks (headings, paragraphs, bullet
lists, tables, code, figures, side-by-side comparisons) whose text is a list
of spans (plain, bold, code). ``to_markdown`` and ``to_html`` render the same
blocks, escaping user text (paths, model answers) for each format, so the
two outputs always say the same thing. Pure functions, any thread.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class B:
    """Bold text."""

    text: str


@dataclass(frozen=True)
class C:
    """Inline code (paths, keys, commands)."""

    text: str


Span = Union[str, B, C]
Text = Union[str, B, C, list]  # a span or a list of spans


def spans(text: Text) -> list[Span]:
    if isinstance(text, list):
        return text
    return [text]


@dataclass
class Heading:
    level: int
    text: Text


@dataclass
class Para:
    text: Text


@dataclass
class Item:
    text: Text
    children: list["Item"] = field(default_factory=list)


@dataclass
class Bullets:
    items: list[Item]


@dataclass
class Table:
    header: list[Text]
    rows: list[list[Text]]
    align: list[str] = field(default_factory=list)  # "l" or "r" per column


@dataclass
class Code:
    text: str
    language: str = ""


@dataclass
class Figure:
    """A chart: ``path`` for Markdown (relative to the report), ``svg`` inlined in HTML."""

    path: str
    svg: str
    caption: str


@dataclass
class Compare:
    """Two texts side by side (HTML) or one after the other (Markdown)."""

    title: Text
    prompt: str
    left_title: str
    left: str
    right_title: str
    right: str


@dataclass
class Note:
    """A paragraph that stands out: kind is "ok", "warn" or "error"."""

    kind: str
    text: Text
    details: str = ""


@dataclass
class Rule:
    pass


Block = Union[Heading, Para, Bullets, Table, Code, Figure, Compare, Note, Rule]

# ----------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_code(text: str, in_table: bool = False) -> str:
    text = text.replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if in_table:
        text = text.replace("|", "\\|")
    pad = " " if longest or text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_spans(text: Text, in_table: bool = False) -> str:
    out = []
    for span in spans(text):
        if isinstance(span, B):
            out.append(f"**{md_escape(span.text)}**")
        elif isinstance(span, C):
            out.append(_md_code(span.text, in_table))
        else:
            out.append(md_escape(str(span)))
    return "".join(out).replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * (longest + 1)


def _md_items(items: list[Item], depth: int = 0) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"{'  ' * depth}- {md_spans(item.text)}")
        lines.extend(_md_items(item.children, depth + 1))
    return lines


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {md_spans(block.text)}")
        elif isinstance(block, Para):
            out.append(md_spans(block.text))
        elif isinstance(block, Note):
            icon = {"ok": "✅", "warn": "⚠️", "error": "❌"}.get(block.kind, "")
            out.append(f"{icon} {md_spans(block.text)}".strip())
            if block.details:
                fence = _fence(block.details)
                out.append(f"{fence}text\n{block.details.rstrip()}\n{fence}")
        elif isinstance(block, Bullets):
            out.append("\n".join(_md_items(block.items)))
        elif isinstance(block, Table):
            align = block.align or ["l"] * len(block.header)
            out.append(
                "\n".join(
                    [
                        "| " + " | ".join(md_spans(h, True) for h in block.header) + " |",
                        "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
                        *("| " + " | ".join(md_spans(c, True) for c in row) + " |" for row in block.rows),
                    ]
                )
            )
        elif isinstance(block, Code):
            fence = _fence(block.text)
            out.append(f"{fence}{block.language}\n{block.text.rstrip()}\n{fence}")
        elif isinstance(block, Figure):
            out.append(f"![{md_escape(block.caption)}]({block.path})")
        elif isinstance(block, Compare):
            out.append(f"**{md_spans(block.title)}** {md_escape(block.prompt)}".replace("\n", " "))
            for title, text in ((block.left_title, block.left), (block.right_title, block.right)):
                fence = _fence(text)
                out.append(f"*{md_escape(title)}*\n\n{fence}text\n{text.rstrip()}\n{fence}")
        elif isinstance(block, Rule):
            out.append("---")
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------------------
# HTML


def html_spans(text: Text) -> str:
    out = []
    for span in spans(text):
        if isinstance(span, B):
            out.append(f"<strong>{html.escape(span.text)}</strong>")
        elif isinstance(span, C):
            out.append(f"<code>{html.escape(span.text)}</code>")
        else:
            out.append(html.escape(str(span)))
    return "".join(out)


def _html_items(items: list[Item]) -> str:
    parts = ["<ul>"]
    for item in items:
        inner = html_spans(item.text) + (_html_items(item.children) if item.children else "")
        parts.append(f"<li>{inner}</li>")
    parts.append("</ul>")
    return "".join(parts)


def _strip_xml_declaration(svg: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)


CSS = """
:root { --text:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#2f6fde; --bg:#ffffff; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--text);
  font: 16px/1.65 -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
  "Noto Sans CJK SC", "Microsoft YaHei", Helvetica, Arial, sans-serif; }
main { max-width: 920px; margin: 2.5rem auto; padding: 2.5rem 3rem; background: var(--bg);
  border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 8px 24px rgba(0,0,0,.04); }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.4rem; margin: 2.2rem 0 .8rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .4rem; color: var(--muted); }
p { margin: .6rem 0; }
ul { margin: .4rem 0 .8rem; padding-left: 1.4rem; }
li { margin: .2rem 0; }
code { font: .88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft);
  padding: .1em .35em; border-radius: 4px; word-break: break-all; }
pre { background: #1f2933; color: #f5f7fa; padding: 1rem 1.2rem; border-radius: 8px; overflow-x: auto; }
pre code { background: none; color: inherit; padding: 0; word-break: normal; white-space: pre-wrap; }
.table-wrap { overflow-x: auto; margin: .8rem 0 1.2rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; font-variant-numeric: tabular-nums; }
th, td { padding: .45rem .7rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; vertical-align: bottom; }
td.r, th.r { text-align: right; }
tbody tr:hover { background: #fafbfc; }
figure { margin: 1.2rem 0; text-align: center; }
figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .3rem; }
hr { border: none; border-top: 1px solid var(--line); margin: 2rem 0; }
.note { padding: .7rem 1rem; border-radius: 8px; margin: .6rem 0; border-left: 4px solid; }
.note.ok { background: #e9f7ef; border-color: #1e8e3e; }
.note.warn { background: #fff6e5; border-color: #e8a10a; }
.note.error { background: #fdecea; border-color: #d93025; }
.note pre { margin: .6rem 0 0; font-size: .82rem; }
.compare { margin: 1rem 0 1.4rem; }
.compare .prompt { background: var(--soft); padding: .6rem .9rem; border-radius: 8px; }
.compare .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-top: .6rem; }
.compare .answer { border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; white-space: pre-wrap; }
.compare .answer h5 { margin: 0 0 .4rem; font-size: .85rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
@media (max-width: 720px) { main { margin: 0; padding: 1.2rem; border-radius: 0; } .compare .pair { grid-template-columns: 1fr; } }
@media print { body { background: #fff; } main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  table { font-size: .8rem; } th, td { padding: .3rem .4rem; } .compare .pair { grid-template-columns: 1fr; } }
"""


def to_html(blocks: list[Block], title: str, lang: str = "en") -> str:
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            body.append(f"<h{level}>{html_spans(block.text)}</h{level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{html_spans(block.text)}</p>")
        elif isinstance(block, Note):
            icon = {"ok": "✅", "warn": "⚠️", "error": "❌"}.get(block.kind, "")
            details = f"<pre><code>{html.escape(block.details.rstrip())}</code></pre>" if block.details else ""
            body.append(f'<div class="note {html.escape(block.kind)}">{icon} {html_spans(block.text)}{details}</div>')
        elif isinstance(block, Bullets):
            body.append(_html_items(block.items))
        elif isinstance(block, Table):
            align = block.align or ["l"] * len(block.header)

            def cls(i: int) -> str:
                return ' class="r"' if i < len(align) and align[i] == "r" else ""

            head = "".join(f"<th{cls(i)}>{html_spans(h)}</th>" for i, h in enumerate(block.header))
            rows = "".join(
                "<tr>" + "".join(f"<td{cls(i)}>{html_spans(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in block.rows
            )
            body.append(f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')
        elif isinstance(block, Code):
            body.append(f"<pre><code>{html.escape(block.text.rstrip())}</code></pre>")
        elif isinstance(block, Figure):
            body.append(f"<figure>{_strip_xml_declaration(block.svg)}<figcaption>{html.escape(block.caption)}</figcaption></figure>")
        elif isinstance(block, Compare):
            body.append(
                '<div class="compare">'
                f'<div class="prompt"><strong>{html_spans(block.title)}</strong> {html.escape(block.prompt)}</div>'
                '<div class="pair">'
                f'<div class="answer"><h5>{html.escape(block.left_title)}</h5>{html.escape(block.left)}</div>'
                f'<div class="answer"><h5>{html.escape(block.right_title)}</h5>{html.escape(block.right)}</div>'
                "</div></div>"
            )
        elif isinstance(block, Rule):
            body.append("<hr>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
