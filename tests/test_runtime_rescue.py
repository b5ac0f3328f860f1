"""The night boundary with a robot that cannot get home: carried to the dock, and it shows.

Days are shortened (08:00-08:30) so a day and the next morning run in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

from pepa.agent.experiment import summary_of
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.runtime.runtime import Phase, Runtime
from pepa.clock import at


def _runtime(out: Path) -> Runtime:
    return Runtime(RuntimeConfig(personality="lazy", seed=3, day_start_h=8.0, day_end_h=8.5), out)


def test_robot_with_an_empty_battery_off_the_dock_is_carried_there_overnight(
    tmp_path: Path,
) -> None:
    rt = _runtime(tmp_path)
    try:
        rt.advance_to(at(0, 8.4))
        w = rt.world
        assert w is not None
        w.robot.x, w.robot.y = 20.0, 10.0  # in corridor 0, far from the dock
        w.battery.energy_wh = 0.0
        w.robot.stopped = True
        while rt.day == 0:
            rt.advance_to(rt.now + 60.0)
        while rt.phase != Phase.DAY:
            rt.advance_to(rt.now + 1.0)
        w = rt.world
        assert w is not None
        assert w.charging, "the next morning starts on the dock"
        assert w.battery.soc > 0.5 and not w.robot.stopped
        day0 = json.loads((tmp_path / "runtime" / "trace" / "day-0000.json").read_text())
        assert day0["rescues"] == 1
        assert any("carried to the dock" in line for _t, line in day0["world_log"])
        assert summary_of(rt).rescues == 1  # what summary.json says
    finally:
        rt.close()


def test_robot_able_to_move_stays_where_it_ended_the_day(tmp_path: Path) -> None:
    rt = _runtime(tmp_path)
    try:
        rt.advance_to(at(0, 8.4))
        w = rt.world
        assert w is not None
        w.robot.x, w.robot.y = 20.0, 10.0
        w.battery.energy_wh = 0.5 * w.battery.config.capacity_wh
        while rt.day == 0:
            rt.advance_to(rt.now + 60.0)
        day0 = json.loads((tmp_path / "runtime" / "trace" / "day-0000.json").read_text())
        assert day0["rescues"] == 0  # docked by its own bedtime routine, or stays out: not carried
        assert not any("carried to the dock" in line for _t, line in day0["world_log"])
    finally:
        rt.close()
