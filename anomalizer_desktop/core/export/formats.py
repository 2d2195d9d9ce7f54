"""Serialise a selection as M3U8, XSPF or CSV text (pure functions, no I/O)."""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from anomalizer_desktop.core.export.selection import ExportEntry
from anomalizer_desktop.core.library.user_tags import stored_tags

XSPF_NS = "http://xspf.org/ns/0/"
META_BASE = "https://github.com/anomalizer-desktop/ns/"
#: bpm, key and tags last (in the order they came), so that scripts reading the first
#: columns by position still read them
#: bpm_from: where the bpm was read ("file name", "loop tags", ...) or "heard" in the sound
CSV_COLUMNS = (
    "path",
    "duration",
    "score",
    "percentile",
    "flag",
    "note",
    "bpm",
    "key",
    "tags",
    "bpm_from",
)


def to_m3u8(entries: list[ExportEntry]) -> str:
    """Extended M3U, UTF-8: `#EXTINF:<whole seconds>,<title>` then the absolute path.

    M3U is one entry per line, so a path with a line break in it (legal on Linux) would split
    into a broken entry and a bogus one: such a path is written as a file:// URI instead
    (percent-encoded, as players read them)."""
    lines = ["#EXTM3U"]
    for entry in entries:
        seconds = math.ceil(entry.duration) if entry.duration is not None else -1
        title = entry.title.replace("\n", " ").replace("\r", " ")
        path = Path(entry.path).as_uri() if _breaks_a_line(entry.path) else entry.path
        lines += [f"#EXTINF:{seconds},{title}", path]
    return "\n".join(lines) + "\n"


def _breaks_a_line(text: str) -> bool:
    """True when a text reader would split `text` into lines (any of str.splitlines' breaks,
    at its ends too)."""
    return len(f"-{text}-".splitlines()) > 1


def to_xspf(entries: list[ExportEntry], title: str = "anomalizer export") -> str:
    """XSPF version 1 with file:// locations, duration in ms, and flag, score, note, bpm, key
    and tags ("dark, song-a") as <meta>."""
    ET.register_namespace("", XSPF_NS)
    playlist = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    ET.SubElement(playlist, f"{{{XSPF_NS}}}title").text = title
    track_list = ET.SubElement(playlist, f"{{{XSPF_NS}}}trackList")
    for entry in entries:
        track = ET.SubElement(track_list, f"{{{XSPF_NS}}}track")
        ET.SubElement(track, f"{{{XSPF_NS}}}location").text = Path(entry.path).as_uri()
        ET.SubElement(track, f"{{{XSPF_NS}}}title").text = entry.title
        if entry.duration is not None:
            ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(round(entry.duration * 1000))
        for key, value in (
            ("flag", entry.flag),
            ("score", entry.score),
            ("percentile", entry.percentile),
            ("note", entry.note),
            ("bpm", entry.tempo),
            ("bpm_from", entry.tempo_from or None),
            ("key", entry.key),
            ("tags", stored_tags(entry.tags)),
        ):
            if value is not None:
                meta = ET.SubElement(track, f"{{{XSPF_NS}}}meta", rel=META_BASE + key)
                meta.text = repr(value) if isinstance(value, float) else str(value)
    ET.indent(playlist)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(playlist, "unicode") + "\n"


def to_csv(entries: list[ExportEntry]) -> str:
    """One row per loop: path, duration (s), score, percentile, flag, note, bpm, key, tags
    ("dark, song-a"), where the bpm comes from ("heard": heard in the sound, not declared)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.path,
                "" if entry.duration is None else f"{entry.duration:.6f}",
                "" if entry.score is None else repr(entry.score),
                "" if entry.percentile is None else f"{entry.percentile:.3f}",
                entry.flag or "",
                entry.note or "",
                "" if entry.tempo is None else f"{entry.tempo:g}",
                entry.key or "",
                stored_tags(entry.tags) or "",
                entry.tempo_from,
            ]
        )
    return buffer.getvalue()
