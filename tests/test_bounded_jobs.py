"""Issue 19, item 3: simulation jobs need a login, their queue is bounded (429/503 with Retry-After), evicted ids
answer 410 and their work stops, and job state lives in the registry database so that any worker reports any job.
Each test names the finding it guards against."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings
from tests import test_registry_support as sup

SMALL = {"method": "surgical_cut", "n_axons": 30, "days": 20, "replicates": 2, "seed": 1}
#: A job long enough to still be queued or running when the next requests arrive.
LONG = {"method": "surgical_cut", "n_axons": 3000, "days": 2000, "replicates": 40, "seed": 1}


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    yield from sup.engine_for("sqlite", tmp_path)


def _app(engine: Any, **settings: Any) -> Any:
    app = create_app(Settings(**settings))
    app.state.registry_engine = engine
    return app


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/registry/session", json={"username": username, "password": sup.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _wait(client: TestClient, job_id: str, until: tuple[str, ...] = ("done", "failed")) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        st = client.get(f"/api/simulate/jobs/{job_id}").json()
        if st["status"] in until:
            return dict(st)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {st}")


def test_starting_a_job_needs_a_login(engine: Any) -> None:
    """Finding: POST /api/simulate/jobs accepted unlimited unauthenticated jobs (41 of ~5 minutes each)."""
    sup.users(engine)
    with TestClient(_app(engine)) as client:
        assert client.post("/api/simulate/jobs", json=SMALL).status_code == 401
        r = client.post("/api/simulate/jobs", json=SMALL, headers=_bearer(client, "clinician_a"))
        assert r.status_code == 202, r.text
        st = _wait(client, r.json()["id"])
        assert st["status"] == "done" and st["progress"] == 1.0
        assert len(st["result"]["reached"]["mean"]) == len(st["result"]["days"]) == 21


def test_the_job_queue_is_bounded_with_retry_after(engine: Any) -> None:
    """Finding: the job queue had no bound. A user's jobs beyond their share answer 429, the server's beyond its
    bound 503, both with Retry-After."""
    sup.users(engine)
    with TestClient(_app(engine, max_user_jobs=1, max_active_jobs=2)) as client:
        a, b, c = (_bearer(client, u) for u in ("clinician_a", "admin_a", "viewer_a"))
        assert client.post("/api/simulate/jobs", json=LONG, headers=a).status_code == 202
        r = client.post("/api/simulate/jobs", json=LONG, headers=a)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert client.post("/api/simulate/jobs", json=LONG, headers=b).status_code == 202
        r = client.post("/api/simulate/jobs", json=LONG, headers=c)
        assert r.status_code == 503 and int(r.headers["retry-after"]) > 0


def test_an_evicted_job_answers_410_and_its_work_stops(engine: Any) -> None:
    """Finding: evicted job ids answered 404 while the work stayed queued. Now an evicted id answers 410 (an
    unknown one 404) and the evicted job's work stops: its row is never updated again."""
    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import SimulationJob

    sup.users(engine)
    with TestClient(_app(engine, max_jobs=1, max_user_jobs=5, max_active_jobs=5)) as client:
        h = _bearer(client, "clinician_a")
        first = client.post("/api/simulate/jobs", json=LONG, headers=h).json()["id"]
        second = client.post("/api/simulate/jobs", json=SMALL, headers=h).json()["id"]
        r = client.get(f"/api/simulate/jobs/{first}")
        assert r.status_code == 410, r.text
        assert client.get("/api/simulate/jobs/" + "0" * 32).status_code == 404
        assert _wait(client, second)["status"] == "done"
        with read_session(engine) as s:
            before = s.get(SimulationJob, first)
            assert before is not None and before.cancel and before.status == "evicted"
            stamp = before.updated_at
        time.sleep(1.0)
        with read_session(engine) as s:
            row = s.get(SimulationJob, first)
            assert row is not None and row.updated_at == stamp and row.result is None


def test_any_app_on_the_same_database_reports_any_job(engine: Any) -> None:
    """Finding: jobs were kept in one process's memory. A second app (another worker process) on the same
    database reports a job the first one queued."""
    sup.users(engine)
    with TestClient(_app(engine)) as one, TestClient(_app(engine)) as other:
        job_id = one.post("/api/simulate/jobs", json=SMALL, headers=_bearer(one, "clinician_a")).json()["id"]
        assert _wait(other, job_id)["status"] == "done"
