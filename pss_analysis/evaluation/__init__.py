"""Evaluation stage: every measure evaluated, and what the evidence adds up to.

:func:`prepare_study` loads the inputs named by the parameters and returns the :class:`Study`
every report section reads: each measure's interrupted time series and SPC chart
(:func:`evaluate_measures`, options merged by :mod:`~pss_analysis.evaluation.options`), the
evidence table with each measure's verdict (:func:`evidence_table`, rules :data:`VERDICT_RULES`),
and along the strategy map the objectives' statuses, the links' contributions and lead-lag
association, and the risks (:mod:`~pss_analysis.evaluation.balance`); value for money, one figure
per value group and the return on the programme's cost (:func:`value_for_money`); comparison areas
for a controlled interrupted time series (:mod:`~pss_analysis.evaluation.comparison`); the dashboards' tables are in
:mod:`~pss_analysis.evaluation.dashboards`. Nothing here plots or formats.
"""

from __future__ import annotations

from pss_analysis.evaluation.balance import LINK_STATUSES, link_table, objective_statuses, risk_table
from pss_analysis.evaluation.comparison import ComparisonData, comparison_series, split_comparison
from pss_analysis.evaluation.dashboards import (
    MONITORING_MONTHS,
    board_table,
    display_impact,
    overview_table,
    within_year_results,
    within_year_table,
)
from pss_analysis.evaluation.measures import (
    MeasureEvaluation,
    check_robustness,
    evaluate_measures,
    its_tables,
    spc_tables,
)
from pss_analysis.evaluation.options import (
    ROBUSTNESS_DEFAULTS,
    analysis_with_scorecard,
    measure_options,
    merge_options,
    robustness_options,
)
from pss_analysis.evaluation.study import (
    INPUTS_FILE,
    Inputs,
    Study,
    adopt_saved_inputs,
    load_inputs,
    load_inputs_many,
    prepare_study,
    save_inputs,
)
from pss_analysis.evaluation.units import UNIT_EVIDENCE_COLUMNS, UnitEvidence, unit_evidence, units_evidence
from pss_analysis.evaluation.value import ValueForMoney, value_for_money
from pss_analysis.evaluation.verdicts import (
    CHANGED,
    DETERIORATED,
    IMPROVED,
    MIXED,
    NO_CHANGE,
    NO_EVIDENCE,
    NOT_ENOUGH_DATA,
    OBJECTIVE_STATUSES,
    ROBUSTNESS_RULE,
    VERDICT_RULES,
    VERDICTS,
    contributions,
    evidence_table,
    objective_status,
    perspective_summary,
    robustness_qualifier,
    verdict,
    verdict_qualifier,
)

__all__ = [
    "unit_evidence",
    "units_evidence",
    "UnitEvidence",
    "UNIT_EVIDENCE_COLUMNS",
    "board_table",
    "display_impact",
    "prepare_study",
    "save_inputs",
    "adopt_saved_inputs",
    "INPUTS_FILE",
    "load_inputs",
    "load_inputs_many",
    "Study",
    "Inputs",
    "evaluate_measures",
    "MeasureEvaluation",
    "its_tables",
    "spc_tables",
    "merge_options",
    "measure_options",
    "analysis_with_scorecard",
    "evidence_table",
    "value_for_money",
    "ValueForMoney",
    "verdict",
    "verdict_qualifier",
    "robustness_qualifier",
    "ROBUSTNESS_RULE",
    "robustness_options",
    "ROBUSTNESS_DEFAULTS",
    "check_robustness",
    "VERDICT_RULES",
    "VERDICTS",
    "IMPROVED",
    "DETERIORATED",
    "CHANGED",
    "NO_EVIDENCE",
    "NOT_ENOUGH_DATA",
    "objective_status",
    "OBJECTIVE_STATUSES",
    "MIXED",
    "NO_CHANGE",
    "contributions",
    "perspective_summary",
    "objective_statuses",
    "link_table",
    "risk_table",
    "LINK_STATUSES",
    "overview_table",
    "within_year_table",
    "within_year_results",
    "MONITORING_MONTHS",
    "ComparisonData",
    "split_comparison",
    "comparison_series",
]
