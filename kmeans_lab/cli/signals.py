"""Stopping a run: SIGINT (Ctrl-C), SIGTERM and SIGHUP end it with one line and exit status 128 + N.

A stop signal is raised as :class:`Stopped`, a ``KeyboardInterrupt``, so every ``finally`` and
``with`` on the way out runs: an atomic save removes its temporary file, a Dask cluster is
closed. :func:`run_stoppable` turns the stop into its one line and exit status; a command keeps
:class:`Done` up to date so that the line says what was written.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from .report import PROG

__all__ = ["STOP_SIGNALS", "Done", "Stopped", "run_stoppable", "signals_deferred"]

#: Ctrl-C, kill and a closed terminal: each stops a run cleanly.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass
class Done:
    """What a run has written so far (the end of the line a stop prints), and the signal that stopped it."""

    summary: str = "nothing written"
    stopped_by: int | None = None


class Stopped(KeyboardInterrupt):
    """A stop signal, raised like Ctrl-C's ``KeyboardInterrupt`` so that every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(done: Done, signum: int, frame: object) -> None:
    for sig in STOP_SIGNALS:  # one stop is enough: let the cleanup finish undisturbed
        signal.signal(sig, signal.SIG_IGN)
    done.stopped_by = signum
    raise Stopped(signum)


@contextmanager
def _signals_handled_by(handler: Callable[[int, object], object]) -> Iterator[None]:
    """While in the block, :data:`STOP_SIGNALS` go to ``handler``; the handlers before are restored after.

    A signal that was ignored (``nohup``, a background job) stays ignored. Only the main
    thread may install handlers; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        for sig, before in previous.items():
            if before is not signal.SIG_IGN:
                signal.signal(sig, handler)
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, signal.SIG_DFL if before is None else before)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Stop signals that arrive in the block are handled when it ends, by the handlers before it.

    A Dask ``LocalCluster`` interrupted while it starts its worker processes is left half
    built, and Dask's exit hook then fails to close it with a traceback; so the cluster
    starts whole and is closed like any other.
    """
    received: list[int] = []
    with _signals_handled_by(lambda signum, frame: received.append(signum)):
        yield
    if received:
        signal.raise_signal(received[0])


def run_stoppable(command: Callable[[Done], int]) -> int:
    """``command(done)``'s exit status, or 128 + N after one line on stderr if signal N stopped it.

    ``command`` runs with the stop signals raising :class:`Stopped`; it keeps ``done`` (a
    fresh :class:`Done`) up to date so that the line says what was written.

    A stop counts even if its exception never reached here: C code that imports a module
    (an extension's initialisation) can swallow it, and the run then ends as stopped, not
    as a success.
    """
    done = Done()
    with _signals_handled_by(partial(_stop, done)):
        try:
            status = command(done)
        except KeyboardInterrupt as exc:  # a Stopped, or Ctrl-C where no handler of ours was installed
            done.stopped_by = getattr(exc, "signum", signal.SIGINT)
        if done.stopped_by is None:
            return status
        print(f"{PROG}: interrupted by {signal.Signals(done.stopped_by).name}; {done.summary}", file=sys.stderr)
        return 128 + done.stopped_by
