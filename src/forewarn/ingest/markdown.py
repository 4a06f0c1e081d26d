"""Markdown reader: markup stripped to plain paragraphs, headings kept as chapter starts.

Not a full CommonMark parser - fan fiction uses a small subset (headings, emphasis,
links, block quotes, rules), and what matters is the words, the paragraph boundaries and
the headings. Inline HTML is stripped too.
"""

from __future__ import annotations

import html
import re

from forewarn.ingest.structure import (
    SCENE_BREAK,
    Para,
    build_chapters,
    chapter_heading,
    is_scene_break,
    parse_byline,
    split_title_author,
    take_marked_title,
)
from forewarn.work import Metadata, RawDocument

_ATX = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*")
_SETEXT = re.compile(r"(=+|-+)[ \t]*")
_FENCE = re.compile(r"(```|~~~)")
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,3}[.)])[ \t]+(?=\S)")
_QUOTE = re.compile(r"(?:>[ \t]?)+")
_LINK_DEF = re.compile(r"\[[^\]]+\]:[ \t]*\S+.*")
_FRONT_KEY = re.compile(r"(\w[\w -]*?)\s*:\s*(.*)")

# Linear time on hostile input (a 50 MB line of "*a [b "): every scan stops at the next
# bracket and is bounded, and emphasis is removed marker by marker at word edges instead
# of being matched in pairs (pair matching rescans the line from every "*").
_INLINE: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("![", re.compile(r"!\[([^\[\]\n]{0,300})\]\([^()\n]{0,2000}\)"), ""),  # images
    ("[", re.compile(r"\[([^\[\]\n]{1,300})\]\([^()\n]{0,2000}\)"), r"\1"),  # [text](url)
    ("[", re.compile(r"\[([^\[\]\n]{1,300})\]\[[^\[\]\n]{0,300}\]"), r"\1"),  # [text][ref]
    ("<", re.compile(r"<(https?://[^<>\s]{1,2000})>"), r"\1"),  # autolinks
    ("<", re.compile(r"<br\s*/?>", re.IGNORECASE), "\n"),
    ("<", re.compile(r"</?[A-Za-z][^<>\n]{0,200}>"), ""),  # inline HTML tags
    ("`", re.compile(r"`([^`\n]{1,300})`"), r"\1"),
    ("*", re.compile(r"(?<![\w*\\])\*{1,3}(?=[^\s*])|(?<=[^\s*\\])\*{1,3}(?![\w*])"), ""),
    ("_", re.compile(r"(?<![\w\\])_{1,3}(?=[^\s_])|(?<=[^\s_\\])_{1,3}(?!\w)"), ""),
    ("~~", re.compile(r"~~(?=\S)|(?<=\S)~~"), ""),
    ("\\", re.compile(r"\\([\\`*_{}\[\]()#+\-.!~|>])"), r"\1"),
)


def strip_inline(text: str) -> str:
    """Inline Markdown (emphasis, links, images, code, HTML tags, escapes) -> plain text."""
    for trigger, pattern, repl in _INLINE:
        if trigger in text:
            text = pattern.sub(repl, text)
    return html.unescape(text)


def _front_matter(lines: list[str], meta: Metadata) -> tuple[str | None, str | None, int]:
    """YAML-ish front matter (--- key: value ---) -> title, author, lines used."""
    if not lines or lines[0].strip() != "---":
        return None, None, 0
    for end in range(1, min(len(lines), 60)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return None, None, 0
    title = author = None
    for line in lines[1:end]:
        match = _FRONT_KEY.fullmatch(line.strip())
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip().strip("\"'")
        if not value:
            continue
        items = [v.strip().strip("\"'") for v in value.strip("[]").split(",") if v.strip()]
        if key == "title":
            title = value
        elif key in ("author", "authors", "creator"):
            author = value
        elif key == "rating":
            meta.rating = value
        elif key in ("summary", "description"):
            meta.summary = value
        elif key == "language":
            meta.language = value
        elif key in ("fandom", "fandoms"):
            meta.fandoms.extend(items)
        elif key in ("tags", "additional tags", "additional_tags"):
            meta.additional_tags.extend(items)
        elif key in ("characters",):
            meta.characters.extend(items)
        elif key in ("relationships", "pairings", "ships"):
            meta.relationships.extend(items)
        elif key in ("warnings", "archive warnings", "archive_warnings"):
            meta.archive_warnings.extend(items)
    return title, author, end + 1


def markdown_paras(lines: list[str]) -> list[Para]:
    out: list[Para] = []
    buf: list[str] = []
    fenced = False

    def flush() -> None:
        if buf:
            text = "".join(buf).strip()
            buf.clear()
            if text:
                out.append(Para(strip_inline(text)))

    for raw in lines:
        line = raw.rstrip("\n")
        stripped = line.strip()
        if _FENCE.match(stripped):
            flush()
            fenced = not fenced
            continue
        if fenced:
            buf.append(line + "\n")
            continue
        if not stripped:
            flush()
            continue
        atx = _ATX.fullmatch(stripped)
        if atx:
            flush()
            out.append(Para(strip_inline(atx.group(2)), len(atx.group(1))))
            continue
        if buf and _SETEXT.fullmatch(stripped):
            text = strip_inline("".join(buf).strip())
            buf.clear()
            out.append(Para(text, 1 if stripped[0] == "=" else 2))
            continue
        if is_scene_break(stripped) or _SETEXT.fullmatch(stripped):
            flush()
            out.append(Para(SCENE_BREAK))
            continue
        if _LINK_DEF.fullmatch(stripped):
            continue
        quote = _QUOTE.match(stripped)
        if quote:
            stripped = stripped[quote.end() :].strip()
            if not stripped:
                flush()
                continue
        item = _LIST_ITEM.match(stripped)
        if item and not chapter_heading(stripped):
            flush()
            stripped = stripped[item.end() :]
        hard_break = line.endswith("  ") or line.endswith("\\")
        if hard_break:
            stripped = stripped.rstrip("\\").rstrip()
        if buf and not buf[-1].endswith("\n"):
            buf.append(" ")
        buf.append(stripped + ("\n" if hard_break else ""))
    flush()
    return out


def read_markdown(text: str) -> RawDocument:
    meta = Metadata()
    lines = text.split("\n")
    title, author, used = _front_matter(lines, meta)
    paras = markdown_paras(lines[used:])
    if title is None:
        title, by, paras = take_marked_title(paras)
        author = author or by
    if title is None:
        title, by, drop = split_title_author(paras)
        author = author or by
        paras = paras[drop:]
    elif author is None and paras and not paras[0].level:
        author = parse_byline(paras[0].text)
        if author:
            paras = paras[1:]
    return RawDocument(
        format="markdown",
        title=title,
        author=author,
        metadata=meta,
        chapters=build_chapters(paras),
    )
