"""Write files so a crash or kill leaves either the old file or the whole new one,
never half of it: write a temporary file beside the target, fsync, then rename.

Details a user would otherwise trip over:
- the new file gets the old file's permission bits (or the usual umask default for a new
  file), not the 0600 that `mkstemp` gives;
- a symlink target is followed, so `--in-place` on a linked book rewrites the book and
  keeps the link;
- the temporary file is a hidden `.NAME.*.part` in the same folder (same filesystem, so
  the rename is atomic) and is removed if anything fails.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from forewarn.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _final_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Like `open(path, mode)` for writing, but the file appears only if the block succeeds."""
    if mode not in ("w", "wb"):
        raise ValueError("atomic_open writes whole files: mode must be 'w' or 'wb'")
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise OutputError(f"{target} is a directory, not an output file")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError(f"output directory {parent} does not exist")
    file_mode = _final_mode(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {parent}: {exc.strerror}") from exc
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else ""
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path: str | Path, text: str) -> None:
    """Write `text` as UTF-8, exactly as given (no newline translation)."""
    _write(path, text, "w")


def write_bytes(path: str | Path, data: bytes) -> None:
    _write(path, data, "wb")


def _write(path: str | Path, data: str | bytes, mode: str) -> None:
    try:
        with atomic_open(path, mode) as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
