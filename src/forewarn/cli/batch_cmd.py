"""`forewarn batch`: scan a folder, a JSONL or Parquet dump into one row per work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        source: Annotated[Path, typer.Argument(help="A folder (recursive), a JSONL (PAN or {id, text}) or a Parquet file.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="OUT.jsonl or OUT.parquet")],
        workers: Annotated[int, typer.Option(help="Worker processes (local) or actors (ray).")] = 1,
        engine: Annotated[str, typer.Option(help="local or ray")] = "local",
        address: Annotated[str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")] = None,
        resume: Annotated[bool, typer.Option(help="Skip ids already in OUT and finish it.")] = False,
        shard_size: Annotated[int, typer.Option(help="Works per atomically written shard.")] = 64,
        progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    ) -> None:
        """Scan many works; a bad work becomes an error row, never a crash."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from forewarn.batch import run_batch

        console = Console(stderr=True)
        columns = (
            TextColumn("[bold]scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} works/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=not progress, transient=False) as bar:
            task = bar.add_task("scan", total=None, rate="–")

            def update(done: int, total: int) -> None:
                elapsed = bar.tasks[0].elapsed or 0.0
                rate = f"{done / elapsed:.1f}" if elapsed else "–"
                bar.update(task, completed=done, total=total, rate=rate)

            summary = run_batch(
                source, output, workers=workers, engine=engine, address=address,
                resume=resume, shard_size=shard_size, on_progress=update,
            )  # fmt: skip
        rate = summary.processed / summary.seconds if summary.seconds else 0.0
        typer.echo(
            f"{summary.total} works: {summary.processed} scanned, {summary.skipped} already done, "
            f"{summary.errors} errors; {summary.words:,} words in {summary.seconds:.1f}s "
            f"({rate:.1f} works/s) -> {output}"
        )
