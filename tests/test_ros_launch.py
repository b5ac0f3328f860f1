"""Launch files, read as code (``ros2 launch`` is not installed here): everything they name
exists — executables in setup.py, parameters in the nodes' declarations, arguments declared."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from pepa_ros import launch_arguments
from pepa_ros.topics import NODES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "ros_ws" / "src" / "pepa_ros"
LAUNCH_DIR = PACKAGE_DIR / "launch"
SETUP = PACKAGE_DIR / "setup.py"
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


def _strings(elts: list[ast.expr], tuples: dict[str, tuple[str, ...]]) -> list[str]:
    """Literal names, with ``*NAME`` expanded from the file's tuples or launch_arguments."""
    out: list[str] = []
    for elt in elts:
        if isinstance(elt, ast.Starred):
            assert isinstance(elt.value, ast.Name), ast.dump(elt)
            name = elt.value.id
            out += list(tuples[name] if name in tuples else getattr(launch_arguments, name))
        else:
            assert isinstance(elt, ast.Constant) and isinstance(elt.value, str), ast.dump(elt)
            out.append(elt.value)
    return out


def declared_arguments(tree: ast.Module) -> set[str]:
    tuples: dict[str, tuple[str, ...]] = {}
    for stmt in tree.body:  # module-level tuples of names, e.g. PASSED = (*AGENT_ARGUMENTS, ...)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Tuple):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    tuples[target.id] = tuple(_strings(stmt.value.elts, tuples))
    declared: set[str] = set()
    for call in _calls(tree, "declare"):
        names = _strings(call.args, tuples)
        assert {k.arg for k in call.keywords} <= set(names), ast.dump(call)
        declared |= set(names)
    return declared


def passed_arguments(include: ast.Call, tree: ast.Module) -> set[str]:
    """The names an include hands on: literal keys of its ``launch_arguments`` dict and the
    names a comprehension there runs over (a module-level tuple such as ``PASSED``)."""
    tuples: dict[str, tuple[str, ...]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Tuple):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    tuples[target.id] = tuple(_strings(stmt.value.elts, tuples))
    given = _keyword(include, "launch_arguments")
    assert given is not None, ast.dump(include)
    out: set[str] = set()
    for n in ast.walk(given):
        if isinstance(n, ast.Dict):
            out |= {k.value for k in n.keys if isinstance(k, ast.Constant)}
        elif isinstance(n, ast.comprehension) and isinstance(n.iter, ast.Name):
            out |= set(tuples[n.iter.id])
    return out


NODE_PARAMETERS = {n.executable: {p.name for p in n.parameters} for n in NODES}
AGENT = set(launch_arguments.AGENT_ARGUMENTS) | {"use_sim_time"}


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


def test_every_launch_argument_of_a_node_parameter_matches_its_specification() -> None:
    for name, arg in launch_arguments.ARGUMENTS.items():
        specs = [p for n in NODES for p in n.parameters if p.name == name]
        for spec in specs:
            assert launch_arguments.from_spec(spec) == arg, name
    assert all(launch_arguments.ARGUMENTS[n] for n in launch_arguments.AGENT_ARGUMENTS)


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_names_only_what_exists(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "generate_launch_description" in funcs
    declared = declared_arguments(tree)
    assert declared <= set(launch_arguments.ARGUMENTS), declared - set(launch_arguments.ARGUMENTS)
    for arg in ("personality", "data_dir", "sys2_llm_backend", "sys3_llm_backend", "use_sim_time"):
        assert arg in declared, f"{path.name}: no argument {arg}"

    used = {  # literal names; gazebo's comprehension over PASSED is checked with the include
        c.args[0].value
        for c in _calls(tree, "LaunchConfiguration") + _calls(tree, "argument")
        if isinstance(c.args[0], ast.Constant)
    }
    assert used <= declared, f"{path.name}: undeclared {used - declared}"

    scripts = console_scripts()
    for call in _calls(tree, "node"):
        exe = _first_str(call)
        assert exe in scripts, f"{path.name}: no console script {exe}"
        known = NODE_PARAMETERS[exe] | BUILTIN_PARAMETERS
        agent = _keyword(call, "agent")
        given = {k.arg for k in call.keywords} - {"agent", "condition"}
        if not (isinstance(agent, ast.Constant) and agent.value is False):
            given |= AGENT
            assert declared >= AGENT, f"{path.name}: {exe} needs {AGENT - declared}"
        assert given <= known, f"{path.name}: {exe} has no parameters {given - known}"

    for call in _calls(tree, "IncludeLaunchDescription"):
        names = [
            n.value
            for n in ast.walk(call)
            if isinstance(n, ast.Constant) and str(n.value).endswith(".launch.py")
        ]
        assert len(names) == 1, f"{path.name}: include must name one launch file"
        included = declared_arguments(ast.parse((LAUNCH_DIR / names[0]).read_text()))
        passed = passed_arguments(call, tree)
        assert passed, f"{path.name}: passes no argument to {names[0]}"
        assert passed <= included, f"{path.name}: {passed - included}"
