"""forewarn never touches the network: scan, batch, render, library and serve run with
every socket connection and name lookup to anything but loopback refused and recorded
(tests/fixtures/netguard.py), and the record must stay empty.

Twice: in-process (the socket module patched under the library functions) and in
subprocesses (the guard installed as sitecustomize.py on PYTHONPATH, so it is armed in
every Python process the CLI starts, spawned batch workers and the web server included;
each process writes "armed" to the log, which proves the guard really ran there).
Canary tests show the guard does catch an attempt, so an empty record means something.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b
from fixtures import netguard

FOREWARN = [sys.executable, "-c", "from forewarn.cli import main; main()"]
SERVER_AVAILABLE = importlib.util.find_spec("forewarn.server") is not None


@pytest.fixture
def no_network() -> Iterator[list[dict[str, Any]]]:
    attempts: list[dict[str, Any]] = []
    netguard.install(attempts.append)
    try:
        yield attempts
    finally:
        netguard.uninstall()


def _works(folder: Path) -> dict[str, Path]:
    spec = b.sample_spec()
    files = {
        "story.txt": b.plain_text(spec),
        "story.md": b.markdown(spec),
        "page.html": b.ao3_work_page_html(spec),
        "download.html": b.ao3_download_html(spec),
        "ao3.epub": b.ao3_epub(spec),
        "fff.epub": b.fanficfare_epub(spec),
        "draft.docx": b.docx(spec),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


# ---------------------------------------------------------------- the guard works


def test_guard_refuses_and_records_outside_addresses(no_network: list[dict[str, Any]]) -> None:
    # 192.0.2.0/24 is TEST-NET-1; the guard refuses before any packet is sent.
    with pytest.raises(PermissionError):
        socket.create_connection(("192.0.2.1", 9), timeout=1)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.invalid", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(PermissionError):
        sock.connect(("192.0.2.2", 80))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(PermissionError):
        sock.sendto(b"x", ("192.0.2.3", 53))
    assert [a["api"] for a in no_network] == [
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.connect",
        "socket.sendto",
    ]


def test_guard_lets_loopback_through(no_network: list[dict[str, Any]]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=5):
            pass
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.connect(("127.0.0.1", port))
    assert no_network == []


def test_guard_uninstalls_cleanly() -> None:
    original = socket.socket.connect
    netguard.install(lambda _event: None)
    assert socket.socket.connect is not original
    netguard.uninstall()
    assert socket.socket.connect is original


# ---------------------------------------------------------------- in-process


def test_scan_every_format_offline(tmp_path: Path, no_network: list[dict[str, Any]]) -> None:
    from forewarn.pipeline import scan_path

    for path in _works(tmp_path).values():
        report = scan_path(path)
        assert report.findings, path.name
    assert no_network == []


def test_render_and_tag_epub_offline(tmp_path: Path, no_network: list[dict[str, Any]]) -> None:
    from forewarn.ingest import read_path
    from forewarn.pipeline import scan_work
    from forewarn.render.epub import read_subjects, tag_epub
    from forewarn.render.html import render_html

    epub = _works(tmp_path)["ao3.epub"]
    work = read_path(epub)
    report = scan_work(work)
    page = render_html(work, report, spoilers=True)
    assert "<html" in page.lower()
    tagged = tag_epub(epub.read_bytes(), report)
    assert read_subjects(tagged)
    assert no_network == []


def test_batch_and_library_offline(tmp_path: Path, no_network: list[dict[str, Any]]) -> None:
    from forewarn import library
    from forewarn.batch import read_rows, run_batch

    folder = tmp_path / "works"
    works = _works(folder)
    out = tmp_path / "out.jsonl"
    summary = run_batch(folder, out, workers=1)
    assert summary.processed == len(works) and summary.errors == 0
    assert len(read_rows(out)) == len(works)

    engine = library.open_library(f"sqlite:///{tmp_path / 'lib.sqlite3'}")
    result = library.add(engine, [folder])
    assert result.added == len(works)
    assert library.find(engine, without=["death"]) is not None
    assert no_network == []


#: Markup that makes a browser fetch something: src/srcset/href/action/poster/data
#: attributes, CSS url() and @import, meta refresh - pointing off this origin.
_REMOTE_FETCH = re.compile(
    r"""(?:\b(?:src|srcset|href|action|poster|data|formaction)\s*=\s*["']?\s*"""
    r"""|url\(\s*["']?|@import\s+["']?|content\s*=\s*["']?\d*;\s*url=)"""
    r"""(?:[a-z][a-z0-9+.-]*:|//)""",
    re.IGNORECASE,
)
_ALLOWED_SCHEMES = ("data:", "blob:", "#", "mailto:")


def remote_fetches(markup: str) -> list[str]:
    """Places in `markup` that would make a browser load something from elsewhere."""
    found = []
    for match in _REMOTE_FETCH.finditer(markup):
        tail = markup[match.end() - 8 : match.end() + 40]
        target = markup[match.start() : match.end() + 40]
        if not any(s in tail for s in _ALLOWED_SCHEMES):
            found.append(target)
    return found


def test_remote_fetch_check_can_fail() -> None:
    assert remote_fetches('<img src="https://example.invalid/x.png">')
    assert remote_fetches("<link href='//cdn.example.invalid/x.css'>")
    assert remote_fetches("body { background: url(http://example.invalid/a.png) }")
    assert remote_fetches('<meta http-equiv="refresh" content="0; url=https://x.invalid/">')
    assert not remote_fetches('<img src="data:image/png;base64,AAAA"><a href="#c1">x</a>')


def test_rendered_page_and_web_assets_load_nothing_from_elsewhere(tmp_path: Path) -> None:
    """The read-safely page and the server's page are self-contained: opening them in a
    browser fetches nothing from another host (a CDN font or script would leak that
    someone is reading this work)."""
    from importlib import resources

    from forewarn.ingest import read_path
    from forewarn.pipeline import scan_work
    from forewarn.render.html import render_html

    for name in ("page.html", "ao3.epub"):
        work = read_path(_works(tmp_path)[name])
        page = render_html(work, scan_work(work), spoilers=True)
        assert remote_fetches(page) == [], name
    assets = resources.files("forewarn").joinpath("server_assets")
    if assets.is_dir():
        for asset in assets.iterdir():
            if asset.name.endswith((".html", ".js", ".css", ".svg")):
                text = asset.read_text(encoding="utf-8")
                assert remote_fetches(text) == [], asset.name


@pytest.mark.skipif(not SERVER_AVAILABLE, reason="forewarn.server is not written yet")
def test_serve_offline_in_process(no_network: list[dict[str, Any]]) -> None:
    from fastapi.testclient import TestClient

    with TestClient(_server_app()) as client:
        for path in ("/", "/healthz", "/v1/taxonomy", "/assets/app.js", "/docs"):
            assert client.get(path).status_code == 200, path
        scanned = _post_a_work(client.post)
        assert scanned["findings"]
        text = b.plain_text(b.sample_spec()).decode("utf-8")
        page = client.post("/v1/render", json={"text": text})
        assert page.status_code == 200 and "<html" in page.text.lower()
    assert no_network == []


# ---------------------------------------------------------------- subprocesses


@pytest.fixture
def guarded_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    site = tmp_path / "netguard-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        Path(netguard.__file__).read_text(encoding="utf-8"), encoding="utf-8"
    )
    log = tmp_path / "net.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)
    env[netguard.LOG_ENV] = str(log)
    env["FOREWARN_DB"] = f"sqlite:///{tmp_path / 'lib.sqlite3'}"
    env.pop("FOREWARN_DEBUG", None)
    yield env, log


def _events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*FOREWARN, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done


def test_guard_is_armed_in_subprocesses_and_catches_a_canary(
    guarded_env: tuple[dict[str, str], Path],
) -> None:
    env, log = guarded_env
    canary = "import socket\ntry:\n socket.create_connection(('192.0.2.1', 9), timeout=1)\nexcept OSError:\n pass\n"
    subprocess.run([sys.executable, "-c", canary], env=env, check=True, timeout=60)
    events = _events(log)
    assert [e["event"] for e in events] == ["armed", "attempt"]
    assert "192.0.2.1" in events[1]["target"]


def test_cli_commands_never_touch_the_network(
    tmp_path: Path, guarded_env: tuple[dict[str, str], Path]
) -> None:
    env, log = guarded_env
    works = _works(tmp_path / "works")
    # every format is scanned in-process above; here each command runs once
    report = json.loads(_run(env, "scan", "--json", str(works["ao3.epub"])).stdout)
    assert report["findings"]
    _run(env, "render", str(works["page.html"]), "-o", str(tmp_path / "page.html"))
    _run(env, "tag-epub", str(works["ao3.epub"]), "-o", str(tmp_path / "tagged.epub"))
    _run(env, "library", "add", str(tmp_path / "works"))
    _run(env, "batch", str(tmp_path / "works"), "-o", str(tmp_path / "out.jsonl"),
         "--workers", "2", "--shard-size", "2", "--no-progress")  # fmt: skip
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == len(works)

    events = _events(log)
    attempts = [e for e in events if e["event"] != "armed"]
    assert attempts == []
    armed = [e for e in events if e["event"] == "armed"]
    # 5 CLI processes, plus the batch's two spawned workers
    assert len(armed) >= 7, armed


@pytest.mark.skipif(not SERVER_AVAILABLE, reason="forewarn.server is not written yet")
def test_served_app_never_touches_the_network(
    tmp_path: Path, guarded_env: tuple[dict[str, str], Path]
) -> None:
    env, log = guarded_env
    with _free_port() as port:
        pass
    server = subprocess.Popen(
        [*FOREWARN, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server)
        for path in ("/", "/healthz", "/assets/app.js"):
            with urllib.request.urlopen(base + path, timeout=10) as page:
                assert page.status == 200, path
        scanned = _post_a_work(lambda url, **kw: _urllib_post(base + url, **kw))
        assert scanned["findings"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    events = _events(log)
    assert [e for e in events if e["event"] != "armed"] == []
    assert any(e["event"] == "armed" for e in events)


# ---------------------------------------------------------------- server helpers


def _server_app() -> Any:
    from forewarn.server import create_app

    return create_app()


def _post_a_work(post: Any) -> dict[str, Any]:
    """POST the sample story to the server's scan endpoint; the report JSON."""
    text = b.plain_text(b.sample_spec())
    response = post("/v1/scan", files={"file": ("story.txt", text, "text/plain")})
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    assert status == 200, status
    body = response.json() if hasattr(response, "json") else response.body
    return body.get("report", body)


class _Response:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def _urllib_post(url: str, files: dict[str, tuple[str, bytes, str]]) -> _Response:
    boundary = "forewarn-test-boundary"
    parts = []
    for field, (filename, data, ctype) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    payload = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url,
        data=payload,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return _Response(response.status, json.loads(response.read()))


@contextlib.contextmanager
def _free_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _wait_for(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited: {server.stderr.read() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start within 60 s")
