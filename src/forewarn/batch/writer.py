"""Batch output: shards written atomically while the run goes, one file at the end.

Each finished shard is a file `OUT.parts/shard-FIRST-LAST.jsonl|.parquet`, named after
the input positions of its first and last work and written by atomic rename, so a
kill -9 leaves only whole shards behind (at most the shards in flight are lost). A shard
always holds a contiguous run of input positions, so when the run completes the shards
sorted by name are OUT in input order: the merge streams them into OUT (atomically)
without holding the rows in memory, and a resumed run ends with exactly the bytes of an
uninterrupted one.

Parquet keeps the same columns as the JSONL rows; `warnings` is a list of structs
(warning, severity, probability). Row groups hold ROW_GROUP rows whatever the shard
size, so the file's bytes depend only on its rows.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from forewarn.atomic import atomic_open
from forewarn.batch.rows import row_json

ROW_GROUP = 8192
_SHARD_GLOB = "shard-*"


class ShardWriter:
    """Finished shards in OUT.parts/, merged into OUT at the end."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.suffix = ".parquet" if is_parquet(out) else ".jsonl"
        self.parts = out.with_name(out.name + ".parts")

    def shard_paths(self) -> list[Path]:
        """Finished shards, in input order (names are zero-padded positions)."""
        if not self.parts.is_dir():
            return []
        return sorted(p for p in self.parts.glob(_SHARD_GLOB) if p.suffix == self.suffix)

    def has_progress(self) -> bool:
        return self.out.exists() or bool(self.shard_paths())

    def start(self) -> set[str]:
        """Prepare OUT.parts/ and return the ids already done (in OUT or in shards)."""
        self.parts.mkdir(exist_ok=True)
        for stale in self.parts.glob(".*.part"):  # temp files of shards killed mid-write
            stale.unlink()
        done: set[str] = set()
        for path in ([self.out] if self.out.exists() else []) + self.shard_paths():
            done.update(iter_ids(path))
        return done

    def write(self, first: int, last: int, rows: list[dict[str, Any]]) -> None:
        write_rows(self.parts / f"shard-{first:010d}-{last:010d}{self.suffix}", rows)

    def merge(self, ids: Sequence[str]) -> None:
        """OUT = (earlier OUT +) every shard, in input order (`ids` lists the input's
        ids in order); then drop OUT.parts/.

        The usual case streams the shards into OUT. When that order cannot be trusted
        (an earlier OUT to fold in, or the input changed between a run and its resume,
        so shard names no longer match positions) the rows are sorted in memory."""
        shards = self.shard_paths()
        if self.out.exists() and not shards:
            pass  # a finished run resumed with nothing new: OUT stays as it is
        elif self.out.exists():
            write_rows(self.out, _sorted_unique([self.out, *shards], ids))
        else:
            try:
                write_rows(self.out, _in_order(shards, ids))
            except _OutOfOrder:
                write_rows(self.out, _sorted_unique(shards, ids))
        shutil.rmtree(self.parts, ignore_errors=True)


class _OutOfOrder(Exception):
    pass


def _in_order(shards: list[Path], ids: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The shards' rows, checking as they stream that shard FIRST-LAST holds exactly the
    works at input positions FIRST..LAST and that shards do not overlap."""
    after = -1
    for path in shards:
        first, last = (int(n) for n in path.name.split(".")[0].split("-")[1:3])
        if first <= after or last >= len(ids):
            raise _OutOfOrder
        position = first
        for row in iter_rows(path):
            if position > last or row["id"] != ids[position]:
                raise _OutOfOrder
            yield row
            position += 1
        if position != last + 1:
            raise _OutOfOrder
        after = last


def _sorted_unique(paths: list[Path], ids: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of `paths`, one per id (the first seen), in input order; ids no longer
    in the input keep their place after the rest. Holds the rows in memory."""
    order = {work_id: n for n, work_id in enumerate(ids)}
    rows: dict[str, dict[str, Any]] = {}
    for path in paths:
        for row in iter_rows(path):
            rows.setdefault(row["id"], row)
    return sorted(rows.values(), key=lambda row: order.get(row["id"], len(order)))


# ---------------------------------------------------------------- file formats


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to a .jsonl or .parquet file atomically; returns how many."""
    count = 0
    if is_parquet(path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = parquet_schema()
        with atomic_open(path, "wb") as handle:
            writer = pq.ParquetWriter(handle, schema)
            try:
                for chunk in chunked(rows, ROW_GROUP):
                    writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                    count += len(chunk)
            finally:
                writer.close()
    else:
        with atomic_open(path, "w") as handle:
            for row in rows:
                handle.write(row_json(row) + "\n")
                count += 1
    return count


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a batch output or shard (.jsonl or .parquet), streamed."""
    if is_parquet(path):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP):
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    return  # a torn line (not written by us): later ids are redone


def read_rows(path: Path) -> list[dict[str, Any]]:
    """All rows of a batch output (what `forewarn eval` and notebooks read)."""
    return list(iter_rows(path))


def iter_ids(path: Path) -> Iterator[str]:
    if is_parquet(path):
        import pyarrow.parquet as pq

        yield from pq.read_table(path, columns=["id"]).column(0).to_pylist()
    else:
        yield from (row["id"] for row in iter_rows(path))


def parquet_schema() -> Any:
    import pyarrow as pa

    warning = pa.struct(
        [("warning", pa.string()), ("severity", pa.string()), ("probability", pa.float64())]
    )
    strings = pa.list_(pa.string())
    return pa.schema(
        [("id", pa.string()), ("title", pa.string()), ("words", pa.int64()),
         ("warnings", pa.list_(warning)), ("rating", pa.string()),
         ("archive_warnings", strings), ("tags", strings), ("declared", strings),
         ("model", pa.string()), ("error", pa.string()), ("error_type", pa.string())]
    )  # fmt: skip
