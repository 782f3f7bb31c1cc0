"""The robustness checks in the report: the sentence, the placebo figure, and in the demo report each
measure's paragraph, specification table and figure, the methods text, and the glossary."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from pss_analysis.methods.its import robustness
from pss_analysis.reporting.figures.robustness import placebo_figure
from pss_analysis.reporting.figures.style import printed_scale
from pss_analysis.reporting.glossary import COLUMN_DESCRIPTIONS
from pss_analysis.reporting.narrative import robustness_sentence

PERIODS = pd.period_range("2016-01", periods=60, freq="M")


def _robustness(effect: float, seed: int, **options):
    rng = np.random.default_rng(seed)
    t = np.arange(1, 61)
    data = pd.DataFrame({"period": PERIODS, "y": rng.poisson(np.exp(np.log(200) + 0.002 * t + effect * (t >= 28)))})
    return robustness(data, "y", "period", PERIODS[27], family="quasipoisson", **options)


@pytest.fixture(scope="module")
def falls():
    return _robustness(-0.25, 1, max_specifications=4)


def test_robustness_sentence_for_a_robust_change(falls):
    text = robustness_sentence(falls)
    assert text.startswith("The change holds under 4 of 4 other models")
    assert f"larger than the change at each of {falls.n_placebos} pretend starts" in text
    assert f"permutation p = {1 / (falls.n_placebos + 1):.3f}" in text
    assert text.endswith("The verdict holds under every check.")


def test_robustness_sentence_for_no_change_and_without_checks():
    null = _robustness(0.0, 4, specifications=False)
    text = robustness_sentence(null)
    assert "pretend starts before the programme gave a change at least as large" in text
    assert f"{null.placebo_rank - 1} of {null.n_placebos}" in text
    off = _robustness(0.0, 4, placebo=False, specifications=False)
    assert robustness_sentence(off) == "No robustness check could be made."


def test_placebo_figure_draws_every_pretend_start_and_the_real_one(falls):
    fig = placebo_figure(falls, real_start=PERIODS[27], title="Admissions: pretend starts")
    ax = fig.axes[0]
    grey, real = ax.collections[-2], ax.collections[-1]
    assert len(grey.get_offsets()) == falls.n_placebos
    assert real.get_offsets()[0][1] == pytest.approx(falls.headline["standardised_change"])
    assert ax.get_title(loc="left") == "Admissions: pretend starts"
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {"No clear change", "Pretend starts", "Real start"}


def test_placebo_figure_is_legible_on_a4_with_a_few_dates(falls):
    fig = placebo_figure(falls, real_start=PERIODS[27], title="Admissions: pretend starts")
    fig.canvas.draw()
    scale = printed_scale(fig)
    texts = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    assert min(t.get_fontsize() * scale for t in texts) >= 7
    assert all(t.get_window_extent().x1 <= fig.bbox.x1 for t in texts)  # the legend is not cut off
    ticks = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert 2 <= len(ticks) <= 8  # dates, not one label per pretend start
    boxes = [t.get_window_extent() for t in ticks]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_demo_report_shows_robustness_per_measure(demo_run):
    folder = demo_run.run_dir
    body = html.unescape(re.sub(r"<[^>]+>", " ", (folder / "report.html").read_text(encoding="utf-8")))
    paragraphs = re.findall(r"Robustness: +(.+?)\n", body)
    assert len(paragraphs) == 18  # every demo measure has a fitted model
    assert all("other models" in p and "pretend starts" in p for p in paragraphs)
    assert "Each verdict is checked three ways." in body  # the methods section
    tables = sorted(p.stem for p in (folder / "tables").glob("its_robustness_*.csv"))
    figures = sorted(p.stem for p in (folder / "figures").glob("its_placebo_*.png"))
    assert len(tables) == 18 and len(figures) == 18
    spec = pd.read_csv(folder / "tables" / "its_robustness_acs_admissions.csv")
    assert spec["headline"].tolist() == [True, False, False, False, False]
    assert set(spec["family"]) == {"quasipoisson", "poisson"}
    evidence = pd.read_csv(folder / "tables" / "evidence.csv")
    robustness_columns = [
        "robust",
        "placebo_rank",
        "placebo_count",
        "placebo_p_value",
        "specifications_holding",
        "specifications_fitted",
        "left_out_holding",
        "left_out_fitted",
    ]
    assert set(robustness_columns) <= set(evidence.columns)
    not_robust = evidence[evidence["robust"].astype(str) == "False"]
    assert not_robust["verdict_qualifier"].str.contains("not robust|though").all()
    # what the results workbook says each new column means
    assert sorted(c for c in [*spec.columns, *robustness_columns] if c not in COLUMN_DESCRIPTIONS) == []
