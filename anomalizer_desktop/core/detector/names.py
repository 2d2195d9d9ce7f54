"""Detector, network and device names (a light module: no torch import, for CLI start-up)."""

DETECTORS = ("default", "svdd", "sad", "iforest", "pca", "ocsvm", "knn", "aspects")
NETWORKS = ("AE", "AEwRES", "Baseline")
DEVICES = ("auto", "cpu", "cuda", "mps")
