"""HTML -> paragraphs, shared by the HTML, AO3, EPUB and PAN readers.

One walk over the tree, in document order, without recursion (so 100,000 nested <div>s
cannot overflow the stack): block elements end paragraphs, <br><br> ends a paragraph,
a single <br> is a line break inside it, <hr> is a scene break, headings are reported
with their level so the caller decides whether they start chapters.
"""

from __future__ import annotations

import re
import warnings

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    NavigableString,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from forewarn.errors import HostileInput
from forewarn.ingest.structure import SCENE_BREAK, Para, clean_paragraph, split_prose_lines
from forewarn.limits import MAX_HTML_DEPTH

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "pre",
        "figure",
        "figcaption",
        "center",
        "aside",
        "address",
        "header",
        "footer",
        "body",
        "html",
        "details",
        "summary",
        "hgroup",
        "fieldset",
        "legend",
    ]
)
HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Never text: scripts, styles, navigation, forms, embedded media.
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "head",
        "title",
        "meta",
        "link",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "form",
        "button",
        "select",
        "textarea",
        "input",
        "audio",
        "video",
        "picture",
        "source",
        "map",
    ]
)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_WS = re.compile(r"\s+")


def refuse_entities(data: bytes | str) -> None:
    """Entity declarations are how XXE and billion-laughs attacks start; no story needs
    them, so refuse before any parser sees them."""
    raw = data.encode("utf-8", "ignore") if isinstance(data, str) else data
    if _ENTITY_DECL.search(raw):
        raise HostileInput("the file declares XML entities (XXE / entity expansion); refused")


def check_depth(markup: str | bytes) -> None:
    """Refuse absurd nesting with lxml alone (linear, in C) before bs4 builds its tree:
    bs4's tree builder slows down with depth (its linkage fix-ups walk the open
    elements), so a deep file must never reach it."""
    from lxml import etree

    text = isinstance(markup, str)
    data = markup.encode("utf-8", "replace") if isinstance(markup, str) else markup
    parser = etree.HTMLParser(huge_tree=True, encoding="utf-8" if text else None)
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return  # bs4 copes with what lxml cannot start on
    if root is None:
        return
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_HTML_DEPTH:
            raise HostileInput(f"the HTML is nested more than {MAX_HTML_DEPTH} levels deep")


def parse_html(markup: str | bytes) -> BeautifulSoup:
    """bs4 + lxml's lenient HTML parser, after refusing entity declarations."""
    refuse_entities(markup)
    check_depth(markup)
    try:
        with warnings.catch_warnings():
            # XHTML through the HTML parser is deliberate (lenient with sloppy EPUBs), and
            # a short text that looks like a file name is still text.
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            return BeautifulSoup(markup, "lxml")
    except RecursionError:
        raise HostileInput("the HTML is nested too deeply to read") from None


def classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def has_class(tag: Tag, *names: str) -> bool:
    have = classes(tag)
    return all(name in have for name in names)


def text_of(tag: Tag | None) -> str:
    """All text of an element on one line, whitespace collapsed."""
    if tag is None:
        return ""
    return _WS.sub(" ", tag.get_text(" ")).strip()


def walk(root: Tag, *, headings: bool = True) -> list[Para]:
    """Paragraphs of `root` in order. With `headings=False`, <h1>-<h6> come back as plain
    paragraphs (inside an AO3 chapter a heading is decoration, not a new chapter)."""
    out: list[Para] = []
    buf: list[str] = []
    pending_br = 0

    def flush() -> None:
        nonlocal pending_br
        pending_br = 0
        if buf:
            text = clean_paragraph("".join(buf))
            buf.clear()
            if text:
                out.extend(Para(piece) for piece in split_prose_lines(text))

    # Stack of (node, depth); a None node means "leaving a block element": flush.
    stack: list[tuple[Tag | NavigableString | None, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if node is None:
            flush()
            continue
        if isinstance(node, NavigableString):
            if isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            text = str(node)
            if text.strip():
                pending_br = 0
            buf.append(_WS.sub(" ", text))
            continue
        if depth > MAX_HTML_DEPTH:
            raise HostileInput(f"the HTML is nested more than {MAX_HTML_DEPTH} levels deep")
        name = (node.name or "").lower()
        if name in SKIP_TAGS or node.has_attr("hidden"):
            continue
        if name == "br":
            pending_br += 1
            if pending_br >= 2:
                flush()
            else:
                buf.append("\n")
            continue
        if name == "hr":
            flush()
            out.append(Para(SCENE_BREAK))
            continue
        if name in HEADING_TAGS:
            flush()
            text = text_of(node)
            if text:
                text = clean_paragraph(text)
                out.append(Para(text, HEADING_TAGS[name] if headings else 0))
            continue
        block = name in BLOCK_TAGS
        if block:
            flush()
            stack.append((None, depth))
        for child in reversed(node.contents):
            if isinstance(child, Tag | NavigableString):
                stack.append((child, depth + 1))
    flush()
    return out


def plain_text(markup: str) -> str:
    """HTML fragment (an OPF description, a summary) -> text, paragraphs joined by blank
    lines. Plain text passes through unchanged."""
    if "<" not in markup:
        return markup.strip()
    soup = parse_html(markup)
    return "\n\n".join(p.text for p in walk(soup, headings=False))
