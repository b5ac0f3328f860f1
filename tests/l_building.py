"""A test building unlike the default office: an L of two corridors (one along x, one along
y), four floors, two stairwells whose landings face opposite ways, an elevator that serves
only the lower floors, and the dock on floor 1 — the shape that made the robot flip-flop on a
stairwell between floors until its battery was empty."""

from __future__ import annotations

from pepa.building.layout import Building, parse_building

FLOORS = 4
ELEVATOR_FLOORS = (0, 1, 2)


def _room(rid: str, kind: str, floor: int, rect: tuple[float, float, float, float]) -> dict:
    return {
        "id": f"{rid}_{floor}",
        "name": f"{rid.replace('_', ' ').capitalize()} {floor}",
        "kind": kind,
        "floor": floor,
        "rect": list(rect),
    }


def _door(a: str, b: str, floor: int, center: tuple[float, float], width: float = 1.0) -> dict:
    return {
        "id": f"door_{a}_{floor}",
        "floor": floor,
        "between": [f"{a}_{floor}", f"{b}_{floor}"],
        "center": list(center),
        "width_m": width,
    }


def _lobby_kind(floor: int) -> str:
    return "elevator_lobby" if floor in ELEVATOR_FLOORS else "storage"


def l_building_spec(floors: int = FLOORS) -> dict:
    """The building file's content (a plain dict, as YAML would load it)."""
    rooms: list[dict] = []
    doors: list[dict] = []
    for f in range(floors):
        rooms += [
            _room("corridor_a", "corridor", f, (0, 6, 40, 10)),
            _room("corridor_b", "corridor", f, (36, 10, 40, 40)),
            _room("stairwell_west", "stairwell", f, (0, 0, 8, 6)),
            _room("office_a1", "office", f, (8, 0, 16, 6)),
            _room("office_a2", "office", f, (16, 0, 24, 6)),
            _room("meeting_a", "meeting", f, (24, 0, 32, 6)),
            _room("kitchen_a", "kitchen", f, (32, 0, 40, 6)),
            _room("lift_lobby", _lobby_kind(f), f, (2.5, 10, 8, 16)),
            _room("office_a3", "office", f, (8, 10, 16, 16)),
            _room("office_a4", "office", f, (16, 10, 24, 16)),
            _room("lab", "lab", f, (24, 10, 30, 16)),
            _room("office_b1", "office", f, (30, 16, 36, 24)),
            _room("office_b2", "office", f, (30, 24, 36, 32)),
            _room("meeting_b", "meeting", f, (30, 32, 36, 40)),
            _room("office_b3", "office", f, (40, 16, 46, 24)),
            _room("office_b4", "office", f, (40, 24, 46, 32)),
            _room("stairwell_east", "stairwell", f, (40, 32, 48, 38)),
        ]
        doors += [
            _door("corridor_b", "corridor_a", f, (38, 10), 2.0),
            _door("stairwell_west", "corridor_a", f, (6.5, 6), 1.6),
            _door("office_a1", "corridor_a", f, (12, 6)),
            _door("office_a2", "corridor_a", f, (20, 6)),
            _door("meeting_a", "corridor_a", f, (28, 6)),
            _door("kitchen_a", "corridor_a", f, (34, 6)),
            _door("lift_lobby", "corridor_a", f, (5.25, 10), 1.6),
            _door("office_a3", "corridor_a", f, (12, 10)),
            _door("office_a4", "corridor_a", f, (20, 10)),
            _door("lab", "corridor_a", f, (27, 10)),
            _door("office_b1", "corridor_b", f, (36, 20)),
            _door("office_b2", "corridor_b", f, (36, 28)),
            _door("meeting_b", "corridor_b", f, (36, 36)),
            _door("office_b3", "corridor_b", f, (40, 20)),
            _door("office_b4", "corridor_b", f, (40, 28)),
            _door("stairwell_east", "corridor_b", f, (40, 35), 1.6),
        ]
    levels = list(range(floors))
    return {
        "name": "l_building",
        "description": "Two corridors in an L, four floors, two stairwells, a low-rise lift.",
        "aruco_dictionary": "DICT_4X4_50",
        "entrance": "corridor_a_0",
        "home": "lab_1",
        "dock": {"room": "lab_1", "x": 27.0, "y": 15.3, "theta_deg": -90},
        "floors": [{"level": f, "name": f"Floor {f}", "elevation_m": 3.5 * f} for f in levels],
        "rooms": rooms,
        "doors": doors,
        "elevators": [
            {
                "id": "lift",
                "name": "Lift",
                "shaft": [0, 11, 2.5, 15],
                "floors": list(ELEVATOR_FLOORS),
                "doors": [
                    {
                        "floor": f,
                        "lobby": f"lift_lobby_{f}",
                        "center": [2.5, 13.0],
                        "width_m": 1.2,
                        "panel_marker_id": f,
                        "panel": [2.5, 11.6],
                    }
                    for f in ELEVATOR_FLOORS
                ],
            }
        ],
        "stairs": [
            # landing to the east, like the default office's; then its mirror image
            _stairs("west", levels, (1.6, 4.5), 0.0, (0.0, 1.6), "east"),
            _stairs("east", levels, (43.5, 46.4), 32.0, (46.4, 48.0), "west"),
        ],
    }


def _stairs(
    side: str,
    levels: list[int],
    flights_x: tuple[float, float],
    y0: float,
    mid_x: tuple[float, float],
    landing: str,
) -> dict:
    """A 6 m deep stairwell from ``y0``: two flights along x and the mid landing beside them."""
    fx0, fx1 = flights_x
    return {
        "id": f"stairs_{side}",
        "name": f"{side.capitalize()} stairwell",
        "rooms": [f"stairwell_{side}_{f}" for f in levels],
        "floors": levels,
        "up_flight": [fx0, y0 + 0.1, fx1, y0 + 2.9],
        "down_flight": [fx0, y0 + 3.1, fx1, y0 + 5.9],
        "mid_landing": [mid_x[0], y0, mid_x[1], y0 + 6.0],
        "landing_side": landing,
    }


def l_building(floors: int = FLOORS) -> Building:
    return parse_building(l_building_spec(floors), source="tests/l_building.py")
