"""Where the console listens and who may use it.

On a loopback address the console is open to the local user (a token is optional); anywhere
else a token is required: taken from ``PEPA_CONSOLE_TOKEN`` or generated at start. The token
travels in an ``Authorization`` header or an HttpOnly cookie, never in a URL.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

TOKEN_ENV = "PEPA_CONSOLE_TOKEN"
MIN_TOKEN_CHARS = 16
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost' (not for 0.0.0.0, which is every address)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    host: str = Field(default="127.0.0.1", min_length=1, max_length=255)
    port: int = Field(default=8080, ge=0, le=65535)
    token: SecretStr | None = Field(default=None, description="required off loopback")
    max_body_bytes: int = Field(default=16 * 1024, ge=256, le=1024 * 1024)
    event_queue: int = Field(default=256, ge=8, le=10_000, description="per event-stream client")
    heartbeat_s: float = Field(default=15.0, gt=0, le=300)

    @model_validator(mode="after")
    def _token_off_loopback(self) -> ConsoleSettings:
        if self.token is not None and len(self.token.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"token: at least {MIN_TOKEN_CHARS} characters")
        if self.token is None and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address: a token is required "
                f"(set {TOKEN_ENV}, or let resolve_settings generate one)"
            )
        return self

    @property
    def needs_token(self) -> bool:
        return self.token is not None

    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def resolve_settings(
    host: str = "127.0.0.1",
    port: int = 8080,
    env: Mapping[str, str] | None = None,
    **extra: object,
) -> tuple[ConsoleSettings, bool]:
    """Settings for ``host``/``port``; returns them and whether the token was generated here."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV) or None
    generated = False
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
        generated = True
    settings = ConsoleSettings(
        host=host,
        port=port,
        token=SecretStr(token) if token else None,
        **extra,
    )
    return settings, generated
