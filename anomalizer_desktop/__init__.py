"""anomalizer-desktop: find the loops in your own sample library that don't fit."""

__version__ = "0.1.0"
