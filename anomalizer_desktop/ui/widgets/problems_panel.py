"""The non-modal list of per-file problems (unreadable files, failed embeddings): filter, copy."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.ui.plain_text import tip
from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided

#: the File column's narrowest width, and its share of a wider panel
FILE_COLUMN_MIN, FILE_COLUMN_SHARE = 320, 0.55


class ProblemsPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit(placeholderText="Filter problems…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the visible problems as tab-separated text")
        self.copy_button.clicked.connect(self.copy_visible)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["File", "Problem"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, FILE_COLUMN_MIN)
        #: the File column follows the panel's width until the producer drags its edge (docked
        #: below the window, its 320 px showed "/tmp/…/garbage 100.wav" beside 1,100 px of
        #: mostly empty Problem column)
        self._file_column_auto = True
        self._sizing_file_column = False
        self.table.horizontalHeader().sectionResized.connect(self._file_column_resized)
        self._viewport = self.table.viewport()  # (compared, not asked: it may be going)
        self._viewport.installEventFilter(self)
        # one line a problem, a long path keeping its file name in view ("/home/me/Sampl…/Kick
        # 01.wav"; wrapped, a row's two lines ended "Loops/Tops/…" once the column narrowed)
        self.table.setWordWrap(False)
        self.paths_delegate = MiddleElided(self.table, names=False)
        self.table.setItemDelegateForColumn(0, self.paths_delegate)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._problems: list[tuple[str, str]] = []

    def eventFilter(self, watched, event) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self._fit_file_column()
        return super().eventFilter(watched, event)

    def _fit_file_column(self) -> None:
        if not self._file_column_auto:
            return
        width = max(FILE_COLUMN_MIN, int(self._viewport.width() * FILE_COLUMN_SHARE))
        self._sizing_file_column = True
        try:
            self.table.setColumnWidth(0, width)
        finally:
            self._sizing_file_column = False

    def _file_column_resized(self, index: int, _old: int, _new: int) -> None:
        if index == 0 and not self._sizing_file_column:  # dragged: the producer's width stays
            self._file_column_auto = False

    def set_problems(self, problems: list[tuple[str, str]]) -> None:
        self._problems = list(dict.fromkeys(problems))
        self.table.setRowCount(len(self._problems))
        for row, (path, message) in enumerate(self._problems):
            for column, text in enumerate((path, message)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(text))
                self.table.setItem(row, column, item)
        self._apply_filter(self.filter.text())

    def add_problems(self, problems: list[tuple[str, str]]) -> None:
        self.set_problems(self._problems + list(problems))

    def count(self) -> int:
        return len(self._problems)

    def visible_problems(self) -> list[tuple[str, str]]:
        return [p for row, p in enumerate(self._problems) if not self.table.isRowHidden(row)]

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold()
        for row, (path, message) in enumerate(self._problems):
            self.table.setRowHidden(
                row, bool(needle) and needle not in f"{path} {message}".casefold()
            )

    def copy_visible(self) -> str:
        text = "\n".join(f"{p}\t{m}" for p, m in self.visible_problems())
        QGuiApplication.clipboard().setText(text)
        return text

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_C and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.copy_visible()
            return
        super().keyPressEvent(event)
