"""The declared-warnings parser: AO3 fields, free-text notes in many phrasings, severity
qualifiers, unknown phrases, "chose not to warn", de-duplication, and song credits."""

from __future__ import annotations

from typing import Any

import pytest

from forewarn.declared import (
    extract_credits,
    lookup,
    parse_declared,
    rating_level,
    severity_of,
    split_qualifier,
)
from forewarn.report import Declared
from forewarn.segment import build_work
from forewarn.taxonomy import load
from forewarn.work import Metadata, RawChapter, RawDocument, Work

STORY = ["She walked home alone through the rain, thinking of nothing at all."]


def work_with_note(note: str, where: str = "notes") -> Work:
    chapter = RawChapter(paragraphs=list(STORY))
    getattr(chapter, where).append(note)
    return build_work(RawDocument("test", chapters=[chapter]))


def note_warnings(note: str) -> set[tuple[str | None, str | None]]:
    return {
        (d.warning, d.severity) for d in parse_declared(work_with_note(note)) if d.source == "note"
    }


# (note text, expected {(warning, severity)} from source "note")
PHRASINGS: list[tuple[str, set[tuple[str | None, str | None]]]] = [
    (
        "Warnings are character death, very slight language, and mentions of self-harm",
        {("death", None), ("profanity", "mention"), ("self-harm", "mention")},
    ),
    ("TW: suicide, blood", {("suicide", None), ("blood-gore", None)}),
    ("CW//abuse", {("abuse", None)}),
    ("cw: su!cide", {("suicide", None)}),
    (
        "Trigger warning for mentions of abuse and self harm",
        {("abuse", "mention"), ("self-harm", "mention")},
    ),
    ("Rated M for language", {("profanity", None)}),
    ("warnings for: MCD, implied non-con", {("death", None), ("sexual-abuse", "mention")}),
    ("Content warnings: blood, vomit, needles", {("blood-gore", None), ("procedures", None)}),
    ("This chapter contains graphic violence", {("violence", "graphic")}),
    ("TW // ED, SH", {("dysmorphia", None), ("self-harm", None)}),
    (
        "Warnings:\n- death\n- blood\n- panic attacks",
        {("death", None), ("blood-gore", None), ("other-mental-health", None)},
    ),
    ("tw: s*icide", {("suicide", None)}),
    ("TW: r*pe", {("sexual-abuse", None)}),
    (
        "Heads up for some brief violence and a bit of swearing, but nothing too bad!",
        {("violence", "mention"), ("profanity", "mention")},
    ),
    ("[TW: self-harm mention]", {("self-harm", "mention")}),
    ("Warning for graphic descriptions of injury.", {("blood-gore", "graphic")}),
    ("There are mentions of past child abuse in this chapter.", {("child-abuse", "mention")}),
    ("CW: homophobic slurs", {("homophobia", None)}),
    ("Warnings: Major Character Death", {("death", None)}),
    ("warning: explicit sexual content", {("pornography", "graphic")}),
    ("TW - drug use, alcohol", {("addiction", None)}),
    ("Content notes: eating disorder, body dysmorphia", {("dysmorphia", None)}),
    ("tws: kidnapping | torture", {("kidnapping", None), ("violence", None)}),
    ("CW: detailed descriptions of surgery", {("procedures", "graphic")}),
    ("This fic deals with suicidal thoughts.", {("suicide", None)}),
    (
        "Warnings include: implied/referenced child abuse; panic attacks",
        {("child-abuse", "mention"), ("other-mental-health", None)},
    ),
    ("TW: mild gore", {("blood-gore", "mention")}),
    ("t/w: domestic violence", {("abuse", None)}),
    ("c/w: miscarriage", {("miscarriage", None)}),
    ("Warnings: brief mention of an animal death", {("animal-abuse", "mention")}),
    ("TW: non-graphic violence", {("violence", "depiction")}),
    ("Warning: Canon-Typical Violence", {("violence", None)}),
    (
        "TW: past self harm, references to suicide",
        {("self-harm", "mention"), ("suicide", "mention")},
    ),
    ("cw // racism & homophobia", {("racism", None), ("homophobia", None)}),
    ("Warnings: on-screen character death", {("death", "depiction")}),
    ("Trigger warnings: self-harm/suicide", {("self-harm", None), ("suicide", None)}),
    ("CN: pregnancy", {("other-pregnancy", None)}),
    (
        "Warnings: mentions of alcoholism, brief blood",
        {("addiction", "mention"), ("blood-gore", "mention")},
    ),
    ("TW: stalking, gaslighting", {("other-abuse", None)}),
    ("This story contains references to war.", {("collective-violence", "mention")}),
    ("WARNINGS: GRAPHIC VIOLENCE, MCD", {("violence", "graphic"), ("death", None)}),
    ("tw: s/h", {("self-harm", None)}),
    ("Warnings: character deaths", {("death", None)}),
    ("cw: blood and injury", {("blood-gore", None)}),
    ("Be warned, there's some violence.", {("violence", None)}),
    ("(TW: suicide attempt) Hope you enjoy!", {("suicide", None)}),
    ("TW: vomiting (ch 3)", {("blood-gore", None)}),
    ("Warnings: self harm (implied)", {("self-harm", "mention")}),
]


def test_table_is_big_and_distinct() -> None:
    phrases = [p for p, _ in PHRASINGS]
    assert len(set(phrases)) == len(phrases) >= 40


@pytest.mark.parametrize(("note", "expected"), PHRASINGS, ids=[p[:40] for p, _ in PHRASINGS])
def test_note_phrasings(note: str, expected: set[tuple[str | None, str | None]]) -> None:
    assert note_warnings(note) == expected


@pytest.mark.parametrize("where", ["notes", "end_notes"])
def test_notes_front_and_end_are_read(where: str) -> None:
    declared = parse_declared(work_with_note("TW: blood", where=where))
    assert [(d.warning, d.source) for d in declared] == [("blood-gore", "note")]


def test_unmarked_leading_note_in_paragraphs_is_read() -> None:
    raw = RawDocument(
        "test",
        chapters=[RawChapter(paragraphs=["A/N: TW for mentions of suicide. Enjoy!", *STORY])],
    )
    assert {(d.warning, d.severity) for d in parse_declared(build_work(raw))} == {
        ("suicide", "mention")
    }


def test_story_text_is_never_read_as_a_declaration() -> None:
    raw = RawDocument(
        "test",
        chapters=[RawChapter(paragraphs=["He read the sign: Warning: blood, suicide, death."])],
    )
    assert parse_declared(build_work(raw)) == []


def test_phrase_and_qualifier_text_are_kept() -> None:
    [d] = parse_declared(work_with_note("Warnings: very slight language"))
    assert d == Declared("very slight language", "profanity", "mention", "very slight", "note")


def test_unknown_warning_phrase_keeps_warning_none() -> None:
    declared = parse_declared(work_with_note("TW: clowns, car accident, blood"))
    assert {(d.phrase, d.warning) for d in declared} == {
        ("clowns", None),
        ("car accident", None),
        ("blood", "blood-gore"),
    }


def test_commentary_after_a_warning_intro_is_not_a_warning() -> None:
    assert note_warnings("Warning: this is my first fic, so be nice") == set()
    assert note_warnings("Warnings aside, I loved writing this one.") == set()


def test_spoilers_are_not_content_warnings() -> None:
    assert note_warnings("CW: spoilers for season 3, blood") == {("blood-gore", None)}


def test_warnings_none_and_heed_the_tags() -> None:
    [none] = parse_declared(work_with_note("Warnings: none"))
    assert (none.warning, none.qualifier) == (None, "none-apply")
    [heed] = parse_declared(work_with_note("Please heed the tags."))
    assert (heed.warning, heed.qualifier) == (None, "heed-tags")


# --- AO3 fields ---------------------------------------------------------------------------


def work_with_metadata(**kwargs: Any) -> Work:
    return build_work(
        RawDocument(
            "ao3-html", metadata=Metadata(**kwargs), chapters=[RawChapter(paragraphs=STORY)]
        )
    )


@pytest.mark.parametrize(
    ("archive_warning", "warning", "severity", "qualifier"),
    [
        ("Major Character Death", "death", None, None),
        ("Graphic Depictions Of Violence", "violence", "graphic", None),
        ("Rape/Non-Con", "sexual-abuse", None, None),
        ("Underage", None, None, None),
        ("Creator Chose Not To Use Archive Warnings", None, None, "chose-not-to-warn"),
        ("No Archive Warnings Apply", None, None, "none-apply"),
    ],
)
def test_archive_warnings(
    archive_warning: str, warning: str | None, severity: str | None, qualifier: str | None
) -> None:
    [d] = parse_declared(work_with_metadata(archive_warnings=[archive_warning]))
    assert (d.phrase, d.warning, d.severity, d.qualifier, d.source) == (
        archive_warning,
        warning,
        severity,
        qualifier,
        "ao3-tag",
    )


def test_additional_tags_keep_only_warnings_with_qualifiers() -> None:
    tags = [
        "Angst",
        "Fluff",
        "Hurt/Comfort",
        "Implied/Referenced Self-Harm",
        "Suicidal Thoughts",
        "Blood and Injury",
        "Past Child Abuse",
        "Graphic Violence",
        "Canon-Typical Violence",
        "Minor Character Death",
    ]
    got = [
        (d.phrase, d.warning, d.severity)
        for d in parse_declared(work_with_metadata(additional_tags=tags))
    ]
    assert got == [
        ("Implied/Referenced Self-Harm", "self-harm", "mention"),
        ("Suicidal Thoughts", "suicide", None),
        ("Blood and Injury", "blood-gore", None),
        ("Past Child Abuse", "child-abuse", "mention"),
        ("Graphic Violence", "violence", "graphic"),
        ("Canon-Typical Violence", "violence", None),
        ("Minor Character Death", "death", None),
    ]


@pytest.mark.parametrize(
    ("rating", "level"),
    [
        ("Explicit", "explicit"),
        ("Mature", "mature"),
        ("Teen And Up Audiences", "teen"),
        ("General Audiences", "general"),
        ("Not Rated", "not-rated"),
    ],
)
def test_rating_is_recorded_not_a_warning(rating: str, level: str) -> None:
    [d] = parse_declared(work_with_metadata(rating=rating))
    assert (d.warning, d.qualifier, d.source) == (None, level, "rating")


def test_rating_in_notes() -> None:
    declared = parse_declared(work_with_note("Rated T for swearing and violence"))
    assert [(d.warning, d.qualifier, d.source) for d in declared] == [
        (None, "teen", "rating"),
        ("profanity", None, "note"),
        ("violence", None, "note"),
    ]


def test_ao3_preface_lines_copied_into_notes() -> None:
    note = (
        "Rating: Mature\nArchive Warning: Creator Chose Not To Use Archive Warnings\n"
        "Additional Tags: Angst, Panic Attacks"
    )
    got = {(d.warning, d.qualifier, d.source) for d in parse_declared(work_with_note(note))}
    assert got == {
        (None, "mature", "rating"),
        (None, "chose-not-to-warn", "ao3-tag"),
        ("other-mental-health", None, "ao3-tag"),
    }


def test_deduplicates_within_a_source_but_keeps_sources_apart() -> None:
    raw = RawDocument(
        "test",
        metadata=Metadata(archive_warnings=["Major Character Death"]),
        chapters=[
            RawChapter(notes=["Warnings: MCD"], paragraphs=STORY),
            RawChapter(notes=["TW: character death, MCD"], paragraphs=STORY),
        ],
    )
    got = [(d.warning, d.source) for d in parse_declared(build_work(raw))]
    assert got == [("death", "ao3-tag"), ("death", "note")]


def test_summary_is_read() -> None:
    declared = parse_declared(work_with_metadata(summary="Tony has a bad day. TW: panic attacks"))
    assert [d.warning for d in declared] == ["other-mental-health"]


# --- pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "qualifier", "rest", "severity"),
    [
        ("very slight language", "very slight", "language", "mention"),
        ("mentions of self-harm", "mentions of", "self-harm", "mention"),
        ("implied non-con", "implied", "non-con", "mention"),
        ("past child abuse", "past", "child abuse", "mention"),
        ("brief violence", "brief", "violence", "mention"),
        ("mild gore", "mild", "gore", "mention"),
        ("referenced suicide", "referenced", "suicide", "mention"),
        ("graphic violence", "graphic", "violence", "graphic"),
        ("explicit sex", "explicit", "sex", "graphic"),
        ("detailed injuries", "detailed", "injuries", "graphic"),
        ("non-graphic death", "non-graphic", "death", "depiction"),
        ("self-harm mention", "mention", "self-harm", "mention"),
        ("character death", None, "character death", None),
        ("some violence", None, "some violence", None),
        ("graphic", None, "graphic", None),
    ],
)
def test_split_qualifier_and_severity(
    phrase: str, qualifier: str | None, rest: str, severity: str | None
) -> None:
    q, r = split_qualifier(phrase)
    assert (q, r) == (qualifier, rest)
    assert severity_of(q) == severity


@pytest.mark.parametrize(
    ("phrase", "warning"),
    [
        ("MCD", "death"),
        ("language", "profanity"),
        ("SH", "self-harm"),
        ("ED", "dysmorphia"),
        ("non-con", "sexual-abuse"),
        ("su!cide", "suicide"),
        ("s*icide", "suicide"),
        ("panic attack", "other-mental-health"),
        ("the needles", "procedures"),
        ("purple elephants", None),
    ],
)
def test_lookup(phrase: str, warning: str | None) -> None:
    assert lookup(phrase) == warning
    if warning:
        assert warning in load()


def test_rating_level_unknown_is_none() -> None:
    assert rating_level("Spicy") is None
    assert rating_level("PG-13") == "teen"


# --- credits ---------------------------------------------------------------------------

CREDITS = [
    ("Song used is Keep the Light by Marren Hale.", "Keep the Light", "Marren Hale"),
    ("Lyrics from Stand by Me by Ben E. King", "Stand by Me", "Ben E. King"),
    ("Title from Cosmic Love by Florence + the Machine", "Cosmic Love", "Florence + the Machine"),
    ('The song is "Work Song" by Hozier!', "Work Song", "Hozier"),
    ("Lyrics: Hozier - Work Song", "Work Song", "Hozier"),
    ("(Song: Marren Hale - Keep the Light)", "Keep the Light", "Marren Hale"),
    (
        "Inspired by Landslide by Fleetwood Mac, which I can't stop listening to.",
        "Landslide",
        "Fleetwood Mac",
    ),
    ("Title taken from Hozier's Cherry Wine", "Cherry Wine", "Hozier"),
    ('Chapter title from "Holocene" by Bon Iver', "Holocene", "Bon Iver"),
    ("Lyrics are from 'Skinny Love' by Bon Iver.", "Skinny Love", "Bon Iver"),
    ("Song: Keep the Light", "Keep the Light", None),
    (
        "I listened to Motion Sickness by Phoebe Bridgers while writing this.",
        "Motion Sickness",
        "Phoebe Bridgers",
    ),
]


@pytest.mark.parametrize(("note", "title", "artist"), CREDITS, ids=[c[0][:30] for c in CREDITS])
def test_credit_phrasings(note: str, title: str, artist: str | None) -> None:
    [credit] = extract_credits(work_with_note(note, where="end_notes"))
    assert (credit.title, credit.artist) == (title, artist)
    assert credit.raw and credit.raw in note


@pytest.mark.parametrize(
    "note",
    [
        "Inspired by a prompt from my friend",
        "The song was playing when she left",
        "Neither does the song: I made it up.",
        "Thanks for reading!",
    ],
)
def test_no_credit_where_none_is_given(note: str) -> None:
    assert extract_credits(work_with_note(note, where="end_notes")) == []


def test_epigraph_attribution_is_a_credit_and_deduplicates_with_note() -> None:
    raw = RawDocument(
        "test",
        chapters=[
            RawChapter(
                paragraphs=[
                    "Keep the light on, keep the light on\nsomebody's rowing home\n"
                    'keep the light on, keep the light on\n— Marren Hale, "Keep the Light"',
                    *STORY,
                ],
                end_notes=["Song used is Keep the Light by Marren Hale."],
            )
        ],
    )
    credits = extract_credits(build_work(raw))
    assert [(c.title, c.artist) for c in credits] == [("Keep the Light", "Marren Hale")]
    assert credits[0].raw.startswith("—")


def test_poet_attribution_without_title() -> None:
    raw = RawDocument(
        "test",
        chapters=[
            RawChapter(
                paragraphs=['"Hope is the thing with feathers."', "— Emily Dickinson", *STORY]
            )
        ],
    )
    assert [(c.title, c.artist) for c in extract_credits(build_work(raw))] == [
        (None, "Emily Dickinson")
    ]


@pytest.mark.parametrize(
    "tag", ["Death Eaters", "Post-War", "Self-Indulgent", "Please Don't Kill Me", "Blood Magic"]
)
def test_tags_that_only_contain_warning_words_are_not_warnings(tag: str) -> None:
    assert parse_declared(work_with_metadata(additional_tags=[tag])) == []


@pytest.mark.parametrize(
    ("tag", "warning", "severity"),
    [
        ("Rape Aftermath", "sexual-abuse", "mention"),
        ("Aftermath of Torture", "violence", "mention"),
        ("Original Character Death(s)", "death", None),
        ("Post-Traumatic Stress Disorder - PTSD", "mental-illness", None),
        ("Mildly Dubious Consent", "sexual-abuse", "mention"),
        ("Non-Graphic Violence", "violence", "depiction"),
    ],
)
def test_common_ao3_warning_tags(tag: str, warning: str, severity: str | None) -> None:
    [d] = parse_declared(work_with_metadata(additional_tags=[tag]))
    assert (d.warning, d.severity) == (warning, severity)
