"""Aggregation: document probability, findings, severity and evidence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forewarn import taxonomy
from forewarn.aggregate import aggregate, document_probability
from forewarn.detect.base import PassageScores
from forewarn.detect.lexicon import LexiconDetector
from forewarn.work import Passage

STAB = "He stabbed the guard in the stomach and ran for the door."
TEA = "They drank their tea in the garden and talked about the weather."


def passages_of(
    paragraphs: list[str], chapter: int = 1, chapter_of: list[int] | None = None
) -> tuple[str, list[Passage]]:
    text = ""
    out: list[Passage] = []
    for k, para in enumerate(paragraphs, start=1):
        if text:
            text += "\n\n"
        start = len(text)
        text += para
        ch = chapter_of[k - 1] if chapter_of else chapter
        out.append(Passage(f"c{ch}-p{k}", ch, k, 0, "body", start, len(text), para))
    return text, out


def manual_scores(
    passages: list[Passage],
    column: dict[str, list[float]],
    intensity: dict[str, list[float]] | None = None,
    thr: float = 0.5,
) -> PassageScores:
    ids = taxonomy.load().ids
    probs = np.full((len(passages), len(ids)), 0.01)
    inten = np.zeros_like(probs)
    for w, vals in column.items():
        probs[:, ids.index(w)] = vals
    for w, vals in (intensity or {}).items():
        inten[:, ids.index(w)] = vals
    return PassageScores(
        warnings=ids,
        passage_ids=[p.id for p in passages],
        probs=probs,
        thresholds={w: thr for w in ids},
        intensity=inten,
    )


def run(paragraphs: list[str]):
    text, ps = passages_of(paragraphs)
    return text, ps, aggregate(ps, LexiconDetector().score(ps))


# ------------------------------------------------------------------ document probability


def test_document_probability_basics():
    assert document_probability([]) == 0.0
    assert document_probability([0.7]) == pytest.approx(0.7)
    assert document_probability([0.7, 0.7]) > 0.7
    assert document_probability([1.0, 0.2]) == 1.0
    # scattered weak cues do not add up to a warning
    assert document_probability([0.3] * 200) < 0.5
    # only the top k count
    assert document_probability([0.9] + [0.01] * 100) == pytest.approx(
        document_probability([0.9] + [0.01] * 4)
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=0, max_size=30),
    st.floats(0.0, 1.0),
)
def test_adding_a_passage_never_lowers_document_probability(probs, extra):
    before = document_probability(probs)
    after = document_probability([*probs, extra])
    assert after >= before - 1e-12
    assert after >= max([*probs, extra]) - 1e-12
    assert 0.0 <= after <= 1.0


def test_adding_a_positive_passage_never_lowers_a_finding():
    _, _, base = run([STAB, TEA])
    _, _, more = run([STAB, TEA, "He stabbed him again, and the knife went in deep."])
    p0 = next(f.probability for f in base if f.warning == "violence")
    p1 = next(f.probability for f in more if f.warning == "violence")
    assert p1 >= p0
    assert next(f.passages for f in more if f.warning == "violence") == 2


# ------------------------------------------------------------------ findings


def test_no_finding_below_threshold_and_finding_above():
    _, ps = passages_of([TEA, TEA])
    assert aggregate(ps, manual_scores(ps, {"death": [0.3, 0.2]})) == []
    (f,) = aggregate(ps, manual_scores(ps, {"death": [0.3, 0.2]}, thr=0.25))
    assert f.warning == "death" and f.name == taxonomy.load().get("death").name
    assert f.passages == 1


def test_scattered_weak_passages_earn_no_warning_without_one_that_clears_the_bar():
    _, ps = passages_of([TEA, TEA, TEA])
    scores = manual_scores(ps, {"death": [0.28, 0.28, 0.28]}, thr=0.3)
    assert document_probability(scores.probs[:, scores.warnings.index("death")]) >= 0.3
    assert aggregate(ps, scores) == []
    (f,) = aggregate(ps, manual_scores(ps, {"death": [0.28, 0.31, 0.28]}, thr=0.3))
    assert f.passages == 1 and [flag.probability for flag in f.flagged] == [0.31]


def test_findings_sorted_by_probability_then_id():
    _, ps = passages_of([TEA, TEA])
    scores = manual_scores(ps, {"violence": [0.8, 0.1], "death": [0.8, 0.1], "abuse": [0.95, 0.1]})
    findings = aggregate(ps, scores)
    assert [f.warning for f in findings] == ["abuse", "death", "violence"]


def test_deterministic():
    paragraphs = [
        STAB,
        TEA,
        "Her brother had died years ago.",
        "Fuck this shit, he said. Fucking hell.",
    ]
    _, _, a = run(paragraphs)
    _, _, b = run(list(paragraphs))
    assert [f.__dict__ for f in a] == [f.__dict__ for f in b]
    assert a


def test_mismatched_scores_are_rejected():
    _, ps = passages_of([TEA, STAB])
    scores = LexiconDetector().score(ps[:1])
    with pytest.raises(ValueError):
        aggregate(ps, scores)


# ------------------------------------------------------------------ evidence


def test_evidence_offsets_slice_the_work_text_exactly():
    long_para = (
        "The evening was long and the lamps were lit one by one along the street. " * 5
    ) + STAB
    text, ps, findings = run([TEA, long_para, "She bled on the floor, blood everywhere.", TEA])
    assert findings
    for f in findings:
        for e in f.evidence:
            passage = next(p for p in ps if p.id == e.passage_id)
            assert text[e.start : e.end] == passage.text
            assert (e.chapter, e.paragraph) == (passage.chapter, passage.paragraph)
            assert len(e.quote) <= 200
            assert e.quote.strip("\u2026") in " ".join(passage.text.split())
    violence = next(f for f in findings if f.warning == "violence")
    assert "stabbed" in violence.evidence[0].quote  # centred on the matched term
    assert violence.evidence[0].quote.startswith("\u2026")


def test_evidence_is_top_five_by_probability():
    _, ps = passages_of([TEA] * 8)
    probs = [0.55, 0.9, 0.6, 0.7, 0.95, 0.8, 0.65, 0.1]
    (f,) = aggregate(ps, manual_scores(ps, {"violence": probs}))
    got = [e.probability for e in f.evidence]
    assert got == sorted(got, reverse=True) and len(got) == 5
    assert got == [0.95, 0.9, 0.8, 0.7, 0.65]
    assert f.passages == 7


# ------------------------------------------------------------------ severity


def test_reported_past_death_is_a_mention():
    _, _, findings = run([TEA, "Her brother had died years ago, and she still missed him."])
    (death,) = [f for f in findings if f.warning == "death"]
    assert death.severity == "mention"


def test_on_page_action_is_a_depiction():
    _, _, findings = run(
        [
            TEA,
            "He grabbed the knife and stabbed the guard twice in the chest, then shot the second man.",
        ]
    )
    (violence,) = [f for f in findings if f.warning == "violence"]
    assert violence.severity == "depiction"


def test_lingering_sensory_detail_is_graphic():
    gore = (
        "He stabbed him again and again. Blood gushed and sprayed from the jagged gash, hot "
        "and coppery; sinew and bone were exposed as he writhed and screamed in agony, the "
        "sickening crunch of bone under the blade."
    )
    _, _, findings = run([TEA, gore])
    (violence,) = [f for f in findings if f.warning == "violence"]
    assert violence.severity == "graphic"
    assert violence.evidence[0].severity == "graphic"


def test_a_run_of_consecutive_strong_passages_is_graphic():
    _, ps = passages_of([TEA] * 5)
    col = {"violence": [0.9, 0.9, 0.9, 0.1, 0.1]}
    inten = {"violence": [0.4, 0.45, 0.4, 0.0, 0.0]}
    (f,) = aggregate(ps, manual_scores(ps, col, inten))
    assert f.severity == "graphic"
    # the same passages apart (or across a chapter break) are only a depiction
    _, apart = passages_of([TEA] * 5)
    (g,) = aggregate(
        apart,
        manual_scores(
            apart, {"violence": [0.9, 0.1, 0.9, 0.1, 0.9]}, {"violence": [0.4, 0, 0.45, 0, 0.4]}
        ),
    )
    assert g.severity == "depiction"
    _, split = passages_of([TEA] * 3, chapter_of=[1, 1, 2])
    (h,) = aggregate(
        split, manual_scores(split, {"violence": [0.9, 0.9, 0.9]}, {"violence": [0.4, 0.45, 0.4]})
    )
    assert h.severity == "depiction"


def test_single_weak_passage_is_a_mention():
    _, ps = passages_of([TEA, TEA])
    (f,) = aggregate(ps, manual_scores(ps, {"violence": [0.55, 0.01]}, {"violence": [0.05, 0]}))
    assert f.severity == "mention"
    (g,) = aggregate(ps, manual_scores(ps, {"violence": [0.9, 0.01]}, {"violence": [0.3, 0]}))
    assert g.severity == "depiction"


def test_works_without_intensity_or_hits():
    _, ps = passages_of([STAB, TEA])
    scores = manual_scores(ps, {"violence": [0.9, 0.1]})
    scores.intensity = None
    (f,) = aggregate(ps, scores)
    assert f.severity in ("mention", "depiction")
    assert f.evidence[0].quote


def test_empty_work_has_no_findings():
    assert aggregate([], LexiconDetector().score([])) == []
