"""Declared vs found: what the author warned for, checked against what the text holds.

(Contract) audit(declared: list[Declared], findings: list[Finding], metadata: Metadata)
-> list[AuditItem]

One item per warning that was declared or found:

- ``found-not-declared`` -- the important one: the text has it, the author did not warn
  ("you did not warn for self-harm; chapter 2, paragraph 14 depicts it"), with the
  evidence passage ids;
- ``severity-mismatch`` -- declared more mildly than the text has it ("mentions of
  self-harm", but a passage depicts it);
- ``chose-not-to-warn`` -- found, not declared, and the author chose not to use Archive
  Warnings: reported neutrally, never as a nag;
- ``declared-not-found`` -- declared, nothing found: perhaps over-warned, with how sure
  forewarn is (from the best passage probability when known);
- ``agree`` -- declared and found.

An Archive-Warning declaration ("Graphic Depictions Of Violence") covers every warning
the taxonomy files under it (violence, war, blood and gore) at any severity. Items are
ordered by status priority (the list above), then warning id, so the same input always
gives the same list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from forewarn import taxonomy
from forewarn.report import SEVERITIES, AuditItem, Declared, Evidence, Finding, Severity
from forewarn.work import Metadata

CHOSE_NOT_TO_WARN = "Creator Chose Not To Use Archive Warnings"
NO_WARNINGS_APPLY = "No Archive Warnings Apply"
STATUS_ORDER = (
    "found-not-declared",
    "severity-mismatch",
    "chose-not-to-warn",
    "declared-not-found",
    "agree",
)
# Qualifiers an author puts on a warning that limit it to a mention.
MENTION_QUALIFIERS = frozenset(
    {"mention", "mentions", "mentioned", "implied", "referenced", "implied/referenced",
     "past", "brief", "offscreen", "off-screen", "discussed", "discussion",
     "alluded", "hinted", "background", "reference", "references"}
)  # fmt: skip
GRAPHIC_QUALIFIERS = frozenset({"graphic", "explicit", "detailed", "graphic depictions"})

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass
class _Claim:
    """What the author declared about one warning."""

    phrases: list[str] = field(default_factory=list)
    severity: Severity | None = None  # None: unspecified, covers any severity
    unspecified: bool = False
    direct: bool = False  # named on its own, not only through an Archive Warning
    archives: set[str] = field(default_factory=set)  # Archive Warnings covering it


def audit(
    declared: list[Declared],
    findings: list[Finding],
    metadata: Metadata,
    best: Mapping[str, float] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> list[AuditItem]:
    """Compare declared warnings with findings (see the module docstring).

    `best` (optional) maps warning id -> the highest passage probability seen, so that a
    declared warning with no finding can say how close the text came to it; with the
    detector's per-warning `thresholds` "close" is judged against that warning's own bar
    (they range from 0.2 to 0.65, so one absolute scale would mislead)."""
    tax = taxonomy.load()
    chose_not = _chose_not_to_warn(declared, metadata)
    claims = _claims(declared, metadata, tax)
    found = {f.warning: f for f in findings if _is_found(f)}
    below = {f.warning: f.probability for f in findings if not _is_found(f)}

    def archives_of(warning: str) -> set[str]:
        a = tax.get(warning).ao3_archive_warning if warning in tax else None
        return {a} if a else set()

    items: list[AuditItem] = []
    for warning in sorted(set(claims) | set(found)):
        claim = claims.get(warning)
        finding = found.get(warning)
        name = _name(tax, warning)
        if finding is None and claim is not None:
            if not claim.direct and (
                not claim.phrases or any(claim.archives & archives_of(w) for w in found)
            ):
                continue  # the Archive Warning is earned by another warning it covers
            prob = below.get(warning, (best or {}).get(warning))
            items.append(
                AuditItem(
                    warning=warning,
                    status="declared-not-found",
                    declared_severity=claim.severity,
                    probability=None if prob is None else round(float(prob), 3),
                    message=_not_found_message(name, claim, prob, (thresholds or {}).get(warning)),
                )
            )
        elif finding is not None and claim is None:
            ev = _key_evidence(finding)
            items.append(
                AuditItem(
                    warning=warning,
                    status="chose-not-to-warn" if chose_not else "found-not-declared",
                    found_severity=finding.severity,
                    probability=round(finding.probability, 3),
                    message=(
                        _neutral_message(name, finding, ev)
                        if chose_not
                        else f"you did not warn for {name}; {_where(ev)} {_verb(finding.severity)}"
                        + _more(finding)
                    ),
                    evidence=[e.passage_id for e in finding.evidence],
                )
            )
        elif finding is not None and claim is not None:
            under = claim.severity is not None and (_RANK[finding.severity] > _RANK[claim.severity])
            ev = _key_evidence(finding)
            if under:
                assert claim.severity is not None
                message = (
                    f"you warned for {_declared_as(name, claim.severity)}, but "
                    f"{_where(ev)} {_verb(finding.severity)}" + _more(finding)
                )
            else:
                message = f"declared and found: {name} ({_adjective(finding.severity)}"
                message += f", {_where(ev)})" if ev else ")"
            items.append(
                AuditItem(
                    warning=warning,
                    status="severity-mismatch" if under else "agree",
                    declared_severity=claim.severity,
                    found_severity=finding.severity,
                    probability=round(finding.probability, 3),
                    message=message,
                    evidence=[e.passage_id for e in finding.evidence],
                )
            )
    items.sort(key=lambda i: (STATUS_ORDER.index(i.status), i.warning))
    return items


# --------------------------------------------------------------------------------------
# Declarations


def _chose_not_to_warn(declared: Sequence[Declared], metadata: Metadata) -> bool:
    if any(d.qualifier == "chose-not-to-warn" for d in declared):
        return True
    target = taxonomy.normalise_phrase(CHOSE_NOT_TO_WARN)
    phrases = [*metadata.archive_warnings, *(d.phrase for d in declared)]
    return any(taxonomy.normalise_phrase(p) == target for p in phrases)


def _claims(
    declared: Sequence[Declared], metadata: Metadata, tax: taxonomy.Taxonomy
) -> dict[str, _Claim]:
    archive = {taxonomy.normalise_phrase(a): a for a in tax.ao3_archive_warnings}
    claims: dict[str, _Claim] = {}

    def claim(warning: str, phrase: str | None, severity: Severity | None, via: str | None) -> None:
        c = claims.setdefault(warning, _Claim())
        if phrase is not None and phrase not in c.phrases:
            c.phrases.append(phrase)
        if via is None:
            c.direct = True
        else:
            c.archives.add(via)
        if severity is None:
            c.unspecified = True
        elif c.severity is None or _RANK[severity] > _RANK[c.severity]:
            c.severity = severity
        if c.unspecified:
            c.severity = None

    entries: list[tuple[str, str | None, Severity | None, str]] = [
        (d.phrase, d.warning, _declared_severity(d), d.source)
        for d in declared
        if d.qualifier != "chose-not-to-warn"
    ]
    entries += [(a, None, None, "ao3-tag") for a in metadata.archive_warnings]
    for phrase, warning, severity, source in entries:
        if source == "rating":
            # A rating ("Explicit") covers what it implies but is not a warning: it
            # never makes a "declared-not-found" item.
            if warning is not None and warning in tax:
                claim(warning, None, severity, "rating")
            continue
        archive_name = archive.get(taxonomy.normalise_phrase(phrase))
        if archive_name is not None:
            covered = [w.id for w in tax.warnings if w.ao3_archive_warning == archive_name]
            # The declaring phrase names one warning (declared.py's or the first
            # covered); the others are covered silently.
            primary = warning if warning in covered else (covered[0] if covered else None)
            for w in covered:
                claim(w, phrase if w == primary else None, None, archive_name)
            continue
        if warning is None or warning not in tax:
            continue  # understood as a warning but matching nothing: nothing to audit
        claim(warning, phrase, severity, None)
    return claims


def _declared_severity(d: Declared) -> Severity | None:
    if d.severity is not None:
        return d.severity
    q = (d.qualifier or "").strip().lower()
    if q in MENTION_QUALIFIERS:
        return "mention"
    if q in GRAPHIC_QUALIFIERS:
        return "graphic"
    return None


# --------------------------------------------------------------------------------------
# Findings and messages


def _is_found(f: Finding) -> bool:
    """A finding counts when some passage earned it (evidence or it didn't happen)."""
    return bool(f.evidence) or f.passages > 0


def _key_evidence(f: Finding) -> Evidence | None:
    """The passage to cite: the most severe, then most probable, then earliest."""
    if not f.evidence:
        return None
    return min(
        f.evidence,
        key=lambda e: (-_RANK[e.severity], -e.probability, e.chapter, e.paragraph),
    )


def _where(ev: Evidence | None) -> str:
    if ev is None:
        return "the text"
    if ev.chapter <= 0:
        return f"paragraph {ev.paragraph}"
    return f"chapter {ev.chapter}, paragraph {ev.paragraph}"


def _verb(severity: Severity) -> str:
    return {
        "mention": "mentions it",
        "depiction": "depicts it",
        "graphic": "depicts it graphically",
    }[severity]


def _adjective(severity: Severity) -> str:
    return {"mention": "mentioned", "depiction": "depicted", "graphic": "graphic"}[severity]


def _declared_as(name: str, severity: Severity) -> str:
    return {
        "mention": f"mentions of {name}",
        "depiction": f"{name} (depicted)",
        "graphic": f"graphic {name}",
    }[severity]


def _more(f: Finding) -> str:
    n = max(len(f.evidence), f.passages) - 1
    if n <= 0:
        return ""
    return f" (and {n} more passage{'s' if n > 1 else ''})"


def _neutral_message(name: str, f: Finding, ev: Evidence | None) -> str:
    return (
        f"the author chose not to use Archive Warnings; forewarn found {name} "
        f"({_adjective(f.severity)}) in {_where(ev)}" + _more(f)
    )


def _not_found_message(
    name: str, claim: _Claim, prob: float | None, threshold: float | None = None
) -> str:
    if not claim.direct and claim.phrases:
        declared = claim.phrases[0]  # "Graphic Depictions Of Violence"
    elif claim.severity:
        declared = _declared_as(name, claim.severity)
    else:
        declared = name
    head = f"you warned for {declared}, but forewarn found no passage that earns it"
    if prob is None:
        return head + " (it may be over-warned, or something forewarn does not catch)"
    if threshold:
        bar = f"(a warning needs {threshold:.2f})"
        if prob < 0.5 * threshold:
            return head + f"; fairly sure it is not there: best passage {prob:.2f} {bar}"
        if prob < 0.8 * threshold:
            return head + f"; not sure: the closest passage scored {prob:.2f} {bar}"
        return head + f"; unsure: a passage came close, {prob:.2f} {bar} -- keep the warning"
    if prob < 0.2:
        return head + f"; fairly sure it is not there (best passage {prob:.2f})"
    if prob < 0.5:
        return head + f"; not sure: the closest passage scored {prob:.2f}"
    return head + f"; unsure: a passage came close ({prob:.2f}) -- keep the warning"


def _name(tax: taxonomy.Taxonomy, warning: str) -> str:
    """The warning's name as it reads mid-sentence ("self-harm", "explicit sexual
    content"), keeping acronyms."""
    try:
        name = tax.get(warning).name
    except KeyError:
        return warning
    return name if name[:2].isupper() else name[0].lower() + name[1:]
