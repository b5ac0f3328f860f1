"""Each agent node's health as ``diagnostic_msgs/DiagnosticArray`` on ``/diagnostics``, at 1 Hz.

A node hands over what it counts (cumulative counters: bad messages, control-loop ticks and
misses, LLM calls, fallbacks and latency) and what it holds now (gauges: requests waiting,
episodes waiting to be written and stored, battery). Counters are judged over the last minute,
so a burst raises the level and it falls back once the burst is a minute old; gauges as they
are. One ``DiagnosticStatus`` per area (messages, control loop, requests, llm, memory, battery)
named ``<node>: <area>``, which is how rqt's robot monitor and the diagnostic aggregator group
them. The thresholds below are the documented ones (docs/interfaces.md is generated from them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

WINDOW_S = 60.0
PERIOD_S = 1.0


class Level(IntEnum):
    """``diagnostic_msgs/DiagnosticStatus`` levels."""

    OK = 0
    WARN = 1
    ERROR = 2


class Direction(StrEnum):
    ABOVE = "above"  # bad when the value is at or above the threshold
    BELOW = "below"  # bad when at or below (battery)


@dataclass(frozen=True)
class Measure:
    key: str
    area: str
    label: str
    warn: float | None = None
    error: float | None = None
    direction: Direction = Direction.ABOVE

    def level(self, value: float) -> Level:
        def hit(limit: float | None) -> bool:
            if limit is None:
                return False
            return value >= limit if self.direction == Direction.ABOVE else value <= limit

        if hit(self.error):
            return Level.ERROR
        return Level.WARN if hit(self.warn) else Level.OK

    def threshold_text(self) -> str:
        if self.warn is None and self.error is None:
            return "reported only"
        sign = ">=" if self.direction == Direction.ABOVE else "<="
        return f"WARN {sign} {self.warn:g}, ERROR {sign} {self.error:g}"


MEASURES: tuple[Measure, ...] = (
    Measure("bad_messages_last_min", "messages", "bad messages dropped in the last minute", 1, 30),
    Measure("bad_messages", "messages", "bad messages dropped since start"),
    Measure(
        "loop_miss_ratio", "control loop", "share of ticks late in the last minute", 0.05, 0.25
    ),
    Measure("loop_ticks_last_min", "control loop", "control-loop ticks in the last minute"),
    Measure("requests_waiting", "requests", "requests queued, accepted or deferred", 20, 100),
    Measure(
        "llm_fallback_ratio", "llm", "share of LLM calls that fell back (last minute)", 0.25, 0.75
    ),
    Measure("llm_latency_s", "llm", "mean LLM call latency in the last minute (s)", 10, 30),
    Measure("llm_calls_last_min", "llm", "LLM calls in the last minute"),
    Measure("memory_pending", "memory", "episodes waiting to be written", 256, 2048),
    Measure("memory_episodes", "memory", "episodes stored"),
    Measure("battery", "battery", "state of charge (0..1)", 0.2, 0.1, Direction.BELOW),
)
BY_KEY = {m.key: m for m in MEASURES}

COUNTERS = frozenset(
    {"bad_messages", "loop_ticks", "loop_misses", "llm_calls", "llm_fallbacks", "llm_latency_s"}
)
"""Cumulative counts a node reports; the window turns them into the measures above."""
GAUGES = frozenset({"requests_waiting", "memory_pending", "memory_episodes", "battery"})


@dataclass(frozen=True)
class StatusReport:
    """One area of one node: its level, a message naming the worst measure, every value."""

    name: str
    hardware_id: str
    level: Level
    message: str
    values: tuple[tuple[str, str], ...]


class NodeDiagnostics:
    """Judges one node's counters over a sliding window and its gauges as they are."""

    def __init__(self, node: str, window_s: float = WINDOW_S) -> None:
        self.node = node
        self.window_s = window_s
        self._history: deque[tuple[float, dict[str, float]]] = deque()

    def _deltas(self, now_s: float, counters: Mapping[str, float]) -> dict[str, float]:
        self._history.append((now_s, dict(counters)))
        while len(self._history) > 1 and self._history[1][0] <= now_s - self.window_s:
            self._history.popleft()
        _, oldest = self._history[0]
        if len(self._history) == 1:
            oldest = {}
        return {k: v - oldest.get(k, 0.0) for k, v in counters.items()}

    def measure(
        self, now_s: float, counters: Mapping[str, float], gauges: Mapping[str, float]
    ) -> dict[str, float]:
        """The measures of :data:`MEASURES` that these readings give."""
        unknown = (set(counters) - COUNTERS) | (set(gauges) - GAUGES)
        if unknown:
            raise ValueError(f"diagnostics: unknown readings {sorted(unknown)}")
        d = self._deltas(now_s, counters)
        out: dict[str, float] = dict(gauges)
        if "bad_messages" in counters:
            out["bad_messages"] = counters["bad_messages"]
            out["bad_messages_last_min"] = d["bad_messages"]
        if "loop_ticks" in counters:
            ticks = d["loop_ticks"]
            out["loop_ticks_last_min"] = ticks
            out["loop_miss_ratio"] = d.get("loop_misses", 0.0) / ticks if ticks else 0.0
        if "llm_calls" in counters:
            calls = d["llm_calls"]
            out["llm_calls_last_min"] = calls
            out["llm_fallback_ratio"] = d.get("llm_fallbacks", 0.0) / calls if calls else 0.0
            out["llm_latency_s"] = d.get("llm_latency_s", 0.0) / calls if calls else 0.0
        return out

    def report(
        self, now_s: float, counters: Mapping[str, float], gauges: Mapping[str, float]
    ) -> list[StatusReport]:
        values = self.measure(now_s, counters, gauges)
        areas: dict[str, list[tuple[Measure, float]]] = {}
        for m in MEASURES:
            if m.key in values:
                areas.setdefault(m.area, []).append((m, values[m.key]))
        reports = []
        for area, items in areas.items():
            level, message = Level.OK, "OK"
            for m, v in items:
                lv = m.level(v)
                if lv > level:
                    limit = m.error if lv == Level.ERROR else m.warn
                    sign = ">=" if m.direction == Direction.ABOVE else "<="
                    level, message = lv, f"{m.label}: {v:g} {sign} {limit:g}"
            reports.append(
                StatusReport(
                    name=f"{self.node}: {area}",
                    hardware_id=self.node,
                    level=level,
                    message=message,
                    values=tuple((m.key, f"{v:g}") for m, v in items),
                )
            )
        return reports


def to_message(reports: list[StatusReport], stamp: Any) -> Any:
    """A ``diagnostic_msgs/DiagnosticArray`` of ``reports`` stamped ``stamp`` (a ROS Time)."""
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status = [
        DiagnosticStatus(
            level=bytes([int(r.level)]),
            name=r.name,
            message=r.message,
            hardware_id=r.hardware_id,
            values=[KeyValue(key=k, value=v) for k, v in r.values],
        )
        for r in reports
    ]
    return array


def threshold_rows() -> list[str]:
    """The thresholds as a Markdown table (for docs/interfaces.md)."""
    rows = ["| status | value | meaning | levels |", "| --- | --- | --- | --- |"]
    for m in MEASURES:
        rows.append(f"| `<node>: {m.area}` | `{m.key}` | {m.label} | {m.threshold_text()} |")
    return rows
