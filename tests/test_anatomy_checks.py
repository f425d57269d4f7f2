"""Textbook lesion checks from ``shared/reference/anatomy-checks.yaml`` with its exact matching rule: every check's
nerve must be in the atlas (the whole body is in scope)."""

from __future__ import annotations

import pytest
import yaml

from neurectomy.lesion import Cut, lesion

from .anatomy_rule import matches, matches_any, resolve
from .conftest import SHARED

CHECKS = yaml.safe_load((SHARED / "anatomy-checks.yaml").read_text())


@pytest.mark.parametrize("check", CHECKS["lesions"], ids=lambda c: c["nerve"].split("|")[0])
def test_lesion_check(atlas, check):
    nerve = resolve(atlas, check["nerve"])
    if nerve is None:
        pytest.fail(f"atlas has no nerve called {check['nerve']!r}")
    d = lesion(atlas, Cut(nerve.id, side="left"))
    motor = [x.target.name for x in d.motor]
    sensory = [x.target.name for x in d.sensory]
    articular = [x.target.name for x in d.articular]
    special = [f"{x.target.name} {x.target.function or ''} {x.effect}" for x in d.special]
    for entry in check.get("motor_all", []):
        assert any(matches_any(m, entry) for m in motor), f"{entry!r} not among motor losses {motor}"
    for entry in check.get("motor_exclude", []):
        assert not any(matches_any(m, entry) for m in motor), f"{entry!r} must not be among motor losses"
    if check.get("motor_none"):
        assert motor == []
    if check.get("sensory_none"):
        assert sensory == []
    if "sensory_any" in check:
        alts = [" ".join(a) for a in check["sensory_any"]]
        assert any(matches(s, a) for s in sensory for a in alts), f"none of {alts} in sensory losses {sensory}"
    for entry in check.get("articular_all", []):
        assert any(matches_any(j, entry) for j in articular), f"{entry!r} not among joints {articular}"
    if "special_words_any" in check:
        alts = [" ".join(a) for a in check["special_words_any"]]
        assert any(matches(s, a) for s in special for a in alts), f"none of {alts} in {special}"
    for words in check.get("special_forbid", []):
        assert not any(matches(s, " ".join(words)) for s in special), f"{words} must not be in {special}"


def test_rule_examples():
    assert matches("skin of scrotum", "scrot")
    assert matches_any("occipitofrontalis (frontal belly)", "frontalis|occipitofrontalis")
    assert not matches("skin of lateral thigh", "posterior thigh")
