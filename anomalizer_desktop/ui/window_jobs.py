"""The main window's background jobs: scan, embed, train and score, chained as a producer
expects (adding a folder scans, embeds and trains), with their outcomes in the status bar.

A mixin of MainWindow. Every job runs through the JobRunner; results come back by signal and
touch widgets only here, in the GUI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog

from anomalizer_desktop.core.audio.formats import unread_formats_text
from anomalizer_desktop.core.detector.freshness import (
    DESCRIBE,
    EMBED,
    RETRAIN_WITH_FLAGS,
    SCORE,
    TRAIN,
    loops_waiting_for_vectors,
)
from anomalizer_desktop.core.detector.spec import ModelSpec
from anomalizer_desktop.core.library.folder_changes import inside_any
from anomalizer_desktop.core.library.scanner import (
    UNREACHABLE_FOLDER,
    nothing_found_text,
    nothing_new_text,
    reachable_roots,
)
from anomalizer_desktop.core.library.store import StoreError
from anomalizer_desktop.core.paths import demo_folder
from anomalizer_desktop.core.text import quantity, took
from anomalizer_desktop.ui import jobs, plain_text
from anomalizer_desktop.ui.closing import unless_closed
from anomalizer_desktop.ui.settings import folder_to_browse
from anomalizer_desktop.ui.wait_cursor import waiting
from anomalizer_desktop.ui.window_words import in_window_words

#: what the window says about library folders that are not there (their loops stay as they are)
UNREACHABLE = UNREACHABLE_FOLDER[0].upper() + UNREACHABLE_FOLDER[1:]

#: the jobs a scan of watched folders waits for (it would race them for the library)
LIBRARY_JOBS = ("scan", "embed", "train", "score", "demo", "check", "move")
#: the jobs that embed or score loops (a scan embeds and scores the loops it adds)
DESCRIBING_JOBS = ("scan", "embed", "score", "train")

#: after a training that moved loops across the unusual cut: where to see which (short: the
#: message is long already, and the status bar cut a longer hint at 1,600 px; the filter's
#: tooltip names unusual:new and unusual:fell)
MOVED_HINT = " Marked \u2191 and \u2193 in Unusual %."


def added_scored_text(result: dict) -> str:
    """What the status bar says when the latest run scored a folder's new loops (`score`'s
    result) instead of a training."""
    loops = quantity(result["scored"], "new loop")
    return (
        f"Scored {loops} against your library as run {result['run_id']} learnt it:"
        f" {result['unusual']} above the unusual cut (Train learns them into what is normal)."
    )


class LibraryJobs:
    """Starts the library's jobs and reacts to their ends (mixed into MainWindow)."""

    def _run(self, kind: str, title: str, factory, on_done=None, *, own: bool = False):
        """Start a job with its progress in the status bar; its handle, or None when a job of
        this kind is already running. `own` marks the window's own looks at the folders (at
        start, by the folder watch), which keep quiet about what a scan passed by."""
        handle = self.runner.start(kind, factory)
        if handle is None:
            self.statusBar().showMessage(f"A {kind} job is already running.", 5000)
            return None
        self.job_status.track(handle, title)
        handle.progress.connect(
            lambda done, total, message: self.welcome_status.setText(
                f"{title}… {done}/{total}" if total else f"{title}…"
            )
        )
        handle.failed.connect(
            lambda message, job=handle: self._job_failed(
                message, job.token.cancelled, reload=True, title=title
            )
        )
        handle.finished.connect(lambda result: self._job_finished(kind, result, on_done, own))
        if kind in DESCRIBING_JOBS:  # Why unusual? on a loop it describes says it is on its way
            self._explain_timer.start()
        return handle

    def _side_job(self, kind: str, factory, title: str, on_done):
        """Start a job outside the library's chain (no reload after it, no error dialog: its
        outcome goes to `on_done`), its progress and Cancel in the status bar; its handle, or
        None when one of its kind runs."""
        handle = self.runner.start(kind, factory)
        if handle is None:
            self.statusBar().showMessage(f"{title}: already on its way.", 5000)
            return None
        self.job_status.track(handle, title)
        handle.finished.connect(on_done)
        handle.failed.connect(
            lambda message: self.statusBar().showMessage(in_window_words(message), 10_000)
        )
        return handle

    @unless_closed
    def _job_finished(self, kind: str, result, on_done, own: bool = False) -> None:
        problems = getattr(result, "problems", None)
        if kind == "scan" and result is not None:
            # folders that could not be read and names the library cannot hold are not in the
            # library: the Problems panel shows them beside its files' problems until the next scan
            # (the window's own scan of a few folders keeps what the others' last scan found)
            scanned, left = set(result.roots), result.left
            kept = [
                problem
                for problem in self.scan_problems
                if own and (not inside_any(problem[0], scanned) or inside_any(problem[0], left))
            ]
            self.scan_problems = kept + list(problems or [])
            self.folder_watch.scanned(result)  # what the scan saw is what the watch compares with
        # a scan the user started (Add folder, Rescan; not the window's own looks at the
        # folders): what it passed by is worth saying, each time
        asked_scan = kind == "scan" and not own and result is not None
        found_none = asked_scan and not result.cancelled and not result.found
        nothing_found = nothing_found_text(result) if found_none else ""
        # the welcome page's line said the job's progress ("Training… 5/5"): a library emptied
        # later (its last folder removed) showed it there long after
        self.welcome_status.setText(nothing_found)
        if nothing_found:
            # a folder of .m4a or REX files, or of none: say why nothing came in (on the
            # welcome page too, where an empty library stays), and skip the embedding and
            # training that would only say there is nothing to learn from
            self._chain.clear()
        if getattr(result, "cancelled", False):
            self._chain.clear()
            self.statusBar().showMessage(f"{kind} cancelled; what was done is kept.", 8000)
        elif problems:
            self.statusBar().showMessage(
                f"{kind}: {quantity(len(problems), 'file')} had problems (see Problems)", 8000
            )
        elif nothing_found:
            self.statusBar().showMessage(nothing_found, 15_000)
        elif asked_scan and result.unread_formats:
            unread = unread_formats_text(result.unread_formats)
            self.statusBar().showMessage(f"The scan passed by {unread}.", 10_000)
        elif getattr(result, "unreachable", 0):
            self.statusBar().showMessage(
                f"{quantity(result.unreachable, 'loop')} left for later: their folder is not"
                " reachable now (a drive not mounted?)",
                10_000,
            )
        if on_done is not None:
            on_done(result)
        self.reload()
        if self._chain and not getattr(result, "cancelled", False):
            self._chain.pop(0)()

    @unless_closed
    def _job_failed(
        self, message: str, cancelled: bool = False, reload: bool = False, title: str = ""
    ) -> None:
        """A job that stopped: cancelled, said in the status bar; failed, in a dialog named
        after the job ("Training default"; it was "anomalizer" whatever the job)."""
        self._chain.clear()
        self.welcome_status.clear()  # its progress line
        if message in self.damage_messages:  # the repair question said it (LibraryRepair)
            return
        if reload:  # what a library job committed before it stopped is kept: show it
            self.reload()
        line = in_window_words(message)
        if cancelled:  # the user asked for it: say so quietly, no dialog
            self.statusBar().showMessage(line[:200], 8000)
            return
        plain_text.warn(self, title or "anomalizer", line[:400])

    def add_folders(self, paths: list[str], remember: bool = True) -> None:
        """Scan these folders, then embed, and score or train (the producer's one-step path:
        `score_new_loops` with `added`)."""
        if paths and remember:  # dialog or drop: the next dialog opens beside them
            self.settings.set("last_folder", paths[-1])
        self._chain = [self.start_embed, lambda: self.score_new_loops(added=True)]
        self.watch_folders()  # (the scan's summary tells it the new folders)
        self._run("scan", "Scanning", jobs.scan_job(paths), on_done=self._folders_added)

    def _folders_added(self, summary) -> None:
        """A folder added again (or one whose loops the library holds under another folder)
        brought nothing new: keep the scores instead of training again, which made a new run
        of the same model (7.5-12 s at 100,000 loops from the last training's neighbour
        lists, 4.5 min without them) and one more model file to keep. What the scan found
        changed or new is trained on as usual; loops not embedded yet are embedded and scored
        (or trained, in a library never trained), as Rescan does."""
        if summary is None or summary.cancelled or not summary.found:
            return
        if summary.new or summary.changed:
            return
        self._chain = [self.start_embed, self.score_new_loops]
        if summary.problems or summary.unread_formats:
            return  # the status bar says what they were; that matters more
        self.statusBar().showMessage(nothing_new_text(summary), 10_000)

    def try_demo_loops(self) -> None:
        """The welcome page's "Try it on demo loops" (and Help > Try the demo loops): write the
        demo loops (core.demo_loops) beside the library's data, then add their folder as any
        folder is added."""
        folder = demo_folder()
        # the next step of the chain, as Embed and Train follow a scan (in on_done, the chain
        # it starts would go on at once, before the scan)
        self._chain = [lambda: self.add_folders([str(folder)], remember=False)]
        handle = self._run("demo", "Writing demo loops", jobs.demo_loops_job(folder))
        if handle is not None:  # no second folder meanwhile: it would replace the chain
            buttons = (self.welcome_button, self.demo_button)

            def enable(on: bool, *_) -> None:
                for button in buttons:
                    button.setEnabled(on)

            enable(False)
            handle.finished.connect(lambda *_: enable(True))
            handle.failed.connect(lambda *_: enable(True))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Add a folder of loops", folder_to_browse(self.settings)
        )
        if folder:
            self.add_folders([folder])

    def rescan(self) -> None:
        """Scan the folders again, embed what is new (and retry what failed), and score new
        loops with the last run. Folders that cannot be reached are left as they are."""
        reachable, away = self._reachable_roots()
        if not reachable:
            if away:  # the user asked: say why nothing happens
                plain_text.warn(self, "Rescan", f"{UNREACHABLE}:\n" + "\n".join(away))
            return
        self._chain = [lambda: self.start_embed(retry_errors=True), self.score_new_loops]
        self._run("scan", "Rescanning", jobs.rescan_job(reachable))

    def _reachable_roots(self) -> tuple[list[str], list[str]]:
        """The library's folders that are there now, and those that are not, which are named
        in the status bar (a drive not mounted must not turn their loops into "missing" nor
        stop the others)."""
        reachable, gone = reachable_roots(self.store)
        if gone:
            self.statusBar().showMessage(f"{UNREACHABLE}: {', '.join(gone)}", 15_000)
        return reachable, gone

    def check_folders(self) -> None:
        """When a library opens: look for loops added, changed, moved or gone since the last
        session (unchanged files are only stat'ed). New ones are embedded and scored with the
        last run, as Rescan does; nothing happens when nothing changed. Preferences turn it off."""
        self.watch_folders()
        if not self.settings.get("check_folders"):
            return
        reachable, _ = self._reachable_roots()  # never a dialog at start
        if reachable:
            self._run(
                "scan",
                "Checking your folders",
                jobs.rescan_job(reachable),
                on_done=lambda summary: self._folders_checked(
                    summary, "Since this library was last open"
                ),
                own=True,
            )

    def _folders_checked(self, summary, when: str) -> None:
        """Say what a look at the folders found (`when` begins the line), and embed and score
        the loops that are new or changed."""
        if summary is None or summary.cancelled:
            return
        counts = [
            (summary.new, "added"),
            (summary.changed, "changed"),
            (summary.moved, "moved"),
            (summary.missing, "gone"),
            (summary.returned, "back"),
        ]
        parts = [(count, what) for count, what in counts if count]
        if not parts:
            return
        said = ", ".join(
            f"{quantity(count, 'loop') if i == 0 else count} {what}"
            for i, (count, what) in enumerate(parts)
        )
        self.statusBar().showMessage(f"{when}: {said}.", 10_000)
        if summary.new or summary.changed:
            embedder, checkpoint = self.embedder_box.currentData() or ("dsp", None)
            usable = not (embedder == "clap" and checkpoint is None)  # never a dialog at start
            self._chain = [self.start_embed, self.score_new_loops] if usable else []

    # ------------------------------------------------------------------ watching the folders
    def watch_folders(self) -> None:
        """Watch the library's folders while the window is open, unless Preferences say not
        to: loops that come, go or are renamed there are scanned in, embedded and scored."""
        if not self.settings.get("watch_folders"):
            self.folder_watch.stop()
            self._watch_folders_changed.clear()
        elif not self.folder_watch.active:
            self.folder_watch.start(reachable_roots(self.store)[0])

    def _watched_folders_changed(self, folders: list[str]) -> None:
        self._watch_folders_changed.update(folders)
        self._rescan_watched()

    def _watch_limited(self, watched: int, wanted: int) -> None:
        self.statusBar().showMessage(
            f"The system lets the app watch {watched:,} of your {wanted:,} loop folders: Rescan"
            " finds what comes into the others (on Linux, raise fs.inotify.max_user_watches).",
            20_000,
        )

    def _rescan_watched(self) -> None:
        """Scan the folders the watch found changed, once no other library job is running or
        chained (they would race for the library; the chain after this scan embeds and scores
        what it found)."""
        if not self._watch_folders_changed or not self.folder_watch.active:
            return
        if self._chain or any(self.runner.running(kind) for kind in LIBRARY_JOBS):
            self._watch_retry.start()
            return
        changed, self._watch_folders_changed = self._watch_folders_changed, set()
        roots = reachable_roots(self.store)[0]
        folders, unchanged = self.folder_watch.rescan_scope(changed, roots)
        if folders:
            self._run(
                "scan",
                "Looking at your folders",
                jobs.rescan_job(folders, unchanged),
                on_done=lambda summary: self._folders_checked(summary, "In your folders just now"),
                own=True,
            )

    def forget_missing(self) -> int:
        """After a question that says what goes, delete the loops whose files are gone."""
        missing, annotated = self.store.missing_summary()
        if not missing:
            self.statusBar().showMessage("No missing loops: every file is where it was.", 5000)
            return 0
        lost = (
            f" {annotated} of them carry flags, notes or tags, which are deleted too."
            if annotated
            else ""
        )
        if not plain_text.confirm(
            self,
            "Forget missing loops",
            f"Remove {quantity(missing, 'loop')} whose files are gone from the library?{lost}\n\n"
            "A missing loop is kept with its flags until you do this, and found again if "
            "its file turns up in a scanned folder.",
        ):
            return 0
        try:
            forgotten = self.store.forget_missing()
        except StoreError as error:
            self._not_changed(error)
            return 0
        self.undo_stack.clear()  # the undo history may name loops that are gone now
        self.statusBar().showMessage(f"Forgot {quantity(forgotten, 'missing loop')}.", 8000)
        self.reload()
        return forgotten

    def _not_changed(self, error: StoreError) -> None:
        """The library refused a change (a full disk, a drive gone, a read-only file, another
        program holding its lock): nothing of it was kept, and the user is told so (it went
        to the console alone, and Forget or Remove seemed to do nothing)."""
        plain_text.warn(self, "The library was not changed", str(error))

    def remove_folder(self, chosen: str | None = None) -> int:
        """Take a folder the user added out of the library, after a question that says what
        goes (its loops, and the flags and notes on them; the files stay on disk). `chosen`:
        that folder (the Folders panel's context menu), else the user picks one."""
        roots = self.store.roots()
        if not roots:
            self.statusBar().showMessage("The library has no folders yet.", 5000)
            return 0
        busy = [kind for kind in ("scan", "embed", "train", "score") if self.runner.running(kind)]
        if busy:
            self.statusBar().showMessage(
                f"Wait for the {busy[0]} job to finish (or cancel it) before removing a folder.",
                8000,
            )
            return 0
        folders = [path for _, path in roots]
        if chosen in folders:
            folder = chosen
        else:
            folder, ok = QInputDialog.getItem(
                self, "Remove folder from library", "Folder:", folders, 0, False
            )
            if not ok:
                return 0
        root_id = roots[folders.index(folder)][0]
        loops, annotated = self.store.root_summary(root_id)
        lost = (
            f" {annotated} of them carry flags, notes or tags, which go too." if annotated else ""
        )
        if not plain_text.confirm(
            self,
            "Remove folder from library",
            f"Remove {folder} and its {quantity(loops, 'loop')} from the library?{lost}\n\n"
            "The files stay on disk; adding the folder again brings the loops back, without "
            "their flags, notes and tags.",
        ):
            return 0
        try:
            with waiting():  # 2 s for a folder of 100,000 loops
                removed = self.store.remove_root(root_id)
        except StoreError as error:
            self._not_changed(error)
            return 0
        self.folder_watch.forget(folder)
        self.undo_stack.clear()  # the undo history may name loops that are gone now
        self.statusBar().showMessage(f"Removed {folder}: {quantity(removed, 'loop')}.", 8000)
        self.reload()
        return removed

    def score_new_loops(self, *, added: bool = False) -> None:
        """Score new loops with the latest run; train instead when the library has never been
        trained and has loops enough now (a first folder with none, filled since). `added`
        (a folder added, embedded): train too unless the new loops are few for the library's
        size (the bar's rule, `scoring_keeps_current`: in seconds, against the library as
        it was, where each folder was a training that learnt a small pack as normal), and
        say what the scoring found."""

        def train_when_due(result) -> None:
            if result == jobs.TRAINING_DUE:
                self._train_with_any_flags()
            elif added and isinstance(result, dict) and result["scored"]:
                self.statusBar().showMessage(added_scored_text(result), 15_000)

        self._run(
            "score",
            "Scoring new loops",
            jobs.score_new_loops_job(
                self.embedder_name(),
                unless_news=added,
                chosen=self.chosen_spec() if added else None,
            ),
            on_done=train_when_due,
        )

    def _bring_scores_up_to_date(self, action: str) -> None:
        if action in (EMBED, DESCRIBE):  # an older DSP version's vectors, or another embedder's
            # none yet: describe them (again), then train
            self._chain = [self._train_with_any_flags]
            self.start_embed()
        elif action == SCORE:  # new loops, some perhaps not embedded yet: as Rescan does
            self._embedding_first(self.score_new_loops)
        elif action == RETRAIN_WITH_FLAGS:
            self.train_library(with_flags=True)
        elif action == TRAIN:
            self._train_with_any_flags()

    def _train_with_any_flags(self) -> None:
        """Train, using the producer's flags when there are any (a new folder keeps them);
        the loops not described yet are embedded first (the banner's Train, after an
        embedding cancelled, trained on the loops embedded so far and left the rest out)."""
        self.train_library(with_flags=any(self.store.flag_counts().values()))

    def _check_score_status(self) -> None:
        handle = self.runner.start("status", jobs.score_status_job(self.embedder_name()))
        if handle is not None:
            handle.finished.connect(self._show_score_status)

    @unless_closed
    def _show_score_status(self, status) -> None:
        self.stale_banner.set_status(status)

    def start_embed(self, *, retry_errors: bool = False) -> None:
        embedder, checkpoint = self.embedder_box.currentData() or ("dsp", None)
        label = self.embedder_box.currentText()
        if embedder == "clap" and checkpoint is None:  # none installed: say how to get one
            self._chain.clear()
            self.open_models(
                "No CLAP checkpoint is installed yet. Download one (or import a file you have), "
                "then press Embed again. The dsp embedder needs none."
            )
            return
        self.settings.set("embedder", label)
        self._run(
            "embed",
            f"Embedding ({label})",
            jobs.embed_job(embedder, checkpoint, retry_errors=retry_errors),
        )

    def train_library(self, with_flags: bool) -> None:
        """Train, or Retrain with flags (the toolbar's and the menu's): the loops not described
        yet are embedded first. After a cancelled embedding, Train said "need at least 5
        embedded loops to train … (run `anomalizer embed` first)", the command line's advice,
        or trained on the loops embedded so far and left the others without a score."""
        self._embedding_first(lambda: self.start_train(with_flags))

    def _embedding_first(self, step) -> None:
        """`step()`, after embedding the loops the chosen embedder has not described yet
        (as the status counts them: `freshness.loops_waiting_for_vectors`), if there are any."""
        from anomalizer_desktop.core.embedding.base import UnknownEmbedderError

        name = self.embedder_name()
        try:
            waiting = loops_waiting_for_vectors(self.store, name)
        except UnknownEmbedderError:  # none embedded yet: all of them, if it can embed
            waiting = self.store.counts_by_status()["ok"] if name == "clap" else 0
        if waiting:
            self._chain = [step]
            self.start_embed()
        else:
            step()

    def chosen_spec(self, with_flags: bool = False) -> ModelSpec:
        """What the toolbar's boxes and the preferences say to train."""
        detector = self.detector_box.currentText()
        if with_flags and detector == "svdd":
            detector = "sad"  # Deep SVDD with labels is Deep SAD
        return ModelSpec(
            detector=detector,
            network=self.network_box.currentText(),
            device=self.device_box.currentText(),
            ensemble=max(1, self.settings.get("svdd_ensemble")),
        )

    def start_train(self, with_flags: bool) -> None:
        spec = self.chosen_spec(with_flags)
        detector = spec.detector
        for key, box in (
            ("detector", self.detector_box),
            ("network", self.network_box),
            ("device", self.device_box),
        ):
            self.settings.set(key, box.currentText())
        flags = self.store.flag_counts()
        title = f"Training {detector}" + (
            f" with {quantity(sum(flags.values()), 'flag')}" if with_flags else ""
        )
        self._run(
            "train",
            title,
            jobs.train_job(spec, self.embedder_name(), use_flags=with_flags),
            lambda result: self.statusBar().showMessage(
                f"Trained on {result.loops_text()} in {took(result.seconds)}{result.gpu_text()}:"
                f" {result.unusual} above the unusual cut{result.changes_text()}."
                + (MOVED_HINT if result.newly_unusual or result.no_longer_unusual else ""),
                10_000,
            ),
        )
