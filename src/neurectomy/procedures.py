"""The named neurectomy procedures: indications, the atlas cuts they make, approach, steps and risks.

The table lives in ``procedures_data.yaml`` (one record per procedure, every figure an evidence id or a sourced
text); this module validates it (file, line, record, field) and resolves each procedure's cuts on the atlas.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neurectomy.atlas.graph import Atlas
from neurectomy.datafile import DataFileError, Problem, read_yaml, validation_problems
from neurectomy.lesion import Cut, Side
from neurectomy.names import UnknownNameError, normalise, suggest

DATA_FILE = Path(__file__).with_name("procedures_data.yaml")
EndTreatmentKey = Literal["cautery", "capping", "burying_in_muscle", "traction", "tmr", "rpni"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProcedureCut(_Model):
    nerve: str
    at: str | None = None
    mm: float | None = Field(default=None, ge=0)
    side: Literal["patient", "midline", "both"] = "patient"


class Frequency(_Model):
    evidence: str | None = Field(default=None, pattern=r"^E\d{3}$")
    text: str | None = None
    source: str | None = None


class Risk(_Model):
    name: str
    site_specific: bool = False
    frequency: Frequency


class Alternative(_Model):
    name: str
    why: str


class Procedure(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    synonyms: tuple[str, ...] = ()
    category: Literal[
        "special_sense",
        "spine",
        "pelvic",
        "entrapment",
        "interdigital",
        "sympathetic",
        "autonomic",
        "motor",
        "pain_sensory",
    ]
    indications: tuple[str, ...] = Field(min_length=1)
    functions_disabled: tuple[str, ...] = ()
    #: atlas target ids of the indication: the painful region, or the targets whose function is disabled
    treats: tuple[str, ...] = Field(min_length=1)
    goal: Literal["pain_relief", "disable_function"]
    evidence_key: str | None = None
    comparator_evidence_key: str | None = None
    cuts: tuple[ProcedureCut, ...] = Field(min_length=1)
    method: str
    end_treatment: tuple[EndTreatmentKey, ...] = ()
    approaches: tuple[str, ...] = ()
    anaesthesia: str
    anaesthesia_source: str
    imaging_guidance: str
    incision: str
    steps: tuple[str, ...] = Field(min_length=1)
    risks: tuple[Risk, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    source: str

    @property
    def alternative_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.alternatives)

    def resolve_cuts(self, patient_side: Side = "left") -> tuple[Cut, ...]:
        """The procedure's cuts on the given side (``both`` gives a cut on each side)."""
        out: list[Cut] = []
        for c in self.cuts:
            sides: tuple[Side, ...] = (
                ("left", "right") if c.side == "both" else ("midline",) if c.side == "midline" else (patient_side,)
            )
            out.extend(Cut(c.nerve, at=c.at, mm=c.mm, side=s) for s in sides)
        return tuple(out)


class _ProceduresFile(_Model):
    procedures: tuple[Procedure, ...]


@lru_cache(maxsize=4)
def load_procedures(path: Path = DATA_FILE) -> dict[str, Procedure]:
    """Every procedure by id; problems name file, line, record and field."""
    from pydantic import ValidationError

    problems: list[Problem] = []
    data, node = read_yaml(path, problems)
    if problems:
        raise DataFileError(problems, path.name)
    try:
        parsed = _ProceduresFile.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_problems(exc, path.name, data, node), path.name) from None
    out: dict[str, Procedure] = {}
    for p in parsed.procedures:
        if p.id in out:
            raise DataFileError([Problem(path.name, None, p.id, "id", "duplicate procedure id")], path.name)
        out[p.id] = p
    return out


def get_procedure(name: str, path: Path = DATA_FILE) -> Procedure:
    """A procedure by id, name or synonym; suggestions when unknown."""
    procedures = load_procedures(path)
    key = normalise(name)
    for p in procedures.values():
        if key in (normalise(p.id), normalise(p.name), *map(normalise, p.synonyms)):
            return p
    labels = [p.name for p in procedures.values()] + [s for p in procedures.values() for s in p.synonyms]
    raise UnknownNameError("procedure", name, suggest(name, labels))


def check_procedures(atlas: Atlas, path: Path = DATA_FILE) -> list[Problem]:
    """Cross-checks against the atlas, methods and evidence: every cut resolves, every evidence id exists."""
    from neurectomy.evidence import PROCEDURE_MAP, load_evidence
    from neurectomy.lesion import PositionError, resolve_cut
    from neurectomy.methods import get_method

    ids = {row.id for row in load_evidence()}
    problems: list[Problem] = []
    for p in load_procedures(path).values():

        def bad(field: str, message: str, pid: str = p.id) -> None:
            problems.append(Problem(path.name, None, pid, field, message))

        for i, cut in enumerate(p.resolve_cuts()):
            try:
                resolve_cut(atlas, cut)
            except (UnknownNameError, PositionError) as exc:
                bad(f"cuts.{i}", str(exc))
        for i, tid in enumerate(p.treats):
            if tid not in atlas.target_index:
                bad(f"treats.{i}", f"no atlas target {tid!r}")
        try:
            get_method(p.method)
        except UnknownNameError as exc:
            bad("method", str(exc))
        for key_field in ("evidence_key", "comparator_evidence_key"):
            key = getattr(p, key_field)
            if key is not None and key not in PROCEDURE_MAP:
                bad(key_field, f"unknown evidence key {key!r}")
        for i, risk in enumerate(p.risks):
            ev = risk.frequency.evidence
            if ev is not None and ev not in ids:
                bad(f"risks.{i}.frequency.evidence", f"no evidence row {ev}")
            if ev is None and not (risk.frequency.text and risk.frequency.source):
                bad(f"risks.{i}.frequency", "give an evidence id, or a text with its source")
    return problems


def risk_dicts(procedure: Procedure) -> list[dict[str, Any]]:
    """Risks with their frequency and its source spelled out (the evidence row's citation)."""
    from neurectomy.evidence import load_evidence

    rows = {r.id: r for r in load_evidence()}
    out = []
    for risk in procedure.risks:
        f = risk.frequency
        if f.evidence is not None and f.evidence in rows:
            row = rows[f.evidence]
            frequency = f"{row.value_text}{'' if row.unit == 'count' else ' ' + row.unit}".strip()
            source = f"{row.id}: {row.citation()}"
        else:
            frequency, source = f.text or "not given", f.source or ""
        out.append({"name": risk.name, "site_specific": risk.site_specific, "frequency": frequency, "source": source})
    return out
