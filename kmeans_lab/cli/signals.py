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

from .report import PROG

__all__ = ["STOP_SIGNALS", "Done", "Stopped", "run_stoppable", "signals_deferred"]

#: Ctrl-C, kill and a closed terminal: each stops a run cleanly.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@dataclass
class Done:
    """What a run has written so far: the end of the line a stop prints."""

    summary: str = "nothing written"


class Stopped(KeyboardInterrupt):
    """A stop signal, raised like Ctrl-C's ``KeyboardInterrupt`` so that every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: object) -> None:
    for sig in STOP_SIGNALS:  # one stop is enough: let the cleanup finish undisturbed
        signal.signal(sig, signal.SIG_IGN)
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
    """``command(done)``'s exit status, or 128 + N after one line on stderr if signal N stopped it."""
    done = Done()
    with _signals_handled_by(_raise_stopped):
        try:
            return command(done)
        except KeyboardInterrupt as exc:  # Ctrl-C outside the handler's reach, or a Stopped
            signum = getattr(exc, "signum", signal.SIGINT)
            print(f"{PROG}: interrupted by {signal.Signals(signum).name}; {done.summary}", file=sys.stderr)
            return 128 + signum
