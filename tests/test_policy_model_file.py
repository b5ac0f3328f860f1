"""Model files: saved with a card, and refused with a clear error when missing, corrupt or made
for another world or input size — in which case the robot runs without the fast path."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from policy_support import TINY, office, tiny_model  # noqa: E402

from pepa.agent.pipeline.fast_path import FastPath  # noqa: E402
from pepa.agent.policy.features import FeatureSpec  # noqa: E402
from pepa.agent.policy.model import OnboardModel  # noqa: E402
from pepa.agent.policy.store import CARD_FILE, WEIGHTS_FILE, ModelCard, ModelFileError, load, save  # noqa: E402
from pepa.agent.policy.vocab import PolicyVocab  # noqa: E402
from pepa.knowledge import WorldKnowledge  # noqa: E402


def _saved(tmp_path: Path) -> Path:
    _, _, _, spec = office()
    save(tiny_model(), spec, ModelCard(held_out={"call_accuracy": 0.5}), tmp_path)
    return tmp_path


def test_a_saved_model_loads_with_its_card(tmp_path: Path) -> None:
    _, knowledge, vocab, _ = office()
    d = _saved(tmp_path)
    card = json.loads((d / CARD_FILE).read_text())
    assert card["size"]["file_bytes"] < 20 * 1024 * 1024 and card["size"]["parameters"] > 0
    model, spec, loaded = load(d, knowledge, (160, 120))
    assert model.vocab.tokens == vocab.tokens and (spec.width, spec.height) == (160, 120)
    assert loaded is not None and loaded.held_out["call_accuracy"] == 0.5
    ref = tiny_model()
    for (k, a), b in zip(model.state_dict().items(), ref.state_dict().values(), strict=True):
        assert torch.equal(a, b), k


def test_missing_model_file_is_named(tmp_path: Path) -> None:
    _, knowledge, _, _ = office()
    with pytest.raises(ModelFileError, match=r"policy\.pt: model file not found"):
        load(tmp_path, knowledge)


def test_corrupt_model_file_is_refused(tmp_path: Path) -> None:
    _, knowledge, _, _ = office()
    (tmp_path / WEIGHTS_FILE).write_bytes(b"\x00garbage, not a model" * 10)
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load(tmp_path, knowledge)
    torch.save({"format": "something-else"}, tmp_path / WEIGHTS_FILE)
    with pytest.raises(ModelFileError, match="format is 'something-else'"):
        load(tmp_path, knowledge)


def test_model_for_another_skill_vocabulary_is_refused(tmp_path: Path) -> None:
    _, knowledge, _, _ = office()
    other = WorldKnowledge.model_validate(
        {**knowledge.model_dump(), "people": [*knowledge.people, "zed_the_visitor"]}
    )
    vocab = PolicyVocab.build(other)
    spec = FeatureSpec(other, vocab)
    save(OnboardModel(TINY, spec.state_size, vocab), spec, ModelCard(), tmp_path)
    with pytest.raises(ModelFileError, match=r"vocabulary does not match.*zed_the_visitor"):
        load(tmp_path, knowledge)


def test_model_for_another_input_size_is_refused(tmp_path: Path) -> None:
    _, knowledge, _, _ = office()
    d = _saved(tmp_path)
    with pytest.raises(ModelFileError, match="input size is 160x120, this robot feeds 320x240"):
        load(d, knowledge, (320, 240))


def test_weights_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    _, knowledge, _, _ = office()
    d = _saved(tmp_path)
    blob = torch.load(d / WEIGHTS_FILE, weights_only=True)
    blob["state_dict"].pop(next(iter(blob["state_dict"])))
    torch.save(blob, d / WEIGHTS_FILE)
    with pytest.raises(ModelFileError, match="weights do not fit"):
        load(d, knowledge)


def test_robot_runs_without_the_fast_path_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    building, knowledge, _, _ = office()
    (tmp_path / WEIGHTS_FILE).write_text("not weights")
    with caplog.at_level(logging.WARNING, logger="pepa.agent.pipeline.fast_path"):
        assert FastPath.load_or_none(tmp_path, knowledge, building) is None
        assert FastPath.load_or_none(tmp_path / "absent", knowledge, building) is None
    text = caplog.text
    assert "not a readable model file" in text and "model file not found" in text
    assert text.count("running without the fast path") == 2
    good = FastPath.load_or_none(_saved(tmp_path / "good"), knowledge, building)
    assert isinstance(good, FastPath)
