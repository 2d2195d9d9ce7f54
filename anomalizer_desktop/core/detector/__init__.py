"""Anomaly detectors: Deep SVDD / Deep SAD networks, classic baselines, ensembles, checkpoints."""
