"""Shared shape-finding for readers: paragraph clean-up, scene breaks, chapter headings,
title/byline lines, and turning a flat list of paragraphs into chapters.

Every reader that cannot take chapters straight from markup (plain text, Markdown,
generic HTML, DOCX, generic EPUB pages) ends here, so "Chapter 2" is a chapter and
"* * *" is a scene break the same way in every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forewarn.limits import MAX_CHAPTERS, MAX_HEADING_CHARS, MAX_PARAGRAPH_CHARS, MAX_WORD_CHARS
from forewarn.work import RawChapter

#: How every reader writes a scene break ("* * *", "***", "---", "~o~", <hr>, ...), so
#: segmentation sees one spelling. It stays a paragraph of its own: it is structure the
#: author put there, and a boundary passages should not straddle.
SCENE_BREAK = "* * *"

_UNICODE_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
_UNICODE_SPACE_TABLE = str.maketrans({ch: " " for ch in _UNICODE_SPACES})
_ASCII_SPACES = re.compile(" {2,}")
_LONG_WORD = re.compile(r"\S{" + str(MAX_WORD_CHARS + 1) + ",}")
_BREAK_SYMBOLS = set("*~=_#+•·◇◆○●❖✦✧§-–—/\\|<>^°")
_BREAK_WORDISH = re.compile(
    r"[-~=*_+\s]*(?:o+O+o+|O+o+O+|x+X+x+|X+x+X+|0+o+0+|o+0+o+)[-~=*_+\s]*", re.ASCII
)

_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_NUMBER = r"(?:\d{1,4}|" + _ROMAN + "|" + _NUMBER_WORDS + r")"
# "Chapter 1", "CHAPTER ONE", "Chapter 1: Title", "Ch. 3 - Title", "Part II", "Book 2"
_NUMBERED_HEADING = re.compile(
    r"(?:chapter|chap\.?|ch\.|part|book|act|volume|vol\.)\s*" + _NUMBER + r"\b"
    r"(?:(?P<sep>\s*[:.\-–—|]\s*|\s+)(?P<rest>.*))?",
    re.IGNORECASE,
)
_NAMED_HEADING = re.compile(
    r"(?:prologue|epilogue|interlude|afterword|foreword)\b(?:\s*(?:[:.\-–—|])\s*.*)?",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"\d{1,3}\.?|[IVXLC]{1,6}\.")
_BYLINE = re.compile(r"(?:by|written by|author:)\s+(?P<author>\S.{0,79})", re.IGNORECASE)
_TITLE_BY = re.compile(r"(?P<title>\S.{0,99}?)\s+by\s+(?P<author>\S[^\n]{0,59})", re.IGNORECASE)
_NOT_AUTHORS = {"me", "you", "him", "her", "us", "them", "it", "night", "day", "myself"}


@dataclass
class Para:
    """One paragraph as found; `level` 1-6 when the markup says it is a heading."""

    text: str
    level: int = 0


def _collapse_spaces(line: str) -> str:
    # Substituting every single space of a 50 MB line costs seconds; only touch what
    # needs it (str.__contains__ is a fast memory scan, a regex pass is not).
    if not line.isascii() and any(ch in line for ch in _UNICODE_SPACES):
        line = line.translate(_UNICODE_SPACE_TABLE)
    if "  " in line:
        line = _ASCII_SPACES.sub(" ", line)
    return line.strip()


def _has_long_word(text: str) -> bool:
    """Is there a run of more than MAX_WORD_CHARS non-space characters?

    Short texts ask the regex. Long ones (a 50 MB single line) are screened with numpy
    over the UTF-8 bytes in bounded chunks - a byte run is never shorter than its
    character run, so "no long byte run" is a safe no - and only a yes is confirmed by
    the (slower) regex."""
    if len(text) < 200_000:
        return _LONG_WORD.search(text) is not None
    import numpy as np

    raw = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)
    chunk = 4 * 1024 * 1024
    for start in range(0, raw.size, chunk):
        window = raw[start : start + chunk + MAX_WORD_CHARS + 1]
        spaces = np.flatnonzero((window == 32) | (window == 10))
        if spaces.size == 0:
            longest = window.size
        else:
            inner = int(np.diff(spaces).max()) - 1 if spaces.size > 1 else 0
            longest = max(inner, int(spaces[0]), int(window.size - 1 - spaces[-1]))
        if longest > MAX_WORD_CHARS:
            return _LONG_WORD.search(text) is not None
    return False


def clean_paragraph(text: str) -> str:
    """Collapse runs of spaces, trim each line, drop blank lines, cut absurd 'words'.

    Line breaks inside a paragraph (<br>, lyrics, poetry) are kept as "\\n"."""
    lines = [_collapse_spaces(line) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if len(text) > MAX_WORD_CHARS and _has_long_word(text):
        text = _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_CHARS] + "…", text)
    if is_scene_break(text):
        return SCENE_BREAK
    return text


def split_prose_lines(text: str) -> list[str]:
    """A paragraph whose line breaks separate long prose lines (one <br> between
    paragraphs, as in many PAN/AO3 texts) -> one paragraph per line. Short lines (verse,
    lyrics, a list) keep their breaks inside one paragraph."""
    if "\n" not in text:
        return [text]
    lines = text.split("\n")
    if sum(len(line) for line in lines) / len(lines) > 100:
        return lines
    return [text]


def split_long(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> list[str]:
    """Split a paragraph longer than `limit` at sentence ends, else spaces, else anywhere.

    Linear in the length of the text: each cut looks back at most `limit` characters."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    start = 0
    n = len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit - 1
        piece = window[: cut + 1].strip()
        if piece:
            parts.append(piece)
        start += cut + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def paragraphs_from(texts: list[str]) -> list[str]:
    """Clean and size-cap a list of raw paragraph strings, dropping empty ones."""
    out: list[str] = []
    for raw in texts:
        text = clean_paragraph(raw)
        if text:
            out.extend(split_long(text))
    return out


def is_scene_break(text: str) -> bool:
    if not text or len(text) > 40 or "\n" in text:
        return False
    if text == SCENE_BREAK:
        return True
    compact = text.replace(" ", "")
    if len(compact) >= 3 and all(ch in _BREAK_SYMBOLS for ch in compact):
        return True
    return bool(_BREAK_WORDISH.fullmatch(text))


def chapter_heading(text: str) -> bool:
    """Does this paragraph, on its own, read as a chapter heading?

    "Chapter 1", "CHAPTER ONE", "Chapter 3: The Storm", "Part II", "Prologue", "1." -
    but not prose that happens to start with "Part of me..." or "Chapter one was over."
    and never a long line."""
    text = text.strip()
    if not text or len(text) > MAX_HEADING_CHARS or "\n" in text:
        return False
    if _BARE_NUMBER.fullmatch(text) or _NAMED_HEADING.fullmatch(text):
        return True
    match = _NUMBERED_HEADING.fullmatch(text)
    if not match:
        return False
    rest = (match.group("rest") or "").strip()
    if not rest:
        return True
    if len(rest.split()) > 12:
        return False
    punctuated = bool(match.group("sep").strip())
    if punctuated:
        return True
    # Separated by a space only: "Part II The Return" yes, "Chapter 1 was hard." no.
    return rest[:1].isupper() and not rest.endswith((".", ",", ";", "!", "?"))


def parse_byline(text: str) -> str | None:
    """ "by Author" (a line of its own) -> "Author"."""
    text = text.strip()
    if "\n" in text or len(text) > 90:
        return None
    match = _BYLINE.fullmatch(text)
    if not match:
        return None
    author = match.group("author").strip()
    return author if author.lower() not in _NOT_AUTHORS else None


def _title_like(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= 100
        and "\n" not in text
        and not text.endswith((".", ",", ";", "!", '?"', '."', "”"))
        and not chapter_heading(text)
        and not is_scene_break(text)
        and not re.match(r"(?i)(warnings?|tw|cw|notes?|summary|rating|disclaimer)\s*:", text)
    )


def split_title_author(paras: list[Para]) -> tuple[str | None, str | None, int]:
    """Title and author from the first paragraphs when obvious; returns how many to drop.

    Recognised: "Title" + "by Author" (same paragraph or next) and "Title by Author"
    (not "Stand by Me"). Marked headings are take_marked_title's job."""
    if not paras:
        return None, None, 0
    first = paras[0].text.strip()
    lines = first.split("\n")
    if len(lines) == 2 and _title_like(lines[0]):
        author = parse_byline(lines[1])
        if author:
            return lines[0].strip(), author, 1
    if len(lines) != 1:
        return None, None, 0
    if len(paras) > 1 and _title_like(first):
        author = parse_byline(paras[1].text)
        if author:
            return first, author, 2
    match = _TITLE_BY.fullmatch(first)
    if match and len(first) <= MAX_HEADING_CHARS and not first.endswith("."):
        title, author = match.group("title").strip(), match.group("author").strip()
        if (
            author.lower() not in _NOT_AUTHORS
            and len(author.split()) <= 4
            and _title_like(title)
            and (paras[0].level or len(paras) > 1)
        ):
            return title, author, 1
    return None, None, 0


def take_marked_title(paras: list[Para]) -> tuple[str | None, str | None, list[Para]]:
    """The first heading is the work's title when it comes before any text, is not itself
    a chapter heading, and every other heading at its level is one (or there is none)."""
    if not paras or not paras[0].level or chapter_heading(paras[0].text):
        return None, None, paras
    level = paras[0].level
    rest = paras[1:]
    if any(p.level and p.level < level for p in rest):
        return None, None, paras
    if not all(chapter_heading(p.text) for p in rest if p.level == level):
        return None, None, paras
    author = parse_byline(rest[0].text) if rest and not rest[0].level else None
    return paras[0].text, author, rest[1:] if author else rest


def build_chapters(paras: list[Para]) -> list[RawChapter]:
    """Flat paragraphs -> chapters.

    Marked headings (HTML <h*>, Markdown #, DOCX Heading styles) start chapters at the
    top-most level used, and at any level when they read as chapter headings ("Chapter
    2: ..."); other deeper headings stay as paragraphs. Without marked headings,
    paragraphs that read as chapter headings start chapters. A short
    run of paragraphs before the first heading (author's notes, usually) is kept at the
    start of chapter 1; a long one becomes an untitled opening chapter (a prologue)."""
    marked = [p.level for p in paras if p.level]
    top = min(marked) if marked else 0
    starts: list[int] = []
    for i, para in enumerate(paras):
        if top:
            is_start = para.level == top or bool(para.level) and chapter_heading(para.text)
        else:
            is_start = chapter_heading(para.text)
        if is_start:
            starts.append(i)
    starts = starts[:MAX_CHAPTERS]
    if not starts:
        return [RawChapter(paragraphs=paragraphs_from([p.text for p in paras]))]
    chapters: list[RawChapter] = []
    lead = paragraphs_from([p.text for p in paras[: starts[0]]])
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(paras)
        title = clean_paragraph(paras[start].text).replace("\n", " ") or None
        body = paragraphs_from([p.text for p in paras[start + 1 : end]])
        if chapters and not chapters[-1].paragraphs:
            # The previous heading had nothing under it ("Part One" then "Chapter 1"):
            # the nearer heading names the chapter.
            chapters[-1].title = title
            chapters[-1].paragraphs = body
        else:
            chapters.append(RawChapter(title=title, paragraphs=body))
    chapters = [c for c in chapters if c.paragraphs]
    if lead:
        words = sum(len(p.split()) for p in lead)
        if chapters and len(lead) <= 6 and words <= 400:
            chapters[0].paragraphs = lead + chapters[0].paragraphs
        else:
            chapters.insert(0, RawChapter(paragraphs=lead))
    return chapters
