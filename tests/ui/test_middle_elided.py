"""File names and paths too long for their column keep the parts that tell them apart."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView
from qt_cells import shown_in_cell

from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided, shortened

NAMES = [
    "Demo Riser - 128 BPM.wav",
    "lmms__latin__latin_guitar01.ogg",
    "lmms__latin__latin_guitar02.ogg",
    "lmms__latin__latin_guitar03.ogg",
    "Kick.wav",
    "Vengeance Essential House Vol. 3",
    "cannot decode Kick.wav: bad header",
]
PATH = "/Users/me/Samples/Vengeance Essential House Vol. 3/Kicks"


@pytest.fixture
def view(qtbot):
    model = QStandardItemModel()
    for name in NAMES:
        model.appendRow([QStandardItem(name), QStandardItem(PATH)])
    table = QTableView()
    table.setModel(model)
    table.setItemDelegateForColumn(0, MiddleElided(table))
    table.setItemDelegateForColumn(1, MiddleElided(table, names=False))
    qtbot.addWidget(table)
    return table


def test_a_name_drops_its_extension_then_its_middle_keeping_more_of_its_start(view):
    riser = shown_in_cell(view, 0, 0, 130)
    # (exactly in the middle, 120 px showed "Demo R…PM.wav": neither what nor how fast)
    assert riser.startswith("Demo Ris") and riser.endswith("BPM") and "…" in riser
    pack = [shown_in_cell(view, row, 0, 130) for row in (1, 2, 3)]
    assert [name[-2:] for name in pack] == ["01", "02", "03"]  # apart (were all "lmms__lat…")
    assert all(name.startswith("lmms__") and "…" in name for name in pack)
    assert shown_in_cell(view, 4, 0, 130) == "Kick.wav"  # fits: whole, with its extension
    assert shown_in_cell(view, 0, 0, 400) == NAMES[0]
    assert shown_in_cell(view, 5, 0, 130).endswith("Vol. 3")  # a dot, not an extension
    assert shown_in_cell(view, 6, 0, 130).endswith("header")  # a message naming a file


def test_a_path_keeps_more_of_its_end_where_the_pack_is(view):
    shown = shown_in_cell(view, 0, 1, 200)
    assert shown.endswith("Vol. 3/Kicks") and shown.startswith("/Us") and "…" in shown


def test_what_is_shortened_fits_its_room(qtbot):
    metrics = QFontMetrics(QApplication.font())
    for room in (0, 5, 30, 60, 90, 150, 1000):
        for text in (*NAMES, PATH, "x"):
            short = shortened(text, metrics, room, 0.6)
            assert short == text or (metrics.horizontalAdvance(short) <= room or short == "…"), (
                text,
                room,
                short,
            )
            assert short == text or short.count("…") == 1


def test_a_column_fitted_to_its_contents_fits_its_longest_name_whole(view):
    """A double-click on a header's edge: the view asks the width with the column's own."""
    view.setColumnWidth(0, 60)
    longest = max(view.fontMetrics().horizontalAdvance(name) for name in NAMES)
    assert view.sizeHintForColumn(0) >= longest
    view.resizeColumnToContents(0)
    assert all(
        shown_in_cell(view, row, 0, view.columnWidth(0)) == NAMES[row] for row in range(len(NAMES))
    )
