"""Pages for the browser tests: a fresh browser context at a viewport, whose JavaScript errors fail the test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def open_page(
    browser: Any, server: str, width: int = 1366, height: int = 900, *, expected: Sequence[str] = (), **options: Any
) -> Any:
    """A page on ``server`` in a new context of ``width`` x ``height``; it collects JavaScript errors and console
    errors (except those containing one of ``expected``, e.g. a 4xx page load a test makes on purpose) for
    :func:`close_page`. ``options`` go to ``browser.new_context``."""
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server, **options)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and not any(k in msg.text for k in expected) else None
        ),
    )
    pg.errors = errors
    return pg


def close_page(pg: Any) -> None:
    """Close the page's context; any JavaScript error it collected fails the test."""
    errors = pg.errors
    pg.context.close()
    assert not errors, f"JavaScript errors: {errors}"
