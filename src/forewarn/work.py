"""The document model every stage shares: one `Work`, read once, never mutated.

Readers produce a `RawDocument` (what the file says, structured as far as the format
allows); `segment.build_work` turns it into a `Work` whose single normalised `text`
is the coordinate system for every block and passage offset downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["note", "epigraph", "lyrics", "body", "end-note"]
BLOCK_KINDS: tuple[str, ...] = ("note", "epigraph", "lyrics", "body", "end-note")


@dataclass
class Metadata:
    """What the author or archive declared about the work (AO3 preface fields)."""

    rating: str | None = None
    archive_warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    additional_tags: list[str] = field(default_factory=list)
    summary: str | None = None
    language: str | None = None
    source_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class RawChapter:
    """A chapter as a reader found it: paragraphs in order, notes kept apart when the
    format marks them (AO3 does); unmarked notes stay in `paragraphs` and are found by
    segmentation from their shape and wording."""

    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    end_notes: list[str] = field(default_factory=list)
    summary: str | None = None


@dataclass
class RawDocument:
    """Reader output. `format` names the reader that produced it (e.g. "ao3-html")."""

    format: str
    title: str | None = None
    author: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    preface_notes: list[str] = field(default_factory=list)
    chapters: list[RawChapter] = field(default_factory=list)
    end_notes: list[str] = field(default_factory=list)
    work_id: str | None = None


@dataclass(frozen=True)
class Block:
    """A run of paragraphs of one kind inside one chapter (chapter 0 = work-level front
    or end matter). `start`/`end` are offsets into `Work.text`."""

    index: int
    kind: BlockKind
    chapter: int
    start: int
    end: int
    first_paragraph: int
    paragraph_count: int


@dataclass(frozen=True)
class Passage:
    """The unit detectors score: a window of whole paragraphs of one block.

    `id` is stable for the same text ("c{chapter}-p{paragraph}"); `paragraph` is the
    1-based paragraph number of its first paragraph within the chapter, so a report can
    say "chapter 2, paragraph 14"."""

    id: str
    chapter: int
    paragraph: int
    block: int
    kind: BlockKind
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chapter:
    index: int
    title: str | None
    start: int
    end: int


@dataclass
class Work:
    format: str
    text: str
    title: str | None = None
    author: str | None = None
    metadata: Metadata = field(default_factory=Metadata)
    chapters: list[Chapter] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    work_id: str | None = None

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]

    def notes_text(self) -> list[str]:
        """Author's notes, front and end, where declared warnings and credits live."""
        return [self.block_text(b) for b in self.blocks if b.kind in ("note", "end-note")]

    @property
    def story_passages(self) -> list[Passage]:
        """Passages that are story (body); notes and lyrics are never scored as story."""
        return [p for p in self.passages if p.kind == "body"]

    @property
    def word_count(self) -> int:
        return sum(len(p.text.split()) for p in self.story_passages)
