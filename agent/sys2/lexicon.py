"""Names people use for the things the robot knows, and their resolution to ids.

"the printer on floor 2", "kitchen 1", "Alice" and "the big printer" must each land on exactly
one known id, or on a clear reason why not: unknown ("no place called 'library'"), ambiguous
("'kitchen' could be kitchen_1 (floor 1) or kitchen_2 (floor 2)") or absent from a floor. The
lexicon never guesses: the only tie-breaker is a stated rule (the floor the request is made
on), and it is used only when the phrase names no floor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pepa.agent.sys2.site_map import Entity, SiteMap

ARTICLES = frozenset({"the", "a", "an", "my", "our", "your", "this", "that", "some"})
ORDINALS: dict[str, int] = {
    "ground": 0,
    "zeroth": 0,
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
}
_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_FLOOR_RE = re.compile(
    r"\b(?:(?:on|at|to|from|of|in)\s+)?(?:the\s+)?"
    r"(?:(?:floor|level|storey|story)\s+(?P<neg>minus\s+)?"
    r"(?P<num>\d+|zero|one|two|three|four|five|six)"
    r"|(?P<ord>ground|zeroth|first|second|third|fourth|fifth|sixth|\d+(?:st|nd|rd|th))"
    r"\s+(?:floor|level|storey|story)"
    r"|(?P<basement>basement)(?:\s+(?P<depth>\d+|one|two|three|four|five|six))?"
    r"|f(?P<short>\d+))\b"
)
_SUFFIX_FLOOR_RE = re.compile(r"^(?P<base>.+?)_f(?P<floor>\d+)$")
KIND_NAMES = {"place": "place", "object": "object", "person": "person"}


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces (apostrophes dropped), single spaces."""
    text = text.lower().replace("'s ", " ").replace("'", "")
    text = re.sub(r"(?<![a-z0-9])-(?=\d)", " minus ", text)  # "level -1": a basement
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def strip_articles(phrase: str) -> str:
    words = phrase.split()
    while words and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class FloorMention:
    floor: int | None
    phrase: str  # the text with the floor mention removed
    problem: str | None = None


@dataclass(frozen=True)
class Resolution:
    """One resolved name, or the reason it could not be resolved."""

    entity: Entity | None = None
    floor: int | None = None  # a phrase naming only a floor ("the second floor")
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class Lexicon:
    """Alias phrases to entity ids, per kind of entity."""

    site: SiteMap
    floors: frozenset[int]
    aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, site: SiteMap) -> Lexicon:
        lex = cls(site=site, floors=frozenset(site.floor_names))
        for kind, table in (
            ("place", site.places),
            ("object", site.objects),
            ("person", site.people),
        ):
            out: dict[str, list[str]] = {}
            for ent in table.values():
                for alias in _aliases_of(ent):
                    ids = out.setdefault(alias, [])
                    if ent.id not in ids:
                        ids.append(ent.id)
            lex.aliases[kind] = out
        return lex

    # --- floors ---------------------------------------------------------------------------

    def floor_mention(self, phrase: str) -> FloorMention:
        """Find and remove a floor mention ("on floor 2", "the second floor", "f2", "level
        minus 1", "the basement", "basement 2")."""
        match = _FLOOR_RE.search(phrase)
        if match is None:
            return FloorMention(None, phrase)
        level = self._level(match)
        rest = (phrase[: match.start()] + " " + phrase[match.end() :]).strip()
        rest = re.sub(r"\s+", " ", rest)
        if level is None or level not in self.floors:
            shown = match.group(0).strip()
            return FloorMention(None, rest, f"unknown floor {shown!r}")
        return FloorMention(level, rest)

    def _level(self, match: re.Match[str]) -> int | None:
        if match.group("num"):
            num = match.group("num")
            level = int(num) if num.isdigit() else _NUMBER_WORDS[num]
            return -level if match.group("neg") else level
        if match.group("basement"):  # "the basement" is the first level below ground
            depth = match.group("depth") or "1"
            return -(int(depth) if depth.isdigit() else _NUMBER_WORDS[depth])
        if match.group("short"):
            return int(match.group("short"))
        ordinal = match.group("ord")
        if ordinal in ORDINALS:
            return ORDINALS[ordinal]
        digits = re.match(r"\d+", ordinal)
        return int(digits.group(0)) if digits else None

    # --- entities -------------------------------------------------------------------------

    def mentions(
        self, text: str, kinds: tuple[str, ...] = ("place", "object", "person")
    ) -> list[str]:
        """Every id some alias of which appears (as whole words) in ``text``."""
        padded = f" {normalise(text)} "
        found: list[str] = []
        for kind in kinds:
            for alias, ids in self.aliases.get(kind, {}).items():
                if f" {alias} " in padded:
                    found.extend(i for i in ids if i not in found)
        return found

    def resolve(
        self,
        phrase: str,
        kinds: tuple[str, ...],
        default_floor: int | None = None,
        allow_floor_only: bool = False,
    ) -> Resolution:
        """The one entity of one of ``kinds`` that ``phrase`` names, or why there is none."""
        norm = normalise(phrase)
        mention = self.floor_mention(norm)
        if mention.problem:
            return Resolution(problem=mention.problem)
        core = strip_articles(mention.phrase)
        if not core:
            if mention.floor is not None and allow_floor_only:
                return Resolution(floor=mention.floor)
            return Resolution(problem=f"no {self._kind_label(kinds)} named in {phrase.strip()!r}")
        if core in ("floor", "this floor", "here") and allow_floor_only:
            return Resolution(floor=default_floor)
        for kind in kinds:
            ids = self._candidates(kind, core)
            if not ids:
                continue
            if mention.floor is not None:
                on_floor = [i for i in ids if self.site.floor_of(i) == mention.floor]
                if not on_floor:
                    return Resolution(problem=f"no {kind} {core!r} known on floor {mention.floor}")
                ids = on_floor
            if len(ids) > 1 and default_floor is not None:
                here = [i for i in ids if self.site.floor_of(i) == default_floor]
                ids = here if len(here) == 1 else ids
            if len(ids) > 1:
                options = ", ".join(
                    f"{i} (floor {self.site.floor_of(i)})" for i in sorted(ids)[:6]
                )
                return Resolution(problem=f"{core!r} is ambiguous: it could be {options}")
            return Resolution(entity=self.site.entity(ids[0]))
        return Resolution(problem=f"unknown {self._kind_label(kinds)} {core!r}")

    def person_prefix(self, phrase: str) -> tuple[str | None, str, str]:
        """Split "alice the meeting moved" into (id or None, name words, the rest).

        The longest known person alias at the start wins; otherwise the first word is taken as
        the (unknown) name, so the caller can say whom it does not know.
        """
        words = strip_articles(normalise(phrase)).split()
        table = self.aliases.get("person", {})
        for n in range(min(4, len(words)), 0, -1):
            alias = " ".join(words[:n])
            ids = table.get(alias, [])
            if len(ids) == 1:
                return ids[0], alias, " ".join(words[n:])
        if not words:
            return None, "", ""
        return None, words[0], " ".join(words[1:])

    def _candidates(self, kind: str, core: str) -> list[str]:
        table = self.aliases.get(kind, {})
        if core in table:
            return list(table[core])
        # the longest alias contained in the phrase as whole words ("big printer near x")
        padded = f" {core} "
        best: list[str] = []
        best_len = 0
        for alias, ids in table.items():
            if len(alias) > best_len and f" {alias} " in padded:
                best, best_len = list(ids), len(alias)
        return best

    @staticmethod
    def _kind_label(kinds: tuple[str, ...]) -> str:
        labels = [KIND_NAMES[k] for k in kinds]
        if len(labels) == 1:
            return labels[0]
        return ", ".join(labels[:-1]) + " or " + labels[-1]


def _aliases_of(ent: Entity) -> list[str]:
    """The phrases that name an entity: its id, its display name, its category, a first name."""
    out = [normalise(ent.id.replace("_", " ")), normalise(ent.name)]
    suffix = _SUFFIX_FLOOR_RE.match(ent.id)
    if suffix:
        out.append(normalise(suffix.group("base").replace("_", " ")))
    if ent.kind == "person":
        first = normalise(ent.name).split()
        if first:
            out.append(first[0])
    elif ent.category and ent.category not in ("person",):
        category = normalise(ent.category.replace("_", " "))
        out.append(category)
        if ent.kind == "place" and category == "meeting":
            out.append("meeting room")
    return [a for a in dict.fromkeys(out) if a and a not in ARTICLES]
