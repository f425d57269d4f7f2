"""The loader names file, line, record and field for every kind of broken data (issue 3, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from neurectomy.atlas.load import AtlasError, compile_atlas, load_atlas

from .conftest import FIXTURES


def broken(tmp_path: Path, old: str, new: str) -> list:
    shutil.copytree(FIXTURES / "mini", tmp_path / "data")
    path = tmp_path / "data" / "limb.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(AtlasError) as info:
        compile_atlas(tmp_path / "data")
    return info.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def the(problems, **expect):
    for p in problems:
        if all(getattr(p, k) == v for k, v in expect.items()):
            return p
    raise AssertionError(f"no problem with {expect} in {[str(p) for p in problems]}")


def test_fixture_is_valid():
    atlas = compile_atlas(FIXTURES / "mini")
    assert len(atlas.nerves) == 6 and len(atlas.targets) == 5


def test_malformed_yaml_gives_file_and_line(tmp_path):
    problems = broken(tmp_path, "  - id: trunk\n", "  - id: trunk\n   bad: [unclosed\n")
    p = problems[0]
    assert p.file == "limb.yaml" and p.line is not None and "YAML" in p.message


def test_missing_field_names_record_field_and_line(tmp_path):
    problems = broken(tmp_path, "    length_mm: 100\n", "")
    p = the(problems, record="trunk", field="length_mm")
    text = (FIXTURES / "mini" / "limb.yaml").read_text()
    assert p.line == line_of(text, "- id: trunk")


def test_wrong_type_names_the_line_of_the_value(tmp_path):
    problems = broken(tmp_path, "length_mm: 100", "length_mm: long")
    p = the(problems, record="trunk", field="length_mm")
    text = (FIXTURES / "mini" / "limb.yaml").read_text()
    assert p.line == line_of(text, "length_mm: 100")


def test_unknown_parent_is_named_with_suggestion(tmp_path):
    problems = broken(tmp_path, "parent: trunk, origin_mm: 20", "parent: trunc, origin_mm: 20")
    p = the(problems, record="motor_branch", field="parent")
    assert "trunc" in p.message and "trunk" in p.message


def test_cycle_is_found(tmp_path):
    problems = broken(tmp_path, "{id: root_a, name: root a,", "{id: root_a, parent: motor_branch, name: root a,")
    assert any("cycle" in p.message for p in problems)


def test_duplicate_id(tmp_path):
    problems = broken(tmp_path, "{id: root_b, name: root b,", "{id: root_a, name: root b,")
    p = the(problems, record="root_a", field="id")
    assert "duplicate" in p.message


def test_target_supplied_by_no_nerve(tmp_path):
    problems = broken(
        tmp_path,
        "supply: [{nerve: motor_branch}], source: book}\n  - id: muscle_dual",
        "supply: [], source: book}\n  - id: muscle_dual",
    )
    the(problems, record="muscle_x", field="supply")


def test_supply_by_unknown_nerve(tmp_path):
    problems = broken(tmp_path, "supply: [{nerve: skin_branch}]", "supply: [{nerve: skin_brunch}]")
    p = the(problems, record="skin_only", field="supply.0.nerve")
    assert "skin_branch" in p.message


def test_fibre_types_must_match_targets(tmp_path):
    problems = broken(tmp_path, "length_mm: 40, fibres: [somatic_sensory]", "length_mm: 40, fibres: [somatic_motor]")
    p = the(problems, record="skin_branch", field="fibres")
    assert "somatic_sensory" in p.message or "somatic_motor" in p.message


def test_declared_motor_without_muscle_is_an_error(tmp_path):
    problems = broken(
        tmp_path, "length_mm: 40, fibres: [somatic_sensory]", "length_mm: 40, fibres: [somatic_sensory, somatic_motor]"
    )
    p = the(problems, record="skin_branch", field="fibres")
    assert "no target below it" in p.message


def test_landmark_outside_the_nerve(tmp_path):
    problems = broken(tmp_path, "{name: wrist, mm: 90}", "{name: wrist, mm: 190}")
    p = the(problems, record="trunk", field="landmarks.1.mm")
    assert "wrist" in p.message


def test_branch_beyond_parent_length(tmp_path):
    problems = broken(tmp_path, "parent: trunk, origin_mm: 50", "parent: trunk, origin_mm: 500")
    the(problems, record="skin_branch", field="origin_mm")


def test_shares_must_add_up_and_need_sources(tmp_path):
    problems = broken(tmp_path, "{nerve: trunk, share: 0.75, source: book}", "{nerve: trunk, share: 0.6}")
    the(problems, record="muscle_dual", field="supply")
    the(problems, record="muscle_dual", field="supply.0.source")


def test_unknown_reference_key_and_empty_estimate(tmp_path):
    problems = broken(
        tmp_path,
        "length_mm: 60, fibres: [somatic_motor, somatic_sensory], source: book",
        "length_mm: 60, fibres: [somatic_motor, somatic_sensory], source: nobook",
    )
    assert "nobook" in the(problems, record="other_nerve", field="source").message
    problems = broken(tmp_path / "b", 'source: "estimate: fixture share for the tests"', 'source: "estimate:"')
    the(problems, record="muscle_dual", field="supply.1.source")


def test_cache_is_used_and_a_corrupt_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURECTOMY_CACHE_DIR", str(tmp_path / "cache"))
    first = load_atlas(FIXTURES / "mini")
    files = list((tmp_path / "cache").glob("atlas-*.pickle"))
    assert len(files) == 1
    again = load_atlas(FIXTURES / "mini")
    assert again.digest == first.digest and again.nerves == first.nerves
    files[0].write_bytes(b"not a pickle")
    rebuilt = load_atlas(FIXTURES / "mini")
    assert rebuilt.targets == first.targets


def test_packaged_atlas_is_valid_and_sourced(atlas):
    refs = dict(atlas.references)
    for n in atlas.nerves:
        assert n.source and n.lengths_source
    for t in atlas.targets:
        assert t.source
        if len(t.supply) > 1:
            assert all(s.source for s in t.supply), t.id
    assert "gray42" in refs
