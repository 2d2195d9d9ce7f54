"""LibraryTableModel: a thin QAbstractTableModel over LibraryData.

Sorting and filtering happen here, with numpy (argsort / boolean masks), not in a
QSortFilterProxyModel: a proxy compares rows through Python calls and took 20-49 s to sort
100k rows on these machines; an argsort takes milliseconds. The view is `_order[_mask[_order]]`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QColor

from anomalizer_desktop.core.audio.formats import is_lossless_path
from anomalizer_desktop.core.id_positions import values_at
from anomalizer_desktop.core.library.trash import file_identity, links_left_behind
from anomalizer_desktop.core.loop_names import HEARD, HEARD_MARK, YOURS, whole_bars
from anomalizer_desktop.core.text import (
    length_text,
    one_line,
    score_text,
    unusual_percent,
    when_added,
)
from anomalizer_desktop.ui.file_mime import files_mime
from anomalizer_desktop.ui.library_data import LibraryData
from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.theme import colour
from anomalizer_desktop.ui.widgets.map_style import colour_bin, colour_bins

COLUMNS = [
    ("name", "Name"),
    ("percentile", "Unusual %"),
    ("score", "Score"),
    ("flag", "Flag"),
    ("tags", "Tags"),  # beside the flag: what a producer sees while tagging
    ("duration", "Length"),
    ("tempo", "BPM"),
    ("key", "Key"),
    ("bars", "Bars"),  # how many whole bars of four the loop lasts at its tempo
    ("sample_rate", "Rate"),
    ("status", "Status"),
    ("added", "Added"),  # when a scan first found the loop: sort by it for what came in last
    ("note", "Note"),  # before the long folder paths, so that notes show without scrolling
    ("folder", "Folder"),
]
COLUMN_INDEX = {key: i for i, (key, _) in enumerate(COLUMNS)}
#: columns whose header sorts high to low at the first click: the oddest loops, the newest
DESCENDING_FIRST = dict.fromkeys(("percentile", "score", "added"), Qt.SortOrder.DescendingOrder)
SORT_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 2
#: the symbols the map draws flagged loops with (ScatterMap.SYMBOLS: a star, a square); the
#: map's diamonds are loops tried from outside
FLAG_TEXT = {"unusual": "★ unusual", "typical": "■ typical", None: ""}

#: what each column's header says on hover
COLUMN_TIPS = {
    "name": "The loop's file name",
    "percentile": "Unusual %: how many of the library's loops score lower (97: more unusual"
    " than 97 % of them).\n\u2191 or \u2193 before it: the last training moved the loop"
    " across the unusual cut.",
    "score": "The detector's score: the higher, the more unusual. Loops above the unusual cut"
    " are counted as unusual.",
    "flag": "Your flag: \u2605 unusual (U) or \u25a0 typical (T); Retrain with flags learns"
    " from them",
    "tags": "Your tags: G tags the selected loops, and 1-9 put on a tag each (Loop > Tag >"
    " Tag keys\u2026)",
    "duration": "Length in seconds",
    "tempo": "Tempo: the one its name or loop tags declare, or \u2248 the one heard in its"
    " sound, or yours (Loop > Tempo and Key\u2026)",
    "key": "Key: the one its name or tags declare, or yours (Loop > Tempo and Key\u2026)",
    "bars": "Whole bars of four at its tempo",
    "sample_rate": "Sample rate of the file",
    "status": "ok, or why the loop is not in the scores (an error, a missing file)",
    "added": "When a scan first found the loop",
    "note": "Your note (N)",
    "folder": "The folder the file is in",
}


#: the filter of a table that shows every loop: (text, flag, status, tag, folder)
NO_FILTER = ("", None, None, None, None)

NUMBER_FORMATS = {
    "duration": length_text,
    "tempo": lambda v: f"{v:g}",
    "bars": lambda v: f"{v:g}",
    "sample_rate": lambda v: f"{v / 1000:g} kHz",
    "score": score_text,
    "percentile": unusual_percent,
    "added": when_added,
}
NUMERIC = set(NUMBER_FORMATS)

#: before an Unusual %: the latest training moved the loop above the unusual cut (↑) or below
#: it (↓), the training before having had it the other side (`LibraryData.crossed`)
CROSSED_MARKS = {1: "\u2191", -1: "\u2193"}
CROSSED_TIPS = {
    1: "Above the unusual cut since the last training (the one before{before} had it below)",
    -1: "Below the unusual cut since the last training (the one before{before} had it above)",
}


class LibraryTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.library = LibraryData.empty()
        self._order = np.zeros(0, dtype=np.int64)
        self._mask = np.zeros(0, dtype=bool)
        self._view = np.zeros(0, dtype=np.int64)
        self._position = np.zeros(0, dtype=np.int64)  # data row -> view row (-1 = hidden)
        self._sort = ("score", Qt.SortOrder.DescendingOrder)
        self._filter = NO_FILTER
        #: sample ids shown whatever the filter says (`keep_in_view`)
        self._kept = np.zeros(0, dtype=np.int64)
        #: sample ids that edits took out of this filter (`filter_moved`)
        self._edited_out: set[int] = set()
        #: while sorted by likeness to a loop: sample ids, nearest first (see sort_by_likeness)
        self._likeness: np.ndarray | None = None

    # ------------------------------------------------------------------ loading
    def set_library(self, library: LibraryData) -> None:
        self.beginResetModel()
        self.library = library
        self._order = self._current_order()
        self._mask = self._filter_mask(*self._filter)
        self._refresh_view()
        self.endResetModel()

    def _refresh_view(self) -> None:
        self._view = self._order[self._mask[self._order]]
        groups_of = {"copies": self.library.copy_group, "same_audio": self.library.sound_group}
        if self._filter[2] in groups_of:  # each loop's copies right after it, in the sort
            groups = groups_of[self._filter[2]][self._view]
            first = np.full(groups.max(initial=-1) + 1, len(groups), dtype=np.int64)
            np.minimum.at(first, groups, np.arange(len(groups)))
            self._view = self._view[np.argsort(first[groups], kind="stable")]
        self._position = np.full(len(self.library), -1, dtype=np.int64)
        self._position[self._view] = np.arange(len(self._view))

    # ------------------------------------------------------------------ Qt interface
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.InitialSortOrderRole:  # a header's first click
            return DESCENDING_FIRST.get(COLUMNS[section][0], Qt.SortOrder.AscendingOrder)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip(self._header_tip(COLUMNS[section][0]))
        return None

    def _header_tip(self, key: str) -> str:
        """What a column holds, and for the scores which training made them: the Detector
        box names the next training's detector, which need not be the one on show."""
        text = COLUMN_TIPS[key]
        if key in ("percentile", "score"):
            scored_by = self.library.scored_by
            text += f"\nScores from {scored_by}." if scored_by else "\nNo training yet."
        return text

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._view):
            return None
        row = int(self._view[index.row()])
        key = COLUMNS[index.column()][0]
        lib = self.library
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(key, row)
        if role == SORT_ROLE:
            value = float(lib.sort_key(key)[row])
            return None if math.isnan(value) else value
        if role == ID_ROLE:
            return int(lib.ids[row])
        if role == PATH_ROLE:
            return lib.paths[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            text = lib.errors[row] or lib.paths[row]
            if key in ("tempo", "key"):
                text = f"{_tag_tip(lib, key, row)}\n{text}"
            elif key == "bars":
                text = f"{_bars_tip(lib, row)}\n{text}"
            elif key == "added" and not math.isnan(lib.added[row]):
                text = f"Added to the library {_full_date(lib.added[row])}\n{text}"
            elif key == "percentile" and lib.crossed[row]:
                text = f"{_crossed_tip(lib, row)}\n{text}"
            if lib.notes[row]:
                text += f"\nNote: {lib.notes[row]}"
            if key == "name" and lib.sound_group[row] >= 0:
                text += f"\n{lib.same_audio_text(row)}"
            return tip(f"{text}\nTags: {lib.tags[row]}" if lib.tags[row] else text)
        if role == Qt.ItemDataRole.DecorationRole and key == "percentile":
            value = float(lib.percentile[row])  # the map's colour for it: table and map agree
            return None if math.isnan(value) else QColor(*colour_bins()[colour_bin(value)])
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if lib.status[row] == "error":
                return QColor(colour("error"))
            if lib.status[row] == "missing":
                return QColor("#8a8a8a")
            if key == "flag" and lib.flags[row] in ("unusual", "typical"):
                return QColor(colour(lib.flags[row]))
            if key == "tempo" and lib.tempo_from[row] == HEARD:
                return QColor(colour("muted"))  # heard, not declared: quieter than a fact
        return None

    def _display(self, key: str, row: int) -> str:
        lib = self.library
        if key in NUMBER_FORMATS:
            value = getattr(lib, key)[row]
            if math.isnan(value):
                return ""
            text = NUMBER_FORMATS[key](value)
            if key == "tempo" and lib.tempo_from[row] == HEARD:
                return HEARD_MARK + text
            if key == "percentile" and lib.crossed[row]:
                return CROSSED_MARKS[int(lib.crossed[row])] + text
            return text
        if key == "flag":
            return FLAG_TEXT[lib.flags[row]]
        if key == "status":
            if lib.status[row] != "error":
                return lib.status[row]
            return "error: " + one_line(lib.errors[row])
        if key == "key":
            return lib.keys[row] or ""
        texts = {"name": lib.names, "folder": lib.folders, "note": lib.notes, "tags": lib.tags}
        return one_line(texts[key][row])  # a newline in a name showed as "two…"

    def flags(self, index: QModelIndex):
        # a constant, not super().flags() | ...: Ctrl+A at 100,000 rows has Qt ask 500,000
        # times, and each ask called rowCount and columnCount back and or-ed two enums
        # (1.8 s of the 2.3 s the window stopped for)
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:
        """Dragging rows out gives the files (drop them into a DAW or a file manager), and
        the loops' ids (drop them on a folder of the Folders panel to move them there); the
        loops whose files are missing are left out: there is nothing there to drop."""
        rows = [r for r in sorted({i.row() for i in indexes}) if not self.file_missing(r)]
        return files_mime([self.path(r) for r in rows], self.sample_ids(rows))

    # ------------------------------------------------------------------ sort & filter
    def _sorted_order(self, column: str, order: Qt.SortOrder) -> np.ndarray:
        keys = self.library.sort_key(column)
        unknown = np.isnan(keys)
        filled = np.where(unknown, 0.0, keys)
        if order == Qt.SortOrder.DescendingOrder:
            filled = -filled
        # unknown values last in either direction; ties keep the path order (stable)
        return np.lexsort((filled, unknown)).astype(np.int64)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (a header click); this ends a sort by likeness."""
        if column < 0:  # no column: the header while the rows are sorted by likeness
            return
        self._likeness = None
        self._sort = (COLUMNS[column][0], order)
        self._reorder()

    def sort_by_likeness(self, sample_ids) -> None:
        """Put these loops first, in this order (nearest first), and the rest after them in
        the column sort; the next column sort ends it. Selection and filters stay."""
        self._likeness = np.asarray(sample_ids, dtype=np.int64)
        self._reorder()

    def likeness_active(self) -> bool:
        return self._likeness is not None

    def _current_order(self) -> np.ndarray:
        order = self._sorted_order(*self._sort)
        if self._likeness is None:
            return order
        rows = self.rows_of(self._likeness)
        first = rows[rows >= 0]
        return np.concatenate([first, order[~np.isin(order, first)]])

    def _reorder(self) -> None:
        """Recompute the order, keeping every persistent index (selection, current row) on
        its loop."""
        self.layoutAboutToBeChanged.emit()
        old_view = self._view
        persistent = self.persistentIndexList()
        self._order = self._current_order()
        self._refresh_view()
        new_indexes = []
        for index in persistent:
            new_row = self._position[old_view[index.row()]] if index.row() < len(old_view) else -1
            new_indexes.append(
                self.index(int(new_row), index.column()) if new_row >= 0 else QModelIndex()
            )
        self.changePersistentIndexList(persistent, new_indexes)
        self.layoutChanged.emit()

    def sort_state(self) -> tuple[int, Qt.SortOrder]:
        return COLUMN_INDEX[self._sort[0]], self._sort[1]

    def _filter_mask(
        self, text: str, flag: str | None, status: str | None, tag, folder: str | None
    ) -> np.ndarray:
        mask = self._mask_of_filter(text, flag, status, tag, folder)
        if len(self._kept):
            mask[self.library.rows_of_ids(self._kept)[0]] = True
        return mask

    def _mask_of_filter(
        self, text: str, flag: str | None, status: str | None, tag, folder: str | None
    ) -> np.ndarray:
        mask = self.library.text_mask(text)
        if folder is not None:
            mask &= self.library.folder_mask(folder)
        if tag is not None:
            mask &= self.library.tag_mask(tag)
        if flag == "unflagged":
            mask &= np.array([f is None for f in self.library.flags], dtype=bool)
        elif flag is not None:
            mask &= np.array([f == flag for f in self.library.flags], dtype=bool)
        if status == "copies":  # files that are in the library more than once
            mask &= self.library.copy_group >= 0
        elif status == "same_audio":  # audio the library holds again in other files
            mask &= self.library.sound_group >= 0
        elif status is not None:
            mask &= np.array([s == status for s in self.library.status], dtype=bool)
        return mask

    def set_filter(
        self,
        text: str = "",
        flag: str | None = None,
        status: str | None = None,
        tag=None,
        folder: str | None = None,
    ) -> None:
        """Show rows containing `text` with that flag ("unflagged" too), status ("copies":
        the loops whose file is in the library more than once; "same_audio": whose audio is,
        in files with other bytes), tag (`UNTAGGED`: none) and
        in that folder or below it (the Folders panel's choice)."""
        if (text, flag, status, tag, folder) != self._filter:  # (for the filter before)
            self._kept = np.zeros(0, dtype=np.int64)
            self._edited_out = set()
        self._filter = (text, flag, status, tag, folder)
        self.show_mask(self._filter_mask(*self._filter))

    def show_mask(self, mask: np.ndarray) -> None:
        """Show the rows of `mask`, the filter's as `filter_moved` worked it out (the rows
        reset once)."""
        self.beginResetModel()
        self._mask = mask
        self._refresh_view()
        self.endResetModel()

    @property
    def flag_filter(self) -> str | None:
        """The flags the rows are filtered by ("unflagged", "typical", "unusual"; None: all)."""
        return self._filter[1]

    def keep_in_view(self, sample_ids) -> None:
        """Show these loops whatever the filter says, in their place in the order, until the
        filter changes or `let_go_of_kept` (B back to a loop that T just took out of the
        Unflagged list: clearing every filter to show it lost the list)."""
        self._kept = np.unique(np.concatenate([self._kept, np.asarray(sample_ids, np.int64)]))
        self.show_mask(self._filter_mask(*self._filter))

    def let_go_of_kept(self) -> None:
        """The loops `keep_in_view` kept go by the filter again (at its next reckoning)."""
        self._kept = np.zeros(0, dtype=np.int64)

    def filter_moved(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the filter takes now that the loops' flags, tags, notes, tempos or keys
        changed: the view rows it no longer takes (T on a loop of the Unflagged list), in view
        order, the ids of the hidden loops it takes now (that flag undone), and its mask, for
        `show_mask`; nothing moves without a filter."""
        if self._filter == NO_FILTER:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), self._mask
        mask = self._filter_mask(*self._filter)
        leaving = np.flatnonzero(~mask[self._view])
        self._edited_out.update(self.sample_ids(leaving))
        coming = self.library.ids[np.flatnonzero(mask & ~self._mask)].astype(np.int64)
        return leaving, coming, mask

    def edited_out(self, sample_id: int) -> bool:
        """Whether an edit took this loop out of the filter shown (not the filter itself)."""
        return sample_id in self._edited_out

    def extra_copies(self) -> list[int]:
        """Ids of the shown loops that are a copy of another shown loop: selecting them leaves
        one of each file, the first in the current order that has a note or tags (the copy
        the producer worked with), else a flag (older versions flagged one copy), else the
        first. A link (symbolic or hard) is the file it leads to, not a copy: the kept loop's
        file stays with every path to it (moving its target to the trash would leave the kept
        link leading nowhere), and a file that goes takes the library's links to it along."""
        lib = self.library
        return self._extra(lib.copy_group, lambda row: _worked_with(lib, row))

    def extra_versions(self) -> list[int]:
        """Ids of the shown loops whose audio another shown loop holds too (`sound_group`,
        the Same audio list), but one of each recording: the one noted or tagged, else
        flagged, else the best file (`version_quality`: lossless, then the highest rate,
        then the most bytes), else the first in the current order. Links as `extra_copies`."""
        lib = self.library
        return self._extra(
            lib.sound_group,
            lambda row: (
                _worked_with(lib, row),
                *version_quality(lib.paths[row], lib.sample_rate[row]),
            ),
        )

    def _extra(self, group_of: np.ndarray, rank) -> list[int]:
        """Ids of the shown loops of a group (`group_of` >= 0) but the highest in `rank` of
        each (the first of equals), and but every path to the kept loops' files."""
        lib = self.library
        rows = [int(row) for row in self._view if group_of[row] >= 0]
        kept: dict[int, tuple[int, object]] = {}  # group -> (the row that stays, its rank)
        for row in rows:
            group, ranked = int(group_of[row]), rank(row)  # (a rank may stat the file)
            if group not in kept or ranked > kept[group][1]:
                kept[group] = (row, ranked)
        kept_files = {file_identity(lib.paths[row]) for row, _ in kept.values()}
        extra = [row for row in rows if kept[int(group_of[row])][0] != row]
        return [int(lib.ids[r]) for r in extra if file_identity(lib.paths[r]) not in kept_files]

    def links_left_behind(self, sample_ids) -> list[str]:
        """Paths of the library's other loops that are symbolic links to the files of these
        loops (see `core.library.trash.links_left_behind`); only their copies are looked at."""
        lib = self.library
        rows = set(self.library.rows_of_ids(sample_ids)[0].tolist())
        groups = [int(lib.copy_group[row]) for row in rows if lib.copy_group[row] >= 0]
        if not groups:
            return []
        copies = np.flatnonzero(np.isin(lib.copy_group, groups))
        return links_left_behind(
            [lib.paths[row] for row in rows],
            [lib.paths[row] for row in copies if int(row) not in rows],
        )

    def copied_files(self) -> int:
        """How many files the shown copies are copies of (one per content)."""
        return self._groups_shown(self.library.copy_group)

    def recordings_shown(self) -> int:
        """How many recordings the shown loops of the Same audio list are of."""
        return self._groups_shown(self.library.sound_group)

    def _groups_shown(self, group_of: np.ndarray) -> int:
        groups = group_of[self._view]
        return len(np.unique(groups[groups >= 0]))

    # ------------------------------------------------------------------ lookups & updates
    def sample_id(self, view_row: int) -> int:
        return int(self.library.ids[int(self._view[view_row])])

    def path(self, view_row: int) -> str:
        return self.library.paths[int(self._view[view_row])]

    def file_missing(self, view_row: int) -> bool:
        """Whether the row's file was missing at the last look (a drive not connected, a
        file moved away): a drag or a copy leaves it out."""
        return self.library.status[int(self._view[view_row])] == "missing"

    def waiting_for_score(self, view_row: int) -> bool:
        """A readable loop with no score on show (not embedded or not scored yet)."""
        row = int(self._view[view_row])
        return self.library.status[row] == "ok" and not np.isfinite(self.library.score[row])

    def declared_key(self, view_row: int) -> str | None:
        """The key the loop declares (its name or its loop tags; the Key column)."""
        return self.library.keys[int(self._view[view_row])]

    def duration(self, view_row: int) -> float | None:
        """The loop's length in seconds as the scan found it (None when unknown)."""
        seconds = float(self.library.duration[int(self._view[view_row])])
        return seconds if np.isfinite(seconds) and seconds > 0 else None

    def declared_tags(self, view_row: int) -> str:
        """The tempo and key the loop declares, as the waveform's title shows them ("128 BPM ·
        F#m"; "" when it declares neither): "(heard)" after a tempo heard in its sound, and
        "(yours)" after a tempo or key the producer set by hand, as the cells' tooltips say."""
        row = int(self._view[view_row])
        lib = self.library
        tempo, key = float(lib.tempo[row]), lib.keys[row]
        shown = (
            [] if math.isnan(tempo) else [f"{tempo:g} BPM" + _SOURCE.get(lib.tempo_from[row], "")]
        )
        if key:
            shown.append(key + _SOURCE.get(lib.key_from[row], ""))
        return " \u00b7 ".join(shown)

    def declared_tempo(self, view_row: int) -> float | None:
        """The tempo (BPM) the loop declares or, declaring none, the tempo heard in its sound
        (the BPM column's); None when neither."""
        tempo = float(self.library.tempo[int(self._view[view_row])])
        return None if math.isnan(tempo) else tempo

    def rows_of(self, sample_ids) -> np.ndarray:
        """The library's row of each sample id, in their order (-1: not known). (Rows come from
        numpy: a dict of 100,000 ids took 20 ms to build at each reload.)"""
        rows, found = self.library.rows_of_ids(sample_ids)
        every = np.full(len(found), -1, dtype=np.int64)
        every[found] = rows
        return every

    def view_row_of(self, sample_id: int) -> int:
        return int(self.view_rows_of([sample_id])[0])

    def view_rows_of(self, sample_ids) -> np.ndarray:
        """`view_row_of` for many ids at once, in their order (-1: not shown or not known)."""
        rows = self.rows_of(sample_ids)
        known = rows >= 0
        rows[known] = self._position[rows[known]]
        return rows

    def sample_ids(self, view_rows) -> list[int]:
        """The sample ids of these view rows."""
        rows = np.asarray(view_rows, dtype=np.int64)
        return self.library.ids[self._view[rows]].astype(np.int64).tolist()

    def shown_mask(self) -> np.ndarray | None:
        """Which library rows the filters let through (None when no filter is set)."""
        return None if self._filter == NO_FILTER else self._mask

    def shown_paths(self) -> list[str]:
        """The paths of the rows shown, in the table's order."""
        paths = self.library.paths
        return [paths[int(row)] for row in self._view]

    def visible_ids(self) -> np.ndarray:
        return self.library.ids[self._view]

    def update_flags(self, sample_ids, flag: str | None) -> None:
        """Flags changed in the store: show them without reloading."""
        self.update_user_data("flag", {flag: sample_ids})

    def update_user_data(self, field: str, values: Mapping[str | None, Iterable[int]]) -> None:
        """Flags, notes, tags (their stored text), tempos or keys set by hand changed in the
        store, {value: sample ids}: show them without reloading, the column redrawn once."""
        lib = self.library
        if field in ("tempo", "key"):  # what the loop says shows again where taken off
            for value, sample_ids in values.items():
                lib.set_yours(field, lib.rows_of_ids(sample_ids)[0], value)
            self._emit_column_changed(*(("tempo", "bars") if field == "tempo" else ("key",)))
            return
        column = {"flag": lib.flags, "note": lib.notes, "tags": lib.tags}[field]
        for value, sample_ids in values.items():
            shown = value if field == "flag" else value or ""
            for row in lib.rows_of_ids(sample_ids)[0].tolist():
                column[row] = shown
        lib.invalidate(field)
        self._emit_column_changed(field)

    def update_scores(
        self, sample_ids: np.ndarray, scores: np.ndarray, percentiles: np.ndarray
    ) -> None:
        """Scores refresh in place after training (selection and scroll position stay)."""
        self.library.score[:] = np.nan
        self.library.percentile[:] = np.nan
        rows, found = self.library.rows_of_ids(sample_ids)
        self.library.score[rows] = np.asarray(scores, dtype=np.float64)[found]
        self.library.percentile[rows] = np.asarray(percentiles, dtype=np.float64)[found]
        if self._sort[0] in ("score", "percentile"):
            self._reorder()  # (a sort by likeness stays)
        self._emit_column_changed("score", "percentile")

    def flags_of(self, sample_ids) -> list[str | None]:
        """The flags of these samples (None for none), in the order given."""
        return self._values_of(self.library.flags, sample_ids, None)

    def notes_of(self, sample_ids) -> list[str]:
        """The notes of these samples ("" for none), in the order given."""
        return self._values_of(self.library.notes, sample_ids, "")

    def update_notes(self, sample_ids, note: str | None) -> None:
        self.update_user_data("note", {note: sample_ids})

    def tags_of(self, sample_ids) -> list[str]:
        """The stored tags of these samples ("dark, song-a"; "" for none), in the order given."""
        return self._values_of(self.library.tags, sample_ids, "")

    def update_tags(self, sample_ids, tags: str | None) -> None:
        """Tags changed in the store (their stored text): show them without reloading."""
        self.update_user_data("tags", {tags: sample_ids})

    def _values_of(self, column: list, sample_ids, unknown):
        """`column`'s values for these samples, in the order given (`unknown` for a sample
        the library does not hold)."""
        # numpy finds the rows (a dict lookup each took 100-150 ms for 100,000 loops)
        rows, found = self.library.rows_of_ids(sample_ids)
        values = values_at(column, rows)
        if len(values) == len(found):
            return values
        every = [unknown] * len(found)
        for at, value in zip(np.flatnonzero(found).tolist(), values, strict=True):
            every[at] = value
        return every

    def _emit_column_changed(self, *keys: str) -> None:
        if not len(self._view):
            return
        for key in keys:
            column = COLUMN_INDEX[key]
            self.dataChanged.emit(self.index(0, column), self.index(len(self._view) - 1, column))


#: what every cell is: selectable, enabled, draggable out (files into a DAW), childless
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
    | Qt.ItemFlag.ItemIsDragEnabled
)

_TEMPO_FROM = {
    "file name": "as its file name says",
    "folder name": "as its folder's name says",
    "lone number": "the one number in its file name that can be a tempo",
    "loop tags": "as the file's loop tags for DAWs (ACID, Apple Loops) say",
}


_KEY_FROM = {
    "file name": "as its file name says",
    "loop tags": "as the file's loop tags for DAWs (Apple Loops) say",
}


def _full_date(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _crossed_tip(library: LibraryData, row: int) -> str:
    """What the Unusual % cell of a loop the last training moved across the cut says on
    hover, naming the detector before when it was another: the move may be the switch's."""
    before = f" ({library.crossed_before})" if library.crossed_before else ""
    return CROSSED_TIPS[int(library.crossed[row])].format(before=before)


def _bars_tip(library: LibraryData, row: int) -> str:
    """What the Bars cell says on hover: the count and the tempo it is counted at, or why
    there is none."""
    tempo, bars = float(library.tempo[row]), float(library.bars[row])
    if math.isnan(tempo):
        return "No tempo declared or heard: no bars to count"
    if math.isnan(bars):
        return f"Not a whole number of bars of four at {tempo:g} BPM (cut off the beat?)"
    return f"{bars:g} bar{'s' if bars != 1 else ''} of four at {tempo:g} BPM"


def _heard_tip(tempo: float, seconds: float) -> str:
    """What a heard tempo's cell says on hover: where it comes from, and its other octaves."""
    count = float(whole_bars(seconds, tempo)) if seconds > 0 else math.nan
    bars = "whole" if math.isnan(count) else f"{count:g}"
    return (
        f"About {tempo:g} BPM, heard in its sound, not declared in its name, folder or loop"
        f" tags:\nit lasts {bars} bars of four at this tempo, and its hits come round with"
        f" each bar and beat.\nIt may be felt at half or double time ({tempo / 2:g} or"
        f" {tempo * 2:g} BPM): Loop > Halve or Double the tempo (- or +) makes it the one you hear."
    )


#: after a tempo or key in the waveform's title: where it came from, when not the loop's name
#: or tags (a tempo heard in the sound, a tempo or key the producer set)
_SOURCE = {HEARD: " (heard)", YOURS: " (yours)"}


def _tag_tip(library: LibraryData, key: str, row: int) -> str:
    """Where the BPM or Key cell's value comes from: the loop's name or its file's loop tags,
    never its sound."""
    if (library.tempo_from if key == "tempo" else library.key_from)[row] == YOURS:
        return _yours_tip(library, key, row)
    if key == "tempo":
        tempo = float(library.tempo[row])
        if math.isnan(tempo):
            return (
                'No tempo in its name ("128 BPM", "_90_"), its folder\'s or its loop tags, and'
                " none heard in its sound"
            )
        if library.tempo_from[row] == HEARD:
            return _heard_tip(tempo, float(library.duration[row]))
        return f"{tempo:g} BPM, " + _TEMPO_FROM[library.tempo_from[row]]
    if library.keys[row] is None:
        return 'No key in its name ("F#min", "Cm", "A minor") or its loop tags'
    return f"{library.keys[row]}, " + _KEY_FROM[library.key_from[row]]


def _yours_tip(library: LibraryData, key: str, row: int) -> str:
    """What a BPM or Key cell the producer set by hand says on hover: theirs, and what the
    loop itself says, which taking theirs off gives back."""
    own = library.own[row]
    if key == "tempo":
        said = "nothing" if own.tempo is None else f"{own.tempo:g} BPM"
        if own.tempo_from == HEARD:
            said = f"about {said}, heard in its sound"
        shown = f"{float(library.tempo[row]):g} BPM"
    else:
        said, shown = own.key or "nothing", library.keys[row]
    return f"{shown}, set by you (Loop > Tempo and Key…)\nThe loop itself says {said}"


def version_quality(path: str, sample_rate: float) -> tuple[bool, float, int]:
    """How good a file of a recording is, to keep the best of the same audio: lossless first,
    then the higher sample rate, then the more bytes (more bits per sample, for one rate and
    format; a file that cannot be read counts 0)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0
    rate = 0.0 if not np.isfinite(sample_rate) else float(sample_rate)
    return is_lossless_path(path), rate, size


def _worked_with(library: LibraryData, row: int) -> int:
    """How much a copy of a file is the one the producer worked with: 2 with a note or tags
    (the file's own), 1 with only a flag (a flag goes on every copy of the sound), 0 without."""
    if library.notes[row] or library.tags[row]:
        return 2
    if library.tempo_from[row] == YOURS or library.key_from[row] == YOURS:
        return 2
    return int(library.flags[row] is not None)
