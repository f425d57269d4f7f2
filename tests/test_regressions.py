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


def test_lingual_nerve_cut_takes_taste_from_the_joined_chorda_tympani():
    """A lingual-nerve cut at the third molar once spared taste: the chorda tympani's fibres joining the nerve were
    not modelled. Each target now takes its own fibres from the merged nerve."""
    lingual = {
        x.target.id: x.supply_lost
        for x in neurectomy.lesion("lingual nerve", at="lower third molar (lingual plate)").losses
    }
    assert lingual["taste_anterior_tongue"] == 1.0 and lingual["mucosa_of_anterior_tongue"] == 1.0
    chorda = {x.target.id for x in neurectomy.lesion("chorda tympani").losses}
    assert "taste_anterior_tongue" in chorda and "mucosa_of_anterior_tongue" not in chorda
    below_chorda = {x.target.id for x in neurectomy.lesion("facial nerve", at="stylomastoid foramen").losses}
    assert "taste_anterior_tongue" not in below_chorda
