"""Jobs made of parts: one progress count over the whole."""

from __future__ import annotations

from anomalizer_desktop.core.jobs import WHOLE, Progress, as_part, parts_of, run_job


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
