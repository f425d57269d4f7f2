"""Browser tests of review 18d: the Plan/Cut result map's box fits its drawing at a desktop size."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# the union of the drawn things of the map (texts and panels), on screen
_DRAWING = """() => {
  const els = document.querySelectorAll('.mapbox svg.bodymap .panel, .mapbox svg.bodymap text');
  const rs = Array.from(els).map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
  return { left: Math.min(...rs.map((r) => r.left)), right: Math.max(...rs.map((r) => r.right)) };
}"""


def test_plan_body_map_box_fits_its_drawing(browser: Any, server: str) -> None:
    """Bug caught (review 18d): at 1366x900 the Plan page's body map was drawn to the window's height in the middle
    of a 1,201 px box, the figure and its inset using about 360 px of it, the rest blank. Now the map is drawn at
    the size that fits the window and its box shrinks to it: the drawing spans at least 70% of the box's width."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.goto("/plan?procedure=lfcn_neurectomy&side=left")
    pg.wait_for_function("document.querySelector('.mapbox') && document.querySelector('.mapbox').dataset.zoom === '1'")
    box = pg.locator(".mapbox").bounding_box()
    svg = pg.locator(".mapbox svg.bodymap").bounding_box()
    drawing = pg.evaluate(_DRAWING)
    assert drawing["right"] - drawing["left"] >= 0.7 * box["width"], (drawing, box)
    assert svg["height"] <= 900 and svg["x"] + svg["width"] <= box["x"] + box["width"] + 0.5
    context.close()
