"""Shared helpers for the reader-facing tests (read-safely page, EPUB tagging, library,
the end-to-end reader workflow): hand-made reports over real Works, a hostile story, the
CLI run in-process, and Debian's chromium driven by Playwright.

Hand-made reports let these tests check rendering and storage without depending on what
the detectors happen to find; the workflow test uses real scans.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b

from forewarn import taxonomy
from forewarn.errors import CorruptFile, EmptyInput
from forewarn.report import Evidence, Finding, Flag, ModelInfo, Report, Suggestions, WorkInfo
from forewarn.work import Passage, Work

# --- reports ---------------------------------------------------------------------------------


def passage_with(work: Work, needle: str) -> Passage:
    """The story passage whose text contains `needle` (exactly one must)."""
    found = [p for p in work.story_passages if needle in p.text]
    assert len(found) == 1, f"{len(found)} story passages contain {needle!r}"
    return found[0]


def make_report(
    work: Work,
    marks: Iterable[tuple[str, str, str]],
    *,
    evidence_only: bool = False,
    rating: str | None = "Teen And Up Audiences",
    names: dict[str, str] | None = None,
) -> Report:
    """A report flagging, for each (warning id, severity, needle), the story passage that
    contains the needle. `evidence_only` leaves `Finding.flagged` empty (older reports)
    and quotes only the first passage of each warning."""
    tax = taxonomy.load()
    grouped: dict[str, list[tuple[Passage, str]]] = {}
    for warning, severity, needle in marks:
        grouped.setdefault(warning, []).append((passage_with(work, needle), severity))
    findings = []
    for warning, hits in grouped.items():
        name = (names or {}).get(warning) or tax.get(warning).name
        evidence = [
            Evidence(p.id, p.chapter, p.paragraph, p.start, p.end, p.text[:80], 0.9, sev)
            for p, sev in hits[: 1 if evidence_only else len(hits)]
        ]
        flagged = [] if evidence_only else [Flag(p.id, 0.9, sev) for p, sev in hits]
        strongest = max((sev for _, sev in hits), key=["mention", "depiction", "graphic"].index)
        findings.append(
            Finding(warning, name, 0.9, strongest, evidence, passages=len(hits), flagged=flagged)
        )
    return Report(
        work=WorkInfo(
            title=work.title,
            author=work.author,
            format=work.format,
            chapters=len(work.chapters),
            words=work.word_count,
            passages=len(work.story_passages),
            work_id=work.work_id,
            declared_rating=work.metadata.rating,
        ),
        model=ModelInfo("hand-made", "0"),
        findings=findings,
        suggestions=Suggestions(rating=rating),
    )


#: (warning, severity, text that picks the passage) for the sample story.
SAMPLE_MARKS = [
    ("self-harm", "mention", "thin pale scars"),
    ("violence", "graphic", "blade opened his arm"),
    ("blood-gore", "graphic", "blade opened his arm"),
    ("death", "mention", "They buried Tobias Quill"),
]


# --- a fake scanner for library tests -----------------------------------------------------


def fake_work_text(
    title: str,
    warnings: dict[str, str] | None = None,
    rating: str | None = "General Audiences",
    declared: str | None = None,
    salt: str = "",
) -> str:
    """A tiny text file that `fake_scan` turns into a known report (no detectors)."""
    listed = ",".join(f"{w}:{sev}" for w, sev in (warnings or {}).items())
    return (
        f"title: {title}\nrating: {rating or ''}\ndeclared: {declared or ''}\n"
        f"warnings: {listed}\nsalt: {salt}\n\nOnce upon a time there was a story.\n"
    )


def fake_scan(data: bytes, name: str = "", **_: Any) -> Report:
    """The report a `fake_work_text` file describes; an empty file or "title: broken"
    fails the way bad input does."""
    if not data.strip():
        raise EmptyInput("the input is empty")
    fields = dict(line.split(": ", 1) for line in data.decode("utf-8").splitlines() if ": " in line)
    if fields.get("title") == "broken":
        raise CorruptFile("could not read this file (a broken test work)")
    tax = taxonomy.load()
    findings = []
    for item in filter(None, fields.get("warnings", "").split(",")):
        warning, severity = item.split(":")
        findings.append(Finding(warning, tax.get(warning).name, 0.8, severity, passages=1))
    return Report(
        work=WorkInfo(
            title=fields.get("title"),
            author="tester",
            format="text",
            chapters=1,
            words=7,
            passages=1,
            declared_rating=fields.get("declared") or None,
        ),
        model=ModelInfo("fake", "1"),
        findings=findings,
        suggestions=Suggestions(rating=fields.get("rating") or None),
    )


# --- library databases -----------------------------------------------------------------------

POSTGRES_ENV = "FOREWARN_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


@contextlib.contextmanager
def library_url(backend: str, folder: Path) -> Iterator[str]:
    """An empty library database: an SQLite file in `folder`, or a fresh schema in the
    PostgreSQL database named by $FOREWARN_TEST_POSTGRES_URL (dropped afterwards; the
    test never touches anything outside its own schema)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'library.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"set {POSTGRES_ENV} to run the library tests on PostgreSQL too")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"fw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- hostile text ----------------------------------------------------------------------------

HOSTILE = [
    '<script>alert("title")</script>',
    '"><svg onload=alert(1)>',
    "<img src=x onerror=alert(2)>",
    "</details></article><script>alert(3)</script>",
    '\'"><iframe srcdoc="<script>alert(4)</script>"></iframe>',
    '<a href="javascript:alert(5)">click</a> &amp; &lt;b&gt; <!-- ]]> </style></title>',
]


def hostile_spec() -> b.StorySpec:
    """The sample story with markup-injection attempts in its title, author, notes,
    summary, chapter titles, tags and body (builders escape them, so a reader sees them
    as literal text - which is exactly what the page must show)."""
    spec = b.sample_spec()
    chapters = []
    for n, ch in enumerate(spec.chapters):
        hostile = HOSTILE[n % len(HOSTILE)]
        chapters.append(
            replace(
                ch,
                title=f"{ch.title} {HOSTILE[(n + 1) % len(HOSTILE)]}",
                paragraphs=[f"{ch.paragraphs[0]} {hostile}", *ch.paragraphs[1:], *HOSTILE],
            )
        )
    return replace(
        spec,
        title=f"Keep the Light {HOSTILE[0]}",
        author=f"quietmarrow{HOSTILE[1]}",
        summary=f"{spec.summary} {HOSTILE[2]}",
        notes=[*spec.notes, HOSTILE[3]],
        end_notes=[*spec.end_notes, HOSTILE[4]],
        additional_tags=[*spec.additional_tags, HOSTILE[5]],
        chapters=chapters,
    )


# --- the CLI, in-process ----------------------------------------------------------------------


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(args: list[Any]) -> CliResult:
    """`forewarn ARGS` through forewarn.cli.main, in this process, with its exit code
    and output (works in module-scoped fixtures too: no capsys needed)."""
    from forewarn.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return CliResult(code, out.getvalue(), err.getvalue())


# --- the browser -----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium through Playwright (never a downloaded browser). Missing
    chromium FAILS the test unless FOREWARN_SKIP_BROWSER=1 says to skip on purpose."""
    if os.environ.get("FOREWARN_SKIP_BROWSER") == "1":
        pytest.skip("FOREWARN_SKIP_BROWSER=1: browser tests skipped on request")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) "
            "or set FOREWARN_SKIP_BROWSER=1 to skip the browser tests on purpose",
            pytrace=False,
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def chromium_browser() -> Iterator[Any]:
    """A headless Debian chromium for the length of a fixture (tests/conftest.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that it should not: JS errors, CSP violations, dialogs, requests."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(context: Any, path: Path) -> tuple[Any, Watch]:
    page = context.new_page()
    watch = Watch()

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("console", lambda msg: watch.errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "request",
        lambda req: None if req.url.startswith("file:") else watch.requests.append(req.url),
    )
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, watch
