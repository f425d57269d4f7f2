"""Flows that keep their context, the registry's forms and errors as pages, in a real browser (issue 18, items 3-5).

Each test names the bug it catches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.pages import close_page, open_page
from tests.e2e.registry_setup import seed, sign_in

pytestmark = pytest.mark.e2e
#: these tests load refused requests on purpose: the browser logs each 4xx page load as a console error
REFUSED = "the server responded with a status of 4"


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page; JavaScript errors on it fail the test (4xx page loads are expected here)."""
    pg = open_page(browser, server, expected=[REFUSED])
    yield pg
    close_page(pg)


def test_find_to_plan_carries_the_named_procedure_by_name(page: Any) -> None:
    """Bugs caught: "Open as plan" filled the Plan form with atlas ids (lateral_cutaneous_nerve_of_thigh, mm=420.0)
    and dropped the named procedure, so the plan had no evidence or comparison."""
    page.goto("/find?region=skin+of+lateral+thigh")
    first = page.locator("#result .open-plan").first
    assert "lateral femoral cutaneous neurectomy" in first.inner_text()
    first.click()
    page.wait_for_url("**/plan?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("procedure") == ["lfcn_neurectomy"] and "nerve" not in query and "mm" not in query
    assert page.locator("#procedure").input_value() == "lfcn_neurectomy"
    assert page.locator("#nerve").input_value() == ""
    assert "lateral femoral cutaneous neurectomy" in page.locator("#result h2").first.inner_text().lower()
    # an answer that is no procedure opens with names and readable positions, never ids
    page.goto("/find?region=skin+of+lateral+thigh&method=phenol")
    page.locator("#result .open-plan").first.click()
    page.wait_for_url("**/plan?*")
    nerve = page.locator("#nerve").input_value()
    assert nerve == "lateral cutaneous nerve of thigh", nerve
    assert "_" not in nerve and ".0" not in page.locator("#mm").input_value()
    assert page.locator("#at").input_value() or page.locator("#mm").input_value().isdigit()
    assert page.locator("#method").input_value() == "phenol"


def test_a_procedure_with_a_leftover_nerve_and_a_midline_limb_nerve_are_refused(page: Any) -> None:
    """Bugs caught: procedure=lfcn_neurectomy&nerve=ulnar nerve silently cut both under the LFCN title; a midline
    ulnar nerve was accepted."""
    page.goto("/plan?procedure=lfcn_neurectomy&nerve=ulnar+nerve")
    alert = page.locator(".error[role=alert]").first
    assert "makes its own cuts" in alert.inner_text() and "ulnar nerve" in alert.inner_text()
    assert page.locator("#result").count() == 0
    page.goto("/plan?nerve=ulnar+nerve&side=midline")
    alert = page.locator(".error[role=alert]").first
    assert "paired" in alert.inner_text() and page.locator("#result").count() == 0


def test_find_offers_a_method_and_region_autocompletion_from_the_atlas(page: Any) -> None:
    """Bugs caught: region and nerve inputs had no suggestions from the atlas (names and synonyms); Find had no
    method selector."""
    page.goto("/find")
    assert page.locator("#method option").count() >= 3
    add = page.locator("#region-add")
    add.focus()
    page.wait_for_function("document.querySelectorAll('#names-skin option').length > 100")
    labels = page.eval_on_selector_all("#names-skin option", "os => os.map(o => o.value + ' | ' + o.label)")
    assert any(v.startswith("skin of lateral thigh") for v in labels)
    add.fill("skin of lateral thigh")
    add.dispatch_event("change")
    page.wait_for_function("document.getElementById('region').value.includes('skin of lateral thigh')")
    assert add.input_value() == ""
    page.goto("/plan")
    page.locator("#nerve").focus()
    page.wait_for_function("document.querySelectorAll('#nerve-names option[label]').length > 50")


def test_errors_are_pages_with_a_way_back(page: Any) -> None:
    """Bug caught: unknown routes and refused input showed raw {"detail": …} JSON in the browser."""
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    assert page.locator("#error-message").is_visible() and page.locator("#notice").is_visible()
    page.locator("#error-back").click()
    page.wait_for_url("**/")
    response = page.goto("/api/plan?nerve=ulnar+nerve&mm=abc")
    assert response is not None and response.status == 422 and '"detail"' in page.content()


def test_simulate_progress_bar_is_hidden_until_a_job_runs(page: Any) -> None:
    """Bug caught: the "starting…" progress bar showed before anything ran (a CSS rule overrode `hidden`)."""
    page.goto("/simulate")
    bar = page.locator("#stump-progress")
    if bar.count():
        assert not bar.is_visible()


def test_registry_records_a_procedure_and_an_outcome_with_names(page: Any, registry_url: str) -> None:
    """Bugs caught: no way to record the procedure performed from the web; numb regions accepted any text (a typo
    was plotted as full recovery); internal codes (follow_up, lfcn_neurectomy) shown; the Record button was ~190 px
    tall."""
    cid = seed(registry_url)
    sign_in(page, "clinician_a")
    page.goto(f"/registry/cases/{cid}")
    form = page.locator("#procedure-form")
    if not form.is_visible():
        page.locator("summary", has_text="Record a procedure performed").click()
    page.fill("#performed_on", "2024-03-01")
    page.select_option("#procedure_key", "lfcn_neurectomy")
    page.locator("#record-procedure").click()
    page.wait_for_url(f"**/registry/cases/{cid}*")
    table = page.locator("#procedures-table").inner_text()
    assert "lateral femoral cutaneous neurectomy" in table and "lateral cutaneous nerve of thigh" in table
    assert "lfcn_neurectomy" not in page.locator("main").inner_text()
    # an outcome at a standard time point, with the region by name; a typo is refused with suggestions
    page.fill("#recorded_on", "2024-06-01")
    page.select_option("#timepoint", "3_months")
    page.fill("#pain_nrs", "2")
    page.fill("#numb_regions", "lateral thihg skin")
    box = page.locator("#record-outcome").bounding_box()
    assert box is not None and box["height"] < 60, box
    page.locator("#record-outcome").click()
    assert page.locator("#error-message").is_visible()
    assert "skin of lateral thigh" in page.locator("#error-message").inner_text()
    page.locator("#error-back").click()
    page.fill("#recorded_on", "2024-06-01")
    page.select_option("#timepoint", "3_months")
    page.fill("#numb_regions", "skin of lateral thigh")
    page.locator("#record-outcome").click()
    page.wait_for_url(f"**/registry/cases/{cid}*")
    outcomes = page.locator("#outcomes-table").inner_text()
    assert "3 months after" in outcomes and "skin of lateral thigh" in outcomes
    main = page.locator("main").inner_text()
    assert "follow_up" not in main and "in follow-up" in main


def test_admin_manages_users_and_reads_the_audit_log(page: Any, registry_url: str) -> None:
    """Bug caught: no page to manage users or read the audit log."""
    seed(registry_url)
    sign_in(page, "admin_a")
    page.goto("/registry/users")
    page.fill("#add-user input[name=username]", "e2e_new_user")
    page.fill("#add-user input[name=password]", "a long enough password")
    page.locator("#add-user button[type=submit]").click()
    page.wait_for_url("**/registry/users?done=*")
    row = page.locator('tr[data-user="e2e_new_user"]')
    assert "active" in row.inner_text()
    row.locator("button[value=deactivate]").click()
    page.locator("#confirm-deactivate-yes").click()  # Deactivate asks first (review 18c)
    page.wait_for_url("**/registry/users?done=*")
    assert "deactivated" in page.locator('tr[data-user="e2e_new_user"]').inner_text()
    page.goto("/registry/audit")
    assert page.locator("#audit tbody tr").count() >= 3
    assert "deactivate" in page.locator("#audit").inner_text()


def test_tables_fit_a_phone(browser: Any, server: str, registry_url: str) -> None:
    """Bug caught: tables made the page 925 px wide on a 390 px phone."""
    cid = seed(registry_url)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server)
    pg = context.new_page()
    sign_in(pg, "admin_a")
    for url in (f"/registry/cases/{cid}", "/registry", "/registry/users", "/registry/audit", "/cut?nerve=median+nerve"):
        pg.goto(url)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    context.close()
