"""Keep the cyclic garbage collector's full passes short: freeze what the imports built.

A full collection walks every object the collector tracks, and it stops every thread while it
does. The window imports torch, scikit-learn and pyqtgraph (266,000 tracked objects once a
library is explained: functions, dicts, modules), so each full pass took 155 ms, and one came
along every time a worker built much data (a reload, the explanations' read after a flag):
the window froze and the audio callback, which feeds the sound card every 5 ms, waited as
long. Those objects live as long as the program. `gc.freeze()` moves everything alive into a
generation the collector never walks (full passes then take 0-36 ms); it is called again
whenever many modules were imported since, so what the new imports built joins it.

What is frozen is still freed when nothing refers to it; only cyclic garbage alive at the
moment of a freeze stays. A young-generation pass just before keeps that small, and freezes
come only after new imports, a few times a session.
"""

from __future__ import annotations

import gc
import sys

#: at least this many newly imported modules make it worth freezing again (after numpy, torch
#: brings 931, scikit-learn's detectors and their scipy 1,268, pyqtgraph 201)
NEW_MODULES = 100

_modules_at_last_freeze = 0


def freeze_after_imports() -> bool:
    """Freeze the objects alive now when NEW_MODULES or more modules were imported since the
    last freeze (True when it froze). Cheap otherwise: call it after each job."""
    global _modules_at_last_freeze
    loaded = len(sys.modules)
    if loaded - _modules_at_last_freeze < NEW_MODULES:
        return False
    gc.collect(1)  # the young generations' cyclic garbage goes first, not into the freeze
    gc.freeze()
    _modules_at_last_freeze = loaded
    return True
