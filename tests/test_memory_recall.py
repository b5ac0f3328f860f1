"""Query tools and filters on a stream whose answers are known exactly."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from memory_streams import KNOWN_PLACES, office_stream
from pydantic import ValidationError

from pepa.clock import SimClock, at
from pepa.memory import cli
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import MemoryQuery, Near, PlaceQuery, TextQuery, TimeQuery
from pepa.memory.tools import call_tool, tool_specs
from pepa.messages import ExperienceSource

DOCK = Near(x=1.0, y=1.0, floor=0, radius_m=3.0)


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> EpisodicMemory:
    data = tmp_path_factory.mktemp("recall")
    mem = EpisodicMemory(SimClock(at(2, 0.0)), data, known_places=KNOWN_PLACES)
    mem.record_many(office_stream())
    return mem


def ids(found) -> list[str]:
    return [r.episode.id for r in found]


def test_when_was_the_printer_on_floor_2_last_seen(memory: EpisodicMemory) -> None:
    found = memory.by_place(PlaceQuery(floor=2, object="printer", order="newest", k=1))
    assert ids(found) == ["ep-printer-2"]
    assert found[0].episode.time == at(1, 10.0)


def test_text_query_with_a_floor_filter_finds_only_that_floor(memory: EpisodicMemory) -> None:
    found = memory.by_text(TextQuery(text="printer", floor=2, k=5))
    assert {r.episode.floor for r in found} == {2}
    assert set(ids(found[:2])) == {"ep-printer-1", "ep-printer-2"}
    everywhere = memory.by_text({"text": "printer", "k": 3})
    assert set(ids(everywhere)) == {"ep-printer-1", "ep-printer-2", "ep-printer-lab"}


def test_what_happened_in_the_kitchen_between_12_and_13(memory: EpisodicMemory) -> None:
    found = memory.by_time(TimeQuery(start=at(0, 12.0), end=at(0, 13.0), room="kitchen"))
    assert ids(found) == ["ep-kitchen-1", "ep-kitchen-2"]  # oldest first
    both_days = memory.search(
        MemoryQuery(room="kitchen", start=at(0, 12.0), end=at(1, 13.0), order="oldest")
    )
    assert ids(both_days)[-1] == "ep-kitchen-3"
    assert "the kitchen was empty and quiet" in [r.episode.caption for r in both_days]


def test_who_was_met_within_3_m_of_the_dock(memory: EpisodicMemory) -> None:
    found = memory.by_place(PlaceQuery(near=DOCK, k=20))
    met = sorted({p for r in found for p in r.episode.people})
    assert met == ["carol"]  # dave was 8 m away
    assert all(r.distance_m is not None and r.distance_m <= 3.0 for r in found)
    with_text = memory.search(MemoryQuery(text="someone said goodbye", near=DOCK, k=1))
    assert ids(with_text) == ["ep-dock-carol"]


def test_kind_source_and_person_filters(memory: EpisodicMemory) -> None:
    social = memory.search(MemoryQuery(kinds=["social"], k=50))
    assert set(ids(social)) == {
        "ep-kitchen-1",
        "ep-kitchen-2",
        "ep-dock-carol",
        "ep-dock-dave-far",
    }
    user = memory.search(MemoryQuery(sources=[ExperienceSource.USER]))
    assert ids(user) == ["ep-kitchen-3"]
    alice = memory.search(MemoryQuery(person="alice", order="oldest"))
    assert ids(alice) == ["ep-kitchen-1", "ep-kitchen-3"]


def test_top_k_limits_and_orders(memory: EpisodicMemory) -> None:
    newest = memory.search(MemoryQuery(floor=0, order="newest", k=2))
    assert [r.episode.caption for r in newest] == [
        "patrolled the lobby",
        "dave waved from the far end of the lobby side",
    ]
    assert len(memory.search(MemoryQuery(text="anything at all", k=3))) == 3


def test_bad_query_arguments_name_the_field() -> None:
    with pytest.raises(ValidationError, match="end"):
        MemoryQuery(start=10.0, end=5.0)
    with pytest.raises(ValidationError, match="floor, room or near"):
        PlaceQuery()
    with pytest.raises(ValidationError, match="radius_m"):
        Near(x=0, y=0, floor=0, radius_m=-1)
    with pytest.raises(ValidationError, match="text"):
        MemoryQuery(text="   ")


def test_llm_tools_have_schemas_and_answer_json(memory: EpisodicMemory) -> None:
    specs = {s["function"]["name"]: s["function"] for s in tool_specs()}
    assert set(specs) == {"memory_by_text", "memory_by_place", "memory_by_time", "memory_search"}
    assert "text" in specs["memory_by_text"]["parameters"]["required"]
    answer = json.loads(
        call_tool(memory, "memory_by_place", '{"floor": 2, "object": "printer", "k": 1}')
    )
    assert answer["episodes"][0]["id"] == "ep-printer-2"
    bad = json.loads(call_tool(memory, "memory_by_time", {"start": 5}))
    assert bad["error"] == "invalid arguments" and any("end" in p for p in bad["problems"])
    unknown = json.loads(call_tool(memory, "rm_rf", {}))
    assert "unknown tool" in unknown["error"]


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_search_and_stats(memory: EpisodicMemory, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(Path(memory.location).parent)
    assert _run_cli(["memory", "--data", data, "search", "--text", "printer jam", "--k", "1"]) == 0
    assert "the printer jammed" in capsys.readouterr().out
    assert _run_cli(["memory", "--data", data, "search", "--place", "0/dock", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["room"] for r in rows} == {"dock"} and len(rows) == 3
    argv = ["memory", "--data", data, "search", "--from", "0 12:00", "--to", "d0 13:00"]
    assert _run_cli(argv) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "bob" in out and "quiet" not in out
    assert _run_cli(["memory", "--data", data, "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["episodes"] == len(office_stream())
    assert stats["by_room"]["2/kitchen"] == 4


def test_cli_rejects_bad_times_places_and_missing_stores(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DAY HH:MM"):
        cli.parse_time("noon")
    with pytest.raises(ValueError, match="FLOOR/ROOM"):
        cli.parse_place("x/kitchen")
    with pytest.raises(ValueError, match="no memory store"):
        _run_cli(["memory", "--data", str(tmp_path), "stats"])
    assert not (tmp_path / "memory").exists()
