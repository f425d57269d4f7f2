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


def _lost_job(engine: Any, request: dict[str, Any], status: str = "queued", age_s: float = 600.0) -> str:
    """A row as a server that died leaves it: queued or running, its work gone with the process's cluster."""
    import uuid

    from neurectomy.registry.db import write
    from neurectomy.registry.models import SimulationJob

    job_id = uuid.uuid4().hex
    then = time.time() - age_s
    row = SimulationJob(
        id=job_id, owner="user:clinician_a", status=status, progress=0.5 if status == "running" else 0.0,
        request=request, result=None, error=None, cancel=False, created_at=then, updated_at=then,
    )  # fmt: skip
    write(engine, lambda s: s.add(row))
    return job_id


def test_jobs_lost_with_their_process_run_again_or_fail_at_startup(engine: Any) -> None:
    """Finding: with one worker and the in-process Dask cluster a job dies with the process, and its row stayed
    "queued" (or "running") for ever. At startup the server queues such jobs again, or marks them failed saying
    why when their inputs cannot run on it any more (here: above a limit lowered since)."""
    sup.users(engine)
    queued = _lost_job(engine, SMALL)
    running = _lost_job(engine, {**SMALL, "seed": 2}, status="running")
    too_big = _lost_job(engine, {**SMALL, "n_axons": 5000})
    with TestClient(_app(engine, recover_jobs=True, max_axons=1000)) as client:
        assert _wait(client, queued)["status"] == "done"
        assert _wait(client, running)["status"] == "done"
        failed = _wait(client, too_big)
        assert failed["status"] == "failed" and failed["result"] is None
        assert "lost when the server stopped" in failed["error"] and "at most 1000 axons" in failed["error"]


def test_a_poll_finds_a_lost_job_and_runs_it_again(engine: Any) -> None:
    """Finding as above, for a server that was not restarted (a scheduler that lost its tasks): a poll of a job
    untouched for a minute checks the scheduler, and a job it does not know is run again. A job that is merely
    waiting is left alone: the scheduler knows it."""
    sup.users(engine)
    lost = _lost_job(engine, SMALL)
    with TestClient(_app(engine)) as client:
        assert _wait(client, lost)["status"] == "done"
        store = client.app.state.jobs  # type: ignore[attr-defined]
        waiting = store.submit("user:admin_a", LONG)["id"]
        from sqlalchemy import update

        from neurectomy.registry.db import write
        from neurectomy.registry.models import SimulationJob

        stmt = update(SimulationJob).where(SimulationJob.id == waiting).values(updated_at=time.time() - 600)
        write(engine, lambda s: s.execute(stmt))
        assert store.recover(60.0) == {"requeued": [], "failed": []}, "a job the scheduler holds is not lost"


@pytest.mark.slow
def test_a_job_survives_kill_9_of_its_server(tmp_path: Path) -> None:
    """Finding: a job queued on a one-worker server (in-process Dask cluster) died with the process and its row
    stayed "queued" for ever. kill -9 the server right after it accepted a job; the restarted server finishes the
    job (the same id answers done with its result)."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    from neurectomy.registry.db import init_db, make_engine, read_session
    from neurectomy.registry.models import SimulationJob
    from tests.test_bounded_web import _free_port

    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    engine = make_engine(url)
    init_db(engine)
    sup.users(engine)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, NEURECTOMY_DATABASE_URL=url)

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "neurectomy", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/atlas/stats", timeout=10).status_code == 200:
                    return proc
            except httpx.HTTPError:
                time.sleep(0.3)
        proc.kill()
        pytest.fail("the server did not start")

    job = {**SMALL, "n_axons": 300, "days": 180, "replicates": 10}
    proc = start()
    try:
        r = httpx.post(base + "/api/registry/session", json={"username": "clinician_a", "password": sup.PASSWORD})
        r = httpx.post(base + "/api/simulate/jobs", json=job, headers={"Authorization": f"Bearer {r.json()['token']}"})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        with read_session(engine) as s:
            row = s.get(SimulationJob, job_id)
            assert row is not None and row.status in ("queued", "running"), "killed before it finished"
        time.sleep(5.5)  # past the startup grace (jobs.GRACE_S) that protects a row another process is submitting
        proc = start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            st = httpx.get(f"{base}/api/simulate/jobs/{job_id}", timeout=30).json()
            if st["status"] not in ("queued", "running"):
                break
            time.sleep(0.5)
        assert st["status"] == "done", st
        assert st["result"]["replicates"] == 10
    finally:
        proc.kill()
        proc.wait(timeout=30)
