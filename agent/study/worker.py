"""One run of the study in its own process: live the days, then reduce the run to a record.

The study starts ``python -m pepa.agent.study.worker SPEC_JSON`` per run with a clean environment;
the worker prints one JSON line per progress report and writes ``record.json`` into the
run's directory, so a study that is started again skips the runs already done.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.runtime.ablation import Ablation, shuffled_personality
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.study.record import RunRecord, RunSpec, build_record, read_traces
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind

log = logging.getLogger(__name__)

RECORD_FILE = "record.json"


class WorkerJob(BaseModel):
    """Everything a worker needs; the parent passes it as JSON on the command line."""

    model_config = ConfigDict(extra="forbid")
    spec: RunSpec
    days: int = Field(ge=1)
    run_dir: Path
    world: str | None = None
    llm: str = "offline"
    perception: str = "oracle"
    qa_per_kind: int = Field(default=4, ge=0)
    embedder: EmbedderKind = DEFAULT_EMBEDDER
    day_start_h: float = 8.0
    day_end_h: float = 24.0
    requests_per_person_hour: float | None = None


def run_job(job: WorkerJob, progress: bool = False) -> RunRecord:
    """Run (or resume) the job's days as an experiment, then write its record."""
    from pepa.agent.experiment import run_experiment
    from pepa.agent.runtime.config import load_inputs
    from pepa.agent.study import memory_qa
    from pepa.agent.sys2.deliberator import SYS2_DIR
    from pepa.agent.sys2.request_queue import QUEUE_FILE, RequestQueue
    from pepa.clock import SimClock, at
    from pepa.memory.episodic import EpisodicMemory

    t0 = time.perf_counter()  # wall and CPU time of the worker, not the simulated clock
    cpu0 = time.process_time()
    config = RuntimeConfig(
        personality=job.spec.personality,
        seed=job.spec.seed,
        perception=job.perception,
        llm=job.llm,
        world=job.world,
        ablation=job.spec.ablation,
        embedder=job.embedder,
        day_start_h=job.day_start_h,
        day_end_h=job.day_end_h,
        requests_per_person_hour=job.requests_per_person_hour,
    )
    personality, building = load_inputs(config, job.run_dir)
    if job.spec.ablation == Ablation.SHUFFLED_WEIGHTS:
        personality = shuffled_personality(personality, job.spec.seed)

    def report(day: int, frac: float) -> None:
        if progress:
            print(json.dumps({"day": day, "fraction": round(frac, 3)}), flush=True)

    summary = run_experiment(config, job.days, job.run_dir, report)
    traces = read_traces(job.run_dir)
    memory = EpisodicMemory(SimClock(at(job.days, 0.0)), job.run_dir, create=False)
    safety = [e.time for e in memory.iter_episodes(where={"kind": "safety"})]
    requests = RequestQueue(job.run_dir / SYS2_DIR / QUEUE_FILE).all()
    questions = memory_qa.make_questions(traces, building, job.spec.seed, job.qa_per_kind)
    qa = memory_qa.ask(memory, questions)
    record = build_record(
        job.spec,
        job.run_dir,
        building,
        personality,
        summary=summary,
        requests=requests,
        safety_times=safety,
        qa=qa,
        wall_s=time.perf_counter() - t0,
    )
    record.cpu_s = round(time.process_time() - cpu0, 2)
    path = job.run_dir / RECORD_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(record.model_dump_json(), encoding="utf-8")
    tmp.replace(path)
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pepa.agent.study.worker")
    parser.add_argument("job", help="the WorkerJob as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    job = WorkerJob.model_validate_json(args.job)
    run_job(job, progress=True)
    print(json.dumps({"done": str(job.run_dir / RECORD_FILE)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
