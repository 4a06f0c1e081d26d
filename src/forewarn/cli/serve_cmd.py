"""`forewarn serve`: the web page and JSON API on this machine (loopback by default)."""

from __future__ import annotations

import socket
from enum import StrEnum
from typing import Annotated

import typer

from forewarn.errors import ForewarnError


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


class ServeError(ForewarnError):
    """The server cannot start (port taken, address not available)."""

    exit_code = 14


def check_bindable(host: str, port: int) -> None:
    """Fail with one clear line before uvicorn starts if the address cannot be bound
    (uvicorn would log a multi-line error and exit on its own)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[
            str, typer.Option(help="Address to listen on. Loopback unless you mean to share it.")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
        max_upload_mb: Annotated[
            float, typer.Option(min=0.001, help="Largest document accepted, in MB.")
        ] = 10.0,
        max_passages: Annotated[
            int, typer.Option(min=1, help="Largest work accepted, in passages.")
        ] = 20_000,
        timeout: Annotated[
            float, typer.Option(min=0.1, help="Seconds a scan may take before a 504.")
        ] = 120.0,
        workers: Annotated[int, typer.Option(min=1, help="Scans run at the same time.")] = 2,
        log_level: Annotated[
            LogLevel, typer.Option(case_sensitive=False, help="How much the server logs.")
        ] = LogLevel.info,
    ) -> None:
        """Serve the web page and JSON API (open http://HOST:PORT/ in a browser)."""
        import uvicorn

        from forewarn.server import LOOPBACK_HOSTS, MB, Settings, create_app, is_loopback

        loopback = is_loopback(host)
        if not loopback:
            typer.echo(
                f"forewarn: warning: listening on {host}, not loopback: anyone who can reach "
                "this machine can send it work to scan. There is no authentication.",
                err=True,
            )
        check_bindable(host, port)
        settings = Settings(
            max_upload_bytes=int(max_upload_mb * MB),
            max_passages=max_passages,
            timeout_seconds=timeout,
            workers=workers,
            allowed_hosts=tuple(dict.fromkeys((*LOOPBACK_HOSTS, host.strip("[]"))))
            if loopback
            else None,
        )
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"forewarn: serving on http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
        uvicorn.run(
            create_app(settings=settings),
            host=host.strip("[]"),
            port=port,
            log_level=log_level.value,
            server_header=False,
            proxy_headers=False,
        )
