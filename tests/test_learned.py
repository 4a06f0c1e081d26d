"""The learned detector: model file round trip, calibrated heads, gating, the Detector
contract, fallbacks; and (when the embedding package is installed) the shipped model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forewarn.detect.embed import HashingEmbedder
from forewarn.detect.learned import LearnedDetector, LearnedModel, lexical_union
from forewarn.errors import ModelError
from forewarn.work import Passage

WARNINGS = ["violence", "death", "profanity"]


def tiny_model(dim: int = 8, lexicon_dim: int = 0) -> LearnedModel:
    rng = np.random.default_rng(0)
    k = len(WARNINGS)
    return LearnedModel(
        version="test-1",
        embedder="hashing-bow-8",
        max_tokens=64,
        warnings=list(WARNINGS),
        weights=rng.normal(size=(k, dim)),
        bias=np.array([0.1, -0.2, 0.0]),
        platt_a=np.array([1.5, 1.0, 2.0]),
        platt_c=np.array([-0.5, 0.0, 0.3]),
        thresholds={"violence": 0.4, "death": 0.5, "profanity": 0.6},
        trained={"violence": True, "death": True, "profanity": False},
        feature_mean=np.zeros(dim),
        feature_scale=np.ones(dim),
        intensity_w=rng.normal(size=dim),
        gate_weights=rng.normal(size=(k, dim)),
        gate_bias=np.zeros(k),
        gate_a=np.ones(k),
        gate_c=np.zeros(k),
        gated={"violence": True, "death": False, "profanity": False},
        intensity_b=0.5,
        lexicon_dim=lexicon_dim,
        meta={"note": "synthetic"},
    )


def _sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def test_probabilities_follow_the_head_formula_gate_and_untrained() -> None:
    m = tiny_model()
    x = np.random.default_rng(1).normal(size=(5, 8))
    p = m.probabilities(x)
    fine = _sig(m.platt_a * (x @ m.weights.T + m.bias) + m.platt_c)
    gate = _sig(x @ m.gate_weights.T)
    assert np.allclose(p[:, 0], fine[:, 0] * gate[:, 0])  # gated
    assert np.allclose(p[:, 1], fine[:, 1])  # not gated
    assert np.all(p[:, 2] == 0)  # untrained head never fires
    assert np.all((m.intensity(x) >= 0) & (m.intensity(x) <= 1))


def test_save_load_round_trip(tmp_path: Path) -> None:
    m = tiny_model()
    m.save(tmp_path / "m")
    back = LearnedModel.load(tmp_path / "m")
    x = np.random.default_rng(2).normal(size=(4, 8))
    assert np.allclose(back.probabilities(x), m.probabilities(x), atol=1e-5)
    assert back.thresholds == m.thresholds and back.trained == m.trained
    assert back.gated == m.gated and back.meta == m.meta and back.version == "test-1"
    assert back.severity_cuts is None  # a model without cuts keeps the aggregate's defaults
    m.severity_cuts = (0.25, 0.7)
    m.save(tmp_path / "cut")
    assert LearnedModel.load(tmp_path / "cut").severity_cuts == (0.25, 0.7)
    assert back.lexical == []
    m.lexical = ["violence"]
    m.save(tmp_path / "lex")
    assert LearnedModel.load(tmp_path / "lex").lexical == ["violence"]


def test_missing_or_foreign_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        LearnedModel.load(tmp_path / "nothing-here")
    m = tiny_model()
    m.save(tmp_path / "m")
    doc = (tmp_path / "m" / "heads.json").read_text().replace('"format": 1', '"format": 99')
    (tmp_path / "m" / "heads.json").write_text(doc)
    with pytest.raises(ModelError):
        LearnedModel.load(tmp_path / "m")


def _passages(texts: list[str]) -> list[Passage]:
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Passage(f"c1-p{i + 1}", 1, i + 1, 0, "body", pos, pos + len(t), t))
        pos += len(t) + 2
    return out


def test_detector_contract_with_a_stub_embedder() -> None:
    det = LearnedDetector(tiny_model(), HashingEmbedder(8), lexicon=None)
    passages = _passages(["A quiet morning.", "He hit him hard.", "Rain."])
    s = det.score(passages)
    assert s.warnings == WARNINGS and s.passage_ids == [p.id for p in passages]
    assert s.probs.shape == (3, 3) and s.intensity is not None and s.intensity.shape == (3, 3)
    assert np.all((s.probs >= 0) & (s.probs <= 1))
    assert s.thresholds == det.model.thresholds
    empty = det.score([])
    assert empty.probs.shape == (0, 3)


class FakeLexicon:
    """A lexicon that gives every passage the same probability per warning."""

    def __init__(self, probs: dict[str, float], thresholds: dict[str, float], hits=None):  # type: ignore[no-untyped-def]
        self.probs, self.thresholds, self.hits = probs, thresholds, hits or {}

    def score_texts(self, texts, ids=None):  # type: ignore[no-untyped-def]
        from forewarn.detect.base import PassageScores

        n, names = len(texts), list(self.probs)
        return PassageScores(
            warnings=names,
            passage_ids=list(ids or []),
            probs=np.tile([self.probs[w] for w in names], (n, 1)),
            thresholds=dict(self.thresholds),
            intensity=np.ones((n, len(names))),
            hits=dict(self.hits),
        )


def test_untrained_warning_falls_back_to_lexicon_scores() -> None:
    """A warning without a trained head takes the lexicon's probability and threshold."""
    lexicon = FakeLexicon(
        {"profanity": 0.9, "violence": 0.1},
        {"profanity": 0.33, "violence": 0.5},
        {(0, "profanity"): ["damn"]},
    )
    det = LearnedDetector(tiny_model(), HashingEmbedder(8), lexicon=lexicon)
    s = det.score(_passages(["Damn it.", "Fine."]))
    j = s.warnings.index("profanity")
    assert np.allclose(s.probs[:, j], 0.9) and s.thresholds["profanity"] == 0.33
    v = s.warnings.index("violence")
    assert not np.allclose(s.probs[:, v], 0.1)  # trained head kept its own score
    assert s.hits == {(0, "profanity"): ["damn"]}


def test_lexical_union_fires_exactly_when_head_or_lexicon_fires() -> None:
    rng = np.random.default_rng(3)
    head, lex = rng.random(2000), rng.random(2000)
    for head_t, lex_t in ((0.65, 0.5), (0.3, 0.7), (0.5, 0.5)):
        u = lexical_union(head, head_t, lex, lex_t)
        assert np.array_equal(u >= head_t, (head >= head_t) | (lex >= lex_t))
        assert np.all((u >= head) & (u <= 1))
    # the mapped lexicon score is monotone in the lexicon's probability
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(lexical_union(np.zeros(101), 0.65, grid, 0.5)) >= 0)


def test_lexical_warning_takes_the_lexicon_vote_and_others_do_not() -> None:
    lexicon = FakeLexicon({"violence": 0.99, "death": 0.99}, {"violence": 0.5, "death": 0.5})
    passages = _passages(["Quiet.", "Rain."])
    alone = LearnedDetector(tiny_model(), HashingEmbedder(8), lexicon=None).score(passages)
    model = tiny_model()
    model.lexical = ["violence"]
    s = LearnedDetector(model, HashingEmbedder(8), lexicon=lexicon).score(passages)
    v, d = s.warnings.index("violence"), s.warnings.index("death")
    assert np.all(s.probs[:, v] >= s.thresholds["violence"])  # the lexicon's vote counts
    assert np.allclose(s.probs[:, d], alone.probs[:, d])  # a non-lexical head is untouched


def test_stale_lexicon_dimension_is_refused() -> None:
    with pytest.raises(ModelError):
        LearnedDetector(tiny_model(lexicon_dim=99999), HashingEmbedder(8), lexicon=None)


def test_load_default_falls_back_to_lexicon_when_model_cannot_load(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import forewarn.detect as detect
    from forewarn.detect import learned

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise ModelError("no model")

    monkeypatch.setattr(learned, "load_learned", boom)
    detect.load_default.cache_clear()
    try:
        d = detect.load_default()
        assert d.name != "forewarn-learned"
    finally:
        detect.load_default.cache_clear()


# -- the shipped model (skipped when the embedding package is not installed) ----------
@pytest.fixture(scope="module")
def shipped() -> LearnedDetector:
    try:
        from forewarn.detect.learned import load_learned

        return load_learned()
    except ModelError as exc:
        pytest.skip(f"shipped model cannot load here: {exc}")


IDIOMS = [
    "You're killing it with that presentation, honestly.",
    "We were dying of laughter by the end of the film.",
    "I could murder a pizza right now.",
    "She shot a glance at the clock and sighed.",
    "That exam absolutely slaughtered me, but I think I passed.",
]


def test_shipped_model_raises_no_warning_on_idioms(shipped: LearnedDetector) -> None:
    s = shipped.score(_passages(IDIOMS + [" ".join(IDIOMS)]))
    fired = [
        (s.passage_ids[i], w)
        for i in range(len(s.passage_ids))
        for j, w in enumerate(s.warnings)
        if s.probs[i, j] >= s.thresholds[w]
    ]
    assert fired == []


def test_shipped_model_finds_clear_cases(shipped: LearnedDetector) -> None:
    texts = {
        "violence": "He slammed the man against the wall and punched him until his nose broke and blood ran down his chin.",
        "self-harm": "Alone in the bathroom she dragged the razor across her forearm again, watching the thin red lines bead up.",
        "suicide": "He wrote the note, folded it twice, and stepped off the edge of the bridge, meaning never to come back.",
    }
    s = shipped.score(_passages(list(texts.values())))
    for i, w in enumerate(texts):
        j = s.warnings.index(w)
        assert s.probs[i, j] >= s.thresholds[w], (w, float(s.probs[i, j]))
    assert shipped.model.meta.get("training_examples", {}).get("own", 0) > 0


def test_shipped_model_report_on_idiom_only_text_has_no_findings(shipped: LearnedDetector) -> None:
    from forewarn.pipeline import scan_text

    text = "\n\n".join(IDIOMS)
    assert scan_text(text, detector=shipped).findings == []
