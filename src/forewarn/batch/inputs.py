"""Batch inputs: where each work lives, listed cheaply by the driver, read by a worker.

The driver only lists works (an `Item` is a few hundred bytes: id, path, offset), so a
dump of millions of works is never held in memory; each worker reads the work's bytes
itself. On a Ray cluster the input must therefore sit on storage every node can see at
the same path (NFS, a mounted bucket).

Inputs:
- a folder, walked recursively in sorted order: every .txt/.md/.html/.xhtml/.epub/.docx
  is one work (format sniffed from content) with its relative path as id; every .jsonl
  or .parquet inside is a dump expanded into its works. Hidden files are skipped.
- a JSONL dump: PAN 2023 `{"work_id", "text" (HTML)}` or `{"id", "text"}` per line.
- a Parquet dump with an `id` or `work_id` column and a `text` column.
- any other file: one work.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from forewarn.errors import CorruptFile, InputNotFound, TooLarge, UnsupportedFormat
from forewarn.limits import MAX_JSONL_LINE_BYTES
from forewarn.work import Work

WORK_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PARQUET_SUFFIXES = {".parquet"}

# The id of a JSONL record without parsing its (possibly megabytes of) text: the first
# key, when it is "work_id" or "id" with a string or integer value.
_LEADING_ID = re.compile(rb'\A\s*\{\s*"(work_id|id)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*[,}]')


@dataclass(frozen=True, slots=True)
class Item:
    """One work's address, cheap to ship to a worker."""

    id: str
    kind: str  # "file" | "jsonl" | "parquet"
    path: str
    offset: int = 0  # byte offset of the line (jsonl) or row index (parquet)


def iter_items(source: Path, exclude: tuple[Path, ...] = ()) -> Iterator[Item]:
    """Every work in `source`, in a stable order; ids are made unique (see `unique_ids`).

    `exclude` holds paths never to read (the batch's own output inside an input folder)."""
    if not source.exists():
        raise InputNotFound(f"{source} does not exist")
    return unique_ids(_raw_items(source, {p.resolve() for p in exclude}))


def unique_ids(items: Iterator[Item]) -> Iterator[Item]:
    """A repeated id gets "#2", "#3", ...: one row per work, and resume stays exact."""
    seen: dict[str, int] = {}
    for item in items:
        count = seen.get(item.id, 0) + 1
        seen[item.id] = count
        if count == 1:
            yield item
            continue
        new_id = f"{item.id}#{count}"
        while new_id in seen:
            count += 1
            new_id = f"{item.id}#{count}"
        seen[item.id] = count
        seen[new_id] = 1
        yield Item(id=new_id, kind=item.kind, path=item.path, offset=item.offset)


def _raw_items(source: Path, exclude: set[Path]) -> Iterator[Item]:
    if source.is_dir():
        yield from _folder_items(source, exclude)
    else:
        yield from _file_items(source, source.name)


def _file_items(path: Path, work_id: str) -> Iterator[Item]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl_items(path)
    elif suffix in PARQUET_SUFFIXES:
        yield from _parquet_items(path)
    else:
        yield Item(id=work_id, kind="file", path=str(path))


def _folder_items(root: Path, exclude: set[Path]) -> Iterator[Item]:
    """Works under `root` in the order of their sorted relative paths."""
    readable = WORK_SUFFIXES | JSONL_SUFFIXES | PARQUET_SUFFIXES
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (here / d).resolve() not in exclude]
        for name in files:
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in readable:
                continue
            if path.resolve() not in exclude and path.is_file():
                found.append((path.relative_to(root).as_posix(), path))
    for rel, path in sorted(found):
        yield from _file_items(path, rel)


def _jsonl_items(source: Path) -> Iterator[Item]:
    """One item per non-blank line; the driver reads each line once, in bounded pieces."""
    path = str(source)
    with source.open("rb") as handle:
        number = 0
        while True:
            offset = handle.tell()
            line = handle.readline(MAX_JSONL_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest, never hold it
                    line = handle.readline(MAX_JSONL_LINE_BYTES)
                yield Item(id=f"line-{number}", kind="jsonl", path=path, offset=offset)
            elif line.strip():
                work_id = _jsonl_id(line)
                yield Item(id=work_id or f"line-{number}", kind="jsonl", path=path, offset=offset)


def _jsonl_id(line: bytes) -> str | None:
    """The record's work_id (PAN) or id; None when it has neither or is not JSON."""
    match = _LEADING_ID.match(line)
    if match and (match.group(1) == b"work_id" or b'"work_id"' not in line):
        return str(json.loads(match.group(2)))
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    value = record.get("work_id", record.get("id"))
    return None if value is None else str(value)


def _parquet_items(source: Path) -> Iterator[Item]:
    import pyarrow.parquet as pq

    names = pq.read_schema(source).names
    id_column = next((n for n in ("id", "work_id") if n in names), None)
    if id_column is None or "text" not in names:
        raise UnsupportedFormat(f"{source} needs an 'id' (or 'work_id') and a 'text' column")
    ids = pq.read_table(source, columns=[id_column]).column(0).to_pylist()
    path = str(source)
    for index, value in enumerate(ids):
        work_id = f"row-{index + 1}" if value is None else str(value)
        yield Item(id=work_id, kind="parquet", path=path, offset=index)


# ---------------------------------------------------------------- reading (in the worker)


def read_item(item: Item) -> Work:
    """The segmented Work an item points at; bad input raises a forewarn error."""
    from forewarn.ingest import read_bytes, read_path

    if item.kind == "file":
        return read_path(item.path)
    if item.kind == "jsonl":
        return _record_work(_jsonl_record(item))
    if item.kind == "parquet":
        text = _parquet_text(item.path, item.offset)
        if not isinstance(text, str):
            raise UnsupportedFormat("this row has no text")
        return read_bytes(text.encode("utf-8"), name="work.txt")
    raise UnsupportedFormat(f"unknown item kind {item.kind!r}")


def _jsonl_record(item: Item) -> dict[str, Any]:
    with open(item.path, "rb") as handle:
        handle.seek(item.offset)
        line = handle.readline(MAX_JSONL_LINE_BYTES + 1)
    if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
        raise TooLarge(f"this JSONL line is larger than {MAX_JSONL_LINE_BYTES:,} bytes")
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        raise CorruptFile("this JSONL line is not valid JSON") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise UnsupportedFormat('this JSONL record has no "text" string')
    return record


def _record_work(record: dict[str, Any]) -> Work:
    """PAN records (with work_id) go through the PAN reader, exactly as `forewarn scan`
    reads a one-work PAN file; plain {id, text} records are sniffed like any text."""
    from forewarn.ingest import read_bytes
    from forewarn.ingest.checks import guarded
    from forewarn.ingest.pan import pan_record
    from forewarn.segment import build_work

    if "work_id" in record:
        return build_work(guarded("work", lambda: pan_record(record)))
    return read_bytes(record["text"].encode("utf-8"), name="work.txt")


def _parquet_text(path: str, index: int) -> Any:
    """Row `index` of the text column, reading one row group at a time: workers get
    neighbouring rows, so the group just read serves the next ones."""
    starts, file = _parquet_layout(path)
    if not 0 <= index < file.metadata.num_rows:
        raise UnsupportedFormat(f"row {index} is past the end of the file")
    group = bisect.bisect_right(starts, index) - 1
    return _parquet_group(path, group)[index - starts[group]]


@lru_cache(maxsize=8)
def _parquet_layout(path: str) -> tuple[list[int], Any]:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    starts, total = [], 0
    for g in range(file.num_row_groups):
        starts.append(total)
        total += file.metadata.row_group(g).num_rows
    return starts, file


@lru_cache(maxsize=1)
def _parquet_group(path: str, group: int) -> list[Any]:
    _, file = _parquet_layout(path)
    return file.read_row_group(group, columns=["text"]).column(0).to_pylist()
