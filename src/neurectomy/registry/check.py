"""``neurectomy registry check``: find stored rows that today's input checks would refuse.

Rows written before inputs were checked (a lone surrogate in a note, a numb region with a trailing space, an
imported plan of the wrong shape) are read back through the same validators that guard every write
(:mod:`.service`), every case is written out as FHIR as an export would (:func:`.fhir.case_problem`), and every
foreign key is followed. Each finding names the table, the row and the field, so the row can be corrected; an
export leaves such a case out and names it rather than failing as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from neurectomy.registry.db import read_session


@dataclass(frozen=True)
class Finding:
    """One stored row that could not be written today: where it is and why."""

    table: str
    row_id: int
    case_id: int | None
    problem: str

    def __str__(self) -> str:
        of = f" (case {self.case_id})" if self.case_id is not None and self.table != "cases" else ""
        return f"{self.table} #{self.row_id}{of}: {self.problem}"


def _problems(model: Any, data: dict[str, Any]) -> list[str]:
    from neurectomy.registry.service import InvalidInput, parse

    try:
        parse(model, data)
    except InvalidInput as exc:
        return [f"{path}: {msg}" for path, msg in exc.problems]
    return []


def check(engine: Engine) -> tuple[list[Finding], dict[str, int]]:
    """Every finding, and how many rows of each kind were checked."""
    from neurectomy.registry.backup import foreign_key_problems
    from neurectomy.registry.fhir import case_problem
    from neurectomy.registry.models import Case, Institution, Patient, User
    from neurectomy.registry.service import (
        CaseIn,
        InvalidInput,
        OutcomeIn,
        ProcedureIn,
        check_plan,
        text_problem,
    )

    found: list[Finding] = []
    seen = {"institutions": 0, "users": 0, "patients": 0, "cases": 0, "plans": 0, "procedures": 0, "outcomes": 0}
    with read_session(engine) as s:
        for inst in s.scalars(select(Institution).order_by(Institution.id)):
            seen["institutions"] += 1
            problem = text_problem(inst.name, multiline=False)
            if problem or inst.name != inst.name.strip():
                found.append(Finding("institutions", inst.id, None, f"name: {problem or 'stray whitespace'}"))
        for user in s.scalars(select(User).order_by(User.id)):
            seen["users"] += 1
            problem = text_problem(user.username, multiline=False)
            if problem:
                found.append(Finding("users", user.id, None, f"username: {problem}"))
        for p in s.scalars(select(Patient).order_by(Patient.id)):
            seen["patients"] += 1
            for msg in _problems(
                CaseIn,
                {"pseudonym": p.pseudonym, "birth_year": p.birth_year, "sex": p.sex, "indication": "-", "side": "left"},
            ):
                found.append(Finding("patients", p.id, None, msg))
        q = (
            select(Case)
            .order_by(Case.id)
            .options(selectinload(Case.plans), selectinload(Case.procedures), selectinload(Case.outcomes))
            .execution_options(yield_per=200)
        )
        for c in s.scalars(q):
            seen["cases"] += 1
            row_problems = len(found)
            data: dict[str, Any] = {
                "pseudonym": "-",
                "indication": c.indication,
                "side": c.side,
                "procedure_key": c.procedure_key,
                "notes": c.notes,
            }
            found += [Finding("cases", c.id, c.id, msg) for msg in _problems(CaseIn, data)]
            for sp in c.plans:
                seen["plans"] += 1
                try:
                    check_plan(sp.plan)
                except InvalidInput as exc:
                    found += [Finding("plans", sp.id, c.id, f"{path}: {msg}") for path, msg in exc.problems]
            for pp in c.procedures:
                seen["procedures"] += 1
                data = {
                    "performed_on": pp.performed_on,
                    "procedure_key": pp.procedure_key,
                    "procedure_name": pp.procedure_name,
                    "method": pp.method,
                    "side": pp.side,
                    "nerves": pp.nerves,
                    "end_treatments": pp.end_treatments or [],
                    "notes": pp.notes,
                }
                found += [Finding("procedures_performed", pp.id, c.id, msg) for msg in _problems(ProcedureIn, data)]
            for o in c.outcomes:
                seen["outcomes"] += 1
                data = {
                    "recorded_on": o.recorded_on,
                    "days_after": o.days_after,
                    "pain_nrs": o.pain_nrs,
                    "pain_relief": o.pain_relief,
                    "numb_regions": o.numb_regions,
                    "muscles": o.muscles or [],
                    "side": o.side,
                    "timepoint": o.timepoint,
                    "measures": o.measures or {},
                    "complications": o.complications,
                    "recurrence": o.recurrence,
                    "notes": o.notes,
                }
                found += [Finding("outcomes", o.id, c.id, msg) for msg in _problems(OutcomeIn, data)]
            if len(found) == row_problems:  # the rows pass; can the case still not be written as FHIR?
                problem = case_problem(c)
                if problem:
                    found.append(Finding("cases", c.id, c.id, f"FHIR export: {problem}"))
        for table, row_id, problem in foreign_key_problems(s):
            found.append(Finding(table, row_id, None, problem))
    return found, seen
