"""The window fits a small screen and half of a large one: its first size, its least width,
the parts of the keys' reminder and of the counts that give way."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize

from anomalizer_desktop.ui.main_window import first_size
from anomalizer_desktop.ui.widgets.fitted_parts import SEPARATOR, FittedParts

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
