"""Export dialog: which loops (unusual / typical / tagged so / selection / top N) and how (M3U8,
XSPF, CSV, folder of links). It says how many loops the choice holds before anything is written, and
suggests a place in the Music folder named after the set, so a first export is two clicks."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from anomalizer_desktop.core.export import (
    FOLDER_FORMATS,
    ExportError,
    FolderNotEmptyError,
    Project,
    files_size,
    select_entries,
    write_export,
)
from anomalizer_desktop.core.export.selection import ExportCancelled, left_out_text
from anomalizer_desktop.core.export.tag_sets import export_tag_sets, file_name_part, tag_sets
from anomalizer_desktop.core.library.followed_exports import remember_exports
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.user_tags import has_tag
from anomalizer_desktop.core.library.walk import shown_path
from anomalizer_desktop.core.text import file_size, quantity
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.tag_dialog import library_tags
from anomalizer_desktop.ui.wait_cursor import waiting

SETS = [
    ("Loops flagged unusual", "unusual"),
    ("Loops flagged typical", "typical"),
    ("Selected loops", "selection"),
    ("Most unusual (top N)", "top"),
]
FORMATS = [
    ("M3U8 playlist", "m3u8", ".m3u8"),
    ("XSPF playlist", "xspf", ".xspf"),
    ("CSV table", "csv", ".csv"),
    ("Folder of links", "folder", ""),
    ("Folder of copies", "copies", ""),
]
SUFFIXES = {key: suffix for _, key, suffix in FORMATS}
#: what the count line says when a set holds no loop
EMPTY = {
    "unusual": "No loop is flagged unusual yet (U flags the selected loops).",
    "typical": "No loop is flagged typical yet (T flags the selected loops).",
    "selection": "No loop is selected.",
    "shown": "The filter shows no loop that is on disk.",
    "top": "No loop has a score yet: train first.",
}


#: the start of a tag set's key in the Loops list ("tag:song-a")
TAG = "tag:"
#: the Loops list's key for every tag's set at once, into one folder (core.export.tag_sets)
EACH_TAG = "each-tag"
#: the start of the key of the loops in the folder the Folders panel shows ("in:/…/Pack A")
IN_FOLDER = "in:"
#: the Loops list's key for the loops the table's filter shows
SHOWN = "shown"


@dataclasses.dataclass(frozen=True)
class ShownSet:
    """The loops the table's filter shows: `name` (what was typed, or the flag or files
    list's choice) names the suggested file; `paths` in the table's order."""

    name: str
    paths: list[str]


@contextlib.contextmanager
def copying(parent: QWidget, fmt: str):
    """For a folder of copies, a progress dialog with Cancel (shown after 0.4 s: a few loops
    copy at once) and a wait cursor; yields the `progress` callback `write_export` takes
    (None for other formats, which take no time)."""
    if fmt != "copies":
        yield None
        return
    steps = 1000
    dialog = QProgressDialog("Copying the loops…", "Cancel", 0, steps, parent)
    dialog.setWindowTitle("Export")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)

    def progress(done: int, total: int) -> None:
        dialog.setLabelText(f"Copying the loops… {done} of {total}")
        dialog.setValue(steps * done // max(total, 1))
        QApplication.processEvents()  # paint, and take a click on Cancel
        if dialog.wasCanceled():
            raise ExportCancelled("the export was cancelled: nothing was written")

    try:
        with busy(fmt):
            yield progress
    finally:
        dialog.close()
        dialog.deleteLater()


@contextlib.contextmanager
def busy(fmt: str):
    """A wait cursor while a folder of copies is written (its files are copied on this
    thread: a few seconds for a set of a gigabyte; links and playlists take no time)."""
    if fmt != "copies":
        yield
        return
    with waiting():
        yield


def _empty(which: str) -> str:
    """What the count line says when the set `which` holds no loop."""
    if which.startswith(TAG):
        return f"No loop tagged \u201c{which[len(TAG) :]}\u201d is on disk."
    if which.startswith(IN_FOLDER):
        return f"No loop in {shown_path(which[len(IN_FOLDER) :])} is on disk."
    return EMPTY[which]


def _tag_of(key, tag: str | None) -> bool:
    """Whether the Loops list's item `key` is the set of `tag` (the tag the table shows)."""
    return (
        bool(tag) and isinstance(key, str) and key.startswith(TAG) and has_tag(key[len(TAG) :], tag)
    )


def _replace_question(result) -> str:
    """What the window asks before replacing the sets an earlier export wrote."""
    tags = ", ".join(tag for tag, _ in result.earlier)
    if len(result.earlier) == 1:
        return f"The set of {tags} in {result.folder} is an earlier export. Replace it?"
    return f"The sets of {tags} in {result.folder} are earlier exports. Replace them?"


def export_folder() -> str:
    """Where a suggested export goes: the user's Music folder, else their home."""
    music = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MusicLocation)
    return music or os.path.expanduser("~")


class ExportDialog(QDialog):
    """Which loops, which format, where. `folder`: where suggested targets go (the folder of
    the last export, which the window remembers; else the Music folder or home). `tag`: the
    tag the table is filtered by, whose set is offered first unless several loops are
    selected (the producer filtered to the set to export it). `shown_folder`: the folder the
    Folders panel shows, whose loops are offered the same way (a pack to take to a DAW)."""

    def __init__(
        self,
        store: Store,
        selected_paths: list[str],
        parent=None,
        folder: str = "",
        tag: str | None = None,
        fmt: str = "",
        shown_folder: str | None = None,
        project: Project | None = None,
        shown: ShownSet | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export loops")
        self.store = store
        self.selected_paths = selected_paths
        self.folder = folder if folder and os.path.isdir(folder) else export_folder()
        self.which = QComboBox()
        for label, key in SETS:
            self.which.addItem(label, key)
        # a set per tag, after the flags: "Tagged “song-a” (12)", most used first
        sets = list(library_tags(store).items())
        for number, (name, count) in enumerate(sets):
            self.which.insertItem(2 + number, f"Tagged \u201c{name}\u201d ({count})", TAG + name)
        if sets:
            self.which.insertItem(2 + len(sets), "Every tag, a set each", EACH_TAG)
        if shown_folder:
            name = os.path.basename(shown_folder.rstrip(os.sep)) or shown_folder
            self.which.insertItem(
                2, f"In \u201c{shown_path(name)}\u201d (the folder shown)", IN_FOLDER + shown_folder
            )
        #: the loops the table's filter shows (offered before the selection)
        self.shown = shown
        if shown is not None:
            self.which.insertItem(
                self.which.findData("selection"),
                f"Shown by the filter ({len(shown.paths)})",
                SHOWN,
            )
        tagged = [n for n in range(self.which.count()) if _tag_of(self.which.itemData(n), tag)]
        if tagged and len(selected_paths) <= 1:
            self.which.setCurrentIndex(tagged[0])
        elif shown_folder and len(selected_paths) <= 1:
            self.which.setCurrentIndex(2)
        elif shown is not None and len(selected_paths) <= 1:
            self.which.setCurrentIndex(self.which.findData(SHOWN))
        elif selected_paths:
            self.which.setCurrentIndex(self.which.findData("selection"))
        self.top_n = QSpinBox(minimum=1, maximum=100_000, value=50)
        self.format = QComboBox()
        for label, key, _ in FORMATS:
            self.format.addItem(label, key)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))  # the last one used
        self.target = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(browse)
        target_box = QWidget()
        target_box.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        #: a folder of copies at the project's tempo and key (the window's Sync button's)
        self.project = project
        self.at_project = QCheckBox(
            f"At your project's {project.describe()}, as Sync plays them" if project else ""
        )
        self.at_project.setToolTip(
            "Write each loop that declares a tempo stretched to your project's (pitch kept),"
            " and each that declares a key moved into your project's, as WAV files named for"
            " their new tempo and key: they play in time and in key in any DAW without warping."
            " Loops that declare neither are copied as they are"
        )
        self.count_label = QLabel()
        # every tag's copies say sets, loops and size: more than the dialog is wide
        self.count_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Loops", self.which)
        form.addRow("N", self.top_n)
        form.addRow("", self.count_label)
        form.addRow("Format", self.format)
        form.addRow("", self.at_project)
        form.addRow("Save to", target_box)
        self.setMinimumWidth(560)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._suggestion = ""
        #: each set's loops (or why there are none) once read: the dialog is modal, so the
        #: library does not change under it
        self._sets: dict[str, object] = {}
        self._sizes: dict[str, int] = {}  # path -> bytes, for a folder of copies
        self.which.currentIndexChanged.connect(self._update)
        self.at_project.toggled.connect(self._update)
        self.top_n.valueChanged.connect(self._update)
        self.format.currentIndexChanged.connect(self._update)
        self._update()
        self.result_message = ""
        #: the file or folder the export was written to (empty until it was)
        self.written = ""

    def _update(self) -> None:
        """Count what the choice holds, allow Save only when it holds something, and keep the
        suggested target in step with the set and format (unless the user typed their own)."""
        which = self.which.currentData()
        self.top_n.setEnabled(which == "top")
        self.at_project.setVisible(self.project is not None and self._copying())
        if which == EACH_TAG:
            sets = self._read_once(EACH_TAG)
            count = sum(map(len, sets.values()))
            self.count_label.setText(
                f"{quantity(len(sets), 'set')} ({quantity(count, 'loop')}) will be exported into"
                f" the folder, one per tag, named after it{self._copies_size(*sets.values())}."
            )
        else:
            try:
                entries = self.entries()
            except ExportError:  # the top N of a library without scores
                entries = []
            count = len(entries)
            self.count_label.setText(
                f"{quantity(count, 'loop')} will be exported{left_out_text(entries)}"
                f"{self._copies_size(entries)}."
                if count
                else _empty(which)
            )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(count > 0)
        if self.target.text() in ("", self._suggestion):
            self._suggestion = self.suggested_target()
            self.target.setText(self._suggestion)

    def _copying(self) -> bool:
        return self.format.currentData() == "copies"

    def _at(self) -> Project | None:
        """The project a folder of copies is written at, when asked for."""
        wanted = self._copying() and self.at_project.isChecked()
        return self.project if wanted else None

    def _at_text(self) -> str:
        at = self._at()
        return f" at your project's {at.describe()}" if at else ""

    def _copies_size(self, *sets) -> str:
        """For a folder of copies, what they take on the drive (", 48 MB of copies"); each
        set's size is read from the drive once (each step of N asked again)."""
        if self.format.currentData() != "copies":
            return ""
        for entries in sets:
            for entry in entries:
                if entry.path not in self._sizes:
                    self._sizes[entry.path] = files_size([entry])
        total = sum(self._sizes[entry.path] for entries in sets for entry in entries)
        return f", {file_size(total)} of copies"

    def suggested_target(self) -> str:
        suffix = SUFFIXES[self.format.currentData()]
        which = self.which.currentData()
        if which == EACH_TAG:  # a folder, whatever the format: the sets go in it
            return os.path.join(self.folder, "tag-sets")
        if which.startswith(TAG):
            name = file_name_part(which[len(TAG) :])
        elif which.startswith(IN_FOLDER):
            name = file_name_part(os.path.basename(which[len(IN_FOLDER) :].rstrip(os.sep)))
        elif which == SHOWN:
            name = file_name_part(self.shown.name, empty="shown")
        else:
            name = {"selection": "selected", "top": f"top-{self.top_n.value()}"}.get(which, which)
        return os.path.join(self.folder, f"{name}-loops{suffix}")

    def _browse(self) -> None:
        fmt = self.format.currentData()
        current = self.target.text() or self.suggested_target()  # the dialog opens on it
        if fmt in FOLDER_FORMATS or self.which.currentData() == EACH_TAG:
            start = current if os.path.isdir(current) else os.path.dirname(current)
            path = QFileDialog.getExistingDirectory(self, "Export to folder", start)
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export as", current, f"*.{fmt}")
        if path:
            self.target.setText(path)

    def entries(self):
        """The loops the chosen set holds, in the export's order."""
        which = self.which.currentData()
        found = self._read_once(which)
        return found[: self.top_n.value()] if which == "top" else found

    def _read_once(self, which: str):
        """The loops of the set `which` (for the top N: every scored loop, most unusual first),
        read from the library the first time only: at 100,000 loops a read takes 1.3-1.8 s,
        and each step of N, each change of format, read it again."""
        if which not in self._sets:
            try:
                self._sets[which] = self._read(which)
            except ExportError as error:  # the top N of a library without scores
                self._sets[which] = error
        found = self._sets[which]
        if isinstance(found, ExportError):
            raise found
        return found

    def _read(self, which: str):
        if which in ("unusual", "typical"):
            return select_entries(self.store, flag=which)
        if which == "selection":
            return select_entries(self.store, paths=self.selected_paths)
        if which == SHOWN:
            return select_entries(self.store, paths=self.shown.paths)
        if which.startswith(TAG):
            return select_entries(self.store, tag=which[len(TAG) :])
        if which.startswith(IN_FOLDER):
            return select_entries(self.store, folder=(which[len(IN_FOLDER) :],))
        if which == EACH_TAG:
            return tag_sets(self.store)
        return select_entries(self.store, min_score=-math.inf)  # scored: the top N's pool

    def _write(self, entries, fmt: str, target: str):
        """Write the export; an earlier export in the folder is replaced after asking (None:
        the user said no). A folder holding anything else is refused by `write_export`."""
        try:
            with copying(self, fmt) as progress:
                return write_export(entries, fmt, target, progress=progress, project=self._at())
        except FolderNotEmptyError as error:
            if error.foreign:
                raise
            if not plain_text.confirm(
                self,
                "Replace the export?",
                f"{error.target} holds an earlier export. Replace it with this one?",
            ):
                return None
            with copying(self, fmt) as progress:
                return write_export(
                    entries, fmt, target, overwrite=True, progress=progress, project=self._at()
                )

    def export(self) -> bool:
        """Write the export; on failure keep the dialog open and say why."""

        target = self.target.text().strip()
        if not target:
            plain_text.warn(self, "Export", "Choose where to save the export.")
            return False
        fmt = self.format.currentData()
        if self.which.currentData() == EACH_TAG:
            return self._export_sets(fmt, target)
        suffix = SUFFIXES[fmt]
        if suffix and not target.lower().endswith(suffix):
            target += suffix
        try:
            entries = self.entries()
            path = self._write(entries, fmt, target)
        except ExportCancelled as cancelled:  # the dialog stays, to choose again
            self.count_label.setText(f"{str(cancelled)[:1].upper()}{str(cancelled)[1:]}.")
            return False
        except ExportError as error:
            plain_text.warn(self, "Export failed", str(error))
            return False
        if path is None:
            return False
        remember_exports(self.store, fmt, [path])  # (its links follow the loops' moves)
        self.result_message = (
            f"Exported {quantity(len(entries), 'loop')} to {path}{self._at_text()}"
            f"{left_out_text(entries)}"
        )
        self.written = str(path)
        self.accept()
        return True

    def _export_sets(self, fmt: str, folder: str) -> bool:
        """Every tag's set into `folder`; earlier exports of them are replaced after asking,
        and a set that cannot be written is named (the others are written)."""
        try:
            tags = list(self.store.tag_counts())
            sets = tag_sets(self.store, tags)
            with copying(self, fmt) as progress:
                result = export_tag_sets(
                    sets, fmt, folder, library_tags=tags, progress=progress, project=self._at()
                )
            if (
                result.earlier
                and not result.cancelled
                and plain_text.confirm(
                    self, "Replace the earlier exports?", _replace_question(result)
                )
            ):
                with copying(self, fmt) as progress:
                    again = export_tag_sets(
                        {tag: sets[tag] for tag, _ in result.earlier},
                        fmt,
                        folder,
                        overwrite=True,
                        library_tags=tags,
                        progress=progress,
                        project=self._at(),
                    )
                result.written += again.written
                result.failed += again.failed
                result.cancelled = again.cancelled
        except ExportError as error:
            plain_text.warn(self, "Export failed", str(error))
            return False
        remember_exports(self.store, fmt, [path for _, path, _ in result.written])
        if result.failed:
            plain_text.warn(
                self,
                "Some sets were not exported",
                "\n".join(f"{tag}: {why}" for tag, why in result.failed),
            )
        if result.cancelled:  # the dialog stays, saying what was written before the cancel
            self.count_label.setText(
                f"The export was cancelled: {quantity(len(result.written), 'set')} written"
                f" whole ({quantity(result.loops, 'loop')}), the rest not."
            )
            return False
        if not result.written:
            return False
        self.result_message = (
            f"Exported {quantity(len(result.written), 'set')} ({quantity(result.loops, 'loop')})"
            f" to {result.folder}{self._at_text()}"
        )
        if result.removed:
            gone = ", ".join(tag for tag, _ in result.removed)
            self.result_message += f"; the sets of tags no longer used went to the trash ({gone})"
        self.written = str(result.folder)
        self.accept()
        return True
