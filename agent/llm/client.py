"""The one LLM client: structured, validated, world-checked answers, or a clean fallback.

Every LLM call of the agent goes through :meth:`LLMClient.structured`. It renders a prompt
template, asks an OpenAI-compatible server for JSON matching a pydantic schema, validates the
answer with pydantic and then with the caller's world check, and grants the model one repair
round. Whatever goes wrong (timeout, dead server, HTTP error, bad JSON, invalid or unknown
content), the caller gets ``value=None`` and a ``fallback_reason`` and runs its offline engine:
the robot never waits on an LLM longer than the configured budget.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pepa.agent.llm.schema import inline_refs
from pepa.agent.llm.server import LocalLLMServer
from pepa.agent.llm.settings import LLMSettings
from pepa.agent.llm.templates import load_template

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

FallbackReason = Literal[
    "offline",
    "timeout",
    "connection",
    "http_error",
    "malformed_json",
    "invalid_schema",
    "check_failed",
]

REPAIR_TEMPLATE = "llm_repair"
SCHEMA_HINT_TEMPLATE = "llm_json_schema_hint"


class LLMOutcome(BaseModel, Generic[T]):
    """The result of one structured call: a checked value, or why there is none."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    value: T | None = None
    fallback_reason: FallbackReason | None = None
    detail: str | None = Field(default=None, description="what went wrong, for logs")
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    repaired: bool = Field(default=False, description="the repair round was needed")
    response_format: str | None = Field(default=None, description="the mode finally used")

    @property
    def ok(self) -> bool:
        return self.value is not None


def _outcome_type(schema: type[T]) -> type[LLMOutcome[T]]:
    """``LLMOutcome[schema]``: the model parametrised with the schema class at run time."""
    # The checker reads ``LLMOutcome[schema]`` as a type expression and refuses a variable in
    # it; pydantic's __class_getitem__ is typed as returning any model, not this one.
    return cast("type[LLMOutcome[T]]", LLMOutcome.__class_getitem__(schema))


class LLMStats(BaseModel):
    """Running totals over a client's calls (for status pages and benchmarks)."""

    calls: int = 0
    successes: int = 0
    repaired_successes: int = 0
    fallbacks: dict[str, int] = Field(default_factory=dict)
    requests: int = 0
    latency_total_s: float = 0.0
    latency_max_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def mean_latency_s(self) -> float:
        answered = self.calls - self.fallbacks.get("offline", 0)
        return self.latency_total_s / answered if answered else 0.0


class _AttemptError(Exception):
    """An attempt that ended without a usable answer; carries the fallback reason."""

    def __init__(self, reason: FallbackReason, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.reason: FallbackReason = reason
        self.detail = detail
        self.status = status


class _SchemaSupport:
    """Per base URL: has the server rejected ``json_schema`` response formats?

    Shared by every client in the process, so Sys2 and Sys3 on the same server learn once.
    """

    def __init__(self) -> None:
        self._rejected: set[str] = set()
        self._lock = threading.Lock()

    def rejected(self, base_url: str) -> bool:
        with self._lock:
            return base_url in self._rejected

    def reject(self, base_url: str) -> None:
        with self._lock:
            self._rejected.add(base_url)


SCHEMA_SUPPORT = _SchemaSupport()

# Statuses that mean "the server did not accept this request" rather than auth or quota.
_FORMAT_REJECTION_STATUSES = frozenset({400, 415, 422, 500, 501})
_SCHEMA_NAME_RE = re.compile(r"[^A-Za-z0-9_-]")
_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _now() -> float:
    """Wall-clock seconds for latency and deadlines.

    A network call's duration is real time whatever the agent's clock says (a simulated day
    may run at any speed), so this is the one place the client reads a monotonic timer.
    """
    return time.monotonic()


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer, tolerating code fences and chatter around it."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the answer is empty")
    fenced = _FENCE_RE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    # strict=False: small models put raw newlines inside strings; the meaning is unharmed.
    try:
        return json.loads(stripped, strict=False)
    except json.JSONDecodeError as first:
        start, end = stripped.find("{"), stripped.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(stripped[start : end + 1], strict=False)
            except json.JSONDecodeError:
                pass
        raise ValueError(
            f"the answer is not valid JSON: {first.msg} at char {first.pos}"
        ) from None


def _validation_messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        out.append(f"{where}: {err['msg']}")
    return out


class LLMClient:
    """Structured LLM calls for one system (``sys2`` or ``sys3``), with fallback and stats."""

    def __init__(
        self,
        settings: LLMSettings,
        system: str = "sys3",
        *,
        prompt_dir: Path | None = None,
        server: LocalLLMServer | None = None,
    ) -> None:
        self.settings = settings
        self.system = system
        self.enabled = settings.backend != "offline"
        self._prompt_dir = prompt_dir
        self._stats = LLMStats()
        self._lock = threading.Lock()
        self._base_url = settings.resolved_base_url()
        self._server = server
        self._local_checked = False
        if settings.backend == "local" and self._server is None:
            self._server = LocalLLMServer(
                model_path=Path(settings.local_model_path) if settings.local_model_path else None,
                host=settings.local_host,
                port=settings.local_port,
            )
        self._openai: openai.OpenAI | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        if settings.backend == "openai" and settings.api_key() is None:
            log.warning(
                "%s LLM: no API key in $%s; servers that need one will refuse",
                system,
                settings.api_key_env,
            )
        if self.enabled:
            self._openai = openai.OpenAI(
                base_url=self._base_url,
                api_key=settings.api_key() or "unused",
                timeout=settings.timeout_s,
                max_retries=0,
            )
            # Requests run on workers so that a stalled server cannot hold the caller past
            # its deadline (httpx's read timeout is per chunk, not per response).
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=4, thread_name_prefix=f"llm-{system}"
            )

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str | None:
        return self._base_url

    @property
    def local_server(self) -> LocalLLMServer | None:
        """The launcher of the local backend (None for other backends)."""
        return self._server

    @property
    def stats(self) -> LLMStats:
        with self._lock:
            return self._stats.model_copy(deep=True)

    def start(self, wait_s: float = 120.0) -> bool:
        """Attach to or start the local server and wait until it answers; True when ready.

        Other backends have nothing to start: True when enabled.
        """
        if self._server is None or not self.settings.local_autostart:
            return self.enabled and (self._server is None or self._server.is_ready())
        return self._server.start(wait_s=wait_s)

    def close(self) -> None:
        """Stop a local server this client started and release the worker threads."""
        if self._server is not None:
            self._server.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._openai is not None:
            self._openai.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- the call

    def structured(
        self,
        template: str,
        variables: dict[str, Any],
        schema: type[T],
        check: Callable[[T], list[str]] | None = None,
    ) -> LLMOutcome[T]:
        """Ask for an instance of ``schema``; ``value`` is None when it could not be had.

        ``check`` returns the world problems of a parsed answer (unknown places, skills...);
        any problem counts as a failed answer. Template errors (missing file or variable) are
        programming errors and raise; everything the server or the model does wrong does not.
        """
        prompt = load_template(template, self._prompt_dir).render(variables)
        if not prompt.user:
            raise ValueError(f"prompt template {template!r} has no '# user' section")
        if not self.enabled:
            offline = _outcome_type(schema)(fallback_reason="offline", detail="offline")
            return self._finish(offline)

        started = _now()
        deadline = started + self.settings.timeout_s
        outcome = _outcome_type(schema)()
        self._ensure_local_server()
        conversation: list[dict[str, str]] = [{"role": "user", "content": prompt.user}]
        try:
            for attempt in (0, 1):
                content = self._complete(prompt.system, conversation, schema, deadline, outcome)
                problems, reason = self._judge(content, schema, check, outcome)
                if not problems:
                    break
                if attempt == 1:
                    raise _AttemptError(reason, "; ".join(problems))
                log.info("%s LLM answer to %s needs repair: %s", self.system, template, problems)
                outcome.repaired = True
                repair = load_template(REPAIR_TEMPLATE, self._prompt_dir).render(
                    {"errors": "\n".join(f"- {p}" for p in problems)}
                )
                conversation += [
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": repair.user},
                ]
        except _AttemptError as failure:
            if failure.reason == "connection":
                self._local_checked = False
            outcome.value = None
            outcome.fallback_reason = failure.reason
            outcome.detail = failure.detail
            log.warning(
                "%s LLM call %s fell back (%s): %s",
                self.system,
                template,
                failure.reason,
                failure.detail,
            )
        outcome.latency_s = _now() - started
        return self._finish(outcome)

    def _finish(self, outcome: LLMOutcome[T]) -> LLMOutcome[T]:
        with self._lock:
            s = self._stats
            s.calls += 1
            if outcome.fallback_reason is None:
                s.successes += 1
                s.repaired_successes += int(outcome.repaired)
            else:
                s.fallbacks[outcome.fallback_reason] = (
                    s.fallbacks.get(outcome.fallback_reason, 0) + 1
                )
            s.latency_total_s += outcome.latency_s
            s.latency_max_s = max(s.latency_max_s, outcome.latency_s)
            s.prompt_tokens += outcome.prompt_tokens
            s.completion_tokens += outcome.completion_tokens
        return outcome

    def _ensure_local_server(self) -> None:
        """Kick off the local server in the background if none answers; never blocks long.

        Checked on the first call and again after a refused connection only.
        """
        if self._server is None or not self.settings.local_autostart or self._local_checked:
            return
        self._local_checked = True
        try:
            self._server.start(wait_s=0.0)
        except OSError as exc:  # no model file, no llama.cpp: the call falls back as refused
            log.error("%s LLM: cannot start the local server: %s", self.system, exc)

    def _mode(self) -> Literal["json_schema", "json_object"]:
        mode = self.settings.response_format
        if mode != "auto":
            return mode
        if self.settings.backend == "local" or SCHEMA_SUPPORT.rejected(self._base_url or ""):
            return "json_object"
        return "json_schema"

    def _complete(
        self,
        system_text: str,
        conversation: list[dict[str, str]],
        schema: type[BaseModel],
        deadline: float,
        outcome: LLMOutcome[Any],
    ) -> str:
        """One completion's text, switching to JSON mode if the server rejects a schema."""
        mode = self._mode()
        try:
            return self._request(system_text, conversation, schema, mode, deadline, outcome)
        except _AttemptError as failure:
            can_switch = (
                mode == "json_schema"
                and self.settings.response_format == "auto"
                and failure.reason == "http_error"
                and failure.status in _FORMAT_REJECTION_STATUSES
            )
            if not can_switch:
                raise
            log.info(
                "%s LLM server %s rejected json_schema (%s); using json_object",
                self.system,
                self._base_url,
                failure.detail,
            )
            text = self._request(
                system_text, conversation, schema, "json_object", deadline, outcome
            )
            SCHEMA_SUPPORT.reject(self._base_url or "")
            return text

    def _request(
        self,
        system_text: str,
        conversation: list[dict[str, str]],
        schema: type[BaseModel],
        mode: Literal["json_schema", "json_object"],
        deadline: float,
        outcome: LLMOutcome[Any],
    ) -> str:
        assert self._openai is not None and self._executor is not None
        json_schema = schema.model_json_schema()
        if mode == "json_schema":
            name = _SCHEMA_NAME_RE.sub("_", schema.__name__)[:64] or "answer"
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": json_schema, "strict": False},
            }
        else:
            hint = load_template(SCHEMA_HINT_TEMPLATE, self._prompt_dir).render(
                {"schema": json.dumps(json_schema, ensure_ascii=False)}
            )
            system_text = f"{system_text}\n\n{hint.system}" if system_text else hint.system
            # llama.cpp turns the schema into a grammar (it cannot follow $ref); other servers
            # ignore the extra key.
            response_format = {"type": "json_object", "schema": inline_refs(json_schema)}
        messages = [{"role": "system", "content": system_text}, *conversation]
        remaining = deadline - _now()
        if remaining <= 0:
            budget = self.settings.timeout_s
            raise _AttemptError("timeout", f"no time left of the {budget} s budget")
        kwargs: dict[str, Any] = {
            "model": self.settings.model or "local",
            "messages": messages,
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "response_format": response_format,
            "timeout": remaining,
        }
        if self.settings.seed is not None:
            kwargs["seed"] = self.settings.seed
        outcome.response_format = mode
        with self._lock:
            self._stats.requests += 1
        chat = self._openai.chat.completions

        def create() -> ChatCompletion:
            # Called with **kwargs (whose response_format carries llama.cpp's extra key) the
            # SDK's overloads answer Any; without stream=True the answer is a ChatCompletion.
            completion: ChatCompletion = chat.create(**kwargs)
            return completion

        future = self._executor.submit(create)
        try:
            response = future.result(timeout=remaining)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise _AttemptError(
                "timeout", f"no answer within the {self.settings.timeout_s} s budget"
            ) from None
        except openai.APITimeoutError:
            raise _AttemptError(
                "timeout", f"no answer within the {self.settings.timeout_s} s budget"
            ) from None
        except openai.APIConnectionError as exc:
            raise _AttemptError("connection", f"cannot reach {self._base_url}: {exc}") from None
        except openai.APIStatusError as exc:
            raise _AttemptError(
                "http_error", f"HTTP {exc.status_code}: {exc.message}", exc.status_code
            ) from None
        except openai.OpenAIError as exc:
            raise _AttemptError("http_error", f"{type(exc).__name__}: {exc}") from None

        usage = getattr(response, "usage", None)
        if usage is not None:
            outcome.prompt_tokens += int(usage.prompt_tokens or 0)
            outcome.completion_tokens += int(usage.completion_tokens or 0)
        if not response.choices:
            raise _AttemptError("malformed_json", "the server sent no choices")
        choice = response.choices[0]
        text = choice.message.content or ""
        if choice.finish_reason == "length":
            # Cut off at max_tokens: the JSON is likely incomplete; judged and repaired as such.
            log.debug("%s LLM answer hit max_tokens=%d", self.system, self.settings.max_tokens)
        return text

    def _judge(
        self,
        content: str,
        schema: type[T],
        check: Callable[[T], list[str]] | None,
        outcome: LLMOutcome[T],
    ) -> tuple[list[str], FallbackReason]:
        """Parse, validate and check an answer; the problems found and their kind."""
        try:
            data = extract_json(content)
        except ValueError as exc:
            return [str(exc)], "malformed_json"
        try:
            value = schema.model_validate(data)
        except ValidationError as exc:
            return _validation_messages(exc), "invalid_schema"
        problems = list(check(value)) if check is not None else []
        if problems:
            return problems, "check_failed"
        outcome.value = value
        return [], "check_failed"
