"""Drives a test cannot make for real: a read-only mount (tests run as root on CI)."""

from __future__ import annotations

import os
import sqlite3


def read_only_drive(monkeypatch, library):
    """The library's folder as a read-only mount: statvfs says so, and SQLite cannot open the
    WAL library there (it needs to make its -shm file beside it), as on a real one."""
    from anomalizer_desktop.core.library import store as store_module

    real_statvfs = os.statvfs

    class ReadOnly:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        @property
        def f_flag(self):
            return self.real.f_flag | os.ST_RDONLY

    def statvfs(path):
        result = real_statvfs(path)
        return ReadOnly(result) if str(path) == str(library.parent) else result

    def connect(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(os, "statvfs", statvfs)
    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
