"""The main window's library jobs: adding folders, scanning, embedding, training and scoring
as they chain, their progress, failures and cancels, and the banners that offer them."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time

import audiogen
import numpy as np
from made_libraries import embedded_library
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from qt_drops import drop_on
from qt_windows import window_on_store, window_on_written_loops

from anomalizer_desktop.core.jobs import Progress, run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.ui.library_model import COLUMN_INDEX


def test_worker_job_reports_progress_and_cancels(qtbot, window):
    seen = []

    def slow_job(store, cancel):
        for i in range(200):
            if cancel.cancelled:
                return {"cancelled": True, "done": i}
            yield Progress(i, 200, f"item {i}")
            time.sleep(0.01)
        return {"cancelled": False, "done": 200}

    handle = window.runner.start("test", slow_job)
    handle.progress.connect(lambda done, total, message: seen.append((done, total)))
    assert window.runner.start("test", slow_job) is None  # one job of a kind at a time
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    with qtbot.waitSignal(handle.finished, timeout=10_000) as finished:
        handle.cancel()
    assert finished.args[0]["cancelled"]
    assert finished.args[0]["done"] < 200
    assert all(total == 200 for _, total in seen)
    qtbot.waitUntil(lambda: window.runner.running("test") is None, timeout=10_000)


def test_failed_job_reports_its_message(qtbot, window):
    from anomalizer_desktop.core.errors import AnomalizerError

    def failing(store, cancel):
        yield Progress(0, 1, "")
        raise AnomalizerError("the folder vanished")

    handle = window.runner.start("fail", failing)
    with qtbot.waitSignal(handle.failed, timeout=10_000) as failed:
        pass
    assert failed.args[0] == "the folder vanished"


def test_network_and_device_are_offered_only_for_the_neural_detectors(window):
    """Greyed out in the toolbar, the two boxes held Export behind its » at half a screen."""

    def shown() -> list[bool]:
        return [choice.isVisible() for choice in window.neural_choices]

    window.detector_box.setCurrentText("default")
    assert not window.network_box.isEnabled() and not window.device_box.isEnabled()
    assert shown() == [False, False]
    assert "Only for svdd and sad" in window.network_box.toolTip()
    assert "on a CUDA GPU when there is one" in window.detector_box.toolTip()
    window.detector_box.setCurrentText("sad")
    assert window.network_box.isEnabled() and window.device_box.isEnabled()
    assert shown() == [True, True]
    window.detector_box.setCurrentText("knn")
    assert not window.device_box.isEnabled() and shown() == [False, False]


def test_training_from_the_window_refreshes_scores(qtbot, window):
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("iforest")
    window.start_train(False)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    scores = window.model.library.score
    assert np.isfinite(scores).sum() == 16
    column = COLUMN_INDEX["score"]
    assert window.table.horizontalHeader().sortIndicatorSection() == column
    said = window.statusBar().currentMessage()  # how long it took: a retrain takes seconds
    assert re.fullmatch(
        r"Trained on 16 loops in (\d+\.\d|under 0\.1) s: \d+ above the unusual cut"
        r" \((the same loops as before|\d+ of them new(; \d+ fell below it)?"
        r"|\d+ fell below it)(; the last training used knn)?\)\."
        r"( Marked \u2191 and \u2193 in Unusual %\.)?",
        said,
    )
    # the table's tooltips on loops it moved name the detector before, as the message does
    assert window.model.library.crossed_before == "knn"
    # the scores' headers say which training made them (the Detector box says the next)
    header = window.model.headerData(
        COLUMN_INDEX["score"], Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    run = window.store.latest_run_id()
    assert re.search(rf"Scores from iforest \(dsp\) on 16 loops, trained [-\d: ]+ \(run {run}\)\.",
                     header)  # fmt: skip


def test_retraining_with_an_unusual_flag_lifts_that_loop(qtbot, window, scored_library):
    library = window.model.library
    drums = [i for i, name in enumerate(library.names) if name.startswith("drum_")]
    pick = drums[int(np.argmin(library.score[drums]))]  # the most ordinary drum loop
    flagged_id = int(library.ids[pick])
    window.map.selection_made.emit([flagged_id])
    window.flag_selection("unusual")
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("default")
    window.start_train(True)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    library = window.model.library
    score = dict(zip(library.ids.tolist(), library.score.tolist(), strict=True))
    others = [int(library.ids[i]) for i in drums if i != pick]
    assert all(score[flagged_id] > score[other] for other in others)
    with sqlite3.connect(scored_library[0]) as db:
        config = db.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["labelled"] == {"typical": 0, "unusual": 1}
    # the flagged loop crossed the cut: the status bar says where to see it, Unusual % marks
    # it, and the filter's unusual:new shows it
    said = window.statusBar().currentMessage()
    assert "1 of them new" in said and said.endswith(" Marked \u2191 and \u2193 in Unusual %.")
    row = int(window.model.library.rows_of_ids([flagged_id])[0][0])
    assert int(library.crossed[row]) == 1 and int((library.crossed == 1).sum()) == 1
    view_row = window.model.view_row_of(flagged_id)
    percent = window.model.data(window.model.index(view_row, COLUMN_INDEX["percentile"]))
    assert percent.startswith("\u2191")
    tip = window.model.data(
        window.model.index(view_row, COLUMN_INDEX["percentile"]), Qt.ItemDataRole.ToolTipRole
    )
    assert "(the one before (knn) had it below)" in tip  # the fixture's knn, as the panel says
    window.filter_text.setText("unusual:new")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.model.data(window.model.index(0, COLUMN_INDEX["name"])) == library.names[row]


def test_a_large_library_trains_in_a_process_of_its_own(qtbot, window, monkeypatch):
    """From OWN_PROCESS_FROM_LOOPS loops the window trains in another process (its memory goes
    when it ends); the flags, the run and the scores are the same as in the worker thread's."""
    from anomalizer_desktop.core import job_process
    from anomalizer_desktop.ui import jobs

    ran = []
    real = job_process.run_in_process

    def recorded(job, library_path, args=(), cancel=None, what="", kwargs=None):
        ran.append((job.__name__, what, kwargs))
        return real(job, library_path, args, cancel, what, kwargs)

    monkeypatch.setattr(jobs, "OWN_PROCESS_FROM_LOOPS", 16)
    monkeypatch.setattr(job_process, "run_in_process", recorded)
    library = window.model.library
    flagged_id = int(library.ids[np.flatnonzero(np.isfinite(library.score))[0]])  # embedded
    window.map.selection_made.emit([flagged_id])
    window.flag_selection("unusual")
    before = window.store.latest_run_id()
    window.start_train(True)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    assert ran == [("train", "training", {"use_flags": True})]
    assert np.isfinite(window.model.library.score).sum() == 16
    config = window.store.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert json.loads(config[0])["labelled"] == {"typical": 0, "unusual": 1}
    assert "Trained" in window.statusBar().currentMessage()


def test_status_bar_follows_the_newest_job_when_jobs_chain(qtbot, window):
    def quick(store, cancel):
        yield Progress(1, 1, "")
        return None

    def slow(store, cancel):
        for i in range(100):
            if cancel.cancelled:
                return None
            yield Progress(i, 100, "")
            time.sleep(0.01)
        return None

    first = window.runner.start("a", quick)
    window.job_status.track(first, "first")
    second = window.runner.start("b", slow)
    window.job_status.track(second, "second")
    qtbot.waitUntil(lambda: window.runner.running("a") is None, timeout=10_000)
    assert window.job_status.isVisibleTo(window)  # the first job's end did not hide it
    second.cancel()
    qtbot.waitUntil(lambda: window.runner.running("b") is None, timeout=10_000)
    assert not window.job_status.isVisibleTo(window)


def test_svdd_from_the_window_trains_as_many_networks_as_the_preference_says(
    qtbot, window, monkeypatch
):
    from anomalizer_desktop.ui import jobs as ui_jobs

    specs = []
    real = ui_jobs.train_job

    def spy(spec, *args, **kwargs):
        specs.append(spec)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(ui_jobs, "train_job", spy)
    window.settings.set("svdd_ensemble", 2)
    before = window.store.latest_run_id()
    window.detector_box.setCurrentText("svdd")
    window.start_train(False)
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=60_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=60_000)
    assert [(s.detector, s.ensemble) for s in specs] == [("svdd", 2)]
    config = window.store.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["spec"]["ensemble"] == 2


def test_dropping_a_folder_scans_embeds_and_scores_it(qtbot, window, tmp_path):
    import audiogen

    extra = tmp_path / "dropped"
    for i in range(3):
        audiogen.write(extra / f"new_{i}.wav", audiogen.drum_loop(seed=40 + i))
    drop_on(window, extra)
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=60_000)
    qtbot.waitUntil(lambda: np.isfinite(window.model.library.score).sum() == 19, timeout=30_000)


def test_flagging_shows_the_stale_banner_and_its_button_retrains(qtbot, window):
    assert not window.stale_banner.isVisibleTo(window)  # fresh scores: no banner
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    table_top = window.table.mapTo(window, QPoint(0, 0))
    window.flag_selection("unusual")
    qtbot.waitUntil(lambda: window.stale_banner.isVisibleTo(window), timeout=10_000)
    assert window.stale_banner.button.text() == "Retrain with flags"
    # the bar appears below the table: the rows do not jump under the user's pointer
    QApplication.processEvents()
    assert window.table.mapTo(window, QPoint(0, 0)) == table_top
    assert window.stale_banner.mapTo(window, QPoint(0, 0)).y() > table_top.y()
    assert "it used 0 typical, 0 unusual; now 0 typical, 1 unusual" in (
        window.stale_banner.label.text()
    )
    before = window.store.latest_run_id()
    window.stale_banner.button.click()
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=30_000)
    qtbot.waitUntil(lambda: not window.stale_banner.isVisibleTo(window), timeout=10_000)
    with sqlite3.connect(window.store.path) as db:
        config = db.execute("SELECT config FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert json.loads(config)["labelled"] == {"typical": 0, "unusual": 1}


def test_rescan_scores_new_loops_with_the_latest_run(qtbot, window, scored_library):
    import audiogen

    _, root = scored_library
    run = window.store.latest_run_id()
    audiogen.write(root / "drum_new.wav", audiogen.drum_loop(seed=77, bpm=104))
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=60_000)
    qtbot.waitUntil(lambda: np.isfinite(window.model.library.score).sum() == 17, timeout=30_000)
    assert window.store.latest_run_id() == run  # scored by the same model, not retrained
    assert not window.stale_banner.isVisibleTo(window)


def age_the_library(qtbot, window, run_version: str, vector_version: str | None = None) -> None:
    """Make the run (and, if given, the vectors) look as if an older DSP version made them,
    then wait for the stale-scores bar."""
    with sqlite3.connect(window.store.path) as db:
        if vector_version is not None:
            db.execute("UPDATE features SET version = ?", (vector_version,))
        config = json.loads(db.execute("SELECT config FROM runs").fetchone()[0])
        config["embedder_version"] = run_version
        db.execute("UPDATE runs SET config = ?", (json.dumps(config),))
    window.reload()
    qtbot.waitUntil(lambda: window.stale_banner.isVisibleTo(window), timeout=10_000)


def test_scores_from_an_older_embedding_offer_training(qtbot, window):
    age_the_library(qtbot, window, run_version="1")
    assert window.stale_banner.button.text() == "Train"
    assert "dsp v1 vectors" in window.stale_banner.label.text()


def test_vectors_from_an_older_dsp_version_offer_new_embeddings_then_train(qtbot, window):
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder

    age_the_library(qtbot, window, run_version="3", vector_version="3")  # the previous release
    assert window.stale_banner.button.text() == "Update embeddings and train"
    assert "16 loops have dsp v3 vectors" in window.stale_banner.label.text()  # + 1 broken
    before = window.store.latest_run_id()
    window.stale_banner.button.click()
    qtbot.waitUntil(lambda: window.store.latest_run_id() != before, timeout=60_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    qtbot.waitUntil(lambda: not window.stale_banner.isVisibleTo(window), timeout=10_000)
    with sqlite3.connect(window.store.path) as db:
        assert db.execute("SELECT DISTINCT version FROM features").fetchall() == [
            (DspEmbedder.version,)
        ]


def test_cancelling_a_job_says_so_in_the_status_bar_not_a_dialog(qtbot, window, monkeypatch):
    from anomalizer_desktop.core.detector.svdd import TrainingCancelled
    from anomalizer_desktop.ui import plain_text

    dialogs = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: dialogs.append(args[2]))

    def cancellable(store, cancel):
        while not cancel.cancelled:
            yield Progress(1, 3, "")
            time.sleep(0.01)
        raise TrainingCancelled

    window._run("slow", "Training", cancellable)
    handle = window.runner.running("slow")
    qtbot.waitUntil(lambda: window.job_status.bar.maximum() == 3, timeout=10_000)
    assert window.job_status.bar.format().startswith("33%")
    assert window.job_status.bar.toolTip() == "1 of 3"
    window.job_status.cancel_button.click()
    qtbot.waitUntil(lambda: window.runner.running("slow") is None, timeout=10_000)
    assert handle.token.cancelled
    assert dialogs == []
    assert window.statusBar().currentMessage() == "Training cancelled; nothing was stored"

    def failing(store, cancel):
        yield Progress(0, 1, "")
        raise TrainingCancelled  # the same error without a cancel request is a real failure

    window._run("fail", "Training", failing)
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=10_000)
    assert dialogs == ["Training cancelled; nothing was stored"]  # a sentence, as above


def test_after_the_first_training_the_most_unusual_loop_is_selected(qtbot, tmp_path, settings):
    import audiogen
    from qt_windows import window_on_loops

    root = tmp_path / "loops"
    for i in range(10):
        audiogen.write(root / f"a_drum_{i}.wav", audiogen.drum_loop(seed=i))
    audiogen.write(root / "z_tone.wav", audiogen.tone(330, 2.0))
    window = window_on_loops(qtbot, settings, root, tmp_path / "lib.sqlite")
    qtbot.waitUntil(lambda: len(window.selected_ids()) == 1, timeout=20_000)
    first = window.model.path(window.selected_rows()[0])
    assert os.path.basename(first) == "a_drum_0.wav"  # no scores yet: the first by name
    window.start_train(False)
    qtbot.waitUntil(
        lambda: (
            not window.runner.any_running()
            and window.model.path(window.selected_rows()[0]).endswith("z_tone.wav")
        ),
        timeout=30_000,
    )
    assert window.selected_rows() == [0]  # the top of the list, the most unusual loop
    window.table.selectRow(3)  # a loop the user picked stays picked through reloads
    chosen = window.selected_ids()
    window.reload()
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.selected_ids() == chosen
    window.runner.cancel_all()
    window.store.close()


def test_opening_a_library_checks_its_folders_for_loops_added_and_gone(
    qtbot, window, scored_library, monkeypatch
):
    import audiogen

    _, root = scored_library
    audiogen.write(root / "new_tone.wav", audiogen.tone(660, 2.0))
    os.remove(root / "drum_03.wav")
    said = []
    real_show = window.statusBar().showMessage
    monkeypatch.setattr(
        window.statusBar(), "showMessage", lambda text, ms=0: (said.append(text), real_show(text))
    )
    window.settings.set("check_folders", False)
    window.check_folders()
    assert not window.runner.any_running()  # turned off in Preferences: nothing happens

    window.settings.set("check_folders", True)
    window.check_folders()
    qtbot.waitUntil(lambda: "new_tone.wav" in window.model.library.names, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            not np.isnan(
                window.model.library.score[window.model.library.names.index("new_tone.wav")]
            )
        ),
        timeout=30_000,
    )
    assert "Since this library was last open: 1 loop added, 1 gone." in said
    status = dict(zip(window.model.library.names, window.model.library.status, strict=True))
    assert status["drum_03.wav"] == "missing"


def test_the_problems_panel_lists_what_a_scan_could_not_add(qtbot, window, scored_library):
    import shutil

    _, root = scored_library
    shutil.copy(root / "tone_a.wav", os.fsdecode(bytes(root) + b"/caf\xe9.wav"))
    window.rescan()
    qtbot.waitUntil(lambda: window.problems.count() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    listed = dict(window.problems._problems)
    assert listed[f"{root}/caf\\xe9.wav"].startswith("the file name is not valid UTF-8")
    assert "broken.wav" in " ".join(listed)  # the library's own problem stays listed
    assert window.problems_button.text() == "⚠ 2 problems"


def test_a_folder_on_a_drive_not_mounted_is_named_not_a_dialog_and_its_loops_stay(
    qtbot, window, scored_library, tmp_path, monkeypatch
):
    import audiogen

    from anomalizer_desktop.core.library.scanner import scan
    from anomalizer_desktop.ui import plain_text

    path, root = scored_library
    drive = tmp_path / "drive" / "Loops"
    audiogen.write(drive / "far.wav", audiogen.tone(550, 1.0))
    with Store(path) as other:  # scanned, not yet embedded, when the drive went away
        run_job(scan(other, [str(drive)]))
    (tmp_path / "drive").rename(tmp_path / "unplugged")
    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    said = []
    real_show = window.statusBar().showMessage
    monkeypatch.setattr(
        window.statusBar(), "showMessage", lambda text, ms=0: (said.append(text), real_show(text))
    )
    audiogen.write(root / "added.wav", audiogen.tone(770, 1.0))
    window.check_folders()  # at start: the reachable folder is checked, no dialog
    qtbot.waitUntil(lambda: "added.wav" in window.model.library.names, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running() and not window._chain, timeout=30_000)
    assert not warnings
    assert any(text.startswith("Not reachable now") and str(drive) in text for text in said)
    assert "1 loop left for later: their folder is not reachable now (a drive not mounted?)" in said
    status = dict(zip(window.model.library.names, window.model.library.status, strict=True))
    errors = dict(zip(window.model.library.names, window.model.library.errors, strict=True))
    assert status["far.wav"] == "ok", errors["far.wav"]  # not "missing": the drive is only away

    (root.parent / "moved_away").mkdir()
    root.rename(root.parent / "moved_away" / "loops")
    window.rescan()  # asked for, with no folder reachable: a dialog says why
    assert len(warnings) == 1 and warnings[0].startswith("Not reachable now")
    assert not window.runner.any_running()


def test_add_folder_opens_beside_the_folder_added_last_not_in_the_working_directory(
    qtbot, window, settings, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    opened_at = []

    def dialog(parent, title, start=""):
        opened_at.append(start)
        return ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", dialog)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    window.choose_folder()  # nothing added yet, no Music folder: home
    packs = tmp_path / "packs"
    (packs / "drums").mkdir(parents=True)
    window.add_folders([str(packs / "drums")])
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.choose_folder()
    (packs / "drums").rmdir()
    packs.rmdir()
    window.choose_folder()  # that folder is gone: home again
    assert opened_at[1] == str(packs)
    assert opened_at[0] == opened_at[2] and opened_at[0] != os.getcwd()
    assert os.path.isdir(opened_at[0])


def test_the_banner_does_not_call_another_embedders_scores_out_of_date(qtbot):
    """It read "Scores are out of date: the scores on show come from dsp vectors (run 4); no
    loop has clap vectors yet: …"."""
    from anomalizer_desktop.core.detector.freshness import DESCRIBE, SCORE, ScoreStatus
    from anomalizer_desktop.ui.widgets.stale_banner import StaleScoresBanner

    banner = StaleScoresBanner()
    qtbot.addWidget(banner)
    said = "the scores on show come from dsp vectors (run 4); no loop has clap vectors yet: x"
    banner.set_status(ScoreStatus(4, "clap", 0, 0, DESCRIBE, said, other_embedder=True))
    assert banner.label.text() == "The" + said[3:]
    assert banner.button.text() == "Embed and train"
    banner.set_status(ScoreStatus(4, "dsp", 9, 7, SCORE, "2 loops have no score yet"))
    assert banner.label.text() == "Scores are out of date: 2 loops have no score yet"


def test_the_banner_says_when_a_library_is_too_small_to_train_and_offers_no_button(qtbot):
    from anomalizer_desktop.core.detector.freshness import TRAIN, ScoreStatus, score_status
    from anomalizer_desktop.core.embedding.dsp import DspEmbedder
    from anomalizer_desktop.core.embedding.dsp_features import FEATURE_DIM
    from anomalizer_desktop.ui.widgets.stale_banner import StaleScoresBanner

    store = Store(":memory:")
    root = store.add_root("/l")
    for i in range(2):
        sample = store.insert_sample(f"/l/{i}.wav", root, status="ok")
        store.put_features(sample, "dsp", DspEmbedder.version, np.zeros(FEATURE_DIM, np.float32))
    status = score_status(store, "dsp")
    assert status.action is None and status.embedded == 2
    assert "needs at least 5; add more loops" in status.message
    banner = StaleScoresBanner()
    qtbot.addWidget(banner)
    banner.set_status(status)
    assert not banner.isHidden()
    assert "No scores yet: 2 loops embedded" in banner.label.text()
    assert banner.button.isHidden()
    banner.set_status(ScoreStatus(None, "dsp", 9, 0, TRAIN, "9 loops embedded, none scored"))
    assert not banner.button.isHidden() and banner.button.text() == "Train"
    banner.set_status(None)
    assert banner.isHidden()


def test_train_embeds_the_loops_not_described_yet_first(qtbot, tmp_path, settings, monkeypatch):
    """Train on a library scanned but not embedded (an embedding cancelled): the loops are
    embedded, then trained on. On three loops the dialog says what to do in a sentence; it
    said "need at least 5 embedded loops to train, the library has 0 for dsp (run `anomalizer
    embed` first)", the command line's advice."""
    from anomalizer_desktop.ui import plain_text

    warnings, titles = [], []
    monkeypatch.setattr(
        plain_text, "warn", lambda *args: (titles.append(args[1]), warnings.append(args[2]))
    )
    loops = {f"beat {i}": audiogen.drum_loop(seed=i) for i in range(3)}
    window = window_on_written_loops(qtbot, settings, tmp_path / "three", loops)
    window.act_train.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=30_000)
    assert warnings == [
        "Need at least 5 embedded loops to train, the library has 3 for dsp (add more loops)"
    ]
    assert titles == ["Training default"]  # the dialog names the job (it read "anomalizer")
    window.select_ids([window.model.sample_id(0)])
    window.flag_selection("unusual")
    # (the failed job's dialog comes before its runner lets it go: a second one waits)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.act_retrain.trigger()
    qtbot.waitUntil(lambda: len(titles) == 2, timeout=30_000)
    assert titles[1] == "Training default with 1 flag"  # (it read "1 flags")
    window.runner.cancel_all()
    window.store.close()
    loops = {f"beat {i}": audiogen.drum_loop(seed=i, bpm=96 + 4 * i) for i in range(6)}
    window = window_on_written_loops(qtbot, settings, tmp_path / "six", loops)
    window.act_retrain.trigger()
    wait_until_scored(qtbot, window, 6)
    assert window.store.latest_run_id() is not None and len(warnings) == 2
    window.runner.cancel_all()
    window.store.close()


def test_the_banners_train_describes_the_loops_left_out_first(qtbot, tmp_path, settings):
    """Six loops embedded and two scanned after them (an embedding cancelled): Why unusual? on
    one of the two said "… is not an embedded loop of this library (dsp)", and the banner's
    Train trained on the six, leaving the two without a score."""
    root = audiogen.write_drum_loops(tmp_path / "loops", range(6), "beat {i}.wav", (96, 4))
    path = embedded_library(tmp_path / "lib.sqlite", root)
    audiogen.write_drum_loops(root, (6, 7), "beat {i}.wav", (96, 4))
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    window = window_on_store(qtbot, settings, Store(path))
    qtbot.waitUntil(lambda: window.model.rowCount() == 8, timeout=20_000)
    qtbot.waitUntil(lambda: not window.stale_banner.button.isHidden(), timeout=20_000)
    assert window.stale_banner.button.text() == "Train"
    assert "6 of 8 loops embedded, none scored" in window.stale_banner.label.text()
    left_out = str(root / "beat 7.wav")
    window.go_to_path(left_out)
    qtbot.waitUntil(
        lambda: "not described yet" in window.explain_panel.toPlainText(), timeout=20_000
    )
    assert window.explain_panel.toPlainText() == (
        "This loop is not described yet: press Train to describe and score it."
    )
    window.stale_banner.button.click()
    wait_until_scored(qtbot, window, 8)
    window.runner.cancel_all()
    window.store.close()


def test_why_unusual_on_a_loop_cut_short_says_it_could_not_be_read(qtbot, tmp_path, settings):
    """A file cut short after its scan, which the embedding could not read: Why unusual? said
    "… is not described yet: press Train to describe and score it", which no training does."""
    from anomalizer_desktop.core.detector.model import ModelSpec
    from anomalizer_desktop.core.detector.training import train
    from anomalizer_desktop.core.embedding.job import embed

    root = audiogen.write_drum_loops(tmp_path / "loops", range(7), "beat {i}.wav", (96, 4))
    cut = root / "beat 3.wav"
    path = tmp_path / "lib.sqlite"
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
        cut.write_bytes(cut.read_bytes()[:2000])  # an interrupted copy, after the scan
        run_job(embed(store, "dsp", workers=1))
        run_job(train(store, ModelSpec("knn"), "dsp", tmp_path / "models"))
    window = window_on_store(qtbot, settings, Store(path))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7, timeout=20_000)
    window.go_to_path(str(cut))
    panel = window.explain_panel
    qtbot.waitUntil(lambda: "could not be read" in panel.toPlainText(), timeout=20_000)
    text = panel.toPlainText()
    assert text.startswith("This loop could not be read: truncated: ") and "Train" not in text
    window.runner.cancel_all()
    window.store.close()


def test_loops_scanned_but_not_embedded_are_offered_to_score(qtbot, scored_library, settings):
    """A trained library with two loops scanned since and not embedded (`anomalizer scan`, or
    an embedding cancelled): the scores read as current, no banner, and the two stayed
    without a score. The banner's Score new loops embeds them, then scores them."""
    path, root = scored_library
    for i in (20, 21):
        audiogen.write(root / f"drum_{i}.wav", audiogen.drum_loop(seed=i, bpm=100 + 2 * i))
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    window = window_on_store(qtbot, settings, Store(path))
    banner = window.stale_banner
    qtbot.waitUntil(lambda: banner.button.text() == "Score new loops", timeout=20_000)
    assert not banner.isHidden() and not banner.button.isHidden()
    assert "2 loops added or changed since run 1 have no score yet" in banner.label.text()
    banner.button.click()
    new = [str(root / f"drum_{i}.wav") for i in (20, 21)]

    def scored() -> bool:
        lib = window.model.library
        rows = [lib.paths.index(p) for p in new if p in lib.paths]
        return len(rows) == 2 and not np.isnan(lib.score[rows]).any()

    qtbot.waitUntil(lambda: scored() and not window.runner.any_running(), timeout=60_000)
    qtbot.waitUntil(banner.isHidden, timeout=10_000)
    window.runner.cancel_all()
    window.store.close()


def test_why_unusual_says_a_loop_is_being_described_while_it_is(qtbot, scored_library, settings):
    """A loop scanned since the last training, selected, then the bar's Score new loops
    pressed: Why unusual? went on saying "press Score new loops to describe and score it"
    while the app did just that, until its explanation came."""
    path, root = scored_library
    new = root / "drum_20.wav"
    audiogen.write(new, audiogen.drum_loop(seed=20, bpm=140))
    with Store(path) as store:
        run_job(scan(store, [str(root)]))
    window = window_on_store(qtbot, settings, Store(path))
    banner = window.stale_banner
    qtbot.waitUntil(lambda: banner.button.text() == "Score new loops", timeout=20_000)
    said: list[str] = []
    panel = window.explain_panel
    show_message = panel.show_message
    panel.show_message = lambda text: said.append(text) or show_message(text)
    window.go_to_path(str(new))
    qtbot.waitUntil(lambda: "press Score new loops" in panel.toPlainText(), timeout=20_000)
    # the window's look at its folders as it opens is a library job too: while it ran (on a
    # busy machine) the button's embedding could not start, nor say it was on its way
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    banner.button.click()
    assert window._explain_timer.isActive()  # asked again as the job starts...
    window._explain_current()  # ...(its 200 ms may outlast so small a job: asked now)
    qtbot.waitUntil(
        lambda: not window.runner.any_running() and panel.toPlainText().startswith("drum_20.wav"),
        timeout=60_000,
    )
    being = "This loop is being described: why it is (or is not) unusual shows here once it is"
    assert any(text.startswith(being) for text in said), said
    assert "more unusual than" in panel.toPlainText() or "less unusual than" in (
        panel.toPlainText()
    )
    window.runner.cancel_all()
    window.store.close()


def test_the_counts_of_one_loop_read_in_the_singular(qtbot, tmp_path, settings):
    """The status bar said "1 loops · … · 1 errors"."""
    window = window_on_written_loops(qtbot, settings, tmp_path / "one", {"beat": audiogen.noise()})
    (tmp_path / "one" / "broken.wav").write_bytes(b"RIFF and nothing")
    window.rescan()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=20_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    parts = window.counts_label.full_text().split(" \u00b7 ")
    assert parts[0] == "2 loops" and parts[2] == "1 error", parts
    window.store.forget_samples([window._id_at(str(tmp_path / "one" / "broken.wav"))])
    window.reload()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=20_000)
    parts = window.counts_label.full_text().split(" \u00b7 ")
    assert parts[0] == "1 loop" and parts[2] == "0 errors", parts
    window.runner.cancel_all()
    window.store.close()


def test_a_side_jobs_failure_names_the_button_not_the_command(qtbot, tmp_path, settings):
    """Try loops from outside on a library never trained: the status bar said "no trained
    detector yet: run `anomalizer train` first"."""
    from anomalizer_desktop.ui.window_words import in_window_words

    loops = {f"beat {i}": audiogen.drum_loop(seed=i) for i in range(3)}
    window = window_on_written_loops(qtbot, settings, tmp_path / "untrained", loops)
    window.try_newcomers([str(tmp_path / "untrained")])
    said = "No trained detector yet: press Train first"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == said, timeout=30_000)
    assert in_window_words("x (press Embed first)\nmore") == "X (press Embed first)"
    window.runner.cancel_all()
    window.store.close()


def wait_until_scored(qtbot, window, loops: int) -> None:
    """Until the window shows `loops` loops, every one scored, with no job running."""
    qtbot.waitUntil(
        lambda: (
            window.model.rowCount() == loops
            and not window.runner.any_running()
            and not np.isnan(window.model.library.score).any()
        ),
        timeout=60_000,
    )


def test_the_welcome_pages_demo_loops_are_written_added_and_scored(
    qtbot, tmp_path, settings, monkeypatch
):
    """A first start with no loops at hand: "Try it on demo loops" writes them beside the
    library, adds their folder as Add folder does (scan, embed, train), and the four that do
    not belong come first; the next Add folder dialog does not open in the app's data."""
    from anomalizer_desktop.core.demo_loops import ODD_NAMES
    from anomalizer_desktop.ui import window_jobs

    folder = tmp_path / "data" / "demo loops"
    monkeypatch.setattr(window_jobs, "demo_folder", lambda: folder)
    path = tmp_path / "new.sqlite"
    store = Store(path)
    window = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.pages.currentIndex() == 0  # the welcome page, with the demo's button
    # nothing to rescan, embed, train or export yet: greyed out, where each opened a dialog
    # that said so ("need at least 5 embedded loops to train, the library has 0")
    library_actions = [
        window.act_rescan,
        window.act_embed,
        window.act_train,
        window.act_retrain,
        window.act_export,
        window.act_try_newcomers,
        window.act_forget_missing,
        window.act_remove_folder,
    ]
    assert [act.isEnabled() for act in library_actions] == [False] * 8
    assert window.act_train.toolTip() == (
        "Learn what is normal here and score every loop (add a folder of loops first)"
    )
    qtbot.mouseClick(window.demo_button, Qt.MouseButton.LeftButton)
    assert not window.welcome_button.isEnabled()  # no other folder while they are written
    wait_until_scored(qtbot, window, 44)
    assert window.pages.currentIndex() == 1
    top = {os.path.basename(window.model.path(row)) for row in range(4)}
    assert top == set(ODD_NAMES)  # sorted by Unusual %, the oddest first
    assert [p for _, p in store.roots()] == [str(folder)]
    assert window.welcome_button.isEnabled() and window.demo_button.isEnabled()
    assert [act.isEnabled() for act in library_actions] == [True] * 8
    assert window.act_train.toolTip() == "Learn what is normal here and score every loop"
    assert settings.get("last_folder") != str(folder)
    window.runner.cancel_all()
    store.close()


def test_a_folder_of_loops_it_cannot_read_says_so_and_trains_once_loops_come(
    qtbot, tmp_path, settings, monkeypatch
):
    """A first folder of Apple Loops (.m4a) and REX files: the welcome page says what it held
    and what anomalizer reads (it said nothing, and a dialog said a training needs 5 loops).
    Once WAVs are there, Rescan embeds them and trains: the library was never trained."""
    from anomalizer_desktop.ui import plain_text

    warnings = []
    monkeypatch.setattr(plain_text, "warn", lambda *args: warnings.append(args[2]))
    folder = tmp_path / "Apple Loops"
    folder.mkdir()
    for name in ("a.m4a", "b.m4a", "c.rx2"):
        (folder / name).write_bytes(b"\x00" * 64)
    path = tmp_path / "new.sqlite"
    store = Store(path)
    window = window_on_store(qtbot, settings, store)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    window.add_folders([str(folder)])
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    said = (
        "No loops found in Apple Loops: it holds 3 files in formats anomalizer does not read:"
        " .m4a 2, .rx2 1. anomalizer reads WAV, AIFF, FLAC, CAF, Ogg Vorbis, Opus, MP3 and AU."
    )
    assert window.welcome_status.text() == said
    assert window.statusBar().currentMessage() == said
    assert window.pages.currentIndex() == 0 and warnings == []
    # a folder to look at again, no loop to train on yet
    assert window.act_rescan.isEnabled() and window.act_remove_folder.isEnabled()
    assert not window.act_train.isEnabled() and not window.act_try_newcomers.isEnabled()
    for i in range(6):
        audiogen.write(folder / f"drum_{i}.wav", audiogen.drum_loop(seed=i, bpm=100 + 4 * i))
    window.rescan()
    wait_until_scored(qtbot, window, 6)
    assert store.latest_run_id() is not None and warnings == []
    assert window.statusBar().currentMessage() != said
    # the welcome page's line keeps no progress words of the finished jobs ("Training… 5/5"),
    # which a library emptied later showed
    assert window.welcome_status.text() == ""
    window.runner.cancel_all()
    store.close()


def test_help_try_the_demo_loops_keeps_them_out_of_the_producers_library(
    qtbot, window, scored_library, tmp_path, monkeypatch
):
    """Help > Try the demo loops from a library with loops opens a library of their own for
    them (the producer's keeps its 17 loops), where they are scored."""
    from anomalizer_desktop.core.demo_loops import ODD_NAMES
    from anomalizer_desktop.ui import window_actions, window_jobs

    path, _ = scored_library
    demo_library = tmp_path / "data" / "demo.sqlite"
    demo_library.parent.mkdir()
    monkeypatch.setattr(window_actions, "demo_library_path", lambda: demo_library)
    monkeypatch.setattr(window_jobs, "demo_folder", lambda: tmp_path / "data" / "demo loops")
    assert window.act_demo.text() == "Try the demo loops"
    demo = window.open_demo()
    qtbot.addWidget(demo)
    try:
        assert demo is not window and demo.store.path == str(demo_library)
        qtbot.waitUntil(
            lambda: (
                demo.model.rowCount() == 44
                and not demo.runner.any_running()
                and not np.isnan(demo.model.library.score).any()
            ),
            timeout=60_000,
        )
        top = {os.path.basename(demo.model.path(row)) for row in range(4)}
        assert top == set(ODD_NAMES)
        with Store(path) as mine:
            assert len(mine.list_samples()) == 17
        assert demo.open_demo() is demo  # from the demo library: into itself again
    finally:
        demo.runner.cancel_all()
        qtbot.waitUntil(lambda: not demo.runner.any_running(), timeout=20_000)
        demo.close()
        demo.store.close()


def test_adding_a_folder_the_library_holds_keeps_the_scores_instead_of_training(
    qtbot, window, scored_library, tmp_path
):
    """Add folder on a folder already in the library brought nothing new, yet trained again
    (a new run of the same model, 12 s or more in a big library). Now the scores stand and
    the status bar says why; a folder with a few new loops for the library's size is scored
    by the last training, and one with more is trained on."""
    _, root = scored_library
    store = window.store
    run = store.latest_run_id()
    window.detector_box.setCurrentText("knn")  # the detector of the fixture's run
    (root / "broken.wav").unlink()  # (its problem line would take the status bar)
    window.add_folders([str(root)], remember=False)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert store.latest_run_id() == run
    assert window.statusBar().currentMessage() == (
        "Nothing new in loops: its 16 loops are in the library already, so the scores stand."
    )
    more = tmp_path / "more"
    for i in range(3):
        audiogen.write(more / f"bass_{i}.wav", audiogen.tone(55 * (i + 1), 2.0))
    window.add_folders([str(more)], remember=False)
    qtbot.waitUntil(lambda: window.model.rowCount() == 20, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert store.latest_run_id() == run  # 3 loops beside 16: scored as the library was
    assert (
        window.statusBar()
        .currentMessage()
        .startswith(f"Scored 3 new loops against your library as run {run} learnt it:")
    )
    assert _scores_of_run(store, run) == 19  # (broken.wav stays, missing, with its flags)
    assert window.stale_banner.isHidden()  # the scores are current
    many = tmp_path / "many"
    for i in range(10):  # as many as the default detector's neighbours: news
        audiogen.write(many / f"pad_{i}.wav", audiogen.tone(110 + 20 * i, 2.0))
    window.add_folders([str(many)], remember=False)
    qtbot.waitUntil(lambda: store.latest_run_id() != run, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    assert window.model.rowCount() == 30
    assert _scores_of_run(store, store.latest_run_id()) == 29
    # another detector chosen since: a small folder is trained on with it, not scored by the
    # run of the one before
    trained = store.latest_run_id()
    window.detector_box.setCurrentText("default")
    last = tmp_path / "last"
    audiogen.write(last / "hat.wav", audiogen.noise(1.0))
    window.add_folders([str(last)], remember=False)
    qtbot.waitUntil(lambda: store.latest_run_id() != trained, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.any_running(), timeout=20_000)
    detector = store.execute(
        "SELECT detector FROM runs WHERE id = ?", (store.latest_run_id(),)
    ).fetchone()[0]
    assert detector == "default"


def _scores_of_run(store, run_id: int) -> int:
    return store.execute("SELECT COUNT(*) FROM scores WHERE run_id = ?", (run_id,)).fetchone()[0]
