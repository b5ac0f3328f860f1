"""Fixtures shared across test areas."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from console_support import console_agent, console_backend  # noqa: F401  (console fixtures)
from ros_support import children, domain_id, ros_context, ros_env  # noqa: F401  (ROS fixtures)


@pytest.fixture
def openai_server() -> Iterator[Any]:
    """The LLM client tests' OpenAI-compatible HTTP server, for other areas' LLM paths.

    Script answers with ``server.state.replies.append(Reply(content=...))``; the server and
    ``Reply`` live in the LLM client's test module, the one implementation of it.
    """
    from test_llm_client import OpenAICompatibleServer

    srv = OpenAICompatibleServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
