"""The onboard fast path in its four modes on the same closed-loop tasks in the simulated office.

Tasks: situations the office gives on held-out days (camera frames rendered by the simulator,
what Sys1 knew, and Sys2's decision), each lasting ``--hold`` seconds while the camera streams
at ``--camera-hz``. Every mode runs the same models on the same situation stream (same seeds)
for ``--seconds``. Sys1 acts on each decision the moment it leaves the pipeline, so a decision
counts as agreeing with Sys2 when it matches the situation current at that moment, and a task
(one situation) succeeds when the last decision Sys1 acted on during it was Sys2's.

Before and after each run every stage is timed alone (one thread, the run's thread pools, one
second each); the bound is made of those times: one over their sum for SEQ, the slowest
stage's rate for PIPE. SEQ runs with one intra-op thread and with two (the machine's cores);
the faster is the reference.

Prints one line per mode and, last, one JSON object: seq_hz, pipe_hz, pipe_vs_seq_throughput,
pipe_vs_bound (PIPE's rate over the bound its slowest stage sets), pipe_accuracy_vs_seq and
par_accuracy_vs_seq (mean of task success and agreement, relative to SEQ), pipe_jitter (ms),
and the 1-minute load average before and after (the machine may be shared).

    python bench/pipeline.py [--model DIR] [--seconds 12] [--hold 0.5] [--repeats 2]

Without ``--model`` it first trains one as ``pepa train-policy`` does (a few minutes).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from pepa.agent.pipeline.metrics import Emitted
from pepa.agent.pipeline.runner import Mode, Pipeline, PipelineConfig
from pepa.agent.pipeline.source import Scene, SceneStream, office_scenes
from pepa.agent.pipeline.stages import Generated, GenerationStage, PerceptionStage
from pepa.agent.policy.store import load
from pepa.agent.policy.teacher import building_of
from pepa.agent.policy.training_run import TrainingRun
from pepa.agent.sys1.config import PerceptionConfig
from pepa.agent.sys2.site_map import knowledge_from_building
from pepa.clock import WallClock

HELD_OUT_DAY = 9  # training uses the first days; these situations are new to the model


def score(stream: SceneStream, emitted: list[Emitted], seconds: float) -> dict[str, float]:
    """Agreement with Sys2 at the moment Sys1 acts, and per-situation task success."""
    by_window: dict[int, list[Emitted]] = {}
    for e in emitted:
        window = int(max(0.0, e.emitted_at - stream.t0) / stream.hold_s)
        by_window.setdefault(window, []).append(e)
    windows = max(1, int(seconds / stream.hold_s))
    success = 0
    agreement = 0.0
    for w in range(windows):
        label = stream.scenes[w % len(stream.scenes)].label
        acted = by_window.get(w, [])
        success += bool(acted) and acted[-1].tokens == label
        # per situation, so a mode is not rewarded for being fast on easy ones
        agreement += sum(e.tokens == label for e in acted) / len(acted) if acted else 0.0
    return {"agreement": agreement / windows, "task_success": success / windows}


def run_mode(
    name: str,
    config: PipelineConfig,
    perceive: PerceptionStage,
    generate: GenerationStage,
    scenes: list[Scene],
    hold: float,
    camera_hz: float,
) -> dict[str, float]:
    clock = WallClock()
    stream = SceneStream(scenes, clock, hold_s=hold, camera_hz=camera_hz)
    out: list[Emitted] = []

    def sink(e: Emitted, _g: Generated) -> None:
        out.append(e)

    pipe = Pipeline(perceive, generate, config, clock=clock, sink=sink)
    pipe.calibrate(stream)  # before the stream restarts: the run is scored from its start
    stream.restart()
    metrics = pipe.run(stream)
    pipe.calibrate(stream)  # and after: the bound averages the load around the run
    res = metrics.summary()
    res.update(score(stream, out, config.duration_s))
    res["accuracy"] = (res["agreement"] + res["task_success"]) / 2
    shown = {k: round(v, 3) for k, v in res.items()}
    print(f"{name:<10} {json.dumps(shown, sort_keys=True)}", flush=True)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="from pepa train-policy (default: train one)")
    ap.add_argument("--seconds", type=float, default=12.0, help="run time per mode")
    ap.add_argument("--hold", type=float, default=0.5, help="seconds each situation lasts")
    ap.add_argument("--camera-hz", type=float, default=60.0)
    ap.add_argument("--scenes", type=int, default=12, help="situations per personality")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2, help="rounds over all modes (averaged)")
    ap.add_argument("--staleness-ms", type=float, default=50.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()[0]
    building = building_of(None)
    knowledge = knowledge_from_building(building)
    model_dir = args.model
    if model_dir is None:
        model_dir = Path(tempfile.mkdtemp(prefix="pepa-policy-"))
        print(f"training a model in {model_dir} ...", flush=True)
        # as `pepa train-policy` does: a weaker model agrees with Sys2 so rarely that the
        # accuracy ratios say nothing
        TrainingRun(out=model_dir).execute()
    model, spec, card = load(model_dir, knowledge, (160, 120))
    if card is not None:
        print(f"model: held-out call accuracy {card.held_out.get('call_accuracy')}")
    scenes: list[Scene] = []
    for personality in ("playful", "working"):
        scenes += office_scenes(personality, HELD_OUT_DAY, args.seed, args.scenes, model.vocab)
    print(f"{len(scenes)} situations from held-out day {HELD_OUT_DAY}, hold {args.hold} s")
    perceive = PerceptionStage(model, spec, building, PerceptionConfig(mode="camera"))
    generate = GenerationStage(model, spec)
    common = {"duration_s": args.seconds, "staleness_bound_s": args.staleness_ms / 1000}
    runs = {
        "SEQ": PipelineConfig(mode=Mode.SEQ, **common),
        "SEQ(2t)": PipelineConfig(mode=Mode.SEQ, torch_threads=2, opencv_threads=2, **common),
        "DEC": PipelineConfig(mode=Mode.DEC, **common),
        "PAR": PipelineConfig(mode=Mode.PAR, par_workers=4, **common),
        "PIPE": PipelineConfig(mode=Mode.PIPE, fetch_offset=0, **common),
        "PIPE(-1)": PipelineConfig(mode=Mode.PIPE, fetch_offset=-1, **common),
        "PIPE(cv2)": PipelineConfig(mode=Mode.PIPE, opencv_threads=2, **common),
    }
    # the modes take turns, round after round, so a busy spell on the machine hits all alike
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, cfg in runs.items():
            rounds[name].append(
                run_mode(name, cfg, perceive, generate, scenes, args.hold, args.camera_hz)
            )
    res = {
        name: {k: float(np.mean([r.get(k, 0.0) for r in rs])) for k in rs[0]}
        for name, rs in rounds.items()
    }
    seq_name = max(("SEQ", "SEQ(2t)"), key=lambda n: res[n]["hz"])
    seq = res[seq_name]
    pipe_name = max(
        ("PIPE", "PIPE(-1)", "PIPE(cv2)"), key=lambda n: res[n]["hz"] * res[n]["accuracy"]
    )
    pipe, par = res[pipe_name], res["PAR"]

    def rel(a: float, b: float) -> float:
        return round(a / b, 3) if b > 0 else 0.0

    summary = {
        "seq_hz": round(seq["hz"], 2),
        "seq_config": seq_name,
        "pipe_hz": round(pipe["hz"], 2),
        "pipe_config": pipe_name,
        "pipe_vs_seq_throughput": rel(pipe["hz"], seq["hz"]),
        "pipe_vs_bound": round(pipe.get("vs_bound", 0.0), 3),
        "pipe_bound_hz": round(pipe.get("bound_hz", 0.0), 2),
        # diagnostics (see agent.pipeline.metrics): over the bound with a core per stage, and
        # over the stages' rate at their in-run service times (coordination loss only)
        "pipe_vs_cpu_bound": round(pipe.get("vs_cpu_bound", 0.0), 3),
        "pipe_vs_inrun_bound": round(pipe.get("vs_inrun_bound", 0.0), 3),
        "pipe_accuracy_vs_seq": rel(pipe["accuracy"], seq["accuracy"]),
        "pipe_success_vs_seq": rel(pipe["task_success"], seq["task_success"]),
        "pipe_agreement_vs_seq": rel(pipe["agreement"], seq["agreement"]),
        "par_accuracy_vs_seq": rel(par["accuracy"], seq["accuracy"]),
        "dec_accuracy_vs_seq": rel(res["DEC"]["accuracy"], seq["accuracy"]),
        "pipe_jitter": round(pipe["jitter_ms"], 2),
        "seq_jitter": round(seq["jitter_ms"], 2),
        "pipe_staleness_ms": round(pipe["staleness_ms"], 1),
        "seq_accuracy": round(seq["accuracy"], 3),
        # PIPE's stages alone and in the run, wall and CPU (ms per job): CPU that grows in the
        # run is interference; wall that grows with CPU unchanged is waiting (cores, GIL, load)
        **{
            f"pipe_{stage}_{pre}{suf}": round(pipe.get(f"{pre}{stage}_{suf}", 0.0), 2)
            for stage in ("perception", "generation")
            for suf in ("ms", "cpu_ms")
            for pre in ("alone_", "")
        },
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
