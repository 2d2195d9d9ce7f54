"""Counts in messages read as English: no "loop(s)", and the verb agrees."""

from __future__ import annotations

from anomalizer_desktop.core.text import quantity, quantity_with_verb


def test_quantity_uses_the_singular_for_one_only():
    assert [quantity(n, "loop") for n in (0, 1, 2)] == ["0 loops", "1 loop", "2 loops"]
    assert quantity(3, "missing loop") == "3 missing loops"
    assert quantity(2, "mouse", "mice") == "2 mice"


def test_the_verb_agrees_with_the_count():
    assert quantity_with_verb(1, "loop", "has", "have") == "1 loop has"
    assert quantity_with_verb(4, "row", "matches", "match") == "4 rows match"
