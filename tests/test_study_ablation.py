"""Ablation switches and the study's configuration: what runs, and bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pepa.agent.runtime.ablation import (
    Ablation,
    RecallOff,
    goal_day,
    reflects,
    shuffled_personality,
)
from pepa.agent.runtime.config import RuntimeConfig
from pepa.agent.study.cli import _ablations
from pepa.agent.study.runner import StudyConfig, clean_env, resolve_personalities
from pepa.agent.sys3.memory_port import EpisodeList
from pepa.messages import Experience, Pose
from pepa.personalities.loader import load


def test_shuffled_weights_permute_the_personality_s_weights() -> None:
    p = load("curious")
    q = shuffled_personality(p, seed=3)
    assert Counter(q.weights().values()) == Counter(p.weights().values())
    assert q.weights() != p.weights()
    assert q.bounds()[max(q.weights(), key=q.weights().__getitem__)] == (0.45, 0.75)
    assert q.requests == p.requests and q.preferred_skills == p.preferred_skills
    assert shuffled_personality(p, seed=3) == q


def test_recall_off_records_but_finds_nothing() -> None:
    store = EpisodeList()
    port = RecallOff(store)
    exp = Experience(time=10.0, day=0, floor=0, room="lab", pose=Pose(x=0, y=0, floor=0),
                     caption="something happened")  # fmt: skip
    port.record(exp)
    assert port.episodes(0) == [] and store.episodes(0) == [exp]


def test_no_reflection_freezes_sys3_after_the_first_day() -> None:
    assert [goal_day(Ablation.NO_REFLECTION, d) for d in range(4)] == [0, 1, 1, 1]
    assert [reflects(Ablation.NO_REFLECTION, d) for d in range(3)] == [True, False, False]
    assert [goal_day(Ablation.NONE, d) for d in range(3)] == [0, 1, 2]
    assert all(reflects(Ablation.NO_MEMORY, d) for d in range(3))


def test_an_ablated_run_is_another_run() -> None:
    full = RuntimeConfig(personality="lazy", seed=1)
    off = RuntimeConfig(personality="lazy", seed=1, ablation=Ablation.NO_MEMORY)
    assert "ablation" not in full.identity()  # runs made before ablations existed still match
    assert off.identity()["ablation"] == "no_memory"


def test_study_specs_cover_personalities_seeds_and_ablations() -> None:
    cfg = StudyConfig(
        days=2,
        seeds=3,
        personalities=["Lazy", "Curious"],
        ablations=[Ablation.NO_MEMORY, Ablation.NONE, Ablation.NO_MEMORY],
        ablation_seeds=1,
    )
    names = [s.name for s in cfg.specs()]
    assert names[:3] == ["lazy-s0", "lazy-s1", "lazy-s2"]
    assert names[6:8] == ["lazy-s0-no_memory", "curious-s0-no_memory"]
    assert names[8:] == [f"{p}-s{s}-busy" for p in ("lazy", "curious") for s in range(3)]


def test_bad_study_input_is_named() -> None:
    with pytest.raises(ValueError, match="unknown ablation 'no_brain'"):
        _ablations("no_memory,no_brain")
    assert _ablations("all") == [
        Ablation.NO_REFLECTION,
        Ablation.NO_MEMORY,
        Ablation.SHUFFLED_WEIGHTS,
    ]
    with pytest.raises(ValueError, match="Grumpy"):
        resolve_personalities("lazy,Grumpy")
    with pytest.raises(ValueError, match="named twice"):
        resolve_personalities("lazy,Lazy")
    assert resolve_personalities("all") == sorted(resolve_personalities("all"))


def test_cli_rejects_bad_numbers_with_the_option_name(tmp_path: Path, capsys) -> None:
    from pepa.agent.cli import main

    code = main(["study", "--days", "0", "--seeds", "1", "--out", str(tmp_path)])
    assert code == 2
    assert "--days" in capsys.readouterr().err


def test_workers_get_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_ROS_WHEELS_BOOTSTRAP_COMPLETE", "1")
    env = clean_env()
    assert "_ROS_WHEELS_BOOTSTRAP_COMPLETE" not in env
    assert env["OMP_NUM_THREADS"] == "1"


_THREADS_AFTER_EMBEDDING = (
    "import os; from memory.embedding import embed_texts; embed_texts(['one sentence']); "
    "print(len(os.listdir('/proc/self/task')))"
)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_workers_run_the_embedding_model_on_one_thread() -> None:
    """Two workers on two cores: onnxruntime (which ignores OMP_NUM_THREADS) must not start a
    pool per core in each. The variable takes effect: asking for 3 threads adds 2 more."""
    import subprocess
    import sys

    def threads(env: dict[str, str]) -> int:
        out = subprocess.run(
            [sys.executable, "-c", _THREADS_AFTER_EMBEDDING],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return int(out.stdout.strip().splitlines()[-1])

    env = clean_env()
    assert env["ORT_INTRA_OP_NUM_THREADS"] == "1"
    assert threads({**env, "ORT_INTRA_OP_NUM_THREADS": "3"}) == threads(env) + 2
