"""Distillation: train the onboard models on Sys2's decisions and measure them on held-out days.

The loss is token cross-entropy with teacher forcing; accuracy is whole-call exact match
(skill and every argument, text counted as ``<text>``) under the same constrained greedy
decoding the robot uses, plus skill-only accuracy and the majority-class baseline.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from pepa.agent.policy.model import ModelConfig, OnboardModel, pad_targets
from pepa.agent.policy.teacher import Example
from pepa.agent.policy.vocab import PolicyVocab

log = logging.getLogger(__name__)


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    epochs: int = Field(default=30, ge=1, le=10_000)
    batch_size: int = Field(default=64, ge=1, le=4096)
    lr: float = Field(default=2e-3, gt=0, le=1.0)
    weight_decay: float = Field(default=1e-4, ge=0)
    seed: int = Field(default=0, ge=0)
    threads: int = Field(default=1, ge=1, le=256, description="1 is robust on a busy machine")
    time_limit_s: float = Field(default=1200.0, gt=0, description="stop training after this")


@dataclass
class Tensors:
    frames: torch.Tensor
    state: torch.Tensor
    candidates: torch.Tensor
    targets: torch.Tensor

    def __len__(self) -> int:
        return self.frames.shape[0]

    def take(self, idx: torch.Tensor | slice) -> Tensors:
        return Tensors(self.frames[idx], self.state[idx], self.candidates[idx], self.targets[idx])


def tensors(examples: Sequence[Example], vocab: PolicyVocab) -> Tensors:
    return Tensors(
        torch.from_numpy(np.stack([e.observation.frame for e in examples])),
        torch.from_numpy(np.stack([e.observation.state for e in examples])),
        torch.from_numpy(np.stack([e.observation.candidates for e in examples])),
        pad_targets([e.target for e in examples], vocab.pad),
    )


@dataclass(frozen=True)
class Evaluation:
    examples: int
    call_accuracy: float
    skill_accuracy: float
    majority_accuracy: float
    chance_accuracy: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def evaluate(
    model: OnboardModel, data: Tensors, majority: tuple[int, ...] | None = None
) -> Evaluation:
    """Exact-call and skill accuracy of constrained greedy decoding."""
    model.eval()
    vocab = model.vocab
    hits = skill_hits = maj_hits = 0
    n = len(data)
    for start in range(0, n, 256):
        part = data.take(slice(start, start + 256))
        out = model.decide(part.frames, part.state, part.candidates)
        for seq, tgt in zip(out, part.targets.tolist(), strict=True):
            want = [t for t in tgt if t != vocab.pad]
            hits += seq == want
            skill_hits += seq[1] == want[1]
            maj_hits += majority is not None and tuple(want) == majority
    labels = Counter(tuple(t for t in tgt if t != vocab.pad) for tgt in data.targets.tolist())
    return Evaluation(
        examples=n,
        call_accuracy=hits / max(n, 1),
        skill_accuracy=skill_hits / max(n, 1),
        majority_accuracy=maj_hits / max(n, 1),
        chance_accuracy=1.0 / max(len(labels), 1),
    )


def train(
    model: OnboardModel,
    train_data: Tensors,
    config: TrainConfig,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float | int]:
    """Fit ``model`` in place; returns what the card records about training."""
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    gen = torch.Generator().manual_seed(config.seed)
    vocab = model.vocab
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, math.ceil(len(train_data) / config.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch
    )
    loss_fn = nn.CrossEntropyLoss(ignore_index=vocab.pad)
    t0 = time.perf_counter()
    epochs_done = 0
    last_loss = math.nan
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(train_data), generator=gen)
        total, count = 0.0, 0
        for start in range(0, len(train_data), config.batch_size):
            batch = train_data.take(order[start : start + config.batch_size])
            inp, tgt = batch.targets[:, :-1], batch.targets[:, 1:]
            logits = model(batch.frames, batch.state, batch.candidates, inp)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(batch)
            count += len(batch)
        epochs_done = epoch + 1
        last_loss = total / max(count, 1)
        if progress:
            progress(f"epoch {epochs_done}/{config.epochs}: loss {last_loss:.4f}")
        if time.perf_counter() - t0 > config.time_limit_s:
            log.warning("training stopped at its time limit after %d epochs", epochs_done)
            break
    model.eval()
    return {
        "epochs": epochs_done,
        "final_loss": round(last_loss, 5),
        "seconds": round(time.perf_counter() - t0, 1),
        "examples": len(train_data),
        "batch_size": config.batch_size,
        "lr": config.lr,
        "threads": config.threads,
    }


def build_model(state_size: int, vocab: PolicyVocab, cfg: ModelConfig, seed: int) -> OnboardModel:
    torch.manual_seed(seed)
    return OnboardModel(cfg, state_size, vocab)


def majority_call(examples: Sequence[Example]) -> tuple[int, ...] | None:
    if not examples:
        return None
    return Counter(e.target for e in examples).most_common(1)[0][0]
