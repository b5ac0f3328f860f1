"""Monte-Carlo tree search (UCT) over sequences of options with the world model.

The tree's edges are options (a request's plan, a goal's action, charging, exploring a floor,
resting...); a path is what the robot could do next, then after that, and so on until the
look-ahead horizon. Each iteration selects down the tree by UCT (with PUCT priors when an LLM
proposed some), expands one untried option, completes the horizon with a random rollout, and
backs up the return. Returns are *rates*: the reward of a sequence is scaled to the horizon
(reward x horizon / time used), so a long option is not preferred just for being long.

Reward of one option = intrinsic (Sys3's weights over the predicted features: lump features
once per event, rate features per ``rate_period_s``, a daily goal's bonus on completion, and
battery penalties below the reserve or when the dock would be out of reach) + extrinsic (a
request's value on completion, decaying with delay by its urgency, reduced past a deadline).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.messages import CandidateKind
from agent.sys2.config import Sys2Config
from agent.sys2.options import Option
from agent.sys2.world_model import LUMP_FEATURES, ModelState, WorldModel


@dataclass(slots=True)
class OptionResult:
    duration: float
    intrinsic: float
    extrinsic: float
    success: bool
    features: dict[str, float]
    reason: str = ""


@dataclass
class ChildStats:
    """What the search learned about one root option."""

    option: Option
    visits: int = 0
    value_sum: float = 0.0
    intrinsic_sum: float = 0.0
    extrinsic_sum: float = 0.0
    duration_sum: float = 0.0
    successes: int = 0
    samples: int = 0
    feature_sums: dict[str, float] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0

    def mean(self, what: str) -> float:
        if not self.samples:
            return 0.0
        if what in ("intrinsic", "extrinsic", "duration"):
            return getattr(self, f"{what}_sum") / self.samples
        return self.feature_sums.get(what, 0.0) / self.samples

    @property
    def success_rate(self) -> float:
        return self.successes / self.samples if self.samples else 0.0


@dataclass
class SearchResult:
    best: int
    children: list[ChildStats]
    iterations: int

    @property
    def chosen(self) -> ChildStats:
        return self.children[self.best]


class _Node:
    __slots__ = ("children", "n", "w")

    def __init__(self) -> None:
        self.n = 0
        self.w = 0.0
        self.children: dict[int, _Node] = {}


def run_option(
    model: WorldModel,
    state: ModelState,
    option: Option,
    weights: Mapping[str, float],
    now: float,
    config: Sys2Config,
    rng: random.Random | None,
) -> OptionResult:
    """Simulate ``option`` from ``state`` (mutated) and score it."""
    scales = config.reward
    reserve = config.battery_reserve
    span = 1.0 - reserve if reserve < 1.0 else 1.0
    start = state.time
    novelty = social = play = task = conservation_t = safety_t = 0.0
    success = True
    reason = ""
    for call in option.steps:
        out = model.step(state, call, rng)
        novelty += out.novelty
        social += out.social
        play += out.play
        task += out.task
        conservation_t += out.conservation * out.duration
        margin = (state.battery - reserve) / span
        safety_t += (0.0 if margin < 0.0 else 1.0 if margin > 1.0 else margin) * out.duration
        if not out.success:
            success, reason = False, out.reason
            break
        if state.stranded:
            success, reason = False, "battery exhausted"
            break
    lumps = {
        "novelty": novelty,
        "social": social,
        "task": task + (1.0 if success and option.kind == CandidateKind.REQUEST else 0.0),
        "play": play,
    }
    duration = max(state.time - start, 1.0)
    features = {f: min(1.0, v) for f, v in lumps.items()}
    features["energy"] = conservation_t / duration
    features["safety"] = safety_t / duration
    intrinsic = sum(weights.get(f, 0.0) * features[f] for f in LUMP_FEATURES)
    intrinsic += (
        (
            weights.get("energy", 0.0) * features["energy"]
            + weights.get("safety", 0.0) * features["safety"]
        )
        * duration
        / scales.rate_period_s
    )
    if success:
        intrinsic += option.bonus
    # battery: below the reserve costs, an unreachable dock costs a lot
    if state.battery < reserve:
        intrinsic -= scales.reserve_penalty * (reserve - state.battery) / max(reserve, 1e-6)
    if (
        state.stranded
        or state.battery - model.energy_to_dock(state.place) < config.critical_battery
    ):
        intrinsic -= scales.stranded_penalty
        state.stranded = True
    extrinsic = 0.0
    if success and option.extrinsic > 0.0:
        delay = max(0.0, state.time - now)
        extrinsic = option.extrinsic * math.exp(-delay / option.tau_s)
        if option.deadline is not None and state.time > option.deadline:
            extrinsic *= scales.late_factor
    return OptionResult(duration, intrinsic, extrinsic, success, features, reason)


class MCTS:
    """UCT over option sequences; deterministic for a given RNG state."""

    def __init__(self, model: WorldModel, config: Sys2Config) -> None:
        self.model = model
        self.config = config
        self.settings = config.search

    def search(
        self,
        root: ModelState,
        options: Sequence[Option],
        weights: Mapping[str, float],
        rng: random.Random,
    ) -> SearchResult:
        if not options:
            raise ValueError("the search needs at least one option")
        now = root.time
        horizon = self.settings.horizon_s
        stats = [ChildStats(o) for o in options]
        tree = _Node()
        priors = [max(o.prior, 1e-3) for o in options]
        prior_total = sum(priors)
        priors = [p / prior_total for p in priors]
        max_rollout = self.settings.rollout_steps
        for _ in range(self.settings.iterations):
            state = root.copy()
            node = tree
            path: list[_Node] = [tree]
            rewards: list[float] = []
            used: set[int] = set()
            depth = 0
            # selection and expansion
            while depth < self.settings.max_depth and not state.stranded:
                if state.time - now >= horizon:
                    break
                avail = [i for i, o in enumerate(options) if not (o.once and i in used)]
                if not avail:
                    break
                untried = [i for i in avail if i not in node.children]
                if untried:
                    # expand the untried option with the highest prior (ties: first listed)
                    idx = max(untried, key=lambda i: (priors[i], -i))
                    node.children[idx] = _Node()
                    expanded = True
                else:
                    idx = self._select(node, avail, priors)
                    expanded = False
                res = run_option(self.model, state, options[idx], weights, now, self.config, rng)
                rewards.append(res.intrinsic + res.extrinsic)
                if depth == 0:
                    self._record(stats[idx], res)
                used.add(idx)
                node = node.children[idx]
                path.append(node)
                depth += 1
                if expanded:
                    break
            # rollout to the horizon
            steps = 0
            while steps < max_rollout and not state.stranded and state.time - now < horizon:
                avail = [i for i, o in enumerate(options) if not (o.once and i in used)]
                if not avail:
                    break
                idx = rng.choices(avail, weights=[priors[i] for i in avail])[0]
                res = run_option(self.model, state, options[idx], weights, now, self.config, rng)
                rewards.append(res.intrinsic + res.extrinsic)
                used.add(idx)
                steps += 1
            scale = horizon / max(state.time - now, horizon)
            # back up each node's return from its own option onwards
            suffix = [0.0] * (len(rewards) + 1)
            for k in range(len(rewards) - 1, -1, -1):
                suffix[k] = suffix[k + 1] + rewards[k] * scale
            for d, n in enumerate(path):
                n.n += 1
                if d >= 1:
                    n.w += suffix[d - 1]
            if len(path) > 1:
                first = next(i for i, c in tree.children.items() if c is path[1])
                stats[first].visits += 1
                stats[first].value_sum += suffix[0]
        best = max(range(len(stats)), key=lambda i: (stats[i].visits, stats[i].value, -i))
        return SearchResult(best, stats, self.settings.iterations)

    def _select(self, node: _Node, avail: list[int], priors: list[float]) -> int:
        c = self.settings.exploration
        cp = self.settings.prior_weight
        log_n = math.log(node.n + 1)
        best, best_score = avail[0], -math.inf
        for i in avail:
            child = node.children.get(i)
            if child is None or child.n == 0:
                return i
            score = (
                child.w / child.n
                + c * math.sqrt(log_n / child.n)
                + cp * priors[i] * math.sqrt(node.n) / (1 + child.n)
            )
            if score > best_score:
                best, best_score = i, score
        return best

    @staticmethod
    def _record(stats: ChildStats, res: OptionResult) -> None:
        stats.samples += 1
        stats.intrinsic_sum += res.intrinsic
        stats.extrinsic_sum += res.extrinsic
        stats.duration_sum += res.duration
        stats.successes += int(res.success)
        for f, v in res.features.items():
            stats.feature_sums[f] = stats.feature_sums.get(f, 0.0) + v
