"""``neurectomy serve`` stops on SIGTERM within its graceful-shutdown timeout, even with a request still computing.

Regression from an attack-and-fault run (issue 19): SIGTERM did not stop the server within 20 s while requests
were running (Uvicorn waited for them without a limit, and the interpreter then waited for the worker threads).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER = """
import sys, time
import neurectomy.web.app as web

real = web.create_app

def create_app(settings=None):
    app = real(settings)

    @app.get("/slow")
    def slow() -> dict:
        time.sleep(300)  # a request that computes far longer than the shutdown allows
        return {}

    return app

web.create_app = create_app
from neurectomy.web.server import serve
serve(host="127.0.0.1", port=int(sys.argv[1]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NEURECTOMY_WEB_LOG_LEVEL": "warning"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2):
                return p
        except OSError:
            if p.poll() is not None:
                raise AssertionError(p.stdout.read() if p.stdout else "the server died") from None
            time.sleep(0.2)
    p.kill()
    raise AssertionError("the server did not start in 60 s")


def _stop(p: subprocess.Popen[str]) -> float:
    start = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(40)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)
        return float("inf")
    return time.monotonic() - start


@pytest.mark.slow
def test_sigterm_stops_the_server_with_a_request_still_computing() -> None:
    """With a request still computing, SIGTERM ends the server within the graceful-shutdown timeout plus the
    exit grace (here 10 s + 2 s), instead of running on for as long as the request does."""
    from neurectomy.web.server import EXIT_GRACE_S, GRACEFUL_SHUTDOWN_S

    port = _free_port()
    p = _start(port)
    answered: list[object] = []

    def ask() -> None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=60)
            answered.append("answer")
        except OSError as exc:
            answered.append(exc)

    t = threading.Thread(target=ask, daemon=True)
    t.start()
    time.sleep(1.0)  # the request is running in a worker thread
    took = _stop(p)
    assert took <= GRACEFUL_SHUTDOWN_S + EXIT_GRACE_S + 5, f"SIGTERM took {took:.1f} s"
    assert p.returncode in (0, -signal.SIGTERM), p.stdout.read() if p.stdout else ""


def test_sigterm_stops_an_idle_server_at_once() -> None:
    """With nothing in flight, SIGTERM ends the server in a moment."""
    p = _start(_free_port())
    assert _stop(p) < 5
    assert p.returncode in (0, -signal.SIGTERM)  # Uvicorn ends by re-raising the signal it caught
