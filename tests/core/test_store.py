"""The store: schema and migrations, WAL, transactions, user data kept apart."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from drives import read_only_drive

from anomalizer_desktop.core.library.schema import (
    SCHEMA_VERSION,
    NotALibraryError,
    SchemaTooNewError,
)
from anomalizer_desktop.core.library.store import Store, StoreError


def _sample(store: Store, path: str = "/x/a.wav") -> int:
    root = store.add_root("/x")
    return store.insert_sample(path, root, status="ok", size=1, mtime_ns=1, content_hash="h")


def test_new_library_is_wal_with_current_schema(tmp_path):
    with Store(tmp_path / "lib.sqlite") as store:
        assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.integrity_check() == "ok"


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path):
    with Store(tmp_path / "lib.sqlite") as store:
        sample = _sample(store)
        store.set_flag([sample], "unusual")
    with Store(tmp_path / "lib.sqlite") as store:
        assert store.list_samples()[0].flag == "unusual"


def test_a_library_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "lib.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        Store(path)


def test_a_file_that_is_not_a_library_gives_a_clear_error(tmp_path):
    path = tmp_path / "lib.sqlite"
    path.write_text("definitely not sqlite " * 100)
    with pytest.raises(NotALibraryError, match="is not a library file"):
        Store(path)
    assert path.read_text() == "definitely not sqlite " * 100
    with pytest.raises(NotALibraryError, match="is a folder, not a library file"):
        Store(tmp_path)


def test_a_library_whose_folder_cannot_be_made_gives_a_clear_error(tmp_path):
    """A library on a drive that is not mounted (here: below a file) is a StoreError that
    names the folder, not an OSError traceback."""
    (tmp_path / "not_a_folder").write_text("x")
    with pytest.raises(StoreError, match="cannot create its folder"):
        Store(tmp_path / "not_a_folder" / "sub" / "lib.sqlite")


def test_transaction_rolls_back_everything_on_error():
    store = Store(":memory:")
    sample = _sample(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.set_flag([sample], "typical")
        store.set_note([sample], "nice")
        raise RuntimeError("boom")
    record = store.list_samples()[0]
    assert (record.flag, record.note) == (None, None)


def test_a_library_that_refuses_writes_gives_a_clear_error_and_keeps_what_it_had(tmp_path):
    """A full disk, a drive gone, a read-only file, a lock held too long: StoreError with the
    reason (the window and the command line show it), nothing half-written."""
    with Store(tmp_path / "lib.sqlite") as store:
        ids = [
            store.insert_sample(f"/l/{i}.wav", store.add_root("/l"), status="ok") for i in (1, 2)
        ]
        store.set_flag(ids, "typical")
        store.execute("PRAGMA query_only = ON")  # every write now fails as on a read-only file
        with pytest.raises(StoreError, match=r"cannot write to the library .*nothing was changed"):
            store.set_flag(ids, "unusual")
        with pytest.raises(StoreError, match="readonly"):
            store.set_note(ids, "gone")
        store.execute("PRAGMA query_only = OFF")
        assert [(r.flag, r.note) for r in store.list_samples()] == [("typical", None)] * 2
        with pytest.raises(sqlite3.IntegrityError):  # a bug in a query stays a bug
            store.insert_sample("/l/1.wav", 1, status="ok")
        store.set_note(ids[:1], "still writable")  # the connection is fine afterwards
        assert store.list_samples()[0].note == "still writable"


def test_flags_and_notes_are_independent():
    store = Store(":memory:")
    sample = _sample(store)
    store.set_note([sample], "dusty")
    store.set_flag([sample], "typical")
    store.set_flag([sample], None)
    record = store.list_samples()[0]
    assert (record.flag, record.note) == (None, "dusty")
    with pytest.raises(ValueError):
        store.set_flag([sample], "weird")


def test_flags_and_notes_for_loops_no_longer_in_the_library_are_skipped():
    """A window's undo history can hold loops that another process forgot: undoing writes to
    the loops still there and skips the others (it raised a foreign-key IntegrityError)."""
    store = Store(":memory:")
    kept = _sample(store)
    gone = store.insert_sample("/x/b.wav", 1, status="missing", size=1, mtime_ns=1)
    assert store.forget_missing() == 1
    store.set_flag([gone, kept], "unusual")
    store.set_note([kept, gone], "odd one")
    assert [(r.path, r.flag, r.note) for r in store.list_samples()] == [
        ("/x/a.wav", "unusual", "odd one")
    ]
    assert store.execute("SELECT COUNT(*) FROM user_data").fetchone()[0] == 1


def test_user_data_of_many_loops_with_many_values_is_set_in_one_go():
    """An undo of a tag edit writes back each loop's own earlier tags: many values at once
    (more than STATEMENTS_PER_VALUE go as one statement of pairs), ids no longer in the
    library skipped, and a bad flag refused before anything is written."""
    store = Store(":memory:")
    ids = [_sample(store, f"/x/{i:02d}.wav") for i in range(40)]
    values = {f"set {i}, Dark": ids[2 * i : 2 * i + 2] for i in range(20)}
    values[None] = [*ids[:2], 999]  # the last value of an id wins; 999 is no loop
    store.set_user_data("tags", values)
    tags = {r.id: r.tags for r in store.list_samples()}
    assert tags[ids[0]] == tags[ids[1]] == ()
    assert tags[ids[2]] == tags[ids[3]] == ("Dark", "set 1")
    assert tags[ids[39]] == ("Dark", "set 19")
    store.set_user_data("note", {f"n{i}": [ids[i]] for i in range(30)} | {"": ids[30:]})
    notes = {r.id: r.note for r in store.list_samples()}
    assert [notes[i] for i in ids[28:32]] == ["n28", "n29", None, None]
    with pytest.raises(ValueError):
        store.set_user_data("flag", {"typical": ids[:1], "odd": ids[1:2]})
    with pytest.raises(ValueError):
        store.set_user_data("rating", {5: ids})
    assert store.flag_counts() == {"typical": 0, "unusual": 0}


def test_forgotten_loops_take_their_data_and_late_writes_are_skipped():
    """Loops forgotten (moved to the trash) go with their vectors, scores and user data; an
    embed or a training that was still running writes nothing for them and fails nothing."""
    store = Store(":memory:")
    kept, gone = _sample(store), _sample(store, "/x/b.wav")
    store.set_flag([kept, gone], "unusual")
    store.put_features(gone, "dsp", "1", np.ones(3, np.float32))
    assert store.forget_samples([gone, 999]) == 1
    store.put_features(gone, "dsp", "1", np.ones(3, np.float32))  # an embed that lagged
    store.put_feature_error(gone, "dsp", "1", "late")
    store.put_features(kept, "dsp", "1", np.ones(3, np.float32))
    assert [r.path for r in store.list_samples()] == ["/x/a.wav"]
    assert store.feature_matrix("dsp")[0].tolist() == [kept]
    for table in ("user_data", "features", "feature_errors"):
        ids = [r[0] for r in store.execute(f"SELECT sample_id FROM {table}")]
        assert gone not in ids


def test_features_round_trip_and_invalidate():
    store = Store(":memory:")
    sample = _sample(store)
    vector = np.arange(5, dtype=np.float32)
    store.put_features(sample, "dsp", "1", vector)
    ids, matrix = store.feature_matrix("dsp")
    assert ids.tolist() == [sample]
    np.testing.assert_array_equal(matrix[0], vector)
    assert store.samples_to_embed("dsp", "1") == []
    assert store.samples_to_embed("dsp", "2") == [(sample, "/x/a.wav")]
    store.invalidate_features(sample)
    assert store.samples_to_embed("dsp", "1") == [(sample, "/x/a.wav")]
    assert store.list_samples()[0].embedders == ()


def test_the_feature_matrix_read_in_chunks_is_the_matrix_of_one_read(monkeypatch):
    from anomalizer_desktop.core.library import chunked
    from anomalizer_desktop.core.library.store import LibraryDamagedError

    store = Store(":memory:")
    ids = [_sample(store, f"/x/{i}.wav") for i in range(7)]
    vectors = np.arange(7 * 4, dtype=np.float32).reshape(7, 4)
    for sample, vector in zip(ids, vectors, strict=True):
        store.put_features(sample, "dsp", "1", vector)
    whole_ids, whole = store.feature_matrix("dsp", "1")
    monkeypatch.setattr(chunked, "CHUNK_ROWS", 3)  # chunks of 3, 3 and 1 rows
    chunk_ids, chunks = store.feature_matrix("dsp", "1")
    assert chunk_ids.tolist() == whole_ids.tolist() == ids
    np.testing.assert_array_equal(chunks, whole)
    np.testing.assert_array_equal(chunks, vectors)
    store.put_features(ids[0], "dsp", "2", np.ones(5, np.float32))  # another version, wider
    with pytest.raises(LibraryDamagedError, match=r"dsp embeddings have different widths \(4, 5\)"):
        store.feature_matrix("dsp")  # any version: two widths cannot make one matrix


def test_copied_files_are_present_files_sharing_a_whole_content_hash():
    store = Store(":memory:")
    root = store.add_root("/x")
    whole, other, edges = "a" * 40, "b" * 40, "e" * 16  # edges-only: an earlier version's

    def add(path, content, status="ok"):
        store.insert_sample(path, root, status=status, size=1, mtime_ns=1, content_hash=content)

    add("/x/kick.wav", whole)
    add("/x/copy/kick.wav", whole)
    add("/x/gone/kick.wav", whole, status="missing")  # not there: no copy
    add("/x/snare.wav", other)
    add("/x/gone/snare.wav", other, status="missing")
    add("/x/one.wav", edges)  # two loops may share such a hash: never called copies
    add("/x/two.wav", edges)
    add("/x/none.wav", None)
    assert store.copied_files() == {"/x/kick.wav": whole, "/x/copy/kick.wav": whole}
    ids = {path: sample_id for sample_id, path in store._db.execute("SELECT id, path FROM samples")}
    # the loops a flag on these is about: each, then its present copies
    assert store.ids_with_copies([ids["/x/copy/kick.wav"], ids["/x/snare.wav"]]) == [
        ids["/x/copy/kick.wav"],
        ids["/x/snare.wav"],
        ids["/x/kick.wav"],
    ]
    assert store.ids_with_copies([ids["/x/one.wav"], ids["/x/none.wav"]]) == [
        ids["/x/one.wav"],
        ids["/x/none.wav"],
    ]
    assert store.ids_with_copies([]) == []


def test_list_sorts_by_score_with_missing_scores_last():
    store = Store(":memory:")
    ids = [_sample(store, f"/x/{name}.wav") for name in "abc"]
    with store.transaction() as db:
        run = db.execute(
            "INSERT INTO runs(created_at, detector, embedder) VALUES (0, 'test', 'dsp')"
        ).lastrowid
        db.execute("INSERT INTO scores VALUES (?, ?, 0.5, 50)", (run, ids[0]))
        db.execute("INSERT INTO scores VALUES (?, ?, 2.0, 99)", (run, ids[2]))
    records = store.list_samples(sort="score", descending=True)
    assert [r.path for r in records] == ["/x/c.wav", "/x/a.wav", "/x/b.wav"]
    assert records[0].score == 2.0
    with pytest.raises(ValueError):
        store.list_samples(sort="nonsense")
    store.set_flag([ids[1]], "typical")
    loops = store.loop_columns()  # the same values as the full records, in id order
    briefs = [loops.brief(row) for row in range(len(loops.ids))]
    assert [(b.id, b.path, b.score, b.percentile, b.flag) for b in briefs] == sorted(
        (r.id, r.path, r.score, r.percentile, r.flag) for r in store.list_samples()
    )
    taken = loops.take(np.array([ids[2], ids[1]]))
    assert taken.paths == ["/x/c.wav", "/x/b.wav"] and taken.flags == [None, "typical"]
    assert taken.brief(0).score == 2.0 and taken.brief(1).score is None


def test_loop_columns_read_in_chunks_are_the_columns_of_one_read(monkeypatch):
    """A worker reads them after each flag, a chunk at a time (one read of 100,000 rows held
    the GIL, and froze the window, for 150 ms)."""
    from anomalizer_desktop.core.library import chunked

    store = Store(":memory:")
    ids = [_sample(store, f"/x/{i:02d}.wav") for i in range(10)]
    store.set_flag(ids[3:5], "unusual")
    whole = store.loop_columns()
    monkeypatch.setattr(chunked, "CHUNK_ROWS", 3)
    chunked = store.loop_columns()
    assert chunked.ids.tolist() == whole.ids.tolist() == ids
    assert chunked.paths == whole.paths and chunked.flags == whole.flags
    assert chunked.flags[3:5] == ["unusual", "unusual"] and chunked.flags[5] is None
    assert np.isnan(chunked.scores).all() and np.isnan(chunked.percentiles).all()
    assert Store(":memory:").loop_columns().ids.tolist() == []


def test_change_count_moves_only_when_another_connection_commits(tmp_path):
    path = tmp_path / "lib.sqlite"
    with Store(path) as mine, Store(path) as other:
        before = mine.change_count()
        mine.add_root("/mine")
        assert mine.change_count() == before  # its own writes do not count
        other.add_root("/theirs")
        assert mine.change_count() != before


def test_a_library_on_a_read_only_drive_is_named_so_not_called_damaged(tmp_path, monkeypatch):
    from anomalizer_desktop.core.library.schema import LibraryNotWritableError

    library = tmp_path / "library.sqlite"
    Store(library).close()
    before = library.read_bytes()
    read_only_drive(monkeypatch, library)
    with pytest.raises(LibraryNotWritableError) as caught:
        Store(library)
    assert str(caught.value) == (
        f"cannot open the library {library}: its drive is read-only ({tmp_path}). It is left as"
        " it is: copy it to a folder you can write to and open it there"
    )
    assert library.read_bytes() == before


def test_a_write_the_library_refuses_says_why_when_it_is_its_permissions(tmp_path, monkeypatch):
    import os

    library = tmp_path / "library.sqlite"
    store = Store(library)
    store.execute("PRAGMA query_only = ON")  # writes fail as on a read-only file
    with (
        pytest.raises(StoreError, match="attempt to write a readonly database"),
        store.transaction() as db,
    ):
        db.execute("INSERT INTO roots(path, added_at) VALUES ('/loops', 0)")
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode: False if str(path) == str(library) else real_access(path, mode),
    )
    with pytest.raises(StoreError) as caught, store.transaction() as db:
        db.execute("INSERT INTO roots(path, added_at) VALUES ('/loops', 0)")
    assert str(caught.value) == (
        f"cannot write to the library {library}: this user may not write to it (its"
        " permissions); nothing was changed"
    )
    store.close()


def test_table_rows_come_in_the_order_sqlite_sorts_paths(store):
    """The window's read sorts in Python; it must be SQLite's path order (BINARY: UTF-8
    bytes), whatever order the rows were added in, accents, case and emoji included."""
    root = store.add_root("/l")
    names = ["b.wav", "Z.wav", "é.wav", "e.wav", "a/ü.wav", "a/u.wav", "🥁.wav", "Ä.wav", "_.wav"]
    for name in names:
        store.insert_sample(f"/l/{name}", root, status="ok")
    expected = [p for (p,) in store.execute("SELECT path FROM samples ORDER BY path")]
    assert [row[1] for row in store.table_rows()] == expected
    assert expected[0] == "/l/Z.wav" and expected[-1] == "/l/🥁.wav"


def test_reads_inside_reading_see_one_state_of_the_library(tmp_path):
    """What "Why unusual?" reads (the vectors, then each loop's path and flag) comes from one
    state of the library while another connection trashes a loop between the two reads."""
    path = tmp_path / "lib.sqlite"
    with Store(path) as mine, Store(path) as other:
        root = mine.add_root("/l")
        ids = [mine.insert_sample(f"/l/{i}.wav", root, status="ok") for i in range(3)]
        with mine.reading():
            before = [p for (p,) in mine.execute("SELECT path FROM samples ORDER BY id")]
            other.forget_samples([ids[1]])
            loops = mine.loop_columns()
        assert loops.paths == before == ["/l/0.wav", "/l/1.wav", "/l/2.wav"]
        assert mine.loop_columns().paths == ["/l/0.wav", "/l/2.wav"]
        with pytest.raises(LookupError):
            mine.loop_columns().take(np.array(ids))
