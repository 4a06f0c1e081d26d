"""AO3 suggestions: rating tiers and reasons, Archive Warnings, canonical Additional Tags."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from forewarn import taxonomy
from forewarn.report import SEVERITIES, Evidence, Finding, Severity
from forewarn.tags import (
    NO_ARCHIVE_WARNINGS,
    RATINGS,
    freeform_table,
    rating_tier,
    suggest,
    suggest_additional_tags,
    suggest_archive_warnings,
    suggest_rating,
)
from forewarn.work import Chapter, Passage, Work

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ao3-tags"


def make_work(chapters: list[list[str]]) -> Work:
    """One passage per paragraph, ids "c{chapter}-p{paragraph}"."""
    text, passages, chapter_records = "", [], []
    for c, paragraphs in enumerate(chapters, start=1):
        c_start = len(text)
        for p, para in enumerate(paragraphs, start=1):
            start = len(text)
            text += para
            passages.append(Passage(f"c{c}-p{p}", c, p, 0, "body", start, len(text), para))
            text += "\n\n"
        chapter_records.append(Chapter(c, None, c_start, len(text)))
    return Work(format="txt", text=text, chapters=chapter_records, passages=passages)


def find(work: Work, warning: str, severity: Severity, *ids: str, quote: str = "") -> Finding:
    by_id = {p.id: p for p in work.passages}
    evidence = [
        Evidence(
            passage_id=i,
            chapter=by_id[i].chapter,
            paragraph=by_id[i].paragraph,
            start=by_id[i].start,
            end=by_id[i].end,
            quote=quote or by_id[i].text[:80],
            probability=0.9,
            severity=severity,
        )
        for i in ids
    ]
    return Finding(warning, warning, 0.9, severity, evidence, len(evidence))


FILLER = "They walked to the market and bought bread, apples and a jar of honey."
STORY = make_work(
    [
        [FILLER, "Nadia Okoro laughed at Rufus Penhallow across the table.", FILLER],
        [FILLER, "Rufus hit the man again and again; blood sprayed across the floor.", FILLER],
        [FILLER, "Nadia pulled Rufus into bed, and they had sex slowly until dawn.", FILLER],
    ]
)


# --------------------------------------------------------------------------------------
# Rating


def test_nothing_found_is_general_with_a_reason() -> None:
    rating, reasons = suggest_rating([])
    assert rating == "General Audiences"
    assert reasons == ["General Audiences: nothing found that needs a higher rating"]


def test_mild_content_stays_general_and_says_so() -> None:
    rating, reasons = suggest_rating([find(STORY, "violence", "mention", "c2-p2")])
    assert rating == "General Audiences"
    assert "mentions of violence" in reasons[0]


def test_teen_for_profanity_and_mentions_of_self_harm() -> None:
    assert suggest_rating([find(STORY, "profanity", "depiction", "c1-p1")])[0] == RATINGS[1]
    rating, reasons = suggest_rating([find(STORY, "self-harm", "mention", "c1-p2")])
    assert rating == "Teen And Up Audiences"
    assert reasons == ["Teen And Up Audiences: mentions of self-harm in chapter 1"]


def test_mature_for_graphic_violence_with_chapter() -> None:
    rating, reasons = suggest_rating(
        [
            find(STORY, "violence", "graphic", "c2-p2"),
            find(STORY, "profanity", "depiction", "c1-p1"),
        ]
    )
    assert rating == "Mature"
    assert reasons == ["Mature: graphic violence in chapter 2"]


def test_explicit_for_depicted_sex_names_the_chapter() -> None:
    rating, reasons = suggest_rating(
        [
            find(STORY, "pornography", "depiction", "c3-p2"),
            find(STORY, "violence", "graphic", "c2-p2"),
        ]
    )
    assert rating == "Explicit"
    assert reasons == ["Explicit: explicit sexual content in chapter 3"]


def test_reasons_list_several_chapters() -> None:
    f = find(STORY, "suicide", "depiction", "c1-p1", "c3-p1", "c2-p3")
    rating, reasons = suggest_rating([f])
    assert rating == "Mature"
    assert reasons == ["Mature: suicide in chapters 1, 2 and 3"]


def test_rating_tier_never_drops_with_severity() -> None:
    tax = taxonomy.load()
    for w in tax.warnings:
        tiers = [rating_tier(w, s) for s in SEVERITIES]  # type: ignore[arg-type]
        assert tiers == sorted(tiers), w.id
        assert all(0 <= t < len(RATINGS) for t in tiers)
    porn = tax.get("pornography")
    assert rating_tier(porn, "depiction") == 3
    assert rating_tier(tax.get("sexual-abuse"), "graphic") == 3
    assert rating_tier(tax.get("profanity"), "graphic") == 1


# --------------------------------------------------------------------------------------
# Archive Warnings


def test_no_archive_warnings_apply() -> None:
    assert suggest_archive_warnings(STORY, []) == [NO_ARCHIVE_WARNINGS]
    depicted = [find(STORY, "violence", "depiction", "c2-p2")]
    assert suggest_archive_warnings(STORY, depicted) == [NO_ARCHIVE_WARNINGS]


@pytest.mark.parametrize("warning", ["violence", "blood-gore", "collective-violence"])
def test_graphic_violence_gore_or_war_earn_gdov(warning: str) -> None:
    got = suggest_archive_warnings(STORY, [find(STORY, warning, "graphic", "c2-p2")])
    assert got == ["Graphic Depictions Of Violence"]


MCD_WORK = make_work(
    [
        [
            "Mara Quell said goodbye to Jonah Reyes at the station.",
            '"Come back soon," said Jonah. Mara smiled and promised she would.',
            "Mara walked home alone through the rain.",
        ],
        [
            "The letter said Jonah had been hit by a train. Jonah died before the ambulance came.",
            "An old man in the street collapsed and died that winter, unknown to anyone.",
            "Mara read the letter twice and did not cry until morning.",
        ],
    ]
)


def test_major_character_death_needs_a_depicted_death_of_a_main_character() -> None:
    assert suggest_archive_warnings(MCD_WORK, [find(MCD_WORK, "death", "depiction", "c2-p1")]) == [
        "Major Character Death"
    ]
    # merely mentioned -> no Archive Warning
    mention = [find(MCD_WORK, "death", "mention", "c2-p1")]
    assert suggest_archive_warnings(MCD_WORK, mention) == [NO_ARCHIVE_WARNINGS]
    # depicted, but of nobody the story is about
    stranger = [find(MCD_WORK, "death", "depiction", "c2-p2")]
    assert suggest_archive_warnings(MCD_WORK, stranger) == [NO_ARCHIVE_WARNINGS]


def test_rape_non_con_only_when_depicted() -> None:
    depicted = [find(STORY, "sexual-abuse", "depiction", "c3-p2")]
    assert suggest_archive_warnings(STORY, depicted) == ["Rape/Non-Con"]
    mentioned = [find(STORY, "sexual-abuse", "mention", "c3-p2")]
    assert suggest_archive_warnings(STORY, mentioned) == [NO_ARCHIVE_WARNINGS]


UNDERAGE_WORK = make_work(
    [
        ["Tam was fifteen years old that summer, and Lio was not much older.", FILLER],
        [FILLER, "Lio was twenty-six, newly married and tired of the city.", FILLER],
    ]
)


def test_underage_needs_sex_beside_a_minor_age_cue() -> None:
    near = [find(UNDERAGE_WORK, "pornography", "depiction", "c1-p2")]
    assert suggest_archive_warnings(UNDERAGE_WORK, near) == ["Underage"]
    # the age cue is in another chapter: not enough
    far = [find(UNDERAGE_WORK, "pornography", "depiction", "c2-p3")]
    assert suggest_archive_warnings(UNDERAGE_WORK, far) == [NO_ARCHIVE_WARNINGS]
    # an adult's age is no cue; a mention of sex is not sexual content
    adult = [find(UNDERAGE_WORK, "pornography", "depiction", "c2-p2")]
    assert suggest_archive_warnings(UNDERAGE_WORK, adult) == [NO_ARCHIVE_WARNINGS]
    mention = [find(UNDERAGE_WORK, "pornography", "mention", "c1-p2")]
    assert suggest_archive_warnings(UNDERAGE_WORK, mention) == [NO_ARCHIVE_WARNINGS]


def test_archive_warnings_come_in_ao3_order() -> None:
    findings = [
        find(UNDERAGE_WORK, "sexual-abuse", "graphic", "c1-p1"),
        find(UNDERAGE_WORK, "violence", "graphic", "c2-p1"),
    ]
    assert suggest_archive_warnings(UNDERAGE_WORK, findings) == [
        "Graphic Depictions Of Violence",
        "Rape/Non-Con",
        "Underage",
    ]


# --------------------------------------------------------------------------------------
# Additional Tags


def test_additional_tags_follow_severity() -> None:
    assert suggest_additional_tags([find(STORY, "self-harm", "mention", "c1-p1")]) == [
        "Implied/Referenced Self-Harm"
    ]
    assert suggest_additional_tags([find(STORY, "self-harm", "depiction", "c1-p1")]) == [
        "Self-Harm"
    ]
    assert suggest_additional_tags([find(STORY, "suicide", "mention", "c1-p1")]) == [
        "Implied/Referenced Suicide"
    ]
    assert suggest_additional_tags([find(STORY, "blood-gore", "depiction", "c2-p2")]) == [
        "Blood and Injury"
    ]


def test_additional_tags_refined_by_evidence_and_deduplicated() -> None:
    panic = find(STORY, "other-mental-health", "depiction", "c1-p1", quote="a panic attack hit")
    tags = suggest_additional_tags(
        [
            panic,
            find(STORY, "violence", "graphic", "c2-p2"),
            find(STORY, "blood-gore", "graphic", "c2-p2"),
        ]
    )
    assert "Panic Attacks" in tags and "Trauma" not in tags  # specific replaces generic
    assert len(tags) == len(set(tags))
    assert tags.index("Violence") < tags.index("Panic Attacks")  # most serious first


def test_torture_is_added_to_violence_not_instead() -> None:
    f = find(STORY, "violence", "depiction", "c2-p2", quote="they tortured him for hours")
    assert suggest_additional_tags([f]) == ["Torture", "Violence"]


def test_every_taxonomy_warning_has_tags_for_depictions() -> None:
    table = freeform_table()["tags"]
    for w in taxonomy.load().warnings:
        assert table.get(w.id, {}).get("depiction"), w.id


@pytest.mark.skipif(not DATA.exists(), reason="shared AO3 tag data not available")
def test_shipped_tag_spellings_exist_in_the_canonical_lists() -> None:
    raw = json.loads((DATA / "freeform-tags-2016.json").read_text("utf-8"))
    canonical = {html.unescape(k) for k, v in raw.items() if v > 0}
    meta_text = html.unescape((DATA / "metatags-2023.csv").read_text("utf-8"))
    table = freeform_table()
    shipped = {t for levels in table["tags"].values() for tags in levels.values() for t in tags}
    shipped |= {rule[1] for rules in table["refine"].values() for rule in rules}
    assert len(shipped) > 30
    for t in sorted(shipped):
        assert t in canonical or t in meta_text, t


# --------------------------------------------------------------------------------------
# Everything together


def test_suggest_fills_every_field() -> None:
    findings = [
        find(STORY, "pornography", "depiction", "c3-p2"),
        find(STORY, "violence", "graphic", "c2-p2"),
    ]
    s = suggest(STORY, findings)
    assert s.rating == "Explicit"
    assert s.rating_reasons == ["Explicit: explicit sexual content in chapter 3"]
    assert s.archive_warnings == ["Graphic Depictions Of Violence"]
    assert s.additional_tags == ["Violence", "Graphic Description", "Explicit Sexual Content"]
    assert s.fandoms == []
    assert {"Nadia Okoro", "Rufus Penhallow"} <= set(s.characters)
    assert s.relationships == ["Nadia Okoro/Rufus Penhallow"]


def test_suggest_on_an_empty_work_and_unknown_warning_ids() -> None:
    empty = make_work([])
    stray = Finding("not-a-warning", "?", 0.9, "graphic", [], 1)
    s = suggest(empty, [stray])
    assert s.rating == "General Audiences"
    assert s.archive_warnings == [NO_ARCHIVE_WARNINGS]
    assert (s.additional_tags, s.fandoms, s.characters, s.relationships) == ([], [], [], [])
