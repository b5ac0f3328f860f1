"""Parameters: bad values are refused with a reason at start and at run time."""

from __future__ import annotations

import pytest
from pepa_ros import params
from pepa_ros.params import ParameterError
from pepa_ros.recorder import RecorderNode
from pepa_ros.sim_node import SimNode
from rclpy.parameter import Parameter


@pytest.fixture(scope="module")
def building():
    from pepa.building.layout import load_building

    return load_building()


def test_sim_node_refuses_out_of_range_speed_at_start(ros_context, building) -> None:
    with pytest.raises(ParameterError, match=r"speed"):
        SimNode(
            building=building,
            context=ros_context,
            parameter_overrides=[Parameter("speed", value=-2.0)],
        )


def test_sim_node_refuses_bad_frame_id_at_start_naming_the_reason(ros_context, building) -> None:
    with pytest.raises(ParameterError, match=r"odom_frame='9 bad': '9 bad' is not a valid frame"):
        SimNode(
            building=building,
            context=ros_context,
            parameter_overrides=[Parameter("odom_frame", value="9 bad")],
        )


def test_run_time_change_is_validated_and_applied(ros_context, building) -> None:
    node = SimNode(building=building, context=ros_context)
    try:
        bad = node.set_parameters([Parameter("speed", value=5000.0)])[0]
        assert not bad.successful
        assert "speed" in bad.reason
        assert node.get_parameter("speed").value == 1.0

        read_only = node.set_parameters([Parameter("seed", value=7)])[0]
        assert not read_only.successful
        assert "read-only" in read_only.reason.lower() or "read only" in read_only.reason.lower()

        wrong_type = node.set_parameters([Parameter("speed", value="fast")])[0]
        assert not wrong_type.successful

        good = node.set_parameters([Parameter("speed", value=4.0)])[0]
        assert good.successful
        assert node._speed == 4.0
    finally:
        node.destroy_node()


def test_unknown_personality_is_refused_with_the_known_ones(ros_context, tmp_path) -> None:
    with pytest.raises(ParameterError, match=r"personality='Grumpy'.*unknown personality"):
        RecorderNode(
            context=ros_context,
            parameter_overrides=[
                Parameter("personality", value="Grumpy"),
                Parameter("output", value=str(tmp_path / "x.mcap")),
            ],
        )


def test_openai_backend_without_model_is_refused(ros_context, tmp_path) -> None:
    with pytest.raises(ParameterError, match=r"sys3_llm_backend.*needs a model"):
        RecorderNode(
            context=ros_context,
            parameter_overrides=[
                Parameter("sys3_llm_backend", value="openai"),
                Parameter("output", value=str(tmp_path / "x.mcap")),
            ],
        )


def test_recording_path_must_be_mcap(ros_context, tmp_path) -> None:
    with pytest.raises(ParameterError, match=r"does not end in \.mcap"):
        RecorderNode(
            context=ros_context,
            parameter_overrides=[Parameter("output", value=str(tmp_path / "x.bag"))],
        )


def test_descriptors_carry_description_and_range() -> None:
    speed = next(p for p in params.SIM_PARAMETERS if p.name == "speed")
    desc = speed.descriptor()
    assert desc.description
    assert desc.floating_point_range[0].from_value == 0.01
    seed = next(p for p in params.SIM_PARAMETERS if p.name == "seed")
    assert seed.descriptor().integer_range[0].to_value == 2**31 - 1
    assert seed.descriptor().read_only


def test_data_dir_that_is_a_file_is_refused(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    found = params.problems(params.AGENT_PARAMETERS, {"data_dir": str(blocker / "sub")})
    assert "is not a directory" in found["data_dir"]
