"""Runs a study: every personality × seed (× ablation) in its own worker process, a pool as
wide as the machine's cores, a progress bar in simulated days, then the analysis and report.

Workers are separate interpreters started with a clean environment (no inherited ROS
bootstrap marker, one thread per numeric library so two workers do not fight over a core).
A run whose record is already on disk is not run again, so a study can be resumed.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from tqdm import tqdm

from pepa.agent.runtime.ablation import Ablation
from pepa.agent.study.analysis import Findings, analyse
from pepa.agent.study.record import RunRecord, RunSet, RunSpec
from pepa.agent.study.report import write_report
from pepa.agent.study.worker import RECORD_FILE, WorkerJob
from pepa.building.layout import DEFAULT_WORLD, load_building
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind
from pepa.personalities import loader

log = logging.getLogger(__name__)

RUNS_DIR = "runs"
WORLDS_DIR = "worlds"
GENERATED_PREFIX = "gen-"
#: Variables a worker must not inherit (the ROS wheels' re-exec marker, see the design notes).
DROP_ENV_PREFIXES: tuple[str, ...] = ("_ROS_WHEELS",)
THREAD_ENV: dict[str, str] = {
    # onnxruntime (memory's embedding model) ignores OMP_*: its own pool reads this one
    "ORT_INTRA_OP_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
STDERR_TAIL = 3000
#: Named request loads (requests per person-hour of office time); ``default`` is the
#: simulator's own day. ``busy`` sends 40 times the default office's requests, more than any
#: personality can serve (at 0.5 a cautious robot still completed nine in ten and rested half
#: the day), so who accepts and completes the most can show.
LOADS: dict[str, float | None] = {"default": None, "busy": 2.0}


class StudyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=365)
    seeds: int = Field(ge=1, le=100)
    personalities: list[str] = Field(min_length=1)
    ablations: list[Ablation] = Field(default_factory=list)
    ablation_seeds: int | None = Field(default=None, ge=1, description="None: every seed")
    world: str | None = None
    llm: Literal["offline", "openai", "local"] = "offline"
    perception: Literal["oracle", "camera"] = "oracle"
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    qa_per_kind: int = Field(default=4, ge=0, le=50)
    embedder: EmbedderKind = DEFAULT_EMBEDDER
    day_start_h: float = Field(default=8.0, ge=0.0, lt=24.0)
    day_end_h: float = Field(default=24.0, gt=0.0, le=24.0)
    requests_per_person_hour: float | None = Field(
        default=None, ge=0.0, le=10.0, description="request load; None: the default day"
    )
    busy_requests_per_person_hour: float | None = Field(
        default=LOADS["busy"],
        ge=0.0,
        le=10.0,
        description="load of the extra runs the busy claims are measured on; None: none",
    )
    busy_days: int = Field(default=1, ge=1, le=365, description="days of each busy run")
    generated_worlds: int = Field(
        default=0, ge=0, le=50, description="run in this many generated buildings instead"
    )

    @field_validator("ablations")
    @classmethod
    def _no_none(cls, v: list[Ablation]) -> list[Ablation]:
        return [a for a in dict.fromkeys(v) if a != Ablation.NONE]

    @model_validator(mode="after")
    def _one_kind_of_world(self) -> StudyConfig:
        if self.generated_worlds and self.world is not None:
            raise ValueError("give a building file or generated buildings, not both")
        return self

    def world_labels(self) -> list[str]:
        """'' for the study's one building, else one label per generated building."""
        if not self.generated_worlds:
            return [""]
        return [f"{GENERATED_PREFIX}{k}" for k in range(self.generated_worlds)]

    def world_file(self, label: str, out: Path) -> Path:
        if not label:
            return Path(self.world) if self.world is not None else DEFAULT_WORLD
        return out / WORLDS_DIR / f"{label}.yaml"

    def specs(self) -> list[RunSpec]:
        out = [
            RunSpec(personality=p, seed=s, world=w)
            for w in self.world_labels()
            for p in self.personalities
            for s in range(self.seeds)
        ]
        ab_seeds = (
            self.seeds if self.ablation_seeds is None else min(self.seeds, self.ablation_seeds)
        )
        out += [
            RunSpec(personality=p, seed=s, ablation=a, world=w)
            for w in self.world_labels()
            for a in self.ablations
            for p in self.personalities
            for s in range(ab_seeds)
        ]
        if self.busy_requests_per_person_hour is not None:
            out += [
                RunSpec(personality=p, seed=s, world=w, runs=RunSet.BUSY)
                for w in self.world_labels()
                for p in self.personalities
                for s in range(self.seeds)
            ]
        return out

    def days_of(self, spec: RunSpec) -> int:
        return self.busy_days if spec.runs == RunSet.BUSY else self.days

    def job(self, spec: RunSpec, out: Path) -> WorkerJob:
        """What the worker of ``spec`` needs, under the study's directory ``out``."""
        busy = spec.runs == RunSet.BUSY
        return WorkerJob(
            spec=spec,
            days=self.days_of(spec),
            run_dir=out / RUNS_DIR / spec.name,
            world=str(self.world_file(spec.world, out)),
            llm=self.llm,
            perception=self.perception,
            qa_per_kind=self.qa_per_kind,
            embedder=self.embedder,
            day_start_h=self.day_start_h,
            day_end_h=self.day_end_h,
            requests_per_person_hour=(
                self.busy_requests_per_person_hour if busy else self.requests_per_person_hour
            ),
        )


def generate_worlds(config: StudyConfig, out: Path) -> None:
    """Write the study's generated buildings (building k from seed k, 2-4 floors) unless they
    are already there, so a resumed study runs in the same buildings."""
    from pepa.sim.generator import generate_building, write_building

    for k, label in enumerate(config.world_labels()):
        path = config.world_file(label, out)
        if label and not path.is_file():
            write_building(generate_building(seed=k, floors=2 + k % 3), path)


def resolve_personalities(text: str, data_dir: Path | None = None) -> list[str]:
    """``all`` or a comma-separated list; every name is loaded now, so a typo fails early."""
    names = loader.available(data_dir) if text.strip().lower() == "all" else text.split(",")
    out = []
    for raw in names:
        name = raw.strip()
        if not name:
            raise ValueError(f"--personalities: empty name in {text!r}")
        out.append(loader.load(name, data_dir).name)
    if len(set(n.lower() for n in out)) != len(out):
        raise ValueError(f"--personalities: a personality is named twice in {text!r}")
    return out


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP_ENV_PREFIXES)}
    env.update(THREAD_ENV)
    return env


def load_record(run_dir: Path, spec: RunSpec, days: int) -> RunRecord | None:
    """A finished run's record, when it is for this spec and at least this many days."""
    path = run_dir / RECORD_FILE
    if not path.is_file():
        return None
    try:
        rec = RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        log.warning("%s: unreadable record, the run is redone", path)
        return None
    if rec.spec != spec or len(rec.days) != days:
        return None
    return rec


class WorkerError(RuntimeError):
    pass


def run_worker(job: WorkerJob, on_progress: Callable[[float], None]) -> RunRecord:
    """One run in its own worker process (on this machine, or inside a Ray task)."""
    cmd = [sys.executable, "-m", "pepa.agent.study.worker", job.model_dump_json()]
    job.run_dir.mkdir(parents=True, exist_ok=True)
    err_path = job.run_dir / "worker.stderr"
    with err_path.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, env=clean_env(), text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "day" in msg:
                on_progress(float(msg["day"]) + float(msg.get("fraction", 0.0)))
        code = proc.wait()
    if code != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-STDERR_TAIL:]
        raise WorkerError(f"run {job.spec.name} failed (exit {code}); {err_path}:\n{tail}")
    rec = load_record(job.run_dir, job.spec, job.days)
    if rec is None:
        raise WorkerError(f"run {job.spec.name}: the worker wrote no valid {RECORD_FILE}")
    return rec


def run_all(
    config: StudyConfig, out: Path, show_progress: bool = True, ray_address: str | None = None
) -> list[RunRecord]:
    """Every run of the study (finished ones read back from disk); on Ray at ``ray_address``
    when given (:mod:`pepa.agent.study.ray_runner`), else in a local pool of worker processes."""
    specs = config.specs()
    records: dict[str, RunRecord] = {}
    jobs: list[WorkerJob] = []
    for spec in specs:
        run_dir = out / RUNS_DIR / spec.name
        rec = load_record(run_dir, spec, config.days_of(spec))
        if rec is not None:
            records[spec.name] = rec
            continue
        jobs.append(config.job(spec, out))
    # seed by seed (every personality's seed 0 first, the busy runs last), so a study cut
    # short still compares every personality, on fewer seeds
    jobs.sort(key=lambda j: (j.spec.runs != RunSet.MAIN, j.spec.seed))
    total = float(sum(config.days_of(s) for s in specs))
    bar = tqdm(
        total=total,
        initial=float(sum(config.days_of(r.spec) for r in records.values())),
        unit="day",
        desc="study",
        disable=not show_progress,
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.0f} days [{elapsed}<{remaining}]",
    )
    lock = threading.Lock()
    spec_of = {s.name: s for s in specs}
    done_days: dict[str, float] = {}

    def progress(name: str) -> Callable[[float], None]:
        def update(days_done: float) -> None:
            with lock:
                days = float(config.days_of(spec_of[name]))
                delta = max(0.0, min(days, days_done) - done_days.get(name, 0.0))
                delta = min(delta, max(0.0, total - bar.n))  # float sums must not overshoot
                done_days[name] = done_days.get(name, 0.0) + delta
                bar.update(delta)

        return update

    failures: list[str] = []
    with ExitStack() as stack:
        if ray_address is None or not jobs:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=config.workers))
            futures = {pool.submit(run_worker, j, progress(j.spec.name)): j for j in jobs}
        else:
            from pepa.agent.study import ray_runner

            ray = stack.enter_context(ray_runner.ray_session(ray_address))
            futures = ray_runner.submit(ray, jobs)
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                rec = fut.result()
            except WorkerError as exc:
                failures.append(str(exc))
                log.error("%s", exc)
                continue
            records[job.spec.name] = rec
            progress(job.spec.name)(float(job.days))
    bar.close()
    if failures:
        raise WorkerError(f"{len(failures)} of {len(specs)} runs failed:\n" + "\n".join(failures))
    return [records[s.name] for s in specs]


class StudyResult(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    findings: Findings
    paths: dict[str, Path]
    wall_s: float
    cpu_s: float = Field(description="CPU time of every run's worker, summed")


def run_study(
    config: StudyConfig, out: Path, show_progress: bool = True, ray_address: str | None = None
) -> StudyResult:
    """Runs (or resumes) the study and writes its report into ``out``."""
    t0 = time.perf_counter()  # the study's wall time, reported to the user
    out.mkdir(parents=True, exist_ok=True)
    generate_worlds(config, out)
    world = config.world_file(config.world_labels()[0], out)
    building = load_building(world)  # the report draws the first building's floors
    (out / "study.json").write_text(config.model_dump_json(indent=2), encoding="utf-8")
    records = run_all(config, out, show_progress, ray_address)
    findings = analyse(records)
    wall = time.perf_counter() - t0
    paths = write_report(findings, records, out, building=building, wall_s=wall)
    return StudyResult(
        findings=findings,
        paths=paths,
        wall_s=time.perf_counter() - t0,
        cpu_s=sum(r.cpu_s for r in records),
    )
