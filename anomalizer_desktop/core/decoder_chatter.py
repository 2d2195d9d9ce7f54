"""The MP3 decoder's chatter, kept off the producer's terminal.

libsndfile decodes MP3 with mpg123, which writes what it meets in a damaged file straight to
file descriptor 2: "Note: Illegal Audio-MPEG-Header 0x00000000 at offset 19996.", "Note:
Trying to resync...", "Warning: Xing stream size off by more than 1%…". The scan already gives
each such file its own line ("damaged or unsupported MP3 file (no audio found in it)"), so a
folder of downloads with a few broken MP3s filled the terminal with lines like these between the
progress bars, in the scan's threads and the embedding's worker processes alike; the window,
started from a terminal, printed two lines each time a sound MP3 was selected.

The command's own stderr (progress bars, messages, tracebacks) moves to a copy of descriptor 2;
descriptor 2 itself becomes a pipe, which the worker processes inherit, and a thread passes on
every line of it except the decoder's.
"""

from __future__ import annotations

import atexit
import io
import os
import re
import sys
import threading

#: the lines mpg123 writes for a damaged or odd MP3 (its notes, warnings, and errors, which
#: name their place in libmpg123's source)
DECODER_LINE = re.compile(rb"^(Note: |Warning: |\[[^\]]*libmpg123[^\]]*\] )")


def keep_decoder_chatter_off_stderr() -> None:
    """From now on, lines of DECODER_LINE written to descriptor 2 by native code (here and in
    the worker processes started after this) are dropped; everything else reaches the terminal
    as before. For the `anomalizer` and `anomalizer-desktop` commands only: it rewires the
    process's descriptor 2."""
    if os.name != "posix" or not _is_real_stream(sys.stderr):
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    sys.stderr = io.TextIOWrapper(
        io.FileIO(terminal, "w"),
        encoding=sys.stderr.encoding,
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    passed_on = threading.Event()
    passer = threading.Thread(
        target=pass_on,
        args=(read_end, terminal, passed_on),
        name="decoder-chatter",
        daemon=True,
    )
    passer.start()
    atexit.register(_drain, passed_on)


#: the last line this process writes to the pipe: what came before it has been passed on when
#: the thread reads it (the pipe's other writers, such as multiprocessing's resource tracker,
#: live until after this process, so its end never comes in time)
_LAST_LINE = b"\x00anomalizer: stderr ends here\n"


def pass_on(read_end: int, terminal: int, passed_on: threading.Event) -> None:
    """Copy the lines read from `read_end` to `terminal`, all but the decoder's, until this
    process's last line (`_drain`) or the end of the pipe; then set `passed_on`."""
    last = _LAST_LINE.rstrip(b"\n")
    try:
        with open(read_end, "rb", buffering=0) as pipe:
            pending = b""
            while chunk := pipe.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                ends = last in lines
                if ends:
                    lines = lines[: lines.index(last)]
                kept = [line + b"\n" for line in lines if not DECODER_LINE.match(line)]
                _write_all(terminal, b"".join(kept))
                if ends:
                    return
            if pending and not DECODER_LINE.match(pending):
                _write_all(terminal, pending)
    finally:
        passed_on.set()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data) :]
        except OSError:  # the terminal went away: nothing left to show it on
            return


def _drain(passed_on: threading.Event) -> None:
    """At exit: mark the end of this process's writes, and let the thread pass on what came
    before it."""
    _write_all(2, _LAST_LINE)
    passed_on.wait(timeout=2.0)


def _is_real_stream(stream) -> bool:
    """Whether `stream` writes to descriptor 2 itself (not a test's capture)."""
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False
