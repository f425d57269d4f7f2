"""How much work one request may do: a wall-clock limit, a search-node limit, a cap on how many targets one phrase
may stand for, and a cancellation flag (a server sets it when the client goes away).

The core's searches (:func:`neurectomy.targeting.target`, :func:`neurectomy.localisation.localise`) take an optional
:class:`Budget`; without one they run to the end, as a script or the CLI wants. Exceeding a limit is a
:class:`WorkLimitError` (a :class:`~neurectomy.names.RequestError`, so a 422 naming the field on the API and exit
status 2 on the CLI), never a silently shorter answer; a cancelled budget raises :class:`Cancelled`.

>>> try:
...     Budget(targets=3).check_targets("region", "vertigo", 5)
... except WorkLimitError as exc:
...     print(exc.message)
'vertigo' stands for 5 targets; this server takes at most 3 per phrase: name them one by one
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from neurectomy.names import RequestError


class WorkLimitError(RequestError):
    """A request that needs more work than the budget allows (``limit`` names which: seconds, nodes, targets)."""

    def __init__(self, field: str, message: str, limit: str) -> None:
        super().__init__(field, message)
        self.limit = limit


class Cancelled(Exception):
    """The budget was cancelled (the client went away): the work stopped unfinished."""


class CancelFlag(Protocol):
    """What a budget reads to know it was cancelled: a :class:`threading.Event`, or a flag another process sets."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Budget:
    """Limits of one request. ``seconds`` is wall-clock time from the budget's creation for the whole request;
    ``nodes`` caps branch-and-bound nodes per solve (targeting) and the hypotheses scored (localisation);
    ``targets`` caps how many targets one free-text phrase may resolve to; ``cancel`` stops the work when set."""

    seconds: float | None = None
    nodes: int | None = None
    targets: int | None = None
    cancel: CancelFlag | None = field(default=None, compare=False)
    started: float = field(default_factory=time.monotonic, compare=False)

    def remaining(self) -> float:
        """Seconds left (``inf`` without a time limit; never below 0)."""
        if self.seconds is None:
            return math.inf
        return max(0.0, self.seconds - (time.monotonic() - self.started))

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def check(self, field: str, what: str) -> None:
        """Raise :class:`Cancelled` if cancelled, :class:`WorkLimitError` (naming ``field``) if out of time."""
        if self.cancelled:
            raise Cancelled(what)
        if self.seconds is not None and self.remaining() <= 0.0:
            raise self.out_of_time(field, what)

    def out_of_time(self, field: str, what: str) -> WorkLimitError:
        return WorkLimitError(
            field,
            f"{what} did not finish within this server's limit of {self.seconds:g} s; ask for fewer targets or "
            "findings, or fewer alternatives (top)",
            "seconds",
        )

    def out_of_nodes(self, field: str, what: str, needed: int | None = None) -> WorkLimitError:
        count = f" ({needed:,} needed)" if needed is not None else ""
        return WorkLimitError(
            field,
            f"{what} needs more than this server's limit of {self.nodes:,} search nodes{count}; ask for fewer "
            "targets or findings, or fewer alternatives (top)",
            "nodes",
        )

    def check_targets(self, field: str, text: str, count: int) -> None:
        """Refuse a phrase that resolves to more than ``targets`` targets, naming the count and the cap."""
        if self.targets is not None and count > self.targets:
            raise WorkLimitError(
                field,
                f"{text!r} stands for {count} targets; this server takes at most {self.targets} per phrase: "
                "name them one by one",
                "targets",
            )


#: No limits at all (what the CLI and the Python API use unless told otherwise).
UNLIMITED = Budget()

_ACTIVE: ContextVar[Budget | None] = ContextVar("neurectomy_budget", default=None)


def active() -> Budget:
    """The budget set by the innermost :func:`applied` of this thread or task, else :data:`UNLIMITED`. The core's
    searches use it when no budget is passed, so an edge can bound everything one request runs (a plan that
    targets a condition, say) without threading a parameter through every request type."""
    return _ACTIVE.get() or UNLIMITED


@contextmanager
def applied(budget: Budget) -> Iterator[Budget]:
    """Run a block under ``budget`` (see :func:`active`); the previous one is restored afterwards."""
    token = _ACTIVE.set(budget)
    try:
        yield budget
    finally:
        _ACTIVE.reset(token)
