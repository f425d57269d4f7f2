"""Review 18d: defects a cold reviewer found on the Plan page in a real browser (fields without autocompletion;
on a phone, an error far below the form)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.pages import close_page as _close
from tests.e2e.pages import open_page as _page

pytestmark = pytest.mark.e2e


def _options(pg: Any, field: str) -> list[str]:
    """Focus an autocompleting field and return its datalist's options ("value | label") once filled."""
    pg.locator(field).focus()
    list_id = pg.locator(field).get_attribute("list")
    assert list_id, f"{field} has no datalist"
    pg.wait_for_function(f"document.getElementById('{list_id}').options.length > 0")
    return pg.evaluate(
        f"Array.from(document.getElementById('{list_id}').options).map((o) => o.value + ' | ' + (o.label || ''))"
    )


def test_plan_fields_autocomplete_from_the_atlas_and_the_conditions_table(browser: Any, server: str) -> None:
    """Bug caught: on /plan only "…or a nerve" suggested anything; Condition, Landmark, Diagnosis and "More cuts"
    had no datalist. Now Condition and Diagnosis suggest the conditions table (names, with synonyms and ICD-10-CM
    codes as labels), Landmark the atlas's landmarks (the chosen nerve's once one is named), and an "add a cut by
    nerve name" field the atlas's nerves, a chosen one joining "More cuts"."""
    pg = _page(browser, server, 1366, 900)
    pg.goto("/plan")
    for field in ("#condition", "#diagnosis"):
        options = _options(pg, field)
        assert any("meralgia paresthetica" in o.lower() for o in options), (field, options[:5])
        assert any("G57.1" in o for o in options), field
    landmarks = _options(pg, "#at")
    assert any(o.lower().startswith("inguinal ligament") for o in landmarks), landmarks[:5]
    more = _options(pg, "#also-add")
    assert any(o.lower().startswith("ulnar nerve") for o in more)
    pg.locator("#also-add").fill("ulnar nerve")
    pg.locator("#also-add").dispatch_event("change")
    pg.wait_for_function("document.getElementById('also').value.includes('ulnar nerve')")
    assert pg.locator("#also-add").input_value() == ""
    # with a nerve named, Landmark suggests that nerve's landmarks with their positions
    pg.goto("/plan?nerve=sural+nerve&side=left")
    landmarks = _options(pg, "#at")
    assert landmarks and all(o.endswith(" mm") for o in landmarks), landmarks[:5]
    _close(pg)


def test_plan_error_is_seen_at_once_on_a_phone(browser: Any, server: str) -> None:
    """Bug caught: at 390x844 the Plan page's error ("… makes its own cuts …") sat below the whole form, at y~2172
    of a 2606 px page; the page opened at the top and focus stayed put, so nothing said the plan had failed. Now the
    error stands above the form, inside the first viewport, and takes the focus."""
    pg = _page(browser, server, 390, 844)
    pg.goto("/plan?procedure=vestibular_neurectomy&also=right%3A+ulnar+nerve")
    box = pg.locator("[role=alert][data-field]").first
    assert "makes its own cuts" in box.inner_text()
    top = pg.evaluate("(el) => el.getBoundingClientRect().top + window.scrollY", box.element_handle())
    assert pg.evaluate("window.scrollY") <= top < pg.evaluate("window.scrollY") + 844 - 40, top
    pg.wait_for_function("document.activeElement && document.activeElement.id === 'plan-error'", timeout=5000)
    focused = pg.evaluate("(el) => el.parentElement.contains(document.activeElement)", box.element_handle())
    form_top = pg.evaluate("document.getElementById('plan-form').getBoundingClientRect().top + window.scrollY")
    assert focused or top < form_top
    assert focused, "the error does not take the focus"
    pg.errors[:] = [e for e in pg.errors if "status of 422" not in e]  # the page itself answers 422
    _close(pg)
