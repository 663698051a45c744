from __future__ import annotations

import platform

import numpy as np
import pytest

from geo.memory import release_freed_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1024**2


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_fragmented_heap_goes_back_to_the_system():
    # 300 MB in 1 KB blocks on the heap, one block in 64 kept: glibc cannot shrink the heap
    # from its top, so the freed pages stay resident until they are trimmed
    blocks = [np.ones(128) for _ in range(300_000)]
    kept = blocks[::64]
    del blocks
    before = _resident_mb()
    release_freed_memory()
    after = _resident_mb()
    assert before - after > 150, (before, after)
    assert sum(float(b[0]) for b in kept) == len(kept)  # what is live stays intact
