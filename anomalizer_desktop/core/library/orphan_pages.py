"""Rows no tree leads to any more: the table pages of a damaged library that SQLite cannot reach.

SQLite finds a table's rows through its tree: interior pages list the pages below them. When an
interior page is written over, every leaf page below it is still in the file, rows and all, but
no read reaches it (the repair's `readable_rows` steps over the stretch). SQLite's own
`.recover` scans every page for them; Python's sqlite3 has no such thing, so this reads the file
as SQLite's file format describes it (https://www.sqlite.org/fileformat2.html):

- the pages every tree reaches (from each table's and index's root, with their overflow pages)
  and the free list are known pages; every other page is an orphan;
- an orphan that reads as a table leaf gives its rows: its rowid and the values of its record;
- each row goes to the one table whose columns it fits (count, storage classes, NOT NULL, an
  INTEGER PRIMARY KEY stored as NULL, `CHECK (column IN (...))`); a row that fits none, or more
  than one, is left out.

Only for a file SQLite has folded its journal into (no `-wal` with frames beside it: pages there
would be newer than the file's), and without auto-vacuum (whose pointer-map pages are no tree's).
Everything here only reads, and anything malformed in a page is stepped over.
"""

from __future__ import annotations

import os
import re
import sqlite3
import struct
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: page types (the first byte of a b-tree page's header)
INTERIOR_INDEX, INTERIOR_TABLE, LEAF_INDEX, LEAF_TABLE = 2, 5, 10, 13
#: SQLite's file header, before page 1's b-tree header
HEADER_BYTES = 100


@dataclass(frozen=True)
class Column:
    """What a table's column may hold, as its declaration says."""

    name: str
    affinity: str  # INTEGER, REAL, TEXT, BLOB or "" (none declared)
    not_null: bool
    rowid: bool  # an INTEGER PRIMARY KEY: stored as NULL, the value is the rowid
    allowed: tuple[str, ...] | None = None  # CHECK (name IN (...))


def table_columns(db: sqlite3.Connection) -> dict[str, list[Column]]:
    """Each rowid table's columns, in the order its records hold them."""
    tables = {}
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ):
        if not sql or "WITHOUT ROWID" in sql.upper():
            continue
        info = list(db.execute(f"PRAGMA table_info({name})"))
        keys = [row for row in info if row[5]]
        columns = []
        for _, column, declared, not_null, _, pk in info:
            checked = re.search(rf"CHECK\s*\(\s*{column}\s+IN\s*\(([^)]*)\)\s*\)", sql, re.I)
            allowed = tuple(re.findall(r"'([^']*)'", checked.group(1))) if checked else None
            affinity = _affinity(declared or "")
            rowid = bool(pk) and len(keys) == 1 and affinity == "INTEGER"
            columns.append(Column(column, affinity, bool(not_null), rowid, allowed))
        tables[name] = columns
    return tables


def _affinity(declared: str) -> str:
    """SQLite's column affinity of a declared type (its five rules)."""
    kind = declared.upper()
    if "INT" in kind:
        return "INTEGER"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in kind or not kind:
        return "BLOB" if kind else ""
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def orphan_rows(
    path: Path, db: sqlite3.Connection, keep: Collection[str] | None = None
) -> dict[str, dict[int, tuple]]:
    """The rows of the table leaf pages no tree of the library at `path` reaches, by table and
    rowid, each a tuple of the table's columns (those its record lacks are None; an INTEGER
    PRIMARY KEY holds the rowid). `db`: a connection that can read its list of tables; `keep`:
    the tables whose rows are wanted (all by default; every table is weighed all the same, so
    that a row that fits two is left out). Empty where the file cannot be scanned safely (see
    the module's docstring)."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 32:
        return {}
    try:
        roots = [page for (page,) in db.execute("SELECT rootpage FROM sqlite_master") if page]
        columns = table_columns(db)
    except sqlite3.DatabaseError:
        return {}
    with open(path, "rb") as handle:
        file = _File(handle)
        if file.page_size is None or file.auto_vacuum:
            return {}
        known = file.free_pages() | file.reached_from([1, *roots])
        found: dict[str, dict[int, tuple]] = {}
        for page in range(1, file.pages + 1):
            if page in known:
                continue
            for rowid, values in file.leaf_rows(page):
                tables = [name for name, cols in columns.items() if _fits(values, cols)]
                if len(tables) == 1 and (keep is None or tables[0] in keep):
                    name = tables[0]
                    found.setdefault(name, {})[rowid] = _as_row(rowid, values, columns[name])
        return found


def _fits(values: list, columns: list[Column]) -> bool:
    """Whether a record can be a row of a table with these columns."""
    if not values or len(values) > len(columns):
        return False
    for value, column in zip(values, columns, strict=False):
        if column.rowid:
            if value is not None:
                return False
            continue
        if value is None:
            if column.not_null:
                return False
            continue
        if column.allowed is not None and value not in column.allowed:
            return False
        kind = type(value)
        if column.affinity == "INTEGER" and kind is not int:
            return False
        if column.affinity == "REAL" and kind not in (int, float):  # integral reals: ints
            return False
        if column.affinity == "TEXT" and kind is not str:
            return False
        if column.affinity == "BLOB" and kind is not bytes:
            return False
    # the columns a record lacks were added since it was written: they must allow NULL
    return not any(column.not_null for column in columns[len(values) :])


def _as_row(rowid: int, values: list, columns: list[Column]) -> tuple:
    row = list(values) + [None] * (len(columns) - len(values))
    for i, column in enumerate(columns):
        if column.rowid:
            row[i] = rowid
        elif column.affinity == "REAL" and isinstance(row[i], int):
            row[i] = float(row[i])
    return tuple(row)


class _File:
    """The pages of a SQLite file, read as its format describes them (a page at a time: the
    whole file mapped counted its 167 MB at 100,000 loops in the repair's memory)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        data = handle.read(HEADER_BYTES)
        length = os.fstat(handle.fileno()).st_size
        if len(data) < HEADER_BYTES:
            data = bytes(HEADER_BYTES)
        size = _u16(data, 16)
        size = 65536 if size == 1 else size
        valid = data[:16] == b"SQLite format 3\x00" and size >= 512 and size & (size - 1) == 0
        self.page_size = size if valid else None
        self.usable = size - data[20] if valid else 0
        self.pages = length // size if valid else 0
        # the header's page count, where it holds (its change counter matches): pages past
        # it are what a file that shrank left behind, not the library's
        counted = _u32(data, 28)
        if valid and counted and _u32(data, 24) == _u32(data, 92):
            self.pages = min(self.pages, counted)
        self.auto_vacuum = valid and _u32(data, 52) != 0
        self.header = data

    def page(self, number: int) -> bytes | None:
        if not 1 <= number <= self.pages:
            return None
        self.handle.seek((number - 1) * self.page_size)
        return self.handle.read(self.page_size)

    def free_pages(self) -> set[int]:
        """The pages on the free list (trunks and leaves): deleted rows, not lost ones."""
        free: set[int] = set()
        trunk = _u32(self.header, 32)
        while trunk and trunk not in free:
            page = self.page(trunk)
            if page is None:
                break
            free.add(trunk)
            count = _u32(page, 4)
            if count > (self.usable - 8) // 4:
                break
            for i in range(count):
                free.add(_u32(page, 8 + 4 * i))
            trunk = _u32(page, 0)
        return free

    def reached_from(self, roots: list[int]) -> set[int]:
        """Every page the trees at `roots` lead to, overflow pages included, as far as their
        pages can be read."""
        reached: set[int] = set()
        todo = list(roots)
        while todo:
            number = todo.pop()
            if number in reached:
                continue
            page = self.page(number)
            if page is None:
                continue
            reached.add(number)
            try:
                children, overflows = self._links(number, page)
            except (IndexError, ValueError, struct.error):
                continue  # a damaged page: what it led to is what is orphaned
            todo.extend(children)
            for first in overflows:
                reached.update(self._overflow_chain(first))
        return reached

    def _cells(self, number: int, page: bytes) -> tuple[int, int, list[int]]:
        """The page's type, its header's offset and its cells' offsets."""
        at = HEADER_BYTES if number == 1 else 0
        kind = page[at]
        if kind not in (INTERIOR_INDEX, INTERIOR_TABLE, LEAF_INDEX, LEAF_TABLE):
            raise ValueError("not a b-tree page")
        count = _u16(page, at + 3)
        header = 12 if kind in (INTERIOR_INDEX, INTERIOR_TABLE) else 8
        pointers = at + header
        if pointers + 2 * count > self.usable:
            raise ValueError("too many cells")
        cells = [_u16(page, pointers + 2 * i) for i in range(count)]
        if any(not pointers + 2 * count <= cell < self.usable for cell in cells):
            raise ValueError("a cell outside the page")
        return kind, at, cells

    def _links(self, number: int, page: bytes) -> tuple[list[int], list[int]]:
        """The child pages and the first overflow pages a b-tree page points to."""
        kind, at, cells = self._cells(number, page)
        children, overflows = [], []
        if kind in (INTERIOR_INDEX, INTERIOR_TABLE):
            children.append(_u32(page, at + 8))
        for cell in cells:
            if kind in (INTERIOR_INDEX, INTERIOR_TABLE):
                children.append(_u32(page, cell))
            if kind == INTERIOR_TABLE:
                continue
            at_payload = cell + 4 if kind == INTERIOR_INDEX else cell
            size, at_payload = _varint(page, at_payload)
            if kind == LEAF_TABLE:
                _, at_payload = _varint(page, at_payload)  # the rowid
            local = self._local(size, table=kind == LEAF_TABLE)
            if local < size:
                overflows.append(_u32(page, at_payload + local))
        return children, overflows

    def _local(self, size: int, table: bool) -> int:
        """How much of a payload of `size` bytes a cell holds on its page (the rest overflows)."""
        usable = self.usable
        most = usable - 35 if table else (usable - 12) * 64 // 255 - 23
        if size <= most:
            return size
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        return local if local <= most else least

    def _overflow_chain(self, first: int) -> list[int]:
        """The overflow pages from `first` on, in order (a chain that loops ends there)."""
        chain: dict[int, None] = {}
        number = first
        while number and number not in chain:
            page = self.page(number)
            if page is None:
                break
            chain[number] = None
            number = _u32(page, 0)
        return list(chain)

    def leaf_rows(self, number: int):
        """(rowid, values) of each readable cell of page `number` if it is a table leaf."""
        page = self.page(number)
        try:
            kind, _, cells = self._cells(number, page)
        except (IndexError, ValueError, TypeError):
            return
        if kind != LEAF_TABLE:
            return
        for cell in cells:
            try:
                size, at = _varint(page, cell)
                rowid, at = _varint(page, at)
                local = self._local(size, table=True)
                payload = bytes(page[at : at + min(local, size)])
                if local < size:
                    next_page = _u32(page, at + local)
                    for overflow in self._overflow_chain(next_page):
                        payload += bytes(self.page(overflow)[4 : self.usable])
                        if len(payload) >= size:
                            break
                if len(payload) < size:
                    continue
                yield _signed(rowid), _record(payload[:size])
            except (IndexError, ValueError, struct.error, UnicodeDecodeError):
                continue


def _u16(data, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def _u32(data, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _varint(data, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at `at`: its value and the offset after it."""
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise ValueError("varint")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _record(payload: bytes) -> list:
    """The values of a record (SQLite's record format)."""
    header_size, at = _varint(payload, 0)
    if not 1 <= header_size <= len(payload):
        raise ValueError("record header")
    kinds = []
    while at < header_size:
        kind, at = _varint(payload, at)
        kinds.append(kind)
    values, at = [], header_size
    for kind in kinds:
        if kind == 0:
            values.append(None)
        elif 1 <= kind <= 6:
            width = (1, 2, 3, 4, 6, 8)[kind - 1]
            values.append(int.from_bytes(payload[at : at + width], "big", signed=True))
            at += width
        elif kind == 7:
            values.append(struct.unpack(">d", payload[at : at + 8])[0])
            at += 8
        elif kind in (8, 9):
            values.append(kind - 8)
        elif kind >= 12:
            width = (kind - 12) // 2 if kind % 2 == 0 else (kind - 13) // 2
            chunk = payload[at : at + width]
            if len(chunk) < width:
                raise ValueError("record too short")
            values.append(bytes(chunk) if kind % 2 == 0 else chunk.decode("utf-8"))
            at += width
        else:
            raise ValueError("reserved serial type")
    if at > len(payload):
        raise ValueError("record too short")
    return values
