"""Every embed listens to the library's loops for their tempo (`core.embedding.tempo_job`):
kept in the library, forgotten when a file changes, shown as heard (never as declared) by
the list, its filters and the exports."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from pathlib import Path

import audiogen

from anomalizer_desktop.cli import main
from anomalizer_desktop.core.audio import decode, heard_tempo
from anomalizer_desktop.core.embedding import dsp, tempo_job
from anomalizer_desktop.core.embedding.job import embed
from anomalizer_desktop.core.embedding.tempo_job import hear_tempos
from anomalizer_desktop.core.export import select_entries, write_export
from anomalizer_desktop.core.jobs import run_job
from anomalizer_desktop.core.library.scanner import scan
from anomalizer_desktop.core.library.store import Store
from anomalizer_desktop.core.loop_names import HEARD, declared

SR = audiogen.SR


def _pack(folder: Path) -> Path:
    """Two loops of whole bars that declare no tempo, one that declares its own, a one-shot
    and a file that does not decode."""
    audiogen.write(folder / "groove.wav", audiogen.drum_loop(seconds=4.0, bpm=120.0))
    audiogen.write(folder / "slow.wav", audiogen.drum_loop(seconds=2.5, bpm=96.0))
    audiogen.write(folder / "Beat 100 BPM.wav", audiogen.drum_loop(seconds=2.4, bpm=100.0))
    audiogen.write(folder / "hum.wav", audiogen.tone(110.0, seconds=3.0))
    audiogen.text_as_wav(folder / "broken.wav")
    return folder


def _heard(store: Store) -> dict[str, float | None]:
    rows = store.execute(
        "SELECT s.path, h.tempo FROM heard_tempos h JOIN samples s ON s.id = h.sample_id"
    ).fetchall()
    return {Path(path).name: tempo for path, tempo in rows}


def test_embed_listens_to_every_usable_loop_once(store, tmp_path):
    run_job(scan(store, [str(_pack(tmp_path / "pack"))]))
    summary = run_job(embed(store, "dsp", workers=1))
    assert _heard(store) == {
        "groove.wav": 120.0,
        "slow.wav": 96.0,
        "Beat 100 BPM.wav": 100.0,
        "hum.wav": None,
    }  # the file that does not decode is the scan's error, not listened to
    assert summary.tempos_heard == 3
    again = run_job(embed(store, "dsp", workers=1))
    assert again.tempos_heard == 0  # nothing left to listen to


def test_a_new_loop_is_decoded_once_for_its_vector_and_its_tempo(store, tmp_path, monkeypatch):
    run_job(scan(store, [str(_pack(tmp_path / "pack"))]))
    decoded = Counter()

    def counting(path, *args, **kwargs):
        decoded[Path(path).name] += 1
        return decode.load_audio(path, *args, **kwargs)

    monkeypatch.setattr(dsp, "load_audio", counting)
    monkeypatch.setattr(tempo_job, "load_audio", counting)
    summary = run_job(embed(store, "dsp", workers=1))
    assert decoded == {"groove.wav": 1, "slow.wav": 1, "Beat 100 BPM.wav": 1, "hum.wav": 1}
    assert (summary.embedded, summary.tempos_heard) == (4, 3)
    assert _heard(store) == {
        "groove.wav": 120.0,
        "slow.wav": 96.0,
        "Beat 100 BPM.wav": 100.0,
        "hum.wav": None,
    }


def test_embedding_again_keeps_what_was_heard(store, tmp_path):
    run_job(scan(store, [str(_pack(tmp_path / "pack"))]))
    run_job(embed(store, "dsp", workers=1))
    rows = "SELECT sample_id, tempo, heard_at FROM heard_tempos ORDER BY 1"
    heard = store.execute(rows).fetchall()
    store.execute("DELETE FROM features")  # as after a new version of the embedder
    summary = run_job(embed(store, "dsp", workers=1))
    assert (summary.embedded, summary.tempos_heard) == (4, 0)
    assert store.execute(rows).fetchall() == heard  # not listened to again


def test_a_library_embedded_before_is_listened_to_without_embedding_again(store, tmp_path):
    run_job(scan(store, [str(_pack(tmp_path / "pack"))]))
    run_job(embed(store, "dsp", workers=1))
    vectors = store.execute("SELECT sample_id, created_at FROM features ORDER BY 1").fetchall()
    store.execute("DELETE FROM heard_tempos")  # as a library from before the listening
    summary = run_job(embed(store, "dsp", workers=1))
    assert (summary.embedded, summary.tempos_heard) == (0, 3)
    assert store.execute("SELECT sample_id, created_at FROM features ORDER BY 1").fetchall() == (
        vectors
    )  # the vectors (and the sound map drawn from them) are kept


def test_a_new_listening_hears_again_only_the_loops_given_a_tempo(store, tmp_path, monkeypatch):
    """Version 2 only takes tempos away (a steady tone's): where version 1 heard none, it
    hears none too, so only the loops version 1 gave a tempo are decoded again."""
    run_job(scan(store, [str(_pack(tmp_path / "pack"))]))
    run_job(embed(store, "dsp", workers=1))
    store.execute("UPDATE heard_tempos SET version = '1'")  # as a library of version 1
    decoded = Counter()

    def counting(path, *args, **kwargs):
        decoded[Path(path).name] += 1
        return decode.load_audio(path, *args, **kwargs)

    monkeypatch.setattr(tempo_job, "load_audio", counting)
    summary = run_job(embed(store, "dsp", workers=1))
    assert decoded == {"groove.wav": 1, "slow.wav": 1, "Beat 100 BPM.wav": 1}  # not hum.wav
    assert summary.tempos_heard == 3
    versions = store.execute("SELECT DISTINCT version FROM heard_tempos").fetchall()
    assert versions == [(heard_tempo.VERSION,)]
    assert _heard(store)["hum.wav"] is None


def test_a_changed_file_is_listened_to_again(store, tmp_path):
    pack = _pack(tmp_path / "pack")
    run_job(scan(store, [str(pack)]))
    run_job(embed(store, "dsp", workers=1))
    audiogen.write(pack / "groove.wav", audiogen.tone(220.0, seconds=4.0))  # now a drone
    run_job(scan(store, [str(pack)]))
    assert "groove.wav" not in _heard(store)
    run_job(embed(store, "dsp", workers=1))
    assert _heard(store)["groove.wav"] is None


def test_files_longer_than_a_loop_are_not_decoded(store, tmp_path, monkeypatch):
    pack = tmp_path / "pack"
    audiogen.write(pack / "long.wav", audiogen.drum_loop(seconds=4.0, bpm=120.0))
    run_job(scan(store, [str(pack)]))
    monkeypatch.setattr(heard_tempo, "MAX_SECONDS", 3.0)
    decoded = []
    monkeypatch.setattr(
        "anomalizer_desktop.core.embedding.tempo_job.hear_file",
        lambda item: decoded.append(item) or 120.0,
    )
    assert run_job(hear_tempos(store, workers=1)) == 0
    assert (decoded, _heard(store)) == ([], {"long.wav": None})


def test_a_heard_tempo_never_overrides_a_declared_one():
    assert declared("/p/Beat 100 BPM.wav", None, None, 123.0).tempo == 100.0
    heard = declared("/p/groove.wav", None, None, 120.0)
    assert (heard.tempo, heard.tempo_from) == (120.0, HEARD)
    acid = declared("/p/groove.wav", 97.0, None, 120.0)
    assert (acid.tempo, acid.tempo_from) == (97.0, "loop tags")
    assert declared("/p/groove.wav", None, None, None).tempo is None


def test_list_filters_and_exports_show_a_heard_tempo_as_heard(capsys, tmp_path):
    library = str(tmp_path / "library.sqlite")
    pack = _pack(tmp_path / "pack")
    assert main(["--library", library, "start", str(pack), "-q"]) == 0
    capsys.readouterr()
    assert main(["--library", library, "list", "--bpm", "118-122", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(Path(r["path"]).name, r["tempo"], r["tempo_from"]) for r in rows] == [
        ("groove.wav", 120.0, HEARD)
    ]
    assert main(["--library", library, "list", "--bars", "1"]) == 0
    text = capsys.readouterr().out
    assert "≈96" in text and "slow.wav" in text and "groove.wav" not in text
    with Store(library) as store:
        entries = select_entries(store)
        out = write_export(entries, "csv", tmp_path / "all.csv")
    with open(out, encoding="utf-8") as handle:
        bpm = {Path(r["path"]).name: (r["bpm"], r["bpm_from"]) for r in csv.DictReader(handle)}
    assert bpm["groove.wav"] == ("120", HEARD)
    assert bpm["Beat 100 BPM.wav"] == ("100", "file name")
    assert bpm["hum.wav"] == ("", "")


def test_a_library_of_the_schema_before_gains_the_table(tmp_path):
    path = tmp_path / "library.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE heard_tempos")
        db.execute("ALTER TABLE user_data DROP COLUMN tempo")  # (V9)
        db.execute("ALTER TABLE user_data DROP COLUMN key")
        db.execute("DROP TABLE exports")  # (V10)
        db.execute("PRAGMA user_version = 7")
    with Store(path) as store:
        assert store.execute("SELECT COUNT(*) FROM heard_tempos").fetchone() == (0,)


def test_bench_tempo_checks_heard_tempos_against_declared_ones(capsys, tmp_path):
    folder = tmp_path / "pack"
    audiogen.write(folder / "Beat A - 120 BPM.wav", audiogen.drum_loop(4.0, 120.0))
    audiogen.write(folder / "Beat B - 170 BPM.wav", audiogen.drum_loop(480 / 170, 170.0))
    audiogen.write(folder / "Beat C - 100 BPM.wav", audiogen.drum_loop(4.0, 120.0, seed=2))
    audiogen.write(folder / "groove.wav", audiogen.drum_loop(4.0, 120.0, seed=3))
    audiogen.write(folder / "hum.wav", audiogen.tone(110.0, seconds=3.0))
    audiogen.text_as_wav(folder / "broken.wav")
    assert main(["bench", "tempo", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    counts = {k: v for k, v in report.items() if not k.endswith(("_ms_median", "_ms_max"))}
    assert counts == {
        "files": 6,
        "unreadable": 1,
        "too_long": 0,
        "declared": 3,
        "declared_heard": 3,
        "declared_same": 1,
        "declared_half": 1,  # 170 BPM is heard at 85: the octave of 80 up to 160
        "declared_double": 0,
        "declared_other": 1,
        "undeclared": 2,
        "undeclared_heard": 1,
        "disagreements": ["Beat C - 100 BPM.wav: heard 120, declared 100"],
    }
    assert report["listen_ms_median"] > 0
    assert main(["bench", "tempo", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "declaring a tempo: 3, heard 3: 1 at it, 1 at half, 0 at double, 1 at another" in text
    assert "! Beat C - 100 BPM.wav: heard 120, declared 100" in text
