"""Shared pieces of the fast path's tests: the office's knowledge, a tiny untrained model, and
a few office situations labelled by Sys2 (made once per test session)."""

from __future__ import annotations

from functools import lru_cache

from pepa.agent.pipeline.source import Scene, office_scenes
from pepa.agent.policy.features import FeatureSpec
from pepa.agent.policy.model import ModelConfig, OnboardModel
from pepa.agent.policy.teacher import Example, TeacherConfig, building_of, generate
from pepa.agent.policy.vocab import PolicyVocab
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.building.layout import Building
from pepa.knowledge import WorldKnowledge

TINY = ModelConfig(d_model=16, heads=2, layers=1, ff=32, channels=(4, 8, 8, 8), dropout=0.0)


@lru_cache(maxsize=1)
def office() -> tuple[Building, WorldKnowledge, PolicyVocab, FeatureSpec]:
    building = building_of(None)
    knowledge = knowledge_from_building(building)
    vocab = PolicyVocab.build(knowledge)
    return building, knowledge, vocab, FeatureSpec(knowledge, vocab)


def tiny_model(seed: int = 0) -> OnboardModel:
    import torch

    torch.manual_seed(seed)
    _, _, vocab, spec = office()
    return OnboardModel(TINY, spec.state_size, vocab).eval()


@lru_cache(maxsize=1)
def scenes() -> tuple[Scene, ...]:
    _, _, vocab, _ = office()
    return tuple(office_scenes("playful", 0, 7, 8, vocab))


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    cfg = TeacherConfig(personalities=("working",), days=2, samples_per_day=40, workers=1)
    return tuple(generate(cfg))
