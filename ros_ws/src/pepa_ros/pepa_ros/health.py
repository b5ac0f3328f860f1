"""Each agent node's health on one latched topic: bad messages dropped, loop deadlines, boot.

The agent's status (``/pepa/status``) reports the bad messages of every agent node, and a
node that sees another's ``boot`` change knows it was restarted (Sys2 then hands a restarted
Sys1 the rest of its plan).
"""

from __future__ import annotations

from pydantic import Field

from pepa.messages import Message


class NodeHealth(Message):
    node: str = Field(min_length=1, max_length=64)
    boot: str = Field(min_length=1, description="changes each time the node starts")
    time: float = Field(ge=0, description="ROS time of the report (s)")
    bad_messages: int = Field(default=0, ge=0)
    bad_by_topic: dict[str, int] = Field(default_factory=dict)
    loop_ticks: int = Field(default=0, ge=0, description="control-loop ticks (Sys1)")
    loop_misses: int = Field(default=0, ge=0, description="ticks that missed their deadline")
    loop_max_late_ms: float = Field(default=0.0, ge=0)
    loop_long_steps: int = Field(
        default=0, ge=0, description="missed ticks whose own step overran the period"
    )
    loop_max_step_ms: float = Field(default=0.0, ge=0)
