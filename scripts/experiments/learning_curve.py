"""Experiment (not part of the package): would more of our own labelled passages close the
own-passage quality bar? Re-runs the own-passage CV of `forewarn eval` for the 27
warnings only our passages teach (other-discrimination has no positives), keeping a
random fraction of each training fold's own passages (test folds unchanged, Webis
passages presumed negative as in the shipped training). Results: docs/QUALITY.md,
"Would more of our own passages help?".

    python scripts/experiments/learning_curve.py --webis \
        ../shared/data/webis-passages/passages.jsonl --own data/own-passages \
        --cache /tmp/fw-cache 0.5 0.75 1.0
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
from sklearn.model_selection import KFold

from forewarn.cli.model_cmd import _lexicon_dim
from forewarn.datasets import load_own, load_webis
from forewarn.detect.embed import DEFAULT_EMBEDDER, load_embedder
from forewarn.evaluate import _probs, binary_scores
from forewarn.taxonomy import load
from forewarn.train import (
    TrainConfig,
    example_features,
    fit_head,
    lexicon_scores,
    presumed_negatives,
    standardiser,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--webis", required=True)
    ap.add_argument("--own", required=True)
    ap.add_argument("--cache")
    ap.add_argument("fractions", nargs="+", type=float)
    args = ap.parse_args()

    examples = load_webis(args.webis) + load_own(args.own)
    lex_dim = _lexicon_dim(True)
    x = example_features(examples, load_embedder(DEFAULT_EMBEDDER, 128), lex_dim, args.cache)
    mean, scale = standardiser(x, x.shape[1] - lex_dim)
    x = (x - mean) / scale
    cfg = TrainConfig(seed=0)
    webis_taught = {w for e in examples if e.source == "webis" for w in e.targets}
    lexical = {w.id for w in load().warnings if w.lexical}
    positives = Counter(w for e in examples for w, t in e.targets.items() if t > 0.5)
    warnings = [w for w in load().ids if w not in webis_taught | lexical and positives[w] >= 5]
    own = np.array([i for i, e in enumerate(examples) if e.source == "own"])
    webis = np.array([i for i, e in enumerate(examples) if e.source == "webis"])
    real = presumed_negatives(
        examples, warnings, cfg.real_negative_lexicon_max, lexicon_scores(examples)
    )
    for frac in args.fractions:
        probs = np.zeros((len(examples), len(warnings)))
        thr = np.ones_like(probs)
        rng = np.random.default_rng(1)
        for tr, te in KFold(5, shuffle=True, random_state=cfg.seed).split(own):
            kept = own[tr][rng.random(len(tr)) < frac]
            for j, w in enumerate(warnings):
                head = fit_head(x, examples, w, cfg, np.concatenate([kept, webis]), None, real[w])
                probs[own[te], j] = _probs(head, x, own[te])
                thr[own[te], j] = head.threshold
        scores = [
            binary_scores(
                np.array([examples[i].targets.get(w, 0) > 0.5 for i in own], dtype=int),
                probs[own, j],
                thr[own, j],
            )
            for j, w in enumerate(warnings)
        ]
        f1 = np.mean([s.f1 for s in scores])
        auc = np.nanmean([np.nan if s.auc is None else s.auc for s in scores])
        print(f"fraction {frac:.2f}: {len(warnings)} warnings, pooled F1 {f1:.3f}, AUC {auc:.3f}")


if __name__ == "__main__":
    main()
