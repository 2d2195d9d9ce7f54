"""`dsp`: the default embedder. Hand-made descriptors, no model download, runs anywhere."""

from __future__ import annotations

import os

import numpy as np

from anomalizer_desktop.core.audio.decode import DecodedAudio, load_audio
from anomalizer_desktop.core.embedding import dsp_features

#: Loops are short; 30 s is enough to describe any of them and bounds the cost of long files.
ANALYSIS_SECONDS = 30.0


class DspEmbedder:
    """Timbre, dynamics, rhythm, pitch content and length of a file, as one float32 vector."""

    id = "dsp"
    #: 7: its length ends where it fades 40 dB under its peak (the silence after a one-shot is
    #: not its length); 6: described at full scale from the first sound, above a floor 60 dB
    #: under the loudest moment (level, bit depth and leading silence no longer move it); 5: held
    #: partials in the tonality group; 4: timbre over the sounding frames (v3: over every
    #: frame, silence and tails included)
    version = "7"
    #: the versions whose vectors hold this version's descriptors in this order (only how they
    #: are computed changed), so that their explanations read in words until they are updated
    same_layout = ("5", "6", "7")
    dim = dsp_features.FEATURE_DIM
    sample_rate = dsp_features.SAMPLE_RATE
    analysis_seconds = ANALYSIS_SECONDS

    def embed_file(self, path: str | os.PathLike[str]) -> np.ndarray:
        return self.embed_audio(self.decode(path))

    def decode(self, path: str | os.PathLike[str]) -> DecodedAudio:
        """The part of `path` it describes: its first ANALYSIS_SECONDS, mono at `sample_rate`
        (the embedding job listens to the same samples for a tempo: one decode for both)."""
        return load_audio(path, self.sample_rate, max_seconds=ANALYSIS_SECONDS)

    def embed_audio(self, audio: DecodedAudio) -> np.ndarray:
        """The vector of audio from `decode`."""
        return dsp_features.describe(audio.samples, audio.info.duration)

    @staticmethod
    def feature_groups() -> dict[str, slice]:
        return dsp_features.feature_groups()

    @staticmethod
    def feature_names() -> list[str]:
        return dsp_features.feature_names()
