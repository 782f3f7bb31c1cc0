"""Figures written by worker processes: the same files as written in the notebook's process, shown in order."""

from __future__ import annotations

import threading

import pytest
from conftest import DEMO_PARAMS
from matplotlib.figure import Figure

from pss_analysis.config.loading import load_params
from pss_analysis.errors import ParameterError
from pss_analysis.evaluation.study import prepare_study
from pss_analysis.reporting import figure_pool
from pss_analysis.reporting.figure_pool import (
    MAX_PENDING,
    WORKERS_VARIABLE,
    FigureJob,
    FigurePool,
    pool_workers,
    write_figure,
)
from pss_analysis.reporting.figures import its_figure, spc_figure
from pss_analysis.timings import TIMINGS


@pytest.fixture(scope="module")
def demo_figures():
    study = prepare_study(load_params(DEMO_PARAMS))
    ev = study.evaluations["acs_admissions"]
    return {
        "its": its_figure(ev.its, title="ACS admissions", annotations=study.annotations),
        "spc": spc_figure(ev.spc, title="ACS admissions (U chart)", annotations=study.annotations),
    }


@pytest.fixture()
def pool():
    pool = FigurePool(2)
    yield pool
    pool.close()


def test_a_worker_writes_the_same_png_and_svg_as_the_notebook_process(demo_figures, pool, tmp_path):
    shown: list[tuple[str, bytes]] = []
    for name, fig in demo_figures.items():
        here = FigureJob(tmp_path / f"{name}-here.png", tmp_path / "print" / f"{name}-here.svg", 100, 3)
        png_here, _ = write_figure(fig, here)
        job = FigureJob(tmp_path / f"{name}.png", tmp_path / "print" / f"{name}.svg", 100, 3)
        pool.submit(fig, job, name, lambda png, name=name: shown.append((name, png)))
    pool.flush()
    assert [n for n, _ in shown] == list(demo_figures)
    for name, png in shown:
        assert png == (tmp_path / f"{name}.png").read_bytes() == (tmp_path / f"{name}-here.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
        svg = (tmp_path / "print" / f"{name}.svg").read_bytes()  # the same bytes: ids from content, not chance
        assert svg.startswith(b"<?xml") and svg == (tmp_path / "print" / f"{name}-here.svg").read_bytes()


def _small_figure(k: int) -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1, 2], [k, k + 1, k])
    return fig


def test_displays_wait_behind_the_figures_queued_before_them(pool, tmp_path):
    shown: list[str] = []
    pool.later(lambda _png: shown.append("heading"))  # nothing queued: shown at once
    assert shown == ["heading"]
    for k in range(3):
        pool.submit(
            _small_figure(k),
            FigureJob(tmp_path / f"f{k}.png", None, 50, 3),
            f"f{k}",
            lambda p, k=k: shown.append(f"f{k}"),
        )
        pool.later(lambda _png, k=k: shown.append(f"table after f{k}"))
    assert shown == ["heading"]  # waiting until the cell ends
    pool.flush()
    assert shown == ["heading", "f0", "table after f0", "f1", "table after f1", "f2", "table after f2"]
    assert all((tmp_path / f"f{k}.png").is_file() for k in range(3))


def test_no_more_than_max_pending_figures_wait(pool, tmp_path, monkeypatch):
    """Two workers, at most two figures waiting: never more than four are busy, so all go to the workers,
    and from the third on the oldest is waited for."""
    assert MAX_PENDING >= 2 * 2
    monkeypatch.setattr(figure_pool, "MAX_PENDING", 2)
    shown: list[int] = []
    for k in range(5):
        pool.submit(
            _small_figure(k), FigureJob(tmp_path / f"f{k}.png", None, 30, 3), f"f{k}", lambda p, k=k: shown.append(k)
        )
    assert shown == [0, 1, 2]  # the oldest were waited for and shown, in order
    pool.flush()
    assert shown == list(range(5))


def test_a_figure_that_cannot_be_pickled_is_written_in_this_process(pool, tmp_path):
    fig = _small_figure(1)
    fig.lock = threading.Lock()  # not picklable
    shown: list[bytes] = []
    pool.submit(fig, FigureJob(tmp_path / "f.png", None, 50, 3), "f", shown.append)
    pool.flush()
    assert shown and shown[0] == (tmp_path / "f.png").read_bytes()


def test_outside_a_notebook_kernel_there_is_no_pool():
    assert FigurePool.for_notebook() is None


def test_the_notebook_writes_figures_itself_while_the_workers_have_enough(demo_figures, tmp_path):
    """One worker: the first figure goes to it and the second waits for it; the third, made while it still
    draws the first, is written by the notebook; all are shown in order, each file as the notebook writes it."""
    figures = [demo_figures["its"], demo_figures["spc"]] * 3
    pool = FigurePool(1)
    TIMINGS.clear()
    shown: list[tuple[int, bytes]] = []
    try:
        for k, fig in enumerate(figures):
            job = FigureJob(tmp_path / f"f{k}.png", None, 100, 3)
            pool.submit(fig, job, f"f{k}", lambda png, k=k: shown.append((k, png)))
        pool.flush()
    finally:
        pool.close()
    where = [r["written"] for r in TIMINGS.records if r["step"] == "figure"]
    assert where[0] == "worker" and where[2] == "kernel"
    assert [k for k, _ in shown] == list(range(len(figures)))
    for k, png in shown:
        here, _ = write_figure(figures[k], FigureJob(tmp_path / f"here{k}.png", None, 100, 3))
        assert png == here == (tmp_path / f"f{k}.png").read_bytes()


def test_workers_one_per_core_but_one_none_on_one_core_or_as_the_environment_says(monkeypatch):
    assert [pool_workers(c) for c in (1, 2, 3, 4, 6, 16)] == [0, 1, 2, 3, 4, 4]
    monkeypatch.setenv(WORKERS_VARIABLE, "0")
    assert pool_workers() == 0
    monkeypatch.setenv(WORKERS_VARIABLE, " 3 ")
    assert pool_workers() == 3
    monkeypatch.setenv(WORKERS_VARIABLE, "two")
    with pytest.raises(ParameterError, match=f"environment variable {WORKERS_VARIABLE}.*whole number.*'two'"):
        pool_workers()
