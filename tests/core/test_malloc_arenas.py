"""The C heap's arenas are limited where the C library can (glibc), and nothing breaks where
it cannot."""

from __future__ import annotations

import ctypes
import sys

import pytest

from anomalizer_desktop.core import malloc_arenas


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_limit():
    assert malloc_arenas.limit_malloc_arenas() is True


def test_elsewhere_or_without_mallopt_nothing_is_done(monkeypatch):
    monkeypatch.setattr(malloc_arenas.sys, "platform", "darwin")
    assert malloc_arenas.limit_malloc_arenas() is False
    monkeypatch.setattr(malloc_arenas.sys, "platform", "linux")

    class NoMallopt:
        def __init__(self, _name):
            pass

    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)  # a C library without the call (musl...)
    assert malloc_arenas.limit_malloc_arenas() is False
