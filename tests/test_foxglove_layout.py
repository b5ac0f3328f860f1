"""The Foxglove layout shipped for recordings: it names only real topics, every panel it lays
out is configured, and ``pepa replay --summary`` points at it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mcap_ros2.writer import Writer
from pepa_ros import topics
from pepa_ros.cli import main
from pepa_ros.replay import FOXGLOVE_LAYOUT, summarise
from pepa_ros.topics import TopicSpec


def _panels(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    assert isinstance(node, dict), node
    return _panels(node["first"]) + _panels(node["second"])


def _topics_named(config: dict[str, object]) -> set[str]:
    text = json.dumps(config)
    return {m.group(1) for m in re.finditer(r'"(/[a-z_/]+)(?:\.[a-z_.]+)?"', text)}


def test_the_layout_lays_out_every_configured_panel_and_nothing_else() -> None:
    layout = json.loads(FOXGLOVE_LAYOUT.read_text(encoding="utf-8"))
    placed = _panels(layout["layout"])
    assert sorted(placed) == sorted(layout["configById"])
    kinds = {p.split("!")[0] for p in placed}
    assert {"Image", "Plot", "RawMessages"} <= kinds


def test_the_layout_names_only_topics_the_robot_publishes() -> None:
    layout = json.loads(FOXGLOVE_LAYOUT.read_text(encoding="utf-8"))
    known = {v.name for v in vars(topics).values() if isinstance(v, TopicSpec)}
    named = _topics_named(layout["configById"])
    assert named, "the layout shows no topic"
    assert named <= known, f"unknown topics in the layout: {sorted(named - known)}"
    for wanted in ("IMAGE", "ODOM", "BATTERY", "DECISIONS", "REQUEST_UPDATES"):
        assert getattr(topics, wanted).name in named


def test_the_replay_summary_names_the_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.mcap"
    with path.open("wb") as stream:
        writer = Writer(stream)
        schema = writer.register_msgdef("std_msgs/msg/String", "string data")
        for i in range(3):
            writer.write_message("/pepa/status", schema, {"data": "{}"}, log_time=i * 10**9)
        writer.finish()
    assert summarise(path).foxglove_layout == str(FOXGLOVE_LAYOUT)
    assert main(["replay", str(path), "--summary"]) == 0
    out = capsys.readouterr().out
    assert (
        "/pepa/status" in out
        and f"Foxglove layout (Layouts > Import from file): {FOXGLOVE_LAYOUT}" in out
    )
    assert main(["replay", str(path), "--summary", "--print"]) == 2
