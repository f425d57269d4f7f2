"""Draw a :class:`~neurectomy.lesion.Deficit` on the body-map charts: one standalone SVG (or PNG).

Each chart (``charts/*.svg``) shows the LEFT side; a polygon's ``id`` (or, for a second drawing of the same skin on
one chart, its ``data-region``) is a skin-region id of the atlas. :func:`render_svg` picks the charts that hold the
affected regions (the view each region's atlas record names first), shades every region by what the deficit does
to it, mirrors the drawing for the right side, and adds a title naming the cuts, a legend and the disclaimer.

>>> from neurectomy import lesion
>>> svg = render_svg(lesion("sural nerve"))
>>> svg.startswith("<svg") and 'data-region="skin_lower_posterolateral_leg"' in svg
True
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.lesion import Deficit

SVG_NS = "http://www.w3.org/2000/svg"
VIEWS: tuple[str, ...] = ("anterior", "posterior", "head", "hand_palmar", "hand_dorsal", "foot_dorsal", "foot_plantar")
BODY_VIEWS = frozenset({"anterior", "posterior"})  # symmetric whole-body charts: both sides share one figure
DISCLAIMER = "Decision support and education, not a medical device"

EFFECTS: tuple[str, ...] = ("anaesthetic", "hypoaesthetic", "unaffected")
FILL = {"anaesthetic": "#8e1b1b", "hypoaesthetic": "url(#hypoaesthetic)", "unaffected": "#e6e2dc"}
HYPO_TINT, HYPO_LINE = "#f4c2b5", "#b5473e"
LEGEND = {
    "anaesthetic": "anaesthetic: all of its nerve supply cut",
    "hypoaesthetic": "hypoaesthetic: part of its supply cut (overlap from neighbours remains)",
    "unaffected": "unaffected charted region",
}
SCALE = {
    "anterior": 0.8,
    "posterior": 0.8,
    "head": 1.0,
    "hand_palmar": 1.0,
    "hand_dorsal": 1.0,
    "foot_dorsal": 1.0,
    "foot_plantar": 1.0,
}
VIEW_TITLE = {
    "anterior": "Front of the body",
    "posterior": "Back of the body",
    "head": "Head",
    "hand_palmar": "Hand, palm",
    "hand_dorsal": "Hand, back",
    "foot_dorsal": "Foot, top",
    "foot_plantar": "Foot, sole",
}
MAX_ROW_WIDTH = 1320
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"


@dataclass(frozen=True)
class Chart:
    """One parsed chart: its size and the groups the renderer recomposes."""

    view: str
    width: int
    height: int
    silhouette: tuple[ET.Element, ...]
    regions: tuple[ET.Element, ...]
    marks: tuple[ET.Element, ...]
    labels: tuple[ET.Element, ...]

    @property
    def region_ids(self) -> frozenset[str]:
        return frozenset(_region_id(e) for e in self.regions)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _region_id(element: ET.Element) -> str:
    return element.get("id") or element.get("data-region") or ""


@cache
def load_chart(view: str) -> Chart:
    """Parse ``charts/<view>.svg`` (cached)."""
    if view not in VIEWS:
        raise ValueError(f"unknown body-map view {view!r}; choose from {', '.join(VIEWS)}")
    text = (resources.files("neurectomy.bodymap") / "charts" / f"{view}.svg").read_text(encoding="utf-8")
    root = ET.fromstring(text)
    groups: dict[str, list[ET.Element]] = {"silhouette": [], "regions": [], "marks": [], "labels": []}
    for g in root:
        cls = g.get("class", "")
        if _local(g.tag) == "g" and cls in groups:
            groups[cls].extend(list(g))
    return Chart(
        view,
        int(root.get("width", "0")),
        int(root.get("height", "0")),
        *(tuple(groups[k]) for k in ("silhouette", "regions", "marks", "labels")),
    )


def chart_regions(view: str) -> frozenset[str]:
    """Skin-region ids drawn on one view."""
    return load_chart(view).region_ids


def _views_for(regions: Iterable[tuple[str, str | None]]) -> list[str]:
    """The views to draw for affected regions: each region's atlas ``chart`` (or the first chart holding it), then
    views dropped whose affected regions all appear on the other chosen views (a neck patch that the head chart
    also shows does not bring in the whole body)."""
    primary: dict[str, set[str]] = {}
    ids: set[str] = set()
    for rid, preferred in regions:
        ids.add(rid)
        if preferred in VIEWS and rid in chart_regions(preferred):
            primary.setdefault(preferred, set()).add(rid)
            continue
        for view in VIEWS:
            if rid in chart_regions(view):
                primary.setdefault(view, set()).add(rid)
                break
    chosen = [v for v in VIEWS if v in primary]
    for view in sorted(chosen, key=lambda v: (len(primary[v]), -VIEWS.index(v))):
        others = [w for w in chosen if w != view]
        if others and all(any(rid in chart_regions(w) for w in others) for rid in ids & chart_regions(view)):
            chosen.remove(view)
    return chosen


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _serialise(element: ET.Element) -> str:
    text = ET.tostring(element, encoding="unicode")
    return text.replace("ns0:", "").replace(f' xmlns:ns0="{SVG_NS}"', "").replace(f' xmlns="{SVG_NS}"', "")


_SWAP = {"left": "right", "right": "left", "Left": "Right", "Right": "Left", "LEFT": "RIGHT", "RIGHT": "LEFT"}


def _swap_sides(text: str) -> str:
    return re.sub(r"\b(left|right|Left|Right|LEFT|RIGHT)\b", lambda m: _SWAP[m.group(1)], text)


def _caption(view: str, side: str) -> str:
    s = "right" if side == "right" else "left"
    o = "left" if s == "right" else "right"
    return {
        "anterior": "Front view: the figure faces you, so its left side is on your right.",
        "posterior": "Back view: the figure's left side is on your left.",
        "head": f"The {s} side of the head: the face looks to your {s}; in the front view the {s} half of the "
        f"face is on your {o}.",
        "hand_palmar": f"Palm of the {s} hand, fingers up: the thumb is on your {s}.",
        "hand_dorsal": f"Back of the {s} hand, fingers up: the thumb is on your {o}.",
        "foot_plantar": f"Sole of the {s} foot, toes up: the great toe is on your {s}.",
        "foot_dorsal": f"Top of the {s} foot, toes up: the great toe is on your {o}.",
    }[view]


def _cut_text(deficit: Deficit) -> str:
    parts = []
    for c in deficit.cuts:
        where = f" at {c.at}" if c.at else (f" at {c.mm:g} mm" if c.mm else "")
        method = "" if c.method == "surgical_cut" else f" ({c.method.replace('_', ' ')})"
        parts.append(f"{c.side} {c.nerve_name}{where}{method}")
    return "; ".join(parts) if parts else "no cut"


def _region_xml(element: ET.Element, view: str, side: str, effect: str, name: str) -> str:
    rid = _region_id(element)
    tag = _local(element.tag)
    geometry = f'points="{element.get("points")}"' if tag == "polygon" else f'd="{element.get("d")}"'
    own_id = f' id="{view}-{side}-{rid}"' if element.get("id") else ""
    label = f"{name}: {effect}" if effect != "unaffected" else name
    return (
        f'<{tag}{own_id} class="region {effect}" data-region="{rid}" data-side="{side}" '
        f'data-effect="{effect}" fill="{FILL[effect]}" {geometry}><title>{escape(label)}</title></{tag}>'
    )


def _panel(
    view: str, sides: Sequence[str], effects: dict[str, dict[str, str]], names: dict[str, str]
) -> tuple[str, float, float]:
    """One view for the given sides: SVG fragment (at the origin), its width and height."""
    chart = load_chart(view)
    k = SCALE[view]
    w, h = chart.width, chart.height
    mirrored = len(sides) == 1 and sides[0] == "right" and view not in BODY_VIEWS
    out: list[str] = []
    whole = f' transform="translate({w},0) scale(-1,1)"' if mirrored else ""
    sil = "\n".join(_serialise(e) for e in chart.silhouette)
    out.append(f"<g{whole}>")
    out.append(
        f'<g class="silhouette-edge" fill="none" stroke="#5f564d" stroke-width="3" stroke-linejoin="round">{sil}</g>'
    )
    out.append(f'<g class="silhouette" fill="#f6f1ea" stroke="none">{sil}</g>')
    for side in sides:
        layer = f' transform="translate({w},0) scale(-1,1)"' if side == "right" and view in BODY_VIEWS else ""
        out.append(
            f'<g class="regions" data-view="{view}" data-side="{side}" stroke="#9b9288" stroke-width="0.6" '
            f'stroke-linejoin="round"{layer}>'
        )
        for e in chart.regions:
            rid = _region_id(e)
            effect = effects.get(side, {}).get(rid, "unaffected")
            out.append(_region_xml(e, view, side, effect, names.get(rid, rid)))
        out.append("</g>")
    out.append(
        '<g class="marks" fill="none" stroke="#5f564d" stroke-width="0.8" stroke-linecap="round">'
        + "".join(_serialise(e) for e in chart.marks)
        + "</g>"
    )
    out.append("</g>")
    labels = []
    for e in chart.labels:
        label = ET.Element(e.tag, dict(e.attrib))
        text = e.text or ""
        if mirrored:
            label.set("x", _fmt(w - float(e.get("x", "0"))))
            anchor = e.get("text-anchor", "start")
            label.set("text-anchor", {"start": "end", "end": "start"}.get(anchor, anchor))
            text = _swap_sides(text)
        label.text = text
        labels.append(_serialise(label))
    out.append(f'<g class="labels" font-family="{FONT}" font-size="9" fill="#4a443e">' + "".join(labels) + "</g>")
    body = f'<g transform="scale({k})">' + "\n".join(out) + "</g>"

    shown = " and ".join(s.upper() if s != "midline" else "MIDLINE" for s in sides)
    side_word = "sides" if len(sides) > 1 else "side"
    header = f"{VIEW_TITLE[view]}: {shown} {side_word}"
    if view not in BODY_VIEWS:
        header = f"{VIEW_TITLE[view]}: {sides[0].upper()}"
    if "midline" in sides:
        header += " (midline, drawn on the left chart)"
    pw = w * k
    caption = _caption(view, sides[0] if len(sides) == 1 else "left")
    if view in BODY_VIEWS and len(sides) > 1:
        caption += " Both sides shaded."
    lines = textwrap.wrap(caption, max(28, int(pw / 5.6)))
    head = (
        f'<text x="{_fmt(pw / 2)}" y="14" text-anchor="middle" font-family="{FONT}" font-size="13" '
        f'font-weight="bold" fill="#2b2622">{escape(header)}</text>'
    )
    cap = "".join(
        f'<text x="{_fmt(pw / 2)}" y="{_fmt(24 + h * k + 14 + 13 * i)}" text-anchor="middle" '
        f'font-family="{FONT}" font-size="10.5" fill="#4a443e">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    fragment = (
        f'<g class="panel" data-view="{view}" data-sides="{" ".join(sides)}">{head}'
        f'<g transform="translate(0,24)">{body}</g>{cap}</g>'
    )
    return fragment, pw, 24 + h * k + 14 + 13 * len(lines)


def render_svg(deficit: Deficit, atlas: Atlas | None = None, views: Sequence[str] | None = None) -> str:
    """One standalone SVG of the skin a deficit leaves numb, on the charts that show it.

    Anaesthetic regions are dark, hypoaesthetic ones hatched on a light tint, unaffected charted regions neutral.
    ``views`` forces the charts to draw (names in :data:`VIEWS`); by default, the ones holding affected regions.
    """
    if atlas is None:
        from neurectomy.api import default_atlas

        atlas = default_atlas()
    names = {t.id: t.name for t in atlas.targets if t.kind == "skin"}
    effects: dict[str, dict[str, str]] = {}
    preferred: dict[str, str | None] = {}
    for loss in deficit.sensory:
        effect = loss.effect if loss.effect in FILL else "hypoaesthetic"
        effects.setdefault(loss.side, {})[loss.target.id] = effect
        preferred[loss.target.id] = loss.target.chart
    sides: list[str] = [s for s in ("right", "left", "midline") if s in effects]
    if not sides:
        sides = [s for s in ("right", "left", "midline") if any(c.side == s for c in deficit.cuts)] or ["left"]
    # which sides each view is drawn for: by default the sides with a loss whose chart is that view
    per_view: dict[str, list[str]] = {}
    if views is None:
        for side in sides:
            on_side = [(rid, preferred[rid]) for rid in effects.get(side, {})]
            for view in _views_for(on_side):
                per_view.setdefault(view, []).append(side)
        if not per_view:
            per_view["anterior"] = sides
    else:
        unknown = [v for v in views if v not in VIEWS]
        if unknown:
            raise ValueError(f"unknown body-map view(s) {', '.join(unknown)}; choose from {', '.join(VIEWS)}")
        per_view = {v: sides for v in views}

    panels: list[tuple[str, float, float]] = []
    for view in VIEWS:
        if view not in per_view:
            continue
        if view in BODY_VIEWS:  # one figure: both halves shaded when both sides have losses
            panels.append(_panel(view, sides, effects, names))
        else:
            panels.extend(_panel(view, [side], effects, names) for side in sides if side in per_view[view])

    # ---- lay the panels out in rows
    gap, margin, top = 28.0, 20.0, 64.0
    rows: list[list[tuple[str, float, float]]] = [[]]
    width = 0.0
    for p in panels:
        if rows[-1] and width + gap + p[1] > MAX_ROW_WIDTH:
            rows.append([])
            width = 0.0
        width += (gap if rows[-1] else 0.0) + p[1]
        rows[-1].append(p)
    placed: list[str] = []
    y = top
    total_w = 0.0
    for row in rows:
        x = margin
        for fragment, pw, _ph in row:
            placed.append(f'<g transform="translate({_fmt(x)},{_fmt(y)})">{fragment}</g>')
            x += pw + gap
        total_w = max(total_w, x - gap + margin)
        y += max(ph for _f, _pw, ph in row) + gap
    total_w = max(total_w, 640.0)

    # ---- title, counts, legend, disclaimer
    n_an = sum(1 for side in effects.values() for e in side.values() if e == "anaesthetic")
    n_hy = sum(1 for side in effects.values() for e in side.values() if e == "hypoaesthetic")
    side_text = " and ".join(sides)
    title = f"Expected skin sensory loss: {_cut_text(deficit)}"
    sub = (
        f"{n_an} region(s) anaesthetic, {n_hy} hypoaesthetic; side shown: {side_text}. Each chart shows one "
        "side; the right side is drawn as the mirror image of the left."
        if effects
        else f"No skin sensation is lost; side shown: {side_text}."
    )
    legend_y = y
    legend = [f'<g class="legend" font-family="{FONT}" font-size="11" fill="#2b2622">']
    lx = margin
    for effect in EFFECTS:
        legend.append(
            f'<rect class="{effect}" x="{_fmt(lx)}" y="{_fmt(legend_y)}" width="18" height="12" '
            f'fill="{FILL[effect]}" stroke="#9b9288" stroke-width="0.6"/>'
        )
        legend.append(f'<text x="{_fmt(lx + 24)}" y="{_fmt(legend_y + 10)}">{escape(LEGEND[effect])}</text>')
        legend_y += 18
    legend.append(
        f'<rect x="{_fmt(lx)}" y="{_fmt(legend_y)}" width="18" height="12" fill="#f6f1ea" '
        f'stroke="#5f564d" stroke-width="1"/>'
    )
    legend.append(f'<text x="{_fmt(lx + 24)}" y="{_fmt(legend_y + 10)}">skin without a charted region</text>')
    legend.append("</g>")
    legend_y += 30
    total_h = legend_y + 8
    title_lines = textwrap.wrap(title, max(60, int((total_w - 2 * margin) / 8.2)))[:2]
    head = "".join(
        f'<text x="{_fmt(margin)}" y="{24 + 18 * i}" font-family="{FONT}" font-size="16" '
        f'font-weight="bold" fill="#2b2622">{escape(line)}</text>'
        for i, line in enumerate(title_lines)
    )
    sub_lines = textwrap.wrap(sub, max(70, int((total_w - 2 * margin) / 6.6)))[:2]
    sub_text = "".join(
        f'<text x="{_fmt(margin)}" y="{44 + 18 * (len(title_lines) - 1) + 14 * i}" '
        f'font-family="{FONT}" font-size="11.5" fill="#4a443e">{escape(line)}</text>'
        for i, line in enumerate(sub_lines)
    )
    shift = 18 * (len(title_lines) - 1) + 14 * (len(sub_lines) - 1)
    parts = [
        f'<svg xmlns="{SVG_NS}" width="{_fmt(total_w)}" height="{_fmt(total_h + shift)}" '
        f'viewBox="0 0 {_fmt(total_w)} {_fmt(total_h + shift)}" data-sides="{" ".join(sides)}">',
        f"<title>{escape(title)}</title>",
        f'<defs><pattern id="hypoaesthetic" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{HYPO_TINT}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HYPO_LINE}" stroke-width="1.6"/></pattern></defs>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        head,
        sub_text,
        f'<g transform="translate(0,{shift})">',
        *placed,
        *legend,
        f'<text x="{_fmt(margin)}" y="{_fmt(legend_y)}" font-family="{FONT}" font-size="11" font-style="italic" '
        f'fill="#2b2622">{DISCLAIMER}. Schematic charts; territories vary between people.</text>',
        "</g>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """Rasterise SVG text: CairoSVG when importable, else vl-convert's resvg renderer."""
    try:
        import cairosvg  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        import vl_convert

        return bytes(vl_convert.svg_to_png(svg, scale=scale))
    return bytes(cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale))


def render_png(
    deficit: Deficit,
    path: str | Path,
    scale: float = 2.0,
    atlas: Atlas | None = None,
    views: Sequence[str] | None = None,
) -> Path:
    """Write :func:`render_svg` as a PNG file; returns the path."""
    out = Path(path)
    out.write_bytes(svg_to_png(render_svg(deficit, atlas=atlas, views=views), scale=scale))
    return out
