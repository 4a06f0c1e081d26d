"""EPUB reader: FanFicFare's layout, plain EPUBs, and what the OPF package supplies."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from fixtures import builders as b

from forewarn.ingest import read_raw


@pytest.mark.parametrize("table", [False, True], ids=["lines", "table"])
def test_fanficfare_title_page_metadata(table: bool) -> None:
    spec = b.sample_spec()
    doc = read_raw(b.fanficfare_epub(spec, table=table))
    assert doc.format == "fanficfare-epub"
    assert doc.title == spec.title
    assert doc.author == spec.author
    meta = doc.metadata
    assert meta.rating == spec.rating
    assert meta.archive_warnings == spec.archive_warnings
    assert meta.fandoms == spec.fandoms
    assert meta.characters == spec.characters
    assert meta.relationships == spec.relationships
    assert meta.additional_tags == spec.additional_tags
    assert meta.categories == spec.categories  # AO3 categories arrive inside "Genre"
    assert meta.summary == spec.summary
    assert meta.extra["status"] == "Completed"
    assert meta.extra["published"] == spec.published
    assert meta.source_url == spec.url
    assert doc.work_id == spec.work_id


@pytest.mark.parametrize("table", [False, True], ids=["lines", "table"])
def test_fanficfare_chapters_and_notes(table: bool) -> None:
    spec = b.sample_spec()
    doc = read_raw(b.fanficfare_epub(spec, table=table))
    assert [c.title for c in doc.chapters] == [c.title for c in spec.chapters]
    for number, chapter in enumerate(doc.chapters, start=1):
        want = spec.chapters[number - 1]
        assert chapter.paragraphs == spec.expected_paragraphs(number)
        assert chapter.notes == want.notes
        assert chapter.end_notes == want.end_notes
        assert chapter.summary == want.summary
    # FanFicFare puts AO3's work notes in chapter 1's head and the end notes in the
    # last chapter's foot; they come back as work-level notes.
    assert doc.preface_notes == spec.notes
    assert doc.end_notes == spec.end_notes


def test_generic_epub_chapters_from_spine() -> None:
    spec = b.sample_spec()
    doc = read_raw(b.generic_epub(spec))
    assert doc.format == "epub"
    assert doc.title == spec.title and doc.author == spec.author
    # The title page and nav document are skipped; one chapter per spine file.
    assert [c.title for c in doc.chapters] == [spec.chapter_heading(n) for n in range(1, 4)]
    # Nothing marks the notes in a plain EPUB: they stay in the paragraphs, in order,
    # for segmentation to recognise.
    first = doc.chapters[0].paragraphs
    assert first[: len(spec.notes)] == spec.notes
    for number, chapter in enumerate(doc.chapters, start=1):
        for paragraph in spec.expected_paragraphs(number):
            assert paragraph in chapter.paragraphs
    assert doc.chapters[-1].paragraphs[-len(spec.end_notes) :] == spec.end_notes


def test_generic_epub_metadata_from_opf() -> None:
    spec = b.sample_spec()
    meta = read_raw(b.generic_epub(spec)).metadata
    assert meta.summary == spec.summary
    assert meta.language == spec.language_code
    assert meta.additional_tags == spec.additional_tags  # dc:subject


def test_spine_order_not_zip_order() -> None:
    files = [
        ("OEBPS/b.xhtml", b.xhtml("<h1>Second</h1><p>The second chapter text.</p>")),
        ("OEBPS/a.xhtml", b.xhtml("<h1>First</h1><p>The first chapter text.</p>")),
    ]
    doc = read_raw(b.epub_package(files, ["a.xhtml", "b.xhtml"], opf_path="OEBPS/content.opf"))
    assert [c.title for c in doc.chapters] == ["First", "Second"]


def test_untitled_spine_files_take_ncx_titles() -> None:
    ncx = b"""<?xml version="1.0"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
<navPoint id="n1"><navLabel><text>The Harbour</text></navLabel><content src="one.xhtml"/></navPoint>
<navPoint id="n2"><navLabel><text>The Hill</text></navLabel><content src="two.xhtml#top"/></navPoint>
</navMap></ncx>"""
    files = [
        ("one.xhtml", b.xhtml("<p>Boats came in at dawn.</p>")),
        ("two.xhtml", b.xhtml("<p>The wind never stops up there.</p>")),
        ("toc.ncx", ncx),
    ]
    opf = b"""<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Harbour Days</dc:title><dc:creator>gullwing</dc:creator></metadata>
<manifest><item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="c1" href="one.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="two.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine toc="ncx"><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    doc = read_raw(b.epub_package(files, [], raw_opf=opf))
    assert doc.title == "Harbour Days" and doc.author == "gullwing"
    assert [c.title for c in doc.chapters] == ["The Harbour", "The Hill"]
    assert doc.chapters[1].paragraphs == ["The wind never stops up there."]


def test_calibre_split_files_continue_the_chapter() -> None:
    files = [
        (
            "text/story_split_000.xhtml",
            b.xhtml("<h2>Chapter 1</h2><p>First half of the chapter.</p>"),
        ),
        ("text/story_split_001.xhtml", b.xhtml("<p>Second half of the same chapter.</p>")),
        ("text/story_split_002.xhtml", b.xhtml("<h2>Chapter 2</h2><p>Next chapter.</p>")),
    ]
    doc = read_raw(
        b.epub_package(files, [f"text/story_split_00{n}.xhtml" for n in range(3)], title="Split")
    )
    assert [c.title for c in doc.chapters] == ["Chapter 1", "Chapter 2"]
    assert doc.chapters[0].paragraphs == [
        "First half of the chapter.",
        "Second half of the same chapter.",
    ]


def test_xhtml_self_closing_tags_do_not_swallow_text() -> None:
    body = '<h1>One</h1><a id="start"/><p>Kept paragraph.</p><div class="gap"/><p>Also kept.</p>'
    doc = read_raw(b.epub_package([("c.xhtml", b.xhtml(body))], ["c.xhtml"], title="X"))
    assert doc.chapters[0].paragraphs == ["Kept paragraph.", "Also kept."]


def test_epub_without_container_finds_the_opf() -> None:
    spec = b.short_spec()
    data = b.generic_epub(spec)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist() if "container" not in i.filename]
    doc = read_raw(b.zip_bytes(members))
    assert doc.title == spec.title
    assert doc.chapters[0].paragraphs[-1] == spec.chapters[0].paragraphs[-1]


def test_font_obfuscation_is_not_drm() -> None:
    spec = b.short_spec()
    encryption = b"""<?xml version="1.0"?>
<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
<enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
<enc:CipherData><enc:CipherReference URI="fonts/f.otf"/></enc:CipherData></enc:EncryptedData></encryption>"""
    files = [("c.xhtml", b.xhtml("<p>" + spec.chapters[0].paragraphs[0] + "</p>"))]
    data = b.epub_package(
        files, ["c.xhtml"], extra_members=[("META-INF/encryption.xml", encryption)]
    )
    assert read_raw(data).chapters[0].paragraphs == [spec.chapters[0].paragraphs[0]]


def test_html_description_becomes_plain_summary() -> None:
    files = [("c.xhtml", b.xhtml("<p>Story text here.</p>"))]
    data = b.epub_package(
        files, ["c.xhtml"], description="<p>First <em>line</em>.</p><p>Second line.</p>"
    )
    assert read_raw(data).metadata.summary == "First line.\n\nSecond line."


def test_fanficfare_without_ao3_keeps_notes_per_chapter() -> None:
    """From other sites FanFicFare's "Author's Note" is a chapter note, not a work note."""
    spec = replace(b.sample_spec(), work_id="1")
    with zipfile.ZipFile(io.BytesIO(b.fanficfare_epub(spec))) as z:
        members = [
            (i.filename, z.read(i).replace(b"archiveofourown.org", b"example-fics.net"))
            for i in z.infolist()
        ]
    doc = read_raw(b.zip_bytes(members))
    assert doc.preface_notes == []
    assert doc.chapters[0].notes[: len(spec.notes)] == spec.notes


def test_converted_single_file_book_drops_its_title_heading() -> None:
    body = (
        "<h1>Harbour Days</h1><p>by gullwing</p>"
        "<h2>Chapter 1</h2><p>Boats came in at dawn.</p>"
        "<h2>Chapter 2</h2><p>The wind never stops.</p>"
    )
    data = b.epub_package(
        [("index_split_000.html", b.xhtml(body))],
        ["index_split_000.html"],
        title="Harbour Days",
        creators=("gullwing",),
    )
    doc = read_raw(data)
    assert [c.title for c in doc.chapters] == ["Chapter 1", "Chapter 2"]
    assert doc.chapters[0].paragraphs == ["Boats came in at dawn."]
