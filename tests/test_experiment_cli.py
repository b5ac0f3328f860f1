"""``pepa experiment``: bad input fails before anything starts; a short run writes its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pepa.agent.cli import main


def _experiment(personality: str, out: Path, *extra: str) -> int:
    return main(["experiment", "--personality", personality, "--out", str(out), *extra])


def test_unknown_personality_is_a_clear_error_before_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = _experiment("grumpy", out, "--days", "1")
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown personality 'grumpy'" in err and "Curious" in err
    assert not out.exists()


def test_missing_or_broken_world_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    missing = tmp_path / "nowhere.yaml"
    code = _experiment("lazy", out, "--days", "1", "--world", str(missing))
    assert code == 2
    assert str(missing) in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: tiny\nfloors: [oops\n", encoding="utf-8")
    code = _experiment("lazy", out, "--days", "1", "--world", str(broken))
    err = capsys.readouterr().err
    assert code == 2
    assert str(broken) in err and "YAML" in err
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("name: tiny\nfloors: []\n", encoding="utf-8")
    code = _experiment("lazy", out, "--days", "1", "--world", str(invalid))
    assert code == 2
    assert str(invalid) in capsys.readouterr().err
    assert not out.exists()


def test_bad_numbers_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert _experiment("lazy", out, "--days", "0") == 2
    assert "--days" in capsys.readouterr().err
    code = _experiment("lazy", out, "--days", "1", "--day-start", "10", "--day-end", "9")
    assert code == 2
    assert "day_start_h" in capsys.readouterr().err
    assert not out.exists()


def test_short_run_writes_memory_reflection_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = _experiment(
        "playful",
        out,
        "--days",
        "1",
        "--seed",
        "4",
        "--day-start",
        "8",
        "--day-end",
        "8.5",
        "--no-progress",
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert printed["personality"] == summary["personality"] == "Playful"
    assert summary["days"] == 1 and summary["distance_m"] > 0
    assert (out / "reflections" / "day-0000.json").is_file()
    assert (out / "memory").is_dir()
    assert (out / "runtime" / "checkpoint.json").is_file()
