"""The runtime's checkpoint: where a run stands, so that a restart continues it.

A checkpoint is written each morning before the day runs. It holds the robot's pose and
battery, the world's lasting changes and the files Sys2 and Sys3 rewrite during a day (request
queue, presence model, reward weights) as they were that morning. An interrupted day is run
again from that morning: the run is deterministic, episodes carry deterministic ids (the ones
already stored are skipped), and Sys3 returns an already written reflection, so nothing is
duplicated and the outcome is the one an uninterrupted run gives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pepa.durable import write_atomic
from pepa.messages import Level

CHECKPOINT_FILE = "checkpoint.json"
MORNING_DIR = "morning"


class RobotSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float
    y: float
    theta: float
    floor: Level
    soc: float = Field(ge=0.0, le=1.0)


class Checkpoint(BaseModel):
    """The state a day starts from."""

    model_config = ConfigDict(extra="forbid")
    version: int = 1
    identity: dict[str, object]
    day: int = Field(ge=0, description="the day this morning belongs to")
    days_done: list[int] = Field(default_factory=list)
    robot: RobotSnapshot | None = None
    world_objects: list[dict[str, object]] = Field(default_factory=list)
    files: list[str] = Field(
        default_factory=list, description="data-dir files saved with this morning"
    )


class CheckpointStore:
    """Reads and writes the checkpoint and the morning copies of the day's mutable files."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "runtime"
        self.path = self.root / CHECKPOINT_FILE

    def load(self) -> Checkpoint | None:
        if not self.path.is_file():
            return None
        try:
            return Checkpoint.model_validate_json(self.path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError) as exc:
            raise ValueError(f"{self.path}: not a valid runtime checkpoint ({exc})") from None

    def save(self, cp: Checkpoint, files: list[Path]) -> None:
        """Copy ``files`` (relative to the data dir) as the morning's, then the checkpoint."""
        morning = self.root / MORNING_DIR
        tmp_dir = self.root / (MORNING_DIR + ".tmp")
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tmp_dir.mkdir(parents=True)
        kept = []
        for rel in files:
            src = self.data_dir / rel
            if src.is_file():
                dst = tmp_dir / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                kept.append(str(rel))
        cp = cp.model_copy(update={"files": sorted(kept)})
        # swap the morning copies, then the checkpoint that names them
        old = self.root / (MORNING_DIR + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if morning.exists():
            morning.rename(old)
        tmp_dir.rename(morning)
        shutil.rmtree(old, ignore_errors=True)
        write_atomic(self.path, cp.model_dump_json(indent=1))

    def restore_files(self, cp: Checkpoint, managed: list[Path]) -> None:
        """Put the morning's copies back (and remove managed files the morning did not have)."""
        morning = self.root / MORNING_DIR
        if not morning.is_dir():
            old = self.root / (MORNING_DIR + ".old")
            if old.is_dir():  # interrupted between the two renames
                old.rename(morning)
        saved = set(cp.files)
        for rel in managed:
            dst = self.data_dir / rel
            if str(rel) in saved:
                src = morning / rel
                if not src.is_file():
                    raise ValueError(f"{self.path}: the morning copy {src} is missing")
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            elif dst.exists():
                dst.unlink()
