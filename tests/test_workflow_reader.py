"""Done-when for the reader workflow, tried as a new user would, with REAL scans:
a folder holding an AO3 HTML download, an AO3 EPUB and a FanFicFare EPUB goes through
`library add`, `library find`, `library show`, `render` and `tag-epub` on the command
line, and every output is checked - the rendered page in a real headless chromium (with
JavaScript on and off), the tagged EPUB opened again and its subjects read back.

Expected answers are never typed in: they come from `forewarn.pipeline.scan_path` on
the same files, so the test checks that every command agrees with the scanner."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b
from reader_support import hostile_spec, open_page, run_cli

from forewarn.ingest import read_path
from forewarn.ingest.epub import _opf_path, _read_package
from forewarn.ingest.safezip import SafeZip
from forewarn.pipeline import scan_path
from forewarn.render.epub import SUBJECT_PREFIX, read_subjects, subjects_for
from forewarn.render.html import passage_flags
from forewarn.report import Report


def gentle_spec() -> b.StorySpec:
    """One quiet chapter, rated General by its author, a different work."""
    return replace(
        b.short_spec(),
        title="The Quiet Harbour",
        rating="General Audiences",
        archive_warnings=["No Archive Warnings Apply"],
        work_id="11235813",
    )


@dataclass
class Shelf:
    folder: Path
    db: str
    html: Path  # AO3 HTML download of a story with markup-injection attempts in it
    ao3_epub: Path
    fff_epub: Path
    reports: dict[str, Report]
    ids: dict[str, int]


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Shelf:
    root = tmp_path_factory.mktemp("reader")
    folder = root / "Downloads" / "fic"
    folder.mkdir(parents=True)
    html = folder / "Keep the Light - quietmarrow.html"
    html.write_bytes(b.ao3_download_html(hostile_spec()))
    ao3_epub = folder / "The Quiet Harbour.epub"
    ao3_epub.write_bytes(b.ao3_epub(gentle_spec()))
    fff_epub = folder / "keep_the_light-ao3_48151623.epub"
    fff_epub.write_bytes(b.fanficfare_epub(b.sample_spec()))
    reports = {p.name: scan_path(p) for p in (html, ao3_epub, fff_epub)}
    db = f"sqlite:///{root / 'library.sqlite3'}"

    added = run_cli(["library", "add", root / "Downloads", "--db", db])
    assert added.code == 0, added.err
    assert added.out.strip() == "added 3, updated 0, unchanged 0, failed 0"
    listed = run_cli(["library", "find", "--json", "--db", db])
    ids = {Path(r["path"]).name: r["id"] for r in json.loads(listed.out)}
    return Shelf(folder, db, html, ao3_epub, fff_epub, reports, ids)


def warnings_of(report: Report) -> set[str]:
    return {f.warning for f in report.findings}


# --- library ---------------------------------------------------------------------------------


def test_library_holds_what_the_scanner_found(shelf: Shelf) -> None:
    assert set(shelf.ids) == set(shelf.reports)
    rows = json.loads(run_cli(["library", "export", "--json", "--db", shelf.db]).out)
    assert len(rows) == 3
    for row in rows:
        report = shelf.reports[Path(row["path"]).name]
        assert row["title"] == report.work.title
        assert row["rating"] == report.suggestions.rating
        assert {w["warning"]: w["severity"] for w in row["warnings"]} == {
            f.warning: f.severity for f in report.findings
        }
    assert {r["format"] for r in rows} == {"ao3-html", "ao3-epub", "fanficfare-epub"}
    again = run_cli(["library", "add", shelf.folder, "--db", shelf.db])
    assert again.out.strip() == "added 0, updated 0, unchanged 3, failed 0"


def test_library_find_answers_a_readers_question(shelf: Shelf) -> None:
    violent = {n for n, r in shelf.reports.items() if "violence" in warnings_of(r)}
    assert violent and violent != set(shelf.reports)  # the question has a real answer
    found = run_cli(
        ["library", "find", "--without", "violence,self-harm,suicide", "--json", "--db", shelf.db]
    )
    assert found.code == 0, found.err
    assert {Path(r["path"]).name for r in json.loads(found.out)} == set(shelf.reports) - violent
    teen = run_cli(["library", "find", "--rating", "teen", "--json", "--db", shelf.db])
    expected = {
        n
        for n, r in shelf.reports.items()
        if r.suggestions.rating in ("General Audiences", "Teen And Up Audiences")
        and r.work.declared_rating in (None, "General Audiences", "Teen And Up Audiences")
    }
    assert expected == {shelf.ao3_epub.name}  # the other two are declared Mature
    assert {Path(r["path"]).name for r in json.loads(teen.out)} == expected
    table = run_cli(["library", "find", "--with", "violence", "--db", shelf.db])
    assert f"{len(violent)} works" in table.out and "<script>" in table.out


def test_library_show_gives_the_stored_report(shelf: Shelf) -> None:
    work_id = shelf.ids[shelf.fff_epub.name]
    shown = json.loads(run_cli(["library", "show", str(work_id), "--json", "--db", shelf.db]).out)
    assert Report.from_dict(shown).to_json() == shelf.reports[shelf.fff_epub.name].to_json()
    text = run_cli(["library", "show", str(work_id), "--db", shelf.db]).out
    assert all(f.name in text for f in shelf.reports[shelf.fff_epub.name].findings)


# --- tag-epub --------------------------------------------------------------------------------


def our_subjects(data: bytes) -> list[str]:
    return [s for s in read_subjects(data) if s.startswith(SUBJECT_PREFIX)]


def reader_subjects(data: bytes) -> list[str]:
    """The subjects as forewarn's own EPUB reader parses the package document."""
    with SafeZip(data, "EPUB") as book:
        return _read_package(book, _opf_path(book)).subjects


def test_tag_epub_writes_subjects_that_read_back(shelf: Shelf, tmp_path: Path) -> None:
    original = shelf.fff_epub.read_bytes()
    out = tmp_path / "tagged.epub"
    result = run_cli(["tag-epub", shelf.fff_epub, "-o", out])
    assert result.code == 0, result.err
    assert shelf.fff_epub.read_bytes() == original  # the original is kept
    expected = subjects_for(shelf.reports[shelf.fff_epub.name])
    assert our_subjects(out.read_bytes()) == expected
    assert [s for s in reader_subjects(out.read_bytes()) if s in expected] == expected
    assert len(expected) == len(shelf.reports[shelf.fff_epub.name].findings) + 1  # + rating
    # the book still reads the same, and FanFicFare's own subjects are still there
    assert read_path(out).text == read_path(shelf.fff_epub).text
    assert set(read_subjects(original)) < set(read_subjects(out.read_bytes()))


def test_tag_epub_in_place_then_library_add_updates_the_entry(shelf: Shelf) -> None:
    book = shelf.ao3_epub
    before = book.read_bytes()
    assert run_cli(["tag-epub", book, "--in-place"]).code == 0
    tagged = book.read_bytes()
    assert tagged != before
    assert our_subjects(tagged) == subjects_for(shelf.reports[book.name])
    assert run_cli(["tag-epub", book, "--in-place"]).code == 0
    assert book.read_bytes() == tagged  # idempotent
    readd = run_cli(["library", "add", shelf.folder, "--db", shelf.db])
    assert readd.out.strip() == "added 0, updated 1, unchanged 2, failed 0"
    assert len(json.loads(run_cli(["library", "find", "--json", "--db", shelf.db]).out)) == 3


def test_tag_epub_refuses_the_html_download(shelf: Shelf) -> None:
    result = run_cli(["tag-epub", shelf.html])
    assert result.code != 0 and "not an EPUB" in result.err
    assert not list(shelf.folder.glob("*.forewarn.*"))


# --- render, in a real browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def page(shelf: Shelf, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "read-safely.html"
    result = run_cli(["render", shelf.html, "-o", out])
    assert result.code == 0, result.err
    return out


def flagged_ids(shelf: Shelf) -> set[str]:
    return set(passage_flags(shelf.reports[shelf.html.name]))


@pytest.mark.browser
def test_rendered_page_folds_flagged_passages_until_clicked(
    shelf: Shelf, page: Path, browser: Any
) -> None:
    context = browser.new_context()
    try:
        tab, watch = open_page(context, page)
        folds = tab.locator("details.fw-fold")
        assert folds.count() >= 1
        folded = tab.locator("details.fw-fold .fw-p")
        assert {folded.nth(i).get_attribute("id") for i in range(folded.count())} == flagged_ids(
            shelf
        )
        for i in range(folds.count()):
            assert not folds.nth(i).locator(".fw-folded").is_visible()
        first = folds.nth(0)
        assert first.locator("summary").inner_text().startswith("This passage contains:")
        first.locator("summary").click()
        assert first.locator(".fw-folded").is_visible()
        assert not any(
            folds.nth(i).locator(".fw-folded").is_visible() for i in range(1, folds.count())
        )
        # per-warning toggles: unfolding every warning shows every passage, and back
        toggles = tab.locator("input.fw-toggle")
        names = {f.warning for f in shelf.reports[shelf.html.name].findings}
        assert {toggles.nth(i).get_attribute("value") for i in range(toggles.count())} == names
        for i in range(toggles.count()):
            toggles.nth(i).uncheck()
        assert all(folds.nth(i).locator(".fw-folded").is_visible() for i in range(folds.count()))
        for i in range(toggles.count()):
            toggles.nth(i).check()
        assert not any(
            folds.nth(i).locator(".fw-folded").is_visible() for i in range(folds.count())
        )
        # the warnings come first, with the names and nothing from the story
        warnings = tab.locator("#fw-warnings").inner_text()
        assert all(f.name in warnings for f in shelf.reports[shelf.html.name].findings)
        assert "Tobias" not in warnings
        assert tab.title().startswith('Keep the Light <script>alert("title")</script>')
        assert watch.errors == [] and watch.dialogs == [] and watch.requests == []
    finally:
        context.close()


@pytest.mark.browser
def test_rendered_page_with_javascript_off_keeps_passages_folded(
    shelf: Shelf, page: Path, browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab, watch = open_page(context, page)
        folds = tab.locator("details.fw-fold")
        assert folds.count() >= 1
        for i in range(folds.count()):
            assert not folds.nth(i).locator(".fw-folded").is_visible()
        folds.nth(0).locator("summary").click()
        assert folds.nth(0).locator(".fw-folded").is_visible()
        assert watch.dialogs == []
    finally:
        context.close()
