"""`forewarn library ...`: scan folders into a database and find what is safe to read.

    forewarn library add ~/fic                       # skips files already scanned
    forewarn library find --without self-harm,suicide --rating teen
    forewarn library find --without violence:depicted   # mentions are fine, scenes are not
    forewarn library show 12
    forewarn library remove 12 13 | --missing
    forewarn library export --csv -o library.csv

Every command takes --db: an SQLAlchemy URL (sqlite:///..., postgresql+psycopg://...)
or a plain file path for an SQLite file; default $FOREWARN_DB, else library.sqlite3 in
your user data folder.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from forewarn.library import WarningFilter

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL or SQLite file (default: $FOREWARN_DB, else your user data dir).",
    ),
]
SEVERITY_NAMES = {
    "mention": "mention", "mentions": "mention", "mentioned": "mention",
    "depiction": "depiction", "depicted": "depiction", "depictions": "depiction",
    "graphic": "graphic",
}  # fmt: skip
CSV_FIELDS = ["id", "title", "author", "rating", "declared_rating", "words", "chapters",
              "format", "warnings", "work_id", "path", "content_hash", "model", "scanned_at"]  # fmt: skip


def parse_filters(value: str | None) -> list[WarningFilter]:
    """ "self-harm,violence:depicted" -> WarningFilters (warning synonyms accepted; after
    a colon, the lowest severity that counts: mention, depiction or graphic)."""
    from forewarn.cli.scan_cmd import parse_warning_list
    from forewarn.library import LibraryError, WarningFilter

    filters = []
    for part in (value or "").split(","):
        name, _, severity = (piece.strip() for piece in part.partition(":"))
        ids = parse_warning_list(name)
        if not ids:
            continue
        level = SEVERITY_NAMES.get(severity.lower()) if severity else None
        if severity and level is None:
            raise LibraryError(f"unknown severity {severity!r}: use mention, depiction or graphic")
        filters.append(WarningFilter(ids[0], level))
    return filters


def csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=, +, -, @) gets a leading
    apostrophe: a work's title is data, never a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def register(app: typer.Typer) -> None:
    library = typer.Typer(help="A personal library of scanned works.", no_args_is_help=True)
    app.add_typer(library, name="library")

    @library.command("add")
    def add_command(
        paths: Annotated[list[Path], typer.Argument(help="Folders or files of works.")],
        db: DbOption = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary.")] = False,
    ) -> None:
        """Scan works into the library, skipping files whose content is already there.

        Exits 1 when some files could not be read (the others are still added)."""
        from forewarn import library as lib

        url = lib.normalise_url(db or lib.default_url())
        engine = lib.open_library(url)
        console = Console(stderr=True, highlight=False)
        if not quiet:
            console.print(Text(f"library: {lib.safe_url(url)}", style="dim"), soft_wrap=True)

        def show(path: Path, status: str) -> None:
            word, _, reason = status.partition(": ")
            if quiet and word != "failed":
                return
            line = Text(f"{word:>9} ", style="red" if reason else "dim") + Text(str(path))
            console.print(line + Text(f": {reason}" if reason else ""), soft_wrap=True)

        result = lib.add(engine, paths, on_progress=show)
        typer.echo(
            f"added {result.added}, updated {result.updated}, "
            f"unchanged {result.unchanged}, failed {result.failed}"
        )
        if result.failed:
            from forewarn.errors import ForewarnError

            total = result.added + result.updated + result.unchanged + result.failed
            raise ForewarnError(f"{result.failed} of {total} files could not be added (see above)")

    @library.command("find")
    def find_command(
        without: Annotated[
            str | None,
            typer.Option(
                help="Leave out works with any of these warnings (WARNING or WARNING:SEVERITY, "
                "e.g. violence:depicted keeps works that only mention violence)."
            ),
        ] = None,
        with_: Annotated[
            str | None, typer.Option("--with", help="Only works with all of these warnings.")
        ] = None,
        rating: Annotated[
            str | None,
            typer.Option(
                help="Rated at most this: general, teen, mature, explicit. Checks forewarn's "
                "suggested rating and the author's own rating (when given): both must be at "
                "most this. Works without a suggested rating are left out."
            ),
        ] = None,
        text: Annotated[str | None, typer.Option(help="Title or author contains this.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
        db: DbOption = None,
    ) -> None:
        """Find works, e.g. `--without self-harm,suicide --rating teen`."""
        from forewarn import library as lib

        rows = lib.find(
            lib.open_library(db),
            without=parse_filters(without),
            with_=parse_filters(with_),
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
            table.add_row(  # Text(): titles are data, never rich markup
                Text(str(r.id)),
                Text(r.title or ""),
                Text(r.author or ""),
                Text(r.rating or ""),
                Text(f"{r.words:,}"),
                Text(warnings),
            )
        Console().print(table)

    @library.command("show")
    def show_command(
        work_id: Annotated[int, typer.Argument(help="The id shown by `library find`.")],
        json_out: Annotated[bool, typer.Option("--json", help="The stored JSON report.")] = False,
        db: DbOption = None,
    ) -> None:
        """Show the stored report of one work."""
        from forewarn import library as lib
        from forewarn.render.terminal import render

        row = lib.get(lib.open_library(db), work_id)
        report = lib.report_of(row)
        if json_out:
            typer.echo(report.to_json())
            return
        console = Console()
        console.print(Text(f"#{row.id}  {row.path}  (scanned {row.scanned_at})", style="dim"))
        render(report, console)

    @library.command("remove")
    def remove_command(
        work_ids: Annotated[
            list[int] | None, typer.Argument(help="Ids shown by `library find`.")
        ] = None,
        missing: Annotated[
            bool, typer.Option("--missing", help="Remove works whose file is gone.")
        ] = False,
        db: DbOption = None,
    ) -> None:
        """Remove works from the library (their files are not touched)."""
        from forewarn import library as lib

        engine = lib.open_library(db)
        ids = list(work_ids or [])
        if missing:
            ids += lib.missing_files(engine)
        if not ids:
            if not missing:
                raise typer.BadParameter("give work ids, or --missing")
            typer.echo("removed 0 works")
            return
        rows = lib.remove(engine, ids)
        for row in rows:
            typer.echo(f"removed #{row.id} {row.title or row.path}")
        typer.echo(f"removed {len(rows)} work{'s' if len(rows) != 1 else ''}")

    @library.command("export")
    def export_command(
        csv_out: Annotated[bool, typer.Option("--csv", help="CSV, one row per work.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="JSON list (the default).")] = False,
        output: Annotated[
            Path | None,
            typer.Option("-o", "--output", help="File, written atomically (default: stdout)."),
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Export the whole library (warnings as "id:severity;..." in CSV)."""
        from forewarn import library as lib
        from forewarn.atomic import write_text

        if csv_out and json_out:
            raise typer.BadParameter("give --csv or --json, not both")
        rows = lib.export_rows(lib.find(lib.open_library(db)))
        if csv_out:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                warnings = row["warnings"]
                assert isinstance(warnings, list)
                flat = {
                    **row,
                    "warnings": ";".join(f"{w['warning']}:{w['severity']}" for w in warnings),
                }
                writer.writerow({k: csv_cell(flat[k]) for k in CSV_FIELDS})
            text = buffer.getvalue()
        else:
            text = json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if output is not None and str(output) != "-":
            write_text(output, text)
            typer.echo(
                f"wrote {len(rows)} work{'s' if len(rows) != 1 else ''} to {output}", err=True
            )
        else:
            typer.echo(text, nl=False)
