"""The measures evaluated ahead by the pipeline (``evaluate_ahead``) and adopted by the kernel's
``prepare_study``: the same study as one evaluated in place; a failure ahead leaves the kernel to do it."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from conftest import DEMO_PARAMS

from pss_analysis.config.loading import load_params
from pss_analysis.evaluation.study import (
    EVALUATIONS_FILE,
    EVALUATIONS_PENDING,
    INPUTS_FILE,
    adopt_saved_inputs,
    evaluate_ahead,
    load_inputs,
    prepare_study,
    save_inputs,
)
from pss_analysis.timings import TIMINGS

MEASURES = "report.measures=[acs_admissions,su_satisfaction,emergency_los]"


def _params():
    return load_params(DEMO_PARAMS, [MEASURES])


def _steps(step: str) -> list[dict]:
    return [r for r in TIMINGS.records if r["step"] == step]


def test_evaluations_made_ahead_are_adopted_and_give_the_same_study(tmp_path):
    here = prepare_study(_params())
    params = _params()
    inputs = load_inputs(params)
    save_inputs(inputs, tmp_path / INPUTS_FILE)
    TIMINGS.clear()
    thread = evaluate_ahead(inputs, params, tmp_path)
    kernel_params = _params()  # the kernel's own parameters, read again
    assert adopt_saved_inputs(kernel_params, tmp_path / INPUTS_FILE)
    study = prepare_study(kernel_params)  # waits for the thread
    thread.join()
    assert [r["adopted"] for r in _steps("evaluations")] == [True]
    for step in ("its", "spc", "robustness"):  # by the thread, not again
        assert sorted(r["measure"] for r in _steps(step)) == sorted(here.evaluations), step
    assert not (tmp_path / EVALUATIONS_PENDING).exists()
    pd.testing.assert_frame_equal(study.evidence, here.evidence)
    pd.testing.assert_frame_equal(study.links, here.links)
    for measure, evaluation in here.evaluations.items():
        adopted = study.evaluations[measure]
        pd.testing.assert_frame_equal(adopted.its.impact(), evaluation.its.impact())
        pd.testing.assert_frame_equal(adopted.spc.points, evaluation.spc.points)
        pd.testing.assert_frame_equal(adopted.robustness.placebo, evaluation.robustness.placebo)
        pd.testing.assert_frame_equal(adopted.robustness.specifications, evaluation.robustness.specifications)


def test_evaluations_that_fail_ahead_are_made_by_the_kernel(tmp_path):
    params = _params()
    inputs = load_inputs(params)
    save_inputs(inputs, tmp_path / INPUTS_FILE)
    broken = replace(inputs, indicators=None)
    evaluate_ahead(broken, params, tmp_path).join()  # the thread fails: no evaluations, no marker
    assert not (tmp_path / EVALUATIONS_FILE).exists() and not (tmp_path / EVALUATIONS_PENDING).exists()
    assert adopt_saved_inputs(params, tmp_path / INPUTS_FILE)
    TIMINGS.clear()
    study = prepare_study(params)
    assert not _steps("evaluations")
    assert {r["measure"] for r in _steps("its")} == {"acs_admissions", "su_satisfaction", "emergency_los"}
    assert set(study.evaluations) == {"acs_admissions", "su_satisfaction", "emergency_los"}
