"""The QoS profiles of every PEPA topic, by kind of data.

* sensor: best-effort, keep last few — a late frame is worthless, a retransmission only adds
  latency; a best-effort subscriber also matches a reliable publisher (robots differ).
* latched: reliable + transient-local — goals, status, reflections, elevator state: a node
  that starts (or restarts) late gets the latest value at once.
* event: reliable, volatile — requests, decisions, experiences: each one matters, but a
  late joiner should not replay history.
* command: reliable, keep last 1 — only the newest velocity command means anything.
* clock: best-effort, keep last 1 — the profile ROS 2 time sources subscribe with.
"""

from __future__ import annotations

from typing import Literal

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
)

QosKind = Literal["sensor", "latched", "event", "command", "clock"]


def sensor(depth: int = 5) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.VOLATILE,
    )


def latched(depth: int = 1) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.TRANSIENT_LOCAL,
    )


def event(depth: int = 50) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.VOLATILE,
    )


def command(depth: int = 1) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.VOLATILE,
    )


def clock() -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=1,
        reliability=ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.VOLATILE,
    )


_BY_KIND = {"sensor": sensor, "latched": latched, "event": event, "command": command}


def profile(kind: QosKind, depth: int | None = None) -> QoSProfile:
    """The profile for a topic table entry."""
    if kind == "clock":
        return clock()
    make = _BY_KIND[kind]
    return make() if depth is None else make(depth)


def describe(kind: QosKind, depth: int | None = None) -> str:
    """One line for the interface documentation, e.g. 'reliable, transient-local, last 1'."""
    p = profile(kind, depth)
    rel = "reliable" if p.reliability == ReliabilityPolicy.RELIABLE else "best-effort"
    dur = "transient-local" if p.durability == DurabilityPolicy.TRANSIENT_LOCAL else "volatile"
    return f"{rel}, {dur}, keep last {p.depth}"
