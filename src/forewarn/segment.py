"""Chapters -> blocks (note / epigraph / lyrics / body / end-note) -> passages.

(Contract) build_work(raw: RawDocument) -> Work

Why this stage matters: detectors only ever see `Work.story_passages`, so anything this
module wrongly calls "body" (an author's note listing "character death, self-harm", a
song about burning) becomes a false warning, and anything it wrongly calls a note is
never checked. It therefore errs on the side of "body" for unmarked text, and only
takes a paragraph out of the story when its wording (notes) or its shape (verse) is
clear.

Layout of `Work.text` (the one coordinate system for every offset downstream):
- chapter 0 front matter (`RawDocument.preface_notes`), then chapters 1..n (chapter
  summary, `RawChapter.notes`, `RawChapter.paragraphs`, `RawChapter.end_notes`), then
  chapter 0 end matter (`RawDocument.end_notes`);
- every paragraph is separated from the next by exactly "\n\n"; inside a paragraph
  runs of spaces/tabs are collapsed, lines stripped, and single line breaks are kept
  only where they carry meaning (verse, lists); hard-wrapped prose is re-flowed;
- chapter titles are not part of the text (they live in `Chapter.title`);
- `Work.chapters` lists the real chapters 1..n only (chapter 0 has blocks and
  passages but no `Chapter` record, so `len(work.chapters)` is the chapter count).

Paragraph numbers are 1-based within a chapter and count every paragraph of the
chapter in text order (notes included); chapter 0 keeps counting from its front matter
into its end matter, so passage ids stay unique.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from forewarn import lyrics
from forewarn.work import Block, BlockKind, Chapter, Passage, RawDocument, Work

# Passage window sizes, in words (see `_windows`).
TARGET_MIN_WORDS = 60
TARGET_MAX_WORDS = 150
HARD_MAX_WORDS = 200
TAIL_MERGE_WORDS = 30

# --------------------------------------------------------------------------------------
# Text normalisation


_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINE = re.compile(r"\n\s*\n")


def normalise_paragraphs(raw: str) -> list[str]:
    """One raw paragraph -> zero or more normalised paragraphs.

    A blank line inside what a reader called a paragraph is a paragraph break (the
    "\n\n" separator must mean exactly one thing in `Work.text`)."""
    s = unicodedata.normalize("NFC", raw)
    s = s.replace("\u2029", "\n\n")
    s = _LINE_BREAKS.sub("\n", s)
    s = _INVISIBLE.sub("", s)
    s = _SPACES.sub(" ", s)
    out = []
    for chunk in _BLANK_LINE.split(s):
        lines = lyrics.lines_of(chunk)
        if not lines:
            continue
        out.append("\n".join(lines) if lyrics.line_structured(lines) else " ".join(lines))
    return out


# --------------------------------------------------------------------------------------
# Wording of author's notes


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Leading decoration an author may put before a note: bold/italic marks, brackets.
_LEAD = r"^[\s*_~(\[{#>|]*"

# A paragraph that *starts* like this is an author's note wherever it stands in the
# leading or trailing part of a chapter.
_NOTE_START = _rx(
    _LEAD + r"(?:"
    r"a\s*/\s*n\b|a\.\s?n\.|an\s*:|author'?s'?\s+notes?\b|authors?\s+notes?\b|notes?\s*:"
    r"|(?:content|trigger)\s+(?:warnings?|notes?)\b|warnings?\s*(?::|-|–|—|/|for\b|are\b|include)"
    r"|(?:tw|cw|t/w|c/w)\b|cn\s*:|(?:standard\s+)?disclaimers?\b"
    r"|i\s+(?:do\s*not|don'?t|dont)\s+own\b|i\s+own\s+nothing|nothing\s+belongs\s+to\s+me"
    r"|rated\s+(?:g|t|m|e|k\+?|pg(?:-13)?|r|ma|nc-17|mature|explicit|teen|general)\b"
    r"|(?:rating|summary|pairings?|relationships?|fandoms?|characters?|word\s*count|words"
    r"|prompt|dedication|archive\s+warnings?|additional\s+tags|category|categories)\s*:"
    r"|beta(?:'?d|ed)?\s+by\b|unbeta'?d|not\s+beta|no\s+beta|dedicated\s+to\b|written\s+for\b"
    r"|spoilers?\s*(?:for\b|through\b|up\s+to\b|:)"
    r"|enjoy\s*[!.]*\s*[)\]*_~]*$|enjoy\s+(?:the|this|reading)\b|hope\s+you\s+(?:all\s+)?enjoy"
    r"|thanks?\s+(?:you\s+)?(?:so\s+much\s+)?(?:all\s+)?for\s+(?:reading|the\s+(?:kudos|comments|support))"
    r"|(?:comments?|kudos|reviews?)\s+(?:and|&)\s+(?:comments?|kudos|reviews?)"
    r"|please\s+(?:heed|read|check|mind)\s+the\s+(?:tags|warnings)|heed\s+the\s+tags"
    r"|(?:hi|hello|hey)\s+(?:everyone|all|guys|lovelies|friends|readers|y'all)\b"
    r"|sorry\s+(?:for|about)\s+the\s+(?:wait|delay|late)"
    r"|thanks?\s+(?:you\s+)?(?:so\s+much\s+)?to\s+(?:my|our|everyone|all\s+(?:of\s+)?you|you\s+all)\b"
    r"|this\s+(?:fic|one-?shot|chapter|work|ficlet|drabble)\s+"
    r"(?:is|was|contains|deals|has|includes|features|takes)\b"
    r"|this\s+story\s+(?:contains|deals|includes|features|has\s+(?:some|mentions|references))\b"
    r"|(?:see|read)\s+(?:the\s+)?(?:end|beginning)\s+(?:of\s+the\s+(?:chapter|work)\s+)?(?:for\s+)?(?:more\s+)?notes"
    r")"
)

# Notes that interrupt a story mid-chapter announce themselves unmistakably.
_MID_NOTE_START = _rx(_LEAD + r"(?:a\s*/\s*n\b|a\.\s?n\.|an\s*:|author'?s'?\s+notes?\b)")

# Wording that talks to readers about the work: (pattern, weight, case-sensitive).
# Weight 2 is about the fic itself; weight 1 words also turn up in stories.
_READER_TALK: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p) if case else _rx(p), w)
    for p, w, case in (
        (r"\b(?:fan)?fics?\b|\bficlet\b|\bone-?shot\b|\bdrabble\b", 2, False),
        (r"\bkudos\b|\bao3\b|\bffn\b|\btumblr\b|\bbeta'?d\b|\bunbeta'?d\b|\bwip\b", 2, False),
        (
            r"\bbeta(?:ed|'d)?\s+readers?\b|\b(?:my|our)\s+(?:lovely\s+|amazing\s+|wonderful\s+)?betas?\b",
            2,
            False,
        ),
        (
            r"\b(?:read|stay)\s+safe(?:ly)?\b|\b(?:take\s+care\s+of|look\s+after)\s+yourselves\b",
            2,
            False,
        ),
        (
            r"\bplease\s+don'?t\s+(?:hate|kill|throw\s+things\s+at|yell\s+at|shout\s+at)\s+me\b",
            2,
            False,
        ),
        (
            r"\bdon'?t\s+hate\s+me\b|\bin\s+the\s+comments\b|\b(?:leave|drop)\s+(?:me\s+)?a\s+comment\b",
            2,
            False,
        ),
        (r"\b(?:shout|yell|scream|cry)\s+at\s+me\b|\bi\s+warned\s+(?:you|y'all)\b", 1, False),
        (r"\bhope\s+you\s+(?:all\s+)?(?:guys\s+)?(?:enjoy|like|liked|enjoyed)\b", 2, False),
        (r"\blet\s+me\s+know\s+what\s+you\s+(?:guys\s+|all\s+)?think\b", 2, False),
        (
            r"\b(?:comments?|reviews?)\s+(?:are|is)\s+(?:always\s+)?(?:appreciated|welcome|loved)",
            2,
            False,
        ),
        (r"\bthanks?\s+(?:you\s+)?(?:so\s+much\s+)?for\s+reading\b", 2, False),
        (r"\b(?:this|next|last|previous|the\s+final|the\s+first|new)\s+chapter\b", 1, False),
        (r"\b(?:dear\s+)?readers?\b|\byou\s+guys\b|\by'all\b|\blovelies\b", 1, False),
        (r"\bupdates?\b|\bposted\b|\bprompt\b|\bcanon\b|\bfandom\b", 1, False),
        (
            r"\b(?:wrote|writing|written)\s+this\b|\bmy\s+(?:first|second|last)\s+(?:work|story)\b",
            1,
            False,
        ),
        (r"\bAU\b|\bOOC\b", 1, True),
    )
)

# Credits open a note only when short and shaped like one ("Song used is X by Y").
_CREDIT_START = _rx(
    _LEAD + r"(?:"
    r"(?:the\s+)?(?:songs?|lyrics|(?:chapter\s+|fic\s+|work\s+)?title)\s+(?:used\s+)?"
    r"(?:is|are|was|were|from|taken\s+from|comes?\s+from)\b.{0,160}\bby\b"
    r"|(?:song|lyrics|soundtrack)\s*:"
    r"|inspired\s+by\s+(?:(?:the|a|this)\s+)?(?:song|prompt|poem|fic|post|comic|art|quote)\b"
    r"|inspired\s+by\b.{0,120}\bby\b"
    r")"
)
CREDIT_MAX_WORDS = 40

_END_NOTE_START = _rx(
    _LEAD + r"(?:"
    r"(?:thanks?|thank\s+you)\b.{0,60}\b(?:reading|kudos|comments|support|sticking)"
    r"|see\s+(?:you|y'all)\s+(?:next|in\s+the\s+next|soon)"
    r"|(?:until|til|till)\s+next\s+(?:time|chapter|week)\b|next\s+(?:chapter|update)\s+(?:will|should|is)\b"
    r"|(?:please\s+)?(?:leave|drop)\s+(?:a\s+)?(?:comment|kudos|review)"
    r"|please\s+(?:comment|review)\b|(?:find|follow)\s+me\s+on\b"
    r"|come\s+(?:and\s+)?(?:say\s+hi|talk\s+to\s+me|yell\s+at\s+me|shout\s+at\s+me|scream\s+at\s+me)"
    r"|i'?m\s+on\s+(?:tumblr|twitter|discord)"
    r")"
)

_SEPARATOR = re.compile(r"^(?:[\W_]+|(?:o+O+)+o*|(?:x+X+)+x*|(?:O+o+)+O*|(?:X+x+)+X*)$")
_HEADING = _rx(
    r"^(?:chapter|ch\.|part|book|act|prologue|epilogue|interlude|section)\b[^.!?\n]{0,60}$"
    r"|^(?:the\s+end|fin|end|tbc|to\s+be\s+continued)[\s.!~*]*$"
)


def _starts_with_quote(text: str) -> bool:
    return text.lstrip("*_ ")[:1] in "\"“'‘«"


def reader_talk_score(text: str) -> tuple[int, int]:
    """(strong, weak) counts of reader-talk cues in a paragraph."""
    hits = [w for rx, w in _READER_TALK if rx.search(text)]
    return hits.count(2), hits.count(1)


def note_strength(text: str) -> int:
    """2 = worded as an author's note beyond doubt; 1 = talks to readers about the work
    (a fic-only word such as "kudos" or "fic", or three everyday ones such as "readers",
    "update", "this chapter"), judged weaker: given back to the story when a work would
    otherwise have none; 0 = not a note."""
    if _NOTE_START.search(text):
        return 2
    if _CREDIT_START.search(text) and len(text.split()) <= CREDIT_MAX_WORDS:
        return 2
    if _starts_with_quote(text):
        return 0  # dialogue, even if a character says "let me know what you think"
    strong, weak = reader_talk_score(text)
    return 1 if strong or weak >= 3 else 0


def is_end_note(text: str) -> bool:
    return note_strength(text) > 0 or bool(_END_NOTE_START.search(text))


_TITLE_LIKE_MAX_WORDS = 8


def is_neutral(text: str) -> bool:
    """Scene separators ("* * *", "~oOo~"), headings ("Chapter 2", "The End") and
    title-like lines (a work title, "by someone", "*Three years later*"): they belong to
    whichever block they sit in, so a title above an author's note does not start the
    story."""
    lines = lyrics.lines_of(text)
    return 0 < len(lines) <= 3 and all(_neutral_line(ln) for ln in lines)


def _neutral_line(s: str) -> bool:
    if _SEPARATOR.match(s) or _HEADING.match(s):
        return True
    return (
        len(s.split()) <= _TITLE_LIKE_MAX_WORDS
        and not re.search(r"[.?!…,;:\"”'’)\]]$", s)
        and s[:1] not in "\"“'‘-–—―~("
    )


# --------------------------------------------------------------------------------------
# Classification of one chapter's paragraphs


@dataclass
class _Para:
    text: str
    origin: str  # "note" (marked by the reader) | "para" (unmarked) | "end" (marked)
    kind: BlockKind = "body"
    weak: bool = False  # labelled note/epigraph/lyrics on weak evidence


def _epigraph_flags(paras: list[_Para]) -> list[bool]:
    """Per paragraph: does it look like (part of) an epigraph? Verse, an attribution
    line, a short quotation ending in its own attribution line, or quoted lines (one
    per paragraph) that run into an attribution paragraph. One backward pass."""
    flags = [False] * len(paras)
    runs_into_attribution = False
    for i in range(len(paras) - 1, -1, -1):
        t = paras[i].text
        attribution = lyrics.is_attribution(t)
        quoted = lyrics.is_lyric_line(t) or lyrics.is_short_quotation(t)
        lines = lyrics.lines_of(t)
        flags[i] = (
            lyrics.is_verse(t)
            or attribution
            or (quoted and runs_into_attribution)
            or (len(lines) > 1 and lyrics.is_attribution(lines[-1]) and quoted)
        )
        runs_into_attribution = attribution or (quoted and runs_into_attribution)
    return flags


def _lyric_runs(paras: list[_Para]) -> set[int]:
    """Indices of unmarked paragraphs that are lyrics by shape: verse paragraphs, runs of
    one-line wrapped lyric lines, and an attribution line right after either."""
    out: set[int] = set()
    i = 0
    while i < len(paras):
        if lyrics.is_verse(paras[i].text):
            out.add(i)
            i += 1
            continue
        j = i
        while j < len(paras) and lyrics.is_lyric_line(paras[j].text):
            j += 1
        if j > i and lyrics.lyric_run_is_song([p.text for p in paras[i:j]]):
            out.update(range(i, j))
        i = max(j, i + 1)
    for i in sorted(out):
        k = i + 1
        if k < len(paras) and k not in out and lyrics.is_attribution(paras[k].text):
            out.add(k)
    return out


def _classify_unmarked(paras: list[_Para]) -> None:
    """Label unmarked paragraphs: leading notes/epigraph, trailing end-notes, lyrics and
    mid-story A/Ns in between, everything else body."""
    n = len(paras)
    if not n:
        return
    runs = _lyric_runs(paras)
    epigraph = _epigraph_flags(paras)

    # Leading zone: notes and epigraph before the first story paragraph.
    lead: dict[int, BlockKind] = {}
    i = 0
    while i < n:
        t = paras[i].text
        strength = note_strength(t)
        if strength == 2:
            lead[i] = "note"
        elif i in runs or epigraph[i]:
            lead[i] = "epigraph"
        elif is_neutral(t):
            pass
        elif strength == 1:
            lead[i] = "note"
            paras[i].weak = True
        else:
            break
        i += 1
    lead_end = max(lead) + 1 if lead else 0
    nxt: BlockKind = "note"
    for k in range(lead_end - 1, -1, -1):  # neutrals take the kind of what follows
        if k in lead:
            nxt = lead[k]
        else:
            lead[k] = nxt
        paras[k].kind = lead[k]

    # Trailing zone: end notes after the last story paragraph.
    trail_start = n
    j = n - 1
    while j >= lead_end:
        t = paras[j].text
        if is_end_note(t):
            trail_start = j
        elif not is_neutral(t):
            break
        j -= 1
    for k in range(trail_start, n):
        paras[k].kind = "end-note"

    # Middle: story, except lyrics and unmistakable mid-story notes.
    for k in range(lead_end, trail_start):
        if k in runs:
            paras[k].kind = "lyrics"
        elif _MID_NOTE_START.search(paras[k].text):
            paras[k].kind = "note"
        else:
            paras[k].kind = "body"


def _classify_marked_note(text: str) -> BlockKind:
    """Reader-marked front notes are notes, unless one is plainly a quoted song."""
    if note_strength(text) == 0 and lyrics.is_verse(text):
        return "epigraph"
    return "note"


def _chapter_paras(
    summary: str | None, notes: list[str], paragraphs: list[str], end_notes: list[str]
) -> list[_Para]:
    out: list[_Para] = []
    for raw in ([summary] if summary else []) + list(notes):
        out += [_Para(t, "note", _classify_marked_note(t)) for t in normalise_paragraphs(raw)]
    unmarked = [_Para(t, "para") for raw in paragraphs for t in normalise_paragraphs(raw)]
    _classify_unmarked(unmarked)
    out += unmarked
    for raw in end_notes:
        out += [_Para(t, "end", "end-note") for t in normalise_paragraphs(raw)]
    return out


def _ensure_story(chapters: list[list[_Para]]) -> None:
    """A work whose unmarked text was all judged epigraph, lyrics or (on weak evidence)
    notes — a poem, a drabble that chats about "this fic" — gets those paragraphs back
    as story, so there is always something to check when the author wrote any."""
    every = [p for ch in chapters for p in ch]
    if any(p.kind == "body" for p in every):
        return
    for p in every:
        if p.origin == "para" and (p.kind in ("epigraph", "lyrics") or p.weak):
            p.kind = "body"


# --------------------------------------------------------------------------------------
# Offsets, blocks and passages


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]*_~]*(?=\s)|\n")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a paragraph, whitespace between excluded."""
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        ls = len(seg) - len(seg.lstrip())
        rs = len(seg.rstrip())
        if rs > ls:
            out.append((s + ls, s + rs))
    return out


def _word_spans(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most `size` words at word boundaries."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    if not words:
        return []
    size = -(-len(words) // -(-len(words) // size))  # equal pieces, none tiny
    return [
        (words[k][0], words[min(k + size, len(words)) - 1][1]) for k in range(0, len(words), size)
    ]


def _split_long(text: str) -> list[tuple[int, int]]:
    """Sentence-aligned parts of a long paragraph, each at most HARD_MAX_WORDS words and
    about equal in size (no tiny tail)."""
    total = len(text.split())
    parts = -(-total // TARGET_MAX_WORDS)
    target = total / parts
    pieces: list[tuple[int, int]] = []
    for s, e in _sentence_spans(text):
        if len(text[s:e].split()) > HARD_MAX_WORDS:
            pieces += _word_spans(text, s, e, TARGET_MAX_WORDS)
        else:
            pieces.append((s, e))
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    cur_words = 0
    for s, e in pieces:
        w = len(text[s:e].split())
        if cur is not None and (cur_words >= target or cur_words + w > HARD_MAX_WORDS):
            out.append(cur)
            cur, cur_words = None, 0
        cur = (cur[0], e) if cur else (s, e)
        cur_words += w
    if cur is not None:
        out.append(cur)
    return out


@dataclass
class _Placed:
    chapter: int
    number: int  # 1-based paragraph number within the chapter
    kind: BlockKind
    start: int
    end: int
    words: int


def _windows(paras: list[_Placed]) -> list[list[_Placed]]:
    """Group the paragraphs of one block into windows of whole paragraphs: grow while
    under TARGET_MIN_WORDS and the window stays within HARD_MAX_WORDS; fold a tiny last
    window into the one before it. Long paragraphs stand alone (split later)."""
    groups: list[list[_Placed]] = []
    cur: list[_Placed] = []
    words = 0
    for p in paras:
        fits = words < TARGET_MIN_WORDS and words + p.words <= HARD_MAX_WORDS
        if cur and (not fits or p.words > HARD_MAX_WORDS):
            groups.append(cur)
            cur, words = [], 0
        cur.append(p)
        words += p.words
        if p.words > HARD_MAX_WORDS:
            groups.append(cur)
            cur, words = [], 0
    if cur:
        groups.append(cur)
    if len(groups) >= 2:
        last, prev = groups[-1], groups[-2]
        lw, pw = sum(p.words for p in last), sum(p.words for p in prev)
        long_para = any(p.words > HARD_MAX_WORDS for p in prev + last)
        if lw < TAIL_MERGE_WORDS and lw + pw <= TARGET_MAX_WORDS and not long_para:
            groups[-2:] = [prev + last]
    return groups


def build_work(raw: RawDocument) -> Work:
    """Normalise, classify and index a reader's `RawDocument` (see module docstring).

    Never raises on odd input: an empty document gives a Work with empty text; whether
    that is an error is for the reader or the caller to decide."""
    sections: list[tuple[int, str | None, list[_Para]]] = []
    front = [
        _Para(t, "note", _classify_marked_note(t))
        for r in raw.preface_notes
        for t in normalise_paragraphs(r)
    ]
    sections.append((0, None, front))
    for idx, ch in enumerate(raw.chapters, start=1):
        paras = _chapter_paras(ch.summary, ch.notes, ch.paragraphs, ch.end_notes)
        sections.append((idx, ch.title, paras))
    back = [_Para(t, "end", "end-note") for r in raw.end_notes for t in normalise_paragraphs(r)]
    sections.append((0, None, back))
    _ensure_story([s[2] for s in sections])

    pieces: list[str] = []
    length = 0
    placed: list[_Placed] = []
    chapters: list[Chapter] = []
    numbers: dict[int, int] = {}
    for chapter, title, paras in sections:
        first = length + (2 if pieces and paras else 0)
        for p in paras:
            if pieces:
                pieces.append("\n\n")
                length += 2
            numbers[chapter] = numbers.get(chapter, 0) + 1
            placed.append(
                _Placed(
                    chapter,
                    numbers[chapter],
                    p.kind,
                    length,
                    length + len(p.text),
                    len(p.text.split()),
                )
            )
            pieces.append(p.text)
            length += len(p.text)
        if chapter > 0:
            chapters.append(Chapter(chapter, title, first if paras else length, length))
    text = "".join(pieces)

    blocks: list[Block] = []
    passages: list[Passage] = []
    run: list[_Placed] = []
    for q in [*placed, None]:
        if run and (q is None or q.chapter != run[0].chapter or q.kind != run[0].kind):
            block = Block(
                index=len(blocks),
                kind=run[0].kind,
                chapter=run[0].chapter,
                start=run[0].start,
                end=run[-1].end,
                first_paragraph=run[0].number,
                paragraph_count=len(run),
            )
            blocks.append(block)
            passages += _passages(text, block, run)
            run = []
        if q is not None:
            run.append(q)

    return Work(
        format=raw.format,
        text=text,
        title=raw.title,
        author=raw.author,
        metadata=raw.metadata,
        chapters=chapters,
        blocks=blocks,
        passages=passages,
        work_id=raw.work_id,
    )


def _passages(text: str, block: Block, paras: list[_Placed]) -> list[Passage]:
    out: list[Passage] = []
    for group in _windows(paras):
        head = group[0]
        base = f"c{head.chapter}-p{head.number}"
        if len(group) == 1 and head.words > HARD_MAX_WORDS:
            para_text = text[head.start : head.end]
            for n, (s, e) in enumerate(_split_long(para_text), start=1):
                start, end = head.start + s, head.start + e
                out.append(
                    Passage(
                        f"{base}-s{n}",
                        head.chapter,
                        head.number,
                        block.index,
                        block.kind,
                        start,
                        end,
                        text[start:end],
                    )
                )
            continue
        start, end = head.start, group[-1].end
        out.append(
            Passage(
                base,
                head.chapter,
                head.number,
                block.index,
                block.kind,
                start,
                end,
                text[start:end],
            )
        )
    return out
