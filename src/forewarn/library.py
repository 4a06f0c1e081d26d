"""A personal library of scanned works in any SQLAlchemy database (SQLite by default,
PostgreSQL for many users through the same URL).

Works are keyed by the SHA-256 of their bytes, so re-adding a folder skips what has not
changed, and two processes adding at once cannot both insert the same work: the unique
constraint decides, and the loser simply counts the work as already there. Each work is
committed on its own, so an interrupted `add` keeps everything finished before it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from forewarn.errors import ForewarnError
from forewarn.report import Report

RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit")
RATING_ALIASES = {
    "general": 0, "g": 0, "gen": 0, "general audiences": 0,
    "teen": 1, "t": 1, "teen and up": 1, "teen and up audiences": 1,
    "mature": 2, "m": 2,
    "explicit": 3, "e": 3,
}  # fmt: skip
WORK_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx", ".jsonl"}


class LibraryError(ForewarnError):
    exit_code = 14


class Base(DeclarativeBase):
    pass


class WorkRow(Base):
    __tablename__ = "works"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    path: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    words: Mapped[int] = mapped_column(Integer)
    chapters: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(32), index=True)
    rating_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    declared_rating: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[str] = mapped_column(String(32))
    report_json: Mapped[str] = mapped_column(Text)
    warnings: Mapped[list[WarningRow]] = relationship(
        back_populates="work", cascade="all, delete-orphan", order_by="WarningRow.warning"
    )


class WarningRow(Base):
    __tablename__ = "work_warnings"

    work_id: Mapped[int] = mapped_column(
        ForeignKey("works.id", ondelete="CASCADE"), primary_key=True
    )
    warning: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    severity: Mapped[str] = mapped_column(String(16))
    probability: Mapped[float] = mapped_column(Float)
    work: Mapped[WorkRow] = relationship(back_populates="warnings")


@dataclass
class AddResult:
    added: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[tuple[str, str]] | None = None


def default_url() -> str:
    import os

    from platformdirs import user_data_dir

    if os.environ.get("FOREWARN_DB"):
        return os.environ["FOREWARN_DB"]
    folder = Path(user_data_dir("forewarn"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'library.sqlite3'}"


def open_library(url: str | None = None) -> Engine:
    """An engine on an up-to-date schema (Alembic migrations run on open)."""
    url = url or default_url()
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL or missing driver
        raise LibraryError(f"cannot open library database {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except OperationalError as exc:
        raise LibraryError(f"cannot open library database: {exc.orig}") from exc
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn").joinpath("migrations")))
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
            return
        except (OperationalError, IntegrityError):
            # another process is creating the same schema right now: let it finish
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def iter_work_files(paths: Iterable[Path]) -> Iterator[Path]:
    for root in paths:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from sorted(
                p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in WORK_SUFFIXES
            )
        else:
            raise LibraryError(f"{root} does not exist")


def add(engine: Engine, paths: Iterable[Path], on_progress=None) -> AddResult:  # type: ignore[no-untyped-def]
    from forewarn.pipeline import scan_path

    result = AddResult(errors=[])
    for path in iter_work_files(paths):
        digest = file_hash(path)
        with Session(engine) as session:
            if session.scalar(select(WorkRow.id).where(WorkRow.content_hash == digest)):
                result.unchanged += 1
                _progress(on_progress, path, "unchanged")
                continue
        try:
            report = scan_path(path)
        except ForewarnError as exc:
            result.failed += 1
            assert result.errors is not None
            result.errors.append((str(path), str(exc)))
            _progress(on_progress, path, f"error: {exc}")
            continue
        if _insert(engine, path, digest, report):
            result.added += 1
            _progress(on_progress, path, "added")
        else:
            result.unchanged += 1
            _progress(on_progress, path, "unchanged")
    return result


def _progress(callback, path: Path, status: str) -> None:  # type: ignore[no-untyped-def]
    if callback:
        callback(path, status)


def _insert(engine: Engine, path: Path, digest: str, report: Report) -> bool:
    rating = report.suggestions.rating
    row = WorkRow(
        content_hash=digest,
        path=str(path.resolve()),
        title=report.work.title,
        author=report.work.author,
        format=report.work.format,
        words=report.work.words,
        chapters=report.work.chapters,
        rating=rating,
        rating_rank=RATINGS.index(rating) if rating in RATINGS else None,
        declared_rating=report.work.declared_rating,
        model_version=f"{report.model.name} {report.model.version}",
        scanned_at=datetime.now(UTC).isoformat(timespec="seconds"),
        report_json=report.to_json(indent=None),
        warnings=[
            WarningRow(warning=f.warning, severity=f.severity, probability=f.probability)
            for f in report.findings
        ],
    )
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
    except IntegrityError:
        return False  # another process stored the same content first
    return True


def rating_rank(name: str) -> int:
    key = name.strip().lower()
    if key not in RATING_ALIASES:
        raise LibraryError(f"unknown rating {name!r}: use general, teen, mature or explicit")
    return RATING_ALIASES[key]


def find(
    engine: Engine,
    without: Iterable[str] = (),
    with_: Iterable[str] = (),
    max_rating: str | None = None,
    text: str | None = None,
) -> list[WorkRow]:
    """Works that have none of `without`, all of `with_`, rated at most `max_rating`."""
    query = select(WorkRow).order_by(WorkRow.title, WorkRow.id)
    excluded = list(without)
    if excluded:
        query = query.where(
            ~WorkRow.id.in_(select(WarningRow.work_id).where(WarningRow.warning.in_(excluded)))
        )
    for warning in with_:
        query = query.where(
            WorkRow.id.in_(select(WarningRow.work_id).where(WarningRow.warning == warning))
        )
    if max_rating:
        query = query.where(WorkRow.rating_rank <= rating_rank(max_rating))
    if text:
        like = f"%{text}%"
        query = query.where(WorkRow.title.ilike(like) | WorkRow.author.ilike(like))
    with Session(engine) as session:
        rows = list(session.scalars(query))
        for row in rows:
            _ = row.warnings  # load while the session is open
        return rows


def get(engine: Engine, work_id: int) -> WorkRow:
    with Session(engine) as session:
        row = session.get(WorkRow, work_id)
        if row is None:
            raise LibraryError(f"no work with id {work_id} in the library")
        _ = row.warnings
        return row


def export_rows(rows: list[WorkRow]) -> list[dict[str, object]]:
    return [
        {
            "id": r.id,
            "title": r.title,
            "author": r.author,
            "path": r.path,
            "format": r.format,
            "words": r.words,
            "chapters": r.chapters,
            "rating": r.rating,
            "declared_rating": r.declared_rating,
            "warnings": [
                {
                    "warning": w.warning,
                    "severity": w.severity,
                    "probability": round(w.probability, 4),
                }
                for w in r.warnings
            ],
            "content_hash": r.content_hash,
            "model": r.model_version,
        }
        for r in rows
    ]


def report_of(row: WorkRow) -> Report:
    return Report.from_dict(json.loads(row.report_json))
