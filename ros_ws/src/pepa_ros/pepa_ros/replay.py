"""Read an MCAP recording back: a per-topic summary, or the messages themselves.

Decoding uses the schemas stored in the file (no ROS packages needed), so a recording made
on the robot can be inspected on any machine. The summary names the Foxglove layout shipped
with this package (camera, odometry, battery, decisions, requests), so a user opening the file
in Foxglove starts from those panels instead of an empty screen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mcap.exceptions import McapError
from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory
from pydantic import BaseModel, Field

MAX_SEQUENCE = 8
"""Longer arrays (image data, covariances) are shown by length and head only."""


MIN_RATE_SPAN_S = 0.5
"""A rate over a shorter span (a burst of latched messages) would mislead."""
FOXGLOVE_LAYOUT = Path(__file__).resolve().parent / "foxglove" / "pepa-layout.json"
"""Import it in Foxglove (Layouts, Import from file) after opening a recording."""


class RecordingError(ValueError):
    """A file that is not a readable MCAP recording; names the file and the problem."""


class TopicSummary(BaseModel):
    topic: str
    type: str
    count: int = Field(ge=0)
    first_s: float | None = None
    last_s: float | None = None

    @property
    def rate_hz(self) -> float | None:
        if self.count < 2 or self.first_s is None or self.last_s is None:
            return None
        span = self.last_s - self.first_s
        return (self.count - 1) / span if span >= MIN_RATE_SPAN_S else None


class RecordingSummary(BaseModel):
    path: str
    profile: str
    messages: int
    duration_s: float
    topics: list[TopicSummary]
    foxglove_layout: str = Field(
        default=str(FOXGLOVE_LAYOUT), description="the layout to import in Foxglove"
    )

    def topic(self, name: str) -> TopicSummary | None:
        return next((t for t in self.topics if t.topic == name), None)


def _open(path: Path) -> Any:
    if not path.is_file():
        raise RecordingError(f"{path}: no such file")
    return path.open("rb")


def summarise(path: Path) -> RecordingSummary:
    """Topics, types, counts and time spans, read from the file's summary section."""
    with _open(path) as stream:
        try:
            reader = make_reader(stream)
            header = reader.get_header()
            summary = reader.get_summary()
        except (McapError, ValueError, EOFError) as exc:
            raise RecordingError(f"{path}: not a readable MCAP file ({exc})") from None
        if summary is None or summary.statistics is None:
            return _summarise_by_scan(path, header.profile)
        stats = summary.statistics
        topics = []
        for cid, channel in sorted(summary.channels.items(), key=lambda kv: kv[1].topic):
            schema = summary.schemas.get(channel.schema_id)
            topics.append(
                TopicSummary(
                    topic=channel.topic,
                    type=schema.name if schema else "?",
                    count=stats.channel_message_counts.get(cid, 0),
                )
            )
        # first/last per topic need the messages' times; one pass without decoding
        _fill_times(path, topics)
        span = (stats.message_end_time - stats.message_start_time) / 1e9
        return RecordingSummary(
            path=str(path),
            profile=header.profile,
            messages=stats.message_count,
            duration_s=max(0.0, span),
            topics=topics,
        )


def _fill_times(path: Path, topics: list[TopicSummary]) -> None:
    by_topic = {t.topic: t for t in topics}
    with _open(path) as stream:
        for _schema, channel, message in make_reader(stream).iter_messages(log_time_order=False):
            t = by_topic.get(channel.topic)
            if t is None:
                continue
            s = message.log_time / 1e9
            t.first_s = s if t.first_s is None else min(t.first_s, s)
            t.last_s = s if t.last_s is None else max(t.last_s, s)


def _summarise_by_scan(path: Path, profile: str) -> RecordingSummary:
    """For a file cut short (no summary section): count by reading every message."""
    topics: dict[str, TopicSummary] = {}
    with _open(path) as stream:
        try:
            for schema, channel, message in make_reader(stream).iter_messages():
                t = topics.setdefault(
                    channel.topic,
                    TopicSummary(
                        topic=channel.topic, type=schema.name if schema else "?", count=0
                    ),
                )
                t.count += 1
                s = message.log_time / 1e9
                t.first_s = s if t.first_s is None else t.first_s
                t.last_s = s
        except (McapError, EOFError) as exc:
            raise RecordingError(f"{path}: damaged MCAP file ({exc})") from None
    firsts = [t.first_s for t in topics.values() if t.first_s is not None]
    lasts = [t.last_s for t in topics.values() if t.last_s is not None]
    return RecordingSummary(
        path=str(path),
        profile=profile,
        messages=sum(t.count for t in topics.values()),
        duration_s=(max(lasts) - min(firsts)) if firsts else 0.0,
        topics=sorted(topics.values(), key=lambda t: t.topic),
    )


def to_plain(value: Any) -> Any:
    """A decoded message as JSON-ready data, long arrays shortened."""
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"bytes": len(data)} if len(data) > MAX_SEQUENCE else list(data)
    if isinstance(value, list | tuple):
        if len(value) > MAX_SEQUENCE:
            return {"length": len(value), "head": [to_plain(v) for v in value[:3]]}
        return [to_plain(v) for v in value]
    if hasattr(value, "__slots__") and not isinstance(value, str | int | float | bool):
        return {slot: to_plain(getattr(value, slot)) for slot in value.__slots__}
    return value


def iter_messages(
    path: Path, topics: Sequence[str] | None = None
) -> Iterator[tuple[str, str, float, Any]]:
    """(topic, type, log time in s, decoded message) in log-time order."""
    with _open(path) as stream:
        reader = make_reader(stream, decoder_factories=[DecoderFactory()])
        try:
            for schema, channel, message, decoded in reader.iter_decoded_messages(
                topics=list(topics) if topics else None
            ):
                yield (
                    channel.topic,
                    schema.name if schema else "?",
                    message.log_time / 1e9,
                    decoded,
                )
        except (McapError, EOFError) as exc:
            raise RecordingError(f"{path}: damaged MCAP file ({exc})") from None


def format_summary(summary: RecordingSummary) -> str:
    lines = [
        f"{summary.path}: profile {summary.profile or '-'}, {summary.messages} messages, "
        f"{summary.duration_s:.1f} s, {len(summary.topics)} topics",
    ]
    width = max((len(t.topic) for t in summary.topics), default=5)
    for t in summary.topics:
        rate = f"{t.rate_hz:8.2f} Hz" if t.rate_hz is not None else "        -   "
        lines.append(f"  {t.topic:<{width}}  {t.count:7d}  {rate}  {t.type}")
    lines.append(f"Foxglove layout (Layouts > Import from file): {summary.foxglove_layout}")
    return "\n".join(lines)


def format_message(topic: str, type_name: str, stamp: float, decoded: Any) -> str:
    """One line per message; JSON topics (std_msgs/String carrying a model) shown as JSON."""
    if type_name.endswith("std_msgs/msg/String"):
        body = decoded.data
    else:
        body = json.dumps(to_plain(decoded), separators=(",", ":"), default=str)
    return f"{stamp:.3f} {topic} {body}"
