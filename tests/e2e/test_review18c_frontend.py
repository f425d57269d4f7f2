"""Review 18c: defects a cold reviewer found in a real browser at 1366x900 and 390x844 (the Find picker's sides,
Vega charts on a phone, the keyboard on a zoomed body map, autocompletion, body-map labels, the Plan body map)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.pages import close_page as _close
from tests.e2e.pages import open_page as _page

pytestmark = pytest.mark.e2e


def test_find_picker_switching_side_keeps_the_region(browser: Any, server: str) -> None:
    """Bug caught: on /find, clicking the right lateral thigh and then the left one emptied the regions textarea,
    switched Side to left and left both regions unpressed, saying nothing. Now the side switches, the region stays
    chosen (pressed on the left) and a status line says the side changed."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find")
    pg.wait_for_function("document.querySelector('.picker .view.active').dataset.zoom === '1'")
    right = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="right"]')
    left = pg.locator('.picker .view.active .region[data-region="skin_lateral_thigh"][data-side="left"]')
    right.click()
    assert pg.locator("#side").input_value() == "right"
    assert "lateral thigh" in pg.locator("#region").input_value().lower()
    assert right.get_attribute("aria-pressed") == "true"
    left.click()
    assert pg.locator("#side").input_value() == "left"
    assert "lateral thigh" in pg.locator("#region").input_value().lower()
    assert left.get_attribute("aria-pressed") == "true"
    assert right.get_attribute("aria-pressed") == "false"
    status = pg.locator(".picker .picker-status")
    assert status.is_visible()
    assert "left" in status.inner_text().lower() and "side" in status.inner_text().lower()
    # a second click on the same side toggles it off as before, and the status line is cleared
    left.click()
    assert "lateral thigh" not in pg.locator("#region").input_value().lower()
    assert status.inner_text().strip() == ""
    _close(pg)


def _scroll_width(pg: Any) -> int:
    return int(pg.evaluate("document.documentElement.scrollWidth"))


def _charts_drawn(pg: Any) -> None:
    pg.wait_for_function(
        "Array.from(document.querySelectorAll('.vega-chart')).every((el) => el.querySelector('svg.marks'))"
    )


@pytest.mark.parametrize(
    "url",
    ["/plan?procedure=lfcn_neurectomy&side=left", "/simulate?run=course&nerve=sural+nerve"],
)
def test_vega_charts_fit_a_phone(browser: Any, server: str, url: str) -> None:
    """Bug caught: the Vega charts (a facet of three 260 px panels, a 300 px bar chart with its labels) made a 390 px
    phone's page 775-871 px wide (the embed's box grew with the chart, overflow visible). Now every chart is drawn to
    its box's width and the page is no wider than the screen; the chart's plotting area stays usable (>= 150 px)."""
    pg = _page(browser, server, 390, 844)
    pg.goto(url)
    assert pg.locator(".vega-chart").count() >= 1
    _charts_drawn(pg)
    assert _scroll_width(pg) <= 390
    for box in pg.locator(".vega-chart").all():
        chart = box.locator("svg.marks").first
        assert chart.bounding_box()["width"] <= box.bounding_box()["width"] + 1
        assert chart.bounding_box()["width"] >= 150
    _close(pg)


def test_stump_chart_fits_a_phone(browser: Any, server: str) -> None:
    """Bug caught: after Simulate's "Run simulation" on a 390 px phone the stump chart (two 300 px panels side by
    side) made the page 775 px wide. Now the panels are drawn one above the other within the screen."""
    pg = _page(browser, server, 390, 844)
    pg.goto("/simulate")
    pg.fill("#n_axons", "40")
    pg.fill("#days", "20")
    pg.fill("#replicates", "1")
    pg.click("#run-stump")
    pg.wait_for_selector("#stump-chart svg.marks", timeout=60_000)
    assert _scroll_width(pg) <= 390
    _close(pg)


_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
_IN_VIEW = """() => {
  const el = document.activeElement, svg = el.ownerSVGElement.closest('svg');
  const r = el.getBoundingClientRect(), f = svg.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const fits = r.width <= f.width && r.height <= f.height;
  return fits ? r.left >= f.left - 1 && r.right <= f.right + 1 && r.top >= f.top - 1 && r.bottom <= f.bottom + 1
              : cx >= f.left && cx <= f.right && cy >= f.top && cy <= f.bottom;
}"""


def test_zoomed_picker_keyboard_roving_focus_follows(browser: Any, server: str) -> None:
    """Bugs caught: on a picker zoomed in 4x, the view did not follow focus (11 of 60 focused regions were outside
    the visible area), arrow keys neither moved between regions nor panned, and each view had 120 tab stops. Now a
    view is one tab stop, arrow keys move to the nearest region in their direction, every focused region is panned
    into view, Enter toggles it, and Tab leaves the map."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find")
    pg.wait_for_function("document.querySelector('.picker .view.active').dataset.zoom === '1'")
    stops = pg.evaluate(
        "Array.from(document.querySelectorAll('.picker .view.active .region')).filter((r) => r.tabIndex >= 0).length"
    )
    assert stops == 1
    pg.evaluate("document.querySelector('.picker .view.active').panzoom.zoom(4)")
    pg.evaluate(_FRAMES)
    pg.locator('.picker .view.active .region[tabindex="0"]').focus()
    seen: set[str] = set()
    out_of_view: list[str] = []
    moves = ["ArrowDown"] * 14 + ["ArrowRight"] * 4 + ["ArrowUp"] * 14 + ["ArrowLeft"] * 8 + ["ArrowDown"] * 20
    for key in moves:
        pg.keyboard.press(key)
        pg.evaluate(_FRAMES)
        here = pg.evaluate("(({ id, dataset }) => id || dataset.region + '/' + dataset.side)(document.activeElement)")
        assert pg.evaluate("document.activeElement.classList.contains('region')"), key
        seen.add(here)
        if not pg.evaluate(_IN_VIEW):
            out_of_view.append(here)
    assert len(seen) >= 20, seen
    assert not out_of_view, out_of_view
    # the focused region is the view's one tab stop; Enter toggles it
    focused = pg.evaluate("document.activeElement.getAttribute('tabindex')")
    assert focused == "0"
    pressed = pg.evaluate("document.activeElement.getAttribute('aria-pressed')")
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.getAttribute('aria-pressed')") != pressed
    # Tab leaves the map (not to the next of 120 regions)
    pg.keyboard.press("Tab")
    assert not pg.evaluate("Boolean(document.activeElement.closest('.picker .view'))")
    _close(pg)


def _suggests(pg: Any, field: str, typed: str) -> list[str]:
    """Focus an autocompleting field and return its datalist's option values once filled."""
    pg.locator(field).focus()
    list_id = pg.locator(field).get_attribute("list")
    assert list_id, f"{field} has no datalist"
    pg.wait_for_function(f"document.getElementById('{list_id}').options.length > 0")
    pg.locator(field).fill(typed)
    return pg.evaluate(
        f"Array.from(document.getElementById('{list_id}').options).map((o) => o.value + ' | ' + (o.label || ''))"
    )


def test_localise_and_cut_fields_autocomplete_from_the_atlas(browser: Any, server: str) -> None:
    """Bug caught: the Localise numb / reduced feeling / weak / paralysed fields and the Cut page's "More cuts" had
    no autocompletion (textareas, no datalist). Now each has an "add by name" field whose datalist holds the atlas's
    names with their synonyms, and a chosen name joins its list field."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/localise")
    for field, kind_name in (
        ("#numb-add", "lateral thigh"),
        ("#hypo-add", "lateral thigh"),
        ("#weak-add", "tibialis anterior"),
        ("#paralysed-add", "tibialis anterior"),
    ):
        options = _suggests(pg, field, "x")
        assert any(kind_name in o.lower() for o in options), (field, options[:5])
    skin = _suggests(pg, "#numb-add", "x")
    assert not any("tibialis" in o.lower() for o in skin)  # the skin fields suggest skin, the muscle fields muscles
    hit = next(o.split(" | ")[0] for o in skin if "lateral thigh" in o.lower())
    pg.locator("#numb-add").fill(hit)
    pg.locator("#numb-add").dispatch_event("change")
    pg.wait_for_function("document.getElementById('numb').value.toLowerCase().includes('lateral thigh')")
    assert pg.locator("#numb-add").input_value() == ""
    pg.goto("/cut?nerve=sural+nerve")
    options = _suggests(pg, "#also-add", "x")
    assert any(o.lower().startswith("saphenous nerve") for o in options)
    assert any(o.split(" | ")[1] for o in options)  # synonyms as labels
    pg.locator("#also-add").fill("saphenous nerve")
    pg.locator("#also-add").dispatch_event("change")
    pg.wait_for_function("document.getElementById('also').value.includes('saphenous nerve')")
    _close(pg)


def test_find_condition_autocompletes_from_the_conditions_table(browser: Any, server: str) -> None:
    """Bug caught: the Find page's Condition field had no autocompletion. Its datalist (condition-names) holds every
    condition of the conditions table, with synonyms and ICD-10-CM code as labels."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/find")
    options = _suggests(pg, "#condition", "mer")
    assert any("meralgia paresthetica" in o.lower() for o in options)
    assert any("G57.1" in o for o in options)
    _close(pg)


_SMALLEST_TEXT = """(sel) => Math.min(...Array.from(document.querySelectorAll(sel + ' text')).map(
  (t) => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b)))"""


@pytest.mark.parametrize(
    "url", ["/cut?nerve=sural+nerve&side=left", "/cut?nerve=lateral+femoral+cutaneous+nerve&side=left"]
)
def test_result_map_texts_are_legible_on_a_phone(browser: Any, server: str, url: str) -> None:
    """Bug caught: on a 390 px phone the Cut page's body map was drawn at about a third of its size (its panels side
    by side), its region labels about 4 px tall (the pickers had been fixed, the result maps not). Now the map's
    panels go one above the other on a narrow screen and every text of it is at least 9 CSS px at Fit, without
    widening the page."""
    pg = _page(browser, server, 390, 844)
    pg.goto(url)
    pg.wait_for_function("document.querySelector('.mapbox').dataset.zoom === '1'")
    smallest = pg.evaluate(_SMALLEST_TEXT, ".mapbox svg.bodymap")
    assert smallest >= 9.0, smallest
    assert _scroll_width(pg) <= 390
    _close(pg)


def test_plan_body_map_says_what_it_draws_and_uses_the_width(browser: Any, server: str) -> None:
    """Bug caught: the LFCN plan's body map said "The front and back views draw both sides; a close-up is drawn for
    each side with a loss" but drew only the front view, in the left half of the page, about 1,800 px tall at
    1366x900. Now its caption names the views drawn, the map is no taller than the window and its drawing is
    centred in its box; a map of several views (the sural nerve's back, top and sole of the foot) draws them side
    by side."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/plan?procedure=lfcn_neurectomy&side=left")
    pg.wait_for_load_state("load")
    text = pg.evaluate(
        "Array.from(document.querySelectorAll('.mapbox svg.bodymap text')).map((t) => t.textContent).join(' ')"
    )
    assert "front and back views draw both sides" not in text
    assert "Drawn: the front of the body" in text
    svg = pg.locator(".mapbox svg.bodymap").bounding_box()
    assert svg["height"] <= 900
    box = pg.locator(".mapbox").bounding_box()
    drawing = pg.locator(".mapbox svg.bodymap .panel").bounding_box()
    assert abs((drawing["x"] + drawing["width"] / 2) - (box["x"] + box["width"] / 2)) < 0.1 * box["width"]
    assert drawing["height"] >= 0.6 * svg["height"]  # the figure fills the height it is given
    pg.goto("/cut?nerve=sural+nerve&side=left")
    pg.wait_for_function("document.querySelector('.mapbox').dataset.zoom === '1'")
    panels = [p.bounding_box() for p in pg.locator(".mapbox svg.bodymap .panel").all()]
    assert len(panels) >= 3
    assert max(p["y"] for p in panels) - min(p["y"] for p in panels) < 5  # one row
    assert pg.locator(".mapbox svg.bodymap").bounding_box()["height"] <= 900
    _close(pg)
