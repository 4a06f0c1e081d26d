"""The learned detector: one calibrated linear head per warning over passage embeddings.

Why linear heads: they are tiny (the whole model is a few hundred KB), fast (one matrix
product for all 37 warnings), deterministic, and with Platt calibration fitted on
out-of-fold scores they give honest probabilities. The embedding model is the expensive
part and is shared by every head.

A head is `p = sigmoid(a * (w . x + b) + c)`: `w, b` from a class-balanced logistic
regression, `a, c` from Platt scaling on held-out folds. Each warning also stores the
threshold chosen on validation folds. A head trained on no positives is marked
`trained=False` and always scores 0, so the model never pretends to know a warning it
was never shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from forewarn.detect.base import PassageScores
from forewarn.errors import ModelError
from forewarn.work import Passage

MODEL_FORMAT = 1
HEADS_JSON = "heads.json"
HEADS_NPZ = "heads.npz"


@dataclass
class LearnedModel:
    """Everything needed to score passages, minus the embedding network itself.

    weights: (n_warnings, n_features); bias, platt_a, platt_c: (n_warnings,).
    feature_mean / feature_scale standardise features before the heads.
    intensity_w / intensity_b: linear regression from features to 0..1 intensity
    (mention 0, depiction 0.5, graphic 1), shared by all warnings.
    severity_cuts: (mention below, graphic from) on that intensity, chosen in training
    on out-of-fold intensities (see forewarn.train.fit_severity).
    """

    version: str
    embedder: str
    max_tokens: int
    warnings: list[str]
    weights: np.ndarray
    bias: np.ndarray
    platt_a: np.ndarray
    platt_c: np.ndarray
    thresholds: dict[str, float]
    trained: dict[str, bool]
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    intensity_w: np.ndarray
    gate_weights: np.ndarray | None = None
    gate_bias: np.ndarray | None = None
    gate_a: np.ndarray | None = None
    gate_c: np.ndarray | None = None
    gated: dict[str, bool] = field(default_factory=dict)
    intensity_b: float = 0.0
    lexicon_dim: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    severity_cuts: tuple[float, float] | None = None
    lexical: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return int(self.weights.shape[1])

    def margins(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.feature_mean) / self.feature_scale
        return z @ self.weights.T + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (n_passages, n_warnings); untrained heads give 0.
        A gated warning's probability is fine * gate (see `forewarn.train.fit_head`)."""
        z = (features - self.feature_mean) / self.feature_scale
        p = _sigmoid(self.platt_a * (z @ self.weights.T + self.bias) + self.platt_c)
        if self.gate_weights is not None and any(self.gated.values()):
            assert (
                self.gate_bias is not None and self.gate_a is not None and self.gate_c is not None
            )
            g = _sigmoid(self.gate_a * (z @ self.gate_weights.T + self.gate_bias) + self.gate_c)
            gmask = np.array([self.gated.get(w, False) for w in self.warnings], dtype=bool)
            p[:, gmask] *= g[:, gmask]
        mask = np.array([self.trained[w] for w in self.warnings], dtype=bool)
        p[:, ~mask] = 0.0
        return p

    def intensity(self, features: np.ndarray) -> np.ndarray:
        z = (features - self.feature_mean) / self.feature_scale
        return np.clip(z @ self.intensity_w + self.intensity_b, 0.0, 1.0)

    # -- persistence -----------------------------------------------------------------
    def save(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "weights": self.weights,
            "bias": self.bias,
            "platt_a": self.platt_a,
            "platt_c": self.platt_c,
            "feature_mean": self.feature_mean,
            "feature_scale": self.feature_scale,
            "intensity_w": self.intensity_w,
        }
        for key in ("gate_weights", "gate_bias", "gate_a", "gate_c"):
            value = getattr(self, key)
            if value is not None:
                arrays[key] = value
        np.savez_compressed(out / HEADS_NPZ, **{k: v.astype(np.float32) for k, v in arrays.items()})  # type: ignore[arg-type]
        doc = {
            "format": MODEL_FORMAT,
            "version": self.version,
            "embedder": self.embedder,
            "max_tokens": self.max_tokens,
            "warnings": self.warnings,
            "thresholds": {w: round(float(t), 6) for w, t in self.thresholds.items()},
            "trained": self.trained,
            "gated": self.gated,
            "intensity_b": float(self.intensity_b),
            "lexicon_dim": self.lexicon_dim,
            "meta": self.meta,
            "severity_cuts": list(self.severity_cuts) if self.severity_cuts else None,
            "lexical": self.lexical,
        }
        (out / HEADS_JSON).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", "utf-8")
        return out

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> LearnedModel:
        """From a directory written by `save`, or the shipped model when None."""
        try:
            if model_dir is None:
                base = resources.files("forewarn").joinpath("models")
                doc_text = base.joinpath(HEADS_JSON).read_text("utf-8")
                with base.joinpath(HEADS_NPZ).open("rb") as fh:
                    arrays = dict(np.load(fh))
            else:
                d = Path(model_dir)
                doc_text = (d / HEADS_JSON).read_text("utf-8")
                with np.load(d / HEADS_NPZ) as z:
                    arrays = dict(z)
            doc = json.loads(doc_text)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load detector model: {exc}") from None
        if doc.get("format") != MODEL_FORMAT:
            raise ModelError(f"unsupported model format {doc.get('format')!r}")
        return cls(
            version=doc["version"],
            embedder=doc["embedder"],
            max_tokens=int(doc["max_tokens"]),
            warnings=list(doc["warnings"]),
            weights=arrays["weights"].astype(np.float64),
            bias=arrays["bias"].astype(np.float64),
            platt_a=arrays["platt_a"].astype(np.float64),
            platt_c=arrays["platt_c"].astype(np.float64),
            thresholds={k: float(v) for k, v in doc["thresholds"].items()},
            trained={k: bool(v) for k, v in doc["trained"].items()},
            feature_mean=arrays["feature_mean"].astype(np.float64),
            feature_scale=arrays["feature_scale"].astype(np.float64),
            intensity_w=arrays["intensity_w"].astype(np.float64),
            gate_weights=_opt(arrays, "gate_weights"),
            gate_bias=_opt(arrays, "gate_bias"),
            gate_a=_opt(arrays, "gate_a"),
            gate_c=_opt(arrays, "gate_c"),
            gated={k: bool(v) for k, v in doc.get("gated", {}).items()},
            intensity_b=float(doc.get("intensity_b", 0.0)),
            lexicon_dim=int(doc.get("lexicon_dim", 0)),
            meta=dict(doc.get("meta", {})),
            severity_cuts=_cuts(doc.get("severity_cuts")),
            lexical=[str(w) for w in doc.get("lexical", [])],
        )


def _opt(arrays: dict[str, np.ndarray], key: str) -> np.ndarray | None:
    return arrays[key].astype(np.float64) if key in arrays else None


def _cuts(value: Any) -> tuple[float, float] | None:
    if not value:
        return None
    low, high = (float(v) for v in value)
    return low, high


def lexical_union(
    head_p: np.ndarray, head_t: float | np.ndarray, lex_p: np.ndarray, lex_t: float
) -> np.ndarray:
    """For warnings defined by the words on the page (taxonomy `lexical`): the passage
    fires when the head *or* the lexicon fires.

    The lexicon's probability is mapped onto the head's scale first (piecewise linear,
    its threshold onto the head's, 0 and 1 fixed), so the union is a plain max and the
    head's threshold still decides: p >= head_t exactly when head_p >= head_t or
    lex_p >= lex_t, and the mapped score stays monotone in the lexicon's evidence."""
    head_t = np.asarray(head_t, dtype=np.float64)
    lex_t = min(max(float(lex_t), 1e-6), 1 - 1e-6)
    low = lex_p / lex_t * head_t
    high = head_t + (lex_p - lex_t) / (1 - lex_t) * (1 - head_t)
    mapped = np.where(lex_p < lex_t, low, high)
    return np.maximum(head_p, mapped)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def lexicon_block(texts: Sequence[str], dim: int) -> np.ndarray:
    """Lexicon features from the lexicon detector, when the model was trained with them.

    The model records how many columns it was trained on; a lexicon that now gives a
    different number means the model is stale, which is an error, not a silent mismatch."""
    if dim == 0:
        return np.zeros((len(texts), 0), dtype=np.float32)
    try:
        from forewarn.detect.lexicon import lexicon_features
    except ImportError as exc:
        raise ModelError("model needs lexicon features but the lexicon is unavailable") from exc
    block = np.asarray(lexicon_features(list(texts)), dtype=np.float32)
    if block.shape != (len(texts), dim):
        raise ModelError(
            f"lexicon gives {block.shape[1] if block.ndim == 2 else '?'} features, model expects {dim}: retrain"
        )
    return block


def lexicon_dim_available() -> int:
    """How many lexicon feature columns the installed lexicon gives (0 if none)."""
    try:
        from forewarn.detect.lexicon import lexicon_features
    except ImportError:
        return 0
    try:
        block = np.asarray(lexicon_features(["probe"]))
    except Exception:  # a half-written lexicon must not break training
        return 0
    return int(block.shape[1]) if block.ndim == 2 else 0


class Featurizer:
    """Texts -> feature matrix: passage embedding (+ lexicon block)."""

    def __init__(self, embedder: Any, lexicon_dim: int = 0) -> None:
        self.embedder = embedder
        self.lexicon_dim = lexicon_dim

    def __call__(self, texts: Sequence[str], while_embedding: Any = None) -> np.ndarray:
        """Features for `texts`. The embedding network runs in a worker thread
        (onnxruntime releases the GIL) while the pure-Python lexicon work - this block
        and `while_embedding()`, if given - runs here, so the two overlap."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(self.embedder.embed, texts)
            lex = lexicon_block(texts, self.lexicon_dim)
            if while_embedding is not None:
                while_embedding()
            emb = future.result()
        return np.hstack([emb, lex]).astype(np.float32) if self.lexicon_dim else emb


class LearnedDetector:
    """`Detector` over all taxonomy warnings with a `LearnedModel` and an embedder.

    With a lexicon detector alongside (the default when one is installed), the lexicon
    supplies what a linear head cannot: the matched terms (`hits`, used for evidence and
    for telling reported from on-page content) and the probabilities of any warning the
    model has no trained head for. Intensity comes from the model's own regression
    (severity-labelled passages, 5-fold CV on them: graphic-vs-rest AUC 0.96 against
    0.74 for the lexicon's intensity, so the lexicon's is not mixed in)."""

    def __init__(
        self, model: LearnedModel, embedder: Any | None = None, lexicon: Any | None = "auto"
    ) -> None:
        if embedder is None:
            from forewarn.detect.embed import load_embedder

            embedder = load_embedder(model.embedder, model.max_tokens)
        if lexicon == "auto":
            lexicon = _lexicon_detector()
        if model.lexicon_dim and lexicon_dim_available() != model.lexicon_dim:
            raise ModelError(
                f"model was trained on {model.lexicon_dim} lexicon features, the installed "
                f"lexicon gives {lexicon_dim_available()}: retrain (forewarn train)"
            )
        self.model = model
        self.lexicon = lexicon
        self.featurize = Featurizer(embedder, model.lexicon_dim)
        self.name = "forewarn-learned"
        self.version = model.version

    def score_texts(
        self, texts: Sequence[str], while_embedding: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, intensity per passage) from the model alone."""
        if not texts:
            return np.zeros((0, len(self.model.warnings))), np.zeros(0)
        x = self.featurize(texts, while_embedding)
        return self.model.probabilities(x), self.model.intensity(x)

    def score(self, passages: Sequence[Passage]) -> PassageScores:
        warnings = list(self.model.warnings)
        k = len(warnings)
        texts = [p.text for p in passages]
        lexicon_scores: list[PassageScores] = []
        lexicon = self.lexicon

        def lexicon_pass() -> None:
            if lexicon is not None and texts:
                lexicon_scores.append(lexicon.score_texts(texts, [p.id for p in passages]))

        probs, inten = self.score_texts(texts, lexicon_pass)
        intensity = np.repeat(inten[:, None], k, axis=1) if len(texts) else np.zeros((0, k))
        thresholds = dict(self.model.thresholds)
        hits: dict[tuple[int, str], list[str]] = {}
        if lexicon_scores:
            lex = lexicon_scores[0]
            hits = dict(lex.hits)
            for j, w in enumerate(warnings):
                if w not in lex.warnings:
                    continue
                col = lex.warnings.index(w)
                if not self.model.trained.get(w, False):
                    probs[:, j] = lex.probs[:, col]
                    thresholds[w] = lex.thresholds.get(w, 0.5)
                elif w in self.model.lexical:
                    probs[:, j] = lexical_union(
                        probs[:, j], thresholds[w], lex.probs[:, col], lex.thresholds.get(w, 0.5)
                    )
                    # how much, too, is a matter of the words: one oath in a gory scene
                    # is still a mention of profanity (the model's intensity is the
                    # passage's, not the warning's)
                    if lex.intensity is not None:
                        intensity[:, j] = lex.intensity[:, col]
        return PassageScores(
            warnings=warnings,
            passage_ids=[p.id for p in passages],
            probs=probs,
            thresholds=thresholds,
            intensity=intensity,
            hits=hits,
            severity_cuts=self.model.severity_cuts,
        )


def _lexicon_detector() -> Any | None:
    try:
        from forewarn.detect.lexicon import LexiconDetector

        return LexiconDetector()
    except Exception:  # no lexicon installed: the model still scores on its own
        return None


def load_learned(model_dir: str | Path | None = None) -> LearnedDetector:
    """The shipped learned detector (or one from `model_dir`)."""
    return LearnedDetector(LearnedModel.load(model_dir))
