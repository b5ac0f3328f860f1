"""What the onboard policy sees: a camera frame, the public context, markers and intentions.

* the **frame**, down-sampled to the model's input size (160x120 by default), for the CNN;
* the **state vector**: time of day, battery, floor, room, who was seen recently and where,
  rooms visited today, pending requests, blockages — all from the :class:`WorldState` that
  Sys1 publishes;
* the **marker features**: which known landmarks, people's badges and elevator panels the
  ArUco detector reads in the current frame, and how far away;
* the **intentions**: the actions of the daily goals whose conditions hold and the next step
  of each open request, as token sequences the decoder can attend to (and copy from).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pepa.agent.policy.vocab import MAX_CALL_TOKENS, PolicyVocab, VocabError
from pepa.knowledge import SKILLS, WorldKnowledge
from pepa.messages import SkillCall
from pepa.robot import Sighting
from pepa.world_state import WorldState

RECENT_S = 300.0
MAX_CANDIDATES = 8
CANDIDATE_KINDS = ("goal", "request")


@dataclass(frozen=True)
class Observation:
    """One input to the policy, before tensors: built by perception, read by generation."""

    frame: np.ndarray  # HxWx3 uint8 at the model's input size
    state: np.ndarray  # float32, FeatureSpec.state_size
    candidates: np.ndarray  # int64, MAX_CANDIDATES x MAX_CALL_TOKENS (pad-filled)
    texts: tuple[str, ...]  # text arguments of the candidates, for <text> copies


@dataclass(frozen=True)
class Intention:
    """A goal action or a request step the robot could take up now."""

    kind: str  # "goal" or "request"
    call: SkillCall


class FeatureSpec:
    """Turns a world state, a frame and sightings into an :class:`Observation`."""

    def __init__(
        self, knowledge: WorldKnowledge, vocab: PolicyVocab, width: int = 160, height: int = 120
    ) -> None:
        self.vocab = vocab
        self.width, self.height = width, height
        self.places = sorted(knowledge.places)
        self.people = sorted(knowledge.people)
        self.objects = sorted(knowledge.objects)
        self.floors = sorted(knowledge.floors)
        self.elevators = sorted(knowledge.elevators)
        self.skills = list(SKILLS)
        self._place = {p: i for i, p in enumerate(self.places)}
        self._person = {p: i for i, p in enumerate(self.people)}
        self._object = {o: i for i, o in enumerate(self.objects)}
        self._floor = {f: i for i, f in enumerate(self.floors)}
        self._elevator = {e: i for i, e in enumerate(self.elevators)}
        self._skill = {s: i for i, s in enumerate(self.skills)}
        np_, nq, no, nf = len(self.places), len(self.people), len(self.objects), len(self.floors)
        self.layout: dict[str, int] = {
            "scalars": 8,
            "floor": nf,
            "room": np_,
            "visited": np_,
            "people_recent": nq,
            "people_here": nq,
            "people_room": np_,
            "current_skill": len(self.skills),
            "seen_person": nq,
            "seen_object": no,
            "seen_panel": len(self.elevators),
            "seen_distance": nq + no,
        }
        self.state_size = sum(self.layout.values())

    # --- frames -----------------------------------------------------------------------------

    def frame(self, image: np.ndarray) -> np.ndarray:
        """The RGB image at the model's input size (area-averaged, so markers stay visible)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"frame: expected an HxWx3 RGB image, got shape {image.shape}")
        if image.shape[:2] == (self.height, self.width):
            return np.ascontiguousarray(image, dtype=np.uint8)
        return cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)

    # --- the state vector ---------------------------------------------------------------------

    def state(self, ws: WorldState, sightings: Sequence[Sighting] = ()) -> np.ndarray:
        parts: dict[str, np.ndarray] = {k: np.zeros(n, np.float32) for k, n in self.layout.items()}
        hour = ws.hour
        s = parts["scalars"]
        s[0] = math.sin(2 * math.pi * hour / 24.0)
        s[1] = math.cos(2 * math.pi * hour / 24.0)
        s[2] = ws.battery
        s[3] = 1.0 if ws.charging else 0.0
        s[4] = min(ws.pending_requests, 5) / 5.0
        s[5] = 1.0 if ws.idle else 0.0
        s[6] = min(len(ws.blocked), 4) / 4.0
        s[7] = min(len(ws.visited_today), 20) / 20.0
        if ws.floor in self._floor:
            parts["floor"][self._floor[ws.floor]] = 1.0
        if ws.room in self._place:
            parts["room"][self._place[ws.room]] = 1.0
        for room in ws.visited_today:
            if room in self._place:
                parts["visited"][self._place[room]] = 1.0
        for person in ws.people_in(None, RECENT_S):
            if person in self._person:
                parts["people_recent"][self._person[person]] = 1.0
                seen_in = ws.people_rooms.get(person)
                if seen_in is not None and seen_in == ws.room:
                    parts["people_here"][self._person[person]] = 1.0
                if seen_in in self._place:
                    parts["people_room"][self._place[seen_in]] = 1.0
        if ws.current_skill in self._skill:
            parts["current_skill"][self._skill[ws.current_skill]] = 1.0
        nq = len(self.people)
        for sg in sightings:
            closeness = 1.0 / (1.0 + max(0.0, sg.distance))
            if sg.kind == "person" and sg.ident in self._person:
                i = self._person[sg.ident]
                parts["seen_person"][i] = 1.0
                parts["seen_distance"][i] = max(parts["seen_distance"][i], closeness)
            elif sg.ident in self._object:
                i = self._object[sg.ident]
                parts["seen_object"][i] = 1.0
                parts["seen_distance"][nq + i] = max(parts["seen_distance"][nq + i], closeness)
            elif sg.kind == "elevator_panel":
                eid = sg.ident.split("@", 1)[0]
                if eid in self._elevator:
                    parts["seen_panel"][self._elevator[eid]] = 1.0
        return np.concatenate([parts[k] for k in self.layout])

    # --- intentions ---------------------------------------------------------------------------

    def candidates(self, intentions: Sequence[Intention]) -> tuple[np.ndarray, tuple[str, ...]]:
        """Up to MAX_CANDIDATES calls as ``<sep>``-led token rows (unknown ones are skipped)."""
        out = np.full((MAX_CANDIDATES, MAX_CALL_TOKENS), self.vocab.pad, dtype=np.int64)
        texts: list[str] = []
        row = 0
        for it in intentions:
            if row >= MAX_CANDIDATES:
                break
            try:
                ids = self.vocab.encode(it.call)
            except VocabError:
                continue
            ids[0] = self.vocab.sep  # <sep> marks a candidate, not a decision
            out[row, : len(ids)] = ids
            row += 1
            for name, kind in SKILLS[it.call.skill].args.items():
                if kind == "text" and name in it.call.args:
                    texts.append(str(it.call.args[name]))
        return out, tuple(texts)

    def observation(
        self,
        ws: WorldState,
        image: np.ndarray,
        sightings: Sequence[Sighting],
        intentions: Sequence[Intention],
    ) -> Observation:
        cands, texts = self.candidates(intentions)
        return Observation(self.frame(image), self.state(ws, sightings), cands, texts)

    def signature(self) -> dict[str, object]:
        """What a model file must agree on to be used with this spec."""
        return {
            "input_width": self.width,
            "input_height": self.height,
            "state_size": self.state_size,
            "layout": dict(self.layout),
        }
