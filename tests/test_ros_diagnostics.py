"""/diagnostics levels from a node's readings: thresholds, the one-minute window, bad input."""

from __future__ import annotations

import pytest
from pepa_ros.diagnostics import MEASURES, Level, NodeDiagnostics, threshold_rows


def _levels(reports: list) -> dict[str, Level]:
    return {r.name: r.level for r in reports}


def test_a_flood_of_bad_messages_is_an_error_that_clears_a_minute_later() -> None:
    d = NodeDiagnostics("pepa_sys3")
    assert _levels(d.report(0.0, {"bad_messages": 0}, {}))["pepa_sys3: messages"] == Level.OK
    flood = d.report(1.0, {"bad_messages": 50}, {})
    assert _levels(flood)["pepa_sys3: messages"] == Level.ERROR
    assert "bad messages dropped in the last minute: 50 >= 30" in flood[0].message
    assert _levels(d.report(30.0, {"bad_messages": 52}, {}))["pepa_sys3: messages"] == Level.ERROR
    later = d.report(62.0, {"bad_messages": 52}, {})
    assert _levels(later)["pepa_sys3: messages"] == Level.WARN  # the 2 of t=30 remain
    assert _levels(d.report(95.0, {"bad_messages": 52}, {}))["pepa_sys3: messages"] == Level.OK


def test_loop_misses_are_judged_as_a_share_of_the_minute_s_ticks() -> None:
    d = NodeDiagnostics("pepa_sys1")
    d.report(0.0, {"loop_ticks": 0, "loop_misses": 0}, {})
    ok = d.report(10.0, {"loop_ticks": 200, "loop_misses": 2}, {})
    assert _levels(ok)["pepa_sys1: control loop"] == Level.OK
    warn = d.report(20.0, {"loop_ticks": 400, "loop_misses": 30}, {})
    assert _levels(warn)["pepa_sys1: control loop"] == Level.WARN
    err = d.report(30.0, {"loop_ticks": 500, "loop_misses": 200}, {})
    assert _levels(err)["pepa_sys1: control loop"] == Level.ERROR


def test_llm_timeouts_raise_the_llm_status() -> None:
    d = NodeDiagnostics("pepa_sys2")
    d.report(0.0, {"llm_calls": 0, "llm_fallbacks": 0, "llm_latency_s": 0.0}, {})
    fine = d.report(5.0, {"llm_calls": 4, "llm_fallbacks": 0, "llm_latency_s": 4.0}, {})
    assert _levels(fine)["pepa_sys2: llm"] == Level.OK
    slow = d.report(10.0, {"llm_calls": 8, "llm_fallbacks": 1, "llm_latency_s": 124.0}, {})
    [llm] = [r for r in slow if r.name == "pepa_sys2: llm"]
    assert llm.level == Level.WARN  # a mean of 15.5 s per call
    assert llm.message.startswith("mean LLM call latency")
    dead = d.report(20.0, {"llm_calls": 16, "llm_fallbacks": 13, "llm_latency_s": 244.0}, {})
    [llm] = [r for r in dead if r.name == "pepa_sys2: llm"]
    assert llm.level == Level.ERROR  # 13 of 16 calls fell back
    assert dict(llm.values)["llm_fallback_ratio"] == "0.8125"


def test_battery_is_bad_when_low_and_gauges_are_taken_as_they_are() -> None:
    d = NodeDiagnostics("pepa_sys1")
    levels = _levels(d.report(0.0, {}, {"battery": 0.15, "requests_waiting": 3}))
    assert levels == {"pepa_sys1: requests": Level.OK, "pepa_sys1: battery": Level.WARN}
    assert _levels(d.report(1.0, {}, {"battery": 0.05}))["pepa_sys1: battery"] == Level.ERROR


def test_an_unknown_reading_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown readings.*'temperature'"):
        NodeDiagnostics("n").report(0.0, {}, {"temperature": 30.0})


def test_every_threshold_is_documented() -> None:
    rows = "\n".join(threshold_rows())
    for m in MEASURES:
        assert f"`{m.key}`" in rows
