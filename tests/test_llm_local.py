"""The real local backend: llama.cpp's OpenAI-compatible server on the bundled SmolLM2 model.

SmolLM2-135M is tiny: it proves the path end to end, not the quality of the answers. Every
answer must either pass pydantic and the world check or fall back with a reason; the tally of
both is printed for the record.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pepa.agent.llm import LLMClient, LLMSettings
from pepa.agent.llm.probe import ProbeRules, probe_world, rule_problems, run_probe
from pepa.agent.llm.server import LocalLLMServer, bundled_model_path, server_available

pytestmark = pytest.mark.llm

WORLD = probe_world(["kitchen", "lobby", "meeting_room", "dock"])
WISHES = (
    "keep people company at lunch",
    "never run out of battery",
    "know every corner of the floor",
    "help visitors who arrive in the lobby",
    "rest when nobody needs you",
)
# A clean fallback is one of these; a dead server or an HTTP error would be a broken backend.
CLEAN_FALLBACKS = {"malformed_json", "invalid_schema", "check_failed", "timeout"}
LEAK_SENTINEL = "PEPA_TEST_PARENT_ONLY"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_local_llm() -> Path:
    if not server_available():
        pytest.fail(
            "llama-cpp-python[server] is not installed: `make test` builds it "
            "(or deselect with -m 'not llm')"
        )
    return bundled_model_path()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLLMServer]:
    require_local_llm()
    log_path = tmp_path_factory.mktemp("llm") / "server.log"
    server = LocalLLMServer(port=free_port(), n_threads=2, log_path=log_path)
    # Nothing of the parent's environment but the basics may reach the server's interpreter.
    os.environ[LEAK_SENTINEL] = "1"
    try:
        ready = server.start(wait_s=120.0)
    finally:
        os.environ.pop(LEAK_SENTINEL, None)
    if not ready:
        server.stop()
        pytest.fail(f"local LLM server did not start; log:\n{log_path.read_text()[-3000:]}")
    yield server
    server.stop()


def test_bundled_model_is_a_gguf_file() -> None:
    path = require_local_llm()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"


def test_local_server_lists_its_model_and_runs_with_a_clean_environment(
    local_server: LocalLLMServer,
) -> None:
    models = httpx.get(f"{local_server.base_url}/models", timeout=5).json()
    assert models["data"], models
    assert local_server.owned
    pid = local_server.pid
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    names = {entry.split(b"=", 1)[0].decode() for entry in environ if entry}
    assert LEAK_SENTINEL not in names
    assert "PATH" in names


def test_local_backend_answers_checked_or_falls_back_cleanly(
    local_server: LocalLLMServer,
) -> None:
    settings = LLMSettings(
        backend="local", local_port=local_server.port, timeout_s=60.0, max_tokens=256, seed=7
    )
    outcomes = []
    with LLMClient(settings, system="sys3") as client:
        assert client.start(wait_s=5.0)
        for wish in WISHES:
            t0 = time.monotonic()
            outcome = run_probe(client, WORLD, wish, count=2)
            assert time.monotonic() - t0 < settings.timeout_s + 1.0
            outcomes.append(outcome)
        stats = client.stats
    for outcome in outcomes:
        assert outcome.response_format == "json_object"
        if outcome.ok:
            assert isinstance(outcome.value, ProbeRules)
            assert rule_problems(WORLD, outcome.value) == []
        else:
            assert outcome.fallback_reason in CLEAN_FALLBACKS, outcome.detail
    assert stats.calls == len(WISHES)
    assert stats.prompt_tokens > 0 and stats.completion_tokens > 0
    tally = Counter(o.fallback_reason or "ok" for o in outcomes)
    record = {
        "calls": stats.calls,
        "ok": tally.pop("ok", 0),
        "repaired_ok": stats.repaired_successes,
        "fallbacks": dict(tally),
        "mean_latency_s": round(stats.mean_latency_s, 2),
        "max_latency_s": round(stats.latency_max_s, 2),
    }
    print(f"\nlocal LLM probe: {json.dumps(record)}")
    # Valid JSON is guaranteed by the server's schema grammar; world checks may still fail.
    assert stats.fallbacks.get("malformed_json", 0) == 0


def test_local_backend_starts_its_server_without_blocking_the_caller() -> None:
    require_local_llm()
    settings = LLMSettings(backend="local", local_port=free_port(), timeout_s=30.0)
    with LLMClient(settings, system="sys2") as client:
        t0 = time.monotonic()
        first = run_probe(client, WORLD, "greet people", count=1)
        assert time.monotonic() - t0 < 3.0
        assert first.fallback_reason == "connection"
        assert client.start(wait_s=120.0)
        second = run_probe(client, WORLD, "greet people", count=1)
        assert second.fallback_reason != "connection"
        server = client.local_server
        assert server is not None and server.owned
    assert not server.owned
    assert not LocalLLMServer(port=settings.local_port).is_ready(timeout_s=0.5)


def test_pepa_llm_serve_runs_until_interrupted() -> None:
    require_local_llm()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pepa.agent.cli", "llm", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # As a shell starts a background job: SIGINT ignored. Ctrl-C must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    probe = LocalLLMServer(port=port)
    lines: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(
        target=lambda: lines.extend(raw.decode(errors="replace") for raw in stdout), daemon=True
    )
    reader.start()
    serving = f"local LLM serving at {probe.base_url}"
    try:
        assert probe.wait_ready(120.0), "pepa llm serve did not answer within 120 s"
        assert httpx.get(f"{probe.base_url}/models", timeout=5).status_code == 200
        # The server can answer a moment before the command has seen it and said so.
        deadline = time.monotonic() + 30.0
        while not any(serving in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            # Stopping may wait out the server's own grace period (terminate, then kill).
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise AssertionError("pepa llm serve ignored Ctrl-C: " + "".join(lines)) from None
        reader.join(timeout=10)
    output = "".join(lines)
    assert proc.returncode == 130, output
    assert serving in output
    assert not probe.is_ready(timeout_s=0.5)
