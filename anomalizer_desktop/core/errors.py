"""The one base class for errors whose message is meant for people.

Raised when a job cannot run at all (no such folder, a damaged checkpoint, too few loops to
train...). The CLI prints the message and exits 1; the GUI shows it in a dialog. Anything else
escaping a job is a bug.
"""

from __future__ import annotations

#: the window's buttons for the commands the core's advice names
BUTTONS = {"train": "Train", "embed": "Embed"}


class AnomalizerError(Exception):
    """A job cannot run; `str(error)` says why in plain words, for the command line.

    `in_window`: the same as the window says it, where the two differ: advice that names a
    command to type on the command line names a button there ("no trained detector yet: press
    Train first"). None where the words are the same. (The window used to rewrite the command
    line's words by matching their text, which a reworded message slipped past.)
    """

    def __init__(self, message: str = "", *, in_window: str | None = None) -> None:
        super().__init__(message)
        self.in_window = in_window

    @classmethod
    def advising(cls, template: str, command: str, purpose: str = "first") -> AnomalizerError:
        """An error whose `template` says what to do where it reads "{step}": "run
        `anomalizer train` first" on the command line, "press Train first" in the window
        (`purpose`: the rest of the step, "first" or "again to score", say)."""
        return cls(
            template.replace("{step}", f"run `anomalizer {command}` {purpose}"),
            in_window=template.replace("{step}", f"press {BUTTONS[command]} {purpose}"),
        )

    def window_text(self) -> str:
        """The message as the window says it."""
        return self.in_window if self.in_window is not None else str(self)


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
