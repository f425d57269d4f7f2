"""Dependencies of the routes as ``Annotated`` aliases (FastAPI full-stack template habit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from neurectomy.atlas.graph import Atlas
from neurectomy.web.settings import Settings


async def get_settings(request: Request) -> Settings:
    """This app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_atlas(request: Request) -> Atlas:
    """The compiled atlas (loaded once per app, on first use, in a worker thread so the event loop is not held).

    These dependencies are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per
    dependency per request that cost about a quarter of ``/api/lesion``'s throughput under load."""
    state = request.app.state
    if state.atlas is None:
        import asyncio

        from neurectomy.api import default_atlas

        state.atlas = await asyncio.to_thread(default_atlas)
    atlas: Atlas = state.atlas
    return atlas


async def get_templates(request: Request) -> Jinja2Templates:
    """The Jinja2 templates of the pages."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


SettingsDep = Annotated[Settings, Depends(get_settings)]
AtlasDep = Annotated[Atlas, Depends(get_atlas)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
