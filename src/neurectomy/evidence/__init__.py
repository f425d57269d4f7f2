"""Published outcome figures for neurectomy and its alternatives, with full sources.

The figures come from the project workspace's reference table of published outcomes (see its README), copied into
``evidence/data/evidence.csv`` without the ``quote`` column. Each row becomes a frozen
:class:`EvidenceRow` whose ``value`` is typed (:class:`Point`, :class:`Range`, :class:`Count`,
:class:`Bound` or :class:`Pair`); a value that fits none of them is an :class:`EvidenceError`
naming file, line and field, never a silent guess.

Rows are found by word matching (:func:`find`), by the project's procedure keys
(:func:`for_procedure`, :data:`PROCEDURE_MAP`), and compared only where outcome, measure and
unit are the same (:func:`compare`): outcome definitions differ between studies, so rows whose
outcome or measure differ are never pooled.

>>> from neurectomy.evidence import compare
>>> [c] = compare("lfcn_neurectomy", "lfcn_decompression", "complete pain relief")
>>> [(row.id, str(row.value), row.unit) for row in c.a + c.b]
[('E001', '85', '%'), ('E002', '63', '%')]
>>> print(c.a[0].citation())  # doctest: +NORMALIZE_WHITESPACE
Lu VM, Burks SS, Heath RN, Wolde T, Spinner RJ, Levi AD. 2021. J Neurosurg 135(3):912-922,
doi:10.3171/2020.7.JNS202191 (https://www.pubmed.gov/33450741/)
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Final, Literal, NamedTuple, TypeAlias

__all__ = [
    "COLUMNS",
    "PROCEDURE_MAP",
    "Bound",
    "BoundOp",
    "Comparison",
    "Count",
    "EvidenceError",
    "EvidenceRow",
    "Match",
    "Pair",
    "Point",
    "Range",
    "UnknownProcedureError",
    "Value",
    "compare",
    "find",
    "for_procedure",
    "load_evidence",
    "parse_value",
    "procedure_keys",
]

#: Columns of the packaged CSV, in order (the shared reference file adds ``quote``).
COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "procedure",
    "indication",
    "comparator",
    "outcome",
    "measure",
    "value",
    "unit",
    "n",
    "followup",
    "design",
    "source",
    "url_or_doi",
)
#: Columns that may be present and are ignored (the shared file's verbatim quote, for checking only).
_IGNORED_COLUMNS: Final[frozenset[str]] = frozenset({"quote"})
#: Columns that must never be empty.
_REQUIRED: Final[tuple[str, ...]] = ("id", "procedure", "outcome", "measure", "value", "unit", "source")


# --------------------------------------------------------------------------- errors
class EvidenceError(ValueError):
    """The evidence data is invalid; the message names file, line and field."""

    def __init__(self, file: str, line: int, field: str, problem: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{file}:{line}: field '{field}': {problem}")


class UnknownProcedureError(KeyError):
    """A procedure key that is not in :data:`PROCEDURE_MAP`; the message suggests close keys."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown procedure key"


# --------------------------------------------------------------------------- typed values
def _fmt(x: float) -> str:
    """A number as the data writes it: no trailing ``.0``."""
    return f"{x:g}"


@dataclass(frozen=True, slots=True)
class Point:
    """One figure, e.g. ``85`` or ``-0.2``."""

    x: float

    kind: ClassVar[Literal["point"]] = "point"

    def __str__(self) -> str:
        return _fmt(self.x)

    def parts(self) -> dict[str, float | int | str]:
        """The typed parts, JSON-ready."""
        return {"x": self.x}


@dataclass(frozen=True, slots=True)
class Range:
    """A range ``lo-hi`` as reported (e.g. ``90-95``); ``lo <= hi``."""

    lo: float
    hi: float

    kind: ClassVar[Literal["range"]] = "range"

    def __post_init__(self) -> None:
        if self.lo > self.hi:
            raise ValueError(f"range {self.lo:g}-{self.hi:g} has its low end above its high end")

    def __str__(self) -> str:
        return f"{_fmt(self.lo)}-{_fmt(self.hi)}"

    @property
    def midpoint(self) -> float:
        """Middle of the range (a display aid, not a reported figure)."""
        return (self.lo + self.hi) / 2

    def parts(self) -> dict[str, float | int | str]:
        """The typed parts, JSON-ready."""
        return {"lo": self.lo, "hi": self.hi}


@dataclass(frozen=True, slots=True)
class Count:
    """``k`` of ``n`` patients (unit ``count``), e.g. ``26/27``; ``0 <= k <= n``, ``n > 0``."""

    k: int
    n: int

    kind: ClassVar[Literal["count"]] = "count"

    def __post_init__(self) -> None:
        if self.n <= 0 or not 0 <= self.k <= self.n:
            raise ValueError(f"count {self.k}/{self.n} is not k of n with 0 <= k <= n and n > 0")

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"

    def as_fraction(self) -> float:
        """``k / n`` in 0–1."""
        return self.k / self.n

    def parts(self) -> dict[str, float | int | str]:
        """The typed parts, JSON-ready."""
        return {"k": self.k, "n": self.n}


BoundOp: TypeAlias = Literal[">", "<", "≥", "≤"]
_OPS: Final[Mapping[str, BoundOp]] = {">": ">", "<": "<", "≥": "≥", "≤": "≤", ">=": "≥", "<=": "≤"}


@dataclass(frozen=True, slots=True)
class Bound:
    """A one-sided figure such as ``>95`` (``>=``/``<=`` are stored as ``≥``/``≤``)."""

    op: BoundOp
    x: float

    kind: ClassVar[Literal["bound"]] = "bound"

    def __str__(self) -> str:
        return f"{self.op}{_fmt(self.x)}"

    def parts(self) -> dict[str, float | int | str]:
        """The typed parts, JSON-ready."""
        return {"op": self.op, "x": self.x}


@dataclass(frozen=True, slots=True)
class Pair:
    """Two figures reported side by side (``58 / 53``) for two groups named in the row's ``measure``.

    Example: E072's measure is "proportion, practice 1 / practice 2"; the pair is not a range and
    not a count, so it is kept as two separate figures.
    """

    a: float
    b: float

    kind: ClassVar[Literal["pair"]] = "pair"

    def __str__(self) -> str:
        return f"{_fmt(self.a)} / {_fmt(self.b)}"

    def parts(self) -> dict[str, float | int | str]:
        """The typed parts, JSON-ready."""
        return {"a": self.a, "b": self.b}


Value: TypeAlias = Point | Range | Count | Bound | Pair

_NUM = r"-?\d+(?:\.\d+)?"
_RE_POINT = re.compile(rf"^({_NUM})$")
_RE_RANGE = re.compile(rf"^({_NUM})\s*[-–]\s*({_NUM})$")
_RE_SLASH = re.compile(rf"^({_NUM})\s*/\s*({_NUM})$")
_RE_COUNT = re.compile(r"^(\d+)\s*/\s*(\d+)$")
_RE_BOUND = re.compile(rf"^(>=|<=|≥|≤|>|<)\s*({_NUM})$")


def parse_value(text: str, unit: str = "") -> Value:
    """Parse a ``value`` cell; ``unit`` decides count vs pair. Raises ``ValueError`` if nothing fits.

    >>> parse_value("90-95", "%"), parse_value("26/27", "count"), parse_value(">95", "%")
    (Range(lo=90.0, hi=95.0), Count(k=26, n=27), Bound(op='>', x=95.0))
    >>> parse_value("58 / 53", "%"), parse_value("-2.39", "VAS points")
    (Pair(a=58.0, b=53.0), Point(x=-2.39))
    """
    s = text.strip()
    if unit == "count":
        m = _RE_COUNT.match(s)
        if not m:
            raise ValueError(f"{text!r} with unit 'count' must be k/n, e.g. '26/27'")
        return Count(int(m[1]), int(m[2]))
    if m := _RE_POINT.match(s):
        return Point(float(m[1]))
    if m := _RE_RANGE.match(s):
        return Range(float(m[1]), float(m[2]))
    if m := _RE_BOUND.match(s):
        return Bound(_OPS[m[1]], float(m[2]))
    if m := _RE_SLASH.match(s):
        return Pair(float(m[1]), float(m[2]))
    raise ValueError(
        f"{text!r} is not a number, a range 'lo-hi', a count 'k/n' (unit count), a bound '>x'/'<x'/'≥x'/'≤x' "
        "or a pair 'a / b'"
    )


def _divide(value: Value, d: float) -> Value:
    """The value with every figure divided by ``d`` (a count becomes the point ``k/n``)."""
    match value:
        case Point(x):
            return Point(x / d)
        case Range(lo, hi):
            return Range(lo / d, hi / d)
        case Bound(op, x):
            return Bound(op, x / d)
        case Pair(a, b):
            return Pair(a / d, b / d)
        case Count():
            return Point(value.as_fraction())


# --------------------------------------------------------------------------- flags
# Patterns read off the actual `design`, `measure` and `outcome` strings (see evidence-README.md).
#: hosts that keep a copy of a paper (proxies, aggregators, document mirrors), never shown as a source
_RE_MIRROR_URL = re.compile(
    r",?\s*\(?(?:summary: )?https?://[^\s,;()]*(?:weglot|proxy|yumpu|scribd|docksci|paperai|qxmd|scilit|medifind|"
    r"acnpsearch|tweb-dev|urotoday|tampabayhearing|researcher\.life|coek\.info|cupdf|docslib)[^\s,;()]*\)?",
    re.IGNORECASE,
)
_INTERNAL_NOTES = (
    (re.compile(r"\s*\(seen via [^)]*\)", re.IGNORECASE), ""),
    (re.compile(r";?\s*listed on [\w.-]+ publication page(?: cite=\d+)?", re.IGNORECASE), ""),
    (re.compile(r";?\s*index record \d+", re.IGNORECASE), ""),
    (
        re.compile(r"\bseed sentences? \d+(?:\s*(?:-|–|,|and)\s*\d+)*", re.IGNORECASE),
        "neurectomy overview (reference text)",
    ),
    (re.compile(r"\bseed: ", re.IGNORECASE), "neurectomy overview: "),
    (re.compile(r"\bthe seed's claim\b", re.IGNORECASE), "the overview's claim"),
)


def public_source(text: str) -> str:
    """A source as a user is shown it: internal notes (proxy copies, index records, the page a row was listed on,
    seed-sentence numbers) and addresses of mirrors or proxies of a paper taken out. Every edge shows sources
    through this (evidence citations, risk and candidacy sources, method sources).

    >>> public_source("Smith 2020, https://pubmed.ncbi.nlm.nih.gov/1 (seen via proxy.weglot.com copy)")
    'Smith 2020, https://pubmed.ncbi.nlm.nih.gov/1'
    """
    out = _RE_MIRROR_URL.sub("", text)
    for pattern, repl in _INTERNAL_NOTES:
        out = pattern.sub(repl, out)
    return re.sub(r"\(\s*\)|\(\s*;\s*", lambda m: "" if m[0].strip() == "()" else "(", out).strip(" ,;")


_RE_SECONDARY = re.compile(r"secondar|cited in review", re.IGNORECASE)  # "secondary citation/table/summary"
_RE_BACKGROUND = re.compile(
    r"background statement|introduction statement|review statement|citing refs|cites literature"
    r"|literature range cited",
    re.IGNORECASE,
)
_RE_NOT_PEER = re.compile(r"not peer reviewed|\bweb\b|website", re.IGNORECASE)
_RE_ABSTRACT = re.compile(r"conference abstract", re.IGNORECASE)
_RE_BOUND_WORDS = re.compile(r"upper bound|lower bound|upper end|'up to'", re.IGNORECASE)

#: Row-specific caveats from evidence-README.md, shown as flags.
_NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "E007": "stores 5, the upper end of the reported 0–5% range across the three treatments",
        "E054": "100 because the source text says 'all patients'",
    }
)


# --------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One published figure with its source. ``n`` is the first integer of the CSV's ``n`` column
    (``n_text`` keeps qualifiers such as "(both arms)"); ``value_text`` is the cell as written."""

    id: str
    procedure: str
    indication: str
    comparator: str
    outcome: str
    measure: str
    value: Value
    unit: str
    n: int | None
    followup: str
    design: str
    source: str
    url_or_doi: str
    value_text: str = ""
    n_text: str = ""

    @property
    def secondary(self) -> bool:
        """The figure is quoted from another study or the literature, not reported first-hand."""
        text = f"{self.design} | {self.measure} | {self.outcome}"
        return bool(_RE_SECONDARY.search(text) or _RE_BACKGROUND.search(text))

    @property
    def peer_reviewed(self) -> bool:
        """False for clinic/patient-information/web pages (design says so); True otherwise."""
        return not _RE_NOT_PEER.search(self.design)

    @property
    def classification(self) -> bool:
        """A classification fact (e.g. a Sunderland grade), not an outcome."""
        return self.procedure.startswith("(classification)")

    @property
    def flags(self) -> tuple[str, ...]:
        """Human-readable caveats to show next to the figure (weight flagged rows lower)."""
        out: list[str] = []
        text = f"{self.design} | {self.measure} | {self.outcome}"
        if _RE_SECONDARY.search(text):
            out.append("secondary citation: the figure is quoted from another study, not reported first-hand")
        elif _RE_BACKGROUND.search(text):
            out.append("background statement: a figure quoted from the literature, not this source's own result")
        if not self.peer_reviewed:
            out.append("not peer reviewed (clinic, patient-information or web page)")
        if _RE_ABSTRACT.search(self.design):
            out.append("conference abstract: not a full peer-reviewed paper")
        if self.classification:
            what = "the grade number" if self.unit == "grade" else f"in {self.unit}"
            out.append(f"classification fact, not an outcome (value is {what})")
        if note := _NOTES.get(self.id):
            out.append(note)
        elif m := _RE_BOUND_WORDS.search(self.measure):
            out.append(f"not a point estimate: the measure says {m[0]!r}")
        return tuple(out)

    def citation(self) -> str:
        """``"source, url_or_doi"`` (just the source when there is no address)."""
        return public_source(f"{self.source}, {self.url_or_doi}" if self.url_or_doi else self.source)

    def as_fraction(self) -> Value | None:
        """The value on a 0–1 scale: percent ÷ 100, a count as ``k/n``; None for other units."""
        if self.unit == "%":
            return _divide(self.value, 100)
        if self.unit == "count":
            return _divide(self.value, 1)
        return None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict: every column, the value as text plus its typed parts, flags and citation."""
        return {
            "id": self.id,
            "procedure": self.procedure,
            "indication": self.indication,
            "comparator": self.comparator,
            "outcome": self.outcome,
            "measure": self.measure,
            "value": self.value_text or str(self.value),
            "value_kind": self.value.kind,
            "value_parts": self.value.parts(),
            "unit": self.unit,
            "n": self.n,
            "n_text": self.n_text,
            "followup": self.followup,
            "design": self.design,
            "source": self.source,
            "url_or_doi": self.url_or_doi,
            "secondary": self.secondary,
            "peer_reviewed": self.peer_reviewed,
            "flags": list(self.flags),
            "citation": self.citation(),
        }


# --------------------------------------------------------------------------- loading
_RE_N = re.compile(r"^(\d+)\b")


def _parse_text(text: str, file: str) -> tuple[EvidenceRow, ...]:
    """Parse CSV text into rows; any problem is an :class:`EvidenceError` naming file, line, field."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames
    if header is None:
        raise EvidenceError(file, 1, "id", "the file is empty (no header)")
    for col in COLUMNS:
        if col not in header:
            raise EvidenceError(file, 1, col, "missing column")
    for col in header:
        if col not in COLUMNS and col not in _IGNORED_COLUMNS:
            raise EvidenceError(file, 1, col, f"unknown column (expected {', '.join(COLUMNS)})")
    rows: list[EvidenceRow] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:
            raise EvidenceError(file, line, str(header[-1]), "more fields than columns")
        cells: dict[str, str] = {}
        for col in COLUMNS:
            cell = raw.get(col)
            if cell is None:
                raise EvidenceError(file, line, col, "missing field (fewer fields than columns)")
            cells[col] = cell.strip()
        for col in _REQUIRED:
            if not cells[col]:
                raise EvidenceError(file, line, col, "empty")
        if cells["id"] in seen:
            raise EvidenceError(file, line, "id", f"duplicate id {cells['id']!r} (first on line {seen[cells['id']]})")
        seen[cells["id"]] = line
        try:
            value = parse_value(cells["value"], cells["unit"])
        except ValueError as exc:
            raise EvidenceError(file, line, "value", str(exc)) from None
        n: int | None = None
        if cells["n"]:
            m = _RE_N.match(cells["n"])
            if not m:
                raise EvidenceError(file, line, "n", f"{cells['n']!r} does not start with a whole number")
            n = int(m[1])
        rows.append(
            EvidenceRow(
                id=cells["id"],
                procedure=cells["procedure"],
                indication=cells["indication"],
                comparator=cells["comparator"],
                outcome=cells["outcome"],
                measure=cells["measure"],
                value=value,
                unit=cells["unit"],
                n=n,
                followup=cells["followup"],
                design=cells["design"],
                source=cells["source"],
                url_or_doi=cells["url_or_doi"],
                value_text=cells["value"],
                n_text=cells["n"],
            )
        )
    return tuple(rows)


@functools.cache
def _load(path: str | None) -> tuple[EvidenceRow, ...]:
    if path is None:
        resource = resources.files(__name__).joinpath("data", "evidence.csv")
        return _parse_text(resource.read_text(encoding="utf-8"), str(resource))
    return _parse_text(Path(path).read_text(encoding="utf-8"), path)


def load_evidence(path: str | Path | None = None) -> tuple[EvidenceRow, ...]:
    """All rows, in file order: the packaged data by default, or the CSV at ``path`` (cached per path)."""
    return _load(None if path is None else str(path))


# --------------------------------------------------------------------------- look-up
@functools.lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    """Case-, accent- and apostrophe-folded words ("Ménière's" → "menieres")."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    folded = re.sub(r"['’`]", "", folded.casefold())
    return tuple(re.findall(r"[^\W_]+", folded))


def _matches(query: str, field: str) -> bool:
    """Every word of ``query`` is a word of ``field`` or the start of one."""
    have = _words(field)
    return all(any(w.startswith(q) for w in have) for q in _words(query))


def _all_text(row: EvidenceRow) -> str:
    return " | ".join(
        (
            row.id,
            row.procedure,
            row.indication,
            row.comparator,
            row.outcome,
            row.measure,
            row.unit,
            row.n_text,
            row.followup,
            row.design,
            row.source,
            row.url_or_doi,
        )
    )


def find(
    procedure: str | None = None,
    indication: str | None = None,
    comparator: str | None = None,
    outcome: str | None = None,
    text: str | None = None,
    *,
    measure: str | None = None,
    rows: Iterable[EvidenceRow] | None = None,
) -> tuple[EvidenceRow, ...]:
    """Rows whose fields contain all words of each given query (case-insensitive, word prefixes).

    ``text`` searches every column at once. Queries left as None do not filter.

    >>> [r.id for r in find(procedure="vestibular", outcome="CSF")]
    ['E020', 'E023']
    """
    tests = [
        (q, attr)
        for q, attr in (
            (procedure, "procedure"),
            (indication, "indication"),
            (comparator, "comparator"),
            (outcome, "outcome"),
            (measure, "measure"),
        )
        if q is not None
    ]
    out = []
    for row in load_evidence() if rows is None else rows:
        if all(_matches(q, getattr(row, attr)) for q, attr in tests) and (
            text is None or _matches(text, _all_text(row))
        ):
            out.append(row)
    return tuple(out)


class Match(NamedTuple):
    """One rule of :data:`PROCEDURE_MAP`: an exact ``procedure`` string of the CSV, optionally
    restricted to rows whose indication matches the word query ``indication``."""

    procedure: str
    indication: str = ""


_P = Match
#: The project's procedure keys → the evidence rows' exact ``procedure`` strings (curated by reading
#: the CSV). Comparator-only arms (e.g. "conservative endometriosis surgery alone", "LUNA alone",
#: "ilioinguinal nerve preservation …", "major limb amputation without TMR") are deliberately not
#: mapped. Rows pooled over several procedures (E007, E009) appear under each procedure they cover;
#: :func:`compare` drops rows that fall on both sides.
PROCEDURE_MAP: Final[Mapping[str, tuple[Match, ...]]] = MappingProxyType(
    {
        "lfcn_neurectomy": (
            _P("LFCN neurectomy"),
            _P("LFCN neurectomy (primary)"),
            _P("LFCN neurectomy after failed neurolysis"),
            _P("LFCN injection / neurolysis / neurectomy"),
            _P("LFCN decompression or neurectomy"),
        ),
        "lfcn_decompression": (
            _P("LFCN neurolysis (decompression)"),
            _P("LFCN decompression (neurolysis)"),
            _P("LFCN neurolysis"),
            _P("LFCN injection / neurolysis / neurectomy"),
            _P("LFCN decompression or neurectomy"),
        ),
        "lfcn_injection": (
            _P("LFCN injection"),
            _P("LFCN injection / neurolysis / neurectomy"),
        ),
        "vestibular_neurectomy": (
            _P("vestibular nerve section (simplified retrosigmoid)"),
            _P("vestibular nerve section (suboccipital retrolabyrinthine)"),
            _P("vestibular neurectomy (various approaches)"),
            _P("vestibular neurectomy"),
            _P("vestibular nerve section"),
            _P("middle fossa vestibular nerve section"),
            _P("posterior fossa vestibular neurectomy"),
            _P("middle fossa superior vestibular neurectomy"),
        ),
        "presacral_neurectomy": (
            _P("presacral neurectomy + conservative endometriosis surgery"),
            _P("laparoscopic conservative surgery + presacral neurectomy"),
            _P("conventional laparoscopic presacral neurectomy"),
            _P("modified laparoscopic presacral neurectomy"),
            _P("presacral neurectomy (historical, open)"),
            _P("laparoscopic presacral neurectomy"),
            _P("laparoscopic presacral neurectomy + excision/vaporization of endometriosis"),
            _P("conservative surgery + presacral neurectomy"),
            _P("LUNA + presacral neurectomy"),
        ),
        "thoracic_sympathectomy": (
            _P("endoscopic thoracic sympathicotomy (ETS)"),
            _P("ETS sparing T2 (T3, T4 or T3-T4)"),
            _P("ETS involving T2"),
            _P("endoscopic thoracic sympathicotomy"),
            _P("video-assisted thoracoscopic sympathectomy (T2 or T3)"),
            _P("endoscopic thoracic sympathectomy (bilateral)"),
            _P("endoscopic thoracic sympathectomy"),
            _P("thoracoscopic sympathectomy (T2 or T2-T3)"),
            _P("thoracoscopic sympathicotomy (R2 or R2-R3)"),
            _P("staged single-port thoracoscopic R2 sympathicotomy"),
            _P("R2 endoscopic thoracic sympathicotomy + preemptive diffuse sympathicotomy"),
        ),
        "mortons_neurectomy": (
            _P("open excision (neurectomy) of Morton's neuroma"),
            _P("neurectomy (interdigital nerve excision)", "morton"),
            _P("neurectomy", "morton"),
            _P("open neurectomy", "morton"),
            _P("Morton's neuroma excision (plantar longitudinal approach)"),
            _P("Morton's neuroma excision, plantar approach"),
            _P("primary interdigital (Morton's) neuroma resection"),
            _P("interdigital (Morton's) neuroma excision"),
        ),
        # Radiofrequency and endoscopic; medial-branch cryodenervation is under "cryoneurolysis".
        "medial_branch_neurotomy": (
            _P("lumbar medial branch radiofrequency neurotomy"),
            _P("repeat lumbar medial branch radiofrequency neurotomy"),
            _P("lumbar medial branch radiofrequency neurotomy (with repeats)"),
            _P("lumbar medial branch radiofrequency ablation"),
            _P("full-endoscopic lumbar (dorsal ramus) rhizotomy"),
            _P("cervical medial branch traditional radiofrequency ablation"),
            _P("lumbar/cervical medial branch radiofrequency neurotomy"),
        ),
        # Thermal (radiofrequency) genicular neurotomy; genicular phenol is under "phenol_neurolysis".
        "genicular_neurotomy": (
            _P("bipolar genicular nerve RFA (SM, SL, IM) + local anesthetic/steroid"),
            _P("traditional genicular radiofrequency ablation"),
            _P("cooled genicular radiofrequency ablation"),
            _P("cooled radiofrequency ablation of genicular nerves"),
            _P("genicular nerve radiofrequency ablation"),
        ),
        "occipital_neurectomy": (_P("greater occipital nerve excision (neurectomy)"),),
        "occipital_decompression": (_P("greater occipital nerve decompression (comparator to neurectomy)"),),
        # Prophylactic ilioinguinal neurectomy and the triple/selective neurectomies for inguinodynia.
        "ilioinguinal_neurectomy": (
            _P("prophylactic ilioinguinal neurectomy during Lichtenstein repair"),
            _P("open triple neurectomy (ilioinguinal, iliohypogastric incl. intramuscular segment, genitofemoral)"),
            _P("open triple neurectomy with only extramuscular IHN resection"),
            _P("triple neurectomy + paravasal neurectomy"),
            _P("triple neurectomy"),
            _P("selective neurectomy", "inguinal"),
        ),
        "selective_motor_neurectomy": (
            _P("tibial (fascicular) neurotomy"),
            _P("selective peripheral neurotomy of tibial nerve (50-80% of motor fascicles resected)"),
            _P("selective peripheral neurotomy of tibial nerve"),
            _P("microselective neurotomy"),
            _P("selective tibial neurotomy"),
            _P("musculocutaneous neurectomy"),
        ),
        "tmr": (
            _P("targeted muscle reinnervation (TMR)"),
            _P("primary targeted muscle reinnervation at amputation"),
            _P("primary (preemptive) TMR at major limb amputation"),
            _P("concurrent TMR at major limb amputation"),
        ),
        "rpni": (_P("regenerative peripheral nerve interface (RPNI)"),),
        "traction_neurectomy": (_P("traction neurectomy"),),
        # E134 pools burying with other neuroma techniques (no per-technique figure exists).
        "burying": (
            _P("neuroma excision and burying into muscle (standard treatment)"),
            _P(
                "surgical treatment of painful neuroma (excision, transposition/burying, capping, repair, "
                "neurolysis+coverage)"
            ),
        ),
        "phenol_neurolysis": (
            _P("percutaneous phenol nerve block"),
            _P("'open' phenol nerve block"),
            _P("ultrasound-guided intraneural phenol nerve block"),
            _P("phenol neurolysis"),
            _P("genicular nerve chemical (phenol) neurolysis"),
            _P("genicular nerve phenol neurolysis"),
        ),
        "cryoneurolysis": (
            _P("percutaneous medial branch cryodenervation (cryoneurolysis)"),
            _P("cryoanalgesia (peripheral nerve cryoneurolysis; sciatic, intercostal, facial nerves)"),
            _P("cryoanalgesia (peripheral nerve cryoneurolysis)"),
        ),
        "nerve_regeneration": (
            _P("nerve transection / repair (any)"),
            _P("nerve transection / repair (motor fibres)"),
            _P("axon-disrupting nerve injury"),
            _P("axonotmesis (e.g. crush; cryoneurolysis-type lesion)"),
            _P("surgical nerve repair after neurotmesis"),
            _P("axonotmesis"),
            _P("surgical nerve repair"),
            _P("any regenerating peripheral nerve"),
        ),
        "nerve_injury_classification": (
            _P("(classification) Sunderland grade II / Seddon axonotmesis"),
            _P("(classification) Sunderland grade III"),
            _P("(classification) Sunderland grade IV"),
            _P("(classification) Sunderland grade V / Seddon neurotmesis"),
            _P("(classification) Sunderland I / Seddon neurapraxia"),
        ),
        "neuroma_incidence": (
            _P("major limb amputation (nerve transection)"),
            _P("extremity amputation"),
            _P("peripheral nerve injury (any, incl. surgical transection)"),
        ),
    }
)
del _P


def procedure_keys() -> tuple[str, ...]:
    """The keys :func:`for_procedure` accepts."""
    return tuple(PROCEDURE_MAP)


def _rule_matches(rule: Match, row: EvidenceRow) -> bool:
    return row.procedure == rule.procedure and (not rule.indication or _matches(rule.indication, row.indication))


def for_procedure(key: str, *, rows: Iterable[EvidenceRow] | None = None) -> tuple[EvidenceRow, ...]:
    """Rows for one of the project's procedure keys (see :data:`PROCEDURE_MAP`), in file order.

    >>> [r.id for r in for_procedure("occipital_neurectomy")]
    ['E121', 'E122', 'E123']
    """
    rules = PROCEDURE_MAP.get(key)
    if rules is None:
        import difflib

        close = difflib.get_close_matches(key, PROCEDURE_MAP, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known keys: {', '.join(PROCEDURE_MAP)}"
        raise UnknownProcedureError(f"unknown procedure key {key!r}{hint}")
    return tuple(r for r in (load_evidence() if rows is None else rows) if any(_rule_matches(m, r) for m in rules))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Rows of two procedures with the same outcome, measure and unit (the only rows it is fair to set
    side by side). ``head_to_head`` is True when both sides share a source (same study)."""

    outcome: str
    measure: str
    unit: str
    a: tuple[EvidenceRow, ...]
    b: tuple[EvidenceRow, ...]

    @property
    def head_to_head(self) -> bool:
        """Both sides come (at least partly) from the same source."""
        return bool({r.source for r in self.a} & {r.source for r in self.b})

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict with both sides' rows."""
        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "unit": self.unit,
            "head_to_head": self.head_to_head,
            "a": [r.to_dict() for r in self.a],
            "b": [r.to_dict() for r in self.b],
        }


def _side(procedure: str, rows: Iterable[EvidenceRow] | None) -> tuple[EvidenceRow, ...]:
    if procedure in PROCEDURE_MAP:
        return for_procedure(procedure, rows=rows)
    return find(procedure=procedure, rows=rows)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def compare(
    procedure_a: str,
    procedure_b: str,
    outcome: str | None = None,
    *,
    rows: Iterable[EvidenceRow] | None = None,
) -> tuple[Comparison, ...]:
    """Side-by-side rows of two procedures (keys of :data:`PROCEDURE_MAP` or word queries on the
    procedure column) grouped by identical outcome, measure and unit; only groups with rows on both
    sides are returned. ``outcome`` (a word query) narrows the outcomes. Rows on both sides are dropped.
    """
    pool = None if rows is None else tuple(rows)
    side_a, side_b = _side(procedure_a, pool), _side(procedure_b, pool)
    shared = {r.id for r in side_a} & {r.id for r in side_b}

    def keep(side: tuple[EvidenceRow, ...]) -> list[EvidenceRow]:
        return [r for r in side if r.id not in shared and (outcome is None or _matches(outcome, r.outcome))]

    groups: dict[tuple[str, str, str], tuple[list[EvidenceRow], list[EvidenceRow]]] = {}
    for i, side in enumerate((keep(side_a), keep(side_b))):
        for r in side:
            groups.setdefault((_key(r.outcome), _key(r.measure), _key(r.unit)), ([], []))[i].append(r)
    return tuple(
        Comparison(a[0].outcome, a[0].measure, a[0].unit, tuple(a), tuple(b)) for a, b in groups.values() if a and b
    )
