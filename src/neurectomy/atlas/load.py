"""Load, validate and compile the atlas data files, with an on-disk cache of the compiled result.

Every problem names the file, line, record id and field. Problems are collected and reported together, so a
curator fixes a whole file in one pass. ``neurectomy atlas validate [DATA_DIR]`` runs it from the command line.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurectomy.atlas.graph import DEFAULT_FIBRE, Atlas, Nerve, SupplyEdge, Target, TargetKind
from neurectomy.datafile import DataFileError, DuplicateKeyError, Problem, line_of, parse_yaml, validation_problems
from neurectomy.names import normalise

if TYPE_CHECKING:
    from hashlib import blake2b

    from neurectomy.atlas.schema import RegionFile

#: bump when the compiled form changes, so stale caches are ignored (the code hash below catches edits too)
COMPILER_VERSION = "5"
DATA_DIR = Path(__file__).with_name("data")
#: the source files whose bytes go into the cache key: change the compiler and a stale pickle is never loaded
CODE_FILES: tuple[Path, ...] = (
    Path(__file__).with_name("schema.py"),
    Path(__file__),
    Path(__file__).with_name("graph.py"),
    Path(__file__).parent.with_name("names.py"),
)
REFERENCES_FILE = "references.yaml"
#: The largest data file read (bytes): the whole body's atlas is a few hundred kB a file.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_PATHS_PER_SUPPLY = 256
SHARE_TOLERANCE = 0.011
_KIND_OF_SECTION: dict[str, TargetKind] = {
    "muscles": "muscle",
    "skin_regions": "skin",
    "joints": "joint",
    "special_organs": "special",
}
#: fibre types a nerve may only declare if some target below it needs them
_MUST_BE_USED = ("somatic_motor", "special_sensory")


class AtlasError(DataFileError):
    """The atlas data is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems, "the atlas data")


# --------------------------------------------------------------------------- entry points
def data_files(data_dir: Path | None = None) -> list[Path]:
    """The region files of a data directory, sorted (references file excluded)."""
    root = data_dir or DATA_DIR
    return sorted(p for p in root.glob("*.yaml") if p.name != REFERENCES_FILE)


def digest_of(data_dir: Path | None = None) -> str:
    """The cache key: a hash of every data file's name and bytes, the compiler version and the code that compiles
    them (:data:`CODE_FILES`), so neither a data edit nor a code edit can load a stale compiled atlas."""
    root = data_dir or DATA_DIR
    h = _blake2b(COMPILER_VERSION.encode())
    h.update(code_digest(CODE_FILES).encode())
    for path in sorted(root.glob("*.yaml")):
        h.update(path.name.encode())
        try:  # bounded, regular files only: a symlink to /dev/zero must not be read for ever
            if path.is_file():
                with path.open("rb") as fh:
                    h.update(fh.read(MAX_FILE_BYTES + 1))
        except OSError:
            h.update(b"\0unreadable")
    return h.hexdigest()


def code_digest(files: Sequence[Path] = CODE_FILES) -> str:
    """Hash of the compiling code's source bytes (a file that cannot be read counts by its name alone)."""
    h = _blake2b(b"code")
    for path in files:
        h.update(path.name.encode())
        try:
            h.update(path.read_bytes())
        except OSError:  # pragma: no cover - a sourceless install: the compiler version alone keys the cache
            h.update(b"\0unreadable")
    return h.hexdigest()


def _blake2b(data: bytes) -> blake2b:
    try:  # the C module directly: hashlib's import pulls in OpenSSL, a twentieth of the cold-start budget
        from _blake2 import blake2b as make
    except ImportError:  # pragma: no cover - interpreters without it
        from hashlib import blake2b as make
    return make(data, digest_size=16)


def cache_dir() -> Path | None:
    """Where compiled atlases are cached: ``$NEURECTOMY_CACHE_DIR`` or the user cache directory."""
    env = os.environ.get("NEURECTOMY_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    if sys.platform.startswith("linux"):
        # the XDG rule platformdirs applies on Linux, inline: importing platformdirs costs ~8 ms of a cold start
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(base) / "neurectomy"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("neurectomy", appauthor=False))


def load_atlas(data_dir: str | Path | None = None, *, cache: bool = True) -> Atlas:
    """The compiled atlas of ``data_dir`` (default: the packaged data), from the cache when it is current.

    A cache file that is corrupt, truncated, unreadable or written by incompatible code is rebuilt and
    overwritten, never trusted and never an error.
    """
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    digest = digest_of(root)
    where = cache_dir() if cache else None
    cached = where / f"atlas-{digest}.pickle" if where else None
    if cached is not None:
        atlas = _read_cache(cached, digest)
        if atlas is not None:
            return atlas
    atlas = compile_atlas(root, digest)
    if cached is not None:
        _write_atomically(cached, atlas)
    return atlas


def _read_cache(path: Path, digest: str) -> Atlas | None:
    """The cached atlas, or None when there is none or it cannot be trusted."""
    try:
        with path.open("rb") as fh:
            atlas = pickle.load(fh)
    except Exception:  # missing, corrupt, truncated, a directory, unreadable, or classes that no longer match
        return None
    if isinstance(atlas, Atlas) and atlas.digest == digest:
        return atlas
    return None


def _write_atomically(path: Path, atlas: Atlas) -> None:
    """Pickle into a temporary file beside ``path``, then rename it over ``path``: a reader (another process or
    thread) sees the old file or the whole new one, never a partial write, and a failed write leaves no trace."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name no other process or thread can pick; created exclusively, with the umask's usual permissions
        candidate = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        tmp = candidate
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(atlas, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass  # an unwritable cache only costs speed
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- parsing
def _read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file as text, or None with a problem naming the file (and line where there is one): not a regular file
    (a folder, a device, a symlink to one), larger than :data:`MAX_FILE_BYTES`, binary (a NUL byte) or not UTF-8.
    Never reads more than the limit."""
    try:
        if not path.is_file():
            problems.append(Problem(path.name, None, None, None, "not a regular file (a folder, device or pipe)"))
            return None
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(path.name, None, None, None, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(path.name, None, None, None, f"larger than {MAX_FILE_BYTES // 1024**2} MB"))
        return None
    nul = raw.find(b"\0")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        problems.append(Problem(path.name, line, None, None, "a binary file (NUL byte), not YAML text"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(path.name, line, None, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        )
        return None


def _parse(path: Path, problems: list[Problem]) -> tuple[Any, Any]:
    """Like :func:`neurectomy.datafile.read_yaml`, on text checked by :func:`_read_text`; YAML that is too deep
    or has an impossible value (a date like 2024-13-45) is a problem too."""
    import yaml

    text = _read_text(path, problems)
    if text is None:
        return None, None
    try:
        return parse_yaml(text, path.name)
    except DuplicateKeyError as exc:
        problems.extend(exc.problems)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(path.name, mark.line + 1 if mark else None, None, None, f"not valid YAML: {exc}"))
    except RecursionError:
        problems.append(Problem(path.name, None, None, None, "not valid YAML: nested too deeply"))
    except (ValueError, TypeError, OverflowError) as exc:
        problems.append(Problem(path.name, None, None, None, f"not valid YAML: {str(exc)[:200]}"))
    return None, None


def _read_file(path: Path, problems: list[Problem]) -> tuple[RegionFile | None, Any]:
    from pydantic import ValidationError

    from neurectomy.atlas.schema import RegionFile

    data, node = _parse(path, problems)
    if node is None:
        return None, None
    if not isinstance(data, dict):
        problems.append(Problem(path.name, 1, None, None, "a region file must be a mapping with 'region' and lists"))
        return None, None
    try:
        return RegionFile.model_validate(data), node
    except ValidationError as exc:
        problems.extend(validation_problems(exc, path.name, data, node))
        return None, node


def _read_references(root: Path, problems: list[Problem]) -> dict[str, str]:
    path = root / REFERENCES_FILE
    if not path.exists():
        return {}
    data, _ = _parse(path, problems)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        problems.append(Problem(path.name, 1, None, None, "references must map keys to reference strings"))
        return {}
    return {str(k): v for k, v in data.items()}


def _source_keys(source: str) -> list[str]:
    if source.lower().startswith("estimate"):
        return []
    head = source.split("—", 1)[0]
    return [k.strip() for k in head.split(";") if k.strip()]


# --------------------------------------------------------------------------- compiling
def compile_atlas(data_dir: Path | None = None, digest: str | None = None) -> Atlas:
    """Validate every file and cross-file reference, then compile; raises :class:`AtlasError`."""
    root = data_dir or DATA_DIR
    if not root.is_dir():
        what = "no such folder" if not root.exists() else "not a folder"
        raise AtlasError([Problem(str(root), None, None, None, f"{what}: an atlas is a folder of YAML data files")])
    if not data_files(root):
        raise AtlasError([Problem(str(root), None, None, None, "no atlas data files (*.yaml) in this folder")])
    problems: list[Problem] = []
    references = _read_references(root, problems)
    files: list[tuple[str, RegionFile, Any]] = []
    for path in data_files(root):
        region, node = _read_file(path, problems)
        if region is not None:
            files.append((path.name, region, node))
    if problems:
        raise AtlasError(problems)
    atlas = _Compiler(files, references, digest or digest_of(root)).run()
    return atlas


class _Compiler:
    """Cross-file checks and the compiled form; collects problems rather than stopping at the first."""

    def __init__(self, files: list[tuple[str, RegionFile, Any]], references: dict[str, str], digest: str) -> None:
        self.files = files
        self.references = references
        self.digest = digest
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.where: dict[str, tuple[str, Any, tuple[Any, ...]]] = {}

    def problem(self, record: str | None, field: str | None, message: str) -> None:
        file, node, loc = self.where.get(record or "", ("?", None, ()))
        sub = tuple(field.split(".")) if field else ()
        sub_loc = tuple(int(s) if s.isdigit() else s for s in sub)
        self.problems.append(Problem(file, line_of(node, loc + sub_loc), record, field, message))

    def run(self) -> Atlas:
        nerves: dict[str, Nerve] = {}
        targets: list[Target] = []
        seen: dict[str, str] = {}
        for file, region, node in self.files:
            for i, rec in enumerate(region.nerves):
                self._register(rec.id, file, node, ("nerves", i), seen)
                nerves.setdefault(
                    rec.id,
                    Nerve(
                        id=rec.id,
                        name=rec.name,
                        synonyms=rec.synonyms,
                        xrefs=tuple(sorted(rec.xrefs.items())),
                        parent=rec.parent,
                        origin_mm=rec.origin_mm,
                        also_from=tuple((link.nerve, link.origin_mm) for link in rec.also_from),
                        length_mm=rec.length_mm,
                        roots=rec.roots,
                        fibres=rec.fibres,
                        landmarks=tuple((lm.name, lm.mm) for lm in rec.landmarks),
                        midline=rec.midline,
                        source=rec.source,
                        lengths_source=rec.lengths_source,
                        file=file,
                    ),
                )
            for section in ("muscles", "skin_regions", "joints", "viscera_glands", "special_organs"):
                for i, trec in enumerate(getattr(region, section)):
                    self._register(trec.id, file, node, (section, i), seen)
                    kind: TargetKind = getattr(trec, "kind", None) or _KIND_OF_SECTION[section]
                    supply = tuple(
                        SupplyEdge(
                            s.nerve,
                            s.share,
                            s.at_mm if s.at_mm is not None else -1.0,
                            s.fibre or DEFAULT_FIBRE[kind],
                            s.source,
                        )
                        for s in trec.supply
                    )
                    targets.append(
                        Target(
                            id=trec.id,
                            name=trec.name,
                            kind=kind,
                            synonyms=trec.synonyms,
                            xrefs=tuple(sorted(trec.xrefs.items())),
                            supply=supply,
                            roots=getattr(trec, "roots", ()),
                            source=trec.source,
                            file=file,
                            actions=getattr(trec, "actions", ()),
                            area_cm2=getattr(trec, "area_cm2", None),
                            area_source=getattr(trec, "area_source", None),
                            chart=getattr(trec, "chart", None),
                            function=getattr(trec, "function", None),
                            sex=trec.sex,
                            function_by_sex=tuple(sorted(getattr(trec, "function_by_sex", {}).items())),
                        )
                    )
        self._check_sources(nerves, targets)
        self._check_nerves(nerves)
        if not self.problems:
            order, subtree_end, children = self._dfs(nerves)
        else:
            order, subtree_end, children = [], [], []
        index = {nid: i for i, nid in enumerate(order)}
        # resolve default at_mm (the nerve's end) now that lengths are known
        targets = [self._with_positions(t, nerves) for t in targets]
        paths = self._paths(targets, nerves, index) if not self.problems else []
        if not self.problems:
            self._check_fibres(paths, targets, nerves, order)
        if self.problems:
            raise AtlasError(self.problems)
        return self._assemble(nerves, order, subtree_end, children, targets, paths)

    def _register(self, rid: str, file: str, node: Any, loc: tuple[Any, ...], seen: dict[str, str]) -> None:
        if rid in seen:
            self.problems.append(
                Problem(file, line_of(node, loc), rid, "id", f"duplicate id (first defined in {seen[rid]})")
            )
            return
        seen[rid] = file
        self.where[rid] = (file, node, loc)

    def _check_sources(self, nerves: dict[str, Nerve], targets: list[Target]) -> None:
        def keys_ok(record: str, field: str, source: str | None) -> None:
            for key in _source_keys(source or ""):
                if key not in self.references:
                    self.problem(record, field, f"unknown reference key {key!r} (add it to {REFERENCES_FILE})")

        for n in nerves.values():
            keys_ok(n.id, "source", n.source)
            keys_ok(n.id, "lengths_source", n.lengths_source)
        for t in targets:
            keys_ok(t.id, "source", t.source)
            keys_ok(t.id, "area_source", t.area_source)
            for i, s in enumerate(t.supply):
                keys_ok(t.id, f"supply.{i}.source", s.source)
                if s.nerve not in nerves:
                    from neurectomy.names import suggest

                    hint = suggest(s.nerve, nerves, limit=3)
                    self.problem(
                        t.id,
                        f"supply.{i}.nerve",
                        f"unknown nerve {s.nerve!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
                    )
                if len(t.supply) > 1 and not s.source:
                    self.problem(
                        t.id, f"supply.{i}.source", "a target with several suppliers needs a source for each share"
                    )
            total = sum(s.share for s in t.supply)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                self.problem(t.id, "supply", f"shares add up to {total:.3f}, not 1")

    def _check_nerves(self, nerves: dict[str, Nerve]) -> None:
        from neurectomy.names import suggest

        for n in nerves.values():
            links = ([(n.parent, n.origin_mm, "parent")] if n.parent else []) + [
                (p, mm, f"also_from.{i}.nerve") for i, (p, mm) in enumerate(n.also_from)
            ]
            for parent, mm, field in links:
                if parent not in nerves:
                    hint = suggest(parent, nerves, limit=3)
                    self.problem(
                        n.id,
                        field,
                        f"unknown parent {parent!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
                    )
                elif mm > nerves[parent].length_mm + 1e-9:
                    self.problem(
                        n.id,
                        "origin_mm" if field == "parent" else field.replace("nerve", "origin_mm"),
                        f"leaves {parent!r} at {mm} mm, beyond its length {nerves[parent].length_mm} mm",
                    )
            if n.also_from and not n.parent:
                self.problem(n.id, "parent", "a nerve with also_from needs a primary parent")
            for i, (name, mm) in enumerate(n.landmarks):
                if mm > n.length_mm + 1e-9:
                    self.problem(
                        n.id,
                        f"landmarks.{i}.mm",
                        f"landmark {name!r} at {mm} mm lies outside the nerve's length {n.length_mm} mm",
                    )
        self._check_cycles(nerves)

    def _check_cycles(self, nerves: dict[str, Nerve]) -> None:
        """Cycles over parent and also_from links, found with an explicit stack (a chain of thousands of nerves
        must not exhaust Python's recursion limit); each cycle is named once, by its nerves in order."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done

        def links(nid: str) -> list[str]:
            n = nerves[nid]
            return [p for p in ([n.parent] if n.parent else []) + [p for p, _ in n.also_from] if p in nerves]

        for start in nerves:
            if start in state:
                continue
            state[start] = 1
            trail = [start]
            stack = [iter(links(start))]
            while stack:
                parent = next(stack[-1], None)
                if parent is None:
                    state[trail.pop()] = 2
                    stack.pop()
                    continue
                if state.get(parent) == 1:
                    cycle = [*trail[trail.index(parent) :], parent]
                    shown = cycle if len(cycle) <= 12 else [*cycle[:5], f"… {len(cycle) - 10} more …", *cycle[-5:]]
                    self.problem(trail[-1], "parent", "cycle in the nerve tree: " + " → ".join(shown))
                elif parent not in state:
                    state[parent] = 1
                    trail.append(parent)
                    stack.append(iter(links(parent)))

    def _dfs(self, nerves: dict[str, Nerve]) -> tuple[list[str], list[int], list[tuple[int, ...]]]:
        kids: dict[str | None, list[Nerve]] = {}
        for n in nerves.values():
            kids.setdefault(n.parent, []).append(n)
        for lst in kids.values():
            lst.sort(key=lambda n: (n.origin_mm, n.id))
        order: list[str] = []
        end: dict[str, int] = {}
        stack: list[tuple[str, bool]] = [
            (n.id, False) for n in reversed(sorted(kids.get(None, []), key=lambda n: n.id))
        ]
        while stack:
            nid, done = stack.pop()
            if done:
                end[nid] = len(order)
                continue
            order.append(nid)
            stack.append((nid, True))
            stack.extend((c.id, False) for c in reversed(kids.get(nid, [])))
        index = {nid: i for i, nid in enumerate(order)}
        subtree_end = [end[nid] for nid in order]
        children = [tuple(index[c.id] for c in kids.get(nid, [])) for nid in order]
        return order, subtree_end, children

    def _with_positions(self, t: Target, nerves: dict[str, Nerve]) -> Target:
        from dataclasses import replace

        supply = []
        for i, s in enumerate(t.supply):
            n = nerves.get(s.nerve)
            at = s.at_mm
            if n is not None:
                if at < 0:
                    at = n.length_mm
                elif at > n.length_mm + 1e-9:
                    self.problem(t.id, f"supply.{i}.at_mm", f"{at} mm lies beyond {n.id!r}'s length {n.length_mm} mm")
            supply.append(replace(s, at_mm=at))
        return replace(t, supply=tuple(supply))

    def _paths(
        self, targets: list[Target], nerves: dict[str, Nerve], index: dict[str, int]
    ) -> list[tuple[int, float, tuple[tuple[int, float], ...]]]:
        """Every (target, weight, ((nerve, exit_mm), …)) route from a tree root to each target."""
        memo: dict[tuple[str, float], list[tuple[tuple[tuple[int, float], ...], float, str]]] = {}

        def links_of(nid: str) -> list[tuple[str, float]]:
            n = nerves[nid]
            return ([(n.parent, n.origin_mm)] if n.parent else []) + list(n.also_from)

        def up(nid: str, exit_mm: float) -> list[tuple[tuple[tuple[int, float], ...], float, str]]:
            # post-order over the links with an explicit stack (no recursion: chains may be thousands long)
            todo = [(nid, exit_mm)]
            while todo:
                key = todo[-1]
                if key in memo:
                    todo.pop()
                    continue
                links = links_of(key[0])
                missing = [link for link in links if link not in memo]
                if missing:
                    todo.extend(missing)
                    continue
                step: tuple[tuple[int, float], ...] = ((index[key[0]], key[1]),)
                out: list[tuple[tuple[tuple[int, float], ...], float, str]] = []
                if not links:
                    out.append((step, 1.0, key[0]))
                else:
                    for link in links:
                        for rest, w, root in memo[link]:
                            out.append((step + rest, w / len(links), root))
                            if len(out) > MAX_PATHS_PER_SUPPLY:
                                break
                memo[key] = out
                todo.pop()
            return memo[(nid, exit_mm)]

        result: list[tuple[int, float, tuple[tuple[int, float], ...]]] = []
        for ti, t in enumerate(targets):
            for i, s in enumerate(t.supply):
                routes = up(s.nerve, s.at_mm)
                if len(routes) > MAX_PATHS_PER_SUPPLY:
                    self.problem(
                        t.id,
                        f"supply.{i}.nerve",
                        f"more than {MAX_PATHS_PER_SUPPLY} routes to the roots; simplify also_from merges",
                    )
                    continue
                if t.roots:
                    wanted = {r.upper() for r in t.roots}
                    kept = [r for r in routes if wanted & {x.upper() for x in nerves[r[2]].roots}]
                    if not kept:
                        self.problem(
                            t.id, "roots", f"none of the routes through {s.nerve!r} starts at {sorted(wanted)}"
                        )
                        continue
                    routes = kept
                total = sum(w for _, w, _ in routes)
                for steps, w, _ in routes:
                    result.append((ti, s.share * w / total, steps))
        return result

    def _check_fibres(
        self,
        paths: list[tuple[int, float, tuple[tuple[int, float], ...]]],
        targets: list[Target],
        nerves: dict[str, Nerve],
        order: list[str],
    ) -> None:
        used: dict[str, set[str]] = {nid: set() for nid in nerves}
        reported: set[tuple[str, str]] = set()
        for ti, _, steps in paths:
            t = targets[ti]
            fibres = {s.fibre for s in t.supply}
            for ni, _ in steps:
                nid = order[ni]
                for f in fibres:
                    used[nid].add(f)
                    if f not in nerves[nid].fibres and (nid, f) not in reported:
                        reported.add((nid, f))
                        self.problem(nid, "fibres", f"does not declare {f} but supplies {t.kind} {t.id!r}")
        for nid, n in nerves.items():
            if not used[nid]:
                self.warnings.append(f"{n.file}: nerve {nid!r} supplies no target")
                continue
            for f in _MUST_BE_USED:
                if f in n.fibres and f not in used[nid]:
                    self.problem(nid, "fibres", f"declares {f} but no target below it needs it")

    def _assemble(
        self,
        nerves: dict[str, Nerve],
        order: list[str],
        subtree_end: list[int],
        children: list[tuple[int, ...]],
        targets: list[Target],
        paths: list[tuple[int, float, tuple[tuple[int, float], ...]]],
    ) -> Atlas:
        per_nerve: list[list[tuple[float, int]]] = [[] for _ in order]
        for pi, (_, _, steps) in enumerate(paths):
            for ni, exit_mm in steps:
                per_nerve[ni].append((exit_mm, pi))
        for lst in per_nerve:
            lst.sort()
        names: dict[str, list[tuple[str, int]]] = {}
        nerve_list = tuple(nerves[nid] for nid in order)
        for i, n in enumerate(nerve_list):
            for label in (n.id, n.name, *n.synonyms):
                _add_name(names, label, ("nerve", i))
        for i, t in enumerate(targets):
            for label in (t.id, t.name, *t.synonyms):
                _add_name(names, label, ("target", i))
        return Atlas(
            nerves=nerve_list,
            targets=tuple(targets),
            subtree_end=tuple(subtree_end),
            children=tuple(children),
            path_target=tuple(p[0] for p in paths),
            path_weight=tuple(p[1] for p in paths),
            path_nerves=tuple(tuple(ni for ni, _ in p[2]) for p in paths),
            path_exits=tuple(tuple(e for _, e in p[2]) for p in paths),
            seg_exit=tuple(tuple(e for e, _ in lst) for lst in per_nerve),
            seg_path=tuple(tuple(p for _, p in lst) for lst in per_nerve),
            references=tuple(sorted(self.references.items())),
            digest=self.digest,
            warnings=tuple(self.warnings),
            nerve_index={nid: i for i, nid in enumerate(order)},
            target_index={t.id: i for i, t in enumerate(targets)},
            name_index={k: tuple(v) for k, v in names.items()},
        )


def _add_name(names: dict[str, list[tuple[str, int]]], label: str, entry: tuple[str, int]) -> None:
    key = normalise(label)
    bucket = names.setdefault(key, [])
    if entry not in bucket:
        bucket.append(entry)
