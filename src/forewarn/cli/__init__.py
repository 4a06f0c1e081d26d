"""The `forewarn` command. Each command group lives in its own module with a
`register(app)` function; `main()` turns every expected failure into one line on stderr
and a distinct exit code (see `forewarn.errors`), never a traceback."""

from __future__ import annotations

import os
import sys

import click
import typer

from forewarn.errors import ForewarnError

app = typer.Typer(
    name="forewarn",
    help="Say what a fan-fiction work needs warning for, how strongly, and where.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

INTERNAL_ERROR = 70


def _register_all() -> None:
    from forewarn.cli import batch_cmd, library_cmd, model_cmd, render_cmd, scan_cmd, serve_cmd

    for module in (scan_cmd, render_cmd, library_cmd, batch_cmd, serve_cmd, model_cmd):
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    try:
        code = app(args=argv, standalone_mode=False)
    except ForewarnError as exc:
        _fail(f"forewarn: error: {exc}", exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _fail("forewarn: interrupted", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _fail("forewarn: interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # last resort: one line, never a traceback for users
        if os.environ.get("FOREWARN_DEBUG"):
            raise
        _fail(f"forewarn: internal error: {type(exc).__name__}: {exc}", INTERNAL_ERROR)
    # without standalone mode click returns typer.Exit's code instead of raising it
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    print(message.splitlines()[0] if message else "forewarn: error", file=sys.stderr)
    sys.exit(code)
