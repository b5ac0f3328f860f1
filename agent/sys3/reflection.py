"""The end-of-day self-reflection: what happened, what it means, what to change, what to do.

The offline engine turns the day's statistics into evidence-cited insights and a signal per
reward feature (did social contact pay off? did exploring cost failures or battery? were
requests missed? what did the reviewer ask for?). Each signal moves its weight by a step
proportional to the personality's band for it — more for open personalities, more for
negative news in anxious ones — and the weight never leaves the band. Tomorrow's goals are then
made with the new weights from today's statistics. With an LLM, the model writes the same
reflection; episode ids it cites must exist, weights must stay in their bands and goals must
name known things, or the offline engine writes it instead.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys3.daily_goals import DailyGoalEngine, GoalDraft, drafts_problems
from pepa.agent.sys3.day_stats import DayStats, counter_top
from pepa.agent.sys3.prompt_context import reflection_variables
from pepa.agent.sys3.reward import IntrinsicReward
from pepa.agent.sys3.self_model import SelfModel
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import DailyGoal, Experience, Goal, Insight, Reflection, WeightChange
from pepa.personalities.model import Personality
from pepa.reward_features import FEATURES, IDLENESS_CUES, Feature

if TYPE_CHECKING:
    from pepa.agent.llm.client import LLMClient

log = logging.getLogger(__name__)

TEMPLATE_NAME = "sys3_reflection"
STEP_OF_BAND = 0.25
MIN_CHANGE = 0.002

CATEGORY_FEATURE: dict[str, Feature] = {
    "social": Feature.SOCIAL,
    "explore": Feature.NOVELTY,
    "requests": Feature.TASK,
    "rest": Feature.ENERGY,
    "charge": Feature.ENERGY,
    "express": Feature.PLAY,
}

_LESS = re.compile(r"\b(less|fewer|too much|too many|too often|stop|don't|do not|not so)\b")
_MORE = re.compile(r"\b(more|too little|not enough|should|please|keep|again)\b")


def feedback_signals(notes: list[str]) -> tuple[dict[Feature, float], list[str]]:
    """Per-feature direction asked for by reviewers, and the notes that asked for anything."""
    signals = dict.fromkeys(FEATURES, 0.0)
    used: list[str] = []
    for note in notes:
        for sentence in re.split(r"[.;!?\n]+", note.lower()):
            hit = False
            if any(cue in sentence for cue in IDLENESS_CUES):
                signals[Feature.ENERGY] -= 0.8
                signals[Feature.TASK] += 0.8
                hit = True
            direction = -1.0 if _LESS.search(sentence) else 1.0 if _MORE.search(sentence) else 0
            if direction:
                for feature in FEATURES:
                    if any(w in sentence for w in feature.cues):
                        signals[feature] += 0.8 * direction
                        hit = True
            if hit and note not in used:
                used.append(note)
    return {f: max(-1.0, min(1.0, v)) for f, v in signals.items()}, used


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def day_signals(
    s: DayStats, goals: list[DailyGoal], reserve: float
) -> dict[Feature, list[tuple[float, str]]]:
    """Evidence for moving each weight: (signed strength, reason) pairs."""
    out: dict[Feature, list[tuple[float, str]]] = {f: [] for f in FEATURES}
    social_attempts = sum(n for k, n in s.skill_attempts.items() if SKILLS[k].category == "social")
    social_fail = sum(n for k, n in s.skill_failures.items() if SKILLS[k].category == "social")
    if s.greetings_then_requests:
        out[Feature.SOCIAL].append(
            (0.5 * min(1.0, s.greetings_then_requests / 2), "greetings led to requests")
        )
    if social_attempts and _ratio(social_fail, social_attempts) > 0.4:
        out[Feature.SOCIAL].append((-0.4, "social attempts mostly failed"))
    elif s.social_interactions >= 3:
        out[Feature.SOCIAL].append((0.2, f"{s.social_interactions} social interactions succeeded"))
    if s.new_places:
        out[Feature.NOVELTY].append(
            (0.4 * min(1.0, len(s.new_places) / 3), "new places were found")
        )
    cost = s.explore_failures + s.lows_after_explore
    if cost:
        out[Feature.NOVELTY].append(
            (-0.5 * min(1.0, cost / 2), "exploring caused failures or low battery")
        )
    if s.requests_missed:
        out[Feature.TASK].append((0.6 * min(1.0, s.requests_missed / 2), "requests were missed"))
    if s.requests.get("done"):
        out[Feature.TASK].append((0.15, "completed requests"))
    if s.episodes and not s.requests_received:
        out[Feature.TASK].append((-0.2, "no requests came"))
    if s.battery_lows:
        out[Feature.ENERGY].append(
            (0.6 * min(1.0, s.battery_lows / 2), "battery fell below reserve")
        )
        out[Feature.SAFETY].append((0.2, "battery fell below reserve"))
    elif s.battery_min is not None and s.battery_min > reserve + 0.3:
        out[Feature.ENERGY].append((-0.3, "battery stayed far above the reserve"))
    if s.safety_events:
        out[Feature.SAFETY].append((0.6 * min(1.0, s.safety_events / 2), "safety overrides"))
    elif s.episodes and not s.failures:
        out[Feature.SAFETY].append((-0.15, "a day without safety events or failures"))
    if s.expressions:
        with_people = _ratio(s.expressions_with_people, s.expressions)
        if with_people >= 0.5:
            out[Feature.PLAY].append((0.4 * with_people, "expressions were seen by people"))
        else:
            out[Feature.PLAY].append((-0.3, "expressions mostly had no audience"))
    for g in goals:
        o = s.goals.get(g.id)
        feature = (
            CATEGORY_FEATURE.get(SKILLS[g.action.skill].category)
            if g.action.skill in SKILLS
            else None
        )
        if feature is None or o is None or not o.attempts:
            continue
        if o.success_rate >= 0.6:
            out[feature].append((0.2, f"goal '{g.action.label()}' paid off"))
        elif o.failures:
            out[feature].append((-0.2, f"goal '{g.action.label()}' failed"))
    return out


def weight_changes(
    personality: Personality,
    reward: IntrinsicReward,
    signals: dict[Feature, list[tuple[float, str]]],
    feedback: dict[Feature, float],
) -> list[WeightChange]:
    """One step per feature, sized by the band, the traits and the evidence; kept in bounds."""
    b = personality.big_five
    plasticity = 0.5 + 0.5 * b.openness
    worry = 0.75 + 0.5 * b.neuroticism
    changes: list[WeightChange] = []
    for f in FEATURES:
        parts = list(signals.get(f, []))
        if feedback.get(f):
            parts.append((feedback[f], "reviewer feedback"))
        total = max(-1.0, min(1.0, sum(v for v, _ in parts)))
        if not total:
            continue
        spec = personality.reward.spec(f)
        scale = plasticity * (worry if total < 0 else 1.0)
        old = reward.weights[f]
        new = round(spec.clamp(old + STEP_OF_BAND * (spec.max - spec.min) * total * scale), 4)
        if abs(new - old) < MIN_CHANGE:
            continue
        reason = "; ".join(r for v, r in sorted(parts, key=lambda p: -abs(p[0])))
        changes.append(WeightChange(feature=f, old=old, new=new, reason=reason))
    return changes


def _insights(s: DayStats, goals: list[DailyGoal]) -> tuple[list[Insight], list[str], list[str]]:
    insights: list[Insight] = []
    good: list[str] = []
    bad: list[str] = []
    if s.greetings_then_requests:
        text = f"Greeting people led to {s.greetings_then_requests} request(s) soon after."
        insights.append(Insight(text=text, episode_ids=s.cite("greeting_request")))
        good.append(text)
    for room, hour, n in s.busiest()[:2]:
        who = s.regular(room)
        insights.append(
            Insight(
                text=f"People gather in {room} around {hour}:00 ({n} sightings, mostly {who}).",
                episode_ids=s.cite(f"sighting:{room}"),
            )
        )
    if s.new_places:
        text = f"Found {len(s.new_places)} new place(s): {', '.join(s.new_places[:6])}."
        insights.append(Insight(text=text, episode_ids=s.cite("new_places")))
        good.append(text)
    cost = s.explore_failures + s.lows_after_explore
    if cost:
        text = (
            f"Exploring cost me: {s.explore_failures} exploration failure(s) and "
            f"{s.lows_after_explore} low-battery reading(s) within an hour of exploring."
        )
        insights.append(Insight(text=text, episode_ids=s.cite("explore_cost")))
        bad.append(text)
    for skill in counter_top(s.skill_failures, 3):
        reason = s.failure_reasons.get(skill, ["no reason recorded"])[0]
        text = f"{skill} failed {s.skill_failures[skill]} time(s), e.g. {reason}"
        insights.append(Insight(text=text[:1000], episode_ids=s.cite(f"failure:{skill}")))
        bad.append(text[:300])
    if s.requests_missed:
        ids = [*s.cite("request:failed"), *s.cite("request:declined"), *s.cite("request:deferred")]
        text = (
            f"{s.requests_missed} request outcome(s) were failed, declined or deferred "
            f"out of {s.requests_received} received."
        )
        insights.append(Insight(text=text, episode_ids=ids[:12]))
        bad.append(text)
    if s.requests.get("done"):
        good.append(f"Completed {s.requests['done']} of {s.requests_received} request(s).")
    if s.social_interactions:
        good.append(f"{s.social_interactions} successful social interaction(s).")
    if s.battery_lows:
        text = f"The battery fell below my reserve {s.battery_lows} time(s)."
        insights.append(Insight(text=text, episode_ids=s.cite("battery_low")))
        bad.append(text)
    if s.safety_events:
        bad.append(f"The safety guard had to step in {s.safety_events} time(s).")
    if s.expressions:
        good_play = s.expressions_with_people
        text = f"{good_play} of {s.expressions} expression(s) had people watching."
        cite = s.cite("play_social") or s.cite("play_alone")
        insights.append(Insight(text=text, episode_ids=cite))
        (good if good_play * 2 >= s.expressions else bad).append(text)
    for g in goals:
        o = s.goals.get(g.id)
        if o is None or not o.attempts:
            bad.append(f"Goal '{g.action.label()}' never fired.")
        elif o.success_rate >= 0.6:
            text = f"Goal '{g.action.label()}' paid off ({o.successes}/{o.attempts})."
            insights.append(Insight(text=text, episode_ids=o.episode_ids))
            good.append(text)
        else:
            text = f"Goal '{g.action.label()}' mostly failed ({o.failures}/{o.attempts})."
            insights.append(Insight(text=text, episode_ids=o.episode_ids))
            bad.append(text)
    return insights, good, bad


def day_scores(s: DayStats) -> dict[Feature, float]:
    """How well the day served each feature, 0..1, from its statistics."""
    explore_tries = sum(n for k, n in s.skill_attempts.items() if SKILLS[k].category == "explore")
    return {
        Feature.NOVELTY: min(1.0, len(s.new_places) / 3)
        * (1.0 - _ratio(s.explore_failures, max(1, explore_tries))),
        Feature.SOCIAL: min(1.0, s.social_interactions / 4),
        Feature.TASK: _ratio(s.requests.get("done", 0), s.requests_received),
        Feature.ENERGY: 1.0 - min(1.0, s.battery_lows / 3),
        Feature.SAFETY: 1.0 - min(1.0, (s.safety_events + s.failures) / 4),
        Feature.PLAY: _ratio(s.expressions_with_people, s.expressions),
    }


def satisfaction(weights: dict[str, float], s: DayStats) -> tuple[float, str, str]:
    """The day judged by this personality's weights: score, best and worst weighted feature."""
    scores = day_scores(s)
    total = sum(weights.values()) or 1.0
    value = sum(weights[f] * scores[f] for f in FEATURES) / total
    heavy = sorted(FEATURES, key=lambda f: -weights[f])[:3]
    best = max(heavy, key=lambda f: (scores[f], -FEATURES.index(f)))
    worst = min(heavy, key=lambda f: (scores[f], FEATURES.index(f)))
    return value, best, worst


def summary_text(
    p: Personality, s: DayStats, changes: list[WeightChange], weights: dict[str, float]
) -> str:
    if not s.episodes:
        return f"Day {s.day} as {p.name}: nothing was recorded."
    share = s.time_share()
    main = max(share, key=lambda c: share[c]) if share else "unknown"
    battery = "unknown" if s.battery_min is None else f"{s.battery_min:.0%}"
    text = (
        f"Day {s.day} as {p.name}: {s.episodes} episodes over {s.active_hours:.1f} h in "
        f"{len(s.place_visits)} places on floor(s) {', '.join(map(str, s.floors))} "
        f"({len(s.new_places)} new). {s.social_interactions} social interactions, "
        f"{s.requests.get('done', 0)}/{s.requests_received} requests done, {s.failures} "
        f"skill failures, battery low {battery}. Most time went to {main}"
        f"{f' ({share[main]:.0%})' if share else ''}."
    )
    value, best, worst = satisfaction(weights, s)
    text += f" By what matters to me the day scores {value:.2f}: best on {best}, worst on {worst}."
    if changes:
        biggest = max(changes, key=lambda c: abs(c.new - c.old))
        way = "more" if biggest.new > biggest.old else "less"
        text += f" I will care {way} about {biggest.feature} ({biggest.reason})."
    return text


class InsightDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)
    episode_ids: list[str] = Field(default_factory=list, max_length=12)


class WeightDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feature: Feature
    new: float = Field(ge=0.0, le=1.0)
    reason: str = Field(default="", max_length=300)


class ReflectionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=2000)
    went_well: list[str] = Field(default_factory=list, max_length=8)
    went_badly: list[str] = Field(default_factory=list, max_length=8)
    insights: list[InsightDraft] = Field(default_factory=list, max_length=8)
    weight_changes: list[WeightDraft] = Field(default_factory=list, max_length=6)
    tomorrow_goals: list[GoalDraft] = Field(min_length=3, max_length=5)


class ReflectionEngine:
    """Writes one personality's reflection on a day."""

    def __init__(
        self,
        personality: Personality,
        world: WorldKnowledge,
        reward: IntrinsicReward,
        goals: DailyGoalEngine,
        llm: LLMClient | None = None,
    ) -> None:
        self.personality = personality
        self.world = world
        self.reward = reward
        self.goals = goals
        self.llm = llm
        self.last_fallback: str | None = None

    def offline(
        self,
        stats: DayStats,
        goals_today: list[DailyGoal],
        feedback: list[str],
        known_places: set[str],
        self_model: SelfModel,
        now: float,
    ) -> Reflection:
        p = self.personality
        fb_signals, fb_used = feedback_signals(feedback)
        signals = day_signals(stats, goals_today, p.battery_reserve)
        weights_before = self.reward.weights
        changes = self.reward.apply(weight_changes(p, self.reward, signals, fb_signals))
        insights, good, bad = _insights(stats, goals_today)
        tomorrow = self.goals.offline(stats.day + 1, stats, known_places, self_model)
        return Reflection(
            day=stats.day,
            personality=p.name,
            summary=summary_text(p, stats, changes, weights_before),
            went_well=good,
            went_badly=bad,
            insights=insights,
            weight_changes=changes,
            weights_after=self.reward.weights,
            tomorrow_goals=tomorrow,
            feedback_used=fb_used,
            source="offline",
            created_at=now,
        )

    def answer_problems(
        self, a: ReflectionAnswer, episode_ids: set[str], day: int, self_model: SelfModel
    ) -> list[str]:
        out = drafts_problems(a.tomorrow_goals, day + 1, self.world, self_model)
        for ins in a.insights:
            out.extend(
                f"insight cites unknown episode {e!r}"
                for e in ins.episode_ids
                if e not in episode_ids
            )
        for w in a.weight_changes:
            lo, hi = self.personality.bounds()[w.feature]
            if not lo <= w.new <= hi:
                out.append(f"weight {w.feature}={w.new} is outside its bounds {lo}-{hi}")
        return out

    def reflect(
        self,
        stats: DayStats,
        episodes: list[Experience],
        goals_today: list[DailyGoal],
        feedback: list[str],
        known_places: set[str],
        self_model: SelfModel,
        ultimate_goal: Goal,
        now: float,
    ) -> Reflection:
        self.last_fallback = None
        if self.llm is not None and self.llm.enabled:
            ids = {e.id for e in episodes}
            variables = reflection_variables(
                self.personality,
                self.world,
                self.reward,
                self_model,
                stats,
                episodes,
                feedback,
                ultimate_goal,
                stats.day,
            )
            outcome = self.llm.structured(
                TEMPLATE_NAME,
                variables,
                ReflectionAnswer,
                check=lambda a: self.answer_problems(a, ids, stats.day, self_model),
            )
            if outcome.value is not None:
                return self._from_answer(outcome.value, stats.day, feedback, now)
            self.last_fallback = str(outcome.fallback_reason)
            log.info("reflection from the LLM fell back: %s", outcome.fallback_reason)
        return self.offline(stats, goals_today, feedback, known_places, self_model, now)

    def _from_answer(
        self, a: ReflectionAnswer, day: int, feedback: list[str], now: float
    ) -> Reflection:
        asked = [
            WeightChange(
                feature=w.feature, old=self.reward.weights[w.feature], new=w.new, reason=w.reason
            )
            for w in a.weight_changes
        ]
        changes = self.reward.apply(asked)
        return Reflection(
            day=day,
            personality=self.personality.name,
            summary=a.summary,
            went_well=a.went_well,
            went_badly=a.went_badly,
            insights=[Insight(text=i.text, episode_ids=i.episode_ids) for i in a.insights],
            weight_changes=changes,
            weights_after=self.reward.weights,
            tomorrow_goals=[g.to_goal(day + 1, i) for i, g in enumerate(a.tomorrow_goals)],
            feedback_used=feedback,
            source="llm",
            created_at=now,
        )
