"""Worker processes end with their parent: killed (kill -9, a crash), it left them idle for
good, each holding its memory (15 of them on a GPU machine's CLAP embedding)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from process_table import alive, children

HELPER = textwrap.dedent(
    """
    import sys, threading, time

    def main():
        if sys.argv[1] == "decoder":
            from anomalizer_desktop.core.embedding.clap.decode_workers import ProcessDecoder
            decoder = ProcessDecoder(2)
            for path in sys.argv[2:]:
                decoder.result(decoder.submit(path), path)  # the workers are up
        else:
            from anomalizer_desktop.core.parallel import parallel_map
            work = parallel_map(time.sleep, [30.0] * 4, workers=2, min_items_for_pool=1)
            threading.Thread(target=lambda: list(work), daemon=True).start()
            time.sleep(3.0)  # the workers are up, each asleep in its task
        print("ready", flush=True)
        time.sleep(120)

    if __name__ == "__main__":
        main()
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads the process table with ps and /proc")
@pytest.mark.parametrize("pool", ["decoder", "parallel"])
def test_workers_end_when_their_parent_is_killed(tmp_path, pool):
    import audiogen

    helper = tmp_path / "helper.py"
    helper.write_text(HELPER)
    clip = tmp_path / "a.wav"
    audiogen.write(clip, audiogen.tone(330))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
    parent = subprocess.Popen(
        [sys.executable, str(helper), pool, str(clip)], stdout=subprocess.PIPE, text=True, env=env
    )
    workers: set[int] = set()
    try:
        assert parent.stdout.readline().strip() == "ready"
        workers = children(parent.pid)
        assert len(workers) >= 2  # the workers (and the resource tracker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in workers if alive(pid)]
    finally:  # nothing left behind by a failure
        parent.kill()
        for pid in workers | children(parent.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
