"""Counts in messages read as English: no "loop(s)", and the verb agrees."""

from __future__ import annotations

from anomalizer_desktop.core.text import file_size, one_line, quantity, quantity_with_verb, took


def test_one_line_escapes_control_characters_only():
    assert one_line("two\nlines.wav") == "two\\nlines.wav"
    assert one_line("tab\there\x1b.wav") == "tab\\there\\x1b.wav"
    assert one_line("Café\u00a0Loop 🥁.wav") == "Café\u00a0Loop 🥁.wav"  # printable as it is


def test_quantity_uses_the_singular_for_one_only():
    assert [quantity(n, "loop") for n in (0, 1, 2)] == ["0 loops", "1 loop", "2 loops"]
    assert quantity(3, "missing loop") == "3 missing loops"
    assert quantity(2, "mouse", "mice") == "2 mice"


def test_the_verb_agrees_with_the_count():
    assert quantity_with_verb(1, "loop", "has", "have") == "1 loop has"
    assert quantity_with_verb(4, "row", "matches", "match") == "4 rows match"


def test_some_names_cuts_a_list_short_and_says_how_many_more():
    from anomalizer_desktop.core.text import some_names

    assert some_names(["/a/x.wav", "/b/y.wav"], 3) == "x.wav, y.wav"
    assert some_names([f"/p/{i}.wav" for i in range(4)], 3) == "0.wav, 1.wav, 2.wav…"
    long = [f"/p/{i}.wav" for i in range(10)]
    assert some_names(long, 8, "\n", "\n…and {n} more").endswith("7.wav\n…and 2 more")


def test_telling_folders_go_up_only_as_far_as_tells_namesakes_apart():
    from anomalizer_desktop.core.text import telling_folders

    paths = [
        "/loops/Pack A/Drums/Kick 01.wav",
        "/loops/Pack B/Drums/Kick 01.wav",
        "/loops/Pack B/Drums/Snare.wav",
        "/loops/Pack C/Kick 01.wav",
        "/Kick 02.wav",
    ]
    assert telling_folders(paths) == ["Pack A/Drums", "Pack B/Drums", "Drums", "Pack C", "/"]
    # one copy's folder ends as the other's whole path: it goes as far up as there is
    assert telling_folders(["/a/b/x.wav", "/b/x.wav"]) == ["a/b", "/b"]
    assert telling_folders([]) == []


def test_file_sizes_read_in_the_unit_that_suits_them():
    """A drive's free space was said in kB ("51,380,224 kB free"); now as any size is."""
    sizes = [0, 12 << 10, 3_200_000, 482_000_000, 1_234_000_000, 52_613_349_376]
    assert [file_size(s) for s in sizes] == ["0 kB", "12 kB", "3.2 MB", "482 MB", "1.2 GB", "53 GB"]


def test_when_added_reads_as_a_file_managers_date_column():
    import time

    from anomalizer_desktop.core.text import when_added

    now = time.mktime((2026, 11, 30, 13, 40, 0, 0, 0, -1))  # local time, as the column shows
    assert when_added(now - 60, now) == "Today 13:39"
    assert when_added(now - 13 * 3600, now) == "Today 00:40"
    assert when_added(now - 14 * 3600, now) == "Yesterday 23:40"
    assert when_added(now - 2 * 86400, now) == "28 Nov 13:40"
    assert when_added(now - 400 * 86400, now) == "26 Oct 2025"


def test_how_long_a_job_took_reads_in_seconds_then_minutes():
    assert [took(s) for s in (0.8, 1.44, 9.96, 14.4, 59.6, 60, 269.9, 3600)] == [
        "0.8 s",
        "1.4 s",
        "10 s",
        "14 s",
        "1 min 00 s",
        "1 min 00 s",
        "4 min 30 s",
        "60 min 00 s",
    ]
    assert [took(s) for s in (0.0, 0.049, 0.05)] == ["under 0.1 s", "under 0.1 s", "0.1 s"]


def test_a_score_a_hair_under_zero_reads_zero_not_minus_zero():
    from anomalizer_desktop.core.text import score_text

    assert [score_text(v) for v in (-0.0004, -0.0, 0.0, 0.0004)] == ["0.000"] * 4
    assert score_text(-0.0005001) == "-0.001"  # a score below zero at that precision stays
    assert score_text(-0.049) == "-0.049" and score_text(9.3104) == "9.310"


def test_a_click_of_a_few_samples_reads_under_a_hundredth_not_nothing():
    from anomalizer_desktop.core.text import length_text

    lengths = (30 / 44100, 0.0049, 0.005, 1.5, 0.0)
    assert [length_text(s) for s in lengths] == ["<0.01 s", "<0.01 s", "0.01 s", "1.50 s", "0.00 s"]
    assert length_text(30 / 44100, unit="") == "<0.01"


def test_folded_text_compares_case_and_accents_alike():
    from anomalizer_desktop.core.text import folded

    assert folded("Cafe\u0301") == folded("CAF\u00c9") == "caf\u00e9"
    assert folded("Kick_120BPM") == "kick_120bpm"
