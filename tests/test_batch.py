"""`forewarn batch` with the local engine: inputs, rows, bad works, resume, determinism,
one model load per worker, and failures that must stop the run (or must not)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from batch_corpus import install_hook, loads, story, text_folder, write_jsonl
from fixtures import builders as b

from forewarn.batch import (
    DEFAULT_SHARD_SIZE,
    ROW_KEYS,
    Summary,
    auto_shard_size,
    iter_items,
    read_rows,
    run_batch,
)
from forewarn.errors import (
    ForewarnError,
    InputNotFound,
    ModelError,
    OutputError,
    UnsupportedFormat,
)
from forewarn.pipeline import scan_bytes, scan_path


def _good(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["error"] is None]


def _expected_row(report: Any, work_id: str) -> dict[str, Any]:
    """The row a batch should give for a work, built from a direct scan."""
    return {
        "id": work_id,
        "title": report.work.title,
        "words": report.work.words,
        "warnings": [
            {"warning": f.warning, "severity": f.severity, "probability": round(f.probability, 4)}
            for f in report.findings
        ],
        "rating": report.suggestions.rating,
        "archive_warnings": report.suggestions.archive_warnings,
        "tags": report.suggestions.additional_tags,
        "declared": sorted({d.warning for d in report.declared if d.warning}),
        "model": f"{report.model.name} {report.model.version}",
        "error": None,
        "error_type": None,
    }


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Good texts (some in a subfolder), an AO3 EPUB, and four bad works."""
    root = tmp_path / "library"
    root.mkdir()
    text_folder(root, 5)
    (root / "story.epub").write_bytes(b.ao3_epub(b.sample_spec()))
    (root / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (root / "empty.md").write_bytes(b"")
    (root / "broken.epub").write_bytes(b"PK\x03\x04 this is not really a zip")
    (root / "whitespace.txt").write_bytes(b"  \n\n\t\n")
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff not a work")  # not a work format: skipped
    (root / ".hidden.txt").write_text("hidden files are skipped")
    return root


def test_folder_gives_one_row_per_work_and_error_rows_for_bad_works(
    mixed_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    summary = run_batch(mixed_folder, out)
    rows = read_rows(out)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == summary.total == 10
    assert "cover.jpg" not in ids and ".hidden.txt" not in ids
    assert all(tuple(sorted(r)) == tuple(sorted(ROW_KEYS)) for r in rows)
    bad = {r["id"]: r for r in rows if r["error"] is not None}
    assert set(bad) == {"junk.txt", "empty.md", "broken.epub", "whitespace.txt"}
    assert {r["error_type"] for r in bad.values()} <= {
        "UnsupportedFormat",
        "EmptyInput",
        "CorruptFile",
    }
    assert all("\n" not in r["error"] for r in bad.values())
    assert summary.errors == 4 and summary.processed == 10 and summary.skipped == 0
    # every good work is exactly what a direct scan of the same file says
    for row in _good(rows):
        assert row == _expected_row(scan_path(mixed_folder / row["id"]), row["id"])
    assert any(r["warnings"] for r in _good(rows)), "the corpus has warning-bearing works"
    assert summary.words == sum(r["words"] for r in rows) > 0


def test_rows_come_in_input_order_whatever_the_shard_size(
    mixed_folder: Path, tmp_path: Path
) -> None:
    one = tmp_path / "one.jsonl"
    many = tmp_path / "many.jsonl"
    run_batch(mixed_folder, one, shard_size=1)
    run_batch(mixed_folder, many, shard_size=64)
    assert one.read_bytes() == many.read_bytes()
    assert [r["id"] for r in read_rows(one)] == [i.id for i in iter_items(mixed_folder)]


@pytest.mark.parametrize(
    ("works", "workers", "expected"),
    [(300, 2, 19), (2000, 2, 64), (5, 2, 1), (0, 1, 1), (100, 1, 13), (10**6, 64, 64)],
)
def test_automatic_shard_size_keeps_every_worker_busy(
    works: int, workers: int, expected: int
) -> None:
    size = auto_shard_size(works, workers)
    assert size == expected
    shards = -(-works // size)
    # enough shards that the last one in flight is a small share of any worker's work
    assert shards >= min(works, 8 * workers) or size == DEFAULT_SHARD_SIZE


def test_pan_and_id_jsonl_records(tmp_path: Path) -> None:
    pan_text = "".join(f"<p>{p}</p>" for p in story(7, 5, 2).split("\n\n"))
    dump = write_jsonl(
        tmp_path / "works.jsonl",
        [
            {"work_id": "A1", "text": pan_text},
            {"id": 42, "text": story(8, 4, 2)},
            {"id": "A1", "text": story(9, 3, 0)},  # a repeated id is kept, renamed
            {"title": "no id", "text": story(10, 3, 0)},
            {"id": "no-text"},
        ],
    )
    with dump.open("a") as handle:
        handle.write("\n{ this line is not json\n")
    out = tmp_path / "out.jsonl"
    run_batch(dump, out)
    rows = {r["id"]: r for r in read_rows(out)}
    assert list(rows) == ["A1", "42", "A1#2", "line-4", "no-text", "line-7"]
    assert rows["no-text"]["error_type"] == "UnsupportedFormat"
    assert rows["line-7"]["error_type"] == "CorruptFile"
    assert all(rows[i]["error"] is None for i in ("A1", "42", "A1#2", "line-4"))
    # a PAN record is read exactly like a one-work PAN file given to `forewarn scan`
    single = json.dumps({"work_id": "A1", "text": pan_text}).encode()
    assert rows["A1"] == _expected_row(scan_bytes(single, name="one.jsonl"), "A1")
    assert rows["A1"]["warnings"], "the PAN work carries warning sentences"
    plain = scan_bytes(story(8, 4, 2).encode(), name="x.txt")
    assert rows["42"] == _expected_row(plain, "42")


def test_parquet_in_and_out_match_jsonl(tmp_path: Path) -> None:
    texts = {f"w{n}": story(n, 4, 2) for n in range(7)}
    table = pa.table({"work_id": list(texts), "text": list(texts.values())})
    source = tmp_path / "dump.parquet"
    pq.write_table(table, source, row_group_size=3)  # rows span several row groups
    dump = write_jsonl(tmp_path / "dump.jsonl", [{"id": k, "text": v} for k, v in texts.items()])
    as_parquet = tmp_path / "out.parquet"
    as_jsonl = tmp_path / "out.jsonl"
    run_batch(source, as_parquet, shard_size=2)
    run_batch(dump, as_jsonl, shard_size=5)
    parquet_rows = read_rows(as_parquet)
    assert parquet_rows == read_rows(as_jsonl)
    assert [r["id"] for r in parquet_rows] == list(texts)
    assert all(r["error"] is None for r in parquet_rows)
    warnings = pq.read_schema(as_parquet).field("warnings").type
    assert pa.types.is_list(warnings) and pa.types.is_struct(warnings.value_type)


def test_parquet_without_text_column_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "dump.parquet"
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), source)
    with pytest.raises(UnsupportedFormat):
        run_batch(source, tmp_path / "out.jsonl")


def test_one_and_two_workers_give_the_same_bytes(tmp_path: Path) -> None:
    root = tmp_path / "in"
    text_folder(root, 9)
    (root / "junk.txt").write_bytes(b"\x00\x01\x02" * 500)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_batch(root, one, workers=1)
    run_batch(root, two, workers=2, shard_size=2)
    assert one.read_bytes() == two.read_bytes()
    assert len(_good(read_rows(one))) == 9


def test_model_is_loaded_once_per_worker_not_per_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    text_folder(root, 12)
    log = tmp_path / "loads.log"
    # works slow enough (50 ms) that both workers get some: each loads the model once
    install_hook(
        tmp_path, monkeypatch, FOREWARN_TEST_LOAD_LOG=str(log), FOREWARN_TEST_SLOW_SECONDS="0.05"
    )
    summary = run_batch(root, tmp_path / "out.jsonl", workers=2, shard_size=1)
    assert summary.processed == 12 and summary.errors == 0
    pids = loads(log)
    assert len(pids) == 2 and len(set(pids)) == 2  # two workers, one load each


def test_resume_scans_only_new_works_and_ends_like_a_fresh_run(tmp_path: Path) -> None:
    root = tmp_path / "in"
    text_folder(root, 6)
    out = tmp_path / "out.jsonl"
    run_batch(root, out)
    (root / "zz-new.txt").write_text(story(99, 4, 2))
    (root / "aa-new.txt").write_text(story(98, 4, 2))
    with pytest.raises(OutputError, match="--resume"):
        run_batch(root, out)
    summary = run_batch(root, out, resume=True)
    assert (summary.skipped, summary.processed) == (6, 2)
    fresh = tmp_path / "fresh.jsonl"
    run_batch(root, fresh)
    assert out.read_bytes() == fresh.read_bytes()
    assert not (tmp_path / "out.jsonl.parts").exists()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_interrupted_run_resumes_to_identical_output(tmp_path: Path, suffix: str) -> None:
    """Stop a run after its second shard (in-process; test_batch_kill does it with
    kill -9): finished shards stay, --resume does only the rest."""
    root = tmp_path / "in"
    text_folder(root, 9)
    out = tmp_path / f"out{suffix}"

    def stop_after_two_shards(summary: Summary) -> None:
        if summary.processed >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(root, out, shard_size=2, on_progress=stop_after_two_shards)
    assert not out.exists()
    assert len(list((tmp_path / f"out{suffix}.parts").glob("shard-*"))) == 2
    resumed = run_batch(root, out, shard_size=3, resume=True)
    assert (resumed.skipped, resumed.processed) == (4, 5)
    reference = tmp_path / f"reference{suffix}"
    run_batch(root, reference)
    assert out.read_bytes() == reference.read_bytes()


def test_resume_after_the_input_changed_keeps_input_order(tmp_path: Path) -> None:
    """Works added before the resume shift every position: the shards of the first run
    no longer match their names, and the merge must notice and sort."""
    root = tmp_path / "in"
    text_folder(root, 6)
    out = tmp_path / "out.jsonl"

    def stop(summary: Summary) -> None:
        if summary.processed >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(root, out, shard_size=2, on_progress=stop)
    (root / "aaa-first.txt").write_text(story(50, 3, 1))
    (root / "deeper" / "work-002.txt").unlink()  # scanned first, now gone from the input
    run_batch(root, out, resume=True)
    fresh = tmp_path / "fresh.jsonl"
    run_batch(root, fresh)
    rows = read_rows(out)
    assert rows[: len(read_rows(fresh))] == read_rows(fresh)
    assert [r["id"] for r in rows[len(read_rows(fresh)) :]] == ["deeper/work-002.txt"]


def test_output_inside_the_input_folder_is_not_read_as_input(tmp_path: Path) -> None:
    root = tmp_path / "in"
    text_folder(root, 3)
    out = root / "results.jsonl"
    run_batch(root, out)
    run_batch(root, out, resume=True)
    assert [r["id"] for r in read_rows(out)] == [i.id for i in iter_items(root, (out,))]
    assert len(read_rows(out)) == 3


def test_a_model_that_cannot_load_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken installation is not a bad work: no error rows, a clear error, and no
    worker pool restarting forever."""
    root = tmp_path / "in"
    text_folder(root, 4)
    install_hook(tmp_path, monkeypatch, FOREWARN_TEST_LOAD_FAIL="1")
    out = tmp_path / "out.jsonl"
    with pytest.raises(ModelError):
        run_batch(root, out, workers=2, shard_size=1)
    assert not out.exists()


def test_a_work_that_kills_its_worker_becomes_an_error_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    ids = text_folder(root, 6)
    install_hook(tmp_path, monkeypatch, FOREWARN_TEST_CRASH_ID=ids[2])
    out = tmp_path / "out.jsonl"
    summary = run_batch(root, out, workers=2, shard_size=2)
    rows = {r["id"]: r for r in read_rows(out)}
    assert sorted(rows) == sorted(ids) and summary.processed == 6
    assert rows[ids[2]]["error_type"] == "WorkerCrash"
    assert all(rows[i]["error"] is None for i in ids if i != ids[2])


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        run_batch(tmp_path / "missing", tmp_path / "out.jsonl")
    (tmp_path / "a.txt").write_text(story(1))
    with pytest.raises(UnsupportedFormat):
        run_batch(tmp_path / "a.txt", tmp_path / "out.csv")
    with pytest.raises(OutputError):
        run_batch(tmp_path / "a.txt", tmp_path / "no-such-dir" / "out.jsonl")
    with pytest.raises(ForewarnError, match="at least 1"):
        run_batch(tmp_path / "a.txt", tmp_path / "out.jsonl", shard_size=0)
    with pytest.raises(ForewarnError, match="unknown engine"):
        run_batch(tmp_path / "a.txt", tmp_path / "out.jsonl", engine="spark")
    assert not (tmp_path / "out.jsonl").exists()


def _cli(*args: str) -> int:
    from forewarn.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["batch", *args, "--no-progress"])
    return int(exit_info.value.code or 0)


def test_cli_summary_and_refusal_to_overwrite(
    mixed_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.parquet"
    assert _cli(str(mixed_folder), "-o", str(out), "--workers", "2") == 0
    summary = capsys.readouterr().out
    assert "10 works: 10 scanned, 0 already done, 4 errors" in summary
    assert "errors by kind:" in summary and "EmptyInput" in summary
    assert len(read_rows(out)) == 10
    before = out.read_bytes()
    assert _cli(str(mixed_folder), "-o", str(out)) == OutputError.exit_code
    err = capsys.readouterr().err.strip()
    assert "--resume" in err and len(err.splitlines()) == 1
    assert _cli(str(mixed_folder), "-o", str(out), "--resume") == 0
    assert "0 scanned, 10 already done" in capsys.readouterr().out
    assert out.read_bytes() == before
