"""One request, four surfaces, one JSON: the argparse fast path, the Typer app, the HTTP API and the Python API
must print the same object, key order and number types included, for a table of requests covering every option.

Each surface builds the same request value (:mod:`neurectomy.requests`) and renders :mod:`neurectomy.serialise`;
these tests catch an edge that re-implements a default, drops an option or declares its own shape.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import neurectomy
from neurectomy.__main__ import main
from neurectomy.cli import run
from neurectomy.serialise import json_schema
from neurectomy.web.app import create_app

APP = create_app()
APP.state.registry_url = f"sqlite:///{tempfile.mkdtemp(prefix='neurectomy-contract-')}/registry.db"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(APP) as c:
        yield c


def canonical(obj: Any) -> str:
    """The JSON text with key order and int/float kept (``4`` and ``4.0`` differ), spacing normalised."""
    return json.dumps(obj, ensure_ascii=False)


def cli_out(capsys: pytest.CaptureFixture[str], entry: Any, args: list[str]) -> str:
    code = entry(args)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


# (CLI arguments, HTTP query, Python keyword arguments): every lesion option on every surface
LESION_CASES = [
    (["sural nerve"], {"nerve": "sural nerve"}, {"nerve": "sural nerve"}),
    (
        ["ulnar nerve", "--at", "elbow", "--side", "right"],
        {"nerve": "ulnar nerve", "at": "elbow", "side": "right"},
        {"nerve": "ulnar nerve", "at": "elbow", "side": "right"},
    ),
    (
        ["ulnar nerve", "--at", "elbow", "--method", "decompression"],
        {"nerve": "ulnar nerve", "at": "elbow", "method": "decompression"},
        {"nerve": "ulnar nerve", "at": "elbow", "method": "decompression"},
    ),
    (
        ["median nerve", "--mm", "120.5", "--method", "phenol"],
        {"nerve": "median nerve", "mm": "120.5", "method": "phenol"},
        {"nerve": "median nerve", "mm": 120.5, "method": "phenol"},
    ),
    (
        ["radial nerve", "--at", "distal to the branch to brachioradialis", "--method", "rf"],
        {"nerve": "radial nerve", "at": "distal to the branch to brachioradialis", "method": "rf"},
        {"nerve": "radial nerve", "at": "distal to the branch to brachioradialis", "method": "rf"},
    ),
    (
        ["femoral nerve", "--at", "inguinal ligament", "--also", "right:sural nerve", "--also", "obturator nerve"],
        {"nerve": "femoral nerve", "at": "inguinal ligament", "also": ["right:sural nerve", "obturator nerve"]},
        {"nerve": "femoral nerve", "at": "inguinal ligament", "also": ["right:sural nerve", "obturator nerve"]},
    ),
    (
        ["superior hypogastric plexus", "--side", "right", "--method", "resection"],
        {"nerve": "superior hypogastric plexus", "side": "right", "method": "resection"},
        {"nerve": "superior hypogastric plexus", "side": "right", "method": "resection"},
    ),
    (
        ["vestibular nerve", "--method", "diagnostic block", "--side", "right"],
        {"nerve": "vestibular nerve", "method": "diagnostic block", "side": "right"},
        {"nerve": "vestibular nerve", "method": "diagnostic block", "side": "right"},
    ),
]


@pytest.mark.parametrize(("args", "query", "kwargs"), LESION_CASES, ids=[" ".join(c[0]) for c in LESION_CASES])
def test_lesion_is_the_same_object_on_every_surface(capsys, client, args, query, kwargs):
    """Catches an edge that ignores or re-defaults an option (``--method`` reaching the JSON and changing nothing
    on one surface only), or an HTTP shape that drops or re-types a key."""
    fast = cli_out(capsys, main, ["lesion", *args, "--json"])
    typer = cli_out(capsys, run, ["lesion", *args, "--json"])
    assert fast == typer  # byte for byte: both print json.dumps of the same dict
    response = client.get("/api/lesion", params=query)
    assert response.status_code == 200, response.text
    python = neurectomy.lesion(**kwargs).to_dict()
    assert canonical(response.json()) == canonical(python) == canonical(json.loads(fast))


def test_abbreviated_options_behave_the_same_on_both_cli_paths(capsys):
    """argparse accepts ``--meth`` as ``--method``, click does not: the fast path must not answer what the full
    CLI refuses, so the same command line gives the same result whichever path takes it."""
    fast = main(["lesion", "sural nerve", "--meth", "phenol", "--json"])
    capsys.readouterr()
    typer = run(["lesion", "sural nerve", "--meth", "phenol", "--json"])
    capsys.readouterr()
    assert fast == typer == 2


@pytest.mark.parametrize(
    "args",
    [
        ["lesion", "sural nerv", "--json"],
        ["lesion", "sural nerve", "--method", "bogus", "--json"],
        ["lesion", "sural nerve", "--side", "up", "--json"],
        ["lesion", "sural nerve", "--side", "midline", "--json"],
        ["lesion", "sural nerve", "--at", "nowhere", "--json"],
        ["lesion", "sural nerve", "--also", "ulnar nerve@moon", "--json"],
    ],
)
def test_errors_are_the_same_on_both_cli_paths(capsys, args):
    """Catches a path that accepts what the other refuses, or words the refusal differently."""
    fast = main(args)
    fast_err = capsys.readouterr().err
    typer = run(args)
    typer_err = capsys.readouterr().err
    assert fast == typer == 2
    assert fast_err == typer_err and fast_err.startswith("error: ")


TARGET_CASES = [
    (["--region", "forehead", "--top", "2"], {"region": "forehead", "top": 2}, {"regions": "forehead", "top": 2}),
    (
        ["--function", "vertigo", "--side", "right", "--method", "phenol"],
        {"function": "vertigo", "side": "right", "method": "phenol"},
        {"functions": "vertigo", "side": "right", "method": "phenol"},
    ),
    (
        ["--region", "medial forearm", "--avoid", "medial cutaneous nerve of forearm", "--weight", "muscle=50"],
        {"region": "medial forearm", "avoid": "medial cutaneous nerve of forearm", "weight": "muscle=50"},
        {"regions": "medial forearm", "avoid": ["medial cutaneous nerve of forearm"], "weights": ["muscle=50"]},
    ),
    (
        ["--region", "lateral thigh", "--coverage", "0.5", "--spare-motor"],
        {"region": "lateral thigh", "coverage": 0.5, "spare_motor": True},
        {"regions": "lateral thigh", "coverage": 0.5, "spare_motor": True},
    ),
]


@pytest.mark.parametrize(("args", "query", "kwargs"), TARGET_CASES, ids=[" ".join(c[0]) for c in TARGET_CASES])
def test_target_is_the_same_object_on_every_surface(capsys, client, args, query, kwargs):
    """Catches a surface that parses weights, methods or sides its own way."""
    typer = json.loads(cli_out(capsys, run, ["target", *args, "--json"]))
    response = client.get("/api/target", params=query)
    assert response.status_code == 200, response.text
    python = neurectomy.target(**kwargs).to_dict()
    assert canonical(response.json()) == canonical(python) == canonical(typer)


def test_target_with_plans_is_the_same_object_on_cli_and_http(capsys, client):
    """``--plan`` turns each ranked answer into a plan in one place (it was written twice, CLI and web)."""
    typer = json.loads(cli_out(capsys, run, ["target", "--region", "forehead", "--top", "2", "--plan", "--json"]))
    response = client.get("/api/target", params={"region": "forehead", "top": 2, "plan": True})
    assert canonical(response.json()) == canonical(typer)
    assert [p["plan"]["cuts"][0]["nerve"]["id"] for p in typer["plans"]] == [
        p["cuts"][0]["nerve"]["id"] for p in typer["plans"]
    ]


PLAN_CASES = [
    (["--procedure", "vestibular neurectomy"], {"procedure": "vestibular neurectomy"}, ["vestibular neurectomy"], {}),
    (
        ["--nerve", "ulnar nerve", "--at", "elbow", "--method", "decompression", "--side", "right"],
        {"nerve": "ulnar nerve", "at": "elbow", "method": "decompression", "side": "right"},
        [],
        {"nerve": "ulnar nerve", "at": "elbow", "method": "decompression", "side": "right"},
    ),
    (
        ["--nerve", "sural nerve", "--end", "cautery", "--end", "tmr"],
        {"nerve": "sural nerve", "end": ["cautery", "tmr"]},
        [],
        {"nerve": "sural nerve", "end_treatments": ["cautery", "tmr"]},
    ),
]


@pytest.mark.parametrize(("args", "query", "pos", "kwargs"), PLAN_CASES, ids=[" ".join(c[0]) for c in PLAN_CASES])
def test_plan_is_the_same_object_on_every_surface(capsys, client, args, query, pos, kwargs):
    """Catches the plan command and the lesion command disagreeing about one cut (they used to: a decompression
    of the ulnar nerve lost 17 muscles on one and nothing on the other)."""
    typer = json.loads(cli_out(capsys, run, ["plan", *args, "--json"]))
    response = client.get("/api/plan", params=query)
    assert response.status_code == 200, response.text
    python = neurectomy.plan(*pos, **kwargs).to_dict()
    assert canonical(response.json()) == canonical(python) == canonical(typer)


def test_localise_is_the_same_object_on_every_surface(capsys, client):
    args = ["--numb", "skin of lateral thigh", "--spared", "rectus femoris", "--top", "2"]
    typer = json.loads(cli_out(capsys, run, ["localise", *args, "--json"]))
    response = client.get(
        "/api/localise", params={"numb": "skin of lateral thigh", "spared": "rectus femoris", "top": 2}
    )
    assert response.status_code == 200, response.text
    python = neurectomy.localise(["skin of lateral thigh"], spared=["rectus femoris"], top=2).to_dict()
    assert canonical(response.json()) == canonical(python) == canonical(typer)


def test_atlas_show_and_search_are_the_same_on_cli_and_http(capsys, client):
    show = json.loads(cli_out(capsys, run, ["atlas", "show", "sural nerve", "--json"]))
    assert canonical(client.get("/api/atlas/nerves/sural nerve").json()) == canonical(show)
    found = json.loads(cli_out(capsys, run, ["atlas", "search", "sural", "--json"]))
    assert canonical(client.get("/api/atlas/search", params={"q": "sural"}).json()) == canonical(found)


def test_openapi_documents_the_serialisation_shapes(client):
    """The HTTP API's documented answer is the one declared in :mod:`neurectomy.serialise`, not a copy."""
    spec = client.get("/openapi.json").json()
    lesion_ok = spec["paths"]["/api/lesion"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = lesion_ok["$ref"].rsplit("/", 1)[-1]
    documented = spec["components"]["schemas"][ref]
    assert set(documented["required"]) == set(json_schema("lesion")["required"])
    loss = spec["components"]["schemas"]["LossJSON"]
    assert {"permanent_supply_lost", "lasting"} <= set(loss["required"])


def test_http_validates_answers_against_the_declared_shape(monkeypatch, client):
    """The routes' response_model is enforced: an answer missing a declared key is a server error, not a silent
    change of contract."""
    from neurectomy import serialise

    real = serialise.deficit_json

    def broken(d: Any) -> Any:
        out = dict(real(d))
        del out["summary"]
        return out

    monkeypatch.setattr(serialise, "deficit_json", broken)
    with TestClient(APP, raise_server_exceptions=False) as c:
        assert c.get("/api/lesion", params={"nerve": "sural nerve"}).status_code == 500
