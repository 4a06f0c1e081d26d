"""Every kind of bad input gets its own forewarn error with a one-line message - never a
traceback from a library."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures import builders as b
from fixtures import hostile as h

from forewarn.errors import (
    CorruptFile,
    EmptyInput,
    EncodingError,
    ForewarnError,
    InputNotFound,
    NotAFile,
    NoText,
    TooLarge,
    UnsupportedFormat,
)
from forewarn.ingest import read_path_raw, read_raw
from forewarn.limits import DEFAULT_MAX_BYTES


def _one_line(exc: pytest.ExceptionInfo[ForewarnError]) -> None:
    message = str(exc.value)
    assert message and "\n" not in message and len(message) < 300


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound) as exc:
        read_path_raw(tmp_path / "nope.txt")
    _one_line(exc)


def test_missing_parent_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputNotFound):
        read_path_raw(tmp_path / "afile" / "child.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(NotAFile) as exc:
        read_path_raw(tmp_path)
    _one_line(exc)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_not_a_file_and_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotAFile):
        read_path_raw(fifo)
    assert time.monotonic() - started < 2


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(EmptyInput) as exc:
        read_path_raw(path)
    _one_line(exc)


@pytest.mark.parametrize(
    "data", [b"   \n\n\t  \r\n", "\u00a0\u3000\n".encode(), b"\xef\xbb\xbf  \n"]
)
def test_whitespace_only(data: bytes) -> None:
    with pytest.raises(EmptyInput):
        read_raw(data)


def test_binary_junk() -> None:
    with pytest.raises(UnsupportedFormat) as exc:
        read_raw(h.junk_bytes())
    _one_line(exc)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        b"{\\rtf1\\ansi hello}",
    ],
    ids=["pdf", "png", "doc", "rtf"],
)
def test_known_unsupported_formats(data: bytes) -> None:
    with pytest.raises(UnsupportedFormat):
        read_raw(data, "story.txt")


def test_zip_that_is_not_a_book() -> None:
    with pytest.raises(UnsupportedFormat):
        read_raw(b.zip_bytes([("notes/readme.txt", b"hello")]))


def test_undecidable_encoding() -> None:
    with pytest.raises(EncodingError) as exc:
        read_raw(bytes(range(0x80, 0x100)) * 4)
    _one_line(exc)


def test_html_without_text() -> None:
    html = b"<html><head><title></title><script>var a = 'words';</script></head><body><div><img src='a.png'></div><nav>Home</nav></body></html>"
    with pytest.raises(NoText):
        read_raw(html)


def test_text_with_only_scene_breaks() -> None:
    with pytest.raises(NoText):
        read_raw(b"* * *\n\n* * *\n")


def test_epub_without_readable_pages() -> None:
    data = b.epub_package([("c.xhtml", b.xhtml(""))], ["c.xhtml"])
    with pytest.raises(NoText):
        read_raw(data)


@pytest.mark.parametrize(
    "build", [b.ao3_epub, b.fanficfare_epub, b.docx], ids=["ao3-epub", "fff-epub", "docx"]
)
@pytest.mark.parametrize("keep", [0.3, 0.7, 0.95])
def test_truncated_containers(build: Callable[[b.StorySpec], bytes], keep: float) -> None:
    data = h.truncated(build(b.sample_spec()), keep)
    suffix = ".docx" if build is b.docx else ".epub"
    with pytest.raises(CorruptFile) as exc:
        read_raw(data, "story" + suffix)
    _one_line(exc)


@pytest.mark.parametrize("build", [b.ao3_epub, b.docx], ids=["epub", "docx"])
def test_corrupt_member(build: Callable[[b.StorySpec], bytes]) -> None:
    data = h.corrupt_member(build(b.sample_spec()), ".xhtml" if build is b.ao3_epub else ".xml")
    with pytest.raises(CorruptFile):
        read_raw(data)


def test_epub_with_malformed_opf() -> None:
    data = b.epub_package(
        [("c.xhtml", b.xhtml("<p>x</p>"))], ["c.xhtml"], raw_opf=b"<package><metadata>"
    )
    with pytest.raises(CorruptFile):
        read_raw(data)


def test_docx_without_document() -> None:
    data = b.zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/styles.xml", b"<styles/>")])
    with pytest.raises(CorruptFile):
        read_raw(data, "x.docx")


def test_too_large_bytes() -> None:
    data = b"a" * 2000
    with pytest.raises(TooLarge):
        read_raw(data, max_bytes=1000)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A 100 MB (sparse) file is refused from its size alone: quickly, without reading."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    assert path.stat().st_size > DEFAULT_MAX_BYTES
    started = time.monotonic()
    with pytest.raises(TooLarge) as exc:
        read_path_raw(path)
    assert time.monotonic() - started < 1.0
    _one_line(exc)


def test_invalid_json_line() -> None:
    with pytest.raises(CorruptFile):
        read_raw(b'{"work_id": "1", "text": "<p>a</p>"}\n{"work_id": \n')


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 40,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00mimetypeapplication/epub+zip",
    ],
    ids=["zeros", "epub-stub"],
)
def test_broken_zip_stubs(data: bytes) -> None:
    with pytest.raises(CorruptFile) as exc:
        read_raw(data, "story.epub")
    _one_line(exc)


def test_empty_zip_is_not_a_book() -> None:
    with pytest.raises(UnsupportedFormat):
        read_raw(b"PK\x05\x06" + b"\x00" * 18, "story.epub")
