"""Serving the console: uvicorn on the given address, started by ``pepa run`` or
``pepa console``, in the foreground or in a background thread."""

from __future__ import annotations

import logging
import threading

import uvicorn

from pepa.agent.console.app import create_app
from pepa.agent.console.backend import ConsoleBackend
from pepa.agent.console.settings import TOKEN_ENV, ConsoleSettings, resolve_settings

log = logging.getLogger(__name__)


def announce(settings: ConsoleSettings, generated: bool) -> str:
    """The lines to print at start: the address, and the token if it was generated."""
    lines = [f"PEPA console: {settings.url()}"]
    if settings.needs_token:
        if generated:
            token = settings.token.get_secret_value()  # type: ignore[union-attr]
            lines.append(f"console token (enter it on the page, or set {TOKEN_ENV}): {token}")
        else:
            lines.append(f"console token: from {TOKEN_ENV}")
    return "\n".join(lines)


def make_server(backend: ConsoleBackend, settings: ConsoleSettings) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(backend, settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="off",
    )
    return uvicorn.Server(config)


def serve(
    backend: ConsoleBackend,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    settings: ConsoleSettings | None = None,
    generated: bool = False,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); prints where, and the token if any."""
    if settings is None:
        settings, generated = resolve_settings(host, port)
    print(announce(settings, generated), flush=True)
    make_server(backend, settings).run()


class BackgroundServer:
    """The console in a thread (the caller keeps its own main loop, e.g. a ROS executor)."""

    def __init__(self, backend: ConsoleBackend, settings: ConsoleSettings) -> None:
        self.settings = settings
        self.server = make_server(backend, settings)
        self.thread = threading.Thread(target=self.server.run, name="pepa-console", daemon=True)

    def start(self, timeout_s: float = 10.0) -> str:
        """Start and wait until it listens; returns the base URL (with the real port)."""
        self.thread.start()
        pause = threading.Event()
        for _ in range(max(1, int(timeout_s / 0.02))):
            if self.server.started or not self.thread.is_alive():
                break
            pause.wait(0.02)
        if not self.server.started:
            raise RuntimeError(f"the console did not start on {self.settings.url()}")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        host = self.settings.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10.0)
