"""Objects that imports built leave the garbage collector's full passes (which stop every
thread: 155 ms at a time once torch and scikit-learn were loaded)."""

from __future__ import annotations

import gc
import sys
import types

import pytest

from anomalizer_desktop.core import gc_freeze


@pytest.fixture
def freezes(monkeypatch):
    """gc_freeze as if nothing were frozen yet; whatever it freezes is unfrozen after."""
    monkeypatch.setattr(gc_freeze, "_modules_at_last_freeze", 0)
    yield
    gc.unfreeze()


def test_a_freeze_comes_after_many_new_modules_and_only_then(freezes, monkeypatch):
    assert gc_freeze.freeze_after_imports()  # the modules loaded so far
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # pytest, numpy, scikit-learn...: all out of full passes
    assert not gc_freeze.freeze_after_imports()  # no new imports: nothing to do
    for i in range(gc_freeze.NEW_MODULES - 1):
        monkeypatch.setitem(sys.modules, f"_fake_module_{i}", types.ModuleType(f"m{i}"))
    assert not gc_freeze.freeze_after_imports()
    monkeypatch.setitem(sys.modules, "_one_more", types.ModuleType("one_more"))
    built_since = [[i] for i in range(5000)]  # what a new import builds: frozen too
    assert gc_freeze.freeze_after_imports()
    assert gc.get_freeze_count() >= frozen + len(built_since)


def test_a_full_pass_no_longer_walks_what_was_frozen(freezes):
    gc_freeze.freeze_after_imports()
    tracked = len(gc.get_objects())
    assert tracked < gc.get_freeze_count() / 5  # a full pass walks a fraction of it


def test_frozen_objects_are_still_freed_when_nothing_refers_to_them(freezes):
    import weakref

    class Loop:
        pass

    loop = Loop()
    gone = weakref.ref(loop)
    gc_freeze._modules_at_last_freeze = 0
    assert gc_freeze.freeze_after_imports()
    del loop
    assert gone() is None
