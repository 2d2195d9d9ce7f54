"""The window watches the library's folders while it is open: loops copied, unpacked, renamed
or deleted there come into the library (embedded and scored) without Rescan."""

from __future__ import annotations

import io
import os
import shutil
import time

import audiogen
import numpy as np
import pytest
import soundfile


def _written_long_ago(path):
    old = time.time() - 3600
    os.utime(path, (old, old))
    return path


@pytest.fixture
def watching(qtbot, window, monkeypatch):
    """The window with its folder watch on (as in the app), quick to react, and what it said
    in the status bar and which jobs it started, recorded."""
    said, kinds = _start_watching(qtbot, window, monkeypatch)
    return window, said, kinds


def _start_watching(qtbot, window, monkeypatch):
    said, kinds = [], []
    real_show = window.statusBar().showMessage
    monkeypatch.setattr(
        window.statusBar(), "showMessage", lambda text, ms=0: (said.append(text), real_show(text))
    )
    real_start = window.runner.start
    monkeypatch.setattr(
        window.runner,
        "start",
        lambda kind, factory: (kinds.append(kind), real_start(kind, factory))[1],
    )
    window.folder_watch._quiet.setInterval(200)
    window.settings.set("watch_folders", True)
    window.check_folders()  # as when the library opens: a check, and the watch from what it saw
    _settle(qtbot, window)
    said.clear(), kinds.clear()
    return said, kinds


def _settle(qtbot, window, timeout=30_000):
    qtbot.waitUntil(
        lambda: (
            not window.runner.any_running()
            and not window._chain
            and not window._watch_folders_changed
            and not window.folder_watch._quiet.isActive()
            and not window.folder_watch.syncing()
        ),
        timeout=timeout,
    )


def _score(window, name):
    library = window.model.library
    return library.score[library.names.index(name)] if name in library.names else np.nan


def test_a_loop_copied_into_a_watched_folder_comes_in_scored(qtbot, watching, scored_library):
    window, said, kinds = watching
    _, root = scored_library
    assert str(root) in window.folder_watch.watched()
    audiogen.write(root / "new_tone.wav", audiogen.tone(990, 1.0))  # written just now: settles
    qtbot.waitUntil(lambda: not np.isnan(_score(window, "new_tone.wav")), timeout=30_000)
    _settle(qtbot, window)
    assert "In your folders just now: 1 loop added." in said
    assert kinds.count("scan") == 1 and "embed" in kinds and "score" in kinds
    status = dict(zip(window.model.library.names, window.model.library.status, strict=True))
    assert status["new_tone.wav"] == "ok"


def test_files_that_are_not_loops_start_no_scan(qtbot, watching, scored_library):
    window, _said, kinds = watching
    _, root = scored_library
    (root / "readme.txt").write_text("a pack's licence")
    (root / ".hidden").mkdir()
    qtbot.waitUntil(lambda: "watch" in kinds, timeout=10_000)  # it looked...
    _settle(qtbot, window)
    qtbot.wait(300)
    assert "scan" not in kinds  # ...and found nothing a scan would see


def test_a_folder_unpacked_into_a_library_folder_is_watched_from_then_on(
    qtbot, watching, scored_library
):
    window, _said, _kinds = watching
    _, root = scored_library
    pack = root / "new pack"
    pack.mkdir()
    _written_long_ago(audiogen.write(pack / "pad.wav", audiogen.tone(300, 2.0)))
    qtbot.waitUntil(lambda: "pad.wav" in window.model.library.names, timeout=30_000)
    _settle(qtbot, window)
    assert str(pack) in window.folder_watch.watched()
    _written_long_ago(audiogen.write(pack / "lead.wav", audiogen.tone(660, 2.0)))
    qtbot.waitUntil(lambda: not np.isnan(_score(window, "lead.wav")), timeout=30_000)
    _settle(qtbot, window)


def test_a_loop_deleted_or_renamed_outside_the_app_is_followed(qtbot, watching, scored_library):
    window, said, _kinds = watching
    _, root = scored_library
    window.store.set_flag([_id(window, "drum_05.wav")], "unusual")
    (root / "drum_05.wav").rename(root / "drum_05 - 110 BPM.wav")  # renamed: it keeps its flag
    (root / "drum_06.wav").unlink()
    qtbot.waitUntil(lambda: "drum_05 - 110 BPM.wav" in window.model.library.names, timeout=30_000)
    _settle(qtbot, window)
    library = window.model.library
    status = dict(zip(library.names, library.status, strict=True))
    assert status["drum_06.wav"] == "missing" and "drum_05.wav" not in library.names
    assert window.store.flag_counts()["unusual"] == 1
    assert "In your folders just now: 1 loop moved, 1 gone." in said


def _id(window, name):
    library = window.model.library
    return int(library.ids[library.names.index(name)])


def test_a_change_waits_for_the_job_running_then_scans(qtbot, watching, scored_library):
    window, _said, kinds = watching
    _, root = scored_library
    window._chain = [lambda: None]  # another job's steps still to come
    window._watched_folders_changed([str(root)])
    assert "scan" not in kinds and window._watch_retry.isActive()
    window._chain = []
    window._watch_retry.setInterval(50)
    qtbot.waitUntil(lambda: "scan" in kinds, timeout=10_000)
    _settle(qtbot, window)


def test_preferences_turn_the_watch_off_and_on(qtbot, watching, scored_library):
    window, _said, kinds = watching
    _, root = scored_library
    window.settings.set("watch_folders", False)
    window.watch_folders()
    assert window.folder_watch.watched() == [] and not window.folder_watch.active
    _written_long_ago(audiogen.write(root / "unseen.wav", audiogen.tone(880, 1.0)))
    qtbot.wait(800)
    assert not {"watch", "scan"} & set(kinds) and "unseen.wav" not in window.model.library.names

    window.settings.set("watch_folders", True)
    window.watch_folders()  # from what is there now: unseen.wav waits for a Rescan
    qtbot.waitUntil(lambda: str(root) in window.folder_watch.watched(), timeout=10_000)
    _written_long_ago(audiogen.write(root / "seen.wav", audiogen.tone(440, 1.0)))
    qtbot.waitUntil(lambda: "seen.wav" in window.model.library.names, timeout=30_000)
    assert "unseen.wav" in window.model.library.names  # the scan it started found both
    _settle(qtbot, window)


def test_a_folder_removed_from_the_library_is_no_longer_watched(
    qtbot, watching, scored_library, monkeypatch
):
    from anomalizer_desktop.ui import plain_text

    window, _said, _kinds = watching
    _, root = scored_library
    other = root.parent / "other loops"
    shutil.copytree(root, other)
    window.add_folders([str(other)])
    _settle(qtbot, window, timeout=60_000)
    assert str(other) in window.folder_watch.watched()
    monkeypatch.setattr(
        "anomalizer_desktop.ui.window_jobs.QInputDialog.getItem",
        lambda *_args: (str(other), True),
    )
    monkeypatch.setattr(plain_text, "confirm", lambda *_args: True)
    assert window.remove_folder() == 17
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert str(other) not in window.folder_watch.watched()
    assert str(root) in window.folder_watch.watched()


def test_folders_the_system_will_not_watch_are_counted_and_said(
    qtbot, window, scored_library, monkeypatch
):
    _, root = scored_library
    said = []
    monkeypatch.setattr(window.statusBar(), "showMessage", lambda text, ms=0: said.append(text))
    window.folder_watch.active = True
    window.folder_watch._replace([str(root)], {str(root): 0, str(root / "gone"): 1})
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert window.folder_watch.unwatched == 1
    assert said == [
        "The system lets the app watch 1 of your 2 loop folders: Rescan finds what comes into"
        " the others (on Linux, raise fs.inotify.max_user_watches)."
    ]
    window.folder_watch._replace([str(root)], {str(root): 0, str(root / "either"): 1})
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert window.folder_watch.unwatched == 1 and len(said) == 1  # said once while it lasts


def test_many_folders_are_handed_to_the_system_in_batches(qtbot, window, tmp_path, monkeypatch):
    """10,000 folders at once held the window 0.24 s: they go in batches, a turn each."""
    from anomalizer_desktop.ui import folder_watch

    monkeypatch.setattr(folder_watch, "SYNC_BATCH", 2)
    folders = {str(tmp_path / f"f{i}"): i for i in range(5)}
    for folder in folders:
        os.mkdir(folder)
    window.folder_watch.active = True
    window.folder_watch._replace([str(tmp_path)], folders)
    assert window.folder_watch.watched() == []  # nothing yet: the first batch is a turn away
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert sorted(window.folder_watch.watched()) == sorted(folders)
    window.folder_watch.forget(str(tmp_path))
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert window.folder_watch.watched() == [] and window.folder_watch.unwatched == 0


def test_where_watching_costs_more_the_shallowest_folders_are_watched(
    qtbot, window, tmp_path, monkeypatch
):
    from anomalizer_desktop.ui import folder_watch

    monkeypatch.setattr(folder_watch, "MAX_FOLDERS", {folder_watch.sys.platform: 2})
    deep = tmp_path / "pack" / "kicks"
    deep.mkdir(parents=True)
    folders = {str(tmp_path): 0, str(tmp_path / "pack"): 1, str(deep): 2}
    said = []
    monkeypatch.setattr(window.statusBar(), "showMessage", lambda text, ms=0: said.append(text))
    window.folder_watch.active = True
    window.folder_watch._replace([str(tmp_path)], folders)
    qtbot.waitUntil(lambda: not window.folder_watch.syncing())
    assert sorted(window.folder_watch.watched()) == [str(tmp_path), str(tmp_path / "pack")]
    assert window.folder_watch.unwatched == 1 and "watch 2 of your 3 loop folders" in said[0]


def test_the_apps_own_moves_renames_and_trash_start_no_scan(
    qtbot, watching, scored_library, monkeypatch, tmp_path
):
    """A loop the app moved, renamed or trashed is already where the library says: the watch
    sees its folders change, finds them as the library lists them, and starts no scan (at
    100,000 loops that scan took seconds, and the next move or rename waited for it). A new
    folder a move made is watched from then on."""
    from anomalizer_desktop.ui import trash

    window, _said, kinds = watching
    _, root = scored_library
    picked = root / "Picked" / "Kicks"  # two new folders: the move makes them
    window.move_dropped(str(picked), [_id(window, "drum_00.wav"), _id(window, "drum_01.wav")])
    qtbot.waitUntil(
        lambda: str(picked / "drum_00.wav") in window.model.library.paths, timeout=10_000
    )
    qtbot.waitUntil(lambda: "watch" in kinds, timeout=10_000)
    _settle(qtbot, window)
    assert "scan" not in kinds
    assert {str(root), str(root / "Picked"), str(picked)} <= set(window.folder_watch.watched())

    window.rename_file(_id(window, "drum_02.wav"), str(root / "drum_02.wav"), "Drum 2 - 104 BPM")
    window.undo()  # Ctrl+Z: the move undone, each loop back in the library's folder
    assert (root / "drum_00.wav").exists() and os.listdir(picked) == []
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(trash, "confirm", lambda *_args: True)
    window.select_ids([_id(window, "drum_03.wav")])
    window.trash_selection()
    kinds.clear()
    qtbot.waitUntil(lambda: "watch" in kinds, timeout=10_000)
    _settle(qtbot, window)
    assert "scan" not in kinds
    assert "Drum 2 - 104 BPM.wav" in window.model.library.names
    assert not (root / "drum_03.wav").exists()

    # the watch still follows what others do there: a file renamed in a file manager
    (root / "drum_05.wav").rename(picked / "Kick loop.wav")
    qtbot.waitUntil(lambda: "Kick loop.wav" in window.model.library.names, timeout=30_000)
    assert "scan" in kinds
    _settle(qtbot, window)


def test_a_loop_copied_in_while_the_app_renames_beside_it_still_comes_in(
    qtbot, watching, scored_library
):
    """The library lists the renamed loop, not the one copied in beside it meanwhile: the
    folder differs from what the library holds, so it is scanned."""
    window, _said, kinds = watching
    _, root = scored_library
    _written_long_ago(audiogen.write(root / "copied in.wav", audiogen.tone(550, 1.0)))
    window.rename_file(_id(window, "drum_04.wav"), str(root / "drum_04.wav"), "Drum 4")
    qtbot.waitUntil(lambda: "copied in.wav" in window.model.library.names, timeout=30_000)
    assert "scan" in kinds and "Drum 4.wav" in window.model.library.names
    _settle(qtbot, window)


def _record_rescans(monkeypatch):
    """The folders each of the window's own scans was asked to scan, and to leave."""
    from anomalizer_desktop.ui import window_jobs

    scanned = []
    real_rescan_job = window_jobs.jobs.rescan_job
    monkeypatch.setattr(
        window_jobs.jobs,
        "rescan_job",
        lambda folders=None, unchanged=frozenset(): (
            scanned.append((folders, set(unchanged))),
            real_rescan_job(folders, unchanged),
        )[1],
    )
    return scanned


def test_a_pack_unpacked_beside_others_scans_that_pack_not_the_others(
    qtbot, window, scored_library, monkeypatch
):
    """At 100,000 loops the whole library folder was a walk and a look at each file; what the
    library folder's last scan found wrong in the packs left stays in Problems."""
    _, root = scored_library
    first, second, new = root / "first pack", root / "second pack", root / "new pack"
    for pack in (first, second):
        for i in range(2):
            audiogen.write(pack / f"{pack.name} {i}.wav", audiogen.tone(200 + 100 * i, 1.0))
    os.mkdir(os.path.join(os.fsencode(second), b"bad \xff name"))  # a name it can't hold
    said, _kinds = _start_watching(qtbot, window, monkeypatch)
    qtbot.waitUntil(lambda: "second pack 1.wav" in window.model.library.names, timeout=30_000)
    assert any("bad" in path for path, _ in window.scan_problems)
    scanned = _record_rescans(monkeypatch)

    new.mkdir()
    _written_long_ago(audiogen.write(new / "pad.wav", audiogen.tone(300, 2.0)))
    qtbot.waitUntil(lambda: not np.isnan(_score(window, "pad.wav")), timeout=30_000)
    _settle(qtbot, window)
    assert scanned == [([str(root)], {str(first), str(second)})]  # the packs beside it left
    assert "In your folders just now: 1 loop added." in said
    assert any("bad" in path for path, _ in window.scan_problems)  # still said

    _written_long_ago(audiogen.write(new / "lead.wav", audiogen.tone(660, 2.0)))
    qtbot.waitUntil(lambda: not np.isnan(_score(window, "lead.wav")), timeout=30_000)
    _settle(qtbot, window)
    assert scanned[1:] == [([str(new)], set())]

    shutil.rmtree(first)  # a pack deleted in the file manager: its loops are gone
    qtbot.waitUntil(lambda: "In your folders just now: 2 loops gone." in said, timeout=30_000)
    _settle(qtbot, window)
    assert scanned[2:] == [([str(root)], {str(second), str(new)})]

    def status():
        return dict(zip(window.model.library.names, window.model.library.status, strict=True))

    qtbot.waitUntil(lambda: status()["first pack 0.wav"] == "missing", timeout=10_000)
    assert status()["second pack 0.wav"] == "ok"
    assert any("bad" in path for path, _ in window.scan_problems)
    assert [path for _, path in window.store.roots()] == [str(root)]


def test_a_library_folder_a_link_leads_into_is_scanned_whole(
    qtbot, window, scored_library, monkeypatch
):
    """A folder reached twice (by its path and through a link) is walked at the first path met:
    only a scan of all of its library folder takes its loops where the last scan did."""
    _, root = scored_library
    pack = root / "pack"
    pack.mkdir()
    _written_long_ago(audiogen.write(pack / "pad.wav", audiogen.tone(300, 2.0)))
    os.symlink(pack, root / "favourites")
    _start_watching(qtbot, window, monkeypatch)
    scanned = _record_rescans(monkeypatch)
    _written_long_ago(audiogen.write(pack / "lead.wav", audiogen.tone(660, 2.0)))
    qtbot.waitUntil(lambda: "lead.wav" in window.model.library.names, timeout=30_000)
    _settle(qtbot, window)
    assert scanned and all(scan == ([str(root)], set()) for scan in scanned)
    names = window.model.library.names
    assert names.count("lead.wav") == 1 and names.count("pad.wav") == 1


def test_what_comes_into_a_new_folder_before_it_is_watched_still_comes_in(
    qtbot, watching, scored_library
):
    """A pack still being unpacked: the scan walked its folder, more loops came, and only then
    was the folder watched. It is looked at once more, and those loops come in."""
    from anomalizer_desktop.core.jobs import run_job
    from anomalizer_desktop.core.library.scanner import scan

    window, _said, _kinds = watching
    _, root = scored_library
    pack = root / "unpacking"
    window.folder_watch._watcher.blockSignals(True)  # (the system has not told yet)
    pack.mkdir()
    _written_long_ago(audiogen.write(pack / "first.wav", audiogen.tone(300, 1.0)))
    summary = run_job(scan(window.store, [str(root)]))  # walked with the first loop only
    _written_long_ago(audiogen.write(pack / "second.wav", audiogen.tone(500, 1.0)))
    window.folder_watch._watcher.blockSignals(False)
    assert str(pack) not in window.folder_watch.watched()
    window.folder_watch.scanned(summary)
    qtbot.waitUntil(lambda: "second.wav" in window.model.library.names, timeout=30_000)
    _settle(qtbot, window)
    assert str(pack) in window.folder_watch.watched()


def test_a_folder_the_system_stopped_watching_is_scanned_not_left(
    qtbot, window, scored_library, monkeypatch
):
    """A folder deleted and made again (a pack unpacked over itself) is no longer watched by
    the system until the watch catches up: what came into it meanwhile is found by the next
    scan of the folder around it, which does not leave it as it was."""
    _, root = scored_library
    pack = root / "pack"
    _written_long_ago(audiogen.write(pack / "pad.wav", audiogen.tone(300, 2.0)))
    _start_watching(qtbot, window, monkeypatch)
    scanned = _record_rescans(monkeypatch)
    window.folder_watch._watcher.removePaths([str(pack)])  # (as the system drops it)
    _written_long_ago(audiogen.write(pack / "lead.wav", audiogen.tone(660, 2.0)))
    (root / "new pack").mkdir()  # a change the watch sees, in the folder around it
    _written_long_ago(audiogen.write(root / "new pack" / "bass.wav", audiogen.tone(110, 2.0)))
    qtbot.waitUntil(lambda: "bass.wav" in window.model.library.names, timeout=30_000)
    _settle(qtbot, window)
    assert scanned[0] == ([str(root)], set())  # (the pack not left as it was)
    assert "lead.wav" in window.model.library.names
    assert str(pack) in window.folder_watch.watched()  # watched again


def test_a_loop_saved_again_over_itself_is_read_again(qtbot, watching, scored_library):
    """Bounced again from a DAW (written aside, renamed over the old file): the same name, so
    the folder's names say nothing, but the file is not the one the library read."""
    window, said, _kinds = watching
    _, root = scored_library
    before = _score(window, "tone_a.wav")
    aside = root / ".tone_a.wav.part"
    _written_long_ago(audiogen.write(aside, audiogen.drum_loop(seed=7), format="WAV"))
    os.replace(aside, root / "tone_a.wav")
    qtbot.waitUntil(lambda: "In your folders just now: 1 loop changed." in said, timeout=30_000)
    _settle(qtbot, window)
    assert _score(window, "tone_a.wav") != before  # read, described and scored again


def test_a_loop_edited_in_place_in_the_audio_editor_is_read_again_on_coming_back(
    qtbot, watching, scored_library, monkeypatch
):
    """E opens the loop in the audio editor; the editor writes over the file in place, which
    sends its folder nothing; when the window is the active application again the folder is
    looked at and the loop read, embedded and scored again. A folder that did not change
    starts no scan."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QDesktopServices

    window, said, kinds = watching
    _, root = scored_library
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    loop = root / "tone_a.wav"
    window.select_ids([int(window.model.library.ids[window.model.library.names.index(loop.name)])])
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_E)  # (the table's own search took the letter)
    assert [url.toLocalFile() for url in opened] == [str(loop)]
    assert said[-1] == (
        "Opened tone_a.wav in the desktop's application for them: saved there, it is read again"
        " when you come back to the app."
    )
    window._application_state_changed(Qt.ApplicationState.ApplicationActive)  # nothing saved yet
    _settle(qtbot, window)
    assert "scan" not in kinds
    before = _score(window, "tone_a.wav")
    edited = io.BytesIO()
    soundfile.write(edited, audiogen.drum_loop(seed=7), audiogen.SR, format="WAV")
    with open(loop, "r+b") as file:  # as many editors save: the same file, written over
        file.write(edited.getvalue())
        file.truncate()
    qtbot.wait(700)  # the system says nothing of it
    assert "scan" not in kinds
    window._application_state_changed(Qt.ApplicationState.ApplicationActive)
    qtbot.waitUntil(lambda: "In your folders just now: 1 loop changed." in said, timeout=30_000)
    _settle(qtbot, window)
    assert kinds.count("scan") == 1
    assert _score(window, "tone_a.wav") != before


def test_open_in_audio_editor_runs_the_program_chosen_in_preferences(
    qtbot, window, monkeypatch, tmp_path
):
    from PySide6.QtCore import QProcess

    from anomalizer_desktop.ui.window_editor import editor_command

    started = []
    monkeypatch.setattr(
        QProcess, "startDetached", lambda program, args: started.append((program, args)) or True
    )
    window.settings.set("audio_editor", "/opt/editor/bin/audacity")
    window.table.selectAll()
    window.open_in_editor()
    program, args = started[0]
    present = [window.model.path(r) for r in range(17) if not window.model.file_missing(r)]
    assert program == "/opt/editor/bin/audacity" and args == present[:8]  # at most 8 at once
    assert "(the first 8 of" in window.statusBar().currentMessage()
    assert " in audacity" in window.statusBar().currentMessage()
    monkeypatch.setattr(QProcess, "startDetached", lambda program, args: (False, 0))
    window.open_in_editor()
    assert window.statusBar().currentMessage() == (
        "audacity did not open: choose the audio editor in Preferences."
    )
    monkeypatch.setattr("sys.platform", "darwin")
    assert editor_command("/Applications/Audacity.app", ["a.wav"]) == (
        "open",
        ["-a", "/Applications/Audacity.app", "a.wav"],
    )
