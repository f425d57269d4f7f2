"""Text layout for SVG drawings (body maps, nerve courses): measured widths and word wrapping, so that no title or
caption is clipped.

Widths are DejaVu Sans advance widths (the first font the charts ask for, and the widest of the usual fallbacks:
Arial and Helvetica set the same text narrower), in thousandths of the font size, for printable ASCII; any other
character counts as the widest letter. A line wrapped to ``width`` with :func:`wrap` therefore fits ``width``
whatever font the viewer picks.
"""

from __future__ import annotations

import re

# DejaVu Sans (Book and Bold) advance widths for chr(32)..chr(126), units per em = 1000
_BOOK = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip
_WIDEST = 1103


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set at ``size`` (px) in DejaVu Sans (an upper bound for the usual sans fonts)."""
    table = _BOLD if bold else _BOOK
    total = 0
    for ch in text:
        code = ord(ch)
        total += table[code - 32] if 32 <= code < 127 else _WIDEST
    return total * size / 1000.0


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` at ``size``; a single word wider than the line
    is broken inside the word (never dropped). Joining the lines with spaces gives back the words of ``text``.

    A number stays with its unit ("(40 mm)" never breaks as "(40" / "mm)"; review 18c, finding 6).

    >>> wrap("branch to the muscle (40 mm)", 120, 12)
    ['branch to the', 'muscle (40 mm)']
    """
    lines: list[str] = []
    line = ""
    for word in _words(text):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while text_width(word, size, bold) > width and len(word) > 1:  # break an over-long word
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", size, bold) > width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


_UNIT = re.compile(r"^(?:mm|cm|cm²|m|%|ms|s|days?|months?|years?)\)?[,;:.]?$")
_NUMBER = re.compile(r"\d(?:[\d.,]*\d)?$")


def _words(text: str) -> list[str]:
    """The words of ``text`` to wrap, a number joined to the unit after it ("40 mm" one word)."""
    out: list[str] = []
    for word in text.split():
        if out and _UNIT.match(word) and _NUMBER.search(out[-1]):
            out[-1] += " " + word
        else:
            out.append(word)
    return out
