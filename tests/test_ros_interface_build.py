"""The interface build's correction of the wheels' exported include paths: right, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from pepa_ros import interface_build

WHEEL_EXPORT = """\
set_target_properties(std_msgs::std_msgs__rosidl_generator_py PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "/opt/python/cp311-cp311/include/python3.11;/opt/np/include"
)
"""


def test_the_wheels_python_includes_are_pointed_at_this_interpreter_once(tmp_path: Path) -> None:
    export = tmp_path / "share/std_msgs/cmake/export_std_msgs__rosidl_generator_pyExport.cmake"
    export.parent.mkdir(parents=True)
    export.write_text(WHEEL_EXPORT)
    assert interface_build.fix_wheel_exports(tmp_path) == [export]
    text = export.read_text()
    for include in interface_build.include_dirs():
        assert str(include) in text
        assert include.exists()
    assert "/opt/python/cp311" not in text
    assert interface_build.fix_wheel_exports(tmp_path) == []  # already right: nothing to do
    assert export.read_text() == text


def test_a_directory_that_is_no_package_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(interface_build.InterfaceBuildError, match=r"no CMakeLists\.txt"):
        interface_build.build(tmp_path / "nothing", tmp_path, tmp_path / "build")
