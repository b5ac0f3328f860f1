"""Request parsing: the offline grammar over the office's places, people, objects and skills."""

from __future__ import annotations

import pytest
from sys2_support import deliberator, office

from pepa.agent.sys2.lexicon import Lexicon
from pepa.agent.sys2.parser import RequestParser
from pepa.agent.sys2.site_map import SiteMap
from pepa.messages import RequestPriority, RequestState, UserRequest


def _parser() -> RequestParser:
    building, knowledge = office()
    return RequestParser(knowledge, Lexicon.build(SiteMap.build(knowledge, building)))


def _parse(text: str, sender: str = "alice", floor: int | None = 0, **fields: str):
    return _parser().parse(UserRequest(text=text, sender=sender, **fields), robot_floor=floor)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("check the printer on floor 2", ["inspect(object=printer_print_room_2)"]),
        (
            "Could you inspect the coffee machine on the first floor?",
            ["inspect(object=coffee_machine_kitchen_1)"],
        ),
        ("go to kitchen 2", ["navigate(place=kitchen_2)"]),
        ("Please go to the library", ["navigate(place=library)"]),
        ("head to the second floor kitchen", ["navigate(place=kitchen_2)"]),
        (
            "guide Bob to meeting room delta",
            ["guide_person(person=bob, place=meeting_room_delta)"],
        ),
        ("take me to the board room", ["guide_person(person=alice, place=board_room)"]),
        ("greet Carla", ["approach_person(person=carla)", "greet(person=carla)"]),
        ("find david", ["approach_person(person=david)"]),
        ("follow eva for 5 minutes", ["follow_person(duration_s=300.0, person=eva)"]),
        ("dance", ["express(emotion=dance)"]),
        ("show me a wag!", ["express(emotion=wag)"]),
        ("go and charge", ["dock_and_charge()"]),
        ("go home", ["return_home()"]),
        ("explore the second floor", ["explore(floor=2)"]),
        ("patrol", ["patrol()"]),
        ("look around", ["look_around()"]),
        ("rest for 10 minutes", ["rest(duration_s=600.0)"]),
        ("wait 2 minutes", ["wait(duration_s=120.0)"]),
    ],
)
def test_grammar_turns_each_pattern_into_known_skill_calls(text: str, steps: list[str]) -> None:
    task = _parse(text)
    assert task.status == "ok", task.reason
    assert [s.label() for s in task.steps] == steps


def test_tell_keeps_the_message_in_the_senders_words() -> None:
    task = _parse("Tell Alice the meeting moved to 3pm.", sender="bob")
    assert task.status == "ok"
    (call,) = task.steps
    assert call.skill == "deliver_message"
    assert call.args == {"person": "alice", "text": "the meeting moved to 3pm"}
    task = _parse("let eva know that lunch is ready")
    assert task.steps[0].args == {"person": "eva", "text": "lunch is ready"}


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("go to the zoo", "'zoo'"),
        ("tell Zoe the printer is fixed", "unknown person 'zoe'"),
        ("guide bob to the swimming pool", "'swimming pool'"),
        ("check the printer on floor 7", "unknown floor"),
        ("check the fridge", "'fridge'"),
    ],
)
def test_unknown_names_get_clarification_naming_them(text: str, unknown: str) -> None:
    task = _parse(text)
    assert task.status == "clarification"
    assert not task.steps
    assert unknown in task.reason


def test_ambiguous_name_without_a_floor_is_not_guessed() -> None:
    task = _parse("check the printer", floor=None)
    assert task.status == "clarification"
    assert "ambiguous" in task.reason and "printer_print_room_1" in task.reason
    # the stated rule: the floor the request is made on decides when the text names none
    assert _parse("check the printer", floor=1).steps[0].args["object"] == "printer_print_room_1"


def test_nonsense_and_too_long_get_a_clear_status() -> None:
    assert _parse("blorp the snark").status == "clarification"
    long = _parse("go to the kitchen " * 40)
    assert long.status == "rejected" and "characters" in long.reason


def test_urgency_and_deadline_cues_are_read() -> None:
    task = _parse("urgently check the printer on floor 2")
    assert task.priority == RequestPriority.URGENT
    assert task.steps[0].args["object"] == "printer_print_room_2"
    task = _parse("check the printer on floor 1 within 20 minutes")
    assert task.deadline_in_s == 1200.0


def test_structured_fields_are_checked_and_used() -> None:
    assert _parse("come here", place="kitchen_1").steps[0].label() == "navigate(place=kitchen_1)"
    bad = _parse("come here", place="moon_base")
    assert bad.status == "clarification" and "moon_base" in bad.reason


def test_deliberator_records_empty_and_too_long_requests_with_reasons() -> None:
    d = deliberator()
    empty = d.submit_text("   ", now=100.0)
    assert empty.state == RequestState.DECLINED and "empty" in empty.reason
    huge = d.submit_text("x" * 5000, now=100.0)
    assert huge.state == RequestState.DECLINED and "5000 characters" in huge.reason
    # the limit the reason states is the one the check applies
    assert f"at most {UserRequest.MAX_TEXT} " in huge.reason
    unknown = d.submit_text("go to the zoo", now=100.0)
    assert unknown.state == RequestState.CLARIFICATION and "zoo" in unknown.reason
    assert {r.id for r in d.requests()} == {empty.id, huge.id, unknown.id}


def test_clarification_reparses_the_new_wording() -> None:
    d = deliberator()
    req = d.submit_text("go to the zoo", now=100.0, sender="alice")
    req = d.clarify(req.id, "go to the library", now=160.0)
    assert req.state == RequestState.ACCEPTED
    assert req.task is not None and req.task.steps[0].args["place"] == "library"
    assert [e.state for e in req.history][:3] == [
        RequestState.QUEUED,
        RequestState.CLARIFICATION,
        RequestState.QUEUED,
    ]
