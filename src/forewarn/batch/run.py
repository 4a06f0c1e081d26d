"""`run_batch`: list the works, skip those already done, scan the rest with an engine,
write shards as they finish, merge them into OUT, and say what happened."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forewarn.batch.engines import ShardResult, cpu_count, cut_shards, run_local, run_ray
from forewarn.batch.inputs import iter_items
from forewarn.batch.writer import ShardWriter
from forewarn.errors import ForewarnError, OutputError, UnsupportedFormat

DEFAULT_SHARD_SIZE = 64
ENGINES = ("local", "ray")


@dataclass
class Summary:
    """What a run did; `processed` counts works scanned by this run (not skipped ones)."""

    total: int = 0
    todo: int = 0
    skipped: int = 0
    processed: int = 0
    errors: int = 0
    words: int = 0
    seconds: float = 0.0
    error_types: Counter[str] = field(default_factory=Counter)

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.processed += len(rows)
        for row in rows:
            self.words += int(row["words"] or 0)
            if row["error"] is not None:
                self.errors += 1
                self.error_types[row["error_type"] or "error"] += 1


def run_batch(
    source: Path,
    out: Path,
    workers: int = 1,
    engine: str = "local",
    address: str | None = None,
    resume: bool = False,
    shard_size: int | None = None,
    on_progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Scan every work in `source` into `out` (.jsonl or .parquet), one row per work in
    input order. `workers` <= 0 means one per CPU (local) or per cluster CPU (Ray).
    `shard_size` None: automatic (see `auto_shard_size`). See forewarn.batch for the
    guarantees."""
    started = time.perf_counter()
    writer = _check_args(out, engine, shard_size, resume)
    items = list(iter_items(source, exclude=(out, writer.parts)))
    done = writer.start()
    todo = [(n, item) for n, item in enumerate(items) if item.id not in done]
    summary = Summary(total=len(items), todo=len(todo), skipped=len(items) - len(todo))
    if on_progress:
        on_progress(summary)
    n_workers = workers if workers > 0 else cpu_count()
    size = shard_size if shard_size is not None else auto_shard_size(len(todo), n_workers)
    shards = cut_shards(todo, size)
    results: Iterator[ShardResult] = (
        run_ray(shards, workers, address) if engine == "ray" else run_local(shards, n_workers)
    )
    for first, last, rows in results:
        writer.write(first, last, rows)
        summary.add(rows)
        if on_progress:
            on_progress(summary)
    writer.merge([item.id for item in items])
    summary.seconds = time.perf_counter() - started
    return summary


def auto_shard_size(works: int, workers: int) -> int:
    """At least ~8 shards per worker, at most DEFAULT_SHARD_SIZE works each. Workers take
    whole shards, so with 300 works in 64-work shards two workers get 3 and 2 shards and
    the run ends at 64% of the work on one of them (1.56x at best); small shards keep
    the tail short, large ones keep per-shard costs (a file rename, a merge entry) low."""
    per = -(-works // max(1, workers * 8))
    return max(1, min(DEFAULT_SHARD_SIZE, per))


def _check_args(out: Path, engine: str, shard_size: int | None, resume: bool) -> ShardWriter:
    if engine not in ENGINES:
        raise ForewarnError(f"unknown engine {engine!r}: use local or ray")
    if shard_size is not None and shard_size < 1:
        raise ForewarnError("--shard-size must be at least 1")
    if out.suffix.lower() not in {".jsonl", ".parquet"}:
        raise UnsupportedFormat(f"{out}: the output must end in .jsonl or .parquet")
    if out.is_dir():
        raise OutputError(f"{out} is a directory, not an output file")
    if not out.parent.is_dir():
        raise OutputError(f"output directory {out.parent} does not exist")
    writer = ShardWriter(out)
    if writer.has_progress() and not resume:
        what = out if out.exists() else writer.parts
        raise OutputError(f"{what} exists: add --resume to continue that run, or remove it")
    return writer
