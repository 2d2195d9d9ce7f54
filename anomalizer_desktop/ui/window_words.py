"""A job's failure as the window says it: a sentence, with the buttons to press.

The core's messages serve the command line too, where they follow "anomalizer: " and some end
with what to type: "need at least 5 embedded loops to train … (run `anomalizer embed` first)",
"no trained detector yet: run `anomalizer train` first". The window showed them as they were,
so a producer who had pressed Train was told to open a terminal. Here the same advice names
the window's button, and the sentence starts with a capital.
"""

from __future__ import annotations

import re

#: the commands whose advice the window gives as its own buttons
_BUTTONS = {"train": "Train", "embed": "Embed"}

_RUN_FIRST = re.compile(r"run `anomalizer (train|embed)` first")
_IN_BRACKETS = re.compile(r"\(`anomalizer (train|embed)`\)")
#: a loop asked about (Why unusual?) that the embedding has not described yet
_NOT_EMBEDDED = re.compile(r" is not an embedded loop of this library \([^)]*\)$")


def in_window_words(message: str) -> str:
    """The first line of a core message, as the window shows it (see the module)."""
    line = message.splitlines()[0] if message else ""
    line = _RUN_FIRST.sub(lambda m: f"press {_BUTTONS[m.group(1)]} first", line)
    line = _IN_BRACKETS.sub(lambda m: f"({_BUTTONS[m.group(1)]})", line)
    line = _NOT_EMBEDDED.sub(" is not described yet: press Train to describe and score it", line)
    return line[:1].upper() + line[1:]
