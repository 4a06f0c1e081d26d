"""Which reader? Decided from the bytes; the file name only breaks ties (".md" for text
that could be either, ".epub"/".docx" for a ZIP too damaged to look inside).

An EPUB renamed to .txt is still an EPUB; a PDF renamed to .txt is still refused.
"""

from __future__ import annotations

import json
import re

from forewarn.errors import CorruptFile, EmptyInput, HostileInput, UnsupportedFormat
from forewarn.ingest.ao3 import is_ao3_html
from forewarn.ingest.safezip import SafeZip
from forewarn.limits import SNIFF_BYTES

FORMATS = ("text", "markdown", "html", "ao3-html", "epub", "docx", "pan-jsonl")

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "PDF"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"GIF8", 0, "GIF image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"RIFF", 0, "RIFF media"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Word .doc (save it as .docx)"),
    (b"{\\rtf", 0, "RTF document (save it as .docx or .txt)"),
    (b"BOOKMOBI", 60, "MOBI/AZW e-book (convert it to EPUB)"),
    (b"\x7fELF", 0, "program"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"PAR1", 0, "Parquet file (use `forewarn batch`)"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|p|div|br|span|em|i|b|strong|h[1-6]|blockquote|hr|"
    r"section|article|meta|title)\b[^>]{0,500}>",
    re.IGNORECASE,
)
_MD_STRONG = re.compile(
    r"^#{1,6}[ \t]+\S|\*\*[^*\n]{1,200}\*\*|__[^_\n]{1,200}__|\[[^\]\n]{1,200}\]\([^)\n\s]{1,500}\)",
    re.MULTILINE,
)
_MD_WEAK = re.compile(r"^>[ \t]|^[-+][ \t]+\S|^```|^\d{1,3}\.[ \t]+\S", re.MULTILINE)


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base.rsplit(".", 1)[-1] if "." in base else ""


def sniff_zip(data: bytes, name: str = "") -> str:
    """ "epub" or "docx" for a ZIP, from its member names."""
    try:
        with SafeZip(data, "ZIP archive") as z:
            if (
                z.has("META-INF/container.xml")
                or z.has("mimetype")
                and (z.read("mimetype", limit=1024).strip() == b"application/epub+zip")
            ):
                return "epub"
            if z.has("word/document.xml"):
                return "docx"
            if any(n.lower().endswith(".opf") for n in z.names()):
                return "epub"
            if any(n.startswith(("xl/", "ppt/")) for n in z.names()):
                raise UnsupportedFormat(
                    "this is a spreadsheet or presentation, not a story document"
                )
            if any(n.startswith("word/") for n in z.names()):
                return "docx"
    except (CorruptFile, HostileInput) as exc:
        # Too damaged (or too hostile) to list: guess from tell-tale names in the local
        # headers, then the suffix, so the reader raises the right error for the format.
        head = data[: SNIFF_BYTES * 4]
        if b"application/epub+zip" in head or b"META-INF/container.xml" in head:
            return "epub"
        if b"word/document.xml" in head or b"word/" in head:
            return "docx"
        if _suffix(name) in ("epub", "docx"):
            return _suffix(name)
        raise exc
    raise UnsupportedFormat("this ZIP archive is neither an EPUB nor a DOCX document")


def binary_kind(data: bytes) -> str | None:
    for magic, offset, kind in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    return None


def sniff_text(text: str, name: str = "") -> str:
    """Format of already-decoded text: "pan-jsonl", "ao3-html", "html", "markdown" or "text"."""
    head = text[: SNIFF_BYTES * 4].lstrip()
    if head.startswith("{"):
        first_line = head.split("\n", 1)[0]
        for candidate in (first_line, head if len(text) <= SNIFF_BYTES * 4 else ""):
            if not candidate:
                continue
            try:
                value = json.loads(candidate)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict) and isinstance(value.get("text"), str):
                return "pan-jsonl"
        if re.match(r'\{\s*"(?:work_id|text)"\s*:', head):
            return "pan-jsonl"  # a PAN record that does not parse (truncated): its reader says so
    stripped = re.sub(
        r"^(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,2000}?-->\s*)*", "", head, flags=re.S
    )
    tags = _HTML_TAG.findall(head)
    if (stripped.startswith("<") and tags) or len(tags) >= 10:
        strong = len(_MD_STRONG.findall(head))
        if stripped.startswith("<") or strong * 2 < len(tags):
            return "ao3-html" if is_ao3_html(text) else "html"
    suffix = _suffix(name)
    strong = len(_MD_STRONG.findall(head))
    weak = len(_MD_WEAK.findall(head))
    if strong >= 2 or strong + weak >= 4:
        return "markdown"
    if suffix in ("md", "markdown", "mdown", "mkd"):
        return "markdown"
    if suffix in ("html", "htm", "xhtml") and tags:
        return "ao3-html" if is_ao3_html(text) else "html"
    return "text"


def check_magic(data: bytes) -> None:
    if not data:
        raise EmptyInput("the input is empty")
    kind = binary_kind(data)
    if kind:
        raise UnsupportedFormat(f"this is a {kind}; forewarn reads text, HTML, EPUB and DOCX")


def is_zip(data: bytes) -> bool:
    return data[:4] in _ZIP_MAGIC
