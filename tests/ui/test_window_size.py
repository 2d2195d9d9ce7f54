"""The window fits a small screen and half of a large one: its first size, its least width,
the parts of the keys' reminder and of the counts that give way."""

from __future__ import annotations

import os

from PySide6.QtCore import QPoint, QSize, Qt
from qt_cells import shown_in_cell
from qt_windows import window_on_store

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.main_window import first_size
from anomalizer_desktop.ui.widgets.fitted_parts import SEPARATOR, FittedParts
from anomalizer_desktop.ui.window_build import CHOICES_LEAST_WIDTH, FILTER_TEXT_WIDTH

LAPTOP = QSize(1366, 768)
#: half of a 1920 x 1080 screen, less a window manager's borders: the app beside a DAW
HALF_SCREEN = QSize(940, 700)


def test_the_first_size_fits_the_screen_it_opens_on():
    assert first_size(QSize(1920, 1080)) == QSize(1500, 900)
    assert first_size(LAPTOP) == QSize(1297, 729)


def test_the_window_can_be_as_narrow_as_half_a_screen(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    assert window.minimumSizeHint().width() <= HALF_SCREEN.width()
    assert window.minimumSizeHint().height() <= HALF_SCREEN.height()
    window.resize(HALF_SCREEN)
    qtbot.waitUntil(lambda: window.width() == HALF_SCREEN.width())
    # the reminder of the keys gave way first, to the key that leads to the rest, and the
    # transport's boxes wrapped onto a second line: all of them still in view
    qtbot.waitUntil(lambda: window.keys_hint.text() == "F1 all keys")
    boxes = [window.play_button, window.loop_box, window.match_levels_box, window.volume]
    assert all(box.isVisible() for box in boxes)
    qtbot.waitUntil(lambda: _middle(window.volume) > _middle(window.play_button) + 15)
    # the counts keep the number of loops and say the rest on hover
    counts = window.counts_label
    assert counts.text().startswith(counts.parts[0])
    if counts.text() != counts.full_text():
        assert counts.toolTip() == counts.full_text()
    # and so it can while sorted by likeness to a long-named loop, in a folder, with scores
    # out of date (the two pills and the banner held it 1,104 px wide)
    window.likeness_button.set_full_text("Like Deep Rolling Techno Bassline 128 BPM.wav  ✕")
    window.folder_button.set_full_text("In Vengeance Essential House Vol. 3  ✕")
    window.stale_banner.label.setText("Scores are out of date: " + "12 loops were added. " * 6)
    for shown in (window.likeness_button, window.folder_button, window.stale_banner):
        shown.show()
    assert window.minimumSizeHint().width() <= HALF_SCREEN.width()
    # with room to type a filter in (it had 28 px: the boxes beside it took the rest)
    qtbot.waitUntil(lambda: window.filter_text.width() >= FILTER_TEXT_WIDTH)
    assert window.filter_flag.width() >= CHOICES_LEAST_WIDTH
    window.resize(first_size(LAPTOP))
    # on a laptop screen the boxes are on one line again
    qtbot.waitUntil(lambda: abs(_middle(window.volume) - _middle(window.play_button)) <= 1)
    assert window.keys_hint.text().endswith("F1 all keys")


def test_key_hints_drop_from_the_end_and_keep_the_last(qtbot):
    hints = FittedParts(["Space play", "L loop", "T typical", "F1 all keys"], keep_last=True)
    qtbot.addWidget(hints)
    metrics = hints.fontMetrics()
    full = SEPARATOR.join(hints.parts)
    assert hints.fitted(metrics.horizontalAdvance(full)) == full
    two = "Space play · L loop · F1 all keys"
    assert hints.fitted(metrics.horizontalAdvance(two) + 1) == two
    assert hints.fitted(10) == "F1 all keys"
    assert hints.minimumSizeHint().width() < metrics.horizontalAdvance(full) / 3
    hints.show()
    hints.resize(metrics.horizontalAdvance(two) + 4, 20)
    qtbot.waitUntil(lambda: hints.text() == two)
    assert hints.toolTip() == full  # what was left out is said on hover


def test_counts_drop_from_the_end_and_keep_the_first(qtbot):
    counts = FittedParts(["501 loops", "501 embedded", "0 errors"])
    qtbot.addWidget(counts)
    metrics = counts.fontMetrics()
    assert counts.fitted(10) == "501 loops"
    two = "501 loops · 501 embedded"
    assert counts.fitted(metrics.horizontalAdvance(two) + 1) == two
    counts.show()
    counts.resize(metrics.horizontalAdvance(two) + 4, 20)
    qtbot.waitUntil(lambda: counts.text() == two)
    assert counts.toolTip() == "501 loops · 501 embedded · 0 errors"
    counts.set_parts(["502 loops", "502 embedded", "0 errors"])  # new counts, the same room
    assert counts.text() == "502 loops · 502 embedded"
    counts.resize(metrics.horizontalAdvance(counts.full_text()) + 4, 20)
    qtbot.waitUntil(lambda: counts.text() == counts.full_text())
    assert counts.toolTip() == ""


def _middle(widget) -> int:
    """The height of the widget's middle in its window: the boxes of one line of the
    transport row share it (each is centred in its line)."""
    return widget.mapTo(widget.window(), QPoint(0, widget.height() // 2)).y()


def test_a_pill_shortens_its_text_to_fit_and_keeps_its_clear_mark(qtbot):
    from anomalizer_desktop.ui.widgets.pill import CLEAR, Pill

    pill = Pill()
    qtbot.addWidget(pill)
    full = f"Like Deep Rolling Techno Bassline 128 BPM A minor final.wav{CLEAR}"
    pill.set_full_text(full)
    pill.show()
    assert pill.minimumSizeHint().width() < pill.sizeHint().width() / 3  # it may give way
    pill.resize(pill.sizeHint())
    qtbot.waitUntil(lambda: pill.text() == full)
    assert pill.full_text() == full
    pill.resize(pill.sizeHint().width() // 2, pill.height())  # a long name: start and end
    qtbot.waitUntil(lambda: pill.text() != full)
    assert pill.text().startswith("Like Deep") and pill.text().endswith(f"final.wav{CLEAR}")
    assert "…" in pill.text()
    pill.resize(pill.minimumSizeHint())  # in little room, what the pill is: "Like …"
    qtbot.waitUntil(lambda: pill.text().endswith(f"…{CLEAR}"))
    assert pill.text().startswith("Like")
    pill.hide()
    pill.set_full_text(f"In Pack A{CLEAR}")  # new text while hidden, shown at the same size
    pill.show()
    qtbot.waitUntil(lambda: pill.fontMetrics().horizontalAdvance(pill.text()) < pill.width())


def test_in_a_narrow_table_the_name_column_gives_way_to_the_scores(qtbot, window, settings):
    """At half a screen the 250-pixel Name pushed Unusual % and Score out of the table's view."""
    from anomalizer_desktop.ui.library_model import COLUMN_INDEX
    from anomalizer_desktop.ui.table_layout import LEAST_NAME_WIDTH, NAMED_LAYOUT_KEY

    header = window.table.horizontalHeader()
    name, percentile, score = (COLUMN_INDEX[k] for k in ("name", "percentile", "score"))
    window.show()
    qtbot.waitExposed(window)
    window.resize(first_size(LAPTOP))
    header.resizeSection(name, 280)  # the producer's own width
    viewport = window.table.viewport()
    splitter = window.table_layout.splitter
    splitter.setSizes([300, 800])  # a narrow table
    qtbot.waitUntil(lambda: header.sectionSize(name) < 280)
    room = viewport.width() - header.sectionSize(percentile) - header.sectionSize(score)
    assert header.sectionSize(name) == max(LEAST_NAME_WIDTH, room)
    assert window.table_layout.name_width == 280
    window.table_layout.save()  # closed while narrow: the producer's width is what is kept
    assert '"name": 280' in settings.q.value(NAMED_LAYOUT_KEY)
    splitter.setSizes([900, 200])  # room again: Name takes its width back
    qtbot.waitUntil(lambda: header.sectionSize(name) == 280)


def test_names_too_long_for_their_column_keep_the_end_that_tells_them_apart(window):
    """A pack's loops differ at the end of their names: shortened at the end, three rows of
    the shared library read "lmms__latin__lat…" (tests/ui/test_middle_elided.py: how)."""
    from anomalizer_desktop.ui.library_model import COLUMN_INDEX
    from anomalizer_desktop.ui.widgets.middle_elided import MiddleElided

    table, model = window.table, window.model
    name, folder = COLUMN_INDEX["name"], COLUMN_INDEX["folder"]
    assert isinstance(table.itemDelegateForColumn(name), MiddleElided)
    assert table.itemDelegateForColumn(name).names
    assert not table.itemDelegateForColumn(folder).names  # a path: more of its end
    assert not table.wordWrap()  # a line a row (wrapped: "Demo Ri…- 128 ...")
    row = next(r for r in range(model.rowCount()) if model.path(r).endswith("tone_a.wav"))
    assert shown_in_cell(table, row, name, 400) == "tone_a.wav"
    assert shown_in_cell(table, row, name, 50) == "tone_a"  # the extension goes first
    pack = os.path.basename(os.path.dirname(model.path(row)))
    assert shown_in_cell(table, row, folder, 90).endswith(pack)  # its last folder, in view


def test_side_panels_take_back_what_a_narrowing_window_squeezed(qtbot, window):
    """Half a screen squeezed Folders to 100 px; maximised again, it stayed so."""
    from anomalizer_desktop.ui.window_folders import PANEL_WIDTH

    folders, why = _wide_with_panels_at_both_sides(qtbot, window)
    window.resizeDocks([folders], [PANEL_WIDTH], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: folders.width() == PANEL_WIDTH)
    window.dock_widths.wanted[folders.objectName()] = PANEL_WIDTH  # (as if dragged so)
    wide_why = why.width()
    window.resize(HALF_SCREEN.width() - 100, 700)
    qtbot.waitUntil(lambda: folders.width() < PANEL_WIDTH - 40)  # squeezed by Qt
    _resize_step_by_step(qtbot, window, range(900, 1601, 100))
    qtbot.waitUntil(lambda: folders.width() == PANEL_WIDTH)
    assert why.width() >= min(wide_why, window.dock_widths.wanted[why.objectName()])
    assert window.table.width() > 300  # (the rest went to the table and the map)


def test_the_folders_panel_widens_to_show_the_names_of_a_librarys_first_folders(
    qtbot, settings, tmp_path
):
    """On a first start at 1,500 px the 240 px panel showed "guitar_strums" as "guit…trums"
    beside 100 px of counts. It now widens to the names (up to FIT_SHARE of the window), as
    folders come in, until the producer drags its edge."""
    import audiogen

    from anomalizer_desktop.ui.window_folders import FIT_SHARE, PANEL_WIDTH

    packs, longer = tmp_path / "packs", tmp_path / ("Vengeance Essential House Vol 3 " * 3)
    for folder in (packs / "guitar_strums", packs / "Deep House Grooves Vol 12", longer):
        for hz in (220, 330, 440):  # enough loops to train on
            audiogen.write(folder / f"{hz}.wav", audiogen.tone(hz, 1.0))
    window = window_on_store(qtbot, settings, Store(tmp_path / "lib.sqlite"))  # no loops
    folders, _ = _wide_with_panels_at_both_sides(qtbot, window)
    window.resizeDocks([folders], [PANEL_WIDTH], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: folders.width() == PANEL_WIDTH)
    panel = window.folder_panel
    window.add_folders([str(packs)], remember=False)
    qtbot.waitUntil(lambda: panel.tree is not None and len(panel.tree) == 3, timeout=30_000)
    qtbot.waitUntil(lambda: panel.names_room() == 0)  # every name in full
    assert PANEL_WIDTH < folders.width() < window.width() * FIT_SHARE
    assert window.dock_widths.wanted[folders.objectName()] == folders.width()  # kept
    # a folder whose name is longer than the panel may grow: up to its share of the window
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    window.add_folders([str(longer)], remember=False)
    qtbot.waitUntil(lambda: len(panel.tree) == 4, timeout=30_000)
    qtbot.waitUntil(lambda: folders.width() == int(window.width() * FIT_SHARE))
    assert panel.names_room() > 0  # its middle gives way, as before
    # once the producer has set the panel's width, new folders leave it as it is
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    window.resizeDocks([folders], [PANEL_WIDTH], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: folders.width() == PANEL_WIDTH)
    window.dock_widths.dragged.add(folders.objectName())  # (as if dragged so)
    window.reload()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    qtbot.wait(100)
    assert folders.width() == PANEL_WIDTH


def test_the_widths_given_to_the_side_panels_are_kept_for_the_next_window(
    qtbot, window, settings, scored_library
):
    """Closed at half a screen, the window opened again with Folders squeezed; the width the
    producer gave it was lost with the first window (the squeezed one was the first it
    showed), so maximising left it 100 px wide."""
    from anomalizer_desktop.ui.dock_widths import DockWidths

    folders, why = window.folders_dock.objectName(), window.explain_dock.objectName()
    window.dock_widths.wanted.update({folders: 250, why: 320})
    window.close()
    assert settings.get("panel_widths") == f"{why}=320 {folders}=250"
    path, _ = scored_library
    store = Store(path)
    again = window_on_store(qtbot, settings, store)
    try:
        assert again.dock_widths.wanted == {folders: 250, why: 320}
    finally:
        qtbot.waitUntil(lambda: not again.runner.any_running(), timeout=20_000)
        again.runner.cancel_all()
        store.close()
    # what is not a width of one of its panels is passed over
    fresh = DockWidths(again, [again.folders_dock, again.explain_dock])
    fresh.restore(f"{folders}=abc {why}=-5 other=300 junk {folders}=0 {why}=310")
    assert fresh.wanted == {why: 310}


def test_a_narrowing_window_squeezes_both_side_panels_alike(qtbot, window):
    """Half a screen left Folders 75 px wide (its names gone) and Why unusual? 300 px: what
    the panels keep is shared in proportion to the widths they were given."""
    from anomalizer_desktop.ui.window_folders import PANEL_WIDTH

    folders, why = _wide_with_panels_at_both_sides(qtbot, window)
    window.resizeDocks([folders, why], [PANEL_WIDTH, 320], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: (folders.width(), why.width()) == (PANEL_WIDTH, 320))
    window.dock_widths.wanted.update({folders.objectName(): PANEL_WIDTH, why.objectName(): 320})
    _resize_step_by_step(qtbot, window, [*range(1500, 900, -100), HALF_SCREEN.width() - 100])
    qtbot.waitUntil(lambda: folders.width() + why.width() < PANEL_WIDTH + 320 - 40)  # squeezed
    share = PANEL_WIDTH / (PANEL_WIDTH + 320)
    qtbot.waitUntil(lambda: abs(folders.width() / (folders.width() + why.width()) - share) < 0.03)
    assert folders.width() >= 150  # room for its names
    # widened a little, both take some back (Folders, first in the list, had taken it all)
    squeezed = folders.width(), why.width()
    _resize_step_by_step(qtbot, window, [HALF_SCREEN.width() - 60])
    qtbot.waitUntil(lambda: folders.width() > squeezed[0] and why.width() > squeezed[1])


def test_a_narrow_choice_box_shortens_its_text_with_an_ellipsis(qtbot):
    """At 64 px the filter row's boxes read "All flag", "All file": cut, as if those were
    their choices."""
    from anomalizer_desktop.ui.widgets.eliding_combo import ElidingComboBox

    box = ElidingComboBox()
    box.addItems(["All flags", "Unflagged"])
    qtbot.addWidget(box)
    box.resize(300, box.sizeHint().height())
    box.show()
    qtbot.waitExposed(box)
    assert box.shown_text() == "All flags"
    box.setMinimumWidth(0)
    box.resize(CHOICES_LEAST_WIDTH, box.height())
    qtbot.waitUntil(lambda: box.width() == CHOICES_LEAST_WIDTH)
    shown = box.shown_text()
    assert shown.endswith("…") and "All flags".startswith(shown[:-1]) and len(shown) > 2


def test_a_status_message_takes_the_counts_room_while_it_shows(qtbot, window):
    """At half a screen the counts kept all their parts and what U had just done was cut off
    mid-sentence; the message goes after seconds, the counts stay."""
    window.show()
    qtbot.waitExposed(window)
    window.resize(HALF_SCREEN)
    qtbot.waitUntil(lambda: window.width() == HALF_SCREEN.width())
    counts, bar = window.counts_label, window.statusBar()
    bar.clearMessage()  # (the player's: no sound device here)
    qtbot.waitUntil(lambda: counts.text() == counts.full_text())  # room for every count
    message = (
        "Flagged 12 loops unusual (and 3 copies of them). Retrain with flags to use them."
        " Ctrl+Z undoes it."
    )
    bar.showMessage(message, 5000)
    qtbot.waitUntil(lambda: counts.text() != counts.full_text())
    assert counts.text().startswith(counts.parts[0]) and counts.toolTip() == counts.full_text()
    beside = [w for w in (window.job_status, window.problems_button, counts) if w.isVisible()]
    qtbot.waitUntil(
        lambda: min(w.x() for w in beside) >= bar.fontMetrics().horizontalAdvance(message)
    )
    # a job's progress goes as its message comes ("Trained on 44 loops in 3.5 s: ..."): the
    # counts take the room it leaves
    window.job_status.show()
    bar.showMessage("Trained on 17 loops in 0.4 s: 2 above the unusual cut.", 5000)
    beside_message = counts.text()
    window.job_status.hide()
    qtbot.waitUntil(lambda: len(counts.text()) > len(beside_message))
    bar.clearMessage()
    qtbot.waitUntil(lambda: counts.text() == counts.full_text())


def _wide_with_panels_at_both_sides(qtbot, window):
    """The window 1600 px wide, Folders on the left as a wide window first shows it (the
    fixture's small screen tabbed it behind Why unusual?), Why unusual? on the right."""
    window.show()
    qtbot.waitExposed(window)
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.width() == 1600)
    folders, why = window.folders_dock, window.explain_dock
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, folders)
    folders.show()
    qtbot.waitUntil(lambda: not window.tabifiedDockWidgets(folders))
    return folders, why


def _resize_step_by_step(qtbot, window, widths) -> None:
    """As a drag resizes the window: a step at a time."""
    for width in widths:
        window.resize(width, 900)
        qtbot.waitUntil(lambda w=width: window.width() == w)
        qtbot.wait(20)


def test_a_narrowing_toolbar_shortens_before_its_last_actions_go_behind_its_button(qtbot, window):
    """At half a laptop's screen Retrain with flags and Export, reached for every day, went
    behind the toolbar's » while the embedder and detector choices, set once, kept their room."""
    from PySide6.QtWidgets import QLabel, QToolBar

    bar = window.findChild(QToolBar, "main-toolbar")
    names = [label for label in bar.findChildren(QLabel) if label.text().strip()]
    assert sorted(label.text().strip() for label in names) == ["Detector", "Embedder"]
    retrain = bar.widgetForAction(window.act_retrain)
    export = bar.widgetForAction(window.act_export)
    window.show()
    qtbot.waitExposed(window)
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: all(n.isVisible() for n in names))
    assert retrain.text() == "Retrain with flags"
    whole = bar.sizeHint().width()
    window.resize(whole - 20, 800)  # the whole toolbar no longer fits: the first step does
    qtbot.waitUntil(lambda: retrain.text() == "Retrain" and export.isVisible())
    assert all(n.isVisible() for n in names)
    window.resize(window.minimumSizeHint().width(), 800)  # the least width: the boxes' names go
    qtbot.waitUntil(lambda: not any(n.isVisible() for n in names) and export.isVisible())
    assert retrain.isVisible() and retrain.text() == "Retrain"
    assert window.act_retrain.text() == "Retrain with flags"  # the menu keeps its whole name
    window.detector_box.setCurrentText("svdd")  # two more boxes: then » it must be
    qtbot.waitUntil(lambda: not export.isVisible())
    window.detector_box.setCurrentText("default")
    qtbot.waitUntil(export.isVisible)
    window.resize(1400, 800)  # widened: all given back
    qtbot.waitUntil(lambda: all(n.isVisible() for n in names) and export.isVisible())
    assert retrain.text() == "Retrain with flags"
