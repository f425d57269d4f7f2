"""Browser tests: the ``e2e`` marker, a live server on a free port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("NEURECTOMY_CHROMIUM", "/usr/bin/chromium")
KNOWN_ERRORS: tuple[str, ...] = ()  # console errors a page may log without failing a test (none at present)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end browser tests (Playwright + Debian Chromium), bounded < 60 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database URL of the test server's registry (tests add users and cases to it directly)."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e-registry') / 'registry.db'}"


@pytest.fixture(scope="session")
def server(registry_url: str) -> Iterator[str]:
    """``neurectomy serve`` in a subprocess on 127.0.0.1 and a free port; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "NEURECTOMY_WEB_LOG_LEVEL": "warning",
        "NEURECTOMY_WEB_MAX_AXONS": "400",
        "NEURECTOMY_DATABASE_URL": registry_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "neurectomy", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/api/atlas/stats", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"the server did not start: {err[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots and downloads go (``NEURECTOMY_E2E_ARTEFACTS`` or a pytest tmp dir)."""
    chosen = os.environ.get("NEURECTOMY_E2E_ARTEFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("e2e-artefacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (make test installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page; JavaScript errors on it fail the test."""
    from tests.e2e.pages import close_page, open_page

    pg = open_page(browser, server, 1280, 900, expected=KNOWN_ERRORS, accept_downloads=True)
    yield pg
    close_page(pg)
