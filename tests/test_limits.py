"""Bounded time and memory on the largest and nastiest inputs forewarn accepts or refuses.

Each case runs in a fresh Python process (so its peak memory is its own), measured with
the kernel's high-water mark (VmHWM, reset before the case through /proc/self/clear_refs;
ru_maxrss where that is unavailable), and must end in either a correct result or the
expected forewarn error within its time cap. The caps are documented in SECURITY.md
("Tested bounds"); they are generous (several times what a 2-core machine measures) so
they catch unbounded or quadratic behaviour, not noise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b
from fixtures import hostile as h

from forewarn.limits import DEFAULT_MAX_BYTES, MAX_HTML_DEPTH, MAX_ZIP_ENTRIES, MB

#: Runs one case: argv = [mode, path]; prints {"outcome", "error", "seconds", "peak_mb", ...}.
PROBE = r"""
import json, resource, sys, time

def rss_peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass

mode, path = sys.argv[1], sys.argv[2]
from forewarn.errors import ForewarnError
from forewarn.ingest import read_path
from forewarn.pipeline import scan_work
from forewarn.detect import load_default
load_default()
reset_peak()
base = rss_peak_kb()
result = {"outcome": "ok", "error": None, "message": None}
started = time.monotonic()
try:
    work = read_path(path)
    result["words"] = sum(len(p.text.split()) for p in work.passages)
    result["chapters"] = len(work.chapters)
    result["text_has"] = {n: n in work.text for n in sys.argv[3:]}
    if mode == "scan":
        report = scan_work(work)
        result["findings"] = [f.warning for f in report.findings]
except ForewarnError as exc:
    result.update(outcome="error", error=type(exc).__name__, message=str(exc))
result["seconds"] = time.monotonic() - started
result["base_mb"] = base / 1024
result["peak_mb"] = rss_peak_kb() / 1024
result["growth_mb"] = (rss_peak_kb() - base) / 1024
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Case:
    """`expect` is "ok" or an error class name; caps are seconds and MB of peak RSS
    growth during the case (after imports and the detector are loaded)."""

    expect: str
    seconds: float
    growth_mb: float
    mode: str = "read"  # "read": file -> Work; "scan": file -> Work -> Report
    needles: tuple[str, ...] = ()


def run_case(path: Path, case: Case) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, case.mode, str(path), *case.needles],
        capture_output=True,
        text=True,
        timeout=case.seconds * 3 + 60,
        check=False,
        # These cases bound input handling and the pipeline around the detector; the
        # learned detector's own speed (~6,000 words/s/core) is a benchmark in bench/.
        env={**os.environ, "FOREWARN_DETECTOR": "lexicon"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"] == ("ok" if case.expect == "ok" else "error"), result
    if case.expect != "ok":
        assert result["error"] == case.expect, result
        assert result["message"] and "\n" not in result["message"]
    assert result["seconds"] < case.seconds, result
    assert result["growth_mb"] < case.growth_mb, result
    return result


# ---------------------------------------------------------------- text

#: One 50 MB line (just under DEFAULT_MAX_BYTES): read, segmented, every word kept.
SINGLE_LINE = Case("ok", seconds=120, growth_mb=1024)
#: One byte over the limit: refused from the file size alone (the file is never read).
OVER_LIMIT = Case("TooLarge", seconds=5, growth_mb=16)
#: A full scan (lexicon detector) of a 1 MB single-line story.
SCAN_1MB = Case("ok", seconds=60, growth_mb=512, mode="scan")


def _story_line(size: int) -> bytes:
    unit = b"the storm came in and she bled where the glass had cut her and the lamp burned low "
    return (unit * (size // len(unit) + 1))[:size]


def test_fifty_megabyte_single_line(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    data = _story_line(DEFAULT_MAX_BYTES - 16)
    path.write_bytes(data)
    try:
        result = run_case(path, SINGLE_LINE)
        assert result["words"] == len(data.split())
    finally:
        path.unlink()  # pytest keeps recent tmp dirs; do not leave 50 MB behind


def test_one_byte_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:  # sparse: costs no disk and no time to write
        handle.truncate(DEFAULT_MAX_BYTES + 1)
    run_case(path, OVER_LIMIT)


def test_full_scan_of_a_one_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_bytes(_story_line(1 * MB))
    result = run_case(path, SCAN_1MB)
    assert "blood-gore" in result["findings"] or "self-harm" in result["findings"], result


# ---------------------------------------------------------------- EPUB

#: MAX_ZIP_ENTRIES - 1 members, 2,000 of them chapters in the spine: read in full.
MANY_ENTRIES = Case("ok", seconds=60, growth_mb=256, needles=("Line 1999 of the story",))
#: One member over the cap: refused before anything is decompressed.
TOO_MANY_ENTRIES = Case("HostileInput", seconds=10, growth_mb=64)
#: A 60 MB member compressed ~1000:1: refused without being inflated.
ZIP_BOMB = Case("HostileInput", seconds=5, growth_mb=32)


def _many_entry_epub(members: int, chapters: int = 2000) -> bytes:
    files = [
        (
            f"OEBPS/c{i}.xhtml",
            b.xhtml(f"<h1>Chapter {i}</h1><p>Line {i} of the story, the lamp burned low.</p>"),
        )
        for i in range(chapters)
    ]
    fixed = 3  # mimetype, container.xml, content.opf
    files += [(f"OEBPS/x/{i}.txt", b"") for i in range(members - chapters - fixed)]
    return b.epub_package(
        files, [f"c{i}.xhtml" for i in range(chapters)], title="Many", opf_path="OEBPS/content.opf"
    )


def test_many_entry_epub_is_read(tmp_path: Path) -> None:
    path = tmp_path / "many.epub"
    path.write_bytes(_many_entry_epub(MAX_ZIP_ENTRIES - 1))
    result = run_case(path, MANY_ENTRIES)
    assert result["chapters"] == 2000
    assert result["text_has"] == {"Line 1999 of the story": True}


def test_too_many_entries_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "too-many.epub"
    path.write_bytes(_many_entry_epub(MAX_ZIP_ENTRIES + 1, chapters=10))
    run_case(path, TOO_MANY_ENTRIES)


def test_zip_bomb_is_refused_without_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.epub"
    path.write_bytes(h.zip_bomb_epub(megabytes=60))
    assert path.stat().st_size < 1 * MB
    run_case(path, ZIP_BOMB)


# ---------------------------------------------------------------- HTML

#: 100,000 nested <div>s: refused as hostile.
DEEP_HTML = Case("HostileInput", seconds=10, growth_mb=256)
#: Nesting just under MAX_HTML_DEPTH: read, the text found.
DEEP_BUT_ALLOWED = Case("ok", seconds=10, growth_mb=128, needles=("deep text",))


def test_absurdly_deep_html_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_bytes(h.deep_html(100_000))
    run_case(path, DEEP_HTML)


def test_deep_html_under_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "deep-ok.html"
    path.write_bytes(h.deep_html(MAX_HTML_DEPTH - 50))
    result = run_case(path, DEEP_BUT_ALLOWED)
    assert result["text_has"] == {"deep text": True}


# ---------------------------------------------------------------- the harness can fail


def test_caps_are_enforced_by_the_harness(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes(_story_line(4096))
    with pytest.raises(AssertionError):
        run_case(path, Case("ok", seconds=0.0, growth_mb=1024))  # no time at all
    with pytest.raises(AssertionError):
        run_case(path, Case("TooLarge", seconds=60, growth_mb=1024))  # wrong outcome
