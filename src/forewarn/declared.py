"""What the author declared: AO3 preface tags and free-text warnings in notes.

(Contract) parse_declared(work: Work) -> list[Declared]; extract_credits(work: Work) -> list[Credit]

The audit compares these with what the detectors found, so the parser must understand
the many ways authors warn ("TW // ED, SH", "Warnings are character death, very slight
language, and mentions of self-harm", "cw: su!cide") and keep *how strongly* they warned:
"mentions of self-harm" promises less than "graphic self-harm".

Decisions (documented for the audit and the report):
- Sources: `metadata.archive_warnings` and `metadata.additional_tags` -> source
  "ao3-tag"; `metadata.rating` and "Rated M ..." in notes -> source "rating"; free text
  in note/end-note blocks and the work summary -> source "note". AO3 preface lines
  copied into notes ("Archive Warning: ...", "Additional Tags: ...", "Rating: ...", as in
  AO3 downloads) are read as the AO3 fields they are.
- AO3 Archive Warnings: "Major Character Death" -> death; "Graphic Depictions Of
  Violence" -> violence, severity "graphic"; "Rape/Non-Con" -> sexual-abuse;
  "Underage" -> warning None (the taxonomy has no "sexual content with minors" warning
  and mapping it to child-abuse would overclaim; the phrase is kept for the audit);
  "Creator Chose Not To Use Archive Warnings" -> warning None, qualifier
  "chose-not-to-warn"; "No Archive Warnings Apply" (and "Warnings: none") -> warning
  None, qualifier "none-apply"; "Please heed the tags" -> warning None, qualifier
  "heed-tags".
- Ratings are never warnings: an Explicit rating can be earned by violence alone. They
  are recorded as Declared(phrase=<as written>, warning=None, source="rating",
  qualifier=<"general" | "teen" | "mature" | "explicit" | "not-rated">), so the audit
  and the rating suggestion can compare.
- Additional tags are not all warnings ("Fluff", "Hurt/Comfort"): a tag is kept only if
  it maps to the taxonomy. In notes, a phrase inside a warning list that maps to
  nothing is kept with warning=None (the author meant it as a warning), unless it reads
  as commentary (long, or with "I"/"you"/"it's").
- Severity from qualifier words: "mentions of", "referenced", "implied", "past",
  "brief", "slight", "very slight", "mild", ... -> "mention"; "graphic", "explicit",
  "detailed", ... -> "graphic"; "on-screen", "non-graphic", "depicted" -> "depiction";
  no qualifier -> None (unspecified). The qualifier text is kept, lower-cased.
- De-duplication is per source: one entry per (source, warning, severity) for known
  warnings and per (source, phrase, qualifier) for unknown ones, first wins. The same
  warning in tags and notes is kept twice, so the audit can say where it was declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from forewarn import lyrics
from forewarn.report import Credit, Declared, Severity
from forewarn.taxonomy import Taxonomy, load, normalise_phrase
from forewarn.work import Work

# --------------------------------------------------------------------------------------
# AO3 fields


def _key(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.lower())


# Archive warning -> (warning, severity, qualifier)
_AO3: dict[str, tuple[str | None, Severity | None, str | None]] = {
    _key("Major Character Death"): ("death", None, None),
    _key("Graphic Depictions Of Violence"): ("violence", "graphic", None),
    _key("Rape/Non-Con"): ("sexual-abuse", None, None),
    _key("Underage"): (None, None, None),
    _key("Underage Sex"): (None, None, None),
    _key("Creator Chose Not To Use Archive Warnings"): (None, None, "chose-not-to-warn"),
    _key("Choose Not To Use Archive Warnings"): (None, None, "chose-not-to-warn"),
    _key("Creator chose not to warn"): (None, None, "chose-not-to-warn"),
    _key("Chose not to warn"): (None, None, "chose-not-to-warn"),
    _key("No Archive Warnings Apply"): (None, None, "none-apply"),
}

_NONE_APPLY = {
    _key(s)
    for s in ("none", "no warnings", "no warnings apply", "none apply", "n/a", "nothing", "nada")
}
_HEED = re.compile(
    r"^(?:please\s+)?(?:heed|read|check|mind|see|look\s+at)\s+(?:the\s+)?(?:tags|warnings)\b",
    re.IGNORECASE,
)

_RATINGS = {
    "general": ("g", "general", "general audiences", "k", "gen"),
    "teen": ("t", "teen", "teen and up", "teen and up audiences", "k+", "pg", "pg-13", "pg13"),
    "mature": ("m", "mature", "r"),
    "explicit": ("e", "explicit", "ma", "nc-17", "nc17", "x"),
    "not-rated": ("not rated", "unrated", "nr"),
}
_RATING_OF = {alias: name for name, aliases in _RATINGS.items() for alias in aliases}


def rating_level(rating: str) -> str | None:
    """ "Teen And Up Audiences" / "T" / "PG-13" -> "teen", etc.; None if unknown."""
    r = re.sub(r"\s+", " ", rating.strip().lower()).strip(" .:")
    return _RATING_OF.get(r)


# --------------------------------------------------------------------------------------
# Qualifiers


_MENTION_WORDS = {
    "mention", "mentions", "mentioned", "reference", "references", "referenced",
    "implied", "implicit", "implied/referenced", "referenced/implied", "past", "brief",
    "briefly", "slight", "slightly", "mild", "mildly", "light", "little", "bit",
    "hinted", "hint", "hints", "allusion", "allusions", "alluded", "background",
    "off-screen", "offscreen", "vague", "vaguely", "passing", "minimal", "discussion",
    "discussions", "discussed", "talk", "aftermath",
}  # fmt: skip
_GRAPHIC_WORDS = {
    "graphic", "graphically", "explicit", "explicitly", "detailed", "heavy", "intense",
    "extreme", "gory", "vivid",
}  # fmt: skip
_DEPICTION_WORDS = {
    "on-screen", "onscreen", "depicted", "depiction", "depictions", "description",
    "descriptions", "described", "non-graphic", "nongraphic", "shown",
}  # fmt: skip
_FILLER_WORDS = {"very", "super", "really", "a", "of", "to", "some", "and", "kinda", "somewhat"}
_QUALIFIER_WORDS = _MENTION_WORDS | _GRAPHIC_WORDS | _DEPICTION_WORDS | _FILLER_WORDS
_SUFFIX_WORDS = _MENTION_WORDS | _DEPICTION_WORDS | {"graphic", "themes", "content", "stuff"}


def severity_of(qualifier: str | None) -> Severity | None:
    """The strongest severity any qualifier word names; None when none does."""
    if not qualifier:
        return None
    words = set(re.findall(r"[a-z/+-]+", qualifier.lower()))
    words |= {w for part in list(words) for w in part.split("/")}
    if words & _GRAPHIC_WORDS:
        return "graphic"
    if {"non-graphic", "nongraphic"} & words or re.search(r"\bnot\s+graphic", qualifier):
        return "depiction"
    if words & _MENTION_WORDS:
        return "mention"
    if words & _DEPICTION_WORDS:
        return "depiction"
    return None


def split_qualifier(phrase: str) -> tuple[str | None, str]:
    """("very slight language") -> ("very slight", "language"). Qualifier words are
    taken from the front ("mentions of", "a bit of") and from the back ("self-harm
    mention", "death (implied)"); filler alone ("some", "a") is not a qualifier."""
    tokens = re.findall(r"\S+", phrase)

    def word(t: str) -> str:
        return t.lower().strip("().,")

    def qualifying(w: str) -> bool:
        return w in _QUALIFIER_WORDS or ("/" in w and set(w.split("/")) <= _QUALIFIER_WORDS)

    n = 0
    while n < len(tokens) - 1 and qualifying(word(tokens[n])):
        n += 1
    front = tokens[:n]
    if not any(word(t) not in _FILLER_WORDS for t in front):
        front, n = [], 0
    tokens = tokens[n:]
    back: list[str] = []
    while len(tokens) > 1 and word(tokens[-1]) in _SUFFIX_WORDS:
        back.insert(0, tokens.pop())
    words = [word(t) for t in front + back]
    return (" ".join(words) or None), " ".join(tokens).strip()


# --------------------------------------------------------------------------------------
# Mapping a phrase to the taxonomy


_LEET = str.maketrans({"!": "i", "1": "i", "|": "i", "3": "e", "0": "o", "@": "a", "4": "a", "$": "s", "5": "s", "7": "t"})  # fmt: skip
_ARTICLES = re.compile(r"^(?:a|an|the|some|lots\s+of|lot\s+of|tons\s+of|bits\s+of)\s+", re.I)


def _variants(phrase: str) -> Iterable[str]:
    p = normalise_phrase(phrase)
    yield p
    p2 = _ARTICLES.sub("", p)
    yield p2
    if len(p2) > 3:  # plural/singular, but never turn "sis" into "si" (suicidal ideation)
        if p2.endswith("ies"):
            yield p2[:-3] + "y"
        if p2.endswith("es"):
            yield p2[:-2]
        if p2.endswith("s"):
            yield p2[:-1]
        yield p2 + "s"
    yield p2.translate(_LEET)
    yield re.sub(r"\s*/\s*", "/", p2)


def lookup(phrase: str, tax: Taxonomy | None = None) -> str | None:
    """The taxonomy id a declared phrase names, trying plural/singular, articles and
    censored spellings ("su!cide", "s*icide", "r*pe")."""
    return _lookup(phrase, tax or load())


@lru_cache(maxsize=4096)
def _lookup(phrase: str, tax: Taxonomy) -> str | None:
    for v in _variants(phrase):
        if v and (found := tax.lookup(v)):
            return found
    p = normalise_phrase(phrase)
    if re.search(r"\w[*#.]\w|\w\*|\*\w", p):
        pattern = re.compile("".join(r"\w" if ch in "*#." else re.escape(ch) for ch in p) + "$")
        for w in tax.warnings:
            for s in (w.id, w.name, *w.synonyms):
                if pattern.match(normalise_phrase(s)):
                    return w.id
    return None


# --------------------------------------------------------------------------------------
# Items of a warning list


_COMMENTARY = re.compile(
    r"\b(?:i|i'm|i've|you|you're|your|we|it's|it|this|that|so|but|because|if|just|"
    r"stay|be|enjoy|please|promise|nothing|anything|lol|though)\b",
    re.IGNORECASE,
)
_UNKNOWN_MAX_WORDS = 5
# A real warning list is short; cap it so a hostile note cannot make parsing slow.
MAX_ITEMS = 60
# Trailing "where" context: "self-harm in this chapter", "blood (ch. 3)", "death later on".
_WHERE = re.compile(
    r"\s+(?:(?:in|throughout|during|for|at|towards?|near|from)\s+(?:this|the|that|ch\b|ch\.|chapter)\b.*"
    r"|later(?:\s+on)?|towards?\s+the\s+end.*|\((?:ch|chapter|part)\b[^)]*\)?)$",
    re.IGNORECASE,
)
_NOT_WARNINGS = re.compile(r"^(?:spoilers?|fluff|angst|happy\s+ending|hea|hurt/comfort)\b", re.I)


def _clean_item(item: str) -> str:
    s = item.strip()
    s = re.sub(r"^(?:[-*•+>·]+\s*|\d{1,2}[.)]\s+)", "", s)
    s = re.sub(r"^(?:and|or|&|plus|also)\s+", "", s, flags=re.IGNORECASE)
    s = re.sub(r"\s*(?:etc\.?|and\s+more|and\s+so\s+on|\.\.\.|…)$", "", s, flags=re.IGNORECASE)
    s = _WHERE.sub("", s)
    return s.strip(" \t.,;:!?\"“”'‘’*_~#[]{}")


def parse_item(item: str, source: str, strict: bool, tax: Taxonomy | None = None) -> list[Declared]:
    """One list item ("mentions of abuse and self harm") -> Declared entries.

    `strict` (AO3 additional tags): keep only phrases that map to the taxonomy."""
    tax = tax or load()
    phrase = _clean_item(item)
    if not phrase or len(phrase) > 120:
        return []
    k = _key(phrase)
    if k in _AO3:
        warning, severity, qualifier = _AO3[k]
        return [Declared(phrase, warning, severity, qualifier, source)]
    if k in _NONE_APPLY and not strict:
        return [Declared(phrase, None, None, "none-apply", source)]
    if _HEED.match(phrase) or k in ("seetags", "readthetags", "checkthetags"):
        return [] if strict else [Declared(phrase, None, None, "heed-tags", source)]
    if _NOT_WARNINGS.match(phrase):
        return []

    qualifier, rest = split_qualifier(phrase)
    warning = lookup(rest, tax) or lookup(phrase, tax)
    if warning:
        return [Declared(phrase, warning, severity_of(qualifier), qualifier, source)]

    # "abuse and self harm", "self-harm/suicide": split and share the qualifier.
    parts = [p for p in re.split(r"\s+(?:and|&|or|\+)\s+|\s*/\s*", rest) if p.strip()]
    if len(parts) > 1:
        out: list[Declared] = []
        for part in parts:
            q2, r2 = split_qualifier(part)
            w2 = lookup(r2, tax)
            q = q2 or qualifier
            said = part.strip() if q2 or not qualifier else f"{qualifier} {part.strip()}"
            if w2:
                out.append(Declared(said, w2, severity_of(q), q, source))
            elif not strict and _plausible_unknown(r2):
                out.append(Declared(said, None, severity_of(q), q, source))
        if any(d.warning for d in out):
            return out
    if strict or not _plausible_unknown(rest):
        return []
    return [Declared(phrase, None, severity_of(qualifier), qualifier, source)]


def _plausible_unknown(phrase: str) -> bool:
    """An unmapped phrase that still reads like a warning rather than commentary."""
    words = phrase.split()
    return (
        0 < len(words) <= _UNKNOWN_MAX_WORDS
        and not _COMMENTARY.search(phrase)
        and bool(re.search(r"[a-zA-Z]", phrase))
    )


# --------------------------------------------------------------------------------------
# Free text in notes


_INTRO = re.compile(
    r"(?:"
    r"\b(?:content|trigger)\s+(?:warnings?|notes?)(?:\s+(?:for|are|is|include|includes))?"
    r"|\b(?:tw|cw|t/w|c/w|tws|cws)\b(?:\s+(?:for|is|are))?"
    r"|\bcn\s*(?=[:/])"
    r"|\b(?:archive\s+)?warnings?\b(?:\s+(?:for|are|is|include|includes|apply|in\s+this\s+chapter))+"
    r"|\b(?:archive\s+)?warnings?[^\S\n]*(?=[:=\-–—/|>])"
    r"|\bbe\s+warned\b[,:]?(?:\s+(?:there(?:'s|’s|\s+is|\s+are)|this\s+(?:chapter|fic|story)\s+(?:has|contains)))?"
    r"|\bheads[\s-]up(?:\s+(?:for|about))?"
    r"|\bthis\s+(?:chapter|fic|story|work|one-?shot|part|ficlet|drabble|update|installment)\s+"
    r"(?:contains|includes|has|features|deals\s+with|depicts|discusses|mentions|involves|touches\s+on)"
    r"|\bthere(?:\s+is|\s+are|'s|’s|\s+will\s+be)\s+(?=(?:some\s+|a\s+bit\s+of\s+|brief\s+|mentions?\s+of|references?\s+to|implied|graphic)\b)"
    r")"
    r"[^\S\n]*(?:[:=\-–—/|>]+[^\S\n]*)?",
    re.IGNORECASE,
)
# Where a warning list ends: a line break or a sentence end ("su!cide" keeps its "!").
_LIST_END = re.compile(
    r"\n|[.!?](?=\s|$)|[)\]}]|\s(?:but|so|because|though|although|if\s+you)\s|,\s+(?:but|so)\s",
    re.IGNORECASE,
)
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\|+|•|·|\s/{1,2}\s|//|\s[-–—]\s|\s+&\s+)\s*")
_RATED = re.compile(
    r"\brated\s+(?P<r>pg-13|nc-17|teen|mature|explicit|general|k\+|pg|ma|g|t|m|e|r|k)\b"
    r"(?:\s+(?:for|because\s+of|due\s+to)\s+)?",
    re.IGNORECASE,
)
_KV = re.compile(
    r"^[\s*_#>-]*(?P<k>archive\s+warnings?|additional\s+tags|tags|rating)\s*:\s*(?P<v>.+)$",
    re.IGNORECASE | re.MULTILINE,
)
_HEED_ANYWHERE = re.compile(
    r"\b(?:please\s+)?(?:heed|read|check|mind|look\s+at)\s+the\s+(?:tags|warnings)\b"
    r"|\bsee\s+(?:the\s+)?tags\b",
    re.IGNORECASE,
)


def _list_after(text: str, pos: int) -> str:
    """The warning list that starts at `pos`: to the end of the sentence or line, or, if
    the intro ends its line ("Warnings:\\n- death\\n- blood"), the short lines below."""
    rest = text[pos:]
    line_end = rest.find("\n")
    if line_end != -1 and not rest[:line_end].strip():
        items = []
        for line in rest[line_end + 1 :].split("\n"):
            if not line.strip() or len(line.split()) > 8:
                break
            items.append(line)
        return ", ".join(items)
    m = _LIST_END.search(rest)
    return rest[: m.start()] if m else rest


def _items(span: str) -> list[str]:
    span = re.sub(
        r",?\s+and\s+(?=(?:mentions?|references?|implied|graphic|past|brief)\b)",
        ", ",
        span,
        flags=re.I,
    )
    items = [i for i in _ITEM_SPLIT.split(span) if i and i.strip()]
    return items[:MAX_ITEMS]


def _parse_note_text(text: str, tax: Taxonomy) -> list[Declared]:
    out: list[Declared] = []
    # AO3 preface lines copied into notes.
    for m in _KV.finditer(text):
        key, value = m.group("k").lower(), m.group("v")
        if key.startswith("rating"):
            out += _rating(value.strip(), tax)
        else:
            strict = not key.startswith("archive")
            for item in re.split(r"\s*,\s*", value):
                out += parse_item(item, "ao3-tag", strict=strict, tax=tax)
    text = _KV.sub(lambda m: " " * len(m.group(0)), text)

    for m in _RATED.finditer(text):
        out += _rating(f"Rated {m.group('r')}", tax)
        if m.group(0).rstrip().lower().endswith(("for", "of", "to")):
            for item in _items(_list_after(text, m.end())):
                out += parse_item(item, "note", strict=False, tax=tax)

    pos = 0
    while intro := _INTRO.search(text, pos):
        span = _list_after(text, intro.end())
        for item in _items(span):
            out += parse_item(item, "note", strict=False, tax=tax)
        pos = max(intro.end() + len(span), intro.start() + 1)

    for m in _HEED_ANYWHERE.finditer(text):
        out.append(Declared(m.group(0), None, None, "heed-tags", "note"))
    return out


def _rating(value: str, tax: Taxonomy) -> list[Declared]:
    r = re.sub(r"^rated\s+", "", value, flags=re.IGNORECASE)
    level = rating_level(r)
    if level is None:
        return []
    return [Declared(value, None, None, level, "rating")]


def _dedupe(items: list[Declared]) -> list[Declared]:
    seen: set[tuple[str | None, ...]] = set()
    out = []
    for d in items:
        key: tuple[str | None, ...] = (
            (d.source, d.warning, d.severity)
            if d.warning
            else (d.source, normalise_phrase(d.phrase), d.qualifier)
        )
        if d.source == "rating":
            key = (d.source, d.qualifier)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def parse_declared(work: Work) -> list[Declared]:
    """Everything the author declared, in order: archive warnings, additional tags,
    rating, then free text in notes (front notes, end notes) and the summary.

    Never raises: text it cannot read as a warning is skipped."""
    tax = load()
    md = work.metadata
    out: list[Declared] = []
    for w in md.archive_warnings:
        k = _key(w)
        if k in _AO3:
            warning, severity, qualifier = _AO3[k]
            out.append(Declared(w, warning, severity, qualifier, "ao3-tag"))
        elif w.strip():
            out.append(Declared(w.strip(), None, None, None, "ao3-tag"))
    for tag in md.additional_tags:
        out += parse_item(tag, "ao3-tag", strict=True, tax=tax)
    if md.rating:
        out += _rating(md.rating, tax)
    texts = work.notes_text() + ([md.summary] if md.summary else [])
    for text in texts:
        out += _parse_note_text(text, tax)
    return _dedupe(out)


# --------------------------------------------------------------------------------------
# Credits


_CREDIT_END = r"(?=\n|(?<!\s[A-Z])(?<!\b(?:Mr|Dr|St|Jr|Sr|Ms))[.!?;](?:\s|$)|\)|$)"
_TAIL = r"(?P<tail>[^\n]{2,160}?)" + _CREDIT_END
_CREDIT_PATTERNS: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(p, re.IGNORECASE), order, needs_artist)
    for p, order, needs_artist in (
        (r"\(\s*songs?\s*:\s*(?P<tail>[^)\n]{2,160})\)", "artist-title", False),
        (
            r"\b(?:the\s+)?(?:songs?|track|music)\s+(?:used|featured|quoted|referenced|"
            r"in\s+this\s+(?:chapter|fic|story))?\s*(?:is|was|are|were)\s*:?\s+" + _TAIL,
            "title-artist",
            True,
        ),
        (
            r"\blyrics\s+(?:are\s+|were\s+|used\s+are\s+)?(?:taken\s+|borrowed\s+|quoted\s+)?"
            r"from\s+(?:the\s+song\s+)?" + _TAIL,
            "title-artist",
            True,
        ),
        (
            r"\b(?:chapter\s+|fic\s+|work\s+|the\s+)?titles?\s+(?:is\s+|are\s+)?(?:taken\s+|comes\s+|borrowed\s+)?"
            r"from\s+(?:the\s+song\s+)?" + _TAIL,
            "title-artist",
            True,
        ),
        (
            r"(?:^|(?<=[\n(])|(?<=[.!?]\s))[^\S\n]*(?:lyrics|song|soundtrack)\s*:\s*" + _TAIL,
            "artist-title",
            False,
        ),
        (r"\binspired\s+by\s+(?:the\s+song\s+)?" + _TAIL, "title-artist", True),
        (
            r"\b(?:listen(?:ed)?\s+to|song\s+rec(?:ommendation)?s?\s*:?|playlist\s*:)\s+" + _TAIL,
            "title-artist",
            True,
        ),
    )
)


_ARTIST_TAIL = re.compile(
    r",\s+(?=[a-z])|\s+(?:while|when|as|during|on\s+repeat|which|who|that|because|and\s+i)\b"
)


def _credit_from(raw: str, tail: str, order: str, needs_artist: bool) -> Credit | None:
    tail = tail.strip()
    if order == "artist-title" and not re.search(r"\sby\s|[\"“]", tail):
        parts = re.split(r"\s+[-–—]\s+", tail, maxsplit=1)
        if len(parts) == 2:
            artist, title = lyrics.clean_credit_part(parts[0]), lyrics.clean_credit_part(parts[1])
            return Credit(raw=raw.strip(), title=title, artist=artist)
    artist, title = lyrics.split_credit(tail, dash_order="artist-title")
    if title is None and artist is not None and not needs_artist:
        title, artist = artist, None  # "Song: Keep the Light" names a title
    if needs_artist and (not artist or not title):
        return None
    if artist:
        artist = _ARTIST_TAIL.split(artist)[0].strip() or None
    if not title and not artist:
        return None
    return Credit(raw=raw.strip(), title=title, artist=artist)


def extract_credits(work: Work) -> list[Credit]:
    """Songs and other sources the author credits, from notes ("Song used is X by Y",
    "Lyrics: Artist - Title", ...) and from epigraph/lyrics attribution lines
    ("— Artist, Title"), in text order, de-duplicated by (title, artist).

    Never raises."""
    found: list[tuple[int, Credit]] = []
    for block in work.blocks:
        text = work.block_text(block)
        if block.kind in ("note", "end-note"):
            for rx, order, needs_artist in _CREDIT_PATTERNS:
                for m in rx.finditer(text):
                    c = _credit_from(m.group(0), m.group("tail"), order, needs_artist)
                    if c:
                        found.append((m.start() + block.start, c))
        if block.kind in ("epigraph", "lyrics"):
            offset = block.start
            for line in text.split("\n"):
                if lyrics.is_attribution(line):
                    artist, title = lyrics.parse_attribution(line)
                    if artist or title:
                        found.append((offset, Credit(raw=line.strip(), title=title, artist=artist)))
                offset += len(line) + 1
    ordered = [c for _, c in sorted(found, key=lambda pc: pc[0])]
    out: list[Credit] = []
    seen: set[tuple[str, str]] = set()
    for c in ordered:
        key = ((c.title or "").lower(), (c.artist or "").lower())
        # A bare "— Artist" is a duplicate when a fuller credit names the same artist.
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out
