"""Body-map charts: SVG drawings whose polygon ids are skin-region ids (DESIGN §3)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurectomy.atlas.graph import Atlas

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


def skin_regions_without_chart(atlas: Atlas) -> int:
    """How many of the atlas's skin regions no chart draws."""
    charted = charted_regions()
    return sum(1 for t in atlas.targets if t.kind == "skin" and t.id not in charted)


def atlas_stats(atlas: Atlas) -> dict[str, int]:
    """The atlas's counts (:meth:`Atlas.counts`) with the charts' coverage added, as ``atlas stats`` and
    ``/api/atlas/stats`` serve them (the core atlas knows nothing of charts)."""
    out: dict[str, int] = {}
    for key, value in atlas.counts().items():
        if key == "supply_paths":
            out["skin_regions_without_chart"] = skin_regions_without_chart(atlas)
        out[key] = value
    out.setdefault("skin_regions_without_chart", skin_regions_without_chart(atlas))
    return out
