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

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import mul

from pepa.agent.sys2.config import Sys2Config
from pepa.agent.sys2.options import Option
from pepa.agent.sys2.world_model import ModelState, WorldModel
from pepa.messages import CandidateKind
from pepa.reward_features import LUMP_FEATURES, RATE_FEATURES, Feature


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
            total: float = getattr(self, f"{what}_sum")  # intrinsic_sum, extrinsic_sum, ...
            return total / self.samples
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


_RATES = (Feature.ENERGY, Feature.SAFETY)
"""The rate features, as the scorer computes them: conservation (from the world model's
prediction) and the battery margin above the reserve, each per second of the option."""
if set(_RATES) != set(RATE_FEATURES):
    raise ImportError(f"the tree search computes the rate features {_RATES}, not {RATE_FEATURES}")

FEATURES = (*LUMP_FEATURES, *_RATES)
"""The order of an option's features (lump features, then rate features)."""


class _Scorer:
    """Scores options for one search: what the reward reads is looked up once, not per call.

    The weights, the battery thresholds and the map (the energy to get to the dock from each
    place) do not change while a search runs, so they are read or memoised here once.
    """

    __slots__ = (
        "critical",
        "dock_cost",
        "energy_to_dock",
        "late_factor",
        "no_lumps",
        "now",
        "rate_period_s",
        "reserve",
        "reserve_floor",
        "reserve_penalty",
        "span",
        "step",
        "stranded_penalty",
        "w_lumps",
        "w_rates",
    )

    def __init__(
        self, model: WorldModel, weights: Mapping[str, float], now: float, config: Sys2Config
    ) -> None:
        scales = config.reward
        reserve = config.battery_reserve
        self.step = model.step
        self.energy_to_dock = model.energy_to_dock
        self.dock_cost: dict[str | None, float] = {}
        self.now = now
        self.reserve = reserve
        self.span = 1.0 - reserve if reserve < 1.0 else 1.0
        self.reserve_floor = max(reserve, 1e-6)
        self.critical = config.critical_battery
        self.rate_period_s = scales.rate_period_s
        self.reserve_penalty = scales.reserve_penalty
        self.stranded_penalty = scales.stranded_penalty
        self.late_factor = scales.late_factor
        self.no_lumps = dict.fromkeys(LUMP_FEATURES, 0.0)
        self.w_lumps = [weights.get(f, 0.0) for f in LUMP_FEATURES]
        self.w_rates = [weights.get(f, 0.0) for f in _RATES]

    def simulate(
        self, state: ModelState, option: Option, rng: random.Random | None
    ) -> tuple[float, float, float, bool, list[float], str]:
        """(duration, intrinsic, extrinsic, success, features in FEATURES order, reason)."""
        step = self.step
        reserve = self.reserve
        span = self.span
        start = state.time
        lumps = self.no_lumps.copy()
        conservation_t = safety_t = 0.0
        success = True
        reason = ""
        for call in option.steps:
            out = step(state, call, rng)
            for f, v in out.goods.items():
                lumps[f] += v
            conservation_t += out.conservation * out.duration
            margin = (state.battery - reserve) / span
            safety_t += (0.0 if margin < 0.0 else 1.0 if margin > 1.0 else margin) * out.duration
            if not out.success:
                success, reason = False, out.reason
                break
            if state.stranded:
                success, reason = False, "battery exhausted"
                break
        if success and option.kind == CandidateKind.REQUEST:
            lumps[Feature.TASK] += 1.0
        duration = state.time - start
        duration = 1.0 if duration < 1.0 else duration  # max(duration, 1.0)
        # min(1.0, v) without the call: v when below 1, else 1
        feats = [v if v < 1.0 else 1.0 for v in lumps.values()]
        intrinsic = sum(map(mul, self.w_lumps, feats))
        # the rate features (in _RATES order): their mean per second, earned per rate period
        rates = [conservation_t / duration, safety_t / duration]
        feats += rates
        intrinsic += sum(map(mul, self.w_rates, rates)) * duration / self.rate_period_s
        if success:
            intrinsic += option.bonus
        # battery: below the reserve costs, an unreachable dock costs a lot
        battery = state.battery
        if battery < reserve:
            intrinsic -= self.reserve_penalty * (reserve - battery) / self.reserve_floor
        stranded = state.stranded
        if not stranded:
            place = state.place
            to_dock = self.dock_cost.get(place)
            if to_dock is None:
                to_dock = self.dock_cost[place] = self.energy_to_dock(place)
            stranded = battery - to_dock < self.critical
        if stranded:
            intrinsic -= self.stranded_penalty
            state.stranded = True
        extrinsic = 0.0
        if success and option.extrinsic > 0.0:
            delay = max(0.0, state.time - self.now)
            extrinsic = option.extrinsic * math.exp(-delay / option.tau_s)
            if option.deadline is not None and state.time > option.deadline:
                extrinsic *= self.late_factor
        return duration, intrinsic, extrinsic, success, feats, reason


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
        settings = self.settings
        now = root.time
        horizon = settings.horizon_s
        max_depth = settings.max_depth
        max_rollout = settings.rollout_steps
        stats = [ChildStats(o) for o in options]
        tree = _Node()
        priors = [max(o.prior, 1e-3) for o in options]
        prior_total = sum(priors)
        priors = [p / prior_total for p in priors]
        prior_terms = [settings.prior_weight * p for p in priors]
        simulate = _Scorer(self.model, weights, now, self.config).simulate
        choices = rng.choices
        once = [o.once for o in options]
        # what may still be chosen depends only on which once-only options were used: a
        # bitmask of those; per mask, the options in listed order, in expansion order (highest
        # prior first, ties: first listed) and the rollout's cumulative prior weights
        menus: dict[int, _Menu] = {}
        for _ in range(settings.iterations):
            state = root.copy()
            node = tree
            path: list[_Node] = [tree]
            rewards: list[float] = []
            used = 0
            first = -1
            depth = 0
            # selection and expansion
            while depth < max_depth and not state.stranded:
                if state.time - now >= horizon:
                    break
                menu = menus.get(used) or _menu(menus, used, once, priors)
                if not menu.avail:
                    break
                children = node.children
                idx = -1
                for i in menu.by_prior:
                    if i not in children:
                        idx = i
                        break
                expanded = idx >= 0
                if expanded:
                    child = children[idx] = _Node()
                else:
                    idx = self._select(node, menu.avail, prior_terms)
                    child = children[idx]
                out = simulate(state, options[idx], rng)
                rewards.append(out[1] + out[2])
                if depth == 0:
                    first = idx
                    self._record(stats[idx], out)
                if once[idx]:
                    used |= 1 << idx
                node = child
                path.append(node)
                depth += 1
                if expanded:
                    break
            # rollout to the horizon
            steps = 0
            while steps < max_rollout and not state.stranded and state.time - now < horizon:
                menu = menus.get(used) or _menu(menus, used, once, priors)
                if not menu.avail:
                    break
                idx = choices(menu.avail, cum_weights=menu.cum_priors)[0]
                out = simulate(state, options[idx], rng)
                rewards.append(out[1] + out[2])
                if once[idx]:
                    used |= 1 << idx
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
            if first >= 0:
                stats[first].visits += 1
                stats[first].value_sum += suffix[0]
        best = max(range(len(stats)), key=lambda i: (stats[i].visits, stats[i].value, -i))
        return SearchResult(best, stats, settings.iterations)

    def _select(self, node: _Node, avail: list[int], prior_terms: list[float]) -> int:
        """UCT with a PUCT prior term; ``prior_terms[i]`` is prior_weight x option i's prior."""
        c = self.settings.exploration
        log_n = math.log(node.n + 1)
        sqrt_n = math.sqrt(node.n)
        sqrt = math.sqrt
        child_of = node.children.get
        best, best_score = avail[0], -math.inf
        for i in avail:
            child = child_of(i)
            if child is None or child.n == 0:
                return i
            n = child.n
            score = child.w / n + c * sqrt(log_n / n) + prior_terms[i] * sqrt_n / (1 + n)
            if score > best_score:
                best, best_score = i, score
        return best

    @staticmethod
    def _record(
        stats: ChildStats, out: tuple[float, float, float, bool, list[float], str]
    ) -> None:
        duration, intrinsic, extrinsic, success, feats, _reason = out
        stats.samples += 1
        stats.intrinsic_sum += intrinsic
        stats.extrinsic_sum += extrinsic
        stats.duration_sum += duration
        stats.successes += int(success)
        sums = stats.feature_sums
        for f, v in zip(FEATURES, feats, strict=True):
            sums[f] = sums.get(f, 0.0) + v


@dataclass(frozen=True, slots=True)
class _Menu:
    """The options still available after some once-only options were used."""

    avail: list[int]
    by_prior: list[int]
    cum_priors: list[float]


def _menu(menus: dict[int, _Menu], used: int, once: list[bool], priors: list[float]) -> _Menu:
    avail = [i for i, o in enumerate(once) if not (o and used >> i & 1)]
    menu = _Menu(
        avail,
        sorted(avail, key=lambda i: (-priors[i], i)),
        list(itertools.accumulate(priors[i] for i in avail)),
    )
    menus[used] = menu
    return menu
