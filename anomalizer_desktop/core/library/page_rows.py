"""The rows of a library read from its file's pages themselves, for those SQLite cannot reach.

SQLite finds a table's rows through its tree: interior pages list the pages below them. When a
page of a tree is written over, the leaf pages below it are still in the file, rows and all,
but no read reaches them (the repair's `readable_rows` steps over the stretch, and where the
damage sits at the top of a tree, over all of it). SQLite's own `.recover` reads every page for
them; Python's sqlite3 has no such thing, so this reads the file as SQLite's file format
describes it (https://www.sqlite.org/fileformat2.html):

- every page but those of the free list (deleted rows, not lost ones) and the overflow pages
  of the cells the trees reach (parts of long values) is read, and each that reads as a table
  leaf gives its rows: its rowid and the values of its record;
- each such page goes to the one table its first rows fit (count, storage classes, NOT NULL,
  an INTEGER PRIMARY KEY stored as NULL, `CHECK (column IN (...))`: every row of a leaf page is
  one table's), a page none of them tells is left out, and a row read from a page is kept only
  if it fits that table too.

`PageRows` keeps where each row lies (its page), and reads the rows asked for again. Only for
a file SQLite has folded its journal into (no `-wal` with frames beside it: pages there would
be newer than the file's), and without auto-vacuum (whose pointer-map pages are no tree's).
Everything here only reads, and anything malformed in a page is stepped over.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import struct
from collections.abc import Collection, Iterator
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
    affinity: str  # INTEGER, REAL, TEXT, BLOB, NUMERIC or "" (none declared)
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
            pattern = rf"CHECK\s*\(\s*{re.escape(column)}\s+IN\s*\(([^)]*)\)\s*\)"
            checked = re.search(pattern, sql, re.I)
            allowed = tuple(re.findall(r"'([^']*)'", checked.group(1))) if checked else None
            affinity = _affinity(declared or "")
            # (only a key declared INTEGER is the rowid: "INT PRIMARY KEY" is a column of its own)
            rowid = bool(pk) and len(keys) == 1 and (declared or "").upper() == "INTEGER"
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


class PageRows:
    """Where the rows of a library's tables lie in its file (`page_rows`)."""

    def __init__(self, file: _File | None, columns: dict[str, list[Column]]) -> None:
        self._file = file
        self._columns = columns
        #: each table's rowids, and the page of each
        self.pages: dict[str, dict[int, int]] = {}

    def rowids(self, table: str) -> set[int]:
        return set(self.pages.get(table, ()))

    def rows(
        self, table: str, rowids: Collection[int], names: list[str] | None = None
    ) -> dict[int, tuple]:
        """The rows of `table` with these rowids, each a tuple of its columns `names` (all of
        them by default, in the table's order; those its record lacks are None, an INTEGER
        PRIMARY KEY holds the rowid)."""
        where = self.pages.get(table, {})
        columns = self._columns[table]
        order = [column.name for column in columns]
        picked = [order.index(name) if name in order else None for name in names or order]
        wanted: dict[int, set[int]] = {}
        for rowid in rowids:
            if rowid in where:
                wanted.setdefault(where[rowid], set()).add(rowid)
        found = {}
        for number, on_it in sorted(wanted.items()):
            page, cells = self._file.leaf(number) or (b"", [])
            for cell in cells:
                rowid = self._file.rowid(page, cell)
                if rowid not in on_it or rowid in found:
                    continue
                values = self._file.values(page, cell)
                if values is not None and _fits(values, columns):  # (a damaged cell: left)
                    row = _as_row(rowid, values, columns)
                    found[rowid] = tuple(None if i is None else row[i] for i in picked)
        return found


@contextlib.contextmanager
def page_rows(
    path: Path, db: sqlite3.Connection, keep: Collection[str] | None = None
) -> Iterator[PageRows]:
    """Where each row of the library at `path` lies in its file, for the tables in `keep`
    (all by default; every table is weighed all the same, so that a row that fits two is left
    out). `db`: a connection that can read its list of tables. None found where the file
    cannot be read so safely (see the module's docstring)."""
    try:
        roots = [page for (page,) in db.execute("SELECT rootpage FROM sqlite_master") if page]
        columns = table_columns(db)
    except sqlite3.DatabaseError:
        yield PageRows(None, {})
        return
    wal = Path(f"{path}-wal")
    with open(path, "rb") as handle:
        file = _File(handle)
        found = PageRows(file, columns)
        if file.page_size is None or file.auto_vacuum or (wal.exists() and wal.stat().st_size > 32):
            yield found
            return
        passed = file.free_pages() | file.overflow_pages([1, *roots])
        for number in range(1, file.pages + 1):
            leaf = None if number in passed else file.leaf(number)
            if leaf is None:
                continue
            table = _table_of(file, *leaf, columns)
            if table is None or (keep is not None and table not in keep):
                continue
            where = found.pages.setdefault(table, {})
            for cell in leaf[1]:
                rowid = file.rowid(leaf[0], cell)
                if rowid is not None:
                    where.setdefault(rowid, number)
        yield found


#: how many of a leaf page's rows are read to tell its table (every row of a leaf page is one
#: table's: reading them all to tell it took the repair of 100,000 loops 3 s more)
TABLE_TELLING_ROWS = 3


def _table_of(file: _File, page: bytes, cells: list[int], columns: dict[str, list[Column]]):
    """The table a leaf page's rows are rows of: the one table its first row that fits just
    one table fits (None: none of its first TABLE_TELLING_ROWS rows tells)."""
    for cell in cells[:TABLE_TELLING_ROWS]:
        values = file.values(page, cell)
        if values is None:
            continue
        tables = [name for name, cols in columns.items() if _fits(values, cols)]
        if len(tables) == 1:
            return tables[0]
    return None


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

    def overflow_pages(self, roots: list[int]) -> set[int]:
        """The overflow pages of the cells the trees at `roots` reach, as far as their pages
        can be read."""
        reached: set[int] = set()
        overflow: set[int] = set()
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
                continue  # a damaged page: what it led to is read all the same
            todo.extend(children)
            for first in overflows:
                overflow.update(self._overflow_chain(first))
        return overflow

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

    def leaf(self, number: int) -> tuple[bytes, list[int]] | None:
        """Page `number` and its cells' offsets, if it reads as a table leaf."""
        page = self.page(number)
        try:
            kind, _, cells = self._cells(number, page)
        except (IndexError, ValueError, TypeError):
            return None
        return (page, cells) if kind == LEAF_TABLE else None

    @staticmethod
    def rowid(page: bytes, cell: int) -> int | None:
        """The rowid of a table leaf's cell (None: it cannot be read)."""
        try:
            _, at = _varint(page, cell)
            return _signed(_varint(page, at)[0])
        except (IndexError, ValueError):
            return None

    def values(self, page: bytes, cell: int) -> list | None:
        """The values of a table leaf cell's record, its overflow pages read (None: it
        cannot be read)."""
        try:
            size, at = _varint(page, cell)
            _, at = _varint(page, at)
            local = self._local(size, table=True)
            payload = bytes(page[at : at + min(local, size)])
            if local < size:
                for overflow in self._overflow_chain(_u32(page, at + local)):
                    payload += bytes(self.page(overflow)[4 : self.usable])
                    if len(payload) >= size:
                        break
            if len(payload) < size:
                return None
            return _record(payload[:size])
        except (IndexError, ValueError, struct.error, UnicodeDecodeError):
            return None


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
