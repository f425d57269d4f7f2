"""Issue 19, item 3: simulation jobs need a login, so the Simulate page's script must not post a signed-out
browser's run to the job API. Finding: after jobs needed a login, a signed-out user's "Run simulation" showed
"Error: sign in first" and ran nothing. Signed out, the form now submits as it would without JavaScript (the page
runs the simulation itself, rate-limited, in a solve slot, within the server's time limit); signed in, it runs as a
background job with a progress bar."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import registry_setup as reg

pytestmark = pytest.mark.e2e


def _small_run(page: Any) -> None:
    page.fill("#n_axons", "60")
    page.fill("#days", "60")
    page.fill("#replicates", "2")
    page.click("#run-stump")


def test_signed_out_the_simulation_runs_on_the_page(page: Any) -> None:
    """No request to the job API (whose 401 was the 'sign in first' error); the page answers with the chart."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if "/api/simulate/jobs" in r.url else None)
    page.goto("/simulate")
    _small_run(page)
    page.wait_for_url("**/simulate?*run=stump*")
    page.wait_for_selector("#stump-output .vega-chart svg", timeout=40_000)
    assert "2 replicate(s)" in page.inner_text("#stump-output")
    assert "sign in" not in page.inner_text("main").lower()
    assert posts == []


def test_signed_in_the_simulation_runs_as_a_job(page: Any, registry_url: str) -> None:
    """Signed in (cookie session), the script sends the page's CSRF token and follows the job to its chart."""
    reg.seed(registry_url)
    reg.sign_in(page, "clinician_a")
    page.goto("/simulate")
    _small_run(page)
    page.wait_for_selector("#stump-progress:not([hidden])")
    page.wait_for_selector("#stump-output .vega-chart svg", timeout=40_000)
    assert "done" in page.inner_text("#stump-progress")
    assert "run=stump" not in page.url, "the job ran in the background, the page stayed"
