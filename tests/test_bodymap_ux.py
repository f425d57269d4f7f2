"""Body maps people can read and use (issue 18, item 1): accessible regions, both sides, contrast, wrapped titles,
print sizes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from neurectomy import Cut, lesion
from neurectomy.bodymap import palette
from neurectomy.bodymap.render import (
    BODY_VIEWS,
    MARK,
    VIEWS,
    print_box,
    print_scale,
    print_size,
    render_picker,
    render_print_legend,
    render_print_svgs,
    render_svg,
    smallest_text_px,
    text_fits,
)
from neurectomy.svgtext import text_width, wrap

NS = "{http://www.w3.org/2000/svg}"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _regions(svg: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter() if e.get("data-region")]


@pytest.mark.parametrize("view", VIEWS)
def test_every_picker_region_is_focusable_with_a_name(atlas, view):
    """Bug caught: regions reachable only by mouse (no tabindex/role) or announced without a name."""
    names = {t.id: t.name for t in atlas.targets if t.kind == "skin"}
    regions = _regions(render_picker(atlas, view))
    assert regions
    for e in regions:
        assert e.get("tabindex") == "0" and e.get("role") == "button" and e.get("aria-pressed") == "false"
        label = e.get("aria-label") or ""
        assert label.startswith(names[e.get("data-region")]) and label.endswith(f"{e.get('data-side')} side")


@pytest.mark.parametrize("view", VIEWS)
def test_pickers_draw_both_sides(atlas, view):
    """Bug caught: only the left side drawn, the right described as its mirror image."""
    regions = _regions(render_picker(atlas, view))
    by_side: dict[str, set[str]] = {}
    for e in regions:
        by_side.setdefault(e.get("data-side"), set()).add(e.get("data-region"))
    assert set(by_side) == {"left", "right"}
    assert by_side["left"] == by_side["right"]


def test_result_maps_draw_both_halves_of_the_body_and_name_the_lost_regions():
    """Bug caught: a right-sided cut drawn on the left chart with 'mirror image' text; lost regions unnamed for
    screen readers."""
    d = lesion("lateral cutaneous nerve of thigh", side="right")
    svg = render_svg(d)
    assert "mirror" not in svg
    sides = {e.get("data-side") for e in _regions(svg) if e.get("data-region") == "skin_lateral_thigh"}
    assert sides == {"left", "right"}
    lost = [e for e in _regions(svg) if e.get("data-effect") != "unaffected"]
    assert lost and all(e.get("data-side") == "right" for e in lost)
    assert all(e.get("tabindex") == "0" and "right side" in (e.get("aria-label") or "") for e in lost)


@pytest.mark.parametrize("colour", [palette.LOST, palette.REDUCED, palette.NORMAL, palette.REGION_LINE])
def test_marks_have_three_to_one_contrast(colour):
    """Bug caught: 'reduced' and 'normal' marks at 1.5-1.8:1 against the chart, unreadable for low vision."""
    for background in (palette.PAGE, palette.UNMARKED, palette.SILHOUETTE):
        assert palette.contrast(colour, background) >= 3.0, (colour, background)
    assert palette.contrast(palette.REDUCED, palette.REDUCED_TINT) >= 3.0  # the stripes against their tint
    assert palette.contrast(palette.NORMAL, palette.NORMAL_TINT) >= 3.0


def test_contrast_formula_matches_wcag_reference_values():
    """Bug caught: a contrast function that passes everything (checked against WCAG's known pairs)."""
    assert palette.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert palette.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


def test_states_differ_by_pattern_not_only_colour():
    """Bug caught: lost/reduced told apart by a red/green pair alone."""
    defs = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{palette.pattern_defs()}</svg>')
    shapes = {p.get("id"): sorted(_local(c.tag) for c in p) for p in defs.iter(f"{NS}pattern")}
    assert set(shapes) == {"bm-lost", "bm-reduced", "bm-normal"}
    assert len({tuple(v) for v in shapes.values()}) == 3  # each state has its own kind of mark
    assert MARK["anaesthetic"] != MARK["hypoaesthetic"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@pytest.mark.parametrize(
    ("nerve", "kw"),
    [
        ("lateral cutaneous nerve of thigh", {"mm": 420}),
        ("common fibular nerve", {"at": "fibular neck"}),
        ("sural nerve", {"side": "right", "also": [Cut("superficial fibular nerve", side="right")]}),
    ],
)
def test_long_titles_wrap_instead_of_being_clipped(nerve, kw):
    """Bug caught: '...nerve of thigh at 4 / mm' and '...at fibular necl': titles cut at a fixed character count
    or running past the picture's edge."""
    svg = render_svg(lesion(nerve, **kw))
    assert text_fits(svg) == []
    root = ET.fromstring(svg)
    words = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    title = root.find(f"{NS}title").text
    assert all(w in words for w in title.split())  # every word of the title is drawn


def test_text_fits_detects_an_overflowing_title():
    """Bug caught: a clipping check that passes by construction."""
    svg = render_svg(lesion("sural nerve"))
    assert text_fits(svg) == []
    assert text_fits(svg.replace(">Expected skin", ">" + "E" * 200 + " skin"))


def test_wrapped_lines_fit_when_measured_with_the_real_font():
    """Bug caught: a width estimate narrower than the font, so 'wrapped' lines still overflow."""
    font = pytest.importorskip("PIL.ImageFont")
    if not DEJAVU.exists():
        pytest.skip("DejaVu Sans not installed")
    face = font.truetype(str(DEJAVU), 100)
    text = "Expected skin sensory loss: left lateral cutaneous nerve of thigh at 420 mm; right sural nerve at 80 mm"
    for width in (120, 200, 333):
        lines = wrap(text, width, 13)
        assert " ".join(lines) == text
        for line in lines:
            assert face.getlength(line) * 13 / 100 <= width + 0.5
            assert text_width(line, 13) >= face.getlength(line) * 13 / 100 - 0.5


@pytest.mark.parametrize(
    ("nerve", "kw"),
    [
        ("sural nerve", {}),
        ("sural nerve", {"also": ["right:sural nerve"]}),
        ("lateral cutaneous nerve of thigh", {"mm": 420}),
        ("lateral cutaneous nerve of thigh", {"mm": 420, "also": ["right:lateral cutaneous nerve of thigh"]}),
        ("median nerve", {"at": "carpal tunnel"}),
        ("median nerve", {"also": ["right:median nerve", "right:sural nerve", "left:sural nerve"]}),
        ("supraorbital nerve", {}),
        ("supraorbital nerve", {"also": ["right:supraorbital nerve"]}),
    ],
)
def test_pdf_body_map_text_is_at_least_7_pt(nerve, kw):
    """Bug caught: 3-4 pt chart labels in the PDF (a 1320 px picture shrunk to the A4 text width), and ~5 pt for
    cuts on both sides (a sural cut on both sides drew every view in one 860x1546 px picture shrunk to the box)."""
    pictures = render_print_svgs(lesion(nerve, **kw))
    assert pictures
    for svg in pictures:
        views = ET.fromstring(svg).get("data-views", "").split()
        assert len(views) == 1, "one picture per view"
        assert smallest_text_px(svg) * print_scale(svg) >= 7.0, views
        assert text_fits(svg) == []
        width, height = print_size(svg)
        assert width <= print_box(svg)[0] + 0.01 and height <= print_box(svg)[1] + 0.01
    legend = render_print_legend()
    assert smallest_text_px(legend) * print_scale(legend) >= 7.0 and text_fits(legend) == []


def test_pdf_close_ups_share_a_page_two_at_a_time():
    """Bug caught: every view in one picture, or a close-up given a whole page, so a plan for cuts on both sides
    needs a page per view (fewer views per page means at most two close-ups, not one)."""
    from neurectomy.bodymap.render import PRINT_BODY_BOX_PT

    d = lesion("sural nerve", also=["right:sural nerve"])
    heights = {ET.fromstring(s).get("data-views"): print_size(s)[1] for s in render_print_svgs(d)}
    assert set(heights) == {"posterior", "foot_dorsal", "foot_plantar"}
    a4_text_height, figure_margins = 723.0, 12.0  # report.css: 297 mm less 22 + 20 mm; 0.4em + 0.8em at 10 pt
    assert heights["foot_dorsal"] + heights["foot_plantar"] + 2 * figure_margins <= a4_text_height
    assert heights["posterior"] <= PRINT_BODY_BOX_PT[1] < a4_text_height


def test_report_uses_the_print_rendering():
    """Bug caught: the report embedding the screen rendering, whose labels print at 3-4 pt, or one picture of all
    the views shrunk into the text width (about 5 pt for a sural cut on both sides); and pictures whose size in the
    PDF is not the one the 7 pt check assumed."""
    import base64
    import html
    import re

    from neurectomy import plan
    from neurectomy.report import context, render_html

    p = plan(nerve="sural nerve", side="left", also=["right:sural nerve"])
    ctx = context(p)
    assert len(ctx["body_map"]) == 3
    page = render_html(p)
    for picture in ctx["body_map"]:
        svg = base64.b64decode(picture["src"].split(",", 1)[1]).decode()
        assert smallest_text_px(svg) * print_scale(svg) >= 7.0
        width, height = print_size(svg)
        shown = re.search(
            re.escape(picture["src"]) + r'" style="width:([\d.]+)pt;height:([\d.]+)pt" alt="([^"]*)"', page
        )
        assert shown, "each picture is shown at the size the check assumed"
        assert abs(float(shown.group(1)) - width) < 0.1 and abs(float(shown.group(2)) - height) < 0.1
        alt = html.unescape(shown.group(3))
        assert "left" in alt and "right" in alt and "anaesthetic" in alt


def test_whole_body_views_are_the_symmetric_ones():
    """Bug caught: a close-up treated as a whole-body view (drawn doubled)."""
    assert frozenset({"anterior", "posterior"}) == BODY_VIEWS


@pytest.mark.parametrize("view", sorted(BODY_VIEWS))
def test_whole_body_picker_labels_are_readable_on_a_phone(atlas, view):
    """Bug caught: RIGHT and LEFT on the whole-body picker at about 7 px on a 390 px phone (the chart's 9 px labels
    scaled by the view's 0.8), where the picker is drawn full width at about its own size."""
    svg = render_picker(atlas, view)
    phone_width = 390 - 2 * 17.5  # the page's and the panel's padding (screenshot registry-case-390x844)
    shown = min(1.0, phone_width / float(ET.fromstring(svg).get("width", "1")))
    assert smallest_text_px(svg) * shown >= 10.0


def _label_boxes(svg: str) -> list[list[tuple[str, float, float, float, float]]]:
    """Per panel, each chart label's text and box (left, right, top, bottom) as drawn."""
    panels = []
    for g in ET.fromstring(svg).iter():
        if g.get("class") != "labels":
            continue
        boxes = []
        for t in g:
            size = float(t.get("font-size", g.get("font-size", "9")))
            x, y = float(t.get("x", "0")), float(t.get("y", "0"))
            w = text_width(t.text or "", size, t.get("font-weight") == "bold")
            anchor = t.get("text-anchor", "start")
            left = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
            boxes.append((t.text or "", left, left + w, y - size * 0.8, y + size * 0.25))
        panels.append(boxes)
    return panels


@pytest.mark.parametrize("view", VIEWS)
def test_print_chart_labels_do_not_overlap(view):
    """Bug caught: raised to print size, the charts' small labels ran into each other (the perineum inset's
    'coccyx', 'anus', 'labium minus' ..., 10 px apart at 7 px, printed at 21 px over one another; its title ran
    off both sides of the chart), and the head's 'Face, front view' over 'RIGHT half'."""
    from neurectomy.bodymap.render import PRINT_BODY_SCALE, PRINT_ROW_WIDTH, PRINT_TEXT_MIN

    d = lesion("sural nerve", also=["right:sural nerve"])
    svg = render_svg(
        d, views=[view], text_min=PRINT_TEXT_MIN, max_row_width=PRINT_ROW_WIDTH, body_scale=PRINT_BODY_SCALE
    )
    for boxes in _label_boxes(svg):
        for i, (a, l1, r1, t1, b1) in enumerate(boxes):
            for b, l2, r2, t2, b2 in boxes[i + 1 :]:
                assert not (l1 < r2 - 0.5 and l2 < r1 - 0.5 and t1 < b2 - 0.5 and t2 < b1 - 0.5), (a, b)
