"""Public ingest API: read_path / read_bytes give a segmented Work; limits are
configurable through FOREWARN_MAX_BYTES or an argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import builders as b

from forewarn import limits
from forewarn.errors import TooLarge
from forewarn.ingest import read_bytes, read_path, read_path_raw, read_raw
from forewarn.work import Work


def test_read_path_gives_a_work(tmp_path: Path) -> None:
    spec = b.sample_spec()
    path = tmp_path / "keep-the-light.epub"
    path.write_bytes(b.ao3_epub(spec))
    work = read_path(path)
    assert isinstance(work, Work)
    assert work.format == "ao3-epub"
    assert work.title == spec.title and work.author == spec.author
    assert len(work.chapters) == len(spec.chapters)
    assert work.metadata.archive_warnings == spec.archive_warnings
    # The story text is in the Work; the notes are not story passages.
    assert "blood spattered across the whitewashed wall" in work.text
    assert not any("Warnings: major character death" in p.text for p in work.story_passages)


def test_read_bytes_gives_a_work() -> None:
    spec = b.sample_spec()
    work = read_bytes(b.plain_text(spec), name="story.txt")
    assert isinstance(work, Work)
    assert work.title == spec.title
    assert len(work.chapters) == len(spec.chapters)


def test_read_path_raw_matches_read_raw(tmp_path: Path) -> None:
    data = b.docx(b.sample_spec())
    path = tmp_path / "story.docx"
    path.write_bytes(data)
    assert read_path_raw(path) == read_raw(data, "story.docx")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100", 100),
        ("2K", 2048),
        ("3m", 3 * 1024 * 1024),
        ("1GB", 1024**3),
        ("x", None),
        ("", None),
    ],
)
def test_parse_size(text: str, expected: int | None) -> None:
    assert limits.parse_size(text) == expected


def test_env_limit_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b.plain_text(b.sample_spec())
    path = tmp_path / "story.txt"
    path.write_bytes(data)
    monkeypatch.setenv(limits.MAX_BYTES_ENV, str(len(data) - 1))
    with pytest.raises(TooLarge):
        read_path_raw(path)
    with pytest.raises(TooLarge):
        read_raw(data)
    monkeypatch.setenv(limits.MAX_BYTES_ENV, "not a size")
    assert limits.max_bytes() == limits.DEFAULT_MAX_BYTES
    assert read_raw(data).title is not None


def test_explicit_limit_argument_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.MAX_BYTES_ENV, "10")
    data = b.plain_text(b.short_spec())
    assert read_raw(data, max_bytes=len(data)).chapters
    with pytest.raises(TooLarge):
        read_raw(data, max_bytes=len(data) - 1)
