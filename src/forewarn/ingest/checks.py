"""Checks every reader shares: file system preconditions, size limit, "is there any
story text at all" - each failing with its own forewarn error."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from forewarn.errors import (
    CorruptFile,
    ForewarnError,
    HostileInput,
    InputNotFound,
    NotAFile,
    NoText,
    TooLarge,
)
from forewarn.limits import max_bytes
from forewarn.work import RawDocument

_log = logging.getLogger("forewarn.ingest")
T = TypeVar("T")


def guarded(what: str, call: Callable[[], T]) -> T:
    """Run a reader so that only forewarn errors leave it: a library failure on input
    nobody anticipated becomes CorruptFile (logged with its traceback at DEBUG level),
    runaway recursion HostileInput, exhausted memory TooLarge."""
    try:
        return call()
    except ForewarnError:
        raise
    except RecursionError:
        raise HostileInput("the file is nested too deeply to read") from None
    except MemoryError:
        raise TooLarge("the file needs more memory to read than is available") from None
    except Exception as exc:  # the API promises forewarn errors only
        _log.debug("reading %r failed", what, exc_info=True)
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        raise CorruptFile(f"could not read this file ({detail})") from None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def check_readable_file(path: str | os.PathLike[str]) -> Path:
    """The path as a Path, if it is an existing regular file (not a directory, FIFO or
    device, which could block or never end)."""
    file_path = Path(path)
    try:
        info = file_path.stat()
    except FileNotFoundError:
        raise InputNotFound(f"no such file: {file_path}") from None
    except NotADirectoryError:
        raise InputNotFound(f"no such file: {file_path}") from None
    except PermissionError:
        raise InputNotFound(f"cannot open {file_path}: permission denied") from None
    except OSError as exc:
        raise InputNotFound(f"cannot open {file_path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise NotAFile(f"{file_path} is a directory; give one file (or use `forewarn batch`)")
    if not stat.S_ISREG(info.st_mode):
        raise NotAFile(f"{file_path} is not a regular file")
    return file_path


def check_size(size: int, limit: int | None = None, what: str = "the input") -> None:
    cap = max_bytes(limit)
    if size > cap:
        raise TooLarge(
            f"{what} is {_mb(size)}, over the {_mb(cap)} limit "
            "(raise it with FOREWARN_MAX_BYTES if you mean it)"
        )


def read_file_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """Whole file, after checking its size on disk *before* reading; never reads more
    than the limit even if the file grows meanwhile."""
    file_path = check_readable_file(path)
    cap = max_bytes(limit)
    check_size(file_path.stat().st_size, cap, file_path.name)
    try:
        with file_path.open("rb") as handle:
            data = handle.read(cap + 1)
    except PermissionError:
        raise InputNotFound(f"cannot open {file_path}: permission denied") from None
    except IsADirectoryError:
        raise NotAFile(f"{file_path} is a directory") from None
    except OSError as exc:
        raise InputNotFound(f"cannot read {file_path}: {exc.strerror or exc}") from None
    check_size(len(data), cap, file_path.name)
    return data


def has_text(raw: RawDocument) -> bool:
    return any(any(ch.isalnum() for ch in p) for c in raw.chapters for p in c.paragraphs)


def require_text(raw: RawDocument) -> RawDocument:
    """NoText when the document parsed but holds no story text."""
    if not has_text(raw):
        raise NoText(f"this {raw.format} file holds no story text")
    return raw
