"""AO3 suggestions: rating, Archive Warnings, Additional Tags, fandom/characters/relationships.

(Contract) suggest(work: Work, findings: list[Finding]) -> Suggestions

**Rating.** Each finding earns a tier from its warning's `rating_weight` (taxonomy) and
its severity; the work gets the highest tier, with one reason per finding that reached
it ("Explicit: explicit sexual content in chapter 3").

    rating_weight   mention      depiction    graphic
    1               General      General      Teen
    2               General      Teen         Teen
    3               General      Teen         Mature
    4               Teen         Mature       Mature

    overrides: language (profanity) depicted or graphic -> Teen;
               sexual content or sexual assault: mention -> Teen, depiction -> Mature,
               graphic -> Explicit; explicit sex (PAN "pornographic-content") depicted
               -> Explicit.

**Archive Warnings** (taxonomy `ao3_archive_warning` plus severity, conservative):
Graphic Depictions Of Violence only for *graphic* violence / war / gore; Major Character
Death only when a death is depicted (not merely mentioned) in a passage naming one of the
work's main characters; Rape/Non-Con when sexual assault is depicted; Underage only when
sexual content is depicted in or next to a passage with an explicit minor-age cue
("fifteen years old", "ninth grade"); otherwise "No Archive Warnings Apply".

**Additional Tags** are canonical AO3 freeform spellings (`kb/freeforms.json`, built and
checked against the public tag lists by `scripts/build_kb.py`), chosen per warning and
severity ("Implied/Referenced Self-Harm" for a mention, "Self-Harm" for a depiction),
refined by the evidence wording where a warning is broad ("Panic Attacks").

**Fandom, characters, relationships** come from `forewarn.characters.analyse`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from forewarn import taxonomy
from forewarn.characters import Cast, analyse
from forewarn.report import SEVERITIES, Evidence, Finding, Severity, Suggestions
from forewarn.work import Work

GENERAL, TEEN, MATURE, EXPLICIT = range(4)
RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit")
NO_ARCHIVE_WARNINGS = "No Archive Warnings Apply"
GDOV, MCD, RAPE, UNDERAGE = (
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "Rape/Non-Con",
    "Underage",
)
_BASE_TIERS: dict[int, tuple[int, int, int]] = {
    1: (GENERAL, GENERAL, TEEN),
    2: (GENERAL, TEEN, TEEN),
    3: (GENERAL, TEEN, MATURE),
    4: (TEEN, MATURE, MATURE),
}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

_NUM = (
    r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen)"
)
MINOR_AGE = re.compile(
    rf"\b{_NUM}[- ]years?[- ]old\b"
    rf"|\b(?:aged|age of|just turned)\s+{_NUM}\b(?!\s+years\b)"
    r"|\b(?:thirteenth|fourteenth|fifteenth|sixteenth|seventeenth) birthday\b"
    r"|\b(?:sixth|seventh|eighth|ninth|tenth|eleventh)[- ]grader?s?\b"
    r"|\b(?:middle school|junior high|primary school|elementary school)\b"
    r"|\b(?:underage|under-age|under age)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Rated:
    finding: Finding
    tier: int


# --------------------------------------------------------------------------------------
# Public API


def suggest(work: Work, findings: list[Finding]) -> Suggestions:
    """Rating, Archive Warnings, Additional Tags, fandom, characters, relationships."""
    tax = taxonomy.load()
    findings = [f for f in findings if f.warning in tax]  # ignore ids from elsewhere
    cast = analyse(work, findings)
    rating, reasons = suggest_rating(findings)
    return Suggestions(
        rating=rating,
        rating_reasons=reasons,
        archive_warnings=suggest_archive_warnings(work, findings, cast),
        additional_tags=suggest_additional_tags(findings),
        fandoms=[cast.fandom] if cast.fandom else [],
        characters=[c.name for c in cast.characters],
        relationships=[r.tag for r in cast.relationships],
    )


def rating_tier(warning: taxonomy.WarningType, severity: Severity) -> int:
    """0 General .. 3 Explicit for one warning at one severity (table in the docstring)."""
    level = _RANK[severity]
    if warning.group == "language":
        return GENERAL if severity == "mention" else TEEN
    if warning.group == "sexual-content" or "sexual-assault" in warning.pan23:
        if severity == "graphic":
            return EXPLICIT
        if severity == "depiction":
            return EXPLICIT if "pornographic-content" in warning.pan23 else MATURE
        return TEEN
    weight = min(max(warning.rating_weight, 1), 4)
    return _BASE_TIERS[weight][level]


def suggest_rating(findings: Sequence[Finding]) -> tuple[str, list[str]]:
    """The AO3 rating and the reasons for it, most serious first."""
    tax = taxonomy.load()
    rated = [_Rated(f, rating_tier(tax.get(f.warning), f.severity)) for f in findings]
    tier = max((r.tier for r in rated), default=GENERAL)
    rating = RATINGS[tier]
    top = sorted(
        (r for r in rated if r.tier == tier),
        key=lambda r: (-_RANK[r.finding.severity], -tax.get(r.finding.warning).rating_weight,
                       r.finding.warning),
    )  # fmt: skip
    if tier == GENERAL:
        if not top:
            return rating, [f"{rating}: nothing found that needs a higher rating"]
        mild = ", ".join(_describe(tax, r.finding) for r in top[:3])
        return rating, [f"{rating}: only mild content ({mild})"]
    return rating, [f"{rating}: {_describe(tax, r.finding)}{_chapters(r.finding)}" for r in top]


def suggest_archive_warnings(
    work: Work, findings: Sequence[Finding], cast: Cast | None = None
) -> list[str]:
    """AO3 Archive Warnings earned by the findings, or ["No Archive Warnings Apply"]."""
    tax = taxonomy.load()
    cast = cast if cast is not None else analyse(work, findings)
    earned: set[str] = set()
    for f in findings:
        w = tax.get(f.warning)
        if w.ao3_archive_warning == GDOV and f.severity == "graphic":
            earned.add(GDOV)
        elif w.ao3_archive_warning == MCD and _character_death(f, cast):
            earned.add(MCD)
        elif w.ao3_archive_warning == RAPE and _RANK[f.severity] >= _RANK["depiction"]:
            earned.add(RAPE)
    if _underage(work, findings, tax):
        earned.add(UNDERAGE)
    ordered = [a for a in tax.ao3_archive_warnings if a in earned]
    return ordered or [NO_ARCHIVE_WARNINGS]


def suggest_additional_tags(findings: Sequence[Finding]) -> list[str]:
    """Canonical AO3 freeforms for the findings, most serious first, no duplicates."""
    tax = taxonomy.load()
    table = freeform_table()
    tags: list[str] = []
    ordered = sorted(
        findings,
        key=lambda f: (-_RANK[f.severity], -tax.get(f.warning).rating_weight, f.warning),
    )
    for f in ordered:
        levels = table["tags"].get(f.warning)
        if not levels:
            continue
        chosen = list(levels.get(f.severity, []))
        if f.severity != "mention" and chosen:
            quotes = " ".join(e.quote for e in f.evidence)
            for pattern, tag, mode in table["refine"].get(f.warning, []):
                if re.search(pattern, quotes, re.IGNORECASE):
                    chosen = [tag, *chosen] if mode == "add" else [tag, *chosen[1:]]
                    break
        tags.extend(chosen)
    return list(dict.fromkeys(tags))


@cache
def freeform_table() -> dict[str, Any]:
    """`kb/freeforms.json`: warning -> severity -> tags, plus refinements and counts."""
    path = resources.files("forewarn").joinpath("kb/freeforms.json")
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:  # a source tree where scripts/build_kb.py never ran
        data = {"tags": {}, "refine": {}, "counts": {}}
    return data


# --------------------------------------------------------------------------------------
# Helpers


def _describe(tax: taxonomy.Taxonomy, f: Finding) -> str:
    name = tax.get(f.warning).name
    name = name if name[:2].isupper() else name[0].lower() + name[1:]
    if f.severity == "mention":
        return f"mentions of {name}"
    if f.severity == "graphic" and not name.startswith(("explicit", "graphic")):
        return f"graphic {name}"
    return name


def _chapters(f: Finding) -> str:
    """ " in chapter 3" / " in chapters 2 and 5" from the evidence at the finding's
    severity (all evidence if none is tagged with it)."""
    evidence = [e for e in f.evidence if e.severity == f.severity] or f.evidence
    chapters = sorted({e.chapter for e in evidence if e.chapter > 0})
    if not chapters:
        return ""
    if len(chapters) == 1:
        return f" in chapter {chapters[0]}"
    shown = [str(c) for c in chapters[:5]]
    more = len(chapters) - len(shown)
    if more:
        return f" in chapters {', '.join(shown)} and {more} more"
    return f" in chapters {', '.join(shown[:-1])} and {shown[-1]}"


def _character_death(f: Finding, cast: Cast) -> bool:
    """A depicted death in a passage that names one of the main characters."""
    if _RANK[f.severity] < _RANK["depiction"]:
        return False
    major = {c.name for c in cast.major()}
    for e in f.evidence:
        if e.severity != "mention" and major & set(cast.by_passage.get(e.passage_id, ())):
            return True
    return False


def _underage(work: Work, findings: Sequence[Finding], tax: taxonomy.Taxonomy) -> bool:
    """Sexual content depicted in or beside a passage that states a minor's age."""
    sexual: list[Evidence] = []
    for f in findings:
        w = tax.get(f.warning)
        if w.group == "sexual-content" or "sexual-assault" in w.pan23:
            sexual += [e for e in f.evidence if e.severity != "mention"]
    if not sexual:
        return False
    passages = work.story_passages
    index = {p.id: i for i, p in enumerate(passages)}
    for e in sexual:
        i = index.get(e.passage_id)
        texts = [e.quote]
        if i is not None:
            for j in (i - 1, i, i + 1):
                if 0 <= j < len(passages) and passages[j].chapter == passages[i].chapter:
                    texts.append(passages[j].text)
        if any(MINOR_AGE.search(t) for t in texts):
            return True
    return False
