"""Fuzz every reader with damaged versions of the files it reads.

Seeds are the fixture builders' own files (text, Markdown, HTML, both AO3 HTML layouts,
four kinds of EPUB, DOCX, PAN JSONL); hypothesis applies structured mutations from
fixtures/mutate.py (bit flips, truncation, splices between seeds, inserted markup and
XML/JSON/ZIP tokens, and for ZIP containers changes *inside* members: damaged content,
hostile or duplicate names, added and dropped members).

The property: whatever the bytes, `read_bytes` returns a Work whose offsets hold
together and which scans to a report, or raises a forewarn error with a one-line
message that names the problem - never another exception, never the API's
last-resort "could not read this file (SomeLibraryError ...)" net, and never slower
than EXAMPLE_SECONDS. CI budget: EXAMPLES per reader (a few seconds in all);
bench/fuzz_readers.py runs the same mutations for as long as you like.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fixtures import builders as b
from fixtures import mutate as m
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.errors import ForewarnError
from forewarn.ingest import DOCUMENT_FORMATS, read_bytes
from forewarn.pipeline import scan_work
from forewarn.report import Report
from forewarn.work import Work

#: Hypothesis examples per reader in CI.
EXAMPLES = 60
#: Hard wall-clock bound for one example (a hang fails the test instead of blocking CI).
EXAMPLE_SECONDS = 10.0
#: Hypothesis deadline: a typical example takes a few milliseconds; this catches
#: quadratic behaviour without tripping on a busy 2-core runner.
DEADLINE = timedelta(seconds=4)

#: Reader -> (name hint, seed files). The seeds must read as that reader's format.
_SPEC = b.sample_spec()
READERS: dict[str, tuple[str, list[bytes]]] = {
    "text": (
        "work.txt",
        [
            b.plain_text(_SPEC),
            b.plain_text(_SPEC, encoding="utf-16", bom=True),
            b.plain_text(b.ascii_quotes(_SPEC), encoding="latin-1", newline="\r\n"),
        ],
    ),
    "markdown": ("work.md", [b.markdown(_SPEC)]),
    "html": ("work.html", [b.html_page(_SPEC)]),
    "ao3-html": ("work.html", [b.ao3_work_page_html(_SPEC), b.ao3_download_html(_SPEC)]),
    "epub": (
        "work.epub",
        [
            b.ao3_epub(_SPEC),
            b.ao3_epub(_SPEC, layout="per-file"),
            b.fanficfare_epub(_SPEC),
            b.generic_epub(_SPEC),
        ],
    ),
    "docx": ("work.docx", [b.docx(_SPEC)]),
    "pan-jsonl": ("works.jsonl", [b.pan_jsonl(_SPEC)]),
}
#: Every seed of every reader, for splicing one format into another.
DONORS = [seed for _, seeds in READERS.values() for seed in seeds]
_ZIPPED = {"epub", "docx"}


# ---------------------------------------------------------------- strategies

_where = st.floats(0, 1)
_chunk = st.one_of(st.sampled_from(m.TOKENS), st.binary(min_size=1, max_size=64))
byte_ops = st.one_of(
    st.tuples(st.just("flip"), _where, st.integers(0, 7)),
    st.tuples(st.just("set"), _where, st.integers(0, 255)),
    st.tuples(st.just("truncate"), _where),
    st.tuples(st.just("delete"), _where, st.sampled_from([1, 2, 4, 16, 64, 512, 4096])),
    st.tuples(st.just("insert"), _where, _chunk),
    st.tuples(
        st.just("repeat"), _where, st.sampled_from([1, 8, 64]), st.sampled_from([2, 10, 100])
    ),
    st.tuples(
        st.just("splice"),
        _where,
        st.integers(0, len(DONORS) - 1),
        _where,
        st.sampled_from([8, 64, 512, 4096]),
    ),
)
zip_ops = st.one_of(
    st.tuples(st.just("member"), st.integers(0, 63), byte_ops),
    st.tuples(
        st.just("add-member"),
        st.sampled_from(m.MEMBER_NAMES),
        st.one_of(st.sampled_from(m.MEMBER_CONTENTS), st.binary(max_size=256)),
    ),
    st.tuples(st.just("drop-member"), st.integers(0, 63)),
    st.tuples(st.just("rename-member"), st.integers(0, 63), st.sampled_from(m.MEMBER_NAMES)),
    st.tuples(st.just("recompress"), st.sampled_from(["stored", "deflated"])),
)


def ops_for(reader: str) -> st.SearchStrategy[list[m.Op]]:
    # ZIP readers get mostly member-level damage: byte damage alone mostly breaks CRCs.
    op = st.one_of(zip_ops, zip_ops, byte_ops) if reader in _ZIPPED else byte_ops
    return st.lists(op, min_size=1, max_size=5)


# ---------------------------------------------------------------- the property


class ExampleTimeout(BaseException):
    """BaseException, so no reader's `except Exception` can swallow it."""


@contextlib.contextmanager
def hard_timeout(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise ExampleTimeout(f"one example ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_work(work: Work) -> None:
    """The offsets a Work promises (the full set is in test_properties.py)."""
    assert work.format in DOCUMENT_FORMATS
    text = work.text
    previous_end = -1
    for block in work.blocks:
        assert previous_end < block.start <= block.end <= len(text)
        previous_end = block.end
    for passage in work.passages:
        assert text[passage.start : passage.end] == passage.text
        block = work.blocks[passage.block]
        assert block.start <= passage.start <= passage.end <= block.end
    for chapter in work.chapters:
        assert 0 <= chapter.start <= chapter.end <= len(text)


def outcome(data: bytes, name: str) -> str:
    """Read (and scan) `data`; the name of what happened, or an assertion error."""
    started = time.monotonic()
    with hard_timeout(EXAMPLE_SECONDS):
        try:
            work = read_bytes(data, name=name)
        except ForewarnError as exc:
            message = str(exc)
            assert message and "\n" not in message, repr(message)
            assert not message.startswith("could not read this file ("), message
            return type(exc).__name__
        check_work(work)
        report = scan_work(work)
        assert Report.from_json(report.to_json()) == report
    assert time.monotonic() - started < EXAMPLE_SECONDS
    return work.format


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("reader", sorted(READERS))
def test_seeds_read_as_their_format(reader: str) -> None:
    """Unmutated seeds reach the reader under test (else the fuzz would only ever
    exercise the sniffer's early refusals)."""
    name, seeds = READERS[reader]
    for seed in seeds:
        fmt = outcome(seed, name)
        assert fmt == reader or (reader == "epub" and fmt.endswith("epub")), fmt


@pytest.mark.parametrize("reader", sorted(READERS))
@settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_fuzzed_input_gives_a_work_or_a_forewarn_error(reader: str, data: st.DataObject) -> None:
    name, seeds = READERS[reader]
    seed = data.draw(st.sampled_from(seeds), label="seed")
    ops = data.draw(ops_for(reader), label="ops")
    hint = data.draw(st.sampled_from([name, ""]), label="name")
    outcome(m.apply(seed, ops, DONORS), hint)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95, 1.0])
def test_truncated_pan_record_is_an_error_not_a_story(keep: float) -> None:
    """Found by this fuzz: a PAN work cut short (an interrupted download) used to be
    read as HTML, JSON syntax and all, and scanned as if it were the story."""
    from forewarn.errors import CorruptFile

    data = READERS["pan-jsonl"][1][0]
    # 1.0: all but the closing quote and brace (and newline)
    cut = data[:-3] if keep == 1.0 else data[: int(len(data) * keep)]
    with pytest.raises(CorruptFile, match="not valid JSON"):
        read_bytes(cut, name="works.jsonl")
    with pytest.raises(CorruptFile, match="not valid JSON"):
        read_bytes(cut)  # the content decides, not the name


def _outcome_within(data: bytes, name: str, seconds: float) -> str:
    """The outcome's class name, or an AssertionError once `seconds` have passed."""
    try:
        with hard_timeout(seconds):
            try:
                return read_bytes(data, name=name).format
            except ForewarnError as exc:
                return type(exc).__name__
    except ExampleTimeout:
        raise AssertionError(f"reading {len(data):,} bytes took more than {seconds} s") from None


# Regression (found by bench/fuzz_readers.py): unclosed AO3 preface tags were cubic.
def test_unclosed_ao3_preface_tags_are_read_in_bounded_time() -> None:
    base = b.ao3_download_html(b.short_spec()).decode()
    chunk = '<div class="meta"><dl class="tags"><dt>Rating:</dt><dd><a href="/tags/x">Mature'
    at = base.index('<div class="meta">')
    data = (base[:at] + chunk * 120 + base[at:]).encode()
    assert len(data) < 16_000
    _outcome_within(data, "work.html", seconds=3)


# Regression (found by bench/fuzz_readers.py): depth was checked only after bs4 built the tree.
def test_deeply_unclosed_html_is_refused_in_bounded_time() -> None:
    # The 512-byte slice of fixtures' html_page that the fuzzer repeated, shortened.
    chunk = (
        'ot story text";</script><style>p { margin: 0; }</style></head>\n<body>\n'
        '<nav><a href="/">Home</a> <a href="/fics">All fics</a></nav>\n<article>\n'
        '<h1>Keep the Light</h1>\n<p class="byline">by quietmarrow</p>\n'
        "<p>Warnings: major character death.</p>\n<h2>Chapter 1: The Dark Light</h2>\n"
        "<p>This chapter is mostly quiet.</p>\n<blockquote>\n<p><em>and t"
    )
    head = '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>T</title>\n'
    data = (head + '<script>var tracker = "n' + chunk * 2000 + "</em></p></body></html>").encode()
    assert len(data) < 700_000
    assert _outcome_within(data, "work.html", seconds=3) == "HostileInput"


# ---------------------------------------------------------------- the mutators themselves


@pytest.mark.parametrize("kind", m.BYTE_KINDS)
def test_every_byte_op_changes_the_input(kind: str) -> None:
    seed = READERS["html"][1][0]
    rng = __import__("random").Random(kind)
    changed = 0
    for _ in range(20):
        op = m.random_byte_op(rng)
        while op[0] != kind:
            op = m.random_byte_op(rng)
        changed += m.apply(seed, [op], DONORS) != seed
    assert changed >= 15


def test_zip_ops_change_members_but_keep_a_readable_archive() -> None:
    import io
    import zipfile

    seed = READERS["epub"][1][0]
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        before = {i.filename: z.read(i) for i in z.infolist()}
    damaged = m.apply(seed, [("member", 3, ("insert", 0.5, b"<div>"))])
    with zipfile.ZipFile(io.BytesIO(damaged)) as z:
        after = {i.filename: z.read(i) for i in z.infolist()}
    assert set(after) == set(before)
    assert [n for n in before if before[n] != after[n]] == [list(before)[3]]

    added = m.apply(seed, [("add-member", "../../evil.xhtml", b"<p>x</p>")])
    with zipfile.ZipFile(io.BytesIO(added)) as z:
        assert "../../evil.xhtml" in z.namelist()
    dropped = m.apply(seed, [("drop-member", 0)])
    with zipfile.ZipFile(io.BytesIO(dropped)) as z:
        assert "mimetype" not in z.namelist()


def test_outcome_rejects_the_last_resort_net(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property can fail: a reader that lets a library error through to the net
    is reported, not passed."""
    import forewarn.ingest.text as text_reader

    def broken(_text: str) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(text_reader, "read_text", broken)
    with pytest.raises(AssertionError, match="could not read this file"):
        outcome(b"A plain story.\n\nWith two paragraphs.", "x.txt")


def test_hard_timeout_interrupts_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(ExampleTimeout), hard_timeout(0.2):
        while True:
            time.sleep(0.01)
    assert time.monotonic() - started < 2
