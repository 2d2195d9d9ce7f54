"""Moving loops' files to another folder: the library follows them (flags, notes, vectors kept)
inside its folders, they leave it outside; nothing is ever replaced or lost."""

from __future__ import annotations

import errno
import os

import audiogen
import pytest

from anomalizer_desktop.core.jobs import CancelToken, Progress, run_job
from anomalizer_desktop.core.library import move_loops as mover
from anomalizer_desktop.core.library.move_loops import MoveError, library_folder_id, move_loops
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.walk import EXPORT_MARKER


def _scan(store, *folders):
    return run_job(scan(store, [str(f) for f in folders]))


def _loops(store, *names) -> dict[str, int]:
    rows = {os.path.basename(r.path): r for r in store.list_samples()}
    return {rows[name].path: rows[name].id for name in names}


def _row(store, sample_id):
    return next(r for r in store.list_samples() if r.id == sample_id)


def test_loops_moved_into_a_library_folder_keep_their_rows_flags_notes_and_vectors(
    store, loop_folder
):
    _scan(store, loop_folder)
    loops = _loops(store, "drum_01.wav", "bass_02.flac")
    drum_id = loops[str(loop_folder / "drums" / "drum_01.wav")]
    store.set_flag([drum_id], "unusual")
    store.set_note([drum_id], "too busy")
    store.put_features(drum_id, "dsp", "1", [3.0])
    rejects = loop_folder / "Rejects"  # made by the move

    steps = []
    job = move_loops(store, loops, str(rejects))
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        result = stop.value

    assert result.in_library and not (result.taken or result.failed or result.gone)
    assert sorted(os.listdir(rejects)) == ["bass_02.flac", "drum_01.wav"]
    assert not (loop_folder / "drums" / "drum_01.wav").exists()
    assert [type(s) for s in steps] == [Progress, Progress]
    moved = _row(store, drum_id)
    assert moved.path == str(rejects / "drum_01.wav")
    assert (moved.flag, moved.note, moved.embedders) == ("unusual", "too busy", ("dsp",))
    assert len(store.list_samples()) == 12
    # a rescan finds them where they are: nothing missing, nothing new, nothing moved
    summary = _scan(store, loop_folder)
    assert (summary.new, summary.missing, summary.moved) == (0, 0, 0)
    assert result.report() == f"Moved 2 loops to {rejects}."


def test_loops_moved_out_of_the_library_leave_it_and_their_files_are_kept(
    store, loop_folder, tmp_path
):
    _scan(store, loop_folder)
    loops = _loops(store, "noise.wav")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = run_job(move_loops(store, loops, str(outside)))
    assert not result.in_library
    assert (outside / "noise.wav").is_file() and not (loop_folder / "noise.wav").exists()
    assert "noise.wav" not in {os.path.basename(r.path) for r in store.list_samples()}
    assert len(store.list_samples()) == 11
    assert result.report() == f"Moved 1 loop to {outside} (they left the library)."


def test_a_file_of_the_same_name_is_never_replaced(store, loop_folder):
    _scan(store, loop_folder)
    keep = loop_folder / "bass" / "tone_a.wav"
    keep.write_bytes(b"somebody else's file")
    loops = _loops(store, "tone_a.wav", "drum_00.wav", "bass_00.flac")
    result = run_job(move_loops(store, loops, str(loop_folder / "bass")))
    assert keep.read_bytes() == b"somebody else's file"
    assert (loop_folder / "tone_a.wav").is_file()  # left where it was
    assert result.taken == [str(loop_folder / "tone_a.wav")]
    assert result.here == [str(loop_folder / "bass" / "bass_00.flac")]
    assert [os.path.basename(new) for _, new in result.moved] == ["drum_00.wav"]
    assert result.report() == (
        f"Moved 1 loop to {loop_folder / 'bass'}; not moved: 1 in it already,"
        " 1 with a name taken there."
    )


def test_a_name_held_by_a_missing_loop_of_the_library_is_taken(store, loop_folder):
    """A loop whose file is gone keeps its path (and its flag) until forgotten: a moved loop
    does not take that path over."""
    _scan(store, loop_folder)
    (loop_folder / "drums" / "drum_04.wav").unlink()
    audiogen.write(loop_folder / "drum_04.wav", audiogen.tone(220))
    _scan(store, loop_folder)  # drums/drum_04.wav missing, loops/drum_04.wav a new loop
    new_one = {
        r.path: r.id for r in store.list_samples() if r.path == str(loop_folder / "drum_04.wav")
    }
    result = run_job(move_loops(store, new_one, str(loop_folder / "drums")))
    assert result.taken == [str(loop_folder / "drum_04.wav")] and not result.moved
    assert (
        result.report() == f"Nothing moved to {loop_folder / 'drums'}: 1 with a name taken there."
    )
    assert (loop_folder / "drum_04.wav").is_file()


def test_a_gone_file_and_a_refused_move_are_named_and_the_rest_move(
    store, loop_folder, tmp_path, monkeypatch
):
    _scan(store, loop_folder)
    loops = _loops(store, "drum_00.wav", "drum_01.wav", "drum_02.wav")
    (loop_folder / "drums" / "drum_00.wav").unlink()
    real_link = os.link

    def refusing(source, target, *args, **kwargs):
        if source.endswith("drum_01.wav"):
            raise PermissionError(errno.EACCES, "Permission denied", source)
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(mover.os, "link", refusing)
    result = run_job(move_loops(store, loops, str(loop_folder / "kept")))
    assert result.gone == [str(loop_folder / "drums" / "drum_00.wav")]
    # a drive without hard links renames instead: a refusal there is the system's reason
    assert [os.path.basename(new) for _, new in result.moved] == ["drum_01.wav", "drum_02.wav"]

    def refusing_everything(source, target, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", source)

    monkeypatch.setattr(mover.os, "link", refusing_everything)
    monkeypatch.setattr(mover.os, "rename", refusing_everything)
    back = _loops(store, "drum_01.wav")
    result = run_job(move_loops(store, back, str(loop_folder / "drums")))
    assert result.failed == {str(loop_folder / "kept" / "drum_01.wav"): "Permission denied"}
    assert (loop_folder / "kept" / "drum_01.wav").is_file()
    assert _row(store, next(iter(back.values()))).path == str(loop_folder / "kept" / "drum_01.wav")


def test_across_drives_the_file_is_copied_whole_before_the_original_goes(
    store, loop_folder, tmp_path, monkeypatch
):
    """EXDEV: the copy is written under a hidden name and takes its own only when whole; a
    copy that fails (a full drive) leaves the loop where it was and no partial file."""
    _scan(store, loop_folder)
    original = (loop_folder / "tone_a.wav").read_bytes()
    real_link = os.link

    def across(source, target, *args, **kwargs):
        if ".partial" not in os.path.basename(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link", source)
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(mover.os, "link", across)

    def full_drive(source, target, *args, **kwargs):
        with open(target, "wb") as half:
            half.write(b"RIFF")
        raise OSError(errno.ENOSPC, "No space left on device", target)

    monkeypatch.setattr(mover.shutil, "copy2", full_drive)
    loops = _loops(store, "tone_a.wav")
    other = loop_folder / "other drive"
    result = run_job(move_loops(store, loops, str(other)))
    assert result.failed == {str(loop_folder / "tone_a.wav"): "No space left on device"}
    assert os.listdir(other) == []  # no partial file left
    assert (loop_folder / "tone_a.wav").read_bytes() == original

    monkeypatch.undo()
    monkeypatch.setattr(mover.os, "link", across)
    result = run_job(move_loops(store, loops, str(other)))
    assert os.listdir(other) == ["tone_a.wav"]
    assert (other / "tone_a.wav").read_bytes() == original
    assert not (loop_folder / "tone_a.wav").exists()
    assert _row(store, next(iter(loops.values()))).path == str(other / "tone_a.wav")
    summary = _scan(store, loop_folder)  # the copy's time is the one the library noted
    assert (summary.new, summary.changed, summary.missing, summary.moved) == (0, 0, 0, 0)


def test_a_link_moves_as_a_link_to_the_same_file(store, loop_folder, tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    audiogen.write(packs / "pad.wav", audiogen.tone(330))
    os.symlink(os.path.join("..", "..", "packs", "pad.wav"), loop_folder / "drums" / "pad.wav")
    _scan(store, loop_folder)
    deeper = loop_folder / "bass" / "pads"
    result = run_job(move_loops(store, _loops(store, "pad.wav"), str(deeper)))
    moved = deeper / "pad.wav"
    assert len(result.moved) == 1 and moved.is_symlink()
    assert os.path.realpath(moved) == str(packs / "pad.wav")  # a relative one led nowhere
    assert (packs / "pad.wav").is_file()


def test_cancel_stops_between_files(store, loop_folder):
    _scan(store, loop_folder)
    loops = _loops(store, "drum_00.wav", "drum_01.wav", "drum_02.wav")
    cancel = CancelToken()
    job = move_loops(store, loops, str(loop_folder / "kept"), cancel)
    next(job)  # about to move the first
    next(job)  # the first moved, about to move the second
    cancel.cancel()
    with pytest.raises(StopIteration) as stop:
        next(job)
    result = stop.value.value
    assert result.cancelled and len(result.moved) == 2
    assert sorted(os.listdir(loop_folder / "kept")) == ["drum_00.wav", "drum_01.wav"]
    assert result.report().endswith("; cancelled.")


def test_which_folders_the_library_scans(store, loop_folder, tmp_path):
    _scan(store, loop_folder)
    (root_id,) = [i for i, _ in store.roots()]
    for inside in ("", "drums", "new/deeper"):
        assert library_folder_id(store, str(loop_folder / inside)) == root_id
    (loop_folder / "exported").mkdir()
    (loop_folder / "exported" / EXPORT_MARKER).write_text("")
    for passed_by in (".hidden", "drums/.old", "exported", "exported/x"):
        assert library_folder_id(store, str(loop_folder / passed_by)) is None
    assert library_folder_id(store, str(tmp_path)) is None  # above it
    assert library_folder_id(store, str(tmp_path / "elsewhere")) is None


def test_a_file_or_an_export_folder_cannot_take_loops(store, loop_folder):
    _scan(store, loop_folder)
    loops = _loops(store, "noise.wav")
    with pytest.raises(MoveError, match="is a file, not a folder"):
        run_job(move_loops(store, loops, str(loop_folder / "tone_a.wav")))
    (loop_folder / "out").mkdir()
    (loop_folder / "out" / EXPORT_MARKER).write_text("")
    with pytest.raises(MoveError, match="an export's folder"):
        run_job(move_loops(store, loops, str(loop_folder / "out")))
    assert (loop_folder / "noise.wav").is_file()


def test_a_renamed_loop_keeps_its_row_and_its_extension(store, loop_folder):
    from anomalizer_desktop.core.library.move_loops import rename_loop, renamed_path

    _scan(store, loop_folder)
    ((path, sample_id),) = _loops(store, "drum_03.wav").items()
    store.set_flag([sample_id], "typical")
    new = rename_loop(store, sample_id, path, "Tight Break 128 BPM")
    assert new == str(loop_folder / "drums" / "Tight Break 128 BPM.wav")
    assert os.path.isfile(new) and not os.path.exists(path)
    row = _row(store, sample_id)
    assert (row.path, row.flag) == (new, "typical")
    assert _scan(store, loop_folder).moved == 0  # nothing for a rescan to find
    # the bytes stay a WAV whatever the name says
    assert renamed_path(new, "kick.MP3") == str(loop_folder / "drums" / "kick.MP3.wav")
    assert renamed_path(new, " Kick.WAV ") == str(loop_folder / "drums" / "Kick.WAV")
    assert rename_loop(store, sample_id, new, "Tight Break 128 BPM.wav") == new


@pytest.mark.parametrize("name", ["", "  ", "..", "sub/kick", "drum_02.wav", "drum_02"])
def test_a_rename_to_no_name_another_folder_or_a_taken_name_is_refused(store, loop_folder, name):
    from anomalizer_desktop.core.library.move_loops import rename_loop

    _scan(store, loop_folder)
    ((path, sample_id),) = _loops(store, "drum_03.wav").items()
    before = sorted(os.listdir(loop_folder / "drums"))
    with pytest.raises(MoveError):
        rename_loop(store, sample_id, path, name)
    assert sorted(os.listdir(loop_folder / "drums")) == before
    assert _row(store, sample_id).path == path


def test_a_move_undone_takes_each_loop_back_to_its_own_folder(store, loop_folder):
    from anomalizer_desktop.core.library.move_loops import move_each

    _scan(store, loop_folder)
    loops = _loops(store, "drum_00.wav", "bass_01.flac", "noise.wav")
    moved = run_job(move_loops(store, loops, str(loop_folder / "Rejects"))).moved
    (loop_folder / "noise.wav").write_bytes(b"a new file where one was")  # not replaced
    back = run_job(move_each(store, [(loops[old], new, old) for old, new in moved]))
    assert [old for _, old in back.moved] == [
        str(loop_folder / "drums" / "drum_00.wav"),
        str(loop_folder / "bass" / "bass_01.flac"),
    ]
    assert back.taken == [str(loop_folder / "Rejects" / "noise.wav")]
    assert {r.path for r in store.list_samples()} >= {old for _, old in back.moved}
    assert (loop_folder / "noise.wav").read_bytes() == b"a new file where one was"


def test_an_undo_cancelled_half_way_then_redone_moves_only_what_came_back(store, loop_folder):
    """Between drives an undo is a job with Cancel: stopped before the last loop, the redo
    that follows finds that one still where the move put it (in that folder already), and
    moves the others again; no loop is called gone."""
    from anomalizer_desktop.core.library.move_loops import move_each

    _scan(store, loop_folder)
    loops = _loops(store, "drum_00.wav", "drum_01.wav", "drum_02.wav")
    moved = run_job(move_loops(store, loops, str(loop_folder / "Other drive"))).moved
    moves = [(loops[old], old, new) for old, new in moved]
    cancel = CancelToken()
    undo = move_each(store, [(i, new, old) for i, old, new in moves], cancel)
    assert isinstance(next(undo), Progress)
    next(undo)  # the first back, about to move the second
    cancel.cancel()
    with pytest.raises(StopIteration) as stop:
        next(undo)
    assert stop.value.value.cancelled and len(stop.value.value.moved) == 2
    assert os.listdir(loop_folder / "Other drive") == ["drum_02.wav"]

    redo = run_job(move_each(store, moves))
    assert redo.moved == [m[1:] for m in moves[:2]] and redo.here == [moves[2][1]]
    assert (redo.gone, redo.taken, redo.failed, redo.stayed()) == ([], [], {}, [])
    assert sorted(os.listdir(loop_folder / "Other drive")) == [
        "drum_00.wav",
        "drum_01.wav",
        "drum_02.wav",
    ]
    assert {_row(store, i).path for i, _, _ in moves} == {new for _, _, new in moves}


def test_partial_copies_a_killed_move_left_are_cleared_by_the_next_move(
    store, loop_folder, monkeypatch
):
    _scan(store, loop_folder)
    folder = loop_folder / "kept"
    folder.mkdir()
    left = folder / ".drum_00.wav.0badc0de.partial"
    left.write_bytes(b"half a copy")
    mine = folder / ".plan.txt"  # a hidden file of the producer's: never touched
    mine.write_text("notes")
    run_job(move_loops(store, _loops(store, "drum_00.wav"), str(folder)))
    assert left.exists()  # young: perhaps another move's, still copying
    monkeypatch.setattr(mover, "STALE_PARTIAL_S", -1.0)
    run_job(move_loops(store, _loops(store, "drum_01.wav"), str(folder)))
    assert not left.exists() and mine.read_text() == "notes"
    assert sorted(os.listdir(folder)) == [".plan.txt", "drum_00.wav", "drum_01.wav"]


def test_a_loop_moved_into_another_library_folder_belongs_to_it(store, loop_folder, tmp_path):
    other = tmp_path / "other pack"
    audiogen.write(other / "pad.wav", audiogen.tone(220))
    _scan(store, loop_folder, other)
    roots = {path: root_id for root_id, path in store.roots()}
    loops = _loops(store, "drum_00.wav")
    run_job(move_loops(store, loops, str(other / "drums")))
    (root_id,) = store.execute(
        "SELECT root_id FROM samples WHERE id = ?", (next(iter(loops.values())),)
    ).fetchone()
    assert root_id == roots[str(other)]
    summary = _scan(store, loop_folder, other)
    assert (summary.new, summary.missing, summary.moved) == (0, 0, 0)
    assert store.root_summary(roots[str(other)])[0] == 2


def test_a_read_only_loop_moves_across_drives_and_stays_read_only(store, loop_folder, monkeypatch):
    """Sample packs often come read-only: the copy takes the mode, and is synced through a
    handle that only reads (one that writes is refused for a read-only file, root aside)."""
    _scan(store, loop_folder)
    (loop_folder / "noise.wav").chmod(0o444)
    real_link, real_open, opened = os.link, os.open, []

    def across(source, target, *args, **kwargs):
        if ".partial" not in os.path.basename(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link", source)
        return real_link(source, target, *args, **kwargs)

    def recording_open(path, flags, *args, **kwargs):
        opened.append((os.path.basename(path), flags))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(mover.os, "link", across)
    monkeypatch.setattr(mover.os, "open", recording_open)
    result = run_job(move_loops(store, _loops(store, "noise.wav"), str(loop_folder / "kept")))
    moved = loop_folder / "kept" / "noise.wav"
    assert len(result.moved) == 1 and oct(moved.stat().st_mode & 0o777) == "0o444"
    synced = [flags for name, flags in opened if name.endswith(".partial")]
    assert synced and all(flags & (os.O_WRONLY | os.O_RDWR) == 0 for flags in synced)
