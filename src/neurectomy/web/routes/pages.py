"""The server-rendered pages. Every form submits with GET, so each result has a shareable URL."""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from neurectomy.atlas.graph import Atlas
from neurectomy.names import AmbiguousNameError, RequestError, UnknownNameError, natural_key
from neurectomy.requests import LesionRequest, LocaliseRequest, PlanRequest, TargetRequest
from neurectomy.serialise import nerve_json, search_json
from neurectomy.web import views
from neurectomy.web.deps import AtlasDep, SettingsDep, TemplatesDep
from neurectomy.web.errors import FieldError

router = APIRouter(include_in_schema=False)


# --------------------------------------------------------------------------- form helpers
def _text(request: Request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


def _opt(request: Request, name: str) -> str | None:
    return _text(request, name) or None


def _lines(request: Request, name: str) -> list[str]:
    out: list[str] = []
    for value in request.query_params.getlist(name):
        out += [line.strip() for line in value.replace(";", "\n").splitlines() if line.strip()]
    return list(dict.fromkeys(out))


def _float(request: Request, name: str, lo: float | None = None, hi: float | None = None) -> float | None:
    raw = _text(request, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(name, f"expected a number, not {raw!r}") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi) or value != value:
        raise FieldError(name, f"must be between {lo:g} and {hi:g}")
    return value


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    value = _float(request, name, lo, hi)
    return default if value is None else int(value)


def _side(request: Request) -> str:
    """The side as typed (the request values check it)."""
    return _text(request, "side") or "left"


def _render(templates: Any, request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)  # type: ignore[no-any-return]


def _attempt(context: dict[str, Any], work: Callable[[], Any], atlas: Atlas | None = None) -> Any:
    """Run ``work``; a user error becomes ``context['error']`` (message, field, suggestions) instead of a crash.
    With ``atlas``, an unknown nerve's suggestions are the names the atlas shows (:func:`_tree_names`)."""
    try:
        return work()
    except UnknownNameError as caught:
        exc = caught if atlas is None else _tree_names(atlas, caught)
        context["error"] = {
            "message": str(exc),
            "field": exc.field,
            "query": exc.query,
            "suggestions": exc.suggestions,
            "status": 404,
        }
    except RequestError as exc:
        context["error"] = {"message": exc.message, "field": exc.field, "suggestions": exc.suggestions, "status": 422}
    return None


def _status(context: dict[str, Any]) -> int:
    error = context.get("error")
    return int(error["status"]) if error else 200


def _common(atlas: Atlas) -> dict[str, Any]:
    from neurectomy.methods import END_TREATMENTS, METHODS

    return {
        "methods": list(METHODS.values()),
        "end_treatments": list(END_TREATMENTS.values()),
        "nerve_names": sorted((n.name for n in atlas.nerves), key=lambda x: natural_key(x.lower())),  # T2 before T10
    }


def _picker(atlas: Atlas) -> list[dict[str, Any]]:
    return [{"view": v, "label": label, "svg": views.picker_svg(atlas, v)} for v, label in views.picker_views()]


# --------------------------------------------------------------------------- home and atlas
@router.get("/", response_class=HTMLResponse)
def home(request: Request, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """What the tool does, and where to start."""
    return _render(templates, request, "index.html", active="", counts=atlas.counts())


def _tree(atlas: Atlas) -> list[dict[str, Any]]:
    """The nerve tree: the top level in anatomical order (cranial nerves I-XII by number, then the spinal nerves C,
    T, L, S, Co by segment: :func:`neurectomy.names.anatomical_key`), each lower level in natural order of names
    (T2 … T10, T11, T12: numbers by value)."""
    from neurectomy.names import anatomical_key, natural_key

    def node(i: int) -> dict[str, Any]:
        n = atlas.nerves[i]
        children = sorted(atlas.children[i], key=lambda c: natural_key(atlas.nerves[c].name))
        return {"id": n.id, "name": n.name, "children": [node(c) for c in children]}

    roots = [i for i, n in enumerate(atlas.nerves) if n.parent is None]
    return [
        node(i) for i in sorted(roots, key=lambda i: anatomical_key(atlas.nerves[i].name, atlas.nerves[i].synonyms))
    ]


def _tree_names(atlas: Atlas, exc: UnknownNameError) -> UnknownNameError:
    """An unknown nerve's suggestions by the names the tree shows ("spinal nerve L1", never its synonym "L1
    nerve"), each once (review 18c, finding 5)."""
    from neurectomy.names import suggest

    if exc.kind != "nerve" or isinstance(exc, AmbiguousNameError):
        return exc
    shown = {label: n.name for n in atlas.nerves for label in (n.name, *n.synonyms)}
    return UnknownNameError(exc.kind, exc.query, suggest(exc.query, list(shown), shown=shown), exc.field)


@router.get("/atlas", response_class=HTMLResponse)
def atlas_page(request: Request, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """Search the atlas and browse the nerve tree."""
    q = _text(request, "q")
    hits = search_json(atlas, q, 12) if q else []
    return _render(
        templates, request, "atlas.html", active="atlas", q=q, hits=hits, tree=_tree(atlas), counts=atlas.counts()
    )


@router.get("/atlas/nerves/{name}", response_class=HTMLResponse)
def nerve_page(request: Request, name: str, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """One nerve: course, landmarks, branches, targets, sources."""
    try:
        nerve = nerve_json(atlas, atlas.nerve_idx(name))
    except UnknownNameError as exc:
        raise _tree_names(atlas, exc) from None
    idx = atlas.nerve_idx(nerve["id"])
    refs = dict(atlas.references)
    cited = [(k, refs[k]) for k in refs if k in f"{nerve['source']} {nerve['lengths_source']}"]
    targets: dict[str, list[dict[str, Any]]] = {}
    for t in nerve["targets"]:
        targets.setdefault(t["kind"], []).append(t)
    branches = [
        {"id": atlas.nerves[c].id, "name": atlas.nerves[c].name, "origin_mm": atlas.nerves[c].origin_mm}
        for c in atlas.children[idx]
    ]
    parent = atlas.nerve(nerve["parent"]) if nerve["parent"] else None
    return _render(
        templates,
        request,
        "nerve.html",
        active="atlas",
        nerve=nerve,
        branches=branches,
        targets=targets,
        parent=parent,
        cited=cited,
    )


# --------------------------------------------------------------------------- cut
@router.get("/cut", response_class=HTMLResponse)
def cut_page(request: Request, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """Cut any nerve anywhere and see what is lost."""
    form = {
        "nerve": _text(request, "nerve"),
        "at": _text(request, "at"),
        "mm": _text(request, "mm"),
        "side": _text(request, "side") or "left",
        "method": _text(request, "method") or "surgical_cut",
        "also": "\n".join(_lines(request, "also")),
    }
    context: dict[str, Any] = {"active": "cut", "form": form, **_common(atlas), "landmarks": []}
    if form["nerve"]:

        def work() -> Any:
            mm = _float(request, "mm", 0, 5000)
            request_ = LesionRequest.build(
                form["nerve"],
                at=form["at"] or None,
                mm=mm,
                side=_side(request),
                method=form["method"],
                also=_lines(request, "also"),
            )
            return request_.run(atlas)

        deficit = _attempt(context, work, atlas)
        with contextlib.suppress(UnknownNameError):
            context["landmarks"] = atlas.nerve(form["nerve"]).landmarks
        if deficit is not None:
            context["deficit"] = deficit.to_dict()
            context["svg"] = views.bodymap_svg(deficit, atlas)
            context["groups"] = views.GROUP_TITLES
            query = {k: v for k, v in form.items() if v and k != "also"}
            plan_query = {
                "nerve": form["nerve"],
                "at": form["at"],
                "mm": form["mm"],
                "side": form["side"],
                "method": form["method"],
                "also": form["also"],
            }
            context["plan_url"] = "/plan?" + urlencode({k: v for k, v in plan_query.items() if v})
            api = list(query.items()) + [("also", a) for a in _lines(request, "also")]
            context["api_url"] = "/api/lesion?" + urlencode(api)
            context["svg_url"] = "/api/lesion/bodymap.svg?" + urlencode(api)
    return _render(templates, request, "cut.html", status=_status(context), **context)


# --------------------------------------------------------------------------- find the cut
def _where(cut: Any) -> str:
    """A cut's position as a person reads it: the landmark it is at, else whole millimetres (``420 mm``)."""
    return cut.at if cut.at else f"{cut.mm:.0f} mm"


def _indicated(procedure_id: str, treated: Collection[str] | None) -> bool:
    """Whether a named procedure is done for what the search asked to take away (``treated``: target ids; None: the
    search was for a condition, whose procedures targeting already judged). A procedure that lists no targets it
    treats cannot be judged and is taken as indicated."""
    from neurectomy.procedures import get_procedure

    if treated is None:
        return True
    treats = set(get_procedure(procedure_id).treats)
    return not treats or bool(treats & set(treated))


def _plan_link(
    plan: Any, method: str | None = None, condition: str | None = None, treated: Collection[str] | None = None
) -> str:
    """The Plan page for a ranked answer. When the answer is exactly the cuts of one named procedure, by a method of
    the procedure's kind (a surgical cut for a neurectomy, not a phenol block), and the procedure is done for what
    was asked (``treated``: the target ids the search takes away), the plan is that procedure (with its evidence,
    steps and comparison); otherwise the cuts, by their names and landmarks (never atlas ids or ``420.0``): a
    palmar-sweating answer that is the cut of the T2 sympathicotomy for facial blushing opens as its cuts, not as
    the blushing operation (review 18c, finding 4)."""
    from neurectomy.methods import get_method

    first, *rest = plan.cuts
    named = [p for p in plan.procedures if p.whole]
    extra = {"condition": condition} if condition else {}
    if (
        len(plan.procedures) == 1
        and named
        and plan.established  # no cut beyond the procedure's: opening the procedure would drop them
        and all(get_method(c.method).family == get_method(named[0].method).family for c in plan.cuts)
        and _indicated(named[0].id, treated)
    ):
        sides = {c.side for c in plan.cuts} - {"midline"}
        query = {"procedure": named[0].id, "side": sides.pop() if len(sides) == 1 else first.side, **extra}
        return "/plan?" + urlencode(query)
    query = {"nerve": first.nerve_name}
    if first.at:
        query["at"] = first.at
    else:
        query["mm"] = f"{first.mm:.0f}"
    query["side"] = first.side
    query["method"] = method or first.method
    if rest:
        query["also"] = "\n".join(f"{c.side}: {c.nerve_name} @ {_where(c)}" for c in rest)
    query.update(extra)
    return "/plan?" + urlencode(query)


def _named(link: str, plan: Any = None, treated: Collection[str] | None = None) -> str | None:
    """The name of the procedure a plan link opens, if it opens one; for cuts that are a named procedure's but not
    for what was asked, the cuts named as that procedure's, with what it is done for ("these cuts (the cuts of the
    endoscopic thoracic sympathicotomy at T2 for facial blushing, which is done for facial blushing …)")."""
    from urllib.parse import parse_qs, urlsplit

    from neurectomy.procedures import get_procedure

    key = parse_qs(urlsplit(link).query).get("procedure")
    if key:
        return get_procedure(key[0]).name
    other = [m for m in getattr(plan, "procedures", ()) if m.whole and not _indicated(m.id, treated)]
    if not other:
        return None
    proc = get_procedure(other[0].id)
    done_for = " and ".join(proc.functions_disabled) or "; ".join(proc.indications[:1]) or "another indication"
    cuts = "cut" if len(plan.cuts) == 1 else "cuts"
    return f"the {cuts} only (the {cuts} of the {proc.name}, which is done for {done_for})"


@router.get("/find", response_class=HTMLResponse)
def find_page(request: Request, atlas: AtlasDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """Click painful skin regions or choose a function to disable: ranked least-harm cuts."""
    from neurectomy.targeting import load_targeting_data

    functions, _, _ = load_targeting_data()
    regions, chosen = _lines(request, "region"), _lines(request, "function")
    condition = _opt(request, "condition")
    form: dict[str, Any] = {
        "region": "\n".join(regions),
        "function": chosen,
        "condition": condition or "",
        "side": _text(request, "side"),
        "sex": _text(request, "sex"),
        "top": _text(request, "top") or "3",
        "spare_motor": bool(_text(request, "spare_motor")),
        "method": _text(request, "method") or "surgical_cut",
    }
    context: dict[str, Any] = {
        "active": "find",
        "form": form,
        "charts": _picker(atlas),
        "functions": sorted({f.name for f in functions.values()}),
        "methods": _common(atlas)["methods"],
        "condition_names": views.condition_options(),
    }
    if regions or chosen or condition:
        asked = _attempt(
            context,
            lambda: TargetRequest.build(
                regions,
                chosen,
                condition=condition,
                side=_opt(request, "side"),
                sex=_opt(request, "sex"),
                top=_int(request, "top", 3, 1, settings.max_top),
                spare_motor=form["spare_motor"],
                method=form["method"],
            ),
        )
        result = None if asked is None else _attempt(context, lambda: asked.run(atlas))
        if asked is not None and asked.condition is not None:
            from neurectomy.requests import condition_json

            context["condition"] = condition_json(asked.condition)
            if not regions and asked.regions:  # the condition's regions, named and marked on the body map
                named = []
                for rid in asked.regions:
                    try:
                        named.append(atlas.target(rid).name)
                    except (KeyError, UnknownNameError):
                        named.append(rid)
                form["region_marked"] = "\n".join(named)
        if asked is not None:
            context["notes"] = list(asked.notes)
        if result is not None:
            context["result"] = result
            # a named procedure is offered as such only for what it is done for (review 18c, finding 4)
            treated = None if asked is not None and asked.condition is not None else {t.id for t in result.required}
            context["links"] = [_plan_link(p, form["method"], condition, treated) for p in result.plans]
            context["link_names"] = [
                _named(link, p, treated) for link, p in zip(context["links"], result.plans, strict=True)
            ]
            api = (
                [("region", r) for r in regions]
                + [("function", f) for f in chosen]
                + ([("condition", condition)] if condition else [])
                + ([("side", form["side"])] if form["side"] else [])
                + ([("sex", form["sex"])] if form["sex"] else [])
                + [("top", form["top"])]
                + ([("method", form["method"])] if form["method"] != "surgical_cut" else [])
            )
            context["api_url"] = "/api/target?" + urlencode(api)
    return _render(templates, request, "find.html", status=_status(context), **context)


# --------------------------------------------------------------------------- plan
PATIENT_FIELDS = (
    "indication",
    "goal",
    "pain_nrs",
    "pain_months",
    "failed",
    "numbness",
    "block_relief",
    "entrapment",
    "comorbidities",
    "age",
    "diagnosis",
    "sex",
    "pregnant",
    "medications",
    "accepts_motor_loss",
    "accepts_compensatory_sweating",
    "hdss",
    "vertigo_functional_level",
    "hearing_serviceable",
    "other_ear_normal",
    "spasticity_mas",
)
#: yes/no/not asked selects of the patient form (each a Patient field of the same name)
_YES_NO = (
    "pregnant",
    "accepts_motor_loss",
    "accepts_compensatory_sweating",
    "hearing_serviceable",
    "other_ear_normal",
)


def _patient(request: Request, side: str | None) -> Any:
    if not any(_text(request, f) for f in PATIENT_FIELDS):
        return None
    from neurectomy.candidacy import Patient

    relief = _float(request, "block_relief", 0, 100)
    numb = _text(request, "numbness")
    values: dict[str, Any] = {
        "indication": _opt(request, "indication"),
        "goal": _text(request, "goal") or "pain_relief",
        "side": side if side in ("left", "right") else None,
        "pain_nrs": _float(request, "pain_nrs", 0, 10),
        "pain_months": _float(request, "pain_months", 0, 1200),
        "failed_treatments": tuple(_lines(request, "failed")),
        "numbness_acceptable": {"yes": True, "no": False}.get(numb),
        "diagnostic_block_relief": None if relief is None else relief / 100,
        "entrapment": bool(_text(request, "entrapment")),
        "comorbidities": tuple(_lines(request, "comorbidities")),
        "age": _int(request, "age", -1, 0, 120) if _text(request, "age") else None,
        "diagnosis": _opt(request, "diagnosis"),
        "sex": _opt(request, "sex"),
        "medications": tuple(_lines(request, "medications")),
        "hdss": _int(request, "hdss", -1, 1, 4) if _text(request, "hdss") else None,
        "vertigo_functional_level": _int(request, "vertigo_functional_level", -1, 1, 6)
        if _text(request, "vertigo_functional_level")
        else None,
        "spasticity_mas": _float(request, "spasticity_mas", 0, 4),
        **{k: {"yes": True, "no": False}.get(_text(request, k)) for k in _YES_NO},
    }
    try:
        return Patient.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else "pregnant"  # a check of the whole record names its fields
        raise FieldError(where, first["msg"].removeprefix("Value error, ")) from None


def _plan_from(request: Request, atlas: Atlas, method: str | None = None) -> Any:
    side = _opt(request, "side")
    return PlanRequest.build(
        _opt(request, "procedure"),
        condition=_opt(request, "condition"),
        nerve=_opt(request, "nerve"),
        at=_opt(request, "at"),
        mm=_float(request, "mm", 0, 5000),
        side=side,
        method=method or _opt(request, "method"),
        end_treatments=request.query_params.getlist("end") or None,
        also=_lines(request, "also"),
        patient=_patient(request, side),
    ).run(atlas)


def _landmark_options(atlas: Atlas, nerve: str) -> list[tuple[str, str]]:
    """The Plan page's Landmark suggestions (name, label): the named nerve's landmarks with their positions, or with
    no nerve (or an unknown one) every landmark of the atlas, labelled with the nerves it lies on."""
    if nerve:
        with contextlib.suppress(UnknownNameError, AmbiguousNameError):
            return [(name, f"{mm:g} mm") for name, mm in atlas.nerve(nerve).landmarks]
    on: dict[str, list[str]] = {}
    for n in atlas.nerves:
        for name, _ in n.landmarks:
            on.setdefault(name, []).append(n.name)
    return [(name, _few_names(nerves)) for name, nerves in sorted(on.items(), key=lambda x: natural_key(x[0].lower()))]


def _few_names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 2 else f"{names[0]}, {names[1]} and {len(names) - 2} more"


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """Candidacy, steps, risks, evidence, the course over time and the comparison with a block or a release."""
    from neurectomy.procedures import load_procedures

    q = request.query_params
    form: dict[str, Any] = {
        k: _text(request, k) for k in ("procedure", "condition", "nerve", "at", "mm", "side", "method", *PATIENT_FIELDS)
    }
    form["also"] = "\n".join(_lines(request, "also"))
    form["failed"] = "\n".join(_lines(request, "failed"))
    form["comorbidities"] = "\n".join(_lines(request, "comorbidities"))
    form["medications"] = "\n".join(_lines(request, "medications"))
    form["end"] = q.getlist("end")
    context: dict[str, Any] = {
        "active": "plan",
        "form": form,
        "procedures": list(load_procedures().values()),
        **_common(atlas),
        "condition_names": views.condition_options(),  # Condition and Diagnosis
        "landmarks": _landmark_options(atlas, form["nerve"]),
    }
    if form["procedure"] or form["nerve"] or form["condition"]:
        plan = _attempt(context, lambda: _plan_from(request, atlas), atlas)
        if plan is not None and form["condition"]:
            from neurectomy.conditions import resolve_condition
            from neurectomy.requests import condition_json

            context["condition"] = condition_json(resolve_condition(form["condition"]).id)
        if plan is not None:
            context["plan"] = plan
            context["d"] = plan.to_dict()
            context["svg"] = views.bodymap_svg(plan.deficit, atlas)
            context["timeline_spec"] = views.timeline_spec(plan)
            context["groups"] = views.GROUP_TITLES
            columns = [("This plan", plan)]
            for label, other in _alternatives(request, atlas, plan):
                columns.append((label, other))
            context["compare"] = [(label, views.course_summary(p)) for label, p in columns]
            context["compare_rows"] = views.COMPARE_ROWS
            context["comparison_evidence"] = _comparison_evidence(plan)
            query = [(k, v) for k, v in q.multi_items() if v]
            context["query"] = urlencode(query)
    return _render(templates, request, "plan.html", status=_status(context), **context)


def _alternatives(request: Request, atlas: Atlas, plan: Any) -> list[tuple[str, Any]]:
    """What to show beside a plan: a named procedure's alternatives that are themselves procedures (each with its
    own method, steps and evidence); for a nerve, the same nerve by a neurolytic block and by a decompression."""
    from neurectomy.procedures import get_procedure

    out: list[tuple[str, Any]] = []
    if plan.procedure is not None:
        side = _opt(request, "side")
        patient = _patient(request, side)
        for alt in plan.procedure.alternatives:
            try:
                proc = get_procedure(alt.name)
            except UnknownNameError:
                continue
            other = _attempt({}, lambda p=proc: PlanRequest.build(p.id, side=side, patient=patient).run(atlas))  # type: ignore[misc]
            if other is not None:
                out.append((proc.name, other))
    # the same nerve(s) by other methods, for a named procedure too (its alternatives are often not procedures of their
    # own, and "Side by side" then showed only "This plan")
    same = "Same nerve(s) by " if plan.procedure is not None else ""
    for method, label in (("phenol", "neurolytic block (phenol)"), ("decompression", "decompression")):
        label = same + label if same else label[0].upper() + label[1:]
        if plan.method.key != method and all(other.method.key != method for _, other in out):
            if plan.procedure is not None:
                other = _attempt({}, lambda m=method: _same_cuts(request, atlas, plan, m))  # type: ignore[misc]
            else:
                other = _attempt({}, lambda m=method: _plan_from(request, atlas, m))  # type: ignore[misc]
            if other is not None:
                out.append((label, other))
    return out


def _same_cuts(request: Request, atlas: Atlas, plan: Any, method: str) -> Any:
    """A procedure's cuts (the same nerves at the same places) planned as nerves by another method."""
    cuts = [c for c in plan.cuts if c.get("nerve")]
    if not cuts:
        return None
    first, rest = cuts[0], cuts[1:]
    return PlanRequest.build(
        None,
        nerve=first["nerve"]["name"],
        mm=first["mm"],
        side=first.get("side"),
        method=method,
        also=[f"{c.get('side') or first.get('side')}:{c['nerve']['name']}@{c['mm']} mm" for c in rest],
        patient=_patient(request, first.get("side")),
    ).run(atlas)


def _comparison_evidence(plan: Any) -> list[dict[str, Any]]:
    proc = plan.procedure
    if proc is None or not proc.evidence_key or not proc.comparator_evidence_key:
        return []
    from neurectomy.evidence import compare

    return [c.to_dict() for c in compare(proc.evidence_key, proc.comparator_evidence_key)]


def _report(request: Request, atlas: Atlas, kind: str) -> Response:
    try:
        from neurectomy import report
    except ImportError:
        return Response("The report module is not installed in this build.", status_code=501, media_type="text/plain")
    plan = _plan_from(request, atlas)
    patient = _patient(request, _opt(request, "side"))
    if kind == "html":
        return HTMLResponse(report.render_html(plan, patient))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.pdf"
        report.write_pdf(plan, path, patient)
        data = path.read_bytes()
    name = (plan.procedure.id if plan.procedure else plan.deficit.cuts[0].nerve_id) + "-plan.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/plan/report.pdf")
def plan_pdf(request: Request, atlas: AtlasDep) -> Response:
    """The plan as a PDF for the consent conversation."""
    return _report(request, atlas, "pdf")


@router.get("/plan/report.html", response_class=HTMLResponse)
def plan_report_html(request: Request, atlas: AtlasDep) -> Response:
    """The printable report as HTML."""
    return _report(request, atlas, "html")


# --------------------------------------------------------------------------- localise and quiz
@router.get("/localise", response_class=HTMLResponse)
def localise_page(request: Request, atlas: AtlasDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """Findings (numb regions, weak muscles, lost functions) → ranked lesion sites."""
    keys = ("numb", "hypo", "weak", "paralysed", "lost", "spared", "mrc")
    findings = {k: _lines(request, k) for k in keys}
    _add_muscle(request, findings)
    form: dict[str, Any] = {k: "\n".join(v) for k, v in findings.items()}
    form["side"] = _text(request, "side") or "left"
    form["closed_world"] = bool(_text(request, "closed_world"))
    context: dict[str, Any] = {
        "active": "localise",
        "form": form,
        "charts": _picker(atlas),
        "muscle_groups": views.muscle_groups(atlas),
    }
    if any(findings.values()):  # only normal findings, too: the request says what is missing
        result = _attempt(
            context,
            lambda: LocaliseRequest.build(
                numb=findings["numb"],
                hypo=findings["hypo"],
                weak=findings["weak"],
                paralysed=findings["paralysed"],
                lost=findings["lost"],
                spared=findings["spared"],
                mrc=findings["mrc"],
                side=_side(request),
                top=_int(request, "top", 3, 1, settings.max_top),
                closed_world=form["closed_world"],
            ).run(atlas),
        )
        if result is not None:
            context["sites"] = result.sites
            context["next_tests"] = result.next_tests
            context["hypotheses"] = result.hypotheses
            context["cut_links"] = [_cut_link(s) for s in result.sites]
    return _render(templates, request, "localise.html", status=_status(context), **context)


def _add_muscle(request: Request, findings: dict[str, list[str]]) -> None:
    """The muscle chosen from the grouped list (``muscle``, marked ``muscle_as`` weak, paralysed or normal) joins
    that list and leaves the others: a finding carries one mark (what the page's script does without a reload)."""
    muscle, mark = _text(request, "muscle"), _text(request, "muscle_as") or "weak"
    if not muscle or mark not in ("weak", "paralysed", "spared"):
        return
    for key in ("weak", "paralysed", "spared"):
        findings[key] = [m for m in findings[key] if m.lower() != muscle.lower()]
    findings[mark].append(muscle)


def _cut_link(site: Any) -> str:
    """The Cut page for a site, every cut of it (not only the first)."""
    first, *rest = site.cuts
    query = [("nerve", first.nerve_id), ("mm", repr(first.mm)), ("side", first.side)]
    query += [("also", f"{c.side}:{c.nerve_id}@{c.mm!r} mm") for c in rest]
    return "/cut?" + urlencode(query)


@router.get("/quiz", response_class=HTMLResponse)
def quiz_page(request: Request, atlas: AtlasDep, templates: TemplatesDep) -> Response:
    """Where is the lesion? A classic lesion's findings and four sites to choose from; after each answer, the finding
    that tells the answer from the choice. A run of ``QUIZ_ROUND`` questions lives in the URL (``seed`` and ``done``,
    the index of the choice given to each question so far), so the score is recomputed, never stored."""
    seed_text = _text(request, "seed")
    seed = int(seed_text) if re.fullmatch(r"[0-9]{1,9}", seed_text) else random.randrange(1, 10**6)
    done_text = _text(request, "done")
    done = done_text if re.fullmatch(r"[0-3]*", done_text) else ""
    run = views.quiz_run(atlas, seed, done[: views.QUIZ_ROUND])
    done = done[: len(run)]
    context: dict[str, Any] = {
        "active": "quiz",
        "seed": seed,
        "done": done,
        "run": run,
        "score": sum(r["correct"] for r in run),
        "round": views.QUIZ_ROUND,
        "new_seed": random.randrange(1, 10**6),
        "q": None,
    }
    if len(done) < views.QUIZ_ROUND:
        q = views.question(atlas, seed, len(done))
        context["q"] = q
        if q is not None:
            context["svg"] = views.quiz_svg(q.deficit, atlas)
            context["localise_url"] = "/localise?" + urlencode(views.quiz_findings_query(q))
            keys = [key for key, _ in q.choices]
            guess = _text(request, "guess")
            if guess in keys:
                feedback = views.grade(atlas, q, guess)
                context["feedback"] = feedback
                context["guess"] = guess
                context["next_done"] = done + str(keys.index(guess))
                context["score_after"] = context["score"] + int(feedback["correct"])
    return _render(templates, request, "quiz.html", **context)


# --------------------------------------------------------------------------- simulate
@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, atlas: AtlasDep, settings: SettingsDep, templates: TemplatesDep) -> Response:
    """A stump (growth-cone) simulation with a progress bar, or a plan's course over the years."""
    from neurectomy.procedures import load_procedures
    from neurectomy.web.routes.simulate import check_request, page_csrf, run_stump, stump_available
    from neurectomy.web.schemas import SimulateRequest

    q = request.query_params
    stump: dict[str, Any] = {
        "method": _text(request, "method") or "surgical_cut",
        "end": q.getlist("end"),
        "n_axons": _text(request, "n_axons") or "300",
        "days": _text(request, "days") or "180",
        "replicates": _text(request, "replicates") or "5",
        "seed": _text(request, "seed") or "0",
    }
    course = {k: _text(request, k) for k in ("procedure", "nerve", "course_method", "years")}
    course["side"] = _text(request, "side") or "left"
    course["years"] = course["years"] or "5"
    context: dict[str, Any] = {
        "active": "simulate",
        "stump": stump,
        "course": course,
        **_common(atlas),
        "procedures": list(load_procedures().values()),
        "stump_available": stump_available(),
        "settings": settings,
        "job_csrf": page_csrf(request),  # signed in: the page's script runs the simulation as a job
    }
    mode = _text(request, "run")
    if mode == "stump" and stump_available():

        def work() -> Any:
            try:
                body = SimulateRequest(
                    method=stump["method"],
                    end_treatments=stump["end"],
                    n_axons=_int(request, "n_axons", 300, 10, settings.max_axons),
                    days=_float(request, "days", 1, settings.max_days) or 180.0,
                    replicates=_int(request, "replicates", 5, 1, settings.max_replicates),
                    seed=_int(request, "seed", 0, 0, 2**31),
                )
            except ValidationError as exc:
                raise FieldError(str(exc.errors()[0]["loc"][0]), exc.errors()[0]["msg"]) from None
            check_request(body, settings)
            return run_stump(body, lambda _: None)

        result = _attempt(context, work)
        if result is not None:
            context["stump_result"] = result
            context["stump_chart"] = views.stump_spec(result)
    elif mode == "course" and (course["procedure"] or course["nerve"]):

        def course_work() -> Any:
            years = _float(request, "years", 0.1, settings.max_years) or 5.0
            return PlanRequest.build(
                course["procedure"] or None,
                nerve=course["nerve"] or None,
                side=_side(request),
                method=course["course_method"] or None,
                years=years,
            ).run(atlas)

        plan = _attempt(context, course_work, atlas)
        if plan is not None:
            context["course_chart"] = views.timeline_spec(plan)
            context["course_summary"] = views.course_summary(plan)
            context["course_plan"] = plan
    return _render(templates, request, "simulate.html", status=_status(context), **context)
