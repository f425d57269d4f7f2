"""The one JSON serialisation of every result (DESIGN §5), and its JSON Schema.

Each shape is declared once, as a ``TypedDict`` below, and built once, by the function next to it. The objects'
``to_dict()`` methods, the CLI's ``--json`` (both the argparse fast path and Typer), the HTTP API (whose
``response_model`` is :func:`response_model` of the same declaration, so FastAPI validates every answer) and the
registry all go through here. This module imports nothing heavy: the cold-start path of ``lesion --json`` uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, cast, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.lesion import Deficit, Loss, ResolvedCut
    from neurectomy.localisation import Localisation, Site
    from neurectomy.planning import Plan
    from neurectomy.targeting import CutPlan, LossItem, PlannedCut, TargetingResult

SideName = Literal["left", "right", "midline"]
InterruptionName = Literal["permanent", "temporary", "none"]
LastingName = Literal["permanent", "temporary", "partly permanent"]


def public_source(text: str) -> str:
    """A source as shown to users (:func:`neurectomy.evidence.public_source`; imported when first used)."""
    from neurectomy.evidence import public_source as clean

    return clean(text)


class Ref(TypedDict):
    id: str
    name: str


# --------------------------------------------------------------------------- lesion
class CutJSON(TypedDict):
    """One cut as located on the atlas; ``interruption`` follows from the method."""

    nerve: Ref
    at: str | None
    mm: float
    side: SideName
    method: str
    interruption: InterruptionName
    #: the share of the nerve's fibres the cut takes (1: the whole nerve; less in a partial fascicular resection)
    fraction: float


class LossJSON(TypedDict):
    """What one target loses on one side; ``permanent_supply_lost`` is the part that does not come back."""

    target: Ref
    side: SideName
    supply_lost: float
    permanent_supply_lost: float
    lasting: LastingName
    effect: str
    kind: str
    cut_by: list[str]
    actions: NotRequired[list[str]]
    area_cm2: NotRequired[float | None]
    autonomous_zone: NotRequired[bool]
    function: NotRequired[str]


class FlagJSON(TypedDict):
    """A functional consequence (:data:`neurectomy.strength.FLAGS`): raised when ``measure`` has lost at least
    ``threshold`` (0–1) of its strength; ``remaining`` (0–1) is what is left; ``source`` the basis of the threshold;
    ``lasting`` ``temporary`` when only a block's loss raises it (it goes when the block wears off)."""

    name: str
    motion: str
    measure: str
    remaining: float
    threshold: float
    source: str
    lasting: str
    text: str


class FunctionJSON(TypedDict):
    """The strength one joint motion loses on one side (:mod:`neurectomy.strength`, MyoSuite models): fractions
    of the motion's maximal isometric torque, 0–1, the mean over the model's posture grid. ``strength_lost`` counts
    blocks (gone while they last), ``permanent_strength_lost`` only what stays; ``lasting`` says which;
    ``understated_by`` names lost muscles that help the motion but are not in the model."""

    motion: str
    joint: str
    side: SideName
    strength_lost: float
    permanent_strength_lost: float
    lasting: LastingName
    flags: list[FlagJSON]
    understated_by: list[str]


class NotModelledJSON(TypedDict):
    """A paralysed or weak limb muscle that the strength model does not contain: the motions it helps are
    understated, and ``sign`` (winged scapula, Froment's sign, …), when given, is not assessed by the model."""

    muscle: Ref
    side: SideName
    supply_lost: float
    lasting: LastingName
    motions: list[str]
    reason: str
    sign: str | None


class DeficitJSON(TypedDict):
    """``neurectomy lesion … --json``."""

    cuts: list[CutJSON]
    sensory: list[LossJSON]
    motor: list[LossJSON]
    autonomic: list[LossJSON]
    special: list[LossJSON]
    articular: list[LossJSON]
    visceral: list[LossJSON]
    function: list[FunctionJSON]
    function_not_modelled: list[NotModelledJSON]
    #: a cut that takes nothing because it lies past every branch the atlas gives its nerve, and why
    warnings: list[str]
    summary: str


def cut_json(c: ResolvedCut) -> CutJSON:
    return {
        "nerve": {"id": c.nerve_id, "name": c.nerve_name},
        "at": c.at,
        "mm": round(c.mm, 3),
        "side": c.side,
        "method": c.method,
        "interruption": c.interruption,
        "fraction": round(c.fraction, 4),
    }


def loss_json(x: Loss) -> LossJSON:
    t = x.target
    out: LossJSON = {
        "target": {"id": t.id, "name": t.name},
        "side": x.side,
        "supply_lost": round(x.supply_lost, 6),
        "permanent_supply_lost": round(x.permanent_lost, 6),
        "lasting": x.lasting,
        "effect": x.effect,
        "kind": t.kind,
        "cut_by": list(x.cut_by),
    }
    if t.kind == "muscle":
        out["actions"] = list(t.actions)
    elif t.kind == "skin":
        out["area_cm2"] = t.area_cm2
        out["autonomous_zone"] = t.autonomous
    elif t.function is not None:
        out["function"] = t.function
    return out


def deficit_json(d: Deficit) -> DeficitJSON:
    return {
        "cuts": [cut_json(c) for c in d.cuts],
        "sensory": [loss_json(x) for x in d.sensory],
        "motor": [loss_json(x) for x in d.motor],
        "autonomic": [loss_json(x) for x in d.autonomic],
        "special": [loss_json(x) for x in d.special],
        "articular": [loss_json(x) for x in d.articular],
        "visceral": [loss_json(x) for x in d.visceral],
        "function": function_json(d),
        "function_not_modelled": not_modelled_json(d),
        "warnings": list(d.warnings),
        "summary": d.summary,
    }


def function_json(d: Deficit) -> list[FunctionJSON]:
    """Lost strength by joint motion; empty (and no table read) when no muscle loses supply."""
    if not d.motor:
        return []
    from neurectomy.strength import function_of

    return [
        {
            "motion": r.motion,
            "joint": r.joint,
            "side": r.side,
            "strength_lost": r.strength_lost,
            "permanent_strength_lost": r.permanent_strength_lost,
            "lasting": cast(LastingName, r.lasting),
            "flags": [
                {
                    "name": f.name,
                    "motion": f.motion,
                    "measure": f.measure,
                    "remaining": f.remaining,
                    "threshold": f.threshold,
                    "source": f.source,
                    "lasting": f.lasting,
                    "text": f.text,
                }
                for f in r.flags
            ],
            "understated_by": list(r.understated_by),
        }
        for r in function_of(d)
    ]


def not_modelled_json(d: Deficit) -> list[NotModelledJSON]:
    """Paralysed or weak limb muscles the strength model does not contain; empty when no muscle loses supply."""
    if not d.motor:
        return []
    from neurectomy.strength import not_modelled_losses

    return [
        {
            "muscle": {"id": x.muscle, "name": x.name},
            "side": x.side,
            "supply_lost": x.supply_lost,
            "lasting": cast(LastingName, x.lasting),
            "motions": list(x.motions),
            "reason": x.reason,
            "sign": x.sign,
        }
        for x in not_modelled_losses(d)
    ]


# --------------------------------------------------------------------------- targeting and localisation
class PlannedCutJSON(TypedDict):
    nerve: Ref
    at: str | None
    mm: float
    window_mm: list[float]
    side: SideName
    method: str
    interruption: InterruptionName


class LossItemJSON(TypedDict):
    target: Ref
    kind: str
    supply_lost: float
    effect: str
    cost: float
    #: the sex the target exists in, only for a one-sex target listed while the patient's sex is unknown
    only_in: NotRequired[str]


class ProcedureMatchJSON(TypedDict):
    """A named procedure that makes one or more of a plan's cuts; ``whole`` when the plan makes all its cuts."""

    id: str
    name: str
    method: str
    evidence: list[str]
    whole: bool


class CutPlanJSON(TypedDict):
    cuts: list[PlannedCutJSON]
    covers: list[LossItemJSON]
    collateral: list[LossItemJSON]
    #: includes ``weights.unestablished`` when the plan is not made of the cuts of named procedures
    cost: float
    #: every cut is the cut of a named procedure
    established: bool
    procedures: list[ProcedureMatchJSON]
    #: this row is the named procedure (id) of the condition asked for, cut where the procedure cuts
    condition_procedure: NotRequired[str]
    #: what must be said beside this plan (a complete facial palsy)
    warnings: NotRequired[list[str]]
    plan: NotRequired[PlanJSON]


class ConditionJSON(TypedDict):
    """The clinical condition a request was asked for (``--condition``): see :mod:`neurectomy.conditions`."""

    id: str
    name: str
    icd10cm: str | None
    #: the condition's named procedures, each with its name (every edge shows the name, not the id)
    procedures: list[Ref]
    note: str | None


class TargetJSON(TypedDict):
    """``neurectomy target … --json``."""

    required: list[Ref]
    side: SideName
    method: str
    plans: list[CutPlanJSON]
    weights: dict[str, float]
    #: the patient's sex the answer was costed for; absent when unknown (one-sex losses then carry ``only_in``)
    sex: NotRequired[str]
    #: what the answer must say: a side taken from an ICD-10-CM code, a sex implied by the condition
    warnings: NotRequired[list[str]]
    condition: NotRequired[ConditionJSON]


def planned_cut_json(c: PlannedCut) -> PlannedCutJSON:
    return {
        "nerve": {"id": c.nerve_id, "name": c.nerve_name},
        "at": c.at,
        "mm": round(c.mm, 3),
        "window_mm": [round(c.window_mm[0], 3), round(c.window_mm[1], 3)],
        "side": c.side,
        "method": c.method,
        "interruption": c.interruption,
    }


def loss_item_json(x: LossItem) -> LossItemJSON:
    from neurectomy.lesion import effect_of

    out: LossItemJSON = {
        "target": {"id": x.target.id, "name": x.target.name},
        "kind": x.target.kind,
        "supply_lost": round(x.supply_lost, 6),
        "effect": effect_of(x.target, x.supply_lost),
        "cost": round(x.cost, 4),
    }
    if x.target.sex is not None:
        out["only_in"] = x.target.sex
    return out


def cut_plan_json(p: CutPlan, plan: Plan | None = None) -> CutPlanJSON:
    out: CutPlanJSON = {
        "cuts": [planned_cut_json(c) for c in p.cuts],
        "covers": [loss_item_json(x) for x in p.covers],
        "collateral": [loss_item_json(x) for x in p.collateral],
        "cost": round(p.cost, 4),
        "established": p.established,
        "procedures": [
            {"id": m.id, "name": m.name, "method": m.method, "evidence": list(m.evidence), "whole": m.whole}
            for m in p.procedures
        ],
    }
    if p.condition_procedure is not None:
        out["condition_procedure"] = p.condition_procedure
    if p.warnings:
        out["warnings"] = list(p.warnings)
    if plan is not None:
        out["plan"] = plan_json(plan)
    return out


def targeting_json(r: TargetingResult, plans: Sequence[Plan] = ()) -> TargetJSON:
    """The ranked cut sets; with ``plans`` (``target --plan``), each answer carries its full plan."""
    out: TargetJSON = {
        "required": [{"id": t.id, "name": t.name} for t in r.required],
        "side": r.side,
        "method": r.method,
        "plans": [cut_plan_json(p, plans[i] if i < len(plans) else None) for i, p in enumerate(r.plans)],
        "weights": {k: getattr(r.weights, k) for k in r.weights.__dataclass_fields__},
    }
    if r.sex is not None:
        out["sex"] = r.sex
    if r.warnings:
        out["warnings"] = list(r.warnings)
    return out


class SiteCutJSON(TypedDict):
    nerve: Ref
    at: str | None
    mm: float
    window_mm: list[float]
    side: SideName


class SiteJSON(TypedDict):
    """One lesion hypothesis: its cut(s), the level in words and how it fits the findings."""

    cuts: list[SiteCutJSON]
    level: str
    posterior: float
    explains: list[str]
    predicts_not_found: list[str]
    contradicts: list[str]
    equivalent: list[str]


class NextTestJSON(TypedDict):
    target: Ref
    examination: str
    information_gain_bits: float
    if_abnormal: str
    if_normal: str


class LocaliseJSON(TypedDict):
    """``neurectomy localise … --json``."""

    side: SideName
    hypotheses: int
    sites: list[SiteJSON]
    next_tests: list[NextTestJSON]


def site_json(s: Site) -> SiteJSON:
    return {
        "cuts": [
            {
                "nerve": {"id": c.nerve_id, "name": c.nerve_name},
                "at": c.at,
                "mm": round(c.mm, 3),
                "window_mm": [round(c.window_mm[0], 3), round(c.window_mm[1], 3)],
                "side": c.side,
            }
            for c in s.cuts
        ],
        "level": s.level,
        "posterior": round(s.posterior, 6),
        "explains": list(s.explains),
        "predicts_not_found": list(s.predicts_not_found),
        "contradicts": list(s.contradicts),
        "equivalent": list(s.equivalent),
    }


def localise_json(r: Localisation) -> LocaliseJSON:
    return {
        "side": r.side,
        "hypotheses": r.hypotheses,
        "sites": [site_json(s) for s in r.sites],
        "next_tests": [
            {
                "target": {"id": t.target_id, "name": t.target_name},
                "examination": t.examination,
                "information_gain_bits": t.information_gain_bits,
                "if_abnormal": t.if_abnormal,
                "if_normal": t.if_normal,
            }
            for t in r.next_tests
        ],
    }


# --------------------------------------------------------------------------- plans
class MethodJSON(TypedDict):
    key: str
    name: str
    family: str
    seddon: str | None
    sunderland: int | None
    basal_lamina_tubes_intact: bool
    interruption: InterruptionName
    source: str
    end_treatments: list[dict[str, str]]


class RiskJSON(TypedDict):
    """One risk as published (:func:`neurectomy.procedures.risk_json`): the figure with its n, "up to" and ranges
    kept, and the measure it is -- an odds ratio, a mean change or a duration is never shown as a frequency."""

    name: str
    site_specific: bool
    #: "female" or "male" for a risk only one sex can have (labelled in the name when the sex is not known)
    sex: str | None
    #: the figure as published, e.g. "1 of 42 patients (2.4%; n = 42)", "up to 35% (n not reported)",
    #: "OR 2.90 plantar vs dorsal (95% CI 1.40-5.98); n = 347 feet", "frequency not reported"
    frequency: str
    measure: Literal[
        "proportion",
        "range",
        "upper bound",
        "odds ratio",
        "mean change",
        "duration",
        "expected",
        "not reported",
        "model",
    ]
    measure_as_published: str | None
    n: str | None
    evidence: list[str]
    #: design caveats of the rows (not peer reviewed, secondary citation, background statement, ...)
    flags: list[str]
    #: the citation (source with DOI/PMID), never an internal note
    source: str
    #: the curated reasoning where no row gives the figure
    basis: str | None
    #: how the risk stands to the modelled losses where it is not among them
    deficit: str | None


class ComparisonCellJSON(TypedDict):
    """One option's figure for one outcome; ``value`` is None ("no comparable evidence") where the option has no row
    with the column's outcome and measure."""

    value: str | None
    measure: str | None
    n: str | None
    evidence: list[str]
    text: str


class ComparisonRowJSON(TypedDict):
    option: str
    #: outcome (a column of ``outcomes``) -> the option's figure
    outcomes: dict[str, ComparisonCellJSON]
    #: what the option costs the patient: ``numbness``, ``weakness``, ``recurrence``
    costs: dict[str, str]


class ComparisonJSON(TypedDict):
    """Neurectomy against a neurolytic block, decompression (where applicable) and no intervention, like for like
    (:func:`neurectomy.procedures.comparison`): a column is one outcome with one measure; neurectomy first, no
    intervention last."""

    outcomes: list[str]
    rows: list[ComparisonRowJSON]
    note: str


class PlanJSON(TypedDict):
    """``neurectomy plan … --json``: a :class:`~neurectomy.planning.Plan`."""

    procedure: dict[str, Any] | None
    cuts: list[CutJSON]
    method: MethodJSON
    deficit: DeficitJSON
    timeline: dict[str, Any]
    candidacy: dict[str, Any] | None
    alternatives: list[str]
    risks: list[RiskJSON]
    evidence: list[dict[str, Any]]
    comparison: ComparisonJSON
    patient: dict[str, Any] | None
    warnings: list[str]
    created: str
    condition: NotRequired[ConditionJSON]
    notice: str


def plan_json(p: Plan) -> PlanJSON:
    from neurectomy.lesion import INTERRUPTION

    proc = p.procedure
    m = p.method
    return {
        "procedure": None
        if proc is None
        else {
            "id": proc.id,
            "name": proc.name,
            "category": proc.category,
            "indications": list(proc.indications),
            "functions_disabled": list(proc.functions_disabled),
            "approaches": list(proc.approaches),
            "anaesthesia": proc.anaesthesia,
            "anaesthesia_source": proc.anaesthesia_source,
            "imaging_guidance": proc.imaging_guidance,
            "incision": proc.incision,
            "steps": list(proc.steps),
            "source": public_source(proc.source),
        },
        "cuts": [cut_json(c) for c in p.deficit.cuts],
        "method": {
            "key": m.key,
            "name": m.name,
            "family": m.family,
            "seddon": m.seddon,
            "sunderland": m.sunderland,
            "basal_lamina_tubes_intact": m.tubes_intact,
            "interruption": INTERRUPTION[m.family],
            "source": public_source(m.source),
            "end_treatments": [
                {"key": e.key, "name": e.name, "source": public_source(e.source)} for e in p.end_treatments
            ],
        },
        "deficit": deficit_json(p.deficit),
        "timeline": p.timeline.to_dict(),
        "candidacy": None if p.candidacy is None else p.candidacy.to_dict(),
        "alternatives": list(p.alternatives),
        "risks": [cast(RiskJSON, r) for r in p.risks],
        "evidence": list(p.evidence),
        "comparison": cast(ComparisonJSON, p.comparison),
        "patient": None if p.patient is None else p.patient.model_dump(mode="json"),
        "warnings": list(p.warnings),
        "created": p.created,
        "notice": p.notice,
    }


# --------------------------------------------------------------------------- atlas
class LandmarkJSON(TypedDict):
    name: str
    mm: float


class NerveJSON(TypedDict):
    """``neurectomy atlas show NERVE --json``."""

    id: str
    name: str
    synonyms: list[str]
    xrefs: dict[str, str]
    parent: str | None
    origin_mm: float
    also_from: list[dict[str, Any]]
    length_mm: float
    roots: list[str]
    fibres: list[str]
    landmarks: list[LandmarkJSON]
    branches: list[str]
    targets: list[dict[str, str]]
    source: str
    lengths_source: str


def nerve_json(atlas: Atlas, nerve_idx: int) -> NerveJSON:
    return atlas.nerve_to_dict(nerve_idx)  # type: ignore[return-value]


class SearchHitJSON(TypedDict):
    """One search hit: a nerve, a target (``kind`` is its kind: muscle, skin…), a landmark on a nerve (``kind``
    "landmark", ``id`` "nerve_id@landmark", with ``nerve`` and ``at``, the values a cut takes) or a clinical
    condition (``kind`` "condition", ``id`` its key for ``--condition``)."""

    kind: str
    id: str
    name: str
    nerve: NotRequired[str]
    at: NotRequired[str]


def search_json(atlas: Atlas, text: str, limit: int = 10) -> list[SearchHitJSON]:
    """As ``neurectomy atlas search TEXT --json``: nerves, landmarks, conditions and targets, best match first
    (:meth:`~neurectomy.atlas.graph.Atlas.search`)."""
    if not text.strip():
        return []
    from neurectomy import conditions

    extra = [("condition", c.id, c.name, c.labels) for c in conditions.load().values()]
    out: list[SearchHitJSON] = []
    for kind, ident, name in atlas.search(text, limit=limit, extra=extra):
        hit: SearchHitJSON = {"kind": kind, "id": ident, "name": name}
        if kind == "landmark":
            hit["nerve"], hit["at"] = ident.split("@", 1)
        out.append(hit)
    return out


SHAPES: dict[str, Any] = {
    "lesion": DeficitJSON,
    "target": TargetJSON,
    "localise": LocaliseJSON,
    "plan": PlanJSON,
    "nerve": NerveJSON,
    "search": list[SearchHitJSON],
}


# --------------------------------------------------------------------------- schema
@cache
def response_model(name: str) -> Any:
    """The declared shape ``name`` (a key of :data:`SHAPES`) as a type pydantic and FastAPI validate against.

    On Python < 3.12 pydantic needs ``typing_extensions.TypedDict``; importing that costs the cold start about
    20 ms, so the declarations above use ``typing`` and are converted here, on first use, by the web app only.
    """
    return _for_pydantic(SHAPES[name])


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the shape ``name`` (``lesion``, ``target``, ``localise``, ``plan``, ``nerve``, ``search``)."""
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(response_model(name)).json_schema()
    return schema


_CONVERTED: dict[type, Any] = {}

#: bounds and descriptions the JSON Schema and OpenAPI give fields of the declared shapes (field -> (minimum,
#: maximum, description)); the shapes' docstrings describe the objects
FIELD_META: dict[str, dict[str, tuple[float | None, float | None, str]]] = {
    "FunctionJSON": {
        "strength_lost": (
            0,
            1,
            "fraction of the motion's maximal isometric torque lost, blocks included (mean over "
            "the model's posture grid)",
        ),
        "permanent_strength_lost": (0, 1, "the part of strength_lost that does not come back (surgical cuts only)"),
        "lasting": (None, None, "permanent, temporary (a block: returns as it wears off) or partly permanent"),
        "understated_by": (None, None, "lost muscles that help this motion but are not in the model"),
    },
    "FlagJSON": {
        "remaining": (0, 1, "fraction of normal strength left in what the flag measures"),
        "threshold": (0, 1, "fraction lost at which the flag is raised"),
        "source": (None, None, "basis of the threshold: a citation key or 'estimate: <reason>'"),
        "lasting": (None, None, "temporary when only a block's loss raises the flag"),
    },
    "NotModelledJSON": {
        "supply_lost": (0, 1, "fraction of the muscle's nerve supply lost"),
        "sign": (None, None, "a sign the model cannot assess (winged scapula, Froment's sign), or null"),
    },
    "LossJSON": {
        "supply_lost": (0, 1, "fraction of the target's nerve supply lost"),
        "permanent_supply_lost": (0, 1, "the part of supply_lost that does not come back"),
        "autonomous_zone": (
            None,
            None,
            "skin only; sole supplier in atlas: true when a single nerve supplies the region in the atlas (not "
            "necessarily the nerve cut); overlap from neighbouring nerves at its borders is not modelled, so the numb "
            "area may be smaller",
        ),
    },
}


def _for_pydantic(tp: Any) -> Any:
    """Declared shapes as pydantic-ready types: ``typing_extensions.TypedDict`` (needed on Python < 3.12) with the
    shape's docstring and :data:`FIELD_META`'s bounds and descriptions (on every version, for the schema)."""
    import typing_extensions as te

    if isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__"):
        if tp not in _CONVERTED:
            hints = get_type_hints(tp)
            # with postponed annotations Python 3.11 cannot see NotRequired; read it off the annotation text
            raw = {k: str(getattr(v, "__forward_arg__", v)) for k, v in tp.__annotations__.items()}
            optional = {k for k, v in raw.items() if v.startswith("NotRequired[")}
            meta = FIELD_META.get(tp.__name__, {})
            fields: dict[str, Any] = {}
            for k, v in hints.items():
                t = _for_pydantic(v)
                if k in meta:
                    from pydantic import Field

                    lo, hi, text = meta[k]
                    t = te.Annotated[t, Field(ge=lo, le=hi, description=text)]
                fields[k] = te.NotRequired[t] if k in optional else t
            typed = te.TypedDict(tp.__name__, fields)  # type: ignore[misc]
            typed.__doc__ = tp.__doc__
            _CONVERTED[tp] = typed
        return _CONVERTED[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is None or not args or origin is Literal:
        return tp
    converted = tuple(_for_pydantic(a) for a in args)
    if origin in (list, dict, tuple):
        return origin[converted if len(converted) > 1 else converted[0]]
    import functools
    import operator

    return functools.reduce(operator.or_, converted)  # X | None
