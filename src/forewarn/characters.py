"""Who is in the story: named characters, the likely fandom, and who is paired with whom.

Three small steps, none needing a model download:

1. **Names** (`find_names`): a rule-based recogniser. Capitalised word runs are name
   candidates; evidence that a run is a person comes from where it appears
   (sentence-internal capitals, dialogue attribution "said Harry" / "Harry asked",
   possessives, titles "Professor Snape", a verb right after it), evidence against from
   lower-case uses of the same word ("Will" vs "will"), place-like prepositions
   ("in London") and "the" in front. Single words that are part of a found full name
   ("Harry" of "Harry Potter") are merged into it.
2. **Fandom and canonical names** (`analyse`): names are matched against a small
   knowledge base built from public AO3 tag names (`scripts/build_kb.py`,
   `kb/characters.json.gz`: character names, the fandom each belongs to, known
   pairings). Each name votes for the fandoms of the characters it could be, a name
   that fits one fandom only counting most; a fandom is proposed only when at least two
   different names support it clearly. With no fandom (original fiction) the names are
   listed as written.
3. **Relationships**: characters named in the same passage co-occur; romantic or sexual
   wording in sentences naming both ("kissed", "in love", ...) and passages the
   detectors flagged as sexual content make a pair romantic, written "A/B"; other
   frequent pairs are platonic, "A & B". Known AO3 pairings keep their AO3 order; new
   ones are ordered alphabetically.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from forewarn.report import Finding
from forewarn.work import Passage, Work

# --------------------------------------------------------------------------------------
# Word lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words that are (almost) never a character's name.
STOPWORDS = _words(
    """
    I I'm I'd I'll I've Im He She They We You It His Her Hers Their Theirs My Mine Your
    Yours Our Ours Its Me Him Them Us Myself Himself Herself Themselves Yourself Ourselves
    The A An This That These Those Some Any Every Each No Not None All Both Either Neither
    Another Other Such Much Many More Most Few Several
    And But Or Nor So Then When While If As After Before Because Though Although Yet Still
    Now Later Soon Just Even Only Maybe Perhaps There Here What Who Whom Whose Why How
    Where Which Whatever Whoever Whenever Wherever However Well Oh Ah Aw Ugh Um Uh Hmm Huh
    Yes Yeah Yep Nope No Okay Ok OK Hey Hi Hello Bye Goodbye Please Thanks Thank Sorry
    Sure Fine Good Great Right Wait Look Listen Come Go Stop Let Don't Do Does Did Can
    Could Would Should Shall May Might Must Is Are Was Were Be Been Being Have Has Had
    It's That's There's What's Who's Here's Let's Didn't Doesn't Isn't Wasn't Aren't
    Weren't Won't Can't Couldn't Wouldn't Shouldn't Haven't Hasn't Hadn't You're We're
    They're He's She's You've We've They've You'll We'll They'll He'd She'd You'd We'd
    Also Again Always Never Sometimes Often Once Twice Never Ever Every Everyone Everybody
    Everything Someone Somebody Something Anyone Anybody Anything Nobody Nothing Nowhere
    Somewhere Anywhere Everywhere Today Tonight Tomorrow Yesterday Morning Evening Night
    Afternoon Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April June July August September October November December Spring Summer Autumn
    Winter Christmas Easter Halloween Valentine's Thanksgiving New Year Year Day
    God Gods Lord Jesus Christ Heaven Hell Mum Mom Mama Mommy Mummy Dad Daddy Papa Father
    Mother Grandma Grandpa Granny Sir Ma'am Madam Miss Mister Mr Mrs Ms Dr Doctor Professor
    English French German Spanish Italian British American Irish Scottish Welsh Russian
    Chinese Japanese Korean Indian Christian Jewish Muslim Catholic
    Chapter Part Prologue Epilogue Author Authors Note Notes Summary Warning Warnings TW CW
    AN End Fin Title Disclaimer Beta Edit Update Thank Okay Alright Anyway Meanwhile
    Suddenly Finally Instead Besides Otherwise Together Inside Outside Above Below Behind
    Across Around Through During Without Within Into Onto Upon Under Over From With For
    About Against Along Among Between Beyond Like Unlike Until Since Toward Towards In On
    At To Of By Off Out Up Down Away Back Home Yes Ha Haha Hah Wow Whoa Damn Dammit Shit
    Fuck Fucking Bloody Christ Jeez Gosh Geez Ow Ouch Shh Psst Ahem Mmm Mm Nah Okay
    One Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next
    """
)
TITLES = _words(
    """Mr Mrs Ms Miss Mx Dr Doctor Prof Professor Aunt Auntie Uncle Lord Lady Sir Dame
    Madam Madame Captain Capt Sergeant Sgt Detective Inspector Agent Officer Commander
    General Colonel Major Lieutenant Lt King Queen Prince Princess Duke Duchess Saint St
    Father Sister Brother Headmaster Headmistress Coach Nurse Chief Sheriff Deputy Judge
    Reverend Rev Pastor Rabbi Master Mistress"""
)
_TITLES_LOWER = frozenset(t.lower() for t in TITLES)
ABBREVIATIONS = _words("Mr Mrs Ms Mx Dr St Prof Capt Sgt Lt Rev Jr Sr vs etc")
SPEECH_VERBS = _words(
    """said says asked asks replied replies whispered whispers shouted shouts muttered
    mutters murmured murmurs yelled yells called calls answered answers snapped snaps
    added adds continued continues sighed sighs laughed laughs cried cries screamed
    screams breathed breathes hissed hisses growled growls mumbled mumbles demanded
    demands insisted insists admitted admits explained explains agreed agrees offered
    offers told tells began begins repeated repeats interrupted interrupts joked jokes
    teased teases whimpered whimpers sobbed sobs croaked croaks stammered stammers
    grumbled grumbles snarled snarls barked barks purred purrs scoffed scoffs"""
)
# Verbs right after a capitalised word suggest a person ("Maya ran").
ACTION_VERBS = _words(
    """ran walked looked turned smiled grinned nodded frowned shrugged sat stood stared
    glanced leaned reached pulled pushed took gave went came felt thought knew saw heard
    held kept left let made put shook wanted tried opened closed waited watched stepped
    moved laughed sighed paused blinked swallowed winced flinched kissed hugged hated
    loved liked needed noticed realised realized decided started stopped woke slept
    whispered said asked replied shouted murmured muttered snapped groaned hesitated
    wrapped touched grabbed dropped picked followed found lost wrote read sang drew
    breathed cried screamed answered called told hit kicked punched fell jumped shoved
    fought killed died bled climbed sank knelt rose leapt slammed threw caught"""
)
PLACE_PREPOSITIONS = _words(
    "in from into near toward towards across through inside outside around within"
)
# Romantic wording: strong cues decide on their own when they name both characters,
# weak ones only add up.
ROMANCE_STRONG = re.compile(
    r"\b(?:kiss(?:ed|es|ing)?|in love|loves? (?:him|her|them|you)|lovers?|made love"
    r"|making love|making out|made out|lips (?:met|brushed|pressed)|caress(?:ed|es|ing)?"
    r"|crush on|on a date|first date|dating|held (?:his|her|their) hands?|holding hands)\b",
    re.IGNORECASE,
)
ROMANCE_WEAK = re.compile(
    r"\b(?:boyfriends?|girlfriends?|husbands?|wife|wives|fianc[ée]e?|married|wedding"
    r"|honeymoon|embrace[ds]?|cuddl(?:ed|es|ing|e)|darling|sweetheart|beloved"
    r"|moan(?:ed|s|ing)?|blush(?:ed|es|ing)?|flirt(?:ed|s|ing)?|romantic|desire[ds]?"
    r"|aroused|naked|undress(?:ed|ing)?|in bed together|bedroom)\b",
    re.IGNORECASE,
)
FAMILY = re.compile(
    r"\b(?:brother|sister|sibling|mother|father|mum|mom|dad|son|daughter|cousin|aunt"
    r"|uncle|grandma|grandpa|grandmother|grandfather|twin|parents?|best friends?)s?\b",
    re.IGNORECASE,
)
SEXUAL_WARNINGS = frozenset({"pornography", "other-sexual"})

_TOKEN = re.compile(r"[^\W\d_][\w'’\-]*|\n|[.!?…]+|[\"“”‘’]|[,;:()\[\]—–]", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s?$")

# --------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Character:
    """A character found in the text. `name` is the AO3 canonical name when the
    knowledge base knows it (`canonical=True`), otherwise the fullest form written."""

    name: str
    mentions: int
    canonical: bool = False
    forms: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relationship:
    a: str
    b: str
    kind: Literal["/", "&"]
    strength: float
    passages: int
    romance: float

    @property
    def tag(self) -> str:
        """AO3 notation: "A/B" romantic or sexual, "A & B" platonic."""
        return f"{self.a}/{self.b}" if self.kind == "/" else f"{self.a} & {self.b}"


@dataclass
class Cast:
    fandom: str | None
    fandom_score: float
    characters: list[Character] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    by_passage: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def major(self, limit: int = 6) -> list[Character]:
        """The main characters: among the most mentioned, at least a fifth as often as
        the most mentioned one."""
        if not self.characters:
            return []
        top = self.characters[0].mentions
        return [c for c in self.characters[:limit] if c.mentions >= max(2, 0.2 * top)]


# --------------------------------------------------------------------------------------
# Knowledge base


@dataclass
class KnowledgeBase:
    fandoms: list[str]
    names: list[str]
    fandom_of: list[int]
    weight: list[int]
    pairs: dict[frozenset[int], tuple[int, int, str]]
    full: dict[str, list[int]]
    token: dict[str, list[int]]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> KnowledgeBase:
        names = [c[0] for c in raw["characters"]]
        full: dict[str, list[int]] = defaultdict(list)
        token: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(names):
            base = name.split(" (")[0]
            keys = {base.lower(), *(p.strip().lower() for p in base.split(" | "))}
            for k in keys:
                full[k].append(i)
            for tok in set(re.findall(r"[^\W\d_][\w'’\-]*", base.replace(" | ", " "))):
                if len(tok) > 1 and tok[0].isupper() and tok not in TITLES:
                    token[tok.lower()].append(i)
        pairs = {frozenset((a, b)): (a, b, kind) for a, b, _w, kind in raw.get("relationships", [])}
        return cls(
            fandoms=list(raw["fandoms"]),
            names=names,
            fandom_of=[int(c[1]) for c in raw["characters"]],
            weight=[int(c[2]) for c in raw["characters"]],
            pairs=pairs,
            full=dict(full),
            token=dict(token),
        )

    def candidates(self, key: str) -> dict[int, bool]:
        """KB characters a written name could be -> whether the match is exact (the full
        name or one of its " | " aliases) rather than by its words ("Harry")."""
        k = key.lower()
        out = dict.fromkeys(self.full.get(k, ()), True)
        words = [w for w in k.split() if w not in _TITLES_LOWER]
        if words:
            ids = set(self.token.get(words[0], ()))
            for w in words[1:]:
                ids &= set(self.token.get(w, ()))
            for i in ids:
                out.setdefault(i, False)
        return out


@cache
def load_kb() -> KnowledgeBase:
    """The shipped knowledge base, read once (about 20 KB gzip)."""
    path = resources.files("forewarn").joinpath("kb/characters.json.gz")
    try:
        raw = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except FileNotFoundError:  # a source tree where scripts/build_kb.py never ran
        raw = {"fandoms": [], "characters": [], "relationships": []}
    return KnowledgeBase.from_dict(raw)


# --------------------------------------------------------------------------------------
# Step 1: names


@dataclass
class _Mention:
    key: str
    passage: int
    sentence: int
    initial: bool
    possessive: bool
    titled: bool
    before: str
    after: str


@dataclass
class NameCandidate:
    """A capitalised name as written, with the evidence for and against it being a person."""

    key: str
    mentions: int = 0
    internal: int = 0
    initial: int = 0
    attributions: int = 0
    possessives: int = 0
    titles: int = 0
    actions: int = 0
    place_cues: int = 0
    weak_place_cues: int = 0
    lower_uses: int = 0
    passages: set[int] = field(default_factory=set)

    @property
    def person_evidence(self) -> int:
        return 2 * self.attributions + self.possessives + self.titles + self.actions

    def is_person(self) -> bool:
        """Enough evidence to call this a person without outside help."""
        place = self.place_cues + self.weak_place_cues / 2
        if place >= 1 and place >= self.person_evidence + self.internal / 2:
            return False  # "in Lisbon", "the Great Hall", "back to Hogwarts"
        if " " not in self.key and self.lower_uses > self.internal + self.attributions:
            return False  # "Will" as often lower-case as capitalised inside sentences
        if self.attributions >= 1 or self.titles >= 1:
            return True
        if self.person_evidence >= 1 and self.internal + self.possessives + self.actions >= 2:
            return True
        if " " in self.key and self.internal >= 2:
            return True  # a full name written mid-sentence more than once
        # Only ever at the start of sentences ("Maya ran. Maya laughed."): need
        # repetition and verbs, and no -ly adverbs ("Finally").
        return (
            self.initial >= 3
            and self.lower_uses == 0
            and self.actions >= 2
            and not (self.key.endswith("ly") and " " not in self.key)
        )


def _sentences(text: str) -> list[list[tuple[str, int, int]]]:
    """Tokens grouped by sentence; abbreviations such as "Mr." do not end one."""
    out: list[list[tuple[str, int, int]]] = [[]]
    prev_word = ""
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok == "\n" or (tok[0] in ".!?…" and prev_word not in ABBREVIATIONS):
            if out[-1]:
                out.append([])
            prev_word = ""
            continue
        if tok[0] in ".":
            continue  # "Mr." keeps the sentence going
        out[-1].append((tok, m.start(), m.end()))
        prev_word = tok if tok[0].isalpha() else ""
    return [s for s in out if s]


def _mentions(passages: Sequence[Passage]) -> tuple[list[_Mention], Counter[str]]:
    """Every capitalised run in the passages, and how often each word is lower-case."""
    mentions: list[_Mention] = []
    lower: Counter[str] = Counter()
    for p_idx, passage in enumerate(passages):
        text = passage.text
        for s_idx, sent in enumerate(_sentences(text)):
            initial_next = True
            run: list[tuple[str, bool]] = []  # (word, sentence-initial)
            run_end = -1
            before = ""
            for tok, start, end in sent:
                if not tok[0].isalpha():
                    if run:
                        mentions += _runs_to_mentions(run, before, tok, p_idx, s_idx)
                        run = []
                    before = tok
                    if tok in "\"“‘'" and end < len(text) and not text[end].isspace():
                        initial_next = True  # an opening quote starts a sentence
                    continue
                capital = tok[0].isupper() and not (len(tok) > 1 and tok.isupper())
                if capital:
                    if run and start - run_end > 1:
                        mentions += _runs_to_mentions(run, before, tok, p_idx, s_idx)
                        run = []
                    run.append((tok, initial_next))
                    run_end = end
                else:
                    if run:
                        mentions += _runs_to_mentions(run, before, tok, p_idx, s_idx)
                        run = []
                    lower[tok.lower()] += 1
                    before = tok
                initial_next = False
            if run:
                mentions += _runs_to_mentions(run, before, "", p_idx, s_idx)
    return mentions, lower


def _runs_to_mentions(
    run: list[tuple[str, bool]], before: str, after: str, p_idx: int, s_idx: int
) -> list[_Mention]:
    """Split a capitalised run at possessives and stopwords; note titles."""
    out: list[_Mention] = []
    words: list[str] = []
    initial = run[0][1] if run else False
    title = ""
    prev = before
    for idx, (word, w_initial) in enumerate(run):
        possessive = bool(re.search(r"['’]s$", word)) or word.endswith(("s'", "s’"))
        bare = re.sub(r"['’]s$", "", word).rstrip("'’")
        if not words and bare in TITLES and idx + 1 < len(run):
            title = bare
            initial = initial or w_initial
            continue
        if bare.replace("’", "'") in STOPWORDS or bare.lower() in ("i",):
            if words:
                out.append(_mk(words, title, prev, bare, p_idx, s_idx, initial, False))
            words, title = [], ""
            initial = False
            prev = bare
            continue
        if not words and not title:
            initial = w_initial
        words.append(bare)
        if possessive:
            nxt = run[idx + 1][0] if idx + 1 < len(run) else after
            out.append(_mk(words, title, prev, nxt, p_idx, s_idx, initial, True))
            words, title = [], ""
            prev = bare
    if words:
        out.append(_mk(words, title, prev, after, p_idx, s_idx, initial, False))
    return [m for m in out if m.key and 1 <= len(m.key.split()) <= 3]


def _mk(
    words: list[str],
    title: str,
    before: str,
    after: str,
    p_idx: int,
    s_idx: int,
    initial: bool,
    possessive: bool,
) -> _Mention:
    # A title stays with a lone surname ("Mrs Weasley" is not "Weasley", "Sheriff
    # Stilinski" is a canonical name) and is dropped before a full name.
    key = f"{title} {words[0]}" if title and len(words) == 1 else " ".join(words)
    return _Mention(
        key=key,
        passage=p_idx,
        sentence=s_idx,
        initial=initial,
        possessive=possessive,
        titled=bool(title),
        before=before,
        after=after,
    )


def find_names(passages: Sequence[Passage]) -> dict[str, NameCandidate]:
    """Every capitalised name candidate with its evidence (see `NameCandidate`)."""
    mentions, lower = _mentions(passages)
    for m in mentions:
        # "Seeing Stephen" at the start of a sentence: the first word is an ordinary
        # word the text also writes in lower case, not part of the name.
        first, _, rest = m.key.partition(" ")
        if rest and m.initial and not m.titled and lower.get(first.lower(), 0) > 0:
            m.key, m.initial = rest, False
    cands: dict[str, NameCandidate] = {}
    for m in mentions:
        c = cands.setdefault(m.key, NameCandidate(m.key))
        c.mentions += 1
        c.passages.add(m.passage)
        if m.initial:
            c.initial += 1
        else:
            c.internal += 1
        c.possessives += m.possessive
        c.titles += m.titled
        after = m.after.lower()
        before = m.before.lower()
        if after in SPEECH_VERBS or before in SPEECH_VERBS:
            c.attributions += 1
        elif after in ACTION_VERBS or (
            m.after[:1].islower() and len(after) > 3 and after.endswith("ed")
        ):
            c.actions += 1
        if not m.possessive and not m.titled:
            if before in PLACE_PREPOSITIONS or before == "the":
                c.place_cues += 1
            elif before in ("to", "at"):
                c.weak_place_cues += 1
    for key, c in cands.items():
        if " " not in key:
            c.lower_uses = lower.get(key.lower(), 0)
    return cands


# --------------------------------------------------------------------------------------
# Step 2: entities, fandom, canonical names


@dataclass
class _Entity:
    key: str
    forms: set[str]
    mentions: int
    passages: set[int]
    person: bool
    kb_id: int | None = None


def _entities(cands: dict[str, NameCandidate]) -> list[_Entity]:
    """Merge single words into the one multi-word name containing them ("Rufus" into
    "Rufus Penhallow"), pooling their evidence of being a person."""
    groups: dict[str, list[NameCandidate]] = {c.key: [c] for c in cands.values() if " " in c.key}
    for c in cands.values():
        if " " in c.key:
            continue
        holders = [k for k in groups if c.key in k.split()]
        if len(holders) == 1:
            groups[holders[0]].append(c)
        else:
            groups[c.key] = [c]
    entities = []
    for key, members in groups.items():
        pooled = NameCandidate(key)
        for m in members:
            for attr in ("mentions", "internal", "initial", "attributions", "possessives",
                         "titles", "actions", "place_cues", "weak_place_cues", "lower_uses"):  # fmt: skip
                setattr(pooled, attr, getattr(pooled, attr) + getattr(m, attr))
            pooled.passages |= m.passages
        person = pooled.is_person() or any(m.is_person() for m in members)
        entities.append(
            _Entity(key, {m.key for m in members}, pooled.mentions, pooled.passages, person)
        )
    return entities


def _fandom_votes(
    entities: list[_Entity], kb: KnowledgeBase
) -> tuple[dict[str, float], Counter[str]]:
    score: dict[str, float] = defaultdict(float)
    support: Counter[str] = Counter()
    for e in entities:
        if not e.person:
            continue
        best: dict[int, float] = {}
        for form in e.forms:
            ids = kb.candidates(form)
            fandoms = {kb.fandom_of[i] for i in ids}
            if not fandoms or len(fandoms) > 12:
                continue  # unknown, or a name every fandom has ("John")
            for f in fandoms:
                exact = any(x for i, x in ids.items() if kb.fandom_of[i] == f)
                share = (1.5 if exact and " " in form else 1.0) / len(fandoms)
                best[f] = max(best.get(f, 0.0), share)
        for f, share in best.items():
            name = kb.fandoms[f]
            score[name] += share * (1 + 0.25 * math.log1p(e.mentions))
            if share >= 0.25:
                support[name] += 1
    return score, support


def choose_fandom(
    entities: list[_Entity], kb: KnowledgeBase, declared: Iterable[str] = ()
) -> tuple[str | None, float]:
    """The fandom most names point to, if the evidence is clear; else None."""
    score, support = _fandom_votes(entities, kb)
    if not score:
        return None, 0.0
    for d in declared:  # an AO3 download already names its fandom
        for name in sorted(score, key=lambda n: (-score[n], n)):
            if name.lower() in d.lower() and support[name] >= 1:
                return name, score[name]
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= 1.5 and support[best] >= 2 and best_score >= 1.5 * second:
        return best, best_score
    return None, best_score


def _canonical(e: _Entity, fandom: str, kb: KnowledgeBase) -> int | None:
    f = kb.fandoms.index(fandom)
    best: int | None = None
    for form in sorted(e.forms, key=lambda s: (-len(s.split()), s)):
        found = {i: x for i, x in kb.candidates(form).items() if kb.fandom_of[i] == f}
        if not found:
            continue
        ids = sorted(found, key=lambda i: (not found[i], -kb.weight[i], kb.names[i]))
        if found[ids[0]] or len(ids) == 1 or kb.weight[ids[0]] >= 3 * kb.weight[ids[1]]:
            best = ids[0]
            break
    return best


# --------------------------------------------------------------------------------------
# Step 3: everything together


def analyse(work: Work, findings: Sequence[Finding] = ()) -> Cast:
    """Characters, fandom and relationships of a work (story passages only)."""
    passages = work.story_passages
    kb = load_kb()
    cands = find_names(passages)
    entities = _entities(cands)
    fandom, fandom_score = choose_fandom(entities, kb, work.metadata.fandoms)

    # Final characters: people by the text's own evidence, plus (with a fandom) names
    # the knowledge base confirms even when the text alone is not conclusive.
    chars: dict[str, _Entity] = {}
    canonical: set[str] = set()
    for e in entities:
        kb_id = _canonical(e, fandom, kb) if fandom else None
        if kb_id is None and not (e.person and e.mentions >= 2):
            continue
        if kb_id is None:
            name = max(e.forms, key=lambda s: (len(s.split()), cands[s].mentions, s))
        else:
            name = kb.names[kb_id]
            canonical.add(name)
        if name in chars:
            c = chars[name]
            c.forms |= e.forms
            c.mentions += e.mentions
            c.passages |= e.passages
        else:
            chars[name] = _Entity(name, set(e.forms), e.mentions, set(e.passages), True, kb_id)

    ordered = sorted(chars.values(), key=lambda c: (-c.mentions, c.key))[:25]
    characters = [
        Character(
            name=e.key,
            mentions=e.mentions,
            canonical=e.key in canonical,
            forms=tuple(sorted(e.forms)),
            passages=tuple(passages[i].id for i in sorted(e.passages)),
        )
        for e in ordered
    ]
    by_passage: dict[str, list[str]] = defaultdict(list)
    for ch in characters:
        for pid in ch.passages:
            by_passage[pid].append(ch.name)
    relationships = _relationships(passages, ordered, findings, kb)
    return Cast(
        fandom=fandom,
        fandom_score=round(fandom_score, 3),
        characters=characters,
        relationships=relationships,
        by_passage={k: tuple(v) for k, v in by_passage.items()},
    )


@dataclass
class _PairEvidence:
    passages: int = 0
    strong: int = 0  # strong romantic cues in sentences naming both
    sexual: int = 0  # passages flagged as sexual content that both are in
    family: int = 0  # family/friend words in sentences naming both
    score: float = 0.0

    @property
    def romantic(self) -> bool:
        """Romantic when the cues add up (score >= 2) and are either decisive (two
        strong cues naming both, or a sexual scene together) or frequent for how often
        the two appear together. Family wording in the same sentences ("her brother")
        turns affection platonic unless strong cues clearly outnumber it."""
        if self.score < 2.0 or (self.family and not self.sexual and self.strong <= 2 * self.family):
            return False
        return self.strong >= 2 or self.sexual >= 1 or self.score >= 0.4 * self.passages


def _relationships(
    passages: Sequence[Passage],
    chars: list[_Entity],
    findings: Sequence[Finding],
    kb: KnowledgeBase,
) -> list[Relationship]:
    """Pairs of characters named in the same passages, romantic ("/") or platonic ("&")."""
    sexual = {
        ev.passage_id
        for f in findings
        if f.warning in SEXUAL_WARNINGS
        for ev in f.evidence
        if ev.severity != "mention"
    }
    people = [c for c in chars if c.mentions >= 2]
    pairs: dict[frozenset[str], _PairEvidence] = defaultdict(_PairEvidence)
    for p_idx, passage in enumerate(passages):
        present = [c for c in people if p_idx in c.passages]
        if len(present) < 2:
            continue
        sentences = re.split(r"(?<=[.!?…])[\"”’]?\s+|\n+", passage.text)
        cues = [
            (len(ROMANCE_STRONG.findall(s)), len(ROMANCE_WEAK.findall(s)), bool(FAMILY.search(s)))
            for s in sentences
        ]
        named = {c.key: [bool(_form_regex(c.forms).search(s)) for s in sentences] for c in present}
        share = 1.0 / (len(present) - 1)
        for i, one in enumerate(present):
            for two in present[i + 1 :]:
                ev = pairs[frozenset((one.key, two.key))]
                ev.passages += 1
                for k, (strong, weak, family) in enumerate(cues):
                    if named[one.key][k] and named[two.key][k]:
                        ev.strong += strong
                        ev.score += strong + 0.5 * weak
                        ev.family += family
                    else:
                        ev.score += 0.3 * share * (strong + 0.5 * weak)
                if passage.id in sexual:
                    ev.sexual += 1
                    ev.score += 2.0 * share
    rels: list[Relationship] = []
    for pair, ev in pairs.items():
        if ev.romantic:
            kind: Literal["/", "&"] = "/"
        elif ev.passages >= 2:
            kind = "&"
        else:
            continue
        first, second = sorted(pair, key=str.lower)
        a, b = _ao3_order(first, second, chars, kb)
        strength = round(ev.passages + ev.score, 3)
        rels.append(Relationship(a, b, kind, strength, ev.passages, round(ev.score, 3)))
    rels.sort(key=lambda r: (-r.strength, r.a, r.b))
    return rels[:8]


def _form_regex(forms: Iterable[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alts})\b")


def _ao3_order(a: str, b: str, chars: list[_Entity], kb: KnowledgeBase) -> tuple[str, str]:
    ids = {c.key: c.kb_id for c in chars}
    ia, ib = ids.get(a), ids.get(b)
    if ia is not None and ib is not None:
        known = kb.pairs.get(frozenset((ia, ib)))
        if known:
            return kb.names[known[0]], kb.names[known[1]]
    return a, b
