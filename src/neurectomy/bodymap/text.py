"""Text layout for the SVG charts (measured widths, word wrapping): :mod:`neurectomy.svgtext`, which the core's
nerve-course drawing shares."""

from __future__ import annotations

from neurectomy.svgtext import text_width, wrap

__all__ = ["text_width", "wrap"]
