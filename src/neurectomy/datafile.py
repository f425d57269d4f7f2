"""Reading YAML data files so that every problem names file, line, record and field.

Used by the atlas loader, the procedures and targeting tables and patient files alike. A key given twice in one
mapping is an error here (YAML itself would keep the last value silently), so every data file gets the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError
    from yaml.nodes import MappingNode, Node


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, located as precisely as the data allows."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [f"record {self.record!r}" if self.record else "", f"field {self.field!r}" if self.field else ""]
        what = " ".join(p for p in parts if p)
        return f"{where}: {what + ': ' if what else ''}{self.message}"


class DataFileError(ValueError):
    """A data file is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], what: str = "the data") -> None:
        self.problems = list(problems)
        head = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s) in {what}:\n{head}{more}")


class DuplicateKeyError(DataFileError):
    """A mapping in a data file gives the same key twice; ``problems`` names each repeat."""


def parse_yaml(text: str, file: str = "<yaml>") -> tuple[Any, Any]:
    """The data and the YAML node tree (for line numbers) from one parse.

    Raises ``yaml.YAMLError`` for invalid YAML and :class:`DuplicateKeyError` (naming ``file``, line, record and
    field of every repeated key) when a mapping gives a key twice.
    """
    loader = _strict_loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise DuplicateKeyError(_duplicate_problems(node, loader.duplicates, file), file)
    return data, node


@lru_cache(maxsize=1)
def _strict_loader() -> Any:
    """A safe loader (the C one when built) that records every key a mapping gives twice."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictSafeLoader(base):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.duplicates: list[tuple[MappingNode, Node, Node]] = []

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, Node] = {}
                for key_node, _ in node.value:
                    # merge keys (<<) may legitimately be overridden; complex keys are left to the base class
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node)
                    try:
                        first = seen.setdefault(key, key_node)
                    except TypeError:
                        continue
                    if first is not key_node:
                        self.duplicates.append((node, key_node, first))
            return super().construct_mapping(node, deep)

    return StrictSafeLoader


def _duplicate_problems(root: Any, duplicates: Sequence[tuple[Any, Any, Any]], file: str) -> list[Problem]:
    """Locate each repeated key: the nearest enclosing record (a mapping with an ``id``; else the item of a
    top-level list, by its ``name`` or as ``section[i]``) and the field path from that record down to the key."""
    import yaml

    wanted = {id(mapping) for mapping, _, _ in duplicates}
    where: dict[int, tuple[tuple[Any, ...], str | None, int]] = {}
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...], str | None, int]] = [(root, (), None, 0)]
    while stack and len(where) < len(wanted):
        node, loc, record, depth = stack.pop()
        if id(node) in seen:
            continue  # an alias: already walked (and YAML may be recursive)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            labels = {
                k.value: v.value
                for k, v in reversed(node.value)
                if isinstance(k, yaml.ScalarNode) and k.value in ("id", "name") and isinstance(v, yaml.ScalarNode)
            }
            if "id" in labels:
                record, depth = str(labels["id"]), len(loc)
            elif record is None and len(loc) == 2 and isinstance(loc[1], int):  # an item of a top-level list
                record, depth = str(labels.get("name", f"{loc[0]}[{loc[1]}]")), 2
            if id(node) in wanted:
                where[id(node)] = (loc, record, depth)
            for k, v in reversed(node.value):
                stack.append((v, (*loc, k.value if isinstance(k, yaml.ScalarNode) else "?"), record, depth))
        elif isinstance(node, yaml.SequenceNode):
            for i in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[i], (*loc, i), record, depth))
    out = []
    for mapping, key_node, first in duplicates:
        loc, record, depth = where.get(id(mapping), ((), None, 0))
        field = ".".join(str(x) for x in (*loc[depth:], key_node.value))
        out.append(
            Problem(
                file,
                key_node.start_mark.line + 1,
                record,
                field,
                f"duplicate key {key_node.value!r} (first given on line {first.start_mark.line + 1}); "
                "YAML would silently keep only the last value",
            )
        )
    out.sort(key=lambda p: p.line or 0)
    return out


def line_of(node: Any, loc: Sequence[Any]) -> int | None:
    """1-based line of the deepest node reachable along ``loc`` in a composed YAML tree."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def record_id(data: Any, loc: Sequence[Any]) -> str | None:
    """The ``id`` of the list item a location points into (``section[i]``), if any."""
    if len(loc) >= 2 and isinstance(data, dict):
        section = data.get(loc[0])
        if isinstance(section, list) and isinstance(loc[1], int) and loc[1] < len(section):
            item = section[loc[1]]
            if isinstance(item, dict):
                return str(item.get("id")) if item.get("id") is not None else f"{loc[0]}[{loc[1]}]"
    return None


def read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, Any]:
    """Parse one file; a syntax error or a repeated key becomes a :class:`Problem` with its line (and the result
    is ``(None, None)``)."""
    import yaml

    try:
        return parse_yaml(path.read_text(encoding="utf-8"), path.name)
    except DuplicateKeyError as exc:
        problems.extend(exc.problems)
    except OSError as exc:
        problems.append(Problem(path.name, None, None, None, f"cannot read: {exc.strerror or exc}"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(path.name, mark.line + 1 if mark else None, None, None, f"not valid YAML: {exc}"))
    return None, None


def validation_problems(exc: ValidationError, file: str, data: Any, node: Any, field_from: int = 2) -> list[Problem]:
    """pydantic errors as problems with lines; ``field_from`` drops the ``section, index`` prefix of a location."""
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(x) for x in loc[field_from:]) or (".".join(str(x) for x in loc) if loc else None)
        out.append(Problem(file, line_of(node, loc), record_id(data, loc), field, err["msg"]))
    return out
