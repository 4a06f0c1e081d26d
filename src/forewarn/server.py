"""forewarn over HTTP: a JSON API and a small web page, served by one FastAPI app.

    create_app(detector=None, settings=None) -> FastAPI

    POST /v1/scan      JSON {"text": "..."} or multipart field "file" -> report JSON
                       (?view=true adds "view": the work's blocks and passages)
    POST /v1/render    same inputs -> the read-safely HTML page (?download=true: attachment)
    GET  /v1/taxonomy  the warnings forewarn knows
    GET  /healthz      liveness, model, limits
    GET  /openapi.json, /docs (a plain server-rendered list: no CDN, no script)
    GET  /             the web page (assets under /assets/)

Why it is built this way:
- The detector is loaded once, in the lifespan, and shared: loading a model per request
  would cost more than the scan.
- Scans run on a small dedicated thread pool (`Settings.workers`) under
  `asyncio.wait_for`. Python cannot kill a thread, so a scan that times out keeps its
  worker until it finishes; the bounded pool is what stops abandoned scans piling up.
  Queued scans whose request has timed out are cancelled before they start.
- Bodies are read by hand, counting bytes as they arrive, so an oversized upload is
  refused at the limit instead of after it has been buffered. Multipart bodies are parsed
  in memory: Starlette's form parser spools files over 1 MB to a temporary file, and
  this server writes no files.
- At most `Settings.max_pending` scans are in flight (each may hold an upload in
  memory); more are refused with 503 rather than queued without bound.
- Every response carries a strict Content-Security-Policy (no inline script anywhere;
  the page builds story text into the DOM with textContent only), nosniff and
  no-referrer. Cross-origin POSTs are refused (a web page elsewhere must not be able to
  make a visitor's local server do work), and when serving on loopback the Host header
  must be a loopback name (DNS rebinding).
- No network calls, ever: every asset the page needs is in `server_assets/`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from functools import cache
from html import escape
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forewarn import taxonomy
from forewarn.detect import Detector, load_default
from forewarn.errors import ForewarnError, TooLarge
from forewarn.report import SCHEMA_VERSION, Report
from forewarn.work import Work

_log = logging.getLogger("forewarn.server")
T = TypeVar("T")

MB = 1024 * 1024
#: Names a browser uses for this machine; the only Host headers accepted on loopback.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
#: A request body may exceed the document limit by this much: JSON string escaping,
#: multipart boundaries and part headers. The document itself is checked exactly.
ENVELOPE_SLACK_BYTES = 64 * 1024
ENVELOPE_SLACK_RATIO = 0.10
#: Static files the page needs (a whitelist: no path from the URL reaches the disk).
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
PAGE_CSP = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)


@dataclass(frozen=True)
class Settings:
    """Limits of one server. `max_pending` bounds scans in flight (reading, queued or
    running; each may hold an upload in memory): more get 503. `allowed_hosts` None
    accepts any Host header (tests, or a server bound to a public address); `forewarn
    serve` sets loopback names on loopback."""

    max_upload_bytes: int = 10 * MB
    max_passages: int = 20_000
    timeout_seconds: float = 120.0
    workers: int = 2
    max_pending: int = 16
    allowed_hosts: tuple[str, ...] | None = None

    @property
    def max_body_bytes(self) -> int:
        slack = max(ENVELOPE_SLACK_BYTES, int(self.max_upload_bytes * ENVELOPE_SLACK_RATIO))
        return self.max_upload_bytes + slack


class ApiError(Exception):
    """An HTTP error with a one-line JSON body {"error": message}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TooManyPassages(ForewarnError):
    """The work parsed, but scanning it would cost more than this server allows."""

    exit_code = 9


def is_loopback(host: str) -> bool:
    """True for "localhost" and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _human_bytes(n: int) -> str:
    if n >= MB:
        return f"{n / MB:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


# --------------------------------------------------------------------------------------
# JSON helpers


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, message: str) -> Response:
    line = (message.splitlines() or ["error"])[0]
    return json_response({"error": line}, status)


# --------------------------------------------------------------------------------------
# Reading the request: bounded body, JSON text or multipart file, in memory only


async def read_body(request: Request, limit: int, advertised: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes (a declared
    Content-Length over the limit is refused before anything is read). The message names
    `advertised`, the document limit the user configured, not the envelope allowance."""
    message = f"the upload is larger than this server's {_human_bytes(advertised)} limit"
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, "invalid Content-Length header") from None
        if size > limit:
            raise ApiError(413, message)
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
        if len(buffer) > limit:
            raise ApiError(413, message)
    return bytes(buffer)


@dataclass
class _Part:
    name: str | None = None
    filename: str | None = None
    data: bytearray | None = None


def parse_multipart(body: bytes, content_type: str, max_part_bytes: int) -> dict[str, _Part]:
    """Form fields by name, parsed in memory (first occurrence of a name wins)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise ApiError(400, "multipart body without a boundary")
    parts: dict[str, _Part] = {}
    current = _Part()
    header_field = bytearray()
    header_value = bytearray()
    headers: dict[str, bytes] = {}

    def on_part_begin() -> None:
        nonlocal current
        current = _Part(data=bytearray())
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).decode("latin-1").lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, opts = parse_options_header(headers.get("content-disposition", b""))
        if b"name" in opts:
            current.name = opts[b"name"].decode("utf-8", "replace")
        if b"filename" in opts:
            current.filename = opts[b"filename"].decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        assert current.data is not None
        current.data.extend(data[start:end])
        if len(current.data) > max_part_bytes:
            raise TooLarge(
                f"the file is larger than this server's {_human_bytes(max_part_bytes)} limit"
            )

    def on_part_end() -> None:
        if current.name is not None and current.name not in parts:
            parts[current.name] = current

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise ApiError(400, f"malformed multipart body ({exc})") from None
    return parts


async def read_document(request: Request, settings: Settings) -> tuple[bytes, str]:
    """(document bytes, name) from a JSON {"text": ...} body or a multipart "file" field
    (a multipart "text" field is accepted too). The name only breaks sniffing ties."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media not in ("application/json", "multipart/form-data"):
        raise ApiError(
            415,
            'send JSON {"text": "..."} (application/json) or a file in the multipart field "file"',
        )
    body = await read_body(request, settings.max_body_bytes, settings.max_upload_bytes)
    if media == "application/json":
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "the body is not valid JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise ApiError(422, 'expected a JSON object with a string field "text"')
        data = payload["text"].encode("utf-8", "replace")
        name = "pasted.txt"
    else:
        try:
            parts = parse_multipart(body, content_type, settings.max_upload_bytes)
        except TooLarge as exc:
            raise ApiError(413, str(exc)) from None
        if "file" in parts:
            part = parts["file"]
            data, name = bytes(part.data or b""), part.filename or "upload"
        elif "text" in parts:
            data, name = bytes(parts["text"].data or b""), "pasted.txt"
        else:
            raise ApiError(422, 'the multipart body has no "file" field')
    if len(data) > settings.max_upload_bytes:
        raise ApiError(
            413,
            f"the document is larger than this server's {_human_bytes(settings.max_upload_bytes)} limit",
        )
    return data, name


# --------------------------------------------------------------------------------------
# The work itself (runs on a worker thread)


def analyse(data: bytes, name: str, detector: Detector, settings: Settings) -> tuple[Work, Report]:
    """Read, check the passage budget, scan. Raises forewarn errors only."""
    from forewarn.ingest import read_bytes
    from forewarn.pipeline import scan_work

    work = read_bytes(data, name=name, max_bytes=settings.max_upload_bytes)
    if len(work.passages) > settings.max_passages:
        raise TooManyPassages(
            f"the work has {len(work.passages):,} passages; this server scans at most "
            f"{settings.max_passages:,} (use `forewarn scan` for longer works)"
        )
    return work, scan_work(work, detector)


def dumps(data: Any) -> str:
    """Compact JSON with sorted keys: the same input gives the same bytes."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scan_body(work: Work, report: Report, view: bool) -> str:
    """The /v1/scan response (serialised on a worker: a long work's view is megabytes)."""
    data = report.to_dict()
    if view:
        data["view"] = work_view(work)
    return dumps(data)


def work_view(work: Work) -> dict[str, Any]:
    """What the page needs to show the story: chapters, blocks and every passage with its
    text (passages of a block together cover all of its paragraphs)."""
    return {
        "title": work.title,
        "author": work.author,
        "format": work.format,
        "chapters": [{"index": c.index, "title": c.title} for c in work.chapters],
        "blocks": [
            {
                "index": b.index,
                "kind": b.kind,
                "chapter": b.chapter,
                "first_paragraph": b.first_paragraph,
                "paragraph_count": b.paragraph_count,
            }
            for b in work.blocks
        ],
        "passages": [
            {
                "id": p.id,
                "kind": p.kind,
                "chapter": p.chapter,
                "paragraph": p.paragraph,
                "block": p.block,
                "start": p.start,
                "end": p.end,
                "text": p.text,
            }
            for p in work.passages
        ],
    }


def render_csp(page: str) -> str:
    """The header CSP for a read-safely page: its own inline scripts pinned by hash (story
    text is escaped by the renderer, so every <script> in it is the renderer's own)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {hashes or chr(39) + 'none' + chr(39)}; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


def download_name(title: str | None, suffix: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title or "").strip("-")[:60].lower()
    return f"{slug or 'work'}{suffix}"


# --------------------------------------------------------------------------------------
# Security middleware (pure ASGI: it must not buffer streamed request bodies)


class SecurityMiddleware:
    """Adds the security headers to every response; refuses cross-origin writes and,
    when `allowed_hosts` is set, requests for any other Host."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...] | None) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        refusal = self._refusal(scope["method"], host, headers.get("origin"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {k.lower() for k, _ in raw}
                extra = {
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"x-frame-options": b"DENY",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cross-origin-resource-policy": b"same-origin",
                }
                if scope["path"].startswith("/v1/"):
                    extra[b"cache-control"] = b"no-store"
                raw += [(k, v) for k, v in extra.items() if k not in present]
                message = {**message, "headers": raw}
            await send(message)

        if refusal is not None:
            await error_response(403, refusal)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, method: str, host: str, origin: str | None) -> str | None:
        if self.allowed_hosts is not None:
            name = urlsplit("//" + host).hostname or ""
            if name.lower() not in self.allowed_hosts:
                return f"this server only answers to {', '.join(sorted(self.allowed_hosts))}"
        writes = method not in ("GET", "HEAD", "OPTIONS")
        if (
            writes
            and origin is not None
            and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower())
        ):
            return "cross-origin requests are not accepted"
        return None


# --------------------------------------------------------------------------------------
# Static page and docs


@cache
def asset(name: str) -> bytes:
    return resources.files("forewarn").joinpath("server_assets", name).read_bytes()


def docs_page(schema: dict[str, Any]) -> str:
    """A plain list of the API's endpoints from its OpenAPI schema: no script, no CDN."""
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = "".join(
                f"<li><code>{escape(p['name'])}</code> ({escape(p.get('in', ''))}) "
                f"{escape(p.get('description', '') or '')}</li>"
                for p in op.get("parameters", [])
            )
            bodies = ", ".join(escape(t) for t in op.get("requestBody", {}).get("content", {}))
            rows.append(
                '<section class="endpoint">'
                f'<h2><span class="method">{escape(method.upper())}</span> <code>{escape(path)}</code></h2>'
                f"<p>{escape(op.get('summary', ''))}</p>"
                f'<p class="desc">{escape(op.get("description", "") or "")}</p>'
                + (f"<p>Request body: {bodies}</p>" if bodies else "")
                + (f"<ul>{params}</ul>" if params else "")
                + "</section>"
            )
    info = schema.get("info", {})
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(info.get('title', 'API'))} — API</title>"
        '<link rel="stylesheet" href="/assets/app.css">'
        '<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"></head>'
        '<body class="docs"><main>'
        f"<h1>{escape(info.get('title', 'API'))} API <small>{escape(info.get('version', ''))}</small></h1>"
        '<p>The machine-readable schema is at <a href="/openapi.json">/openapi.json</a>. '
        'Errors are JSON <code>{"error": "one line"}</code>. <a href="/">Back to the page</a>.</p>'
        + "".join(rows)
        + "</main></body></html>"
    )


_DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "description": "The work as text"}},
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "txt, md, html, AO3 HTML, EPUB, DOCX or PAN JSONL",
                        }
                    },
                }
            },
        },
    }
}


# --------------------------------------------------------------------------------------
# The app


def create_app(detector: Detector | None = None, settings: Settings | None = None) -> FastAPI:
    """The app. `detector` None loads the default detector once, at startup."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        executor = ThreadPoolExecutor(
            max_workers=settings.workers, thread_name_prefix="forewarn-scan"
        )
        loaded = detector
        if loaded is None:
            loaded = await asyncio.get_running_loop().run_in_executor(executor, load_default)
        app.state.detector = loaded
        app.state.executor = executor
        app.state.pending = 0
        _log.info("forewarn server ready: model %s %s", loaded.name, loaded.version)
        try:
            yield
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="forewarn",
        version=SCHEMA_VERSION,
        description="Content warnings for fan fiction: which warnings, how strongly, where.",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(SecurityMiddleware, allowed_hosts=settings.allowed_hosts)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return error_response(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> Response:
        _log.exception("internal error on %s", request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}")

    async def run_scan(request: Request) -> tuple[Work, Report]:
        state = request.app.state
        if state.pending >= settings.max_pending:
            raise ApiError(503, "the server is busy with other scans; try again shortly")
        state.pending += 1
        try:
            data, name = await read_document(request, settings)
            return await in_worker(request, analyse, data, name, state.detector, settings)
        finally:
            state.pending -= 1

    async def in_worker(request: Request, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(request.app.state.executor, fn, *args)
        try:
            return await asyncio.wait_for(future, settings.timeout_seconds)
        except TimeoutError:
            raise ApiError(
                504, f"the scan took longer than {settings.timeout_seconds:g} s and was abandoned"
            ) from None
        except TooLarge as exc:
            raise ApiError(413, str(exc)) from None
        except ForewarnError as exc:
            raise ApiError(422, str(exc)) from None

    @app.post(
        "/v1/scan",
        summary="Scan a work and return the versioned report",
        description=(
            'Send JSON {"text": ...} or a multipart upload in the field "file" (any format '
            "forewarn reads; sniffed from content). Returns the report JSON. With "
            'view=true the response also holds "view": chapters, blocks and passages '
            "(id, kind, chapter, paragraph, text) so a page can show the story. Errors: "
            "413 too large, 415 wrong content type, 422 unreadable input or too many "
            "passages, 503 busy, 504 timeout."
        ),
        openapi_extra=_DOCUMENT_BODY,
    )
    async def scan(
        request: Request,
        view: bool = Query(False, description="Also return the work's blocks and passages"),
    ) -> Response:
        work, report = await run_scan(request)
        body = await in_worker(request, scan_body, work, report, view)
        return Response(body, media_type="application/json")

    @app.post(
        "/v1/render",
        summary="Scan a work and return the read-safely HTML page",
        description=(
            "Same inputs as /v1/scan. Returns one self-contained HTML page with every flagged "
            "passage folded. download=true sends it as an attachment."
        ),
        openapi_extra=_DOCUMENT_BODY,
        response_class=Response,
    )
    async def render(
        request: Request,
        download: bool = Query(False, description="Send as an attachment"),
        spoilers: bool = Query(False, description="Quote evidence in the warning list"),
    ) -> Response:
        from forewarn.render.html import render_html

        work, report = await run_scan(request)
        page = await in_worker(request, render_html, work, report, spoilers)
        headers = {"content-security-policy": render_csp(page)}
        if download:
            filename = download_name(work.title, ".read-safely.html")
            headers["content-disposition"] = f'attachment; filename="{filename}"'
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)

    @app.get("/v1/taxonomy", summary="The warnings forewarn knows")
    async def get_taxonomy() -> Response:
        tax = taxonomy.load()
        return json_response(
            {
                "version": tax.version,
                "warnings": [asdict(w) for w in tax.warnings],
                "pan23_labels": list(tax.pan23_labels),
                "ao3_archive_warnings": list(tax.ao3_archive_warnings),
            }
        )

    @app.get("/healthz", summary="Liveness, the loaded model and this server's limits")
    async def healthz(request: Request) -> Response:
        model: Detector = request.app.state.detector
        return json_response(
            {
                "status": "ok",
                "schema_version": SCHEMA_VERSION,
                "model": {"name": model.name, "version": model.version},
                "limits": {
                    "max_upload_bytes": settings.max_upload_bytes,
                    "max_passages": settings.max_passages,
                    "timeout_seconds": settings.timeout_seconds,
                },
            }
        )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return Response(docs_page(app.openapi()), media_type="text/html; charset=utf-8")

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return Response(asset("index.html"), media_type="text/html; charset=utf-8")

    @app.get("/assets/{name}", include_in_schema=False)
    async def static_asset(name: str) -> Response:
        if name not in ASSETS:
            raise ApiError(404, "no such asset")
        return Response(asset(name), media_type=ASSETS[name], headers={"cache-control": "no-cache"})

    return app
