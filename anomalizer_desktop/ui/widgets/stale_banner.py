"""A bar below the table and map that says when the scores on show are out of date, and fixes it.

It shows `core.detector.freshness.ScoreStatus`: hidden while the scores are current, otherwise
its message and one button for the action that brings them up to date (embed again after an
upgrade and train, train, score the new loops, or retrain with the flags).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton

from anomalizer_desktop.core.detector.freshness import (
    DESCRIBE,
    EMBED,
    RETRAIN_WITH_FLAGS,
    SCORE,
    TRAIN,
    ScoreStatus,
)
from anomalizer_desktop.ui.plain_text import plain_label

BUTTON_TEXT = {
    EMBED: "Update embeddings and train",
    DESCRIBE: "Embed and train",
    TRAIN: "Train",
    SCORE: "Score new loops",
    RETRAIN_WITH_FLAGS: "Retrain with flags",
}


class StaleScoresBanner(QFrame):
    #: the action the user asked for: EMBED, TRAIN, SCORE or RETRAIN_WITH_FLAGS
    requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("staleScores")
        self.setStyleSheet(
            "#staleScores { background: #3b3320; border: 1px solid #8a6d1f; border-radius: 4px; }"
            "#staleScores QLabel { color: #f1d68a; }"
        )
        self.label = plain_label()
        self.label.setWordWrap(True)
        # a wrapped label still asks for some 80 characters: 1,104 px of window at the least
        # while the banner showed, where the window may be half a screen (it wraps instead)
        self.label.setMinimumWidth(160)
        self.button = QPushButton()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.action: str | None = None
        self.button.clicked.connect(lambda: self.action and self.requested.emit(self.action))
        self.setVisible(False)

    def set_status(self, status: ScoreStatus | None) -> None:
        self.action = status.action if status is not None else None
        # loops embedded but too few to learn from: say so, with no button that can only fail
        too_few = status is not None and status.run_id is None and status.embedded > 0
        if self.action is None and not too_few:
            self.setVisible(False)
            return
        if status.other_embedder:  # not out of date: from another embedder, as it says
            self.label.setText(status.message[:1].upper() + status.message[1:])
        else:
            lead = "No scores yet" if status.run_id is None else "Scores are out of date"
            self.label.setText(f"{lead}: {status.message}")
        self.button.setVisible(self.action is not None)
        if self.action is not None:
            self.button.setText(BUTTON_TEXT[self.action])
        self.setVisible(True)
