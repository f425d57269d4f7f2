"""The compiled atlas is shared by every caller in a process, so nothing a caller does may change it (issue "One
truth per request", item 4), and the core atlas knows nothing of the edges (item 5)."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from types import MappingProxyType

import numpy as np
import pytest

from neurectomy.atlas.load import load_atlas

from .conftest import FIXTURES

DERIVED = ("suffixes", "depth", "target_words", "target_paths")


@pytest.fixture
def fresh():
    """A private atlas (from the disk cache): a test that manages to change it harms no other test."""
    return load_atlas(FIXTURES / "mini")


def _mutable_parts(value, where, out, seen):
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (list, dict, set, bytearray)):
        out.append(f"{where}: {type(value).__name__}")
    elif isinstance(value, np.ndarray):
        if value.flags.writeable:
            out.append(f"{where}: writeable array")
    elif isinstance(value, MappingProxyType):
        for k, v in value.items():
            _mutable_parts(v, f"{where}[{k!r}]", out, seen)
    elif isinstance(value, (tuple, frozenset)):
        for i, v in enumerate(value):
            _mutable_parts(v, f"{where}[{i}]", out, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:
            out.append(f"{where}: a {type(value).__name__} that is not frozen")
        for f in dataclasses.fields(value):
            _mutable_parts(getattr(value, f.name), f"{where}.{f.name}", out, seen)
    elif not isinstance(value, (str, int, float, bool, type(None))):
        out.append(f"{where}: {type(value).__name__}")


def test_the_packaged_atlas_is_immutable_all_the_way_down(atlas):
    """Bug: the look-up tables (``nerve_index``, ``target_index``, ``name_index``) were plain dicts and the batch
    arrays writeable, so one caller could change the atlas every other caller (web requests included) sees. Every
    container reachable from the atlas, its derived tables and its arrays must be read-only."""
    out: list[str] = []
    seen: set[int] = set()
    _mutable_parts(atlas, "atlas", out, seen)
    for name in (*DERIVED, "arrays"):
        _mutable_parts(getattr(atlas, name), f"atlas.{name}", out, seen)
    for name, value in vars(atlas).items():  # anything else cached on the instance
        _mutable_parts(value, f"atlas.{name}", out, seen)
    assert out == []


def test_no_caller_can_change_what_a_name_means(fresh):
    """Bug: ``default_atlas().nerve_index["ulnar nerve"] = 0`` made "ulnar nerve" resolve to another nerve for
    every caller in the process. Item assignment, reassigning or deleting a table or a derived table must fail,
    and the name must still mean the same nerve afterwards."""
    trunk = fresh.nerve("trunk nerve")
    attempts = [
        lambda: fresh.nerve_index.__setitem__("trunk nerve", 0),
        lambda: fresh.nerve_index.__setitem__("trunk", 0),
        lambda: fresh.name_index.__setitem__("trunk nerve", (("nerve", 0),)),
        lambda: fresh.target_index.__setitem__("muscle_x", 0),
        lambda: fresh.nerve_index.pop("trunk"),
        lambda: fresh.name_index.clear(),
        lambda: setattr(fresh, "nerve_index", {"trunk nerve": 0}),
        lambda: setattr(fresh, "depth", ()),
        lambda: delattr(fresh, "name_index"),
    ]
    for attempt in attempts:
        with pytest.raises((TypeError, AttributeError)):
            attempt()
    assert fresh.nerve("trunk nerve") == trunk and fresh.nerve("trunk") == trunk
    assert fresh.nerve_index["trunk"] == fresh.nerves.index(trunk)


def test_batch_arrays_are_read_only(fresh):
    """Bug: the NumPy arrays behind batch lesions were writeable, so an in-place edit by one caller (``arr[i] =``,
    ``+=``) changed every later lesion in the process."""
    arrays = fresh.arrays
    before = arrays.row_loss.copy()
    for name in ("exit", "key_ptr", "row_ptr", "row_indptr", "row_target", "row_loss"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(arrays, name)[0] = 0
    with pytest.raises(ValueError, match="read-only"):
        arrays.row_loss += 1
    assert np.array_equal(arrays.row_loss, before)


def test_a_pickled_atlas_comes_back_read_only(fresh):
    """Bug: read-only tables must survive the disk cache: a mappingproxy cannot be pickled at all, and an atlas
    restored from a pickle of plain dicts came back with writeable tables."""
    again = pickle.loads(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
    for name in ("nerve_index", "target_index", "name_index"):
        assert isinstance(getattr(again, name), MappingProxyType), name
        assert getattr(again, name) == getattr(fresh, name)
    assert again.nerves == fresh.nerves and again.nerve("main nerve") == fresh.nerve("trunk")
    with pytest.raises(TypeError):
        again.nerve_index["trunk"] = 0  # type: ignore[index]


def test_the_core_atlas_does_not_import_the_body_map(atlas):
    """Bug: ``Atlas.counts()`` imported ``neurectomy.bodymap`` (an edge) to count charted skin regions, so the
    core depended on the edges. The count of regions without a chart now comes from the edges (``atlas stats``
    and ``/api/atlas/stats`` keep the key)."""
    code = (
        "import sys\n"
        "from neurectomy.atlas import load_atlas\n"
        f"counts = load_atlas({str(FIXTURES / 'mini')!r}).counts()\n"
        "assert 'skin_regions_without_chart' not in counts, counts\n"
        "print(sorted(m for m in sys.modules if m.startswith('neurectomy.') and m.split('.')[1] in "
        "('bodymap', 'plots', 'web', 'cli', 'registry', 'report')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"

    from neurectomy.bodymap import atlas_stats, charted_regions
    from neurectomy.web.routes.atlas import stats

    expected = sum(1 for t in atlas.targets if t.kind == "skin" and t.id not in charted_regions())
    for served in (atlas_stats(atlas), stats(atlas)):
        assert served["skin_regions_without_chart"] == expected
        assert {k: v for k, v in served.items() if k != "skin_regions_without_chart"} == atlas.counts()
