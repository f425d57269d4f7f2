"""Draw a :class:`~neurectomy.lesion.Deficit` on the body-map charts: one standalone SVG (or PNG).

Each chart (``charts/*.svg``) holds the regions of the LEFT side; a polygon's ``id`` (or, for a second drawing of the
same skin on one chart, its ``data-region``) is a skin-region id of the atlas. :func:`render_svg` picks the charts
that hold the affected regions (the view each region's atlas record names first), shades every region by what the
deficit does to it, and adds a title naming the cuts, a legend and the disclaimer. The whole-body views (front and
back) always draw both halves, right and left, each with its own regions; a close-up (head, hand, foot) is drawn for
each side that has a loss, the right one reflected from the left chart. Colours are colour-blind safe and every
state has its own pattern (:mod:`neurectomy.bodymap.palette`); every title, caption and label is wrapped to the
width it has (:mod:`neurectomy.bodymap.text`), never clipped.

>>> from neurectomy import lesion
>>> svg = render_svg(lesion("sural nerve"))
>>> svg.startswith("<svg") and 'data-region="skin_lower_posterolateral_leg"' in svg
True
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from neurectomy.bodymap import palette
from neurectomy.bodymap.text import text_width, wrap

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.lesion import Deficit

SVG_NS = "http://www.w3.org/2000/svg"
VIEWS: tuple[str, ...] = ("anterior", "posterior", "head", "hand_palmar", "hand_dorsal", "foot_dorsal", "foot_plantar")
BODY_VIEWS = frozenset({"anterior", "posterior"})  # symmetric whole-body charts: both sides share one figure
DISCLAIMER = "Decision support and education, not a medical device"

EFFECTS: tuple[str, ...] = ("anaesthetic", "hypoaesthetic", "unaffected")
#: the fill of a region in each state: a pattern for a loss (colour and pattern both tell the state), plain otherwise
FILL = {"anaesthetic": "url(#bm-lost)", "hypoaesthetic": "url(#bm-reduced)", "unaffected": palette.UNMARKED}
#: the colour each state's mark carries (what its contrast is measured on)
MARK = {"anaesthetic": palette.LOST, "hypoaesthetic": palette.REDUCED, "unaffected": palette.REGION_LINE}
LEGEND = {
    "anaesthetic": "anaesthetic (solid blue, cross-hatched): all of its nerve supply cut",
    "hypoaesthetic": "hypoaesthetic (striped): part of its supply cut, neighbours still supply some",
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
#: print: the report shows each view of the body map as its own picture, at most this wide and tall (pt; the A4
#: text width; a close-up gets half a page, so two share one, a whole-body view a page of its own; the report sets
#: each picture's size from :func:`print_box`), and every text at least PRINT_TEXT_MIN px, drawn so that no text
#: is under 7 pt on paper
PRINT_BOX_PT = (504.0, 330.0)
PRINT_BODY_BOX_PT = (504.0, 580.0)
PRINT_LEGEND_BOX_PT = (504.0, 120.0)
PRINT_TEXT_MIN = 14.0
PRINT_ROW_WIDTH = 960.0
PRINT_BODY_SCALE = 0.66
#: a close-up picker's texts (the charts' labels, the wrist and thumb side) at least this many px: a phone (390 x
#: 844) shows a close-up, one side above the other, at about 0.66 to 0.7 of its size, where the charts' 9 px
#: labels came out at 3.6 px (the head side by side) and 11 px at 7 px
PICKER_TEXT_MIN = 14.5
#: the whole-body pickers' texts: the picture is shown about 0.7 times its size on a phone (390 x 844), where
#: 14 px come out at 10 CSS px; their side column (title, caption, inset) at least this wide
PICKER_BODY_TEXT_MIN = 14.5
PICKER_COLUMN_MIN = 200.0
#: a screen's result map draws a whole-body view as the pickers do, its inset at this scale (its labels beside it
#: at full size) and wrapped to this many px (shown)
RESULT_INSET_SCALE = 0.6
RESULT_LABEL_ROOM = 72.0
#: the whole-body charts: every element below this y is the inset under the feet (genitalia and perineum)
INSET_TOP = 845.0
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
LINE = 1.25  # line height, in font sizes


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


@dataclass(frozen=True)
class Style:
    """Text sizes of one rendering; ``text_min`` (px, None on screen) raises every text to at least that size,
    for print where the picture is shrunk to the page."""

    text_min: float | None = None
    body_scale: float | None = None  # the whole-body views' scale, when not :data:`SCALE`'s
    #: the inset's labels all in the column on their own side, which may run below the drawing (a picker, whose
    #: layout makes room for them); else they go to the other side's column where their own has run lower
    one_label_column: bool = False
    #: a whole-body view drawn as in the pickers, its inset beside the figure rather than below its feet (a web
    #: page: the picture is wider and less tall)
    inset_beside: bool = False

    def size(self, base: float) -> float:
        return max(base, self.text_min) if self.text_min else base


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
        "anterior": "The figure faces you: its right side is on your left, its left side on your right.",
        "posterior": "Seen from behind: the figure's left side is on your left, its right side on your right.",
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


def _region_xml(element: ET.Element, view: str, side: str, effect: str, name: str, interactive: bool) -> str:
    """One region: its shading, and what a keyboard or screen-reader user gets from it.

    In a picker (``interactive``) every region is a focusable toggle button named by its region and side; on a
    result map the affected regions are focusable pictures named with their state, the others are left out of the
    accessibility tree (their name still shows on hover)."""
    rid = _region_id(element)
    tag = _local(element.tag)
    geometry = f'points="{element.get("points")}"' if tag == "polygon" else f'd="{element.get("d")}"'
    own_id = f' id="{view}-{side}-{rid}"' if element.get("id") else ""
    label = f"{name}: {effect}" if effect != "unaffected" else name
    where = f"{name}, {side} side" if side in ("left", "right") else f"{name}, midline"
    if interactive:
        access = f' tabindex="0" role="button" aria-pressed="false" aria-label="{escape(where)}"'
    elif effect != "unaffected":
        access = f' tabindex="0" role="img" aria-label="{escape(f"{where}: {effect}")}"'
    else:
        access = ' aria-hidden="true"'
    return (
        f'<{tag}{own_id} class="region {effect}" data-region="{rid}" data-side="{side}" data-name="{escape(name)}" '
        f'data-effect="{effect}" fill="{FILL[effect]}" {geometry}{access}><title>{escape(label)}</title></{tag}>'
    )


def _text_lines(
    lines: Sequence[str], x: float, y: float, size: float, anchor: str = "start", extra: str = "", bold: bool = False
) -> str:
    """``<text>`` elements for wrapped lines, the first baseline at ``y``."""
    weight = ' font-weight="bold"' if bold else ""
    return "".join(
        f'<text x="{_fmt(x)}" y="{_fmt(y + size * LINE * i)}" text-anchor="{anchor}" font-family="{FONT}" '
        f'font-size="{_fmt(size)}"{weight}{extra}>{escape(line)}</text>'
        for i, line in enumerate(lines)
    )


def _chart_labels(chart: Chart, mirrored: bool, style: Style, k: float) -> list[str]:
    """The chart's own labels, reflected for a right-side close-up; in print raised to ``style.text_min`` (on
    screen), with the continuation lines of a label block moved down to keep their spacing. Raised labels are
    wrapped to the chart's width where they no longer fit, and laid out from the top down so that none overlaps
    another (the perineum inset's labels, 10 px apart at 7 px, overlapped at print size)."""
    w = chart.width
    inset_labels, leaders = _inset_labels(chart, style, k)
    in_column = {i for i, e in enumerate(chart.labels) if inset_labels and _is_inset_label(chart, e)}
    shift = 0.0
    prev: tuple[str, str, float, float] | None = None  # x, anchor, original y, size of the previous label
    items: list[tuple[float, int, ET.Element, str, float, float, str, float, bool]] = []
    for i, e in enumerate(chart.labels):
        if i in in_column:
            continue
        text = e.text or ""
        base = float(e.get("font-size", "9"))
        size = max(base, style.text_min / k) if style.text_min else base
        y = float(e.get("y", "0"))
        x_attr, anchor = e.get("x", "0"), e.get("text-anchor", "start")
        if prev is not None and prev[0] == x_attr and prev[1] == anchor and 0 < y - prev[2] <= prev[3] * 1.6:
            shift += max(0.0, size * 1.15 - (y - prev[2]))  # a continuation line: keep the lines apart
        else:
            shift = 0.0
        prev = (x_attr, anchor, y, base)
        x = float(x_attr)
        if mirrored:
            x, anchor, text = w - x, {"start": "end", "end": "start"}.get(anchor, anchor), _swap_sides(text)
        items.append((y + shift, i, e, text, x, size, anchor, base, e.get("font-weight") == "bold"))
    raised = any(size != base for *_, size, _a, base, _b in items)
    out: dict[int, list[str]] = {}
    placed: list[tuple[float, float, float, float]] = []  # left, right, top, bottom of the labels laid out
    for y, i, e, text, x, size, anchor, base, bold in sorted(items, key=lambda t: (t[0], t[1]) if raised else t[1]):
        lines = [text]
        if size != base:  # raised for print: wrapped to the chart where it no longer fits
            room = {"start": w - x, "end": x}.get(anchor, 2 * min(x, w - x)) - 2
            lines = wrap(text, room, size, bold) if text_width(text, size, bold) > room else [text]
        for line in lines:
            width = text_width(line, size, bold)
            left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
            if raised:
                for l0, r0, t0, b0 in sorted(placed, key=lambda b: b[2]):
                    if left < r0 and l0 < left + width and y - size * 0.8 < b0 and t0 < y + size * 0.25:
                        y = b0 + size * 0.8 + 1.0
                placed.append((left, left + width, y - size * 0.8, y + size * 0.25))
            label = ET.Element(e.tag, dict(e.attrib))
            label.set("font-size", _fmt(size))
            label.set("x", _fmt(x))
            label.set("y", _fmt(y))
            label.set("text-anchor", anchor)
            label.text = line
            out.setdefault(i, []).append(_serialise(label))
            y += size * 1.15
    out.update(inset_labels)
    return leaders + [text for i in sorted(out) for text in out[i]]


def _is_inset_label(chart: Chart, e: ET.Element) -> bool:
    """A region label of a whole-body chart's inset (genitalia and perineum): small (under 9 px), below the feet."""
    return (
        chart.view in BODY_VIEWS
        and float(e.get("y", "0")) >= INSET_TOP
        and float(e.get("font-size", "9")) < 9
        and e.get("font-weight") != "bold"
    )


def _inset_labels(chart: Chart, style: Style, k: float) -> tuple[dict[int, list[str]], list[str]]:
    """The inset's region labels set in a column beside its frame, each with a leader line to where it was drawn
    (on its region), laid out from the top down so that none overlaps another; the column is on the side the
    labels were on (the front's inset: left; the back's: right). They were drawn on their regions, 10 px apart:
    "labium minus" overlapped "scrotum or labium majus" and crossed the regions' outlines once raised for a
    phone. Returns the labels by their index in ``chart.labels``, and the leader lines."""
    idx = [i for i, e in enumerate(chart.labels) if _is_inset_label(chart, e)]
    frame = [e for e in chart.silhouette if _bbox([e])[1] >= INSET_TOP or e.get("class") == "inset-frame"]
    if not idx or not frame:
        return {}, []
    fx0, fy0, fx1, _fy1 = _bbox(frame)
    # label blocks: a label and its continuation lines ("scrotum or" / "labium majus")
    blocks: list[list[int]] = []
    for i in idx:
        e = chart.labels[i]
        last = chart.labels[blocks[-1][-1]] if blocks else None
        base = float(e.get("font-size", "9"))
        if (
            last is not None
            and last.get("x") == e.get("x")
            and last.get("text-anchor") == e.get("text-anchor")
            and 0 < float(e.get("y", "0")) - float(last.get("y", "0")) <= base * 1.6
        ):
            blocks[-1].append(i)
        else:
            blocks.append([i])
    out: dict[int, list[str]] = {}
    leaders: list[str] = []
    # below the inset's title (raised for print, it wraps to lines that reach below the frame's top)
    top = -1e9
    for e in chart.labels:
        ty = float(e.get("y", "0"))
        if INSET_TOP <= ty < fy0:
            size = (
                max(float(e.get("font-size", "9")), style.text_min / k)
                if style.text_min
                else float(e.get("font-size", "9"))
            )
            x = float(e.get("x", "0"))
            n = len(wrap(e.text or "", 2 * min(x, chart.width - x) - 2, size, e.get("font-weight") == "bold"))
            top = max(top, ty + (n - 1) * size * 1.15 + size * 0.25)
    bottom = {"left": top, "right": top}
    # beside the other labels inside the frame too (RIGHT and LEFT, raised for print, reach past its edges)
    for e in chart.labels:
        ty = float(e.get("y", "0"))
        if ty >= fy0 and not _is_inset_label(chart, e):
            bold = e.get("font-weight") == "bold"
            size = (
                max(float(e.get("font-size", "9")), style.text_min / k)
                if style.text_min
                else float(e.get("font-size", "9"))
            )
            x, tw = float(e.get("x", "0")), text_width(e.text or "", size, bold)
            anchor = e.get("text-anchor", "start")
            left = x - tw / 2 if anchor == "middle" else (x - tw if anchor == "end" else x)
            fx0, fx1 = min(fx0, left), max(fx1, left + tw)
    for block in sorted(blocks, key=lambda b: float(chart.labels[b[0]].get("y", "0"))):
        first = chart.labels[block[0]]
        base = float(first.get("font-size", "9"))
        size = max(base, style.text_min / k) if style.text_min else base
        x0, y0 = float(first.get("x", "0")), float(first.get("y", "0"))
        anchor = first.get("text-anchor", "start")
        text = " ".join(chart.labels[i].text or "" for i in block)
        width0 = text_width(chart.labels[block[0]].text or "", base)
        cx = x0 - width0 / 2 if anchor == "end" else (x0 + width0 / 2 if anchor == "start" else x0)
        target = (cx, y0 - base * 0.35 + base * 0.55 * (len(block) - 1))  # the middle of where it was drawn
        # both halves draw the same regions: a label goes to its own side's column, or, where that column has run
        # lower (labels raised for print), to the other side's, its leader to the mirror-image region
        own = "left" if cx < chart.width / 2 else "right"
        gap = max(2.5, size * 0.45)
        lines_for: dict[str, list[str]] = {}
        y_for: dict[str, float] = {}
        for col in ("left", "right"):
            edge = fx0 - 6 if col == "left" else fx1 + 6
            room = max(edge if col == "left" else chart.width - edge, 120.0)
            if style.one_label_column:  # a screen: a narrow column, the picture no wider than a phone shows
                room = RESULT_LABEL_ROOM / k
            lines = [chart.labels[i].text or "" for i in block]
            lines_for[col] = wrap(text, room, size) if any(text_width(ln, size) > room for ln in lines) else lines
            y_for[col] = max(y0, bottom[col] + size * 0.8 + gap)
        other = "right" if own == "left" else "left"
        column = other if not style.one_label_column and y_for[other] < y_for[own] - size else own
        if column != own:
            target = (chart.width - target[0], target[1])
        edge = fx0 - 6 if column == "left" else fx1 + 6
        lines, y = lines_for[column], y_for[column]
        tag_anchor = "end" if column == "left" else "start"
        for j, line in enumerate(lines):
            label = ET.Element(first.tag, dict(first.attrib))
            label.set("font-size", _fmt(size))
            label.set("x", _fmt(edge))
            label.set("y", _fmt(y + j * size * 1.15))
            label.set("text-anchor", tag_anchor)
            label.set("class", "inset-label")
            label.text = line
            out.setdefault(block[0], []).append(_serialise(label))
        mid = y + (len(lines) - 1) * size * 1.15 / 2 - size * 0.3
        bottom[column] = y + (len(lines) - 1) * size * 1.15 + size * 0.25
        start = edge + (2 if column == "left" else -2)
        leaders.append(
            f'<path class="leader" d="M{_fmt(start)},{_fmt(mid)} L{_fmt(target[0])},{_fmt(target[1])}" fill="none" '
            f'stroke="{palette.MUTED_INK}" stroke-width="0.7" vector-effect="non-scaling-stroke"/>'
        )
        leaders.append(
            f'<circle class="leader-dot" cx="{_fmt(target[0])}" cy="{_fmt(target[1])}" r="1.4" '
            f'fill="{palette.MUTED_INK}"/>'
        )
    return out, leaders


def _figure(
    chart: Chart,
    sides: Sequence[str],
    effects: dict[str, dict[str, str]],
    names: dict[str, str],
    interactive: bool,
    style: Style,
    k: float,
) -> str:
    """The drawing of one chart (silhouette, regions, marks, labels) in the chart's own units, unscaled: a
    whole-body view with both halves, a close-up for ``sides[0]`` (reflected for the right side). ``k`` is the
    scale it will be shown at (labels raised to ``style.text_min`` are raised in shown px)."""
    view = chart.view
    body = view in BODY_VIEWS
    w = chart.width
    drawn = ["right", "left"] if body else [sides[0]]
    mirrored = not body and sides[0] == "right"
    out: list[str] = []
    whole = f' transform="translate({w},0) scale(-1,1)"' if mirrored else ""
    sil = "\n".join(_serialise(e) for e in chart.silhouette)
    out.append(f"<g{whole}>")
    out.append(
        f'<g class="silhouette-edge" fill="none" stroke="{palette.OUTLINE}" stroke-width="3" '
        f'stroke-linejoin="round">{sil}</g>'
    )
    out.append(f'<g class="silhouette" fill="{palette.SILHOUETTE}" stroke="none">{sil}</g>')
    for side in drawn:
        layer = f' transform="translate({w},0) scale(-1,1)"' if side == "right" and body else ""
        shading = dict(effects.get(side, {}))
        if "midline" in sides and (side == "left" or not body):  # midline losses are drawn on the left half
            shading.update(effects.get("midline", {}))
        out.append(
            f'<g class="regions" data-view="{view}" data-side="{side}" stroke="{palette.REGION_LINE}" '
            f'stroke-width="0.6" stroke-linejoin="round"{layer}>'
        )
        for e in chart.regions:
            rid = _region_id(e)
            effect = shading.get(rid, "unaffected")
            out.append(_region_xml(e, view, side, effect, names.get(rid, rid), interactive))
        out.append("</g>")
    out.append(
        f'<g class="marks" fill="none" stroke="{palette.OUTLINE}" stroke-width="0.8" stroke-linecap="round" '
        'pointer-events="none">' + "".join(_serialise(e) for e in chart.marks) + "</g>"
    )
    out.append("</g>")
    labels = _chart_labels(chart, mirrored, style, k)
    out.append(
        f'<g class="labels" font-family="{FONT}" font-size="9" fill="{palette.MUTED_INK}" pointer-events="none">'
        + "".join(labels)
        + "</g>"
    )
    return "\n".join(out)


def _panel(
    view: str,
    sides: Sequence[str],
    effects: dict[str, dict[str, str]],
    names: dict[str, str],
    interactive: bool = False,
    style: Style = Style(),
) -> tuple[str, float, float]:
    """One view, its regions drawn for ``sides``: SVG fragment (at the origin), its width and height.

    A whole-body view draws both halves (right and left) whatever ``sides`` says; ``sides`` then only names what
    is shaded. A close-up is drawn for ``sides[0]``, reflected when that is the right side."""
    chart = load_chart(view)
    body = view in BODY_VIEWS
    if body and style.inset_beside:  # the figure filling the height, its inset beside it (as in the pickers)
        shaded = [s for s in ("right", "left") if effects.get(s)]
        caption = _caption(view, "left") + (f" Shaded: {' and '.join(shaded)} side." if shaded else "")
        drawing, pw, ph = _picker_body(view, names, style, effects, sides, interactive, caption)
        fragment = f'<g class="panel" data-view="{view}" data-sides="right left" data-width="{_fmt(pw)}">{drawing}</g>'
        return fragment, pw, ph
    k = style.body_scale if body and style.body_scale else SCALE[view]
    w, h = chart.width, float(chart.height)
    drawn = ["right", "left"] if body else [sides[0]]
    drawing = _figure(chart, sides, effects, names, interactive, style, k)
    figure = f'<g transform="scale({k})">' + drawing + "</g>"
    # a picker's raised labels, laid out top down, may run below the chart: its caption goes below them, not over
    # them (print keeps its height: the report's 7 pt bound is computed on it)
    labels = _text_bbox(drawing[drawing.rindex('<g class="labels"') :]) if interactive else None
    h = max(h, labels[3] + 2) if labels else h

    pw = w * k
    if body:
        header = f"{VIEW_TITLE[view]}, right and left sides"
        shaded = [s for s in ("right", "left") if effects.get(s)]
        caption = _caption(view, "left")
        if shaded:
            caption += f" Shaded: {' and '.join(shaded)} side."
    else:
        header = f"{VIEW_TITLE[view]}: {sides[0].upper()} side"
        caption = _caption(view, sides[0])
    if "midline" in sides:
        header += " (midline losses drawn on the left)"
    hsize, csize = style.size(13), style.size(10.5)
    head_lines = wrap(header, pw, hsize, bold=True)
    cap_lines = wrap(caption, pw, csize)
    top = hsize * LINE * len(head_lines) + 6
    head = _text_lines(head_lines, pw / 2, hsize, hsize, "middle", f' fill="{palette.INK}"', bold=True)
    cap = _text_lines(cap_lines, pw / 2, top + h * k + 6 + csize, csize, "middle", f' fill="{palette.MUTED_INK}"')
    fragment = (
        f'<g class="panel" data-view="{view}" data-sides="{" ".join(drawn if body else sides[:1])}" '
        f'data-width="{_fmt(pw)}">{head}<g transform="translate(0,{_fmt(top)})">{figure}</g>{cap}</g>'
    )
    return fragment, pw, top + h * k + 6 + csize * LINE * len(cap_lines) + 4


def _effects(deficit: Deficit) -> tuple[dict[str, dict[str, str]], dict[str, str | None]]:
    effects: dict[str, dict[str, str]] = {}
    preferred: dict[str, str | None] = {}
    for loss in deficit.sensory:
        effect = loss.effect if loss.effect in FILL else "hypoaesthetic"
        effects.setdefault(loss.side, {})[loss.target.id] = effect
        preferred[loss.target.id] = loss.target.chart
    return effects, preferred


def _names(atlas: Atlas | None) -> dict[str, str]:
    if atlas is None:
        from neurectomy.api import default_atlas

        atlas = default_atlas()
    return {t.id: t.name for t in atlas.targets if t.kind == "skin"}


def _bbox(elements: Iterable[ET.Element]) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of polygons and paths (absolute M/L/Q/Z commands: every pair of numbers a point)."""
    xs: list[float] = []
    ys: list[float] = []
    for e in elements:
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", e.get("points") or e.get("d") or "")]
        xs.extend(nums[0::2])
        ys.extend(nums[1::2])
    return min(xs), min(ys), max(xs), max(ys)


def _text_bbox(fragment: str) -> tuple[float, float, float, float] | None:
    """Left, top, right, bottom of the ``<text>`` elements of an SVG fragment (untransformed), or None."""
    boxes = []
    for t in ET.fromstring(f'<g xmlns="{SVG_NS}">{fragment}</g>').iter(f"{{{SVG_NS}}}text"):
        size = float(t.get("font-size", "9"))
        width = text_width(t.text or "", size, t.get("font-weight") == "bold")
        x, y, anchor = float(t.get("x", "0")), float(t.get("y", "0")), t.get("text-anchor", "start")
        left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
        boxes.append((left, y - size * 0.8, left + width, y + size * 0.25))
    if not boxes:
        return None
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _union(*boxes: tuple[float, float, float, float] | None) -> tuple[float, float, float, float]:
    real = [b for b in boxes if b is not None]
    return min(b[0] for b in real), min(b[1] for b in real), max(b[2] for b in real), max(b[3] for b in real)


def split_inset(chart: Chart) -> tuple[Chart, Chart]:
    """A whole-body chart cut in two: the figure, and the inset drawn below its feet (genitalia and perineum from
    the front and below): every element wholly below :data:`INSET_TOP` goes to the inset."""

    def below(e: ET.Element) -> bool:
        if _local(e.tag) == "text":
            return float(e.get("y", "0")) >= INSET_TOP
        return _bbox([e])[1] >= INSET_TOP

    def part(inset: bool) -> Chart:
        pick = lambda els: tuple(e for e in els if below(e) == inset)  # noqa: E731
        return Chart(
            chart.view,
            chart.width,
            chart.height,
            *map(pick, (chart.silhouette, chart.regions, chart.marks, chart.labels)),
        )

    return part(False), part(True)


def _frame_side_labels(inset: Chart, style: Style, k: float) -> Chart:
    """The inset with room for its side labels (RIGHT, LEFT) inside its frame: the frame's top raised above the
    drawing by a line of them and each label inside its half of the frame, clear of the border. Raised to a
    screen's size they sat on the frame's top edge and ran out past its sides (as drawn in the chart, 16 px from
    the frame's top at 9 px, there was no room for them at 24 px)."""
    frame = [e for e in inset.silhouette if _bbox([e])[1] >= INSET_TOP]
    sides = [
        e
        for e in inset.labels
        if e.get("font-weight") == "bold"
        and (e.text or "").strip() in ("LEFT", "RIGHT")
        and not _is_inset_label(inset, e)
    ]
    if len(frame) != 1 or not sides:
        return inset
    fx0, fy0, fx1, fy1 = _bbox(frame)
    drawn = [e for e in (*inset.regions, *inset.marks) if _bbox([e])[1] >= fy0]
    content_top = _bbox(drawn)[1] if drawn else fy0
    sizes = [
        max(float(e.get("font-size", "9")), style.text_min / k) if style.text_min else float(e.get("font-size", "9"))
        for e in sides
    ]
    size = max(sizes)
    m = max(2.0, 0.3 * size)
    top = min(fy0, content_top - 2 * m - 1.05 * size)
    mid = (fx0 + fx1) / 2
    labels: list[ET.Element] = []
    for e in inset.labels:
        if e not in sides:
            labels.append(e)
            continue
        bold_size = (
            max(float(e.get("font-size", "9")), style.text_min / k)
            if style.text_min
            else float(e.get("font-size", "9"))
        )
        width = text_width(e.text or "", bold_size, True)
        lo, hi = (fx0 + m, mid - m) if float(e.get("x", "0")) < mid else (mid + m, fx1 - m)
        x = min(max(float(e.get("x", "0")), lo + width / 2), hi - width / 2)
        label = ET.Element(e.tag, dict(e.attrib))
        label.set("x", _fmt(x))
        label.set("y", _fmt(top + m + 0.8 * bold_size))
        label.set("text-anchor", "middle")
        label.text = e.text
        labels.append(label)
    box = ET.Element(frame[0].tag, {k2: v for k2, v in frame[0].attrib.items() if k2 != "d"})
    box.set("class", "inset-frame")
    box.set(
        "d", f"M{_fmt(fx0)},{_fmt(top)} L{_fmt(fx1)},{_fmt(top)} L{_fmt(fx1)},{_fmt(fy1)} L{_fmt(fx0)},{_fmt(fy1)}Z"
    )
    silhouette = tuple(box if e is frame[0] else e for e in inset.silhouette)
    return dataclasses.replace(inset, silhouette=silhouette, labels=tuple(labels))


def _picker_body(
    view: str,
    names: dict[str, str],
    style: Style,
    effects: dict[str, dict[str, str]] | None = None,
    sides: Sequence[str] = ("right",),
    interactive: bool = True,
    caption: str | None = None,
) -> tuple[str, float, float]:
    """A whole-body picker laid out so that the figure fills the picture's height: the figure cropped to itself
    (head to feet, both halves), and beside it a column with the view's title, its caption and the inset (which
    the result maps draw below the feet, where it made the picture a third taller and the figure at "Fit" about
    140 px wide in a 700 px picker)."""
    chart = load_chart(view)
    figure, inset = split_inset(chart)
    margin, gap = 8.0, 22.0
    # the inset's title (the labels above its drawing) goes to the column, wrapped to its width
    top = _bbox(inset.silhouette)[1]
    titled = [e for e in inset.labels if float(e.get("y", "0")) < top]
    inset = dataclasses.replace(inset, labels=tuple(e for e in inset.labels if e not in titled))
    effects = effects or {}
    fig_svg = _figure(figure, sides, effects, names, interactive, style, 1.0)
    # a picker's inset names its regions on hover and focus (the output under the chart), as every other region:
    # raised to a phone's size, its labels overlapped each other and its regions' outlines, and set in a column
    # beside it they made the picture too wide for a phone (or the inset's smallest regions too small to tap)
    # a result map's inset is drawn smaller, its labels at full size in a column beside it (the picture no wider
    # than a phone shows at 10 px texts)
    s = 1.0 if interactive else RESULT_INSET_SCALE
    if interactive:
        inset = dataclasses.replace(inset, labels=tuple(e for e in inset.labels if not _is_inset_label(inset, e)))
    inset = _frame_side_labels(inset, style, s)
    inset_svg = _figure(inset, sides, effects, names, interactive, style, s)
    fx0, fy0, fx1, fy1 = _union(_bbox(figure.silhouette), _text_bbox(fig_svg))
    ix0, iy0, ix1, iy1 = (v * s for v in _union(_bbox(inset.silhouette), _text_bbox(inset_svg)))
    col = max(ix1 - ix0, PICKER_COLUMN_MIN)
    col_x = margin + (fx1 - fx0) + gap
    hsize, csize = style.size(13), style.size(10.5)
    head_lines = wrap(f"{VIEW_TITLE[view]}, right and left sides", col, hsize, bold=True)
    cap_lines = wrap(caption or _caption(view, "left"), col, csize)
    y = margin + hsize
    texts = _text_lines(head_lines, col_x + col / 2, y, hsize, "middle", f' fill="{palette.INK}"', bold=True)
    y += hsize * LINE * len(head_lines) + 4 + csize
    texts += _text_lines(cap_lines, col_x + col / 2, y, csize, "middle", f' fill="{palette.MUTED_INK}"')
    y += csize * LINE * len(cap_lines) + 24
    if titled:
        tsize = style.size(9)
        named = " (point at or Tab to a region for its name)" if interactive else ""
        inset_lines = wrap(" ".join(e.text or "" for e in titled) + named, col, tsize)
        texts += _text_lines(inset_lines, col_x + col / 2, y, tsize, "middle", f' fill="{palette.MUTED_INK}"')
        y += tsize * LINE * (len(inset_lines) - 1) + tsize * 0.25 + 8
    inset_dx = col_x + (col - (ix1 - ix0)) / 2 - ix0
    fragment = (
        f'<g class="figure" transform="translate({_fmt(margin - fx0)},{_fmt(margin - fy0)})">{fig_svg}</g>'
        f'<g class="panel-text">{texts}</g>'
        f'<g class="inset" transform="translate({_fmt(inset_dx)},{_fmt(y - iy0)}) scale({_fmt(s)})">{inset_svg}</g>'
    )
    width = col_x + col + margin
    height = max(margin + (fy1 - fy0), y + (iy1 - iy0)) + margin
    return fragment, width, height


def render_picker(atlas: Atlas | None, view: str) -> str:
    """A blank chart to pick regions on: both sides, every region a focusable toggle button (``data-region`` =
    skin-region id, ``data-side``, an ``aria-label`` naming region and side), no title or legend (the page gives
    those). A close-up shows the right and the left one side by side, or one above the other: the ``<svg>``'s
    ``data-row`` and ``data-column`` are the viewBoxes of the two layouts and each side's ``<g>`` has its transform
    for each, so the page can take the one that draws larger in its box (a phone: one above the other, where the
    head side by side was drawn at a third of its size); a whole-body view, the figure filling the height with
    its inset beside it (:func:`_picker_body`)."""
    if view not in VIEWS:
        raise ValueError(f"unknown body-map view {view!r}; choose from {', '.join(VIEWS)}")
    names = _names(atlas)
    title = f"{VIEW_TITLE[view]}: choose skin regions"
    layouts = ""
    if view in BODY_VIEWS:
        placed, width, height = _picker_body(view, names, Style(text_min=PICKER_BODY_TEXT_MIN, one_label_column=True))
    else:
        style = Style(text_min=PICKER_TEXT_MIN)
        panels = [_panel(view, [side], {}, names, interactive=True, style=style) for side in ("right", "left")]
        gap, margin = 24.0, 8.0
        pw, ph = max(p[1] for p in panels), max(p[2] for p in panels)
        width, height = 2 * pw + gap + 2 * margin, ph + 2 * margin
        column = f"0 0 {_fmt(pw + 2 * margin)} {_fmt(2 * ph + gap + 2 * margin)}"
        placed = "".join(
            f'<g class="side" transform="translate({_fmt(margin + i * (pw + gap))},{_fmt(margin)})" '
            f'data-row="translate({_fmt(margin + i * (pw + gap))},{_fmt(margin)})" '
            f'data-column="translate({_fmt(margin)},{_fmt(margin + i * (ph + gap))})">{fragment}</g>'
            for i, (fragment, _pw, _ph) in enumerate(panels)
        )
        layouts = f' data-row="0 0 {_fmt(width)} {_fmt(height)}" data-column="{column}"'
    return (
        f'<svg xmlns="{SVG_NS}" width="{_fmt(width)}" height="{_fmt(height)}" viewBox="0 0 {_fmt(width)} '
        f'{_fmt(height)}" class="bodymap-picker" data-view="{view}"{layouts} role="group" '
        f'aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title><defs>{palette.pattern_defs()}</defs>"
        f'<rect width="100%" height="100%" fill="{palette.PAGE}"/>' + placed + "</svg>\n"
    )


def render_svg(
    deficit: Deficit,
    atlas: Atlas | None = None,
    views: Sequence[str] | None = None,
    *,
    text_min: float | None = None,
    max_row_width: float = MAX_ROW_WIDTH,
    body_scale: float | None = None,
    only_view: str | None = None,
    legend: bool = True,
    screen: bool = False,
) -> str:
    """One standalone SVG of the skin a deficit leaves numb, on the charts that show it.

    Anaesthetic regions are solid blue and cross-hatched, hypoaesthetic ones striped, unaffected charted regions
    plain. ``views`` forces the charts to draw (names in :data:`VIEWS`); by default, the ones holding affected
    regions. ``text_min`` raises every text to at least that many px (for print); ``max_row_width`` is where the
    panels wrap to a new row; ``body_scale`` draws the whole-body views smaller or larger than :data:`SCALE`.
    ``only_view`` keeps one of the views chosen by default (for print, one picture per view); ``legend=False``
    leaves the legend out (print draws it once, :func:`render_print_legend`). ``screen``: for a web page, as wide
    as its panels (a lone front view was drawn in the left half of a 640 px picture) and with a second layout, the
    panels one above the other, that the page takes on a narrow screen (the ``<svg>``'s ``data-row`` and
    ``data-column``); the texts above and below the panels are wrapped to the narrower one.
    """
    names = _names(atlas)
    style = Style(text_min, body_scale, one_label_column=screen, inset_beside=screen)
    effects, preferred = _effects(deficit)
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
        if only_view is not None:
            per_view = {only_view: per_view.get(only_view, sides)}
    else:
        unknown = [v for v in views if v not in VIEWS]
        if unknown:
            raise ValueError(f"unknown body-map view(s) {', '.join(unknown)}; choose from {', '.join(VIEWS)}")
        per_view = {v: sides for v in views}

    panels: list[tuple[str, float, float]] = []
    for view in VIEWS:
        if view not in per_view:
            continue
        if view in BODY_VIEWS:  # one figure, both halves drawn and shaded where they have losses
            panels.append(_panel(view, sides, effects, names, style=style))
        else:
            panels.extend(
                _panel(view, [side], effects, names, style=style)
                for side in sides
                if side in per_view[view] and side != "midline"
            )
            if "midline" in per_view[view] and not any(s in per_view[view] for s in ("left", "right")):
                panels.append(_panel(view, ["left", "midline"], effects, names, style=style))

    # ---- lay the panels out in rows (the picture's own layout), and one above the other (a narrow screen: the
    # ``<svg>``'s data-row and data-column viewBoxes, each panel's and the foot's transform for each; the page takes
    # the one that shows the texts larger, see app.js layOut)
    gap, margin = 28.0, 20.0
    rows: list[list[tuple[str, float, float]]] = [[]]
    width = 0.0
    for p in panels:
        if rows[-1] and width + gap + p[1] > max_row_width:
            rows.append([])
            width = 0.0
        width += (gap if rows[-1] else 0.0) + p[1]
        rows[-1].append(p)
    row_w = max(sum(p[1] for p in row) + gap * (len(row) - 1) for row in rows) + 2 * margin
    column_w = max(p[1] for p in panels) + 2 * margin
    if screen:  # the texts above and below the panels are wrapped to the narrower layout, so they serve both
        total_w, inner = row_w, column_w - 2 * margin
    else:
        total_w = max(row_w, 640.0)
        inner = total_w - 2 * margin

    # ---- title and counts, wrapped to the picture's width
    n_an = sum(1 for side in effects.values() for e in side.values() if e == "anaesthetic")
    n_hy = sum(1 for side in effects.values() for e in side.values() if e == "hypoaesthetic")
    side_text = " and ".join(sides)
    title = f"Expected skin sensory loss: {_cut_text(deficit)}"
    sub = (
        f"{n_an} region(s) anaesthetic, {n_hy} hypoaesthetic; side with a loss: {side_text}. "
        + _drawn_text(per_view, sides)
        if effects
        else f"No skin sensation is lost; side: {side_text}."
    )
    tsize, ssize = style.size(16), style.size(11.5)
    title_lines = wrap(title, inner, tsize, bold=True)
    sub_lines = wrap(sub, inner, ssize)
    head = _text_lines(title_lines, margin, 8 + tsize, tsize, extra=f' fill="{palette.INK}"', bold=True)
    y = 8 + tsize * LINE * len(title_lines) + 4
    sub_text = _text_lines(sub_lines, margin, y + ssize, ssize, extra=f' fill="{palette.MUTED_INK}"')
    y += ssize * LINE * len(sub_lines) + 16
    top = y

    placed: list[str] = []
    column_y = top
    for row in rows:
        x = margin
        for fragment, pw, ph in row:
            at_row = f"translate({_fmt(x)},{_fmt(y)})"
            at_column = f"translate({_fmt(margin)},{_fmt(column_y)})"
            placed.append(f'<g transform="{at_row}" data-row="{at_row}" data-column="{at_column}">{fragment}</g>')
            x += pw + gap
            column_y += ph + gap
        y += max(ph for _f, _pw, ph in row) + gap

    # ---- legend and disclaimer (drawn from 0, placed below the panels of either layout)
    key: list[str] = []
    foot_y = 0.0
    if legend:
        key, foot_y = _legend(style, margin, 0.0, inner)
    foot_y += 12
    dsize = style.size(11)
    disclaimer = wrap(f"{DISCLAIMER}. Schematic charts; territories vary between people.", inner, dsize)
    foot = _text_lines(disclaimer, margin, foot_y, dsize, extra=f' font-style="italic" fill="{palette.INK}"')
    foot_h = foot_y + dsize * LINE * len(disclaimer) + 8
    total_h = y + foot_h
    column_h = column_y + foot_h
    at_row, at_column = f"translate(0,{_fmt(y)})", f"translate(0,{_fmt(column_y)})"
    layouts = (
        f' data-row="0 0 {_fmt(total_w)} {_fmt(total_h)}" data-column="0 0 {_fmt(column_w)} {_fmt(column_h)}"'
        if screen and len(rows[0]) > 1
        else ""
    )
    parts = [
        f'<svg xmlns="{SVG_NS}" width="{_fmt(total_w)}" height="{_fmt(total_h)}" '
        f'viewBox="0 0 {_fmt(total_w)} {_fmt(total_h)}" data-sides="{" ".join(sides)}" '
        f'data-views="{" ".join(v for v in VIEWS if v in per_view)}" data-rows="{len(rows)}" class="bodymap"{layouts} '
        f'role="group" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f"<defs>{palette.pattern_defs()}</defs>",
        f'<rect width="100%" height="100%" fill="{palette.PAGE}"/>',
        head,
        sub_text,
        *placed,
        f'<g class="foot" transform="{at_row}" data-row="{at_row}" data-column="{at_column}">',
        *key,
        foot,
        "</g>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _drawn_text(per_view: dict[str, list[str]], sides: Sequence[str]) -> str:
    """What the picture draws, in words (it said "the front and back views draw both sides; a close-up is drawn
    for each side with a loss" where only the front was drawn)."""
    body = [{"anterior": "front", "posterior": "back"}[v] for v in VIEWS if v in per_view and v in BODY_VIEWS]
    close = [
        f"{VIEW_TITLE[v].lower()} ({' and '.join(s for s in sides if s in per_view[v] and s != 'midline') or 'left'})"
        for v in VIEWS
        if v in per_view and v not in BODY_VIEWS
    ]
    parts = []
    if body:
        parts.append(f"the {' and '.join(body)} of the body, both sides")
    if close:
        parts.append(f"close-up{'s' if len(close) > 1 else ''} of the {'; '.join(close)}")
    return f"Drawn: {'; '.join(parts)}." if parts else ""


def _legend(style: Style, x: float, y: float, width: float) -> tuple[list[str], float]:
    """The legend's SVG elements, its top left at (``x``, ``y``) and wrapped to ``width``; and the y below it."""
    lsize = style.size(11)
    out = [f'<g class="legend" font-family="{FONT}" font-size="{_fmt(lsize)}" fill="{palette.INK}">']
    box = max(18.0, lsize * 1.6)
    rows_legend = [*((effect, FILL[effect], LEGEND[effect]) for effect in EFFECTS)]
    rows_legend.append(("silhouette", palette.SILHOUETTE, "skin without a charted region"))
    for cls, fill, text in rows_legend:
        lines = wrap(text, width - box - 6, lsize)
        out.append(
            f'<rect class="{cls}" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(box)}" height="{_fmt(box * 0.7)}" '
            f'fill="{fill}" stroke="{palette.OUTLINE}" stroke-width="0.8"/>'
        )
        out.extend(
            f'<text x="{_fmt(x + box + 6)}" y="{_fmt(y + lsize * (0.9 + LINE * i))}">{escape(line)}</text>'
            for i, line in enumerate(lines)
        )
        y += max(box * 0.7, lsize * LINE * len(lines)) + 6
    out.append("</g>")
    return out, y


def text_fits(svg: str) -> list[str]:
    """The texts of a rendered chart that overflow the picture (or the panel they sit in): empty when nothing is
    clipped.

    Every ``<text>`` outside the charts' own labels is measured with :func:`~neurectomy.bodymap.text.text_width`
    and placed by its anchor and the translations above it; it must lie within ``[0, width]`` of the ``<svg>``, or
    within its panel's ``data-width``."""
    root = ET.fromstring(svg)
    bad: list[str] = []

    def visit(el: ET.Element, origin: float, lo: float, hi: float) -> None:
        tag = _local(el.tag)
        if tag == "g":
            if el.get("class") == "labels":
                return
            m = re.match(r"translate\(([-\d.]+)", el.get("transform", ""))
            origin += float(m.group(1)) if m else 0.0
            if el.get("class") == "panel" and el.get("data-width"):
                lo, hi = origin, origin + float(el.get("data-width", "0"))
        elif tag == "text":
            size = float(el.get("font-size", "11"))
            w = text_width(el.text or "", size, el.get("font-weight") == "bold")
            x = origin + float(el.get("x", "0"))
            anchor = el.get("text-anchor", "start")
            left = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
            if left < lo - 0.5 or left + w > hi + 0.5:
                bad.append(el.text or "")
        for child in el:
            visit(child, origin, lo, hi)

    visit(root, 0.0, 0.0, float(root.get("width", "0")))
    return bad


def render_print_svg(deficit: Deficit, atlas: Atlas | None = None) -> str:
    """:func:`render_svg` with print's text sizes, every view in one picture (for a single figure; the report
    uses :func:`render_print_svgs`, one picture per view)."""
    return render_svg(
        deficit, atlas, text_min=PRINT_TEXT_MIN, max_row_width=PRINT_ROW_WIDTH, body_scale=PRINT_BODY_SCALE
    )


def render_print_svgs(deficit: Deficit, atlas: Atlas | None = None) -> list[str]:
    """The body map for the PDF report: one picture per view (both sides of a close-up side by side), without the
    legend (:func:`render_print_legend`, drawn once), texts at least :data:`PRINT_TEXT_MIN` px, so that each,
    shown in its :func:`print_box`, keeps every text at 7 pt or more whatever the number of views or sides."""
    whole = ET.fromstring(render_print_svg(deficit, atlas))
    views = (whole.get("data-views") or "anterior").split()
    return [
        render_svg(
            deficit,
            atlas,
            text_min=PRINT_TEXT_MIN,
            max_row_width=PRINT_ROW_WIDTH,
            body_scale=PRINT_BODY_SCALE,
            only_view=view,
            legend=False,
        )
        for view in views
    ]


def render_print_legend() -> str:
    """The body map's legend alone, at print's text sizes (shown in :data:`PRINT_LEGEND_BOX_PT`)."""
    margin, width = 12.0, 900.0  # wide enough for each row on one line
    items, y = _legend(Style(PRINT_TEXT_MIN), margin, margin, width - 2 * margin)
    height = y + margin - 6
    return (
        f'<svg xmlns="{SVG_NS}" width="{_fmt(width)}" height="{_fmt(height)}" viewBox="0 0 {_fmt(width)} '
        f'{_fmt(height)}" data-views="legend" class="bodymap-legend" role="img" aria-label="Body map legend">'
        f"<defs>{palette.pattern_defs()}</defs>"
        f'<rect width="100%" height="100%" fill="{palette.PAGE}"/>' + "".join(items) + "</svg>\n"
    )


def print_box(svg: str) -> tuple[float, float]:
    """The box (pt, width and height) the report shows a print picture in: a page for a whole-body view or for
    panels in more than one row (a wide close-up, such as the head, drawn for both sides), half a page for a row of
    close-ups (two share a page), less for the legend."""
    root = ET.fromstring(svg)
    views = set((root.get("data-views") or "").split())
    if views == {"legend"}:
        return PRINT_LEGEND_BOX_PT
    if (views and views <= BODY_VIEWS) or int(root.get("data-rows") or "1") > 1:
        return PRINT_BODY_BOX_PT
    return PRINT_BOX_PT


def print_size(svg: str) -> tuple[float, float]:
    """The size (pt, width and height) the report gives a print picture: contained in its :func:`print_box`."""
    root = ET.fromstring(svg)
    k = print_scale(svg)
    return float(root.get("width", "1")) * k, float(root.get("height", "1")) * k


def print_scale(svg: str) -> float:
    """pt per px of a picture shown contained in its :func:`print_box` (as the report does)."""
    root = ET.fromstring(svg)
    box = print_box(svg)
    return min(box[0] / float(root.get("width", "1")), box[1] / float(root.get("height", "1")))


def smallest_text_px(svg: str) -> float:
    """The smallest font size (px, in the picture's own units, chart labels scaled by their panel) of any text."""
    root = ET.fromstring(svg)
    sizes: list[float] = []

    def visit(el: ET.Element, scale: float, inherited: float) -> None:
        m = re.search(r"scale\(([-\d.]+)\)", el.get("transform", ""))
        if m:
            scale *= float(m.group(1))
        size = float(el.get("font-size", inherited))
        if _local(el.tag) == "text" and (el.text or "").strip():
            sizes.append(size * scale)
        for child in el:
            visit(child, scale, size)

    visit(root, 1.0, 16.0)
    return min(sizes)


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
