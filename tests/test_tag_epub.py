"""`forewarn tag-epub`: warnings written as dc:subject entries; the rest of the book
unchanged entry by entry; idempotent; original kept unless --in-place; atomic output;
clear errors for anything that is not an EPUB."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from fixtures import builders as b
from fixtures import hostile as h
from reader_support import SAMPLE_MARKS, make_report, run_cli

from forewarn import pipeline
from forewarn.errors import CorruptFile, HostileInput, UnsupportedFormat
from forewarn.ingest import read_bytes
from forewarn.ingest.epub import _opf_path, _read_package
from forewarn.ingest.safezip import SafeZip
from forewarn.render.epub import (
    SUBJECT_PREFIX,
    read_subjects,
    retag_epub,
    subjects_for,
    tag_epub,
    tag_opf,
)
from forewarn.report import Report

BOOKS = {
    "ao3": lambda: b.ao3_epub(b.sample_spec()),
    "ao3-per-file": lambda: b.ao3_epub(b.sample_spec(), layout="per-file"),
    "fanficfare": lambda: b.fanficfare_epub(b.sample_spec()),
    "generic": lambda: b.generic_epub(b.sample_spec()),
}


def report_for(data: bytes, marks: list[tuple[str, str, str]] = SAMPLE_MARKS) -> Report:
    return make_report(read_bytes(data, name="book.epub"), marks)


def entries(data: bytes) -> list[tuple[str, bytes, int, tuple[int, ...]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i), i.compress_type, i.date_time) for i in z.infolist()]


def opf_name(data: bytes) -> str:
    with SafeZip(data, "EPUB") as z:
        return _opf_path(z)


def ours(subjects: list[str]) -> list[str]:
    return [s for s in subjects if s.startswith(SUBJECT_PREFIX)]


@pytest.mark.parametrize("kind", sorted(BOOKS))
def test_every_other_entry_is_unchanged(kind: str) -> None:
    original = BOOKS[kind]()
    tagged = tag_epub(original, report_for(original))
    before, after = entries(original), entries(tagged)
    assert [e[0] for e in after] == [e[0] for e in before]  # same names, same order
    target = opf_name(original)
    for old, new in zip(before, after, strict=True):
        if old[0] != target:
            assert new == old, old[0]  # same content, compression and date
    assert tagged[30:38] == b"mimetype" and tagged[38:58] == b"application/epub+zip"
    with zipfile.ZipFile(io.BytesIO(tagged)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.testzip() is None


@pytest.mark.parametrize("kind", sorted(BOOKS))
def test_only_subject_lines_are_added_to_the_package_document(kind: str) -> None:
    original = BOOKS[kind]()
    target = opf_name(original)
    old_opf = dict((n, c) for n, c, _, _ in entries(original))[target].decode()
    new_opf = dict((n, c) for n, c, _, _ in entries(tag_epub(original, report_for(original))))[
        target
    ].decode()
    added = re.findall(r"\n[ \t]*<dc:subject>Content warning: [^<]*</dc:subject>", new_opf)
    assert len(added) == 5  # four warnings and the rating
    stripped = new_opf
    for line in added:
        stripped = stripped.replace(line, "", 1)
    assert stripped == old_opf


@pytest.mark.parametrize("kind", sorted(BOOKS))
def test_subjects_read_back_with_the_prefix_and_old_subjects_kept(kind: str) -> None:
    original = BOOKS[kind]()
    report = report_for(original)
    tagged = tag_epub(original, report)
    subjects = read_subjects(tagged)
    assert subjects[: len(read_subjects(original))] == read_subjects(original)
    assert ours(subjects) == [
        "Content warning: Self-harm (mentioned)",
        "Content warning: Violence (graphic)",
        "Content warning: Blood and gore (graphic)",
        "Content warning: Death (mentioned)",
        "Content warning: rating Teen And Up Audiences",
    ]
    # forewarn's own EPUB reader sees them too, and still reads the same book
    with SafeZip(tagged, "EPUB") as z:
        assert ours(_read_package(z, _opf_path(z)).subjects) == ours(subjects)
    again, first = read_bytes(tagged, name="t.epub"), read_bytes(original, name="o.epub")
    assert again.text == first.text and again.format == first.format


def test_rerun_is_idempotent_and_replaces_stale_warnings() -> None:
    original = BOOKS["fanficfare"]()
    report = report_for(original)
    once = tag_epub(original, report)
    assert tag_epub(once, report) == once  # byte-for-byte: no duplicates, no drift
    fewer = report_for(original, [("violence", "depiction", "blade opened his arm")])
    twice = tag_epub(once, fewer)
    assert ours(read_subjects(twice)) == [
        "Content warning: Violence (depicted)",
        "Content warning: rating Teen And Up Audiences",
    ]
    assert len(read_subjects(twice)) == len(set(read_subjects(twice)))
    assert retag_epub(twice, []) == retag_epub(original, [])


def test_nothing_found_is_written_as_such() -> None:
    original = BOOKS["generic"]()
    report = report_for(original, [])
    report.suggestions.rating = None
    assert ours(read_subjects(tag_epub(original, report))) == ["Content warning: none found"]


def test_subjects_are_escaped_and_commas_kept_out_of_calibre_tags() -> None:
    original = BOOKS["ao3"]()
    report = report_for(original, [("violence", "graphic", "blade opened his arm")])
    report.findings[0].name = 'Stalking, <b>"manipulation"</b> & control\x07'
    subjects = ours(read_subjects(tag_epub(original, report)))
    assert subjects[0] == 'Content warning: Stalking; <b>"manipulation"</b> & control (graphic)'
    assert "," not in "".join(subjects)
    assert subjects_for(report) == subjects


OPF_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.mark.parametrize(
    "opf",
    [
        # EPUB 2 style, CRLF line endings
        OPF_HEAD.replace("\n", "\r\n")
        + '<package xmlns="http://www.idpf.org/2007/opf" version="2.0">\r\n'
        '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\r\n'
        "    <dc:title>T</dc:title>\r\n  </metadata>\r\n</package>\r\n",
        # everything on one line, a different prefix for Dublin Core
        OPF_HEAD + '<package xmlns="http://www.idpf.org/2007/opf" '
        'xmlns:purl="http://purl.org/dc/elements/1.1/"><metadata><purl:title>T</purl:title>'
        "</metadata></package>",
        # no Dublin Core prefix bound anywhere: elements carry their own namespace
        OPF_HEAD + '<package xmlns="http://www.idpf.org/2007/opf"><opf:metadata '
        'xmlns:opf="http://www.idpf.org/2007/opf"><title xmlns="http://purl.org/dc/elements/1.1/">'
        "T</title></opf:metadata></package>",
        # a UTF-8 byte order mark
        "\ufeff" + OPF_HEAD + '<package xmlns="http://www.idpf.org/2007/opf">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title>\n'
        "</metadata></package>",
    ],
)
def test_odd_package_documents_are_tagged_correctly(opf: str) -> None:
    data = opf.encode("utf-8")
    tagged = tag_opf(data, ["Content warning: Violence (depicted)"])
    assert tag_opf(tagged, ["Content warning: Violence (depicted)"]) == tagged
    assert tag_opf(tagged, []) == data
    book = b.epub_package(
        [("ch.xhtml", b.xhtml("<p>Hello there.</p>"))], ["ch.xhtml"], raw_opf=data
    )
    assert ours(read_subjects(retag_epub(book, ["Content warning: Violence (depicted)"]))) == [
        "Content warning: Violence (depicted)"
    ]


def test_not_an_epub_is_refused() -> None:
    report = report_for(BOOKS["ao3"]())
    with pytest.raises(UnsupportedFormat, match="not an EPUB"):
        tag_epub(b"just some text, not a zip", report)
    with pytest.raises(UnsupportedFormat, match="container.xml"):
        tag_epub(b.docx(b.sample_spec()), report)
    with pytest.raises(HostileInput):
        tag_epub(h.billion_laughs_epub(), report)
    no_metadata = b.epub_package(
        [("c.xhtml", b.xhtml("<p>x</p>"))],
        ["c.xhtml"],
        raw_opf=b'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf"/>',
    )
    with pytest.raises(CorruptFile):
        tag_epub(no_metadata, report)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture()
def fake_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        pipeline, "scan_work", lambda work, *a, **k: make_report(work, SAMPLE_MARKS)
    )


def test_command_keeps_the_original(tmp_path: Path, fake_scan: None) -> None:
    book = tmp_path / "story.epub"
    original = BOOKS["fanficfare"]()
    book.write_bytes(original)
    result = run_cli(["tag-epub", book])
    assert result.code == 0, result.err
    assert book.read_bytes() == original
    out = tmp_path / "story.forewarn.epub"
    assert "Content warning: Violence (graphic)" in read_subjects(out.read_bytes())
    assert "Content warning: Violence (graphic)" in result.out
    custom = run_cli(["tag-epub", book, "-o", tmp_path / "tagged.epub"])
    assert custom.code == 0 and (tmp_path / "tagged.epub").read_bytes() == out.read_bytes()


def test_command_in_place_replaces_and_keeps_permissions(tmp_path: Path, fake_scan: None) -> None:
    book = tmp_path / "story.epub"
    book.write_bytes(BOOKS["ao3"]())
    os.chmod(book, 0o644)
    link = tmp_path / "link.epub"
    link.symlink_to(book)
    assert run_cli(["tag-epub", link, "--in-place"]).code == 0
    assert link.is_symlink()  # the link still points at the (now tagged) book
    assert ours(read_subjects(book.read_bytes()))
    assert stat.S_IMODE(book.stat().st_mode) == 0o644
    first = book.read_bytes()
    assert run_cli(["tag-epub", book, "--in-place"]).code == 0
    assert book.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.epub", "story.epub"]
    both = run_cli(["tag-epub", book, "--in-place", "-o", tmp_path / "x.epub"])
    assert both.code != 0 and not (tmp_path / "x.epub").exists()


@pytest.mark.parametrize(
    "name,data",
    [
        ("story.txt", b.plain_text(b.sample_spec())),
        ("story.epub", b.plain_text(b.sample_spec())),  # the suffix lies
        ("story.docx", b.docx(b.sample_spec())),
        ("story.html", b.ao3_download_html(b.sample_spec())),
        ("broken.epub", h.truncated(b.ao3_epub(b.sample_spec()))),
    ],
)
def test_command_refuses_non_epubs_and_writes_nothing(
    tmp_path: Path,
    capsys,
    fake_scan,
    name: str,
    data: bytes,
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    result = run_cli(["tag-epub", source, "-o", tmp_path / "out.epub"])
    assert result.code != 0
    assert result.err.startswith("forewarn: error:") and len(result.err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no output, no temp file
    assert source.read_bytes() == data


def test_command_failure_while_writing_leaves_no_file(
    tmp_path: Path,
    capsys,
    fake_scan,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import forewarn.atomic as atomic

    book = tmp_path / "story.epub"
    book.write_bytes(BOOKS["generic"]())

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    result = run_cli(["tag-epub", book])
    assert result.code != 0 and "No space left" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.epub"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["tag-epub", tmp_path / "nope.epub"])
    assert result.code != 0 and "no such file" in result.err
