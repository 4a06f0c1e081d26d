"""The "read safely" page: one self-contained HTML file with the warnings first and every
flagged passage folded behind a `<details>` control.

Why `<details>`: it folds with JavaScript off, is keyboard-operable (Tab to it, Enter or
Space to open) and announced as expandable by screen readers without ARIA work. The
small script (assets/readsafe.js) only adds the per-warning toggles.

Safety: every piece of text from the work or the report goes through `html.escape`
(nothing is ever placed in a script, style or URL), and the page's Content-Security-
Policy allows no network access at all and exactly one script and one style sheet, both
pinned by their SHA-256 hashes, so even a mistake in escaping could not run a script.

No spoilers: unless `spoilers=True`, the warning list says only what (warning names,
how strongly, how many passages), never what happens or where.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from importlib import resources

from forewarn.report import Finding, Report
from forewarn.work import Block, Passage, Work

SEVERITY_WORD = {"mention": "mentioned", "depiction": "depicted", "graphic": "graphic"}
SEVERITY_RANK = {"mention": 0, "depiction": 1, "graphic": 2}
SCENE_BREAK = "* * *"
NOTE_LABEL = {"note": "Author's note", "end-note": "End note"}
_LANG_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def _asset(name: str) -> str:
    return resources.files("forewarn.render").joinpath("assets", name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def content_security_policy(script: str, style: str) -> str:
    """Nothing from the network, no plugins, no forms; only our own script and style."""
    return (
        "default-src 'none'; "
        f"script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "base-uri 'none'; form-action 'none'"
    )


def page_policy() -> str:
    """The CSP of every page this module renders (the assets are fixed), for a server
    that wants to send it as a header too."""
    return content_security_policy(_asset("readsafe.js"), _asset("readsafe.css"))


def passage_flags(report: Report) -> dict[str, dict[str, str]]:
    """passage id -> {warning id: severity} for every passage over a warning's threshold.

    Uses `Finding.flagged` (all passages over the threshold); a finding without it (older
    reports) falls back to its quoted evidence."""
    flags: dict[str, dict[str, str]] = {}
    for finding in report.findings:
        marks = [(g.passage_id, g.severity) for g in finding.flagged] or [
            (e.passage_id, e.severity) for e in finding.evidence
        ]
        for passage_id, severity in marks:
            _keep_strongest(flags.setdefault(passage_id, {}), finding.warning, severity)
    return flags


def _keep_strongest(marks: dict[str, str], warning: str, severity: str) -> None:
    old = marks.get(warning)
    if old is None or SEVERITY_RANK.get(severity, 1) > SEVERITY_RANK.get(old, 1):
        marks[warning] = severity


def render_html(work: Work, report: Report, spoilers: bool = False) -> str:
    """A complete HTML document. `spoilers` adds the quoted evidence to the warning list."""
    script, style = _asset("readsafe.js"), _asset("readsafe.css")
    title = work.title or "Untitled work"
    flags = passage_flags(report)
    present = {p.id for p in work.passages}
    findings = {f.warning: f for f in report.findings}
    lang = work.metadata.language or ""
    lang_attr = f' lang="{escape(lang)}"' if _LANG_CODE.match(lang) else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{escape(content_security_policy(script, style))}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="generator" content="forewarn">',
        f"<title>{escape(title)} (read safely)</title>",
        f"<style>{style}</style>",
        "</head><body>",
        '<a class="fw-skip" href="#fw-story">Skip to the story</a>',
        '<main id="fw-main">',
        _header(work, report, title),
        _warnings_section(report, flags, present, spoilers),
        _chapter_nav(work),
        f'<article id="fw-story" aria-label="Story"{lang_attr}>',
        *_story(work, flags, findings),
        "</article></main>",
        f"<script>{script}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# --- header and warnings ---------------------------------------------------------------------


def _header(work: Work, report: Report, title: str) -> str:
    byline = f'<p class="fw-byline">by {escape(work.author)}</p>' if work.author else ""
    chapters = len(work.chapters)
    facts = [f"{report.work.words:,} words"]
    if chapters > 1:
        facts.append(f"{chapters} chapters")
    if work.metadata.rating:
        facts.append(f"rated {escape(work.metadata.rating)} by the author")
    return (
        f'<header><h1 id="fw-title">{escape(title)}</h1>{byline}'
        f'<p class="fw-facts">{" · ".join(facts)}</p></header>'
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _warnings_section(
    report: Report, flags: dict[str, dict[str, str]], present: set[str], spoilers: bool
) -> str:
    heading = '<h2 id="fw-warnings-h">Content warnings</h2>'
    s = report.suggestions
    rating = (
        f'<p class="fw-rating">Suggested rating: <strong>{escape(s.rating)}</strong></p>'
        if s.rating
        else ""
    )
    if not report.findings:
        return (
            f'<section id="fw-warnings" aria-labelledby="fw-warnings-h">{heading}'
            "<p>forewarn found nothing to warn for in this work. It can miss things: "
            f"the author's own notes are kept below.</p>{rating}</section>"
        )
    items = [_warning_item(f, flags, present, spoilers) for f in report.findings]
    toggles = "".join(
        f'<label><input type="checkbox" class="fw-toggle" checked value="{escape(f.warning)}"> '
        f"{escape(f.name)}</label>"
        for f in report.findings
    )
    return (
        f'<section id="fw-warnings" aria-labelledby="fw-warnings-h">{heading}'
        f'<ul class="fw-list">{"".join(items)}</ul>{rating}'
        '<p class="fw-help">Passages with these warnings are folded. Open one with its '
        "“show” control (or Tab to it and press Enter).</p>"
        '<fieldset id="fw-toggles" class="fw-toggles" hidden>'
        "<legend>Fold passages with</legend>"
        f'<div class="fw-toggle-list">{toggles}</div>'
        '<div class="fw-buttons"><button type="button" id="fw-unfold-all">Show every passage</button>'
        '<button type="button" id="fw-fold-all">Fold every flagged passage</button></div>'
        '<p id="fw-status" class="fw-status" role="status" aria-live="polite"></p>'
        "</fieldset></section>"
    )


def _warning_item(
    f: Finding, flags: dict[str, dict[str, str]], present: set[str], spoilers: bool
) -> str:
    severity = SEVERITY_WORD.get(f.severity, f.severity)
    folded = sum(1 for pid, marks in flags.items() if f.warning in marks and pid in present)
    total = max(f.passages, folded)
    item = (
        f'<li data-warning="{escape(f.warning)}"><strong>{escape(f.name)}</strong> '
        f'<span class="fw-sev fw-{escape(f.severity)}">{escape(severity)}</span> '
        f'<span class="fw-conf">{_plural(total, "passage")}, '
        f"{f.probability:.0%} confidence</span>"
    )
    if folded < total:
        item += (
            f'<span class="fw-partial"> Only {folded} of these {total} passages could be '
            "folded: this report marks only its quoted evidence.</span>"
        )
    if spoilers and f.evidence:
        quotes = "".join(
            f'<li><a href="#{escape(e.passage_id)}">{escape(_where(e.chapter, e.paragraph))}</a>: '
            f"“{escape(e.quote)}”</li>"
            for e in f.evidence
        )
        item += f'<ul class="fw-quotes">{quotes}</ul>'
    return item + "</li>"


def _where(chapter: int, paragraph: int) -> str:
    return (
        f"chapter {chapter}, paragraph {paragraph}" if chapter else f"notes, paragraph {paragraph}"
    )


def _chapter_nav(work: Work) -> str:
    if len(work.chapters) < 2:
        return ""
    links = "".join(
        f'<li><a href="#fw-ch-{c.index}">{escape(_chapter_title(work, c.index))}</a></li>'
        for c in work.chapters
    )
    return f'<nav class="fw-toc" aria-label="Chapters"><ol>{links}</ol></nav>'


def _chapter_title(work: Work, index: int) -> str:
    chapter = next((c for c in work.chapters if c.index == index), None)
    name = chapter.title if chapter else None
    if len(work.chapters) < 2:
        return name or ""
    if not name:
        return f"Chapter {index}"
    return name if name.lower().startswith("chapter") else f"Chapter {index}: {name}"


# --- the story -------------------------------------------------------------------------------


def _story(
    work: Work, flags: dict[str, dict[str, str]], findings: dict[str, Finding]
) -> Iterator[str]:
    """Blocks in text order, wrapped in one section per chapter (chapter 0's front
    matter comes before chapter 1 and its end matter after the last chapter)."""
    by_block: dict[int, list[Passage]] = {}
    for p in work.passages:
        by_block.setdefault(p.block, []).append(p)
    open_chapter: int | None = None
    for block in work.blocks:
        if block.chapter != open_chapter:
            if open_chapter is not None:
                yield "</section>"
            open_chapter = block.chapter
            yield _chapter_open(work, block.chapter)
        yield _block_html(work, block, by_block.get(block.index, []), flags, findings)
    if open_chapter is not None:
        yield "</section>"


def _chapter_open(work: Work, index: int) -> str:
    if index == 0:
        return '<section class="fw-matter">'
    title = _chapter_title(work, index)
    heading = f'<h2 class="fw-chapter">{escape(title)}</h2>' if title else ""
    return f'<section class="fw-ch" id="fw-ch-{index}">{heading}'


@dataclass
class _Run:
    """Consecutive passages of one block flagged for the same warnings (or for none), so
    a long scene is one fold, yet a reader who unfolds one warning never unfolds a
    neighbouring passage that carries another."""

    passages: list[Passage]
    marks: dict[str, str]  # warning id -> strongest severity in the run


def _runs(passages: list[Passage], flags: dict[str, dict[str, str]]) -> list[_Run]:
    runs: list[_Run] = []
    for p in sorted(passages, key=lambda q: q.start):
        marks = flags.get(p.id, {})
        if runs and runs[-1].marks.keys() == marks.keys():
            runs[-1].passages.append(p)
            for warning, severity in marks.items():
                _keep_strongest(runs[-1].marks, warning, severity)
        else:
            runs.append(_Run([p], dict(marks)))
    return runs


def _block_html(
    work: Work,
    block: Block,
    passages: list[Passage],
    flags: dict[str, dict[str, str]],
    findings: dict[str, Finding],
) -> str:
    pieces: list[str] = []
    cursor = block.start
    for run in _runs(passages, flags):
        start, end = run.passages[0].start, run.passages[-1].end
        if start > cursor:
            pieces.append(_paragraphs(work.text[cursor:start]))
        if run.marks:
            pieces.append(_fold(work, run, findings))
        else:
            pieces.append(_paragraphs(work.text[max(cursor, start) : end]))
        cursor = max(cursor, end)
    if cursor < block.end:
        pieces.append(_paragraphs(work.text[cursor : block.end]))
    inner = "".join(pieces)
    if block.kind == "body":
        return f'<div class="fw-body">{inner}</div>'
    if block.kind in ("epigraph", "lyrics"):
        return f'<blockquote class="fw-{block.kind}">{inner}</blockquote>'
    label = NOTE_LABEL.get(block.kind, "Note")
    return (
        f'<aside class="fw-note" aria-label="{escape(label)}">'
        f'<p class="fw-label">{escape(label)}</p>{inner}</aside>'
    )


def _fold(work: Work, run: _Run, findings: dict[str, Finding]) -> str:
    order = list(findings)
    ordered = sorted(run.marks.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    names = ", ".join(
        f"{_name(findings, w).lower()} ({SEVERITY_WORD.get(sev, sev)})" for w, sev in ordered
    )
    body = "".join(
        f'<div class="fw-p" id="{escape(p.id)}">{_paragraphs(work.text[p.start : p.end])}</div>'
        for p in run.passages
    )
    return (
        f'<details class="fw-fold" data-warnings="{escape(" ".join(w for w, _ in ordered))}">'
        f"<summary>This passage contains: {escape(names)} — "
        '<span class="fw-show">show</span><span class="fw-hide">hide</span></summary>'
        f'<div class="fw-folded">{body}</div></details>'
    )


def _name(findings: dict[str, Finding], warning: str) -> str:
    finding = findings.get(warning)
    return finding.name if finding else warning


def _paragraphs(text: str) -> str:
    out = []
    for para in text.split("\n\n"):
        para = para.strip()
        if not para:
            continue
        if para == SCENE_BREAK:
            out.append('<p class="fw-break">* * *</p>')
        else:
            out.append("<p>" + "<br>".join(escape(line) for line in para.split("\n")) + "</p>")
    return "".join(out)
