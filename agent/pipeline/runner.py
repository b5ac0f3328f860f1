"""The fast path's execution modes on the same two stages.

* ``SEQ``: one worker perceives a frame, then decides on it; the reference.
* ``DEC``: decoupled: a perception worker keeps publishing to the public context and a
  generation worker decides on whatever perception is newest; no control of either.
* ``PAR``: several independent workers each doing both stages on the newest frame; nothing
  coordinates them, so decisions come out of order and on stale data.
* ``PIPE``: the controlled pipeline: perception workers (``perception_degree``) publish into
  the versioned public context strictly in frame order; generation workers
  (``generation_degree``) read the version ``job + fetch_offset`` (0: the same frame, so
  generation of frame *t* overlaps perception of *t+1*; -1: the previous frame, so both stages
  of frame *t* overlap); decisions leave in job order, and the staleness rule re-checks any
  built on context older than its bound against the newest context before Sys1 acts.

Workers are threads; torch and OpenCV release the GIL in their kernels, and generation is one
compiled graph (:class:`pepa.agent.policy.model.GreedyDecoder`), so the stages hold the GIL only
for their short Python glue. Every worker runs its kernels on one intra-op thread by default: the
models are small (batch 1), and an OpenMP team of two on a two-core machine that also runs a second
stage (or anything else) spends its time spinning at barriers for a descheduled peer.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Literal, Protocol

import cv2
import torch
from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.pipeline.metrics import Emitted, PipelineMetrics
from pepa.agent.pipeline.stages import (
    FrameJob,
    Generated,
    GenerationStage,
    Percept,
    PerceptionStage,
)
from pepa.agent.pipeline.staleness import StaleAction, StalenessRule, Verdict
from pepa.agent.sys1.public_context import PublicContext
from pepa.clock import Clock, WallClock

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.0002
WAIT_S = 0.05
"""How long a worker blocks before it looks at the stop flag again (thread sync, not time)."""


class Mode(StrEnum):
    SEQ = "seq"
    DEC = "dec"
    PAR = "par"
    PIPE = "pipe"


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: Mode = Mode.PIPE
    fetch_offset: Literal[0, -1] = 0
    perception_degree: int = Field(default=1, ge=1, le=16)
    generation_degree: int = Field(default=1, ge=1, le=16)
    par_workers: int = Field(default=2, ge=1, le=16)
    staleness_bound_s: float = Field(default=0.25, gt=0)
    on_stale: StaleAction = StaleAction.RECHECK
    duration_s: float = Field(default=5.0, gt=0, le=3600)
    cores: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    torch_threads: int = Field(
        default=1, ge=1, le=64, description="torch intra-op threads of every worker"
    )
    opencv_threads: int = Field(
        default=1, ge=1, le=64, description="OpenCV's pool (marker detection) of every worker"
    )
    calibration_s: float = Field(
        default=1.0, gt=0, le=60, description="how long each stage is timed alone, per call"
    )

    def workers(self) -> int:
        match self.mode:
            case Mode.SEQ:
                return 1
            case Mode.DEC:
                return 2
            case Mode.PAR:
                return self.par_workers
            case Mode.PIPE:
                return self.perception_degree + self.generation_degree
        return 1


class FrameSource(Protocol):
    """The camera: the newest frame with what Sys1 knew then."""

    def newest(self) -> FrameJob: ...


Sink = Callable[[Emitted, Generated], None]


class Pipeline:
    """Runs one mode over a frame source for ``duration_s`` and tallies the figures."""

    def __init__(
        self,
        perceive: PerceptionStage,
        generate: GenerationStage,
        config: PipelineConfig,
        clock: Clock | None = None,
        sink: Sink | None = None,
    ) -> None:
        self.perceive = perceive
        self.generate = generate
        self.config = config
        self.clock = clock or WallClock()
        self.sink = sink
        self.rule = StalenessRule(config.staleness_bound_s, config.on_stale)
        self.metrics = PipelineMetrics()
        self._stop = threading.Event()
        self._sink_lock = threading.Lock()
        self._errors: list[BaseException] = []

    # --- timing helpers -------------------------------------------------------------------

    # (CPU time is the thread's own, from the OS: it tells work from waiting on a shared machine)

    def _p(self, job: FrameJob) -> Percept:
        t, c = self.clock.now(), time.thread_time()
        out = self.perceive(job)
        self.metrics.stage_time("perception", self.clock.now() - t, time.thread_time() - c)
        return out

    def _g(self, percept: Percept) -> Generated:
        t, c = self.clock.now(), time.thread_time()
        out = self.generate(percept)
        self.metrics.stage_time("generation", self.clock.now() - t, time.thread_time() - c)
        return out

    def _emit(self, job: int, percept: Percept, gen: Generated, **flags: bool) -> None:
        now = self.clock.now()
        e = Emitted(
            job=job,
            frame_index=percept.frame_index,
            captured_at=percept.captured_at,
            emitted_at=now,
            tokens=gen.tokens,
            staleness_s=now - percept.captured_at,
            **flags,
        )
        self.metrics.emit(e)
        if self.sink is not None:
            with self._sink_lock:
                self.sink(e, gen)

    # --- running --------------------------------------------------------------------------

    @contextmanager
    def _resources(self, overlapped: bool) -> Iterator[None]:
        """The run's thread pools (and GIL switch interval while workers overlap), restored
        after."""
        cfg = self.config
        saved = torch.get_num_threads(), cv2.getNumThreads(), sys.getswitchinterval()
        torch.set_num_threads(cfg.torch_threads)
        cv2.setNumThreads(cfg.opencv_threads)
        if overlapped:
            # a worker coming back from a kernel waits for the GIL up to this long: the default
            # 5 ms would stall the other stage's short Python steps between kernels
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        try:
            yield
        finally:
            torch.set_num_threads(saved[0])
            cv2.setNumThreads(saved[1])
            sys.setswitchinterval(saved[2])

    def calibrate(self, source: FrameSource) -> dict[str, float]:
        """Each stage's mean service time alone: perception on the source's frames, then
        generation on those percepts, each for ``calibration_s`` on this thread with the run's
        thread pools. The throughput bound is made of these (see
        :mod:`pepa.agent.pipeline.metrics`).
        Calls accumulate, so timing before and after a run averages over the load the machine
        had around it; ``run`` calibrates first unless this was called before (e.g. before a
        source restarts, so the run is scored from its start)."""
        span = self.config.calibration_s
        with self._resources(overlapped=False):
            self.generate(self.perceive(source.newest()))  # first calls allocate: not timed
            percepts: list[Percept] = []
            t0, c0 = self.clock.now(), time.thread_time()
            while not percepts or self.clock.now() - t0 < span:
                percepts.append(self.perceive(source.newest()))
            self._alone_add("perception", len(percepts), t0, c0)
            t0, c0 = self.clock.now(), time.thread_time()
            jobs = 0
            while not jobs or self.clock.now() - t0 < span:
                self.generate(percepts[jobs % len(percepts)])
                jobs += 1
            self._alone_add("generation", jobs, t0, c0)
        log.info(
            "pipeline stages alone: perception %.2f ms, generation %.2f ms",
            1000 * self.metrics.alone["perception"],
            1000 * self.metrics.alone["generation"],
        )
        return dict(self.metrics.alone)

    def _alone_add(self, stage: str, jobs: int, t0: float, c0: float) -> None:
        self.metrics.alone_time(stage, jobs, self.clock.now() - t0, time.thread_time() - c0)

    def run(self, source: FrameSource) -> PipelineMetrics:
        cfg = self.config
        if not self.metrics.alone:
            self.calibrate(source)
        self.metrics.cores = cfg.cores
        with self._resources(overlapped=cfg.workers() > 1):
            self._run(source)
        if self._errors:
            raise RuntimeError(f"pipeline worker failed: {self._errors[0]!r}") from self._errors[0]
        return self.metrics

    def _run(self, source: FrameSource) -> None:
        cfg = self.config
        targets: list[Callable[[], None]]
        match cfg.mode:
            case Mode.SEQ:
                self.metrics.degrees = {"perception": 1, "generation": 1}
                self.metrics.serial = True
                targets = [lambda: self._seq(source)]
            case Mode.PAR:
                self.metrics.degrees = {}
                targets = [lambda: self._seq(source)] * cfg.par_workers
            case Mode.DEC:
                ctx = PublicContext(self.perceive(source.newest()), kind=Percept)
                self.metrics.degrees = {"perception": 1, "generation": 1}
                targets = [
                    lambda: self._dec_perceive(source, ctx),
                    lambda: self._dec_generate(ctx),
                ]
            case Mode.PIPE:
                targets = self._pipe_targets(source)
        self.metrics.started_at = self.clock.now()
        workers = [threading.Thread(target=self._guard(t), daemon=True) for t in targets]
        for w in workers:
            w.start()
        self._stop.wait(cfg.duration_s)
        self._stop.set()
        for w in workers:
            w.join(timeout=30.0)
        self.metrics.ended_at = self.clock.now()

    def _guard(self, fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except Exception as exc:  # reported by run() in the caller's thread
                log.exception("pipeline worker failed")
                self._errors.append(exc)
                self._stop.set()

        return run

    # --- SEQ and PAR: both stages in one worker -------------------------------------------------

    def _seq(self, source: FrameSource) -> None:
        job = 0
        while not self._stop.is_set():
            job += 1
            percept = self._p(source.newest())
            self._emit(job, percept, self._g(percept))

    # --- DEC: decoupled, uncontrolled -------------------------------------------------------

    def _dec_perceive(self, source: FrameSource, ctx: PublicContext[Percept]) -> None:
        while not self._stop.is_set():
            ctx.publish(self._p(source.newest()))

    def _dec_generate(self, ctx: PublicContext[Percept]) -> None:
        last = ctx.version - 1
        job = 0
        while not self._stop.is_set():
            snap = ctx.wait_newer(last, WAIT_S)
            if snap is None:
                continue
            last = snap.version
            job += 1
            self._emit(job, snap.state, self._g(snap.state))

    # --- PIPE: the controlled pipeline ------------------------------------------------------

    def _pipe_targets(self, source: FrameSource) -> list[Callable[[], None]]:
        cfg = self.config
        ctx = PublicContext(self.perceive(source.newest()), kind=Percept)  # version 0: warm-up
        self.metrics.degrees = {
            "perception": cfg.perception_degree,
            "generation": cfg.generation_degree,
        }
        state = _PipeState()

        def perceive() -> None:
            while not self._stop.is_set():
                with state.cond:
                    # stay at most one frame per perception worker ahead of generation
                    ok = state.cond.wait_for(
                        lambda: (
                            self._stop.is_set()
                            or state.next_p <= state.next_g + cfg.perception_degree
                        ),
                        WAIT_S,
                    )
                    if not ok or self._stop.is_set():
                        continue
                    state.next_p += 1
                    job = state.next_p
                    frame = source.newest()  # taken in job order
                percept = self._p(frame)
                with state.cond:
                    while state.published != job - 1 and not self._stop.is_set():
                        state.cond.wait(WAIT_S)
                    if self._stop.is_set():
                        return
                    ctx.publish(percept)  # version == job
                    state.published = job
                    state.cond.notify_all()

        def generate() -> None:
            while not self._stop.is_set():
                with state.cond:
                    state.next_g += 1
                    job = state.next_g
                    state.cond.notify_all()
                snap = None
                while snap is None and not self._stop.is_set():
                    snap = ctx.fetch(max(0, job + cfg.fetch_offset), WAIT_S)
                if snap is None:
                    return
                gen = self._g(snap.state)
                with state.cond:
                    while state.emitted != job - 1 and not self._stop.is_set():
                        state.cond.wait(WAIT_S)
                    if self._stop.is_set():
                        return
                    self._settle(job, snap.state, gen, ctx)
                    state.emitted = job
                    state.cond.notify_all()

        return [perceive] * cfg.perception_degree + [generate] * cfg.generation_degree

    def _settle(
        self, job: int, percept: Percept, gen: Generated, ctx: PublicContext[Percept]
    ) -> None:
        """The staleness rule, just before Sys1 gets the decision."""
        age = self.clock.now() - percept.captured_at
        newest = ctx.snapshot().state
        verdict = self.rule.judge(age, percept.key, newest.key)
        if verdict == Verdict.DROP:
            self.metrics.drop()
            return
        if verdict == Verdict.REGENERATE:
            self._emit(job, newest, self._g(newest), rechecked=True, regenerated=True)
            return
        self._emit(job, percept, gen, rechecked=verdict == Verdict.STILL_VALID)


class _PipeState:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.next_p = 0
        self.next_g = 0
        self.published = 0
        self.emitted = 0
