"""Where is the lesion? Findings → ranked lesion sites with posterior probabilities, and the best next test.

(The module is called ``localisation`` so that importing it never shadows the function ``neurectomy.localise``.)

The inverse of :func:`neurectomy.lesion.lesion`, reasoned as a neurologist does:

* **Hypotheses** are one lesion, or two, anywhere in the atlas on the examined side: a nerve (root, trunk, cord,
  division, branch) between two consecutive branch points — every such window interrupts the same supply paths,
  so the windows are all the distinct sites there are. Windows of different nerves that interrupt the same paths
  are one hypothesis, reported with its equivalent names. The hypothesis set is *every* single lesion and *every*
  pair of lesions of which each takes away at least one abnormal finding; a lesion that takes away none can only
  turn a normal finding abnormal, so adding it never raises the likelihood and such hypotheses never rank above
  their smaller form. Enumeration is exhaustive over that set, so the ranking is exact.
* **Findings** are observations of a target: absent (numb, paralysed = MRC 0, a lost function), reduced (reduced
  feeling, weak = MRC 1–4) or normal (MRC 5, examined normal). Targets not mentioned are *not examined* and carry
  no evidence, unless ``closed_world`` says that everything not mentioned was examined and normal.
* **Likelihood**: a lesion predicts each target's loss (the interrupted share of its supply); the prediction is a
  category (absent, reduced, normal) and each observation has a probability given it (:data:`OBSERVATION`), so a
  weak muscle is what a cut of one of its two supplies predicts, and clinical error is tolerated, not ignored.
* **Prior**: one lesion is more likely than two (:data:`TWO_LESIONS`), and common entrapment sites more likely
  than other windows (:data:`ENTRAPMENT`). The posterior is normalised over the hypothesis set.
* **The best next test** is the examination (a muscle's strength, a skin area's feeling) with the largest
  expected information gain over the current posterior, with what each answer would point to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from neurectomy.atlas.graph import Atlas
from neurectomy.budget import Budget, active
from neurectomy.lesion import SIDES, Side
from neurectomy.names import RequestError, UnknownNameError, listing

Observed = Literal["absent", "reduced", "normal"]
CATEGORIES: tuple[Observed, ...] = ("absent", "reduced", "normal")
FULL = 1.0 - 1e-9

#: P(observation | predicted category), rows: observed; columns: predicted absent, reduced, normal.
OBSERVATION: dict[Observed, tuple[float, float, float]] = {
    "absent": (0.85, 0.15, 0.02),
    "reduced": (0.12, 0.70, 0.08),
    "normal": (0.03, 0.15, 0.90),
}
OBSERVATION_SOURCE = (
    "estimate: clinical examination misgrades a finding now and then — an anaesthetic zone is sometimes recorded as "
    "reduced, overlap from a neighbouring nerve can make a partly denervated area feel normal, and an incomplete "
    "lesion leaves a muscle weak rather than paralysed; illustrative error rates, no figure in the evidence table"
)
TWO_LESIONS = 0.05
TWO_LESIONS_SOURCE = (
    "estimate: a single lesion explains most mononeuropathies seen in clinic (parsimony); two independent lesions "
    "are given 5% of the prior mass, an illustrative value"
)
#: Common entrapment and injury sites (nerve id, landmark): prior weight relative to any other window.
ENTRAPMENT: dict[tuple[str, str], float] = {
    ("median_nerve", "carpal tunnel"): 5.0,
    ("ulnar_nerve", "cubital tunnel"): 5.0,
    ("ulnar_nerve", "Guyon's canal"): 3.0,
    ("radial_nerve", "spiral groove"): 5.0,
    ("posterior_interosseous_nerve", "arcade of Frohse"): 3.0,
    ("common_fibular_nerve", "fibular neck"): 5.0,
    ("tibial_nerve", "tarsal tunnel"): 3.0,
    ("lateral_cutaneous_nerve_of_thigh", "inguinal ligament"): 5.0,
    ("suprascapular_nerve", "suprascapular notch"): 3.0,
    ("axillary_nerve", "surgical neck of humerus"): 3.0,
    ("pudendal_nerve", "pudendal canal"): 2.0,
}
ENTRAPMENT_SOURCE = (
    "estimate: the usual compression and injury sites taught for each nerve (gray42, moore9); the weights (2-5 times "
    "any other window) are illustrative, not measured frequencies"
)


# --------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Finding:
    """One observation of one target: ``observed`` is absent, reduced or normal."""

    target: int
    observed: Observed
    label: str


def read_findings(
    atlas: Atlas,
    *,
    numb: Iterable[str] = (),
    hypo: Iterable[str] = (),
    paralysed: Iterable[str] = (),
    weak: Iterable[str] = (),
    lost: Iterable[str] = (),
    normal: Iterable[str] = (),
    mrc: Mapping[str, int] | None = None,
    budget: Budget | None = None,
) -> tuple[Finding, ...]:
    """The findings, each name resolved exactly (regions, muscles or functions; see
    :func:`neurectomy.targeting.resolve_function`). A target given two different observations is an error; a
    phrase standing for more targets than ``budget.targets`` too."""
    from neurectomy.targeting import resolve_function

    found: dict[int, Finding] = {}

    fits = {
        "numb": ("skin",),
        "hypo": ("skin",),
        "paralysed": ("muscle",),
        "weak": ("muscle",),
        "mrc": ("muscle",),
    }

    def add(texts: Iterable[str], observed: Observed, field: str, label: str) -> None:
        for text in texts:
            try:
                targets = resolve_function(atlas, text)
            except UnknownNameError as exc:
                exc.field = field
                raise
            (budget or active()).check_targets(field, text, len(targets))
            for t in targets:
                kinds = fits.get(field)
                if kinds and atlas.targets[t].kind not in kinds:
                    raise RequestError(
                        field,
                        f"{atlas.targets[t].name} is a {atlas.targets[t].kind}; '{label}' is a finding of a "
                        f"{' or '.join(kinds)} (use lost for a function, spared for anything examined normal)",
                    )
                old = found.get(t)
                if old is not None and old.observed != observed:
                    raise RequestError(
                        field,
                        f"{atlas.targets[t].name} is given as both {old.label} and {label}; give one observation",
                    )
                found[t] = Finding(t, observed, label)

    add(numb, "absent", "numb", "numb")
    add(paralysed, "absent", "paralysed", "paralysed")
    add(lost, "absent", "lost", "lost")
    add(hypo, "reduced", "hypo", "reduced feeling")
    add(weak, "reduced", "weak", "weak")
    for name, grade in (mrc or {}).items():
        if grade not in range(6):
            raise RequestError("mrc", f"an MRC grade is 0 to 5, not {grade!r} (for {name})")
        observed: Observed = "absent" if grade == 0 else "normal" if grade == 5 else "reduced"
        add([name], observed, "mrc", f"MRC {grade}")
    add(normal, "normal", "spared", "normal")
    if not any(f.observed != "normal" for f in found.values()):
        raise RequestError("numb", "give at least one abnormal finding (numb, reduced, weak, paralysed or lost)")
    return tuple(found[t] for t in sorted(found))


# --------------------------------------------------------------------------- the hypothesis space
@dataclass(frozen=True)
class Window:
    """A lesion site: nerve ``nerve`` cut anywhere in ``(lo_mm, hi_mm]`` interrupts exactly ``paths``."""

    nerve: int
    lo_mm: float
    hi_mm: float
    paths: tuple[int, ...]


@dataclass(frozen=True)
class Pool:
    """Every distinct lesion site of an atlas (deduplicated by the paths it interrupts) and its prior weight."""

    windows: tuple[Window, ...]
    equivalents: tuple[tuple[Window, ...], ...]
    weight: npt.NDArray[np.float64]
    covering: tuple[tuple[int, ...], ...]  # per path: the windows that interrupt it
    bits: tuple[int, ...]  # per window: its paths as a bit set, for fast containment tests


@lru_cache(maxsize=4)
def pool(atlas: Atlas) -> Pool:
    """All distinct single-lesion sites; the canonical one of equivalent windows is the most distal (deepest)."""
    groups: dict[tuple[int, ...], list[Window]] = {}
    for n, suffixes in enumerate(atlas.suffixes):
        for j, (exit_mm, start) in enumerate(suffixes):
            lo = suffixes[j - 1][0] if j else 0.0
            paths = tuple(sorted(atlas.seg_path[n][start:]))
            groups.setdefault(paths, []).append(Window(n, lo, exit_mm, paths))
    windows, equivalents = [], []
    for members in groups.values():
        members.sort(key=lambda w: (-atlas.depth[w.nerve], -w.hi_mm))
        windows.append(members[0])
        equivalents.append(tuple(members[1:]))
    weight = np.array([_prior_weight(atlas, [w, *eq]) for w, eq in zip(windows, equivalents, strict=True)])
    covering: list[list[int]] = [[] for _ in atlas.path_target]
    for i, w in enumerate(windows):
        for p in w.paths:
            covering[p].append(i)
    bits = tuple(sum(1 << p for p in w.paths) for w in windows)
    return Pool(tuple(windows), tuple(equivalents), weight, tuple(tuple(c) for c in covering), bits)


def _prior_weight(atlas: Atlas, members: Sequence[Window]) -> float:
    best = 1.0
    for w in members:
        n = atlas.nerves[w.nerve]
        for name, mm in n.landmarks:
            if w.lo_mm < mm <= w.hi_mm or (w.lo_mm == 0 and mm == 0):
                best = max(best, ENTRAPMENT.get((n.id, name), 1.0))
    return best


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SiteCut:
    nerve_id: str
    nerve_name: str
    mm: float
    window_mm: tuple[float, float]
    at: str | None
    side: Side


@dataclass(frozen=True)
class Site:
    """One hypothesis: its cut(s), the level in words, posterior, and how it fits the findings."""

    cuts: tuple[SiteCut, ...]
    level: str
    posterior: float
    explains: tuple[str, ...]
    predicts_not_found: tuple[str, ...]
    contradicts: tuple[str, ...]
    equivalent: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import site_json

        return dict(site_json(self))


@dataclass(frozen=True)
class NextTest:
    """An examination worth doing next and what each answer would point to."""

    target_id: str
    target_name: str
    examination: str
    information_gain_bits: float
    if_abnormal: str
    if_normal: str


@dataclass(frozen=True)
class Localisation:
    sites: tuple[Site, ...]
    next_tests: tuple[NextTest, ...]
    side: Side
    hypotheses: int

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import localise_json

        return dict(localise_json(self))


# --------------------------------------------------------------------------- the computation
_LOG = {o: np.log(np.array(OBSERVATION[o])) for o in CATEGORIES}


def _category(loss: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """0 absent, 1 reduced, 2 normal."""
    return np.where(loss >= FULL, 0, np.where(loss > 1e-9, 1, 2)).astype(np.int64)


def localise(
    atlas: Atlas,
    findings: Sequence[Finding],
    *,
    side: Side = "left",
    top: int = 3,
    closed_world: bool = False,
    next_tests: int = 3,
    max_relevant: int = 400,
    budget: Budget | None = None,
) -> Localisation:
    """Ranked lesion sites for the findings (exact over one- and two-lesion hypotheses), and the best next tests.

    >>> from neurectomy.api import default_atlas
    >>> a = default_atlas()
    >>> f = read_findings(a, numb=["skin of lateral thigh"], normal=["rectus femoris", "skin of anterior thigh"])
    >>> localise(a, f).sites[0].cuts[0].nerve_name
    'lateral cutaneous nerve of thigh'

    ``budget`` bounds the work: its ``nodes`` cap the hypotheses scored, its ``seconds`` the whole search
    (:class:`~neurectomy.budget.WorkLimitError` either way), and a cancelled budget stops between steps.
    """
    b = budget or active()
    if side not in SIDES:
        raise RequestError("side", f"side must be one of {', '.join(SIDES)}, not {side!r}")
    P = pool(atlas)
    obs = {f.target: f for f in findings}
    if closed_world:
        for t in range(len(atlas.targets)):
            obs.setdefault(t, Finding(t, "normal", "not mentioned (closed world)"))
    examined = np.array(sorted(obs), dtype=np.int64)
    relevant = sorted(
        {c for t in obs if obs[t].observed != "normal" for p in atlas.target_paths[t] for c in P.covering[p]}
    )
    if len(relevant) > max_relevant:
        raise RequestError("numb", f"the findings fit {len(relevant)} sites; name fewer or more specific findings")
    if not relevant:
        raise RequestError("numb", "no lesion of one or two nerves takes away these findings")
    hypotheses = len(relevant) * (len(relevant) + 1) // 2
    if b.nodes is not None and hypotheses > b.nodes:
        raise b.out_of_nodes("numb", "scoring every one- and two-lesion hypothesis", hypotheses)
    b.check("numb", "the search for the lesion")
    logs, pairs = _score(atlas, P, relevant, examined, np.stack([_LOG[obs[int(t)].observed] for t in examined]))
    post = np.exp(logs - logs.max())
    post /= post.sum()
    k = min(max(top, 40), len(post))
    best = np.argpartition(-post, k - 1)[:k]
    best = best[np.lexsort((best, -post[best]))]  # the order of a stable sort of every hypothesis by posterior
    R = len(relevant)

    def lesion_of(h: int) -> tuple[int, ...]:
        return (relevant[h],) if h < R else (relevant[pairs[0][h - R]], relevant[pairs[1][h - R]])

    ranked = [lesion_of(int(h)) for h in best]
    b.check("numb", "the search for the lesion")
    sites = tuple(_site(atlas, P, ranked[i], float(post[h]), obs, side) for i, h in enumerate(best[:top]))
    tests = _next_tests(atlas, P, ranked[:40], post[best[:40]], obs, side, next_tests)
    return Localisation(sites, tests, side, len(logs))


@lru_cache(maxsize=4)
def _window_paths(atlas: Atlas) -> Any:
    """Every window's paths as a sparse (windows x paths) matrix, and the paths' targets and weights."""
    from scipy.sparse import csr_matrix

    P = pool(atlas)
    indptr = np.cumsum([0] + [len(w.paths) for w in P.windows])
    indices = np.fromiter((p for w in P.windows for p in w.paths), dtype=np.int64, count=int(indptr[-1]))
    shape = (len(P.windows), len(atlas.path_target))
    W = csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
    return W, np.asarray(atlas.path_target, dtype=np.int64), np.asarray(atlas.path_weight, dtype=np.float64)


def _score(
    atlas: Atlas, P: Pool, relevant: Sequence[int], examined: npt.NDArray[np.int64], ll: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Log posterior (unnormalised) of every single lesion of ``relevant`` and of every pair that is not one lesion
    (neither interrupts everything the other does), and the pairs (as two index arrays into ``relevant``).

    Exact, without a (pairs x paths) matrix: the loss of a pair whose path sets are disjoint is the sum of the two
    single losses, so its log-likelihood is ``base + delta[a] + delta[b]`` plus a correction on the targets both
    reduce (reduced twice is reduced once, or absent where the two shares add up to all of the supply): two
    (relevant x relevant) products. Pairs whose path sets overlap without nesting (plexus merges) lose
    ``L[a] + L[b] - shared``, corrected on the targets both touch."""
    from scipy.sparse import csr_matrix

    W, path_target, weight = _window_paths(atlas)
    R, E = len(relevant), len(examined)
    H = W[list(relevant)]  # (R, paths)
    col = np.full(len(atlas.targets), -1)
    col[examined] = np.arange(E)
    path_e = col[path_target]
    on = np.flatnonzero(path_e >= 0)
    to_e = csr_matrix((weight[on], (on, path_e[on])), shape=(len(path_target), E))
    L = (H @ to_e).toarray()  # (R, E): each single lesion's loss of each examined target
    cat1 = _category(L)
    rows = np.arange(E)
    normal = ll[:, 2]
    delta = (ll[rows, cat1] - normal).sum(axis=1)
    base = float(normal.sum())
    inter = (H @ H.T).toarray()  # paths shared by two lesions
    size = np.diff(H.indptr)
    ii, jj = np.triu_indices(R, k=1)
    shared = inter[ii, jj]
    keep = (shared != size[ii]) & (shared != size[jj])  # a nested pair is the larger lesion alone
    ii, jj, shared = ii[keep], jj[keep], shared[keep]
    # disjoint pairs: targets both reduce turn from 'reduced twice' into reduced, or absent when the shares add to 1
    reduced = csr_matrix(cat1 == 1, dtype=np.float64)
    corr = (reduced.multiply(normal - ll[:, 1]).tocsr() @ reduced.T).toarray()
    r_idx, e_idx = np.nonzero(cat1 == 1)
    if len(r_idx):
        vals = L[r_idx, e_idx]
        order = np.lexsort((vals, e_idx))
        r_idx, e_idx, vals = r_idx[order], e_idx[order], vals[order]
        first = np.ones(len(vals), dtype=bool)
        first[1:] = (e_idx[1:] != e_idx[:-1]) | (vals[1:] != vals[:-1])
        cls = np.cumsum(first) - 1  # one class per (target, loss)
        ce, cv = e_idx[first], vals[first]
        A = csr_matrix((np.ones(len(r_idx)), (r_idx, cls)), shape=(R, len(ce)))
        starts = np.flatnonzero(np.r_[True, ce[1:] != ce[:-1]])
        sizes = np.diff(np.r_[starts, len(ce)])
        group = np.repeat(np.arange(len(starts)), sizes)
        k = np.repeat(np.arange(len(ce)), sizes[group])  # every ordered pair of classes of one target
        m = starts[group[k]] + np.arange(len(k)) - np.repeat(np.cumsum(sizes[group]) - sizes[group], sizes[group])
        whole = cv[k] + cv[m] >= FULL
        if whole.any():
            e_of = ce[k[whole]]
            C = csr_matrix((ll[e_of, 0] - ll[e_of, 1], (k[whole], m[whole])), shape=(len(ce), len(ce)))
            corr += (A @ C @ A.T).toarray()
    pair_ll = base + delta[ii] + delta[jj] + corr[ii, jj]
    over = np.flatnonzero(shared > 0)
    if len(over):
        oi, oj = ii[over], jj[over]
        touched = csr_matrix(L > 0, dtype=np.float64)
        both = touched[oi].multiply(touched[oj]).tocoo()  # (overlapping pair, target) both touch
        pr, pe = both.row, both.col
        common = (H[oi].multiply(H[oj]).tocsr() @ to_e).tocsr()
        lp = L[oi[pr], pe] + L[oj[pr], pe] - np.asarray(common[pr, pe]).ravel()
        c = ll[pe, _category(lp)] - ll[pe, cat1[oi[pr], pe]] - ll[pe, cat1[oj[pr], pe]] + normal[pe]
        pair_ll[over] = base + delta[oi] + delta[oj] + np.bincount(pr, weights=c, minlength=len(over))
    w = P.weight
    log_single = math.log(1.0 - TWO_LESIONS) - math.log(w.sum())
    log_pair = math.log(TWO_LESIONS) - math.log((w.sum() ** 2 - (w**2).sum()) / 2.0)
    w_rel = np.log(w[list(relevant)])
    logs = np.concatenate([base + delta + log_single + w_rel, pair_ll + log_pair + w_rel[ii] + w_rel[jj]])
    return logs, (ii, jj)


def _loss_of(atlas: Atlas, P: Pool, lesion: Sequence[int]) -> npt.NDArray[np.float64]:
    hit = sorted({p for c in lesion for p in P.windows[c].paths})
    loss: npt.NDArray[np.float64] = np.bincount(
        np.array([atlas.path_target[p] for p in hit], dtype=np.int64),
        weights=np.array([atlas.path_weight[p] for p in hit], dtype=np.float64),
        minlength=len(atlas.targets),
    ).astype(np.float64)
    return loss


def _site(
    atlas: Atlas, P: Pool, lesion: Sequence[int], posterior: float, obs: Mapping[int, Finding], side: Side
) -> Site:
    loss = _loss_of(atlas, P, lesion)
    cat = _category(loss)
    explains, contradicts, predicts = [], [], []
    for t, f in obs.items():
        name = atlas.targets[t].name
        predicted = CATEGORIES[cat[t]]
        if f.observed != "normal" and predicted != "normal":
            explains.append(f"{name} ({f.label})")
        elif f.observed != predicted and not (f.observed == "normal" and f.label.startswith("not mentioned")):
            contradicts.append(f"{name}: {f.label}, predicted {predicted}")
        elif f.observed != predicted:
            contradicts.append(f"{name}: predicted {predicted}")
    for t in np.flatnonzero(cat < 2).tolist():
        if t not in obs and atlas.targets[t].kind in ("muscle", "skin"):
            predicts.append(f"{atlas.targets[t].name} ({CATEGORIES[cat[t]]})")
    cuts, words, equivalent = [], [], []
    for c in lesion:
        w = P.windows[c]
        n = atlas.nerves[w.nerve]
        cut_side: Side = "midline" if n.midline else side
        at = _landmark_in(atlas, w)
        cuts.append(SiteCut(n.id, n.name, w.hi_mm, (w.lo_mm, w.hi_mm), at, cut_side))
        words.append(level_words(atlas, w))
        equivalent += [level_words(atlas, e) for e in P.equivalents[c]]
    return Site(
        tuple(cuts),
        "; and ".join(words),
        posterior,
        tuple(explains),
        tuple(predicts[:12]),
        tuple(contradicts),
        tuple(equivalent),
    )


def _landmark_in(atlas: Atlas, w: Window) -> str | None:
    inside = [(mm, name) for name, mm in atlas.nerves[w.nerve].landmarks if w.lo_mm < mm <= w.hi_mm]
    return max(inside)[1] if inside else None


@lru_cache(maxsize=4)
def _exits(atlas: Atlas) -> dict[tuple[int, float], tuple[str, ...]]:
    """What leaves each nerve at each exit position: branch nerves and directly supplied targets."""
    out: dict[tuple[int, float], list[str]] = {}
    for n in atlas.nerves:
        if n.parent is not None:
            out.setdefault((atlas.nerve_index[n.parent], n.origin_mm), []).append(n.name)
    for t in atlas.targets:
        for edge in t.supply:
            idx = atlas.nerve_index.get(edge.nerve)
            if idx is not None:
                out.setdefault((idx, edge.at_mm), []).append(f"branch to {t.name}")
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def level_words(atlas: Atlas, w: Window) -> str:
    """The window in words: "ulnar nerve, distal to the … and proximal to the … (at Guyon's canal)"."""
    n = atlas.nerves[w.nerve]
    exits = _exits(atlas)
    above = exits.get((w.nerve, w.lo_mm), ())
    below = exits.get((w.nerve, w.hi_mm), ())
    parts = [n.name]
    if w.lo_mm > 0 and above:
        parts.append(f"distal to the {_few(above)}")
    elif w.lo_mm == 0:
        parts.append("at or near its origin")
    if below and w.hi_mm > 0:
        parts.append(f"proximal to the {_few(below)}")
    marks = [name for name, mm in n.landmarks if w.lo_mm < mm <= w.hi_mm]
    text = ", ".join(parts[:1]) + (" " + " and ".join(parts[1:]) if len(parts) > 1 else "")
    return text + (f" (at {listing(marks)})" if marks else "")


def _few(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} (and {len(names) - 1} other branch(es))"


# --------------------------------------------------------------------------- the best next test
def _entropy(p: npt.NDArray[np.float64]) -> float:
    q = p[p > 0]
    return float(-(q * np.log2(q)).sum())


def _next_tests(
    atlas: Atlas,
    P: Pool,
    lesions: Sequence[Sequence[int]],
    post: npt.NDArray[np.float64],
    obs: Mapping[int, Finding],
    side: Side,
    k: int,
) -> tuple[NextTest, ...]:
    if k <= 0 or len(lesions) < 2:
        return ()
    prior = post / post.sum()
    cats = np.stack([_category(_loss_of(atlas, P, lesion)) for lesion in lesions])  # (H, T)
    candidates = [
        t
        for t in range(len(atlas.targets))
        if t not in obs
        and atlas.targets[t].kind in ("muscle", "skin")
        and (cats[:, t] < 2).any()
        and (cats[:, t] == 2).any()
    ]  # a test whose either answer points somewhere: some hypotheses lose the target and some spare it
    like = np.array([OBSERVATION[o] for o in CATEGORIES])  # (observed, predicted)
    scored = []
    for t in candidates:
        p_obs_given_h = like[:, cats[:, t]]  # (3, H)
        joint = p_obs_given_h * prior
        p_obs = joint.sum(axis=1)
        after = sum(p_obs[o] * _entropy(joint[o] / p_obs[o]) for o in range(3) if p_obs[o] > 0)
        scored.append((_entropy(prior) - after, t, joint))
    scored.sort(key=lambda x: -x[0])
    out = []
    for gain, t, joint in scored[:k]:
        target = atlas.targets[t]
        # Each answer points to the likeliest hypothesis *that predicts it*: weakness of a muscle the leading
        # hypothesis does not supply points away from it. (The posterior's argmax alone named the leader for both
        # answers whenever its prior dwarfed the rest: "if abnormal" and "if normal" both said the sensory LFCN.)
        loses = cats[:, t] < 2
        abnormal = np.where(loses, joint[0] + joint[1], -1.0).argmax()
        normal = np.where(~loses, joint[2], -1.0).argmax()
        out.append(
            NextTest(
                target.id,
                target.name,
                "strength" if target.kind == "muscle" else "feeling",
                round(float(gain), 4),
                _words_of(atlas, P, lesions[int(abnormal)]),
                _words_of(atlas, P, lesions[int(normal)]),
            )
        )
    return tuple(out)


def _words_of(atlas: Atlas, P: Pool, lesion: Sequence[int]) -> str:
    return "; and ".join(level_words(atlas, P.windows[c]) for c in lesion)
