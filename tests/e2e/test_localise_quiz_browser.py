"""In a real browser: the localise page's body map marks a region numb, reduced or normal (one mark at a time), a
muscle chosen from the grouped list joins its mark without a reload, and a quiz run moves on with its score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

LATERAL_THIGH = '.picker .view.active [data-region="skin_lateral_thigh"][data-side="left"]'
ANTERIOR_THIGH = '.picker .view.active [data-region="skin_anterior_thigh"][data-side="left"]'


def _lines(page: Any, box: str) -> list[str]:
    return [x.strip() for x in page.input_value(box).splitlines() if x.strip()]


def test_click_the_body_map_as_numb_reduced_or_normal(page: Any, artefacts: Path) -> None:
    """Clicking a region writes it into the field of the chosen mark and takes it out of the others; its colour
    (``data-mark``) follows. Clicking it again under the same mark removes it."""
    page.goto("/localise")
    page.click(LATERAL_THIGH)
    assert _lines(page, "#numb") == ["skin of lateral thigh"]
    assert page.get_attribute(LATERAL_THIGH, "data-mark") == "numb"
    page.check('#mark-mode input[value="hypo"]')
    page.click(LATERAL_THIGH)
    assert _lines(page, "#numb") == [] and _lines(page, "#hypo") == ["skin of lateral thigh"]
    assert page.get_attribute(LATERAL_THIGH, "data-mark") == "hypo"
    page.check('#mark-mode input[value="spared"]')
    page.click(ANTERIOR_THIGH)
    assert _lines(page, "#spared") == ["skin of anterior thigh"]
    assert page.get_attribute(ANTERIOR_THIGH, "data-mark") == "spared"
    page.click(ANTERIOR_THIGH)  # the same mark again: unmarked
    assert _lines(page, "#spared") == [] and page.get_attribute(ANTERIOR_THIGH, "data-mark") == ""
    page.click(ANTERIOR_THIGH)
    # a muscle from the list grouped by limb, marked normal, without leaving the page
    page.select_option("#muscle", "rectus femoris")
    page.select_option("#muscle_as", "spared")
    url = page.url
    page.click("#add-muscle")
    assert page.url == url
    assert _lines(page, "#spared") == ["skin of anterior thigh", "rectus femoris"]
    page.screenshot(path=str(artefacts / "localise-marks.png"), full_page=True)
    page.click("#localise-form button[type=submit]")
    page.wait_for_selector("#result .plan-card")
    assert "hypo=skin+of+lateral+thigh" in page.url
    assert "lateral cutaneous nerve of thigh" in page.locator("#result .plan-card").first.inner_text()
    # the marks survive the reload: the regions are coloured from the fields
    assert page.get_attribute(LATERAL_THIGH, "data-mark") == "hypo"


def test_a_quiz_run_moves_on_with_its_score(page: Any, artefacts: Path) -> None:
    page.goto("/quiz?seed=5")
    assert "Question 1 of 10" in page.inner_text("main")
    page.locator("#quiz-form input[name=guess]").first.check()
    page.click("#quiz-form button[type=submit]")
    page.wait_for_selector("#feedback")
    assert page.locator("#quiz-form input[name=guess]:disabled").count() == 4  # an answer is final
    right = page.locator(".choice.right").count() == 1 and "Correct." in page.inner_text("#feedback")
    page.screenshot(path=str(artefacts / "quiz-feedback.png"), full_page=True)
    page.click("#next")
    page.wait_for_selector("#quiz-form button[type=submit]")
    assert "Question 2 of 10" in page.inner_text("main")
    assert page.inner_text("#score").strip() == ("1" if right else "0")
    assert "done=" in page.url
