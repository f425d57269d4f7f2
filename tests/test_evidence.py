"""The evidence subpackage: packaged data, typed values, flags, look-up and fair comparison."""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest

from neurectomy.evidence import (
    COLUMNS,
    PROCEDURE_MAP,
    Bound,
    Count,
    EvidenceError,
    EvidenceRow,
    Pair,
    Point,
    Range,
    UnknownProcedureError,
    compare,
    find,
    for_procedure,
    load_evidence,
    parse_value,
    procedure_keys,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED_CSV = Path(os.environ.get("NEURECTOMY_SHARED", ROOT.parent / "shared")) / "reference" / "evidence.csv"
PACKAGED_CSV = ROOT / "src" / "neurectomy" / "evidence" / "data" / "evidence.csv"

HEADER = ",".join(COLUMNS)


def by_id() -> dict[str, EvidenceRow]:
    return {row.id: row for row in load_evidence()}


def write_csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: ids of rows the package adds after the shared reference rows (each range reserved for one piece of work)
ADDED = re.compile(r"E3[0-9]\d|E4[34]\d")

GOOD = "E900,some neurectomy,some pain,,relief,proportion,50,%,10,,case series,Someone 2020,doi:10/x"


# --------------------------------------------------------------------------- data
def test_all_rows_load_and_parse() -> None:
    rows = load_evidence()
    # the 198 rows of the shared reference, then rows the package adds with their own verified sources
    # (E300-E349: cranial-nerve procedures, issue 13, checked in tests/test_cranial_nerves.py; E350-E399: site-specific
    # risks, issue 15, checked in tests/test_candidacy_rules.py; E430-E449: lumbar sympathectomy for plantar
    # hyperhidrosis, issue 13, checked in tests/test_lumbar_sympathetic.py)
    assert len([r for r in rows if not ADDED.fullmatch(r.id)]) == 198
    assert all(isinstance(r.value, Point | Range | Count | Bound | Pair) for r in rows)
    assert load_evidence() is rows  # cached


def test_ids_unique_and_sources_present() -> None:
    rows = load_evidence()
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.source.strip() for r in rows)
    # a citation starts with the row's source as users are shown it (internal notes and mirror addresses removed)
    from neurectomy.evidence import public_source

    assert all(r.citation().startswith(public_source(r.source)) for r in rows)
    assert not any("proxy" in r.citation() or "index record" in r.citation() for r in rows)


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared reference not available")
def test_packaged_csv_is_shared_csv_without_quote() -> None:
    with SHARED_CSV.open(newline="", encoding="utf-8") as f:
        shared = list(csv.reader(f))
    with PACKAGED_CSV.open(newline="", encoding="utf-8") as f:
        packaged = list(csv.reader(f))
    quote = shared[0].index("quote")
    expected = [[cell for i, cell in enumerate(row) if i != quote] for row in shared]
    # the package may append rows of its own (ids in the ranges of ADDED) after the shared ones, never change them
    assert packaged[: len(expected)] == expected
    assert all(ADDED.fullmatch(row[0]) for row in packaged[len(expected) :])
    assert packaged[0] == list(COLUMNS)
    assert "quote" not in PACKAGED_CSV.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared reference not available")
def test_shared_csv_loads_the_same_rows() -> None:
    # The shared file's extra `quote` column is accepted and ignored.
    assert load_evidence(SHARED_CSV) == tuple(r for r in load_evidence() if not ADDED.fullmatch(r.id))


def _module_tree() -> ast.Module:
    return ast.parse((ROOT / "src" / "neurectomy" / "evidence" / "__init__.py").read_text(encoding="utf-8"))


def test_package_does_not_read_shared() -> None:
    tree = _module_tree()
    docstring = ast.get_docstring(tree, clean=False)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if "shared" in s and s != docstring]


def test_import_is_light() -> None:
    # Only the standard library at module import time: no pydantic, no numpy.
    imported = set()
    for node in _module_tree().body:
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize(
    ("row_id", "expected"),
    [
        ("E001", Point(85.0)),
        ("E064", Point(-0.2)),
        ("E137", Point(-2.39)),
        ("E025", Range(90.0, 95.0)),
        ("E136", Range(96.7, 97.8)),
        ("E155", Range(1.0, 2.0)),
        ("E143", Count(26, 27)),
        ("E015", Count(3, 4)),
        ("E045", Bound(">", 95.0)),
        ("E072", Pair(58.0, 53.0)),
    ],
)
def test_value_formats(row_id: str, expected: object) -> None:
    assert by_id()[row_id].value == expected


def test_value_text_round_trips() -> None:
    for row in load_evidence():
        assert parse_value(row.value_text, row.unit) == row.value
        assert parse_value(str(row.value), row.unit) == row.value


def test_every_count_row_is_a_count() -> None:
    for row in load_evidence():
        assert (row.unit == "count") == isinstance(row.value, Count), row.id


def test_parse_value_variants_and_rejections() -> None:
    assert parse_value("≥50", "%") == Bound("≥", 50.0)
    assert parse_value(">=50", "%") == Bound("≥", 50.0)
    assert parse_value("<5", "%") == Bound("<", 5.0)
    assert parse_value("≤ 3", "%") == Bound("≤", 3.0)
    for bad, unit in [("about 5", "%"), ("5-", "%"), ("", "%"), ("95-90", "%"), ("3", "count"), ("5/4", "count")]:
        with pytest.raises(ValueError):
            parse_value(bad, unit)


def test_fractions() -> None:
    rows = by_id()
    assert rows["E001"].as_fraction() == Point(0.85)
    assert rows["E025"].as_fraction() == Range(0.90, 0.95)
    assert rows["E045"].as_fraction() == Bound(">", 0.95)
    assert rows["E143"].as_fraction() == Point(26 / 27)
    assert Count(26, 27).as_fraction() == pytest.approx(0.963, abs=1e-3)
    assert rows["E073"].as_fraction() is None  # months


def test_sample_size() -> None:
    rows = by_id()
    assert (rows["E001"].n, rows["E001"].n_text) == (96, "96")
    assert (rows["E032"].n, rows["E032"].n_text) == (141, "141 (both arms)")
    assert rows["E025"].n is None


def test_to_dict_is_json_ready() -> None:
    d = by_id()["E025"].to_dict()
    assert d["value"] == "90-95" and d["value_kind"] == "range" and d["value_parts"] == {"lo": 90.0, "hi": 95.0}
    assert d["peer_reviewed"] is False and d["flags"]
    for row in load_evidence():
        json.dumps(row.to_dict())
    assert set(COLUMNS) <= set(d)


# --------------------------------------------------------------------------- malformed data
def test_malformed_value_names_file_line_field(tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER, GOOD, GOOD.replace("E900", "E901").replace(",50,%,", ",about half,%,"))
    with pytest.raises(EvidenceError) as info:
        load_evidence(path)
    msg = str(info.value)
    assert str(path) in msg and ":3:" in msg and "'value'" in msg and "about half" in msg
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 3, "value")


@pytest.mark.parametrize(
    ("lines", "line", "field"),
    [
        ([HEADER, GOOD, GOOD], 3, "id"),  # duplicate id
        ([HEADER, GOOD.replace(",Someone 2020,", ",,")], 2, "source"),  # empty source
        ([HEADER, GOOD.replace(",10,", ",ten,")], 2, "n"),
        ([HEADER, GOOD.replace(",50,%,", ",50,count,")], 2, "value"),
        ([HEADER, GOOD + ",extra"], 2, "url_or_doi"),
        ([HEADER, GOOD.rsplit(",", 1)[0]], 2, "url_or_doi"),
        ([HEADER.replace(",unit", ""), GOOD], 1, "unit"),
        ([HEADER + ",notes", GOOD + ",x"], 1, "notes"),
    ],
)
def test_malformed_rows(tmp_path: Path, lines: list[str], line: int, field: str) -> None:
    path = write_csv(tmp_path, *lines)
    with pytest.raises(EvidenceError) as info:
        load_evidence(path)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)
    assert f"{path}:{line}: field '{field}'" in str(info.value)


# --------------------------------------------------------------------------- flags
def test_secondary_citation_flag() -> None:
    rows = by_id()
    e156 = rows["E156"]  # "case series (Lloyd et al. 1976, secondary citation)"
    assert e156.secondary and e156.peer_reviewed
    assert any("secondary citation" in f for f in e156.flags)
    assert rows["E037"].secondary  # "RCT (secondary citation in textbook chapter)"
    assert rows["E173"].secondary  # "...; secondary table"
    assert rows["E169"].secondary  # background statement in a meta-analysis introduction
    assert not rows["E001"].secondary and rows["E001"].flags == ()


def test_not_peer_reviewed_flag() -> None:
    rows = by_id()
    e025 = rows["E025"]  # "clinic patient-information page (not peer reviewed)"
    assert not e025.peer_reviewed and not e025.secondary
    assert any("not peer reviewed" in f for f in e025.flags)
    assert all(not r.peer_reviewed for r in load_evidence() if "not peer reviewed" in r.design)
    assert rows["E001"].peer_reviewed


def test_readme_caveats_are_flagged() -> None:
    rows = by_id()
    assert any("all patients" in f for f in rows["E054"].flags)
    assert any("upper end" in f for f in rows["E007"].flags)
    for row_id in ("E080", "E081", "E082", "E083"):
        assert rows[row_id].classification and any("classification" in f for f in rows[row_id].flags)
    assert any("conference abstract" in f for f in rows["E010"].flags)


# --------------------------------------------------------------------------- look-up
def test_find_is_case_insensitive_word_prefix() -> None:
    assert [r.id for r in find(procedure="LFCN NEUROLYSIS", outcome="complete relief")] == ["E002"]
    assert {r.id for r in find(indication="mortons")} >= {"E055", "E059", "E061"}
    assert {r.id for r in find(indication="Ménière")} == {r.id for r in find(indication="meniere")} != set()
    assert find(procedure="neuro") and not find(procedure="euro")  # prefixes, not substrings
    assert {r.id for r in find(text="Lloyd 1976")} == {"E156", "E157"}
    assert find(comparator="neurolysis", outcome="revision")[0].id == "E005"
    assert len(find()) == len(load_evidence())  # no criteria: every row


@pytest.mark.parametrize("key", sorted(PROCEDURE_MAP))
def test_every_procedure_key_has_rows(key: str) -> None:
    rows = for_procedure(key)
    assert rows
    procedures = {r.procedure for r in load_evidence()}
    for rule in PROCEDURE_MAP[key]:
        assert rule.procedure in procedures, f"{key}: {rule.procedure!r} is not a procedure in the data"


def test_requested_keys_present() -> None:
    wanted = {
        "vestibular_neurectomy",
        "presacral_neurectomy",
        "lfcn_neurectomy",
        "lfcn_decompression",
        "thoracic_sympathectomy",
        "mortons_neurectomy",
        "medial_branch_neurotomy",
        "genicular_neurotomy",
        "occipital_neurectomy",
        "ilioinguinal_neurectomy",
        "selective_motor_neurectomy",
        "tmr",
        "rpni",
        "traction_neurectomy",
        "burying",
        "phenol_neurolysis",
        "cryoneurolysis",
    }
    assert wanted <= set(procedure_keys())
    assert {r.id for r in for_procedure("medial_branch_neurotomy")} >= {"E072", "E136"}  # RF and endoscopic


def test_unknown_key_suggests() -> None:
    with pytest.raises(UnknownProcedureError, match="lfcn_neurectomy"):
        for_procedure("lfcn_neurectom")


# --------------------------------------------------------------------------- comparison
def test_meralgia_neurectomy_beats_neurolysis_for_complete_relief() -> None:
    [c] = compare("lfcn_neurectomy", "lfcn_decompression", "complete pain relief")
    assert [r.id for r in c.a] == ["E001"] and [r.id for r in c.b] == ["E002"]
    a, b = c.a[0].value, c.b[0].value
    assert isinstance(a, Point) and isinstance(b, Point) and a.x > b.x
    assert c.head_to_head
    json.dumps(c.to_dict())


def test_compare_never_pools_different_outcomes_or_measures() -> None:
    for c in compare("lfcn_neurectomy", "lfcn_decompression"):
        rows = c.a + c.b
        assert len({(r.outcome.casefold(), r.measure.casefold(), r.unit) for r in rows}) == 1
        assert not {r.id for r in c.a} & {r.id for r in c.b}
    # E013 "pain relief"/proportion pairs with E012, never with E015 (count) or E001 (complete relief).
    pairs = {
        (tuple(r.id for r in c.a), tuple(r.id for r in c.b)) for c in compare("lfcn_neurectomy", "lfcn_decompression")
    }
    assert (("E013",), ("E012",)) in pairs
    assert all("E015" not in a and "E007" not in a + b and "E009" not in a + b for a, b in pairs)


def test_compare_accepts_word_queries() -> None:
    [c] = compare("presacral_neurectomy", "conservative surgery alone", "cure rate")
    assert ([r.id for r in c.a], [r.id for r in c.b]) == (["E032"], ["E033"])
