"""How the long-running commands (`serve`, `socket`, `scheduler`) set up the Python process.

Both settings serve a process whose threads (the web server's, the listeners', the
scheduler's) mostly wait on Slack and the database; bench/memory.py and
bench/status_latency.py measure what they buy.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter


def few_malloc_arenas() -> None:
    """Two malloc arenas, as MALLOC_ARENA_MAX=2 would set (unless it is set already).

    glibc gives threads arenas of their own, up to eight per core; memory freed in one
    cannot serve another, so a process with many threads holds more than it uses (about
    4 MB more at 10,000 pilots). Call it before any thread starts; nothing happens where
    the C library is not glibc."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)


def freeze_start_up() -> None:
    """Set what start-up built (the libraries, the app, its listeners) aside from the
    cyclic garbage collector: none of it is ever garbage. A full collection otherwise
    walks all of it and holds every thread for about 85 ms, a request caught behind it
    included; it then walks only what requests made since."""
    gc.collect()
    gc.freeze()
