"""The onboard policy: vocabulary and constrained decoding, distillation on a tiny data set."""

from __future__ import annotations

import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from policy_support import TINY, examples, office, tiny_model  # noqa: E402

from pepa.agent.policy.train import (  # noqa: E402
    TrainConfig,
    build_model,
    evaluate,
    majority_call,
    tensors,
    train,
)
from pepa.agent.policy.training_run import split_days  # noqa: E402
from pepa.agent.policy.vocab import PolicyVocab, VocabError  # noqa: E402
from pepa.knowledge import SKILLS  # noqa: E402
from pepa.messages import SkillCall  # noqa: E402


def test_vocabulary_round_trips_calls_over_the_known_world() -> None:
    _, knowledge, vocab, _ = office()
    person, place = knowledge.people[0], sorted(knowledge.places)[0]
    calls = [
        SkillCall(skill="navigate", args={"place": place}),
        SkillCall(skill="greet", args={"person": person}),
        SkillCall(skill="explore", args={"floor": knowledge.floors[-1]}),
        SkillCall(skill="explore"),
        SkillCall(skill="rest", args={"duration_s": 600.0}),
        SkillCall(skill="dock_and_charge"),
        SkillCall(skill="speak", args={"text": "hello", "person": person}),
    ]
    for call in calls:
        back = vocab.decode(vocab.encode(call), texts=("hello",))
        assert back == call, (call, back)
    with pytest.raises(VocabError, match="'moonwalk'"):
        vocab.encode(SkillCall(skill="moonwalk"))
    with pytest.raises(VocabError, match="place 'atlantis'"):
        vocab.encode(SkillCall(skill="navigate", args={"place": "atlantis"}))
    assert set(SKILLS) == {vocab.tokens[i].split(":", 1)[1] for i in vocab.skill_ids}


def test_constrained_decoding_only_writes_valid_calls() -> None:
    _, knowledge, vocab, _ = office()
    model = tiny_model(seed=3)
    ex = examples()[:16]
    data = tensors(ex, vocab)
    for seq in model.decide(data.frames, data.state, data.candidates):
        call = vocab.decode(seq, texts=("a text",))
        assert not knowledge.problems(call), call


def test_policy_trains_on_a_tiny_data_set_and_beats_chance() -> None:
    _, _, vocab, spec = office()
    train_ex, held_ex = split_days(list(examples()))
    assert train_ex and held_ex and {e.day for e in held_ex} == {1}
    model = build_model(spec.state_size, vocab, TINY, seed=0)
    train_t = tensors(train_ex, vocab)
    before = evaluate(model, train_t, majority_call(train_ex))
    info = train(model, train_t, TrainConfig(epochs=40, batch_size=16, lr=5e-3, threads=1))
    fit = evaluate(model, train_t, majority_call(train_ex))
    held = evaluate(model, tensors(held_ex, vocab), majority_call(train_ex))
    assert info["epochs"] == 40 and info["final_loss"] < 1.5
    assert fit.call_accuracy > max(before.call_accuracy, fit.majority_accuracy)
    assert held.skill_accuracy > held.chance_accuracy


def test_importing_the_cli_module_does_not_import_torch() -> None:
    code = "import sys, agent.policy.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_vocabulary_refuses_duplicates_and_missing_specials() -> None:
    with pytest.raises(VocabError, match="duplicate"):
        PolicyVocab(["<pad>", "<pad>"])
    with pytest.raises(VocabError, match="special tokens missing"):
        PolicyVocab(["<pad>", "skill:rest"])
