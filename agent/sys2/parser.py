"""Turning what a person asks into a task: a plan of known skills, or a clear status.

Offline, a grammar of verb patterns over the lexicon of known places, people, objects and
skills does the work ("check the printer on floor 2" → ``inspect(printer_print_room_2)``).
A request naming something unknown gets a clarification status that names what is unknown —
never a guess; an empty or over-long request is declined with its reason. With an LLM client,
the model answers a structured schema first; its answer must pass the world check *and* name
only things the request itself mentions, or the grammar decides.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pepa.agent.sys2.lexicon import Lexicon, Resolution, normalise
from pepa.knowledge import EMOTIONS, WorldKnowledge
from pepa.messages import RequestPriority, Scalar, SkillCall, UserRequest

log = logging.getLogger(__name__)

ParseStatus = Literal["ok", "clarification", "rejected"]
PARSE_TEMPLATE = "sys2_parse_request"


class ParsedTask(BaseModel):
    """What a request asks for: the skill steps, or why they cannot be had."""

    model_config = ConfigDict(extra="forbid")
    status: ParseStatus
    intent: str = ""
    steps: list[SkillCall] = Field(default_factory=list)
    reason: str = ""
    priority: RequestPriority | None = None
    deadline_in_s: float | None = None
    deadline_hour: float | None = None
    source: Literal["grammar", "llm"] = "grammar"


class LLMTaskAnswer(BaseModel):
    """The structured output asked of an LLM for one request."""

    model_config = ConfigDict(extra="forbid")
    understood: bool = Field(description="false when the request names nothing the robot knows")
    steps: list[SkillCall] = Field(default_factory=list, max_length=6)
    unknown_names: list[str] = Field(
        default_factory=list, description="names in the request that are not in the lists"
    )
    urgent: bool = False


class StructuredLLM(Protocol):
    """What the parser needs of :class:`pepa.agent.llm.client.LLMClient`."""

    enabled: bool

    def structured(
        self,
        template: str,
        variables: dict[str, Any],
        schema: type[Any],
        check: Callable[[Any], list[str]] | None = None,
    ) -> Any: ...


# --- cues that are not part of the task -----------------------------------------------------

_POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|dear)\s+(?:robot|pepa|buddy)\s+|robot\s+|pepa\s+|please\s+"
    r"|(?:could|can|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|need|would like)\s+you\s+to\s+"
    r"|go\s+and\s+(?=check|see|find|inspect|look|tell|greet)|kindly\s+)+"
)
_TRAILING = re.compile(r"\s+(?:please|thanks|thank you|for me|if you can|if possible)$")
_URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|as soon as possible|right (?:now|away)|immediately|emergency"
    r"|at once|quickly)\b"
)
_LOW = re.compile(
    r"\b(?:when(?:ever)? you (?:have|get) (?:the )?(?:time|a (?:chance|minute))|no rush"
    r"|whenever|low priority|at some point)\b"
)
_WITHIN = re.compile(r"\b(?:within|in the next|in)\s+(\d+)\s*(minutes?|mins?|hours?|hrs?|h)\b")
_BY_TIME = re.compile(r"\bby\s+(\d{1,2})(?::(\d\d))?\s*(am|pm)?\b")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b")

# synonyms → the catalogue's emotions
_EMOTION_WORDS: dict[str, str] = {e: e for e in EMOTIONS}
_EMOTION_WORDS.update(
    {
        "wiggle": "wag",
        "tail": "wag",
        "happy": "wag",
        "dancing": "dance",
        "boogie": "dance",
        "trick": "dance",
        "curtsy": "bow",
        "hop": "jump",
        "sitting": "sit",
    }
)


def _seconds(text: str | None) -> float | None:
    if not text:
        return None
    m = _DURATION.search(text)
    if m is None:
        return None
    value, unit = float(m.group(1)), m.group(2)
    if unit.startswith(("h",)):
        return value * 3600.0
    if unit.startswith("m"):
        return value * 60.0
    return value


@dataclass
class _Ctx:
    """One request being parsed: its cleaned text and the defaults from structured fields."""

    request: UserRequest
    text: str
    default_floor: int | None
    sender_person: str | None


class RequestParser:
    """The offline grammar, and the LLM path in front of it when a client is enabled."""

    def __init__(
        self,
        knowledge: WorldKnowledge,
        lexicon: Lexicon,
        *,
        max_chars: int = 500,
        llm: StructuredLLM | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.lexicon = lexicon
        self.max_chars = max_chars
        self.llm = llm
        self._rules: list[tuple[str, re.Pattern[str], Callable[[_Ctx, re.Match[str]], ParsedTask]]]
        self._rules = [
            (
                "deliver_message",
                re.compile(
                    r"^(?:deliver|send|give|pass|take|bring|carry)\s+(?:a|this|the|my)?\s*"
                    r"(?:message|note|word|msg)\s+(?:to|for)\s+(?P<rest>.+)$"
                ),
                self._deliver,
            ),
            (
                "guide_person",
                re.compile(
                    r"^(?:guide|lead|escort|accompany|walk|take|bring|show)\s+(?P<who>.+?)\s+"
                    r"(?:to|into|towards?|the way to)\s+(?P<place>.+)$"
                ),
                self._guide,
            ),
            (
                "deliver_message",
                re.compile(r"^(?:tell|inform|remind|notify|let|ask|message)\s+(?P<rest>.+)$"),
                self._tell,
            ),
            (
                "greet",
                re.compile(
                    r"^(?:greet|welcome|wave\s+(?:to|at)|say\s+(?:hi|hello|good morning|"
                    r"good afternoon|good evening)\s+to)\s+(?P<who>.+)$"
                ),
                self._greet,
            ),
            (
                "follow_person",
                re.compile(r"^follow\s+(?P<who>.+?)(?:\s+for\s+(?P<dur>.+))?$"),
                self._follow,
            ),
            ("report", re.compile(r"^report\s+(?:back\s+)?to\s+(?P<rest>.+)$"), self._report),
            (
                "charge",
                re.compile(
                    r"(?:\b(?:re)?charg(?:e|ing)\b|\bdock\b|\bplug (?:yourself )?in\b"
                    r"|\bbattery\b)"
                ),
                self._charge,
            ),
            (
                "return_home",
                re.compile(
                    r"^(?:(?:go|come|return|head|get)\s+(?:back\s+)?(?:to\s+(?:your\s+)?)?"
                    r"(?:home|base)|return)$"
                ),
                self._home,
            ),
            (
                "find",
                re.compile(
                    r"^(?:find|approach|visit|go see|see|look for|search for|fetch|meet)\s+"
                    r"(?P<target>.+)$"
                ),
                self._find,
            ),
            (
                "inspect",
                re.compile(
                    r"^(?:check|inspect|examine|look at|have a look at|take a look at|verify|"
                    r"go check|look into)\s+(?:on\s+|out\s+|up on\s+)?(?P<target>.+)$"
                ),
                self._inspect,
            ),
            (
                "navigate",
                re.compile(
                    r"^(?:go|navigate|head|walk|move|drive|run|come|get|return|proceed)\s+"
                    r"(?:over\s+|back\s+|down\s+|up\s+)?(?:to|into|in|towards?)\s+(?P<target>.+)$"
                ),
                self._navigate,
            ),
            (
                "explore",
                re.compile(
                    r"^(?P<verb>explore|scout|discover|roam|wander|patrol)(?:\s+(?:around\s+)?"
                    r"(?P<target>.+))?$"
                ),
                self._explore,
            ),
            ("look_around", re.compile(r"^(?:look|scan|glance)\s+around\b"), self._look),
            (
                "rest",
                re.compile(
                    r"^(?:rest|relax|nap|sleep|lie down|chill|take (?:a )?(?:break|rest|nap))"
                    r"(?:\s+for\s+(?P<dur>.+))?$"
                ),
                self._rest,
            ),
            (
                "wait",
                re.compile(
                    r"^(?:wait|stay|hold on|stand by|pause)(?:\s+(?:here\s+)?(?:for\s+)?"
                    r"(?P<dur>.+))?$"
                ),
                self._wait,
            ),
            (
                "express",
                re.compile(
                    r"\b(?P<word>"
                    + "|".join(sorted(_EMOTION_WORDS, key=len, reverse=True))
                    + r")\b"
                ),
                self._express,
            ),
            ("speak", re.compile(r"^(?:say|announce|speak|shout)\s+(?P<msg>.+)$"), self._speak),
        ]

    # --- entry point ----------------------------------------------------------------------

    def parse(self, request: UserRequest, robot_floor: int | None = None) -> ParsedTask:
        """The task of a request; never raises on bad text, never guesses an unknown name."""
        raw = request.text.strip()
        if not raw:
            return ParsedTask(status="rejected", reason="request text is empty")
        if len(raw) > self.max_chars:
            return ParsedTask(
                status="rejected",
                reason=f"request text is {len(raw)} characters; at most {self.max_chars} "
                "are understood — please shorten it",
            )
        problem = self._field_problems(request)
        if problem:
            return ParsedTask(status="clarification", reason=problem)
        if self.llm is not None and getattr(self.llm, "enabled", False):
            answer = self._parse_llm(request)
            if answer is not None:
                return answer
        return self._parse_grammar(request, robot_floor)

    # --- the LLM path ---------------------------------------------------------------------

    def _parse_llm(self, request: UserRequest) -> ParsedTask | None:
        assert self.llm is not None
        mentioned = set(self.lexicon.mentions(request.text))
        mentioned.update(x for x in (request.place, request.person) if x)

        def check(answer: LLMTaskAnswer) -> list[str]:
            if not answer.understood:
                return []
            problems = self.knowledge.check_all(answer.steps)
            if not answer.steps:
                problems.append("understood is true but steps is empty")
            for step in answer.steps:
                spec = self.knowledge.skills.get(step.skill, None)
                if spec is None:
                    continue
                for arg, kind in spec.args.items():
                    value = step.args.get(arg)
                    if (
                        kind in ("place", "person", "object")
                        and value is not None
                        and str(value) not in mentioned
                    ):
                        problems.append(
                            f"{step.skill}.{arg}: {value!r} is not named in the request"
                        )
            return problems

        variables = {
            "request": request.text,
            "sender": request.sender,
            "place_field": request.place or "",
            "person_field": request.person or "",
            "skills": {n: s.summary for n, s in self.knowledge.skills.items()},
            "places": sorted(self.knowledge.places),
            "people": sorted(self.knowledge.people),
            "objects": sorted(self.knowledge.objects),
            "emotions": list(EMOTIONS),
        }
        outcome = self.llm.structured(PARSE_TEMPLATE, variables, LLMTaskAnswer, check)
        answer: LLMTaskAnswer | None = outcome.value
        if answer is None:
            log.info("request %s: LLM parse fell back to the grammar", request.id)
            return None
        if answer.unknown_names or not answer.understood:
            # the grammar names exactly what is unknown; the LLM only told us something is
            return None
        return ParsedTask(
            status="ok",
            intent=answer.steps[0].skill,
            steps=answer.steps,
            priority=RequestPriority.URGENT if answer.urgent else None,
            source="llm",
        )

    # --- the grammar ----------------------------------------------------------------------

    def _field_problems(self, request: UserRequest) -> str | None:
        if request.place and request.place not in self.knowledge.places:
            return f"unknown place {request.place!r} (field 'place')"
        if request.person and request.person not in self.knowledge.people:
            return f"unknown person {request.person!r} (field 'person')"
        return None

    def _parse_grammar(self, request: UserRequest, robot_floor: int | None) -> ParsedTask:
        text = normalise(request.text)
        priority: RequestPriority | None = None
        if _URGENT.search(text):
            priority = RequestPriority.URGENT
            text = _URGENT.sub(" ", text)
        elif _LOW.search(text):
            priority = RequestPriority.LOW
            text = _LOW.sub(" ", text)
        deadline_in_s = deadline_hour = None
        if m := _WITHIN.search(text):
            unit = 3600.0 if m.group(2).startswith("h") else 60.0
            deadline_in_s = float(m.group(1)) * unit
            text = text[: m.start()] + " " + text[m.end() :]
        elif m := _BY_TIME.search(text):
            hour = int(m.group(1)) % 12 if m.group(3) else int(m.group(1))
            hour += 12 if m.group(3) == "pm" else 0
            if hour < 24:
                deadline_hour = hour + int(m.group(2) or 0) / 60.0
                text = text[: m.start()] + " " + text[m.end() :]
        text = re.sub(r"\s+", " ", text).strip()
        text = _POLITE.sub("", text).strip()
        text = _TRAILING.sub("", text).strip()
        default_floor = robot_floor
        if request.place and request.place in self.knowledge.places:
            default_floor = self.knowledge.places[request.place].floor
        sender = (
            request.sender.lower() if request.sender.lower() in self.knowledge.people else None
        )
        ctx = _Ctx(request, text, default_floor, sender)
        task = self._match_rules(ctx)
        task.priority = priority
        task.deadline_in_s = deadline_in_s
        task.deadline_hour = deadline_hour
        return task

    def _match_rules(self, ctx: _Ctx) -> ParsedTask:
        if not ctx.text:
            return self._fields_only(ctx) or ParsedTask(
                status="clarification",
                reason="the request says nothing I can act on; name a place, a person, an "
                "object or something to do",
            )
        for _intent, pattern, handler in self._rules:
            m = pattern.search(ctx.text)
            if m is not None:
                return handler(ctx, m)
        res = self.lexicon.resolve(ctx.text, ("place", "object", "person"), ctx.default_floor)
        if res.ok and res.entity is not None:
            return self._go_to_target(res, "go to")
        fields = self._fields_only(ctx)
        if fields is not None:
            return fields
        named = self.lexicon.mentions(ctx.text)
        if named:
            return ParsedTask(
                status="clarification",
                reason=f"I know {', '.join(named[:4])}, but not what to do; try 'go to', "
                "'check', 'tell', 'guide ... to', 'greet', 'explore', 'charge' or an emotion "
                "such as 'dance'",
            )
        return ParsedTask(
            status="clarification",
            reason=f"I did not understand {ctx.request.text.strip()[:80]!r}: it names no skill, "
            "place, person or object I know",
        )

    def _fields_only(self, ctx: _Ctx) -> ParsedTask | None:
        req = ctx.request
        if req.person and req.place:
            return _ok("guide_person", _call("guide_person", person=req.person, place=req.place))
        if req.place:
            return _ok("navigate", _call("navigate", place=req.place))
        if req.person:
            return _ok("approach_person", _call("approach_person", person=req.person))
        return None

    # --- slot resolution ------------------------------------------------------------------

    def _person(self, ctx: _Ctx, phrase: str) -> tuple[str | None, str, ParsedTask | None]:
        """(person id, rest of the phrase, a clarification if the person is unknown)."""
        words = normalise(phrase).split()
        if words and words[0] in ("me", "myself", "us"):
            if ctx.sender_person is not None:
                return ctx.sender_person, " ".join(words[1:]), None
            if ctx.request.person:
                return ctx.request.person, " ".join(words[1:]), None
            return (
                None,
                "",
                _clarify(
                    f"I do not know who 'me' is: sender {ctx.request.sender!r} is not a person I "
                    "know; give the field 'person'"
                ),
            )
        pid, name, rest = self.lexicon.person_prefix(phrase)
        if pid is None:
            if not name and ctx.request.person:
                return ctx.request.person, rest, None
            return None, rest, _clarify(f"unknown person {name!r}")
        return pid, rest, None

    def _place(self, ctx: _Ctx, phrase: str) -> tuple[str | None, ParsedTask | None]:
        if not phrase.strip() and ctx.request.place:
            return ctx.request.place, None
        res = self.lexicon.resolve(phrase, ("place",), ctx.default_floor)
        if res.ok and res.entity is not None:
            return res.entity.id, None
        # a landmark's room is a place too ("take Bob to the big printer")
        obj = self.lexicon.resolve(phrase, ("object",), ctx.default_floor)
        if obj.ok and obj.entity is not None and obj.entity.location is not None:
            room = obj.entity.location.room
            if room in self.knowledge.places:
                return room, None
        return None, _clarify(res.problem or f"unknown place {phrase!r}")

    def _go_to_target(self, res: Resolution, verb: str) -> ParsedTask:
        ent = res.entity
        assert ent is not None
        if ent.kind == "person":
            return _ok("approach_person", _call("approach_person", person=ent.id))
        if ent.kind == "object":
            room = ent.location.room if ent.location is not None else None
            if verb == "go to" and room in self.knowledge.places:
                return _ok("navigate", _call("navigate", place=room))
            return _ok("inspect", _call("inspect", object=ent.id))
        if verb == "check":
            return _ok("inspect", _call("navigate", place=ent.id), _call("look_around"))
        return _ok("navigate", _call("navigate", place=ent.id))

    # --- rule handlers --------------------------------------------------------------------

    def _deliver(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return self._message_to(ctx, m.group("rest"), "deliver_message")

    def _tell(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return self._message_to(ctx, m.group("rest"), "deliver_message")

    def _report(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return self._message_to(ctx, m.group("rest"), "report", default="status report")

    def _message_to(self, ctx: _Ctx, rest: str, skill: str, default: str = "") -> ParsedTask:
        pid, tail, problem = self._person(ctx, rest)
        if problem is not None:
            return problem
        assert pid is not None
        message = self._message_text(ctx.request.text, tail) or default
        if not message:
            return _clarify(f"what should I tell {pid}? the request has no message")
        return _ok(skill, _call(skill, person=pid, text=message[:500]))

    def _message_text(self, original: str, tail: str) -> str:
        """The message in the sender's own words: the original text after the person's name."""
        tail = re.sub(r"^(?:know\s+)?(?:that\s+|about\s+|to\s+|saying\s+|:\s*)?", "", tail)
        if not tail:
            return ""
        first = re.escape(tail.split()[0])
        m = re.search(rf"\b{first}\b", original, flags=re.IGNORECASE)
        text = original[m.start() :] if m else tail
        return text.strip().rstrip(".!?").strip() or tail

    def _guide(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        pid, _rest, problem = self._person(ctx, m.group("who"))
        if problem is not None:
            return problem
        place, problem = self._place(ctx, m.group("place"))
        if problem is not None:
            return problem
        return _ok("guide_person", _call("guide_person", person=pid, place=place))

    def _greet(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        pid, _rest, problem = self._person(ctx, m.group("who"))
        if problem is not None:
            return problem
        return _ok("greet", _call("approach_person", person=pid), _call("greet", person=pid))

    def _follow(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        pid, _rest, problem = self._person(ctx, m.group("who"))
        if problem is not None:
            return problem
        args: dict[str, Scalar] = {"person": pid or ""}
        seconds = _seconds(m.group("dur"))
        if seconds is not None:
            args["duration_s"] = seconds
        return _ok("follow_person", SkillCall(skill="follow_person", args=args))

    def _charge(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return _ok("dock_and_charge", _call("dock_and_charge"))

    def _home(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return _ok("return_home", _call("return_home"))

    def _find(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return self._target(ctx, m.group("target"), "find", ("person", "object", "place"))

    def _inspect(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return self._target(ctx, m.group("target"), "check", ("object", "place", "person"))

    def _navigate(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        target = m.group("target")
        if normalise(target) in ("home", "your home", "base", "your base"):
            return _ok("return_home", _call("return_home"))
        return self._target(ctx, target, "go to", ("place", "person", "object"))

    def _target(self, ctx: _Ctx, phrase: str, verb: str, kinds: tuple[str, ...]) -> ParsedTask:
        words = normalise(phrase).split()
        if words and words[0] in ("me", "us") and ctx.sender_person:
            return _ok("approach_person", _call("approach_person", person=ctx.sender_person))
        res = self.lexicon.resolve(phrase, kinds, ctx.default_floor)
        if not res.ok or res.entity is None:
            return _clarify(res.problem or f"unknown place, person or object {phrase!r}")
        return self._go_to_target(res, verb)

    def _explore(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        skill = "patrol" if m.group("verb") == "patrol" else "explore"
        target = m.group("target")
        if not target:
            return _ok(skill, _call(skill))
        res = self.lexicon.resolve(target, ("place",), ctx.default_floor, allow_floor_only=True)
        if not res.ok:
            return _clarify(res.problem or f"unknown floor or place {target!r}")
        if res.entity is not None:
            return _ok(skill, _call("navigate", place=res.entity.id), _call("look_around"))
        if res.floor is None:
            return _ok(skill, _call(skill))
        return _ok(skill, _call(skill, floor=res.floor))

    def _look(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return _ok("look_around", _call("look_around"))

    def _rest(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        seconds = _seconds(m.group("dur"))
        if seconds is None:
            return _ok("rest", _call("rest"))
        return _ok("rest", _call("rest", duration_s=seconds))

    def _wait(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        seconds = _seconds(m.group("dur")) or 60.0
        return _ok("wait", _call("wait", duration_s=seconds))

    def _express(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        return _ok("express", _call("express", emotion=_EMOTION_WORDS[m.group("word")]))

    def _speak(self, ctx: _Ctx, m: re.Match[str]) -> ParsedTask:
        message = self._message_text(ctx.request.text, m.group("msg"))
        return _ok("speak", _call("speak", text=message[:500]))


def _call(skill: str, **args: Scalar | None) -> SkillCall:
    return SkillCall(skill=skill, args={k: v for k, v in args.items() if v is not None})


def _ok(intent: str, *steps: SkillCall) -> ParsedTask:
    return ParsedTask(status="ok", intent=intent, steps=list(steps))


def _clarify(reason: str) -> ParsedTask:
    return ParsedTask(status="clarification", reason=reason)
