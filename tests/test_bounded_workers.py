"""Issue 19, item 3 (scale out): ``serve --workers 2`` runs two worker processes that share the registry database
(job state, rate-limit counters) and one Dask scheduler; a job queued through one worker is reported by any."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import test_registry_support as sup
from tests.test_bounded_web import _free_port

SMALL = {"method": "surgical_cut", "n_axons": 30, "days": 20, "replicates": 2, "seed": 1}


@pytest.mark.slow
def test_two_workers_share_jobs_and_rate_limits(tmp_path: Path) -> None:
    """Finding: jobs and limits lived in one process's memory, so `--workers N` would lose jobs (a poll landing
    on another worker: 404) and multiply every rate limit by N."""
    from neurectomy.registry.db import init_db, make_engine

    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    engine = make_engine(url)
    init_db(engine)
    sup.users(engine)
    port = _free_port()
    env = dict(os.environ, NEURECTOMY_DATABASE_URL=url, NEURECTOMY_WEB_RATE_LIMIT="6/minute")
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurectomy", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/lesion", params={"nerve": "median nerve"}, timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("the server did not start")
        r = httpx.post(base + "/api/registry/session", json={"username": "clinician_a", "password": sup.PASSWORD})
        h = {"Authorization": f"Bearer {r.json()['token']}"}
        job_ids = []
        for _ in range(2):  # new connections: the kernel spreads them over both workers
            r = httpx.post(base + "/api/simulate/jobs", json=SMALL, headers=h, timeout=60)
            assert r.status_code == 202, r.text
            job_ids.append(r.json()["id"])
        for job_id in job_ids:
            deadline = time.monotonic() + 120
            while True:
                st = httpx.get(f"{base}/api/simulate/jobs/{job_id}", timeout=30)  # a fresh connection each poll
                assert st.status_code == 200, st.text
                if st.json()["status"] == "done" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert st.json()["status"] == "done", st.text
        # the rate limit is counted in the database: 6 per minute in all, whichever worker answers
        codes = [
            httpx.get(base + "/api/target", params={"region": "skin of lateral thigh"}, timeout=60).status_code
            for _ in range(8)
        ]
        assert codes.count(200) == 6 and codes[-2:] == [429, 429], codes
    finally:
        proc.terminate()
        proc.wait(timeout=60)
