"""`forewarn render`: the read-safely HTML page for one work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def render(
        file: Annotated[Path, typer.Argument(help="The work to read safely.")],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="Where to write the HTML page.")
        ],
        spoilers: Annotated[
            bool, typer.Option(help="Quote the evidence in the warning list (off: names only).")
        ] = False,
    ) -> None:
        """Write a self-contained page with flagged passages folded away."""
        from forewarn.atomic import write_text
        from forewarn.ingest import read_path
        from forewarn.pipeline import scan_work
        from forewarn.render.html import render_html

        work = read_path(file)
        report = scan_work(work)
        write_text(output, render_html(work, report, spoilers=spoilers))
        typer.echo(f"wrote {output} ({len(report.findings)} warnings, folded passages inside)")

    @app.command("tag-epub")
    def tag_epub_command(
        file: Annotated[Path, typer.Argument(help="An EPUB to tag.")],
        output: Annotated[
            Path | None,
            typer.Option("-o", "--output", help="Default: NAME.forewarn.epub beside it."),
        ] = None,
        in_place: Annotated[
            bool, typer.Option("--in-place", help="Replace the original file.")
        ] = False,
    ) -> None:
        """Write the found warnings into the EPUB's metadata (dc:subject), keeping the original."""
        from forewarn.atomic import write_bytes
        from forewarn.errors import UnsupportedFormat
        from forewarn.ingest import read_path
        from forewarn.pipeline import scan_work
        from forewarn.render.epub import default_output, tag_epub

        work = read_path(file)  # checks existence, size and format before anything is written
        if "epub" not in work.format:
            raise UnsupportedFormat(f"{file} is {work.format}, not an EPUB")
        report = scan_work(work)
        data = file.read_bytes()
        target = file if in_place else (output or default_output(file))
        write_bytes(target, tag_epub(data, report))
        typer.echo(f"wrote {target} with {len(report.findings)} content warnings in its subjects")
