"""The read-safely page as HTML (no browser): structure, folding, escaping, CSP, spoilers.

Reports are hand-made over real Works (see reader_support.make_report), so these tests
say what the page does with a given report, independent of the detectors."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fixtures import builders as b
from reader_support import (
    HOSTILE,
    SAMPLE_MARKS,
    hostile_spec,
    make_report,
    passage_with,
    run_cli,
)

from forewarn.ingest import read_bytes
from forewarn.render.html import passage_flags, render_html
from forewarn.work import Work


@pytest.fixture(scope="module")
def work() -> Work:
    return read_bytes(b.ao3_download_html(b.sample_spec()), name="story.html")


def soup_of(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def one(soup: Tag, selector: str) -> Tag:
    found = soup.select_one(selector)
    assert found is not None, selector
    return found


def attr(tag: Tag | None, name: str) -> str:
    assert tag is not None
    return str(tag.get(name))


def folds(page: str) -> list[Tag]:
    return soup_of(page).select("details.fw-fold")


def test_flagged_passages_are_folded_with_their_warnings_named(work: Work) -> None:
    report = make_report(work, [("self-harm", "depiction", "thin pale scars")])
    page = render_html(work, report)
    [fold] = folds(page)
    summary = " ".join(one(fold, "summary").get_text(" ").split())
    assert summary.startswith("This passage contains: self-harm (depicted) — show")
    assert "thin pale scars" in fold.get_text()
    assert fold.get("open") is None  # folded by default, with or without JavaScript
    assert attr(fold, "data-warnings") == "self-harm"


def test_unflagged_text_is_not_folded_and_all_text_appears_once_in_order(work: Work) -> None:
    page = render_html(work, make_report(work, SAMPLE_MARKS))
    soup = soup_of(page)
    story = soup.select_one("#fw-story")
    assert story is not None
    text = " ".join(story.get_text(" ").split())
    position = -1
    for para in work.text.split("\n\n"):
        flat = " ".join(para.split())
        assert text.count(flat) == 1, flat
        assert text.index(flat) > position, f"out of order: {flat[:40]}"
        position = text.index(flat)
    folded_text = " ".join(d.get_text(" ") for d in soup.select("details.fw-fold"))
    assert "The storm came in after midnight" not in folded_text  # an unflagged passage


def test_one_passage_with_two_warnings_is_one_fold_naming_both(work: Work) -> None:
    page = render_html(work, make_report(work, SAMPLE_MARKS))
    both = [d for d in folds(page) if "blade opened" in d.get_text()]
    assert len(both) == 1
    summary = one(both[0], "summary").get_text(" ")
    assert "violence (graphic)" in summary and "blood and gore (graphic)" in summary
    assert set(attr(both[0], "data-warnings").split()) == {"violence", "blood-gore"}


def test_adjacent_passages_with_the_same_warnings_fold_together(work: Work) -> None:
    first = passage_with(work, "blade opened his arm")
    nxt = next(p for p in work.story_passages if p.start > first.start and p.block == first.block)
    same = [
        ("violence", "depiction", "blade opened his arm"),
        ("violence", "graphic", nxt.text[:30]),
    ]
    [fold] = folds(render_html(work, make_report(work, same)))
    assert [div["id"] for div in fold.select(".fw-p")] == [first.id, nxt.id]
    assert "violence (graphic)" in one(fold, "summary").get_text()  # the stronger severity
    other = [("violence", "depiction", "blade opened his arm"), ("death", "mention", nxt.text[:30])]
    apart = folds(render_html(work, make_report(work, other)))
    assert [attr(d, "data-warnings") for d in apart] == ["violence", "death"]


def test_warnings_come_first_and_name_no_spoilers(work: Work) -> None:
    report = make_report(work, SAMPLE_MARKS)
    page = render_html(work, report)
    assert page.index('id="fw-warnings"') < page.index('id="fw-story"')
    section = soup_of(page).select_one("#fw-warnings")
    assert section is not None
    words = section.get_text(" ")
    for finding in report.findings:
        assert finding.name in words
        for ev in finding.evidence:
            assert ev.quote not in words
    assert "Tobias" not in words and "chapter 2" not in words.lower()


def test_spoilers_quote_the_evidence_with_links_to_the_passages(work: Work) -> None:
    report = make_report(work, SAMPLE_MARKS)
    section = soup_of(render_html(work, report, spoilers=True)).select_one("#fw-warnings")
    assert section is not None
    quotes = section.select(".fw-quotes li")
    assert len(quotes) == sum(len(f.evidence) for f in report.findings)
    ids = {p.id for p in work.passages}
    for li in quotes:
        assert attr(li.a, "href").lstrip("#") in ids
    assert report.findings[0].evidence[0].quote in section.get_text()


def test_evidence_only_reports_still_fold_and_say_what_is_missing(work: Work) -> None:
    marks = [
        ("violence", "depiction", "blade opened his arm"),
        ("violence", "graphic", "far too much"),
    ]
    report = make_report(work, marks, evidence_only=True)
    assert passage_flags(report) and not report.findings[0].flagged
    page = render_html(work, report)
    assert len(folds(page)) == 1
    partial = soup_of(page).select_one(".fw-partial")
    assert partial is not None and "1 of these 2" in partial.get_text()


def test_no_findings_says_so(work: Work) -> None:
    page = render_html(work, make_report(work, []))
    assert not folds(page)
    assert "found nothing to warn for" in page
    assert 'id="fw-toggles"' not in page


def test_toggles_are_hidden_until_the_script_shows_them(work: Work) -> None:
    soup = soup_of(render_html(work, make_report(work, SAMPLE_MARKS)))
    box = soup.select_one("#fw-toggles")
    assert box is not None and box.has_attr("hidden")
    values = [i["value"] for i in box.select("input.fw-toggle")]
    assert values == ["self-harm", "violence", "blood-gore", "death"]
    assert all(i.has_attr("checked") for i in box.select("input.fw-toggle"))
    assert all(i.find_parent("label") for i in box.select("input"))  # every control labelled


def test_notes_end_matter_and_chapters_are_in_reading_order(work: Work) -> None:
    soup = soup_of(render_html(work, make_report(work, [])))
    headings = [h.get_text() for h in soup.select("h2.fw-chapter")]
    assert headings == [b.sample_spec().chapter_heading(n) for n in (1, 2, 3)]
    text = one(soup, "#fw-story").get_text(" ")
    assert text.index("Warnings: major character death") < text.index("Corran Point")
    assert text.index("Come and shout at me") > text.index("until the light came on")
    assert [a["href"] for a in soup.select("nav.fw-toc a")] == ["#fw-ch-1", "#fw-ch-2", "#fw-ch-3"]
    assert soup.select("aside.fw-note") and soup.select(
        "blockquote.fw-epigraph, blockquote.fw-lyrics"
    )


def test_scene_breaks_and_line_breaks_survive(work: Work) -> None:
    page = render_html(work, make_report(work, []))
    assert '<p class="fw-break">* * *</p>' in page
    assert "and the tide keeps every promise<br>that the shoreline never made" in page


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_csp_allows_exactly_the_inline_script_and_style(work: Work) -> None:
    soup = soup_of(render_html(work, make_report(work, SAMPLE_MARKS)))
    csp = attr(one(soup, 'meta[http-equiv="Content-Security-Policy"]'), "content")
    [script] = soup.find_all("script")
    [style] = soup.find_all("style")
    assert f"script-src 'sha256-{_hash(script.get_text())}'" in csp
    assert f"style-src 'sha256-{_hash(style.get_text())}'" in csp
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert not soup.find_all(["link", "img", "iframe", "object", "embed", "form"])
    assert not soup.find_all(href=re.compile(r"^(?!#)"))  # only in-page links


@pytest.fixture(scope="module")
def hostile_page() -> tuple[Work, str]:
    work = read_bytes(b.ao3_download_html(hostile_spec()), name="hostile.html")
    assert "<script>" in work.text and work.title and "<script>" in work.title
    report = make_report(
        work,
        [("violence", "graphic", "blade opened his arm"), ("self-harm", "mention", "pale scars")],
        names={"violence": HOSTILE[1], "self-harm": HOSTILE[0]},
        rating=HOSTILE[2],
    )
    report.findings[0].warning = 'x" onmouseover="alert(9)'
    return work, render_html(work, report, spoilers=True)


def test_hostile_text_is_escaped_everywhere(hostile_page: tuple[Work, str]) -> None:
    work, page = hostile_page
    soup = BeautifulSoup(page, "lxml")  # a real HTML parser's view of the page
    assert len(soup.find_all("script")) == 1
    assert not soup.find_all(
        ["svg", "img", "iframe", "a"], attrs={"href": re.compile("javascript")}
    )
    assert not soup.find_all(["svg", "img", "iframe"])
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
    text = soup.get_text(" ")
    for attack in HOSTILE:
        assert " ".join(attack.split()) in " ".join(text.split())
    assert soup.title is not None and "<script>" in soup.title.get_text()
    assert soup.select_one("#fw-story") is not None  # the story was not closed early
    assert len(soup.select("details.fw-fold")) == 2


def test_hostile_warning_ids_stay_inside_their_attributes(hostile_page: tuple[Work, str]) -> None:
    _, page = hostile_page
    soup = BeautifulSoup(page, "lxml")
    values = [i["value"] for i in soup.select("input.fw-toggle")]
    assert 'x" onmouseover="alert(9)' in values


def test_language_code_is_marked_on_the_story() -> None:
    work = read_bytes(b.generic_epub(b.sample_spec()), name="book.epub")
    soup = soup_of(render_html(work, make_report(work, [])))
    assert attr(one(soup, "#fw-story"), "lang") == "en"
    ao3 = read_bytes(b.ao3_download_html(b.sample_spec()))  # "English": not a code
    assert not one(soup_of(render_html(ao3, make_report(ao3, []))), "#fw-story").has_attr("lang")


def test_render_command_writes_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forewarn import pipeline

    source = tmp_path / "story.html"
    source.write_bytes(b.ao3_download_html(b.sample_spec()))
    monkeypatch.setattr(pipeline, "scan_work", lambda w, *a, **k: make_report(w, SAMPLE_MARKS))
    result = run_cli(["render", source, "-o", tmp_path / "out.html"])
    assert result.code == 0, result.err
    page = (tmp_path / "out.html").read_text("utf-8")
    assert len(folds(page)) == 3
    assert "4 warnings, 3 passages folded" in result.out
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*part"))
    default = run_cli(["render", source, "--spoilers"])
    assert default.code == 0 and (tmp_path / "story.safe.html").exists()
    assert "fw-quotes" in (tmp_path / "story.safe.html").read_text("utf-8")
    stdout = run_cli(["render", source, "-o", "-"])
    assert stdout.out.startswith("<!DOCTYPE html>")


def test_render_command_bad_input_fails_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    result = run_cli(["render", junk, "-o", tmp_path / "out.html"])
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1 and "error" in result.err
    assert not (tmp_path / "out.html").exists()
    missing = run_cli(["render", tmp_path / "nope.txt", "-o", tmp_path / "out.html"])
    assert missing.code != 0 and not (tmp_path / "out.html").exists()
