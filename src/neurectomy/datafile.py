"""Reading YAML data files so that every problem names file, line, record and field.

Used by the atlas loader, the procedures table and patient files alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


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


def parse_yaml(text: str) -> tuple[Any, Any]:
    """The data and the YAML node tree (for line numbers) from one parse; raises ``yaml.YAMLError``."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


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
    """Parse one file; a syntax error becomes a :class:`Problem` with its line (and ``(None, None)``)."""
    import yaml

    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
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
