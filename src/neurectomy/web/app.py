"""The FastAPI app factory: JSON API under ``/api``, server-rendered pages, static assets, OpenAPI at ``/docs``."""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from neurectomy import DISCLAIMER, __version__
from neurectomy.web import errors
from neurectomy.web.bounded import BoundedWork, document, registry_engine
from neurectomy.web.jobs import JobStore
from neurectomy.web.settings import Settings

HERE = Path(__file__).parent
NAV: tuple[tuple[str, str, str], ...] = (
    ("atlas", "/atlas", "Atlas"),
    ("cut", "/cut", "Cut"),
    ("find", "/find", "Find the cut"),
    ("plan", "/plan", "Plan"),
    ("localise", "/localise", "Localise"),
    ("quiz", "/quiz", "Quiz"),
    ("simulate", "/simulate", "Simulate"),
)


#: The Content-Security-Policy of every answer. Scripts and styles come only from this server; ``'unsafe-eval'`` is
#: there for Vega, which compiles chart expressions with ``new Function`` (drop it once the charts use
#: ``vega.expressionInterpreter``); inline style *attributes* carry the bar widths; no page may be framed.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: ``/docs`` (Swagger UI, served locally) starts itself with one inline script.
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


class SecurityHeaders:
    """ASGI middleware: security headers on every answer (CSP with ``frame-ancestors 'none'``, ``nosniff``,
    ``Referrer-Policy``, ...), ``Cache-Control: no-store`` on the registry's answers (patient data), and no echo
    of the request's ``Host`` header in redirects: an absolute ``Location`` on this host (Starlette's slash
    redirects build one from ``Host``) is sent as a path, so a forged ``Host`` cannot steer a client elsewhere.
    A header that a route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        policy = CSP_DOCS if path == "/docs" else CSP
        private = path.startswith(("/registry", "/api/registry"))
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (("content-security-policy", policy), *SECURITY_HEADERS):
                    if name not in headers:
                        headers[name] = value
                if private:
                    headers["cache-control"] = "no-store"
                if https and "strict-transport-security" not in headers:
                    headers["strict-transport-security"] = "max-age=31536000"
                location = headers.get("location")
                if location and 300 <= message["status"] < 400:
                    headers["location"] = _relative(location, host)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _relative(location: str, host: str) -> str:
    """``location`` as a path when it points at ``host`` (the request's own Host header), else unchanged."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(location)
    if parts.netloc and (not host or parts.netloc.lower() == host.lower()):
        return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return location


def report_available() -> bool:
    """Whether ``neurectomy.report`` (HTML/PDF of a plan) is installed."""
    return importlib.util.find_spec("neurectomy.report") is not None


def _registry_router() -> object | None:
    try:
        module = importlib.import_module("neurectomy.web.routes.registry")
    except ImportError:
        return None
    return getattr(module, "router", None)


def _recover_jobs(jobs: JobStore) -> None:
    """Startup: :meth:`JobStore.recover`, logged (a failure here must not stop the server)."""
    import logging

    log = logging.getLogger("neurectomy.web")
    try:
        done = jobs.recover()
    except Exception:
        log.exception("could not recover lost simulation jobs")
        return
    if done["requeued"] or done["failed"]:
        log.warning("lost simulation jobs: %d queued again, %d failed", len(done["requeued"]), len(done["failed"]))


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; ``settings`` default to the ``NEURECTOMY_WEB_*`` environment variables."""
    settings = settings or Settings.from_env()
    import numpy  # noqa: F401  (loads BLAS now: threadpoolctl limits only the libraries already loaded)

    threadpool_limits(settings.blas_threads, user_api="blas")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.recover_jobs:  # jobs lost with a process that died: queued again or failed, never queued for ever
            threading.Thread(target=_recover_jobs, args=(jobs,), name="neurectomy-recover-jobs", daemon=True).start()
        yield
        jobs.shutdown()
        if app.state.solve_pool is not None:
            app.state.solve_pool.close()

    app = FastAPI(
        title="neurectomy",
        version=__version__,
        summary="Plan and simulate peripheral nerve cuts. " + DISCLAIMER,
        description=(
            "The HTTP API returns the same JSON objects as the Python API and the CLI (`--json`): "
            "`/api/lesion` = `neurectomy lesion`, `/api/target` = `neurectomy target`, `/api/plan` = "
            "`neurectomy plan`, `/api/localise` = `neurectomy localise`. Unknown names answer 404 with "
            "suggestions; input that makes no sense answers 422 naming the field.\n\n**" + DISCLAIMER + "**"
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    registry = _registry_router()
    nav = list(NAV) + ([("registry", "/registry", "Registry")] if registry is not None else [])
    templates.env.globals.update(
        notice=DISCLAIMER,
        version=__version__,
        nav=nav,
        report_enabled=report_available(),
    )
    app.state.settings = settings
    app.state.atlas = None
    app.state.solve_pool = None
    if settings.search_processes:
        from neurectomy.web.solvepool import SolvePool

        app.state.solve_pool = SolvePool(settings.solve_slots)
    app.state.templates = templates
    app.state.jobs = jobs = JobStore(settings, lambda: registry_engine(app))

    errors.install(app)
    app.add_middleware(BoundedWork, settings=settings)  # inside SecurityHeaders: its 429/503 get the headers too
    app.add_middleware(SecurityHeaders)
    from neurectomy.web.routes import atlas, lesion, localise, pages, plan, simulate, target

    for module in (atlas, lesion, target, plan, localise, simulate, pages):
        app.include_router(module.router)
    if registry is not None:
        app.include_router(registry)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    document(app)  # the spec lists the answers of the bounded-work middleware and of body parsing too

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The site icon where browsers look for it by default (a page without an icon link, such as a saved report,
        otherwise logs a 404 for it): the static SVG icon, cached for a day."""
        return FileResponse(
            HERE / "static" / "favicon.svg",
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI, served from the local static folder (works offline)."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="neurectomy API — " + DISCLAIMER,
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    return app
