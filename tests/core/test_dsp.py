"""The DSP embedder: fixed length, finite, deterministic, and it tells different sounds apart."""

from __future__ import annotations

import json

import audiogen
import numpy as np
import pytest

from anomalizer_desktop.core.embedding import get_embedder
from anomalizer_desktop.core.embedding.dsp_features import (
    FEATURE_DIM,
    describe,
    feature_groups,
    feature_names,
)


def test_groups_tile_the_vector():
    groups = feature_groups()
    assert set(groups) == {"timbre", "dynamics", "rhythm", "pitch", "tonality", "texture", "length"}
    covered = sorted(i for s in groups.values() for i in range(s.start, s.stop))
    assert covered == list(range(FEATURE_DIM))


def test_same_file_same_vector_and_fixed_length(tmp_path):
    embedder = get_embedder("dsp")
    path = audiogen.write(tmp_path / "d.wav", audiogen.drum_loop())
    first, second = embedder.embed_file(path), embedder.embed_file(path)
    assert first.shape == (embedder.dim,) == (FEATURE_DIM,)
    assert first.dtype == np.float32
    np.testing.assert_array_equal(first, second)


def test_edge_signals_give_finite_vectors():
    for y in (
        np.zeros(22050, np.float32),
        np.zeros(10, np.float32),
        audiogen.tone(seconds=0.01),
        np.ones(22050, np.float32) * 0.5,
    ):
        vector = describe(y, len(y) / 22050)
        assert np.isfinite(vector).all()
        assert vector.shape == (FEATURE_DIM,)


def test_drums_are_closer_to_drums_than_to_bass():
    groups = feature_groups()
    drums = [describe(audiogen.drum_loop(seed=s), 2.0) for s in range(4)]
    bass = [describe(audiogen.bass_loop(seed=s), 2.0) for s in range(4)]
    matrix = np.stack(drums + bass)
    z = (matrix - matrix.mean(0)) / (matrix.std(0) + 1e-6)
    within = np.linalg.norm(z[0] - z[1])
    across = np.linalg.norm(z[0] - z[4])
    assert within < across
    # a steady tone has a far more concentrated chroma profile than drums
    pitch = groups["pitch"]
    tone = describe(audiogen.tone(440, 2.0), 2.0)
    assert tone[pitch][-1] > 2 * matrix[:4, pitch][:, -1].max()
    assert tone[pitch][:12].argmax() == 9  # A


def test_tempo_feature_finds_the_loop_tempo_up_to_an_octave():
    rhythm = feature_groups()["rhythm"]
    tempo_index = 3  # log2(bpm)
    for bpm in (80, 90, 120, 140):
        log2_tempo = describe(audiogen.drum_loop(seconds=8, bpm=bpm), 8.0)[rhythm][tempo_index]
        octave_error = (log2_tempo - np.log2(bpm)) % 1.0
        assert min(octave_error, 1 - octave_error) < 0.05, bpm


def test_mel_filterbank_matches_librosa():
    import librosa

    from anomalizer_desktop.core.embedding.filterbanks import mel_filterbank

    ours = mel_filterbank(22050, 2048, 64)
    reference = librosa.filters.mel(sr=22050, n_fft=2048, n_mels=64)
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-7)


def test_chroma_filterbank_puts_a440_in_class_a():
    from anomalizer_desktop.core.embedding.filterbanks import chroma_filterbank

    bank = chroma_filterbank(22050, 2048)
    bin_440 = round(440 * 2048 / 22050)
    assert bank[:, bin_440].argmax() == 9  # A
    assert bank[:, 0].sum() == 0  # DC votes for nothing


def test_texture_separates_tonal_from_percussive():
    texture = feature_groups()["texture"]
    drums = describe(audiogen.drum_loop(), 2.0)[texture]
    tone = describe(audiogen.tone(330, 2.0), 2.0)[texture]
    assert tone[0] > 0.9  # a steady tone is almost all tonal
    assert drums[0] < 0.3  # a drum loop is mostly percussive


def _tonality(y: np.ndarray) -> dict[str, float]:
    names = ("periodicity", "pitched_share", "hnr", "pitch_range", "typical_pitch", "movement")
    values = describe(y, len(y) / 22050)[feature_groups()["tonality"]][[0, 4, 5, 6, 7, 8]]
    return dict(zip(names, values, strict=True))


def test_tonality_tells_pitched_from_unpitched():
    tone = _tonality(audiogen.tone(330, 2.0))
    noise = _tonality(audiogen.noise(2.0))
    assert tone["periodicity"] > 0.95 and tone["pitched_share"] == 1.0
    assert noise["periodicity"] < 0.3 and noise["pitched_share"] == 0.0
    assert tone["hnr"] > noise["hnr"] + 20  # dB
    assert abs(tone["typical_pitch"] - np.log2(330)) < 0.05  # octaves
    assert tone["pitch_range"] < 0.01 and tone["movement"] == 0.0


def test_tonality_hears_a_moving_bass_line_and_not_a_dull_hum():
    bass = _tonality(audiogen.bass_loop(seed=1))
    assert bass["pitched_share"] > 0.9
    assert 41 / 2**0.1 < 2 ** bass["typical_pitch"] < 74 * 2**0.1  # within its notes' range
    assert bass["pitch_range"] > 0.1 and bass["movement"] > 0.0
    # low-passed noise is smooth from sample to sample but has no period: not pitched
    dull = np.convolve(audiogen.noise(2.0), np.ones(40) / 40, mode="same").astype(np.float32)
    assert _tonality(dull)["pitched_share"] < 0.2


def _held(y: np.ndarray) -> tuple[float, float, float]:
    """(energy in partials held ~0.12 s, held ~0.25 s, energy in any tonal peak)."""
    tonality = describe(y, len(y) / 22050)[feature_groups()["tonality"]]
    return float(tonality[13]), float(tonality[14]), float(tonality[11])


def test_held_partials_tell_notes_from_hits():
    bass, drums = _held(audiogen.bass_loop(seed=1)), _held(audiogen.drum_loop())
    assert bass[0] > drums[0] + 0.1 and bass[1] > drums[1] + 0.1
    assert _held(audiogen.noise(2.0))[:2] == (0.0, 0.0)  # noise holds no partial
    tone = _held(audiogen.tone(330, 2.0))
    assert tone[0] == tone[1] == pytest.approx(tone[2])  # every peak of a steady tone is held


def test_held_partials_are_held_over_consecutive_frames_only():
    """60 ms tone bursts four times a second hold their partial for ~0.12 s, never ~0.25 s:
    the bursts are not joined across the silence between them."""
    y = np.zeros(2 * 22050, np.float32)
    t = np.arange(int(0.06 * 22050)) / 22050
    burst = 0.3 * np.sin(2 * np.pi * 330 * t) * np.hanning(t.size)
    for start in range(0, y.size - t.size, 22050 // 4):
        y[start : start + t.size] += burst
    short, long, peaks = _held(y)
    assert short > 0.2 and long == 0.0 and peaks > 0.2


def test_tonality_of_silence_is_all_zeros():
    vector = describe(np.zeros(22050, np.float32), 1.0)
    assert not vector[feature_groups()["tonality"]].any()


@pytest.mark.parametrize("hz", [41.2, 110.0, 330.0, 659.3, 880.0, 987.8])
def test_typical_pitch_is_right_across_the_range_without_octave_errors(hz):
    # the period of the higher notes falls between two lags of the autocorrelation
    assert 2 ** _tonality(audiogen.tone(hz, 2.0))["typical_pitch"] == pytest.approx(hz, rel=0.005)


def test_timbre_describes_the_sound_not_the_silence_after_it():
    """A snare-like hit with 1.5 s of near-silence after it has the timbre of the hit alone
    (DSP v4) and its length (DSP v7: the near-silence, 80 dB down, is not part of it); its
    dynamics still say it is mostly quiet."""
    groups = feature_groups()
    t = np.arange(int(0.25 * 22050)) / 22050
    rng = np.random.default_rng(0)
    hit = (rng.standard_normal(t.size) * 0.5 + np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 18)
    hit = hit.astype(np.float32)
    padded = np.concatenate([hit, rng.standard_normal(int(1.5 * 22050)).astype(np.float32) * 1e-4])
    short, long = describe(hit, 0.25), describe(padded, 1.75)
    timbre = groups["timbre"]
    other = describe(audiogen.tone(190, 0.25), 0.25)  # a different sound of the same length
    assert (
        np.abs(long[timbre] - short[timbre]).mean()
        < 0.2 * np.abs(other[timbre] - short[timbre]).mean()
    )
    assert long[groups["length"]][0] == pytest.approx(short[groups["length"]][0], abs=1e-6)
    silence_share = 5  # dynamics: share of frames below -60 dB
    assert long[groups["dynamics"]][silence_share] > short[groups["dynamics"]][silence_share]


def test_every_dimension_has_its_own_name_in_a_producers_words():
    names = feature_names()
    assert len(names) == FEATURE_DIM == len(set(names))
    assert names[0] == "energy around 51 Hz (mean)"  # the lowest mel band, by its centre
    assert "energy around 1080 Hz (variation)" in names and "energy around 2.0 kHz (mean)" in names
    assert "peaks over noise (contrast) below 200 Hz (mean)" in names
    assert "peaks over noise (contrast) 6.4 kHz-11.0 kHz (variation)" in names
    assert not any("mel band" in name for name in names)


def test_every_dimension_says_what_its_deviation_means_in_plain_words():
    from anomalizer_desktop.core.analysis.explain import amount, clause
    from anomalizer_desktop.core.embedding.dsp_words import feature_phrases

    names, phrases = feature_names(), feature_phrases()
    assert len(phrases) == len(names) == FEATURE_DIM
    for lower, higher in phrases:
        for text in (lower, higher):
            said = text.format(much="far")
            assert said.startswith(("it ", "its ", "one ", "the ", "how ")) and "{" not in said

    def says(name: str, z: float) -> str:
        return clause(phrases[names.index(name)], z)

    # the pair follows the names loop for loop: spot checks in every group
    assert (
        says("energy around 51 Hz (mean)", -2.0)
        == "it has clearly less energy around 51 Hz than usual"
    )
    assert says("brightness (spectral centroid) (mean)", 5.0) == "it sounds far brighter than usual"
    assert "below 200 Hz" in says("peaks over noise (contrast) below 200 Hz (variation)", 1.0)
    assert says("average loudness", 8.0) == "it is far louder than usual"
    assert says("attack time", -1.0) == "it reaches its loudest slightly sooner than usual"
    assert says("tempo", 2.0) == "its tempo is clearly faster than usual"
    assert "every 2.00 s" in says("periodicity at 2.00 s", 8.0)
    assert (
        says("pitch class G (variation)", 3.0)
        == "the note G comes and goes clearly more than usual"
    )
    assert says("pitch spread (chroma entropy)", -8.0) == (
        "its notes spread over far fewer pitches than usual"
    )
    assert says("held partials per frame", 2.0) == "it holds clearly more notes at once than usual"
    assert says("tonal share, highs", -4.0) == "its highs are far more percussive than usual"
    assert says("length", 0.5) == "it is slightly longer than usual"
    # an MFCC's sign means nothing to a listener: both ways read the same
    mfcc = names.index("timbre coefficient MFCC 10 (mean)")
    assert clause(phrases[mfcc], 3.0) == clause(phrases[mfcc], -3.0)
    assert [amount(z) for z in (0.3, -1.5, 3.9, -4.0, 8.0)] == [
        "slightly",
        "clearly",
        "clearly",
        "far",
        "far",
    ]


def _hit_with_a_long_tail(seed: int = 0, hz: float = 120.0) -> np.ndarray:
    """A tom-like hit ringing out over 2 s: its float tail falls far below what 16 bits hold."""
    t = np.arange(2 * 22050) / 22050
    rng = np.random.default_rng(seed)
    body = np.sin(2 * np.pi * hz * t) + 0.3 * rng.standard_normal(t.size) * np.exp(-t * 40)
    return (0.9 * body * np.exp(-t * 9)).astype(np.float32)


def test_level_and_bit_depth_do_not_move_the_sound(tmp_path):
    """DSP v6: the same hit as a 32-bit float file and as a 16-bit file 12 dB down is one
    sound: only its loudness and peak loudness tell them apart (by the 12 dB), and the rest
    moves less than a twentieth of the way to another hit. Before, the 16-bit file's noise
    floor and the quieter level moved the log-mel bands and the rhythm group."""
    embedder = get_embedder("dsp")
    y = _hit_with_a_long_tail()
    loud = embedder.embed_file(audiogen.write(tmp_path / "float.wav", y, subtype="FLOAT"))
    quiet = embedder.embed_file(audiogen.write(tmp_path / "quiet16.wav", y / 4, subtype="PCM_16"))
    other = embedder.embed_file(
        audiogen.write(tmp_path / "other.wav", _hit_with_a_long_tail(1, 95.0), subtype="FLOAT")
    )
    names = feature_names()
    level = [names.index("average loudness"), names.index("peak loudness")]
    np.testing.assert_allclose(quiet[level] - loud[level], 20 * np.log10(1 / 4), atol=0.05)
    for group, part in feature_groups().items():
        kept = np.setdiff1d(np.arange(part.start, part.stop), level)
        moved, apart = np.abs(quiet - loud)[kept].sum(), np.abs(other - loud)[kept].sum()
        # DSP v5: the timbre group moved 3x as far as the other hit is, dynamics 30x
        assert moved <= 0.05 * apart + 1e-3, group


def test_silence_before_the_first_sound_does_not_move_the_sound():
    """DSP v6: 10 ms (or 30 ms) of silence ahead of a hit shifted every analysis frame against
    it, and moved short sounds' descriptors half the way to another loop. (Its length does not
    move either since DSP v7: see the next test.)"""
    y = _hit_with_a_long_tail()
    other = describe(_hit_with_a_long_tail(1, 95.0), 2.0)
    plain = describe(y, 2.0)
    length = feature_groups()["length"]
    for lead_s in (0.01, 0.03):
        padded = np.concatenate([np.zeros(int(lead_s * 22050), np.float32), y])
        shifted = describe(padded, 2.0)  # the same stated length: only the frames move
        for group, part in feature_groups().items():
            if part == length:
                continue
            moved = np.abs(shifted[part] - plain[part]).sum()
            apart = np.abs(other[part] - plain[part]).sum()
            assert moved <= 0.01 * apart + 1e-3, (lead_s, group, moved, apart)


def _seconds_long(vector: np.ndarray) -> float:
    return float(np.expm1(vector[feature_groups()["length"]][0]))


def test_the_silence_after_a_sound_is_not_its_length():
    """DSP v7: a sound lasts from its first sound until it has faded 40 dB under its peak.
    Before, 0.5 s of silence an export left after a one-shot moved a shared loop 0.8 of the
    way to its nearest other loop, mostly through the file's length."""
    y = _hit_with_a_long_tail()  # a 2 s file that fades 40 dB in about half a second
    alone = _seconds_long(describe(y, 2.0))
    assert 0.4 < alone < 0.6
    for lead_s, after_s in ((0.0, 0.5), (0.02, 1.5)):
        padded = np.concatenate(
            [
                np.zeros(int(lead_s * 22050), np.float32),
                y,
                np.zeros(int(after_s * 22050), np.float32),
            ]
        )
        seconds = _seconds_long(describe(padded, padded.size / 22050))
        assert seconds == pytest.approx(alone, abs=1e-3), (lead_s, after_s)
    # a loop that sounds to its end is as long as its file: its length is its bars
    loop = audiogen.bass_loop(2.0)
    assert _seconds_long(describe(loop, 2.0)) == pytest.approx(2.0, abs=0.02)
    # a file longer than what was read (ANALYSIS_SECONDS) lasts to its end, less the silence ahead
    heard = np.concatenate([np.zeros(2205, np.float32), audiogen.tone(seconds=3.0)])
    assert _seconds_long(describe(heard, 45.1)) == pytest.approx(45.0, abs=1e-3)


def test_bench_robustness_reports_every_form_and_the_vector_barely_moves(tmp_path, capsys):
    """`anomalizer bench robustness`: each form of each file is embedded and compared with the
    file's 16-bit reference, as a share of the way to its nearest other loop."""
    from anomalizer_desktop.cli import main
    from anomalizer_desktop.core.embedding.robustness_bench import FORMS, robustness_report

    for seed in range(3):
        audiogen.write(tmp_path / f"drums {seed}.wav", audiogen.drum_loop(seconds=1, seed=seed))
        audiogen.write(tmp_path / "bass" / f"bass {seed}.flac", audiogen.bass_loop(1, seed=seed))
    (tmp_path / "notes.txt").write_text("not audio")
    report = robustness_report(tmp_path, workers=1)
    assert report["files"] == 6
    forms = report["forms"]
    assert set(forms) | {"MP3"} == set(FORMS) - {"16-bit WAV"} | {"MP3"}
    assert all(form["files"] == 6 for name, form in forms.items() if name != "MP3")
    assert forms["32-bit float"]["median"] <= 0.01
    for name in ("16-bit, 6 dB down", "float, 12 dB down", "10 ms of silence ahead"):
        assert forms[name]["p90"] < 0.25, name
    assert main(["bench", "robustness", "--corpus", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forms"]["24-bit"]["files"] == 6
    # too few files: one line, no traceback
    assert main(["bench", "robustness", "--corpus", str(tmp_path / "bass" / "none")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"anomalizer: {tmp_path / 'bass' / 'none'}: 0 readable audio files;"
        " the bench compares 3 or more"
    )
