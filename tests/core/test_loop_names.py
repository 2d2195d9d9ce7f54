"""Tempo and key as loop names declare them: what packs write, and what must not be read."""

from __future__ import annotations

import numpy as np
import pytest

from anomalizer_desktop.core.loop_names import KEY_ORDER, key_rank, read_tags


@pytest.mark.parametrize(
    ("path", "tempo", "source", "key"),
    [
        ("/p/Cymatics - Loop 1 - 128 BPM F#min.wav", 128.0, "file name", "F#m"),
        ("/p/bass_120bpm_A_minor.wav", 120.0, "file name", "Am"),
        ("/p/Vocal Chop - 95 BPM - Eb Major.wav", 95.0, "file name", "Eb"),
        ("/p/bpm_92.5_Bbm chord.wav", 92.5, "file name", "Bbm"),
        ("/p/SO_CB_90_piano_loop_Cm.wav", 90.0, "lone number", "Cm"),
        ("/p/SO_CB_90_piano_loop_C.wav", 90.0, "lone number", "C"),  # a bare note, tagged name
        ("/p/Drum [128] Loop.wav", 128.0, "lone number", None),
        ("/p/120 BPM/Hat Loop 3.wav", 120.0, "folder name", None),
        ("/p/Trap 140bpm/Hats/Hat Loop.wav", 140.0, "folder name", None),
        ("/p/x/GuitarStrums__Dsharp_minor_03.flac", None, "", "Ebm"),
        ("/p/x/GuitarStrums__Emajor_01.flac", None, "", "E"),
        ("/p/x 120 E sharp minor y.wav", 120.0, "lone number", "Fm"),
        # what must not be read
        ("/p/101_ZildjianSplashChoke-Soft.wav", None, "", None),  # a numbering, first
        ("/p/Kick 120.wav", None, "", None),  # last: a numbering as often as a tempo
        ("/p/Loop 75 - 120 - x.wav", None, "", None),  # two candidates
        ("/p/Kick 001.wav", None, "", None),
        ("/p/808 Kick.wav", None, "", None),
        ("/p/Kick A.wav", None, "", None),  # a variation letter, not a key
        ("/p/Dmin7 stab.wav", None, "", None),  # a chord, not a key
        ("/p/Loop 2000 BPM.wav", None, "", None),  # out of range
        ("/p/lmms__beats__909beat01.ogg", None, "", None),
        ("/p/Pad Am and Cm.wav", None, "", None),  # two keys: none
    ],
)
def test_names_give_what_they_declare_and_nothing_they_do_not(path, tempo, source, key):
    tags = read_tags(path)
    assert (tags.tempo, tags.tempo_from, tags.key) == (tempo, source, key)


def test_one_key_is_one_spelling_and_keys_sort_round_the_scale():
    """ "A#m" and "Bbm" are one key, shown as its key signature spells it, so that sorting
    and grouping by key puts them together."""
    spellings = ["/p/x 100 A#m.wav", "/p/x 100 Bbm.wav", "/p/x 100 A sharp minor.wav"]
    assert {read_tags(p).key for p in spellings} == {"Bbm"}
    assert read_tags("/p/x 100 Gbmaj.wav").key == read_tags("/p/x 100 F# major.wav").key == "F#"
    assert [key_rank(k) for k in ("C", "Db", "B", "Cm", "Bm")] == [0, 1, 11, 12, 23]
    assert len(set(KEY_ORDER)) == 24
    assert key_rank(None) != key_rank(None)  # NaN: loops without a key sort last


def test_filter_terms_for_tempo_and_key_come_out_of_the_text():
    from anomalizer_desktop.core.loop_names import TagQuery, parse_query, spell_key

    assert parse_query("bass bpm:118-122 key:a#m") == TagQuery("bass", (118.0, 122.0), "Bbm")
    assert parse_query("bpm:120") == TagQuery("", (119.5, 120.5), None)
    assert parse_query("key:F# minor pad") == TagQuery("pad", None, "F#m")
    assert parse_query("bpm:128-120").tempo == (120.0, 128.0)
    # what reads as no tempo or key stays text: it finds nothing rather than everything
    assert parse_query("key:x bpm:abc") == TagQuery("key:x bpm:abc", None, None)
    assert parse_query("kick") == TagQuery("kick", None, None)
    assert [spell_key(k) for k in ("am", "Eb", "bbm", "C major", "H", "")] == [
        "Am", "Eb", "Bbm", "C", None, None,
    ]  # fmt: skip


def test_a_bars_term_keeps_loops_of_that_many_whole_bars_at_their_tempo():
    import numpy as np

    from anomalizer_desktop.core.loop_names import lasts_bars, parse_query, whole_bars

    assert (
        parse_query("bass bars:4").bars == (4.0, 4.0) and parse_query("bass bars:4").text == "bass"
    )
    assert parse_query("bars:4-2 bpm:120").bars == (2.0, 4.0)
    assert parse_query("bars:x").text == "bars:x"  # finds nothing rather than everything
    seconds = np.array([4.0, 8.0, 3.0, 4.3, 3.76, 4.0, 0.3])
    tempo = np.array([120, 120, 120, 120, 128, np.nan, 120])
    bars = whole_bars(seconds, tempo)
    assert bars[:2].tolist() == [2.0, 4.0] and bars[4] == 2.0  # 10 ms off: still two bars
    assert np.isnan(bars[[2, 3, 5, 6]]).all()  # 6 beats; 2.15 bars; no tempo; a one-shot
    assert lasts_bars(8.0, 120, (2, 4)) and not lasts_bars(8.0, None, (2, 4))
    assert not lasts_bars(None, 120, (2, 4)) and not lasts_bars(4.3, 120, (2, 2))


def test_a_key_written_in_the_name_comes_before_the_files_tags_and_they_before_a_bare_note():
    from anomalizer_desktop.core.loop_names import declared_key, declared_tempo

    written = read_tags("/p/Pad 100 BPM F#min.wav")
    bare = read_tags("/p/SO_90_keys_loop_C.wav")
    silent = read_tags("/p/Pad.wav")
    assert declared_key(written, "Am") == ("F#m", "file name")
    assert declared_key(bare, "Am") == ("Am", "loop tags")
    assert declared_key(bare, None) == ("C", "file name")
    assert declared_key(silent, "Am") == ("Am", "loop tags")
    assert declared_key(silent, None) == (None, "")
    assert declared_tempo(written, 97.0) == (100.0, "file name")
    assert declared_tempo(bare, 97.0) == (97.0, "loop tags")
    assert declared_tempo(silent, None) == (None, "")


def test_an_added_term_counts_back_from_now():
    import time

    from anomalizer_desktop.core.loop_names import added_since, parse_query

    now = time.mktime((2026, 11, 30, 13, 40, 0, 0, 0, -1))
    assert parse_query("bass added:3d", now=now).added == now - 3 * 86400
    query = parse_query("added:12h kick", now=now)
    assert (query.text, query.added) == ("kick", now - 12 * 3600)
    assert parse_query("added:2w", now=now).added == now - 14 * 86400
    assert parse_query("added:today", now=now).added == time.mktime(
        (2026, 11, 30, 0, 0, 0, 0, 0, -1)
    )  # local midnight
    assert parse_query("added:3x").added is None  # not a time: stays text, finds nothing
    assert parse_query("added:3x").text == "added:3x"
    with pytest.raises(ValueError, match="say today, 12h, 3d or 2w"):
        added_since("soon")


def test_a_key_term_with_a_plus_asks_for_the_keys_that_mix_with_it():
    from anomalizer_desktop.core.loop_names import (
        Declared,
        mixing_keys,
        parse_query,
        spell_key_term,
        wanted_keys,
    )

    # the Camelot wheel's neighbours: relative major or minor, a fifth up and down
    assert mixing_keys("Am") == ("Am", "C", "Em", "Dm")
    assert mixing_keys("C") == ("C", "Am", "G", "F")
    assert mixing_keys("F#m") == ("F#m", "A", "C#m", "Bm")
    assert mixing_keys("Eb") == ("Eb", "Cm", "Bb", "Ab")
    assert parse_query("bass key:a minor+").key == "Am+"
    assert parse_query("key:F# minor+ pad") == parse_query("pad key:f#m+")
    assert wanted_keys("Am+") == {"Am", "C", "Em", "Dm"} and wanted_keys("Am") == {"Am"}
    assert spell_key_term("bb minor+") == "Bbm+" and spell_key_term("H+") is None
    says = Declared(120.0, "file name", "C", "file name")
    assert says.matches(None, "Am+") and not says.matches(None, "Am")


def test_the_unusual_term_and_what_it_keeps_follow_the_percent_the_table_shows():
    from anomalizer_desktop.core.loop_names import (
        TagQuery,
        parse_query,
        unusual_range,
        within_unusual,
    )
    from anomalizer_desktop.core.text import unusual_percent

    assert parse_query("bass unusual:90").unusual == (90.0, 100.0)
    assert parse_query("bass unusual:90").text == "bass"
    assert parse_query("UNUSUAL:50-80 bpm:120").unusual == (50.0, 80.0)
    assert parse_query("unusual:99.5").unusual == (99.5, 100.0)
    assert parse_query("unusual:120").unusual is None  # stays text: it finds nothing
    assert parse_query("unusual:120").text == "unusual:120"
    # the loops the latest training moved across the cut, either way
    assert parse_query("bass Unusual:NEW").crossed == "new"
    assert parse_query("bass Unusual:NEW").text == "bass"
    assert parse_query("unusual:fell unusual:90") == TagQuery(
        "", unusual=(90.0, 100.0), crossed="fell"
    )
    assert parse_query("unusual:newer").crossed is None  # stays text: it finds nothing
    assert unusual_range("80-50") == (50.0, 80.0)
    for bad in ("", "x", "101", "50-", "-5"):
        with pytest.raises(ValueError, match="not an Unusual %"):
            unusual_range(bad)
    # a loop shown as 80 (80.7, rounded down) is within 50-80; one shown as 99.9 within 99.9
    values = np.r_[np.linspace(0, 100, 2001), 80.7, 99.95, np.nan]
    for span in ((50.0, 80.0), (90.0, 100.0), (99.9, 100.0), (0.0, 0.0)):
        kept = within_unusual(values, span)
        shown = [float(unusual_percent(v)) if v == v else None for v in values]
        expected = [s is not None and span[0] <= s <= span[1] for s in shown]
        assert kept.tolist() == expected
