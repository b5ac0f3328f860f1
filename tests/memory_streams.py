"""Episode builders for the memory tests: small streams whose answers are known exactly."""

from __future__ import annotations

from typing import Any

from pepa.clock import at, day_of
from pepa.messages import Experience, Pose

KNOWN_PLACES = {
    0: ["lobby", "dock", "elevator hall"],
    1: ["lab", "office"],
    2: ["kitchen", "copy room", "meeting room"],
}


def episode(
    day: int,
    hour: float,
    floor: int,
    room: str,
    caption: str,
    x: float = 0.0,
    y: float = 0.0,
    **fields: Any,
) -> Experience:
    t = at(day, hour)
    return Experience(
        time=t,
        day=day_of(t),
        floor=floor,
        room=room,
        pose=Pose(x=x, y=y, floor=floor),
        caption=caption,
        **fields,
    )


def office_stream() -> list[Experience]:
    """Two days in a three-floor office, with a few facts worth asking about."""
    return [
        episode(0, 8.0, 0, "dock", "undocked and started the day", x=1.0, y=1.0),
        episode(
            0,
            9.0,
            2,
            "copy room",
            "the printer was out of paper",
            x=10.0,
            y=5.0,
            objects=["printer"],
            id="ep-printer-1",
        ),
        episode(
            0,
            12.2,
            2,
            "kitchen",
            "had a chat with alice by the coffee machine",
            x=20.0,
            y=8.0,
            people=["alice"],
            objects=["coffee machine"],
            kind="social",
            id="ep-kitchen-1",
        ),
        episode(
            0,
            12.7,
            2,
            "kitchen",
            "bob was heating his lunch",
            x=21.0,
            y=9.0,
            people=["bob"],
            kind="social",
            id="ep-kitchen-2",
        ),
        episode(0, 13.5, 2, "kitchen", "the kitchen was empty and quiet", x=20.0, y=8.0),
        episode(
            0,
            17.0,
            0,
            "dock",
            "carol said goodbye next to the dock",
            x=2.0,
            y=1.5,
            people=["carol"],
            kind="social",
            id="ep-dock-carol",
        ),
        episode(
            0,
            17.5,
            0,
            "dock",
            "dave waved from the far end of the lobby side",
            x=9.0,
            y=1.0,
            people=["dave"],
            kind="social",
            id="ep-dock-dave-far",
        ),
        episode(
            1,
            10.0,
            2,
            "copy room",
            "the printer jammed and showed a red light",
            x=10.5,
            y=5.0,
            objects=["printer"],
            outcome="failure",
            skill="inspect",
            id="ep-printer-2",
        ),
        episode(
            1,
            11.0,
            1,
            "lab",
            "a printer in the lab is being repaired",
            x=3.0,
            y=3.0,
            objects=["printer"],
            id="ep-printer-lab",
        ),
        episode(
            1,
            12.5,
            2,
            "kitchen",
            "alice asked me to fetch the mail",
            x=20.0,
            y=8.5,
            people=["alice"],
            kind="request",
            source="user",
            id="ep-kitchen-3",
        ),
        episode(1, 16.0, 0, "lobby", "patrolled the lobby", x=5.0, y=5.0, skill="patrol"),
    ]
