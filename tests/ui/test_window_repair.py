"""A library that opens but has damaged pages: the window asks to repair it (never an
"unexpected error" over an empty window) and opens the repaired library."""

from __future__ import annotations

from damage import damage_pages_of, library_with_loops
from PySide6.QtWidgets import QPushButton

from anomalizer_desktop.core.library.store import Store


def open_window(qtbot, library, settings):
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.workers import JobRunner

    window = MainWindow(
        Store(library), settings, JobRunner(str(library)), AudioPlayer(device="no such device")
    )
    qtbot.addWidget(window)
    return window


def test_a_job_that_meets_a_damaged_page_says_so_and_is_not_called_a_bug(qtbot, tmp_path):
    from anomalizer_desktop.ui import jobs
    from anomalizer_desktop.ui.workers import JobRunner

    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_pages_of(library, "samples", leaves=1)
    runner = JobRunner(str(library))
    damaged, failed = [], []
    runner.damaged.connect(lambda reason, message: damaged.append((reason, message)))
    handle = runner.start("load", jobs.snapshot_job("dsp"))
    handle.failed.connect(failed.append)
    qtbot.waitUntil(lambda: not runner.any_running(), timeout=20_000)
    assert damaged == [
        ("database disk image is malformed", failed[0])
    ]  # the window's question stands for the failure
    assert failed[0].startswith(f"the library {library} is damaged (database disk image")
    assert "unexpected error" not in failed[0]


def test_the_window_offers_to_repair_and_opens_the_repaired_library(
    qtbot, tmp_path, settings, monkeypatch
):
    from anomalizer_desktop.ui import library_open, plain_text, window_repair

    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_pages_of(library, "samples", leaves=1)
    asked, told, warned = [], [], []
    monkeypatch.setattr(
        window_repair.LibraryRepair,
        "_ask_repair",
        lambda self, reason, path=None: asked.append(reason) or True,
    )
    monkeypatch.setattr(
        window_repair, "ask_with_message_box", lambda text, choices: told.append(text) or "ok"
    )
    monkeypatch.setattr(library_open, "ask_with_message_box", window_repair.ask_with_message_box)
    monkeypatch.setattr(plain_text, "warn", lambda *args: warned.append(args[2]))
    window = open_window(qtbot, library, settings)
    qtbot.waitUntil(lambda: getattr(window, "_successor", None) is not None, timeout=20_000)
    repaired = window._successor
    qtbot.addWidget(repaired)
    try:
        qtbot.waitUntil(lambda: repaired.model.rowCount() > 0, timeout=20_000)
        qtbot.waitUntil(lambda: not repaired.runner.any_running(), timeout=20_000)
        assert asked == ["database disk image is malformed"]  # asked once, for every job
        assert warned == []  # and no "unexpected error" dialog
        assert told[0].startswith(f"Repaired the library {library}: kept")
        assert 500 < repaired.model.rowCount() < 600 and not window.isVisible()
        assert repaired.store.path == str(library) and not repaired._repair_offered
        flagged = [r for r in repaired.store.list_samples() if r.flag == "unusual"]
        assert flagged and all(r.note == "odd one" for r in flagged)
    finally:
        repaired.runner.cancel_all()
        repaired.store.close()


def test_damage_the_first_read_missed_is_found_by_the_check_and_not_now_leaves_it(
    qtbot, tmp_path, settings, monkeypatch
):
    """Damage in pages the window does not read (here: an old run's scores) is found by
    SQLite's check once the library is on show; Not now keeps working on it as it is."""
    from anomalizer_desktop.ui import window_repair

    library = library_with_loops(tmp_path / "lib.sqlite", loops=3000)
    with Store(library) as store, store.transaction() as db:  # a newer run: the one shown
        db.execute("INSERT INTO runs(id, created_at, detector, embedder) VALUES (8, 1, 'k', 'd')")
        db.execute("INSERT INTO scores SELECT 8, sample_id, score, percentile FROM scores")
    damage_pages_of(library, "scores", leaves=1, start=1)  # run 7's rows come first
    asked = []
    monkeypatch.setattr(
        window_repair.LibraryRepair,
        "_ask_repair",
        lambda self, reason, path=None: asked.append(reason) or False,
    )
    window = open_window(qtbot, library, settings)
    try:
        qtbot.waitUntil(lambda: bool(asked), timeout=20_000)
        qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
        assert window.model.rowCount() == 3000 and not getattr(window, "_closed", False)
        assert "Library > Repair library" in window.statusBar().currentMessage()
        window.check_library_soon()  # once per window: no second question
        qtbot.wait(200)
        assert len(asked) == 1
    finally:
        window.runner.cancel_all()
        window.store.close()


def test_damage_met_by_the_windows_own_reads_goes_to_the_repair_question(
    qtbot, window, monkeypatch
):
    """Reads on the window's thread (the folders' check at start, say) raise inside a Qt
    slot, where the error only reached a traceback on stderr."""
    import sqlite3
    import sys

    from anomalizer_desktop.ui import window_repair

    monkeypatch.setattr(sys, "excepthook", lambda *args: printed.append(args[1]))
    printed, asked = [], []
    monkeypatch.setattr(
        window_repair.LibraryRepair,
        "_library_damaged",
        lambda self, reason, message: asked.append((reason, message)),
    )
    window_repair.route_damage_to_windows()
    window.show()
    damage = sqlite3.DatabaseError("database disk image is malformed")
    damage.sqlite_errorcode = 11  # SQLITE_CORRUPT, as SQLite sets it
    sys.excepthook(sqlite3.DatabaseError, damage, None)
    a_bug = ValueError("a bug")
    sys.excepthook(ValueError, a_bug, None)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert asked[0][0] == "database disk image is malformed"
    assert asked[0][1].startswith(f"the library {window.store.path} is damaged")
    assert printed == [a_bug]  # anything else is printed as before


def test_open_library_offers_to_repair_a_damaged_one_and_keeps_this_one_open_meanwhile(
    qtbot, window, tmp_path, settings, monkeypatch
):
    from anomalizer_desktop.ui import library_open, window_repair

    other = library_with_loops(tmp_path / "other.sqlite", loops=40)
    with open(other, "r+b") as handle:  # its list of tables: it cannot even open
        handle.seek(100)  # (the whole first page after the file's header)
        handle.write(b"\xab" * 3996)
    asked, told = [], []
    monkeypatch.setattr(
        window_repair.LibraryRepair,
        "_ask_repair",
        lambda self, reason, path=None: asked.append((path, self.store.path)) or True,
    )
    monkeypatch.setattr(library_open, "ask_with_message_box", lambda text, ch: told.append(text))
    monkeypatch.setattr(window_repair, "ask_with_message_box", library_open.ask_with_message_box)
    new = window.open_library(str(other))
    qtbot.addWidget(new)
    try:
        assert asked == [(other, window.store.path)]  # asked while this one was open
        assert told[0].startswith(f"Repaired the library {other}: kept 40 loops")
        qtbot.waitUntil(lambda: new.model.rowCount() == 40, timeout=20_000)
        assert new.store.path == str(other) and settings.get("library") == str(other)
    finally:
        new.runner.cancel_all()
        new.store.close()


def test_flags_set_in_the_window_reach_their_backup_once_the_keys_stop(qtbot, window, monkeypatch):
    from PySide6.QtCore import Qt

    from anomalizer_desktop.core.library.flag_backup import read_flag_backup

    window._flag_backup_timer.setInterval(50)
    window.table.setFocus()
    window.table.selectRow(0)
    path = window.model.path(0)
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    qtbot.waitUntil(
        lambda: any(loop.path == path for loop in read_flag_backup(window.store.path)[0]),
        timeout=20_000,
    )
    assert not window.store.flags_changed
    # written in a worker (0.3-0.4 s at 100,000 annotated loops): one that fails leaves it
    # to the window's close
    from anomalizer_desktop.core.library import store as store_module

    def full_drive(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "write_flag_backup", full_drive)
    started = []
    window.runner.started.connect(lambda handle: started.append(handle.kind))
    window.table.selectRow(2)
    qtbot.keyClick(window.table, Qt.Key.Key_U)
    qtbot.waitUntil(
        lambda: "flag_backup" in started and window.runner.running("flag_backup") is None,
        timeout=20_000,
    )
    assert window.store.flags_changed
    monkeypatch.undo()
    window.table.selectRow(1)
    qtbot.keyClick(window.table, Qt.Key.Key_T)
    window._flag_backup_timer.setInterval(60_000)  # the window closes before it fires
    window._flag_backup_timer.start()
    window.close()
    flags = {loop.path: loop.flag for loop in read_flag_backup(window.store.path)[0]}
    assert flags == {
        path: "unusual",
        window.model.path(1): "typical",
        window.model.path(2): "unusual",
    }


def test_a_library_none_of_which_could_be_read_shows_a_repair_page_not_the_welcome(
    qtbot, tmp_path, settings, monkeypatch
):
    """Not now, on a library whose first read failed: the window showed the welcome page of
    an empty library ("Add a folder of loops"), as if the producer's loops were gone."""
    from anomalizer_desktop.ui import library_open, window_repair

    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_pages_of(library, "samples", leaves=1)
    monkeypatch.setattr(
        window_repair.LibraryRepair, "_ask_repair", lambda self, reason, path=None: False
    )
    monkeypatch.setattr(library_open, "ask_with_message_box", lambda text, choices: "ok")
    monkeypatch.setattr(window_repair, "ask_with_message_box", library_open.ask_with_message_box)
    window = open_window(qtbot, library, settings)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.damaged_page, timeout=20_000)
    assert "cannot be read (database disk image is malformed)" in window.damaged_text.text()
    button = window.damaged_page.findChild(QPushButton)
    assert button.text() == "Repair the library…"
    button.click()
    repaired = window._successor
    qtbot.addWidget(repaired)
    try:
        qtbot.waitUntil(lambda: repaired.model.rowCount() > 500, timeout=20_000)
        assert repaired.pages.currentIndex() == 1
    finally:
        repaired.runner.cancel_all()
        repaired.store.close()
