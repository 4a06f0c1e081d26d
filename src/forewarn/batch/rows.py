"""The per-work function every engine maps, and the row it returns.

A row is a flat, JSON-ready dict, the same under every engine and worker count:

    id                str    the work's id (relative path, PAN work_id, or dump id)
    title             str | None
    words             int
    warnings          [{"warning": taxonomy id, "severity": mention|depiction|graphic,
                        "probability": float rounded to 4 places}], in report order
    rating            str | None   suggested AO3 rating
    archive_warnings  [str]        suggested AO3 Archive Warnings
    tags              [str]        suggested additional tags
    declared          [str]        taxonomy ids the author declared (sorted)
    model             str | None   detector name and version
    error             str | None   one-line reason the work could not be scanned
    error_type        str | None   the forewarn error class ("CorruptFile", ...) or "internal"
"""

from __future__ import annotations

import json
from typing import Any

from forewarn.batch.inputs import Item
from forewarn.errors import ForewarnError, ModelError

ROW_KEYS = (
    "id", "title", "words", "warnings", "rating", "archive_warnings", "tags", "declared",
    "model", "error", "error_type",
)  # fmt: skip

#: Failures of the installation, not of one work: they stop the run (every later row
#: would fail the same way) instead of filling the output with error rows.
FATAL = (ImportError, ModelError)


def process_item(item: Item) -> dict[str, Any]:
    """One row per work; a bad work becomes an error row, never an exception."""
    from forewarn.batch.inputs import read_item
    from forewarn.pipeline import scan_work

    try:
        report = scan_work(read_item(item))
    except FATAL:
        raise
    except ForewarnError as exc:
        return error_row(item.id, _one_line(str(exc)), type(exc).__name__)
    except Exception as exc:  # a bad work must never stop an archive run
        return error_row(item.id, _one_line(f"{type(exc).__name__}: {exc}"), "internal")
    s = report.suggestions
    return {
        "id": item.id,
        "title": report.work.title,
        "words": report.work.words,
        "warnings": [
            {"warning": f.warning, "severity": f.severity, "probability": round(f.probability, 4)}
            for f in report.findings
        ],
        "rating": s.rating,
        "archive_warnings": list(s.archive_warnings),
        "tags": list(s.additional_tags),
        "declared": sorted({d.warning for d in report.declared if d.warning}),
        "model": f"{report.model.name} {report.model.version}",
        "error": None,
        "error_type": None,
    }


def error_row(work_id: str, message: str, error_type: str) -> dict[str, Any]:
    return {
        "id": work_id, "title": None, "words": 0, "warnings": [], "rating": None,
        "archive_warnings": [], "tags": [], "declared": [], "model": None,
        "error": message or error_type, "error_type": error_type,
    }  # fmt: skip


def _one_line(message: str) -> str:
    return message.splitlines()[0][:300] if message else ""


def row_json(row: dict[str, Any]) -> str:
    """The canonical text of a row: sorted keys, no spaces, so equal rows are equal bytes."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
