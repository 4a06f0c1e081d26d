"""`forewarn library ...`: scan folders into a database and find what is safe to read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLAlchemy URL (default: SQLite in your user data dir, or $FOREWARN_DB)."
    ),
]


def register(app: typer.Typer) -> None:
    library = typer.Typer(help="A personal library of scanned works.", no_args_is_help=True)
    app.add_typer(library, name="library")

    @library.command("add")
    def add_command(
        paths: Annotated[list[Path], typer.Argument(help="Folders or files of works.")],
        db: DbOption = None,
    ) -> None:
        """Scan works into the library, skipping files whose content is already there."""
        from forewarn import library as lib

        engine = lib.open_library(db)
        console = Console(stderr=True)

        def show(path: Path, status: str) -> None:
            console.print(f"[dim]{status:>9}[/dim] {path}", highlight=False, markup=True)

        result = lib.add(engine, paths, on_progress=show)
        typer.echo(f"added {result.added}, unchanged {result.unchanged}, failed {result.failed}")

    @library.command("find")
    def find_command(
        without: Annotated[
            str | None, typer.Option(help="Leave out works with any of these warnings.")
        ] = None,
        with_: Annotated[
            str | None, typer.Option("--with", help="Only works with all of these.")
        ] = None,
        rating: Annotated[
            str | None,
            typer.Option(help="Highest suggested rating: general, teen, mature, explicit."),
        ] = None,
        text: Annotated[str | None, typer.Option(help="Title or author contains this.")] = None,
        json_out: Annotated[bool, typer.Option("--json")] = False,
        db: DbOption = None,
    ) -> None:
        """Find works, e.g. `--without self-harm,suicide --rating teen`."""
        from forewarn import library as lib
        from forewarn.cli.scan_cmd import parse_warning_list

        rows = lib.find(
            lib.open_library(db),
            without=parse_warning_list(without) or [],
            with_=parse_warning_list(with_) or [],
            max_rating=rating,
            text=text,
        )
        if json_out:
            typer.echo(
                json.dumps(lib.export_rows(rows), indent=2, sort_keys=True, ensure_ascii=False)
            )
            return
        table = Table(title=f"{len(rows)} work{'s' if len(rows) != 1 else ''}")
        for col in ("id", "title", "author", "rating", "words", "warnings"):
            table.add_column(col, overflow="fold")
        for r in rows:
            warnings = ", ".join(f"{w.warning} ({w.severity})" for w in r.warnings) or "none found"
            table.add_row(
                str(r.id), r.title or "", r.author or "", r.rating or "", f"{r.words:,}", warnings
            )
        Console().print(table)

    @library.command("show")
    def show_command(
        work_id: Annotated[int, typer.Argument(help="The id shown by `library find`.")],
        json_out: Annotated[bool, typer.Option("--json")] = False,
        db: DbOption = None,
    ) -> None:
        """Show the stored report of one work."""
        from forewarn import library as lib
        from forewarn.render.terminal import render

        report = lib.report_of(lib.get(lib.open_library(db), work_id))
        if json_out:
            typer.echo(report.to_json())
        else:
            render(report, Console())

    @library.command("export")
    def export_command(
        csv_out: Annotated[bool, typer.Option("--csv", help="CSV, one row per work.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="JSON list (the default).")] = False,
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="File (default: stdout).")
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Export the whole library."""
        from forewarn import library as lib
        from forewarn.atomic import write_text

        rows = lib.export_rows(lib.find(lib.open_library(db)))
        if csv_out and not json_out:
            buffer = io.StringIO()
            fields = ["id", "title", "author", "rating", "declared_rating", "words", "chapters",
                      "format", "warnings", "path", "content_hash", "model"]  # fmt: skip
            writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                warnings = row["warnings"]
                assert isinstance(warnings, list)
                writer.writerow(
                    {
                        **row,
                        "warnings": ";".join(f"{w['warning']}:{w['severity']}" for w in warnings),
                    }
                )
            text = buffer.getvalue()
        else:
            text = json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if output:
            write_text(output, text)
        else:
            typer.echo(text, nl=False)
