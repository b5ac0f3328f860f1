"""The goods the robot's intrinsic reward weighs: one enumeration every layer indexes.

Personalities weight these features, Sys2's world model predicts them and its tree search sums
them, Sys3 scores days by them and moves their weights. Each member also carries the words the
other layers say about it, so a new feature is one member here (plus a weight in every
personality file and whatever computes its value).
"""

from __future__ import annotations

from enum import StrEnum


class Feature(StrEnum):
    """A reward feature; its value is its name in personality files, weights and prompts."""

    label: str
    meaning: str
    purpose: str
    cues: tuple[str, ...]
    per_time: bool

    def __new__(
        cls,
        name: str,
        label: str,
        meaning: str,
        purpose: str,
        cues: tuple[str, ...],
        per_time: bool = False,
    ) -> Feature:
        member = str.__new__(cls, name)
        member._value_ = name
        member.label = label  # how an explanation names it
        member.meaning = meaning  # what earns it, for the personality documentation
        member.purpose = purpose  # a clause of the offline ultimate goal
        member.cues = cues  # word stems of reviewers' notes asking for more or less of it
        member.per_time = per_time  # earned per unit of time, not once per event
        return member

    NOVELTY = (
        "novelty",
        "novelty",
        "new places, people and things seen today",
        "know every corner of this building and whatever is new in it",
        ("explor", "new place", "curious", "wander", "discover"),
    )
    SOCIAL = (
        "social",
        "social contact",
        "greetings and conversations (less with someone already met)",
        "be good company for the people I share the building with",
        ("greet", "talk", "people", "social", "chat", "company", "friendl"),
    )
    TASK = (
        "task",
        "task completion",
        "people's requests completed",
        "be reliably useful, so that every request I accept gets done",
        ("request", "task", "work", "help", "job", "errand", "deliver"),
    )
    ENERGY = (
        "energy",
        "saving energy",
        "conserving energy: highest while resting or charging, lower the harder a skill works",
        "keep my energy for what matters and waste none of it",
        ("rest", "sleep", "energy", "charg", "battery"),
        True,
    )
    SAFETY = (
        "safety",
        "battery margin",
        "battery margin kept above the reserve",
        "never put myself or anyone at risk, keeping a wide margin",
        ("safe", "careful", "risk", "bump", "collision", "danger"),
        True,
    )
    PLAY = (
        "play",
        "play",
        "emotional expression and play with an audience",
        "bring some joy to people's days with play and expression",
        ("play", "dance", "fun", "wag", "express", "trick"),
    )


FEATURES: tuple[Feature, ...] = tuple(Feature)
"""Every feature in declaration order: the order of tables, prompts and tie-breaks."""

LUMP_FEATURES: tuple[Feature, ...] = tuple(f for f in Feature if not f.per_time)
"""Features counted once per event (capped at 1 per option)."""

RATE_FEATURES: tuple[Feature, ...] = tuple(f for f in Feature if f.per_time)
"""Features earned per unit of time (averaged over an option's duration)."""


IDLENESS_CUES: tuple[str, ...] = ("lazy",)
"""Words of a reviewer's note reproaching the robot for resting when it should work: a note
with one asks for less energy saving and more task, whatever direction words it has."""
