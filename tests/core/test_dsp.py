"""The DSP embedder: fixed length, finite, deterministic, and it tells different sounds apart."""

from __future__ import annotations

import audiogen
import numpy as np

from anomalizer_desktop.core.embedding import get_embedder
from anomalizer_desktop.core.embedding.dsp_features import FEATURE_DIM, describe, feature_groups


def test_groups_tile_the_vector():
    groups = feature_groups()
    assert set(groups) == {"timbre", "dynamics", "rhythm", "pitch", "length"}
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
    # a pitched saw has a more concentrated chroma profile than noisy drums
    pitch = groups["pitch"]
    assert matrix[4:, pitch][:, -1].mean() > matrix[:4, pitch][:, -1].mean()


def test_tempo_feature_finds_the_loop_tempo_up_to_an_octave():
    rhythm = feature_groups()["rhythm"]
    tempo_index = 3  # log2(bpm)
    for bpm in (80, 90, 120, 140):
        log2_tempo = describe(audiogen.drum_loop(seconds=8, bpm=bpm), 8.0)[rhythm][tempo_index]
        octave_error = (log2_tempo - np.log2(bpm)) % 1.0
        assert min(octave_error, 1 - octave_error) < 0.05, bpm
