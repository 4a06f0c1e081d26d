"""`forewarn batch`: scan a folder, a JSONL or a Parquet dump into one row per work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from forewarn.batch import Summary


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        source: Annotated[
            Path,
            typer.Argument(
                help="A folder (recursive), a JSONL (PAN or {id, text}) or a Parquet file."
            ),
        ],
        output: Annotated[Path, typer.Option("-o", "--output", help="OUT.jsonl or OUT.parquet")],
        workers: Annotated[
            int, typer.Option(help="Worker processes (local) or actors (ray); 0 = one per CPU.")
        ] = 1,
        engine: Annotated[str, typer.Option(help="local or ray")] = "local",
        address: Annotated[
            str | None,
            typer.Option(
                help="Ray cluster address, e.g. ray://head:10001 (default: start a local Ray)."
            ),
        ] = None,
        resume: Annotated[
            bool, typer.Option(help="Skip works already in OUT (or its shards) and finish it.")
        ] = False,
        shard_size: Annotated[
            int | None,
            typer.Option(
                help="Works per atomically written shard (default: about 8 shards per "
                "worker, at most 64 works each)."
            ),
        ] = None,
        progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    ) -> None:
        """Scan many works; a bad work becomes an error row, never a crash."""
        from rich.console import Console

        from forewarn.batch import run_batch

        console = Console(stderr=True)
        with _progress_bar(console, enabled=progress) as update:
            summary = run_batch(
                source, output, workers=workers, engine=engine, address=address,
                resume=resume, shard_size=shard_size, on_progress=update,
            )  # fmt: skip
        for line in summary_lines(summary, output):
            typer.echo(line)


def summary_lines(summary: Summary, output: Path) -> list[str]:
    rate = summary.processed / summary.seconds if summary.seconds else 0.0
    words_rate = summary.words / summary.seconds if summary.seconds else 0.0
    lines = [
        f"{summary.total:,} works: {summary.processed:,} scanned, {summary.skipped:,} already "
        f"done, {summary.errors:,} errors -> {output}",
        f"{summary.words:,} words in {summary.seconds:.1f}s "
        f"({rate:,.1f} works/s, {words_rate:,.0f} words/s)",
    ]
    if summary.error_types:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in summary.error_types.most_common())
        lines.append(f"errors by kind: {kinds} (see the rows' error column)")
    return lines


@contextlib.contextmanager
def _progress_bar(console: Console, enabled: bool) -> Iterator[Callable[[Summary], None]]:
    """A rich bar with works/s and ETA; yields the callback run_batch reports to."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} works/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )
    task = bar.add_task("scan", total=None, rate="-")

    def update(summary: Summary) -> None:
        elapsed = bar.tasks[0].elapsed or 0.0
        rate = f"{summary.processed / elapsed:,.1f}" if elapsed and summary.processed else "-"
        bar.update(task, completed=summary.processed, total=summary.todo, rate=rate)

    with bar:
        yield update
