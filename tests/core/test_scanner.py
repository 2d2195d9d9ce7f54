"""Scanning: incremental, moves keep user data, vanished files go missing, nothing hangs."""

from __future__ import annotations

import os
import shutil

import audiogen
import numpy as np
import pytest

from anomalizer_desktop.core.audio.formats import not_read, unread_formats_text
from anomalizer_desktop.core.audio.identity import (
    content_hash,
    content_hashes,
    is_edge_hash,
)
from anomalizer_desktop.core.jobs import CancelToken, Progress, run_job
from anomalizer_desktop.core.library.scanner import ScanError, nothing_found_text, scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.walk import EXPORT_INSIDE_THE_LIBRARY


def _scan(store, *paths):
    return run_job(scan(store, [str(p) for p in paths]))


def edge_hash(path) -> str:
    """The edges-only hash earlier versions stored for a file."""
    return content_hashes(path).edges


def _by_name(store):
    return {os.path.basename(r.path): r for r in store.list_samples()}


def test_first_scan_finds_every_audio_file_and_ignores_the_rest(store, loop_folder):
    (loop_folder / "readme.txt").write_text("hi")
    (loop_folder / "._drum_00.wav").write_bytes(b"\x00" * 100)  # macOS AppleDouble
    summary = _scan(store, loop_folder)
    assert (summary.found, summary.new, summary.errors) == (12, 12, 0)
    records = store.list_samples()
    assert all(r.status == "ok" for r in records)
    drum = _by_name(store)["drum_00.wav"]
    assert drum.duration == pytest.approx(2.0)
    assert drum.sample_rate == audiogen.SR
    assert drum.channels == 1


def test_sun_au_and_broadcast_wave_files_are_loops(store, tmp_path):
    """libsndfile reads Sun/NeXT audio (.au, .snd: old sample CDs, Unix sound libraries) and
    Broadcast WAV (.bwf: field recorders and post-production libraries name their WAVs so);
    a scan passed them by without a word, as if the folder held no audio."""
    folder = tmp_path / "old formats"
    audiogen.write(folder / "Hit.AU", audiogen.tone(220), format="AU", subtype="PCM_16")
    audiogen.write(folder / "bell.snd", audiogen.tone(880), format="AU", subtype="ULAW")
    audiogen.write(folder / "take.wav", audiogen.noise())
    shutil.copy(folder / "take.wav", folder / "Room Tone.bwf")
    summary = _scan(store, folder)
    assert (summary.found, summary.new, summary.errors, summary.unread_formats) == (4, 4, 0, {})
    records = _by_name(store)
    assert sorted(records) == ["Hit.AU", "Room Tone.bwf", "bell.snd", "take.wav"]
    assert all(r.status == "ok" and r.duration == pytest.approx(1.0) for r in records.values())


def test_files_in_formats_it_does_not_read_are_counted_by_extension(store, loop_folder):
    """A pack's REX, Apple Loops (.m4a) and MIDI files are passed by, as before, but counted:
    a folder of them came to "found 0" with no word why. Text, analysis files and AppleDouble
    copies pass by unremarked."""
    for name in ("a.m4a", "b.M4A", "sub/c.m4a", "a.rx2", "b.rx2", "beat.mid", "._d.m4a"):
        (loop_folder / name).parent.mkdir(exist_ok=True)
        (loop_folder / name).write_bytes(b"\x00" * 64)
    (loop_folder / "readme.txt").write_text("hi")
    (loop_folder / "drum_00.wav.asd").write_bytes(b"\x00" * 64)
    summary = _scan(store, loop_folder)
    assert (summary.found, summary.errors, summary.problems) == (12, 0, [])
    assert summary.unread_formats == {".m4a": 3, ".rx2": 2, ".mid": 1}
    assert summary.as_json()["unread_formats"] == {".m4a": 3, ".rx2": 2, ".mid": 1}
    said = unread_formats_text(summary.unread_formats)
    assert said == "6 files in formats anomalizer does not read: .m4a 3, .rx2 2, .mid 1"
    assert unread_formats_text({".rex": 1}) == "1 file in a format anomalizer does not read: .rex 1"
    assert unread_formats_text({}) == ""
    # two files of one format are "in a format" (a dropped pair of .m4a said "formats")
    assert not_read(["/a/x.m4a", "/b/Y.M4A"]) == "a format anomalizer does not read"
    assert not_read(["x.m4a", "y.rx2"]) == "formats anomalizer does not read"


def test_a_folder_with_no_loops_says_what_it_holds_and_what_is_read(store, tmp_path):
    """What the window says when an added folder brought nothing in."""
    apple = tmp_path / "Apple Loops"
    apple.mkdir()
    for name in ("one.m4a", "two.m4a"):
        (apple / name).write_bytes(b"\x00" * 64)
    summary = _scan(store, apple)
    assert summary.found == 0
    assert nothing_found_text(summary) == (
        "No loops found in Apple Loops: it holds 2 files in a format anomalizer does not read:"
        " .m4a 2. anomalizer reads WAV, AIFF, FLAC, CAF, Ogg Vorbis, Opus, MP3 and AU."
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    summary = _scan(store, empty, apple)
    assert nothing_found_text(summary).startswith(
        "No loops found in empty, Apple Loops: they hold 2 files in a format"
    )
    summary = _scan(store, empty)
    assert nothing_found_text(summary).startswith(
        "No loops found in empty: it holds no audio files."
    )
    for name in "abcd":
        (tmp_path / name).mkdir()
    summary = _scan(store, *(tmp_path / name for name in "abcd"))
    assert nothing_found_text(summary).startswith(
        "No loops found in a, b, c and 1 more: they hold no audio files."
    )


def test_rescan_is_incremental(store, loop_folder):
    _scan(store, loop_folder)
    summary = _scan(store, loop_folder)
    assert (summary.unchanged, summary.new, summary.changed, summary.missing) == (12, 0, 0, 0)


def test_changed_file_is_reread_and_loses_features_but_keeps_flags(store, loop_folder):
    _scan(store, loop_folder)
    target = _by_name(store)["drum_00.wav"]
    store.put_features(target.id, "dsp", "1", [1.0, 2.0])
    store.set_flag([target.id], "unusual")
    audiogen.write(loop_folder / "drums" / "drum_00.wav", audiogen.drum_loop(seconds=3.0, seed=9))
    summary = _scan(store, loop_folder)
    assert summary.changed == 1
    record = _by_name(store)["drum_00.wav"]
    assert record.id == target.id
    assert record.duration == pytest.approx(3.0)
    assert record.embedders == ()
    assert record.flag == "unusual"


def test_touched_but_identical_file_keeps_its_features(store, loop_folder):
    _scan(store, loop_folder)
    target = _by_name(store)["drum_01.wav"]
    store.put_features(target.id, "dsp", "1", [1.0])
    path = loop_folder / "drums" / "drum_01.wav"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    summary = _scan(store, loop_folder)
    assert summary.changed == 0
    assert _by_name(store)["drum_01.wav"].embedders == ("dsp",)


def test_moved_and_renamed_files_keep_id_features_flags_and_notes(store, loop_folder):
    _scan(store, loop_folder)
    original = _by_name(store)["bass_02.flac"]
    store.put_features(original.id, "dsp", "1", [3.0])
    store.set_flag([original.id], "typical")
    store.set_note([original.id], "keeper")
    (loop_folder / "moved").mkdir()
    shutil.move(loop_folder / "bass" / "bass_02.flac", loop_folder / "moved" / "renamed.flac")
    summary = _scan(store, loop_folder)
    assert (summary.moved, summary.new, summary.missing) == (1, 0, 0)
    record = _by_name(store)["renamed.flac"]
    assert record.id == original.id
    assert (record.flag, record.note, record.embedders) == ("typical", "keeper", ("dsp",))
    assert record.added == original.added  # in the library since its first scan
    assert "bass_02.flac" not in _by_name(store)


def test_list_sorted_by_added_shows_the_newest_loops_first(store, loop_folder):
    _scan(store, loop_folder)
    audiogen.write(loop_folder / "later.wav", audiogen.tone(500))
    _scan(store, loop_folder)
    records = store.list_samples(sort="added", descending=True)
    assert records[0].path.endswith("later.wav")
    assert records[0].added > max(r.added for r in records[1:])


def test_a_renamed_folder_added_again_keeps_its_loops_and_the_old_name_is_forgotten(
    store, loop_folder, tmp_path
):
    """Rename a pack's folder and add it again: its loops move over with their flags, and the
    old folder, gone and empty now, leaves the library (rescans called it not reachable
    forever). A folder that is gone with its loops still in it (a drive not mounted) stays."""
    pack = tmp_path / "Pack v1"
    for i in range(4):
        audiogen.write(pack / f"pad_{i}.wav", audiogen.tone(200.0 + 50 * i))
    _scan(store, loop_folder, pack)
    flagged = _by_name(store)["pad_1.wav"]
    store.set_flag([flagged.id], "unusual")
    pack.rename(tmp_path / "Pack v2")
    unplugged = _scan(store, loop_folder)
    assert unplugged.forgotten_folders == []  # gone, its loops still with it
    assert str(pack) in [path for _, path in store.roots()]
    summary = _scan(store, tmp_path / "Pack v2")
    assert (summary.moved, summary.new) == (4, 0)
    assert summary.forgotten_folders == [str(pack)]
    assert {path for _, path in store.roots()} == {str(loop_folder), str(tmp_path / "Pack v2")}
    moved = next(r for r in store.list_samples() if r.id == flagged.id)
    assert (moved.path, moved.flag) == (str(tmp_path / "Pack v2" / "pad_1.wav"), "unusual")


def test_a_duplicate_copy_is_a_new_sample_not_a_move(store, loop_folder):
    _scan(store, loop_folder)
    shutil.copy(loop_folder / "tone_a.wav", loop_folder / "tone_copy.wav")
    summary = _scan(store, loop_folder)
    assert (summary.new, summary.moved) == (1, 0)


def test_a_new_copy_of_a_flagged_loop_takes_its_flag_but_not_its_note(store, loop_folder):
    """A flag is about the sound: a flagged loop copied into a project's folder is flagged
    there too. Notes and tags stay the file's; copies flagged both ways give none."""
    _scan(store, loop_folder)

    def loop_id(name: str) -> int:
        return next(r.id for r in store.list_samples() if r.path == str(loop_folder / name))

    store.set_flag([loop_id("tone_a.wav")], "unusual")
    store.set_note([loop_id("tone_a.wav")], "too bright")
    store.set_flag([loop_id("noise.wav")], "typical")
    (loop_folder / "project").mkdir()
    shutil.copy(loop_folder / "tone_a.wav", loop_folder / "project" / "lead.wav")
    shutil.copy(loop_folder / "noise.wav", loop_folder / "project" / "b1.wav")
    _scan(store, loop_folder)
    flags = {os.path.relpath(r.path, loop_folder): r.flag for r in store.list_samples()}
    assert (flags["project/lead.wav"], flags["project/b1.wav"]) == ("unusual", "typical")
    store.set_flag([loop_id("project/b1.wav")], "unusual")  # as an older version left it
    shutil.copy(loop_folder / "noise.wav", loop_folder / "project" / "b2.wav")
    _scan(store, loop_folder)
    got = {os.path.relpath(r.path, loop_folder): (r.flag, r.note) for r in store.list_samples()}
    assert got["project/lead.wav"] == ("unusual", None)
    assert got["tone_a.wav"] == ("unusual", "too bright")
    assert got["project/b2.wav"] == (None, None)  # its copies disagree: no flag
    assert sum(flag is not None for flag, _ in got.values()) == 4


def _bass_line_with_a_rest(path, seed: int):
    """A 6 s loop whose first and last 2 s are digital silence (a bass line that starts after
    a rest and ends on one; 16-bit mono at 22.05 kHz, so 86 KiB each): loops of a pack share
    their length and such edges."""
    y = np.zeros(6 * audiogen.SR, dtype=np.float32)
    y[2 * audiogen.SR : 4 * audiogen.SR] = audiogen.bass_loop(seconds=2.0, seed=seed)
    return audiogen.write(path, y)


def test_two_loops_with_silent_edges_are_never_taken_for_one_another(store, tmp_path):
    """Their first and last 64 KiB are the same bytes, which is all earlier versions hashed:
    a rescan that lost one and found the other handed over the flag (and the vectors)."""
    pack = tmp_path / "pack"
    first = _bass_line_with_a_rest(pack / "bass A.wav", seed=1)
    _scan(store, pack)
    original = _by_name(store)["bass A.wav"]
    store.set_flag([original.id], "unusual")
    store.put_features(original.id, "dsp", "1", [1.0])
    old_edges = edge_hash(first)
    first.unlink()
    second = _bass_line_with_a_rest(pack / "bass B.wav", seed=2)
    assert edge_hash(second) == old_edges
    summary = _scan(store, pack)
    assert (summary.moved, summary.new, summary.missing) == (0, 1, 1)
    records = _by_name(store)
    assert (records["bass A.wav"].status, records["bass A.wav"].flag) == ("missing", "unusual")
    assert (records["bass B.wav"].flag, records["bass B.wav"].embedders) == (None, ())


def test_edge_hashes_of_earlier_versions_are_replaced_and_their_moves_still_found(
    store, loop_folder
):
    """A library written by an earlier version holds edges-only hashes: the next scan reads
    those files once to store whole-content hashes (keeping their vectors), and a loop whose
    file moved before that scan is still recognised by its old hash."""
    _scan(store, loop_folder)
    records = _by_name(store)
    kept, moved = records["drum_00.wav"], records["bass_02.flac"]
    store.put_features(kept.id, "dsp", "1", [1.0])
    store.set_flag([moved.id], "typical")
    with store.transaction() as db:
        for record in (kept, moved):
            db.execute(
                "UPDATE samples SET content_hash = ? WHERE id = ?",
                (edge_hash(record.path), record.id),
            )
    shutil.move(moved.path, loop_folder / "renamed.flac")
    summary = _scan(store, loop_folder)
    assert (summary.moved, summary.new, summary.changed, summary.missing) == (1, 0, 0, 0)
    hashes = dict(store.execute("SELECT id, content_hash FROM samples").fetchall())
    assert hashes[kept.id] == content_hash(kept.path)
    assert hashes[moved.id] == content_hash(loop_folder / "renamed.flac")
    records = _by_name(store)
    assert records["drum_00.wav"].embedders == ("dsp",)
    assert records["renamed.flac"].flag == "typical"
    assert not any(is_edge_hash(h) for h in hashes.values())
    assert _scan(store, loop_folder).unchanged == 12


def test_vanished_files_go_missing_with_flags_kept_and_come_back(store, loop_folder):
    _scan(store, loop_folder)
    target = _by_name(store)["noise.wav"]
    store.set_flag([target.id], "unusual")
    data = (loop_folder / "noise.wav").read_bytes()
    (loop_folder / "noise.wav").unlink()
    summary = _scan(store, loop_folder)
    assert summary.missing == 1
    record = _by_name(store)["noise.wav"]
    assert (record.status, record.flag) == ("missing", "unusual")
    (loop_folder / "noise.wav").write_bytes(data)
    back = _scan(store, loop_folder)
    record = _by_name(store)["noise.wav"]
    assert (record.id, record.status, record.flag) == (target.id, "ok", "unusual")
    assert (back.returned, back.missing, back.new) == (1, 0, 0)
    assert _scan(store, loop_folder).returned == 0  # back once, not on every scan


def test_symlink_loops_do_not_hang(store, loop_folder):
    os.symlink(loop_folder, loop_folder / "drums" / "loop_back")
    os.symlink(loop_folder / "missing_target", loop_folder / "dangling")
    summary = _scan(store, loop_folder)
    assert summary.found == 12


def test_a_dangling_link_is_an_error_once_and_unchanged_after(store, loop_folder):
    os.symlink(loop_folder / "gone.wav", loop_folder / "link.wav")
    first = _scan(store, loop_folder)
    assert (first.new, first.errors) == (13, 1)
    gone = str(loop_folder / "gone.wav")
    assert _by_name(store)["link.wav"].error == (
        f"a link to a file that is not there ({gone}): nothing to read"
    )
    again = _scan(store, loop_folder)
    assert (again.changed, again.unchanged, again.errors) == (0, 13, 1)


def test_a_link_that_leads_back_to_itself_says_so(store, loop_folder):
    """Not "Too many levels of symbolic links" about a name the user sees in the folder."""
    os.symlink(loop_folder / "self.wav", loop_folder / "self.wav")
    summary = _scan(store, loop_folder)
    assert (summary.new, summary.errors) == (13, 1)
    assert _by_name(store)["self.wav"].error == (
        "a link that leads back to itself (a loop of links): nothing to read"
    )


def test_a_named_pipe_is_reported_and_never_opened(store, loop_folder):
    """Opening a FIFO for reading blocks until a writer comes: the scan hung on one."""
    import threading

    from anomalizer_desktop.core.audio.decode import AudioDecodeError, probe

    os.mkfifo(loop_folder / "pipe.wav")
    os.symlink(loop_folder / "pipe.wav", loop_folder / "link_to_pipe.wav")
    done: list = []

    def scan_in_a_thread() -> None:  # a store belongs to the thread that opened it
        with Store(store.path) as own:
            done.append(_scan(own, loop_folder))

    worker = threading.Thread(target=scan_in_a_thread, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert done, "the scan blocked on the named pipe"
    assert (done[0].found, done[0].errors) == (14, 2)
    found = _by_name(store)
    for name in ("pipe.wav", "link_to_pipe.wav"):
        assert found[name].error == "not an audio file: it is a named pipe, which is never opened"
    with pytest.raises(AudioDecodeError, match="it is a named pipe"):
        probe(loop_folder / "pipe.wav")


def test_names_that_are_not_utf8_are_reported_and_the_scan_goes_on(store, loop_folder):
    """Sample packs unzipped from old archives carry Latin-1 names; storing one crashed the
    whole scan (UnicodeEncodeError: surrogates not allowed)."""
    import shutil

    good = next((loop_folder / "drums").iterdir())
    shutil.copy(good, os.fsdecode(bytes(loop_folder / "drums") + b"/caf\xe9.wav"))
    odd_folder = os.fsdecode(bytes(loop_folder) + b"/M\xfcnchen")
    os.mkdir(odd_folder)
    shutil.copy(good, os.path.join(odd_folder, "inside.wav"))
    summary = _scan(store, loop_folder, odd_folder)
    assert summary.found == 12  # the twelve loops with usable names
    assert sorted(summary.problems) == [
        (
            f"{loop_folder}/M\\xfcnchen",
            "the folder name is not valid UTF-8 (an archive packed on an old system?): rename the"
            " folder to add its loops to the library",
        ),
        (
            f"{loop_folder}/drums/caf\\xe9.wav",
            "the file name is not valid UTF-8 (an archive packed on an old system?): rename the"
            " file to add it to the library",
        ),
    ]
    assert all("\\x" not in r.path for r in store.list_samples())
    with pytest.raises(ScanError, match="M\\\\xfcnchen: the folder name is not valid UTF-8"):
        _scan(store, odd_folder)


def test_unreadable_folder_is_reported_and_the_scan_goes_on(store, loop_folder, monkeypatch):
    locked = str(loop_folder / "bass")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = _scan(store, loop_folder)
    assert summary.found == 8  # everything but the 4 bass loops
    assert (locked, "Permission denied") in summary.problems


def test_broken_files_are_recorded_with_messages(store, awkward_folder):
    root, files = awkward_folder
    summary = _scan(store, root)
    assert summary.found == len(files["valid"]) + len(files["broken"]) + 1
    assert summary.errors == len(files["broken"])
    by_name = _by_name(store)
    for name, (_, _kind) in audiogen.BROKEN.items():
        assert by_name[name].status == "error"
        assert by_name[name].error
    assert by_name["nan samples.wav"].status == "ok"  # only decoding finds the NaNs
    for path in files["valid"]:
        assert by_name[path.name].status == "ok", path


def test_missing_root_is_an_error_but_one_good_root_is_enough(store, loop_folder, tmp_path):
    with pytest.raises(ScanError, match="not a folder"):
        _scan(store, tmp_path / "nope")
    summary = _scan(store, loop_folder, tmp_path / "nope")
    assert summary.found == 12
    assert any("not a folder" in message for _, message in summary.problems)


def test_scan_yields_progress_and_can_be_cancelled(store, loop_folder):
    events = list(scan(store, [str(loop_folder)]))
    assert all(isinstance(e, Progress) for e in events)
    assert events[-1].done == events[-1].total == 12
    token = CancelToken()
    token.cancel()
    summary = run_job(scan(store, [str(loop_folder)], cancel=token))
    assert summary.cancelled


def test_rescan_probes_files_in_error_again_and_heals_them(store, tmp_path):
    """A file that failed keeps failing only while it is broken, even if its size and mtime
    never change (a permission fixed, a decoder that can read it now)."""
    folder = tmp_path / "heal"
    good = audiogen.write(folder / "loop.wav", audiogen.drum_loop(seed=3))
    content, stamp = good.read_bytes(), good.stat().st_mtime_ns
    good.write_bytes(b"\0" * len(content))  # same size, not audio
    os.utime(good, ns=(stamp, stamp))
    _scan(store, folder)
    broken = _by_name(store)["loop.wav"]
    assert broken.status == "error" and broken.error
    good.write_bytes(content)
    os.utime(good, ns=(stamp, stamp))
    summary = _scan(store, folder)
    healed = _by_name(store)["loop.wav"]
    assert (healed.id, healed.status, healed.error) == (broken.id, "ok", None)
    assert healed.duration == pytest.approx(2.0, abs=0.1)
    assert summary.errors == 0 and summary.changed == 1


def test_an_error_found_by_decoding_survives_a_rescan_until_the_file_changes(store, tmp_path):
    """NaN samples behind a good header: only decoding all of the file (embedding) finds them.
    A rescan of the same bytes must not call the file ok again (its error would vanish and
    the loop would sit unembedded with nothing said); a new file in its place heals it."""
    from anomalizer_desktop.core.embedding.job import embed

    folder = tmp_path / "decode"
    audiogen.write(folder / "good.wav", audiogen.drum_loop(seed=1))
    bad = audiogen.nan_wav(folder / "nan.wav")
    _scan(store, folder)
    assert _by_name(store)["nan.wav"].status == "ok"  # the header is fine
    run_job(embed(store, "dsp", workers=1))
    failed = _by_name(store)["nan.wav"]
    assert failed.status == "error" and "NaN" in failed.error
    for _ in range(2):
        summary = _scan(store, folder)
        again = _by_name(store)["nan.wav"]
        assert (again.status, again.error) == ("error", failed.error)
        assert summary.errors == 1 and (str(bad), failed.error) in summary.problems
        assert run_job(embed(store, "dsp", workers=1)).embedded == 0
    stamp = bad.stat().st_mtime_ns
    audiogen.write(bad, audiogen.drum_loop(seed=2))  # replaced by a good loop
    os.utime(bad, ns=(stamp + 10**9, stamp + 10**9))
    _scan(store, folder)
    assert _by_name(store)["nan.wav"].status == "ok"
    assert run_job(embed(store, "dsp", workers=1)).embedded == 1


def test_a_folder_inside_a_library_folder_is_scanned_as_part_of_it(store, loop_folder):
    _scan(store, loop_folder)
    drum = _by_name(store)["drum_00.wav"]
    store.set_flag([drum.id], "unusual")
    audiogen.write(loop_folder / "drums" / "drum_new.wav", audiogen.drum_loop(seed=9))
    summary = _scan(store, loop_folder / "drums")  # used to fail: UNIQUE constraint on path
    assert (summary.found, summary.new, summary.unchanged, summary.missing) == (7, 1, 6, 0)
    names = _by_name(store)
    assert names["drum_00.wav"].id == drum.id and names["drum_00.wav"].flag == "unusual"
    assert names["bass_00.flac"].status == "ok"  # outside the scanned part: not "missing"
    assert [path for _, path in store.roots()] == [str(loop_folder)]  # no second root
    os.remove(loop_folder / "drums" / "drum_01.wav")
    assert _scan(store, loop_folder / "drums").missing == 1


def test_a_folder_above_library_folders_takes_them_in(store, loop_folder):
    _scan(store, loop_folder / "drums", loop_folder / "bass")
    before = _by_name(store)
    store.set_note([before["bass_01.flac"].id], "keep")
    summary = _scan(store, loop_folder)
    assert (summary.found, summary.new, summary.unchanged) == (12, 2, 10)
    after = _by_name(store)
    assert after["bass_01.flac"].id == before["bass_01.flac"].id
    assert after["bass_01.flac"].note == "keep"
    assert [path for _, path in store.roots()] == [str(loop_folder)]
    assert _scan(store, loop_folder).unchanged == 12  # a rescan walks every file once


def test_a_sibling_whose_name_extends_a_library_folder_is_its_own(store, tmp_path):
    audiogen.write(tmp_path / "loops" / "a.wav", audiogen.tone(220))
    audiogen.write(tmp_path / "loops2" / "b.wav", audiogen.tone(330))
    _scan(store, tmp_path / "loops")
    summary = _scan(store, tmp_path / "loops2")  # "loops2" is not inside "loops"
    assert (summary.found, summary.new) == (1, 1)
    assert sorted(p for _, p in store.roots()) == [
        str(tmp_path / "loops"),
        str(tmp_path / "loops2"),
    ]
    assert _scan(store, tmp_path / "loops").missing == 0


def test_nested_folders_left_by_older_versions_become_one(store, loop_folder):
    _scan(store, loop_folder)
    store.add_root(str(loop_folder / "drums"))  # what a failed nested scan used to leave
    summary = _scan(store, loop_folder)
    assert (summary.found, summary.unchanged) == (12, 12)
    assert [path for _, path in store.roots()] == [str(loop_folder)]


def test_files_are_read_ahead_on_threads_and_recorded_in_their_order(tmp_path, monkeypatch):
    """The reader threads hash and probe ahead of the scan; the looks come back in the order of
    the files, an unchanged file is only stat'ed, and closing the looks early (a cancelled
    scan) leaves no reader running."""
    import threading

    from anomalizer_desktop.core.library import file_look

    paths = [audiogen.write(tmp_path / f"t{i}.wav", audiogen.tone(200 + 20 * i)) for i in range(9)]
    stat = paths[4].stat()
    unchanged = (5, stat.st_size, stat.st_mtime_ns, content_hash(paths[4]), "ok", None)
    readers: set[str] = set()
    read = file_look.read

    def spy(path, look):
        readers.add(threading.current_thread().name)
        return read(path, look)

    monkeypatch.setattr(file_look, "read", spy)
    files = [(str(p), unchanged if i == 4 else None) for i, p in enumerate(paths)]
    looks = list(file_look.looks_in_order(files, readers=3, ahead=2))
    assert [look.hashes.content if look.hashes else None for look in looks] == [
        None if i == 4 else content_hash(p) for i, p in enumerate(paths)
    ]
    assert looks[4].fields is None and looks[0].fields["status"] == "ok"
    assert readers and all(name.startswith("scan-reader") for name in readers)
    early = file_look.looks_in_order(files, readers=3, ahead=4)
    next(early)
    early.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("scan-reader")]


def test_an_export_folder_inside_the_library_is_not_scanned_again(store, loop_folder):
    """Export the unusual loops into a folder among the loops (a DAW project's folder often
    is): the next rescan must not add the exported links as loops of their own (each would
    be in the library twice, and Copies would offer the originals to the trash). A folder of
    exports added on purpose is scanned."""
    from anomalizer_desktop.core.export import write_link_folder
    from anomalizer_desktop.core.export.selection import ExportEntry

    _scan(store, loop_folder)
    chosen = [r.path for r in store.list_samples()][:3]
    entries = [ExportEntry(p, os.path.basename(p), None, None, None, None, None) for p in chosen]
    for copy in (False, True):  # links, and copies where links are not allowed
        folder, _ = write_link_folder(entries, loop_folder / "exports" / f"set {copy}", copy=copy)
        assert len(list(folder.glob("*.wav")) + list(folder.glob("*.flac"))) == 3
    summary = _scan(store, loop_folder)
    assert (summary.found, summary.new, summary.unchanged) == (12, 0, 12)
    assert len(store.list_samples()) == 12
    # named on purpose, an export inside a library folder is still left out, and said so
    # (scanned, its loops would go missing at the next rescan of the folder around it)
    inside = loop_folder / "exports" / "set True"
    summary = _scan(store, inside)
    assert (summary.found, summary.new) == (0, 0)
    assert summary.problems == [(str(inside), EXPORT_INSIDE_THE_LIBRARY)]
    # a library of its own scans it
    with Store(loop_folder.parent / "picks.sqlite") as picks:
        summary = _scan(picks, inside)
        assert (summary.found, summary.new, summary.problems) == (3, 3, [])


def test_the_scan_keeps_the_tempo_an_acid_chunk_declares(store, tmp_path):
    """The tempo is stored with the loop and, as the table reads it, a "BPM" in the file
    name wins over the chunk, and the chunk over a lone number in the name."""
    from anomalizer_desktop.core.loop_names import declared_tempo, read_tags

    pack = tmp_path / "pack"
    audiogen.acid_wav(pack / "Funky Drums 01.wav", 97.0)
    audiogen.acid_wav(pack / "Break 128 BPM.wav", 97.0)
    audiogen.acid_wav(pack / "SO_90_keys_loop.wav", 97.0)
    audiogen.write(pack / "SO_90_keys_plain.wav", audiogen.noise())
    _scan(store, pack)
    records = {r.path.rsplit("/", 1)[1]: r for r in store.list_samples()}
    tempos = {name: declared_tempo(read_tags(r.path), r.file_tempo) for name, r in records.items()}
    assert tempos == {
        "Funky Drums 01.wav": (97.0, "loop tags"),
        "Break 128 BPM.wav": (128.0, "file name"),
        "SO_90_keys_loop.wav": (97.0, "loop tags"),
        "SO_90_keys_plain.wav": (90.0, "lone number"),
    }
    stored = {row[1].rsplit("/", 1)[1]: row[11] for row in store.table_rows()}
    assert stored == {
        "Funky Drums 01.wav": 97.0,
        "Break 128 BPM.wav": 97.0,
        "SO_90_keys_loop.wav": 97.0,
        "SO_90_keys_plain.wav": None,
    }


def test_the_scan_keeps_the_key_and_tempo_of_an_apple_loop(store, tmp_path):
    audiogen.apple_loop_aiff(tmp_path / "pack" / "Soft Keys.aif", beats=4, root=69, scale=1)
    _scan(store, tmp_path / "pack")
    (record,) = store.list_samples()
    assert (record.file_tempo, record.file_key) == (120.0, "Am")
    assert record.as_json()["file_key"] == "Am"
