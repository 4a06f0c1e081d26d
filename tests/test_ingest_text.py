"""Plain-text reader: encodings, newlines, chapter headings, scene breaks, title/byline."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fixtures import builders as b

from forewarn.ingest import SCENE_BREAK, read_raw
from forewarn.ingest.structure import (
    Para,
    build_chapters,
    chapter_heading,
    is_scene_break,
    split_long,
)
from forewarn.work import RawDocument


def _all_paragraphs(doc: RawDocument) -> list[str]:
    return [p for c in doc.chapters for p in c.paragraphs]


def test_sample_story_as_text() -> None:
    spec = b.sample_spec()
    doc = read_raw(b.plain_text(spec))
    assert doc.format == "text"
    assert doc.title == spec.title and doc.author == spec.author
    assert [c.title for c in doc.chapters] == [spec.chapter_heading(n) for n in range(1, 4)]
    # Unmarked notes stay in the paragraphs, in reading order.
    last = len(spec.chapters)
    for number, chapter in enumerate(doc.chapters, start=1):
        want = spec.chapters[number - 1]
        expected = (
            (spec.notes if number == 1 else [])
            + want.notes
            + spec.expected_paragraphs(number)
            + want.end_notes
            + (spec.end_notes if number == last else [])
        )
        assert chapter.paragraphs == expected


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", False),
        ("utf-8", True),
        ("utf-16", False),
        ("utf-16-le", False),
        ("utf-16-be", False),
        ("cp1252", False),
    ],
)
def test_encodings_round_trip(encoding: str, bom: bool) -> None:
    spec = b.sample_spec()  # curly quotes, em dash: all in cp1252
    doc = read_raw(b.plain_text(spec, encoding=encoding, bom=bom))
    assert doc.title == spec.title
    assert spec.chapters[1].paragraphs[6] in doc.chapters[1].paragraphs  # “Keep the light going,”
    assert spec.chapters[0].epigraph[1] in doc.chapters[0].paragraphs  # — The Paper Gulls, “…”


def test_latin1_accents() -> None:
    text = (
        "Le phare\n\nZoë rama jusqu'au phare de Corran, où la lampe était éteinte depuis "
        "trois nuits. « Ça ira », dit-elle, et elle frotta une allumette.\n\n"
        "Le vent soufflait fort ; la mer était grise comme l'étain.\n"
    )
    doc = read_raw(text.encode("latin-1"))
    paragraphs = _all_paragraphs(doc)
    assert any(
        "Zoë rama jusqu'au phare de Corran, où la lampe était éteinte" in p for p in paragraphs
    )
    assert any("« Ça ira »" in p for p in paragraphs)


def test_mixed_utf8_with_stray_cp1252_bytes() -> None:
    data = "Maren’s lamp — lit again.".encode() + b" She said \x93hello\x94 to the sea.\n"
    paragraphs = _all_paragraphs(read_raw(data))
    assert paragraphs == ["Maren’s lamp — lit again. She said “hello” to the sea."]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_newline_styles(newline: str) -> None:
    spec = b.sample_spec()
    doc = read_raw(b.plain_text(spec, newline=newline))
    assert len(doc.chapters) == 3
    assert doc.chapters[2].paragraphs == spec.chapters[2].paragraphs + spec.end_notes


def test_heading_styles_start_chapters() -> None:
    text = (
        "CHAPTER ONE\n\nThe boat left at dawn.\n\n"
        "Chapter Two - The Crossing\n\nThe sea was calm.\n\n"
        "Part III\n\nThey arrived.\n\n"
        "4.\n\nThe end came quickly.\n\n"
        "Epilogue\n\nYears later, the light still burned.\n"
    )
    doc = read_raw(text.encode())
    assert [c.title for c in doc.chapters] == [
        "CHAPTER ONE",
        "Chapter Two - The Crossing",
        "Part III",
        "4.",
        "Epilogue",
    ]
    assert [c.paragraphs for c in doc.chapters][3] == ["The end came quickly."]


def test_scene_breaks_are_not_chapters() -> None:
    text = "Chapter 1\n\nFirst scene.\n\n* * *\n\nSecond scene.\n\n~oOo~\n\nThird scene.\n\n***\n\nFourth.\n"
    doc = read_raw(text.encode())
    assert len(doc.chapters) == 1
    assert doc.chapters[0].paragraphs == [
        "First scene.",
        SCENE_BREAK,
        "Second scene.",
        SCENE_BREAK,
        "Third scene.",
        SCENE_BREAK,
        "Fourth.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Chapter 1",
        "CHAPTER ONE",
        "Chapter 12: The Storm",
        "Ch. 3 - Home",
        "Part II",
        "Prologue",
        "1.",
        "Chapter Twenty-One",
        "Book 2: Ashes",
        "Epilogue: After",
    ],
)
def test_chapter_heading_positive(line: str) -> None:
    assert chapter_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "Part of me wanted to stay.",
        "Chapter one was over, and she closed the book.",
        "Chapters",
        "1984 was a strange year for everyone in the village.",
        "The chapter ended.",
        "* * *",
        "",
    ],
)
def test_chapter_heading_negative(line: str) -> None:
    assert not chapter_heading(line)


@pytest.mark.parametrize(
    "line", ["* * *", "***", "---", "~~~", "o0o", "~oOo~", "-xXx-", "• • •", "§§§"]
)
def test_scene_break_spellings(line: str) -> None:
    assert is_scene_break(line)


@pytest.mark.parametrize("line", ["...", "Oh.", "—", "no", "* starred *"])
def test_not_scene_breaks(line: str) -> None:
    assert not is_scene_break(line)


def test_title_by_author_single_line() -> None:
    doc = read_raw(b"Salt Road by inkwell\n\nShe walked the salt road at night.\n")
    assert (doc.title, doc.author) == ("Salt Road", "inkwell")
    assert doc.chapters[0].paragraphs == ["She walked the salt road at night."]


def test_no_title_guessed_from_prose() -> None:
    doc = read_raw(b"She waited by the door.\n\nNobody came by the house that night.\n")
    assert doc.title is None and doc.author is None
    assert len(doc.chapters[0].paragraphs) == 2


def test_stand_by_me_is_not_an_author() -> None:
    doc = read_raw(b"Stand by Me\n\nThe song played on the radio all night.\n")
    assert doc.author is None


def test_header_block_fields() -> None:
    text = (
        "Title: Ash and Ember\nAuthor: cinderwick\nRating: Teen And Up Audiences\n"
        "Fandom: The Glass Orchard (TV)\nPairing: Maren Vale/Tobias Quill\n"
        "Warnings: minor character death\n\nThe fire had gone out by morning.\n"
    )
    doc = read_raw(text.encode())
    assert doc.title == "Ash and Ember" and doc.author == "cinderwick"
    assert doc.metadata.rating == "Teen And Up Audiences"
    assert doc.metadata.fandoms == ["The Glass Orchard (TV)"]
    assert doc.metadata.relationships == ["Maren Vale/Tobias Quill"]
    # The header stays in the text (declared-warning parsing reads it), minus title/author.
    first = doc.chapters[0].paragraphs[0]
    assert "Warnings: minor character death" in first and "Title:" not in first


def test_hard_wrapped_prose_is_reflowed_but_verse_keeps_lines() -> None:
    prose = (
        "The lighthouse on Corran Point had been dark for three nights when Maren\n"
        "Vale finally took the rowing boat out alone. The harbourmaster said it was\n"
        "a fault in the lamp. Her mother said it was a warning, and said it twice.\n"
    )
    verse = "and the tide keeps every promise\nthat the shoreline never made\n"
    doc = read_raw((prose + "\n" + verse).encode())
    paragraphs = doc.chapters[0].paragraphs
    assert paragraphs[0] == " ".join(line for line in prose.strip().split("\n"))
    assert paragraphs[1] == verse.strip()


def test_one_paragraph_per_line_without_blank_lines() -> None:
    lines = ["First line of the story.", "Second line.", "Third line.", "Fourth line.", "Fifth."]
    doc = read_raw("\n".join(lines).encode())
    assert doc.chapters[0].paragraphs == lines


def test_long_front_matter_becomes_its_own_chapter() -> None:
    prologue = "\n\n".join(f"Prologue paragraph {n} with some words in it." for n in range(10))
    text = prologue + "\n\nChapter 1\n\nThe story proper.\n"
    doc = read_raw(text.encode())
    assert [c.title for c in doc.chapters] == [None, "Chapter 1"]


def test_part_heading_directly_before_chapter_heading() -> None:
    doc = read_raw(b"Part One\n\nChapter 1\n\nText one.\n\nChapter 2\n\nText two.\n")
    assert [c.title for c in doc.chapters] == ["Chapter 1", "Chapter 2"]


def test_split_long_paragraphs_at_sentences() -> None:
    sentence = "The lamp burned low and the sea was grey. "
    text = sentence * 2000
    parts = split_long(text.strip(), limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text.strip()


def test_build_chapters_marked_headings_use_top_level() -> None:
    paras = [Para("One", 2), Para("a"), Para("Aside", 3), Para("b"), Para("Two", 2), Para("c")]
    chapters = build_chapters(paras)
    assert [c.title for c in chapters] == ["One", "Two"]
    assert chapters[0].paragraphs == ["a", "Aside", "b"]


def test_epigraph_lines_kept_as_one_paragraph() -> None:
    spec = b.sample_spec()
    doc = read_raw(b.plain_text(replace(spec, notes=[])))
    assert spec.chapters[0].epigraph[0] in doc.chapters[0].paragraphs
