"""Batch scanning at archive scale: many works in, one row per work out.

    run_batch(source, out, workers=1, engine="local"|"ray", address=None, resume=False)

One pure function (`rows.process_item`) runs under every engine, so a local process
pool and a Ray cluster give byte-identical output. Guarantees:
- a bad work (binary junk, corrupt EPUB, empty) is an error row, never a crash; a
  broken installation (model cannot load) stops the run at once instead;
- finished shards are written atomically to OUT.parts/, so kill -9 loses at most the
  shards in flight; `resume=True` skips every id already in OUT or its shards;
- OUT is written atomically, in input order, whatever the engine, worker count, shard
  size or number of interruptions: the same input gives the same bytes.

Modules: inputs (what to scan), rows (the per-work function and the row format),
engines (local processes, Ray), writer (shards and the final merge), run (run_batch).
"""

from forewarn.batch.inputs import Item, iter_items, read_item
from forewarn.batch.rows import ROW_KEYS, error_row, process_item, row_json
from forewarn.batch.run import DEFAULT_SHARD_SIZE, Summary, auto_shard_size, run_batch
from forewarn.batch.writer import iter_rows, read_rows

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "ROW_KEYS",
    "Item",
    "Summary",
    "auto_shard_size",
    "error_row",
    "iter_items",
    "iter_rows",
    "process_item",
    "read_item",
    "read_rows",
    "row_json",
    "run_batch",
]
