"""The same audio in files whose bytes differ: how two signals compare (core.audio.compare),
which loops are compared and what is kept (core.library.same_audio), the Why unusual? panel's
"same audio, elsewhere" and `anomalizer same-audio`."""

from __future__ import annotations

import json
import os
import shutil

import audiogen
import numpy as np
import pytest
import soxr

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.analysis.explain import explain
from anomalizer_desktop.core.audio.compare import (
    IDENTICAL_DB,
    SAME_BELOW_DB,
    compare_files,
    compare_signals,
)
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.jobs import CancelToken, run_job
from anomalizer_desktop.core.library.same_audio import (
    candidate_pairs,
    check_same_audio,
    same_audio_groups,
    same_audio_listing,
)
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store

SR = audiogen.SR


def test_the_same_recording_at_another_bit_depth_or_level_is_the_same_audio():
    loop = audiogen.drum_loop(seed=0)
    sixteen_bit = np.round(loop * 32767) / 32767
    same = compare_signals(loop, sixteen_bit)
    assert same.same and 60 < same.below_db < IDENTICAL_DB and abs(same.gain_db) < 0.01
    quieter = compare_signals(loop, 0.5 * loop)
    assert quieter.same and quieter.below_db == IDENTICAL_DB
    assert quieter.gain_db == pytest.approx(-6.02, abs=0.01)  # the second is 6 dB down
    assert compare_signals(loop, loop).below_db == IDENTICAL_DB


def test_other_loops_lengths_and_silence_are_not_the_same_audio():
    loop = audiogen.drum_loop(seed=0)
    other = compare_signals(loop, audiogen.drum_loop(seed=1))
    assert not other.same and other.below_db < 15
    shorter = compare_signals(loop, loop[: -SR // 50])  # 20 ms shorter: another cut
    assert not shorter.same and shorter.below_db == 0.0
    assert compare_signals(loop, loop[:-100]).same  # a few samples' padding is the same
    silence = np.zeros_like(loop)
    assert compare_signals(silence, silence).same
    assert not compare_signals(loop, silence).same and not compare_signals(silence, loop).same
    noisy = loop + np.random.default_rng(0).normal(0, 0.05, loop.size)  # -20 dB of noise
    assert not compare_signals(loop, noisy).same


def test_files_in_other_formats_and_sample_rates_compare_as_the_same(tmp_path):
    loop = audiogen.drum_loop(seed=2, sr=44_100)
    wav = audiogen.write(tmp_path / "a.wav", loop, sr=44_100, subtype="FLOAT")
    flac = audiogen.write(tmp_path / "b.flac", loop, sr=44_100, subtype="PCM_16")
    at_48k = soxr.resample(loop, 44_100, 48_000)
    aiff = audiogen.write(tmp_path / "c.aiff", np.stack([at_48k, at_48k], 1), sr=48_000)
    for other in (flac, aiff):
        likeness = compare_files(wav, other)
        assert likeness.same, (other, likeness)
        assert likeness.below_db >= SAME_BELOW_DB + 10
    different = audiogen.write(tmp_path / "d.wav", audiogen.drum_loop(seed=3, sr=44_100))
    assert not compare_files(wav, different).same


def test_candidates_are_pairs_of_one_length_with_close_vectors():
    durations = np.array([2.0, 2.0, 2.005, 4.0, 2.0])
    z = np.zeros((5, 3))
    z[4] = 5.0  # same length, another sound
    assert candidate_pairs(durations, z) == [(0, 1), (0, 2), (1, 2)]
    # only the pairs of new loops (those found before are not looked for again)
    new = np.array([False, False, True, False, False])
    assert candidate_pairs(durations, z, new) == [(0, 2), (1, 2)]
    assert candidate_pairs(durations, z, np.zeros(5, bool)) == []
    z[1, 0] = 0.3 * np.sqrt(3) + 0.01  # just over CANDIDATE_RMS from the others
    assert candidate_pairs(durations, z) == [(0, 2)]
    # a lossy file (an mp3 of a loop) strays further from it: a wider test where one is lossy
    lossy = np.array([False, True, False, False, False])
    assert candidate_pairs(durations, z, lossy=lossy) == [(0, 1), (0, 2), (1, 2)]
    assert candidate_pairs(np.array([1.0]), np.zeros((1, 3))) == []


def _recorded(loop: np.ndarray, level: float, seed: int) -> np.ndarray:
    """A synthetic loop as a recording is: at its own level, over a noise floor 70 dB down
    (a float file's exact silence between hits is not what packs hold)."""
    floor = np.random.default_rng(seed).normal(0, 10 ** (-70 / 20), loop.size)
    return (level * loop + floor).astype(np.float32)


@pytest.fixture
def twins_library(tmp_path):
    """Twelve drum loops and four bass loops of one length at levels 12 dB apart, and in
    "Pack B": drum_00 again as a 16-bit FLAC, drum_03 3 dB down as an AIFF, and a byte copy
    of drum_01 (a copy, not a twin)."""
    root = tmp_path / "Loops"
    levels = np.linspace(0.25, 1.0, 16)
    loops = {
        i: _recorded(audiogen.drum_loop(seed=i, bpm=100 + 2 * i), levels[i], i) for i in range(12)
    }
    for i, loop in loops.items():
        audiogen.write(root / "Pack A" / f"drum_{i:02d}.wav", loop, subtype="FLOAT")
    for i in range(4):
        bass = _recorded(audiogen.bass_loop(seed=i), levels[12 + i], 20 + i)
        audiogen.write(root / "Pack A" / f"bass_{i:02d}.wav", bass)
    audiogen.write(root / "Pack B" / "drum_00 copy.flac", loops[0], subtype="PCM_16")
    audiogen.write(root / "Pack B" / "quieter.aiff", loops[3] / 2**0.5, subtype="PCM_24")
    shutil.copy(root / "Pack A" / "drum_01.wav", root / "Pack B" / "drum_01.wav")
    path = tmp_path / "lib.sqlite"
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
    return path, root.resolve()


def _names(listing):
    return [[(os.path.relpath(p, p.rsplit("/", 2)[0]), level) for p, level in g] for g in listing]


def test_the_check_finds_the_twins_and_keeps_what_it_compared(twins_library):
    path, root = twins_library
    with Store(path) as store:
        checked = run_job(check_same_audio(store))
        assert checked.same == 2 and checked.compared >= 2 and not checked.unreadable
        assert _names(same_audio_listing(store)) == [
            [("Pack A/drum_00.wav", 0.0), ("Pack B/drum_00 copy.flac", 0.0)],
            [("Pack A/drum_03.wav", 0.0), ("Pack B/quieter.aiff", -3.0)],
        ]
        groups = same_audio_groups(store)
        ids = dict(store.execute("SELECT path, id FROM samples").fetchall())
        twins = [str(root / "Pack A/drum_00.wav"), str(root / "Pack B/drum_00 copy.flac")]
        assert groups[ids[twins[0]]] == groups[ids[twins[1]]]
        assert len(groups) == 4  # the byte copy of drum_01 is a copy, not a twin
        again = run_job(check_same_audio(store))  # nothing new: nothing decoded again
        assert again.compared == 0 and again.candidates == 0
    # a move keeps what was found (the pair is kept by the files' content)
    os.rename(root / "Pack B" / "quieter.aiff", root / "Pack B" / "drum_03 quiet.aiff")
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        assert run_job(check_same_audio(store)).compared == 0
        assert ("Pack B/drum_03 quiet.aiff", -3.0) in _names(same_audio_listing(store))[1]


def test_a_file_written_over_is_compared_again(twins_library):
    path, root = twins_library
    with Store(path) as store:
        run_job(check_same_audio(store))
        audiogen.write(root / "Pack B" / "quieter.aiff", audiogen.drum_loop(seed=30, bpm=106))
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        run_job(check_same_audio(store))
        assert len(same_audio_listing(store)) == 1  # drum_03's twin is another loop now


def test_an_unreadable_file_is_named_and_the_check_goes_on(twins_library):
    path, root = twins_library
    (root / "Pack B" / "drum_00 copy.flac").write_bytes(b"not audio any more")  # no rescan
    with Store(path) as store:
        checked = run_job(check_same_audio(store))
        flac = str(root / "Pack B" / "drum_00 copy.flac")
        assert list(checked.unreadable) == [flac] and checked.unreadable[flac]
        assert checked.same == 1  # the other pair was compared
        assert _names(same_audio_listing(store)) == [
            [("Pack A/drum_03.wav", 0.0), ("Pack B/quieter.aiff", -3.0)]
        ]
        # not kept as compared: once the file reads again, it is compared
        audiogen.write(root / "Pack B" / "drum_00 copy.flac", audiogen.drum_loop(seed=0))
        assert run_job(check_same_audio(store)).compared == 1


def test_a_cancelled_check_keeps_what_it_compared(twins_library):
    path, _ = twins_library
    cancel = CancelToken()
    with Store(path) as store:
        job = check_same_audio(store, cancel=cancel)
        try:
            while True:
                progress = next(job)
                if progress.total and progress.done == 1:
                    cancel.cancel()
        except StopIteration as stop:
            checked = stop.value
        assert checked.cancelled and checked.compared == 1
        kept = store.execute("SELECT COUNT(*) FROM audio_pairs").fetchone()[0]
        assert kept == 1
        assert run_job(check_same_audio(store)).compared == checked.candidates - 1


def test_why_unusual_lists_a_twin_as_the_same_audio_not_as_a_neighbour(twins_library):
    path, root = twins_library
    with Store(path) as store:
        run_job(check_same_audio(store))
        result = explain(store, str(root / "Pack A" / "drum_03.wav"))
    assert result.copies == [str(root / "Pack B" / "quieter.aiff")]
    assert result.copy_levels == {str(root / "Pack B" / "quieter.aiff"): -3.0}
    assert str(root / "Pack B" / "quieter.aiff") not in [n["path"] for n in result.neighbours]
    # the summary does not call another file of the same audio a copy
    assert "Your library holds its audio in 1 other file." in result.summary
    assert "cop" not in result.summary


def test_the_command_line_prints_the_groups(twins_library, capsys):
    path, _ = twins_library
    assert main(["--library", str(path), "same-audio", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["compared"] >= 2
    assert [[e["level_db"] for e in g] for g in out["groups"]] == [[0.0, 0.0], [0.0, -3.0]]
    assert main(["--library", str(path), "same-audio"]) == 0
    text = capsys.readouterr().out
    assert "4 loops in 2 groups: the same audio in different files" in text
    assert "-3.0 dB" in text and "quieter.aiff" in text
    assert main(["--library", str(path), "info"]) == 0
    said = capsys.readouterr().out  # (in the copies' column: "same audio" was one too wide)
    assert "\n          2 recordings in files with other bytes (4 loops" in said
    drum = str(path.parent / "Loops" / "Pack A" / "drum_03.wav")
    assert main(["--library", str(path), "explain", drum]) == 0
    assert "quieter.aiff  (another file, 3.0 dB quieter)" in capsys.readouterr().out


def test_the_bench_finds_every_planted_twin_and_reads_nothing_again():
    from anomalizer_desktop.core.library.same_audio_bench import NEW, TWINS, bench_same_audio

    report = bench_same_audio(rows=300)
    assert report["first_check"]["same"] == TWINS and report["first_check"]["compared"] == TWINS
    assert report["nothing_new"]["compared"] == 0
    assert report[f"after_{NEW}_new"]["same"] == NEW // 2
    assert report["groups_found"] == TWINS + NEW // 2


def test_an_export_takes_one_file_of_each_recording(twins_library, tmp_path, capsys):
    path, root = twins_library
    with Store(path) as store:
        run_job(check_same_audio(store))
    out = tmp_path / "set.m3u8"
    assert (
        main(["--library", str(path), "flag", str(root / "Pack A" / "drum_03.wav"), "--unusual"])
        == 0
    )
    flagged = ["--library", str(path), "export", "--format", "m3u8", "--flag", "unusual"]
    assert main([*flagged, str(out)]) == 0
    listed = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert listed == [str(root / "Pack A" / "drum_03.wav")]  # its AIFF twin, flagged too, once
    assert "1 copy of files already in it left out" in capsys.readouterr().out
    assert main([*flagged, "--keep-copies", "--overwrite", str(out)]) == 0
    listed = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert len(listed) == 2


def test_a_flag_from_the_command_line_goes_on_the_same_audio_too(twins_library, capsys):
    path, root = twins_library
    with Store(path) as store:
        run_job(check_same_audio(store))
    quiet = str(root / "Pack B" / "quieter.aiff")
    assert main(["--library", str(path), "flag", quiet, "--unusual", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["copies_flagged"] == 1
    with Store(path) as store:
        flagged = store.execute(
            "SELECT s.path FROM user_data u JOIN samples s ON s.id = u.sample_id"
            " WHERE u.flag = 'unusual' ORDER BY s.path"
        ).fetchall()
    assert flagged == [(str(root / "Pack A" / "drum_03.wav"),), (quiet,)]


def test_training_takes_one_recording_in_two_files_for_one_sound(tmp_path):
    """The detector sees a recording's files as copies: one training row, one score. Apart,
    the odd loop's twin would be its nearest neighbour and pull its score down."""
    from anomalizer_desktop.core.detector.model import ModelSpec
    from anomalizer_desktop.core.detector.training import train

    root = tmp_path / "Loops"
    for i in range(14):
        beat = audiogen.drum_loop(seed=i, bpm=100 + 2 * i)
        audiogen.write(root / "Drums" / f"beat {i}.wav", _recorded(beat, 0.4 + 0.04 * i, i))
    odd = _recorded(audiogen.bass_loop(seed=3), 0.8, 99)
    audiogen.write(root / "Odd" / "bass.wav", odd, subtype="FLOAT")
    audiogen.write(root / "Odd copy" / "bass 16.flac", odd, subtype="PCM_16")
    with Store(tmp_path / "lib.sqlite") as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        trained = run_job(train(store, ModelSpec("default"), "dsp", tmp_path / "models"))
        assert trained.trained_on == 16 and trained.distinct == 15  # compared inside train
        assert store.execute("SELECT COUNT(*) FROM audio_pairs WHERE below_db >= 30").fetchone()
        scores = dict(
            store.execute(
                "SELECT s.path, sc.score FROM scores sc JOIN samples s ON s.id = sc.sample_id"
                " WHERE s.path LIKE '%bass%'"
            ).fetchall()
        )
    assert len(set(scores.values())) == 1 and len(scores) == 2  # one sound, one score
    assert all(score > trained.threshold for score in scores.values())


def test_files_of_one_recording_are_compared_once_each_not_each_pair(tmp_path):
    """Five renders of one loop (other formats and levels): four comparisons, not ten, and
    one group of five."""
    root = tmp_path / "Loops"
    loop = _recorded(audiogen.drum_loop(seed=7), 0.7, 7)
    for i in range(12):
        other = _recorded(audiogen.drum_loop(seed=20 + i, bpm=100 + 3 * i), 0.3 + 0.05 * i, i)
        audiogen.write(root / "Beats" / f"beat {i}.wav", other)
    for i, (suffix, subtype) in enumerate(
        [("wav", "FLOAT"), ("flac", "PCM_16"), ("aiff", "PCM_24"), ("wav", "PCM_16")]
    ):
        audiogen.write(root / "Renders" / f"render {i}.{suffix}", loop, subtype=subtype)
    audiogen.write(root / "Renders" / "render 4.wav", loop * 0.9, subtype="PCM_24")
    with Store(tmp_path / "lib.sqlite") as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        checked = run_job(check_same_audio(store))
        listing = same_audio_listing(store)
    assert checked.same == 4 and checked.candidates >= 10
    assert checked.compared == checked.candidates - 6  # each pair known through a third skipped
    assert [len(group) for group in listing] == [5]
    assert dict((os.path.basename(p), level) for p, level in listing[0])["render 4.wav"] == -0.9


def test_a_lossy_file_of_a_loop_is_the_same_audio_by_its_spectrum(tmp_path):
    """An Ogg Vorbis of a loop differs from it sample by sample (about 20 dB down: as much as
    two takes), but not in its spectrum; another loop as an Ogg is not the same audio."""
    rate = 44_100
    loop = _recorded(audiogen.drum_loop(seed=4, sr=rate), 0.8, 4)
    flac = audiogen.write(tmp_path / "beat.flac", loop, sr=rate)
    ogg = audiogen.write(tmp_path / "beat.ogg", loop, sr=rate, format="OGG", subtype="VORBIS")
    likeness = compare_files(flac, ogg)
    assert likeness.below_db < SAME_BELOW_DB  # not by its samples...
    assert likeness.spectrum_db is not None and likeness.spectrum_db < 0.7  # ...by its spectrum
    assert likeness.same
    other = _recorded(audiogen.drum_loop(seed=5, sr=rate), 0.8, 5)
    other_ogg = audiogen.write(tmp_path / "other.ogg", other, sr=rate, format="OGG")
    assert not compare_files(flac, other_ogg).same
    # two lossless files are judged by their samples alone
    assert (
        compare_files(flac, audiogen.write(tmp_path / "b.wav", other, sr=rate)).spectrum_db is None
    )


def test_the_check_finds_a_lossy_copy_among_the_loops(tmp_path):
    root = tmp_path / "Loops"
    rate = 44_100
    for i in range(12):
        beat = _recorded(audiogen.drum_loop(seed=i, bpm=100 + 3 * i, sr=rate), 0.3 + 0.05 * i, i)
        audiogen.write(root / "Beats" / f"beat {i}.wav", beat, sr=rate)
        if i == 6:
            audiogen.write(root / "Previews" / "beat 6.ogg", beat, sr=rate, format="OGG")
    with Store(tmp_path / "lib.sqlite") as store:
        run_job(scan(store, [str(root)]))
        run_job(embed(store, "dsp", workers=1))
        checked = run_job(check_same_audio(store))
        assert checked.same == 1
        assert _names(same_audio_listing(store)) == [
            [("Beats/beat 6.wav", 0.0), ("Previews/beat 6.ogg", 0.0)]
        ]
        spectrum = store.execute("SELECT spectrum_db FROM audio_pairs WHERE same = 1").fetchone()
        assert spectrum[0] < 0.7


def test_the_corpus_bench_plants_copies_and_reports_what_the_check_joined(tmp_path, capsys):
    scenario = tmp_path / "corpus" / "beats"
    rows = ["path,label"]
    for i in range(10):
        name = f"normal/beat {i}.wav"
        loop = _recorded(audiogen.drum_loop(seed=i, bpm=100 + 3 * i), 0.3 + 0.06 * i, i)
        audiogen.write(scenario / name, loop)
        rows.append(f"{name},normal")
    audiogen.write(scenario / "outlier" / "tone.wav", _recorded(audiogen.tone(330, 2.0), 1, 50))
    rows.append("outlier/tone.wav,outlier")
    (scenario / "labels.csv").write_text("\n".join(rows) + "\n")
    assert main(["bench", "same-audio", "--corpus", str(tmp_path / "corpus"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    beats = report["scenarios"]["beats"]
    assert beats["copies"] == 6  # two copies of each of 3 loops (30 % of 11)
    assert beats["joined"] >= 4 and beats["other_loops_grouped"] == 0
    assert 0.0 <= beats["auc_apart"] <= 1.0 and 0.0 <= beats["auc_as_train_sees_them"] <= 1.0
    assert report["joined_share"] == round(beats["joined"] / 6, 3)
