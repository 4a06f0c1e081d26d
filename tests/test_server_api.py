"""The JSON API of `forewarn serve`: inputs, limits, errors, escaping, headers, and that
the model is loaded once and no file is written."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import threading
import time
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fixtures import builders as b

from forewarn import server
from forewarn.detect import load_default
from forewarn.detect.base import PassageScores
from forewarn.report import SCHEMA_VERSION, Report
from forewarn.server import Settings, create_app
from forewarn.work import Passage

VIOLENT = (
    "The Ferryman's Debt\n\nby saltwick\n\n"
    "The quay was quiet when Ada arrived, the lamps low and the water black.\n\n"
    "The stranger drew a knife and stabbed the ferryman twice in the stomach. Blood "
    "poured over his hands and pooled on the planks, and he screamed as the blade went "
    "in again.\n\n"
    "Later, Ada sat by the fire and tried to stop shaking."
)
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_AUTHOR = "<img src=x onerror=alert(1)>"
HOSTILE_BODY = '"><svg onload=alert(1)>'
HOSTILE = (
    f"{HOSTILE_TITLE}\n\nby {HOSTILE_AUTHOR}\n\n"
    f"Warnings: violence. {HOSTILE_AUTHOR} {HOSTILE_BODY}\n\n"
    f"The stranger drew a knife {HOSTILE_BODY} and stabbed the ferryman; blood poured "
    f"over the planks {HOSTILE_TITLE} and he screamed.\n\n"
)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def small_client(**limits: Any) -> TestClient:
    return TestClient(create_app(detector=load_default(), settings=Settings(**limits)))


# --- scanning ---------------------------------------------------------------------------


def test_scan_text_returns_versioned_report(client: TestClient) -> None:
    r = client.post("/v1/scan", json={"text": VIOLENT})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["schema_version"] == SCHEMA_VERSION
    assert "view" not in data
    report = Report.from_dict(data)
    assert report.work.title == "The Ferryman's Debt"
    assert {"violence", "blood-gore"} <= set(report.warnings)
    quote = report.finding("violence").evidence[0].quote  # type: ignore[union-attr]
    assert "stabbed the ferryman" in quote


def test_scan_view_returns_passages_that_match_evidence(client: TestClient) -> None:
    data = client.post("/v1/scan?view=true", json={"text": VIOLENT}).json()
    view = data["view"]
    ids = [p["id"] for p in view["passages"]]
    assert len(ids) == len(set(ids))
    for finding in data["findings"]:
        for ev in finding["evidence"]:
            assert ev["passage_id"] in ids
    by_id = {p["id"]: p for p in view["passages"]}
    ev = data["findings"][0]["evidence"][0]
    # a quote is one display line: paragraph breaks inside it are folded to spaces
    quote = " ".join(ev["quote"].strip("…").split())
    assert quote[:40] in " ".join(by_id[ev["passage_id"]]["text"].split())
    assert {"id", "kind", "chapter", "paragraph", "block", "text"} <= set(view["passages"][0])
    assert {b["index"] for b in view["blocks"]} == {p["block"] for p in view["passages"]}
    assert view["title"] == "The Ferryman's Debt"


@pytest.mark.parametrize(
    ("build", "filename", "fmt"),
    [
        (b.ao3_epub, "story.epub", "ao3-epub"),
        (b.docx, "story.docx", "docx"),
        (b.ao3_download_html, "story.html", "ao3-html"),
        (b.markdown, "story.md", "markdown"),
    ],
)
def test_scan_upload_of_each_format(
    client: TestClient, build: Any, filename: str, fmt: str
) -> None:
    spec = b.sample_spec()
    r = client.post("/v1/scan", files={"file": (filename, build(spec), "application/octet-stream")})
    assert r.status_code == 200, r.text
    work = r.json()["work"]
    assert work["title"] == spec.title
    assert work["format"] == fmt
    assert work["chapters"] == len(spec.chapters)


def test_upload_name_does_not_decide_the_format(client: TestClient) -> None:
    r = client.post("/v1/scan", files={"file": ("notes.txt", b.ao3_epub(b.sample_spec()))})
    assert r.json()["work"]["format"] == "ao3-epub"


def test_scan_matches_the_pipeline(client: TestClient) -> None:
    from forewarn.pipeline import scan_text

    api = client.post("/v1/scan", json={"text": VIOLENT}).json()
    assert api == json.loads(scan_text(VIOLENT).to_json())


# --- errors and limits --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"text": "   \n  "}}, 422),
        ({"json": {"txt": "hello"}}, 422),
        ({"json": ["text"]}, 422),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"hello", "headers": {"content-type": "text/plain"}}, 415),
        ({"files": {"other": ("a.txt", b"hello there")}}, 422),
        ({"files": {"file": ("junk.bin", bytes(range(256)) * 64)}}, 422),
        ({"files": {"file": ("bad.epub", b"PK\x03\x04" + b"\x00" * 200)}}, 422),
    ],
)
def test_bad_input_is_a_one_line_json_error(client: TestClient, kwargs: Any, status: int) -> None:
    r = client.post("/v1/scan", **kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error and "\n" not in error and "Traceback" not in error


def test_upload_over_the_limit_is_413() -> None:
    with small_client(max_upload_bytes=4000) as c:
        text = "The sea was grey and calm that morning. " * 200  # ~8 KB
        r = c.post("/v1/scan", json={"text": text})
        assert r.status_code == 413
        assert "limit" in r.json()["error"]
        r = c.post("/v1/scan", files={"file": ("big.txt", text.encode())})
        assert r.status_code == 413
        ok = c.post("/v1/scan", json={"text": text[:3000]})
        assert ok.status_code == 200, ok.text


def test_document_limit_is_exact_even_inside_the_envelope_slack() -> None:
    with small_client(max_upload_bytes=70_000) as c:
        text = "x" * 70_001  # body fits the slack, the document does not
        assert c.post("/v1/scan", json={"text": text}).status_code == 413
        assert c.post("/v1/scan", files={"file": ("a.txt", text.encode())}).status_code == 413


def test_body_limit_is_enforced_while_reading() -> None:
    """A streamed body without Content-Length is cut off at the limit: the app answers
    413 without pulling the rest of the body."""
    app = create_app(detector=load_default(), settings=Settings(max_upload_bytes=10_000))
    chunk = b"a" * 8192
    total_chunks = 100
    pulled = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < total_chunks}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/scan",
        "raw_path": b"/v1/scan",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    with TestClient(app):  # runs the lifespan (model, worker pool)
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert pulled < 20  # 10 KB + 64 KB slack is about 10 chunks of 8 KB, not 100


def test_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    with small_client(max_upload_bytes=1000) as c:
        r = c.post(
            "/v1/scan",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": "999999999"},
        )
        assert r.status_code == 413


def test_too_many_passages_is_422() -> None:
    paragraphs = "\n\n".join(
        f"Paragraph {i}: " + "the gulls wheeled over the harbour wall and called " * 12
        for i in range(12)
    )
    with small_client(max_passages=3) as c:
        r = c.post("/v1/scan", json={"text": paragraphs})
        assert r.status_code == 422
        assert "passages" in r.json()["error"]
    with small_client(max_passages=100) as c:
        assert c.post("/v1/scan", json={"text": paragraphs}).status_code == 200


class SlowDetector:
    """Wraps the real detector, sleeping first: a scan that cannot finish in time."""

    name = "slow"
    version = "test"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def score(self, passages: Sequence[Passage]) -> PassageScores:
        time.sleep(self.delay)
        return load_default().score(passages)


def test_slow_scan_times_out_with_504() -> None:
    app = create_app(detector=SlowDetector(1.5), settings=Settings(timeout_seconds=0.3))
    with TestClient(app) as c:
        started = time.monotonic()
        r = c.post("/v1/scan", json={"text": VIOLENT})
        assert r.status_code == 504
        assert "0.3 s" in r.json()["error"]
        assert time.monotonic() - started < 1.4  # answered at the timeout, not after the scan


def test_scans_beyond_the_pending_limit_get_503() -> None:
    from concurrent.futures import ThreadPoolExecutor

    app = create_app(detector=SlowDetector(1.0), settings=Settings(max_pending=1))
    with TestClient(app) as c, ThreadPoolExecutor(1) as pool:
        first = pool.submit(c.post, "/v1/scan", json={"text": VIOLENT})
        deadline = time.monotonic() + 5
        while app.state.pending < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy = c.post("/v1/scan", json={"text": VIOLENT})
        assert busy.status_code == 503 and "busy" in busy.json()["error"]
        assert first.result().status_code == 200
        assert c.post("/v1/scan", json={"text": VIOLENT}).status_code == 200


def test_unknown_routes_and_bad_query_are_json_errors(client: TestClient) -> None:
    r = client.get("/v1/nothing")
    assert r.status_code == 404 and r.json()["error"]
    r = client.post("/v1/scan?view=perhaps", json={"text": VIOLENT})
    assert r.status_code == 422 and "view" in r.json()["error"]
    assert client.get("/v1/scan").status_code == 405


# --- rendering and escaping --------------------------------------------------------------


def test_render_returns_read_safely_page(client: TestClient) -> None:
    r = client.post("/v1/render", json={"text": VIOLENT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in r.headers
    page = r.text
    assert '<details class="fw-fold"' in page
    assert "stabbed the ferryman" in page
    csp = r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    hashes = re.findall(r"'sha256-[^']+'", csp)
    assert len(hashes) == len(re.findall(r"<script>", page)) >= 1


def test_render_download_is_an_attachment(client: TestClient) -> None:
    r = client.post(
        "/v1/render?download=true", files={"file": ("s.epub", b.ao3_epub(b.sample_spec()))}
    )
    assert r.status_code == 200
    assert (
        r.headers["content-disposition"] == 'attachment; filename="keep-the-light.read-safely.html"'
    )


def test_render_escapes_hostile_story_text(client: TestClient) -> None:
    r = client.post("/v1/render?spoilers=true", json={"text": HOSTILE})
    assert r.status_code == 200, r.text
    page = r.text
    for raw in (HOSTILE_TITLE, HOSTILE_AUTHOR, HOSTILE_BODY, "<svg", "<img"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page
    # the only <script> is the renderer's own (pinned by hash in the CSP)
    assert page.count("<script>") == 1


def test_render_escapes_hostile_metadata_and_notes_in_uploads(client: TestClient) -> None:
    spec = b.sample_spec()
    spec.title = HOSTILE_TITLE
    spec.author = HOSTILE_AUTHOR
    spec.notes = [f"Warnings: violence {HOSTILE_BODY}"]
    spec.chapters[0].paragraphs.insert(0, f"She read the sign: {HOSTILE_BODY} {HOSTILE_TITLE}")
    r = client.post("/v1/render", files={"file": ("s.html", b.ao3_download_html(spec))})
    assert r.status_code == 200, r.text
    assert HOSTILE_TITLE not in r.text and HOSTILE_BODY not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    scan = client.post("/v1/scan", files={"file": ("s.html", b.ao3_download_html(spec))}).json()
    assert scan["work"]["title"] == HOSTILE_TITLE  # JSON carries the text as it is


# --- the rest of the API -----------------------------------------------------------------


def test_taxonomy_lists_warnings(client: TestClient) -> None:
    from forewarn import taxonomy

    data = client.get("/v1/taxonomy").json()
    assert [w["id"] for w in data["warnings"]] == taxonomy.load().ids
    assert {"id", "name", "group", "ao3_archive_warning"} <= set(data["warnings"][0])


def test_healthz_reports_model_and_limits() -> None:
    with small_client(max_upload_bytes=1234, max_passages=56) as c:
        data = c.get("/healthz").json()
    assert data["status"] == "ok"
    assert data["model"]["name"] == load_default().name
    assert data["limits"]["max_upload_bytes"] == 1234
    assert data["limits"]["max_passages"] == 56


def test_openapi_and_local_docs_page(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/scan", "/v1/render", "/v1/taxonomy", "/healthz"} <= set(schema["paths"])
    body = schema["paths"]["/v1/scan"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/v1/scan" in docs.text and "/v1/render" in docs.text
    assert "<script" not in docs.text
    assert not re.search(r"(src|href)=\"(https?:)?//", docs.text)
    assert client.get("/redoc").status_code == 404


def test_page_and_assets_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    refs = re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text)
    assert refs and all(ref.startswith(("/", "#")) for ref in refs)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # no inline script
    assert " on" not in re.sub(r"\s+", " ", " ".join(re.findall(r"<[^>]+>", page.text))).replace(
        " one", ""
    )  # no inline event handlers
    for name, kind in (("app.js", "javascript"), ("app.css", "css"), ("favicon.svg", "svg")):
        r = client.get(f"/assets/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", r.text)
    assert client.get("/assets/..%2Fserver.py").status_code == 404
    assert client.get("/assets/server.py").status_code == 404


def test_page_script_never_parses_strings_as_html(client: TestClient) -> None:
    script = client.get("/assets/app.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "textContent" in script


@pytest.mark.parametrize("path", ["/", "/docs", "/healthz", "/assets/app.js"])
def test_security_headers(client: TestClient, path: str) -> None:
    h = client.get(path).headers
    assert h["content-security-policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"


def test_api_responses_are_not_cached(client: TestClient) -> None:
    r = client.post("/v1/scan", json={"text": VIOLENT})
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_cross_origin_posts_are_refused(client: TestClient) -> None:
    r = client.post("/v1/scan", json={"text": VIOLENT}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    same = client.post("/v1/scan", json={"text": VIOLENT}, headers={"origin": "http://testserver"})
    assert same.status_code == 200


def test_loopback_server_refuses_other_host_names() -> None:
    app = create_app(detector=load_default(), settings=Settings(allowed_hosts=("127.0.0.1",)))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/healthz", headers={"host": "rebind.example:8000"})
        assert r.status_code == 403


def test_is_loopback() -> None:
    assert server.is_loopback("127.0.0.1") and server.is_loopback("::1")
    assert server.is_loopback("localhost") and server.is_loopback("[::1]")
    assert not server.is_loopback("0.0.0.0") and not server.is_loopback("192.168.1.5")


# --- the model is shared, nothing is written -------------------------------------------


def test_model_is_loaded_once_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    real = load_default()

    def counting_load() -> Any:
        loads.append(threading.current_thread().name)
        return real

    monkeypatch.setattr(server, "load_default", counting_load)
    with TestClient(create_app()) as c:
        assert len(loads) == 1  # at startup, before any request
        for _ in range(3):
            assert c.post("/v1/scan", json={"text": VIOLENT}).status_code == 200
        assert c.get("/healthz").json()["model"]["name"] == real.name
    assert len(loads) == 1


def test_concurrent_scans_share_the_model_and_agree(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> dict[str, Any]:
        return client.post("/v1/scan", json={"text": VIOLENT}).json()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(8)))
    assert all(r == results[0] for r in results)


def test_large_upload_writes_no_temporary_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starlette's form parser spools uploads over 1 MB to disk; this server must not.
    (The lexicon detector keeps a 200,000-word scan fast whatever the default model is.)"""
    from forewarn.detect.lexicon import LexiconDetector

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a temporary file was created")

    for name in ("TemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    paragraph = "The lamp burned low and the keeper wrote in the log by its light. " * 10
    text = "\n\n".join(paragraph for _ in range(2200))  # ~1.5 MB
    assert len(text) > 1024 * 1024
    with TestClient(create_app(detector=LexiconDetector())) as client:
        r = client.post("/v1/scan", files={"file": ("long.txt", text.encode())})
    assert r.status_code == 200, r.text
    assert r.json()["work"]["words"] > 200_000


# --- forewarn serve ------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict[str, Any]]:
    import uvicorn

    from forewarn.cli import main

    calls: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *args])
    return int(exit_info.value.code or 0), calls


def test_serve_defaults_to_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    code, calls = _serve(monkeypatch, "--port", str(port), "--max-upload-mb", "2")
    assert code == 0
    assert calls["host"] == "127.0.0.1" and calls["port"] == port
    settings = calls["app"].state.settings
    assert settings.max_upload_bytes == 2 * 1024 * 1024
    assert "localhost" in settings.allowed_hosts
    assert "not loopback" not in capsys.readouterr().err


def test_serve_warns_when_not_on_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, calls = _serve(monkeypatch, "--host", "0.0.0.0", "--port", str(_free_port()))
    assert code == 0 and calls["host"] == "0.0.0.0"
    assert "not loopback" in capsys.readouterr().err
    assert calls["app"].state.settings.allowed_hosts is None


def test_serve_on_a_taken_port_is_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, calls = _serve(monkeypatch, "--port", str(port))
    assert code == 14 and not calls
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"127.0.0.1:{port}" in err[0]
