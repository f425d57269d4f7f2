"""/api/target's searches in worker processes (web/solvepool.py): the same answers and the same errors as a search
run in the server's own process, and a budget that still binds there."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neurectomy.api import default_atlas
from neurectomy.budget import Budget, Cancelled, WorkLimitError
from neurectomy.names import AmbiguousNameError, UnknownNameError
from neurectomy.requests import TargetRequest
from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings
from neurectomy.web.solvepool import SolvePool, _rebuilt

QUERIES: list[dict[str, Any]] = [
    {"region": "skin of lateral thigh"},
    {"function": "palmar sweating", "side": "right"},
    {"function": "knee pain", "top": 4},
    {"condition": "Morton's neuroma, third web space"},
    {"region": ["posterior thigh", "skin of lateral heel"], "spare_motor": True, "weight": "skin=2"},
    # errors: unknown (with suggestions), ambiguous, infeasible, a field out of range
    {"region": "skin of lateral thig"},
    {"region": "skin of dorsum of foot"},
    {"region": "skin of lateral thigh", "avoid": "lateral cutaneous nerve of thigh"},
    {"region": "skin of lateral thigh", "coverage": 7},
]


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    settings = Settings(rate_limit="100000/minute")
    with (
        TestClient(create_app(settings)) as threads,
        TestClient(create_app(settings.model_copy(update={"search_processes": True}))) as processes,
    ):
        assert processes.app.state.solve_pool is not None and threads.app.state.solve_pool is None  # type: ignore[attr-defined]
        yield threads, processes


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: str(p)[:60])
def test_a_search_in_a_worker_process_answers_as_one_in_the_server(
    clients: tuple[TestClient, TestClient], params: dict[str, Any]
) -> None:
    """Bug caught: a search run in a worker process answering differently (another plan, a lost condition or
    note), or its error coming back as a 500 or with another status or message (an exception whose constructor
    takes other arguments than its ``args`` cannot be unpickled as is)."""
    threads, processes = clients
    here, there = threads.get("/api/target", params=params), processes.get("/api/target", params=params)
    assert (there.status_code, there.json()) == (here.status_code, here.json())


def test_errors_come_back_as_they_were_raised() -> None:
    """Bug caught: rebuilding an error by calling its constructor with its ``args`` (UnknownNameError takes kind,
    query and suggestions; WorkLimitError a field, message and limit): a TypeError, or lost attributes."""
    for error in (
        UnknownNameError("region", "skin of lateral thig", ["skin of lateral thigh"], field="region"),
        AmbiguousNameError("region", "back", ["skin of back, left", "skin of back, right"]),
        WorkLimitError("region", "too much work", "seconds"),
    ):
        back = _rebuilt(type(error), error.args, dict(vars(error)))
        assert type(back) is type(error)
        assert back.args == error.args and vars(back) == vars(error)
        assert str(back) == str(error)


def test_a_cancelled_search_stops_in_its_worker_process() -> None:
    """Bug caught: the client's disconnect not reaching the worker process, where the search ran on until its own
    limit (here a minute); the flag in shared memory stops it, as :class:`Cancelled`."""
    muscles = sorted(t.name for t in default_atlas().targets if t.kind == "muscle")
    hostile = TargetRequest.build(random.Random(1).sample(muscles, 30), (), coverage=0.37, top=10)
    pool = SolvePool(1)
    try:
        cancel = threading.Event()
        threading.Timer(0.5, cancel.set).start()
        with pytest.raises(Cancelled):
            pool.target_json(hostile, Budget(60.0, None, None, cancel))
        # the slot is free again, and the next search is not cancelled
        answer = pool.target_json(TargetRequest.build(["skin of lateral thigh"]), Budget(60.0, None, None))
        assert answer["plans"]
    finally:
        pool.close()


def test_a_killed_worker_is_replaced_and_the_search_answered() -> None:
    """Bug caught: a worker process that died (killed, out of memory) broke the pool for good: every later search
    answered 500 (BrokenProcessPool) until the server was restarted."""
    import multiprocessing
    import os
    import signal

    pool = SolvePool(1)
    try:
        request = TargetRequest.build(["skin of lateral thigh"])
        first = pool.target_json(request, Budget(60.0, None, None))
        workers = multiprocessing.active_children()
        assert workers
        for worker in workers:
            os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
            worker.join(30)
        assert pool.target_json(request, Budget(60.0, None, None)) == first
    finally:
        pool.close()


def test_workers_end_with_their_server(tmp_path: Any) -> None:
    """Bug caught: worker processes outlived a server that was killed (or stopped by a signal without running its
    shutdown): 27 of them were found running, idle, after a day of starting and stopping servers."""
    import json
    import os
    import subprocess
    import sys
    import time

    script = (
        "import json, multiprocessing, os\n"
        "from neurectomy.budget import Budget\n"
        "from neurectomy.requests import TargetRequest\n"
        "from neurectomy.web.solvepool import SolvePool\n"
        "pool = SolvePool(2)\n"
        "pool.target_json(TargetRequest.build(['skin of lateral thigh']), Budget(60.0, None, None))\n"
        "print(json.dumps([p.pid for p in multiprocessing.active_children()]), flush=True)\n"
        "os._exit(0)  # no shutdown: as a server killed by a signal\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    pids = json.loads(out.stdout.strip().splitlines()[-1])
    assert pids

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    deadline = time.monotonic() + 60  # far above the workers' 1 s check; only workers that never end reach it
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if alive(p)]
    for p in left:
        os.kill(p, 9)
    assert not left, f"worker processes {left} outlived their server"
