"""Issue 19, item 3 (bounded work), over HTTP: the server's limits on expensive requests, its rate limits, its bounded
solve pool, and work that stops when the client goes away. Each test names the finding it guards against."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from neurectomy.api import default_atlas
from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings

#: Far above every limit set here: only work that ignores its limit (as before: minutes) gets near it.
HANG_S = 60.0


def hostile_target_params() -> dict[str, object]:
    """30 muscles at 37% coverage, 10 alternatives: a valid /api/target query whose exact search ran for 214 s."""
    muscles = sorted(t.name for t in default_atlas().targets if t.kind == "muscle")
    return {"region": random.Random(1).sample(muscles, 30), "coverage": 0.37, "top": 10}


def test_hostile_target_query_answers_within_its_limit() -> None:
    """Finding: /api/target took 7.9 s (and this query minutes) with no limit. Now a 422 names the limit, in time."""
    client = TestClient(create_app(Settings(solve_seconds=1.0, max_top=10)))
    start = time.monotonic()
    r = client.get("/api/target", params=hostile_target_params())
    assert time.monotonic() - start < HANG_S
    assert r.status_code == 422, r.text
    assert "limit of 1 s" in r.json()["detail"][0]["msg"]


def test_the_issue_hostile_queries_answer_at_once() -> None:
    """Finding: /api/localise?hypo=r ran for 480 s, ?numb=skin > 60 s, /api/target?region=skin 7.9 s. Each now
    answers with an error (unknown or ambiguous name) long before the server's search limit."""
    client = TestClient(create_app(Settings(solve_seconds=5.0)))
    for path, params in (
        ("/api/localise", {"hypo": "r"}),
        ("/api/localise", {"numb": "skin"}),
        ("/api/target", {"region": "skin"}),
    ):
        start = time.monotonic()
        r = client.get(path, params=params)
        assert time.monotonic() - start < HANG_S
        assert r.status_code in (404, 422), (path, params, r.text)


def test_phrase_above_the_target_cap_is_refused() -> None:
    """A phrase that stands for more targets than the server's cap is a 422 naming the count and the cap."""
    client = TestClient(create_app(Settings(max_targets_per_phrase=2)))
    r = client.get("/api/target", params={"function": "vertigo"})
    assert r.status_code == 422
    msg = r.json()["detail"][0]["msg"]
    assert "5 targets" in msg and "at most 2" in msg


def test_expensive_requests_are_rate_limited_per_client() -> None:
    """Finding: unlimited unauthenticated work. Above the per-client rate a 429 with Retry-After; cheap
    endpoints (lesion) are not counted."""
    client = TestClient(create_app(Settings(rate_limit="2/minute")))
    codes = [client.get("/api/target", params={"region": "skin of lateral thigh"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.get("/api/localise", params={"numb": "skin of lateral thigh"})
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert client.get("/api/lesion", params={"nerve": "median nerve"}).status_code == 200


# --------------------------------------------------------------------------- a real server: disconnects, throughput
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of process ``pid`` and its child processes (the server's search workers run the searches)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = dict(
        os.environ,
        NEURECTOMY_WEB_SOLVE_SECONDS="60",  # the abandoned searches would run for a minute unless cancelled
        NEURECTOMY_WEB_MAX_TOP="10",
        NEURECTOMY_DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurectomy", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/lesion", params={"nerve": "median nerve"}, timeout=10).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start")
    try:
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _lesion_rate(url: str, seconds: float = 3.0, clients: int = 4) -> float:
    """/api/lesion answers per second from ``clients`` concurrent clients."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        with httpx.Client(timeout=30) as c:
            while time.monotonic() < stop:
                assert c.get(url + "/api/lesion", params={"nerve": "ulnar nerve"}).status_code == 200
                done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def _abandon(url: str, n: int = 4) -> None:
    """Send ``n`` hostile searches and hang up on each after half a second."""

    def one() -> None:
        with contextlib.suppress(httpx.TimeoutException):
            httpx.get(url + "/api/target", params=hostile_target_params(), timeout=0.5)  # type: ignore[arg-type]

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _settle(pid: int, deadline_s: float = 30.0) -> float:
    """Wait until the server is idle (under 0.05 s of CPU in a second); the seconds that took (inf: never)."""
    start = time.monotonic()
    last = _cpu_seconds(pid)
    while time.monotonic() - start < deadline_s:
        time.sleep(1.0)
        now = _cpu_seconds(pid)
        if now - last < 0.05:
            return time.monotonic() - start
        last = now
    return float("inf")


@pytest.mark.slow
def test_abandoned_hostile_requests_stop_and_lesion_keeps_its_throughput(server: tuple[str, int]) -> None:
    """Finding: work went on after the client disconnected, and four abandoned requests halved /api/lesion
    throughput. What halved it was the CPU the abandoned searches kept using, so that is what is measured, in CPU
    seconds of the server process (not wall-clock throughput, which a loaded machine moves either way): four
    hostile searches, each abandoned after half a second, may cost the server a few CPU seconds in all; searches
    that went on (each until the 60 s limit set here) would cost minutes and keep the server busy. The /api/lesion
    rates before and after are printed as figures."""
    url, pid = server
    baseline = max(_lesion_rate(url, 2.0) for _ in range(2))  # the better of two windows: less noise from others
    assert _settle(pid) < float("inf"), "the server is busy before the test"
    cpu0 = _cpu_seconds(pid)
    _abandon(url)
    idle_after = _settle(pid)
    spent = _cpu_seconds(pid) - cpu0
    after = 0.0
    for _ in range(2):
        _abandon(url)
        after = max(after, _lesion_rate(url, 2.0))
    print(
        f"BOUNDED-WORK: server_cpu_s_for_4_abandoned={spent:.2f} idle_after_s={idle_after:.0f} "
        f"lesion_rps_baseline={baseline:.0f} lesion_rps_after_4_abandoned={after:.0f} ratio={after / baseline:.2f}"
    )
    assert idle_after < float("inf"), "the abandoned searches were still running 30 s after their clients left"
    assert spent < 10.0, f"{spent:.1f} CPU seconds for four searches abandoned after half a second"


def test_the_simulate_page_run_stops_at_the_time_limit() -> None:
    """Finding: signed out, the Simulate page runs the simulation itself (jobs need a login), and that run had no
    time limit: up to max_replicates replicates of max_axons axons over max_days. Now it stops at the server's
    search time limit with a 422 naming the limit and what to do, after the replicate that passed it."""
    client = TestClient(create_app(Settings(solve_seconds=0.01)))
    params = {"run": "stump", "n_axons": "2000", "days": "1000", "replicates": "40"}
    start = time.monotonic()
    r = client.get("/simulate", params=params)
    assert time.monotonic() - start < HANG_S
    assert r.status_code == 422, r.text[:500]
    assert "limit of 0.01 s" in r.text and "sign in to run it as a background job" in r.text
    ok = TestClient(create_app(Settings())).get("/simulate", params={**params, "replicates": "2", "n_axons": "50"})
    assert ok.status_code == 200 and "2 replicate(s)" in ok.text


Message = dict[str, Any]


def _drive(mw: Any, path: str, sent: list[tuple[Message, int]], leave_after: float | None = None) -> Any:
    """One GET of ``path`` through the middleware ``mw``; ``sent`` gets each message the server is handed, with the
    middleware's count of waiting requests at that moment. The client stays, or goes away ``leave_after`` s after
    sending its request."""
    from types import SimpleNamespace

    app = SimpleNamespace(state=SimpleNamespace(settings=mw.settings))
    scope = {"type": "http", "path": path, "client": ("10.0.0.1", 1), "app": app, "method": "GET"}
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600 if leave_after is None else leave_after)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append((message, mw.waiting))

    return mw(scope, receive, send)


def _run_async(coro: Any) -> None:
    """``asyncio.run(coro)`` in a thread of its own: the browser tests' Playwright keeps an event loop running in
    the main thread for the whole session, where ``asyncio.run`` refuses to start another."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def _answer(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}", "more_body": False})


def _starts(sent: list[tuple[Message, int]]) -> list[Message]:
    return [m for m, _ in sent if m["type"] == "http.response.start"]


def test_a_request_is_no_longer_counted_once_its_answer_is_handed_over() -> None:
    """Finding (bench_web with wrk, 16 keep-alive connections): 503 'the server is busy' at 16 requests in flight,
    under the pool's 2 + 16. A keep-alive client sends its next request as soon as it reads an answer, but the
    answered request was counted until the middleware's call returned, after the last byte; 16 clients could be
    counted as up to 32. The count must drop before the last body message is handed to the server."""
    from neurectomy.web.bounded import BoundedWork

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await _answer(send)

    mw = BoundedWork(app, Settings(rate_limit="1000/minute"))
    sent: list[tuple[Message, int]] = []
    _run_async(_drive(mw, "/api/target", sent))
    (start, counted_at_start), (last, counted_at_last) = sent
    assert start["type"] == "http.response.start" and counted_at_start == 1
    assert last["type"] == "http.response.body" and counted_at_last == 0
    assert mw.waiting == 0


def test_a_full_solve_pool_answers_503_with_retry_after() -> None:
    """Finding guarded: the bounded pool (solve_slots computing, solve_queue waiting) had no test; a request past
    it must get 503 with Retry-After at once, and the pool is empty again once the others are answered."""
    from neurectomy.web.bounded import BoundedWork

    release = asyncio.Event()

    async def slow(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await _answer(send)

    mw = BoundedWork(slow, Settings(rate_limit="1000/minute", solve_slots=1, solve_queue=1))
    sent: list[list[tuple[Message, int]]] = [[], [], []]

    async def scenario() -> None:
        running = [asyncio.create_task(_drive(mw, "/api/target", s)) for s in sent[:2]]
        await asyncio.sleep(0.05)
        await _drive(mw, "/api/target", sent[2])  # the pool holds 1 computing + 1 waiting: refused at once
        release.set()
        await asyncio.gather(*running)

    _run_async(scenario())
    assert [m["status"] for s in sent for m in _starts(s)] == [200, 200, 503]
    assert dict(_starts(sent[2])[0]["headers"]).get(b"retry-after")
    assert mw.waiting == 0


def test_a_request_abandoned_in_the_queue_frees_its_place_at_once() -> None:
    """Finding (bench_web, two wrk runs back to back): the first run's queued requests, abandoned when its
    connections closed, kept their places until each got a solve slot, so the next clients got 503 'busy' for a
    while. A queued request whose client has gone must leave the queue at once, without ever computing."""
    from neurectomy.web.bounded import BoundedWork

    release = asyncio.Event()
    computed: list[str] = []

    async def slow(scope: Any, receive: Any, send: Any) -> None:
        computed.append(scope["path"])
        await release.wait()
        await _answer(send)

    mw = BoundedWork(slow, Settings(rate_limit="1000/minute", solve_slots=1, solve_queue=1))
    sent: list[list[tuple[Message, int]]] = [[], [], []]

    async def scenario() -> None:
        first = asyncio.create_task(_drive(mw, "/api/target", sent[0]))
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(_drive(mw, "/api/target/queued", sent[1], leave_after=0.01))
        await asyncio.sleep(0.05)
        assert mw.waiting == 1, "the abandoned request still holds its place in the queue"
        await asyncio.wait_for(queued, 1.0)
        third = asyncio.create_task(_drive(mw, "/api/target", sent[2]))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(first, third)

    _run_async(scenario())
    assert [m["status"] for s in sent for m in _starts(s)] == [200, 200]  # the first and the third
    assert computed == ["/api/target", "/api/target"]
    assert mw.waiting == 0
