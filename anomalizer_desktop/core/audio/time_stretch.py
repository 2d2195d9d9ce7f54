"""Play a loop at another tempo without changing its pitch, or in another key at its tempo
(auditioning at a project's tempo and key).

A phase vocoder with identity phase locking (Laroche & Dolson 1999: each bin keeps its phase
relative to the spectral peak it belongs to, so a note stays one note instead of a chorus of
drifting bins) that leaves the hits alone: each onset lands exactly where the new tempo puts
it, the loop plays at its own speed for a frame around it (`_time_map`; the stretch is made up
between the hits), the frame at the hit starts afresh from the input's phases, and frames
that reach the hit from before hold only what comes before it (`_transients`). So a drum hit
stays a hit instead of a smear, a flam or an echo ahead of it. Both channels get one phase
rotation per bin, so the stereo image and the mono sum stay as they were.

The loop is treated as circular (its end runs on into its start), as Loop playback repeats it,
so the stretched loop repeats without a seam, and it lasts exactly round(frames / speed)
samples: a 4-bar loop at 128 BPM stretched to 120 BPM still lasts 4 bars.

Written with numpy rather than taken from librosa (`librosa.effects.time_stretch`): importing
librosa's effects module imports scipy.signal, scikit-learn and numba's caches, 2-4 s in the
window's process while a loop plays, and its plain phase vocoder has none of the above, so
drum loops (most loops) come out smeared (`anomalizer bench stretch`; README, Measured).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: the analysis frame, about 46 ms (2,048 samples at 44.1 or 48 kHz)
FRAME_SECONDS = 0.046
#: frames overlap four times
OVERLAP = 4
#: an onset: spectral flux at least this many times its median over the loop...
ONSET_OVER_MEDIAN = 3.0
#: ...and this share of its largest
ONSET_OF_MAX = 0.15
#: ...and at least this much per frequency bin (a steady tone's flux is a few hundredths, a
#: drum hit's several units): a held note or a pad is never cut
ONSET_PER_BIN = 0.1
#: two onsets closer than this are one
ONSET_GAP_S = 0.05
#: an onset is placed to this many samples (the block whose energy rises most)
ATTACK_BLOCK = 64
#: samples of the loop's other end put on each side before a pitch change resamples it
RESAMPLE_WRAP = 4096
#: frames analysed at once (memory: this many frames x 2 x the frame x the channels)
CHUNK = 128


def frame_length(rate: int) -> int:
    """The analysis frame at `rate`: the power of two nearest FRAME_SECONDS."""
    return int(2 ** round(np.log2(max(rate, 1000) * FRAME_SECONDS)))


class StretchCancelled(Exception):
    """`cancelled` said so: the loop is no longer wanted at this speed."""


def stretch(
    samples: np.ndarray,
    speed: float,
    rate: int,
    cancelled: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """`samples` ((frames,) or (frames, channels)) played `speed` times as fast, at the same
    pitch: round(frames / speed) frames, float32, in the input's shape. A loop too short for
    the analysis frame (under about 0.1 s) is resampled instead (its pitch moves with it).
    `cancelled` is asked every CHUNK frames (about 1.5 s of audio; StretchCancelled): a
    two-minute file takes seconds, and the player's thread has other loops to decode."""
    x = np.asarray(samples, dtype=np.float32)
    mono = x.ndim == 1
    if mono:
        x = x[:, None]
    n = len(x)
    length = max(1, round(n / speed))
    n_fft = frame_length(rate)
    if length == n:
        out = x.copy()
    elif min(n, length) < 2 * n_fft:
        out = _resampled(x, length)
    else:
        circle = _Circle(x, n_fft)  # one padded copy for the onsets and the frames
        out = _vocoded(circle, speed, length, _onsets(circle, rate), cancelled)
    return out[:, 0] if mono else out


def conform(
    samples: np.ndarray,
    speed: float,
    semitones: int,
    rate: int,
    cancelled: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """`samples` played `speed` times as fast and `semitones` higher (lower when negative):
    stretched by speed / the pitch ratio, then resampled by the ratio (soxr, with a stretch of
    the loop's other end on each side so that it still comes round without a seam).
    round(frames / speed) frames, float32, in the input's shape."""
    if semitones == 0:
        return stretch(samples, speed, rate, cancelled)
    import soxr  # librosa's resampler (a dependency), imported only when a key is synced

    ratio = 2.0 ** (semitones / 12)
    length = max(1, round(len(samples) / speed))
    stretched = stretch(samples, speed / ratio, rate, cancelled)
    wrap = min(len(stretched), RESAMPLE_WRAP)
    padded = np.concatenate([stretched[-wrap:], stretched, stretched[:wrap]])
    moved = soxr.resample(padded, rate * ratio, rate, quality="HQ")
    start = round(wrap / ratio)
    out = moved[start : start + length]
    if len(out) < length:  # rounding: a sample or two short
        out = np.concatenate([out, moved[: length - len(out)]])
    return np.ascontiguousarray(out, dtype=np.float32)


def _resampled(x: np.ndarray, length: int) -> np.ndarray:
    where = np.linspace(0, len(x) - 1, length)
    return np.stack(
        [np.interp(where, np.arange(len(x)), x[:, c]) for c in range(x.shape[1])], axis=1
    ).astype(np.float32)


def _window(n_fft: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


class _Circle:
    """The loop as a circle, cut into windowed frames: its channels padded with a frame's
    worth of its other end on each side, so that every frame is one contiguous slice."""

    def __init__(self, x: np.ndarray, n_fft: int) -> None:
        self.x, self.n, self.n_fft = x, len(x), n_fft
        padded = np.concatenate([x[-n_fft:], x, x[:n_fft]]).T.copy()  # (channels, samples)
        self.slices = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=1)
        self.window = _window(n_fft)

    def spectra(self, centres: np.ndarray, gate: np.ndarray | None = None) -> np.ndarray:
        """The spectra of the frames around `centres` (any integers; each frame's samples
        times `gate`, (frames, n_fft), where given): (frames, bins, channels)."""
        starts = centres % self.n + self.n_fft // 2
        shaped = self.window[None, :] if gate is None else self.window[None, :] * gate
        taken = self.slices[:, starts] * shaped[None]  # (channels, frames, n_fft)
        return np.fft.rfft(taken, axis=2).transpose(1, 2, 0)


def _onsets(circle: _Circle, rate: int) -> np.ndarray:
    """Where hits start (sample positions, sorted): the peaks of the spectral flux of the
    loop's channels together that stand out from the loop's own flux."""
    x, n_fft = circle.x, circle.n_fft
    hop = n_fft // OVERLAP
    centres = np.arange(0, len(x), hop)
    magnitude = np.concatenate(
        [
            np.abs(circle.spectra(centres[i : i + CHUNK])).sum(axis=2)
            for i in range(0, len(centres), CHUNK)
        ]
    )
    # compressed against the loop's loudest bin, so that a quiet loop's hits count as a loud one's
    level = np.log1p(magnitude * (1000.0 / max(float(magnitude.max()), 1e-12)))
    flux = np.maximum(level - np.roll(level, 1, axis=0), 0.0).sum(axis=1)
    threshold = max(
        ONSET_OVER_MEDIAN * float(np.median(flux)),
        ONSET_OF_MAX * float(flux.max()),
        ONSET_PER_BIN * magnitude.shape[1],
    )
    peak = (flux > threshold) & (flux > np.roll(flux, 1)) & (flux >= np.roll(flux, -1))
    kept: list[int] = []
    for centre in centres[peak]:
        position = _attack(x, int(centre), n_fft)
        if not kept or position - kept[-1] >= ONSET_GAP_S * rate:
            kept.append(position)
    return np.unique(np.asarray(kept, dtype=np.int64) % len(x))


def _attack(x: np.ndarray, centre: int, n_fft: int) -> int:
    """Where within the analysis frame around `centre` the hit starts, to the sample block:
    the block whose energy rises most over the block before it."""
    block = ATTACK_BLOCK
    offsets = np.arange(-n_fft // 2 - block, n_fft // 2) + centre
    energy = (x[offsets % len(x)] ** 2).sum(axis=1).reshape(-1, block).sum(axis=1)
    rise = np.diff(energy)
    return int(offsets[0] + block * (1 + int(np.argmax(rise))))


def _nearest_peaks(magnitude: np.ndarray) -> np.ndarray:
    """For each frame's bins (frames, bins), the bin of the spectral peak each belongs to (the
    nearest local maximum): identity phase locking's regions of influence."""
    frames, bins = magnitude.shape
    left = np.concatenate([np.full((frames, 1), -np.inf), magnitude[:, :-1]], axis=1)
    right = np.concatenate([magnitude[:, 1:], np.full((frames, 1), -np.inf)], axis=1)
    peak = (magnitude > left) & (magnitude >= right)
    index = np.broadcast_to(np.arange(bins), (frames, bins))
    before = np.maximum.accumulate(np.where(peak, index, -1), axis=1)
    after = np.minimum.accumulate(np.where(peak, index, bins)[:, ::-1], axis=1)[:, ::-1]
    no_before, no_after = before < 0, after >= bins
    nearer_after = (after - index) < (index - before)
    chosen = np.where(no_before | (nearer_after & ~no_after), after, before)
    return np.where(no_before & no_after, index, chosen)  # a frame without peaks: each bin


def _vocoded(
    circle: _Circle,
    speed: float,
    length: int,
    onsets: np.ndarray,
    cancelled: Callable[[], bool],
) -> np.ndarray:
    (n, channels), n_fft = circle.x.shape, circle.n_fft
    hop = n_fft // OVERLAP
    centres = np.arange(0, length, hop)  # the output frames, around the circle
    at = _time_map(centres, n, length, onsets, n_fft)  # their place in the input
    reset, cut = _transients(at, onsets, n, n_fft)
    expected = 2 * np.pi * np.arange(n_fft // 2 + 1) * hop / n_fft  # each bin's advance per hop
    # overlap-add in quarters: quarter q of frame j lands in hop-long slot j + q
    slots = len(centres) + OVERLAP
    out = np.zeros((slots, hop, channels), dtype=np.float64)
    weight = np.zeros((slots, hop), dtype=np.float64)
    phase = np.zeros(n_fft // 2 + 1)  # the output's phase of the reference, last frame
    inside = np.arange(n_fft)
    for start in range(0, len(centres), CHUNK):
        if cancelled():
            raise StretchCancelled
        block = slice(start, start + CHUNK)
        gate = (inside[None, :] < cut[block, None]).astype(np.float32)  # (frames, n_fft)
        now = circle.spectra(at[block], gate)
        before = circle.spectra(at[block] - hop, gate)
        # per bin, the channel with the most energy is the phase reference of all of them
        strongest = np.argmax(np.abs(now) + np.abs(before), axis=2)[..., None]
        angle = np.angle(np.take_along_axis(now, strongest, axis=2)[..., 0])
        earlier = np.angle(np.take_along_axis(before, strongest, axis=2)[..., 0])
        advance = expected + (angle - earlier - expected + np.pi) % (2 * np.pi) - np.pi
        peaks = _nearest_peaks(np.abs(now).sum(axis=2))
        rotation = np.zeros_like(angle)
        for j in range(len(angle)):  # the one step that runs frame by frame
            if not reset[start + j]:
                rotation[j] = (phase + advance[j] - angle[j])[peaks[j]]
            phase = angle[j] + rotation[j]
        shaped = circle.window[None, :] * gate
        frames = np.fft.irfft(now * np.exp(1j * rotation)[..., None], n=n_fft, axis=1)
        frames *= shaped[:, :, None]
        count = len(angle)
        for q in range(OVERLAP):
            quarter = slice(q * hop, (q + 1) * hop)
            out[start + q : start + q + count] += frames[:, quarter]
            weight[start + q : start + q + count] += shaped[:, quarter].astype(np.float64) ** 2
    out, weight = out.reshape(-1, channels), weight.reshape(-1)
    half = n_fft // 2  # sample `half` of the buffer is the output's first: fold the rest round
    circle_out = out[half : half + length].copy()
    norm = weight[half : half + length].copy()
    circle_out[length - half :] += out[:half]
    norm[length - half :] += weight[:half]
    tail, tail_weight = out[half + length :], weight[half + length :]
    circle_out[: len(tail)] += tail
    norm[: len(tail)] += tail_weight
    return (circle_out / np.maximum(norm, 1e-2)[:, None]).astype(np.float32)


def _time_map(
    centres: np.ndarray, n: int, length: int, onsets: np.ndarray, n_fft: int
) -> np.ndarray:
    """Where in the input each output frame is taken from. Each onset lands exactly where the
    new tempo puts it, and around it (a quarter frame before it to a frame after it) the input
    plays at its own speed, so the frames that hold a hit all put it at the same moment
    (stretched, each frame would put it a little elsewhere: a flam, or an echo ahead of the
    hit); between the hits the loop is stretched to join them up. Hits too close together for
    that keep less at their own speed (at most 60 % of the gap to the next)."""
    ratio = length / n
    points_in, points_out = [0.0], [0.0]
    onsets = np.unique(onsets[(onsets >= 0) & (onsets < n)])
    for i, onset in enumerate(onsets):
        anchor = onset * ratio
        gap_before = onset if i == 0 else onset - onsets[i - 1]
        gap_after = (n if i == len(onsets) - 1 else onsets[i + 1]) - onset
        room_before = 0.4 * min(gap_before, gap_before * ratio)
        room_after = 0.6 * min(gap_after, gap_after * ratio)
        if i == 0:  # nothing to share the room with before the first hit
            room_before = min(onset, anchor)
        if i == len(onsets) - 1:
            room_after = min(n - onset, length - anchor)
        before = min(n_fft / 4, room_before)
        after = min(float(n_fft), room_after)
        points_in += [onset - before, onset + after]
        points_out += [anchor - before, anchor + after]
    points_in.append(float(n))
    points_out.append(float(length))
    return np.rint(np.interp(centres, points_out, points_in)).astype(np.int64) % n


def _transients(
    at: np.ndarray, onsets: np.ndarray, n: int, n_fft: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which output frames start afresh from the input (`reset`: the first whose analysis
    reaches a quarter frame past an onset, and the very first), and where within each frame
    the input is cut off (`cut`, n_fft for nowhere): a frame before an onset's reset that
    would reach the hit holds only what comes before it, so the hit sounds once, where its
    reset frame puts it, instead of leaking in ahead of it (pre-echo)."""
    half = n_fft // 2
    reset = np.zeros(len(at), dtype=bool)
    reset[0] = True
    cut = np.full(len(at), n_fft, dtype=np.int64)
    for onset in onsets:
        for place in (onset - n, onset, onset + n):  # the circle: an onset near either end
            first = int(np.searchsorted(at, place - half // 2))
            if first < len(at) and at[first] < place + half:
                reset[first] = True
            lo = int(np.searchsorted(at, place - half, side="right"))
            for j in range(lo, min(first, len(at))):
                cut[j] = min(cut[j], place - at[j] + half)
    return reset, cut
