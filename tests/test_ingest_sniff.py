"""Format sniffing: content decides, the file name only breaks ties."""

from __future__ import annotations

import pytest
from fixtures import builders as b

from forewarn.ingest import FORMATS, read_raw, sniff

SPEC = b.sample_spec()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b.plain_text(SPEC), "text"),
        (b.markdown(SPEC), "markdown"),
        (b.html_page(SPEC), "html"),
        (b.ao3_work_page_html(SPEC), "ao3-html"),
        (b.ao3_download_html(SPEC), "ao3-html"),
        (b.ao3_epub(SPEC), "epub"),
        (b.fanficfare_epub(SPEC), "epub"),
        (b.generic_epub(SPEC), "epub"),
        (b.docx(SPEC), "docx"),
        (b.pan_jsonl(SPEC), "pan-jsonl"),
    ],
    ids=[
        "text",
        "markdown",
        "html",
        "ao3-page",
        "ao3-download",
        "ao3-epub",
        "fff-epub",
        "epub",
        "docx",
        "pan",
    ],
)
def test_sniff_by_content(data: bytes, expected: str) -> None:
    assert expected in FORMATS
    assert sniff(data) == expected
    # A misleading name changes nothing.
    assert sniff(data, "story.txt" if expected != "text" else "story.epub") == expected


@pytest.mark.parametrize("wrong_name", ["story.txt", "story.html", "story.docx", "story"])
def test_epub_with_wrong_suffix_is_read_as_epub(wrong_name: str) -> None:
    doc = read_raw(b.ao3_epub(SPEC), wrong_name)
    assert doc.format == "ao3-epub"
    assert len(doc.chapters) == len(SPEC.chapters)


def test_docx_named_html_is_docx() -> None:
    assert read_raw(b.docx(SPEC), "story.html").format == "docx"


def test_html_named_txt_is_html() -> None:
    assert read_raw(b.html_page(SPEC), "story.txt").format == "html"


def test_markdown_suffix_breaks_a_tie() -> None:
    plain = b"A story with no markup at all.\n\nSecond paragraph.\n"
    assert sniff(plain, "story.txt") == "text"
    assert sniff(plain, "story.md") == "markdown"


def test_html_fragment_without_html_tag() -> None:
    assert sniff(b"<p>Just a paragraph.</p><p>And another.</p>") == "html"


def test_text_mentioning_tags_stays_text() -> None:
    data = b"She typed <3 and then wrote i <b> love </b> you in the chat.\n\nThe end.\n"
    assert sniff(data) == "text"


def test_xhtml_with_xml_declaration_is_html() -> None:
    data = b.xhtml("<h1>One</h1><p>Text.</p>")
    assert sniff(data) == "html"
    assert read_raw(data).chapters[0].paragraphs == ["Text."]
