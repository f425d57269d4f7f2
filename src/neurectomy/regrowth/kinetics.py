"""Recovery of function and pain, and the risk of neuroma and deafferentation pain, over time, as the evidence says.

For every target a cut takes away, the fibres must regrow from the lesion to the target (the distance comes from the
atlas: branch positions along the supply path). After a block that spares the tubes the interruption is crossed
after a latency that varies between patients, the fibres grow at a sourced rate and reconnect, so function and pain
return; the latency, its spread and the fraction relieved are fitted per method and site to the evidence
(:mod:`neurectomy.calibration`, which explains how a reported duration maps onto latency, rate and the distance at
the evidence site). After a surgical cut the tubes are severed: only a small, misdirected fraction reconnects
through the cut end (none when the end is cauterised, capped or given a TMR/RPNI target: for cautery the seed's
claim), and skin the cut numbs also regains some feeling, slowly and at its border, from neighbouring intact nerves
(collateral sprouting, :data:`COLLATERAL`, whatever the end treatment); the cumulative chance of a painful neuroma
and of deafferentation pain rises with time, at the site's own rate (none reported through the vestibular nerve's
central processes, the sympathetic chain or a purely motor branch).

A plan's pain is computed only over the painful region: the targets its procedure treats (``Procedure.treats``) or,
with no procedure, the pain-carrying targets (skin, joints, viscera with visceral afferents) the cut takes more than
half of (:func:`aimed_at`; collateral skin it only partly denervates had no pain to treat), relieved in the method's
fitted fraction of responders; muscles, glands, efferent-only viscera and special-sense organs have no pain (``nan``
in the arrays, ``null`` in the JSON). For a named procedure done with its own method,
the treated targets follow the procedure's fitted failure and recurrence (blushing returns after sympathicotomy,
dysmenorrhoea after presacral neurectomy, spasticity after tibial neurotomy).

Everything is vectorised: :func:`curves` takes arrays over (patients, targets) and returns (patients, targets, time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neurectomy.atlas.graph import Atlas
from neurectomy.calibration import Z_NODES, course, outcome, site_of, site_risk
from neurectomy.lesion import Deficit
from neurectomy.methods import EndTreatment, Method, Param, neuroma_risk

if TYPE_CHECKING:
    from neurectomy.procedures import Procedure

NEUROMA_ONSET = Param(
    180.0, "days", "estimate: symptomatic neuromas usually declare themselves within the first year (time constant)"
)
DEAFFERENTATION_RISK = Param(
    0.02,
    "probability",
    "estimate: the evidence table has no figure for deafferentation pain after neurectomy; the success rows (E127, "
    "E005) leave room for a few percent (see neurectomy.calibration)",
    0.0,
    0.05,
)
DEAFFERENTATION_ONSET = Param(365.0, "days", "estimate: deafferentation pain develops over months to years")
#: Collateral sprouting: after a cut, intact neighbouring cutaneous nerves sprout into the numb skin. This, not
#: regrowth through the cut end, is most of the feeling that returns after a neurectomy, so it is independent of the
#: end treatment (cautery stops reconnection through the end, not the neighbours). Skin only (the sources are
#: cutaneous; the model credits no collateral reinnervation of muscle, joints or viscera), after a surgical cut only
#: (after a block the fibres themselves return). Function regained: ``collateral * (1 - exp(-t / onset))`` of what
#: the cut took.
COLLATERAL = Param(
    0.2,
    "fraction of the lost skin feeling",
    "estimate: collateral sprouting restores feeling at the border of the numb skin (inbal1987: skin recovered "
    "sensation long before regenerating fibres could arrive, or was served by another nerve on block; "
    "collateral_brain1996: after a resection that ruled regeneration out, a considerable subjective reduction of the "
    "deficit within 2 months while the objective margins advanced only 6-11.5 mm by 10-15 months: partial). The "
    "size is set so that with the 10% reconnection through the stump a plain cut returns E058's 28% "
    "(1 - 0.9 x 0.8 = 0.28): most of the return is collateral, the split itself is not measured. Interval: none of "
    "E058's 28% (all through the stump) to all of it",
    0.0,
    0.28,
)
COLLATERAL_ONSET = Param(
    180.0,
    "days",
    "estimate (time constant): collateral_brain1996: subjective reduction within 2 months, objective margins "
    "advanced by 10-15 months",
)
DEFAULT_DAYS = np.array([0, 7, 14, 30, 60, 90, 180, 270, 365, 540, 730, 1095, 1825], dtype=np.float64)
PAIN_GROUPS = frozenset({"sensory", "articular", "visceral"})
_Z = np.asarray(Z_NODES, dtype=np.float64)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Curves:
    """Arrays over (..., time): fraction of normal function, expected fraction of the pre-procedure pain (``nan``
    where the target carries no pain), cumulative neuroma and deafferentation-pain risk, the fraction of fibres
    reconnected and the fraction of patients whose fibres have reached the target."""

    days: FloatArray
    function: FloatArray
    pain: FloatArray
    neuroma_risk: FloatArray
    deafferentation_risk: FloatArray
    reconnected: FloatArray
    arrived: FloatArray | None = None
    #: the fraction of the lost feeling regained by collateral sprouting of neighbouring nerves (0 where none)
    collateral: FloatArray | None = None


def _arrivals(latency: FloatArray, spread: FloatArray, travel: FloatArray) -> FloatArray:
    """Arrival day per latency node, shape (..., K): log-normal latencies (median ``latency``, log-spread ``spread``)
    at :data:`~neurectomy.calibration.NODES` equal-probability nodes, plus the travel time."""
    lat = np.asarray(latency, dtype=np.float64)[..., None] * np.exp(
        np.asarray(spread, dtype=np.float64)[..., None] * _Z
    )
    return lat + np.asarray(travel, dtype=np.float64)[..., None]


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
    latency_spread: npt.ArrayLike = 0.0,
    regrowth_pain: npt.ArrayLike = 1.0,
    pain_distance: npt.ArrayLike = 1.0,
    collateral: npt.ArrayLike = 0.0,
) -> Curves:
    """The timeline for arrays of targets (and patients): ``lost``/``distance_mm`` broadcast together, the method
    parameters broadcast against them (one per patient: give them shape ``(P, 1)``).

    ``latency_spread`` (log-normal sigma of the latency between patients; 0: one patient) turns the curves into
    the average over patients; ``regrowth_pain`` is 1 where regrowing fibres bring the pain back (a block that
    spares the tubes) and 0 where they do not (a surgical cut removes what hurt: the pain returns only through a
    neuroma or deafferentation). ``pain_distance`` is 1 where the pain comes back when the fibres reach the target
    and 0 where it comes back after the latency whatever the distance (peripheral cryoneurolysis, E157: relief ends
    before regrowth could cover any distance); ``arrived`` is then the pain's return, not the fibres'. The pain
    here is that of a painful target with no indication-specific response. ``collateral`` is the fraction of the
    lost function neighbouring nerves restore by collateral sprouting (:data:`COLLATERAL`; 0: none), reached with
    the time constant :data:`COLLATERAL_ONSET`; it brings back feeling, not the pain the cut treated.

    >>> c = curves([0, 365], [1.0], [100.0], rate_mm_day=1.0, latency_days=14, maturation_days=60,
    ...            ceiling=1.0, neuroma=0.0, deafferentation=0.0)
    >>> c.function.round(2).tolist()
    [[0.0, 1.0]]
    """
    t = np.asarray(days, dtype=np.float64)
    lost_a = np.asarray(lost, dtype=np.float64)[..., None]
    dist = np.asarray(distance_mm, dtype=np.float64)
    rate = np.asarray(rate_mm_day, dtype=np.float64)
    travel = np.divide(dist, rate, out=np.zeros(np.broadcast_shapes(dist.shape, rate.shape)), where=rate > 0)
    spread = np.asarray(latency_spread, dtype=np.float64)
    mature = np.maximum(np.asarray(maturation_days, dtype=np.float64)[..., None], 1e-9)
    ceil = np.asarray(ceiling, dtype=np.float64)[..., None]
    latency = np.asarray(latency_days, dtype=np.float64)
    pain_travel = travel * np.asarray(pain_distance, dtype=np.float64)
    if np.any(spread > 0):
        arrive = _arrivals(latency, spread, travel)[..., None]  # (..., K, 1)
        ramp = np.clip((t - arrive) / mature[..., None], 0.0, 1.0).mean(axis=-2)
        arrived = (t >= _arrivals(latency, spread, pain_travel)[..., None]).mean(axis=-2)
    else:
        ramp = np.clip((t - (latency + travel)[..., None]) / mature, 0.0, 1.0)
        arrived = (t >= (latency + pain_travel)[..., None]).astype(np.float64)
    reconnected = ceil * ramp
    neuroma_t = np.asarray(neuroma, dtype=np.float64)[..., None] * (1.0 - np.exp(-t / NEUROMA_ONSET.value))
    deaff_t = np.asarray(deafferentation, dtype=np.float64)[..., None] * (
        1.0 - np.exp(-t / DEAFFERENTATION_ONSET.value)
    )
    coll = np.asarray(collateral, dtype=np.float64)[..., None] * (1.0 - np.exp(-t / COLLATERAL_ONSET.value))
    function = 1.0 - lost_a * (1.0 - reconnected) * (1.0 - coll)
    back = np.asarray(regrowth_pain, dtype=np.float64)[..., None] * ceil * arrived
    returned = 1.0 - (1.0 - back) * (1.0 - neuroma_t) * (1.0 - deaff_t)
    pain = np.clip(1.0 - lost_a * (1.0 - returned), 0.0, 1.0)
    shape = np.broadcast_shapes(function.shape, pain.shape)
    coll_out = np.broadcast_to(coll, np.broadcast_shapes(coll.shape, shape))
    return Curves(
        days=t,
        function=np.broadcast_to(function, shape),
        pain=np.broadcast_to(pain, shape),
        neuroma_risk=np.broadcast_to(neuroma_t, shape),
        deafferentation_risk=np.broadcast_to(deaff_t, shape),
        reconnected=np.broadcast_to(reconnected, shape),
        arrived=np.broadcast_to(arrived, shape),
        collateral=coll_out,
    )


def _site_key(site: str | None) -> str:
    return site or "peripheral"


def method_parameters(
    method: Method, end_treatments: Sequence[EndTreatment] = (), site: str | None = None
) -> dict[str, float]:
    """The keyword arguments of :func:`curves` for the typical (median) patient of one method and end treatment at a
    site (None: the method's default site, a peripheral nerve). The spread between patients is
    :func:`method_spread`; the fraction relieved :func:`method_response`."""
    stops = any(e.stops_regrowth for e in end_treatments)
    surgical = method.interrupts and not method.tubes_intact
    key = _site_key(site)
    fit = course(method.key, key) if method.interrupts and method.tubes_intact else None
    risk = site_risk(key)
    ceiling = method.reinnervation_ceiling.value
    if surgical and risk.ceiling is not None:
        ceiling = risk.ceiling.value
    return {
        "rate_mm_day": method.regrowth_rate.value if method.regrowth_rate else 0.0,
        "latency_days": fit.latency.value
        if fit
        else (method.regrowth_latency.value if method.regrowth_latency else 0.0),
        "maturation_days": method.maturation.value,
        "ceiling": 0.0 if (surgical and stops) else ceiling,
        "neuroma": neuroma_risk(method, tuple(end_treatments), key if site is not None else None),
        "deafferentation": risk.deafferentation.value if surgical else 0.0,
        "regrowth_pain": 0.0 if surgical else 1.0,
        "pain_distance": 0.0 if (fit is not None and not fit.pain_follows_regrowth) else 1.0,
    }


def parameter_intervals(
    method: Method, end_treatments: Sequence[EndTreatment] = (), site: str | None = None
) -> dict[str, tuple[float, float, float]]:
    """(low, fitted, high) of each of :func:`method_parameters`' values and of ``latency_spread``: the uncertainty
    of the fits (:mod:`neurectomy.calibration`; a relative risk's interval multiplies the site's). Parameters
    without an interval are (value, value, value)."""
    ends = tuple(end_treatments)
    central = {**method_parameters(method, ends, site), "latency_spread": method_spread(method, site)}
    out = {k: (v, v, v) for k, v in central.items()}

    def span(p: Param) -> tuple[float, float, float]:
        lo, hi = p.interval
        return (lo, p.value, hi)

    key = _site_key(site)
    fit = course(method.key, key) if method.interrupts and method.tubes_intact else None
    out["response"] = (1.0, 1.0, 1.0)
    if fit is not None:
        out["latency_days"] = span(fit.latency)
        out["latency_spread"] = span(fit.spread)
        out["response"] = span(fit.response)
    elif method.regrowth_latency is not None:
        out["latency_days"] = span(method.regrowth_latency)
    if method.interrupts and method.regrowth_rate is not None:
        out["maturation_days"] = span(method.maturation)
    if method.interrupts and not method.tubes_intact:
        risk = site_risk(key)
        if central["ceiling"] > 0:
            out["ceiling"] = span(risk.ceiling if risk.ceiling is not None else method.reinnervation_ceiling)
        base = risk.neuroma if site is not None else method.neuroma_risk
        lo, mid, hi = span(base)
        for e in ends:
            factor = e.factor_at(site)
            f_lo, f_hi = factor.interval
            lo, mid, hi = lo * f_lo, mid * factor.value, hi * f_hi
        out["neuroma"] = (max(lo, 0.0), mid, min(hi, 1.0))
        out["deafferentation"] = span(risk.deafferentation)
    return out


def method_spread(method: Method, site: str | None = None) -> float:
    """Log-normal sigma of the latency between patients (0 for a surgical cut or decompression)."""
    fit = course(method.key, _site_key(site)) if method.interrupts and method.tubes_intact else None
    return fit.spread.value if fit else 0.0


def method_response(method: Method, site: str | None = None) -> float:
    """Fraction of patients a tube-sparing block relieves at all (1 for other methods)."""
    fit = course(method.key, _site_key(site)) if method.interrupts and method.tubes_intact else None
    return fit.response.value if fit else 1.0


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
class Indication:
    """The course of what the plan is for, over its treated targets: ``measure`` "pain" (expected fraction of the
    pre-procedure pain) for a pain procedure, "function" (fraction of patients in whom the function the procedure
    disables is present) for one that disables a function, or the indication the procedure's fit counts apart from
    the targets' function (``Outcome.indication``: "spasticity returned", "vertigo not controlled"; a fraction of
    patients). ``sources`` name the fits used."""

    goal: str
    measure: str
    target_ids: tuple[str, ...]
    values: FloatArray
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "measure": self.measure,
            "targets": list(self.target_ids),
            "values": np.round(self.values, 4).tolist(),
            "sources": list(self.sources),
        }


def _listed(a: FloatArray) -> list[float] | None:
    return None if np.isnan(a).all() else np.round(a, 4).tolist()


@dataclass(frozen=True)
class Timeline:
    """Per lost target of one plan: distance, supply lost, site and the curves over ``days``; ``painful`` marks the
    targets whose pain is modelled, ``treated`` those the procedure is for; ``indication`` is the plan's course over
    its treated targets (None without a procedure)."""

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
    sites: tuple[str, ...] = ()
    painful: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    treated: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    neuroma_status: tuple[str, ...] = ()
    indication: Indication | None = None
    #: what the painful region is and what the pain course includes, in words (printed beside the course)
    pain_region: str = ""
    #: warnings printed beside the course: no evidence for the method at this site (the fit is borrowed), the
    #: course running past the follow-up of the rows behind it, pain and feeling decoupled (peripheral cryo)
    caveats: tuple[str, ...] = ()

    def pain_course(self) -> FloatArray | None:
        """Expected pain over the painful region (the indication's course for a pain procedure; else the mean over
        the painful targets); None when nothing painful is modelled."""
        if self.indication is not None and self.indication.measure == "pain":
            return self.indication.values
        if not self.painful.any():
            return None
        return np.asarray(np.nanmean(self.curves.pain[self.painful], axis=0), dtype=np.float64)

    def neuroma_reason(self) -> str:
        """Why the neuroma status is what it is (the first cut's site)."""
        from neurectomy.methods import get_method

        return neuroma_reason(get_method(self.method), self.sites[0] if self.sites else "peripheral")

    def neuroma_summary(self) -> tuple[str, float]:
        """The status ("rate", "not reported", "not applicable") and the largest lifetime neuroma risk over targets."""
        risk = float(self.curves.neuroma_risk[:, -1].max()) if self.curves.neuroma_risk.size else 0.0
        statuses = set(self.neuroma_status)
        status = "rate" if "rate" in statuses else ("not reported" if "not reported" in statuses else "not applicable")
        return status, risk

    def to_dict(self) -> dict[str, Any]:
        c = self.curves
        pain = self.pain_course()
        return {
            "method": self.method,
            "end_treatments": list(self.end_treatments),
            "days": self.days.tolist(),
            "pain": None if pain is None else np.round(pain, 4).tolist(),
            "indication": None if self.indication is None else self.indication.to_dict(),
            "pain_region": self.pain_region,
            "caveats": list(self.caveats),
            "targets": [
                {
                    "target": {"id": tid, "name": name},
                    "side": side,
                    "group": group,
                    "site": self.sites[i] if self.sites else None,
                    "treated": bool(self.treated[i]) if len(self.treated) else False,
                    "supply_lost": round(float(self.lost[i]), 6),
                    "distance_mm": round(float(self.distance_mm[i]), 1),
                    "function": np.round(c.function[i], 4).tolist(),
                    "pain": _listed(c.pain[i]),
                    "neuroma_risk": np.round(c.neuroma_risk[i], 4).tolist(),
                    "neuroma_status": self.neuroma_status[i] if self.neuroma_status else "rate",
                    "deafferentation_risk": np.round(c.deafferentation_risk[i], 4).tolist(),
                }
                for i, (tid, name, side, group) in enumerate(
                    zip(self.target_ids, self.target_names, self.sides, self.groups, strict=True)
                )
            ],
        }


def cut_sites(atlas: Atlas, deficit: Deficit) -> dict[str, str]:
    """The site kind of each cut nerve (by id): see :func:`neurectomy.calibration.site_of`."""
    out: dict[str, str] = {}
    for c in deficit.cuts:
        kinds = frozenset(x.target.kind for x in deficit.losses if c.nerve_id in x.cut_by)
        nerve = atlas.nerves[c.nerve_idx]
        out[c.nerve_id] = site_of(nerve.id, nerve.fibres, kinds)
    return out


def timeline(
    atlas: Atlas,
    deficit: Deficit,
    method: Method,
    end_treatments: Sequence[EndTreatment] = (),
    days: npt.ArrayLike | None = None,
    *,
    procedure: Procedure | None = None,
) -> Timeline:
    """Function, pain and risks over time for every target the deficit takes away, at each cut's site; with a
    ``procedure``, pain only over the targets it treats and their fitted failure and recurrence."""
    t = DEFAULT_DAYS if days is None else np.asarray(days, dtype=np.float64)
    ends = tuple(end_treatments)
    distances = target_distances(atlas, deficit)
    losses = deficit.losses
    own = procedure is not None and method.key == _procedure_method(procedure)
    fit = outcome(procedure.id) if (procedure is not None and own) else None
    setting = fit.site if fit is not None else None
    sites_by_nerve = cut_sites(atlas, deficit)
    sites = tuple(
        setting or sites_by_nerve.get(x.cut_by[0], "peripheral") if x.cut_by else "peripheral" for x in losses
    )
    params = [method_parameters(method, ends, s) for s in sites]
    lost = np.array([x.supply_lost for x in losses], dtype=np.float64)
    dist = np.array([distances.get((x.target.id, x.side), 0.0) for x in losses], dtype=np.float64)

    def col(key: str) -> FloatArray:
        return np.array([p[key] for p in params], dtype=np.float64)

    spread = np.array([method_spread(method, s) for s in sites], dtype=np.float64)
    surgical = method.interrupts and not method.tubes_intact
    collateral = np.array(
        [COLLATERAL.value if (surgical and x.group == "sensory") else 0.0 for x in losses], dtype=np.float64
    )
    kw = {k: col(k) for k in ("rate_mm_day", "latency_days", "maturation_days", "ceiling", "neuroma")}
    c = curves(
        t,
        lost,
        dist,
        **kw,
        deafferentation=col("deafferentation"),
        latency_spread=spread,
        regrowth_pain=col("regrowth_pain"),
        pain_distance=col("pain_distance"),
        collateral=collateral,
    )
    treats = set(procedure.treats) if procedure is not None else set()
    if procedure is not None:
        treated = np.array([x.target.id in treats for x in losses], dtype=bool)
        painful = treated & (procedure.goal == "pain_relief")
    else:
        treated = aimed_at(losses)
        painful = treated.copy()
    function = np.array(c.function, dtype=np.float64, copy=True)
    pain = np.array(c.pain, dtype=np.float64, copy=True)
    failure, recur = _failure_recurrence(fit, t)
    fit_targets = set(fit.targets) if fit is not None and fit.targets else treats
    for i, x in enumerate(losses):
        if not treated[i]:
            continue
        if procedure is None:
            # no indication-specific fit: a block relieves only its responders (the fitted response), a cut all
            pain[i] = 1.0 - method_response(method, sites[i]) * (1.0 - c.pain[i])
            continue
        f_i, r_i = (failure, recur) if x.target.id in fit_targets else (0.0, np.zeros_like(t))
        rho = method_response(method, sites[i])
        if surgical:
            kept = (1.0 - f_i) * (1.0 - r_i)
            if procedure is not None and procedure.goal == "pain_relief":
                pain[i] = 1.0 - kept * (1.0 - c.neuroma_risk[i]) * (1.0 - c.deafferentation_risk[i])
            elif fit is not None and not fit.indication:
                # the fitted failure and recurrence are what the series saw come back, regrowth included
                function[i] = 1.0 - lost[i] * kept
            elif fit is not None:
                # the indication (spasticity, vertigo) is counted apart (``Outcome.indication``): the target keeps
                # the function its remaining and regrown supply gives
                pass
            else:
                coll_i = c.collateral[i] if c.collateral is not None else 0.0
                function[i] = 1.0 - lost[i] * (1.0 - c.reconnected[i]) * (1.0 - coll_i) * kept
        else:
            arrived = c.arrived[i] if c.arrived is not None else np.zeros_like(t)
            if procedure is not None and procedure.goal == "pain_relief":
                pain[i] = 1.0 - rho * (1.0 - arrived)
            else:
                function[i] = 1.0 - lost[i] * rho * (1.0 - c.reconnected[i])
    pain[~painful] = np.nan
    curves_out = Curves(
        days=t,
        function=function,
        pain=pain,
        neuroma_risk=np.asarray(c.neuroma_risk),
        deafferentation_risk=np.asarray(c.deafferentation_risk),
        reconnected=np.asarray(c.reconnected),
        arrived=None if c.arrived is None else np.asarray(c.arrived),
        collateral=None if c.collateral is None else np.asarray(c.collateral),
    )
    statuses = tuple(_neuroma_status(method, s) for s in sites)
    treated_site = next((s for s, tr in zip(sites, treated, strict=True) if tr), "peripheral")
    indication = (
        _indication(procedure, method, fit, t, treated, function, pain, failure, treated_site) if procedure else None
    )
    return Timeline(
        days=t,
        target_ids=tuple(x.target.id for x in losses),
        target_names=tuple(x.target.name for x in losses),
        sides=tuple(x.side for x in losses),
        groups=tuple(x.group for x in losses),
        lost=lost,
        distance_mm=dist,
        curves=curves_out,
        method=method.key,
        end_treatments=tuple(e.key for e in ends),
        sites=sites,
        painful=painful,
        treated=treated,
        neuroma_status=statuses,
        indication=indication,
        pain_region=_pain_region(procedure, method, treated, own, treated_site),
        caveats=_caveats(procedure if fit is not None else None, method, sites, treated, painful, float(t[-1]))
        + _end_caveats(ends, surgical, bool(collateral.any())),
    )


def _end_caveats(ends: tuple[EndTreatment, ...], surgical: bool, collateral: bool) -> tuple[str, ...]:
    """Where an end treatment stops regrowth through the cut end, what the feeling still shown returning is."""
    stopping = [e.name for e in ends if e.stops_regrowth] if surgical else []
    if not stopping:
        return ()
    who = " and ".join(stopping)
    claim = " (for cautery the seed's claim; no comparative human row)" if any(e.key == "cautery" for e in ends) else ""
    text = f"with {who} no fibre regrows through the cut end{claim}"
    if collateral:
        text += (
            f"; the feeling shown returning to numb skin (up to {COLLATERAL.value:.0%} of what was lost, slowly, at "
            "the border) is collateral sprouting of neighbouring intact nerves (Inbal et al., Pain 1987; Brain "
            "1996;119:2063), which the end treatment does not touch"
        )
    return (text,)


#: Peripheral cryoneurolysis: relief (E157) and feeling (regrowth, E151) come from different sources.
CRYO_DECOUPLED = (
    "after peripheral cryoneurolysis the pain comes back after a median 11 days (E157) while feeling returns only as "
    "the fibres regrow (1.4 mm/day, E151), so the course shows skin numb but painful for weeks; no row measures "
    "relief and numbness in the same patients, so this split is the model's reading of two sources, not an "
    "observation"
)


def _caveats(
    procedure: Procedure | None,
    method: Method,
    sites: tuple[str, ...],
    treated: BoolArray,
    painful: BoolArray,
    last_day: float,
) -> tuple[str, ...]:
    """What the course borrows or extrapolates (see :attr:`Timeline.caveats`): for a procedure's own fit its
    follow-up; for a tube-sparing block at each (treated) site, no evidence at that site, the follow-up of the rows
    behind the fit and the decoupling of pain and feeling after peripheral cryoneurolysis."""
    from neurectomy.calibration import OUTCOME_FOLLOWUP, followup_caveat

    out: list[str] = []
    if procedure is not None:
        reach, source = OUTCOME_FOLLOWUP.get(procedure.id, (None, "not stored"))
        out.append(followup_caveat(last_day, reach, source))
    elif method.interrupts and method.tubes_intact:
        chosen = [s for s, tr in zip(sites, treated, strict=True) if tr] or list(sites)
        for site in dict.fromkeys(chosen):
            fit = course(method.key, site)
            if fit is None:
                continue
            out.append(fit.evidence_caveat(site))
            out.append(followup_caveat(last_day, fit.followup_days, fit.followup_source))
            if not fit.pain_follows_regrowth and painful.any():
                out.append(CRYO_DECOUPLED)
    return tuple(dict.fromkeys(c for c in out if c))


def _pain_region(procedure: Procedure | None, method: Method, treated: BoolArray, own: bool, site: str) -> str:
    if not treated.any():
        return ""
    from neurectomy.calibration import measure_of

    measure = measure_of(method.key, site, procedure.id if (procedure is not None and own) else None)
    relieved = f"; relieved means: {measure}" if measure else ""
    if procedure is not None:
        if procedure.goal != "pain_relief":
            return ""
        return (
            "the targets the procedure treats (*)"
            + (", with its fitted primary failure and recurrence" if own else ", with this method's fitted response")
            + relieved
        )
    what = (
        "with the method's fitted fraction of responders"
        if method.interrupts and method.tubes_intact
        else "no indication named, so no primary failure or recurrence (a named procedure adds its fitted ones)"
    )
    return f"the pain-carrying targets the cut takes more than half of (*), {what}{relieved}"


def neuroma_reason(method: Method, site: str) -> str:
    """Why a neuroma rate is given or not, in words (printed beside "not applicable" or "not reported")."""
    if not method.interrupts:
        return "nothing is cut"
    if method.tubes_intact:
        return "the nerve's tubes are left intact, so there is no cut end to form a neuroma"
    risk = site_risk(site)
    if risk.neuroma_status == "not reported":
        return "no row gives a rate at this site: " + risk.why
    return risk.why


#: In nerve mode (no procedure) the painful region is the pain-carrying targets the cut takes more than this share of.
AIMED_AT = Param(
    0.5,
    "share of supply lost",
    "estimate: without a named indication the region a cut is aimed at is the pain-carrying territory it takes "
    "most of (more than half its supply): the lateral thigh for an LFCN cut, not the knee skin it shares",
)


def carries_pain(target: Any) -> bool:
    """Whether a target can carry the pain a cut treats: skin or a joint, or a viscus with visceral afferents
    (the heart's sympathetic efferents, a gland, a muscle or a special-sense organ carry none)."""
    if target.group in ("sensory", "articular"):
        return True
    if target.group == "visceral":
        return any(e.fibre == "visceral_afferent" for e in target.supply)
    return False


def aimed_at(losses: Sequence[Any]) -> BoolArray:
    """Nerve mode: the pain-carrying targets losing more than :data:`AIMED_AT` of their supply (or, where none
    does, those losing the most); these are the starred ("treated") targets and the painful region."""
    carrying = np.array([carries_pain(x.target) for x in losses], dtype=bool)
    lost = np.array([x.supply_lost for x in losses], dtype=np.float64)
    out = carrying & (lost > AIMED_AT.value)
    if not out.any() and carrying.any():
        out = carrying & (lost >= lost[carrying].max() - 1e-9)
    return out


def _procedure_method(procedure: Procedure) -> str:
    from neurectomy.methods import get_method

    return get_method(procedure.method).key


def _failure_recurrence(fit: Any, t: FloatArray) -> tuple[float, FloatArray]:
    if fit is None:
        return 0.0, np.zeros_like(t)
    r = fit.recurrence
    recur = np.zeros_like(t) if r is None else np.array([r.at(float(d)) for d in t], dtype=np.float64)
    return float(fit.failure.value), recur


def _neuroma_status(method: Method, site: str) -> str:
    if method.tubes_intact or not method.interrupts:
        return "not applicable"
    return site_risk(site).neuroma_status


def _indication(
    procedure: Procedure,
    method: Method,
    fit: Any,
    t: FloatArray,
    treated: BoolArray,
    function: FloatArray,
    pain: FloatArray,
    failure: float,
    site: str,
) -> Indication:
    measure = "pain" if procedure.goal == "pain_relief" else "function"
    rows = function[treated] if measure == "function" else pain[treated]
    sources = tuple(fit.fitted_to) if fit is not None else ()
    if measure == "function" and fit is not None and fit.indication:
        # the share of patients in whom the indication is present: the fitted failures and recurrences
        _, recur = _failure_recurrence(fit, t)
        values = 1.0 - (1.0 - failure) * (1.0 - recur)
        return Indication(procedure.goal, fit.indication, tuple(procedure.treats), values, sources)
    if rows.size:
        values = np.asarray(rows.mean(axis=0), dtype=np.float64)
    elif not method.interrupts:
        # a decompression takes nothing away: the indication is relieved in all but the fitted failures
        values = np.full_like(t, failure if measure == "pain" else 1.0)
    else:
        values = np.full_like(t, np.nan)
    if fit is None and method.interrupts and method.tubes_intact:
        fitted = course(method.key, site)
        sources = tuple(fitted.fitted_to) if fitted is not None else ()
    return Indication(procedure.goal, measure, tuple(procedure.treats), values, sources)
