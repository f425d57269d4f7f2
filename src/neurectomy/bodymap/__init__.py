"""Body-map charts: SVG drawings whose polygon ids are skin-region ids (DESIGN §3)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_POLYGON_ID = re.compile(r'<(?:polygon|path)\b[^>]*\bid="([a-z0-9_]+)"')


@lru_cache(maxsize=1)
def charted_regions() -> frozenset[str]:
    """Ids of the skin regions drawn on at least one chart."""
    found: set[str] = set()
    charts = resources.files("neurectomy.bodymap") / "charts"
    if charts.is_dir():
        for item in charts.iterdir():
            if item.name.endswith(".svg"):
                found.update(_POLYGON_ID.findall(item.read_text(encoding="utf-8")))
    return frozenset(found)
