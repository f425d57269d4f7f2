"""What the pages show, computed from the core objects: body maps, comparisons, charts, the quiz."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from neurectomy.atlas.graph import Atlas
from neurectomy.lesion import Deficit, lesion

VIEW_LABELS: dict[str, str] = {
    "anterior": "Front",
    "posterior": "Back",
    "head": "Head",
    "hand_palmar": "Palm",
    "hand_dorsal": "Back of hand",
    "foot_dorsal": "Top of foot",
    "foot_plantar": "Sole",
}
GROUP_TITLES: tuple[tuple[str, str], ...] = (
    ("sensory", "Skin"),
    ("motor", "Muscles"),
    ("autonomic", "Autonomic"),
    ("special", "Special senses"),
    ("articular", "Joints"),
    ("visceral", "Viscera"),
)


def bodymap_svg(deficit: Deficit, atlas: Atlas) -> str | None:
    """The body-map chart of a deficit (None when the renderer is not installed)."""
    try:
        from neurectomy.bodymap.render import render_svg
    except ImportError:
        return None
    return render_svg(deficit, atlas=atlas)


def quiz_svg(deficit: Deficit, atlas: Atlas) -> str | None:
    """The body map of a deficit without naming the cut."""
    svg = bodymap_svg(Deficit((), deficit.losses), atlas)
    if svg is None:
        return None
    return svg.replace("Expected skin sensory loss: no cut", "Which nerve was cut? The skin it leaves numb")


@lru_cache(maxsize=16)
def picker_svg(atlas: Atlas, view: str) -> str | None:
    """A blank chart whose regions can be clicked (``data-region`` = skin-region id, ``<title>`` = name)."""
    try:
        from neurectomy.bodymap.render import render_svg
    except ImportError:
        return None
    svg = render_svg(Deficit((), ()), atlas=atlas, views=[view])
    svg = re.sub(r"<text[^>]*>Expected skin sensory loss: no cut</text>", "", svg)
    svg = re.sub(r"<text[^>]*>No skin sensation is lost;[^<]*</text>", "", svg)
    return _crop_to_panel(svg, view)


def _crop_to_panel(svg: str, view: str) -> str:
    """Crop a one-view chart to its panel (no title, legend or empty margin) so it fills the picker."""
    try:
        from neurectomy.bodymap.render import SCALE, load_chart

        width = load_chart(view).width * SCALE[view] + 40
    except (ImportError, KeyError, ValueError):
        return svg
    head = re.search(r'width="[\d.]+" height="([\d.]+)" viewBox="0 0 [\d.]+ ([\d.]+)"', svg)
    if head is None:
        return svg
    top, legend = 50.0, 105.0
    height = float(head[2]) - top - legend
    if height <= 100:
        return svg
    box = f'width="{width:.0f}" height="{height:.0f}" viewBox="0 {top:.0f} {width:.0f} {height:.0f}"'
    return svg[: head.start()] + box + svg[head.end() :]


def picker_views() -> list[tuple[str, str]]:
    """(view, label) of every chart."""
    try:
        from neurectomy.bodymap.render import VIEWS
    except ImportError:
        return []
    return [(v, VIEW_LABELS.get(v, v)) for v in VIEWS]


def _at(days: np.ndarray, values: np.ndarray, day: float) -> float:
    return float(np.interp(day, days, values)) if len(days) else 0.0


def course_summary(plan: Any) -> dict[str, Any]:
    """Headline numbers of a plan's timeline: function and pain at 6 months, 1 and 5 years; neuroma risk."""
    tl = plan.timeline
    d = plan.deficit
    out: dict[str, Any] = {
        "method": plan.method.name,
        "family": plan.method.family,
        "tubes": "intact" if plan.method.tubes_intact else "severed",
        "injury": f"{plan.method.seddon or 'none'}"
        + (f" (Sunderland {plan.method.sunderland})" if plan.method.sunderland else ""),
        "numb": sum(1 for x in d.sensory if x.effect == "anaesthetic"),
        "hypo": sum(1 for x in d.sensory if x.effect == "hypoaesthetic"),
        "paralysed": sum(1 for x in d.motor if x.effect == "paralysed"),
        "weak": sum(1 for x in d.motor if x.effect == "weak"),
        "other": sum(len(d.group(g)) for g in ("autonomic", "special", "articular", "visceral")),
    }
    n = len(tl.target_ids)
    course = tl.pain_course()  # over the painful region only, never over collateral numb regions
    for label, day in (("6 months", 182.6), ("1 year", 365.25), ("5 years", 1826.25)):
        if n:
            fn = np.mean([_at(tl.days, tl.curves.function[i], day) for i in range(n)])
            out[f"function {label}"] = f"{fn:.0%}"
        else:
            out[f"function {label}"] = "unchanged (nothing cut)"
        out[f"pain {label}"] = f"{_at(tl.days, course, day):.0%}" if course is not None else "not modelled"
    status, risk = tl.neuroma_summary()
    if not n or not len(tl.days):
        out["neuroma"] = "—"
    elif status == "rate":
        out["neuroma"] = f"{risk:.0%} by {tl.days[-1] / 365.25:.0f} years"
    else:
        out["neuroma"] = f"{status} at this site"
    return out


COMPARE_ROWS: tuple[tuple[str, str], ...] = (
    ("method", "Method"),
    ("injury", "Nerve injury (Seddon)"),
    ("tubes", "Basal lamina tubes"),
    ("numb", "Skin regions numb at first"),
    ("hypo", "Skin regions with reduced feeling"),
    ("paralysed", "Muscles paralysed at first"),
    ("weak", "Muscles weakened"),
    ("other", "Other losses"),
    ("function 6 months", "Function at 6 months (of normal, mean)"),
    ("function 1 year", "Function at 1 year"),
    ("function 5 years", "Function at 5 years"),
    ("pain 6 months", "Expected pain at 6 months (of before)"),
    ("pain 1 year", "Expected pain at 1 year"),
    ("pain 5 years", "Expected pain at 5 years"),
    ("neuroma", "Neuroma risk (model)"),
)


def timeline_spec(plan: Any) -> dict[str, Any] | None:
    """The Vega-Lite chart of a plan's course (None when nothing is lost)."""
    from neurectomy.charts import timeline_spec as spec

    if not len(plan.timeline.target_ids):
        return None
    title = (
        plan.procedure.name
        if plan.procedure
        else f"{plan.method.name}: " + ", ".join(c.nerve_name for c in plan.deficit.cuts)
    )
    chart = spec(plan.timeline, title)
    chart["spec"]["width"] = 230
    chart["spec"]["height"] = 170
    return chart


def stump_spec(result: dict[str, Any]) -> dict[str, Any]:
    """Vega-Lite chart of a stump job (mean with a 10th-90th percentile band), drawn by :mod:`neurectomy.plots`."""
    from neurectomy.plots import stump_spec as spec

    return spec(
        result["days"],
        result["reached"],
        result["neuroma_index"],
        result["method"],
        result["end_treatments"],
        f"{result['replicates']} replicate(s) of {result['n_axons']} axons; band = 10th-90th percentile.",
    )


# --------------------------------------------------------------------------- quiz
@dataclass(frozen=True)
class Question:
    """One quiz question: the hidden nerve, its deficit and the choices offered."""

    seed: int
    answer: str
    deficit: Deficit
    choices: tuple[tuple[str, str], ...]


@lru_cache(maxsize=4)
def quiz_pool(atlas: Atlas) -> tuple[int, ...]:
    """Nerves worth asking about: cutting them at their origin numbs charted skin, and they are not roots."""
    try:
        from neurectomy.bodymap import charted_regions
    except ImportError:
        return ()
    charted = charted_regions()
    pool = []
    for i, n in enumerate(atlas.nerves):
        if atlas.depth[i] < 1:
            continue
        d = lesion(atlas, _cut(n.id))
        numb = [x for x in d.sensory if x.target.id in charted and x.effect == "anaesthetic"]
        if numb and len(d.sensory) <= 25:
            pool.append(i)
    return tuple(pool)


def _cut(nerve_id: str) -> Any:
    from neurectomy.lesion import Cut

    return Cut(nerve_id)


def question(atlas: Atlas, seed: int) -> Question | None:
    """A reproducible question for ``seed``: four choices, distractors from the same body region when possible."""
    pool = quiz_pool(atlas)
    if not pool:
        return None
    rnd = random.Random(seed)
    i = rnd.choice(pool)
    nerve = atlas.nerves[i]
    same = [j for j in pool if j != i and atlas.nerves[j].file == nerve.file]
    other = [j for j in pool if j != i and j not in same]
    picks = rnd.sample(same, min(3, len(same)))
    picks += rnd.sample(other, 3 - len(picks))
    choices = [(atlas.nerves[j].id, atlas.nerves[j].name) for j in [i, *picks]]
    rnd.shuffle(choices)
    return Question(seed, nerve.id, lesion(atlas, _cut(nerve.id)), tuple(choices))


def grade(atlas: Atlas, q: Question, guess: str) -> dict[str, Any]:
    """Feedback: right (the same nerve, or one whose cut takes exactly the same), or what the guess would take."""
    answer = atlas.nerve(q.answer)
    try:
        g = atlas.nerve(guess)
    except LookupError:
        return {"correct": False, "answer": answer, "guess": None, "missed": [], "extra": []}
    guessed = lesion(atlas, _cut(g.id))
    want = {(x.target.id, x.effect) for x in q.deficit.losses}
    got = {(x.target.id, x.effect) for x in guessed.losses}
    names = {x.target.id: x.target.name for x in (*q.deficit.losses, *guessed.losses)}
    return {
        "correct": g.id == answer.id or want == got,
        "answer": answer,
        "guess": g,
        "missed": sorted({names[t] for t, _ in want - got}),
        "extra": sorted({names[t] for t, _ in got - want}),
    }
