"""Small helpers to write SDFormat 1.9 with ElementTree: poses, boxes, materials.

Every collision of the building carries one bitmask, the elevator cars and landing doors
others, so cars and doors slide through walls and slabs while the robot (default mask, all
bits) collides with all of them.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterable

SDF_VERSION = "1.9"
BUILDING_BITMASK = 0x01
DOOR_BITMASK = 0x02
CAR_BITMASK = 0x04

Rgba = tuple[float, float, float, float]


def num(v: float) -> str:
    """A number as SDF text: millimetre precision is plenty for a building."""
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def vec(*values: float) -> str:
    return " ".join(num(v) for v in values)


def sub(parent: ET.Element, tag: str, text: str | float | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text if isinstance(text, str) else num(text)
    return el


def pose(
    parent: ET.Element,
    x: float,
    y: float,
    z: float,
    roll: float = 0.0,
    pitch: float = 0.0,
    yaw: float = 0.0,
) -> ET.Element:
    return sub(parent, "pose", vec(x, y, z, roll, pitch, yaw))


def material(parent: ET.Element, rgba: Rgba, albedo_map: str | None = None) -> ET.Element:
    m = sub(parent, "material")
    sub(m, "ambient", vec(*rgba))
    sub(m, "diffuse", vec(*rgba))
    if albedo_map is not None:
        metal = sub(sub(m, "pbr"), "metal")
        sub(metal, "albedo_map", albedo_map)
        sub(metal, "metalness", 0.0)
        sub(metal, "roughness", 1.0)
    return m


def box(
    link: ET.Element,
    name: str,
    size: tuple[float, float, float],
    at: tuple[float, float, float],
    rgba: Rgba,
    *,
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0),
    bitmask: int | None = BUILDING_BITMASK,
    transparency: float = 0.0,
) -> None:
    """A box visual, and a collision of the same shape unless ``bitmask`` is None."""
    kinds = ("visual", "collision") if bitmask is not None else ("visual",)
    for kind in kinds:
        el = sub(link, kind, name=name)
        pose(el, *at, *rpy)
        sub(sub(sub(el, "geometry"), "box"), "size", vec(*size))
        if kind == "visual":
            material(el, rgba)
            if transparency > 0:
                sub(el, "transparency", transparency)
        else:
            contact = sub(sub(el, "surface"), "contact")
            sub(contact, "collide_bitmask", f"0x{bitmask:02x}")


def prism(
    link: ET.Element,
    name: str,
    rect: tuple[float, float, float, float],
    z0: float,
    z1: float,
    rgba: Rgba,
    *,
    bitmask: int | None = BUILDING_BITMASK,
    transparency: float = 0.0,
) -> None:
    """A box over the footprint ``rect`` (x0, y0, x1, y1) from height ``z0`` up to ``z1``."""
    x0, y0, x1, y1 = rect
    size = (x1 - x0, y1 - y0, z1 - z0)
    at = ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)
    box(link, name, size, at, rgba, bitmask=bitmask, transparency=transparency)


def inertial(link: ET.Element, mass: float, size: tuple[float, float, float]) -> None:
    """A solid box's inertia (the bodies here are boxes, wheels near enough)."""
    x, y, z = size
    el = sub(link, "inertial")
    sub(el, "mass", mass)
    inertia = sub(el, "inertia")
    for tag, value in (
        ("ixx", mass * (y * y + z * z) / 12),
        ("iyy", mass * (x * x + z * z) / 12),
        ("izz", mass * (x * x + y * y) / 12),
        ("ixy", 0.0),
        ("ixz", 0.0),
        ("iyz", 0.0),
    ):
        sub(inertia, tag, value)


def plugin(parent: ET.Element, filename: str, name: str, **params: str | float) -> ET.Element:
    el = sub(parent, "plugin", filename=filename, name=name)
    for key, value in params.items():
        sub(el, key, value)
    return el


def document(root: ET.Element) -> str:
    sdf = ET.Element("sdf", version=SDF_VERSION)
    sdf.append(root)
    ET.indent(sdf)
    return '<?xml version="1.0"?>\n' + ET.tostring(sdf, encoding="unicode") + "\n"


def intervals_minus(
    span: tuple[float, float], holes: Iterable[tuple[float, float]], eps: float = 1e-6
) -> list[tuple[float, float]]:
    """The parts of ``span`` outside every hole."""
    parts = [span]
    for h0, h1 in sorted(holes):
        out = []
        for a, b in parts:
            if h1 <= a + eps or h0 >= b - eps:
                out.append((a, b))
                continue
            if h0 > a + eps:
                out.append((a, h0))
            if h1 < b - eps:
                out.append((h1, b))
        parts = out
    return parts


def merge_intervals(
    spans: Iterable[tuple[float, float]], eps: float = 1e-6
) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + eps:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


Rect = tuple[float, float, float, float]


def rect_minus(rect: Rect, holes: Iterable[Rect], eps: float = 1e-6) -> list[Rect]:
    """``rect`` minus the holes, as rectangles: the arrangement of every hole edge, its cells
    outside the holes, merged along x within each row of cells."""
    x0, y0, x1, y1 = rect
    clipped = [
        (max(x0, a), max(y0, b), min(x1, c), min(y1, d))
        for a, b, c, d in holes
        if a < x1 - eps and c > x0 + eps and b < y1 - eps and d > y0 + eps
    ]
    xs = sorted({x0, x1, *(h[0] for h in clipped), *(h[2] for h in clipped)})
    ys = sorted({y0, y1, *(h[1] for h in clipped), *(h[3] for h in clipped)})
    out: list[Rect] = []
    for ya, yb in itertools.pairwise(ys):
        if yb - ya <= eps:
            continue
        run: tuple[float, float] | None = None
        for xa, xb in itertools.pairwise(xs):
            if xb - xa <= eps:
                continue
            mx, my = (xa + xb) / 2, (ya + yb) / 2
            inside = any(h[0] <= mx <= h[2] and h[1] <= my <= h[3] for h in clipped)
            if inside:
                if run:
                    out.append((run[0], ya, run[1], yb))
                run = None
            else:
                run = (run[0], xb) if run else (xa, xb)
        if run:
            out.append((run[0], ya, run[1], yb))
    return out
