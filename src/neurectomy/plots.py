"""Timeline charts as Vega-Lite specs, rendered offline (HTML with the library inlined, or PNG) by vl-convert."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neurectomy.regrowth.kinetics import Timeline

NOTICE = "Decision support and education, not a medical device."


def timeline_spec(tl: Timeline, title: str, max_targets: int = 8) -> dict[str, Any]:
    """Function, pain and neuroma risk over years for the targets losing most supply."""
    order = sorted(range(len(tl.target_ids)), key=lambda i: -float(tl.lost[i]))[:max_targets]
    rows: list[dict[str, Any]] = []
    for i in order:
        label = f"{tl.target_names[i]} ({tl.sides[i]})"
        for j, day in enumerate(tl.days.tolist()):
            years = day / 365.25
            rows.append(
                {"target": label, "years": years, "measure": "function", "value": float(tl.curves.function[i, j])}
            )
            rows.append(
                {
                    "target": label,
                    "years": years,
                    "measure": "pain (fraction of before)",
                    "value": float(tl.curves.pain[i, j]),
                }
            )
            rows.append(
                {
                    "target": label,
                    "years": years,
                    "measure": "neuroma risk",
                    "value": float(tl.curves.neuroma_risk[i, j]),
                }
            )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "subtitle": NOTICE},
        "data": {"values": rows},
        "facet": {
            "column": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "sort": ["function", "pain (fraction of before)", "neuroma risk"],
            }
        },
        "spec": {
            "width": 260,
            "height": 200,
            "mark": {"type": "line", "point": len(tl.days) <= 20},
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


def write_chart(spec: dict[str, Any], path: str | Path) -> Path:
    """Write ``.html`` (self-contained, works offline) or ``.png`` by the file's suffix."""
    import vl_convert as vlc

    out = Path(path)
    if out.suffix.lower() == ".png":
        data = vlc.vegalite_to_png(spec, scale=2)
        out.write_bytes(data)
    elif out.suffix.lower() in (".html", ".htm"):
        out.write_text(vlc.vegalite_to_html(spec, bundle=True), encoding="utf-8")
    elif out.suffix.lower() == ".svg":
        out.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    else:
        raise ValueError(f"unsupported chart format {out.suffix!r}: use .html, .png or .svg")
    return out


def bands(values: Any) -> dict[str, list[float]]:
    """Mean and 10th-90th percentile band over replicates (rows) of a (replicates, T) or (T,) array."""
    import numpy as np

    a = np.atleast_2d(np.asarray(values, dtype=float))
    return {
        "mean": a.mean(axis=0).tolist(),
        "p10": np.percentile(a, 10, axis=0).tolist(),
        "p90": np.percentile(a, 90, axis=0).tolist(),
    }


def stump_spec(
    days: Sequence[float],
    reached: dict[str, list[float]],
    neuroma: dict[str, list[float]],
    method: str,
    end_treatments: Sequence[str],
    note: str = "",
) -> dict[str, Any]:
    """The stump model over days: fraction of axons reaching a target (0-1 axis) and the neuroma index, each a mean
    line with its 10th-90th percentile band (see :func:`bands`)."""

    def panel(label: str, band: dict[str, list[float]], domain: list[float] | None) -> dict[str, Any]:
        rows = [
            {"day": d, "mean": band["mean"][j], "p10": band["p10"][j], "p90": band["p90"][j]}
            for j, d in enumerate(days)
        ]
        y: dict[str, Any] = {"field": "p10", "type": "quantitative", "title": label}
        if domain is not None:
            y["scale"] = {"domain": domain}
        x = {"field": "day", "type": "quantitative", "title": "days after the procedure"}
        return {
            "width": 300,
            "height": 200,
            "data": {"values": rows},
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.25, "color": "#1f5f8b"},
                    "encoding": {"x": x, "y": y, "y2": {"field": "p90"}},
                },
                {
                    "mark": {"type": "line", "color": "#1f5f8b"},
                    "encoding": {
                        "x": x,
                        "y": {"field": "mean", "type": "quantitative"},
                        "tooltip": [{"field": "day"}, {"field": "mean", "format": ".3f"}],
                    },
                },
            ],
        }

    ends = " + ".join(end_treatments) or "no end treatment"
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {
            "text": f"Growth cones after {method.replace('_', ' ')}, {ends}",
            "subtitle": f"{note + ' ' if note else ''}{NOTICE}",
        },
        "hconcat": [
            panel("axons reaching a target (fraction)", reached, [0.0, 1.0]),
            panel("neuroma index", neuroma, None),
        ],
    }
