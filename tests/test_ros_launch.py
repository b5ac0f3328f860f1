"""Launch files, read as code (``ros2 launch`` is not installed here): everything they name
exists — executables in setup.py, parameters in the nodes' declarations, arguments declared."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from pepa_ros.topics import NODES

ROOT = Path(__file__).resolve().parents[1]
LAUNCH_DIR = ROOT / "launch"
SETUP = ROOT / "ros_ws" / "src" / "pepa_ros" / "setup.py"
LAUNCH_FILES = sorted(LAUNCH_DIR.glob("*.launch.py"))
BUILTIN_PARAMETERS = {"use_sim_time"}  # every rclpy node declares it


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _call_name(n) == name]


def _first_str(call: ast.Call) -> str:
    arg = call.args[0]
    assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), ast.dump(call)
    return arg.value


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def console_scripts() -> dict[str, str]:
    tree = ast.parse(SETUP.read_text())
    for call in _calls(tree, "setup"):
        eps = ast.literal_eval(_keyword(call, "entry_points"))
        return {
            name.strip(): target.strip()
            for name, target in (line.split("=") for line in eps["console_scripts"])
        }
    raise AssertionError("setup.py has no setup() call")


def declared_arguments(tree: ast.AST) -> set[str]:
    return {_first_str(c) for c in _calls(tree, "DeclareLaunchArgument")}


NODE_PARAMETERS = {n.executable: {p.name for p in n.parameters} for n in NODES}


def test_there_are_the_three_launch_files() -> None:
    assert {p.name for p in LAUNCH_FILES} == {
        "sim.launch.py",
        "gazebo.launch.py",
        "robot.launch.py",
    }


def test_console_scripts_point_at_real_functions() -> None:
    for name, target in console_scripts().items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_names_only_what_exists(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "generate_launch_description" in funcs
    declared = declared_arguments(tree)
    for arg in ("personality", "data_dir", "sys2_llm_backend", "sys3_llm_backend", "use_sim_time"):
        assert arg in declared, f"{path.name}: no argument {arg}"

    used = {_first_str(c) for c in _calls(tree, "LaunchConfiguration")}
    assert used <= declared, f"{path.name}: undeclared {used - declared}"

    scripts = console_scripts()
    for call in _calls(tree, "Node"):
        package = _keyword(call, "package")
        assert isinstance(package, ast.Constant) and package.value == "pepa_ros"
        exe = _keyword(call, "executable")
        assert isinstance(exe, ast.Constant), f"{path.name}: executable must be a literal"
        assert exe.value in scripts, f"{path.name}: no console script {exe.value}"
        known = NODE_PARAMETERS[exe.value] | BUILTIN_PARAMETERS
        params = _keyword(call, "parameters")
        for item in params.elts if isinstance(params, ast.List) else []:
            assert isinstance(item, ast.Dict)
            for key in item.keys:
                assert isinstance(key, ast.Constant)
                assert key.value in known, f"{path.name}: {exe.value} has no parameter {key.value}"

    for call in _calls(tree, "IncludeLaunchDescription"):
        names = [
            n.value
            for n in ast.walk(call)
            if isinstance(n, ast.Constant) and str(n.value).endswith(".launch.py")
        ]
        assert len(names) == 1, f"{path.name}: include must name one launch file"
        included = ast.parse((LAUNCH_DIR / names[0]).read_text())
        passed = _keyword(call, "launch_arguments")
        mapping = passed.func.value if isinstance(passed, ast.Call) else passed
        assert isinstance(mapping, ast.Dict)
        keys = {k.value for k in mapping.keys if isinstance(k, ast.Constant)}
        assert keys <= declared_arguments(included), f"{path.name}: {keys}"
