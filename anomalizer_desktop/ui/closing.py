"""A guard for callbacks that may arrive after the main window closed."""

from __future__ import annotations

import functools


def unless_closed(method):
    """Skip a job callback that arrives after the window closed (its widgets are gone)."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if getattr(self, "_closed", False):
            return None
        return method(self, *args, **kwargs)

    return guarded
