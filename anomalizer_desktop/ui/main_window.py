"""The main window: library table + map, audition, flags, jobs, export (see the mixins).

Everything it shows comes from the core store (read in a worker as a Snapshot); every long job
runs through the JobRunner; widgets are only touched in the GUI thread.
"""

from __future__ import annotations

import collections
import os

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QItemSelectionRange,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

from anomalizer_desktop.core.analysis.loop_space import new_generation
from anomalizer_desktop.core.audio import tempo_sync
from anomalizer_desktop.core.id_positions import values_at
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.loop_names import parse_query
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import drops, jobs
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.dock_widths import DockWidths
from anomalizer_desktop.ui.export_dialog import ExportDialog, ShownSet
from anomalizer_desktop.ui.folder_watch import FolderWatch
from anomalizer_desktop.ui.library_model import LibraryTableModel
from anomalizer_desktop.ui.outside_changes import OutsideChanges
from anomalizer_desktop.ui.player import MAX_SECONDS, AudioPlayer
from anomalizer_desktop.ui.settings import Settings, last_loop, remember_last_loop
from anomalizer_desktop.ui.widgets.window_keys_first import WindowKeysFirst, window_keys
from anomalizer_desktop.ui.window_actions import WindowActions
from anomalizer_desktop.ui.window_audition import AuditionAndFlags
from anomalizer_desktop.ui.window_build import WindowBuilder
from anomalizer_desktop.ui.window_editor import LoopEditing
from anomalizer_desktop.ui.window_explain import EXPLAIN_WAIT_MS, LoopExplaining
from anomalizer_desktop.ui.window_folders import FolderFilter
from anomalizer_desktop.ui.window_jobs import LibraryJobs
from anomalizer_desktop.ui.window_likeness import LikenessSort
from anomalizer_desktop.ui.window_move import LoopMoving
from anomalizer_desktop.ui.window_newcomers import TryNewcomers
from anomalizer_desktop.ui.window_repair import LibraryRepair
from anomalizer_desktop.ui.window_same_audio import SameAudioChecking
from anomalizer_desktop.ui.window_sound_map import SoundMapDrawing
from anomalizer_desktop.ui.window_tags import Tagging
from anomalizer_desktop.ui.window_tempo_key import TempoKeyEditing
from anomalizer_desktop.ui.window_trash import LoopTrashing
from anomalizer_desktop.ui.workers import JobRunner

#: what the waveform says when the filters hide the loop it showed
NO_LOOP_SHOWN = "Select a loop to see and hear it."

#: what the waveform says for a loop whose file is no longer where the library has it
MISSING = "the file is gone (moved or deleted?); Rescan finds moved files"
#: ... and for one whose whole folder is not there
FOLDER_AWAY = "its folder is not there (a drive not mounted, or the folder moved?)"


def why_missing(path: str) -> str:
    return MISSING if os.path.isdir(os.path.dirname(path)) else FOLDER_AWAY


#: the window's size at its first start, where the screen has room for it
FIRST_SIZE = QSize(1500, 900)


def first_size(available: QSize) -> QSize:
    """The window's size at its first start: FIRST_SIZE, or 95 % of the screen's free area
    where that is smaller (on a 1366 x 768 laptop a 1500 x 900 window lost its right panel and
    its transport row off the screen's edges). Later starts restore the size it was left at."""
    return FIRST_SIZE.boundedTo(
        QSize(available.width() * 95 // 100, available.height() * 95 // 100)
    )


#: how long after the last flag or note the window writes their backup (`flag_backup`): after
#: a run of keys, not on each
FLAG_BACKUP_MS = 3000
#: while another library job runs, a scan of watched folders asks again this often
WATCH_RETRY_MS = 2000


class MainWindow(
    WindowBuilder,
    WindowActions,
    LibraryJobs,
    AuditionAndFlags,
    Tagging,
    LikenessSort,
    LoopExplaining,
    LibraryRepair,
    FolderFilter,
    TryNewcomers,
    SoundMapDrawing,
    SameAudioChecking,
    TempoKeyEditing,
    LoopMoving,
    LoopEditing,
    LoopTrashing,
    QMainWindow,
):
    """The library window. Its parts live in mixins, one job each: widgets (window_build),
    toolbar and menus (window_actions), background jobs (window_jobs), audition, flags and
    notes (window_audition), tags (window_tags), the Why unusual? panel (window_explain);
    this class ties them together: data,
    selection, filters, export, drops and closing."""

    def __init__(
        self, store: Store, settings: Settings, runner: JobRunner, player: AudioPlayer
    ) -> None:
        super().__init__()
        self.store, self.settings, self.runner, self.player = store, settings, runner, player
        self.setWindowTitle(f"anomalizer — {os.path.basename(store.path)}")
        self.setAcceptDrops(True)
        self.model = LibraryTableModel(self)
        self.undo_stack = QUndoStack(self)
        self._chain: list[str] = []
        self._auditioning = False  # auto-play starts once the user has played something
        self._current_path: str | None = None  # the loop the waveform and the player follow
        #: the loop that was current before it (B goes back to it: an A/B of two loops)
        self._previous_path: str | None = None
        self._let_go_path: str | None = None  # the current loop a filter hid (not replayed)
        self._dropped_paths: list[str] = []  # loops dropped from outside, to select once in
        #: bumped whenever the window reloads the library or writes to it: explanations and
        #: likeness reuse the library they read while it stays the same (loop_space)
        self.library_generation = new_generation()
        self._auto_selected: list[int] = []  # the selection the window made by itself
        #: the loop that was current when this library's window last closed: selected again
        #: once the first snapshot shows it (resume auditioning where you left off)
        self._resume_path = last_loop(settings, store.path)
        self.scan_problems: list[tuple[str, str]] = []  # the last scan's (see _job_finished)
        self.damage_messages: set[str] = set()  # see LibraryRepair
        self.outside_changes = OutsideChanges(store, runner, self)
        self.folder_watch = FolderWatch(runner, self)
        #: folders the watch found changed: their library folders are scanned once no other
        #: job runs
        self._watch_folders_changed: set[str] = set()
        self._watch_retry = QTimer(self, singleShot=True, interval=WATCH_RETRY_MS)
        self._build_ui()
        self.restyle()
        self._build_actions()
        self._connect()
        self.resize(first_size(self.screen().availableGeometry().size()))
        self.size_folder_panel()
        geometry, state = settings.window()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.fit_folder_names = state is None  # a first start: the panel fits the names
        #: the side panels take back what a narrowing window squeezed from them
        self.dock_widths = DockWidths(self, [self.folders_dock, self.explain_dock])
        self.dock_widths.restore(settings.get("panel_widths"))
        self.table_layout.restore()
        if not player.available:
            self.statusBar().showMessage(player.problem, 15_000)
            # the status message goes after 15 s (and is cut short beside a job's progress):
            # the transport row keeps saying it, with the reason on hover
            self.no_audio.setToolTip(player.problem)
            self.play_button.setToolTip(player.problem)
            self.no_audio.show()
        elif player.note:
            self.statusBar().showMessage(player.note, 15_000)
        self.reload()

    def embedder_name(self) -> str:
        """The embedder id of the current choice (dsp, clap or an imported name)."""
        return (self.embedder_box.currentData() or ("dsp", None))[0]

    def _connect(self) -> None:
        self.filter_text.textChanged.connect(self._apply_filter)
        # Return goes back to the rows (to audition what the filter found), Escape clears it
        self.filter_text.returnPressed.connect(self._filter_entered)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.filter_text)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._clear_filter)
        # Ctrl+E exports from the filter box too (Qt took it there for "end of line")
        WindowKeysFirst(self.filter_text, window_keys(self.findChildren(QAction)))
        self.filter_flag.currentIndexChanged.connect(self._apply_filter)
        self.filter_tag.currentIndexChanged.connect(self._apply_filter)
        self.filter_status.currentIndexChanged.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.doubleClicked.connect(lambda index: self.play_row(index.row()))
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.map.selection_made.connect(self.select_ids)
        self.map.activated.connect(self._play_id)
        self.map.kind_chosen.connect(self._map_kind_chosen)
        self._watch_library_jobs()
        self._watch_for_new_vectors()
        self.map.label_clicked.connect(self.show_folder)
        self.map.redraw_requested.connect(lambda: self.redraw_sound_map())
        self.map.hover_box.setChecked(self.settings.get("hover_plays"))
        self.map.hover_box.toggled.connect(lambda on: self.settings.set("hover_plays", on))
        self.map.hovered.connect(self.hover_play)
        self.play_button.clicked.connect(self.toggle_play)
        self.loop_box.toggled.connect(self._set_loop)
        self.autoplay_box.toggled.connect(lambda on: self.settings.set("autoplay", on))
        self.next_after_flag_box.toggled.connect(
            lambda on: self.settings.set("next_after_flag", on)
        )
        self.match_levels_box.toggled.connect(self._set_match_levels)
        self.player.set_match_levels(self.match_levels_box.isChecked())
        #: a new project tempo takes effect once the arrows or the wheel rest a moment
        self._tempo_timer = QTimer(self, singleShot=True, interval=250)
        self._tempo_timer.timeout.connect(self._apply_project)
        self.sync_box.toggled.connect(self._set_sync)
        self.project_sync.changed.connect(self._project_edited)
        self.player.set_project(*self.project_sync.project())
        self.volume.valueChanged.connect(self._set_volume)
        self.player.set_loop(self.loop_box.isChecked())
        self.player.set_volume(self.volume.value() / 100)
        self.player.position_changed.connect(self.waveform.set_position)
        self.waveform.seek_requested.connect(self.play_from)
        self.waveform.menu_requested.connect(self.loop_menu_at)
        self.player.decoded.connect(self._waveform_decoded)
        self.player.playing_changed.connect(
            lambda playing: self.play_button.setText("■ Stop" if playing else "▶ Play")
        )
        self.player.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.player.output_changed.connect(self._audio_output_changed)
        self.problems_button.clicked.connect(self.problems_dock.show)
        self.keys_everywhere(self.map.view, self.waveform, self.explain_panel)
        self.embedder_box.currentTextChanged.connect(lambda _name: self.reload())
        self.welcome_button.clicked.connect(self.choose_folder)
        self.demo_button.clicked.connect(self.try_demo_loops)
        # at 100k loops the map redraws in about 0.1 s: not on every keystroke in the filter
        self._map_filter_timer = QTimer(self, singleShot=True, interval=150)
        self._map_filter_timer.timeout.connect(self._filter_map)
        #: the loops selected when a filter hid them all: selected again when one shows them
        self._hidden_selection: list[int] = []
        self._explain_timer = QTimer(self, singleShot=True, interval=200)
        self._explain_timer.timeout.connect(self._explain_current)
        #: the loop whose explanation is on its way (None when none is): the panel says so
        #: once it takes long enough to notice, instead of showing the last loop's
        self._explaining: str | None = None
        self._explain_wait_timer = QTimer(self, singleShot=True, interval=EXPLAIN_WAIT_MS)
        self._explain_wait_timer.timeout.connect(self._say_explaining)
        self.explain_panel.loop_chosen.connect(self.go_to_path)
        self.stale_banner.requested.connect(self._bring_scores_up_to_date)
        #: a flag, tag, note, tempo or key written: the loops the filter no longer takes leave
        #: the table (and those it takes again come back), once the key's own move is done
        #: (Next after flag goes on first)
        self._refilter_timer = QTimer(self, singleShot=True, interval=0)
        #: the edit the timer follows is an undo: the loops it brings back are selected
        self._undo_brings_back = False
        self._refilter_timer.timeout.connect(self._follow_the_filter_after_edits)
        # flags move the scores' freshness: check it once the keys stop
        self._status_timer = QTimer(self, singleShot=True, interval=400)
        self._status_timer.timeout.connect(self._check_score_status)
        self._flag_backup_timer = QTimer(self, singleShot=True, interval=FLAG_BACKUP_MS)
        self._flag_backup_timer.timeout.connect(self._back_up_flags)
        self.outside_changes.changed.connect(self._reload_after_outside_change)
        self.folder_watch.changed.connect(self._watched_folders_changed)
        self.folder_watch.limited.connect(self._watch_limited)
        QApplication.instance().applicationStateChanged.connect(self._application_state_changed)
        self._watch_retry.timeout.connect(self._rescan_watched)
        self.likeness_button.clicked.connect(self.end_likeness)
        self.runner.damaged.connect(self._library_damaged)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._header_sorted)

    # ------------------------------------------------------------------ data
    @unless_closed
    def reload(self) -> None:
        """Re-read the library (in a worker) and refresh table, map, counts and problems."""
        self.outside_changes.mark_seen()
        handle = self.runner.start("load", jobs.snapshot_job(self.embedder_name(), self.map_kind()))
        if handle is None:
            QTimer.singleShot(300, self.reload)
            return
        handle.finished.connect(self.apply_snapshot)
        handle.failed.connect(self._job_failed)

    def _reload_after_outside_change(self) -> None:
        self.statusBar().showMessage(
            "The library was changed from outside this window (the command line or another"
            " window): showing it as it is now.",
            8000,
        )
        self.reload()

    @unless_closed
    def apply_snapshot(self, snapshot: jobs.Snapshot) -> None:
        self.library_generation = new_generation()
        selected = self.selected_ids()
        self.model.set_library(snapshot.library)
        self.refresh_tag_filter()
        self._show_folder_tree(snapshot)
        lib = snapshot.library
        # the map's points are the projection's loops that the table holds (a loop scanned in
        # between the two reads has a point but no row yet: it waits for the next reload)
        order, found = lib.rows_of_ids(snapshot.projection.ids)
        ids = np.asarray(snapshot.projection.ids, dtype=np.int64)[found]
        self.map.set_points(
            ids,
            np.asarray(snapshot.projection.xy)[found],
            lib.percentile[order],
            values_at(lib.flags, order),
            dict(zip(ids.tolist(), values_at(lib.names, order), strict=True)),
            snapshot.projection.caption,
        )
        self.map.set_labels(snapshot.map_labels)
        self._map_rows = order
        self._map_projection = snapshot.projection  # to place loops from outside on it
        self._map_shown(snapshot.projection)
        self.check_same_audio_when_idle()
        self.place_newcomers_again()
        self._filter_map()
        known = set(lib.paths) if self.scan_problems else set()
        outside = [p for p in self.scan_problems if p[0] not in known]
        self.problems.set_problems(snapshot.problems + outside)
        self.stale_banner.set_status(snapshot.scores)
        self._update_counts(snapshot)
        self.pages.setCurrentIndex(0 if len(lib) == 0 else 1)
        self.enable_library_actions(len(lib), bool(snapshot.roots))
        self.check_library_soon()
        resumed = self._resumed_loop(lib)
        dropped = self._dropped_loops(lib)
        if dropped:  # loops dropped from outside, now scanned in: what the user wanted to see
            self.show_loops(dropped)
        elif selected and selected != self._auto_selected:
            self.select_ids(selected)
        elif resumed is not None:
            self.select_ids([resumed])
        elif self.model.rowCount():
            # the window's own pick (nothing chosen by the user yet) follows the top of the
            # list: after the first training that is the most unusual loop, not the first
            # file the scan found
            self.table.selectRow(0)
            self.table.scrollToTop()
            self._auto_selected = self.selected_ids()
        if not self.model.rowCount():
            # no loop left (the last folder removed): a model reset says nothing, and Why
            # unusual? went on explaining a loop the library no longer held
            self._table_selection_changed()
        self._retitle_waveform()

    def _retitle_waveform(self) -> None:
        """The current loop read anew (a tempo or key set from the command line, a rescan)
        keeps its row but may play and read otherwise: its waveform's title says it again
        (from the decoded samples the player keeps; no second decode)."""
        index = self.table.currentIndex()
        if index.isValid() and self.model.path(index.row()) == self._current_path:
            self._show_waveform(self._current_path, self.model.duration(index.row()))

    def _resumed_loop(self, lib) -> int | None:
        """The id of the loop to resume on (once, at the first snapshot), if still shown."""
        path, self._resume_path = self._resume_path, None
        if path is None or path not in lib.paths:
            return None
        sample_id = int(lib.ids[lib.paths.index(path)])
        return sample_id if self.model.view_row_of(sample_id) >= 0 else None

    def _update_counts(self, snapshot: jobs.Snapshot | None = None) -> None:
        if snapshot is not None:
            self._snapshot_counts = (snapshot.counts, snapshot.embedded)
        if not hasattr(self, "_snapshot_counts"):
            return
        c, embedded = self._snapshot_counts
        # from the table's flags, which every write updates at once (the library's count
        # took 20 ms of each flag key at 100,000 annotated loops)
        flags = collections.Counter(self.model.library.flags)
        self.counts_label.set_parts(
            [
                quantity(c["ok"] + c["error"] + c["missing"], "loop"),
                f"{embedded} embedded",
                quantity(c["error"], "error"),
                f"{c['missing']} missing",
                f"{flags['typical']} typical",
                f"{flags['unusual']} unusual",
            ]
        )
        count = self.problems.count()
        self.problems_button.setText(f"⚠ {quantity(count, 'problem')}" if count else "No problems")

    def _refresh_map_style(self) -> None:
        if len(getattr(self, "_map_rows", [])):
            lib = self.model.library
            self.map.update_style(
                lib.percentile[self._map_rows], values_at(lib.flags, self._map_rows)
            )

    # ------------------------------------------------------------------ selection
    def selected_rows(self) -> list[int]:
        """The selected view rows, read from the selection's ranges (one range can hold
        100,000 rows: asking Qt for every selected index took seconds)."""
        rows: set[int] = set()
        for block in self.table.selectionModel().selection():
            rows.update(range(block.top(), block.bottom() + 1))
        return sorted(rows)

    def selected_ids(self) -> list[int]:
        return self.model.sample_ids(self.selected_rows())

    def select_ids(self, sample_ids: list[int]) -> None:
        """Select these samples in the table (from the map, after a reload or a filter).

        Consecutive rows go in as one range: row by row, re-selecting 100,000 loops after a
        filter change took minutes (Qt merges each new range into the selection)."""
        found = self.model.view_rows_of(sample_ids)
        found = found[found >= 0]
        ordered = np.unique(found)
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        breaks = np.flatnonzero(np.diff(ordered) > 1) + 1
        for run in np.split(ordered, breaks) if len(ordered) else ():
            selection.append(
                QItemSelectionRange(
                    self.model.index(int(run[0]), 0), self.model.index(int(run[-1]), last)
                )
            )
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(selection, flags)
        if len(found):  # the first id given becomes the current row
            first = self.model.index(int(found[0]), 0)
            self.table.selectionModel().setCurrentIndex(
                first, QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.table.scrollTo(first)

    def go_to_path(self, path: str) -> bool:
        """Select the loop at `path` (a neighbour clicked in the Why unusual? panel), clearing
        the filters when they hide it; False when the library no longer holds it."""
        sample_id = self._id_at(path)
        if sample_id is not None:
            self.show_loops([sample_id])
        return sample_id is not None

    def _id_at(self, path: str) -> int | None:
        """The id of the library's loop at `path`; None, said in the status bar, when the
        library no longer holds it."""
        library = self.model.library
        try:
            return int(library.ids[library.paths.index(path)])
        except ValueError:
            self.statusBar().showMessage(f"{os.path.basename(path)} is no longer in the library.")
            return None

    def go_back(self) -> None:
        """B: back to the loop that was current before this one, and B again returns; an A/B
        of two loops, wherever they sit in the list (a neighbour the Why unusual? panel led
        to, a loop S sorted to the top). It plays with Auto-play on, as a move does. The
        filters make way for a loop they hide; but one an edit took out of the list (T on the
        Unflagged list) is shown in it, in its place, and the filter stays, until it changes
        or the next edit."""
        previous = self._previous_path
        if previous is None:
            self.statusBar().showMessage("No loop before this one yet: B goes back to it.", 4000)
            return
        sample_id = self._id_at(previous)
        if sample_id is None:
            return
        if self.model.view_row_of(sample_id) < 0 and self.model.edited_out(sample_id):
            self.model.keep_in_view([sample_id])  # flagged out of the list: shown in it
        self.show_loops([sample_id])
        name = os.path.basename(self._previous_path or "")
        self.statusBar().showMessage(
            f"Back to {os.path.basename(previous)}" + (f"; B again: {name}" if name else ""),
            4000,
        )

    def show_loops(self, sample_ids: list[int]) -> None:
        """Select these loops, clearing the filters when they hide any, with the keys (Space,
        T, U...) acting on them at once."""
        if any(self.model.view_row_of(i) < 0 for i in sample_ids):
            self.filter_text.clear()
            self.filter_flag.setCurrentIndex(0)
            self.filter_tag.setCurrentIndex(0)
            self.filter_status.setCurrentIndex(0)
            self.show_folder(None)
        self.select_ids(sample_ids)
        self.table.setFocus()

    def _table_selection_changed(self, *_args) -> None:
        self.map.highlight(self.selected_ids())
        self.enable_loop_actions()
        self._explain_timer.start()

    def _current_row_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = current.row()
        path = self.model.path(row)
        if path == self._current_path:
            return  # the same loop at another row (a filter or a reload moved it): not again
        if self._current_path is not None:
            self._previous_path = self._current_path
        self._current_path = path
        restored, self._let_go_path = path == self._let_go_path, None
        self._show_waveform(path, self.model.duration(row))
        neighbours = [r for r in (row - 1, row + 1, row + 2) if 0 <= r < self.model.rowCount()]
        self.player.preload(
            [self.model.path(r) for r in neighbours],
            [self.model.declared_tempo(r) for r in neighbours],
            [self.model.declared_key(r) for r in neighbours],
        )
        if self.autoplay_box.isChecked() and self._auditioning and not restored:
            # not when a filter only gave the loop back
            self.player.play(path, 0.0, *self.declared(row))

    def _show_waveform(self, path: str, seconds: float | None = None) -> None:
        """Ask for the loop's samples; `_waveform_decoded` draws them (off the GUI thread
        unless they are cached, so a long file never freezes the window). `seconds`, the
        length the library knows, sets the time axis while the loop decodes."""
        shown = min(seconds, MAX_SECONDS) if seconds else None  # the player's audition
        if not self.player.available and not os.path.exists(path):
            self.waveform.clear_wave(f"{os.path.basename(path)}: {why_missing(path)}", shown)
            return
        if not self.player.fetch(path):  # not cached: `decoded` arrives later (queued)
            self.waveform.clear_wave(f"{os.path.basename(path)}: decoding…", shown)

    def _audio_output_changed(self, available: bool) -> None:
        """The output was opened anew (it went away mid-loop, or Preferences chose another):
        the transport row says whether there is one now."""
        self.no_audio.setVisible(not available)
        tip = "" if available else self.player.problem
        self.no_audio.setToolTip(tip)
        self.play_button.setToolTip(tip)

    def _waveform_decoded(self, path: str, result) -> None:
        """Draw a decoded loop if it is still the current one (decodes can lag the keys)."""
        index = self.table.currentIndex()
        if not index.isValid() or self.model.path(index.row()) != path:
            return
        name, whole = os.path.basename(path), self.model.duration(index.row())
        if isinstance(result, str):  # bad file: say so in the waveform area
            problem = why_missing(path) if not os.path.exists(path) else f"cannot decode: {result}"
            self.waveform.clear_wave(
                f"{name}: {problem}", min(whole, MAX_SECONDS) if whole else None
            )
        else:
            tags = self.model.declared_tags(index.row())
            hot = self.player.hot_peak(path)  # else the waveform reads the peak it draws
            tempo = self.model.declared_tempo(index.row())
            key = self.model.declared_key(index.row())
            player = self.player
            plays_at = tempo_sync.describe(tempo, player.project_tempo, key, player.project_key)
            self.waveform.show_samples(
                result, player.rate, name, whole, tags, hot, tempo, plays_at, path=path
            )

    def focus_filter(self) -> None:
        """Ctrl+F: type to filter; what is already there is selected, so typing replaces it."""
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    def _clear_filter(self) -> None:
        self.filter_text.clear()
        self.table.setFocus()

    def _apply_filter(self) -> None:
        """Filter the rows; the selected loops stay selected wherever the new filter still
        shows them (find a loop by name, clear the filter, and it is there in context). A
        selection the filter hides comes back when a later filter shows it again, unless
        something else was picked meanwhile: type, look, clear, and you are where you were."""
        self._filter_rows(None)

    def _filter_rows(self, mask: np.ndarray | None) -> None:
        """`_apply_filter`; `mask`: the same filter's rows, worked out already (after an
        edit, `filter_moved`), where None works them out from the filter row."""
        selected = self.selected_ids() or self._hidden_selection
        if mask is not None:
            self.model.show_mask(mask)
        else:
            self.model.set_filter(
                self.filter_text.text(),
                self.filter_flag.currentData(),
                self.filter_status.currentData(),
                self.filter_tag.currentData(),
                self.chosen_folder,
            )
        self._map_filter_timer.start()  # the map follows once typing pauses
        if selected:
            self.select_ids(selected)  # says so itself when some are still shown
        has_selection = self.table.selectionModel().hasSelection()
        self._hidden_selection = [] if has_selection else selected
        if not has_selection:
            self._table_selection_changed()  # a model reset says nothing: map and panel follow
        if not self.table.currentIndex().isValid():
            self._show_no_loop()

    def _follow_the_filter_after_edits(self) -> None:
        """After an edit, the loops the filter no longer takes leave the table, as in a photo
        library's filtered view: T and U through the Unflagged list shrink it, each loop
        flagged going as its flag is set (they stayed, so the list filled with flagged loops
        until the filter was chosen again). When the current loop goes, the one below it
        (above, at the end) becomes current, as Next after flag would have it; the rows keep
        their place on the screen. Loops an edit brings into the filter come back; brought
        back by Ctrl+Z (a T undone), they are selected again, where the producer was."""
        undone, self._undo_brings_back = self._undo_brings_back, False
        self.model.let_go_of_kept()  # a loop B came back to goes by the filter again
        leaving, coming, mask = self.model.filter_moved()
        if not len(leaving) and not len(coming):
            return
        gone = set(leaving.tolist())
        current = self.table.currentIndex().row()
        was_at = self.table.visualRect(self.table.currentIndex()).top()
        if current in gone:  # on to the next loop first, so that B goes back to this one
            rows = self.model.rowCount()
            below = next((r for r in range(current + 1, rows) if r not in gone), None)
            above = next((r for r in range(current - 1, -1, -1) if r not in gone), None)
            row = below if below is not None else above
            if row is not None:
                self.table.selectRow(row)
        self._filter_rows(mask)
        if undone and len(coming):
            self.select_ids(coming.tolist())
        self._keep_current_row_at(was_at)

    def _keep_current_row_at(self, y: int) -> None:
        """Scroll the table so that its current row is `y` pixels down the viewport, where
        the current row was (a reset of the rows would otherwise move it to the edge)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        off_by = self.table.visualRect(index).top() - y
        bar = self.table.verticalScrollBar()
        if self.table.verticalScrollMode() == QTableView.ScrollMode.ScrollPerItem:
            off_by = round(off_by / max(1, self.table.rowHeight(index.row())))
        bar.setValue(bar.value() + off_by)
        self.table.scrollTo(index)  # (in view in any case)

    def _show_no_loop(self) -> None:
        """The filter hid the current loop: the waveform and the player let it go (Space and a
        click on the wave had nothing to act on while its picture stayed); it comes back, and
        is drawn again, when a filter shows it."""
        if self._current_path is None:
            return
        self._let_go_path, self._current_path = self._current_path, None
        self.player.stop()
        self.waveform.clear_wave(NO_LOOP_SHOWN)

    def _filter_map(self) -> None:
        """Fade the map's points of the loops the filters hide."""
        self._map_filter_timer.stop()
        shown = self.model.shown_mask()
        rows = getattr(self, "_map_rows", None)
        if rows is not None and len(rows) == len(self.map.ids):
            self.map.show_only(None if shown is None else shown[rows])

    def _filter_entered(self) -> None:
        """Return in the filter: back to the rows, the first one selected when none is, so
        that Space plays what the filter found."""
        self.table.setFocus()
        if not self.table.selectionModel().hasSelection() and self.model.rowCount():
            self.table.selectRow(0)

    # ------------------------------------------------------------------ export & drops
    def open_export(self) -> ExportDialog:
        paths = [self.model.path(r) for r in self.selected_rows()]
        # the set the table is filtered to (the Tags filter, or tag: in the filter box)
        tag = self.filter_tag.currentData()
        tag = tag if isinstance(tag, str) else parse_query(self.filter_text.text()).tag
        settings = self.settings
        dialog = ExportDialog(
            self.store,
            paths,
            self,
            settings.get("export_folder"),
            tag,
            settings.get("export_format"),
            self.chosen_folder,
            self.project_sync.chosen(),
            self._filtered_set(),
        )
        if dialog.exec():
            self.statusBar().showMessage(dialog.result_message, 10_000)
            settings.set("export_format", dialog.format.currentData())  # offered first next time
            # the next export is suggested beside this one (a DAW project's folder, often)
            settings.set("export_folder", os.path.dirname(dialog.written.rstrip(os.sep)))
        return dialog

    def _filtered_set(self) -> ShownSet | None:
        """The loops the filter box, flags or files list shows, for the export dialog to
        offer (a folder's and a tag's loops it offers on their own); None when none is set."""
        text = self.filter_text.text().strip()
        if not (text or self.filter_flag.currentData() or self.filter_status.currentData()):
            return None
        name = text or self.filter_flag.currentData() or self.filter_status.currentData()
        return ShownSet(name, self.model.shown_paths())

    def dragEnterEvent(self, event) -> None:
        if drops.can_drop(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Folders are added; dropped loops the library holds are selected (how unusual is
        this one?); for other audio files it offers to add their folders (see `drops`)."""
        library = self.model.library
        drop = drops.sort_drop(drops.dropped_paths(event.mimeData()), library.paths, library.ids)
        event.acceptProposedAction()
        if drop.found:
            self.show_loops(drop.found)
        folders = drop.folders + (self._ask_to_add_folders_of(drop) if drop.outside else [])
        if left_out := drop.left_out_message():
            self.statusBar().showMessage(left_out, 10_000)
        if folders:
            self.add_folders(folders)

    def _ask_to_add_folders_of(self, drop: drops.Drop) -> list[str]:
        """The folders of dropped loops the library does not hold, if the user says so; the
        loops are selected once the scan has brought them in. Or only how they would fit
        (window_newcomers), when the user asks that instead."""
        answer = drops.ask_to_add(self, drop)
        if answer == drops.TRY:
            self.try_newcomers(drop.outside)
        if answer != drops.ADD:
            return []
        self._dropped_paths = [os.path.realpath(p) for p in drop.outside]
        return drop.outside_folders

    def _dropped_loops(self, lib) -> list[int]:
        """Ids of the loops dropped from outside that the library holds now (once). Once the
        scan for them is over they are no longer waited for (a cancelled scan must not have
        them selected by some later one)."""
        if not self._dropped_paths:
            return []
        row_of = {path: row for row, path in enumerate(lib.paths)}
        found = [int(lib.ids[row_of[p]]) for p in self._dropped_paths if p in row_of]
        if found or not self.runner.running("scan"):
            self._dropped_paths = []
        return found

    def save_layout(self) -> None:
        """Window geometry, docks and the table's layout, for the next window to open with."""
        self.table.horizontalHeader().setSortIndicatorShown(True)  # the column sort is kept
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.set("panel_widths", self.dock_widths.saved())
        self.table_layout.save()

    def _back_up_flags(self) -> None:
        """Write the flags' backup beside the library, in a worker: at 100,000 annotated
        loops it takes 0.3-0.4 s, which stopped the window (and the sound) each time the keys
        stopped for three seconds."""
        handle = self.runner.start("flag_backup", jobs.flag_backup_job)
        if handle is None:  # one is being written: write again once it is done
            self._flag_backup_timer.start()
            return
        self.store.backing_up_elsewhere()
        handle.failed.connect(lambda _message: self.store.backup_failed_elsewhere())

    def changeEvent(self, event) -> None:
        """A new palette (Preferences > Appearance, or the desktop's own turning dark): the
        colours the window sets itself follow it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "likeness_button"):
            self.restyle()

    def closeEvent(self, event) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            remember_last_loop(self.settings, self.store.path, self.model.path(current.row()))
        self._closed = True
        self._explain_timer.stop()
        self._explain_wait_timer.stop()
        self._map_filter_timer.stop()
        self.outside_changes.stop()
        self.folder_watch.stop()
        self._watch_retry.stop()
        self._flag_backup_timer.stop()
        if self.store.flags_changed:  # flags set in the last seconds, loops trashed
            self.store.save_flag_backup()
        self.save_layout()
        self.runner.cancel_all()
        self.player.close()
        super().closeEvent(event)
