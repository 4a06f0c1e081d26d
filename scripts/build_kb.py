"""Build forewarn's small knowledge base from public AO3 tag lists.

Reads `/work/shared/data/ao3-tags/*` (or `--data DIR`) and writes two derived files into
`src/forewarn/kb/` (or `--out DIR`):

* `characters.json.gz` -- character names with the fandom each most likely belongs to,
  a popularity weight, and the relationship pairs AO3 tags name. Nothing of the tag
  lists is copied wholesale: only names that survive the parsing below are kept.
* `freeforms.json` -- the AO3 freeform spellings `tags.suggest` emits per warning and
  severity, each checked to exist in the canonical 2016 freeform list (or the 2023
  meta-tag graph), with its usage count as the evidence for that spelling.

How characters and fandoms are found (the tag lists have no "character" column):

1. Relationship tags ("Draco Malfoy/Harry Potter", "Minor Bellamy Blake/Raven Reyes",
   "Aziraphale/Crowley (Good Omens)", "Draco Malfoy & Harry Potter Friendship") are
   split into their sides after dropping AO3 modifiers ("Minor", "Past", "Eventual"...);
   each side that looks like a name is a character, each tag an edge between them.
2. A trailing parenthetical names a fandom ("Marko (Lost Boys)", "Crups (Harry Potter)");
   media words ("TV", "Band", "Comics") and years are not fandoms. A character whose
   own name is a fandom name ("Harry Potter", "Percy Jackson") belongs to it.
3. Other characters inherit the fandom their relationship partners mostly have (label
   propagation over the relationship graph, weighted by tag usage). Characters that
   never get a fandom are dropped: without a fandom they cannot help suggest one.

Run: `python scripts/build_kb.py` (takes a few seconds). Deterministic output.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import io
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("/work/shared/data/ao3-tags")
DEFAULT_OUT = ROOT / "src" / "forewarn" / "kb"

# ---------------------------------------------------------------------------------------
# Freeform spellings per warning and severity. Each level is a list of slots; a slot is a
# list of alternative spellings in order of preference and the first spelling that
# exists in the canonical lists is kept. A missing "mention" level falls back to
# "depiction"; a missing "graphic" level falls back to "depiction"; an explicit empty
# list means "no tag at this level". "refine" replaces the level's tags with more
# specific ones when the evidence quotes match (first matching pattern wins).
# ---------------------------------------------------------------------------------------
FREEFORM_CANDIDATES: dict[str, dict[str, list[list[str]]]] = {
    "homophobia": {
        "mention": [["Implied/Referenced Homophobia"]],
        "depiction": [["Homophobia"]],
        "graphic": [["Homophobia"], ["Homophobic Language"]],
    },
    "transphobia": {"depiction": [["Transphobia"]]},
    "classism": {"depiction": [["Class Issues", "Class Differences"]]},
    "sexism": {"depiction": [["Sexism", "Misogyny"]]},
    "racism": {"depiction": [["Racism"]], "graphic": [["Racism"], ["Racist Language"]]},
    "religious-discrimination": {"depiction": [["Religious Persecution", "Religious Conflict"]]},
    "ableism": {"depiction": [["Ableism"]], "graphic": [["Ableism"], ["Ableist Language"]]},
    "body-shaming": {"depiction": [["Fat Shaming", "Body Image"]]},
    "other-discrimination": {"depiction": [["Discrimination"]]},
    "violence": {
        "mention": [["Implied/Referenced Violence", "Minor Violence"]],
        "depiction": [["Violence"]],
        "graphic": [["Graphic Violence", "Violence"], ["Graphic Description"]],
    },
    "kidnapping": {
        "mention": [["Implied/Referenced Kidnapping", "Kidnapping"]],
        "depiction": [["Kidnapping"]],
        "graphic": [["Kidnapping"], ["Captivity"]],
    },
    "death": {
        "mention": [["Implied/Referenced Character Death"]],
        "depiction": [["Character Death"]],
        "graphic": [["Character Death"], ["Graphic Description of Corpses"]],
    },
    "collective-violence": {
        "depiction": [["War"]],
        "graphic": [["War"], ["Graphic Description"]],
    },
    "other-aggression": {
        "mention": [["Threats"]],
        "depiction": [["Threats of Violence", "Threats"]],
    },
    "abuse": {
        "mention": [["Implied/Referenced Abuse", "Past Abuse"]],
        "depiction": [["Abuse"]],
        "graphic": [["Abuse"], ["Physical Abuse"]],
    },
    "sexual-abuse": {
        "mention": [["Implied/Referenced Rape/Non-con"]],
        "depiction": [["Rape/Non-con Elements"]],
        "graphic": [["Rape/Non-con Elements"], ["Graphic Description"]],
    },
    "child-abuse": {
        "mention": [["Implied/Referenced Child Abuse", "Past Child Abuse"]],
        "depiction": [["Child Abuse"]],
    },
    "animal-abuse": {"depiction": [["Animal Abuse"]]},
    "abusive-language": {"depiction": [["Verbal Abuse", "Slurs"]]},
    "other-abuse": {"depiction": [["Emotional Manipulation", "Manipulation"]]},
    "miscarriage": {
        "mention": [["Implied/Referenced Miscarriage", "Miscarriage"]],
        "depiction": [["Miscarriage"]],
    },
    "abortion": {"mention": [["Implied/Referenced Abortion"]], "depiction": [["Abortion"]]},
    "childbirth": {"depiction": [["Childbirth"]]},
    "other-pregnancy": {"depiction": [["Pregnancy"]]},
    "blood-gore": {
        "mention": [["Blood"]],
        "depiction": [["Blood and Injury"]],
        "graphic": [["Blood and Gore"], ["Graphic Description"]],
    },
    "procedures": {"depiction": [["Medical Procedures"]]},
    "other-medical": {"depiction": [["Illnesses"]]},
    "dysmorphia": {
        "mention": [["Implied/Referenced Eating Disorder", "Eating Disorders"]],
        "depiction": [["Eating Disorders"]],
    },
    "self-harm": {
        "mention": [["Implied/Referenced Self-Harm"]],
        "depiction": [["Self-Harm"]],
        "graphic": [["Self-Harm"], ["Graphic Description"]],
    },
    "suicide": {
        "mention": [["Implied/Referenced Suicide"]],
        "depiction": [["Suicide"]],
        "graphic": [["Suicide"], ["Graphic Description"]],
    },
    "mental-illness": {"depiction": [["Mental Health Issues"]]},
    "addiction": {
        "mention": [["References to Addiction", "Addiction"]],
        "depiction": [["Addiction"]],
    },
    "other-mental-health": {"mention": [["Trauma"]], "depiction": [["Trauma"]]},
    "pornography": {
        "mention": [["Implied Sexual Content"]],
        "depiction": [["Explicit Sexual Content"]],
        "graphic": [["Explicit Sexual Content"], ["Smut"]],
    },
    "incest": {"mention": [["Implied/Referenced Incest"]], "depiction": [["Incest"]]},
    "other-sexual": {
        "mention": [["Implied/Referenced Sex", "Implied Sexual Content"]],
        "depiction": [["Implied Sexual Content"]],
        "graphic": [["Sexual Content"]],
    },
    "profanity": {"mention": [], "depiction": [["Swearing"]], "graphic": [["Explicit Language"]]},
}

# warning -> [(regex over evidence quotes, [alternative spellings])]; the refined tag
# replaces the level's first tag, except for warnings in FREEFORM_REFINE_ADDS where it is
# added in front (torture is violence too).
FREEFORM_REFINE_ADDS = {"violence"}
FREEFORM_REFINE: dict[str, list[tuple[str, list[str]]]] = {
    "other-mental-health": [
        (r"\bpanic", ["Panic Attacks"]),
        (r"\bflashback", ["Flashbacks"]),
        (r"\bdissociat", ["Dissociation"]),
    ],
    "addiction": [
        (
            r"\b(?:alcohol|drunk|whiske?y|vodka|beer|bottle|booze|liquor)",
            ["Alcohol Abuse/Alcoholism"],
        ),
        (r"\b(?:drugs?|heroin|cocaine|meth|pills|overdos|needle|high\b)", ["Drug Addiction"]),
    ],
    "other-abuse": [
        (r"\bstalk", ["Stalking"]),
        (r"\bgaslight", ["Gaslighting"]),
    ],
    "other-sexual": [(r"\bharass", ["Sexual Harassment"])],
    "mental-illness": [
        (r"\bdepress", ["Depression"]),
        (r"\banxi", ["Anxiety"]),
    ],
    "violence": [(r"\btortur", ["Torture"])],
    "other-medical": [(r"\bhospital", ["Hospitals"])],
}

# ---------------------------------------------------------------------------------------
# Character knowledge base
# ---------------------------------------------------------------------------------------
REL_MODIFIERS = {
    "minor", "background", "past", "implied", "eventual", "endgame", "established", "pre",
    "pre-", "one-sided", "onesided", "married", "domestic", "young", "former", "unrequited",
    "mentioned", "future", "secret", "fake", "platonic", "brief", "referenced", "canon",
    "divorced", "engaged", "hinted", "slight", "side", "possible", "broken", "ex", "ex-",
    "tentative", "developing", "hidden", "unspoken", "alternating", "temporary", "casual",
    "mutual", "non-con", "dubcon", "pre-relationship", "requited", "implied/referenced",
}  # fmt: skip
REL_SUFFIXES = re.compile(
    r"\s+(?:Friendship|Bromance|Brotherhood|Sisterhood|Relationship|Smut|Fluff|Friends"
    r"|Family|Sibling Bonding)$"
)
BAD_WORDS = {
    "week", "bang", "challenge", "exchange", "fest", "series", "season", "episode", "au",
    "universe", "advent", "smut", "fluff", "fic", "fics", "prompt", "prompts", "drabble",
    "drabbles", "month", "spoilers", "kink", "meme", "fanfic", "fanfiction", "fandom",
    "character", "characters", "relationship", "relationships", "threesome", "foursome",
    "polyamory", "ot3", "ot4", "pairing", "pairings", "outside", "other", "others", "crack",
    "rpf", "setting", "verse", "reverse", "big", "mini", "party", "night", "and", "or",
    "with", "in", "on", "is", "are", "a", "an", "for", "to", "x", "fandoms", "angst", "ust",
    "feels", "santa", "cuddles", "bonding", "kissing", "poetry", "shot", "anniversary",
    "lives", "dies", "ships", "comfort", "hurt", "au's", "aus", "works", "media", "types",
}  # fmt: skip
NAME_PARTICLES = {
    "de", "van", "von", "der", "den", "du", "la", "le", "da", "di", "del", "al", "bin",
    "ibn", "of", "the", "y", "dos", "das", "zu", "ten", "ter", "no", "el",
}  # fmt: skip
MEDIA_WORDS = {
    "tv", "band", "comics", "comic", "movies", "movie", "film", "films", "video games",
    "video game", "cartoon", "character", "book", "books", "anime", "manga", "musical",
    "play", "web series", "podcast", "novel", "novels", "game", "games", "uk", "us", "usa",
    "radio", "audio", "anime & manga", "animated", "live action", "adventure", "rpf",
    "freeform", "original", "fandom", "female", "male", "ambiguous", "emotional", "mentioned", "implied", "background", "past", "minor", "singer", "actor", "musician", "rapper", "youtuber",
    "streamer", "wrestler", "mythology", "folklore", "au", "canon", "series", "show",
}  # fmt: skip
GENERIC_SIDE = re.compile(
    r"^(?:Reader|You|Everyone|Everybody|Various|Multiple|Others?|Other\(s\)|OCs?|OFC|OMC"
    r"|Original .*|Female Reader|Male Reader|Gender Neutral Reader|.*Reader)$"
)
TOKEN_OK = re.compile(r"^(?:[\"'“‘(]?[^\W\d_][\w.'’\-]*[\"'”’)]?|[A-Z]\.)$")
TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")
AU_FANDOM = re.compile(r"^Alternate Universe - (.+?) (?:Setting|Fusion)$")


def load_tags(data: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """All tag names with a usage count (metatag-only names count 0) and meta-tag edges."""
    raw = json.loads((data / "freeform-tags-2016.json").read_text("utf-8"))
    counts: dict[str, int] = {}
    for name, count in raw.items():
        name = html.unescape(name).strip()
        counts[name] = max(counts.get(name, 0), int(count), 0)
    edges: list[tuple[str, str]] = []
    with (data / "metatags-2023.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            a = html.unescape(row["Tag Name"]).strip()
            b = html.unescape(row["Metatag Name"]).strip()
            edges.append((a, b))
            counts.setdefault(a, 0)
            counts.setdefault(b, 0)
    abuse = data / "abuse-subtags.csv"
    if abuse.exists():
        with abuse.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                counts.setdefault(html.unescape(row["dst"]).strip(), 0)
    return counts, edges


def valid_fandom(label: str) -> bool:
    label = label.strip()
    if len(label) < 2 or not (label[0].isupper() or label[0].isdigit()):
        return False
    if re.fullmatch(r"[\d\s\-/]+", label) or label.lower() in MEDIA_WORDS:
        return False
    if re.match(
        r"(?:Daughter|Son|Brother|Sister|Child|Children|Wife|Husband|Mother|Father) of ", label
    ):
        return False  # "Original Female Character (Daughter of Corlys)" names an OC's family
    return not re.fullmatch(r"(?:19|20)\d\d.*", label)


def looks_like_name(text: str) -> bool:
    """1-5 capitalised tokens (particles allowed inside), aliases split by " | "."""
    for part in text.split(" | "):
        tokens = part.split()
        if not 1 <= len(tokens) <= 5 or len(part) > 48:
            return False
        if not tokens[0][0].isupper() and tokens[0][0] not in "\"'“":
            return False
        for tok in tokens:
            if tok.lower().strip("\"'“”()") in BAD_WORDS or not TOKEN_OK.match(tok):
                return False
            if not (tok[0].isupper() or tok.lower() in NAME_PARTICLES or tok[0] in "\"'“(‘"):
                return False
        if len(part.replace(".", "").replace(" ", "")) < 2:
            return False
    return True


def split_side(side: str) -> tuple[str, str | None] | None:
    """A relationship side -> (character name as AO3 writes it, fandom from its own
    parenthetical or None); None when the side is not a usable name."""
    side = re.sub(r"-centric$", "", side.strip())
    fandom = None
    m = TRAILING_PAREN.match(side)
    if m:
        base, label = m.group(1), m.group(2)
        if not looks_like_name(base):
            return None
        if valid_fandom(label):
            fandom = label
        return (side if fandom else base), fandom
    return (side, None) if looks_like_name(side) else None


def strip_modifiers(tag: str) -> str:
    words = tag.split(" ")
    while words and words[0].lower() in REL_MODIFIERS:
        words = words[1:]
    out = " ".join(words)
    if out.lower().startswith("pre-"):
        out = out[4:]
    return out


def parse_relationship(tag: str) -> tuple[str, list[tuple[str, str | None]], str | None] | None:
    """Parse e.g. "Minor Draco Malfoy/Harry Potter" -> ("/", [(name, fandom), ...], tag fandom)."""
    if "/" in tag and " & " not in tag:
        kind = "/"
    elif " & " in tag and "/" not in tag:
        kind = "&"
    else:
        return None
    if tag.startswith(("Alternate Universe", "Implied/Referenced", "Episode", "Season")):
        return None
    body = REL_SUFFIXES.sub("", strip_modifiers(tag))
    tag_fandom = None
    m = TRAILING_PAREN.match(body)
    if m and kind in body[: m.start(2)] and valid_fandom(m.group(2)):
        # "Aziraphale/Crowley (Good Omens)": the parenthetical names the whole pairing's
        # fandom unless it clearly belongs to the last side only ("Marko (Lost Boys)").
        last_side = m.group(1).split(kind)[-1]
        if "(" not in last_side:
            tag_fandom = m.group(2)
            body = m.group(1)
    sides_raw = body.split(kind) if kind == "/" else body.split(" & ")
    if len(sides_raw) < 2 or len(sides_raw) > 4:
        return None
    sides: list[tuple[str, str | None]] = []
    for raw in sides_raw:
        raw = raw.strip()
        if GENERIC_SIDE.match(raw):
            continue
        parsed = split_side(raw)
        if parsed is None:
            return None
        sides.append(parsed)
    if not sides:
        return None
    return kind, sides, tag_fandom


Votes = dict[str, dict[str, float]]  # name -> fandom (or neighbour) -> weight


def build_characters(counts: dict[str, int], edges: list[tuple[str, str]]) -> dict[str, Any]:
    fandom_names = _fandom_names(counts)
    rels = _relationship_tags(counts)
    sides = _reduce_sides(rels)

    weight: Counter[str] = Counter()
    fixed: dict[str, str] = {}
    soft: Votes = defaultdict(lambda: defaultdict(float))
    graph: Votes = defaultdict(lambda: defaultdict(float))
    pairs: Counter[tuple[str, str, str]] = Counter()

    for kind, raw_sides, tag_fandom, count in rels:
        names: list[str] = []
        for raw, own_fandom in raw_sides:
            name = sides.get(raw, raw)
            weight[name] += count + 1
            if own_fandom:
                fixed[name] = own_fandom
            elif tag_fandom:
                soft[name][tag_fandom] += 4 + math.log1p(count)
            if name not in names:
                names.append(name)
        _link(names, 2 + math.log1p(count), graph)
        if len(names) == 2:
            pairs[(names[0], names[1], kind)] += count + 1

    # Every other tag that names known characters: popularity ("Bottom Draco Malfoy"),
    # co-occurrence ("Sirius Black Raises Harry Potter"), fandom votes from a trailing
    # parenthetical, and the modifiers written in front of names ("Slytherin X").
    prefixes: dict[str, set[str]] = defaultdict(set)
    finder = _NameFinder(weight)
    for tag, count in sorted(counts.items()):
        if "/" in tag or " & " in tag:
            continue
        m = TRAILING_PAREN.match(tag)
        base, label = (m.group(1), m.group(2)) if m else (tag, None)
        found = finder.find(base)
        for name, start in found:
            weight[name] += count
            if label and valid_fandom(label):
                soft[name][label] += 2 + math.log1p(count)
            if 0 < start <= 2 and start + len(name.split()) == len(base.split()):
                prefixes[" ".join(base.split()[:start])].add(name)
        _link(sorted({n for n, _ in found}), 0.5 + 0.5 * math.log1p(count), graph)
    # Meta-tag edges lend their parent's fandom to the names in the child tag:
    # "Midoriya Izuku Has a Death Quirk" -> "Quirks (My Hero Academia)".
    for child, parent in edges:
        m = TRAILING_PAREN.match(parent)
        if m and valid_fandom(m.group(2)) and "/" not in child:
            for name in {n for n, _ in finder.find(child)}:
                soft[name][m.group(2)] += 3

    for name in list(weight):
        base = name.split(" (")[0]
        if name not in fixed and fandom_names.get(base, 0) >= 2:
            fixed[name] = base
        if name in fixed and base != name and base in weight:
            soft[base][fixed[name]] += 8  # "Scott McCall (Teen Wolf)" -> "Scott McCall"
    labels = _propagate(list(weight), fixed, soft, graph)
    # Modifiers used (almost) only with one fandom's characters ("Slytherin", "Hunter")
    # vote for that fandom for their other characters; then propagate again.
    for with_prefix in prefixes.values():
        votes = Counter(labels[n] for n in with_prefix if n in labels)
        if not votes:
            continue
        fandom, n_best = votes.most_common(1)[0]
        if n_best >= 3 and n_best >= 0.8 * sum(votes.values()):
            for n in with_prefix:
                soft[n][fandom] += 3
    labels = _propagate(list(weight), fixed, soft, graph)

    # Single-word names that are a word of a same-fandom full name ("Harry" next to
    # "Harry Potter") are aliases, which the matcher derives itself: drop them.
    words_by_fandom: dict[str, set[str]] = defaultdict(set)
    for name, fandom in labels.items():
        if " " in name.split(" (")[0]:
            words_by_fandom[fandom].update(name.split(" (")[0].replace(" | ", " ").split())
    keep = sorted(
        name
        for name, fandom in labels.items()
        if " " in name.split(" (")[0] or name.split(" (")[0] not in words_by_fandom[fandom]
    )
    fandoms = sorted({labels[n] for n in keep})
    f_index = {f: i for i, f in enumerate(fandoms)}
    c_index = {n: i for i, n in enumerate(keep)}
    characters = [[n, f_index[labels[n]], weight[n]] for n in keep]
    relationships = sorted(
        [c_index[a], c_index[b], w, kind]
        for (a, b, kind), w in pairs.items()
        if a in c_index and b in c_index
    )
    return {
        "version": "1",
        "source": "derived from AO3 tag names: ceejbot/ao3tags freeform-tags-2016 (ISC), "
        "jtrainrva/ao3_analysis metatags-2023, webis-de abuse-subtags (Apache-2.0); "
        "names and pairings only",
        "fandoms": fandoms,
        "characters": characters,
        "relationships": relationships,
    }


Side = tuple[str, str | None]
RelTag = tuple[str, list[Side], str | None, int]


def _fandom_names(counts: dict[str, int]) -> Counter[str]:
    """Fandom names seen as disambiguators "(Harry Potter)" or AU settings."""
    names: Counter[str] = Counter()
    for tag in counts:
        m = TRAILING_PAREN.match(tag)
        if m and valid_fandom(m.group(2)):
            names[m.group(2)] += 1
        au = AU_FANDOM.match(tag)
        if au and valid_fandom(au.group(1)) and len(au.group(1)) <= 40:
            names[au.group(1)] += 1
    return names


def _relationship_tags(counts: dict[str, int]) -> list[RelTag]:
    """Parsed "/" tags, then "&" tags whose sides are known from "/" tags or are
    multi-word (two capitalised words joined by "&" are often not people: "Fate & Destiny")."""
    slash: list[RelTag] = []
    amp: list[RelTag] = []
    for tag, count in sorted(counts.items()):
        parsed = parse_relationship(tag)
        if parsed is not None:
            (slash if parsed[0] == "/" else amp).append((*parsed, count))
    known = {name for _, sides, _, _ in slash for name, _ in sides}
    fandoms = _fandom_names(counts)
    for rel in amp:
        if all(n in known or (" " in n.split(" (")[0] and n not in fandoms) for n, _ in rel[1]):
            slash.append(rel)
    return slash


def _reduce_sides(rels: list[RelTag]) -> dict[str, str]:
    """Sides with extra words around a better-attested name map to that name:
    "Dean Winchester First Kiss" -> "Dean Winchester", "Slow Burn Hermione Granger" ->
    "Hermione Granger"."""
    freq: Counter[str] = Counter(name for _, sides, _, _ in rels for name, _ in sides)
    finder = _NameFinder(freq, single=True)
    out: dict[str, str] = {}
    for name in freq:
        if "(" in name:
            continue
        parts = set(name.split(" | "))
        better = [
            n for n, _ in finder.find(name) if n != name and n not in parts and freq[n] > freq[name]
        ]
        if better:
            out[name] = max(better, key=lambda n: (len(n), freq[n], n))
    return out


class _NameFinder:
    """Find known multi-word names as whole-word runs inside a tag."""

    def __init__(self, names: Counter[str] | dict[str, int], single: bool = False) -> None:
        self.by_first: dict[str, list[list[str]]] = defaultdict(list)
        for name in names:
            words = name.split()
            if (len(words) >= 2 or single) and "(" not in name:
                self.by_first[words[0]].append(words)
        for v in self.by_first.values():
            v.sort(key=len, reverse=True)

    def find(self, text: str) -> list[tuple[str, int]]:
        """Every known name occurring in `text` as a run of whole words (overlaps kept)."""
        words = text.split()
        found: list[tuple[str, int]] = []
        for i, word in enumerate(words):
            for cand in self.by_first.get(word, ()):
                if words[i : i + len(cand)] == cand:
                    found.append((" ".join(cand), i))
        return found


def _link(names: list[str], w: float, graph: Votes) -> None:
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if a != b:
                graph[a][b] += w
                graph[b][a] += w


def _propagate(
    names: list[str],
    fixed: dict[str, str],
    soft: Votes,
    graph: Votes,
) -> dict[str, str]:
    """Fandom by diffusion: every name starts with its own votes (a fixed fandom counts
    heavily) and repeatedly receives a damped share of its neighbours' fandom mass, each
    neighbour splitting its mass over its edges (so a crossover hub cannot flood a
    cluster). Fixed names keep their fandom; the rest take their strongest fandom."""
    seed: Votes = {n: defaultdict(float, soft.get(n, {})) for n in names}
    for n, f in fixed.items():
        if n in seed:
            seed[n][f] += 20.0
    degree = {n: sum(graph.get(n, {}).values()) for n in names}
    mass: Votes = {n: defaultdict(float, c) for n, c in seed.items()}
    for _ in range(10):
        new: Votes = {n: defaultdict(float, c) for n, c in seed.items()}
        for m in names:
            if not mass[m] or not degree[m]:
                continue
            for n, w in graph[m].items():
                if n in new:
                    share = 0.7 * w / degree[m]
                    for f, v in mass[m].items():
                        new[n][f] += share * v
        mass = new
    labels = {}
    for n in names:
        if n in fixed:
            labels[n] = fixed[n]
        elif mass[n]:
            labels[n] = max(mass[n].items(), key=lambda kv: (kv[1], kv[0]))[0]
    return labels


def build_freeforms(counts: dict[str, int], edges: list[tuple[str, str]]) -> dict[str, Any]:
    meta_names = {a for a, _ in edges} | {b for _, b in edges}
    exists = {t for t, c in counts.items() if c > 0} | meta_names

    def pick(slot: list[str]) -> str | None:
        return next((t for t in slot if t in exists), None)

    used: dict[str, int] = {}
    tags: dict[str, dict[str, list[str]]] = {}
    for warning, levels in FREEFORM_CANDIDATES.items():
        out: dict[str, list[str]] = {}
        for level in ("mention", "depiction", "graphic"):
            source = levels.get(level)
            if source is None:
                source = levels["depiction"]
            chosen = [t for t in (pick(s) for s in source) if t]
            out[level] = list(dict.fromkeys(chosen))
            for t in chosen:
                used[t] = counts.get(t, 0)
        tags[warning] = out
    refine: dict[str, list[list[str]]] = {}  # warning -> [[pattern, tag, mode]]
    for warning, rules in FREEFORM_REFINE.items():
        kept = []
        for pattern, slot in rules:
            tag = pick(slot)
            if tag:
                kept.append([pattern, tag, "add" if warning in FREEFORM_REFINE_ADDS else "replace"])
                used[tag] = counts.get(tag, 0)
        refine[warning] = kept
    return {
        "version": "1",
        "source": "spellings checked against ceejbot/ao3tags freeform-tags-2016 (ISC) and "
        "the jtrainrva/ao3_analysis metatags-2023 graph; counts are 2016 usage",
        "tags": tags,
        "refine": refine,
        "counts": dict(sorted(used.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not (args.data / "freeform-tags-2016.json").exists():
        print(f"no AO3 tag data in {args.data}", file=sys.stderr)
        return 2
    counts, edges = load_tags(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    kb = build_characters(counts, edges)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(json.dumps(kb, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    (args.out / "characters.json.gz").write_bytes(buf.getvalue())
    ff = build_freeforms(counts, edges)
    (args.out / "freeforms.json").write_text(
        json.dumps(ff, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"{len(kb['characters'])} characters, {len(kb['fandoms'])} fandoms, "
        f"{len(kb['relationships'])} pairs, {len(buf.getvalue()) // 1024} KiB; "
        f"{len(ff['counts'])} freeform spellings"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
