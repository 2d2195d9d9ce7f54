"""Repairing a damaged library: every row that can be read is kept, with its id; the damaged
file stays beside it; a library in use, from a newer version or not a library is left alone."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from damage import DIM, damage_pages_of, damage_root_page_of, library_with_loops

from anomalizer_desktop.cli import main as cli
from anomalizer_desktop.core.jobs import CancelToken, run_job
from anomalizer_desktop.core.library.damaged_file import find_damage
from anomalizer_desktop.core.library.flag_backup import backup_path, read_flag_backup
from anomalizer_desktop.core.library.repair import RepairError, repair_library
from anomalizer_desktop.core.library.schema import SCHEMA_VERSION
from anomalizer_desktop.core.library.store import LibraryDamagedError, Store


def rows_of(library: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(library)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def kept_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if ".damaged-" in p.name and p.name[-4:] not in ("-wal", "-shm")
    )


def test_a_sound_library_passes_the_check_and_a_repair_keeps_every_row(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=50)
    before = {
        t: rows_of(library, f"SELECT * FROM {t} ORDER BY rowid")
        for t in ("samples", "user_data", "features", "scores", "roots", "runs")
    }
    assert find_damage(library) is None
    outcome = run_job(repair_library(library))
    for table, rows in before.items():
        assert rows_of(library, f"SELECT * FROM {table} ORDER BY rowid") == rows, table
    assert outcome.tables["samples"].kept == 50 and outcome.tables["user_data"].kept == 5
    assert "nothing was lost" in outcome.summary()
    assert kept_files(tmp_path) == [outcome.kept_as]


def test_a_damaged_page_loses_only_its_rows_and_the_rest_keep_their_ids_and_flags(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    backup_path(library).unlink()  # no backup of the flags: what was lost is lost
    paths = dict(rows_of(library, "SELECT id, path FROM samples"))
    damage_pages_of(library, "samples", leaves=1)
    damaged_bytes = library.read_bytes()
    found = find_damage(library)
    assert found and "***" not in found  # the damage, not the heading SQLite gives it
    with Store(library) as store, pytest.raises(sqlite3.DatabaseError):
        store.list_samples()

    outcome = run_job(repair_library(library))

    assert find_damage(library) is None
    assert outcome.kept_as.read_bytes() == damaged_bytes  # the damaged file, as it was
    kept = dict(rows_of(library, "SELECT id, path FROM samples"))
    assert 500 < len(kept) < 600 and all(paths[i] == p for i, p in kept.items())
    flags = rows_of(library, "SELECT sample_id, flag, note FROM user_data")
    assert {i for i, _, _ in flags} == {i for i in kept if i % 10 == 0}
    assert {(f, n) for _, f, n in flags} == {("unusual", "odd one")}
    assert {i for (i,) in rows_of(library, "SELECT sample_id FROM features")} == set(kept)
    assert {i for (i,) in rows_of(library, "SELECT sample_id FROM scores")} == set(kept)
    assert rows_of(library, "PRAGMA foreign_key_check") == []
    lost = 600 - len(kept)
    assert outcome.tables["samples"].stretches >= 1
    assert outcome.tables["features"].dropped == lost and outcome.tables["scores"].dropped == lost
    assert "Rescan, embed and train" in outcome.summary()
    assert "Flags, notes and tags that could not be read, or whose loop was lost, are gone" in (
        outcome.summary()
    )
    assert f"kept {len(kept)} loops; the flags, notes and tags of {len(flags)} loops;" in (
        outcome.summary()
    )


def test_folders_whose_entry_was_lost_are_made_again_from_their_loops_paths(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=40)
    damage_root_page_of(library, "roots")
    outcome = run_job(repair_library(library))
    assert sorted(rows_of(library, "SELECT id, path FROM roots")) == [
        (1, "/loops/a"),
        (2, "/loops/b"),
    ]
    assert outcome.rebuilt_folders == 2
    assert len(rows_of(library, "SELECT id FROM samples")) == 40
    assert "2 folders whose entry could not be read" in outcome.summary()


def test_a_lost_first_page_is_mended_and_everything_after_it_is_read(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=60)
    with open(library, "r+b") as handle:  # SQLite's list of tables: every read fails
        handle.seek(100)  # (the whole first page after the file's header: where the list's
        handle.write(b"\xab" * 3996)  # cells lie depends on how many tables and indexes)
    with pytest.raises(LibraryDamagedError, match=r"is damaged .*repair it"):
        Store(library)
    outcome = run_job(repair_library(library))
    assert len(rows_of(library, "SELECT id FROM samples")) == 60
    assert len(rows_of(library, "SELECT * FROM user_data")) == 6
    assert "nothing was lost" in outcome.summary()
    assert not [p for p in tmp_path.iterdir() if "mended" in p.name]  # the copy it read is gone


def test_vectors_that_are_not_finite_or_not_their_length_are_left_to_embed_again(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=20)
    with sqlite3.connect(library) as db:
        nan = np.full(DIM, np.nan, dtype=np.float32).tobytes()
        db.execute("UPDATE features SET vector = ? WHERE sample_id = 3", (nan,))
        db.execute("UPDATE features SET vector = ? WHERE sample_id = 4", (b"\x00" * 12,))
    outcome = run_job(repair_library(library))
    assert {i for (i,) in rows_of(library, "SELECT sample_id FROM features")} == set(
        range(1, 21)
    ) - {3, 4}
    assert outcome.tables["features"].dropped == 2


def test_a_library_open_in_another_program_is_not_repaired(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=10)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
            " db.execute('SELECT count(*) FROM samples').fetchone(); print('open', flush=True);"
            " sys.stdin.read()",
            str(library),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        before = library.read_bytes()
        with pytest.raises(RepairError, match="open in another program"):
            run_job(repair_library(library))
        assert library.read_bytes() == before and kept_files(tmp_path) == []
    finally:
        holder.communicate("")
    run_job(repair_library(library))  # closed there: it goes ahead


def test_what_repair_leaves_alone(tmp_path):
    newer = library_with_loops(tmp_path / "newer.sqlite", loops=5)
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(RepairError, match="newer anomalizer-desktop"):
        run_job(repair_library(newer))
    sound = tmp_path / "loop.wav"
    sound.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(RepairError, match="does not start as an SQLite database"):
        run_job(repair_library(sound))
    with pytest.raises(RepairError, match="no library file"):
        run_job(repair_library(tmp_path / "none.sqlite"))
    assert kept_files(tmp_path) == []


def test_a_cancelled_repair_leaves_the_library_as_it_was(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=3000)
    damage_pages_of(library, "features", leaves=1)
    before = library.read_bytes()
    cancel = CancelToken()
    job = repair_library(library, cancel)
    next(job)
    cancel.cancel()
    assert run_job(job) is None
    assert library.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if "lib.sqlite" in p.name)[0] == "lib.sqlite"
    assert kept_files(tmp_path) == []


def test_the_command_line_names_damage_and_repairs_it(tmp_path, capsys):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_pages_of(library, "samples", leaves=1)
    assert cli(["--library", str(library), "list"]) == 1  # was a traceback
    err = capsys.readouterr().err
    assert f"the library {library} is damaged (database disk image is malformed)" in err
    assert "`anomalizer repair`" in err and "Traceback" not in err
    assert f"to repair it: anomalizer --library {library} repair" in err  # not the default

    assert cli(["--library", str(library), "repair", "--check"]) == 1
    assert "is damaged" in capsys.readouterr().out
    assert cli(["--library", str(library), "repair", "--json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["repaired"] is True and Path(report["kept_as"]).exists()
    assert 500 < report["tables"]["samples"]["kept"] < 600
    assert cli(["--library", str(library), "repair"]) == 0
    assert "is sound" in capsys.readouterr().out
    assert cli(["--library", str(library), "list"]) == 0
    capsys.readouterr()
    # the damaged file set aside stays (for recovery) and `info` says where and how big
    kept = Path(report["kept_as"])
    assert cli(["--library", str(library), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    parts = [Path(f"{kept}{suffix}") for suffix in ("", "-wal", "-shm")]  # its journal too
    size = sum(part.stat().st_size for part in parts if part.exists())
    assert info["damaged_copies"] == [{"path": str(kept), "bytes": size}]
    assert cli(["--library", str(library), "info"]) == 0
    text = capsys.readouterr().out
    assert "damaged   1 copy that repairs set aside" in text and f"          {kept}\n" in text


def test_a_repair_killed_halfway_leaves_the_library_as_it_was(tmp_path):
    """kill -9 in the middle of the copy: the library keeps its name and its bytes (the new
    one was being made under another name); the next repair clears what was left."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=3000)
    damage_pages_of(library, "features", leaves=1)
    before = library.read_bytes()
    script = (
        "import os, signal, sys\n"
        "from anomalizer_desktop.core.library.repair import repair_library\n"
        "job = repair_library(sys.argv[1])\n"
        "for step in job:\n"
        "    if step.done > 2000:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(library)], check=False)
    assert child.returncode == -9
    assert library.read_bytes() == before and kept_files(tmp_path) == []
    assert Path(f"{library}.repairing").exists()  # the half-made one, under its own name
    outcome = run_job(repair_library(library))
    assert 2900 < outcome.tables["features"].kept < 3000
    assert not [p for p in tmp_path.iterdir() if ".repairing" in p.name]


def test_damage_in_an_index_alone_loses_no_row(tmp_path):
    """An index is made again from the rows, which are read without it."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_pages_of(library, "sqlite_autoindex_samples_1", leaves=1)
    found = find_damage(library)
    assert found and "***" not in found  # the damage, not the heading SQLite gives it
    outcome = run_job(repair_library(library))
    assert outcome.tables["samples"].kept == 600 and find_damage(library) is None
    assert "nothing was lost" in outcome.summary()


def test_flags_of_lost_loops_come_back_from_the_backup_beside_the_library(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    with Store(library) as store:  # a flag set since: the backup follows as the Store closes
        store.set_flag([3], "typical")
    saved, written_at = read_flag_backup(library)
    assert (
        len(saved) == 61
        and {"path": "/loops/a/pack_0/loop_0003.wav"}.items()
        <= vars(next(loop for loop in saved if loop.flag == "typical")).items()
    )
    flagged_before = {
        p
        for (p,) in rows_of(
            library, "SELECT s.path FROM user_data u JOIN samples s ON s.id = u.sample_id"
        )
    }
    damage_pages_of(library, "samples", leaves=1)

    outcome = run_job(repair_library(library))

    flagged = rows_of(
        library,
        "SELECT s.path, s.status, u.flag, u.note FROM user_data u JOIN samples s"
        " ON s.id = u.sample_id",
    )
    assert {p for p, _, _, _ in flagged} == flagged_before  # every flag, lost loops' too
    back = [(p, status) for p, status, _, _ in flagged if status == "missing"]
    assert back and outcome.restored_loops == len(back) == outcome.restored_flags
    assert all(p.startswith("/loops/") for p, _ in back)
    roots = {path: root for path, root in rows_of(library, "SELECT path, root_id FROM samples")}
    assert all(roots[p] == (1 if "/loops/a/" in p else 2) for p, _ in back)
    came_back = f"Flags, notes and tags of {len(back)} loops came back from the backup"
    assert came_back in outcome.summary()
    assert "missing until the next rescan finds them" in outcome.summary()
    assert outcome.backup_written_at == written_at
    assert not list(tmp_path.glob("*.repairing*"))  # the new library wrote no backup of its own


def test_a_lost_loops_flag_never_moves_to_a_copy_of_it_elsewhere(tmp_path):
    """The same bytes in two folders: the flag of the one whose row was lost stays with its
    path (back as missing), not with the copy that was read."""
    from anomalizer_desktop.core.library.flag_backup import FlaggedLoop
    from anomalizer_desktop.core.library.repair import _restore_flags
    from anomalizer_desktop.core.library.repair_report import Repaired

    with Store(":memory:") as store, store.transaction() as db:
        db.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/loops', 0)")
        db.execute(
            "INSERT INTO samples(id, path, root_id, content_hash, status, first_seen, last_seen)"
            " VALUES (1, '/loops/copy/kick.wav', 1, 'same', 'ok', 0, 0)"
        )
        outcome = Repaired(tmp_path / "lib.sqlite", tmp_path / "kept")
        lost = FlaggedLoop("/loops/mine/kick.wav", "same", "typical", "the one", 5.0)
        _restore_flags(db, [lost], outcome)
        rows = db.execute(
            "SELECT s.path, s.status, s.root_id, u.flag, u.note FROM samples s"
            " LEFT JOIN user_data u ON u.sample_id = s.id ORDER BY s.path"
        ).fetchall()
    assert rows == [
        ("/loops/copy/kick.wav", "ok", 1, None, None),
        ("/loops/mine/kick.wav", "missing", 1, "typical", "the one"),
    ]
    assert (outcome.restored_flags, outcome.restored_loops) == (1, 1)


def test_vectors_read_from_damaged_pages_are_called_damage_not_used(tmp_path):
    """SQLite does not check what a row's bytes say: a vector whose pages were written over
    reads as garbage (NaN among it), and the map's projection ended in a ValueError."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=20)
    with sqlite3.connect(library) as db:
        garbage = np.frombuffer(b"\xff\xff\xff\x7f" + bytes(4 * DIM - 4), dtype=np.float32)
        db.execute("UPDATE features SET vector = ? WHERE sample_id = 5", (garbage.tobytes(),))
        db.execute("UPDATE features SET vector = ? WHERE sample_id = 6", (b"\x00" * 7,))
    with Store(library) as store:
        with pytest.raises(LibraryDamagedError, match=r"2 of its embeddings are not numbers"):
            store.feature_matrix("dsp")
        with pytest.raises(LibraryDamagedError, match=r"1 of its embeddings is not numbers"):
            store.feature_vector(5, "dsp")
        assert store.feature_vector(4, "dsp").shape == (DIM,)
    run_job(repair_library(library))
    with Store(library) as store:
        ids, x = store.feature_matrix("dsp")
    assert len(ids) == 18 and np.isfinite(x).all()


def test_bench_library_measures_the_check_and_the_repair_of_a_damaged_library(capsys):
    assert cli(["bench", "library", "--rows", "1500", "--damaged-pages", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sound_found"] is None and report["after_repair_found"] is None
    assert report["damage_found"] != "nothing" and len(report["damaged_pages"]) == 2
    kept = report["kept"]
    # 1,500 loops, their vectors and two runs of scores: a loss it names
    assert kept["samples"] + kept["features"] + kept["scores"] < 1500 * 4
    assert report["lost"] and report["flags_in_backup"] == 60
    assert report["repair_s"] > 0 and report["check_sound_s"] > 0 and report["peak_rss_mb"] > 0
    # 300 loops out and back: each with its row, vector, two scores (and every 25th a flag)
    assert report["loops_out"] == 300 and report["kept_rows"] == 300 * 4 + 12
    assert report["out_ms"] > 0 and report["back_ms"] > 0
    assert report["folder_removed_loops"] == 1500 and report["remove_folder_s"] >= 0


def test_a_backup_entry_of_a_loop_moved_since_makes_no_phantom_missing_loop(tmp_path):
    from anomalizer_desktop.core.library.flag_backup import FlaggedLoop
    from anomalizer_desktop.core.library.repair import _restore_flags
    from anomalizer_desktop.core.library.repair_report import Repaired

    with Store(":memory:") as store, store.transaction() as db:
        db.execute("INSERT INTO roots(id, path, added_at) VALUES (1, '/loops', 0)")
        db.execute(
            "INSERT INTO samples(id, path, root_id, content_hash, status, first_seen, last_seen)"
            " VALUES (1, '/loops/new/kick.wav', 1, 'kick', 'ok', 0, 0)"
        )
        db.execute("INSERT INTO user_data(sample_id, flag, updated_at) VALUES (1, 'unusual', 0)")
        outcome = Repaired(tmp_path / "lib.sqlite", tmp_path / "kept")
        before_the_move = FlaggedLoop("/loops/old/kick.wav", "kick", "unusual", None, 0.0)
        _restore_flags(db, [before_the_move], outcome)
        assert db.execute("SELECT path FROM samples").fetchall() == [("/loops/new/kick.wav",)]
    assert outcome.restored_loops == 0


def test_a_moved_loop_takes_its_flag_along_in_the_backup(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=10)
    with Store(library) as store:
        store.update_sample(10, path="/loops/b/moved/loop_0010.wav")  # what a rescan does
    paths = {loop.path for loop in read_flag_backup(library)[0]}
    assert "/loops/b/moved/loop_0010.wav" in paths


def test_a_drive_without_room_for_the_repaired_copy_is_said_before_any_work(tmp_path, monkeypatch):
    import shutil as shutil_module
    from collections import namedtuple

    from anomalizer_desktop.core.library import repair

    library = library_with_loops(tmp_path / "lib.sqlite", loops=200)
    damage_pages_of(library, "samples", leaves=1)
    before = library.read_bytes()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        shutil_module, "disk_usage", lambda path: usage(10 << 30, 10 << 30, 300_000)
    )
    with pytest.raises(RepairError, match=r"needs about 1\.\d MB beside it .* has 300 kB free"):
        run_job(repair.repair_library(library))
    assert library.read_bytes() == before and kept_files(tmp_path) == []


def test_a_repaired_copy_that_cannot_be_written_says_why_without_its_scratch_name(
    tmp_path, monkeypatch
):
    from anomalizer_desktop.core.library import repair
    from anomalizer_desktop.core.library.store import StoreError

    library = library_with_loops(tmp_path / "lib.sqlite", loops=200)
    damage_pages_of(library, "samples", leaves=1)
    before = library.read_bytes()

    def drive_fills(path):
        Path(path).write_bytes(b"half")
        raise StoreError(
            f"cannot write to the library {path}: its drive is full (0 kB free); nothing was"
            " changed"
        )

    monkeypatch.setattr(repair, "Store", drive_fills)
    with pytest.raises(RepairError) as caught:
        run_job(repair.repair_library(library))
    assert str(caught.value) == (
        f"cannot repair the library {library}: its drive is full (0 kB free); it is as it was"
    )
    assert library.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".repairing" in p.name or ".damaged-" in p.name]


def _as_first_schema(library):
    """Make `library` what the first schema wrote (before samples had a tempo column, user
    data tags and a tempo and key, the sound map, the audio comparisons, the heard tempos and
    the folders of links exported their tables)."""
    with contextlib.closing(sqlite3.connect(library)) as db:
        db.execute("DROP TABLE exports")
        db.execute("DROP TABLE heard_tempos")
        db.execute("DROP TABLE map_points")
        db.execute("DROP TABLE audio_pairs")
        db.execute("DROP TABLE audio_searched")
        db.execute("ALTER TABLE samples DROP COLUMN tempo")
        db.execute("ALTER TABLE samples DROP COLUMN key")
        db.execute("ALTER TABLE user_data DROP COLUMN tags")
        db.execute("ALTER TABLE user_data DROP COLUMN tempo")
        db.execute("ALTER TABLE user_data DROP COLUMN key")
        db.execute("DROP INDEX features_kind")
        db.execute("DROP INDEX scores_sample")
        db.execute("PRAGMA user_version = 1")
        db.commit()


def test_a_library_of_an_older_schema_opens_and_repairs_with_its_rows(tmp_path):
    """An older library gains the columns added since when it opens, its rows intact. A
    damaged one is repaired into the current schema: the columns it lacks stay empty (the
    copy read them from it, found no such column and took every page for damage)."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    _as_first_schema(library)
    with Store(library) as store:
        assert len(store.list_samples()) == 600
        assert {r.file_tempo for r in store.list_samples()} == {None}
        assert {r.tags for r in store.list_samples()} == {()}
        plan = store.execute(
            "EXPLAIN QUERY PLAN SELECT version, dim FROM features WHERE embedder = 'dsp'"
        ).fetchall()
        assert "COVERING INDEX features_kind" in str(plan)
        plan = store.execute("EXPLAIN QUERY PLAN DELETE FROM scores WHERE sample_id = 1")
        assert "INDEX scores_sample" in str(plan.fetchall())  # (not a read of every score)
    assert rows_of(library, "PRAGMA user_version") == [(SCHEMA_VERSION,)]

    damaged = library_with_loops(tmp_path / "old.sqlite", loops=600)
    backup_path(damaged).unlink()
    _as_first_schema(damaged)
    damage_pages_of(damaged, "samples", leaves=1)
    outcome = run_job(repair_library(damaged))
    kept = rows_of(damaged, "SELECT id, tempo FROM samples")
    assert 500 < len(kept) < 600 and {tempo for _, tempo in kept} == {None}
    assert outcome.tables["samples"].kept == len(kept)
    assert rows_of(damaged, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_rows_below_a_damaged_interior_page_are_found_in_the_pages_it_led_to(tmp_path):
    """A page that only led to others (a tree's interior page) written over: SQLite reaches
    none of the rows below it, and a repair kept none of them though their pages were whole
    (SQLite's `.recover` finds them; Python's sqlite3 has none). Rows deleted before the
    damage (their pages on the free list) stay deleted."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    backup_path(library).unlink()  # (its flags of the loops deleted here would come back)
    with contextlib.closing(sqlite3.connect(library)) as db:
        db.execute("PRAGMA secure_delete = OFF")  # (Debian's SQLite zeroes what it frees)
        db.execute("DELETE FROM scores WHERE sample_id <= 150")
        db.execute("DELETE FROM user_data WHERE sample_id <= 150")
        db.execute("DELETE FROM features WHERE sample_id <= 150")
        db.execute("DELETE FROM samples WHERE id <= 150")  # forgotten: must not come back
        db.commit()
    samples = rows_of(library, "SELECT * FROM samples ORDER BY id")
    features = rows_of(library, "SELECT * FROM features ORDER BY sample_id")
    for table in ("samples", "features"):  # their roots lead to every leaf
        assert rows_of(library, f"SELECT count(*) FROM dbstat WHERE name = '{table}'")[0][0] > 1
        damage_root_page_of(library, table)
    with Store(library) as store, pytest.raises(sqlite3.DatabaseError):
        store.list_samples()

    outcome = run_job(repair_library(library))

    assert rows_of(library, "SELECT * FROM samples ORDER BY id") == samples
    assert rows_of(library, "SELECT * FROM features ORDER BY sample_id") == features
    assert len(rows_of(library, "SELECT * FROM scores")) == 450  # (never damaged)
    assert (outcome.tables["samples"].recovered, outcome.tables["features"].recovered) == (
        450,
        450,
    )
    summary = outcome.summary()
    assert "Found 450 loops; 450 embeddings in the file's pages where SQLite could not" in summary
    assert "Whatever the damaged pages themselves held is lost" in summary


def test_pages_are_not_read_beside_a_journal_not_folded_in(tmp_path):
    """Pages of a `-wal` beside the file are newer than the file's: rows found in the file's
    pages could be ones deleted since, so none are taken."""
    from anomalizer_desktop.core.library.damaged_file import read_only
    from anomalizer_desktop.core.library.page_rows import page_rows

    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    damage_root_page_of(library, "samples")
    with contextlib.closing(read_only(library)) as db:
        with page_rows(library, db) as found:
            assert len(found.rowids("samples")) == 600
        Path(f"{library}-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(4092))
        with page_rows(library, db) as found:
            assert found.pages == {}


def test_each_row_read_from_the_pages_goes_to_its_own_table(tmp_path):
    """Each row read from a sound library's pages is given to the table it is in, as it is
    there, and none to another (tables of the same width, a loop's folder and its heard tempo,
    are told apart by what their columns hold, or left out)."""
    from anomalizer_desktop.core.library.damaged_file import read_only
    from anomalizer_desktop.core.library.page_rows import page_rows

    library = library_with_loops(tmp_path / "lib.sqlite", loops=300)
    with Store(library) as store, store.transaction() as db:
        db.executemany(
            "INSERT INTO heard_tempos VALUES (?, 'v1', ?, 1.0)",
            ((i, None if i % 3 else 120.0 + i) for i in range(1, 301)),
        )
        db.execute("INSERT INTO feature_errors VALUES (5, 'clap', 'v1', 'no checkpoint', 2.0)")
    with contextlib.closing(read_only(library)) as db, page_rows(library, db) as pages:
        found = {table: pages.rows(table, pages.rowids(table)) for table in pages.pages}
        for table, rows in found.items():
            actual = {row[0]: row[1:] for row in db.execute(f"SELECT rowid, * FROM {table}")}
            assert {rowid: actual.get(rowid) for rowid in rows} == rows, table
    assert {table: len(rows) for table, rows in found.items() if table != "heard_tempos"} == {
        "roots": 2,
        "samples": 300,
        "features": 300,
        "user_data": 30,
        "scores": 300,
        "runs": 1,
        "feature_errors": 1,
    }


@pytest.mark.parametrize("seed", range(24))
def test_pages_damaged_every_which_way_are_repaired_without_an_error(tmp_path, seed):
    """Random bytes over pages, a few bytes flipped, a page written over with a copy of
    another: the repair ends, and what it keeps breaks no reference. (A rowid that could be
    read beside a record that could not stopped it with a KeyError.)"""
    import random

    rng = random.Random(seed)
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    data = bytearray(library.read_bytes())
    size = 4096
    pages = len(data) // size
    for _ in range(rng.randint(1, 4)):
        start = (rng.randint(2, pages) - 1) * size
        how = rng.random()
        if how < 0.4:
            data[start : start + size] = rng.randbytes(size)
        elif how < 0.7:
            for _ in range(rng.randint(1, 20)):
                data[start + rng.randrange(size)] = rng.getrandbits(8)
        else:
            other = (rng.randint(2, pages) - 1) * size
            data[start : start + size] = data[other : other + size]
    library.write_bytes(bytes(data))
    outcome = run_job(repair_library(library))
    assert find_damage(library) is None
    assert rows_of(library, "PRAGMA foreign_key_check") == []
    kept = outcome.tables["samples"].kept + outcome.restored_loops  # (back from the backup)
    assert kept == len(rows_of(library, "SELECT id FROM samples"))


def test_a_tree_that_leads_back_into_itself_is_repaired_in_its_time(tmp_path):
    """A leaf page of the embeddings written over with a copy of their tree's root: reading
    the table led back to its first rows without end, and a repair ran for good (the old code
    was still reading after 10 minutes). Every row but the lost page's is kept."""
    import faulthandler

    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    with contextlib.closing(sqlite3.connect(library)) as db:
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'features'"
        ).fetchone()
        leaf, cells = db.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = 'features' AND pagetype = 'leaf'"
            " ORDER BY pageno DESC LIMIT 1"
        ).fetchone()
    data = bytearray(library.read_bytes())
    data[(leaf - 1) * 4096 : leaf * 4096] = data[(root - 1) * 4096 : root * 4096]
    library.write_bytes(bytes(data))
    faulthandler.dump_traceback_later(120, exit=True)  # a hang fails the run, loudly
    try:
        outcome = run_job(repair_library(library))
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert outcome.tables["features"].kept == 600 - cells
    assert len(rows_of(library, "SELECT * FROM samples")) == 600
