"""Hypothesis properties of the lesion engine on the packaged atlas (issue 3, item 8)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from neurectomy.lesion import Cut, lesion, lesion_batch


def losses(d):
    """Supply lost per target, the largest over sides (a midline cut reports its own side)."""
    out: dict[str, float] = {}
    for x in d.losses:
        out[x.target.id] = max(out.get(x.target.id, 0.0), x.supply_lost)
    return out


def covers(big, small):
    return all(big.get(t, 0.0) >= v - 1e-9 for t, v in small.items())


nerve_pos = st.tuples(st.integers(min_value=0, max_value=10**6), st.floats(min_value=0, max_value=1))


def cut_of(atlas, pick):
    i, frac = pick
    n = atlas.nerves[i % len(atlas.nerves)]
    return Cut(n.id, mm=frac * n.length_mm)


@settings(max_examples=150, deadline=None)
@given(nerve=st.integers(min_value=0, max_value=10**6), a=st.floats(0, 1), b=st.floats(0, 1))
def test_proximal_cut_takes_at_least_what_a_distal_cut_takes(atlas, nerve, a, b):
    n = atlas.nerves[nerve % len(atlas.nerves)]
    lo, hi = sorted((a * n.length_mm, b * n.length_mm))
    assert covers(losses(lesion(atlas, Cut(n.id, mm=lo))), losses(lesion(atlas, Cut(n.id, mm=hi))))


@settings(max_examples=150, deadline=None)
@given(nerve=st.integers(min_value=0, max_value=10**6))
def test_parent_takes_at_least_what_a_child_takes(atlas, nerve):
    child = atlas.nerves[nerve % len(atlas.nerves)]
    if not child.parent:
        return
    parents = [child.parent, *(p for p, _ in child.also_from)]
    everything_above = lesion(atlas, *(Cut(p) for p in parents))
    below = lesion(atlas, Cut(child.id))
    assert covers(losses(everything_above), losses(below))
    if not child.also_from:  # a single parent carries all of the child's fibres
        assert covers(losses(lesion(atlas, Cut(child.parent))), losses(below))


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(nerve_pos, min_size=1, max_size=5), extra=nerve_pos, seed=st.randoms())
def test_union_is_monotone_and_order_independent(atlas, cuts, extra, seed):
    chosen = [cut_of(atlas, c) for c in cuts]
    base = losses(lesion(atlas, *chosen))
    more = losses(lesion(atlas, *chosen, cut_of(atlas, extra)))
    assert covers(more, base)
    shuffled = list(chosen)
    seed.shuffle(shuffled)
    again = losses(lesion(atlas, *shuffled))
    assert again.keys() == base.keys()
    assert all(abs(again[k] - base[k]) < 1e-12 for k in base)
    assert all(0 < v <= 1 for v in more.values())


def test_batch_agrees_with_single_cuts_on_random_cuts(atlas):
    from neurectomy.lesion import random_cuts

    nerve, mm = random_cuts(atlas, 300, rng=7)
    matrix = lesion_batch(atlas, nerve, mm)
    assert matrix.data.min(initial=1) > 0 and matrix.data.max(initial=0) <= 1
    for row, (n, p) in enumerate(zip(nerve, mm, strict=True)):
        d = losses(lesion(atlas, Cut(atlas.nerves[n].id, mm=float(p))))
        got = {atlas.targets[t].id: v for t, v in zip(matrix[row].indices, matrix[row].data, strict=True)}
        assert got.keys() == d.keys()
        assert np.allclose([got[k] for k in d], [d[k] for k in d])
