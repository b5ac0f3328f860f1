"""inspect on every landmark of the default office: the robot stands where its low camera can
read the marker, so the look succeeds (it used to stand so close that markers at table
height left the top of the image)."""

from __future__ import annotations

import math

from sys1_support import office, rig

from pepa.agent.sys1.executor import HandleState
from pepa.agent.sys1.perception import OracleDetector, nearest_readable_m
from pepa.agent.sys1.skills.looking import _marker_point, _viewpoint
from pepa.robot import RobotPose


def test_each_landmark_is_readable_from_its_inspection_viewpoint() -> None:
    r = rig()
    ctx = r.sys1.ctx
    det = ctx.perception.detector
    assert isinstance(det, OracleDetector)
    cfg = ctx.config.perception
    unreadable = []
    for lm in office().landmarks:
        floor, x, y = _viewpoint(ctx, lm)
        _, mx, my = _marker_point(lm)
        pose = RobotPose(x, y, math.atan2(my - y, mx - x), floor)
        seen = [
            s
            for s in det.truth.visible(pose, math.radians(cfg.fov_deg), cfg.range_m)
            if s.ident == lm.id
        ]
        if not seen or not det.readable(seen[0]):
            unreadable.append(lm.id)
    assert not unreadable, f"not readable from the viewpoint: {unreadable}"


def test_nearest_readable_depth_grows_with_the_marker_height() -> None:
    cfg = rig().sys1.ctx.config.perception
    low = nearest_readable_m(cfg, cfg.camera_mount_m, 0.25)
    high = nearest_readable_m(cfg, 1.5, 0.25)
    assert 0.0 < low < high


def test_inspecting_every_landmark_of_the_office_succeeds() -> None:
    r = rig()
    landmarks = office().landmarks
    failures = []
    for lm in landmarks:
        h = r.call("inspect", object=lm.id, limit_s=1800)
        if h.state != HandleState.SUCCESS:
            failures.append(f"{lm.id}: {h.reason}")
    assert len(failures) <= 0.1 * len(landmarks), failures
