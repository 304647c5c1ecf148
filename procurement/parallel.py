"""Forked worker processes for independent work on a machine with several cores.

The OCDS reader splits a large file between two processes (procurement/ocds.py), and the audit
loads the largest tables and computes the flags in two (audit/engine.py, audit/frames.py).  All
of them use this module: :func:`can_fork` says whether forking is safe here, :func:`workers`
how many processes a piece of work of a given size gets, :func:`fork_pool` starts them with the
state they share.

Forking, not spawning: a worker starts with the parent's memory as it is (the typed frames of
a whole store, copy-on-write) instead of receiving it through a pipe.  It is done only when the
process has no other thread (a thread holding a lock at the fork would leave the child a lock
nobody releases — a Jupyter kernel, for instance, has several: it then works in one process).

A worker that dies (the system killed it for memory, say) raises :class:`BrokenProcessPool`
(re-exported here); the callers then :func:`lost` it and do the work again in their own process.

``HOCBA_WORKERS`` sets the number of processes (``1``: never fork); without it, work of at
least the size the caller names gets one process per core, at most two, when the memory
available could hold another copy of the process (:func:`memory_allows`).
"""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool  # noqa: F401  (for the callers)
from contextlib import contextmanager

log = logging.getLogger(__name__)

ENV = "HOCBA_WORKERS"
MAX_AUTO = 2          # the machines have 2 cores; more processes would only contend

_state: object = None  # what the forked workers read (see fork_pool)


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Two cores for this process, and fork is safe (no other thread could hold a lock)."""
    return (cores() >= 2 and "fork" in mp.get_all_start_methods()
            and threading.active_count() == 1)


def requested() -> int | None:
    """The number of processes ``HOCBA_WORKERS`` asks for (None when it is not set)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        n = int(raw)
        if n < 1:
            raise ValueError
    except ValueError:
        raise ValueError(f"{ENV}={raw!r}: cần một số nguyên ≥ 1 (1 = chạy trong một tiến trình) / "
                         f"must be an integer ≥ 1 (1 = work in one process)") from None
    return n


def memory_allows(meminfo: str = "/proc/meminfo", statm: str = "/proc/self/statm") -> bool:
    """Whether the memory available now could take another copy of this process: a worker
    shares its parent's pages only until it touches them, and the audit's workers touch much
    of the frames (300k OCDS store: 3.2 GB in one process, 5.4 GB with a worker).  True when
    it cannot be told (no /proc)."""
    try:
        with open(meminfo) as f:
            avail = next(int(line.split()[1]) * 1024 for line in f
                         if line.startswith("MemAvailable:"))
        with open(statm) as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, StopIteration, ValueError, IndexError):
        return True
    return avail >= rss


def workers(size: int, threshold: int) -> int:
    """How many processes a piece of work of ``size`` (rows, say) gets: ``HOCBA_WORKERS`` when
    set, else one per core (at most :data:`MAX_AUTO`) from ``threshold`` up when the memory
    available could hold another copy of this process; always 1 when forking is not safe."""
    n = requested()
    if n is None:
        n = min(MAX_AUTO, cores()) if size >= threshold and memory_allows() else 1
    return n if n > 1 and can_fork() else 1


def lost(err: BaseException) -> None:
    """Say that a worker died (killed for memory, say) and the work is done again here."""
    log.warning("một tiến trình phụ đã dừng đột ngột (%s); làm lại trong tiến trình chính — đặt "
                "%s=1 để luôn chạy trong một tiến trình / a worker process died (%s); the work is "
                "done again in the main process — set %s=1 to always work in one process",
                err, ENV, err, ENV)


def state():
    """In a worker of :func:`fork_pool`: the state it was started with."""
    return _state


def _start(engines) -> None:
    # A pooled database connection must not be shared with the parent: a worker opens its own.
    for eng in engines:
        eng.dispose(close=False)
    # The collector would walk (and so copy, page by page) the parent's objects; a worker lives
    # for one piece of work and makes few cycles.
    gc.disable()


@contextmanager
def fork_pool(n: int, shared=None, engines=()):
    """A pool of ``n`` forked processes; each sees ``shared`` through :func:`state` and opens
    its own connections of ``engines`` (SQLAlchemy engines) when it needs one."""
    global _state
    _state = shared
    # What exists now stays out of every later collection, in the workers and here: the workers
    # then share the parent's pages instead of copying those a collection touches.
    gc.freeze()
    pool = ProcessPoolExecutor(n, mp_context=mp.get_context("fork"), initializer=_start,
                               initargs=(tuple(e for e in engines if e is not None),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _state = None
        gc.unfreeze()
