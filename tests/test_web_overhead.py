"""The web layer's own cost per request (issue 18, item 6: /api/lesion >= 300 req/s at 16 concurrent)."""

from __future__ import annotations

from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402


def test_lesion_request_hops_to_a_worker_thread_only_for_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: the trivial dependencies (the atlas, the settings, the templates) were plain functions, which
    FastAPI runs in its thread pool: a thread hop each per request, about a quarter of /api/lesion's throughput
    under 16 concurrent (wrk, 2 shared cores: 252-324 req/s before, 334-397 after). Left: the endpoint and the
    validation of its answer."""
    import fastapi.dependencies.utils as dep_utils
    import fastapi.routing as routing

    hops: list[str] = []

    def counting(module: Any) -> Any:
        real = module.run_in_threadpool

        async def run(func: Any, *args: Any, **kwargs: Any) -> Any:
            hops.append(getattr(func, "__name__", repr(func)))
            return await real(func, *args, **kwargs)

        return run

    client = TestClient(create_app(Settings()))
    assert client.get("/api/lesion", params={"nerve": "sural nerve"}).status_code == 200  # the atlas loaded
    monkeypatch.setattr(dep_utils, "run_in_threadpool", counting(dep_utils))
    monkeypatch.setattr(routing, "run_in_threadpool", counting(routing))
    hops.clear()
    assert client.get("/api/lesion", params={"nerve": "sural nerve"}).status_code == 200
    assert "get_atlas" not in hops and len(hops) <= 2, hops
