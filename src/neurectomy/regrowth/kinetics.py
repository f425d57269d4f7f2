"""Recovery of function and pain, and the risk of neuroma and deafferentation pain, over time.

For every target a cut takes away, the fibres must regrow from the lesion to the target (the distance comes from the
atlas: branch positions along the supply path). After a neurolytic block the tubes survive: sprouts cross the
lesion after a latency, grow at a sourced rate and reconnect, so function and pain return. After a surgical cut the
tubes are severed: only a small, misdirected fraction reconnects (none when the end is cauterised, capped or given
a TMR/RPNI target), and the cumulative chance of a painful neuroma and of deafferentation pain rises with time.

Everything is vectorised: :func:`curves` takes arrays over (patients, targets) and returns (patients, targets, time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from neurectomy.atlas.graph import Atlas
from neurectomy.lesion import Deficit
from neurectomy.methods import EndTreatment, Method, Param, neuroma_risk

NEUROMA_ONSET = Param(
    180.0, "days", "estimate: symptomatic neuromas usually declare themselves within the first year (time constant)"
)
DEAFFERENTATION_RISK = Param(
    0.05,
    "probability",
    "estimate: the evidence table has no figure for deafferentation pain after neurectomy; illustrative value",
)
DEAFFERENTATION_ONSET = Param(365.0, "days", "estimate: deafferentation pain develops over months to years")
DEFAULT_DAYS = np.array([0, 7, 14, 30, 60, 90, 180, 270, 365, 540, 730, 1095, 1825], dtype=np.float64)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Curves:
    """Arrays over (..., time): fraction of normal function, expected fraction of the pre-procedure pain,
    cumulative neuroma and deafferentation-pain risk."""

    days: FloatArray
    function: FloatArray
    pain: FloatArray
    neuroma_risk: FloatArray
    deafferentation_risk: FloatArray
    reconnected: FloatArray


def curves(
    days: npt.ArrayLike,
    lost: npt.ArrayLike,
    distance_mm: npt.ArrayLike,
    *,
    rate_mm_day: npt.ArrayLike,
    latency_days: npt.ArrayLike,
    maturation_days: npt.ArrayLike,
    ceiling: npt.ArrayLike,
    neuroma: npt.ArrayLike,
    deafferentation: npt.ArrayLike,
) -> Curves:
    """The timeline for arrays of targets (and patients): ``lost``/``distance_mm`` broadcast together, the method
    parameters broadcast against them (one per patient: give them shape ``(P, 1)``).

    >>> c = curves([0, 365], [1.0], [100.0], rate_mm_day=1.0, latency_days=14, maturation_days=60,
    ...            ceiling=1.0, neuroma=0.0, deafferentation=0.0)
    >>> c.function.round(2).tolist()
    [[0.0, 1.0]]
    """
    t = np.asarray(days, dtype=np.float64)
    lost_a = np.asarray(lost, dtype=np.float64)[..., None]
    dist = np.asarray(distance_mm, dtype=np.float64)[..., None]
    rate = np.asarray(rate_mm_day, dtype=np.float64)[..., None]
    arrive = np.asarray(latency_days, dtype=np.float64)[..., None] + np.divide(
        dist, rate, out=np.zeros(np.broadcast_shapes(dist.shape, rate.shape)), where=rate > 0
    )
    mature = np.maximum(np.asarray(maturation_days, dtype=np.float64)[..., None], 1e-9)
    reconnected = np.asarray(ceiling, dtype=np.float64)[..., None] * np.clip((t - arrive) / mature, 0.0, 1.0)
    neuroma_t = np.asarray(neuroma, dtype=np.float64)[..., None] * (1.0 - np.exp(-t / NEUROMA_ONSET.value))
    deaff_t = np.asarray(deafferentation, dtype=np.float64)[..., None] * (
        1.0 - np.exp(-t / DEAFFERENTATION_ONSET.value)
    )
    function = 1.0 - lost_a * (1.0 - reconnected)
    pain = np.clip(
        (1.0 - lost_a) + lost_a * reconnected + lost_a * (1.0 - reconnected) * np.minimum(neuroma_t + deaff_t, 1.0),
        0.0,
        1.0,
    )
    shape = np.broadcast_shapes(function.shape, pain.shape)
    return Curves(
        days=t,
        function=np.broadcast_to(function, shape),
        pain=np.broadcast_to(pain, shape),
        neuroma_risk=np.broadcast_to(neuroma_t, shape),
        deafferentation_risk=np.broadcast_to(deaff_t, shape),
        reconnected=np.broadcast_to(reconnected, shape),
    )


def method_parameters(method: Method, end_treatments: Sequence[EndTreatment] = ()) -> dict[str, float]:
    """The keyword arguments of :func:`curves` for one method and end treatment."""
    stops = any(e.stops_regrowth for e in end_treatments)
    surgical = method.interrupts and not method.tubes_intact
    return {
        "rate_mm_day": method.regrowth_rate.value if method.regrowth_rate else 0.0,
        "latency_days": method.regrowth_latency.value if method.regrowth_latency else 0.0,
        "maturation_days": method.maturation.value,
        "ceiling": 0.0 if (surgical and stops) else method.reinnervation_ceiling.value,
        "neuroma": neuroma_risk(method, tuple(end_treatments)),
        "deafferentation": DEAFFERENTATION_RISK.value if surgical else 0.0,
    }


def target_distances(atlas: Atlas, deficit: Deficit) -> dict[tuple[str, str], float]:
    """For each (target id, side) lost: the share-weighted fibre length from the nearest cut to the target."""
    from neurectomy.lesion import interrupted_paths

    best: dict[tuple[int, str], dict[int, float]] = {}
    for cut in deficit.cuts:
        for p in interrupted_paths(atlas, cut.nerve_idx, cut.mm):
            key = (atlas.path_target[p], cut.side)
            d = atlas.distance_mm(p, cut.nerve_idx, cut.mm)
            paths = best.setdefault(key, {})
            paths[p] = min(d, paths.get(p, d))
    out: dict[tuple[str, str], float] = {}
    for (t, side), paths in best.items():
        weights = np.array([atlas.path_weight[p] for p in paths])
        dists = np.array(list(paths.values()))
        out[(atlas.targets[t].id, side)] = float((weights * dists).sum() / weights.sum())
    return out


@dataclass(frozen=True)
class Timeline:
    """Per lost target of one plan: distance, supply lost and the curves over ``days``."""

    days: FloatArray
    target_ids: tuple[str, ...]
    target_names: tuple[str, ...]
    sides: tuple[str, ...]
    groups: tuple[str, ...]
    lost: FloatArray
    distance_mm: FloatArray
    curves: Curves
    method: str
    end_treatments: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        c = self.curves
        return {
            "method": self.method,
            "end_treatments": list(self.end_treatments),
            "days": self.days.tolist(),
            "targets": [
                {
                    "target": {"id": tid, "name": name},
                    "side": side,
                    "group": group,
                    "supply_lost": round(float(self.lost[i]), 6),
                    "distance_mm": round(float(self.distance_mm[i]), 1),
                    "function": np.round(c.function[i], 4).tolist(),
                    "pain": np.round(c.pain[i], 4).tolist(),
                    "neuroma_risk": np.round(c.neuroma_risk[i], 4).tolist(),
                    "deafferentation_risk": np.round(c.deafferentation_risk[i], 4).tolist(),
                }
                for i, (tid, name, side, group) in enumerate(
                    zip(self.target_ids, self.target_names, self.sides, self.groups, strict=True)
                )
            ],
        }


def timeline(
    atlas: Atlas,
    deficit: Deficit,
    method: Method,
    end_treatments: Sequence[EndTreatment] = (),
    days: npt.ArrayLike | None = None,
) -> Timeline:
    """Function, pain and risks over time for every target the deficit takes away."""
    t = DEFAULT_DAYS if days is None else np.asarray(days, dtype=np.float64)
    distances = target_distances(atlas, deficit)
    losses = deficit.losses
    lost = np.array([x.supply_lost for x in losses], dtype=np.float64)
    dist = np.array([distances.get((x.target.id, x.side), 0.0) for x in losses], dtype=np.float64)
    c = curves(t, lost, dist, **method_parameters(method, end_treatments))
    return Timeline(
        days=t,
        target_ids=tuple(x.target.id for x in losses),
        target_names=tuple(x.target.name for x in losses),
        sides=tuple(x.side for x in losses),
        groups=tuple(x.group for x in losses),
        lost=lost,
        distance_mm=dist,
        curves=c,
        method=method.key,
        end_treatments=tuple(e.key for e in end_treatments),
    )
