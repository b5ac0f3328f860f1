"""Calls between nodes as a pair of JSON topics with correlation ids.

ROS 2 has no standard service type that carries a string request and a string reply
(``std_srvs`` carries none; ``test_msgs`` does, but it is a test package a robot need not
have), and custom ``.srv`` packages cannot be generated from the wheels. So a service here is
two ``std_msgs/String`` topics: ``<service>/call`` carries :class:`RpcCall`, ``<service>/reply``
carries :class:`RpcReply`. Every call has a unique id and names its client; a client keeps
re-sending a call until the reply comes (a call sent before discovery finished is not lost),
and the server answers a repeated id from its cache, so a call runs at most once.

A handler signals a missing thing with ``LookupError`` (``not_found``), a refused input with
``ValueError`` (``refused``; a ``field`` attribute names the field at fault) or a valid input
that cannot be done now with an exception class named ``ConflictError`` (``conflict``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, JsonValue

from pepa.messages import Message, new_id
from pepa_ros import qos
from pepa_ros.codec import JsonCodec

if TYPE_CHECKING:
    from rclpy.callback_groups import CallbackGroup
    from rclpy.node import Node

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]
ErrorKind = Literal["not_found", "refused", "conflict", "error"]
REPLY_CACHE = 256
RESEND_S = 1.0


class RpcCall(Message):
    """One call: which method, with which parameters, from which client."""

    id: str = Field(default_factory=lambda: new_id("call"))
    client: str = Field(min_length=1, max_length=64)
    method: str = Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=64)
    params: dict[str, JsonValue] = Field(default_factory=dict)


class RpcFailure(Message):
    kind: ErrorKind
    field: str = ""
    message: str


class RpcReply(Message):
    """The answer to one call: ``result`` when ``ok``, else ``error``."""

    id: str
    client: str
    ok: bool
    result: JsonValue = None
    error: RpcFailure | None = None


class RpcError(RuntimeError):
    """A call the server answered with an error; ``kind`` and ``field`` say what was wrong."""

    def __init__(self, service: str, method: str, failure: RpcFailure) -> None:
        super().__init__(f"{service}.{method}: {failure.message}")
        self.kind = failure.kind
        self.field = failure.field
        self.message = failure.message


def call_topic(service: str) -> str:
    return f"{service}/call"


def reply_topic(service: str) -> str:
    return f"{service}/reply"


def _failure(exc: BaseException) -> RpcFailure:
    field = str(getattr(exc, "field", "") or "")
    text = str(getattr(exc, "problem", "") or exc) if field else str(exc)
    if type(exc).__name__ in ("Conflict", "ConflictError"):
        return RpcFailure(kind="conflict", field=field, message=text)
    if isinstance(exc, LookupError):
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        return RpcFailure(kind="not_found", field=field, message=message)
    if isinstance(exc, ValueError):
        return RpcFailure(kind="refused", field=field, message=text)
    return RpcFailure(kind="error", field=field, message=f"{type(exc).__name__}: {exc}")


class RpcServer:
    """Answers calls on ``service`` with ``handlers`` (method name -> function of the params)."""

    def __init__(
        self,
        node: Node,
        codec: JsonCodec,
        service: str,
        handlers: Mapping[str, Handler],
        callback_group: CallbackGroup | None = None,
    ) -> None:
        self.service = service
        self.handlers = dict(handlers)
        self._done: OrderedDict[str, RpcReply] = OrderedDict()
        self._lock = threading.Lock()
        self.calls = 0
        self._reply = codec.publisher(node, RpcReply, reply_topic(service), qos.event())
        codec.subscribe(
            node,
            RpcCall,
            call_topic(service),
            self._on_call,
            qos.event(),
            callback_group=callback_group,
        )

    def _on_call(self, call: RpcCall) -> None:
        with self._lock:
            cached = self._done.get(call.id)
        if cached is not None:
            self._reply.publish(cached)
            return
        handler = self.handlers.get(call.method)
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            failure = RpcFailure(
                kind="not_found",
                field="method",
                message=f"{self.service} has no method {call.method!r}; known: {known}",
            )
            reply = RpcReply(id=call.id, client=call.client, ok=False, error=failure)
        else:
            try:
                result = handler(dict(call.params))
                reply = RpcReply(id=call.id, client=call.client, ok=True, result=result)
            except Exception as exc:  # every failure goes back to the caller, named
                if not isinstance(exc, LookupError | ValueError):
                    log.exception("%s.%s failed", self.service, call.method)
                reply = RpcReply(id=call.id, client=call.client, ok=False, error=_failure(exc))
        with self._lock:
            self.calls += 1
            self._done[call.id] = reply
            while len(self._done) > REPLY_CACHE:
                self._done.popitem(last=False)
        self._reply.publish(reply)


class RpcClient:
    """Calls ``service``; :meth:`call` blocks, so call it from outside the executor's threads
    or from a callback group that leaves a thread free for the reply."""

    def __init__(
        self,
        node: Node,
        codec: JsonCodec,
        service: str,
        callback_group: CallbackGroup | None = None,
    ) -> None:
        self.service = service
        self.client = f"{node.get_name()}-{new_id('c')[-8:]}"
        self._pending: dict[str, tuple[threading.Event, list[RpcReply]]] = {}
        self._lock = threading.Lock()
        self._call = codec.publisher(node, RpcCall, call_topic(service), qos.event())
        codec.subscribe(
            node,
            RpcReply,
            reply_topic(service),
            self._on_reply,
            qos.event(),
            callback_group=callback_group,
        )

    def _on_reply(self, reply: RpcReply) -> None:
        if reply.client != self.client:
            return
        with self._lock:
            waiting = self._pending.get(reply.id)
        if waiting is not None:
            waiting[1].append(reply)
            waiting[0].set()

    def ready(self) -> bool:
        """True once a server listens (a call made earlier is re-sent until one does)."""
        return self._call.subscribers() > 0

    def send(self, method: str, params: Mapping[str, Any] | None = None) -> str:
        """Send a call without waiting for its reply (best effort: once, if a server listens)."""
        call = RpcCall(client=self.client, method=method, params=dict(params or {}))
        self._call.publish(call)
        return call.id

    def call(
        self, method: str, params: Mapping[str, Any] | None = None, timeout: float = 10.0
    ) -> JsonValue:
        """The result of ``method``; raises :class:`RpcError` or ``TimeoutError``."""
        call = RpcCall(client=self.client, method=method, params=dict(params or {}))
        done = threading.Event()
        box: list[RpcReply] = []
        with self._lock:
            self._pending[call.id] = (done, box)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.ready():
                    self._call.publish(call)
                left = deadline - time.monotonic()
                if done.wait(min(RESEND_S, max(0.0, left))):
                    break
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"{self.service}.{method}: no reply within {timeout:.0f} s "
                        "(is the node serving it running?)"
                    )
        finally:
            with self._lock:
                self._pending.pop(call.id, None)
        reply = box[0]
        if not reply.ok:
            assert reply.error is not None
            raise RpcError(self.service, method, reply.error)
        return reply.result
