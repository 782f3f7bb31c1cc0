"""The control chart and the time series tell one story: every ITS verdict x SPC reading x direction
gives sentences that do not contradict each other, and the demo says so in its own words."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from conftest import DEMO_PARAMS

from pss_analysis.evaluation.verdicts import (
    CHANGED,
    DETERIORATED,
    IMPROVED,
    NO_EVIDENCE,
    NOT_ENOUGH_DATA,
    verdict,
    verdict_qualifier,
)
from pss_analysis.methods.spc import PhaseComparison
from pss_analysis.reporting.narrative import its_sentence, spc_sentence

READINGS = ("common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neither")
ITS_VERDICTS = (IMPROVED, DETERIORATED, CHANGED, NO_EVIDENCE, NOT_ENOUGH_DATA)


def _impact(its_verdict: str, direction: str) -> pd.DataFrame:
    """The cumulative impact row that gives ``its_verdict`` (empty for not enough data)."""
    good = 1 if direction == "increase" else -1
    rel = {IMPROVED: 0.1 * good, DETERIORATED: -0.1 * good, CHANGED: 0.1 * good, NO_EVIDENCE: 0.02}.get(its_verdict)
    if rel is None:
        return pd.DataFrame(columns=["cumulative"])
    lo, hi = (rel - 0.05, rel + 0.05) if its_verdict != NO_EVIDENCE else (-0.05, 0.09)
    row = {
        "cumulative": True,
        "relative_effect": rel,
        "relative_effect_lower": lo,
        "relative_effect_upper": hi,
        "absolute_effect": rel * 1000,
        "absolute_effect_lower": lo * 1000,
        "absolute_effect_upper": hi * 1000,
        "n_periods": 24,
    }
    return pd.DataFrame([row])


def _comparison(impact: pd.DataFrame) -> PhaseComparison:
    """What the chart's later months look like against the old process when the series moved as the
    ITS says: a shift on the side of the change, none without a change."""
    moved = not impact.empty and not (
        impact["relative_effect_lower"].iloc[0] <= 0 <= impact["relative_effect_upper"].iloc[0]
    )
    up = bool(moved and impact["relative_effect"].iloc[0] > 0)
    above, below = ((22, 2) if up else (2, 22)) if moved else (12, 12)
    return PhaseComparison(
        n_points=24,
        n_above=above,
        n_below=below,
        n_above_ucl=5 if moved and up else 0,
        n_below_lcl=5 if moved and not up else 0,
        longest_run_above=20 if moved and up else 3,
        longest_run_below=20 if moved and not up else 3,
        shift_length=6,
        shift=("high" if up else "low") if moved else None,
        centre_line=50.0,
        lcl=40.0,
        ucl=60.0,
    )


def _summary(reading: str) -> pd.DataFrame:
    phase = {"limits_shown": True, "n_points": 24, "assurance_type": "none", "target": float("nan")}
    return pd.DataFrame([{**phase, "variation_type": "common_cause"}, {**phase, "variation_type": reading}])


@pytest.mark.parametrize(
    ("its_verdict", "reading", "direction"), list(itertools.product(ITS_VERDICTS, READINGS, ("increase", "decrease")))
)
def test_the_sentences_of_one_measure_never_contradict(its_verdict, reading, direction):
    measure_direction = "neither" if its_verdict == CHANGED else direction
    measure = {"name": "Measure", "kind": "proportion", "unit": "%", "improvement_direction": measure_direction}
    impact = _impact(its_verdict, direction)
    cumulative = impact.iloc[0].to_dict() if not impact.empty else None
    found, _ = verdict(cumulative, direction=measure_direction, n_before=36, n_after=24)
    assert found == its_verdict
    qualifier = verdict_qualifier(found, reading, "none")
    its_text = its_sentence(measure, impact)
    spc_text = spc_sentence(measure, _summary(reading), _comparison(impact), qualifier=qualifier)
    section = f"{its_text} {spc_text}"

    assert "no sign of a change" not in section  # never, and least of all beside a change
    assert not ("rose" in section and "fell" in section)
    if found in (IMPROVED, DETERIORATED, CHANGED):
        assert ": a shift" in spc_text and "no shift" not in spc_text
    else:
        assert "no shift" in spc_text and "new level" not in spc_text
    concern, better = "direction of concern" in spc_text, "direction of improvement" in spc_text
    if found == IMPROVED and concern:
        assert "Verdict: improved, but the latest months show a concern." in spc_text
    if found == DETERIORATED and better:
        assert "Verdict: deteriorated, but the latest months show an improvement." in spc_text
    if qualifier is None:
        assert "Verdict:" not in spc_text
    if reading == "common_cause":
        assert "within its recalculated limits the process is stable" in spc_text


def test_qualifiers_only_where_chart_and_verdict_disagree():
    assert (
        verdict_qualifier(IMPROVED, "special_cause_concern", "none") == "improved, but the latest months show a concern"
    )
    assert verdict_qualifier(IMPROVED, "common_cause", "fail") == "improved, but the latest months show a concern"
    assert verdict_qualifier(IMPROVED, "special_cause_improvement", "pass") is None
    assert verdict_qualifier(DETERIORATED, "special_cause_improvement", "none") == (
        "deteriorated, but the latest months show an improvement"
    )
    assert verdict_qualifier(DETERIORATED, "special_cause_concern", "fail") is None
    assert verdict_qualifier(NO_EVIDENCE, "special_cause_concern", "fail") is None


@pytest.fixture(scope="module")
def demo_study():
    from pss_analysis.config.loading import load_params
    from pss_analysis.evaluation.study import prepare_study

    return prepare_study(load_params(DEMO_PARAMS))


def _demo_sentence(study, mid: str) -> str:
    ev = study.evaluations[mid]
    measure = study.measures.set_index("measure_id").loc[mid].to_dict() | {"measure_id": mid}
    qualifier = study.evidence.set_index("measure_id")["verdict_qualifier"].get(mid)
    return spc_sentence(
        measure,
        ev.spc.summary(),
        ev.spc_comparison,
        chart=ev.spc_options["chart"],
        chart_reason=ev.chart_choice.reason,
        qualifier=qualifier,
    )


def test_the_demo_reads_a_step_against_the_pre_programme_process(demo_study):
    text = _demo_sentence(demo_study, "su_satisfaction")  # improved by 13%; the new limits absorb the step
    assert text.startswith("Since the programme started, all 24 months were above the pre-programme average")
    assert "a shift in the direction of improvement" in text and "stable at its new level" in text
    improved = demo_study.evidence[demo_study.evidence["verdict"] == IMPROVED]["measure_id"]
    for mid in improved:
        assert "no sign of a change" not in _demo_sentence(demo_study, mid)


def test_the_demo_qualifies_staff_trained(demo_study):
    row = demo_study.evidence.set_index("measure_id").loc["staff_trained"]
    assert row["verdict"] == IMPROVED and row["verdict_qualifier"] == "improved, but the latest months show a concern"
    assert _demo_sentence(demo_study, "staff_trained").endswith(
        "Verdict: improved, but the latest months show a concern."
    )


def test_over_dispersed_demo_rates_get_laney_charts_and_say_why(demo_study):
    chosen = {mid: ev.chart_choice for mid, ev in demo_study.evaluations.items()}
    laney = sorted(mid for mid, c in chosen.items() if c.reason == "overdispersed")
    assert laney == ["acs_bed_nights", "delayed_discharge_days"]
    assert all(demo_study.evaluations[mid].spc_options["chart"] == "up" for mid in laney)
    assert "(Laney's u′ chart)" in _demo_sentence(demo_study, "acs_bed_nights")
    assert "Laney" not in _demo_sentence(demo_study, "acs_admissions")  # not over-dispersed: u chart
