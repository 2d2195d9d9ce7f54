"""Tags in the window: G and the Tag menu put them on the selected loops, the table shows
them, the filter finds them, Ctrl+Z takes them back, and the export dialog offers each tag's
set."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from qt_text import as_shown
from qt_windows import window_on_store

from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui import tag_dialog
from anomalizer_desktop.ui.library_model import COLUMN_INDEX


def _stored_tags(path) -> dict[int, tuple[str, ...]]:
    with Store(path) as other:  # a second connection: what was committed
        return {r.id: r.tags for r in other.list_samples()}


def test_g_tags_the_selection_and_edits_only_the_tags_they_share(
    qtbot, window, scored_library, monkeypatch
):
    path, _ = scored_library
    asked, answers = [], []

    def answer(parent, count, current, known, keys=None):
        asked.append((count, current, known))
        return answers.pop(0)

    monkeypatch.setattr(tag_dialog, "ask_tags", answer)
    first, second = window.model.sample_id(0), window.model.sample_id(1)
    window.table.setFocus()
    window.select_ids([first, second])
    answers.append(("dark", "song a"))
    qtbot.keyClick(window.table, Qt.Key.Key_G)
    assert asked[-1] == (2, (), {})
    assert (_stored_tags(path)[first], _stored_tags(path)[second]) == (("dark", "song a"),) * 2
    assert window.act_undo.text() == "Undo tag 2 loops dark, song a"
    assert window.statusBar().currentMessage().startswith("Tagged 2 loops dark, song a. Filter")
    column = COLUMN_INDEX["tags"]
    row = window.model.view_row_of(first)
    assert window.model.data(window.model.index(row, column)) == "dark, song a"
    tip = window.model.data(window.model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tip).endswith("\nTags: dark, song a")

    window.select_ids([first])  # one loop: exactly what was typed
    answers.append(("Dark",))
    window.edit_tags()
    assert asked[-1] == (1, ("dark", "song a"), {"dark": 2, "song a": 2})
    assert _stored_tags(path)[first] == ("Dark",)  # a new spelling, and song a is off
    assert window.act_undo.text() == "Undo take song a off 1 loop"

    window.select_ids([first, second])  # several: only the shared tags are edited
    answers.append(("keep",))
    window.edit_tags()
    assert asked[-1][1] == ("Dark",)
    tags = _stored_tags(path)
    assert (tags[first], tags[second]) == (("keep",), ("keep", "song a"))
    assert window.act_undo.text() == "Undo tag 2 loops keep and take Dark off"

    window.filter_text.setText("tag:keep")
    assert sorted(window.model.visible_ids().tolist()) == sorted([first, second])
    window.filter_text.setText('tag:"song a"')
    assert window.model.visible_ids().tolist() == [second]
    window.filter_text.setText("song")  # plain text finds tags too
    assert window.model.visible_ids().tolist() == [second]
    window.filter_text.setText("")

    window.act_undo.trigger()  # each loop gets its own tags back
    tags = _stored_tags(path)
    assert (tags[first], tags[second]) == (("Dark",), ("dark", "song a"))
    assert window.model.tags_of([first, second]) == ["Dark", "dark, song a"]
    answers.append(None)  # cancelled: nothing changes
    window.edit_tags()
    assert _stored_tags(path)[first] == ("Dark",) and window.undo_stack.count() == 3


def test_the_tag_menu_puts_a_tag_on_the_selection_or_takes_it_off(qtbot, window, scored_library):
    path, _ = scored_library
    first, second, third = (window.model.sample_id(r) for r in range(3))
    window.set_tags([first, second], ["drums"], ())
    window.set_tags([third], ["drum & bass", "drums"], ())
    window.select_ids([first, third])
    window._fill_tag_menu()
    items = [(a.text(), a.isChecked()) for a in window.tag_menu.actions() if a.text()]
    # each tag with the key the library gave it (the first tag used first), then the actions
    assert items == [
        ("drums\t1", True),
        ("drum && bass\t2", False),
        ("Edit tags…", False),
        ("Tag keys…", False),
        ("Manage tags…", False),
    ]
    assert window.act_tag_menu in window.loop_menu_actions

    window.tag_menu.actions()[1].trigger()  # drum & bass: on both now
    tags = _stored_tags(path)
    assert (tags[first], tags[third]) == (("drum & bass", "drums"), ("drum & bass", "drums"))
    window._fill_tag_menu()
    window.tag_menu.actions()[0].trigger()  # drums, on both: off both
    tags = _stored_tags(path)
    assert [tags[first], tags[second], tags[third]] == [
        ("drum & bass",),
        ("drums",),
        ("drum & bass",),
    ]


def test_the_tag_dialog_completes_the_tag_being_typed_and_toggles_known_ones(qtbot):
    from anomalizer_desktop.ui.tag_dialog import TagDialog

    dialog = TagDialog(3, ("dark",), {"song a": 5, "dark": 3, "keep": 1, "r&b": 1})
    qtbot.addWidget(dialog)
    assert dialog.line.text() == "dark"
    assert [b.isChecked() for b in dialog.buttons.values()] == [False, True, False, False]
    texts = [b.text() for b in dialog.buttons.values()]
    assert texts == ["song a", "\u2713 dark", "keep", "r&&b"]  # an & is no mnemonic
    dialog.buttons["song a"].click()
    assert dialog.line.text() == "dark, song a" and dialog.tags() == ("dark", "song a")
    dialog.buttons["dark"].click()
    assert dialog.tags() == ("song a",)
    dialog.line.setText("song a, KE")
    assert [b.isChecked() for b in dialog.buttons.values()] == [True, False, False, False]
    completer = dialog.line.completer()
    assert completer.splitPath(dialog.line.text()) == ["KE"]
    completer.setCompletionPrefix("KE")  # what the line edit does as a key is typed
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "song a, keep"  # the tags before it stay
    assert "these 3 loops" in dialog.findChild(type(dialog.layout().itemAt(0).widget())).text()
    assert "keys 1 to 9" not in dialog.layout().itemAt(0).widget().text()
    # with tag keys, each button's tip names its key, and the dialog tells of the keys
    from anomalizer_desktop.ui.tag_keys import TagKeys

    keyed = TagDialog(1, (), {"song a": 5, "dark": 3}, keys=TagKeys({2: "Dark"}))
    qtbot.addWidget(keyed)
    assert keyed.buttons["dark"].toolTip() == (
        "dark: on 3 loops; key 2 in the table puts it on the selected loops, or takes it off"
    )
    assert keyed.buttons["song a"].toolTip() == "song a: on 5 loops"
    assert "the keys 1 to 9 put their tags on" in keyed.layout().itemAt(0).widget().text()


def test_the_export_dialog_offers_each_tags_set(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    first, second = window.model.sample_id(0), window.model.sample_id(1)
    window.set_tags([first, second], ["song: a/b"], ())
    window.set_tags([first], ["song: a/b", "keep"], ())
    dialog = ExportDialog(window.store, [], window, str(tmp_path))
    qtbot.addWidget(dialog)
    labels = [dialog.which.itemText(i) for i in range(dialog.which.count())]
    assert labels[2:4] == ["Tagged \u201csong: a/b\u201d (2)", "Tagged \u201ckeep\u201d (1)"]
    dialog.which.setCurrentIndex(2)
    assert dialog.count_label.text() == "2 loops will be exported."
    assert dialog.target.text() == str(tmp_path / "song-a-b-loops.m3u8")
    assert sorted(e.path for e in dialog.entries()) == sorted(
        window.model.path(window.model.view_row_of(i)) for i in (first, second)
    )
    assert dialog.export() and (tmp_path / "song-a-b-loops.m3u8").exists()

    # filtered by a tag, Ctrl+E offers its set (unless several loops are selected)
    window.filter_text.setText('tag:"SONG: a/b"')
    window.select_ids([first])
    offered = []
    monkeypatch.setattr(ExportDialog, "exec", lambda d: offered.append(d.which.currentData()))
    window.open_export()
    window.select_ids([first, second])
    window.open_export()
    assert offered == ["tag:song: a/b", "selection"]


def test_tags_the_library_refuses_are_said_and_not_shown(qtbot, window, monkeypatch):
    from anomalizer_desktop.ui import plain_text

    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[1]))
    first = window.model.sample_id(0)
    window.store.execute("PRAGMA query_only = ON")
    window.set_tags([first], ["lost"], ())
    window.store.execute("PRAGMA query_only = OFF")
    assert warnings == ["The tags were not saved"]
    assert window.model.tags_of([first]) == [""] and window.undo_stack.count() == 0


def test_the_tags_filter_lists_the_librarys_tags_and_shows_one_set(qtbot, window):
    from anomalizer_desktop.ui.library_data import UNTAGGED

    box, header = window.filter_tag, window.table.horizontalHeader()
    assert not box.isVisibleTo(window)  # no tags yet: nothing to choose, no empty column
    assert header.isSectionHidden(COLUMN_INDEX["tags"])
    first, second, third = (window.model.sample_id(r) for r in range(3))
    window.set_tags([first, second], ["drums"], ())
    window.set_tags([third], ["fx", "Drums"], ())
    assert box.isVisibleTo(window) and not header.isSectionHidden(COLUMN_INDEX["tags"])
    assert [box.itemText(i) for i in range(box.count())] == [
        "All tags",
        "Untagged",
        "drums (3)",
        "fx (1)",
    ]
    box.setCurrentIndex(3)
    assert window.model.visible_ids().tolist() == [third]
    box.setCurrentIndex(1)
    assert len(window.model.visible_ids()) == 17 - 3
    assert box.currentData() is UNTAGGED

    box.setCurrentIndex(3)
    window.set_tags([third], ["drums"], ("fx", "Drums"))  # fx's last loop: the list keeps it
    assert box.currentText() == "fx (0)" and window.model.visible_ids().tolist() == [third]
    window.show_loops([first])  # a loop the filter hides: the filters make way
    assert box.currentData() is None and window.selected_ids() == [first]
    window.refresh_tag_filter()
    assert [box.itemText(i) for i in range(box.count())] == ["All tags", "Untagged", "drums (3)"]


def test_export_offers_the_set_the_tags_filter_shows(qtbot, window, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    first = window.model.sample_id(0)
    window.set_tags([first], ["keep"], ())
    window.filter_tag.setCurrentIndex(window.filter_tag.findData("keep"))
    window.select_ids([first])
    offered = []
    monkeypatch.setattr(ExportDialog, "exec", lambda d: offered.append(d.which.currentData()))
    window.open_export()
    assert offered == ["tag:keep"]


def test_every_tags_set_exports_into_one_folder(qtbot, window, tmp_path, monkeypatch):
    from anomalizer_desktop.ui import plain_text

    first, second = window.model.sample_id(0), window.model.sample_id(1)
    window.set_tags([first, second], ["dark"], ())
    window.set_tags([first], ["dark", "keep/me"], ())
    dialog = _every_tag_as_folders(qtbot, window, tmp_path)
    assert dialog.count_label.text().startswith("2 sets (3 loops) will be exported")
    assert dialog.target.text() == str(tmp_path / "tag-sets")
    assert dialog.export() and dialog.result_message.startswith("Exported 2 sets (3 loops)")
    sets = tmp_path / "tag-sets"
    assert sorted(p.name for p in sets.iterdir()) == [".anomalizer-sets", "dark", "keep-me"]
    assert len([p for p in (sets / "dark").iterdir() if p.is_symlink()]) == 2

    # again: the earlier sets are replaced after asking; a folder of the user's is not
    (sets / "keep-me").rename(sets / "elsewhere")
    (sets / "keep-me").mkdir()
    (sets / "keep-me" / "mine.wav").write_bytes(b"x")
    asked, warned = [], []
    questions = []
    monkeypatch.setattr(
        plain_text,
        "confirm",
        lambda *args: asked.append(args[1]) or questions.append(args[2]) or True,
    )
    monkeypatch.setattr(plain_text, "warn", lambda *args: warned.append(args[1:3]))
    again = _every_tag_as_folders(qtbot, window, tmp_path)
    assert again.export()
    assert asked == ["Replace the earlier exports?"]
    assert questions == [f"The set of dark in {sets} is an earlier export. Replace it?"]
    assert warned[0][0] == "Some sets were not exported" and "keep/me:" in warned[0][1]
    assert os.listdir(sets / "keep-me") == ["mine.wav"]
    assert again.result_message.startswith("Exported 1 set (2 loops)")


def _every_tag_as_folders(qtbot, window, folder):
    """The export dialog set to every tag's set, as folders of links, into `folder`."""
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    dialog = ExportDialog(window.store, [], window, str(folder))
    qtbot.addWidget(dialog)
    dialog.which.setCurrentIndex(dialog.which.findData("each-tag"))
    dialog.format.setCurrentIndex(dialog.format.findData("folder"))
    return dialog


def test_the_tags_column_the_producer_shows_stays_without_tags(
    qtbot, window, settings, scored_library
):

    tags = COLUMN_INDEX["tags"]
    assert window.table.horizontalHeader().isSectionHidden(tags)
    window.table_layout.set_column_shown(tags, True)  # the header's menu
    window.refresh_tag_filter()
    assert not window.table.horizontalHeader().isSectionHidden(tags)
    window.close()  # the choice is kept with the layout
    path, _ = scored_library
    store = Store(path)
    again = window_on_store(qtbot, settings, store)
    try:
        qtbot.waitUntil(lambda: again.model.rowCount() == 17, timeout=20_000)
        assert not again.table.horizontalHeader().isSectionHidden(tags)
        again.table_layout.reset()  # Reset columns: the window decides again
        again.refresh_tag_filter()
        assert again.table.horizontalHeader().isSectionHidden(tags)
    finally:
        qtbot.waitUntil(lambda: not again.runner.any_running(), timeout=20_000)
        again.runner.cancel_all()
        store.close()


def test_the_filter_box_completes_the_tag_of_a_tag_term(qtbot, window):
    first, second = window.model.sample_id(0), window.model.sample_id(1)
    window.set_tags([first], ["drums"], ())
    window.set_tags([second], ["drum & bass"], ())
    completer = window.filter_text.completer()

    def completes(typed: str) -> list[str]:
        window.filter_text.setText(typed)
        completer.setCompletionPrefix(typed)  # what the box does as a key is typed
        found = []
        for row in range(completer.completionCount()):
            completer.setCurrentRow(row)
            found.append(completer.currentCompletion())
        return found

    assert completes("bass tag:DR") == ['bass tag:"drum & bass" ', "bass tag:drums "]
    assert completes('tag:"drum &') == ['tag:"drum & bass" ']
    assert completes("dr") == [] and completes("bass tag:x") == []
    window.filter_text.setText('tag:"drum & bass" ')
    assert window.model.visible_ids().tolist() == [second]


def test_an_undo_over_many_loops_refreshes_the_tags_filter_once(qtbot, window, monkeypatch):
    """Each loop gets its own earlier tags back (one write per distinct value); the Tags
    filter, which counts every loop's tags, is filled again once for the whole undo."""
    ids = [window.model.sample_id(r) for r in range(4)]
    for number, sample_id in enumerate(ids):
        window.set_tags([sample_id], [f"own-{number}"], ())
    window.set_tags(ids, ["shared"])
    refreshed = []
    real = window.refresh_tag_filter
    monkeypatch.setattr(window, "refresh_tag_filter", lambda: refreshed.append(1) or real())
    window.act_undo.trigger()
    assert window.model.tags_of(ids) == [f"own-{n}" for n in range(4)]
    assert len(refreshed) == 1
    assert window.filter_tag.count() == 2 + 4  # All tags, Untagged, own-0..own-3


def test_keys_1_to_9_put_their_tags_on_the_selection_or_take_them_off(
    qtbot, window, scored_library
):
    """A producer tags while auditioning as fast as they flag: the first tags used get the
    keys 1, 2... and a key puts its tag on the selected loops, or takes it off when they all
    have it (one step of Ctrl+Z each)."""
    path, _ = scored_library
    first, second, third = (window.model.sample_id(r) for r in range(3))
    window.set_tags([first], ["dark"], ())
    window.set_tags([first], ["dark", "song a"], ("dark",))
    assert window.tag_keys.keys == {1: "dark", 2: "song a"}
    window.table.setFocus()
    window.select_ids([second, third])
    qtbot.keyClick(window.table, Qt.Key.Key_2)
    tags = _stored_tags(path)
    assert (tags[second], tags[third]) == (("song a",), ("song a",))
    assert window.statusBar().currentMessage().startswith("Tagged 2 loops song a.")
    qtbot.keyClick(window.table, Qt.Key.Key_1)
    qtbot.keyClick(window.table, Qt.Key.Key_2)  # they all have it: off
    tags = _stored_tags(path)
    assert (tags[first], tags[second], tags[third]) == (
        ("dark", "song a"),
        ("dark",),
        ("dark",),
    )
    assert window.act_undo.text() == "Undo take song a off 2 loops"
    window.undo()
    assert _stored_tags(path)[second] == ("dark", "song a")
    # the keys work on the map too, and a key without a tag says how to give it one
    qtbot.keyClick(window.map.view, Qt.Key.Key_7)
    assert (
        window.statusBar()
        .currentMessage()
        .startswith("Key 7 puts no tag on yet: Loop > Tag > Tag keys… gives it one.")
    )
    assert _stored_tags(path)[second] == ("dark", "song a")


def test_a_key_stays_with_its_tag_and_is_freed_when_the_library_opens_without_it(
    qtbot, window, scored_library, settings
):
    """What a key does never changes under the producer's fingers: a tag overtaking another
    in use keeps its key, and a key whose tag came off its last loop still puts it back. The
    next time the library opens, a key whose tag no loop carries is free again."""
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    path, _ = scored_library
    ids = [window.model.sample_id(r) for r in range(4)]
    window.set_tags(ids[:1], ["rare"], ())
    window.set_tags(ids[1:4], ["common"], ())
    assert window.tag_keys.keys == {1: "rare", 2: "common"}  # in the order they came
    window.set_tags(ids[:1], [], ("rare",))  # off its only loop: the key stays
    assert window.tag_keys.keys == {1: "rare", 2: "common"}
    window.select_ids(ids[3:])
    window.press_tag_key(1)
    assert _stored_tags(path)[ids[3]] == ("common", "rare")
    window.press_tag_key(1)
    assert _stored_tags(path)[ids[3]] == ("common",)
    window.close()

    again = MainWindow(Store(path), settings, JobRunner(str(path)), AudioPlayer(device="none"))
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.model.rowCount() == 17, timeout=20_000)
    assert again.tag_keys.keys == {2: "common"}  # rare: on no loop as the library opened
    again.set_tags(ids[:1], ["new"], ())
    assert again.tag_keys.keys == {1: "new", 2: "common"}
    again.close()
    again.store.close()


def test_tag_keys_the_producer_sets_are_kept_as_set(qtbot, window, scored_library, monkeypatch):
    """Loop > Tag > Tag keys… sets each key's tag; from then on no tag is given a key by
    itself, and the Tag menu lists the keyed tags first."""
    from anomalizer_desktop.ui import tag_keys_dialog
    from anomalizer_desktop.ui.tag_keys import load_tag_keys

    path, _ = scored_library
    first, second = window.model.sample_id(0), window.model.sample_id(1)
    window.set_tags([first], ["dark", "song a"], ())
    window.set_tags([second], ["dark"], ())
    dialog = tag_keys_dialog.TagKeysDialog(window.tag_keys, ["dark", "song a"], window)
    qtbot.addWidget(dialog)
    assert [dialog.boxes[d].currentText() for d in (1, 2, 3)] == ["dark", "song a", ""]
    dialog.boxes[1].setCurrentText("")
    dialog.boxes[3].setCurrentText("  Bass   line ")  # a new tag, tidied as tags are
    dialog.boxes[4].setCurrentText("BASS line")  # the same tag again: the first key keeps it
    dialog.boxes[9].setCurrentText("dark")
    chosen = dialog.keys()
    assert (chosen.keys, chosen.chosen) == ({2: "song a", 3: "Bass line", 9: "dark"}, True)
    dialog.fill_most_used()
    assert [dialog.boxes[d].currentText() for d in (1, 2, 3)] == ["dark", "song a", ""]

    monkeypatch.setattr(tag_keys_dialog, "ask_tag_keys", lambda *_: chosen)
    window.edit_tag_keys()
    assert load_tag_keys(window.settings, path) == chosen
    window.set_tags([second], ["dark", "kick"], ("dark",))  # a new tag gets no key now
    assert window.tag_keys == chosen
    window.select_ids([second])
    window.press_tag_key(3)
    assert _stored_tags(path)[second] == ("Bass line", "dark", "kick")
    window._fill_tag_menu()
    names = [a.text() for a in window.tag_menu.actions() if a.text()]
    assert names[:4] == ["song a\t2", "Bass line\t3", "dark\t9", "kick"]


def test_manage_tags_renames_merges_and_deletes_a_tag_on_every_loop(
    qtbot, window, scored_library, monkeypatch
):
    """Edit > Manage tags…: a typo'd tag is renamed on every loop that has it, the loops the
    filters hide too, in one step of Ctrl+Z; its key and the Tags filter follow the name; a
    name another tag has merges the two after asking; Delete takes a tag off every loop."""
    from anomalizer_desktop.ui import plain_text
    from anomalizer_desktop.ui.tag_manager_dialog import TagManagerDialog

    path, _ = scored_library
    ids = [window.model.sample_id(r) for r in range(6)]
    window.set_tags(ids[:3], ["drms"], ())
    window.set_tags(ids[3:4], ["drums"], ())
    window.set_tags(ids[4:6], ["dark", "keep"], ())
    assert window.tag_keys.keys == {1: "drms", 2: "drums", 3: "dark", 4: "keep"}
    window.show_tag("drms")
    window.filter_text.setText(
        window.model.library.names[window.model.library.ids.tolist().index(ids[0])]
    )
    assert window.model.visible_ids().tolist() == [ids[0]]  # two of its loops hidden
    asked = []

    def answer(parent, title, question):
        asked.append(question)
        return answers.pop(0)

    answers: list[bool] = []
    monkeypatch.setattr(plain_text, "confirm", answer)
    monkeypatch.setattr(plain_text, "warn", lambda parent, title, text: asked.append(text))
    dialog = TagManagerDialog(window, window)
    qtbot.addWidget(dialog)

    def rows():
        return [
            tuple(dialog.table.item(r, c).text() for c in range(3))
            for r in range(dialog.table.rowCount())
        ]

    assert rows() == [
        ("drms", "3", "1"),
        ("dark", "2", "3"),
        ("keep", "2", "4"),
        ("drums", "1", "2"),
    ]
    assert dialog.current_tag() == "drms"
    assert dialog.rename("drms", "  Kick   drums ")
    tags = _stored_tags(path)
    assert [tags[i] for i in ids[:4]] == [("Kick drums",)] * 3 + [("drums",)]
    assert window.tag_keys.keys[1] == "Kick drums"
    assert window.filter_tag.currentData() == "Kick drums"
    assert [window.filter_tag.itemText(i) for i in range(window.filter_tag.count())][2:] == [
        "Kick drums (3)",
        "dark (2)",
        "keep (2)",
        "drums (1)",
    ]
    assert window.act_undo.text() == "Undo rename the tag drms to Kick drums on 3 loops"
    assert (
        window.statusBar()
        .currentMessage()
        .startswith("Renamed the tag drms to Kick drums on 3 loops.")
    )
    assert rows()[0] == ("Kick drums", "3", "1") and dialog.current_tag() == "Kick drums"

    window.undo()
    assert [_stored_tags(path)[i] for i in ids[:3]] == [("drms",)] * 3
    assert window.tag_keys.keys[1] == "drms"
    window.redo()
    assert [_stored_tags(path)[i] for i in ids[:3]] == [("Kick drums",)] * 3
    assert window.tag_keys.keys[1] == "Kick drums"

    steps = window.undo_stack.count()
    assert not dialog.rename("Kick drums", " Kick drums") and window.undo_stack.count() == steps
    # a comma or nothing is no name; a name in use merges, after asking
    assert not dialog.rename("Kick drums", "a, b") and not dialog.rename("Kick drums", " ")
    assert asked == [
        "A tag holds no comma: 'Kick drums' stays as it is.",
        "A tag needs a name (Delete takes a tag off): 'Kick drums' stays as it is.",
    ]
    answers.append(False)
    assert not dialog.rename("Kick drums", "DRUMS")
    assert asked[-1] == "'drums' is on 1 loop already. Merge 'Kick drums' (3 loops) into it?"
    assert _stored_tags(path)[ids[0]] == ("Kick drums",)
    answers.append(True)
    assert dialog.rename("Kick drums", "DRUMS")
    tags = _stored_tags(path)
    assert [tags[i] for i in ids[:4]] == [("drums",)] * 4  # the spelling in use stays
    assert window.tag_keys.keys == {2: "drums", 3: "dark", 4: "keep"}  # 1 is free
    assert window.act_undo.text() == "Undo merge the tag Kick drums into drums on 3 loops"
    assert rows()[0] == ("drums", "4", "2")

    dialog.table.selectRow(1)
    assert dialog.current_tag() == "dark"
    answers.append(True)
    dialog.ask_delete()
    assert (
        asked[-1]
        == "Take 'dark' off 2 loops? The loops stay, and Ctrl+Z in the window puts it back."
    )
    tags = _stored_tags(path)
    assert (tags[ids[4]], tags[ids[5]]) == (("keep",), ("keep",))
    assert window.act_undo.text() == "Undo take dark off 2 loops"
    assert [r[0] for r in rows()] == ["drums", "keep"]
    window.undo()
    assert _stored_tags(path)[ids[4]] == ("dark", "keep")

    window.filter_text.setText("")
    dialog.refresh("keep")
    dialog.show_loops()
    assert window.filter_tag.currentData() == "keep"
    assert sorted(window.model.visible_ids().tolist()) == sorted(ids[4:6])
    assert not dialog.isVisible()


def test_a_tag_renamed_with_g_on_all_its_loops_takes_its_key_along(qtbot, window):
    """Every loop of a tag's set selected and the new name typed in G is a rename: the key
    goes with it. Renamed on some of its loops only, the old tag keeps its key."""
    ids = [window.model.sample_id(r) for r in range(3)]
    window.set_tags(ids, ["drms"], ())
    window.set_tags(ids[:1], ["drms", "song a"], ("drms",))
    assert window.tag_keys.keys == {1: "drms", 2: "song a"}
    window.set_tags(ids[1:], ["drums"], ("drms",))  # not its last loops: a new tag
    assert window.tag_keys.keys == {1: "drms", 2: "song a", 3: "drums"}
    window.set_tags(ids[:1], ["song a", "kit"], ("drms", "song a"))  # the last drms
    assert window.tag_keys.keys == {1: "kit", 2: "song a", 3: "drums"}
    window.undo()
    assert window.tag_keys.keys == {1: "drms", 2: "song a", 3: "drums"}
