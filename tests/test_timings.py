"""The timing recorder every stage uses: records, the kernel's JSON-lines file, the slowest steps."""

from __future__ import annotations

import threading
import time

import pytest

from pss_analysis.timings import Timings, describe_step, most_expensive, read_records


def test_a_step_is_recorded_with_its_labels_and_seconds():
    timings = Timings()
    with timings.timed("its", measure="M01", unused=None):
        time.sleep(0.05)
    (record,) = timings.records
    assert record["step"] == "its" and record["measure"] == "M01" and "unused" not in record
    assert 0.05 <= record["seconds"] < 1.0
    assert describe_step(record) == "its measure=M01"


def test_a_step_that_raises_is_still_recorded():
    timings = Timings()
    with pytest.raises(ZeroDivisionError), timings.timed("spc", measure="M02"):
        _ = 1 / 0
    assert [r["step"] for r in timings.records] == ["spc"]


def test_records_from_many_threads_reach_the_file_whole(tmp_path):
    timings = Timings()
    sink = tmp_path / ".timings.jsonl"
    timings.write_to(sink)

    def draw(k: int) -> None:
        for j in range(50):
            timings.add("figure", 0.001, name=f"fig_{k}_{j}")

    threads = [threading.Thread(target=draw, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read = read_records(sink)
    assert len(read) == len(timings.records) == 400
    assert {r["name"] for r in read} == {f"fig_{k}_{j}" for k in range(8) for j in range(50)}


def test_a_torn_last_line_and_a_missing_file_are_no_records(tmp_path):
    sink = tmp_path / "t.jsonl"
    sink.write_text('{"step": "its", "seconds": 1.5}\n{"step": "sp', encoding="utf-8")
    assert read_records(sink) == [{"step": "its", "seconds": 1.5}]
    assert read_records(tmp_path / "absent.jsonl") == []


def test_the_most_expensive_are_steps_not_the_stages_that_hold_them():
    records = [
        {"step": "execute report.ipynb", "level": "stage", "seconds": 60.0},
        {"step": "sections.overview_section", "level": "section", "seconds": 6.0},
        *({"step": "figure", "name": f"f{k}", "seconds": float(k)} for k in range(15)),
    ]
    top = most_expensive(records, 10)
    assert [r["name"] for r in top] == [f"f{k}" for k in range(14, 4, -1)]
