"""The printable report of a :class:`~neurectomy.planning.Plan` for the consent conversation (HTML and PDF).

One Jinja2 template (``templates/report.html`` with ``templates/report.css`` inlined) serves the screen and the
paper; WeasyPrint turns it into an A4 PDF with the disclaimer at the top and foot of every page and page numbers.
Everything is embedded (body map and timeline as SVG data URIs, local fonts only), so the files work offline.

This is an edge module: the core never imports it.

>>> import neurectomy
>>> html = render_html(neurectomy.plan(nerve="sural nerve", method="phenol"))
>>> "not a medical device" in html and "<img" in html
True
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurectomy.candidacy import PATIENT_LABELS as _PATIENT_LABELS
from neurectomy.candidacy import fact_value

if TYPE_CHECKING:
    import jinja2

    from neurectomy.candidacy import Patient
    from neurectomy.planning import Plan

__all__ = ["render_html", "write_html", "write_pdf"]

#: The loss groups in report order: key, heading, what a row names, and what the group is in plain words.
GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("sensory", "Skin that will be numb or less sensitive", "skin area", "feeling in the skin"),
    ("motor", "Muscles that will be weak or paralysed", "muscle", "muscle strength"),
    ("autonomic", "Sweating, blushing and blood-vessel control", "function", "sweating and blushing"),
    ("special", "Special senses (balance, hearing)", "organ", "balance and hearing"),
    ("articular", "Joints that lose their nerve supply", "joint", "feeling in the joints"),
    ("visceral", "Internal organs", "organ", "internal organs (bladder, bowel, sexual function, pelvic pain)"),
)
PLAIN_EFFECT: Mapping[str, str] = {
    "anaesthetic": "numb: no feeling at all",
    "hypoaesthetic": "less feeling (neighbouring nerves still supply part of it)",
    "paralysed": "paralysed: cannot contract",
    "weak": "weaker (another nerve still supplies part of it)",
    "denervated": "no pain or position sense from the joint",
    "partly denervated": "less pain and position sense from the joint",
}
#: the patient block's rows (the same labels as the candidacy's "not used" list)
PATIENT_LABELS = _PATIENT_LABELS


def public_source(text: str) -> str:
    """A source as shown to users (:func:`neurectomy.evidence.public_source`; imported when first used)."""
    from neurectomy.evidence import public_source as clean

    return clean(text)


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _title(plan: Plan) -> str:
    if plan.procedure is not None:
        name = plan.procedure.name
        return name[:1].upper() + name[1:]
    nerves = list(dict.fromkeys(c.nerve_name for c in plan.deficit.cuts))
    what = " and ".join(nerves) or "nerve"
    return f"{plan.method.name[:1].upper()}{plan.method.name[1:]} of the {what}"


def _percent(x: float) -> str:
    return f"{x:.0%}"


def _side(side: str, assumed: bool) -> str:
    """A side as the report prints it: "(assumed)" beside left/right when neither the request nor the record gave
    the side (review 15, finding 10)."""
    return f"{side} (assumed)" if assumed and side in ("left", "right") else side


def _side_assumed(plan: Plan) -> bool:
    return any(w.lower().startswith("side not confirmed") for w in plan.warnings)


def _losses(plan: Plan) -> list[dict[str, Any]]:
    """One table per loss group, in plain words; empty groups are kept and say so."""
    deficit = plan.deficit.to_dict()
    assumed = _side_assumed(plan)
    out = []
    for key, heading, what, plain in GROUPS:
        rows = []
        for item in deficit[key]:
            effect = item["effect"]
            detail = ""
            if key == "motor":
                detail = "; ".join(item.get("actions", ()))
            elif key == "sensory":
                area = item.get("area_cm2")
                detail = f"{area:g} cm²" if area else ""
            rows.append(
                {
                    "name": item["target"]["name"],
                    "side": _side(item["side"], assumed),
                    "lost": _percent(item["supply_lost"]),
                    "effect": PLAIN_EFFECT.get(effect, effect),
                    "detail": detail,
                }
            )
        out.append({"key": key, "heading": heading, "what": what, "plain": plain, "rows": rows})
    return out


def _patient_rows(patient: Patient | None) -> list[tuple[str, str]]:
    if patient is None:
        return []
    rows = []
    for name, label in PATIENT_LABELS:
        value = getattr(patient, name)
        if value is None or value == ():
            continue
        rows.append((label, fact_value(name, value)))
    return rows


def _evidence_rows(rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "procedure": r.procedure,
            "indication": r.indication,
            "outcome": r.outcome,
            "measure": r.measure,
            "value": r.value_text,
            "unit": r.unit,
            "n": r.n_text,
            "followup": r.followup,
            "design": r.design,
            "flags": list(r.flags),
            "source": r.citation(),
        }
        for r in rows
    ]


def _risks(plan: Plan) -> list[dict[str, Any]]:
    """The plan's risks as published (:class:`neurectomy.serialise.RiskJSON`: figure, n, measure, flags, citation)."""
    return [dict(r) for r in plan.risks]


def _alternatives(plan: Plan) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Alternatives with the procedure's reason for each, and the comparator's evidence rows (if any)."""
    why = {a.name: a.why for a in plan.procedure.alternatives} if plan.procedure is not None else {}
    names = list(dict.fromkeys([*plan.alternatives, *why]))
    alternatives = [{"name": n, "why": why.get(n, "")} for n in names]
    comparator: list[dict[str, Any]] = []
    key = plan.procedure.comparator_evidence_key if plan.procedure is not None else None
    if key:
        from neurectomy.evidence import for_procedure

        comparator = _evidence_rows(for_procedure(key))
    return alternatives, comparator


def _body_map(plan: Plan) -> tuple[list[dict[str, str]], dict[str, str] | None, str]:
    """The body map for print: one picture per view, each a data URI with the size (pt) it is shown at and its
    alt text (empty when no skin is affected or the renderer is missing); the legend, drawn once; and a note."""
    if not plan.deficit.sensory:
        return [], None, "No skin area is expected to lose feeling, so there is no body map."
    try:
        from neurectomy.bodymap.render import VIEW_TITLE, print_size, render_print_legend, render_print_svgs
    except ImportError:  # pragma: no cover - the body map renderer ships with the package
        return [], None, "[PLACEHOLDER] The body-map renderer is not available in this installation."
    import xml.etree.ElementTree as ET

    pictures = []
    for svg in render_print_svgs(plan.deficit):
        root = ET.fromstring(svg)
        views = (root.get("data-views") or "").split()
        lost = sorted(
            {
                f"{e.get('data-name')} ({e.get('data-side')}, {e.get('data-effect')})"
                for e in root.iter()
                if e.get("data-region") and e.get("data-effect") not in (None, "unaffected")
            }
        )
        width, height = print_size(svg)
        title = ", ".join(VIEW_TITLE.get(v, v) for v in views)
        alt = f"Body map, {title}: " + ("; ".join(lost) if lost else "no skin loses feeling on this view") + "."
        pictures.append({"src": _data_uri(svg), "width": f"{width:.1f}", "height": f"{height:.1f}", "alt": alt})
    legend = render_print_legend()
    lw, lh = print_size(legend)
    key = {"src": _data_uri(legend), "width": f"{lw:.1f}", "height": f"{lh:.1f}"}
    return (
        pictures,
        key,
        "Solid blue, cross-hatched: no feeling at all (anaesthetic). Striped: less feeling, because neighbouring "
        "nerves still supply part of the area (hypoaesthetic). The front and back views show both sides; a "
        "close-up is drawn for each side with a loss.",
    )


def _strength_chart(plan: Plan, title: str) -> tuple[str | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """Strength lost by joint motion as a static SVG bar chart (None when no limb muscle is affected), with the
    rows it draws (the lesion JSON's ``function`` group) and the lost muscles the model does not contain
    (``function_not_modelled``)."""
    from neurectomy.serialise import function_json, not_modelled_json

    rows = [dict(r) for r in function_json(plan.deficit)]
    missing = [dict(x) for x in not_modelled_json(plan.deficit)]
    if not rows:
        return None, [], missing
    import vl_convert as vlc

    from neurectomy.charts import strength_spec

    spec = strength_spec(rows, title)
    spec["config"] = {"font": "DejaVu Sans", "axis": {"labelFontSize": 10, "labelLimit": 260}}
    return _data_uri(vlc.vegalite_to_svg(spec)), rows, missing


def _timeline_chart(plan: Plan, title: str) -> str | None:
    """The timeline as a static SVG data URI (None when nothing is lost), rendered offline by vl-convert."""
    if not plan.timeline.target_ids:
        return None
    import vl_convert as vlc

    from neurectomy.charts import timeline_spec

    spec = timeline_spec(plan.timeline, title, max_targets=6)
    spec["spec"]["width"] = 190  # three panels fit the A4 text width without shrinking the labels
    spec["spec"]["height"] = 170
    spec["config"] = {
        "font": "DejaVu Sans",
        "axis": {"labelFontSize": 11, "titleFontSize": 11},
        "legend": {"labelFontSize": 11, "labelLimit": 360},
        "header": {"labelFontSize": 12},
        "title": {"fontSize": 14, "subtitleFontSize": 11},
    }
    return _data_uri(vlc.vegalite_to_svg(spec))


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("neurectomy", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def context(plan: Plan, patient: Patient | None = None, registry: Sequence[Any] = ()) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    import neurectomy
    from neurectomy.planning import NOTICE

    patient = patient if patient is not None else getattr(plan, "patient", None)
    title = _title(plan)
    body_map, body_map_legend, body_map_note = _body_map(plan)
    alternatives, comparator = _alternatives(plan)
    method = plan.method
    return {
        "title": title,
        "notice": NOTICE,
        "version": neurectomy.__version__,
        "date": plan.created,
        "summary": plan.deficit.summary,
        "warnings": list(plan.warnings),
        "side_unconfirmed": _side_assumed(plan),
        "patient": _patient_rows(patient),
        "not_used": [] if plan.candidacy is None else list(plan.candidacy.not_used),
        "procedure": plan.procedure,
        "cuts": [
            {"nerve": c.nerve_name, "at": c.at, "mm": f"{c.mm:g}", "side": _side(c.side, _side_assumed(plan))}
            for c in plan.deficit.cuts
        ],
        "method": {
            "name": method.name,
            "family": method.family,
            "description": method.description,
            "seddon": method.seddon,
            "sunderland": method.sunderland,
            "tubes_intact": method.tubes_intact,
            "interrupts": method.interrupts,
            "source": public_source(method.source),
            "end_treatments": [{"name": e.name, "source": public_source(e.source)} for e in plan.end_treatments],
        },
        "losses": _losses(plan),
        "body_map": body_map,
        "body_map_legend": body_map_legend,
        "body_map_note": body_map_note,
        "candidacy": None if plan.candidacy is None else plan.candidacy.to_dict(),
        "alternatives": alternatives,
        "comparator": comparator,
        "risks": _risks(plan),
        "comparison": plan.comparison,
        "timeline": _timeline_chart(plan, f"{title}: expected course"),
        "strength": _strength_chart(plan, f"{title}: strength by joint motion"),
        "evidence": list(plan.evidence),
        "registry": [r.to_dict() for r in registry],
    }


def render_html(plan: Plan, patient: Patient | None = None, registry: Sequence[Any] = ()) -> str:
    """The report as one self-contained HTML page (styles and pictures inlined; no network needed)."""
    return _environment().get_template("report.html").render(**context(plan, patient, registry))


def write_html(plan: Plan, path: str | Path, patient: Patient | None = None, registry: Sequence[Any] = ()) -> Path:
    """Write :func:`render_html` to ``path``; returns the path."""
    out = Path(path)
    out.write_text(render_html(plan, patient, registry), encoding="utf-8")
    return out


def write_pdf(plan: Plan, path: str | Path, patient: Patient | None = None, registry: Sequence[Any] = ()) -> Path:
    """Write the report as an A4 PDF (WeasyPrint) to ``path``; returns the path."""
    import weasyprint

    out = Path(path)
    weasyprint.HTML(string=render_html(plan, patient, registry)).write_pdf(out)  # no base URL: nothing is fetched
    return out
