"""PAN 2023 trigger-detection input: JSONL, one work per line,
{"work_id": "...", "text": "<div class=\\"userstuff\\"><p>...</p></div>"}.

`read_pan_jsonl` reads a file holding exactly one work (what `read_raw` gets); batch jobs
stream many with `iter_pan_jsonl(path)`, which never holds more than one line in memory.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from forewarn.errors import CorruptFile, ForewarnError, TooLarge, UnsupportedFormat
from forewarn.ingest.checks import check_readable_file, guarded, require_text
from forewarn.ingest.htmlwalk import parse_html, walk
from forewarn.ingest.structure import build_chapters
from forewarn.ingest.textdecode import clean_text
from forewarn.limits import MAX_JSONL_LINE_BYTES
from forewarn.work import RawDocument


def is_pan_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("text"), str)


def pan_record(record: dict[str, Any]) -> RawDocument:
    """One PAN record -> RawDocument (format "pan-jsonl", work_id set)."""
    text = clean_text(record["text"])
    soup = parse_html(text if "<" in text else f"<p>{text}</p>")
    root = soup.body or soup
    raw = RawDocument(format="pan-jsonl", chapters=build_chapters(walk(root)))
    work_id = record.get("work_id")
    raw.work_id = str(work_id) if work_id is not None else None
    for key in ("title", "author"):
        if isinstance(record.get(key), str):
            setattr(raw, key, record[key])
    return require_text(raw)


def parse_lines(text: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise CorruptFile(f"line {number} of this JSONL file is not valid JSON") from None
        if not is_pan_record(value):
            raise UnsupportedFormat(
                f'line {number} of this JSONL file is not a PAN work (needs a "text" field)'
            )
        records.append(value)
    return records


def read_pan_jsonl(text: str) -> RawDocument:
    """A JSONL file with exactly one PAN work (or one pretty-printed JSON object)."""
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        whole = None
    records = [whole] if is_pan_record(whole) else parse_lines(text)
    if not records:
        raise UnsupportedFormat('this JSON is not a PAN work (needs a "text" field)')
    if len(records) > 1:
        raise UnsupportedFormat(
            f"this JSONL file holds {len(records)} works; scan it with `forewarn batch` "
            "(or ingest.iter_pan_jsonl) instead of as a single work"
        )
    return pan_record(records[0])


def iter_pan_jsonl(
    path: str | Path, on_error: Literal["raise", "skip"] = "raise"
) -> Iterator[RawDocument]:
    """Stream a PAN works.jsonl, one RawDocument per line (work_id set).

    A bad line raises its forewarn error (with the line number) unless `on_error="skip"`.
    Lines longer than MAX_JSONL_LINE_BYTES are refused without being read whole."""
    file_path = check_readable_file(path)
    with file_path.open("rb") as handle:
        number = 0
        while True:
            line = handle.readline(MAX_JSONL_LINE_BYTES + 1)
            if not line:
                break
            number += 1
            try:
                if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
                    # Skip the rest of the oversized line in bounded chunks.
                    while line and not line.endswith(b"\n"):
                        line = handle.readline(MAX_JSONL_LINE_BYTES)
                    raise TooLarge(f"line {number} of {file_path.name} is too large")
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                    raise CorruptFile(
                        f"line {number} of {file_path.name} is not valid JSON"
                    ) from None
                if not is_pan_record(value):
                    raise UnsupportedFormat(
                        f'line {number} of {file_path.name} is not a PAN work (needs "text")'
                    )
                yield guarded(f"line {number}", functools.partial(pan_record, value))
            except ForewarnError:
                if on_error == "raise":
                    raise
