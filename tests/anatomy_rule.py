"""The matching rule written at the top of ``shared/reference/anatomy-checks.yaml``, implemented once."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[^a-z0-9]+")


def words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


def matches(name: str, alternative: str) -> bool:
    """Every word of the alternative is a prefix of some word of the name ("scrot" matches "scrotum")."""
    have = words(name)
    return all(any(h.startswith(w) for h in have) for w in words(alternative))


def matches_any(name: str, alternatives: str) -> bool:
    """``"a|b"``: one of the alternatives matches."""
    return any(matches(name, alt) for alt in alternatives.split("|"))


def resolve(atlas, names: str):
    """The first alternative the atlas's own name/synonym look-up resolves, or None."""
    from neurectomy.names import UnknownNameError

    for alt in names.split("|"):
        try:
            return atlas.nerve(alt.strip())
        except UnknownNameError:
            continue
    return None
