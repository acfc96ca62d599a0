"""Run a function over many inputs in worker processes, each input with a time and memory limit.

A worker that runs past its time limit or grows past its memory limit is killed
and replaced; its input is reported as failed and the run goes on. Workers die with
the process that started them, even when it is killed with ``kill -9``.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

POLL_SECONDS = 0.05
PARENT_CHECK_SECONDS = 1.0


@dataclass
class WorkResult:
    """The outcome of one input: a value, or an error message a person can read."""

    item: Any
    value: Any = None
    error: str | None = None
    detail: str = ""          # the error's ``detail`` (a library's own message), for the log
    unexpected: bool = False  # the error is none of the function's expected errors: a fault


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (Linux); else it notices by polling."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _worker_loop(function: Callable[[Any], Any], connection: Connection, parent: int) -> None:
    _die_with(parent)
    while True:
        # A fork inherits the parent's end of the pipe too, so a dead parent is not an EOF.
        while not connection.poll(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:
                return
        try:
            item = connection.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            connection.send(("ok", function(item)))
        except Exception as error:  # reported to the parent, never raised in the worker
            message = str(error) or type(error).__name__
            expected = isinstance(error, getattr(function, "expected_errors", ()))
            if not expected:
                message = f"{type(error).__name__}: {message}\n{traceback.format_exc(limit=3)}"
            connection.send(("error", (message, str(getattr(error, "detail", "")), not expected)))


class _Worker:
    def __init__(self, context, function: Callable[[Any], Any]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_loop, args=(function, child, os.getpid()),
                                       daemon=True)
        self.process.start()
        child.close()
        self.item: Any = None
        self.deadline = 0.0

    def give(self, item: Any, timeout: float) -> None:
        self.item = item
        self.deadline = time.monotonic() + timeout
        self.connection.send(item)

    def resident_bytes(self) -> int:
        """Memory the worker holds of its own: what it inherited from the parent by forking
        and has not written to is not its doing (the parent's search engine may hold much)."""
        try:
            with open(f"/proc/{self.process.pid}/smaps_rollup") as rollup:
                return sum(int(line.split()[1]) << 10 for line in rollup
                           if line.startswith(("Private_Clean:", "Private_Dirty:")))
        except (OSError, ValueError, IndexError):
            pass
        try:
            with open(f"/proc/{self.process.pid}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _check(worker: _Worker, ready: list, timeout: float,
               memory_limit: int) -> tuple[WorkResult | None, bool]:
    """A busy worker's result if it has one, and whether the worker must be replaced."""
    if worker.connection in ready:
        try:
            status, payload = worker.connection.recv()
        except (EOFError, OSError):
            return WorkResult(worker.item, error=(
                "the reader crashed on this file; it may be damaged: open it and save it again, "
                "then index it again")), True
        if status == "ok":
            return WorkResult(worker.item, value=payload), False
        message, detail, unexpected = payload
        return WorkResult(worker.item, error=message, detail=detail, unexpected=unexpected), False
    if time.monotonic() > worker.deadline:
        return WorkResult(worker.item, error=(
            f"took longer than {timeout:g} seconds to read, so it was stopped; if it is a very long "
            "report, index it again with a longer --timeout")), True
    if worker.resident_bytes() > memory_limit:
        return WorkResult(worker.item, error=(
            f"needed more than {memory_limit >> 20} MB of memory to read, so it was stopped; it may be "
            "damaged: open it and save it again, then index it again")), True
    return None, False


def run_limited(function: Callable[[Any], Any], items: Iterable[Any], jobs: int = 1,
                timeout: float = 120.0, memory_limit: int = 2 << 30) -> Iterator[WorkResult]:
    """Apply ``function`` to each item in up to ``jobs`` forked workers, yielding results as they end.

    ``function`` may carry an ``expected_errors`` attribute: a tuple of exception
    types whose message is reported as it is, without a traceback.
    """
    context = multiprocessing.get_context("fork")
    pending = list(items)
    pending.reverse()
    workers = [_Worker(context, function) for _ in range(max(1, min(jobs, len(pending))))]
    busy: list[_Worker] = []
    idle = list(workers)
    try:
        while pending or busy:
            while idle and pending:
                worker = idle.pop()
                worker.give(pending.pop(), timeout)
                busy.append(worker)
            ready = wait([w.connection for w in busy], timeout=POLL_SECONDS)
            for worker in list(busy):
                result, broken = _check(worker, ready, timeout, memory_limit)
                if result is None:
                    continue
                busy.remove(worker)
                if broken:
                    worker.stop(kill=True)
                    worker = _Worker(context, function)
                idle.append(worker)
                yield result
    finally:
        for worker in busy + idle:
            worker.stop(kill=worker in busy)
