"""Review 18 follow-ups on the web app: duplicated request building, the Vega-Lite version of the charts and the
wording of the 'autonomous zone' column. Each test names the bug it catches."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import neurectomy
from neurectomy.web.app import create_app

SRC = Path(neurectomy.__file__).resolve().parent
LESION_PATHS = ("/api/lesion", "/api/lesion/bodymap.svg", "/api/lesion/course.svg")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


# --------------------------------------------------------------------------- task 1: one request builder per route
def test_lesion_routes_share_one_query_dependency() -> None:
    """The lesion, bodymap.svg and course.svg routes each repeated the same query parameters and the same
    ``LesionRequest.build`` call, so a limit or description changed on one could silently differ on the others.
    They now take one dependency that reads the query and returns the LesionRequest."""
    from neurectomy.web.routes.lesion import lesion_request, router

    routes = {r.path: r for r in router.routes if isinstance(r, APIRoute)}
    for path in LESION_PATHS:
        route = routes[path]
        assert [d.call for d in route.dependant.dependencies if d.call is lesion_request] == [lesion_request], path
        assert "nerve" not in inspect.signature(route.endpoint).parameters, path


def test_lesion_routes_document_the_same_query_parameters(client: TestClient) -> None:
    """Guard for the dependency: the OpenAPI document still lists, for each lesion route, the same query
    parameters with the same names, types, limits, defaults and descriptions as before the change."""
    doc = client.app.openapi()  # type: ignore[attr-defined]
    params = {p: doc["paths"][p]["get"]["parameters"] for p in LESION_PATHS}
    first = params[LESION_PATHS[0]]
    assert all(v == first for v in params.values())
    by_name = {p["name"]: p for p in first}
    assert list(by_name) == ["nerve", "at", "mm", "side", "method", "also"]
    assert by_name["nerve"]["required"] is True
    assert by_name["nerve"]["schema"] == {
        "type": "string",
        "maxLength": 200,
        "minLength": 1,
        "description": "nerve name, synonym or id",
        "title": "Nerve",
    }
    assert by_name["mm"]["schema"]["anyOf"][0] == {"type": "number", "maximum": 5000, "minimum": 0}
    assert by_name["side"]["schema"]["default"] == "left"
    assert by_name["also"]["schema"]["maxItems"] == 20
    assert all(p["in"] == "query" and p.get("description") for p in first)


@pytest.mark.parametrize("path", LESION_PATHS)
def test_lesion_route_errors_are_unchanged(client: TestClient, path: str) -> None:
    """Guard for the dependency: a bad side is still a 422 naming the field, a bad mm a 422 naming ``mm``, an
    unknown nerve a 404 with suggestions, on every lesion route."""
    r = client.get(path, params={"nerve": "sural nerve", "side": "up"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "side"]
    r = client.get(path, params={"nerve": "sural nerve", "mm": -1})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "mm"]
    r = client.get(path, params={"nerve": "sural nerv"})
    assert r.status_code == 404 and "did you mean: sural nerve" in r.json()["detail"]
    r = client.get(path, params={"nerve": "sural nerve", "also": "foo nerve"})
    assert r.status_code == 404 and r.json()["detail"].startswith("also: unknown nerve")


def _build_calls(path: Path, func: str) -> int:
    tree = ast.parse(path.read_text())
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == func
    )


def test_plan_routes_build_the_request_in_one_place() -> None:
    """GET and POST /api/plan each spelt out the same ``PlanRequest.build`` keyword list (an option added to one
    could be forgotten in the other). There is now one call, fed by PlanBody, whose fields are build's keywords."""
    from neurectomy.requests import PlanRequest
    from neurectomy.web.schemas import PlanBody

    assert _build_calls(SRC / "web" / "routes" / "plan.py", "build") == 1
    keywords = set(inspect.signature(PlanRequest.build).parameters)
    assert set(PlanBody.model_fields) <= keywords


def test_plan_get_and_post_answer_the_same(client: TestClient) -> None:
    """Guard for the shared builder: the same options by query and by body give the same plan, errors included."""
    query = {"nerve": "sural nerve", "side": "right", "method": "phenol", "end": ["capping"], "also": ["sural nerve"]}
    body = {**{k: v for k, v in query.items() if k != "end"}, "end_treatments": ["capping"]}
    get, post = client.get("/api/plan", params=query), client.post("/api/plan", json=body)
    assert get.status_code == post.status_code
    assert get.json() == post.json()
    get, post = client.get("/api/plan", params={"procedure": "x"}), client.post("/api/plan", json={"procedure": "x"})
    assert get.status_code == post.status_code == 404 and get.json() == post.json()


def test_cli_has_no_forwarding_plan_builder() -> None:
    """``cli._build_plan`` only forwarded its ten parameters to ``_plan_request(...).run(...)``: two parameter lists
    to keep in step. The simulate and report commands now call ``_plan_request`` themselves."""
    from neurectomy import cli

    assert not hasattr(cli, "_build_plan")
    assert "_build_plan" not in (SRC / "cli.py").read_text()


def test_cli_simulate_json_is_the_python_timeline() -> None:
    """Guard for the CLI change: ``simulate --json`` still prints the timeline of the same request."""
    import json

    from typer.testing import CliRunner

    from neurectomy import default_atlas
    from neurectomy.cli import app
    from neurectomy.requests import PlanRequest

    out = CliRunner().invoke(app, ["simulate", "--nerve", "sural nerve", "--side", "right", "--years", "3", "--json"])
    assert out.exit_code == 0, out.output
    expected = PlanRequest.build(None, nerve="sural nerve", side="right", years=3).run(default_atlas())
    assert json.loads(out.stdout) == json.loads(json.dumps(expected.timeline.to_dict()))


# --------------------------------------------------------------------------- task 2: Vega-Lite version of the specs
BUNDLE = SRC / "web" / "static" / "vendor" / "vega-bundle.js"


def bundled_vega_lite_version(text: str) -> str:
    """The Vega-Lite version in the vendored bundle: the ``version`` of the one exported object that also has
    ``compile`` and ``normalize`` (Vega-Lite's API; Vega's has ``parse``), its minified name followed through
    aliases to a literal."""
    exports = [
        m.group(1)
        for m in re.finditer(r"return\{([^{}]*)\}", text)
        if "compile:" in m.group(1) and "normalize:" in m.group(1)
    ]
    names = {re.search(r"[{,]?version:([\w$]+)", e).group(1) for e in exports if "version:" in e}  # type: ignore[union-attr]
    assert len(names) == 1, names
    name = names.pop()
    for _ in range(5):
        m = re.search(r"(?:var|const|let) " + re.escape(name) + r'=("(\d+\.\d+\.\d+)"|[\w$]+)[;,]', text)
        assert m, name
        if m.group(2):
            return m.group(2)
        name = m.group(1)
    raise AssertionError("alias chain too long")


def _major(schema: str) -> int:
    m = re.fullmatch(r"https://vega\.github\.io/schema/vega-lite/v(\d+)(?:\.\d+)*\.json", schema)
    assert m, schema
    return int(m.group(1))


def _every_spec() -> dict[str, dict[str, Any]]:
    import pandas as pd

    from neurectomy import charts, default_atlas, plots
    from neurectomy.requests import PlanRequest
    from neurectomy.web import views

    plan = PlanRequest.build("lateral femoral cutaneous neurectomy", side="left").run(default_atlas())
    stump = {
        "days": [0.0, 30.0],
        "reached": {"mean": [0.0, 0.1], "p10": [0.0, 0.0], "p90": [0.0, 0.2]},
        "neuroma_index": {"mean": [0.0, 0.3], "p10": [0.0, 0.1], "p90": [0.0, 0.5]},
        "method": "surgical_cut",
        "end_treatments": [],
        "replicates": 1,
        "n_axons": 10,
    }
    specs = {
        "web plan page (views.timeline_spec)": views.timeline_spec(plan),
        "web simulate page (views.stump_spec)": views.stump_spec(stump),
        "charts.timeline_spec": charts.timeline_spec(plan.timeline, "t"),
        "charts.strength_spec": charts.strength_spec([], "t"),
        "charts.model_check_spec": charts.model_check_spec({"rows": [], "agree": 0, "total": 0}),
        "plots.timeline_spec": plots.timeline_spec(plan.timeline, "t"),
        "plots.cohort_summary_spec": plots.cohort_summary_spec(pd.DataFrame()),
    }
    return {k: v for k, v in specs.items() if v is not None}


def test_bundle_version_is_read() -> None:
    """The reader of the bundle's version finds Vega-Lite's (not Vega's 6.2.0 or Vega-Embed's)."""
    version = bundled_vega_lite_version(BUNDLE.read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert "window.vegaLite=" in BUNDLE.read_text(encoding="utf-8")


def test_every_spec_names_the_vega_lite_major_version_the_web_app_serves() -> None:
    """Every spec said ``$schema: .../vega-lite/v5.json`` while the vendored bundle is Vega-Lite 6 (6.4.1, from
    vl-convert-python 1.9.0): Vega-Embed warned in the browser console on the Plan and Simulate pages that the spec
    is v5 and the library v6. Each spec's major version now equals the bundle's, and no source file hard-codes
    another Vega-Lite schema."""
    major = int(bundled_vega_lite_version(BUNDLE.read_text(encoding="utf-8")).split(".")[0])
    specs = _every_spec()
    assert len(specs) == 7
    for name, spec in specs.items():
        assert _major(spec["$schema"]) == major, name
    for path in SRC.rglob("*"):
        if path.suffix in {".py", ".html", ".js"} and "vendor" not in path.parts:
            for url in re.findall(r"schema/vega-lite/v\d+", path.read_text(encoding="utf-8")):
                assert url == f"schema/vega-lite/v{major}", path


# --------------------------------------------------------------------------- task 3: 'autonomous zone' wording
SOLE_SUPPLIER = (
    "a single nerve supplies the region in the atlas; overlap from neighbouring nerves at its borders is not "
    "modelled, so the numb area may be smaller"
)


def _sensory_section(html: str) -> str:
    start = html.index('<section class="losses" data-group="sensory">')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    "url", ["/cut?nerve=common+fibular+nerve", "/plan?procedure=lfcn_neurectomy&side=left"], ids=["cut", "plan"]
)
def test_sensory_table_says_sole_supplier_in_atlas_not_autonomous_zone(client: TestClient, url: str) -> None:
    """The skin table's column read 'Autonomous zone' with 'yes' / 'no (overlap)', a clinical claim (the area that
    is numb after the cut, whatever the neighbours supply), but the value is only 'the region has a single
    supplying nerve in the atlas': overlap from neighbouring nerves at the borders is not modelled. The column is
    now 'Sole supplier in atlas', with that caveat as its title and as a footnote under the table."""
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    section = _sensory_section(r.text)
    assert "Autonomous zone" not in section and "no (overlap)" not in section
    assert f'<th title="{SOLE_SUPPLIER}">Sole supplier in atlas' in section
    assert f"* Sole supplier in atlas: {SOLE_SUPPLIER}." in section
    cells = re.findall(r"cm²</td><td>([^<]*)</td>", section)
    assert cells and set(cells) <= {"yes", "no (shared)"}


def test_cut_table_marks_a_shared_region(client: TestClient) -> None:
    """Guard for the cell text: a region with several suppliers in the atlas reads 'no (shared)', one with a single
    supplier 'yes', as the JSON's ``autonomous_zone`` says."""
    data = client.get("/api/lesion", params={"nerve": "common fibular nerve"}).json()
    flags = {x["autonomous_zone"] for x in data["sensory"]}
    section = _sensory_section(client.get("/cut", params={"nerve": "common fibular nerve"}).text)
    cells = set(re.findall(r"cm²</td><td>([^<]*)</td>", section))
    assert cells == {"yes" if f else "no (shared)" for f in flags}


def test_json_schema_describes_autonomous_zone_as_sole_supplier(client: TestClient) -> None:
    """The JSON key ``autonomous_zone`` (kept: API contract) had no description, so a client read it as the
    clinical autonomous zone. Its schema description now says what it is, in the web table's words."""
    schema = client.app.openapi()["components"]["schemas"]["LossJSON"]  # type: ignore[attr-defined]
    text = schema["properties"]["autonomous_zone"]["description"]
    assert "sole supplier in atlas" in text and text.endswith(SOLE_SUPPLIER.split("; ", 1)[1])
    assert SOLE_SUPPLIER.split(";")[0] in text
