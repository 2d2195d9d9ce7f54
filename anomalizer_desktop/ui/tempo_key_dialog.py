"""Tempo and Key…: set the tempo and key of the selected loops by hand.

A loop's tempo comes from its name, its loop tags or, failing those, its sound, and a heard
tempo is right only up to an octave (a drum & bass loop at 174 is heard at 87); a name can
say nothing at all. The producer's own word then goes over them: Sync, the BPM and Key
filters, Bars and exports at a project's tempo take it. "As it says" takes it off again.

Only what the producer touched is written: with loops of different tempos selected, setting
their key leaves each one's tempo as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from anomalizer_desktop.core.loop_names import (
    HEARD,
    HEARD_MARK,
    KEY_ORDER,
    SETTABLE_TEMPO,
    Declared,
)

#: the tempo box's lowest value, which reads "as it says" (Qt's special value text)
AS_IT_SAYS = 0.0


@dataclass(frozen=True)
class TempoKeyChoice:
    """What the dialog changed: `tempo` / `key` are None when left alone, else the new
    value (0.0 / "" takes the producer's own off)."""

    tempo: float | None
    key: str | None


class TempoKeyDialog(QDialog):
    """`says`: what each selected loop's name, tags or sound say (`LibraryData.own`);
    `tempos` / `keys`: the tempo and key each was given by hand (None: none)."""

    def __init__(
        self,
        says: list[Declared],
        tempos: list[float | None],
        keys: list[str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tempo and Key")
        self._tempo_touched = self._key_touched = False
        count = len(says)
        own_tempo = _shared([_tempo_said(d) for d in says], MIXED)
        own_key = _shared([d.key for d in says], MIXED)

        self.tempo = QDoubleSpinBox()
        self.tempo.setDecimals(2)
        self.tempo.setRange(AS_IT_SAYS, SETTABLE_TEMPO[1])
        self.tempo.setSuffix(" BPM")
        self.tempo.setSpecialValueText(_as_it_says(own_tempo, count))
        self.tempo.setValue(_shared(tempos) or AS_IT_SAYS)
        self.tempo.setAccelerated(True)
        self.tempo.setToolTip(
            f"Type a tempo ({SETTABLE_TEMPO[0]:g}-{SETTABLE_TEMPO[1]:g} BPM); the lowest value"
            " takes yours off"
        )
        # where each loop's shown tempo is the same, halve and double start from it
        self._start = _shared(
            [t if t is not None else d.tempo for t, d in zip(tempos, says, strict=True)]
        )
        self.halve = QPushButton("½×")
        self.halve.setToolTip("Half the tempo: a loop heard at double time")
        self.double = QPushButton("2×")
        self.double.setToolTip("Double the tempo: a loop heard at half time (drum & bass at 87)")
        self.tempo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for button, factor in ((self.halve, 0.5), (self.double, 2.0)):
            button.setAutoDefault(False)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            # two characters: Qt's least width for a push button (80 px) left the tempo
            # itself too little room for "As it says (≈89.94 BPM, heard)"
            button.setMaximumWidth(button.fontMetrics().horizontalAdvance("2×") * 3)
            button.clicked.connect(lambda _=False, f=factor: self._scale(f))
        tempo_row = QHBoxLayout()
        tempo_row.addWidget(self.tempo, 1)
        tempo_row.addWidget(self.halve)
        tempo_row.addWidget(self.double)

        self.key = QComboBox()
        self.key.addItem(_as_it_says(own_key, count), "")
        for key in KEY_ORDER:
            self.key.addItem(key, key)
        shared_key = _shared(keys)
        self.key.setCurrentIndex(max(self.key.findData(shared_key or ""), 0))

        form = QFormLayout()
        form.addRow("Tempo", tempo_row)
        form.addRow("Key", self.key)
        loops = "this loop says" if count == 1 else f"these {count} loops say"
        note = QLabel(
            f"What you set here goes over what {loops} in name, loop tags or sound:"
            " Sync, the BPM and Key filters, Bars and exports take it."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.tempo.valueChanged.connect(self._touch_tempo)
        self.key.currentIndexChanged.connect(self._touch_key)
        self._enable_scaling()

    def _touch_tempo(self) -> None:
        self._tempo_touched = True
        self._enable_scaling()
        value = self.tempo.value()  # below the lowest tempo, only "as it says" goes
        self._ok.setEnabled(value == AS_IT_SAYS or value >= SETTABLE_TEMPO[0])

    def _touch_key(self) -> None:
        self._key_touched = True

    def _current(self) -> float | None:
        """The tempo halve and double act on: the box's, or the loops' shared one."""
        value = self.tempo.value()
        return value if value > AS_IT_SAYS else self._start

    def _enable_scaling(self) -> None:
        current = self._current()
        for button, factor in ((self.halve, 0.5), (self.double, 2.0)):
            button.setEnabled(
                current is not None and SETTABLE_TEMPO[0] <= current * factor <= SETTABLE_TEMPO[1]
            )

    def _scale(self, factor: float) -> None:
        current = self._current()
        if current is not None:
            self.tempo.setValue(current * factor)

    def choice(self) -> TempoKeyChoice:
        """What to write: only what was touched."""
        tempo = None
        if self._tempo_touched:
            value = self.tempo.value()
            tempo = value if value >= SETTABLE_TEMPO[0] else AS_IT_SAYS  # (OK waits for one)
        key = self.key.currentData() if self._key_touched else None
        return TempoKeyChoice(tempo, key)


#: what `_shared` gives for values that differ, where None is one of the values
MIXED = object()


def _shared(values: list, mixed=None):
    """The one value all of `values` have, or `mixed` when they differ (or there are
    none)."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else mixed


def _tempo_said(says: Declared) -> str | None:
    """A loop's own tempo as the choice names it: "128 BPM", "≈87 BPM, heard"."""
    if says.tempo is None:
        return None
    if says.tempo_from == HEARD:
        return f"{HEARD_MARK}{says.tempo:g} BPM, heard"
    return f"{says.tempo:g} BPM"


def _as_it_says(value, count: int) -> str:
    """The "take mine off" choice, saying what the loops say then: "As it says (87 BPM)",
    "As it says (nothing)", "As each says"."""
    if value is MIXED:
        return "As each says"
    shown = "nothing" if value is None else value
    return f"As it says ({shown})" if count == 1 else f"As they say ({shown})"
