"""Importance scoring, end-of-day consolidation with provenance, and archiving."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from memory_streams import episode

from pepa.clock import SimClock, at
from pepa.memory.consolidation import ConsolidationConfig, Consolidator, is_slow, part_of_day
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.importance import ImportanceWeights, LLMImportanceScorer, OfflineImportanceScorer
from pepa.memory.query import MemoryQuery


def test_offline_importance_is_a_noisy_or_of_salient_features() -> None:
    w = ImportanceWeights()
    scorer = OfflineImportanceScorer(w)
    first = episode(0, 9.0, 1, "lab", "entered the lab", people=["alice"])
    # New place (novelty 1), new person (1), social contact; no objects, no outcome.
    expected = 1 - (1 - w.base) * (1 - w.new_place) * (1 - w.new_person) * (1 - w.social)
    assert scorer.score(first) == pytest.approx(expected)
    scorer.observe(first)
    again = episode(0, 9.5, 1, "lab", "entered the lab again", people=["alice"])
    # Seen once: novelty 1/2 for the place and the person.
    expected_again = 1 - (1 - w.base) * (1 - w.new_place / 2) * (1 - w.new_person / 2) * (
        1 - w.social
    )
    assert scorer.score(again) == pytest.approx(expected_again)
    assert expected_again < expected


def test_failures_and_user_requests_matter_more_than_routine() -> None:
    scorer = OfflineImportanceScorer()
    routine = episode(0, 9.0, 1, "lab", "patrolled", skill="patrol", outcome="success")
    scorer.observe(routine)
    failed = episode(
        0, 9.1, 1, "lab", "could not open the door", skill="patrol", outcome="failure"
    )
    asked = episode(0, 9.2, 1, "lab", "asked to fetch mail", kind="request", source="user")
    assert scorer.score(failed) > scorer.score(routine)
    assert scorer.score(asked) > scorer.score(routine)
    assert all(0.0 <= scorer.score(e) <= 1.0 for e in (routine, failed, asked))


def test_llm_hook_is_used_and_falls_back_when_it_fails() -> None:
    e = episode(0, 9.0, 1, "lab", "a visitor got lost")
    assert LLMImportanceScorer(lambda _: "0.8").score(e) == pytest.approx(0.8)
    offline = OfflineImportanceScorer().score(e)
    for bad in (lambda _: 7.0, lambda _: math.nan, lambda _: "very", lambda _: 1 / 0):
        scorer = LLMImportanceScorer(bad)
        assert scorer.score(e) == pytest.approx(offline)
        assert scorer.failures == 1


def test_memory_scores_importance_only_when_none_was_given(tmp_path: Path) -> None:
    mem = EpisodicMemory(
        SimClock(at(1, 0.0)), tmp_path, importance_scorer=LLMImportanceScorer(lambda _: 0.77)
    )
    auto = mem.record(episode(0, 9.0, 1, "lab", "a visitor got lost"))
    given = mem.record(episode(0, 9.5, 1, "lab", "nothing much", importance=0.2))
    assert mem.get(auto).importance == pytest.approx(0.77)
    assert mem.get(given).importance == pytest.approx(0.2)


def test_novelty_survives_a_restart(tmp_path: Path) -> None:
    clock = SimClock(at(1, 0.0))
    first = EpisodicMemory(clock, tmp_path, importance_scorer=OfflineImportanceScorer())
    a = first.get(first.record(episode(0, 9.0, 1, "lab", "met alice", people=["alice"])))
    again = EpisodicMemory(clock, tmp_path, importance_scorer=OfflineImportanceScorer())
    b = again.get(again.record(episode(0, 9.5, 1, "lab", "met alice", people=["alice"])))
    assert b.importance < a.importance  # the reopened memory knew alice already


def _week() -> list:
    """Three days: kitchen lunches with people, slow morning rides, a door that fails."""
    eps = []
    for day in range(3):
        eps.append(
            episode(
                day,
                12.2,
                2,
                "kitchen",
                f"lunch crowd day {day}",
                people=["alice", "bob"],
                id=f"ep-lunch-{day}",
            )
        )
        eps.append(episode(day, 15.0, 2, "kitchen", f"empty kitchen day {day}"))
        eps.append(
            episode(
                day,
                8.5,
                0,
                "lobby",
                "waited for the elevator",
                skill="ride_elevator",
                objects=["elevator B"],
                outcome=f"waited {90 + day} s",
                id=f"ep-slow-{day}",
            )
        )
        eps.append(
            episode(
                day,
                14.0,
                0,
                "lobby",
                "quick ride",
                skill="ride_elevator",
                objects=["elevator B"],
                outcome="waited 5 s",
                id=f"ep-fast-{day}",
            )
        )
        eps.append(
            episode(
                day,
                10.0,
                1,
                "lab",
                "the lab door stayed shut",
                skill="navigate",
                outcome="blocked",
                id=f"ep-door-{day}",
            )
        )
        eps.append(
            episode(
                day,
                10.5,
                2,
                "copy room",
                "the printer hummed",
                objects=["printer"],
                id=f"ep-printer-{day}",
            )
        )
    return eps


def test_consolidation_finds_regularities_with_their_source_episodes() -> None:
    facts = {f.text: f for f in Consolidator().derive(_week(), day=2)}
    busy = facts["the kitchen on floor 2 is busy around 12:00"]
    assert busy.episode_ids == ["ep-lunch-0", "ep-lunch-1", "ep-lunch-2"]
    assert (busy.floor, busy.room, busy.hour, busy.share) == (2, "kitchen", 12, 1.0)
    slow = facts["elevator B is often slow in the morning"]
    assert slow.episode_ids == ["ep-slow-0", "ep-slow-1", "ep-slow-2"]
    assert "elevator B is often slow in the afternoon" not in facts
    door = facts["navigate often fails in the lab on floor 1"]
    assert door.episode_ids == ["ep-door-0", "ep-door-1", "ep-door-2"]
    assert facts["alice is often in the kitchen on floor 2 around 12:00"].support == 3
    assert facts["the printer is usually in the copy room on floor 2"].share == 1.0
    assert not any("15:00" in text for text in facts)  # the empty kitchen is not busy


def test_consolidation_needs_enough_support() -> None:
    strict = Consolidator(ConsolidationConfig(min_support=4))
    assert strict.derive(_week(), day=2) == []
    assert Consolidator().derive(_week()[:6], day=0) == []  # one day: 1 episode per pattern


def test_slow_ride_and_part_of_day_conventions() -> None:
    ride = episode(0, 7.0, 0, "lobby", "ride", skill="ride_elevator", outcome="timeout")
    assert is_slow(ride, 60.0) and part_of_day(ride.time) == "morning"
    quick = ride.model_copy(update={"outcome": "waited 12.5 s"})
    assert not is_slow(quick, 60.0) and is_slow(quick, 10.0)


def test_end_of_day_stores_facts_and_archives_faded_episodes(tmp_path: Path) -> None:
    clock = SimClock(at(30, 0.0))
    mem = EpisodicMemory(clock, tmp_path)
    old_dull = [
        episode(1, 9.0 + i / 10, 1, "lab", f"old routine {i}", importance=0.1, id=f"ep-old-{i}")
        for i in range(5)
    ]
    old_vivid = episode(1, 11.0, 1, "lab", "the fire drill", importance=0.9, id="ep-drill")
    mem.record_many([*old_dull, old_vivid, *[e.model_copy() for e in _week()]])
    week = [
        e.model_copy(update={"id": f"{e.id}-w", "time": e.time + at(27, 0), "day": e.day + 27})
        for e in _week()
    ]
    mem.record_many(week)

    report = mem.end_of_day(29)
    assert report.archived == 5 + sum(1 for e in _week() if e.importance < 0.3)
    texts = {f.text for f in report.facts}
    assert "the kitchen on floor 2 is busy around 12:00" in texts
    assert report.episodes_considered == len(week)

    # Archived, not deleted: hidden by default, found with the flag.
    day_one = MemoryQuery(room="lab", start=at(1, 0), end=at(2, 0), k=50)
    assert {r.episode.id for r in mem.search(day_one)} == {"ep-drill", "ep-door-1"}
    with_flag = mem.search(
        MemoryQuery(room="lab", start=at(1, 0), end=at(2, 0), include_archived=True, k=50)
    )
    assert {r.episode.id for r in with_flag} >= {f"ep-old-{i}" for i in range(5)}
    assert all(r.episode.archived for r in with_flag if r.episode.id.startswith("ep-old"))
    assert mem.count() == 5 + 1 + 2 * len(_week())

    # Facts persist, are searchable by meaning, and a second run updates them in place.
    again = EpisodicMemory(clock, tmp_path)
    (fact,) = again.facts("when is the elevator slow?", k=1)
    assert fact.text == "elevator B is often slow in the morning"
    assert fact.episode_ids == ["ep-slow-0-w", "ep-slow-1-w", "ep-slow-2-w"]
    n_facts = len(again.facts())
    assert again.end_of_day(29).archived == 0
    assert len(again.facts()) == n_facts
