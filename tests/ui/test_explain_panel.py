"""The Why unusual? panel: sample-pack names wrap where a reader would break them."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtWidgets import QApplication

from anomalizer_desktop.ui.widgets.explain_panel import ExplainPanel

ORGAN = "lmms__instruments__church_organ01.ogg"
STRUM = "h2fx__belofilms_GuitarStrums__Asharp_minro7b5_DOWN_03.flac"


def _explanation() -> SimpleNamespace:
    """An explanation as `core.analysis.explain` gives it, with pack-style names."""
    return SimpleNamespace(
        path=f"/s/Guitar Pack/{ORGAN}",
        summary=f"{ORGAN} is more unusual than 99% of your library. Its length stands out.",
        like_flagged=[],
        deviations=[
            SimpleNamespace(
                words="length",
                percentile=99.0,
                top_descriptors=[{"name": "length", "z": 3.7}],
            )
        ],
        neighbours=[
            {"path": f"/s/Guitar Pack/{STRUM}", "flag": None, "distance": 44.7},
            {"path": "/s/Snare Kit/h2__BJA_Pacific__SN4_02.aiff", "flag": None, "distance": 45.1},
        ],
        copies=[],
        copy_levels={},
    )


def _breaks(panel: ExplainPanel) -> list[tuple[str, str]]:
    """Each place a line of the panel wraps: (the text before it, the text after it), for every
    wrapped paragraph."""
    breaks = []
    block = panel.document().begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for i in range(1, layout.lineCount()):
            at = layout.lineAt(i).textStart()
            breaks.append((text[:at], text[at:]))
        block = block.next()
    return breaks


def test_long_underscored_names_wrap_after_an_underscore_not_inside_a_word(qtbot):
    """A pack's names have no spaces ("lmms__instruments__church_organ01.ogg"), so a narrow panel
    cut them anywhere: "…church_organ0" and "1.ogg is more unusual…" on the next line, and
    "…__As" / "harp_minro7b5…" in the links. They now wrap after an underscore; what the panel
    says and what is copied from it are the names as they are."""
    panel = ExplainPanel()
    qtbot.addWidget(panel)
    panel.resize(230, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_explanation(_explanation())
    QApplication.processEvents()
    breaks = _breaks(panel)
    cut_names = [(before, after) for before, after in breaks if not before.endswith(" ")]
    assert cut_names, "the panel is narrow enough that names must wrap"
    for before, after in cut_names:
        assert before.rstrip("\u200b").endswith("_"), (before[-12:], after[:12])
    text = panel.toPlainText()
    assert text.startswith(f"{ORGAN} is more unusual than 99%")
    assert f"{STRUM} in Guitar Pack · distance 44.7" in text
    panel.selectAll()
    copied = panel.createMimeDataFromSelection()
    assert "\u200b" not in copied.text() and copied.text().startswith(ORGAN)
    assert "\u200b" not in copied.html() and STRUM in copied.html()
