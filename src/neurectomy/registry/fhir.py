"""FHIR R4 exchange: a Bundle of Patient, Condition, Procedure and Observation resources.

Validated with the ``fhir.resources`` **R4B** models (``fhir.resources.R4B``), which are wire-compatible with R4 for
these four resources. Mapping:

- **Patient** (pseudonymous): ``identifier`` = the clinic's pseudonym, ``gender``, ``birthDate`` (year only); the
  ``meta.security`` label PSEUDED.
- **Condition** = a case: ``code.text`` = indication, ``bodySite`` = side, ``recordedDate``, ``note``; extensions
  for the case status and the planned procedure.
- **Procedure** ``status=completed`` = a procedure performed: ``code`` = procedure key + name, ``bodySite`` = one
  coding per cut nerve (atlas ids), ``performedDateTime``, ``reasonReference`` → Condition; extensions for the
  method and side, and one ``end-treatment`` extension per treatment of the cut end (``methods.END_TREATMENTS``
  keys). ``status=preparation`` = a stored plan: the same, plus the full plan JSON in an extension.
- **Observation** = an outcome: ``effectiveDateTime``, ``focus`` → Condition, components for days after the
  procedure, the standard time point (``timepoint``: before, 3_weeks, 3_months, 12_months), pain NRS (LOINC
  72514-3), each validated instrument's score (code ``{NS}:measure`` ``hdss`` or ``mas``, a ``{score}``
  quantity; MAS 1+ is 1.5), pain relief, recurrence, each complication, each numb skin region and each weak or
  paralysed muscle (code ``muscle`` plus the atlas muscle id; the value is the MRC grade as an integer when it was
  graded, else ``weak`` or ``paralysed``); ``bodySite`` = the side those regions and muscles were found on (absent
  for a row written before the side was recorded: the case's side).

Export is deterministic (no timestamps; ids are the records' UUIDs), so export → import → export is identical.
Import validates everything first, names the path of the first bad element (``Bundle.entry[3].resource...``) and
writes inside the caller's single transaction, so a rejected bundle writes nothing.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurectomy.registry.auth import Principal
from neurectomy.registry.models import Case, Outcome, Patient, ProcedurePerformed, StoredPlan
from neurectomy.registry.service import (
    FIRST_DATE,
    LAST_DATE,
    CaseIn,
    InvalidInput,
    OutcomeIn,
    ProcedureIn,
    audit,
    check_plan,
    get_case,
    json_problem,
    parse,
)

NS: Final = "urn:neurectomy:fhir"
SYS_PSEUDONYM: Final = f"{NS}:pseudonym"
SYS_PROCEDURE: Final = f"{NS}:procedure"
SYS_NERVE: Final = f"{NS}:nerve"
SYS_SIDE: Final = f"{NS}:side"
SYS_SKIN: Final = f"{NS}:skin-region"
SYS_COMPLICATION: Final = f"{NS}:complication"
SYS_RELIEF: Final = f"{NS}:pain-relief"
SYS_COMPONENT: Final = f"{NS}:component"
SYS_OBSERVATION: Final = f"{NS}:observation"
SYS_TIMEPOINT: Final = f"{NS}:timepoint"
SYS_MEASURE: Final = f"{NS}:measure"
SYS_MUSCLE: Final = f"{NS}:muscle"
SYS_MUSCLE_EFFECT: Final = f"{NS}:muscle-effect"
EXT_END_TREATMENT: Final = f"{NS}:ext:end-treatment"
EXT_STATUS: Final = f"{NS}:ext:case-status"
EXT_PROCEDURE: Final = f"{NS}:ext:procedure"
EXT_METHOD: Final = f"{NS}:ext:method"
EXT_SIDE: Final = f"{NS}:ext:side"
EXT_PLAN: Final = f"{NS}:ext:plan-json"
EXT_CREATED: Final = f"{NS}:ext:created"
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
PSEUDED: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}
MAX_ENTRIES: Final = 20_000
MAX_BYTES: Final = 64 * 1024 * 1024
ALLOWED: Final = ("Patient", "Condition", "Procedure", "Observation")
_BUNDLE_NS: Final = uuid.UUID("6f1c4a52-3d0e-4c53-9a53-6e6575726563")


class FhirImportError(ValueError):
    """A bundle was rejected; ``path`` is the bad element (``Bundle.entry[2].resource.code``)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


# --------------------------------------------------------------------------- export
def _ref(uid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{uid}"}


def _code(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _nerve_sites(nerves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"coding": [_code(SYS_NERVE, n["id"], n["name"])], "text": n["name"]} for n in nerves]


def _procedure_code(key: str | None, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"text": name}
    if key:
        out["coding"] = [_code(SYS_PROCEDURE, key)]
    return out


def _canonical(plan: dict[str, Any]) -> str:
    return json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _patient(p: Patient) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Patient",
        "id": p.uid,
        "meta": {"security": [PSEUDED]},
        "identifier": [{"system": SYS_PSEUDONYM, "value": p.pseudonym}],
        "gender": p.sex,
    }
    if p.birth_year is not None:
        r["birthDate"] = f"{p.birth_year:04d}"
    return r


def _condition(c: Case) -> dict[str, Any]:
    ext = [{"url": EXT_STATUS, "valueCode": c.status}]
    if c.procedure_key:
        ext.append({"url": EXT_PROCEDURE, "valueCode": c.procedure_key})
    r: dict[str, Any] = {
        "resourceType": "Condition",
        "id": c.uid,
        "extension": ext,
        "code": {"text": c.indication},
        "bodySite": [{"coding": [_code(SYS_SIDE, c.side)], "text": c.side}],
        "subject": _ref(c.patient.uid),
        "recordedDate": c.created_at.isoformat(),
    }
    if c.notes:
        r["note"] = [{"text": c.notes}]
    return r


def _plan(sp: StoredPlan, c: Case) -> dict[str, Any]:
    plan = sp.plan
    proc = plan.get("procedure") or {}
    nerves = [c_["nerve"] for c_ in plan.get("cuts") or [] if isinstance(c_.get("nerve"), dict)]
    return {
        "resourceType": "Procedure",
        "id": sp.uid,
        "extension": [
            {"url": EXT_METHOD, "valueCode": sp.method or "unknown"},
            {"url": EXT_SIDE, "valueCode": sp.side},
            {"url": EXT_CREATED, "valueDateTime": sp.created_at.isoformat()},
            {"url": EXT_PLAN, "valueString": _canonical(plan)},
        ],
        "status": "preparation",
        "code": _procedure_code(sp.procedure_key, str(proc.get("name") or "planned nerve interruption")),
        "subject": _ref(c.patient.uid),
        "reasonReference": [_ref(c.uid)],
        "bodySite": _nerve_sites([{"id": str(n.get("id")), "name": str(n.get("name"))} for n in nerves]),
    }


def _performed(pp: ProcedurePerformed, c: Case) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": pp.uid,
        "extension": [
            {"url": EXT_METHOD, "valueCode": pp.method},
            {"url": EXT_SIDE, "valueCode": pp.side},
            *({"url": EXT_END_TREATMENT, "valueCode": k} for k in pp.end_treatments or []),
        ],
        "status": "completed",
        "code": _procedure_code(pp.procedure_key, pp.procedure_name),
        "subject": _ref(c.patient.uid),
        "performedDateTime": pp.performed_on.isoformat(),
        "reasonReference": [_ref(c.uid)],
    }
    if pp.nerves:
        r["bodySite"] = _nerve_sites(pp.nerves)
    if pp.notes:
        r["note"] = [{"text": pp.notes}]
    return r


def _component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": {"coding": [_code(SYS_COMPONENT, code)]}, **value}


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"}


def _muscle_component(m: dict[str, Any]) -> dict[str, Any]:
    code = {"coding": [_code(SYS_COMPONENT, "muscle"), _code(SYS_MUSCLE, str(m["id"]))]}
    if m.get("mrc") is not None:
        return {"code": code, "valueInteger": int(m["mrc"])}
    return {"code": code, "valueCodeableConcept": {"coding": [_code(SYS_MUSCLE_EFFECT, str(m["effect"]))]}}


def _observation(o: Outcome, c: Case) -> dict[str, Any]:
    from neurectomy.registry.measures import MEASURES, TIMEPOINTS

    comps = [_component("days-after", valueQuantity={"value": o.days_after, "unit": "d", "system": UCUM, "code": "d"})]
    if o.timepoint is not None:
        label = TIMEPOINTS[o.timepoint][0] if o.timepoint in TIMEPOINTS else None
        comps.append(
            _component("timepoint", valueCodeableConcept={"coding": [_code(SYS_TIMEPOINT, o.timepoint, label)]})
        )
    if o.pain_nrs is not None:
        comps.append(
            {
                "code": {"coding": [_code(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score]")]},
                "valueQuantity": _score(o.pain_nrs),
            }
        )
    for key, value in sorted((o.measures or {}).items()):
        name = MEASURES[key].name if key in MEASURES else None
        comps.append({"code": {"coding": [_code(SYS_MEASURE, key, name)]}, "valueQuantity": _score(value)})
    if o.pain_relief is not None:
        comps.append(_component("pain-relief", valueCodeableConcept={"coding": [_code(SYS_RELIEF, o.pain_relief)]}))
    comps.append(_component("recurrence", valueBoolean=o.recurrence))
    comps += [
        _component("complication", valueCodeableConcept={"coding": [_code(SYS_COMPLICATION, k)]})
        for k in o.complications
    ]
    comps += [_component("numb-region", valueCodeableConcept={"coding": [_code(SYS_SKIN, k)]}) for k in o.numb_regions]
    comps += [_muscle_component(m) for m in o.muscles or []]
    r: dict[str, Any] = {
        "resourceType": "Observation",
        "id": o.uid,
        "status": "final",
        "code": {"coding": [_code(SYS_OBSERVATION, "follow-up")], "text": "Follow-up after nerve interruption"},
        "subject": _ref(c.patient.uid),
        "focus": [_ref(c.uid)],
        "effectiveDateTime": o.recorded_on.isoformat(),
        "component": comps,
    }
    if o.side is not None:
        r["bodySite"] = {"coding": [_code(SYS_SIDE, o.side)], "text": o.side}
    if o.notes:
        r["note"] = [{"text": o.notes}]
    return r


@dataclass(frozen=True)
class Skipped:
    """A stored record that cannot be exported (a legacy row written before inputs were checked): the case it
    belongs to and why, so that one bad row is named instead of failing the whole export."""

    case_id: int
    case_uid: str
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_id} ({self.case_uid}): {self.problem}"


@dataclass(frozen=True)
class Export:
    """An export: the bundle of every exportable case, and the cases left out with the reason."""

    bundle: dict[str, Any]
    skipped: tuple[Skipped, ...]
    cases: int


def resource_problem(resource: dict[str, Any]) -> str | None:
    """Why ``resource`` is not valid FHIR (R4B model) or cannot be written as UTF-8 JSON, or None."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    kind = str(resource.get("resourceType"))
    where = f"{kind}/{resource.get('id')}"
    try:
        json.dumps(resource, ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeError) as exc:
        return f"{where}: cannot be written as UTF-8 JSON ({str(exc)[:120]})"
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as exc:
        err = exc.errors()[0]
        return f"{where}.{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
    except Exception as exc:  # the library's own errors for odd values
        return f"{where}: {type(exc).__name__}: {str(exc)[:200]}"
    return None


def case_resources(c: Case) -> list[dict[str, Any]]:
    """The Condition, Procedures and Observations of one case (not its Patient)."""
    return [
        _condition(c),
        *(_plan(sp, c) for sp in c.plans),
        *(_performed(pp, c) for pp in c.procedures),
        *(_observation(o, c) for o in c.outcomes),
    ]


def case_problem(c: Case) -> str | None:
    """Why the case (with its patient) cannot be exported, or None."""
    try:
        resources = [_patient(c.patient), *case_resources(c)]
    except Exception as exc:  # a stored value of the wrong shape
        return f"cannot be written as FHIR ({type(exc).__name__}: {str(exc)[:200]})"
    for r in resources:
        problem = resource_problem(r)
        if problem:
            return problem
    return None


def export(s: Session, who: Principal, case_ids: list[int] | None = None, institution_id: int | None = None) -> Export:
    """A FHIR R4 ``collection`` Bundle of the user's cases (or ``case_ids``), each resource validated with the R4B
    models; a case that cannot be exported is left out and named in :attr:`Export.skipped`. Audited, with counts
    (call it inside :func:`neurectomy.registry.db.write`)."""
    who.require("export")
    if case_ids is None:
        q = select(Case.id).order_by(Case.id)
        inst = who.institution_id if who.institution_id is not None else institution_id
        if inst is not None:
            q = q.where(Case.institution_id == inst)
        case_ids = list(s.scalars(q))
    cases = [get_case(s, who, cid) for cid in sorted(set(case_ids))]
    skipped: list[Skipped] = []
    good: list[Case] = []
    for c in cases:
        problem = case_problem(c)
        if problem is None:
            good.append(c)
        else:
            skipped.append(Skipped(c.id, c.uid, problem))
    patients: dict[int, Patient] = {}
    for c in good:
        patients.setdefault(c.patient.id, c.patient)
    resources: list[dict[str, Any]] = [_patient(patients[k]) for k in sorted(patients)]
    for c in good:
        resources += case_resources(c)
    bundle_id = str(uuid.uuid5(_BUNDLE_NS, ",".join(r["id"] for r in resources)))
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    audit(
        s,
        who,
        "export",
        "bundle",
        bundle_id,
        {
            "cases": len(good),
            "patients": len(patients),
            "resources": len(resources),
            "skipped": [x.case_uid for x in skipped],
        },
    )
    return Export(bundle, tuple(skipped), len(good))


def export_bundle(
    s: Session, who: Principal, case_ids: list[int] | None = None, institution_id: int | None = None
) -> dict[str, Any]:
    """The bundle of :func:`export` (cases that cannot be exported are left out: use :func:`export` to learn
    which)."""
    return export(s, who, case_ids, institution_id).bundle


def dumps(bundle: dict[str, Any]) -> str:
    """The bundle as stable, indented JSON text."""
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- import
def _path(loc: tuple[Any, ...]) -> str:
    out = "Bundle"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k[:60]!r} in one object")
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def strict_json(text: str | bytes) -> Any:
    """``json.loads`` that refuses what JSON parsers disagree on: duplicate keys in an object (which one wins?),
    ``NaN`` and ``Infinity``, and text that is not UTF-8."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def loads(text: str | bytes) -> dict[str, Any]:
    """Parse bundle JSON text; too large, too deep or not JSON is a :class:`FhirImportError`."""
    if len(text) > MAX_BYTES:
        raise FhirImportError("Bundle", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = strict_json(text)
    except RecursionError:
        raise FhirImportError("Bundle", "nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirImportError("Bundle", f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FhirImportError("Bundle", "a bundle is a JSON object")
    return data


def validate_bundle(data: Any) -> None:
    """Structural validation with the R4B models; raise :class:`FhirImportError` at the first bad element.

    Only a ``collection`` Bundle is imported: a ``transaction`` or ``batch`` asks for operations (DELETE, PUT,
    conditional creates) that an import would silently ignore, so it is refused rather than half-honoured."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise FhirImportError("Bundle.resourceType", "must be 'Bundle'")
    if data.get("type") != "collection":
        raise FhirImportError(
            "Bundle.type", f"only a 'collection' bundle is imported, not {str(data.get('type'))[:40]!r}"
        )
    problem = json_problem(data)
    if problem:
        raise FhirImportError(
            _path(tuple(int(x) if x.isdigit() else x for x in problem[0].split(".") if x)), problem[1]
        )
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise FhirImportError("Bundle.entry", "must be a list")
    if len(entries) > MAX_ENTRIES:
        raise FhirImportError("Bundle.entry", f"more than {MAX_ENTRIES} entries")
    for i, e in enumerate(entries):
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            raise FhirImportError(f"Bundle.entry[{i}].resource", "missing or not an object")
        for key in ("request", "response", "search"):
            if key in e:
                raise FhirImportError(f"Bundle.entry[{i}].{key}", "an entry of a collection carries no " + key)
        if res.get("resourceType") not in ALLOWED:
            raise FhirImportError(
                f"Bundle.entry[{i}].resource.resourceType",
                f"{str(res.get('resourceType'))[:60]!r} is not one of {', '.join(ALLOWED)}",
            )
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise FhirImportError(_path(tuple(err["loc"])), err["msg"]) from None
    except RecursionError:
        raise FhirImportError("Bundle", "nested too deeply") from None
    except Exception as exc:  # the library's own errors for odd input
        raise FhirImportError("Bundle", f"invalid: {type(exc).__name__}: {str(exc)[:200]}") from None


class _Reader:
    """Reads our fields out of one resource, raising at the exact path when something is missing or odd."""

    def __init__(self, res: dict[str, Any], path: str) -> None:
        self.res = res
        self.path = path

    def fail(self, where: str, message: str) -> FhirImportError:
        return FhirImportError(f"{self.path}.{where}" if where else self.path, message)

    def ext(self, url: str, key: str, required: bool = True) -> Any:
        for i, e in enumerate(self.res.get("extension") or []):
            if e.get("url") == url:
                if key not in e:
                    raise self.fail(f"extension[{i}]", f"expected {key}")
                return e[key]
        if required:
            raise self.fail("extension", f"missing extension {url}")
        return None

    def ref(self, where: str, value: Any, index: dict[str, str], kind: str) -> str:
        ref = value.get("reference") if isinstance(value, dict) else None
        if not isinstance(ref, str) or not ref.startswith("urn:uuid:"):
            raise self.fail(where, "expected a reference 'urn:uuid:<id>' to an entry of this bundle")
        uid = ref.removeprefix("urn:uuid:")
        if index.get(uid) != kind:
            raise self.fail(where, f"does not resolve to a {kind} in this bundle")
        return uid

    def coded(self, where: str, concept: Any, system: str) -> str:
        for c in (concept or {}).get("coding") or []:
            if c.get("system") == system and isinstance(c.get("code"), str):
                return str(c["code"])
        raise self.fail(where, f"expected a coding with system {system}")


def _checked(model: Any, data: dict[str, Any], r: _Reader, fields: dict[str, str]) -> Any:
    """Validate with the service's input model; report errors at the FHIR element the field came from."""
    try:
        return parse(model, data)
    except InvalidInput as exc:
        field, msg = exc.problems[0]
        parts = field.split(".")  # the longest known prefix: muscles.0.mrc -> muscles.0 (its component)
        where = next((fields[k] for n in range(len(parts), 0, -1) if (k := ".".join(parts[:n])) in fields), "")
        raise r.fail(where, f"{field}: {msg}") from None


def _date(r: _Reader, where: str, value: Any) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise r.fail(where, "expected a full date YYYY-MM-DD")
    try:
        d = date.fromisoformat(value)
    except ValueError as exc:
        raise r.fail(where, str(exc)) from None
    if not FIRST_DATE <= d <= LAST_DATE:
        raise r.fail(where, f"outside {FIRST_DATE.year}-{LAST_DATE.year}")
    return d


def _instant(r: _Reader, where: str, value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise r.fail(where, "expected a dateTime with a time zone")
    try:
        t = datetime.fromisoformat(value)
        if t.tzinfo is None:
            raise r.fail(where, "expected a time zone")
        t = t.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # 0001-01-01T00:00:00+14:00 is before the first UTC instant
        raise r.fail(where, f"not a usable dateTime ({exc})") from None
    if not FIRST_DATE <= t.date() <= LAST_DATE:
        raise r.fail(where, f"outside {FIRST_DATE.year}-{LAST_DATE.year}")
    return t


def _number(r: _Reader, where: str, value: Any, *, whole: bool = False) -> float | int:
    """A JSON number (not a string, not a boolean), finite and of a sane size; a whole number if ``whole``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise r.fail(where, f"expected a number, not {type(value).__name__}")
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > 1e9:
        raise r.fail(where, "out of range")
    if whole:
        if value != int(value):
            raise r.fail(where, "expected whole days")
        return int(value)
    return float(value)


def import_bundle(s: Session, who: Principal, data: dict[str, Any], institution_id: int | None = None) -> list[int]:
    """Import a bundle into the user's institution; returns the new case ids. Validates everything before the
    first write; call inside :func:`neurectomy.registry.db.write` so that a failure writes nothing."""
    who.require("import")
    inst = who.institution_id if who.institution_id is not None else institution_id
    if inst is None:
        raise FhirImportError("Bundle", "the command line must name the institution to import into")
    validate_bundle(data)
    entries: list[dict[str, Any]] = data.get("entry") or []
    index: dict[str, str] = {}
    for i, e in enumerate(entries):
        res = e["resource"]
        rid = res.get("id")
        if not rid:
            raise FhirImportError(f"Bundle.entry[{i}].resource.id", "required")
        if rid in index:
            raise FhirImportError(f"Bundle.entry[{i}].resource.id", f"duplicate id {rid!r}")
        if e.get("fullUrl") not in (None, f"urn:uuid:{rid}"):
            raise FhirImportError(f"Bundle.entry[{i}].fullUrl", "must be 'urn:uuid:' + the resource id")
        index[rid] = res["resourceType"]

    patients: list[tuple[str, dict[str, Any]]] = []
    cases: list[tuple[str, str, dict[str, Any], datetime]] = []
    plans: list[tuple[str, str, dict[str, Any], datetime]] = []
    performed: list[tuple[str, str, dict[str, Any]]] = []
    outcomes: list[tuple[str, str, dict[str, Any]]] = []
    pseudonyms: dict[str, str] = {}
    links: list[tuple[_Reader, str, str]] = []  # (resource, its subject, its case): subject must be the case's
    for i, e in enumerate(entries):
        res = e["resource"]
        kind = res["resourceType"]
        r = _Reader(res, f"Bundle.entry[{i}].resource")
        if kind == "Patient":
            pseud = [x for x in res.get("identifier") or [] if x.get("system") == SYS_PSEUDONYM]
            if not pseud or not isinstance(pseud[0].get("value"), str):
                raise r.fail("identifier", f"expected an identifier with system {SYS_PSEUDONYM}")
            birth = res.get("birthDate")
            if birth is not None and not re.fullmatch(r"\d{4}", str(birth)):
                raise r.fail("birthDate", "only the birth year (YYYY) is kept in a pseudonymous registry")
            pdata = {
                "pseudonym": pseud[0]["value"],
                "birth_year": None if birth is None else int(birth),
                "sex": res.get("gender", "unknown"),
            }
            _checked(
                CaseIn,
                {**pdata, "indication": "-", "side": "left"},
                r,
                {"pseudonym": "identifier[0].value", "birth_year": "birthDate", "sex": "gender"},
            )
            if pdata["pseudonym"] in pseudonyms:
                raise r.fail("identifier[0].value", "two patients with the same pseudonym")
            pseudonyms[pdata["pseudonym"]] = res["id"]
            patients.append((res["id"], pdata))
        elif kind == "Condition":
            pat = r.ref("subject", res.get("subject"), index, "Patient")
            sites = res.get("bodySite") or [{}]
            cdata = {
                "pseudonym": "-",  # the patient comes from the reference
                "indication": (res.get("code") or {}).get("text", ""),
                "side": r.coded("bodySite[0]", sites[0], SYS_SIDE),
                "procedure_key": r.ext(EXT_PROCEDURE, "valueCode", required=False),
                "notes": ((res.get("note") or [{}])[0]).get("text", ""),
            }
            fields = {
                "indication": "code.text",
                "side": "bodySite[0].coding",
                "procedure_key": "extension",
                "notes": "note[0].text",
            }
            _checked(CaseIn, cdata, r, fields)
            status = r.ext(EXT_STATUS, "valueCode")
            if status not in ("planned", "operated", "follow_up", "closed"):
                raise r.fail("extension", f"unknown case status {str(status)[:40]!r}")
            cdata["status"] = status
            if "recordedDate" not in res:
                raise r.fail("recordedDate", "required")
            cases.append((res["id"], pat, cdata, _instant(r, "recordedDate", res["recordedDate"])))
        elif kind == "Procedure":
            pat = r.ref("subject", res.get("subject"), index, "Patient")
            reasons = res.get("reasonReference") or []
            if len(reasons) != 1:
                raise r.fail("reasonReference", "expected exactly one reference to the case's Condition")
            case_uid = r.ref("reasonReference[0]", reasons[0], index, "Condition")
            code = res.get("code") or {}
            key = next((c.get("code") for c in code.get("coding") or [] if c.get("system") == SYS_PROCEDURE), None)
            nerves = []
            for j, site in enumerate(res.get("bodySite") or []):
                nerve = r.coded(f"bodySite[{j}]", site, SYS_NERVE)
                disp = next(c.get("display") for c in site["coding"] if c.get("system") == SYS_NERVE)
                nerves.append({"id": nerve, "name": disp or site.get("text") or nerve})
            method, side = r.ext(EXT_METHOD, "valueCode"), r.ext(EXT_SIDE, "valueCode")
            if res.get("status") == "preparation":
                raw = r.ext(EXT_PLAN, "valueString")
                if not isinstance(raw, str) or len(raw) > 5_000_000:
                    raise r.fail("extension", "the plan extension must be a JSON object under 5 MB")
                try:
                    plan = strict_json(raw)
                except (ValueError, RecursionError) as exc:
                    raise r.fail("extension", f"the plan extension is not valid JSON ({str(exc)[:120]})") from None
                if not isinstance(plan, dict):
                    raise r.fail("extension", "the plan extension must be a JSON object under 5 MB")
                try:
                    check_plan(plan)
                except InvalidInput as exc:
                    field, msg = exc.problems[0]
                    raise r.fail("extension", f"the stored plan does not have the plan shape: {field}: {msg}") from None
                created = _instant(r, "extension", r.ext(EXT_CREATED, "valueDateTime"))
                _checked(
                    ProcedureIn,
                    {
                        "performed_on": date.today(),
                        "procedure_key": key,
                        "procedure_name": "-",
                        "method": method,
                        "side": side,
                    },
                    r,
                    {"procedure_key": "code.coding", "method": "extension", "side": "extension"},
                )
                plans.append((res["id"], case_uid, {"plan": plan, "method": method, "side": side, "key": key}, created))
            elif res.get("status") == "completed":
                ends = [e.get("valueCode") for e in res.get("extension") or [] if e.get("url") == EXT_END_TREATMENT]
                pdata = {
                    "performed_on": _date(r, "performedDateTime", res.get("performedDateTime")),
                    "procedure_key": key,
                    "procedure_name": code.get("text", ""),
                    "method": method,
                    "side": side,
                    "nerves": nerves,
                    "end_treatments": ends,
                    "notes": ((res.get("note") or [{}])[0]).get("text", ""),
                }
                fields = {
                    "procedure_key": "code.coding",
                    "procedure_name": "code.text",
                    "method": "extension",
                    "side": "extension",
                    "nerves": "bodySite",
                    "end_treatments": "extension",
                    "notes": "note[0].text",
                }
                _checked(ProcedureIn, pdata, r, fields)
                performed.append((res["id"], case_uid, pdata))
            else:
                raise r.fail("status", "only 'completed' (performed) and 'preparation' (a plan) are imported")
            links.append((r, pat, case_uid))
        else:  # Observation
            if res.get("status") not in ("final", "amended", "corrected"):
                raise r.fail("status", "only final, amended or corrected observations are imported")
            links.append((r, r.ref("subject", res.get("subject"), index, "Patient"), ""))
            focus = res.get("focus") or []
            if len(focus) != 1:
                raise r.fail("focus", "expected exactly one reference to the case's Condition")
            case_uid = r.ref("focus[0]", focus[0], index, "Condition")
            links[-1] = (r, links[-1][1], case_uid)
            odata: dict[str, Any] = {
                "recorded_on": _date(r, "effectiveDateTime", res.get("effectiveDateTime")),
                "numb_regions": [],
                "muscles": [],
                "measures": {},
                "complications": [],
            }
            at: dict[str, str] = {}
            for j, comp in enumerate(res.get("component") or []):
                where = f"component[{j}]"
                codes = {(c.get("system"), c.get("code")) for c in (comp.get("code") or {}).get("coding") or []}
                if (LOINC, "72514-3") in codes:
                    nrs = (comp.get("valueQuantity") or {}).get("value")
                    if nrs is None:
                        raise r.fail(f"{where}.valueQuantity.value", "required")
                    odata["pain_nrs"] = _number(r, f"{where}.valueQuantity.value", nrs)
                    at["pain_nrs"] = f"{where}.valueQuantity.value"
                    continue
                measure = [c for sys_, c in codes if sys_ == SYS_MEASURE]
                if measure:
                    key = str(measure[0])
                    if key in odata["measures"]:
                        raise r.fail(f"{where}.code", f"a second score of {key[:40]!r}")
                    score = (comp.get("valueQuantity") or {}).get("value")
                    if score is None:
                        raise r.fail(f"{where}.valueQuantity.value", "required")
                    odata["measures"][key] = _number(r, f"{where}.valueQuantity.value", score)
                    at[f"measures.{key}"] = f"{where}.valueQuantity.value"
                    at.setdefault("measures", f"{where}.code")
                    continue
                ours = [c for sys_, c in codes if sys_ == SYS_COMPONENT]
                if not ours:
                    raise r.fail(f"{where}.code", "unknown component")
                match ours[0]:
                    case "days-after":
                        q = (comp.get("valueQuantity") or {}).get("value")
                        odata["days_after"] = _number(r, f"{where}.valueQuantity.value", q, whole=True)
                        at["days_after"] = f"{where}.valueQuantity.value"
                    case "pain-relief":
                        at["pain_relief"] = f"{where}.valueCodeableConcept"
                        odata["pain_relief"] = r.coded(
                            f"{where}.valueCodeableConcept", comp.get("valueCodeableConcept"), SYS_RELIEF
                        )
                    case "recurrence":
                        if not isinstance(comp.get("valueBoolean"), bool):
                            raise r.fail(f"{where}.valueBoolean", "expected true or false")
                        odata["recurrence"] = comp.get("valueBoolean")
                        at["recurrence"] = f"{where}.valueBoolean"
                    case "complication":
                        at[f"complications.{len(odata['complications'])}"] = f"{where}.valueCodeableConcept"
                        odata["complications"].append(
                            r.coded(f"{where}.valueCodeableConcept", comp.get("valueCodeableConcept"), SYS_COMPLICATION)
                        )
                    case "numb-region":
                        at[f"numb_regions.{len(odata['numb_regions'])}"] = f"{where}.valueCodeableConcept"
                        odata["numb_regions"].append(
                            r.coded(f"{where}.valueCodeableConcept", comp.get("valueCodeableConcept"), SYS_SKIN)
                        )
                    case "timepoint":
                        at["timepoint"] = f"{where}.valueCodeableConcept"
                        odata["timepoint"] = r.coded(
                            f"{where}.valueCodeableConcept", comp.get("valueCodeableConcept"), SYS_TIMEPOINT
                        )
                    case "muscle":
                        at[f"muscles.{len(odata['muscles'])}"] = f"{where}.code"
                        muscle = r.coded(f"{where}.code", comp.get("code"), SYS_MUSCLE)
                        if "valueInteger" in comp:
                            grade = comp["valueInteger"]
                            if isinstance(grade, bool) or not isinstance(grade, int):
                                raise r.fail(f"{where}.valueInteger", "expected the MRC grade, a whole number")
                            effect = "paralysed" if grade == 0 else "weak"
                            odata["muscles"].append({"id": muscle, "effect": effect, "mrc": grade})
                        else:
                            effect = r.coded(
                                f"{where}.valueCodeableConcept", comp.get("valueCodeableConcept"), SYS_MUSCLE_EFFECT
                            )
                            odata["muscles"].append({"id": muscle, "effect": effect, "mrc": None})
                    case other:
                        raise r.fail(f"{where}.code", f"unknown component {other[:40]!r}")
            odata["notes"] = ((res.get("note") or [{}])[0]).get("text", "")
            if res.get("bodySite") is not None:
                odata["side"] = r.coded("bodySite", res.get("bodySite"), SYS_SIDE)
            fields = {
                "side": "bodySite.coding",
                "recorded_on": "effectiveDateTime",
                "days_after": "component",
                "pain_nrs": "component",
                "pain_relief": "component",
                "numb_regions": "component",
                "muscles": "component",
                "timepoint": "component",
                "measures": "component",
                "complications": "component",
                "recurrence": "component",
                "notes": "note[0].text",
                **at,
            }
            _checked(OutcomeIn, odata, r, fields)
            outcomes.append((res["id"], case_uid, odata))

    case_patient = {uid: pat for uid, pat, _, _ in cases}
    for r, pat, case_uid in links:
        if case_patient[case_uid] != pat:
            raise r.fail("subject", "the subject is not the patient of the referenced Condition")

    # uniqueness against what is stored
    from neurectomy.registry.models import Case as C
    from neurectomy.registry.models import Outcome as O
    from neurectomy.registry.models import ProcedurePerformed as PP
    from neurectomy.registry.models import StoredPlan as SP

    pos = {e["resource"]["id"]: i for i, e in enumerate(entries)}
    for model in (Patient, C, SP, PP, O):
        clash = s.scalar(select(model.uid).where(model.uid.in_(list(index))).limit(1))
        if clash is not None:
            raise FhirImportError(f"Bundle.entry[{pos[clash]}].resource.id", f"{clash} is already in the registry")
    for uid, pdata in patients:
        if (
            s.scalar(select(Patient.id).where(Patient.institution_id == inst, Patient.pseudonym == pdata["pseudonym"]))
            is not None
        ):
            raise FhirImportError(
                f"Bundle.entry[{pos[uid]}].resource.identifier[0].value",
                "a different patient with this pseudonym is already in the registry",
            )

    # write (the caller's transaction)
    now = datetime.now(UTC)
    pat_rows: dict[str, Patient] = {}
    for uid, pdata in patients:
        p = Patient(
            uid=uid,
            institution_id=inst,
            pseudonym=pdata["pseudonym"],
            birth_year=pdata["birth_year"],
            sex=pdata["sex"],
            created_at=now,
        )
        s.add(p)
        pat_rows[uid] = p
    s.flush()
    case_rows: dict[str, Case] = {}
    for uid, pat, cdata, created in cases:
        c = Case(
            uid=uid,
            institution_id=inst,
            patient_id=pat_rows[pat].id,
            indication=cdata["indication"],
            side=cdata["side"],
            procedure_key=cdata["procedure_key"],
            status=cdata["status"],
            notes=cdata["notes"],
            created_at=created,
            created_by=who.user_id,
        )
        s.add(c)
        case_rows[uid] = c
    s.flush()
    for uid, case_uid, pl, created in plans:
        cuts = pl["plan"].get("cuts") or []
        s.add(
            StoredPlan(
                uid=uid,
                case_id=case_rows[case_uid].id,
                procedure_key=pl["key"],
                method=pl["method"],
                side=pl["side"],
                created_at=created,
                created_by=who.user_id,
                plan=pl["plan"],
                nerves=" ".join(str((c.get("nerve") or {}).get("id", "")) for c in cuts if isinstance(c, dict)),
                verdict=(pl["plan"].get("candidacy") or {}).get("verdict"),
            )
        )
    for uid, case_uid, pdata in performed:
        d = parse(ProcedureIn, pdata)
        s.add(
            ProcedurePerformed(
                uid=uid,
                case_id=case_rows[case_uid].id,
                performed_on=d.performed_on,
                procedure_key=d.procedure_key,
                procedure_name=d.procedure_name,
                method=d.method,
                side=d.side,
                nerves=[n.model_dump() for n in d.nerves],
                end_treatments=list(d.end_treatments),
                notes=d.notes,
                created_at=now,
                created_by=who.user_id,
            )
        )
    for uid, case_uid, odata in outcomes:
        o = parse(OutcomeIn, odata)
        s.add(
            Outcome(
                uid=uid,
                case_id=case_rows[case_uid].id,
                recorded_on=o.recorded_on,
                days_after=o.days_after,
                pain_nrs=o.pain_nrs,
                pain_relief=o.pain_relief,
                numb_regions=list(o.numb_regions),
                muscles=[m.model_dump() for m in o.muscles] or None,
                side=o.side,
                complications=list(o.complications),
                recurrence=o.recurrence,
                timepoint=o.timepoint,
                measures=dict(o.measures) or None,
                notes=o.notes,
                created_at=now,
                created_by=who.user_id,
            )
        )
    s.flush()
    audit(
        s,
        who,
        "import",
        "bundle",
        data.get("id") if isinstance(data.get("id"), str) else None,
        {
            "patients": len(patients),
            "cases": len(cases),
            "plans": len(plans),
            "procedures": len(performed),
            "outcomes": len(outcomes),
        },
    )
    return [c.id for c in case_rows.values()]


def export_case_ids(s: Session, who: Principal, case_id: int) -> dict[str, Any]:
    """One case as a bundle (the case page's download)."""
    return export_bundle(s, who, [case_id])
