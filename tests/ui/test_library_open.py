"""A library that cannot be opened: a message, a choice, and the damaged file kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from anomalizer_desktop.core.library.schema import (
    SQLITE_HEADER,
    NotALibraryError,
    SchemaTooNewError,
)
from anomalizer_desktop.core.library.store import Store, StoreError
from anomalizer_desktop.ui.library_open import (
    CLOSE,
    DEFAULT,
    OK,
    QUIT,
    REPAIR,
    RETRY,
    START_NEW,
    recover_library,
)


def broken_library(tmp_path):
    """A library whose pages were overwritten: SQLite's header, then garbage."""
    library = tmp_path / "library.sqlite"
    Store(library).close()
    size = library.stat().st_size
    library.write_bytes(SQLITE_HEADER + b"someone's loops were here " * (size // 26))
    with pytest.raises(StoreError) as caught:
        Store(library)
    return library, caught.value


class Answers:
    """An `Ask` that answers from a list and records what it was shown."""

    def __init__(self, *answers):
        self.answers, self.shown = list(answers), []

    def __call__(self, text, choices):
        self.shown.append((text, choices))
        return self.answers.pop(0)


def test_quitting_leaves_the_damaged_library_untouched(tmp_path):
    library, error = broken_library(tmp_path)
    before = library.read_bytes()
    ask = Answers(QUIT)
    assert recover_library(library, error, ask) is None
    assert library.read_bytes() == before
    text, choices = ask.shown[0]
    assert text.startswith(f"The library {library} is damaged (file is not a database).")
    assert "Repair it?" in text
    assert choices == [REPAIR, QUIT]


def test_repairing_a_library_with_nothing_readable_starts_it_empty_and_keeps_the_old_one(
    tmp_path,
):
    library, error = broken_library(tmp_path)
    before = library.read_bytes()
    ask = Answers(REPAIR, OK)
    store = recover_library(library, error, ask)
    assert store is not None and store.list_samples() == []
    store.close()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("library.sqlite.damaged-")]
    assert kept[0].read_bytes() == before
    summary, choices = ask.shown[-1]
    assert choices == [OK] and summary.startswith(f"Repaired the library {library}: kept 0")
    assert f"The damaged file is kept as {kept[0]}: delete it once" in summary


def test_repairing_at_start_keeps_the_flags_that_can_be_read(tmp_path):
    from damage import damage_pages_of, library_with_loops

    library = library_with_loops(tmp_path / "library.sqlite", loops=600)
    damage_pages_of(library, "samples", leaves=1)
    with Store(library) as store, pytest.raises(sqlite3.DatabaseError):
        store.list_samples()  # it opens, then a read meets the damaged page
    ask = Answers(REPAIR, OK)
    error = StoreError("cannot open the library: database disk image is malformed")
    store = recover_library(library, error, ask)
    assert store is not None
    loops = store.list_samples()
    flagged = {r.path for r in loops if r.flag == "unusual"}
    store.close()
    assert 500 < len(loops) < 600
    assert flagged == {r.path for r in loops if r.path.endswith(("0.wav",))}
    assert "Rescan, embed and train" in ask.shown[-1][0]


def test_a_library_from_a_newer_version_is_never_set_aside(tmp_path):
    library = tmp_path / "library.sqlite"
    Store(library).close()
    with sqlite3.connect(library) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaTooNewError) as caught:
        Store(library)
    ask = Answers(QUIT)
    assert recover_library(library, caught.value, ask) is None
    assert (
        ask.shown[0][1] == [QUIT] and "\n\nThis library uses schema version 99" in ask.shown[0][0]
    )
    assert not [p for p in tmp_path.iterdir() if "damaged" in p.name]
    with sqlite3.connect(library) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (99,)


@pytest.mark.parametrize("kind", ["sound file", "another program's database"])
def test_a_file_that_is_not_a_library_is_left_exactly_as_it_is(tmp_path, kind):
    """--library pointed at a sound file, or at another program's database: opening it wrote
    the library's tables into that database (and offered to rename the sound file aside)."""
    library = tmp_path / ("kick.wav" if kind == "sound file" else "songs.db")
    if kind == "sound file":
        library.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(100))
    else:
        with sqlite3.connect(library) as db:
            db.execute("CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)")
            db.execute("INSERT INTO songs (title) VALUES ('mine')")
        db.close()
    before = library.read_bytes()
    with pytest.raises(NotALibraryError) as caught:
        Store(library)
    assert library.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [library.name]  # no -wal, no -shm
    expected = "not a library file" if kind == "sound file" else "its tables: songs"
    assert expected in str(caught.value)
    ask = Answers(QUIT)
    assert recover_library(library, caught.value, ask) is None
    assert ask.shown[0][1] == [QUIT] and library.read_bytes() == before
    default = tmp_path / "default" / "library.sqlite"
    ask = Answers(DEFAULT)
    store = recover_library(library, caught.value, ask, default)
    assert ask.shown[0][1] == [DEFAULT, QUIT] and store.path == str(default)
    store.close()
    assert library.read_bytes() == before


def test_the_message_box_quits_when_closed(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from anomalizer_desktop.ui.library_open import ask_with_message_box

    seen = []

    def close_it():
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox))
        seen.append([b.text() for b in box.buttons()])
        box.reject()

    QTimer.singleShot(100, close_it)
    assert ask_with_message_box("Cannot open the library", [START_NEW, QUIT]) == QUIT
    assert seen == [["Start a new library", "Quit"]]


def test_a_library_on_a_missing_drive_can_be_tried_again_or_left_for_the_default(tmp_path):
    """Quit, try again once the drive is there, or work in the default library meanwhile:
    never a new library where the drive should be."""
    (tmp_path / "usb").write_text("not mounted")
    library = tmp_path / "usb" / "Loops" / "library.sqlite"
    default = tmp_path / "home" / "library.sqlite"
    with pytest.raises(StoreError) as caught:
        Store(library)
    ask = Answers(QUIT)
    assert recover_library(library, caught.value, ask, default) is None
    text, choices = ask.shown[0]
    assert choices == [RETRY, DEFAULT, QUIT] and text.startswith("Cannot open the library")
    assert "folder" in text and "drive" in text
    assert not (tmp_path / "usb").is_dir() and not default.exists()  # nothing made

    ask = Answers(RETRY, DEFAULT)  # still not there: asked again; then the default
    store = recover_library(library, caught.value, ask, default)
    assert len(ask.shown) == 2 and store is not None and store.path == str(default)
    store.close()

    def mount(text, choices):  # the drive, with its library, is connected while asked
        (tmp_path / "usb").unlink()
        (tmp_path / "usb" / "Loops").mkdir(parents=True)
        Store(library).close()
        return RETRY

    store = recover_library(library, caught.value, mount, default)
    assert store is not None and store.path == str(library)
    store.close()
    # the default library itself on the missing drive: nothing else to offer
    ask = Answers(QUIT)
    recover_library(tmp_path / "nodrive" / "x" / "l.sqlite", caught.value, ask, None)
    assert ask.shown[0][1] == [RETRY, QUIT]


def test_a_library_gone_since_last_time_is_not_quietly_made_again_empty(tmp_path):
    """An empty mount point, a moved file: the folder is there but the library is not. Try
    again opens it only once the file is back; a new one starts only when asked for."""
    from anomalizer_desktop.ui.library_open import missing_library
    from anomalizer_desktop.ui.settings import gone_since_last_time, remember_library

    library = tmp_path / "mnt" / "samples" / "library.sqlite"
    library.parent.mkdir(parents=True)
    default = tmp_path / "home" / "library.sqlite"
    from PySide6.QtCore import QSettings

    from anomalizer_desktop.ui.settings import Settings

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert not gone_since_last_time(settings, library, default)  # never opened: a new one
    remember_library(settings, library)
    assert gone_since_last_time(settings, library, default)
    assert not gone_since_last_time(settings, default, default)  # the default is remade
    ask = Answers(RETRY, QUIT)  # not back yet: asked again, then quit
    assert missing_library(library, ask, default) is None
    assert len(ask.shown) == 2 and not library.exists()
    text, choices = ask.shown[0]
    assert "not there any more" in text and choices == [RETRY, DEFAULT, START_NEW, QUIT]
    store = missing_library(library, Answers(START_NEW), default)
    assert store is not None and library.exists()
    store.close()
    assert not gone_since_last_time(settings, library, default)


def test_a_library_on_a_read_only_drive_is_never_set_aside(tmp_path, monkeypatch):
    """It used to be offered as damaged: "Start a new, empty library? The damaged file is
    kept beside it, renamed"."""
    from drives import read_only_drive

    from anomalizer_desktop.core.library.schema import LibraryNotWritableError

    library = tmp_path / "drive" / "library.sqlite"
    Store(library).close()
    before = library.read_bytes()
    default = tmp_path / "default" / "library.sqlite"
    with monkeypatch.context() as patched:
        read_only_drive(patched, library)
        with pytest.raises(LibraryNotWritableError) as caught:
            Store(library)
        ask = Answers(QUIT)
        assert recover_library(library, caught.value, ask, default) is None
    text, choices = ask.shown[0]
    assert choices == [DEFAULT, QUIT] and "its drive is read-only" in text
    ask = Answers(DEFAULT)
    store = recover_library(library, caught.value, ask, default)
    assert store.path == str(default)
    store.close()
    assert sorted(p.name for p in library.parent.iterdir()) == ["library.sqlite"]
    assert library.read_bytes() == before


def test_a_repair_that_cannot_make_the_new_library_leaves_the_old_one_as_it_was(
    tmp_path, monkeypatch
):
    """A drive that filled up: the old library was renamed aside and an empty file left in its
    place, so the next start showed an empty library."""
    from anomalizer_desktop.core.library import repair

    library, error = broken_library(tmp_path)
    Path(f"{library}-wal").write_bytes(b"the old library's journal")
    before = library.read_bytes()

    def full_drive(path):
        Path(path).touch()  # SQLite makes the file before it finds there is no room
        raise StoreError(f"cannot open the library {path}: database or disk is full")

    monkeypatch.setattr(repair, "Store", full_drive)
    ask = Answers(REPAIR, CLOSE)
    assert recover_library(library, error, ask) is None
    text, choices = ask.shown[-1]
    assert choices == [CLOSE]
    assert "database or disk is full" in text and "It is as it was" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.sqlite", "library.sqlite-wal"]
    assert library.read_bytes() == before
    assert Path(f"{library}-wal").read_bytes() == b"the old library's journal"


def test_a_library_on_a_full_drive_is_not_called_damaged(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    from anomalizer_desktop.core.library import store as store_module
    from anomalizer_desktop.core.library.schema import LibraryNotWritableError

    library = tmp_path / "library.sqlite"
    Store(library).close()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 << 30, 10 << 30, 12 << 10))

    def connect(*args, **kwargs):  # what SQLite says when it cannot make its -shm file
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    with pytest.raises(LibraryNotWritableError) as caught:
        Store(library)
    assert str(caught.value) == (
        f"cannot open the library {library}: its drive is full (12 kB free). It is left as it"
        " is: make room on it and open it again"
    )
    ask = Answers(QUIT)
    assert recover_library(library, caught.value, ask) is None
    assert ask.shown[0][1] == [QUIT]  # no default library given: only Quit, never set aside
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.sqlite"]


def test_a_library_whose_folder_is_on_a_read_only_drive_is_not_waited_for(tmp_path, monkeypatch):
    """A read-only home: the default library's folder cannot be made. "Is it on a drive that is
    not connected? Try again" could only fail again."""
    import errno

    from anomalizer_desktop.core.library.schema import LibraryNotWritableError

    library = tmp_path / "home" / ".local" / "share" / "library.sqlite"

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(LibraryNotWritableError) as caught:
        Store(library)
    ask = Answers(QUIT)
    assert recover_library(library, caught.value, ask) is None
    text, choices = ask.shown[0]
    assert choices == [QUIT]
    assert text == (
        f"Cannot open the library {library}: cannot create its folder {library.parent}"
        " (Read-only file system). Start with --library naming a library file in a folder you"
        " can write to."
    )
