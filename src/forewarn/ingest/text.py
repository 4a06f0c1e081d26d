"""Plain-text reader: decoded text -> paragraphs -> chapters, with the title, author and
AO3-style "Rating: / Fandom: / ..." header lines picked up when they are obvious."""

from __future__ import annotations

import re

from forewarn.ingest.structure import Para, build_chapters, split_prose_lines, split_title_author
from forewarn.work import Metadata, RawDocument

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_HEADER_LINE = re.compile(
    r"(?P<key>title|author|rating|fandoms?|pairings?|relationships?|ships?|characters?|"
    r"summary|language|archive warnings?|categor(?:y|ies)|additional tags|tags)\s*:\s*"
    r"(?P<value>\S.*)",
    re.IGNORECASE,
)
_LIST_FIELDS = {
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "pairing": "relationships",
    "pairings": "relationships",
    "relationship": "relationships",
    "relationships": "relationships",
    "ship": "relationships",
    "ships": "relationships",
    "character": "characters",
    "characters": "characters",
    "archive warning": "archive_warnings",
    "archive warnings": "archive_warnings",
    "category": "categories",
    "categories": "categories",
    "additional tags": "additional_tags",
    "tags": "additional_tags",
}


def _split_block(block: str) -> list[str]:
    """One blank-line-separated block -> paragraphs.

    Hard-wrapped prose (lines of similar width) is joined with spaces; a block of long
    lines is one paragraph per line; anything else (verse, lyrics, short exchanges)
    keeps its line breaks inside one paragraph."""
    lines = [line.strip() for line in block.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) <= 1:
        return lines
    body = lines[:-1]
    if max(len(line) for line in lines) <= 100 and sum(len(x) >= 50 for x in body) >= 0.7 * len(
        body
    ):
        return [" ".join(lines)]
    return split_prose_lines("\n".join(lines))


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a text with no blank lines at all has one
    paragraph per line."""
    blocks = _BLANK_LINES.split(text.strip("\n"))
    if len(blocks) == 1 and blocks[0].count("\n") >= 3:
        return [line.strip() for line in blocks[0].split("\n") if line.strip()]
    out: list[str] = []
    for block in blocks:
        out.extend(_split_block(block))
    return out


def _read_header(paras: list[str], meta: Metadata) -> tuple[str | None, str | None, list[str]]:
    """ "Title: / Author: / Rating: ..." lines in the first few paragraphs.

    Title and Author lines are removed (they are not story); the other lines stay in the
    text, where declared-warning parsing reads them, and are copied into metadata."""
    title = author = None
    out = list(paras)
    for index in range(min(3, len(paras))):
        lines = paras[index].split("\n")
        matches = [_HEADER_LINE.fullmatch(line.strip()) for line in lines]
        found = [m for m in matches if m]
        if len(found) < 2 and not (found and found[0].group("key").lower() in ("title", "author")):
            continue
        kept: list[str] = []
        for line, match in zip(lines, matches, strict=True):
            if not match:
                kept.append(line)
                continue
            key = match.group("key").lower()
            value = match.group("value").strip()
            if key == "title":
                title = value
                continue
            if key == "author":
                author = value
                continue
            kept.append(line)
            if key == "rating":
                meta.rating = value
            elif key == "summary":
                meta.summary = value
            elif key == "language":
                meta.language = value
            elif key in _LIST_FIELDS:
                target: list[str] = getattr(meta, _LIST_FIELDS[key])
                target.extend(v.strip() for v in value.split(",") if v.strip())
        out[index] = "\n".join(kept)
    return title, author, [p for p in out if p.strip()]


def read_text(text: str, fmt: str = "text") -> RawDocument:
    """Clean text (see textdecode.clean_text) -> RawDocument."""
    meta = Metadata()
    paras = split_paragraphs(text)
    title, author, paras = _read_header(paras, meta)
    items = [Para(p) for p in paras]
    if title is None and author is None:
        title, author, drop = split_title_author(items)
        items = items[drop:]
    return RawDocument(
        format=fmt, title=title, author=author, metadata=meta, chapters=build_chapters(items)
    )
