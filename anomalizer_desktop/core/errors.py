"""The one base class for errors whose message is meant for people.

Raised when a job cannot run at all (no such folder, a damaged checkpoint, too few loops to
train...). The CLI prints the message and exits 1; the GUI shows it in a dialog. Anything else
escaping a job is a bug.
"""


class AnomalizerError(Exception):
    """A job cannot run; `str(error)` says why in plain words."""


def os_reason(error: BaseException) -> str:
    """An error in a few words: the system's message ("No space left on device") where it has
    one, else its own text, else its kind ("TimeoutError")."""
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def os_error_text(error: OSError) -> str:
    """An error of the system (no permission, a full drive, a device gone) for people:
    "/path: Permission denied" rather than "[Errno 13] Permission denied: '/path'"."""
    if error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return os_reason(error)
