"""The web page in a real browser: Debian's chromium, headless, driven by Playwright.

One uvicorn server (on a free loopback port, in a thread) and one browser serve the
whole module; each test gets a fresh page. Without /usr/bin/chromium these tests fail
with an install hint; set FOREWARN_SKIP_BROWSER=1 to skip them on purpose.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b

from forewarn.detect import load_default
from forewarn.detect.base import PassageScores
from forewarn.server import Settings, create_app
from forewarn.work import Passage

pytestmark = pytest.mark.browser

SLOW_MARKER = "zzslowzz"

CALM = (
    "The harbour woke slowly. Gulls argued over the nets, the baker swept her step, and "
    "the tide crept up the slipway one patient inch at a time while the boats knocked "
    "gently against the wall."
)
FIGHT = (
    "The stranger drew a knife and stabbed the ferryman twice in the stomach. Blood "
    "poured over his hands and pooled on the planks, and he screamed as the blade went "
    "in again."
)
SECOND_FIGHT = (
    "On the stairs the smuggler slashed at Ada and the blade opened her arm from wrist "
    "to elbow; blood spattered across the wall and she fell, bleeding, against the rail."
)


def story(*middle: str, filler: int = 40) -> str:
    """A pasted story: title, byline, many calm paragraphs, then `middle`, then more calm."""
    calm = [f"{CALM} ({n})" for n in range(filler)]
    return "\n\n".join(["The Ferryman's Debt", "by saltwick", *calm, *middle, *calm[:10]])


class SlowWhenAsked:
    """The real detector, but it sleeps when a passage holds SLOW_MARKER, so the page's
    progress display can be seen while a request runs."""

    def __init__(self) -> None:
        self.inner = load_default()
        self.name = self.inner.name
        self.version = self.inner.version

    def score(self, passages: Sequence[Passage]) -> PassageScores:
        if any(SLOW_MARKER in p.text for p in passages):
            time.sleep(1.5)
        return self.inner.score(passages)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    import uvicorn

    port = _free_port()
    app = create_app(
        detector=SlowWhenAsked(),
        settings=Settings(allowed_hosts=("127.0.0.1", "localhost")),
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class Watched:
    """A page plus everything it said: dialogs, console messages, script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser: Any, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(
        viewport={"width": 1000, "height": 800}, accept_downloads=True, base_url=base_url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    w = Watched(page)
    page.goto("/")
    page.wait_for_selector("html[data-ready=true]", state="attached")
    yield w
    context.close()
    assert not w.errors, w.errors


def scan_pasted(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.click("#scan")
    page.wait_for_selector("#results:not([hidden])")


def warning_button(page: Any, warning: str) -> Any:
    return page.locator(f'#warnings button.warning[data-warning="{warning}"]')


def in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return bool(box) and box["y"] + box["height"] > 0 and box["y"] < height


# --- tests --------------------------------------------------------------------------------


def test_paste_scan_jump_fold_and_unfold(watched: Watched) -> None:
    page = watched.page
    scan_pasted(page, story(FIGHT, *[f"{CALM} (gap {n})" for n in range(15)], SECOND_FIGHT))
    assert page.locator("#work-title").text_content() == "The Ferryman's Debt"
    names = page.locator("#warnings button.warning .w-name").all_text_contents()
    assert "Violence" in names and "Blood and gore" in names
    button = warning_button(page, "violence")
    assert "confidence" in button.text_content()
    assert page.locator("#warnings .sev").first.text_content() in {
        "mentioned",
        "depicted",
        "graphic",
    }

    fight = page.locator("#story .passage", has_text="stabbed the ferryman")
    assert not in_viewport(page, fight)
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert "hl" in fight.get_attribute("class").split()
    assert "current" in fight.get_attribute("class").split()
    assert in_viewport(page, fight)
    assert fight.evaluate("el => document.activeElement === el")
    hits = page.locator("#story .passage.hl").count()
    assert hits >= 2  # both fights
    assert f"passage 1 of {hits}" in page.locator("#nav-pos").text_content()

    # step through the passages (next/prev) and come back to the first
    second = page.locator("#story .passage", has_text="opened her arm")
    assert "hl" in second.get_attribute("class").split()
    page.click("#next")
    assert "current" not in fight.get_attribute("class").split()
    current = page.locator("#story .passage.current")
    assert current.count() == 1 and in_viewport(page, current)
    assert f"passage 2 of {hits}" in page.locator("#nav-pos").text_content()
    for _ in range(hits - 2):
        page.click("#next")
    assert "current" in second.get_attribute("class").split()  # the last one, in story order
    page.click("#next")  # wraps around
    assert "current" in fight.get_attribute("class").split()
    page.click("#prev")
    assert "current" in second.get_attribute("class").split()
    page.click("#next")
    assert "current" in fight.get_attribute("class").split()

    # read safely: the passage is folded, its summary unfolds it
    page.check("#read-safely")
    folded = page.locator("#story details.fold", has_text="stabbed the ferryman")
    assert folded.count() == 1
    assert folded.get_attribute("open") is None
    assert not page.get_by_text("stabbed the ferryman twice").is_visible()
    assert "violence" in folded.locator("summary").text_content()
    assert "current" in folded.get_attribute("class").split()  # selection survives the toggle
    folded.locator("summary").click()
    assert folded.get_attribute("open") is not None
    assert page.get_by_text("stabbed the ferryman twice").is_visible()
    # unflagged story text is never folded
    assert page.locator("#story details.fold", has_text="The harbour woke slowly. (0)").count() == 0
    page.uncheck("#read-safely")
    assert page.locator("#story details.fold").count() == 0
    assert not watched.dialogs


def test_upload_epub_shows_title_audit_and_downloads(watched: Watched) -> None:
    page = watched.page
    spec = b.sample_spec()
    page.set_input_files(
        "#file",
        files=[
            {"name": "keep.epub", "mimeType": "application/epub+zip", "buffer": b.ao3_epub(spec)}
        ],
    )
    assert "keep.epub" in page.locator("#file-name").text_content()
    page.click("#scan")
    page.wait_for_selector("#results:not([hidden])")
    assert page.locator("#work-title").text_content() == spec.title
    assert page.locator("#work-byline").text_content() == f"by {spec.author}"
    assert page.locator("#audit tbody tr").count() >= 1
    assert page.locator("#declared li").count() >= 1
    assert page.locator("#suggestions dt", has_text="Rating").count() == 1
    assert "Tidewater Hymn" in page.locator("#credits").text_content()
    assert page.locator("#story .chapter-title").count() == len(spec.chapters)

    with page.expect_download() as info:
        page.click("#dl-json")
    download = info.value
    assert download.suggested_filename == "keep-the-light.forewarn.json"
    report = json.loads(Path(download.path()).read_text("utf-8"))
    assert report["work"]["title"] == spec.title and "view" not in report

    with page.expect_download() as info:
        page.click("#dl-html")
    html = Path(info.value.path()).read_text("utf-8")
    assert info.value.suggested_filename == "keep-the-light.read-safely.html"
    assert "<details" in html and spec.title in html


def test_hostile_text_is_shown_literally_and_never_run(watched: Watched) -> None:
    page = watched.page
    title = "<script>alert(1)</script>"
    author = "<img src=x onerror=alert(1)>"
    svg = '"><svg onload=alert(1)>'
    pasted = "\n\n".join(
        [
            title,
            f"by {author}",
            f"Warnings: violence. {svg} {author}",
            f"The stranger drew a knife {svg} and stabbed the ferryman; blood poured over "
            f"the planks {title} and he screamed. {author}",
        ]
    )
    scan_pasted(page, pasted)
    assert page.locator("#work-title").text_content() == title
    assert page.locator("#work-byline").text_content() == f"by {author}"
    story_text = page.locator("#story").text_content()
    for raw in (title, author, svg):
        assert raw in story_text

    # the same through an uploaded AO3 download with hostile title, notes and body
    spec = b.sample_spec()
    spec.title = title
    spec.author = author
    spec.notes = [f"Warnings: violence {svg}", f"Thanks {author}"]
    spec.chapters[1].paragraphs.insert(0, f"The sign read {svg} {title}")
    page.set_input_files(
        "#file",
        files=[{"name": "h.html", "mimeType": "text/html", "buffer": b.ao3_download_html(spec)}],
    )
    page.click("#scan")
    page.wait_for_function(
        "t => document.querySelector('#work-byline').textContent === t", arg=f"by {author}"
    )
    assert page.locator("#work-title").text_content() == title
    notes = page.locator("#story aside.note").all_text_contents()
    assert any(svg in n for n in notes) and any(author in n for n in notes)
    assert svg in page.locator("#story").text_content()
    page.check("#read-safely")
    assert title in page.locator("#story").text_content()

    injected = page.locator(
        "#results img, #results svg, #results script, #story img, #story svg, #story script"
    )
    assert injected.count() == 0
    assert page.evaluate("document.scripts.length") == 1  # only app.js
    assert not watched.dialogs
    assert not [m for m in watched.console if "Content Security Policy" in m]


def test_progress_shown_while_a_long_scan_runs(watched: Watched) -> None:
    page = watched.page
    page.fill("#text", story(f"{FIGHT} {SLOW_MARKER}", filler=5))
    page.focus("#text")
    page.keyboard.press("Tab")  # to the file input
    page.focus("#scan")
    page.keyboard.press("Enter")  # the form submits from the keyboard
    page.wait_for_selector("#progress:not([hidden])")
    assert page.locator("#bar").is_visible()
    assert page.locator("#bar").get_attribute("value") is None  # indeterminate
    assert page.locator("#scan").is_disabled()
    assert "Scanning" in page.locator("#status").text_content()
    page.wait_for_function(
        "() => parseFloat(document.querySelector('#elapsed').textContent) >= 0.5"
    )
    page.wait_for_selector("#results:not([hidden])", timeout=20_000)
    assert page.locator("#progress").is_hidden()
    assert "warning" in page.locator("#status").text_content()
    # keyboard: a warning can be chosen with Enter
    warning_button(page, "violence").focus()
    page.keyboard.press("Enter")
    assert page.locator("#story .passage.current").count() == 1


def test_dropped_file_is_scanned(watched: Watched) -> None:
    page = watched.page
    text = story(FIGHT, filler=3).replace("The Ferryman's Debt", "Dropped at the Quay", 1)
    transfer = page.evaluate_handle(
        """text => {
            const dt = new DataTransfer();
            dt.items.add(new File([text], "dropped.txt", { type: "text/plain" }));
            return dt;
        }""",
        text,
    )
    page.dispatch_event("#drop", "dragover", {"dataTransfer": transfer})
    assert "over" in page.locator("#drop").get_attribute("class").split()
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert "dropped.txt" in page.locator("#file-name").text_content()
    page.click("#scan")
    page.wait_for_selector("#results:not([hidden])")
    assert page.locator("#work-title").text_content() == "Dropped at the Quay"


def test_server_errors_are_shown_to_the_user(watched: Watched) -> None:
    page = watched.page
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "junk.bin",
                "mimeType": "application/octet-stream",
                "buffer": bytes(range(256)) * 32,
            }
        ],
    )
    page.click("#scan")
    page.wait_for_function("() => document.querySelector('#error').textContent.length > 0")
    assert page.locator("#results").is_hidden()
    assert page.locator("#error").get_attribute("role") == "alert"
    page.click("#clear-file")
    page.click("#scan")  # nothing pasted, no file
    assert "Paste some text" in page.locator("#error").text_content()
