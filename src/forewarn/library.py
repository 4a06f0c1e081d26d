"""A personal library of scanned works in any SQLAlchemy database: SQLite by default
(one file in the user data dir), PostgreSQL for many users through the same code.

Works are keyed by the SHA-256 of their bytes, so re-adding a folder skips what has not
changed without scanning it again. A file whose content changed replaces its old entry
(same path, new hash); a file that moved keeps its entry and gets its new path.

Concurrency (two `library add` at once, even on overlapping folders): each work is
stored in its own short transaction, after its scan, and the unique content hash
decides who stores a work first; the other process counts it as already there. On
SQLite every transaction starts with BEGIN IMMEDIATE (one writer at a time, waiting up
to 30 s for the lock) in WAL mode, so readers never block; on PostgreSQL the unique
constraint does the same job and schema migrations take an advisory lock. An
interrupted `add` keeps every work finished before it.

Schema changes are Alembic migrations (forewarn/migrations), applied when a library is
opened, so an old library file simply upgrades.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)

from forewarn.errors import ForewarnError
from forewarn.report import SEVERITIES, Report

RATINGS = ("General Audiences", "Teen And Up Audiences", "Mature", "Explicit")
RATING_ALIASES = {
    "general": 0, "g": 0, "gen": 0, "general audiences": 0,
    "teen": 1, "t": 1, "teen and up": 1, "teen and up audiences": 1,
    "mature": 2, "m": 2,
    "explicit": 3, "e": 3,
}  # fmt: skip
#: Files `library add DIR` picks up (PAN .jsonl files hold many works: use `forewarn batch`).
WORK_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx"}
#: Environment variable naming the default library (an SQLAlchemy URL or a file path).
DB_ENV = "FOREWARN_DB"
#: Lock key for PostgreSQL schema migrations (any constant shared by all forewarn processes).
_PG_MIGRATION_LOCK = 0x666F7265  # "fore"


class LibraryError(ForewarnError):
    exit_code = 14


class Base(DeclarativeBase):
    pass


class WorkRow(Base):
    __tablename__ = "works"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    words: Mapped[int] = mapped_column(Integer)
    chapters: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(32), index=True)
    rating_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    declared_rating: Mapped[str | None] = mapped_column(String(64))
    declared_rank: Mapped[int | None] = mapped_column(Integer)
    work_ref: Mapped[str | None] = mapped_column(String(64))
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
    updated: int = 0  # same path, new content: the old entry was replaced
    unchanged: int = 0  # this content is already in the library
    failed: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class WarningFilter:
    """A warning, optionally from a severity up: ("violence", "depiction") matches works
    whose violence is depicted or graphic, not ones that only mention it."""

    warning: str
    min_severity: str | None = None

    def severities(self) -> list[str]:
        start = SEVERITIES.index(self.min_severity) if self.min_severity else 0
        return list(SEVERITIES[start:])


# --- opening -----------------------------------------------------------------------------


def default_url() -> str:
    """$FOREWARN_DB, else `library.sqlite3` in the user data dir (created if needed)."""
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("forewarn"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'library.sqlite3'}"


def normalise_url(url: str) -> str:
    """An SQLAlchemy URL as given; a plain file path means an SQLite file there."""
    if "://" in url:
        return url
    return f"sqlite:///{Path(url).expanduser().resolve()}"


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def open_library(url: str | None = None) -> Engine:
    """An engine on an up-to-date schema (Alembic migrations run on open)."""
    url = normalise_url(url or default_url())
    shown = safe_url(url)
    try:
        engine = create_engine(url)
    except ImportError as exc:
        hint = " (PostgreSQL: install psycopg and use postgresql+psycopg://...)"
        raise LibraryError(f"no database driver for {shown}: {exc}{hint}") from None
    except Exception as exc:  # malformed URL, unknown dialect
        raise LibraryError(f"cannot use library database {shown}: {_first_line(exc)}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    with database_errors(f"cannot open library database {shown}"):
        migrate(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """WAL (readers never block the writer), a 30 s wait for the write lock, foreign
    keys on, and BEGIN IMMEDIATE so a transaction that will write holds the lock from
    its first statement (no deadlock when two processes both read, then write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it already is).
    Concurrent first opens are serialised: SQLite by BEGIN IMMEDIATE, PostgreSQL by an
    advisory lock held for the migration's transaction."""
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn").joinpath("migrations")))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        cfg.attributes["connection"] = connection
        try:
            command.upgrade(cfg, "head")
        except CommandError as exc:  # a revision this forewarn does not know
            raise LibraryError(
                "this library database was made by a newer forewarn, or is not a forewarn "
                f"library ({_first_line(exc)})"
            ) from None


@contextlib.contextmanager
def database_errors(what: str) -> Iterator[None]:
    """Database failures (server down, disk full, locked too long) as one-line errors."""
    try:
        yield
    except SQLAlchemyError as exc:
        detail = _first_line(getattr(exc, "orig", None) or exc)
        raise LibraryError(f"{what}: {detail}") from None


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


# --- adding --------------------------------------------------------------------------------


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def iter_work_files(paths: Iterable[Path]) -> list[Path]:
    """The files to add, in a stable order: given files as they are, folders searched
    recursively for WORK_SUFFIXES, skipping hidden files and folders (".git",
    half-written ".NAME.part" files). A path that does not exist is an error before
    anything is added."""
    roots = list(paths)
    for root in roots:
        if not root.exists():
            raise LibraryError(f"{root} does not exist")
    found: dict[Path, Path] = {}  # resolved -> as given, so overlapping roots list a file once
    for root in roots:
        if root.is_file():
            found.setdefault(root.resolve(), root)
            continue
        for path in sorted(root.rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
            if not hidden and path.is_file() and path.suffix.lower() in WORK_SUFFIXES:
                found.setdefault(path.resolve(), path)
    return list(found.values())


Scanner = Callable[[bytes, str], Report]
Progress = Callable[[Path, str], None]


def _default_scan(data: bytes, name: str) -> Report:
    from forewarn.pipeline import scan_bytes

    return scan_bytes(data, name=name)


def add(
    engine: Engine,
    paths: Iterable[Path],
    on_progress: Progress | None = None,
    scan: Scanner | None = None,
) -> AddResult:
    """Scan the works under `paths` into the library. A file that cannot be read or
    scanned is counted as failed (with its one-line reason) and the rest carry on."""
    from forewarn.ingest.checks import read_file_bytes

    scan = scan or _default_scan
    result = AddResult()
    files = iter_work_files(paths)
    with database_errors("cannot read the library"), Session(engine) as session:
        rows = session.execute(select(WorkRow.content_hash, WorkRow.path)).all()
    known = {digest: stored for digest, stored in rows}  # content hash -> path, in one query
    by_path = {stored: digest for digest, stored in rows}
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for path in files:
        resolved = str(path.resolve())
        try:
            data = read_file_bytes(path)  # hashed and scanned from the same bytes
            digest = file_hash(data)
            if digest in known:
                _note_existing(engine, digest, known[digest], resolved, by_path)
                status = "unchanged"
            else:
                status = _store(engine, resolved, digest, _scan_one(scan, data, path))
        except ForewarnError as exc:
            result.failed += 1
            result.errors.append((str(path), str(exc)))
            _progress(on_progress, path, f"failed: {exc}")
            continue
        known[digest], by_path[resolved] = resolved, digest
        counts[status] += 1
        _progress(on_progress, path, status)
    result.added, result.updated, result.unchanged = (
        counts["added"],
        counts["updated"],
        counts["unchanged"],
    )
    return result


def _scan_one(scan: Scanner, data: bytes, path: Path) -> Report:
    """One file's report; a crash inside the scanner fails this file, not the whole run."""
    try:
        return scan(data, str(path))
    except ForewarnError:
        raise
    except Exception as exc:
        if os.environ.get("FOREWARN_DEBUG"):
            raise
        raise ForewarnError(f"internal error while scanning: {type(exc).__name__}: {exc}") from exc


def _progress(callback: Progress | None, path: Path, status: str) -> None:
    if callback:
        callback(path, status)


def _note_existing(
    engine: Engine, digest: str, stored_path: str, path: str, by_path: dict[str, str]
) -> None:
    """Known content: follow a moved file, and forget what this path held before."""
    moved = stored_path != path and not Path(stored_path).exists()
    stale = by_path.get(path) not in (None, digest)
    if not (moved or stale):
        return
    with database_errors("cannot update the library"), Session(engine) as session, session.begin():
        if stale:
            _delete_path(session, path, keep=digest)
        if moved:
            session.execute(update(WorkRow).where(WorkRow.content_hash == digest).values(path=path))


def _delete_path(session: Session, path: str, keep: str) -> int:
    ids = list(
        session.scalars(
            select(WorkRow.id).where(WorkRow.path == path, WorkRow.content_hash != keep)
        )
    )
    if ids:
        session.execute(delete(WarningRow).where(WarningRow.work_id.in_(ids)))
        session.execute(delete(WorkRow).where(WorkRow.id.in_(ids)))
    return len(ids)


def _rank(rating: str | None) -> int | None:
    if not rating:
        return None
    key = rating.strip().lower()
    if key in RATING_ALIASES:
        return RATING_ALIASES[key]
    return None  # "Not Rated" and anything unknown


def _row(path: str, digest: str, report: Report) -> WorkRow:
    rating = report.suggestions.rating
    return WorkRow(
        content_hash=digest,
        path=path,
        title=report.work.title,
        author=report.work.author,
        format=report.work.format,
        words=report.work.words,
        chapters=report.work.chapters,
        rating=rating,
        rating_rank=_rank(rating),
        declared_rating=report.work.declared_rating,
        declared_rank=_rank(report.work.declared_rating),
        work_ref=report.work.work_id,
        model_version=f"{report.model.name} {report.model.version}"[:64],
        scanned_at=datetime.now(UTC).isoformat(timespec="seconds"),
        report_json=report.to_json(indent=None),
        warnings=[
            WarningRow(warning=f.warning, severity=f.severity, probability=f.probability)
            for f in report.findings
        ],
    )


def _store(engine: Engine, path: str, digest: str, report: Report) -> str:
    """Insert one scanned work in its own transaction: "added", "updated" (it replaced
    what this path held before) or "unchanged" (another process stored it first)."""
    with database_errors("cannot store in the library"):
        try:
            with Session(engine) as session, session.begin():
                if session.scalar(select(WorkRow.id).where(WorkRow.content_hash == digest)):
                    return "unchanged"
                replaced = _delete_path(session, path, keep=digest)
                session.add(_row(path, digest, report))
        except IntegrityError:
            return "unchanged"  # the unique content hash: another process stored it first
    return "updated" if replaced else "added"


# --- finding -------------------------------------------------------------------------------


def rating_rank(name: str) -> int:
    key = name.strip().lower()
    if key not in RATING_ALIASES:
        raise LibraryError(f"unknown rating {name!r}: use general, teen, mature or explicit")
    return RATING_ALIASES[key]


def find(
    engine: Engine,
    without: Iterable[WarningFilter | str] = (),
    with_: Iterable[WarningFilter | str] = (),
    max_rating: str | None = None,
    text: str | None = None,
) -> list[WorkRow]:
    """Works that have none of `without` and all of `with_`, rated at most `max_rating`.

    "Rated at most Teen" means forewarn's suggested rating is General or Teen AND the
    author's own rating, when they gave one, is no higher: a reader filtering for Teen
    never gets a work its author calls Mature. Works without a suggested rating are
    left out of a rating filter."""
    query = (
        select(WorkRow).options(selectinload(WorkRow.warnings)).order_by(WorkRow.title, WorkRow.id)
    )
    for item in without:
        query = query.where(~WorkRow.id.in_(_having(item)))
    for item in with_:
        query = query.where(WorkRow.id.in_(_having(item)))
    if max_rating:
        rank = rating_rank(max_rating)
        query = query.where(WorkRow.rating_rank <= rank)
        query = query.where((WorkRow.declared_rank.is_(None)) | (WorkRow.declared_rank <= rank))
    if text:
        like = f"%{text}%"
        query = query.where(WorkRow.title.ilike(like) | WorkRow.author.ilike(like))
    with database_errors("cannot read the library"), Session(engine) as session:
        return list(session.scalars(query))


def _having(item: WarningFilter | str) -> Any:
    f = item if isinstance(item, WarningFilter) else WarningFilter(item)
    return select(WarningRow.work_id).where(
        WarningRow.warning == f.warning, WarningRow.severity.in_(f.severities())
    )


def get(engine: Engine, work_id: int) -> WorkRow:
    with database_errors("cannot read the library"), Session(engine) as session:
        row = session.get(WorkRow, work_id, options=[selectinload(WorkRow.warnings)])
    if row is None:
        raise LibraryError(f"no work with id {work_id} in the library")
    return row


def remove(engine: Engine, work_ids: Iterable[int]) -> list[WorkRow]:
    """Delete works by id (all or nothing); the removed rows are returned."""
    ids = list(dict.fromkeys(work_ids))
    with database_errors("cannot update the library"), Session(engine) as session, session.begin():
        rows = list(session.scalars(select(WorkRow).where(WorkRow.id.in_(ids))))
        missing = sorted(set(ids) - {r.id for r in rows})
        if missing:
            raise LibraryError(f"no work with id {', '.join(map(str, missing))} in the library")
        for row in rows:
            session.delete(row)
    return rows


def missing_files(engine: Engine) -> list[int]:
    """Ids of works whose file is no longer where the library last saw it."""
    with database_errors("cannot read the library"), Session(engine) as session:
        rows = session.execute(select(WorkRow.id, WorkRow.path)).all()
    return [i for i, p in rows if not Path(p).exists()]


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
            "work_id": r.work_ref,
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
            "scanned_at": r.scanned_at,
        }
        for r in rows
    ]


def report_of(row: WorkRow) -> Report:
    try:
        return Report.from_dict(json.loads(row.report_json))
    except (ValueError, KeyError, TypeError) as exc:
        raise LibraryError(
            f"work {row.id} was stored by another forewarn version ({_first_line(exc)}); "
            "remove it and add the file again"
        ) from None
