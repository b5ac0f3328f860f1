"""Prompt templates: files with a system and a user part, filled with checked variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from pepa.agent.llm.templates import available_templates, load_template, parse_template


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_sections_split_and_leading_comment_is_dropped(tmp_path: Path) -> None:
    write(
        tmp_path, "greet", "For people.\n# system\nYou are {role}.\n\n# user\nSay hi to {who}.\n"
    )
    template = load_template("greet", tmp_path)
    assert template.variables == {"role", "who"}
    prompt = template.render({"role": "a robot", "who": "Ada"})
    assert prompt.system == "You are a robot."
    assert prompt.messages() == [
        {"role": "system", "content": "You are a robot."},
        {"role": "user", "content": "Say hi to Ada."},
    ]


def test_json_braces_stay_and_double_braces_escape(tmp_path: Path) -> None:
    text = '# user\nExample: {"place": "kitchen"} and {{literal}} for {name}\n'
    prompt = load_template("example", Path(write(tmp_path, "example", text).parent)).render(
        {"name": "x"}
    )
    assert prompt.user == 'Example: {"place": "kitchen"} and {literal} for x'
    assert prompt.messages() == [{"role": "user", "content": prompt.user}]


def test_models_and_lists_are_inserted_as_json(tmp_path: Path) -> None:
    class Spot(BaseModel):
        name: str

    write(tmp_path, "data", "# user\n{spot}\n{items}\n{n}")
    prompt = load_template("data", tmp_path).render(
        {"spot": Spot(name="lobby"), "items": [1], "n": 3}
    )
    assert '"name": "lobby"' in prompt.user
    assert "[\n  1\n]" in prompt.user
    assert prompt.user.endswith("3")


def test_missing_variable_names_file_and_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "needs", "# system\n{a}\n# user\n{b} {c}")
    with pytest.raises(ValueError, match=r"needs\.md: missing variable\(s\) b, c"):
        load_template("needs", tmp_path).render({"a": 1})
    assert path.is_file()


def test_file_without_sections_is_rejected_with_its_path() -> None:
    with pytest.raises(ValueError, match=r"bad\.md: no '# system' or '# user' section"):
        parse_template("bad", Path("bad.md"), "just text\n")


def test_duplicate_section_is_rejected() -> None:
    with pytest.raises(ValueError, match="section '# user' appears twice"):
        parse_template("dup", Path("dup.md"), "# user\na\n# user\nb\n")


def test_unknown_template_and_bad_name_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"prompt template 'nothing' not found"):
        load_template("nothing", tmp_path)
    with pytest.raises(ValueError, match="lower-case letters"):
        load_template("../etc/passwd", tmp_path)


def test_every_shipped_template_parses() -> None:
    names = available_templates()
    assert {"llm_repair", "llm_json_schema_hint", "llm_check_rules"} <= set(names)
    for name in names:
        template = load_template(name)
        assert template.system or template.user, name
