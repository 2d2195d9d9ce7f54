"""Why is the selected loop unusual? Shows the core's explanation as readable text.

The nearest typical loops are links: clicking one goes to that loop (the window selects it, and
plays it when the user is auditioning), so the panel doubles as "what sounds like this"."""

from __future__ import annotations

import html
import os
import re

from PySide6.QtCore import QEvent, QMimeData, QUrl, Signal
from PySide6.QtWidgets import QTextBrowser

from anomalizer_desktop.core.analysis.explain import (
    LIKE_FLAGGED_NAMED,
    like_flagged_sentence,
    more_than,
    spreads_text,
)
from anomalizer_desktop.core.library.same_audio import level_phrase
from anomalizer_desktop.core.text import standing_in, telling_folders

#: a zero-width space: where a line may wrap, with nothing to see
_MAY_BREAK = "\u200b"


def _name(text: str) -> str:
    """`text` (a loop's name, or a sentence with one) as HTML that may wrap after each run of
    underscores. Packs name loops without spaces ("lmms__instruments__church_organ01.ogg"),
    and a narrow panel cut such a name anywhere ("…church_organ0" / "1.ogg")."""
    return re.sub(r"(_+)(?=[^_\s])", r"\1" + _MAY_BREAK, html.escape(text))


class ExplainPanel(QTextBrowser):
    #: the path of a neighbour the user clicked
    loop_chosen = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Why unusual?")
        self.setOpenLinks(False)
        self._links: list[str] = []  # neighbour paths, by the number in their link
        self._html = ""  # what the panel shows, as given
        #: whether the panel says a loop's explanation is being worked out
        self.working_out = False
        self.anchorClicked.connect(self._clicked)
        self.show_message("Select a loop to see why it is (or is not) unusual.")

    def changeEvent(self, event) -> None:
        """A new palette (Preferences > Appearance): the links take its colour. A document
        keeps the link colour it was made with, so it is made again from the same HTML."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.setHtml(self._html)

    def _show(self, text: str) -> None:
        self._html = text
        self.working_out = False
        self.setHtml(text)

    def toPlainText(self) -> str:
        """What the panel says, without the marks where names may wrap."""
        return super().toPlainText().replace(_MAY_BREAK, "")

    def createMimeDataFromSelection(self) -> QMimeData:
        """What is copied: the names as they are, without the marks where they may wrap."""
        copied = super().createMimeDataFromSelection()
        mime = QMimeData()
        mime.setText(copied.text().replace(_MAY_BREAK, ""))
        if copied.hasHtml():
            mime.setHtml(copied.html().replace(_MAY_BREAK, ""))
        return mime

    def _clicked(self, url: QUrl) -> None:
        """A link "loop:N" names the N-th neighbour shown."""
        if url.scheme() == "loop" and url.path().isdigit() and int(url.path()) < len(self._links):
            self.loop_chosen.emit(self._links[int(url.path())])

    def show_message(self, text: str) -> None:
        self._show(f"<p style='color:#9aa0a6'>{_name(text)}</p>")

    def show_working_out(self, name: str) -> None:
        """Say that the explanation of the loop named `name` is on its way."""
        self.show_message(f"Working out why {name} is (or is not) unusual…")
        self.working_out = True

    def show_explanation(self, result) -> None:
        """Show a core.analysis.explain.Explanation."""
        self._links = [n["path"] for n in result.neighbours]
        summary = _name(result.summary)
        like = [f["path"] for f in result.like_flagged[:LIKE_FLAGGED_NAMED]]
        if like:  # the closing "It sounds like X" sentence again, its names as links
            plain = like_flagged_sentence([os.path.basename(p) for p in like])
            links = [
                f"<a href='loop:{len(self._links) + i}'>{_name(os.path.basename(p))}</a>"
                for i, p in enumerate(like)
            ]
            self._links += like
            summary = summary.replace(_name(plain), like_flagged_sentence(links))
        parts = [f"<p><b>{summary}</b></p>", *_deviation_rows("What deviates most", result)]
        parts.append("<p><b>Nearest typical loops</b> (click one to go to it)</p><ol>")
        paths = [n["path"] for n in result.neighbours]
        folders = telling_folders([result.path, *paths])[1:]
        for i, (n, folder) in enumerate(zip(result.neighbours, folders, strict=True)):
            flag = f" <i>({n['flag']})</i>" if n["flag"] else ""
            parts.append(
                f"<li><a href='loop:{i}' title='{html.escape(n['path'], quote=True)}'>"
                f"{_name(os.path.basename(n['path']))}</a>{flag}"
                f" <span style='color:#9aa0a6'>in {html.escape(folder)} ·"
                f" distance {n['distance']:.1f}</span></li>"
            )
        parts.append("</ol>")
        if result.copies:
            parts.append("<p><b>The same audio, elsewhere</b></p><ul>")
            folders = telling_folders([result.path, *result.copies])[1:]
            for path, folder in zip(result.copies, folders, strict=True):
                title = html.escape(path, quote=True)
                level = result.copy_levels.get(path)
                other = "" if level is None else f" · another file, {level_phrase(level)}"
                parts.append(
                    f"<li><a href='loop:{len(self._links)}' title='{title}'>"
                    f"{_name(os.path.basename(path))}</a>"
                    f" <span style='color:#9aa0a6'>in {html.escape(folder)}{other}</span></li>"
                )
                self._links.append(path)
            parts.append("</ul>")
        self._show("".join(parts))

    def show_folder_explanation(self, result) -> None:
        """Show a core.analysis.folder_explain.FolderExplanation: what sets a folder's loops
        apart, and its most unusual loops as links."""
        self._links = [loop["path"] for loop in result.most_unusual]
        parts = [
            f"<p><b>{_name(result.summary)}</b></p>",
            *_deviation_rows("What deviates most in its typical loop", result),
        ]
        if result.most_unusual:
            parts.append("<p><b>Its most unusual loops</b> (click one to go to it)</p><ol>")
            for i, loop in enumerate(result.most_unusual):
                title = html.escape(loop["path"], quote=True)
                parts.append(
                    f"<li><a href='loop:{i}' title='{title}'>"
                    f"{_name(os.path.basename(loop['path']))}</a>"
                    f" <span style='color:#9aa0a6'>"
                    f"{standing_in(loop['percentile'], 'the library')}</span></li>"
                )
            parts.append("</ol>")
        self._show("".join(parts))


def _deviation_rows(title: str, result) -> list[str]:
    """The aspects table of a loop's or a folder's explanation, each with a bar of how far it
    deviates and the two descriptors that deviate most."""
    # the widths keep each bar on its aspect's line however narrow the panel: the aspect's
    # words wrap instead
    parts = [f"<p><b>{html.escape(title)}</b></p><table width='100%'>"]
    for d in result.deviations:
        tops = ", ".join(
            f"{html.escape(t['name'])} {spreads_text(t['z'])}" for t in d.top_descriptors[:2]
        )
        parts.append(
            f"<tr><td width='46%'>{html.escape(d.words)}</td>"
            f"<td width='38%' valign='middle'>{_bar(d.percentile)}</td>"
            f"<td width='16%' style='white-space:nowrap'>&nbsp;{more_than(d.percentile)}%</td></tr>"
            f"<tr><td colspan=3 style='color:#9aa0a6; font-size:small'>"
            f"&nbsp;&nbsp;{tops}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _bar(percentile: float) -> str:
    """A bar as long as the share of loops that deviate less, as wide as its cell lets it be.
    (A row of ten █ kept its 90 px: the panel could not be narrower than 300 px, and at half a
    screen Qt took the window's squeeze from the Folders panel, down to 75 px.)"""
    filled = min(100, max(1, round(percentile)))
    rest = f"<td width='{100 - filled}%'></td>" if filled < 100 else ""
    return (
        "<table width='100%' cellspacing='0' cellpadding='0'><tr>"
        f"<td width='{filled}%' bgcolor='#e67e22' style='font-size:small'>&nbsp;</td>{rest}"
        "</tr></table>"
    )
