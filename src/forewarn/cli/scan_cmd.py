"""`forewarn scan FILE`: one work in, one report out (terminal or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from forewarn.errors import ForewarnError


class UnknownWarning(ForewarnError):
    exit_code = 2


def parse_warning_list(value: str | None) -> list[str] | None:
    """ "self-harm,suicide" -> ids, accepting synonyms ("SH", "language") too."""
    if not value:
        return None
    from forewarn import taxonomy

    tax = taxonomy.load()
    ids = []
    for part in value.split(","):
        if not part.strip():
            continue
        wid = part.strip() if part.strip() in tax else tax.lookup(part)
        if wid is None:
            raise UnknownWarning(f"unknown warning {part.strip()!r} (see `forewarn taxonomy`)")
        ids.append(wid)
    return ids


def _check_encoding(value: str | None) -> str | None:
    """Unknown codec names are a usage error (exit 2), caught before the file is read."""
    if value is None:
        return None
    from forewarn.errors import EncodingError
    from forewarn.ingest.textdecode import codec_name

    try:
        return codec_name(value)
    except EncodingError as exc:
        raise typer.BadParameter(str(exc)) from None


ENCODING_OPTION = typer.Option(
    help="Text encoding of a .txt/.md/.html file when detection guesses wrong "
    "(e.g. cp1250, koi8-r); the file must then be valid in it.",
    callback=_check_encoding,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def scan(
        file: Annotated[
            Path,
            typer.Argument(help="A work: .txt, .md, .html (AO3 or any), .epub, .docx, PAN .jsonl"),
        ],
        json_out: Annotated[
            bool, typer.Option("--json", help="Print the versioned JSON report.")
        ] = False,
        only: Annotated[
            str | None, typer.Option(help="Comma-separated warnings to report (others hidden).")
        ] = None,
        exclude: Annotated[
            str | None, typer.Option(help="Comma-separated warnings to leave out.")
        ] = None,
        evidence: Annotated[int, typer.Option(help="Quoted passages shown per warning.")] = 2,
        encoding: Annotated[str | None, ENCODING_OPTION] = None,
    ) -> None:
        """Read one work and report what it needs warning for, and where."""
        from forewarn.pipeline import scan_path

        report = scan_path(
            file,
            only=parse_warning_list(only),
            exclude=parse_warning_list(exclude),
            encoding=encoding,
        )
        if json_out:
            typer.echo(report.to_json())
        else:
            from forewarn.render.terminal import render

            render(report, Console(), evidence_per_warning=evidence)

    @app.command()
    def taxonomy(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
        """List the warnings forewarn knows, with their groups and AO3 mapping."""
        import json

        from rich.table import Table

        from forewarn import taxonomy as tax_mod

        tax = tax_mod.load()
        if json_out:
            typer.echo(json.dumps([w.__dict__ for w in tax.warnings], indent=2, sort_keys=True))
            return
        table = Table(title=f"forewarn taxonomy v{tax.version}")
        for col in ("id", "name", "group", "AO3 Archive Warning"):
            table.add_column(col)
        for w in tax.warnings:
            table.add_row(w.id, w.name, w.group, w.ao3_archive_warning or "")
        Console().print(table)
