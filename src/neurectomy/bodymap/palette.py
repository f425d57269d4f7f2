"""Colours and patterns of the body maps: what a region's fill says, readable without colour vision.

The hues are from the Okabe–Ito palette (Okabe M, Ito K. *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people*, 2008; https://jfly.uni-koeln.de/color/), which stays
distinguishable under protan, deutan and tritan colour vision: blue ``#0072B2`` for all supply lost (numb),
vermillion ``#D55E00`` darkened to ``#B34700`` for part of it (reduced feeling) and bluish green ``#009E73``
darkened to ``#007A5A`` for a region marked normal, each darkened where needed so that the mark has at least 3:1
contrast (WCAG 2.1, 1.4.11 non-text contrast) against the white page and against an unmarked region. Each state
also has its own pattern (solid with a white cross-hatch, diagonal stripes, dots), so the states differ in
greyscale print and for readers who cannot tell the hues apart.
"""

from __future__ import annotations

PAGE = "#ffffff"
SILHOUETTE = "#f6f1ea"  # skin without a charted region
UNMARKED = "#eeeae4"  # a charted region with nothing to show
REGION_LINE = "#8a8178"  # boundaries between regions
OUTLINE = "#5f564d"  # the body's outline and landmark marks
INK = "#2b2622"
MUTED_INK = "#4a443e"

LOST = "#0072B2"  # Okabe–Ito blue
REDUCED = "#B34700"  # Okabe–Ito vermillion, darkened
REDUCED_TINT = "#fbe3d2"
NORMAL = "#007A5A"  # Okabe–Ito bluish green, darkened
NORMAL_TINT = "#e0f1ea"

#: each state: (pattern id, the mark's colour, a one-line description)
STATES: dict[str, tuple[str, str, str]] = {
    "lost": ("bm-lost", LOST, "solid blue, white cross-hatch"),
    "reduced": ("bm-reduced", REDUCED, "vermillion diagonal stripes"),
    "normal": ("bm-normal", NORMAL, "green dots"),
}


def pattern_defs() -> str:
    """The ``<pattern>`` definitions every chart uses (ids ``bm-lost``, ``bm-reduced``, ``bm-normal``)."""
    return (
        f'<pattern id="bm-lost" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{LOST}"/>'
        '<path d="M0,0 L6,6 M6,0 L0,6" stroke="#ffffff" stroke-opacity="0.4" stroke-width="0.6"/></pattern>'
        f'<pattern id="bm-reduced" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{REDUCED_TINT}"/>'
        f'<rect width="2.6" height="6" fill="{REDUCED}"/></pattern>'
        f'<pattern id="bm-normal" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{NORMAL_TINT}"/>'
        f'<circle cx="3" cy="3" r="1.6" fill="{NORMAL}"/></pattern>'
    )


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    h = colour.lstrip("#")
    r, g, b = (_linear(int(h[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
