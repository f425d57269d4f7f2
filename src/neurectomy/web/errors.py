"""Errors as HTTP answers: unknown names → 404 with suggestions; bad input → 422 naming the field.

Every error a browser can reach (an unknown page, a refused form, a registry refusal, a crash) is an HTML page
(``error.html``: what happened, what to do, a way back) when the request accepts HTML; the JSON API (``/api/...``)
and clients that ask for JSON keep FastAPI's JSON shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from neurectomy.budget import Cancelled
from neurectomy.names import RequestError, UnknownNameError


class FieldError(RequestError):
    """A limit of this server (``top`` above its maximum, a malformed form number): a 422 like the core's
    :class:`~neurectomy.names.RequestError`, which covers everything the request values themselves check."""

    def __init__(self, field: str, message: str, location: str = "query", suggestions: Sequence[str] = ()) -> None:
        super().__init__(field, message, suggestions)
        self.location = location


def detail(exc: RequestError) -> list[dict[str, Any]]:
    """FastAPI's validation-error shape, so clients handle one format."""
    location = getattr(exc, "location", "query")
    item: dict[str, Any] = {"loc": [location, exc.field], "msg": exc.message, "type": "value_error"}
    if exc.suggestions:
        item["suggestions"] = exc.suggestions
    return [item]


def _wants_json(request: Request) -> bool:
    """JSON for the API and for clients that ask for JSON rather than HTML; a page for everything else."""
    if request.url.path.startswith(("/api/", "/openapi")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


#: Titles of the pages for HTTP statuses (the message says what exactly).
TITLES: dict[int, str] = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not possible here",
    409: "In conflict with a stored record",
    413: "Too large",
    422: "Please check the form",
    429: "Too many requests",
    499: "Request cancelled",
    500: "Something went wrong",
    501: "Not available in this build",
    503: "Busy or unavailable",
}


def _back(request: Request) -> tuple[str, str]:
    """Where the page's "back" link goes: the registry's home for registry pages, else the site's home."""
    if request.url.path.startswith("/registry"):
        return "/registry", "Back to the registry"
    return "/", "Back to the start page"


def _page(
    request: Request,
    status: int,
    title: str,
    message: str,
    suggestions: Sequence[str] = (),
    *,
    problems: Sequence[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
    back: tuple[str, str] | None = None,
) -> Response:
    """The error page; plain text if the templates are not there (an app without pages)."""
    templates = getattr(request.app.state, "templates", None)
    if templates is None:
        return PlainTextResponse(f"{title}: {message}", status_code=status, headers=headers)
    href, label = back or _back(request)
    response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": title,
            "message": message,
            "suggestions": list(suggestions),
            "problems": list(problems),
            "status": status,
            "back_href": href,
            "back_label": label,
            "active": "registry" if request.url.path.startswith("/registry") else "",
        },
        status_code=status,
        headers=headers,
    )
    return response  # type: ignore[no-any-return]


def error_page(
    request: Request,
    status: int,
    message: str,
    *,
    title: str | None = None,
    problems: Sequence[tuple[str, str]] = (),
    back: tuple[str, str] | None = None,
) -> Response:
    """An error page for routes that refuse something themselves (the registry's forms)."""
    return _page(request, status, title or TITLES.get(status, "Error"), message, problems=problems, back=back)


def _field(loc: Sequence[Any]) -> str:
    """A validation error's location as the name a person typed into (``query.mm`` → ``mm``)."""
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header", "cookie")]
    return ".".join(parts) or "input"


def problems_of(errors: Any) -> list[tuple[str, str]]:
    """(field, message) pairs of FastAPI/pydantic error lists and of the registry's 422 details."""
    out: list[tuple[str, str]] = []
    if isinstance(errors, list):
        for e in errors:
            if isinstance(e, dict):
                out.append((_field(e.get("loc", ())), str(e.get("msg", "")).removeprefix("Value error, ")))
    return out


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """HTTP errors (unknown routes, refusals, registry answers): JSON for the API, else a page. Redirects
    (the registry's "sign in first") keep their ``Location``."""
    assert isinstance(exc, StarletteHTTPException)
    if _wants_json(request) or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    problems = problems_of(exc.detail)
    if problems:
        message = "; ".join(f"{f}: {m}" for f, m in problems)
    elif exc.status_code == 404 and exc.detail == "Not Found":
        message = f"There is no page at {request.url.path[:200]}. Use the menu above, or search the atlas."
    elif exc.status_code == 405:
        message = f"{request.method} is not possible at {request.url.path[:200]}."
    else:
        message = str(exc.detail)
    return _page(
        request,
        exc.status_code,
        TITLES.get(exc.status_code, "Error"),
        message,
        problems=problems,
        headers=dict(exc.headers or {}),
    )


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """422 for input FastAPI refused (a malformed number in a query, a missing form field)."""
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        return await request_validation_exception_handler(request, exc)
    problems = problems_of(exc.errors())
    return _page(request, 422, TITLES[422], "Some values could not be used.", problems=problems)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """500: the server failed. No details of the failure (they go to the log), but what to do next."""
    message = (
        "The server could not answer this request. Nothing was changed by it; please try again, and tell "
        "the administrator if it happens again."
    )
    if _wants_json(request):
        return JSONResponse(status_code=500, content={"detail": message})
    return _page(request, 500, TITLES[500], message)


async def unknown_name_handler(request: Request, exc: Exception) -> Response:
    """404 with the suggestions the atlas offers."""
    assert isinstance(exc, UnknownNameError)
    if _wants_json(request):
        return JSONResponse(
            status_code=404,
            content={
                "detail": str(exc),
                "kind": exc.kind,
                "field": exc.field,
                "query": exc.query,
                "suggestions": exc.suggestions,
            },
        )
    return _page(request, 404, f"Unknown {exc.kind}", str(exc), exc.suggestions)


async def field_error_handler(request: Request, exc: Exception) -> Response:
    """422 naming the field."""
    assert isinstance(exc, RequestError)
    if _wants_json(request):
        return JSONResponse(status_code=422, content={"detail": detail(exc)})
    return _page(request, 422, f"Please check “{exc.field}”", exc.message, exc.suggestions)


async def cancelled_handler(request: Request, exc: Exception) -> Response:
    """The client went away and the work stopped: an empty 499 (nginx's "client closed request"; nobody reads it)."""
    return Response(status_code=499)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, server_error_handler)
    app.add_exception_handler(Cancelled, cancelled_handler)
    app.add_exception_handler(UnknownNameError, unknown_name_handler)
    app.add_exception_handler(RequestError, field_error_handler)
