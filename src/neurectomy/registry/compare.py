"""Recorded outcomes per procedure vs the published figures, with 95 % confidence intervals.

A registry proportion ``k/n`` (cases with the outcome among cases with a follow-up of at least ``min_days``)
gets a Wilson score interval. A published figure expressed as a percentage or a count, with its ``n``, gets
the same interval (k taken as the rounded proportion of n); ranges and bounds are shown as published, with no
interval and no overlap, including a stored number that is one end of a reported range or an "up to" figure (the
evidence row's measure says so: E007 stores 5, the upper end of a 0–5 % range).
Outcome definitions differ between studies, so the published rows are shown beside the registry figure, never
pooled with it, and only rows that measure the same thing (like for like, as the plan's comparison does): complete
relief only against complete relief, "partial or complete relief" only against a row of relief of any degree; a
figure with a threshold or another condition ("≥50 % relief", "pain-free or improved") is not compared. A blank
relief is "not recorded": relief is taken from each case's latest follow-up that records it (a later follow-up
with relief left blank does not hide it), and a case whose follow-ups record none is left out of that measure's
denominator and counted as such, never as a failure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from neurectomy.registry.models import Case, Outcome


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes of ``n`` (95 % by default).

    >>> [round(x, 4) for x in wilson(8, 10)]
    [0.4902, 0.9433]
    >>> wilson(0, 0)
    (0.0, 1.0)
    """
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= k <= n:
        raise ValueError(f"{k} of {n} is not a proportion")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


def _always(outs: Sequence[Outcome]) -> bool:
    return True


@dataclass(frozen=True)
class Measure:
    """An outcome the registry can count, the words that find the published figures for it, and which of those
    figures measure the same thing (like for like: complete relief only against complete relief)."""

    key: str
    label: str
    test: Callable[[Sequence[Outcome]], bool]
    evidence_words: tuple[str, ...]
    #: whether a case's follow-ups record this outcome at all (a blank is "not recorded", never a failure)
    recorded: Callable[[Sequence[Outcome]], bool] = _always
    #: whether a published row's outcome text measures the same thing (None: every row the words find)
    same: Callable[[str], bool] | None = None


def _latest(outs: Sequence[Outcome]) -> Outcome:
    return max(outs, key=lambda o: (o.days_after, o.id))


def _latest_relief(outs: Sequence[Outcome]) -> str | None:
    """The relief of the latest follow-up that records one (a later follow-up with relief left blank does not hide
    it); None when no follow-up records relief."""
    recorded = [o for o in outs if o.pain_relief is not None]
    return _latest(recorded).pain_relief if recorded else None


def _relief_recorded(outs: Sequence[Outcome]) -> bool:
    return any(o.pain_relief is not None for o in outs)


_COMPLETE = re.compile(r"\bcomplete (?:pain )?relief\b|\bpain[- ]free\b", re.I)
#: a figure with a threshold, a scale or another condition is another measure ("≥50% relief", "Likert 1-2",
#: "pain-free or improved", "relief of vertigo")
_QUALIFIED = re.compile(r"[>≥<%]|\d|\bor\b|likert|vertigo|duration|immediately|initial", re.I)


def _complete_relief(outcome: str) -> bool:
    return bool(_COMPLETE.search(outcome)) and not _QUALIFIED.search(outcome)


def _any_relief(outcome: str) -> bool:
    """Relief of pain of any degree ("pain relief"), not complete relief nor relief above a threshold."""
    text = outcome.strip().lower()
    return bool(re.fullmatch(r"(?:pain )?relief(?: of pain)?", text))


MEASURES: Final[tuple[Measure, ...]] = (
    Measure(
        "complete_relief",
        "complete pain relief (latest follow-up recording relief)",
        lambda o: _latest_relief(o) == "complete",
        ("complete pain relief", "complete relief", "pain free"),
        _relief_recorded,
        _complete_relief,
    ),
    Measure(
        "any_relief",
        "partial or complete pain relief (latest follow-up recording relief)",
        lambda o: _latest_relief(o) in ("partial", "complete"),
        ("pain relief", "relief"),
        _relief_recorded,
        _any_relief,
    ),
    Measure("recurrence", "recurrence (any follow-up)", lambda o: any(x.recurrence for x in o), ("recurrence",)),
    Measure(
        "neuroma",
        "painful neuroma (any follow-up)",
        lambda o: any("neuroma" in x.complications for x in o),
        ("neuroma",),
    ),
    Measure(
        "deafferentation",
        "deafferentation pain (any follow-up)",
        lambda o: any("deafferentation_pain" in x.complications for x in o),
        ("deafferentation",),
    ),
    Measure(
        "compensatory_sweating",
        "compensatory sweating (any follow-up)",
        lambda o: any("compensatory_sweating" in x.complications for x in o),
        ("compensatory",),
    ),
    Measure(
        "any_complication",
        "any complication (any follow-up)",
        lambda o: any(x.complications for x in o),
        ("complications",),
    ),
)


@dataclass(frozen=True)
class Published:
    """One published figure, as a proportion where possible."""

    id: str
    outcome: str
    value: str
    unit: str
    n: int | None
    proportion: float | None
    ci: tuple[float, float] | None
    citation: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One measure for one procedure: the registry's k/n with its interval, and the published figures."""

    procedure_key: str
    measure: str
    label: str
    k: int
    n: int
    ci: tuple[float, float]
    published: tuple[Published, ...] = field(default=())
    #: cases followed up whose follow-ups do not record this outcome (left out of n)
    not_recorded: int = 0

    @property
    def proportion(self) -> float | None:
        return self.k / self.n if self.n else None

    def consistent(self, pub: Published) -> bool | None:
        """Whether the two 95 % intervals overlap (None when either is unknown)."""
        if not self.n or pub.ci is None:
            return None
        return self.ci[0] <= pub.ci[1] and pub.ci[0] <= self.ci[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "procedure_key": self.procedure_key,
            "measure": self.measure,
            "label": self.label,
            "k": self.k,
            "n": self.n,
            "proportion": self.proportion,
            "ci95": list(self.ci),
            "not_recorded": self.not_recorded,
            "published": [
                {
                    "id": p.id,
                    "outcome": p.outcome,
                    "value": p.value,
                    "unit": p.unit,
                    "n": p.n,
                    "proportion": p.proportion,
                    "ci95": None if p.ci is None else list(p.ci),
                    "citation": p.citation,
                    "flags": list(p.flags),
                    "consistent": self.consistent(p),
                }
                for p in self.published
            ],
        }


#: What a published range or bound says beside it (no interval is computed from one end of it).
RANGE_NOTE: Final = "a range or bound as published: no 95 % CI or overlap is computed from it"
_RANGE = re.compile(r"\brange\s*(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)", re.I)
_UPPER = re.compile(r"upper bound|upper end|\bup to\b", re.I)
_LOWER = re.compile(r"lower bound|lower end|\bat least\b", re.I)


def _reported_range(row: Any) -> str | None:
    """How a row whose stored number is one end of a range or a bound reads as published ("0–5", "up to 31",
    "at least 80"); None for a point estimate. The evidence record flags these in its measure text (E007 stores
    5, the upper end of "range 0-5%"; "upper bound ('up to')")."""
    upper, lower = _UPPER.search(row.measure), _LOWER.search(row.measure)
    if not (upper or lower):
        return None  # a point estimate (a "mean (range 2-10)" is a point with its spread)
    if m := _RANGE.search(row.measure):
        return f"{float(m[1]):g}–{float(m[2]):g}"
    return f"up to {row.value.x:g}" if upper else f"at least {row.value.x:g}"


def _published(procedure_key: str, measure: Measure) -> tuple[Published, ...]:
    from neurectomy.evidence import Count, Point, find, for_procedure
    from neurectomy.procedures import load_procedures

    proc = load_procedures().get(procedure_key)
    if proc is None or proc.evidence_key is None:
        return ()
    rows = for_procedure(proc.evidence_key)
    hits: dict[str, Published] = {}
    for w in measure.evidence_words:
        for row in find(outcome=w, rows=rows):
            if row.id in hits or row.unit not in ("%", "count"):
                continue
            if measure.same is not None and not measure.same(row.outcome):
                continue  # another measure (complete relief is not "partial or complete"): never set side by side
            frac = row.as_fraction()
            prop: float | None = None
            ci: tuple[float, float] | None = None
            shown, flags = row.value_text or str(row.value), row.flags
            reported = _reported_range(row) if isinstance(row.value, Point) else None
            if reported is not None:
                # a stored number that is one end of a range or a bound: shown as published, no interval or overlap
                shown, flags = reported, (*flags, RANGE_NOTE)
            elif isinstance(row.value, Count):
                prop, ci = row.value.as_fraction(), wilson(row.value.k, row.value.n)
            elif isinstance(frac, Point):
                prop = frac.x
                if row.n and 0 <= prop <= 1:
                    ci = wilson(round(prop * row.n), row.n)
            hits[row.id] = Published(row.id, row.outcome, shown, row.unit, row.n, prop, ci, row.citation(), flags)
    return tuple(hits.values())


def compare_outcomes(cases: Sequence[Case], *, min_days: int = 0) -> list[Row]:
    """For each procedure among ``cases`` (those with outcomes at ``min_days`` or later) and each measure:
    the registry proportion with its Wilson interval beside the published figures."""
    by_proc: dict[str, list[list[Outcome]]] = {}
    for c in cases:
        outs = [o for o in c.outcomes if o.days_after >= min_days]
        if c.procedure_key and outs:
            by_proc.setdefault(c.procedure_key, []).append(outs)
    rows: list[Row] = []
    for key in sorted(by_proc):
        followed = by_proc[key]
        for m in MEASURES:
            known = [outs for outs in followed if m.recorded(outs)]
            k = sum(1 for outs in known if m.test(outs))
            n = len(known)
            pub = _published(key, m)
            if k == 0 and not pub and m.key not in ("complete_relief", "any_relief"):
                continue
            rows.append(Row(key, m.key, m.label, k, n, wilson(k, n), pub, len(followed) - n))
    return rows


def compare_for_procedure(engine: Any, procedure_key: str, *, min_days: int = 0) -> list[Row]:
    """The comparison rows of one procedure over every case in a registry database (a local, administrative read:
    the report printed from the command line on the clinic's own machine)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import Case

    with read_session(engine) as s:
        cases = list(
            s.scalars(select(Case).where(Case.procedure_key == procedure_key).options(selectinload(Case.outcomes)))
        )
        return [r for r in compare_outcomes(cases, min_days=min_days) if r.procedure_key == procedure_key]
