"""Same input + same model -> the same bytes: across separate processes (with different
hash seeds, so set and dict-of-set ordering cannot leak into the output), across
`batch --workers 1` and `--workers 2`, and with no run-time timestamps in the body."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b

FOREWARN = [sys.executable, "-c", "from forewarn.cli import main; main()"]

#: Prints, for every path on the command line, its report JSON and read-safely page,
#: as one JSON object (one process scans every format).
SCAN_ALL = """
import json, sys
from forewarn.ingest import read_path
from forewarn.pipeline import scan_work
from forewarn.render.html import render_html
out = {}
for path in sys.argv[1:]:
    work = read_path(path)
    report = scan_work(work)
    out[path] = {"report": report.to_json(), "page": render_html(work, report, spoilers=True)}
print(json.dumps(out, sort_keys=True))
"""

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}")
_TIME_KEYS = re.compile(r"(^|_)(at|time|timestamp|date|generated|created|scanned|elapsed)$")


def _works(folder: Path) -> list[Path]:
    spec = b.sample_spec()
    other = b.short_spec()
    files = {
        "a-story.txt": b.plain_text(spec),
        "b-story.md": b.markdown(spec),
        "c-page.html": b.ao3_work_page_html(spec),
        "d-download.html": b.ao3_download_html(spec),
        "e-ao3.epub": b.ao3_epub(spec),
        "f-fff.epub": b.fanficfare_epub(spec),
        "g-plain.epub": b.generic_epub(other),
        "h-draft.docx": b.docx(spec),
        "i-short.txt": b.plain_text(other),
        "j-broken.epub": b.ao3_epub(spec)[:1500],  # an error row must be stable too
        "k-empty.txt": b"",
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files]


def _env(hash_seed: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = hash_seed
    env.pop("FOREWARN_DEBUG", None)
    return env


def _run(args: list[str], hash_seed: str, cwd: Path | None = None) -> bytes:
    done = subprocess.run(
        args, env=_env(hash_seed), capture_output=True, timeout=180, check=False, cwd=cwd
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


def _walk(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    """(path, leaf) for every key and scalar in a JSON value."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out.append((f"{path}.{key}#key", key))
            out += _walk(item, f"{path}.{key}")
        return out
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _walk(item, f"{path}[{i}]")]
    return [(path, value)]


def assert_no_timestamps(document: Any) -> None:
    today = dt.date.today().isoformat()
    for where, leaf in _walk(document):
        if where.endswith("#key"):
            assert not _TIME_KEYS.search(str(leaf)), f"time-like key {where}"
        elif isinstance(leaf, str):
            assert not _DATETIME.search(leaf), f"timestamp-like value at {where}: {leaf!r}"
            assert today not in leaf, f"today's date at {where}: {leaf!r}"


# ---------------------------------------------------------------- tests


def test_reports_and_pages_are_identical_across_processes(tmp_path: Path) -> None:
    paths = [str(p) for p in _works(tmp_path / "works")[:9]]
    first = json.loads(_run([sys.executable, "-c", SCAN_ALL, *paths], hash_seed="1"))
    second = json.loads(_run([sys.executable, "-c", SCAN_ALL, *paths], hash_seed="4242"))
    assert sorted(first) == sorted(paths)
    for path in paths:
        assert first[path]["report"] == second[path]["report"], f"report of {path} differs"
        assert first[path]["page"] == second[path]["page"], f"page of {path} differs"
        report = json.loads(first[path]["report"])
        assert report["findings"] or "short" in path or "plain" in path, path
        assert_no_timestamps(report)
        # canonical form: keys sorted at every level
        assert first[path]["report"] == json.dumps(
            report, indent=2, sort_keys=True, ensure_ascii=False
        )


def test_cli_scan_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    path = _works(tmp_path)[4]  # the AO3 EPUB: notes, tags, declared warnings, lyrics
    first = _run([*FOREWARN, "scan", "--json", str(path)], hash_seed="0")
    second = _run([*FOREWARN, "scan", "--json", str(path)], hash_seed="987")
    assert first == second
    assert json.loads(first)["findings"]


def test_batch_output_is_identical_for_one_and_two_workers(tmp_path: Path) -> None:
    works = tmp_path / "works"
    _works(works)
    outputs = {}
    for workers, seed in (("1", "3"), ("2", "77")):
        out = tmp_path / f"out-{workers}.jsonl"
        _run(
            [*FOREWARN, "batch", str(works), "-o", str(out), "--workers", workers,
             "--shard-size", "2", "--no-progress"],
            hash_seed=seed,
        )  # fmt: skip
        outputs[workers] = out.read_bytes()
    assert outputs["1"] == outputs["2"]
    rows = [json.loads(line) for line in outputs["1"].decode().splitlines()]
    assert len(rows) == 11
    assert sum(1 for r in rows if r["error"]) == 2  # the broken EPUB and the empty file
    assert sum(1 for r in rows if r["warnings"]) == 7  # the sample story in 7 formats
    for row in rows:
        assert_no_timestamps(row)


@pytest.mark.parametrize(
    "document",
    [
        {"scanned_at": "x"},
        {"work": {"title": "ok", "note": "written 2024-05-01T10:00"}},
        {"list": ["fine", "at 12:30:15"]},
        {"today": dt.date.today().isoformat()},
    ],
)
def test_timestamp_check_can_fail(document: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        assert_no_timestamps(document)
