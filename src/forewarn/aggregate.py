"""Passage scores -> document findings with severity and evidence.

(Contract) aggregate(passages: Sequence[Passage], scores: PassageScores) -> list[Finding]

Document probability (why not just the max): one passage at 0.6 and five at 0.55 are
more evidence than one at 0.6 alone, but passages of one story are far from
independent, so a plain noisy-OR over hundreds of passages would turn any long work's
background noise into certainty. We use a damped noisy-OR over the top k passages:

    P = 1 - prod_{r=1..k} (1 - p_(r)) ** (d ** (r - 1))        k = 5, d = 0.35

where p_(1) >= p_(2) >= ... are the passage probabilities. The best passage counts
fully (P >= max p, so a single clear passage is judged exactly as it scored); the r-th
counts with exponent d^(r-1) (1, 0.35, 0.12, 0.04, 0.015). Adding a passage can only
raise each p_(r), so P never goes down when a passage is added (monotone). Five passages
at 0.3 give P = 0.42, below the default 0.5 threshold: scattered weak cues do not add
up to a warning. A Finding is emitted only when P clears the warning's threshold *and*
at least one passage does on its own: forewarn promises the passages that earn each
warning, and per-warning thresholds as low as 0.2 (chosen per passage) let five
passages at 0.15 add up to P = 0.21, a warning no passage could be shown for (it
happened on real works, e.g. "other sexual content" from five kisses).

Severity (rule-based, per passage then per document):
  passage  graphic    intensity >= G (lingering, sensory injury/explicit detail)
           mention    reported (time/memory cue, past perfect "had died", "never ... again")
                      in at least half the sentences that hold its matched terms,
                      or intensity < M, or the passage is below the threshold
                      (supporting evidence only)
           depiction  otherwise: on-page, in the story's present action
  document graphic    any passing passage is graphic, or a run of >= 3 consecutive
                      passing passages (same chapter) that are depictions with mean
                      intensity >= 0.35 (a scene that lingers)
           depiction  any passing passage is a depiction, unless the only passing passage
                      is weak (p < threshold + 0.15) with low intensity (< 0.2):
                      "in passing" -> mention
           mention    otherwise
G and M come with the scores (`PassageScores.severity_cuts`): the learned model fits an
intensity scale on severity-labelled passages and chooses both cuts in training; for a
detector without one (the lexicon, whose intensity only measures gore detail) G = 0.6
and M = 0 (intensity never makes a mention).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forewarn import taxonomy
from forewarn.detect.base import PassageScores
from forewarn.report import Evidence, Finding, Flag, Severity
from forewarn.text_norm import excerpt
from forewarn.work import Passage

TOP_K = 5
DAMPING = 0.35
MAX_EVIDENCE = 5
QUOTE_CHARS = 200
GRAPHIC_INTENSITY = 0.6
# (mention below, graphic from) for a detector whose intensity is not a fitted scale
DEFAULT_SEVERITY_CUTS = (0.0, GRAPHIC_INTENSITY)
RUN_LENGTH = 3
RUN_INTENSITY = 0.35
REPORTED_SHARE = 0.5
WEAK_MARGIN = 0.15
WEAK_INTENSITY = 0.2
DEFAULT_THRESHOLD = 0.5


def document_probability(
    probs: Sequence[float] | np.ndarray, top_k: int = TOP_K, damping: float = DAMPING
) -> float:
    """Damped noisy-OR of the top `top_k` passage probabilities (see module docstring)."""
    p = np.sort(np.clip(np.asarray(probs, dtype=float), 0.0, 1.0))[::-1][:top_k]
    if p.size == 0:
        return 0.0
    exponents = damping ** np.arange(p.size)
    with np.errstate(divide="ignore"):
        log_keep = np.where(p < 1.0, np.log1p(-p), -np.inf)
    total = float(np.sum(exponents * log_keep))
    return float(1.0 - np.exp(total)) if np.isfinite(total) else 1.0


def passage_severity(
    prob: float,
    threshold: float,
    intensity: float,
    reported: float,
    cuts: tuple[float, float] = DEFAULT_SEVERITY_CUTS,
) -> Severity:
    mention_below, graphic_from = cuts
    if intensity >= graphic_from:
        return "graphic"
    if reported >= REPORTED_SHARE or prob < threshold or intensity < mention_below:
        return "mention"
    return "depiction"


def document_severity(
    passing: list[int],
    sev: dict[int, Severity],
    probs: np.ndarray,
    intensity: np.ndarray,
    chapters: Sequence[int],
    threshold: float,
) -> Severity:
    """Severity for a warning from its passing passages (indices in passage order)."""
    if any(sev[i] == "graphic" for i in passing):
        return "graphic"
    run: list[int] = []
    for i in passing:
        if sev[i] != "depiction":
            run = []
            continue
        if run and (i != run[-1] + 1 or chapters[i] != chapters[run[-1]]):
            run = []
        run.append(i)
        if len(run) >= RUN_LENGTH and float(np.mean(intensity[run])) >= RUN_INTENSITY:
            return "graphic"
    depicted = [i for i in passing if sev[i] == "depiction"]
    if not depicted:
        return "mention"
    if (
        len(passing) == 1
        and probs[passing[0]] < threshold + WEAK_MARGIN
        and intensity[passing[0]] < WEAK_INTENSITY
    ):
        return "mention"
    return "depiction"


def _reportedness(text: str, terms: Sequence[str]) -> float:
    from forewarn.detect.lexicon import reportedness

    return reportedness(text, terms)


def aggregate(passages: Sequence[Passage], scores: PassageScores) -> list[Finding]:
    """Document findings from passage scores: probability, severity, up to five pieces of
    evidence. Sorted by probability (descending) then warning id; deterministic."""
    ids = [p.id for p in passages]
    if list(scores.passage_ids) != ids:
        raise ValueError("scores do not belong to these passages (passage ids differ)")
    n = len(passages)
    if n == 0:
        return []
    if scores.probs.shape != (n, len(scores.warnings)):
        raise ValueError(f"probs shape {scores.probs.shape} != ({n}, {len(scores.warnings)})")
    tax = taxonomy.load()
    intensity_all = (
        scores.intensity if scores.intensity is not None else np.zeros_like(scores.probs)
    )
    chapters = [p.chapter for p in passages]
    cuts = scores.severity_cuts or DEFAULT_SEVERITY_CUTS
    findings: list[Finding] = []
    for j, warning in enumerate(scores.warnings):
        probs = np.asarray(scores.probs[:, j], dtype=float)
        threshold = float(scores.thresholds.get(warning, DEFAULT_THRESHOLD))
        doc_p = document_probability(probs)
        passing = [i for i in range(n) if probs[i] >= threshold]
        if doc_p < threshold or not passing:
            continue
        intensity = np.asarray(intensity_all[:, j], dtype=float)
        order = sorted(range(n), key=lambda i: (-probs[i], i))
        chosen = [i for i in order if probs[i] >= threshold / 2][:MAX_EVIDENCE] or order[:1]
        judged = sorted(set(passing) | set(chosen))
        sev: dict[int, Severity] = {}
        for i in judged:
            terms = scores.hits.get((i, warning), [])
            rep = _reportedness(passages[i].text, terms)
            sev[i] = passage_severity(float(probs[i]), threshold, float(intensity[i]), rep, cuts)
        severity = document_severity(passing, sev, probs, intensity, chapters, threshold)
        evidence = [
            Evidence(
                passage_id=passages[i].id,
                chapter=passages[i].chapter,
                paragraph=passages[i].paragraph,
                start=passages[i].start,
                end=passages[i].end,
                quote=excerpt(passages[i].text, scores.hits.get((i, warning), []), QUOTE_CHARS),
                probability=round(float(probs[i]), 4),
                severity=sev[i],
            )
            for i in chosen
        ]
        name = tax.get(warning).name if warning in tax else warning
        findings.append(
            Finding(
                warning=warning,
                name=name,
                probability=round(doc_p, 4),
                severity=severity,
                evidence=evidence,
                passages=len(passing),
                flagged=[Flag(passages[i].id, round(float(probs[i]), 4), sev[i]) for i in passing],
            )
        )
    findings.sort(key=lambda f: (-f.probability, f.warning))
    return findings
