"""Property tests: whatever a reader hands over, the Work's offsets hold together and
the declared-warnings parser never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.declared import extract_credits, parse_declared
from forewarn.segment import HARD_MAX_WORDS, build_work, normalise_paragraphs
from forewarn.work import BLOCK_KINDS, Metadata, RawChapter, RawDocument, Work

# Fragments that exercise every classification path, mixed with arbitrary text.
FRAGMENTS = [
    "A/N: thanks for reading!",
    "Warnings: MCD, implied non-con, very slight language",
    "TW // ED, SH",
    "cw: su!cide",
    "Enjoy!",
    "* * *",
    "Chapter 2",
    "The End",
    "— Marren Hale, Keep the Light",
    "Keep the light on, keep the light on\nsomebody's rowing home\nkeep the light on, keep the light on",
    "*keep the light on*",
    '"Where?"',
    "She ran. He followed. The door slammed behind them both.",
    "Dear John,\nI miss you.\nLove, Mary",
    "Song used is Keep the Light by Marren Hale.",
    "word " * 230,
    " ".join(["A sentence about the sea."] * 60),
]

text_chars = st.characters(codec="utf-8")  # any character but lone surrogates
random_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abc XYZ.,!?\"'*_-—\n\t\r\u00a0\u200b\u2028\u2029:/")), text_chars
    ),
    max_size=300,
)
paragraph = st.one_of(st.sampled_from(FRAGMENTS), random_text)
paragraphs = st.lists(paragraph, max_size=12)


@st.composite
def raw_documents(draw: st.DrawFn) -> RawDocument:
    chapters = draw(
        st.lists(
            st.builds(
                RawChapter,
                title=st.one_of(st.none(), st.text(max_size=20)),
                paragraphs=paragraphs,
                notes=st.lists(paragraph, max_size=2),
                end_notes=st.lists(paragraph, max_size=2),
                summary=st.one_of(st.none(), paragraph),
            ),
            max_size=4,
        )
    )
    return RawDocument(
        "test",
        preface_notes=draw(st.lists(paragraph, max_size=3)),
        chapters=chapters,
        end_notes=draw(st.lists(paragraph, max_size=2)),
    )


def check_invariants(work: Work) -> None:
    text = work.text
    paras = text.split("\n\n") if text else []
    assert all(para and para == para.strip() for para in paras)

    # Blocks: ordered, non-overlapping, covering every paragraph exactly.
    assert sum(b.paragraph_count for b in work.blocks) == len(paras)
    pos = 0
    para_starts = []
    for para in paras:
        para_starts.append(pos)
        pos += len(para) + 2
    k = 0
    previous_end = -1
    for i, b in enumerate(work.blocks):
        assert b.index == i and b.kind in BLOCK_KINDS
        assert b.start > previous_end and b.start <= b.end
        assert b.start == para_starts[k]
        last = k + b.paragraph_count - 1
        assert b.end == para_starts[last] + len(paras[last])
        k = last + 1
        previous_end = b.end

    # Passages: exact slices, inside their block, unique ids, bounded size, and together
    # they hold every word of their block in order.
    ids = [p.id for p in work.passages]
    assert len(set(ids)) == len(ids)
    for p in work.passages:
        assert text[p.start : p.end] == p.text and p.text
        b = work.blocks[p.block]
        assert b.start <= p.start <= p.end <= b.end
        assert (p.kind, p.chapter) == (b.kind, b.chapter)
        assert b.first_paragraph <= p.paragraph < b.first_paragraph + b.paragraph_count
        assert p.id.startswith(f"c{p.chapter}-p{p.paragraph}")
        assert len(p.text.split()) <= HARD_MAX_WORDS
    for b in work.blocks:
        words = [w for p in work.passages if p.block == b.index for w in p.text.split()]
        assert words == work.block_text(b).split()

    # Chapters: in order, inside the text, each holding its own blocks.
    for c in work.chapters:
        assert 0 <= c.start <= c.end <= len(text)
        for b in work.blocks:
            if b.chapter == c.index:
                assert c.start <= b.start <= b.end <= c.end


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_documents())
def test_offsets_hold_for_any_document(raw: RawDocument) -> None:
    check_invariants(build_work(raw))


@settings(max_examples=200, deadline=None)
@given(paragraphs)
def test_normalised_text_is_stable(paras: list[str]) -> None:
    """Paragraphs of a built Work come back unchanged through normalisation, so
    re-building from the Work's own text gives the same text."""
    work = build_work(RawDocument("test", chapters=[RawChapter(paragraphs=paras)]))
    if work.text:
        again = [q for p in work.text.split("\n\n") for q in normalise_paragraphs(p)]
        assert again == work.text.split("\n\n")


@settings(max_examples=300, deadline=None)
@given(
    note=st.one_of(st.sampled_from(FRAGMENTS), random_text),
    tags=st.lists(random_text, max_size=4),
    warnings=st.lists(random_text, max_size=3),
    rating=st.one_of(st.none(), random_text),
)
def test_declared_parser_never_raises(
    note: str, tags: list[str], warnings: list[str], rating: str | None
) -> None:
    raw = RawDocument(
        "test",
        metadata=Metadata(
            rating=rating, additional_tags=tags, archive_warnings=warnings, summary=note
        ),
        chapters=[RawChapter(notes=[note], paragraphs=[note, "She ran."], end_notes=[note])],
    )
    work = build_work(raw)
    for d in parse_declared(work):
        assert d.source in ("note", "ao3-tag", "rating")
        assert d.severity in (None, "mention", "depiction", "graphic")
    for c in extract_credits(work):
        assert c.title or c.artist
