"""Decoding: every awkward-but-valid file works, every broken file gets its own clear message."""

from __future__ import annotations

from pathlib import Path

import audiogen
import numpy as np
import pytest
import soundfile as sf

from anomalizer_desktop.core.audio import AudioDecodeError, is_audio_path, load_audio, probe
from anomalizer_desktop.core.audio import identity as identity_module
from anomalizer_desktop.core.audio.identity import content_hash, content_hashes, identify


@pytest.mark.parametrize(("name", "kind"), [(n, k) for n, (_, k) in audiogen.BROKEN.items()])
def test_broken_files_raise_a_clear_error_of_the_right_kind(tmp_path, name, kind):
    maker, _ = audiogen.BROKEN[name]
    path = maker(tmp_path / name)
    with pytest.raises(AudioDecodeError) as caught:
        load_audio(path, 22050)
    assert caught.value.kind == kind
    assert caught.value.path == str(path)
    assert "Error opening" not in caught.value.message  # never libsndfile's raw text alone


def test_messages_name_the_problem(tmp_path):
    messages = {}
    for name, (maker, _) in audiogen.BROKEN.items():
        with pytest.raises(AudioDecodeError) as caught:
            probe(maker(tmp_path / name))
        messages[name] = caught.value.message
    assert messages["empty.wav"] == "empty file (0 bytes)"
    assert "0 samples" in messages["header_only.wav"]
    assert "truncated" in messages["truncated_header.wav"]
    assert messages["readme.wav"].startswith("not an audio file")
    assert "Ogg Vorbis inside WAV" in messages["ogg_in_wav.wav"]
    assert "0x674F" in messages["ogg_in_wav.wav"]


def test_an_mp3_without_audio_is_not_said_to_be_missing(tmp_path):
    """An ID3 tag alone (a download cut off inside its tag): libsndfile says the file "does
    not exist or is not a regular file", which would send the user looking for a file that is
    right there."""
    path = tmp_path / "cut off.mp3"
    path.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10)
    with pytest.raises(AudioDecodeError) as caught:
        probe(path)
    assert caught.value.message == "damaged or unsupported MP3 file (no audio found in it)"


def test_nan_and_inf_samples_are_refused_at_decode(tmp_path):
    path = audiogen.nan_wav(tmp_path / "nan.wav")
    probe(path)  # the header is fine
    with pytest.raises(AudioDecodeError) as caught:
        load_audio(path)
    assert caught.value.kind == "non_finite"
    assert "NaN" in caught.value.message


def test_samples_far_beyond_full_scale_are_refused_and_hot_ones_kept(tmp_path):
    """Integers written as floats (a 16-bit loop's 32,767) overflow the spectrum: refused with
    what they are; a float file a few dB over full scale is ordinary and decodes."""
    y = audiogen.tone(seconds=0.5)
    ints = audiogen.write(
        tmp_path / "ints_as_floats.wav", y / np.abs(y).max() * 32767.0, subtype="FLOAT"
    )
    with pytest.raises(AudioDecodeError) as caught:
        load_audio(ints)
    assert caught.value.kind == "out_of_range"
    assert "32,767 times full scale (+90 dB)" in caught.value.message
    assert "integers written as floats" in caught.value.message
    damaged = audiogen.write(tmp_path / "damaged.wav", y * 1e30, subtype="FLOAT")
    with pytest.raises(AudioDecodeError, match=r"reach \+\d+ dB over full scale: a damaged"):
        load_audio(damaged)
    hot = audiogen.write(tmp_path / "hot.wav", y / np.abs(y).max() * 4.0, subtype="FLOAT")
    assert np.abs(load_audio(hot).samples).max() == pytest.approx(4.0, rel=1e-3)


def test_for_listening_a_stereo_file_keeps_both_channels_and_others_their_mix(tmp_path):
    left, right = audiogen.tone(220, 0.5), 0.5 * audiogen.tone(330, 0.5)
    stereo = audiogen.write(tmp_path / "wide.wav", np.stack([left, right], axis=1))
    both = load_audio(stereo, stereo=True).samples
    assert both.shape == (len(left), 2) and both.flags.c_contiguous
    np.testing.assert_allclose(both, np.stack([left, right], axis=1), atol=1e-4)
    resampled = load_audio(stereo, 48_000, max_seconds=0.25, stereo=True).samples
    assert resampled.shape[1] == 2 and abs(len(resampled) - 12_000) <= 1
    eight = audiogen.write(tmp_path / "8ch.wav", audiogen.tone(channels=8))
    mixed = load_audio(eight, stereo=True).samples
    assert mixed.shape[1] == 1
    np.testing.assert_array_equal(mixed[:, 0], load_audio(eight).samples)


def test_odd_but_valid_files_decode_to_finite_mono(awkward_folder):
    _, files = awkward_folder
    for path in files["valid"]:
        audio = load_audio(path, 22050, max_seconds=30)
        assert audio.samples.ndim == 1, path
        assert audio.samples.dtype == np.float32
        assert np.isfinite(audio.samples).all()
        assert audio.sample_rate == 22050


def test_eight_channels_are_mixed_down_and_384k_is_resampled(tmp_path):
    eight = audiogen.write(tmp_path / "8ch.wav", audiogen.tone(channels=8))
    audio = load_audio(eight)
    assert audio.info.channels == 8
    assert audio.samples.shape == (22050,)
    assert abs(np.abs(audio.samples).max() - 0.3) < 0.01  # a mean of identical channels
    hires = audiogen.write(tmp_path / "hr.wav", audiogen.tone(1000, 0.5, sr=384_000), 384_000)
    audio = load_audio(hires, 48_000)
    assert audio.info.sample_rate == 384_000
    assert audio.samples.size == 24_000
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert abs(np.argmax(spectrum) * 48_000 / audio.samples.size - 1000) < 5


def test_long_files_are_read_only_up_to_the_analysis_window(tmp_path):
    path = audiogen.hour_long_wav(tmp_path / "hour.wav")
    audio = load_audio(path, 8000, max_seconds=10)
    assert audio.info.duration == pytest.approx(3600.0)
    assert audio.samples.size == 80_000


def test_tiny_file_and_offset(tmp_path):
    path = audiogen.write(tmp_path / "t.wav", audiogen.tone(seconds=0.01))
    assert load_audio(path).samples.size == 220
    path = audiogen.write(tmp_path / "l.wav", np.linspace(-1, 1, 22050, dtype=np.float32))
    audio = load_audio(path, offset_seconds=0.5, max_seconds=0.1)
    assert audio.samples.size == 2205
    assert audio.samples[0] == pytest.approx(0.0, abs=1e-3)


def test_audio_extensions_are_case_insensitive():
    assert is_audio_path("LOOP.WAV")
    assert is_audio_path("a/b/c.Aiff")
    assert is_audio_path("x.mp3")
    assert is_audio_path("Apple Loop.caf") and is_audio_path("long.W64") and is_audio_path("a.rf64")
    assert not is_audio_path("notes.txt")
    assert not is_audio_path("wav")
    # the extension is the file name's, as PurePath.suffix has it
    assert not is_audio_path(".wav")  # a hidden file's whole name
    assert not is_audio_path("/packs/drums.wav/readme")  # a folder's "extension"
    assert is_audio_path("/packs/v1.2/kick.final.WAV") and is_audio_path(Path("/a/b.ogg"))


def test_content_hash_follows_bytes_not_names(tmp_path):
    a = audiogen.write(tmp_path / "a.wav", audiogen.noise(seconds=5))
    b = tmp_path / "renamed.wav"
    b.write_bytes(a.read_bytes())
    assert content_hash(a) == content_hash(b)
    data = bytearray(a.read_bytes())
    data[-10] ^= 0xFF  # an edit near the end is seen
    b.write_bytes(bytes(data))
    assert content_hash(a) != content_hash(b)
    data = bytearray(a.read_bytes())
    data[len(data) // 2 + 1] ^= 0x01  # and one bit in the middle (earlier versions read the ends)
    b.write_bytes(bytes(data))
    assert content_hash(a) != content_hash(b)
    assert content_hashes(b).edges == content_hashes(a).edges
    identity = identify(a)
    assert identity.size == a.stat().st_size
    assert identity.mtime_ns == a.stat().st_mtime_ns
    assert (identity.content_hash, len(identity.content_hash)) == (content_hash(a), 40)


def test_a_long_recording_is_hashed_from_evenly_spread_blocks(tmp_path, monkeypatch):
    """Past WHOLE_HASH_MAX_BYTES a file is hashed from SAMPLED_BLOCKS blocks, so a 1 GB
    recording costs one 2 MiB read: the same bytes give the same hash, an edit inside a block
    changes it, and the size always counts."""
    monkeypatch.setattr(identity_module, "WHOLE_HASH_MAX_BYTES", 1 << 20)
    data = bytearray(np.random.default_rng(0).bytes(4 << 20))
    a, b = tmp_path / "a.w64", tmp_path / "b.w64"
    a.write_bytes(bytes(data))
    b.write_bytes(bytes(data))
    assert content_hash(a) == content_hash(b)
    data[(len(data) - identity_module.EDGE_BYTES) * 7 // 31 + 5] ^= 0x01  # inside block 7
    b.write_bytes(bytes(data))
    assert content_hash(a) != content_hash(b)
    b.write_bytes(bytes(data) + b"\0")
    assert content_hash(b) != content_hash(a)


@pytest.mark.parametrize("channels", [1, 2, 3, 6, 8])
def test_mix_down_is_the_mean_of_the_channels(channels):
    from anomalizer_desktop.core.audio.decode import _mix_down

    block = np.random.default_rng(channels).standard_normal((3000, channels)).astype(np.float32)
    mixed = np.full(3000, np.nan, dtype=np.float32)
    _mix_down(block, mixed)
    if channels < 8:  # numpy sums 8 or more channels in another order
        np.testing.assert_array_equal(mixed, block.mean(axis=1))
    np.testing.assert_allclose(mixed, block.mean(axis=1), rtol=0, atol=1e-6)


def test_a_stereo_file_decodes_to_the_mean_of_its_channels(tmp_path):
    import soundfile as sf

    left = np.linspace(-0.5, 0.5, 70_000, dtype=np.float32)  # more than one read block
    right = np.full(70_000, 0.25, dtype=np.float32)
    sf.write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 44_100, subtype="FLOAT")
    audio = load_audio(tmp_path / "stereo.wav")
    np.testing.assert_array_equal(audio.samples, (left + right) / 2)


def test_a_file_cut_short_is_called_truncated_but_a_streaming_placeholder_is_not(tmp_path):
    """An interrupted copy leaves a header promising more audio than there is; libsndfile plays
    what is left without a word. A header written before the length was known (0xFFFFFFFF)
    promises nothing."""
    import struct

    for name in ("half.wav", "half.aiff"):
        whole = audiogen.write(tmp_path / f"whole_{name}", audiogen.tone(seconds=2.0))
        data = whole.read_bytes()
        cut = tmp_path / name
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(AudioDecodeError) as caught:
            load_audio(cut, 22050)
        assert caught.value.kind == "truncated"
        assert caught.value.message.startswith(
            "truncated: 50 % of the audio its header promises is missing; 1.00 s are left"
        )
        assert probe(whole).frames == 2 * audiogen.SR  # the whole file is fine

    streamed = bytearray((tmp_path / "whole_half.wav").read_bytes())
    at = streamed.find(b"data")
    streamed[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFFFF)
    (tmp_path / "streamed.wav").write_bytes(bytes(streamed))
    assert load_audio(tmp_path / "streamed.wav").duration == pytest.approx(2.0)
    odd = audiogen.write(tmp_path / "odd_length.wav", audiogen.tone(seconds=0.5)[:1001])
    assert probe(odd).frames == 1001  # a pad byte is not a cut


@pytest.mark.parametrize("fmt", ["CAF", "W64", "RF64"])
def test_apple_loops_and_the_large_wav_formats_decode(tmp_path, fmt):
    """Core Audio Format (Apple Loops) and the WAVs past 4 GB are loops too."""
    path = tmp_path / f"loop.{fmt.lower()}"
    sf.write(path, audiogen.tone(220, 1.0), audiogen.SR, format=fmt)
    audio = load_audio(path, 22050)
    assert is_audio_path(path) and audio.info.duration == pytest.approx(1.0, abs=0.01)
    assert np.abs(audio.samples).max() == pytest.approx(0.3, abs=0.02)


def test_the_acid_chunk_of_a_loop_gives_its_tempo_and_a_one_shot_none(tmp_path):
    """ACIDized loops carry their tempo for DAWs; the header probe reads it from libsndfile's
    log. A one-shot's chunk, a tempo out of range and a file without the chunk give none."""
    assert probe(audiogen.acid_wav(tmp_path / "loop.wav", 123.5)).tempo == 123.5
    assert probe(audiogen.acid_wav(tmp_path / "hit.wav", 120.0, one_shot=True)).tempo is None
    assert probe(audiogen.acid_wav(tmp_path / "zero.wav", 0.0)).tempo is None
    assert probe(audiogen.write(tmp_path / "plain.wav", audiogen.noise())).tempo is None
    assert probe(audiogen.write(tmp_path / "plain.flac", audiogen.noise())).tempo is None


def test_apple_loops_give_their_tempo_and_key(tmp_path):
    """An AIFF Apple Loop's basc chunk: 4 beats over 2 s is 120 BPM, root A with a minor
    scale is Am; a one-shot keeps its key and has no tempo, a scale of neither kind gives no
    key. A CAF's info strings give both."""
    loop = probe(audiogen.apple_loop_aiff(tmp_path / "loop.aif", beats=4, root=69, scale=1))
    assert (loop.tempo, loop.key) == (120.0, "Am")
    hit = probe(audiogen.apple_loop_aiff(tmp_path / "hit.aif", 1, root=61, scale=2, one_shot=True))
    assert (hit.tempo, hit.key) == (None, "Db")
    odd = probe(audiogen.apple_loop_aiff(tmp_path / "odd.aif", beats=8, root=60, scale=3))
    assert (odd.tempo, odd.key) == (240.0, None)
    caf = audiogen.caf_with_info(tmp_path / "a.caf", {"tempo": "92", "key signature": "F# minor"})
    assert (probe(caf).tempo, probe(caf).key) == (92.0, "F#m")
    plain = probe(audiogen.write(tmp_path / "plain.aif", audiogen.noise(), format="AIFF"))
    assert (plain.tempo, plain.key) == (None, None)


def test_loop_tags_that_make_no_sense_give_nothing():
    """A log line libsndfile would never print still must not stop a scan."""
    from anomalizer_desktop.core.audio.loop_tags import LoopTags, loop_tags

    acid = "acid : 24\n  Flags     : 0x0002 (Loop)\n  Tempo     : 1.2.3\n"
    assert loop_tags(acid, 2.0) == LoopTags()
    assert loop_tags("info : 9\n   tempo        : 9000\n", 1.0) == LoopTags()
    assert loop_tags("info : 9\n   key signature : H dorian\n", 1.0) == LoopTags()
    assert loop_tags("", 0.0) == LoopTags()
