"""The console's JSON API over the real in-process agent: every endpoint, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from pepa.agent.console.app import STATIC_DIR, create_app
from pepa.agent.console.inprocess import InProcessBackend
from pepa.agent.console.live_agent import LiveAgent, LiveAgentConfig
from pepa.agent.console.server import BackgroundServer
from pepa.agent.console.settings import ConsoleSettings
from pepa.clock import at
from pepa.messages import RequestState, UserRequest

LOCAL = "http://127.0.0.1"
CHANGE = {"X-Pepa-Console": "1"}
TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def client(console_backend: InProcessBackend) -> Iterator[TestClient]:
    with TestClient(create_app(console_backend), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def token_client(console_backend: InProcessBackend) -> Iterator[TestClient]:
    settings = ConsoleSettings(host="0.0.0.0", token=TOKEN)
    with TestClient(create_app(console_backend, settings), base_url="http://10.0.0.5:8080") as c:
        yield c


def post(client: TestClient, path: str, body: object, **headers: str) -> httpx.Response:
    return client.post(path, json=body, headers={**CHANGE, **headers})


# --- live ---------------------------------------------------------------------------------------


def test_status_shows_time_battery_personality_people_and_elevators(client: TestClient) -> None:
    s = client.get("/api/v1/status").json()
    assert s["agent"]["personality"] == "Working"
    assert 0.0 <= s["agent"]["battery"] <= 1.0
    assert s["day"] == 1 and s["time_text"].startswith("day 1 ")
    assert {e["elevator"] for e in s["elevators"]} == {"elevator_a", "elevator_b"}
    assert all({"id", "name", "floor", "x", "y"} <= set(p) for p in s["people"])
    assert set(s["agent"]["queue"]) >= set()


def test_floors_describe_the_map_image_and_the_png_is_served(client: TestClient) -> None:
    floors = client.get("/api/v1/floors").json()
    assert [f["floor"] for f in floors] == [0, 1, 2]
    f0 = floors[0]
    assert f0["image_width"] / f0["width_m"] == pytest.approx(f0["image_height"] / f0["height_m"])
    png = client.get("/api/v1/floors/0/map.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_floor_is_404_a_basement_too_and_a_malformed_one_422(client: TestClient) -> None:
    r = client.get("/api/v1/floors/7/map.png")
    assert r.status_code == 404 and "floor 7" in r.json()["error"]
    r = client.get("/api/v1/floors/-1/map.png")  # a level a building may have, not this one
    assert r.status_code == 404 and "floor -1" in r.json()["error"]
    r = client.get("/api/v1/floors/two/map.png")
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "floor"


def test_directory_lists_known_places_and_people(client: TestClient) -> None:
    d = client.get("/api/v1/directory").json()
    assert "ground_kitchen" in d["places"] and "alice" in d["people"]


# --- requests -----------------------------------------------------------------------------------


def test_a_request_moves_from_accepted_through_in_progress_to_done(
    client: TestClient, console_agent: LiveAgent
) -> None:
    r = post(client, "/api/v1/requests", {"text": "please go to the ground kitchen"})
    assert r.status_code == 201
    req = r.json()
    assert req["state"] == "accepted" and req["reason"]
    for _ in range(60):
        console_agent.advance(10.0)
        now = client.get(f"/api/v1/requests/{req['id']}").json()
        if now["state"] == "done":
            break
    states = [h["state"] for h in now["history"]]
    assert states[:3] == ["queued", "accepted", "in_progress"] and states[-1] == "done"
    listed = client.get("/api/v1/requests").json()
    assert req["id"] in [x["id"] for x in listed]


def test_a_request_to_a_place_and_person_keeps_both(client: TestClient) -> None:
    body = {"text": "tell her lunch is ready", "place": "front_office", "person": "alice"}
    req = post(client, "/api/v1/requests", body).json()
    assert (req["place"], req["person"]) == ("front_office", "alice")


def test_a_script_tag_in_a_request_is_kept_verbatim_as_json_text(client: TestClient) -> None:
    text = "go to the kitchen <script>alert('x')</script>"
    r = post(client, "/api/v1/requests", {"text": text})
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    assert r.json()["text"] == text
    assert "default-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_request_is_refused_naming_the_text(client: TestClient, text: str) -> None:
    r = post(client, "/api/v1/requests", {"text": text})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "text"


def test_a_100_kb_body_is_refused_before_it_is_read(client: TestClient) -> None:
    r = post(client, "/api/v1/requests", {"text": "x" * 100_000})
    assert r.status_code == 413 and "limit" in r.json()["error"]


def test_a_request_over_2000_characters_is_refused(client: TestClient) -> None:
    r = post(client, "/api/v1/requests", {"text": "y" * 2001})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "text"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 5}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": "go home", "priority": "asap"}, "priority"),
        ({"text": "go home", "place": 3}, "place"),
        ({"text": "go home", "colour": "red"}, "colour"),
        ({}, "text"),
    ],
)
def test_wrong_types_are_refused_naming_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    r = post(client, "/api/v1/requests", body)
    assert r.status_code == 422
    assert field in [p["field"] for p in r.json()["problems"]]


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    r = client.post(
        "/api/v1/requests",
        content=b"{not json",
        headers={**CHANGE, "content-type": "application/json"},
    )
    assert r.status_code == 422 and "JSON" in r.json()["error"]


def test_unknown_request_ids_are_404_and_malformed_ones_422(client: TestClient) -> None:
    assert client.get("/api/v1/requests/req-doesnotexist").status_code == 404
    r = post(client, "/api/v1/requests/req-doesnotexist/cancel", None)
    assert r.status_code == 404 and "req-doesnotexist" in r.json()["error"]
    assert client.get("/api/v1/requests/<script>").status_code in (404, 422)
    assert client.get("/api/v1/requests/a%20b").status_code == 422


def test_cancel_moves_a_request_to_cancelled_and_twice_is_a_conflict(client: TestClient) -> None:
    req = post(client, "/api/v1/requests", {"text": "patrol floor 2"}).json()
    r = post(client, f"/api/v1/requests/{req['id']}/cancel", None)
    assert r.status_code == 200 and r.json()["state"] == RequestState.CANCELLED.value
    again = post(client, f"/api/v1/requests/{req['id']}/cancel", None)
    assert again.status_code == 409 and "cancelled" in again.json()["error"]


# --- cross-site protection ----------------------------------------------------------------------


def test_a_change_without_the_console_header_is_refused(client: TestClient) -> None:
    r = client.post("/api/v1/requests", json={"text": "go to the kitchen"})
    assert r.status_code == 403 and r.json()["problems"][0]["field"] == "x-pepa-console"


def test_a_cross_site_form_post_cannot_make_a_request(client: TestClient) -> None:
    before = len(client.get("/api/v1/requests").json())
    form = client.post(
        "/api/v1/requests",
        content=b"text=go+to+the+kitchen",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "origin": "http://evil.example",
        },
    )
    assert form.status_code == 403
    spoofed = client.post(
        "/api/v1/requests",
        content=b"text=go",
        headers={**CHANGE, "content-type": "text/plain"},
    )
    assert spoofed.status_code == 403 and "JSON" in spoofed.json()["error"]
    other = post(client, "/api/v1/requests", {"text": "go"}, origin="http://evil.example")
    assert other.status_code == 403 and other.json()["problems"][0]["field"] == "origin"
    assert len(client.get("/api/v1/requests").json()) == before


def test_a_foreign_host_name_is_refused_without_a_token(client: TestClient) -> None:
    r = client.get("/api/v1/status", headers={"host": "rebound.evil.example"})
    assert r.status_code == 421


# --- memory -------------------------------------------------------------------------------------


def test_memory_search_by_text_place_and_time(client: TestClient) -> None:
    by_text = client.get("/api/v1/memory/search", params={"text": "explore"}).json()
    assert by_text and all("caption" in h["episode"] for h in by_text)
    room = by_text[0]["episode"]["room"]
    by_place = client.get("/api/v1/memory/search", params={"place": room}).json()
    assert by_place and all(h["episode"]["room"] == room for h in by_place)
    start, end = at(0, 23.7), at(0, 23.9)
    by_time = client.get("/api/v1/memory/search", params={"start": start, "end": end}).json()
    assert by_time and all(start <= h["episode"]["time"] <= end for h in by_time)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, ""),
        ({"text": "   "}, ""),
        ({"start": 10}, ""),
        ({"start": 100, "end": 10}, ""),
        ({"floor": "two"}, "floor"),
        ({"text": "x" * 501}, "text"),
        ({"text": "a", "k": 0}, "k"),
    ],
)
def test_bad_memory_searches_are_refused(
    client: TestClient, params: dict[str, object], field: str
) -> None:
    r = client.get("/api/v1/memory/search", params=params)
    assert r.status_code == 422
    if field:
        assert r.json()["problems"][0]["field"] == field
    else:
        assert r.json()["error"]


def test_an_episode_is_returned_by_id_and_unknown_ids_are_404(client: TestClient) -> None:
    hit = client.get("/api/v1/memory/search", params={"text": "explore", "k": 1}).json()[0]
    ep = client.get(f"/api/v1/memory/episodes/{hit['episode']['id']}").json()
    assert ep == hit["episode"]
    assert client.get("/api/v1/memory/episodes/ep-nope").status_code == 404


# --- reflections --------------------------------------------------------------------------------


def test_reflections_list_the_day_and_its_insights_cite_stored_episodes(
    client: TestClient,
) -> None:
    days = client.get("/api/v1/reflections").json()
    assert [d["day"] for d in days] == [0]
    day = client.get("/api/v1/reflections/0").json()
    r = day["reflection"]
    assert r["summary"] and r["weights_after"] and day["changes"]
    cited = [i for ins in r["insights"] for i in ins["episode_ids"]]
    assert cited
    assert client.get(f"/api/v1/memory/episodes/{cited[0]}").status_code == 200


def test_unknown_and_negative_days_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/reflections/9").status_code == 404
    assert client.get("/api/v1/reflections/-1").status_code == 422
    assert client.get("/api/v1/reflections/monday").status_code == 422


def test_feedback_is_stored_where_sys3_reads_it(
    client: TestClient, console_agent: LiveAgent
) -> None:
    note = "Spend less time resting at night <b>please</b>"
    r = post(client, "/api/v1/reflections/0/feedback", {"text": note})
    assert r.status_code == 200 and note in r.json()["feedback"]
    assert note in console_agent.runtime.sys3.log.read_feedback(0)
    assert note in client.get("/api/v1/reflections/0").json()["feedback"]


@pytest.mark.parametrize(
    ("day", "body", "status"),
    [
        (0, {"text": ""}, 422),
        (0, {"text": "z" * 4001}, 422),
        (0, {"note": "hi"}, 422),
        (5, {"text": "fine"}, 404),
    ],
)
def test_bad_feedback_is_refused(
    client: TestClient, day: int, body: dict[str, object], status: int
) -> None:
    assert post(client, f"/api/v1/reflections/{day}/feedback", body).status_code == status


# --- personality --------------------------------------------------------------------------------


def test_the_personality_and_the_others_are_listed(client: TestClient) -> None:
    p = client.get("/api/v1/personality").json()
    assert p["name"] == "Working" and p["active"] and p["ultimate_goal"]
    assert set(p["big_five"]) == {
        "openness",
        "conscientiousness",
        "extraversion",
        "agreeableness",
        "neuroticism",
    }
    names = [x["name"] for x in client.get("/api/v1/personalities").json()]
    assert names == ["Lazy", "Playful", "Cautious", "Working", "Curious"]


def test_switching_needs_confirmation_and_a_known_name(client: TestClient) -> None:
    r = post(client, "/api/v1/personality", {"name": "playful", "confirm": False})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "confirm"
    assert (
        post(client, "/api/v1/personality", {"name": "grumpy", "confirm": True}).status_code == 404
    )
    path = post(client, "/api/v1/personality", {"name": "../../etc/x.yaml", "confirm": True})
    assert path.status_code == 422 and path.json()["problems"][0]["field"] == "name"
    same = post(client, "/api/v1/personality", {"name": "working", "confirm": True})
    assert same.status_code == 409


def test_a_switch_changes_the_personality_hands_over_requests_and_is_remembered(
    tmp_path: Path,
) -> None:
    agent = LiveAgent(LiveAgentConfig(data_dir=tmp_path, personality="working", seed=5))
    try:
        backend = InProcessBackend(agent)
        with TestClient(create_app(backend), base_url=LOCAL) as c:
            req = post(c, "/api/v1/requests", {"text": "go to the ground kitchen"}).json()
            r = post(
                c,
                "/api/v1/personality",
                {"name": "lazy", "reason": "a quiet day", "confirm": True},
            )
            assert r.status_code == 200 and r.json()["name"] == "Lazy"
            assert c.get("/api/v1/status").json()["agent"]["personality"] == "Lazy"
            hits = c.get("/api/v1/memory/search", params={"text": "personality switched"}).json()
            switch = [h["episode"] for h in hits if h["episode"]["kind"] == "personality_switch"]
            assert switch and "Working to Lazy (a quiet day)" in switch[0]["caption"]
            handed = [x for x in c.get("/api/v1/requests").json() if x["text"] == req["text"]]
            assert handed and handed[0]["state"] in {"accepted", "deferred", "in_progress", "done"}
    finally:
        agent.stop()


# --- token --------------------------------------------------------------------------------------


def test_off_localhost_every_api_call_needs_the_token(token_client: TestClient) -> None:
    missing = token_client.get("/api/v1/status")
    assert missing.status_code == 401 and "required" in missing.json()["error"]
    wrong = token_client.get("/api/v1/status", headers={"authorization": "Bearer nope-nope"})
    assert wrong.status_code == 401 and "wrong" in wrong.json()["error"]
    ok = token_client.get("/api/v1/status", headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert token_client.get("/api/v1/events").status_code == 401
    assert token_client.get(f"/api/v1/status?token={TOKEN}").status_code == 401
    r = token_client.post("/api/v1/requests", json={"text": "go"}, headers=CHANGE)
    assert r.status_code == 401
    assert token_client.get("/api/v1/health").json() == {"ok": True, "token_required": True}


def test_a_session_cookie_carries_the_token_for_the_pages(
    console_backend: InProcessBackend,
) -> None:
    settings = ConsoleSettings(host="0.0.0.0", token=TOKEN)
    with TestClient(create_app(console_backend, settings), base_url="http://10.0.0.5") as c:
        bad = c.post("/api/v1/session", json={"token": "guess-guess"}, headers=CHANGE)
        assert bad.status_code == 401 and c.get("/api/v1/status").status_code == 401
        good = c.post("/api/v1/session", json={"token": TOKEN}, headers=CHANGE)
        assert good.status_code == 204
        cookie = good.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert c.get("/api/v1/status").status_code == 200
        c.delete("/api/v1/session", headers=CHANGE)
        c.cookies.clear()
        assert c.get("/api/v1/status").status_code == 401


def test_settings_demand_a_token_off_loopback() -> None:
    with pytest.raises(ValueError, match="token is required"):
        ConsoleSettings(host="0.0.0.0")
    with pytest.raises(ValueError, match="at least 16"):
        ConsoleSettings(host="0.0.0.0", token="short")
    assert not ConsoleSettings().needs_token


# --- pages, schema, event stream ----------------------------------------------------------------


def test_the_pages_are_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<main" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    for asset in ("/static/console.js", "/static/console.css"):
        assert client.get(asset).status_code == 200


def test_the_openapi_description_lists_every_endpoint(client: TestClient) -> None:
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/status",
        "/api/v1/floors",
        "/api/v1/floors/{floor}/map.png",
        "/api/v1/directory",
        "/api/v1/camera",
        "/api/v1/trail",
        "/api/v1/days/{day}/glance",
        "/api/v1/events",
        "/api/v1/requests",
        "/api/v1/requests/{request_id}",
        "/api/v1/requests/{request_id}/cancel",
        "/api/v1/memory/search",
        "/api/v1/memory/episodes/{episode_id}",
        "/api/v1/reflections",
        "/api/v1/reflections/{day}",
        "/api/v1/reflections/{day}/feedback",
        "/api/v1/personality",
        "/api/v1/personalities",
        "/api/v1/session",
        "/api/v1/health",
    } <= paths


def test_the_event_stream_pushes_status_and_request_changes(
    console_backend: InProcessBackend, console_agent: LiveAgent
) -> None:
    server = BackgroundServer(console_backend, ConsoleSettings(port=0))
    base = server.start()
    events: list[tuple[str, dict[str, object]]] = []
    try:
        with (
            httpx.Client(base_url=base, timeout=10.0) as http,
            http.stream("GET", "/api/v1/events") as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            kind = ""
            sent = False
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line[6:])))
                    if not sent:
                        sent = True
                        http.post(
                            "/api/v1/requests", json={"text": "go to the lobby"}, headers=CHANGE
                        )
                        console_agent.advance(5.0)
                if any(k == "request" for k, _ in events):
                    break
    finally:
        server.stop()
    assert events[0][0] == "status" and "agent" in events[0][1]
    pushed = [d for k, d in events if k == "request"]
    assert pushed and pushed[0]["text"] == "go to the lobby"


def test_the_request_box_takes_as_many_characters_as_a_request_may_hold() -> None:
    """The page cannot read the model's limit, so this holds the two together."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    box = page[page.index('id="request-text"') :].split(">", 1)[0]
    assert f'maxlength="{UserRequest.MAX_TEXT}"' in box
