"""Training and evaluation plumbing on tiny synthetic data: loaders, folds, calibration,
thresholds, CV protocols, PAN scoring, and the `forewarn train` / `forewarn eval` CLI."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from forewarn.cli import app
from forewarn.datasets import PassageExample, load_own, load_pan_works, load_webis
from forewarn.detect.base import PassageScores
from forewarn.detect.embed import HashingEmbedder
from forewarn.detect.learned import LearnedDetector, LearnedModel
from forewarn.errors import CorruptFile, EmptyInput, InputNotFound
from forewarn.evaluate import (
    binary_scores,
    own_cv,
    pan_scores,
    score_batch,
    severity_cv,
    webis_cv,
)
from forewarn.train import (
    TrainConfig,
    choose_severity_cuts,
    choose_threshold,
    fit_head,
    fit_model,
    grouped_folds,
    platt,
    severity_of,
)

VIOLENT = ["punched", "stabbed", "kicked", "beat", "strangled", "bludgeoned", "shot"]
CALM = ["garden", "kettle", "tulips", "library", "quilt", "sunrise", "biscuits", "harbour"]
WAR = ["battalion", "artillery", "trenches", "invasion", "frontline", "shelling"]


def _sentence(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(6)) + " " + " ".join(rng.sample(CALM, 3))


def write_webis(path: Path, n: int = 48, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w") as fh:
        for i in range(n):
            warning = "violence" if i % 2 else "war"
            pos = i % 4 < 2
            words = (VIOLENT if warning == "violence" else WAR) if pos else CALM
            votes = [1, 1, rng.randint(0, 1)] if pos else [0, 0, rng.randint(0, 1)]
            row = {
                "warning": warning,
                "labels": votes,
                "text": _sentence(rng, words),
                "work_id": str(i // 2),
                "example_id": i,
                "set_id": 0,
            }
            fh.write(json.dumps(row) + "\n")


def write_own(path: Path, n: int = 45, seed: int = 1) -> None:
    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    with (path / "part-x.jsonl").open("w") as fh:
        for i in range(n):
            kind = ["violence", "profanity", None][i % 3]
            if kind == "violence":
                labels, text = ["violence"], _sentence(rng, VIOLENT)
            elif kind == "profanity":
                labels, text = ["profanity"], _sentence(rng, ["damn", "bloody", "hell", "crap"])
            else:
                labels, text = [], _sentence(rng, CALM) + " killing it on stage"
            row = {
                "id": f"x-{i:03d}",
                "text": text,
                "labels": labels,
                "severity": "depiction" if labels else "none",
                "near": "violence",
                "kind": "positive" if labels else "hard-negative",
                "note": "",
            }
            fh.write(json.dumps(row) + "\n")


@pytest.fixture()
def data(tmp_path: Path) -> tuple[Path, Path]:
    write_webis(tmp_path / "webis.jsonl")
    write_own(tmp_path / "own")
    return tmp_path / "webis.jsonl", tmp_path / "own"


# -- loaders --------------------------------------------------------------------------
def test_webis_loader_maps_warnings_and_keeps_soft_targets(data: tuple[Path, Path]) -> None:
    ex = load_webis(data[0])
    assert {w for e in ex for w in e.targets} == {"violence", "collective-violence"}
    assert all(len(e.targets) == 1 for e in ex)  # judged for ONE warning only
    soft = {round(v, 3) for e in ex for v in e.targets.values()}
    assert soft <= {0.0, 0.333, 0.667, 1.0} and 0.667 in soft
    assert ex[0].group == ex[1].group  # same work id, same CV group


def test_own_loader_labels_every_warning(data: tuple[Path, Path]) -> None:
    from forewarn.taxonomy import load

    ex = load_own(data[1])
    assert all(set(e.targets) == set(load().ids) for e in ex)
    neg = [e for e in ex if e.kind == "hard-negative"]
    assert neg and all(sum(e.targets.values()) == 0 for e in neg)
    assert len({e.group for e in ex}) == len(ex)


@pytest.mark.parametrize(
    "line,error",
    [
        ("{not json", CorruptFile),
        ('{"text": "x", "labels": ["no-such-warning"]}', CorruptFile),
        ("[1, 2]", CorruptFile),
    ],
)
def test_own_loader_rejects_bad_lines(tmp_path: Path, line: str, error: type) -> None:
    (tmp_path / "a.jsonl").write_text(line + "\n")
    with pytest.raises(error):
        load_own(tmp_path / "a.jsonl")


def test_loaders_report_missing_and_empty_input(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        load_webis(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(EmptyInput):
        load_webis(tmp_path / "empty.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"warning": "nope", "labels": [1], "text": "x"}\n')
    with pytest.raises(CorruptFile):
        load_webis(tmp_path / "bad.jsonl")


def test_pan_loader_joins_labels_by_work_id(tmp_path: Path) -> None:
    (tmp_path / "works.jsonl").write_text(
        json.dumps({"work_id": "1", "text": "<p>a</p>"})
        + "\n"
        + json.dumps({"work_id": "2", "text": "<p>b</p>"})
        + "\n"
    )
    (tmp_path / "labels.jsonl").write_text(json.dumps({"work_id": "2", "labels": ["death"]}) + "\n")
    docs = load_pan_works(tmp_path / "works.jsonl", tmp_path / "labels.jsonl")
    assert [(d.work_id, set(d.labels)) for d in docs] == [("1", set()), ("2", {"death"})]


# -- training pieces ------------------------------------------------------------------
def test_grouped_folds_never_split_a_group() -> None:
    y = np.array([0, 1] * 20)
    groups = np.repeat(np.arange(10), 4)
    for tr, te in grouped_folds(y, groups, 5, seed=3):
        assert not set(groups[tr]) & set(groups[te])
        assert y[te].sum() > 0


def test_platt_is_increasing_and_calibrates_a_shifted_score() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4000)
    m = np.where(y == 1, 1.0, -1.0) * 2 + rng.normal(size=4000) + 3.0  # shifted margins
    a, c = platt(m, y)
    p = 1 / (1 + np.exp(-(a * m + c)))
    assert a > 0
    assert abs(p.mean() - y.mean()) < 0.02


def test_choose_threshold_best_f1_and_hard_negative_cap() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2])
    y = np.array([1, 1, 0, 1, 0, 0])
    assert choose_threshold(p, y) == pytest.approx(0.6)
    hn = np.array([False, False, True, False, False, False])
    assert choose_threshold(p, y, hard_negative=hn, max_fp=0.0) == pytest.approx(0.8)


def _synthetic_examples(n: int = 120, seed: int = 0) -> tuple[list[PassageExample], np.ndarray]:
    rng = np.random.default_rng(seed)
    ex, xs = [], []
    for i in range(n):
        pos = i % 3 == 0
        hard = i % 3 == 1
        x = rng.normal(size=6) + (np.array([4.0, 0, 0, 0, 0, 0]) if pos else 0)
        ex.append(
            PassageExample(
                id=f"s{i}",
                text="",
                targets={"violence": float(pos), "death": 0.0},
                group=f"g{i // 2}",
                source="own",
                kind="hard-negative" if hard else "positive",
            )
        )
        xs.append(x)
    return ex, np.array(xs)


def test_fit_head_learns_and_is_deterministic() -> None:
    ex, x = _synthetic_examples()
    cfg = TrainConfig(seed=7, min_positives=3)
    a = fit_head(x, ex, "violence", cfg)
    b = fit_head(x, ex, "violence", cfg)
    assert a.trained and np.array_equal(a.fine.w, b.fine.w) and a.threshold == b.threshold
    y = np.array([e.targets["violence"] for e in ex])
    s = binary_scores(y, a.oof_probs, a.threshold)
    assert s.f1 > 0.8 and (s.auc or 0) > 0.9
    assert not fit_head(x, ex, "death", cfg).trained  # no positives: no head


def test_severity_cuts_separate_three_levels_and_follow_the_aggregate_rule() -> None:
    rng = np.random.default_rng(0)
    centre = {"mention": 0.1, "depiction": 0.5, "graphic": 0.9}
    gold = [str(g) for g in rng.choice(list(centre), 300)]
    inten = np.array([centre[g] + rng.uniform(-0.08, 0.08) for g in gold])
    reported = np.zeros(len(gold))
    cuts = choose_severity_cuts(inten, reported, gold)
    assert 0.18 <= cuts[0] <= 0.42 and 0.58 <= cuts[1] <= 0.82
    assert severity_of(inten, reported, cuts) == gold
    # a reported passage is a mention whatever its (sub-graphic) intensity
    assert severity_of(np.array([0.5]), np.array([1.0]), cuts) == ["mention"]
    assert severity_of(np.array([0.95]), np.array([1.0]), cuts) == ["graphic"]


def test_severity_cv_takes_a_lexical_warnings_severity_from_the_lexicon() -> None:
    """Profanity's severity is the lexicon's word count at scan time, so in the CV too:
    with the lexicon counting one word everywhere (intensity 0), every profanity passage
    is a mention whatever the model's intensity says; the other warnings keep theirs."""
    rng = np.random.default_rng(0)
    centre = {"mention": 0.0, "depiction": 0.5, "graphic": 1.0}
    ex, rows = [], []
    for i in range(90):
        sev, warning = list(centre)[i % 3], ("profanity" if i % 2 else "violence")
        ex.append(
            PassageExample(f"s{i}", "He waited.", {warning: 1.0}, f"g{i}", "own", "positive",
                           sev, warning)
        )  # fmt: skip
        rows.append(np.array([centre[sev], 1.0]) + rng.normal(0, 0.05, 2))
    x = np.array(rows)
    one_word = PassageScores(
        ["profanity", "violence"], [e.id for e in ex], np.zeros((90, 2)), {}, np.zeros((90, 2))
    )
    plain = severity_cv(x, ex)
    by_words = severity_cv(x, ex, lexical=["profanity"], lexicon=one_word)
    assert plain["accuracy"] > 0.9 and plain["confusion"]["graphic"].get("mention", 0) == 0
    assert by_words["confusion"]["graphic"]["mention"] == 15  # the profanity ones
    assert by_words["confusion"]["mention"]["mention"] == 30
    assert abs(by_words["accuracy"] - (45 * plain["accuracy"] + 15) / 90) < 0.05


def test_real_negatives_teach_a_head_what_ordinary_prose_is() -> None:
    """Own-only warning: positives and hard negatives written for it, plus real passages
    presumed negative. Without those, a head keyed on "anything unlike our negatives"
    fires on the real passages; with them it does not, and still finds its positives."""
    rng = np.random.default_rng(3)
    dim = 6
    ex, rows = [], []
    for i in range(60):  # own: positives along axis 0, hard negatives along axis 1
        pos = i % 2 == 0
        ex.append(
            PassageExample(
                f"o{i}",
                "t",
                {"self-harm": float(pos)},
                f"o{i}",
                "own",
                "positive" if pos else "hard-negative",
            )
        )
        v = rng.normal(0, 0.3, dim)
        v[0 if pos else 1] += 2.0
        rows.append(v)
    for i in range(80):  # real prose: far from both, along axis 2
        ex.append(PassageExample(f"w{i}", "t", {"violence": 0.0}, f"w{i // 2}", "webis"))
        v = rng.normal(0, 0.3, dim)
        v[2] += 2.0
        v[0] += 1.0  # a little like the positives (ordinary prose is)
        rows.append(v)
    x = np.array(rows)
    real = np.arange(60, 140)
    base = TrainConfig(seed=0, min_positives=3, threshold_floor=0.0)
    without = fit_head(
        x, ex, "self-harm", dataclasses.replace(base, real_negative_weight=0.0), None, None, real
    )
    with_real = fit_head(x, ex, "self-harm", base, None, None, real)
    fire = lambda h: float((h.prob(x[real]) >= h.threshold).mean())  # noqa: E731
    assert fire(with_real) < 0.05 < fire(without)
    pos = np.arange(0, 60, 2)
    assert float((with_real.prob(x[pos]) >= with_real.threshold).mean()) > 0.9


def test_fit_model_and_cv_on_text_data(data: tuple[Path, Path]) -> None:
    ex = load_webis(data[0]) + load_own(data[1])
    emb = HashingEmbedder(64)
    x = emb.embed([e.text for e in ex]).astype(np.float64)
    cfg = TrainConfig(seed=0, min_positives=3, folds=3)
    warnings = ["violence", "collective-violence", "profanity", "death"]
    model, fits = fit_model(x, ex, warnings, cfg, emb.name, 64)
    assert model.trained == {
        "violence": True,
        "collective-violence": True,
        "profanity": True,
        "death": False,
    }
    assert model.gated["violence"] and not model.gated["profanity"]
    res = webis_cv(x, ex, cfg, folds=3)
    assert set(res.folds) == {"violence", "collective-violence"}
    assert res.macro("f1") > 0.7
    own = own_cv(x, ex, cfg, warnings, folds=3)
    assert own.pooled["profanity"].f1 > 0.8
    assert own.any_warning_on_hard_negatives is not None


# -- document mode --------------------------------------------------------------------
def test_pan_scores_match_hand_computed_values() -> None:
    labels = ["a", "b", "c"]
    gold = [{"a"}, {"a", "b"}, set()]
    pred = [{"a"}, {"b", "c"}, {"c"}]
    s = pan_scores(gold, pred, labels)
    # per label F1: a = 2/3 (tp1 fn1), b = 1, c = 0 -> macro 5/9; micro tp2 fp2 fn1 -> 4/7
    assert s["mac_f1"] == pytest.approx(5 / 9)
    assert s["mic_f1"] == pytest.approx(4 / 7)
    assert s["sub_acc"] == pytest.approx(1 / 3)  # only the first work is exactly right


# -- CLI ------------------------------------------------------------------------------
def test_cli_train_then_eval(data: tuple[Path, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model"
    args = [
        "--webis",
        str(data[0]),
        "--own",
        str(data[1]),
        "--seed",
        "1",
        "--embedder",
        "hashing-bow-64",
        "--no-lexicon",
    ]
    r = runner.invoke(app, ["train", *args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    model = LearnedModel.load(out)
    assert model.embedder == "hashing-bow-64" and model.trained["violence"]
    r2 = runner.invoke(app, ["train", *args, "--out", str(tmp_path / "again")])
    assert r2.exit_code == 0
    assert (out / "heads.npz").read_bytes() == (tmp_path / "again" / "heads.npz").read_bytes()

    res = tmp_path / "eval.json"
    r = runner.invoke(app, ["eval", *args, "--folds", "3", "--json", str(res)])
    assert r.exit_code == 0, r.output
    doc = json.loads(res.read_text())
    assert set(doc["passages"]["webis_cv"]["per_warning"]) == {"violence", "collective-violence"}
    assert "MEAN F1" in r.output
    sev = doc["passages"]["severity_cv"]
    assert sev["passages"] == sum(sum(c.values()) for c in sev["confusion"].values()) == 30
    assert 0.0 <= doc["passages"]["real_text_firing"]["mean"] <= 1.0
    assert set(doc["passages"]["real_text_firing"]["per_warning"]) == {"profanity"}

    det = LearnedDetector(model, HashingEmbedder(64), lexicon=None)
    probs, _ = det.score_texts(["punched stabbed kicked beat garden"])
    assert probs.shape == (1, len(model.warnings))


# -- scoring batch output ---------------------------------------------------------------
def _row(work_id: str, found: list[str], declared: list[str], error: str | None = None) -> dict:
    return {
        "id": work_id,
        "warnings": [{"warning": w, "severity": "depiction", "probability": 0.9} for w in found],
        "declared": declared,
        "error": error,
    }


def test_score_batch_against_labels_counts_missing_and_errors() -> None:
    rows = [
        _row("1", ["violence"], []),
        _row("2", ["violence", "suicide"], []),
        _row("3", [], [], error="empty"),
        _row("9", ["suicide"], []),  # not labelled: left out of the scores
    ]
    gold = {"1": frozenset({"violence"}), "2": frozenset({"suicide"})}
    gold["3"] = frozenset({"suicide"})
    gold["4"] = frozenset({"violence"})  # labelled but never produced by the batch
    res = score_batch(rows, gold)
    assert (res["works"], res["error_rows"], res["missing_from_batch"]) == (3, 1, 1)
    assert res["not_in_labels"] == 1
    # violence: tp1 fp1 -> F1 2/3; suicide: tp1 fn1 -> F1 2/3; 30 other labels 0
    assert res["scores"]["mic_f1"] == pytest.approx(2 / 3)
    assert res["scores"]["mac_f1"] == pytest.approx((2 / 3 + 2 / 3) / 32)


def test_score_batch_against_declared_warnings() -> None:
    rows = [_row("a", ["self-harm"], ["self-harm", "suicide"]), _row("b", ["death"], [])]
    res = score_batch(rows)
    assert (res["reference"], res["works"], res["without_declared"]) == ("declared", 1, 1)
    assert res["scores"]["mic_p"] == 1.0 and res["scores"]["mic_r"] == 0.5


def test_cli_eval_on_batch_output_matches_document_mode(tmp_path: Path) -> None:
    """A researcher's path: batch a PAN dump, then score the output in one command; the
    scores equal document mode's, which scans the same works itself."""
    from batch_corpus import story, write_jsonl

    from forewarn.batch import run_batch

    works = write_jsonl(
        tmp_path / "works.jsonl",
        [
            {"work_id": str(i), "text": "<p>" + story(i).replace("\n\n", "</p><p>") + "</p>"}
            for i in range(4)
        ],
    )
    labels = write_jsonl(
        tmp_path / "labels.jsonl",
        [{"work_id": str(i), "labels": ["violence"] if i % 2 else ["death"]} for i in range(4)],
    )
    out = tmp_path / "out.jsonl"
    run_batch(works, out, workers=1)
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["eval", "--batch", str(out), "--labels", str(labels), "--json", str(tmp_path / "b.json")],
    )
    assert r.exit_code == 0, r.output
    r2 = runner.invoke(
        app,
        [
            "eval",
            "--works",
            str(works),
            "--labels",
            str(labels),
            "--json",
            str(tmp_path / "d.json"),
        ],
    )
    assert r2.exit_code == 0, r2.output
    by_batch = json.loads((tmp_path / "b.json").read_text())["batch"]
    direct = json.loads((tmp_path / "d.json").read_text())["documents"]
    assert by_batch["works"] == 4 and by_batch["scores"] == direct["scores"]


def test_cli_eval_batch_refuses_other_files(tmp_path: Path) -> None:
    from reader_support import run_cli

    bogus = tmp_path / "x.jsonl"
    bogus.write_text('{"work_id": "1", "text": "hi"}\n')
    r = run_cli(["eval", "--batch", bogus])
    assert r.code == CorruptFile.exit_code and "not forewarn batch output" in r.err
    assert len(r.err.splitlines()) == 1
    r = run_cli(["eval", "--batch", tmp_path / "missing.jsonl"])
    assert r.code == InputNotFound.exit_code and "no batch output" in r.err
