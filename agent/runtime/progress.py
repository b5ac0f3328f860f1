"""A progress bar in simulated hours for runs of whole robot days on the discrete-event clock.

``Runtime.run_days`` reports ``(day, fraction of that day)``; the bar shows simulated hours
done, so a run of several days reads the same whatever the day's length.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

Progress = Callable[[int, float], None]


@contextmanager
def day_progress(
    days: int, day_hours: float, desc: str, enabled: bool = True
) -> Iterator[Progress]:
    """A ``progress(day, fraction)`` callback drawing ``days`` days of ``day_hours`` each."""
    total = days * day_hours
    bar = tqdm(
        total=round(total, 1),
        unit="h",
        desc=desc,
        disable=not enabled,
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.0f} sim h [{elapsed}<{remaining}]",
    )

    def progress(day: int, fraction: float) -> None:
        done = min(total, (day + fraction) * day_hours)
        if done > bar.n:
            bar.update(round(done - bar.n, 2))
            bar.set_postfix_str(f"day {day}")

    try:
        yield progress
    finally:
        bar.close()
