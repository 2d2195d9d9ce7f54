"""Load modules one thread at a time, so two jobs that import at once never break an import.

The window's jobs import what they need when they first need it (scikit-learn, scipy.spatial,
torch, librosa take seconds, and the window shows before them). Two worker threads importing
parts of the same package at once can each take one of its module locks and wait for the
other's: Python's import system calls that a deadlock and hands one thread the module half
made, so "cannot import name 'euclidean' from partially initialized module
'scipy.spatial.distance'" ended the library's reload while an explanation imported
scikit-learn (CPython gh-83065; fixed by ordered locks in Python 3.15 only). Python 2 had one
import lock for the whole process; this gives the loading of a module that back.

The lock is taken where the import system takes a module's own lock (its
`_ModuleLockManager`), and first: only a module not yet loaded takes it (an import of one
already loaded never reaches it), a thread waits only while another loads modules, and it is
reentrant, so a module that imports others while it loads keeps it. Taken there, it adds no
frame to the stack while a module runs: a warning a module gives as it loads names the code
that imported it by counting frames (audioread's "'aifc' is deprecated", audioop's own count
of 7), as without the lock.
"""

from __future__ import annotations

import importlib._bootstrap as bootstrap
import threading

_LOCK = threading.RLock()


class _SerializedLoad(bootstrap._ModuleLockManager):
    """A module's lock, taken after the process-wide one (released in the reverse order)."""

    def __enter__(self) -> None:
        _LOCK.acquire()
        try:
            super().__enter__()
        except BaseException:
            _LOCK.release()
            raise

    def __exit__(self, *exc_info) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            _LOCK.release()


def serialize_imports() -> bool:
    """Make each module load hold one process-wide lock (True when this call installed it).
    Call it before threads start; calling it again does nothing."""
    if bootstrap._ModuleLockManager is _SerializedLoad:
        return False
    bootstrap._ModuleLockManager = _SerializedLoad
    return True
