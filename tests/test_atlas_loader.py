"""The loader names file, line, record and field for every kind of broken data (issue 3, item 3)."""

from __future__ import annotations

import os
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


# ----------------------------------------------------------------------------------------------- the compiled cache
def _cache_files(where: Path) -> list[Path]:
    return sorted(where.glob("atlas-*.pickle"))


def test_a_change_to_the_compiling_code_changes_the_cache_key(tmp_path, monkeypatch):
    """Bug: the cache key hashed the data files only, so after an edit to the code that compiles them (schema,
    loader, graph, names) a process loaded the stale pickle the old code had written."""
    from neurectomy.atlas import load

    assert {p.name for p in load.CODE_FILES} == {"schema.py", "load.py", "graph.py", "names.py"}
    copies = []
    for path in load.CODE_FILES:
        copy = tmp_path / "code" / path.name
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(load, "CODE_FILES", tuple(copies))
    monkeypatch.setenv("NEURECTOMY_CACHE_DIR", str(tmp_path / "cache"))
    before = load.digest_of(FIXTURES / "mini")
    first = load_atlas(FIXTURES / "mini")
    assert first.digest == before and len(_cache_files(tmp_path / "cache")) == 1

    for copy in copies:  # one byte of any of the four files gives another key
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n# edited\n")
        assert load.digest_of(FIXTURES / "mini") != before, copy.name
        copy.write_bytes(original)
    assert load.digest_of(FIXTURES / "mini") == before

    (tmp_path / "code" / "graph.py").write_bytes(copies[2].read_bytes() + b"\n# edited\n")
    after = load_atlas(FIXTURES / "mini")
    assert after.digest != before
    assert len(_cache_files(tmp_path / "cache")) == 2  # compiled afresh under the new key, not the stale pickle


class _OldAtlas:
    """Pickles as an :class:`Atlas` whose state lacks a field, as an older version of the code would have."""

    def __init__(self, state: dict) -> None:
        self.state = state

    def __reduce__(self):
        import copyreg

        from neurectomy.atlas.graph import Atlas

        return (copyreg._reconstructor, (Atlas, object, None), self.state)


def _corrupt(kind: str, good: bytes, atlas) -> bytes:
    import pickle

    if kind == "garbage":
        return b"not a pickle"
    if kind == "empty":
        return b""
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "another object":
        return pickle.dumps({"nerves": ()})
    if kind == "another digest":
        from dataclasses import replace

        return pickle.dumps(replace(atlas, digest="0" * 32))
    state = atlas.__getstate__()  # "older code": the same digest, a field missing
    del state["children"]
    return pickle.dumps(_OldAtlas(state))


@pytest.mark.parametrize(
    "kind", ["garbage", "empty", "truncated", "another object", "another digest", "older code", "a directory"]
)
def test_a_corrupt_truncated_or_incompatible_cache_is_rebuilt_and_overwritten(tmp_path, monkeypatch, kind):
    """Bug: a cache file whose pickle loaded but came from incompatible code (an Atlas missing a field) was
    trusted and broke later calls; a cache path that could not be replaced left temporary files behind. Every
    bad cache must be rebuilt, overwritten with a good pickle where possible, and never crash the load."""
    import pickle

    monkeypatch.setenv("NEURECTOMY_CACHE_DIR", str(tmp_path / "cache"))
    first = load_atlas(FIXTURES / "mini")
    (path,) = _cache_files(tmp_path / "cache")
    good = path.read_bytes()
    if kind == "a directory":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(_corrupt(kind, good, first))

    rebuilt = load_atlas(FIXTURES / "mini")
    fresh = compile_atlas(FIXTURES / "mini")
    for name in fresh.__getstate__():
        assert getattr(rebuilt, name) == getattr(fresh, name), name
    if kind != "a directory":
        again = pickle.loads(path.read_bytes())  # overwritten with a good pickle
        assert again.digest == first.digest and again.warnings == fresh.warnings
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [path.name]  # no temporary file left behind


def test_the_cache_write_is_atomic(tmp_path, monkeypatch):
    """Bug: a cache written in place could be read half-written by another process or thread, or left truncated
    when the write failed (disk full, killed). The write goes to a temporary file renamed over the cache, so a
    failed write leaves the previous file whole and no temporary file behind."""
    import pickle

    from neurectomy.atlas import load

    atlas = compile_atlas(FIXTURES / "mini")
    path = tmp_path / "cache" / "atlas-x.pickle"
    path.parent.mkdir()
    path.write_bytes(b"the previous cache")

    def dump_half_then_fail(obj, fh, protocol=None):
        data = pickle.dumps(obj, protocol=protocol)
        fh.write(data[: len(data) // 2])
        fh.flush()
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(load.pickle, "dump", dump_half_then_fail)
        load._write_atomically(path, atlas)
    assert path.read_bytes() == b"the previous cache"
    assert [p.name for p in path.parent.iterdir()] == [path.name]

    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((Path(src), Path(dst), Path(src).read_bytes()))
        assert Path(dst).read_bytes() == b"the previous cache"  # untouched until the rename
        real_replace(src, dst)

    monkeypatch.setattr(load.os, "replace", spy)
    load._write_atomically(path, atlas)
    ((src, dst, data),) = replaced
    assert dst == path and src.parent == path.parent and src != path
    assert path.read_bytes() == data and pickle.loads(data).nerves == atlas.nerves
    assert [p.name for p in path.parent.iterdir()] == [path.name]


# ----------------------------------------------------------------------------------------------- duplicate keys
def test_a_duplicate_key_in_an_atlas_file_is_an_error(tmp_path):
    """Bug: a supply written with ``share: 0.5`` and then ``share: 0.75`` was accepted with the last value, so a
    curator's slip changed the anatomy silently. Now: file, line, record and field of the repeat; a merge key
    (``<<``) overridden on purpose is not a repeat."""
    problems = broken(
        tmp_path,
        "      - {nerve: trunk, share: 0.75, source: book}\n",
        "      - {nerve: trunk, share: 0.5, share: 0.75, source: book}\n",
    )
    text = (tmp_path / "data" / "limb.yaml").read_text()
    p = the(problems, record="muscle_dual", field="supply.0.share")
    assert p.file == "limb.yaml" and p.line == line_of(text, "share: 0.5, share: 0.75")
    assert "duplicate key 'share'" in p.message
    assert len(problems) == 1

    problems = broken(
        tmp_path / "b",
        "    landmarks: [{name: elbow, mm: 30}, {name: wrist, mm: 90}]\n",
        "    landmarks: [{name: elbow, mm: 30}, {name: wrist, mm: 90}]\n    length_mm: 100\n"
        "    xrefs: {<<: {FMA: '1'}, FMA: '2'}\n",
    )
    text = (tmp_path / "b" / "data" / "limb.yaml").read_text()
    p = the(problems, record="trunk", field="length_mm")
    assert p.line == line_of(text, "{name: wrist, mm: 90}]") + 1
    assert len(problems) == 1  # the merge override is not reported


def test_a_duplicate_key_in_the_procedures_table_is_an_error(tmp_path):
    """Bug: a procedure with its ``goal`` given twice loaded with the last one (procedures_data.yaml goes
    through the same reader, so it gets the same check)."""
    from neurectomy.datafile import DataFileError
    from neurectomy.procedures import DATA_FILE, load_procedures

    text = DATA_FILE.read_text(encoding="utf-8")
    old = "    goal: disable_function\n"
    assert old in text
    path = tmp_path / "procedures_data.yaml"
    path.write_text(text.replace(old, old + "    goal: pain_relief\n", 1), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_procedures(path)
    (p,) = info.value.problems
    assert p.file == path.name and p.record == "vestibular_neurectomy" and p.field == "goal"
    assert p.line == text[: text.index(old)].count("\n") + 2 and "duplicate" in p.message


def test_a_duplicate_key_in_the_targeting_table_is_an_error(tmp_path):
    """Bug: a function in targeting_data.yaml with ``targets`` given twice silently kept the second list, so
    "palmar sweating" would have targeted the sole."""
    from neurectomy.datafile import DataFileError
    from neurectomy.targeting import DATA_FILE, load_targeting_data

    text = DATA_FILE.read_text(encoding="utf-8")
    old = "    targets: [sweat_glands_of_palm]\n"
    assert old in text
    path = tmp_path / "targeting_data.yaml"
    path.write_text(text.replace(old, old + "    targets: [sweat_glands_of_sole]\n", 1), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_targeting_data(path)
    (p,) = info.value.problems
    assert p.file == path.name and p.record == "palmar sweating" and p.field == "targets"
    assert p.line == text[: text.index(old)].count("\n") + 2


def test_a_duplicate_key_in_a_patient_file_is_an_error(tmp_path):
    """Bug: a patient file giving ``side`` twice was read with the last value: a wrong-side plan, silently."""
    from neurectomy.candidacy import load_patient
    from neurectomy.datafile import DataFileError

    path = tmp_path / "patient.yaml"
    path.write_text("indication: meralgia paresthetica\nside: left\npain_nrs: 7\nside: right\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_patient(path)
    (p,) = info.value.problems
    assert (p.file, p.line, p.record, p.field) == ("patient.yaml", 4, None, "side")
    assert "first given on line 2" in p.message
