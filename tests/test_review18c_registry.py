"""Review 18c of the registry (found in a real browser): recorded procedures checked with the core's own rules,
outcome regions with their side, plain error messages that keep the form, readable audit log, like-for-like
outcome comparisons, a defined recovery chart, account safeguards and wording."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup
from tests.test_registry_support import csrf_of, signed_in

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    yield from sup.engine_for("sqlite", tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


@pytest.fixture
def app(engine: Any) -> Any:
    a = create_app(Settings())
    a.state.registry_engine = engine
    return a


def new_case(engine: Any, who: dict[str, Any], **kw: Any) -> int:
    from neurectomy.registry.db import write
    from neurectomy.registry.service import create_case

    return int(write(engine, lambda s: create_case(s, who["clinician"], {**sup.CASE, **kw}).id))


def stored_procedures(engine: Any, who: dict[str, Any], cid: int) -> list[dict[str, Any]]:
    from neurectomy.registry.db import read_session
    from neurectomy.registry.service import case_view, get_case

    with read_session(engine) as s:
        return list(case_view(get_case(s, who["clinician"], cid), who["clinician"], full=True)["procedures"])


# --------------------------------------------------------------------------- 1. recorded cuts
ULNAR = {"id": "ulnar_nerve", "name": "ulnar nerve"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {
                "side": "midline",
                "procedure_key": None,
                "procedure_name": "ulnar neurectomy",
                "method": "surgical_cut",
                "nerves": [ULNAR],
            },
            "side",
            "paired",
        ),
        ({"side": "left", "nerves": [ULNAR]}, "nerves", "not the ulnar nerve"),
        ({"side": "left", "method": "surgical_cut"}, "method", "resection"),
        ({"side": "midline"}, "side", "paired"),
    ],
)
def test_recorded_cuts_are_checked_with_the_core_rules(
    engine: Any, who: dict[str, Any], change: dict[str, Any], field: str, words: str
) -> None:
    """Bug caught: "Record a procedure performed" stored impossible cuts: a midline ulnar nerve (a paired nerve), and
    an LFCN neurectomy that cut the ulnar nerve; a procedure by another method than its own was stored too. Each is
    now refused, naming the field, by the same resolution the Plan page uses (LesionRequest.resolve,
    PlanRequest.build)."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, record_procedure

    cid = new_case(engine, who, side="left")
    with pytest.raises(InvalidInput) as info:
        write(engine, lambda s: record_procedure(s, who["clinician"], cid, {**sup.PROCEDURE, **change}))
    assert info.value.problems[0][0] == field, info.value.problems
    assert words in info.value.problems[0][1], info.value.problems
    assert stored_procedures(engine, who, cid) == []


def test_a_procedure_on_the_side_opposite_the_case_needs_confirming(engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: on a left case, a right-sided procedure was stored without a word (a wrong-side record). It is now
    refused unless other_side_confirmed is given; the confirmation is audited."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, audit_entries, record_procedure

    cid = new_case(engine, who, side="left")
    data = {**sup.PROCEDURE, "side": "right"}
    with pytest.raises(InvalidInput) as info:
        write(engine, lambda s: record_procedure(s, who["clinician"], cid, data))
    assert info.value.problems[0][0] == "side" and "confirm" in info.value.problems[0][1]
    write(engine, lambda s: record_procedure(s, who["clinician"], cid, {**data, "other_side_confirmed": True}))
    assert [p["side"] for p in stored_procedures(engine, who, cid)] == ["right"]
    from neurectomy.registry.db import read_session

    with read_session(engine) as s:
        entry = next(e for e in audit_entries(s, who["admin"]) if e.entity == "procedure")
    assert "other_side_confirmed" in entry.detail


def test_the_procedure_form_refuses_the_reviewers_combinations(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: the case page's form accepted side midline + "ulnar nerve", and an LFCN neurectomy on the right
    with the ulnar nerve on a left case (stored as an LFCN neurectomy that cut the ulnar nerve). Both are now 422
    pages saying what is wrong; the procedure's own cuts on the case's side are still recorded."""
    cid = new_case(engine, who, side="left")
    c = signed_in(app, "clinician_a")
    csrf = csrf_of(c.get(f"/registry/cases/{cid}").text)
    base = {"csrf_token": csrf, "performed_on": "2024-02-01", "method": "", "notes": ""}
    r = c.post(
        f"/registry/cases/{cid}/procedures",
        data={
            **base,
            "side": "midline",
            "procedure_key": "",
            "procedure_name": "ulnar neurectomy",
            "method": "surgical_cut",
            "nerves": "ulnar nerve",
        },
    )
    assert r.status_code == 422 and "paired" in r.text, r.text
    r = c.post(
        f"/registry/cases/{cid}/procedures",
        data={
            **base,
            "side": "right",
            "procedure_key": "lfcn_neurectomy",
            "nerves": "ulnar nerve",
            "other_side_confirmed": "1",
        },
    )
    assert r.status_code == 422 and "not the ulnar nerve" in r.text, r.text
    r = c.post(f"/registry/cases/{cid}/procedures", data={**base, "side": "right", "procedure_key": "lfcn_neurectomy"})
    assert r.status_code == 422 and "confirm" in r.text, r.text
    assert stored_procedures(engine, who, cid) == []
    r = c.post(f"/registry/cases/{cid}/procedures", data={**base, "side": "left", "procedure_key": "lfcn_neurectomy"})
    assert r.status_code == 303, r.text
    [p] = stored_procedures(engine, who, cid)
    assert (p["side"], [n["id"] for n in p["nerves"]]) == ("left", ["lateral_cutaneous_nerve_of_thigh"])


# --------------------------------------------------------------------------- 2. the side of an outcome's regions
def test_an_outcome_stores_and_shows_the_side_of_its_findings(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: on a left case, "skin of lateral thigh, right side" chosen on the outcome form's body map was
    saved as "skin of lateral thigh" only (the outcome had no side), so it read as the case's side. The outcome now
    stores the side (form field, API, FHIR bodySite) and the case page shows it, marking a side not the case's."""
    from neurectomy.registry.db import init_db, make_engine, read_session, write
    from neurectomy.registry.fhir import dumps, export_bundle, import_bundle, loads
    from neurectomy.registry.service import case_view, get_case

    cid = new_case(engine, who, side="left")
    c = signed_in(app, "clinician_a")
    csrf = csrf_of(c.get(f"/registry/cases/{cid}").text)
    form = {"csrf_token": csrf, "recorded_on": "2024-06-01", "timepoint": "3_months", "pain_nrs": "2"}
    r = c.post(
        f"/registry/cases/{cid}/outcomes", data={**form, "side": "right", "numb_regions": "skin of lateral thigh"}
    )
    assert r.status_code == 303, r.text
    r = c.post(f"/registry/cases/{cid}/outcomes", data=form)  # no side given: the case's
    assert r.status_code == 303, r.text
    page = c.get(f"/registry/cases/{cid}").text
    rows = re.findall(r'<td class="outcome-side">(.*?)</td>', page)
    assert rows[0].startswith("right") and "not the case's side (left)" in rows[0], rows
    assert rows[1] == "left", rows
    with read_session(engine) as s:
        bundle = dumps(export_bundle(s, who["clinician"]))
    e2 = make_engine(f"sqlite:///{Path(str(engine.url.database)).parent / 'second.sqlite3'}")
    init_db(e2)
    who2 = sup.users(e2)
    [new] = write(e2, lambda s: import_bundle(s, who2["clinician"], loads(bundle)))
    with read_session(e2) as s:
        got = case_view(get_case(s, who2["clinician"], new), who2["clinician"], full=True)
    assert [o["side"] for o in got["outcomes"]] == ["right", "left"]
    e2.dispose()


# --------------------------------------------------------------------------- 3. plain messages, the form kept
RAW = ("Input should", "String should", "after validation", "items", "(input)", "pain_nrs", "procedure_name", "^[")


def _no_raw(text: str) -> None:
    import html

    alerts = " ".join(re.findall(r'role="alert"[^>]*>(.*?)</div>', text, re.S))
    assert alerts, text[:2000]
    for raw in RAW:
        assert raw not in html.unescape(alerts), (raw, alerts)


def test_registry_refusals_are_plain_and_keep_what_was_typed(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: registry error pages showed validation text meant for programmers ("pain_nrs: Input should be
    less than or equal to 10", "(input): give the days…", "method: Value should have at least 1 item after
    validation, not 0", "indication: Value should have at most 500 items after validation, not 1800" (characters,
    not items), "username: String should match pattern '^[A-Za-z0-9_.@-]+$'"), on a page of its own, so what was
    typed was lost unless the browser's Back button kept it. Each message now names the form's label in plain
    words, and the form is shown again with what was typed."""
    cid = new_case(engine, who, side="right")
    c = signed_in(app, "clinician_a")
    csrf = csrf_of(c.get(f"/registry/cases/{cid}").text)
    outcome = {"csrf_token": csrf, "recorded_on": "2024-06-01", "days_after": "150", "notes": "typed note 7"}
    r = c.post(f"/registry/cases/{cid}/outcomes", data={**outcome, "pain_nrs": "11"})
    assert r.status_code == 422 and "Pain (NRS 0–10): at most 10" in r.text, r.text
    assert 'value="11"' in r.text and "typed note 7</textarea>" in r.text and 'value="150"' in r.text
    _no_raw(r.text)
    r = c.post(f"/registry/cases/{cid}/outcomes", data={**outcome, "days_after": ""})
    assert r.status_code == 422 and "Days after the procedure: give the days" in r.text, r.text
    _no_raw(r.text)
    proc = {"csrf_token": csrf, "performed_on": "2024-02-01", "side": "right", "procedure_key": "", "notes": "n8"}
    r = c.post(f"/registry/cases/{cid}/procedures", data={**proc, "method": "", "procedure_name": ""})
    assert r.status_code == 422, r.text
    assert "Procedure name: required" in r.text and "Method: required" in r.text, r.text
    assert 'value="2024-02-01"' in r.text and "n8</textarea>" in r.text
    _no_raw(r.text)
    r = c.post(
        "/registry/cases",
        data={"csrf_token": csrf, "pseudonym": "P-9", "indication": "x" * 1800, "side": "left", "sex": "unknown"},
    )
    assert r.status_code == 422 and "Indication: at most 500 characters (you typed 1,800)" in r.text, r.text
    assert 'value="P-9"' in r.text
    _no_raw(r.text)
    admin = signed_in(app, "admin_a")
    csrf = csrf_of(admin.get("/registry/users").text)
    r = admin.post(
        "/registry/users",
        data={
            "csrf_token": csrf,
            "action": "add",
            "username": "dr smith",
            "role": "viewer",
            "password": "a long enough passphrase 42",
        },
    )
    assert r.status_code == 422 and "Username: letters, digits and . _ @ - only" in r.text, r.text
    assert 'value="dr smith"' in r.text and 'value="viewer" selected' in r.text
    assert "a long enough passphrase 42" not in r.text  # a password is never sent back
    _no_raw(r.text)


# --------------------------------------------------------------------------- 4. the audit log in the UI's words
def test_the_audit_log_names_cases_and_details_as_the_pages_do(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: the audit log showed record uids ("case 5ba96d0a-cd87…") where every other page says "Case 1",
    and stored keys as details ("days_after: 365", "procedure_key: lfcn_neurectomy"). It now names the case (a link
    to it), the outcome/procedure/plan of that case, and each detail by its label."""
    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import Case

    [cid] = sup.populate(engine, who["clinician"], 1)
    with read_session(engine) as s:
        uid = s.get(Case, cid).uid
    c = signed_in(app, "admin_a")
    r = c.get("/registry/audit")
    assert r.status_code == 200
    table = r.text[r.text.index('<table id="audit">') :]
    assert uid not in table and uid[:8] not in table
    assert f'<a href="/registry/cases/{cid}">Case {cid}</a>' in table
    assert f"outcome of Case {cid}" in table and f"procedure on Case {cid}" in table
    assert "days after the procedure: 180" in table and "planned procedure: lateral femoral cutaneous" in table
    for raw in ("days_after", "procedure_key", "entity_id"):
        assert raw not in table, raw


# --------------------------------------------------------------------------- 5. outcomes vs evidence
def test_blank_relief_is_not_recorded_and_figures_are_like_for_like(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: "Outcomes vs evidence" counted a blank pain relief as a failure (latest follow-up NRS 1, relief
    left blank: "partial or complete pain relief" 0/1), and set E001 "complete pain relief" beside "partial or
    complete" relief, marked "overlap" (not like for like). A blank is now "not recorded" (left out of n, and said),
    and each row shows only published figures of the same measure."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import record_outcome, record_procedure

    cid = new_case(engine, who)
    write(engine, lambda s: record_procedure(s, who["clinician"], cid, sup.PROCEDURE))
    write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(365, pain_nrs=1.0, pain_relief=None)))
    rows = {r["measure"]: r for r in signed_in(app, "clinician_a").get("/api/registry/compare").json()}
    for key in ("any_relief", "complete_relief"):
        assert (rows[key]["k"], rows[key]["n"], rows[key]["not_recorded"]) == (0, 0, 1), rows[key]
    assert [p["id"] for p in rows["complete_relief"]["published"]] == ["E001"]
    assert "E001" not in [p["id"] for p in rows["any_relief"]["published"]]
    assert all("complete" not in p["outcome"] for p in rows["any_relief"]["published"])
    page = signed_in(app, "clinician_a").get("/registry/compare").text
    label = r"partial or complete pain relief \(latest follow-up recording relief\)"
    relief = re.search(label + r"</td>(.*?)</tr>", page, re.S)
    assert relief and "0/0" in relief[1] and "1 case not recorded (left out)" in relief[1], page


# --------------------------------------------------------------------------- 6. the recovery chart
def test_the_recovery_chart_counts_expected_numb_regions_and_titles_its_axes(
    app: Any, engine: Any, who: dict[str, Any]
) -> None:
    """Bug caught: the case page's "Recovery of sensation" chart had no axis titles and one x tick ("day 1825"),
    and its dots showed 0.67 while the lateral thigh was still numb: it counted regions no longer numb among all
    the plan's sensory regions, including hypoaesthetic ones never expected to be numb. The plotted measure is now
    the share of the expected-numb (anaesthetic) regions that have recovered, in percent, with both axes titled
    and readable ticks."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import attach_plan, record_outcome
    from neurectomy.web.routes.registry import recovery_chart

    plan = sup.plan_json()
    numb = {"days_after": 1825, "numb_regions": ["skin_lateral_thigh"], "side": "right"}
    chart = recovery_chart(plan, [numb])
    assert chart is not None and chart["regions"] == ["skin_lateral_thigh"]  # not the hypoaesthetic knee/patella
    assert [p["percent"] for p in chart["recorded"]] == [0]
    assert [t["label"] for t in chart["x_ticks"]] == ["0", "365", "730", "1,095", "1,460", "1,825"]
    assert [t["label"] for t in chart["y_ticks"]] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    other = recovery_chart(plan, [numb, {**numb, "numb_regions": [], "side": "left"}])
    assert other is not None and len(other["recorded"]) == 1 and other["left_out"] == 1

    cid = new_case(engine, who)
    write(engine, lambda s: attach_plan(s, who["clinician"], cid, plan))
    write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(1825)))
    page = signed_in(app, "clinician_a").get(f"/registry/cases/{cid}").text
    figure = page[page.index('id="recovery-chart"') :]
    assert "Days after the procedure</text>" in figure and "Regions recovered (%)</text>" in figure
    assert "day 1825: 0 % recovered (1 of 1 expected-numb region still numb)" in figure


# --------------------------------------------------------------------------- 7. accounts
@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("password", "Password: at least 12 characters (you typed 8)"),
        ("Password1234!", "Password: is a common password"),
        ("qwertyuiop12", "Password: is a common password"),
        ("111111111111", "Password: is a common password"),
    ],
)
def test_weak_passwords_are_refused(app: Any, who: dict[str, Any], password: str, says: str) -> None:
    """Bug caught: the Users page accepted the password "password" (8 characters were enough and nothing was too
    common). A password now has at least 12 characters and is not on the built-in list of common passwords (nor
    one of them with digits or symbols added, nor only digits or one repeated character), for a new account and a
    reset alike."""
    admin = signed_in(app, "admin_a")
    csrf = csrf_of(admin.get("/registry/users").text)
    r = admin.post(
        "/registry/users",
        data={"csrf_token": csrf, "action": "add", "username": "weak_pw", "role": "viewer", "password": password},
    )
    assert r.status_code == 422 and says in r.text, r.text
    r = admin.post(
        "/registry/users", data={"csrf_token": csrf, "action": "password", "username": "viewer_a", "password": password}
    )
    assert r.status_code == 422 and says in r.text, r.text
    r = admin.post(
        "/registry/users",
        data={
            "csrf_token": csrf,
            "action": "add",
            "username": "strong_pw",
            "role": "viewer",
            "password": "three words together",
        },
    )
    assert r.status_code == 303, r.text


def test_deactivate_asks_for_a_confirmation_first(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: "Deactivate" on the Users page acted at once, without a confirmation. It now shows a confirm
    step (no JavaScript needed) naming the account and what happens; only its own button deactivates."""
    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import User

    admin = signed_in(app, "admin_a")
    csrf = csrf_of(admin.get("/registry/users").text)
    r = admin.post("/registry/users", data={"csrf_token": csrf, "action": "deactivate", "username": "viewer_a"})
    assert r.status_code == 200 and 'id="confirm-deactivate"' in r.text and "Deactivate viewer_a?" in r.text
    with read_session(engine) as s:
        assert s.query(User).filter_by(username="viewer_a").one().active
    page = admin.get("/registry/users?deactivate=viewer_a").text
    assert 'id="confirm-deactivate-yes"' in page
    r = admin.post(
        "/registry/users",
        data={"csrf_token": csrf, "action": "deactivate", "username": "viewer_a", "confirm": "yes"},
    )
    assert r.status_code == 303 and "Deactivated" in r.headers["location"].replace("%20", " ")
    with read_session(engine) as s:
        assert not s.query(User).filter_by(username="viewer_a").one().active


# --------------------------------------------------------------------------- 8. wording
def test_case_page_wording_nrs_complications_and_status(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: the case page showed the pain NRS as "2.0"/"0.0", a complication as its lower-cased code ("csf
    leak"), and a case without a plan as "planned" beside "No plan stored". NRS is shown as recorded ("2"),
    complications by their labels ("CSF leak"), and a case before its operation says so, with why no plan is
    stored."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import record_outcome

    cid = new_case(engine, who, procedure_key=None)
    write(
        engine,
        lambda s: record_outcome(
            s, who["clinician"], cid, sup.outcome(30, pain_nrs=2.0, complications=["csf_leak"], pain_relief=None)
        ),
    )
    c = signed_in(app, "clinician_a")
    other = new_case(engine, who, procedure_key=None, pseudonym="MP-002")
    page = c.get(f"/registry/cases/{cid}").text
    table = page[page.index('id="outcomes-table"') : page.index("</table>", page.index('id="outcomes-table"'))]
    assert '<td class="num">2</td>' in table and "2.0" not in table
    assert "CSF leak" in table and "csf leak" not in table and "not recorded" in table
    page = c.get(f"/registry/cases/{other}").text
    h1 = page[page.index("<h1>") : page.index("</h1>")]
    assert "before the operation" in h1 and "planned" not in h1
    assert "No plan stored: the case names no procedure yet." in page
    assert "CSF leak" in page  # the form's checkbox too


# --------------------------------------------------------------------------- 9. the site icon
def test_favicon_ico_is_served(app: Any) -> None:
    """Bug caught: a page without an icon link (/plan/report.html, a saved report) made the browser ask for
    /favicon.ico, which answered 404 and logged a console error. /favicon.ico now serves the site's SVG icon, and
    every registry page links the icon (base layout)."""
    c = TestClient(app)
    r = c.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.lstrip().startswith(b"<svg") or b"<svg" in r.content[:200]
    assert 'rel="icon"' in c.get("/registry/login").text
