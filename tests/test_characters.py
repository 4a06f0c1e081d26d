"""Characters, fandom and relationships: the rule-based name finder, the tag-derived
knowledge base, and AO3 relationship notation."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from forewarn.characters import analyse, find_names, load_kb
from forewarn.report import Evidence, Finding
from forewarn.work import Chapter, Passage, Work

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "ao3-tags"
KB_DIR = ROOT / "src" / "forewarn" / "kb"


def make_work(*paragraphs: str) -> Work:
    """A one-chapter work, one passage per paragraph."""
    text, passages = "", []
    for i, para in enumerate(paragraphs, start=1):
        start = len(text)
        text += para
        passages.append(Passage(f"c1-p{i}", 1, i, 0, "body", start, len(text), para))
        text += "\n\n"
    return Work(
        format="txt", text=text, chapters=[Chapter(1, None, 0, len(text))], passages=passages
    )


def sexual_finding(work: Work, *ids: str) -> Finding:
    by_id = {p.id: p for p in work.passages}
    evidence = [
        Evidence(i, 1, by_id[i].paragraph, by_id[i].start, by_id[i].end, "...", 0.9, "depiction")
        for i in ids
    ]
    return Finding("pornography", "Explicit sexual content", 0.9, "depiction", evidence, len(ids))


ORIGINAL = make_work(
    'Maren Ashby pushed open the door of the bakery. "Morning," said Tobias, not looking up.',
    "Maren laughed and tied on her apron. In Lisbon the streets were already loud; Tobias "
    "hummed along to the radio while the ovens warmed.",
    '"Did you finish the order for Mrs Okafor?" Maren asked. Tobias nodded. Later the '
    "Okafor wedding cake would need three people to carry it.",
    "Will they make it in time? Nobody will know until Saturday, Tobias thought, and he "
    "will not sleep before then.",
)


def test_original_story_lists_characters_without_a_fandom() -> None:
    cast = analyse(ORIGINAL)
    names = [c.name for c in cast.characters]
    assert cast.fandom is None
    assert names[:2] == ["Tobias", "Maren Ashby"]  # most mentioned first
    assert "Mrs Okafor" in names
    maren = cast.characters[1]
    assert set(maren.forms) == {"Maren", "Maren Ashby"} and not maren.canonical
    for not_a_person in ("Lisbon", "Will", "Morning", "Saturday", "Nobody", "Later"):
        assert not_a_person not in names


def test_name_evidence_is_counted() -> None:
    cands = find_names(ORIGINAL.story_passages)
    tobias = cands["Tobias"]
    assert tobias.attributions >= 1 and tobias.is_person()
    assert cands["Lisbon"].place_cues == 1 and not cands["Lisbon"].is_person()
    assert cands["Will"].lower_uses >= 2 and not cands["Will"].is_person()


HP = make_work(
    '"You\'re late," said Hermione, looking up from her book. Harry shrugged and dropped '
    "into the chair beside Ron.",
    'Ron grinned at him. "Snape kept us after class again. Professor Snape hates Harry, '
    'everyone knows it."',
    "Later that night Draco Malfoy cornered Harry in the corridor. Malfoy sneered, but "
    "Harry only laughed.",
    'Draco kissed him then, quick and desperate, and Harry kissed him back. "I love you," '
    "Draco whispered against his lips.",
    'Hermione found them in the morning. "Honestly," Hermione said, and Ron pretended not '
    "to see Harry blush.",
)


def test_fandom_story_gets_fandom_and_canonical_names() -> None:
    cast = analyse(HP)
    assert cast.fandom == "Harry Potter"
    names = {c.name: c for c in cast.characters}
    for canonical in ("Harry Potter", "Hermione Granger", "Ron Weasley", "Draco Malfoy"):
        assert canonical in names and names[canonical].canonical
    assert names["Severus Snape"].forms == ("Professor Snape", "Snape")
    assert set(names["Draco Malfoy"].forms) == {"Draco", "Draco Malfoy", "Malfoy"}


def test_declared_fandom_is_preferred_when_names_fit_it() -> None:
    work = make_work("Harry looked up. Harry was tired.", "Nobody said anything; Harry nodded.")
    assert analyse(work).fandom is None  # one common first name is not enough alone
    work.metadata.fandoms = ["Harry Potter - J. K. Rowling"]
    assert analyse(work).fandom == "Harry Potter"


def test_relationships_in_ao3_notation_sorted_by_strength() -> None:
    cast = analyse(HP)
    tags = [r.tag for r in cast.relationships]
    assert tags[0] == "Draco Malfoy/Harry Potter"  # romantic, in AO3's own order
    assert "Harry Potter & Ron Weasley" in tags  # platonic
    assert all(("/" in t) != (" & " in t) for t in tags)
    strengths = [r.strength for r in cast.relationships]
    assert strengths == sorted(strengths, reverse=True)


def test_sexual_findings_make_a_pair_romantic() -> None:
    work = make_work(
        "Ines Varga met Oskar Lind at the harbour office, where Oskar checked the manifests.",
        "Ines argued with Oskar about the cargo until Oskar gave up and went home.",
        "That night Ines and Oskar lay together in the dark, skin to skin, breathing hard.",
    )
    plain = analyse(work)
    assert [r.tag for r in plain.relationships] == ["Ines Varga & Oskar Lind"]
    sexual = analyse(work, [sexual_finding(work, "c1-p3")])
    assert [r.tag for r in sexual.relationships] == ["Ines Varga/Oskar Lind"]


def test_family_affection_stays_platonic() -> None:
    work = make_work(
        "Lena Brandt waited at the gate until Felix Brandt came through with his bags.",
        '"I love you, Felix," Lena said to her brother, and Felix kissed her cheek.',
        "Felix carried the bags while Lena drove them home through the snow.",
    )
    assert [r.tag for r in analyse(work).relationships] == ["Felix Brandt & Lena Brandt"]


def test_major_characters_and_passage_index() -> None:
    cast = analyse(HP)
    major = [c.name for c in cast.major()]
    assert major[0] == "Harry Potter"
    assert "Draco Malfoy" in cast.by_passage["c1-p4"]


def test_knowledge_base_is_small_consistent_and_loaded_once() -> None:
    assert load_kb() is load_kb()
    kb = load_kb()
    assert len(kb.names) > 500 and len(kb.fandoms) > 50
    assert all(0 <= f < len(kb.fandoms) for f in kb.fandom_of)
    size = (KB_DIR / "characters.json.gz").stat().st_size
    assert size < 3_000_000


def test_build_work_output_is_understood() -> None:
    segment = pytest.importorskip("forewarn.segment")
    if not hasattr(segment, "build_work"):
        pytest.skip("segment.build_work not available")
    from forewarn.work import RawChapter, RawDocument

    raw = RawDocument(
        format="txt",
        chapters=[RawChapter(paragraphs=[p.text for p in HP.passages])],
    )
    cast = analyse(segment.build_work(raw))
    assert cast.fandom == "Harry Potter"
    assert "Draco Malfoy/Harry Potter" in [r.tag for r in cast.relationships]


@pytest.mark.skipif(not DATA.exists(), reason="shared AO3 tag data not available")
def test_shipped_kb_is_rebuilt_identically_from_the_tag_lists(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_kb
    finally:
        sys.path.pop(0)
    assert build_kb.main(["--data", str(DATA), "--out", str(tmp_path)]) == 0
    rebuilt = json.loads(gzip.decompress((tmp_path / "characters.json.gz").read_bytes()))
    shipped = json.loads(gzip.decompress((KB_DIR / "characters.json.gz").read_bytes()))
    assert rebuilt == shipped
    assert (tmp_path / "freeforms.json").read_text() == (KB_DIR / "freeforms.json").read_text()
    # every shipped character name comes from the tag lists, not from anywhere else
    names = {c[0] for c in shipped["characters"]}
    assert {"Harry Potter", "Draco Malfoy", "Hermione Granger"} <= names
