"""Reading EPUB/DOCX containers without trusting them.

A ZIP's central directory says how many members it has and how big each is when
decompressed; a zip bomb lies or exaggerates there. We check the declared numbers
against caps *before* decompressing anything, refuse suspicious compression ratios,
read members in bounded chunks (so a member that decompresses to more than it declared
cannot make us allocate more than the cap), never resolve a member name that climbs out
of the archive ("../../etc/passwd", "/abs", "C:\\x"), and never write anything to disk.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from urllib.parse import unquote

from forewarn.errors import CorruptFile, HostileInput, UnsupportedFormat
from forewarn.limits import (
    COMPRESSION_RATIO_MIN_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_MEMBER_BYTES,
    MAX_ZIP_TOTAL_UNCOMPRESSED,
    ZIP_READ_CHUNK,
)

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_name(name: str) -> str | None:
    """Normalised member name, or None when it is absolute or escapes the archive."""
    if not name or "\x00" in name:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        return None
    parts = name.split("/")
    if ".." in parts:
        return None
    norm = posixpath.normpath(name)
    return None if norm.startswith("..") or norm == "." else norm


def resolve_href(base_dir: str, href: str) -> str | None:
    """An href inside the archive (relative to `base_dir`), fragment and query dropped;
    None when it points outside the archive or to another site."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    if not href or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
        return None
    href = unquote(href)
    joined = posixpath.join(base_dir, href) if base_dir else href
    if ".." in joined.replace("\\", "/").split("/"):
        # Resolve ../ against base_dir, then refuse anything that ends up above the root.
        norm = posixpath.normpath(joined)
        if norm.startswith("..") or norm.startswith("/"):
            return None
        return norm
    return safe_name(joined)


class SafeZip:
    """A ZIP opened for reading with the caps in forewarn.limits enforced."""

    def __init__(self, data: bytes, kind: str = "archive") -> None:
        self.kind = kind
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise CorruptFile(f"this {kind} is damaged or truncated: {_short(exc)}") from None
        except NotImplementedError as exc:
            raise UnsupportedFormat(
                f"this {kind} uses a ZIP feature forewarn cannot read: {_short(exc)}"
            ) from None
        if len(infos) > MAX_ZIP_ENTRIES:
            raise HostileInput(
                f"this {kind} has {len(infos)} members (limit {MAX_ZIP_ENTRIES}); refused"
            )
        total = 0
        self._members: dict[str, zipfile.ZipInfo] = {}
        self.unsafe_names: list[str] = []
        for info in infos:
            total += info.file_size
            if total > MAX_ZIP_TOTAL_UNCOMPRESSED:
                raise HostileInput(
                    f"this {kind} would decompress to more than "
                    f"{MAX_ZIP_TOTAL_UNCOMPRESSED // (1024 * 1024)} MB (zip bomb); refused"
                )
            if (
                info.file_size >= COMPRESSION_RATIO_MIN_BYTES
                and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
            ):
                raise HostileInput(
                    f"member {info.filename!r} of this {kind} expands "
                    f"{info.file_size // max(info.compress_size, 1)}x (zip bomb); refused"
                )
            name = safe_name(info.filename)
            if name is None:
                self.unsafe_names.append(info.filename)  # ignored, never read or written
                continue
            if not info.is_dir():
                self._members.setdefault(name, info)
        self._lower = {name.lower(): name for name in self._members}

    def names(self) -> list[str]:
        return list(self._members)

    def find(self, name: str) -> str | None:
        """Member name as stored, matched exactly, else case-insensitively."""
        norm = safe_name(name)
        if norm is None:
            return None
        if norm in self._members:
            return norm
        return self._lower.get(norm.lower())

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def size(self, name: str) -> int:
        found = self.find(name)
        return self._members[found].file_size if found else 0

    def read(self, name: str, limit: int = MAX_ZIP_MEMBER_BYTES) -> bytes:
        """The member's bytes, read in chunks and never more than `limit`."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        info = self._members[found]
        if info.flag_bits & 0x1:
            raise UnsupportedFormat(f"this {self.kind} is encrypted; forewarn cannot read it")
        if info.file_size > limit:
            raise HostileInput(
                f"member {found!r} of this {self.kind} is larger than "
                f"{limit // (1024 * 1024)} MB; refused"
            )
        chunks: list[bytes] = []
        got = 0
        try:
            with self._zip.open(info) as handle:
                while True:
                    chunk = handle.read(ZIP_READ_CHUNK)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > min(limit, info.file_size):
                        raise HostileInput(
                            f"member {found!r} of this {self.kind} decompresses to more "
                            "than it declares (zip bomb); refused"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise CorruptFile(
                f"member {found!r} of this {self.kind} is damaged: {_short(exc)}"
            ) from None
        except NotImplementedError:
            raise UnsupportedFormat(
                f"member {found!r} of this {self.kind} uses an unsupported compression method"
            ) from None
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:120]
