"""Dependencies of the routes as ``Annotated`` aliases (FastAPI full-stack template habit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from neurectomy.atlas.graph import Atlas
from neurectomy.web.settings import Settings


def get_settings(request: Request) -> Settings:
    """This app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_atlas(request: Request) -> Atlas:
    """The compiled atlas (loaded once per app, on first use)."""
    state = request.app.state
    if state.atlas is None:
        from neurectomy.api import default_atlas

        state.atlas = default_atlas()
    atlas: Atlas = state.atlas
    return atlas


def get_templates(request: Request) -> Jinja2Templates:
    """The Jinja2 templates of the pages."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


SettingsDep = Annotated[Settings, Depends(get_settings)]
AtlasDep = Annotated[Atlas, Depends(get_atlas)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
