"""Should this patient have it? Rules over patient facts and the planned cut, each reason traced to its rule.

The rules restate the seed text: neurectomy is for severe chronic pain (or a function to disable) when other
treatments have failed and numbness is acceptable, best when the nerve has no motor function; a neurolytic block is
usually preferred over a surgical sensory cut; decompression is the alternative for an entrapment, except where the
evidence favours neurectomy (meralgia paresthetica). The verdict is the most cautious of the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neurectomy.datafile import DataFileError, Problem, read_yaml, validation_problems
from neurectomy.lesion import Deficit
from neurectomy.methods import Method
from neurectomy.names import normalise

if TYPE_CHECKING:
    from neurectomy.procedures import Procedure

Verdict = Literal["favourable", "conditional", "not indicated"]
_ORDER: dict[str, int] = {"favourable": 0, "conditional": 1, "not indicated": 2}
NEUROLYTIC_WORDS = ("neurolytic", "neurolysis block", "phenol", "alcohol", "cryo", "radiofrequency", "rf ")
SEVERE_NRS = 7.0
CHRONIC_MONTHS = 3.0
BLOCK_RELIEF = 0.5


class Patient(BaseModel):
    """What the clinician records about the patient (a YAML file or keyword arguments)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indication: str | None = None
    goal: Literal["pain_relief", "disable_function"] = "pain_relief"
    side: Literal["left", "right"] | None = None
    pain_nrs: float | None = Field(default=None, ge=0, le=10, description="worst usual pain, 0-10")
    pain_months: float | None = Field(default=None, ge=0)
    failed_treatments: tuple[str, ...] = ()
    numbness_acceptable: bool | None = None
    diagnostic_block_relief: float | None = Field(
        default=None, ge=0, le=1, description="fraction of pain relieved by a diagnostic block"
    )
    entrapment: bool = False
    comorbidities: tuple[str, ...] = ()
    age: int | None = Field(default=None, ge=0, le=120)


@dataclass(frozen=True)
class Reason:
    rule: str
    verdict: Verdict
    text: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "verdict": self.verdict, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class Candidacy:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    alternatives: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
            "alternatives": list(self.alternatives),
        }


def load_patient(path: str | Path) -> Patient:
    """A patient file (YAML); problems name file, line and field."""
    from pydantic import ValidationError

    p = Path(path)
    problems: list[Problem] = []
    data, node = read_yaml(p, problems)
    if problems:
        raise DataFileError(problems, str(p))
    if not isinstance(data, dict):
        raise DataFileError([Problem(p.name, 1, None, None, "a patient file is a mapping of fields")], str(p))
    try:
        return Patient.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_problems(exc, p.name, data, node, field_from=0), str(p)) from None


def _tried(patient: Patient, words: Sequence[str]) -> bool:
    tried = " ".join(normalise(t) for t in patient.failed_treatments) + " "
    return any(normalise(w) in tried for w in words)


def assess(patient: Patient, deficit: Deficit, method: Method, procedure: Procedure | None = None) -> Candidacy:
    """Apply every rule; the verdict is the most cautious reason's."""
    reasons: list[Reason] = []
    alternatives: list[str] = []
    goal = procedure.goal if procedure is not None else patient.goal
    add = reasons.append

    if goal == "disable_function":
        what = ", ".join(procedure.functions_disabled) if procedure else (patient.indication or "a function")
        add(
            Reason(
                "indication",
                "favourable",
                f"Aim: permanently disable {what}.",
                "seed: 'permanently disable some nerve function'; twitching, blushing, sweating, cramps, vertigo",
            )
        )
    elif patient.pain_nrs is None or patient.pain_months is None:
        add(
            Reason(
                "indication",
                "conditional",
                "Pain severity and duration are not recorded; neurectomy is kept for severe chronic pain.",
                "seed sentence 5",
            )
        )
    elif patient.pain_nrs >= SEVERE_NRS and patient.pain_months >= CHRONIC_MONTHS:
        add(
            Reason(
                "indication",
                "favourable",
                f"Severe chronic pain (NRS {patient.pain_nrs:g}/10 for {patient.pain_months:g} months).",
                "seed sentence 5; estimate: 'severe' taken as NRS >= 7, 'chronic' as >= 3 months",
            )
        )
    else:
        add(
            Reason(
                "indication",
                "conditional",
                f"Pain NRS {patient.pain_nrs:g}/10 for {patient.pain_months:g} months is not severe chronic "
                "pain; neurectomy is reserved for rare cases of severe chronic pain.",
                "seed sentence 5; estimate: thresholds NRS >= 7 and >= 3 months",
            )
        )

    if patient.failed_treatments:
        add(
            Reason(
                "other_treatments_failed",
                "favourable",
                "Other treatments have failed: " + ", ".join(patient.failed_treatments) + ".",
                "seed sentence 8",
            )
        )
    else:
        add(
            Reason(
                "other_treatments_failed",
                "conditional",
                "No failed treatment is recorded; neurectomy is considered when other treatments have failed.",
                "seed sentences 5 and 8",
            )
        )
        alternatives.append("conservative treatment first (medication, physiotherapy, injections)")

    if method.interrupts and deficit.sensory:
        numb = sum(1 for x in deficit.sensory if x.effect == "anaesthetic")
        if patient.numbness_acceptable is False:
            add(
                Reason(
                    "numbness_acceptable",
                    "not indicated",
                    f"The cut leaves {numb} skin region(s) numb and the patient does not accept numbness.",
                    "seed sentences 8 and 17 (numbness is the most expected result)",
                )
            )
        elif patient.numbness_acceptable is None:
            add(
                Reason(
                    "numbness_acceptable",
                    "conditional",
                    f"The cut leaves {numb} skin region(s) numb: confirm the patient accepts this.",
                    "seed sentences 8 and 17",
                )
            )
        else:
            add(
                Reason(
                    "numbness_acceptable",
                    "favourable",
                    "The patient accepts numbness in the supplied area.",
                    "seed sentence 8",
                )
            )

    if method.interrupts and deficit.motor:
        names = ", ".join(dict.fromkeys(x.target.name for x in deficit.motor))
        if goal == "disable_function" and procedure is not None and procedure.category == "motor":
            add(
                Reason(
                    "motor_function",
                    "favourable",
                    f"Weakening {names} is the intended effect of a selective motor neurectomy.",
                    "seed: involuntary twitching, cramps; E085-E086 (selective tibial neurotomy)",
                )
            )
        else:
            add(
                Reason(
                    "motor_function",
                    "conditional",
                    f"The nerve has motor function: {names} would be weakened or paralysed. Neurectomy is best "
                    "when the nerve has no motor function.",
                    "seed sentences 8 and 19 (denervation leading to weakness or loss of support)",
                )
            )

    sensory_only = bool(deficit.sensory) and not deficit.motor
    if method.family == "surgical" and sensory_only and goal == "pain_relief":
        if _tried(patient, NEUROLYTIC_WORDS):
            add(
                Reason(
                    "neurolytic_first", "favourable", "A neurolytic block has already been tried.", "seed sentence 4"
                )
            )
        else:
            add(
                Reason(
                    "neurolytic_first",
                    "conditional",
                    "For a sensory nerve a neurolytic block is usually preferred over a surgical cut: it leaves the "
                    "basal lamina tubes, so it carries no neuroma risk, though the pain may return.",
                    "seed sentences 2-4",
                )
            )
            alternatives.append("neurolytic block (phenol, alcohol, cryoneurolysis or radiofrequency)")

    if patient.entrapment and method.family != "decompression":
        favoured = _evidence_favours_neurectomy(procedure)
        if favoured:
            add(
                Reason(
                    "decompression_alternative",
                    "favourable",
                    favoured,
                    "seed sentence 18; evidence rows cited in the text",
                )
            )
            alternatives.append("decompression (neurolysis), with the figures above")
        elif _tried(patient, ("decompression", "neurolysis", "release")):
            add(
                Reason(
                    "decompression_alternative", "favourable", "Decompression has already failed.", "seed sentence 10"
                )
            )
        else:
            add(
                Reason(
                    "decompression_alternative",
                    "conditional",
                    "This is an entrapment: decompression, which leaves no numbness, should be tried first.",
                    "seed sentence 10 (pain that has not responded to nerve decompression)",
                )
            )
            alternatives.append("decompression (neurolysis) of the entrapped nerve")

    if patient.diagnostic_block_relief is not None:
        relief = patient.diagnostic_block_relief
        if relief >= BLOCK_RELIEF:
            add(
                Reason(
                    "diagnostic_block",
                    "favourable",
                    f"A diagnostic block of this nerve relieved {relief:.0%} of the pain.",
                    "estimate: a block that relieves at least half the pain predicts benefit from cutting",
                )
            )
        else:
            add(
                Reason(
                    "diagnostic_block",
                    "not indicated",
                    f"A diagnostic block relieved only {relief:.0%} of the pain: this nerve is unlikely to carry it.",
                    "estimate: a block that relieves less than half the pain argues against cutting",
                )
            )

    for c in patient.comorbidities:
        word = normalise(c)
        if "infection" in word:
            add(
                Reason(
                    "comorbidity",
                    "not indicated",
                    f"{c}: operate once it is treated.",
                    "estimate: general surgical contraindication",
                )
            )
        elif any(w in word for w in ("coagulopathy", "anticoagul", "bleeding")):
            add(
                Reason(
                    "comorbidity",
                    "conditional",
                    f"{c}: correct or pause before surgery.",
                    "estimate: general surgical precaution",
                )
            )

    if procedure is not None:
        alternatives.extend(a for a in procedure.alternative_names if a not in alternatives)
    verdict: Verdict = max((r.verdict for r in reasons), key=_ORDER.__getitem__, default="conditional")
    return Candidacy(verdict, tuple(reasons), tuple(dict.fromkeys(alternatives)))


def _evidence_favours_neurectomy(procedure: Procedure | None) -> str | None:
    """Text of the like-for-like figures where the evidence favours neurectomy over decompression."""
    if procedure is None or procedure.evidence_key is None or procedure.comparator_evidence_key is None:
        return None
    from neurectomy.evidence import Point, compare

    groups = compare(procedure.evidence_key, procedure.comparator_evidence_key)
    for g in groups:
        if not g.a or not g.b or "relief" not in normalise(g.outcome):
            continue
        a, b = g.a[0], g.b[0]
        if isinstance(a.value, Point) and isinstance(b.value, Point) and a.value.x > b.value.x:
            return (
                f"The evidence favours neurectomy over decompression here: {g.outcome} {a.value_text}{a.unit} "
                f"({a.id}) vs {b.value_text}{b.unit} ({b.id})."
            )
    return None
