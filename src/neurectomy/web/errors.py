"""Errors as HTTP answers: unknown names → 404 with suggestions; bad input → 422 naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from neurectomy.names import UnknownNameError


class FieldError(ValueError):
    """Input that parses but makes no sense (a landmark not on the nerve, an impossible target): a 422."""

    def __init__(self, field: str, message: str, location: str = "query", suggestions: Sequence[str] = ()) -> None:
        self.field = field
        self.message = message
        self.location = location
        self.suggestions = list(suggestions)
        super().__init__(f"{field}: {message}")

    def detail(self) -> list[dict[str, Any]]:
        """FastAPI's validation-error shape, so clients handle one format."""
        item: dict[str, Any] = {"loc": [self.location, self.field], "msg": self.message, "type": "value_error"}
        if self.suggestions:
            item["suggestions"] = self.suggestions
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
            content={"detail": str(exc), "kind": exc.kind, "query": exc.query, "suggestions": exc.suggestions},
        )
    return _page(request, 404, f"Unknown {exc.kind}", str(exc), exc.suggestions)


async def field_error_handler(request: Request, exc: Exception) -> Response:
    """422 naming the field."""
    assert isinstance(exc, FieldError)
    if _wants_json(request):
        return JSONResponse(status_code=422, content={"detail": exc.detail()})
    return _page(request, 422, f"Please check “{exc.field}”", exc.message, exc.suggestions)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(UnknownNameError, unknown_name_handler)
    app.add_exception_handler(FieldError, field_error_handler)
