"""Two threads importing parts of one package at once both get whole modules."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A package shaped like scipy.spatial: its __init__ imports a module that imports a sibling,
# and the sibling imports the package. One thread imports the package while another imports
# the sibling directly; the sleep makes the second start the sibling first, every time.
PACKAGE = {
    "__init__.py": "import time\ntime.sleep(0.5)\nfrom .slerp import f\n",
    "slerp.py": "from ringpkg.distance import euclidean\nf = euclidean\n",
    "distance.py": "import ringpkg\neuclidean = 1\n",
}

RACE = textwrap.dedent(
    """
    import sys, threading, time
    if sys.argv[1] == "locked":
        from anomalizer_desktop.core.import_lock import serialize_imports
        assert serialize_imports() and not serialize_imports()  # once only
    errors = []
    def load(name):
        try:
            __import__(name)
        except Exception as error:  # the half-made module's ImportError, and what follows
            errors.append(f"{type(error).__name__}: {error}")
    package = threading.Thread(target=load, args=("ringpkg",))
    package.start()
    time.sleep(0.1)
    load("ringpkg.distance")
    package.join()
    if errors:
        print(repr(errors))
    else:
        import ringpkg.distance
        print(repr(errors), ringpkg.f, ringpkg.distance.euclidean)
    """
)


def _race(tmp_path, mode: str) -> str:
    folder = tmp_path / "ringpkg"
    folder.mkdir(exist_ok=True)
    for name, text in PACKAGE.items():
        (folder / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", RACE, mode],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_serialized_imports_give_both_threads_whole_modules(tmp_path):
    assert _race(tmp_path, "locked") == "[] 1 1"


def test_without_it_python_hands_one_thread_a_half_made_module(tmp_path):
    """The failure the lock prevents (CPython gh-83065), shown on the same package."""
    errors = _race(tmp_path, "plain")
    half_made = (
        "cannot import name 'euclidean' from partially initialized module 'ringpkg.distance'"
    )
    assert half_made in errors


def test_a_warning_a_module_gives_as_it_loads_still_names_its_importer(tmp_path):
    """`stacklevel` counts the importer's frame, as without the lock: the warnings a library
    gives on import (audioread's "'aifc' is deprecated"; audioop, a C module, counts 7 frames
    up) are laid at its door, not at ours or importlib's."""
    (tmp_path / "old_api.py").write_text(
        "import warnings\nwarnings.warn('old', DeprecationWarning, stacklevel=2)\n"
    )
    (tmp_path / "user_of_it.py").write_text(
        "import old_api\ntry:\n    import audioop\nexcept ImportError:\n    pass\n"
    )
    code = (
        "import warnings\n"
        "from anomalizer_desktop.core.import_lock import serialize_imports\n"
        "serialize_imports()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import user_of_it\n"
        "print(*[w.filename.rsplit('/', 1)[-1] for w in caught])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    warned = 2 if sys.version_info < (3, 13) else 1  # (audioop left Python in 3.13)
    assert done.stdout.split() == ["user_of_it.py"] * warned, done.stderr
