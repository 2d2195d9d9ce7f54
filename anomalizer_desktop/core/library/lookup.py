"""Find the loop a person named (on the command line, by a drop) among the library's paths."""

from __future__ import annotations

import os
from collections.abc import Container


def library_names(path: str) -> tuple[str, ...]:
    """The names under which the library may hold the file at `path`, in the order to try them:
    the path made absolute, then (when it differs) the path with every link resolved.

    A scan keeps a loop under the path it reached it by (its folder's real path, then the names
    below it, links among them kept), so the literal name comes first: a link to another loop
    of the library is a loop of its own, and naming the link must not reach the file it points
    to. The resolved name finds a loop named through a linked folder (~/Loops -> /mnt/Loops).
    """
    absolute = os.path.abspath(os.path.expanduser(path))
    real = os.path.realpath(absolute)
    return (absolute,) if real == absolute else (absolute, real)


def held_name(path: str, held: Container[str]) -> str | None:
    """The first of `library_names(path)` that `held` (the library's paths) contains, or None."""
    return next((name for name in library_names(path) if name in held), None)
