"""Write found warnings into an EPUB's metadata as `dc:subject` entries, which Calibre
and most e-readers show as tags.

Only the OPF package document changes, and only by inserting lines before
`</metadata>` (after removing subjects an earlier run wrote), so the rest of the book is
copied entry by entry unchanged: same names, same order, same content, `mimetype` first
and stored, as the EPUB container spec requires.
"""

from __future__ import annotations

import io
import re
import zipfile
from html import escape
from pathlib import Path

from forewarn.errors import CorruptFile
from forewarn.report import Report

SUBJECT_PREFIX = "Content warning: "
_OUR_SUBJECT = re.compile(
    r"[ \t]*<(?:dc:)?subject\b[^>]*>\s*"
    + re.escape(escape(SUBJECT_PREFIX))
    + r".*?</(?:dc:)?subject>[ \t]*\r?\n?",
    re.DOTALL,
)
_CONTAINER_ROOTFILE = re.compile(rb'full-path\s*=\s*"([^"]+)"')
_METADATA_END = re.compile(r"</(?:opf:)?metadata\s*>")
SEVERITY_WORD = {"mention": "mentioned", "depiction": "depicted", "graphic": "graphic"}


def subjects_for(report: Report) -> list[str]:
    """ "Content warning: Self-harm (depicted)" per finding, plus the suggested rating."""
    subjects = [f"{SUBJECT_PREFIX}{f.name} ({SEVERITY_WORD[f.severity]})" for f in report.findings]
    if not report.findings:
        subjects.append(f"{SUBJECT_PREFIX}none found")
    if report.suggestions.rating:
        subjects.append(f"{SUBJECT_PREFIX}suggested rating {report.suggestions.rating}")
    return subjects


def opf_path(book: zipfile.ZipFile) -> str:
    try:
        container = book.read("META-INF/container.xml")
    except KeyError as exc:
        raise CorruptFile("not an EPUB: META-INF/container.xml is missing") from exc
    match = _CONTAINER_ROOTFILE.search(container)
    if not match:
        raise CorruptFile("EPUB container.xml names no package document")
    return match.group(1).decode("utf-8")


def tag_opf(opf: str, subjects: list[str]) -> str:
    """The OPF with our previous subjects removed and `subjects` added; nothing else moves."""
    cleaned = _OUR_SUBJECT.sub("", opf)
    end = _METADATA_END.search(cleaned)
    if not end:
        raise CorruptFile("EPUB package document has no <metadata> section")
    prefix = "dc:" if "dc:" in cleaned[: end.start()] or "xmlns:dc" in cleaned else ""
    lines = "".join(f"    <{prefix}subject>{escape(s)}</{prefix}subject>\n" for s in subjects)
    return cleaned[: end.start()] + lines + "  " + cleaned[end.start() :].lstrip(" ")


def tag_epub(data: bytes, report: Report) -> bytes:
    """A new EPUB with the report's warnings in its metadata."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptFile("not an EPUB (not a zip archive)") from exc
    with book:
        target = opf_path(book)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as new:
            for info in book.infolist():
                content = book.read(info)
                if info.filename == target:
                    content = tag_opf(content.decode("utf-8"), subjects_for(report)).encode("utf-8")
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                clone.compress_type = (
                    zipfile.ZIP_STORED if info.filename == "mimetype" else info.compress_type
                )
                clone.external_attr = info.external_attr
                clone.create_system = info.create_system
                new.writestr(clone, content)
    return out.getvalue()


def read_subjects(data: bytes) -> list[str]:
    """The dc:subject values of an EPUB (used to check what we wrote)."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        root = ElementTree.fromstring(book.read(opf_path(book)))
    return [
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "subject"
    ]


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.forewarn{path.suffix}")
