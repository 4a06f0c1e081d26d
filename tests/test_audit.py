"""Declared vs found: every audit status, Archive-Warning coverage, chose-not-to-warn."""

from __future__ import annotations

import random

from forewarn.audit import STATUS_ORDER, audit
from forewarn.report import Declared, Evidence, Finding, Severity
from forewarn.work import Metadata


def ev(chapter: int, paragraph: int, severity: Severity = "depiction", p: float = 0.9) -> Evidence:
    return Evidence(
        passage_id=f"c{chapter}-p{paragraph}",
        chapter=chapter,
        paragraph=paragraph,
        start=0,
        end=10,
        quote="...",
        probability=p,
        severity=severity,
    )


def finding(warning: str, severity: Severity, *evidence: Evidence, p: float = 0.9) -> Finding:
    return Finding(
        warning=warning,
        name=warning,
        probability=p,
        severity=severity,
        evidence=list(evidence),
        passages=len(evidence),
    )


def tag(phrase: str, warning: str | None, **kw: object) -> Declared:
    return Declared(phrase=phrase, warning=warning, source="ao3-tag", **kw)  # type: ignore[arg-type]


CHOSE_NOT = Declared(
    phrase="Creator Chose Not To Use Archive Warnings",
    warning=None,
    qualifier="chose-not-to-warn",
    source="ao3-tag",
)


def by_warning(items: list) -> dict:
    return {i.warning: i for i in items}


def test_agree_when_declared_and_found() -> None:
    items = audit(
        [tag("Self-Harm", "self-harm")],
        [finding("self-harm", "depiction", ev(2, 14))],
        Metadata(),
    )
    assert [(i.warning, i.status) for i in items] == [("self-harm", "agree")]
    assert items[0].evidence == ["c2-p14"]
    assert items[0].found_severity == "depiction"


def test_found_not_declared_names_the_passage() -> None:
    items = audit([], [finding("self-harm", "depiction", ev(2, 14))], Metadata())
    (item,) = items
    assert item.status == "found-not-declared"
    assert item.message == "you did not warn for self-harm; chapter 2, paragraph 14 depicts it"
    assert item.evidence == ["c2-p14"]


def test_found_not_declared_cites_the_strongest_passage_and_counts_the_rest() -> None:
    f = finding(
        "suicide",
        "graphic",
        ev(1, 3, "mention", 0.95),
        ev(4, 7, "graphic", 0.7),
        ev(5, 1, "depiction", 0.99),
    )
    (item,) = audit([], [f], Metadata())
    assert "chapter 4, paragraph 7 depicts it graphically" in item.message
    assert item.message.endswith("(and 2 more passages)")
    assert item.evidence == ["c1-p3", "c4-p7", "c5-p1"]


def test_declared_not_found_says_how_sure() -> None:
    declared = [tag("Suicide", "suicide")]
    unknown = audit(declared, [], Metadata())
    assert [i.status for i in unknown] == ["declared-not-found"]
    assert unknown[0].probability is None
    assert "over-warned" in unknown[0].message

    low = audit(declared, [], Metadata(), best={"suicide": 0.08})[0]
    assert low.probability == 0.08 and "fairly sure" in low.message
    close = audit(declared, [], Metadata(), best={"suicide": 0.41})[0]
    assert "not sure" in close.message and "0.41" in close.message
    # against the warning's own bar: 0.41 is far below 0.9, and 0.3 is near 0.33
    far = audit(declared, [], Metadata(), best={"suicide": 0.41}, thresholds={"suicide": 0.9})
    assert "fairly sure" in far[0].message and "needs 0.90" in far[0].message
    near = audit(declared, [], Metadata(), best={"suicide": 0.3}, thresholds={"suicide": 0.33})
    assert "came close" in near[0].message and "keep the warning" in near[0].message
    # A finding that reached no passage threshold is "not found", its probability kept.
    weak = Finding("suicide", "Suicide", 0.12, "mention", evidence=[], passages=0)
    item = audit(declared, [weak], Metadata())[0]
    assert item.status == "declared-not-found" and item.probability == 0.12


def test_severity_mismatch_when_declared_milder_than_found() -> None:
    items = audit(
        [Declared("mentions of self-harm", "self-harm", severity="mention")],
        [finding("self-harm", "depiction", ev(2, 14))],
        Metadata(),
    )
    (item,) = items
    assert item.status == "severity-mismatch"
    assert (item.declared_severity, item.found_severity) == ("mention", "depiction")
    assert item.message.startswith("you warned for mentions of self-harm, but chapter 2")


def test_qualifier_alone_limits_a_declaration_to_mentions() -> None:
    items = audit(
        [Declared("implied suicide", "suicide", qualifier="implied")],
        [finding("suicide", "graphic", ev(1, 2, "graphic"))],
        Metadata(),
    )
    assert items[0].status == "severity-mismatch"
    assert items[0].declared_severity == "mention"


def test_declared_stronger_than_found_agrees() -> None:
    items = audit(
        [Declared("graphic violence", "violence", severity="graphic")],
        [finding("violence", "mention", ev(1, 1, "mention"))],
        Metadata(),
    )
    assert items[0].status == "agree"


def test_unqualified_declaration_covers_any_severity() -> None:
    items = audit(
        [
            Declared("mentions of self-harm", "self-harm", severity="mention"),
            tag("Self-Harm", "self-harm"),
        ],
        [finding("self-harm", "graphic", ev(3, 1, "graphic"))],
        Metadata(),
    )
    assert [i.status for i in items] == ["agree"]


def test_chose_not_to_warn_reports_neutrally() -> None:
    findings = [
        finding("self-harm", "depiction", ev(2, 14)),
        finding("death", "graphic", ev(5, 2, "graphic")),
    ]
    items = audit([CHOSE_NOT], findings, Metadata())
    assert {i.status for i in items} == {"chose-not-to-warn"}
    assert [i.warning for i in items] == ["death", "self-harm"]
    for item in items:
        assert "you did not" not in item.message
        assert "chose not to use Archive Warnings" in item.message
        assert item.evidence  # the reader still sees what was found
    assert "chapter 2, paragraph 14" in by_warning(items)["self-harm"].message


def test_chose_not_to_warn_from_ao3_metadata_alone() -> None:
    meta = Metadata(archive_warnings=["Creator Chose Not To Use Archive Warnings"])
    items = audit([], [finding("violence", "depiction", ev(1, 1))], meta)
    assert [i.status for i in items] == ["chose-not-to-warn"]


def test_chose_not_to_warn_keeps_explicit_declarations() -> None:
    items = audit(
        [CHOSE_NOT, tag("Self-Harm", "self-harm"), tag("Suicide", "suicide")],
        [finding("self-harm", "depiction", ev(1, 1)), finding("death", "depiction", ev(1, 2))],
        Metadata(),
    )
    assert [(i.warning, i.status) for i in items] == [
        ("death", "chose-not-to-warn"),
        ("suicide", "declared-not-found"),
        ("self-harm", "agree"),
    ]


def test_archive_warning_covers_its_warnings() -> None:
    gdov = tag("Graphic Depictions Of Violence", "violence", severity="graphic")
    findings = [
        finding("blood-gore", "graphic", ev(1, 4, "graphic")),
        finding("collective-violence", "depiction", ev(2, 1)),
    ]
    items = audit([gdov], findings, Metadata())
    # blood and war are covered; violence itself is not reported missing because the
    # Archive Warning is earned by the warnings it covers.
    assert [(i.warning, i.status) for i in items] == [
        ("blood-gore", "agree"),
        ("collective-violence", "agree"),
    ]


def test_archive_warning_from_metadata_and_unearned() -> None:
    meta = Metadata(archive_warnings=["Graphic Depictions Of Violence", "Major Character Death"])
    items = audit([], [finding("death", "depiction", ev(9, 9))], meta)
    assert [(i.warning, i.status) for i in items] == [
        ("violence", "declared-not-found"),
        ("death", "agree"),
    ]
    assert "Graphic Depictions Of Violence" in items[0].message


def test_archive_warning_does_not_cover_other_warnings() -> None:
    items = audit(
        [tag("Major Character Death", "death")],
        [
            finding("death", "depiction", ev(1, 1)),
            finding("violence", "graphic", ev(1, 2, "graphic")),
        ],
        Metadata(),
    )
    assert by_warning(items)["violence"].status == "found-not-declared"
    assert by_warning(items)["death"].status == "agree"


def test_a_rating_covers_but_is_never_over_warned() -> None:
    rating = Declared("Explicit", "pornography", source="rating")
    assert audit([rating], [], Metadata()) == []
    items = audit([rating], [finding("pornography", "graphic", ev(3, 2, "graphic"))], Metadata())
    assert [(i.warning, i.status) for i in items] == [("pornography", "agree")]


def test_unmatched_declarations_are_ignored() -> None:
    items = audit([Declared("spiders", None)], [], Metadata())
    assert items == []


def test_order_is_status_priority_then_warning_and_input_order_free() -> None:
    declared = [
        tag("Suicide", "suicide"),
        tag("Violence", "violence"),
        Declared("mentions of abuse", "abuse", severity="mention"),
    ]
    findings = [
        finding("violence", "depiction", ev(1, 1)),
        finding("abuse", "graphic", ev(1, 2, "graphic")),
        finding("self-harm", "depiction", ev(1, 3)),
        finding("death", "mention", ev(1, 4, "mention")),
    ]
    expected = audit(declared, findings, Metadata())
    assert [(i.status, i.warning) for i in expected] == [
        ("found-not-declared", "death"),
        ("found-not-declared", "self-harm"),
        ("severity-mismatch", "abuse"),
        ("declared-not-found", "suicide"),
        ("agree", "violence"),
    ]
    ranks = [STATUS_ORDER.index(i.status) for i in expected]
    assert ranks == sorted(ranks)
    rng = random.Random(4)
    for _ in range(5):
        d, f = declared[:], findings[:]
        rng.shuffle(d)
        rng.shuffle(f)
        assert audit(d, f, Metadata()) == expected
