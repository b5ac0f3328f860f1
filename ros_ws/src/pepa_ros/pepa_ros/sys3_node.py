"""Sys3 and the episodic memory as a ROS 2 node: a thin adapter around
:class:`pepa.agent.sys3.system.Sys3` and :class:`pepa.memory.episodic.EpisodicMemory`.

The node owns the memory (one ChromaDB store per data directory, so one writer): episodes
from ``/pepa/experiences`` are written in small batches, and the memory queries of the console
are answered through the ``/pepa/rpc/sys3`` calls and, for any ROS client, the
``/pepa/memory/query`` service (``pepa_interfaces/srv/QueryMemory``). It publishes the
ultimate goal (latched, carrying the personality Sys2 follows), today's daily goals and the
reflections. When the simulated day rolls over it does what the in-process runtime does at
night: write what is buffered, reflect on the day (which moves the reward weights and writes
tomorrow's goals), consolidate the day's memory, then publish the new day's goals.

Data layout as the in-process console's: ``memory/`` for episodes, ``self/<personality>/`` for
that personality's Sys3 (ultimate goal, reward weights, daily goals, reflection log), so a
switch of personality keeps each one's own history.
"""

from __future__ import annotations

import time
from typing import Any

from pepa_interfaces.srv import QueryMemory
from pydantic import ValidationError
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.context import Context

from pepa.agent.console.backend import MemorySearch
from pepa.agent.console.day_review import changes_since
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.agent.sys3.memory_port import EpisodicMemoryPort
from pepa.agent.sys3.system import Sys3, self_dir
from pepa.clock import day_of
from pepa.memory.episodic import EpisodicMemory
from pepa.memory.query import Recall
from pepa.messages import (
    DailyGoal,
    Decision,
    Experience,
    ExperienceSource,
    Goal,
    Reflection,
)
from pepa.personalities import loader
from pepa.personalities.model import Personality
from pepa.world_state import WorldState
from pepa_ros import qos, typed_codec
from pepa_ros.agent_node import AgentNode
from pepa_ros.entry import node_main
from pepa_ros.params import SYS3_PARAMETERS
from pepa_ros.rpc import RpcServer
from pepa_ros.topics import (
    DAILY_GOALS,
    DECISIONS,
    EXPERIENCES,
    GOAL,
    MEMORY_QUERY,
    REFLECTIONS,
    SYS3_RPC,
    WORLD_STATE,
)

TICK_S = 1.0
FLUSH_EVERY = 64
REFLECTIONS_KEPT = 7
CLOCK_SKEW_S = 60.0
"""Simulated seconds an episode's stamp may be ahead of this node's clock."""


class Sys3Node(AgentNode):
    """See the module docstring."""

    def __init__(self, context: Context | None = None, parameters: dict[str, Any] | None = None):
        super().__init__("pepa_sys3", SYS3_PARAMETERS, context, parameters)

    def configure(self) -> None:
        super().configure()
        self.building = self.load_building()
        self.knowledge = knowledge_from_building(self.building)
        self.llm = self.llm_client("sys3")
        self.group = MutuallyExclusiveCallbackGroup()
        places: dict[int, set[str]] = {f: {f"floor_{f}"} for f in self.building.floor_levels}
        for room in self.building.rooms:
            places.setdefault(room.floor, set()).add(room.id)
        self.memory = EpisodicMemory(self.clock_source, self.data_dir, known_places=places)
        self.pending: list[Experience] = []
        self.stored = 0
        self.episodes_at_start = self.memory.count()
        self.state: WorldState | None = None
        self.day: int | None = None
        self.personality = loader.load(self.values["personality"], self.data_dir)
        self.sys3 = self._self_for(self.personality)
        self._goal_pub = self.codec.publisher(self, Goal, GOAL.name, qos.profile(GOAL.qos))
        self._daily_pub = self.codec.publisher(
            self, DailyGoal, DAILY_GOALS.name, qos.profile(DAILY_GOALS.qos, DAILY_GOALS.depth)
        )
        self._reflection_pub = self.codec.publisher(
            self, Reflection, REFLECTIONS.name, qos.profile(REFLECTIONS.qos, REFLECTIONS.depth)
        )
        self.codec.subscribe(
            self,
            Experience,
            EXPERIENCES.name,
            self._on_experience,
            qos.profile(EXPERIENCES.qos, 200),
            callback_group=self.group,
        )
        self.codec.subscribe(
            self,
            WorldState,
            WORLD_STATE.name,
            self._on_state,
            qos.profile(WORLD_STATE.qos),
            callback_group=self.group,
        )
        self.codec.subscribe(
            self,
            Decision,
            DECISIONS.name,
            self._on_decision,
            qos.profile(DECISIONS.qos),
            callback_group=self.group,
        )
        RpcServer(
            self,
            self.codec,
            SYS3_RPC,
            {
                "memory.search": self._rpc_search,
                "memory.episode": self._rpc_episode,
                "reflection.days": self._rpc_reflection_days,
                "reflection.day": self._rpc_reflection_day,
                "reflection.feedback": self._rpc_feedback,
                "personality": self._rpc_personality,
                "personality.switch": self._rpc_switch,
            },
            self.group,
        )
        self.create_service(
            QueryMemory, MEMORY_QUERY.name, self._srv_query, callback_group=self.group
        )
        self.every(TICK_S, self._tick, self.group)
        self.get_logger().info(
            f"Sys3 for {self.personality.name}; memory in {self.data_dir} "
            f"({self.episodes_at_start} episodes)"
        )

    def _self_for(self, personality: Personality) -> Sys3:
        return Sys3(
            personality,
            self.knowledge,
            self_dir(self.data_dir, personality.name),
            EpisodicMemoryPort(self.memory),
            self.clock_source,
            seed=self.values["seed"],
            llm=self.llm,
        )

    # --- inputs ---------------------------------------------------------------------------------

    def _on_experience(self, experience: Experience) -> None:
        self.pending.append(experience)
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()

    def _on_state(self, state: WorldState) -> None:
        self.state = state

    def _on_decision(self, _decision: Decision) -> None:
        if self.state is not None:
            self.sys3.update(self.state)

    def flush(self) -> int:
        """Write the buffered episodes; one the memory refuses is logged and dropped alone."""
        if not self.pending:
            return 0
        batch, self.pending = self.pending, []
        now = self.now() or 0.0
        # Peers stamp with their view of /clock, which may run a little ahead of this node's.
        ahead = [e.time for e in batch if now < e.time <= now + CLOCK_SKEW_S]
        if ahead:
            self.clock_source.set(max(ahead))
        try:
            self.memory.record_many(batch)
            stored = len(batch)
        except ValueError:
            stored = 0
            for e in batch:
                try:
                    self.memory.record(e)
                    stored += 1
                except ValueError as exc:
                    self.get_logger().warning(f"{EXPERIENCES.name}: dropped {e.id}: {exc}")
        self.stored += stored
        return stored

    # --- the day --------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.flush()
        now = self.now()
        if now is None:
            return
        today = day_of(now)
        if self.day is None:
            self.day = today
            self._publish_self(today)
            for day in self.sys3.log.days()[-REFLECTIONS_KEPT:]:
                r = self.sys3.log.read(day)
                if r is not None:
                    self._reflection_pub.publish(r)
            return
        if today <= self.day:
            return
        for day in range(self.day, today):
            self.end_day(day)
        self.day = today
        self._publish_self(today)

    def end_day(self, day: int) -> Reflection:
        """The night: memory written, the day reflected on and consolidated."""
        started = time.monotonic()
        self.flush()
        reflection = self.sys3.reflect(day)
        report = self.memory.end_of_day(day)
        self._reflection_pub.publish(reflection)
        self.get_logger().info(
            f"day {day} reflected ({len(reflection.insights)} insights, "
            f"{len(report.facts)} facts) in {time.monotonic() - started:.1f} s"
        )
        return reflection

    def _publish_self(self, day: int) -> None:
        self._goal_pub.publish(self.sys3.ultimate_goal())
        for goal in self.sys3.daily_goals(day):
            self._daily_pub.publish(goal)

    # --- calls ----------------------------------------------------------------------------------

    def _search(self, query: MemorySearch) -> list[Recall]:
        self.flush()
        return self.memory.search(query.to_query())

    def _rpc_search(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        found = self._search(MemorySearch.model_validate(params))
        return [
            {"episode": r.episode.model_dump(mode="json"), "score": round(r.score, 4)}
            for r in found
        ]

    def _srv_query(self, request: Any, response: Any) -> Any:
        """``/pepa/memory/query``: a refused query answers INVALID naming the field."""
        params = {
            "text": request.text or None,
            "place": request.place or None,
            "floor": request.floor[0] if len(request.floor) else None,
            "start": request.start[0] if len(request.start) else None,
            "end": request.end[0] if len(request.end) else None,
            "k": request.k or 20,
        }
        try:
            query = MemorySearch.model_validate(params)
        except ValidationError as exc:
            err = exc.errors()[0]
            response.code = response.INVALID
            response.field = ".".join(str(p) for p in err["loc"])
            response.message = err["msg"]
            return response
        found = self._search(query)
        response.code = response.OK
        response.episodes = [typed_codec.to_ros(r.episode) for r in found]
        response.scores = [float(r.score) for r in found]
        return response

    def _rpc_episode(self, params: dict[str, Any]) -> dict[str, Any]:
        self.flush()
        return self.memory.get(str(params.get("episode_id", ""))).model_dump(mode="json")

    def _rpc_reflection_days(self, _params: dict[str, Any]) -> list[dict[str, Any]]:
        log_ = self.sys3.log
        out = []
        for day in reversed(log_.days()):
            r = log_.read(day)
            if r is not None:
                out.append(
                    {
                        "day": day,
                        "personality": r.personality,
                        "summary": r.summary,
                        "insights": len(r.insights),
                        "feedback": len(log_.read_feedback(day)),
                        "source": r.source,
                    }
                )
        return out

    def _day_param(self, params: dict[str, Any]) -> int:
        day = params.get("day")
        if not isinstance(day, int) or isinstance(day, bool) or day < 0:
            raise ValueError(f"day: expected a day number >= 0, got {day!r}")
        return day

    def _rpc_reflection_day(self, params: dict[str, Any]) -> dict[str, Any]:
        day = self._day_param(params)
        log_ = self.sys3.log
        r = log_.read(day)
        if r is None:
            raise LookupError(f"reflection of day {day} not found")
        earlier = [d for d in log_.days() if d < day]
        prev = log_.read(earlier[-1]) if earlier else None
        return {
            "reflection": r.model_dump(mode="json"),
            "previous_day": prev.day if prev is not None else None,
            "changes": changes_since(prev, r),
            "feedback": log_.read_feedback(day),
        }

    def _rpc_feedback(self, params: dict[str, Any]) -> list[str]:
        day = self._day_param(params)
        if self.sys3.log.read(day) is None:
            raise LookupError(f"reflection of day {day} not found")
        self.sys3.write_feedback(day, str(params.get("text", "")))
        return self.sys3.log.read_feedback(day)

    def _rpc_personality(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": self.personality.name,
            "weights": dict(self.sys3.reward.weights),
            "ultimate_goal": self.sys3.ultimate_goal().text,
        }

    def _rpc_switch(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        reason = str(params.get("reason", "")).strip()
        new = loader.load(name, self.data_dir)
        if new.name.lower() == self.personality.name.lower():
            raise ValueError(f"name: the personality is already {self.personality.name}")
        old = self.personality.name
        now = self.clock_source.now()
        if self.state is not None:
            p = self.state.pose
            room = self.building.room_at(p.floor, p.x, p.y)
            why = f" ({reason})" if reason else ""
            self.pending.append(
                Experience(
                    time=now,
                    day=day_of(now),
                    floor=p.floor,
                    room=room.id if room is not None else f"floor_{p.floor}",
                    pose=p,
                    kind="personality_switch",
                    caption=f"My personality was switched from {old} to {new.name}{why}.",
                    importance=0.9,
                    source=ExperienceSource.USER,
                )
            )
            self.flush()
        self.personality = new
        self.sys3 = self._self_for(new)
        if self.day is not None:
            self._publish_self(self.day)
        self.get_logger().info(f"personality switched from {old} to {new.name}")
        return self._rpc_personality({})

    def diagnostic_readings(self) -> tuple[dict[str, float], dict[str, float]]:
        counters, gauges = super().diagnostic_readings()
        gauges["memory_pending"] = float(len(self.pending))
        gauges["memory_episodes"] = float(self.episodes_at_start + self.stored)
        return counters, gauges

    def cleanup(self) -> None:
        self.flush()
        if self.llm is not None:
            self.llm.close()


def create(context: Context, parameters: dict[str, Any]) -> Sys3Node:
    """Registry factory (see pepa_ros.registry)."""
    return Sys3Node(context=context, parameters=parameters)


main = node_main("sys3")
