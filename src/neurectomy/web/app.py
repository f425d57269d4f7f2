"""The FastAPI app factory: JSON API under ``/api``, server-rendered pages, static assets, OpenAPI at ``/docs``."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from neurectomy import DISCLAIMER, __version__
from neurectomy.web import errors
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


def report_available() -> bool:
    """Whether ``neurectomy.report`` (HTML/PDF of a plan) is installed."""
    return importlib.util.find_spec("neurectomy.report") is not None


def _registry_router() -> object | None:
    try:
        module = importlib.import_module("neurectomy.web.routes.registry")
    except ImportError:
        return None
    return getattr(module, "router", None)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; ``settings`` default to the ``NEURECTOMY_WEB_*`` environment variables."""
    settings = settings or Settings.from_env()
    jobs = JobStore(settings.max_jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

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
    app.state.templates = templates
    app.state.jobs = jobs

    errors.install(app)
    from neurectomy.web.routes import atlas, lesion, localise, pages, plan, simulate, target

    for module in (atlas, lesion, target, plan, localise, simulate, pages):
        app.include_router(module.router)
    if registry is not None:
        app.include_router(registry)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

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
