"""DOCX reader (zipfile + defusedxml, no python-docx): word/document.xml paragraphs,
Heading styles as chapter starts, the Title style and docProps/core.xml for the title
and author.

Text boxes and the fallback half of mc:AlternateContent would repeat text, deleted
revisions (w:del) are not text, footnotes are not read.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from forewarn.errors import CorruptFile
from forewarn.ingest.safezip import SafeZip
from forewarn.ingest.structure import (
    Para,
    build_chapters,
    parse_byline,
    split_prose_lines,
    split_title_author,
    take_marked_title,
)
from forewarn.ingest.textdecode import clean_text
from forewarn.ingest.xmlsafe import attr, children, descendants, first, local, parse_xml, text
from forewarn.work import Metadata, RawDocument

_HEADING = re.compile(
    r"heading\s*(\d)|berschrift\s*(\d)|titre\s*(\d)|t[ií]tulo\s*(\d)", re.IGNORECASE
)
_SKIP = {"delText", "instrText", "txbxContent", "Fallback", "footnoteReference", "commentReference"}


def _style_names(z: SafeZip) -> dict[str, str]:
    """styleId -> style name ("Heading1" -> "heading 1"), so localised ids still work."""
    name = z.find("word/styles.xml")
    if name is None:
        return {}
    root = parse_xml(z.read(name), "the DOCX styles")
    out: dict[str, str] = {}
    for style in descendants(root, "style"):
        ident = attr(style, "styleId")
        label = first(style, "name")
        if ident and label is not None:
            out[ident] = attr(label, "val") or ident
    return out


def _heading_level(style: str) -> int:
    """1-6 for heading styles, 0 otherwise; the Title style counts as level 0 (title)."""
    match = _HEADING.search(style.replace("_", " "))
    if match:
        digit = next(g for g in match.groups() if g)
        return max(1, min(6, int(digit)))
    return 0


def _paragraph_text(p: Element) -> str:
    """Runs of one w:p, in order, skipping nested paragraphs (text boxes) and deletions."""
    out: list[str] = []
    stack: list[Element] = list(reversed(list(p)))
    while stack:
        node = stack.pop()
        name = local(node.tag)
        if name in _SKIP or name == "p":
            continue
        if name == "t":
            out.append(node.text or "")
        elif name == "tab":
            out.append(" ")
        elif name in ("br", "cr"):
            out.append("\n")
        elif name == "noBreakHyphen":
            out.append("-")
        else:
            stack.extend(reversed(list(node)))
    return "".join(out)


def _paragraphs(body: Element) -> list[Element]:
    """Every w:p in document order, not descending into mc:Fallback (a duplicate of
    mc:Choice for old readers) or deleted revisions."""
    out: list[Element] = []
    stack: list[Element] = [body]
    while stack:
        node = stack.pop()
        name = local(node.tag)
        if name in ("Fallback", "del"):
            continue
        if name == "p":
            out.append(node)
        stack.extend(reversed(list(node)))
    return out


def _core(z: SafeZip) -> dict[str, str]:
    name = z.find("docProps/core.xml")
    if name is None:
        return {}
    root = parse_xml(z.read(name), "the DOCX document properties")
    return {local(e.tag): text(e) for e in root if text(e)}


def read_docx(data: bytes) -> RawDocument:
    with SafeZip(data, "DOCX") as z:
        document = z.find("word/document.xml")
        if document is None:
            raise CorruptFile("this DOCX has no word/document.xml")
        root = parse_xml(z.read(document), "the DOCX document")
        styles = _style_names(z)
        core = _core(z)
    body = first(root, "body")
    if body is None:
        raise CorruptFile("this DOCX document has no body")
    paras: list[Para] = []
    title: str | None = None
    for p in _paragraphs(body):
        style_id = ""
        ppr = next(children(p, "pPr"), None)
        if ppr is not None:
            pstyle = next(children(ppr, "pStyle"), None)
            if pstyle is not None:
                style_id = attr(pstyle, "val") or ""
        style = styles.get(style_id, style_id)
        content = clean_text(_paragraph_text(p)).strip()
        if not content:
            continue
        if style.lower().replace(" ", "") == "title" and title is None and not paras:
            title = content.replace("\n", " ")
            continue
        level = _heading_level(style)
        if level:
            paras.append(Para(content.replace("\n", " "), level))
        else:
            paras.extend(Para(piece) for piece in split_prose_lines(content))
    author = None
    if title is not None and paras and not paras[0].level:
        author = parse_byline(paras[0].text)
        if author:
            paras = paras[1:]
    if title is None:
        title, author, paras = take_marked_title(paras)
        if title is None:
            title, author, drop = split_title_author(paras)
            paras = paras[drop:]
    meta = Metadata(language=core.get("language") or None)
    if core.get("description"):
        meta.summary = core["description"]
    return RawDocument(
        format="docx",
        title=title or core.get("title") or None,
        author=author or core.get("creator") or None,
        metadata=meta,
        chapters=build_chapters(paras),
    )
