"""Plain-English descriptions of the columns of the published tables (for the results workbook)."""

from __future__ import annotations

from pss_analysis.evaluation.verdicts import CONTRIBUTIONS, VERDICTS

__all__ = ["COLUMN_DESCRIPTIONS"]

_CI = "confidence interval"

#: What each column of the report's tables means.
COLUMN_DESCRIPTIONS: dict[str, str] = {
    # identity
    "measure_id": "Short id of the measure (as in the scorecard or measure catalogue).",
    "name": "Name of the measure.",
    "perspective": "Public Sector Scorecard perspective of the measure (id).",
    "perspective_id": "Public Sector Scorecard perspective (id).",
    "perspective_name": "Public Sector Scorecard perspective.",
    "tier": "Tier of the perspective: outcomes, processes or capability.",
    "unit": "Unit of the value shown for the measure.",
    "kind": "How the value is made: rate, proportion, mean, count or amount.",
    "improvement_direction": "Which way is better: increase, decrease or neither.",
    "description": "Description, as given in the input files.",
    "period": "Month (YYYY-MM), or for impact tables the month number after the start.",
    "month": "Month (YYYY-MM).",
    "x": "Month of the point on the control chart.",
    "time": "Month of the row.",
    "t": "Position of the month in the series (1 = first month).",
    # data
    "numerator": "Count (or total) in the month.",
    "denominator": "Population, trials or count the numerator is divided by.",
    "value": "Value shown for the month (numerator / denominator x multiplier, or the numerator).",
    "multiplier": "Multiplier of the value (e.g. 1,000 for a rate per 1,000).",
    "y": "Count plotted on the control chart (blank for charts of continuous values).",
    "n": "Denominator of the count on the control chart.",
    "points_before": "Months of data before the programme start.",
    "points_after": "Months of data since the programme start.",
    "mean_before": "Average value before the programme start.",
    "mean_after": "Average value since the programme start.",
    "change": "Mean since minus mean before.",
    "relative_change": "Change as a fraction of the mean before.",
    "latest_value": "Value in the latest month.",
    "missing": "Months with a missing value.",
    # interrupted time series
    "term": "Segmented-regression term: baseline level, pre-programme trend, level change, slope change, "
    "post-programme trend.",
    "interruption": "The interruption (month) the term belongs to.",
    "group": "Series the term describes (treated; control and difference in a controlled design).",
    "coef": "Coefficient on the model's scale (log or logit for count and proportion models).",
    "estimate": "Estimate: on the measure's scale, or a rate/odds ratio for log and logit models.",
    "std_error": "Standard error of the coefficient (model scale).",
    "estimate_lower": f"Lower limit of the {_CI} of the estimate.",
    "estimate_upper": f"Upper limit of the {_CI} of the estimate.",
    "p_value": "p-value of the test that the term is zero (ratio one).",
    "scale": "absolute (the measure's units) or ratio (rate or odds ratio).",
    "time_since": "Convention for the time since the interruption: wagner (level change at the last month "
    "before) or itsa (at the first month of the programme).",
    "family": "Model family.",
    "seasonality": "How the seasons were modelled.",
    "autocorrelation": "How autocorrelation was handled.",
    "observed": "Observed value (total for the whole-period row).",
    "fitted": "Value from the fitted model.",
    "counterfactual": "Value expected without the programme (pre-programme trend continued).",
    "absolute_effect": "Fitted minus expected without the programme (negative = fewer).",
    "absolute_effect_lower": f"Lower limit of the {_CI} of the absolute effect.",
    "absolute_effect_upper": f"Upper limit of the {_CI} of the absolute effect.",
    "relative_effect": "Fitted / expected without the programme, minus 1.",
    "relative_effect_lower": f"Lower limit of the {_CI} of the relative effect.",
    "relative_effect_upper": f"Upper limit of the {_CI} of the relative effect.",
    "units": "Units of the absolute effect.",
    "n_periods": "Months summed in the row.",
    "horizon": "Month number after the start (1 = the first month of the programme); blank for the whole period.",
    "cumulative": "True for the row summing every month since the start.",
    "offset": "Population (exposure) summed over the row's months.",
    "fitted_rate": "Fitted rate per unit of population.",
    "counterfactual_rate": "Expected rate without the programme.",
    "rate_difference": "Fitted minus expected rate.",
    "rate_difference_lower": f"Lower limit of the {_CI} of the rate difference.",
    "rate_difference_upper": f"Upper limit of the {_CI} of the rate difference.",
    # SPC
    "chart": "Control chart type (xmr, p, u, c, ...).",
    "spc_chart": "Control chart type.",
    "phase": "Phase of the chart (limits are recalculated at the programme start).",
    "centre_line": "Centre line of the chart.",
    "lcl": "Lower process limit.",
    "ucl": "Upper process limit.",
    "lower_2sigma": "Lower two-sigma line.",
    "upper_2sigma": "Upper two-sigma line.",
    "point_type": "Type of variation of the point: common cause, or special cause (improvement, concern, neither).",
    "special_cause": "True when any rule flags the point.",
    "rule_outside_limits": "Point beyond a process limit.",
    "rule_shift": "Point in a run of points on one side of the centre line.",
    "rule_trend": "Point in a run of points rising or falling.",
    "rule_two_of_three": "Two of three points beyond the two-sigma line.",
    "variation_type": "Variation icon: the type of the latest point (common_cause, special_cause_improvement, "
    "special_cause_concern or special_cause_neither; the report says them in words).",
    "variation_direction": "High or low, for special-cause variation.",
    "assurance_type": "Assurance icon: pass, fail or hit_or_miss (hit or miss) against the target, from the "
    "latest limits.",
    "target": "Target for the measure.",
    "target_met": "True when the month's value meets the target.",
    "longest_run": "Longest run of points on one side of the centre line.",
    "longest_run_limit": "Longest run expected by chance (Anhøj).",
    "crossings": "Times the series crosses the centre line.",
    "crossings_limit": "Fewest crossings expected by chance (Anhøj).",
    "runs_signal": "True when the runs analysis signals a shift.",
    # evidence
    "verdict": f"Verdict: {', '.join(VERDICTS[:-1])} or {VERDICTS[-1]}.",
    "verdict_qualifier": "Where the control chart's latest months disagree with the verdict, or the verdict "
    "does not hold under the robustness checks, the verdict with a plain qualifier (e.g. improved, but the latest "
    "months show a concern; not robust: ...); blank otherwise.",
    "verdict_reason": "Why the verdict was reached.",
    # robustness of the verdict
    "robust": "True when the verdict holds under every robustness check (other models, pretend starts, "
    "each extra interruption left out).",
    "placebo_rank": "Rank of the real change among the pretend-start changes by size (1 = larger than all).",
    "placebo_count": "Pretend start months before the programme that could be fitted.",
    "placebo_p_value": "Share of pretend-start changes at least as large as the real one, the real one included "
    "(permutation p-value).",
    "specifications_holding": "Other models under which the verdict's direction of change holds.",
    "specifications_fitted": "Other models (families, seasonality, autocorrelation) that could be fitted.",
    "left_out_holding": "Fits leaving out one extra interruption under which the verdict holds.",
    "left_out_fitted": "Fits leaving out one extra interruption that could be fitted.",
    "headline": "True for the model the report uses (the measure's own model).",
    "holds": "True when this model gives the verdict's direction of change (above, below or including no "
    "change, by the verdict's rule).",
    "model_changed": "How many of family, seasonality and autocorrelation differ from the measure's model.",
    "start": "Month a pretend (placebo) start was placed.",
    "standardised_change": "Change divided by the half-width of its confidence interval (log scale for ratios): "
    "beyond 1 or -1 the interval excludes no change.",
    "larger_than_real": "True when this pretend start's change is at least as large as the real one.",
    "left_out": "Extra interruption (change-log month) left out of the model.",
    "problem": "Why the model could not be fitted (blank when it was).",
    "cumulative_relative": "Overall relative change since the start against expected without the programme.",
    "cumulative_impact": "Total difference since the start (measure's own units; negative = fewer).",
    "money": "Cumulative impact in money, in pounds (negative = saved): counts times the unit cost, or an "
    "amount in £, £ thousand or £ million scaled to pounds.",
    "money_lower": f"Lower limit of the {_CI} of the money impact (negative = saved).",
    "money_upper": f"Upper limit of the {_CI} of the money impact (negative = saved).",
    "money_unit": "Unit of the money columns (£).",
    "interval": f"The {_CI} of the money impact in words (saved, extra cost, or between the two).",
    "value_for_money": "The money impact in words: saved or extra cost, or no reliable change when the verdict "
    "is neither improved nor deteriorated.",
    "alternatives": "Other measures that value the same activity (the scorecard's value_group): alternative "
    "views of the same money, not added to the figure or the total.",
    "value_group": "Value group (scorecard value_group; a measure without one is its own group).",
    "months": "Months since the start over which money and cost are counted.",
    "cost": "Programme cost in pounds over those months (programme.cost; a cost per year times months / 12).",
    "saved": "Money saved in pounds (the money impact with its sign turned: positive = saved).",
    "net_benefit": "Money saved minus the programme's cost, in pounds.",
    "return_per_pound": "Money saved per £1 of the programme's cost (the cost taken as known).",
    "special_cause_since_start": "True when the chart shows special-cause variation since the start.",
    # scorecard and balance
    "driver": "Driver objective (id).",
    "outcome": "Outcome objective (id).",
    "expected_sign": "+ when progress on the driver should help the outcome, - when it should work against it.",
    "driver_status": "Evidence of the driver's measures.",
    "outcome_status": "Evidence of the outcome's measures.",
    "contribution": f"Driver's contribution to the outcome: {', '.join(CONTRIBUTIONS[:-1])} or {CONTRIBUTIONS[-1]}.",
    "link_status": "Whether driver and outcome measures move together as expected: agrees, disagrees, or "
    "unknown (no association found at the chosen level).",
    "lead_lag_summary": "Result of the lead-lag analysis, in words.",
    "risk_id": "Risk id.",
    "likelihood": "Likelihood of the risk (1 low to 5 high).",
    "impact": "Impact of the risk (1 low to 5 high).",
    "score": "Likelihood x impact.",
    "mitigation": "Mitigation of the risk.",
    "owner": "Owner.",
    "change_id": "Change-log id (marked on the charts).",
    "what": "What was changed.",
    "where": "Where it was changed.",
    # since the last report (changes_since_last)
    "change_type": "What changed since the last report: month added, value revised, verdict changed, estimate "
    "moved (outside the last report's confidence interval), measure added, measure removed or parameter changed.",
    "quantity": "What the change is about: value (a month's value), verdict, the estimate (e.g. level_change) or "
    "the parameter (dotted key).",
    "previous_value": "The value, verdict, estimate or parameter in the last report (blank for a month added).",
    "current_value": "The value, verdict, estimate or parameter in this report.",
    "previous_lower": f"Lower limit of the last report's {_CI} of the estimate (estimate moved only).",
    "previous_upper": f"Upper limit of the last report's {_CI} of the estimate (estimate moved only).",
    # appendix
    "role": "What the input file is.",
    "path": "Path of the input file, relative to the folder of the parameter file.",
    "file": "Name of the input file.",
    "bytes": "Size of the file in bytes.",
    "sha256": "SHA-256 checksum of the file.",
    "parameter": "Parameter (dotted key).",
    "item": "Software or setting.",
}
