"""Audition loops: an always-open sounddevice stream, a decoded cache, decode-ahead.

Loops play in stereo where the device has two outputs (a loop's width is part of how it
sounds: until 2026-11-30 every loop was heard as its mono mix); a mono loop plays on both.

The output stream stays open and plays silence between loops, so starting a loop is a buffer
swap picked up by the next audio block (a few ms), not a device open. After IDLE_PAUSE_S
without a loop playing it pauses (the device stays open) and starts again with the next loop:
left running, an idle window kept a thread waking every 5 ms to send silence, kept the sound
server mixing it and the device from sleeping, all day. Loops are decoded at the
device's rate into a small LRU cache, and the neighbours of the selection are decoded ahead on a
background thread. A loop that is not in the cache yet is decoded off the GUI thread too
(`fetch`; a two-minute OGG takes about half a second), so moving through a library never
freezes the window: `play` starts it once it is decoded, unless another was asked for since.
Without an audio device the player says so once and playing is a no-op.

With a project tempo set (Sync … BPM), a loop that declares a tempo plays stretched to it,
its pitch kept, and with a project key, a loop that declares a key plays moved into it
(core.audio.tempo_sync, core.audio.time_stretch): made on the same background threads, kept in
a cache of their own, and positions stay in the loop's own seconds, so the waveform's cursor
and a click on it mean the same place either way.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from anomalizer_desktop.core.audio.decode import AudioDecodeError, load_audio
from anomalizer_desktop.core.audio.tempo_sync import sync
from anomalizer_desktop.core.audio.time_stretch import StretchCancelled, conform

MAX_SECONDS = 120.0  # longest audition; longer files play their first two minutes
BLOCK = 256
#: the decoded loops kept beyond the newest, by size: 48 two-minute stereo files at 48 kHz
#: would hold 2.2 GB (loops of a few seconds: a few MB)
CACHE_BYTES = 384 << 20
#: the loops kept at the project's tempo and key (the current one and its neighbours, at the
#: last tempo or two), by count and by size
STRETCHED_KEPT, STRETCHED_BYTES = 8, 192 << 20
#: how a loop plays: (speed, semitones); as it was recorded
Form = tuple[float, int]
AS_RECORDED: Form = (1.0, 0)
#: no audio block asked for in this long, while the stream runs (it asks every 5 ms, playing
#: silence when idle): the device has gone (a USB interface unplugged, headphones off)
SILENT_DEVICE_S = 2.0
#: the stream pauses after this long with no loop playing (see the module)
IDLE_PAUSE_S = 30.0
#: with levels matched, each loop plays with its loud part at about this RMS (-20 dBFS)...
MATCH_RMS = 0.1
#: ...unless that would lift its peak over this (-1 dBFS): a one-shot is raised only so far
MATCH_PEAK = 10 ** (-1 / 20)
#: the loud part: the 90th percentile of the loop's power in blocks of 50 ms
LOUD_BLOCK_S, LOUD_QUANTILE = 0.05, 0.9


def file_stamp(path: str) -> tuple[int, int] | None:
    """(size, modification time in ns) of the file, None when it cannot be looked at."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_size, info.st_mtime_ns


class AudioPlayer(QObject):
    playing_changed = Signal(bool)
    position_changed = Signal(float)  # seconds into the current loop
    message = Signal(str)  # for the status bar
    #: (path, samples at the device rate) or (path, why it cannot be decoded), on the GUI thread
    decoded = Signal(str, object)
    #: the output went away and was opened again (True) or could not be (False)
    output_changed = Signal(bool)
    #: (path, (speed, semitones), the samples so) or (path, form, why not), on the GUI thread
    stretched = Signal(str, object, object)

    def __init__(self, device: str | int | None = None, cache_size: int = 48, parent=None) -> None:
        super().__init__(parent)
        self.available = False
        self.problem = ""
        self.rate = 44_100
        self.channels = 2  # the stream's; 1 on a device with a single output
        self.loop = False
        self.volume = 0.8
        #: play each loop at about the same loudness (see level_gain)
        self.match_levels = False
        self._gain = 1.0  # the playing loop's, when levels are matched
        #: the project's tempo and key loops play at (Sync … BPM); None: each at its own
        self.project_tempo: float | None = None
        self.project_key: str | None = None
        self._form: Form = AS_RECORDED  # (speed, semitones) of the playing loop
        #: the tempo and key the playing loop declares
        self._declared: tuple[float | None, str | None] = (None, None)
        #: loops at a (speed, semitones), by (path, speed, semitones)
        self._stretched: OrderedDict[tuple[str, float, int], np.ndarray] = OrderedDict()
        #: the stretches being made, by the same key: set when each is done (or given up)
        self._stretching: dict[tuple[str, float, int], threading.Event] = {}
        self.current_path: str | None = None
        self.last_latency_ms: float | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        #: the true peaks of cached loops scaled down to full scale to play (float files > 1)
        self._hot_peaks: dict[str, float] = {}
        #: the gain that matches each cached loop's level (level_gain)
        self._gains: dict[str, float] = {}
        #: each cached loop's file as it was decoded (`file_stamp`): a file saved again since
        #: (an audio editor, a new export over it) is decoded anew, never heard as it was
        self._stamps: dict[str, tuple[int, int] | None] = {}
        self._lock = threading.Lock()
        self._buffer: np.ndarray | None = None
        self._pos = 0
        self._requested_at: float | None = None
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode-ahead")
        self._fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode-now")
        self._wanted: str | None = None  # the loop the window waits for; older asks are dropped
        self._in_flight: set[str] = set()  # asked for and not yet delivered: not asked again
        self._ahead: set[str] = set()  # the loops the last preload asked for
        #: play this (path, start, (speed, semitones)) once it is decoded (and stretched); a
        #: start of None is where the same loop is playing by then (a new tempo while it plays)
        self._pending: tuple[str, float | None, Form] | None = None
        self._stream = None
        self._device = device
        self._last_block = time.monotonic()  # when the stream last asked for audio
        #: said once the window is up: the chosen output was not there, the default plays
        self.note = ""
        self._open(device)
        if not self.available and device is not None:  # unplugged since it was chosen
            self._open(None)
            if self.available:
                self.note = f"{device} is not connected: playing through the system default."
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)
        self._paused = False  # the stream stopped while idle, to start with the next loop
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(int(IDLE_PAUSE_S * 1000))
        self._idle_timer.timeout.connect(self._pause_while_idle)
        self._idle_timer.start()
        self._was_playing = False
        self.decoded.connect(self._on_decoded)  # queued: emitted from the decoding thread
        self.stretched.connect(self._on_stretched)

    # ------------------------------------------------------------------ device
    def _open(self, device) -> None:
        try:
            import sounddevice as sd

            info = sd.query_devices(device, kind="output")
            self.rate = int(info["default_samplerate"]) or 44_100
            self.channels = 2 if int(info.get("max_output_channels", 2)) >= 2 else 1
            self._stream = sd.OutputStream(
                samplerate=self.rate,
                channels=self.channels,
                dtype="float32",
                blocksize=BLOCK,
                latency="low",
                device=device,
                callback=self._callback,
            )
            self._stream.start()
            self.available = True
        except Exception as error:  # no PortAudio, no device, device busy...
            self.problem = f"No audio output ({_short(error)}): playback is off, all else works."
            self.available = False

    def close(self) -> None:
        self._timer.stop()
        self._idle_timer.stop()
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # closing a broken device must not crash the app's exit
                pass
        self._decoder.shutdown(wait=False, cancel_futures=True)
        self._fetcher.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ audio thread
    def _callback(self, outdata, frames, _time, _status) -> None:
        self._last_block = time.monotonic()
        with self._lock:
            buffer, pos = self._buffer, self._pos
            if buffer is None:
                outdata.fill(0)
                return
            if self._requested_at is not None:
                self.last_latency_ms = (time.perf_counter() - self._requested_at) * 1000
                self._requested_at = None
            out = outdata  # (frames, channels); a mono loop's one column goes to both
            filled = 0
            while filled < frames:
                chunk = buffer[pos : pos + frames - filled]
                out[filled : filled + len(chunk)] = chunk * (self.volume * self._gain)
                filled += len(chunk)
                pos += len(chunk)
                if pos >= len(buffer):
                    if self.loop and len(buffer):
                        pos = 0
                    else:
                        out[filled:] = 0
                        self._buffer = None
                        break
            self._pos = pos

    # ------------------------------------------------------------------ decoding
    def decode(self, path: str) -> np.ndarray:
        """The loop at the device rate as (frames, channels), stereo or mono (a mono loop on a
        stereo device stays one column), from the cache or decoded now (AudioDecodeError if
        bad)."""
        cached = self.cached(path)
        if cached is not None:
            return cached
        stamp = file_stamp(path)  # (before reading: a save meanwhile is seen next time)
        samples = load_audio(
            path, self.rate, max_seconds=MAX_SECONDS, stereo=self.channels == 2
        ).samples
        if samples.ndim == 1:
            samples = samples[:, None]
        peak = max(float(samples.max(initial=0.0)), -float(samples.min(initial=0.0)))
        if peak > 1.0:  # a float file over full scale plays at full scale, not clipped
            samples = samples / peak
        with self._lock:
            self._cache[path] = samples
            self._stamps[path] = stamp
            if peak > 1.0:
                self._hot_peaks[path] = peak
            self._gains[path] = level_gain(samples, self.rate, min(peak, 1.0))
            kept = sum(loop.nbytes for loop in self._cache.values())
            while len(self._cache) > 1 and (
                len(self._cache) > self._cache_size or kept > CACHE_BYTES
            ):
                gone, loop = self._cache.popitem(last=False)
                self._hot_peaks.pop(gone, None)
                self._gains.pop(gone, None)
                self._stamps.pop(gone, None)
                kept -= loop.nbytes
        return samples

    def hot_peak(self, path: str) -> float | None:
        """The file's own peak (full scale = 1) where the player scaled a float file louder
        than full scale down to play it; None where the samples are the file's own level."""
        with self._lock:
            return self._hot_peaks.get(path)

    def preload(
        self,
        paths: list[str],
        tempos: list[float | None] | None = None,
        keys: list[str | None] | None = None,
    ) -> None:
        """Decode these loops in the background (the neighbours of the selection), and stretch
        them to the project's tempo and key where they declare one (`tempos` and `keys`, in
        their order)."""
        tempos = tempos or [None] * len(paths)
        self._ahead = set(paths)  # a stretch for a loop no longer beside the selection stops
        for path, tempo, key in zip(paths, tempos, keys or [None] * len(paths), strict=True):
            if not path:
                continue
            form = self.form_for(tempo, key)
            if form != AS_RECORDED and self.cached_stretch(path, form) is None:
                self._decoder.submit(self._quiet_stretch, path, form)
            elif form == AS_RECORDED and self.cached(path) is None:
                self._decoder.submit(self._quiet_decode, path)

    def _quiet_decode(self, path: str) -> None:
        with contextlib.suppress(AudioDecodeError, OSError):  # reported when actually played
            self.decode(path)

    def _quiet_stretch(self, path: str, form: Form) -> None:
        """Stretch a neighbour ahead, unless the selection has moved on past it (a held Down
        key queues a stretch per loop: 0.1-0.3 s each, where a decode ahead takes 10 ms)."""

        def passed() -> bool:  # (the loop now waited for to play is not passed: see stretch)
            pending = self._pending
            return path not in self._ahead and (pending is None or pending[0] != path)

        if passed():
            return
        with contextlib.suppress(AudioDecodeError, OSError, StretchCancelled):
            self.stretch(path, form, passed)

    # ------------------------------------------------------------------ the project's tempo
    def form_for(self, tempo: float | None, key: str | None = None) -> Form:
        """(speed, semitones) a loop that declares `tempo` and `key` plays at now (AS_RECORDED:
        as it is)."""
        chosen = sync(tempo, self.project_tempo, key, self.project_key)
        return (chosen.speed, chosen.semitones)

    def cached_stretch(self, path: str, form: Form) -> np.ndarray | None:
        self._forget_if_saved_again(path)
        with self._lock:
            return self._stretched_now((path, *form))

    def _stretched_now(self, key: tuple[str, float, int]) -> np.ndarray | None:
        """The stretched loop if it is cached (now its newest entry); the lock is held."""
        samples = self._stretched.get(key)
        if samples is not None:
            self._stretched.move_to_end(key)
        return samples

    def stretch(
        self, path: str, form: Form, cancelled: Callable[[], bool] = lambda: False
    ) -> np.ndarray:
        """The loop at the device rate, at (speed, semitones), from the cache or made now
        (30-40 ms per second of stereo audio on one core; StretchCancelled once `cancelled`
        says so). Made once: a loop asked for to play while its stretch ahead runs on the
        other thread (the loop below, after Down) waits for that one."""
        key = (path, *form)
        self._forget_if_saved_again(path)
        while True:
            with self._lock:
                done = self._stretched_now(key)
                if done is not None:
                    return done
                running = self._stretching.get(key)
                if running is None:
                    running = self._stretching[key] = threading.Event()
                    break
            while not running.wait(0.05):  # then from the cache, or made here if it gave up
                if cancelled():
                    raise StretchCancelled
        try:
            samples = conform(self.decode(path), *form, self.rate, cancelled)
            with self._lock:
                self._stretched[key] = samples
                kept = sum(loop.nbytes for loop in self._stretched.values())
                while len(self._stretched) > 1 and (
                    len(self._stretched) > STRETCHED_KEPT or kept > STRETCHED_BYTES
                ):
                    kept -= self._stretched.popitem(last=False)[1].nbytes
        finally:
            with self._lock:
                del self._stretching[key]
            running.set()
        return samples

    def _stretch_for_play(self, path: str, form: Form) -> None:
        """On the fetching thread: stretch the loop `play` waits for, unless the wait is over
        (another loop, tempo or key asked for since)."""

        def given_up() -> bool:
            pending = self._pending
            return pending is None or (pending[0], pending[2]) != (path, form)

        if given_up():
            return
        try:
            samples = self.stretch(path, form, given_up)
        except StretchCancelled:  # another loop or tempo was asked for meanwhile
            return
        except (AudioDecodeError, OSError) as error:
            self.stretched.emit(path, form, str(getattr(error, "message", error)))
        else:
            self.stretched.emit(path, form, samples)

    def _on_stretched(self, path: str, form: Form, result) -> None:
        """Start the stretched loop `play` was waiting for (on the GUI thread)."""
        pending = self._pending
        if pending is None or (pending[0], pending[2]) != (path, form):
            return
        self._pending = None
        if isinstance(result, str):
            self.message.emit(f"Cannot play {path}: {result}")
            return
        self._start(path, result, pending[1], form)

    def set_project(self, tempo: float | None, key: str | None = None) -> None:
        """Play loops at `tempo` and in `key` (None: each at its own) from now on; the loop
        playing goes on at them from where it is, once it is stretched."""
        self.project_tempo, self.project_key = tempo, key
        form = self.form_for(*self._declared)
        if self._pending is not None:  # a loop waiting to start starts at the new tempo
            path, start, waited_for = self._pending
            if form != waited_for:
                self.play(path, start, *self._declared)
        elif self.is_playing() and self.current_path is not None and form != self._form:
            self.play(self.current_path, None, *self._declared)

    def cached(self, path: str) -> np.ndarray | None:
        """The decoded loop if it is in the cache (and now its most recent entry), else None
        (also when its file was saved again since it was decoded)."""
        self._forget_if_saved_again(path)
        with self._lock:
            samples = self._cache.get(path)
            if samples is not None:
                self._cache.move_to_end(path)
            return samples

    def _forget_if_saved_again(self, path: str) -> None:
        """Drop the loop's decoded and stretched forms when its file is not what was decoded
        (saved again, or gone): a stat, microseconds."""
        with self._lock:
            if path not in self._stamps:
                return
            known = self._stamps[path]
        if file_stamp(path) == known and known is not None:
            return
        with self._lock:
            self._cache.pop(path, None)
            self._stamps.pop(path, None)
            self._hot_peaks.pop(path, None)
            self._gains.pop(path, None)
            for key in [key for key in self._stretched if key[0] == path]:
                del self._stretched[key]

    def fetch(self, path: str) -> bool:
        """Have `path` decoded without blocking the caller: `decoded` brings the samples (or
        the reason they cannot be had), at once when they are cached (then True). Only the
        latest fetch counts: one asked for before it and not started yet is skipped."""
        self._wanted = path
        if self._pending is not None and self._pending[0] != path:
            self._pending = None  # a loop asked for earlier must not start when it arrives
        samples = self.cached(path)
        if samples is not None:
            self.decoded.emit(path, samples)
            return True
        if path not in self._in_flight:  # else the decode under way will deliver it
            self._in_flight.add(path)
            self._fetcher.submit(self._fetch, path)
        return False

    def _fetch(self, path: str) -> None:
        try:
            if path != self._wanted:  # the selection moved on while this waited
                return
            try:
                samples = self.decode(path)
            except (AudioDecodeError, OSError) as error:
                self.decoded.emit(path, str(getattr(error, "message", error)))
            else:
                self.decoded.emit(path, samples)
        finally:
            self._in_flight.discard(path)

    def _on_decoded(self, path: str, result) -> None:
        """Start the loop `play` was waiting for (on the GUI thread)."""
        pending = self._pending
        if pending is None or pending[0] != path or pending[2] != AS_RECORDED:
            return
        self._pending = None
        if isinstance(result, str):
            self.message.emit(f"Cannot play {path}: {result}")
            return
        self._start(path, result, pending[1])

    # ------------------------------------------------------------------ transport
    def play(
        self,
        path: str,
        start: float | None = 0.0,
        tempo: float | None = None,
        key: str | None = None,
    ) -> bool:
        """Play `path` from `start` seconds of it (the beginning when that is past its end;
        None: where it is playing now), at the project's tempo and in its key where it
        declares a `tempo` and a `key`: at once when it is decoded (and stretched), else as
        soon as it is (`fetch`). False (with a message) when there is no audio output."""
        if not self.available:
            self.message.emit(self.problem)
            return False
        if not self._resume():
            return False
        self._declared = (tempo, key)
        form = self.form_for(tempo, key)
        as_recorded = form == AS_RECORDED
        samples = self.cached(path) if as_recorded else self.cached_stretch(path, form)
        if samples is None:
            self._pending = (path, start, form)
            if as_recorded:
                self.fetch(path)
            else:
                self._wanted = path  # a decode asked for before this one is not needed now
                self._fetcher.submit(self._stretch_for_play, path, form)
            return True
        self._start(path, samples, start, form)
        return True

    def _start(
        self, path: str, samples: np.ndarray, start: float | None, form: Form = AS_RECORDED
    ) -> None:
        """Play `samples` (the loop at `form`: speed, semitones) from `start` seconds of the
        loop as recorded; None: from where the same loop is playing now (a new tempo), else
        the top."""
        speed = form[0]
        self._pending = None
        if start is None:
            start = self.position() if self.is_playing() and self.current_path == path else 0.0
        offset = int(max(0.0, start) / speed * self.rate)
        with self._lock:
            self._requested_at = time.perf_counter()
            self._buffer, self._pos = samples, offset if offset < len(samples) else 0
            self._form = form
            self._gain = self._gains.get(path, 1.0) if self.match_levels else 1.0
        self.current_path = path
        self._timer.start()

    def _pause_while_idle(self) -> None:
        """No loop has played for IDLE_PAUSE_S: stop the stream (aborted: it plays silence),
        keeping the device open for the next loop."""
        if self._stream is None or self._paused:
            return
        if self.is_playing() or self._pending:  # asked again once it is idle for as long
            self._idle_timer.start()
            return
        with contextlib.suppress(Exception):  # a device gone: found when the next loop starts
            self._stream.abort()
        self._paused = True

    def _resume(self) -> bool:
        """Start the stream again if it was paused while idle (a millisecond or so); a device
        gone meanwhile is opened again (the chosen one if it is back, else the default) and the
        loop plays on it. False when there is no output now."""
        if not self._paused:
            return True
        self._paused = False
        try:
            self._stream.start()
            self._last_block = time.monotonic()
            return True
        except Exception:
            self._switch(self._device, fall_back=True, rescan=True)
            self.message.emit(
                "The audio output had gone (was it unplugged?) and is open again."
                if self.available
                else self.problem
            )
            return self.available

    def stop(self) -> None:
        self._pending = None
        with self._lock:
            self._buffer, self._pos = None, 0
        self._tick()

    def toggle(self, path: str, tempo: float | None = None, key: str | None = None) -> None:
        waiting = self._pending is not None and self._pending[0] == path
        if waiting or (self.is_playing() and self.current_path == path):
            self.stop()
        else:
            self.play(path, tempo=tempo, key=key)

    def is_playing(self) -> bool:
        with self._lock:
            return self._buffer is not None

    def position(self) -> float:
        """Where the playing loop is, in seconds of the loop as recorded (at any tempo)."""
        with self._lock:
            return self._pos / self.rate * self._form[0]

    def set_loop(self, loop: bool) -> None:
        self.loop = loop

    def set_volume(self, volume: float) -> None:
        self.volume = float(np.clip(volume, 0.0, 1.0))

    def set_match_levels(self, on: bool) -> None:
        """Match levels on or off, for the loop playing too."""
        self.match_levels = bool(on)
        with self._lock:
            playing = self._buffer is not None and self.current_path is not None
            self._gain = self._gains.get(self.current_path, 1.0) if on and playing else 1.0

    def output_lost(self) -> bool:
        """The stream stopped, or stopped asking for audio: its device has gone."""
        if self._stream is None:
            return False
        try:
            active = bool(self._stream.active)
        except Exception:  # a stream whose device vanished may not even answer
            active = False
        return not active or time.monotonic() - self._last_block > SILENT_DEVICE_S

    def _reopen(self) -> None:
        """The device went away while a loop played (which then never ended: the window said
        Stop for good and played nothing more). Stop, and open the output again: the chosen
        device if it is back, else whatever the system's default is now; say so."""
        self._switch(self._device, fall_back=True, rescan=True)
        if self.available:
            self.message.emit(
                "The audio output stopped (was it unplugged?) and is open again: press Space"
                " to play on."
            )
        else:
            self.message.emit(self.problem)

    def use_device(self, device: str | None) -> None:
        """Play through `device` (a name PortAudio lists; None: the system's default) from
        now on, as Preferences > Audio output is changed; said in the status bar."""
        self._device = device
        self._switch(device)
        self.message.emit(
            f"Playing through {device or 'the system default output'}."
            if self.available
            else self.problem
        )

    def _switch(self, device: str | None, fall_back: bool = False, rescan: bool = False) -> None:
        """Stop, close the stream and open one on `device` (with `fall_back`, on the system
        default when that fails; with `rescan`, PortAudio's device list is read again first,
        once the stream is closed); loops decoded for another rate or width are dropped."""
        with self._lock:
            self._buffer, self._pos = None, 0
        before = (self.rate, self.channels)
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()
        self._stream = None
        if rescan:
            _rescan_devices()
        self._last_block = time.monotonic()
        self._paused = False
        self._idle_timer.start()  # a new stream, idle until a loop plays
        self._open(device)
        if not self.available and fall_back and device is not None:
            self._open(None)
        if (self.rate, self.channels) != before:  # loops are decoded at the device's rate
            with self._lock:
                self._cache.clear()
                self._stamps.clear()
                self._stretched.clear()
                self._hot_peaks.clear()
                self._gains.clear()
        self.output_changed.emit(self.available)

    def _tick(self) -> None:
        if self.is_playing() and self.output_lost():
            self._reopen()
        playing = self.is_playing()
        if playing:
            self.position_changed.emit(self.position())
        if playing != self._was_playing:
            self._was_playing = playing
            self.playing_changed.emit(playing)
        if not playing:
            self._timer.stop()
            self._idle_timer.start()


def level_gain(samples: np.ndarray, rate: int, peak: float | None = None) -> float:
    """The gain that plays `samples` ((frames, channels); `peak`: their largest magnitude,
    when known) with their loud part at MATCH_RMS, limited so their peak stays under
    MATCH_PEAK. The loud part is the LOUD_QUANTILE of the power in LOUD_BLOCK_S blocks: a
    one-shot's silent tail and a loop's quiet bars do not pull its level down."""
    if samples.size == 0:
        return 1.0
    if peak is None:
        peak = max(float(samples.max()), -float(samples.min()))
    if peak <= 1e-6:  # silence stays silent
        return 1.0
    block = max(1, int(LOUD_BLOCK_S * rate))
    power = np.einsum("ij,ij->i", samples, samples) / samples.shape[1]  # per frame, no copy
    whole = len(power) - len(power) % block
    blocks = power[:whole].reshape(-1, block).mean(axis=1) if whole else power.mean(keepdims=True)
    loud = float(np.quantile(blocks, LOUD_QUANTILE))
    wanted = MATCH_RMS / np.sqrt(loud) if loud > 0 else np.inf
    return float(min(wanted, MATCH_PEAK / peak))


def _rescan_devices() -> None:
    """PortAudio lists the devices once, as it starts: a device plugged in or out since is
    seen only after a restart of it (sounddevice's own way, its private _terminate and
    _initialize; see its issue #47)."""
    try:
        import sounddevice as sd

        sd._terminate()
        sd._initialize()
    except Exception:  # no PortAudio at all: _open says so
        pass


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:80]
