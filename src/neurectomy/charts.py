"""Vega-Lite charts of a plan's course and of the model check (an edge: the core computes, this module draws).

Rendered offline by :func:`neurectomy.plots.write_chart`. The course chart draws pain only where the model has one
(the painful region of the plan: :attr:`~neurectomy.regrowth.kinetics.Timeline.painful`), never for a muscle, a gland
or a collateral numb region.
"""

from __future__ import annotations

import math
from typing import Any

from neurectomy.regrowth.kinetics import Timeline

NOTICE = "Decision support and education, not a medical device."
PAIN = "pain over the painful region (fraction of before)"
#: The Vega-Lite major version of every spec: that of the library the web app serves
#: (``web/static/vendor/vega-bundle.js``, Vega-Lite 6.4.1 from vl-convert-python 1.9.0) and vl-convert renders with;
#: a spec naming another major version makes Vega-Embed warn in the browser console. Change both together.
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def timeline_spec(tl: Timeline, title: str, max_targets: int = 8) -> dict[str, Any]:
    """Function and neuroma risk over years for the targets losing most supply (treated targets first), and the
    expected pain over the painful region."""
    order = sorted(range(len(tl.target_ids)), key=lambda i: (not bool(tl.treated[i]), -float(tl.lost[i])))
    rows: list[dict[str, Any]] = []
    days = tl.days.tolist()
    for i in order[:max_targets]:
        label = f"{tl.target_names[i]} ({tl.sides[i]})"
        for j, day in enumerate(days):
            years = day / 365.25
            rows.append(
                {"target": label, "years": years, "measure": "function", "value": float(tl.curves.function[i, j])}
            )
            rows.append(
                {
                    "target": label,
                    "years": years,
                    "measure": "neuroma risk",
                    "value": float(tl.curves.neuroma_risk[i, j]),
                }
            )
    course = tl.pain_course()
    if course is not None:
        for j, day in enumerate(days):
            value = float(course[j])
            if not math.isnan(value):
                rows.append({"target": "painful region", "years": day / 365.25, "measure": PAIN, "value": value})
    measures = ["function", PAIN, "neuroma risk"] if course is not None else ["function", "neuroma risk"]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {"text": title, "subtitle": NOTICE},
        "data": {"values": rows},
        "facet": {"column": {"field": "measure", "type": "nominal", "title": None, "sort": measures}},
        "spec": {
            "width": 260,
            "height": 200,
            "mark": {"type": "line", "point": len(days) <= 20},
            "encoding": {
                "x": {"field": "years", "type": "quantitative", "title": "years after the procedure"},
                "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": None},
                "color": {"field": "target", "type": "nominal", "legend": {"orient": "bottom", "columns": 2}},
                "tooltip": [
                    {"field": "target"},
                    {"field": "years", "format": ".2f"},
                    {"field": "value", "format": ".2f"},
                ],
            },
        },
        "resolve": {"scale": {"y": "shared"}},
    }


def strength_spec(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Strength lost by joint motion (the lesion JSON's ``function`` rows): one horizontal bar per motion and side,
    0–100%, the bars of motions with a functional flag drawn dark; a loss that lasts only while a block does is
    labelled temporary."""
    values = [
        {
            "motion": f"{r['motion']} ({r['side']}{', temporary' if r.get('lasting') == 'temporary' else ''})",
            "lost": r["strength_lost"],
            "flagged": "with a functional flag" if r["flags"] else "no flag",
        }
        for r in rows
    ]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {"text": title, "subtitle": NOTICE + " MyoSuite musculoskeletal models (MyoLegs, MyoArm)."},
        "data": {"values": values},
        "width": 300,
        "height": {"step": 16},
        "mark": "bar",
        "encoding": {
            "y": {"field": "motion", "type": "nominal", "sort": None, "title": None},
            "x": {
                "field": "lost",
                "type": "quantitative",
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%"},
                "title": "strength lost (mean over the model's posture grid)",
            },
            "color": {
                "field": "flagged",
                "type": "nominal",
                "scale": {"domain": ["with a functional flag", "no flag"], "range": ["#8b1a1a", "#c9a27e"]},
                "legend": {"orient": "bottom", "title": None},
            },
            "tooltip": [{"field": "motion"}, {"field": "lost", "format": ".0%"}],
        },
    }


def model_check_spec(report: dict[str, Any], title: str = "Model against the evidence it prints") -> dict[str, Any]:
    """Each compared evidence row: the model's value and the row's interval, both divided by the observed figure
    (1 = the model says what the evidence says), on a log scale; an open-ended bound is drawn to the chart's edge."""
    lo_edge, hi_edge = 0.05, 10.0
    values = []
    for i, r in enumerate(report["rows"]):
        obs = float(r["observed"])
        lo, hi = r["interval"]
        values.append(
            {
                "order": i,
                "evidence": r["evidence"],
                "quantity": r["quantity"],
                "observed": obs,
                "model": r["model"],
                "ratio": min(max(r["model"] / obs, lo_edge), hi_edge),
                "lo": lo_edge if lo is None else min(max(lo / obs, lo_edge), hi_edge),
                "hi": hi_edge if hi is None else min(max(hi / obs, lo_edge), hi_edge),
                "agrees": r.get("status") or ("agrees" if r["agrees"] else "disagrees"),
                "fit": "fitted" if r.get("fitted") else "held out",
            }
        )
    x = {"field": "evidence", "type": "nominal", "sort": {"field": "order"}, "title": None}
    y_scale = {"type": "log", "domain": [lo_edge, hi_edge], "nice": False}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {
            "text": title,
            "subtitle": f"{report.get('summary') or str(report['agree']) + ' of ' + str(report['total']) + ' agree'}. "
            "Bars: the row's interval; dots: the model (circles: held out, squares: fitted); both divided by the "
            f"observed figure. {NOTICE}",
        },
        "width": max(400, 14 * len(values)),
        "height": 260,
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "rule", "color": "#888"}, "encoding": {"y": {"datum": 1}}},
            {
                "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.5},
                "encoding": {
                    "x": x,
                    "y": {"field": "lo", "type": "quantitative", "scale": y_scale, "title": "ratio to the observed"},
                    "y2": {"field": "hi"},
                },
            },
            {
                "mark": {"type": "point", "size": 50},
                "encoding": {
                    "x": x,
                    "y": {"field": "ratio", "type": "quantitative", "scale": y_scale},
                    "shape": {
                        "field": "fit",
                        "type": "nominal",
                        "scale": {"domain": ["held out", "fitted"], "range": ["circle", "square"]},
                        "title": None,
                    },
                    "color": {
                        "field": "agrees",
                        "type": "nominal",
                        "scale": {
                            "domain": ["agrees", "disagrees", "not comparable"],
                            "range": ["#1b7837", "#c51b7d", "#999999"],
                        },
                        "title": None,
                    },
                    "tooltip": [
                        {"field": "evidence"},
                        {"field": "quantity"},
                        {"field": "observed", "format": ".3g"},
                        {"field": "model", "format": ".3g"},
                        {"field": "fit"},
                    ],
                },
            },
        ],
    }
