"""Tempos and keys the producer sets by hand: over what the name, loop tags and sound say,
kept through rescans, moves and repairs, set and taken off from the command line."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sqlite3

import audiogen
import pytest
from damage import damage_pages_of, library_with_loops

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.flag_backup import read_flag_backup
from anomalizer_desktop.core.library.repair import repair_library
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.library.views import declared_by
from anomalizer_desktop.core.loop_names import HEARD, YOURS, declared


def test_yours_goes_over_the_name_the_tags_and_the_sound():
    path = "/l/Bass 128 BPM Am.wav"
    assert declared(path, None, None) == declared(path, None, None, None, None, None)
    said = declared(path, None, None, None, 64.0, None)
    assert (said.tempo, said.tempo_from, said.key, said.key_from) == (
        64.0,
        YOURS,
        "Am",
        "file name",
    )
    said = declared("/l/groove.wav", 120.0, None, 87.0, None, "F#m")
    assert (said.tempo, said.tempo_from, said.key, said.key_from) == (
        120.0,
        "loop tags",
        "F#m",
        YOURS,
    )
    heard = declared("/l/groove.wav", None, None, 87.0, 174.0, None)
    assert (heard.tempo, heard.tempo_from) == (174.0, YOURS)
    assert declared("/l/groove.wav", None, None, 87.0).tempo_from == HEARD


def test_the_store_keeps_a_tempo_and_key_and_refuses_nonsense():
    with Store(":memory:") as store:
        root = store.add_root("/l")
        ids = [store.insert_sample(f"/l/{i} 90 BPM.wav", root, status="ok") for i in range(3)]
        store.set_tempo(ids[:2], 180)
        store.set_key(ids[1:], "a minor")
        records = store.list_samples(sort="path")
        assert [(r.user_tempo, r.user_key) for r in records] == [
            (180.0, None),
            (180.0, "Am"),
            (None, "Am"),
        ]
        assert [declared_by(r).tempo for r in records] == [180.0, 180.0, 90.0]
        assert json.loads(json.dumps(records[1].as_json()))["user_key"] == "Am"
        for field, value in (("tempo", 5.0), ("tempo", "fast"), ("key", "H minor")):
            with pytest.raises(ValueError):
                store.set_user_data(field, {value: ids})
        store.set_tempo(ids, None)  # taken off: the name's tempo again
        assert [declared_by(r).tempo for r in store.list_samples()] == [90.0] * 3


def test_a_tempo_set_by_hand_survives_rescans_and_moves(store, loop_folder):
    run_job(scan(store, [str(loop_folder)]))
    by_name = {os.path.basename(r.path): r.id for r in store.list_samples()}
    store.set_tempo([by_name["bass_02.flac"]], 174.0)
    store.set_key([by_name["bass_02.flac"]], "Dm")
    (loop_folder / "moved").mkdir()
    shutil.move(loop_folder / "bass" / "bass_02.flac", loop_folder / "moved" / "renamed.flac")
    run_job(scan(store, [str(loop_folder)]))
    mine = [(os.path.basename(r.path), r.user_tempo, r.user_key) for r in store.list_samples()]
    assert [m for m in mine if m[1] is not None] == [("renamed.flac", 174.0, "Dm")]


def test_a_tempo_and_key_go_to_the_backup_and_come_back_in_a_repair(tmp_path):
    library = library_with_loops(tmp_path / "lib.sqlite", loops=600)
    with Store(library) as store:
        store.set_tempo([3, 301], 174.0)  # loops with no flag, note or tags
        store.set_key([301], "Ebm")
    saved, _ = read_flag_backup(library)
    assert {
        (loop.path.rsplit("/", 1)[1], loop.tempo, loop.key) for loop in saved if loop.tempo
    } == {
        ("loop_0003.wav", 174.0, None),
        ("loop_0301.wav", 174.0, "Ebm"),
    }
    damage_pages_of(library, "samples", leaves=1)  # the rows of loops 282-339 among others
    run_job(repair_library(library))
    with contextlib.closing(sqlite3.connect(library)) as db:
        kept = db.execute(
            "SELECT s.path, s.status, u.tempo, u.key FROM user_data u"
            " JOIN samples s ON s.id = u.sample_id WHERE u.tempo IS NOT NULL ORDER BY s.path"
        ).fetchall()
    assert kept == [
        ("/loops/a/pack_0/loop_0003.wav", "ok", 174.0, None),  # read from the library
        ("/loops/a/pack_1/loop_0301.wav", "missing", 174.0, "Ebm"),  # from the backup
    ]


def test_flag_sets_a_tempo_and_key_that_list_and_export_go_by(capsys, tmp_path):
    """`flag --bpm 174 --key Am`: the list shows them, --bpm finds the loop at its new tempo,
    a CSV says where they came from, and 'none' gives the name's back."""
    pack = tmp_path / "Pack"
    audiogen.write(pack / "Break 87 BPM.wav", audiogen.drum_loop(seconds=2.0, bpm=174.0))
    audiogen.write(pack / "Pad.wav", audiogen.tone(220, 2.0))
    lib = str(tmp_path / "lib.sqlite")
    assert main(["--library", lib, "scan", str(pack), "-q"]) == 0
    loop = str(pack / "Break 87 BPM.wav")
    assert main(["--library", lib, "flag", loop, "--bpm", "174", "--key", "a minor", "-q"]) == 0
    capsys.readouterr()

    def listed(*args):
        assert main(["--library", lib, "list", "--json", *args]) == 0
        return [(os.path.basename(r["path"]), r["tempo"], r["tempo_from"], r["key"])
                for r in json.loads(capsys.readouterr().out)]  # fmt: skip

    assert listed("--bpm", "174") == [("Break 87 BPM.wav", 174.0, "you", "Am")]
    assert listed("--bpm", "87") == []
    assert main(["--library", lib, "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["set_by_hand"] == {"tempo": 1, "key": 1}
    assert main(["--library", lib, "info"]) == 0
    assert "by hand   tempo 1, key 1" in capsys.readouterr().out
    out = tmp_path / "set.csv"
    assert main(["--library", lib, "export", str(out), "--format", "csv", "--key", "Am"]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["bpm"], row["bpm_from"], row["key"]) == ("174", "you", "Am")
    assert main(["--library", lib, "flag", loop, "--bpm", "none", "--key", "none", "-q"]) == 0
    capsys.readouterr()
    assert listed("--bpm", "87") == [("Break 87 BPM.wav", 87.0, "file name", None)]
    with pytest.raises(SystemExit):
        main(["--library", lib, "flag", loop, "--bpm", "2000"])
    assert "a tempo is 20 to 999 BPM" in capsys.readouterr().err


def test_a_tempo_set_on_a_loop_goes_on_its_copies_too(capsys, tmp_path):
    """A tempo is the sound's, as a flag is: the same file unpacked twice takes it twice."""
    loop = audiogen.drum_loop(seconds=2.0, bpm=174.0)
    first = audiogen.write(tmp_path / "Pack" / "A" / "break.wav", loop)
    audiogen.write(tmp_path / "Pack" / "B" / "break.wav", loop)
    lib = str(tmp_path / "lib.sqlite")
    assert main(["--library", lib, "scan", str(tmp_path / "Pack"), "-q"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "flag", str(first), "--bpm", "174"]) == 0
    assert capsys.readouterr().out.strip() == "updated 1 loop and 1 copy of it"
    with Store(lib) as store:
        assert [r.user_tempo for r in store.list_samples()] == [174.0, 174.0]
