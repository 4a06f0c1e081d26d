"""Loaders for the labelled data forewarn trains and evaluates on.

Three shapes, one passage example type:
- Webis passage JSONL: each passage judged for ONE warning by three annotators. The
  example carries a soft target (share of annotators who said yes) for that warning
  only; every other warning is *unlabelled* for it, not negative.
- Our own passages (`data/own-passages/*.jsonl`): every listed warning is positive and
  every other warning negative (the guidelines label each passage completely).
- PAN 2023 works.jsonl + labels.jsonl: whole works with document-level labels.

Why one type: training code can then treat "which warnings is this example labelled
for" uniformly, and never has to know which file an example came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forewarn.errors import CorruptFile, EmptyInput, InputNotFound
from forewarn.taxonomy import Taxonomy
from forewarn.taxonomy import load as load_taxonomy


@dataclass(frozen=True)
class PassageExample:
    """One labelled passage.

    targets:  warning id -> share of annotators who said yes (0..1). Warnings not in
              `targets` are unlabelled for this passage.
    group:    what must not be split across folds (the work a passage came from).
    source:   "webis" | "own".
    """

    id: str
    text: str
    targets: dict[str, float]
    group: str
    source: str
    kind: str = "positive"
    severity: str | None = None
    near: str | None = None

    def positive(self, warning: str) -> bool | None:
        """Majority-vote label for `warning`, or None when unlabelled."""
        t = self.targets.get(warning)
        return None if t is None else t > 0.5


@dataclass(frozen=True)
class DocExample:
    """A whole work with its document-level PAN 2023 labels (empty when unknown)."""

    work_id: str
    text: str
    labels: frozenset[str] = field(default_factory=frozenset)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.exists():
        raise InputNotFound(f"no such file: {path}")
    if not path.is_file():
        raise InputNotFound(f"not a file: {path}")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorruptFile(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise CorruptFile(f"{path}:{n}: expected a JSON object")
            yield n, row


def load_webis(path: str | Path, taxonomy: Taxonomy | None = None) -> list[PassageExample]:
    """Webis passage-level trigger warnings: `{"warning","labels":[0,1,1],"text","work_id",...}`.

    The Webis warning name is mapped to our taxonomy (war -> collective-violence,
    abduction -> kidnapping, misogyny -> sexism)."""
    tax = taxonomy or load_taxonomy()
    path = Path(path)
    out: list[PassageExample] = []
    for n, row in _read_jsonl(path):
        try:
            votes = [int(v) for v in row["labels"]]
            text = str(row["text"])
            webis = str(row["warning"])
        except (KeyError, TypeError, ValueError):
            raise CorruptFile(f"{path}:{n}: needs warning, labels and text") from None
        warning = tax.from_webis(webis)
        if warning is None:
            raise CorruptFile(f"{path}:{n}: unknown Webis warning {webis!r}")
        if not votes:
            raise CorruptFile(f"{path}:{n}: empty labels")
        out.append(
            PassageExample(
                id=f"webis-{row.get('example_id', n)}",
                text=text,
                targets={warning: sum(votes) / len(votes)},
                group=f"work-{row.get('work_id', n)}",
                source="webis",
            )
        )
    if not out:
        raise EmptyInput(f"no passages in {path}")
    return out


def load_own(path: str | Path, taxonomy: Taxonomy | None = None) -> list[PassageExample]:
    """Our own passages: a JSONL file or a directory of `*.jsonl` files with
    `{"id","text","labels":[ids],"severity","near","kind","note"}`. Fully labelled."""
    tax = taxonomy or load_taxonomy()
    path = Path(path)
    if not path.exists():
        raise InputNotFound(f"no such file or directory: {path}")
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    out: list[PassageExample] = []
    seen: set[str] = set()
    for f in files:
        for n, row in _read_jsonl(f):
            try:
                text = str(row["text"])
                labels = [str(x) for x in row.get("labels", [])]
            except (KeyError, TypeError):
                raise CorruptFile(f"{f}:{n}: needs text and labels") from None
            unknown = [x for x in labels if x not in tax]
            if unknown:
                raise CorruptFile(f"{f}:{n}: unknown warning(s) {', '.join(unknown)}")
            pid = str(row.get("id") or f"{f.stem}-{n}")
            if pid in seen:  # ids must stay unique: they are the CV groups
                pid = f"{f.stem}-{pid}-{n}"
            seen.add(pid)
            out.append(
                PassageExample(
                    id=pid,
                    text=text,
                    targets={w: (1.0 if w in labels else 0.0) for w in tax.ids},
                    group=f"own-{pid}",
                    source="own",
                    kind=str(row.get("kind") or ("positive" if labels else "hard-negative")),
                    severity=row.get("severity"),
                    near=row.get("near"),
                )
            )
    if not out:
        raise EmptyInput(f"no passages in {path}")
    return out


def load_pan_works(works: str | Path, labels: str | Path | None = None) -> list[DocExample]:
    """PAN 2023 trigger detection: works.jsonl `{"work_id","text"}` and labels.jsonl
    `{"work_id","labels":[...]}`. Works without a labels line get an empty label set."""
    works = Path(works)
    gold = load_pan_labels(labels) if labels is not None else {}
    out: list[DocExample] = []
    for n, row in _read_jsonl(works):
        if "work_id" not in row or "text" not in row:
            raise CorruptFile(f"{works}:{n}: needs work_id and text")
        wid = str(row["work_id"])
        out.append(
            DocExample(work_id=wid, text=str(row["text"]), labels=gold.get(wid, frozenset()))
        )
    if not out:
        raise EmptyInput(f"no works in {works}")
    return out


def load_pan_labels(labels: str | Path) -> dict[str, frozenset[str]]:
    """PAN 2023 labels.jsonl: work_id -> its labels (the author's tags, mapped)."""
    lp = Path(labels)
    gold: dict[str, frozenset[str]] = {}
    for n, row in _read_jsonl(lp):
        if "work_id" not in row or not isinstance(row.get("labels"), list):
            raise CorruptFile(f"{lp}:{n}: needs work_id and a labels list")
        gold[str(row["work_id"])] = frozenset(str(x) for x in row["labels"])
    return gold


def labelled_for(examples: list[PassageExample], warning: str) -> list[int]:
    """Indices of the examples that carry a label for `warning`."""
    return [i for i, e in enumerate(examples) if warning in e.targets]
