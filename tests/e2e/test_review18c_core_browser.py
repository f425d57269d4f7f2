"""Review 18c (core) in a real browser: the Plan form refuses extra cuts beside a named procedure, a Find link is
never named after another condition's operation, the Atlas tree starts with the cranial nerves in order, and the
course drawing names each junction at its own nerve. Each test names the bug it catches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.pages import close_page, open_page

pytestmark = pytest.mark.e2e
#: the refused plan loads with status 422 on purpose: the browser logs it as a console error
REFUSED = "the server responded with a status of 4"


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page; JavaScript errors on it fail the test (4xx page loads are expected here)."""
    pg = open_page(browser, server, expected=[REFUSED])
    yield pg
    close_page(pg)


def test_the_plan_form_refuses_more_cuts_beside_a_procedure(page: Any) -> None:
    """The Plan form with the LFCN neurectomy, side left and "right: ulnar nerve" in More cuts made a plan titled
    for the procedure that also cut the left ulnar nerve. It now says why not, at the More cuts field."""
    page.goto("/plan")
    page.select_option("#procedure", "lfcn_neurectomy")
    page.select_option("#side", "left")
    page.fill("#also", "right: ulnar nerve")
    page.click("#plan-form button[type=submit]")
    error = page.locator('.error[data-field="also"]')
    assert "makes its own cuts" in error.inner_text()
    assert "left ulnar nerve" not in page.content()


def test_find_labels_another_conditions_operation_as_its_cuts(page: Any) -> None:
    """Find "palmar sweating": a result opened as "endoscopic thoracic sympathicotomy at T2 for facial blushing".
    That answer now opens as its cuts, and says whose cuts they are; the plan it opens is no blushing operation."""
    page.goto("/find?function=palmar+sweating")
    links = page.locator("#result .open-plan")
    texts = [links.nth(i).inner_text() for i in range(links.count())]
    assert "Open as plan: endoscopic thoracic sympathicotomy at T2 for facial blushing" not in texts
    blushing = [i for i, t in enumerate(texts) if "facial blushing" in t]
    assert blushing, texts
    links.nth(blushing[0]).click()
    page.wait_for_url("**/plan?**")
    assert "procedure=" not in page.url
    assert "for facial blushing" not in page.locator("h1").first.inner_text()


def test_atlas_tree_order_and_course_wording(page: Any) -> None:
    """The Atlas tree began with "spinal nerve C1" (alphabetical) and the common fibular course said "lumbosacral
    trunk with fibres from … S1, S2, S3". The tree now starts with the oculomotor nerve (CN III) and ends with Co1;
    the course shows the trunk as L4-L5, the S1 and S2 rami joining in the sacral plexus, and only the roots that
    reach the common fibular nerve (its header says L4-S2)."""
    page.goto("/atlas")
    top = page.locator("ul.tree-root > li > a")
    assert top.first.inner_text() == "oculomotor nerve"
    assert top.last.inner_text() == "spinal nerve Co1"
    page.goto("/atlas/nerves/common_fibular_nerve")
    page.wait_for_selector("figure.course svg text")
    text = " ".join(page.locator("figure.course svg text").all_text_contents())
    assert "Roots: L4, L5, S1, S2" in text and "lumbosacral trunk (L4, L5)" in text
    assert "sciatic nerve (L4, L5, S1, S2)" in text and "joined in the sacral plexus" in text
    assert "lost: distal to the cut" not in text and "open circle" in text
