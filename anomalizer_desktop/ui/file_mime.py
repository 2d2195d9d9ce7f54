"""Loops as the desktop's other programs take files: for a drag out of the window and for the
clipboard.

One `QMimeData` carries the files three ways: as file URLs (a DAW's arrangement, a file
manager, Finder and Explorer through Qt's own formats), as GNOME's copied-files list (what
Nautilus and the file managers built like it read when they paste files), and as text, a path
a line (a text editor, a terminal, a chat).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QUrl

#: the clipboard format GNOME's file managers paste files from ("copy", then a URL a line)
GNOME_COPIED_FILES = "x-special/gnome-copied-files"


def files_mime(paths: list[str]) -> QMimeData:
    """The files at `paths` (each once, in order) as mime data."""
    paths = list(dict.fromkeys(path for path in paths if path))
    urls = [QUrl.fromLocalFile(path) for path in paths]
    mime = QMimeData()
    mime.setUrls(urls)
    mime.setText("\n".join(paths))
    listed = "\n".join(["copy", *(url.toEncoded().data().decode() for url in urls)])
    mime.setData(GNOME_COPIED_FILES, listed.encode())
    return mime
