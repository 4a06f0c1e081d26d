"""PAN 2023 JSONL: one work per line with inline HTML; single-work files read directly,
many-work files streamed with iter_pan_jsonl."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures import builders as b

from forewarn.errors import CorruptFile, NoText, UnsupportedFormat
from forewarn.ingest import iter_pan_jsonl, read_raw, sniff

PAN_SAMPLE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "pan23-sample" / "works.jsonl"
)


def test_single_work_jsonl() -> None:
    spec = b.sample_spec()
    data = b.pan_jsonl(spec)
    assert sniff(data) == "pan-jsonl"
    doc = read_raw(data)
    assert doc.format == "pan-jsonl"
    assert doc.work_id == spec.work_id
    assert doc.chapters[0].paragraphs == spec.all_story_paragraphs()


def test_several_works_need_batch() -> None:
    data = b.pan_jsonl([b.sample_spec(), replace(b.short_spec(), work_id="2")])
    with pytest.raises(UnsupportedFormat, match="2 works"):
        read_raw(data)


def test_iter_pan_jsonl_streams_every_work(tmp_path: Path) -> None:
    specs = [replace(b.short_spec(), work_id=str(n)) for n in range(5)]
    path = tmp_path / "works.jsonl"
    path.write_bytes(b.pan_jsonl(specs))
    docs = list(iter_pan_jsonl(path))
    assert [d.work_id for d in docs] == [s.work_id for s in specs]
    assert all(d.chapters[0].paragraphs == specs[0].all_story_paragraphs() for d in docs)


def test_iter_pan_jsonl_bad_line_raises_or_skips(tmp_path: Path) -> None:
    good = b.pan_jsonl(replace(b.short_spec(), work_id="7"))
    path = tmp_path / "works.jsonl"
    path.write_bytes(good + b"{not json\n" + b'{"work_id": "9", "text": "<p></p>"}\n' + good)
    with pytest.raises(CorruptFile, match="line 2"):
        list(iter_pan_jsonl(path))
    assert [d.work_id for d in iter_pan_jsonl(path, on_error="skip")] == ["7", "7"]


def test_pan_record_without_text_is_no_text() -> None:
    with pytest.raises(NoText):
        read_raw(
            json.dumps({"work_id": "1", "text": "<div class='userstuff'><p> </p></div>"}).encode()
        )


def test_jsonl_line_without_text_field() -> None:
    data = b'{"work_id": "1", "text": "<p>Hi there.</p>"}\n{"work_id": "2"}\n'
    with pytest.raises(UnsupportedFormat, match="line 2"):
        read_raw(data)


@pytest.mark.skipif(not PAN_SAMPLE.exists(), reason="shared PAN sample not present")
def test_real_pan_sample_reads_every_work() -> None:
    docs = list(iter_pan_jsonl(PAN_SAMPLE))
    with PAN_SAMPLE.open(encoding="utf-8") as handle:
        ids = [json.loads(line)["work_id"] for line in handle if line.strip()]
    assert [d.work_id for d in docs] == ids
    for doc in docs:
        words = sum(len(p.split()) for c in doc.chapters for p in c.paragraphs)
        assert words > 100
        assert not any("<p>" in p or "</" in p for c in doc.chapters for p in c.paragraphs)


def test_pretty_printed_single_object() -> None:
    spec = b.short_spec()
    data = json.dumps(b.pan_record(spec), indent=2).encode()
    doc = read_raw(data)
    assert doc.format == "pan-jsonl"
    assert doc.work_id == spec.work_id
