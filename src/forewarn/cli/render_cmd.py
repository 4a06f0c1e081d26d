"""`forewarn render` (the read-safely HTML page) and `forewarn tag-epub` (warnings into
an EPUB's metadata).

Both read the input file once and work on those bytes, so the page or the tagged book
always matches what was scanned, and both write through `forewarn.atomic`: a failure
leaves no output file (and never a half-written one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forewarn.cli.scan_cmd import ENCODING_OPTION


def register(app: typer.Typer) -> None:
    @app.command()
    def render(
        file: Annotated[Path, typer.Argument(help="The work to read safely.")],
        output: Annotated[
            Path | None,
            typer.Option(
                "-o",
                "--output",
                help="Where to write the page ('-' = stdout; default NAME.safe.html).",
            ),
        ] = None,
        spoilers: Annotated[
            bool,
            typer.Option(
                "--spoilers/--no-spoilers",
                help="Also quote the flagged passages in the warning list (default: names only).",
            ),
        ] = False,
        encoding: Annotated[str | None, ENCODING_OPTION] = None,
    ) -> None:
        """Write a self-contained page: warnings first, flagged passages folded away."""
        from forewarn.atomic import write_text
        from forewarn.ingest import read_bytes
        from forewarn.ingest.checks import read_file_bytes
        from forewarn.pipeline import scan_work
        from forewarn.render.html import passage_flags, render_html

        work = read_bytes(read_file_bytes(file), name=str(file), encoding=encoding)
        report = scan_work(work)
        page = render_html(work, report, spoilers=spoilers)
        if output is not None and str(output) == "-":
            typer.echo(page, nl=False)
            return
        target = output or file.with_name(f"{file.stem}.safe.html")
        write_text(target, page)
        folded = len(passage_flags(report))
        typer.echo(
            f"wrote {target}: {len(report.findings)} warning"
            f"{'s' if len(report.findings) != 1 else ''}, {folded} passage"
            f"{'s' if folded != 1 else ''} folded"
        )

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
        """Write the found warnings into the EPUB's metadata as dc:subject entries
        ("Content warning: ..."), which Calibre shows as tags. The original is kept
        unless --in-place; re-running replaces the earlier warnings."""
        from forewarn.atomic import write_bytes
        from forewarn.errors import UnsupportedFormat
        from forewarn.ingest import read_bytes
        from forewarn.ingest.checks import read_file_bytes
        from forewarn.pipeline import scan_work
        from forewarn.render.epub import default_output, subjects_for, tag_epub

        if in_place and output is not None:
            raise typer.BadParameter("give either --in-place or -o, not both")
        data = read_file_bytes(file)  # existence and size checked before anything else
        work = read_bytes(data, name=str(file))
        if "epub" not in work.format:
            raise UnsupportedFormat(f"{file} is {work.format}, not an EPUB: nothing written")
        report = scan_work(work)
        tagged = tag_epub(data, report)
        target = file if in_place else (output or default_output(file))
        write_bytes(target, tagged)
        typer.echo(f"wrote {target} with subjects: " + "; ".join(subjects_for(report)))
