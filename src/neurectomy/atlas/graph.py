"""The compiled, immutable :class:`Atlas`.

The loader turns the YAML records into plain tuples here, so a cached atlas unpickles in milliseconds without
importing pydantic, YAML or NumPy. Innervation is stored as *supply paths*: every route by which a target's
fibres come down from a tree root (spinal nerve, cranial nerve, ganglion), with the share of the target's supply
it carries. Plexus merges (``also_from``) give a target several paths. For every nerve the paths that pass it
are kept sorted by the position at which they leave it, so a cut at position ``p`` interrupts exactly one
suffix of that list (DESIGN §4). NumPy arrays for batch queries are built on first use.

An :class:`Atlas` is shared by every caller in a process (web requests included), so it is immutable all the way
down: records are frozen, sequences are tuples, look-up tables are read-only mappings
(:class:`types.MappingProxyType`), NumPy arrays are not writeable, and attributes cannot be reassigned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from neurectomy.names import (
    CLINIC_ABBREVIATIONS,
    OPTIONAL_WORDS,
    AmbiguousNameError,
    UnknownNameError,
    canonical,
    loose,
    natural_key,
    normalise,
    suggest,
    without_cranial_number,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

TargetKind = Literal["muscle", "skin", "joint", "gland", "viscus", "special"]
Group = Literal["motor", "sensory", "articular", "autonomic", "visceral", "special"]

GROUP_OF_KIND: Mapping[str, Group] = MappingProxyType(
    {
        "muscle": "motor",
        "skin": "sensory",
        "joint": "articular",
        "gland": "autonomic",
        "viscus": "visceral",
        "special": "special",
    }
)
DEFAULT_FIBRE: Mapping[str, str] = MappingProxyType(
    {
        "muscle": "somatic_motor",
        "skin": "somatic_sensory",
        "joint": "somatic_sensory",
        "gland": "sympathetic",
        "viscus": "visceral_afferent",
        "special": "special_sensory",
    }
)


@dataclass(frozen=True, slots=True)
class Nerve:
    """One nerve segment as compiled (positions in mm along the segment from its origin)."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    xrefs: tuple[tuple[str, str], ...]
    parent: str | None
    origin_mm: float
    also_from: tuple[tuple[str, float], ...]
    length_mm: float
    roots: tuple[str, ...]
    fibres: tuple[str, ...]
    landmarks: tuple[tuple[str, float], ...]
    midline: bool
    source: str
    lengths_source: str
    file: str


@dataclass(frozen=True, slots=True)
class SupplyEdge:
    nerve: str
    share: float
    at_mm: float
    fibre: str
    source: str | None


@dataclass(frozen=True, slots=True)
class Target:
    """A muscle, skin region, joint, gland/viscus or special-sense organ."""

    id: str
    name: str
    kind: TargetKind
    synonyms: tuple[str, ...]
    xrefs: tuple[tuple[str, str], ...]
    supply: tuple[SupplyEdge, ...]
    roots: tuple[str, ...]
    source: str
    file: str
    actions: tuple[str, ...] = ()
    area_cm2: float | None = None
    area_source: str | None = None
    chart: str | None = None
    function: str | None = None
    #: present in one sex only ("female", "male"), else None
    sex: str | None = None
    #: (sex, function) where the function differs by sex (atlas schema ``function_by_sex``)
    function_by_sex: tuple[tuple[str, str], ...] = ()

    @property
    def group(self) -> Group:
        return GROUP_OF_KIND[self.kind]

    @property
    def autonomous(self) -> bool:
        """Supplied by a single nerve: that nerve's autonomous zone."""
        return len(self.supply) == 1


@dataclass(frozen=True, eq=False)
class Atlas:
    """The whole compiled atlas: nerves in DFS order of the primary tree, targets, and supply paths.

    ``subtree_end[i]`` closes the DFS interval of nerve ``i``: its primary-tree descendants are
    ``range(i + 1, subtree_end[i])``. Path ``p`` runs from its target's supplying nerve up to a root:
    ``path_nerves[p][k]`` is left at ``path_exits[p][k]`` mm from that nerve's origin.

    Immutable: the indexes are read-only mappings (a dict passed in is copied), every other container is a tuple,
    and fields cannot be reassigned, so no caller can change what a name means for the rest of the process.
    """

    nerves: tuple[Nerve, ...]
    targets: tuple[Target, ...]
    subtree_end: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    path_target: tuple[int, ...]
    path_weight: tuple[float, ...]
    path_nerves: tuple[tuple[int, ...], ...]
    path_exits: tuple[tuple[float, ...], ...]
    seg_exit: tuple[tuple[float, ...], ...]
    seg_path: tuple[tuple[int, ...], ...]
    references: tuple[tuple[str, str], ...]
    digest: str
    warnings: tuple[str, ...] = ()
    nerve_index: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    target_index: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    name_index: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in _INDEXES:
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    # a mappingproxy cannot be pickled: the cache stores plain dicts and wraps them again on load
    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in _FIELDS}
        for name in _INDEXES:
            state[name] = dict(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.keys() != _FIELDS:
            raise TypeError("an atlas pickled by incompatible code")
        for name in _INDEXES:
            state[name] = MappingProxyType(state[name])
        self.__dict__.update(state)

    # ----------------------------------------------------------------- look-up
    def nerve(self, name: str) -> Nerve:
        """The nerve called ``name`` (id, name or synonym, case-insensitive); suggestions if unknown."""
        return self.nerves[self.nerve_idx(name)]

    def nerve_idx(self, name: str) -> int:
        if name in self.nerve_index:
            return self.nerve_index[name]
        found = self._named("nerve", name)
        if found is None:
            found = self._clinic_lookup("nerve", name)
        if found is not None:
            return found
        raise UnknownNameError("nerve", name, suggest(name, self._choices("nerve")))

    def target(self, name: str) -> Target:
        """The target (muscle, skin region, joint, …) called ``name``; suggestions if unknown."""
        if name in self.target_index:
            return self.targets[self.target_index[name]]
        found = self._named("target", name)
        if found is None:
            found = self._clinic_lookup("target", name)
        if found is not None:
            return self.targets[found]
        raise UnknownNameError("target", name, suggest(name, self._choices("target")))

    def _named(self, kind: str, name: str) -> int | None:
        """The one nerve or target whose name or synonym is ``name``; a label that several share (a synonym given
        to two records, such as "skin of ear canal") is an :class:`AmbiguousNameError`, never the first one."""
        return self._one(kind, name, [i for k, i in self.name_index.get(normalise(name), ()) if k == kind])

    def _one(self, kind: str, name: str, hits: Sequence[int]) -> int | None:
        unique = list(dict.fromkeys(hits))
        if len(unique) > 1:
            items = self.nerves if kind == "nerve" else self.targets
            raise AmbiguousNameError(kind, name, sorted((items[i].name for i in unique), key=natural_key))
        return unique[0] if unique else None

    def _clinic_lookup(self, kind: str, name: str) -> int | None:
        """A name as surgeons write it, tried after the exact name: a clinic abbreviation (GON, ION…), then the
        name with possessives and plurals forgiven (:func:`~neurectomy.names.canonical`), then without the optional
        words nerve/branch/of/the (:func:`~neurectomy.names.loose`), then without a cranial nerve's number
        ("accessory nerve XI"), then a plural that names a group ("pelvic splanchnic nerves" → S2, S3, S4). A key
        that fits several is an :class:`AmbiguousNameError` listing them; None if nothing fits."""
        expanded = CLINIC_ABBREVIATIONS.get(normalise(name))
        if expanded is not None:
            found = self._one(kind, name, [i for k, i in self.name_index.get(normalise(expanded), ()) if k == kind])
            if found is not None:
                return found
        key = loose(name)
        for index, probe in (
            (self.alias_index[0], canonical(name)),
            (self.alias_index[1], key),
            (self.alias_index[1], without_cranial_number(key)),
        ):
            hits = list(dict.fromkeys(i for k, i in index.get(probe, ()) if k == kind))
            if len(hits) == 1:
                return hits[0]
            if hits:
                items = self.nerves if kind == "nerve" else self.targets
                raise AmbiguousNameError(kind, name, sorted((items[i].name for i in hits), key=natural_key))
        if canonical(name) != normalise(name) and kind == "nerve":  # a plural: the members of a group
            stem = canonical(name) + " "
            group = [i for i, n in enumerate(self.nerves) if canonical(n.name).startswith(stem)]
            if len(group) == 1:
                return group[0]
            if group:
                raise AmbiguousNameError(kind, name, sorted((self.nerves[i].name for i in group), key=natural_key))
        return None

    @cached_property
    def alias_index(self) -> tuple[dict[str, tuple[tuple[str, int], ...]], dict[str, tuple[tuple[str, int], ...]]]:
        """Every nerve and target name under its :func:`~neurectomy.names.canonical` key and under its
        :func:`~neurectomy.names.loose` key (built on first use)."""
        strict: dict[str, list[tuple[str, int]]] = {}
        free: dict[str, list[tuple[str, int]]] = {}
        named: list[tuple[str, int, tuple[str, ...]]] = [
            ("nerve", i, (n.name, *n.synonyms)) for i, n in enumerate(self.nerves)
        ]
        named += [("target", i, (t.name, *t.synonyms)) for i, t in enumerate(self.targets)]
        for kind, i, labels in named:
            for label in labels:
                strict.setdefault(canonical(label), []).append((kind, i))
                free.setdefault(loose(label), []).append((kind, i))
        return (
            {k: tuple(dict.fromkeys(v)) for k, v in strict.items()},
            {k: tuple(dict.fromkeys(v)) for k, v in free.items() if k},
        )

    def _choices(self, kind: str) -> list[str]:
        items = self.nerves if kind == "nerve" else self.targets
        return [n.name for n in items] + [s for n in items for s in n.synonyms]

    @cached_property
    def search_items(self) -> tuple[tuple[str, str, str, tuple[tuple[str, frozenset[str]], ...]], ...]:
        """What :meth:`search` looks through: ``(kind, id, name, labels)`` for every nerve, target and landmark
        (a landmark's id is ``nerve_id@landmark``, its name says which nerve), each label with its words (built on
        first use)."""
        from neurectomy.landmarks import _aliases

        def words(label: str) -> frozenset[str]:
            return frozenset(canonical(label).split()) | frozenset(loose(label).split())

        out: list[tuple[str, str, str, tuple[tuple[str, frozenset[str]], ...]]] = []
        for n in self.nerves:
            out.append(("nerve", n.id, n.name, tuple((x, words(x)) for x in (n.name, *n.synonyms))))
        for n in self.nerves:
            for name, _ in n.landmarks:
                labels = tuple(dict.fromkeys(_aliases(name)))
                out.append(("landmark", f"{n.id}@{name}", f"{name} ({n.name})", tuple((x, words(x)) for x in labels)))
        for t in self.targets:
            out.append((t.kind, t.id, t.name, tuple((x, words(x)) for x in (t.name, *t.synonyms))))
        return tuple(out)

    def search(
        self, text: str, limit: int = 10, extra: Sequence[tuple[str, str, str, Sequence[str]]] = ()
    ) -> list[tuple[str, str, str]]:
        """Nerves, landmarks and targets (and the ``extra`` items a caller adds, such as conditions: ``(kind, id,
        name, labels)``) whose names match ``text``: ``(kind, id, name)``, best first.

        Ranked in tiers: a name that *is* the query (exactly, or as a surgeon writes it: abbreviation, possessive,
        plural, without "nerve"/"branch", an eponym for the structure's descriptive name: "Hunter" for the
        adductor canal), then names holding every word of the query as whole words; within a tier nerves come
        first, then landmarks, then the extra items (conditions), then targets, so "vagus" never returns a muscle
        first when a nerve is called so. Only when nothing matches by whole words are typos forgiven: every word of
        the query must then be at least :data:`SEARCH_WORD_SIMILARITY` similar (rapidfuzz ratio, 0-100) to a word
        of the name, or the whole query :data:`SEARCH_NAME_SIMILARITY` similar to the whole name ("suralnerve");
        looser matches ("Guyon" for GON, "Frey" for the grey rami) are dropped, never shown as hits.
        """
        from rapidfuzz import fuzz

        from neurectomy.landmarks import EPONYMS

        def words_of(label: str) -> frozenset[str]:
            return frozenset(canonical(label).split()) | frozenset(loose(label).split())

        items = list(self.search_items) + [(k, i, n, tuple((x, words_of(x)) for x in ls)) for k, i, n, ls in extra]
        query = [w for w in loose(text).split() if w]
        if not query:
            return []
        variants = [frozenset(query)]
        exact_keys = {canonical(text), loose(text)}
        expanded = CLINIC_ABBREVIATIONS.get(normalise(text))
        if expanded:
            exact_keys |= {canonical(expanded), loose(expanded)}
        for eponym, name in EPONYMS.items():  # "Hunter", "Hunter's canal" -> adductor canal
            if frozenset(query) <= frozenset(eponym.split()) - OPTIONAL_WORDS - {"canal", "arcade"} or (
                canonical(text) == eponym
            ):
                exact_keys |= {canonical(name), loose(name)}
                variants.append(frozenset(loose(name).split()))
        head, last = frozenset(query[:-1]), query[-1]

        def typing(have: frozenset[str]) -> bool:
            """The query as it is being typed: every word whole but the last, which begins a word of the name
            ("peron" for peroneal, "lat fem" never: only the last word may be partial, and it needs 3 letters)."""
            return len(last) >= 3 and head <= have and any(h.startswith(last) for h in have)

        order = {"nerve": 0, "landmark": 1}
        ranked: list[tuple[int, float, float, int, int]] = []
        for pos, (kind, _, _, labels) in enumerate(items):
            best: tuple[int, float, int] | None = None
            for label, have in labels:
                if canonical(label) in exact_keys or loose(label) in exact_keys:
                    found = (0, 0.0, len(have))
                elif any(v <= have for v in variants):
                    found = (1, 0.0, len(have))
                elif typing(have):
                    found = (2, 0.0, len(have))
                else:
                    continue
                best = found if best is None or found < best else best
            if best is not None:
                rank = order.get(kind, 2 if kind == "condition" else 3)
                ranked.append((best[0], rank, best[1], best[2], pos))
        if not ranked:  # typos: each word close to a word of the name, or the whole name close to the query
            q = normalise(text)
            for pos, (kind, _, _, labels) in enumerate(items):
                score = 0.0
                for label, have in labels:
                    per_word = [max((fuzz.ratio(w, h) for h in have), default=0.0) for w in query]
                    if min(per_word) >= SEARCH_WORD_SIMILARITY:
                        score = max(score, sum(per_word) / len(per_word))
                    whole = fuzz.ratio(q, normalise(label))
                    if whole >= SEARCH_NAME_SIMILARITY:
                        score = max(score, whole)
                if score:
                    ranked.append((3, -round(score), order.get(kind, 2 if kind == "condition" else 3), 0, pos))
        ranked.sort()
        out: list[tuple[str, str, str]] = []
        for *_, pos in ranked[:limit]:
            kind, ident, name, _ = items[pos]
            out.append((kind, ident, name))
        return out

    # ----------------------------------------------------------------- structure
    def descendants(self, nerve_idx: int) -> range:
        """Primary-tree descendants of a nerve, as one DFS interval."""
        return range(nerve_idx + 1, self.subtree_end[nerve_idx])

    def targets_of(self, nerve_idx: int) -> list[int]:
        """Targets any of whose supply passes through this nerve."""
        return sorted({self.path_target[p] for p in self.seg_path[nerve_idx]})

    def nerve_to_dict(self, nerve_idx: int) -> dict[str, Any]:
        """A nerve with its branches and targets, as ``atlas show --json`` and the HTTP API serve it."""
        n = self.nerves[nerve_idx]
        targets = [self.targets[t] for t in self.targets_of(nerve_idx)]
        return {
            "id": n.id,
            "name": n.name,
            "synonyms": list(n.synonyms),
            "xrefs": dict(n.xrefs),
            "parent": n.parent,
            "origin_mm": n.origin_mm,
            "also_from": [{"nerve": p, "origin_mm": mm} for p, mm in n.also_from],
            "length_mm": n.length_mm,
            "roots": list(n.roots),
            "fibres": list(n.fibres),
            "landmarks": [{"name": name, "mm": mm} for name, mm in n.landmarks],
            "branches": [self.nerves[c].id for c in self.children[nerve_idx]],
            "targets": [{"id": t.id, "name": t.name, "kind": t.kind} for t in targets],
            "source": n.source,
            "lengths_source": n.lengths_source,
        }

    def distance_mm(self, path: int, nerve_idx: int, mm: float) -> float:
        """Length of fibre from a cut at ``mm`` on a nerve down path ``path`` to its target."""
        nerves = self.path_nerves[path]
        exits = self.path_exits[path]
        k = nerves.index(nerve_idx)
        return max(exits[k] - mm, 0.0) + sum(exits[:k])

    def counts(self) -> dict[str, int]:
        """How much anatomy the atlas holds (the edges add what they know, e.g. charted skin regions)."""
        by_kind: dict[str, int] = {}
        for t in self.targets:
            by_kind[t.kind] = by_kind.get(t.kind, 0) + 1
        return {
            "nerves": len(self.nerves),
            "muscles": by_kind.get("muscle", 0),
            "skin_regions": by_kind.get("skin", 0),
            "joints": by_kind.get("joint", 0),
            "viscera_glands": by_kind.get("gland", 0) + by_kind.get("viscus", 0),
            "special_organs": by_kind.get("special", 0),
            "supply_paths": len(self.path_target),
        }

    # ----------------------------------------------------------------- derived structure
    @cached_property
    def suffixes(self) -> tuple[tuple[tuple[float, int], ...], ...]:
        """Per nerve, ``(exit_mm, start)`` for each distinct exit position, ascending: a cut at any position in
        ``(previous exit, exit_mm]`` interrupts exactly ``seg_path[n][start:]``. These are all the distinct cuts."""
        out = []
        for exits in self.seg_exit:
            row: list[tuple[float, int]] = []
            for i, e in enumerate(exits):
                if not row or row[-1][0] != e:
                    row.append((e, i))
            out.append(tuple(row))
        return tuple(out)

    @cached_property
    def depth(self) -> tuple[int, ...]:
        """Depth of each nerve in the primary tree (roots are 0)."""
        out = [0] * len(self.nerves)
        for i, n in enumerate(self.nerves):  # DFS order: a parent comes before its children
            if n.parent is not None:
                out[i] = out[self.nerve_index[n.parent]] + 1
        return tuple(out)

    @cached_property
    def target_words(self) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Lower-case words of each target's name and synonyms (for word look-ups)."""
        import re

        split = re.compile(r"[a-z0-9]+")
        return tuple(
            tuple(tuple(split.findall(label.lower())) for label in (t.name, *t.synonyms)) for t in self.targets
        )

    @cached_property
    def target_paths(self) -> tuple[tuple[int, ...], ...]:
        """The supply paths of each target."""
        out: list[list[int]] = [[] for _ in self.targets]
        for p, t in enumerate(self.path_target):
            out[t].append(p)
        return tuple(tuple(x) for x in out)

    # ----------------------------------------------------------------- arrays for batch work
    @cached_property
    def arrays(self) -> SupplyArrays:
        return SupplyArrays.build(self)


_INDEXES = ("nerve_index", "target_index", "name_index")
#: the least rapidfuzz ratio (0-100) between each word of a search and a word of a name for a typo to be forgiven
#: ("ulner" ~ "ulnar" 80, "saphenus" ~ "saphenous" 94); "Frey" ~ "grey" and "Guyon" ~ "GON" (75) are dropped
SEARCH_WORD_SIMILARITY = 80.0
#: the least ratio between the whole search and a whole name ("suralnerve" ~ "sural nerve" 95)
SEARCH_NAME_SIMILARITY = 85.0
_FIELDS = frozenset(f.name for f in fields(Atlas))


@dataclass(frozen=True)
class SupplyArrays:
    """Pre-aggregated loss rows for vectorised batch lesions.

    A cut on nerve ``n`` interrupts a suffix of that nerve's paths, and a suffix can only start at one of the
    nerve's distinct exit positions, so every possible single-cut result is one of a few rows, computed here once
    (target ids sorted, shares summed and capped at 1). Nerve ``n`` owns rows ``row_ptr[n] … row_ptr[n] + k_n``:
    one per distinct exit (ascending) plus an empty row for cuts beyond its last exit. ``exit[key_ptr[n]:key_ptr[n+1]]``
    are nerve ``n``'s distinct exits; ``steps`` bisection rounds find any cut's row among them.
    The arrays are read-only.
    """

    exit: npt.NDArray[np.float64]
    key_ptr: npt.NDArray[np.int64]
    steps: int
    row_ptr: npt.NDArray[np.int64]
    row_indptr: npt.NDArray[np.int64]
    row_target: npt.NDArray[np.int32]
    row_loss: npt.NDArray[np.float64]

    @classmethod
    def build(cls, atlas: Atlas) -> SupplyArrays:
        import numpy as np

        keys: list[float] = []
        key_ptr = [0]
        row_ptr: list[int] = []
        row_indptr = [0]
        targets: list[int] = []
        losses: list[float] = []
        for paths, suffixes in zip(atlas.seg_path, atlas.suffixes, strict=True):
            row_ptr.append(len(row_indptr) - 1)
            suffix_rows: list[list[tuple[int, float]]] = []
            acc: dict[int, float] = {}
            end = len(paths)
            for _, start in reversed(suffixes):
                for p in paths[start:end]:
                    t = atlas.path_target[p]
                    acc[t] = acc.get(t, 0.0) + atlas.path_weight[p]
                end = start
                suffix_rows.append(sorted((t, min(v, 1.0)) for t, v in acc.items()))
            suffix_rows.reverse()
            keys.extend(e for e, _ in suffixes)
            key_ptr.append(len(keys))
            for row in [*suffix_rows, []]:
                targets.extend(t for t, _ in row)
                losses.extend(v for _, v in row)
                row_indptr.append(len(targets))
        out = cls(
            exit=np.asarray([*keys, np.inf], dtype=np.float64),
            key_ptr=np.asarray(key_ptr, dtype=np.int64),
            steps=max(int(np.diff(key_ptr).max(initial=0)), 1).bit_length(),
            row_ptr=np.asarray(row_ptr, dtype=np.int64),
            row_indptr=np.asarray(row_indptr, dtype=np.int64),
            row_target=np.asarray(targets, dtype=np.int32),
            row_loss=np.asarray(losses, dtype=np.float64),
        )
        for f in fields(out):
            value = getattr(out, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        return out
