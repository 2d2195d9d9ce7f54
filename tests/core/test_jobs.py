"""Jobs made of parts: one progress count over the whole."""

from __future__ import annotations

from anomalizer_desktop.core.jobs import WHOLE, Progress, as_part, parts_of, run_job, throttled


def test_parts_share_the_whole_in_proportion_to_their_weights():
    assert parts_of([1, 3]) == [(0.0, 0.25), (0.25, 0.75)]
    assert parts_of([2.0]) == [(0.0, 1.0)]
    assert parts_of([0, 0]) == [(0.0, 0.0), (0.0, 0.0)]


def test_a_part_counts_over_the_whole_never_goes_back_and_keeps_its_result():
    def job():
        yield Progress(1, 4, "one")
        yield Progress(0, 0, "busy")  # no total: the count stays where it was
        yield Progress(3, 4, "three")
        yield Progress(1, 1, "restarted")  # a new total that reads as done
        yield Progress(1, 8, "a later pass")  # counting again from the start: no going back
        return "result"

    steps = []
    result = run_job(as_part(job(), (0.5, 0.25), str.upper), steps.append)
    assert result == "result"
    assert [(p.done, p.total, p.message) for p in steps] == [
        (round(0.5625 * WHOLE), WHOLE, "ONE"),
        (round(0.5625 * WHOLE), WHOLE, "BUSY"),
        (round(0.6875 * WHOLE), WHOLE, "THREE"),
        (round(0.75 * WHOLE), WHOLE, "RESTARTED"),
        (round(0.75 * WHOLE), WHOLE, "A LATER PASS"),
    ]


def test_throttled_passes_on_few_steps_the_last_one_and_the_result():
    """At most `per_second` reports (the window's worker and a job's own process both use it),
    never the step that completes a total left out, and the job's result; closing it closes
    the job."""
    closed = []

    def many_steps():
        try:
            for i in range(1, 1001):
                yield Progress(i, 1000, "step")
            return "done"
        finally:
            closed.append(True)

    seen = []
    assert run_job(throttled(many_steps(), per_second=20), seen.append) == "done"
    assert 1 <= len(seen) < 10 and seen[-1] == Progress(1000, 1000, "step")
    steps = throttled(many_steps())
    next(steps)
    steps.close()
    assert closed == [True, True]
