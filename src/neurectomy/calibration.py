"""What the evidence says happens afterwards: the fitted parameters of the regrowth kinetics, by method and site.

Every number here is fitted to named rows of :mod:`neurectomy.evidence` (``E…``) or says ``estimate: <reason>``;
each carries an uncertainty (``Param.low``–``Param.high``). ``neurectomy model check`` (:mod:`neurectomy.modelcheck`)
runs the kinetics and compares them with every row used here, so a fit that drifts from its rows is caught.

How the evidence maps onto the kinetics
---------------------------------------
*Blocks that spare the tubes* (phenol, alcohol, cryoneurolysis, radiofrequency; a diagnostic block). In patient
``i`` the interruption is crossed after a latency ``L_i`` and the fibres then grow at ``rate`` mm/day, so they reach
a target ``d`` mm away at ``A_i = L_i + d / rate``. The pain (or the disabled function) comes back when they
arrive; function then returns over ``maturation`` days. Latencies vary between patients: ``L`` is log-normal with
median ``latency`` and log-spread ``spread``, discretised into :data:`NODES` equal-probability nodes (so the last
patient recovers at a finite time, as every series reports). A fraction ``response`` is relieved at all.

*A reported duration is an arrival time at the evidence site*, except where the relief ends before regrowth could
cover any distance (peripheral cryoanalgesia, E157: a median of 11 days): there the pain returns after the latency
whatever the distance, while feeling and strength still wait for regrowth (``pain_follows_regrowth``). A study
reports how long relief lasted (E073: 15 months after lumbar medial branch radiofrequency) at a site whose
lesion-to-target distance ``d_e`` is taken from the atlas for the same cut (``evidence_distance``: 12 mm from the
L3/L4 medial branch lesions to the L4-L5 facet joint). So ``latency = duration - d_e / rate``: the fitted latency is
the time the lesion takes to be crossed, and the same parameters predict a longer relief for a target farther away.
Means with a standard deviation (E094) are matched by the moments of the discretised log-normal; a median by
its median; proportions still relieved at given times (E103, E191, E192, E138/E139, E196/E197) by least squares
over ``response``, ``latency`` and, where three rows allow it, ``spread``.

*A surgical cut* severs the tubes: a few misdirected fibres reconnect through the cut end (``ceiling``; cautery,
capping, TMR or RPNI stop even those), neighbouring nerves restore some feeling to the numb skin by collateral sprouting
whatever the end treatment (:data:`neurectomy.regrowth.kinetics.COLLATERAL`), and a symptomatic neuroma or
deafferentation pain may develop, with cumulative probability ``risk * (1 - exp(-t / onset))``. Both base risks depend
on the site (:data:`SITE_RISKS`): a major limb amputation
is not an interdigital neurectomy, and a cut through the central processes of the vestibular nerve or through
the sympathetic chain has no reported neuroma at all. Regained feeling after a surgical cut does not bring back
the pain it treated: after Morton's neurectomy 72% of feet are still numb at 15 years (E058) while 76.5% have a
good or excellent result (E055, E056) — the pain comes back through a stump neuroma (E057), deafferentation or
recurrence of the indication.

*Recurrence after a "permanent" procedure* (:data:`OUTCOMES`) is the indication coming back although the nerve was
cut: blushing after R2 sympathicotomy (41% at a median 16 years, E183), dysmenorrhoea after presacral neurectomy
(81.8% by 8 years, E034), calf spasticity after tibial neurotomy (61% long-term, E085). It is a Weibull
``plateau * (1 - exp(-(t / scale) ** shape))`` fitted to the rows' time points, on top of a primary ``failure``
(patients the procedure never helped), fitted to the row of earliest follow-up.

End treatments act on the neuroma risk as relative risks taken from comparative evidence, or as "no proven
effect" (relative risk 1) where no comparison exists (:mod:`neurectomy.methods`).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Final, Literal

from neurectomy.methods import Param

DAYS_PER_MONTH: Final = 365.25 / 12
DAYS_PER_YEAR: Final = 365.25
#: Equal-probability nodes of the between-patient latency distribution: node ``k`` stands for the patients
#: between quantiles ``k/NODES`` and ``(k+1)/NODES`` (its value is the midpoint quantile).
NODES: Final = 64
Z_NODES: Final[tuple[float, ...]] = tuple(NormalDist().inv_cdf((k + 0.5) / NODES) for k in range(NODES))

Site = Literal[
    "peripheral",
    "facet_lumbar",
    "facet_cervical",
    "genicular",
    "interdigital",
    "motor_branch",
    "autonomic",
    "central_process",
    "amputation",
    "neuroma_revision",
]
SITES: Final[tuple[str, ...]] = (
    "peripheral",
    "facet_lumbar",
    "facet_cervical",
    "genicular",
    "interdigital",
    "motor_branch",
    "autonomic",
    "central_process",
    "amputation",
    "neuroma_revision",
)
Status = Literal["rate", "not reported", "not applicable"]

_NO: Final[Status] = "not applicable"


def _p(value: float, unit: str, source: str, low: float | None = None, high: float | None = None) -> Param:
    return Param(value, unit, source, low, high)


# --------------------------------------------------------------------------- blocks that spare the tubes
@dataclass(frozen=True, slots=True)
class Course:
    """How long one tube-sparing method's interruption lasts at one site (``site == "*"``: any other site)."""

    method: str
    site: str
    response: Param
    latency: Param
    spread: Param
    evidence_distance: Param
    fitted_to: tuple[str, ...]
    note: str
    #: False where the pain returns after the latency whatever the distance (E157); function still needs regrowth
    pain_follows_regrowth: bool = True
    #: how far the rows behind the fit followed their patients (days; None: not stored) and from which rows: a course
    #: that runs past it is extrapolation, and the plan says so
    followup_days: float | None = None
    followup_source: str = ""
    #: the sites where rows measure this method (for a ``"*"`` entry); elsewhere the fit is borrowed, and
    #: ``borrowed`` says from where, printed beside the course as "no evidence at this site"
    evidenced_at: tuple[str, ...] = ()
    borrowed: str = ""

    def evidence_caveat(self, site: str) -> str:
        """ "" where rows measure the method at ``site``; else what the course borrows (printed with the course)."""
        if not self.borrowed or site in self.evidenced_at:
            return ""
        return f"no evidence for {self.method.replace('_', ' ')} at this site ({site.replace('_', ' ')}): " + (
            self.borrowed
        )


_RF_SPREAD = _p(
    0.541,
    "log-spread",
    "E198: relief typically lasts 6-24 months (clinic page, lumbar and cervical), read as the 10th-90th percentile "
    "range: ln(24/6) / (2 x 1.2816)",
    0.3,
    0.8,
)
_PHENOL_SPREAD = _p(
    1.347,
    "log-spread",
    "E094: fitted with the latency so that the model's durations have the reported mean 164.5 and SD 169.4 days",
    1.0,
    1.7,
)

COURSES: Final[tuple[Course, ...]] = (
    Course(
        "radiofrequency",
        "facet_lumbar",
        _p(
            0.582,
            "fraction",
            "E072: 58% and 53% successful outcome (complete relief for at least 6 months) in two practices; their mean "
            "55.5% is the model's fraction relieved at 6 months",
            0.556,
            0.609,
        ),
        _p(
            448.0,
            "days",
            "E073: relief lasted 15 months (456.6 days) after a first RF neurotomy, less 12 mm / 1.4 mm/day of "
            "regrowth to the joint; interval from E074 (13 months, repeat RFN) to E075 (17 months, lower end with "
            "repeats)",
            387.0,
            509.0,
        ),
        _RF_SPREAD,
        _p(
            12.0,
            "mm",
            "atlas: L3/L4 medial branch lesions to the L4-L5 facet joint (lumbar_medial_branch_rf_neurotomy)",
        ),
        ("E072", "E073", "E198"),
        "duration 15 months (E073: 'relief lasted 15 months', mean or median not stated, read as the median) at "
        "12 mm; success at 6 months 55.5% (E072)",
        followup_source="E072, E073: the follow-up is not stored (E075: relief maintained a median 17-33 months with "
        "repeat treatments)",
    ),
    Course(
        "radiofrequency",
        "facet_cervical",
        _p(
            0.531,
            "fraction",
            "E196, E197: least squares to the mean NRS reductions 47.66% at 2-6 months (taken at 4) and 21.47% at "
            ">6 months (taken at 9; estimate: the end of follow-up is not stored)",
            0.43,
            0.63,
        ),
        _p(239.0, "days", "E196, E197: fitted with the response (see there)", 180.0, 320.0),
        _RF_SPREAD,
        _p(
            2.0,
            "mm",
            "atlas: C3/C4 medial branch lesions to the C3-C4 facet joint (cervical_medial_branch_rf_neurotomy)",
        ),
        ("E196", "E197"),
        "cervical relief is shorter than lumbar: 21.47% mean reduction beyond 6 months (E197)",
        followup_source="E196, E197: '>6 months' (the end of follow-up is not stored)",
    ),
    Course(
        "radiofrequency",
        "genicular",
        _p(
            0.279,
            "fraction",
            "E101, E103 (one study, n = 170): fitted so that the mean duration of >50% relief within 12 months is "
            "2.6 months and 8.8% still have it at 12 months; the interval reaches up to the RCT arm E193 (50% "
            "relieved at 3 months, Wilson lower end 0.34, n = 32), which the central value does not follow",
            0.2,
            0.6,
        ),
        _p(242.3, "days", "E101, E103: fitted with the response", 150.0, 350.0),
        _RF_SPREAD,
        _p(
            71.4,
            "mm",
            "atlas: genicular nerve lesions (at their origins) to the knee joint (genicular_nerve_rf_neurotomy)",
        ),
        ("E101", "E103"),
        "conventional genicular RF relieves fewer patients for a shorter time than lumbar medial branch RF in the "
        "retrospective series (E101/E103); in the only head-to-head trial (E192/E193) RF and phenol were equal at 3 "
        "months, so the comparison with phenol is uncertain",
        followup_days=12 * DAYS_PER_MONTH,
        followup_source="E101, E103: 12 months",
    ),
    Course(
        "radiofrequency",
        "*",
        _p(
            0.279,
            "fraction",
            "E101, E103 (genicular fit; estimate: no row for RF at this site, and the genicular nerves, sensory "
            "branches outside the spine, are the closest evidenced site)",
            0.2,
            0.6,
        ),
        _p(242.3, "days", "E101, E103 (genicular fit; estimate: no row for RF at this site)", 150.0, 350.0),
        _RF_SPREAD,
        _p(71.4, "mm", "atlas: as the genicular fit"),
        ("E101", "E103"),
        "no row measures RF outside the facet and genicular sites: the genicular fit is used (the lumbar medial "
        "branch fit, 15 months of complete relief, is a spinal site with another measure)",
        followup_days=12 * DAYS_PER_MONTH,
        followup_source="E101, E103: 12 months",
        borrowed="no row measures radiofrequency here, so the genicular fit (E101, E103), the closest evidenced "
        "peripheral site, is used",
    ),
    Course(
        "phenol",
        "genicular",
        _p(
            0.538,
            "fraction",
            "E192, E191: least squares to >=50% relief in 53.1% at 3 months and 43.5% at 9.9 months (spread from E094)",
            0.40,
            0.68,
        ),
        _p(811.0, "days", "E191, E192: fitted with the response", 400.0, 1600.0),
        _PHENOL_SPREAD,
        _p(71.4, "mm", "atlas: genicular nerve lesions to the knee joint"),
        ("E191", "E192"),
        "phenol at the genicular nerves lasts longer than phenol for spasticity (E094)",
        followup_days=16.0 * DAYS_PER_MONTH,
        followup_source="E191: follow-up a mean 9.9 ± 6.1 months (mean + 1 SD, 16 months, taken as its reach); "
        "E192: 3 months",
    ),
    Course(
        "phenol",
        "*",
        _p(
            0.66,
            "fraction",
            "E092: pooled success of percutaneous phenol blocks for spasticity 66% (no n; interval E093 open 54% to "
            "E096 subjective benefit 84.5%)",
            0.54,
            0.845,
        ),
        _p(
            42.49,
            "days",
            "E094: fitted with the spread so the model's effect lasts a mean 164.5 days (SD 169.4) at 90 mm",
            28.0,
            64.0,
        ),
        _PHENOL_SPREAD,
        _p(
            90.0,
            "mm",
            "estimate: E094 does not name the nerves; the atlas distance from the obturator canal to adductor longus "
            "(obturator_phenol_neurolysis) stands for a limb motor nerve to its muscle",
        ),
        ("E092", "E094"),
        "mean effective duration 164.5 days (E094)",
        followup_source="E092, E094: the follow-up is not stored",
        evidenced_at=("peripheral", "motor_branch"),
        borrowed="no row measures phenol here, so the fit to phenol blocks of limb nerves for spasticity (E092, "
        "E094) is used",
    ),
    Course(
        "alcohol",
        "genicular",
        _p(
            0.538,
            "fraction",
            "estimate: no alcohol row; phenol's genicular response (E191, E192) with a wider interval, as both are "
            "chemical neurolysis (alcohol's own fit elsewhere borrows phenol's spasticity fit, which at the knee "
            "would make alcohol last months where phenol lasts years: an artefact)",
            0.3,
            0.8,
        ),
        _p(811.0, "days", "estimate: phenol's genicular latency (E191, E192), interval widened", 300.0, 2000.0),
        _p(1.347, "log-spread", "estimate: phenol's (E094), widened", 0.8, 2.0),
        _p(71.4, "mm", "atlas: genicular nerve lesions to the knee joint"),
        (),
        "no alcohol row: phenol's genicular central values, a wider uncertainty",
        followup_days=16.0 * DAYS_PER_MONTH,
        followup_source="E191 (phenol): follow-up a mean 9.9 ± 6.1 months",
        borrowed="no alcohol row at the knee (or anywhere), so phenol's genicular fit (E191, E192) is used with a "
        "wider uncertainty",
    ),
    Course(
        "alcohol",
        "*",
        _p(
            0.66,
            "fraction",
            "estimate: no alcohol row (evidence README gap); phenol's response (E092) with a wider interval",
            0.4,
            0.9,
        ),
        _p(
            42.49,
            "days",
            "estimate: no alcohol-neurolysis duration in the evidence (README gap); phenol's fit (E094) is borrowed, "
            "with an interval twice as wide on the log scale, as both are chemical axonotmesis",
            19.0,
            95.0,
        ),
        _p(1.347, "log-spread", "estimate: phenol's (E094), widened", 0.8, 2.0),
        _p(90.0, "mm", "estimate: as phenol"),
        (),
        "no row: phenol's central values, a wider uncertainty",
        followup_source="no alcohol row",
        borrowed="no alcohol row anywhere, so phenol's fit (E092, E094) is used with a wider uncertainty",
    ),
    Course(
        "cryoneurolysis",
        "facet_lumbar",
        _p(
            0.724,
            "fraction",
            "E138, E139: fitted to 72% pain-free or much improved at 6 weeks and mean VAS 3.0 at 6 and 4.2 at 12 "
            "months (of 7.7 before, E139's source text), read as 61% and 45% relieved",
            0.58,
            0.84,
        ),
        _p(503.1, "days", "E138, E139: fitted with the response and spread", 300.0, 800.0),
        _p(1.052, "log-spread", "E138, E139: fitted", 0.6, 1.5),
        _p(12.0, "mm", "atlas: lumbar medial branch lesions to the facet joint"),
        ("E138", "E139"),
        "medial branch cryodenervation: relief for months",
        followup_days=12 * DAYS_PER_MONTH,
        followup_source="E139: 12 months",
    ),
    Course(
        "cryoneurolysis",
        "*",
        _p(
            0.8125,
            "fraction",
            "E156: significant pain reduction in 52 of 64 patients (Wilson 95% interval)",
            0.70,
            0.89,
        ),
        _p(
            11.0,
            "days",
            "E157: median relief 11 days; the nerves (sciatic, intercostal, facial) and distances are not given and "
            "relief ended before regrowth could cover any of them, so the whole duration is latency (d_e = 0)",
            8.0,
            15.0,
        ),
        _p(
            1.395,
            "log-spread",
            "E157: the longest relief, 224 days, read as the top of 64 patients: ln(224/11) / z(64/65)",
            1.0,
            1.8,
        ),
        _p(0.0, "mm", "estimate: E157 gives no site (see latency)"),
        ("E156", "E157"),
        "peripheral cryoanalgesia: median relief 11 days, whatever the distance (the pain does not wait for "
        "regrowth; feeling and strength still return by regrowth at 1.4 mm/day, E151)",
        pain_follows_regrowth=False,
        followup_days=224.0,
        followup_source="E157: the longest relief seen, 224 days (the follow-up itself is not stored)",
        evidenced_at=("peripheral",),
        borrowed="no row measures cryoneurolysis here, so the peripheral fit (E156, E157) is used",
    ),
    Course(
        "diagnostic_block",
        "*",
        _p(
            1.0,
            "fraction",
            "estimate: a local anaesthetic at the nerve blocks conduction in nearly everyone (no response row)",
            0.9,
            1.0,
        ),
        _p(
            0.167,
            "days",
            "estimate: a local anaesthetic blocks conduction for hours (about 4 h typical; lidocaine 1-3 h, "
            "bupivacaine or ropivacaine up to about a day), no row in the evidence table gives a conduction-block "
            "duration; E095 (9.1 days after intraneural lidocaine for spasticity) measures an effect on spasticity, "
            "not a conduction block, and is not used",
            0.04,
            0.75,
        ),
        _p(
            0.9,
            "log-spread",
            "estimate: 10th-90th percentile of about 1.3-13 hours across agents and doses (ln(13/1.3) / 2.563)",
            0.5,
            1.3,
        ),
        _p(0.0, "mm", "a conduction block needs no regrowth"),
        (),
        "a local anaesthetic block lasts hours (estimate; no duration row): feeling and pain are back the same day",
        followup_days=1.0,
        followup_source="estimate: a conduction block of hours",
    ),
)


def course(method: str, site: str) -> Course | None:
    """The fitted course of a tube-sparing method at a site (its ``"*"`` entry elsewhere); None for other methods."""
    fallback = None
    for c in COURSES:
        if c.method == method:
            if c.site == site:
                return c
            if c.site == "*":
                fallback = c
    return fallback


# --------------------------------------------------------------------------- surgical cuts, by site
@dataclass(frozen=True, slots=True)
class SiteRisk:
    """What a surgical cut risks at one site: a symptomatic neuroma, deafferentation pain (lifetime, no end
    treatment), each with a status ("rate", "not reported", "not applicable"); ``ceiling`` overrides the method's
    fraction of fibres that reconnect where the site has a row for it."""

    site: str
    neuroma_status: Status
    neuroma: Param
    deafferentation_status: Status
    deafferentation: Param
    ceiling: Param | None
    why: str


_DEAFF_SOMATIC = _p(
    0.02,
    "probability",
    "estimate: no row reports deafferentation pain after an elective neurectomy; the success rows (E127 98% after "
    "triple neurectomy, E005 no revision after LFCN neurectomy) leave room for a few percent at most",
    0.0,
    0.05,
)
_PERIPHERAL_NEUROMA = _p(
    0.02,
    "probability",
    "estimate: no row gives a first-hand neuroma rate after an elective cut of a peripheral nerve other than the "
    "interdigital one (E057: 8.2%, the interval's top). The value is bounded by the success rows: 98% success "
    "after triple neurectomy (E127, n = 497) leaves at most about 2-3% painful neuroma by a year, and E005 (no "
    "revision after LFCN neurectomy, 95% CI 0-2%); E169's 2-60% is after nerve injury, not an elective cut, and 2% "
    "is its lower edge. Interval 0 to E057's 8.2%",
    0.0,
    0.082,
)
_ZERO_NR = _p(0.0, "probability", "not reported: no row gives a rate at this site")
_ZERO_NA = _p(0.0, "probability", "not applicable at this site")

SITE_RISKS: Final[tuple[SiteRisk, ...]] = (
    SiteRisk(
        "peripheral",
        "rate",
        _PERIPHERAL_NEUROMA,
        "rate",
        _DEAFF_SOMATIC,
        None,
        "a somatic peripheral nerve divided electively",
    ),
    SiteRisk("facet_lumbar", "rate", _PERIPHERAL_NEUROMA, "rate", _DEAFF_SOMATIC, None, "medial branch: as peripheral"),
    SiteRisk(
        "facet_cervical", "rate", _PERIPHERAL_NEUROMA, "rate", _DEAFF_SOMATIC, None, "medial branch: as peripheral"
    ),
    SiteRisk("genicular", "rate", _PERIPHERAL_NEUROMA, "rate", _DEAFF_SOMATIC, None, "genicular: as peripheral"),
    SiteRisk(
        "interdigital",
        "rate",
        _p(
            0.082,
            "probability",
            "E057: 8 of 98 feet had a poor result, all with a stump neuroma, at a mean 15.3 years "
            "(Wilson 95% interval)",
            0.042,
            0.153,
        ),
        "rate",
        _DEAFF_SOMATIC,
        _p(
            0.1,
            "fraction",
            "E058: 72% of feet still numb at a mean 15.3 years, so feeling returned in 28% (Wilson interval of 72%: "
            "62-80% numb). That return is reconnection through the stump and collateral sprouting from neighbouring "
            "nerves (neurectomy.regrowth.kinetics.COLLATERAL, 0.2): through the stump 1 - 0.72 / 0.8 = 0.10, "
            "interval 1 - 0.80 / 0.8 = 0 to 1 - 0.62 / 0.8 = 0.225",
            0.0,
            0.225,
        ),
        "the common plantar digital nerve (Morton's neurectomy)",
    ),
    SiteRisk(
        "motor_branch",
        "not reported",
        _ZERO_NR,
        _NO,
        _ZERO_NA,
        None,
        "a purely motor branch: no skin territory to become painful; no row reports a neuroma after selective "
        "neurotomy (E085-E091)",
    ),
    SiteRisk(
        "autonomic",
        "not reported",
        _ZERO_NR,
        "not reported",
        _ZERO_NR,
        None,
        "sympathetic chain or autonomic plexus: no row reports a neuroma or deafferentation pain after "
        "sympathicotomy or presacral neurectomy (E027-E054, E105-E120, E178-E190)",
    ),
    SiteRisk(
        "central_process",
        _NO,
        _ZERO_NA,
        _NO,
        _ZERO_NA,
        _p(
            0.0,
            "fraction",
            "estimate: the section is central to the ganglion (vestibular or spiral); central processes do not "
            "regrow into the brainstem (E143: vertigo still controlled a mean 16 years after vestibular nerve "
            "section)",
        ),
        "a nerve of special sense (the vestibular or the cochlear nerve) is divided through the central processes "
        "of its ganglion cells, central to the ganglion: there is no peripheral stump to form a neuroma and no skin "
        "territory",
    ),
    SiteRisk(
        "amputation",
        "rate",
        _p(
            0.31,
            "probability",
            "E132 (13-32%), E133 (30-40%), E135 (>25%): the only values inside all three reported ranges are 30-32%; "
            "interval their union",
            0.13,
            0.40,
        ),
        "not reported",
        _p(0.0, "probability", "not modelled: phantom limb pain after amputation is outside this model"),
        None,
        "major limb amputation (a setting, chosen by a procedure, not derived from a cut)",
    ),
    SiteRisk(
        "neuroma_revision",
        "rate",
        _p(
            0.23,
            "probability",
            "E134: surgical treatment of a painful neuroma effective in 77% (95% CI 73-81%), with no significant "
            "difference between techniques: 23% keep neuroma pain",
            0.19,
            0.27,
        ),
        "rate",
        _DEAFF_SOMATIC,
        None,
        "excision of a symptomatic neuroma (a setting chosen by the TMR and RPNI procedures)",
    ),
)


def site_risk(site: str) -> SiteRisk:
    for s in SITE_RISKS:
        if s.site == site:
            return s
    raise KeyError(f"unknown site {site!r}; one of {', '.join(SITES)}")


# --------------------------------------------------------------------------- procedures: failure and recurrence
@dataclass(frozen=True, slots=True)
class Recurrence:
    """The indication returns in ``plateau * (1 - exp(-(t / scale) ** shape))`` of patients by day ``t``."""

    plateau: Param
    scale: Param
    shape: Param

    def at(self, days: float) -> float:
        import math

        return self.plateau.value * (1.0 - math.exp(-((max(days, 0.0) / self.scale.value) ** self.shape.value)))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the evidence says about one procedure's indication when the procedure is done with its own method:
    the primary ``failure`` and the ``recurrence`` over time, for the treated targets (``targets``; empty: all of the
    procedure's ``treats``). ``site`` overrides the site of its cuts (a clinical setting such as neuroma revision).

    ``indication`` names what the failure and recurrence count where it is not the treated targets' own function
    (spasticity returning after a selective tibial neurotomy is not strength returning; vertigo not controlled after
    a vestibular neurectomy is not the canals working again): the targets' function then follows the supply lost and
    regrowth, and the plan's indication course is this measure, a fraction of patients. Empty where the function the
    procedure disables is itself what comes back (sweating and blushing after sympathicotomy)."""

    procedure: str
    failure: Param
    recurrence: Recurrence | None = None
    targets: tuple[str, ...] = ()
    site: str | None = None
    fitted_to: tuple[str, ...] = ()
    indication: str = ""


_NONE_REPORTED = _p(0.0, "fraction", "not reported: no row gives a primary failure rate", 0.0, 0.1)
#: Revision of an established neuroma, whatever the technique: E134 pooled 77% (95% CI 73-81%) meaningful pain
#: reduction with no significant difference between techniques, and the one RCT of TMR against excision and burying
#: (E063-E066) was not significant on intention to treat; E069 (RPNI, 71%) is a mean reduction, not a fraction.
_REVISION_FAILURE = _p(
    0.025,
    "fraction",
    "E134: meaningful pain reduction in 77% (95% CI 73-81%) after surgical treatment of a painful neuroma, with no "
    "significant difference between techniques (TMR and RPNI included: E063-E066 and E069 give mean changes, not "
    "rates); compared at 1 year (estimate: the pooled follow-up is not stored), less the revision neuroma and "
    "deafferentation risks; interval from E134's CI",
    0.0,
    0.076,
)

OUTCOMES: Final[tuple[Outcome, ...]] = (
    Outcome(
        "vestibular_neurectomy",
        _p(
            0.15,
            "fraction",
            "E021: complete relief of vertigo in 85% (27 of 32) at 6 months or more (Wilson interval)",
            0.07,
            0.32,
        ),
        fitted_to=("E021",),
        indication="vertigo not controlled",
    ),
    Outcome(
        "endoscopic_medial_branch_neurotomy",
        _p(
            0.0,
            "fraction",
            "E136: 96.7-97.8% excellent or good, met by the neuroma and deafferentation risks alone",
            0,
            0.03,
        ),
        fitted_to=("E136",),
    ),
    Outcome(
        "presacral_neurectomy",
        _p(0.1297, "fraction", "E040: cure of dysmenorrhoea 87% at 12 months (fitted with the recurrence)", 0.05, 0.25),
        Recurrence(
            _p(1.0, "fraction", "estimate: no plateau reported; in time every patient may relapse"),
            _p(
                7.161 * DAYS_PER_YEAR,
                "days",
                "E027, E034: treatment failure 15% at a median 34 months and recurrence 81.8% by 8 years "
                "(conventional laparoscopic technique), fitted with E040",
                5.5 * DAYS_PER_YEAR,
                9.0 * DAYS_PER_YEAR,
            ),
            _p(4.04, "shape", "E027, E034, E040: fitted (late, accelerating recurrence)", 2.5, 6.0),
        ),
        fitted_to=("E027", "E034", "E040"),
    ),
    Outcome(
        "lfcn_neurectomy",
        _p(
            0.124,
            "fraction",
            "E001: complete pain relief 85% (95% CI 71-96%) after LFCN neurectomy, compared at 1 year (estimate: the "
            "pooled follow-up is not stored), less the neuroma and deafferentation risks",
            0.01,
            0.27,
        ),
        fitted_to=("E001",),
    ),
    Outcome(
        "lfcn_decompression",
        _p(0.37, "fraction", "E002: complete pain relief 63% after LFCN neurolysis (decompression)", 0.25, 0.5),
        fitted_to=("E002",),
    ),
    Outcome(
        "mortons_neurectomy",
        _p(
            0.25,
            "fraction",
            "E170: 50-85% significantly improved after Morton's neurectomy; the model's long-term relief is the "
            "midpoint 67.5%, less the interdigital neuroma (E057) and deafferentation risks",
            0.0,
            0.45,
        ),
        fitted_to=("E170",),
    ),
    Outcome(
        "ets_r2_facial_blushing",
        _p(0.0, "fraction", "not reported for R2 sympathicotomy (E178 and E106 are sympathectomy series)", 0.0, 0.25),
        Recurrence(
            _p(1.0, "fraction", "estimate: no plateau reported"),
            _p(
                30.32 * DAYS_PER_YEAR,
                "days",
                "E183: blushing recurred in 41% at a median 16 years after R2 sympathicotomy; a constant hazard gives "
                "16 years / -ln(0.59); interval from the Wilson interval of 41% (n = 66 responders)",
                21.0 * DAYS_PER_YEAR,
                45.0 * DAYS_PER_YEAR,
            ),
            _p(1.0, "shape", "estimate: one time point, so a constant hazard"),
        ),
        targets=("cutaneous_vessels_of_face",),
        fitted_to=("E183",),
    ),
    Outcome(
        "ets_r3_palmar_hyperhidrosis",
        _p(
            0.049,
            "fraction",
            "E052: palmar complaints disappeared in 95.1% at a mean 80.9 months (recurrences included)",
            0.02,
            0.1,
        ),
        targets=("sweat_glands_of_palm",),
        fitted_to=("E052",),
    ),
    Outcome(
        "ets_r4_axillary_hyperhidrosis",
        _p(
            0.311,
            "fraction",
            "E107: successful result in 68.9% for axillary hyperhidrosis at a mean 14.6 years",
            0.2,
            0.4,
        ),
        targets=("sweat_glands_of_axilla",),
        fitted_to=("E107",),
    ),
    Outcome(
        "selective_tibial_neurotomy",
        _p(
            0.0,
            "fraction",
            "not reported separately: E089's 6% poor results are E086's one recurrence in 16",
            0.0,
            0.1,
        ),
        Recurrence(
            _p(
                0.61,
                "fraction",
                "E085: 61% recurrence of spasticity at long-term follow-up (Berard et al., secondary), read as the "
                "eventual proportion",
                0.45,
                0.75,
            ),
            _p(
                222.0 * DAYS_PER_MONTH,
                "days",
                "E086: 1 of 16 recurred by a mean 24 months: 24 / -ln(1 - 0.0625 / 0.61) months",
                60.0 * DAYS_PER_MONTH,
                2000.0 * DAYS_PER_MONTH,
            ),
            _p(1.0, "shape", "estimate: constant hazard"),
        ),
        fitted_to=("E085", "E086"),
        indication="spasticity returned",
    ),
    Outcome(
        "greater_occipital_neurectomy",
        _p(
            0.268,
            "fraction",
            "E121: >=50% reduction of the headache index in 70.4% at an average 33 months, less the neuroma and "
            "deafferentation risks",
            0.16,
            0.38,
        ),
        fitted_to=("E121",),
    ),
    Outcome(
        "occipital_nerve_decompression",
        _p(0.14, "fraction", "E099: success (>=50% NRS reduction at 12 months) in 86.0% (Wilson interval)", 0.07, 0.27),
        fitted_to=("E099",),
    ),
    Outcome(
        "triple_neurectomy",
        _p(0.0, "fraction", "E127: 98% success, met by the neuroma and deafferentation risks alone", 0.0, 0.03),
        fitted_to=("E127",),
    ),
    Outcome(
        "tmr_symptomatic_neuroma",
        _REVISION_FAILURE,
        site="neuroma_revision",
        fitted_to=("E134",),
    ),
    Outcome(
        "rpni_symptomatic_neuroma",
        _REVISION_FAILURE,
        site="neuroma_revision",
        fitted_to=("E134",),
    ),
)


#: What "relieved" (or "controlled") means in the rows each fit follows: the measures differ between methods and
#: procedures, so the measure is printed beside every course (a cross-method comparison mixes them).
MEASURES: Final[dict[str, str]] = {
    "radiofrequency@facet_lumbar": "complete relief for at least 6 months (E072) and its duration (E073, mean or "
    "median not stated, read as the median)",
    "radiofrequency@facet_cervical": "mean percent NRS reduction read as a fraction relieved (E196, E197; estimate)",
    "radiofrequency@genicular": ">50% relief (E101, E103)",
    "radiofrequency@*": ">50% relief, borrowed from the genicular fit (E101, E103; no row at this site)",
    "phenol@genicular": ">=50% relief (E191, E192)",
    "phenol@*": "success of a phenol block for spasticity (E092) and its mean duration (E094)",
    "alcohol@*": "phenol's measures (no alcohol row)",
    "alcohol@genicular": ">=50% relief, phenol's genicular measure (E191, E192; no alcohol row)",
    "cryoneurolysis@facet_lumbar": "pain-free or much improved (E138); mean VAS read as a fraction relieved (E139)",
    "cryoneurolysis@*": "significant pain reduction (E156) and median duration (E157)",
    "diagnostic_block@*": "conduction block (estimate: hours; no row)",
    "vestibular_neurectomy": "complete relief of vertigo (E021)",
    "endoscopic_medial_branch_neurotomy": "MacNab excellent or good (E136): a graded result, not pain-free",
    "presacral_neurectomy": "cure of dysmenorrhoea (E040) and recurrence (E027, E034)",
    "lfcn_neurectomy": "complete pain relief (E001)",
    "lfcn_decompression": "complete pain relief (E002)",
    "mortons_neurectomy": "significant improvement (E170)",
    "ets_r2_facial_blushing": "recurrence of blushing (E183)",
    "ets_r3_palmar_hyperhidrosis": "palmar complaints gone (E052)",
    "ets_r4_axillary_hyperhidrosis": "successful result (E107)",
    "selective_tibial_neurotomy": "recurrence of spasticity (E085, E086)",
    "greater_occipital_neurectomy": ">=50% reduction of the headache index (E121)",
    "occipital_nerve_decompression": ">=50% NRS reduction at 12 months (E099)",
    "triple_neurectomy": "success, relief of inguinodynia (E127)",
    "tmr_symptomatic_neuroma": "meaningful pain reduction (E134, pooled techniques)",
    "rpni_symptomatic_neuroma": "meaningful pain reduction (E134, pooled techniques)",
}


#: How far the rows behind each procedure's fit followed their patients (days; None: not stored), and from which
#: rows: a course that runs past it is extrapolation, and the plan says so beside it.
OUTCOME_FOLLOWUP: Final[dict[str, tuple[float | None, str]]] = {
    "vestibular_neurectomy": (22 * DAYS_PER_YEAR, "E143: 10-22 years (E021: at least 6 months)"),
    "endoscopic_medial_branch_neurotomy": (None, "E136: the follow-up is not stored"),
    "presacral_neurectomy": (8 * DAYS_PER_YEAR, "E034: more than 8 years"),
    "lfcn_neurectomy": (None, "E001: the pooled follow-up is not stored"),
    "lfcn_decompression": (None, "E002: the follow-up is not stored"),
    "mortons_neurectomy": (15.3 * DAYS_PER_YEAR, "E057, E058: a mean 15.3 years (E170: not stored)"),
    "ets_r2_facial_blushing": (16 * DAYS_PER_YEAR, "E183: a median 16 years"),
    "ets_r3_palmar_hyperhidrosis": (80.9 * DAYS_PER_MONTH, "E052: a mean 80.9 months"),
    "ets_r4_axillary_hyperhidrosis": (14.6 * DAYS_PER_YEAR, "E107: a mean 14.6 years"),
    "selective_tibial_neurotomy": (24 * DAYS_PER_MONTH, "E086: a mean 24 months (E085: 'long-term', no time)"),
    "greater_occipital_neurectomy": (33 * DAYS_PER_MONTH, "E121: an average 33 months"),
    "occipital_nerve_decompression": (DAYS_PER_YEAR, "E099: 12 months"),
    "triple_neurectomy": (None, "E127: 'variable' (not stored)"),
    "tmr_symptomatic_neuroma": (None, "E134: the pooled follow-up is not stored"),
    "rpni_symptomatic_neuroma": (None, "E134: the pooled follow-up is not stored"),
}


def followup_caveat(days: float, reach: float | None, source: str) -> str:
    """The warning printed beside a course that runs past the follow-up of the rows behind it ("" within it)."""
    if reach is None:
        return f"how long the rows behind this course followed their patients is not stored ({source}): the later " + (
            "part of the course is not checked against any observation"
        )
    if days <= reach * 1.05:
        return ""
    return (
        f"the course runs to {days / DAYS_PER_YEAR:.1f} years, past the follow-up of the rows behind it ({source}): "
        f"beyond about {reach / DAYS_PER_MONTH:.0f} months it is extrapolation"
    )


def measure_of(method: str, site: str, procedure: str | None = None) -> str:
    """What "relieved" means in the rows behind a course (see :data:`MEASURES`); empty where nothing is fitted."""
    if procedure is not None and procedure in MEASURES:
        return MEASURES[procedure]
    fit = course(method, site)
    if fit is None:
        return ""
    return MEASURES.get(f"{method}@{fit.site}", "")


def outcome(procedure: str) -> Outcome | None:
    for o in OUTCOMES:
        if o.procedure == procedure:
            return o
    return None


# --------------------------------------------------------------------------- where a cut is
_AUTONOMIC = frozenset({"sympathetic", "parasympathetic", "visceral_afferent"})


def site_of(nerve_id: str, fibres: tuple[str, ...], target_kinds: frozenset[str]) -> str:
    """The site kind of a cut on a nerve (its id and declared fibres) that takes targets of ``target_kinds``.

    >>> site_of("vestibular_nerve", ("special_sensory",), frozenset({"special"}))
    'central_process'
    >>> site_of("sympathetic_trunk_t1_t2", ("sympathetic", "visceral_afferent"), frozenset({"gland"}))
    'autonomic'
    >>> site_of("nerve_to_soleus", ("somatic_motor", "somatic_sensory"), frozenset({"muscle"}))
    'motor_branch'
    """
    fib = set(fibres)
    if fib == {"special_sensory"}:
        return "central_process"
    if fib and fib <= _AUTONOMIC:
        return "autonomic"
    if nerve_id.startswith("medial_branch_c") or nerve_id == "third_occipital_nerve":
        return "facet_cervical"
    if nerve_id.startswith("medial_branch_"):
        return "facet_lumbar"
    if "genicular" in nerve_id:
        return "genicular"
    if nerve_id.startswith("common_plantar_digital_nerve"):
        return "interdigital"
    if target_kinds and target_kinds <= {"muscle"}:
        return "motor_branch"
    return "peripheral"
