"""CLAP models: which checkpoints are installed, and download, import or remove one.

The clap embedder needs a laion-clap checkpoint (about 2.3 GB). Nothing downloads unless the
user presses Download here (or runs `anomalizer models download`). A download or an import runs
as a background job: its progress, ETA and Cancel are in the main window's status bar, and the
row here shows how far it got. A cancelled download keeps what came and resumes next time.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from anomalizer_desktop.core.embedding.clap.store import (
    KNOWN,
    installed,
    models_dir,
    partial_size,
    remove_model,
)
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.theme import colour

#: starts a job the way the window does: (kind, title, factory, on_done) -> handle or None
StartJob = Callable[..., object]

COLUMNS = ("Checkpoint", "Kind", "Size", "State", "Use")


def _size_mb(path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB"


class ModelsDialog(QDialog):
    def __init__(self, start_job: StartJob, on_changed: Callable[[], None], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("CLAP models")
        self.resize(860, 320)
        self._start_job, self._on_changed = start_job, on_changed
        self._busy: dict[str, str] = {}  # name -> what its running job says
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.download_button = QPushButton("Download")
        self.import_button = QPushButton("Import file…")
        self.remove_button = QPushButton("Remove")
        self.folder_button = QPushButton("Open folder")
        close = QPushButton("Close")
        self.message = plain_text.plain_label(
            "A download needs the network and takes about 2.3 GB; its progress and Cancel are "
            "in the status bar, and a cancelled download resumes. The dsp embedder needs no model."
        )
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {colour('muted')}")
        buttons = QHBoxLayout()
        for button in (self.download_button, self.import_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.download_button.clicked.connect(self.download_selected)
        self.import_button.clicked.connect(self.choose_import)
        self.remove_button.clicked.connect(self.remove_selected)
        self.folder_button.clicked.connect(self.open_folder)
        close.clicked.connect(self.close)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    # ------------------------------------------------------------------ rows
    def names(self) -> list[str]:
        """The rows: every known checkpoint, then installed files of other names."""
        return list(KNOWN) + sorted({p.name for p in installed()} - set(KNOWN))

    def state_of(self, name: str) -> str:
        if name in self._busy:
            return self._busy[name]
        if (models_dir() / name).exists():
            return "installed"
        partial = partial_size(name)
        return f"partly downloaded ({partial / 1e6:,.0f} MB)" if partial else "not installed"

    def refresh(self) -> None:
        chosen = self.selected_name()
        self.folder_label.setText(f"Checkpoints for the clap embedder live in {models_dir()}")
        names = self.names()
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            known = KNOWN.get(name)
            path = models_dir() / name
            size = _size_mb(path) if path.exists() else f"~{known.approx_mb:,} MB" if known else ""
            use = known.note if known else "imported"
            for column, text in enumerate(
                (name, known.family if known else "", size, self.state_of(name), use)
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if chosen in names:
            self.table.selectRow(names.index(chosen))
        elif names:
            self.table.selectRow(0)
        self._update_buttons()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.rowCount() else []
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def select(self, name: str) -> None:
        self.table.selectRow(self.names().index(name))

    def _update_buttons(self) -> None:
        name = self.selected_name()
        present = name is not None and (models_dir() / name).exists()
        idle = not self._busy
        self.download_button.setEnabled(idle and name in KNOWN and not present)
        self.remove_button.setEnabled(idle and present)
        self.import_button.setEnabled(idle)

    # ------------------------------------------------------------------ actions
    def download_selected(self) -> bool:
        """Start downloading the selected known checkpoint (the user asked: this is the one
        place besides `anomalizer models download` that reaches for the network)."""
        name = self.selected_name()
        if name not in KNOWN or (models_dir() / name).exists():
            return False
        return self._start(
            name, "download", f"Downloading {name}", lambda _s, cancel: _download(name, cancel)
        )

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a CLAP checkpoint", "", "laion-clap checkpoints (*.pt);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> bool:
        """Check and copy a checkpoint file into the models folder, in the background."""
        name = os.path.basename(path)
        return self._start(
            name, "import", f"Importing {name}", lambda _s, cancel: _import(path, cancel)
        )

    def _start(self, name: str, kind: str, title: str, factory) -> bool:
        handle = self._start_job(kind, title, factory, lambda _result: self._job_ended(name))
        if not handle:
            return False
        self._busy[name] = "checking…" if kind == "import" else "starting…"
        handle.progress.connect(
            lambda done, total, _msg: self._show_progress(name, kind, done, total)
        )
        handle.failed.connect(lambda _message: self._job_ended(name))
        self.refresh()
        return True

    def _show_progress(self, name: str, kind: str, done: int, total: int) -> None:
        if name not in self._busy:
            return
        verb = "downloading" if kind == "download" else "importing"
        self._busy[name] = f"{verb} {100 * done // total}%" if total else f"{verb}…"
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                self.table.item(row, 3).setText(self._busy[name])

    def _job_ended(self, name: str) -> None:
        self._busy.pop(name, None)
        if (models_dir() / name).exists():
            self.message.setText(
                f"{name} is installed: press Embed to describe your loops with it."
            )
        self.refresh()
        self._on_changed()

    def remove_selected(self) -> bool:
        name = self.selected_name()
        if name is None or not (models_dir() / name).exists():
            return False
        if not plain_text.confirm(
            self,
            "Remove checkpoint",
            f"Delete {name} from {models_dir()}? Loops embedded with it keep their vectors; "
            "embedding more needs it again.",
        ):
            return False
        remove_model(name)
        self.refresh()
        self._on_changed()
        return True

    def open_folder(self) -> None:
        folder = models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


# The download and import jobs check checkpoints with torch, whose import takes 1.5-2 s: they
# are imported in the job's own thread (a job factory runs there), never in the window's.


def _download(name: str, cancel):
    from anomalizer_desktop.core.embedding.clap.download import download_job

    return download_job(name, cancel)


def _import(path: str, cancel):
    from anomalizer_desktop.core.embedding.clap.download import import_job

    return import_job(path, cancel)
