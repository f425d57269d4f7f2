"""Which nerve should be cut? The exact least-harm cut set for a region or a function, with ranked alternatives.

A *candidate* is one distinct cut: nerve ``n`` at one of its distinct exit positions (every position between two
consecutive branch points interrupts the same supply paths; the most distal one is reported, with the window).
Choosing cuts ``x_c`` interrupts paths ``y_p = OR(x_c : c covers p)``; a target loses ``sum(w_p y_p)``. The model

    minimise   cut * sum(x) + sum over targets not asked for (weight of its kind) * loss
               + unestablished * z,   z >= x_c for every cut c that no named procedure makes
    subject to loss(t) >= coverage for every required target,

is solved exactly as a MILP with HiGHS (``y_p >= x_c`` for every candidate covering a costed path,
``y_p <= sum x_c``), and the k best alternatives come from excluding each previous cut set and its supersets
(which would only add cuts, and never make an unestablished set established). ``z`` is 1 exactly when the cut set
is not made of the cuts of named procedures (``procedures_data.yaml``): established operations come first unless
an unestablished plan spares more harm than the ``unestablished`` weight (``targeting_data.yaml``; overridable).
Where no candidate is the cut of a named procedure every plan would pay it, so it is left out. The same model
with soft (observed) targets is kept for checking the MILP against brute force on penalty models; the inverse
question itself is :mod:`neurectomy.localisation`. :func:`solve_bruteforce` enumerates small instances and the
tests check that both agree.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from neurectomy.atlas.graph import Atlas, Target
from neurectomy.budget import Budget, active
from neurectomy.lesion import INTERRUPTION, Interruption, Side
from neurectomy.names import AmbiguousNameError, RequestError, UnknownNameError, natural_key, normalise, suggest

DATA_FILE = Path(__file__).with_name("targeting_data.yaml")
_WORDS = re.compile(r"[a-z0-9]+")
_SYMPTOM_WORDS = {"pain", "ache", "aching", "joint"}


class InfeasibleTargetError(RequestError):
    """No permitted cut set achieves the request; the message says why."""

    def __init__(self, message: str, field: str = "region") -> None:
        super().__init__(field, message)


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Weights:
    """The cost model; every weight's source is in ``targeting_data.yaml``."""

    cut: float = 0.5
    muscle: float = 10.0
    skin_per_100cm2: float = 1.0
    joint: float = 1.5
    gland: float = 4.0
    viscus: float = 8.0
    special: float = 30.0
    #: added once to a cut set that is not made of the cuts of named procedures
    unestablished: float = 10.0

    def of(self, t: Target) -> float:
        if t.kind == "skin":
            return self.skin_per_100cm2 * (t.area_cm2 or 0.0) / 100.0
        return float(getattr(self, t.kind))

    def updated(self, overrides: dict[str, float] | None) -> Weights:
        if not overrides:
            return self
        unknown = set(overrides) - set(self.__dataclass_fields__)
        if unknown:
            raise UnknownNameError("weight", ", ".join(sorted(unknown)), sorted(self.__dataclass_fields__))
        return replace(self, **{k: float(v) for k, v in overrides.items()})


@dataclass(frozen=True)
class Function:
    name: str
    synonyms: tuple[str, ...]
    targets: tuple[str, ...]
    source: str


@lru_cache(maxsize=2)
def load_targeting_data(path: Path = DATA_FILE) -> tuple[dict[str, Function], Weights, dict[str, str]]:
    """Functions by normalised name/synonym, the default weights and each weight's source."""
    from neurectomy.datafile import DataFileError, Problem, read_yaml

    problems: list[Problem] = []
    data, _ = read_yaml(path, problems)
    if problems or not isinstance(data, dict):
        raise DataFileError(problems or [Problem(path.name, 1, None, None, "expected a mapping")], path.name)
    functions: dict[str, Function] = {}
    for item in data.get("functions", []):
        f = Function(item["name"], tuple(item.get("synonyms", ())), tuple(item["targets"]), item["source"])
        for label in (f.name, *f.synonyms):
            functions[normalise(label)] = f
    raw = data.get("weights", {})
    weights = Weights(**{k: float(v["value"]) for k, v in raw.items()})
    sources = {k: str(v["source"]) for k, v in raw.items()}
    return functions, weights, sources


# --------------------------------------------------------------------------- resolving requests
def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


def _whole_word_match(have: Sequence[str], query: list[str]) -> bool:
    return all(w in have for w in query)


def resolve_region(atlas: Atlas, text: str, kind: str = "region") -> list[int]:
    """The one target named by ``text``: its name, a synonym or its id, or the skin region of that name
    (``"medial forearm"`` → skin of medial forearm); else the single target (skin first) whose name holds every
    whole word of ``text``. No kind is preferred over another: "biceps" fits a skin region and two muscles, so it is
    refused with the three offered.

    Nothing is guessed: a typo, a prefix or a phrase that fits several targets is an error that *offers* the
    candidates as suggestions, so the caller can choose one.
    """
    key = normalise(text)
    exact = [i for k, i in atlas.name_index.get(key, ()) if k == "target"]
    if exact:
        return exact
    # a region named without "skin of" ("forehead", "medial forearm") is the skin region of that name
    skin_named = [i for k, i in atlas.name_index.get(f"skin of {key}", ()) if k == "target"]
    if skin_named:
        return skin_named
    for query in (_words(text), [w for w in _words(text) if w not in _SYMPTOM_WORDS]):
        if not query:
            continue
        found = [i for i, labels in enumerate(atlas.target_words) if any(_whole_word_match(w, query) for w in labels)]
        if len(found) == 1:
            return found
        if found:
            raise AmbiguousNameError(kind, text, sorted((atlas.targets[i].name for i in found), key=natural_key))
    raise UnknownNameError(kind, text, suggest(text, atlas._choices("target")))


def resolve_function(atlas: Atlas, text: str) -> list[int]:
    """Targets of a function to disable (data), or, failing that, of the region/target it names."""
    functions, _, _ = load_targeting_data()
    f = functions.get(normalise(text))
    if f is not None:
        return [atlas.target_index[t] for t in f.targets if t in atlas.target_index]
    try:
        return resolve_region(atlas, text, kind="function")
    except AmbiguousNameError:
        raise
    except UnknownNameError as exc:
        names = sorted({fn.name for fn in functions.values()})
        offered = suggest(text, names, limit=3)
        raise UnknownNameError("function", text, offered + [s for s in exc.suggestions if s not in offered]) from None


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Candidate:
    nerve_idx: int
    mm: float
    lo_mm: float
    paths: tuple[int, ...]


@dataclass(frozen=True)
class CoverModel:
    """A targeting or localisation problem as plain arrays (local indices)."""

    candidates: tuple[Candidate, ...]
    paths: tuple[int, ...]  # atlas path ids
    cand_paths: tuple[tuple[int, ...], ...]  # local path indices per candidate
    path_target: np.ndarray  # local target index per local path
    path_weight: np.ndarray
    targets: tuple[int, ...]  # atlas target ids
    cost: np.ndarray  # per local target, per unit of supply lost
    required: dict[int, float]  # local target -> minimal loss
    observed: dict[int, float] = field(default_factory=dict)  # local target -> loss level (soft)
    penalty: float = 0.0
    cut_cost: float = 0.5
    #: per candidate: whether it is the cut of a named procedure; empty = all established (no extra cost)
    established: tuple[bool, ...] = ()
    #: added once when any chosen candidate is not established
    unestablished: float = 0.0

    def unestablished_cost(self, chosen: Iterable[int]) -> float:
        """The extra cost of a cut set that holds a cut no named procedure makes (0 if none does)."""
        if self.unestablished <= 0 or not self.established:
            return 0.0
        return self.unestablished if any(not self.established[c] for c in chosen) else 0.0

    def losses(self, chosen: Iterable[int]) -> np.ndarray:
        hit = np.zeros(len(self.paths), dtype=bool)
        for c in chosen:
            hit[list(self.cand_paths[c])] = True
        return np.bincount(self.path_target[hit], weights=self.path_weight[hit], minlength=len(self.targets))

    def objective(self, chosen: Sequence[int]) -> float:
        """Exact cost of a cut set; infinity when a required target is not covered."""
        loss = self.losses(chosen)
        if any(loss[t] < f - 1e-9 for t, f in self.required.items()):
            return float("inf")
        value = self.cut_cost * len(chosen) + float(self.cost @ loss) + self.unestablished_cost(chosen)
        value += self.penalty * sum(abs(float(loss[t]) - o) for t, o in self.observed.items())
        return float(value)


def _quiet_highs() -> Any:
    """A HiGHS instance without its start-up banner on stdout (which would corrupt ``--json`` output)."""
    import highspy

    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("presolve", "off")  # measured faster on these small models (benchmarks/bench_target.py)
    return h


def solve_milp(
    model: CoverModel, exclude: Sequence[frozenset[int]] = (), budget: Budget | None = None
) -> tuple[frozenset[int], float] | None:
    """The optimal cut set (candidate indices) and its cost, or None if infeasible. ``budget`` limits the solver's
    time and branch-and-bound nodes (:class:`~neurectomy.budget.WorkLimitError` when either runs out).

    Paths interrupted by exactly the same candidates always share their fate, so they are merged into one
    variable per *class* (its costs and per-target weights summed): the same optimum with far fewer columns.
    """
    lp, nc = _formulation(model)
    h = _loaded(lp)
    for chosen in exclude:
        _exclude(h, chosen)
    return _solve_loaded(h, model, nc, budget or active())


def solve_k_best(model: CoverModel, k: int, budget: Budget | None = None) -> list[tuple[frozenset[int], float]]:
    """The ``k`` best cut sets, best first, each excluding the earlier ones and their supersets: as ``k`` calls of
    :func:`solve_milp` with a growing ``exclude``, but the model is built and passed to HiGHS once and each
    exclusion is one row added to it, so the next relaxation starts from the previous basis (dual simplex) instead
    of from scratch."""
    lp, nc = _formulation(model)
    h = _loaded(lp)
    b = budget or active()
    out: list[tuple[frozenset[int], float]] = []
    for _ in range(k):
        if out:
            _exclude(h, out[-1][0])
        result = _solve_loaded(h, model, nc, b)
        if result is None:
            break
        out.append(result)
    return out


def _loaded(lp: Any) -> Any:
    """This thread's solver holding ``lp`` (continuous)."""
    h = _highs()
    h.clearModel()
    h.passModel(lp)
    return h


def _exclude(h: Any, chosen: frozenset[int]) -> None:
    """Add the row excluding this cut set and its supersets (a superset only adds cuts): sum(x in S) <= |S| - 1."""
    import highspy

    idx = np.array(sorted(chosen), dtype=np.int32)
    h.addRow(-highspy.kHighsInf, len(chosen) - 1.0, len(idx), idx, np.ones(len(idx)))


def _formulation(model: CoverModel) -> tuple[Any, int]:
    """The relaxation of the MILP of :func:`solve_milp` (no exclusion rows) as a ``HighsLp``, and the number of
    cut columns (the first ones; binary in the MILP)."""
    import highspy

    nc, npth = len(model.candidates), len(model.paths)
    incidence = np.zeros((npth, nc), dtype=bool)
    for c, ps in enumerate(model.cand_paths):
        incidence[list(ps), c] = True
    signature: dict[bytes, int] = {}
    path_class = np.fromiter(
        (signature.setdefault(row.tobytes(), len(signature)) for row in incidence), dtype=np.int64, count=npth
    )
    ncls = len(signature)
    classes = incidence[np.unique(path_class, return_index=True)[1]]
    class_cost = np.bincount(path_class, weights=model.cost[model.path_target] * model.path_weight, minlength=ncls)
    obs = sorted(model.observed)
    soft = {t: i for i, t in enumerate(obs)}
    # z: 1 when an unestablished cut is chosen (continuous: z >= x_c and its positive cost make it 0 or 1)
    unestablished = [c for c in range(nc) if model.established and not model.established[c]]
    nz = 1 if unestablished and model.unestablished > 0 else 0
    ncol = nc + ncls + 2 * len(obs) + nz
    inf = highspy.kHighsInf
    cost = np.concatenate(
        [
            np.full(nc, model.cut_cost),
            class_cost,
            np.full(2 * len(obs), model.penalty),
            np.full(nz, model.unestablished),
        ]
    )
    lower, upper = np.zeros(ncol), np.ones(ncol)
    upper[nc + ncls : ncol - nz] = inf
    # y_k - sum(x_c, c covers k) <= 0: a class counts as interrupted only if a covering cut is chosen. Needed
    # only where interrupting helps (classes of required or observed targets); elsewhere y has a positive cost
    # and the rows below already hold it at the OR of its cuts.
    wanted = np.zeros(ncls, dtype=bool)
    wanted[np.unique(path_class[np.isin(model.path_target, [*model.required, *obs])])] = True
    k_idx, c_idx = np.nonzero(classes)
    keep = wanted[k_idx]
    up_k = np.flatnonzero(wanted)
    row_of = np.full(ncls, -1)
    row_of[up_k] = np.arange(len(up_k))
    r_parts: list[np.ndarray] = [row_of[up_k], row_of[k_idx[keep]]]
    c_parts: list[np.ndarray] = [nc + up_k, c_idx[keep]]
    v_parts: list[np.ndarray] = [np.ones(len(up_k)), -np.ones(int(keep.sum()))]
    lo_parts: list[np.ndarray] = [np.full(len(up_k), -inf)]
    hi_parts: list[np.ndarray] = [np.zeros(len(up_k))]
    # y_k - x_c >= 0 for every costed class, and every class carrying an observed (soft) target: interrupted
    # whenever a covering cut is chosen. Without it a soft target could be reported as losing less than the
    # chosen cuts take (hiding an overshoot past the observed level).
    observed_class = np.zeros(ncls, dtype=bool)
    observed_class[np.unique(path_class[np.isin(model.path_target, obs)])] = True
    # y_k - sum(x_c, c in G) >= 0 for each group G of nested cuts covering a costed class (each takes all the
    # paths of the next, as along one nerve): choosing two nested cuts never helps (the inner one only adds its
    # cost), so one row per group stands for one row per cut, with a tighter relaxation.
    costed = (class_cost > 0) | observed_class
    first = len(up_k)
    nrow = first
    group_class, members = _nested_groups(classes, incidence, np.flatnonzero(costed))
    group_row = first + np.arange(len(group_class))
    sizes = np.array([len(g) for g in members], dtype=np.int64)
    r_parts += [group_row, np.repeat(group_row, sizes)]
    c_parts += [nc + group_class, np.fromiter(itertools.chain.from_iterable(members), np.int64, int(sizes.sum()))]
    v_parts += [np.ones(len(group_class)), -np.ones(int(sizes.sum()))]
    lo_parts.append(np.zeros(len(group_class)))
    hi_parts.append(np.full(len(group_class), inf))
    nrow = first + len(group_class)
    for t in (*model.required, *obs):
        mask = model.path_target == t
        w = np.bincount(path_class[mask], weights=model.path_weight[mask], minlength=ncls)
        ks = np.flatnonzero(w)
        if t not in soft and model.required[t] >= w.sum() - 1e-9:
            # all of the target's supply must go: every class carrying it is interrupted (set-cover rows,
            # a much tighter relaxation than one weighted sum)
            lower[nc + ks] = 1.0
            continue
        cols, vals = nc + ks, w[ks]
        if t in soft:
            i = nc + ncls + 2 * soft[t]
            cols, vals = np.append(cols, [i, i + 1]), np.append(vals, [-1.0, 1.0])
            lo_parts.append(np.array([model.observed[t]]))
            hi_parts.append(np.array([model.observed[t]]))
        else:
            lo_parts.append(np.array([model.required[t] - 1e-9]))
            hi_parts.append(np.array([inf]))
        r_parts.append(np.full(len(cols), nrow))
        c_parts.append(cols)
        v_parts.append(vals)
        nrow += 1
    if nz:  # z - x_c >= 0 for every unestablished candidate
        z = ncol - 1
        for c in unestablished:
            r_parts.append(np.array([nrow, nrow]))
            c_parts.append(np.array([z, c]))
            v_parts.append(np.array([1.0, -1.0]))
            lo_parts.append(np.array([0.0]))
            hi_parts.append(np.array([inf]))
            nrow += 1
    rows, cols, vals = np.concatenate(r_parts), np.concatenate(c_parts), np.concatenate(v_parts)
    order = np.lexsort((rows, cols))  # column-wise (CSC) layout for HiGHS
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, nrow
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = np.concatenate(lo_parts), np.concatenate(hi_parts)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(ncol + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order].astype(np.float64)
    return lp, nc


def _nested_groups(classes: np.ndarray, incidence: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """The covering cuts of each class in ``which`` split into groups in which every two are nested (one cut's
    paths hold all of the other's): each group's class, and its cuts, largest first."""
    # outside[b, a]: the classes cut b takes that cut a does not (a holds b when there are none); per class, not per
    # path, and in floating point (BLAS): an integer product over the paths cost about 5 ms on knee pain's model
    cover = classes.astype(np.float64)
    outside = cover.T @ (1.0 - cover)
    holds = outside == 0
    nested = holds | holds.T
    size = incidence.sum(axis=0)
    by_size = np.argsort(-size, kind="stable")
    chosen = classes[which]
    weights = chosen.astype(np.float64)
    chain = ((weights @ (~nested).astype(np.float64)) * weights).sum(axis=1) == 0  # all its cuts pairwise nested
    pairs = nested.tolist()
    group_class: list[int] = []
    members: list[list[int]] = []
    for k, in_chain, row in zip(which.tolist(), chain.tolist(), chosen[:, by_size], strict=True):
        cuts = by_size[row].tolist()  # largest first
        if in_chain:
            groups = [cuts] if cuts else []
        else:
            groups = []
            for c in cuts:
                for g in groups:
                    if pairs[g[-1]][c]:
                        g.append(c)
                        break
                else:
                    groups.append([c])
        group_class += [k] * len(groups)
        members += groups
    return np.array(group_class, dtype=np.int64), members


def _solve_loaded(h: Any, model: CoverModel, nc: int, b: Budget) -> tuple[frozenset[int], float] | None:
    """Solve the model ``h`` holds: the LP relaxation first (on tree-shaped covers it is usually integral, and an
    integral optimum of the relaxation is optimal for the MILP); only a fractional one goes on to branch and bound,
    with the cut columns made integer in place (and continuous again afterwards, for the next relaxation)."""
    x, value = _solve_once(h, nc, b, integral=False)
    if x is not None and not _is_integral(x):
        x = _branch(h, nc, b, x, value)
    if x is None:
        return None
    chosen = frozenset(int(c) for c in np.flatnonzero(x > 0.5))
    return chosen, model.objective(sorted(chosen))


#: A fractional relaxation is branched on here, depth first, each node's relaxation warm-started from the last
#: basis (dual simplex, well under a millisecond on these models), up to this many nodes; past it HiGHS's MIP
#: solver takes over. HiGHS's MIP spends 2-9 ms on these models however few nodes they need (knee pain's third
#: plan: 1 node, 37 simplex iterations, about 9 ms; palmar sweating's: 2-4 ms each).
BRANCH_NODES = 64


def _branch(h: Any, nc: int, b: Budget, x: np.ndarray, value: float) -> np.ndarray | None:
    """The cut columns of an optimum of the MILP whose relaxation ``h`` holds (solved: ``x``, ``value``), by depth-
    first branch and bound on the most fractional cut (its 1-branch first), pruning nodes whose relaxation costs no
    less than the best cut set found; ``None`` when no cut set is feasible. The cut columns' bounds are [0, 1]
    again afterwards."""
    cols = np.arange(nc, dtype=np.int32)
    best: np.ndarray | None = None
    best_value = float("inf")
    stack: list[tuple[tuple[int, float], ...]] = []
    node: tuple[tuple[int, float], ...] = ()
    nodes = 0
    try:
        while True:
            if x is not None and value < best_value - 1e-9:
                if _is_integral(x):
                    best, best_value = x, value
                else:
                    j = int(np.argmin(np.abs(x - 0.5)))
                    stack += [(*node, (j, 0.0)), (*node, (j, 1.0))]
            if not stack:
                return best
            nodes += 1
            if nodes > BRANCH_NODES:
                _set_cut_bounds(h, cols, ())
                return _solve_once(h, nc, b, integral=True)[0]
            node = stack.pop()
            _set_cut_bounds(h, cols, node)
            x, value = _solve_once(h, nc, b, integral=False)  # type: ignore[assignment]
    finally:
        _set_cut_bounds(h, cols, ())


def _set_cut_bounds(h: Any, cols: np.ndarray, fixed: Sequence[tuple[int, float]]) -> None:
    """Cut columns in [0, 1], except those ``fixed`` at a value."""
    lower, upper = np.zeros(len(cols)), np.ones(len(cols))
    for j, v in fixed:
        lower[j] = upper[j] = v
    h.changeColsBounds(len(cols), cols, lower, upper)


def _is_integral(x: np.ndarray) -> bool:
    return bool(np.all(np.minimum(np.abs(x), np.abs(1.0 - x)) <= 1e-9))


def _solve_once(h: Any, nc: int, b: Budget, integral: bool) -> tuple[np.ndarray | None, float]:
    """One run of HiGHS on the model it holds, as a MILP (the cut columns integer) or its relaxation: the cut
    columns' values and the objective, or (None, inf) when it has no optimum (infeasible)."""
    import highspy

    inf = highspy.kHighsInf
    ncol = h.getNumCol()
    cut_cols = np.arange(nc, dtype=np.int32)
    if integral:  # the model as it stands (exclusion rows included), passed again with the cut columns integer:
        # changing integrality in place keeps state from the relaxation that misled HiGHS's MIP solver on soft
        # models (tests/test_targeting.py: test_milp_equals_bruteforce_on_soft_models)
        lp = h.getLp()
        lp.integrality_ = [highspy.HighsVarType.kInteger] * nc + [highspy.HighsVarType.kContinuous] * (ncol - nc)
        h.clearModel()
        h.passModel(lp)
    try:
        b.check("region", "the search for the least-harm cuts")
        # Presolve off for the relaxation (faster on these small LPs) and for a large MILP; for a small MILP,
        # presolve on and the feasibility-jump heuristic off (see SMALL_MILP_COLUMNS)
        small = integral and ncol <= SMALL_MILP_COLUMNS
        h.setOptionValue("presolve", "on" if small else "off")
        h.setOptionValue("mip_heuristic_run_feasibility_jump", not small)
        # HiGHS's clock runs on across the solves of one solver object, so the limit is set past its reading
        h.setOptionValue("time_limit", h.getRunTime() + b.remaining() if b.seconds is not None else inf)
        h.setOptionValue("mip_max_nodes", b.nodes if b.nodes is not None else 2**31 - 1)
        _run(h, b, interruptible=integral)
        status = h.getModelStatus()
        if b.cancelled or status.name in _STOPPED:
            _SOLVERS.highs = None  # a solver stopped mid-search misjudges its next time limit: a fresh one
            b.check("region", "the search for the least-harm cuts")
            if status == highspy.HighsModelStatus.kTimeLimit:
                raise b.out_of_time("region", "the search for the least-harm cuts")
            raise b.out_of_nodes("region", "the search for the least-harm cuts")
        if status != highspy.HighsModelStatus.kOptimal:
            return None, inf
        return np.asarray(h.getSolution().col_value[:nc]), float(h.getInfo().objective_function_value)
    finally:
        if integral:
            h.changeColsIntegrality(nc, cut_cols, np.full(nc, int(highspy.HighsVarType.kContinuous), dtype=np.uint8))


def _run(h: Any, budget: Budget, interruptible: bool = True) -> None:
    """``h.run()``; when ``interruptible``, stopped early if ``budget`` is cancelled (HiGHS asks a callback between
    iterations). A relaxation runs without the callback: it lasts well under a millisecond here and the budget is
    checked before each one, while the callback takes the GIL at every simplex iteration, so under load each
    iteration waited for other requests' Python code (up to the interpreter's 5 ms switch interval)."""
    if budget.cancel is None or not interruptible:
        h.run()
        return

    def interrupt(event: Any) -> None:
        if budget.cancelled:
            event.interrupt()

    h.cbMipInterrupt += interrupt
    h.cbSimplexInterrupt += interrupt
    try:
        h.run()
    finally:
        h.cbMipInterrupt -= interrupt
        h.cbSimplexInterrupt -= interrupt


#: A MILP with at most this many columns is presolved and solved without the feasibility-jump heuristic (see
#: :func:`solve_milp`): HiGHS's defaults cost about 5 ms on any MILP, however small (a 6x8 one: one node, 3 simplex
#: iterations). Measured over the 39 MILPs of 40 random skin-region searches (least of 9 solves each, 1 thread),
#: total ms with presolve off (the old setting) / on / on without feasibility jump: up to 10 columns 47 / 1.7 /
#: 1.7; 11-48 columns 105 / 97 / 30; 49-100 columns 21 / 27 / 15; above 100 columns 35 / 99 / 83 (kept off).
SMALL_MILP_COLUMNS = 100
_SOLVERS = threading.local()
#: Model statuses of a solve stopped by its limits (time, nodes) or interrupted (cancelled).
_STOPPED = frozenset({"kTimeLimit", "kSolutionLimit", "kIterationLimit", "kInterrupt"})
_CREATING = threading.Lock()


def _highs() -> Any:
    """This thread's HiGHS solver: creating one costs far more than a small solve, and a solver object must not be
    shared between threads (the web server answers requests on several)."""
    solver = getattr(_SOLVERS, "highs", None)
    if solver is None:
        with _CREATING:  # the banner suppression swaps the process's stdout, so one creation at a time
            solver = _quiet_highs()
        _SOLVERS.highs = solver
    return solver


def solve_bruteforce(
    model: CoverModel, max_cuts: int = 3, exclude: Sequence[frozenset[int]] = ()
) -> tuple[frozenset[int], float] | None:
    """Every cut set of up to ``max_cuts`` candidates; for checking the MILP on small instances."""
    best: tuple[frozenset[int], float] | None = None
    for k in range(0, max_cuts + 1):
        for combo in itertools.combinations(range(len(model.candidates)), k):
            s = frozenset(combo)
            if any(s >= e for e in exclude):
                continue
            value = model.objective(combo)
            if value < float("inf") and (best is None or value < best[1] - 1e-12):
                best = (s, value)
    return best


# --------------------------------------------------------------------------- building models from the atlas
def _candidates(atlas: Atlas, seed_paths: Iterable[int], allowed: Any) -> list[Candidate]:
    """Distinct cuts that interrupt at least one seed path, one per distinct interrupted set (the deepest)."""
    keys: set[tuple[int, int]] = set()
    for p in seed_paths:
        for n, exit_mm in zip(atlas.path_nerves[p], atlas.path_exits[p], strict=True):
            for j, (e, _) in enumerate(atlas.suffixes[n]):
                if e > exit_mm:
                    break
                keys.add((n, j))
    best: dict[tuple[int, ...], tuple[tuple[int, float], Candidate]] = {}
    for n, j in keys:
        if not allowed(n):
            continue
        e, start = atlas.suffixes[n][j]
        lo = atlas.suffixes[n][j - 1][0] if j else 0.0
        paths = tuple(sorted(atlas.seg_path[n][start:]))
        cand = Candidate(n, e, lo, paths)
        rank = (atlas.depth[n], e)
        if paths not in best or rank > best[paths][0]:
            best[paths] = (rank, cand)
    return sorted((c for _, c in best.values()), key=lambda c: (c.nerve_idx, c.mm))


def build_model(
    atlas: Atlas,
    candidates: Sequence[Candidate],
    weights: Weights,
    required: dict[int, float],
    observed: dict[int, float] | None = None,
    spared: Iterable[int] = (),
    penalty: float = 0.0,
    unmentioned_cost: float | None = None,
    established: Sequence[bool] = (),
) -> CoverModel:
    """The cover model of ``candidates``. With ``established`` (per candidate: the cut of a named procedure), a
    cut set holding any other cut costs ``weights.unestablished`` more, unless no candidate is established (then
    every plan would pay it and it is left out)."""
    paths = sorted({p for c in candidates for p in c.paths})
    local = {p: i for i, p in enumerate(paths)}
    targets = sorted({atlas.path_target[p] for p in paths})
    tlocal = {t: i for i, t in enumerate(targets)}
    cost = np.array([weights.of(atlas.targets[t]) for t in targets], dtype=np.float64)
    if unmentioned_cost is not None:
        cost[:] = unmentioned_cost
    req = {tlocal[t]: f for t, f in required.items() if t in tlocal}
    obs = {tlocal[t]: o for t, o in (observed or {}).items() if t in tlocal}
    for t in list(req) + list(obs):
        cost[t] = 0.0
    for t in spared:
        if t in tlocal:
            cost[tlocal[t]] = max(penalty, cost[tlocal[t]])
    return CoverModel(
        candidates=tuple(candidates),
        paths=tuple(paths),
        cand_paths=tuple(tuple(local[p] for p in c.paths) for c in candidates),
        path_target=np.array([tlocal[atlas.path_target[p]] for p in paths], dtype=np.int64),
        path_weight=np.array([atlas.path_weight[p] for p in paths], dtype=np.float64),
        targets=tuple(targets),
        cost=cost,
        required=req,
        observed=obs,
        penalty=penalty,
        cut_cost=weights.cut,
        established=tuple(established) if any(established) else (),
        unestablished=weights.unestablished if any(established) else 0.0,
    )


# --------------------------------------------------------------------------- results
def sided(side: str, nerve_name: str) -> str:
    """A nerve's name with its side in front, unless the name already says one ("left hypogastric nerve")."""
    return nerve_name if nerve_name.split(" ", 1)[0] in ("left", "right") else f"{side} {nerve_name}"


@dataclass(frozen=True)
class PlannedCut:
    nerve_id: str
    nerve_name: str
    mm: float
    window_mm: tuple[float, float]
    at: str | None
    side: Side
    method: str
    interruption: Interruption = "permanent"

    @property
    def label(self) -> str:
        """The side and the nerve as a surgeon reads them (the side said once)."""
        return sided(self.side, self.nerve_name)

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import planned_cut_json

        return dict(planned_cut_json(self))


@dataclass(frozen=True)
class LossItem:
    target: Target
    supply_lost: float
    cost: float

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import loss_item_json

        return dict(loss_item_json(self))


@dataclass(frozen=True)
class CutPlan:
    """One ranked answer: the cuts, what they cover, what else they take, and the cost."""

    cuts: tuple[PlannedCut, ...]
    covers: tuple[LossItem, ...]
    collateral: tuple[LossItem, ...]
    cost: float
    #: every cut is the cut of a named procedure (procedures_data.yaml)
    established: bool = False
    #: the named procedures that make these cuts, with their evidence ids
    procedures: tuple[ProcedureMatch, ...] = ()
    #: the row of one of the condition's named procedures, made where the procedure makes its cuts (it is shown
    #: whatever its rank; it may not cover everything asked for: see ``covers``)
    condition_procedure: str | None = None
    #: what the answer must say beside this plan (a complete facial palsy)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import cut_plan_json

        return dict(cut_plan_json(self))


@dataclass(frozen=True)
class TargetingResult:
    required: tuple[Target, ...]
    side: Side
    plans: tuple[CutPlan, ...]
    weights: Weights
    method: str = "surgical_cut"
    #: the patient's sex the answer was costed for (None: both sexes' targets, each one-sex loss labelled)
    sex: str | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from neurectomy.serialise import targeting_json

        return dict(targeting_json(self))


def _landmark_in(atlas: Atlas, n: int, lo: float, hi: float) -> str | None:
    inside = [(mm, name) for name, mm in atlas.nerves[n].landmarks if lo < mm <= hi or (lo == 0 and mm == 0)]
    return max(inside)[1] if inside else None


def _plan_of(
    atlas: Atlas,
    model: CoverModel,
    chosen: frozenset[int],
    value: float,
    side: Side,
    method: str,
    interruption: Interruption = "permanent",
    sex: str | None = None,
    treating: Sequence[str] | None = None,
) -> CutPlan:
    loss = model.losses(chosen)
    cuts = []
    for c in sorted(chosen, key=lambda c: (model.candidates[c].nerve_idx, model.candidates[c].mm)):
        cand = model.candidates[c]
        n = atlas.nerves[cand.nerve_idx]
        cut_side: Side = "midline" if n.midline else side
        cuts.append(
            PlannedCut(
                n.id,
                n.name,
                cand.mm,
                (cand.lo_mm, cand.mm),
                _landmark_in(atlas, cand.nerve_idx, cand.lo_mm, cand.mm),
                cut_side,
                method,
                interruption,
            )
        )
    covers: list[LossItem] = []
    collateral: list[LossItem] = []
    for i, t in enumerate(model.targets):
        if loss[i] <= 1e-12 or _other_sex(atlas.targets[t], sex):
            continue
        item = LossItem(atlas.targets[t], float(min(loss[i], 1.0)), float(model.cost[i] * loss[i]))
        (covers if (i in model.required or i in model.observed) else collateral).append(item)
    collateral.sort(key=lambda x: -x.cost)
    chosen_cands = [model.candidates[c] for c in chosen]
    if treating is None:
        established, procedures = procedures_of(atlas, chosen_cands)
    else:
        established, procedures = condition_procedures_of(atlas, chosen_cands, treating)
    return CutPlan(
        tuple(cuts),
        tuple(covers),
        tuple(collateral),
        value,
        established,
        procedures,
        warnings=_palsy_warning(atlas, covers, collateral),
    )


def _other_sex(t: Target, sex: str | None) -> bool:
    """A target present only in the other sex than the patient's (never when the sex is unknown)."""
    return sex is not None and t.sex is not None and t.sex != sex


#: the muscles of facial expression the facial nerve supplies on one side (gray42): all of them paralysed is a
#: complete facial palsy
FACIAL_EXPRESSION_MUSCLES = (
    "frontalis", "orbicularis_oculi", "corrugator_supercilii", "zygomaticus_major", "zygomaticus_minor",
    "levator_labii_superioris", "risorius", "buccinator", "orbicularis_oris", "depressor_anguli_oris", "mentalis",
)  # fmt: skip


def _palsy_warning(atlas: Atlas, *items: Sequence[LossItem]) -> tuple[str, ...]:
    lost = {x.target.id for group in items for x in group if x.supply_lost >= 1 - 1e-9}
    if all(m in lost for m in FACIAL_EXPRESSION_MUSCLES if m in atlas.target_index):
        return (
            "Complete facial palsy: every muscle of facial expression on this side is paralysed (the eye cannot "
            "close); a selective cut of the branches to the muscles in question spares the rest.",
        )
    return ()


def _allowed(atlas: Atlas, avoid: Iterable[str]) -> tuple[set[int], list[str]]:
    banned: set[int] = set()
    names = []
    for name in avoid:
        i = atlas.nerve_idx(name)
        names.append(atlas.nerves[i].name)
        banned.add(i)
        banned.update(atlas.descendants(i))
    return banned, names


def target(
    atlas: Atlas,
    regions: Sequence[str] = (),
    functions: Sequence[str] = (),
    *,
    side: Side = "left",
    top: int = 3,
    spare_motor: bool = False,
    method: str = "surgical_cut",
    coverage: float = 1.0,
    avoid: Sequence[str] = (),
    weights: dict[str, float] | None = None,
    solver: str = "milp",
    budget: Budget | None = None,
    condition: str | None = None,
    sex: str | None = None,
) -> TargetingResult:
    """Ranked least-harm cut sets that take away the given regions and/or functions (exact, HiGHS).

    ``method`` is how every cut is made; one that interrupts nothing (decompression) cannot take anything away
    and is refused, and a temporary one (a neurolytic) is reported as such on each cut. ``budget`` bounds the work
    (time and nodes of the solves, targets per phrase); exceeding it raises
    :class:`~neurectomy.budget.WorkLimitError`.

    ``condition`` (an id of ``conditions_data.yaml``) judges "established" against the condition: a cut is
    established only where one of the condition's named procedures makes it (same nerve, same place), and a row
    for each of those procedures is always included, ranked by the same cost. ``sex`` ("female"/"male") leaves the
    other sex's targets out of the cost and the lists.
    """
    from neurectomy.lesion import SIDES
    from neurectomy.methods import get_method

    if not regions and not functions:
        raise RequestError("region", "give at least one region or function")
    if not 0.01 <= coverage <= 1:
        raise RequestError("coverage", f"coverage must be between 0.01 and 1, not {coverage!r}")
    if side not in SIDES:
        raise RequestError("side", f"side must be one of {', '.join(SIDES)}, not {side!r}")
    if top < 1:
        raise RequestError("top", f"top must be at least 1, not {top!r}")
    m = get_method(method)
    interruption = INTERRUPTION[m.family]
    if interruption == "none":
        raise InfeasibleTargetError(
            f"{m.name} interrupts no fibres, so it cannot take away a region or a function; choose a surgical or "
            "neurolytic method",
            field="method",
        )
    method = m.key
    _, base, _ = load_targeting_data()
    w = base.updated(weights)
    required_idx: list[int] = []
    b = budget or active()
    for field_name, texts, resolve in (("region", regions, resolve_region), ("function", functions, resolve_function)):
        for text in texts:
            found_targets = resolve(atlas, text)
            b.check_targets(field_name, text, len(found_targets))
            required_idx += found_targets
    required_idx = list(dict.fromkeys(required_idx))
    required = {t: coverage for t in required_idx}
    banned, banned_names = _allowed(atlas, avoid)
    seed = [p for t in required_idx for p in atlas.target_paths[t]]
    required_set = set(required_idx)

    def allowed(n: int) -> bool:
        return n not in banned

    cands = _candidates(atlas, seed, allowed)
    if spare_motor:  # (the motor paths only when asked: a scan of every path of the atlas)
        motor_paths = {
            p for p, t in enumerate(atlas.path_target) if atlas.targets[t].kind == "muscle" and t not in required_set
        }
        cands = [c for c in cands if not motor_paths.intersection(c.paths)]
    _explain_infeasible(atlas, cands, required, spare_motor, banned_names)
    treating: tuple[str, ...] | None = None
    if condition is not None:
        from neurectomy.conditions import load as load_conditions

        treating = load_conditions()[condition].procedures
        named = procedure_cuts(atlas)
        sites = [site for pid in treating for site in named.sites.get(pid, ())]
        full = build_model(atlas, cands, w, required, established=[any(at_site(c, s) for s in sites) for c in cands])
    else:
        full = targeting_model(atlas, cands, w, required)
    if sex is not None:
        other = np.array([_other_sex(atlas.targets[t], sex) for t in full.targets], dtype=bool)
        if other.any():
            cost = full.cost.copy()
            cost[other] = 0.0
            full = replace(full, cost=cost)
    k_best = (
        functools.partial(solve_k_best, budget=b)
        if solver == "milp"
        else functools.partial(_k_best, solve=solve_bruteforce)
    )
    k = max(top, 1)
    bound = _bound(full, k) if solver == "milp" else None
    found: list[tuple[frozenset[int], float]] = []
    if bound is not None:
        model = _prune(full, bound)
        found = k_best(model, k=k)
        # exact only if every solution found costs no more than the bound used for pruning
        if len(found) < k or found[-1][1] > bound + 1e-9:
            found = []
    if not found:
        model = full
        found = k_best(model, k=k)
    plans = tuple(
        _plan_of(atlas, model, chosen, value, side, method, interruption, sex, treating) for chosen, value in found
    )
    if treating:
        plans = _with_condition_procedures(atlas, plans, treating, w, required, side, sex)
    return TargetingResult(tuple(atlas.targets[t] for t in required_idx), side, plans, w, method, sex)


def _with_condition_procedures(
    atlas: Atlas,
    plans: tuple[CutPlan, ...],
    treating: Sequence[str],
    weights: Weights,
    required: dict[int, float],
    side: Side,
    sex: str | None,
) -> tuple[CutPlan, ...]:
    """The ranked plans with a row for each of the condition's named procedures, cut where the procedure cuts and
    costed by the same model (a ranked plan that already is that procedure is marked, not repeated); ordered by
    cost, an established row first on a tie."""
    from neurectomy.methods import get_method
    from neurectomy.procedures import load_procedures

    named = procedure_cuts(atlas)
    procedures = load_procedures()
    out = list(plans)
    for pid in treating:
        sites = named.sites.get(pid)
        if not sites:
            continue  # a decompression, or a cut that does not resolve on this atlas
        same = [
            i
            for i, p in enumerate(out)
            if p.established and len(p.cuts) == len(sites) and any(m.id == pid and m.whole for m in p.procedures)
        ]
        if same:
            out[same[0]] = replace(out[same[0]], condition_procedure=pid)
            continue
        cands = []
        for n, mm, paths in sites:
            lo = max((e for e, _ in atlas.suffixes[n] if e < mm), default=0.0)
            cands.append(Candidate(n, mm, lo, paths))
        model = build_model(atlas, cands, weights, required)
        if sex is not None:
            other = np.array([_other_sex(atlas.targets[t], sex) for t in model.targets], dtype=bool)
            model = replace(model, cost=np.where(other, 0.0, model.cost))
        chosen = frozenset(range(len(cands)))
        value = model.cut_cost * len(cands) + float(model.cost @ model.losses(chosen))
        proc = procedures[pid]
        m = get_method(proc.method)
        plan = _plan_of(atlas, model, chosen, value, side, m.key, INTERRUPTION[m.family], sex, treating)
        out.append(replace(plan, established=True, procedures=(replace(named.matches[pid], whole=True),),
                           condition_procedure=pid))  # fmt: skip
    return tuple(sorted(out, key=lambda p: (round(p.cost, 9), not p.established)))


def targeting_model(
    atlas: Atlas, candidates: Sequence[Candidate], weights: Weights, required: dict[int, float]
) -> CoverModel:
    """The model :func:`target` solves: :func:`build_model` with each candidate marked established or not."""
    named = procedure_cuts(atlas).by_paths
    return build_model(atlas, candidates, weights, required, established=[c.paths in named for c in candidates])


@dataclass(frozen=True)
class ProcedureMatch:
    """A named procedure (``procedures_data.yaml``) that makes one or more of a plan's cuts."""

    id: str
    name: str
    method: str
    evidence: tuple[str, ...]
    #: the plan makes every cut of the procedure (else only some of them)
    whole: bool


_EVIDENCE_ID = re.compile(r"\bE\d{3}\b")


@dataclass(frozen=True)
class NamedCuts:
    #: supply paths a cut interrupts -> the procedures that make that cut
    by_paths: dict[tuple[int, ...], tuple[ProcedureMatch, ...]]
    #: procedure id -> the path sets of all its cuts
    cuts_of: dict[str, frozenset[tuple[int, ...]]]
    #: procedure id -> (nerve index, position mm, paths) of each of its cuts: where the surgeon cuts
    sites: dict[str, tuple[tuple[int, float, tuple[int, ...]], ...]] = field(default_factory=dict)
    #: procedure id -> its match (name, method, evidence)
    matches: dict[str, ProcedureMatch] = field(default_factory=dict)


@lru_cache(maxsize=4)
def procedure_cuts(atlas: Atlas) -> NamedCuts:
    """The cuts of the named procedures that interrupt fibres, keyed by the supply paths each interrupts (a
    candidate with the same paths is the same cut), with the procedures that make it. A procedure whose cut does
    not resolve on this atlas is left out (``neurectomy procedures check`` reports it)."""
    from neurectomy.lesion import PositionError, interrupted_paths, resolve_position
    from neurectomy.methods import get_method
    from neurectomy.procedures import load_procedures

    out: dict[tuple[int, ...], list[ProcedureMatch]] = {}
    cuts_of: dict[str, frozenset[tuple[int, ...]]] = {}
    sites: dict[str, tuple[tuple[int, float, tuple[int, ...]], ...]] = {}
    matches: dict[str, ProcedureMatch] = {}
    for p in load_procedures().values():
        try:
            if INTERRUPTION[get_method(p.method).family] == "none":
                continue
            keys = []
            where = []
            for c in p.cuts:
                n = atlas.nerve_idx(c.nerve)
                mm, _ = resolve_position(atlas, n, c.at, c.mm)
                keys.append(tuple(sorted(interrupted_paths(atlas, n, mm))))
                where.append((n, mm, keys[-1]))
        except (UnknownNameError, PositionError):
            continue
        evidence = {e for e in _EVIDENCE_ID.findall(p.source)}
        evidence |= {r.frequency.evidence for r in p.risks if r.frequency.evidence}
        match = ProcedureMatch(p.id, p.name, p.method, tuple(sorted(evidence)), whole=False)
        for key in dict.fromkeys(keys):
            if key:
                out.setdefault(key, []).append(match)
        cuts_of[p.id] = frozenset(k for k in keys if k)
        sites[p.id] = tuple(w for w in where if w[2])
        matches[p.id] = match
    return NamedCuts({k: tuple(v) for k, v in out.items()}, cuts_of, sites, matches)


#: how far (mm) a cut may lie from a named procedure's cut on the same nerve and still be that procedure's cut
SITE_TOLERANCE_MM = 10.0


def at_site(cand: Candidate, site: tuple[int, float, tuple[int, ...]]) -> bool:
    """Whether a candidate cut is made where a procedure makes its cut: the same nerve, the procedure's position
    inside the candidate's window (within :data:`SITE_TOLERANCE_MM`). Equal losses are not enough: the
    pterygopalatine ganglion takes what the vidian nerve carries, but cutting it is not a vidian neurectomy."""
    n, mm, _ = site
    return cand.nerve_idx == n and cand.lo_mm - SITE_TOLERANCE_MM <= mm <= cand.mm + SITE_TOLERANCE_MM


def procedures_of(atlas: Atlas, cands: Sequence[Candidate]) -> tuple[bool, tuple[ProcedureMatch, ...]]:
    """Whether every cut of a plan is the cut of a named procedure, and those procedures (``whole`` when the plan
    makes all of a procedure's cuts)."""
    named = procedure_cuts(atlas)
    keys = {c.paths for c in cands}
    found: dict[str, ProcedureMatch] = {}
    for c in cands:
        for m in named.by_paths.get(c.paths, ()):
            whole = named.cuts_of[m.id] <= keys
            # a procedure is named beside a plan that makes only part of it only when every cut of the plan is one
            # of the procedure's (the plan is a part of it); a plan that adds other cuts is not "part of" it
            if whole or keys <= named.cuts_of[m.id]:
                found.setdefault(m.id, replace(m, whole=whole))
    established = bool(cands) and all(c.paths in named.by_paths for c in cands)
    return established, tuple(sorted(found.values(), key=lambda m: (not m.whole, m.name)))


def condition_procedures_of(
    atlas: Atlas, cands: Sequence[Candidate], treating: Sequence[str]
) -> tuple[bool, tuple[ProcedureMatch, ...]]:
    """As :func:`procedures_of`, judged against a condition: only the procedures that treat it (``treating``)
    count, and a cut is a procedure's only where the procedure makes it (:func:`at_site`), not wherever the losses
    are equal. Established when every cut is a cut of one of them."""
    named = procedure_cuts(atlas)
    found: dict[str, ProcedureMatch] = {}
    matched: set[int] = set()
    for pid in treating:
        sites = named.sites.get(pid, ())
        hits = {i for i, c in enumerate(cands) for site in sites if at_site(c, site)}
        if not hits:
            continue
        whole = all(any(at_site(c, site) for c in cands) for site in sites)
        if whole or len(hits) == len(cands):
            found[pid] = replace(named.matches[pid], whole=whole)
            matched |= hits
    established = bool(cands) and len(matched) == len(cands)
    return established, tuple(sorted(found.values(), key=lambda m: (not m.whole, m.name)))


def _k_best(model: CoverModel, solve: Any, k: int) -> list[tuple[frozenset[int], float]]:
    out: list[tuple[frozenset[int], float]] = []
    for _ in range(k):
        result = solve(model, exclude=[c for c, _ in out])
        if result is None:
            break
        out.append(result)
    return out


def _standalone(model: CoverModel) -> np.ndarray:
    """Cost of each candidate on its own: a lower bound on the cost of any cut set that contains it, because
    collateral only grows as cuts are added."""
    owner, flat = _incidence(model)
    nc = len(model.candidates)
    contrib = model.cost[model.path_target] * model.path_weight
    alone = model.cut_cost + np.bincount(owner, weights=contrib[flat], minlength=nc)
    if model.unestablished > 0 and model.established:
        alone += np.where(np.array(model.established, dtype=bool), 0.0, model.unestablished)
    return alone


def _incidence(model: CoverModel) -> tuple[np.ndarray, np.ndarray]:
    """Every (candidate, local path) pair of the model as two flat arrays, candidate by candidate."""
    sizes = np.fromiter((len(ps) for ps in model.cand_paths), dtype=np.int64, count=len(model.cand_paths))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    flat = np.fromiter(itertools.chain.from_iterable(model.cand_paths), dtype=np.int64, count=int(sizes.sum()))
    return owner, flat


def _single_feasible(model: CoverModel) -> np.ndarray:
    """Per candidate: whether cutting it alone covers every required target (``objective([c]) < inf``)."""
    owner, flat = _incidence(model)
    nc, nt = len(model.candidates), len(model.targets)
    loss = np.bincount(owner * nt + model.path_target[flat], weights=model.path_weight[flat], minlength=nc * nt)
    loss = loss.reshape(nc, nt)
    ok = np.ones(nc, dtype=bool)
    for t, f in model.required.items():
        ok &= ~(loss[:, t] < f - 1e-9)
    return ok


def _bound(model: CoverModel, k: int) -> float | None:
    """An upper bound on the k-th best cost from feasible single cuts and a greedy cover, or None."""
    alone = _standalone(model)
    feasible = sorted(alone[_single_feasible(model)].tolist())
    if len(feasible) >= k:
        return float(feasible[k - 1])
    greedy = _greedy(model)
    if greedy is None or k > 1:
        return None
    return model.objective(sorted(greedy))


def _greedy(model: CoverModel) -> frozenset[int] | None:
    chosen: set[int] = set()
    alone = np.maximum(_standalone(model), 1e-12)
    owner, flat = _incidence(model)
    nc = len(model.candidates)
    while model.objective(sorted(chosen)) == float("inf"):
        loss = model.losses(chosen)
        short = np.zeros(len(model.targets), dtype=bool)
        for t, f in model.required.items():
            short[t] = loss[t] < f - 1e-9
        useful = model.path_weight * short[model.path_target]
        gains = np.bincount(owner, weights=useful[flat], minlength=nc)
        gains[list(chosen)] = 0.0
        if gains.max(initial=0.0) <= 1e-12:
            return None
        chosen.add(int(np.argmax(gains / alone)))
    return frozenset(chosen)


def _prune(model: CoverModel, bound: float) -> CoverModel:
    keep = [c for c, v in enumerate(_standalone(model)) if v <= bound + 1e-9]
    cands = [model.candidates[c] for c in keep]
    used = sorted({p for c in keep for p in model.cand_paths[c]})
    local = {p: i for i, p in enumerate(used)}
    return replace(
        model,
        candidates=tuple(cands),
        paths=tuple(model.paths[p] for p in used),
        cand_paths=tuple(tuple(local[p] for p in model.cand_paths[c]) for c in keep),
        path_target=model.path_target[used],
        path_weight=model.path_weight[used],
        established=tuple(model.established[c] for c in keep) if model.established else (),
    )


def _explain_infeasible(
    atlas: Atlas, cands: Sequence[Candidate], required: dict[int, float], spare_motor: bool, avoided: Sequence[str]
) -> None:
    reachable: set[int] = {p for c in cands for p in c.paths}
    short = []
    for t, f in required.items():
        got = sum(atlas.path_weight[p] for p in atlas.target_paths[t] if p in reachable)
        if got < f - 1e-9:
            short.append(f"{atlas.targets[t].name} (at most {got:.0%} of its supply can be cut)")
    if short:
        why = []
        if spare_motor:
            why.append("every cut that reaches it also takes motor supply, and --spare-motor forbids that")
        if avoided:
            why.append(f"cuts on {', '.join(avoided)} and their branches are excluded")
        raise InfeasibleTargetError("cannot cover " + "; ".join(short) + (": " + "; ".join(why) if why else ""))
