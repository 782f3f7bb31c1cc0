"""The life cycle of a run folder under ``reports/<name>/``.

A run is built in ``reports/<name>/.incomplete/<run id>/``. On success it is
renamed (one atomic rename on the same file system) to
``reports/<name>/<run id>/`` and ``reports/<name>/latest`` is switched to it;
on failure it is renamed to ``reports/<name>/failed/<run id>/`` and ``latest``
is left alone. A reader therefore never sees a half-written report where a
good one should be.

Run ids are ``<UTC timestamp>-<short id>``, e.g. ``20261122T080102Z-3fa9c1``,
so that they sort by time.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunFolder", "new_run_id"]

INCOMPLETE = ".incomplete"
FAILED = "failed"
LATEST = "latest"


def new_run_id(now: _dt.datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxx``: UTC time of the start and six random hex digits."""
    now = now or _dt.datetime.now(_dt.UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run: where it is built, published or kept after a failure."""

    reports_root: Path
    name: str
    run_id: str

    @property
    def home(self) -> Path:
        """``reports/<name>/``."""
        return self.reports_root / self.name

    @property
    def staging(self) -> Path:
        """Where the run is built."""
        return self.home / INCOMPLETE / self.run_id

    @property
    def published(self) -> Path:
        """Where a successful run ends up."""
        return self.home / self.run_id

    @property
    def failed(self) -> Path:
        """Where a failed run is kept for inspection."""
        return self.home / FAILED / self.run_id

    @property
    def latest(self) -> Path:
        """The ``latest`` link."""
        return self.home / LATEST

    def previous(self) -> Path | None:
        """The published run ``latest`` points to (before this run is published), or None."""
        return self.latest.resolve() if self.latest.is_dir() else None

    def create(self) -> Path:
        """Make the staging folder (and its ``tables/`` and ``figures/``)."""
        for sub in ("tables", "figures"):
            (self.staging / sub).mkdir(parents=True, exist_ok=False)
        return self.staging

    def publish(self) -> Path:
        """Move the staging folder into place and point ``latest`` at it."""
        os.replace(self.staging, self.published)
        _remove_if_empty(self.staging.parent)
        link_tmp = self.home / f".{LATEST}-{self.run_id}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        link_tmp.symlink_to(self.run_id, target_is_directory=True)
        os.replace(link_tmp, self.latest)  # atomic switch of the link
        return self.published

    def fail(self) -> Path:
        """Keep the partial run under ``failed/``; ``latest`` is untouched."""
        if self.staging.exists():  # else nothing was written: nothing to keep
            self.failed.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging, self.failed)
        _remove_if_empty(self.staging.parent)
        return self.failed


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
