"""The main window's toolbar and menus: the actions a producer reaches for (add a folder,
rescan, embed, train, retrain with flags, export), their shortcuts, the embedder, detector,
network and device choices that go with them, and the dialogs the menus open (CLAP models,
preferences).

A mixin of MainWindow, run once when it opens.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QToolBar, QWidget

from anomalizer_desktop.core.detector.names import DETECTORS, DEVICES, NETWORKS
from anomalizer_desktop.core.detector.spec import GPU_SEARCH_MIN_LOOPS
from anomalizer_desktop.core.embedding.clap.store import models_dir
from anomalizer_desktop.core.paths import demo_library_path
from anomalizer_desktop.core.text import quantity
from anomalizer_desktop.ui import help_dialogs, plain_text
from anomalizer_desktop.ui.actions import literal, make_action
from anomalizer_desktop.ui.models_dialog import ModelsDialog
from anomalizer_desktop.ui.settings import (
    apply_model_folder,
    embedder_id,
    recent_libraries,
    remember_library,
)
from anomalizer_desktop.ui.theme import apply_theme
from anomalizer_desktop.ui.widgets.eliding_combo import ElidingComboBox
from anomalizer_desktop.ui.widgets.toolbar_fit import ToolbarFit

#: the embedder box's width in characters (a long choice shortened: "clap · 630k-a…")
EMBEDDER_CHARS = 14


def _label_of(text: str, box: QWidget) -> QLabel:
    """The toolbar's label before `box`, tied to it: on Linux a screen reader names a combo
    box by the label it is labelled by (its own name is the choice shown)."""
    label = QLabel(text)
    label.setBuddy(box)
    return label


#: what a greyed action of an empty library adds to its tooltip
GREYED_TIP = " (add a folder of loops first)"


class WindowActions:
    """Builds the toolbar and menus (mixed into MainWindow)."""

    def _build_actions(self) -> None:
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)

        def action(text, slot, shortcut=None, tip=None):
            return make_action(self, text, slot, shortcut, tip)

        self.act_add = action(
            "Add folder…", self.choose_folder, "Ctrl+O", "Add a folder of loops to the library"
        )
        self.act_rescan = action(
            "Rescan", self.rescan, "F5", "Look for new, changed and moved files"
        )
        self.act_embed = action(
            "Embed", lambda: self.start_embed(), None, "Describe loops that are new"
        )
        self.act_train = action(
            "Train",
            lambda: self.train_library(False),
            "Ctrl+T",
            "Learn what is normal here and score every loop",
        )
        self.act_retrain = action(
            "Retrain with flags",
            lambda: self.train_library(True),
            "Ctrl+R",
            "Use your flags: loops like the ones flagged unusual rise; svdd becomes Deep SAD",
        )
        self.act_export = action(
            "Export…",
            self.open_export,
            "Ctrl+E",
            "Export flagged, selected or top loops for your DAW",
        )
        self.embedder_box = ElidingComboBox()
        self.embedder_box.setAccessibleName("Embedder")
        self.embedder_box.setToolTip(
            "dsp (built in), CLAP with each installed checkpoint, and vectors imported into "
            "this library"
        )
        self.embedder_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.embedder_box.setMinimumContentsLength(EMBEDDER_CHARS)
        self._fill_embedders()
        self.detector_box = QComboBox()
        self.detector_box.setAccessibleName("Detector")
        self.detector_box.addItems(DETECTORS)
        self.detector_box.setCurrentText(self.settings.get("detector"))
        self.network_box = QComboBox()
        self.network_box.setAccessibleName("Network")
        self.network_box.addItems(NETWORKS)
        self.network_box.setCurrentText(self.settings.get("network"))
        self.device_box = QComboBox()
        self.device_box.setAccessibleName("Device")
        self.device_box.addItems(DEVICES)
        self.device_box.setCurrentText(self.settings.get("device"))
        self.detector_box.setToolTip(  # rich text, so that Qt wraps it
            "<p><b>default</b>: the kNN ensemble that measured best (see README); it searches "
            f"a library of {GPU_SEARCH_MIN_LOOPS:,} loops or more on a CUDA GPU when there is "
            "one.<br><b>svdd / sad</b>: Deep SVDD and Deep SAD networks.<br><b>iforest, pca, "
            "ocsvm, knn</b>: classic detectors to compare.</p>"
        )
        self.detector_box.currentTextChanged.connect(self._detector_chosen)
        toolbar.addAction(self.act_add)
        toolbar.addAction(self.act_rescan)
        toolbar.addSeparator()
        box_names = [toolbar.addWidget(_label_of(" Embedder ", self.embedder_box))]
        toolbar.addWidget(self.embedder_box)
        toolbar.addAction(self.act_embed)
        toolbar.addSeparator()
        box_names.append(toolbar.addWidget(_label_of(" Detector ", self.detector_box)))
        toolbar.addWidget(self.detector_box)
        #: the network and device boxes' places in the toolbar (shown for svdd and sad only)
        self.neural_choices = [
            toolbar.addWidget(self.network_box),
            toolbar.addWidget(self.device_box),
        ]
        self._detector_chosen(self.detector_box.currentText())
        toolbar.addAction(self.act_train)
        toolbar.addAction(self.act_retrain)
        toolbar.addSeparator()
        toolbar.addAction(self.act_export)
        # narrowed, the toolbar shortens before its last actions go behind its » button
        self.toolbar_fit = ToolbarFit(
            toolbar,
            [
                lambda short: self.act_retrain.setIconText("Retrain" if short else ""),
                lambda short: [name.setVisible(not short) for name in box_names],
            ],
        )

        menu = self.menuBar().addMenu("&Library")
        for act in (
            self.act_add,
            self.act_rescan,
            self.act_embed,
            self.act_train,
            self.act_retrain,
            self.act_export,
        ):
            menu.addAction(act)
        self.act_try_newcomers = action(
            "Try loops from outside…",
            lambda: self.choose_newcomers(),
            None,
            "How the loops of a folder (a pack just downloaded) would score in this library,"
            " before adding them; dropping loops on the window offers it too",
        )
        menu.addAction(self.act_try_newcomers)
        menu.addSeparator()
        self.act_forget_missing = action(
            "Forget missing loops…",
            lambda: self.forget_missing(),  # not the slot itself: triggered passes `checked`
            None,
            "Remove loops whose files are gone (their flags and notes go with them)",
        )
        menu.addAction(self.act_forget_missing)
        self.act_remove_folder = action(
            "Remove folder from library…",
            lambda: self.remove_folder(),
            None,
            "Take a folder you added out of the library (the files stay on disk)",
        )
        menu.addAction(self.act_remove_folder)
        menu.addSeparator()
        self.act_open_library = action(
            "Open library…",
            lambda: self.open_library(),
            "Ctrl+Shift+O",
            "Switch to another library file (a new name starts an empty one)",
        )
        menu.addAction(self.act_open_library)
        self.recent_menu = menu.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.act_repair = action(
            "Repair library…",
            lambda: self.repair_library(),
            None,
            "Check the library file; when part of it is damaged, rebuild it from what can be"
            " read (the damaged file is kept)",
        )
        menu.addAction(self.act_repair)
        self.act_models = action(
            "CLAP models…",
            lambda: self.open_models(),
            None,
            "Download, import or remove the checkpoints the clap embedder needs",
        )
        menu.addAction(self.act_models)
        menu.addAction(action("Preferences…", self.open_preferences, "Ctrl+,"))
        menu.addAction(action("Quit", self.close, "Ctrl+Q"))
        edit = self.menuBar().addMenu("&Edit")
        self.act_undo = action("Undo", lambda: self.undo())
        self.act_redo = action("Redo", lambda: self.redo())
        self.act_undo.setShortcuts(QKeySequence.StandardKey.Undo)  # Ctrl+Z
        self.act_redo.setShortcuts(QKeySequence.StandardKey.Redo)  # Ctrl+Shift+Z, Ctrl+Y
        stack = self.undo_stack
        for act, can_signal, text_signal, verb in (
            (self.act_undo, stack.canUndoChanged, stack.undoTextChanged, "Undo"),
            (self.act_redo, stack.canRedoChanged, stack.redoTextChanged, "Redo"),
        ):
            act.setEnabled(False)
            can_signal.connect(act.setEnabled)
            text_signal.connect(
                lambda text, act=act, verb=verb: act.setText(f"{verb} {text}" if text else verb)
            )
            edit.addAction(act)
        edit.addSeparator()
        self.act_find = action(
            "Find…", self.focus_filter, "Ctrl+F", "Filter the table by name, folder, note or tag"
        )
        edit.addAction(self.act_find)
        edit.addSeparator()
        # the table takes the keys itself (the filter box keeps them for its text): the menu
        # only shows them (see window_audition.is_trash_key)
        self.act_trash = make_action(
            self,
            "Move to Trash…",
            self.trash_selection,
            [QKeySequence(Qt.Key.Key_Delete), "Ctrl+Backspace"],
            "Move the selected loops' files to the desktop's trash (after asking)",
            shown_only=True,
        )
        edit.addAction(self.act_trash)
        self.act_move = make_action(
            self,
            "Move to Folder…",
            self.move_selection,
            "Ctrl+Shift+M",
            "Move the selected loops' files into a folder; the library follows them",
        )
        edit.addAction(self.act_move)
        self.act_extra_copies = action(
            "Select Extra Copies",
            lambda: self.select_extra_copies(),
            None,
            "Show the loops whose file is in the library more than once and select all but"
            " one of each, keeping one you noted, tagged or flagged and any links to it (Delete"
            " then moves those to the trash)",
        )
        edit.addAction(self.act_extra_copies)
        self.act_extra_versions = action(
            "Select Extra Versions of the Same Audio",
            lambda: self.select_extra_versions(),
            None,
            "Show the loops whose recording is in the library in more than one file (another"
            " format, rate, level or name) and select all but the best file of each, keeping"
            " one you noted, tagged or flagged first (Delete then moves those to the trash)",
        )
        edit.addAction(self.act_extra_versions)
        self._build_loop_menu()
        edit.addSeparator()
        edit.addAction(self.act_manage_tags)  # also in Loop > Tag, there with a selection
        view = self.menuBar().addMenu("&View")
        self.act_next_folder = action(
            "Next folder",
            lambda: self.step_folder(1),
            "Alt+Down",
            "The folder below in the Folders panel, with its first loop selected",
        )
        self.act_previous_folder = action(
            "Previous folder",
            lambda: self.step_folder(-1),
            "Alt+Up",
            "The folder above in the Folders panel, with its first loop selected",
        )
        view.addAction(self.act_next_folder)
        view.addAction(self.act_previous_folder)
        view.addSeparator()
        self.act_draw_sound_map = action(
            "Draw the sound map again",
            lambda: self.redraw_sound_map(),
            None,
            "Draw the sound map anew from every embedded loop (it is kept, and drawn again by"
            " itself when many loops came since)",
        )
        view.addAction(self.act_draw_sound_map)
        view.addSeparator()
        view.addAction(self.folders_dock.toggleViewAction())
        view.addAction(self.explain_dock.toggleViewAction())
        view.addAction(self.problems_dock.toggleViewAction())
        help_menu = self.menuBar().addMenu("&Help")
        self.act_shortcuts = action(
            "Keyboard shortcuts", lambda: help_dialogs.show_shortcuts(self), "F1"
        )
        help_menu.addAction(self.act_shortcuts)
        self.act_demo = action(
            "Try the demo loops",
            lambda: self.open_demo(),
            None,
            "44 loops made on this computer, four of which do not fit, in a library of their"
            " own: see the app find them",
        )
        help_menu.addAction(self.act_demo)
        help_menu.addAction(
            action(
                "About anomalizer",
                lambda: help_dialogs.show_about(self, self.store.path, str(models_dir())),
            )
        )

    def enable_library_actions(self, loops: int, has_folders: bool) -> None:
        """The actions on the library's loops while it holds some, and Rescan and Remove
        folder while it has folders: in an empty library (its first page) each opened a
        dialog that said there was nothing to do ("need at least 5 embedded loops to train,
        the library has 0")."""
        on_loops = (
            self.act_embed,
            self.act_train,
            self.act_retrain,
            self.act_export,
            self.act_try_newcomers,
            self.act_forget_missing,
        )
        folders = loops > 0 or has_folders
        states = [(act, loops > 0) for act in on_loops]
        states += [(self.act_rescan, folders), (self.act_remove_folder, folders)]
        for act, on in states:
            act.setEnabled(on)
            # a greyed button says why on hover
            tip = act.toolTip().removesuffix(GREYED_TIP)
            act.setToolTip(tip if on else tip + GREYED_TIP)

    def _detector_chosen(self, detector: str) -> None:
        """Network and device are chosen for the neural detectors (svdd, sad) alone: the
        others train without a network, so their boxes leave the toolbar (greyed out there,
        they held Export behind the toolbar's » at half a screen). The default's neighbour
        search still follows the device chosen (auto: a CUDA GPU for a big library)."""
        neural = detector in ("svdd", "sad")
        self.network_box.setEnabled(neural)
        self.device_box.setEnabled(neural)
        for choice in self.neural_choices:
            choice.setVisible(neural)
        if neural:
            self.network_box.setToolTip(
                "Network: AE (autoencoder), AEwRES (with residual links) or Baseline"
            )
            self.device_box.setToolTip(
                "Where the network trains: auto uses a GPU when there is one"
            )
        else:
            why = f"Only for svdd and sad: {detector} trains on the CPU without a network"
            if detector == "default":
                why = "Only for svdd and sad: default trains without a network"
            self.network_box.setToolTip(why)
            self.device_box.setToolTip(why)
        if hasattr(self, "toolbar_fit"):  # the toolbar is longer or shorter now
            self.toolbar_fit.fit()

    def _embedder_index(self, choice: str) -> int:
        """The toolbar item for a saved choice: the same label, else the first item of the same
        embedder (a preference says "clap"; the items name checkpoints); -1 when none."""
        index = self.embedder_box.findText(choice)
        if index >= 0:
            return index
        wanted = embedder_id(choice)
        for i in range(self.embedder_box.count()):
            if (self.embedder_box.itemData(i) or ("", None))[0] == wanted:
                return i
        return -1

    def _fill_embedders(self) -> None:
        """Items: dsp, "clap · CHECKPOINT" per installed checkpoint, imported names."""
        from anomalizer_desktop.core.embedding.clap.store import installed

        self.embedder_box.blockSignals(True)
        self.embedder_box.clear()
        self.embedder_box.addItem("dsp", ("dsp", None))
        checkpoints = installed()
        for path in checkpoints:
            self.embedder_box.addItem(f"clap · {path.name}", ("clap", str(path)))
        if not checkpoints:
            self.embedder_box.addItem("clap (no checkpoint installed)", ("clap", None))
        for name in self.store.embedder_names():
            if name not in ("dsp", "clap"):
                self.embedder_box.addItem(name, (name, None))
        index = self._embedder_index(self.settings.get("embedder"))
        self.embedder_box.setCurrentIndex(max(index, 0))
        self.embedder_box.blockSignals(False)

    def open_models(self, message: str | None = None) -> ModelsDialog:
        """The CLAP models dialog (one, not modal: a download runs while the user works);
        `message` says why it opened."""
        dialog = getattr(self, "_models_dialog", None)
        if dialog is None:
            dialog = self._models_dialog = ModelsDialog(self._run, self._models_changed, self)
        dialog.refresh()
        if message:
            dialog.message.setText(message)
        dialog.show()
        dialog.raise_()
        return dialog

    def _models_changed(self) -> None:
        """A checkpoint came or went: the embedder choice lists what is installed now."""
        label = self.embedder_box.currentText()
        self._fill_embedders()
        index = self._embedder_index(label)  # the same item, else the first of its embedder
        if index >= 0:
            self.embedder_box.setCurrentIndex(index)

    def open_preferences(self) -> None:
        from anomalizer_desktop.ui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        device = self.settings.get("audio_device") or None
        if dialog.exec():
            apply_theme(QApplication.instance(), self.settings.get("theme"))  # at once
            self.restyle()  # (a window not shown yet gets no PaletteChange)
            self.autoplay_box.setChecked(self.settings.get("autoplay"))
            self.watch_folders()  # on or off at once
            if (self.settings.get("audio_device") or None) != device:  # at once, not next start
                self.player.use_device(self.settings.get("audio_device") or None)
            apply_model_folder(self.settings)  # a new Model folder counts at once
            self._models_changed()
            if getattr(self, "_models_dialog", None) is not None:
                self._models_dialog.refresh()
            index = self._embedder_index(self.settings.get("embedder"))
            if index >= 0:
                self.embedder_box.setCurrentIndex(index)

    def open_library(self, path: str | None = None):
        """Switch to another library file; a new name starts a new, empty library. The window
        for it replaces this one (same settings and layout); a file that cannot be opened is
        reported and this library stays open. Returns the new window, or None."""

        from anomalizer_desktop.core.errors import AnomalizerError
        from anomalizer_desktop.core.library.store import LibraryDamagedError, Store

        if path is None:
            path = self._ask_library_file()
            if not path:
                return None
        if os.path.realpath(path) == os.path.realpath(self.store.path):
            return None
        try:
            store = Store(path)
        except LibraryDamagedError as error:  # this one stays open while it is repaired
            store = self.repair_other_library(Path(path), error.reason)
            if store is None:
                return None
        except AnomalizerError as error:
            plain_text.warn(
                self, "Open library", f"{error}\n\nThe library {self.store.path} stays open."
            )
            return None
        self.save_layout()  # the next window opens where this one is
        successor = self.open_window_for(store)
        self._successor = successor  # the app holds this window; this one holds the next
        self.close()
        self.store.close()
        return successor

    def open_demo(self):
        """Help > Try the demo loops: the demo loops (core.demo_loops) in a library of their
        own, so a producer's library never gets them; a library without folders yet takes
        them itself. Returns the window they go into (None when the demo library could not be
        opened)."""
        demo = os.path.realpath(demo_library_path())
        if os.path.realpath(self.store.path) == demo or not self.store.roots():
            self.try_demo_loops()
            return self
        window = self.open_library(demo)
        if window is not None:
            window.try_demo_loops()  # loops already there are left as they are
        return window

    def open_window_for(self, store):
        """A window like this one (same settings) on `store`, shown, its folders checked; the
        library becomes the one the app opens next time."""
        from anomalizer_desktop.ui.player import AudioPlayer
        from anomalizer_desktop.ui.workers import JobRunner

        self.settings.set("library", store.path)
        remember_library(self.settings, store.path)
        player = AudioPlayer(device=self.settings.get("audio_device") or None)
        successor = type(self)(store, self.settings, JobRunner(store.path), player)
        successor.show()
        successor.check_folders()
        return successor

    def _fill_recent_menu(self) -> None:
        """The library files opened before (not this one); one that is gone is shown greyed."""
        self.recent_menu.clear()
        here = os.path.realpath(self.store.path)
        others = [p for p in recent_libraries(self.settings) if os.path.realpath(p) != here]
        for path in others:
            act = self.recent_menu.addAction(
                literal(path), lambda chosen=path: self.open_library(chosen)
            )
            if not os.path.exists(path):
                act.setEnabled(False)
                act.setText(f"{literal(path)} (not found)")
        if not others:
            self.recent_menu.addAction("No other library yet").setEnabled(False)

    def _ask_library_file(self) -> str:
        """A file dialog that opens an existing library or names a new one (a save dialog, so
        that a new name can be typed, with its button saying Open)."""
        from PySide6.QtWidgets import QFileDialog

        dialog = QFileDialog(self, "Open or start a library", os.path.dirname(self.store.path))
        dialog.setNameFilter("Library (*.sqlite)")
        dialog.setDefaultSuffix("sqlite")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # an existing one opens
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Open")
        return dialog.selectedFiles()[0] if dialog.exec() else ""

    def select_extra_versions(self) -> int:
        """Filter the table to Same audio and select every file of each recording but the
        one to keep (see `LibraryModel.extra_versions`). Returns how many were selected."""
        return self._select_extra(
            "same_audio",
            self.model.extra_versions,
            lambda: (
                "No recording is in the library in more than one file"
                + (" (among the loops shown)." if self.model.rowCount() else ".")
            ),
            lambda extra: (
                f"Selected {quantity(extra, 'extra version')} of"
                f" {quantity(self.model.recordings_shown(), 'recording')} (of each, the one you"
                " worked with stays, else the best file). Delete moves them to the trash."
            ),
        )

    def select_extra_copies(self) -> int:
        """Filter the table to Copies and select every copy but one of each file (see
        `LibraryModel.extra_copies`): with Delete, the way to clear out what sample packs
        repeat. Returns how many were selected."""
        return self._select_extra(
            "copies",
            self.model.extra_copies,
            lambda: (
                "No file is in the library more than once"
                + (": the loops shown are links to one file." if self.model.rowCount() else ".")
            ),
            lambda extra: (
                f"Selected {quantity(extra, 'extra copy', 'extra copies')} of"
                f" {quantity(self.model.copied_files(), 'file')} (one you noted, tagged or flagged"
                " stays). Delete moves them to the trash."
            ),
        )

    def _select_extra(self, status: str, extra_of, none_text, selected_text) -> int:
        """Show the loops of that status list, select `extra_of()` among them and say so
        (`selected_text(count)`), or `none_text()` when there are none; how many."""
        self.filter_status.setCurrentIndex(self.filter_status.findData(status))
        extra = extra_of()
        if not extra:
            self.statusBar().showMessage(none_text(), 8000)
            return 0
        self.select_ids(extra)
        self.table.setFocus()  # where Delete acts on the selection (not the filter's text)
        self.statusBar().showMessage(selected_text(len(extra)), 15000)
        return len(extra)
