"""Agent-based model of growth cones at the proximal stump after a nerve is interrupted.

Why: the neuroma risk in :mod:`neurectomy.regrowth.kinetics` is a single number per method. This model shows the
mechanism behind it — channelled regrowth when the basal lamina tubes survive, wandering, branching and coiling in
scar when they are severed — and how each end treatment changes it, so researchers can sweep it.

Geometry (2-D, millimetres, days). The proximal nerve lies along ``x < 0``, ``|y| <= r``; its cut end is at the
origin. The distal stump lies at ``x >= gap``, ``|y| <= r``; its targets are ``distance`` further on.

Rules, applied every step of ``dt`` days to every live growth cone (the same in the Mesa baseline,
``benchmarks/mesa_stump.py``):

1. **Move.** A cone in a tube (*channelled*) advances along it at the sourced regrowth rate
   (``method.regrowth_rate``: 1.4 mm/day E151 after a neurolytic block, 1 mm/day E077 after a cut), with speed noise.
   A *free* cone (in scar) turns its heading by a Gaussian angle (direction noise: coiling), may be pulled toward the
   distal stump by a neurotrophic factor (concentration ``1 / (1 + (d / range)^2)`` at distance ``d``: the heading
   gains ``gain * dt * range^3 * (dx, dy) / (range^2 + d^2)^2`` and is renormalised; the gain is calibrated to 0, see
   below), and advances at a slower scar speed; it cannot grow back into the proximal nerve (reflected).
2. **Capture.** A channelled cone that has gone ``distance`` past the gap reaches its targets. A free cone inside
   the distal stump enters a tube with a probability (calibrated to 0: see below). A free cone inside a capture
   target (TMR: the coapted motor nerve; RPNI: the muscle graft around the end) reinnervates that muscle with a
   rate: it reaches a target and stops.
3. **Branch.** A free cone branches with a per-day rate (scar cues), up to ``max_cones`` cones per axon; the
   new cone starts at the branch point with a deflected heading.
4. **Sprout.** After its latency, each axon that is not sealed sprouts one growth cone at its end (exponential
   waiting time). The latency is the kinetics' for the same method (:func:`~neurectomy.regrowth.kinetics.
   method_parameters`: Wallerian degeneration after a cut; after a block the fitted median latency at a peripheral
   site, with the fitted log-normal spread, :func:`~neurectomy.regrowth.kinetics.method_spread`). The spread is
   between patients in the kinetics; the stump draws it per axon (``latency * exp(spread * z)``), so its fraction
   reached is the kinetics' average over patients (a shortcut: no row measures the spread within one nerve; the
   fraction of non-responders is not modelled here). With the tubes intact every sprout is channelled; with the
   tubes severed only the *aligned* axons' sprouts are (a fraction ``aligned``, the kinetics' reconnection ceiling
   for the same method and end treatment: 0.1 after a cut, 0.05 after a resection, 0 where the end treatment stops
   regrowth), the others grow free in scar.

Calibration to the kinetics (:mod:`neurectomy.regrowth.kinetics`, checked by ``tests/test_stump_calibration.py``):
the fraction of axons reaching their distal targets is the kinetics' reconnected fraction for the same method and
end treatment (aligned axons are channelled; free cones never find a distal tube), so a plain cut reaches 10%, not
the 78% at one year and 99% at two that a wandering search gave; the neuroma index rises like the kinetics'
cumulative neuroma risk (branching rate); and an end treatment changes the neuroma index at one year by the
kinetics' relative risk: none for cautery, capping, burying and traction (no proven effect, E134), TMR's 0.284
(E068 against E132-E135, a cross-study estimate), RPNI inside its 0.29-1 interval (capture rates). RPNI's kinetics
value is 1 (no proven effect): the stump's lower index for RPNI shows the mechanism the graft is meant to have, not a
measured reduction (:func:`neuroma_comparison` says so beside the output).

New cones (branches, sprouts) move from the next step. End treatments are boundary conditions (:data:`END_EFFECTS`):
burying moves the end into muscle 3 cm away from the distal stump; traction lets the end retract (a longer gap);
TMR and RPNI give a nearby muscle target that captures cones. Where a treatment stops regrowth through the cut end
(``EndTreatment.stops_regrowth``: cautery, the seed's claim; capping, TMR, RPNI) no axon is aligned, as in the
kinetics. Cautery and capping have no capture target and no proven effect on neuroma (E134, relative risk 1): the
axons a plain cut would align are stopped at the sealed end (``seal``: the plain cut's ceiling) and the rest sprout
into scar as after a plain cut, so the neuroma index is a plain cut's — no reconnection to the distal tubes is not
no disorganised sprouting into scar. Feeling that returns after a cut by collateral sprouting of neighbouring nerves
(:data:`~neurectomy.regrowth.kinetics.COLLATERAL`) is not at the stump and not in this model. End treatments
act only where the tubes are severed; with intact tubes they are ignored. A gap (resection: 2 cm) is crossed by the
aligned axons only.

Engines (``engine=``): ``"numba"`` (default when Numba is installed: one compiled loop, replicates on threads) and
``"numpy"`` (vectorised over cones). They follow the same rules and agree in distribution, not draw for draw; each
is deterministic for a seed. Gaussian turning angles are drawn by inverse transform from tabulated quantiles
(:class:`StepConstants`) in every implementation, the Mesa baseline included.

Outputs over time: the fraction of axons with at least one cone at a target, the **neuroma index** (free cone tips
plus branch points within ``neuroma_radius`` of the end, per axon, on the day: disorganised axonal material at the
stump) and the number of growth cones sprouted so far (primary sprouts plus branches). The index is a count on the
day, not cumulative: after about a year it falls in this model because branching stops at ``max_cones`` per axon
while free tips keep wandering out of the neuroma radius. That fall is the model's geometry, not a falling risk: the
kinetics' cumulative neuroma risk (:func:`kinetics_neuroma_risk`) is printed beside it.

Every number is a :class:`~neurectomy.methods.Param` with a source: an evidence id or ``estimate: <reason>``.

>>> r = simulate_stump("cryoneurolysis", n_axons=200, days=150, rng=1)
>>> bool(r.reached[-1] > 0.8), float(r.neuroma[-1])
(True, 0.0)
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from neurectomy.methods import EndTreatment, Method, Param, get_end_treatment, get_method
from neurectomy.rng import check_random_state, kernel_seeds

FloatArray = npt.NDArray[np.float64]

# --- model parameters ------------------------------------------------------------------------------------------
NERVE_RADIUS = Param(1.0, "mm", "estimate: a small peripheral nerve is about 2 mm across")
CUT_GAP = Param(5.0, "mm", "estimate: the ends of a divided nerve retract a few millimetres")
RESECTION_GAP = Param(20.0, "mm", "estimate: a resected segment of about 2 cm")
TARGET_DISTANCE = Param(
    30.0, "mm", "estimate: default distance from the lesion to the distal targets; pass the atlas distance instead"
)
SCAR_SPEED = Param(0.3, "fraction of the regrowth rate", "estimate: scar impedes cones; no figure in the table")
TURN_NOISE = Param(2.0, "rad/sqrt(day)", "estimate: cones in scar turn often and coil; illustrative")
TUBE_SPEED_NOISE = Param(0.1, "coefficient of variation", "estimate: E151 gives the rate as 1.4 ± 0.1 mm/day")
INITIAL_HEADING = Param(0.3, "rad (s.d.)", "estimate: sprouts leave the stump roughly along the nerve axis")
TROPIC_BIAS = Param(
    0.0,
    "per day",
    "estimate: calibrated to the kinetics: no pull toward the distal stump; cones in scar do not reconnect "
    "(DISTAL_ENTRY), so a pull would "
    "only carry them away from the end and make the neuroma depend on whether the distal stump is reachable, "
    "which the kinetics (and E134) do not support",
)
TROPIC_RANGE = Param(3.0, "mm", "estimate: the factor's concentration halves a few mm from the distal stump")
TURN_TABLE_SIZE = 4096  # Gaussian turning angles are drawn by inverse transform from this many quantiles
DISTAL_ENTRY = Param(
    0.0,
    "probability per step",
    "estimate: calibrated to the kinetics: a cone wandering in scar does not find a distal tube; distal reconnection "
    "is the kinetics' "
    "ceiling (aligned axons, rule 4), so the stump agrees with neurectomy.regrowth.kinetics",
)
BRANCH_RATE = Param(
    0.012,
    "per day",
    "estimate: calibrated to the kinetics: the plain cut's neuroma index (its running maximum) rises like the "
    "kinetics' cumulative neuroma "
    "risk (onset 180 days), within 0.15 of it from 30 days to 2 years",
)
BRANCH_ANGLE = Param(0.8, "rad (s.d.)", "estimate: a branch leaves at a moderate angle")
MAX_CONES = Param(16.0, "cones per axon", "estimate: caps branching (and memory); a neuroma holds several per axon")
SPROUT_TIME = Param(3.0, "days", "estimate: axons sprout within days once Wallerian degeneration is over")
NEUROMA_RADIUS = Param(3.0, "mm", "estimate: a bulbous end neuroma is a few millimetres across")


@dataclass(frozen=True, slots=True)
class CaptureTarget:
    """A muscle target near the stump (TMR, RPNI): a disc that captures free cones at a rate."""

    x_mm: Param
    y_mm: Param
    radius_mm: Param
    rate_per_day: Param


_NO = "estimate: no effect (this treatment does not act on it)"
TMR_CAPTURE = 0.023  # per day; calibrated (see END_EFFECTS)
RPNI_CAPTURE = 0.007  # per day; calibrated (see END_EFFECTS)


@dataclass(frozen=True, slots=True)
class EndEffect:
    """The boundary conditions one end treatment imposes on the stump model."""

    seal: Param = field(default_factory=lambda: Param(0.0, "fraction of axons", _NO))
    branch_factor: Param = field(default_factory=lambda: Param(1.0, "factor", _NO))
    turn_factor: Param = field(default_factory=lambda: Param(1.0, "factor", _NO))
    extra_gap_mm: Param = field(default_factory=lambda: Param(0.0, "mm", _NO))
    target: CaptureTarget | None = None
    #: the end is sealed against regrowth through it (cautery, capping: ``EndTreatment.stops_regrowth`` with no
    #: capture target): the axons a plain cut would align stop at the end instead of sprouting
    stops_at_end: bool = False


_NO_PROVEN = "no proven effect on neuroma (E134, methods.END_TREATMENTS): the neuroma index is left as after a cut"

END_EFFECTS: dict[str, EndEffect] = {
    # cautery and capping stop regrowth through the cut end (cautery: seed sentence 21, the seed's claim; capping:
    # the cap's mechanism): the axons a plain cut would align are stopped at the end (stops_at_end), and with no
    # proven effect on neuroma (E134, relative risk 1) the others sprout and branch as after a plain cut
    "cautery": EndEffect(
        seal=Param(0.0, "fraction of axons", _NO_PROVEN + " (besides the axons stopped at the end)"),
        stops_at_end=True,
    ),
    "capping": EndEffect(
        seal=Param(0.0, "fraction of axons", _NO_PROVEN + " (besides the axons stopped at the end)"),
        branch_factor=Param(1.0, "factor", _NO_PROVEN),
        stops_at_end=True,
    ),
    "burying_in_muscle": EndEffect(
        branch_factor=Param(1.0, "factor", _NO_PROVEN + " (E064, E066: burying changed pain little)"),
        turn_factor=Param(1.0, "factor", _NO_PROVEN),
        extra_gap_mm=Param(30.0, "mm", "estimate: the end is transposed a few cm away, into a muscle"),
    ),
    "traction": EndEffect(
        branch_factor=Param(1.0, "factor", _NO_PROVEN + " (E130: 42% recurrent neuroma pain)"),
        extra_gap_mm=Param(20.0, "mm", "estimate: the pulled nerve retracts a few cm into deep tissue"),
    ),
    "tmr": EndEffect(
        target=CaptureTarget(
            Param(1.0, "mm", "estimate: the motor nerve is coapted end to end"),
            Param(0.0, "mm", "estimate: coaptation on the nerve axis"),
            Param(1.5, "mm", "estimate: the coapted motor nerve end (about the nerve's size)"),
            Param(
                TMR_CAPTURE,
                "per day",
                "estimate: calibrated to the kinetics: the neuroma index at 1 year is TMR's relative risk (0.284, "
                "E068 against E132-E135) "
                "times a plain cut's",
            ),
        ),
    ),
    "rpni": EndEffect(
        target=CaptureTarget(
            Param(0.0, "mm", "estimate: the graft is wrapped around the end"),
            Param(0.0, "mm", "estimate: the graft is wrapped around the end"),
            Param(2.5, "mm", "estimate: a free muscle graft of a few mm around the end"),
            Param(
                RPNI_CAPTURE,
                "per day",
                "estimate: calibrated to the kinetics: the neuroma index at 1 year lies inside RPNI's relative-risk "
                "interval (0.29-1: no "
                "proven prophylactic effect, E069 the most favourable reading)",
            ),
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class StumpRules:
    """The resolved numbers one run uses (shared by every engine and the Mesa baseline)."""

    method: str
    end_treatments: tuple[str, ...]
    tubes_intact: bool
    rate: float
    latency: float
    nerve_radius: float
    gap: float
    distance: float
    scar_speed: float
    turn_noise: float
    tube_speed_noise: float
    initial_heading: float
    tropic_bias: float
    tropic_range: float
    distal_reachable: bool
    distal_entry: float
    branch_rate: float
    branch_angle: float
    max_cones: int
    sprout_time: float
    seal: float
    aligned: float
    neuroma_radius: float
    targets: tuple[tuple[float, float, float, float], ...]  # (x, y, radius, rate per day)
    latency_spread: float = 0.0  # log-normal sigma of the latency, drawn per axon (0: every axon the same)


def _as_method(method: Method | str) -> Method:
    return get_method(method) if isinstance(method, str) else method


def _as_end_treatments(end_treatments: Iterable[EndTreatment | str]) -> tuple[EndTreatment, ...]:
    return tuple(get_end_treatment(e) if isinstance(e, str) else e for e in end_treatments)


def stump_rules(
    method: Method | str,
    end_treatments: Sequence[EndTreatment | str] = (),
    *,
    gap_mm: float | None = None,
    distance_mm: float | None = None,
) -> StumpRules:
    """Resolve a method and end treatments into the numbers the model runs on.

    >>> r = stump_rules("cut", ["cautery"])
    >>> round(r.seal, 9), r.aligned, stump_rules("cut").aligned, stump_rules("resection").gap
    (0.1, 0.0, 0.1, 20.0)
    >>> p = stump_rules("phenol"); round(p.latency, 1), round(p.latency_spread, 2)
    (42.5, 1.35)
    """
    m = _as_method(method)
    if not m.interrupts or m.regrowth_rate is None:
        raise ValueError(f"{m.key}: no axons are interrupted and regrow, so there is no stump to simulate")
    ends = _as_end_treatments(end_treatments) if not m.tubes_intact else ()
    effects = [END_EFFECTS[e.key] for e in ends]
    if m.tubes_intact:
        gap = 0.0
    elif gap_mm is not None:
        gap = gap_mm
    else:
        gap = RESECTION_GAP.value if m.key == "resection" else CUT_GAP.value
    gap += sum(e.extra_gap_mm.value for e in effects)
    seal = 1.0 - math.prod(1.0 - e.seal.value for e in effects)
    from neurectomy.regrowth.kinetics import method_parameters, method_spread

    params = method_parameters(m, ends)
    aligned = 1.0 if m.tubes_intact else params["ceiling"]
    if any(e.stops_at_end for e in effects) and not any(e.target is not None for e in effects):
        # the axons a plain cut would align stop at the sealed end; the others sprout into scar as after a plain cut
        seal = 1.0 - (1.0 - seal) * (1.0 - method_parameters(m)["ceiling"])
    return StumpRules(
        method=m.key,
        end_treatments=tuple(e.key for e in ends),
        tubes_intact=m.tubes_intact,
        rate=m.regrowth_rate.value,
        latency=params["latency_days"],
        nerve_radius=NERVE_RADIUS.value,
        gap=gap,
        distance=TARGET_DISTANCE.value if distance_mm is None else distance_mm,
        scar_speed=SCAR_SPEED.value,
        turn_noise=TURN_NOISE.value * math.prod(e.turn_factor.value for e in effects),
        tube_speed_noise=TUBE_SPEED_NOISE.value,
        initial_heading=INITIAL_HEADING.value,
        tropic_bias=TROPIC_BIAS.value,
        tropic_range=TROPIC_RANGE.value,
        distal_reachable=not any(e.stops_regrowth for e in ends),
        distal_entry=DISTAL_ENTRY.value,
        branch_rate=BRANCH_RATE.value * math.prod(e.branch_factor.value for e in effects),
        branch_angle=BRANCH_ANGLE.value,
        max_cones=int(MAX_CONES.value),
        sprout_time=SPROUT_TIME.value,
        seal=seal,
        aligned=aligned,
        neuroma_radius=NEUROMA_RADIUS.value,
        targets=tuple(
            (e.target.x_mm.value, e.target.y_mm.value, e.target.radius_mm.value, e.target.rate_per_day.value)
            for e in effects
            if e.target is not None
        ),
        latency_spread=method_spread(m),
    )


def kinetics_neuroma_risk(rules: StumpRules, days: npt.ArrayLike) -> FloatArray:
    """The kinetics' cumulative neuroma risk for the same method and end treatments at a peripheral site, by day
    (:mod:`neurectomy.regrowth.kinetics`; 0 where the tubes are intact): what the neuroma index is *not*."""
    from neurectomy.methods import neuroma_risk
    from neurectomy.regrowth.kinetics import NEUROMA_ONSET

    risk = neuroma_risk(get_method(rules.method), _as_end_treatments(rules.end_treatments))
    t = np.asarray(days, dtype=np.float64)
    return np.asarray(risk * (1.0 - np.exp(-t / NEUROMA_ONSET.value)), dtype=np.float64)


def neuroma_comparison(rules: StumpRules) -> list[str]:
    """Per end treatment, what the kinetics say of its effect on the neuroma (relative risk and interval, or no
    proven effect), so a lower or equal stump index is not read as a measured effect."""
    out: list[str] = []
    for e in _as_end_treatments(rules.end_treatments):
        lo, hi = e.neuroma_factor.interval
        rr = f"relative risk {e.neuroma_factor.value:g}" + (f", interval {lo:g}-{hi:g}" if lo != hi else "")
        if e.effect == "no proven effect":
            line = f"{e.key}: no proven effect on neuroma in the kinetics ({rr})"
            if END_EFFECTS[e.key].target is not None:
                line += (
                    "; this model's capture rate is set inside that interval, so its lower neuroma index shows "
                    "the mechanism the graft is meant to have, not a measured reduction"
                )
        else:
            line = (
                f"{e.key}: {rr} in the kinetics, an estimate ({e.neuroma_factor.source.split(':')[0]}; see "
                "neurectomy.methods.END_TREATMENTS for how it was compared)"
            )
        if e.stops_regrowth:
            line += "; no fibre regrows through the cut end"
        out.append(line)
    return out


@dataclass(frozen=True)
class StepConstants:
    """Per-step numbers derived from the rules and ``dt`` (shared by every engine and the Mesa baseline).

    Turning angles are Gaussian, drawn by inverse transform: a uniform ``u`` picks quantile ``floor(u * K)`` of
    ``K`` tabulated quantiles (``turn_cos``/``turn_sin``), so a turn costs one uniform and two look-ups.
    """

    dt: float
    v_scar: float
    v_tube: float
    pull: float  # gain * dt * range^3: the pull vector is pull * (dx, dy) / (range^2 + d^2)^2
    range2: float
    end_x: float
    p_entry: float
    p_branch: float
    p_sprout: float
    r_neuroma2: float
    targets: tuple[tuple[float, float, float, float], ...]  # (x, y, radius^2, probability per step)
    turn_cos: FloatArray
    turn_sin: FloatArray
    branch_cos: FloatArray
    branch_sin: FloatArray


@functools.cache
def _quantiles(sd: float) -> FloatArray:
    """The ``K`` mid-quantiles of N(0, sd^2): a uniform ``u`` gives the draw ``q[floor(u * K)]``."""
    nd = statistics.NormalDist()
    k = TURN_TABLE_SIZE
    q = np.array([nd.inv_cdf((j + 0.5) / k) for j in range(k)]) * sd
    q.setflags(write=False)
    return q


@functools.cache
def _angle_table(sd: float) -> tuple[FloatArray, FloatArray]:
    """cos and sin of the ``K`` mid-quantiles of N(0, sd^2)."""
    q = _quantiles(sd)
    c, s = np.cos(q), np.sin(q)
    c.setflags(write=False)
    s.setflags(write=False)
    return c, s


def step_constants(rules: StumpRules, dt: float) -> StepConstants:
    """The per-step probabilities, distances and turning tables for a time step of ``dt`` days."""
    turn_cos, turn_sin = _angle_table(rules.turn_noise * math.sqrt(dt))
    branch_cos, branch_sin = _angle_table(rules.branch_angle)
    return StepConstants(
        dt=dt,
        v_scar=rules.rate * rules.scar_speed * dt,
        v_tube=rules.rate * dt,
        pull=rules.tropic_bias * dt * rules.tropic_range**3 if rules.distal_reachable else 0.0,
        range2=rules.tropic_range**2,
        end_x=rules.gap + rules.distance,
        p_entry=rules.distal_entry if rules.distal_reachable else 0.0,
        p_branch=1.0 - math.exp(-rules.branch_rate * dt),
        p_sprout=1.0 - math.exp(-dt / rules.sprout_time) if rules.sprout_time > 0 else 1.0,
        r_neuroma2=rules.neuroma_radius**2,
        targets=tuple((tx, ty, tr * tr, 1.0 - math.exp(-k * dt)) for tx, ty, tr, k in rules.targets),
        turn_cos=turn_cos,
        turn_sin=turn_sin,
        branch_cos=branch_cos,
        branch_sin=branch_sin,
    )


@dataclass(frozen=True)
class StumpResult:
    """Arrays over (..., time): ``(T,)`` for one run, ``(replicates, T)`` from :func:`simulate_many`.

    ``reached``: fraction of axons with a cone at a target (distal targets or a TMR/RPNI muscle);
    ``neuroma``: neuroma index (free tips plus branch points within ``neuroma_radius`` of the end, per axon);
    ``sprouts``: growth cones sprouted so far (primary sprouts plus branches); ``active``: live cones.
    ``agent_steps``: cone moves performed (the unit of work for benchmarks).
    """

    days: FloatArray
    reached: FloatArray
    neuroma: FloatArray
    sprouts: FloatArray
    active: FloatArray
    n_axons: int
    agent_steps: int
    rules: StumpRules

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the one serialisation path for CLI, API and files)."""
        return {
            "method": self.rules.method,
            "end_treatments": list(self.rules.end_treatments),
            "n_axons": self.n_axons,
            "gap_mm": self.rules.gap,
            "distance_mm": self.rules.distance,
            "agent_steps": self.agent_steps,
            "days": self.days.tolist(),
            "reached": np.round(self.reached, 4).tolist(),
            "neuroma_index": np.round(self.neuroma, 4).tolist(),
            "kinetics_neuroma_risk": np.round(kinetics_neuroma_risk(self.rules, self.days), 4).tolist(),
            "end_treatment_evidence": neuroma_comparison(self.rules),
            "sprouts": self.sprouts.astype(np.int64).tolist(),
            "active": self.active.astype(np.int64).tolist(),
        }


def _run_numpy(
    rules: StumpRules, n_axons: int, replicates: int, steps: int, dt: float, gen: np.random.Generator
) -> dict[str, Any]:
    """The vectorised NumPy engine: live cones in flat arrays, replicates as blocks of axons."""
    R, N, T = replicates, n_axons, steps + 1
    n_total = R * N
    c = step_constants(rules, dt)
    r = rules.nerve_radius
    K = TURN_TABLE_SIZE

    u_axon = gen.random(n_total)
    sealed = u_axon < rules.seal
    aligned = ~sealed & (u_axon < rules.seal + (1.0 - rules.seal) * rules.aligned)
    if rules.latency_spread > 0:
        q = _quantiles(1.0)
        z = q[(gen.random(n_total) * K).astype(np.intp)]
        latency = rules.latency * np.exp(rules.latency_spread * z)
    else:
        latency = np.full(n_total, rules.latency)
    first = float(latency.min()) if n_total else math.inf
    sprouted = np.zeros(n_total, dtype=bool)
    reached = np.zeros(n_total, dtype=bool)
    created = np.zeros(n_total, dtype=np.int64)
    branch_pts = np.zeros(R, dtype=np.int64)
    n_sprouts = np.zeros(R, dtype=np.int64)

    x = np.empty(0)
    y = np.empty(0)
    hx = np.empty(0)
    hy = np.empty(0)
    ch = np.empty(0, dtype=bool)
    axon = np.empty(0, dtype=np.int64)

    out = np.zeros((4, R, T))
    agent_steps = 0

    for k in range(1, T):
        t = k * dt
        n = x.size
        agent_steps += n
        if n:
            # 1. move: channelled cones along their tube, free cones turn, are pulled and step
            free = ~ch
            speed = np.maximum(1.0 + rules.tube_speed_noise * gen.standard_normal(n), 0.0)
            j = (gen.random(n) * K).astype(np.intp)
            cs, sn = c.turn_cos[j], c.turn_sin[j]
            fx, fy = cs * hx - sn * hy, sn * hx + cs * hy
            if c.pull > 0:
                dx, dy = rules.gap - x, -y
                sd = c.range2 + dx * dx + dy * dy
                w = c.pull / (sd * sd)
                fx, fy = fx + w * dx, fy + w * dy
                norm = np.sqrt(fx * fx + fy * fy)
                fx, fy = fx / norm, fy / norm
            nx, ny = x + c.v_scar * fx, y + c.v_scar * fy
            back = (nx < 0.0) & (np.abs(ny) <= r)
            nx = np.where(back, -nx, nx)
            fx = np.where(back, -fx, fx)
            x = np.where(ch, x + c.v_tube * speed, nx)
            y = np.where(ch, y, ny)
            hx = np.where(ch, hx, fx)
            hy = np.where(ch, hy, fy)
            # 2. capture: targets reached, distal tubes entered, TMR/RPNI muscle reinnervated
            u = gen.random(n)
            arrived = ch & (x >= c.end_x)
            if c.p_entry > 0:
                enter = free & (x >= rules.gap) & (np.abs(y) <= r) & (u < c.p_entry)
                ch = ch | enter
                free = free & ~enter
            for cx, cy, cr2, cp in c.targets:
                arrived |= free & (((x - cx) ** 2 + (y - cy) ** 2) <= cr2) & (u < cp)
            if arrived.any():
                reached[axon[arrived]] = True
                keep = ~arrived
                x, y, hx, hy, ch, axon, free = x[keep], y[keep], hx[keep], hy[keep], ch[keep], axon[keep], free[keep]
            # 3. branch (free cones), at most max_cones cones per axon
            cand = np.flatnonzero(free & (gen.random(x.size) < c.p_branch))
            if cand.size:
                a = axon[cand]
                order = np.argsort(a, kind="stable")
                cand, a = cand[order], a[order]
                rank = np.arange(a.size) - np.searchsorted(a, a, side="left")
                ok = created[a] + rank < rules.max_cones
                cand, a = cand[ok], a[ok]
                if cand.size:
                    np.add.at(created, a, 1)
                    bx, by = x[cand], y[cand]
                    inside = (bx * bx + by * by) <= c.r_neuroma2
                    branch_pts += np.bincount(a[inside] // N, minlength=R)
                    n_sprouts += np.bincount(a // N, minlength=R)
                    jb = (gen.random(cand.size) * K).astype(np.intp)
                    bc, bs = c.branch_cos[jb], c.branch_sin[jb]
                    px, py = hx[cand], hy[cand]
                    x = np.concatenate([x, bx])
                    y = np.concatenate([y, by])
                    hx = np.concatenate([hx, bc * px - bs * py])
                    hy = np.concatenate([hy, bs * px + bc * py])
                    ch = np.concatenate([ch, np.zeros(cand.size, dtype=bool)])
                    axon = np.concatenate([axon, a])
        # 4. sprout at the end after each axon's latency
        if t >= first:
            new = np.flatnonzero((t >= latency) & ~sprouted & ~sealed & (gen.random(n_total) < c.p_sprout))
            if new.size:
                sprouted[new] = True
                created[new] += 1
                n_sprouts += np.bincount(new // N, minlength=R)
                ang = rules.initial_heading * gen.standard_normal(new.size)
                x = np.concatenate([x, np.zeros(new.size)])
                y = np.concatenate([y, gen.uniform(-r, r, new.size)])
                hx = np.concatenate([hx, np.cos(ang)])
                hy = np.concatenate([hy, np.sin(ang)])
                ch = np.concatenate([ch, aligned[new] | rules.tubes_intact])
                axon = np.concatenate([axon, new])
        # record
        rep = axon // N
        tips = ~ch & ((x * x + y * y) <= c.r_neuroma2)
        out[0, :, k] = np.bincount(np.flatnonzero(reached) // N, minlength=R) / N
        out[1, :, k] = (branch_pts + np.bincount(rep[tips], minlength=R)) / N
        out[2, :, k] = n_sprouts
        out[3, :, k] = np.bincount(rep, minlength=R)
    return {"reached": out[0], "neuroma": out[1], "sprouts": out[2], "active": out[3], "agent_steps": agent_steps}


def _run_numba(
    rules: StumpRules,
    n_axons: int,
    replicates: int,
    steps: int,
    dt: float,
    gen: np.random.Generator,
    threads: int | None = None,
) -> dict[str, Any]:
    """The Numba engine (:mod:`neurectomy.regrowth._stump_kernel`): the same rules, compiled, replicates in
    parallel, each with its own stream of :mod:`neurectomy.regrowth._random` seeded from ``gen``."""
    from neurectomy.regrowth import _stump_kernel

    c = step_constants(rules, dt)
    seeds = kernel_seeds(gen, replicates)
    targets = np.array(c.targets, dtype=np.float64).reshape(-1, 4)
    f = np.array(
        [
            rules.nerve_radius,
            rules.gap,
            c.end_x,
            c.v_scar,
            c.v_tube,
            rules.tube_speed_noise,
            rules.initial_heading,
            c.pull,
            c.range2,
            c.p_entry,
            c.p_branch,
            c.p_sprout,
            c.r_neuroma2,
            rules.aligned,
            rules.latency_spread,
        ],
        dtype=np.float64,
    )
    out = np.zeros((4, replicates, steps + 1))
    moves = _stump_kernel.run(
        seeds,
        steps,
        n_axons,
        rules.tubes_intact,
        rules.max_cones,
        rules.latency,
        dt,
        rules.seal,
        f,
        targets,
        _quantiles(1.0),
        c.turn_cos,
        c.turn_sin,
        c.branch_cos,
        c.branch_sin,
        out,
        threads,
    )
    return {"reached": out[0], "neuroma": out[1], "sprouts": out[2], "active": out[3], "agent_steps": int(moves)}


def has_numba() -> bool:
    """Whether the Numba engine is available (it is the default when it is)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


Engine = Literal["auto", "numba", "numpy"]


def simulate_many(
    method: Method | str,
    end_treatments: Sequence[EndTreatment | str] = (),
    *,
    replicates: int = 10,
    n_axons: int = 1000,
    days: float = 180.0,
    dt: float = 1.0,
    gap_mm: float | None = None,
    distance_mm: float | None = None,
    rng: Any = None,
    engine: Engine = "auto",
    threads: int | None = None,
) -> StumpResult:
    """Independent replicates in one run; result arrays are ``(replicates, T)``.

    ``engine``: ``"numba"`` (compiled; replicates run on ``threads`` threads, default all usable CPUs, with the
    same result for any thread count), ``"numpy"`` (vectorised over cones; no compiler needed) or ``"auto"``
    (Numba when installed). The engines follow the same rules and agree in distribution, not draw for draw.

    >>> simulate_many("cut", replicates=3, n_axons=50, days=30, rng=0).reached.shape
    (3, 31)
    """
    if n_axons < 1 or replicates < 1 or days < 0 or dt <= 0:
        raise ValueError("n_axons and replicates must be >= 1, days >= 0 and dt > 0")
    rules = stump_rules(method, end_treatments, gap_mm=gap_mm, distance_mm=distance_mm)
    steps = round(days / dt)
    if engine == "auto":
        engine = "numba" if has_numba() else "numpy"
    gen = check_random_state(rng)
    if engine == "numba":
        out = _run_numba(rules, n_axons, replicates, steps, dt, gen, threads)
    elif engine == "numpy":
        out = _run_numpy(rules, n_axons, replicates, steps, dt, gen)
    else:
        raise ValueError(f"engine must be 'auto', 'numba' or 'numpy', not {engine!r}")
    return StumpResult(
        days=np.arange(steps + 1, dtype=np.float64) * dt,
        reached=out["reached"],
        neuroma=out["neuroma"],
        sprouts=out["sprouts"],
        active=out["active"],
        n_axons=n_axons,
        agent_steps=out["agent_steps"],
        rules=rules,
    )


def simulate_stump(
    method: Method | str,
    end_treatments: Sequence[EndTreatment | str] = (),
    *,
    n_axons: int = 1000,
    days: float = 180.0,
    dt: float = 1.0,
    gap_mm: float | None = None,
    distance_mm: float | None = None,
    rng: Any = None,
    engine: Engine = "auto",
) -> StumpResult:
    """One stump of ``n_axons`` axons over ``days``; result arrays are ``(T,)`` with ``T = days/dt + 1``.

    ``method``/``end_treatments`` are objects from :mod:`neurectomy.methods` or their names; ``rng`` is None, an int
    seed or a ``numpy.random.Generator`` (same seed, same result).
    """
    res = simulate_many(
        method,
        end_treatments,
        replicates=1,
        n_axons=n_axons,
        days=days,
        dt=dt,
        gap_mm=gap_mm,
        distance_mm=distance_mm,
        rng=rng,
        engine=engine,
    )
    return StumpResult(
        days=res.days,
        reached=res.reached[0],
        neuroma=res.neuroma[0],
        sprouts=res.sprouts[0],
        active=res.active[0],
        n_axons=n_axons,
        agent_steps=res.agent_steps,
        rules=res.rules,
    )
