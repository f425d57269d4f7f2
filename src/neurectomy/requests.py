"""The typed requests every edge builds: validated once, here, then run on the atlas.

The CLI (its argparse fast path and Typer), the Python API, the HTTP API, the web forms and the registry all build
one of these values and call :meth:`run`; none of them re-implements validation, defaults, weight parsing or plan
assembly. A name that is not known (nerve, landmark, method, end treatment, region, function, procedure) raises
:class:`~neurectomy.names.UnknownNameError` with suggestions; a value that cannot be used raises
:class:`~neurectomy.names.RequestError` naming the field. Nothing is ever substituted silently.

This module stays light: ``neurectomy lesion … --json`` imports it on its cold-start path, so NumPy, pydantic and
the targeting and planning modules are imported only inside the methods that need them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from neurectomy.lesion import SIDES, Cut, Deficit, PositionError, ResolvedCut, Side, lesion, resolve_cut
from neurectomy.methods import get_end_treatment, get_method
from neurectomy.names import RequestError, side_word

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.candidacy import Patient
    from neurectomy.localisation import Localisation
    from neurectomy.planning import Plan
    from neurectomy.targeting import CutPlan, TargetingResult

DEFAULT_SIDE: Side = "left"
DEFAULT_METHOD = "surgical_cut"

_SPEC = re.compile(r"^(?:(?P<side>left|right|midline)\s*:\s*)?(?P<nerve>[^@]+?)\s*(?:@\s*(?P<where>.+))?$", re.I)
_MM = re.compile(r"^(?P<mm>\d+(?:\.\d+)?)\s*mm$", re.I)


def check_side(value: str, field: str = "side") -> Side:
    """The side ``value`` names (any case; the clinic's short forms R, L, Rt, Lt, "L." too: ``names.side_word``),
    else a :class:`RequestError` naming ``field`` ("bilateral" names two sides and is refused, never one chosen)."""
    try:
        side = side_word(value) if isinstance(value, str) else value
    except ValueError as exc:
        raise RequestError(field, str(exc)) from None
    if side not in SIDES:
        raise RequestError(field, f"side must be one of {', '.join(SIDES)} (or R, L, Rt, Lt), not {value!r}")
    return side  # type: ignore[return-value]


def check_lateral(value: str, field: str = "side") -> Side:
    """A side for a request that picks nerves (target, localise): left or right; a midline nerve stays midline."""
    side = check_side(value, field)
    if side == "midline":
        raise RequestError(field, "give the side to work on, left or right (midline structures are found either way)")
    return side


MAX_TEXT = 200


def _texts(values: Iterable[Any] | str | None, field: str = "text") -> tuple[Any, ...]:
    if values is None:
        return ()
    out = (values,) if isinstance(values, str) else tuple(values)
    for v in out:
        if isinstance(v, str) and len(v) > MAX_TEXT:
            raise RequestError(field, f"a name is at most {MAX_TEXT} characters (this one has {len(v)})")
    return out


def check_method(value: str) -> str:
    """The key of the method called ``value`` (key, name or synonym); ``UnknownNameError`` with suggestions."""
    return get_method(value).key


def parse_cut(spec: str | Cut, side: Side = DEFAULT_SIDE, method: str = DEFAULT_METHOD) -> Cut:
    """A cut from text: ``"[side:]NERVE[@LANDMARK | @N mm]"``.

    >>> parse_cut("right: ulnar nerve @ 120 mm")
    Cut(nerve='ulnar nerve', at=None, mm=120.0, side='right', method='surgical_cut', fraction=1.0)
    >>> parse_cut("median nerve@carpal tunnel").at
    'carpal tunnel'
    """
    if isinstance(spec, Cut):
        return spec
    match = _SPEC.match(spec.strip())
    if not match:
        raise RequestError("also", f"cannot read the cut {spec!r}; write [side:]NERVE[@LANDMARK|@N mm]")
    where = match["where"]
    mm_match = _MM.match(where) if where else None
    return Cut(
        nerve=match["nerve"].strip(),
        at=None if (where is None or mm_match) else where.strip(),
        mm=float(mm_match["mm"]) if mm_match else None,
        side=check_side((match["side"] or side).lower(), "also"),
        method=method,
    )


def parse_weights(items: Iterable[str] | Mapping[str, float] | None) -> tuple[tuple[str, float], ...]:
    """Cost-weight overrides from ``KIND=NUMBER`` items (the CLI's ``--weight``, the API's ``weight=``) or a
    mapping; each kind is checked against the cost model.

    >>> parse_weights(["muscle=5", "cut=1"])
    (('cut', 1.0), ('muscle', 5.0))
    """
    from neurectomy.names import UnknownNameError, suggest

    known = ("cut", "muscle", "skin_per_100cm2", "joint", "gland", "viscus", "special", "unestablished")
    pairs: dict[str, float] = {}
    entries = items.items() if isinstance(items, Mapping) else (_split_weight(i) for i in (items or ()))
    for key, value in entries:
        if key not in known:
            raise UnknownNameError("weight", key, suggest(key, known) or list(known))
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise RequestError("weight", f"the weight of {key} must be a finite number ≥ 0, not {value!r}")
        pairs[key] = number
    return tuple(sorted(pairs.items()))


def _split_weight(item: str) -> tuple[str, float]:
    key, sep, value = item.partition("=")
    try:
        if not sep:
            raise ValueError
        return key.strip(), float(value)
    except ValueError:
        raise RequestError("weight", f"write KIND=NUMBER (e.g. muscle=5), not {item!r}") from None


# --------------------------------------------------------------------------- lesion
@dataclass(frozen=True)
class LesionRequest:
    """What is lost if these nerves are cut here: one or several cuts, each with its side and method."""

    cuts: tuple[Cut, ...]

    @classmethod
    def build(
        cls,
        nerve: str | Cut,
        *,
        at: str | None = None,
        mm: float | None = None,
        side: str = DEFAULT_SIDE,
        method: str = DEFAULT_METHOD,
        also: Iterable[str | Cut] | None = (),
    ) -> LesionRequest:
        """The request from the options every surface offers (``also``: ``"[side:]NERVE[@LANDMARK|@N mm]"``)."""
        chosen = check_side(side)
        key = check_method(method)
        if isinstance(nerve, Cut):
            if at is not None or mm is not None or chosen != DEFAULT_SIDE or key != DEFAULT_METHOD:
                raise RequestError("nerve", "a Cut carries its own position, side and method; set them on the Cut")
            first = nerve
        else:
            _texts(nerve, "nerve")
            first = Cut(nerve, at=at, mm=mm, side=chosen, method=key)
        return cls((first, *(parse_cut(spec, chosen, key) for spec in _texts(also, "also"))))

    def resolve(self, atlas: Atlas) -> tuple[ResolvedCut, ...]:
        """Every cut located on the atlas; an error in a further cut names the field ``also``."""
        from neurectomy.names import UnknownNameError

        out = []
        for i, cut in enumerate(self.cuts):
            try:
                out.append(resolve_cut(atlas, cut))
            except PositionError as exc:
                if i == 0:
                    raise
                raise RequestError("also", f"{cut.nerve}: {exc.message}", exc.suggestions) from None
            except UnknownNameError as exc:
                if i > 0:
                    exc.field = "also"
                raise
        return tuple(out)

    def run(self, atlas: Atlas) -> Deficit:
        return lesion(atlas, *self.resolve(atlas))


# --------------------------------------------------------------------------- target
@dataclass(frozen=True)
class TargetRequest:
    """Which nerve should be cut to take away these regions or functions, at the least collateral cost."""

    regions: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    side: Side = DEFAULT_SIDE
    top: int = 3
    spare_motor: bool = False
    method: str = DEFAULT_METHOD
    coverage: float = 1.0
    avoid: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    with_plans: bool = False
    #: the id of the condition the regions and functions came from (``--condition``), if any
    condition: str | None = None
    #: the patient's sex: targets present only in the other sex are neither costed nor listed (None: both, labelled)
    sex: Sex | None = None
    #: regions and functions asked for beside the condition, as (field, text): each must lie in its territory
    beside_condition: tuple[tuple[str, str], ...] = ()
    #: what the request decided that the answer must say (a side taken from a code, a sex from the condition)
    notes: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        regions: Iterable[str] | str | None = (),
        functions: Iterable[str] | str | None = (),
        *,
        condition: str | None = None,
        side: str | None = None,
        sex: str | None = None,
        top: int = 3,
        spare_motor: bool = False,
        method: str = DEFAULT_METHOD,
        coverage: float = 1.0,
        avoid: Iterable[str] | str | None = (),
        weights: Iterable[str] | Mapping[str, float] | None = None,
        with_plans: bool = False,
    ) -> TargetRequest:
        """The request from every surface's options. ``condition`` (a name, synonym or ICD-10-CM code of
        ``conditions_data.yaml``) adds the regions and functions it means; a region or function given as a condition
        name, or as a web-space phrase ("third web space of the left foot"), is read the same way. A side named in
        a phrase is the request's side; one that disagrees with ``side`` is refused. Without either, left."""
        regions_t, functions_t = _texts(regions, "region"), _texts(functions, "function")
        if condition is not None and not str(condition).strip():
            condition = None
        if not regions_t and not functions_t and condition is None:
            raise RequestError("region", "give at least one region, function or condition")
        regions_t, functions_t, named_side, condition_id, beside = _clinic_terms(regions_t, functions_t, condition)
        if side is not None and named_side is not None and check_lateral(side) != named_side:
            raise RequestError(
                "side", f"the region names the {named_side} side but the request asks for the {side} side"
            )
        side = side if side is not None else named_side
        notes: list[str] = []
        coded = _code_side(condition, side, named_side, "target")
        if coded is not None:
            side, note = coded
            notes.append(note)
        side = side or DEFAULT_SIDE
        chosen_sex, sex_note = _condition_sex(condition_id, sex)
        if sex_note:
            notes.append(sex_note)
        if not 0.01 <= coverage <= 1:
            raise RequestError("coverage", f"coverage must be between 0.01 and 1, not {coverage!r}")
        if top < 1:
            raise RequestError("top", f"top must be at least 1, not {top!r}")
        return cls(
            regions_t,
            functions_t,
            check_lateral(side),
            int(top),
            bool(spare_motor),
            check_method(method),
            float(coverage),
            _texts(avoid, "avoid"),
            parse_weights(weights),
            bool(with_plans),
            condition_id,
            chosen_sex,
            beside,
            tuple(notes),
        )

    def run(self, atlas: Atlas) -> TargetingResult:
        from dataclasses import replace

        from neurectomy.targeting import target

        if self.condition is not None and self.beside_condition:
            _check_beside_condition(atlas, self.condition, self.beside_condition)
        result = target(
            atlas,
            self.regions,
            self.functions,
            side=self.side,
            top=self.top,
            spare_motor=self.spare_motor,
            method=self.method,
            coverage=self.coverage,
            avoid=self.avoid,
            weights=dict(self.weights) or None,
            condition=self.condition,
            sex=self.sex,
        )
        return replace(result, warnings=(*self.notes, *result.warnings)) if self.notes else result

    def run_with_plans(self, atlas: Atlas) -> tuple[TargetingResult, tuple[Plan, ...]]:
        """The ranked cut sets and, if ``with_plans``, each one turned into a full :class:`Plan`."""
        result = self.run(atlas)
        plans = tuple(PlanRequest.from_cut_plan(p).run(atlas) for p in result.plans) if self.with_plans else ()
        return result, plans

    def to_json(self, atlas: Atlas) -> dict[str, Any]:
        return self.json_of(*self.run_with_plans(atlas))

    def json_of(self, result: TargetingResult, plans: Iterable[Plan] = ()) -> dict[str, Any]:
        """The answer as JSON (every edge prints this), with the condition it was asked for, if any."""
        from neurectomy.serialise import targeting_json

        out = dict(targeting_json(result, tuple(plans)))
        if self.condition is not None:
            out["condition"] = condition_json(self.condition)
        return out


Sex = Literal["female", "male"]


def check_sex(value: str | None, field: str = "sex") -> Sex | None:
    """``value`` (any case) if it is female or male, None if not given; else a :class:`RequestError`."""
    if value is None or not str(value).strip():
        return None
    sex = str(value).strip().lower()
    if sex not in ("female", "male"):
        raise RequestError(field, f"sex must be female or male, not {value!r}")
    return sex  # type: ignore[return-value]


def condition_json(condition_id: str) -> dict[str, Any]:
    """A condition as the answers carry it: id, name, ICD-10-CM code and the named procedures that treat it (id and
    name: every edge shows the name)."""
    from neurectomy.conditions import load
    from neurectomy.procedures import get_procedure

    c = load()[condition_id]
    return {
        "id": c.id,
        "name": c.name,
        "icd10cm": None if c.icd10cm is None else c.icd10cm.code,
        "procedures": [{"id": key, "name": get_procedure(key).name} for key in c.procedures],
        "note": c.note,
    }


def _procedure_names(keys: Iterable[str]) -> str:
    from neurectomy.procedures import get_procedure

    return ", ".join(get_procedure(k).name for k in keys)


def _code_side(
    condition: str | None, side: str | None, named_side: str | None, surface: str
) -> tuple[Side, str] | None:
    """The side an ICD-10-CM code names (``H81.01``: right), as the request's side, with the note the answer
    carries; None when the condition is not given as a coded side. A side asked for (or named by a region) that
    contradicts the code is refused naming both; a bilateral code without a side is refused asking which (a plan or
    a targeting answer is for one side at a time); an unspecified code leaves the side as it was."""
    from neurectomy.conditions import code_side

    if condition is None:
        return None
    coded = code_side(condition)
    if coded is None or coded.side == "unspecified":
        return None
    asked = check_side(side) if side is not None else None
    if coded.side == "bilateral":
        if asked in ("left", "right"):
            return asked, (
                f"The ICD-10-CM code {coded.code} names both sides; this {surface} is for the {asked} side only: "
                "the other side needs its own."
            )
        raise RequestError(
            "side",
            f"the ICD-10-CM code {coded.code} names both sides; give the side to {surface} first (left or right), "
            "then the other",
        )
    if asked not in (None, "midline") and asked != coded.side:
        raise RequestError(
            "side",
            f"the ICD-10-CM code {coded.code} names the {coded.side} side but the request asks for the {asked} side; "
            "resolve this first",
        )
    if named_side is not None and named_side != coded.side:
        raise RequestError(
            "side",
            f"the ICD-10-CM code {coded.code} names the {coded.side} side but the region names the {named_side} side",
        )
    return coded.side, f"Side: {coded.side}, from the ICD-10-CM code {coded.code}."


def _condition_sex(condition_id: str | None, sex: str | None) -> tuple[Sex | None, str | None]:
    """The sex to target for: the one asked for, else the one the condition implies (dysmenorrhoea: female), with
    a note when it came from the condition; a sex that contradicts the condition is refused."""
    from neurectomy.conditions import load

    asked = check_sex(sex)
    implied = None if condition_id is None else load()[condition_id].sex
    if implied is None:
        return asked, None
    name = load()[condition_id].name  # type: ignore[index]
    if asked is not None and asked != implied:
        raise RequestError("sex", f"{name} is a condition of {implied} patients, but the request says {asked}")
    if asked is None:
        return implied, f"Sex: {implied}, as {name} implies; targets of the other sex are left out."
    return asked, None


def condition_targets(atlas: Atlas, condition_id: str) -> set[int]:
    """The atlas targets a condition means: its regions and the targets of its functions."""
    from neurectomy.conditions import load
    from neurectomy.targeting import resolve_function

    c = load()[condition_id]
    out = {atlas.target_index[t] for t in c.regions if t in atlas.target_index}
    for f in c.functions:
        out.update(resolve_function(atlas, f))
    return out


def _check_beside_condition(atlas: Atlas, condition_id: str, beside: Iterable[tuple[str, str]]) -> None:
    """A region or function asked for beside a condition must lie in the condition's territory; one outside it is
    refused naming both (merging them silently would plan cuts for something the condition does not mean)."""
    from neurectomy.conditions import load, region_phrase
    from neurectomy.targeting import resolve_function, resolve_region

    inside = condition_targets(atlas, condition_id)
    name = load()[condition_id].name
    for field, text in beside:
        phrase = region_phrase(text)
        if phrase is not None:
            found = {atlas.target_index[t] for t in phrase.targets if t in atlas.target_index}
        else:
            found = set(resolve_region(atlas, text) if field == "region" else resolve_function(atlas, text))
        outside = sorted(atlas.targets[t].name for t in found - inside)
        if outside:
            raise RequestError(
                field,
                f"the {field} {text!r} is not part of {name} ({', '.join(outside[:4])}"
                f"{' …' if len(outside) > 4 else ''} {'lies' if len(outside) == 1 else 'lie'} outside it); ask for "
                "one or the other",
            )


def _clinic_terms(
    regions: tuple[str, ...], functions: tuple[str, ...], condition: str | None
) -> tuple[tuple[str, ...], tuple[str, ...], Side | None, str | None, tuple[tuple[str, str], ...]]:
    """Regions and functions with clinic terms read: the condition's own regions and functions, a condition named
    as a region or function, and web-space phrases as the atlas targets they mean (with the side they name).
    Anything else is passed on unchanged for the targeting look-up. Nothing is guessed: a condition name or a web
    space that fits several is an error listing them."""
    from neurectomy import conditions
    from neurectomy.names import AmbiguousNameError, UnknownNameError, normalise
    from neurectomy.targeting import load_targeting_data

    out_regions: list[str] = []
    out_functions: list[str] = []
    sides: set[str] = set()
    condition_id = None
    beside: list[tuple[str, str]] = [(f, t) for f, ts in (("region", regions), ("function", functions)) for t in ts]
    if condition is not None:
        _texts((condition,), "condition")
        try:
            found = conditions.resolve_condition(condition)
        except UnknownNameError as exc:
            exc.field = "condition"
            raise
        out_regions += found.regions
        out_functions += found.functions
        condition_id = found.id
    known_functions, _, _ = load_targeting_data()
    for field, texts, out in (("region", regions, out_regions), ("function", functions, out_functions)):
        for text in texts:
            try:
                phrase = conditions.region_phrase(text)
            except UnknownNameError as exc:
                exc.field = field
                raise
            if phrase is not None:
                out_regions += phrase.targets
                if phrase.side is not None:
                    sides.add(phrase.side)
                continue
            if normalise(text) in known_functions:
                out.append(text)
                continue
            named = conditions.find(text)
            if len(named) > 1:
                raise AmbiguousNameError(field, text, sorted(c.name for c in named))
            if named:
                out_regions += named[0].regions
                out_functions += named[0].functions
                condition_id = condition_id or named[0].id
                continue
            out.append(text)
    if len(sides) > 1:
        raise RequestError("side", "the regions name both the left and the right side; ask for one side at a time")
    named_side: Side | None = check_lateral(next(iter(sides))) if sides else None
    return (
        tuple(dict.fromkeys(out_regions)),
        tuple(dict.fromkeys(out_functions)),
        named_side,
        condition_id,
        tuple(beside) if condition is not None else (),
    )


# --------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class PlanRequest:
    """A full plan: a named procedure and/or cuts, the method, end treatments and (optionally) the patient."""

    procedure: str | None = None
    cuts: tuple[Cut, ...] = ()
    side: Side = DEFAULT_SIDE
    method: str | None = None
    end_treatments: tuple[str, ...] | None = None
    patient: Patient | None = None
    years: float | None = None
    side_confirmed: bool = True
    #: the id of the condition the procedure was proposed for (``plan --condition``), if any
    condition: str | None = None
    #: what the request decided that the plan must say (a side taken from an ICD-10-CM code)
    notes: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        procedure: str | None = None,
        *,
        condition: str | None = None,
        nerve: str | None = None,
        at: str | None = None,
        mm: float | None = None,
        side: str | None = None,
        method: str | None = None,
        end_treatments: Iterable[str] | None = None,
        also: Iterable[str | Cut] | None = (),
        patient: Any = None,
        years: float | None = None,
    ) -> PlanRequest:
        """The request from every surface's options; ``patient`` is a Patient, a dict of its fields or a YAML path.

        The side is the one asked for, else the patient's; a request and a patient record that disagree are refused
        (a wrong-side plan must not be produced quietly), and a plan with neither says so in its warnings.
        """
        from neurectomy.methods import get_method
        from neurectomy.procedures import get_procedure

        condition_id = None
        notes: list[str] = []
        if condition is not None and str(condition).strip():
            procedure, condition_id = _condition_procedure(condition, procedure, nerve, method)
            coded = _code_side(condition, side, None, "plan")
            if coded is not None:
                side, note = coded
                notes.append(note)
        if not procedure and not nerve:
            raise RequestError("procedure", "give a procedure, a condition or a nerve")
        if not nerve and (at is not None or mm is not None):
            raise RequestError("nerve", "a position (at/mm) needs a nerve")
        person = _patient(patient)
        asked = None if side is None else check_side(side)
        recorded = None if person is None else person.side
        if asked in ("left", "right") and recorded is not None and asked != recorded:
            raise RequestError(
                "side", f"the plan asks for the {asked} side but the patient record says {recorded}; resolve this first"
            )
        chosen: Side = asked or recorded or DEFAULT_SIDE
        proc = get_procedure(procedure) if procedure else None
        coded_note = None
        if proc is not None and not proc.lateral:
            where = "in the midline" if {c.side for c in proc.cuts} == {"midline"} else "on both sides"
            for given, whose in ((asked, "asked for"), (recorded, "on the patient record")):
                if given in ("left", "right"):
                    notes.append(f"The {proc.name} is made {where}: the side {whose} ({given}) is not used.")
        elif person is not None and person.diagnosis and _diagnosis_fits(person.diagnosis, proc, condition_id):
            # the side the diagnosis code names: a conflict with the side asked for or recorded is refused. Only a
            # code for a condition this plan treats names its side: a code for another organ (H81.01 on a Morton's
            # neurectomy) leaves the side to be asked for (review 18, finding 5)
            coded_note = _code_side(person.diagnosis, asked or recorded, None, "plan")
            if coded_note is not None:
                chosen = coded_note[0]
                if not (asked or recorded) or "both sides" in coded_note[1]:
                    notes.append(coded_note[1].replace("the ICD-10-CM code", "the diagnosis, ICD-10-CM code", 1))
        if proc is not None and nerve:
            raise RequestError(
                "nerve",
                f"the {proc.name} makes its own cuts, so a nerve ({str(nerve)[:80]}) cannot be given with it: leave "
                f"the nerve out to plan the {proc.name}, or leave the procedure out to cut the {str(nerve)[:80]} "
                "(further cuts go in also)",
            )
        further = _texts(also, "also")
        if proc is not None and further:
            shown = ", ".join(str(c if isinstance(c, str) else c.nerve)[:80] for c in further[:3])
            raise RequestError(
                "also",
                f"the {proc.name} makes its own cuts, so further cuts (also: {shown}) cannot be given with it: leave "
                f"also out to plan the {proc.name}, or leave the procedure out and give the nerves to cut (nerve, and "
                "further cuts in also)",
            )
        key = check_method(method) if method else None
        if proc is not None and key is not None and key != get_method(proc.method).key:
            raise RequestError(
                "method",
                f"the {proc.name} is done by {get_method(proc.method).name}; to see the same nerve treated by "
                f"{get_method(key).name}, plan the nerve itself (nerve=…, method={key}) or the procedure that does it",
            )
        meth = get_method(key or (proc.method if proc else DEFAULT_METHOD))
        ends = None if end_treatments is None else tuple(get_end_treatment(e).key for e in end_treatments)
        if ends and meth.family != "surgical":
            raise RequestError(
                "end_treatments",
                f"{meth.name} leaves no cut end to treat; end treatments ({', '.join(ends)}) go with a surgical cut",
            )
        cuts = (Cut(nerve, at=at, mm=mm, side=chosen, method=meth.key),) if nerve else ()
        extra = tuple(parse_cut(spec, chosen, meth.key) for spec in further)
        if years is not None and not (0 < years <= 100):
            raise RequestError("years", f"years must be in (0, 100], not {years!r}")
        return cls(
            proc.id if proc else None,
            cuts + extra,
            chosen,
            key,
            ends,
            person,
            years,
            bool(asked or recorded or coded_note) or (proc is not None and not proc.lateral),
            condition_id,
            tuple(notes),
        )

    @classmethod
    def from_cut_plan(cls, cut_plan: CutPlan, patient: Any = None) -> PlanRequest:
        """A ranked answer of :class:`TargetRequest` as a plan (``target --plan``, the web's "Open as plan")."""
        cuts = tuple(Cut(c.nerve_id, mm=c.mm, side=c.side, method=c.method) for c in cut_plan.cuts)
        if not cuts:
            raise RequestError("cuts", "a cut plan without cuts cannot become a plan")
        return cls(None, cuts, cuts[0].side, cuts[0].method, None, _patient(patient))

    def to_json(self, atlas: Atlas) -> dict[str, Any]:
        return plan_json(self, self.run(atlas))

    def run(self, atlas: Atlas) -> Plan:
        from neurectomy.planning import make_plan

        resolved = LesionRequest(self.cuts).resolve(atlas)  # every cut checked, each error naming its field
        if self.condition is not None and self.procedure is None and resolved:
            _check_cuts_reach_condition(atlas, self.condition, resolved)
        warnings = list(self.notes)
        if not self.side_confirmed:
            plan_sides = {c.side for c in resolved}
            if self.procedure is not None:
                from neurectomy.procedures import get_procedure

                plan_sides |= {c.side for c in get_procedure(self.procedure).resolve_cuts(self.side)}
            if plan_sides - {"midline"}:
                warnings.append(
                    f"Side not confirmed: the {self.side} side is assumed. Confirm the side (and record it on the "
                    "patient) before this plan is used."
                )
        return make_plan(
            atlas,
            procedure=self.procedure,
            side=self.side,
            method=self.method,
            end_treatments=self.end_treatments,
            # every cut whole, with its own side: the first one passed as ``nerve`` took the plan's side (a
            # "right: ulnar nerve" beside a left procedure became a left cut; review 18c, finding 1)
            also=self.cuts,
            patient=self.patient,
            days=None if self.years is None else timeline_days(self.years),
            warnings=warnings,
            side_confirmed=self.side_confirmed,
            condition=self.condition,
        )


def _diagnosis_fits(diagnosis: str, procedure: Any, condition_id: str | None) -> bool:
    """Whether a diagnosis is for what the plan treats: one of its conditions is the plan's condition or one the
    procedure treats (a plan of a nerve with neither: any code, as before)."""
    from neurectomy.conditions import find

    if condition_id is None and procedure is None:
        return True
    found = find(diagnosis)
    if condition_id is not None:
        return any(c.id == condition_id for c in found)
    return any(procedure.id in c.procedures for c in found)


def _check_cuts_reach_condition(atlas: Atlas, condition_id: str, cuts: Iterable[ResolvedCut]) -> None:
    """A nerve planned for a condition must take some of the condition's territory; one that takes none of it is
    refused naming both (a sural cut is no plan for meralgia paresthetica)."""
    from neurectomy.conditions import load
    from neurectomy.lesion import interrupted_paths

    inside = condition_targets(atlas, condition_id)
    for cut in cuts:
        reached = {atlas.path_target[p] for p in interrupted_paths(atlas, cut.nerve_idx, cut.mm)}
        if not reached & inside:
            name = load()[condition_id].name
            raise RequestError(
                "nerve",
                f"the {atlas.nerves[cut.nerve_idx].name} does not reach any part of {name} (its territory: "
                f"{', '.join(sorted(atlas.targets[t].name for t in inside)[:4])}); plan a nerve that supplies it, "
                "or leave the condition out",
            )


def _condition_procedure(
    condition: str, procedure: str | None, nerve: str | None, method: str | None = None
) -> tuple[str | None, str]:
    """The procedure to plan for a condition: the one asked for, which must be one of the condition's named
    procedures, else the condition's usual one (its first). A condition treated by decompression only is refused
    a cut (a nerve is accepted only with a decompression method)."""
    from neurectomy import conditions
    from neurectomy.names import UnknownNameError
    from neurectomy.procedures import get_procedure

    _texts((condition,), "condition")
    try:
        found = conditions.resolve_condition(condition)
    except UnknownNameError as exc:
        exc.field = "condition"
        raise
    if procedure:
        proc = get_procedure(procedure)
        if proc.id not in found.procedures:
            named = _procedure_names(found.procedures) or "none"
            raise RequestError(
                "procedure", f"the {proc.name} is not a named procedure for {found.name} (those are: {named})"
            )
        return proc.id, found.id
    if nerve:
        if found.decompression_only and (method is None or get_method(method).family != "decompression"):
            raise RequestError(
                "condition",
                f"{found.name} is treated by decompression, not by cutting a nerve ({found.note}); "
                "plan the nerve with method decompression, or leave the condition out",
            )
        return None, found.id
    if not found.procedures:
        why = f" ({found.note})" if found.note else ""
        then = "" if found.decompression_only else "; target --condition finds the least-harm cut"
        raise RequestError("condition", f"no named procedure for {found.name} is in the procedures table{why}{then}")
    return found.procedures[0], found.id


def plan_json(request: PlanRequest, plan: Plan) -> dict[str, Any]:
    """A plan as JSON (every edge prints this), with the condition it was proposed for and the condition's other
    named procedures, if any."""
    out = dict(plan.to_dict())
    if request.condition is not None:
        out["condition"] = condition_json(request.condition)
    return out


def timeline_days(years: float) -> Any:
    """The time grid of a course over ``years``: 61 even steps plus the usual follow-up visits; an even step within
    a few days of a visit is dropped, so the JSON has no near-duplicate days (30 and 30.4; 365 and 365.25)."""
    import numpy as np

    end = years * 365.25
    visits = np.array([d for d in (0, 14, 30, 90, 180, 365, 730, 1825) if d <= end], dtype=np.float64)
    even = np.linspace(0, end, 61)
    near = np.abs(even[:, None] - visits[None, :]).min(axis=1) < 3.0
    near[-1] = False  # the end of the course stays
    days = np.unique(np.concatenate([even[~near], visits]))
    keep = np.ones(len(days), dtype=bool)
    keep[:-1] = np.diff(days) >= 3.0  # the last even step wins over a visit just before it
    keep[-1] = True
    return days[keep]


def _patient(value: Any) -> Patient | None:
    if value is None:
        return None
    from pathlib import Path

    from neurectomy.candidacy import Patient, load_patient

    if isinstance(value, Patient):
        return value
    if isinstance(value, str | Path):
        return load_patient(value)
    if isinstance(value, Mapping):
        from pydantic import ValidationError

        try:
            return Patient.model_validate(dict(value))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "patient"
            raise RequestError(f"patient.{where}", first["msg"]) from None
    raise RequestError("patient", f"a patient is a Patient, a mapping or a YAML file, not {type(value).__name__}")


# --------------------------------------------------------------------------- localise
@dataclass(frozen=True)
class LocaliseRequest:
    """Where is the lesion? Findings on one side: numb, reduced feeling, weak, paralysed, lost functions, examined
    normal (``spared``) and MRC grades; anything not mentioned is not examined (or normal, with ``closed_world``)."""

    numb: tuple[str, ...] = ()
    hypo: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    paralysed: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    spared: tuple[str, ...] = ()
    mrc: tuple[tuple[str, int], ...] = ()
    side: Side = DEFAULT_SIDE
    top: int = 3
    closed_world: bool = False
    next_tests: int = 3

    @classmethod
    def build(
        cls,
        *,
        numb: Iterable[str] | None = (),
        hypo: Iterable[str] | None = (),
        weak: Iterable[str] | None = (),
        paralysed: Iterable[str] | None = (),
        lost: Iterable[str] | None = (),
        spared: Iterable[str] | None = (),
        mrc: Iterable[str] | Mapping[str, int] | None = (),
        side: str = DEFAULT_SIDE,
        top: int = 3,
        closed_world: bool = False,
        next_tests: int = 3,
    ) -> LocaliseRequest:
        """``mrc`` takes ``MUSCLE=GRADE`` items (0 paralysed, 1-4 weak, 5 normal) or a mapping."""
        req = cls(
            _texts(numb, "numb"),
            _texts(hypo, "hypo"),
            _texts(weak, "weak"),
            _texts(paralysed, "paralysed"),
            _texts(lost, "lost"),
            _texts(spared, "spared"),
            _parse_mrc(mrc),
            check_lateral(side),
            int(top),
            bool(closed_world),
            int(next_tests),
        )
        if not (req.numb or req.hypo or req.weak or req.paralysed or req.lost or any(g < 5 for _, g in req.mrc)):
            raise RequestError(
                "numb", "give at least one abnormal finding (numb, hypo, weak, paralysed, lost or MRC < 5)"
            )
        if req.top < 1:
            raise RequestError("top", f"top must be at least 1, not {top!r}")
        if not 0 <= req.next_tests <= 20:
            raise RequestError("next_tests", f"next_tests must be between 0 and 20, not {next_tests!r}")
        return req

    def run(self, atlas: Atlas) -> Localisation:
        from neurectomy.localisation import localise, read_findings

        findings = read_findings(
            atlas,
            numb=self.numb,
            hypo=self.hypo,
            paralysed=self.paralysed,
            weak=self.weak,
            lost=self.lost,
            normal=self.spared,
            mrc=dict(self.mrc),
        )
        return localise(
            atlas, findings, side=self.side, top=self.top, closed_world=self.closed_world, next_tests=self.next_tests
        )


def _parse_mrc(items: Iterable[str] | Mapping[str, int] | None) -> tuple[tuple[str, int], ...]:
    if not items:
        return ()
    pairs = items.items() if isinstance(items, Mapping) else (_split_mrc(i) for i in _texts(items, "mrc"))
    out = []
    for name, grade in pairs:
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
            raise RequestError("mrc", f"an MRC grade is a whole number from 0 to 5, not {grade!r} (for {name})")
        out.append((str(name).strip(), grade))
    return tuple(out)


def _split_mrc(item: str) -> tuple[str, int]:
    name, sep, grade = item.rpartition("=")
    if not sep or not name.strip() or not grade.strip().isdigit():
        raise RequestError("mrc", f"write MUSCLE=GRADE (e.g. 'biceps brachii=3'), not {item!r}")
    return name.strip(), int(grade)
