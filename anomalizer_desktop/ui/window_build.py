"""The main window's widgets, toolbar and menus, built once when it opens.

A mixin of MainWindow: it creates the widgets the rest of the window works with (table, map,
waveform, transport, docks, status bar, actions) and names them as attributes.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QDrag, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.ui.library_model import COLUMN_INDEX
from anomalizer_desktop.ui.plain_text import plain_label, tip
from anomalizer_desktop.ui.table_layout import TableLayout
from anomalizer_desktop.ui.tag_dialog import FilterTagCompleter
from anomalizer_desktop.ui.theme import colour
from anomalizer_desktop.ui.widgets.drag_badge import drag_badge
from anomalizer_desktop.ui.widgets.eliding_combo import ElidingComboBox
from anomalizer_desktop.ui.widgets.explain_panel import ExplainPanel
from anomalizer_desktop.ui.widgets.fitted_parts import FittedParts
from anomalizer_desktop.ui.widgets.flow_layout import FlowLayout
from anomalizer_desktop.ui.widgets.job_status import JobStatus
from anomalizer_desktop.ui.widgets.message_room import MessageRoom
from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided
from anomalizer_desktop.ui.widgets.pill import Pill
from anomalizer_desktop.ui.widgets.problems_panel import ProblemsPanel
from anomalizer_desktop.ui.widgets.project_sync import ProjectSync
from anomalizer_desktop.ui.widgets.scatter_map import ScatterMap
from anomalizer_desktop.ui.widgets.stale_banner import StaleScoresBanner
from anomalizer_desktop.ui.widgets.waveform import WaveformView

#: what an empty table says while the library has loops: the filter row hides them all
NOTHING_MATCHES = (
    "No loop matches the filter.\n\nEsc in the filter box clears what was typed, \u2715 on"
    " a pill lets it go, and the boxes' \u201cAll\u201d choices show every loop."
)

#: what the Unflagged list says once every loop in it is flagged: the end of a pass through
#: the library, one key per loop, and what comes next
ALL_FLAGGED = (
    "Every loop here is flagged: none left to judge.\n\nRetrain with flags learns from"
    " them; \u201cAll flags\u201d shows the loops again."
)


class LibraryTable(QTableView):
    """The table; keys for audition and flags are handled by the window. Emptied by the
    filter row, it says so and how to get the loops back (it had been blank)."""

    def __init__(self, window) -> None:
        super().__init__()
        self._window = window

    def keyPressEvent(self, event) -> None:
        if self._window.handle_key(event):
            return
        super().keyPressEvent(event)

    def startDrag(self, supported_actions) -> None:
        """The selected loops out as files (a DAW, a file manager) or onto a folder of the
        Folders panel, with a small picture of what is dragged beside the pointer."""
        model = self.model()
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        there = [row for row in rows if not model.file_missing(row)]
        if not there:
            return
        drag = QDrag(self)
        drag.setMimeData(model.mimeData([model.index(row, 0) for row in there]))
        picture, hot_spot = drag_badge(self, [os.path.basename(model.path(r)) for r in there])
        drag.setPixmap(picture)
        drag.setHotSpot(hot_spot)
        if drag.exec(supported_actions, Qt.DropAction.CopyAction) != Qt.DropAction.IgnoreAction:
            # (into an audio editor, perhaps: what it saves is read when the window is back)
            self._window.handed_out([model.path(r) for r in there])

    def moveCursor(self, action, modifiers):
        """Home and End go to the first and last loop, as in a file manager's list (with or
        without Ctrl); a table's own Home and End went to the row's first and last column,
        scrolling the names out of view while the same loop stayed selected. Left and Right
        scroll the columns sideways, as in a file manager's list."""
        model = self.model()
        sideways = {
            QAbstractItemView.CursorAction.MoveLeft: -1,
            QAbstractItemView.CursorAction.MoveRight: 1,
        }
        if action in sideways:  # (a row is selected whole: a column to move to means nothing)
            bar = self.horizontalScrollBar()
            per_item = self.horizontalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
            step = bar.singleStep() if per_item else max(bar.singleStep(), 40)  # a column, or px
            bar.setValue(bar.value() + sideways[action] * step)
            return self.currentIndex()
        ends = (QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd)
        if action in ends and model is not None and model.rowCount():
            row = 0 if action == QAbstractItemView.CursorAction.MoveHome else model.rowCount() - 1
            return model.index(row, max(self.currentIndex().column(), 0))
        return super().moveCursor(action, modifiers)

    def scrollTo(self, index, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        """Bring a row into view, up or down only: a click on a column half in view at the
        right scrolled the table sideways to show it whole, and the loops' names went out of
        view while the loop clicked was selected (the scroll bar, Shift+wheel and Left and
        Right scroll sideways)."""
        bar = self.horizontalScrollBar()
        x = bar.value()
        super().scrollTo(index, hint)
        bar.setValue(x)

    def setModel(self, model) -> None:
        super().setModel(model)
        # a screen reader hears what the empty table says: it is painted, not a widget's text
        model.modelReset.connect(self._describe_emptiness)

    def _describe_emptiness(self) -> None:
        self.setAccessibleDescription(self.empty_text())

    def empty_text(self) -> str:
        """What the table says in place of its rows: NOTHING_MATCHES when the filter row hides
        every loop of the library (ALL_FLAGGED when it is the Unflagged list), else nothing."""
        model = self.model()
        if model is None or model.rowCount() or not len(model.library):
            return ""
        return ALL_FLAGGED if model.flag_filter == "unflagged" else NOTHING_MATCHES

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if dx and self.empty_text():
            # the message stays where it is, but a scroll moves the viewport's pixels and
            # repaints only the strip uncovered: a sideways scroll showed it twice, offset
            self.viewport().update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        text = self.empty_text()
        if text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(self.viewport().rect().adjusted(24, 48, -24, -24), flags, text)


def _centred_paragraph(label: QLabel) -> QHBoxLayout:
    """`label` as a paragraph of the welcome page: wrapped, centred, at most 620 px wide and
    at least 400 (the window fits half a screen: test_window_size), in a row of its own."""
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMinimumWidth(400)
    label.setMaximumWidth(620)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(label)
    row.addStretch(1)
    return row


def _labelled(label: str, widget: QWidget) -> QWidget:
    """`widget` after its label, in one widget of their own."""
    pair = QWidget()
    layout = QHBoxLayout(pair)
    layout.setContentsMargins(0, 0, 0, 0)
    name = QLabel(label)
    name.setBuddy(widget)  # what a screen reader names the widget by
    layout.addWidget(name)
    layout.addWidget(widget)
    return pair


#: the filter row's boxes give way down to this width in a narrow table ("All f…"), so that
#: the text filter keeps FILTER_TEXT_WIDTH: at half a screen it had been 30 px, no room to type
CHOICES_LEAST_WIDTH = 64
FILTER_TEXT_WIDTH = 120
#: Why unusual? may be this narrow (its bars shorten, its words wrap): at 300 px, a window at
#: half a screen took all of its squeeze from the Folders panel, down to 75 px
EXPLAIN_LEAST_WIDTH = 220


def _choices(*items: tuple[str, str | None]) -> QComboBox:
    """A combo box of (label, value) items; the value is the item's data. Narrow, it
    shortens its text with "…"."""
    box = ElidingComboBox()
    for label, value in items:
        box.addItem(label, value)
    box.setMinimumWidth(CHOICES_LEAST_WIDTH)
    return box


class WindowBuilder:
    """Builds the main window's widgets and actions (mixed into MainWindow)."""

    def _build_ui(self) -> None:
        self.filter_text = QLineEdit(
            placeholderText="Filter by name, folder, note, tag:name, bpm:120-128 or key:Am…"
        )
        self.filter_text.setAccessibleName("Filter loops")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setMinimumWidth(FILTER_TEXT_WIDTH)
        self.filter_text.setCompleter(FilterTagCompleter(self.filter_text))
        self.filter_text.setToolTip(
            tip(
                "Shows the loops whose name, folder, note or tags hold the text.\n"
                "bpm:120 (or a range, bpm:118-122) shows those of that tempo,\n"
                "key:Am those in that key (any spelling: key:a#m, key:Bb minor),\n"
                "key:Am+ those in a key that mixes with it (Am, C, Dm, Em),\n"
                'tag:dark those you tagged dark (tag:"song a" for spaces),\n'
                "bars:4 (or bars:2-4) those that last that many whole bars at their tempo,\n"
                "added:today (or added:12h, added:3d, added:2w) those that came in since,\n"
                "unusual:90 (or unusual:50-80) those whose Unusual % is 90 or more (or 50 to 80),\n"
                "unusual:new (or unusual:fell) those the last training put above the unusual\n"
                "cut (or below it), marked \u2191 (or \u2193) in Unusual %.\n"
                "Combine them: bass bpm:120 key:Am bars:4 tag:keep added:3d unusual:80\n"
                "Return goes to the first loop found, Escape clears."
            )
        )
        self.filter_flag = _choices(
            ("All flags", None), ("Unusual", "unusual"), ("Typical", "typical"),
            ("Unflagged", "unflagged"),
        )  # fmt: skip
        #: filled from the library's tags (window_tags), shown once it has some
        self.filter_tag = _choices(("All tags", None))
        self.filter_tag.setToolTip(tip("Show the loops you tagged so (G tags the selected loops)"))
        self.filter_tag.hide()
        self.filter_status = _choices(
            ("All files", None), ("OK", "ok"), ("Errors", "error"), ("Missing", "missing"),
            ("Copies", "copies"), ("Same audio", "same_audio"),
        )  # fmt: skip
        self.filter_status.setItemData(
            self.filter_status.findData("copies"),
            "Loops whose file is in the library more than once (the same bytes in two places):"
            " sorted by Unusual %, copies sit together, since they sound the same",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.filter_status.setItemData(
            self.filter_status.findData("same_audio"),
            "Loops whose audio the library holds again in a file with other bytes: another"
            " format, bit depth, sample rate or level, or another name. They sit together",
            Qt.ItemDataRole.ToolTipRole,
        )
        for box, name in (
            (self.filter_flag, "Flags shown"),
            (self.filter_tag, "Tag shown"),
            (self.filter_status, "Files shown"),
        ):
            box.setAccessibleName(name)  # a screen reader says it, then the choice ("Typical")
        self.likeness_button = Pill()  # "Like x.wav ✕", while sorted by likeness
        self.likeness_button.hide()
        filters = QHBoxLayout()
        filters.addWidget(self.filter_text, 1)
        filters.addWidget(self.likeness_button)
        self._build_folder_panel()  # window_folders: the Folders dock and its pill
        filters.addWidget(self.folder_button)
        filters.addWidget(self.filter_flag)
        filters.addWidget(self.filter_tag)
        filters.addWidget(self.filter_status)

        self.table = LibraryTable(self)
        self.table.setAccessibleName("Loops")
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
        # a line a row (a row holds one: wrapped, a name with spaces showed its first words
        # and "…"), names and folder paths shortened in the middle, so that the end that tells
        # a pack's loops apart stays in view (the delegate: the table's child, kept here)
        self.table.setWordWrap(False)
        self.names_delegate = MiddleElided(self.table)
        self.paths_delegate = MiddleElided(self.table, names=False)
        self.table.setItemDelegateForColumn(COLUMN_INDEX["name"], self.names_delegate)
        self.table.setItemDelegateForColumn(COLUMN_INDEX["folder"], self.paths_delegate)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        # the header draws each section by whether its column is wholly selected, and asks
        # the table's selection so, a call into the model per row: with 100,000 rows selected
        # (Ctrl+A) that held the window 1.5-2.1 s. A selection of its own, always empty,
        # answers at once (clicks on the header sort; they select nothing)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSelectionModel(QItemSelectionModel(self.model, header))
        for column, width in (
            ("name", 250),
            ("percentile", 76),
            ("score", 60),
            ("flag", 84),
            ("tags", 100),
            ("duration", 62),
            ("tempo", 64),  # "≈121.46": a tempo heard, to two decimals
            ("key", 44),
            ("bars", 40),
            ("sample_rate", 68),
            ("status", 60),
            ("added", 104),
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
        self.next_after_flag_box = QCheckBox("Next after flag")
        self.next_after_flag_box.setToolTip(
            "After T, U or 0 on one loop, go on to the next one down (Auto-play plays it):"
            " one key per loop to go through a list"
        )
        self.next_after_flag_box.setChecked(self.settings.get("next_after_flag"))
        self.match_levels_box = QCheckBox("Match levels")
        self.match_levels_box.setToolTip(
            "Play every loop at about the same loudness (quiet one-shots raised, loud loops"
            " lowered, no peak over -1 dBFS), so each is judged by its sound, not its level"
        )
        self.match_levels_box.setChecked(self.settings.get("match_levels"))
        self.project_sync = ProjectSync(
            self.settings.get("sync_tempo"),
            self.settings.get("project_tempo"),
            self.settings.get("project_key"),
        )
        self.sync_box = self.project_sync.sync_box
        self.tempo_box, self.key_box = self.project_sync.tempo_box, self.project_sync.key_box
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(self.settings.get("volume") * 100))
        self.volume.setFixedWidth(90)
        self.volume.setAccessibleName("Volume")
        # boxes that wrap onto a second line where the window is narrow (half a screen
        # beside a DAW), after the reminder of the keys beside them has given way
        self.transport = QWidget()
        transport = FlowLayout(self.transport)
        for widget in (
            self.play_button,
            self.loop_box,
            self.autoplay_box,
            self.next_after_flag_box,
            self.match_levels_box,
            self.project_sync,
            _labelled("Volume", self.volume),  # the two stay on one line
        ):
            transport.addWidget(widget)
        self.no_audio = QLabel("No audio output")
        self.no_audio.setStyleSheet("color: #c0392b")
        self.no_audio.hide()
        transport.addWidget(self.no_audio)
        self.keys_hint = FittedParts(
            [
                # in the order a producer needs them (dropped from the end where space is
                # short); no "L loop": its checkbox says "Loop (L)"
                "Space play",
                "↑↓ move",
                "T typical",
                "U unusual",
                "0 clear",
                "G tag",
                "1-9 tag keys",
                "N note",
                "S like this",
                "F1 all keys",
            ],
            keep_last=True,
            modest=True,  # the transport's boxes first, the reminder in the room left
        )
        self.keys_hint.setStyleSheet("color: #9aa0a6")
        self.keys_hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        transport_row = QHBoxLayout()
        transport_row.addWidget(self.transport)
        transport_row.addWidget(self.keys_hint, 1)

        browser = QWidget()
        browser_layout = QVBoxLayout(browser)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        # below the table and map, not above: when it appears (a flag changed, loops came in)
        # the rows under the pointer and the keyboard focus stay where they are
        self.stale_banner = StaleScoresBanner()
        browser_layout.addWidget(splitter, 1)
        browser_layout.addWidget(self.stale_banner)
        browser_layout.addWidget(self.waveform)
        browser_layout.addLayout(transport_row)

        self.welcome = self._build_welcome()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(browser)
        self.damaged_page = self._build_damaged_page()  # window_repair
        self.pages.addWidget(self.damaged_page)
        self.setCentralWidget(self.pages)

        self.explain_panel = ExplainPanel()
        self.explain_dock = QDockWidget("Why unusual?", self)
        self.explain_dock.setObjectName("explain")
        self.explain_dock.setWidget(self.explain_panel)
        self.explain_panel.setMinimumWidth(EXPLAIN_LEAST_WIDTH)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.explain_dock)
        self.problems = ProblemsPanel()
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problems")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()

        self.counts_label = FittedParts()  # "501 loops · 501 embedded · …", cut to fit
        self.problems_button = QPushButton("No problems")
        self.problems_button.setFlat(True)
        self.job_status = JobStatus()
        self.statusBar().addPermanentWidget(self.job_status)
        self.statusBar().addPermanentWidget(self.problems_button)
        self.statusBar().addPermanentWidget(self.counts_label)
        # a message (what a key or job just did) is whole: the counts give way to it
        MessageRoom(self.statusBar(), self.counts_label, [self.job_status, self.problems_button])

    def restyle(self) -> None:
        """The colours the window sets itself, for the background it has now (ui.theme): at
        the start, and again when the palette changes (Preferences > Appearance, or a desktop
        that turns dark)."""
        pill = (
            f"QPushButton {{ background: {colour('pill_bg')}; color: {colour('pill_fg')};"
            f" border: 1px solid {colour('pill_border')}; border-radius: 9px;"
            f" padding: 2px 10px; }} QPushButton:hover {{ background: {colour('pill_hover')}; }}"
        )
        self.likeness_button.setStyleSheet(pill)
        self.folder_button.setStyleSheet(pill)
        self.welcome_status.setStyleSheet(
            f"color: {colour('accent')}; font-size: 14px; padding: 12px;"
        )
        self.table.viewport().update()  # the flags' colours

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
        self.welcome_button = QPushButton("Add a folder of loops…")
        self.welcome_button.setMinimumHeight(40)
        self.demo_button = QPushButton("Try it on demo loops")
        self.demo_button.setMinimumHeight(40)
        self.demo_button.setToolTip(
            "44 loops made on this computer (drums and bass, and four that do not fit),"
            " written beside the library and added to it: see the app at work in a minute"
        )
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.welcome_button)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        layout.addWidget(title)
        layout.addLayout(_centred_paragraph(text))
        layout.addLayout(row)
        # the jobs' progress, or what a folder that brought in no loops held (at length)
        self.welcome_status = plain_label()
        layout.addLayout(_centred_paragraph(self.welcome_status))
        layout.addStretch(2)
        return page
