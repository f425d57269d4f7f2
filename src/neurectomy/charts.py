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
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
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
