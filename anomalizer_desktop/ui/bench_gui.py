"""`anomalizer bench gui --rows N`: how the table and map cope with a big library.

Builds a synthetic N-row library in a temporary store (random vectors, scores, flags), then
times: reading it (snapshot), loading the table model, sorting by score, filtering by text,
the scatter's setData. Then it runs a real embed job on a folder of generated loops through the
JobRunner while a 5 ms timer records the longest gap of the event loop (a UI stall).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from anomalizer_desktop.core.library.synthetic import build_synthetic_library


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _tags(library: Path, model) -> dict:
    """The Tags filter on one tag, the tag:name term, and the library's tag list as the tag
    editor (a query) and the Tags filter (the table's columns) read it; a third of the loops
    are tagged."""
    from anomalizer_desktop.core.library.store import Store

    report = {}
    t = time.perf_counter()
    model.set_filter("", tag="keep")
    report["tag_filter_ms"] = _ms(t)
    report["tag_filter_rows"] = model.rowCount()
    t = time.perf_counter()
    model.set_filter("tag:song-3")
    report["tag_term_filter_ms"] = _ms(t)
    model.set_filter("")
    t = time.perf_counter()
    counts = model.library.tag_counts()
    report["tag_list_from_table_ms"] = _ms(t)
    with Store(library) as store:
        t = time.perf_counter()
        store.tag_counts()
        report["tag_list_from_library_ms"] = _ms(t)
    report["tags"] = len(counts)
    return report


def _folders(app, snapshot, model) -> dict:
    """The Folders panel: counting the folders (in the snapshot's worker in the app), showing
    them (the window's thread, at each reload), a flag's recount, and a folder's filter."""
    from anomalizer_desktop.core.library.folder_tree import FolderTree
    from anomalizer_desktop.ui.widgets.folder_panel import FolderPanel

    lib, tree = snapshot.library, snapshot.folders
    t = time.perf_counter()
    FolderTree(lib.folders, lib.percentile, lib.flags, list(tree.roots), lib.percentile >= 90)
    report = {"folders": len(tree), "folder_tree_ms": _ms(t)}
    panel = FolderPanel()
    panel.resize(300, 800)
    panel.show()
    for name in ("folder_panel_ms", "folder_panel_again_ms"):  # the first, then a reload's
        t = time.perf_counter()
        panel.set_tree(tree, len(lib), None)
        app.processEvents()
        report[name] = _ms(t)
    t = time.perf_counter()
    panel.names_room()  # how much wider the names want the panel (at each reload, at first)
    report["folder_names_room_ms"] = _ms(t)
    t = time.perf_counter()
    tree.count_flags(lib.flags)  # once a tooltip asks after a flag (none per flag key)
    report["folder_flags_ms"] = _ms(t)
    pack = tree.folders[tree.children(tree.children(-1)[0])[0]].path
    t = time.perf_counter()
    model.set_filter("", folder=pack)
    report["folder_filter_ms"] = _ms(t)
    report["folder_filter_rows"] = model.rowCount()
    model.set_filter("")
    panel.close()
    return report


def _likeness(library: Path, model) -> dict:
    """S on one loop: the core's order (a worker thread in the app), then the table's."""
    from anomalizer_desktop.core.analysis.likeness import likeness
    from anomalizer_desktop.core.library.store import Store

    with Store(library) as store:
        likeness(store, model.path(1))  # the app has imported torch and scikit-learn by then
        t = time.perf_counter()
        result = likeness(store, model.path(0))
        report = {"likeness_ms": _ms(t)}
    t = time.perf_counter()
    model.sort_by_likeness(result.ids)
    report["sort_by_likeness_ms"] = _ms(t)
    model.sort(*model.sort_state())
    return report


def _explain(library: Path, model) -> dict:
    """Why unusual? for one loop, then for the next one as the window asks for it (the same
    generation of the library: the space read for the first is reused)."""
    from anomalizer_desktop.core.analysis.explain import explain
    from anomalizer_desktop.core.analysis.loop_space import new_generation
    from anomalizer_desktop.core.library.store import Store

    generation = new_generation()
    with Store(library) as store:
        t = time.perf_counter()
        explain(store, model.path(2), generation=generation)
        report = {"explain_first_ms": _ms(t)}
        t = time.perf_counter()
        explain(store, model.path(3), generation=generation)
        report["explain_next_ms"] = _ms(t)
    return report


def bench_gui(rows: int = 100_000, embed_files: int = 120, map_loops: int = 0) -> dict:
    """The GUI's figures on a made-up library of `rows` loops; `map_loops` (default
    MAP_STALL_LOOPS) is the size of the library whose sound map is drawn meanwhile."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from anomalizer_desktop.core.library.store import Store
    from anomalizer_desktop.ui import jobs
    from anomalizer_desktop.ui.library_model import COLUMN_INDEX, LibraryTableModel
    from anomalizer_desktop.ui.widgets.scatter_map import ScatterMap
    from anomalizer_desktop.ui.workers import JobRunner

    app = QApplication.instance() or QApplication([])
    report: dict = {"rows": rows}
    with tempfile.TemporaryDirectory(prefix="anomalizer-bench-") as work:
        library = Path(work) / "bench.sqlite"
        t = time.perf_counter()
        build_synthetic_library(library, rows, tagged_every=3)
        report["build_library_ms"] = _ms(t)
        with Store(library) as store:
            t = time.perf_counter()
            snapshot = jobs.load_snapshot(store)
            report["snapshot_ms"] = _ms(t)  # in a worker thread in the app
        model = LibraryTableModel()
        t = time.perf_counter()
        model.set_library(snapshot.library)
        report["model_load_ms"] = _ms(t)
        t = time.perf_counter()
        model.sort(COLUMN_INDEX["score"], Qt.SortOrder.DescendingOrder)
        report["sort_score_ms"] = _ms(t)
        t = time.perf_counter()
        model.sort(COLUMN_INDEX["name"], Qt.SortOrder.AscendingOrder)
        report["sort_name_ms"] = _ms(t)
        t = time.perf_counter()
        model.set_filter("loop_0012")
        report["filter_ms"] = _ms(t)
        report["filter_rows"] = model.rowCount()
        model.set_filter("")
        report.update(_tags(library, model))
        report.update(_folders(app, snapshot, model))
        report.update(_likeness(library, model))
        report.update(_explain(library, model))
        scatter = ScatterMap()
        scatter.resize(800, 600)
        lib = snapshot.library
        t = time.perf_counter()
        scatter.set_points(
            snapshot.projection.ids,
            snapshot.projection.xy,
            lib.percentile,
            lib.flags,
            {},
            snapshot.projection.caption,
        )
        report["scatter_set_data_ms"] = _ms(t)  # the first layers; the rest between events
        scatter.show()
        t = time.perf_counter()
        app.processEvents()
        report["scatter_first_paint_ms"] = _ms(t)
        report.update(_map_fill(app, scatter, t, "scatter"))
        report["scatter_points"] = scatter.point_count()
        shown = np.zeros(len(snapshot.projection.ids), dtype=bool)
        shown[::10] = True  # a filter that keeps one loop in ten
        t = time.perf_counter()
        scatter.show_only(shown)
        app.processEvents()
        report["scatter_filter_ms"] = _ms(t)  # after the filter's typing pause (150 ms)
        report.update(_map_fill(app, scatter, t, "scatter_filter"))
        scatter.close()
        report.update(_filter_with_everything_selected(app, library, rows))
        report.update(_embed_stall(app, Path(work), embed_files, JobRunner))
        report.update(_sound_map_stall(app, Path(work), JobRunner, map_loops or MAP_STALL_LOOPS))
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def _map_fill(app, scatter, started: float, name: str) -> dict:
    """A map of new points fills in a batch of layers per event-loop turn (PROGRESSIVE_POINTS):
    when every point is there, and the longest turn meanwhile (the window's longest stall)."""
    longest = 0.0
    while scatter.filling_in():
        t = time.perf_counter()
        app.processEvents()
        longest = max(longest, _ms(t))
    return {f"{name}_filled_ms": _ms(started), f"{name}_longest_turn_ms": longest}


def _filter_with_everything_selected(app, library: Path, rows: int) -> dict:
    """The window with every loop selected (Ctrl+A): what one keystroke in the filter costs,
    which keeps the selection (it took minutes at 100k rows when rows were re-selected one by
    one)."""
    from PySide6.QtCore import QSettings

    from anomalizer_desktop.core.library.store import Store
    from anomalizer_desktop.ui.main_window import MainWindow
    from anomalizer_desktop.ui.player import AudioPlayer
    from anomalizer_desktop.ui.settings import Settings
    from anomalizer_desktop.ui.workers import JobRunner

    settings = Settings(QSettings(str(library.with_suffix(".ini")), QSettings.Format.IniFormat))
    # the PCA map: a sound map drawn in the background would share the cores with what is
    # timed here (`bench map` times it)
    settings.set("map_kind", "pca")
    store = Store(library)
    window = MainWindow(store, settings, JobRunner(str(library)), AudioPlayer(device="none"))
    window.resize(1600, 960)
    window.show()  # a hidden window skips what drawing a selection costs (its header's)
    deadline = time.monotonic() + 120
    while window.model.rowCount() < rows and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    _settle(app, 1.0)
    t = time.perf_counter()
    window.table.selectAll()
    app.processEvents()
    report = {"select_all_ms": _ms(t)}
    times = []
    for text in ("l", "lo", "loo", ""):
        t = time.perf_counter()
        window.filter_text.setText(text)
        app.processEvents()
        times.append(_ms(t))
    report["filter_key_all_selected_ms"] = round(float(np.median(times)), 1)
    report["still_selected"] = len(window.selected_ids())
    report.update(_annotate_everything(window))
    # long enough for the worker's reads of a big library; a small one is done sooner
    settle = 3.0 if rows >= 10_000 else 0.5
    report.update(_flag_one(app, window, settle))
    report.update(_flag_on_the_unflagged_list(app, window))
    reloads = [_reload_gap(app, window) for _ in range(3)]  # GC passes come and go
    report["reload_read_ms"] = [r["reload_read_ms"] for r in reloads]
    report["ui_max_gap_ms_while_reading"] = [r["ui_max_gap_ms_while_reading"] for r in reloads]
    report["reload_show_ms"] = [r["reload_show_ms"] for r in reloads]
    window.runner.cancel_all()
    window.close()
    store.close()
    return report


def _annotate_everything(window) -> dict:
    """With every loop selected: flag them all, put a tag on them all (a tag key), then undo
    the tag; each on the window's thread (100,000 loops took 0.9 s to flag and 1.4 s to tag
    while each loop was written and looked up one at a time). The flags go back after."""
    flags = window.model.library.flags
    report = {"flagged_before": sum(f is not None for f in flags)}
    for name, call in (
        ("flag_all_ms", lambda: window.flag_selection("typical")),
        ("tag_all_ms", lambda: window.toggle_tag("bench")),
        ("undo_tag_all_ms", window.undo),
    ):
        t = time.perf_counter()
        call()
        report[name] = _ms(t)
        if name == "tag_all_ms":
            report["tag_all_loops"] = int(window.model.library.tag_mask("bench").sum())
    window.undo()
    report["flagged_after"] = sum(f is not None for f in window.model.library.flags)
    return report


def _flag_one(app, window, settle: float) -> dict:
    """Flagging one loop (T / U while auditioning): the key's own time, and the longest
    event-loop gap in the `settle` seconds after it, while the explanation reads the library
    again in a worker (a read that held the GIL for 150 ms at a time froze the window)."""
    window.table.selectRow(3)
    _settle(app, settle)  # the selection's explanation is done
    gaps = _Gaps()
    report = {}
    for flag in ("unusual", None):
        t = time.perf_counter()
        window.flag_selection(flag)
        report[f"flag_{flag or 'clear'}_ms"] = _ms(t)
        gaps.start()
        _settle(app, settle)
        gaps.stop()
        report[f"ui_max_gap_ms_after_flag_{flag or 'clear'}"] = gaps.longest() or 0.0
    return report


def _flag_on_the_unflagged_list(app, window) -> dict:
    """T on the Unflagged list: the key and the loop's leaving the list (the filter worked
    out again, the rows reset, the next loop selected in its place), then its undo, which
    brings it back (median of 3 each)."""
    window.filter_flag.setCurrentIndex(window.filter_flag.findData("unflagged"))
    app.processEvents()
    shown = window.model.rowCount()
    flag_times, undo_times = [], []
    for _ in range(3):
        window.table.selectRow(3)
        t = time.perf_counter()
        window.flag_selection("typical")
        app.processEvents()  # the list lets go of the loop (a zero-time timer)
        flag_times.append(_ms(t))
        left = shown - window.model.rowCount()
        t = time.perf_counter()
        window.undo()
        app.processEvents()
        undo_times.append(_ms(t))
    window.filter_flag.setCurrentIndex(0)
    app.processEvents()
    return {
        "flag_leaving_unflagged_list_ms": round(float(np.median(flag_times)), 1),
        "undo_back_into_unflagged_list_ms": round(float(np.median(undo_times)), 1),
        "unflagged_list_left_by": left,
    }


def _reload_gap(app, window) -> dict:
    """Reading the library again (after training, a rescan or a change from outside): the
    longest event-loop gap while a worker reads it, and the time the window's thread then
    takes to show it. Reads that held the GIL for 70-150 ms at a time, and full GC passes over
    what torch and scikit-learn built (155 ms), stopped the window's thread meanwhile."""
    from PySide6.QtCore import QElapsedTimer

    applied = {}
    apply_snapshot = window.apply_snapshot

    def timed_apply(snapshot) -> None:
        applied["start"] = time.perf_counter()
        apply_snapshot(snapshot)
        applied["ms"] = _ms(applied["start"])

    window.apply_snapshot = timed_apply  # reload() connects the worker's result to it
    clock = QElapsedTimer()
    clock.start()
    started = time.perf_counter()
    window.reload()
    gaps, last = [], clock.nsecsElapsed()
    while window.runner.running("load") is not None and "start" not in applied:
        app.processEvents()
        time.sleep(0.001)
        now = clock.nsecsElapsed()
        if "start" not in applied:  # the gap that holds the showing is not the reading's
            gaps.append((now - last) / 1e6)
        last = now
    _settle(app, 0.5)
    del window.apply_snapshot
    return {
        "reload_read_ms": round((applied["start"] - started) * 1000, 1) if applied else None,
        "ui_max_gap_ms_while_reading": round(max(gaps, default=0.0), 1),
        "reload_show_ms": applied.get("ms"),
    }


def _settle(app, seconds: float) -> None:
    """Let the event loop run for `seconds` (timers, worker results, paints)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)


def _embed_stall(app, work: Path, files: int, runner_cls) -> dict:
    """Longest event-loop gap while a real embed job runs in the background."""
    import soundfile as sf

    from anomalizer_desktop.core.embedding.job import embed
    from anomalizer_desktop.core.jobs import run_job
    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.core.library.store import Store

    folder = work / "loops"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(files):
        sf.write(
            folder / f"loop_{i:03d}.wav", rng.normal(0, 0.1, 44_100 * 2).astype(np.float32), 44_100
        )
    library = work / "embed.sqlite"
    with Store(library) as store:
        run_job(scan(store, [str(folder)]))
    gaps, seconds = _gaps_while(
        app, runner_cls(str(library)), "embed", lambda store, cancel: embed(store, "dsp", cancel)
    )
    return {
        "embed_files": files,
        "embed_s": round(seconds, 2),
        "ui_max_gap_ms_during_embed": gaps.longest(),
        "ui_p99_gap_ms_during_embed": gaps.p99(),
    }


#: loops of the library whose sound map is drawn while the window's stalls are measured
#: (the FFT gradient, as a big library's; 100,000 loops would take minutes: `bench map`)
MAP_STALL_LOOPS = 5_000


def _sound_map_stall(app, work: Path, runner_cls, loops: int) -> dict:
    """Longest event-loop gap while the sound map of `loops` loops is drawn in the
    background."""
    from anomalizer_desktop.ui import jobs

    library = work / "map.sqlite"
    build_synthetic_library(library, loops)
    gaps, seconds = _gaps_while(app, runner_cls(str(library)), "map", jobs.sound_map_job("dsp"))
    return {
        "sound_map_loops": loops,
        "sound_map_s": round(seconds, 2),
        "ui_max_gap_ms_during_sound_map": gaps.longest(),
        "ui_p99_gap_ms_during_sound_map": gaps.p99(),
    }


def _gaps_while(app, runner, kind: str, factory) -> tuple[_Gaps, float]:
    """Run a job of `kind` in `runner` to its end, the event loop turning meanwhile: its gaps,
    and how long the job took."""
    gaps = _Gaps()
    done = []
    t = time.perf_counter()
    handle = runner.start(kind, factory)
    handle.done.connect(lambda: done.append(True))
    gaps.start()
    while not done:
        app.processEvents()
        time.sleep(0.001)
    gaps.stop()
    return gaps, time.perf_counter() - t


class _Gaps:
    """The event loop's gaps, as a 5 ms timer sees them: each time it fires, the time since
    it fired last (a gap far over 5 ms is the window's thread held up that long)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.clock.start()
        self.gaps: list[float] = []
        self.last = self.clock.nsecsElapsed()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self.last) / 1e6)
        self.last = now

    def start(self) -> None:
        self.gaps.clear()
        self.last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def longest(self) -> float | None:
        return round(max(self.gaps), 1) if self.gaps else None

    def p99(self) -> float | None:
        return round(float(np.percentile(self.gaps, 99)), 1) if self.gaps else None
