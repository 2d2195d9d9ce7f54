"""Loops from outside the library, judged by its latest run without being added
(core.analysis.newcomers and `anomalizer try`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import audiogen
import numpy as np
import pytest
from made_libraries import embedded_library

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.analysis.newcomers import (
    NewcomersError,
    audio_files,
    judge_newcomers,
)
from anomalizer_desktop.core.detector.run_models import TrainError
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.store import Store


@pytest.fixture
def drums_library(tmp_path):
    """A trained library of 16 drum loops."""
    root = audiogen.write_drum_loops(tmp_path / "Drums", range(16))
    return embedded_library(tmp_path / "lib.sqlite", root, "default"), root.resolve()


@pytest.fixture
def new_pack(tmp_path):
    """A pack from outside: two drum loops, a tone, a broken file and a text file."""
    pack = tmp_path / "Downloads" / "New Pack"
    audiogen.write(pack / "beat a.wav", audiogen.drum_loop(seed=40, bpm=110))
    audiogen.write(pack / "Sub" / "beat b.wav", audiogen.drum_loop(seed=41, bpm=114))
    audiogen.write(pack / "pad.wav", audiogen.tone(523.0, 4.0))
    audiogen.text_as_wav(pack / "broken.wav")
    (pack / "read me.txt").write_text("not a loop")
    audiogen.write(pack / ".hidden" / "x.wav", audiogen.tone(300.0))
    return pack


def test_a_file_with_the_bytes_of_a_library_loop_is_named_as_its_copy(drums_library, tmp_path):
    import shutil

    path, root = drums_library
    elsewhere = tmp_path / "Elsewhere"
    elsewhere.mkdir()
    shutil.copy(root / "drum 05.wav", elsewhere / "kick loop.wav")
    with Store(path) as store:
        verdict = run_job(judge_newcomers(store, [str(elsewhere)]))
    (loop,) = verdict.loops
    assert loop.copy_of == str(root / "drum 05.wav") and not loop.in_library
    assert loop.as_json()["copy_of"] == str(root / "drum 05.wav")


def test_a_library_loop_in_another_format_is_named_as_the_same_audio(
    drums_library, tmp_path, capsys
):
    """A pack held already, come again as 16-bit FLACs 3 dB down: each file is named as the
    same audio as its library loop, and none counts as a loop that would fit."""
    import soundfile as sf

    path, root = drums_library
    elsewhere = tmp_path / "Bought again"
    audio, rate = sf.read(root / "drum 05.wav", dtype="float32")
    audiogen.write(elsewhere / "Drums 05.flac", audio / 2**0.5, sr=rate, subtype="PCM_16")
    audiogen.write(elsewhere / "other.wav", audiogen.drum_loop(seed=77, bpm=133))
    with Store(path) as store:
        verdict = run_job(judge_newcomers(store, [str(elsewhere)]))
    loops = {os.path.basename(loop.path): loop for loop in verdict.loops}
    flac = loops["Drums 05.flac"]
    assert flac.same_audio_as == str(root / "drum 05.wav") and flac.copy_of is None
    assert flac.same_audio_level == -3.0
    assert loops["other.wav"].same_audio_as is None
    assert flac not in verdict.fitting
    assert main(["--library", str(path), "try", str(elsewhere / "Drums 05.flac"), "-q"]) == 0
    assert f"(the same audio as {root / 'drum 05.wav'}, 3.0 dB quieter)" in capsys.readouterr().out


def test_the_same_audio_is_found_among_the_nearest_loops_not_only_the_first(
    drums_library, tmp_path
):
    """A newcomer whose twin in the library is its second nearest loop (a look-alike of its
    pack first) is still named as the same audio; only the nearest was compared before."""
    import soundfile as sf

    from anomalizer_desktop.core.analysis.newcomers import Newcomer, _find_same_audio

    path, root = drums_library
    audio, rate = sf.read(root / "drum 05.wav", dtype="float32")
    flac = audiogen.write(tmp_path / "again" / "Drums 05.flac", audio / 2, sr=rate)
    with Store(path) as store:
        ids = {Path(r.path).name: r.id for r in store.list_samples()}
        other, twin = str(root / "drum 04.wav"), str(root / "drum 05.wav")
        loop = Newcomer(
            str(flac),
            nearest=[{"path": other}, {"path": twin}],
            nearest_ids=[ids["drum 04.wav"], ids["drum 05.wav"]],
        )
        _find_same_audio(store, loop)
        assert loop.same_audio_as == twin and loop.same_audio_level == -6.0
        alone = Newcomer(str(flac), nearest=[{"path": other}], nearest_ids=[ids["drum 04.wav"]])
        _find_same_audio(store, alone)
        assert alone.same_audio_as is None  # drum 04 lasts as long, and is another loop


def test_audio_files_are_the_files_named_and_those_in_folders(new_pack):
    found = audio_files([str(new_pack), str(new_pack / "pad.wav"), str(new_pack / "read me.txt")])
    assert [os.path.relpath(p, new_pack) for p in found] == [
        "beat a.wav",
        "broken.wav",
        "pad.wav",
        os.path.join("Sub", "beat b.wav"),
    ]


def test_newcomers_are_scored_by_the_latest_run_and_nothing_is_added(drums_library, new_pack):
    path, root = drums_library
    with Store(path) as store:
        before = store.counts_by_status()
        verdict = run_job(judge_newcomers(store, [str(new_pack), str(root / "drum 03.wav")]))
        after = store.counts_by_status()
        library = {r.path: r for r in store.list_samples()}
    assert before == after  # nothing was added
    names = [os.path.basename(n.path) for n in verdict.loops]
    # the described loops most unusual first, then the file that failed
    assert names[0] == "pad.wav" and names[-1] == "broken.wav"
    assert sorted(names[1:-1]) == ["beat a.wav", "beat b.wav", "drum 03.wav"]
    pad, broken = verdict.loops[0], verdict.loops[-1]
    assert pad.unusual and pad.percentile > 95
    beats = [n for n in verdict.loops if n.path.endswith(("beat a.wav", "beat b.wav"))]
    assert all(b.percentile < pad.percentile for b in beats)
    assert broken.error and broken.score is None and "not" in broken.error
    # a loop the library holds scores as it does there
    held = next(n for n in verdict.loops if n.path.endswith("drum 03.wav"))
    assert held.in_library and not pad.in_library
    assert held.score == pytest.approx(library[str(root / "drum 03.wav")].score, abs=1e-6)
    assert held.nearest[0]["path"] == str(root / "drum 03.wav")
    assert held.nearest[0]["distance"] == pytest.approx(0.0, abs=1e-3)
    # each beside the library loops it sounds most like, nearest first
    for loop in verdict.described:
        distances = [n["distance"] for n in loop.nearest]
        assert len(distances) == 3 and distances == sorted(distances)
        assert all(n["path"].startswith(str(root)) for n in loop.nearest)
    assert verdict.unusual == sum(n.unusual for n in verdict.loops) >= 1


def test_a_file_most_like_an_unusual_loop_of_the_library_says_so(tmp_path, capsys):
    """A pad tried against a library that holds pads among its odd loops "fits" (below the
    cut: the library has such loops); the loop it is most like is marked unusual itself."""
    root = audiogen.write_drum_loops(tmp_path / "Drums", range(16))
    audiogen.write(root / "odd pad.wav", audiogen.tone(523.0, 4.0))
    outside = tmp_path / "Outside"
    audiogen.write(outside / "pad.wav", audiogen.tone(528.0, 4.0))
    audiogen.write(outside / "beat.wav", audiogen.drum_loop(seed=40, bpm=110))
    path = embedded_library(tmp_path / "lib.sqlite", root, "default")
    with Store(path) as store:
        verdict = run_job(judge_newcomers(store, [str(outside)]))
    by_name = {os.path.basename(loop.path): loop for loop in verdict.loops}
    pad, beat = by_name["pad.wav"], by_name["beat.wav"]
    assert os.path.basename(pad.nearest[0]["path"]) == "odd pad.wav"
    assert pad.nearest[0]["unusual"] is True
    assert beat.nearest[0]["unusual"] is False
    assert main(["--library", str(path), "try", str(outside), "-q"]) == 0
    pad_line = next(line for line in capsys.readouterr().out.splitlines() if "pad.wav" in line)
    assert "odd pad.wav (" in pad_line and ", itself unusual)" in pad_line


def test_without_a_run_or_without_audio_it_says_why(tmp_path, new_pack):
    with Store(tmp_path / "empty.sqlite") as store:
        with pytest.raises(TrainError, match="no trained detector"):
            run_job(judge_newcomers(store, [str(new_pack)]))
        with pytest.raises(NewcomersError, match="no audio file"):
            run_job(judge_newcomers(store, [str(new_pack / "read me.txt")]))
        apple = new_pack / "Shaker.m4a"
        apple.write_bytes(b"\x00" * 64)
        with pytest.raises(NewcomersError) as said:
            run_job(judge_newcomers(store, [str(apple), str(new_pack / "read me.txt")]))
        assert str(said.value) == (
            "Shaker.m4a: a format anomalizer does not read"
            " (it reads WAV, AIFF, FLAC, CAF, Ogg Vorbis, Opus, MP3 and AU)"
        )


def test_try_prints_each_loop_s_verdict_or_json(capsys, drums_library, new_pack):
    path, _ = drums_library
    lib = str(path)
    assert main(["--library", lib, "try", str(new_pack), "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["run_id"] == 1 and out["embedder"] == "dsp"
    assert os.path.basename(out["loops"][0]["path"]) == "pad.wav"
    assert out["loops"][-1]["error"] and out["unusual"] >= 1
    assert set(out["loops"][0]) == {
        "path",
        "score",
        "percentile",
        "unusual",
        "nearest",
        "in_library",
        "copy_of",
        "same_audio_as",
        "same_audio_level_db",
        "error",
    }
    assert main(["--library", lib, "try", str(new_pack), "-q"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split()[:3] == ["unusual", "%", "verdict"]
    assert "unusual here" in lines[1] and "pad.wav" in lines[1]
    assert "would be above the unusual cut of run 1" in captured.out
    assert "broken.wav" in captured.err  # named, and the rest went on
    assert np.isfinite(out["loops"][0]["score"])


def test_a_batching_embedder_describes_in_process_and_names_what_failed(tmp_path):
    """CLAP's way (embed_files, in this process), with a stand-in embedder: no weights here."""
    from anomalizer_desktop.core.audio.decode import AudioDecodeError
    from anomalizer_desktop.core.embedding.job import describe_files

    class Batching:
        dim = 4

        def embed_files(self, paths):
            for path in paths:
                if path.endswith("bad.wav"):
                    yield path, AudioDecodeError(path, "unreadable", "cannot decode it")
                elif path.endswith("nan.wav"):
                    yield path, np.array([np.nan] * 4)
                else:
                    yield path, np.arange(4.0)

    out = dict(describe_files(Batching(), "clap", ["a.wav", "bad.wav", "nan.wav"]))
    assert out["a.wav"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert out["bad.wav"] == "cannot decode it"
    assert "no usable vector" in out["nan.wav"]


def test_a_cancelled_try_says_so(drums_library, new_pack):
    from anomalizer_desktop.core.jobs import CancelToken

    path, _ = drums_library
    token = CancelToken()
    token.cancel()
    with Store(path) as store, pytest.raises(NewcomersError, match="cancelled; nothing was added"):
        run_job(judge_newcomers(store, [str(new_pack)], token))


def test_the_nearest_library_loops_are_the_l1_nearest_at_any_size():
    from anomalizer_desktop.core.analysis import newcomers

    rng = np.random.default_rng(7)
    library = rng.standard_normal((6000, 40)).astype(np.float32)  # above EXACT_UP_TO
    queries = library[[5, 500, 5999]] + rng.normal(0, 0.01, (3, 40)).astype(np.float32)
    found = newcomers.nearest_rows(library, queries, 3)
    exact = [np.argsort(np.abs(library - q).sum(axis=1))[:3] for q in queries]
    for (rows, distances), expected, source in zip(found, exact, (5, 500, 5999), strict=True):
        assert rows[0] == source and rows.tolist() == expected.tolist()
        assert distances.tolist() == sorted(distances.tolist())
    small = newcomers.nearest_rows(library[:50], queries[:1], 3)  # every distance measured
    assert small[0][0].tolist() == np.argsort(np.abs(library[:50] - queries[0]).sum(1))[:3].tolist()


def test_the_loops_that_fit_are_copied_into_a_folder_and_nothing_is_written_over(
    drums_library, new_pack, tmp_path, capsys
):
    from anomalizer_desktop.core.analysis.newcomers import keep_newcomers

    path, root = drums_library
    with Store(path) as store:
        verdict = run_job(judge_newcomers(store, [str(new_pack), str(root / "drum 01.wav")]))
    fitting = [os.path.basename(n.path) for n in verdict.fitting]
    # not the pad (above the cut), not the library's own loop, not the broken file
    assert "pad.wav" not in fitting and "drum 01.wav" not in fitting
    assert set(fitting) <= {"beat a.wav", "beat b.wav"} and fitting
    assert verdict.pack_name() == "New Pack"  # the folder the loops from outside share
    target = tmp_path / "Library" / "New Pack"
    (target).mkdir(parents=True)
    (target / fitting[0]).write_bytes(b"mine")  # a file of that name: left as it is
    gone = str(new_pack / "gone.wav")
    kept = run_job(keep_newcomers([n.path for n in verdict.fitting] + [gone], str(target)))
    assert kept.already_there == [str(target / fitting[0])]
    assert (target / fitting[0]).read_bytes() == b"mine"
    assert [os.path.basename(p) for p in kept.copied] == fitting[1:]
    by_name = {os.path.basename(n.path): Path(n.path) for n in verdict.fitting}
    for copied in kept.copied:
        assert Path(copied).read_bytes() == by_name[os.path.basename(copied)].read_bytes()
    assert [p for p, _ in kept.failed] == [gone]
    assert not [f for f in os.listdir(target) if f.endswith(".part")]
    # the command line: --keep-fitting, with what it did in the JSON
    out_folder = tmp_path / "kept"
    argv = ["--library", str(path), "try", str(new_pack), "--keep-fitting", str(out_folder)]
    assert main([*argv, "--json", "-q"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(os.path.basename(p) for p in out["kept"]["copied"]) == sorted(fitting)
    assert sorted(os.listdir(out_folder)) == sorted(fitting)
