"""Clinical conditions as the clinic names them: what each means on the atlas and which operations treat it.

The table lives in ``conditions_data.yaml``: one record per condition, with its synonyms, its ICD-10-CM code where
one was checked (with the source it was checked against), the atlas targets (``regions``) and/or the targeting
functions (``functions``) it means, and the named procedures (keys of ``procedures_data.yaml``) that treat it.
This module validates the table when it is loaded (file, line, record and field of every problem; an unknown
procedure key or function name is refused there) and resolves free text to one condition: a name, a synonym or an
ICD-10-CM code. A text that fits several conditions ("Morton's neuroma", "lumbar facet pain", "G57.6") is refused
with the candidates; nothing is guessed.

It also reads the condition-specific region phrases surgeons use for the web spaces of the hand and the foot
("third web space of the left foot"): :func:`region_phrase` turns one into the atlas targets it means and the side
it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neurectomy.datafile import DataFileError, Problem, line_of, read_yaml, validation_problems
from neurectomy.names import AmbiguousNameError, UnknownNameError, canonical, loose, natural_key, normalise, suggest

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas

DATA_FILE = Path(__file__).with_name("conditions_data.yaml")

__all__ = [
    "DATA_FILE",
    "CodeSide",
    "Condition",
    "Icd10",
    "RegionPhrase",
    "check_conditions",
    "code_side",
    "is_code",
    "load",
    "region_phrase",
    "resolve_condition",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Icd10(_Model):
    """An ICD-10-CM code (a category such as ``G57.6`` and, where the category is subdivided, its billable codes)."""

    code: str = Field(pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    title: str
    billable: tuple[str, ...] = ()
    #: the side each billable code names, only for code families whose laterality character was checked against
    #: the tabular list (its source says where): 1 right, 2 left, 3 bilateral, 9 or 0 unspecified
    sides: dict[str, Literal["right", "left", "bilateral", "unspecified"]] = Field(default_factory=dict)
    source: str

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.code, *self.billable)

    @model_validator(mode="after")
    def _sides_are_billable(self) -> Icd10:
        unknown = sorted(set(self.sides) - set(self.billable))
        if unknown:
            raise ValueError(f"sides names codes that are not billable codes of {self.code}: {', '.join(unknown)}")
        return self


class Condition(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    synonyms: tuple[str, ...] = ()
    icd10cm: Icd10 | None = None
    #: atlas target ids of the painful region or of the targets whose function is to be taken away
    regions: tuple[str, ...] = ()
    #: targeting function names (``targeting_data.yaml``)
    functions: tuple[str, ...] = ()
    #: keys of ``procedures_data.yaml``, established operations for the condition, usual first
    procedures: tuple[str, ...] = ()
    #: the operation for the condition is a decompression (release), never a cut: a plan for it is refused unless
    #: its method is a decompression, and ``note`` says which operation is done
    decompression_only: bool = False
    #: the sex the condition implies (dysmenorrhoea: female), applied to targeting unless the request says otherwise
    sex: Literal["female", "male"] | None = None
    note: str | None = None
    source: str

    @model_validator(mode="after")
    def _means_something(self) -> Condition:
        if not self.regions and not self.functions:
            raise ValueError("a condition names at least one region (atlas target id) or function")
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "synonyms": list(self.synonyms),
            "icd10cm": None if self.icd10cm is None else self.icd10cm.model_dump(),
            "regions": list(self.regions),
            "functions": list(self.functions),
            "procedures": list(self.procedures),
            "decompression_only": self.decompression_only,
            "sex": self.sex,
            "note": self.note,
            "source": self.source,
        }


class _ConditionsFile(_Model):
    conditions: tuple[Condition, ...]


@lru_cache(maxsize=4)
def load(path: Path = DATA_FILE) -> dict[str, Condition]:
    """Every condition by id. Problems (with file, line, record and field) raise :class:`DataFileError`: invalid
    fields, a repeated id, a procedure key that ``procedures_data.yaml`` does not hold, a function that
    ``targeting_data.yaml`` does not define, an ICD-10-CM code given to two conditions with different titles."""
    from pydantic import ValidationError

    from neurectomy.procedures import load_procedures
    from neurectomy.targeting import load_targeting_data

    problems: list[Problem] = []
    data, node = read_yaml(path, problems)
    if problems:
        raise DataFileError(problems, path.name)
    try:
        parsed = _ConditionsFile.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_problems(exc, path.name, data, node), path.name) from None
    procedures = load_procedures()
    functions, _, _ = load_targeting_data()
    out: dict[str, Condition] = {}
    titles: dict[str, str] = {}
    for i, c in enumerate(parsed.conditions):

        def bad(field: str, loc: tuple[Any, ...], message: str, cid: str = c.id, i: int = i) -> None:
            problems.append(Problem(path.name, line_of(node, ("conditions", i, *loc)), cid, field, message))

        if c.id in out:
            bad("id", ("id",), "duplicate condition id")
        out[c.id] = c
        for j, key in enumerate(c.procedures):
            if key not in procedures:
                hint = suggest(key, list(procedures))
                bad(
                    f"procedures.{j}",
                    ("procedures", j),
                    f"no procedure {key!r} in procedures_data.yaml"
                    + (f"; did you mean: {', '.join(hint)}?" if hint else ""),
                )
        for j, name in enumerate(c.functions):
            if normalise(name) not in functions:
                bad(f"functions.{j}", ("functions", j), f"no targeting function {name!r} in targeting_data.yaml")
        if c.icd10cm is not None:
            for code in c.icd10cm.codes:
                if titles.setdefault(code, c.icd10cm.title) != c.icd10cm.title and code == c.icd10cm.code:
                    bad("icd10cm.title", ("icd10cm", "title"), f"{code} has another title in an earlier record")
    if problems:
        raise DataFileError(problems, path.name)
    return out


def check_conditions(atlas: Atlas, path: Path = DATA_FILE) -> list[Problem]:
    """Cross-check against the atlas: every region is an atlas target id."""
    problems = []
    for c in load(path).values():
        for j, tid in enumerate(c.regions):
            if tid not in atlas.target_index:
                hint = suggest(tid, list(atlas.target_index))
                problems.append(
                    Problem(
                        path.name,
                        None,
                        c.id,
                        f"regions.{j}",
                        f"no atlas target {tid!r}" + (f"; did you mean: {', '.join(hint)}?" if hint else ""),
                    )
                )
    return problems


# --------------------------------------------------------------------------- look-up
#: an ICD-10-CM code as typed: with or without its dot ("G57.6", "G576", "g57.61"), a trailing "-" allowed
_ICD = re.compile(r"^[a-z][0-9][0-9a-z](?:\.?[0-9a-z]{1,4})?\.?-?$")


@lru_cache(maxsize=4)
def _index(path: Path = DATA_FILE) -> dict[str, tuple[str, ...]]:
    """Canonical label or code → the ids of the conditions it names (several for a shared name such as
    "Morton's neuroma")."""
    index: dict[str, list[str]] = {}
    for c in load(path).values():
        keys = {key for label in (c.id, *c.labels) for key in (canonical(label), loose(label))}
        if c.icd10cm is not None:
            keys |= {_code_key(code) for code in c.icd10cm.codes}
        for key in keys:
            bucket = index.setdefault(key, [])
            if c.id not in bucket:
                bucket.append(c.id)
    return {k: tuple(v) for k, v in index.items()}


def _code_key(code: str) -> str:
    return "icd " + code.lower().rstrip("-").replace(".", "")


def is_code(text: str) -> bool:
    """Whether ``text`` is written as an ICD-10-CM code (with or without its dot)."""
    return bool(_ICD.match(text.strip().lower()))


@dataclass(frozen=True)
class CodeSide:
    """The side an ICD-10-CM code names (its laterality character), with the code as the tabular list writes it."""

    code: str
    side: Literal["right", "left", "bilateral", "unspecified"]


def code_side(text: str, path: Path = DATA_FILE) -> CodeSide | None:
    """The side named by ``text`` when it is a billable ICD-10-CM code whose laterality was checked (``sides`` in
    the table), else None (a name, a category such as G57.1, or a code family whose laterality was not checked).

    >>> code_side("H81.01")
    CodeSide(code='H81.01', side='right')
    >>> code_side("G5712").side
    'left'
    >>> code_side("meralgia paresthetica") is None
    True
    """
    if not is_code(text):
        return None
    key = _code_key(text.strip())
    for c in load(path).values():
        if c.icd10cm is None:
            continue
        for code, side in c.icd10cm.sides.items():
            if _code_key(code) == key:
                return CodeSide(code, side)
    return None


def _code_suggestions(text: str, path: Path = DATA_FILE) -> list[str]:
    """For a code the table does not hold: the table's codes that continue it ("L74.51" → L74.510 … L74.513), else
    those sharing its longest known prefix (at least the category letter and two digits), each with its condition.
    Codes are compared with codes, never with names."""
    key = _code_key(text.strip())[4:]
    labelled: dict[str, list[str]] = {}
    for c in load(path).values():
        if c.icd10cm is None:
            continue
        for code in c.icd10cm.codes:
            labelled.setdefault(code, []).append(c.name)
    codes = {code: _code_key(code)[4:] for code in labelled}
    for n in range(len(key), 2, -1):
        near = sorted(code for code, k in codes.items() if k.startswith(key[:n]) and k != key)
        if near:
            return [
                f"{code} ({'; '.join(labelled[code][:2])}{'…' if len(labelled[code]) > 2 else ''})" for code in near
            ]
    return []


def find(text: str, path: Path = DATA_FILE) -> tuple[Condition, ...]:
    """The conditions ``text`` names exactly (name, synonym, id or ICD-10-CM code); empty if none."""
    conditions = load(path)
    index = _index(path)
    raw = text.strip().lower()
    if _ICD.match(raw):
        ids = index.get(_code_key(raw), ())
        if ids:
            return tuple(conditions[i] for i in ids)
    ids = index.get(canonical(text), ()) or index.get(loose(text), ())
    return tuple(conditions[i] for i in ids)


def resolve_condition(text: str, path: Path = DATA_FILE) -> Condition:
    """The one condition called ``text`` (a name, a synonym or an ICD-10-CM code, any case, possessive and
    punctuation forgiven). Unknown → :class:`UnknownNameError` with suggestions; several → :class:`AmbiguousNameError`
    listing them.

    >>> resolve_condition("meralgia paresthetica").id
    'meralgia_paresthetica'
    >>> resolve_condition("G57.1").id
    'meralgia_paresthetica'
    """
    if not isinstance(text, str) or not text.strip():
        raise UnknownNameError("condition", str(text), [])
    found = find(text, path)
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousNameError("condition", text, sorted((c.name for c in found), key=natural_key))
    if is_code(text):
        raise UnknownNameError("condition", text, _code_suggestions(text, path))
    conditions = load(path).values()
    labels = [label for c in conditions for label in c.labels]
    raise UnknownNameError("condition", text, suggest(text, labels))


# --------------------------------------------------------------------------- region phrases
_ORDINALS = {
    "first": 1, "1st": 1, "1": 1, "second": 2, "2nd": 2, "2": 2,
    "third": 3, "3rd": 3, "3": 3, "fourth": 4, "4th": 4, "4": 4,
}  # fmt: skip
_WEB = re.compile(
    r"^(?:the )?(?:(?P<side1>left|right) )?(?P<n>first|second|third|fourth|1st|2nd|3rd|4th|[1-4])"
    r"(?: (?P<surface1>dorsal|plantar|palmar|volar))? (?:inter ?digital )?web ?space"
    r"(?: (?P<surface2>dorsal|plantar|palmar|volar))?"
    r"(?: (?:(?:of|on|in) )?(?:the )?(?:(?P<side2>left|right) )?(?P<limb>foot|hand|toes|fingers))?$"
)
_TOES = {1: "hallux", 2: "toe2", 3: "toe3", 4: "toe4", 5: "toe5"}
_FINGERS = {1: "thumb", 2: "index", 3: "middle", 4: "ring", 5: "little"}
WEB_SPACE_SOURCE = (
    "gray42; moore9 — each web space is supplied, on its plantar (palmar) side, by the common digital nerve that "
    "divides there into proper digital nerves to the facing sides of the two digits; the dorsal side by the dorsal "
    "digital nerves (foot: the first web space by the deep fibular nerve; hand: the first dorsal web space by the "
    "superficial branch of the radial nerve)"
)


@dataclass(frozen=True)
class RegionPhrase:
    """What a region phrase such as "third web space of the left foot" means: atlas target ids and the side it
    names (None when it names none)."""

    text: str
    targets: tuple[str, ...]
    side: Literal["left", "right"] | None
    meaning: str


def region_phrase(text: str) -> RegionPhrase | None:
    """The targets of a web-space phrase, or None if ``text`` is not one.

    A web space of the foot or the hand (``first`` … ``fourth``) is the skin of the facing sides of the two digits:
    plantar (palmar) unless ``dorsal`` is said, since that is the territory of the nerve in the web space (the
    interdigital nerve of Morton's neuroma). The first dorsal web space of the hand is its own atlas region. A web
    space that names neither hand nor foot is refused with both offered (:class:`AmbiguousNameError`), never
    taken as both.
    """
    key = normalise(text).replace("webspace", "web space")
    m = _WEB.match(key)
    if m is None:
        return None
    n = _ORDINALS[m["n"]]
    sides = {s for s in (m["side1"], m["side2"]) if s}
    if len(sides) > 1:
        raise AmbiguousNameError("region", text, sorted(sides))
    side = next(iter(sides), None)
    surface = m["surface1"] or m["surface2"]
    limb = m["limb"]
    if limb is None:
        if surface == "plantar":
            limb = "foot"
        elif surface in ("palmar", "volar"):
            limb = "hand"
        else:
            label = f"{m['n']} {surface + ' ' if surface else ''}web space"
            raise AmbiguousNameError("region", text, [f"{label} of the hand", f"{label} of the foot"])
    foot = limb in ("foot", "toes")
    if (foot and surface in ("palmar", "volar")) or (not foot and surface == "plantar"):
        raise UnknownNameError("region", text, [f"{m['n']} web space of the {'hand' if foot else 'foot'}"])
    dorsal = surface == "dorsal"
    if foot:
        a, b = _TOES[n], _TOES[n + 1]
        face = "dorsal" if dorsal else "plantar"
        targets: tuple[str, ...] = (f"skin_{face}_{a}_lateral", f"skin_{face}_{b}_medial")
        meaning = f"the {face} skin of the facing sides of toes {n} and {n + 1}"
    elif dorsal and n == 1:
        targets = ("skin_first_dorsal_web_space",)
        meaning = "the skin of the first dorsal web space of the hand"
    else:
        a, b = _FINGERS[n], _FINGERS[n + 1]
        face = "dorsal" if dorsal else "palmar"
        # the thumb's sides are radial/ulnar as for the fingers
        targets = (f"skin_{face}_{a}_ulnar_side", f"skin_{face}_{b}_radial_side")
        meaning = f"the {face} skin of the facing sides of the {a} and {b} digits"
    return RegionPhrase(text, targets, side, meaning)  # type: ignore[arg-type]
