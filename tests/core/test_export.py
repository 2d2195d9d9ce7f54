"""Exports parse back to the same entries; failures leave nothing behind."""

from __future__ import annotations

import csv
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from anomalizer_desktop.core.export import (
    ExportError,
    FolderNotEmptyError,
    select_entries,
    write_export,
)
from anomalizer_desktop.core.export.folder import MARKER, unique_name
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan

NS = {"x": "http://xspf.org/ns/0/"}


@pytest.fixture
def library(store, loop_folder):
    run_job(scan(store, [str(loop_folder)]))
    records = {Path(r.path).name: r for r in store.list_samples()}
    store.set_flag([records["drum_00.wav"].id, records["bass_01.flac"].id], "unusual")
    store.set_note([records["drum_00.wav"].id], 'odd, "swingy" — keep')
    return store


def test_m3u8_round_trip(library, tmp_path):
    entries = select_entries(library, flag="unusual")
    out = write_export(entries, "m3u8", tmp_path / "set.m3u8")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    parsed = [(lines[i], lines[i + 1]) for i in range(1, len(lines), 2)]
    assert [p for _, p in parsed] == [e.path for e in entries]
    assert all(os.path.isabs(p) for _, p in parsed)
    assert parsed[0][0] == f"#EXTINF:2,{entries[0].title}"


def test_a_path_with_a_line_break_stays_one_m3u8_entry(tmp_path):
    from anomalizer_desktop.core.export.formats import to_m3u8
    from anomalizer_desktop.core.export.selection import ExportEntry

    odd = "/loops/two\nlines #1.wav"
    entries = [
        ExportEntry(odd, "two\nlines #1", 2.0, None, None, None, None),
        ExportEntry("/loops/plain.wav", "plain", 1.5, None, None, None, None),
    ]
    lines = to_m3u8(entries).splitlines()
    assert lines == [
        "#EXTM3U",
        "#EXTINF:2,two lines #1",
        "file:///loops/two%0Alines%20%231.wav",
        "#EXTINF:2,plain",
        "/loops/plain.wav",
    ]
    assert unquote(urlparse(lines[2]).path) == odd


def test_xspf_round_trip(library, tmp_path):
    entries = select_entries(library, flag="unusual")
    out = write_export(entries, "xspf", tmp_path / "set.xspf")
    root = ET.parse(out).getroot()
    assert root.get("version") == "1"
    tracks = root.findall("x:trackList/x:track", NS)
    assert len(tracks) == len(entries)
    for track, entry in zip(tracks, entries, strict=True):
        location = track.find("x:location", NS).text
        assert location.startswith("file://")
        assert unquote(urlparse(location).path) == entry.path
        assert track.find("x:title", NS).text == entry.title
        assert int(track.find("x:duration", NS).text) == round(entry.duration * 1000)
        metas = {m.get("rel").rsplit("/", 1)[-1]: m.text for m in track.findall("x:meta", NS)}
        assert metas["flag"] == "unusual"


def test_csv_round_trip_with_quotes_and_unicode(library, tmp_path):
    entries = select_entries(library)
    out = write_export(entries, "csv", tmp_path / "all.csv")
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["path"] for r in rows] == [e.path for e in entries]
    noted = next(r for r in rows if r["path"].endswith("drum_00.wav"))
    assert (noted["flag"], noted["note"]) == ("unusual", 'odd, "swingy" — keep')
    assert float(noted["duration"]) == pytest.approx(2.0)
    assert list(rows[0]) == [
        "path",
        "duration",
        "score",
        "percentile",
        "flag",
        "note",
        "bpm",
        "key",
        "tags",
        "bpm_from",
    ]


def test_exports_carry_the_tempo_and_key_loops_declare(store, tmp_path):
    """A DAW user sorting an exported CSV by tempo or key: the BPM and Key the table shows
    (from names and loop tags) go into the CSV and the XSPF's meta; none, empty."""
    import audiogen

    pack = tmp_path / "pack"
    audiogen.write(pack / "Bass 128 BPM F#min.wav", audiogen.tone())
    audiogen.acid_wav(pack / "Funky Drums.wav", 97.0)
    audiogen.write(pack / "Kick.wav", audiogen.noise())
    run_job(scan(store, [str(pack)]))
    entries = select_entries(store)
    with open(write_export(entries, "csv", tmp_path / "all.csv"), encoding="utf-8") as handle:
        rows = {Path(r["path"]).name: (r["bpm"], r["key"]) for r in csv.DictReader(handle)}
    assert rows == {
        "Bass 128 BPM F#min.wav": ("128", "F#m"),
        "Funky Drums.wav": ("97", ""),
        "Kick.wav": ("", ""),
    }
    tree = ET.parse(write_export(entries, "xspf", tmp_path / "all.xspf"))
    metas = {
        (
            Path(unquote(urlparse(t.find("x:location", NS).text).path)).name,
            m.get("rel")[-3:],
        ): m.text
        for t in tree.getroot().iterfind(".//x:track", NS)
        for m in t.iterfind("x:meta", NS)
    }
    assert metas[("Bass 128 BPM F#min.wav", "bpm")] == "128.0"
    assert metas[("Bass 128 BPM F#min.wav", "key")] == "F#m"
    assert ("Kick.wav", "bpm") not in metas


def test_folder_of_links_opens_the_files_and_resolves_collisions(library, tmp_path, loop_folder):
    clash = loop_folder / "other" / "drum_00.wav"
    clash.parent.mkdir()
    clash.write_bytes((loop_folder / "drums" / "drum_00.wav").read_bytes() + b"\x00")
    run_job(scan(library, [str(loop_folder)]))
    entries = [e for e in select_entries(library) if e.title == "drum_00"]
    out = write_export(entries, "folder", tmp_path / "exported")
    names = sorted(n for n in os.listdir(out) if n != MARKER)
    assert names == ["drum_00 (2).wav", "drum_00.wav"]
    assert (out / MARKER).read_text().splitlines() == names  # what an overwrite may replace
    targets = sorted(os.path.realpath(out / n) for n in names)
    assert targets == sorted(e.path for e in entries)
    assert (out / "drum_00.wav").read_bytes()[:4] == b"RIFF"


def test_folder_export_never_replaces_a_folder_of_the_users_files(library, tmp_path):
    """`--overwrite` once replaced any folder: aimed at ~/Music, it deleted it."""
    target = tmp_path / "My loops"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    (target / "bounce.wav").write_bytes(b"RIFF")
    entries = select_entries(library, flag="unusual")
    for overwrite in (False, True):
        with pytest.raises(FolderNotEmptyError) as refused:
            write_export(entries, "folder", target, overwrite=overwrite)
        assert refused.value.foreign == ["bounce.wav", "keep.txt"]
        assert "holds files an export did not make (bounce.wav, keep.txt)" in str(refused.value)
    assert sorted(os.listdir(target)) == ["bounce.wav", "keep.txt"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".My loops")]  # no leftovers


def test_an_earlier_export_is_replaced_only_when_asked_and_only_if_untouched(library, tmp_path):
    target = tmp_path / "unusual"
    unusual = select_entries(library, flag="unusual")
    write_export(unusual, "folder", target)
    with pytest.raises(FolderNotEmptyError) as exists:
        write_export(unusual[:1], "folder", target)
    assert exists.value.foreign == [] and "holds an earlier export" in str(exists.value)
    write_export(unusual[:1], "folder", target, overwrite=True)
    assert sorted(os.listdir(target)) == sorted([MARKER, os.path.basename(unusual[0].path)])
    # a bounce saved into the export folder is the user's: the folder is not replaced again
    (target / "bounce.wav").write_bytes(b"RIFF")
    with pytest.raises(FolderNotEmptyError, match=r"\(bounce.wav\)"):
        write_export(unusual, "folder", target, overwrite=True)
    assert (target / "bounce.wav").exists()
    # an export from before the marker holds links only, and is replaced
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "a.wav").symlink_to(unusual[0].path)
    write_export(unusual, "folder", legacy, overwrite=True)
    assert len(os.listdir(legacy)) == len(unusual) + 1


@pytest.mark.parametrize("fmt", ["m3u8", "xspf", "csv"])
def test_a_playlist_never_replaces_a_file_of_another_kind(library, tmp_path, loop_folder, fmt):
    """`export --format csv kick.wav` wrote CSV text over the loop; a playlist of the same
    kind is replaced (exporting the set again), whatever the letter case of its name."""
    loop = loop_folder / "tone_a.wav"
    before = loop.read_bytes()
    entries = select_entries(library, flag="unusual")
    with pytest.raises(ExportError, match=rf"tone_a.wav exists and is not a \.{fmt} file"):
        write_export(entries, fmt, loop)
    assert loop.read_bytes() == before
    earlier = tmp_path / f"SET.{fmt.upper()}"
    earlier.write_text("an earlier export")
    write_export(entries, fmt, earlier)
    assert earlier.read_text() != "an earlier export"


def test_unwritable_target_gives_a_clear_error_and_leaves_nothing(library, tmp_path):
    entries = select_entries(library)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        write_export(entries, "m3u8", blocker / "sub" / "set.m3u8")
    assert not (blocker.parent / "sub").exists()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(library, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "set.csv"
    target.write_text("old contents")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ExportError, match="No space left"):
        write_export(select_entries(library), "csv", target)
    assert target.read_text() == "old contents"
    assert sorted(p.name for p in out_dir.iterdir()) == ["set.csv"]


def test_selection_by_score_needs_scores(library):
    with pytest.raises(ExportError, match="no scores yet"):
        select_entries(library, top=3)


def test_selection_top_n_and_range(library):
    with library.transaction() as db:
        run = db.execute(
            "INSERT INTO runs(created_at, detector, embedder) VALUES (0, 't', 'dsp')"
        ).lastrowid
        for i, record in enumerate(library.list_samples()):
            db.execute("INSERT INTO scores VALUES (?, ?, ?, NULL)", (run, record.id, float(i)))
    top = select_entries(library, top=3)
    assert [e.score for e in top] == [11.0, 10.0, 9.0]
    ranged = select_entries(library, min_score=2.0, max_score=4.0)
    assert sorted(e.score for e in ranged) == [2.0, 3.0, 4.0]


def test_unique_name_is_case_insensitive():
    taken: set[str] = set()
    assert unique_name("Kick.wav", taken) == "Kick.wav"
    assert unique_name("kick.WAV", taken) == "kick (2).WAV"
    assert unique_name("Kick.wav", taken) == "Kick (3).wav"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_exports_get_the_permissions_a_plain_create_gives(library, tmp_path):
    """Temporary files are private (0600); a playlist or a folder of links must be readable
    as a normally created file would be (a DAW may run as another user, or from a share)."""
    previous = os.umask(0o027)
    try:
        entries = select_entries(library)
        playlist = write_export(entries, "m3u8", tmp_path / "set.m3u8")
        folder = write_export(entries, "folder", tmp_path / "links")
    finally:
        os.umask(previous)
    assert playlist.stat().st_mode & 0o777 == 0o640
    assert folder.stat().st_mode & 0o777 == 0o750


def test_the_umask_is_read_without_being_changed():
    from anomalizer_desktop.core.file_modes import current_umask

    previous = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        assert current_umask() == 0o027  # reading it twice: still what was set
    finally:
        os.umask(previous)


def test_a_file_the_library_holds_twice_goes_into_a_set_once(store, loop_folder, tmp_path, capsys):
    """The same loop in a project folder: the top 3 are three loops, a tag set holds the
    tagged copy even when an untagged copy comes first, and --keep-copies lists every copy."""
    import shutil

    from anomalizer_desktop.cli import main
    from anomalizer_desktop.core.export.tag_sets import tag_sets

    project = tmp_path / "zz project"
    project.mkdir()
    shutil.copy(loop_folder / "drums" / "drum_00.wav", project / "drum_00.wav")
    shutil.copy(loop_folder / "drums" / "drum_00.wav", project / "drum_00 copy.wav")
    run_job(scan(store, [str(loop_folder), str(project)]))
    records = {r.path: r for r in store.list_samples()}
    original = str(loop_folder / "drums" / "drum_00.wav")
    with store.transaction() as db:  # every copy scores alike, as they do once trained
        run = db.execute(
            "INSERT INTO runs(created_at, detector, embedder) VALUES (0, 't', 'dsp')"
        ).lastrowid
        for record in records.values():
            score = 100.0 if "drum_00" in record.path else float(record.id)
            db.execute("INSERT INTO scores VALUES (?, ?, ?, NULL)", (run, record.id, score))
    top = select_entries(store, top=3)
    assert top[0].path == original  # the first copy by path stands for the others
    assert len({e.title.removesuffix(" copy") for e in top}) == 3
    assert [e.copies_left_out for e in top] == [2, 0, 0]
    every = select_entries(store, top=3, keep_copies=True)
    assert [e.path for e in every] == [
        original,
        str(project / "drum_00 copy.wav"),
        str(project / "drum_00.wav"),
    ]
    assert select_entries(store, paths=[str(project / "drum_00.wav")])[0].copies_left_out == 0

    store.set_tags([records[str(project / "drum_00.wav")].id], ["keep"])
    store.set_tags([records[str(loop_folder / "drums" / "drum_01.wav")].id], ["keep"])
    keep = tag_sets(store)["keep"]
    assert [e.path for e in keep] == [
        str(project / "drum_00.wav"),
        str(loop_folder / "drums" / "drum_01.wav"),
    ]

    lib = str(store.path)
    out = tmp_path / "top.m3u8"
    assert main(["--library", lib, "export", "--format", "m3u8", "--top", "3", str(out)]) == 0
    assert (
        f"wrote 3 loops to {out} (2 copies of files already in it left out)"
        in capsys.readouterr().out
    )
    assert out.read_text().count("/drum_00") == 1
    assert (
        main(
            [
                "--library",
                lib,
                "export",
                "--format",
                "m3u8",
                "--top",
                "3",
                "--keep-copies",
                str(out),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == f"wrote 3 loops to {out}"
    assert out.read_text().count("/drum_00") == 3


def test_loops_sharing_only_an_edges_hash_both_go_into_a_set(store, loop_folder):
    """An earlier version's hash covered a file's edges only: two different loops can share
    it until the next scan, and an export must not take one for a copy of the other."""
    run_job(scan(store, [str(loop_folder)]))
    drums = sorted(r.path for r in store.list_samples() if "/drums/" in r.path)
    with store.transaction() as db:
        db.execute(
            "UPDATE samples SET content_hash = 'edgesonly1234567' WHERE path IN (?, ?)",
            drums[:2],
        )
    entries = select_entries(store, paths=drums[:2])
    assert [e.path for e in entries] == drums[:2]
    assert all(e.copies_left_out == 0 for e in entries)


def test_a_folder_of_copies_holds_the_files_themselves(library, tmp_path, capsys):
    """A set to take elsewhere (a USB stick, a collaborator): real files, the same bytes, and
    replaced only as an earlier export is; `export --format copies` on the command line."""
    from anomalizer_desktop.cli import main
    from anomalizer_desktop.core.export import files_size
    from anomalizer_desktop.core.library.walk import EXPORT_MARKER

    entries = select_entries(library, flag="unusual")
    target = write_export(entries, "copies", tmp_path / "stick" / "set")
    names = sorted(os.path.basename(e.path) for e in entries)
    assert sorted(os.listdir(target)) == sorted([*names, MARKER]) and MARKER == EXPORT_MARKER
    for entry in entries:
        copy = target / os.path.basename(entry.path)
        assert not copy.is_symlink() and copy.read_bytes() == Path(entry.path).read_bytes()
    assert files_size(entries) == sum(os.path.getsize(e.path) for e in entries) > 0
    with pytest.raises(FolderNotEmptyError):
        write_export(entries[:1], "copies", target)
    write_export(entries[:1], "copies", target, overwrite=True)  # its own files: replaced
    assert sorted(os.listdir(target)) == sorted([os.path.basename(entries[0].path), MARKER])

    out = tmp_path / "cli-set"
    command = ["--library", library.path, "export", str(out), "--format", "copies"]
    assert main([*command, "--flag", "unusual", "-q"]) == 0
    assert sorted(os.listdir(out)) == sorted([*names, MARKER])
    assert not any((out / n).is_symlink() for n in names)


def test_a_folder_export_stopped_midway_leaves_nothing(library, tmp_path):
    """What `progress` raises (Cancel in the window) stops the copying, and neither the set
    nor its folder built aside is left; an earlier export there stays as it was."""
    entries = select_entries(library)
    out = tmp_path / "exports"
    out.mkdir()
    seen = []

    class Stop(Exception):
        pass

    def progress(done, total):
        seen.append((done, total))
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        write_export(entries, "copies", out / "set", progress=progress)
    assert seen == [(1, len(entries)), (2, len(entries))]
    assert os.listdir(out) == []
    earlier = write_export(entries[:1], "copies", out / "set")
    with pytest.raises(Stop):
        write_export(entries, "copies", earlier, overwrite=True, progress=progress)
    assert sorted(os.listdir(earlier)) == sorted([os.path.basename(entries[0].path), MARKER])
    assert os.listdir(out) == ["set"]


def _entry(name: str, tempo=None, key=None):
    from anomalizer_desktop.core.export import ExportEntry

    return ExportEntry(f"/loops/{name}", name, 2.0, None, None, None, None, tempo, key)


@pytest.mark.parametrize(
    ("name", "tempo", "key", "project", "expected"),
    [
        ("Bass 128 BPM Am.wav", 128.0, "Am", (120.0, "Bm"), "Bass 120 BPM Bm.wav"),
        ("bass_bpm_90_Cm.flac", 90.0, "Cm", (100.0, None), "bass_bpm_100_Cm.wav"),
        ("Loop.aif", 128.0, None, (120.0, None), "Loop 120 BPM.wav"),  # a tempo from its tags
        ("Pad Em.wav", None, "Em", (120.0, "C"), "Pad Am.wav"),  # Em up 5 to Am, C's relative
        ("Keys 120 BPM G.wav", 120.0, "G", (120.0, "C"), "Keys 120 BPM C.wav"),
        ("Hat 70 BPM.wav", 70.0, None, (140.0, None), None),  # half time: as it is
        ("Bass 120 BPM Am.wav", 120.0, "Am", (120.0, "C"), None),  # already there
        ("Kick.wav", None, None, (120.0, "C"), None),  # declares neither
        (
            "Cymatics - Loop 1 - 128 BPM F#min.wav",
            128.0,
            "F#m",
            (120.0, "Am"),
            "Cymatics - Loop 1 - 120 BPM Am.wav",  # "F#min" read as F#m, rewritten as Am
        ),
        ("Pluck 128 BPM F#min.wav", 128.0, "F#m", (120.0, "Gm"), "Pluck 120 BPM Gm.wav"),
        ("Pad 90bpm A minor.wav", 90.0, "Am", (100.0, "Bm"), "Pad 100bpm Bm.wav"),
        (
            "SO_CB_90_piano_loop_Cm.wav",
            90.0,
            "Cm",
            (100.0, None),
            "SO_CB_90_piano_loop_Cm 100 BPM.wav",
        ),
        ("Lead 120 BPM _C_.wav", 120.0, "C", (120.0, "D"), "Lead 120 BPM _D_.wav"),
    ],
)
def test_a_conformed_copy_is_named_for_its_new_tempo_and_key(name, tempo, key, project, expected):
    from anomalizer_desktop.core.audio.tempo_sync import sync
    from anomalizer_desktop.core.export.conformed import Project, conformed_name
    from anomalizer_desktop.core.loop_names import declared, moved_key

    assert conformed_name(_entry(name, tempo, key), Project(*project)) == expected
    if expected is not None:  # the new name declares what the file is now
        chosen = sync(tempo, project[0], key, project[1])
        says = declared(f"/set/{expected}", None, None)
        assert says.tempo == (project[0] if chosen.speed != 1.0 else tempo)
        assert says.key == (moved_key(key, chosen.semitones) if key else None)


def test_a_folder_of_copies_at_the_projects_tempo_and_key(store, tmp_path):
    """Loops that declare a tempo are written stretched to the project's, those that declare a
    key moved into it, as WAVs of their new length; the rest are copied byte for byte, and
    the folder is marked as an export's."""
    import audiogen
    import numpy as np
    import soundfile as sf

    from anomalizer_desktop.core.export import Project

    pack = tmp_path / "pack"
    audiogen.write(pack / "Beat 120 BPM.wav", audiogen.drum_loop(seconds=2.0, bpm=120))
    audiogen.write(pack / "Bass 100 BPM Dm.wav", audiogen.tone(146.8, 2.4))
    kick = audiogen.write(pack / "Kick.wav", audiogen.noise(0.5))
    run_job(scan(store, [str(pack)]))
    entries = select_entries(store)
    folder = write_export(entries, "copies", tmp_path / "at", project=Project(100.0, "Em"))
    names = sorted(os.listdir(folder))
    assert names == [MARKER, "Bass 100 BPM Em.wav", "Beat 100 BPM.wav", "Kick.wav"]
    beat = sf.info(str(folder / "Beat 100 BPM.wav"))
    assert beat.frames == round(2.0 * audiogen.SR * 120 / 100) and beat.subtype == "PCM_24"
    bass, rate = sf.read(str(folder / "Bass 100 BPM Em.wav"))
    assert len(bass) == round(2.4 * audiogen.SR)  # its tempo already: the key alone moves
    spectrum = np.abs(np.fft.rfft(bass * np.hanning(len(bass))))
    peak_hz = np.fft.rfftfreq(len(bass), 1 / rate)[np.argmax(spectrum)]
    assert peak_hz == pytest.approx(146.8 * 2 ** (2 / 12), rel=0.01)  # D to E: up 2
    assert (folder / "Kick.wav").read_bytes() == kick.read_bytes()
    with pytest.raises(FolderNotEmptyError):  # a second export asks before replacing
        write_export(entries, "copies", folder, project=Project(100.0))


def test_a_loop_that_cannot_be_stretched_is_copied_as_it_is(tmp_path):
    """A file that no longer decodes (cut short since the scan) is still in the set, as it is:
    a set holds every loop asked for, as a plain folder of copies would."""
    import audiogen

    from anomalizer_desktop.core.export import ExportEntry, Project

    broken = audiogen.text_as_wav(tmp_path / "Bass 128 BPM.wav")
    entry = ExportEntry(str(broken), "Bass", 2.0, None, None, None, None, 128.0, None)
    folder = write_export([entry], "copies", tmp_path / "set", project=Project(120.0))
    assert (folder / "Bass 128 BPM.wav").read_bytes() == broken.read_bytes()
    assert not (folder / "Bass 120 BPM.wav").exists()
    # the name its stretched copy would have had stays free for a loop of that name
    other = audiogen.write(tmp_path / "b" / "Bass 120 BPM.wav", audiogen.tone(110.0, 2.0))
    at_120 = ExportEntry(str(other), "Bass", 2.0, None, None, None, None, 120.0, None)
    both = write_export([entry, at_120], "copies", tmp_path / "both", project=Project(120.0))
    assert sorted(os.listdir(both)) == [MARKER, "Bass 120 BPM.wav", "Bass 128 BPM.wav"]
