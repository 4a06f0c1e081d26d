"""Errors a user can act on, each with its own exit code.

Every failure that reaches the command line is one of these, so the CLI can print
one clear line and exit with a distinct status instead of a traceback.
"""

from __future__ import annotations


class ForewarnError(Exception):
    """Base class: a problem with the input or the environment, explained in one line."""

    exit_code = 1


class InputNotFound(ForewarnError):
    exit_code = 3


class NotAFile(ForewarnError):
    """A directory (or device) was given where a single work was expected."""

    exit_code = 4


class EmptyInput(ForewarnError):
    exit_code = 5


class UnsupportedFormat(ForewarnError):
    """Binary junk or a format forewarn does not read."""

    exit_code = 6


class CorruptFile(ForewarnError):
    """A file that claims a format (EPUB, DOCX, ...) but cannot be read as one."""

    exit_code = 7


class EncodingError(ForewarnError):
    exit_code = 8


class TooLarge(ForewarnError):
    exit_code = 9


class NoText(ForewarnError):
    """The file parsed but holds no story text (e.g. HTML with only markup)."""

    exit_code = 10


class HostileInput(ForewarnError):
    """Zip bombs, XML entity expansion, path traversal: refused, not parsed."""

    exit_code = 11


class ModelError(ForewarnError):
    exit_code = 12


class OutputError(ForewarnError):
    exit_code = 13
