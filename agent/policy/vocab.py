"""The policy's token vocabulary: skills, argument names and argument values.

A decision's first skill call is written as ``<bos> skill @arg value @arg value <eos>``. The
vocabulary is built from the skill catalogue and the building's known places, people,
objects, elevators and floors, so the decoder can only ever name things the robot knows; a
model file stores its vocabulary and is refused when it does not match the world it is loaded
into. Free text (what to say) is not generated: it is the ``<text>`` token, filled by copying
the text of a matching goal or request (see :mod:`pepa.agent.policy.fast_path`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pepa.knowledge import EMOTIONS, SKILLS, ArgType, WorldKnowledge
from pepa.messages import SkillCall

PAD, BOS, EOS, SEP = "<pad>", "<bos>", "<eos>", "<sep>"
TEXT = "<text>"
SPECIAL: tuple[str, ...] = (PAD, BOS, EOS, SEP, TEXT)
#: Durations are decoded as one of these (seconds); a call's duration maps to the nearest.
DURATIONS_S: tuple[int, ...] = (30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_ARGS = max(len(s.args) for s in SKILLS.values())
#: <bos> skill (@name value)* <eos>
MAX_CALL_TOKENS = 3 + 2 * MAX_ARGS


class VocabError(ValueError):
    """A call or token sequence that the vocabulary cannot express."""


class PolicyVocab:
    """Tokens <-> skill calls, and the grammar that keeps decoding to valid calls."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if len(set(tokens)) != len(tokens):
            raise VocabError("vocabulary: duplicate tokens")
        missing = [t for t in SPECIAL if t not in tokens]
        if missing:
            raise VocabError(f"vocabulary: special tokens missing: {missing}")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.bos, self.eos, self.sep = (self.index[t] for t in (PAD, BOS, EOS, SEP))
        self.text = self.index[TEXT]
        self.skill_ids = [self.index[f"skill:{n}"] for n in SKILLS if f"skill:{n}" in self.index]
        self._values: dict[str, list[int]] = {}
        for tok, i in self.index.items():
            kind, _, _ = tok.partition(":")
            if kind in ("place", "floor", "person", "object", "elevator", "emotion", "seconds"):
                self._values.setdefault(kind, []).append(i)
        self._values["text"] = [self.text]

    @classmethod
    def build(cls, knowledge: WorldKnowledge) -> PolicyVocab:
        tokens: list[str] = list(SPECIAL)
        tokens += [f"skill:{n}" for n in SKILLS]
        tokens += sorted({f"@{a}" for s in SKILLS.values() for a in s.args})
        tokens += [f"place:{p}" for p in sorted(knowledge.places)]
        tokens += [f"floor:{f}" for f in sorted(knowledge.floors)]
        tokens += [f"person:{p}" for p in sorted(knowledge.people)]
        tokens += [f"object:{o}" for o in sorted(knowledge.objects)]
        tokens += [f"elevator:{e}" for e in sorted(knowledge.elevators)]
        tokens += [f"emotion:{e}" for e in EMOTIONS]
        tokens += [f"seconds:{d}" for d in DURATIONS_S]
        return cls(tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    # --- calls <-> tokens -------------------------------------------------------------------

    def encode(self, call: SkillCall) -> list[int]:
        """``<bos> skill (@name value)* <eos>`` with arguments in the catalogue's order."""
        spec = SKILLS.get(call.skill)
        if spec is None or f"skill:{call.skill}" not in self.index:
            raise VocabError(f"skill {call.skill!r} is not in the policy's vocabulary")
        out = [self.bos, self.index[f"skill:{call.skill}"]]
        for name, kind in spec.args.items():
            if name not in call.args:
                continue
            out += [self.index[f"@{name}"], self._value_id(kind, call.args[name], call)]
        out.append(self.eos)
        return out

    def _value_id(self, kind: ArgType, value: object, call: SkillCall) -> int:
        if kind == "text":
            return self.text
        if kind == "seconds":
            secs = float(value)  # type: ignore[arg-type]
            best = min(DURATIONS_S, key=lambda d: abs(d - secs))
            return self.index[f"seconds:{best}"]
        key = f"{kind}:{int(value) if kind == 'floor' else value}"  # type: ignore[call-overload]
        if key not in self.index:
            raise VocabError(f"{call.label()}: {kind} {value!r} is not in the policy's vocabulary")
        return self.index[key]

    def decode(self, ids: Sequence[int], texts: Sequence[str] = ()) -> SkillCall:
        """The call a token sequence stands for; ``<text>`` takes the first of ``texts``."""
        toks = [self.tokens[i] for i in ids if i not in (self.bos, self.pad)]
        if toks and toks[-1] == EOS:
            toks = toks[:-1]
        if not toks or not toks[0].startswith("skill:"):
            raise VocabError(f"token sequence does not start with a skill: {toks}")
        skill = toks[0].split(":", 1)[1]
        args: dict[str, str | int | float] = {}
        rest = toks[1:]
        if len(rest) % 2:
            raise VocabError(f"token sequence has an argument without a value: {toks}")
        for name_tok, val_tok in zip(rest[::2], rest[1::2], strict=True):
            name = name_tok.removeprefix("@")
            kind, _, value = val_tok.partition(":")
            if val_tok == TEXT:
                if not texts:
                    raise VocabError(f"{skill}: a text argument but no text to copy")
                args[name] = texts[0]
            elif kind == "floor":
                args[name] = int(value)
            elif kind == "seconds":
                args[name] = float(value)
            else:
                args[name] = value
        return SkillCall(skill=skill, args=args)

    def key(self, call: SkillCall) -> tuple[int, ...]:
        """A comparable form of a call (text arguments compare equal)."""
        return tuple(self.encode(call))

    # --- grammar ----------------------------------------------------------------------------

    def grammar_state(self, prefix: Sequence[int]) -> tuple[object, ...]:
        """What :meth:`allowed` depends on in ``prefix``: prefixes with the same state allow the
        same tokens (the decoder's grammar as a finite automaton, see
        :class:`pepa.agent.policy.model.GrammarTable`)."""
        if len(prefix) <= 1:
            return ("start",)
        last = self.tokens[prefix[-1]]
        if last in (EOS, PAD):
            return ("end",)
        used = frozenset(self.tokens[i][1:] for i in prefix[2::2])
        return (self.tokens[prefix[1]], used, last if last.startswith("@") else None)

    def allowed(self, prefix: Sequence[int]) -> list[int]:
        """The tokens that may follow ``prefix`` (which starts with ``<bos>``)."""
        if len(prefix) <= 1:
            return list(self.skill_ids)
        last = self.tokens[prefix[-1]]
        if last in (EOS, PAD):
            return [self.pad]
        skill = self.tokens[prefix[1]].split(":", 1)[1]
        spec = SKILLS[skill]
        if last.startswith("@"):
            return list(self._values.get(spec.args[last[1:]], []))
        used = {self.tokens[i][1:] for i in prefix[2::2]}
        todo = [a for a in spec.args if a not in used]
        required = [a for a in todo if a not in spec.optional]
        names = [self.index[f"@{a}"] for a in todo if self._values.get(spec.args[a])]
        if required and all(self._values.get(spec.args[a]) for a in required):
            return [self.index[f"@{a}"] for a in required]
        return [*names, self.eos]
