"""How a nerve is interrupted, and what that does to its basal lamina (endoneurial) tubes.

The seed text's chain of reasoning lives here as data: a surgical cut severs the tubes (Seddon neurotmesis,
Sunderland V), so regrowing fibres are not channelled back and a neuroma may form; a neurolytic block (phenol,
alcohol, cryo, radiofrequency) leaves the tubes (axonotmesis), so function and pain return; decompression cuts
nothing; treating the cut end (cautery, capping, burying in muscle, traction, TMR, RPNI) lowers the chance that
the stump grows into a painful neuroma. Every number carries its source: an evidence id (``E…``, see
:mod:`neurectomy.evidence`) or ``estimate: <reason>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from neurectomy.names import UnknownNameError, normalise, suggest

Family = Literal["surgical", "neurolytic", "decompression", "diagnostic"]


@dataclass(frozen=True, slots=True)
class Param:
    """A number with its unit and provenance."""

    value: float
    unit: str
    source: str


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
    """What is done to the proximal stump after a surgical cut."""

    key: str
    name: str
    neuroma_factor: Param
    stops_regrowth: bool
    description: str
    source: str


_RATE_AXONOTMESIS = Param(1.4, "mm/day", "E151 (Seddon's classic estimate for axonotmesis, secondary summary)")
_LATENCY = Param(
    14.0,
    "days",
    "estimate: Wallerian degeneration and the delay before sprouts cross the lesion take about two weeks; "
    "no figure in the evidence table",
)
_NO_NEUROMA = Param(
    0.0, "probability", "seed: a neurolytic lesion leaves the tubes, which channel regrowth (no neuroma)"
)
_CUT_NEUROMA = Param(
    0.225,
    "probability",
    "E132: symptomatic neuroma after nerve transection 13-32% (midpoint); E169 gives 2-60% across injuries",
)
_MATURATION = Param(
    60.0, "days", "estimate: targets regain function over weeks after fibres arrive; no figure in the table"
)
_FULL_RETURN = Param(1.0, "fraction", "seed: with the tubes intact, function and pain return")
_MISDIRECTED = Param(
    0.1,
    "fraction",
    "estimate: with the tubes severed few fibres find the distal stump (seed, sentence 3); illustrative value, "
    "no figure in the evidence table",
)

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
            Param(1.0, "mm/day", "E077 (about 1 mm/day, patient-information page)"),
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
            Param(1.0, "mm/day", "E077"),
            _LATENCY,
            Param(0.05, "fraction", "estimate: a gap makes reconnection rarer than after a plain cut; illustrative"),
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
            _LATENCY,
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
            _LATENCY,
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Dehydrated alcohol destroys axons; the tubes survive and the block wears off.",
            "estimate: treated like phenol (axonotmesis); the evidence table has no alcohol duration (README gap)",
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
            _LATENCY,
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Freezing causes axonotmesis; the tubes survive and fibres regrow along them.",
            "E151 (axonotmesis, 'cryoneurolysis-type lesion', 1.4 mm/day); E157",
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
            _LATENCY,
            _FULL_RETURN,
            _NO_NEUROMA,
            _MATURATION,
            "Heat coagulates a short segment; the medial branches regrow and pain returns after months.",
            "E073-E075, E198 (relief lasts until the nerves regrow); estimate: classed as axonotmesis",
            ("rf", "rfa", "radiofrequency ablation", "rhizotomy"),
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
            ("neurolysis", "release", "decompression surgery"),
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
            Param(0.5, "days", "estimate: a local anaesthetic blocks conduction for hours"),
            _FULL_RETURN,
            _NO_NEUROMA,
            Param(0.5, "days", "estimate: the block wears off within hours"),
            "A temporary conduction block that predicts what a cut would do; nothing is destroyed.",
            "E084 (Sunderland I / neurapraxia recovers fully)",
            ("local anaesthetic block", "test block", "nerve block"),
        ),
    )
}

END_TREATMENTS: dict[str, EndTreatment] = {
    e.key: e
    for e in (
        EndTreatment(
            "cautery",
            "cautery of the proximal end",
            Param(0.7, "relative risk", "estimate: the seed states cautery prevents regrowth; no comparative figure"),
            True,
            "The stump is burned so that it does not sprout.",
            "seed sentence 21",
        ),
        EndTreatment(
            "capping",
            "capping of the nerve end",
            Param(0.6, "relative risk", "estimate: no per-technique figure (evidence README gap)"),
            True,
            "A cap isolates the stump from scar.",
            "E134 (surgical neuroma treatments pooled)",
        ),
        EndTreatment(
            "burying_in_muscle",
            "burying the end in muscle",
            Param(0.6, "relative risk", "estimate: E064/E066 show burying alone changes pain little at one year"),
            False,
            "The stump is transposed into muscle, away from scar and pressure.",
            "E064; E066; E134",
        ),
        EndTreatment(
            "traction",
            "traction neurectomy",
            Param(0.8, "relative risk", "estimate: E130 reports 42% recurrent neuroma pain after traction neurectomy"),
            False,
            "The nerve is pulled and cut so the stump retracts into deep tissue.",
            "E129-E131",
        ),
        EndTreatment(
            "tmr",
            "targeted muscle reinnervation",
            Param(
                0.25,
                "relative risk",
                "estimate: E158/E159 median worst phantom pain 1 vs 5 after TMR vs none (ratio 0.2, rounded up)",
            ),
            True,
            "The stump is coapted to a motor nerve of a nearby muscle, giving its axons a target.",
            "E063-E067; E158-E162",
        ),
        EndTreatment(
            "rpni",
            "regenerative peripheral nerve interface",
            Param(0.3, "relative risk", "estimate: E069 reports a 71% mean reduction in neuroma pain after RPNI"),
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


def neuroma_risk(method: Method, end_treatments: tuple[EndTreatment, ...] = ()) -> float:
    """Lifetime chance of a symptomatic neuroma for one cut nerve end.

    >>> neuroma_risk(get_method("phenol"))
    0.0
    >>> neuroma_risk(get_method("cut"), (get_end_treatment("cautery"),)) < neuroma_risk(get_method("cut"))
    True
    """
    risk = method.neuroma_risk.value
    if method.tubes_intact or not method.interrupts:
        return 0.0
    for e in end_treatments:
        risk *= e.neuroma_factor.value
    return risk
