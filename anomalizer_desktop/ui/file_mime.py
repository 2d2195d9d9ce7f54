"""Loops as the desktop's other programs take files: for a drag out of the window and for the
clipboard.

One `QMimeData` carries the files three ways: as file URLs (a DAW's arrangement, a file
manager, Finder and Explorer through Qt's own formats), as GNOME's copied-files list (what
Nautilus and the file managers built like it read when they paste files), and as text, a path
a line (a text editor, a terminal, a chat). A drag out of the table also carries the loops'
row ids in a format of this app's, for the Folders panel to move them into the folder they
are dropped on.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QUrl

#: the clipboard format GNOME's file managers paste files from ("copy", then a URL a line)
GNOME_COPIED_FILES = "x-special/gnome-copied-files"
#: the dragged loops' row ids (JSON), for drops inside the window (`dragged_loop_ids`)
LOOP_IDS = "application/x-anomalizer-loop-ids"


def files_mime(paths: list[str], ids: list[int] | None = None) -> QMimeData:
    """The files at `paths` (each once, in order) as mime data; with `ids`, the loops' row
    ids too (a drag out of the table)."""
    paths = list(dict.fromkeys(path for path in paths if path))
    urls = [QUrl.fromLocalFile(path) for path in paths]
    mime = QMimeData()
    mime.setUrls(urls)
    mime.setText("\n".join(paths))
    listed = "\n".join(["copy", *(url.toEncoded().data().decode() for url in urls)])
    mime.setData(GNOME_COPIED_FILES, listed.encode())
    if ids is not None:
        mime.setData(LOOP_IDS, json.dumps([int(i) for i in ids]).encode())
    return mime


def dragged_loop_ids(mime: QMimeData) -> list[int]:
    """The row ids of the loops a drag out of the table carries ([] for any other drag)."""
    if not mime.hasFormat(LOOP_IDS):
        return []
    try:
        ids = json.loads(bytes(mime.data(LOOP_IDS).data()))
    except ValueError:
        return []
    return [int(i) for i in ids] if isinstance(ids, list) else []
