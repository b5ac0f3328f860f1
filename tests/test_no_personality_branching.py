"""Personalities differ only through their files: no module outside ``personalities/`` may
branch on a personality's name (compare with it, test membership in a set of names, or match
on it). Defaults that *name* a personality (a command's ``--personality working``) are data,
not branches, and are allowed."""

from __future__ import annotations

import ast
from pathlib import Path

from pepa.personalities import loader

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pepa", "agent", "memory", "sim", "building", "ros_ws/src", "bench")
#: (file, word): string tests that coincide with a personality's name but are not about one
NOT_A_NAME: set[tuple[str, str]] = {
    # a reviewer's note calling the robot lazy is feedback on any personality's behaviour
    ("agent/sys3/reflection.py", "lazy"),
}


def _names() -> set[str]:
    return {loader.load(n).name.lower() for n in loader.available()}


def _literals(node: ast.AST) -> list[str]:
    return [
        n.value.strip().lower()
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def branches_on_names(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every comparison or match pattern that tests a personality's name."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        tested: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            tested = [node.left, *node.comparators]
        elif isinstance(node, ast.match_case):
            tested = [node.pattern]
        for part in tested:
            hits += [(node_line(node), w) for w in _literals(part) if w in names]
    return hits


def node_line(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno
    return getattr(node, "lineno", 0)


def test_the_detector_sees_comparisons_membership_and_match() -> None:
    names = {"lazy", "curious"}
    code = (
        "if p.name == 'Lazy': pass\n"
        "x = 1 if name.lower() in ('curious', 'x') else 2\n"
        "match p.name:\n    case 'Curious': pass\n"
        "default = 'lazy'\n"  # a default value is not a branch
    )
    assert sorted(branches_on_names(code, names)) == [(1, "lazy"), (2, "curious"), (4, "curious")]


def test_no_module_outside_personalities_branches_on_a_personality_name() -> None:
    names = _names()
    assert {"lazy", "playful", "cautious", "working", "curious"} <= names
    found = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for line, word in branches_on_names(path.read_text(encoding="utf-8"), names):
                if (rel, word) not in NOT_A_NAME:
                    found.append(f"{rel}:{line} tests the name {word!r}")
    assert not found, "personalities must differ only through their files:\n" + "\n".join(found)
