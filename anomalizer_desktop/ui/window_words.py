"""A job's failure as the window says it: the first line of its message, as a sentence.

The core's messages serve the command line too, where they follow "anomalizer: " in lower case.
What to do is in the window's words already (`AnomalizerError.in_window`: a button to press
where the command line names a command to type).
"""

from __future__ import annotations


def in_window_words(message: str) -> str:
    """The first line of a job's message, starting with a capital."""
    line = message.splitlines()[0] if message else ""
    return line[:1].upper() + line[1:]
