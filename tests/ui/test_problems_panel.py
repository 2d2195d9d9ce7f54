"""The Problems list: a long path keeps the file name it is about in view."""

from __future__ import annotations

from qt_cells import shown_in_cell

from anomalizer_desktop.ui.widgets.problems_panel import ProblemsPanel


def test_a_long_path_keeps_its_file_name_in_view(qtbot):
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    deep = "/home/me/Samples/Vengeance Essential House Vol. 3/Drum Loops/Tops/VEH3 Top 128 07.wav"
    panel.set_problems([(deep, "cannot read: not an audio file"), ("/a/b.wav", "empty file")])
    shown = shown_in_cell(panel.table, 0, 0, 300)
    assert "…" in shown and shown.endswith("07.wav") and shown.startswith("/home/me")
    assert shown_in_cell(panel.table, 1, 0, 300) == "/a/b.wav"  # short enough: whole
    assert shown_in_cell(panel.table, 0, 1, 60).endswith("…")  # the problem itself, as before


def test_the_file_column_widens_with_the_panel_until_its_edge_is_dragged(qtbot):
    """Docked below the window, the File column kept its 320 px ("/tmp/guitar_str…1 99 117
    144/garbage 100.wav") beside a Problem column of 1,100 px, mostly empty."""
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    panel.set_problems([("/a/b.wav", "empty file")])
    panel.resize(1500, 300)
    panel.show()
    qtbot.waitExposed(panel)
    wide = panel.table.columnWidth(0)
    assert wide >= 0.5 * panel.table.viewport().width() > 320
    panel.resize(500, 300)
    qtbot.waitUntil(lambda: panel.table.columnWidth(0) == 320)  # not below 320
    panel.table.horizontalHeader().resizeSection(0, 420)  # the producer drags its edge
    panel.resize(1400, 300)
    qtbot.wait(50)
    assert panel.table.columnWidth(0) == 420
