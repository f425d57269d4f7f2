"""Hypothesis properties of the lesion engine on the packaged atlas (issue 3, item 8; issue "One truth per request").

Cuts are drawn over every nerve, at its origin, at a position in mm, at one of its named landmarks (spelled as a
user might), at its end, or "distal/proximal to the branch to X" (X a target or a nerve branching from it), on all
three sides and by every method.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurectomy.api import default_atlas
from neurectomy.lesion import Cut, lesion, lesion_batch, resolve_cut
from neurectomy.methods import METHODS
from neurectomy.names import normalise

ATLAS = default_atlas()
SIDES = ("left", "right", "midline")
SURGICAL = tuple(k for k, m in METHODS.items() if m.family == "surgical")
TEMPORARY = tuple(k for k, m in METHODS.items() if m.family in ("neurolytic", "diagnostic"))
INTERRUPTING = SURGICAL + TEMPORARY
_STRIPPED = ("the ", "branch ", "branches ", "origin ", "nerve to ", "nerve of ", "nerve for ")


def _branches() -> tuple[tuple[tuple[str, str, int], ...], ...]:
    """Per nerve, what branches from it and can be named in a relative phrase: ``(kind, name, index)`` for every
    target whose supply leaves it and every child nerve that has targets and no second parent."""
    out = []
    for n in range(len(ATLAS.nerves)):
        items = [("target", ATLAS.targets[t].name, t) for t in ATLAS.targets_of(n)]
        items += [
            ("nerve", ATLAS.nerves[c].name, c)
            for c in ATLAS.children[n]
            if ATLAS.seg_path[c] and not ATLAS.nerves[c].also_from
        ]
        # only names the look-up finds unambiguously, and that the phrase grammar cannot strip words from
        out.append(
            tuple(
                item
                for item in items
                if len(ATLAS.name_index.get(normalise(item[1]), ())) == 1
                and not normalise(item[1]).startswith(_STRIPPED)
            )
        )
    return tuple(out)


BRANCHES = _branches()
WITH_BRANCHES = [n for n, b in enumerate(BRANCHES) if b]
WITH_LANDMARKS = [n for n, x in enumerate(ATLAS.nerves) if x.landmarks]


def _spelling(draw, name: str) -> str:
    """A landmark as a user might type it: any case, with or without "the"."""
    text = draw(st.sampled_from([name, name.upper(), name.title(), f"the {name}"]))
    return text


@st.composite
def positions(draw, nerve: int) -> dict:
    """``at``/``mm`` for a cut on ``nerve``: origin, mm, a landmark, the end, or a relative phrase."""
    n = ATLAS.nerves[nerve]
    kinds = ["origin", "mm", "end"] + (["landmark"] if n.landmarks else []) + (["relative"] if BRANCHES[nerve] else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "origin":
        return {}
    if kind == "mm":
        return {"mm": draw(st.floats(0, 1)) * n.length_mm}
    if kind == "end":
        return {"at": "end"}
    if kind == "landmark":
        return {"at": _spelling(draw, draw(st.sampled_from(n.landmarks))[0])}
    _, name, _ = draw(st.sampled_from(BRANCHES[nerve]))
    rel = draw(st.sampled_from(["distal", "proximal"]))
    return {"at": draw(st.sampled_from([f"{rel} to the branch to {name}", f"{rel} to {name}"]))}


LATERAL = [n for n, x in enumerate(ATLAS.nerves) if not x.midline]


@st.composite
def cuts(draw, sides=SIDES, methods=tuple(METHODS), lateral: bool = False) -> Cut:
    """A cut anywhere; with ``lateral``, only on a nerve of one side (a midline plexus is cut at the midline
    whatever side is asked for)."""
    nerve = draw(st.sampled_from(LATERAL) if lateral else st.integers(0, len(ATLAS.nerves) - 1))
    where = draw(positions(nerve))
    allowed = [x for x in sides if x in sides_of(nerve)] or list(sides_of(nerve))
    return Cut(
        ATLAS.nerves[nerve].id, side=draw(st.sampled_from(allowed)), method=draw(st.sampled_from(methods)), **where
    )


def sides_of(nerve: int) -> tuple[str, ...]:
    """The sides a nerve can be cut on: a paired nerve left or right; a midline one any (it stays midline)."""
    return SIDES if ATLAS.nerves[nerve].midline else ("left", "right")


def per_side(d) -> dict[tuple[str, str], float]:
    """(target id, side) → supply lost."""
    return {(x.target.id, x.side): x.supply_lost for x in d.losses}


def largest(d) -> dict[str, float]:
    """Target id → supply lost, the largest over sides."""
    out: dict[str, float] = {}
    for x in d.losses:
        out[x.target.id] = max(out.get(x.target.id, 0.0), x.supply_lost)
    return out


def full(d) -> set[tuple]:
    """Every loss with everything that describes it."""
    return {(x.target.id, x.side, round(x.supply_lost, 12), round(x.permanent_lost, 12), x.cut_by) for x in d.losses}


def covers(big: dict, small: dict) -> bool:
    return all(big.get(k, 0.0) >= v - 1e-9 for k, v in small.items())


# --------------------------------------------------------------------------- positions
@settings(max_examples=150, deadline=None)
@given(nerve=st.sampled_from(WITH_LANDMARKS), data=st.data())
def test_a_landmark_cuts_where_it_lies(nerve, data):
    """Bug caught: a landmark resolved to the wrong position (or not found) once spelled in another case or with
    "the" in front."""
    n = ATLAS.nerves[nerve]
    name, _ = data.draw(st.sampled_from(n.landmarks))
    first = next(mm for other, mm in n.landmarks if normalise(other) == normalise(name))
    side = data.draw(st.sampled_from(sides_of(nerve)))
    by_name = lesion(ATLAS, Cut(n.id, at=_spelling(data.draw, name), side=side))
    assert by_name.cuts[0].mm == first
    assert full(by_name) == full(lesion(ATLAS, Cut(n.id, mm=first, side=side)))


@settings(max_examples=150, deadline=None)
@given(nerve=st.integers(0, len(ATLAS.nerves) - 1), data=st.data())
def test_a_more_distal_cut_on_the_same_nerve_never_takes_more(nerve, data):
    """Bug caught: a cut interrupting paths that leave the nerve before it (or missing some that leave after),
    whatever way its position is given."""
    side = data.draw(st.sampled_from(sides_of(nerve)))
    method = data.draw(st.sampled_from(INTERRUPTING))
    a, b = (Cut(ATLAS.nerves[nerve].id, side=side, method=method, **data.draw(positions(nerve))) for _ in range(2))
    proximal, distal = sorted((a, b), key=lambda c: resolve_cut(ATLAS, c).mm)
    assert covers(per_side(lesion(ATLAS, proximal)), per_side(lesion(ATLAS, distal)))


@settings(max_examples=150, deadline=None)
@given(nerve=st.sampled_from(WITH_BRANCHES), data=st.data())
def test_distal_to_a_branch_spares_it_and_proximal_to_it_takes_it(nerve, data):
    """Bugs caught: "distal to"/"proximal to" swapped, resolved to the first rather than the last exit of a branch
    that leaves at several places, or the branch named by a target confused with one named by a nerve."""
    n = ATLAS.nerves[nerve]
    kind, name, idx = data.draw(st.sampled_from(BRANCHES[nerve]))
    side = data.draw(st.sampled_from(("left", "right")))
    distal = lesion(ATLAS, Cut(n.id, at=f"distal to the branch to {name}", side=side))
    proximal = lesion(ATLAS, Cut(n.id, at=f"proximal to the branch to {name}", side=side))
    assert covers(per_side(proximal), per_side(distal))
    if kind == "target":
        tid = ATLAS.targets[idx].id
        assert distal.lost(tid) == 0.0
        assert proximal.lost(tid) > 0.0
    else:
        # every fibre in the branch nerve is cut by the proximal cut and none by the distal one (compared over sides:
        # a midline branch, such as the coeliac plexus, reports its losses as midline)
        branch = lesion(ATLAS, Cut(ATLAS.nerves[idx].id, side=side))
        whole = lesion(ATLAS, Cut(n.id, side=side))
        assert branch.losses
        assert covers(largest(proximal), largest(branch))
        for x in branch.losses:
            assert distal.lost(x.target.id) <= whole.lost(x.target.id) - x.supply_lost + 1e-9


# --------------------------------------------------------------------------- several cuts
@settings(max_examples=120, deadline=None)
@given(chosen=st.lists(cuts(), min_size=1, max_size=5), seed=st.randoms())
def test_several_cuts_do_not_depend_on_their_order(chosen, seed):
    """Bug caught: a later cut overwriting an earlier one's losses, or sides, methods or permanence taken from
    whichever cut comes first."""
    shuffled = list(chosen)
    seed.shuffle(shuffled)
    assert full(lesion(ATLAS, *shuffled)) == full(lesion(ATLAS, *chosen))


@settings(max_examples=120, deadline=None)
@given(chosen=st.lists(cuts(), min_size=1, max_size=5))
def test_the_union_of_cuts_takes_at_least_what_each_takes(chosen):
    """Bug caught: overlapping cuts counted once too few (a path interrupted by two cuts dropped), or a cut lost from
    the union; every loss stays within (0, 1]."""
    union = lesion(ATLAS, *chosen)
    assert all(0 < x.supply_lost <= 1 and 0 <= x.permanent_lost <= x.supply_lost for x in union.losses)
    for c in chosen:
        alone = lesion(ATLAS, c)
        assert covers(largest(union), largest(alone))
        lateral = {k: v for k, v in per_side(alone).items() if k[1] != "midline"}
        assert covers(per_side(union), lateral)


@settings(max_examples=120, deadline=None)
@given(
    right=st.lists(cuts(sides=("right", "left")), max_size=3),
    left=st.lists(cuts(sides=("left",), lateral=True), min_size=1, max_size=3),
)
def test_left_cuts_leave_the_right_untouched(right, left):
    """Bug caught: a cut applied to both sides, or a left cut (of a nerve of one side) changing what the right side
    loses."""
    assert not any(x.side == "right" for x in lesion(ATLAS, *left).losses)
    before = {k: v for k, v in per_side(lesion(ATLAS, *right)).items() if k[1] == "right"}
    after = {k: v for k, v in per_side(lesion(ATLAS, *right, *left)).items() if k[1] == "right"}
    assert after == before


# --------------------------------------------------------------------------- methods
@settings(max_examples=100, deadline=None)
@given(chosen=st.lists(cuts(methods=("decompression",)), min_size=1, max_size=4), others=st.lists(cuts(), max_size=3))
def test_decompression_loses_nothing(chosen, others):
    """Bug caught: a decompression that interrupts fibres (it releases the nerve and cuts none), alone or among
    other cuts."""
    released = lesion(ATLAS, *chosen)
    assert released.losses == () and {c.interruption for c in released.cuts} == {"none"}
    assert largest(lesion(ATLAS, *others, *chosen)) == largest(lesion(ATLAS, *others))


@settings(max_examples=100, deadline=None)
@given(chosen=st.lists(cuts(methods=("surgical_cut",)), min_size=1, max_size=4), data=st.data())
def test_a_block_takes_the_surgical_territory_for_a_while(chosen, data):
    """Bugs caught: a neurolytic or diagnostic block taking a different territory from a cut, or its losses marked
    permanent; a surgical loss marked temporary."""
    surgical = lesion(ATLAS, *chosen)
    for x in surgical.losses:
        assert x.lasting == "permanent" and x.permanent_lost == x.supply_lost
    method = data.draw(st.sampled_from(TEMPORARY))
    block = lesion(ATLAS, *(Cut(c.nerve, c.at, c.mm, c.side, method) for c in chosen))
    assert per_side(block) == per_side(surgical)
    assert all(x.lasting == "temporary" and x.permanent_lost == 0 for x in block.losses)
    assert block.temporary and not surgical.temporary
    resection = lesion(ATLAS, *(Cut(c.nerve, c.at, c.mm, c.side, "resection") for c in chosen))
    assert full(resection) == full(surgical)


@settings(max_examples=100, deadline=None)
@given(chosen=st.lists(cuts(methods=INTERRUPTING), min_size=1, max_size=5))
def test_what_stays_is_what_the_surgical_cuts_take(chosen):
    """Bug caught: the permanent part of a mixed lesion (some cuts surgical, some blocks) attributed to the wrong
    cuts, or a loss shared by a cut and a block not counted as permanent."""
    mixed = lesion(ATLAS, *chosen)
    stays: dict[str, float] = {}
    for x in mixed.losses:
        stays[x.target.id] = max(stays.get(x.target.id, 0.0), x.permanent_lost)
    surgical = [c for c in chosen if c.method in SURGICAL]
    expected = largest(lesion(ATLAS, *surgical)) if surgical else {}
    assert {k: v for k, v in stays.items() if v > 0} == pytest.approx(expected)


def test_a_decompression_does_not_move_midline_losses_to_its_side():
    """lesion() took the sides to report from every cut, including a decompression that interrupts nothing, so a
    no-op cut on the right moved a midline plexus's losses from 'midline' to 'right'."""
    presacral = Cut("superior hypogastric plexus")
    release = Cut("sural nerve", side="right", method="decompression")
    assert per_side(lesion(ATLAS, presacral, release)) == per_side(lesion(ATLAS, presacral))


def test_a_left_cut_does_not_change_what_a_midline_cut_takes():
    """A midline cut's losses were reported under the side of whatever lateral cuts accompanied it, so adding a left
    cut removed the uterus from 'midline', and a left and a right cut reported the one uterus twice."""
    presacral = Cut("superior hypogastric plexus")
    alone = per_side(lesion(ATLAS, presacral))
    with_left = per_side(lesion(ATLAS, presacral, Cut("sural nerve", side="left")))
    assert {k: v for k, v in with_left.items() if k[1] == "midline"} == alone


# --------------------------------------------------------------------------- the tree
@settings(max_examples=150, deadline=None)
@given(nerve=st.integers(min_value=0, max_value=10**6))
def test_parent_takes_at_least_what_a_child_takes(nerve):
    child = ATLAS.nerves[nerve % len(ATLAS.nerves)]
    if not child.parent:
        return
    parents = [child.parent, *(p for p, _ in child.also_from)]
    everything_above = lesion(ATLAS, *(Cut(p) for p in parents))
    below = lesion(ATLAS, Cut(child.id))
    assert covers(largest(everything_above), largest(below))
    if not child.also_from:  # a single parent carries all of the child's fibres
        assert covers(largest(lesion(ATLAS, Cut(child.parent))), largest(below))


def test_batch_agrees_with_single_cuts_on_random_cuts():
    from neurectomy.lesion import random_cuts

    nerve, mm = random_cuts(ATLAS, 300, rng=7)
    matrix = lesion_batch(ATLAS, nerve, mm)
    assert matrix.data.min(initial=1) > 0 and matrix.data.max(initial=0) <= 1
    for row, (n, p) in enumerate(zip(nerve, mm, strict=True)):
        d = largest(lesion(ATLAS, Cut(ATLAS.nerves[n].id, mm=float(p))))
        got = {ATLAS.targets[t].id: v for t, v in zip(matrix[row].indices, matrix[row].data, strict=True)}
        assert got.keys() == d.keys()
        assert np.allclose([got[k] for k in d], [d[k] for k in d])


def test_a_left_and_a_right_cut_report_a_midline_organ_once():
    """With a presacral cut and cuts on both sides, the uterus (reached only by the midline plexus) was reported
    twice, once per side; an organ that only midline cuts reach is one organ, reported once, as midline."""
    d = lesion(
        ATLAS, Cut("superior hypogastric plexus"), Cut("sural nerve", side="left"), Cut("sural nerve", side="right")
    )
    uterus = [x.side for x in d.losses if x.target.id == "uterus"]
    assert uterus == ["midline"]


def test_a_paired_nerve_cannot_be_cut_at_the_midline():
    """``side="midline"`` was accepted for the sural nerve and acted on whichever sides other cuts named."""
    from neurectomy.lesion import PositionError

    with pytest.raises(PositionError, match="paired") as caught:
        lesion(ATLAS, Cut("sural nerve", side="midline"))
    assert caught.value.field == "side"
