"""Keeps a toolbar's last actions in view as its window narrows, by making it shorter in steps.

A QToolBar puts what does not fit behind its » button. The main toolbar's last actions are
the ones a producer reaches for every day (Retrain with flags, Export), and at half a laptop's
screen they were the ones hidden, while the embedder and detector choices, set once, kept
their room. Shortening first ("Retrain with flags" -> "Retrain", the boxes' names left to
their tooltips) keeps every action in view down to the window's least width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QToolBar

#: a step: shorten (True) or give back (False)
Step = Callable[[bool], None]


class ToolbarFit(QObject):
    """Takes `steps`, in order, while `toolbar` is wider than its room, and gives them back,
    last first, as the room comes back (each resize measures anew, from the whole toolbar)."""

    def __init__(self, toolbar: QToolBar, steps: Sequence[Step]) -> None:
        super().__init__(toolbar)
        self.toolbar = toolbar
        self.steps = list(steps)
        self.taken = 0  # how many steps are taken now
        toolbar.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.toolbar and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        """Take as few steps as make the toolbar fit its width (all of them if none does)."""
        while self.taken:
            self.taken -= 1
            self.steps[self.taken](False)
        if self.toolbar.orientation() != Qt.Orientation.Horizontal:
            return
        room = self.toolbar.width()
        while self.taken < len(self.steps) and self.toolbar.sizeHint().width() > room:
            self.steps[self.taken](True)
            self.taken += 1
