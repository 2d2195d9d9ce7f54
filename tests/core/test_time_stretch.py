"""Auditioning at a project's tempo: the stretch keeps length, pitch, hits, image and seam;
the tempo choice plays half and double time rather than stretching twice over."""

from __future__ import annotations

import math

import numpy as np
import pytest
from audiogen import SR, drum_loop, tone

from anomalizer_desktop.core.audio.tempo_sync import AS_IT_IS, describe, key_shift, sync
from anomalizer_desktop.core.audio.time_stretch import StretchCancelled, conform, stretch


def _dominant_hz(y: np.ndarray, rate: int) -> float:
    middle = y[len(y) // 4 : 3 * len(y) // 4]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    return float(np.fft.rfftfreq(len(middle), 1 / rate)[np.argmax(spectrum)])


def _block_rms(y: np.ndarray, block: int = 1024) -> np.ndarray:
    whole = len(y) - len(y) % block
    return np.sqrt((y[:whole].reshape(-1, block) ** 2).mean(axis=1))


@pytest.mark.parametrize("speed", [0.5, 0.8, 1.25, 1.9])
def test_length_is_the_loop_at_its_new_speed_in_the_input_shape(speed):
    mono = drum_loop(seconds=2.0)
    stereo = np.stack([mono, 0.5 * mono], axis=1)
    for y in (mono, stereo):
        out = stretch(y, speed, SR)
        assert out.dtype == np.float32
        assert out.shape == (round(len(y) / speed), *y.shape[1:])
        assert np.isfinite(out).all()


def test_speed_one_gives_the_loop_back():
    y = drum_loop(seconds=1.0)
    out = stretch(y, 1.0, SR)
    np.testing.assert_array_equal(out, y)
    assert out is not y  # a copy: the player's cache keeps both


@pytest.mark.parametrize("speed", [0.75, 1.3])
def test_a_tone_keeps_its_pitch_and_a_steady_level(speed):
    y = tone(440.0, seconds=3.0)
    out = stretch(y, speed, SR)
    assert _dominant_hz(out, SR) == pytest.approx(440.0, rel=0.01)
    rms = _block_rms(out)
    assert rms.min() > 0.95 * _block_rms(y).mean()  # no beating or dropouts
    assert rms.max() < 1.05 * _block_rms(y).mean()


@pytest.mark.parametrize("target", [100.0, 140.0])
def test_drum_hits_land_on_the_new_beats_without_a_smear_ahead_of_them(target):
    """A 120 BPM drum loop played at 100 and 140 BPM: each eighth's hit starts where the new
    beat puts it (within 2 ms), and the 15 ms before it hold far less than the hit (the
    kick's tail from the hit before is most of what is there)."""
    bpm, seconds = 120.0, 4.0
    y = drum_loop(seconds=seconds, bpm=bpm)
    speed = target / bpm
    out = stretch(y, speed, SR)
    envelope = np.abs(out)
    step = 60.0 / bpm / 2 / speed  # an eighth, at the new tempo, in seconds
    late = []
    quiet_before = []
    for i in range(1, int(seconds / (60.0 / bpm / 2))):
        expected = round(i * step * SR)
        around = envelope[expected - int(0.02 * SR) : expected + int(0.02 * SR)]
        start = expected - int(0.02 * SR) + int(np.argmax(around > 0.3 * around.max()))
        late.append((start - expected) / SR)
        before = out[start - int(0.015 * SR) : start - int(0.001 * SR)]
        after = out[start : start + int(0.014 * SR)]
        quiet_before.append(float((before**2).sum() / (after**2).sum()))
    assert max(abs(d) for d in late) < 0.002
    assert 10 * math.log10(float(np.mean(quiet_before))) < -12  # dB: the hit is not smeared


def test_the_stereo_image_and_the_mono_sum_stay():
    left = drum_loop(seconds=2.0, seed=1)
    wide = np.stack([left, 0.5 * left], axis=1)  # panned left
    out = stretch(wide, 0.85, SR)
    loud = np.abs(out[:, 0]) > 0.05
    assert np.median(out[loud, 1] / out[loud, 0]) == pytest.approx(0.5, abs=0.01)
    side = np.stack([left, -left], axis=1)  # all side: its mono sum is silence
    out = stretch(side, 1.15, SR)
    assert np.abs(out.sum(axis=1)).max() < 1e-3 * np.abs(out).max()


def test_a_stretched_loop_repeats_without_a_seam():
    """A held tone of whole cycles at the new length comes round seamlessly; one that cannot
    (half a cycle over, the worst case) dips by about 3 dB for one block, never drops out."""
    y = tone(441.0, seconds=1.0)  # 441 whole cycles: the loop itself repeats seamlessly
    for speed, lowest in ((441 / 490, 0.95), (441 / 441.5, 0.65)):  # 490 and 441.5 cycles
        out = stretch(y, speed, SR)
        twice = np.concatenate([out, out])
        seam = len(out)
        around = _block_rms(twice[seam - 4096 : seam + 4096], block=512)
        assert around.min() > lowest * around.max()
        step = np.abs(np.diff(twice[seam - 8 : seam + 8])).max()
        assert step < 1.2 * np.abs(np.diff(out)).max()  # no click where it comes round


def test_silence_and_a_very_short_sound():
    assert not stretch(np.zeros(SR, dtype=np.float32), 0.9, SR).any()
    blip = tone(1000.0, seconds=0.05)  # shorter than two analysis frames: resampled
    out = stretch(blip, 0.5, SR)
    assert len(out) == 2 * len(blip)
    assert np.abs(out).max() == pytest.approx(np.abs(blip).max(), rel=0.05)


def test_a_stretch_stops_when_it_is_no_longer_wanted():
    asked = []

    def cancelled() -> bool:
        asked.append(True)
        return len(asked) > 2  # two blocks of frames done, then the user moved on

    with pytest.raises(StretchCancelled):
        stretch(drum_loop(seconds=30.0), 0.9, SR, cancelled)
    assert len(asked) == 3


@pytest.mark.parametrize(
    ("loop", "project", "speed", "feel"),
    [
        (128.0, 120.0, 120 / 128, ""),
        (120.0, 120.0, 1.0, ""),
        (70.0, 140.0, 1.0, "half time"),  # its beats are two of the project's: not 2x as fast
        (170.0, 85.0, 1.0, "double time"),
        (90.0, 140.0, 140 / 180, "half time"),  # 0.78 is nearer 1 than 1.56
        (100.0, 141.0, 1.41, ""),
    ],
)
def test_the_speed_nearest_one_of_beat_for_beat_half_and_double_time(loop, project, speed, feel):
    chosen = sync(loop, project)
    assert chosen.speed == pytest.approx(speed)
    assert chosen.feel == feel


def test_a_loop_without_a_tempo_or_no_project_tempo_plays_as_it_is():
    assert sync(None, 120.0) == AS_IT_IS
    assert sync(float("nan"), 120.0) == AS_IT_IS
    assert sync(128.0, None) == AS_IT_IS
    assert describe(None, 120.0) == ""
    assert describe(128.0, None) == ""
    assert describe(128.0, 120.0) == "plays at 120 BPM"
    assert describe(70.0, 140.0) == "plays at 140 BPM as half time"
    assert describe(95.5, 87.5) == "plays at 87.5 BPM"


@pytest.mark.parametrize(
    ("loop", "project", "semitones"),
    [
        ("Am", "C", 0),  # the relative minor: the same notes
        ("C", "Am", 0),
        ("Am", "Am", 0),
        ("Em", "C", 5),  # to Am, C's relative minor: up 5 rather than down 7
        ("F#m", "Am", 3),
        ("G", "C", 5),
        ("D", "C", -2),
        ("C", "F#", -6),  # a tritone goes down
        ("Bbm", "Db", 0),
        (None, "C", 0),
        ("Am", None, 0),
    ],
)
def test_a_loop_moves_by_the_fewest_semitones_into_the_key_or_its_relative(
    loop, project, semitones
):
    assert key_shift(loop, project) == semitones


def test_tempo_and_key_together_and_what_the_title_says():
    chosen = sync(120.0, 100.0, "Am", "Bm")
    assert chosen.speed == pytest.approx(100 / 120) and chosen.semitones == 2
    assert sync(None, 100.0, "Am", "Bm") == (1.0, "", 2)  # no tempo: the key alone
    assert sync(None, 100.0, "Am", "Bm").as_recorded is False
    assert sync(None, 100.0, None, "Bm").as_recorded is True
    assert describe(120.0, 100.0, "Am", "Bm") == "plays at 100 BPM, 2 semitones up"
    assert describe(120.0, 100.0, "Am", "C") == "plays at 100 BPM, in key"
    assert describe(None, 100.0, "D", "C") == "plays 2 semitones down"
    assert describe(None, 100.0, "G", "Ab") == "plays 1 semitone up"
    assert describe(None, 100.0, None, "C") == ""


@pytest.mark.parametrize(("speed", "semitones"), [(1.0, 2), (1.0, -5), (0.9, 3), (1.2, -1)])
def test_a_key_change_moves_the_pitch_and_keeps_the_length(speed, semitones):
    y = tone(440.0, seconds=2.0)
    out = conform(y, speed, semitones, SR)
    assert out.dtype == np.float32 and len(out) == round(len(y) / speed)
    assert _dominant_hz(out, SR) == pytest.approx(440.0 * 2 ** (semitones / 12), rel=0.01)
    rms = _block_rms(out)
    assert rms.min() > 0.9 * _block_rms(y).mean()
    wide = np.stack([y, 0.5 * y], axis=1)
    both = conform(wide, speed, semitones, SR)
    loud = np.abs(both[:, 0]) > 0.05
    assert both.shape == (len(out), 2)
    assert np.median(both[loud, 1] / both[loud, 0]) == pytest.approx(0.5, abs=0.01)
