"""Tag keys as kept: given in the order tags come, kept with their tag, freed when a library
opens without it, and read back from the settings whatever they hold."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from anomalizer_desktop.ui.settings import Settings
from anomalizer_desktop.ui.tag_keys import TagKeys, load_tag_keys, save_tag_keys


def test_free_keys_go_to_new_tags_most_used_first_and_keys_stay_with_their_tag():
    keys = TagKeys().filled(["drums", "dark", "Drums"])
    assert keys.keys == {1: "drums", 2: "dark"}  # one key per tag, case aside
    keys = TagKeys({2: "dark"}).filled(["drums", "DARK", "bass"])
    assert keys.keys == {1: "drums", 2: "dark", 3: "bass"}
    assert keys.digit_of("Bass") == 3 and keys.digit_of("kick") is None
    many = TagKeys().filled(f"tag {i}" for i in range(20))
    assert sorted(many.keys) == list(range(1, 10)) and many.keys[9] == "tag 8"
    assert keys.without_unused(["DRUMS", "bass"]).keys == {1: "drums", 3: "bass"}
    chosen = TagKeys({5: "dark"}, chosen=True)
    assert chosen.filled(["drums"]) == chosen  # the producer's keys change only by them
    assert chosen.without_unused([]) == chosen


def test_keys_are_kept_per_library_and_odd_settings_read_as_none(tmp_path):
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    save_tag_keys(settings, a, TagKeys({1: "dark", 2: 'say "hi"\\ ü'}))
    save_tag_keys(settings, b, TagKeys({9: "pads"}, chosen=True))
    assert load_tag_keys(settings, a) == TagKeys({1: "dark", 2: 'say "hi"\\ ü'})
    assert load_tag_keys(settings, str(b)) == TagKeys({9: "pads"}, chosen=True)
    assert load_tag_keys(settings, tmp_path / "c.sqlite") == TagKeys()
    for text in ("not json", "[1, 2]", '{"keys": {"0": "x", "10": "y", "x": "z"}}', '{"keys": 3}'):
        assert TagKeys.from_text(text) == TagKeys()
    assert TagKeys.from_text('{"keys": {"3": "ok", "4": "  "}}') == TagKeys({3: "ok"})


def test_a_renamed_tag_takes_its_key_along_and_a_merged_one_frees_it():
    keys = TagKeys({1: "drms", 2: "drums", 3: "dark"})
    assert keys.renamed("DRMS", "kick drums").keys == {1: "kick drums", 2: "drums", 3: "dark"}
    assert keys.renamed("dark", "Dark").keys == {1: "drms", 2: "drums", 3: "Dark"}  # respelt
    assert keys.renamed("drms", "Drums").keys == {2: "drums", 3: "dark"}  # merged: 1 is free
    assert keys.renamed("bass", "sub") == keys  # no key: nothing to move
    chosen = TagKeys({4: "drms"}, chosen=True)  # a rename is the producer's own change
    assert chosen.renamed("drms", "drums") == TagKeys({4: "drums"}, chosen=True)


def test_keys_outlive_the_recent_list_a_library_per_project(tmp_path):
    """Open recent lists 8 libraries; their own keys are kept for many more, so the keys of a
    producer's ninth project library are not given out again."""
    from anomalizer_desktop.ui.settings import (
        LIBRARY_LINES_KEPT,
        RECENT_LIBRARIES,
        recent_libraries,
        remember_library,
    )

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    libraries = [tmp_path / f"song-{i}.sqlite" for i in range(20)]
    for i, library in enumerate(libraries):
        remember_library(settings, library)
        save_tag_keys(settings, library, TagKeys({1: f"take {i}"}))
    assert len(recent_libraries(settings)) == RECENT_LIBRARIES < len(libraries)
    assert load_tag_keys(settings, libraries[0]) == TagKeys({1: "take 0"})
    for i in range(LIBRARY_LINES_KEPT):
        save_tag_keys(settings, tmp_path / f"more-{i}.sqlite", TagKeys({2: "x"}))
    assert load_tag_keys(settings, libraries[0]) == TagKeys()  # the bound is still there
