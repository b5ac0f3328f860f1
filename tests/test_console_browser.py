"""The console's pages in real headless Chromium (Debian's), driven by Playwright.

The console serves the real in-process agent on a free localhost port; the agent lives on a
wall clock sped up 20 times. Screenshots go to ``test-artifacts/console/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from console_support import ARTIFACTS

from pepa.agent.console.inprocess import InProcessBackend
from pepa.agent.console.live_agent import LiveAgent
from pepa.agent.console.server import BackgroundServer
from pepa.agent.console.settings import ConsoleSettings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TOKEN = "browser-test-token-0123456789"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def console_url(console_backend: InProcessBackend, console_agent: LiveAgent) -> Iterator[str]:
    server = BackgroundServer(console_backend, ConsoleSettings(port=0))
    url = server.start()
    console_agent.start()
    yield url
    console_agent.stop()
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system-deps)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, console_url: str) -> Iterator[object]:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.goto(console_url + "/#live")
    p.wait_for_selector("#strip-link:has-text('live')")
    yield p
    context.close()
    assert not errors, f"errors in the page: {errors}"


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_live_page_shows_the_camera_with_its_markers_and_the_trail(page: object) -> None:
    """First in the module: the robot patrols its first hour then, passing markers."""
    page.wait_for_selector("#camera-img[src^='data:image/jpeg']", state="attached")
    size = page.evaluate(
        "[document.getElementById('camera-img').naturalWidth,"
        " document.getElementById('camera').clientWidth]"
    )
    assert 0 < size[0] <= 640, f"frame {size[0]}px wide for a {size[1]}px box"
    for _ in range(900):  # the robot goes about its day until a marker is in view
        if page.locator("#camera-markers li").count():
            break
        page.wait_for_timeout(100)
    names = page.locator("#camera-markers li").all_inner_texts()
    assert names, "no marker came into view in 90 s of the robot's day (30 simulated minutes)"
    assert page.locator("#camera-overlay .marker polygon").count() == len(names)
    labels = page.locator("#camera-overlay .marker text").all_text_contents()
    assert all(label in text for label, text in zip(labels, names, strict=True))
    assert "marker" in page.locator("#camera-caption").inner_text()
    page.wait_for_selector("#map-overlay .trail polyline", state="attached")
    points = page.locator("#map-overlay .trail polyline").first.get_attribute("points") or ""
    assert len(points.split()) >= 2
    page.locator("#camera").scroll_into_view_if_needed()
    shot(page, "live-camera-trail")


def test_a_request_moves_through_its_states_in_the_live_view(page: object) -> None:
    page.click("nav >> text=Requests")
    page.fill("#request-text", "please go to the mail room")
    page.click("text=Send request")
    page.wait_for_selector("#request-result:has-text('Sent')")
    shot(page, "requests-sent")
    page.click("nav >> text=Live")
    item = page.locator("#live-requests li", has_text="please go to the mail room")
    seen: list[str] = []
    for _ in range(600):
        state = item.locator(".badge").get_attribute("data-state")
        if state and (not seen or seen[-1] != state):
            seen.append(state)
            if state == "in_progress":
                shot(page, "live-in-progress")
        if state == "done":
            break
        page.wait_for_timeout(100)
    assert seen[-1] == "done", f"states seen in the live view: {seen}"
    assert len(seen) >= 2, f"the live view never showed the request change: {seen}"
    page.click("nav >> text=Requests")
    card = page.locator("#request-list li.request", has_text="please go to the mail room")
    card.locator("summary").click()
    history = card.locator(".history").inner_text()
    for state in ("queued", "accepted", "in progress", "done"):
        assert state in history
    shot(page, "requests-done")


def test_a_script_in_a_request_is_shown_as_text_and_runs_nothing(page: object) -> None:
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    page.click("nav >> text=Requests")
    page.fill("#request-text", evil)
    page.click("text=Send request")
    page.wait_for_selector("#request-result:has-text('Sent')")
    card = page.locator("#request-list li.request").filter(has_text="window.__pwned")
    assert card.locator(".req-text").first.inner_text() == evil
    assert card.locator("img, script").count() == 0
    page.click("nav >> text=Live")
    page.wait_for_selector("#live-requests li:has-text('window.__pwned')")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img[src='x'], main script").count() == 0
    shot(page, "script-as-text")


def test_open_a_days_reflection_and_follow_an_insight_to_its_episode(page: object) -> None:
    page.click("nav >> text=Reflections")
    page.click("#day-list >> text=Day 0")
    page.wait_for_selector("#day:not([hidden])")
    assert page.locator("#day-summary").inner_text().startswith("Day 0")
    assert page.locator("#day-chart svg rect").count() >= 12
    assert page.locator("#day-changes li").count() >= 1
    shot(page, "reflection-day0")
    link = page.locator("#day-insights a.episode-link").first
    episode_id = link.inner_text()
    link.click()
    page.wait_for_selector("#episode:not([hidden])")
    assert page.url.endswith(f"#memory/{episode_id}")
    assert page.locator("#episode-title").inner_text() == f"Episode {episode_id}"
    assert "Caption" in page.locator("#episode-facts").inner_text()
    shot(page, "insight-episode")


def test_search_memory_and_open_an_episode(page: object) -> None:
    page.click("nav >> text=Memory")
    page.fill("#memory-text", "explore")
    page.click("text=Search memory")
    page.wait_for_selector("#memory-result:has-text('found')")
    hits = page.locator("#memory-hits li")
    assert hits.count() > 0
    hits.first.locator("text=Details").click()
    page.wait_for_selector("#episode:not([hidden])")
    assert page.locator("#episode-title").inner_text().startswith("Episode ep-")
    page.fill("#memory-text", "")
    page.fill("#memory-day", "0")
    page.fill("#memory-from", "23.5")
    page.fill("#memory-to", "24")
    page.click("text=Search memory")
    page.wait_for_selector("#memory-result:has-text('found')")
    assert page.locator("#memory-hits li").count() > 0
    shot(page, "memory-search")


def test_leave_feedback_on_a_day(page: object, console_agent: LiveAgent) -> None:
    note = "Greet people in the morning <i>before</i> exploring."
    page.goto(page.url.split("#")[0] + "#reflections/0")
    page.wait_for_selector("#day:not([hidden])")
    page.fill("#feedback-text", note)
    page.click("text=Leave feedback")
    page.wait_for_selector("#feedback-result:has-text('Thank you')")
    assert note in page.locator("#day-feedback").inner_text()
    assert note in console_agent.runtime.sys3.log.read_feedback(0)
    shot(page, "feedback")


def test_the_live_map_shows_the_robot_and_is_usable_by_keyboard(page: object) -> None:
    page.wait_for_selector("#map-overlay .robot circle", state="attached")
    assert "The robot is here" in (page.locator("#map-desc").text_content() or "")
    assert page.locator("#map-overlay .elevator").count() >= 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Live"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-requests:not([hidden])")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.wait_for_timeout(200)
    shot(page, "live-desktop")


def test_every_page_fits_a_phone_screen(browser: object, console_url: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    p = context.new_page()
    try:
        for name in ("live", "requests", "memory", "reflections", "personality"):
            p.goto(f"{console_url}/#{name}")
            p.wait_for_selector(f"#page-{name}:not([hidden])")
            p.wait_for_timeout(600)
            width = p.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"page {name} is {width}px wide on a phone"
            shot(p, f"phone-{name}")
        p.goto(f"{console_url}/#reflections/0")
        p.wait_for_selector("#day:not([hidden])")
        shot(p, "phone-reflection-day0")
    finally:
        context.close()


def test_personality_page_switch_asks_for_confirmation(page: object) -> None:
    page.click("nav >> text=Personality")
    page.wait_for_selector("#pers-name:has-text('Working')")
    page.click("text=Switch to Curious…")
    assert page.locator("#switch-dialog").is_visible()
    shot(page, "personality-confirm")
    page.click("text=Keep the current one")
    page.wait_for_timeout(300)
    assert page.locator("#pers-name").inner_text() == "Working"


def test_off_localhost_the_page_asks_for_the_token(
    browser: object, console_backend: InProcessBackend
) -> None:
    settings = ConsoleSettings(host="127.0.0.1", port=0, token=TOKEN)
    server = BackgroundServer(console_backend, settings)
    url = server.start()
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    try:
        p = context.new_page()
        p.goto(url + "/")
        p.wait_for_selector("#page-login:not([hidden])")
        p.fill("#login-token", "wrong-token-wrong-token")
        p.click("button:has-text('Sign in')")
        p.wait_for_selector("#notice:has-text('Sign-in failed')")
        p.fill("#login-token", TOKEN)
        p.click("button:has-text('Sign in')")
        p.wait_for_selector("#strip-link:has-text('live')")
        assert TOKEN not in p.url
        shot(p, "signed-in")
    finally:
        context.close()
        server.stop()


def test_the_live_page_shows_today_at_a_glance_and_the_battery(page: object) -> None:
    page.wait_for_selector("#live-glance svg.timeline rect", state="attached")
    page.wait_for_selector("#live-battery-chart polyline.soc", state="attached")
    desc = page.locator("#live-glance svg.timeline desc").text_content() or ""
    assert "min" in desc and "request" in desc
    title = page.locator("#live-battery-chart title").text_content() or ""
    assert title.startswith("Battery on day 1")
    page.locator("#today-title").scroll_into_view_if_needed()
    shot(page, "live-today-glance")


def test_a_reflected_day_shows_its_timeline_and_heatmap_usable_by_keyboard(page: object) -> None:
    page.goto(page.url.split("#")[0] + "#reflections/0")
    page.wait_for_selector("#day-glance svg.timeline rect", state="attached")
    lanes = page.locator("#day-glance svg.timeline text.lane").all_text_contents()
    assert lanes[0] == "new requests" and len(lanes) >= 2
    assert page.locator("#day-glance .heat-floor").count() == 3
    assert page.locator("#day-glance rect.heat").count() >= 1
    assert "min" in (page.locator("#day-glance .heat-floor figcaption").first.inner_text())
    assert page.locator("#day-glance .places li").count() >= 1
    summary = page.locator("#day-glance details.glance-list summary")
    summary.focus()
    page.keyboard.press("Enter")
    items = page.locator("#day-glance details.glance-list li")
    assert items.first.is_visible() and items.count() >= 2
    page.locator("#day-glance").scroll_into_view_if_needed()
    shot(page, "reflection-day0-glance")


def test_the_day_at_a_glance_fits_a_phone(browser: object, console_url: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    p = context.new_page()
    try:
        p.goto(f"{console_url}/#reflections/0")
        p.wait_for_selector("#day-glance svg.timeline rect", state="attached")
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the day at a glance is {width}px wide on a phone"
        p.locator("#day-glance").scroll_into_view_if_needed()
        shot(p, "phone-reflection-glance")
        p.goto(f"{console_url}/#live")
        p.wait_for_selector("#camera-img[src^='data:image/jpeg']", state="attached")
        natural = p.evaluate("document.getElementById('camera-img').naturalWidth")
        assert natural <= 640
        p.locator("#camera").scroll_into_view_if_needed()
        shot(p, "phone-live-camera")
    finally:
        context.close()
