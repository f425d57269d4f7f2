"""Web API under a bounded local load: requests/s and p95 latency of ``/api/lesion`` and ``/api/target``.

The server (``neurectomy serve``, Uvicorn) runs in a second process on 127.0.0.1; an ``httpx.AsyncClient`` sends
``--requests`` requests with ``--concurrency`` in flight, stopping at ``--time-cap`` seconds. The baseline is the
same calls through the Python API in-process (``neurectomy.lesion(...).to_dict()``, ``neurectomy.target(...)``),
measured in the same run; the ratio is web requests/s over in-process calls/s. Loopback only.

Run: ``.venv/bin/python benchmarks/bench_web.py [--requests 600] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

LESIONS: list[dict[str, str]] = [
    {"nerve": "sural nerve"},
    {"nerve": "common fibular nerve", "at": "fibular neck"},
    {"nerve": "median nerve", "at": "carpal tunnel"},
    {"nerve": "ulnar nerve", "side": "right"},
    {"nerve": "lateral cutaneous nerve of thigh"},
    {"nerve": "femoral nerve", "at": "inguinal ligament"},
    {"nerve": "radial nerve"},
    {"nerve": "tibial nerve", "mm": "100"},
]
TARGETS: list[dict[str, str]] = [
    {"region": "posterior thigh"},
    {"region": "skin of lateral thigh"},
    {"function": "palmar sweating"},
    {"region": "skin of lateral heel"},
    {"function": "knee pain"},
    {"function": "vertigo"},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    db = os.path.join(tempfile.mkdtemp(prefix="neurectomy-bench-web-"), "registry.db")
    env = {**os.environ, "NEURECTOMY_WEB_LOG_LEVEL": "warning", "NEURECTOMY_DATABASE_URL": f"sqlite:///{db}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurectomy", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/api/atlas/stats", timeout=2):
                return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def requests_list(n: int) -> list[tuple[str, dict[str, str]]]:
    """Alternating lesion and target requests, cycling through the samples."""
    out: list[tuple[str, dict[str, str]]] = []
    for i in range(n):
        if i % 2 == 0:
            out.append(("/api/lesion", LESIONS[(i // 2) % len(LESIONS)]))
        else:
            out.append(("/api/target", TARGETS[(i // 2) % len(TARGETS)]))
    return out


async def load(base: str, work: list[tuple[str, dict[str, str]]], concurrency: int, cap: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    stop = time.perf_counter() + cap
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty() and time.perf_counter() < stop:
                path, params = queue.get_nowait()
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, params=params)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"done": len(latencies), "seconds": elapsed, "latencies": latencies, "errors": errors}


def in_process(work: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """The same calls through the Python API, one after another."""
    import neurectomy

    latencies = []
    start = time.perf_counter()
    for path, params in work:
        t0 = time.perf_counter()
        if path == "/api/lesion":
            p = dict(params)
            mm = float(p.pop("mm")) if "mm" in p else None
            json.dumps(neurectomy.lesion(p.pop("nerve"), mm=mm, **p).to_dict())  # type: ignore[arg-type]
        else:
            json.dumps(
                neurectomy.target(
                    regions=[params["region"]] if "region" in params else [],
                    functions=[params["function"]] if "function" in params else [],
                ).to_dict()
            )
        latencies.append(time.perf_counter() - t0)
    return {"done": len(work), "seconds": time.perf_counter() - start, "latencies": latencies}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) >= 2 else (values[0] if values else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-cap", type=float, default=60.0)
    args = parser.parse_args()
    work = requests_list(args.requests)

    in_process(requests_list(2 * (len(LESIONS) + len(TARGETS))))  # warm up imports, caches and the solver
    base_line = in_process(work)
    proc, base = start_server()
    try:
        asyncio.run(load(base, requests_list(2 * (len(LESIONS) + len(TARGETS))), 4, 60))  # warm the server
        web = asyncio.run(load(base, work, args.concurrency, args.time_cap))
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    web_rps = web["done"] / web["seconds"]
    base_rps = base_line["done"] / base_line["seconds"]
    print(
        f"in-process API: {base_line['done']} calls in {base_line['seconds']:.2f} s = {base_rps:.0f}/s, "
        f"p95 {p95(base_line['latencies']) * 1000:.1f} ms"
    )
    print(
        f"web (uvicorn, {args.concurrency} concurrent, loopback): {web['done']} requests in {web['seconds']:.2f} s "
        f"= {web_rps:.0f}/s, p95 {p95(web['latencies']) * 1000:.1f} ms, errors {web['errors']}"
    )
    print(
        json.dumps(
            {
                "benchmark": "web",
                "baseline": "in-process API",
                "ratio": round(web_rps / base_rps, 3),
                "bar": None,
                "rps": round(web_rps, 1),
                "p95_ms": round(p95(web["latencies"]) * 1000, 2),
                "baseline_rps": round(base_rps, 1),
                "baseline_p95_ms": round(p95(base_line["latencies"]) * 1000, 2),
                "requests": web["done"],
                "concurrency": args.concurrency,
                "errors": web["errors"],
            }
        )
    )


if __name__ == "__main__":
    main()
