"""What a repair kept and lost, table by table, and the few lines that tell the producer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from anomalizer_desktop.core.text import quantity, quantity_with_verb

#: the labels people read for each table
WHAT = {
    "roots": "folders",
    "samples": "loops",
    "user_data": "flags, notes and tags",
    "features": "embeddings",
    "feature_errors": "embedding errors",
    "runs": "training runs",
    "scores": "scores",
}


#: the tables whose rows the summary counts, and one row's label
_ONE = {
    "samples": "{n} loop",
    "user_data": "the flags, notes and tags of {n} loop",
    "features": "{n} embedding",
    "runs": "{n} training run",
}


@dataclass
class TableRepair:
    """What became of one table: rows copied, rows read but dropped (their loop or run was
    lost, or what was read breaks the schema), damaged stretches stepped over."""

    kept: int = 0
    dropped: int = 0
    stretches: int = 0
    #: rows kept that SQLite could not read, read from the file's pages (`page_rows`)
    recovered: int = 0


@dataclass
class Repaired:
    """The outcome of `repair_library`: the repaired library, where the damaged one is kept,
    and what happened to each table."""

    library: Path
    kept_as: Path  # the damaged file's new name
    tables: dict[str, TableRepair] = field(default_factory=dict)
    rebuilt_folders: int = 0
    #: flags and notes given back from the backup beside the library (`flag_backup`), and
    #: how many of their loops were lost too (back as missing: a rescan finds them)
    restored_flags: int = 0
    restored_loops: int = 0
    backup_written_at: float | None = None  # None: there was no backup to read

    def summary(self) -> str:
        """A few lines for people: what was kept, what was lost, what brings it back."""
        # (semicolons: "flags, notes and tags" is one item of the list)
        kept = "; ".join(
            one.format(n=f"{self.tables[t].kept:,}") + ("" if self.tables[t].kept == 1 else "s")
            for t, one in _ONE.items()
            if t in self.tables
        )
        lines = [f"Repaired the library {self.library}: kept {kept}."]
        found = [
            f"{table.recovered:,} {WHAT[name]}"
            for name, table in self.tables.items()
            if table.recovered
        ]
        if found:
            lines.append(
                f"Found {'; '.join(found)} in the file's pages where SQLite could not reach"
                " them, and kept them."
            )
        # a stretch stepped over whose rows turned up in those pages: only the rows of the
        # damaged pages themselves may be lost (none, when only a page that led to others was)
        unsure = [
            name
            for name, table in self.tables.items()
            if table.stretches and table.recovered and not table.dropped
        ]
        lost = [
            name
            for name, table in self.tables.items()
            if table.dropped or (table.stretches and not table.recovered)
        ]
        if self.rebuilt_folders:  # what matters of a folder's entry is made again
            lost = [name for name in lost if name != "roots"]
            lines.append(
                f"{quantity(self.rebuilt_folders, 'folder')} whose entry could not be read:"
                " made again from their loops' paths."
            )
        if unsure and not lost:
            lines.append(
                "Whatever the damaged pages themselves held is lost: rescan, embed and train to"
                " make any lost loops, embeddings and scores again."
            )
        elif not lost:
            lines.append(
                "Nothing else was lost."
                if self.rebuilt_folders
                else "Every row could be read: nothing was lost."
            )
        else:
            lines.append(f"Not all could be read: some {'; '.join(WHAT[t] for t in lost)}.")
            if set(lost) & {"samples", "features", "feature_errors", "runs", "scores"}:
                lines.append(
                    "Rescan, embed and train to make the lost loops, embeddings and scores again."
                )
            flags = self._flags_line()
            if flags is not None:
                lines.append(flags)
        lines.append(
            f"The damaged file is kept as {self.kept_as}: delete it once the repaired library"
            " has what you need (nothing reads it any more)."
        )
        return "\n".join(lines)

    def _flags_line(self) -> str | None:
        """What became of the flags and notes that could not be read (None: none were lost)."""
        user_data = self.tables.get("user_data", TableRepair())
        if not (user_data.dropped or user_data.stretches or self.restored_flags):
            return None
        if self.backup_written_at is None:
            return "Flags, notes and tags that could not be read, or whose loop was lost, are gone."
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.backup_written_at))
        if not self.restored_flags:
            return (
                f"The backup of the flags beside the library (written {when}) held none of"
                " the lost ones: they are gone."
            )
        line = (
            f"Flags, notes and tags of {quantity(self.restored_flags, 'loop')} came back from the"
            f" backup beside the library (written {when}); any set after it are gone."
        )
        if self.restored_loops:
            line += (
                f" {quantity_with_verb(self.restored_loops, 'loop', 'is', 'are')} missing"
                f" until the next rescan finds {'it' if self.restored_loops == 1 else 'them'},"
                " flags and all."
            )
        return line
