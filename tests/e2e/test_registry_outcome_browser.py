"""The registry's outcome form in a real browser (issue 18, item 5): numb regions picked on the body map (by
keyboard, as the picker on Find), muscles added by name with their MRC grade, both shown by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.registry_setup import seed, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page; JavaScript errors on it fail the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_outcome_regions_from_the_body_map_and_muscles_by_name(page: Any, registry_url: str) -> None:
    """Bugs caught: numb regions could only be typed on the outcome form (no body map as on Find); a region chosen
    on the map not marked on the case's side; no way to record a weak or paralysed muscle, or one shown by its
    id."""
    cid = seed(registry_url)  # the seeded case is on the right side
    sign_in(page, "clinician_a")
    page.goto(f"/registry/cases/{cid}")
    form = page.locator("#outcome-form")
    page.fill("#recorded_on", "2024-06-01")
    page.select_option("#timepoint", "3_months")
    region = form.locator('.view[data-view="anterior"] [data-region="skin_lateral_thigh"][data-side="right"]')
    region.focus()
    page.keyboard.press("Enter")
    assert page.input_value("#numb_regions") == "skin of lateral thigh"
    assert region.get_attribute("aria-pressed") == "true"  # marked on the case's side, not the left
    left = form.locator('.view[data-view="anterior"] [data-region="skin_lateral_thigh"][data-side="left"]')
    assert left.get_attribute("aria-pressed") == "false"
    page.fill("#muscles", "tibialis anterior: MRC 3")
    page.locator("#muscle-add").fill("deltoid")
    page.locator("#muscle-add").dispatch_event("change")
    page.wait_for_function("document.getElementById('muscles').value.includes('deltoid')")
    page.locator("#record-outcome").click()
    page.wait_for_url(f"**/registry/cases/{cid}*")
    outcomes = page.locator("#outcomes-table").inner_text()
    assert "skin of lateral thigh" in outcomes
    assert "tibialis anterior (weak, MRC 3)" in outcomes and "deltoid (weak)" in outcomes
    assert "tibialis_anterior" not in outcomes


def test_a_region_on_the_other_side_keeps_its_side(page: Any, registry_url: str) -> None:
    """Bug caught (review 18c, finding 2): on a case of one side, choosing a region of the other side on the outcome
    form's body map said "<region>, <other> side — chosen" but the saved row named the region only, so the finding
    was read as on the case's side. The form's side now follows the map (and says so), and the row shows it."""
    cid = seed(registry_url)  # the seeded case is on the right side
    sign_in(page, "clinician_a")
    page.goto(f"/registry/cases/{cid}")
    form = page.locator("#outcome-form")
    page.fill("#recorded_on", "2024-06-01")
    page.select_option("#timepoint", "3_months")
    region = form.locator('.view[data-view="anterior"] [data-region="skin_lateral_thigh"][data-side="left"]')
    region.focus()
    page.keyboard.press("Enter")
    assert page.input_value("#oc-side") == "left"
    assert "Side changed from right to left" in form.locator(".picker-status").inner_text()
    page.locator("#record-outcome").click()
    page.wait_for_url(f"**/registry/cases/{cid}*")
    row = page.locator("#outcomes-table tbody tr").last.inner_text()
    assert "skin of lateral thigh" in row and "left" in row and "not the case's side (right)" in row
