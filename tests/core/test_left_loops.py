"""Loops moved out of the library come back with everything they had when the move is undone
(and go out again when it is redone)."""

from __future__ import annotations

import os

import audiogen
import pytest

from anomalizer_desktop.core.detector.model import ModelSpec
from anomalizer_desktop.core.detector.training import train
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.kept_rows import LOOP_TABLES
from anomalizer_desktop.core.library.left_loops import bring_back, send_out
from anomalizer_desktop.core.library.move_loops import move_loops
from anomalizer_desktop.core.library.scanner import scan


def _rows(store, sample_id: int) -> dict[str, list[tuple]]:
    """Every table's rows of one loop, its own row without its path (which moves)."""
    own = store.execute("SELECT * FROM samples WHERE id = ?", (sample_id,))
    columns = [d[0] for d in own.description]
    rows = {
        "samples": [
            tuple(v for c, v in zip(columns, row, strict=True) if c != "path")
            for row in own.fetchall()
        ]
    }
    for table in LOOP_TABLES:
        found = store.execute(f"SELECT * FROM {table} WHERE sample_id = ?", (sample_id,))
        rows[table] = sorted(found.fetchall(), key=repr)
    return rows


@pytest.fixture
def trained(store, loop_folder, tmp_path):
    """The twelve loops scanned, embedded and scored, two of them flagged, noted and tagged."""
    run_job(scan(store, [str(loop_folder)]))
    run_job(embed(store, "dsp", workers=1))
    run_job(train(store, ModelSpec("knn"), "dsp", tmp_path / "models"))
    ids = {os.path.basename(r.path): r.id for r in store.list_samples()}
    store.set_flag([ids["drum_01.wav"]], "unusual")
    store.set_note([ids["drum_01.wav"]], "too busy")
    store.set_tags([ids["drum_01.wav"], ids["tone_a.wav"]], ["dark"])
    with store.transaction() as db:  # (derived rows too: its place on the map)
        db.execute(
            "INSERT INTO map_points VALUES (?, 'dsp', '1', 0.5, -0.25, 0)", (ids["tone_a.wav"],)
        )
    return ids


def _move_out(store, loop_folder, tmp_path, *names):
    ids = {os.path.basename(r.path): r.id for r in store.list_samples()}
    loops = {os.path.join(_folder_of(loop_folder, n), n): ids[n] for n in names}
    outside = tmp_path / "Rejects outside"
    result = run_job(move_loops(store, loops, str(outside)))
    moves = [
        (sample_id, old, new)
        for (old, new), sample_id in zip(result.moved, loops.values(), strict=True)
    ]
    return result, moves


def _folder_of(loop_folder, name):
    return str(loop_folder / "drums") if name.startswith("drum") else str(loop_folder)


def test_loops_moved_out_come_back_as_they_left_under_their_own_ids(
    store, loop_folder, tmp_path, trained
):
    names = ("drum_01.wav", "tone_a.wav")
    before = {name: _rows(store, trained[name]) for name in names}
    assert before["drum_01.wav"]["scores"] and before["drum_01.wav"]["features"]
    result, moves = _move_out(store, loop_folder, tmp_path, *names)
    assert not result.in_library and len(result.moved) == 2
    assert all(not _rows(store, trained[n])["samples"] for n in names)  # they left
    assert len(store.list_samples()) == 10

    back = run_job(bring_back(store, result.left, [(i, new, old) for i, old, new in moves]))
    assert not back.renumbered and sorted(back.restored) == sorted(
        (i, new, old) for i, old, new in moves
    )
    assert (loop_folder / "drums" / "drum_01.wav").exists()
    assert not (tmp_path / "Rejects outside" / "drum_01.wav").exists()
    for name in names:  # every row as it was: flag, note, tags, vectors, scores, map
        assert _rows(store, trained[name]) == before[name]
    row = next(r for r in store.list_samples() if r.id == trained["drum_01.wav"])
    assert (row.path, row.flag, row.note) == (
        str(loop_folder / "drums" / "drum_01.wav"),
        "unusual",
        "too busy",
    )
    summary = run_job(scan(store, [str(loop_folder)]))  # a rescan sees nothing to do
    assert (summary.new, summary.changed, summary.missing) == (0, 0, 0)

    # redo: out again, and back again (the rows kept by the redo)
    again, kept = run_job(send_out(store, moves))
    assert len(again.moved) == 2 and len(store.list_samples()) == 10
    back = run_job(bring_back(store, kept, [(i, new, old) for i, old, new in moves]))
    assert len(back.restored) == 2
    assert _rows(store, trained["drum_01.wav"]) == before["drum_01.wav"]


def test_an_id_taken_meanwhile_brings_the_loop_back_under_a_new_one(
    store, loop_folder, tmp_path, trained
):
    newest = max(trained, key=trained.get)  # the freed number is the next one handed out
    before = _rows(store, trained[newest])
    result, moves = _move_out(store, loop_folder, tmp_path, newest)
    audiogen.write(loop_folder / "new_pad.wav", audiogen.tone(220))
    run_job(scan(store, [str(loop_folder)]))
    newcomer = next(r for r in store.list_samples() if r.path.endswith("new_pad.wav"))
    assert newcomer.id == trained[newest]  # SQLite handed the number out again

    back = run_job(bring_back(store, result.left, [(i, new, old) for i, old, new in moves]))
    assert back.renumbered
    ((now_id, _, path),) = back.restored
    assert now_id != trained[newest] and os.path.basename(path) == newest
    again = _rows(store, now_id)
    assert again["scores"] and again["features"]
    assert [row[1:] for row in again["features"]] == [row[1:] for row in before["features"]]
    assert _rows(store, newcomer.id)["samples"]  # the newcomer is untouched


def test_a_name_taken_or_a_folder_gone_keeps_the_loop_out_and_says_why(
    store, loop_folder, tmp_path, trained
):
    result, moves = _move_out(store, loop_folder, tmp_path, "drum_01.wav", "tone_a.wav")
    audiogen.write(loop_folder / "drums" / "drum_01.wav", audiogen.noise())  # a new file there
    back = run_job(bring_back(store, result.left, [(i, new, old) for i, old, new in moves]))
    assert [os.path.basename(p) for p in back.taken] == ["drum_01.wav"]
    assert [os.path.basename(p) for _, _, p in back.restored] == ["tone_a.wav"]
    assert (tmp_path / "Rejects outside" / "drum_01.wav").exists()  # left where it was
    assert not _rows(store, trained["drum_01.wav"])["samples"]

    result, moves = _move_out(store, loop_folder, tmp_path, "tone_a.wav")
    ((root_id, _),) = store.roots()
    store.remove_root(root_id)
    back = run_job(bring_back(store, result.left, [(i, new, old) for i, old, new in moves]))
    assert not back.restored and list(back.failed.values()) == [
        "its folder is no longer one of the library's"
    ]
    assert (tmp_path / "Rejects outside" / "tone_a.wav").exists()


def test_every_table_of_a_loops_rows_is_kept(store):
    """A table added later with rows per loop must be kept too, or an undone move loses them."""
    tables = [
        name
        for (name,) in store.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if any(column[1] == "sample_id" for column in store.execute(f"PRAGMA table_info({name})"))
    ]
    assert sorted(tables) == sorted(LOOP_TABLES)


def test_a_file_taken_out_of_the_trash_leaves_no_note_of_it_there(tmp_path):
    from anomalizer_desktop.core.library.trash import forget_trash_info, move_to_trash, trash_info

    trash = tmp_path / "Trash"
    (trash / "files").mkdir(parents=True)
    (trash / "info").mkdir()
    loop = tmp_path / "kick.wav"
    loop.write_bytes(b"RIFF")

    def mover(path):  # as a freedesktop trash does: the file, and a note of where it was
        target = trash / "files" / "kick.wav"
        os.replace(path, target)
        (trash / "info" / "kick.wav.trashinfo").write_text(f"[Trash Info]\nPath={path}\n")
        return str(target)

    result = move_to_trash([str(loop)], mover)
    where = result.in_trash[str(loop)]
    assert trash_info(where) == str(trash / "info" / "kick.wav.trashinfo")
    os.replace(where, loop)  # taken back out
    forget_trash_info(where)
    assert os.listdir(trash / "info") == []
    assert trash_info(str(tmp_path / "elsewhere" / "kick.wav")) is None  # (macOS, Windows)
    forget_trash_info(str(tmp_path / "elsewhere" / "kick.wav"))  # nothing to do, no error
    assert move_to_trash([str(tmp_path / "gone.wav")], mover).gone == [str(tmp_path / "gone.wav")]
