"""Is this paragraph a quoted song or poem? Decided from its *shape*, never its words.

Songfics quote lyrics at the top of a chapter (an epigraph) or in the middle of a scene.
Lyrics must not be scored as story — a line like "we'll burn it all down" is a song, not
a threat — so segmentation asks this module, paragraph by paragraph:

- `is_verse(text)`: several short lines kept apart by single line breaks, little
  sentence punctuation at line ends, often a repeated line (refrain), often wrapped in
  italics or quotes, sometimes closed by an attribution line ("— Artist, Song").
- `is_attribution(line)` / `parse_attribution(line)`: the "— Artist, Title" line.
- `is_lyric_line(text)`: one short wrapped line, for songs a reader split one line per
  paragraph (segmentation only trusts these in runs, see `segment`).

Only shape is used so that the same rules work for songs, poems and chants in any
fandom; the cost is that a text-message exchange or a shopping list kept with line
breaks may look like verse, which is why lists and "Name: message" lines are excluded.
"""

from __future__ import annotations

import re
from statistics import median

# Characters authors wrap quoted lyrics in (markdown italics, quotes, tildes).
_WRAP_OPEN = "*_~\"'“‘«"
_WRAP_CLOSE = "*_~\"'”’»"
_TERMINAL = re.compile(r"[.?!…]$")
_BULLET = re.compile(r"^(?:[-*•+>·]\s+|\d{1,3}[.)]\s+|[a-z][.)]\s+)", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^[A-Z][\w' /&-]{0,30}:\s*\S")
_SPEECH = re.compile(
    r"\b(?:said|says|asked|asks|whispered|whispers|shouted|shouts|replied|replies|"
    r"muttered|mutters|yelled|yells|snapped|snaps|murmured|murmurs|called|laughed)\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"^\s*(?:[-–—―~]{1,3}|‒)\s*(?P<who>\S.{0,118})$")
_QUOTED = re.compile(r"[\"“«*_](?P<q>[^\"”»*_]{1,100})[\"”»*_]")
_SINGLE_QUOTED = re.compile(r"^['‘](?P<q>[^'’\n]{1,100})['’](?=\s|,|$)")


def lines_of(text: str) -> list[str]:
    """Non-empty stripped lines of a paragraph."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def unwrap(line: str) -> str:
    """The line without surrounding italics/quote markers or trailing spaces."""
    s = line.strip()
    while s and s[0] in _WRAP_OPEN:
        s = s[1:].lstrip()
    while s and s[-1] in _WRAP_CLOSE:
        s = s[:-1].rstrip()
    return s


def is_wrapped(text: str) -> bool:
    """Whole paragraph (or line) set in italics or quotes: `*...*`, `_..._`, `"..."`."""
    s = text.strip()
    return len(s) >= 2 and s[0] in _WRAP_OPEN and s[-1] in _WRAP_CLOSE


def _ends_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(unwrap(line)))


def is_attribution(line: str) -> bool:
    """A "— Artist, Title" line: a dash, then a short name-like phrase.

    Dialogue set with dashes ("— Where are you going?") is rejected by its question or
    exclamation mark and by length; callers only trust attributions next to verse or a
    quotation anyway."""
    if "\n" in line.strip():
        return False
    m = _ATTRIBUTION.match(line)
    if not m:
        return False
    who = m.group("who").strip()
    if who[-1] in "?!" or len(who.split()) > 12 or _SPEECH.search(who):
        return False
    first = unwrap(who)[:1]
    return bool(first) and (first.isupper() or first.isdigit() or who[0] in _WRAP_OPEN)


def parse_attribution(line: str) -> tuple[str | None, str | None]:
    """("— Marren Hale, "Keep the Light"") -> (artist, title). Either may be None.

    Conventions, in order: a quoted or italic part is the title; "Title by Artist";
    "Artist, Title"; "Artist - Title"; "Artist (Title)"; otherwise the whole is the
    artist (a poet or author quoted without a work)."""
    m = _ATTRIBUTION.match(line)
    who = (m.group("who") if m else line).strip().rstrip(".")
    return split_credit(who, dash_order="artist-title")


def split_credit(tail: str, dash_order: str = "artist-title") -> tuple[str | None, str | None]:
    """Split a credit phrase into (artist, title); see `parse_attribution`."""
    s = tail.strip().strip(" .,;:")
    if not s:
        return None, None
    q = _QUOTED.search(s) or _SINGLE_QUOTED.match(s)
    if q:
        title = q.group("q").strip()
        rest = (s[: q.start()] + " " + s[q.end() :]).strip(" ,-–—()")
        rest = re.sub(r"^(?:by|from)\s+|\s+(?:by|from)$|['’]s$", "", rest)
        return (clean_credit_part(rest) or None), (title or None)
    by = _split_last(s, " by ")
    if by:
        return clean_credit_part(by[1]), clean_credit_part(by[0])
    poss = re.match(r"^(?P<a>[^'’]{1,60}?)['’]s\s+(?:song\s+)?(?P<t>.+)$", s)
    if poss:
        return clean_credit_part(poss.group("a")), clean_credit_part(poss.group("t"))
    dash = re.split(r"\s+[-–—]\s+", s, maxsplit=1)
    if len(dash) == 2:
        a, t = dash if dash_order == "artist-title" else (dash[1], dash[0])
        return clean_credit_part(a), clean_credit_part(t)
    paren = re.match(r"^(?P<a>[^()]+?)\s*\((?P<t>[^()]+)\)$", s)
    if paren:
        return clean_credit_part(paren.group("a")), clean_credit_part(paren.group("t"))
    comma = s.split(", ", 1)
    if len(comma) == 2:
        t = re.sub(r"^(?:from|in)\s+", "", comma[1])
        return clean_credit_part(comma[0]), clean_credit_part(t)
    return clean_credit_part(s), None


def _split_last(s: str, sep: str) -> tuple[str, str] | None:
    i = s.lower().rfind(sep)
    if i <= 0 or i + len(sep) >= len(s):
        return None
    return s[:i], s[i + len(sep) :]


def clean_credit_part(s: str) -> str | None:
    """A title or artist without "the song", quotes, italics or stray punctuation."""
    s = re.sub(r"^(?:the\s+song\s+|song\s+)", "", s.strip(), flags=re.IGNORECASE)
    s = s.strip(" \t.,;:!?()[]{}-–—*_~\"'“”‘’")
    return s or None


def is_list_like(lines: list[str]) -> bool:
    """Bulleted / numbered / "Key: value" lines: a list of warnings or tags, not verse."""
    if not lines:
        return False
    listy = sum(1 for ln in lines if _BULLET.match(ln) or _KEY_VALUE.match(ln))
    return listy * 2 >= len(lines)


def _is_chat_or_dialogue(lines: list[str]) -> bool:
    talky = sum(
        1
        for ln in lines
        if (ln[:1] in '"“' and _SPEECH.search(ln)) or re.match(r"^[\w .'-]{1,25}:\s", ln)
    )
    return talky * 2 >= len(lines)


_SALUTATION = re.compile(r"^(?:dear|my\s+dear|dearest|to|hi|hello|hey)\b[^\n]{0,40},$", re.I)
_CLOSING = re.compile(
    r"^(?:love|all\s+my\s+love|yours|sincerely|regards|best|cheers|xx+|with\s+love)\b[^\n]{0,40}$",
    re.I,
)


def _is_letter(lines: list[str]) -> bool:
    """A note or letter kept with its line breaks ("Dear John, ... Love, Mary")."""
    return bool(_SALUTATION.match(unwrap(lines[0]))) or (
        len(lines) > 1 and bool(_CLOSING.match(unwrap(lines[-2] if lines[-1] == "" else lines[-1])))
    )


def _norm_line(line: str) -> str:
    return re.sub(r"[^\w\s]", "", unwrap(line).lower()).strip()


def has_refrain(lines: list[str]) -> bool:
    """A line (ignoring punctuation and case) that comes back: the chorus."""
    seen: set[str] = set()
    for ln in lines:
        key = _norm_line(ln)
        if key and key in seen:
            return True
        seen.add(key)
    return False


def is_verse(text: str) -> bool:
    """A paragraph shaped like quoted lyrics or a poem (see module docstring)."""
    lines = lines_of(text)
    if len(lines) < 2:
        return False
    content = lines[:-1] if is_attribution(lines[-1]) else lines
    attributed = len(content) < len(lines)
    if not content or is_list_like(content) or _is_chat_or_dialogue(content) or _is_letter(content):
        return False
    words = [len(ln.split()) for ln in content]
    if max(words) > 16 or median(words) > 10 or max(len(ln) for ln in content) > 90:
        return False
    punct = sum(1 for ln in content if _ends_sentence(ln)) / len(content)
    wrapped = is_wrapped("\n".join(content)) or all(is_wrapped(ln) for ln in content)
    refrain = has_refrain(content)
    if len(content) >= 3:
        # Verse lines end in commas or nothing; lines that all end in full stops are
        # dialogue or clipped prose unless an attribution says it is a quotation.
        return punct <= 0.6 or attributed
    # Two short lines: only with a clear sign it is quoted verse.
    if len(content) == 2:
        return punct <= 0.5 and (refrain or wrapped or attributed)
    # One line plus an attribution is a quotation epigraph, judged by the caller.
    return False


def is_lyric_line(text: str) -> bool:
    """One short line set in italics/quotes with no speech tag: maybe one lyric line."""
    if "\n" in text.strip() or not is_wrapped(text):
        return False
    inner = unwrap(text)
    return 0 < len(inner.split()) <= 12 and not _SPEECH.search(text)


def lyric_run_is_song(paragraphs: list[str]) -> bool:
    """Several one-line paragraphs that together read as a song rather than dialogue:
    at least three lines, mostly without sentence punctuation at the end. (A refrain is
    not enough here: '"No."' three times in a row is an argument, not a chorus.)"""
    if len(paragraphs) < 3:
        return False
    punct = sum(1 for p in paragraphs if _ends_sentence(p)) / len(paragraphs)
    return punct <= 0.5


def is_short_quotation(text: str) -> bool:
    """A short quotation (prose epigraph) such as '"Not all who wander are lost."'."""
    lines = lines_of(text)
    body = lines[:-1] if len(lines) > 1 and is_attribution(lines[-1]) else lines
    joined = " ".join(body)
    return bool(body) and is_wrapped(joined) and len(joined.split()) <= 60


def line_structured(lines: list[str]) -> bool:
    """Keep single line breaks? Yes for verse and lists; no for hard-wrapped prose,
    which is re-flowed into one line (its lines run long and end mid-sentence)."""
    if len(lines) < 2:
        return False
    if is_list_like(lines) or is_verse("\n".join(lines)):
        return True
    return median(len(ln) for ln in lines) < 50
