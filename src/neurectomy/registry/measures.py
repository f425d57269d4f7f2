"""Standard outcome measures and time points of the registry's follow-ups (issue 18, item 5).

Pain is the 11-point numeric rating scale (``pain_nrs``, 0-10) for every indication. Beside it, one validated
instrument per main indication where it is free to use, each with its source:

- hyperhidrosis (sympathectomy): the Hyperhidrosis Disease Severity Scale, HDSS 1-4;
- spasticity (selective neurotomy): the Modified Ashworth Scale, MAS 0-4 (grade 1+ stored as 1.5).

The time points are the usual ones of surgical follow-up: before the operation (the baseline), 3 weeks, 3 months
and 12 months after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Measure:
    """A validated instrument: its key, name, allowed scores (with their meaning) and source."""

    key: str
    name: str
    indication: str
    scores: tuple[tuple[float, str], ...]
    source: str


MEASURES: Final[dict[str, Measure]] = {
    m.key: m
    for m in (
        Measure(
            "hdss",
            "Hyperhidrosis Disease Severity Scale (HDSS)",
            "hyperhidrosis",
            (
                (1, "1 — never noticeable, never interferes with daily activities"),
                (2, "2 — tolerable, sometimes interferes"),
                (3, "3 — barely tolerable, frequently interferes"),
                (4, "4 — intolerable, always interferes"),
            ),
            "Solish N, Bertucci V, Dansereau A, et al. A comprehensive approach to the recognition, diagnosis, and "
            "severity-based treatment of focal hyperhidrosis: recommendations of the Canadian Hyperhidrosis "
            "Advisory Committee. Dermatol Surg 2007;33(8):908-923. doi:10.1111/j.1524-4725.2007.33192.x",
        ),
        Measure(
            "mas",
            "Modified Ashworth Scale (MAS)",
            "spasticity",
            (
                (0, "0 — no increase in muscle tone"),
                (1, "1 — slight increase, catch and release at the end of the range"),
                (1.5, "1+ — slight increase, catch then minimal resistance through less than half the range"),
                (2, "2 — more marked increase through most of the range, the part easily moved"),
                (3, "3 — considerable increase, passive movement difficult"),
                (4, "4 — affected part rigid"),
            ),
            "Bohannon RW, Smith MB. Interrater reliability of a modified Ashworth scale of muscle spasticity. "
            "Phys Ther 1987;67(2):206-207. doi:10.1093/ptj/67.2.206",
        ),
    )
}

#: The pain scale every follow-up records (stored in ``pain_nrs``).
PAIN_NRS_SOURCE: Final = (
    "Numeric rating scale 0-10: Hawker GA et al. Measures of adult pain. Arthritis Care Res 2011;63(S11):S240-S252. "
    "doi:10.1002/acr.20543"
)

#: Standard time points: key -> (label, days after the procedure, used when the form gives no days).
TIMEPOINTS: Final[dict[str, tuple[str, int]]] = {
    "before": ("before the procedure (baseline)", 0),
    "3_weeks": ("3 weeks after", 21),
    "3_months": ("3 months after", 91),
    "12_months": ("12 months after", 365),
}


def check_measures(values: dict[str, float]) -> dict[str, float]:
    """The scores, each checked against its instrument (unknown instruments and scores are refused)."""
    out: dict[str, float] = {}
    for key, value in values.items():
        measure = MEASURES.get(key)
        if measure is None:
            raise ValueError(f"unknown outcome measure {key[:40]!r}; known: {', '.join(MEASURES)}")
        allowed = [s for s, _ in measure.scores]
        if value not in allowed:
            raise ValueError(
                f"{measure.name}: {value!r} is not a score; use one of {', '.join(f'{s:g}' for s in allowed)}"
            )
        out[key] = float(value)
    return out
