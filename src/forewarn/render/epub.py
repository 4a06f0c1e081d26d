"""Write found warnings into an EPUB's metadata as `dc:subject` entries, which Calibre
and most e-readers show as tags ("Content warning: Self-harm (depicted)").

What "unchanged" means here: only the OPF package document changes, and only by
inserting our subject elements just before `</metadata>` (after removing the ones an
earlier run wrote). Every other member is copied with the same name, order, content,
date, attributes and compression method; `mimetype` is first and stored, as the EPUB
container spec requires. (The compressed bytes of a deflated member may differ: Python
cannot copy a compressed stream verbatim, so it is decompressed and compressed again.)

Re-running is byte-for-byte idempotent: our elements are inserted as
"newline + indentation + element", and removal takes exactly that back out, so tagging
a tagged book gives the same OPF as tagging the original with the same warnings.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from forewarn.errors import CorruptFile, HostileInput, UnsupportedFormat
from forewarn.ingest.epub import SUBJECT_PREFIX
from forewarn.ingest.xmlsafe import local, parse_xml
from forewarn.limits import MAX_ZIP_MEMBER_BYTES, ZIP_READ_CHUNK
from forewarn.report import Report

#: Every subject forewarn writes starts with this, so a re-run can find and replace them.
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"
SEVERITY_WORD = {"mention": "mentioned", "depiction": "depicted", "graphic": "graphic"}

_OUR_SUBJECT = re.compile(
    r"(?:\r?\n[ \t]*)?<(?:[\w.-]+:)?subject\b[^>]*>\s*"
    + re.escape(SUBJECT_PREFIX)
    + r"[^<]*</(?:[\w.-]+:)?subject\s*>"
)
_METADATA_END = re.compile(r"</(?:[\w.-]+:)?metadata\s*>")
_DC_PREFIX = re.compile(r"""xmlns:([\w.-]+)\s*=\s*["']http://purl\.org/dc/elements/1\.1/?["']""")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def subject_text(text: str) -> str:
    """A subject value Calibre keeps as ONE tag: Calibre splits dc:subject on commas, so
    "Stalking, manipulation and control" becomes "Stalking; manipulation and control"."""
    return " ".join(_XML_INVALID.sub("", text).replace(",", ";").split())


def subjects_for(report: Report) -> list[str]:
    """One subject per finding, "Content warning: Self-harm (depicted)", then the suggested
    rating; "Content warning: none found" when the scan found nothing (so a tagged book
    says it was checked)."""
    subjects = [
        subject_text(f"{SUBJECT_PREFIX}{f.name} ({SEVERITY_WORD.get(f.severity, f.severity)})")
        for f in report.findings
    ]
    if not report.findings:
        subjects.append(f"{SUBJECT_PREFIX}none found")
    if report.suggestions.rating:
        subjects.append(subject_text(f"{SUBJECT_PREFIX}rating {report.suggestions.rating}"))
    return list(dict.fromkeys(subjects))


def is_ours(subject: str) -> bool:
    return subject.startswith(SUBJECT_PREFIX)


# --- the package document ------------------------------------------------------------------


def _decode_opf(data: bytes) -> tuple[str, bool]:
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data[3 if bom else 0 :].decode("utf-8"), bom
    except UnicodeDecodeError:
        raise UnsupportedFormat(
            "this EPUB's package document is not UTF-8; forewarn only tags UTF-8 books"
        ) from None


def _dc_subjects(opf: bytes, strict: bool = True) -> list[str]:
    """Subject values in <metadata>: in the Dublin Core namespace (`strict`, to check
    what we wrote), or any element named "subject" (sloppy real-world books)."""
    root = parse_xml(opf, "the EPUB package document")
    metadata = next((e for e in root.iter() if local(e.tag) == "metadata"), None)
    if metadata is None:
        raise CorruptFile("this EPUB's package document has no <metadata> section")
    return [
        "".join(el.itertext()).strip()
        for el in metadata.iter()
        if (el.tag == f"{{{DC_NAMESPACE}}}subject" if strict else local(el.tag) == "subject")
    ]


def tag_opf(opf: bytes, subjects: list[str]) -> bytes:
    """The OPF with forewarn's previous subjects removed and `subjects` added before
    `</metadata>`; every other byte stays where it was. The result is parsed again and
    must hold exactly the subjects it should, or nothing is written."""
    before = _dc_subjects(opf)  # also refuses hostile or malformed XML up front
    text, bom = _decode_opf(opf)
    cleaned = _OUR_SUBJECT.sub("", text)
    end = _METADATA_END.search(cleaned)
    if not end:
        raise CorruptFile("this EPUB's package document has no </metadata>")
    insert_at = len(cleaned[: end.start()].rstrip(" \t\r\n"))
    gap = cleaned[insert_at : end.start()]
    if "\n" in gap:
        line_start = cleaned.rfind("\n", 0, insert_at) + 1
        line = cleaned[line_start:insert_at]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        separator = ("\r\n" if "\r\n" in gap else "\n") + indent
    else:
        separator = ""
    expected = [s for s in before if not is_ours(s)] + subjects
    bound = _DC_PREFIX.search(cleaned)
    forms = [f"<{bound.group(1)}:subject>{{}}</{bound.group(1)}:subject>"] if bound else []
    forms.append(f'<dc:subject xmlns:dc="{DC_NAMESPACE}">{{}}</dc:subject>')
    for form in forms:
        added = "".join(separator + form.format(escape(s)) for s in subjects)
        result = cleaned[:insert_at] + added + cleaned[insert_at:]
        data = (b"\xef\xbb\xbf" if bom else b"") + result.encode("utf-8")
        try:
            if _dc_subjects(data) == expected:
                return data
        except (CorruptFile, HostileInput):
            continue  # the prefix is not bound where we wrote: try the explicit form
    raise CorruptFile("could not add subjects to this EPUB's package document")


# --- the container -------------------------------------------------------------------------


def opf_path(book: zipfile.ZipFile) -> str:
    """The package document's member name, from META-INF/container.xml."""
    try:
        container = book.read("META-INF/container.xml")
    except KeyError:
        raise UnsupportedFormat("not an EPUB: META-INF/container.xml is missing") from None
    root = parse_xml(container, "the EPUB container file")
    for el in root.iter():
        if local(el.tag) == "rootfile" and el.get("full-path"):
            path = el.get("full-path", "")
            names = {n.lower(): n for n in book.namelist()}
            if path.lower() in names:
                return path if path in book.namelist() else names[path.lower()]
            raise CorruptFile(f"EPUB container names {path!r}, which is not in the book")
    raise CorruptFile("EPUB container.xml names no package document")


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise UnsupportedFormat("not an EPUB (not a readable zip archive)") from None


def _read_member(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, read in chunks and never more than it declares (zip bombs)."""
    if info.flag_bits & 0x1:
        raise UnsupportedFormat("this EPUB has encrypted members; forewarn cannot tag it")
    if info.file_size > MAX_ZIP_MEMBER_BYTES:
        raise HostileInput(f"EPUB member {info.filename!r} is too large to copy; refused")
    chunks, got = [], 0
    try:
        with book.open(info) as handle:
            while chunk := handle.read(ZIP_READ_CHUNK):
                got += len(chunk)
                if got > info.file_size:
                    raise HostileInput(
                        f"EPUB member {info.filename!r} is bigger than it declares; refused"
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise CorruptFile(f"EPUB member {info.filename!r} is damaged") from None
    except NotImplementedError:
        raise UnsupportedFormat(
            f"EPUB member {info.filename!r} uses a compression method forewarn cannot copy"
        ) from None
    return b"".join(chunks)


def _without_zip64(extra: bytes) -> bytes:
    """Extra fields minus the ZIP64 one, which zipfile writes itself when needed."""
    out, pos = b"", 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[pos : pos + 4])
        if kind != 0x0001:
            out += extra[pos : pos + 4 + size]
        pos += 4 + size
    return out


def retag_epub(data: bytes, subjects: list[str]) -> bytes:
    """A copy of the EPUB whose only change is forewarn's subjects in the OPF."""
    from forewarn.ingest.safezip import SafeZip

    with _open_zip(data) as book:
        SafeZip(data, "EPUB").close()  # member count, declared sizes, ratios: refuse bombs
        target = opf_path(book)
        infos = book.infolist()
        infos.sort(key=lambda i: i.filename != "mimetype")  # stable: only mimetype moves
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as new:
            new.comment = book.comment
            for info in infos:
                content = _read_member(book, info)
                if info.filename == target:
                    content = tag_opf(content, subjects)
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                if info.filename == "mimetype":
                    clone.compress_type = zipfile.ZIP_STORED  # and no extra field
                else:
                    clone.compress_type = info.compress_type
                    clone.extra = _without_zip64(info.extra)
                    clone.comment = info.comment
                clone.external_attr = info.external_attr
                clone.internal_attr = info.internal_attr
                clone.create_system = info.create_system
                new.writestr(clone, content)
    return out.getvalue()


def tag_epub(data: bytes, report: Report) -> bytes:
    """A new EPUB with the report's warnings in its metadata."""
    return retag_epub(data, subjects_for(report))


def read_subjects(data: bytes) -> list[str]:
    """All dc:subject values of an EPUB, in order (ours start with SUBJECT_PREFIX)."""
    with _open_zip(data) as book:
        return _dc_subjects(_read_member(book, book.getinfo(opf_path(book))), strict=False)


def default_output(path: Path) -> Path:
    """story.epub -> story.forewarn.epub beside it."""
    return path.with_name(f"{path.stem}.forewarn{path.suffix or '.epub'}")
