"""The study's runs as Ray tasks: on a running Ray cluster, or on a local ``ray.init()``.

A study of thousands of robot-days needs more than one machine. Each run becomes one Ray task
(one CPU) that starts the very worker process the local runner starts (same command, same
clean environment), so a run gives the same record whichever runner ran it. The task returns
the record; the driver writes ``record.json`` into the study's ``runs/<name>/`` when the task
ran on a node that does not share the study's directory, so the report and a resumed study find
every finished run. A run's other files (memory store, traces, reflections) stay where its
task ran: under the same ``--out`` path on that node, or in one place when ``--out`` is on a
file system every node mounts.

Ray is an optional extra (``pip install 'pepa[ray]'``); it is imported only here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from functools import partial
from typing import Any

from pepa.agent.study.record import RunRecord
from pepa.agent.study.runner import WorkerError, run_worker
from pepa.agent.study.worker import RECORD_FILE, WorkerJob

log = logging.getLogger(__name__)

#: ``ray.init`` starts a new Ray instance on this machine for this address.
LOCAL = "local"


def _run_remote(job_json: str) -> str:
    """The Ray task: one run in its worker process; the record as JSON."""
    job = WorkerJob.model_validate_json(job_json)
    return run_worker(job, lambda _days: None).model_dump_json()


def _landed(job: WorkerJob, out: Future[RunRecord], done: Future[Any]) -> None:
    """Turn a finished task into the runner's future, keeping its record on this machine."""
    try:
        record = RunRecord.model_validate_json(done.result())
    except Exception as exc:  # a Ray task fails in many ways; each becomes the run's failure
        out.set_exception(WorkerError(f"run {job.spec.name} failed on Ray: {exc}"))
        return
    path = job.run_dir / RECORD_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(record.model_dump_json(), encoding="utf-8")
        tmp.replace(path)
    out.set_result(record)


@contextmanager
def ray_session(address: str) -> Iterator[Any]:
    """Connected to Ray at ``address`` (``LOCAL``: a new instance here) for the block."""
    try:
        import ray
    except ImportError:
        raise WorkerError("--ray needs the optional Ray extra: pip install 'pepa[ray]'") from None
    local = address == LOCAL
    ray.init(
        address=address,
        include_dashboard=False if local else None,
        log_to_driver=False,
        logging_level=logging.WARNING,
    )
    log.info("Ray at %s: %s CPUs", address, ray.cluster_resources().get("CPU"))
    try:
        yield ray
    finally:
        ray.shutdown()


def submit(ray: Any, jobs: list[WorkerJob]) -> dict[Future[RunRecord], WorkerJob]:
    """One Ray task per job; futures that hold each run's record once it has landed."""
    task = ray.remote(num_cpus=1, max_retries=0)(_run_remote)
    futures: dict[Future[RunRecord], WorkerJob] = {}
    for job in jobs:
        out: Future[RunRecord] = Future()
        task.remote(job.model_dump_json()).future().add_done_callback(partial(_landed, job, out))
        futures[out] = job
    return futures
