"""Keep the C heap to a couple of arenas (glibc): about 200 MB less, and steadier, at 100,000
loops.

glibc's malloc gives a thread that allocates while another holds the heap's lock an arena of
its own, up to eight per core, and memory freed in an arena stays with it for that arena's
next use. The window reads the library in worker threads (a reload, the explanations' read)
while its own thread allocates too, so the Python objects of each read (100,000 rows of
tuples and strings) landed in whichever arena was free, and the peak resident memory of
`bench gui --rows 100000` moved between 1,775 and 2,106 MB from run to run of the same code.
With at most two arenas it was 1,700-1,833 MB over three runs (this call at the start of
`main`), or 1,725-1,728 MB (MALLOC_ARENA_MAX=2 in the environment, which counts from the
process's first allocation), against 1,774-1,948 MB over four runs without; no step was
slower. Large blocks (numpy's arrays) are mapped from the system whatever the arenas, so the
numerical work loses nothing.

Call it first thing, before threads start: arenas made before it stay. Elsewhere (macOS,
Windows, a C library without mallopt) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

#: mallopt's parameter number for the most arenas (glibc's malloc.h)
M_ARENA_MAX = -8
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask the C library for at most `arenas` heap arenas; True when it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_ARENA_MAX, arenas) == 1
