"""Sys1's live state: what Sys2 and Sys3 decide on, on every host."""

from __future__ import annotations

from sys1_support import rig

from pepa.agent.sys1.executor import HandleState
from pepa.messages import SkillCall


def test_a_skill_that_ends_between_looks_leaves_the_robot_idle_in_the_live_state() -> None:
    """The public context is written at each look; the skill ended after the last one, so
    its snapshot still names the skill. A goal "when idle" reads the live state, which must
    say idle at once (as the Sys1 node publishes it), or it would not fire in-process."""
    r = rig()
    sys1 = r.sys1
    h = sys1.run(SkillCall(skill="explore", args={"floor": 1}))
    while not h.done:
        wake = sys1.tick(r.world.now)
        if r.world.robot.moving:
            r.world.step(wake - r.world.now)
        else:
            r.world.skip(wake)
    assert h.state == HandleState.SUCCESS
    assert sys1.public.read().current_skill == "explore"  # the last look, during the skill
    live = sys1.live_state()
    assert live.idle and live.current_skill is None
    assert live.time == sys1.ctx.now
    assert live.pose == sys1.ctx.pose.to_pose()
