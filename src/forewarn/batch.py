"""Batch scanning at archive scale: many works in, one row per work out.

The same pure function (`process_item`) runs under every engine, so a local process
pool and a Ray cluster give byte-identical rows. Output is written shard by shard: each
finished shard becomes a file in `OUT.parts/` by atomic rename, so a kill -9 loses at
most the shard in flight; `--resume` skips every id already in OUT or its parts, and the
parts are merged into OUT (again atomically) when the run completes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from forewarn.atomic import atomic_open
from forewarn.errors import ForewarnError, InputNotFound, UnsupportedFormat

T = TypeVar("T")
WORK_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx"}
DEFAULT_SHARD_SIZE = 64


@dataclass(frozen=True)
class Item:
    """Where one work lives, cheap to ship to a worker: the worker reads the text itself."""

    id: str
    kind: str  # "file" | "jsonl" | "parquet"
    path: str
    offset: int = 0  # byte offset of the line (jsonl) or row index (parquet)


# ---------------------------------------------------------------- inputs


def iter_items(source: Path) -> Iterator[Item]:
    """Every work in a folder (recursive), a JSONL file (PAN or {id, text}) or Parquet."""
    if not source.exists():
        raise InputNotFound(f"{source} does not exist")
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            if path.suffix.lower() in WORK_SUFFIXES:
                yield Item(id=path.relative_to(source).as_posix(), kind="file", path=str(path))
    elif source.suffix.lower() in {".jsonl", ".ndjson"}:
        yield from _jsonl_items(source)
    elif source.suffix.lower() == ".parquet":
        yield from _parquet_items(source)
    else:
        yield Item(id=source.name, kind="file", path=str(source))


def _jsonl_items(source: Path) -> Iterator[Item]:
    offset = 0
    with source.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    record = json.loads(line)
                    work_id = str(record.get("work_id", record.get("id")))
                except (ValueError, AttributeError):
                    work_id = f"line-{number}"
                yield Item(id=work_id, kind="jsonl", path=str(source), offset=offset)
            offset += len(line)


def _parquet_items(source: Path) -> Iterator[Item]:
    import pyarrow.parquet as pq

    table = pq.read_table(source, columns=[_parquet_id_column(source)])
    for index, value in enumerate(table.column(0).to_pylist()):
        yield Item(id=str(value), kind="parquet", path=str(source), offset=index)


def _parquet_id_column(source: Path) -> str:
    import pyarrow.parquet as pq

    names = pq.read_schema(source).names
    for name in ("id", "work_id"):
        if name in names:
            return name
    raise UnsupportedFormat(f"{source} has no 'id' or 'work_id' column")


def load_item(item: Item) -> tuple[bytes, str]:
    """The work's bytes and a name hint for the format sniffer."""
    if item.kind == "file":
        return Path(item.path).read_bytes(), Path(item.path).name
    if item.kind == "jsonl":
        with open(item.path, "rb") as handle:
            handle.seek(item.offset)
            record = json.loads(handle.readline())
        text = record.get("text")
        if not isinstance(text, str):
            raise UnsupportedFormat("record has no 'text' string")
        # PAN works carry inline HTML; plain {id, text} records are text
        is_html = "work_id" in record or text.lstrip().startswith("<")
        return text.encode("utf-8"), "work.html" if is_html else "work.txt"
    if item.kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(item.path, columns=["text"])
        text = table.column(0)[item.offset].as_py()
        if not isinstance(text, str):
            raise UnsupportedFormat("row has no 'text' string")
        return text.encode("utf-8"), "work.html" if text.lstrip().startswith("<") else "work.txt"
    raise UnsupportedFormat(f"unknown item kind {item.kind!r}")


# ---------------------------------------------------------------- the per-work function


def process_item(item: Item) -> dict[str, Any]:
    """One row per work; every failure becomes an `error` value, never an exception."""
    from forewarn.ingest import read_bytes
    from forewarn.pipeline import scan_work

    try:
        data, name = load_item(item)
        report = scan_work(read_bytes(data, name=name))
    except ForewarnError as exc:
        return error_row(item.id, str(exc))
    except Exception as exc:  # a bad work must never stop an archive run
        return error_row(item.id, f"internal error: {type(exc).__name__}: {exc}")
    s = report.suggestions
    return {
        "id": item.id,
        "title": report.work.title,
        "words": report.work.words,
        "warnings": [
            {"warning": f.warning, "severity": f.severity, "probability": round(f.probability, 4)}
            for f in report.findings
        ],
        "rating": s.rating,
        "archive_warnings": list(s.archive_warnings),
        "tags": list(s.additional_tags),
        "declared": sorted({d.warning for d in report.declared if d.warning}),
        "model": f"{report.model.name} {report.model.version}",
        "error": None,
    }


def error_row(work_id: str, message: str) -> dict[str, Any]:
    return {
        "id": work_id, "title": None, "words": 0, "warnings": [], "rating": None,
        "archive_warnings": [], "tags": [], "declared": [], "model": None, "error": message,
    }  # fmt: skip


def process_shard(items: list[Item]) -> list[dict[str, Any]]:
    return [process_item(item) for item in items]


def row_json(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- output


class ShardWriter:
    """Finished shards as files in OUT.parts/, merged into OUT at the end."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parquet = out.suffix.lower() == ".parquet"
        self.parts = out.with_name(out.name + ".parts")
        self.parts.mkdir(parents=True, exist_ok=True)

    def done_ids(self) -> set[str]:
        ids: set[str] = set()
        for path in ([self.out] if self.out.exists() else []) + sorted(self.parts.glob("shard-*")):
            ids.update(row["id"] for row in read_rows(path))
        return ids

    def write(self, shard_index: int, rows: list[dict[str, Any]]) -> None:
        existing = len(list(self.parts.glob("shard-*")))
        name = f"shard-{existing:06d}-{shard_index:06d}"
        _write_rows(self.parts / (name + (".parquet" if self.parquet else ".jsonl")), rows)

    def merge(self, order: dict[str, int]) -> int:
        """OUT = earlier OUT + all parts, in input order, so a resumed run ends with the
        same bytes as an uninterrupted one."""
        rows: list[dict[str, Any]] = []
        if self.out.exists():
            rows.extend(read_rows(self.out))
        for path in sorted(self.parts.glob("shard-*")):
            rows.extend(read_rows(path))
        rows.sort(key=lambda row: order.get(row["id"], len(order)))
        _write_rows(self.out, rows)
        shutil.rmtree(self.parts, ignore_errors=True)
        return len(rows)


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([_flat(row) for row in rows], schema=_parquet_schema())
        with atomic_open(path, "wb") as handle:
            pq.write_table(table, handle)
    else:
        with atomic_open(path, "w") as handle:
            handle.writelines(row_json(row) + "\n" for row in rows)


def _parquet_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.schema(
        [("id", pa.string()), ("title", pa.string()), ("words", pa.int64()),
         ("warnings", pa.string()), ("rating", pa.string()), ("archive_warnings", pa.list_(pa.string())),
         ("tags", pa.list_(pa.string())), ("declared", pa.list_(pa.string())),
         ("model", pa.string()), ("error", pa.string())]
    )  # fmt: skip


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Parquet keeps the warnings list as canonical JSON text (queryable with DuckDB's json)."""
    return {**row, "warnings": json.dumps(row["warnings"], sort_keys=True, separators=(",", ":"))}


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
        return [{**row, "warnings": json.loads(row["warnings"])} for row in rows]
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    break  # a torn last line can only come from a foreign writer; stop there
    return rows


# ---------------------------------------------------------------- engines


@dataclass
class Summary:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    errors: int = 0
    words: int = 0
    seconds: float = 0.0


def shards(items: Iterable[T], size: int) -> Iterator[tuple[int, list[T]]]:
    batch: list[T] = []
    index = 0
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield index, batch
            index, batch = index + 1, []
    if batch:
        yield index, batch


def _init_worker() -> None:
    from forewarn.detect import load_default

    load_default()  # once per worker process, not per work


def run_local(
    todo: list[Item], workers: int, shard_size: int
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    if workers <= 1:
        _init_worker()
        for index, batch in shards(todo, shard_size):
            yield index, process_shard(batch)
        return
    import multiprocessing as mp

    context = mp.get_context("spawn")  # no inherited locks or model copies; same on every OS
    with context.Pool(workers, initializer=_init_worker) as pool:
        indexed = list(shards(todo, shard_size))
        results = pool.imap(process_shard, [batch for _, batch in indexed])
        for (index, _), rows in zip(indexed, results, strict=True):
            yield index, rows


class _RayScanner:
    """A Ray actor: loads the model once, then scans batches of items."""

    def __init__(self) -> None:
        _init_worker()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        items = [Item(**json.loads(x)) for x in batch["item"]]
        return {"row": [row_json(process_item(item)) for item in items]}


def run_ray(
    todo: list[Item], workers: int, shard_size: int, address: str | None
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """One Ray Data pipeline over all items; an actor pool of `workers` scanners, each
    loading the model once; results stream back in input order and are sharded here."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address, num_cpus=None if address else workers,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)  # fmt: skip
    if not todo:
        return
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    ds = ray.data.from_items([{"item": json.dumps(asdict(it))} for it in todo])
    scanned = ds.map_batches(
        _RayScanner, batch_size=8, concurrency=workers, batch_format="numpy", num_cpus=1
    )
    rows = (json.loads(r["row"]) for r in scanned.iter_rows())
    yield from shards(rows, shard_size)


def run_batch(
    source: Path,
    out: Path,
    workers: int = 1,
    engine: str = "local",
    address: str | None = None,
    resume: bool = False,
    shard_size: int = DEFAULT_SHARD_SIZE,
    on_progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Scan every work in `source` into `out`; see the module docstring for guarantees."""
    import time

    started = time.perf_counter()
    if out.exists() and not resume:
        raise ForewarnError(f"{out} exists: use --resume to continue it, or choose another output")
    if out.suffix.lower() not in {".jsonl", ".parquet"}:
        raise UnsupportedFormat("output must end in .jsonl or .parquet")
    items = list(iter_items(source))
    writer = ShardWriter(out)
    done = writer.done_ids() if resume else set()
    if not resume:
        for stale in writer.parts.glob("shard-*"):
            stale.unlink()
    todo = [it for it in items if it.id not in done]
    summary = Summary(total=len(items), skipped=len(items) - len(todo))
    if engine == "ray":
        results = run_ray(todo, workers, shard_size, address)
    elif engine == "local":
        results = run_local(todo, workers, shard_size)
    else:
        raise ForewarnError(f"unknown engine {engine!r}: use local or ray")
    for index, rows in results:
        writer.write(index, rows)
        summary.processed += len(rows)
        summary.errors += sum(1 for r in rows if r["error"])
        summary.words += sum(int(r["words"]) for r in rows)
        if on_progress:
            on_progress(summary.processed, len(todo))
    writer.merge({it.id: n for n, it in enumerate(items)})
    summary.seconds = time.perf_counter() - started
    return summary


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
