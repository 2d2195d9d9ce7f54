"""The `anomalizer` command line: JSON shapes, exit codes, flags, exports, library location."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import audiogen
import numpy as np
import pytest

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.embedding.dsp import DspEmbedder
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.text import unusual_percent

LIST_KEYS = {"path", "status", "error", "duration", "embedders", "score", "flag", "note"}


def run(capsys, *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, (json.loads(out) if "--json" in argv and out.strip() else out)


@pytest.fixture
def lib(tmp_path) -> str:
    return str(tmp_path / "lib.sqlite")


def test_scan_embed_list_info(capsys, lib, loop_folder):
    code, summary = run(capsys, "--library", lib, "scan", str(loop_folder), "--json")
    assert code == 0
    assert {
        k: summary[k]
        for k in ("found", "new", "changed", "unchanged", "moved", "missing", "errors")
    } == {
        "found": 12,
        "new": 12,
        "changed": 0,
        "unchanged": 0,
        "moved": 0,
        "missing": 0,
        "errors": 0,
    }
    code, embedded = run(capsys, "--library", lib, "embed", "--json", "--workers", "1")
    assert (code, embedded["embedded"], embedded["skipped"], embedded["errors"]) == (0, 12, 0, 0)
    code, rows = run(capsys, "--library", lib, "list", "--json", "--sort", "duration")
    assert code == 0 and len(rows) == 12
    assert all(set(row) >= LIST_KEYS for row in rows)
    assert all(row["embedders"] == ["dsp"] and row["score"] is None for row in rows)
    assert [r["duration"] for r in rows] == sorted(r["duration"] for r in rows)
    code, info = run(capsys, "--library", lib, "info", "--json")
    assert info["samples"] == {"ok": 12, "error": 0, "missing": 0}
    assert info["embedders"] == {f"dsp:{DspEmbedder.version}": 12}
    assert info["library"] == os.path.abspath(lib)


def test_list_sorted_by_score_shows_the_unusual_percent_as_the_window_does(
    capsys, lib, loop_folder
):
    from anomalizer_desktop.core.text import unusual_percent

    assert run(capsys, "--library", lib, "start", str(loop_folder), "--quiet")[0] == 0
    _, rows = run(capsys, "--library", lib, "list", "--json", "--sort", "score")
    _, text = run(capsys, "--library", lib, "list", "--sort", "score")
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["flag", "unusual", "%", "score"]
    for row, line in zip(rows, lines[1:], strict=True):
        percent, score = line.split()[:2]  # no flags yet: the first two cells
        assert percent == unusual_percent(row["percentile"]) and 0 <= float(percent) <= 100
        assert score == f"{row['score']:.3f}"
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_list_shows_the_tempo_and_key_the_names_declare(capsys, lib, tmp_path):
    pack = tmp_path / "Pack" / "120 BPM"
    audiogen.write(pack / "Hat Loop 1.wav", audiogen.noise())
    audiogen.write(tmp_path / "Pack" / "SO_90_keys_loop_F#min.wav", audiogen.tone())
    assert main(["--library", lib, "scan", str(tmp_path / "Pack")]) == 0
    capsys.readouterr()
    _, rows = run(capsys, "--library", lib, "list", "--json", "--sort", "path")
    assert [(r["tempo"], r["tempo_from"], r["key"]) for r in rows] == [
        (120.0, "folder name", None),
        (90.0, "lone number", "F#m"),
    ]
    _, text = run(capsys, "--library", lib, "list", "--sort", "path")
    header, first, second = text.splitlines()
    assert header.split()[4:7] == ["dur", "s", "bpm"] and "key" in header.split()
    assert first.split()[1:3] == ["120", "ok"] and second.split()[1:4] == ["90", "F#m", "ok"]


def test_list_and_export_take_the_loops_of_a_tempo_and_key(capsys, lib, tmp_path):
    """--bpm 118-122 / --bpm 120 and --key (any spelling) keep the loops that declare them,
    for list and export; a tempo or key that reads as none is refused."""
    pack = tmp_path / "Pack"
    names = ("Bass 120 BPM Am", "Pad 121bpm A minor", "Lead 128 BPM Am", "Keys 120 BPM C")
    for i, name in enumerate(names):  # other notes: four files, not one file four times
        audiogen.write(pack / f"{name}.wav", audiogen.tone(220 + 40 * i))
    audiogen.write(pack / "Kick.wav", audiogen.noise())
    assert main(["--library", lib, "scan", str(pack)]) == 0
    capsys.readouterr()

    def listed(*args):
        _, rows = run(capsys, "--library", lib, "list", "--json", *args)
        return sorted(Path(r["path"]).stem for r in rows)

    assert listed("--bpm", "118-122") == ["Bass 120 BPM Am", "Keys 120 BPM C", "Pad 121bpm A minor"]
    assert listed("--bpm", "120", "--key", "am") == ["Bass 120 BPM Am"]
    assert listed("--key", "A minor") == [
        "Bass 120 BPM Am",
        "Lead 128 BPM Am",
        "Pad 121bpm A minor",
    ]
    # Am+: the keys that mix with Am (Am, C, Em, Dm)
    assert listed("--key", "am+") == sorted([*listed("--key", "A minor"), "Keys 120 BPM C"])
    code, out = run(
        capsys, "--library", lib, "export", str(tmp_path / "am.csv"), "--format", "csv",
        "--key", "Am", "--bpm", "119-130", "--json",
    )  # fmt: skip
    assert code == 0 and out["entries"] == 3
    # the tones are 1 s long: at 120 BPM two beats, at 128 not a whole number of beats
    assert listed("--bars", "1") == [] and listed("--bpm", "120", "--bars", "1-4") == []
    audiogen.write(pack / "Loop 120 BPM.wav", audiogen.tone(330, 4.0))  # two bars
    assert main(["--library", lib, "scan", str(pack), "-q"]) == 0
    capsys.readouterr()
    assert listed("--bars", "2") == ["Loop 120 BPM"] == listed("--bars", "1-4")
    code, out = run(
        capsys, "--library", lib, "export", str(tmp_path / "two.m3u8"), "--format", "m3u8",
        "--bars", "2", "--json",
    )  # fmt: skip
    assert code == 0 and out["entries"] == 1
    # --added: the loops a scan found since then (the others came in a week ago here)
    with sqlite3.connect(lib) as db:
        db.execute(
            "UPDATE samples SET first_seen = first_seen - 7 * 86400 WHERE path NOT LIKE ?",
            ("%Loop 120 BPM.wav",),
        )
    assert listed("--added", "3d") == ["Loop 120 BPM"] == listed("--added", "today")
    assert len(listed("--added", "2w")) == 6
    code, out = run(
        capsys, "--library", lib, "export", str(tmp_path / "new.m3u8"), "--format", "m3u8",
        "--added", "12h", "--json",
    )  # fmt: skip
    assert code == 0 and out["entries"] == 1
    _, rows = run(capsys, "--library", lib, "list", "--json", "--sort", "added")
    assert Path(rows[0]["path"]).stem == "Loop 120 BPM" and rows[0]["added"] > rows[1]["added"]
    bad_values = (["--bpm", "fast"], ["--key", "H"], ["--bpm", "120-"], ["--bars", "two"])
    for bad in (*bad_values, ["--added", "soon"]):
        with pytest.raises(SystemExit):
            main(["--library", lib, "list", *bad])
        assert "not a" in capsys.readouterr().err


def test_flag_and_filter(capsys, lib, loop_folder):
    run(capsys, "--library", lib, "scan", str(loop_folder), "--json")
    target = str(loop_folder / "noise.wav")
    code, result = run(
        capsys, "--library", lib, "flag", target, "--unusual", "--note", "hiss", "--json"
    )
    assert (code, result["flagged"]) == (0, 1)
    code, rows = run(capsys, "--library", lib, "list", "--json", "--flag", "unusual")
    assert [(Path(r["path"]).name, r["flag"], r["note"]) for r in rows] == [
        ("noise.wav", "unusual", "hiss")
    ]
    code, _ = run(capsys, "--library", lib, "flag", target, "--clear")
    _, rows = run(capsys, "--library", lib, "list", "--json", "--flag", "unusual")
    assert rows == []
    assert main(["--library", lib, "flag", "/nowhere/x.wav", "--typical"]) == 1


def test_a_link_to_a_loop_names_the_link_not_the_loop_it_points_to(
    capsys, lib, loop_folder, tmp_path
):
    """A folder of favourites linking into packs: the scan holds the link as a loop of its own,
    and naming the link (flag, export --path, explain) must not reach its target too. A loop
    named through a linked folder is still found."""
    (loop_folder / "favourites").mkdir()
    link = loop_folder / "favourites" / "my noise.wav"
    link.symlink_to(loop_folder / "noise.wav")
    linked_folder = tmp_path / "linked"
    linked_folder.symlink_to(loop_folder / "drums")
    run(capsys, "--library", lib, "scan", str(loop_folder))
    run(capsys, "--library", lib, "embed", "--workers", "1")
    code, result = run(
        capsys, "--library", lib, "flag", str(link), "--unusual", "--note", "fav", "--json"
    )
    # the note is the link's; the flag is the sound's, which the link's target also is
    assert (code, result["flagged"], result["copies_flagged"]) == (0, 1, 1)
    code, result = run(
        capsys, "--library", lib, "flag", str(linked_folder / "drum_00.wav"), "--typical", "--json"
    )
    assert (code, result["flagged"], result["unknown"]) == (0, 1, [])
    _, rows = run(capsys, "--library", lib, "list", "--json")
    notes = {os.path.relpath(r["path"], loop_folder): r["note"] for r in rows if r["note"]}
    assert notes == {"favourites/my noise.wav": "fav"}
    flags = {os.path.relpath(r["path"], loop_folder): r["flag"] for r in rows if r["flag"]}
    assert flags == {
        "favourites/my noise.wav": "unusual",
        "noise.wav": "unusual",
        "drums/drum_00.wav": "typical",
    }
    out = tmp_path / "one.csv"
    code, result = run(
        capsys, "--library", lib, "export", "--format", "csv", "--path", str(link), str(out)
    )
    assert code == 0
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == [str(link)]
    code, explained = run(capsys, "--library", lib, "explain", str(link), "--json")
    assert code == 0 and explained["path"] == str(link)


def test_a_flag_goes_to_every_copy_of_the_file_and_a_clear_takes_it_off_each(
    capsys, lib, loop_folder
):
    """A flag is about a sound, and the detector takes a flag on any copy of a file for all of
    them: the library flags the copies too, and says so. Notes and tags stay the file's."""
    import shutil

    (loop_folder / "project").mkdir()
    shutil.copy(loop_folder / "noise.wav", loop_folder / "project" / "noise take.wav")
    shutil.copy(loop_folder / "noise.wav", loop_folder / "project" / "noise again.wav")
    run(capsys, "--library", lib, "scan", str(loop_folder))
    target = str(loop_folder / "noise.wav")
    code, out = run(capsys, "--library", lib, "flag", target, "--unusual", "--tag", "hiss")
    assert code == 0 and out.strip() == "updated 1 loop and the flag of 2 copies of it"
    _, rows = run(capsys, "--library", lib, "list", "--json")
    flagged = {os.path.relpath(r["path"], loop_folder): r["flag"] for r in rows if r["flag"]}
    assert flagged == dict.fromkeys(
        ["noise.wav", "project/noise take.wav", "project/noise again.wav"], "unusual"
    )
    assert [os.path.relpath(r["path"], loop_folder) for r in rows if r["tags"]] == ["noise.wav"]
    copies = [str(loop_folder / "project" / n) for n in ("noise take.wav", "noise again.wav")]
    code, out = run(capsys, "--library", lib, "flag", *copies, "--clear")
    assert out.strip() == "updated 2 loops and the flag of 1 copy of them"
    _, rows = run(capsys, "--library", lib, "list", "--json")
    assert all(r["flag"] is None for r in rows)


def test_flag_without_an_action_says_what_is_missing_and_changes_nothing(capsys, lib, loop_folder):
    run(capsys, "--library", lib, "scan", str(loop_folder))
    loop = str(next(loop_folder.rglob("*.wav")))
    assert main(["--library", lib, "flag", loop, "unusual"]) == 1
    error = capsys.readouterr().err
    assert "--typical, --unusual, --clear, --note TEXT, --tag TAGS" in error
    assert "did you mean --unusual?" in error
    assert "updated" not in error
    _, rows = run(capsys, "--library", lib, "list", "--json")
    assert all(r["flag"] is None and r["note"] is None for r in rows)


def test_export_from_the_cli(capsys, lib, loop_folder, tmp_path):
    run(capsys, "--library", lib, "scan", str(loop_folder), "--json")
    run(capsys, "--library", lib, "flag", str(loop_folder / "tone_a.wav"), "--typical")
    out = tmp_path / "typical.m3u8"
    code, result = run(
        capsys,
        "--library",
        lib,
        "export",
        "--format",
        "m3u8",
        "--flag",
        "typical",
        str(out),
        "--json",
    )
    assert (code, result["entries"]) == (0, 1)
    assert out.read_text().splitlines()[-1] == str(loop_folder / "tone_a.wav")
    code = main(["--library", lib, "export", "--format", "csv", "--top", "5", str(out)])
    assert code == 1  # no scores yet: the job cannot run
    assert "no scores yet" in capsys.readouterr().err


def test_library_location_from_environment(capsys, tmp_path, loop_folder, monkeypatch):
    monkeypatch.setenv("ANOMALIZER_LIBRARY", str(tmp_path / "env.sqlite"))
    assert main(["scan", str(loop_folder), "-q"]) == 0
    assert (tmp_path / "env.sqlite").exists()


def test_default_library_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    from anomalizer_desktop.core.paths import resolve_library_path

    monkeypatch.delenv("ANOMALIZER_LIBRARY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_library_path() == tmp_path / "xdg" / "anomalizer-desktop" / "library.sqlite"


def test_scan_and_start_without_folders_rescan_the_library_s_folders(
    capsys, lib, loop_folder, tmp_path
):
    """As the window's Rescan: the folders that are there are scanned (a new loop is found),
    one that is not (a drive not mounted) is named and its loops are kept, not "missing"."""
    away = tmp_path / "drive" / "pack"
    audiogen.write(away / "far.wav", audiogen.tone(220))
    assert main(["--library", lib, "scan", str(loop_folder), str(away)]) == 0
    capsys.readouterr()
    audiogen.write(loop_folder / "new_one.wav", audiogen.tone(330))
    (away / "far.wav").rename(tmp_path / "far.wav")
    away.rmdir()
    assert main(["--library", lib, "scan", "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert (summary["found"], summary["new"], summary["missing"]) == (13, 1, 0)
    assert f"{away}: not reachable now" in err
    with Store(lib) as store:
        assert store.counts_by_status() == {"ok": 14, "error": 0, "missing": 0}
    assert main(["--library", lib, "start", "-q", "--no-train"]) == 0
    assert "found 13, new 0" in capsys.readouterr().out


def test_scan_without_folders_says_what_is_missing(capsys, lib, tmp_path):
    Store(lib).close()  # a library with no folders yet
    assert main(["--library", lib, "scan"]) == 1
    assert "no folders yet: `anomalizer scan FOLDER` adds one" in capsys.readouterr().err
    gone = tmp_path / "gone"
    audiogen.write(gone / "a.wav", audiogen.tone(220))
    assert main(["--library", lib, "scan", "-q", str(gone)]) == 0
    (gone / "a.wav").unlink()
    gone.rmdir()
    capsys.readouterr()
    assert main(["--library", lib, "scan"]) == 1
    assert "none of the library's folders can be reached now" in capsys.readouterr().err
    with Store(lib) as store:
        assert store.counts_by_status()["ok"] == 1  # kept for when the drive is back


def test_scan_of_a_missing_folder_fails_cleanly(capsys, lib, tmp_path):
    assert main(["--library", lib, "scan", str(tmp_path / "nope")]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert not os.path.exists(lib)  # a mistyped folder left an empty library behind


def test_a_loop_named_instead_of_its_folder_is_told_the_folder(capsys, lib, loop_folder):
    loop = Path(os.path.realpath(sorted(loop_folder.rglob("*.wav"))[0]))
    assert main(["--library", lib, "start", str(loop)]) == 1
    assert capsys.readouterr().err == (
        f"anomalizer: no folder to scan: {loop} is a file, not a folder (its folder:"
        f" {loop.parent})\n"
    )
    assert not os.path.exists(lib)


def test_an_error_of_the_system_is_one_line_not_a_traceback(capsys, lib, loop_folder, monkeypatch):
    """No permission, a full drive, a device gone: `info` on a library in a folder this user may
    not open ended in a PermissionError traceback."""
    from anomalizer_desktop.cli import info_commands

    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    capsys.readouterr()

    def denied(*args):
        raise PermissionError(13, "Permission denied", "/Volumes/Loops/lib.sqlite")

    monkeypatch.setattr(info_commands, "cmd_info", denied)
    assert main(["--library", lib, "info"]) == 1
    assert capsys.readouterr().err == "anomalizer: /Volumes/Loops/lib.sqlite: Permission denied\n"


def test_evaluate_refuses_a_json_it_could_not_write_before_its_work(capsys, tmp_path, monkeypatch):
    out = tmp_path / "not here" / "auc.json"
    assert main(["evaluate", "--features", str(tmp_path), "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"anomalizer: cannot write {out}: its folder {out.parent} is not there\n"
    out = tmp_path / "auc.json"
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: str(path) != str(tmp_path) and real_access(path, mode)
    )
    assert main(["evaluate", "--features", str(tmp_path), "--json", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"anomalizer: cannot write {out}: {tmp_path} is read-only here (its drive or its"
        " permissions)\n"
    )


def test_the_mp3_decoders_notes_stay_off_the_terminal(tmp_path):
    """mpg123 wrote "Note: Illegal Audio-MPEG-Header…" and "Note: Trying to resync..." to the
    terminal for each damaged MP3, between the progress bars, besides the file's own line. The
    command's own messages still reach stderr."""
    folder = tmp_path / "downloads"
    for seed in range(5):
        audiogen.write(folder / f"beat {seed}.wav", audiogen.drum_loop(seed=seed))
    (folder / "garbage.mp3").write_bytes(np.random.default_rng(0).bytes(20_000))
    id3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + np.random.default_rng(1).bytes(5_000)
    (folder / "cut short.mp3").write_bytes(id3)
    lib = str(tmp_path / "lib.sqlite")

    def cli(*argv):
        return subprocess.run(
            [sys.executable, "-m", "anomalizer_desktop.cli", *argv],
            capture_output=True,
            text=True,
            timeout=300,
        )

    result = cli("--library", lib, "start", str(folder))
    assert result.returncode == 0, result.stderr
    assert "garbage.mp3: not an audio file" in result.stderr  # each file its own line
    assert "cut short.mp3: damaged or unsupported MP3 file" in result.stderr
    assert "Note:" not in result.stderr and "MPEG" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    result = cli("--library", str(tmp_path), "info")
    assert result.returncode == 1
    assert result.stderr.startswith(f"anomalizer: {tmp_path} is a folder, not a library file")


def test_only_the_decoders_lines_are_held_back(tmp_path):
    import threading

    from anomalizer_desktop.core.decoder_chatter import _LAST_LINE, pass_on

    read_end, write_end = os.pipe()
    terminal = tmp_path / "terminal"
    with open(terminal, "wb") as shown:
        os.write(
            write_end,
            b"Note: Illegal Audio-MPEG-Header 0x00000000 at offset 19996.\n"
            b"embedding 3/5\n"
            b"[src/libmpg123/layer3.c:1234] error: dequantization failed!\n"
            b"Warning: Xing stream size off by more than 1%\n"
            b"anomalizer: a worker's message\n" + _LAST_LINE + b"after the end\n",
        )
        passed_on = threading.Event()
        pass_on(read_end, shown.fileno(), passed_on)
    os.close(write_end)
    assert passed_on.is_set()
    assert terminal.read_bytes() == b"embedding 3/5\nanomalizer: a worker's message\n"


def test_awkward_library_end_to_end_without_traceback(awkward_folder, tmp_path):
    """Exit 0, no traceback, a message per bad file, every valid file embedded."""
    root, files = awkward_folder
    lib = str(tmp_path / "awk.sqlite")
    env = {**os.environ, "PYTHONWARNINGS": "default"}

    def cli(*argv):
        result = subprocess.run(
            [sys.executable, "-m", "anomalizer_desktop.cli", "--library", lib, *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    cli("scan", str(root), "--json")
    embedded = cli("embed", "--json")
    assert embedded["embedded"] == len(files["valid"])
    rows = {Path(r["path"]).name: r for r in cli("list", "--json")}
    bad = [p.name for p in files["broken"] + files["decode_broken"]]
    for name in bad:
        assert rows[name]["status"] == "error", name
        assert rows[name]["error"] and len(rows[name]["error"]) > 10, name
    for path in files["valid"]:
        assert rows[path.name]["status"] == "ok"
        assert rows[path.name]["embedders"] == ["dsp"], path.name
    assert "notes.txt" not in rows and "cover.jpg" not in rows
    again = cli("scan", str(root), "--json")
    assert again["unchanged"] == again["found"]
    assert cli("embed", "--json")["embedded"] == 0


def test_bench_embed_prints_figures(capsys, loop_folder):
    code, report = run(
        capsys, "bench", "embed", str(loop_folder), "--json", "--workers", "1", "--repeats", "1"
    )
    assert code == 0
    assert report["files"] == 12
    assert report["decode_only"]["files_per_s"] > 0
    assert report["dsp"]["ok"] == 12
    assert report["dsp"]["ratio_to_decode_only"] > 0
    assert report["dsp_profile_single_process"]["files"] == 12
    assert report["peak_rss_mb"]["main"] > 0
    assert report["peak_rss_mb"]["largest_worker"] is None  # one worker: all in this process
    if sys.platform == "linux":  # each worker's own peak, not its parent's (read through fork)
        _, pooled = run(
            capsys, "bench", "embed", str(loop_folder), "--json", "--workers", "2", "--repeats", "1"
        )
        assert 0 < pooled["peak_rss_mb"]["largest_worker"] < pooled["peak_rss_mb"]["main"]


def test_bench_train_prints_svdd_and_default_detector_figures(capsys):
    code, report = run(capsys, "bench", "train", "--json", "--n", "300", "--dim", "32")
    assert code == 0
    assert report["cpu"]["pretrain_epoch_s"] > 0 and report["cpu"]["svdd_epoch_s"] > 0
    assert report["default"]["n"] == 300 and report["default"]["dim"] == 308
    assert report["default"]["flags"] == 10 and report["default"]["fit_s"] > 0
    assert report["default"]["refit_more_flags_s"] > 0
    # 10 more flagged among 300 random vectors: a few loops have 6 of their 16 nearest flagged
    assert 0 <= report["default"]["refit_loops_searched_again"] < 300 * 8 // 10
    assert report["default"]["device"] == "cpu" and "_scores" not in report["default"]
    code, other = run(
        capsys, "bench", "train", "--json", "--n", "300", "--dim", "32", "--default-n", "120"
    )
    assert other["default"]["n"] == 120 and other["n"] == 300
    code = main(["bench", "train", "--n", "300", "--dim", "32", "--epochs", "1"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Deep SVDD (AE) on 300 x 32" in text and "Default detector" in text
    assert "fit again with 10 more flagged" in text


def test_bench_scan_times_a_first_scan_a_rescan_and_the_hash_upgrade(capsys, loop_folder):
    code, report = run(capsys, "bench", "scan", "--json", "--files", "30")
    assert code == 0
    assert (report["files"], report["mb"]) == (30, 42.3)
    assert report["first_scan"]["new"] == 30 and report["first_scan"]["errors"] == 0
    assert report["rescan"]["unchanged"] == 30
    assert report["edge_hash_upgrade"]["unchanged"] == 30  # read again, nothing changed
    assert all(report[k]["s"] > 0 for k in ("first_scan", "rescan", "edge_hash_upgrade"))
    move = report["after_a_move"]  # the app's own move: the watch's look needs no scan
    assert (move["moved"], move["scan_needed"], move["rescan_found_new"]) == (10, False, 0)
    assert move["look_s"] > 0 and move["rescan_s"] > 0
    pack = report["after_a_new_pack"]  # a pack unpacked: the packs beside it are left
    assert (pack["left"], pack["scan_found_new"], pack["rescan_found_new"]) == (2, 1, 1)
    assert pack["look_s"] > 0 and pack["scan_s"] > 0 and pack["rescan_s"] > 0
    code, small = run(capsys, "bench", "scan", "--json", "--files", "20", "--loop-seconds", "0.5")
    assert (small["files"], small["mb"]) == (20, 1.8)
    before = sorted(p.name for p in loop_folder.rglob("*"))
    assert main(["bench", "scan", str(loop_folder)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Scanning 12 files (")
    assert "first scan" in text and "12 new" in text and "12 unchanged" in text
    assert "after moving" not in text and "unpacked" not in text  # nor unpacked into
    assert sorted(p.name for p in loop_folder.rglob("*")) == before


def test_bench_stretch_times_loops_and_measures_the_hits(capsys, loop_folder):
    """Sync … BPM's stretch: time per second of audio on the folder's loops, and on a
    made-up beat each speed's hits land within a few ms with far less ahead of them."""
    code, report = run(capsys, "bench", "stretch", "--json", "--corpus", str(loop_folder))
    assert code == 0
    assert report["loops"] == 12 and report["audio_s"] > 0  # the broken files are passed by
    assert 0 < report["ms_per_audio_second_median"] <= report["ms_per_audio_second_max"]
    for speed in ("0.8", "0.9375", "1.1", "1.25"):
        assert report[f"hits_at_{speed}x_late_ms_max"] < 5
        assert report[f"hits_at_{speed}x_pre_echo_db"] < -10


def test_forget_missing_removes_only_vanished_loops_and_their_data(capsys, lib, loop_folder):
    run(capsys, "--library", lib, "scan", str(loop_folder), "--json")
    gone, kept = loop_folder / "noise.wav", loop_folder / "drums" / "drum_00.wav"
    run(capsys, "--library", lib, "flag", str(gone), "--unusual", "--note", "hiss")
    run(capsys, "--library", lib, "flag", str(kept), "--typical")
    gone.unlink()
    run(capsys, "--library", lib, "scan", str(loop_folder), "--json")
    code, dry = run(capsys, "--library", lib, "forget", "--missing", "--dry-run", "--json")
    assert (code, dry) == (0, {"missing": 1, "with_flags_or_notes": 1, "forgotten": 0})
    code, done = run(capsys, "--library", lib, "forget", "--missing", "--json")
    assert (code, done["forgotten"]) == (0, 1)
    _, rows = run(capsys, "--library", lib, "list", "--json")
    assert len(rows) == 11 and str(gone) not in {r["path"] for r in rows}
    assert {r["path"]: r["flag"] for r in rows}[str(kept)] == "typical"
    with Store(lib) as store:  # the flag and note went with the row, nothing dangles
        assert store.execute("SELECT COUNT(*) FROM user_data").fetchone()[0] == 1
    code, again = run(capsys, "--library", lib, "forget", "--missing")
    assert code == 0 and again.startswith("forgot 0 missing loops")
    with pytest.raises(SystemExit) as usage:
        main(["--library", lib, "forget"])
    assert usage.value.code == 2


def test_forget_folder_takes_a_folder_out_and_leaves_the_files(capsys, lib, loop_folder, tmp_path):
    other = tmp_path / "other"
    audiogen.write(other / "keep.wav", audiogen.tone(220))
    run(capsys, "--library", lib, "scan", str(loop_folder), str(other), "--json")
    run(capsys, "--library", lib, "flag", str(loop_folder / "noise.wav"), "--unusual")
    code, dry = run(
        capsys, "--library", lib, "forget", "--folder", str(loop_folder), "--dry-run", "--json"
    )
    assert (code, dry["loops"], dry["with_flags_or_notes"], dry["forgotten"]) == (0, 12, 1, 0)
    code, done = run(capsys, "--library", lib, "forget", "--folder", str(loop_folder), "--json")
    assert (code, done["forgotten"]) == (0, 12)
    _, rows = run(capsys, "--library", lib, "list", "--json")
    assert [r["path"] for r in rows] == [str(other / "keep.wav")]
    assert (loop_folder / "noise.wav").exists()  # the files are untouched
    with Store(lib) as store:
        assert [p for _, p in store.roots()] == [str(other)]  # rescans no longer walk it
        assert store.execute("SELECT COUNT(*) FROM user_data").fetchone()[0] == 0
    assert main(["--library", lib, "forget", "--folder", str(loop_folder)]) == 1
    assert "is not a folder of this library" in capsys.readouterr().err


def test_only_scan_and_start_make_a_library(capsys, lib, tmp_path):
    for command in (
        ["list"],
        ["export", "--format", "csv", str(tmp_path / "x.csv")],
        ["train"],
        ["scan"],  # without folders: nothing to put in a new library
        ["start"],
    ):
        assert main(["--library", lib, *command]) == 1
        assert "no library at" in capsys.readouterr().err
    assert not os.path.exists(lib) and not (tmp_path / "x.csv").exists()
    code, info = run(capsys, "--library", lib, "info", "--json")
    assert (code, info) == (0, {"library": os.path.abspath(lib), "exists": False})
    code, text = run(capsys, "--library", lib, "info")
    assert code == 0 and "none yet" in text
    assert not os.path.exists(lib)


def test_a_path_that_is_not_utf8_is_reported_not_a_traceback(capsys, lib, loop_folder):
    assert main(["--library", lib, "scan", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    odd = os.fsdecode(bytes(loop_folder) + b"/caf\xe9.wav")
    assert main(["--library", lib, "flag", odd, "--unusual"]) == 1
    assert (
        f"{loop_folder}/caf\\xe9.wav: the file name is not valid UTF-8" in capsys.readouterr().err
    )
    assert main(["--library", lib, "explain", odd]) == 1
    assert (
        f"{loop_folder}/caf\\xe9.wav: the file name is not valid UTF-8" in capsys.readouterr().err
    )


def test_the_scan_line_counts_what_it_passed_by_as_well_as_its_errors(capsys, lib, loop_folder):
    """A file it could not add (a name that is not UTF-8) is listed with the broken ones, so
    the line says "not added 1" beside "errors 1": it said "errors 1" above two lines."""
    (loop_folder / "text.wav").write_text("not audio")
    (Path(os.fsdecode(bytes(loop_folder) + b"/caf\xe9.wav"))).write_bytes(b"RIFF")
    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    said = capsys.readouterr()
    assert said.out.strip().endswith("errors 1, not added 1")
    assert said.err.count("  ! ") == 2
    assert main(["--library", lib, "scan", str(loop_folder / "drums")]) == 0
    assert capsys.readouterr().out.strip().endswith("errors 0")  # nothing passed by


def test_the_scan_line_counts_the_files_in_formats_it_does_not_read(capsys, lib, tmp_path):
    """A folder of Apple Loops and REX files scanned "found 0" and nothing more."""
    folder = tmp_path / "pack"
    folder.mkdir()
    for name in ("a.m4a", "b.m4a", "c.rx2", "notes.txt"):
        (folder / name).write_bytes(b"\x00" * 64)
    assert main(["--library", lib, "scan", str(folder)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("found 0, new 0")
    assert lines[1] == "passed by 3 files in formats anomalizer does not read: .m4a 2, .rx2 1"


def test_a_name_with_a_newline_keeps_the_list_one_row_a_loop(capsys, lib, tmp_path):
    """`list` printed the rest of such a name on a row of its own; the table escapes it
    (`--json` keeps the path as it is)."""
    folder = tmp_path / "odd"
    audiogen.write(folder / "two\nlines.wav", audiogen.drum_loop(seed=1))
    audiogen.write(folder / "tab\there.wav", audiogen.drum_loop(seed=2))
    run(capsys, "--library", lib, "scan", str(folder))
    code, out = run(capsys, "--library", lib, "list", "--sort", "name")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[1].split()[-1] == f"{folder}/tab\\there.wav"
    assert lines[2].split()[-1] == f"{folder}/two\\nlines.wav"
    code, listed = run(capsys, "--library", lib, "list", "--sort", "name", "--json")
    assert code == 0 and [item["path"] for item in listed][1] == f"{folder}/two\nlines.wav"


def test_a_library_too_small_to_learn_from_says_what_to_do(capsys, lib, tmp_path):
    """Two loops: nothing to train, explain or compare against yet, each said plainly (an
    explanation used to call one loop of one "slightly flatter than usual")."""
    folder = tmp_path / "two"
    audiogen.write(folder / "a.wav", audiogen.drum_loop(seed=1))
    run(capsys, "--library", lib, "scan", str(folder))
    assert main(["--library", lib, "train"]) == 1
    assert "(run `anomalizer embed` first)" in capsys.readouterr().err  # 1 loop not embedded
    audiogen.write(folder / "b.wav", audiogen.drum_loop(seed=2))
    run(capsys, "--library", lib, "start", str(folder), "--quiet")
    assert main(["--library", lib, "train"]) == 1
    assert "the library has 2 for dsp (add more loops)" in capsys.readouterr().err
    assert main(["--library", lib, "explain", str(folder / "a.wav")]) == 1
    assert "nothing to compare a.wav with yet" in capsys.readouterr().err
    (folder / "b.wav").unlink()
    run(capsys, "--library", lib, "scan", str(folder))
    run(capsys, "--library", lib, "forget", "--missing")
    code, text = run(capsys, "--library", lib, "similar", str(folder / "a.wav"))
    assert code == 0 and text.startswith("No other embedded loop to compare")


def test_similar_marks_the_copies_of_a_file(capsys, lib, tmp_path):
    """A pack unpacked twice puts each loop in the library twice, at distance 0: `similar` listed
    both copies, line after line, as if they were two loops alike. Each copy now says which file
    it is a copy of: the loop itself, or the line above it."""
    import shutil

    folder = tmp_path / "pack"
    for seed in range(6):
        audiogen.write(folder / f"beat {seed}.wav", audiogen.drum_loop(seed=seed))
    (folder / "again").mkdir()
    shutil.copy(folder / "beat 0.wav", folder / "again" / "beat 0.wav")
    shutil.copy(folder / "beat 1.wav", folder / "again" / "beat 1.wav")
    run(capsys, "--library", lib, "start", str(folder), "--quiet")
    loop = str(folder / "beat 0.wav")
    code, text = run(capsys, "--library", lib, "similar", loop, "-n", "7")
    lines = text.splitlines()[1:]
    assert code == 0 and len(lines) == 7
    assert lines[0] == f"     0.00  {folder / 'again' / 'beat 0.wav'}  (a copy of the loop)"
    one = next(i for i, line in enumerate(lines) if "beat 1.wav" in line)
    assert lines[one].endswith("beat 1.wav")
    assert lines[one + 1].endswith("beat 1.wav  (a copy of the line above)")
    assert sum("copy" in line for line in lines) == 2
    code, shown = run(capsys, "--library", lib, "similar", loop, "-n", "7", "--json")
    copies = {n["path"]: n["copy_of"] for n in shown["nearest"] if n["copy_of"]}
    assert copies == {
        str(folder / "again" / "beat 0.wav"): loop,
        str(folder / "again" / "beat 1.wav"): str(folder / "beat 1.wav"),
    } or copies == {
        str(folder / "again" / "beat 0.wav"): loop,
        str(folder / "beat 1.wav"): str(folder / "again" / "beat 1.wav"),
    }


@pytest.fixture
def desktop_trash(tmp_path, monkeypatch):
    """The freedesktop.org trash of a home in tmp_path (Send2Trash's own implementation, whose
    trash folder is fixed when it is imported): where `anomalizer trash` puts files."""
    import send2trash
    from send2trash import plat_other

    monkeypatch.setenv("HOME", str(tmp_path))
    data = tmp_path / "data"
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(data))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(data / "Trash"))
    monkeypatch.setattr(send2trash, "send2trash", plat_other.send2trash)
    return data / "Trash" / "files"


def test_trash_moves_loops_to_the_desktop_trash_and_forgets_them(
    capsys, lib, loop_folder, desktop_trash
):
    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    paths = sorted(str(p) for p in loop_folder.rglob("*.wav"))
    named, flagged, gone = paths[0], paths[1:3], paths[3]
    assert main(["--library", lib, "flag", *flagged, gone, "--unusual"]) == 0
    capsys.readouterr()

    code, out = run(capsys, "--library", lib, "trash", "--flag", "unusual", "--dry-run")
    assert code == 0 and out.splitlines() == [
        *sorted([*flagged, gone]),
        "would move 3 loops to the trash (nothing moved)",
    ]
    assert all(os.path.exists(p) for p in paths)

    os.remove(gone)
    code, out = run(capsys, "--library", lib, "trash", named, "--flag", "unusual", "--json")
    assert code == 0
    assert out == {
        "trashed": sorted([named, *flagged]),
        "gone": [gone],
        "failed": [],
        "unknown": [],
        "links_left_behind": [],
        "dry_run": False,
    }
    assert sorted(os.listdir(desktop_trash)) == sorted(
        os.path.basename(p) for p in [named, *flagged]
    )
    left = {r.path for r in Store(lib).list_samples()}
    assert left.isdisjoint([named, *flagged, gone]) and set(paths[4:]) <= left


def test_trash_names_the_links_it_leaves_leading_nowhere(capsys, lib, loop_folder, desktop_trash):
    """A loop of the library that is a symbolic link to a file moved to the trash leads
    nowhere after: the dry run says it would, the move says it does. A link trashed with its
    file, or on its own, leaves nothing behind."""
    target = loop_folder / "drums" / "drum_00.wav"
    (loop_folder / "favourites").mkdir()
    link = loop_folder / "favourites" / "kick link.wav"
    link.symlink_to(target)
    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    capsys.readouterr()
    code, out = run(capsys, "--library", lib, "trash", str(link), "--dry-run", "--json")
    assert out["links_left_behind"] == []
    code, out = run(capsys, "--library", lib, "trash", str(target), "--dry-run")
    assert out.splitlines()[-1] == (
        f"note: {link} is a link to one of these files and would lead nowhere"
    )
    code, out = run(capsys, "--library", lib, "trash", str(target))
    assert code == 0 and out.splitlines() == [
        "moved 1 loop to the trash",
        f"note: {link} is a link to a file moved to the trash: it leads nowhere now",
    ]
    assert os.listdir(desktop_trash) == ["drum_00.wav"] and os.path.islink(link)


def test_trash_names_what_it_cannot_find_or_move(capsys, lib, loop_folder, monkeypatch):
    from anomalizer_desktop.core.library import trash

    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    capsys.readouterr()
    path = sorted(str(p) for p in loop_folder.rglob("*.wav"))[0]

    def no_trash_there(file):
        raise OSError(f"no trash folder on the drive of {file}")

    monkeypatch.setattr(trash, "send_to_trash", no_trash_there)
    assert main(["--library", lib, "trash", path, str(loop_folder / "not-here.wav")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "moved 0 loops to the trash\n"
    assert f"not in the library: {loop_folder / 'not-here.wav'}" in captured.err
    assert f"{path}: not moved to the trash: no trash folder on the drive of {path}" in captured.err
    assert os.path.exists(path) and path in {r.path for r in Store(lib).list_samples()}
    assert main(["--library", lib, "trash"]) == 1
    assert "name the loops" in capsys.readouterr().err


def test_move_files_loops_in_a_library_folder_and_takes_them_out_of_it_outside(
    capsys, lib, loop_folder, tmp_path
):
    """`move`: into a folder of the library the loops keep their flags and notes, and a link
    of the library to one follows it; outside its folders they leave the library, their files
    kept; a name taken is left alone and a link to a file moved out is named."""
    link = loop_folder / "kick link.wav"
    link.symlink_to(loop_folder / "drums" / "drum_00.wav")
    other_link = loop_folder / "snare link.wav"
    other_link.symlink_to(os.path.join("drums", "drum_05.wav"))  # (a relative one)
    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    drums = sorted(str(p) for p in (loop_folder / "drums").glob("*.wav"))
    assert main(["--library", lib, "flag", *drums[1:3], "--unusual", "--note", "odd"]) == 0
    rejects = loop_folder / "Rejects"
    to_rejects = ("--library", lib, "move", "--to", str(rejects))
    capsys.readouterr()

    code, out = run(capsys, *to_rejects, "--flag", "unusual", "--dry-run")
    assert code == 0 and out.splitlines() == [
        *(f"{p} -> {rejects / os.path.basename(p)}" for p in drums[1:3]),
        f"would move 2 loops to {rejects}; nothing moved",
    ]
    assert not rejects.exists()
    code, out = run(capsys, *to_rejects, "--flag", "unusual")
    assert code == 0 and out == f"Moved 2 loops to {rejects}.\n"
    rows = {r.path: r for r in Store(lib).list_samples()}
    assert [rows[str(rejects / os.path.basename(p))].flag for p in drums[1:3]] == ["unusual"] * 2
    assert rows[str(rejects / "drum_02.wav")].note == "odd"
    code, out = run(capsys, *to_rejects, drums[0])
    assert out.splitlines() == [f"Moved 1 loop to {rejects}; 1 link in the library updated."]
    assert os.readlink(link) == str(rejects / "drum_00.wav")  # (the link follows the loop)

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "drum_03.wav").write_bytes(b"not mine")
    code, out = run(capsys, "--library", lib, "move", drums[5], "--to", str(outside))
    assert out.splitlines() == [
        f"Moved 1 loop to {outside} (they left the library).",
        f"note: {other_link} is a link to a file moved away: it leads nowhere now",
    ]
    code, out = run(
        capsys, "--library", lib, "move", drums[3], drums[4], "--to", str(outside), "--json"
    )
    assert code == 0
    assert (out["in_library"], out["name_taken"]) == (False, [drums[3]])
    assert out["moved"] == [{"from": drums[4], "to": str(outside / "drum_04.wav")}]
    left = {r.path for r in Store(lib).list_samples()}
    assert drums[3] in left and drums[4] not in left
    assert (outside / "drum_03.wav").read_bytes() == b"not mine"


def test_rename_gives_a_loop_a_new_name_and_keeps_its_flag(capsys, lib, loop_folder):
    assert main(["--library", lib, "scan", str(loop_folder)]) == 0
    path = str(loop_folder / "tone_a.wav")
    assert main(["--library", lib, "flag", path, "--typical", "--note", "A 440"]) == 0
    capsys.readouterr()
    code, out = run(capsys, "--library", lib, "rename", path, "Sine A4")
    assert code == 0 and out == f"renamed {path} -> Sine A4.wav\n"
    (row,) = [r for r in Store(lib).list_samples() if r.note == "A 440"]
    assert (row.path, row.flag) == (str(loop_folder / "Sine A4.wav"), "typical")
    assert main(["--library", lib, "rename", row.path, "noise"]) == 1  # noise.wav is there
    assert "noise.wav is taken in that folder" in capsys.readouterr().err
    assert os.path.exists(row.path)


def test_start_on_a_folder_without_audio_says_to_add_loops_not_to_embed(capsys, lib, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("no loops here")
    assert main(["--library", lib, "start", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "no loops to learn from yet: add a folder of loops (audio files)" in out
    assert "embed the library first" not in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        # stored a run of an untrained network
        (["train", "--detector", "svdd", "--epochs", "0"], "must be 1 or more"),
        (["export", "--format", "csv", "--top", "-5", "out.csv"], "must be 1 or more"),
        (["explain", "loop.wav", "--neighbours", "0"], "must be 1 or more"),
        (["embed", "--workers", "0"], "must be 1 or more"),
        (["bench", "train", "--n", "0"], "must be 1 or more"),
        # a traceback from scikit-learn
        (["train", "--detector", "iforest", "--seed", "-1"], "must be from 0 to 4294967295"),
        # turned Deep SAD's objective over
        (["train", "--detector", "sad", "--eta", "-1"], "must be a number above 0"),
        (["train", "--detector", "sad", "--eta", "nan"], "must be a number above 0"),
    ],
)
def test_numbers_out_of_range_are_usage_errors(capsys, lib, argv, said):
    with pytest.raises(SystemExit) as caught:
        main(["--library", lib, *argv])
    assert caught.value.code == 2
    assert said in capsys.readouterr().err
    assert not os.path.exists(lib)


def test_info_counts_and_list_shows_the_files_held_more_than_once(capsys, lib, tmp_path):
    import shutil

    pack = tmp_path / "Pack"
    audiogen.write(pack / "kick.wav", audiogen.drum_loop(seed=1))
    audiogen.write(pack / "snare.wav", audiogen.drum_loop(seed=2))
    (tmp_path / "Song").mkdir()
    shutil.copy(pack / "kick.wav", tmp_path / "Song" / "kick.wav")
    shutil.copy(pack / "kick.wav", tmp_path / "Song" / "kick take 2.wav")
    assert main(["--library", lib, "scan", str(pack), str(tmp_path / "Song")]) == 0
    capsys.readouterr()
    _, out = run(capsys, "--library", lib, "info")
    assert "copies    1 file in the library more than once (3 loops;" in out
    _, rows = run(capsys, "--library", lib, "list", "--copies", "--json")
    assert [Path(r["path"]).relative_to(tmp_path).as_posix() for r in rows] == [
        "Pack/kick.wav",
        "Song/kick take 2.wav",
        "Song/kick.wav",
    ]
    _, info = run(capsys, "--library", lib, "info", "--json")
    assert info["copies"] == {"files": 1, "loops": 3}


def test_train_on_an_older_dsp_version_says_the_scores_are_still_out_of_date(
    capsys, lib, loop_folder
):
    """After an upgrade to a new DSP version `train` learns from the vectors the library
    holds, and says on stderr that they need updating; once embedded again it says nothing."""
    from anomalizer_desktop.core.library.store import Store

    assert main(["--library", lib, "scan", str(loop_folder), "-q"]) == 0
    assert main(["--library", lib, "embed", "-q", "--workers", "1"]) == 0
    with Store(lib) as store, store.transaction() as db:
        db.execute("UPDATE features SET version = '5' WHERE embedder = 'dsp'")
    capsys.readouterr()
    assert main(["--library", lib, "train", "-q"]) == 0
    said = capsys.readouterr()
    assert said.out.startswith("run 1: default (dsp) on 12 loops")
    assert said.err.strip() == (
        "note: 12 loops have dsp v5 vectors; this version describes sounds as dsp"
        f" v{DspEmbedder.version}: update the embeddings and train (`anomalizer embed`, then"
        " `anomalizer train`)"
    )
    assert main(["--library", lib, "embed", "-q", "--workers", "1"]) == 0
    assert main(["--library", lib, "train", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_the_command_loads_no_heavy_module_before_a_command_needs_it():
    """Every process `embed` spawns imports the `anomalizer` script again (multiprocessing
    runs the parent's main module in each worker), and every command starts with it: when
    the demo command's scipy.signal came with it, `anomalizer --version` took 1.0 s and 108 MB,
    and each embedding worker held 136 MB instead of 88 MB."""
    heavy = ("scipy.signal", "scipy.stats", "torch", "sklearn", "librosa", "PySide6")
    code = (
        "import sys, anomalizer_desktop.cli\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_list_and_export_take_the_loops_of_an_unusual_percent(capsys, lib, loop_folder, tmp_path):
    """--unusual-percent 90 keeps the loops the list shows at 90 % or more; 20-60 a range; a
    loop without a score (not embedded) never; a percent over 100 is a usage error."""
    assert main(["--library", lib, "start", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    _, rows = run(capsys, "--library", lib, "list", "--json")
    percent = {r["path"]: float(unusual_percent(r["percentile"])) for r in rows}

    def listed(*args):
        _, found = run(capsys, "--library", lib, "list", "--json", *args)
        return sorted(r["path"] for r in found)

    assert listed("--unusual-percent", "90") == sorted(p for p, v in percent.items() if v >= 90)
    middle = sorted(p for p, v in percent.items() if 20 <= v <= 60)
    assert listed("--unusual-percent", "20-60") == middle
    assert 0 < len(listed("--unusual-percent", "20-60")) < len(rows)
    code, out = run(
        capsys, "--library", lib, "export", str(tmp_path / "odd.m3u8"), "--format", "m3u8",
        "--unusual-percent", "90", "--json",
    )  # fmt: skip
    assert code == 0 and out["entries"] == len(listed("--unusual-percent", "90"))
    # the odd ones not judged yet: one of them flagged, the rest unflagged
    top = listed("--unusual-percent", "90")[0]
    assert main(["--library", lib, "flag", top, "--unusual", "-q"]) == 0
    capsys.readouterr()
    odd = listed("--unusual-percent", "90")
    assert listed("--flag", "unflagged", "--unusual-percent", "90") == odd[1:]
    assert listed("--flag", "unflagged") == sorted(p for p in percent if p != top)
    with pytest.raises(SystemExit):
        main(["--library", lib, "list", "--unusual-percent", "120"])
    assert "not an Unusual %" in capsys.readouterr().err


def test_export_copies_at_a_tempo_and_key(capsys, lib, tmp_path):
    pack = tmp_path / "Pack"
    audiogen.write(pack / "Bass 120 BPM Am.wav", audiogen.tone(220, 2.0))
    audiogen.write(pack / "Kick.wav", audiogen.noise())
    assert main(["--library", lib, "scan", str(pack), "-q"]) == 0
    capsys.readouterr()
    out = tmp_path / "at-90"
    code, report = run(
        capsys, "--library", lib, "export", str(out), "--format", "copies",
        "--at-tempo", "90", "--at-key", "b minor", "--json",
    )  # fmt: skip
    assert code == 0 and report["entries"] == 2
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "Bass 90 BPM Bm.wav",
        "Kick.wav",
    ]
    code = main(
        ["--library", lib, "export", str(tmp_path / "at-95"), "--format", "copies",
         "--at-tempo", "95"]
    )  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.startswith(f"wrote 2 loops to {tmp_path / 'at-95'} at 95 BPM")
    code = main(
        ["--library", lib, "export", str(tmp_path / "x.m3u8"), "--format", "m3u8",
         "--at-tempo", "90"]
    )  # fmt: skip
    assert code == 1 and "use them with --format copies" in capsys.readouterr().err
    assert main(["--library", lib, "flag", str(pack / "Bass 120 BPM Am.wav"), "--tag", "x"]) == 0
    capsys.readouterr()
    code = main(
        ["--library", lib, "export", str(tmp_path / "sets"), "--format", "copies", "--each-tag",
         "--at-tempo", "60", "--at-key", "C"]
    )  # fmt: skip
    assert code == 0 and capsys.readouterr().out.endswith("at 60 BPM \u00b7 C\n")
    assert [p.name for p in (tmp_path / "sets" / "x").glob("*.wav")] == ["Bass 120 BPM Am.wav"]
    for bad in (["--at-tempo", "400"], ["--at-key", "Am+"], ["--at-key", "H"]):
        with pytest.raises(SystemExit):
            main(["--library", lib, "export", str(out), "--format", "copies", *bad])
        assert capsys.readouterr().err


def test_list_top_keeps_the_most_unusual_in_the_order_asked(capsys, lib, loop_folder):
    """--top 3 lists the three highest scores, most unusual first, or in --sort's order;
    before any training it says so and exits 1 instead of listing nothing."""
    assert main(["--library", lib, "scan", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "list", "--top", "3"]) == 1
    assert "no scores yet" in capsys.readouterr().err
    assert main(["--library", lib, "start", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    _, rows = run(capsys, "--library", lib, "list", "--json")
    highest = sorted(rows, key=lambda r: -r["score"])[:3]
    _, top = run(capsys, "--library", lib, "list", "--json", "--top", "3")
    assert [r["path"] for r in top] == [r["path"] for r in highest]
    _, by_path = run(capsys, "--library", lib, "list", "--json", "--top", "3", "--sort", "path")
    assert [r["path"] for r in by_path] == sorted(r["path"] for r in highest)
    _, text = run(capsys, "--library", lib, "list", "--top", "2")
    assert len(text.splitlines()) == 3  # the header and two loops


def test_list_and_export_take_the_loops_the_latest_training_moved_across_the_cut(
    capsys, lib, loop_folder, tmp_path
):
    """--crossed new lists the loops the latest training put above the unusual cut that the
    one before had below it, --crossed fell the others; nothing before a second training."""
    from anomalizer_desktop.core.library.store import Store

    assert main(["--library", lib, "start", str(loop_folder), "-q"]) == 0
    capsys.readouterr()

    def listed(*args):
        _, found = run(capsys, "--library", lib, "list", "--json", *args)
        return [r["path"] for r in found]

    assert listed("--crossed", "new") == listed("--crossed", "fell") == []  # one training
    _, rows = run(capsys, "--library", lib, "list", "--json", "--sort", "score")
    lowest, highest = rows[-1], rows[0]
    with Store(lib) as store:  # as if the run before had judged these two the other way
        run_id, cut = store.latest_run_id(), store.unusual_cut()
        ids = {r.path: r.id for r in store.list_samples()}
        with store.transaction() as db:
            for row, score in ((lowest, cut + 1.0), (highest, cut - 1.0)):
                db.execute(
                    "UPDATE scores SET score = ? WHERE run_id = ? AND sample_id = ?",
                    (score, run_id, ids[row["path"]]),
                )
    assert main(["--library", lib, "train", "-q"]) == 0  # the same detector again
    capsys.readouterr()
    assert listed("--crossed", "new") == [highest["path"]]
    assert listed("--crossed", "fell") == [lowest["path"]]
    _, rows = run(capsys, "--library", lib, "list", "--json")
    crossed = {r["path"]: r["crossed"] for r in rows}
    assert crossed.pop(highest["path"]) == "new" and crossed.pop(lowest["path"]) == "fell"
    assert set(crossed.values()) == {None}
    out = tmp_path / "new.m3u8"
    code, said = run(
        capsys, "--library", lib, "export", str(out), "--format", "m3u8", "--crossed", "new",
        "--json",
    )  # fmt: skip
    assert (code, said["entries"]) == (0, 1)
    assert [line for line in out.read_text().splitlines() if not line.startswith("#")] == [
        highest["path"]
    ]
