"""The :class:`Plan`: cuts, method, deficit, timeline, candidacy, risks and evidence — what every edge renders.

(The module is called ``planning`` so that importing it never shadows the function ``neurectomy.plan``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy.typing as npt

from neurectomy.atlas.graph import Atlas
from neurectomy.candidacy import Candidacy, Patient, assess, readable_source
from neurectomy.lesion import Cut, Deficit, Side, for_sex, lesion
from neurectomy.methods import EndTreatment, Method, get_end_treatment, get_method
from neurectomy.procedures import Procedure, comparison, get_procedure, risk_dicts
from neurectomy.regrowth.kinetics import Timeline, timeline

NOTICE = "Decision support and education only; not a medical device. Verify against the patient and the literature."


@dataclass(frozen=True)
class Plan:
    """One planned intervention and everything known about its consequences."""

    procedure: Procedure | None
    method: Method
    end_treatments: tuple[EndTreatment, ...]
    deficit: Deficit
    timeline: Timeline
    candidacy: Candidacy | None
    risks: tuple[dict[str, Any], ...]
    evidence: tuple[dict[str, Any], ...]
    alternatives: tuple[str, ...]
    created: str
    patient: Patient | None = None
    warnings: tuple[str, ...] = ()
    #: neurectomy against the alternatives, like for like (:func:`neurectomy.procedures.comparison`)
    comparison: dict[str, Any] = field(default_factory=dict)

    @property
    def cuts(self) -> tuple[dict[str, Any], ...]:
        return tuple(c.to_dict() for c in self.deficit.cuts)

    @property
    def notice(self) -> str:
        return NOTICE

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import plan_json

        return dict(plan_json(self))


def make_plan(
    atlas: Atlas,
    *,
    procedure: str | Procedure | None = None,
    nerve: str | None = None,
    at: str | None = None,
    mm: float | None = None,
    side: Side = "left",
    method: str | None = None,
    end_treatments: Iterable[str] | None = None,
    also: Sequence[Cut] = (),
    patient: Patient | None = None,
    days: npt.ArrayLike | None = None,
    warnings: Sequence[str] = (),
    side_confirmed: bool = True,
    condition: str | None = None,
) -> Plan:
    """Build a plan from a named procedure or a nerve (plus method), on ``side`` (the request settles the side and
    any conflict with the patient's record: :class:`neurectomy.requests.PlanRequest`)."""
    if procedure is None and nerve is None and not also:
        raise ValueError("give a procedure, a nerve or cuts")
    proc = get_procedure(procedure) if isinstance(procedure, str) else procedure
    chosen_side: Side = side
    meth = get_method(method or (proc.method if proc else "surgical_cut"))
    ends = tuple(
        get_end_treatment(e)
        for e in (end_treatments if end_treatments is not None else (proc.end_treatment if proc else ()))
    )
    cuts: list[Cut] = list(proc.resolve_cuts(chosen_side)) if proc else []
    if nerve is not None:
        cuts.append(Cut(nerve, at=at, mm=mm, side=chosen_side, method=meth.key))
    cuts.extend(also)
    cuts = [Cut(c.nerve, c.at, c.mm, c.side, meth.key, c.fraction) for c in cuts]
    # the method decides what is lost (a decompression: nothing); the patient's sex which one-sex targets count
    deficit = for_sex(lesion(atlas, *cuts), patient.sex if patient is not None else None)
    # what cutting the same nerves takes: the neurectomy's and a neurolytic block's row in the comparison when the
    # plan itself cuts nothing for good (a decompression, a radiofrequency neurotomy)
    nerve_deficit = (
        deficit
        if meth.family == "surgical"
        else for_sex(
            lesion(atlas, *(Cut(c.nerve, c.at, c.mm, c.side, "surgical_cut", c.fraction) for c in cuts)),
            patient.sex if patient is not None else None,
        )
    )
    tl = timeline(atlas, deficit, meth, ends, days, procedure=proc)
    cand = assess(patient, deficit, meth, proc, atlas, side_confirmed, condition) if patient is not None else None
    risks = tuple(
        # sources as a clinician reads them: an atlas reference key ("gray42") as its citation (review 18c, 2)
        {**r, "source": readable_source(r["source"]), "basis": r["basis"] and readable_source(r["basis"])}
        for r in (
            risk_dicts(proc, patient.sex if patient is not None else None)
            if proc
            else _generic_risks(meth, ends, deficit, tl)
        )
    )
    evidence = tuple(_evidence(proc))
    alternatives = cand.alternatives if cand else (proc.alternative_names if proc else ())
    return Plan(
        proc,
        meth,
        ends,
        deficit,
        tl,
        cand,
        risks,
        evidence,
        tuple(alternatives),
        date.today().isoformat(),
        patient,
        tuple(warnings),
        comparison(proc, deficit, meth.family, nerve_deficit),
    )


def _generic_risks(
    method: Method, ends: tuple[EndTreatment, ...], deficit: Deficit, tl: Timeline
) -> list[dict[str, Any]]:
    """Risks of a cut that is no named procedure, in the shape of :class:`neurectomy.serialise.RiskJSON`."""
    from neurectomy.calibration import site_risk
    from neurectomy.methods import neuroma_risk

    def risk(name: str, frequency: str, measure: str, source: str, basis: str | None = None) -> dict[str, Any]:
        return {
            "name": name,
            "site_specific": True,
            "sex": None,
            "frequency": frequency,
            "measure": measure,
            "measure_as_published": None,
            "n": None,
            "evidence": [],
            "flags": [],
            "source": source,
            "basis": basis,
            "deficit": None,
        }

    out: list[dict[str, Any]] = []
    if method.interrupts and not method.tubes_intact:
        sites = sorted(set(tl.sites)) or ["peripheral"]
        rated = [s for s in sites if site_risk(s).neuroma_status == "rate"]
        if rated:
            worst = max(rated, key=lambda s: neuroma_risk(method, ends, s))
            effects = "; ".join(f"{e.name}: {_effect(e)}" for e in ends)
            out.append(
                risk(
                    "painful neuroma",
                    f"{neuroma_risk(method, ends, worst):.0%} lifetime (model, {worst.replace('_', ' ')})",
                    "model",
                    site_risk(worst).neuroma.source + (f"; end treatment: {effects}" if effects else ""),
                )
            )
        else:
            status = site_risk(sites[0]).neuroma_status
            out.append(risk("painful neuroma", f"{status} at this site", "not reported", site_risk(sites[0]).why))
    if deficit.motor:
        out.append(
            risk(
                "denervation weakness or loss of support",
                f"expected: {len(deficit.motor)} muscle(s) lose supply (atlas lesion)",
                "expected",
                "atlas lesion of the cut nerve",
            )
        )
    out.append(
        risk(
            "infection",
            "frequency not reported",
            "not reported",
            "no published source in the evidence set",
            "estimate: a risk of any incision; no figure in the evidence set for this nerve",
        )
    )
    return out


def _effect(e: EndTreatment) -> str:
    if e.effect != "relative risk":
        return "no proven effect"
    lo, hi = e.neuroma_factor.interval
    return f"relative risk {e.neuroma_factor.value:g} ({lo:g}-{hi:g})"


def _evidence(proc: Procedure | None) -> list[dict[str, Any]]:
    if proc is None or proc.evidence_key is None:
        return []
    from neurectomy.evidence import for_procedure
    from neurectomy.modelcheck import disagreement

    out = []
    for row in for_procedure(proc.evidence_key):
        note = disagreement(row.id)
        out.append(
            {
                "id": row.id,
                "procedure": row.procedure,
                "indication": row.indication,
                "outcome": row.outcome,
                "measure": row.measure,
                "value": row.value_text,
                "unit": row.unit,
                "n": row.n_text,
                "followup": row.followup,
                "design": row.design,
                "flags": list(row.flags) + ([f"the model does not follow this row: {note}"] if note else []),
                "source": row.citation(),
            }
        )
    return out
