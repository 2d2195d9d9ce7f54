"""Loop > Tempo and Key…, Double and Halve the tempo: the dialog writes only what was
touched, the table and the filters follow at once, Ctrl+Z takes it back."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from qt_text import as_shown

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.loop_names import HEARD, Declared
from anomalizer_desktop.ui import window_tempo_key
from anomalizer_desktop.ui.library_model import COLUMN_INDEX
from anomalizer_desktop.ui.tempo_key_dialog import TempoKeyChoice, TempoKeyDialog

HEARD_87 = Declared(87.0, HEARD, None, "")
NOTHING = Declared(None, "", None, "")


def test_the_dialog_doubles_a_heard_tempo_and_leaves_the_key_alone(qtbot):
    dialog = TempoKeyDialog([HEARD_87], [None], [None])
    qtbot.addWidget(dialog)
    assert dialog.tempo.specialValueText() == "As it says (\u224887 BPM, heard)"
    assert dialog.key.currentText() == "As it says (nothing)"
    assert dialog.choice() == TempoKeyChoice(None, None)  # nothing touched, nothing written
    dialog.double.click()
    assert dialog.tempo.value() == 174.0
    assert dialog.choice() == TempoKeyChoice(174.0, None)
    dialog.halve.click()
    dialog.halve.click()
    assert dialog.choice().tempo == 43.5


def test_the_dialog_with_loops_set_apart_writes_only_the_key(qtbot):
    dialog = TempoKeyDialog([HEARD_87, NOTHING], [120.0, 140.0], [None, None])
    qtbot.addWidget(dialog)
    assert dialog.tempo.value() == 0.0  # their tempos differ: the box shows none of them
    assert dialog.tempo.specialValueText() == "As each says"
    assert not dialog.double.isEnabled()  # no one tempo to double
    dialog.key.setCurrentIndex(dialog.key.findData("F#m"))
    assert dialog.choice() == TempoKeyChoice(None, "F#m")


def test_the_dialog_takes_yours_off_and_refuses_a_tempo_too_slow(qtbot):
    dialog = TempoKeyDialog([HEARD_87], [174.0], ["Am"])
    qtbot.addWidget(dialog)
    assert (dialog.tempo.value(), dialog.key.currentData()) == (174.0, "Am")
    ok = dialog._ok
    dialog.tempo.setValue(10.0)
    assert not ok.isEnabled()
    dialog.tempo.setValue(0.0)  # the lowest value: "As it says"
    dialog.key.setCurrentIndex(0)
    assert ok.isEnabled()
    assert dialog.choice() == TempoKeyChoice(0.0, "")


def _row_named(window, name: str) -> int:
    library = window.model.library
    return next(row for row in range(window.model.rowCount())
                if library.names[int(window.model._view[row])] == name)  # fmt: skip


def _answer(monkeypatch, choice: TempoKeyChoice) -> list:
    """The dialog answers `choice` at once; returns what it was opened with."""
    opened = []

    class Answering:
        def __init__(self, says, tempos, keys, parent=None):
            opened.append((says, tempos, keys))

        def exec(self):
            return QDialog.DialogCode.Accepted

        def choice(self):
            return choice

    monkeypatch.setattr(window_tempo_key, "TempoKeyDialog", Answering)
    return opened


def test_a_tempo_and_key_set_in_the_window_show_filter_save_and_undo(
    qtbot, window, scored_library, monkeypatch
):
    path, _ = scored_library
    row = _row_named(window, "tone_a.wav")
    window.table.setFocus()
    window.table.selectRow(row)
    tone = window.selected_ids()[0]
    opened = _answer(monkeypatch, TempoKeyChoice(174.0, "Am"))
    window.act_tempo_key.trigger()
    assert opened[0][1:] == ([None], [None])
    model = window.model
    view_row = model.view_rows_of([tone])[0]
    tempo_cell = model.index(view_row, COLUMN_INDEX["tempo"])
    assert model.data(tempo_cell) == "174"
    assert model.data(model.index(view_row, COLUMN_INDEX["key"])) == "Am"
    tip = as_shown(model.data(tempo_cell, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("174 BPM, set by you (Loop > Tempo and Key…)\nThe loop itself says")
    with Store(path) as other:  # committed at once
        record = next(r for r in other.list_samples() if r.id == tone)
    assert (record.user_tempo, record.user_key) == (174.0, "Am")
    window.filter_text.setText("bpm:174 key:Am")
    assert model.visible_ids().tolist() == [tone]
    window.filter_text.setText("")

    window.undo()
    assert window.statusBar().currentMessage() == "Undone: set the key of 1 loop to Am."
    window.undo()
    view_row = model.view_rows_of([tone])[0]
    assert model.data(model.index(view_row, COLUMN_INDEX["tempo"])) == ""
    with Store(path) as other:
        record = next(r for r in other.list_samples() if r.id == tone)
    assert (record.user_tempo, record.user_key) == (None, None)


def test_double_the_tempo_doubles_each_loop_that_has_one(qtbot, window, scored_library):
    """Each loop from its own tempo (heard or set); a loop without one stays, and one step
    of Ctrl+Z takes them all back."""
    path, _ = scored_library
    library = window.model.library
    with_tempo = [int(library.ids[r]) for r in range(len(library.ids))
                  if not math.isnan(library.tempo[r])][:2]  # fmt: skip
    assert len(with_tempo) == 2, "the drum loops' tempos are heard"
    tone = int(library.ids[library.names.index("tone_a.wav")])
    assert math.isnan(library.tempo[library.names.index("tone_a.wav")]), library.tempo_from
    before = {i: float(library.tempo[library.rows_of_ids([i])[0][0]]) for i in with_tempo}
    window.select_ids([*with_tempo, tone])
    window.act_double_tempo.trigger()
    assert window.statusBar().currentMessage() == "Doubled the tempo of 2 loops. Ctrl+Z undoes it."
    with Store(path) as other:
        mine = {r.id: r.user_tempo for r in other.list_samples()}
    assert {i: mine[i] for i in with_tempo} == {i: round(2 * t, 2) for i, t in before.items()}
    assert mine[tone] is None
    window.undo()
    with Store(path) as other:
        assert all(r.user_tempo is None for r in other.list_samples())
    assert [float(library.tempo[library.rows_of_ids([i])[0][0]]) for i in with_tempo] == list(
        before.values()
    )
    window.select_ids([tone])
    window.act_halve_tempo.trigger()
    assert window.statusBar().currentMessage().startswith("None of the selected loops has a tempo")


def test_a_tempo_set_in_the_window_goes_on_the_loops_copies(qtbot, tmp_path, settings, monkeypatch):
    """The same file unpacked twice: the tempo set on one is the other's too, as a flag."""
    import audiogen

    from anomalizer_desktop.core.jobs import run_job
    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    root = tmp_path / "Pack"
    loop = audiogen.drum_loop(seconds=2.0, bpm=174.0)
    for folder in ("A", "B"):
        audiogen.write(root / folder / "break.wav", loop)
    audiogen.write(root / "pad.wav", audiogen.tone(220, 2.0))
    path = tmp_path / "lib.sqlite"
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    win = MainWindow(Store(path), settings, JobRunner(str(path)), AudioPlayer(device="none"))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.model.rowCount() == 3, timeout=20_000)
    qtbot.waitUntil(lambda: len(set(win.model.library.copy_group.tolist())) == 2, timeout=20_000)
    first = int(win.model.library.ids[win.model.library.paths.index(str(root / "A" / "break.wav"))])
    win.select_ids([first])
    _answer(monkeypatch, TempoKeyChoice(174.0, None))
    win.act_tempo_key.trigger()
    assert win.statusBar().currentMessage() == (
        "Set the tempo of 1 loop with 1 copy of it to 174 BPM. Ctrl+Z undoes it."
    )
    with Store(path) as other:
        assert sorted(str(r.user_tempo) for r in other.list_samples()) == ["174.0", "174.0", "None"]


def test_a_tempo_set_from_the_command_line_retitles_the_loop_on_show(qtbot, window, scored_library):
    """The window reads the library anew after a change from outside; the loop on show keeps
    its row, and its waveform's title said the tempo it had before."""
    path, _ = scored_library
    window.table.setFocus()
    window.table.selectRow(0)
    loop = window.selected_ids()[0]
    qtbot.waitUntil(lambda: "decoding" not in window.waveform.title.toPlainText(), timeout=10_000)
    with Store(path) as other:  # as `anomalizer flag LOOP --bpm 97` does
        other.set_tempo([loop], 97.0)
    window.reload()
    qtbot.waitUntil(lambda: "97 BPM" in window.waveform._title_parts[1], timeout=10_000)
    assert window.selected_ids() == [loop]


def test_plus_and_minus_double_and_halve_the_tempo_from_the_keyboard(qtbot, window, scored_library):
    """+ (or = unshifted) and - in the table, as Loop > Double and Halve the tempo; in the
    filter box they stay text."""
    library = window.model.library
    row = next(r for r in range(len(library.ids)) if not math.isnan(library.tempo[r]))
    loop, heard = int(library.ids[row]), float(library.tempo[row])
    window.table.setFocus()
    window.select_ids([loop])

    def tempo() -> float:
        return float(library.tempo[library.rows_of_ids([loop])[0][0]])

    qtbot.keyClick(window.table, Qt.Key.Key_Plus, Qt.KeyboardModifier.ShiftModifier)
    assert tempo() == round(2 * heard, 2)
    qtbot.keyClick(window.table, Qt.Key.Key_Equal)
    assert tempo() == round(4 * heard, 2)
    qtbot.keyClick(window.table, Qt.Key.Key_Minus)
    assert tempo() == round(2 * heard, 2)
    assert window.act_double_tempo.shortcut().toString() == "+"
    window.filter_text.setFocus()
    qtbot.keyClicks(window.filter_text, "bpm:120-")
    assert window.filter_text.text() == "bpm:120-"
    assert tempo() == round(2 * heard, 2)
