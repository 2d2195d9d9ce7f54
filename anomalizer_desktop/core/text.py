"""Counting words for messages: "1 loop", "2 loops", "1 loop has", "3 loops have".

One helper, so that the window, the command line and the core say counts the same way and
never fall back to "loop(s)".
"""

from __future__ import annotations


def quantity(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it needs: quantity(1, "loop") -> "1 loop",
    quantity(0, "loop") -> "0 loops", quantity(2, "mouse", "mice") -> "2 mice"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def quantity_with_verb(n: int, noun: str, singular_verb: str, plural_verb: str) -> str:
    """`quantity` followed by the verb in the same number: "1 loop has", "2 loops have"."""
    return f"{quantity(n, noun)} {singular_verb if n == 1 else plural_verb}"
