"""The named neurectomy procedures: indications, the atlas cuts they make, approach, steps and risks.

The table lives in ``procedures_data.yaml`` (one record per procedure, every figure an evidence id or a sourced
text); this module validates it (file, line, record, field) and resolves each procedure's cuts on the atlas.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neurectomy.atlas.graph import Atlas
from neurectomy.datafile import DataFileError, Problem, read_yaml, validation_problems
from neurectomy.lesion import Cut, Deficit, Side
from neurectomy.names import UnknownNameError, normalise, suggest

DATA_FILE = Path(__file__).with_name("procedures_data.yaml")
EndTreatmentKey = Literal["cautery", "capping", "burying_in_muscle", "traction", "tmr", "rpni"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProcedureCut(_Model):
    nerve: str
    at: str | None = None
    mm: float | None = Field(default=None, ge=0)
    side: Literal["patient", "midline", "both"] = "patient"
    #: the share of the nerve's fibres the cut takes (a partial fascicular resection); with ``fraction_source``
    fraction: float = Field(default=1.0, gt=0, le=1)
    fraction_source: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> ProcedureCut:
        if self.fraction < 1.0 and not self.fraction_source:
            raise ValueError("a partial cut (fraction < 1) needs fraction_source (an E-row or 'estimate: <reason>')")
        return self


class Frequency(_Model):
    evidence: str | None = Field(default=None, pattern=r"^E\d{3}$")
    text: str | None = None
    source: str | None = None


class Risk(_Model):
    name: str
    site_specific: bool = False
    #: a risk only one sex can have (vaginal dryness, loss of the cremasteric reflex): left out of a plan for a
    #: patient of the other sex, labelled when the sex is not known
    sex: Literal["female", "male"] | None = None
    frequency: Frequency
    #: how the risk stands to the modelled losses where it is not among them (e.g. constipation after presacral
    #: neurectomy: the atlas has no target for bowel motility)
    deficit: str | None = None


class Alternative(_Model):
    name: str
    why: str


class Procedure(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    synonyms: tuple[str, ...] = ()
    category: Literal[
        "special_sense",
        "spine",
        "pelvic",
        "entrapment",
        "interdigital",
        "sympathetic",
        "autonomic",
        "motor",
        "pain_sensory",
    ]
    indications: tuple[str, ...] = Field(min_length=1)
    functions_disabled: tuple[str, ...] = ()
    #: atlas target ids of the indication: the painful region, or the targets whose function is disabled
    treats: tuple[str, ...] = Field(min_length=1)
    goal: Literal["pain_relief", "disable_function"]
    evidence_key: str | None = None
    comparator_evidence_key: str | None = None
    cuts: tuple[ProcedureCut, ...] = Field(min_length=1)
    method: str
    end_treatment: tuple[EndTreatmentKey, ...] = ()
    approaches: tuple[str, ...] = ()
    anaesthesia: str
    anaesthesia_source: str
    imaging_guidance: str
    incision: str
    steps: tuple[str, ...] = Field(min_length=1)
    risks: tuple[Risk, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    source: str

    @property
    def alternative_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.alternatives)

    @property
    def lateral(self) -> bool:
        """Whether the operation is made on the patient's side (one side); False for one made on both sides or in
        the midline, for which a side means nothing."""
        return any(c.side == "patient" for c in self.cuts)

    def resolve_cuts(self, patient_side: Side = "left") -> tuple[Cut, ...]:
        """The procedure's cuts on the given side (``both`` gives a cut on each side)."""
        out: list[Cut] = []
        for c in self.cuts:
            sides: tuple[Side, ...] = (
                ("left", "right") if c.side == "both" else ("midline",) if c.side == "midline" else (patient_side,)
            )
            out.extend(Cut(c.nerve, at=c.at, mm=c.mm, side=s, fraction=c.fraction) for s in sides)
        return tuple(out)


class _ProceduresFile(_Model):
    procedures: tuple[Procedure, ...]


@lru_cache(maxsize=4)
def load_procedures(path: Path = DATA_FILE) -> dict[str, Procedure]:
    """Every procedure by id; problems name file, line, record and field."""
    from pydantic import ValidationError

    problems: list[Problem] = []
    data, node = read_yaml(path, problems)
    if problems:
        raise DataFileError(problems, path.name)
    try:
        parsed = _ProceduresFile.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(validation_problems(exc, path.name, data, node), path.name) from None
    out: dict[str, Procedure] = {}
    for p in parsed.procedures:
        if p.id in out:
            raise DataFileError([Problem(path.name, None, p.id, "id", "duplicate procedure id")], path.name)
        out[p.id] = p
    return out


def get_procedure(name: str, path: Path = DATA_FILE) -> Procedure:
    """A procedure by id, name or synonym; suggestions when unknown."""
    procedures = load_procedures(path)
    key = normalise(name)
    for p in procedures.values():
        if key in (normalise(p.id), normalise(p.name), *map(normalise, p.synonyms)):
            return p
    labels = [p.name for p in procedures.values()] + [s for p in procedures.values() for s in p.synonyms]
    raise UnknownNameError("procedure", name, suggest(name, labels))


def check_procedures(atlas: Atlas, path: Path = DATA_FILE) -> list[Problem]:
    """Cross-checks against the atlas, methods and evidence: every cut resolves, every evidence id exists."""
    from neurectomy.evidence import PROCEDURE_MAP, load_evidence
    from neurectomy.lesion import PositionError, resolve_cut
    from neurectomy.methods import get_method

    ids = {row.id for row in load_evidence()}
    problems: list[Problem] = []
    for p in load_procedures(path).values():

        def bad(field: str, message: str, pid: str = p.id) -> None:
            problems.append(Problem(path.name, None, pid, field, message))

        for i, cut in enumerate(p.resolve_cuts()):
            try:
                resolve_cut(atlas, cut)
            except (UnknownNameError, PositionError) as exc:
                bad(f"cuts.{i}", str(exc))
        for i, tid in enumerate(p.treats):
            if tid not in atlas.target_index:
                bad(f"treats.{i}", f"no atlas target {tid!r}")
        try:
            get_method(p.method)
        except UnknownNameError as exc:
            bad("method", str(exc))
        for key_field in ("evidence_key", "comparator_evidence_key"):
            key = getattr(p, key_field)
            if key is not None and key not in PROCEDURE_MAP:
                bad(key_field, f"unknown evidence key {key!r}")
        for i, risk in enumerate(p.risks):
            ev = risk.frequency.evidence
            if ev is not None and ev not in ids:
                bad(f"risks.{i}.frequency.evidence", f"no evidence row {ev}")
            if ev is None and not (risk.frequency.text and risk.frequency.source):
                bad(f"risks.{i}.frequency", "give an evidence id, or a text with its source")
    return problems


#: what a risk's figure is; never a frequency where the source reports an odds ratio or a mean change
RiskMeasure = Literal[
    "proportion", "range", "upper bound", "odds ratio", "mean change", "duration", "expected", "not reported", "model"
]
_RE_E = re.compile(r"\bE\d{3}\b")
_RE_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s,;()]+)")
_RE_PMID = re.compile(r"PMID:?\s*(\d+)|pubmed(?:\.ncbi\.nlm\.nih)?\.gov/(\d+)", re.IGNORECASE)
_RE_PMC = re.compile(r"\bPMC\d+\b")
#: hosts that keep a copy of a paper (aggregators, document mirrors, profile pages), not the publication itself
_RE_PROXY = re.compile(
    r"researcher\.life|yumpu|scribd|coek\.info|docksci|paperexplained|wilddata|uptodatefree|paperai|qxmd|scilit"
    r"|libmast|medifind|acnpsearch|medluna|profiles\.|scholars?\.|experts\.|\.pure\.|iris\.|tampabayhearing"
    r"|urotoday|e-hand\.com|medicalalgorithms|cupdf|docslib|scirp\.org/journal/paperinformation",
    re.IGNORECASE,
)
_RE_UPPER_END = re.compile(r"upper end of range.*\(range\s*(-?\d+(?:\.\d+)?)\s*[-–]\s*(-?\d+(?:\.\d+)?)\s*%\)")
_RE_UP_TO = re.compile(r"upper bound|'up to'|up to", re.IGNORECASE)
_TIME_UNITS = frozenset({"days", "weeks", "months", "years"})


def citation(row: Any) -> str:
    """The citation a user is shown for an evidence row: the source with its DOI, PMID or PMCID; the address only
    where the web page is itself the source (not a copy of a paper kept by an aggregator or mirror)."""
    url = row.url_or_doi
    ids: list[str] = []
    if m := _RE_DOI.search(url):
        ids.append(f"doi:{m[1].rstrip('.')}")
    if m := _RE_PMID.search(url):
        ids.append(f"PMID {m[1] or m[2]}")
    if m := _RE_PMC.search(url):
        ids.append(f"PMCID {m[0]}")
    if not ids and url and not _RE_PROXY.search(url):
        ids.append(url)
    from neurectomy.evidence import public_source

    return public_source(", ".join([row.source, *(i for i in ids if i not in row.source)]))


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.2g}%" if k else "0%"


def n_phrase(row: Any) -> str:
    """A row's n as it stands to its figure: a subgroup's or one arm's percentage is never shown with the whole
    study's n as if it were its own (review 15, finding 13: E353's 18% is of the middle fossa patients, not of the
    70 operated by all approaches; E109's 13.5% is of the 1700 questionnaire responders)."""
    n = row.n_text
    if not n:
        return "n not reported"
    measure = row.measure
    if re.search(r"\((?:all [^()]*)\)", n):  # the figure is of one approach or indication, the n of them all
        sub = re.search(r"\(([^()]*approach[^()]*)\)", measure, re.IGNORECASE)
        who = sub[1] if sub else row.indication
        return f"of the {who} patients only; their n not given ({n} in the whole study)"
    if re.search(r"\(both arms\)", n):
        return f"one arm; its n not given ({n} together)"
    if "responders" in measure.lower() and "responders" not in n.lower():
        return f"n = {n} questionnaire responders"
    return f"n = {n}"


def describe(row: Any) -> tuple[str, RiskMeasure]:
    """An evidence row's figure as published: with its n, "up to" and ranges kept, an odds ratio or a mean change
    named as such (never shown as a frequency), and the measure it is."""
    from neurectomy.evidence import Bound, Count, Point, Range

    v, unit, measure = row.value, row.unit, row.measure
    low = measure.lower()
    n = n_phrase(row)
    u = "%" if unit == "%" else f" {unit}"
    if unit == "OR" or "odds ratio" in low:
        detail = (
            measure[measure.lower().index("odds ratio") + len("odds ratio") :].strip() if "odds ratio" in low else ""
        )
        return f"OR {row.value_text}" + (f" {detail}" if detail else "") + f"; {n}", "odds ratio"
    if "mean" in low and ("reduction" in low or "change" in low):
        return f"mean change {row.value_text}{u} in {row.outcome} ({measure}; {n}); not a frequency", "mean change"
    if unit in _TIME_UNITS or "duration" in low:
        return f"{row.value_text}{u} ({measure}; {n})", "duration"
    if unit == "%" and (m := _RE_UPPER_END.search(measure)):
        return f"{m[1]}-{m[2]}% (range; {n})", "range"
    if isinstance(v, Count):
        return f"{v.k} of {v.n} ({_pct(v.k, v.n)}; {n})", "proportion"
    if isinstance(v, Range):
        return f"{row.value_text}{u} (range; {n})", "range"
    if _RE_UP_TO.search(measure):
        return f"up to {row.value_text}{u} ({n})", "upper bound"
    if isinstance(v, Point) and unit not in ("%",) and row.n and "count" in low and v.x.is_integer():
        k = int(v.x)
        return f"{k} of {row.n} {unit} ({_pct(k, row.n)}; {n})", "proportion"
    if isinstance(v, Point | Bound) and unit == "%":
        return f"{row.value_text}% ({n})", "proportion"
    return f"{row.value_text}{u} ({measure}; {n})", "proportion"


def sources_in(text: str) -> tuple[list[str], list[str]]:
    """Evidence ids and citations named in a curated source text (evidence rows and the atlas bibliography keys)."""
    from neurectomy.evidence import load_evidence

    rows = {r.id: r for r in load_evidence()}
    refs = _references()
    named = re.sub(r"\([^()]*\)", " ", text)  # "(E023 is vestibular neurectomy)" names a row it does not use
    ids = [i for i in dict.fromkeys(_RE_E.findall(named)) if i in rows]
    cites = [citation(rows[i]) for i in ids]
    cites += [
        refs[k] for k in dict.fromkeys(re.findall(r"[a-z][a-z0-9_]*\d[a-z0-9_]*|[a-z]+_[a-z]+", text)) if k in refs
    ]
    return ids, list(dict.fromkeys(cites))


@lru_cache(maxsize=1)
def _references() -> dict[str, str]:
    from neurectomy.atlas.load import DATA_DIR, REFERENCES_FILE

    problems: list[Problem] = []
    data, _ = read_yaml(DATA_DIR / REFERENCES_FILE, problems)
    return {str(k): str(v) for k, v in (data or {}).items()} if isinstance(data, dict) else {}


def risk_json(risk: Risk, sex: str | None = None) -> dict[str, Any]:
    """One risk as published (see :class:`neurectomy.serialise.RiskJSON`)."""
    from neurectomy.evidence import load_evidence

    rows = {r.id: r for r in load_evidence()}
    f = risk.frequency
    name = risk.name if risk.sex is None or sex == risk.sex else f"{risk.name} (in {risk.sex} patients only)"
    out: dict[str, Any] = {"name": name, "site_specific": risk.site_specific, "sex": risk.sex}
    row = rows.get(f.evidence) if f.evidence is not None else None
    if row is not None and f.text is None:
        frequency, measure = describe(row)
        out |= {
            "frequency": frequency,
            "measure": measure,
            "measure_as_published": row.measure,
            "n": n_phrase(row).removeprefix("n = ") if row.n_text else None,
            "evidence": [row.id],
            "flags": list(row.flags),
            "source": citation(row),
            "basis": None,
            "deficit": risk.deficit,
        }
        return out
    text = f.text or "frequency not reported"
    ids, cites = sources_in(f"{f.evidence or ''} {f.source or ''}")
    expected = text.lower().startswith("expected")
    measure_: RiskMeasure = "expected" if expected else "not reported"
    frequency = (
        text if expected or text.lower().startswith("frequency not reported") else (f"frequency not reported ({text})")
    )
    out |= {
        "frequency": frequency,
        "measure": measure_,
        "measure_as_published": None,
        "n": None,
        "evidence": ids,
        "flags": sorted({flag for i in ids for flag in rows[i].flags}),
        "source": "; ".join(cites) if cites else "no published source in the evidence set",
        "basis": f.source,
        "deficit": risk.deficit,
    }
    return out


def risk_dicts(procedure: Procedure, sex: str | None = None) -> list[dict[str, Any]]:
    """The procedure's risks as published, each with its measure, n, flags and citation; a risk only the other sex
    can have is left out when the patient's sex is known."""
    known = sex if sex in ("female", "male") else None
    return [risk_json(r, known) for r in procedure.risks if r.sex is None or known is None or r.sex == known]


# --------------------------------------------------------------------------- comparison with the alternatives
#: categories where a neurolytic block of the same nerve is a real alternative (not an organ of special sense, the
#: sympathetic chain or the pelvic plexus)
_NEUROLYTIC_CATEGORIES = frozenset({"entrapment", "interdigital", "pain_sensory", "spine", "motor"})
NO_COMPARABLE = "no comparable evidence"
#: a neurolytic block's own nerve risks, each with the population it was measured in; a row about the neurolysis
#: of a sensory nerve first (review 15, finding 7). E194's 34.4% is of the phenol arm: the trial randomised 64 into
#: two groups and its percentages (34.4% = 11/32, 53.1% = 17/32, 50% = 16/32, 6.3% = 2/32) are of 32 each.
NEUROLYTIC_RISKS: tuple[tuple[str, str], ...] = (
    (
        "E194",
        "transient paraesthesia in 11 of 32 (34.4%, phenol arm of a 64-patient trial) after phenol neurolysis of the "
        "genicular nerves, sensory nerves of the knee (E194)",
    ),
    (
        "E097",
        "post-procedure dysaesthesia 0.7% of 185 persons (293 procedures) after phenol neurolysis for spasticity, on "
        "motor and mixed nerves (E097)",
    ),
)


def neurolytic_risk_text() -> str:
    """What a neurolytic block costs the nerve, each figure with its population (one text for the candidacy
    reason and the comparison table)."""
    return "; ".join(text for _, text in NEUROLYTIC_RISKS)


def _regrowth_risks(procedure: Procedure) -> str:
    """The procedure's own risk rows that say the pain returns as the nerve regrows (e.g. E198 for medial-branch
    radiofrequency)."""
    from neurectomy.evidence import load_evidence

    rows = {r.id: r for r in load_evidence()}
    out = []
    for risk in procedure.risks:
        if re.search(r"regrow|repair|return of pain|recurr", risk.name, re.I):
            e = risk.frequency.evidence
            if e and e in rows:
                text, _ = describe(rows[e])
                out.append(f"{risk.name}: {text} ({e})")
            elif risk.frequency.text:
                out.append(f"{risk.name}: {risk.frequency.text}")
    return "; ".join(out)


def comparison(
    procedure: Procedure | None,
    deficit: Deficit,
    method_family: str = "surgical",
    nerve_deficit: Deficit | None = None,
) -> dict[str, Any]:
    """The planned operation against the other options for the same condition, like for like: a column is an
    outcome with its measure and unit that the plan and at least one other option report (a row pooled over several
    options is left out); a cell without such a row says "no comparable evidence". Each option is named by its own
    name (a decompression is not a "neurectomy", a radiofrequency neurotomy is not a cut), the neurectomy of the same
    nerve always has its row when one exists in the evidence, and each option states what it costs the patient:
    numbness, weakness, recurrence (see :class:`neurectomy.serialise.ComparisonJSON`). ``method_family`` is the
    plan's method family (:class:`neurectomy.methods.Method`); ``nerve_deficit`` what cutting the same nerves takes
    (the neurectomy's and a neurolytic block's losses when the plan itself cuts nothing)."""
    from neurectomy.evidence import PROCEDURE_MAP, for_procedure
    from neurectomy.names import normalise

    key = procedure.evidence_key if procedure is not None else None
    prefix = key.split("_")[0] if key else None
    cut = nerve_deficit if nerve_deficit is not None else deficit
    numb = sum(1 for x in deficit.sensory if x.effect == "anaesthetic")
    weak = len({x.target.id for x in deficit.motor})
    nerve_numb = sum(1 for x in cut.sensory if x.effect == "anaesthetic")
    nerve_weak = len({x.target.id for x in cut.motor})
    name = procedure.name if procedure is not None else "surgical cut of the nerve"
    options: list[tuple[str, str | None, dict[str, str]]] = []
    if method_family == "surgical":
        options.append(
            (
                f"neurectomy ({name})",
                key,
                {
                    "numbness": f"{numb} skin region(s) numb for good" if numb else "no skin numbness (atlas lesion)",
                    "weakness": f"{weak} muscle(s) weakened or paralysed for good"
                    if weak
                    else "no muscle weakened (atlas lesion)",
                    "recurrence": "",
                },
            )
        )
    elif method_family == "decompression":
        options.append(
            (
                f"{name}: nothing is cut",
                key,
                {"numbness": "none (nothing is cut)", "weakness": "none (nothing is cut)", "recurrence": ""},
            )
        )
    else:  # a neurolytic (radiofrequency, phenol, alcohol, cryo): the nerve regrows, so nothing is for good
        regrow = _regrowth_risks(procedure) if procedure is not None else ""
        options.append(
            (
                name,
                key,
                {
                    "numbness": f"{numb} skin region(s) numb until the nerve regrows"
                    if numb
                    else "no skin numbness (atlas lesion)",
                    "weakness": f"{weak} muscle(s) weakened until the nerve regrows"
                    if weak
                    else "no muscle weakened (atlas lesion)",
                    "recurrence": "expected as the nerve regrows (not permanent)" + (f": {regrow}" if regrow else ""),
                },
            )
        )
    # the neurectomy of the same nerve, when the plan is not itself a cut (a decompression, an injection)
    neurectomy_key = f"{prefix}_neurectomy" if prefix else None
    if method_family != "surgical" and neurectomy_key in PROCEDURE_MAP and neurectomy_key != key:
        named = next((p.name for p in load_procedures().values() if p.evidence_key == neurectomy_key), None)
        options.append(
            (
                f"neurectomy ({named or str(neurectomy_key).replace('_', ' ')})",
                neurectomy_key,
                {
                    "numbness": f"{nerve_numb} skin region(s) numb for good"
                    if nerve_numb
                    else "no skin numbness (atlas lesion)",
                    "weakness": f"{nerve_weak} muscle(s) weakened or paralysed for good"
                    if nerve_weak
                    else "no muscle weakened (atlas lesion)",
                    "recurrence": "",
                },
            )
        )
    category = procedure.category if procedure is not None else "pain_sensory"
    method = procedure.method if procedure is not None else None
    if category in _NEUROLYTIC_CATEGORIES and method not in ("phenol", "alcohol", "cryoneurolysis"):
        costs = {
            "numbness": "the same territory, until the nerve regrows" if nerve_numb else "none expected",
            "weakness": "the same muscles, until the nerve regrows" if nerve_weak else "none expected",
            "recurrence": f"expected as the nerve regrows; its own nerve risks: {neurolytic_risk_text()}",
        }
        if method == "radiofrequency" and key == "genicular_neurotomy":
            # the same trial randomised genicular phenol against radiofrequency (E192-E195)
            options.append(("genicular nerve phenol neurolysis (same trial as E193/E195)", "phenol_neurolysis", costs))
        elif method == "radiofrequency":
            options.append(("chemical or cryo neurolysis (phenol, alcohol or cryoneurolysis)", None, costs))
        else:
            options.append(("neurolytic block (phenol, alcohol, cryoneurolysis or radiofrequency)", None, costs))
    decompression = f"{prefix}_decompression" if prefix else None
    own_decompression = decompression in PROCEDURE_MAP and decompression != key
    if method_family != "decompression" and (own_decompression or (category == "entrapment" and key != decompression)):
        options.append(
            (
                "decompression (neurolysis): nothing is cut",
                decompression if own_decompression else None,
                {"numbness": "none (nothing is cut)", "weakness": "none (nothing is cut)", "recurrence": ""},
            )
        )
    injection = f"{prefix}_injection" if prefix else None
    if injection in PROCEDURE_MAP and injection != key:
        options.append(
            (
                "injection of the nerve",
                injection,
                {"numbness": "not reported", "weakness": "none expected", "recurrence": ""},
            )
        )
    options.append(
        (
            "no intervention",
            None,
            {
                "numbness": "none",
                "weakness": "none",
                "recurrence": "the symptoms continue (natural history not in the evidence set)",
            },
        )
    )

    rows = {opt: for_procedure(k) if k else () for opt, k, _ in options}
    counts: dict[str, int] = {}
    for found in rows.values():
        for r in found:
            counts[r.id] = counts.get(r.id, 0) + 1
    rows = {opt: tuple(r for r in found if counts[r.id] == 1) for opt, found in rows.items()}

    def group(r: Any) -> tuple[str, str, str]:
        return normalise(r.outcome), normalise(r.measure), normalise(r.unit)

    first = options[0][0]
    others = {group(r) for opt, found in rows.items() if opt != first for r in found}
    columns: dict[tuple[str, str, str], Any] = {}
    for r in rows[first]:
        if group(r) in others and group(r) not in columns:
            columns[group(r)] = r
    outcomes = [r.outcome for r in columns.values()]
    table = []
    for opt, _, costs in options:
        cells: dict[str, dict[str, Any]] = {}
        for g, head in columns.items():
            same = [r for r in rows[opt] if group(r) == g]
            if same:
                r = same[0]
                frequency, _ = describe(r)
                cells[head.outcome] = {
                    "value": f"{r.value_text}{'%' if r.unit == '%' else ' ' + r.unit}",
                    "measure": r.measure,
                    "n": r.n_text or None,
                    "evidence": [x.id for x in same],
                    "text": frequency,
                }
            else:
                cells[head.outcome] = {
                    "value": None,
                    "measure": None,
                    "n": None,
                    "evidence": [],
                    "text": NO_COMPARABLE,
                }
        recurrence = costs["recurrence"]
        if not recurrence:
            again = [c for o, c in cells.items() if c["value"] is not None and re.search(r"revision|recur", o, re.I)]
            recurrence = f"revision {again[0]['value']} ({', '.join(again[0]['evidence'])})" if again else NO_COMPARABLE
        table.append({"option": opt, "outcomes": cells, "costs": {**costs, "recurrence": recurrence}})
    note = (
        "Only rows with the same outcome and the same measure are set side by side; other outcomes are not compared."
        if outcomes
        else f"{NO_COMPARABLE}: no outcome is reported with the same measure for this operation and an alternative."
    )
    return {"outcomes": outcomes, "rows": table, "note": note}
