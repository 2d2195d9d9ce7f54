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
