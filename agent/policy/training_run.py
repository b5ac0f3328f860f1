"""One end-to-end distillation run: data from the office, training, held-out evaluation, save."""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from pepa.agent.policy.features import FeatureSpec
from pepa.agent.policy.model import ModelConfig
from pepa.agent.policy.store import ModelCard, save
from pepa.agent.policy.teacher import Example, TeacherConfig, building_of, generate
from pepa.agent.policy.train import (
    TrainConfig,
    build_model,
    evaluate,
    majority_call,
    tensors,
    train,
)
from pepa.agent.policy.vocab import PolicyVocab
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.knowledge import SKILLS


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--input-size: expected WxH such as 160x120, got {text!r}") from None
    if not (16 <= w <= 1024 and 16 <= h <= 1024):
        raise ValueError(f"--input-size: {w}x{h} is outside 16..1024 pixels")
    return w, h


def split_days(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Train on every day but the last of each personality; hold the last one out."""
    last: dict[str, int] = {}
    for e in examples:
        last[e.personality] = max(last.get(e.personality, 0), e.day)
    held = [e for e in examples if e.day == last[e.personality] and e.day > 0]
    train_set = [e for e in examples if not (e.day == last[e.personality] and e.day > 0)]
    return train_set, held


@dataclass
class TrainingRun:
    out: Path
    personalities: tuple[str, ...] = ("lazy", "playful", "cautious", "working", "curious")
    days: int = 3
    samples_per_day: int = 150
    source: str = "sample"
    epochs: int = 12
    seed: int = 0
    workers: int = 2
    world: str | None = None
    width: int = 160
    height: int = 120
    model_config: ModelConfig = field(default_factory=ModelConfig)

    def execute(self, progress: Callable[[str], None] | None = None) -> ModelCard:
        say = progress or (lambda _msg: None)
        if self.days < 2:
            raise ValueError("--days must be at least 2: the last day of each is held out")
        teacher = TeacherConfig(
            personalities=self.personalities,
            days=self.days,
            seed=self.seed,
            world=self.world,
            workers=self.workers,
            source=self.source,
            samples_per_day=self.samples_per_day,
        )
        t0 = time.perf_counter()
        examples = generate(teacher, self.width, self.height, progress=say)
        gen_s = time.perf_counter() - t0
        train_ex, held_ex = split_days(examples)
        if not train_ex or not held_ex:
            raise ValueError(
                f"too few decisions to train on ({len(train_ex)} for training, "
                f"{len(held_ex)} held out); live more days"
            )
        say(
            f"{len(examples)} decisions in {gen_s:.0f} s: "
            f"{len(train_ex)} train, {len(held_ex)} held out"
        )
        knowledge = knowledge_from_building(building_of(self.world))
        vocab = PolicyVocab.build(knowledge)
        spec = FeatureSpec(knowledge, vocab, self.width, self.height)
        model = build_model(spec.state_size, vocab, self.model_config, self.seed)
        cfg = TrainConfig(epochs=self.epochs, seed=self.seed)
        train_t = tensors(train_ex, vocab)
        held_t = tensors(held_ex, vocab)
        training = train(model, train_t, cfg, progress=say)
        majority = majority_call(train_ex)
        held = evaluate(model, held_t, majority)
        fit = evaluate(model, train_t, majority)
        skills = Counter(e.label.skill for e in examples)
        card = ModelCard(
            data={
                "source": f"Sys2 decisions in the simulated office ({self.source})",
                "world": self.world or "the default office",
                "personalities": list(self.personalities),
                "days_per_personality": self.days,
                "held_out": "the last day of each personality",
                "examples": len(examples),
                "train_examples": len(train_ex),
                "held_out_examples": len(held_ex),
                "generation_seconds": round(gen_s, 1),
                "label_skills": dict(skills.most_common()),
                "seed": self.seed,
            },
            training={
                **training,
                "train_accuracy": fit.as_dict(),
                "torch": torch.__version__,
                "machine": platform.machine(),
            },
            size={"parameter_bytes": model.param_bytes(), **self.model_config.model_dump()},
            held_out=held.as_dict(),
            input={
                "frame": f"{self.width}x{self.height} RGB",
                "state_size": spec.state_size,
                "state_layout": spec.layout,
                "marker_features": "ArUco detections of known people, objects, panels",
                "candidates": "firing daily goals' actions and open requests' next steps",
            },
            vocabulary=list(vocab.tokens),
            skills=list(SKILLS),
            notes="Text arguments are not generated: <text> is copied from a matching goal "
            "or request. Decoding is constrained to well-formed calls over this vocabulary.",
        )
        save(model, spec, card, self.out)
        return card
