"""Generic HTML reader (a saved web page, a Calibre/Word export, a PAN text): paragraphs
from the block structure, headings as chapter starts, <title>/<meta name=author> as
fallbacks for the title and author."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from forewarn.ingest.htmlwalk import parse_html, text_of, walk
from forewarn.ingest.structure import (
    Para,
    build_chapters,
    parse_byline,
    split_title_author,
    take_marked_title,
)
from forewarn.work import Metadata, RawDocument


def content_root(soup: BeautifulSoup) -> Tag:
    body = soup.body
    return body if isinstance(body, Tag) else soup


def title_and_author(
    soup: BeautifulSoup, paras: list[Para]
) -> tuple[str | None, str | None, list[Para]]:
    """Title/author from the leading headings or byline, then <title>/<meta>."""
    title, author, rest = take_marked_title(paras)
    if title is None:
        title, author, drop = split_title_author(paras)
        rest = paras[drop:]
    elif author is None and rest and not rest[0].level:
        author = parse_byline(rest[0].text)
        if author:
            rest = rest[1:]
    if author is None:
        meta = soup.find("meta", attrs={"name": "author"})
        if isinstance(meta, Tag) and meta.get("content"):
            author = str(meta.get("content")).strip() or None
    if title is None:
        head_title = text_of(soup.title) if isinstance(soup.title, Tag) else ""
        title = head_title or None
    return title, author, rest


def read_html_soup(soup: BeautifulSoup, fmt: str = "html") -> RawDocument:
    paras = walk(content_root(soup))
    title, author, rest = title_and_author(soup, paras)
    meta = Metadata()
    lang = soup.html.get("lang") if isinstance(soup.html, Tag) else None
    if lang:
        meta.language = str(lang)
    return RawDocument(
        format=fmt, title=title, author=author, metadata=meta, chapters=build_chapters(rest)
    )


def read_html(markup: str) -> RawDocument:
    return read_html_soup(parse_html(markup))
