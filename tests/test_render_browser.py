"""The read-safely page in a real headless chromium (Debian's, through Playwright):
folding, toggles, keyboard, JavaScript off, phone width, hostile text, CSP.

One browser per module; each test opens its own context. A missing /usr/bin/chromium
fails these tests (see reader_support.launch_chromium) unless FOREWARN_SKIP_BROWSER=1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b
from reader_support import SAMPLE_MARKS, hostile_spec, make_report, open_page

from forewarn.ingest import read_bytes
from forewarn.render.html import render_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = read_bytes(b.ao3_download_html(b.sample_spec()), name="story.html")
    path = tmp_path_factory.mktemp("page") / "story.html"
    path.write_text(render_html(work, make_report(work, SAMPLE_MARKS)), "utf-8")
    return path


@pytest.fixture()
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context
    context.close()


def fold_with(page: Any, text: str) -> Any:
    return page.locator("details.fw-fold", has_text=text)


def body_of(page: Any, text: str) -> Any:
    return fold_with(page, text).locator(".fw-folded")


def test_folded_passages_are_hidden_until_their_summary_is_clicked(
    context: Any, page_file: Path
) -> None:
    page, watch = open_page(context, page_file)
    assert page.locator("details.fw-fold").count() == 3
    for needle in ("thin pale scars", "blade opened his arm", "They buried Tobias"):
        assert not body_of(page, needle).is_visible()
    assert page.get_by_text("The storm came in after midnight").is_visible()
    summary = fold_with(page, "thin pale scars").locator("summary")
    assert "This passage contains: self-harm (mentioned) — show" in summary.inner_text()
    summary.click()
    assert body_of(page, "thin pale scars").is_visible()
    assert summary.inner_text().rstrip().endswith("hide")
    assert not body_of(page, "blade opened his arm").is_visible()
    summary.click()
    assert not body_of(page, "thin pale scars").is_visible()
    assert watch.errors == [] and watch.dialogs == [] and watch.requests == []


def test_per_warning_toggles_unfold_only_their_passages(context: Any, page_file: Path) -> None:
    page, watch = open_page(context, page_file)
    toggles = page.locator("#fw-toggles")
    assert toggles.is_visible()
    fold_with(page, "They buried Tobias").locator("summary").click()  # opened by hand
    page.get_by_label("Self-harm", exact=True).uncheck()
    assert body_of(page, "thin pale scars").is_visible()
    assert not body_of(page, "blade opened his arm").is_visible()
    assert body_of(page, "They buried Tobias").is_visible()  # left as the reader set it
    page.get_by_label("Violence", exact=True).uncheck()
    # still folded: the same passage also carries blood and gore, which stays folded
    assert not body_of(page, "blade opened his arm").is_visible()
    page.get_by_label("Blood and gore", exact=True).uncheck()
    assert body_of(page, "blade opened his arm").is_visible()
    page.get_by_label("Violence", exact=True).check()
    assert not body_of(page, "blade opened his arm").is_visible()
    assert "flagged passages shown" in page.locator("#fw-status").inner_text()
    page.get_by_role("button", name="Show every passage").click()
    assert all(body_of(page, n).is_visible() for n in ("scars", "blade", "buried"))
    page.get_by_role("button", name="Fold every flagged passage").click()
    assert not any(body_of(page, n).is_visible() for n in ("scars", "blade", "buried"))
    assert watch.errors == [] and watch.dialogs == []


def test_keyboard_alone_reaches_and_opens_a_fold(context: Any, page_file: Path) -> None:
    page, watch = open_page(context, page_file)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        reached.append(tag)
        if tag == "SUMMARY":
            break
    assert reached[-1] == "SUMMARY", reached
    assert "INPUT" in reached and "BUTTON" in reached  # toggles are reachable too
    page.keyboard.press("Enter")
    assert body_of(page, "thin pale scars").is_visible()
    page.keyboard.press(" ")
    assert not body_of(page, "thin pale scars").is_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    assert watch.errors == []


def test_without_javascript_passages_stay_folded_and_open_natively(
    browser: Any, page_file: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page, watch = open_page(context, page_file)
        assert page.locator("details.fw-fold").count() == 3
        for needle in ("thin pale scars", "blade opened his arm", "They buried Tobias"):
            assert not body_of(page, needle).is_visible()
        assert not page.locator("#fw-toggles").is_visible()  # useless without the script
        fold_with(page, "blade opened his arm").locator("summary").click()
        assert body_of(page, "blade opened his arm").is_visible()
        assert watch.errors == [] and watch.dialogs == []
    finally:
        context.close()


def test_readable_on_a_phone(browser: Any, page_file: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        page, _ = open_page(context, page_file)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        size = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.fw-body p')).fontSize)"
        )
        assert size >= 16
        box = page.locator("details.fw-fold summary").first.bounding_box()
        assert box is not None and box["height"] >= 44  # a comfortable touch target
    finally:
        context.close()


def test_hostile_text_runs_nothing(context: Any, tmp_path: Path) -> None:
    work = read_bytes(b.ao3_download_html(hostile_spec()), name="hostile.html")
    report = make_report(work, [("violence", "graphic", "blade opened his arm")])
    path = tmp_path / "hostile.html"
    path.write_text(render_html(work, report, spoilers=True), "utf-8")
    page, watch = open_page(context, path)
    fold_with(page, "blade opened his arm").locator("summary").click()
    page.get_by_role("button", name="Show every passage").click()
    page.mouse.move(10, 10)
    assert watch.dialogs == [] and watch.errors == [] and watch.requests == []
    assert page.evaluate("document.scripts.length") == 1
    assert page.locator("svg, img, iframe").count() == 0
    assert page.title().startswith('Keep the Light <script>alert("title")</script>')
    assert page.get_by_text('"><svg onload=alert(1)>').first.is_visible()


def test_csp_blocks_any_script_that_is_not_ours(
    context: Any, page_file: Path, tmp_path: Path
) -> None:
    """If escaping ever failed, the injected script would still not run: prove the pin."""
    page_text = page_file.read_text("utf-8")
    injected = page_text.replace(
        '<article id="fw-story"', '<script>alert("injected")</script><article id="fw-story"', 1
    ).replace("<article", '<img src="x" onerror="alert(2)"><article', 1)
    path = tmp_path / "injected.html"
    path.write_text(injected, "utf-8")
    page, watch = open_page(context, path)
    assert watch.dialogs == []
    assert any("Content Security Policy" in e for e in watch.errors), watch.errors
    assert page.locator("#fw-toggles").is_visible()  # our own script still ran
