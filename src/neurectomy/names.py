"""Name normalisation and "did you mean" suggestions, shared by every look-up."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case, drop accents ("Ménière" is "meniere") and collapse everything that is not a letter or digit to
    single spaces.

    >>> normalise("Lateral Femoral-Cutaneous  nerve (LFCN)")
    'lateral femoral cutaneous nerve lfcn'
    >>> normalise("Ménière's")
    'meniere s'
    """
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text.lower()).strip()


#: plural forms surgeons write for one structure or a group of them (the singular is the atlas's)
_PLURALS = {
    "nerves": "nerve",
    "branches": "branch",
    "rami": "ramus",
    "ganglia": "ganglion",
    "plexuses": "plexus",
    "plexi": "plexus",
    "twigs": "twig",
    "roots": "root",
    # the nouns of the conditions' names ("occipital neuralgias", "hemifacial spasms")
    "neuralgias": "neuralgia",
    "spasms": "spasm",
    "blepharospasms": "blepharospasm",
    "neuromas": "neuroma",
    "neuromata": "neuroma",
    "syndromes": "syndrome",
}
#: ordinals written with digits, as their words ("3rd occipital nerve" is the third occipital nerve)
_ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth"}
#: a cranial nerve by its number in digits ("CN 7", "cranial nerve 12") → the roman numeral the atlas uses
_CRANIAL_DIGITS = re.compile(r"\b(cn|cranial nerve) ?(1[0-2]|[1-9])\b")
_ROMAN = ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
#: abbreviations of the words of a name ("n." for nerve)
_WORD_ABBREVIATIONS = {"n": "nerve", "nn": "nerve", "br": "branch", "brs": "branch"}
#: words a surgeon leaves out of a name: "recurrent motor" for "recurrent motor branch", "Baxter" for "Baxter's nerve"
OPTIONAL_WORDS = frozenset({"nerve", "branch", "of", "the", "a"})
_CRANIAL_NUMBER = re.compile(r"(?: cn| cranial)? (?:i{1,3}|iv|vi{0,3}|ix|xi{0,2})$")


def canonical(text: str) -> str:
    """The key under which names are compared after the exact name: :func:`normalise`, then a possessive "s" is
    dropped ("Baxter's nerve" → "baxter nerve"), plurals become singular ("pelvic splanchnic nerves" →
    "pelvic splanchnic nerve"), "n." is "nerve", and a leading "the" goes.

    >>> canonical("Baxter's nerves")
    'baxter nerve'
    >>> canonical("the n. to vastus medialis")
    'nerve to vastus medialis'
    """
    text = _CRANIAL_DIGITS.sub(lambda m: f"{m[1]} {_ROMAN[int(m[2])]}", normalise(text))
    words = [_ORDINALS.get(w, w) for w in text.split()]
    out: list[str] = []
    for i, w in enumerate(words):
        if w == "s" and i > 0:  # the s of a possessive ("Guyon's" → "guyon s")
            continue
        if w.endswith("s") and len(w) > 3 and w[:-1] in _EPONYM_WORDS:
            w = w[:-1]  # "Baxters nerve", "Guyons canal": the apostrophe left out
        w = _PLURALS.get(w, w)
        w = _WORD_ABBREVIATIONS.get(w, w) if len(words) > 1 else w
        out.append(w)
    if out[:1] == ["the"]:
        out = out[1:]
    return " ".join(out)


def loose(text: str) -> str:
    """:func:`canonical` without the optional words (nerve, branch, of, the): the last key a name is compared by,
    so "recurrent motor" finds "recurrent motor branch" and "Baxter" finds "Baxter's nerve". A loose key shared by
    several structures is ambiguous, never a guess.

    >>> loose("dorsal cutaneous branch of the ulnar nerve")
    'dorsal cutaneous ulnar'
    """
    return " ".join(w for w in canonical(text).split() if w not in OPTIONAL_WORDS)


def without_cranial_number(key: str) -> str:
    """A loose key without a trailing cranial-nerve number ("accessory xi" → "accessory"), which a surgeon adds to
    a cranial nerve's name; the key unchanged if it has none.

    >>> without_cranial_number("accessory xi")
    'accessory'
    """
    return _CRANIAL_NUMBER.sub("", key) if " " in key else key


#: abbreviations surgeons write for nerves outside the limbs (the limb nerves carry theirs as synonyms in the atlas),
#: each expanded to the atlas name before the look-up (gray42; moore9; standard clinical usage)
CLINIC_ABBREVIATIONS = {
    "gon": "greater occipital nerve",
    "lon": "lesser occipital nerve",
    "ton": "third occipital nerve",
    "ion": "infraorbital nerve",
    "son": "supraorbital nerve",
    "stn": "supratrochlear nerve",
    "ibn": "intercostobrachial nerve",
    "ihn": "iliohypogastric nerve",
    "iin": "ilioinguinal nerve",
    "gfn": "genitofemoral nerve",
    "gan": "great auricular nerve",
    "atn": "auriculotemporal nerve",
    "san": "accessory nerve",
    "spinal accessory nerve": "accessory nerve",
    "mabc": "medial cutaneous nerve of forearm",
    "labc": "lateral cutaneous nerve of forearm",
    "pabc": "posterior cutaneous nerve of forearm",
}

#: how a side is written in the clinic, each with the one side it means; "bilateral" is not one side (refused)
SIDE_WORDS = {
    "left": "left",
    "l": "left",
    "lt": "left",
    "lft": "left",
    "right": "right",
    "r": "right",
    "rt": "right",
    "midline": "midline",
}
_BOTH_SIDES = frozenset({"bilateral", "bilat", "both", "both sides", "b l", "bl"})


def side_word(value: str) -> str | None:
    """The side a clinic abbreviation names ("R", "Rt", "lt", "L." → right/left), or None if it names none.
    Raises ``ValueError`` for "bilateral" and its short forms, which name two sides, not one.

    >>> side_word("Rt"), side_word("L."), side_word("upper")
    ('right', 'left', None)
    """
    key = normalise(value)
    if key in _BOTH_SIDES:
        raise ValueError(f"{value!r} names both sides; give one side (left or right) and add the other side's cut")
    return SIDE_WORDS.get(key)


def split_side(text: str) -> tuple[str | None, str]:
    """A side word at the start or end of a name ("left ulnar nerve", "L. ulnar n.", "ulnar nerve, right"), and the
    name without it; ``(None, text)`` when it names no side. The caller must refuse a side that contradicts one
    given separately -- a side in a name is never silently overridden or ignored.

    >>> split_side("L. ulnar n.")
    ('left', 'ulnar n.')
    >>> split_side("right lateral thigh")
    ('right', 'lateral thigh')
    >>> split_side("lateral thigh")
    (None, 'lateral thigh')
    """
    m = re.match(r"^\s*(left|right|lt|rt|l|r)\b\.?\s+(?P<rest>\S.*)$", text, re.IGNORECASE)
    if m is None:
        m = re.match(r"^(?P<rest>.*\S)[\s,]+(left|right)\s*$", text, re.IGNORECASE)
        if m is None:
            return None, text
        return SIDE_WORDS[m.group(2).lower()], m["rest"].rstrip(" ,")
    return SIDE_WORDS[m.group(1).lower()], m["rest"]


#: eponyms of peripheral-nerve surgery, matched with or without the possessive's apostrophe
_EPONYM_WORDS = frozenset(
    {
        "alcock",
        "arnold",
        "baxter",
        "frohse",
        "guyon",
        "hunter",
        "jacobson",
        "kuntz",
        "morton",
        "struthers",
        "frey",
        "meniere",
    }
)


#: words every nerve name shares: a suggestion must match the words that tell nerves apart, not these
_GENERIC_WORDS = frozenset({"nerve", "nerves", "of", "the", "to", "and", "branch", "branches", "n", "nn"})


def _telling(text: str) -> str:
    return " ".join(w for w in text.split() if w not in _GENERIC_WORDS)


def suggest(query: str, choices: Iterable[str], limit: int = 5, *, shown: Mapping[str, str] | None = None) -> list[str]:
    """Closest matches for a name that was not found (rapidfuzz, imported only on this error path).

    The score averages a weighted ratio (forgiving of typos and partial names) with a token-set ratio (which does
    not reward sharing only a common word such as "of"), weighted 2:1 with how well the telling words match (the
    words besides "nerve", "of", "branch"…): "ulnr nerve" shares only "nerve" with "L1 nerve", which is no hint
    (review 18c, finding 5). Suggestions score at least 50 and within 20 points of the best, since one far below
    the best match is noise, not a hint. ``shown`` maps a choice (a synonym) to the name to show for it (a synonym
    found is suggested by the name the atlas shows, once).

    >>> suggest("ulnr nerve", ["ulnar nerve", "L1 nerve", "L2 nerve", "sural nerve"])
    ['ulnar nerve']
    >>> suggest("L1 nrve", ["L1 nerve", "spinal nerve L1"], shown={"L1 nerve": "spinal nerve L1"})
    ['spinal nerve L1']
    """
    from rapidfuzz import fuzz, process, utils

    def score(a: str, b: str, **kwargs: object) -> float:
        base = (fuzz.WRatio(a, b) + fuzz.token_set_ratio(a, b)) / 2
        ta, tb = _telling(a), _telling(b)
        if not (ta and tb):
            return base
        telling = fuzz.partial_ratio(ta, tb) if len(ta) <= len(tb) else fuzz.ratio(ta, tb)
        return (2 * base + telling) / 3

    unique = list(dict.fromkeys(choices))
    query = query[:200]  # a name is never longer; fuzzy matching of huge text is slow, not helpful
    found = process.extract(query, unique, scorer=score, processor=utils.default_process, limit=limit * 3)
    floor = max(50.0, found[0][1] - 20.0) if found else 50.0
    out: list[str] = []
    for choice, value, _ in found:
        name = shown.get(choice, choice) if shown is not None else choice
        if value >= floor and name not in out:
            out.append(name)
        if len(out) == limit:
            break
    return out


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders numbers by value: T2 before T10.

    >>> sorted(["T10", "T2", "L1"], key=natural_key)
    ['L1', 'T2', 'T10']
    """
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text.lower()) if p)


#: the cranial nerves by number (I-XII), as their names and the roman numerals of "cranial nerve V" read
CRANIAL_NERVES = (
    "olfactory",
    "optic",
    "oculomotor",
    "trochlear",
    "trigeminal",
    "abducens",
    "facial",
    "vestibulocochlear",
    "glossopharyngeal",
    "vagus",
    "accessory",
    "hypoglossal",
)
_SPINAL = re.compile(r"^spinal nerve (C|T|L|S|Co)(\d+)$", re.IGNORECASE)
_CN = re.compile(r"\b(?:cranial nerve|CN)\s*([IVX]+)\b")


def anatomical_key(name: str, synonyms: Iterable[str] = ()) -> tuple[int, int, tuple[tuple[int, int | str], ...]]:
    """Sort key of a root of the nerve tree in anatomical order: the cranial nerves I-XII by number (a part of one,
    such as the nervus intermedius, "sensory root of facial nerve", with it), then the spinal nerves C, T, L, S, Co
    by segment (C8 before T1, T12 before L1), then anything else by name (review 18c, finding 5).

    >>> names = ["spinal nerve T1", "vagus nerve", "spinal nerve C8", "spinal nerve Co1", "spinal nerve L1"]
    >>> sorted(names, key=anatomical_key)
    ['vagus nerve', 'spinal nerve C8', 'spinal nerve T1', 'spinal nerve L1', 'spinal nerve Co1']
    """
    labels = [name, *synonyms]
    for label in labels:
        if (m := _CN.search(label)) and m[1].lower() in _ROMAN[1:]:
            return (0, _ROMAN.index(m[1].lower()) - 1, natural_key(name))
    for label in labels:
        words = normalise(label).split()
        for number, cranial in enumerate(CRANIAL_NERVES):
            if cranial in words and ("nerve" in words or label == name):
                return (0, number, natural_key(name))
    if m := _SPINAL.match(name):
        return (1, ("c", "t", "l", "s", "co").index(m[1].lower()) * 100 + int(m[2]), ())
    return (2, 0, natural_key(name))


def listing(names: Sequence[str]) -> str:
    """Names joined for a message: by commas, or by semicolons when a name holds a comma."""
    return ("; " if any("," in n for n in names) else ", ").join(names)


class UnknownNameError(LookupError):
    """A name that the atlas does not know; carries suggestions for the user."""

    def __init__(self, kind: str, query: str, suggestions: Sequence[str], field: str | None = None) -> None:
        self.kind = kind
        self.query = query
        self.suggestions = list(suggestions)
        #: the request field the name came from (``also``, ``avoid``, ``numb``…); the kind when not known
        self.field = field or kind
        hint = f"; did you mean: {listing(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {query!r}{hint}")

    def __str__(self) -> str:
        text = super().__str__()
        return text if self.field == self.kind else f"{self.field}: {text}"


class AmbiguousNameError(UnknownNameError):
    """A phrase that fits several things; it is never expanded to all of them. ``suggestions`` are the candidates
    (the first few, then a count)."""

    def __init__(self, kind: str, query: str, candidates: Sequence[str], shown: int = 8) -> None:
        names = list(candidates)
        more = [f"… {len(names) - shown} more"] if len(names) > shown else []
        LookupError.__init__(
            self, f"{kind} {query!r} fits {len(names)} names; give one of them: {listing(names[:shown] + more)}"
        )
        self.kind = kind
        self.query = query
        self.suggestions = names[:shown] + more
        self.candidates = names
        self.field = kind


class RequestError(ValueError):
    """A request that names known things but asks for something impossible or malformed (a landmark not on the
    nerve, a side that does not exist, a region that names several targets). ``field`` is the request field at
    fault, so every edge can point at it (exit status 2 on the CLI, HTTP 422 on the API)."""

    def __init__(self, field: str, message: str, suggestions: Sequence[str] = ()) -> None:
        self.field = field
        self.message = message
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(message + hint)
