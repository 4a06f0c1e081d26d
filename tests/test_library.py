"""The personal library: content-hash skipping, changed and moved files, find filters
(warnings, severities, "rated at most"), show, remove, export, Alembic migrations, the
CLI. Runs on SQLite always and on PostgreSQL too when $FOREWARN_TEST_POSTGRES_URL is set.

Works are tiny text files read by a fake scanner (reader_support.fake_scan), so these
tests check the library, not the detectors."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from reader_support import BACKENDS, fake_scan, fake_work_text, library_url, run_cli
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from forewarn import library as lib
from forewarn import pipeline
from forewarn.library import LibraryError, WarningFilter
from forewarn.report import Report


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with library_url(request.param, tmp_path) as database:
        yield database


class CountingScan:
    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, data: bytes, name: str) -> object:
        self.names.append(Path(name).name)
        return fake_scan(data, name)


def write(
    folder: Path,
    name: str,
    title: str,
    warnings: dict[str, str] | None = None,
    rating: str | None = "General Audiences",
    declared: str | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(fake_work_text(title, warnings, rating, declared), "utf-8")
    return path


@pytest.fixture()
def shelf(tmp_path: Path) -> Path:
    """Five works with known warnings and ratings."""
    folder = tmp_path / "fic"
    write(folder, "calm.txt", "Calm Seas", {}, "General Audiences")
    write(folder, "scars.txt", "Old Scars", {"self-harm": "mention"}, "Teen And Up Audiences")
    write(folder, "storm.txt", "The Storm", {"violence": "graphic", "death": "depiction"}, "Mature")
    write(folder, "fight.md", "A Fight", {"violence": "mention"}, "Teen And Up Audiences")
    write(folder / "sub", "rated.html", "Author Says M", {}, "Teen And Up Audiences", "Mature")
    (folder / ".hidden.txt").write_text(fake_work_text("Hidden"), "utf-8")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    return folder


def titles(rows: list[lib.WorkRow]) -> list[str]:
    return sorted(r.title or "" for r in rows)


# --- adding --------------------------------------------------------------------------------


def test_add_then_readd_skips_unchanged_files_without_scanning(url: str, shelf: Path) -> None:
    engine = lib.open_library(url)
    scan = CountingScan()
    first = lib.add(engine, [shelf], scan=scan)
    assert (first.added, first.unchanged, first.failed) == (5, 0, 0)
    assert sorted(scan.names) == ["calm.txt", "fight.md", "rated.html", "scars.txt", "storm.txt"]
    again = CountingScan()
    second = lib.add(lib.open_library(url), [shelf, shelf / "calm.txt"], scan=again)
    assert (second.added, second.unchanged) == (0, 5)
    assert again.names == []  # nothing scanned twice
    assert len(lib.find(engine)) == 5


def test_changed_file_replaces_its_entry_and_moved_file_keeps_it(url: str, shelf: Path) -> None:
    engine = lib.open_library(url)
    lib.add(engine, [shelf], scan=fake_scan)
    storm = shelf / "storm.txt"
    storm.write_text(fake_work_text("The Storm", {"violence": "mention"}, "Teen And Up Audiences"))
    result = lib.add(engine, [shelf], scan=fake_scan)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 4)
    [row] = lib.find(engine, text="Storm")
    assert [(w.warning, w.severity) for w in row.warnings] == [("violence", "mention")]
    moved = shelf / "moved" / "storm-renamed.txt"
    moved.parent.mkdir()
    storm.rename(moved)
    scan = CountingScan()
    assert lib.add(engine, [shelf], scan=scan).unchanged == 5 and scan.names == []
    assert lib.get(engine, row.id).path == str(moved.resolve())
    assert len(lib.find(engine)) == 5


def test_a_copy_is_stored_once_and_bad_files_fail_alone(url: str, shelf: Path) -> None:
    engine = lib.open_library(url)
    (shelf / "copy-of-calm.txt").write_bytes((shelf / "calm.txt").read_bytes())
    write(shelf, "broken.txt", "broken")
    (shelf / "empty.txt").write_bytes(b"")
    result = lib.add(engine, [shelf], scan=fake_scan)
    assert (result.added, result.unchanged, result.failed) == (5, 1, 2)
    assert sorted(Path(p).name for p, _ in result.errors) == ["broken.txt", "empty.txt"]
    assert all(message for _, message in result.errors)
    assert len(lib.find(engine)) == 5


def test_a_scanner_crash_fails_that_file_only(url: str, shelf: Path) -> None:
    def flaky(data: bytes, name: str) -> Report:
        if name.endswith("storm.txt"):
            raise RuntimeError("detector exploded")
        return fake_scan(data, name)

    result = lib.add(lib.open_library(url), [shelf], scan=flaky)
    assert (result.added, result.failed) == (4, 1)
    assert "internal error while scanning: RuntimeError: detector exploded" in result.errors[0][1]


def test_missing_folder_is_an_error_before_anything_is_added(url: str, shelf: Path) -> None:
    engine = lib.open_library(url)
    with pytest.raises(LibraryError, match="does not exist"):
        lib.add(engine, [shelf, shelf / "nope"], scan=fake_scan)
    assert lib.find(engine) == []


# --- finding ---------------------------------------------------------------------------------


@pytest.fixture()
def engine(url: str, shelf: Path) -> Engine:
    engine = lib.open_library(url)
    lib.add(engine, [shelf], scan=fake_scan)
    return engine


def test_find_without_and_with_warnings(engine: Engine) -> None:
    assert titles(lib.find(engine, without=["self-harm", "suicide"])) == [
        "A Fight", "Author Says M", "Calm Seas", "The Storm",
    ]  # fmt: skip
    assert titles(lib.find(engine, with_=["violence"])) == ["A Fight", "The Storm"]
    assert titles(lib.find(engine, with_=["violence", "death"])) == ["The Storm"]


def test_find_with_a_severity_threshold(engine: Engine) -> None:
    depicted = WarningFilter("violence", "depiction")
    assert titles(lib.find(engine, without=[depicted])) == [
        "A Fight", "Author Says M", "Calm Seas", "Old Scars",
    ]  # fmt: skip
    assert titles(lib.find(engine, with_=[WarningFilter("violence", "graphic")])) == ["The Storm"]


def test_rating_means_at_most_and_respects_the_authors_rating(engine: Engine) -> None:
    assert titles(lib.find(engine, max_rating="general")) == ["Calm Seas"]
    # "Author Says M": forewarn suggests Teen, but its author rated it Mature
    assert titles(lib.find(engine, max_rating="teen")) == ["A Fight", "Calm Seas", "Old Scars"]
    assert len(lib.find(engine, max_rating="Mature")) == 5
    with pytest.raises(LibraryError, match="unknown rating"):
        lib.find(engine, max_rating="R")


def test_show_remove_and_missing(engine: Engine, shelf: Path) -> None:
    [row] = lib.find(engine, text="storm")
    report = lib.report_of(lib.get(engine, row.id))
    assert report.to_json() == fake_scan((shelf / "storm.txt").read_bytes()).to_json()
    with pytest.raises(LibraryError, match="no work with id 999"):
        lib.remove(engine, [row.id, 999])
    assert len(lib.find(engine)) == 5  # all or nothing
    assert [r.id for r in lib.remove(engine, [row.id])] == [row.id]
    with pytest.raises(LibraryError):
        lib.get(engine, row.id)
    (shelf / "calm.txt").unlink()
    gone = lib.missing_files(engine)
    assert titles([lib.get(engine, i) for i in gone]) == ["Calm Seas"]


# --- migrations ------------------------------------------------------------------------------


def _alembic(url: str) -> tuple[Config, Engine]:
    from importlib import resources

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("forewarn").joinpath("migrations")))
    return cfg, create_engine(url)


def test_upgrade_on_an_empty_database_reaches_head(url: str) -> None:
    from alembic.script import ScriptDirectory

    engine = lib.open_library(url)
    cfg, _ = _alembic(url)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    tables = set(inspect(engine).get_table_names())
    assert {"works", "work_warnings", "alembic_version"} <= tables
    columns = {c["name"] for c in inspect(engine).get_columns("works")}
    assert {"declared_rank", "work_ref", "content_hash"} <= columns


def test_an_existing_older_database_opens_and_keeps_its_works(url: str) -> None:
    from alembic import command

    cfg, engine = _alembic(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.execute(
            text(
                "INSERT INTO works (content_hash, path, title, author, format, words, chapters,"
                " rating, rating_rank, declared_rating, model_version, scanned_at, report_json)"
                " VALUES ('abc', '/x/old.txt', 'Old Work', 'someone', 'text', 10, 1,"
                " 'Teen And Up Audiences', 1, 'Explicit', 'lexicon 1', '2024-01-01',"
                " :report)"
            ),
            {"report": json.dumps({"work": {"work_id": "12345"}})},
        )
        work_id = connection.execute(text("SELECT id FROM works")).scalar()
        connection.execute(
            text(
                "INSERT INTO work_warnings (work_id, warning, severity, probability)"
                " VALUES (:id, 'violence', 'mention', 0.7)"
            ),
            {"id": work_id},
        )
    library = lib.open_library(url)
    [row] = lib.find(library)
    assert (row.title, row.declared_rank, row.work_ref) == ("Old Work", 3, "12345")
    assert [(w.warning, w.severity) for w in row.warnings] == [("violence", "mention")]
    assert lib.find(library, max_rating="mature") == []  # the author said Explicit
    with create_engine(url).begin() as connection:  # migrations are reversible
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001")
    assert "declared_rank" not in {
        c["name"] for c in inspect(create_engine(url)).get_columns("works")
    }


def test_a_database_from_a_newer_forewarn_is_refused_clearly(url: str) -> None:
    lib.open_library(url)
    with create_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(LibraryError, match="newer forewarn"):
        lib.open_library(url)


def test_bad_database_urls_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="cannot use library database"):
        lib.open_library("nonsense://what")
    with pytest.raises(LibraryError, match="cannot open library database"):
        lib.open_library(f"sqlite:///{tmp_path}/missing/dir/lib.sqlite3")
    with pytest.raises(LibraryError) as err:
        lib.open_library("postgresql+psycopg://user:s3cret@127.0.0.1:1/nope?connect_timeout=2")
    assert "s3cret" not in str(err.value) and "\n" not in str(err.value)


# --- the command line ------------------------------------------------------------------------


@pytest.fixture()
def cli_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "scan_bytes", fake_scan)


def test_cli_add_find_show_remove(url: str, shelf: Path, cli_scan: None) -> None:
    added = run_cli(["library", "add", shelf, "--db", url])
    assert added.code == 0, added.err
    assert added.out.strip() == "added 5, updated 0, unchanged 0, failed 0"
    assert "calm.txt" in added.err and ".hidden" not in added.err
    found = run_cli(
        [
            "library",
            "find",
            "--without",
            "self-harm,suicide",
            "--rating",
            "teen",
            "--json",
            "--db",
            url,
        ]
    )
    assert found.code == 0, found.err
    rows = json.loads(found.out)
    assert sorted(r["title"] for r in rows) == ["A Fight", "Calm Seas"]
    table = run_cli(["library", "find", "--without", "violence:depicted", "--db", url])
    assert "4 works" in table.out and "The Storm" not in table.out
    storm = run_cli(["library", "find", "--with", "violence:graphic", "--json", "--db", url])
    [storm_row] = json.loads(storm.out)
    shown = run_cli(["library", "show", str(storm_row["id"]), "--db", url])
    assert shown.code == 0 and "The Storm" in shown.out and "Violence" in shown.out
    as_json = run_cli(["library", "show", str(storm_row["id"]), "--json", "--db", url])
    assert json.loads(as_json.out)["work"]["title"] == "The Storm"
    removed = run_cli(["library", "remove", str(storm_row["id"]), "--db", url])
    assert removed.code == 0 and "removed 1 work" in removed.out
    missing = run_cli(["library", "show", str(storm_row["id"]), "--db", url])
    assert missing.code == LibraryError.exit_code and missing.err.count("\n") == 1
    bad = run_cli(["library", "find", "--without", "violence:sometimes", "--db", url])
    assert bad.code != 0 and "unknown severity" in bad.err


def test_cli_add_reports_failures_with_exit_1(url: str, shelf: Path, cli_scan: None) -> None:
    write(shelf, "broken.txt", "broken")
    result = run_cli(["library", "add", shelf, "--db", url, "--quiet"])
    assert result.code == 1
    assert result.out.strip() == "added 5, updated 0, unchanged 0, failed 1"
    assert "broken.txt: could not read this file" in result.err and "calm.txt" not in result.err
    assert result.err.strip().endswith("1 of 6 files could not be added (see above)")


def test_cli_export_json_and_csv_to_stdout_and_files(
    url: str,
    tmp_path: Path,
    cli_scan: None,
) -> None:
    folder = tmp_path / "odd"
    write(folder, "a.txt", '=HYPERLINK("http://evil","x")', {"violence": "graphic"})
    write(folder, "b.txt", "Plain, with a comma", {})
    assert run_cli(["library", "add", folder, "--db", url]).code == 0
    as_json = run_cli(["library", "export", "--db", url])
    rows = json.loads(as_json.out)
    assert [r["warnings"] for r in sorted(rows, key=lambda r: r["title"])][0] == [
        {"probability": 0.8, "severity": "graphic", "warning": "violence"}
    ]
    out = tmp_path / "lib.csv"
    written = run_cli(["library", "export", "--csv", "-o", out, "--db", url])
    assert written.code == 0 and written.out == ""
    records = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    by_title = {r["title"]: r for r in records}
    assert by_title['\'=HYPERLINK("http://evil","x")']["warnings"] == "violence:graphic"
    assert by_title["Plain, with a comma"]["warnings"] == ""
    assert run_cli(["library", "export", "--csv", "--db", url]).out == out.read_text("utf-8")
    both = run_cli(["library", "export", "--csv", "--json", "--db", url])
    assert both.code != 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_db_may_be_a_plain_path_or_the_environment(
    tmp_path: Path,
    shelf: Path,
    cli_scan: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db_file = tmp_path / "my-library.db"
    assert run_cli(["library", "add", shelf / "calm.txt", "--db", db_file]).code == 0
    assert db_file.exists()
    monkeypatch.setenv(lib.DB_ENV, f"sqlite:///{db_file}")
    assert "Calm Seas" in run_cli(["library", "find"]).out


def test_cli_titles_are_never_terminal_markup(url: str, tmp_path: Path, cli_scan: None) -> None:
    folder = tmp_path / "markup"
    write(folder, "m.txt", "[bold red]Loud[/] [link=http://x]y[/link]", {})
    run_cli(["library", "add", folder, "--db", url])
    result = run_cli(["library", "find", "--db", url])
    assert result.code == 0 and "[bold red]Loud[/]" in result.out


def test_default_library_lives_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(lib.DB_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    url = lib.default_url()
    assert url.startswith("sqlite:///") and url.endswith("library.sqlite3")
    assert str(tmp_path) in url and os.path.isdir(Path(url[len("sqlite:///") :]).parent)
