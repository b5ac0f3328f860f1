"""The request load of the simulated people is a parameter, and the default day is unchanged."""

from __future__ import annotations

import pytest

from pepa.building.layout import DEFAULT_WORLD, load_building
from pepa.sim.events import EventConfig, EventGenerator, PersonRequest

WEEKDAYS = range(5)


def _requests(config: EventConfig, seed: int = 3) -> list[int]:
    gen = EventGenerator(load_building(DEFAULT_WORLD), seed, config)
    return [sum(isinstance(e, PersonRequest) for e in gen.day(d)) for d in WEEKDAYS]


def test_rate_per_person_hour_is_the_building_rate_times_its_people() -> None:
    people = len(load_building(DEFAULT_WORLD).people)
    per_person = _requests(EventConfig(requests_per_person_hour=0.5))
    assert per_person == _requests(EventConfig(requests_per_hour=0.5 * people))


def test_busy_load_sends_about_the_configured_number_of_requests() -> None:
    cfg = EventConfig(requests_per_person_hour=0.5)
    people = len(load_building(DEFAULT_WORLD).people)
    h0, h1 = cfg.office_hours
    expected = cfg.request_rate(people) * (h1 - h0) * len(WEEKDAYS)
    got = sum(_requests(cfg))
    # a few drawn requests fall where nobody is in the office and are not sent
    assert 0.8 * expected <= got <= 1.1 * expected


def test_default_day_is_unchanged_by_the_load_parameter() -> None:
    # the counts the office's seed 3 gave before the load parameter existed
    assert _requests(EventConfig()) == [6, 10, 12, 9, 6]
    assert EventConfig().request_rate(100) == pytest.approx(0.8)


def test_zero_load_sends_no_requests() -> None:
    assert sum(_requests(EventConfig(requests_per_person_hour=0.0))) == 0


def test_a_large_mean_is_drawn_without_underflow() -> None:
    got = sum(_requests(EventConfig(requests_per_hour=200.0)))
    assert got > 5000
