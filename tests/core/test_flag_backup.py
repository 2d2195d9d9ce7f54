"""The flags' backup beside the library: written as a Store that changed them closes, whole
or not at all, and read back by a repair."""

from __future__ import annotations

import json

from damage import library_with_loops

from anomalizer_desktop.core.library import flag_backup
from anomalizer_desktop.core.library.flag_backup import backup_path, read_flag_backup
from anomalizer_desktop.core.library.store import Store


def test_closing_writes_the_flags_and_notes_as_they_are_now(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=30)
    loops, _ = read_flag_backup(library)  # the first close of a flagged library made one
    assert sorted(loop.path for loop in loops) == sorted(
        f"/loops/{'a' if i % 2 else 'b'}/pack_{i % 3}/loop_{i:04d}.wav" for i in (10, 20, 30)
    )
    with Store(library) as store:
        store.set_flag([10], None)  # cleared, and no note: not in the backup any more
        store.set_note([10], None)
        store.set_note([7], "great fill")
        store.forget_samples([20])
    loops, written_at = read_flag_backup(library)
    assert {(loop.path.rsplit("/", 1)[1], loop.flag, loop.note) for loop in loops} == {
        ("loop_0007.wav", None, "great fill"),
        ("loop_0030.wav", "unusual", "odd one"),
    }
    assert written_at is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_the_backup_written_a_chunk_at_a_time_is_the_json_of_the_whole(tmp_path, monkeypatch):
    """The loops are encoded a few at a time (the window writes the backup in a worker, and
    one call over 100,000 loops held the GIL for 0.4 s): the file is still one document, as
    json.dumps writes it, with every loop once, and an empty list for none."""
    from anomalizer_desktop.core.library import chunked

    library = library_with_loops(tmp_path / "lib.sqlite", loops=30)
    monkeypatch.setattr(chunked, "CHUNK_ROWS", 4)
    with Store(library) as store:
        store.set_note(list(range(1, 12)), 'say "hi" ü\n')
        assert store.save_flag_backup() == 13  # 1-11 noted, and 20 and 30 flagged
        text = backup_path(library).read_text(encoding="utf-8")
        document = json.loads(text)
        assert json.dumps(document, ensure_ascii=False) == text
        assert len({loop["path"] for loop in document["loops"]}) == 13
        store.set_note(list(range(1, 31)), None)
        store.set_flag(list(range(1, 31)), None)
        store.set_tags(list(range(1, 31)), None)
        assert store.save_flag_backup() == 0
    text = backup_path(library).read_text(encoding="utf-8")
    assert json.loads(text)["loops"] == [] and json.dumps(json.loads(text)) == text


def test_a_store_that_only_read_leaves_the_backup_alone(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=10)
    before = backup_path(library).read_bytes()
    with Store(library) as store:
        store.list_samples()
    assert backup_path(library).read_bytes() == before


def test_a_backup_that_cannot_be_written_keeps_the_last_one_and_the_flag(tmp_path, monkeypatch):
    """A crash or a full drive while writing: the previous backup stays whole, and the
    library (the flags' home) has the change either way."""
    library = library_with_loops(tmp_path / "lib.sqlite", loops=10)
    before = backup_path(library).read_bytes()

    real_open = open

    class FullDrive:
        def __init__(self, path, *args, **kwargs):
            self.handle = real_open(path, *args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[:20])  # what fitted
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(flag_backup, "open", FullDrive, raising=False)
    with Store(library) as store:
        store.set_flag([1], "typical")
    assert backup_path(library).read_bytes() == before  # not half of a new one
    assert not list(tmp_path.glob("*.partial"))
    monkeypatch.undo()
    with Store(library) as store:
        assert store.flag_counts()["typical"] == 1


def test_a_backup_that_is_not_one_reads_as_none(tmp_path):
    library = tmp_path / "lib.sqlite"
    backup_path(library).write_text("{not json")
    assert read_flag_backup(library) == ([], None)
    backup_path(library).write_text(json.dumps({"format": 1, "loops": [{"no path": 1}]}))
    assert read_flag_backup(library) == ([], None)
    assert read_flag_backup(tmp_path / "none.sqlite") == ([], None)


def test_info_says_where_the_flags_are_backed_up(tmp_path, capsys):
    from anomalizer_desktop.cli import main as cli
    from anomalizer_desktop.core.audio.identity import CONTENT_HASH_LENGTH

    library = library_with_loops(tmp_path / "lib.sqlite", loops=30)
    assert cli(["--library", str(library), "info", "--json"]) == 0
    backup = json.loads(capsys.readouterr().out)["flag_backup"]
    assert backup["path"] == str(backup_path(library)) and backup["loops"] == 3
    with Store(library) as store, store.transaction() as db:  # two copies of one file
        one_file = "ab" * (CONTENT_HASH_LENGTH // 2)
        db.execute("UPDATE samples SET content_hash = ? WHERE id IN (1, 3)", (one_file,))
    assert cli(["--library", str(library), "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("copies ") for line in lines)
    at = next(i for i, line in enumerate(lines) if "backed up in" in line)
    assert f"backed up in {backup_path(library)} (3 loops, written " in lines[at]
    # under what it holds (it sat under the copies and same-audio lines, as if theirs)
    assert lines[at - 1].startswith(("flags ", "tags ", "by hand "))
    empty = tmp_path / "empty.sqlite"
    Store(empty).close()
    assert cli(["--library", str(empty), "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["flag_backup"] is None
