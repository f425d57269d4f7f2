"""How a nerve is interrupted, and what that does to its basal lamina (endoneurial) tubes.

The seed text's chain of reasoning lives here as data: a surgical cut severs the tubes (Seddon neurotmesis,
Sunderland V), so regrowing fibres are not channelled back and a neuroma may form; a neurolytic block (phenol,
alcohol, cryo, radiofrequency) leaves the tubes (axonotmesis), so function and pain return; decompression cuts
nothing. Cautery, capping, TMR and RPNI stop regrowth through the cut end (``EndTreatment.stops_regrowth``: no fibre
reconnects to the distal tubes; for cautery that is the seed's claim), while feeling that returns after a cut comes
largely from collateral sprouting of neighbouring intact nerves, whatever the end treatment
(:data:`neurectomy.regrowth.kinetics.COLLATERAL`). Treating the cut end (cautery, capping, burying in muscle,
traction, TMR, RPNI) changes the chance that
the stump grows into a painful neuroma only where comparative evidence shows it: each end treatment carries a relative
risk with its interval, or "no proven effect" (relative risk 1). Every number carries its source: an evidence id
(``E…``, see :mod:`neurectomy.evidence`) or ``estimate: <reason>``; the per-site fits are in
:mod:`neurectomy.calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from neurectomy.names import UnknownNameError, normalise, suggest

Family = Literal["surgical", "neurolytic", "decompression", "diagnostic"]


@dataclass(frozen=True, slots=True)
class Param:
    """A number with its unit, provenance and, where known, its uncertainty (``low``–``high``, about a 95% range)."""

    value: float
    unit: str
    source: str
    low: float | None = None
    high: float | None = None

    @property
    def interval(self) -> tuple[float, float]:
        """``(low, high)``; the value itself at both ends when no uncertainty is given."""
        return (self.value if self.low is None else self.low, self.value if self.high is None else self.high)

    def to_dict(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "interval": list(self.interval), "source": self.source}


@dataclass(frozen=True, slots=True)
class Method:
    """A way of interrupting a nerve."""

    key: str
    name: str
    family: Family
    interrupts: bool
    seddon: str | None
    sunderland: int | None
    tubes_intact: bool
    regrowth_rate: Param | None
    regrowth_latency: Param | None
    reinnervation_ceiling: Param
    neuroma_risk: Param
    maturation: Param
    description: str
    source: str
    synonyms: tuple[str, ...] = ()

    @property
    def channels_regrowth(self) -> bool:
        """Regrowing fibres are guided back to their targets only when the tubes survive."""
        return self.interrupts and self.tubes_intact


@dataclass(frozen=True, slots=True)
class EndTreatment:
    """What is done to the proximal stump after a surgical cut. ``neuroma_factor`` is the relative risk of a
    symptomatic neuroma against no end treatment, with its interval; ``effect`` says whether comparative evidence
    shows one ("relative risk") or not ("no proven effect", factor 1). ``stops_regrowth``: no fibre grows back
    through the cut end to the distal tubes (reconnection 0); it says nothing about sprouting into scar (the
    neuroma) or about collateral sprouting of neighbouring nerves (the return of feeling it leaves)."""

    key: str
    name: str
    neuroma_factor: Param
    stops_regrowth: bool
    description: str
    source: str
    effect: Literal["relative risk", "no proven effect"] = "no proven effect"
    #: the relative risk when the end treatment is used to revise an established neuroma, where it differs from
    #: ``neuroma_factor`` (evidence from primary use does not carry over); None: the same
    revision_factor: Param | None = None

    def factor_at(self, site: str | None) -> Param:
        """The relative risk at a site (``"neuroma_revision"`` uses :attr:`revision_factor` where there is one)."""
        if site == "neuroma_revision" and self.revision_factor is not None:
            return self.revision_factor
        return self.neuroma_factor

    def effect_at(self, site: str | None) -> str:
        f = self.factor_at(site)
        return self.effect if f is self.neuroma_factor else ("no proven effect" if f.value == 1.0 else self.effect)


_RATE_AXONOTMESIS = Param(
    1.4, "mm/day", "E151 (Seddon's classic estimate for axonotmesis, +/- 0.1, secondary summary)", 1.3, 1.5
)
_RATE_CUT = Param(1.0, "mm/day", "E077 (about 1 mm/day, patient-information page); E155 gives 1-2 mm/day", 1.0, 2.0)
_LATENCY = Param(
    14.0,
    "days",
    "estimate: Wallerian degeneration and the delay before sprouts cross the lesion take about two weeks; "
    "no figure in the evidence table",
    7.0,
    28.0,
)
_NO_NEUROMA = Param(
    0.0, "probability", "seed: a neurolytic lesion leaves the tubes, which channel regrowth (no neuroma)"
)
_CUT_NEUROMA = Param(
    0.02,
    "probability",
    "E169: painful neuroma in 2-60% after a nerve injury; an elective neurectomy of a peripheral nerve sits at the "
    "lower end (E005, E127); other sites in neurectomy.calibration (E057 interdigital, E132-E135 amputation)",
    0.0,
    0.082,
)
_MATURATION = Param(
    60.0,
    "days",
    "estimate: targets regain function over weeks after fibres arrive; no figure in the table",
    30.0,
    120.0,
)
_FULL_RETURN = Param(1.0, "fraction", "seed: with the tubes intact, function and pain return")
_MISDIRECTED = Param(
    0.1,
    "fraction",
    "estimate: with the tubes severed few fibres find the distal stump (seed, sentence 3); illustrative value. "
    "At the interdigital site E058's 28% return of feeling is this 10% through the stump plus collateral "
    "sprouting from neighbours (neurectomy.regrowth.kinetics.COLLATERAL)",
    0.0,
    0.28,
)


def _latency(method: str) -> Param:
    """The method's median latency at its default site, from :mod:`neurectomy.calibration` (same numbers)."""
    return {
        "phenol": Param(
            42.49, "days", "E094: mean effective duration 164.5 days (SD 169.4) at 90 mm (fitted; calibration)", 28, 64
        ),
        "alcohol": Param(
            42.49,
            "days",
            "estimate: no alcohol-neurolysis duration in the evidence (README gap); phenol's E094 fit, wider interval",
            19,
            95,
        ),
        "cryoneurolysis": Param(11.0, "days", "E157: median relief 11 days (fitted; calibration)", 8, 15),
        "radiofrequency": Param(
            448.0, "days", "E073: relief lasted 15 months, less regrowth over 12 mm (fitted; calibration)", 387, 509
        ),
        "diagnostic_block": Param(
            4.285, "days", "E095: mean effective duration 9.1 days after lidocaine (fitted; calibration)", 2, 8
        ),
    }[method]


METHODS: dict[str, Method] = {
    m.key: m
    for m in (
        Method(
            "surgical_cut",
            "surgical cut (neurotomy)",
            "surgical",
            True,
            "neurotmesis",
            5,
            False,
            _RATE_CUT,
            _LATENCY,
            _MISDIRECTED,
            _CUT_NEUROMA,
            _MATURATION,
            "The nerve is divided; its basal lamina tubes are severed, so regrowth is not channelled.",
            "E083 (Sunderland V / neurotmesis, e.g. surgical neurectomy); seed sentences 1-3",
            ("cut", "neurotomy", "transection", "neurectomy"),
        ),
        Method(
            "resection",
            "resection (a segment removed)",
            "surgical",
            True,
            "neurotmesis",
            5,
            False,
            _RATE_CUT,
            _LATENCY,
            Param(
                0.05,
                "fraction",
                "estimate: a gap makes reconnection rarer than after a plain cut; illustrative",
                0.0,
                0.28,
            ),
            _CUT_NEUROMA,
            _MATURATION,
            "A section of the nerve is removed, leaving a gap that regrowing fibres seldom bridge.",
            "E083; seed sentence 1 ('a nerve or section of a nerve is severed or removed')",
            ("nerve resection", "excision"),
        ),
        Method(
            "phenol",
            "phenol neurolysis",
            "neurolytic",
            True,
            "axonotmesis",
            2,
            True,
            _RATE_AXONOTMESIS,
            _latency("phenol"),
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Chemical destruction of axons; the tubes survive, so fibres regrow and the block wears off.",
            "E094 (mean effective duration 164.5 days); E080 (Sunderland II keeps the endoneurial tubes); "
            "seed sentence 4",
            ("phenol block", "chemical neurolysis"),
        ),
        Method(
            "alcohol",
            "alcohol neurolysis",
            "neurolytic",
            True,
            "axonotmesis",
            2,
            True,
            _RATE_AXONOTMESIS,
            _latency("alcohol"),
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Dehydrated alcohol destroys axons; the tubes survive and the block wears off.",
            "estimate: no alcohol row in the evidence table (README gap): phenol's central values (E094) with a wider "
            "uncertainty, as both are chemical axonotmesis",
            ("ethanol neurolysis", "alcohol block"),
        ),
        Method(
            "cryoneurolysis",
            "cryoneurolysis",
            "neurolytic",
            True,
            "axonotmesis",
            2,
            True,
            _RATE_AXONOTMESIS,
            _latency("cryoneurolysis"),
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Freezing causes axonotmesis; the tubes survive and fibres regrow along them.",
            "E151 (axonotmesis, 'cryoneurolysis-type lesion', 1.4 mm/day); E156, E157 (peripheral); E138, E139 "
            "(medial branch)",
            ("cryoablation", "cryoanalgesia", "cryo"),
        ),
        Method(
            "radiofrequency",
            "radiofrequency neurotomy",
            "neurolytic",
            True,
            "axonotmesis",
            2,
            True,
            _RATE_AXONOTMESIS,
            _latency("radiofrequency"),
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Heat coagulates a short segment; the medial branches regrow and pain returns after months.",
            "E072, E073 (lumbar medial branch), E196, E197 (cervical), E101, E103 (genicular); estimate: classed as "
            "axonotmesis",
            ("rf", "rfa", "radiofrequency ablation", "radiofrequency denervation"),
        ),
        Method(
            "decompression",
            "decompression (neurolysis)",
            "decompression",
            False,
            None,
            None,
            True,
            None,
            None,
            Param(1.0, "fraction", "seed sentence 10: decompression releases the nerve; no fibres are cut"),
            _NO_NEUROMA,
            _MATURATION,
            "The entrapping tissue is released; the nerve is not cut, so no territory goes numb.",
            "E002 (LFCN neurolysis); seed ('pain that has not responded to nerve decompression')",
            ("release", "surgical release", "decompression surgery", "external neurolysis"),
        ),
        Method(
            "diagnostic_block",
            "diagnostic local-anaesthetic block",
            "diagnostic",
            True,
            "neurapraxia",
            1,
            True,
            None,
            _latency("diagnostic_block"),
            _FULL_RETURN,
            _NO_NEUROMA,
            Param(0.1, "days", "estimate: conduction returns within a few hours once the block wears off"),
            "A temporary conduction block that predicts what a cut would do; nothing is destroyed.",
            "estimate: a local anaesthetic blocks conduction for hours (no duration row; E095's 9.1 days is an effect "
            "on spasticity, not a conduction block); E084 (Sunderland I / neurapraxia recovers fully)",
            ("local anaesthetic block", "test block", "nerve block"),
        ),
    )
}

_NO_PROVEN = (
    "no proven effect (relative risk 1): no comparative row; E134 found no significant differences between surgical "
    "techniques for painful neuroma"
)

END_TREATMENTS: dict[str, EndTreatment] = {
    e.key: e
    for e in (
        EndTreatment(
            "cautery",
            "cautery of the proximal end",
            Param(
                1.0,
                "relative risk",
                _NO_PROVEN + "; the seed says cautery prevents regrowth, not neuroma: no reconnection to the distal "
                "tubes is not no disorganised sprouting into scar, which is what a neuroma is",
            ),
            True,
            "The stump is burned so that its fibres do not grow back through the cut end: that is the seed's claim "
            "(seed sentence 21; no comparative human row measures it), so the model reconnects none of them. Feeling "
            "that returns after a neurectomy comes largely from neighbouring intact nerves sprouting into the numb "
            "skin (collateral sprouting: inbal1987, collateral_brain1996), which cautery does not touch, so the "
            "model still shows that slow, partial return at the border of the numb skin; E058 (feeling back in 28% "
            "after Morton's neurectomy, ends not said to be cauterised) counts both. The neuroma risk is a plain "
            "cut's (E134: no difference between techniques): stopping reconnection to the distal tubes does not stop "
            "the disorganised sprouting into scar that makes a neuroma.",
            "seed sentence 21 (the seed's claim that it prevents regrowth; no comparative human row); inbal1987 and "
            "collateral_brain1996 (feeling returns by collateral sprouting from neighbours); E058; E134",
        ),
        EndTreatment(
            "capping",
            "capping of the nerve end",
            Param(
                1.0,
                "relative risk",
                _NO_PROVEN + " (capping is among E134's techniques; README: no per-technique row); a cap that keeps "
                "the fibres from the distal tubes does not stop them sprouting inside it",
            ),
            True,
            "A cap closes over the stump, isolating it from scar and from the distal stump: by that mechanism no "
            "fibre grows back through the cut end (as for TMR and RPNI, a mechanism, not a measured rate: no row "
            "measures regrowth through a cap). Feeling that returns comes from collateral sprouting of neighbouring "
            "nerves (inbal1987, collateral_brain1996), which the cap does not touch; neuroma risk as a plain cut's "
            "(E134).",
            "E134 (surgical neuroma treatments pooled); inbal1987; collateral_brain1996; E058",
        ),
        EndTreatment(
            "burying_in_muscle",
            "burying the end in muscle",
            Param(
                1.0,
                "relative risk",
                "no proven effect (relative risk 1): in the one RCT burying changed phantom pain by -0.2 and residual "
                "limb pain by 0.9 NRS points at one year (E064, E066); E134: no difference between techniques",
            ),
            False,
            "The stump is transposed into muscle, away from scar and pressure.",
            "E064; E066; E134",
        ),
        EndTreatment(
            "traction",
            "traction neurectomy",
            Param(
                1.0,
                "relative risk",
                "no proven effect (relative risk 1): E130 reports 42% recurrent or persistent neuroma pain after "
                "traction neurectomy, above (not below) the 23% of E134",
            ),
            False,
            "The nerve is pulled and cut so the stump retracts into deep tissue.",
            "E129-E131; E134",
        ),
        EndTreatment(
            "tmr",
            "targeted muscle reinnervation",
            Param(
                0.284,
                "relative risk",
                "E068 against E132/E133/E135: 8% had more than brief intermittent pain 14.1 months after primary TMR, "
                "against 31% symptomatic neuroma after amputation (cross-study; interval from E068's Wilson interval "
                "and the amputation range, capped at 1). The Dumanian RCT (E063) was not significant on intention to "
                "treat (P = 0.06); E067 was (mixed model). E158/E159 (1 vs 5) is a ratio of median pain scores, not a "
                "risk",
                0.06,
                1.0,
            ),
            True,
            "The stump is coapted to a motor nerve of a nearby muscle, giving its axons a target (so they do not "
            "return to the skin: a mechanism, not a measured rate).",
            "E063-E068; E158-E162",
            "relative risk",
            Param(
                1.0,
                "relative risk",
                "no proven effect when revising an established neuroma (relative risk 1): the 0.284 above compares "
                "primary TMR at amputation (E068) with amputation rates (E132-E135), a cross-study estimate for "
                "prevention; for revision the one RCT (E063, E065: mean improvements 3.2 and 2.9 NRS points against "
                "-0.2 and 0.9 with excision and burying) was not significant on intention to treat, and E134 found no "
                "difference between techniques. Interval down to the primary-use estimate's lower end",
                0.06,
                1.0,
            ),
        ),
        EndTreatment(
            "rpni",
            "regenerative peripheral nerve interface",
            Param(
                1.0,
                "relative risk",
                "no proven effect on neuroma incidence (relative risk 1): no prophylactic RPNI rate exists (evidence "
                "README gap); E069's 71% is a mean reduction of established neuroma pain, used for the RPNI procedure "
                "and, as the most favourable reading (0.29), for the lower end of the interval",
                0.29,
                1.0,
            ),
            True,
            "The stump is wrapped in a free muscle graft that it reinnervates.",
            "E069-E071",
        ),
    )
}


def get_method(name: str) -> Method:
    """A method by key, name or synonym (``"rf"``, ``"phenol block"``, …); suggestions if unknown."""
    key = normalise(name)
    for m in METHODS.values():
        if key in (normalise(m.key), normalise(m.name), *map(normalise, m.synonyms)):
            return m
    labels = [m.key for m in METHODS.values()] + [s for m in METHODS.values() for s in m.synonyms]
    raise UnknownNameError("method", name, suggest(name, labels) or list(METHODS))


def get_end_treatment(name: str) -> EndTreatment:
    key = normalise(name)
    for e in END_TREATMENTS.values():
        if key in (normalise(e.key), normalise(e.name)):
            return e
    raise UnknownNameError("end treatment", name, suggest(name, list(END_TREATMENTS)) or list(END_TREATMENTS))


def neuroma_risk(method: Method, end_treatments: tuple[EndTreatment, ...] = (), site: str | None = None) -> float:
    """Lifetime chance of a symptomatic neuroma for one cut nerve end at a site (see
    :mod:`neurectomy.calibration`; None: a peripheral nerve), times the end treatments' relative risks.

    >>> neuroma_risk(get_method("phenol"))
    0.0
    >>> neuroma_risk(get_method("cut"), (get_end_treatment("tmr"),)) < neuroma_risk(get_method("cut"))
    True
    >>> neuroma_risk(get_method("cut"), (get_end_treatment("cautery"),)) == neuroma_risk(get_method("cut"))
    True
    >>> neuroma_risk(get_method("cut"), site="central_process")
    0.0
    """
    if method.tubes_intact or not method.interrupts:
        return 0.0
    if site is None:
        risk = method.neuroma_risk.value
    else:
        from neurectomy.calibration import site_risk

        risk = site_risk(site).neuroma.value
    for e in end_treatments:
        risk *= e.factor_at(site).value
    return risk
