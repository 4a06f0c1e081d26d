"""`forewarn library add` killed with SIGKILL mid-run leaves a consistent SQLite
library, and running it again completes it: every work present exactly once.

The real CLI runs in a subprocess on ~30 works in four formats, with the real scanner
slowed by a short sleep per work (so there is a "mid-run" to hit). It is killed three
times: as soon as the database file appears (during schema creation, most likely), then
after a few works are stored, then again further on. After each kill the database must
pass SQLite's integrity and foreign-key checks and every stored work must have exactly
the warning rows its stored report lists. (Two processes at once are tested in
test_library_concurrency.py.)"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from fixtures import builders as b

WORKS = 30
#: Sleep per work inside the scan, so the run lasts a few seconds.
SCAN_DELAY = 0.08
SLOW_CLI = f"""
import sys, time
from forewarn import pipeline

def slowed(real):
    def scan(*args, **kwargs):
        time.sleep({SCAN_DELAY})
        return real(*args, **kwargs)
    return scan

pipeline.scan_bytes = slowed(pipeline.scan_bytes)
pipeline.scan_path = slowed(pipeline.scan_path)
from forewarn.cli import main
main(sys.argv[1:])
"""


def make_works(folder: Path) -> dict[str, Path]:
    """WORKS distinct works (sha256 -> path): half the warning-rich sample story, half
    a short story with no warnings, as text, Markdown, AO3 HTML, EPUB and DOCX."""
    folder.mkdir(parents=True)
    writers = [
        (".txt", b.plain_text),
        (".md", b.markdown),
        (".html", b.ao3_download_html),
        (".epub", b.ao3_epub),
        (".docx", b.docx),
    ]
    works: dict[str, Path] = {}
    for n in range(WORKS):
        base = b.sample_spec() if n % 2 == 0 else b.short_spec()
        spec = replace(base, title=f"{base.title} {n}", work_id=str(1000 + n))
        suffix, write = writers[n % len(writers)]
        path = folder / f"work{n:02d}{suffix}"
        data = write(spec)
        path.write_bytes(data)
        works[hashlib.sha256(data).hexdigest()] = path
    assert len(works) == WORKS
    return works


def start_add(folder: Path, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_CLI, "library", "add", str(folder), "--db", f"sqlite:///{db}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM works").fetchone()[0])
    except sqlite3.Error:
        return 0  # schema not there yet, or locked for a moment


def kill_when(folder: Path, db: Path, ready: str, at_least: int = 0) -> None:
    """Run `library add` and SIGKILL it once `ready` holds ("file": the database file
    exists; "rows": at least `at_least` works are stored)."""
    proc = start_add(folder, db)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(
                    f"library add finished (exit {proc.returncode}) before it could be killed: "
                    f"{proc.stderr.read().decode(errors='replace')[-1000:] if proc.stderr else ''}"
                )
            if (ready == "file" and db.exists()) or (
                ready == "rows" and stored_count(db) >= at_least
            ):
                proc.kill()
                break
            time.sleep(0.005)
        else:
            raise AssertionError(f"library add did not reach {ready!r} within 120 s")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
    assert proc.returncode == -9, proc.returncode  # it really was killed, not finished


def check_consistent(db: Path, works: dict[str, Path]) -> int:
    """Integrity, foreign keys, and each work's warning rows == its report's findings.
    Returns how many works are stored."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "works" not in tables:
            return 0  # killed before the schema was committed: nothing half-made
        conn.execute("PRAGMA foreign_keys=ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT id, content_hash, path, report_json FROM works").fetchall()
        for work_id, digest, path, report_json in rows:
            assert digest in works, f"unknown content stored: {path}"
            assert Path(path).resolve() == works[digest].resolve()
            report = json.loads(report_json)
            expected = {(f["warning"], f["severity"]) for f in report["findings"]}
            stored = set(
                conn.execute(
                    "SELECT warning, severity FROM work_warnings WHERE work_id = ?", (work_id,)
                ).fetchall()
            )
            assert stored == expected, f"{path}: warning rows {stored} != report {expected}"
        orphans = conn.execute(
            "SELECT count(*) FROM work_warnings WHERE work_id NOT IN (SELECT id FROM works)"
        ).fetchone()[0]
        assert orphans == 0
        hashes = [r[1] for r in rows]
        assert len(hashes) == len(set(hashes)), "a work is stored twice"
        return len(rows)


def test_killed_add_leaves_a_consistent_library_that_a_rerun_completes(tmp_path: Path) -> None:
    works = make_works(tmp_path / "works")
    db = tmp_path / "library.sqlite3"

    kill_when(tmp_path / "works", db, "file")
    early = check_consistent(db, works)
    assert early < WORKS

    kill_when(tmp_path / "works", db, "rows", at_least=max(early, 0) + 5)
    first = check_consistent(db, works)
    assert 5 <= first < WORKS

    kill_when(tmp_path / "works", db, "rows", at_least=first + 6)
    second = check_consistent(db, works)
    assert first < second < WORKS, (first, second)

    done = subprocess.run(
        [sys.executable, "-c", SLOW_CLI, "library", "add", str(tmp_path / "works"),
         "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert _count(done.stdout, "added") == WORKS - second
    assert _count(done.stdout, "unchanged") == second
    assert check_consistent(db, works) == WORKS
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT content_hash FROM works")}
        with_warnings = conn.execute("SELECT count(DISTINCT work_id) FROM work_warnings")
        assert with_warnings.fetchone()[0] >= WORKS // 2  # the sample story earns warnings
    assert stored == set(works)

    again = subprocess.run(
        [sys.executable, "-c", SLOW_CLI, "library", "add", str(tmp_path / "works"),
         "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert _count(again.stdout, "added") == 0
    assert _count(again.stdout, "unchanged") == WORKS
    assert check_consistent(db, works) == WORKS


def _count(summary: str, word: str) -> int:
    match = re.search(rf"\b{word} (\d+)", summary)
    assert match, f"no {word!r} count in {summary!r}"
    return int(match.group(1))
