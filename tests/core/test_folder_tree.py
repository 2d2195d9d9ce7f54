"""The library's folders as a tree (core.library.folder_tree) and `anomalizer folders`."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.library.folder_tree import FolderTree, above_cut, in_folder
from anomalizer_desktop.core.library.store import Store

S = os.sep


def p(*parts: str) -> str:
    return S + S.join(parts)


def tree_of(loops: dict[str, float], roots: list[str], flags=None) -> FolderTree:
    """A tree of loops {path: percentile (NaN: no score)}, cut at 90 %."""
    paths = list(loops)
    percent = np.array(list(loops.values()), dtype=float)
    return FolderTree(
        [os.path.dirname(path) for path in paths],
        percent,
        flags or [None] * len(paths),
        roots,
        above_cut(np.full(len(paths), np.nan), percent, None),
    )


def as_rows(tree: FolderTree) -> list[tuple]:
    """(indent + name, loops, unusual, median) per folder, in the tree's order."""
    return [
        (
            "  " * f.depth + f.name,
            f.loops,
            f.unusual,
            None if np.isnan(f.median_percent) else f.median_percent,
        )
        for f in tree.folders
    ]


def test_each_folder_counts_the_loops_below_it_and_those_above_the_cut():
    loops = {
        p("L", "Pack A", "Drums", "k1.wav"): 95.0,
        p("L", "Pack A", "Drums", "k2.wav"): 10.0,
        p("L", "Pack A", "Bass", "b1.wav"): 50.0,
        p("L", "Pack A 2", "x.wav"): 99.0,  # a name that starts as "Pack A" does: not in it
        p("L", "top.wav"): float("nan"),  # no score yet
        p("L", "Deep", "er", "still", "d.wav"): 91.0,  # the folders between are in the tree
    }
    tree = tree_of(loops, [p("L"), p("Empty")])
    assert as_rows(tree) == [
        ("Empty", 0, 0, None),  # a folder added with no loops (yet) is there too
        ("L", 6, 3, 91.0),  # the median of the 5 scored loops
        ("  Deep", 1, 1, 91.0),
        ("    er", 1, 1, 91.0),
        ("      still", 1, 1, 91.0),
        ("  Pack A", 3, 1, 50.0),
        ("    Bass", 1, 0, 50.0),
        ("    Drums", 2, 1, 52.5),
        ("  Pack A 2", 1, 1, 99.0),
    ]
    pack = tree.folders[tree.index_of(p("L", "Pack A"))]
    assert (pack.scored, pack.unusual_share) == (3, pytest.approx(1 / 3))
    assert tree.folders[0].scored == 0 and np.isnan(tree.folders[0].unusual_share)
    assert [tree.folders[i].name for i in tree.children(-1)] == ["Empty", "L"]
    paths = list(loops)
    rows = tree.rows_in(tree.index_of(p("L", "Pack A")))
    assert sorted(paths[r] for r in rows) == sorted(paths[:3])
    assert tree.index_of(p("nowhere")) == -1 and tree.loops == 6
    assert tree.roots == {p("L"), p("Empty")}


def test_a_tiny_folder_does_not_outrank_a_pack_that_does_not_fit():
    """Folders sort by their share above the cut with 10 loops of the usual 10 % added: one
    unusual loop alone (100 %) says less than 22 of 26 (85 %); a big folder barely moves."""
    from anomalizer_desktop.core.library.folder_tree import Folder

    def folder(unusual, scored):
        return Folder("/x", "x", -1, 0, scored, scored, unusual, 50.0)

    one, pack, big = folder(1, 1), folder(22, 26), folder(30, 300)
    assert one.unusual_share == 1.0 > pack.unusual_share
    assert pack.telling_share > one.telling_share
    assert big.telling_share == pytest.approx(big.unusual_share, abs=0.001)
    assert np.isnan(folder(0, 0).telling_share)


def test_flags_are_counted_and_counted_again_after_a_change():
    loops = {p("L", "A", "1.wav"): 1.0, p("L", "A", "2.wav"): 2.0, p("L", "B", "3.wav"): 3.0}
    flags = ["typical", "unusual", None]
    tree = tree_of(loops, [p("L")], flags)
    names = [f.name for f in tree.folders]
    assert names == ["L", "A", "B"]
    assert tree.typical.tolist() == [1, 1, 0] and tree.flagged_unusual.tolist() == [1, 1, 0]
    tree.count_flags([None, "unusual", "unusual"])
    assert tree.typical.tolist() == [0, 0, 0] and tree.flagged_unusual.tolist() == [2, 1, 1]


def test_loops_outside_every_root_get_a_top_folder_of_their_own_once():
    loops = {
        p("X", "y", "1.wav"): 1.0,
        p("X", "y", "z", "2.wav"): 2.0,  # below the other outside folder: inside it
        p("R", "3.wav"): 3.0,
    }
    tree = tree_of(loops, [p("R")])
    assert as_rows(tree) == [("R", 1, 0, 3.0), ("y", 2, 0, 1.5), ("  z", 1, 0, 2.0)]


def test_two_added_folders_of_one_name_are_told_apart_by_their_parents():
    loops = {p("Drive A", "Loops", "1.wav"): 1.0, p("Drive B", "Loops", "2.wav"): 2.0}
    tree = tree_of(loops, [p("Drive A", "Loops"), p("Drive B", "Loops") + S])
    assert [f.name for f in tree.folders] == [f"Drive A{S}Loops", f"Drive B{S}Loops"]


def test_above_the_cut_is_the_run_s_threshold_when_there_is_one():
    scores = np.array([0.2, 0.7, 0.71, np.nan])
    percent = np.array([10.0, 89.5, 90.5, np.nan])
    assert above_cut(scores, percent, 0.7).tolist() == [False, False, True, False]
    assert above_cut(scores, percent, None).tolist() == [False, False, True, False]
    assert above_cut(scores, percent, 0.1).tolist() == [True, True, True, False]


def test_in_folder_is_the_folder_and_below_not_a_namesake_beside_it():
    paths = [p("L", "Pack", "a.wav"), p("L", "Pack", "x", "b.wav"), p("L", "Pack 2", "c.wav")]
    assert in_folder(paths, p("L", "Pack")).tolist() == [True, True, False]
    assert in_folder(paths, p("L", "Pack") + S).tolist() == [True, True, False]


def test_a_large_library_s_tree_matches_a_count_by_hand():
    rng = np.random.default_rng(3)
    packs = [p("L", f"Pack {i}", kind) for i in range(40) for kind in ("Drums", "Bass")]
    paths = [os.path.join(packs[i % len(packs)], f"{i}.wav") for i in range(5000)]
    percent = rng.uniform(0, 100, len(paths))
    tree = tree_of(dict(zip(paths, percent, strict=True)), [p("L")])
    for index, folder in enumerate(tree.folders):
        inside = in_folder(paths, folder.path)
        assert folder.loops == inside.sum()
        assert folder.unusual == (percent[inside] >= 90).sum()
        assert folder.median_percent == pytest.approx(np.median(percent[inside]))
        assert sorted(tree.rows_in(index).tolist()) == np.flatnonzero(inside).tolist()


# ---------------------------------------------------------------------- the command line
def test_folders_lists_the_tree_with_counts_and_list_and_export_take_a_folder(
    capsys, tmp_path, loop_folder
):
    lib = str(tmp_path / "lib.sqlite")
    assert main(["--library", lib, "start", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "folders", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    root = str(loop_folder.resolve())
    assert (rows[0]["path"], rows[0]["depth"], rows[0]["loops"]) == (root, 0, 12)
    assert {(os.path.basename(r["path"]), r["loops"]) for r in rows[1:]} == {
        ("drums", 6),
        ("bass", 4),
    }
    with Store(lib) as store:
        cut = store.unusual_cut()
        records = store.list_samples()
    above = sum(r.score > cut for r in records)
    assert rows[0]["unusual"] == above and rows[0]["unusual_share"] == round(above / 12, 4)
    assert rows[1]["parent"] == root
    # the largest share of unusual loops first (the default --sort), weighed by size
    shares = [(r["unusual"] + 1) / (r["scored"] + 10) for r in rows[1:]]
    assert shares == sorted(shares, reverse=True)

    drums = os.path.join(str(loop_folder), "drums")
    assert main(["--library", lib, "flag", os.path.join(drums, "drum_00.wav"), "--typical"]) == 0
    assert main(["--library", lib, "folders", "--json", "--depth", "0", "--sort", "name"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("[") :])
    assert len(rows) == 1 and rows[0]["flagged_typical"] == 1

    assert main(["--library", lib, "list", "--json", "--folder", drums]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(os.path.basename(r["path"]) for r in listed) == [
        f"drum_{i:02d}.wav" for i in range(6)
    ]
    out = tmp_path / "drums.m3u8"
    assert main(["--library", lib, "export", str(out), "--format", "m3u8", "--folder", drums]) == 0
    written = [line for line in out.read_text().splitlines() if line.endswith(".wav")]
    assert sorted(os.path.basename(line) for line in written) == [
        f"drum_{i:02d}.wav" for i in range(6)
    ]
    # a folder the library holds nothing in says so (and lists nothing)
    capsys.readouterr()
    assert main(["--library", lib, "list", "--folder", str(tmp_path / "elsewhere")]) == 0
    assert "holds no loop in" in capsys.readouterr().err

    assert main(["--library", lib, "folders"]) == 0
    text = capsys.readouterr().out
    header = "folder loops unusual median % typical flagged unusual"
    assert text.splitlines()[0].split() == header.split()
    assert "  drums" in text and "about 10 % of a folder like the rest" in text


def test_explain_a_folder_says_what_sets_its_loops_apart(capsys, tmp_path, loop_folder):
    from anomalizer_desktop.core.analysis.folder_explain import _of_them, explain_folder

    lib = str(tmp_path / "lib.sqlite")
    assert main(["--library", lib, "start", str(loop_folder), "-q"]) == 0
    capsys.readouterr()
    drums = str(loop_folder.resolve() / "drums")
    with Store(lib) as store:
        result = explain_folder(store, drums)
        records = [r for r in store.list_samples() if r.path.startswith(drums + os.sep)]
        cut = store.unusual_cut()
    assert result.loops == 6 == result.scored
    assert result.unusual == sum(r.score > cut for r in records)
    assert result.summary.startswith(f"drums: {result.unusual} of its 6 scored loops")
    shares = [d.percentile for d in result.deviations]
    assert shares == sorted(shares, reverse=True) and all(0 <= s <= 100 for s in shares)
    assert {d.group for d in result.deviations} >= {"timbre", "rhythm", "length"}
    top = [r.path for r in sorted(records, key=lambda r: -r.percentile)][:5]
    assert [loop["path"] for loop in result.most_unusual] == top
    # the command line: `explain FOLDER`, text or JSON
    assert main(["--library", lib, "explain", drums]) == 0
    out = capsys.readouterr().out
    assert out.startswith("drums: ") and "What deviates most (its typical loop):" in out
    assert "Its most unusual loops:" in out
    assert main(["--library", lib, "explain", drums, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["loops"] == 6
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert main(["--library", lib, "explain", str(elsewhere)]) == 1
    assert "anomalizer try" in capsys.readouterr().err
    # a clause about one loop, said of a folder's loops
    assert _of_them("it is far longer than usual") == "they are far longer than usual"
    assert _of_them("it repeats far more every 0.3 s") == "they repeat far more every 0.3 s"
    assert _of_them("its level changes more") == "their level changes more"
