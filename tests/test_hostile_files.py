"""Hostile files are refused (or defused) quickly and without side effects: zip bombs,
path traversal, entity expansion, XXE, absurd nesting, giant lines and words.

Time bounds here are generous correctness bounds (a few seconds on 2 cores), not
benchmarks: they catch quadratic behaviour and unbounded decompression."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from fixtures import builders as b
from fixtures import hostile as h
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.errors import CorruptFile, ForewarnError, HostileInput, UnsupportedFormat
from forewarn.ingest import read_raw
from forewarn.ingest.safezip import SafeZip, resolve_href, safe_name
from forewarn.limits import DEFAULT_MAX_BYTES, MAX_WORD_CHARS, MAX_ZIP_ENTRIES


def _timed(data: bytes, name: str = "") -> float:
    started = time.monotonic()
    read_raw(data, name)
    return time.monotonic() - started


def test_zip_bomb_by_ratio() -> None:
    data = h.zip_bomb_epub(megabytes=20)
    assert len(data) < 200_000
    started = time.monotonic()
    with pytest.raises(HostileInput, match="zip bomb"):
        read_raw(data)
    assert time.monotonic() - started < 2


def test_too_many_entries() -> None:
    with pytest.raises(HostileInput, match="members"):
        read_raw(h.many_entries_zip(MAX_ZIP_ENTRIES + 1))


def test_declared_total_too_large() -> None:
    with pytest.raises(HostileInput, match="decompress"):
        read_raw(h.declared_huge_zip())


def test_member_larger_than_declared_is_never_inflated_past_its_claim() -> None:
    # zipfile stops at the declared size; the CRC then shows the lie.
    started = time.monotonic()
    with pytest.raises(CorruptFile):
        read_raw(h.lying_size_epub())
    assert time.monotonic() - started < 2


def test_safezip_reads_in_bounded_chunks() -> None:
    data = b.zip_bytes([("a.txt", b"x" * 300_000)])
    with SafeZip(data) as z:
        assert z.read("a.txt") == b"x" * 300_000
        with pytest.raises(HostileInput):
            z.read("a.txt", limit=100_000)


def test_path_traversal_members_are_ignored_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    spec = b.short_spec()
    doc = read_raw(h.traversal_epub(spec))
    text = " ".join(p for c in doc.chapters for p in c.paragraphs)
    assert "EVIL TRAVERSAL TEXT" not in text
    assert spec.chapters[0].paragraphs[0] in text
    assert set(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent / "evil.xhtml").exists()


@pytest.mark.parametrize(
    "name",
    ["../../evil.xhtml", "/etc/passwd", "..\\..\\evil", "C:\\Windows\\x", "a/../../b", "a\x00b"],
)
def test_unsafe_member_names(name: str) -> None:
    assert safe_name(name) is None


def test_hrefs_cannot_climb_out() -> None:
    assert resolve_href("OEBPS/Text", "../Images/a.png") == "OEBPS/Images/a.png"
    assert resolve_href("OEBPS", "../../etc/passwd") is None
    assert resolve_href("OEBPS", "/etc/passwd") is None
    assert resolve_href("OEBPS", "https://example.com/x.xhtml") is None
    assert resolve_href("OEBPS", "ch%201.xhtml#frag") == "OEBPS/ch 1.xhtml"


def test_billion_laughs_in_opf() -> None:
    started = time.monotonic()
    with pytest.raises(HostileInput, match="entit"):
        read_raw(h.billion_laughs_epub())
    assert time.monotonic() - started < 2


def test_billion_laughs_in_chapter() -> None:
    with pytest.raises(HostileInput):
        read_raw(h.billion_laughs_chapter_epub())


def test_billion_laughs_in_html_file() -> None:
    data = h.BILLION_LAUGHS + b"<html><body><p>&lol9;</p></body></html>"
    with pytest.raises(HostileInput):
        read_raw(data)


def test_xxe_in_epub_container() -> None:
    with pytest.raises(HostileInput):
        read_raw(h.xxe_epub())


def test_xxe_in_docx() -> None:
    with pytest.raises(HostileInput):
        read_raw(h.xxe_docx())


def test_drm_epub() -> None:
    with pytest.raises(UnsupportedFormat, match="DRM"):
        read_raw(h.drm_epub())


def test_deeply_nested_html() -> None:
    started = time.monotonic()
    with pytest.raises(HostileInput, match="nested"):
        read_raw(h.deep_html(100_000))
    assert time.monotonic() - started < 10


def test_nul_bytes_are_stripped() -> None:
    data = b"The lamp\x00 burned\x00\x00 low.\n\nThe sea\x00 was grey.\n"
    doc = read_raw(data)
    assert doc.chapters[0].paragraphs == ["The lamp burned low.", "The sea was grey."]


def test_control_characters_are_stripped() -> None:
    doc = read_raw("Bell\x07 and escape\x1b[31m and DEL\x7f and C1\u0090 gone,\u0085NEL.".encode())
    assert doc.chapters[0].paragraphs == ["Bell and escape[31m and DEL and C1 gone,\nNEL."]


def test_rtl_text_kept_zero_width_space_and_bom_removed() -> None:
    hebrew = "הים היה אפור והמנורה בערה נמוך"
    data = f"\ufeff{hebrew}\n\nzero\u200bwidth\ufeff joiner\u200d kept\n".encode()
    doc = read_raw(data)
    assert doc.chapters[0].paragraphs == [hebrew, "zerowidth joiner\u200d kept"]


def test_nfc_normalisation() -> None:
    decomposed = "Zoe\u0308 went to the cafe\u0301."
    doc = read_raw(decomposed.encode())
    assert doc.chapters[0].paragraphs == ["Zoë went to the café."]


def test_fifty_megabyte_single_line_in_bounded_time() -> None:
    line = (b"the storm came in and the lamp burned low " * 1_300_000)[: DEFAULT_MAX_BYTES - 16]
    started = time.monotonic()
    doc = read_raw(line)
    elapsed = time.monotonic() - started
    assert elapsed < 10
    words = sum(len(p.split()) for c in doc.chapters for p in c.paragraphs)
    assert words == len(line.split())


def test_extremely_long_word_is_cut() -> None:
    data = b"Before. " + b"x" * (5 * 1024 * 1024) + b" after."
    started = time.monotonic()
    doc = read_raw(data)
    assert time.monotonic() - started < 5
    longest = max(len(w) for c in doc.chapters for p in c.paragraphs for w in p.split())
    assert longest == MAX_WORD_CHARS + 1  # cut, with an ellipsis marking the cut
    text = " ".join(p for c in doc.chapters for p in c.paragraphs)
    assert text.startswith("Before.") and text.endswith("after.")


def test_hostile_markdown_emphasis_is_linear() -> None:
    data = b"# Title\n\n" + b"*a [b _c `d " * 1_000_000
    assert _timed(data, "x.md") < 10


def test_many_chapter_headings_are_capped() -> None:
    from forewarn.limits import MAX_CHAPTERS

    data = "\n\n".join(f"Chapter {n}\n\nLine {n}." for n in range(1, MAX_CHAPTERS + 50)).encode()
    doc = read_raw(data)
    assert len(doc.chapters) == MAX_CHAPTERS
    assert "Chapter " + str(MAX_CHAPTERS + 10) in doc.chapters[-1].paragraphs


# --- fuzzing: whatever the bytes, only forewarn errors come out --------------------------

_FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SEEDS = {
    "epub": b.ao3_epub(b.short_spec()),
    "fff": b.fanficfare_epub(b.short_spec()),
    "docx": b.docx(b.short_spec()),
    "html": b.ao3_download_html(b.short_spec()),
}


def _only_forewarn_errors(data: bytes, name: str = "") -> None:
    try:
        read_raw(data, name)
    except ForewarnError as exc:
        message = str(exc)
        assert message and "\n" not in message
        # The readers themselves must name the problem; the API's last-resort net
        # ("could not read this file (SomeLibraryError: ...)") means a reader missed it.
        assert not message.startswith("could not read this file ("), message


@_FUZZ
@given(st.binary(max_size=4096))
def test_fuzz_random_bytes(data: bytes) -> None:
    _only_forewarn_errors(data)


@_FUZZ
@given(st.text(max_size=2000), st.sampled_from(["", "x.txt", "x.md", "x.html", "x.jsonl"]))
def test_fuzz_random_text(text: str, name: str) -> None:
    _only_forewarn_errors(text.encode("utf-8", "surrogatepass"), name)


@_FUZZ
@given(
    st.sampled_from(sorted(_SEEDS)),
    st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8
    ),
)
def test_fuzz_damaged_containers(seed: str, edits: list[tuple[float, int]]) -> None:
    data = bytearray(_SEEDS[seed])
    for where, value in edits:
        data[int(where * len(data))] = value
    _only_forewarn_errors(bytes(data))


@_FUZZ
@given(st.sampled_from(sorted(_SEEDS)), st.floats(0, 1))
def test_fuzz_truncated_containers(seed: str, keep: float) -> None:
    data = _SEEDS[seed]
    _only_forewarn_errors(data[: int(len(data) * keep)])


_MARKUP_BITS = [
    b"<",
    b">",
    b"</div>",
    b"<div>",
    b"&",
    b'"',
    b"<!--",
    b"\x00",
    b'<h2 class="heading">',
    b"<dt>Rating:</dt>",
    b"<b>Warnings:</b>",
    b'<?xml version="1.0" encoding="bogus"?>',
]


@_FUZZ
@given(
    st.sampled_from(sorted(k for k in _SEEDS if k != "html")),
    st.integers(0, 50),
    st.floats(0, 1),
    st.one_of(st.sampled_from(_MARKUP_BITS), st.binary(max_size=40)),
    st.integers(0, 300),
)
def test_fuzz_damaged_members(
    seed: str, member: int, where: float, insert: bytes, cut: int
) -> None:
    """A well-formed ZIP whose member XML/XHTML is garbled must still give a forewarn
    error (or a document), never a library exception."""
    with zipfile.ZipFile(io.BytesIO(_SEEDS[seed])) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    index = member % len(members)
    name, content = members[index]
    at = int(where * len(content))
    members[index] = (name, content[:at] + insert + content[at + cut :])
    _only_forewarn_errors(b.zip_bytes(members))
