"""Lexicon detector with lemma matching, negation and idiom handling.

(Contract) class LexiconDetector: name, version, score(passages) -> PassageScores

How a passage is scored, for every one of the 37 taxonomy warnings:

1. Tokens and lemmas (`forewarn.text_norm`): "stabbed" -> stab, "bled" -> bleed,
   "didn't" -> did + n't.
2. Patterns from `forewarn/lexicon/*.json` (grammar in common.json `_doc`) are matched
   on lemma or surface form; multiword patterns stay inside one sentence.
3. Idioms ("killing it", "dying to know", "shot him a look", "blood orange", ...) cancel
   every match of the warnings they name that overlaps them.
4. Within one warning, overlapping matches keep only the longest ("slit her throat"
   beats "slit"); weight-0 entries are blockers that win this way and add nothing.
5. Negation: a negation cue (not, n't, never, no, nobody, without, ...) up to 3 tokens
   before a match in the same clause, with only transparent words between (auxiliaries,
   determiners, "one", "even", "want to"), leaves 15% of its weight ("he didn't hit
   her", "no one was killed"; but not "didn't see her die"). A negated match followed in its clause by again / anymore / since /
   no longer ("never cut herself again") implies it happened: 80% and reported.
6. Evidence E = sum of weights, each repeat of the same entry decaying geometrically
   (default 0.6, profanity 0.8: swearing is count-based), weak cues (weight < 1)
   capped together (default 1.5), so weak words can support but never establish a
   warning on their own.
7. Contexts: game talk damps violence/death; a child in the passage moves abuse
   evidence to child abuse; sports talk damps fight/war vocabulary.
8. Probability p = 1 / (1 + exp(-slope * (E - bias))), hand-set: slope 1.8, bias 2.0
   (per-warning overrides in the JSON). So E=0 -> 0.03, one strong cue (2.5) -> 0.71,
   two medium cues (1.5+1.5) -> 0.86. These are not fitted: a learned model replaces
   them behind the same interface, reusing `lexicon_features` as input features.
9. Intensity (0..1, graphic-ness) = 1 - exp(-s/3), s = sensory gore detail (for gore
   warnings) + warning-specific graphic terms, damped for long passages, + 0.3 x the
   evidence above bias (1.0 for profanity, where severity is a count of strong words);
   0 where the warning has no evidence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from forewarn import taxonomy
from forewarn.detect.base import PassageScores
from forewarn.text_norm import Lemmatizer, Tokens, normalise_apostrophes, sentence_spans, tokenize
from forewarn.work import Passage

NAME = "lexicon"
VERSION = "2"

_TERM, _IDIOM, _GRAPHIC, _CUE = 0, 1, 2, 3
_GLOBAL = -1  # graphic entries not tied to one warning
_CLITIC_ALIASES = {
    "'re": ("are",),
    "'ll": ("will",),
    "'m": ("am",),
    "'ve": ("have",),
    "n't": ("not",),
    "'d": ("would", "had"),
    "'s": ("is", "has"),
}
_CLITICS = ("n't", "'ll", "'re", "'ve", "'m", "'d", "'s")
_NT_BASES = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be"}


@dataclass(frozen=True)
class Slot:
    words: frozenset[str]
    any: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Entry:
    """One compiled pattern variant. `group` is the warning index (terms, graphic;
    -1 = global graphic), the context index (cues); `suppress` the warning indices an
    idiom cancels."""

    kind: int
    key: str
    slots: tuple[Slot, ...]
    group: int
    weight: float
    suppress: frozenset[int] = frozenset()


@dataclass(frozen=True)
class WarningParams:
    bias: float
    slope: float
    threshold: float
    weak_below: float
    weak_cap: float
    repeat_decay: float
    gore: bool
    # how much evidence beyond the bias adds to intensity: 0.3 by default (graphic-ness
    # comes from sensory detail), 1.0 for profanity, whose severity is how much of it
    # there is (guidelines: one strong word a mention, a few a depiction, dense graphic)
    evidence_intensity: float = 0.3


@dataclass(frozen=True)
class Context:
    name: str
    min_cues: int
    scale: dict[int, float]
    borrow: dict[int, dict[int, float]]


@dataclass
class Analysis:
    """Everything the lexicon learns about one text (arrays indexed like `warnings`)."""

    n_tokens: int
    evidence: np.ndarray
    negated: np.ndarray
    reported: np.ndarray
    graphic: np.ndarray
    probs: np.ndarray
    intensity: np.ndarray
    hits: dict[int, list[str]] = field(default_factory=dict)
    idioms: int = 0
    gore_detail: float = 0.0
    negation_rate: float = 0.0
    dialogue_share: float = 0.0
    reported_sentences: float = 0.0


# ---------------------------------------------------------------- pattern compiling


def _split_words(text: str) -> list[str]:
    """Words of one pattern alternative: '_' and '-' join words, clitics split off."""
    out: list[str] = []
    flat = normalise_apostrophes(text).replace("_", " ").replace("-", " ").lower()
    for raw in flat.split():
        if raw.startswith("'"):
            out.append(raw)
            continue
        split = None
        for c in _CLITICS:
            if raw.endswith(c) and len(raw) > len(c):
                base = raw[: -len(c)]
                split = (_NT_BASES.get(base, base) if c == "n't" else base, c)
                break
        out.extend(split if split else (raw,))
    return out


def _expand_alternatives(slot: str, macros: dict[str, list[str]]) -> list[str]:
    alts: list[str] = []
    for alt in slot.split("|"):
        if alt.startswith("{") and alt.endswith("}"):
            name = alt[1:-1]
            if name not in macros:
                raise ValueError(f"unknown macro {{{name}}}")
            alts.extend(macros[name])
        elif alt:
            alts.append(alt)
    return alts


def _words_with_aliases(words: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        out.add(w)
        out.update(_CLITIC_ALIASES.get(w, ()))
    return frozenset(out)


def compile_pattern(pattern: str, macros: dict[str, list[str]]) -> list[tuple[Slot, ...]]:
    """A pattern string -> one or more slot sequences (multiword alternatives such as
    'laugh_at' become their own variants)."""
    variants: list[list[Slot]] = [[]]
    pieces = pattern.split()
    if not pieces:
        raise ValueError("empty pattern")
    for piece in pieces:
        optional = piece.endswith("?") and len(piece) > 1
        body = piece[:-1] if optional else piece
        if body == "*":
            variants = [v + [Slot(frozenset(), any=True, optional=optional)] for v in variants]
            continue
        singles: list[str] = []
        multis: list[list[str]] = []
        for alt in _expand_alternatives(body, macros):
            words = _split_words(alt)
            if len(words) == 1:
                singles.append(words[0])
            elif words:
                multis.append(words)
        new: list[list[Slot]] = []
        for v in variants:
            if singles:
                new.append(v + [Slot(_words_with_aliases(singles), optional=optional)])
            for words in multis:
                new.append(v + [Slot(_words_with_aliases([w])) for w in words])
            if optional and multis and not singles:
                new.append(list(v))
        variants = new
    out = []
    for v in variants:
        if not v or v[0].any or v[0].optional:
            raise ValueError(f"pattern {pattern!r} must start with a required word")
        out.append(tuple(v))
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"duplicate lexicon key {k!r}")
        seen[k] = v
    return seen


class Lexicon:
    """The compiled lexicon: pattern index, per-warning parameters, idioms, contexts.

    Built once per process from the package data; matching state is read-only so one
    instance is safe to share."""

    def __init__(self, data: dict[str, Any], groups: Sequence[dict[str, Any]]):
        tax = taxonomy.load()
        self.warnings: list[str] = tax.ids
        self.version: str = str(data.get("version", "1"))
        widx = {w: i for i, w in enumerate(self.warnings)}
        macros = {k: v.split("|") for k, v in data["macros"].items()}
        defaults = data["defaults"]
        neg = data["negation"]
        self.neg_cues = frozenset(neg["cues"])
        self.neg_window = int(neg["window"])
        self.transparent = frozenset(neg["transparent"])
        self.neg_factor = float(neg["factor"])
        self.resumption = frozenset(neg["resumption"])
        self.resumption_window = int(neg["resumption_window"])
        self.resumption_factor = float(neg["resumption_factor"])
        rep = data["reported"]
        self.perfect = frozenset(rep["perfect"])
        self.perfect_window = int(rep["perfect_window"])
        self.sentence_cues = frozenset(rep["sentence_cues"])
        self.strong_cues = frozenset(rep["strong_cues"])

        entries: list[Entry] = []

        def add(kind: int, key: str, group: int, weight: float, sup: frozenset[int]) -> None:
            for slots in compile_pattern(key, macros):
                entries.append(Entry(kind, key, slots, group, float(weight), sup))

        def suppress_set(names: list[str]) -> frozenset[int]:
            if "*" in names:
                return frozenset(range(len(self.warnings)))
            unknown = [n for n in names if n not in widx]
            if unknown:
                raise ValueError(f"idiom names unknown warnings {unknown}")
            return frozenset(widx[n] for n in names)

        for key, names in data["idioms"].items():
            if key.startswith("_"):
                continue
            add(_IDIOM, key, -1, 0.0, suppress_set(names))
        for key, weight in data["graphic"].items():
            if not key.startswith("_"):
                add(_GRAPHIC, key, _GLOBAL, weight, frozenset())
        self.gore_warnings = frozenset(widx[w] for w in data["gore_warnings"])

        self.contexts: list[Context] = []
        for name, ctx in data["contexts"].items():
            ci = len(self.contexts)
            for cue in ctx["cues"]:
                add(_CUE, cue, ci, 1.0, frozenset())
            self.contexts.append(
                Context(
                    name=name,
                    min_cues=int(ctx["min"]),
                    scale={widx[w]: float(f) for w, f in ctx.get("scale", {}).items()},
                    borrow={
                        widx[t]: {widx[s]: float(f) for s, f in src.items()}
                        for t, src in ctx.get("borrow", {}).items()
                    },
                )
            )

        params: dict[int, WarningParams] = {}
        for group in groups:
            for wid, spec in group["warnings"].items():
                if wid not in widx:
                    raise ValueError(f"lexicon warning {wid!r} is not in the taxonomy")
                if widx[wid] in params:
                    raise ValueError(f"lexicon warning {wid!r} defined twice")
                i = widx[wid]
                params[i] = WarningParams(
                    bias=float(spec.get("bias", defaults["bias"])),
                    slope=float(spec.get("slope", defaults["slope"])),
                    threshold=float(spec.get("threshold", defaults["threshold"])),
                    weak_below=float(spec.get("weak_below", defaults["weak_below"])),
                    weak_cap=float(spec.get("weak_cap", defaults["weak_cap"])),
                    repeat_decay=float(spec.get("repeat_decay", defaults["repeat_decay"])),
                    gore=bool(spec.get("gore", i in self.gore_warnings)),
                    evidence_intensity=float(
                        spec.get("evidence_intensity", defaults.get("evidence_intensity", 0.3))
                    ),
                )
                for key, weight in spec["terms"].items():
                    add(_TERM, key, i, weight, frozenset())
                for key, weight in spec.get("graphic", {}).items():
                    add(_GRAPHIC, key, i, weight, frozenset())
        missing = [w for i, w in enumerate(self.warnings) if i not in params]
        if missing:
            raise ValueError(f"lexicon lacks warnings {missing}")
        self.params = [params[i] for i in range(len(self.warnings))]
        self.entries = entries

        # Two-level index: first-slot word -> (entries whose second slot is flexible,
        # second-slot word -> entries). Function words start many idioms; keying on
        # the next word too keeps candidate lists short.
        self._flex: dict[str, list[Entry]] = {}
        self._by2: dict[str, dict[str, list[Entry]]] = {}
        vocab: set[str] = set()
        for e in entries:
            for s in e.slots:
                vocab.update(s.words)
            second = e.slots[1] if len(e.slots) > 1 else None
            for w in e.slots[0].words:
                if second is None or second.any or second.optional:
                    self._flex.setdefault(w, []).append(e)
                else:
                    d = self._by2.setdefault(w, {})
                    for w2 in second.words:
                        d.setdefault(w2, []).append(e)
        self.vocabulary = frozenset(vocab)
        self.lemmatizer = Lemmatizer(self.vocabulary)

    @property
    def n_terms(self) -> int:
        """Distinct term patterns (before variant expansion)."""
        return len({(e.group, e.key) for e in self.entries if e.kind == _TERM})

    @property
    def n_idioms(self) -> int:
        return len({e.key for e in self.entries if e.kind == _IDIOM})

    # ------------------------------------------------------------ matching

    def tokens(self, text: str) -> Tokens:
        return tokenize(text, self.lemmatizer)

    def match(self, toks: Tokens) -> list[tuple[Entry, int, int]]:
        """All (entry, first token, end token) matches, in token order."""
        lem, surf, sent = toks.lemma, toks.surface, toks.sentence
        n = len(toks)
        out: list[tuple[Entry, int, int]] = []
        flex, by2 = self._flex, self._by2

        def rec(slots: tuple[Slot, ...], k: int, j: int, s0: int) -> int:
            if k == len(slots):
                return j
            slot = slots[k]
            if (
                j < n
                and sent[j] == s0
                and (slot.any or lem[j] in slot.words or surf[j] in slot.words)
            ):
                r = rec(slots, k + 1, j + 1, s0)
                if r >= 0:
                    return r
            if slot.optional:
                return rec(slots, k + 1, j, s0)
            return -1

        for i in range(n):
            keys = (lem[i],) if lem[i] == surf[i] else (lem[i], surf[i])
            cands: list[Entry] = []
            for key in keys:
                f = flex.get(key)
                if f:
                    cands.extend(f)
                d = by2.get(key)
                if d and i + 1 < n:
                    nxt = (lem[i + 1],) if lem[i + 1] == surf[i + 1] else (lem[i + 1], surf[i + 1])
                    for k2 in nxt:
                        got = d.get(k2)
                        if got:
                            cands.extend(got)
            if not cands:
                continue
            seen: set[int] = set()
            s0 = sent[i]
            for e in cands:
                if id(e) in seen:
                    continue
                seen.add(id(e))
                end = rec(e.slots, 0, i, s0)
                if end > i:
                    out.append((e, i, end))
        return out

    # ------------------------------------------------------------ analysis

    def _negation(self, toks: Tokens, start: int, end: int) -> tuple[bool, bool]:
        """(negated, resumed) for a match spanning tokens [start, end)."""
        clause = toks.clause[start]
        negated = False
        for j in range(start - 1, max(-1, start - 1 - self.neg_window), -1):
            if toks.clause[j] != clause:
                break
            if toks.lemma[j] in self.neg_cues:
                negated = True
                break
            if toks.lemma[j] not in self.transparent and toks.surface[j] not in self.transparent:
                break
        if not negated:
            return False, False
        for j in range(end, min(len(toks), end + self.resumption_window)):
            if toks.clause[j] != clause:
                break
            if toks.surface[j] in self.resumption:
                return True, True
        return True, False

    def _sentence_reported(self, toks: Tokens, a: int, b: int) -> bool:
        """A strong time/memory cue in tokens [a, b) ("used" only as "used to")."""
        surf = toks.surface
        for j in range(a, b):
            w = surf[j]
            if w in self.strong_cues and (w != "used" or (j + 1 < b and surf[j + 1] == "to")):
                return True
        return False

    def analyse(self, text: str) -> Analysis:
        toks = self.tokens(text)
        nw = len(self.warnings)
        n = len(toks)
        matches = self.match(toks)

        sent_bounds = sentence_spans(toks)
        sent_of_token = toks.sentence
        # reported sentences: strong cue anywhere in the sentence
        sent_reported: dict[int, bool] = {}
        for a, b in sent_bounds:
            sent_reported[toks.sentence[a]] = self._sentence_reported(toks, a, b)
        weak_sent = sum(
            1
            for a, b in sent_bounds
            if any(toks.surface[j] in self.sentence_cues for j in range(a, b))
        )

        # idiom spans per warning
        idiom_spans: list[tuple[int, int, frozenset[int]]] = [
            (s, e, m.suppress) for m, s, e in matches if m.kind == _IDIOM
        ]

        def suppressed(w: int, s: int, e: int) -> bool:
            return any(w in sup and s < ie and is_ < e for is_, ie, sup in idiom_spans)

        # terms: per warning, longest non-overlapping after idiom suppression
        per_w: dict[int, list[tuple[Entry, int, int]]] = {}
        graphic_w = np.zeros(nw)
        gore_detail = 0.0
        cue_hits: dict[int, set[str]] = {}
        for m, s, e in matches:
            if m.kind == _TERM:
                if not suppressed(m.group, s, e):
                    per_w.setdefault(m.group, []).append((m, s, e))
            elif m.kind == _CUE:
                cue_hits.setdefault(m.group, set()).add(m.key)
        for m, s, e in matches:
            if m.kind != _GRAPHIC:
                continue
            if self._negation(toks, s, e)[0]:
                continue
            if m.group == _GLOBAL:
                blood_gore = self.warnings.index("blood-gore")
                if not suppressed(blood_gore, s, e):
                    gore_detail += m.weight
            elif not suppressed(m.group, s, e):
                graphic_w[m.group] += m.weight

        evidence = np.zeros(nw)
        negated = np.zeros(nw)
        reported = np.zeros(nw)
        hits: dict[int, list[str]] = {}
        for w, ms in per_w.items():
            p = self.params[w]
            ms.sort(key=lambda t: (-(t[2] - t[1]), t[1], t[0].key))
            taken: list[tuple[Entry, int, int]] = []
            used = [False] * n
            for m, s, e in ms:
                if any(used[s:e]):
                    continue
                for j in range(s, e):
                    used[j] = True
                taken.append((m, s, e))
            taken.sort(key=lambda t: (t[1], t[0].key))
            counts: dict[str, int] = {}
            strong = weak = rep = 0.0
            names: list[str] = []
            for m, s, e in taken:
                if m.weight <= 0:
                    continue
                is_neg, resumed = self._negation(toks, s, e)
                factor = 1.0
                is_rep = sent_reported.get(sent_of_token[s], False) or any(
                    toks.surface[j] in self.perfect
                    for j in range(max(0, s - self.perfect_window), s)
                    if toks.sentence[j] == toks.sentence[s]
                )
                if is_neg and resumed:
                    factor, is_rep = self.resumption_factor, True
                elif is_neg:
                    factor = self.neg_factor
                k = counts.get(m.key, 0)
                counts[m.key] = k + 1
                contrib = m.weight * factor * (p.repeat_decay**k)
                negated[w] += m.weight * (1.0 - factor) * (p.repeat_decay**k)
                if m.weight < p.weak_below:
                    weak += contrib
                else:
                    strong += contrib
                if is_rep:
                    rep += contrib
                if factor >= self.resumption_factor:
                    surface = text[toks.start[s] : toks.end[e - 1]]
                    if surface.lower() not in (x.lower() for x in names):
                        names.append(surface)
            total = strong + min(weak, p.weak_cap)
            evidence[w] = total
            reported[w] = rep / (strong + weak) if strong + weak > 0 else 0.0
            if names:
                hits[w] = names[:10]

        # contexts
        if self.contexts:
            base = evidence.copy()
            for ci, ctx in enumerate(self.contexts):
                if len(cue_hits.get(ci, ())) < ctx.min_cues:
                    continue
                for w, f in ctx.scale.items():
                    evidence[w] *= f
                for t, srcs in ctx.borrow.items():
                    for src, f in srcs.items():
                        if base[src] > 0:
                            evidence[t] += f * base[src]
                            reported[t] = max(reported[t], reported[src])
                            if src in hits:
                                merged = hits.get(t, []) + [
                                    h for h in hits[src] if h not in hits.get(t, [])
                                ]
                                hits[t] = merged[:10]

        bias = np.array([p.bias for p in self.params])
        slope = np.array([p.slope for p in self.params])
        probs = 1.0 / (1.0 + np.exp(-slope * (evidence - bias)))
        gore = np.array([1.0 if p.gore else 0.0 for p in self.params])
        length_damp = math.sqrt(min(1.0, 150.0 / max(n, 1)))
        per_evidence = np.array([p.evidence_intensity for p in self.params])
        score = (gore * gore_detail + graphic_w) * length_damp + per_evidence * np.maximum(
            0.0, evidence - bias
        )
        intensity = np.where(evidence > 0, 1.0 - np.exp(-score / 3.0), 0.0)

        neg_count = sum(1 for x in toks.lemma if x in self.neg_cues)
        quoted = _dialogue_share(text)
        return Analysis(
            n_tokens=n,
            evidence=evidence,
            negated=negated,
            reported=reported,
            graphic=graphic_w,
            probs=probs,
            intensity=intensity,
            hits=hits,
            idioms=len(idiom_spans),
            gore_detail=gore_detail,
            negation_rate=neg_count / n if n else 0.0,
            dialogue_share=quoted,
            reported_sentences=weak_sent / len(sent_bounds) if sent_bounds else 0.0,
        )

    def reportedness(self, text: str, terms: Sequence[str] = ()) -> float:
        """Share (0..1) of the sentences holding `terms` that report rather than show:
        a strong time/memory cue ("years ago", "remembered", "used to"), a past perfect
        "had" just before the term, or a negation resumed by again/anymore. Without
        terms (or when none is found) all sentences count. Used for severity."""
        toks = self.tokens(text)
        if not len(toks):
            return 0.0
        term_seqs = [[w.lower() for w in _split_words(t)] for t in terms if t.strip()]
        spans = sentence_spans(toks)
        hit_positions: dict[int, list[int]] = {}
        for seq in term_seqs:
            L = len(seq)
            for i in range(len(toks) - L + 1):
                if toks.surface[i : i + L] == seq:
                    hit_positions.setdefault(toks.sentence[i], []).append(i)
        if not hit_positions:
            hit_positions = {toks.sentence[a]: [a] for a, _ in spans}
        reported = 0
        for a, b in spans:
            sid = toks.sentence[a]
            if sid not in hit_positions:
                continue
            words = set(toks.surface[a:b])
            rep = self._sentence_reported(toks, a, b)
            negs = {toks.lemma[j] for j in range(a, b)} & self.neg_cues
            rep = rep or (bool(negs) and bool(words & self.resumption))
            if not rep:
                for i in hit_positions[sid]:
                    lo = max(a, i - self.perfect_window)
                    if any(toks.surface[j] in self.perfect for j in range(lo, i)):
                        rep = True
                        break
            reported += rep
        return reported / len(hit_positions)


def _dialogue_share(text: str) -> float:
    """Fraction of characters inside double quotes (straight or curly)."""
    if not text:
        return 0.0
    inside = False
    count = 0
    for ch in text:
        if ch in '"\u201c\u201d':
            if ch == "\u201c":
                inside = True
            elif ch == "\u201d":
                inside = False
            else:
                inside = not inside
            continue
        if inside:
            count += 1
    return count / len(text)


# ---------------------------------------------------------------- loading


def _read_json(name: str) -> dict[str, Any]:
    path = resources.files("forewarn").joinpath("lexicon").joinpath(name)
    return json.loads(path.read_text("utf-8"), object_pairs_hook=_no_duplicates)


@cache
def load_lexicon() -> Lexicon:
    """The shipped lexicon: `lexicon/common.json` plus one file per taxonomy group."""
    folder = resources.files("forewarn").joinpath("lexicon")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    groups = [_read_json(n) for n in names if n != "common.json"]
    return Lexicon(_read_json("common.json"), groups)


# ---------------------------------------------------------------- public API


FEATURE_GLOBALS = (
    "log_tokens",
    "idiom_matches",
    "gore_detail",
    "negation_rate",
    "dialogue_share",
    "reported_sentence_share",
)


def feature_names() -> list[str]:
    """Column names of `lexicon_features`, in order:
    evidence:<w> (context-adjusted weighted evidence, pre-logistic) for the 37 warnings,
    negated:<w> (weight removed by negation), reported:<w> (share of the evidence in
    reported sentences), then the six passage-level columns in FEATURE_GLOBALS."""
    ids = taxonomy.load().ids
    return (
        [f"evidence:{w}" for w in ids]
        + [f"negated:{w}" for w in ids]
        + [f"reported:{w}" for w in ids]
        + list(FEATURE_GLOBALS)
    )


def _feature_row(a: Analysis) -> np.ndarray:
    return np.concatenate(
        [
            a.evidence,
            a.negated,
            a.reported,
            np.array(
                [
                    math.log1p(a.n_tokens),
                    float(a.idioms),
                    a.gore_detail,
                    a.negation_rate,
                    a.dialogue_share,
                    a.reported_sentences,
                ]
            ),
        ]
    )


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """Deterministic lexicon features, shape (len(texts), 117) float64; columns are
    `feature_names()`. For the learned detector, which reuses them as inputs."""
    lex = load_lexicon()
    k = 3 * len(lex.warnings) + len(FEATURE_GLOBALS)
    out = np.zeros((len(texts), k))
    for i, t in enumerate(texts):
        out[i] = _feature_row(lex.analyse(t))
    return out


def reportedness(text: str, terms: Sequence[str] = ()) -> float:
    """See `Lexicon.reportedness`."""
    return load_lexicon().reportedness(text, terms)


class LexiconDetector:
    """Scores all taxonomy warnings from the curated lexicon (see module docstring)."""

    name = NAME
    version = VERSION

    def __init__(self, lexicon: Lexicon | None = None):
        self.lexicon = lexicon or load_lexicon()

    @property
    def warnings(self) -> list[str]:
        return list(self.lexicon.warnings)

    @property
    def thresholds(self) -> dict[str, float]:
        return {
            w: p.threshold for w, p in zip(self.lexicon.warnings, self.lexicon.params, strict=True)
        }

    def score_texts(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> PassageScores:
        warnings = self.warnings
        nw = len(warnings)
        probs = np.zeros((len(texts), nw))
        intensity = np.zeros((len(texts), nw))
        hits: dict[tuple[int, str], list[str]] = {}
        for i, text in enumerate(texts):
            a = self.lexicon.analyse(text)
            probs[i] = a.probs
            intensity[i] = a.intensity
            for w, names in a.hits.items():
                hits[(i, warnings[w])] = names
        return PassageScores(
            warnings=warnings,
            passage_ids=list(ids) if ids is not None else [str(i) for i in range(len(texts))],
            probs=probs,
            thresholds=self.thresholds,
            intensity=intensity,
            hits=hits,
        )

    def score(self, passages: Sequence[Passage]) -> PassageScores:
        return self.score_texts([p.text for p in passages], [p.id for p in passages])
