"""One direction, plain functions: ingest -> segment -> detect -> aggregate -> report."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from forewarn.detect import Detector, load_default
from forewarn.report import ModelInfo, Report, WorkInfo
from forewarn.work import Work


def scan_path(
    path: str | Path,
    detector: Detector | None = None,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    encoding: str | None = None,
) -> Report:
    from forewarn.ingest import read_path

    return scan_work(read_path(path, encoding=encoding), detector, only=only, exclude=exclude)


def scan_bytes(
    data: bytes,
    name: str = "",
    detector: Detector | None = None,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> Report:
    from forewarn.ingest import read_bytes

    return scan_work(read_bytes(data, name=name), detector, only=only, exclude=exclude)


def scan_text(text: str, detector: Detector | None = None) -> Report:
    return scan_bytes(text.encode("utf-8"), name="pasted.txt", detector=detector)


def scan_work(
    work: Work,
    detector: Detector | None = None,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
) -> Report:
    from forewarn.aggregate import aggregate
    from forewarn.audit import audit
    from forewarn.declared import extract_credits, parse_declared
    from forewarn.tags import suggest

    detector = detector or load_default()
    passages = work.story_passages
    scores = detector.score(passages)
    findings = aggregate(passages, scores)
    best = {w: float(scores.column(w).max()) for w in scores.warnings} if passages else {}
    if only:
        keep = set(only)
        findings = [f for f in findings if f.warning in keep]
    if exclude:
        drop = set(exclude)
        findings = [f for f in findings if f.warning not in drop]
    declared = parse_declared(work)
    return Report(
        work=WorkInfo(
            title=work.title,
            author=work.author,
            format=work.format,
            chapters=len(work.chapters),
            words=work.word_count,
            passages=len(passages),
            work_id=work.work_id,
            declared_rating=work.metadata.rating,
            declared_archive_warnings=list(work.metadata.archive_warnings),
        ),
        model=ModelInfo(name=detector.name, version=detector.version),
        findings=findings,
        declared=declared,
        audit=audit(declared, findings, work.metadata, best=best, thresholds=scores.thresholds),
        credits=extract_credits(work),
        suggestions=suggest(work, findings),
    )
