"""Names, paths, notes and errors are shown as written: Qt takes text whose first line holds
something like <b> or <h1> for HTML (a loop named "<h1>huge.wav" showed as a heading)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from qt_text import as_shown

from anomalizer_desktop.core.library.store import SampleRecord
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.library_data import LibraryData
from anomalizer_desktop.ui.library_model import LibraryTableModel
from anomalizer_desktop.ui.widgets.job_status import JobStatus
from anomalizer_desktop.ui.widgets.problems_panel import ProblemsPanel

NASTY = [
    "/loops/<h1>huge.wav",
    '/loops/<b>kick & "snare".wav\nNote: <i>too  loud</i>',
    "/loops/a &lt;b&gt; c.wav",
]


@pytest.mark.parametrize("text", NASTY)
def test_a_tip_shows_the_text_as_written(qapp, text):
    assert GuiQt.mightBeRichText(text.split("\n")[0]) or "&lt;" in text  # the hazard is real
    assert as_shown(plain_text.tip(text)) == text


def test_an_empty_tip_stays_empty():
    assert plain_text.tip("") == ""


def test_the_tables_tooltip_shows_a_name_and_note_as_written(qapp):
    model = LibraryTableModel()
    record = SampleRecord(
        id=1,
        path="/loops/<h1>huge.wav",
        status="ok",
        error=None,
        duration=2.0,
        sample_rate=44100,
        channels=2,
        embedders=("dsp",),
        score=1.0,
        percentile=50.0,
        flag=None,
        note="<b>check",
    )
    model.set_library(LibraryData.from_records([record]))
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tip) == "/loops/<h1>huge.wav\nNote: <b>check"


def test_problems_and_job_messages_are_plain_text(qtbot):
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    panel.set_problems([("/loops/<b>broken.wav", "cannot read <h1>")])
    assert as_shown(panel.table.item(0, 0).toolTip()) == "/loops/<b>broken.wav"
    status = JobStatus()
    qtbot.addWidget(status)
    assert status.label.textFormat() == Qt.TextFormat.PlainText


def test_message_boxes_show_their_text_as_written(qtbot):
    from PySide6.QtWidgets import QMessageBox

    box = plain_text.message_box(QMessageBox.Icon.Question, "Move", "Move “<h1>huge.wav”?")
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText and box.text() == "Move “<h1>huge.wav”?"


@pytest.mark.parametrize(
    ("press", "done"), [("action", True), ("cancel", False), ("escape", False)]
)
def test_a_question_before_a_move_is_yes_only_on_its_own_button(qtbot, press, done):
    """Move to Trash and Move out of the Library ask with a button named for the action;
    Cancel, the default, and Escape say no."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    box = plain_text.message_box(QMessageBox.Icon.Question, "Move", "Move 2 loops?", None)

    def answer() -> None:
        shown = QApplication.activeModalWidget()
        assert shown is box and box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
        if press == "escape":
            qtbot.keyClick(box, Qt.Key.Key_Escape)
        elif press == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            (named,) = [b for b in box.buttons() if b.text() == "Move out of the Library"]
            named.click()

    QTimer.singleShot(100, answer)
    assert plain_text.ask_to_do(box, "Move out of the Library") is done


def test_the_question_before_loops_leave_the_library_speaks_of_one_loop_as_one():
    from anomalizer_desktop.ui.move_files import leaving_text

    assert leaving_text(1, 1, []) == (
        "That folder is not one the library scans, so the loop leaves the library; its file is"
        " kept there (Ctrl+Z brings it back as it was). Its flag, note and tags go with it."
    )
    assert leaving_text(3, 2, ["/a/link.wav"]) == (
        "That folder is not one the library scans, so the loops leave the library; their files"
        " are kept there (Ctrl+Z brings them back as they were). 2 of them have flags, notes"
        " or tags, which go with them.\n\n1 other loop of the library is a link to these files,"
        " and would lead nowhere."
    )
