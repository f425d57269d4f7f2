"""The body-map picker and the nerve course in a real browser (issue 18, items 1 and 2). Screenshots of the Find
page and a nerve page at 1366x900 and 390x844 go to ``NEURECTOMY_SHOTS`` (default: the artefacts folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _page(browser: Any, server: str, width: int, height: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    return pg


def test_picker_is_large_keyboard_usable_and_zooms(browser: Any, server: str, artefacts: Path) -> None:
    """Bugs caught: a 110 px picker, regions unreachable by keyboard, no zoom."""
    pg = _page(browser, server, 1366, 900)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto("/find")
    view = pg.locator(".picker .view.active svg")
    assert view.bounding_box()["width"] >= 480
    # Tab to a region of the right thigh and choose it with Enter: its name goes into the form, the side follows
    region = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="right"]')
    region.focus()
    assert pg.evaluate("document.activeElement.dataset.region") == "skin_lateral_thigh"
    pg.keyboard.press("Enter")
    assert "lateral thigh" in pg.locator("#region").input_value().lower()
    assert pg.locator("#side").input_value() == "right"
    assert region.get_attribute("aria-pressed") == "true"
    assert "lateral thigh" in pg.locator(".picker .region-label output").inner_text().lower()
    pg.keyboard.press("Space")  # Space toggles it off again
    assert "lateral thigh" not in pg.locator("#region").input_value().lower()
    # zoom in with the button: the region is drawn larger
    before = region.bounding_box()["width"]
    pg.locator('.picker .zoom-controls button[data-zoom="in"]').click()
    pg.wait_for_timeout(300)
    assert region.bounding_box()["width"] > before * 1.3
    assert not errors, errors
    shots = Path(os.environ.get("NEURECTOMY_SHOTS", str(artefacts)))
    shots.mkdir(parents=True, exist_ok=True)
    pg.locator('.picker .zoom-controls button[data-zoom="reset"]').click()
    pg.screenshot(path=str(shots / "find-1366x900.png"), full_page=False)
    pg.context.close()


def test_screenshots_phone_and_nerve_course(browser: Any, server: str, artefacts: Path) -> None:
    """Bugs caught: a picker narrower than a phone screen; no drawing of a nerve's course on its atlas page."""
    shots = Path(os.environ.get("NEURECTOMY_SHOTS", str(artefacts)))
    shots.mkdir(parents=True, exist_ok=True)
    pg = _page(browser, server, 390, 844)
    pg.goto("/find")
    svg = pg.locator(".picker .view.active svg")
    assert svg.bounding_box()["width"] >= 390 - 2 * 24  # the full width of the screen, less the page margins
    pg.locator(".picker").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / "find-390x844.png"), full_page=False)
    pg.goto("/atlas/nerves/median_nerve")
    pg.wait_for_selector("figure.course svg.course")
    pg.locator("figure.course").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / "nerve-390x844.png"), full_page=False)
    pg.context.close()
    pg = _page(browser, server, 1366, 900)
    pg.goto("/atlas/nerves/median_nerve")
    pg.wait_for_selector("figure.course svg.course")
    assert pg.locator("figure.course svg.course .branch").count() >= 10
    pg.screenshot(path=str(shots / "nerve-1366x900.png"), full_page=True)
    pg.goto("/cut?nerve=median+nerve&at=elbow+(cubital+fossa)")
    pg.wait_for_selector("figure.course svg.course")
    assert pg.locator('figure.course .branch[data-state="lost"]').count() >= 8
    pg.locator("figure.course").scroll_into_view_if_needed()
    pg.screenshot(path=str(shots / "cut-course-1366x900.png"), full_page=False)
    pg.context.close()


def test_picker_opens_with_the_whole_figure_and_a_thigh_click_selects_it(browser: Any, server: str) -> None:
    """Bug caught (review 18, finding 1): the picker opened zoomed to the chart's width (x2.06 at 1366x900), so the
    thighs, legs and feet were clipped and a click on the right lateral thigh landed on the page's footer. It must open
    at Fit (the feet inside the chart) and a click on the thigh, without zooming first, choose it."""
    for width, height in ((1366, 900), (390, 844)):
        pg = _page(browser, server, width, height)
        pg.goto("/find")
        svg = pg.locator(".picker .view.active svg")
        frame = svg.bounding_box()
        if width == 1366:
            assert frame["width"] >= 480
        assert pg.locator(".picker .view.active").get_attribute("data-scale") == "1.00"
        lowest = pg.evaluate(
            "Math.max(...[...document.querySelectorAll('.picker .view.active .region')]"
            ".map((e) => e.getBoundingClientRect().bottom))"
        )
        assert lowest <= frame["y"] + frame["height"] + 1, "the legs are clipped"
        thigh = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="right"]')
        thigh.scroll_into_view_if_needed()
        box = thigh.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        hit = pg.evaluate(f"(() => {{ const e = document.elementFromPoint({x}, {y}); return e && e.id; }})()")
        assert hit == "anterior-right-skin_lateral_thigh", hit
        pg.mouse.click(x, y)
        assert "lateral thigh" in pg.locator("#region").input_value().lower()
        assert pg.locator("#side").input_value() == "right"
        pg.context.close()


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_focused_region_has_a_visible_ring_above_its_neighbours(browser: Any, server: str) -> None:
    """Bug caught (review 18, finding 2; WCAG 2.4.7): a focused region's outline was painted over by its neighbours,
    so only one edge of the focus ring showed. A ring must be drawn above every region group (the last child of the
    regions' layer), at least 2 px wide and at least 3:1 against the region's fill, and go when focus leaves."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find")
    region = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="right"]')
    region.focus()
    ring = pg.evaluate(
        """() => {
          const el = document.activeElement, layer = el.parentNode.parentNode;
          const ring = layer.querySelector(':scope > .focus-ring');
          if (!ring) return null;
          const lines = [...ring.children].map((l) => [l.getAttribute('stroke'),
            parseFloat(l.getAttribute('stroke-width')),
            l.getAttribute('points') === el.getAttribute('points')]);
          return {last: layer.lastElementChild === ring, lines, fill: el.getAttribute('fill'),
                  groupsBefore: [...layer.children].filter((g) => g.classList.contains('regions')).every(
                    (g) => g.compareDocumentPosition(ring) & Node.DOCUMENT_POSITION_FOLLOWING)};
        }"""
    )
    assert ring is not None, "no focus ring drawn"
    assert ring["last"] and ring["groupsBefore"], "the ring is not drawn above the neighbouring regions"
    outer = [line for line in ring["lines"] if line[0] == "#000"]
    assert outer and outer[0][1] >= 2 and outer[0][2], ring
    fill = ring["fill"]
    assert fill.startswith("#") and len(fill) == 7, fill
    lighter, darker = sorted((_luminance(fill), _luminance("#000000")), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3
    pg.locator("#region").focus()
    assert pg.locator(".picker .focus-ring").count() == 0
    pg.context.close()


def test_find_with_a_condition_shows_and_marks_its_regions(browser: Any, server: str) -> None:
    """Bug caught (review 18, finding 8): Find with Morton's neuroma of the third web space showed the front of the
    whole body with nothing marked and an empty regions box, and submitting sent ``region=&region=``. The view that
    holds the condition's regions must open with them marked, the box hold their names, and no empty field be sent."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find?condition=Morton%27s+neuroma+third+web+space")
    active = pg.locator(".picker .view.active")
    assert active.get_attribute("data-view") != "anterior"
    assert active.locator('.region.selected[data-region="skin_plantar_toe3_lateral"]').count() >= 1
    assert "toe" in pg.locator("#region").input_value().lower()
    sent: list[str] = []
    pg.on("request", lambda req: sent.append(req.url) if "/find?" in req.url else None)
    with pg.expect_navigation():
        pg.locator("#find-form button[type=submit]").click()
    assert sent, "the form was not sent"
    assert "region=&" not in sent[-1] + "&", sent[-1]
    assert sent[-1].count("region=") == 1, sent[-1]  # the box with the condition's regions, no empty "add" field
    pg.context.close()


#: the body outline of the active whole-body view on screen (its silhouette, less the inset under the feet, whose
#: elements all lie below y = 845 in the chart's units): left, top, right, bottom in CSS px
_FIGURE_BOX = """() => {
  const parts = [...document.querySelectorAll('.picker .view.active .silhouette > *')]
    .filter((e) => e.getBBox().y < 845).map((e) => e.getBoundingClientRect());
  return [Math.min(...parts.map((r) => r.left)), Math.min(...parts.map((r) => r.top)),
          Math.max(...parts.map((r) => r.right)), Math.max(...parts.map((r) => r.bottom))];
}"""


@pytest.mark.parametrize("path", ["/find", "/localise"])
def test_whole_body_figure_is_large_at_fit(browser: Any, server: str, path: str) -> None:
    """Bug caught (issue 18, cold review): at Fit the whole figure was about 141 px wide in the 693 x 702 px picker
    at 1366 x 900 (122 px on a 390 x 844 phone): the picture held the figure above its inset (genitalia and
    perineum) with a title and caption, so the figure had 70 % of a height-limited picture, and the lateral thigh was
    14 px wide. The figure (head to feet, both halves) must fill the picture's height at Fit, at least 220 px wide on
    the laptop and 160 px on the phone, with the lateral thigh at least 20 (16) px wide and no selectable region
    under 4 px across."""
    for width, height, least, thigh_least in ((1366, 900, 220, 20), (390, 844, 160, 16)):
        pg = _page(browser, server, width, height)
        pg.goto(path)
        pg.wait_for_function("document.querySelector('.picker .view.active').dataset.scale === '1.00'")
        left, top, right, bottom = pg.evaluate(_FIGURE_BOX)
        frame = pg.locator(".picker .view.active svg").bounding_box()
        assert right - left >= least, (width, right - left)
        assert top >= frame["y"] - 1 and bottom <= frame["y"] + frame["height"] + 1, "the figure is clipped at Fit"
        thigh = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="right"]')
        assert thigh.bounding_box()["width"] >= thigh_least
        smallest = pg.evaluate(
            "Math.min(...[...document.querySelectorAll('.picker .view.active .region')].map((e) => {"
            " const r = e.getBoundingClientRect(); return Math.min(r.width, r.height); }))"
        )
        assert smallest >= 4, smallest
        pg.context.close()


def _mean_colour(pg: Any, x: float, y: float, size: int = 6) -> tuple[float, float, float]:
    """The mean colour of a size x size px square of the page centred on (x, y), as drawn."""
    from io import BytesIO

    from PIL import Image

    png = pg.screenshot(clip={"x": x - size / 2, "y": y - size / 2, "width": size, "height": size})
    data = Image.open(BytesIO(png)).convert("RGB").tobytes()
    n = len(data) // 3
    return tuple(sum(data[i::3]) / n for i in range(3))  # type: ignore[return-value]


def _rgb_luminance(rgb: tuple[float, float, float]) -> float:
    return _luminance("#" + "".join(f"{round(c):02x}" for c in rgb))


def _contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((_rgb_luminance(a), _rgb_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_condition_marks_on_the_sole_are_clearly_visible(browser: Any, server: str) -> None:
    """Bug caught (issue 18, cold review): Find with Morton's neuroma opened the sole with its regions selected but
    drawn blank: their fill, the Okabe-Ito blue cross-hatch ``url(#bm-lost)``, comes from the first view's <defs>
    (the front of the body), hidden with ``visibility: hidden``, which the pattern's tiles inherited, so a mark on
    any other view (and the legend's 'chosen' swatch) was painted in nothing but its outline. The marked web-space
    regions must be drawn, as shown on screen, at 3:1 or more against the unmarked sole beside them and against the
    page, and the legend's swatch too."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find?condition=Morton%27s+neuroma+third+web+space")
    view = pg.locator(".picker .view.active")
    assert view.get_attribute("data-view") == "foot_plantar"
    marked = view.locator('.region.selected[data-region="skin_plantar_toe3_lateral"]').first
    marked.scroll_into_view_if_needed()
    box = marked.bounding_box()
    mark = _mean_colour(pg, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    side = marked.get_attribute("data-side")
    other = view.locator(f'.region:not(.selected)[data-region="skin_plantar_toe5_lateral"][data-side="{side}"]')
    obox = other.bounding_box()
    neighbour = _mean_colour(pg, obox["x"] + obox["width"] / 2, obox["y"] + obox["height"] / 2)
    frame = view.locator("svg").bounding_box()
    page = _mean_colour(pg, frame["x"] + 8, box["y"] + box["height"] / 2)
    assert _contrast(mark, neighbour) >= 3, (mark, neighbour)
    assert _contrast(mark, page) >= 3, (mark, page)
    pg.locator(".picker .map-legend").scroll_into_view_if_needed()
    swatch = pg.locator(".picker .map-legend .swatch-svg").first.bounding_box()
    page = _mean_colour(pg, swatch["x"] - 12, swatch["y"] + swatch["height"] / 2)
    legend = _mean_colour(pg, swatch["x"] + swatch["width"] / 2, swatch["y"] + swatch["height"] / 2)
    assert _contrast(legend, page) >= 3, legend
    pg.context.close()


def test_close_up_picker_labels_are_legible_on_a_phone(browser: Any, server: str) -> None:
    """Bug caught (issue 18, cold review): on a 390 x 844 phone the head picker drew both sides side by side at a
    third of its size, its labels ('Face, front view', 'Auricle, back' ...) 3.6 CSS px high; the hands' and feet's
    about 7 px. Every label of a close-up picker must be at least 9 CSS px at Fit on the phone."""
    pg = _page(browser, server, 390, 844)
    pg.goto("/find")
    for view in ("head", "hand_palmar", "hand_dorsal", "foot_dorsal", "foot_plantar"):
        pg.locator(f'.picker .tabs button[data-view="{view}"]').click()
        pg.wait_for_function(f"document.querySelector('.picker .view[data-view=\"{view}\"]').dataset.scale === '1.00'")
        sizes = pg.evaluate(
            f"""[...document.querySelectorAll('.picker .view[data-view="{view}"] svg text')].map((t) => {{
              const m = t.getScreenCTM(); return parseFloat(t.getAttribute('font-size')) * Math.hypot(m.a, m.b); }})"""
        )
        assert sizes and min(sizes) >= 9, (view, min(sizes))
    pg.context.close()


def test_get_form_sends_no_empty_choice_and_the_back_button_restores_it(browser: Any, server: str) -> None:
    """Bug caught (issue 18, cold review): the Find form's URL carried ``side=&sex=`` (empty choices of its
    dropdowns; empty text fields were already left out). An empty choice must not be sent, a chosen one must, the
    page must read the URL without them as it read it with them, and going back must find the dropdowns enabled
    with the choices made."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find")
    pg.locator("#region").fill("skin of lateral thigh")
    pg.locator("#method").select_option(index=1)
    method = pg.locator("#method").input_value()
    with pg.expect_navigation():
        pg.locator("#find-form button[type=submit]").click()
    url = pg.url
    assert "side=" not in url and "sex=" not in url, url
    assert f"method={method}" in url, url
    answer = pg.locator("#result").inner_text()
    pg.go_back()
    pg.wait_for_selector("#find-form")
    assert pg.locator("#side").is_enabled() and pg.locator("#sex").is_enabled()
    assert pg.locator("#method").input_value() == method
    pg.goto(url + "&side=&sex=")
    assert pg.locator("#result").inner_text() == answer
    pg.context.close()
