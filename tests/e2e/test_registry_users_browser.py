"""The registry's Users page on a phone (review 18c, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.registry_setup import seed, sign_in

pytestmark = pytest.mark.e2e


def test_the_users_page_is_usable_on_a_phone(browser: Any, server: str, registry_url: str) -> None:
    """Bug caught: at 390 px the Users table's Actions column was off-screen (reached only by scrolling the table
    sideways) and each row had about 150 px of blank space. On a phone each account is now a card with its actions
    right after the name, all inside the screen; Deactivate asks for a confirmation first."""
    seed(registry_url)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server)
    page = context.new_page()
    sign_in(page, "admin_a")
    page.goto("/registry/users")
    row = page.locator('tr[data-user="viewer_a"]')
    for button in ("button[value=revoke]", "button[value=deactivate]", ".reset button"):
        box = row.locator(button).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (button, box)
    name, actions = row.locator("td.user-name").bounding_box(), row.locator("td.user-actions").bounding_box()
    assert name and actions and actions["y"] < name["y"] + name["height"] + 20  # actions right after the name
    cells = row.locator("td").all()
    tall = [c.bounding_box()["height"] for c in cells if "user-actions" not in (c.get_attribute("class") or "")]
    assert max(tall) < 60, tall  # no cell stretched to the height of the actions
    row.locator("button[value=deactivate]").click()
    assert page.locator("#confirm-deactivate").is_visible()
    assert "active" in page.locator('tr[data-user="viewer_a"] td.user-status').inner_text()
    page.locator("#confirm-deactivate-yes").click()
    page.wait_for_url("**/registry/users?done=*")
    assert "deactivated" in page.locator('tr[data-user="viewer_a"]').inner_text()
    context.close()
