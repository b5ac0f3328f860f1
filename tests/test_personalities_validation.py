"""Personality files: the five prototypes load, and every kind of bad file is named."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pepa.agent import personalities_cli as cli
from pepa.messages import RequestPriority
from pepa.personalities.loader import (
    BUILTIN_DIR,
    PROTOTYPES,
    PersonalityError,
    load,
    load_all,
    load_file,
)
from pepa.personalities.model import TRAITS
from pepa.reward_features import FEATURES


def _base() -> dict[str, Any]:
    return yaml.safe_load((BUILTIN_DIR / "working.yaml").read_text())


def write(directory: Path, data: dict[str, Any], name: str = "working") -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_five_prototypes_load_with_all_traits_and_features() -> None:
    loaded = load_all()
    assert [p.name for p in loaded][:5] == list(PROTOTYPES)
    for p in loaded:
        assert set(p.big_five.model_dump()) == set(TRAITS)
        assert set(p.weights()) == set(FEATURES)
        for f in FEATURES:
            lo, hi = p.bounds()[f]
            assert lo <= p.weights()[f] <= hi


def test_prototypes_differ_the_way_their_names_say() -> None:
    p = {x.name: x for x in load_all()}
    assert max(p.values(), key=lambda x: x.weights()["novelty"]).name == "Curious"
    assert max(p.values(), key=lambda x: x.weights()["task"]).name == "Working"
    assert max(p.values(), key=lambda x: x.weights()["energy"]).name == "Lazy"
    assert max(p.values(), key=lambda x: x.weights()["safety"]).name == "Cautious"
    assert max(p.values(), key=lambda x: x.weights()["play"]).name == "Playful"
    assert max(p.values(), key=lambda x: x.big_five.openness).name == "Curious"
    assert max(p.values(), key=lambda x: x.big_five.neuroticism).name == "Cautious"


def test_unknown_field_is_named_with_the_file(tmp_path: Path) -> None:
    data = _base()
    data["reward"]["novelty"]["wieght"] = 0.1
    path = write(tmp_path, data)
    with pytest.raises(PersonalityError) as err:
        load_file(path)
    assert str(path) in str(err.value)
    assert "reward.novelty.wieght: unknown field" in str(err.value)


def test_missing_trait_is_named(tmp_path: Path) -> None:
    data = _base()
    del data["big_five"]["neuroticism"]
    with pytest.raises(PersonalityError, match=r"big_five\.neuroticism: missing trait"):
        load_file(write(tmp_path, data))


def test_weight_outside_the_unit_range_is_named(tmp_path: Path) -> None:
    data = _base()
    data["reward"]["task"] = {"weight": 1.4, "min": 0.5, "max": 1.0}
    with pytest.raises(PersonalityError, match=r"reward\.task: .*weight 1\.4 is outside"):
        load_file(write(tmp_path, data))


def test_bound_that_excludes_its_weight_is_named(tmp_path: Path) -> None:
    data = _base()
    data["reward"]["social"] = {"weight": 0.2, "min": 0.3, "max": 0.5}
    with pytest.raises(PersonalityError, match=r"reward\.social: .*min 0\.3 excludes the weight"):
        load_file(write(tmp_path, data))
    data["reward"]["social"] = {"weight": 0.6, "min": 0.3, "max": 0.5}
    with pytest.raises(PersonalityError, match=r"reward\.social: .*max 0\.5 excludes the weight"):
        load_file(write(tmp_path, data))


def test_inverted_bounds_and_unknown_skill_and_bad_trait_are_named(tmp_path: Path) -> None:
    data = _base()
    data["reward"]["play"] = {"weight": 0.05, "min": 0.1, "max": 0.0}
    data["preferred_skills"] = ["teleport"]
    data["big_five"]["openness"] = 1.5
    with pytest.raises(PersonalityError) as err:
        load_file(write(tmp_path, data))
    text = str(err.value)
    assert "reward.play: bounds are inverted" in text
    assert "preferred_skills: unknown skill(s) 'teleport'" in text
    assert "big_five.openness: trait openness 1.5 is outside" in text


def test_file_name_must_match_the_personality_name(tmp_path: Path) -> None:
    with pytest.raises(PersonalityError, match="does not match the file name"):
        load_file(write(tmp_path, _base(), name="hardworking"))


def test_not_yaml_and_unknown_name_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(PersonalityError, match="not valid YAML"):
        load_file(bad)
    with pytest.raises(PersonalityError, match="unknown personality 'Grumpy'; known: "):
        load("Grumpy")


def test_users_add_a_personality_in_the_data_dir(tmp_path: Path) -> None:
    data = _base()
    data["name"] = "Diligent"
    data["reward"]["task"] = {"weight": 0.7, "min": 0.6, "max": 0.8}
    (tmp_path / "personalities").mkdir()
    write(tmp_path / "personalities", data, name="diligent")
    assert load("diligent", tmp_path).weights()["task"] == 0.7
    assert [p.name for p in load_all(tmp_path)][-1] == "Diligent"
    assert load(str(tmp_path / "personalities" / "diligent.yaml")).name == "Diligent"


def test_request_policies_accept_defer_and_decline_as_the_personality_would() -> None:
    lazy, working, cautious = load("Lazy"), load("Working"), load("Cautious")
    normal, urgent = RequestPriority.NORMAL, RequestPriority.URGENT
    assert lazy.requests.verdict(normal, 0, 0.9, busy=False)[0] == "defer"
    assert lazy.requests.verdict(urgent, 0, 0.9, busy=False)[0] == "accept"
    assert lazy.requests.verdict(normal, 3, 0.9, busy=False)[0] == "decline"
    assert working.requests.verdict(RequestPriority.LOW, 5, 0.3, busy=True)[0] == "accept"
    assert cautious.requests.verdict(normal, 0, 0.4, busy=False)[0] == "defer"
    assert cautious.requests.verdict(normal, 0, 0.8, busy=False)[0] == "accept"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pepa")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_lists_as_json_and_shows_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(["personalities", "--data-dir", str(tmp_path), "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(PROTOTYPES)
    assert rows[4]["big_five"]["openness"] == 0.95
    assert run(["personalities", "show", "cautious"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["name"] == "Cautious" and shown["requests"]["policy"] == "accept_if_safe"
