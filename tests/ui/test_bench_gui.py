"""`anomalizer bench gui` runs end to end on a small library and prints its figures.

It runs as the command it is, in its own process: the bench makes its own widgets and job
threads, which are not meant to share a process with the tests' windows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_bench_gui_prints_every_figure(tmp_path):
    command = [sys.executable, "-m", "anomalizer_desktop.cli", "bench", "gui", "--rows", "300"]
    done = subprocess.run(
        [*command, "--embed-files", "4", "--map-loops", "40", "--json", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    timed = [key for key in report if key.endswith("_ms") and not key.startswith("reload_")]
    assert {"snapshot_ms", "likeness_ms", "explain_first_ms", "explain_next_ms"} <= set(timed)
    assert all(report[key] >= 0 for key in timed)
    assert {"flag_unusual_ms", "flag_clear_ms"} <= set(timed)
    assert report["ui_max_gap_ms_after_flag_unusual"] >= 0
    # T on the Unflagged list: the loop leaves it (and its undo brings it back)
    assert report["unflagged_list_left_by"] == 1
    assert {"flag_leaving_unflagged_list_ms", "undo_back_into_unflagged_list_ms"} <= set(timed)
    for key in ("reload_read_ms", "reload_show_ms", "ui_max_gap_ms_while_reading"):
        assert len(report[key]) == 3 and all(value >= 0 for value in report[key])  # 3 reloads
    assert report["rows"] == report["still_selected"] == 300  # Ctrl+A survived the filter
    # then every loop flagged and tagged at once, and both undone
    assert {"flag_all_ms", "tag_all_ms", "undo_tag_all_ms"} <= set(timed)
    assert report["tag_all_loops"] == 300
    assert report["flagged_after"] == report["flagged_before"] > 0
    assert report["embed_files"] == 4 and report["peak_rss_mb"] > 0
    assert report["sound_map_loops"] == 40 and report["ui_max_gap_ms_during_sound_map"] > 0
    assert report["scatter_points"] == 300 and report["scatter_filled_ms"] >= 0
    # every third loop tagged, one in five of those "keep": rows 15, 30 ... 300
    assert {"tag_filter_ms", "tag_list_from_library_ms"} <= set(timed)
    assert report["tag_filter_rows"] == 20 and report["tags"] == 97 + 7 + 1
