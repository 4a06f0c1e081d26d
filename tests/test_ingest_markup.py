"""Markdown, generic HTML and DOCX readers: markup stripped, headings as chapters,
title and author found, non-story markup (scripts, navigation, deleted text) dropped."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fixtures import builders as b

from forewarn.ingest import SCENE_BREAK, read_raw
from forewarn.ingest.markdown import strip_inline


def _expected_in_order(spec: b.StorySpec, number: int) -> list[str]:
    """Paragraphs of chapter `number` when the format cannot mark notes: the work's
    notes open chapter 1 and its end notes close the last chapter."""
    want = spec.chapters[number - 1]
    return (
        (spec.notes if number == 1 else [])
        + want.notes
        + spec.expected_paragraphs(number)
        + want.end_notes
        + (spec.end_notes if number == len(spec.chapters) else [])
    )


@pytest.mark.parametrize(
    ("build", "fmt"),
    [(b.markdown, "markdown"), (b.html_page, "html"), (b.docx, "docx")],
    ids=["markdown", "html", "docx"],
)
def test_sample_story(build: Callable[[b.StorySpec], bytes], fmt: str) -> None:
    spec = b.sample_spec()
    doc = read_raw(build(spec))
    assert doc.format == fmt
    assert doc.title == spec.title
    assert doc.author == spec.author
    assert [c.title for c in doc.chapters] == [spec.chapter_heading(n) for n in range(1, 4)]
    for number, chapter in enumerate(doc.chapters, start=1):
        assert chapter.paragraphs == _expected_in_order(spec, number)


def test_markdown_inline_markup_removed() -> None:
    assert strip_inline(
        "**Bold** and *it* and _it_ and `code` and [a link](https://x.example/y)"
    ) == ("Bold and it and it and code and a link")
    assert strip_inline("snake_case and 5 * 3 stay") == "snake_case and 5 * 3 stay"
    assert strip_inline("![cover](cover.png)Text &amp; more") == "Text & more"


def test_markdown_front_matter_and_setext() -> None:
    text = (
        "---\ntitle: Tide Lines\nauthor: saltmarsh\nrating: Mature\ntags: [Angst, Grief]\n---\n\n"
        "Chapter 1: Low Water\n===================\n\nThe tide went out.\n\n"
        "Chapter 2: High Water\n---------------------\n\nThe tide came in.\n"
    )
    doc = read_raw(text.encode(), "notes.md")
    assert (doc.title, doc.author) == ("Tide Lines", "saltmarsh")
    assert doc.metadata.rating == "Mature"
    assert doc.metadata.additional_tags == ["Angst", "Grief"]
    assert [c.title for c in doc.chapters] == ["Chapter 1: Low Water", "Chapter 2: High Water"]


def test_markdown_plain_chapter_lines_without_headings() -> None:
    text = "# The Long Night\n\nby owlish\n\nChapter 1: Dusk\n\nIt got dark.\n\nChapter 2: Dawn\n\nIt got light.\n"
    doc = read_raw(text.encode(), "x.md")
    assert doc.title == "The Long Night" and doc.author == "owlish"
    assert [c.title for c in doc.chapters] == ["Chapter 1: Dusk", "Chapter 2: Dawn"]


def test_markdown_soft_wraps_join_and_hard_breaks_keep_lines() -> None:
    text = "# T\n\nA line that\nwraps softly.\n\nverse one  \nverse two\n"
    doc = read_raw(text.encode(), "x.md")
    assert doc.chapters[0].paragraphs == ["A line that wraps softly.", "verse one\nverse two"]


def test_markdown_scene_break_and_rule() -> None:
    doc = read_raw(b"# T\n\nOne.\n\n* * *\n\nTwo.\n\n---\n\nThree.\n", "x.md")
    assert doc.chapters[0].paragraphs == ["One.", SCENE_BREAK, "Two.", SCENE_BREAK, "Three."]


def test_html_drops_script_style_nav() -> None:
    doc = read_raw(b.html_page(b.sample_spec()))
    text = " ".join(p for c in doc.chapters for p in c.paragraphs)
    for junk in ("tracker", "nope", "All fics", "Home", "margin"):
        assert junk not in text


def test_html_double_br_splits_paragraphs_single_br_keeps_line() -> None:
    html = (
        b"<html><body><h1>Br Story</h1><div>First paragraph.<br><br>Second paragraph."
        b"<br>same paragraph, new line.<br/><br/>Third.</div></body></html>"
    )
    doc = read_raw(html)
    assert doc.title == "Br Story"
    assert doc.chapters[0].paragraphs == [
        "First paragraph.",
        "Second paragraph.\nsame paragraph, new line.",
        "Third.",
    ]


def test_html_title_falls_back_to_title_tag() -> None:
    doc = read_raw(
        b"<html><head><title>Only Title</title></head><body><p>Words here.</p></body></html>"
    )
    assert doc.title == "Only Title"
    assert doc.chapters[0].paragraphs == ["Words here."]


def test_html_headings_without_chapter_words_split_chapters() -> None:
    html = b"<body><h2>Dusk</h2><p>Dark.</p><h2>Dawn</h2><p>Light.</p></body>"
    doc = read_raw(html)
    assert [c.title for c in doc.chapters] == ["Dusk", "Dawn"]


def test_html_entities_and_nbsp_paragraphs() -> None:
    doc = read_raw(b"<body><p>Tom &amp; Jerry&nbsp;ran.</p><p>&nbsp;</p><p>caf&eacute;</p></body>")
    assert doc.chapters[0].paragraphs == ["Tom & Jerry ran.", "café"]


def test_docx_without_core_properties_or_title_style() -> None:
    body = "".join(
        [
            b._w_p("Chapter 1", "Heading1"),
            b._w_p("The harbour was quiet."),
            b._w_p("Chapter 2", "Heading1"),
            b._w_p("The storm came."),
        ]
    )
    doc = read_raw(b.docx_package(body))
    assert doc.title is None
    assert [c.title for c in doc.chapters] == ["Chapter 1", "Chapter 2"]
    assert doc.chapters[1].paragraphs == ["The storm came."]


def test_docx_core_properties_used_when_body_has_no_title() -> None:
    body = b._w_p("Just one paragraph of story.")
    doc = read_raw(b.docx_package(body, title="Core Title", creator="coreauthor"))
    assert (doc.title, doc.author) == ("Core Title", "coreauthor")


def test_docx_tabs_breaks_deletions_and_fallbacks() -> None:
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    body = (
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Chapter 1</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Left</w:t><w:tab/><w:t>right</w:t><w:br/><w:t>next line</w:t></w:r>"
        "<w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del>"
        '<w:ins><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins></w:p>'
        f'<w:p><mc:AlternateContent xmlns:mc="{mc}"><mc:Choice><w:r><w:t>shown once</w:t></w:r></mc:Choice>'
        "<mc:Fallback><w:r><w:t>shown once</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Chapter 2</w:t></w:r></w:p>'
        "<w:p><w:hyperlink><w:r><w:t>linked text</w:t></w:r></w:hyperlink></w:p>"
    )
    doc = read_raw(b.docx_package(body))
    assert doc.chapters[0].paragraphs == ["Left right\nnext line inserted", "shown once"]
    assert doc.chapters[1].title == "Chapter 2"
    assert doc.chapters[1].paragraphs == ["linked text"]


def test_docx_localised_heading_style_names() -> None:
    styles_body = (
        '<w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Kapitel 1</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Der Leuchtturm war dunkel.</w:t></w:r></w:p>"
        '<w:p><w:pPr><w:pStyle w:val="berschrift1"/></w:pPr><w:r><w:t>Kapitel 2</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Der Sturm kam.</w:t></w:r></w:p>"
    )
    doc = read_raw(b.docx_package(styles_body))
    assert [c.title for c in doc.chapters] == ["Kapitel 1", "Kapitel 2"]


def test_single_br_between_long_prose_lines_splits_paragraphs() -> None:
    one = "The door to the boathouse was nearly torn from its hinges as the wind came in off the water, and every lamp in the row went out at once."
    two = "Nobody moved for a long moment; then somebody laughed, too loudly, and somebody else went to find the matches they kept behind the bar."
    lyric = "and the tide keeps every promise<br>that the shoreline never made"
    html = f"<body><div class='userstuff'><p>{one}<br>{two}</p><p><em>{lyric}</em></p></div></body>"
    doc = read_raw(html.encode())
    assert doc.chapters[0].paragraphs == [one, two, lyric.replace("<br>", "\n")]
