"""The held-out scenario builder sorts drum-kit files by name and writes the corpus layout."""

from __future__ import annotations

import csv

from corpus.build_holdout import CLASSES, build, classify

KITS = "hydrogen-drumkits/usr/share/hydrogen/data/drumkits"


def fake_cache(root):
    names = {
        "KitA": ["BD_01.aiff", "Kick-0.wav", "SN_02.aiff", "HiHatOpen-1.wav", "hh_03.flac"],
        "KitB": ["crash_04.flac", "RD_05.aiff", "tom-low-1.flac", "ft_01.flac", "Cowbell-Med.wav"],
        "KitC": [
            "EE_Kick_Hard_1.flac",
            "bd_02.flac",
            "snare1.flac",
            "README.txt",
            "emptySample.flac",
        ],
    }
    for kit, files in names.items():
        for name in files:
            path = root / KITS / kit / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"audio")
    return root


def test_files_are_sorted_into_instrument_classes(tmp_path):
    classes = classify(fake_cache(tmp_path))
    names = {key: sorted(p.name for p in files) for key, files in classes.items() if key in CLASSES}
    assert names["kick"] == ["BD_01.aiff", "EE_Kick_Hard_1.flac", "Kick-0.wav", "bd_02.flac"]
    assert names["snare"] == ["SN_02.aiff", "snare1.flac"]
    assert names["hihat"] == ["HiHatOpen-1.wav", "hh_03.flac"]
    assert names["cymbal"] == ["RD_05.aiff", "crash_04.flac"]
    assert names["tom"] == ["ft_01.flac", "tom-low-1.flac"]
    assert names["hand"] == ["Cowbell-Med.wav"]


def test_a_scenario_has_its_class_as_normals_and_others_as_outliers(tmp_path):
    out = tmp_path / "out"
    build(out, fake_cache(tmp_path / "cache"))
    with open(out / "kicks" / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    normals = [r for r in rows if r["label"] == "normal"]
    outliers = [r for r in rows if r["label"] == "outlier"]
    assert len(normals) == 4 and len(outliers) == 2
    assert all((out / "kicks" / r["path"]).is_file() for r in rows)
    assert all(
        "hh" in r["path"].lower()
        or "hat" in r["path"].lower()
        or "crash" in r["path"]
        or "RD" in r["path"]
        for r in outliers
    )
