"""Where a run's time goes: every stage, section and step, timed and written into the manifest.

A step is timed with :func:`timed`, anywhere in the package (this module sits below every stage,
like :mod:`pss_analysis.errors`)::

    with timed("its", measure="M01"):
        fit_its(...)

Each finished step becomes one record ``{"step": "its", "measure": "M01", "seconds": 0.123}`` in the
process's recorder. The notebook kernel is another process: :meth:`Timings.write_to` makes the
kernel's recorder also append each record, as one JSON line, to a file in the run folder, which the
pipeline reads back (:func:`read_records`) and merges into ``manifest.json`` under ``"timings"``.
:func:`most_expensive` picks the steps ``pss run --profile`` prints. Recording is thread-safe (figures
are drawn on a thread pool).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Timings", "TIMINGS", "timed", "read_records", "most_expensive", "describe_step", "KERNEL_TIMINGS_FILE"]

#: The file in the run folder the notebook kernel appends its timings to (merged into the manifest, then removed).
KERNEL_TIMINGS_FILE = ".timings.jsonl"


class Timings:
    """A recorder of timed steps: a list of records, optionally mirrored to a JSON-lines file."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._sink: Path | None = None
        self._lock = threading.Lock()

    def write_to(self, path: str | Path | None) -> None:
        """Append every record from now on to ``path`` as a JSON line (None: stop)."""
        self._sink = None if path is None else Path(path)

    def add(self, step: str, seconds: float, **labels: Any) -> dict[str, Any]:
        """Record one finished step; the record."""
        record = {"step": step, **{k: v for k, v in labels.items() if v is not None}, "seconds": round(seconds, 4)}
        with self._lock:
            self.records.append(record)
            if self._sink is not None:
                with self._sink.open("a", encoding="utf-8") as sink:
                    sink.write(json.dumps(record, default=str) + "\n")
        return record

    @contextmanager
    def timed(self, step: str, **labels: Any) -> Iterator[None]:
        """Time the ``with`` block as ``step`` (with ``labels``, e.g. ``measure="M01"``); recorded when it ends,
        also when it raises."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(step, time.perf_counter() - t0, **labels)

    def clear(self) -> None:
        """Forget every record (the sink file is left as it is)."""
        with self._lock:
            self.records.clear()


#: The recorder of this process.
TIMINGS = Timings()


def timed(step: str, **labels: Any) -> Any:
    """Time the ``with`` block as ``step`` in this process's recorder :data:`TIMINGS`."""
    return TIMINGS.timed(step, **labels)


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines timings file (none when it does not exist; a torn last line is skipped)."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def describe_step(record: dict[str, Any]) -> str:
    """One record as words: the step, then its labels (``its measure=M01``)."""
    labels = " ".join(f"{k}={v}" for k, v in record.items() if k not in ("step", "seconds", "level"))
    return f"{record['step']} {labels}".strip()


def most_expensive(records: Iterable[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` slowest records that are steps, not the stages or sections that contain them."""
    steps = [r for r in records if r.get("level", "step") == "step"]
    return sorted(steps, key=lambda r: -float(r.get("seconds", 0.0)))[:n]
