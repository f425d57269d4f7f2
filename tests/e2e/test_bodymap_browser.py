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
