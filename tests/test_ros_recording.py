"""Recording: every topic of a run is in the MCAP file and decodes from its own schemas."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
from pepa_ros.msgdef import MessageTypeError, full_definition, get_message, split_type
from pepa_ros.replay import RecordingError, format_summary, iter_messages, summarise
from ros_support import Children, output_of, wait_for

EXPECTED = {
    "/odom": "nav_msgs/msg/Odometry",
    "/clock": "rosgraph_msgs/msg/Clock",
    "/battery_state": "sensor_msgs/msg/BatteryState",
    "/pepa/elevator/state": "std_msgs/msg/String",
    "/rosout": "rcl_interfaces/msg/Log",
}


@pytest.mark.ros
def test_recording_read_back_has_every_topic(children: Children, tmp_path: Path) -> None:
    out = tmp_path / "run.mcap"
    sim = children.runner(
        "sim", ros_args=("-p", "speed:=5.0", "-p", "camera_rate_hz:=2.0"), name="sim"
    )
    rec = children.runner(
        "recorder", ros_args=("-p", f"output:={out}", "-p", "personality:=Lazy"), name="rec"
    )
    assert wait_for(lambda: out.exists() and out.stat().st_size > 0, 30), output_of(rec)
    assert wait_for(lambda: "recording to" in output_of(rec), 10)
    # Every topic has started arriving (the camera's first frame can take a while on a
    # loaded machine), then a few seconds more of the run.
    for topic in (*EXPECTED, "/camera/image_raw", "/camera/camera_info"):
        assert wait_for(lambda t=topic: f"first message on {t}" in output_of(rec), 60), (
            topic,
            output_of(rec),
        )
    time.sleep(2.0)
    children.stop_all()
    assert rec.returncode == 0, output_of(rec)
    assert sim.returncode == 0, output_of(sim)

    summary = summarise(out)
    assert summary.profile == "ros2"
    types = {t.topic: t.type for t in summary.topics if t.count > 0}
    for topic, type_name in EXPECTED.items():
        assert types.get(topic) == type_name, format_summary(summary)
    assert types["/camera/image_raw"] == "sensor_msgs/msg/Image"
    assert types["/camera/camera_info"] == "sensor_msgs/msg/CameraInfo"

    # The file decodes with only its own schemas (as Foxglove would read it).
    seen: set[str] = set()
    for topic, _type, _stamp, decoded in iter_messages(out):
        seen.add(topic)
        if topic == "/pepa/elevator/state":
            assert json.loads(decoded.data)["schema_version"] == 1
        if topic == "/odom":
            assert decoded.header.frame_id == "odom" and decoded.child_frame_id == "base_link"
    assert set(EXPECTED) <= seen

    with out.open("rb") as stream:
        meta = {m.name: m.metadata for m in make_reader(stream).iter_metadata()}
    assert meta["pepa.run"]["personality"] == "Lazy"


@pytest.mark.parametrize(
    "type_name",
    [
        "nav_msgs/msg/Odometry",
        "sensor_msgs/msg/Image",
        "sensor_msgs/msg/CameraInfo",
        "sensor_msgs/msg/BatteryState",
        "geometry_msgs/msg/Twist",
        "rosgraph_msgs/msg/Clock",
        "rcl_interfaces/msg/ParameterEvent",
    ],
)
def test_message_definitions_encode_what_rclpy_serialises(type_name: str) -> None:
    """A definition is right when it decodes rclpy's own CDR bytes field for field."""
    from rclpy.serialization import serialize_message

    cls = get_message(type_name)
    msg = cls()
    if hasattr(msg, "header"):
        msg.header.frame_id = "base_link"
        msg.header.stamp.sec = 12
    schema = type(
        "Schema",
        (),
        {
            "name": type_name,
            "encoding": "ros2msg",
            "data": full_definition(type_name).encode(),
            "id": 1,
        },
    )()
    decoder = DecoderFactory().decoder_for("cdr", schema)
    assert decoder is not None
    decoded = decoder(serialize_message(msg))
    for field in cls.get_fields_and_field_types():
        assert hasattr(decoded, field), field
    if hasattr(msg, "header"):
        assert decoded.header.frame_id == "base_link" and decoded.header.stamp.sec == 12


def test_unknown_types_are_named() -> None:
    with pytest.raises(MessageTypeError, match="no_such_pkg"):
        get_message("no_such_pkg/msg/Thing")
    with pytest.raises(MessageTypeError, match="not a message type name"):
        split_type("Odometry")


def test_a_file_that_is_not_mcap_is_refused_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "x.mcap"
    bad.write_bytes(b"not an mcap file at all")
    with pytest.raises(RecordingError, match=r"x\.mcap"):
        summarise(bad)
    with pytest.raises(RecordingError, match="no such file"):
        summarise(tmp_path / "missing.mcap")
