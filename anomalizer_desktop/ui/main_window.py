"""The main window: library table + map, audition, flags, jobs, export.

Everything it shows comes from the core store (read in a worker as a Snapshot); every long job
runs through the JobRunner; widgets are only touched here, in the GUI thread.
"""

from __future__ import annotations

import functools
import os

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.detector.freshness import EMBED, RETRAIN_WITH_FLAGS, SCORE, TRAIN
from anomalizer_desktop.core.detector.names import DETECTORS, DEVICES, NETWORKS
from anomalizer_desktop.core.detector.spec import ModelSpec
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import jobs
from anomalizer_desktop.ui.export_dialog import ExportDialog
from anomalizer_desktop.ui.library_model import COLUMN_INDEX, LibraryTableModel
from anomalizer_desktop.ui.player import MAX_SECONDS, AudioPlayer
from anomalizer_desktop.ui.settings import Settings
from anomalizer_desktop.ui.table_layout import TableLayout
from anomalizer_desktop.ui.undo import UserDataChange, describe_flag_change, describe_note_change
from anomalizer_desktop.ui.widgets.explain_panel import ExplainPanel
from anomalizer_desktop.ui.widgets.job_status import JobStatus
from anomalizer_desktop.ui.widgets.problems_panel import ProblemsPanel
from anomalizer_desktop.ui.widgets.scatter_map import ScatterMap
from anomalizer_desktop.ui.widgets.stale_banner import StaleScoresBanner
from anomalizer_desktop.ui.widgets.waveform import WaveformView
from anomalizer_desktop.ui.workers import JobRunner

FLAG_KEYS = {Qt.Key.Key_T: "typical", Qt.Key.Key_U: "unusual", Qt.Key.Key_0: None}


def unless_closed(method):
    """Skip a job callback that arrives after the window closed (its widgets are gone)."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if getattr(self, "_closed", False):
            return None
        return method(self, *args, **kwargs)

    return guarded


class LibraryTable(QTableView):
    """The table; keys for audition and flags are handled by the window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self._window = window

    def keyPressEvent(self, event) -> None:
        if self._window.handle_key(event):
            return
        super().keyPressEvent(event)


class MainWindow(QMainWindow):
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
        self._build_ui()
        self._build_actions()
        self._connect()
        self.resize(1500, 900)
        geometry, state = settings.window()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.table_layout.restore()
        if not player.available:
            self.statusBar().showMessage(player.problem, 15_000)
            # the status message goes after 15 s (and is cut short beside a job's progress):
            # the transport row keeps saying it, with the reason on hover
            self.no_audio.setToolTip(player.problem)
            self.play_button.setToolTip(player.problem)
            self.no_audio.show()
        self.reload()

    # ------------------------------------------------------------------ layout
    def _build_ui(self) -> None:
        self.filter_text = QLineEdit(placeholderText="Filter by name, folder or note…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_flag = QComboBox()
        for label, value in (
            ("All flags", None),
            ("Unusual", "unusual"),
            ("Typical", "typical"),
            ("Unflagged", "unflagged"),
        ):
            self.filter_flag.addItem(label, value)
        self.filter_status = QComboBox()
        for label, value in (
            ("All files", None),
            ("OK", "ok"),
            ("Errors", "error"),
            ("Missing", "missing"),
        ):
            self.filter_status.addItem(label, value)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_text, 1)
        filters.addWidget(self.filter_flag)
        filters.addWidget(self.filter_status)

        self.table = LibraryTable(self)
        self.table.setModel(self.model)
        # set the indicator before enabling sorting, which sorts by it at once
        self.table.horizontalHeader().setSortIndicator(*self.model.sort_state())
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in (
            ("name", 250),
            ("percentile", 76),
            ("score", 60),
            ("flag", 84),
            ("duration", 62),
            ("sample_rate", 68),
            ("status", 60),
            ("note", 160),
            ("folder", 220),
        ):
            self.table.setColumnWidth(COLUMN_INDEX[column], width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(4, 4, 4, 4)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table)

        self.map = ScatterMap()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.map)
        splitter.setSizes([820, 680])
        self.table_layout = TableLayout(self.table, splitter, self.settings.q)

        self.waveform = WaveformView()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play / stop the selected loop (Space)")
        self.loop_box = QCheckBox("Loop (L)")
        self.loop_box.setChecked(self.settings.get("loop"))
        self.autoplay_box = QCheckBox("Auto-play")
        self.autoplay_box.setToolTip("Play each loop as you move with Up/Down")
        self.autoplay_box.setChecked(self.settings.get("autoplay"))
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(self.settings.get("volume") * 100))
        self.volume.setFixedWidth(120)
        transport = QHBoxLayout()
        for widget in (
            self.play_button,
            self.loop_box,
            self.autoplay_box,
            QLabel("Volume"),
            self.volume,
        ):
            transport.addWidget(widget)
        self.no_audio = QLabel("No audio output")
        self.no_audio.setStyleSheet("color: #c0392b")
        self.no_audio.hide()
        transport.addWidget(self.no_audio)
        transport.addStretch(1)
        self.keys_hint = QLabel(
            "Space play · ↑↓ move · L loop · T typical · U unusual · 0 clear · N note"
        )
        self.keys_hint.setStyleSheet("color: #9aa0a6")
        transport.addWidget(self.keys_hint)

        browser = QWidget()
        browser_layout = QVBoxLayout(browser)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        # below the table and map, not above: when it appears (a flag changed, loops came in)
        # the rows under the pointer and the keyboard focus stay where they are
        self.stale_banner = StaleScoresBanner()
        browser_layout.addWidget(splitter, 1)
        browser_layout.addWidget(self.stale_banner)
        browser_layout.addWidget(self.waveform)
        browser_layout.addLayout(transport)

        self.welcome = self._build_welcome()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(browser)
        self.setCentralWidget(self.pages)

        self.explain_panel = ExplainPanel()
        self.explain_dock = QDockWidget("Why unusual?", self)
        self.explain_dock.setObjectName("explain")
        self.explain_dock.setWidget(self.explain_panel)
        self.explain_panel.setMinimumWidth(340)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.explain_dock)
        self.problems = ProblemsPanel()
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problems")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()

        self.counts_label = QLabel()
        self.problems_button = QPushButton("No problems")
        self.problems_button.setFlat(True)
        self.job_status = JobStatus()
        self.statusBar().addPermanentWidget(self.job_status)
        self.statusBar().addPermanentWidget(self.problems_button)
        self.statusBar().addPermanentWidget(self.counts_label)

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = QLabel("<h1>Find the loops that don't fit</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Add a folder of loops (or drop one on this window). anomalizer scans it, "
            "describes every loop and learns what is normal in <i>your</i> library, "
            "then ranks every loop by how unusual it is."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMinimumWidth(520)
        text.setMaximumWidth(620)
        self.welcome_button = QPushButton("Add a folder of loops…")
        self.welcome_button.setMinimumHeight(40)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.welcome_button)
        row.addStretch(1)
        layout.addWidget(title)
        wrap = QHBoxLayout()
        wrap.addStretch(1)
        wrap.addWidget(text)
        wrap.addStretch(1)
        layout.addLayout(wrap)
        layout.addLayout(row)
        self.welcome_status = QLabel("")
        self.welcome_status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_status.setStyleSheet("color: #2874a6; font-size: 14px; padding: 12px;")
        layout.addWidget(self.welcome_status)
        layout.addStretch(2)
        return page

    def _build_actions(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)

        def action(text, slot, shortcut=None, tip=None):
            act = QAction(text, self)
            act.triggered.connect(slot)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            if tip:
                act.setToolTip(tip)
            return act

        self.act_add = action(
            "Add folder…", self.choose_folder, "Ctrl+O", "Add a folder of loops to the library"
        )
        self.act_rescan = action(
            "Rescan", self.rescan, "F5", "Look for new, changed and moved files"
        )
        self.act_embed = action(
            "Embed", lambda: self.start_embed(), None, "Describe loops that are new"
        )
        self.act_train = action(
            "Train",
            lambda: self.start_train(False),
            "Ctrl+T",
            "Learn what is normal here and score every loop",
        )
        self.act_retrain = action(
            "Retrain with flags",
            lambda: self.start_train(True),
            "Ctrl+R",
            "Use your flags: loops like the ones flagged unusual rise; svdd becomes Deep SAD",
        )
        self.act_export = action(
            "Export…",
            self.open_export,
            "Ctrl+E",
            "Export flagged, selected or top loops for your DAW",
        )
        self.embedder_box = QComboBox()
        self.embedder_box.setToolTip(
            "dsp (built in), CLAP with each installed checkpoint, and vectors imported into "
            "this library"
        )
        self.embedder_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.embedder_box.setMinimumContentsLength(14)
        self._fill_embedders()
        self.detector_box = QComboBox()
        self.detector_box.addItems(DETECTORS)
        self.detector_box.setCurrentText(self.settings.get("detector"))
        self.network_box = QComboBox()
        self.network_box.addItems(NETWORKS)
        self.network_box.setCurrentText(self.settings.get("network"))
        self.device_box = QComboBox()
        self.device_box.addItems(DEVICES)
        self.device_box.setCurrentText(self.settings.get("device"))
        self.detector_box.setToolTip(
            "default: the kNN ensemble that measured best (see README); svdd / sad: Deep SVDD "
            "and Deep SAD networks; iforest, pca, ocsvm, knn: classic detectors to compare"
        )
        self.detector_box.currentTextChanged.connect(self._detector_chosen)
        self._detector_chosen(self.detector_box.currentText())
        toolbar.addAction(self.act_add)
        toolbar.addAction(self.act_rescan)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Embedder "))
        toolbar.addWidget(self.embedder_box)
        toolbar.addAction(self.act_embed)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Detector "))
        toolbar.addWidget(self.detector_box)
        toolbar.addWidget(self.network_box)
        toolbar.addWidget(self.device_box)
        toolbar.addAction(self.act_train)
        toolbar.addAction(self.act_retrain)
        toolbar.addSeparator()
        toolbar.addAction(self.act_export)

        menu = self.menuBar().addMenu("&Library")
        for act in (
            self.act_add,
            self.act_rescan,
            self.act_embed,
            self.act_train,
            self.act_retrain,
            self.act_export,
        ):
            menu.addAction(act)
        menu.addSeparator()
        self.act_forget_missing = action(
            "Forget missing loops…",
            lambda: self.forget_missing(),  # not the slot itself: triggered passes `checked`
            None,
            "Remove loops whose files are gone (their flags and notes go with them)",
        )
        menu.addAction(self.act_forget_missing)
        menu.addSeparator()
        menu.addAction(action("Preferences…", self.open_preferences, "Ctrl+,"))
        menu.addAction(action("Quit", self.close, "Ctrl+Q"))
        edit = self.menuBar().addMenu("&Edit")
        self.act_undo = action("Undo", lambda: self.undo())
        self.act_redo = action("Redo", lambda: self.redo())
        self.act_undo.setShortcuts(QKeySequence.StandardKey.Undo)  # Ctrl+Z
        self.act_redo.setShortcuts(QKeySequence.StandardKey.Redo)  # Ctrl+Shift+Z, Ctrl+Y
        stack = self.undo_stack
        for act, can_signal, text_signal, verb in (
            (self.act_undo, stack.canUndoChanged, stack.undoTextChanged, "Undo"),
            (self.act_redo, stack.canRedoChanged, stack.redoTextChanged, "Redo"),
        ):
            act.setEnabled(False)
            can_signal.connect(act.setEnabled)
            text_signal.connect(
                lambda text, act=act, verb=verb: act.setText(f"{verb} {text}" if text else verb)
            )
            edit.addAction(act)
        edit.addSeparator()
        self.act_find = action(
            "Find…", self.focus_filter, "Ctrl+F", "Filter the table by name, folder or note"
        )
        edit.addAction(self.act_find)
        view = self.menuBar().addMenu("&View")
        view.addAction(self.explain_dock.toggleViewAction())
        view.addAction(self.problems_dock.toggleViewAction())

    def _detector_chosen(self, detector: str) -> None:
        """Network and device matter only to the neural detectors (svdd, sad): the others
        train on the CPU with scikit-learn, so their boxes are greyed out and say why."""
        neural = detector in ("svdd", "sad")
        self.network_box.setEnabled(neural)
        self.device_box.setEnabled(neural)
        if neural:
            self.network_box.setToolTip(
                "Network: AE (autoencoder), AEwRES (with residual links) or Baseline"
            )
            self.device_box.setToolTip(
                "Where the network trains: auto uses a GPU when there is one"
            )
        else:
            why = f"Only for svdd and sad: {detector} trains on the CPU without a network"
            self.network_box.setToolTip(why)
            self.device_box.setToolTip(why)

    def _fill_embedders(self) -> None:
        """Items: dsp, "clap · CHECKPOINT" per installed checkpoint, imported names."""
        from anomalizer_desktop.core.embedding.clap.store import installed

        self.embedder_box.blockSignals(True)
        self.embedder_box.clear()
        self.embedder_box.addItem("dsp", ("dsp", None))
        checkpoints = installed()
        for path in checkpoints:
            self.embedder_box.addItem(f"clap · {path.name}", ("clap", str(path)))
        if not checkpoints:
            self.embedder_box.addItem("clap (no checkpoint installed)", ("clap", None))
        for name in self.store.embedder_names():
            if name not in ("dsp", "clap"):
                self.embedder_box.addItem(name, (name, None))
        index = self.embedder_box.findText(self.settings.get("embedder"))
        self.embedder_box.setCurrentIndex(max(index, 0))
        self.embedder_box.blockSignals(False)

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
        self.filter_flag.currentIndexChanged.connect(self._apply_filter)
        self.filter_status.currentIndexChanged.connect(self._apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.table.doubleClicked.connect(lambda index: self.play_row(index.row()))
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.map.selection_made.connect(self.select_ids)
        self.map.activated.connect(self._play_id)
        self.play_button.clicked.connect(self.toggle_play)
        self.loop_box.toggled.connect(self._set_loop)
        self.autoplay_box.toggled.connect(lambda on: self.settings.set("autoplay", on))
        self.volume.valueChanged.connect(self._set_volume)
        self.player.set_loop(self.loop_box.isChecked())
        self.player.set_volume(self.volume.value() / 100)
        self.player.position_changed.connect(self.waveform.set_position)
        self.waveform.seek_requested.connect(self.play_from)
        self.player.decoded.connect(self._waveform_decoded)
        self.player.playing_changed.connect(
            lambda playing: self.play_button.setText("■ Stop" if playing else "▶ Play")
        )
        self.player.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.problems_button.clicked.connect(self.problems_dock.show)
        self.embedder_box.currentTextChanged.connect(lambda _name: self.reload())
        self.welcome_button.clicked.connect(self.choose_folder)
        self._explain_timer = QTimer(self, singleShot=True, interval=200)
        self._explain_timer.timeout.connect(self._explain_current)
        self.explain_panel.loop_chosen.connect(self.go_to_path)
        self.stale_banner.requested.connect(self._bring_scores_up_to_date)
        # flags move the scores' freshness: check it once the keys stop
        self._status_timer = QTimer(self, singleShot=True, interval=400)
        self._status_timer.timeout.connect(self._check_score_status)

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        """Re-read the library (in a worker) and refresh table, map, counts and problems."""
        handle = self.runner.start("load", jobs.snapshot_job(self.embedder_name()))
        if handle is None:
            QTimer.singleShot(300, self.reload)
            return
        handle.finished.connect(self.apply_snapshot)
        handle.failed.connect(self._job_failed)

    @unless_closed
    def apply_snapshot(self, snapshot: jobs.Snapshot) -> None:
        selected = self.selected_ids()
        self.model.set_library(snapshot.library)
        lib = snapshot.library
        rows = lib.index_of_ids()
        order = [rows[int(i)] for i in snapshot.projection.ids if int(i) in rows]
        self.map.set_points(
            snapshot.projection.ids,
            snapshot.projection.xy,
            lib.percentile[order],
            [lib.flags[r] for r in order],
            {int(lib.ids[r]): lib.names[r] for r in order},
            snapshot.projection.caption,
        )
        self._map_rows = np.array(order, dtype=np.int64)
        self.problems.set_problems(snapshot.problems)
        self.stale_banner.set_status(snapshot.scores)
        self._update_counts(snapshot)
        self.pages.setCurrentIndex(0 if len(lib) == 0 else 1)
        if selected:
            self.select_ids(selected)
        elif self.model.rowCount():
            self.table.selectRow(0)

    def _update_counts(self, snapshot: jobs.Snapshot | None = None) -> None:
        if snapshot is not None:
            self._snapshot_counts = (snapshot.counts, snapshot.embedded)
        if not hasattr(self, "_snapshot_counts"):
            return
        c, embedded = self._snapshot_counts
        flags = self.store.flag_counts()
        self.counts_label.setText(
            f"{c['ok'] + c['error'] + c['missing']} loops · {embedded} embedded · "
            f"{c['error']} errors · {c['missing']} missing · {flags['typical']} typical · "
            f"{flags['unusual']} unusual"
        )
        count = self.problems.count()
        self.problems_button.setText(f"⚠ {count} problems" if count else "No problems")

    def _refresh_map_style(self) -> None:
        if len(getattr(self, "_map_rows", [])):
            lib = self.model.library
            self.map.update_style(
                lib.percentile[self._map_rows], [lib.flags[r] for r in self._map_rows]
            )

    # ------------------------------------------------------------------ jobs
    def _run(self, kind: str, title: str, factory, on_done=None) -> bool:
        handle = self.runner.start(kind, factory)
        if handle is None:
            self.statusBar().showMessage(f"A {kind} job is already running.", 5000)
            return False
        self.job_status.track(handle, title)
        handle.progress.connect(
            lambda done, total, message: self.welcome_status.setText(
                f"{title}… {done}/{total}" if total else f"{title}…"
            )
        )
        handle.failed.connect(
            lambda message, job=handle: self._job_failed(message, job.token.cancelled)
        )
        handle.finished.connect(lambda result: self._job_finished(kind, result, on_done))
        return True

    @unless_closed
    def _job_finished(self, kind: str, result, on_done) -> None:
        problems = getattr(result, "problems", None)
        if getattr(result, "cancelled", False):
            self._chain.clear()
            self.statusBar().showMessage(f"{kind} cancelled; what was done is kept.", 8000)
        elif problems:
            self.statusBar().showMessage(
                f"{kind}: {quantity(len(problems), 'file')} had problems (see Problems)", 8000
            )
        if on_done is not None:
            on_done(result)
        self.reload()
        if self._chain and not getattr(result, "cancelled", False):
            self._chain.pop(0)()

    @unless_closed
    def _job_failed(self, message: str, cancelled: bool = False) -> None:
        self._chain.clear()
        if cancelled:  # the user asked for it: say so quietly, no dialog
            line = message.splitlines()[0][:200]
            self.statusBar().showMessage(line[:1].upper() + line[1:], 8000)
            return
        QMessageBox.warning(self, "anomalizer", message.splitlines()[0][:400])

    def add_folders(self, paths: list[str]) -> None:
        """Scan these folders, then embed and train (the producer's one-step path)."""
        self._chain = [self.start_embed, self._train_with_any_flags]
        self._run("scan", "Scanning", jobs.scan_job(paths))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of loops")
        if folder:
            self.add_folders([folder])

    def rescan(self) -> None:
        """Scan the folders again, embed what is new (and retry what failed), and score new
        loops with the last run."""
        self._chain = [lambda: self.start_embed(retry_errors=True), self.score_new_loops]
        self._run("scan", "Rescanning", jobs.rescan_job())

    def forget_missing(self) -> int:
        """After a question that says what goes, delete the loops whose files are gone."""
        missing, annotated = self.store.missing_summary()
        if not missing:
            self.statusBar().showMessage("No missing loops: every file is where it was.", 5000)
            return 0
        lost = (
            f" {annotated} of them carry flags or notes, which are deleted too."
            if annotated
            else ""
        )
        answer = QMessageBox.question(
            self,
            "Forget missing loops",
            f"Remove {quantity(missing, 'loop')} whose files are gone from the library?{lost}\n\n"
            "A missing loop is kept with its flags until you do this, and found again if "
            "its file turns up in a scanned folder.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return 0
        forgotten = self.store.forget_missing()
        self.undo_stack.clear()  # the undo history may name loops that are gone now
        self.statusBar().showMessage(f"Forgot {quantity(forgotten, 'missing loop')}.", 8000)
        self.reload()
        return forgotten

    def score_new_loops(self) -> None:
        self._run("score", "Scoring new loops", jobs.score_new_loops_job(self.embedder_name()))

    def _bring_scores_up_to_date(self, action: str) -> None:
        if action == EMBED:  # an older DSP version's vectors: describe them again, then train
            self._chain = [self._train_with_any_flags]
            self.start_embed()
        elif action == SCORE:
            self.score_new_loops()
        elif action == RETRAIN_WITH_FLAGS:
            self.start_train(with_flags=True)
        elif action == TRAIN:
            self._train_with_any_flags()

    def _train_with_any_flags(self) -> None:
        """Train, using the producer's flags when there are any (a new folder keeps them)."""
        self.start_train(with_flags=any(self.store.flag_counts().values()))

    def _check_score_status(self) -> None:
        handle = self.runner.start("status", jobs.score_status_job(self.embedder_name()))
        if handle is not None:
            handle.finished.connect(self._show_score_status)

    @unless_closed
    def _show_score_status(self, status) -> None:
        self.stale_banner.set_status(status)

    def start_embed(self, *, retry_errors: bool = False) -> None:
        embedder, checkpoint = self.embedder_box.currentData() or ("dsp", None)
        label = self.embedder_box.currentText()
        self.settings.set("embedder", label)
        self._run(
            "embed",
            f"Embedding ({label})",
            jobs.embed_job(embedder, checkpoint, retry_errors=retry_errors),
        )

    def start_train(self, with_flags: bool) -> None:
        detector = self.detector_box.currentText()
        if with_flags and detector == "svdd":
            detector = "sad"  # Deep SVDD with labels is Deep SAD
        spec = ModelSpec(
            detector=detector,
            network=self.network_box.currentText(),
            device=self.device_box.currentText(),
            ensemble=max(1, self.settings.get("svdd_ensemble")),
        )
        for key, box in (
            ("detector", self.detector_box),
            ("network", self.network_box),
            ("device", self.device_box),
        ):
            self.settings.set(key, box.currentText())
        flags = self.store.flag_counts()
        title = f"Training {detector}" + (
            f" with {sum(flags.values())} flags" if with_flags else ""
        )
        self._run(
            "train",
            title,
            jobs.train_job(spec, self.embedder_name(), use_flags=with_flags),
            lambda result: self.statusBar().showMessage(
                f"Trained on {result.trained_on} loops: {result.unusual} above the unusual cut.",
                10_000,
            ),
        )

    # ------------------------------------------------------------------ selection
    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        return [self.model.sample_id(r) for r in self.selected_rows()]

    def select_ids(self, sample_ids: list[int]) -> None:
        """Select these samples in the table (from the map or after a reload)."""
        rows = [r for r in (self.model.view_row_of(i) for i in sample_ids) if r >= 0]
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, last))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(selection, flags)
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.table.scrollTo(self.model.index(rows[0], 0))

    def go_to_path(self, path: str) -> bool:
        """Select the loop at `path` (a neighbour clicked in the Why unusual? panel), clearing
        the filters when they hide it; False when the library no longer holds it."""
        try:
            sample_id = int(self.model.library.ids[self.model.library.paths.index(path)])
        except ValueError:
            self.statusBar().showMessage(f"{os.path.basename(path)} is no longer in the library.")
            return False
        if self.model.view_row_of(sample_id) < 0:
            self.filter_text.clear()
            self.filter_flag.setCurrentIndex(0)
            self.filter_status.setCurrentIndex(0)
        self.select_ids([sample_id])
        self.table.setFocus()  # the keys (Space, T, U...) act on it at once
        return True

    def _table_selection_changed(self, *_args) -> None:
        self.map.highlight(self.selected_ids())
        self._explain_timer.start()

    def _current_row_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = current.row()
        path = self.model.path(row)
        if path == self._current_path:
            return  # the same loop at another row (a filter or a reload moved it): not again
        self._current_path = path
        self._show_waveform(path, self.model.duration(row))
        neighbours = [
            self.model.path(r)
            for r in (row - 1, row + 1, row + 2)
            if 0 <= r < self.model.rowCount()
        ]
        self.player.preload(neighbours)
        if self.autoplay_box.isChecked() and self._auditioning:
            self.player.play(path)

    def _show_waveform(self, path: str, seconds: float | None = None) -> None:
        """Ask for the loop's samples; `_waveform_decoded` draws them (off the GUI thread
        unless they are cached, so a long file never freezes the window). `seconds`, the
        length the library knows, sets the time axis while the loop decodes."""
        if not self.player.available and not os.path.exists(path):
            self.waveform.clear_wave("file missing")
            return
        if not self.player.fetch(path):  # not cached: `decoded` arrives later (queued)
            shown = min(seconds, MAX_SECONDS) if seconds else None  # the player's audition
            self.waveform.clear_wave(f"{os.path.basename(path)}: decoding…", shown)

    def _waveform_decoded(self, path: str, result) -> None:
        """Draw a decoded loop if it is still the current one (decodes can lag the keys)."""
        index = self.table.currentIndex()
        if not index.isValid() or self.model.path(index.row()) != path:
            return
        if isinstance(result, str):  # bad file: say so in the waveform area
            self.waveform.clear_wave(f"cannot decode: {result}")
        else:
            name, whole = os.path.basename(path), self.model.duration(index.row())
            self.waveform.show_samples(result, self.player.rate, name, whole)

    def _explain_current(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 1:
            self.explain_panel.show_message("Select one loop to see why it is (or is not) unusual.")
            return
        if self.runner.running("explain"):
            self._explain_timer.start()
            return
        path = self.model.path(rows[0])
        handle = self.runner.start("explain", jobs.explain_job(path, self.embedder_name()))
        handle.finished.connect(lambda result, asked=path: self._show_explanation(asked, result))
        handle.failed.connect(lambda message, asked=path: self._show_explanation(asked, message))

    @unless_closed
    def _show_explanation(self, asked: str, result) -> None:
        """Show an explanation only if that loop is still the one selected (jobs can lag)."""
        rows = self.selected_rows()
        if len(rows) != 1 or self.model.path(rows[0]) != asked:
            return
        if isinstance(result, str):
            self.explain_panel.show_message(result)
        else:
            self.explain_panel.show_explanation(result)

    def focus_filter(self) -> None:
        """Ctrl+F: type to filter; what is already there is selected, so typing replaces it."""
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    def _clear_filter(self) -> None:
        self.filter_text.clear()
        self.table.setFocus()

    # ------------------------------------------------------------------ audition & flags
    def handle_key(self, event) -> bool:
        """Space, L, T, U, 0, N act on the selection; True when handled."""
        key = event.key()
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        if key == Qt.Key.Key_Space:
            self.toggle_play()
            return True
        if key == Qt.Key.Key_L:
            self.loop_box.toggle()
            return True
        if key in FLAG_KEYS:
            self.flag_selection(FLAG_KEYS[key])
            return True
        if key == Qt.Key.Key_N:
            self.edit_note()
            return True
        return False

    def toggle_play(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._auditioning = True
            self.player.toggle(self.model.path(index.row()))

    def play_from(self, seconds: float) -> None:
        """Play the current loop from `seconds` (a click on its waveform)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        self._auditioning = True
        if self.player.play(self.model.path(index.row()), start=seconds):
            self.waveform.set_position(seconds)

    def play_row(self, row: int) -> None:
        self._auditioning = True
        self.player.play(self.model.path(row))

    def _play_id(self, sample_id: int) -> None:
        self.select_ids([sample_id])
        row = self.model.view_row_of(sample_id)
        if row >= 0:
            self.play_row(row)

    def _set_loop(self, on: bool) -> None:
        self.player.set_loop(on)
        self.settings.set("loop", on)

    def _set_volume(self, value: int) -> None:
        self.player.set_volume(value / 100)
        self.settings.set("volume", value / 100)

    def flag_selection(self, flag: str | None) -> None:
        """Write the flag for every selected loop to the store at once, then show it (one
        step of the undo history)."""
        ids = self.selected_ids()
        if not ids:
            return
        before = dict(zip(ids, self.model.flags_of(ids), strict=True))
        text = describe_flag_change(len(ids), flag)
        self.undo_stack.push(UserDataChange(self.write_user_data, "flag", before, flag, text))
        loops = quantity(len(ids), "loop")
        done = f"Cleared the flag of {loops}" if flag is None else f"Flagged {loops} {flag}"
        self.statusBar().showMessage(
            f"{done}. Retrain with flags to use them. Ctrl+Z undoes it.", 5000
        )

    def write_user_data(self, field: str, values: dict[str | None, list[int]]) -> None:
        """Write flags or notes ({value: sample ids}) to the store at once, then show them."""
        for value, ids in values.items():
            if field == "flag":
                self.store.set_flag(ids, value)
                self.model.update_flags(ids, value)
            else:
                self.store.set_note(ids, value)
                self.model.update_notes(ids, value)
        if field == "flag":
            self._refresh_map_style()
            self._update_counts()
            self._status_timer.start()

    def undo(self) -> None:
        if self.undo_stack.canUndo():
            text = self.undo_stack.undoText()
            self.undo_stack.undo()
            self.statusBar().showMessage(f"Undone: {text}.", 5000)

    def redo(self) -> None:
        if self.undo_stack.canRedo():
            text = self.undo_stack.redoText()
            self.undo_stack.redo()
            self.statusBar().showMessage(f"Redone: {text}.", 5000)

    def edit_note(self) -> None:
        """Ask for a note for the selected loops (N): it starts from their note when they
        share one; an empty note clears it."""
        ids = self.selected_ids()
        if not ids:
            return
        notes = set(self.model.notes_of(ids))
        current = notes.pop() if len(notes) == 1 else ""
        what = "this loop" if len(ids) == 1 else f"these {len(ids)} loops"
        text, ok = QInputDialog.getText(
            self,
            "Note",
            f"Note for {what} (empty clears it; filter the table by it):",
            QLineEdit.EchoMode.Normal,
            current,
        )
        if ok:
            self.set_note(ids, text)

    def set_note(self, ids: list[int], text: str) -> None:
        """Write the note for these loops to the store at once, then show it."""
        note = text.strip() or None
        before = dict(zip(ids, self.model.notes_of(ids), strict=True))
        change = describe_note_change(len(ids), note)
        self.undo_stack.push(UserDataChange(self.write_user_data, "note", before, note, change))
        loops = quantity(len(ids), "loop")
        done = f"Cleared the note of {loops}" if note is None else f"Noted {loops}"
        self.statusBar().showMessage(f"{done}. Ctrl+Z undoes it.", 5000)

    def _context_menu(self, position) -> None:
        menu = QMenu(self)
        menu.addAction("Play", self.toggle_play)
        menu.addSeparator()
        menu.addAction("Flag typical (T)", lambda: self.flag_selection("typical"))
        menu.addAction("Flag unusual (U)", lambda: self.flag_selection("unusual"))
        menu.addAction("Clear flag (0)", lambda: self.flag_selection(None))
        menu.addAction("Note… (N)", self.edit_note)
        menu.addSeparator()
        menu.addAction("Show in folder", self.show_in_folder)
        menu.addAction("Copy path", self.copy_paths)
        menu.addSeparator()
        menu.addAction("Export selection…", self.open_export)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def show_in_folder(self) -> None:
        """Open the folder of the current loop in the desktop's file manager."""
        index = self.table.currentIndex()
        if not index.isValid():
            return
        folder = os.path.dirname(self.model.path(index.row()))
        if not os.path.isdir(folder):
            self.statusBar().showMessage(f"The folder is gone: {folder}", 8000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self.statusBar().showMessage(f"No file manager opened {folder}", 8000)

    def copy_paths(self) -> None:
        """Put the selected loops' paths on the clipboard, one per line."""
        rows = self.selected_rows()
        if rows:
            QApplication.clipboard().setText("\n".join(self.model.path(r) for r in rows))
            self.statusBar().showMessage(f"Copied {quantity(len(rows), 'path')}.", 5000)

    def _apply_filter(self) -> None:
        """Filter the rows; the selected loops stay selected wherever the new filter still
        shows them (find a loop by name, clear the filter, and it is there in context)."""
        selected = self.selected_ids()
        self.model.set_filter(
            self.filter_text.text(),
            self.filter_flag.currentData(),
            self.filter_status.currentData(),
        )
        if selected:
            self.select_ids(selected)
        self._table_selection_changed()  # a model reset says nothing: the map and panel follow

    def _filter_entered(self) -> None:
        """Return in the filter: back to the rows, the first one selected when none is, so
        that Space plays what the filter found."""
        self.table.setFocus()
        if not self.selected_ids() and self.model.rowCount():
            self.table.selectRow(0)

    def open_preferences(self) -> None:
        from anomalizer_desktop.ui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec():
            self.autoplay_box.setChecked(self.settings.get("autoplay"))
            self.embedder_box.setCurrentText(self.settings.get("embedder"))

    # ------------------------------------------------------------------ export & drops
    def open_export(self) -> ExportDialog:
        paths = [self.model.path(r) for r in self.selected_rows()]
        dialog = ExportDialog(self.store, paths, self)
        if dialog.exec():
            self.statusBar().showMessage(dialog.result_message, 10_000)
        return dialog

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(
            os.path.isdir(u.toLocalFile()) for u in event.mimeData().urls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        folders = [
            u.toLocalFile() for u in event.mimeData().urls() if os.path.isdir(u.toLocalFile())
        ]
        if folders:
            self.add_folders(folders)

    def closeEvent(self, event) -> None:
        self._closed = True
        self._explain_timer.stop()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.table_layout.save()
        self.runner.cancel_all()
        self.player.close()
        super().closeEvent(event)
