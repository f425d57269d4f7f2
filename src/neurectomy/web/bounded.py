"""Bounded work (issue 19, item 3): every expensive request (targeting, localisation, plans, timelines and their
pages) runs under a :class:`~neurectomy.budget.Budget` (time, solver nodes, targets per phrase), in one of a few
solve slots with a bounded queue, at a per-client rate, and stops when its client goes away.

An ASGI middleware rather than code in each route, so that every expensive path gets the same treatment:

* **rate limit** per client address and endpoint group, with the ``limits`` library (fixed window); its counters
  live in memory for one process or in the registry database for several (``serve --workers N``): a 429 with
  ``Retry-After`` above it;
* **bounded pool**: at most ``solve_slots`` expensive requests compute at once and ``solve_queue`` more wait; above
  that a 503 with ``Retry-After``;
* **budget**: the request runs under ``budget.applied(...)``, so the core's searches stop at the server's time and
  node limits (422 naming the limit) and refuse a phrase standing for too many targets;
* **cancellation**: the request's body is read first, then the connection is watched; when the client disconnects
  the budget is cancelled and the solver stops at once (HiGHS interrupt callback, or the next check), freeing its
  slot. A request whose client is gone before it gets a slot never starts.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurectomy.budget import Budget, applied
from neurectomy.web.settings import Settings

#: Paths whose requests search (targeting, localisation, plans and their pages); the cheap ones (lesion, atlas,
#: static files) are not limited.
EXPENSIVE: tuple[str, ...] = (
    "/api/target",
    "/api/localise",
    "/api/plan",
    "/api/simulate/timeline",
    "/find",
    "/localise",
    "/plan",
    "/simulate",
)
#: Status sent (to nobody) when the client went away before the answer: nginx's "client closed request".
CLIENT_GONE = 499
MAX_BODY = 1 << 20


def is_expensive(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") or path.startswith(p + ".") for p in EXPENSIVE)


def document(app: Any) -> None:
    """Make ``app.openapi()`` document what this middleware and the request parsing answer besides the routes' own
    statuses, from the same rules that produce them, so the spec cannot drift from the behaviour: on every
    expensive operation 429 (over the client's rate) and 503 (solve pool full), both with ``Retry-After``, and 422
    (over a work limit: time, nodes, targets per phrase); 413 where it takes a body (over 1 MiB); and on every
    operation that takes a body, 400 (FastAPI's answer to a body it cannot read, e.g. not UTF-8)."""
    from neurectomy.web.schemas import Message, answer

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema  # type: ignore[no-any-return]
        schema: dict[str, Any] = generate()
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Message", Message.model_json_schema())

        def add(op: dict[str, Any], status: int, description: str, retry: bool = False) -> None:
            doc = {k: v for k, v in answer(description, retry=retry).items() if k != "model"}
            op.setdefault("responses", {}).setdefault(str(status), {**doc, **ref})

        for path, ops in schema.get("paths", {}).items():
            for op in ops.values():
                body = "requestBody" in op
                if body:
                    add(op, 400, "the body could not be read (not UTF-8, or not the declared content type)")
                if is_expensive(path):
                    add(op, 429, "too many requests from this client (the server's rate limit)", retry=True)
                    add(op, 503, "the server is busy with other searches", retry=True)
                    op["responses"].setdefault(
                        "422",
                        {
                            "description": "a value the request cannot use, or more work than this server's "
                            "limits (time, search nodes, targets per phrase): the message names the field",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
                            },
                        },
                    )
                    if body:
                        add(op, 413, "the body is over 1 MiB")
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


class RateLimits:
    """Per-client limits with the ``limits`` library; counters in memory (one process) or in the registry
    database (shared by every worker process)."""

    def __init__(self, settings: Settings, engine: Any | None = None) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import FixedWindowRateLimiter

        if engine is not None:
            from neurectomy.registry.ratelimit import DatabaseStorage

            storage: Any = DatabaseStorage(engine)
        else:
            storage = MemoryStorage()
        self.limiter = FixedWindowRateLimiter(storage)
        self.items = {"expensive": parse(settings.rate_limit), "jobs": parse(settings.job_rate_limit)}

    def hit(self, group: str, client: str) -> float | None:
        """Count one request; None when allowed, else the seconds until the window resets (Retry-After)."""
        item = self.items[group]
        if self.limiter.hit(item, group, client):
            return None
        reset, _ = self.limiter.get_window_stats(item, group, client)
        return max(1.0, reset - time.time())


def rate_limits(app: Any) -> RateLimits:
    """This app's rate limits (created on first use; in the registry database when the settings say so)."""
    state = app.state
    limits: RateLimits | None = getattr(state, "rate_limits", None)
    if limits is None:
        with _lock:
            limits = getattr(state, "rate_limits", None)
            if limits is None:
                settings: Settings = state.settings
                engine = registry_engine(app) if settings.rate_limit_storage == "database" else None
                limits = state.rate_limits = RateLimits(settings, engine)
    return limits


def registry_engine(app: Any) -> Any:
    """The registry engine of the app (as the registry routes create it), for state shared between workers."""
    from starlette.requests import Request

    from neurectomy.web.routes.registry import get_engine

    return get_engine(Request({"type": "http", "app": app, "headers": []}))


_lock = threading.Lock()


def too_many(seconds: float, message: str, status: int = 429) -> Response:
    """A 429 (this client, over its rate) or 503 (this server, full) with ``Retry-After`` in whole seconds."""
    return JSONResponse({"detail": message}, status_code=status, headers={"Retry-After": str(math.ceil(seconds))})


class BoundedWork:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.waiting = 0  # expensive requests admitted and not yet finished (computing or queued)
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_expensive(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        s = self.settings
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = await asyncio.to_thread(rate_limits(scope["app"]).hit, "expensive", client)
        if wait is not None:
            await too_many(wait, f"too many requests: at most {s.rate_limit} per client")(scope, receive, send)
            return
        if self.waiting >= s.solve_slots + s.solve_queue:
            message = "the server is busy with other searches; try again shortly"
            await too_many(s.solve_seconds, message, 503)(scope, receive, send)
            return
        self.waiting += 1
        counted = True

        def finished() -> None:
            nonlocal counted
            if counted:
                counted = False
                self.waiting -= 1

        async def send_counted(message: Message) -> None:
            # no longer waiting once its last byte is handed over: a keep-alive client sends its next request as
            # soon as it reads this one's answer, before the rest of this call returns (16 clients then counted
            # up to 32 requests and got 503s at 16 + 2 in flight)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                finished()
            await send(message)

        try:
            await self._bounded(scope, receive, send_counted)
        finally:
            finished()

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        s = self.settings
        body: list[Message] = []
        size = 0
        while True:  # read the whole (small) body first, so that the connection can be watched afterwards
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.append(message)
            size += len(message.get("body", b""))
            if size > MAX_BODY:
                await JSONResponse({"detail": "request body too large"}, status_code=413)(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        cancel = threading.Event()
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            cancel.set()

        async def replay() -> Message:
            if body:
                return body.pop(0)
            await gone.wait()
            return {"type": "http.disconnect"}

        watcher = asyncio.create_task(watch())
        if self._slots is None:
            self._slots = asyncio.Semaphore(s.solve_slots)
        try:
            if not await self._slot_unless_gone(self._slots, gone):
                return  # the client went away while queued: its place is free at once, not when a slot is
            try:
                budget = Budget(s.solve_seconds, s.solve_nodes, s.max_targets_per_phrase, cancel)
                with applied(budget):
                    await self.app(scope, replay, send)
            finally:
                self._slots.release()
        finally:
            watcher.cancel()

    @staticmethod
    async def _slot_unless_gone(slots: asyncio.Semaphore, gone: asyncio.Event) -> bool:
        """Wait for a solve slot, or until the client goes away; True when the slot is held (and the client is
        still there)."""
        acquire = asyncio.ensure_future(slots.acquire())
        left = asyncio.ensure_future(gone.wait())
        try:
            await asyncio.wait({acquire, left}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # this request cancelled (e.g. the server stopping): no slot kept
            left.cancel()
            if not acquire.cancel():  # already acquired
                slots.release()
            raise
        left.cancel()
        if not acquire.done():
            acquire.cancel()  # a slot granted meanwhile is handed on by the semaphore itself
            return False
        if gone.is_set():
            slots.release()
            return False
        return True
