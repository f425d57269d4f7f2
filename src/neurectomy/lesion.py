"""What is lost when nerves are cut: :class:`Cut`, :func:`lesion` and the :class:`Deficit` it returns.

Semantics (DESIGN §4): a cut at position ``p`` on nerve ``N`` interrupts every supply path that passes ``N`` and
leaves it at or beyond ``p``. A target loses the interrupted share of its supply; several cuts are combined as a
union of interrupted paths, so they overlap correctly and their order does not matter. Each side is computed on
its own. This module is pure Python on purpose: a single query must answer before NumPy could even be imported.
:func:`lesion_batch` is the vectorised path for many single cuts.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from neurectomy.atlas.graph import Atlas, Group, Target
from neurectomy.methods import get_method
from neurectomy.names import RequestError, normalise, suggest

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from scipy.sparse import csr_matrix

Side = Literal["left", "right", "midline"]
SIDES: tuple[str, ...] = ("left", "right", "midline")
GROUPS: tuple[Group, ...] = ("sensory", "motor", "autonomic", "special", "articular", "visceral")
FULL = 1.0 - 1e-9
_RELATIVE = re.compile(
    r"^(?P<rel>distal|proximal) to (?:the )?(?:(?:branch|branches|origin|nerve) (?:to|of|for) )?"
    r"(?:the )?(?P<what>.+)$"
)
_BRANCH_PHRASE = re.compile(r"^(?:distal|proximal) to (?:the )?(?:branch|branches|origin|nerve) (?:to|of|for) ")


Interruption = Literal["permanent", "temporary", "none"]
Lasting = Literal["permanent", "temporary", "partly permanent"]


class PositionError(RequestError):
    """A cut position that does not exist on the nerve (``field`` "at" or "mm"), or a side that does not exist
    ("side"); carries suggestions."""

    def __init__(self, message: str, suggestions: Sequence[str] = (), field: str = "at") -> None:
        super().__init__(field, message, suggestions)


@dataclass(frozen=True, slots=True)
class Cut:
    """One interruption of a nerve: where (a landmark ``at`` or ``mm`` from its origin), which side, how.

    With neither ``at`` nor ``mm`` the nerve is cut at its origin, i.e. the whole nerve.
    """

    nerve: str
    at: str | None = None
    mm: float | None = None
    side: Side = "left"
    method: str = "surgical_cut"
    #: the share of the nerve's fibres at the cut that it takes (a partial fascicular resection, e.g. 50-80% of a
    #: motor branch's fascicles in a selective neurotomy, E086); every path through the cut loses this share
    fraction: float = 1.0


@dataclass(frozen=True, slots=True)
class ResolvedCut:
    """A :class:`Cut` located on the atlas, its method checked (``method`` is the method's key)."""

    nerve_idx: int
    nerve_id: str
    nerve_name: str
    mm: float
    at: str | None
    side: Side
    method: str
    interruption: Interruption = "permanent"
    fraction: float = 1.0

    @property
    def interrupts(self) -> bool:
        return self.interruption != "none"

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import cut_json

        return dict(cut_json(self))


@dataclass(frozen=True, slots=True)
class Loss:
    """What one target loses on one side."""

    target: Target
    side: Side
    supply_lost: float
    effect: str
    cut_by: tuple[str, ...]
    permanent_lost: float = 0.0
    #: the part of ``supply_lost`` cut where the nerve also carries sympathetic fibres (sudomotor loss of skin)
    sympathetic_lost: float = 0.0
    sympathetic_permanent: float = 0.0

    @property
    def group(self) -> Group:
        return self.target.group

    @property
    def lasting(self) -> Lasting:
        """Whether the loss stays: permanent when surgical cuts take all of it, temporary when all of it returns
        (a neurolytic or diagnostic block), partly permanent when a cut takes some and a block the rest."""
        if self.permanent_lost >= self.supply_lost - 1e-9:
            return "permanent"
        return "temporary" if self.permanent_lost <= 1e-12 else "partly permanent"

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import loss_json

        return dict(loss_json(self))


@dataclass(frozen=True)
class Deficit:
    """Everything a set of cuts takes away, grouped as in the JSON contract (DESIGN §5)."""

    cuts: tuple[ResolvedCut, ...]
    losses: tuple[Loss, ...] = field(default=())
    #: what the reader must know about the cuts: a cut that lies past every branch the atlas gives its nerve takes
    #: nothing, and says so here rather than reporting "no numbness" as if that were the answer
    warnings: tuple[str, ...] = ()

    def group(self, name: Group) -> tuple[Loss, ...]:
        found = tuple(loss for loss in self.losses if loss.group == name)
        return found + self.sudomotor if name == "autonomic" else found

    @property
    def sudomotor(self) -> tuple[Loss, ...]:
        """Sweating lost with the skin: the sympathetic sudomotor fibres join the spinal nerves by the grey rami and
        run in the cutaneous nerves, so skin that loses its nerve supply loses its sweating to the same extent
        (derived from the sensory losses, not curated separately) -- but only the part cut where the nerve carries
        sympathetic fibres (its record declares them: not a trigeminal root or a cranial sensory branch, whose
        skin gets its sudomotor fibres along the arteries), and only for skin, which has sweat glands (not the
        cornea, a mucosa or the gingiva)."""
        return tuple(
            _sudomotor(x)
            for x in self.losses
            if x.target.kind == "skin" and x.sympathetic_lost > 1e-12 and has_sweat_glands(x.target)
        )

    @property
    def motor(self) -> tuple[Loss, ...]:
        return self.group("motor")

    @property
    def sensory(self) -> tuple[Loss, ...]:
        return self.group("sensory")

    @property
    def autonomic(self) -> tuple[Loss, ...]:
        return self.group("autonomic")

    @property
    def special(self) -> tuple[Loss, ...]:
        return self.group("special")

    @property
    def articular(self) -> tuple[Loss, ...]:
        return self.group("articular")

    @property
    def visceral(self) -> tuple[Loss, ...]:
        return self.group("visceral")

    def lost(self, target_id: str, side: Side | None = None) -> float:
        """Supply lost by a target (on a side, or the largest over sides); 0 if untouched."""
        return max(
            (x.supply_lost for x in self.losses if x.target.id == target_id and (side is None or x.side == side)),
            default=0.0,
        )

    @property
    def summary(self) -> str:
        return summarise(self)

    @property
    def temporary(self) -> bool:
        """Every loss returns: no cut was permanent (neurolytic, diagnostic block or nothing interrupted)."""
        return all(c.interruption != "permanent" for c in self.cuts)

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import deficit_json

        return dict(deficit_json(self))


SUDOMOTOR_SOURCE = (
    "gray42 — postganglionic sympathetic fibres reach the spinal nerves by the grey rami communicantes and supply "
    "the sweat glands of the skin through the cutaneous nerves"
)


# surfaces stored as sensory "skin" regions that are not skin and have no sweat glands (gray42: eccrine glands
# are in the skin, not in the cornea or the mucosae of the mouth and nose)
_NO_SWEAT_GLANDS = re.compile(r"\b(cornea|mucosa|mucous|gingiva|conjunctiva|tympanic membrane)\b")


def has_sweat_glands(t: Target) -> bool:
    """Whether a sensory region is skin with sweat glands (a cornea, mucosa or gingiva is not)."""
    return not _NO_SWEAT_GLANDS.search(t.name.split(",")[0].split(" and ")[0]) and not t.id.startswith(
        ("cornea", "mucosa_", "gingiva_")
    )


def _sudomotor(skin: Loss) -> Loss:
    t = skin.target
    lost = min(skin.sympathetic_lost, skin.supply_lost)
    gland = Target(
        id=f"sudomotor_{t.id}",
        name=f"sweat glands in the {t.name}",
        kind="gland",
        synonyms=(),
        xrefs=(),
        supply=t.supply,
        roots=t.roots,
        source=SUDOMOTOR_SOURCE,
        file=t.file,
        function=f"sweating in the {t.name}",
    )
    return Loss(gland, skin.side, lost, effect_of(gland, lost), skin.cut_by, min(skin.sympathetic_permanent, lost))


# --------------------------------------------------------------------------- positions
def resolve_position(atlas: Atlas, nerve_idx: int, at: str | None, mm: float | None) -> tuple[float, str | None]:
    """The position in mm on a nerve for a landmark, a relative phrase or a number."""
    nerve = atlas.nerves[nerve_idx]
    if at is not None and mm is not None:
        raise PositionError("give either a landmark (at) or a position in mm, not both", field="mm")
    if mm is not None:
        if not (0 <= mm <= nerve.length_mm) or math.isnan(mm):
            raise PositionError(f"{mm} mm lies outside the {nerve.name} (0–{nerve.length_mm:g} mm)", field="mm")
        return float(mm), None
    if at is None:
        return 0.0, None
    key = normalise(at)
    if key in ("origin", "start", "proximal end"):
        return 0.0, at
    if key in ("end", "distal end", "termination"):
        return nerve.length_mm, at
    for name, pos in nerve.landmarks:
        if normalise(name) in (key, key.removeprefix("the ")):
            return pos, name
    match = _RELATIVE.match(key)
    if match and _BRANCH_PHRASE.match(key):  # "distal to the branch to X" names a branch, never a landmark
        exit_mm = _branch_exit(atlas, nerve_idx, match["what"])
        return (math.nextafter(exit_mm, math.inf) if match["rel"] == "distal" else exit_mm), at
    from neurectomy.landmarks import locate  # clinic names, landmarks of the parent, "5 cm above the wrist crease"

    found = locate(atlas, nerve_idx, at)
    if found is not None:
        return found
    if match:
        exit_mm = _branch_exit(atlas, nerve_idx, match["what"])
        if match["rel"] == "distal":
            return math.nextafter(exit_mm, math.inf), at
        return exit_mm, at
    choices = [name for name, _ in nerve.landmarks] + ["origin", "end"]
    raise PositionError(f"no landmark {at!r} on the {nerve.name}", suggest(at, choices) or choices[:8])


def _branch_exit(atlas: Atlas, nerve_idx: int, what: str) -> float:
    """Where the supply to ``what`` (a target or a nerve) leaves the given nerve."""
    exits: list[float] = []
    idx_target = None
    for kind, i in atlas.name_index.get(normalise(what), ()):
        if kind == "target":
            idx_target = i
        elif kind == "nerve":
            # a nerve: the exits on our nerve of the paths that pass through it
            paths = set(atlas.seg_path[i])
            exits += [
                e for e, p in zip(atlas.seg_exit[nerve_idx], atlas.seg_path[nerve_idx], strict=True) if p in paths
            ]
    if idx_target is not None:
        exits += [
            e
            for e, p in zip(atlas.seg_exit[nerve_idx], atlas.seg_path[nerve_idx], strict=True)
            if atlas.path_target[p] == idx_target
        ]
    if not exits:
        here = {atlas.path_target[p] for p in atlas.seg_path[nerve_idx]}
        names = [atlas.targets[t].name for t in here]
        raise PositionError(
            f"nothing called {what!r} branches from the {atlas.nerves[nerve_idx].name}", suggest(what, names)
        )
    return max(exits)


#: nerves whose left and right courses differ in length, modelled on the right course only: on the left a cut at
#: a named landmark (the same structure on either side) is accepted, a distance from one is refused, and a position
#: in mm carries a warning (it is measured on the right course)
RIGHT_COURSE_ONLY = {
    "recurrent_laryngeal_nerve": "gray42; moore9 — the left nerve hooks under the arch of the aorta in the thorax and "
    "is several centimetres longer than the right, which hooks under the subclavian artery",
}


def _is_distance(at: str) -> bool:
    from neurectomy.landmarks import is_distance

    return is_distance(at)


INTERRUPTION: dict[str, Interruption] = {
    "surgical": "permanent",
    "neurolytic": "temporary",
    "diagnostic": "temporary",
    "decompression": "none",
}


def resolve_cut(atlas: Atlas, cut: Cut) -> ResolvedCut:
    """Locate a :class:`Cut` on the atlas and check its method (raises ``UnknownNameError`` for an unknown nerve or
    method, :class:`PositionError` for a position or side that does not exist)."""
    if cut.side not in SIDES:
        raise PositionError(f"side must be one of {', '.join(SIDES)}, not {cut.side!r}", field="side")
    method = get_method(cut.method)
    idx = atlas.nerve_idx(cut.nerve)
    nerve = atlas.nerves[idx]
    if cut.side == "midline" and not nerve.midline:
        raise PositionError(f"the {nerve.name} is paired; give its side, left or right", field="side")
    mm, at = resolve_position(atlas, idx, cut.at, cut.mm)
    side: Side = "midline" if nerve.midline else cut.side
    if nerve.id in RIGHT_COURSE_ONLY and side == "left" and at is not None and at == cut.at and _is_distance(at):
        raise PositionError(
            f"the atlas models the right {nerve.name} ({RIGHT_COURSE_ONLY[nerve.id]}); a distance on the left would "
            f"be measured on the wrong course: cut the left one at a named landmark instead",
            [name for name, _ in nerve.landmarks],
            field="at",
        )
    if not 0.0 < cut.fraction <= 1.0:
        raise PositionError(f"a cut takes a share of the nerve in (0, 1], not {cut.fraction!r}", field="fraction")
    interruption = INTERRUPTION[method.family]
    return ResolvedCut(idx, nerve.id, nerve.name, mm, at, side, method.key, interruption, cut.fraction)


# --------------------------------------------------------------------------- the engine
def interrupted_paths(atlas: Atlas, nerve_idx: int, mm: float) -> tuple[int, ...]:
    """Supply paths a cut at ``mm`` on a nerve interrupts: one suffix of the nerve's sorted list."""
    start = bisect_left(atlas.seg_exit[nerve_idx], mm)
    return atlas.seg_path[nerve_idx][start:]


def effect_of(target: Target, lost: float) -> str:
    full = lost >= FULL
    if target.kind == "muscle":
        return "paralysed" if full else "weak"
    if target.kind == "skin":
        return "anaesthetic" if full else "hypoaesthetic"
    if target.kind == "joint":
        return "denervated" if full else "partly denervated"
    effect = f"{'loss' if full else 'reduction'} of {target.function}"
    return effect + (f" (in {target.sex} patients only)" if target.sex else "")


PatientSex = Literal["female", "male", "unknown"]


def for_sex(deficit: Deficit, sex: PatientSex | None) -> Deficit:
    """The deficit of a patient of this sex: a target present only in the other sex is left out and a function
    that differs by sex is the patient's (atlas ``sex`` and ``function_by_sex``). With the sex unknown (or None)
    nothing is left out and each one-sex loss keeps its label ("in male patients only")."""
    if sex not in ("female", "male"):
        return deficit
    from dataclasses import replace

    losses = []
    for x in deficit.losses:
        t = x.target
        if t.sex is not None and t.sex != sex:
            continue
        own = dict(t.function_by_sex).get(sex)
        if t.sex is not None or own is not None:
            t = replace(t, sex=None, function=own or t.function, function_by_sex=())
            x = replace(x, target=t, effect=effect_of(t, x.supply_lost))
        losses.append(x)
    return replace(deficit, losses=tuple(losses))


def lesion(atlas: Atlas, *cuts: Cut | ResolvedCut) -> Deficit:
    """The deficit of one or several cuts, per side, overlap-aware and independent of their order.

    The method decides what a cut takes away: a decompression interrupts nothing; a neurolytic or diagnostic block
    interrupts for a while (``Loss.lasting == "temporary"``); a surgical cut or resection for good.

    >>> from neurectomy.api import default_atlas
    >>> a = default_atlas()
    >>> len(lesion(a, Cut("ulnar nerve", at="elbow", method="decompression")).losses)
    0
    >>> {x.lasting for x in lesion(a, Cut("sural nerve", method="phenol")).losses}
    {'temporary'}
    """
    resolved = tuple(c if isinstance(c, ResolvedCut) else resolve_cut(atlas, c) for c in cuts)
    acting = [c for c in resolved if c.interrupts]
    midline = _hits(atlas, [c for c in acting if c.side == "midline"])
    lateral = {side: _hits(atlas, [c for c in acting if c.side == side]) for side in ("left", "right")}
    lateral_targets = {side: {atlas.path_target[p] for p in hits[0]} for side, hits in lateral.items()}
    losses: list[Loss] = []
    # a target that only midline cuts reach is reported once, as midline; one that a side's cuts reach is reported
    # on that side, with whatever the midline cuts add to it
    for side in ("left", "right", "midline"):
        if side == "midline":
            hit, permanent, _ = midline
            keep = {atlas.path_target[p] for p in hit} - lateral_targets["left"] - lateral_targets["right"]
        else:
            if not lateral[side][0]:
                continue
            hit = {**midline[0], **lateral[side][0]}
            for p in set(midline[0]) & set(lateral[side][0]):
                hit[p] = midline[0][p] | lateral[side][0][p]
            permanent = _union(midline[1], lateral[side][1])
            share = _union(midline[2], lateral[side][2])
            keep = lateral_targets[side]
            losses += _losses(atlas, hit, permanent, keep, side, share)
            continue
        losses += _losses(atlas, hit, permanent, keep, side, midline[2])
    losses.sort(key=lambda x: (GROUPS.index(x.group), x.side, -round(x.supply_lost, 9), x.target.name))
    warnings = [w for c in acting if (w := takes_nothing(atlas, c))]
    warnings += [
        f"the left {c.nerve_name} is modelled on the right course ({RIGHT_COURSE_ONLY[c.nerve_id]}): "
        f"{c.mm:g} mm is measured on that course"
        for c in acting
        if c.nerve_id in RIGHT_COURSE_ONLY and c.side == "left" and c.at is None and c.mm > 0
    ]
    return Deficit(resolved, tuple(losses), tuple(warnings))


def takes_nothing(atlas: Atlas, cut: ResolvedCut) -> str | None:
    """Why a cut interrupts no supply path, or None when it interrupts some: it lies past the last branch the atlas
    gives its nerve (a landmark beyond the nerve's division, say), or the nerve supplies no modelled target."""
    if interrupted_paths(atlas, cut.nerve_idx, cut.mm):
        return None
    nerve = atlas.nerves[cut.nerve_idx]
    where = _where(cut.at) if cut.at else f"at {cut.mm:g} mm"
    exits = atlas.seg_exit[cut.nerve_idx]
    if not exits:
        return f"the cut of the {cut.side} {nerve.name} {where} takes nothing: the atlas gives this nerve no target"
    last = max(exits)
    after = [atlas.nerves[c].name for c in atlas.children[cut.nerve_idx] if atlas.nerves[c].origin_mm >= last]
    return (
        f"the cut of the {cut.side} {nerve.name} {where} ({cut.mm:g} mm) takes nothing: it lies past the last "
        f"branch the atlas gives the nerve ({last:g} mm from its origin"
        + (f": {_listing(after)}" if after else "")
        + "); cut proximal to that point, or cut the branches themselves"
    )


def _union(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    """Shares of paths taken by two independent sets of cuts: a path keeps a fibre only if neither takes it."""
    out = dict(a)
    for p, f in b.items():
        out[p] = 1.0 - (1.0 - out.get(p, 0.0)) * (1.0 - f)
    return out


def _hits(atlas: Atlas, cuts: Sequence[ResolvedCut]) -> tuple[dict[int, set[str]], dict[int, float], dict[int, float]]:
    """Paths interrupted by ``cuts`` (with the nerves that cut each), the share of each interrupted for good and the
    share interrupted at all (1 unless a cut takes only part of the nerve: ``Cut.fraction``; two partial cuts of one
    path are taken as independent)."""
    hit: dict[int, set[str]] = {}
    permanent: dict[int, float] = {}
    share: dict[int, float] = {}
    for c in cuts:
        for p in interrupted_paths(atlas, c.nerve_idx, c.mm):
            hit.setdefault(p, set()).add(c.nerve_id)
            share[p] = 1.0 - (1.0 - share.get(p, 0.0)) * (1.0 - c.fraction)
            if c.interruption == "permanent":
                permanent[p] = 1.0 - (1.0 - permanent.get(p, 0.0)) * (1.0 - c.fraction)
    return hit, permanent, share


def _sympathetic(atlas: Atlas, nerve_ids: set[str]) -> bool:
    """Whether any of these nerves carries sympathetic fibres where it is cut (its record declares them)."""
    return any("sympathetic" in atlas.nerves[atlas.nerve_index[n]].fibres for n in nerve_ids)


def _losses(
    atlas: Atlas,
    hit: dict[int, set[str]],
    permanent: dict[int, float],
    keep: set[int],
    side: Side,
    share: dict[int, float],
) -> list[Loss]:
    lost: dict[int, float] = {}
    kept_lost: dict[int, float] = {}
    symp: dict[int, float] = {}
    symp_kept: dict[int, float] = {}
    by: dict[int, set[str]] = {}
    for p, who in hit.items():
        t = atlas.path_target[p]
        if t not in keep:
            continue
        w = atlas.path_weight[p] * share.get(p, 1.0)
        w_kept = atlas.path_weight[p] * permanent.get(p, 0.0)
        lost[t] = lost.get(t, 0.0) + w
        if p in permanent:
            kept_lost[t] = kept_lost.get(t, 0.0) + w_kept
        if atlas.targets[t].kind == "skin" and _sympathetic(atlas, who):
            symp[t] = symp.get(t, 0.0) + w
            if p in permanent:
                symp_kept[t] = symp_kept.get(t, 0.0) + w_kept
        by.setdefault(t, set()).update(who)
    out = []
    for t, value in lost.items():
        target = atlas.targets[t]
        value = 1.0 if value >= FULL else value  # shares summing to 1 in floating point (0.7 + 0.3) are all of it
        if value <= 1e-12:
            continue
        # the same floating-point rule for the permanent and sympathetic parts, or a full surgical loss would read
        # as "partly permanent" by 1e-16
        permanent_part = min(1.0 if kept_lost.get(t, 0.0) >= FULL else kept_lost.get(t, 0.0), value)
        sym = min(1.0 if symp.get(t, 0.0) >= FULL else symp.get(t, 0.0), value)
        out.append(
            Loss(
                target,
                side,
                value,
                effect_of(target, value),
                tuple(sorted(by[t])),
                permanent_part,
                sym,
                min(1.0 if symp_kept.get(t, 0.0) >= FULL else symp_kept.get(t, 0.0), sym),
            )
        )
    return out


def lesion_batch(atlas: Atlas, nerve_idx: npt.ArrayLike, mm: npt.ArrayLike) -> csr_matrix:
    """Supply lost by every target for each of many single cuts: a sparse ``cuts × targets`` matrix.

    Vectorised over the per-nerve CSR of supply paths; equal, cut by cut, to :func:`lesion` for one side.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    arr = atlas.arrays
    nerve = np.asarray(nerve_idx, dtype=np.int64)
    pos = np.asarray(mm, dtype=np.float64)
    # vectorised bisection within each nerve's few distinct exits (a global searchsorted of random needles is
    # several times slower): lo ends at the first exit >= pos
    lo = arr.key_ptr[nerve]
    hi = arr.key_ptr[nerve + 1]
    for _ in range(arr.steps):
        mid = (lo + hi) >> 1
        go_right = (arr.exit[mid] < pos) & (lo < hi)
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(go_right | (lo >= hi), hi, mid)
    rows = arr.row_ptr[nerve] + (lo - arr.key_ptr[nerve])
    first = arr.row_indptr[rows]
    counts = arr.row_indptr[rows + 1] - first
    indptr = np.zeros(len(nerve) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    gather = np.arange(int(indptr[-1]), dtype=np.int64) + np.repeat(first - indptr[:-1], counts)
    return csr_matrix(
        (arr.row_loss[gather], arr.row_target[gather], indptr), shape=(len(nerve), len(atlas.targets)), copy=False
    )


def random_cuts(atlas: Atlas, n: int, rng: Any = None) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """``n`` random (nerve, position) cuts, uniform over nerves and along each nerve."""
    import numpy as np

    from neurectomy.rng import check_random_state

    gen = check_random_state(rng)
    nerve = gen.integers(0, len(atlas.nerves), size=n)
    lengths = np.asarray([x.length_mm for x in atlas.nerves])
    return nerve.astype(np.int64), gen.random(n) * lengths[nerve]


# --------------------------------------------------------------------------- words
def summarise(deficit: Deficit) -> str:
    """One paragraph a clinician can read aloud."""
    if not deficit.cuts:
        return "No cut."
    surgical = all(c.method == "surgical_cut" for c in deficit.cuts)
    cut_text = "; ".join(
        f"{c.side} {c.nerve_name} "
        + (_where(c.at) if c.at else ("at its origin" if c.mm == 0 else f"at {c.mm:g} mm"))
        + ("" if surgical else f" by {get_method(c.method).name}")
        + (f", {c.fraction:.0%} of its fibres" if c.fraction < 1.0 else "")
        for c in deficit.cuts
    )
    kinds = {c.interruption for c in deficit.cuts}
    if kinds == {"none"}:
        return f"Releasing the {cut_text}: no fibres are interrupted, so nothing is lost."
    parts = [f"{'Cutting' if surgical else 'Interrupting'} the {cut_text}."]
    blocks = {c.method for c in deficit.cuts if c.interruption == "temporary"}
    if deficit.temporary and blocks == {"diagnostic_block"}:
        parts.append(
            "The losses are temporary: a local anaesthetic blocks conduction for hours, nothing is destroyed, and "
            "feeling and strength return as it wears off."
        )
    elif deficit.temporary:
        parts.append(
            "The losses are temporary: the basal lamina tubes survive, so fibres regrow along them and function "
            "(and pain) return over weeks to months (see the course over time for this method)."
        )
    elif "temporary" in kinds:
        parts.append("Losses from the neurolytic or diagnostic blocks return; those from the surgical cuts stay.")
    skin = deficit.sensory
    if skin:
        numb = [x for x in skin if x.effect == "anaesthetic"]
        area = sum((x.target.area_cm2 or 0.0) * x.supply_lost for x in skin)
        parts.append(
            f"Skin: {len(numb)} region(s) numb (anaesthetic)"
            + (f", {len(skin) - len(numb)} with reduced feeling (hypoaesthetic)" if len(skin) > len(numb) else "")
            + f"; about {area:.0f} cm² of sensory supply lost."
        )
    else:
        parts.append("No skin numbness.")
    motor = deficit.motor
    if motor:
        paralysed = [x.target.name for x in motor if x.effect == "paralysed"]
        weak = [x.target.name for x in motor if x.effect == "weak"]
        if paralysed:
            parts.append(f"Paralysed: {_listing(paralysed)}.")
        if weak:
            parts.append(f"Weakened: {_listing(weak)}.")
    else:
        parts.append("No muscle loses its supply.")
    if deficit.sudomotor:
        parts.append("Sweating is lost or reduced over the same skin (its sudomotor fibres run in the cut nerves).")
    for group, label in (
        ("autonomic", "Autonomic"),
        ("special", "Special senses"),
        ("articular", "Joints"),
        ("visceral", "Viscera"),
    ):
        items = [x for x in deficit.losses if x.group == group]
        if items:
            parts.append(f"{label}: {_listing([f'{x.target.name} ({x.effect})' for x in items])}.")
    parts += [f"Warning: {w[0].upper()}{w[1:]}." for w in deficit.warnings]
    return " ".join(parts)


def _where(at: str) -> str:
    """ "at the inguinal ligament", but "distal to the branch to X" as given."""
    return at if normalise(at).startswith(("distal to", "proximal to")) else f"at {at}"


def _listing(names: Sequence[str], limit: int = 8) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) <= limit:
        return ", ".join(unique)
    return ", ".join(unique[:limit]) + f" and {len(unique) - limit} more"
