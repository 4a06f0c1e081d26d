"""Two `forewarn library add` PROCESSES at once, on overlapping folders and a fresh
database (so the schema migration races too): nothing lost, nothing duplicated.

Each process is the real CLI with a slow fake scanner patched in (so scans overlap in
time); both wait for a "go" file so they start together. Runs on SQLite always and on
PostgreSQL when $FOREWARN_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from reader_support import BACKENDS, fake_scan, fake_work_text, library_url

from forewarn import library as lib

TESTS = Path(__file__).resolve().parent
WORKER = """
import pathlib, sys, time
sys.path.insert(0, {tests!r})
import reader_support
from forewarn import pipeline

def slow_scan(data, name="", **kwargs):
    time.sleep(0.03)  # long enough for the two processes to interleave
    return reader_support.fake_scan(data, name)

pipeline.scan_bytes = slow_scan
go = pathlib.Path({go!r})
deadline = time.time() + 60
while not go.exists() and time.time() < deadline:
    time.sleep(0.005)
from forewarn.cli import main
main(sys.argv[1:])
"""
SEVERITIES = ("mention", "depiction", "graphic")
WARNINGS = ("violence", "death", "self-harm", "blood-gore")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with library_url(request.param, tmp_path) as database:
        yield database


def make_folders(root: Path) -> dict[str, list[Path]]:
    """a/ and b/ share a subfolder (the overlap: both processes add it), c/ holds
    byte-identical copies of two works in a/."""
    folders: dict[str, list[Path]] = {"a": [], "shared": [], "c": []}
    for n in range(24):
        name = "shared" if n % 3 == 0 else ("a" if n % 3 == 1 else "c")
        folder = root / ("a/shared" if name == "shared" else name)
        folder.mkdir(parents=True, exist_ok=True)
        warnings = {WARNINGS[k]: SEVERITIES[(n + k) % 3] for k in range(n % 4)}
        path = folder / f"work{n:02d}.txt"
        path.write_text(fake_work_text(f"Work {n:02d}", warnings, salt=str(n)), "utf-8")
        folders[name].append(path)
    for source in folders["a"][:2]:
        copy = root / "c" / f"copy-of-{source.name}"
        copy.write_bytes(source.read_bytes())
        folders["c"].append(copy)
    return folders


def start(args: list[str], go: Path) -> subprocess.Popen[str]:
    script = WORKER.format(tests=str(TESTS), go=str(go))
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def summary(out: str) -> dict[str, int]:
    match = re.search(r"added (\d+), updated (\d+), unchanged (\d+), failed (\d+)", out)
    assert match, out
    return dict(
        zip(("added", "updated", "unchanged", "failed"), map(int, match.groups()), strict=True)
    )


def run_both(url: str, root: Path, first: list[Path], second: list[Path]) -> list[dict[str, int]]:
    go = root / f"go-{time.monotonic_ns()}"
    procs = [
        start(["library", "add", *map(str, paths), "--db", url, "--quiet"], go)
        for paths in (first, second)
    ]
    time.sleep(0.3)  # both are importing forewarn; release them together
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(summary(out))
    return results


def test_two_processes_on_overlapping_folders_lose_and_duplicate_nothing(
    url: str, tmp_path: Path
) -> None:
    root = tmp_path / "fic"
    folders = make_folders(root)
    first = [root / "a"]  # a/ and a/shared/
    second = [root / "a" / "shared", root / "c"]
    one, two = run_both(url, root, first, second)

    files_one = len(folders["a"]) + len(folders["shared"])
    files_two = len(folders["shared"]) + len(folders["c"])
    assert one["added"] + one["unchanged"] == files_one and one["failed"] == 0
    assert two["added"] + two["unchanged"] == files_two and two["failed"] == 0

    every_file = [p for paths in folders.values() for p in paths]
    contents = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in every_file}
    assert one["added"] + two["added"] == len(contents)  # each work stored exactly once

    rows = lib.find(lib.open_library(url))
    assert sorted(r.content_hash for r in rows) == sorted(contents)  # none lost, none twice
    for row in rows:
        expected = fake_scan(contents[row.content_hash].read_bytes())
        assert row.title == expected.work.title
        assert sorted((w.warning, w.severity) for w in row.warnings) == sorted(
            (f.warning, f.severity) for f in expected.findings
        )
