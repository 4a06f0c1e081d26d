"""Usage mistakes and the --encoding override, through the real `forewarn` entry point.

Usage errors must exit 2 with click's short usage message, never as an "internal error"
(exit 70): typer 0.2x raises its own copies of click's exceptions, which once slipped past
the handler for click's."""

from __future__ import annotations

from pathlib import Path

import pytest
from reader_support import run_cli

from forewarn.errors import EncodingError
from forewarn.ingest import read_bytes

# Croatian in cp1250: 0xe8 is "č" there but "è" in cp1252, the detector's Western default.
CP1250 = "Čaša žute boje stajala je na stolu. Šef je rekao: »Još jednom, molim.«\n"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["scan", "--bogus", "x.txt"],
        ["scan"],
        ["library", "export", "--csv", "--json"],
    ],
)
def test_usage_errors_exit_2_without_internal_error(args: list[str]) -> None:
    r = run_cli(args)
    assert r.code == 2, (r.code, r.err)
    assert "internal error" not in r.err and "Traceback" not in r.err


def test_unknown_encoding_is_a_usage_error(tmp_path: Path) -> None:
    story = tmp_path / "s.txt"
    story.write_bytes(CP1250.encode("cp1250"))
    r = run_cli(["scan", story, "--encoding", "klingon-8"])
    assert r.code == 2 and "unknown text encoding" in r.err


def test_encoding_override_reads_what_detection_gets_wrong() -> None:
    data = CP1250.encode("cp1250")
    text = " ".join(p.text for p in read_bytes(data, encoding="cp1250").passages)
    assert "Čaša žute boje" in text and "Još jednom" in text
    # the override is strict: bytes invalid in the named encoding are an error, not mojibake
    with pytest.raises(EncodingError, match="not valid utf-8"):
        read_bytes(data, encoding="utf-8")


def test_encoding_override_on_the_command_line(tmp_path: Path) -> None:
    story = tmp_path / "s.txt"
    story.write_bytes(CP1250.encode("cp1250"))
    page = run_cli(["render", story, "--encoding", "CP1250", "-o", "-"])
    assert page.code == 0 and "Čaša žute boje" in page.out
    wrong = run_cli(["scan", story, "--encoding", "utf-8"])
    assert wrong.code == EncodingError.exit_code and "not valid utf-8" in wrong.err


def test_utf8_bom_is_dropped_when_the_user_names_utf8() -> None:
    data = b"\xef\xbb\xbf" + "Ana je došla kući.\n".encode()
    work = read_bytes(data, encoding="utf-8")
    assert work.passages[0].text.startswith("Ana")
