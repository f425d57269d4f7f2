"""``neurectomy model check``: every evidence row the models use, beside what the models say (DESIGN §9).

For each row the check runs the model the row measures — a named procedure's plan (its indication course over the
treated targets), or the kinetics of a method at a site — at the row's follow-up, and compares the model's value
with the observed one and its interval:

- the row's own 95% confidence interval where its source text reports one (E001, E134, E191);
- the Wilson 95% interval of a proportion whose ``n`` is stored (or of a count ``k/n``);
- a reported range (``13-32``) or bound (``>95``) as it stands;
- a mean with its SD: mean ± 1.96 SD / sqrt(n);
- otherwise ±15% of the observed figure (stated as such: no interval was reported).

A follow-up that the stored row does not give is stated with the reason it was chosen. Rows that the plans print
but that the model does not represent (complications, satisfaction, scores on scales without a baseline, other
techniques) are listed in ``not_compared`` with the reason, so nothing printed beside a plan is silently left out.

>>> from neurectomy.atlas import load_atlas
>>> report = check(load_atlas())
>>> report.unexplained
()
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from neurectomy.calibration import DAYS_PER_MONTH, DAYS_PER_YEAR, course, site_risk
from neurectomy.evidence import Bound, Count, EvidenceRow, Pair, Point, Range, load_evidence
from neurectomy.methods import get_end_treatment, get_method

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.planning import Plan

M: Final = DAYS_PER_MONTH
Y: Final = DAYS_PER_YEAR
Z95: Final = 1.959964
TOLERANCE: Final = 0.15
_GRID: Final = np.arange(0.0, 80 * DAYS_PER_YEAR, 1.0)


# --------------------------------------------------------------------------- result
#: The rows the fits were fitted to (their parameters' sources cite them): the model reproduces these by
#: construction, so their agreement shows that the fit is still in place, not that the model predicts anything.
#: Every other compared row is held out. E087 and E089 are the same 16 patients as E086 and count with it.
FITTED: Final = frozenset(
    {
        *("E001", "E002", "E021", "E027", "E034", "E040", "E052", "E057", "E058", "E068", "E072"),
        *("E073", "E077", "E085", "E086", "E087", "E089", "E092", "E094", "E099", "E101", "E103"),
        *("E107", "E121", "E127", "E132", "E133", "E134", "E135", "E136", "E138", "E139", "E151", "E155"),
        *("E156", "E157", "E169", "E170", "E183", "E191", "E192", "E196", "E197", "E198"),
    }
)
NO_INTERVAL = (
    "no interval or n stored for this figure: agreement judged within a ±15% tolerance (not a confidence interval)"
)


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One evidence row beside the model. ``fitted``: the row is one the fits were fitted to; ``comparable``: why
    the row cannot be compared like with like (empty: it can); ``disagreement``: why the model does not follow a
    row it disagrees with (empty: no reason stated — an unexplained disagreement); ``observed_range``: the reported
    range where the row gives one (``observed`` is then its midpoint, for the chart only)."""

    evidence: str
    quantity: str
    observed: float
    interval: tuple[float, float]
    interval_source: str
    model: float
    unit: str
    how: str
    fitted: bool = False
    comparable: str = ""
    disagreement: str = ""
    observed_range: tuple[float, float] | None = None

    @property
    def within(self) -> bool:
        lo, hi = self.interval
        return lo - 1e-9 <= self.model <= hi + 1e-9

    @property
    def status(self) -> str:
        """ "agrees", "disagrees" or "not comparable"."""
        if self.comparable:
            return "not comparable"
        return "agrees" if self.within else "disagrees"

    @property
    def agrees(self) -> bool | None:
        """True or False; None where the row is not comparable."""
        return None if self.comparable else self.within

    @property
    def unexplained(self) -> bool:
        """A disagreement with no stated reason: a fit that drifted, or evidence the model ignores silently."""
        return self.status == "disagrees" and not self.disagreement

    def observed_text(self) -> str:
        if self.observed_range is not None:
            return f"{self.observed_range[0]:.3g}–{self.observed_range[1]:.3g} (range)"
        return f"{self.observed:.3g}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence": self.evidence,
            "quantity": self.quantity,
            "observed": _round(self.observed),
            "observed_range": None if self.observed_range is None else [_round(x) for x in self.observed_range],
            "interval": [_end(self.interval[0]), _end(self.interval[1])],
            "model": _round(self.model),
            "fitted": self.fitted,
            "status": self.status,
            "agrees": self.agrees,
            "comparable": not self.comparable,
            "not_comparable_because": self.comparable or None,
            "disagreement": self.disagreement or None,
            "unit": self.unit,
            "interval_source": self.interval_source,
            "how": self.how,
        }


def _tally(rows: tuple[CheckRow, ...]) -> dict[str, int]:
    return {
        "total": len(rows),
        "agree": sum(r.status == "agrees" for r in rows),
        "disagree": sum(r.status == "disagrees" for r in rows),
        "not_comparable": sum(r.status == "not comparable" for r in rows),
        "unexplained": sum(r.unexplained for r in rows),
    }


@dataclass(frozen=True)
class ModelCheck:
    rows: tuple[CheckRow, ...]
    not_compared: tuple[tuple[str, str], ...]

    @property
    def agree(self) -> int:
        return sum(r.status == "agrees" for r in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def fitted(self) -> dict[str, int]:
        """Counts over the rows the fits were fitted to (their agreement is by construction)."""
        return _tally(tuple(r for r in self.rows if r.fitted))

    @property
    def held_out(self) -> dict[str, int]:
        """Counts over the rows no fit used: the model's predictions."""
        return _tally(tuple(r for r in self.rows if not r.fitted))

    @property
    def unexplained(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if r.unexplained)

    def summary(self) -> str:
        f, h = self.fitted, self.held_out
        return (
            f"fitted rows (reproduced by construction): {f['agree']} of {f['total']} agree, {f['disagree']} disagree, "
            f"{f['not_comparable']} not comparable; held-out rows (predictions): {h['agree']} of {h['total']} agree, "
            f"{h['disagree']} disagree, {h['not_comparable']} not comparable"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "fitted": self.fitted,
            "held_out": self.held_out,
            "rows": [r.to_dict() for r in self.rows],
            "agree": self.agree,
            "total": self.total,
            "unexplained": [r.evidence for r in self.unexplained],
            "not_compared": [{"evidence": e, "reason": why} for e, why in self.not_compared],
        }


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def _end(x: float) -> float | None:
    """An interval end for JSON: None where the row gives only a bound on the other side."""
    return None if math.isinf(x) else _round(x)


# --------------------------------------------------------------------------- intervals
def wilson(p: float, n: int) -> tuple[float, float]:
    """Wilson 95% interval of a proportion ``p`` observed in ``n``.

    >>> [round(x, 3) for x in wilson(8 / 98, 98)]
    [0.042, 0.153]
    """
    den = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _observed(
    row: EvidenceRow, scale: float
) -> tuple[float, tuple[float, float] | None, str, tuple[float, float] | None]:
    """The row's figure on the model's scale (``scale`` divides it), with the interval its value itself implies and
    the reported range where it is one."""
    v = row.value
    if isinstance(v, Count):
        return v.as_fraction(), wilson(v.as_fraction(), v.n), f"Wilson 95% interval of {v.k}/{v.n}", None
    if isinstance(v, Range):
        rng = (v.lo / scale, v.hi / scale)
        return v.midpoint / scale, rng, "the reported range", rng
    if isinstance(v, Bound):
        x = v.x / scale
        inf = math.inf
        return x, ((x, inf) if v.op in (">", "≥") else (-inf, x)), f"the reported bound {v}", None
    if isinstance(v, Pair):
        return (v.a + v.b) / 2 / scale, None, "", None
    if isinstance(v, Point):
        x = v.x / scale
        measure = row.measure.lower()
        if "lower bound" in measure:
            return x, (x, math.inf), "the reported lower bound", None
        if "upper bound" in measure or "up to" in measure:
            return x, (-math.inf, x), "the reported upper bound", None
        return x, None, "", None
    raise TypeError(row.id)


@dataclass(frozen=True, slots=True)
class Spec:
    """How to compare one row: ``model`` computes the model's value on the row's scale (``scale`` divides the row's
    figure: 100 for a percentage compared as a fraction); ``ci`` a reported interval, ``n`` the size for a Wilson
    interval, ``sd`` a standard deviation (with ``n``) for the interval of a mean. ``not_comparable``: why the row
    does not measure what the model computes (no time point, another measure or technique); ``disagrees``: why the
    model does not follow the row if it disagrees."""

    evidence: str
    quantity: str
    unit: str
    model: Callable[[Atlas], float]
    how: str
    scale: float = 100.0
    ci: tuple[float, float] | None = None
    ci_source: str = ""
    n: int | None = None
    sd: float | None = None
    not_comparable: str = ""
    disagrees: str = ""


def _clip(interval: tuple[float, float], unit: str) -> tuple[float, float]:
    if unit != "fraction":
        return interval
    return max(interval[0], 0.0), min(interval[1], 1.0)


def _compare(spec: Spec, row: EvidenceRow, atlas: Atlas) -> CheckRow:
    observed, implied, source, reported_range = _observed(row, spec.scale)
    if spec.ci is not None:
        interval, source = (spec.ci[0] / spec.scale, spec.ci[1] / spec.scale), spec.ci_source
    elif spec.sd is not None and spec.n:
        half = Z95 * spec.sd / math.sqrt(spec.n)
        interval, source = (observed - half, observed + half), f"mean ± 1.96 SD/sqrt(n), SD {spec.sd:g}, n {spec.n}"
    elif implied is not None:
        interval = implied
    elif spec.n and spec.unit == "fraction":
        interval, source = wilson(observed, spec.n), f"Wilson 95% interval, n {spec.n}"
    else:
        interval = (observed * (1 - TOLERANCE), observed * (1 + TOLERANCE))
        source = NO_INTERVAL
    return CheckRow(
        row.id,
        spec.quantity,
        observed,
        _clip(interval, spec.unit),
        source,
        float(spec.model(atlas)),
        spec.unit,
        spec.how,
        fitted=spec.evidence in FITTED,
        comparable=spec.not_comparable,
        disagreement=spec.disagrees,
        observed_range=reported_range,
    )


# --------------------------------------------------------------------------- model probes
@lru_cache(maxsize=64)
def _plan(atlas: Atlas, procedure: str, method: str | None = None) -> Plan:
    from neurectomy.planning import make_plan

    return make_plan(atlas, procedure=procedure, method=method, days=_GRID)


def _indication(atlas: Atlas, procedure: str, day: float) -> float:
    ind = _plan(atlas, procedure).timeline.indication
    assert ind is not None
    return float(np.interp(day, _GRID, ind.values))


def relieved(procedure: str, day: float) -> Callable[[Atlas], float]:
    """Fraction relieved (1 - expected pain over the treated targets) at ``day``."""
    return lambda atlas: 1.0 - _indication(atlas, procedure, day)


def in_pain(procedure: str, day: float) -> Callable[[Atlas], float]:
    """The indication's own value at ``day``: expected pain, or the share of patients in whom the indication is
    present (spasticity returned, vertigo not controlled)."""
    return lambda atlas: _indication(atlas, procedure, day)


def controlled(procedure: str, day: float) -> Callable[[Atlas], float]:
    """Fraction in whom the disabled function stays disabled at ``day``."""
    return lambda atlas: 1.0 - _indication(atlas, procedure, day)


def target_value(procedure: str, target: str, what: str, day: float) -> Callable[[Atlas], float]:
    def probe(atlas: Atlas) -> float:
        tl = _plan(atlas, procedure).timeline
        i = tl.target_ids.index(target)
        return float(np.interp(day, _GRID, getattr(tl.curves, what)[i]))

    return probe


def _surviving(method: str, site: str, distance_mm: float | None = None) -> tuple[float, np.ndarray]:
    """(response, fraction of responders still relieved by day) for a tube-sparing method at a site, at the
    evidence site's distance unless ``distance_mm`` is given."""
    from neurectomy.regrowth.kinetics import curves, method_parameters, method_response, method_spread

    m = get_method(method)
    fit = course(method, site)
    assert fit is not None
    d = fit.evidence_distance.value if distance_mm is None else distance_mm
    days = _GRID[: int(20 * Y)]
    where = None if site == "*" else site
    c = curves(days, [1.0], [d], **method_parameters(m, site=where), latency_spread=method_spread(m, where))
    assert c.arrived is not None
    return method_response(m, where), 1.0 - c.arrived[0]


def relief_at(method: str, site: str, day: float) -> Callable[[Atlas], float]:
    def probe(_: Atlas) -> float:
        rho, s = _surviving(method, site)
        return rho * float(np.interp(day, _GRID[: len(s)], s))

    return probe


def median_duration(method: str, site: str, unit_days: float) -> Callable[[Atlas], float]:
    def probe(_: Atlas) -> float:
        s = _surviving(method, site)[1]
        return float(np.argmax(s <= 0.5)) / unit_days

    return probe


def mean_duration(method: str, site: str, unit_days: float, within: float | None = None) -> Callable[[Atlas], float]:
    """Mean duration of relief among responders (``within``: restricted to that many days, over all patients)."""

    def probe(_: Atlas) -> float:
        rho, s = _surviving(method, site)
        if within is None:
            return float(s.sum()) / unit_days
        return rho * float(s[: int(within)].sum()) / unit_days

    return probe


def neuroma_at(site: str, end: str | None, day: float, with_deafferentation: bool = False) -> Callable[[Atlas], float]:
    def probe(_: Atlas) -> float:
        from neurectomy.methods import neuroma_risk
        from neurectomy.regrowth.kinetics import DEAFFERENTATION_ONSET, NEUROMA_ONSET

        ends = (get_end_treatment(end),) if end else ()
        n = neuroma_risk(get_method("surgical_cut"), ends, site) * (1 - math.exp(-day / NEUROMA_ONSET.value))
        if not with_deafferentation:
            return n
        d = site_risk(site).deafferentation.value * (1 - math.exp(-day / DEAFFERENTATION_ONSET.value))
        return 1 - (1 - n) * (1 - d)

    return probe


def lifetime_neuroma(site: str) -> Callable[[Atlas], float]:
    return lambda _: site_risk(site).neuroma.value


def rate(method: str) -> Callable[[Atlas], float]:
    def probe(_: Atlas) -> float:
        r = get_method(method).regrowth_rate
        assert r is not None
        return r.value

    return probe


# --------------------------------------------------------------------------- the rows
_AT_1Y = "at 1 year (estimate: the follow-up is not stored)"

SPECS: Final[tuple[Spec, ...]] = (
    # ---- radiofrequency
    Spec(
        "E073",
        "duration of relief after lumbar medial branch RF ('relief lasted 15 months': mean or median not stated; "
        "read as the median)",
        "months",
        median_duration("radiofrequency", "facet_lumbar", M),
        "median arrival of regrowing fibres at the L4-L5 facet (12 mm) among responders",
        scale=1.0,
        ci=(13.0, 17.0),
        ci_source="E074 (13 months, repeat RFN) to E075 (17 months, lower end with repeats)",
    ),
    Spec(
        "E072",
        "successful outcome (complete relief >= 6 months), mean of two practices",
        "fraction",
        relieved("lumbar_medial_branch_rf_neurotomy", 6 * M),
        "lumbar medial branch RF plan: relieved at 6 months",
        ci=(wilson(0.53, 53)[0] * 100, wilson(0.58, 53)[1] * 100),
        ci_source="Wilson 95% intervals of 53% and 58%, n = 106 split between the two practices",
    ),
    Spec(
        "E198",
        "typical duration of relief (lumbar and cervical)",
        "months",
        median_duration("radiofrequency", "facet_lumbar", M),
        "median duration among responders at the lumbar facets",
        scale=1.0,
    ),
    Spec(
        "E196",
        "mean NRS reduction after cervical medial branch RF, 2-6 months",
        "fraction",
        relieved("cervical_medial_branch_rf_neurotomy", 4 * M),
        "cervical RF plan: relieved at 4 months (the window's midpoint)",
        not_comparable="a mean percent reduction of the NRS over all patients, not the fraction relieved that the "
        "model computes (the cervical RF fit reads one as the other: estimate)",
    ),
    Spec(
        "E197",
        "mean NRS reduction after cervical medial branch RF, >6 months",
        "fraction",
        relieved("cervical_medial_branch_rf_neurotomy", 9 * M),
        "cervical RF plan: relieved at 9 months (estimate: the end of follow-up is not stored)",
        not_comparable="a mean percent reduction of the NRS over all patients, not the fraction relieved, and no end "
        "of follow-up stored",
    ),
    Spec(
        "E193",
        ">=50% relief 3 months after genicular RF (RCT arm against phenol)",
        "fraction",
        relief_at("radiofrequency", "genicular", 3 * M),
        "RF at the genicular nerves (71.4 mm): relieved at 3 months",
        n=32,
        disagrees="the RCT arm (n = 32) against the retrospective E101/E103 (n = 170), which imply fewer relieved "
        "at 3 months; the fit's response interval is widened to reach this arm, its central value stays with the "
        "larger series (so RF against phenol at the knee is uncertain: in the only head-to-head trial they were "
        "equal)",
    ),
    Spec(
        "E076",
        "duration of benefit after lumbar medial branch RF (background statement)",
        "months",
        median_duration("radiofrequency", "facet_lumbar", M),
        "median duration among responders at the lumbar facets",
        scale=1.0,
        disagrees="a background statement (6-12 months, 'possibly up to 2 years') against the first-hand E073 "
        "(15 months, n = 106), which the model follows",
    ),
    Spec(
        "E106",
        "successful result for facial blushing a mean 14.6 years after sympathectomy",
        "fraction",
        lambda atlas: (
            1 - target_value("ets_r2_facial_blushing", "cutaneous_vessels_of_face", "function", 14.6 * Y)(atlas)
        ),
        "R2 sympathicotomy plan: 1 - blushing back at 14.6 years (the fraction still successful)",
        disagrees="a sympathectomy series (not the R2 sympathicotomy modelled; n for blushing not stored); the "
        "model's blushing follows E183",
    ),
    Spec(
        "E101",
        "mean duration of >50% relief within 12 months, conventional genicular RF",
        "months",
        mean_duration("radiofrequency", "genicular", M, within=Y),
        "genicular RF: mean relieved time over the first year, over all patients",
        scale=1.0,
    ),
    Spec(
        "E103",
        ">50% relief persisting at 12 months, conventional genicular RF",
        "fraction",
        relieved("genicular_nerve_rf_neurotomy", Y),
        "genicular RF plan: relieved at 12 months",
        n=170,
    ),
    # ---- phenol
    Spec(
        "E094",
        "mean effective duration of a phenol block",
        "days",
        mean_duration("phenol", "*", 1.0),
        "phenol at a limb motor nerve (90 mm): mean duration among responders",
        scale=1.0,
        sd=169.4,
        n=29,
    ),
    Spec(
        "E092",
        "success of percutaneous phenol blocks for spasticity",
        "fraction",
        controlled("obturator_phenol_neurolysis", 30.0),
        "obturator phenol plan: adductor function disabled at 30 days",
    ),
    Spec(
        "E191",
        ">=50% sustained relief after genicular phenol, 9.9 months",
        "fraction",
        relief_at("phenol", "genicular", 9.9 * M),
        "phenol at the genicular nerves (71.4 mm): relieved at 9.9 months",
        ci=(33.5, 54.1),
        ci_source="E191's 95% CI (source text)",
    ),
    Spec(
        "E192",
        ">=50% relief after genicular phenol at 3 months",
        "fraction",
        relief_at("phenol", "genicular", 3 * M),
        "phenol at the genicular nerves: relieved at 3 months",
        n=32,
    ),
    # ---- lidocaine and cryo
    Spec(
        "E095",
        "mean effective duration of an intraneural lidocaine block",
        "days",
        mean_duration("diagnostic_block", "*", 1.0),
        "diagnostic block: mean duration",
        scale=1.0,
        sd=19.6,
        n=29,
        not_comparable="an effect on spasticity lasting days after intraneural lidocaine, not the duration of a "
        "conduction block (hours), which the diagnostic block models",
    ),
    Spec(
        "E157",
        "median duration of relief after peripheral cryoanalgesia",
        "days",
        median_duration("cryoneurolysis", "*", 1.0),
        "cryoneurolysis (no site given): median duration among responders",
        scale=1.0,
    ),
    Spec(
        "E156",
        "significant pain reduction after peripheral cryoanalgesia",
        "fraction",
        relief_at("cryoneurolysis", "*", 1.0),
        "cryoneurolysis: relieved on the first day",
    ),
    Spec(
        "E138",
        "pain-free or much improved at 6 weeks after medial branch cryodenervation",
        "fraction",
        relief_at("cryoneurolysis", "facet_lumbar", 42.0),
        "cryoneurolysis at the lumbar medial branches: relieved at 6 weeks",
        n=46,
    ),
    Spec(
        "E139",
        "mean low back pain VAS at 12 months after medial branch cryodenervation",
        "VAS (0-10)",
        lambda atlas: 7.7 * (1 - relief_at("cryoneurolysis", "facet_lumbar", Y)(atlas)),
        "7.7 (the preoperative VAS, E139's source text) x the expected fraction of the pain at 12 months",
        scale=1.0,
    ),
    # ---- surgical procedures: pain
    Spec(
        "E001",
        "complete pain relief after LFCN neurectomy",
        "fraction",
        relieved("lfcn_neurectomy", Y),
        "LFCN neurectomy plan: relieved " + _AT_1Y,
        ci=(71.0, 96.0),
        ci_source="E001's 95% CI (source text)",
    ),
    Spec(
        "E010",
        "successful pain reduction 6 weeks after LFCN neurectomy",
        "fraction",
        relieved("lfcn_neurectomy", 42.0),
        "LFCN neurectomy plan: relieved at 6 weeks",
        n=14,
    ),
    Spec(
        "E013",
        "pain relief after primary LFCN neurectomy",
        "fraction",
        relieved("lfcn_neurectomy", Y),
        "LFCN neurectomy plan: relieved " + _AT_1Y,
        n=8,
    ),
    Spec(
        "E015",
        "pain relief after LFCN neurectomy for failed neurolysis",
        "fraction",
        relieved("lfcn_neurectomy", Y),
        "LFCN neurectomy plan: relieved " + _AT_1Y,
    ),
    Spec(
        "E002",
        "complete pain relief after LFCN decompression",
        "fraction",
        relieved("lfcn_decompression", Y),
        "LFCN decompression plan: relieved",
        n=496,
    ),
    Spec(
        "E011",
        "successful pain reduction 6 weeks after LFCN neurolysis",
        "fraction",
        relieved("lfcn_decompression", 42.0),
        "LFCN decompression plan: relieved",
        n=8,
    ),
    Spec(
        "E012",
        "pain relief after LFCN neurolysis",
        "fraction",
        relieved("lfcn_decompression", Y),
        "LFCN decompression plan: relieved",
        n=10,
    ),
    Spec(
        "E099",
        "success 12 months after greater occipital nerve decompression",
        "fraction",
        relieved("occipital_nerve_decompression", Y),
        "GON decompression plan: relieved at 12 months",
        n=50,
    ),
    Spec(
        "E121",
        ">=50% reduction of the headache index after greater occipital neurectomy (33 months)",
        "fraction",
        relieved("greater_occipital_neurectomy", 33 * M),
        "GON neurectomy plan: relieved at 33 months",
        n=71,
    ),
    Spec(
        "E122",
        "mean reduction of the headache index after greater occipital neurectomy (33 months)",
        "fraction",
        relieved("greater_occipital_neurectomy", 33 * M),
        "GON neurectomy plan: expected reduction of the pain at 33 months",
        not_comparable="a mean percent reduction of the headache index, not the fraction relieved (E121 measures "
        "that, >=50% reduction in 70.4%)",
    ),
    Spec(
        "E136",
        "excellent or good MacNab result after endoscopic medial branch rhizotomy",
        "fraction",
        relieved("endoscopic_medial_branch_neurotomy", Y),
        "endoscopic medial branch neurotomy plan: relieved " + _AT_1Y,
    ),
    Spec(
        "E127",
        "success of triple neurectomy for inguinodynia",
        "fraction",
        relieved("triple_neurectomy", Y),
        "triple neurectomy plan: relieved " + _AT_1Y,
        n=497,
    ),
    Spec(
        "E124",
        "success of triple neurectomy (authors' series)",
        "fraction",
        relieved("triple_neurectomy", Y),
        "triple neurectomy plan: relieved " + _AT_1Y + "; n: 750+ operations (the row's design column)",
        n=750,
        disagrees="E127 (98%, n = 497, pooled) and this single-centre 95% (n 750+) exclude each other at 95%; the "
        "fit follows the pooled E127",
    ),
    Spec(
        "E040",
        "cure of dysmenorrhoea 12 months after presacral neurectomy",
        "fraction",
        relieved("presacral_neurectomy", Y),
        "presacral neurectomy plan: relieved at 12 months",
        n=71,
    ),
    Spec(
        "E032",
        "cure of dysmenorrhoea 24 months after presacral neurectomy",
        "fraction",
        relieved("presacral_neurectomy", 24 * M),
        "presacral neurectomy plan: relieved at 24 months",
        n=70,
    ),
    Spec(
        "E027",
        "treatment failure a median 34 months after presacral neurectomy",
        "fraction",
        in_pain("presacral_neurectomy", 34 * M),
        "presacral neurectomy plan: not relieved at 34 months",
        n=250,
    ),
    Spec(
        "E034",
        "recurrence of dysmenorrhoea within 8 years (conventional laparoscopic presacral neurectomy)",
        "fraction",
        in_pain("presacral_neurectomy", 8 * Y),
        "presacral neurectomy plan: not relieved at 8 years",
        n=33,
    ),
    Spec(
        "E170",
        "significant improvement after Morton's neurectomy",
        "fraction",
        relieved("mortons_neurectomy", 5 * Y),
        "Morton's neurectomy plan: relieved at 5 years (estimate: no follow-up stored)",
    ),
    Spec(
        "E172",
        "unacceptable pain after Morton's neurectomy (upper bound)",
        "fraction",
        in_pain("mortons_neurectomy", 5 * Y),
        "Morton's neurectomy plan: not relieved at 5 years",
    ),
    Spec(
        "E057",
        "stump neuroma (poor result) a mean 15.3 years after Morton's neurectomy",
        "fraction",
        target_value("mortons_neurectomy", "skin_plantar_toe3_lateral", "neuroma_risk", 15.3 * Y),
        "Morton's neurectomy plan: cumulative neuroma risk at 15.3 years",
        n=98,
    ),
    Spec(
        "E058",
        "numbness a mean 15.3 years after Morton's neurectomy",
        "fraction",
        lambda atlas: 1 - target_value("mortons_neurectomy", "skin_plantar_toe3_lateral", "function", 15.3 * Y)(atlas),
        "Morton's neurectomy plan: 1 - feeling of the treated toe skin at 15.3 years",
        n=98,
    ),
    Spec(
        "E060",
        "plantar numbness a mean 10.5 years after interdigital neurectomy",
        "fraction",
        lambda atlas: 1 - target_value("mortons_neurectomy", "skin_plantar_toe3_lateral", "function", 10.5 * Y)(atlas),
        "Morton's neurectomy plan: 1 - feeling at 10.5 years",
    ),
    Spec(
        "E069",
        "mean reduction of neuroma pain 7.5 months after RPNI",
        "fraction",
        relieved("rpni_symptomatic_neuroma", 7.5 * M),
        "RPNI plan (neuroma revision): relieved at 7.5 months",
        not_comparable="a mean patient-reported reduction, not the fraction relieved (the RPNI outcome follows E134's "
        "pooled 77% instead)",
    ),
    Spec(
        "E038",
        ">50% reduction of central pelvic pain 12-72 months after presacral neurectomy",
        "fraction",
        relieved("presacral_neurectomy", 42 * M),
        "presacral neurectomy plan: relieved at 42 months (the middle of the 12-72-month follow-up)",
        n=100,
        disagrees="a questionnaire case series over 12-72 months; the model follows the trials E040 (87% at 12 "
        "months) and E032 (83% at 24 months)",
    ),
    Spec(
        "E039",
        ">50% reduction of dysmenorrhoea 12-72 months after presacral neurectomy",
        "fraction",
        relieved("presacral_neurectomy", 42 * M),
        "presacral neurectomy plan: relieved at 42 months (the middle of the 12-72-month follow-up)",
        n=100,
        disagrees="61% over 12-72 months against the trials' 87% at 12 months (E040) and 83% at 24 (E032): the model "
        "follows the trials; recurrence after 3 years is fitted to E034 and E027",
    ),
    # ---- functions disabled
    Spec(
        "E021",
        "complete relief of vertigo after vestibular nerve section",
        "fraction",
        controlled("vestibular_neurectomy", 0.5 * Y),
        "vestibular neurectomy plan: vertigo controlled at 6 months",
        n=32,
    ),
    Spec(
        "E016",
        "complete control of vertigo attacks after vestibular nerve section",
        "fraction",
        controlled("vestibular_neurectomy", Y),
        "vestibular neurectomy plan: controlled " + _AT_1Y,
        n=23,
    ),
    Spec(
        "E024",
        "continued significant dizziness after vestibular neurectomy",
        "fraction",
        lambda atlas: 1 - controlled("vestibular_neurectomy", Y)(atlas),
        "vestibular neurectomy plan: not controlled " + _AT_1Y,
        n=142,
        not_comparable="continued significant dizziness (imbalance included) is not failure of vertigo control, "
        "which the model computes",
    ),
    Spec(
        "E143",
        "episodic vertigo fully controlled a mean 16 years after vestibular nerve section",
        "fraction",
        controlled("vestibular_neurectomy", 16 * Y),
        "vestibular neurectomy plan: controlled at 16 years",
    ),
    Spec(
        "E168",
        "total vertigo control after superior vestibular neurectomy (23.6 months)",
        "fraction",
        controlled("vestibular_neurectomy", 23.6 * M),
        "vestibular neurectomy plan: controlled at 23.6 months",
    ),
    Spec(
        "E183",
        "recurrence of blushing a median 16 years after R2 sympathicotomy",
        "fraction",
        target_value("ets_r2_facial_blushing", "cutaneous_vessels_of_face", "function", 16 * Y),
        "R2 sympathicotomy plan: facial blushing (vasomotor function) back at 16 years",
        n=66,
    ),
    Spec(
        "E052",
        "palmar complaints gone a mean 80.9 months after sympathicotomy",
        "fraction",
        controlled("ets_r3_palmar_hyperhidrosis", 80.9 * M),
        "R3 sympathicotomy plan: palmar sweating disabled at 80.9 months",
        n=137,
    ),
    Spec(
        "E045",
        "long-term resolution of palmar hyperhidrosis after sympathicotomy",
        "fraction",
        controlled("ets_r3_palmar_hyperhidrosis", 5 * Y),
        "R3 sympathicotomy plan: disabled at 5 years",
    ),
    Spec(
        "E053",
        "resolution of palmar hyperhidrosis a mean 20 months after sympathectomy",
        "fraction",
        controlled("ets_r3_palmar_hyperhidrosis", 20 * M),
        "R3 sympathicotomy plan: disabled at 20 months",
    ),
    Spec(
        "E105",
        "best result for palmar hyperhidrosis a mean 14.6 years after sympathectomy",
        "fraction",
        controlled("ets_r3_palmar_hyperhidrosis", 14.6 * Y),
        "R3 sympathicotomy plan: disabled at 14.6 years (a sympathectomy series, the same one as the R4 fit's E107)",
        n=1700,
    ),
    Spec(
        "E117",
        "resolution of palmar hyperhidrosis after sympathectomy",
        "fraction",
        controlled("ets_r3_palmar_hyperhidrosis", 5 * Y),
        "R3 sympathicotomy plan: disabled at 5 years (estimate: no follow-up stored; a sympathectomy series)",
        n=210,
    ),
    Spec(
        "E107",
        "successful result for axillary hyperhidrosis a mean 14.6 years after sympathectomy",
        "fraction",
        controlled("ets_r4_axillary_hyperhidrosis", 14.6 * Y),
        "R4 sympathicotomy plan: disabled at 14.6 years",
        n=1700,
    ),
    Spec(
        "E086",
        "recurrence of spasticity a mean 24 months after selective tibial neurotomy",
        "fraction",
        in_pain("selective_tibial_neurotomy", 24 * M),
        "tibial neurotomy plan: spasticity returned at 24 months",
    ),
    Spec(
        "E085",
        "long-term recurrence of spasticity after tibial neurotomy",
        "fraction",
        in_pain("selective_tibial_neurotomy", 60 * Y),
        "tibial neurotomy plan: spasticity returned at 60 years (the eventual proportion)",
        not_comparable="'long-term' with no time stored: the model's recurrence rises with time (about 14% at 5 "
        "years, 25% at 10, 40% at 20), so no time point can be chosen; the fit reads 61% as the eventual proportion",
    ),
    Spec(
        "E087",
        "abnormal foot posture improved a mean 24 months after tibial neurotomy",
        "fraction",
        controlled("selective_tibial_neurotomy", 24 * M),
        "tibial neurotomy plan: spasticity controlled at 24 months",
        n=16,
    ),
    Spec(
        "E089",
        "poor result a mean 24 months after tibial neurotomy",
        "fraction",
        lambda atlas: 1 - controlled("selective_tibial_neurotomy", 24 * M)(atlas),
        "tibial neurotomy plan: not controlled at 24 months",
        n=16,
    ),
    # ---- neuroma by site and end treatment
    Spec(
        "E068",
        "no pain or brief intermittent pain 14.1 months after primary TMR at amputation",
        "fraction",
        lambda atlas: 1 - neuroma_at("amputation", "tmr", 14.1 * M)(atlas),
        "1 - symptomatic neuroma at 14.1 months, amputation with TMR",
        n=25,
    ),
    Spec(
        "E134",
        "meaningful pain reduction after surgical treatment of a painful neuroma",
        "fraction",
        lambda atlas: 1 - neuroma_at("neuroma_revision", "burying_in_muscle", 5 * Y, True)(atlas),
        "1 - recurrent neuroma or deafferentation pain at 5 years after excision and burying (no proven effect)",
        ci=(73.0, 81.0),
        ci_source="E134's 95% CI (source text)",
    ),
    Spec(
        "E132",
        "symptomatic neuroma after major limb amputation",
        "fraction",
        lifetime_neuroma("amputation"),
        "lifetime neuroma risk of a cut in the amputation setting",
    ),
    Spec(
        "E133",
        "symptomatic end neuroma after limb loss",
        "fraction",
        lifetime_neuroma("amputation"),
        "lifetime neuroma risk of a cut in the amputation setting",
    ),
    Spec(
        "E135",
        "terminal neuroma or phantom pain after amputation (lower bound)",
        "fraction",
        lifetime_neuroma("amputation"),
        "lifetime neuroma risk of a cut in the amputation setting",
    ),
    Spec(
        "E169",
        "painful neuroma after a nerve injury (range)",
        "fraction",
        lifetime_neuroma("peripheral"),
        "lifetime neuroma risk of an elective cut of a peripheral nerve",
    ),
    # ---- regeneration
    Spec(
        "E151",
        "axonal regeneration rate after axonotmesis",
        "mm/day",
        rate("phenol"),
        "regrowth rate of the tube-sparing blocks",
        scale=1.0,
        ci=(1.3, 1.5),
        ci_source="E151's ± 0.1",
    ),
    Spec(
        "E077",
        "axonal regrowth rate after transection",
        "mm/day",
        rate("surgical_cut"),
        "regrowth rate after a surgical cut",
        scale=1.0,
    ),
    Spec(
        "E155",
        "axonal regeneration rate, any regenerating nerve (range)",
        "mm/day",
        rate("surgical_cut"),
        "regrowth rate after a surgical cut",
        scale=1.0,
    ),
    Spec(
        "E079",
        "axonal regrowth rate (range)",
        "mm/day",
        rate("radiofrequency"),
        "regrowth rate of the tube-sparing blocks",
        scale=1.0,
    ),
)

_COMPLICATION = "a complication or side effect, not part of the regrowth kinetics"
_SATISFACTION = "satisfaction, regret or a graded result: the model's relief is relieved or not"
_SCALE = "a score on a pain scale with no stored baseline: the model gives fractions of the pre-procedure pain"

#: Rows printed beside a plan that the model does not represent, with the reason.
NOT_COMPARED: Final[dict[str, str]] = {
    "E005": "revision rate: reoperation is not modelled",
    "E004": "revision rate: reoperation is not modelled",
    "E006": "revision rate: reoperation is not modelled",
    "E003": "LFCN injection: not a modelled method (a steroid injection)",
    "E007": _COMPLICATION,
    "E008": "'benefit from treatment' (41 of 47): a different outcome from complete relief (E002)",
    "E009": _COMPLICATION,
    "E014": "tolerance of the numbness, not its extent",
    "E017": "improved functional level: not an outcome of the kinetics",
    "E018": _COMPLICATION + " (hearing)",
    "E019": _COMPLICATION,
    "E020": _COMPLICATION,
    "E022": _COMPLICATION + " (hearing)",
    "E023": _COMPLICATION,
    "E025": "clinic page, not peer reviewed; E021 and E143 measure the same",
    "E026": "clinic page, not peer reviewed; E021 and E143 measure the same",
    "E028": "comparator arm (conservative surgery alone), not a modelled procedure",
    "E029": _COMPLICATION,
    "E030": _COMPLICATION,
    "E031": "reoperation: not modelled",
    "E033": "comparator arm (conservative surgery alone)",
    "E035": "modified laparoscopic technique: the model is the conventional technique (E034)",
    "E036": "historical open series, secondary citation, no follow-up",
    "E037": "primary dysmenorrhoea, secondary citation: the model's indication is endometriosis-related midline pain",
    "E041": _COMPLICATION,
    "E042": _COMPLICATION,
    "E043": _COMPLICATION,
    "E044": _COMPLICATION,
    "E046": _SATISFACTION,
    "E047": _SATISFACTION + " (craniofacial sweating: no fit)",
    "E048": _COMPLICATION + " (Horner's syndrome)",
    "E049": _COMPLICATION + " (Horner's syndrome)",
    "E050": _COMPLICATION + " (compensatory sweating)",
    "E051": _COMPLICATION + " (compensatory sweating)",
    "E054": _COMPLICATION + " (compensatory sweating)",
    "E055": _SATISFACTION,
    "E056": _SATISFACTION,
    "E059": _SATISFACTION,
    "E061": "clinic blog, not peer reviewed",
    "E062": "clinic page, not peer reviewed; E057 measures the stump neuroma first-hand",
    "E063": _SCALE,
    "E064": _SCALE,
    "E065": _SCALE,
    "E066": _SCALE,
    "E067": _SCALE,
    "E070": "phantom pain: not modelled",
    "E071": _SATISFACTION,
    "E074": "repeat treatment (not modelled); used as the lower end of E073's interval",
    "E075": "relief with repeat treatments (not modelled); its lower end bounds E073's interval",
    "E088": _SATISFACTION,
    "E090": _SCALE + " (modified Ashworth points)",
    "E091": "a technical recommendation (share of the muscle to denervate), not an outcome",
    "E093": "'open' phenol block: a different technique from the modelled percutaneous block (E092)",
    "E096": "subjective benefit among encounters with a recorded assessment: a different outcome from success (E092)",
    "E097": _COMPLICATION,
    "E098": _COMPLICATION,
    "E100": _SCALE + " (before and after not both stored)",
    "E102": "cooled radiofrequency: not a modelled method",
    "E104": "cooled radiofrequency: not a modelled method",
    "E108": _COMPLICATION + " (compensatory sweating)",
    "E109": _SATISFACTION,
    "E110": _SATISFACTION,
    "E111": _SATISFACTION,
    "E112": _SATISFACTION,
    "E113": _COMPLICATION + " (compensatory sweating)",
    "E114": _SATISFACTION,
    "E115": _COMPLICATION + " (compensatory sweating)",
    "E116": "relief pooled over hyperhidrosis and blushing (mixed indications)",
    "E118": "sympathectomy series for blushing without follow-up: see E106",
    "E119": _COMPLICATION + " (compensatory sweating)",
    "E120": _SATISFACTION,
    "E123": "bothersome numbness or hypersensitivity: not modelled",
    "E125": "extramuscular-only technique: not the modelled triple neurectomy",
    "E126": "orchialgia with paravasal neurectomy: not a modelled procedure",
    "E128": "selective neurectomy: not the modelled triple neurectomy",
    "E140": _COMPLICATION,
    "E141": _SCALE + " (plantar approach; final follow-up not stated)",
    "E142": _COMPLICATION + " (scar problems)",
    "E144": _COMPLICATION + " (hearing)",
    "E145": _COMPLICATION + " (hearing)",
    "E146": "disease in the other ear, not an outcome of the section",
    "E147": "prophylactic neurectomy at hernia repair: a different indication from the modelled triple neurectomy",
    "E149": "prophylactic neurectomy at hernia repair (hypoaesthesia)",
    "E150": "prophylactic neurectomy at hernia repair",
    "E158": _SCALE,
    "E159": _SCALE,
    "E160": _SCALE,
    "E161": _SCALE,
    "E162": _SCALE,
    "E163": _COMPLICATION + " (hearing)",
    "E164": _COMPLICATION + " (hearing)",
    "E165": _COMPLICATION + " (hearing)",
    "E166": _COMPLICATION + " (hearing)",
    "E167": _COMPLICATION + " (hearing)",
    "E171": _SATISFACTION,
    "E173": "cooled radiofrequency: not a modelled method",
    "E174": "cooled radiofrequency: not a modelled method",
    "E175": "musculocutaneous neurectomy: not a modelled procedure",
    "E176": "LUNA plus presacral neurectomy for primary dysmenorrhoea: a different procedure and indication",
    "E177": "LUNA alone: not a modelled procedure",
    "E178": "sympathectomy (T2 or T2-T3) for blushing, excellent or satisfactory: " + _SATISFACTION,
    "E179": _COMPLICATION + " (compensatory sweating)",
    "E180": _SATISFACTION,
    "E181": _SATISFACTION,
    "E182": _COMPLICATION + " (compensatory sweating)",
    "E184": _COMPLICATION + " (Horner's syndrome)",
    "E185": _COMPLICATION + " (compensatory sweating)",
    "E186": "R2 sympathicotomy with preemptive diffuse sympathicotomy: a different procedure",
    "E187": _COMPLICATION + " (compensatory sweating)",
    "E188": _COMPLICATION + " (compensatory sweating)",
    "E189": _COMPLICATION + " (compensatory sweating)",
    "E190": _SATISFACTION,
    "E194": _COMPLICATION + " (paraesthesia)",
    "E195": _COMPLICATION + " (paraesthesia)",
    "E137": _SCALE + " (difference against percutaneous RF)",
    "E350": _COMPLICATION + " (meningitis)",
    "E351": _COMPLICATION + " (facial paralysis)",
    "E352": _COMPLICATION + " (facial paralysis, middle fossa)",
    "E353": _COMPLICATION + " (delayed facial paralysis)",
    "E354": _COMPLICATION + " (delayed facial paralysis)",
    "E355": _COMPLICATION + " (gustatory sweating)",
    "E356": _COMPLICATION + " (pneumothorax)",
    "E357": _COMPLICATION + " (bleeding)",
    "E358": _COMPLICATION + " (fall in heart rate)",
}


def disagreement(evidence_id: str) -> str:
    """Why the model does not follow a printed row (``Spec.disagrees``), for a note beside it wherever it is printed
    (a plan's evidence table prints E076's 6-12 months beside a course that follows E073's 15); "" otherwise."""
    for spec in SPECS:
        if spec.evidence == evidence_id and spec.disagrees:
            return spec.disagrees
    return ""


def check(atlas: Atlas) -> ModelCheck:
    """Compare the models with every evidence row they use (see the module docstring)."""
    rows = {r.id: r for r in load_evidence()}
    _plan.cache_clear()  # plans are built afresh for each check (the fits may have changed in between)
    out = tuple(_compare(spec, rows[spec.evidence], atlas) for spec in SPECS)
    compared = {spec.evidence for spec in SPECS}
    skipped = tuple((rid, why) for rid, why in sorted(NOT_COMPARED.items()) if rid not in compared)
    return ModelCheck(out, skipped)
