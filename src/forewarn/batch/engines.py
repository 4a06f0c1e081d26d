"""Engines: map `process_item` over shards of works and yield each finished shard.

Both engines yield `(first, last, rows)` in whatever order shards finish; the writer
puts them back in input order, so the engine and the worker count never change OUT.
The model is loaded once per worker process (`load_default` is cached per process):
local workers load it on their first shard, Ray actors in their constructor.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from forewarn.batch.inputs import Item
from forewarn.batch.rows import FATAL, error_row, process_item, row_json
from forewarn.errors import ForewarnError, ModelError

Shard = tuple[int, int, list[Item]]  # input positions of the first and last work, works
ShardResult = tuple[int, int, list[dict[str, Any]]]

MAX_RAY_BLOCKS = 20_000  # beyond this, use a larger --shard-size
CRASH_MESSAGE = "the worker process died while scanning this work (out of memory or a crash)"


def cut_shards(todo: Iterable[tuple[int, Item]], size: int) -> Iterator[Shard]:
    """Runs of at most `size` works with consecutive input positions. A shard never
    spans a gap (works done by an earlier run), so shards of different runs never
    interleave and their names sort into input order."""
    items: list[Item] = []
    first = last = -1
    for position, item in todo:
        if items and (position != last + 1 or len(items) == size):
            yield first, last, items
            items = []
        if not items:
            first = position
        items.append(item)
        last = position
    if items:
        yield first, last, items


def process_shard(shard: Shard) -> ShardResult:
    from forewarn.detect import load_default

    load_default()  # cached: the first shard of each worker process loads the model
    first, last, items = shard
    return first, last, [process_item(item) for item in items]


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def share_threads(threads: int) -> None:
    """Give this worker's model `threads` compute threads (FOREWARN_THREADS, read when the
    embedding network loads) unless the user chose a number: N workers that each start
    one thread per core would fight over the cores."""
    os.environ.setdefault("FOREWARN_THREADS", str(max(1, threads)))


# ---------------------------------------------------------------- local processes


def run_local(shards: Iterable[Shard], workers: int) -> Iterator[ShardResult]:
    """One worker scans in this process; more use a pool of spawned processes, at most
    two shards in flight per worker (memory stays flat however large the input)."""
    if workers <= 1:
        yield from map(process_shard, shards)
        return
    pending = iter(shards)
    while True:
        lost = yield from _pool_pass(pending, workers)
        if not lost:
            return
        for shard in lost:  # the pool broke: find the work that kills its worker
            yield _isolated(shard)


def _pool_pass(pending: Iterator[Shard], workers: int) -> Generator[ShardResult, None, list[Shard]]:
    """Run shards until the input ends (returns []) or a worker dies, which breaks the
    whole pool (returns the shards that were in flight)."""
    import multiprocessing as mp

    # spawn: no inherited locks, threads or half-loaded models; the same on every OS
    pool = ProcessPoolExecutor(
        workers,
        mp_context=mp.get_context("spawn"),
        initializer=share_threads,
        initargs=(cpu_count() // workers,),
    )
    running: dict[Future[ShardResult], Shard] = {}
    clean = False
    try:
        while True:
            while len(running) < 2 * workers and (shard := next(pending, None)):
                running[pool.submit(process_shard, shard)] = shard
            if not running:
                clean = True
                return []
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                shard = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    return [shard, *running.values()]
                yield result
    finally:
        pool.shutdown(wait=clean, cancel_futures=not clean)


def _isolated(shard: Shard) -> ShardResult:
    """Each work of `shard` alone in a one-process pool: a work that kills its process
    gets an error row, the others get their real rows."""
    import multiprocessing as mp

    first, last, items = shard
    rows: list[dict[str, Any]] = []
    pool: ProcessPoolExecutor | None = None
    try:
        for item in items:
            pool = pool or ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
            try:
                rows.append(pool.submit(process_item, item).result())
            except BrokenProcessPool:
                rows.append(error_row(item.id, CRASH_MESSAGE, "WorkerCrash"))
                pool.shutdown(wait=False)
                pool = None
    finally:
        if pool:
            pool.shutdown()
    return first, last, rows


# ---------------------------------------------------------------- Ray


class RayScanner:
    """A Ray Data actor: loads the model once in its constructor, then scans shards.

    A broken installation (FATAL) is returned as a `fatal` value rather than raised:
    Ray would wrap the exception beyond recognition, and the driver should stop with
    the same one-line forewarn error as the local engine."""

    def __init__(self, threads: int = 1) -> None:
        from forewarn.detect import load_default

        share_threads(threads)  # an actor has 1 CPU, however many the node has
        self.failure: BaseException | None = None
        try:
            load_default()
        except FATAL as exc:
            self.failure = exc

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"first": [], "last": [], "rows": [], "fatal": []}
        for first, last, items in zip(batch["first"], batch["last"], batch["items"], strict=True):
            shard = (int(first), int(last), [Item(*fields) for fields in json.loads(items)])
            text = fatal = ""
            try:
                if self.failure is not None:
                    raise self.failure
                text = "\n".join(row_json(row) for row in process_shard(shard)[2])
            except FATAL as exc:
                fatal = f"{type(exc).__name__}: {exc}"
            out["first"].append(int(first))
            out["last"].append(int(last))
            out["rows"].append(text)
            out["fatal"].append(fatal)
        return out


def run_ray(shards: Iterable[Shard], workers: int, address: str | None) -> Iterator[ShardResult]:
    """One Ray Data pipeline, one dataset row per shard, mapped by an actor pool of
    `workers` RayScanners. Connects to `address` (a running cluster: "auto",
    "ray://head:10001") or, without one, starts a local Ray and stops it at the end."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise ForewarnError("the Ray engine needs Ray: pip install 'forewarn[ray]'") from None

    started_here = not ray.is_initialized()
    if started_here:
        _init_ray(ray, workers, address)
    try:
        if workers <= 0:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        records = [
            {"first": first, "last": last, "items": json.dumps([_fields(it) for it in items])}
            for first, last, items in shards
        ]
        if not records:
            return
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # forewarn draws its own
        context.print_on_execution_start = False
        context.enable_auto_log_stats = False
        # one block per shard: each is one actor task, so actors share the work evenly
        blocks = min(len(records), MAX_RAY_BLOCKS)
        dataset = ray.data.from_items(records, override_num_blocks=blocks)
        scanned = dataset.map_batches(
            RayScanner,
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=1,
            fn_constructor_kwargs={"threads": int(os.environ.get("FOREWARN_THREADS") or 1)},
            batch_format="numpy",
        )
        with _quiet_logger("ray.data"):
            try:
                for result in scanned.iter_rows():
                    if result["fatal"]:
                        raise _fatal(str(result["fatal"]))
                    rows = [json.loads(line) for line in str(result["rows"]).split("\n") if line]
                    yield int(result["first"]), int(result["last"]), rows
            except ForewarnError:
                raise
            except Exception as exc:
                raise _ray_failure(exc) from None
    finally:
        if started_here:
            ray.shutdown()


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Ray Data logs its own progress and hints; the batch progress bar says enough."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _init_ray(ray: Any, workers: int, address: str | None) -> None:
    quiet = {"log_to_driver": False, "configure_logging": False}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(
                address="local",  # a new instance, never one found in /tmp/ray
                num_cpus=workers if workers > 0 else None,
                include_dashboard=False,
                **quiet,
            )
    except Exception as exc:
        where = address or "a local Ray instance"
        raise ForewarnError(f"cannot start Ray ({where}): {type(exc).__name__}: {exc}") from None


def _fields(item: Item) -> list[Any]:
    return [item.id, item.kind, item.path, item.offset]


def _fatal(message: str) -> ForewarnError:
    name, _, detail = message.partition(": ")
    if name == ModelError.__name__:
        return ModelError(detail)
    return ForewarnError(f"a Ray worker cannot scan: {message}")


def _ray_failure(exc: BaseException) -> ForewarnError:
    """Anything else Ray raises (an actor lost with its node, a cluster gone), in one line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    first = text.splitlines()[0] if text else ""
    return ForewarnError(f"the Ray run failed: {type(exc).__name__}: {first}")
