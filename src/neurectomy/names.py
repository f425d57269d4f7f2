"""Name normalisation and "did you mean" suggestions, shared by every look-up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case and collapse everything that is not a letter or digit to single spaces.

    >>> normalise("Lateral Femoral-Cutaneous  nerve (LFCN)")
    'lateral femoral cutaneous nerve lfcn'
    """
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def suggest(query: str, choices: Iterable[str], limit: int = 5) -> list[str]:
    """Closest matches for a name that was not found (rapidfuzz, imported only on this error path)."""
    from rapidfuzz import fuzz, process, utils

    unique = list(dict.fromkeys(choices))
    found = process.extract(query, unique, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 3)
    out: list[str] = []
    for choice, score, _ in found:
        if score >= 50 and choice not in out:
            out.append(choice)
        if len(out) == limit:
            break
    return out


class UnknownNameError(LookupError):
    """A name that the atlas does not know; carries suggestions for the user."""

    def __init__(self, kind: str, query: str, suggestions: Sequence[str]) -> None:
        self.kind = kind
        self.query = query
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {query!r}{hint}")
