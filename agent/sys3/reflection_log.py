"""The reflection log: one Markdown file (for people) and one JSON file (for programs) per day,
plus the reviewers' feedback on each day, under ``<data dir>/reflections/``.

Files are written atomically (temporary file, then rename) so a crash never leaves half a day.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from pepa.clock import format_time
from pepa.conditions import describe_condition
from pepa.messages import Reflection

SUBDIR = "reflections"
_DAY_RE = re.compile(r"^day-(\d{4})\.json$")
MAX_FEEDBACK = 4000


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def to_markdown(r: Reflection) -> str:
    lines = [
        f"# {r.personality} — reflection on day {r.day}",
        "",
        f"*Written {format_time(r.created_at)} by the {r.source} engine.*",
        "",
        r.summary,
        "",
        "## What went well",
        *([f"- {x}" for x in r.went_well] or ["- (nothing notable)"]),
        "",
        "## What went badly",
        *([f"- {x}" for x in r.went_badly] or ["- (nothing notable)"]),
        "",
        "## Insights",
    ]
    for ins in r.insights or []:
        cites = f" (episodes: {', '.join(ins.episode_ids)})" if ins.episode_ids else ""
        lines.append(f"- {ins.text}{cites}")
    if not r.insights:
        lines.append("- (none)")
    lines += ["", "## Reward weights", ""]
    if r.weight_changes:
        lines += ["| feature | before | after | why |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {c.feature} | {c.old:.3f} | {c.new:.3f} | {c.reason} |" for c in r.weight_changes
        ]
    else:
        lines.append("No change.")
    if r.weights_after:
        lines += ["", "Now: " + ", ".join(f"{k} {v:.3f}" for k, v in r.weights_after.items())]
    lines += ["", f"## Goals for day {r.day + 1}"]
    for g in r.tomorrow_goals:
        lines.append(
            f"- **{g.action.label()}** if {describe_condition(g.condition)} "
            f"(priority {g.priority:.2f}) — {g.rationale}"
        )
    if r.feedback_used:
        lines += ["", "## Reviewer feedback taken into account"]
        lines += [f"- {f}" for f in r.feedback_used]
    return "\n".join(lines) + "\n"


class ReflectionLog:
    """Reads and writes the reflection files and the reviewers' feedback."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / SUBDIR

    def json_path(self, day: int) -> Path:
        return self.dir / f"day-{day:04d}.json"

    def markdown_path(self, day: int) -> Path:
        return self.dir / f"day-{day:04d}.md"

    def feedback_path(self, day: int) -> Path:
        return self.dir / f"day-{day:04d}.feedback.md"

    def write(self, r: Reflection) -> None:
        _write(self.json_path(r.day), r.model_dump_json(indent=2))
        _write(self.markdown_path(r.day), to_markdown(r))

    def read(self, day: int) -> Reflection | None:
        path = self.json_path(day)
        if not path.is_file():
            return None
        try:
            return Reflection.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"{path}: {where}: {err['msg']}") from None

    def days(self) -> list[int]:
        if not self.dir.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.dir.iterdir() if (m := _DAY_RE.match(p.name)))

    def write_feedback(self, day: int, text: str) -> None:
        """Store a reviewer's feedback on ``day`` (appended to earlier feedback that day)."""
        text = text.strip()
        if not text:
            raise ValueError("feedback: text is empty")
        if len(text) > MAX_FEEDBACK:
            raise ValueError(f"feedback: {len(text)} characters, over the {MAX_FEEDBACK} limit")
        if day < 0:
            raise ValueError(f"feedback: day {day} is negative")
        previous = self.read_feedback(day)
        _write(self.feedback_path(day), "\n".join([*previous, text]) + "\n")

    def read_feedback(self, day: int) -> list[str]:
        """The feedback notes on ``day``, one per entry (blank lines separate nothing)."""
        path = self.feedback_path(day)
        if not path.is_file():
            return []
        return [
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
