"""The lexicon detector: every warning fires on a clear example, idioms and negation do
not fire, lemma forms match, the features are deterministic and fast."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from forewarn import taxonomy
from forewarn.aggregate import aggregate
from forewarn.detect.lexicon import (
    Lexicon,
    LexiconDetector,
    compile_pattern,
    feature_names,
    lexicon_features,
    load_lexicon,
    reportedness,
)
from forewarn.text_norm import Lemmatizer, excerpt, lemma_candidates, tokenize
from forewarn.work import Passage

CLEAR = {
    "homophobia": '"Get out of my house, you filthy faggot," his father spat. He sent his son to a conversion camp the next week.',
    "transphobia": "Her aunt kept deadnaming her at dinner and called her a tranny when she asked her to stop misgendering her.",
    "classism": '"Know your place, gutter rat," the duchess sneered. "Trailer trash like you will never be one of us."',
    "sexism": '"Women belong in the kitchen," he said, "so make me a sandwich and shut up, you stupid bitch."',
    "racism": "The men shouted racial slurs at him and told him to go back to where he came from.",
    "religious-discrimination": "The mob ripped off her hijab and jeered; it was religious persecution, plain and simple.",
    "ableism": '"Look at the retard," the boys jeered, mocking his stutter until he cried.',
    "body-shaming": '"Look at you, fatso," his mother said, pinching his stomach. "You should lose some weight, you fat pig."',
    "other-discrimination": "The registration act made every werewolf a second-class citizen, and the bigots cheered the discrimination.",
    "violence": "He punched her in the face and kicked her until she stopped moving, then stabbed her twice.",
    "kidnapping": "They kidnapped the girl from the parking lot, bound and gagged her, and held her hostage for a ransom.",
    "death": "He died in her arms. By morning his body was cold, and they buried him beside his mother.",
    "collective-violence": "The air raid levelled the city; soldiers marched past the mass grave as the war crushed another village.",
    "other-aggression": '"I know where you live," he hissed, pressing a knife to her throat. "Tell anyone and I\'ll kill you."',
    "abuse": "Her husband hit her again last night. She has lived with domestic violence for years and hides the bruises.",
    "sexual-abuse": "He raped her while she was too drunk to consent, and she told no one about the assault.",
    "child-abuse": "His father used to beat him with a belt when he was six, and locked him in the cupboard without food.",
    "animal-abuse": "The boy kicked the dog until it whimpered, then drowned the kitten in the river.",
    "abusive-language": '"You worthless piece of shit," she screamed at him. "You\'re a waste of space and nobody wants you."',
    "other-abuse": "He had been stalking her for months, tracking her phone and gaslighting her until she doubted her own memory.",
    "miscarriage": "At twelve weeks she miscarried. The doctor couldn't find a heartbeat, and she lost the baby.",
    "abortion": "She booked an appointment at the abortion clinic to terminate the pregnancy.",
    "childbirth": "Her water broke at midnight. Eleven hours of labour later, she gave birth to a baby girl in the delivery room.",
    "other-pregnancy": "She stared at the pregnancy test. Two pink lines. She was pregnant.",
    "blood-gore": "Blood gushed from the gaping wound, soaking his shirt, and a shard of bone protruded through the skin.",
    "procedures": "The surgeon made the incision while the anaesthetic took hold, then stitched the wound closed with twelve sutures.",
    "other-medical": "He was diagnosed with terminal cancer and spent his last weeks in a hospital bed in intensive care.",
    "dysmorphia": "She hadn't eaten in three days. After dinner she made herself throw up, counting calories and hating her body.",
    "self-harm": "She locked the bathroom door and cut herself again, dragging the razor blade across her wrist.",
    "suicide": "He wrote a suicide note and swallowed a handful of pills, wanting to die.",
    "mental-illness": "Her depression had worsened since the psychiatrist changed her antidepressants; the bipolar diagnosis scared her.",
    "addiction": "He was a heroin addict; the track marks on his arms told the story, and rehab hadn't stuck after his last overdose.",
    "other-mental-health": "The flashback hit her hard. She was hyperventilating, in the middle of a full-blown panic attack, dissociating.",
    "pornography": "He stroked his cock slowly while she moaned, then he thrust into her until they both reached orgasm.",
    "incest": "He knew it was wrong to want his sister, but that night he slept with his sister and didn't regret the incest.",
    "other-sexual": "The next morning they woke in tangled sheets after their one-night stand, a hickey blooming on her neck.",
    "profanity": '"Fuck," he snapped. "What the fuck is this shit? Fucking hell, you motherfucker."',
}

IDIOMS = [
    "You're killing it out there, honestly.",
    "I was dying of laughter when he tripped.",
    "I'm dying to know what happens next.",
    "I could murder a pizza right now.",
    "She shot a glance at the clock.",
    "He shot him a look across the table.",
    "I'm dead tired after that shift.",
    "Her date was drop-dead gorgeous.",
    "We were bored to death in that lecture.",
    "The thunder scared me to death.",
    "Can you cut the onions while I stir the sauce?",
    "Go knock 'em dead at the audition!",
    "Break a leg tonight!",
    "He flashed a killer smile.",
    "She ordered a blood orange soda.",
    "That was bloody brilliant, mate.",
    "You absolutely slay in that dress.",
    "Their band won the battle of the bands.",
    "The two senators got into a war of words.",
    "She had to fight for custody of the kids in court.",
    "I need a shot of espresso before class.",
    "They were drunk on love all summer.",
    "This lasagna is crazy good.",
    "I'm so depressed my show got cancelled.",
    "We were hanging out at the mall.",
    "He finally beat the game last night.",
    "She choked on her coffee when he said it.",
    "I died three times on that level before I beat the final boss, so I grabbed the controller and respawned at the checkpoint.",
    "The phone battery died halfway through the call.",
    "Kill the lights on your way out.",
    "She stabbed at her salad with a fork, a stab of jealousy in her chest.",
    "Her heart beat faster when he walked in.",
    "He hit the books hard before the exam, then hit the sack.",
    "The realization hit him like a truck.",
    "We had a pillow fight and a snowball fight.",
    "That pregnant pause felt endless.",
    "I'm starving, let's get lunch.",
    "Fat chance of that happening.",
    "The deadline is dead serious this time.",
    "Time to kill two birds with one stone.",
]


def passages_of(paragraphs: list[str], chapter: int = 1) -> tuple[str, list[Passage]]:
    """A work text and one body passage per paragraph, offsets into that text."""
    text = ""
    out: list[Passage] = []
    for k, para in enumerate(paragraphs, start=1):
        if text:
            text += "\n\n"
        start = len(text)
        text += para
        out.append(Passage(f"c{chapter}-p{k}", chapter, k, 0, "body", start, len(text), para))
    return text, out


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon()


def prob(lex: Lexicon, text: str, warning: str) -> float:
    return float(lex.analyse(text).probs[lex.warnings.index(warning)])


def threshold(lex: Lexicon, warning: str) -> float:
    return lex.params[lex.warnings.index(warning)].threshold


# ------------------------------------------------------------------ coverage


def test_clear_examples_cover_the_whole_taxonomy():
    assert sorted(CLEAR) == sorted(taxonomy.load().ids)


@pytest.mark.parametrize("warning", sorted(CLEAR))
def test_each_warning_fires_on_a_clear_example(lex, warning):
    text = CLEAR[warning]
    a = lex.analyse(text)
    w = lex.warnings.index(warning)
    assert a.probs[w] >= threshold(lex, warning), (warning, a.hits.get(w))
    assert a.hits.get(w), "a firing warning must name the words that earned it"
    for hit in a.hits[w]:
        assert hit in text


def test_lexicon_has_terms_for_every_warning(lex):
    from forewarn.detect.lexicon import _TERM

    per_warning = {w: 0 for w in range(len(lex.warnings))}
    for e in lex.entries:
        if e.kind == _TERM and e.weight > 0:
            per_warning[e.group] += 1
    assert all(count >= 10 for count in per_warning.values()), per_warning
    assert lex.n_terms > 1000 and lex.n_idioms > 100


# ------------------------------------------------------------------ idioms


@pytest.mark.parametrize("sentence", IDIOMS)
def test_idiom_alone_fires_nothing(lex, sentence):
    a = lex.analyse(sentence)
    fired = [
        (lex.warnings[j], round(float(a.probs[j]), 2), a.hits.get(j))
        for j in range(len(lex.warnings))
        if a.probs[j] >= lex.params[j].threshold
    ]
    assert fired == []


def test_idiom_paragraph_produces_no_finding():
    detector = LexiconDetector()
    _, one_paragraph = passages_of([" ".join(IDIOMS)])
    assert aggregate(one_paragraph, detector.score(one_paragraph)) == []
    _, one_each = passages_of(IDIOMS)
    assert aggregate(one_each, detector.score(one_each)) == []


def test_idioms_do_not_hide_literal_use(lex):
    assert prob(lex, "He killed her and hid the body.", "death") >= 0.5
    assert prob(lex, "She shot him in the chest.", "violence") >= 0.5
    assert prob(lex, "Blood soaked the bandage on his arm.", "blood-gore") >= 0.5
    assert prob(lex, "He choked her until she passed out.", "violence") >= 0.5


def test_game_talk_damps_violence_and_death(lex):
    plain = "He killed them all and died."
    gaming = "On that level of the video game he killed them all and died, then respawned at the checkpoint."
    assert prob(lex, gaming, "death") < prob(lex, plain, "death")
    assert prob(lex, gaming, "death") < 0.5


# ------------------------------------------------------------------ negation


@pytest.mark.parametrize(
    ("negated", "affirmed", "warning"),
    [
        ("He didn't hit her.", "He hit her across the face.", "violence"),
        ("No one died.", "Everyone died.", "death"),
        (
            "There was no blood on the knife.",
            "There was blood on the floor, blood everywhere.",
            "blood-gore",
        ),
        ("She was not pregnant.", "She was pregnant.", "other-pregnancy"),
    ],
)
def test_negation_suppresses(lex, negated, affirmed, warning):
    assert prob(lex, negated, warning) < threshold(lex, warning) <= prob(lex, affirmed, warning)


def test_negation_does_not_reach_past_other_verbs(lex):
    # "didn't see" negates seeing, not the death
    assert prob(lex, "She didn't see him die.", "death") >= 0.5


def test_never_again_is_still_a_mention(lex):
    text = "She never cut herself again after that summer."
    assert prob(lex, text, "self-harm") >= threshold(lex, "self-harm")
    assert reportedness(text, ["cut herself"]) == 1.0
    _, ps = passages_of([text])
    (finding,) = [f for f in aggregate(ps, LexiconDetector().score(ps)) if f.warning == "self-harm"]
    assert finding.severity == "mention"


# ------------------------------------------------------------------ lemmas


@pytest.mark.parametrize(
    ("forms", "warning"),
    [
        (
            ["He stabbed him.", "He stabs him.", "He is stabbing him.", "He will stab him."],
            "violence",
        ),
        (["She bled.", "She bleeds.", "She was bleeding.", "She will bleed."], "blood-gore"),
        (["He died.", "He dies.", "He is dying.", "He will die."], "death"),
        (["He hanged himself.", "He hung himself.", "He hangs himself."], "suicide"),
        (["She slit her wrists.", "She slits her wrist."], "suicide"),
    ],
)
def test_lemma_forms_all_match(lex, forms, warning):
    probs = [prob(lex, f, warning) for f in forms]
    assert min(probs) >= 0.5, dict(zip(forms, probs, strict=True))


def test_lemmatizer_prefers_known_vocabulary():
    lem = Lemmatizer({"scare", "scar", "stab", "bleed", "die", "choke", "kick"})
    assert lem("scared") == "scare"
    assert lem("scarred") == "scar"
    assert lem("stabbing") == "stab"
    assert lem("bled") == "bleed"
    assert lem("died") == "die"
    assert lem("dying") == "die"
    assert lem("choked") == "choke"
    assert lem("kicked") == "kick"
    assert lem("unknownword") == lemma_candidates("unknownword")[0]


def test_tokenize_splits_clitics_and_keeps_offsets():
    text = "He didn\u2019t hit her; I'll go."
    toks = tokenize(text)
    assert toks.surface == ["he", "did", "n't", "hit", "her", "i", "'ll", "go"]
    assert toks.lemma[2] == "not"
    for s, e, w in zip(toks.start, toks.end, toks.surface, strict=True):
        assert text[s:e].replace("\u2019", "'").lower() == w
    assert toks.clause[4] != toks.clause[5]  # the semicolon ends a clause
    assert toks.sentence[4] == toks.sentence[5]


def test_pattern_grammar():
    macros = {"POSS": ["his", "her"]}
    variants = compile_pattern("slit {POSS}? throat|wrist", macros)
    assert len(variants) == 1
    slots = variants[0]
    assert slots[1].optional and slots[1].words == {"his", "her"}
    assert compile_pattern("laugh_at|mock {POSS}", macros)[1][0].words == {"laugh"}
    with pytest.raises(ValueError):
        compile_pattern("* alone", macros)
    with pytest.raises(ValueError):
        compile_pattern("{NOPE} x", macros)


def test_duplicate_lexicon_keys_are_rejected():
    from forewarn.detect.lexicon import _no_duplicates

    with pytest.raises(ValueError):
        json.loads('{"a": 1, "a": 2}', object_pairs_hook=_no_duplicates)


# ------------------------------------------------------------------ profanity


def test_mild_language_alone_never_warrants_profanity(lex):
    mild = "Damn it. Bloody hell, what a crap day. Damn, damn, damn. Hell no. What the hell, damn it all."
    assert prob(lex, mild, "profanity") < threshold(lex, "profanity")


def test_one_strong_swear_word_is_profanity(lex):
    """The labelling guidelines: a strong swear word that appears is profanity (mention)."""
    for text in ("Oh, fuck.", '"No, no. Shit. Please."', "You absolute cunt."):
        assert prob(lex, text, "profanity") >= threshold(lex, "profanity"), text


def test_ambiguous_words_alone_are_not_profanity(lex):
    for text in ("The bitch had six puppies.", "He was a bastard son of the old king."):
        assert prob(lex, text, "profanity") < threshold(lex, "profanity"), text


def test_more_swearing_scores_higher(lex):
    one = prob(lex, "Oh, fuck.", "profanity")
    two = prob(lex, "Oh, fuck. What a shitty day.", "profanity")
    many = prob(lex, "Fuck. Fuck this shit. Fucking hell, motherfucker.", "profanity")
    assert one < two < many


def test_profanity_severity_is_how_much_of_it_there_is(lex):
    """Guidelines: one strong word is a mention, dense swearing is graphic; so the
    lexicon's intensity for profanity grows with the count, not with the scene."""

    def intensity(text: str) -> float:
        a = lex.analyse(text)
        return float(a.intensity[lex.warnings.index("profanity")])

    one = intensity('He hit the floor hard and the blood ran. "Shit," he said.')
    two = intensity('"Oh, fuck. What a shitty day."')
    dense = intensity('"Fuck. Fuck this shit. Fucking hell, you motherfucking prick."')
    assert one < 0.25 <= two < 0.7 <= dense


def test_british_bloody_is_not_gore(lex):
    assert prob(lex, "That was bloody brilliant, you bloody genius.", "blood-gore") < 0.2


# ------------------------------------------------------------------ contexts, intensity


def test_abuse_of_a_child_is_child_abuse(lex):
    text = "She abused her son for years."
    assert prob(lex, text, "child-abuse") >= 0.5


def test_intensity_rises_with_lingering_detail(lex):
    plain = "He was stabbed in the fight."
    graphic = (
        "He was stabbed again and again; blood gushed and sprayed, hot and coppery, from the "
        "jagged gash, sinew and bone exposed as he writhed and screamed in agony."
    )
    w = lex.warnings.index("violence")
    a, b = lex.analyse(plain), lex.analyse(graphic)
    assert 0.0 < a.intensity[w] < b.intensity[w] <= 1.0
    assert b.intensity[w] >= 0.6
    no_evidence = lex.analyse("They had tea in the garden.")
    assert float(no_evidence.intensity.max()) == 0.0


def test_reportedness_distinguishes_past_mentions():
    assert reportedness("Her brother had died years ago.", ["died"]) == 1.0
    assert reportedness("He stabbed the guard and ran.", ["stabbed"]) == 0.0


# ------------------------------------------------------------------ detector contract


def test_detector_contract_and_determinism():
    detector = LexiconDetector()
    assert detector.name == "lexicon" and detector.version == "2"
    _, ps = passages_of([CLEAR["violence"], "They had tea in the garden.", CLEAR["death"]])
    s1 = detector.score(ps)
    s2 = LexiconDetector().score(ps)  # a second instance: no hidden state
    ids = taxonomy.load().ids
    assert s1.warnings == ids
    assert s1.passage_ids == [p.id for p in ps]
    assert s1.probs.shape == (3, len(ids))
    assert s1.intensity is not None and s1.intensity.shape == s1.probs.shape
    assert set(s1.thresholds) == set(ids)
    assert np.all((s1.probs > 0) & (s1.probs < 1))
    assert np.array_equal(s1.probs, s2.probs)
    assert s1.hits == s2.hits
    assert (0, "violence") in s1.hits and (1, "violence") not in s1.hits
    assert s1.column("violence")[0] > 0.5 > s1.column("violence")[1]


def test_empty_input():
    s = LexiconDetector().score([])
    assert s.probs.shape == (0, len(taxonomy.load().ids))
    assert lexicon_features([]).shape == (0, len(feature_names()))
    assert lexicon_features([""]).shape == (1, len(feature_names()))


# ------------------------------------------------------------------ features


def test_features_are_documented_deterministic_and_meaningful():
    names = feature_names()
    texts = [CLEAR["violence"], "They had tea in the garden.", "He didn't hit her."]
    f1 = lexicon_features(texts)
    f2 = lexicon_features(list(texts))
    assert f1.shape == (3, len(names)) and len(set(names)) == len(names)
    assert np.array_equal(f1, f2)
    col = {n: i for i, n in enumerate(names)}
    assert f1[0, col["evidence:violence"]] > 2.0
    assert f1[1, col["evidence:violence"]] == 0.0
    assert f1[2, col["negated:violence"]] > 0.0
    assert f1[0, col["log_tokens"]] > f1[1, col["log_tokens"]]


def test_features_are_fast():
    sentences = list(CLEAR.values()) + IDIOMS
    words: list[str] = []
    i = 0
    while len(words) < 5000:
        words.extend(sentences[i % len(sentences)].split())
        i += 1
    text = " ".join(words[:5000])
    lexicon_features([text])  # warm the lemma cache
    t0 = time.perf_counter()
    lexicon_features([text])
    elapsed = time.perf_counter() - t0
    # target is well under 50 ms on a laptop core; generous bound for slow CI machines
    assert elapsed < 0.25, elapsed


def test_excerpt_is_short_and_centred():
    filler = "The garden was quiet and the tea was warm. " * 12
    text = filler + "Then he stabbed the guard. " + filler
    quote = excerpt(text, ["stabbed"], 200)
    assert len(quote) <= 200
    assert "stabbed" in quote
    assert quote.startswith("\u2026") and quote.endswith("\u2026")
    assert quote.strip("\u2026") in " ".join(text.split())


# ------------------------------------------------------------------ real data (optional)

WEBIS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "webis-passages" / "passages.jsonl"
)


@pytest.mark.skipif(not WEBIS.exists(), reason="Webis passages not available")
def test_beats_always_yes_on_webis_passages(lex):
    """Mean F1 over the 8 Webis warnings must beat the trivial "always yes" (0.39)."""
    mapping = {
        "violence": "violence", "war": "collective-violence", "death": "death",
        "abduction": "kidnapping", "misogyny": "sexism", "homophobia": "homophobia",
        "racism": "racism", "ableism": "ableism",
    }  # fmt: skip
    by: dict[str, list[tuple[bool, bool]]] = {}
    with WEBIS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            w = mapping[row["warning"]]
            pred = prob(lex, row["text"], w) >= threshold(lex, w)
            by.setdefault(w, []).append((pred, sum(row["labels"]) >= 2))
    f1s = []
    for pairs in by.values():
        tp = sum(p and y for p, y in pairs)
        fp = sum(p and not y for p, y in pairs)
        fn = sum(y and not p for p, y in pairs)
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    assert float(np.mean(f1s)) > 0.42
