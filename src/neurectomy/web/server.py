"""Run the app with Uvicorn (``neurectomy serve``, ``make run``).

On SIGTERM or Ctrl-C the server stops taking connections, lets requests in flight finish for at most
:data:`GRACEFUL_SHUTDOWN_S` seconds, then cancels them. A request that is still computing in a worker thread (a
long solve) cannot be interrupted there and would keep the process alive at interpreter exit, so the process then
ends anyway: a registry write cut short is rolled back by the database (a transaction commits whole or not at all).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Final

from neurectomy.web.settings import PREFIX, Settings

#: Seconds requests in flight get to finish after SIGTERM before they are cancelled.
GRACEFUL_SHUTDOWN_S: Final = 10
#: Seconds worker threads still busy after that get before the process ends regardless.
EXIT_GRACE_S: Final = 2.0


def serve(
    host: str | None = None,
    port: int | None = None,
    settings: Settings | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
) -> None:
    """Serve the web app on ``http://host:port`` until interrupted (or SIGTERM: see the module docstring).

    ``workers`` > 1 runs that many worker processes (Uvicorn's supervisor); they share the registry database for
    job state and rate-limit counters, and one Dask scheduler for simulation jobs: ``scheduler`` (an address) or a
    local cluster started here. One worker uses ``scheduler`` or a local in-process cluster."""
    import uvicorn

    base = settings or Settings.from_env()
    update: dict[str, object] = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    update["recover_jobs"] = True  # jobs lost when an earlier server died: queued again at startup
    update["search_processes"] = True  # searches in worker processes: a served app uses every core
    if scheduler:
        update["scheduler"] = scheduler
    cluster = None
    if workers > 1:
        if not (scheduler or base.scheduler):
            from dask.distributed import LocalCluster

            cluster = LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
            update["scheduler"] = cluster.scheduler_address
        update["rate_limit_storage"] = "database"
    chosen = base.model_copy(update=update)
    print(f"neurectomy web app on http://{chosen.host}:{chosen.port}  (API docs: /docs; Ctrl-C stops)", flush=True)
    try:
        if workers > 1:  # each worker process builds its app from the environment
            for name, value in chosen.model_dump().items():
                if value is not None:
                    os.environ[PREFIX + name.upper()] = str(value)
            uvicorn.run(
                "neurectomy.web.app:create_app",
                factory=True,
                host=chosen.host,
                port=chosen.port,
                workers=workers,
                log_level=chosen.log_level,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            )
        else:
            from neurectomy.web.app import create_app

            uvicorn.run(
                create_app(chosen),
                host=chosen.host,
                port=chosen.port,
                log_level=chosen.log_level,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            )
    finally:  # Ctrl-C (KeyboardInterrupt) or a return; on SIGTERM Uvicorn ends the process with the signal itself
        if cluster is not None:
            cluster.close()
        exit_if_stuck()


def exit_if_stuck(grace_s: float = EXIT_GRACE_S) -> None:
    """End the process now if worker threads are still busy ``grace_s`` seconds after the server stopped (the
    interpreter would otherwise wait for them at exit, however long they take)."""
    deadline = time.monotonic() + grace_s
    main = threading.main_thread()
    for t in threading.enumerate():
        if t is not main and not t.daemon:
            t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive()]
    if stuck:
        print(f"stopping with {len(stuck)} request(s) still computing: cut short", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(0)
