"""Fit the learned detector's heads: one calibrated logistic regression per warning.

Protocol (deterministic given `seed`):
1. For warning w, the training rows are the examples *labelled* for w: the Webis
   passages judged for w (soft targets: share of annotators who said yes, entered as
   two weighted rows) and all of our own passages (fully labelled). Webis passages
   judged for another warning are unlabelled for w and left out: treating them as
   negatives lowered Webis CV F1 (see docs/QUALITY.md).
2. Classes are balanced by sample weight; our own passages get `own_weight`.
3. Out-of-fold margins (grouped folds: a work's passages never straddle folds) give
   the Platt calibration and the decision threshold, so neither is fitted on the rows
   it is judged by.
4. The threshold maximises F1 on the out-of-fold probabilities, subject to a cap on
   the false-positive rate on our hard negatives (idioms, sparring, cooking...).
5. Warnings only our own passages teach also get real AO3 passages (Webis passages
   judged for other warnings, on which the lexicon sees nothing of the warning) as
   presumed negatives: on held-out Webis works this cut how often those heads fire on
   real prose from 0.95 % to 0.13 % of passages (docs/QUALITY.md).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from forewarn.aggregate import DEFAULT_SEVERITY_CUTS
from forewarn.datasets import PassageExample
from forewarn.detect.base import PassageScores
from forewarn.detect.learned import LearnedModel

SEVERITY_TARGET = {"mention": 0.0, "depiction": 0.5, "graphic": 1.0}


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    C: float = 1.0
    own_weight: float = 1.0
    webis_weight: float = 1.0
    folds: int = 5
    max_hard_negative_fp: float = 0.01
    min_positives: int = 5
    threshold_floor: float = 0.2
    threshold_source: str = "pooled"  # "pooled" | "webis": which OOF rows pick the threshold
    gated: bool = True
    pan_weight: float = 0.5
    gate_negative_weight: float = 1.0
    lexicon: bool = True
    real_negative_weight: float = 1.0
    real_negative_lexicon_max: float = 0.2


# -- one linear head over explicit rows --------------------------------------------
@dataclass
class Rows:
    """The rows a head is fitted on: example indices, soft targets, per-row weights and
    the CV groups, all aligned."""

    idx: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    group: np.ndarray

    def take(self, m: np.ndarray) -> Rows:
        return Rows(self.idx[m], self.target[m], self.weight[m], self.group[m])

    @property
    def hard(self) -> np.ndarray:
        return (self.target > 0.5).astype(int)


def labelled_rows(
    examples: Sequence[PassageExample], warning: str, allowed: np.ndarray | None = None
) -> np.ndarray:
    """Indices of the examples labelled for `warning` (restricted to `allowed`)."""
    idx = np.array([i for i, e in enumerate(examples) if warning in e.targets], dtype=np.int64)
    if allowed is not None:
        idx = idx[np.isin(idx, allowed)]
    return idx


def rows_for(
    examples: Sequence[PassageExample], idx: np.ndarray, warning: str, cfg: TrainConfig
) -> Rows:
    return Rows(
        idx=idx,
        target=np.array([examples[i].targets[warning] for i in idx], dtype=np.float64),
        weight=np.array([_source_weight(examples[i].source, cfg) for i in idx]),
        group=np.array([examples[i].group for i in idx]),
    )


def _source_weight(source: str, cfg: TrainConfig) -> float:
    return {"own": cfg.own_weight, "pan": cfg.pan_weight}.get(source, cfg.webis_weight)


def fit_linear(x: np.ndarray, rows: Rows, C: float) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression; a soft target t becomes a positive row of
    weight t and a negative row of weight 1-t. Returns (w, b)."""
    idx = np.concatenate([rows.idx, rows.idx])
    y = np.concatenate([np.ones(len(rows.idx)), np.zeros(len(rows.idx))])
    w = np.concatenate([rows.target * rows.weight, (1 - rows.target) * rows.weight])
    keep = w > 0
    idx, y, w = idx[keep], y[keep], w[keep]
    if len(np.unique(y)) < 2:
        return np.zeros(x.shape[1]), (10.0 if y.size and y[0] == 1 else -10.0)
    pos, neg = w[y == 1].sum(), w[y == 0].sum()
    w = w * np.where(y == 1, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg))
    m = LogisticRegression(C=C, max_iter=5000, tol=1e-4)
    with threadpool_limits(1):  # multi-threaded BLAS on small fits: 20x slower on 2 cores
        m.fit(x[idx], y, sample_weight=w)
    return m.coef_[0].astype(np.float64), float(m.intercept_[0])


def grouped_folds(
    y: np.ndarray, groups: np.ndarray, k: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (positions into y) that keep each group (work) in one fold."""
    k = max(2, min(k, int(min(np.bincount(y, minlength=2)))))
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y, groups))


def oof_margins(x: np.ndarray, rows: Rows, cfg: TrainConfig) -> np.ndarray:
    """Out-of-fold decision values for every row (same order)."""
    out = np.zeros(len(rows.idx))
    for tr, te in grouped_folds(rows.hard, rows.group, cfg.folds, cfg.seed):
        w, b = fit_linear(x, rows.take(tr), cfg.C)
        out[te] = x[rows.idx[te]] @ w + b
    return out


def platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration a*m + c fitted on held-out margins (Platt's target smoothing)."""
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        return 1.0, 0.0
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    xx = np.concatenate([margins, margins])[:, None]
    yy = np.concatenate([np.ones(len(t)), np.zeros(len(t))])
    ww = np.concatenate([t, 1 - t])
    m = LogisticRegression(C=1e4, max_iter=1000)
    with threadpool_limits(1):
        m.fit(xx, yy, sample_weight=ww)
    a = float(m.coef_[0, 0])
    return (a if a > 0 else 1.0), float(m.intercept_[0])


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class Linear:
    """A calibrated linear scorer: p = sigmoid(a * (x.w + b) + c)."""

    w: np.ndarray
    b: float
    a: float = 1.0
    c: float = 0.0

    def prob(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.a * (x @ self.w + self.b) + self.c)

    def w_like(self, n: int) -> np.ndarray:
        return self.w if self.w.size == n else np.zeros(n)


_OPEN = Linear(np.zeros(0), 40.0)  # "no gate": probability 1


def calibrated(x: np.ndarray, rows: Rows, cfg: TrainConfig) -> tuple[Linear, np.ndarray]:
    """Fit on all rows; Platt and the returned probabilities come from out-of-fold
    margins, so they are honest for every row."""
    m = oof_margins(x, rows, cfg)
    a, c = platt(m, rows.hard)
    w, b = fit_linear(x, rows, cfg.C)
    return Linear(w, b, a, c), sigmoid(a * m + c)


def choose_threshold(
    probs: np.ndarray,
    y: np.ndarray,
    select: np.ndarray | None = None,
    hard_negative: np.ndarray | None = None,
    max_fp: float = 1.0,
    floor: float = 0.0,
) -> float:
    """The probability threshold with the best F1 on the `select` rows (all when None),
    among those whose false-positive rate on the `hard_negative` rows is at most
    `max_fp`; ties go to the higher threshold (fewer alarms for the same F1)."""
    sel = np.ones(len(y), bool) if select is None else select
    hn = probs[hard_negative] if hard_negative is not None and hard_negative.any() else None
    ps, ys = probs[sel], y[sel]
    cands = np.unique(np.round(np.concatenate([ps, [floor]]), 4))
    best_t, best_f = 1.0, -1.0
    for t in cands[cands >= floor]:
        if hn is not None and float((hn >= t).mean()) > max_fp:
            continue
        pred = ps >= t
        tp = int((pred & (ys == 1)).sum())
        f = 2 * tp / max(1, int(pred.sum()) + int(ys.sum()))
        if f >= best_f:
            best_t, best_f = float(t), f
    return best_t


@dataclass
class HeadFit:
    """One warning's head. `gate` (optional) multiplies in: p = fine * gate."""

    fine: Linear
    gate: Linear | None
    threshold: float
    trained: bool
    oof_probs: np.ndarray  # aligned with `idx`
    idx: np.ndarray

    def prob(self, x: np.ndarray) -> np.ndarray:
        if not self.trained:
            return np.zeros(len(x))
        p = self.fine.prob(x)
        return p * self.gate.prob(x) if self.gate is not None else p


def fit_head(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    warning: str,
    cfg: TrainConfig,
    allowed: np.ndarray | None = None,
    gate_negatives: np.ndarray | None = None,
    real_negatives: np.ndarray | None = None,
) -> HeadFit:
    """Fit, calibrate and threshold one warning's head on the rows in `allowed`.

    Gated mode (a warning with Webis passages *and* our own passages): Webis passages
    were sampled from works tagged with the warning, so they teach fine distinctions
    inside the topic but never what ordinary text looks like, and mixing our passages
    into the same regression blurred those distinctions (lower Webis AUC). So the
    `fine` head learns from Webis alone, and a `gate` head learns "is this passage in
    the warning's territory at all" from our passages (positives vs everything else)
    plus the Webis passages (all in territory). The probability is their product.
    `gate_negatives` (Webis passages judged for *other* warnings) join the gate as
    out-of-territory rows: without them the gate learned "real AO3 prose vs our own
    written passages" and opened on every real work (racism fired on 9 of the 10 PAN
    sample works)."""
    idx = labelled_rows(examples, warning, allowed)
    rows = rows_for(examples, idx, warning, cfg)
    y = rows.hard
    src = np.array([examples[i].source for i in idx])
    hn = np.array([examples[i].kind == "hard-negative" for i in idx]) & (y == 0)
    if y.sum() < cfg.min_positives or (len(y) - y.sum()) < cfg.min_positives:
        dead = Linear(np.zeros(x.shape[1]), -10.0)
        return HeadFit(dead, None, 1.0, False, np.zeros(len(idx)), idx)
    webis = src == "webis"
    own = src == "own"
    gated = cfg.gated and webis.sum() >= 2 * cfg.min_positives and own.any()
    if not gated:
        extra = _negative_rows(examples, real_negatives, cfg.real_negative_weight)
        if extra is not None:  # real passages join as negatives in the fit and threshold
            k = len(extra.idx)
            rows = _join(rows, extra)
            y, hn, webis = (np.concatenate([a, np.zeros(k, a.dtype)]) for a in (y, hn, webis))
        fine, p = calibrated(x, rows, cfg)
        gate = None
    else:
        wrows = rows.take(webis)
        fine, p_w = calibrated(x, wrows, cfg)
        p = fine.prob(x[idx])  # own rows: the fine head never saw them
        p[webis] = p_w
        grows = Rows(idx, np.where(webis, 1.0, rows.target), rows.weight, rows.group)
        gneg = _negative_rows(examples, gate_negatives, cfg.gate_negative_weight)
        if gneg is not None:
            grows = _join(grows, gneg)
        gate, g = calibrated(x, grows, cfg)
        p = p * g[: len(idx)]
    sel = webis if (cfg.threshold_source == "webis" and webis.any()) else None
    t = choose_threshold(p, y, sel, hn, cfg.max_hard_negative_fp, cfg.threshold_floor)
    return HeadFit(fine, gate, t, True, p[: len(idx)], idx)


def _negative_rows(
    examples: Sequence[PassageExample], neg: np.ndarray | None, weight: float
) -> Rows | None:
    """Rows with target 0 and `weight` for the examples `neg` (None when there are none).
    Used for real AO3 passages presumed negative: without them a head that only our own
    passages teach learns "written for forewarn vs anything else" as much as the
    warning, and fires on ordinary fan fiction."""
    if neg is None or not len(neg) or weight <= 0:
        return None
    neg = np.asarray(neg, dtype=np.int64)
    return Rows(
        neg,
        np.zeros(len(neg)),
        np.full(len(neg), weight),
        np.array([examples[i].group for i in neg]),
    )


def _join(a: Rows, b: Rows) -> Rows:
    return Rows(
        np.concatenate([a.idx, b.idx]),
        np.concatenate([a.target, b.target]),
        np.concatenate([a.weight, b.weight]),
        np.concatenate([a.group, b.group]),
    )


def lexicon_scores(examples: Sequence[PassageExample]) -> PassageScores:
    """The lexicon detector's scores of every example, row for row: computed once by an
    evaluation that needs them in several places (presumed negatives, lexical votes)."""
    from forewarn.detect.lexicon import LexiconDetector

    return LexiconDetector().score_texts([e.text for e in examples])


def presumed_negatives(
    examples: Sequence[PassageExample],
    warnings: Sequence[str],
    lexicon_max: float,
    lexicon: PassageScores | None = None,
) -> dict[str, np.ndarray]:
    """For each warning, the Webis passages not labelled for it on which the lexicon
    detector's probability for it stays below `lexicon_max`: real fan fiction that is
    very probably not about the warning (a weak label, hence the lexicon filter, which
    keeps e.g. the bloody passages of violence works out of blood-gore's negatives).
    `lexicon`: `lexicon_scores(examples)` when already at hand; else only the Webis
    passages are scored here."""
    webis = np.array([i for i, e in enumerate(examples) if e.source == "webis"], dtype=np.int64)
    if not len(webis):
        return {w: webis for w in warnings}
    if lexicon is None:
        lexicon = lexicon_scores([examples[i] for i in webis])
        probs = lexicon.probs
    else:
        probs = lexicon.probs[webis]
    col = {w: j for j, w in enumerate(lexicon.warnings)}
    out: dict[str, np.ndarray] = {}
    for w in warnings:
        quiet = probs[:, col[w]] < lexicon_max if w in col else np.ones(len(webis), bool)
        unlabelled = np.array([w not in examples[i].targets for i in webis], dtype=bool)
        out[w] = webis[quiet & unlabelled]
    return out


def other_webis(
    examples: Sequence[PassageExample], warning: str, exclude_groups: set[str] | None = None
) -> np.ndarray:
    """Webis passages judged for some other warning (unlabelled for `warning`), minus
    any from `exclude_groups` (the works of a test fold)."""
    ex = exclude_groups or set()
    return np.array(
        [
            i
            for i, e in enumerate(examples)
            if e.source == "webis" and warning not in e.targets and e.group not in ex
        ],
        dtype=np.int64,
    )


def severity_rows(examples: Sequence[PassageExample]) -> np.ndarray:
    """Our own positive passages that carry a severity label."""
    return np.array(
        [i for i, e in enumerate(examples) if e.severity in SEVERITY_TARGET], dtype=np.int64
    )


def severity_reportedness(
    examples: Sequence[PassageExample], rows: np.ndarray, lexicon: PassageScores | None = None
) -> np.ndarray:
    """For each row, the lexicon's reportedness of its passage for the warning it is
    labelled with: the same cue the aggregate uses at scan time. `lexicon`:
    `lexicon_scores(examples)` when already at hand; else only `rows` are scored here."""
    from forewarn.detect.lexicon import reportedness

    if not len(rows):
        return np.zeros(0)
    if lexicon is None:  # score just the rows: hits are keyed by position among them
        lexicon, at = lexicon_scores([examples[i] for i in rows]), list(range(len(rows)))
    else:
        at = rows.tolist()
    return np.array(
        [
            reportedness(examples[i].text, lexicon.hits.get((a, severity_warning(examples[i])), []))
            for a, i in zip(at, rows.tolist(), strict=True)
        ]
    )


def severity_warning(e: PassageExample) -> str:
    """The warning a passage's severity label is about: the one it was written near
    when it is positive for that, else its first positive warning."""
    if e.targets.get(e.near or "", 0) > 0.5:
        return str(e.near)
    return next((w for w in sorted(e.targets) if e.targets[w] > 0.5), "")


def severity_of(
    intensity: np.ndarray, reported: np.ndarray, cuts: tuple[float, float]
) -> list[str]:
    """The aggregate's passage rule (forewarn.aggregate.passage_severity) for passages
    over their threshold, vectorised for choosing and scoring cuts."""
    from forewarn.aggregate import passage_severity

    return [
        passage_severity(1.0, 0.0, float(t), float(r), cuts)
        for t, r in zip(intensity, reported, strict=True)
    ]


def choose_severity_cuts(
    intensity: np.ndarray, reported: np.ndarray, gold: Sequence[str]
) -> tuple[float, float]:
    """(mention below, graphic from) with the best accuracy on held-out intensities;
    ties keep the first (lowest) pair, so the choice is deterministic."""
    y = np.asarray(gold)
    best, best_acc = DEFAULT_SEVERITY_CUTS, -1.0
    for m in np.round(np.arange(0.0, 0.51, 0.05), 2):
        for g in np.round(np.arange(0.5, 0.96, 0.05), 2):
            if g <= m:
                continue
            acc = float((np.asarray(severity_of(intensity, reported, (m, g))) == y).mean())
            if acc > best_acc:
                best, best_acc = (float(m), float(g)), acc
    return best


@dataclass
class SeverityFit:
    w: np.ndarray
    b: float
    cuts: tuple[float, float]


def fit_intensity(x: np.ndarray, y: np.ndarray, ridge: float = 1.0) -> tuple[np.ndarray, float]:
    """Ridge regression from features to severity (mention 0, depiction .5, graphic 1)."""
    mu, ym = x.mean(0), y.mean()
    xc = x - mu
    w = np.linalg.solve(xc.T @ xc + ridge * np.eye(x.shape[1]), xc.T @ (y - ym))
    return w, float(ym - mu @ w)


def fit_severity(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    rows: np.ndarray,
    reported: np.ndarray,
    seed: int = 0,
    folds: int = 5,
) -> SeverityFit:
    """Intensity regression on `rows` plus the two cuts that turn it into mention /
    depiction / graphic, chosen on out-of-fold intensities of the same rows (an
    in-sample intensity would make the cuts look sharper than they are)."""
    from sklearn.model_selection import KFold

    if len(rows) < 2 * folds:
        return SeverityFit(np.zeros(x.shape[1]), 0.5, DEFAULT_SEVERITY_CUTS)
    gold = [str(examples[i].severity) for i in rows]
    y = np.array([SEVERITY_TARGET[g] for g in gold])
    oof = np.zeros(len(rows))
    for tr, te in KFold(folds, shuffle=True, random_state=seed).split(rows):
        w, b = fit_intensity(x[rows[tr]], y[tr])
        oof[te] = np.clip(x[rows[te]] @ w + b, 0.0, 1.0)
    cuts = choose_severity_cuts(oof, reported, gold)
    w, b = fit_intensity(x[rows], y)
    return SeverityFit(w, b, cuts)


def standardiser(x: np.ndarray, n_embed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean/scale: identity for the (already normalised) embedding block, z-scores for
    the lexicon block so counts do not swamp the regularisation."""
    mean = np.zeros(x.shape[1])
    scale = np.ones(x.shape[1])
    if x.shape[1] > n_embed:
        lex = x[:, n_embed:]
        mean[n_embed:] = lex.mean(0)
        sd = lex.std(0)
        scale[n_embed:] = np.where(sd > 1e-9, sd, 1.0) * np.sqrt(x.shape[1])
    return mean, scale


def fit_model(
    x_raw: np.ndarray,
    examples: Sequence[PassageExample],
    warnings: Sequence[str],
    cfg: TrainConfig,
    embedder: str,
    max_tokens: int,
    lexicon_dim: int = 0,
    version: str | None = None,
    meta: dict | None = None,
    lexical: Sequence[str] = (),
) -> tuple[LearnedModel, dict[str, HeadFit]]:
    """Fit every warning's head on all of `examples`; returns the model and the fits
    (whose out-of-fold probabilities the evaluation reuses). `lexical` names the
    warnings whose lexicon match counts on its own (taxonomy `lexical`)."""
    mean, scale = standardiser(x_raw, x_raw.shape[1] - lexicon_dim)
    x = (x_raw - mean) / scale
    real = presumed_negatives(examples, warnings, cfg.real_negative_lexicon_max)
    fits = {
        w: fit_head(x, examples, w, cfg, None, other_webis(examples, w), real[w]) for w in warnings
    }
    srows = severity_rows(examples)
    sev = fit_severity(x, examples, srows, severity_reportedness(examples, srows), cfg.seed)
    today = _dt.date.today().isoformat()
    model = LearnedModel(
        version=version or f"{today}-seed{cfg.seed}",
        embedder=embedder,
        max_tokens=max_tokens,
        warnings=list(warnings),
        weights=np.vstack([fits[w].fine.w for w in warnings]),
        bias=np.array([fits[w].fine.b for w in warnings]),
        platt_a=np.array([fits[w].fine.a for w in warnings]),
        platt_c=np.array([fits[w].fine.c for w in warnings]),
        gate_weights=np.vstack([(fits[w].gate or _OPEN).w_like(x.shape[1]) for w in warnings]),
        gate_bias=np.array([(fits[w].gate or _OPEN).b for w in warnings]),
        gate_a=np.array([(fits[w].gate or _OPEN).a for w in warnings]),
        gate_c=np.array([(fits[w].gate or _OPEN).c for w in warnings]),
        gated={w: fits[w].gate is not None for w in warnings},
        thresholds={w: fits[w].threshold for w in warnings},
        trained={w: fits[w].trained for w in warnings},
        feature_mean=mean,
        feature_scale=scale,
        intensity_w=sev.w,
        intensity_b=sev.b,
        severity_cuts=sev.cuts,
        lexicon_dim=lexicon_dim,
        meta={"config": asdict(cfg), "date": today, **(meta or {})},
        lexical=[w for w in warnings if w in lexical and fits[w].trained],
    )
    return model, fits


# -- features with an on-disk cache ----------------------------------------------------
def featurize_texts(
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    key: str,
    cache_dir: str | Path | None = None,
) -> np.ndarray:
    """Embed `texts`, reusing vectors cached under `cache_dir` for the same `key`
    (embedder name + window size) and the same text. Training and CV re-embed the same
    passages many times; the cache makes the second run take seconds."""
    if cache_dir is None:
        return np.asarray(embed(texts), dtype=np.float32)
    d = Path(cache_dir)
    d.mkdir(parents=True, exist_ok=True)
    f = d / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest()[:24] for t in texts]
    known: dict[str, np.ndarray] = {}
    if f.exists():
        with np.load(f) as z:
            known = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    missing = sorted({h: t for h, t in zip(hashes, texts, strict=True) if h not in known}.items())
    if missing:
        vecs = np.asarray(embed([t for _, t in missing]), dtype=np.float32)
        known.update({h: v for (h, _), v in zip(missing, vecs, strict=True)})
        keys = sorted(known)
        np.savez(f, keys=np.array(keys), vecs=np.stack([known[k] for k in keys]))
    return np.stack([known[h] for h in hashes]).astype(np.float32)


def example_features(
    examples: Sequence[PassageExample],
    embedder: Any,
    lexicon_dim: int,
    cache_dir: str | Path | None = None,
) -> np.ndarray:
    """Raw (unstandardised) features for examples: embedding + lexicon block."""
    from forewarn.detect.learned import lexicon_block

    texts = [e.text for e in examples]
    key = f"{embedder.name}/{embedder.max_tokens}"
    emb = featurize_texts(texts, embedder.embed, key, cache_dir)
    if lexicon_dim:
        return np.hstack([emb, lexicon_block(texts, lexicon_dim)]).astype(np.float64)
    return emb.astype(np.float64)


def pan_examples(docs: Sequence[Any], taxonomy: Any | None = None) -> list[PassageExample]:
    """PAN works as weakly labelled training examples: the whole story text of a work,
    labelled for every warning that maps to PAN labels (positive when the work carries
    one of them). Weak because a work-level label does not say which passage earns it;
    they enter with `pan_weight`."""
    from forewarn.ingest.pan import pan_record
    from forewarn.segment import build_work
    from forewarn.taxonomy import load

    tax = taxonomy or load()
    out: list[PassageExample] = []
    for d in docs:
        work = build_work(pan_record({"work_id": d.work_id, "text": d.text}))
        text = "\n\n".join(p.text for p in work.story_passages)
        targets = {
            w.id: (1.0 if set(w.pan23) & set(d.labels) else 0.0) for w in tax.warnings if w.pan23
        }
        out.append(
            PassageExample(
                id=f"pan-{d.work_id}",
                text=text,
                targets=targets,
                group=f"pan-{d.work_id}",
                source="pan",
                kind="document",
            )
        )
    return out
