"""The exports that name loops by their paths (folders of links, M3U8 and XSPF playlists)
follow the loops the app moves or renames, and the ones a scan finds moved by hand: a DAW
reading one finds each loop where it went."""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library import followed_exports
from anomalizer_desktop.core.library.move_loops import move_each, move_loops, rename_loop
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store


def _exported(tmp_path, loop_folder, capsys, fmt="folder"):
    """The library of `loop_folder`, and its drum loops exported as `fmt` (CLI)."""
    library = str(tmp_path / "lib.sqlite")
    assert main(["--library", library, "scan", str(loop_folder)]) == 0
    out = tmp_path / "DAW" / "Odd drums"
    drums = sorted(str(p) for p in (loop_folder / "drums").iterdir())
    paths = [arg for path in drums[:3] for arg in ("--path", path)]
    assert main(["--library", library, "export", *paths, "--format", fmt, str(out)]) == 0
    capsys.readouterr()
    return library, out, drums[:3]


def _targets(folder):
    return {
        name: os.readlink(folder / name)
        for name in sorted(os.listdir(folder))
        if (folder / name).is_symlink()
    }


def test_links_follow_a_move_its_undo_and_a_rename(tmp_path, loop_folder, capsys):
    """Each link in the folder to a loop moved follows it (one the producer added too); the
    others, and the files, are left as they are."""
    library, out, drums = _exported(tmp_path, loop_folder, capsys)
    (out / "mine.wav").symlink_to(drums[0])  # a link of the producer's own, in the folder
    other = tmp_path / "other.wav"
    shutil.copy(drums[2], other)
    os.remove(out / "drum_02.wav")
    (out / "drum_02.wav").symlink_to(other)  # one the producer pointed elsewhere
    with Store(library) as store:
        assert followed_exports.remembered(store) == [(str(out), "folder")]
        ids = store.sample_ids_for_paths(drums)
        rejects = loop_folder / "Rejects"
        result = run_job(move_loops(store, {drums[0]: ids[drums[0]]}, str(rejects)))
        moved = str(rejects / "drum_00.wav")
        assert (result.followed.links, result.followed.entries) == (2, 0)
        assert result.report() == f"Moved 1 loop to {rejects}; 2 exported links updated."
        assert _targets(out) == {
            "drum_00.wav": moved,
            "drum_01.wav": drums[1],
            "drum_02.wav": str(other),
            "mine.wav": moved,
        }
        assert os.path.getsize(out / "drum_00.wav") == os.path.getsize(moved)  # it plays
        assert not [n for n in os.listdir(out) if n.startswith(".") and n.endswith(".link")]

        undone = run_job(move_each(store, [(ids[drums[0]], moved, drums[0])]))  # Ctrl+Z
        assert undone.followed.links == 2 and _targets(out)["drum_00.wav"] == drums[0]
        renamed = rename_loop(store, ids[drums[1]], drums[1], "Busy break")
        assert renamed == str(loop_folder / "drums" / "Busy break.wav")
        assert _targets(out) == {
            "drum_00.wav": drums[0],
            "drum_01.wav": renamed,
            "drum_02.wav": str(other),
            "mine.wav": drums[0],
        }
        assert other.exists() and os.path.getsize(other) > 0


def test_links_follow_a_loop_a_scan_finds_moved_by_hand(tmp_path, loop_folder, capsys):
    library, out, drums = _exported(tmp_path, loop_folder, capsys)
    elsewhere = loop_folder / "kept" / "drum_00.wav"
    elsewhere.parent.mkdir()
    shutil.move(drums[0], elsewhere)  # in the file manager
    with Store(library) as store:
        assert run_job(scan(store, [str(loop_folder)])).moved == 1
    assert _targets(out)["drum_00.wav"] == str(elsewhere)


def test_a_folder_of_copies_or_gone_is_not_kept_and_nothing_else_is_touched(
    tmp_path, loop_folder, capsys
):
    library, copies, drums = _exported(tmp_path, loop_folder, capsys, fmt="copies")
    with Store(library) as store:
        assert followed_exports.remembered(store) == []  # copies do not follow: they are copies
    assert main(["--library", library, "export", "--format", "folder", str(tmp_path / "L")]) == 0
    assert main(["--library", library, "export", "--format", "m3u8", str(tmp_path / "L.m3u8")]) == 0
    with Store(library) as store:
        assert [p for p, _ in followed_exports.remembered(store)] == [
            str(tmp_path / "L"),
            str(tmp_path / "L.m3u8"),
        ]
        shutil.rmtree(tmp_path / "L")  # the producer deleted the exports
        os.remove(tmp_path / "L.m3u8")
        ids = store.sample_ids_for_paths(drums[:1])
        result = run_job(move_loops(store, ids, str(loop_folder / "Rejects")))
        assert result.followed.text() == "" and followed_exports.remembered(store) == []
    assert sorted(os.listdir(copies)) == [
        ".anomalizer-export",
        *sorted(map(os.path.basename, drums)),
    ]
    assert not any((copies / name).is_symlink() for name in os.listdir(copies))


def test_playlists_follow_a_move_and_only_their_entries_of_it_change(tmp_path, loop_folder, capsys):
    library, m3u8, drums = _exported(tmp_path, loop_folder, capsys, fmt="m3u8")
    xspf = tmp_path / "DAW" / "odd.xspf"
    csv = tmp_path / "DAW" / "odd.csv"
    for fmt, out in (("xspf", xspf), ("csv", csv)):
        args = [arg for path in drums for arg in ("--path", path)]
        assert main(["--library", library, "export", *args, "--format", fmt, str(out)]) == 0
    m3u8 = m3u8.with_name("Odd drums")  # (written as given: no suffix added on the CLI)
    with open(m3u8, "a", encoding="utf-8") as playlist:  # an entry of the producer's own
        playlist.write(f"#EXTINF:-1,mine\n{drums[0]}.bak\n")
    csv_before = csv.read_text(encoding="utf-8")
    with Store(library) as store:
        assert [fmt for _, fmt in followed_exports.remembered(store)] == ["m3u8", "xspf"]
        ids = store.sample_ids_for_paths(drums[:2])
        rejects = loop_folder / "Rejects & odd"  # (a name XML escapes)
        result = run_job(move_loops(store, ids, str(rejects)))
    assert (result.followed.links, result.followed.entries) == (0, 4)
    assert result.report().endswith("; 4 playlist entries updated.")
    moved = [str(rejects / os.path.basename(path)) for path in drums[:2]]
    lines = m3u8.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == [
        *moved,
        drums[2],
        f"{drums[0]}.bak",  # (the producer's: not the loop's path)
    ]
    text = xspf.read_text(encoding="utf-8")
    locations = [line.strip() for line in text.splitlines() if "<location>" in line]
    assert locations == [
        *(f"<location>{Path(p).as_uri().replace('&', '&amp;')}</location>" for p in moved),
        f"<location>{Path(drums[2]).as_uri()}</location>",
    ]
    ET.fromstring(text)  # still a playlist
    assert csv.read_text(encoding="utf-8") == csv_before  # a CSV is data: left as written


def test_what_followed_is_said_in_one_phrase():
    followed = followed_exports.Followed
    assert followed(1, 2).text() == "1 exported link and 2 playlist entries updated"
    assert followed(0, 1).text() == "1 playlist entry updated"
    assert followed(0, 0).text() == ""
    three = followed(1, 2, ["/loops/Favourites/best.wav"]).text()
    assert three == "1 exported link, 1 link in the library and 2 playlist entries updated"


def test_the_librarys_own_links_to_a_moved_loop_follow_it(tmp_path, loop_folder):
    """A folder of favourites in the library, linking to loops of its packs: moved by the app
    or by hand (found by a scan), the loop is still there through the link, which stays
    absolute or relative as it was."""
    favourites = loop_folder / "Favourites"
    favourites.mkdir()
    drums = sorted(str(p) for p in (loop_folder / "drums").iterdir())
    (favourites / "best.wav").symlink_to(drums[0])
    (favourites / "next best.wav").symlink_to(os.path.join("..", "drums", "drum_01.wav"))
    with Store(tmp_path / "lib.sqlite") as store:
        run_job(scan(store, [str(loop_folder)]))
        ids = store.sample_ids_for_paths(drums[:2])
        kept = loop_folder / "Kept"
        result = run_job(move_loops(store, ids, str(kept)))
        assert result.report() == f"Moved 2 loops to {kept}; 2 links in the library updated."
        assert os.readlink(favourites / "best.wav") == str(kept / "drum_00.wav")
        assert os.readlink(favourites / "next best.wav") == os.path.join(
            "..", "Kept", "drum_01.wav"
        )
        shutil.move(kept / "drum_00.wav", loop_folder / "drum_00.wav")  # by hand
        summary = run_job(scan(store, [str(loop_folder)]))
        assert (summary.moved, summary.missing, summary.errors) == (1, 0, 0)
        assert os.readlink(favourites / "best.wav") == str(loop_folder / "drum_00.wav")
        statuses = {row.path: row.status for row in store.list_samples()}
        assert statuses[str(favourites / "best.wav")] == "ok"
        assert statuses[str(favourites / "next best.wav")] == "ok"


def test_a_library_that_cannot_be_written_still_exports(store, tmp_path, monkeypatch):
    """Remembering an export is a convenience: the export stands without it."""
    import sqlite3

    def refused():
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store, "transaction", refused)
    followed_exports.remember_exports(store, "m3u8", [tmp_path / "set.m3u8"])  # no error
    monkeypatch.undo()
    assert followed_exports.remembered(store) == []


def test_a_library_file_that_fails_while_following_leaves_the_move_done(
    tmp_path, loop_folder, capsys, monkeypatch
):
    """The loops have moved, which is what was asked: a library that cannot be read at that
    point leaves the exports as they were, and the move and the scan finish."""
    import sqlite3

    library, out, drums = _exported(tmp_path, loop_folder, capsys)

    def locked(*_args):
        raise sqlite3.OperationalError("database is locked")

    with Store(library) as store:
        monkeypatch.setattr(followed_exports, "remembered", locked)
        ids = store.sample_ids_for_paths(drums[:1])
        result = run_job(move_loops(store, ids, str(loop_folder / "Rejects")))
        assert result.moved and result.followed.text() == ""
        assert result.report() == f"Moved 1 loop to {loop_folder / 'Rejects'}."
        shutil.move(loop_folder / "Rejects" / "drum_00.wav", loop_folder / "drum_00.wav")
        assert run_job(scan(store, [str(loop_folder)])).moved == 1
    assert _targets(out)["drum_00.wav"] == drums[0]  # (left as it was)
