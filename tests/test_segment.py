"""Segmentation: notes, epigraphs, lyrics, body and end notes are told apart; offsets,
paragraph numbers and passage windows follow the contract in `forewarn.work`."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from forewarn.declared import extract_credits, parse_declared
from forewarn.segment import HARD_MAX_WORDS, TARGET_MIN_WORDS, build_work, normalise_paragraphs
from forewarn.work import RawChapter, RawDocument, Work

PROSE = [
    "The ferry left her on the slipway with two bags and a box of tinned peaches.",
    "The lighthouse stood above the rocks like a chalk mark on the sky.",
    "Her great-aunt met her halfway up the path and did not hug.",
]

SONG = (
    '"Keep the light on, keep the light on,\n'
    "the sea has a long arm and a short memory,\n"
    "keep the light on, keep the light on,\n"
    "somebody's rowing home to me\"\n"
    '— Marren Hale, "Keep the Light"'
)


def one_chapter(
    paragraphs: list[str], notes: list[str] | None = None, end_notes: list[str] | None = None
) -> Work:
    chapter = RawChapter(paragraphs=paragraphs, notes=notes or [], end_notes=end_notes or [])
    return build_work(RawDocument("test", chapters=[chapter]))


def kinds(work: Work) -> list[tuple[str, int, int]]:
    """(kind, first paragraph, paragraph count) per block."""
    return [(b.kind, b.first_paragraph, b.paragraph_count) for b in work.blocks]


def kind_of(work: Work, needle: str) -> str:
    [block] = [b for b in work.blocks if needle in work.block_text(b)]
    return block.kind


# --- the plain-text case from the brief ----------------------------------------------


def test_plain_text_note_epigraph_body_end_note() -> None:
    paragraphs = [
        "Author's note: sat in my drafts for a year. Warnings: major character death, very "
        "slight language, mentions of self-harm.",
        SONG,
        *PROSE,
        "Thanks for reading! Song used is Keep the Light by Marren Hale.",
    ]
    work = one_chapter(paragraphs)
    assert kinds(work) == [("note", 1, 1), ("epigraph", 2, 1), ("body", 3, 3), ("end-note", 6, 1)]
    assert [p.kind for p in work.story_passages] == ["body"]
    assert "Warnings" not in " ".join(p.text for p in work.story_passages)
    assert "keep the light on" not in " ".join(p.text for p in work.story_passages)
    assert {d.warning for d in parse_declared(work)} == {"death", "profanity", "self-harm"}


def test_title_and_byline_above_the_note_do_not_start_the_story() -> None:
    work = one_chapter(["The Lighthouse Keeper\nby someone", "A/N: hi! TW: blood.", SONG, *PROSE])
    assert kinds(work) == [("note", 1, 2), ("epigraph", 3, 1), ("body", 4, 3)]


def test_bundled_example_story() -> None:
    text = (
        resources.files("forewarn")
        .joinpath("examples/the-lighthouse-keeper.txt")
        .read_text("utf-8")
    )
    words = len(text.split())
    assert 1200 <= words <= 1800
    # A minimal reader of our own: paragraphs on blank lines, chapters on headings.
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    chapters: list[RawChapter] = []
    preface: list[str] = []
    for p in paragraphs:
        if re.match(r"Chapter \d+: ", p):
            chapters.append(RawChapter(title=p))
        elif chapters:
            chapters[-1].paragraphs.append(p)
        else:
            preface.append(p)
    assert len(chapters) in (2, 3)
    chapters[0].paragraphs[:0] = preface  # unmarked, as a plain-text reader would leave it
    work = build_work(RawDocument("txt", chapters=chapters))
    assert [b.kind for b in work.blocks][:3] == ["note", "epigraph", "body"]
    assert work.blocks[-1].kind == "end-note"
    assert {(d.warning, d.severity) for d in parse_declared(work)} == {
        ("death", None),
        ("profanity", "mention"),
        ("self-harm", "mention"),
    }
    assert [(c.title, c.artist) for c in extract_credits(work)] == [
        ("Keep the Light", "Marren Hale")
    ]
    story = " ".join(p.text for p in work.story_passages).lower()
    for sign in ("blood", "fuck", "scars", "breathe", "cold"):  # what the audit should find
        assert sign in story
    assert "warnings" not in story and "thanks for reading" not in story


# --- notes --------------------------------------------------------------------------


def test_marked_notes_and_end_notes() -> None:
    work = one_chapter(PROSE, notes=["Thank you to my beta!"], end_notes=["See you soon."])
    assert kinds(work) == [("note", 1, 1), ("body", 2, 3), ("end-note", 5, 1)]


@pytest.mark.parametrize(
    "note",
    [
        "A/N: this took forever, sorry!",
        "AN: First fic, be gentle.",
        "Author's Note: set after season two.",
        "Warnings: blood.",
        "TW: suicide",
        "CW // abuse",
        "Disclaimer: I own nothing.",
        "I don't own Harry Potter.",
        "Rated M for language.",
        "Enjoy!",
        "Hi everyone! Long time no see.",
        "Sorry for the wait, life got busy.",
        "This fic is a birthday present for my best friend.",
        "Unbeta'd, all mistakes are mine.",
        "Please heed the tags.",
        "Hope you enjoy this one, it was a lot of fun to write and the kudos keep me going.",
        "Thank you to my beta reader, who read this three times and cried every time.",
        "Here is the violence I warned you about. Please read safely.",
        "This chapter is mostly quiet. The storm arrives later.",
    ],
)
def test_leading_note_wordings(note: str) -> None:
    work = one_chapter([note, *PROSE])
    assert kinds(work) == [("note", 1, 1), ("body", 2, 3)]


@pytest.mark.parametrize(
    "note",
    [
        "Thanks for reading!",
        "Thank you so much for reading, comments make my day.",
        "Comments and kudos are always appreciated!",
        "Let me know what you think!",
        "See you next chapter!",
        "Find me on tumblr @someone",
        "Song used is Keep the Light by Marren Hale.",
        "I'm sorry. Please don't throw things at me.",
        "Come and shout at me in the comments.",
    ],
)
def test_trailing_end_note_wordings(note: str) -> None:
    work = one_chapter([*PROSE, note])
    assert kinds(work) == [("body", 1, 3), ("end-note", 4, 1)]


@pytest.mark.parametrize(
    "first",
    [
        "Warning bells rang in her head as she opened the door.",
        "The readers of the Daily Prophet had no idea. The update came at noon.",
        '"Let me know what you think," she said, handing him the letter.',
        "The story was old, older than the lighthouse itself.",
        "Inspired by her courage, he stood up.",
        "The song was still playing when she fell asleep.",
        "I wake up. The rain has stopped and you are gone.",
    ],
)
def test_story_openings_are_not_mistaken_for_notes(first: str) -> None:
    work = one_chapter([first, *PROSE])
    assert kinds(work) == [("body", 1, 4)]


@pytest.mark.parametrize(
    "last",
    [
        "Next time, she would be ready.",
        "Thank you, she whispered, for everything.",
        "Review the evidence, he told himself, and sleep.",
        "The End",
    ],
)
def test_story_endings_are_not_mistaken_for_end_notes(last: str) -> None:
    work = one_chapter([*PROSE, last])
    assert kinds(work) == [("body", 1, 4)]


def test_the_end_stays_story_before_a_thank_you() -> None:
    work = one_chapter([*PROSE, "The End", "Thanks for reading!"])
    assert kinds(work) == [("body", 1, 4), ("end-note", 5, 1)]


def test_several_leading_notes_then_epigraph() -> None:
    work = one_chapter(
        [
            "Warnings: major character death.",
            "Thank you to my beta reader!",
            "This chapter is mostly quiet.",
            SONG,
            *PROSE,
            "Song used is Keep the Light by Marren Hale.",
            "Come and shout at me in the comments.",
        ]
    )
    assert kinds(work) == [("note", 1, 3), ("epigraph", 4, 1), ("body", 5, 3), ("end-note", 8, 2)]


def test_mid_story_author_note() -> None:
    work = one_chapter([PROSE[0], "A/N: sorry, had to split it here!", PROSE[1]])
    assert kinds(work) == [("body", 1, 1), ("note", 2, 1), ("body", 3, 1)]


def test_note_like_words_mid_story_stay_story() -> None:
    work = one_chapter([PROSE[0], "Enjoy!", "Warnings: none, the sign said.", PROSE[1]])
    assert kinds(work) == [("body", 1, 4)]


# --- epigraphs and lyrics ------------------------------------------------------------


def test_poem_in_the_middle_of_a_scene_is_lyrics() -> None:
    poem = (
        "Because I could not stop for Death –\nHe kindly stopped for me –\n"
        "The Carriage held but just Ourselves –\nAnd Immortality."
    )
    work = one_chapter([PROSE[0], poem, PROSE[1]])
    assert kinds(work) == [("body", 1, 1), ("lyrics", 2, 1), ("body", 3, 1)]


def test_song_split_one_line_per_paragraph_is_lyrics() -> None:
    lines = ["*Keep the light on*", "*keep the light on*", "*somebody is rowing home*"]
    work = one_chapter([PROSE[0], *lines, "— Marren Hale", PROSE[1]])
    assert kinds(work) == [("body", 1, 1), ("lyrics", 2, 4), ("body", 6, 1)]


def test_short_dialogue_lines_are_story() -> None:
    work = one_chapter([PROSE[0], '"Where?"', '"Here."', '"Why?"', "He shrugged."])
    assert kinds(work) == [("body", 1, 5)]


def test_dialogue_kept_with_line_breaks_is_story() -> None:
    dialogue = '"Stay," she said.\n"I can\'t," he said.\n"Please," she said.'
    assert kinds(one_chapter([PROSE[0], dialogue, PROSE[1]])) == [("body", 1, 3)]


def test_letter_and_text_messages_are_story() -> None:
    letter = "Dear John,\nI miss you.\nLove, Mary"
    texts = "Sam: where are you\nDean: out\nSam: out where"
    assert kinds(one_chapter([letter, *PROSE])) == [("body", 1, 4)]
    assert kinds(one_chapter([PROSE[0], texts, PROSE[1]])) == [("body", 1, 3)]


def test_prose_epigraph_with_attribution() -> None:
    work = one_chapter(['"Not all those who wander are lost."', "— J.R.R. Tolkien", *PROSE])
    assert kinds(work) == [("epigraph", 1, 2), ("body", 3, 3)]


def test_verse_in_preface_notes_is_an_epigraph_of_chapter_zero() -> None:
    raw = RawDocument(
        "test",
        preface_notes=["Warnings: none.", SONG],
        chapters=[RawChapter(paragraphs=PROSE)],
    )
    work = build_work(raw)
    assert [(b.chapter, b.kind) for b in work.blocks] == [(0, "note"), (0, "epigraph"), (1, "body")]


def test_warning_list_with_line_breaks_is_a_note_not_verse() -> None:
    work = one_chapter(["Warnings:\n- death\n- blood\n- language", *PROSE])
    assert kinds(work) == [("note", 1, 1), ("body", 2, 3)]
    assert "\n- blood" in work.text  # list lines kept


def test_a_work_that_is_only_a_poem_is_scored_as_story() -> None:
    work = one_chapter(["Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you"])
    assert kinds(work) == [("body", 1, 1)]


# --- layout, numbering, offsets ------------------------------------------------------


def test_layout_chapters_and_chapter_zero() -> None:
    raw = RawDocument(
        "test",
        preface_notes=["Summary: a storm."],
        chapters=[
            RawChapter(title="One", paragraphs=PROSE[:2]),
            RawChapter(title="Two", paragraphs=PROSE[2:], summary="In which it rains."),
        ],
        end_notes=["Thanks for reading!"],
    )
    work = build_work(raw)
    assert work.text == "\n\n".join(
        ["Summary: a storm.", *PROSE[:2], "In which it rains.", PROSE[2], "Thanks for reading!"]
    )
    assert [(c.index, c.title) for c in work.chapters] == [(1, "One"), (2, "Two")]
    assert work.text[work.chapters[0].start : work.chapters[0].end] == "\n\n".join(PROSE[:2])
    assert [(b.chapter, b.kind, b.first_paragraph) for b in work.blocks] == [
        (0, "note", 1),
        (1, "body", 1),
        (2, "note", 1),
        (2, "body", 2),
        (0, "end-note", 2),  # chapter 0 keeps counting into its end matter
    ]
    ids = [p.id for p in work.passages]
    assert ids == ["c0-p1", "c1-p1", "c2-p1", "c2-p2", "c0-p2"]
    assert len(set(ids)) == len(ids)


def test_normalisation() -> None:
    assert normalise_paragraphs("  a \t b\u00a0 c  ") == ["a b c"]
    assert normalise_paragraphs("one\n\n  \ntwo") == ["one", "two"]
    assert normalise_paragraphs("\u200bzero\ufeff width") == ["zero width"]
    wrapped = (
        "This is a hard wrapped paragraph of prose that runs on for a\n"
        "while, the way old text files and Project Gutenberg books are\n"
        "wrapped at about seventy characters per line by their editors."
    )
    assert "\n" not in normalise_paragraphs(wrapped)[0]
    assert normalise_paragraphs("short line\nanother\nand one more") == [
        "short line\nanother\nand one more"
    ]
    assert normalise_paragraphs("   \n ") == []


def test_blank_line_inside_a_paragraph_makes_two_paragraphs() -> None:
    work = one_chapter(["first part\n\nsecond part"])
    assert work.text == "first part\n\nsecond part"
    assert kinds(work) == [("body", 1, 2)]


def test_short_paragraphs_merge_into_windows() -> None:
    lines = [f'"Line number {i} of the argument," she said.' for i in range(30)]
    work = one_chapter(lines)
    sizes = [len(p.text.split()) for p in work.passages]
    assert len(work.passages) < len(lines)
    assert all(s >= TARGET_MIN_WORDS for s in sizes[:-1])
    assert all(s <= HARD_MAX_WORDS for s in sizes)
    assert [p.paragraph for p in work.passages] == sorted({p.paragraph for p in work.passages})
    assert all(p.id == f"c1-p{p.paragraph}" for p in work.passages)


def test_long_paragraph_is_split_at_sentences() -> None:
    sentences = [f"Sentence {i} goes on about the sea and the light." for i in range(60)]
    work = one_chapter([PROSE[0], " ".join(sentences)])
    parts = [p for p in work.passages if p.paragraph == 2]
    assert [p.id for p in parts] == [f"c1-p2-s{i}" for i in range(1, len(parts) + 1)]
    assert len(parts) >= 3
    for p in parts:
        assert p.text.startswith("Sentence") and p.text.endswith(".")
        assert len(p.text.split()) <= HARD_MAX_WORDS
        assert work.text[p.start : p.end] == p.text
    assert " ".join(p.text for p in parts) == " ".join(sentences)


def test_run_on_paragraph_without_sentences_is_split_evenly() -> None:
    work = one_chapter(["word " * 451])
    sizes = [len(p.text.split()) for p in work.passages]
    assert sum(sizes) == 451 and max(sizes) <= HARD_MAX_WORDS and min(sizes) > 50


def test_empty_document() -> None:
    work = build_work(RawDocument("test", chapters=[RawChapter(paragraphs=["  ", ""])]))
    assert (work.text, work.blocks, work.passages) == ("", [], [])
    assert [(c.start, c.end) for c in work.chapters] == [(0, 0)]


def test_repeated_dialogue_is_an_argument_not_a_chorus() -> None:
    work = one_chapter([PROSE[0], '"No."', '"Please."', '"No."', '"No."', PROSE[1]])
    assert kinds(work) == [("body", 1, 6)]


def test_quoted_lines_with_line_breaks_and_full_stops_are_story() -> None:
    dialogue = '"No."\n"Please."\n"No."'
    assert kinds(one_chapter([PROSE[0], dialogue, PROSE[1]])) == [("body", 1, 3)]
