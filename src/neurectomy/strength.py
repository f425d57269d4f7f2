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
  paths that the cuts interrupt. Temporary losses (blocks) count: the strength is gone while they last;
* at each posture of the grid the fraction of the motion's torque capacity lost is
  ``Σ capacity[a] × lost[a] / Σ capacity[a]``;
* ``strength_lost`` is the **mean over the postures** of that fraction. The mean, not the worst posture: at the
  ends of a joint's range a motion often rests on one or two muscles with tiny moment arms, so the worst posture
  would call a motion lost that a clinician testing strength at mid-range finds merely weak; the grid spans the
  functional range evenly, so its mean is the model's answer to "how much of this motion's strength is gone".
  The worst posture is available from :func:`profile` for anyone who needs it.

It is monotone in every muscle's supply lost and never exceeds 1 (a property test checks both). Atlas muscles that
the models do not contain (listed with reasons under ``not_modelled`` in the map: intrinsic foot muscles, the
scapulothoracic muscles, most thenar and hypothenar muscles) add nothing to the profile; their loss still shows in
the motor list.

>>> from neurectomy.api import lesion
>>> rows = function_of(lesion("femoral nerve", at="inguinal ligament", side="left"))
>>> knee = next(r for r in rows if r.motion == "knee extension")
>>> knee.side, knee.strength_lost > 0.9, knee.flags[0].startswith("knee gives way")
('left', True, True)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from neurectomy.lesion import Deficit, ResolvedCut, Side

TABLE_FILE = "strength_table.json"
MIN_REPORTED = 0.01  # motions losing less than 1% of their strength are left out (below any clinical test)


@dataclass(frozen=True, slots=True)
class MotionLoss:
    """The strength one joint motion loses on one side, with the functional flags it raises."""

    motion: str
    joint: str
    side: Side
    strength_lost: float
    flags: tuple[str, ...] = ()

    @property
    def remaining(self) -> float:
        return 1.0 - self.strength_lost


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
        if any(c.nerve_id in exits and c.mm <= exits[c.nerve_id] for c in cuts):
            total += weight
    return min(1.0, total)


def actuator_losses(deficit: Deficit, side: Side, tbl: Table | None = None) -> dict[str, float]:
    """Fraction of force each actuator loses on ``side`` (only actuators that lose some)."""
    tbl = tbl or table()
    muscles = {x.target.id: x.supply_lost for x in deficit.motor if x.side == side and x.target.id in tbl.by_muscle}
    if not muscles:
        return {}
    acting = [c for c in deficit.cuts if c.interrupts and c.side in (side, "midline")]
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
    loses supply. Motions that lose less than :data:`MIN_REPORTED` are left out; rows follow the table (hip to
    toes, shoulder to thumb)."""
    if not deficit.motor:
        return ()
    tbl = tbl or table()
    rows: list[MotionLoss] = []
    for side in sorted({x.side for x in deficit.motor}):
        lost = actuator_losses(deficit, side, tbl)
        if not lost:
            continue
        by_motion = strength_lost(lost, tbl)
        flags = raised_flags(by_motion)
        for m in tbl.motions:
            value = round(by_motion[m.name], 4)
            if value >= MIN_REPORTED:
                rows.append(MotionLoss(m.name, m.joint, side, value, tuple(flags.get(m.name, ()))))
    return tuple(rows)


# --------------------------------------------------------------------------- functional flags
@dataclass(frozen=True, slots=True)
class Flag:
    """A functional consequence raised when ``motion`` loses at least ``threshold`` of its strength (and
    ``unless`` does not hold)."""

    name: str
    motion: str
    threshold: float
    source: str
    unless: Callable[[Mapping[str, float]], bool] | None = None


FLAGS: tuple[Flag, ...] = (
    Flag(
        "foot drop",
        "ankle dorsiflexion",
        0.75,
        "estimate: foot drop (steppage gait) is the clinical sign of dorsiflexors at MRC grade 3 or less (moore9; "
        "Medical Research Council 1976 scale); no published fraction of torque defines it, so three quarters of the "
        "dorsiflexion torque lost stands for grade 3 or less",
    ),
    Flag(
        "knee gives way (support loss in stance)",
        "knee extension",
        0.75,
        "estimate: the knee buckles in stance without quadriceps (femoral nerve palsy; moore9); three quarters of "
        "the knee extension torque lost stands for quadriceps at MRC grade 3 or less",
    ),
    Flag(
        "Trendelenburg gait",
        "hip abduction",
        0.5,
        "estimate: Trendelenburg sign with weak gluteus medius and minimus (moore9; gray42); half of the hip "
        "abduction torque lost is taken as enough to fail single-leg stance",
    ),
    Flag(
        "weak push-off",
        "ankle plantarflexion",
        0.5,
        "estimate: push-off at the end of stance needs the calf (moore9: tibial nerve palsy, cannot rise on the "
        "toes); half of the plantarflexion torque lost",
    ),
    Flag(
        "wrist drop",
        "wrist extension",
        0.75,
        "estimate: wrist drop is radial nerve palsy with wrist extensors at MRC grade 3 or less (moore9); three "
        "quarters of the wrist extension torque lost",
    ),
    Flag(
        "claw hand",
        "finger abduction",
        0.5,
        "estimate: clawing follows loss of the interossei and lumbricals while the long extensors and flexors "
        "work (moore9; gray42: ulnar claw hand); half of the finger abduction (interosseous) torque lost while "
        "finger extension keeps at least half of its torque",
        unless=lambda lost: lost.get("finger extension", 0.0) >= 0.5,
    ),
    Flag(
        "loss of opposition",
        "thumb opposition",
        0.5,
        "estimate: median nerve lesions at the wrist take opposition (moore9: ape hand); MyoHand models opponens "
        "pollicis as its only thenar muscle; half of the opposition torque lost",
    ),
    Flag(
        "weak grip",
        "finger flexion (grip)",
        0.25,
        "estimate: a quarter of the finger flexion torque at the MCP joints lost is a grip a patient notices as "
        "weak; no published threshold",
    ),
    Flag(
        "weak pinch",
        "thumb flexion (pinch)",
        0.25,
        "estimate: a quarter of the thumb IP flexion torque (flexor pollicis longus) lost; no published threshold",
    ),
)
NOT_DERIVED = {
    "winged scapula": "MyoArm has no serratus anterior or other scapulothoracic muscle (see not_modelled in "
    "strength_map.yaml), so the model cannot say whether the scapula wings",
}


def raised_flags(lost: Mapping[str, float]) -> dict[str, list[str]]:
    """Flags per motion, each naming the flag, the motion and the strength that remains."""
    out: dict[str, list[str]] = {}
    for f in FLAGS:
        x = lost.get(f.motion, 0.0)
        if x >= f.threshold and not (f.unless and f.unless(lost)):
            out.setdefault(f.motion, []).append(f"{f.name}: {f.motion} at {1 - x:.0%} of normal strength")
    return out
