"""The local library: the SQLite store and the folder scanner that fills it."""

from anomalizer_desktop.core.library.store import SampleRecord, Store, StoreError

__all__ = ["SampleRecord", "Store", "StoreError"]
