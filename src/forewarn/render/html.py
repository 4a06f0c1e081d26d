"""The "read safely" page: one self-contained HTML file with the warnings first and every
flagged passage folded behind a `<details>` control.

Why `<details>`: it folds with JavaScript off, is keyboard-operable and announced by
screen readers without any ARIA work. The small script only adds per-warning toggles.
Every piece of story text goes through `html.escape`; the page's Content-Security-Policy
allows no network access and only the one inline script, pinned by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from html import escape
from importlib import resources

from forewarn.report import Finding, Report
from forewarn.work import Block, Passage, Work

SEVERITY_WORD = {"mention": "mentioned", "depiction": "depicted", "graphic": "graphic"}
BLOCK_LABEL = {
    "note": "Author's note",
    "end-note": "End note",
    "epigraph": "Epigraph",
    "lyrics": "Lyrics",
}


def _asset(name: str) -> str:
    return resources.files("forewarn.render").joinpath("assets", name).read_text("utf-8")


def passage_flags(report: Report) -> dict[str, list[tuple[Finding, str]]]:
    """passage id -> [(finding, severity)] for every passage over a warning's threshold."""
    flags: dict[str, list[tuple[Finding, str]]] = defaultdict(list)
    for finding in report.findings:
        seen: set[str] = set()
        for flag in finding.flagged:
            flags[flag.passage_id].append((finding, flag.severity))
            seen.add(flag.passage_id)
        for ev in finding.evidence:  # older reports carry evidence only
            if ev.passage_id not in seen:
                flags[ev.passage_id].append((finding, ev.severity))
    return flags


def render_html(work: Work, report: Report, spoilers: bool = False) -> str:
    """A complete HTML document. `spoilers` adds quoted evidence to the warning list."""
    script = _asset("readsafe.js")
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'"
    )
    title = work.title or "Untitled work"
    flags = passage_flags(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="forewarn">',
        f"<title>{escape(title)} — read safely</title>",
        f"<style>{_asset('readsafe.css')}</style>",
        "</head><body>",
        '<main id="fw-main">',
        f'<header><h1 id="fw-title">{escape(title)}</h1>',
        f'<p class="fw-byline">{"by " + escape(work.author) if work.author else ""}</p></header>',
        _warnings_section(report, spoilers),
        '<article id="fw-story" aria-label="Story">',
        *(_chapter_html(work, chapter_index, flags) for chapter_index in _chapter_order(work)),
        "</article></main>",
        f"<script>{script}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _warnings_section(report: Report, spoilers: bool) -> str:
    if not report.findings:
        return '<section id="fw-warnings"><h2>Warnings</h2><p>No warnings found.</p></section>'
    items = []
    for f in report.findings:
        item = (
            f'<li data-warning="{escape(f.warning)}"><strong>{escape(f.name)}</strong> '
            f'<span class="fw-sev fw-{escape(f.severity)}">{SEVERITY_WORD.get(f.severity, f.severity)}</span> '
            f'<span class="fw-conf">{f.probability:.0%} confidence, {f.passages} passage'
            f"{'s' if f.passages != 1 else ''}</span>"
        )
        if spoilers and f.evidence:
            quotes = "".join(
                f"<li>ch. {e.chapter}, ¶ {e.paragraph}: “{escape(e.quote)}”</li>"
                for e in f.evidence
            )
            item += f'<ul class="fw-quotes">{quotes}</ul>'
        items.append(item + "</li>")
    toggles = "".join(
        f'<label><input type="checkbox" class="fw-toggle" checked value="{escape(f.warning)}"> '
        f"fold {escape(f.name)}</label>"
        for f in report.findings
    )
    s = report.suggestions
    rating = f'<p class="fw-rating">Suggested rating: {escape(s.rating)}</p>' if s.rating else ""
    return (
        '<section id="fw-warnings" aria-labelledby="fw-warnings-h">'
        '<h2 id="fw-warnings-h">Warnings</h2>'
        f'<ul class="fw-list">{"".join(items)}</ul>{rating}'
        f'<fieldset class="fw-toggles" hidden><legend>Folded passages</legend>{toggles}'
        '<button type="button" id="fw-unfold-all">show everything</button>'
        '<button type="button" id="fw-fold-all">fold everything</button></fieldset>'
        '<p class="fw-help">Flagged passages are folded. Open one with its “show” control.</p>'
        "</section>"
    )


def _chapter_order(work: Work) -> list[int]:
    return sorted({b.chapter for b in work.blocks})


def _chapter_html(
    work: Work, chapter_index: int, flags: dict[str, list[tuple[Finding, str]]]
) -> str:
    chapter = next((c for c in work.chapters if c.index == chapter_index), None)
    heading = ""
    if chapter_index and chapter is not None:
        heading = (
            f'<h2 class="fw-chapter">{escape(chapter.title or f"Chapter {chapter_index}")}</h2>'
        )
    by_block: dict[int, list[Passage]] = defaultdict(list)
    for p in work.passages:
        by_block[p.block].append(p)
    blocks = [b for b in work.blocks if b.chapter == chapter_index]
    body = "".join(_block_html(work, b, by_block.get(b.index, []), flags) for b in blocks)
    return f'<section class="fw-ch" data-chapter="{chapter_index}">{heading}{body}</section>'


def _block_html(
    work: Work, block: Block, passages: list[Passage], flags: dict[str, list[tuple[Finding, str]]]
) -> str:
    pieces: list[str] = []
    cursor = block.start
    for p in sorted(passages, key=lambda q: q.start):
        if p.start > cursor:
            pieces.append(_paragraphs(work.text[cursor : p.start]))
        pieces.append(_passage_html(p, flags.get(p.id, [])))
        cursor = max(cursor, p.end)
    if cursor < block.end:
        pieces.append(_paragraphs(work.text[cursor : block.end]))
    inner = "".join(pieces)
    if block.kind == "body":
        return f'<div class="fw-body">{inner}</div>'
    label = BLOCK_LABEL.get(block.kind, block.kind)
    return f'<aside class="fw-{block.kind}" aria-label="{label}"><p class="fw-label">{label}</p>{inner}</aside>'


def _passage_html(p: Passage, flagged: list[tuple[Finding, str]]) -> str:
    text = _paragraphs(p.text)
    if not flagged:
        return f'<div class="fw-p" id="{escape(p.id)}">{text}</div>'
    names = ", ".join(f"{f.name.lower()} ({SEVERITY_WORD.get(sev, sev)})" for f, sev in flagged)
    ids = " ".join(sorted({f.warning for f, _ in flagged}))
    return (
        f'<details class="fw-fold" id="{escape(p.id)}" data-warnings="{escape(ids)}">'
        f'<summary>This passage contains: {escape(names)} — <span class="fw-show">show</span></summary>'
        f'<div class="fw-p">{text}</div></details>'
    )


def _paragraphs(text: str) -> str:
    paras = [t.strip() for t in text.split("\n\n") if t.strip()]
    return "".join("<p>" + escape(t).replace("\n", "<br>") + "</p>" for t in paras)
