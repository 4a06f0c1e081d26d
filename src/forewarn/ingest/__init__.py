"""Readers: bytes in, `Work` out. The format is sniffed from content, not the suffix.

    read_path(path, max_bytes=None) -> Work         # raises forewarn.errors.* for bad input
    read_bytes(data, name="", max_bytes=None) -> Work
    read_raw(data, name="", max_bytes=None) -> RawDocument   # before segmentation
    read_path_raw(path, max_bytes=None) -> RawDocument
    sniff(data, name="") -> str     # one of FORMATS
    iter_pan_jsonl(path, on_error="raise") -> Iterator[RawDocument]   # batch input

`RawDocument.format` names the reader (DOCUMENT_FORMATS): "text", "markdown", "html",
"ao3-html", "ao3-epub", "fanficfare-epub", "epub", "docx", "pan-jsonl". For AO3 HTML,
`metadata.extra["ao3_layout"]` is "work-page" or "download"; AO3 stats ("published",
"words", "chapters", ...) and FanFicFare's other title-page fields land in `extra` too.

Every failure is a forewarn.errors exception with a one-line message (see
tests/test_bad_input.py and tests/test_hostile_files.py for which input gives which
error). Size caps live in forewarn.limits; the overall input limit is
FOREWARN_MAX_BYTES (default 50 MB).

Paragraph conventions for segmentation: paragraphs are stripped, single spaces inside
lines, never a blank line inside; "\\n" only for line breaks inside a paragraph (<br>,
verse, lyrics); a scene break is the paragraph SCENE_BREAK ("* * *") in every format.
Notes are separated (preface_notes / chapter notes / end_notes) only where the format
marks them (AO3 HTML and EPUB, FanFicFare EPUB); elsewhere they stay in the paragraphs.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from forewarn.errors import EmptyInput
from forewarn.ingest.checks import check_size, guarded, read_file_bytes, require_text
from forewarn.ingest.pan import iter_pan_jsonl
from forewarn.ingest.sniff import FORMATS, check_magic, is_zip, sniff_text, sniff_zip
from forewarn.ingest.structure import SCENE_BREAK
from forewarn.ingest.textdecode import clean_text, decode
from forewarn.work import RawDocument, Work

#: Every value RawDocument.format / Work.format can take.
DOCUMENT_FORMATS = (
    "text",
    "markdown",
    "html",
    "ao3-html",
    "ao3-epub",
    "fanficfare-epub",
    "epub",
    "docx",
    "pan-jsonl",
)

__all__ = [
    "DOCUMENT_FORMATS",
    "FORMATS",
    "SCENE_BREAK",
    "iter_pan_jsonl",
    "read_bytes",
    "read_path",
    "read_path_raw",
    "read_raw",
    "sniff",
]


def _text_readers() -> dict[str, Callable[[str], RawDocument]]:
    from forewarn.ingest.ao3 import read_ao3_html
    from forewarn.ingest.html import read_html
    from forewarn.ingest.markdown import read_markdown
    from forewarn.ingest.pan import read_pan_jsonl
    from forewarn.ingest.text import read_text

    return {
        "text": read_text,
        "markdown": read_markdown,
        "html": read_html,
        "ao3-html": read_ao3_html,
        "pan-jsonl": read_pan_jsonl,
    }


def _decode_text(data: bytes, encoding: str | None = None) -> str:
    text = clean_text(decode(data, encoding))
    if not text.strip():
        raise EmptyInput("the input holds only whitespace")
    return text


def sniff(data: bytes, name: str = "") -> str:
    """The format of `data` (one of FORMATS), from its content; `name` breaks ties."""

    def run() -> str:
        check_magic(data)
        if is_zip(data):
            return sniff_zip(data, name)
        return sniff_text(_decode_text(data), name)

    return guarded(name, run)


def read_raw(
    data: bytes, name: str = "", max_bytes: int | None = None, encoding: str | None = None
) -> RawDocument:
    """Bytes -> RawDocument, format sniffed from content. `encoding` overrides the
    detected text encoding of plain-text, Markdown, HTML and JSONL input; EPUB and DOCX
    declare their own."""
    return guarded(name, lambda: _read_raw(data, name, max_bytes, encoding))


def _read_raw(
    data: bytes, name: str, max_bytes: int | None, encoding: str | None = None
) -> RawDocument:
    check_size(len(data), max_bytes)
    check_magic(data)
    if is_zip(data):
        fmt = sniff_zip(data, name)
        if fmt == "epub":
            from forewarn.ingest.epub import read_epub

            return require_text(read_epub(data))
        from forewarn.ingest.docx import read_docx

        return require_text(read_docx(data))
    text = _decode_text(data, encoding)
    fmt = sniff_text(text, name)
    return require_text(_text_readers()[fmt](text))


def read_bytes(
    data: bytes, name: str = "", max_bytes: int | None = None, encoding: str | None = None
) -> Work:
    """Bytes -> segmented Work (`segment.build_work(read_raw(...))`)."""
    from forewarn.segment import build_work

    return build_work(read_raw(data, name=name, max_bytes=max_bytes, encoding=encoding))


def read_path_raw(
    path: str | os.PathLike[str], max_bytes: int | None = None, encoding: str | None = None
) -> RawDocument:
    """File -> RawDocument. Missing -> InputNotFound, directory -> NotAFile, over the
    limit -> TooLarge (checked from the file size before anything is read)."""
    data = read_file_bytes(path, max_bytes)
    return read_raw(data, name=os.fspath(path), max_bytes=max_bytes, encoding=encoding)


def read_path(
    path: str | os.PathLike[str], max_bytes: int | None = None, encoding: str | None = None
) -> Work:
    from forewarn.segment import build_work

    return build_work(read_path_raw(path, max_bytes, encoding))
