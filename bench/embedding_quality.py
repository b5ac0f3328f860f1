"""Embedding quality side by side: the int8 MiniLM against the static embedder distilled from it.

    python bench/embedding_quality.py [--personalities curious,lazy,working] [--days 2]
                                      [--seed 1] [--data DIR]

Two retrieval tasks, each scored as recall@k (the share of queries with a right answer among
the k captions nearest by cosine):

* **memory QA**: real runs of the in-process agent (one per personality, into ``--data`` or a
  temporary directory; a finished run there is reused), the study's memory-QA questions about
  them (``agent/study/memory_qa.py``), asked as text of every distinct caption of the run, as
  memory embeds it (without its clock stamp: ``Experience.meaning``). A caption is right when
  its episode is evidence for the answer: a sighting of or talk with the person asked about, a
  boarding of the elevator, a meeting in the room, a charging episode.
  "Where were you at <time>?" names no content to search for by meaning and is left out, as is
  a question no episode answers (e.g. nobody met in a room).
* **paraphrases**: the project's own pairs of episode-like captions
  (``bench/caption_paraphrases.yaml``); each first caption must find its partner among all
  second captions plus every caption of the runs above as distractors.

CPU per caption is the process CPU time (all threads) of embedding the runs' distinct captions
once, without MiniLM's cache. The last line is one JSON object; ``default`` is the embedder
this rule picks: the static one when its recall@10 on memory QA is within 0.05 of MiniLM's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml
from tqdm import tqdm

from pepa.agent.experiment import run_experiment
from pepa.agent.runtime.config import RuntimeConfig, load_inputs
from pepa.agent.study import memory_qa
from pepa.agent.study.record import read_traces
from pepa.agent.sys1.recorder import CHARGING, ELEVATOR_RIDE
from pepa.clock import SimClock, at
from pepa.memory.embedders import DEFAULT_EMBEDDER, EmbedderKind, embedder
from pepa.memory.embedding import embed_texts
from pepa.memory.episodic import EpisodicMemory
from pepa.messages import Experience

PARAPHRASES = Path(__file__).with_name("caption_paraphrases.yaml")
KS = (1, 5, 10)
TOLERANCE = 0.05
Embed = Callable[[Sequence[str]], np.ndarray]
EMBEDDERS: dict[EmbedderKind, Embed] = {
    EmbedderKind.MINILM: lambda texts: embed_texts(texts, use_cache=False),
    EmbedderKind.STATIC: embedder(EmbedderKind.STATIC).embed,
}


def evidence(q: memory_qa.Question, e: Experience) -> bool:
    """Whether episode ``e`` is evidence for the answer to ``q`` (the reader's own filters)."""
    p = q.params
    if q.kind == memory_qa.QuestionKind.LAST_SEEN:
        return e.kind in memory_qa.SEEN_KINDS and p["person"] in e.people
    if q.kind == memory_qa.QuestionKind.ELEVATOR_RIDES:
        return e.kind == ELEVATOR_RIDE and f": boarded {p['elevator']} on floor " in e.caption
    if q.kind == memory_qa.QuestionKind.MET_IN_ROOM:
        return e.kind == "interaction" and e.room == p["room"] and bool(e.people)
    if q.kind == memory_qa.QuestionKind.CHARGE_TIME:
        return e.kind == CHARGING
    return False


class RunTask:
    """One run's distinct captions and its text questions with the indices of right captions."""

    def __init__(self, run_dir: Path, personality: str, seed: int, days: int) -> None:
        config = RuntimeConfig(personality=personality, seed=seed)
        run_experiment(config, days, run_dir)
        _, building = load_inputs(config, run_dir)
        memory = EpisodicMemory(SimClock(at(days, 0.0)), run_dir, create=False)
        episodes = list(memory.iter_episodes())
        self.captions = sorted({e.meaning() for e in episodes})
        index = {c: i for i, c in enumerate(self.captions)}
        self.questions: list[tuple[str, set[int]]] = []
        self.skipped = 0
        questions = memory_qa.make_questions(read_traces(run_dir), building, seed)
        for q in questions:
            right = {index[e.meaning()] for e in episodes if evidence(q, e)}
            if right:
                self.questions.append((q.text, right))
            else:
                self.skipped += 1


def recall(queries: np.ndarray, corpus: np.ndarray, right: Sequence[set[int]]) -> list[float]:
    """recall@k for each k in KS: the share of queries with a right caption in their top k."""
    order = np.argsort(-(queries @ corpus.T), axis=1, kind="stable")
    return [
        float(np.mean([bool(set(order[i, :k].tolist()) & right[i]) for i in range(len(right))]))
        for k in KS
    ]


def measure(tasks: list[RunTask], kind: EmbedderKind) -> dict[str, float]:
    embed = EMBEDDERS[kind]
    captions = [c for t in tasks for c in t.captions]
    embed(["warm up"])  # loads the model or table: not part of the cost per caption
    c0 = time.process_time()
    vectors = embed(captions)
    cpu_ms = (time.process_time() - c0) * 1000.0 / len(captions)
    qa_hits = np.zeros(len(KS))
    questions = 0
    start = 0
    for t in tasks:
        corpus = vectors[start : start + len(t.captions)]
        start += len(t.captions)
        if t.questions:
            qv = embed([text for text, _ in t.questions])
            r = recall(qv, corpus, [right for _, right in t.questions])
            qa_hits += np.array(r) * len(t.questions)
            questions += len(t.questions)
    pairs = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["pairs"]
    partners = embed([b for _, b in pairs])
    targets = {b for _, b in pairs}
    distractors = [i for i, c in enumerate(captions) if c not in targets]
    corpus = np.vstack([partners, vectors[distractors]])
    para = recall(embed([a for a, _ in pairs]), corpus, [{i} for i in range(len(pairs))])
    out = {
        f"qa_recall{k}": round(float(h) / max(1, questions), 3)
        for k, h in zip(KS, qa_hits, strict=True)
    }
    out |= {f"paraphrase_recall{k}": round(r, 3) for k, r in zip(KS, para, strict=True)}
    out["cpu_ms_per_caption"] = round(cpu_ms, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personalities", default="curious,lazy,working")
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="keep (and reuse) the runs here")
    args = parser.parse_args()
    if args.days < 1:
        parser.error("--days must be >= 1")
    logging.basicConfig(level=logging.WARNING)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="embedding-quality-") as tmp:
        root = args.data or Path(tmp)
        names = [p.strip() for p in args.personalities.split(",") if p.strip()]
        tasks = [
            RunTask(root / f"{name}-s{args.seed}", name, args.seed, args.days)
            for name in tqdm(names, desc="runs")
        ]
    result: dict[str, object] = {
        "runs": len(tasks),
        "qa_questions": sum(len(t.questions) for t in tasks),
        "qa_questions_without_evidence": sum(t.skipped for t in tasks),
        "captions": sum(len(t.captions) for t in tasks),
        "paraphrase_pairs": len(yaml.safe_load(PARAPHRASES.read_text())["pairs"]),
    }
    for kind in EmbedderKind:
        for key, value in measure(tasks, kind).items():
            result[f"{key}_{kind.value}"] = value
        print(f"{kind.value}: " + ", ".join(f"{k} {v}" for k, v in result.items() if kind in k))
    minilm, static = result["qa_recall10_minilm"], result["qa_recall10_static"]
    result["recall10_minilm"] = minilm
    result["recall10_static"] = static
    chosen = EmbedderKind.STATIC if static >= minilm - TOLERANCE else EmbedderKind.MINILM  # type: ignore[operator]
    result["default"] = chosen.value
    result["current_default"] = DEFAULT_EMBEDDER.value
    result["load_1m"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    result["cpus"] = os.cpu_count() or 0
    print(json.dumps(result))


if __name__ == "__main__":
    main()
