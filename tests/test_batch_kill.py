"""kill -9 in the middle of `forewarn batch`, then `--resume`: no work lost or doubled,
and OUT is byte for byte what an uninterrupted run writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_corpus import install_hook, text_folder

from forewarn.batch import read_rows, run_batch

CLI = "import sys; from forewarn.cli import main; main(sys.argv[1:])"


def _forewarn(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "batch", *args, "--no-progress"]


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")
def test_kill_9_then_resume_loses_nothing_and_matches_an_uninterrupted_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    ids = text_folder(root, 40, paragraphs=4)
    (root / "junk.txt").write_bytes(b"\x00\xff" * 300)  # a bad work must survive it too
    reference = tmp_path / "reference.jsonl"
    run_batch(root, reference)  # uninterrupted, in this process, one worker

    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    # 80 ms per work so the run is still going when we kill it (the hook only slows
    # the subprocess's workers; the rows are unchanged)
    install_hook(tmp_path, monkeypatch, FOREWARN_TEST_SLOW_SECONDS="0.08")
    run = subprocess.Popen(
        _forewarn(str(root), "-o", str(out), "--workers", "2", "--shard-size", "3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches its workers
    )
    try:
        deadline = time.monotonic() + 60
        while not list(parts.glob("shard-*")) and time.monotonic() < deadline:
            assert run.poll() is None, run.stderr.read().decode() if run.stderr else ""
            time.sleep(0.01)
        assert run.poll() is None, "the run ended before it could be killed"
        os.killpg(run.pid, signal.SIGKILL)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL
    assert not out.exists()
    shards = list(parts.glob("shard-*"))
    assert shards and all(read_rows(p) for p in shards)  # whole shards only
    done = sum(len(read_rows(p)) for p in shards)
    assert 0 < done < len(ids) + 1

    monkeypatch.delenv("FOREWARN_TEST_SLOW_SECONDS")
    resumed = subprocess.run(
        _forewarn(str(root), "-o", str(out), "--workers", "2", "--resume"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} already done" in resumed.stdout
    rows = read_rows(out)
    assert sorted(r["id"] for r in rows) == sorted([*ids, "junk.txt"])  # each exactly once
    assert out.read_bytes() == reference.read_bytes()
    assert not parts.exists()
