"""What a pipeline run is judged by: decisions per second, the jitter of the interval between
outputs, job completion time (frame captured -> decision out), staleness of the context a
decision was built on, and each stage's service time.

The throughput bound is set by each stage's service time measured *alone* (one stage at a
time, on one thread, with the same intra-op threads it has in the run; see
:meth:`pepa.agent.pipeline.runner.Pipeline.calibrate`), not by the service times seen during the
run: those include the waits the stages impose on each other (cores, GIL, caches), and a bound
made of them would flatter whatever interference the pipeline has."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Emitted:
    """A decision handed to Sys1."""

    job: int
    frame_index: int  # the frame whose perception the decision was built on
    captured_at: float
    emitted_at: float
    tokens: tuple[int, ...]
    staleness_s: float  # emitted_at - captured_at of the percept used
    rechecked: bool = False
    regenerated: bool = False


@dataclass
class PipelineMetrics:
    """Thread-safe tallies for one run."""

    started_at: float = 0.0
    ended_at: float = 0.0
    emitted: list[Emitted] = field(default_factory=list)
    dropped: int = 0
    rechecked: int = 0
    regenerated: int = 0
    service: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    alone: dict[str, float] = field(default_factory=dict)  # mean service time, stage alone
    alone_cpu: dict[str, float] = field(default_factory=dict)  # and its CPU time
    degrees: dict[str, int] = field(default_factory=dict)
    serial: bool = False  # stages one after the other (SEQ): the bound is 1 / their sum
    cores: int = 1  # workers beyond this many share cores: the bound counts them once
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # stage: jobs, wall s, CPU s over every time the stage was timed alone
    _alone_totals: dict[str, tuple[int, float, float]] = field(default_factory=dict, repr=False)

    def stage_time(self, stage: str, seconds: float, cpu_s: float | None = None) -> None:
        """One job's service time in ``stage`` (and the CPU time its thread spent on it)."""
        with self._lock:
            self.service[stage].append(seconds)
            if cpu_s is not None:
                self.cpu[stage].append(cpu_s)

    def alone_time(self, stage: str, jobs: int, seconds: float, cpu_s: float) -> None:
        """``jobs`` of ``stage`` timed alone in ``seconds`` (``cpu_s`` of CPU): ``alone`` and
        ``alone_cpu`` become the means over the jobs of every such timing so far."""
        n, wall, cpu = self._alone_totals.get(stage, (0, 0.0, 0.0))
        n, wall, cpu = n + jobs, wall + seconds, cpu + cpu_s
        self._alone_totals[stage] = n, wall, cpu
        self.alone[stage] = wall / n
        self.alone_cpu[stage] = cpu / n

    def emit(self, e: Emitted) -> None:
        with self._lock:
            self.emitted.append(e)
            self.rechecked += e.rechecked
            self.regenerated += e.regenerated

    def drop(self) -> None:
        with self._lock:
            self.dropped += 1

    def summary(self) -> dict[str, float]:
        with self._lock:
            out = list(self.emitted)
            service = {k: list(v) for k, v in self.service.items()}
            cpu = {k: list(v) for k, v in self.cpu.items()}
        span = max(self.ended_at - self.started_at, 1e-9)
        times = np.array(sorted(e.emitted_at for e in out))
        gaps = np.diff(times) if len(times) > 1 else np.zeros(1)
        jct = np.array([e.emitted_at - e.captured_at for e in out]) if out else np.zeros(1)
        stale = np.array([e.staleness_s for e in out]) if out else np.zeros(1)
        mean_gap = float(gaps.mean()) if len(gaps) else 0.0
        res: dict[str, float] = {
            "decisions": float(len(out)),
            "hz": len(out) / span,
            "interval_ms": 1000 * mean_gap,
            "jitter_ms": 1000 * float(gaps.std()),
            "jitter_cv": float(gaps.std() / mean_gap) if mean_gap > 0 else 0.0,
            "jct_ms": 1000 * float(jct.mean()),
            "jct_p95_ms": 1000 * float(np.percentile(jct, 95)),
            "staleness_ms": 1000 * float(stale.mean()),
            "staleness_max_ms": 1000 * float(stale.max()),
            "dropped": float(self.dropped),
            "rechecked": float(self.rechecked),
            "regenerated": float(self.regenerated),
        }
        for stage, vals in service.items():
            res[f"{stage}_ms"] = 1000 * float(np.mean(vals))
        for stage, vals in cpu.items():
            res[f"{stage}_cpu_ms"] = 1000 * float(np.mean(vals))
        for stage, mean in self.alone.items():
            res[f"alone_{stage}_ms"] = 1000 * mean
        for stage, mean in self.alone_cpu.items():
            res[f"alone_{stage}_cpu_ms"] = 1000 * mean
        bound = self.bound_hz()
        if bound is not None:
            res["bound_hz"] = bound
            res["vs_bound"] = res["hz"] / bound
        # two diagnostics, not the bound: the same formula on the stages' CPU time alone (a
        # core each, whatever else the machine runs) and on their service times in the run
        # (what coordination alone costs: the slowest stage waiting for the others)
        for name, stage_times in (
            ("cpu", self.alone_cpu),
            ("inrun", {k: float(np.mean(v)) for k, v in service.items() if v}),
        ):
            other = self._bound(stage_times)
            if other is not None:
                res[f"{name}_bound_hz"] = other
                res[f"vs_{name}_bound"] = res["hz"] / other
        return res

    def bound_hz(self) -> float | None:
        """The rate the stages allow, from their service times alone: serial stages give one
        over the sum; overlapped ones the slowest stage's degree / service time, and never
        more than the cores can do (cores / the sum). None before calibration."""
        return self._bound(self.alone)

    def _bound(self, times: dict[str, float]) -> float | None:
        if not times or not all(t > 0 for t in times.values()):
            return None
        total = sum(times.values())
        if self.serial:
            return 1.0 / total
        if not self.degrees:
            return None
        stage_rates = [self.degrees.get(s, 1) / t for s, t in times.items()]
        return min(*stage_rates, self.cores / total)
