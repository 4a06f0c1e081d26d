"""Tokenising, light lemmatising and quoting helpers shared by the lexicon detector,
its feature extractor and aggregation.

Why our own: the lexicon needs exactly three things from a tokeniser — character
offsets (so evidence points into the text), clause/sentence ids (so negation and
multiword patterns do not leak across punctuation), and a lemma that maps "stabbed",
"stabbing", "stabs" to "stab" and "bled" to "bleed". A full NLP stack would be slower
and a heavy dependency for that.

The lemmatiser is *vocabulary-aware*: suffix rules propose candidate base forms and the
first candidate the caller's vocabulary knows wins ("scared" -> "scare" not "scar",
"scarred" -> "scar"). Irregular forms come from a small table. Without a vocabulary a
heuristic choice is returned.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# Letters/digits, with inner apostrophes ("didn't", "o'clock"). Curly apostrophes are
# read as straight ones (same length, so offsets stay valid).
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]\"\u201c\u201d\u2026\u2014\u2013]|--|\n")
_SENTENCE_BREAK = re.compile(r"[.!?\u2026]|\n")

# Clitics split off as their own tokens, Penn-Treebank style, so "didn't" gives a "n't"
# negation token and "I'll kill you" has a "will".
_CLITICS = ("n't", "'ll", "'re", "'ve", "'m", "'d", "'s")
_NT_BASES = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be"}

# fmt: off
IRREGULAR: dict[str, str] = {
    # be / have / do and clitics
    "am": "be", "is": "be", "are": "be", "was": "be", "were": "be", "been": "be",
    "being": "be", "'re": "be", "'m": "be", "'ll": "will", "'ve": "have", "n't": "not",
    "has": "have", "had": "have", "having": "have", "did": "do", "does": "do", "done": "do",
    # verbs the lexicon cares about
    "bled": "bleed", "shot": "shoot", "hung": "hang", "slain": "slay", "slew": "slay",
    "fought": "fight", "beaten": "beat", "broke": "break", "broken": "break",
    "struck": "strike", "stricken": "strike", "stole": "steal", "stolen": "steal",
    "threw": "throw", "thrown": "throw", "drank": "drink", "ate": "eat", "eaten": "eat",
    "bitten": "bite", "hid": "hide", "hidden": "hide", "fell": "fall", "fallen": "fall",
    "swore": "swear", "sworn": "swear", "tore": "tear", "torn": "tear", "froze": "freeze",
    "frozen": "freeze", "spat": "spit", "slept": "sleep", "rode": "ride", "ridden": "ride",
    "saw": "see", "seen": "see", "came": "come", "became": "become", "ran": "run",
    "went": "go", "gone": "go", "made": "make", "took": "take", "taken": "take",
    "gave": "give", "given": "give", "got": "get", "gotten": "get", "lost": "lose",
    "felt": "feel", "held": "hold", "kept": "keep", "caught": "catch", "told": "tell",
    "said": "say", "thought": "think", "brought": "bring", "bought": "buy", "sold": "sell",
    "sank": "sink", "sunk": "sink", "dug": "dig", "stuck": "stick", "swung": "swing",
    "flung": "fling", "stung": "sting", "wrung": "wring", "shook": "shake", "shaken": "shake",
    "woke": "wake", "woken": "wake", "wept": "weep", "crept": "creep", "leapt": "leap",
    "burnt": "burn", "knelt": "kneel", "fed": "feed", "bore": "bear", "borne": "bear",
    "knew": "know", "known": "know", "began": "begin", "begun": "begin", "sent": "send",
    "spent": "spend", "built": "build", "meant": "mean", "left": "leave", "lay": "lie",
    "lain": "lie", "dying": "die", "lying": "lie", "tying": "tie", "overdid": "overdo",
    "underwent": "undergo", "withdrew": "withdraw", "strove": "strive", "slid": "slide",
    "drove": "drive", "driven": "drive", "forgave": "forgive", "forgot": "forget",
    "forgotten": "forget", "wore": "wear", "worn": "wear", "grew": "grow", "grown": "grow",
    "blew": "blow", "blown": "blow", "flew": "fly", "drew": "draw", "drawn": "draw",
    "sang": "sing", "sung": "sing", "spoke": "speak", "spoken": "speak", "chose": "choose",
    "chosen": "choose", "rose": "rise", "risen": "rise", "stank": "stink", "shrank": "shrink",
    # nouns
    "children": "child", "men": "man", "women": "woman", "teeth": "tooth", "feet": "foot",
    "mice": "mouse", "lives": "life", "knives": "knife", "wives": "wife", "wolves": "wolf",
    "thieves": "thief", "selves": "self", "calves": "calf", "halves": "half",
    "people": "person", "corpses": "corpse", "bruises": "bruise", "hooves": "hoof",
}
# fmt: on

_NO_UNDOUBLE = frozenset("aeiouwxy")


def normalise_apostrophes(text: str) -> str:
    """Curly to straight apostrophes; same length so offsets are unchanged."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def lemma_candidates(word: str) -> list[str]:
    """Possible base forms of a lower-case word, most specific first, the word itself last.

    Order matters for vocabulary-aware lookup: for "-ed"/"-ing" the "+e" form is tried
    before the bare stem ("scared" -> scare before scar; "hoping" -> hope before hop)
    because a doubled consonant, which marks the short-vowel verbs, is handled
    separately ("scarred" -> scarr -> scar)."""
    irr = IRREGULAR.get(word)
    if irr is not None:
        return [irr, word]
    out: list[str] = []
    n = len(word)
    if n > 4 and word.endswith("ies"):
        out.append(word[:-3] + "y")
    if n > 4 and word.endswith("ied"):
        out.append(word[:-3] + "y")
    if n > 4 and word.endswith("ing"):
        base = word[:-3]
        out += [base + "e", base]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in _NO_UNDOUBLE:
            out.append(base[:-1])
    if n > 3 and word.endswith("ed"):
        base = word[:-2]
        out += [word[:-1], base]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in _NO_UNDOUBLE:
            out.append(base[:-1])
    if n > 3 and word.endswith("es"):
        out += [word[:-1], word[:-2]]
    elif n > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        out.append(word[:-1])
    out = [c for c in out if len(c) >= 3]
    out.append(word)
    return out


def heuristic_lemma(word: str) -> str:
    """A lemma without a vocabulary: irregular table, else a conservative suffix strip.
    Only for display or loose use; matching should use `Lemmatizer` with a vocabulary."""
    irr = IRREGULAR.get(word)
    if irr is not None:
        return irr
    if len(word) > 4 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            base = word[: -len(suffix)]
            if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "aeiouwxylsz":
                return base[:-1]
            return base
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Lemmatizer:
    """Vocabulary-aware lemmatiser with a per-instance cache (texts repeat words a lot,
    so after warm-up a lemma is one dict lookup)."""

    MAX_CACHE = 200_000

    def __init__(self, vocabulary: Collection[str]):
        self.vocabulary = frozenset(vocabulary)
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        cands = lemma_candidates(word)
        lemma = next((c for c in cands if c in self.vocabulary), cands[0])
        if len(self._cache) >= self.MAX_CACHE:  # batch runs see millions of distinct tokens
            self._cache.clear()
        self._cache[word] = lemma
        return lemma


@dataclass
class Tokens:
    """Parallel arrays for one text: lower-cased surface forms, lemmas, character
    offsets, and clause / sentence ids (a clause ends at , ; : ( ) quotes dashes and
    any sentence end; a sentence ends at . ! ? … or a newline)."""

    surface: list[str] = field(default_factory=list)
    lemma: list[str] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    clause: list[int] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.surface)


def _split_clitic(word: str) -> tuple[str, str] | None:
    for c in _CLITICS:
        if word.endswith(c) and len(word) > len(c):
            base = word[: -len(c)]
            if c == "n't":
                base = _NT_BASES.get(base, base)
            return base, c
    return None


def tokenize(text: str, lemmatize: Lemmatizer | None = None) -> Tokens:
    """Tokens of `text` with offsets into `text` (clitics split off: "didn't" gives
    tokens "did" and "n't", the latter's offsets covering the "n't")."""
    lem = lemmatize or heuristic_lemma
    toks = Tokens()
    clause = sentence = 0
    prev_end = 0
    for m in _WORD.finditer(text):
        s, e = m.span()
        if s > prev_end:
            gap = text[prev_end:s]
            if _SENTENCE_BREAK.search(gap):
                sentence += 1
                clause += 1
            elif _CLAUSE_BREAK.search(gap):
                clause += 1
        prev_end = e
        word = normalise_apostrophes(m.group()).lower()
        parts: list[tuple[str, int, int]]
        split = _split_clitic(word) if "'" in word else None
        if split is None:
            parts = [(word, s, e)]
        else:
            base, clitic = split
            cut = e - len(clitic)
            parts = [(base, s, cut), (clitic, cut, e)]
        for w, ps, pe in parts:
            toks.surface.append(w)
            toks.lemma.append(lem(w))
            toks.start.append(ps)
            toks.end.append(pe)
            toks.clause.append(clause)
            toks.sentence.append(sentence)
    return toks


def sentence_spans(tokens: Tokens) -> list[tuple[int, int]]:
    """(first token, last token + 1) for each sentence, in order."""
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(tokens)
    while i < n:
        j = i
        while j < n and tokens.sentence[j] == tokens.sentence[i]:
            j += 1
        spans.append((i, j))
        i = j
    return spans


_SPACE = re.compile(r"\s+")


def collapse_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def find_term(text: str, term: str, start: int = 0) -> tuple[int, int] | None:
    """Case-insensitive, word-bounded search for `term` (whitespace-tolerant), or None."""
    words = [re.escape(w) for w in term.split()]
    if not words:
        return None
    pattern = r"(?<![^\W_])" + r"\s+".join(words) + r"(?![^\W_])"
    m = re.compile(pattern, re.IGNORECASE).search(normalise_apostrophes(text), start)
    return m.span() if m else None


def excerpt(text: str, terms: Iterable[str] = (), limit: int = 200) -> str:
    """A quote of at most `limit` characters, whitespace collapsed, centred on the first
    of `terms` found in the text (else the start), cut at word boundaries with "…".

    Why centred on a matched term: the quote is what a reader sees as the reason for a
    warning, so it must show the words that earned it, not the passage opening."""
    flat = collapse_space(text)
    if len(flat) <= limit:
        return flat
    centre = None
    for term in terms:
        span = find_term(flat, term)
        if span is not None:
            centre = (span[0] + span[1]) // 2
            break
    budget = limit - 2  # room for an ellipsis on each side
    start = 0 if centre is None else max(0, min(centre - budget // 2, len(flat) - budget))
    end = min(len(flat), start + budget)
    if start > 0 and flat[start - 1] != " ":
        nxt = flat.find(" ", start)
        start = nxt + 1 if 0 <= nxt < end else start
    if end < len(flat) and flat[end] != " ":
        prv = flat.rfind(" ", start, end)
        end = prv if prv > start else end
    quote = flat[start:end].strip()
    if start > 0:
        quote = "\u2026" + quote
    if end < len(flat):
        quote = quote + "\u2026"
    return quote
