"""The Folders panel: the library's folders with how unusual each is, and a click to show only
a folder's loops."""

from __future__ import annotations

import os

import audiogen
import pytest
from PySide6.QtCore import QPoint, Qt
from qt_cells import shown_in_cell
from qt_windows import window_on_store

from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui import plain_text
from anomalizer_desktop.ui.widgets.folder_panel import FOLDER, INDEX_ROLE, LOOPS, UNUSUAL


@pytest.fixture
def packs(tmp_path):
    """A trained library of two packs: Pack A (8 drum loops, 4 bass lines) and Pack B (three
    tones and a noise)."""
    root = tmp_path / "Samples"
    for i in range(8):
        audiogen.write(root / "Pack A" / "Drums" / f"drum {i}.wav", audiogen.drum_loop(seed=i))
    for i in range(4):
        audiogen.write(root / "Pack A" / "Bass" / f"bass {i}.wav", audiogen.bass_loop(seed=i))
    for i, freq in enumerate((330, 440, 550)):
        audiogen.write(root / "Pack B" / f"tone {i}.wav", audiogen.tone(freq, 2.0))
    audiogen.write(root / "Pack B" / "noise.wav", audiogen.noise(2.0))
    path = tmp_path / "lib.sqlite"
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        run_job(train(store, ModelSpec("knn"), "dsp", tmp_path / "models"))
    return path, root.resolve()


@pytest.fixture
def win(qtbot, packs, settings):

    path, _ = packs
    store = Store(path)
    window = window_on_store(qtbot, settings, store)
    window.resize(1600, 900)
    window.show()
    window.folders_dock.raise_()  # (a narrow first window has it as a tab behind Why unusual?)
    qtbot.waitUntil(lambda: window.model.rowCount() == 16, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    yield window
    window.runner.cancel_all()
    store.close()


def rows_shown(panel) -> list[tuple[str, str, str]]:
    """(indent + folder, loops, unusual) of every row the panel shows, top to bottom."""
    view, rows = panel.view, []

    def walk(parent, depth):
        for row in range(view.model().rowCount(parent)):
            index = view.model().index(row, FOLDER, parent)
            rows.append(
                (
                    "  " * depth + index.data(),
                    index.siblingAtColumn(LOOPS).data(),
                    index.siblingAtColumn(UNUSUAL).data(),
                )
            )
            if view.isExpanded(index):
                walk(index, depth + 1)

    walk(view.rootIndex(), 0)
    return rows


def click_folder(qtbot, panel, name: str) -> None:
    """Click the row of the folder called `name` (expanding the way to it)."""
    tree = panel.tree
    index = next(i for i, f in enumerate(tree.folders) if f.name == name)
    target = panel.model.index_of(index)
    parent = target.parent()
    while parent.isValid():
        panel.view.expand(parent)
        parent = parent.parent()
    panel.view.scrollTo(target)
    rect = panel.view.visualRect(target)
    at = QPoint(rect.left() + 8, rect.center().y())  # on the name, whatever the panel's width
    assert panel.view.indexAt(at) == target
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=at)


def shown_paths(win) -> list[str]:
    return sorted(win.model.path(r) for r in range(win.model.rowCount()))


def test_the_panel_shows_each_folder_with_its_loops_and_share_above_the_cut(win, packs):
    _, root = packs
    panel = win.folder_panel
    tree = panel.tree
    assert [f.name for f in tree.folders] == ["Samples", "Pack A", "Bass", "Drums", "Pack B"]
    shares = {f.name: f"{100 * f.unusual / f.scored:.0f} %" for f in tree.folders}
    # the added folder is open: its packs show; a pack's own folders wait for a click
    assert rows_shown(panel) == [
        ("All loops", "16", ""),
        ("Samples", "16", shares["Samples"]),
        ("  Pack A", "12", shares["Pack A"]),
        ("  Pack B", "4", shares["Pack B"]),
    ]
    # the three tones and the noise are what does not fit a library of drums and bass
    with Store(packs[0]) as store:
        cut = store.unusual_cut()
        above = {r.path for r in store.list_samples() if r.score > cut}
    assert tree.folders[4].unusual == sum(p.startswith(str(root / "Pack B")) for p in above)
    assert tree.folders[4].unusual_share > tree.folders[1].unusual_share
    tooltip = panel.view.model().index(1, FOLDER).data(Qt.ItemDataRole.ToolTipRole)
    assert str(root) in tooltip and "16 loops" in tooltip and "above the unusual cut" in tooltip


def test_a_folder_clicked_shows_its_loops_and_the_pill_clears_it(qtbot, win, packs):
    _, root = packs
    everything = shown_paths(win)
    click_folder(qtbot, win.folder_panel, "Pack A")
    assert win.chosen_folder == str(root / "Pack A")
    assert len(shown_paths(win)) == 12
    assert all(p.startswith(str(root / "Pack A") + os.sep) for p in shown_paths(win))
    assert win.folder_button.isVisible() and "In Pack A" in win.folder_button.text()
    qtbot.waitUntil(
        lambda: win.map.hidden_count() == 4 if hasattr(win.map, "hidden_count") else True
    )
    assert win.model.shown_mask().sum() == 12  # the map fades the other 4
    # with the other filters: Pack A's loops whose name holds "drum"
    win.filter_text.setText("drum")
    assert len(shown_paths(win)) == 8
    win.filter_text.clear()
    click_folder(qtbot, win.folder_panel, "Bass")
    assert [os.path.basename(p) for p in shown_paths(win)] == [f"bass {i}.wav" for i in range(4)]
    qtbot.mouseClick(win.folder_button, Qt.MouseButton.LeftButton)
    assert win.chosen_folder is None and not win.folder_button.isVisible()
    assert shown_paths(win) == everything
    assert win.folder_panel.chosen_path() is None  # the panel shows All loops chosen
    click_folder(qtbot, win.folder_panel, "Pack B")
    assert len(shown_paths(win)) == 4
    all_loops = win.folder_panel.view.model().index(0, FOLDER)
    win.folder_panel.view.setCurrentIndex(all_loops)
    assert shown_paths(win) == everything and win.chosen_folder is None


def test_all_loops_stays_on_top_whichever_way_the_folders_sort(win):
    view = win.folder_panel.view
    assert view.model().rowCount(view.model().index(0, FOLDER)) == 0  # All loops: no folders
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        view.sortByColumn(UNUSUAL, order)
        assert view.model().index(0, FOLDER).data() == "All loops"
        assert view.model().index(0, FOLDER).data(INDEX_ROLE) == -1
    samples = view.model().index(1, FOLDER)
    packs = [view.model().index(r, FOLDER, samples).data() for r in range(2)]
    assert packs == ["Pack A", "Pack B"]  # ascending: the smaller share first
    view.sortByColumn(UNUSUAL, Qt.SortOrder.DescendingOrder)
    assert [view.model().index(r, FOLDER, samples).data() for r in range(2)] == packs[::-1]


def test_return_on_a_folder_goes_to_its_first_loop(qtbot, win, packs):
    _, root = packs
    panel = win.folder_panel
    click_folder(qtbot, panel, "Pack B")
    win.table.clearSelection()
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert win.table.hasFocus() or win.table.selectionModel().hasSelection()
    assert win.selected_rows() == [0]
    assert win.model.path(0).startswith(str(root / "Pack B"))


def test_a_flag_is_counted_in_its_folders_when_their_tooltip_shows(qtbot, win, packs):
    _, root = packs
    tree, model = win.folder_panel.tree, win.folder_panel.model
    click_folder(qtbot, win.folder_panel, "Drums")
    win.table.selectRow(0)
    qtbot.keyClick(win.table, Qt.Key.Key_T)
    assert win.model.library.flags.count("typical") == 1
    drums = tree.index_of(str(root / "Pack A" / "Drums"))
    tooltip = model.data(model.index_of(drums), Qt.ItemDataRole.ToolTipRole)
    assert "You flagged 1 typical, 0 unusual" in tooltip
    pack_b = tree.index_of(str(root / "Pack B"))
    assert int(tree.typical[0]) == 1 and int(tree.typical[drums]) == 1
    assert int(tree.typical[pack_b]) == 0
    assert "You flagged" not in model.data(model.index_of(pack_b), Qt.ItemDataRole.ToolTipRole)
    qtbot.keyClick(win.table, Qt.Key.Key_0)  # cleared: the count follows
    tooltip = model.data(model.index_of(drums), Qt.ItemDataRole.ToolTipRole)
    assert "You flagged" not in tooltip and int(tree.typical[0]) == 0


def test_going_to_a_loop_in_another_folder_clears_the_folder(qtbot, win, packs):
    _, root = packs
    click_folder(qtbot, win.folder_panel, "Pack B")
    target = str(root / "Pack A" / "Drums" / "drum 3.wav")
    assert win.go_to_path(target)
    assert win.chosen_folder is None and len(shown_paths(win)) == 16
    assert win.model.path(win.selected_rows()[0]) == target


def test_a_chosen_folder_that_leaves_the_library_stops_filtering(qtbot, win, packs):
    path, root = packs
    click_folder(qtbot, win.folder_panel, "Pack B")
    with Store(path) as store:
        ids = store.sample_ids_for_paths(
            [
                str(root / "Pack B" / n)
                for n in ("tone 0.wav", "tone 1.wav", "tone 2.wav", "noise.wav")
            ]
        )
        store.forget_samples(ids.values())
    win.reload()
    qtbot.waitUntil(lambda: win.model.library is not None and len(win.model.library) == 12)
    assert win.chosen_folder is None and win.model.rowCount() == 12
    assert [f.name for f in win.folder_panel.tree.folders] == ["Samples", "Pack A", "Bass", "Drums"]


def test_the_context_menu_removes_an_added_folder_after_asking(qtbot, win, packs, monkeypatch):
    _, root = packs
    panel = win.folder_panel
    asked = []
    monkeypatch.setattr(plain_text, "confirm", lambda *args: asked.append(args[2]) or True)

    def entries(path) -> dict:
        return {a.text(): a for a in panel.folder_menu(path).actions() if a.text()}

    # a pack is not a folder you added: it has no Remove
    pack_menu = ["Show its loops", "Why unusual?", "Open in file manager"]
    assert list(entries(str(root / "Pack A"))) == pack_menu
    menu = entries(str(root))
    assert list(menu) == [*pack_menu, "Remove from library…"]
    menu["Show its loops"].trigger()
    assert win.chosen_folder == str(root) and win.selected_rows() == [0]
    menu["Remove from library…"].trigger()
    assert asked and str(root) in asked[0] and "16 loops" in asked[0]
    qtbot.waitUntil(lambda: len(win.model.library) == 0, timeout=10_000)
    assert win.chosen_folder is None and win.folder_panel.tree.folders == []
    # a library of no folders: the panel says what it will show
    assert win.folder_panel.pages.currentWidget() is win.folder_panel.empty


def test_a_folder_without_scores_sorts_last_whichever_way(qtbot):
    import numpy as np

    from anomalizer_desktop.core.library.folder_tree import FolderTree
    from anomalizer_desktop.ui.widgets.folder_panel import FolderPanel

    folders = ["/L/a", "/L/b", "/L/c"]
    percent = np.array([20.0, np.nan, 95.0])
    tree = FolderTree(folders, percent, [None] * 3, ["/L"], percent >= 90)
    panel = FolderPanel()
    qtbot.addWidget(panel)
    panel.set_tree(tree, 3, None)
    view = panel.view
    root = view.model().index(1, FOLDER)
    for order, expected in (
        (Qt.SortOrder.AscendingOrder, ["a", "c", "b"]),
        (Qt.SortOrder.DescendingOrder, ["c", "a", "b"]),
    ):
        view.sortByColumn(UNUSUAL, order)
        assert [view.model().index(r, FOLDER, root).data() for r in range(3)] == expected


def test_export_offers_the_loops_of_the_folder_shown(qtbot, win, packs, tmp_path, monkeypatch):
    from anomalizer_desktop.ui.export_dialog import ExportDialog

    _, root = packs
    click_folder(qtbot, win.folder_panel, "Pack B")
    win.table.selectRow(0)
    opened = []
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: opened.append(dialog) or 0)
    win.open_export()
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert dialog.which.currentText() == "In \u201cPack B\u201d (the folder shown)"
    assert dialog.count_label.text() == "4 loops will be exported."
    dialog.format.setCurrentIndex(dialog.format.findData("m3u8"))
    assert os.path.basename(dialog.target.text()) == "Pack-B-loops.m3u8"  # as a tag set is named
    dialog.target.setText(str(tmp_path / "pack-b.m3u8"))
    assert dialog.export()
    written = [x for x in (tmp_path / "pack-b.m3u8").read_text().splitlines() if x.endswith("wav")]
    assert sorted(written) == sorted(
        str(root / "Pack B" / n) for n in ("noise.wav", "tone 0.wav", "tone 1.wav", "tone 2.wav")
    )
    # with no folder chosen the set is not offered
    qtbot.mouseClick(win.folder_button, Qt.MouseButton.LeftButton)
    win.open_export()
    assert all(not k.startswith("in:") for k in _keys(opened[1]))
    qtbot.addWidget(opened[1])


def _keys(dialog) -> list[str]:
    return [dialog.which.itemData(n) for n in range(dialog.which.count())]


def test_the_folders_sort_is_kept_for_the_next_window(qtbot, win, packs, settings):

    win.folder_panel.view.sortByColumn(UNUSUAL, Qt.SortOrder.DescendingOrder)
    assert settings.get("folders_sort") == f"{UNUSUAL} 1"
    path, _ = packs
    with Store(path) as store:
        again = window_on_store(qtbot, settings, store)
        qtbot.waitUntil(lambda: again.folder_panel.tree is not None, timeout=20_000)
        header = again.folder_panel.view.header()
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
            UNUSUAL,
            Qt.SortOrder.DescendingOrder,
        )
        samples = again.folder_panel.model.index(1, FOLDER)
        assert again.folder_panel.model.index(0, FOLDER, samples).data() == "Pack B"
        qtbot.waitUntil(lambda: not again.runner.any_running(), timeout=20_000)
        again.close()
    settings.set("folders_sort", "nonsense")
    from anomalizer_desktop.ui.widgets.folder_panel import FolderPanel

    panel = FolderPanel()
    qtbot.addWidget(panel)
    panel.restore_sort(settings.get("folders_sort"))  # left in name order
    assert panel.view.header().sortIndicatorSection() == FOLDER


def test_a_narrow_panel_gives_the_loops_column_to_the_names(qtbot):
    import numpy as np

    from anomalizer_desktop.core.library.folder_tree import FolderTree
    from anomalizer_desktop.ui.widgets.folder_panel import (
        LOOPS_SHOWN_FROM,
        UNUSUAL_SHOWN_FROM,
        FolderPanel,
    )

    percent = np.array([20.0, 95.0])
    tree = FolderTree(["/L/Drum Breaks", "/L/Bass"], percent, [None] * 2, ["/L"], percent >= 90)
    panel = FolderPanel()
    qtbot.addWidget(panel)
    panel.set_tree(tree, 2, None)
    panel.resize(300, 300)
    panel.show()
    header = panel.view.header()
    assert not header.isSectionHidden(LOOPS)
    wide_names = header.sectionSize(FOLDER)
    panel.resize(LOOPS_SHOWN_FROM - 60, 300)  # at half a screen: the names had no room
    qtbot.waitUntil(lambda: header.isSectionHidden(LOOPS))
    assert not header.isSectionHidden(UNUSUAL)  # the share that says which pack does not fit
    narrowed_by = 300 - panel.width()
    assert header.sectionSize(FOLDER) >= wide_names - narrowed_by + 44 - 2  # Loops' 44 px too
    child = panel.view.model().index(0, FOLDER, panel.view.model().index(1, FOLDER))
    assert "1 loop" in child.data(Qt.ItemDataRole.ToolTipRole)  # the count, on hover
    panel.resize(UNUSUAL_SHOWN_FROM - 70, 300)  # at 740 px: the names had no room again
    qtbot.waitUntil(lambda: header.isSectionHidden(UNUSUAL))
    assert header.sectionSize(FOLDER) >= panel.view.viewport().width() - 2  # all of it
    assert "above the unusual cut: 100 %" in child.data(Qt.ItemDataRole.ToolTipRole)
    panel.resize(300, 300)
    qtbot.waitUntil(lambda: not header.isSectionHidden(LOOPS))
    assert not header.isSectionHidden(UNUSUAL)


def test_pack_folders_that_differ_at_the_end_stay_apart_in_a_narrow_panel(qtbot):
    """Packs come in volumes ("Cymatics - Oracle Vol 1", "… Vol 2"): cut at the end, as Qt does,
    a narrow panel showed "Cymatics - Or…" twice. The middle goes now, and a folder named like a
    file ("Vengeance Vol.3") keeps its ".3"."""
    import numpy as np

    from anomalizer_desktop.core.library.folder_tree import FolderTree
    from anomalizer_desktop.ui.widgets.folder_panel import FolderPanel

    folders = ["/L/Cymatics - Oracle Vol 1", "/L/Cymatics - Oracle Vol 2", "/L/Vengeance Vol.3"]
    percent = np.array([20.0, 40.0, 60.0])
    tree = FolderTree(folders, percent, [None] * 3, ["/L"], percent >= 90)
    panel = FolderPanel()
    qtbot.addWidget(panel)
    panel.set_tree(tree, 3, None)
    panel.resize(300, 300)
    panel.show()
    view = panel.view
    root = view.model().index(1, FOLDER)  # under All loops
    assert root.data() == "L"
    names = {shown_in_cell(view, row, FOLDER, 400, root) for row in range(3)}
    assert names == {"Cymatics - Oracle Vol 1", "Cymatics - Oracle Vol 2", "Vengeance Vol.3"}
    shown = [shown_in_cell(view, row, FOLDER, 100, root) for row in range(3)]
    assert all("\u2026" in name for name in shown), shown
    assert sorted(name[-5:] for name in shown) == ["Vol 1", "Vol 2", "Vol.3"], shown
    assert all(name.startswith(("Cym", "Ven")) for name in shown), shown


def test_the_folder_model_passes_qt_s_model_tester(qtmodeltester, qtbot):
    import numpy as np

    from anomalizer_desktop.core.library.folder_tree import FolderTree
    from anomalizer_desktop.ui.widgets.folder_panel import FolderTreeModel

    folders = ["/L/a", "/L/a/x", "/L/a/x/y", "/L/b", "/M/c", "/Out/d"]
    percent = np.array([20.0, 50.0, 95.0, np.nan, 91.0, 10.0])
    tree = FolderTree(folders, percent, [None] * 6, ["/L", "/M", "/Empty"], percent >= 90)
    model = FolderTreeModel()
    model.set_tree(tree, len(folders))
    qtmodeltester.check(model, force_py=True)
    model.sort(UNUSUAL, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_a_folder_with_no_loop_selected_is_explained_in_the_panel(qtbot, win, packs):
    """What sets a pack apart: its loops' aspects against the library's, and its most
    unusual loops, each a link to go to it."""
    _, root = packs
    win.folder_panel.folder_menu(str(root / "Pack B")).actions()[1].trigger()  # Why unusual?
    assert win.chosen_folder == str(root / "Pack B") and not win.selected_rows()
    panel = win.explain_panel
    qtbot.waitUntil(lambda: "Its most unusual loops" in panel.toPlainText(), timeout=20_000)
    text = panel.toPlainText()
    assert text.startswith("Pack B: ") and "What deviates most in its typical loop" in text
    assert "above the unusual cut" in text
    first = panel._links[0]
    assert first.startswith(str(root / "Pack B") + os.sep)
    panel.loop_chosen.emit(first)  # a click on its link: that loop, explained
    assert win.model.path(win.selected_rows()[0]) == first
    qtbot.waitUntil(lambda: "Nearest typical loops" in panel.toPlainText(), timeout=20_000)
    # choosing another folder while no loop is selected explains that one
    win.table.clearSelection()
    click_folder(qtbot, win.folder_panel, "Drums")
    qtbot.waitUntil(lambda: panel.toPlainText().startswith("Drums: "), timeout=20_000)


def test_alt_down_and_up_go_through_the_folders_a_pack_at_a_time(qtbot, win, packs):
    _, root = packs
    win.table.setFocus()
    visited = []
    for _ in range(3):  # All loops -> Samples -> Pack A -> Pack B (Pack A's folders closed)
        win.act_next_folder.trigger()
        visited.append(win.chosen_folder)
        assert win.table.hasFocus() and win.selected_rows() == [0]
        assert win.model.path(0).startswith(win.chosen_folder + os.sep)
    assert visited == [str(root), str(root / "Pack A"), str(root / "Pack B")]
    assert "Pack B: 4 loops shown" in win.statusBar().currentMessage()
    win.act_next_folder.trigger()  # the last one: it says so and stays
    assert win.chosen_folder == str(root / "Pack B")
    assert "No folder below" in win.statusBar().currentMessage()
    win.act_previous_folder.trigger()
    assert win.chosen_folder == str(root / "Pack A") and win.model.rowCount() == 12
    win.act_previous_folder.trigger()
    win.act_previous_folder.trigger()  # back to All loops: every loop
    assert win.chosen_folder is None and win.model.rowCount() == 16
