"""Timeline charts as Vega-Lite specs, rendered offline (HTML with the library inlined, or PNG) by vl-convert."""

from __future__ import annotations

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
            rows.append({"target": label, "years": years, "measure": "function",
                         "value": float(tl.curves.function[i, j])})
            rows.append({"target": label, "years": years, "measure": "pain (fraction of before)",
                         "value": float(tl.curves.pain[i, j])})
            rows.append({"target": label, "years": years, "measure": "neuroma risk",
                         "value": float(tl.curves.neuroma_risk[i, j])})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "subtitle": NOTICE},
        "data": {"values": rows},
        "facet": {"column": {"field": "measure", "type": "nominal", "title": None,
                             "sort": ["function", "pain (fraction of before)", "neuroma risk"]}},
        "spec": {
            "width": 260,
            "height": 200,
            "mark": {"type": "line", "point": len(tl.days) <= 20},
            "encoding": {
                "x": {"field": "years", "type": "quantitative", "title": "years after the procedure"},
                "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": None},
                "color": {"field": "target", "type": "nominal", "legend": {"orient": "bottom", "columns": 2}},
                "tooltip": [{"field": "target"}, {"field": "years", "format": ".2f"},
                            {"field": "value", "format": ".2f"}],
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


def stump_spec(data: dict[str, Any]) -> dict[str, Any]:
    """Axons reaching targets and the neuroma index over days, from ``StumpResult.to_dict()`` (replicates averaged)."""
    import numpy as np

    days = list(data["days"])
    rows: list[dict[str, Any]] = []
    for key, label in (("reached", "axons reaching targets (fraction)"), ("neuroma_index", "neuroma index")):
        values = np.asarray(data[key], dtype=float)
        values = values.mean(axis=0) if values.ndim > 1 else values
        rows += [{"day": d, "measure": label, "value": float(v)} for d, v in zip(days, values, strict=True)]
    ends = " + ".join(data.get("end_treatments", []))

    def panel(label: str, domain: list[float] | None) -> dict[str, Any]:
        y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": label}
        if domain is not None:
            y["scale"] = {"domain": domain}
        return {"width": 300, "height": 200, "mark": "line", "transform": [{"filter": {"field": "measure",
                                                                                       "equal": label}}],
                "encoding": {"x": {"field": "day", "type": "quantitative", "title": "days after the procedure"},
                             "y": y}}

    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"Growth cones after {data['method'].replace('_', ' ')}" + (f" + {ends}" if ends else ""),
                  "subtitle": NOTICE},
        "data": {"values": rows},
        "hconcat": [panel("axons reaching targets (fraction)", [0.0, 1.0]), panel("neuroma index", None)],
    }
