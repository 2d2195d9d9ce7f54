"""Which library folders hold other loops than the last scan saw (the window's folder watch)."""

from __future__ import annotations

import os
import shutil
import time

import audiogen

from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.folder_changes import (
    SETTLE_S,
    check_folders,
    folders_to_rescan,
    list_folders,
    look_at_folder,
)
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import EXPORT_MARKER


def _written_long_ago(path) -> None:
    """As a file copied from a pack keeps its date (and no longer being written)."""
    old = time.time() - 3600
    os.utime(path, (old, old))


def _library(tmp_path):
    root = tmp_path / "loops"
    for folder in ("drums", "bass"):
        for i in range(2):
            _written_long_ago(
                audiogen.write(root / folder / f"{folder}_{i}.wav", audiogen.tone(220 + 50 * i))
            )
    (root / "drums" / "readme.txt").write_text("from a pack")
    return root


def test_a_scan_records_what_it_saw_in_each_folder_and_an_unchanged_folder_matches(tmp_path):
    root = _library(tmp_path)
    with Store(tmp_path / "lib.sqlite") as store:
        summary = run_job(scan(store, [str(root)]))
    folders = {str(root), str(root / "drums"), str(root / "bass")}
    assert set(summary.folders) == folders and summary.roots == [str(root)]
    assert run_job(list_folders([str(root)])) == summary.folders  # the same walk without a scan
    check = check_folders(summary.folders, folders)
    assert (check.changed, check.settling) == ([], [])
    # the summary printed as JSON (scan --json) does not list every folder
    assert "folders" not in summary.as_json() and "roots" not in summary.as_json()


def test_only_changes_a_scan_would_see_count(tmp_path):
    root = _library(tmp_path)
    seen = run_job(list_folders([str(root)]))
    drums, bass = str(root / "drums"), str(root / "bass")

    # not loops: a text file, the library's own file, a hidden folder, a macOS AppleDouble file
    (root / "drums" / "notes.txt").write_text("x")
    (root / "bass" / "library.sqlite-wal").write_bytes(b"\0" * 64)
    (root / ".cache").mkdir()
    (root / "bass" / "._bass_0.wav").write_bytes(b"\0" * 64)
    assert check_folders(seen, [str(root), drums, bass]).changed == []

    # a loop added, a loop renamed, a folder of loops added
    _written_long_ago(audiogen.write(root / "drums" / "new.wav", audiogen.tone(500)))
    (root / "bass" / "bass_1.wav").rename(root / "bass" / "bass_1 - 120 BPM.wav")
    (root / "pack").mkdir()
    check = check_folders(seen, [str(root), drums, bass])
    assert check.changed == sorted([str(root), drums, bass]) and check.settling == []
    assert look_at_folder(drums)[0] != seen[drums]


def test_a_folder_gone_or_unreadable_counts_as_changed(tmp_path):
    root = _library(tmp_path)
    seen = run_job(list_folders([str(root)]))
    bass = root / "bass"
    for path in bass.iterdir():
        path.unlink()
    bass.rmdir()
    check = check_folders(seen, [str(bass)])
    assert check.changed == [str(bass)] and look_at_folder(str(bass))[0] is None


def test_a_loop_still_being_written_makes_its_folder_settle_first(tmp_path):
    root = _library(tmp_path)
    seen = run_job(list_folders([str(root)]))
    drums = str(root / "drums")
    audiogen.write(root / "drums" / "copying.wav", audiogen.tone(600))  # written just now
    check = check_folders(seen, [drums])
    assert check.changed == [drums] and check.settling == [drums]
    later = time.time() + SETTLE_S + 0.1
    assert check_folders(seen, [drums], now=later).settling == []


def test_an_export_folder_is_a_subfolder_but_its_files_are_not_walked(tmp_path):
    root = _library(tmp_path)
    exported = root / "my set"
    exported.mkdir()
    (exported / EXPORT_MARKER).write_text("drums_0.wav\n")
    os.symlink(root / "drums" / "drums_0.wav", exported / "drums_0.wav")
    seen = run_job(list_folders([str(root)]))
    assert str(exported) not in seen  # as a scan, the watch does not look inside it
    assert check_folders(seen, [str(root)]).changed == []


def test_a_folder_holding_just_what_the_library_lists_there_needs_no_scan(tmp_path):
    """The app moved, renamed or trashed loops, the library following: the folders changed,
    but a scan would find nothing new. A folder the move made is as listed too; a file the
    library does not list, a loop it lists as missing, or a new linked folder still count."""
    from anomalizer_desktop.core.library.move_loops import move_loops

    root = _library(tmp_path)
    drums, bass = str(root / "drums"), str(root / "bass")
    with Store(tmp_path / "lib.sqlite") as store:
        seen = run_job(scan(store, [str(root)])).folders
        assert store.names_listed_in(drums) == {"drums_0.wav", "drums_1.wav"}
        assert store.names_listed_in(str(root)) == set()  # (not its subfolders' loops)
        picked = root / "picked" / "kicks"
        loops = store.sample_ids_for_paths([os.path.join(drums, "drums_0.wav")])
        run_job(move_loops(store, loops, str(picked)))
        check = check_folders(seen, [str(root), drums], listed=store.names_listed_in)
        assert check.changed == []
        assert check.as_listed == {
            folder: look_at_folder(folder)[0]
            for folder in (str(root), drums, str(root / "picked"), str(picked))
        }
        assert check_folders(seen, [drums]).changed == [drums]  # (without the library's list)

        _written_long_ago(audiogen.write(picked / "copied in.wav", audiogen.tone(700)))
        assert check_folders(seen, [str(root)], listed=store.names_listed_in).changed == [str(root)]
        os.remove(picked / "copied in.wav")
        store.mark_missing(store.sample_ids_for_paths([os.path.join(bass, "bass_0.wav")]).values())
        (root / "bass" / "bass_1.wav").unlink()
        store.forget_samples(
            store.sample_ids_for_paths([os.path.join(bass, "bass_1.wav")]).values()
        )
        check = check_folders(seen, [bass], listed=store.names_listed_in)
        assert check.changed == [bass]  # bass_0.wav is back: a scan heals its row
        os.symlink(root / "bass", root / "linked")
        check = check_folders(seen, [str(root)], listed=store.names_listed_in)
        assert check.changed == [str(root)]  # a scan knows how links are walked


def test_a_changed_folder_is_scanned_again_without_the_folders_beside_it(tmp_path):
    """The folder whose loops changed, not its whole library folder: the folders the watch saw
    unchanged are left as they are (a file deleted there unnoticed stays until its folder
    changes), but one that is gone has its loops gone."""
    root = _library(tmp_path)
    (root / "drums" / "kicks").mkdir()
    _written_long_ago(audiogen.write(root / "drums" / "kicks" / "kick.wav", audiogen.tone(60)))
    _written_long_ago(audiogen.write(root / "top.wav", audiogen.tone(800)))
    drums, bass, kicks = str(root / "drums"), str(root / "bass"), str(root / "drums" / "kicks")
    with Store(tmp_path / "lib.sqlite") as store:
        seen = run_job(scan(store, [str(root)])).folders
        _written_long_ago(audiogen.write(root / "drums" / "new.wav", audiogen.tone(900)))
        (root / "bass" / "bass_0.wav").unlink()  # (unnoticed: not among the changed folders)
        (root / "drums" / "kicks" / "kick.wav").unlink()  # (unnoticed too)
        folders, unchanged = folders_to_rescan([drums], [str(root)], seen=seen)
        assert (folders, unchanged) == ([drums], {kicks})
        summary = run_job(scan(store, folders, unchanged=unchanged))
        assert (summary.new, summary.missing, summary.found) == (1, 0, 3)
        assert summary.roots == [drums] and set(summary.folders) == {drums}
        assert summary.left == {kicks}
        assert [path for _, path in store.roots()] == [str(root)]  # no second library folder
        statuses = dict(store.execute("SELECT path, status FROM samples").fetchall())
        assert statuses[os.path.join(bass, "bass_0.wav")] == "ok"
        assert statuses[os.path.join(kicks, "kick.wav")] == "ok"
        assert statuses[os.path.join(drums, "new.wav")] == "ok"

        # the library folder itself changed (a pack came, one went): the packs beside are left
        shutil.rmtree(root / "bass")
        (root / "top.wav").unlink()
        _written_long_ago(audiogen.write(root / "new pack" / "pad.wav", audiogen.tone(300)))
        folders, unchanged = folders_to_rescan([str(root)], [str(root)], seen=seen)
        assert (folders, unchanged) == ([str(root)], {drums, bass})
        summary = run_job(scan(store, folders, unchanged=unchanged))
        assert summary.left == {drums}  # (bass is not there to leave)
        assert (summary.new, summary.missing, summary.found) == (1, 3, 1)  # bass_*, top.wav
        statuses = dict(store.execute("SELECT path, status FROM samples").fetchall())
        assert statuses[os.path.join(kicks, "kick.wav")] == "ok"
        assert statuses[os.path.join(bass, "bass_1.wav")] == "missing"
        assert set(store.sample_identities(str(root), besides=[drums, kicks])) == {
            str(root / "top.wav"),
            str(root / "new pack" / "pad.wav"),
            os.path.join(bass, "bass_0.wav"),
            os.path.join(bass, "bass_1.wav"),
        }


def test_what_is_scanned_again_for_the_folders_changed(tmp_path):
    root = _library(tmp_path)
    (root / "drums" / "kicks").mkdir()
    drums, bass, kicks = str(root / "drums"), str(root / "bass"), str(root / "drums" / "kicks")
    other = str(tmp_path / "elsewhere")

    def rescan(changed, roots=(str(root),), linked=()):
        return folders_to_rescan(changed, list(roots), linked)[0]

    assert rescan([kicks, bass]) == [bass, kicks]
    assert rescan([kicks, drums]) == [drums]  # (kicks is in drums)
    gone = os.path.join(bass, "old pack", "deeper")
    assert rescan([gone]) == [bass]  # gone: the folder above it that is there
    assert rescan([other, kicks]) == [kicks]  # not in the library
    assert rescan([kicks], [other]) == []
    seen = [str(root), drums, bass, kicks]
    assert folders_to_rescan([kicks], [str(root)], seen=seen) == ([kicks], set())
    assert folders_to_rescan([drums], [str(root)], seen=seen) == ([drums], {kicks})
    assert folders_to_rescan([str(root), kicks], [str(root)], seen=seen) == (
        [str(root)],
        {bass},  # (not drums: a folder in it changed)
    )
    # a link below a library folder: its folders are walked at the first path met, so all of it
    os.symlink(root / "bass", root / "drums" / "bass too")
    linked: set[str] = set()
    run_job(list_folders([str(root)], linked=linked))
    assert linked == {str(root / "drums" / "bass too")}
    with Store(tmp_path / "lib.sqlite") as store:
        assert run_job(scan(store, [str(root)])).linked == linked
    assert rescan([kicks], [str(root), other], linked) == [str(root)]
    assert folders_to_rescan([kicks], [str(root)], linked, seen) == ([str(root)], set())
    assert rescan([kicks], [str(root)], ["/another/library/link"]) == [kicks]


def test_a_loop_saved_again_under_its_name_makes_its_folder_changed(tmp_path):
    """A DAW or an editor saving a loop again writes it aside and renames it over the old
    one: the names are the same, but the file's size and time are not what the library
    holds."""
    root = _library(tmp_path)
    drums = str(root / "drums")
    with Store(tmp_path / "lib.sqlite") as store:
        seen = run_job(scan(store, [str(root)])).folders
        assert check_folders(seen, [drums], stamps=store.stamps_listed_in).changed == []
        aside = root / "drums" / ".drums_0.wav.tmp"
        audiogen.write(aside, audiogen.tone(330, 2.0), format="WAV")
        _written_long_ago(aside)
        os.replace(aside, root / "drums" / "drums_0.wav")
        assert check_folders(seen, [drums]).changed == []  # (by the names alone: the same)
        check = check_folders(seen, [drums], stamps=store.stamps_listed_in)
        assert (check.changed, check.settling) == ([drums], [])
        summary = run_job(scan(store, [drums]))
        assert (summary.changed, summary.new) == (1, 0)
        assert check_folders(seen, [drums], stamps=store.stamps_listed_in).changed == []
