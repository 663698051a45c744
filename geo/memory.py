"""Give the memory a stage freed back to the operating system (glibc's ``malloc_trim``).

Geometry work allocates millions of small GEOS objects; once freed, glibc keeps their pages
in the process, fragmented, so the resident size after measuring the borders of China's
counties stays 3 GB above what is live, and every later stage's peak adds to it. Trimming
after each stage returns those pages (Dask's workers do the same). Elsewhere than glibc
(macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import platform
from collections.abc import Callable

__all__ = ["release_freed_memory"]


def _trim_function() -> Callable[[int], int] | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_TRIM = _trim_function()


def release_freed_memory() -> None:
    """Return freed heap pages to the operating system (a few milliseconds; no-op off glibc)."""
    if _TRIM is not None:
        _TRIM(0)
