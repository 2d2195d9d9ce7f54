"""The one base class for errors whose message is meant for people.

Raised when a job cannot run at all (no such folder, a damaged checkpoint, too few loops to
train...). The CLI prints the message and exits 1; the GUI shows it in a dialog. Anything else
escaping a job is a bug.
"""


class AnomalizerError(Exception):
    """A job cannot run; `str(error)` says why in plain words."""
