"""Reading many rows without holding the GIL for long: a chunk of rows at a time.

The window reads the library in worker threads (a reload, the space explanations read again
after a flag) while its own thread draws and the audio callback feeds the sound card every
5 ms. A C call that turns 100,000 rows into Python objects at once (`fetchall`, `zip(*rows)`,
`np.stack` of 100,000 vectors) holds the GIL for 50-150 ms, and the window and the sound wait
that long. Between chunks of CHUNK_ROWS rows, other threads get their turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

#: rows handled at a time: about 2 ms of GIL at a time for the library's widest reads
CHUNK_ROWS = 2048


def fetch_chunks(cursor: sqlite3.Cursor) -> Iterator[list]:
    """The cursor's rows, CHUNK_ROWS at a time."""
    while rows := cursor.fetchmany(CHUNK_ROWS):  # (read at each call: tests make it small)
        yield rows


def fetch_all(cursor: sqlite3.Cursor) -> list:
    """`cursor.fetchall()`, read a chunk at a time."""
    rows: list = []
    for chunk in fetch_chunks(cursor):
        rows.extend(chunk)
    return rows


def as_columns(rows: list, width: int) -> list[list]:
    """`list(zip(*rows))` as lists (`width` of them, empty ones for no rows), transposed a
    chunk at a time."""
    columns: list[list] = [[] for _ in range(width)]
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = zip(*rows[start : start + CHUNK_ROWS], strict=True)
        for column, values in zip(columns, chunk, strict=True):
            column.extend(values)
    return columns
