"""Monte Carlo cohorts and parameter sweeps over the regrowth kinetics, chunked and distributed with Dask.

Each simulated patient gets a scenario (nerve, cut, method, end treatment), an age, a body-size factor scaling the
fibre length from the cut to a target the cut denervates, a regrowth rate, and random event times for a painful
neuroma and for deafferentation pain. Patients are simulated in chunks by one compiled loop
(:mod:`~neurectomy.regrowth._cohort_kernel`). A cohort is one random stream drawn from ``rng`` (None | int |
``numpy.random.Generator``, :func:`neurectomy.rng.check_random_state`) in which every patient has a fixed place, so
the result is the same whatever the chunk size and whether chunks run inline, on a local Dask cluster (the default
for large runs) or on a remote scheduler (``scheduler="tcp://host:8786"``).

File output (Parquet, CSV, charts) is not done here: see :func:`neurectomy.plots.write_cohort_outputs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from neurectomy.calibration import Z_NODES
from neurectomy.methods import Param, get_end_treatment, get_method
from neurectomy.regrowth.kinetics import (
    DEAFFERENTATION_ONSET,
    NEUROMA_ONSET,
    method_parameters,
    method_response,
    method_spread,
    parameter_intervals,
)
from neurectomy.rng import kernel_seeds

if TYPE_CHECKING:
    import pandas as pd

    from neurectomy.atlas.graph import Atlas

RATE_RANGE = Param(1.0, "mm/day (lower; upper 2.0)", "E155: regeneration 1-2 mm/day (secondary summary of Seddon)")
RATE_HIGH = 2.0
AGE_SLOWING = Param(
    0.01,
    "fraction per year over 40",
    "estimate: regeneration is slower in older patients (no figure in the evidence table); illustrative",
)
BODY_SIZE_SD = Param(0.1, "relative", "estimate: adult limb lengths vary by about a tenth")
AGE_RANGE = (18, 85)
HORIZONS_DAYS = (365.0, 1826.0)


@dataclass(frozen=True)
class Scenario:
    """One arm of a cohort: a cut and how it is made; ``distances_mm`` are the cut-to-target fibre lengths."""

    name: str
    nerve: str
    method: str
    end_treatments: tuple[str, ...] = ()
    at: str | None = None
    distances_mm: tuple[float, ...] = field(default=())
    overrides: tuple[tuple[str, float], ...] = ()
    site: str | None = None
    #: False where the cut takes no pain-carrying target (a purely motor branch): pain at 1 year is not applicable
    painful: bool = True

    @property
    def neuroma_status(self) -> str:
        """The neuroma status: "rate", "not reported" or "not applicable" (tubes intact; no row at the site)."""
        from neurectomy.regrowth.kinetics import _neuroma_status

        return _neuroma_status(get_method(self.method), self.site or "peripheral")

    def intervals(self) -> dict[str, tuple[float, float, float]]:
        """(low, fitted, high) of each kinetics parameter of this arm (see
        :func:`~neurectomy.regrowth.kinetics.parameter_intervals`)."""
        return parameter_intervals(
            get_method(self.method), [get_end_treatment(e) for e in self.end_treatments], self.site
        )

    def parameters(self) -> dict[str, float]:
        """The kinetics parameters of this arm at its site, with the latency spread between patients
        (``overrides`` replace the method's, for sweeps and parameter draws)."""
        method = get_method(self.method)
        params = method_parameters(method, [get_end_treatment(e) for e in self.end_treatments], self.site)
        params["latency_spread"] = method_spread(method, self.site)
        # the fraction a block relieves at all (1 for a cut): non-responders are in pain at 1 year (review 16,
        # finding 1: the cohort had every RF patient relieved where the fit relieves 58% at the lumbar facets)
        params["response"] = method_response(method, self.site)
        for key, value in self.overrides:
            if key not in params:
                raise KeyError(f"unknown kinetics parameter {key!r}; one of {', '.join(sorted(params))}")
            params[key] = float(value)
        return params


DEFAULT_ARMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cut", "surgical_cut", ()),
    ("cut + cautery", "surgical_cut", ("cautery",)),
    ("cut + TMR", "surgical_cut", ("tmr",)),
    ("phenol", "phenol", ()),
    ("cryoneurolysis", "cryoneurolysis", ()),
    ("radiofrequency", "radiofrequency", ()),
)


def default_scenarios(atlas: Atlas, nerve: str = "sural nerve", at: str | None = None) -> tuple[Scenario, ...]:
    """The same cut made six ways (cut, + cautery, + TMR, phenol, cryo, RF): the comparison researchers ask for."""
    from neurectomy.lesion import Cut, lesion
    from neurectomy.regrowth.kinetics import aimed_at, cut_sites, target_distances

    d = lesion(atlas, Cut(nerve, at=at))
    distances = tuple(sorted(target_distances(atlas, d).values())) or (0.0,)
    site = cut_sites(atlas, d).get(d.cuts[0].nerve_id)
    painful = bool(aimed_at(d.losses).any())
    return tuple(
        Scenario(name, d.cuts[0].nerve_name, m, e, at, distances, site=site, painful=painful)
        for name, m, e in DEFAULT_ARMS
    )


def mark_statuses(summary: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Add ``neuroma_status`` and ``pain_status`` per arm, and blank (NaN) the figures that do not apply: a neuroma
    rate where no row gives one or the tubes are intact, pain at 1 year where the cut takes no pain-carrying target.
    A status other than "rate"/"modelled" is printed instead of a figure (never 0.0%)."""
    out = summary.copy()
    by_name = {s.name: s for s in scenarios}
    out["neuroma_status"] = [by_name[str(n)].neuroma_status for n in out["scenario"]]
    out["pain_status"] = [
        "modelled" if by_name[str(n)].painful else "not applicable (no pain-carrying target)" for n in out["scenario"]
    ]
    for col, status_col, ok in (("neuroma", "neuroma_status", "rate"), ("pain_1y", "pain_status", "modelled")):
        blank = out[status_col] != ok
        for c in [c for c in out.columns if c.startswith(f"{col}_") and c != status_col]:
            out.loc[blank, c] = float("nan")
    return out


COLUMNS = (
    "scenario",
    "age",
    "rate_mm_day",
    "distance_mm",
    "function_1y",
    "function_5y",
    "recovery_day",
    "neuroma",
    "neuroma_day",
    "deafferentation",
    "pain_1y",
)


def _inputs(scenarios: Sequence[Scenario]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    params = [s.parameters() for s in scenarios]
    table = np.array(
        [
            [
                p["rate_mm_day"],
                p["latency_days"],
                p["maturation_days"],
                p["ceiling"],
                p["neuroma"],
                p["deafferentation"],
                p["latency_spread"],
                p["regrowth_pain"],
                p["pain_distance"],
                p["response"],
            ]
            for p in params
        ],
        dtype=np.float64,
    )
    widths = np.array([max(len(s.distances_mm), 1) for s in scenarios], dtype=np.int64)
    dist_table = np.zeros((len(scenarios), int(widths.max())))
    for i, s in enumerate(scenarios):
        dist_table[i, : len(s.distances_mm)] = s.distances_mm
    constants = np.array(
        [
            AGE_RANGE[0],
            AGE_RANGE[1],
            AGE_SLOWING.value,
            RATE_RANGE.value,
            RATE_HIGH,
            BODY_SIZE_SD.value,
            NEUROMA_ONSET.value,
            DEAFFERENTATION_ONSET.value,
            *HORIZONS_DAYS,
            *Z_NODES,
        ]
    )
    return table, dist_table, widths, constants


def _first(first: int) -> int:
    if first < 0:
        raise ValueError("first must be >= 0")
    return int(first)


def simulate_chunk(scenarios: Sequence[Scenario], n: int, rng: Any = None, *, first: int = 0) -> dict[str, np.ndarray]:
    """Patients ``first`` to ``first + n - 1`` of the cohort drawn with ``rng`` (None | int | Generator), as columns.

    An int ``rng`` names one cohort, so consecutive chunks with the same int are the slices of one larger call:

    >>> from neurectomy.regrowth.cohort import Scenario
    >>> arms = [Scenario("cut", "sural nerve", "surgical_cut", distances_mm=(300.0,))]
    >>> whole = simulate_chunk(arms, 6, 7)
    >>> bool((simulate_chunk(arms, 2, 7, first=4)["age"] == whole["age"][4:]).all())
    True
    """
    from neurectomy.regrowth._cohort_kernel import N_COLUMNS, simulate

    table, dist_table, widths, constants = _inputs(scenarios)
    rows = np.empty((n, N_COLUMNS))
    stats = np.zeros((len(scenarios), N_COLUMNS))
    simulate(n, kernel_seeds(rng, 1)[0], _first(first), table, dist_table, widths, constants, rows, stats)
    out: dict[str, np.ndarray] = {name: rows[:, j].astype(np.float32) for j, name in enumerate(COLUMNS)}
    out["scenario"] = rows[:, 0].astype(np.int16)
    out["neuroma"] = rows[:, 7] > 0.5
    out["deafferentation"] = rows[:, 9] > 0.5
    return out


def chunk_statistics(scenarios: Sequence[Scenario], n: int, rng: Any = None, *, first: int = 0) -> np.ndarray:
    """Sufficient statistics per scenario (count; sums and sums of squares of ``STAT_COLUMNS``) of the patients
    :func:`simulate_chunk` would return: what a cohort of millions needs, in constant memory."""
    from neurectomy.regrowth._cohort_kernel import N_COLUMNS, simulate

    table, dist_table, widths, constants = _inputs(scenarios)
    stats = np.zeros((len(scenarios), N_COLUMNS))
    simulate(
        n, kernel_seeds(rng, 1)[0], _first(first), table, dist_table, widths, constants, np.empty((0, N_COLUMNS)), stats
    )
    return stats


STAT_COLUMNS = ("neuroma", "deafferentation", "function_1y", "function_5y", "pain_1y")


def simulate_patient_loop(scenarios: Sequence[Scenario], n: int, rng: Any = None) -> list[dict[str, float]]:
    """The same model one patient at a time in plain Python (the benchmark's baseline; not used elsewhere).

    Plain Python draws from the standard library's generator (seeded from ``rng`` through the one helper): the
    fastest a plain loop can draw, so the baseline is not slowed by NumPy's per-call cost. It agrees with
    :func:`simulate_chunk` in distribution, not draw for draw.
    """
    import math
    import random

    rnd = random.Random(int(kernel_seeds(rng, 1)[0]))
    params = [s.parameters() for s in scenarios]
    out = []
    for _ in range(n):
        i = rnd.randrange(len(scenarios))
        p, s = params[i], scenarios[i]
        age = rnd.uniform(*AGE_RANGE)
        slowing = min(max(1.0 - AGE_SLOWING.value * max(age - 40.0, 0.0), 0.3), 1.0)
        rate = rnd.uniform(RATE_RANGE.value, RATE_HIGH) * slowing if p["rate_mm_day"] > 0 else 0.0
        size = min(max(rnd.gauss(1.0, BODY_SIZE_SD.value), 0.6), 1.4)
        dist = rnd.choice(s.distances_mm or (0.0,)) * size
        latency = p["latency_days"] * math.exp(p["latency_spread"] * rnd.choice(Z_NODES))
        travel = dist / rate if rate > 0 else 0.0
        arrive = latency + travel
        mature = max(p["maturation_days"], 1e-9)

        def recon(t: float, arrive: float = arrive, mature: float = mature, ceiling: float = p["ceiling"]) -> float:
            return ceiling * min(max((t - arrive) / mature, 0.0), 1.0)

        neuroma = rnd.random() < p["neuroma"]
        nday = rnd.expovariate(1.0 / NEUROMA_ONSET.value) if neuroma else math.nan
        deaff = rnd.random() < p["deafferentation"]
        dday = rnd.expovariate(1.0 / DEAFFERENTATION_ONSET.value) if deaff else math.nan
        responder = rnd.random() < p["response"]
        r1 = recon(HORIZONS_DAYS[0])
        event = (neuroma and nday <= HORIZONS_DAYS[0]) or (deaff and dday <= HORIZONS_DAYS[0])
        back = p["regrowth_pain"] > 0 and p["ceiling"] > 0 and HORIZONS_DAYS[0] >= latency + travel * p["pain_distance"]
        out.append(
            {
                "scenario": i,
                "age": age,
                "rate_mm_day": rate,
                "distance_mm": dist,
                "function_1y": r1,
                "function_5y": recon(HORIZONS_DAYS[1]),
                "recovery_day": arrive + mature if p["ceiling"] >= 1 else math.nan,
                "neuroma": neuroma,
                "neuroma_day": nday,
                "deafferentation": deaff,
                "pain_1y": float(event or back or not responder),
            }
        )
    return out


def _chunks(n: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    """(size, first patient) of each chunk."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    for first in range(0, n, chunk_size):
        yield min(chunk_size, n - first), first


def run_chunks(
    func: Callable[..., Any],
    scenarios: Sequence[Scenario],
    n: int,
    *,
    rng: Any = None,
    chunk_size: int = 100_000,
    scheduler: str | None = None,
    backend: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> list[Any]:
    """``func(scenarios, size, seed, first=first)`` over the chunks of ``n`` patients, in chunk order.

    ``rng`` (None | int | Generator) is drawn from once, here, for the cohort's seed; every chunk gets that seed and
    the index of its first patient, so the result depends on ``rng``, ``n`` and the scenarios only, not on
    ``chunk_size`` or where the chunks run.

    ``backend``: ``inline`` (this process), ``local`` (a Dask ``LocalCluster`` of two worker processes), ``auto``
    (inline for a single chunk, local otherwise); ``scheduler`` sends the chunks to an existing Dask cluster.
    ``progress(done, total)`` is called as chunks finish. An existing ``dask.distributed.Client`` may be passed
    as ``client`` to reuse its connection.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not scenarios:
        raise ValueError("give at least one scenario")
    if backend not in ("auto", "inline", "local"):
        raise ValueError(f"backend must be auto, inline or local, not {backend!r}")
    jobs = list(_chunks(n, chunk_size))
    seed = int(kernel_seeds(rng, 1)[0])
    results: list[Any] = [None] * len(jobs)
    if client is None and scheduler is None and (backend == "inline" or (backend == "auto" and len(jobs) == 1)):
        for i, (size, first) in enumerate(jobs):
            results[i] = func(scenarios, size, seed, first=first)
            if progress:
                progress(i + 1, len(jobs))
        return results
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    own = client is None
    if own and scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    if own:
        client = Client(scheduler if scheduler is not None else cluster)  # type: ignore[no-untyped-call]
    try:
        futures = {
            client.submit(func, list(scenarios), size, seed, first=first, pure=False): i
            for i, (size, first) in enumerate(jobs)
        }
        for done, fut in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call]
            results[futures[fut]] = fut.result()
            fut.release()
            if progress:
                progress(done, len(jobs))
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
    return results


def simulate_cohort(n: int, scenarios: Sequence[Scenario], **options: Any) -> pd.DataFrame:
    """Every simulated patient as a row (see :func:`run_chunks` for ``rng``, ``chunk_size``, ``scheduler``,
    ``backend``, ``progress`` and ``client``)."""
    import pandas as pd

    parts = run_chunks(simulate_chunk, scenarios, n, **options)
    frame = pd.concat([pd.DataFrame(p) for p in parts], ignore_index=True)
    frame["scenario"] = pd.Categorical.from_codes(frame["scenario"], categories=[s.name for s in scenarios])
    return frame


def simulate_summary(n: int, scenarios: Sequence[Scenario], **options: Any) -> pd.DataFrame:
    """The per-scenario summary of ``n`` patients in constant memory: chunks return sufficient statistics only."""
    import pandas as pd

    stats = np.sum(run_chunks(chunk_statistics, scenarios, n, **options), axis=0)
    z = 1.959963984540054
    rows = []
    for i, s in enumerate(scenarios):
        count = stats[i, 0]
        row: dict[str, Any] = {"scenario": s.name, "n": int(count)}
        for j, col in enumerate(STAT_COLUMNS):
            total, squares = stats[i, 1 + 2 * j], stats[i, 2 + 2 * j]
            mean = total / count if count else float("nan")
            if col in ("neuroma", "deafferentation"):
                row[f"{col}_rate"], (row[f"{col}_lo"], row[f"{col}_hi"]) = mean, _wilson(total, count, z)
            else:
                var = max(squares / count - mean * mean, 0.0) * count / max(count - 1, 1) if count else 0.0
                half = z * np.sqrt(var / count) if count else float("nan")
                row[f"{col}_mean"], row[f"{col}_lo"], row[f"{col}_hi"] = mean, mean - half, mean + half
        rows.append(row)
    return pd.DataFrame(rows)


#: Parameters drawn from their uncertainty (each from a triangular distribution on its interval, mode the fit).
UNCERTAIN = (
    "latency_days",
    "latency_spread",
    "maturation_days",
    "ceiling",
    "neuroma",
    "deafferentation",
    "response",
)
DRAWS = 40
#: The fewest draws whose 2.5th-97.5th percentiles are an interval, and the fewest patients per arm in one draw for
#: the draw's mean not to be mostly Monte Carlo noise (estimate: at 200 a proportion near 10% has a standard error
#: of about 2 points, below the spread the fits' intervals give the neuroma and pain figures).
MIN_DRAWS = 10
MIN_PER_DRAW = 200
MODEL_INTERVAL = (
    "model uncertainty: 2.5th-97.5th percentile over {draws} draws of the fitted parameters from their intervals "
    "(each draw simulated on about {per_draw:,} patients per arm, whose Monte Carlo noise it includes); the central "
    "figure is the mean over the draws, which differs from the fitted value where an interval is skewed (--fixed "
    "gives the fit)"
)
MC_INTERVAL = (
    "Monte Carlo 95% interval around fixed parameters (--fixed, for teaching): the noise of the simulation, not the "
    "uncertainty of the evidence"
)


def _triangular(lo: float, mode: float, hi: float, u: float) -> float:
    """The ``u`` quantile of the triangular distribution on ``[lo, hi]`` with its mode at ``mode``."""
    if hi <= lo:
        return lo
    c = (mode - lo) / (hi - lo)
    if u < c:
        return lo + float(np.sqrt(u * (hi - lo) * (mode - lo)))
    return hi - float(np.sqrt((1.0 - u) * (hi - lo) * (hi - mode)))


def parameter_draws(scenarios: Sequence[Scenario], draws: int = DRAWS, rng: Any = None) -> tuple[Scenario, ...]:
    """``draws`` copies of the scenarios (draw-major: copy ``k`` of scenario ``i`` is at ``k * len(scenarios) + i``),
    each with the :data:`UNCERTAIN` parameters drawn from a triangular distribution on their interval with the
    fitted value as mode (the intervals are ranges from the evidence, not posteriors: the triangle is a stated
    convention). ``rng``: None | int | Generator."""
    from neurectomy.rng import check_random_state

    if draws < 1:
        raise ValueError("draws must be at least 1")
    gen = check_random_state(rng)
    spans = [s.intervals() for s in scenarios]
    out: list[Scenario] = []
    for k in range(draws):
        for s, span in zip(scenarios, spans, strict=True):
            u = gen.random(len(UNCERTAIN))
            drawn = tuple((key, _triangular(*span[key], float(ui))) for key, ui in zip(UNCERTAIN, u, strict=True))
            out.append(replace(s, name=f"{s.name} #{k}", overrides=s.overrides + drawn))
    return tuple(out)


def combine_draws(per_arm: pd.DataFrame, scenarios: Sequence[Scenario], draws: int) -> pd.DataFrame:
    """One row per scenario from the per-draw summaries of :func:`parameter_draws`' arms: n-weighted means, and
    intervals that are the 2.5th-97.5th percentiles of the draws' means (model uncertainty, labelled in
    ``interval``)."""
    import pandas as pd

    k = len(scenarios)
    rows = []
    for i, s in enumerate(scenarios):
        g = per_arm.iloc[i::k]
        n = float(g["n"].sum())
        w = g["n"].to_numpy(dtype=np.float64) / max(n, 1.0)
        row: dict[str, Any] = {"scenario": s.name, "n": int(n)}
        for col, suffix in (
            ("neuroma", "rate"),
            ("deafferentation", "rate"),
            ("function_1y", "mean"),
            ("function_5y", "mean"),
            ("pain_1y", "mean"),
        ):
            v = g[f"{col}_{suffix}"].to_numpy(dtype=np.float64)
            row[f"{col}_{suffix}"] = float((w * v).sum())
            row[f"{col}_lo"], row[f"{col}_hi"] = (float(x) for x in np.percentile(v, [2.5, 97.5]))
        if "median_recovery_day" in g:
            days = g["median_recovery_day"].to_numpy(dtype=np.float64)
            row["median_recovery_day"] = float(np.nanmedian(days)) if np.isfinite(days).any() else float("nan")
        row["interval"] = MODEL_INTERVAL.format(draws=draws, per_draw=int(n / max(draws, 1)))
        rows.append(row)
    return mark_statuses(pd.DataFrame(rows), scenarios)


def check_draws(n: int, arms: int, draws: int) -> None:
    """Refuse (ValueError, one line) a cohort too small for its model-uncertainty interval to mean anything."""
    if draws < MIN_DRAWS:
        raise ValueError(
            f"--draws {draws}: an interval over the parameter draws needs at least {MIN_DRAWS} draws "
            "(or use --fixed for fixed parameters)"
        )
    per_draw = n / (draws * max(arms, 1))
    if per_draw < MIN_PER_DRAW:
        need = MIN_PER_DRAW * draws * max(arms, 1)
        raise ValueError(
            f"--n {n:,} gives about {per_draw:.0f} patients per arm in each of {draws} draws; the model-uncertainty "
            f"interval needs at least {MIN_PER_DRAW} (give --n {need:,} or more, fewer --draws, or --fixed)"
        )


def simulate_uncertain_summary(
    n: int, scenarios: Sequence[Scenario], *, draws: int = DRAWS, rng: Any = None, **options: Any
) -> pd.DataFrame:
    """Like :func:`simulate_summary`, with the parameters drawn from their uncertainty (``draws`` draws, the ``n``
    patients spread over them): the intervals are model uncertainty, not Monte Carlo noise. Refused (ValueError)
    below :data:`MIN_DRAWS` draws or :data:`MIN_PER_DRAW` patients per arm and draw."""
    from neurectomy.rng import check_random_state

    check_draws(n, len(scenarios), draws)
    gen = check_random_state(rng)
    arms = parameter_draws(scenarios, draws, gen)
    return combine_draws(simulate_summary(n, arms, rng=gen, **options), scenarios, draws)


def simulate_uncertain_cohort(
    n: int, scenarios: Sequence[Scenario], *, draws: int = DRAWS, rng: Any = None, **options: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every patient (with the ``draw`` of the parameters it was simulated with) and the summary of
    :func:`simulate_uncertain_summary`."""
    import pandas as pd

    from neurectomy.rng import check_random_state

    check_draws(n, len(scenarios), draws)
    gen = check_random_state(rng)
    arms = parameter_draws(scenarios, draws, gen)
    frame = simulate_cohort(n, arms, rng=gen, **options)
    summary = combine_draws(summarise(frame), scenarios, draws)
    codes = frame["scenario"].cat.codes.to_numpy()
    frame["draw"] = (codes // len(scenarios)).astype(np.int16)
    frame["scenario"] = pd.Categorical.from_codes(codes % len(scenarios), categories=[s.name for s in scenarios])
    return frame, summary


def _wilson(k: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


SWEEPABLE = ("latency_days", "maturation_days", "ceiling", "neuroma", "deafferentation")


def sweep_kinetics(base: Scenario, grid: Mapping[str, Sequence[float]], n: int, **options: Any) -> pd.DataFrame:
    """Summaries over every combination of kinetics parameters (a full factorial around ``base``).

    ``grid`` maps names of :data:`SWEEPABLE` to values; the ``n`` patients are spread over the grid points, which
    run as the arms of one cohort (so the sweep scales out like any cohort). Returns one row per grid point with
    the parameter values as columns.
    """
    import itertools

    import pandas as pd

    unknown = set(grid) - set(SWEEPABLE)
    if unknown:
        raise KeyError(f"cannot sweep {', '.join(sorted(unknown))}; sweepable: {', '.join(SWEEPABLE)}")
    keys = list(grid)
    points = list(itertools.product(*(grid[k] for k in keys)))
    arms = [
        replace(
            base,
            name=", ".join(f"{k}={v:g}" for k, v in zip(keys, p, strict=True)),
            overrides=tuple(zip(keys, map(float, p), strict=True)),
        )
        for p in points
    ]
    summary = simulate_summary(n, arms, **options)
    values = pd.DataFrame([dict(zip(keys, map(float, p), strict=True)) for p in points])
    return pd.concat([values, summary], axis=1)


def sweep_stump(
    method: str,
    grid: Mapping[str, Sequence[Any]],
    *,
    n_axons: int = 500,
    days: float = 180.0,
    replicates: int = 5,
    rng: Any = None,
    client: Any = None,
) -> pd.DataFrame:
    """The stump model over a grid of ``end_treatments`` (tuples of names), ``gap_mm`` and ``distance_mm``:
    mean fraction reaching targets and neuroma index at the end, per grid point (Dask ``client.map`` if given).
    Each grid point gets its own seed drawn from ``rng`` (None | int | Generator)."""
    import itertools

    import pandas as pd

    from neurectomy.regrowth.stump import simulate_many

    allowed = {"end_treatments", "gap_mm", "distance_mm"}
    unknown = sorted(set(grid) - allowed)
    if unknown:
        raise KeyError(f"cannot sweep {', '.join(unknown)}; sweepable: {', '.join(sorted(allowed))}")
    keys = list(grid)
    points = [dict(zip(keys, p, strict=True)) for p in itertools.product(*(grid[k] for k in keys))]
    seeds = [int(s) for s in kernel_seeds(rng, len(points))]

    def run(point: dict[str, Any], seed: int) -> dict[str, Any]:
        r = simulate_many(
            method,
            tuple(point.get("end_treatments", ())),
            replicates=replicates,
            n_axons=n_axons,
            days=days,
            gap_mm=point.get("gap_mm"),
            distance_mm=point.get("distance_mm"),
            rng=seed,
        )
        return {
            **{k: (" + ".join(v) or "none") if k == "end_treatments" else v for k, v in point.items()},
            "reached": float(np.mean(r.reached[:, -1])),
            "neuroma_index": float(np.mean(r.neuroma[:, -1])),
            "sprouts": float(np.mean(r.sprouts[:, -1])),
        }

    if client is not None:
        rows = client.gather(client.map(run, points, seeds, pure=False))
    else:
        rows = [run(p, seed) for p, seed in zip(points, seeds, strict=True)]
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: counts, proportions with Wilson 95% intervals, means with normal 95% intervals."""
    import pandas as pd

    rows = []
    z = 1.959963984540054
    for name, g in frame.groupby("scenario", observed=True):
        n = len(g)
        row: dict[str, Any] = {"scenario": name, "n": n}
        for col in ("neuroma", "deafferentation"):
            k = int(g[col].sum())
            row[f"{col}_rate"], (row[f"{col}_lo"], row[f"{col}_hi"]) = k / n, _wilson(k, n, z)
        for col in ("function_1y", "function_5y", "pain_1y"):
            values = g[col].to_numpy(dtype=np.float64)
            mean, sem = values.mean(), values.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
            row[f"{col}_mean"], row[f"{col}_lo"], row[f"{col}_hi"] = mean, mean - z * sem, mean + z * sem
        row["median_recovery_day"] = (
            float(np.nanmedian(g["recovery_day"])) if g["recovery_day"].notna().any() else float("nan")
        )
        rows.append(row)
    return pd.DataFrame(rows)
