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

# click's usage errors, and typer's own copies of them: typer 0.2x vendors click, so a bad
# option raises typer's ClickException, which is not click's (without this, a mistyped
# option was reported as an internal error with exit code 70).
USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    {click.ClickException}
    | {c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"}
)
EXITS: tuple[type[Exception], ...] = tuple({click.exceptions.Exit, typer.Exit})
ABORTS: tuple[type[Exception], ...] = tuple({click.exceptions.Abort, typer.Abort})


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
    except EXITS as exc:
        sys.exit(getattr(exc, "exit_code", 0))
    except ABORTS:
        _fail("forewarn: interrupted", 130)
    except USAGE_ERRORS as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
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
