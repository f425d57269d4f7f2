"""Web API under a bounded local load: ``/api/lesion`` requests/s and ``/api/target`` p95 latency (DESIGN §7).

The server (``neurectomy serve``, Uvicorn) runs in a second process on 127.0.0.1; an ``httpx.AsyncClient`` sends
``--requests`` requests to each endpoint in turn (lesion first, then target) with ``--concurrency`` in flight,
stopping at ``--time-cap`` seconds per endpoint. Enforced: 0 errors (a non-200 status, a transport error or a
timeout) and every request answered within the time cap. Reported against the DESIGN §7 bars, and enforced only
with ``--strict``: ``/api/lesion`` ≥ 300 requests/s and ``/api/target`` p95 < 150 ms at 16 concurrent on 2 cores
(both depend on what else the two cores are doing).

Baseline, measured in the same run: the same calls through the Python API in-process, one after another
(``neurectomy.lesion(...).to_dict()``, ``neurectomy.target(...).to_dict()``, serialised with ``json.dumps``); the
ratios are web requests/s over in-process calls/s, per endpoint.

Same output: every response body received under load is kept and, after the timing, parsed and compared with the
in-process JSON of the same request (``json.loads(json.dumps(obj.to_dict()))``) — equal values, not only equal
keys (``same_output``). Loopback only.

With ``--wrk SECONDS`` (and ``wrk`` on the PATH: Debian's ``wrk`` package), the same samples are also sent by wrk,
a C client that takes far less of the two cores than the Python one, for SECONDS per endpoint with
``--concurrency`` connections; its requests/s, p95 and errors are printed and kept under ``"wrk"`` (wrk cannot
compare the answers; the Python client's run does).

Run: ``.venv/bin/python benchmarks/bench_web.py [--requests 600] [--concurrency 16] [--wrk 15] [--strict]``. The
last line is one JSON object (DESIGN §9); the exit status is 1 on an error (of either client), an unanswered
request or a differing response (and, with ``--strict``, on a missed throughput or latency bar).
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
LESION_RPS_BAR = 300.0
TARGET_P95_BAR_MS = 150.0

Request = tuple[str, dict[str, str]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    db = os.path.join(tempfile.mkdtemp(prefix="neurectomy-bench-web-"), "registry.db")
    env = {
        **os.environ,
        "NEURECTOMY_WEB_LOG_LEVEL": "warning",
        "NEURECTOMY_DATABASE_URL": f"sqlite:///{db}",
        # the one loopback client stands for many: the per-client limit on expensive requests (120/minute by
        # default, issue 19) would answer most of /api/target with 429 and measure the limiter, not the search
        "NEURECTOMY_WEB_RATE_LIMIT": "1000000/minute",
    }
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


WRK_LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "seconds": %.3f, "p95_ms": %.2f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(95.0) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_load(base: str, path: str, samples: list[dict[str, str]], concurrency: int, seconds: float) -> dict[str, Any]:
    """``wrk`` sending ``samples`` in turn to ``path`` for ``seconds`` with ``concurrency`` connections."""
    import shutil
    import urllib.parse

    exe = shutil.which("wrk")
    if exe is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    with tempfile.TemporaryDirectory(prefix="neurectomy-wrk-") as tmp:
        script, paths = os.path.join(tmp, "paths.lua"), os.path.join(tmp, "paths.txt")
        with open(script, "w", encoding="utf-8") as f:
            f.write(WRK_LUA)
        with open(paths, "w", encoding="utf-8") as f:
            f.write("".join(f"{path}?{urllib.parse.urlencode(p)}\n" for p in samples))
        out = subprocess.run(
            [exe, "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "-s", script, base],
            env={**os.environ, "BENCH_PATHS": paths},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def requests_list(path: str, samples: list[dict[str, str]], n: int) -> list[Request]:
    """``n`` requests to one endpoint, cycling through its samples."""
    return [(path, samples[i % len(samples)]) for i in range(n)]


async def load(base: str, work: list[Request], concurrency: int, cap: float) -> dict[str, Any]:
    """Send ``work`` with ``concurrency`` requests in flight; keep every latency, error and response body."""
    import httpx

    latencies: list[float] = []
    bodies: list[tuple[Request, bytes]] = []
    errors: list[str] = []
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    stop = time.perf_counter() + cap
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty() and time.perf_counter() < stop:
                item = queue.get_nowait()
                path, params = item
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, params=params)
                except httpx.HTTPError as exc:
                    errors.append(f"{path} {params}: {type(exc).__name__}")
                else:
                    if r.status_code == 200:
                        bodies.append((item, r.content))
                    else:
                        errors.append(f"{path} {params}: HTTP {r.status_code}")
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"done": len(latencies), "seconds": elapsed, "latencies": latencies, "errors": errors, "bodies": bodies}


def call(path: str, params: dict[str, str]) -> str:
    """One request through the Python API, serialised as the web app would."""
    import neurectomy

    if path == "/api/lesion":
        p = dict(params)
        mm = float(p.pop("mm")) if "mm" in p else None
        return json.dumps(neurectomy.lesion(p.pop("nerve"), mm=mm, **p).to_dict())
    return json.dumps(
        neurectomy.target(
            regions=[params["region"]] if "region" in params else [],
            functions=[params["function"]] if "function" in params else [],
        ).to_dict()
    )


def in_process(work: list[Request]) -> dict[str, Any]:
    """The same calls through the Python API, one after another."""
    latencies = []
    start = time.perf_counter()
    for path, params in work:
        t0 = time.perf_counter()
        call(path, params)
        latencies.append(time.perf_counter() - t0)
    return {"done": len(work), "seconds": time.perf_counter() - start, "latencies": latencies}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) >= 2 else (values[0] if values else 0.0)


def key(item: Request) -> str:
    return json.dumps(item, sort_keys=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per endpoint")
    parser.add_argument("--strict", action="store_true", help="also fail on the throughput and latency bars")
    parser.add_argument("--wrk", type=float, default=0.0, help="also load each endpoint with wrk for this many s")
    args = parser.parse_args()
    endpoints = {"lesion": ("/api/lesion", LESIONS), "target": ("/api/target", TARGETS)}
    work = {name: requests_list(path, samples, args.requests) for name, (path, samples) in endpoints.items()}
    warm = [item for path, samples in endpoints.values() for item in requests_list(path, samples, len(samples))]

    in_process(warm)  # warm up imports, caches and the solver
    base_line = {name: in_process(w) for name, w in work.items()}
    expected = {key(item): json.loads(call(*item)) for item in warm}
    proc, base = start_server()
    try:
        asyncio.run(load(base, warm, 4, 60))  # warm the server
        web = {name: asyncio.run(load(base, w, args.concurrency, args.time_cap)) for name, w in work.items()}
        wrk = (
            {
                name: wrk_load(base, path, samples, args.concurrency, args.wrk)
                for name, (path, samples) in endpoints.items()
            }
            if args.wrk > 0
            else {}
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    errors = [e for r in web.values() for e in r["errors"]]
    unanswered = sum(len(work[name]) - r["done"] for name, r in web.items())  # stopped by the time cap
    differing: list[str] = []
    compared = 0
    for r in web.values():
        for item, body in r["bodies"]:
            compared += 1
            if json.loads(body) != expected[key(item)]:
                differing.append(key(item))
    same_output = compared > 0 and not differing
    rps = {name: r["done"] / r["seconds"] for name, r in web.items()}
    base_rps = {name: r["done"] / r["seconds"] for name, r in base_line.items()}
    web_p95 = {name: p95(r["latencies"]) * 1000 for name, r in web.items()}
    for name in endpoints:
        b = base_line[name]
        print(
            f"{name:6s} in-process: {b['done']} calls in {b['seconds']:.2f} s = {base_rps[name]:.0f}/s, "
            f"p95 {p95(b['latencies']) * 1000:.1f} ms | web ({args.concurrency} concurrent, loopback): "
            f"{web[name]['done']} requests in {web[name]['seconds']:.2f} s = {rps[name]:.0f}/s, "
            f"p95 {web_p95[name]:.1f} ms, errors {len(web[name]['errors'])}"
        )
    print(
        f"same output: {compared - len(differing)}/{compared} responses equal to the in-process JSON"
        + (f"; differing: {sorted(set(differing))}" if differing else "")
    )
    for e in errors[:10]:
        print(f"error: {e}")
    rps_met = rps["lesion"] >= LESION_RPS_BAR
    p95_met = web_p95["target"] < TARGET_P95_BAR_MS
    print(
        f"DESIGN bars: /api/lesion {rps['lesion']:.0f} req/s (>= {LESION_RPS_BAR:g}: {rps_met}), /api/target p95 "
        f"{web_p95['target']:.0f} ms (< {TARGET_P95_BAR_MS:g}: {p95_met}){'' if args.strict else ' — not enforced'}"
    )
    for name, w in wrk.items():
        print(
            f"{name:6s} wrk ({args.concurrency} connections, {args.wrk:g} s): "
            + (w["skipped"] if "skipped" in w else f"{w['rps']:.0f}/s, p95 {w['p95_ms']:.1f} ms, errors {w['errors']}")
        )
    wrk_errors = sum(w.get("errors", 0) for w in wrk.values())
    passed = bool(
        same_output and not errors and not wrk_errors and not unanswered and (not args.strict or (rps_met and p95_met))
    )
    print(
        json.dumps(
            {
                "benchmark": "web",
                "baseline": "in-process API",
                "ratio": round(rps["lesion"] / base_rps["lesion"], 3),
                "bar": None,
                "same_output": same_output,
                "errors": len(errors),
                "errors_bar": 0,
                "unanswered": unanswered,
                "lesion_rps": round(rps["lesion"], 1),
                "lesion_rps_bar": LESION_RPS_BAR,
                "lesion_rps_met": rps_met,
                "lesion_p95_ms": round(web_p95["lesion"], 2),
                "target_rps": round(rps["target"], 1),
                "target_p95_ms": round(web_p95["target"], 2),
                "target_p95_bar_ms": TARGET_P95_BAR_MS,
                "target_p95_met": p95_met,
                "strict": args.strict,
                "ratio_target": round(rps["target"] / base_rps["target"], 3),
                "baseline_lesion_rps": round(base_rps["lesion"], 1),
                "baseline_target_rps": round(base_rps["target"], 1),
                "baseline_target_p95_ms": round(p95(base_line["target"]["latencies"]) * 1000, 2),
                "compared_responses": compared,
                "differing_responses": len(differing),
                "requests_per_endpoint": args.requests,
                "concurrency": args.concurrency,
                "wrk": wrk,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
