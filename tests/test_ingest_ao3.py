"""AO3 readers: the saved work page, the "Download -> HTML" file and AO3's EPUB must all
give the same title, author, tags, notes and chapters for the same work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from fixtures import builders as b

from forewarn.ingest import read_raw, sniff
from forewarn.work import RawDocument

AO3_BUILDERS: dict[str, Callable[[b.StorySpec], bytes]] = {
    "work-page": b.ao3_work_page_html,
    "download": b.ao3_download_html,
    "epub-calibre": lambda s: b.ao3_epub(s, layout="calibre"),
    "epub-per-file": lambda s: b.ao3_epub(s, layout="per-file"),
}


def _expected_format(kind: str) -> str:
    return "ao3-epub" if kind.startswith("epub") else "ao3-html"


@pytest.fixture(scope="module")
def spec() -> b.StorySpec:
    return b.sample_spec()


@pytest.fixture(scope="module")
def docs(spec: b.StorySpec) -> dict[str, RawDocument]:
    return {kind: read_raw(build(spec)) for kind, build in AO3_BUILDERS.items()}


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_title_author_format(kind: str, spec: b.StorySpec, docs: dict[str, RawDocument]) -> None:
    doc = docs[kind]
    assert doc.format == _expected_format(kind)
    assert doc.title == spec.title
    assert doc.author == spec.author


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_tags_fill_metadata(kind: str, spec: b.StorySpec, docs: dict[str, RawDocument]) -> None:
    meta = docs[kind].metadata
    assert meta.rating == spec.rating
    assert meta.archive_warnings == spec.archive_warnings
    assert meta.categories == spec.categories
    assert meta.fandoms == spec.fandoms
    assert meta.relationships == spec.relationships
    assert meta.characters == spec.characters
    assert meta.additional_tags == spec.additional_tags
    assert meta.summary == spec.summary
    assert meta.language == spec.language


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_notes_are_separated_from_story(
    kind: str, spec: b.StorySpec, docs: dict[str, RawDocument]
) -> None:
    doc = docs[kind]
    assert doc.preface_notes == spec.notes
    assert doc.end_notes == spec.end_notes
    for number, chapter in enumerate(doc.chapters, start=1):
        want = spec.chapters[number - 1]
        assert chapter.notes == want.notes
        assert chapter.end_notes == want.end_notes
        assert chapter.summary == want.summary
        # No note text leaks into the story paragraphs.
        for note in spec.notes + spec.end_notes + want.notes + want.end_notes:
            assert note not in chapter.paragraphs


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_chapters_titles_and_paragraphs(
    kind: str, spec: b.StorySpec, docs: dict[str, RawDocument]
) -> None:
    doc = docs[kind]
    assert len(doc.chapters) == len(spec.chapters)
    for number, chapter in enumerate(doc.chapters, start=1):
        assert chapter.title == spec.chapter_heading(number)
        assert chapter.paragraphs == spec.expected_paragraphs(number)


def test_every_ao3_layout_reads_the_same(docs: dict[str, RawDocument]) -> None:
    reference = docs["work-page"]
    for kind, doc in docs.items():
        assert doc.chapters == reference.chapters, kind
        assert doc.preface_notes == reference.preface_notes, kind
        assert doc.end_notes == reference.end_notes, kind
        for field in (
            "rating",
            "archive_warnings",
            "categories",
            "fandoms",
            "relationships",
            "characters",
            "additional_tags",
            "summary",
            "language",
            "source_url",
        ):
            assert getattr(doc.metadata, field) == getattr(reference.metadata, field), (kind, field)


@pytest.mark.parametrize("kind", ["work-page", "download"])
def test_work_id_and_url(kind: str, spec: b.StorySpec, docs: dict[str, RawDocument]) -> None:
    doc = docs[kind]
    assert doc.work_id == spec.work_id
    assert doc.metadata.source_url == spec.url


def test_work_page_chrome_is_not_text(docs: dict[str, RawDocument]) -> None:
    text = " ".join(p for c in docs["work-page"].chapters for p in c.paragraphs)
    for chrome in (
        "Kudos",
        "made me cry",
        "Terms of Service",
        "Chapter Text",
        "Fandoms",
        "do not read me",
    ):
        assert chrome not in text


def test_stats_land_in_extra(spec: b.StorySpec, docs: dict[str, RawDocument]) -> None:
    for kind in ("work-page", "download"):
        extra = docs[kind].metadata.extra
        assert extra["published"] == spec.published
        assert extra["chapters"] == f"{len(spec.chapters)}/{len(spec.chapters)}"


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_single_chapter_work(kind: str) -> None:
    spec = b.short_spec()
    doc = read_raw(AO3_BUILDERS[kind](spec))
    assert len(doc.chapters) == 1
    assert doc.chapters[0].title is None
    assert doc.chapters[0].paragraphs == spec.expected_paragraphs(1)
    assert doc.preface_notes == [] and doc.end_notes == []


@pytest.mark.parametrize("kind", list(AO3_BUILDERS))
def test_untitled_chapters_are_numbered(kind: str) -> None:
    spec = b.sample_spec()
    spec = replace(spec, chapters=[replace(c, title=None) for c in spec.chapters])
    doc = read_raw(AO3_BUILDERS[kind](spec))
    assert [c.title for c in doc.chapters] == [f"Chapter {n}" for n in range(1, 4)]


@pytest.mark.parametrize("kind", ["work-page", "download"])
def test_plural_labels_and_several_tags(kind: str) -> None:
    spec = replace(
        b.sample_spec(),
        archive_warnings=["Graphic Depictions Of Violence", "Major Character Death"],
        fandoms=["The Glass Orchard (TV)", "Lanternfall (Video Game)"],
        categories=["F/M", "Gen"],
    )
    meta = read_raw(AO3_BUILDERS[kind](spec)).metadata
    assert meta.archive_warnings == spec.archive_warnings
    assert meta.fandoms == spec.fandoms
    assert meta.categories == spec.categories


def test_sniffed_as_ao3(spec: b.StorySpec) -> None:
    assert sniff(b.ao3_work_page_html(spec)) == "ao3-html"
    assert sniff(b.ao3_download_html(spec)) == "ao3-html"
    assert sniff(b.ao3_epub(spec)) == "epub"


def test_rtl_and_zero_width_in_ao3_text() -> None:
    spec = b.short_spec()
    hebrew = "היא שמרה על האור דולק כל הלילה"
    arabic = "وبقي الضوء مشتعلا حتى الصباح"
    chapter = replace(spec.chapters[0], paragraphs=[hebrew, arabic, "zero\u200bwidth\ufeff gone"])
    doc = read_raw(b.ao3_download_html(replace(spec, chapters=[chapter])))
    paragraphs = doc.chapters[0].paragraphs
    assert hebrew in paragraphs and arabic in paragraphs
    assert "zerowidth gone" in paragraphs


def test_page_that_only_looks_like_ao3_falls_back_to_generic_html() -> None:
    html = (
        b'<html><body><div id="preface">About the Archive of Our Own</div>'
        b'<div id="chapters"><p>Some ordinary story text in a paragraph.</p></div></body></html>'
    )
    doc = read_raw(html)
    assert doc.format == "html"
    assert "Some ordinary story text in a paragraph." in doc.chapters[0].paragraphs
