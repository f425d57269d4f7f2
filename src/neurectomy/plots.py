"""Charts as Vega-Lite specs, rendered offline (HTML with the library inlined, or PNG) by vl-convert, and the
result files of a cohort: this is an edge (the core computes, this module draws and writes files)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurectomy.charts import VEGA_LITE_SCHEMA
from neurectomy.regrowth.kinetics import Timeline

if TYPE_CHECKING:
    import pandas as pd

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
        "$schema": VEGA_LITE_SCHEMA,
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
        "$schema": VEGA_LITE_SCHEMA,
        "title": {
            "text": f"Growth cones after {method.replace('_', ' ')}, {ends}",
            "subtitle": f"{note + ' ' if note else ''}{NOTICE}",
        },
        "hconcat": [
            panel("axons reaching a target (fraction)", reached, [0.0, 1.0]),
            panel("neuroma index", neuroma, None),
        ],
    }


def cohort_summary_spec(summary: pd.DataFrame) -> dict[str, Any]:
    """Vega-Lite chart: function at 1 and 5 years and neuroma rate per scenario, with 95% intervals."""
    records = []
    for r in summary.to_dict("records"):
        for measure, lo, hi, label in (
            ("function_1y_mean", "function_1y_lo", "function_1y_hi", "reconnected at 1 year"),
            ("function_5y_mean", "function_5y_lo", "function_5y_hi", "reconnected at 5 years"),
            ("neuroma_rate", "neuroma_lo", "neuroma_hi", "painful neuroma"),
            ("pain_1y_mean", "pain_1y_lo", "pain_1y_hi", "pain at 1 year"),
        ):
            records.append(
                {
                    "scenario": str(r["scenario"]),
                    "measure": label,
                    "value": float(r[measure]),
                    "lo": float(r[lo]),
                    "hi": float(r[hi]),
                }
            )
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {
            "text": "Simulated cohort by scenario (95% intervals)",
            "subtitle": f"{NOTICE} Model parameters: see sources.",
        },
        "data": {"values": records},
        "facet": {"column": {"field": "measure", "type": "nominal", "title": None}},
        "spec": {
            "width": 170,
            "height": 220,
            "layer": [
                {
                    "mark": "bar",
                    "encoding": {
                        "x": {"field": "scenario", "type": "nominal", "title": None},
                        "y": {
                            "field": "value",
                            "type": "quantitative",
                            "scale": {"domain": [0, 1]},
                            "title": "fraction",
                        },
                        "color": {"field": "scenario", "type": "nominal", "legend": None},
                    },
                },
                {
                    "mark": "rule",
                    "encoding": {
                        "x": {"field": "scenario", "type": "nominal"},
                        "y": {"field": "lo", "type": "quantitative"},
                        "y2": {"field": "hi"},
                    },
                },
            ],
        },
    }


def write_cohort_outputs(frame: pd.DataFrame, summary: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write a cohort's patients (``patients.parquet``), its summary (``summary.csv``) and the summary chart
    (``summary.html``, which works offline, and ``summary.png``) into ``out_dir``; returns the paths in that order.

    ``frame`` is :func:`neurectomy.regrowth.cohort.simulate_cohort`'s result, ``summary`` that of
    :func:`~neurectomy.regrowth.cohort.summarise`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "patients.parquet", out / "summary.csv"]
    frame.to_parquet(paths[0], index=False)
    summary.to_csv(paths[1], index=False)
    spec = cohort_summary_spec(summary)
    paths.append(write_chart(spec, out / "summary.html"))
    paths.append(write_chart(spec, out / "summary.png"))
    return paths
