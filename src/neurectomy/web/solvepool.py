"""``/api/target``'s searches in worker processes, one per solve slot.

A search is mostly Python (resolving names, generating candidate cuts, building the cover model) around short
HiGHS runs, so in one process two searches take turns on the GIL: the server answered no more searches per second
at 16 connections than at one (bench_web: 124 vs 129 req/s, 2 cores). Here each search runs in one of
``solve_slots`` worker processes (spawned, each with its own atlas and one BLAS thread) while the server's process
only parses requests and sends answers. The search's budget goes with it: the seconds it has left, its node and
target limits, and a cancellation flag in memory shared with the server (set when the client goes away).

Errors raised by a search come back as the same exception (its class, ``args`` and attributes), so the routes'
error handlers answer exactly as they do for a search run in the server's own process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from neurectomy.budget import Budget, applied
from neurectomy.requests import TargetRequest

#: How often a waiting server thread looks whether its client has gone (and then raises the search's flag).
POLL_S = 0.02

_FLAGS: Any = None  # in a worker process: the shared cancellation flags, one byte per slot


class SolvePool:
    """``processes`` worker processes running :class:`TargetRequest` searches (see the module docstring)."""

    def __init__(self, processes: int) -> None:
        self._context = multiprocessing.get_context("spawn")  # the server has threads: a fork could deadlock
        self._processes = processes
        self._flags = self._context.RawArray("b", processes)
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(processes):
            self._free.put(slot)
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self._processes, mp_context=self._context, initializer=_start_worker, initargs=(self._flags, os.getpid())
        )

    def target_json(self, request: TargetRequest, budget: Budget) -> dict[str, Any]:
        """``request.to_json(atlas)`` in a worker process under ``budget``; blocks the calling thread. A worker
        that died (killed, out of memory) is replaced and the search run once more."""
        slot = self._free.get()
        try:
            executor = self._executor
            try:
                status, payload = self._run(executor, request, budget, slot)
            except BrokenProcessPool:
                status, payload = self._run(self._replaced(executor), request, budget, slot)
        finally:
            self._free.put(slot)
        if status == "error":
            raise _rebuilt(*payload)
        result: dict[str, Any] = payload
        return result

    def _run(self, executor: ProcessPoolExecutor, request: TargetRequest, budget: Budget, slot: int) -> tuple[str, Any]:
        self._flags[slot] = 0
        future: Future[tuple[str, Any]] = executor.submit(
            _target_json, request, slot, budget.remaining(), budget.nodes, budget.targets
        )
        while True:
            try:
                return future.result(timeout=POLL_S)
            except FutureTimeout:
                if budget.cancelled:
                    self._flags[slot] = 1

    def _replaced(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new executor in place of ``broken`` (once, however many searches found it broken)."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            return self._executor

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class _SharedFlag:
    """A cancellation flag (``is_set``, as :class:`threading.Event`) in the memory shared with the server."""

    def __init__(self, slot: int) -> None:
        self.slot = slot

    def is_set(self) -> bool:
        return bool(_FLAGS[self.slot])


def _start_worker(flags: Any, server: int) -> None:
    import numpy  # noqa: F401  (loads BLAS now: threadpoolctl limits only the libraries already loaded)
    from threadpoolctl import threadpool_limits

    from neurectomy.api import default_atlas

    global _FLAGS
    _FLAGS = flags
    threading.Thread(target=_exit_with, args=(server,), name="neurectomy-exit-with-server", daemon=True).start()
    threadpool_limits(1, user_api="blas")  # its own threads would spin beside the other slot's process
    default_atlas()  # loaded now, not by the first search


def _exit_with(server: int) -> None:
    """End this worker when the server process is gone (a server killed, or stopped by a signal without running
    its shutdown, would otherwise leave its workers running for ever)."""
    while os.getppid() == server:
        time.sleep(1.0)
    os._exit(0)


def _target_json(
    request: TargetRequest, slot: int, seconds: float, nodes: int | None, targets: int | None
) -> tuple[str, Any]:
    import pickle

    from neurectomy.api import default_atlas

    budget = Budget(None if seconds == float("inf") else seconds, nodes, targets, _SharedFlag(slot))
    try:
        with applied(budget):
            return "ok", request.to_json(default_atlas())
    except Exception as error:  # every error goes back to the server, to be answered there
        payload = (type(error), error.args, dict(vars(error)))
        try:
            pickle.dumps(payload)
        except Exception:  # not picklable: its text
            payload = (RuntimeError, (f"{type(error).__name__}: {error}",), {})
        return "error", payload


def _rebuilt(kind: type[BaseException], args: tuple[Any, ...], attributes: dict[str, Any]) -> BaseException:
    """The exception a worker raised, as it was (its constructor is not called again: some take other arguments
    than their ``args``)."""
    error = kind.__new__(kind)
    error.args = args
    vars(error).update(attributes)
    return error
