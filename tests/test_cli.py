"""The command line: the DESIGN §5 JSON contract, exit codes and the fast path's agreement with Typer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neurectomy.__main__ import main
from neurectomy.cli import app


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "neurectomy", *args], capture_output=True, text=True, check=False)


def typer_json(capsys, *args: str) -> dict:
    from neurectomy.cli import run

    assert run(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def nerve_name(atlas):
    """A real nerve with both muscles and skin below it, whatever regions are curated."""
    best = max(
        range(len(atlas.nerves)),
        key=lambda i: (len({atlas.targets[t].kind for t in atlas.targets_of(i)}), len(atlas.nerves[i].name)),
    )
    return atlas.nerves[best].name


def test_lesion_json_contract(nerve_name):
    proc = run_cli("lesion", nerve_name, "--json", "--side", "right")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == [
        "cuts",
        "sensory",
        "motor",
        "autonomic",
        "special",
        "articular",
        "visceral",
        "function",
        "function_not_modelled",
        "warnings",
        "summary",
    ]
    assert out["cuts"][0]["nerve"]["name"] == nerve_name and out["cuts"][0]["side"] == "right"
    for group in ("sensory", "motor", "autonomic", "special", "articular", "visceral"):
        assert isinstance(out[group], list)
        for item in out[group]:
            assert set(item["target"]) == {"id", "name"}
            assert item["side"] == "right"
            assert 0 < item["supply_lost"] <= 1
            assert isinstance(item["effect"], str)
    for item in out["motor"]:
        assert isinstance(item["actions"], list)
    for item in out["sensory"]:
        assert item["area_cm2"] > 0
    assert isinstance(out["summary"], str) and out["summary"]


def test_fast_path_equals_typer_path(capsys, atlas, nerve_name):
    args = ["lesion", nerve_name, "--json", "--mm", "5", "--side", "left"]
    assert main(args) == 0
    fast = json.loads(capsys.readouterr().out)
    slow = typer_json(capsys, *args)
    assert fast == slow


def test_unknown_nerve_exits_2_with_suggestions(atlas, nerve_name):
    middle = len(nerve_name) // 2
    typo = nerve_name[:middle] + nerve_name[middle + 1 :]
    for extra in ([], ["--json"]):
        proc = run_cli("lesion", typo, *extra)
        assert proc.returncode == 2
        assert "did you mean" in proc.stderr
        assert nerve_name in " ".join(proc.stderr.split())


def test_bad_landmark_exits_2(nerve_name):
    proc = run_cli("lesion", nerve_name, "--at", "nowhere at all", "--json")
    assert proc.returncode == 2 and "no landmark" in proc.stderr


def test_table_output_and_disclaimer(nerve_name):
    proc = run_cli("lesion", nerve_name)
    assert proc.returncode == 0
    assert "not a medical device" in proc.stdout
    assert "Cut:" in proc.stdout


def test_atlas_stats_json_keys(atlas):
    proc = run_cli("atlas", "stats", "--json")
    counts = json.loads(proc.stdout)
    for key in (
        "nerves",
        "muscles",
        "skin_regions",
        "joints",
        "viscera_glands",
        "special_organs",
        "skin_regions_without_chart",
    ):
        assert isinstance(counts[key], int)
    assert counts["nerves"] == len(atlas.nerves)


def test_atlas_search_and_show(atlas, nerve_name):
    proc = run_cli("atlas", "search", nerve_name[:-1], "--json")
    hits = json.loads(proc.stdout)
    assert nerve_name in [h["name"] for h in hits]
    shown = json.loads(run_cli("atlas", "show", nerve_name, "--json").stdout)
    assert shown["name"] == nerve_name and shown["targets"]
    assert run_cli("atlas", "show", "no such nerve xyz").returncode == 2


def test_validate_reports_file_line(tmp_path):
    import shutil

    from .conftest import FIXTURES

    shutil.copytree(FIXTURES / "mini", tmp_path / "d")
    p = tmp_path / "d" / "limb.yaml"
    p.write_text(p.read_text().replace("length_mm: 100", "length_mm: -1"))
    proc = run_cli("atlas", "validate", str(tmp_path / "d"))
    assert proc.returncode == 1
    assert "limb.yaml:" in proc.stderr and "trunk" in proc.stderr and "length_mm" in proc.stderr


def test_typer_app_has_the_documented_commands():
    names = {c.name for c in app.registered_commands}
    assert {"lesion", "demo"} <= names
