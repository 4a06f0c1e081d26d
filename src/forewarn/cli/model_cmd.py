"""`forewarn train` and `forewarn eval`: fit the learned detector's heads and score them
against held-out gold (Webis passages, our own passages, PAN 2023 works)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from forewarn.errors import CorruptFile, EmptyInput, ForewarnError, InputNotFound, OutputError


def _progress(verbose: bool):
    return (lambda msg: typer.echo(msg, err=True)) if verbose else None


def _load_examples(webis: Path | None, own: Path | None, works: Path | None, labels: Path | None):
    from forewarn.datasets import load_own, load_pan_works, load_webis
    from forewarn.train import pan_examples

    examples = []
    if webis is not None:
        examples += load_webis(webis)
    if own is not None:
        examples += load_own(own)
    if works is not None:
        if labels is None:
            raise ForewarnError("--pan-works needs --pan-labels to train on")
        examples += pan_examples(load_pan_works(works, labels))
    if not examples:
        raise ForewarnError("no training data: give --webis and/or --own")
    return examples


def _embedder(name: str, max_tokens: int):
    from forewarn.detect.embed import load_embedder

    return load_embedder(name, max_tokens)


def _lexicon_dim(use: bool) -> int:
    from forewarn.detect.learned import lexicon_dim_available

    return lexicon_dim_available() if use else 0


def _write_json(path: Path, data: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None


def _print_table(title: str, table: dict[str, dict[str, float]], cols: list[str]) -> None:
    typer.echo(title)
    typer.echo(f"  {'warning':<26}" + "".join(f"{c:>12}" for c in cols))
    for w, row in sorted(table.items()):
        cells = "".join(
            f"{row[c]:>12.3f}" if isinstance(row.get(c), float) else f"{'-':>12}" for c in cols
        )
        typer.echo(f"  {w:<26}{cells}")


def register(app: typer.Typer) -> None:
    """Add `train` and `eval` to the app."""

    @app.command("train")
    def train_cmd(
        out: Annotated[Path, typer.Option("--out", help="Directory for heads.json + heads.npz.")],
        webis: Annotated[Path | None, typer.Option(help="Webis passages JSONL.")] = None,
        own: Annotated[
            Path | None, typer.Option(help="Own passages: JSONL file or directory.")
        ] = None,
        pan_works: Annotated[Path | None, typer.Option(help="PAN 2023 works.jsonl.")] = None,
        pan_labels: Annotated[Path | None, typer.Option(help="PAN 2023 labels.jsonl.")] = None,
        seed: Annotated[int, typer.Option(help="Seed for folds (results are deterministic).")] = 0,
        embedder: Annotated[
            str, typer.Option(help="Embedding model name.")
        ] = "paraphrase-MiniLM-L3-v2",
        max_tokens: Annotated[int, typer.Option(help="Window size in tokens.")] = 128,
        lexicon: Annotated[bool, typer.Option(help="Use lexicon features.")] = True,
        own_weight: Annotated[float, typer.Option(help="Sample weight of own passages.")] = 1.0,
        c: Annotated[float, typer.Option("--C", help="Inverse L2 strength of the heads.")] = 1.0,
        cache: Annotated[Path | None, typer.Option(help="Embedding cache directory.")] = None,
        version: Annotated[str | None, typer.Option(help="Model version string.")] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    ) -> None:
        """Fit calibrated per-warning heads and write them to --out."""
        from forewarn.taxonomy import load
        from forewarn.train import TrainConfig, example_features, fit_model

        examples = _load_examples(webis, own, pan_works, pan_labels)
        cfg = TrainConfig(seed=seed, C=c, own_weight=own_weight, lexicon=lexicon)
        emb = _embedder(embedder, max_tokens)
        lex_dim = _lexicon_dim(lexicon)
        x = example_features(examples, emb, lex_dim, cache)
        counts = {s: sum(e.source == s for e in examples) for s in ("webis", "own", "pan")}
        model, fits = fit_model(
            x,
            examples,
            load().ids,
            cfg,
            emb.name,
            max_tokens,
            lex_dim,
            version,
            meta={
                "training_examples": counts,
                "command": _command_line("train"),
                **_lexicon_meta(lex_dim),
            },
            lexical=_lexical_warnings() if lexicon else (),
        )
        model.meta["oof"] = {w: _oof_row(examples, f, w) for w, f in fits.items() if f.trained}
        model.save(out)
        trained = sum(model.trained.values())
        typer.echo(f"wrote {out}: {trained}/{len(model.warnings)} warnings trained on {counts}")

    @app.command("eval")
    def eval_cmd(
        webis: Annotated[Path | None, typer.Option(help="Webis passages JSONL.")] = None,
        own: Annotated[
            Path | None, typer.Option(help="Own passages: JSONL file or directory.")
        ] = None,
        works: Annotated[Path | None, typer.Option(help="PAN works.jsonl (document mode).")] = None,
        labels: Annotated[
            Path | None, typer.Option(help="PAN labels.jsonl (document mode, or for --batch).")
        ] = None,
        batch: Annotated[
            Path | None,
            typer.Option(
                help="Score `forewarn batch` output (JSONL/Parquet) without re-scanning: "
                "against --labels (PAN 2023 scores), else against what the authors declared."
            ),
        ] = None,
        model: Annotated[
            Path | None, typer.Option(help="Model dir (default: shipped model).")
        ] = None,
        cv: Annotated[
            bool,
            typer.Option(
                help="Passage mode: cross-validate (re-fit per fold) "
                "instead of scoring a fixed model."
            ),
        ] = True,
        seed: Annotated[int, typer.Option()] = 0,
        folds: Annotated[int, typer.Option()] = 5,
        embedder: Annotated[str, typer.Option()] = "paraphrase-MiniLM-L3-v2",
        max_tokens: Annotated[int, typer.Option()] = 128,
        lexicon: Annotated[bool, typer.Option(help="Use lexicon features in CV.")] = True,
        cache: Annotated[Path | None, typer.Option(help="Embedding cache directory.")] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write results here.")] = None,
        card: Annotated[
            Path | None, typer.Option(help="Write a model card (Markdown) for --model here.")
        ] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    ) -> None:
        """Passage mode (--webis/--own): accuracy, F1, AUC per warning, grouped CV.
        Document mode (--works --labels): PAN 2023 macro/micro-F1 over its 32 labels.
        Batch mode (--batch OUT [--labels]): the same scores from a finished batch run."""
        results: dict[str, Any] = {"seed": seed}
        if batch is not None:
            results["batch"] = _eval_batch(batch, labels)
        if works is not None:
            if labels is None:
                raise ForewarnError("document mode needs --labels")
            results["documents"] = _eval_documents(works, labels, model)
            typer.echo(
                "PAN 2023 document mode: "
                + "  ".join(f"{k} {v:.4f}" for k, v in results["documents"]["scores"].items())
            )
        if webis is not None or own is not None:
            results["passages"] = _eval_passages(
                webis, own, model, cv, seed, folds, embedder, max_tokens, lexicon, cache, verbose
            )
        if len(results) == 1:
            raise ForewarnError(
                "nothing to evaluate: give --webis/--own, --works/--labels or --batch"
            )
        if json_out is not None:
            _write_json(json_out, results)
        if card is not None:
            from forewarn.detect.learned import LearnedModel
            from forewarn.evaluate import render_model_card

            command = _command_line("eval")
            text = render_model_card(LearnedModel.load(model), results, command)
            try:
                card.write_text(text, "utf-8")
            except OSError as exc:
                raise OutputError(f"cannot write {card}: {exc.strerror}") from None


def _command_line(name: str) -> str:
    """The command as typed, for the record (absolute data paths reduced to names)."""
    import sys

    args = sys.argv[sys.argv.index(name) :] if name in sys.argv else [name]
    return "forewarn " + " ".join(args)


def _lexical_warnings() -> list[str]:
    from forewarn.taxonomy import load

    return [w.id for w in load().warnings if w.lexical]


def _lexicon_meta(dim: int) -> dict[str, Any]:
    if not dim:
        return {}
    try:
        from forewarn.detect.lexicon import load_lexicon

        return {"lexicon_version": load_lexicon().version}
    except Exception:  # the version is informative only
        return {}


def _oof_row(examples, fit, warning: str) -> dict[str, Any]:
    from forewarn.evaluate import binary_scores

    y = [examples[i].targets[warning] > 0.5 for i in fit.idx]
    import numpy as np

    return binary_scores(np.array(y, dtype=int), fit.oof_probs, fit.threshold).row()


def _eval_passages(
    webis, own, model_dir, cv, seed, folds, embedder, max_tokens, lexicon, cache, verbose
):
    import numpy as np

    from forewarn.datasets import load_own, load_webis
    from forewarn.evaluate import (
        binary_scores,
        own_cv,
        real_text_firing,
        severity_cv,
        webis_cv,
    )
    from forewarn.taxonomy import load
    from forewarn.train import TrainConfig, example_features, lexicon_scores, standardiser

    examples = (load_webis(webis) if webis else []) + (load_own(own) if own else [])
    out: dict[str, Any] = {}
    if not cv:
        from forewarn.detect.learned import LearnedDetector, LearnedModel

        det = LearnedDetector(LearnedModel.load(model_dir))
        probs, _ = det.score_texts([e.text for e in examples])
        table = {}
        for j, w in enumerate(det.model.warnings):
            rows = [i for i, e in enumerate(examples) if w in e.targets]
            if not rows or not det.model.trained[w]:
                continue
            y = np.array([examples[i].targets[w] > 0.5 for i in rows], dtype=int)
            table[w] = binary_scores(y, probs[rows, j], det.model.thresholds[w]).row()
        _print_table("fixed model, passage mode", table, ["f1", "accuracy", "auc"])
        out["fixed"] = table
        return out
    cfg = TrainConfig(seed=seed, folds=folds, lexicon=lexicon)
    emb = _embedder(embedder, max_tokens)
    lex_dim = _lexicon_dim(lexicon)
    x_raw = example_features(examples, emb, lex_dim, cache)
    # one lexicon pass over every passage, shared by the presumed negatives of the own CV
    # and the real-prose check, by the lexical warnings' votes and by the severity CV
    lex_scores = lexicon_scores(examples) if own else None
    lexical = _lexical_warnings() if lexicon else ()
    mean, scale = standardiser(x_raw, x_raw.shape[1] - lex_dim)
    x = (x_raw - mean) / scale
    prog = _progress(verbose)
    if webis:
        r = webis_cv(x, examples, cfg, include_own=own is not None, folds=folds, progress=prog)
        t = r.table()
        _print_table(
            f"Webis passages, {folds}-fold CV grouped by work (seed {seed})",
            t,
            ["f1", "accuracy", "auc"],
        )
        means = {m: round(r.macro(m), 4) for m in ("f1", "accuracy", "auc")}
        typer.echo(
            f"  MEAN F1 {means['f1']:.3f}  accuracy {means['accuracy']:.3f}  AUC {means['auc']:.3f}"
        )
        out["webis_cv"] = {"per_warning": t, "mean": means}
    if own:
        r = own_cv(
            x,
            examples,
            cfg,
            load().ids,
            folds=folds,
            include_webis=webis is not None,
            progress=prog,
            lexical=lexical,
            lexicon=lex_scores,
        )
        t = r.table()
        _print_table(
            f"own passages, {folds}-fold CV (seed {seed})",
            t,
            ["pooled_f1", "f1", "auc", "hard_negative_fp"],
        )
        pooled = [v["pooled_f1"] for v in t.values() if "pooled_f1" in v]
        typer.echo(
            f"  MEAN pooled F1 {np.mean(pooled):.3f}; warnings >= 0.80: "
            f"{sum(p >= 0.8 for p in pooled)}/{len(pooled)}; any warning on a hard "
            f"negative: {r.any_warning_on_hard_negatives:.3f}"
        )
        out["own_cv"] = {
            "per_warning": t,
            "any_warning_on_hard_negatives": r.any_warning_on_hard_negatives,
        }
        sev = severity_cv(x, examples, seed, folds, lexical, lex_scores)
        if sev:
            typer.echo(
                f"severity (own passages, {folds}-fold CV, {sev['passages']} passages): "
                f"accuracy {sev['accuracy']:.3f} (fixed cuts {sev['fixed_cuts_accuracy']:.3f}, "
                f"majority {sev['majority_baseline']:.3f})"
            )
            out["severity_cv"] = sev
    fire = real_text_firing(x, examples, cfg, load().ids, seed, lex_scores) if webis and own else {}
    if fire:
        typer.echo(
            "own-only warnings on held-out real AO3 passages presumed negative: fire on "
            f"{fire['mean']:.2%} of them on average"
        )
        out["real_text_firing"] = fire
    return out


def _eval_batch(path: Path, labels: Path | None) -> dict[str, Any]:
    from forewarn.batch.writer import read_rows
    from forewarn.datasets import load_pan_labels
    from forewarn.evaluate import score_batch

    if not path.is_file():
        raise InputNotFound(f"no batch output at {path}")
    try:
        rows = read_rows(path)
    except (OSError, ValueError) as exc:
        raise CorruptFile(f"{path} is not forewarn batch output: {exc}") from None
    if not all(isinstance(r, dict) and "id" in r and "warnings" in r for r in rows):
        raise CorruptFile(f"{path} is not forewarn batch output (rows need id and warnings)")
    if not rows:
        raise EmptyInput(f"{path} holds no rows")
    res = score_batch(rows, load_pan_labels(labels) if labels is not None else None)
    what = "PAN 2023 labels" if labels is not None else "the authors' declared warnings"
    typer.echo(
        f"batch output vs {what}: {res['works']} works, {res['error_rows']} error rows; "
        + "  ".join(f"{k} {v:.4f}" for k, v in res["scores"].items())
    )
    if labels is not None and res["missing_from_batch"]:
        typer.echo(f"  {res['missing_from_batch']} labelled works are not in the batch output")
    return res


def _eval_documents(works: Path, labels: Path, model_dir: Path | None) -> dict[str, Any]:
    from forewarn.datasets import load_pan_works
    from forewarn.detect.learned import LearnedDetector, LearnedModel
    from forewarn.evaluate import pan_scores, predict_pan
    from forewarn.ingest.pan import pan_record
    from forewarn.pipeline import scan_work
    from forewarn.segment import build_work
    from forewarn.taxonomy import load

    det = LearnedDetector(LearnedModel.load(model_dir))
    docs = load_pan_works(works, labels)

    def scan(d):
        work = build_work(pan_record({"work_id": d.work_id, "text": d.text}))
        return scan_work(work, det).warnings

    pred = predict_pan(docs, scan)
    tax = load()
    return {
        "scores": pan_scores([d.labels for d in docs], pred, tax.pan23_labels),
        "works": len(docs),
        "predictions": {d.work_id: sorted(p) for d, p in zip(docs, pred, strict=True)},
    }
