"""Archive of Our Own markup: the work page saved from the site, and the "Download ->
HTML" file (whose markup AO3's EPUB download reuses, see ingest.epub).

AO3 marks everything we need - tags, summary, notes before and after each chapter and
the work - so notes come back separated from story text here, unlike plain formats.
Chapter titles are normalised to the work page's form: "Chapter 2: Title", or
"Chapter 2" when the author gave none; a single-chapter work has no chapter title.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from forewarn.ingest.checks import has_text
from forewarn.ingest.htmlwalk import classes, has_class, parse_html, text_of, walk
from forewarn.work import Metadata, RawChapter, RawDocument

_WORK_ID = re.compile(r"archiveofourown\.org/works/(\d+)|^/works/(\d+)")
_MARKERS_PAGE = (
    re.compile(r"""id=["']?workskin"""),
    re.compile(r"""class=["'][^"']*\bwork meta\b"""),
)
_MARKER_PREFACE = re.compile(r"""id=["']?preface\b""")
_MARKER_CHAPTERS = re.compile(r"""id=["']?chapters\b""")
_MARKER_TAGS = re.compile(r"""class=["']tags["']|Archive of Our Own|archiveofourown\.org""")
_CHAPTER_N = re.compile(r"Chapter \d+", re.IGNORECASE)

#: dt label (lower case, no colon, singular or plural) -> Metadata list field
TAG_LABELS = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "archive_warnings",
    "archive warnings": "archive_warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tags": "additional_tags",
    "additional tag": "additional_tags",
    "freeform": "additional_tags",
    "language": "language",
}
#: work page dd classes -> Metadata field
_DD_CLASSES = {
    "rating": "rating",
    "warning": "archive_warnings",
    "category": "categories",
    "fandom": "fandoms",
    "relationship": "relationships",
    "character": "characters",
    "freeform": "additional_tags",
}


def is_ao3_work_page(text: str) -> bool:
    return all(m.search(text) for m in _MARKERS_PAGE)


def is_ao3_download(text: str) -> bool:
    return bool(
        _MARKER_PREFACE.search(text) and _MARKER_CHAPTERS.search(text) and _MARKER_TAGS.search(text)
    )


def is_ao3_html(text: str) -> bool:
    return is_ao3_work_page(text) or is_ao3_download(text)


# --- small helpers ----------------------------------------------------------------------


def own_text(tag: Tag) -> str:
    """The text directly inside `tag` (an AO3 tag link holds only its name): bounded even
    when broken markup leaves the link open around the rest of the document."""
    return " ".join("".join(tag.find_all(string=True, recursive=False)).split())


def tag_values(dd: Tag) -> list[str]:
    """The tags in a <dd>: link texts, else the comma-separated text (AO3 tags cannot
    contain commas, so splitting on them is safe)."""
    links = [own_text(a) for a in dd.find_all("a")]
    links = [t for t in links if t]
    if links:
        return links
    return [t.strip() for t in text_of(dd).split(",") if t.strip()]


def set_field(meta: Metadata, field: str, values: list[str]) -> None:
    if not values:
        return
    if field == "rating":
        meta.rating = ", ".join(values)
    elif field == "language":
        meta.language = ", ".join(values)
    else:
        target: list[str] = getattr(meta, field)
        target.extend(v for v in values if v not in target)


def userstuff_paragraphs(tag: Tag | None) -> list[str]:
    if tag is None:
        return []
    return [p.text for p in walk(tag, headings=False)]


def joined(paragraphs: list[str]) -> str | None:
    return "\n\n".join(paragraphs) or None


def find_work_id(soup: Tag) -> str | None:
    for a in soup.find_all("a", href=True):
        match = _WORK_ID.search(str(a.get("href")))
        if match:
            return match.group(1) or match.group(2)
    return None


def drop_landmarks(soup: Tag) -> None:
    """AO3's screen-reader headings ("Chapter Text", "Work Header", ...) are not text."""
    for tag in soup.select(".landmark"):
        tag.decompose()


def canonical_chapter_title(text: str, position: int) -> str:
    """Download heading ("Title" or "Chapter 2") -> work-page form ("Chapter 2: Title")."""
    text = text.strip()
    if not text or _CHAPTER_N.fullmatch(text):
        return text or f"Chapter {position}"
    if re.match(rf"Chapter {position}\s*:", text):
        return text
    return f"Chapter {position}: {text}"


def read_stats(dd: Tag, meta: Metadata) -> None:
    """Stats ("Published: 2020-01-01 Words: 1,234 Chapters: 3/3") -> metadata.extra."""
    pairs = re.findall(r"([A-Z][A-Za-z ]+?):\s*([^:]+?)(?=\s+[A-Z][A-Za-z ]+?:|$)", text_of(dd))
    for key, value in pairs:
        meta.extra[key.strip().lower()] = value.strip()


# --- the work page ------------------------------------------------------------------------


def _work_preface(soup: BeautifulSoup) -> Tag | None:
    for div in soup.select("div.preface.group"):
        names = classes(div)
        if "chapter" not in names and "afterword" not in names:
            return div
    return None


def parse_work_page(soup: BeautifulSoup) -> RawDocument:
    drop_landmarks(soup)
    meta = Metadata()
    dl = soup.select_one("dl.work.meta") or soup.select_one("dl.meta")
    if dl is not None:
        for dd in dl.find_all("dd", recursive=False):
            names = classes(dd)
            for cls, field in _DD_CLASSES.items():
                if cls in names:
                    set_field(meta, field, tag_values(dd))
            if "language" in names:
                meta.language = text_of(dd) or None
            elif "stats" in names:
                read_stats(dd, meta)
            elif "series" in names:
                meta.extra["series"] = text_of(dd)
            elif "collections" in names:
                meta.extra["collections"] = text_of(dd)
    doc = RawDocument(format="ao3-html", metadata=meta)
    meta.extra["ao3_layout"] = "work-page"
    preface = _work_preface(soup)
    if preface is not None:
        doc.title = text_of(preface.select_one("h2.title")) or None
        byline = preface.select_one(".byline")
        if byline is not None:
            authors = [text_of(a) for a in byline.select('a[rel="author"]')]
            doc.author = ", ".join(a for a in authors if a) or text_of(byline) or None
        meta.summary = joined(userstuff_paragraphs(preface.select_one("div.summary blockquote")))
        doc.preface_notes = userstuff_paragraphs(preface.select_one("div.notes blockquote"))
    chapters_div = soup.find(id="chapters")
    if isinstance(chapters_div, Tag):
        chapter_divs = [
            c for c in chapters_div.find_all("div", recursive=False) if has_class(c, "chapter")
        ]
        if not chapter_divs:
            content = chapters_div.select_one("div.userstuff") or chapters_div
            doc.chapters.append(RawChapter(paragraphs=userstuff_paragraphs(content)))
        for position, div in enumerate(chapter_divs, start=1):
            doc.chapters.append(_work_page_chapter(div, position))
    end = soup.select_one("#work_endnotes blockquote") or soup.select_one(
        "div.afterword div.end.notes blockquote"
    )
    doc.end_notes = userstuff_paragraphs(end)
    doc.work_id = find_work_id(preface or soup) or find_work_id(soup)
    if doc.work_id:
        meta.source_url = f"https://archiveofourown.org/works/{doc.work_id}"
    return doc


def _work_page_chapter(div: Tag, position: int) -> RawChapter:
    chapter = RawChapter()
    title = div.select_one("h3.title")
    chapter.title = text_of(title).replace(" :", ":") if title else f"Chapter {position}"
    summary = div.select_one("div.summary blockquote")
    chapter.summary = joined(userstuff_paragraphs(summary))
    for notes in div.select("div.notes"):
        quote = notes.find("blockquote")
        if not isinstance(quote, Tag):
            continue
        if "end" in classes(notes):
            chapter.end_notes.extend(userstuff_paragraphs(quote))
        else:
            chapter.notes.extend(userstuff_paragraphs(quote))
    content = div.select_one('div.userstuff[role="article"]') or div.select_one(
        "div.userstuff.module"
    )
    if content is None:
        content = next(
            (u for u in div.select("div.userstuff") if u.find_parent("blockquote") is None), None
        )
    chapter.paragraphs = userstuff_paragraphs(content)
    return chapter


# --- the download file (and AO3's EPUB) ----------------------------------------------------


def _label(tag: Tag) -> str:
    return text_of(tag).rstrip(":").strip().lower()


def _labelled_blockquotes(container: Tag) -> dict[str, list[str]]:
    """<p>Summary</p><blockquote>..</blockquote> pairs -> {"summary": paragraphs}."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for child in container.find_all(["p", "blockquote", "div"], recursive=False):
        if child.name == "p" and len(text_of(child)) < 40:
            current = _label(child)
        elif child.name == "blockquote" and current:
            out.setdefault(current, []).extend(userstuff_paragraphs(child))
            current = None
        elif child.name == "div" and not has_class(child, "endnote-link"):
            for key, value in _labelled_blockquotes(child).items():
                out.setdefault(key, []).extend(value)
    return out


def _read_download_preface(preface: Tag, doc: RawDocument) -> None:
    meta = doc.metadata
    for dl in preface.find_all("dl"):
        for dt in dl.find_all("dt", recursive=False):
            dd = dt.find_next_sibling("dd")
            if not isinstance(dd, Tag):
                continue
            label = _label(dt)
            if label in TAG_LABELS:
                set_field(meta, TAG_LABELS[label], tag_values(dd))
            elif label == "stats":
                read_stats(dd, meta)
            elif label in ("series", "collections"):
                meta.extra[label] = text_of(dd)
    h1 = preface.find("h1")
    if isinstance(h1, Tag):
        doc.title = text_of(h1) or doc.title
    message = preface.select_one("p.message")
    if doc.title is None and message is not None and isinstance(message.find("b"), Tag):
        doc.title = text_of(message.find("b")) or None
    byline = preface.select_one(".byline")
    if byline is not None:
        authors = [text_of(a) for a in byline.select('a[rel="author"]')]
        text = re.sub(r"^by\s+", "", text_of(byline), flags=re.IGNORECASE)
        doc.author = ", ".join(a for a in authors if a) or text or None
    labelled = _labelled_blockquotes(preface)
    meta.summary = joined(labelled.get("summary", [])) or meta.summary
    doc.preface_notes = labelled.get("notes", doc.preface_notes)
    doc.work_id = find_work_id(preface) or doc.work_id
    if doc.work_id:
        meta.source_url = f"https://archiveofourown.org/works/{doc.work_id}"


def _is_chapter_meta(tag: Tag) -> bool:
    if tag.name != "div" or not has_class(tag, "meta"):
        return False
    h2 = tag.find("h2")
    return isinstance(h2, Tag) and "toc-heading" not in classes(h2)


def _is_chapter_endnotes(tag: Tag) -> bool:
    ident = str(tag.get("id") or "")
    return tag.name == "div" and ident.startswith("endnotes") and ident != "endnotes"


def parse_download(root: Tag, fmt: str = "ao3-html") -> RawDocument:
    """Walk a download file - or the concatenated spine of AO3's EPUB, whose files repeat
    fragments of the same structure - in document order."""
    drop_landmarks(root)
    doc = RawDocument(format=fmt)
    doc.metadata.extra["ao3_layout"] = "download"
    current: RawChapter | None = None
    stack: list[Tag] = [root]
    while stack:
        node = stack.pop()
        ident = str(node.get("id") or "")
        if ident == "preface":
            _read_download_preface(node, doc)
            continue
        if ident == "afterword" or ident == "endnotes":
            labelled = _labelled_blockquotes(node)
            doc.end_notes.extend(labelled.get("end notes", []))
            continue
        if _is_chapter_meta(node):
            current = RawChapter()
            doc.chapters.append(current)
            h2 = node.find("h2")
            current.title = canonical_chapter_title(
                text_of(h2) if isinstance(h2, Tag) else "", len(doc.chapters)
            )
            labelled = _labelled_blockquotes(node)
            current.summary = joined(labelled.get("chapter summary", []))
            current.notes = labelled.get("chapter notes", [])
            continue
        if _is_chapter_endnotes(node):
            if current is not None:
                current.end_notes.extend(_labelled_blockquotes(node).get("chapter end notes", []))
            continue
        if node.name == "div" and has_class(node, "userstuff") and ident != "chapters":
            if current is None:
                current = RawChapter()
                doc.chapters.append(current)
            current.paragraphs.extend(userstuff_paragraphs(node))
            continue
        children = [c for c in node.contents if isinstance(c, Tag)]
        stack.extend(reversed(children))
    if len(doc.chapters) == 1 and doc.chapters[0].title == "Chapter 1":
        # A one-chapter work has no chapter heading on the work page either.
        doc.chapters[0].title = None
    return doc


def read_ao3_html(markup: str) -> RawDocument:
    """AO3 work page or download; a page that only looked like AO3 (the markers matched
    but no story text sits where AO3 puts it) is read as generic HTML instead."""
    soup = parse_html(markup)
    doc = parse_work_page(soup) if is_ao3_work_page(markup) else parse_download(soup)
    if has_text(doc):
        return doc
    from forewarn.ingest.html import read_html

    return read_html(markup)
