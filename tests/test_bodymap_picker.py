"""The body-map pickers' geometry (issue 18, cold review): a whole-body figure that fills its picture, close-ups
that can be drawn one side above the other, labels legible on a phone, marks that stand out."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest

from neurectomy.bodymap import palette
from neurectomy.bodymap.render import (
    BODY_VIEWS,
    INSET_TOP,
    VIEWS,
    load_chart,
    render_picker,
    svg_to_png,
)
from neurectomy.svgtext import text_width

NS = "{http://www.w3.org/2000/svg}"
#: the picker's box on a 390 x 844 phone (app.css: full width less the page's and panel's padding; the screen's
#: height less 120 px) and on a 1366 x 900 laptop (the form's wider column; the screen's height less 100 px)
PHONE_BOX = (353.0, 724.0)
LAPTOP_BOX = (693.0, 800.0)
CLOSE_UPS = [v for v in VIEWS if v not in BODY_VIEWS]


def _numbers(e: ET.Element) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", e.get("points") or e.get("d") or "")]


def _translate(g: ET.Element) -> tuple[float, float]:
    m = re.match(r"translate\(([-\d.]+),([-\d.]+)\)", g.get("transform", ""))
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def _fit(viewbox: str, box: tuple[float, float]) -> float:
    _x, _y, w, h = (float(n) for n in viewbox.split())
    return min(box[0] / w, box[1] / h)


@pytest.mark.parametrize("view", sorted(BODY_VIEWS))
def test_whole_body_picker_figure_fills_the_picture(atlas, view):
    """Bug caught: the whole-body picker held the figure above its inset (genitalia and perineum) and between a
    title and a caption, so the figure had 72 % of the picture's height and, the picture being limited by the
    picker's height, came out about 141 px wide at "Fit" in a 693 x 702 px picker. The figure (head to feet) must
    take at least 90 % of the picture's height and the inset sit beside it, not below its feet."""
    root = ET.fromstring(render_picker(atlas, view))
    height = float(root.get("viewBox", "").split()[3])
    figure = next(g for g in root.iter(f"{NS}g") if g.get("class") == "figure")
    inset = next(g for g in root.iter(f"{NS}g") if g.get("class") == "inset")
    fx, _fy = _translate(figure)
    sil = next(g for g in figure.iter(f"{NS}g") if g.get("class") == "silhouette")
    ys = [y for e in sil for y in _numbers(e)[1::2]]
    xs = [x for e in sil for x in _numbers(e)[0::2]]
    assert (max(ys) - min(ys)) / height >= 0.9
    assert max(ys) < INSET_TOP  # the inset is not in the figure's group
    ix, _iy = _translate(inset)
    isil = next(g for g in inset.iter(f"{NS}g") if g.get("class") == "silhouette")
    assert min(x for e in isil for x in _numbers(e)[0::2]) + ix > max(xs) + fx  # beside, right of the figure
    regions = {(e.get("data-region"), e.get("data-side")) for e in root.iter() if e.get("data-region")}
    chart = load_chart(view)
    assert regions == {(r, s) for r in chart.region_ids for s in ("right", "left")}  # every region, both sides


@pytest.mark.parametrize("view", CLOSE_UPS)
def test_close_up_picker_has_a_layout_with_legible_labels_on_a_phone(atlas, view):
    """Bug caught: a close-up picker drew its right and left sides side by side only, so on a phone the head (1080
    px wide) was shown at a third of its size and its labels at 3.6 CSS px (the hands' and feet's at 7). The
    picture must offer a one-above-the-other layout (``data-column`` viewBox, a transform per side) in which every
    text is at least 9 CSS px in the phone's picker box, and keep the side-by-side one (``data-row``)."""
    root = ET.fromstring(render_picker(atlas, view))
    assert root.get("data-row") == root.get("viewBox")
    sides = [g for g in root if g.get("class") == "side"]
    assert len(sides) == 2 and all(g.get("data-row") and g.get("data-column") for g in sides)
    best = max(_fit(root.get(k, ""), PHONE_BOX) for k in ("data-row", "data-column"))
    smallest = min(float(t.get("font-size", "9")) for t in root.iter(f"{NS}text") if (t.text or "").strip())
    assert smallest * best >= 9.0, (view, smallest * best)
    # one above the other: the second side's drawing starts below the first one's
    (x1, y1), (x2, y2) = (tuple(float(n) for n in re.findall(r"[-\d.]+", g.get("data-column", ""))) for g in sides)
    _x, _y, _w, col_h = (float(n) for n in root.get("data-column", "").split())
    assert x1 == x2 and y2 >= col_h / 2 - 20 > y1


@pytest.mark.parametrize("view", sorted(BODY_VIEWS))
def test_whole_body_picker_texts_are_legible_on_a_phone(atlas, view):
    """Bug caught: RIGHT, LEFT and the inset's labels came out at 7 CSS px on a phone, the picture being shown at
    0.68 of its size (its height limited by the picker's box). Every text must be at least 9.5 CSS px in the phone's
    picker box."""
    root = ET.fromstring(render_picker(atlas, view))
    shown = _fit(root.get("viewBox", ""), PHONE_BOX)
    smallest = min(float(t.get("font-size", "9")) for t in root.iter(f"{NS}text") if (t.text or "").strip())
    assert smallest * shown >= 9.5


def _text_boxes(g: ET.Element) -> list[tuple[float, float, float, float]]:
    out = []
    for t in g.iter(f"{NS}text"):
        size = float(t.get("font-size", "9"))
        w = text_width(t.text or "", size, t.get("font-weight") == "bold")
        x, y, anchor = float(t.get("x", "0")), float(t.get("y", "0")), t.get("text-anchor", "start")
        left = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
        out.append((left, y - size * 0.8, left + w, y + size * 0.25))
    return out


@pytest.mark.parametrize("view", CLOSE_UPS)
def test_raised_chart_labels_stay_above_the_caption(atlas, view):
    """Bug caught: a picker's chart labels, raised to be legible on a phone, are laid out top down so that none
    overlaps another, and so may run below the chart, where the panel's caption was drawn over them (the head's
    'tongue, from above' across 'The right side of the head ...'). The caption must start below the lowest label."""
    for svg in [render_picker(atlas, view)]:
        for panel in (g for g in ET.fromstring(svg).iter(f"{NS}g") if g.get("class") == "panel"):
            figure = next(g for g in panel if g.tag == f"{NS}g")
            _dx, dy = _translate(figure)
            scale = float(re.search(r"scale\(([\d.]+)\)", next(iter(figure)).get("transform", "")).group(1))
            labels = next(g for g in figure.iter(f"{NS}g") if g.get("class") == "labels")
            lowest = max(b[3] for b in _text_boxes(labels)) * scale + dy
            children = list(panel)
            caption = ET.Element(f"{NS}g")
            caption.extend(t for t in children[children.index(figure) + 1 :] if t.tag == f"{NS}text")
            caption_top = min(b[1] for b in _text_boxes(caption))
            assert caption_top >= lowest, (view, caption_top, lowest)


def test_the_lost_mark_stands_out_from_an_unmarked_region_and_the_page():
    """Bug caught: the 'all supply lost' mark (Okabe-Ito blue under a white cross-hatch) was, as drawn, 3.1:1
    against an unmarked region: the hatch lightened the blue to the edge of WCAG 1.4.11's 3:1, so a marked toe on
    the sole hardly stood out. The mark's mean colour as rasterised must be at least 3.5:1 against an unmarked
    region and the page, and the hatch still drawn (the tile not one flat colour)."""
    from PIL import Image

    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60"><defs>{palette.pattern_defs()}</defs>'
        '<rect width="60" height="60" fill="url(#bm-lost)"/></svg>'
    )
    image = Image.open(BytesIO(svg_to_png(svg, scale=1.0))).convert("RGB")
    data = image.tobytes()
    n = len(data) // 3
    mean = "#" + "".join(f"{round(sum(data[i::3]) / n):02x}" for i in range(3))
    assert palette.contrast(mean, palette.UNMARKED) >= 3.5, mean
    assert palette.contrast(mean, palette.PAGE) >= 3.5, mean
    colours = sorted({tuple(data[i : i + 3]) for i in range(0, len(data), 3)}, key=sum)
    hatch, blue = ("#" + "".join(f"{c:02x}" for c in colours[k]) for k in (-1, 0))
    assert palette.contrast(hatch, blue) >= 1.3  # the hatch is drawn: the mark has a pattern, not only a colour
