"""The four execution modes on the same (tiny) models and office scenes, and the staleness
rule."""

from __future__ import annotations

import sys

import cv2
import pytest

pytest.importorskip("torch")

import torch
from policy_support import office, scenes, tiny_model

from pepa.agent.pipeline.metrics import PipelineMetrics
from pepa.agent.pipeline.runner import Mode, Pipeline, PipelineConfig
from pepa.agent.pipeline.source import SceneStream
from pepa.agent.pipeline.stages import (
    FrameJob,
    Generated,
    GenerationStage,
    Percept,
    PerceptionStage,
)
from pepa.agent.pipeline.staleness import StaleAction, StalenessRule, Verdict
from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys1.public_context import PublicContext
from pepa.clock import SimClock, WallClock


def _stages() -> tuple[PerceptionStage, GenerationStage]:
    building, _, _, spec = office()
    model = tiny_model()
    perceive = PerceptionStage(model, spec, building, PerceptionConfig(mode="camera"))
    return perceive, GenerationStage(model, spec)


@pytest.mark.parametrize(
    ("mode", "extra"),
    [
        (Mode.SEQ, {}),
        (Mode.DEC, {}),
        (Mode.PAR, {"par_workers": 2}),
        (Mode.PIPE, {"fetch_offset": 0}),
        (Mode.PIPE, {"fetch_offset": -1, "generation_degree": 2}),
    ],
)
def test_each_mode_produces_decisions(mode: Mode, extra: dict[str, object]) -> None:
    perceive, generate = _stages()
    clock = WallClock()
    source = SceneStream(scenes(), clock, hold_s=0.2)
    got = []
    pipe = Pipeline(
        perceive,
        generate,
        PipelineConfig(mode=mode, duration_s=1.0, **extra),
        clock=clock,
        sink=lambda e, g: got.append((e, g)),
    )
    m = pipe.run(source)
    s = m.summary()
    assert s["decisions"] >= 3 and len(got) == s["decisions"]
    assert s["hz"] > 0 and s["jct_ms"] > 0 and s["staleness_ms"] >= 0
    _, _, vocab, _ = office()
    for e, g in got:
        assert g.tokens[0] == vocab.bos and g.tokens[1] in vocab.skill_ids
        assert e.emitted_at >= e.captured_at
    if mode == Mode.PIPE:
        jobs = [e.job for e, _ in got]
        assert jobs == sorted(jobs), "the controlled pipeline emits in job order"
        assert "bound_hz" in s and s["perception_ms"] > 0 and s["generation_ms"] > 0


def test_staleness_rule_verdicts() -> None:
    rule = StalenessRule(0.1, StaleAction.RECHECK)
    assert rule.judge(0.05, "a", "b") == Verdict.FRESH
    assert rule.judge(0.5, "a", "a") == Verdict.STILL_VALID
    assert rule.judge(0.5, "a", "b") == Verdict.REGENERATE
    assert StalenessRule(0.1, StaleAction.DROP).judge(0.5, "a", "b") == Verdict.DROP
    with pytest.raises(ValueError, match="bound"):
        StalenessRule(0.0)


def _job(i: int, t: float) -> FrameJob:
    sc = scenes()[i]
    return FrameJob(i, t, sc.image, sc.state, sc.intentions)


@pytest.mark.parametrize("action", [StaleAction.RECHECK, StaleAction.DROP])
def test_stale_decisions_are_rechecked_or_dropped(action: StaleAction) -> None:
    perceive, generate = _stages()
    clock = SimClock(100.0)
    got = []
    pipe = Pipeline(
        perceive,
        generate,
        PipelineConfig(mode=Mode.PIPE, staleness_bound_s=0.5, on_stale=action),
        clock=clock,
        sink=lambda e, g: got.append(e),
    )
    # two situations whose inputs differ (different keys)
    keys = {}
    for i in range(len(scenes())):
        keys.setdefault(perceive(_job(i, 0.0)).key, i)
    assert len(keys) >= 2, "the test scenes should not all look the same"
    i_old, i_new = list(keys.values())[:2]
    old = perceive(_job(i_old, 99.8))
    ctx = PublicContext(old, kind=type(old))
    # fresh: acted on as is
    pipe._settle(1, old, generate(old), ctx)
    assert got[-1].frame_index == i_old and not got[-1].rechecked
    # old but the world is the same: stands, marked re-checked
    clock.sleep(1.0)
    pipe._settle(2, old, generate(old), ctx)
    assert got[-1].rechecked and not got[-1].regenerated and got[-1].frame_index == i_old
    # old and the world moved on
    ctx.publish(perceive(_job(i_new, 100.9)))
    n = len(got)
    pipe._settle(3, old, generate(old), ctx)
    if action == StaleAction.RECHECK:
        assert got[-1].regenerated and got[-1].frame_index == i_new
    else:
        assert len(got) == n and pipe.metrics.dropped == 1


def test_bound_is_made_of_the_stages_timed_alone() -> None:
    m = PipelineMetrics(degrees={"perception": 1, "generation": 1}, cores=2)
    m.stage_time("perception", 0.050)  # slowed down in the run: not what the bound is made of
    assert m.bound_hz() is None, "no bound before the stages were timed alone"
    m.alone = {"perception": 0.005, "generation": 0.003}
    assert m.bound_hz() == pytest.approx(200.0)  # the slowest stage, perception
    m.degrees = {"perception": 2, "generation": 1}
    assert m.bound_hz() == pytest.approx(250.0)  # two cores for 8 ms of work per decision
    m.alone_cpu = {"perception": 0.004, "generation": 0.002}
    m.stage_time("generation", 0.010)
    s = m.summary()
    assert s["bound_hz"] == pytest.approx(250.0)
    assert s["cpu_bound_hz"] == pytest.approx(min(2 / 0.004, 1 / 0.002, 2 / 0.006))
    assert s["inrun_bound_hz"] == pytest.approx(min(2 / 0.050, 1 / 0.010, 2 / 0.060))
    m.serial = True
    assert m.bound_hz() == pytest.approx(125.0)  # one after the other


def test_stage_times_alone_average_over_the_jobs_of_every_timing() -> None:
    m = PipelineMetrics()
    m.alone_time("generation", 4, 0.040, 0.020)
    assert m.alone == {"generation": pytest.approx(0.010)}
    m.alone_time("generation", 1, 0.020, 0.010)  # a slower timing, of fewer jobs
    assert m.alone["generation"] == pytest.approx(0.060 / 5)
    assert m.alone_cpu["generation"] == pytest.approx(0.030 / 5)


def test_run_times_each_stage_alone_first_and_restores_the_thread_pools() -> None:
    perceive, generate = _stages()
    clock = WallClock()
    source = SceneStream(scenes(), clock, hold_s=0.2)
    seen: set[tuple[int, int]] = set()

    def generate_and_look(percept: Percept) -> Generated:
        seen.add((torch.get_num_threads(), cv2.getNumThreads()))
        return generate(percept)

    before = torch.get_num_threads(), cv2.getNumThreads(), sys.getswitchinterval()
    cfg = PipelineConfig(mode=Mode.PIPE, duration_s=0.5, calibration_s=0.1, cores=2)
    pipe = Pipeline(perceive, generate_and_look, cfg, clock=clock)  # type: ignore[arg-type]
    alone = pipe.calibrate(source)
    assert set(alone) == {"perception", "generation"} and min(alone.values()) > 0
    m = pipe.run(source)
    assert m.alone == alone, "calibrated before: not timed again"
    seen_in_run = set(seen)
    # timed again after the run: the figures average both (over the jobs of both)
    again = pipe.calibrate(source)
    assert again != alone and min(again.values()) > 0
    s = m.summary()
    assert s["alone_perception_ms"] == pytest.approx(1000 * again["perception"])
    bound = min(1 / again["perception"], 1 / again["generation"], 2 / sum(again.values()))
    assert s["bound_hz"] == pytest.approx(bound)
    assert s["vs_bound"] == pytest.approx(s["hz"] / bound)
    # CPU time per job alone and in the run, to tell work from waiting
    assert s["alone_perception_cpu_ms"] > 0 and s["perception_cpu_ms"] > 0
    assert s["generation_cpu_ms"] <= s["generation_ms"] * 1.5  # one thread, one job at a time
    assert seen_in_run == {(1, 1)}, "every worker runs its kernels on one intra-op thread"
    assert (torch.get_num_threads(), cv2.getNumThreads(), sys.getswitchinterval()) == before
