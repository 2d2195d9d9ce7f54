"""Load modules one thread at a time, so two jobs that import at once never break an import.

The window's jobs import what they need when they first need it (scikit-learn, scipy.spatial,
torch, librosa take seconds, and the window shows before them). Two worker threads importing
parts of the same package at once can each take one of its module locks and wait for the
other's: Python's import system calls that a deadlock and hands one thread the module half
made, so "cannot import name 'euclidean' from partially initialized module
'scipy.spatial.distance'" ended the library's reload while an explanation imported
scikit-learn (CPython gh-83065; fixed by ordered locks in Python 3.15 only). Python 2 had one
import lock for the whole process; this gives the loading of a module that back.

Only a module not yet loaded takes the lock (an import of one already loaded never reaches
it), and a thread waits only while another loads modules. The lock is reentrant: a module
that imports others while it loads keeps it.
"""

from __future__ import annotations

import importlib._bootstrap as bootstrap
import threading

_LOCK = threading.RLock()

#: the wrapper, compiled as if it were part of importlib: a warning a module gives as it
#: loads names the code that imported it (`stacklevel`), and warnings and tracebacks skip
#: importlib's own frames but would count this one ("'aifc' is deprecated" was laid at this
#: module's door, not at audioread's, which imports aifc)
_WRAPPER = """
def find_and_load(name, import_):
    with lock:
        return original(name, import_)
"""


def serialize_imports() -> bool:
    """Make each module load hold one process-wide lock (True when this call installed it).
    Call it before threads start; calling it again does nothing."""
    original = bootstrap._find_and_load
    if getattr(original, "serialized", False):
        return False
    scope = {"lock": _LOCK, "original": original}
    exec(compile(_WRAPPER, "<frozen importlib._bootstrap>", "exec"), scope)
    find_and_load = scope["find_and_load"]
    find_and_load.serialized = True
    bootstrap._find_and_load = find_and_load
    return True
