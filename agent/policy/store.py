"""Saving and loading the onboard models with their model card, refusing what does not fit.

A model directory holds ``policy.pt`` (the weights and everything needed to rebuild the
models) and ``model_card.json`` (what it was trained on, how big it is, how well it did on
held-out days, its vocabulary and input size). Loading checks the file can be read, is one of
ours, and matches the world it is loaded into — same skill vocabulary, same input size, same
state layout — and otherwise raises :class:`ModelFileError` naming the file and the problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pepa.agent.policy.features import FeatureSpec
from pepa.agent.policy.model import ModelConfig, OnboardModel
from pepa.agent.policy.vocab import PolicyVocab
from pepa.knowledge import WorldKnowledge

WEIGHTS_FILE = "policy.pt"
CARD_FILE = "model_card.json"
FORMAT = "pepa-onboard-policy/1"
MAX_BYTES = 20 * 1024 * 1024


class ModelFileError(ValueError):
    """A model file that is missing, unreadable, corrupt or made for another world."""


class ModelCard(BaseModel):
    """What a model is, what it learnt from, and how well it did."""

    model_config = ConfigDict(extra="forbid")
    format: str = FORMAT
    created_by: str = "pepa train-policy"
    data: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    size: dict[str, Any] = Field(default_factory=dict)
    held_out: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)
    vocabulary: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    notes: str = ""


def save(model: OnboardModel, spec: FeatureSpec, card: ModelCard, out_dir: Path) -> Path:
    """Write weights and card; refuses weights over the 20 MB budget."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / WEIGHTS_FILE
    blob = {
        "format": FORMAT,
        "model_config": model.cfg.model_dump(mode="json"),
        "vocabulary": list(model.vocab.tokens),
        "features": spec.signature(),
        "state_dict": model.state_dict(),
    }
    torch.save(blob, path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        path.unlink()
        raise ModelFileError(
            f"{path}: {size / 1e6:.1f} MB is over the {MAX_BYTES / 1e6:.0f} MB budget"
        )
    card.size = {
        **card.size,
        "file_bytes": size,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    (out_dir / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def load(
    path: Path, knowledge: WorldKnowledge, input_size: tuple[int, int] | None = None
) -> tuple[OnboardModel, FeatureSpec, ModelCard | None]:
    """The models in ``path`` (a directory or a ``policy.pt``), checked against ``knowledge``
    and, when given, the (width, height) the robot's camera pipeline feeds."""
    file = path / WEIGHTS_FILE if path.is_dir() else path
    if not file.is_file():
        raise ModelFileError(f"{file}: model file not found")
    try:
        blob = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a damaged file
        raise ModelFileError(
            f"{file}: not a readable model file ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        got = blob.get("format") if isinstance(blob, dict) else type(blob).__name__
        raise ModelFileError(f"{file}: format is {got!r}, expected {FORMAT!r}")
    try:
        cfg = ModelConfig.model_validate(blob["model_config"])
        tokens = list(blob["vocabulary"])
        feats = dict(blob["features"])
        state = blob["state_dict"]
    except (KeyError, TypeError, ValidationError) as exc:
        raise ModelFileError(f"{file}: malformed model file ({exc})") from None
    vocab = PolicyVocab.build(knowledge)
    if tokens != list(vocab.tokens):
        theirs, ours = set(tokens), set(vocab.tokens)
        extra = sorted(theirs - ours)[:5]
        missing = sorted(ours - theirs)[:5]
        raise ModelFileError(
            f"{file}: vocabulary does not match this robot's skills and world "
            f"(model has {len(tokens)} tokens, world needs {len(vocab.tokens)}; "
            f"unknown here: {extra}; missing from the model: {missing})"
        )
    width, height = feats.get("input_width"), feats.get("input_height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 16 or height < 16:
        raise ModelFileError(f"{file}: input size {width}x{height} is not valid")
    if input_size is not None and (width, height) != tuple(input_size):
        raise ModelFileError(
            f"{file}: input size is {width}x{height}, this robot feeds "
            f"{input_size[0]}x{input_size[1]}"
        )
    spec = FeatureSpec(knowledge, vocab, width, height)
    if feats.get("state_size") != spec.state_size or feats.get("layout") != spec.layout:
        raise ModelFileError(
            f"{file}: state input does not match this world (model {feats.get('state_size')} "
            f"features, world {spec.state_size})"
        )
    model = OnboardModel(cfg, spec.state_size, vocab)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise ModelFileError(f"{file}: weights do not fit the model ({exc})") from None
    model.eval()
    card = None
    card_path = file.parent / CARD_FILE
    if card_path.is_file():
        try:
            card = ModelCard.model_validate(json.loads(card_path.read_text(encoding="utf-8")))
        except (ValueError, ValidationError) as exc:
            raise ModelFileError(f"{card_path}: not a valid model card ({exc})") from None
    return model, spec, card
