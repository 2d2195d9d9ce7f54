"""The producer's own tags: how typed tags read, how the library keeps them (through rescans,
moves, its backup and a repair), and the command line's tag options."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sqlite3

import pytest
from damage import damage_pages_of, library_with_loops

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.flag_backup import read_flag_backup
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.user_tags import (
    MAX_TAG_LENGTH,
    common_tags,
    edited_tags,
    has_tag,
    parse_tags,
    stored_tags,
    tag_matcher,
)
from anomalizer_desktop.core.loop_names import parse_query


def test_typed_tags_are_split_tidied_and_kept_once_in_case_blind_order():
    assert parse_tags("dark,  Song   A ,,dark, DARK ,") == ("dark", "Song A")
    assert parse_tags(["keep", "b, a"]) == ("a", "b", "keep")
    assert parse_tags("Zed, apple, Banana") == ("apple", "Banana", "Zed")
    assert parse_tags("") == parse_tags(None) == parse_tags(" , ") == ()
    assert parse_tags("x" * 100) == ("x" * MAX_TAG_LENGTH,)
    assert parse_tags("line\nbreak\ttab") == ("line break tab",)
    assert parse_tags("nul\x00here, \x1b[31mred") == ("[31mred", "nul here")
    assert stored_tags(["b", "A", "a"]) == "A, b" and stored_tags([]) is None
    assert parse_tags(stored_tags(["dark", "song a"])) == ("dark", "song a")  # no loss
    # one Unicode form: "e" with a combining accent (pasted from a Mac's file name) and "é"
    # as typed are one tag, not two that look alike
    assert parse_tags("cafe\u0301, Caf\u00e9") == ("caf\u00e9",)


def test_edits_keep_other_tags_and_the_first_spelling():
    assert edited_tags("Dark, keep", add=["dark", "new"], remove=["KEEP"]) == "Dark, new"
    assert edited_tags(None, add=["a"]) == "a"
    assert edited_tags("a", remove=["a"]) is None
    assert edited_tags("a", add=["b"], remove=["b"]) == "a, b"  # in both: added
    assert has_tag("Dark, song  a", "SONG A") and not has_tag("dark", "dar")
    assert not has_tag(None, "x") and not has_tag("x", "  ")
    for stored in ("dark, song a", "dark", "darker, song a", "a, dark"):  # the fast test agrees
        for tag in ("DARK", "song a", "dar", "a", "dark, a"):
            assert tag_matcher(tag)(stored) == has_tag(stored, tag), (stored, tag)
    assert common_tags(["dark, keep", "Keep, x", "KEEP, dark"]) == ("keep",)
    assert common_tags([None, "a"]) == () and common_tags([]) == ()


def test_the_filter_reads_a_tag_term():
    assert parse_query("bass tag:Dark bpm:120").tag == "Dark"
    query = parse_query('tag:"song  a" kick')
    assert (query.tag, query.text) == ("song a", "kick")
    assert parse_query("tag:").tag is None and parse_query("tag:").text == "tag:"
    assert parse_query('tag:""').text == 'tag:""'  # reads as no tag: finds nothing, not all


def test_the_store_sets_edits_lists_and_counts_tags(store):
    root = store.add_root("/loops")
    ids = [store.insert_sample(f"/loops/{n}.wav", root, status="ok") for n in "abcd"]
    store.set_tags(ids[:3], "dark, Song A")
    assert store.edit_tags(ids[1:], add=["keep"], remove=["song a"]) == 3
    store.set_flag([ids[0]], "unusual")
    tags = {os.path.basename(r.path): r.tags for r in store.list_samples()}
    assert tags == {
        "a.wav": ("dark", "Song A"),
        "b.wav": ("dark", "keep"),
        "c.wav": ("dark", "keep"),
        "d.wav": ("keep",),
    }
    assert store.tag_counts() == {"dark": 3, "keep": 3, "Song A": 1}
    assert [r.path for r in store.list_samples(tag="KEEP")] == [
        "/loops/b.wav",
        "/loops/c.wav",
        "/loops/d.wav",
    ]
    assert store.edit_tags(ids, add=["dark"]) == 1  # only d lacked it
    store.set_tags(ids, "")
    assert store.tag_counts() == {}
    assert {r.flag for r in store.list_samples()} == {"unusual", None}  # the flag stays


def test_a_tag_is_renamed_or_taken_off_every_loop(store):
    root = store.add_root("/loops")
    ids = [store.insert_sample(f"/loops/{n}.wav", root, status="ok") for n in "abc"]
    store.set_tags(ids[:1], "drms, keep")
    store.set_tags(ids[1:2], "Drms, drums")
    store.set_tags(ids[2:], "keep")
    assert store.rename_tag("DRMS", "drums") == 2
    assert [r.tags for r in store.list_samples()] == [("drums", "keep"), ("drums",), ("keep",)]
    assert store.rename_tag("keep", None) == 2
    assert [r.tags for r in store.list_samples()] == [("drums",), ("drums",), ()]
    assert store.rename_tag("nothing", "x") == 0


def test_tags_stored_with_decomposed_accents_are_found_by_the_typed_tag(store):
    """Before 2026-12-03 a tag was stored as it came: one pasted from a Mac's file name spelt
    "é" as "e" and a combining accent (NFD). Typed ("café", NFC), the filter, `list --tag`,
    export sets and a rename missed the loops it was on; they find them now."""
    root = store.add_root("/loops")
    ids = [store.insert_sample(f"/loops/{n}.wav", root, status="ok") for n in "abc"]
    store.set_tags(ids[:2], "keep")
    with store.transaction() as db:  # as an earlier version wrote them
        db.execute("UPDATE user_data SET tags = 'Cafe\u0301, keep' WHERE sample_id = ?", (ids[0],))
    store.set_tags(ids[2:], "caf\u00e9")
    assert tag_matcher("caf\u00e9")("Cafe\u0301, keep")
    assert tag_matcher("CAFE\u0301")("caf\u00e9")
    assert has_tag("Cafe\u0301, keep", "caf\u00e9")
    assert [r.path for r in store.list_samples(tag="Caf\u00e9")] == ["/loops/a.wav", "/loops/c.wav"]
    assert store.tag_counts() == {"caf\u00e9": 2, "keep": 2}  # one tag, however spelt
    assert store.rename_tag("caf\u00e9", "cafe songs") == 2
    assert [r.tags for r in store.list_samples()] == [
        ("cafe songs", "keep"),
        ("keep",),
        ("cafe songs",),
    ]


def test_the_most_used_spelling_names_a_tag():
    with Store(":memory:") as store:
        root = store.add_root("/l")
        ids = [store.insert_sample(f"/l/{i}.wav", root, status="ok") for i in range(3)]
        store.set_tags(ids[:1], "Dark")
        store.set_tags(ids[1:], "dark")
        assert store.tag_counts() == {"dark": 3}


def test_tags_survive_rescans_and_moves_and_count_as_the_producers_work(store, loop_folder):
    run_job(scan(store, [str(loop_folder)]))
    by_name = {os.path.basename(r.path): r.id for r in store.list_samples()}
    store.set_tags([by_name["bass_02.flac"], by_name["tone_a.wav"]], "song-a")
    run_job(scan(store, [str(loop_folder)]))  # nothing changed
    (loop_folder / "moved").mkdir()
    shutil.move(loop_folder / "bass" / "bass_02.flac", loop_folder / "moved" / "renamed.flac")
    os.remove(loop_folder / "tone_a.wav")
    run_job(scan(store, [str(loop_folder)]))
    tagged = {os.path.basename(r.path): (r.id, r.status) for r in store.list_samples(tag="song-a")}
    assert tagged == {
        "renamed.flac": (by_name["bass_02.flac"], "ok"),
        "tone_a.wav": (by_name["tone_a.wav"], "missing"),
    }
    assert store.missing_summary() == (1, 1)  # the missing loop's tags go if it is forgotten


def test_tags_go_to_the_backup_and_come_back_in_a_repair(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    with Store(library) as store:
        store.set_tags([3, 301], "song-a, keep")  # loops with no flag and no note
    saved, _ = read_flag_backup(library)
    assert {(loop.path.rsplit("/", 1)[1], loop.tags) for loop in saved if loop.tags} == {
        ("loop_0003.wav", "keep, song-a"),
        ("loop_0301.wav", "keep, song-a"),
    }
    damage_pages_of(library, "samples", leaves=1)  # the rows of loops 282-339 among others
    outcome = run_job(repair_library(library))
    tagged = rows_of(
        library,
        "SELECT s.path, s.status, u.tags FROM user_data u JOIN samples s ON s.id = u.sample_id"
        " WHERE u.tags IS NOT NULL ORDER BY s.path",
    )
    assert tagged == [
        ("/loops/a/pack_0/loop_0003.wav", "ok", "keep, song-a"),  # read from the library
        ("/loops/a/pack_1/loop_0301.wav", "missing", "keep, song-a"),  # from the backup
    ]
    assert outcome.restored_flags >= 1


def test_a_library_from_before_tags_opens_with_its_flags_and_no_tags(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=20)
    with contextlib.closing(sqlite3.connect(library)) as db:
        db.execute("ALTER TABLE user_data DROP COLUMN tags")
        db.execute("DROP TABLE map_points")  # (added after tags: V6)
        db.execute("DROP TABLE audio_pairs")
        db.execute("DROP TABLE audio_searched")  # (V7)
        db.execute("DROP TABLE heard_tempos")  # (V8)
        db.execute("ALTER TABLE user_data DROP COLUMN tempo")  # (V9)
        db.execute("ALTER TABLE user_data DROP COLUMN key")
        db.execute("DROP TABLE exports")  # (V10)
        db.execute("PRAGMA user_version = 4")
        db.commit()
    with Store(library) as store:
        records = store.list_samples()
        assert {r.tags for r in records} == {()}
        assert sum(r.flag == "unusual" for r in records) == 2
        store.set_tags([1], "new")
        assert store.tag_counts() == {"new": 1}


def rows_of(library, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(library)) as db:
        return db.execute(sql).fetchall()


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


def test_the_command_line_tags_lists_exports_and_trashes_by_tag(capsys, tmp_path, loop_folder):
    lib = str(tmp_path / "lib.sqlite")
    common = ("--library", lib)
    _run(capsys, *common, "scan", str(loop_folder), "-q")
    drums = sorted(str(p) for p in (loop_folder / "drums").glob("*.wav"))
    assert _run(capsys, *common, "flag", *drums[:3], "--tag", "Dark, song a")[0] == 0
    _run(capsys, *common, "flag", drums[2], "--tag", "keep", "--untag", "SONG A")
    _run(capsys, *common, "flag", drums[3], "--tags", "x, y")
    _run(capsys, *common, "flag", drums[3], "--tags", "")  # takes them all off
    _, counts = _run(capsys, *common, "tags", "--json")
    assert counts == [  # most used first
        {"tag": "Dark", "loops": 3},
        {"tag": "song a", "loops": 2},
        {"tag": "keep", "loops": 1},
    ]
    _, text = _run(capsys, *common, "tags")
    assert text.splitlines()[1].split() == ["3", "Dark"]
    _, rows = _run(capsys, *common, "list", "--tag", "dark", "--json")
    assert [(r["path"], r["tags"]) for r in rows] == [
        (drums[0], ["Dark", "song a"]),
        (drums[1], ["Dark", "song a"]),
        (drums[2], ["Dark", "keep"]),
    ]
    out = tmp_path / "song.csv"
    _run(capsys, *common, "export", "--format", "csv", "--tag", "song a", str(out))
    with open(out, encoding="utf-8", newline="") as handle:
        exported = [(r["path"], r["tags"]) for r in csv.DictReader(handle)]
    assert sorted(exported) == [(drums[0], "Dark, song a"), (drums[1], "Dark, song a")]
    _, trashed = _run(capsys, *common, "trash", "--tag", "keep", "--dry-run", "--json")
    assert trashed["trashed"] == [drums[2]] and all(os.path.exists(p) for p in drums)
    _, info = _run(capsys, *common, "info", "--json")
    assert info["tags"] == {"Dark": 3, "song a": 2, "keep": 1}

    assert main([*common, "tags", "--rename", "SONG A", "song-a", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "renamed 'SONG A' to 'song-a' on 2 loops" in err
    assert json.loads(out)[1] == {"tag": "song-a", "loops": 2}
    assert main([*common, "tags", "--rename", "keep", "DARK"]) == 0  # a name in use: merged
    assert "merged 'keep' into 'Dark' on 1 loop" in capsys.readouterr().err
    _, counts = _run(capsys, *common, "tags", "--json")
    assert counts[0] == {"tag": "Dark", "loops": 3} and "keep" not in [c["tag"] for c in counts]
    _, counts = _run(capsys, *common, "tags", "--delete", "dark", "--json")
    assert [c["tag"] for c in counts] == ["song-a"]
    assert main([*common, "tags", "--delete", "dark"]) == 1
    assert "no loop is tagged 'dark'" in capsys.readouterr().err


def test_the_command_line_refuses_mixed_and_malformed_tag_options(capsys, tmp_path, loop_folder):
    lib = str(tmp_path / "lib.sqlite")
    main(["--library", lib, "scan", str(loop_folder), "-q"])
    loop = str(loop_folder / "tone_a.wav")
    assert main(["--library", lib, "flag", loop, "--tags", "a", "--tag", "b"]) == 1
    assert "--tags gives the loops exactly those tags" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["--library", lib, "list", "--tag", "a, b"])
    assert exit_.value.code == 2 and "not one tag" in capsys.readouterr().err
    _, rows = _run(capsys, "--library", lib, "list", "--json")
    assert all(r["tags"] == [] for r in rows)


def test_export_each_tag_writes_a_set_per_tag_and_names_those_it_cannot(
    capsys, tmp_path, loop_folder
):
    lib = str(tmp_path / "lib.sqlite")
    common = ("--library", lib)
    _run(capsys, *common, "scan", str(loop_folder), "-q")
    drums = sorted(str(p) for p in (loop_folder / "drums").glob("*.wav"))
    _run(capsys, *common, "flag", *drums[:3], "--tag", "a/b")
    _run(capsys, *common, "flag", drums[3], "--tag", "a-b, solo")
    os.remove(drums[3])  # its file gone: solo has no loop on disk, no set
    _run(capsys, *common, "scan", "-q")
    out = tmp_path / "Sets"
    code, result = _run(
        capsys, *common, "export", "--format", "m3u8", "--each-tag", str(out), "--json"
    )
    assert code == 0 and result["failed"] == [] and result["folder"] == str(out)
    assert [(s["tag"], os.path.basename(s["path"]), s["entries"]) for s in result["sets"]] == [
        ("a/b", "a-b.m3u8", 3)
    ]
    assert (out / "a-b.m3u8").read_text().count("#EXTINF") == 3

    _run(capsys, *common, "flag", drums[4], "--tag", "a-b")  # two tags, one file name
    folders = tmp_path / "Folders"
    (folders / "a-b").mkdir(parents=True)
    (folders / "a-b" / "mine.txt").write_text("mine")
    code, result = _run(
        capsys, *common, "export", "--format", "folder", "--each-tag", str(folders), "--json"
    )
    assert code == 0
    assert [(s["tag"], os.path.basename(s["path"])) for s in result["sets"]] == [("a-b", "a-b (2)")]
    assert [f["tag"] for f in result["failed"]] == ["a/b"]
    assert os.listdir(folders / "a-b") == ["mine.txt"]  # never replaced
    # again: the earlier set is kept without --overwrite, and nothing written is a failure
    assert main([*common, "export", "--format", "folder", "--each-tag", str(folders)]) == 1
    assert "holds an earlier export: --overwrite replaces it" in capsys.readouterr().err
    assert main([*common, "export", "--format", "csv", "--each-tag", "--tag", "x", "o"]) == 1


def test_sets_of_tags_gone_from_the_library_go_to_the_trash_at_the_next_export(
    capsys, tmp_path, loop_folder, monkeypatch
):
    """Exporting again brings the sets up to date: a set an export wrote for a tag that no
    loop has any more goes to the trash; a set of a tag still used (if no loop of it is on
    disk, or the criteria leave it out) stays, and nothing else in the folder is touched."""
    from anomalizer_desktop.core.library import trash

    trashed = []
    monkeypatch.setattr(trash, "send_to_trash", lambda p: trashed.append(p) or shutil.rmtree(p))
    lib = str(tmp_path / "lib.sqlite")
    common = ("--library", lib)
    _run(capsys, *common, "scan", str(loop_folder), "-q")
    drums = sorted(str(p) for p in (loop_folder / "drums").glob("*.wav"))
    _run(capsys, *common, "flag", drums[0], "--tag", "old, kept")
    _run(capsys, *common, "flag", drums[1], "--tag", "kept", "--unusual")
    sets = tmp_path / "Sets"
    (sets / "mine").mkdir(parents=True)  # the producer's own folder beside the sets
    _run(capsys, *common, "export", "--format", "folder", "--each-tag", str(sets), "-q")
    assert sorted(os.listdir(sets)) == [".anomalizer-sets", "kept", "mine", "old"]

    _run(capsys, *common, "tags", "--delete", "old")
    _, result = _run(
        capsys, *common, "export", "--format", "folder", "--each-tag", str(sets), "--json",
        "--flag", "unusual", "--overwrite",
    )  # fmt: skip
    assert [r["tag"] for r in result["removed"]] == ["old"] and trashed == [str(sets / "old")]
    assert sorted(os.listdir(sets)) == [".anomalizer-sets", "kept", "mine"]
    assert [p.name for p in (sets / "kept").iterdir() if p.is_symlink()] == ["drum_01.wav"]
    _, result = _run(capsys, *common, "export", "--format", "folder", "--each-tag", str(sets),
                     "--json", "--overwrite")  # fmt: skip
    assert result["removed"] == [] and len(trashed) == 1


def test_only_sets_of_ours_in_the_folder_itself_are_ever_taken_away(tmp_path):
    from anomalizer_desktop.core.export.selection import ExportEntry
    from anomalizer_desktop.core.export.tag_sets import MANIFEST, export_tag_sets

    loop = tmp_path / "kick.wav"
    loop.write_bytes(b"RIFF")
    sets = tmp_path / "Sets"
    (sets / "user folder").mkdir(parents=True)
    (sets / "user folder" / "song.wav").write_bytes(b"x")
    for name in ("old.m3u8", "notes.txt"):
        (sets / name).write_text("x")
    (tmp_path / "outside.m3u8").write_text("x")
    listed = {n: "gone" for n in ("../outside.m3u8", "user folder", "notes.txt", "old.m3u8")}
    (sets / MANIFEST).write_text(json.dumps(listed))
    moved = []
    entry = ExportEntry(str(loop), "kick", 1.0, None, None, None, None)
    result = export_tag_sets(
        {"kept": [entry]}, "m3u8", sets, library_tags=["kept"], mover=moved.append
    )
    assert moved == [str(sets / "old.m3u8")] and [t for t, _ in result.removed] == ["gone"]
    assert (tmp_path / "outside.m3u8").exists() and (sets / "user folder" / "song.wav").exists()
    assert json.loads((sets / MANIFEST).read_text()) == {
        "user folder": "gone",  # (kept: the next export looks again)
        "notes.txt": "gone",
        "kept.m3u8": "kept",
    }


def test_every_tags_copies_count_over_all_sets_and_a_cancel_keeps_the_sets_before_it(tmp_path):
    from anomalizer_desktop.core.export.selection import ExportCancelled, ExportEntry
    from anomalizer_desktop.core.export.tag_sets import MANIFEST, export_tag_sets

    def entry(name):
        (tmp_path / name).write_bytes(b"RIFF" + name.encode())
        return ExportEntry(str(tmp_path / name), name, 1.0, None, None, None, None)

    sets = {"drums": [entry("k.wav"), entry("s.wav")], "bass": [entry("b1.wav"), entry("b2.wav")]}
    out = tmp_path / "Sets"
    seen = []
    result = export_tag_sets(sets, "copies", out, progress=lambda *step: seen.append(step))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)] and not result.cancelled
    assert sorted(os.listdir(out / "bass")) == [".anomalizer-export", "b1.wav", "b2.wav"]

    def stop_in_the_second_set(done, total):
        if done == 3:
            raise ExportCancelled("cancelled")

    again = tmp_path / "Again"
    (again / "old").mkdir(parents=True)  # a set whose tag is gone: a cancel moves it nowhere
    (again / MANIFEST).write_text(json.dumps({"old": "old"}))
    moved = []
    result = export_tag_sets(
        sets, "copies", again, library_tags=["drums", "bass"], mover=moved.append,
        progress=stop_in_the_second_set,
    )  # fmt: skip
    assert result.cancelled and [tag for tag, _, _ in result.written] == ["drums"]
    assert sorted(os.listdir(again)) == [MANIFEST, "drums", "old"] and moved == []
    assert json.loads((again / MANIFEST).read_text()) == {"old": "old", "drums": "drums"}
