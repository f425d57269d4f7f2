"""Errors as HTTP answers: unknown names → 404 with suggestions; bad input → 422 naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

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
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _page(request: Request, status: int, title: str, message: str, suggestions: Sequence[str]) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "error.html",
        {"title": title, "message": message, "suggestions": list(suggestions), "active": ""},
        status_code=status,
    )


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
    app.add_exception_handler(Cancelled, cancelled_handler)
    app.add_exception_handler(UnknownNameError, unknown_name_handler)
    app.add_exception_handler(RequestError, field_error_handler)
