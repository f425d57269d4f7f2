"""Regression tests named after the bug they pin down."""

from __future__ import annotations

import neurectomy


def test_submodule_import_does_not_shadow_api_functions():
    """Importing a submodule named like an API function once replaced the function with the module."""
    import neurectomy.lesion
    import neurectomy.planning

    assert callable(neurectomy.plan) and callable(neurectomy.lesion)
    assert neurectomy.plan("lfcn_decompression").method.key == "decompression"


def test_midline_cut_reports_midline_side():
    """A presacral cut is midline; its losses must not be dropped when the cut was asked for on the left."""
    d = neurectomy.lesion("superior hypogastric plexus", side="left")
    assert d.losses and {x.side for x in d.losses} == {"midline"}
