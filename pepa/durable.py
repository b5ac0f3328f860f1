"""Durable file writes: a crash leaves the old file or the new one, never half of either.

Below every layer, so that the runtime's checkpoint, Sys1's lasting state and a run's summary
all write their files the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def write_json(path: Path, data: object, *, compact: bool = False) -> None:
    """Durable JSON file write (temporary file, fsync, rename); ``compact`` for big files only
    programs read (json's C encoder runs only without indentation)."""
    text = (
        json.dumps(data, sort_keys=True, separators=(",", ":"))
        if compact
        else json.dumps(data, indent=1, sort_keys=True)
    )
    write_atomic(path, text)
