"""A nerve's course as a schematic SVG: from its roots to its terminal branches, with its landmarks, where it is cut
and which branches the cut takes away.

The nerve runs down the drawing, its length to scale; above it, not to scale, the way its fibres come from the
roots (the parents it leaves, a plexus merge named). Its named landmarks sit on the left of the trunk, its branches
(and the targets it supplies directly) on the right, each at the position it leaves, labels pushed apart so none
overlaps another. A cut (from a :class:`~neurectomy.lesion.Deficit`) is drawn across the trunk; by the atlas's cut
semantics (DESIGN §4) it takes every branch leaving at or beyond it, and those branches and the trunk below the cut
are drawn in the "lost" colour with a dashed line and a hatched marker, so they read without colour too.

Pure: atlas and deficit in, SVG text out; no edge (web, report, body map) is imported.

>>> from neurectomy.api import default_atlas
>>> svg = course_svg(default_atlas(), "median nerve")
>>> svg.startswith("<svg") and 'data-nerve="anterior_interosseous_nerve"' in svg
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from neurectomy.svgtext import wrap

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas
    from neurectomy.lesion import Deficit, ResolvedCut

# Okabe–Ito colours, as the body maps use them (neurectomy.bodymap.palette): blue for what is lost
LOST = "#0072B2"
SPARED = "#3d4650"
MUTED = "#5b6673"
CUT = "#000000"
PAGE = "#ffffff"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
SIZE = 12.0
LINE = 1.25

WIDTH = 600.0
TRUNK_X = 200.0
LEFT_EDGE = 8.0
RIGHT_EDGE = WIDTH - 8.0
BRANCH_X = TRUNK_X + 70.0  # where branch labels start
LANDMARK_X = TRUNK_X - 46.0  # where landmark labels end


@dataclass(frozen=True)
class Item:
    """One thing along the nerve: a branch (``nerve`` its id), a target supplied directly, or a landmark."""

    kind: str  # "branch" | "direct" | "landmark"
    mm: float
    name: str
    ident: str
    state: str = "spared"  # "lost" | "spared" | "partly" (a cut inside the branch)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _ancestry(atlas: Atlas, idx: int) -> list[tuple[str, str, float, list[str]]]:
    """(id, name, where the next one leaves it in mm, the lines that say what joins it) from the root down to the
    nerve's parent. Each ancestor is shown with the nerves that join *it* (the sciatic nerve with the anterior rami
    of S1-S3 that join it in the sacral plexus), never with those of the nerve below it: the lumbosacral trunk is
    L4-L5 and was drawn "with fibres from S1, S2, S3", the sciatic nerve's (review 18c, finding 6). Only the joins
    whose fibres reach the drawn nerve are named (review 18d: S3 joined the sciatic nerve on the common fibular
    nerve's drawing, whose roots are L4-S2)."""
    chain: list[tuple[str, str, float, list[str]]] = []
    nerve = atlas.nerves[idx]
    leaves_at = nerve.origin_mm
    parent = nerve.parent
    while parent is not None:
        p = atlas.nerve(parent)
        chain.append((p.id, p.name, leaves_at, _joined_by(atlas, p.roots, p.also_from, reach=nerve.roots)))
        leaves_at = p.origin_mm
        parent = p.parent
    return chain[::-1]


_SEGMENTS = {
    f"{region}{k}": i * 100 + k
    for i, (region, n) in enumerate((("C", 8), ("T", 12), ("L", 5), ("S", 5), ("Co", 1)))
    for k in range(1, n + 1)
}

#: (plexus, the segments of the nerves formed in it, the segments of the anterior rami that join in it). Gray's: the
#: cervical plexus is formed by the anterior rami of C1-C4, the brachial by C5-T1, the lumbar by (T12) L1-L4, the
#: sacral by the lumbosacral trunk (L4-L5) and the anterior rami of S1-S3 (S4), the coccygeal by S4, S5 and Co1.
#: The lumbosacral trunk's own forming (L4 joining L5) is above the pelvis, in no plexus: its rami are not sacral.
PLEXUSES: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("cervical plexus", ("C1", "C4"), ("C1", "C4")),
    ("brachial plexus", ("C5", "T1"), ("C5", "T1")),
    ("lumbar plexus", ("T12", "L4"), ("T12", "L4")),
    ("sacral plexus", ("L4", "S4"), ("S1", "S4")),
    ("coccygeal plexus", ("S4", "Co1"), ("S4", "Co1")),
)


def _within(segments: Sequence[str], span: tuple[str, str]) -> bool:
    lo, hi = _SEGMENTS[span[0]], _SEGMENTS[span[1]]
    return bool(segments) and all(s in _SEGMENTS and lo <= _SEGMENTS[s] <= hi for s in segments)


def plexus_of(atlas: Atlas, roots: Sequence[str], also_from: Sequence[tuple[str, float]]) -> str | None:
    """The plexus where a nerve of these segments is joined by these nerves, when every one of them is an anterior
    ramus of a spinal nerve and the segments fit one plexus of :data:`PLEXUSES`; else None (derived, not per nerve).

    >>> from neurectomy.api import default_atlas
    >>> a = default_atlas()
    >>> n = a.nerve("sciatic nerve")
    >>> plexus_of(a, n.roots, n.also_from)
    'sacral plexus'
    >>> n = a.nerve("lumbosacral trunk")
    >>> plexus_of(a, n.roots, n.also_from) is None
    True
    """
    joining = [atlas.nerve(a) for a, _mm in also_from]
    if not joining or not all(j.name.startswith("anterior ramus of spinal nerve") for j in joining):
        return None
    for name, formed, rami in PLEXUSES:
        if _within(roots, formed) and all(_within(j.roots, rami) for j in joining):
            return name
    return None


def _joined_by(
    atlas: Atlas, roots: Sequence[str], also_from: Sequence[tuple[str, float]], reach: Sequence[str] = ()
) -> list[str]:
    """The lines that say what joins a nerve: "joined in the sacral plexus by the anterior ramus of spinal nerve S1",
    "and the … S2". With ``reach`` (the drawn nerve's segments) only the joins whose fibres reach it are named."""
    plexus = plexus_of(atlas, roots, also_from)
    names = [
        atlas.nerve(a).name
        for a, _mm in also_from
        if not reach or not atlas.nerve(a).roots or set(atlas.nerve(a).roots) & set(reach)
    ]
    where = f"joined in the {plexus} by" if plexus else "joined by"
    return [f"{where if k == 0 else 'and'} the {name}" for k, name in enumerate(names)]


def _shown_roots(roots: Sequence[str], reach: Sequence[str]) -> tuple[list[str], list[str]]:
    """An ancestor's segments that reach the drawn nerve, and those that do not (they leave in other branches)."""
    if not reach or not set(roots) & set(reach):
        return list(roots), []
    return [r for r in roots if r in reach], [r for r in roots if r not in reach]


def _way_lines(
    name: str, roots: Sequence[str], joined: Sequence[str], width: float, elsewhere: Sequence[str] = ()
) -> list[str]:
    """One step of the way from the roots: the nerve with its segments, then each nerve that joins it there on
    lines of its own ("joined by the anterior ramus of spinal nerve S1", "and the … S2"), so no name is split
    between two statements; then, for an ancestor, its segments whose fibres leave in other branches."""
    lines = wrap(f"{name} ({', '.join(roots)})" if roots else name, width, SIZE)
    for line in joined:
        lines += wrap(line, width, SIZE)
    if elsewhere:
        lines += wrap(f"(its {', '.join(elsewhere)} fibres go to other branches)", width, SIZE)
    return lines


def _cuts_on(atlas: Atlas, idx: int, deficit: Deficit | None, side: str | None) -> list[ResolvedCut]:
    if deficit is None:
        return []
    return [c for c in deficit.cuts if c.nerve_idx == idx and (side is None or c.side == side)]


def _proximal_cut(atlas: Atlas, idx: int, deficit: Deficit | None, side: str | None) -> ResolvedCut | None:
    """A cut on an ancestor at or before the point this nerve's line leaves it: the whole nerve is lost."""
    if deficit is None:
        return None
    nerve = atlas.nerves[idx]
    leaves_at = nerve.origin_mm
    parent = nerve.parent
    while parent is not None:
        p_idx = atlas.nerve_idx(parent)
        for c in deficit.cuts:
            if c.nerve_idx == p_idx and c.interrupts and c.mm <= leaves_at and (side is None or c.side == side):
                return c
        leaves_at = atlas.nerves[p_idx].origin_mm
        parent = atlas.nerves[p_idx].parent
    return None


def course_items(atlas: Atlas, nerve: str, deficit: Deficit | None = None, side: str | None = None) -> list[Item]:
    """Branches, directly supplied targets and landmarks of a nerve in order along it, each branch marked lost
    when a cut on the nerve lies at or proximal to where it leaves (or a cut upstream takes the whole nerve), and
    ``partly`` when a cut lies inside the branch's own subtree."""
    idx = atlas.nerve_idx(nerve)
    n = atlas.nerves[idx]
    cuts = [c for c in _cuts_on(atlas, idx, deficit, side) if c.interrupts]
    whole = _proximal_cut(atlas, idx, deficit, side) is not None
    first_cut = min((c.mm for c in cuts), default=None)

    def lost_at(mm: float) -> bool:
        return whole or (first_cut is not None and mm >= first_cut)

    items: list[Item] = []
    inside = {
        c.nerve_idx for c in (deficit.cuts if deficit else ()) if c.interrupts and (side is None or c.side == side)
    }
    for child in atlas.children[idx]:
        b = atlas.nerves[child]
        state = "lost" if lost_at(b.origin_mm) else "spared"
        if state == "spared" and any(i in inside for i in atlas.descendants(child)):
            state = "partly"
        items.append(Item("branch", b.origin_mm, b.name, b.id, state))
    for t in atlas.targets:
        for e in t.supply:
            if e.nerve == n.id:
                items.append(Item("direct", e.at_mm, t.name, t.id, "lost" if lost_at(e.at_mm) else "spared"))
    items.extend(Item("landmark", mm, name, name) for name, mm in n.landmarks)
    return sorted(items, key=lambda i: (i.mm, i.kind != "landmark", i.name))


def _place(anchors: Sequence[tuple[float, int]], gap: float) -> list[float]:
    """Top y of each label (anchor y, number of lines), in order, pushed down so none overlaps the one before."""
    out: list[float] = []
    bottom = -1e9
    for y, lines in anchors:
        top = max(y - SIZE * 0.5, bottom + gap)
        out.append(top)
        bottom = top + SIZE * LINE * lines
    return out


def _text(lines: Sequence[str], x: float, top: float, anchor: str, extra: str = "") -> str:
    return "".join(
        f'<text x="{_fmt(x)}" y="{_fmt(top + SIZE * (0.95 + LINE * i))}" text-anchor="{anchor}"{extra}>'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    )


def course_svg(
    atlas: Atlas,
    nerve: str,
    deficit: Deficit | None = None,
    *,
    side: str | None = None,
    href: Callable[[str], str] | None = None,
) -> str:
    """The schematic SVG of one nerve's course; with ``deficit``, its cuts on this nerve (on ``side``, or any side)
    marked and the branches they take away highlighted. ``href(nerve_id)`` makes each branch a link."""
    idx = atlas.nerve_idx(nerve)
    n = atlas.nerves[idx]
    items = course_items(atlas, nerve, deficit, side)
    cuts = _cuts_on(atlas, idx, deficit, side)
    upstream = _proximal_cut(atlas, idx, deficit, side)
    parts: list[str] = []

    # ---- title
    title = f"Course of the {n.name}" if not n.name.lower().startswith("the ") else f"Course of {n.name}"
    title_lines = wrap(title, RIGHT_EDGE - LEFT_EDGE, 15, bold=True)
    y = 8.0
    parts.extend(
        f'<text x="{_fmt(LEFT_EDGE)}" y="{_fmt(y + 14 + 15 * LINE * i)}" font-size="15" font-weight="bold" '
        f'fill="{SPARED}">{escape(line)}</text>'
        for i, line in enumerate(title_lines)
    )
    y += 15 * LINE * len(title_lines) + 4
    sub = "Its length to scale from where it begins; above it, not to scale, the way from its roots."
    sub_lines = wrap(sub, RIGHT_EDGE - LEFT_EDGE, 11)
    parts.extend(
        f'<text x="{_fmt(LEFT_EDGE)}" y="{_fmt(y + 11 + 11 * LINE * i)}" font-size="11" fill="{MUTED}">'
        f"{escape(line)}</text>"
        for i, line in enumerate(sub_lines)
    )
    y += 11 * LINE * len(sub_lines) + 14

    # ---- the way from the roots (not to scale)
    roots = ", ".join(n.roots) if n.roots else "brainstem, cord or chain"
    root_lines = wrap(f"Roots: {roots}", RIGHT_EDGE - LEFT_EDGE, SIZE, bold=True)
    parts.append(
        '<g class="roots">' + _text(root_lines, LEFT_EDGE, y, "start", f' font-weight="bold" fill="{SPARED}"') + "</g>"
    )
    y += SIZE * LINE * len(root_lines) + 6
    way = _ancestry(atlas, idx)
    joins = _joined_by(atlas, n.roots, n.also_from)
    if joins:  # the nerve itself is joined by others where it forms: said above its own line
        way.append(("", f"then the {n.name}", n.origin_mm, joins))
    for pid, pname, _leaves_at, also in way:
        roots_of, elsewhere = _shown_roots(atlas.nerve(pid).roots, n.roots) if pid else (list(n.roots), [])
        lines = _way_lines(pname, roots_of, also, RIGHT_EDGE - TRUNK_X - 18, elsewhere)
        h = max(26.0, SIZE * LINE * len(lines) + 6)
        lost = upstream is not None and upstream.nerve_id == pid
        stroke = f'stroke="{MUTED}" stroke-width="3" stroke-dasharray="2 4"'
        link = f'<a href="{escape(href(pid))}">' if href and pid else ""
        parts.append(
            f'<g class="{"ancestor" if pid else "formed"}" data-nerve="{pid or n.id}">'
            f'<line x1="{_fmt(TRUNK_X)}" y1="{_fmt(y)}" x2="{_fmt(TRUNK_X)}" y2="{_fmt(y + h)}" {stroke}/>'
            f"{link}"
            + _text(lines, TRUNK_X + 14, y + 2, "start", f' fill="{MUTED}"')
            + ("</a>" if link else "")
            + "</g>"
        )
        if lost and upstream is not None:
            parts.append(
                f'<g class="cut upstream" data-mm="{upstream.mm:g}" data-nerve="{pid}"><line x1="{_fmt(TRUNK_X - 26)}" '
                f'y1="{_fmt(y + h / 2)}" x2="{_fmt(TRUNK_X + 10)}" y2="{_fmt(y + h / 2)}" stroke="{CUT}" '
                f'stroke-width="4"/></g>'
            )
        y += h

    # ---- the nerve itself, to scale
    along = [i for i in items if i.kind != "landmark"]
    marks = [i for i in items if i.kind == "landmark"]
    span = max(n.length_mm, max((i.mm for i in items), default=0.0), 1.0)
    stack = sum(
        SIZE * LINE * len(wrap(f"{i.name} ({i.mm:g} mm) — cut further along", RIGHT_EDGE - BRANCH_X - 18, SIZE, True))
        + 4
        for i in along
    )
    per_mm = max(0.55, min(3.0, max(stack, (SIZE * LINE + 4) * 6) / span))
    top = y + 10
    first_cut = min((c.mm for c in cuts if c.interrupts), default=None)
    if upstream is not None:
        first_cut = 0.0

    def at(mm: float) -> float:
        return top + mm * per_mm

    end = at(span)
    trunk = [
        f'<line class="trunk" x1="{_fmt(TRUNK_X)}" y1="{_fmt(top)}" x2="{_fmt(TRUNK_X)}" '
        f'y2="{_fmt(at(first_cut if first_cut is not None else span))}" stroke="{SPARED}" stroke-width="5" '
        'stroke-linecap="round"/>'
    ]
    if first_cut is not None:
        trunk.append(
            f'<line class="trunk lost" x1="{_fmt(TRUNK_X)}" y1="{_fmt(at(first_cut))}" x2="{_fmt(TRUNK_X)}" '
            f'y2="{_fmt(end)}" stroke="{LOST}" stroke-width="5" stroke-dasharray="9 4"/>'
        )
    parts.append(f'<g class="nerve" data-nerve="{n.id}">' + "".join(trunk) + "</g>")
    # landmarks, the cuts and the nerve's end, left of the trunk, labels pushed apart
    left: list[tuple[float, str, list[str], str]] = []  # mm, kind, lines, data
    for m in marks:
        left.append((m.mm, "landmark", wrap(f"{m.name} ({m.mm:g} mm)", LANDMARK_X - LEFT_EDGE, SIZE), ""))
    for c in cuts:
        what = "" if c.interrupts else " (nothing cut)"
        where = f"{c.at}, {c.mm:g} mm" if c.at else f"{c.mm:g} mm"
        text = f"{c.side} {c.method.replace('_', ' ')} at {where}{what}"
        left.append((c.mm, "cut", wrap(text, LANDMARK_X - LEFT_EDGE, SIZE, True), c.side))
    left.append((span, "end", wrap(f"end of the nerve ({span:g} mm)", LANDMARK_X - LEFT_EDGE, SIZE), ""))
    left.sort(key=lambda e: (e[0], e[1] != "cut"))
    tops = _place([(at(mm), len(ls)) for mm, _k, ls, _d in left], 4)
    bottom = end
    for (mm, kind, ls, data), t in zip(left, tops, strict=True):
        mid = t + SIZE * LINE * len(ls) / 2
        yy = at(mm)
        leader = (
            f'<polyline points="{_fmt(TRUNK_X - 12)},{_fmt(yy)} {_fmt(LANDMARK_X + 6)},{_fmt(mid)} '
            f'{_fmt(LANDMARK_X + 2)},{_fmt(mid)}" fill="none" stroke="#9aa3ad" stroke-width="0.8"/>'
        )
        if kind == "cut":
            parts.append(
                f'<g class="cut" data-mm="{mm:g}" data-side="{data}">'
                f'<line x1="{_fmt(TRUNK_X - 22)}" y1="{_fmt(yy - 7)}" x2="{_fmt(TRUNK_X + 22)}" y2="{_fmt(yy + 7)}" '
                f'stroke="{PAGE}" stroke-width="9"/>'
                f'<line x1="{_fmt(TRUNK_X - 22)}" y1="{_fmt(yy - 7)}" x2="{_fmt(TRUNK_X + 22)}" y2="{_fmt(yy + 7)}" '
                f'stroke="{CUT}" stroke-width="4"/>'
                + leader.replace("#9aa3ad", CUT)
                + _text(ls, LANDMARK_X, t, "end", f' fill="{CUT}" font-weight="bold"')
                + "</g>"
            )
        else:
            tick = (
                f'<line x1="{_fmt(TRUNK_X - 12)}" y1="{_fmt(yy)}" x2="{_fmt(TRUNK_X + 12)}" y2="{_fmt(yy)}" '
                f'stroke="{MUTED}" stroke-width="1.5"/>'
            )
            parts.append(
                f'<g class="{kind}" data-mm="{mm:g}">{tick}{leader}'
                + _text(ls, LANDMARK_X, t, "end", f' fill="{MUTED}"')
                + "</g>"
            )
        bottom = max(bottom, t + SIZE * LINE * len(ls))

    # branches and direct targets, right of the trunk
    def label_of(i: Item) -> str:
        what = i.name if i.kind == "branch" else f"supplies {i.name}"
        state = {"lost": " — lost", "partly": " — cut further along", "spared": ""}[i.state]
        return f"{what} ({i.mm:g} mm){state}"

    branch_lines = [wrap(label_of(i), RIGHT_EDGE - BRANCH_X - 18, SIZE, i.state == "lost") for i in along]
    tops = _place([(at(i.mm), len(ls)) for i, ls in zip(along, branch_lines, strict=True)], 4)
    for i, ls, t in zip(along, branch_lines, tops, strict=True):
        mid = t + SIZE * LINE * len(ls) / 2
        lost = i.state == "lost"
        colour = LOST if lost else SPARED
        dash = ' stroke-dasharray="7 3"' if lost else ""
        width = "3" if i.kind == "branch" else "1.5"
        marker = (
            f'<rect x="{_fmt(BRANCH_X)}" y="{_fmt(mid - 6)}" width="12" height="12" fill="url(#course-lost)" '
            f'stroke="{LOST}"/>'
            if lost
            else f'<circle cx="{_fmt(BRANCH_X + 6)}" cy="{_fmt(mid)}" r="4" fill="{PAGE}" stroke="{SPARED}" '
            'stroke-width="1.5"/>'
        )
        body = _text(ls, BRANCH_X + 18, t, "start", f' fill="{colour}"' + (' font-weight="bold"' if lost else ""))
        if href and i.kind == "branch":
            body = f'<a href="{escape(href(i.ident))}">{body}</a>'
        parts.append(
            f'<g class="{i.kind}" data-nerve="{i.ident}" data-mm="{i.mm:g}" data-state="{i.state}">'
            f'<polyline points="{_fmt(TRUNK_X)},{_fmt(at(i.mm))} {_fmt(TRUNK_X + 30)},{_fmt(at(i.mm))} '
            f'{_fmt(BRANCH_X - 4)},{_fmt(mid)}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>'
            f"{marker}{body}</g>"
        )
        bottom = max(bottom, t + SIZE * LINE * len(ls))

    # ---- legend: only what is drawn (review 18c, finding 6)
    y = bottom + 24
    cut_drawn = bool(cuts) or upstream is not None
    lost_drawn = first_cut is not None or any(i.state == "lost" for i in along)
    kept = "nerve and branches kept" if cut_drawn else "the nerve and its branches"
    legend = [(f'<line x1="0" y1="6" x2="26" y2="6" stroke="{SPARED}" stroke-width="4"/>', kept)]
    if any(i.state != "lost" for i in along):
        legend.append(
            (
                f'<circle cx="6" cy="6" r="4" fill="{PAGE}" stroke="{SPARED}" stroke-width="1.5"/>',
                "open circle: a branch, or a muscle or skin area it supplies directly"
                + (", kept" if cut_drawn else ""),
            )
        )
    if lost_drawn:
        legend.append(
            (
                f'<line x1="0" y1="6" x2="26" y2="6" stroke="{LOST}" stroke-width="4" stroke-dasharray="7 3"/>'
                f'<rect x="30" y="0" width="12" height="12" fill="url(#course-lost)" stroke="{LOST}"/>',
                "lost: distal to the cut (blue, dashed, hatched marker)",
            )
        )
    if cut_drawn:
        legend.append((f'<line x1="4" y1="0" x2="30" y2="12" stroke="{CUT}" stroke-width="4"/>', "the cut"))
    legend.append(
        (
            f'<line x1="0" y1="6" x2="26" y2="6" stroke="{MUTED}" stroke-width="1.5"/>',
            "named landmark, and the end of the nerve" if marks else "the end of the nerve",
        )
    )
    if way:
        legend.append(
            (
                f'<line x1="13" y1="0" x2="13" y2="12" stroke="{MUTED}" stroke-width="3" stroke-dasharray="2 4"/>',
                "the way from the roots (not to scale)",
            )
        )
    for icon, text in legend:
        lines = wrap(text, RIGHT_EDGE - LEFT_EDGE - 56, 11)
        parts.append(f'<g transform="translate({_fmt(LEFT_EDGE)},{_fmt(y)})">{icon}</g>')
        parts.extend(
            f'<text x="{_fmt(LEFT_EDGE + 52)}" y="{_fmt(y + 10 + 11 * LINE * k)}" font-size="11" fill="{SPARED}">'
            f"{escape(line)}</text>"
            for k, line in enumerate(lines)
        )
        y += max(18.0, 11 * LINE * len(lines) + 5)
    note = wrap(
        "Schematic: lengths are typical adult estimates that order the branch points, not for measurement. "
        "Decision support and education, not a medical device.",
        RIGHT_EDGE - LEFT_EDGE,
        11,
    )
    parts.extend(
        f'<text x="{_fmt(LEFT_EDGE)}" y="{_fmt(y + 12 + 11 * LINE * k)}" font-size="11" font-style="italic" '
        f'fill="{MUTED}">{escape(line)}</text>'
        for k, line in enumerate(note)
    )
    height = y + 12 + 11 * LINE * len(note) + 8
    lost_names = [i.name for i in along if i.state == "lost"]
    desc = f"{title}: {len(along)} branches and direct supplies, {len(marks)} landmarks."
    if cuts or upstream is not None:
        desc += f" Lost: {', '.join(lost_names) if lost_names else 'nothing on this nerve'}."
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="course" width="{_fmt(WIDTH)}" height="{_fmt(height)}" '
        f'viewBox="0 0 {_fmt(WIDTH)} {_fmt(height)}" data-nerve="{n.id}" role="img" '
        f'aria-label="{escape(desc)}" font-family="{FONT}" font-size="{_fmt(SIZE)}">'
        f"<title>{escape(desc)}</title>"
        f'<defs><pattern id="course-lost" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="{LOST}"/><path d="M0,0 L5,5 M5,0 L0,5" stroke="{PAGE}" '
        f'stroke-opacity="0.6" stroke-width="0.8"/></pattern></defs>'
        f'<rect width="100%" height="100%" fill="{PAGE}"/>' + "".join(parts) + "</svg>\n"
    )


__all__ = ["Item", "course_items", "course_svg"]
