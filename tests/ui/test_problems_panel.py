"""The Problems list: a long path keeps the file name it is about in view."""

from __future__ import annotations

from PySide6.QtWidgets import QStyleOptionViewItem

from anomalizer_desktop.ui.widgets.problems_panel import ProblemsPanel


def _shown(table, row: int, column: int, width: int) -> str:
    """The cell's text as the table draws it in `width` pixels."""
    index = table.model().index(row, column)
    option = QStyleOptionViewItem()
    option.textElideMode = table.textElideMode()  # the table's own mode, as it paints
    table.itemDelegateForIndex(index).initStyleOption(option, index)
    return option.fontMetrics.elidedText(option.text, option.textElideMode, width)


def test_a_long_path_keeps_its_file_name_in_view(qtbot):
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    deep = "/home/me/Samples/Vengeance Essential House Vol. 3/Drum Loops/Tops/VEH3 Top 128 07.wav"
    panel.set_problems([(deep, "cannot read: not an audio file"), ("/a/b.wav", "empty file")])
    shown = _shown(panel.table, 0, 0, 300)
    assert "…" in shown and shown.endswith("07.wav") and shown.startswith("/home/me")
    assert _shown(panel.table, 1, 0, 300) == "/a/b.wav"  # short enough: whole
    assert _shown(panel.table, 0, 1, 60).endswith("…")  # the problem itself, as before
