"""EPUB reader (zipfile + defusedxml, no ebooklib): container.xml -> OPF -> spine.

Three flavours, told apart by content:
- "ao3-epub": AO3's own download. Its spine files carry the same markup as the HTML
  download (preface with dl.tags, chapter meta groups, userstuff, afterword), so the
  spine is concatenated and read with ingest.ao3.parse_download.
- "fanficfare-epub": FanFicFare's title_page.xhtml ("Rating:", "Warnings:", ... lines or
  a table) and file0001.xhtml... chapters with fff_chapter_notes head/foot notes.
- "epub": anything else; one chapter per spine document (headings inside a document
  split it further), navigation / cover / title pages skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag

from forewarn.errors import CorruptFile, UnsupportedFormat
from forewarn.ingest import ao3
from forewarn.ingest.htmlwalk import classes, parse_html, plain_text, text_of, walk
from forewarn.ingest.safezip import SafeZip, resolve_href
from forewarn.ingest.structure import Para, build_chapters, paragraphs_from, parse_byline
from forewarn.ingest.textdecode import clean_text, decode
from forewarn.ingest.xmlsafe import attr, children, descendants, first, local, parse_xml, text
from forewarn.work import Metadata, RawChapter, RawDocument

#: Prefix of the dc:subject entries `forewarn tag-epub` writes (kept here, where they are read).
SUBJECT_PREFIX = "Content warning: "

_XHTML_TYPES = ("application/xhtml+xml", "text/html", "application/xml", "text/xml")
_SKIP_NAME = re.compile(
    r"(?:^|[/_.-])(?:nav|toc|cover|titlepage|title_page|title-page|copyright|colophon|"
    r"toc_page|log_page|jacket|wrap\d*)(?:[_.-]|$)",
    re.IGNORECASE,
)
_SKIP_TYPES = {"toc", "cover", "titlepage", "copyright-page", "landmarks", "colophon", "index"}
_VOID = "br|hr|img|meta|link|input|col|area|base|wbr|source|embed|param|track"
_SELF_CLOSING = re.compile(r"<(?!(?:" + _VOID + r")\b)([a-zA-Z][\w:.-]*)(\s[^<>]*?)?/>")
_AO3_CATEGORIES = {"F/F", "F/M", "Gen", "M/M", "Multi", "Other"}
_ENCRYPTION_FONT = re.compile(r"embedding|obfuscation", re.IGNORECASE)
# Dublin Core elements read from the OPF: single-valued (the first one counts) and
# repeatable (element -> Package list field)
_DC_FIRST = {"title", "description", "language", "source", "publisher"}
_DC_ALL = {
    "creator": "creators",
    "subject": "subjects",
    "contributor": "contributors",
    "identifier": "identifiers",
}


@dataclass
class SpineDoc:
    path: str
    ident: str
    properties: str
    markup: str
    soup: BeautifulSoup


@dataclass
class Package:
    """What the OPF says."""

    title: str | None = None
    creators: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    description: str | None = None
    language: str | None = None
    source: str | None = None
    publisher: str | None = None
    contributors: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    spine: list[tuple[str, str, str]] = field(default_factory=list)  # (path, id, properties)
    toc_titles: dict[str, str] = field(default_factory=dict)  # path -> navigation label


def _check_drm(z: SafeZip) -> None:
    name = z.find("META-INF/encryption.xml")
    if name is None:
        return
    root = parse_xml(z.read(name), "the EPUB encryption file")
    for method in descendants(root, "EncryptionMethod"):
        if not _ENCRYPTION_FONT.search(attr(method, "Algorithm") or ""):
            raise UnsupportedFormat("this EPUB is DRM-protected; forewarn cannot read it")


def _opf_path(z: SafeZip) -> str:
    container = z.find("META-INF/container.xml")
    if container is not None:
        root = parse_xml(z.read(container), "the EPUB container file")
        for rootfile in descendants(root, "rootfile"):
            path = resolve_href("", attr(rootfile, "full-path") or "")
            if path and z.has(path):
                return z.find(path) or path
    candidates = [n for n in z.names() if n.lower().endswith(".opf")]
    if not candidates:
        raise CorruptFile("this EPUB has no package (.opf) file")
    return candidates[0]


def _read_package(z: SafeZip, opf_path: str) -> Package:
    root = parse_xml(z.read(opf_path), "the EPUB package file")
    base = opf_path.rsplit("/", 1)[0] if "/" in opf_path else ""
    pkg = Package()
    metadata = first(root, "metadata")
    if metadata is not None:
        for elem in metadata.iter():
            name, value = local(elem.tag), text(elem)
            if not value:
                continue
            if name in _DC_FIRST and getattr(pkg, name) is None:
                setattr(pkg, name, value)  # the first one counts
            elif name in _DC_ALL:
                getattr(pkg, _DC_ALL[name]).append(value)
    manifest: dict[str, tuple[str, str, str]] = {}
    toc_id = None
    nav_path = None
    for section in children(root, "manifest"):
        for item in children(section, "item"):
            ident = attr(item, "id") or ""
            path = resolve_href(base, attr(item, "href") or "")
            if not ident or path is None:
                continue  # escapes the archive: ignored
            props = attr(item, "properties") or ""
            manifest[ident] = (path, attr(item, "media-type") or "", props)
            if "nav" in props.split():
                nav_path = path
    for spine in children(root, "spine"):
        toc_id = attr(spine, "toc")
        for ref in children(spine, "itemref"):
            entry = manifest.get(attr(ref, "idref") or "")
            if entry is None:
                continue
            path, media, props = entry
            if media and not media.startswith(_XHTML_TYPES):
                continue
            pkg.spine.append((path, attr(ref, "idref") or "", props))
    if toc_id and toc_id in manifest:
        pkg.toc_titles.update(_ncx_titles(z, manifest[toc_id][0]))
    if nav_path and not pkg.toc_titles:
        pkg.toc_titles.update(_nav_titles(z, nav_path))
    return pkg


def _ncx_titles(z: SafeZip, path: str) -> dict[str, str]:
    if not z.has(path):
        return {}
    root = parse_xml(z.read(path), "the EPUB table of contents")
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    out: dict[str, str] = {}
    for point in descendants(root, "navPoint"):
        label = first(point, "text")
        content = first(point, "content")
        if label is None or content is None:
            continue
        target = resolve_href(base, attr(content, "src") or "")
        if target and target not in out:
            out[target] = text(label)
    return out


def _nav_titles(z: SafeZip, path: str) -> dict[str, str]:
    if not z.has(path):
        return {}
    soup = parse_html(z.read(path))
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    out: dict[str, str] = {}
    for a in soup.find_all("a", href=True):
        target = resolve_href(base, str(a.get("href")))
        if target and target not in out:
            out[target] = text_of(a)
    return out


def _load_spine(z: SafeZip, pkg: Package) -> list[SpineDoc]:
    docs: list[SpineDoc] = []
    seen: set[str] = set()
    for path, ident, props in pkg.spine:
        if path in seen or not z.has(path):
            continue
        seen.add(path)
        raw = z.read(path)
        markup = clean_text(decode(raw)) if raw.strip() else ""
        markup = _SELF_CLOSING.sub(r"<\1\2></\1>", markup)
        docs.append(SpineDoc(path, ident, props, markup, parse_html(markup)))
    return docs


def _flavour(pkg: Package, docs: list[SpineDoc]) -> str:
    tell = " ".join(pkg.contributors + pkg.identifiers)
    if "fanficfare" in tell.lower() or any(
        _body_has_class(d.soup, "fff_titlepage") or _body_has_class(d.soup, "fff_chapter")
        for d in docs
    ):
        return "fanficfare"
    publisher = (pkg.publisher or "").lower()
    if "archive of our own" in publisher or any(
        ao3.is_ao3_download(d.markup) or _ao3_preface(d.soup) for d in docs
    ):
        return "ao3"
    return "generic"


def _ao3_preface(soup: BeautifulSoup) -> bool:
    preface = soup.find(id="preface")
    return isinstance(preface, Tag) and "Archive of Our Own" in text_of(preface)


def _body_has_class(soup: BeautifulSoup, name: str) -> bool:
    body = soup.body
    return isinstance(body, Tag) and name in classes(body)


# --- AO3 ----------------------------------------------------------------------------------


def _read_ao3(docs: list[SpineDoc]) -> RawDocument:
    combined = BeautifulSoup("<html><body></body></html>", "lxml")
    target = combined.body
    assert isinstance(target, Tag)
    for doc in docs:
        body = doc.soup.body if isinstance(doc.soup.body, Tag) else doc.soup
        for child in list(body.contents):
            target.append(child.extract())
    return ao3.parse_download(combined, fmt="ao3-epub")


# --- FanFicFare -----------------------------------------------------------------------


def _label_runs(container: Tag) -> list[tuple[str, list[Tag | NavigableString]]]:
    """<b>Label:</b> value ... <b>Next:</b> ... -> [(label, [value nodes])]."""
    runs: list[tuple[str, list[Tag | NavigableString]]] = []
    for node in container.contents:
        if isinstance(node, Tag) and node.name in ("b", "strong") and text_of(node).endswith(":"):
            runs.append((text_of(node).rstrip(":").strip(), []))
        elif runs and isinstance(node, Tag | NavigableString):
            runs[-1][1].append(node)
    return runs


def _nodes_paragraphs(nodes: list[Tag | NavigableString]) -> list[str]:
    holder = BeautifulSoup("<div></div>", "lxml")
    div = holder.div
    assert isinstance(div, Tag)
    for node in nodes:
        div.append(node.extract() if isinstance(node, Tag) else NavigableString(str(node)))
    return [p.text for p in walk(div, headings=False)]


def _fff_title_page(doc: SpineDoc, raw: RawDocument) -> None:
    soup = doc.soup
    meta = raw.metadata
    h3 = soup.find("h3")
    if isinstance(h3, Tag):
        link = h3.find("a")
        if isinstance(link, Tag):
            raw.title = text_of(link) or raw.title
            href = str(link.get("href") or "")
            if href.startswith("http"):
                meta.source_url = href
        rest = text_of(h3)
        if raw.title and " by " in rest:
            raw.author = rest.split(" by ", 1)[1].strip() or raw.author
    entries: list[tuple[str, str]] = []
    table = soup.find("table")
    if isinstance(table, Tag):
        for row in table.find_all("tr"):
            cells = row.find_all("td")
            label_tag = row.find(["b", "strong"])
            if not isinstance(label_tag, Tag):
                continue
            label = text_of(label_tag).rstrip(":").strip()
            if len(cells) >= 2:
                value = "\n\n".join(p.text for p in walk(cells[1], headings=False))
            else:
                label_tag.extract()
                value = "\n\n".join(p.text for p in walk(row, headings=False))
            entries.append((label, value))
    else:
        body = soup.body if isinstance(soup.body, Tag) else soup
        containers = [d for d in body.find_all("div") if d.find(["b", "strong"], recursive=False)]
        for container in containers or [body]:
            for label, nodes in _label_runs(container):
                entries.append((label, "\n\n".join(_nodes_paragraphs(nodes))))
    for label, value in entries:
        _fff_entry(meta, label, value.strip())


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r",\s*|\n+", value) if v.strip()]


def _fff_entry(meta: Metadata, label: str, value: str) -> None:
    key = label.lower()
    if not value:
        return
    if key == "rating":
        meta.rating = value
    elif key in ("warnings", "archive warnings", "archive warning"):
        _extend(meta.archive_warnings, _split_list(value))
    elif key in ("category", "categories", "fandom", "fandoms"):
        _extend(meta.fandoms, _split_list(value))
    elif key in ("ao3 categories", "ao3categories"):
        _extend(meta.categories, _split_list(value))
    elif key in ("genre", "genres", "freeform tags", "freeformtags", "additional tags", "tags"):
        for tag in _split_list(value):
            _extend(meta.categories if tag in _AO3_CATEGORIES else meta.additional_tags, [tag])
    elif key in ("characters", "character"):
        _extend(meta.characters, _split_list(value))
    elif key in ("relationships", "ships", "pairings", "pairing", "relationship"):
        _extend(meta.relationships, _split_list(value))
    elif key in ("summary", "description"):
        meta.summary = value
    elif key == "language":
        meta.language = value
    else:
        meta.extra[key] = value


def _extend(target: list[str], values: list[str]) -> None:
    target.extend(v for v in values if v not in target)


def _fff_notes(
    div: Tag,
    chapter: RawChapter,
    raw: RawDocument,
    *,
    head: bool,
    is_first: bool,
    is_last: bool,
    ao3_source: bool,
) -> None:
    for label, nodes in _label_runs(div):
        paragraphs = _nodes_paragraphs(nodes)
        key = label.lower()
        if "summary" in key:
            chapter.summary = "\n\n".join(paragraphs) or chapter.summary
        elif key == "author's note" and ao3_source and head and is_first:
            raw.preface_notes.extend(paragraphs)
        elif key == "author's note" and ao3_source and not head and is_last:
            raw.end_notes.extend(paragraphs)
        elif head:
            chapter.notes.extend(paragraphs)
        else:
            chapter.end_notes.extend(paragraphs)


def _read_fanficfare(pkg: Package, docs: list[SpineDoc]) -> RawDocument:
    raw = RawDocument(format="fanficfare-epub")
    chapter_docs: list[SpineDoc] = []
    for doc in docs:
        name = doc.path.rsplit("/", 1)[-1].lower()
        if _body_has_class(doc.soup, "fff_titlepage") or name.startswith("title_page"):
            _fff_title_page(doc, raw)
        elif _body_has_class(doc.soup, "fff_chapter") or re.fullmatch(r"file\d+\.x?html?", name):
            chapter_docs.append(doc)
    ao3_source = (
        "archiveofourown.org"
        in " ".join([pkg.source or "", raw.metadata.source_url or "", pkg.publisher or ""]).lower()
        or "archive of our own" in (pkg.publisher or "").lower()
    )
    for index, doc in enumerate(chapter_docs):
        body = doc.soup.body if isinstance(doc.soup.body, Tag) else doc.soup
        chapter = RawChapter()
        heading = body.find(class_="fff_chapter_title") or body.find(["h1", "h2", "h3"])
        if isinstance(heading, Tag):
            chapter.title = text_of(heading) or None
            heading.extract()
        if chapter.title is None:
            meta_title = doc.soup.find("meta", attrs={"name": "chaptertitle"})
            if isinstance(meta_title, Tag):
                chapter.title = str(meta_title.get("content") or "") or None
        for notes in body.find_all("div", class_="fff_chapter_notes"):
            _fff_notes(
                notes.extract(),
                chapter,
                raw,
                head="fff_head_notes" in classes(notes),
                is_first=index == 0,
                is_last=index == len(chapter_docs) - 1,
                ao3_source=ao3_source,
            )
        chapter.paragraphs = [p.text for p in walk(body, headings=False)]
        raw.chapters.append(chapter)
    if not raw.metadata.fandoms and not raw.metadata.additional_tags and pkg.subjects:
        _extend(raw.metadata.additional_tags, _author_subjects(pkg))
    return raw


# --- generic ------------------------------------------------------------------------------


def _is_front_matter(doc: SpineDoc, pkg: Package) -> bool:
    if (
        "nav" in doc.properties.split()
        or _SKIP_NAME.search(doc.path)
        or _SKIP_NAME.search(doc.ident)
    ):
        return True
    for tag in doc.soup.find_all(True, attrs={"epub:type": True}, limit=5):
        if set(str(tag.get("epub:type")).split()) & _SKIP_TYPES:
            return True
    return False


def _looks_like_title_page(paras: list[Para], pkg: Package) -> bool:
    words = sum(len(p.text.split()) for p in paras)
    if words == 0 or words > 60:
        return False
    blob = " ".join(p.text for p in paras).lower()
    names = [n.lower() for n in [pkg.title or "", *pkg.creators] if n]
    return any(n in blob for n in names)


def _drop_book_title(paras: list[Para], pkg: Package) -> list[Para]:
    """A converted single-file book opens with the book's own title heading (and a
    byline); that is not chapter 1's title."""
    if paras and paras[0].level and pkg.title and paras[0].text.lower() == pkg.title.lower():
        rest = paras[1:]
        if rest and not rest[0].level and parse_byline(rest[0].text):
            rest = rest[1:]
        return rest
    return paras


def _read_generic(pkg: Package, docs: list[SpineDoc]) -> RawDocument:
    raw = RawDocument(format="epub")
    for doc in docs:
        if _is_front_matter(doc, pkg):
            continue
        body = doc.soup.body if isinstance(doc.soup.body, Tag) else doc.soup
        paras = walk(body)
        if not raw.chapters:
            paras = _drop_book_title(paras, pkg)
        if not paras or (not raw.chapters and _looks_like_title_page(paras, pkg)):
            continue
        found = build_chapters(paras)
        if not found:
            continue
        head = found[0]
        if head.title is None:
            if raw.chapters and "split" in doc.path.lower():
                raw.chapters[-1].paragraphs.extend(head.paragraphs)
                found = found[1:]
            else:
                head.title = pkg.toc_titles.get(doc.path)
        raw.chapters.extend(found)
    if len(raw.chapters) == 1 and raw.chapters[0].title and pkg.title == raw.chapters[0].title:
        raw.chapters[0].title = None
    return raw


def _fill_from_package(raw: RawDocument, pkg: Package) -> None:
    meta = raw.metadata
    raw.title = raw.title or pkg.title
    raw.author = raw.author or (", ".join(pkg.creators) if pkg.creators else None)
    meta.language = meta.language or pkg.language
    if meta.summary is None and pkg.description:
        summary = "\n\n".join(paragraphs_from(plain_text(pkg.description).split("\n\n")))
        meta.summary = summary or None
    if raw.format == "epub" and pkg.subjects:
        _extend(meta.additional_tags, _author_subjects(pkg))
    source = pkg.source or next((i for i in pkg.identifiers if i.startswith("http")), None)
    meta.source_url = meta.source_url or source
    if raw.work_id is None and meta.source_url:
        match = re.search(r"archiveofourown\.org/works/(\d+)", meta.source_url)
        if match:
            raw.work_id = match.group(1)


def read_epub(data: bytes) -> RawDocument:
    with SafeZip(data, "EPUB") as z:
        _check_drm(z)
        pkg = _read_package(z, _opf_path(z))
        docs = _load_spine(z, pkg)
    if not docs:
        raise CorruptFile("this EPUB lists no readable pages in its spine")
    flavour = _flavour(pkg, docs)
    if flavour == "ao3":
        raw = _read_ao3(docs)
    elif flavour == "fanficfare":
        raw = _read_fanficfare(pkg, docs)
    else:
        raw = _read_generic(pkg, docs)
    _fill_from_package(raw, pkg)
    return raw


def _author_subjects(pkg: Package) -> list[str]:
    """Subjects as tags, minus those `forewarn tag-epub` wrote: ours are not the author's."""
    return [s for s in pkg.subjects if not s.startswith(SUBJECT_PREFIX)]
