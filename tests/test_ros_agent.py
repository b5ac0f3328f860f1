"""The whole agent on real ROS 2 topics: ``pepa run`` (simulated office, Sys1, Sys2, Sys3,
console bridge, recorder) in a child process, watched from this process over DDS.

One stack serves the module (its start-up is most of the cost); the tests run in file order
and the last one stops it and reads its recording back.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from pepa_ros import qos, typed_codec
from pepa_ros.replay import summarise
from pepa_ros.topics import (
    DAILY_GOALS,
    NODES,
    PLAN,
    REQUESTS,
    STATUS,
    STEP_RESULTS,
    WORLD_STATE,
)
from ros_agent_support import Probe, Stack, late_goals, new_domain, wait_for

from pepa.messages import AgentStatus, RequestPriority, RequestState, UserRequest

pytestmark = pytest.mark.ros

STARTUP_S = 90.0
NOT_IN_THIS_RUN = {
    "/tf",  # no tf2_msgs in the wheels
    "/pepa/elevator/call",  # the requests here need no elevator
    "/pepa/reflections",  # the run is shorter than a day
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("agent")
    s = Stack(
        new_domain(),
        tmp / "data",
        tmp / "stack.log",
        "--nodes",
        "sim,sys1,sys2,sys3,console",
        "--personality",
        "Working",
        "--speed",
        "4",  # Sys1's 20 Hz loop is 5 Hz of simulated time: as fine as the in-process one
        record=tmp / "run.mcap",
    )
    yield s
    s.stop()


@pytest.fixture(scope="module")
def probe(stack: Stack) -> Iterator[Probe]:
    p = Probe(stack.domain)
    up = wait_for(lambda: bool(p.messages(STATUS.name)), STARTUP_S)
    assert up, f"the agent published no status:\n{stack.output()[-4000:]}"
    yield p
    p.close()


def test_request_on_topic_leads_to_motion_and_an_experience_in_memory(
    stack: Stack, probe: Probe
) -> None:
    request = UserRequest(
        text="please go to the ground kitchen",
        sender="test",
        priority=RequestPriority.URGENT,
    )
    sent = time.monotonic()
    assert probe.submit(request), f"Sys2 never announced the request:\n{stack.output()[-3000:]}"

    def started() -> bool:
        return any(r.state == RequestState.IN_PROGRESS for r in probe.requests_seen(request.id))

    assert wait_for(started, 60.0), [r.state for r in probe.requests_seen(request.id)]

    def plans() -> list:
        return [p for p in probe.messages(PLAN.name) if p.request_id == request.id]

    assert wait_for(lambda: bool(plans()), 10.0), "Sys1 published no plan for the request"
    assert plans()[-1].steps[-1].args.get("place") == "ground_kitchen", plans()[-1]
    assert wait_for(lambda: probe.moving_since(sent), 30.0), "no motion on /cmd_vel"

    def remembered() -> bool:
        try:  # the first write loads the embedding model: the first answer may be slow
            hits = probe.sys3.call("memory.search", {"start": 0.0, "end": 1e9, "k": 100}, 20.0)
        except TimeoutError:
            return False
        return any(
            h["episode"]["request_id"] == request.id and h["episode"]["source"] == "sys1"
            for h in hits
        )

    assert wait_for(remembered, 60.0, step=1.0), "no Sys1 episode of the request in memory"

    # Carried to its end, never dropped: done, or failed with the reason said (over ROS the
    # robot knows its pose from odometry only, and a doorway can defeat it).
    def finished() -> bool:
        return any(
            r.state == RequestState.DONE or (r.state == RequestState.FAILED and r.reason)
            for r in probe.requests_seen(request.id)
        )

    assert wait_for(finished, 90.0), [r.state for r in probe.requests_seen(request.id)]


def test_console_bridge_serves_status_and_takes_requests(stack: Stack, probe: Probe) -> None:
    base = f"http://127.0.0.1:{stack.port}/api/v1"
    with urllib.request.urlopen(f"{base}/status", timeout=10) as resp:
        status = json.load(resp)
    assert status["running"] is True
    assert status["agent"]["personality"] == "Working"
    req = urllib.request.Request(
        f"{base}/requests",
        data=json.dumps({"text": "bring the mail to the mail room"}).encode(),
        headers={"content-type": "application/json", "X-Pepa-Console": "1"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=20) as resp:
        made = json.load(resp)
    assert made["text"] == "bring the mail to the mail room"
    assert made["state"] != "queued" or made["history"], made
    assert wait_for(lambda: bool(probe.requests_seen(made["id"])), 10.0)

    def post(path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{base}{path}",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json", "X-Pepa-Console": "1"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    # through Sys2's action and cancel service: a refusal names its field, codes become errors
    code, body = post("/requests", {"text": "go there", "place": "no_such_place"})
    assert code == 422 and "place" in json.dumps(body), (code, body)
    code, body = post(f"/requests/{made['id']}/cancel", {})
    assert (code, body.get("state")) == (200, "cancelled") or code == 409, (code, body)
    code, _ = post("/requests/req-000000000000/cancel", {})
    assert code == 404


def _get(url: str) -> tuple[int, dict | list]:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_console_bridge_shows_the_camera_the_trail_and_the_day(stack: Stack, probe: Probe) -> None:
    base = f"http://127.0.0.1:{stack.port}/api/v1"
    assert wait_for(lambda: _get(f"{base}/camera?width=160")[0] == 200, 30.0)
    _, view = _get(f"{base}/camera?width=160")
    assert isinstance(view, dict) and view["width"] == 160 and view["height"] == 120
    assert view["image"].startswith("data:image/jpeg;base64,")
    code, err = _get(f"{base}/camera?width=9")
    assert code == 422 and isinstance(err, dict) and err["problems"][0]["field"] == "width"
    assert wait_for(lambda: len(_get(f"{base}/trail")[1]) >= 2, 30.0), "no trail over ROS"
    code, err = _get(f"{base}/trail?floor=9")
    assert code == 404 and isinstance(err, dict) and "floor 9" in err["error"]
    _, status = _get(f"{base}/status")
    assert isinstance(status, dict)
    code, day = _get(f"{base}/days/{status['day']}/glance")
    assert code == 200 and isinstance(day, dict), day
    assert day["live"] and day["activities"] and day["battery"]
    assert _get(f"{base}/days/{status['day'] + 5}/glance")[0] == 404


def test_malformed_messages_are_counted_and_do_not_stop_the_nodes(
    stack: Stack, probe: Probe
) -> None:
    from std_msgs.msg import String

    def bad_count() -> int:
        return probe.messages(STATUS.name)[-1].bad_messages

    before = bad_count()
    topics = [WORLD_STATE, STEP_RESULTS, DAILY_GOALS]
    pubs = [
        probe.node.create_publisher(String, t.name, qos.profile(t.qos, t.depth)) for t in topics
    ]
    # /pepa/requests is typed: a request in a state no request starts in is refused
    typed = probe.node.create_publisher(
        typed_codec.message_class(UserRequest), REQUESTS.name, qos.profile(REQUESTS.qos)
    )
    bad_request = typed_codec.to_ros(UserRequest(text="x", sender="test"))
    bad_request.state = "teleported"
    wait_for(lambda: all(p.get_subscription_count() > 0 for p in [*pubs, typed]), 10.0)
    for pub in pubs:
        pub.publish(String(data="{not json"))
        pub.publish(String(data=json.dumps({"schema_version": 99, "text": "x"})))
    typed.publish(bad_request)
    assert wait_for(lambda: bad_count() >= before + 2 * len(pubs) + 1, 15.0), bad_count()
    last = probe.messages(STATUS.name)[-1].time
    assert wait_for(lambda: probe.messages(STATUS.name)[-1].time > last, 10.0)
    assert stack.proc.poll() is None
    again = UserRequest(text="please go to the reception", sender="test")
    assert probe.submit(again, timeout=20.0)


def test_late_subscriber_gets_the_latest_goals_and_status(stack: Stack, probe: Probe) -> None:
    goals, daily = late_goals(stack.domain)
    assert goals and goals[-1].personality == "Working"
    assert daily and all(g.day == daily[0].day for g in daily)
    status: AgentStatus = probe.messages(STATUS.name)[-1]
    assert status.personality == "Working"


def test_recording_read_back_has_every_topic(stack: Stack, probe: Probe) -> None:
    probe.close()
    code = stack.stop()
    assert code == 0, stack.output()[-3000:]
    assert stack.recording is not None
    summary = summarise(stack.recording)
    recorded = {t.topic for t in summary.topics}
    expected = {
        topic.name
        for node in NODES
        if node.node in ("pepa_sim", "pepa_sys1", "pepa_sys2", "pepa_sys3")
        for topic in node.publishes
        if topic.name not in NOT_IN_THIS_RUN and not topic.name.startswith("/pepa/rpc/")
    } | {"/pepa/requests"}
    assert expected - recorded == set(), f"missing {expected - recorded}"
    empty = [t.topic for t in summary.topics if t.topic in expected and t.count == 0]
    assert empty == [], f"recorded without messages: {empty}"
