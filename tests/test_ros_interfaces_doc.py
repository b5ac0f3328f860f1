"""docs/interfaces.md is generated from the code and committed up to date."""

from __future__ import annotations

from pathlib import Path

from pepa_ros.interfaces_doc import render
from pepa_ros.topics import COGNITIVE_TOPICS, NODES

from pepa.messages import MESSAGE_TYPES

DOC = Path(__file__).resolve().parents[1] / "docs" / "interfaces.md"


def test_committed_interfaces_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/interfaces.md is stale: run "
        "`python -m pepa_ros.interfaces_doc --output docs/interfaces.md`"
    )


def test_doc_lists_every_topic_parameter_and_schema() -> None:
    text = render()
    for node in NODES:
        for topic in (*node.publishes, *node.subscribes):
            assert f"`{topic.name}`" in text
        for param in node.parameters:
            assert f"`{param.name}`" in text
    for topic in COGNITIVE_TOPICS:
        assert f"`{topic.name}`" in text
    for name in MESSAGE_TYPES:
        assert f"### {name}\n" in text
