"""Build held-out evaluation scenarios from the corpus cache, to choose detector defaults on.

`../shared/corpus/build_corpus.sh` fetches four Debian packages of real samples and assembles the
three shared scenarios from them. The same packages hold many more sounds; this script sorts the
drum-kit one-shots and a few other folders into instrument classes by file name and assembles
*other* scenarios in the same layout (`OUT/<scenario>/{normal,outlier}/`, `labels.csv`): one
class as the library, about 12 % of the files drawn at random (fixed seed) from other classes as
the outliers. Defaults are chosen on these, then reported on the shared three, so that the shared
scenarios are a test set rather than a tuning set.

    python tests/corpus/build_holdout.py OUT [--cache DIR]

Run `build_corpus.sh` once first: it fills the cache this script reads. Not part of the test run.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
from pathlib import Path

AUDIO = {".wav", ".flac", ".ogg", ".aif", ".aiff"}
CONTAMINATION = 0.12
SEED = 2025

#: instrument class -> file-name pattern (matched case-insensitively on the name without folder)
CLASSES = {
    "kick": r"kick|bassdrum|(^|[^a-z])bd([^a-z]|$)",
    "snare": r"snare|(^|[^a-z])(sn|sd)[0-9_ ]",
    "hihat": r"hi-?hat|(^|[^a-z])(hh|chh|ohh|ho)([^a-z]|$)|(^|[^a-z])hat([^a-z]|$)",
    "cymbal": r"crash|ride|china|splash|cymbal|(^|[^a-z])(cc|rc|rd)[0-9_]",
    "tom": r"tom|(^|[^a-z])(ft|t1|t2)_",
    "hand": r"bongo|conga|cajon|clave|cowbell|djembe|agogo|dununba|kenkeni|sangban|shaker",
}

#: scenario -> (normal class or folder key, outlier classes or folder keys)
SCENARIOS = {
    "kicks": ("kick", ("hihat", "cymbal")),
    "hihats": ("hihat", ("tom", "kick")),
    "cymbals": ("cymbal", ("snare",)),
    "toms": ("tom", ("hihat", "hand")),
    "hand_percussion": ("hand", ("cymbal", "kick")),
    "pads": ("pads", ("sonicpi_drums",)),
    "kit_beats": ("rumpf_beats", ("sonicpi_tonal",)),
}


def classify(cache: Path) -> dict[str, list[Path]]:
    """Files of the cache sorted into classes (a file matching two patterns is left out)."""
    kits = cache / "hydrogen-drumkits/usr/share/hydrogen/data/drumkits"
    sonic = cache / "sonic-pi-samples/usr/share/sonic-pi/samples"
    lmms = cache / "lmms-common/usr/share/lmms/samples"
    found: dict[str, list[Path]] = {name: [] for name in CLASSES}
    for path in sorted(kits.rglob("*")):
        if path.suffix.lower() not in AUDIO or "rumpf" in str(path):
            continue
        hits = [name for name, rx in CLASSES.items() if re.search(rx, path.stem, re.IGNORECASE)]
        if len(hits) == 1:
            found[hits[0]].append(path)
    found["pads"] = sorted(lmms.glob("stringsnpads/*")) + sorted(sonic.glob("ambi_*"))
    found["sonicpi_drums"] = sorted(sonic.glob("drum_*")) + sorted(sonic.glob("elec_*"))
    found["rumpf_beats"] = sorted((kits / "rumpf_kit_z01_h2").glob("*.flac"))
    found["sonicpi_tonal"] = sorted(sonic.glob("bass_*")) + sorted(sonic.glob("guit_*"))
    return found


def build(out: Path, cache: Path) -> None:
    classes = classify(cache)
    for scenario, (normal_key, outlier_keys) in SCENARIOS.items():
        rng = random.Random(f"{SEED}:{scenario}")
        normals = classes[normal_key]
        pool = sorted({p for key in outlier_keys for p in classes[key]})
        n_out = max(2, round(CONTAMINATION * len(normals) / (1 - CONTAMINATION)))
        outliers = rng.sample(pool, min(n_out, len(pool)))
        target = out / scenario
        if target.exists():
            shutil.rmtree(target)
        rows = []
        for label, files in (("normal", normals), ("outlier", outliers)):
            (target / label).mkdir(parents=True)
            for i, source in enumerate(files):
                name = f"{i:03d}_{re.sub(r'[^A-Za-z0-9._-]+', '_', source.name)}"
                shutil.copy2(source, target / label / name)
                rows.append((f"{label}/{name}", label))
        with open(target / "labels.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("path", "label"))
            writer.writerows(rows)
        print(f"{scenario}: {len(normals)} normal, {len(outliers)} outlier")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    default_cache = Path(
        os.environ.get("CORPUS_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "music-anomaly-corpus"
    )
    parser.add_argument("--cache", type=Path, default=default_cache / "root")
    args = parser.parse_args()
    build(args.out, args.cache)


if __name__ == "__main__":
    main()
