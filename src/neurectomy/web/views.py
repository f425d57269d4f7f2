"""What the pages show, computed from the core objects: body maps, comparisons, charts, the quiz."""

from __future__ import annotations

import math
import random
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


#: the result maps' texts at least this many px (as the pickers'): a 390 px phone shows a panel (one above the other)
#: at about 0.65 to 1 of its size, where the charts' 7 and 9 px labels came out at about 4 px
SCREEN_TEXT_MIN = 14.5


def bodymap_svg(deficit: Deficit, atlas: Atlas) -> str | None:
    """The body-map chart of a deficit, laid out for a screen (None when the renderer is not installed)."""
    try:
        from neurectomy.bodymap.render import render_svg
    except ImportError:
        return None
    return render_svg(deficit, atlas=atlas, text_min=SCREEN_TEXT_MIN, screen=True)


def quiz_svg(deficit: Deficit, atlas: Atlas) -> str | None:
    """The body map of a deficit without naming the cut."""
    svg = bodymap_svg(Deficit((), deficit.losses), atlas)
    if svg is None:
        return None
    return svg.replace("Expected skin sensory loss: no cut", "Where is the lesion? The skin it leaves numb")


@lru_cache(maxsize=16)
def picker_svg(atlas: Atlas, view: str) -> str | None:
    """A blank chart of both sides whose regions can be clicked or chosen by keyboard (``data-region`` = skin-region
    id, ``data-side``, ``aria-label`` = name and side)."""
    try:
        from neurectomy.bodymap.render import render_picker
    except ImportError:
        return None
    return render_picker(atlas, view)


@lru_cache(maxsize=1)
def condition_options() -> tuple[tuple[str, str], ...]:
    """The Find page's Condition suggestions (a ``<datalist>``): every condition of the conditions table by name,
    its synonyms and ICD-10-CM code as the option's label (typing a synonym or a code finds it), sorted by name."""
    from neurectomy.conditions import load

    out = []
    for c in load().values():
        extra = list(c.synonyms) + ([c.icd10cm.code] if c.icd10cm is not None else [])
        out.append((c.name, "; ".join(extra)))
    return tuple(sorted(out, key=lambda o: o[0].lower()))


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
    # axes a reader can read: the y axis in percent with a title, five year ticks that do not crowd (review 18, 11)
    enc = chart["spec"]["encoding"]
    enc["y"] = {
        **enc["y"],
        "title": "% (function: of normal; pain: of before; risk)",
        "axis": {"format": "%", "tickCount": 5},
    }
    enc["x"] = {**enc["x"], "axis": {"tickCount": 5, "labelFlush": True, "format": "~r"}}
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
#: Questions in one run; the run (its seed and the answers given) lives in the URL, never on the server.
QUIZ_ROUND = 10
#: What a finding is called, by target kind and observed category (absent, reduced, normal).
FINDING_WORDS: dict[str, tuple[str, str, str]] = {
    "muscle": ("paralysed", "weak", "normal strength"),
    "skin": ("numb", "reduced feeling", "normal feeling"),
}
OTHER_WORDS = ("lost", "reduced", "normal")
EXAMINABLE = ("muscle", "skin", "special", "gland")  # what a clinician can test at the bedside (not joints, viscera)


@dataclass(frozen=True)
class QuizSite:
    """A lesion the quiz asks about or offers as a choice: a nerve at a named level (``at`` None: its origin).

    ``classic`` is the textbook picture for sites the quiz may ask about; sites without it are the nearby levels
    and neighbouring nerves offered as distractors."""

    key: str
    nerve: str
    at: str | None
    label: str
    region: str
    classic: str = ""


#: The quiz's sites, one per line: key | nerve id | landmark ("-": at its origin) | label | the classic picture (only
#: for the sites the quiz asks about; the others are nearby levels and neighbouring nerves offered as distractors).
_QUIZ_TABLE = """
# upper limb
radial-axilla | radial_nerve | axilla | radial nerve in the axilla | crutch palsy: wrist drop with weak triceps
radial-spiral-groove | radial_nerve | spiral groove | radial nerve in the spiral groove | Saturday night palsy: \
wrist drop, triceps spared
radial-elbow | radial_nerve | elbow (lateral epicondyle) | radial nerve at the elbow |
pin-frohse | posterior_interosseous_nerve | arcade of Frohse | posterior interosseous nerve at the arcade of Frohse | \
posterior interosseous syndrome: finger drop without numbness
superficial-radial | superficial_branch_of_radial_nerve | emerges between brachioradialis and ECRL tendons | \
superficial branch of the radial nerve in the forearm | Wartenberg's syndrome (cheiralgia paraesthetica)
ulnar-cubital-tunnel | ulnar_nerve | cubital tunnel | ulnar nerve at the elbow (cubital tunnel) | cubital tunnel \
syndrome
ulnar-guyon | ulnar_nerve | Guyon's canal | ulnar nerve at the wrist (Guyon's canal) | Guyon's canal (handlebar) palsy
deep-ulnar-hamate | deep_branch_of_ulnar_nerve | hook of hamate | deep branch of the ulnar nerve at the hook of \
hamate |
median-elbow | median_nerve | elbow (cubital fossa) | median nerve at the elbow | median nerve injury at the elbow \
(supracondylar fracture)
median-pronator | median_nerve | between heads of pronator teres | median nerve between the heads of pronator teres \
| pronator syndrome
ain | anterior_interosseous_nerve | - | anterior interosseous nerve | anterior interosseous syndrome: no 'OK' sign, \
no numbness
median-carpal-tunnel | median_nerve | carpal tunnel | median nerve in the carpal tunnel | carpal tunnel syndrome
recurrent-median | recurrent_branch_of_median_nerve | - | recurrent (thenar motor) branch of the median nerve |
axillary-surgical-neck | axillary_nerve | surgical neck of humerus | axillary nerve at the surgical neck of the \
humerus | fracture of the surgical neck or dislocation of the shoulder
long-thoracic | long_thoracic_nerve | lateral chest wall (mid-axillary line) | long thoracic nerve on the chest wall \
| winged scapula
suprascapular-notch | suprascapular_nerve | suprascapular notch | suprascapular nerve at the suprascapular notch | \
suprascapular notch entrapment
suprascapular-spinoglenoid | suprascapular_nerve | spinoglenoid notch | suprascapular nerve at the spinoglenoid \
notch | spinoglenoid notch cyst (volleyball shoulder)
musculocutaneous | musculocutaneous_nerve | pierces coracobrachialis | musculocutaneous nerve in coracobrachialis |
upper-trunk | superior_trunk_of_brachial_plexus | - | upper trunk of the brachial plexus | Erb's palsy (waiter's tip)
lower-trunk | inferior_trunk_of_brachial_plexus | - | lower trunk of the brachial plexus | Klumpke's palsy
posterior-cord | posterior_cord_of_brachial_plexus | - | posterior cord of the brachial plexus |
# lower limb
common-fibular-neck | common_fibular_nerve | fibular neck | common fibular nerve at the fibular neck | foot drop \
after crossing the legs
common-fibular-popliteal | common_fibular_nerve | popliteal fossa | common fibular nerve in the popliteal fossa |
deep-fibular | deep_fibular_nerve | - | deep fibular nerve below the fibular neck |
deep-fibular-ankle | deep_fibular_nerve | inferior extensor retinaculum | deep fibular nerve at the ankle | anterior \
tarsal tunnel syndrome
superficial-fibular | superficial_fibular_nerve | - | superficial fibular nerve below the fibular neck |
superficial-fibular-fascia | superficial_fibular_nerve | crural fascia | superficial fibular nerve where it pierces \
the crural fascia | superficial fibular nerve entrapment
sciatic-notch | sciatic_nerve | greater sciatic notch | sciatic nerve at the greater sciatic notch | sciatic nerve \
injury in posterior dislocation of the hip
sciatic-mid-thigh | sciatic_nerve | mid-thigh | sciatic nerve in the mid-thigh |
tibial-popliteal | tibial_nerve | popliteal fossa | tibial nerve in the popliteal fossa |
tibial-tarsal-tunnel | tibial_nerve | tarsal tunnel | tibial nerve in the tarsal tunnel | tarsal tunnel syndrome
lfcn-inguinal | lateral_cutaneous_nerve_of_thigh | inguinal ligament | lateral cutaneous nerve of the thigh at the \
inguinal ligament | meralgia paraesthetica
femoral-inguinal | femoral_nerve | inguinal ligament | femoral nerve at the inguinal ligament | femoral neuropathy \
after a groin haematoma or hip surgery
femoral-psoas | femoral_nerve | lateral border of psoas major | femoral nerve in the pelvis |
saphenous-adductor | saphenous_nerve | exit from adductor canal | saphenous nerve leaving the adductor canal |
obturator-canal | obturator_nerve | obturator canal | obturator nerve in the obturator canal | obturator neuropathy \
after pelvic surgery or childbirth
superior-gluteal | superior_gluteal_nerve | - | superior gluteal nerve | Trendelenburg gait after a misplaced \
gluteal injection
# head and neck
facial-stylomastoid | facial_nerve | stylomastoid foramen | facial nerve at the stylomastoid foramen | facial palsy \
with taste and tears spared
facial-tympanic | facial_nerve | tympanic segment (middle ear) | facial nerve in the middle ear |
facial-meatus | facial_nerve | internal acoustic meatus | facial nerve in the internal acoustic meatus | facial \
palsy with a dry eye and lost taste (a tumour in the internal acoustic meatus)
accessory-posterior-triangle | accessory_nerve | posterior triangle of neck | accessory nerve in the posterior \
triangle of the neck | shoulder droop after a lymph-node biopsy in the neck
accessory-jugular | accessory_nerve | jugular foramen | accessory nerve at the jugular foramen |
# trunk and pelvis
ilioinguinal | ilioinguinal_nerve | inguinal canal | ilioinguinal nerve in the inguinal canal | groin numbness after \
hernia repair
iliohypogastric | iliohypogastric_nerve | anterior superior iliac spine | iliohypogastric nerve near the anterior \
superior iliac spine |
genitofemoral | genitofemoral_nerve | above inguinal ligament | genitofemoral nerve above the inguinal ligament |
pudendal-canal | pudendal_nerve | pudendal canal | pudendal nerve in the pudendal (Alcock's) canal | pudendal \
neuralgia in a cyclist
pudendal-ischial-spine | pudendal_nerve | ischial spine | pudendal nerve at the ischial spine |
"""


def _parse_quiz_table(text: str) -> tuple[QuizSite, ...]:
    out, region = [], ""
    for line in text.splitlines():  # (a backslash at the end of a line continues it)
        if line.startswith("# "):
            region = line[2:].strip()
        elif line.strip():
            key, nerve, at, label, classic = (part.strip() for part in line.split("|"))
            out.append(QuizSite(key, nerve, None if at == "-" else at, label, region, classic))
    return tuple(out)


QUIZ_SITES: tuple[QuizSite, ...] = _parse_quiz_table(_QUIZ_TABLE)


@dataclass(frozen=True)
class QuizFinding:
    """One finding shown in a question: a target, its kind and what the examiner found."""

    target: int
    name: str
    kind: str
    observed: str  # absent, reduced or normal
    word: str  # paralysed, numb, weak, normal strength, lost, …


@dataclass(frozen=True)
class Question:
    """Question ``index`` of the run ``seed``: the hidden site, its deficit, the findings shown and the choices."""

    seed: int
    index: int
    answer: str
    site: QuizSite
    deficit: Deficit
    findings: tuple[QuizFinding, ...]
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Prepared:
    site: QuizSite
    deficit: Deficit
    categories: dict[int, int]  # examinable target -> 0 absent / 1 reduced (targets not listed: normal)


def _word(kind: str, category: int) -> str:
    return FINDING_WORDS.get(kind, OTHER_WORDS)[category]


def _categories(atlas: Atlas, deficit: Deficit) -> dict[int, int]:
    from neurectomy.localisation import FULL

    out: dict[int, int] = {}
    for x in deficit.losses:
        if x.target.kind in EXAMINABLE and x.supply_lost > 1e-9:
            t = atlas.target_index[x.target.id]
            out[t] = min(out.get(t, 2), 0 if x.supply_lost >= FULL else 1)
    return out


@lru_cache(maxsize=4)
def quiz_sites(atlas: Atlas) -> dict[str, _Prepared]:
    """Every quiz site the atlas can cut (unknown nerves or landmarks are left out), with its deficit."""
    from neurectomy.lesion import Cut
    from neurectomy.names import RequestError

    out: dict[str, _Prepared] = {}
    for s in QUIZ_SITES:
        try:
            deficit = lesion(atlas, Cut(s.nerve, at=s.at))
        except (LookupError, RequestError):
            continue
        categories = _categories(atlas, deficit)
        if categories:
            out[s.key] = _Prepared(s, deficit, categories)
    return out


def _differs(a: _Prepared, b: _Prepared) -> bool:
    return a.categories != b.categories


def _tree_distance(atlas: Atlas, a: str, b: str) -> int:
    """Edges between two nerves in the atlas's primary tree (through their nearest common ancestor)."""
    up: dict[str, int] = {}
    node: str | None = a
    while node is not None and node not in up:
        up[node] = len(up)
        node = atlas.nerve(node).parent
    node, steps = b, 0
    while node is not None and node not in up:
        node, steps = atlas.nerve(node).parent, steps + 1
    return steps + up[node] if node is not None else 99


def _closeness(atlas: Atlas, a: _Prepared, b: _Prepared) -> float:
    """How alike two sites are: the share of abnormal findings they have in common, and how near they lie in the
    nerve tree (the same nerve at another level is nearest)."""
    x, y = set(a.categories), set(b.categories)
    return len(x & y) / len(x | y) + 1.0 / (1 + _tree_distance(atlas, a.site.nerve, b.site.nerve))


def _distractors(
    atlas: Atlas, sites: dict[str, _Prepared], answer: _Prepared, rnd: random.Random, n: int = 3
) -> list[_Prepared]:
    """``n`` other choices from the answer's region: always the site most like it (usually the same nerve at another
    level), then others drawn from the next most alike, each told apart from the answer and from one another by
    some finding."""
    pool = [p for p in sites.values() if p.site.region == answer.site.region and _differs(p, answer)]
    pool.sort(key=lambda p: (-_closeness(atlas, answer, p), p.site.key))
    chosen: list[_Prepared] = pool[:1]
    near = pool[1 : n + 3]
    rnd.shuffle(near)
    for p in near + pool[n + 3 :]:
        if len(chosen) == n:
            break
        if all(_differs(p, c) for c in chosen):
            chosen.append(p)
    return chosen


def _loglik_gap(observed: str, answer_cat: int, other_cat: int) -> float:
    """log P(observed | answer's prediction) - log P(observed | the other's), from the localiser's model."""
    from neurectomy.localisation import OBSERVATION

    row = OBSERVATION[observed]  # type: ignore[index]
    return math.log(row[answer_cat]) - math.log(row[other_cat])


def _shown_findings(atlas: Atlas, answer: _Prepared, others: list[_Prepared]) -> tuple[QuizFinding, ...]:
    """The answer's abnormal findings, and for each other choice the (up to) three examined-normal findings that
    count most against it, muscles first."""
    out: dict[int, QuizFinding] = {}
    for t, c in answer.categories.items():
        target = atlas.targets[t]
        out[t] = QuizFinding(t, target.name, target.kind, ("absent", "reduced")[c], _word(target.kind, c))
    for other in others:
        spared = [t for t in other.categories if t not in answer.categories]
        spared.sort(
            key=lambda t: (
                -_loglik_gap("normal", 2, other.categories[t]),
                atlas.targets[t].kind != "muscle",
                atlas.targets[t].name,
            )
        )
        for t in spared[:3]:
            target = atlas.targets[t]
            out[t] = QuizFinding(t, target.name, target.kind, "normal", _word(target.kind, 2))
    order = {"absent": 0, "reduced": 1, "normal": 2}
    return tuple(sorted(out.values(), key=lambda f: (order[f.observed], f.kind != "muscle", f.name)))


def _classics(sites: dict[str, _Prepared]) -> list[str]:
    return [k for k, p in sites.items() if p.site.classic]


@lru_cache(maxsize=256)
def question(atlas: Atlas, seed: int, index: int = 0) -> Question | None:
    """Question ``index`` of the run ``seed`` (reproducible): a classic lesion, its findings, and four choices —
    the answer and three sites of the same region that look most like it (nearby levels, neighbouring nerves).

    A run asks the classics in a shuffled order, so no lesion comes twice in a run of :data:`QUIZ_ROUND`."""
    sites = quiz_sites(atlas)
    classics = _classics(sites)
    if not classics or index < 0:
        return None
    order = sorted(classics)
    random.Random(seed).shuffle(order)
    answer = sites[order[index % len(order)]]
    rnd = random.Random(f"{seed}:{index}")
    others = _distractors(atlas, sites, answer, rnd)
    choices = [(p.site.key, p.site.label) for p in [answer, *others]]
    rnd.shuffle(choices)
    findings = _shown_findings(atlas, answer, others)
    return Question(seed, index, answer.site.key, answer.site, answer.deficit, findings, tuple(choices))


def _discriminating(atlas: Atlas, q: Question, guess: _Prepared) -> list[dict[str, Any]]:
    """The shown findings that tell the answer from the guess, strongest first (the log-likelihood gap of the
    localiser's observation model: how much likelier the finding is under the answer than under the guess)."""
    out: list[dict[str, Any]] = []
    for f in q.findings:
        a = {"absent": 0, "reduced": 1, "normal": 2}[f.observed]
        g = guess.categories.get(f.target, 2)
        if a == g:
            continue
        gap = _loglik_gap(f.observed, a, g)
        out.append(
            {
                "finding": f"{f.name}: {f.word}",
                "kind": f.kind,
                "guess_predicts": _word(f.kind, g),
                "ratio": math.exp(gap),
                "gap": gap,
            }
        )
    out.sort(key=lambda d: (-round(d["gap"], 9), d["kind"] != "muscle", d["finding"]))
    return out


def _localiser_reading(atlas: Atlas, q: Question) -> dict[str, Any] | None:
    """What :func:`neurectomy.localise` makes of the shown findings (open world): its first site and posterior."""
    from neurectomy.localisation import Finding, localise
    from neurectomy.names import RequestError

    findings = [Finding(f.target, f.observed, f.word) for f in q.findings]  # type: ignore[arg-type]
    try:
        result = localise(atlas, findings, top=1, next_tests=0)
    except RequestError:
        return None
    if not result.sites:
        return None
    best = result.sites[0]
    return {"level": best.level, "posterior": best.posterior, "hypotheses": result.hypotheses}


def grade(atlas: Atlas, q: Question, guess: str) -> dict[str, Any]:
    """Feedback on a guess (a choice key): right or not, the findings that separate the answer from the guess (or,
    when right, the finding that rules out each other choice), and the localiser's own reading of the findings."""
    sites = quiz_sites(atlas)
    answer = sites[q.answer]
    chosen = sites.get(guess)
    labels = dict(q.choices)
    feedback: dict[str, Any] = {
        "correct": chosen is not None and (chosen.site.key == answer.site.key or not _differs(chosen, answer)),
        "answer": answer.site,
        "guess": chosen.site if chosen is not None else None,
        "discriminating": [],
        "ruled_out": [],
        "localiser": _localiser_reading(atlas, q),
    }
    if chosen is not None and not feedback["correct"]:
        feedback["discriminating"] = _discriminating(atlas, q, chosen)
    for key in labels:
        if key != answer.site.key and key in sites:
            best = _discriminating(atlas, q, sites[key])[:1]
            if best:
                feedback["ruled_out"].append({"label": labels[key], **best[0]})
    return feedback


def quiz_run(atlas: Atlas, seed: int, done: str) -> list[dict[str, Any]]:
    """The answered questions of a run (``done``: the index of the choice given to each question, in order), each
    with the site asked, the choice given and whether it was right — the score is recomputed, never stored."""
    out = []
    for k, digit in enumerate(done):
        q = question(atlas, seed, k)
        if q is None or int(digit) >= len(q.choices):
            break
        key, label = q.choices[int(digit)]
        out.append({"index": k, "asked": q.site, "given": label, "correct": grade_key(atlas, q, key)})
    return out


def grade_key(atlas: Atlas, q: Question, key: str) -> bool:
    """Whether choice ``key`` is right for ``q`` (the same site, or one no finding tells apart from it)."""
    sites = quiz_sites(atlas)
    chosen = sites.get(key)
    return chosen is not None and (key == q.answer or not _differs(chosen, sites[q.answer]))


def quiz_findings_query(q: Question) -> list[tuple[str, str]]:
    """The question's findings as the localise page's fields, to try them in the localiser."""
    fields = {
        ("muscle", "absent"): "paralysed",
        ("muscle", "reduced"): "weak",
        ("skin", "absent"): "numb",
        ("skin", "reduced"): "hypo",
    }
    out = []
    for f in q.findings:
        if f.observed == "normal":
            out.append(("spared", f.name))
        else:
            out.append((fields.get((f.kind, f.observed), "lost" if f.observed == "absent" else "hypo"), f.name))
    return out


# --------------------------------------------------------------------------- localise page
MUSCLE_GROUPS: tuple[tuple[str, str], ...] = (
    ("upper_limb.yaml", "Upper limb"),
    ("lower_limb.yaml", "Lower limb"),
    ("trunk_neck.yaml", "Neck, trunk and pelvis"),
    ("spine.yaml", "Back (deep muscles of the spine)"),
    ("head.yaml", "Head"),
)


@lru_cache(maxsize=4)
def muscle_groups(atlas: Atlas) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every muscle of the atlas by limb or region (its data file), for the localise page's grouped list."""
    by_file: dict[str, list[str]] = {}
    for t in atlas.targets:
        if t.kind == "muscle":
            by_file.setdefault(t.file, []).append(t.name)
    labels = dict(MUSCLE_GROUPS)
    order = [f for f, _ in MUSCLE_GROUPS] + sorted(set(by_file) - set(labels))
    return tuple(
        (labels.get(f, f.removesuffix(".yaml").replace("_", " ").capitalize()), tuple(sorted(by_file[f])))
        for f in order
        if f in by_file
    )
