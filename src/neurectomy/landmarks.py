"""Landmarks as surgeons name them, and positions given as a distance from a landmark.

:func:`locate` reads the ``at`` of a cut on one nerve:

- a landmark of the nerve by its name, possessive and plural forgiven ("Guyons canal"), by the name without its
  parenthesis or by the words in it ("elbow" for "elbow (cubital fossa)"), by the same words in another order with
  the anatomical adjective for the bone ("neck of fibula" for "fibular neck"), by an eponym of :data:`EPONYMS`
  ("Hunter's canal" for "adductor canal"), or by a part of its name that no other landmark of the nerve shares
  ("sciatic notch" for "greater sciatic notch"; a part shared by several is refused with them);
- a landmark of a nerve it comes from (the parent, its parent…) that lies on the shared course before the nerve
  leaves it, measured on this nerve;
- a distance from either: "5 cm above the wrist crease", "2 cm distal to the fibular head", "20 mm proximal to
  Guyon's canal" (mm or cm; proximal/distal; above/below on the nerves of the limbs, where proximal is above). A
  position off the nerve is an error saying where the nerve runs, never clamped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from neurectomy.names import canonical, suggest

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas

#: eponymous landmark → the descriptive name the atlas uses (gray42; moore9)
EPONYMS = {
    "hunter canal": "adductor canal",
    "subsartorial canal": "adductor canal",
    "alcock canal": "pudendal canal",
    "canal of guyon": "guyon canal",
    "ulnar tunnel": "guyon canal",
    "frohse arcade": "arcade of frohse",
    "spiral groove": "spiral groove",
    "radial groove": "spiral groove",
    "groove for radial nerve": "spiral groove",
    # skin creases surgeons measure from
    "wrist crease": "wrist",
    "distal wrist crease": "wrist",
    "knee crease": "popliteal crease",
    "popliteal skin crease": "popliteal crease",
}
#: numbers written as words in a distance ("five cm above the wrist")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
    )
}
#: adjective of a bone or region → its noun, so "fibular neck" and "neck of fibula" are one landmark
_ADJECTIVES = {
    "fibular": "fibula",
    "peroneal": "fibula",
    "tibial": "tibia",
    "radial": "radius",
    "ulnar": "ulna",
    "humeral": "humerus",
    "femoral": "femur",
    "malleolar": "malleolus",
    "carpal": "carpus",
}
_FILLER = frozenset({"of", "the", "a", "at", "level"})
_DISTANCE = re.compile(
    r"^(?P<num>\d+(?:\.\d+)?) ?(?P<unit>mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?)\.? "
    r"(?P<dir>above|below|proximal to|distal to|proximal of|distal of|proximal|distal|proximally to|distally to"
    r"|prox\.? to|dist\.? to|prox\.?|dist\.?)"
    r" (?:the )?(?P<landmark>.+)$"
)
LIMB_FILES = ("upper_limb.yaml", "lower_limb.yaml")


def _distance_text(at: str) -> str:
    """``at`` lower-cased with single spaces, a leading number word as digits ("five cm" → "5 cm")."""
    words = at.lower().replace(",", " ").split()
    if words and words[0] in _NUMBER_WORDS:
        words[0] = _NUMBER_WORDS[words[0]]
    return " ".join(words)


def is_distance(at: str) -> bool:
    """Whether ``at`` is a distance from a landmark ("2 cm proximal to the ligament of Berry")."""
    return bool(_DISTANCE.match(_distance_text(at)))


def _words(name: str) -> frozenset[str]:
    words = canonical(re.sub(r"[()]", " ", name)).split()
    return frozenset(_ADJECTIVES.get(w, w) for w in words if w not in _FILLER)


def _aliases(name: str) -> list[str]:
    """A landmark's name and the names inside and outside its parenthesis."""
    out = [name]
    m = re.match(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$", name)
    if m:
        out += [m["outer"], m["inner"]]
    return out


def match(text: str, landmarks: Sequence[tuple[str, float]]) -> tuple[str, float] | None:
    """The one landmark of ``landmarks`` that ``text`` names, or None; a part of a name that several landmarks
    share raises ``LookupError`` listing them (the caller turns it into its own error)."""
    key = canonical(text)
    key = EPONYMS.get(key, key)
    exact = [(n, mm) for n, mm in landmarks if any(canonical(a) == key for a in _aliases(n))]
    if exact:
        return exact[0]
    words = _words(key)
    if not words:
        return None
    same = [(n, mm) for n, mm in landmarks if any(_words(a) == words for a in _aliases(n))]
    if same:
        return same[0]
    part = [(n, mm) for n, mm in landmarks if words <= _words(n)]
    positions = {mm for _, mm in part}
    if len(positions) == 1:
        return part[0]
    if part:
        raise LookupError([n for n, _ in part])
    return None


def locate(atlas: Atlas, nerve_idx: int, at: str) -> tuple[float, str] | None:
    """The position on the nerve for a landmark or a distance from one (see the module), with the label to show;
    None if ``at`` names no landmark here or on the nerves it comes from. Raises
    :class:`~neurectomy.lesion.PositionError` for a distance that falls off the nerve or a landmark part that fits
    several."""
    from neurectomy.lesion import PositionError

    nerve = atlas.nerves[nerve_idx]
    text = _distance_text(at)
    offset = 0.0
    distance = _DISTANCE.match(text)
    if distance:
        size = float(distance["num"]) * (10.0 if distance["unit"].startswith("c") else 1.0)
        direction = distance["dir"].split()[0].rstrip(".")
        direction = {"prox": "proximal", "dist": "distal"}.get(direction, direction)
        if direction in ("above", "below"):
            if nerve.file not in LIMB_FILES:
                raise PositionError(
                    f"'{direction}' is ambiguous on the {nerve.name}; say proximal (towards its origin) or distal",
                    field="at",
                )
            direction = "proximal" if direction == "above" else "distal"
        offset = -size if direction.startswith("proximal") else size
        text = distance["landmark"]
    try:
        found = _on_course(atlas, nerve_idx, text)
    except LookupError as exc:
        names = list(exc.args[0])
        raise PositionError(f"{at!r} fits several landmarks of the {nerve.name}", names, field="at") from None
    if found is None:
        beyond = _past_division(atlas, nerve_idx, text, at, offset)
        if beyond is not None:
            return beyond
        if distance:  # a distance from something that is not a landmark here: say which landmarks there are
            choices = [n for n, _ in nerve.landmarks]
            raise PositionError(
                f"no landmark {distance['landmark']!r} on the {nerve.name} or the nerves it comes from",
                suggest(distance["landmark"], choices) or choices[:8],
                field="at",
            )
        return None
    pos, name = found
    where = pos + offset
    if not 0 <= where <= nerve.length_mm:
        side = "before its origin" if where < 0 else "beyond its end"

        def rel(x: float) -> str:
            return f"{abs(x):g} mm {'proximal' if x < 0 else 'distal'}"

        raise PositionError(
            f"{at!r} lies {side}: the {nerve.name} runs from {rel(-pos)} to {rel(nerve.length_mm - pos)} of the "
            f"{name} ({nerve.length_mm:g} mm long)",
            field="at",
        )
    return (where, at) if distance else (where, name)


def _on_course(atlas: Atlas, nerve_idx: int, text: str) -> tuple[float, str] | None:
    """A landmark of the nerve, else of an ancestor on the shared course (proximal to where this nerve's line
    leaves it), as a position on this nerve (negative when it lies before the nerve's origin)."""
    offset = 0.0
    limit: float | None = None
    idx = nerve_idx
    while True:
        nerve = atlas.nerves[idx]
        found = match(text, nerve.landmarks)
        if found is not None:
            name, mm = found
            if limit is not None and mm > limit + 1e-9:
                return None  # on the parent beyond the point where this nerve has left it
            return mm - offset, name
        if nerve.parent is None or nerve.parent not in atlas.nerve_index:
            return None
        offset += nerve.origin_mm
        limit = nerve.origin_mm
        idx = atlas.nerve_index[nerve.parent]


def _past_division(atlas: Atlas, nerve_idx: int, text: str, at: str, offset: float = 0.0) -> tuple[float, str] | None:
    """A landmark of the nerve's branches only: the nerve has divided before it ("superficial branch of radial nerve
    at the wrist": it divides about 5 cm proximal to the radial styloid and crosses the wrist as its branches).
    A distance from it that falls on this nerve, before the division, is that position ("5 cm above the wrist");
    the landmark itself is a :class:`~neurectomy.lesion.PositionError` naming the branches that pass it, so the
    cut is on each of them or on the nerve before its division -- never one branch chosen silently. None when no
    branch has such a landmark."""
    from neurectomy.lesion import PositionError

    nerve = atlas.nerves[nerve_idx]
    found: list[str] = []
    positions: set[float] = set()
    divides: list[float] = []
    for child in atlas.descendants(nerve_idx):
        hit = None
        for alias in _aliases(text):
            try:
                hit = match(alias, atlas.nerves[child].landmarks)
            except LookupError:
                hit = None
            if hit is not None:
                break
        if hit is None:
            continue
        # the landmark's position measured on this nerve, and where the branch that carries it leaves this nerve
        pos, idx, top = hit[1], child, child
        while atlas.nerves[idx].parent != nerve.id:
            pos += atlas.nerves[idx].origin_mm
            idx = atlas.nerve_index[atlas.nerves[idx].parent]  # type: ignore[index]
            top = idx
        pos += atlas.nerves[top].origin_mm
        found.append(f"{atlas.nerves[child].name} ({hit[0]})")
        positions.add(round(pos + offset, 6))
        divides.append(atlas.nerves[top].origin_mm)
    if not found:
        return None
    first = min(divides)
    if offset < 0 and len(positions) == 1 and 0 <= min(positions) <= first:
        return min(positions), at
    raise PositionError(
        f"the {nerve.name} divides {first:g} mm from its origin, before {at!r}: there it runs as its branches; "
        f"cut each of them there, or the {nerve.name} proximal to its division",
        found,
        field="at",
    )
