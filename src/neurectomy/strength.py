"""Lost joint strength: what a :class:`~neurectomy.lesion.Deficit` means for each joint motion (DESIGN §2, function).

The MyoSuite musculoskeletal models (MyoLegs, 40 muscles per leg from Rajagopal et al. 2016; MyoArm, 63 muscles of
shoulder, arm, forearm and hand, MyoHand's included) give each muscle's maximal isometric torque for each joint
motion over a posture grid. ``tools/build_strength_table.py`` computes it once with MuJoCo and ships it as
``data/strength_table.json`` (with the muscle map ``strength_map.yaml`` and its provenance); this module never
imports MuJoCo or NumPy on the lesion path: a query is a sparse matrix–vector product in plain Python.

Semantics:

* each actuator keeps ``1 - lost`` of its force, where ``lost`` is the supply lost by the atlas muscle it stands
  for (:attr:`Loss.supply_lost`), or, for an actuator that stands for one part of a muscle with several nerves
  (a triceps head, a deltoid part, the ulnar half of flexor digitorum profundus), the share of that part's supply
  paths that the cuts interrupt. Temporary losses (blocks) count in ``strength_lost``: the strength is gone while
  they last; ``permanent_strength_lost`` counts only what surgical cuts take for good, and a flag that only the
  temporary loss raises says "(temporary, while the block lasts)";
* at each posture of the grid the fraction of the motion's torque capacity lost is
  ``Σ capacity[a] × lost[a] / Σ capacity[a]``;
* ``strength_lost`` is the **mean over the postures** of that fraction. The mean, not the worst posture: at the
  ends of a joint's range a motion often rests on one or two muscles with tiny moment arms, so the worst posture
  would call a motion lost that a clinician testing strength at mid-range finds merely weak; the grid spans the
  functional range evenly, so its mean is the model's answer to "how much of this motion's strength is gone".
  The worst posture is available from :func:`profile` for anyone who needs it.

* each motion is computed at a fixed posture of the other joints (the table's ``other_joints_deg``: the reference
  posture, with the elbow at 90° for pronation and supination) and, for finger ab/adduction and the thumb's CMC
  motions, from the muscles clinical examination attributes them to (``movers``: interossei and abductor digiti
  minimi; flexor pollicis longus left out of thumb abduction and opposition).

It is monotone in every muscle's supply lost and never exceeds 1 (a property test checks both). Atlas muscles that
the models do not contain (``not_modelled`` in the map: intrinsic foot muscles, the scapulothoracic muscles, most
thenar and hypothenar muscles, adductor pollicis) add nothing to the profile: :func:`not_modelled_losses` lists
those a lesion takes, with the motions they help (understated) and the sign the model cannot assess (winged
scapula, Froment's sign).

>>> from neurectomy.api import lesion
>>> rows = function_of(lesion("femoral nerve", at="inguinal ligament", side="left"))
>>> knee = next(r for r in rows if r.motion == "knee extension")
>>> knee.side, knee.strength_lost > 0.9, knee.flags[0].name.startswith("knee gives way")
('left', True, True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from neurectomy.lesion import Deficit, ResolvedCut, Side

TABLE_FILE = "strength_table.json"
MIN_REPORTED = 0.01  # motions losing less than 1% of their strength are left out (below any clinical test)
#: a not-modelled muscle's own sign (winged scapula, Froment's) is named when it loses at least half of its supply
#: (estimate: a twig to a muscle, such as the deep fibular nerve's to the first dorsal interossei of the foot, is
#: no sign)
SIGN_FROM = 0.5


@dataclass(frozen=True, slots=True)
class RaisedFlag:
    """A functional consequence a lesion raises: ``motion`` is the table row it is read from and shown on,
    ``measure`` what ``remaining`` (the fraction of normal strength left, 0–1) measures, ``threshold`` the fraction
    lost that raises it, ``source`` the basis of the threshold. ``lasting`` is ``"temporary"`` when the loss only
    reaches the threshold while a block lasts (the permanent loss stays below it)."""

    name: str
    motion: str
    measure: str
    remaining: float
    threshold: float
    source: str
    lasting: str = "permanent"

    @property
    def text(self) -> str:
        tail = " (temporary, while the block lasts)" if self.lasting == "temporary" else ""
        return f"{self.name}{tail}: {self.measure} at {self.remaining:.0%} of normal strength"


@dataclass(frozen=True, slots=True)
class MotionLoss:
    """The strength one joint motion loses on one side, with the functional flags it raises.

    ``strength_lost`` counts every interrupted supply, blocks included (the strength is gone while they last);
    ``permanent_strength_lost`` only what surgical cuts take for good; ``lasting`` says which (as
    :attr:`neurectomy.lesion.Loss.lasting`). ``understated_by`` names paralysed or weak muscles that help this
    motion but are not in the model (their loss is not counted; empty when the motion is lost in full anyway)."""

    motion: str
    joint: str
    side: Side
    strength_lost: float
    flags: tuple[RaisedFlag, ...] = ()
    permanent_strength_lost: float = 0.0
    understated_by: tuple[str, ...] = ()

    @property
    def remaining(self) -> float:
        return 1.0 - self.strength_lost

    @property
    def lasting(self) -> str:
        if self.permanent_strength_lost >= self.strength_lost - 1e-9:
            return "permanent"
        return "temporary" if self.permanent_strength_lost <= 1e-12 else "partly permanent"


@dataclass(frozen=True, slots=True)
class NotModelledLoss:
    """A paralysed or weak muscle the models do not contain: its loss adds nothing to the profile, so the motions
    it helps are understated and its own sign (``sign``: winged scapula, Froment's sign, …) is not assessed."""

    muscle: str
    name: str
    side: Side
    supply_lost: float
    lasting: str
    motions: tuple[str, ...]
    reason: str
    sign: str | None = None


@dataclass(frozen=True, slots=True)
class Motion:
    """One row of the table: the torque each actuator contributes at each posture (N·m)."""

    name: str
    joint: str
    postures_deg: tuple[float, ...]
    actuators: tuple[str, ...]
    capacity: tuple[tuple[float, ...], ...]  # actuator × posture
    totals: tuple[float, ...]  # per posture


@dataclass(frozen=True, slots=True)
class Table:
    motions: tuple[Motion, ...]
    actuators: Mapping[str, tuple[tuple[str, float, str | None], ...]]  # actuator -> (muscle, share, part)
    by_muscle: Mapping[str, tuple[str, ...]]  # atlas muscle -> actuators
    parts: Mapping[str, tuple[tuple[float, Mapping[str, float]], ...]]  # "muscle@nerve" -> (weight, nerve -> exit)
    provenance: Mapping[str, Any]
    #: atlas muscle -> {"reason", "motions", "sign"?} for limb muscles the models do not contain
    not_modelled: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def actuator_names(self) -> tuple[str, ...]:
        return tuple(self.actuators)


@cache
def table() -> Table:
    """The shipped table, read once per process (only when a lesion takes a muscle away)."""
    raw = json.loads((Path(__file__).parent / "data" / TABLE_FILE).read_text(encoding="utf-8"))
    return table_from(raw)


def table_from(raw: Mapping[str, Any]) -> Table:
    motions = []
    for m in raw["motions"]:
        names = tuple(m["capacity_Nm"])
        caps = tuple(tuple(float(v) for v in m["capacity_Nm"][a]) for a in names)
        n = len(m["postures_deg"])
        totals = tuple(sum(c[p] for c in caps) for p in range(n))
        motions.append(Motion(m["motion"], m["joint"], tuple(m["postures_deg"]), names, caps, totals))
    actuators = {
        a: tuple((r["muscle"], float(r.get("share", 1.0)), r.get("part")) for r in rows)
        for a, rows in raw["actuators"].items()
    }
    by_muscle: dict[str, list[str]] = {}
    for a, rows in actuators.items():
        for muscle, _, _ in rows:
            by_muscle.setdefault(muscle, []).append(a)
    parts = {k: tuple((float(w), {n: float(e) for n, e in path}) for w, path in v) for k, v in raw["parts"].items()}
    return Table(
        tuple(motions),
        actuators,
        {k: tuple(v) for k, v in by_muscle.items()},
        parts,
        raw["provenance"],
        raw.get("not_modelled", {}),
    )


# --------------------------------------------------------------------------- the product
def posture_losses(lost: Mapping[str, float], motion: Motion) -> tuple[float, ...]:
    """Fraction of the motion's torque lost at each posture when each actuator loses ``lost[a]`` of its force."""
    out = [0.0] * len(motion.totals)
    for a, caps in zip(motion.actuators, motion.capacity, strict=True):
        x = lost.get(a, 0.0)
        if x:
            for p, c in enumerate(caps):
                out[p] += c * x
    return tuple(min(1.0, v / t) if t > 0 else 0.0 for v, t in zip(out, motion.totals, strict=True))


def strength_lost(lost: Mapping[str, float], tbl: Table | None = None) -> dict[str, float]:
    """Per motion, the mean over the posture grid of the fraction of torque lost (actuator -> fraction lost)."""
    tbl = tbl or table()
    out: dict[str, float] = {}
    for m in tbl.motions:
        per = posture_losses(lost, m)
        out[m.name] = sum(per) / len(per)
    return out


def profile(lost: Mapping[str, float], tbl: Table | None = None) -> dict[str, tuple[float, float]]:
    """Per motion, (mean, worst) fraction lost over the posture grid."""
    tbl = tbl or table()
    return {m.name: (sum(p) / len(p), max(p)) for m in tbl.motions for p in [posture_losses(lost, m)]}


def strength_lost_batch(lost: npt.ArrayLike, tbl: Table | None = None) -> np.ndarray:
    """Vectorised :func:`strength_lost` for many lesions: ``lost`` is ``lesions × actuators`` in the order of
    :attr:`Table.actuator_names`; returns ``lesions × motions`` (the table's motion order)."""
    import numpy as np

    tbl = tbl or table()
    x = np.asarray(lost, dtype=np.float64)
    index = {a: i for i, a in enumerate(tbl.actuator_names)}
    out = np.zeros((x.shape[0], len(tbl.motions)))
    for k, m in enumerate(tbl.motions):
        cap = np.zeros((len(m.totals), len(index)))
        for a, caps in zip(m.actuators, m.capacity, strict=True):
            cap[:, index[a]] = caps
        totals = np.asarray(m.totals)
        frac = np.minimum(1.0, (x @ cap.T) / np.where(totals > 0, totals, 1.0))
        out[:, k] = frac.mean(axis=1)
    return out


# --------------------------------------------------------------------------- from a deficit
def _part_lost(paths: Sequence[tuple[float, Mapping[str, float]]], cuts: Sequence[ResolvedCut]) -> float:
    """Share of a muscle part's supply paths that ``cuts`` interrupt (a path is interrupted by a cut on one of its
    nerves at or proximal to where the path leaves that nerve, as :func:`neurectomy.lesion.interrupted_paths`)."""
    total = 0.0
    for weight, exits in paths:
        kept = 1.0
        for c in cuts:
            if c.nerve_id in exits and c.mm <= exits[c.nerve_id]:
                kept *= 1.0 - getattr(c, "fraction", 1.0)  # a partial (fascicular) cut takes its share of fibres
        total += weight * (1.0 - kept)
    return min(1.0, total)


def actuator_losses(
    deficit: Deficit, side: Side, tbl: Table | None = None, *, permanent: bool = False
) -> dict[str, float]:
    """Fraction of force each actuator loses on ``side`` (only actuators that lose some); with ``permanent``, only
    what surgical cuts take for good (:attr:`Loss.permanent_lost`; a block's share comes back)."""
    tbl = tbl or table()
    muscles = {
        x.target.id: (x.permanent_lost if permanent else x.supply_lost)
        for x in deficit.motor
        if x.side == side and x.target.id in tbl.by_muscle
    }
    muscles = {k: v for k, v in muscles.items() if v > 0}
    if not muscles:
        return {}
    acting = [
        c
        for c in deficit.cuts
        if (c.interruption == "permanent" if permanent else c.interrupts) and c.side in (side, "midline")
    ]
    out: dict[str, float] = {}
    for muscle in muscles:
        for a in tbl.by_muscle[muscle]:
            total = 0.0
            for m, share, part in tbl.actuators[a]:
                if m not in muscles:
                    continue
                x = muscles[m]
                if part is not None and 1e-12 < x < 1.0 - 1e-9:
                    x = _part_lost(tbl.parts[f"{m}@{part}"], acting)
                total += share * x
            if total > 0:
                out[a] = min(1.0, total)
    return out


def function_of(deficit: Deficit, tbl: Table | None = None) -> tuple[MotionLoss, ...]:
    """The strength each joint motion loses, per side, with functional flags; empty when no modelled limb muscle
    loses supply. Motions that lose less than :data:`MIN_REPORTED` are left out unless they carry a flag; rows
    follow the table (hip to toes, shoulder to thumb)."""
    if not deficit.motor:
        return ()
    tbl = tbl or table()
    rows: list[MotionLoss] = []
    for side in sorted({x.side for x in deficit.motor}):
        lost = actuator_losses(deficit, side, tbl)
        if not lost:
            continue
        by_motion = strength_lost(lost, tbl)
        kept_lost = actuator_losses(deficit, side, tbl, permanent=True)
        by_motion_permanent = strength_lost(kept_lost, tbl) if kept_lost else dict.fromkeys(by_motion, 0.0)
        flags = raised_flags(by_motion, lost, by_motion_permanent, kept_lost)
        understated = _understated(deficit, side, tbl)
        for m in tbl.motions:
            value = round(by_motion[m.name], 4)
            if value >= MIN_REPORTED or m.name in flags:
                rows.append(
                    MotionLoss(
                        m.name,
                        m.joint,
                        side,
                        value,
                        tuple(flags.get(m.name, ())),
                        min(value, round(by_motion_permanent[m.name], 4)),
                        tuple(understated.get(m.name, ())) if value < 0.995 else (),
                    )
                )
    return tuple(rows)


def not_modelled_losses(deficit: Deficit, tbl: Table | None = None) -> tuple[NotModelledLoss, ...]:
    """The paralysed or weak limb muscles that the models do not contain, with the motions they help (understated
    in :func:`function_of`) and the sign the model cannot assess (winged scapula after the long thoracic nerve,
    Froment's sign after the ulnar nerve, intrinsic-minus toes after the tibial nerve at the ankle)."""
    if not deficit.motor:
        return ()
    tbl = tbl or table()
    out = []
    for x in deficit.motor:
        row = tbl.not_modelled.get(x.target.id)
        if row is None or x.supply_lost <= 0:
            continue
        out.append(
            NotModelledLoss(
                x.target.id,
                x.target.name,
                x.side,
                round(x.supply_lost, 4),
                x.lasting,
                tuple(row.get("motions", ())),
                str(row["reason"]),
                row.get("sign") if x.supply_lost >= SIGN_FROM else None,
            )
        )
    return tuple(out)


def _understated(deficit: Deficit, side: Side, tbl: Table) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for x in not_modelled_losses(deficit, tbl):
        if x.side == side:
            for motion in x.motions:
                out.setdefault(motion, []).append(x.name)
    return out


# --------------------------------------------------------------------------- functional flags
Lost = Mapping[str, float]

#: MyoHand's intrinsic muscles of each finger: (lumbrical, (interossei / abductor digiti minimi))
FINGER_INTRINSICS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "index": ("arm:LU_RB2", ("arm:RI2", "arm:UI_UB2")),
    "middle": ("arm:LU_RB3", ("arm:RI3", "arm:UI_UB3")),
    "ring": ("arm:LU_RB4", ("arm:RI4", "arm:UI_UB4")),
    "little": ("arm:LU_RB5", ("arm:RI5", "arm:UI_UB5")),
}


def intrinsic_lost(actuators: Lost, finger: str) -> float:
    """How far a finger has lost what keeps it from clawing: the smaller of its lumbrical's loss and its interossei's
    mean loss (a finger claws only when both are gone: the median-supplied first and second lumbricals keep the
    index and middle fingers straight after an ulnar lesion, moore9; gray42)."""
    lumbrical, interossei = FINGER_INTRINSICS[finger]
    return min(actuators.get(lumbrical, 0.0), sum(actuators.get(a, 0.0) for a in interossei) / len(interossei))


@dataclass(frozen=True, slots=True)
class Flag:
    """A functional consequence raised when what it measures loses at least ``threshold`` of its strength (and
    ``unless`` does not hold). By default it measures ``motion``'s strength; ``measure`` reads another quantity
    (the intrinsic muscles' force for claw hand) from the per-motion and per-actuator losses."""

    name: str
    motion: str
    threshold: float
    source: str
    unless: Callable[[Lost, Lost], bool] | None = None
    measure: Callable[[Lost, Lost], float] | None = None
    measure_label: str | None = None

    def value(self, by_motion: Lost, actuators: Lost) -> float:
        return self.measure(by_motion, actuators) if self.measure else by_motion.get(self.motion, 0.0)

    def raised(self, by_motion: Lost, actuators: Lost) -> bool:
        x = self.value(by_motion, actuators)
        return x >= self.threshold and not (self.unless and self.unless(by_motion, actuators))


def _ring_little(_: Lost, a: Lost) -> float:
    return (intrinsic_lost(a, "ring") + intrinsic_lost(a, "little")) / 2


def _all_fingers(_: Lost, a: Lost) -> float:
    return sum(intrinsic_lost(a, f) for f in FINGER_INTRINSICS) / len(FINGER_INTRINSICS)


CLAW_SOURCE = (
    "estimate: a finger claws (MCP hyperextension, IP flexion) when its lumbrical and its interossei are both lost "
    "while the long extensors and flexors work (moore9; gray42: ulnar claw hand of the ring and little fingers, the "
    "index and middle kept straight by the median nerve's first and second lumbricals; all fingers when median and "
    "ulnar are both lost); per finger the smaller of the lumbrical's and the interossei's force lost, averaged "
    "over the fingers named, at least half, while finger extension keeps at least half of its strength"
)

FLAGS: tuple[Flag, ...] = (
    Flag(
        "Trendelenburg gait",
        "hip abduction",
        0.5,
        "estimate: Trendelenburg sign with weak gluteus medius and minimus (moore9; gray42); half of the hip "
        "abduction torque lost is taken as enough to fail single-leg stance",
    ),
    Flag(
        "knee gives way (support loss in stance)",
        "knee extension",
        0.75,
        "estimate: the knee buckles in stance without quadriceps (femoral nerve palsy; moore9); three quarters of "
        "the knee extension torque lost stands for quadriceps at MRC grade 3 or less",
    ),
    Flag(
        "foot drop",
        "ankle dorsiflexion",
        0.75,
        "estimate: foot drop (steppage gait) is the clinical sign of dorsiflexors at MRC grade 3 or less (moore9; "
        "Medical Research Council 1976 scale); no published fraction of torque defines it, so three quarters of the "
        "dorsiflexion torque lost stands for grade 3 or less",
    ),
    Flag(
        "cannot rise on the toes",
        "ankle plantarflexion",
        0.75,
        "estimate: tibial nerve palsy, the patient cannot rise on the toes (moore9); three quarters of the "
        "plantarflexion torque lost stands for the calf at MRC grade 3 or less (no single-leg heel raise)",
    ),
    Flag(
        "weak push-off",
        "ankle plantarflexion",
        0.5,
        "estimate: push-off at the end of stance needs the calf (moore9); half of the plantarflexion torque lost, "
        "short of the three quarters at which the patient cannot rise on the toes",
        unless=lambda m, _: m.get("ankle plantarflexion", 0.0) >= 0.75,
    ),
    Flag(
        "arm cannot be raised",
        "shoulder abduction",
        0.9,
        "estimate: upper trunk (Erb) palsy leaves the arm hanging at the side, unable to abduct (moore9); nine "
        "tenths of the shoulder abduction torque lost",
    ),
    Flag(
        "weak shoulder abduction",
        "shoulder abduction",
        0.5,
        "estimate: deltoid (axillary nerve) or supraspinatus palsy weakens abduction (moore9); half of the shoulder "
        "abduction torque lost, short of the nine tenths at which the arm cannot be raised",
        unless=lambda m, _: m.get("shoulder abduction", 0.0) >= 0.9,
    ),
    Flag(
        "weak elbow flexion",
        "elbow flexion",
        0.5,
        "estimate: musculocutaneous or upper trunk palsy takes biceps and most of brachialis (moore9); "
        "brachioradialis (radial nerve) still flexes the elbow; half of the elbow flexion torque lost",
    ),
    Flag(
        "wrist drop",
        "wrist extension",
        0.75,
        "estimate: wrist drop is radial nerve palsy with wrist extensors at MRC grade 3 or less (moore9); three "
        "quarters of the wrist extension torque lost",
    ),
    Flag(
        "finger drop",
        "finger extension",
        0.75,
        "estimate: the fingers cannot be extended at the MCP joints after a radial or posterior interosseous nerve "
        "palsy (moore9: finger drop without wrist drop when the branch to extensor carpi radialis longus is spared); "
        "three quarters of the MCP extension torque lost",
    ),
    Flag(
        "claw hand (all fingers)",
        "finger abduction",
        0.5,
        CLAW_SOURCE,
        unless=lambda m, _: m.get("finger extension", 0.0) >= 0.5,
        measure=_all_fingers,
        measure_label="lumbricals and interossei of all four fingers",
    ),
    Flag(
        "claw hand (ring and little fingers)",
        "finger abduction",
        0.5,
        CLAW_SOURCE,
        unless=lambda m, a: m.get("finger extension", 0.0) >= 0.5 or _all_fingers(m, a) >= 0.5,
        measure=_ring_little,
        measure_label="lumbricals and interossei of the ring and little fingers",
    ),
    Flag(
        "loss of opposition",
        "thumb opposition",
        0.5,
        "estimate: median nerve lesions at the wrist take opposition (moore9: ape hand); MyoHand models opponens "
        "pollicis as its only thenar muscle (abductor and flexor pollicis brevis are not modelled); half of the "
        "opposition torque lost",
    ),
    Flag(
        "weak grip",
        "finger flexion (grip)",
        0.25,
        "estimate: a quarter of the finger flexion torque at the MCP joints lost is a grip a patient notices as "
        "weak; no published threshold",
    ),
    Flag(
        "weak tip pinch",
        "thumb IP flexion (tip pinch)",
        0.25,
        "estimate: a quarter of the thumb IP flexion torque (flexor pollicis longus: tip pinch, the OK sign) lost; "
        "no published threshold. Key pinch (adductor pollicis, first dorsal interosseous) is not assessed: "
        "adductor pollicis is not in MyoHand",
    ),
)

#: signs the model cannot derive, by the not-modelled muscle whose loss raises them (strength_map.yaml, ``sign``)
NOT_DERIVED = {
    "winged scapula": "serratus_anterior",
    "weak key pinch (Froment's sign)": "adductor_pollicis",
}


def raised_flags(
    by_motion: Lost,
    actuators: Lost | None = None,
    by_motion_permanent: Lost | None = None,
    actuators_permanent: Lost | None = None,
) -> dict[str, list[RaisedFlag]]:
    """Flags per table motion (the row each is shown on). A flag is ``temporary`` when the loss reaches its
    threshold only while a block lasts: the permanent losses alone do not raise it."""
    actuators = actuators or {}
    out: dict[str, list[RaisedFlag]] = {}
    for f in FLAGS:
        if not f.raised(by_motion, actuators):
            continue
        if by_motion_permanent is None:
            lasting = "permanent"
        else:
            lasting = "permanent" if f.raised(by_motion_permanent, actuators_permanent or {}) else "temporary"
        x = f.value(by_motion, actuators)
        out.setdefault(f.motion, []).append(
            RaisedFlag(
                f.name,
                f.motion,
                f.measure_label or f.motion,
                round(1.0 - x, 4),
                f.threshold,
                f.source,
                lasting,
            )
        )
    return out
