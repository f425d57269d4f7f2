"""The registry's outcome form in a real browser (issue 18, item 5): numb regions picked on the body map (by
keyboard, as the picker on Find), muscles added by name with their MRC grade, both shown by name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.pages import close_page, open_page
from tests.e2e.registry_setup import seed, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page; JavaScript errors on it fail the test."""
    pg = open_page(browser, server)
    yield pg
    close_page(pg)


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


def test_review18r_new_case_side_long_indication_and_the_recovery_chart(page: Any, registry_url: str) -> None:
    """Bugs caught (review 18r, items 1, 3 and 6): a new case without touching Side was saved as left (the select
    preset "left"); an unbroken 1,800-character indication made the case page ~4,600 px wide (500 characters, the
    limit, still overflowed: the text did not wrap); the recovery chart's y-axis title lost its closing ")" and the
    chart carried the body map's hint "on the map, arrow keys move between regions"."""
    cid = seed(registry_url)  # its case has a plan and two follow-ups: the recovery chart is drawn
    sign_in(page, "clinician_a")
    page.goto("/registry/cases/new")
    assert page.input_value("select[name=side]") == ""
    page.fill("input[name=pseudonym]", "MP-18R")
    page.fill("input[name=indication]", "x" * 1800)
    assert len(page.input_value("input[name=indication]")) == 500  # the form's own limit
    page.click("#case-form button[type=submit]")
    assert page.url.endswith("/registry/cases/new")  # not sent: Side is required
    assert page.evaluate("document.querySelector('select[name=side]').validity.valueMissing")
    page.select_option("select[name=side]", "right")
    page.click("#case-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/registry/cases/\d+$"))
    assert "(right)" in page.locator("#patient").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth") + 1

    page.goto(f"/registry/cases/{cid}")
    chart = page.locator("#recovery-chart svg")
    box = chart.bounding_box()
    title = page.locator("#recovery-chart .y-title").bounding_box()
    assert box and title
    assert box["y"] - 0.5 <= title["y"] and title["y"] + title["height"] <= box["y"] + box["height"] + 0.5
    assert box["x"] - 0.5 <= title["x"]
    # no body-map zoom controls (and their arrow-keys hint) beside or in the chart
    near = "e => (e.previousElementSibling ? e.previousElementSibling.innerText : '') + e.innerText"
    assert "arrow keys" not in page.locator("#recovery-chart").evaluate(near)
