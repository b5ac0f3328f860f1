"""The LLM client against a real OpenAI-compatible HTTP server written here.

The server speaks the chat-completions protocol over real sockets; each test scripts what it
answers (good JSON, broken JSON, unknown places, slowness, rejection of ``json_schema``) and
checks how the client validates, repairs, falls back and counts.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pepa.agent.llm import LLMClient, LLMOutcome, LLMSettings
from pepa.agent.llm.cli import register
from pepa.agent.llm.client import SCHEMA_SUPPORT, extract_json
from pepa.agent.llm.probe import ProbeRules, probe_world, rule_problems, run_probe
from pepa.agent.llm.schema import inline_refs

WORLD = probe_world(["kitchen", "lobby", "dock"])

GOOD = json.dumps(
    {"rules": [{"condition": "someone is hungry", "skill": "navigate", "place": "kitchen"}]}
)
UNKNOWN_PLACE = json.dumps(
    {"rules": [{"condition": "it is noon", "skill": "navigate", "place": "moon_base"}]}
)


@dataclass
class Reply:
    """What the server answers to the next chat completion."""

    content: str = GOOD
    status: int = 200
    delay_s: float = 0.0
    stall_after_headers_s: float = 0.0


@dataclass
class ServerState:
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    reject_json_schema: bool = False


class OpenAICompatibleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = ServerState()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up at its deadline closes the socket: not an error here."""


class _Handler(BaseHTTPRequestHandler):
    server: OpenAICompatibleServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send_json(200, {"object": "list", "data": [{"id": "test", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        state = self.server.state
        state.requests.append(body)
        if self.path != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        fmt = body.get("response_format", {}).get("type")
        if state.reject_json_schema and fmt == "json_schema":
            # What a llama.cpp server says to a schema-typed response format.
            self._send_json(
                400, {"error": {"message": "response_format type must be json_object or text"}}
            )
            return
        reply = state.replies.pop(0) if state.replies else Reply()
        time.sleep(reply.delay_s)
        if reply.status != 200:
            self._send_json(reply.status, {"error": {"message": "scripted failure"}})
            return
        completion = {
            "id": f"chatcmpl-{len(state.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "test"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }
        if reply.stall_after_headers_s:
            data = json.dumps(completion).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:10])
            self.wfile.flush()
            for _ in range(int(reply.stall_after_headers_s / 0.2)):
                time.sleep(0.2)  # a trickle, never quiet long enough for a read timeout
                self.wfile.write(b" ")
                self.wfile.flush()
            return
        self._send_json(200, completion)


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    srv = OpenAICompatibleServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def make_client(url: str, **overrides: Any) -> LLMClient:
    fields: dict[str, Any] = {"timeout_s": 5.0, **overrides}
    settings = LLMSettings(backend="openai", base_url=url, model="test", **fields)
    return LLMClient(settings, system="sys3")


def ask(client: LLMClient) -> LLMOutcome[ProbeRules]:
    return run_probe(client, WORLD, wish="eat", count=1)


def test_valid_answer_is_parsed_checked_and_counted(server: OpenAICompatibleServer) -> None:
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.fallback_reason is None
    assert out.value == ProbeRules.model_validate_json(GOOD)
    assert not out.repaired
    assert (out.prompt_tokens, out.completion_tokens) == (100, 20)
    assert out.latency_s > 0
    stats = client.stats
    assert (stats.calls, stats.successes, stats.requests) == (1, 1, 1)
    assert stats.prompt_tokens == 100 and stats.fallbacks == {}
    request = server.state.requests[0]
    assert request["model"] == "test"
    assert request["max_tokens"] == 512
    assert request["response_format"]["type"] == "json_schema"
    schema = request["response_format"]["json_schema"]["schema"]
    assert schema == ProbeRules.model_json_schema()
    system = request["messages"][0]["content"]
    assert "kitchen, lobby, dock" in system and "{places}" not in system


def test_malformed_json_gets_one_repair_round(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(content='{"rules": [{"condition": "x", '), Reply()]
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.fallback_reason is None and out.repaired
    assert out.value is not None and out.value.rules[0].place == "kitchen"
    assert (out.prompt_tokens, out.completion_tokens) == (200, 40)
    repair = server.state.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"rules": [{"condition": "x", '}
    assert "not valid JSON" in repair[-1]["content"]
    assert client.stats.repaired_successes == 1


def test_malformed_twice_falls_back_without_a_third_request(
    server: OpenAICompatibleServer,
) -> None:
    server.state.replies = [Reply(content="I think the robot should"), Reply(content="sorry")]
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.value is None and out.fallback_reason == "malformed_json"
    assert len(server.state.requests) == 2
    assert client.stats.fallbacks == {"malformed_json": 1}


def test_invalid_schema_errors_are_named_in_the_repair(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(content='{"rules": [{"skill": "navigate"}]}'), Reply()]
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.ok and out.repaired
    repair_text = server.state.requests[1]["messages"][-1]["content"]
    assert "rules.0.condition: Field required" in repair_text


def test_unknown_place_fails_the_world_check(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(content=UNKNOWN_PLACE), Reply(content=UNKNOWN_PLACE)]
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.value is None and out.fallback_reason == "check_failed"
    assert "unknown place 'moon_base'" in (out.detail or "")
    assert "unknown place 'moon_base'" in server.state.requests[1]["messages"][-1]["content"]
    assert client.stats.fallbacks == {"check_failed": 1}


def test_unknown_place_repaired_reaches_the_caller_only_when_valid(
    server: OpenAICompatibleServer,
) -> None:
    server.state.replies = [Reply(content=UNKNOWN_PLACE), Reply(content=GOOD)]
    with make_client(server.base_url) as client:
        out = ask(client)
    assert out.value is not None and rule_problems(WORLD, out.value) == []


def test_timeout_falls_back_within_the_budget(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(delay_s=4.0)]
    with make_client(server.base_url, timeout_s=0.8) as client:
        t0 = time.monotonic()
        out = ask(client)
        elapsed = time.monotonic() - t0
    assert out.value is None and out.fallback_reason == "timeout"
    assert 0.7 <= elapsed < 2.5  # the reply would take 4 s; the margin is for a loaded machine
    assert client.stats.fallbacks == {"timeout": 1}


def test_trickling_server_cannot_hold_the_caller_past_the_budget(
    server: OpenAICompatibleServer,
) -> None:
    server.state.replies = [Reply(stall_after_headers_s=4.0)]
    with make_client(server.base_url, timeout_s=1.0) as client:
        t0 = time.monotonic()
        out = ask(client)
        elapsed = time.monotonic() - t0
    assert out.fallback_reason == "timeout"
    assert elapsed < 2.5  # the body would trickle for 4 s


def test_repair_round_shares_the_one_budget(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(content="nope", delay_s=0.6), Reply(delay_s=0.6)]
    with make_client(server.base_url, timeout_s=1.0) as client:
        t0 = time.monotonic()
        out = ask(client)
        elapsed = time.monotonic() - t0
    assert out.fallback_reason == "timeout" and out.repaired  # two budgets would have sufficed
    assert elapsed < 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_server_down_falls_back_at_once() -> None:
    with make_client(f"http://127.0.0.1:{free_port()}/v1") as client:
        t0 = time.monotonic()
        out = ask(client)
        elapsed = time.monotonic() - t0
    assert out.value is None and out.fallback_reason == "connection"
    assert elapsed < 1.0
    assert client.stats.fallbacks == {"connection": 1}


def test_http_error_falls_back(server: OpenAICompatibleServer) -> None:
    server.state.replies = [Reply(status=503)]
    with make_client(server.base_url, response_format="json_object") as client:
        out = ask(client)
    assert out.fallback_reason == "http_error" and "503" in (out.detail or "")
    assert len(server.state.requests) == 1


def test_json_schema_rejection_switches_to_json_mode_and_is_remembered(
    server: OpenAICompatibleServer,
) -> None:
    server.state.reject_json_schema = True
    with make_client(server.base_url) as client:
        first = ask(client)
        second = ask(client)
    assert first.ok and second.ok
    assert first.response_format == second.response_format == "json_object"
    kinds = [r["response_format"]["type"] for r in server.state.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    fallback_request = server.state.requests[1]
    assert fallback_request["response_format"]["schema"] == inline_refs(
        ProbeRules.model_json_schema()
    )
    assert '"condition"' in fallback_request["messages"][0]["content"]  # schema in the prompt
    assert SCHEMA_SUPPORT.rejected(server.base_url)
    with make_client(server.base_url) as other:  # e.g. Sys2 on the same server
        assert ask(other).ok
    assert server.state.requests[-1]["response_format"]["type"] == "json_object"


def test_offline_backend_answers_at_once_without_a_server() -> None:
    client = LLMClient(LLMSettings())
    out = ask(client)
    assert not client.enabled
    assert out.value is None and out.fallback_reason == "offline" and out.latency_s == 0
    assert client.stats.fallbacks == {"offline": 1}


def test_offline_backend_still_rejects_a_missing_template_variable() -> None:
    client = LLMClient(LLMSettings())
    with pytest.raises(ValueError, match=r"llm_check_rules\.md: missing variable\(s\) wish"):
        client.structured("llm_check_rules", {"places": "", "skills": "", "count": 1}, ProbeRules)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('Sure! Here it is: {"a": {"b": 2}} Hope this helps.', {"a": {"b": 2}}),
    ],
)
def test_json_is_found_in_fenced_or_chatty_answers(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


def test_empty_answer_is_malformed() -> None:
    with pytest.raises(ValueError, match="empty"):
        extract_json("  ")


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pepa")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_ask_prints_the_checked_outcome(
    server: OpenAICompatibleServer, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["llm", "ask", "--backend", "openai", "--model", "test", "--base-url", server.base_url]
    assert run_cli([*argv, "--places", "kitchen,lobby"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["value"]["rules"][0]["place"] == "kitchen"
    assert report["problems"] == [] and report["stats"]["successes"] == 1
    assert "kitchen, lobby" in server.state.requests[0]["messages"][0]["content"]


def test_cli_ask_exits_non_zero_on_fallback(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    argv = ["llm", "ask", "--backend", "openai", "--model", "m", "--base-url", url]
    assert run_cli(argv) == 1
    assert json.loads(capsys.readouterr().out)["fallback_reason"] == "connection"


def test_local_backend_without_its_model_falls_back_instead_of_raising(tmp_path: Path) -> None:
    settings = LLMSettings(
        backend="local",
        local_port=free_port(),
        local_model_path=str(tmp_path / "missing.gguf"),
        timeout_s=2.0,
    )
    with LLMClient(settings) as client:
        t0 = time.monotonic()
        out = ask(client)
        assert time.monotonic() - t0 < 2.0
        assert out.fallback_reason == "connection"
        with pytest.raises(FileNotFoundError, match=r"missing\.gguf"):
            client.start(wait_s=1.0)
