"""The console's gate: one ASGI middleware in front of every route.

In order, for every HTTP request:

1. Host header: without a token, only loopback host names are served, so a web page that
   rebinds its own domain name to 127.0.0.1 cannot read the console (DNS rebinding).
2. Body size: bodies over the limit are refused (413) before any route reads them.
3. Token, on every ``/api/`` call and the event stream (except opening a session): an
   ``Authorization: Bearer`` header or the HttpOnly session cookie; never a query string.
4. Changes (POST, PUT, PATCH, DELETE under ``/api/``) need a JSON body type, the custom header
   ``X-Pepa-Console`` (which a cross-site form cannot send) and, if the browser names an
   Origin, the console's own. A cross-site form post can therefore never change anything.

Every response carries a strict Content-Security-Policy: the pages run only their own scripts.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from pepa.agent.console.settings import ConsoleSettings, is_loopback

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "pepa_console_session"
CHANGE_HEADER = "x-pepa-console"
OPEN_PATHS = frozenset({"/api/v1/session", "/api/v1/health"})
CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        out[k.decode("latin-1").lower()] = v.decode("latin-1")
    return out


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def presented_token(headers: dict[str, str]) -> str | None:
    """The token a request carries: Bearer header first, then the session cookie."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    raw = headers.get("cookie")
    if raw:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # a malformed cookie header is simply no token
            return None
        if COOKIE in jar:
            return jar[COOKIE].value
    return None


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


async def _reply(send: Send, status: int, error: str, field: str | None = None) -> None:
    body: dict[str, Any] = {"error": error}
    if field is not None:
        body["problems"] = [{"field": field, "problem": error}]
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class ConsoleGate:
    """The middleware; see the module's docstring for what it checks."""

    def __init__(self, app: ASGIApp, settings: ConsoleSettings) -> None:
        self.app = app
        self.settings = settings
        self.token = settings.token.get_secret_value() if settings.token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET").upper()

        if self.token is None and not is_loopback(_host_name(headers.get("host", ""))):
            await _reply(send, 421, "this console answers only to localhost", "host")
            return

        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, "Content-Length is not a number", "content-length")
                return
            if int(declared) > limit:
                await _reply(
                    send, 413, f"request body is {declared} bytes, over the {limit}-byte limit"
                )
                return
        body: bytes | None  # replay() hands the body on once, then None
        body, too_big = await _read_body(receive, limit) if method in CHANGING else (b"", False)
        if too_big:
            await _reply(send, 413, f"request body is over the {limit}-byte limit")
            return

        if path.startswith("/api/"):
            if self.token is not None and path not in OPEN_PATHS:
                given = presented_token(headers)
                if given is None:
                    await _reply(send, 401, "a console token is required", "authorization")
                    return
                if not token_matches(self.token, given):
                    await _reply(send, 401, "the console token is wrong", "authorization")
                    return
            if method in CHANGING:
                problem = _change_problem(headers, body)
                if problem is not None:
                    await _reply(send, 403, problem[1], problem[0])
                    return

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                chunk, body = body, None
                return {"type": "http.request", "body": chunk, "more_body": False}
            return await receive()

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, replay if method in CHANGING else receive, send_secured)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The whole body, or (what was read, True) as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _change_problem(headers: dict[str, str], body: bytes) -> tuple[str, str] | None:
    """Why a changing request is refused as possibly cross-site, or None."""
    if headers.get(CHANGE_HEADER) != "1":
        return (CHANGE_HEADER, f"changes need the header {CHANGE_HEADER.title()}: 1")
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        host = headers.get("host", "")
        if urlsplit(origin).netloc.lower() != host.lower():
            return ("origin", f"origin {origin} is not this console")
    elif origin == "null":
        return ("origin", "an opaque origin may not change anything")
    if body:
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            return ("content-type", "the body must be JSON (Content-Type: application/json)")
    return None
