"""The tempo heard in a loop's sound (`core.audio.heard_tempo`): whole bars of four repeat
within themselves, and nothing else gets a tempo."""

import audiogen
import numpy as np
import pytest

from anomalizer_desktop.core.audio.heard_tempo import SAMPLE_RATE, hear_tempo

SR = audiogen.SR


def bars_of(bpm: float, bars: int, seed: int = 0, sr: int = SR) -> np.ndarray:
    return audiogen.drum_loop(seconds=bars * 240.0 / bpm, bpm=bpm, sr=sr, seed=seed)


@pytest.mark.parametrize(
    ("bpm", "bars", "heard"),
    [
        (120.0, 2, 120.0),
        (96.0, 1, 96.0),
        (128.0, 4, 128.0),
        (140.0, 2, 140.0),
        # one bar faster than 160 BPM stays one bar; slower than 80 is heard twice as fast
        (174.0, 1, 174.0),
        (70.0, 2, 140.0),
    ],
)
def test_a_loop_of_whole_bars_is_heard_at_its_tempo(bpm, bars, heard):
    assert hear_tempo(bars_of(bpm, bars), SR) == heard


def test_the_tempo_is_the_length_s_to_two_decimals_and_whole_within_a_few_samples():
    y = bars_of(121.46, 2)  # lmms' 909beat01 is 2 bars at 121.46 BPM
    assert hear_tempo(y, SR) == pytest.approx(240 * 2 / (len(y) / SR), abs=0.006)
    exact = bars_of(120.0, 2)
    assert hear_tempo(exact[:-5], SR) == 120.0  # 5 samples short of 2 bars still reads 120


def test_stereo_and_other_rates_are_heard_alike():
    mono = bars_of(110.0, 2)
    assert hear_tempo(np.stack([mono, 0.5 * mono], axis=1), SR) == 110.0
    assert hear_tempo(bars_of(110.0, 2, sr=SAMPLE_RATE), SAMPLE_RATE) == 110.0


@pytest.mark.parametrize(
    "sound",
    [
        "cut off the beat",
        "in three",
        "one-shot",
        "tone",
        "noise",
        "silence",
        "too short",
        "too long",
    ],
)
def test_sounds_that_are_not_loops_of_whole_bars_get_no_tempo(sound):
    if sound == "cut off the beat":  # two and a quarter bars
        y = audiogen.drum_loop(seconds=2.25 * 2.0, bpm=120.0)
    elif sound == "in three":  # a waltz: a hit each beat, accents each third of a second bar
        y = _waltz(bpm=120.0, bars=2)
    elif sound == "one-shot":  # a hit fading out in a 2-s file
        y = np.zeros(2 * SR, np.float32)
        hit = audiogen.drum_loop(seconds=0.3, bpm=200.0)
        y[: hit.size] = hit * np.exp(-np.arange(hit.size) / SR * 10)
    elif sound == "tone":
        y = audiogen.tone(220.0, seconds=4.0)
    elif sound == "noise":
        y = audiogen.noise(seconds=4.0)
    elif sound == "silence":
        y = np.zeros(4 * SR, np.float32)
    elif sound == "too short":
        y = bars_of(240.0, 1)  # one second
    else:
        y = bars_of(120.0, 16)  # 32 s: longer than a loop is listened to
    assert hear_tempo(y, SR) is None


def _waltz(bpm: float, bars: int) -> np.ndarray:
    """Bars of three: a kick on each bar's first beat, hats on the others."""
    beat = 60.0 / bpm
    n = int(bars * 3 * beat * SR)
    y = np.zeros(n, np.float32)
    t = np.arange(int(0.25 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    hat = np.random.default_rng(0).normal(0, 0.3, t.size) * np.exp(-t * 80)
    for i in range(bars * 3):
        start = int(i * beat * SR)
        part = kick if i % 3 == 0 else hat
        end = min(n, start + part.size)
        y[start:end] += part[: end - start]
    return y


@pytest.mark.parametrize("freq", [330.0, 440.0, 55.0])
def test_a_steady_tone_whose_length_is_whole_bars_gets_no_tempo(freq):
    """A 2-s sine is one bar at 120 BPM by its length, and its frames wobble by a hundredth
    of a dB with the phase of its waves: that wobble came round each half and quarter of it,
    and the tone was "heard" at 120 BPM."""
    y = audiogen.tone(freq, seconds=2.0, sr=SAMPLE_RATE)
    assert hear_tempo(y, SAMPLE_RATE) is None
