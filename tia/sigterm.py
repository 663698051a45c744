"""SIGTERM stops a run within seconds, even while a stage is busy in C code.

Python runs a signal handler only between bytecodes, so a run inside one long call into C (a
vectorised GEOS operation over millions of vertices, a large raster read) would not stop until
the call returns. Inside :func:`stop_on_sigterm`, SIGTERM raises :class:`KeyboardInterrupt`
at the next bytecode, so the run cleans up and says so; and a small watchdog process, told of
the signal through Python's wakeup file descriptor (written from C, at once), kills the run
with SIGKILL if it is still going ``grace_s`` seconds later. Results are published atomically,
so a killed run leaves the previous results untouched and the next run removes its staging
folder.

This file is also the watchdog's program (``python -I -S tia/sigterm.py FD PID GRACE``): it
imports only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

__all__ = ["stop_on_sigterm"]

#: Seconds a run has, after SIGTERM, to clean up before the watchdog kills it.
GRACE_S = 5.0


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt, so a stopped run cleans up and says so."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_on_sigterm(grace_s: float = GRACE_S) -> Iterator[None]:
    """Within the block, SIGTERM interrupts the run, or kills it after ``grace_s`` seconds.

    Parameters
    ----------
    grace_s
        Seconds between SIGTERM and SIGKILL, for the run to reach Python and clean up.

    Yields
    ------
    None
        The block runs with the handler and the watchdog in place; both go when it ends.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    watchdog = subprocess.Popen(
        [sys.executable, "-I", "-S", __file__, str(read_end), str(os.getpid()), str(grace_s)],
        pass_fds=(read_end,),
        stdin=subprocess.DEVNULL,
    )
    os.close(read_end)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_end)  # the watchdog reads the end of the pipe and exits
        watchdog.wait()


def _watch(read_end: int, parent: int, grace_s: float) -> None:
    """Wait for SIGTERM's byte on the pipe; kill ``parent`` if it still runs after the grace.

    The pipe ends (an empty read) when the parent leaves the block or dies: nothing to do.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):  # a signal to the whole group is the parent's
        signal.signal(sig, signal.SIG_IGN)
    while True:
        data = os.read(read_end, 64)
        if not data:
            return
        if signal.SIGTERM in data:
            break
    deadline = time.monotonic() + grace_s
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([read_end], [], [], left)
        if ready and not os.read(read_end, 64):
            return
    with contextlib.suppress(ProcessLookupError):
        os.kill(parent, signal.SIGKILL)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
