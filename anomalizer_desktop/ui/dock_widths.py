"""Side panels that take back the width a narrowing window took from them.

When a window narrows past what its central area can give, Qt squeezes the docked panels
(Folders, Why unusual?) and leaves them squeezed when the window widens again: a producer who
put the app at half a screen beside a DAW, then maximised it, found the Folders panel 150 px
wide with its names cut, until they dragged it back. Here each side panel remembers the width
the producer gave it (set by dragging its edge, or the width it first showed at), and a
widening window gives its new room to the squeezed panels first, up to those widths, in
proportion to what each lacks. The widths are kept with the window's layout: a window closed
at half a screen opened again squeezed, and maximised it left Folders as narrow, since the
squeezed width was the first one the panel showed.

Qt also squeezes one panel before the other: at half a screen Folders was left 75 px wide
(its names gone) while Why unusual? kept 300. A narrowing window that squeezed the panels
shares what they have left between them in proportion to those widths.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

SIDES = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)


class DockWidths(QObject):
    """Watches `window` and its side `docks`; see the module's docstring."""

    def __init__(self, window: QMainWindow, docks: list[QDockWidget]) -> None:
        super().__init__(window)
        self.window = window
        self.docks = docks
        #: the width the producer gave each panel (by object name)
        self.wanted: dict[str, int] = {}
        #: the panels whose edge the producer dragged in this window
        self.dragged: set[str] = set()
        #: the widths this gave the panels last (their resizes are not the producer's)
        self._given: dict[str, int] = {}
        self._window_width = 0
        #: True while the window's own resize lays the panels out: a panel squeezed then was
        #: not sized by the producer
        self._window_resizing = False
        window.installEventFilter(self)
        for dock in docks:
            dock.installEventFilter(self)

    def saved(self) -> str:
        """The widths the producer gave the panels, as the settings keep them
        ("folders=240 explain=320")."""
        return " ".join(f"{name}={width}" for name, width in sorted(self.wanted.items()))

    def restore(self, text: str) -> None:
        """Take back the widths `saved` wrote (anything else in `text` is passed over)."""
        names = {dock.objectName() for dock in self.docks}
        for item in str(text).split():
            name, _, width = item.partition("=")
            if name in names and width.isdigit() and int(width) > 0:
                self.wanted[name] = int(width)

    def _side_docks(self) -> list[QDockWidget]:
        """The panels shown at the window's sides (a tab behind another is hidden)."""
        return [
            dock
            for dock in self.docks
            if dock.isVisible()
            and not dock.isFloating()
            and self.window.dockWidgetArea(dock) in SIDES
        ]

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            if watched is self.window:
                self._window_resizing = True  # (the panels' resizes follow within this event)
                QTimer.singleShot(0, self._window_resized)
            elif self._dragged(watched):
                self.wanted[watched.objectName()] = watched.width()
                self.dragged.add(watched.objectName())
        return False

    def _dragged(self, dock: QDockWidget) -> bool:
        """Whether the panel's new width is the producer's: its edge dragged with the mouse,
        not squeezed by the window nor given back by this."""
        return (
            bool(QApplication.mouseButtons() & Qt.MouseButton.LeftButton)
            and not self._window_resizing
            and dock.isVisible()
            and not dock.isFloating()
            and dock.width() != self._given.get(dock.objectName())
        )

    def _window_resized(self) -> None:
        self._window_resizing = False
        old, width = self._window_width, self.window.width()
        self._window_width = width
        shown = self._side_docks()
        for dock in shown:  # a panel first shown: the width it showed at (or was restored to)
            self.wanted.setdefault(dock.objectName(), dock.width())
        if not old or width == old:
            return
        if width < old:  # Qt squeezes the panels once the central area cannot give
            self._share_the_squeeze(shown)
            return
        # the new room goes to the squeezed panels in proportion to what each lacks (Folders,
        # first in the list, had taken it all, and Why unusual? stayed as narrow as before)
        lacking = [max(0, self.wanted[dock.objectName()] - dock.width()) for dock in shown]
        if not sum(lacking):
            return
        room = min(width - old, sum(lacking))
        targets = [
            dock.width() + room * lacks // sum(lacking)
            for dock, lacks in zip(shown, lacking, strict=True)
        ]
        self._give(shown, targets)

    def _share_the_squeeze(self, shown: list[QDockWidget]) -> None:
        """The width the squeezed panels have left, shared in proportion to the widths the
        producer gave them (Qt took it from one of them first)."""
        areas = {self.window.dockWidgetArea(dock) for dock in shown}
        if len(shown) < 2 or len(areas) < len(shown):
            return  # one panel, or panels one above the other (they share one width)
        wanted = [self.wanted[dock.objectName()] for dock in shown]
        left = sum(dock.width() for dock in shown)
        if left >= sum(wanted):
            return  # none squeezed
        targets = [left * want // sum(wanted) for want in wanted]
        targets[-1] += left - sum(targets)
        if all(abs(t - d.width()) <= 2 for t, d in zip(targets, shown, strict=True)):
            return
        self._give(shown, targets)

    def widen(self, dock: QDockWidget, width: int) -> None:
        """Give `dock` this width as the one it is to keep (the window's choice for the
        producer, say to show its contents in full: a narrowing window squeezes it and a
        widening one gives it back like a width the producer set)."""
        self.wanted[dock.objectName()] = width
        self._give([dock], [width])

    def _give(self, shown: list[QDockWidget], targets: list[int]) -> None:
        """Size the panels to `targets`, noting the widths as this one's, not the producer's."""
        for dock, target in zip(shown, targets, strict=True):
            self._given[dock.objectName()] = target
        self.window.resizeDocks(shown, targets, Qt.Orientation.Horizontal)
