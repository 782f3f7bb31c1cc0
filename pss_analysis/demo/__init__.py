"""Seeded synthetic demo data for pss-analysis.

The data describe a fictional city, **Northbrook**, whose health and social
care partners run an integrated-care programme for older people called
**Home First** from April 2018. Everything here is SYNTHETIC: the city, the
programme and every number are invented, and are generated from a fixed seed
so that the files are identical on every run and platform.

Run::

    python -m pss_analysis.demo [--out data/demo] [--seed 20180401]

It writes five files into ``--out``:

``measures.csv``
    The measure catalogue: one row per measure, with its PSS perspective,
    kind (``rate``, ``proportion``, ``count``, ``mean``, ``amount``),
    multiplier, improvement direction, optional target and unit cost.
``indicators.csv``
    Long format, one row per measure and month: ``measure_id, period,
    numerator, denominator``; 60 months from 2015-04 to 2020-03.
``true_effects.csv``
    The effects the generator built in (step and slope change from
    2018-04, seasonal amplitude), so that an evaluation can be checked
    against the truth.
``scorecard.yaml``
    The Home First scorecard (see :mod:`pss_analysis.inputs.scorecard`): objectives in the
    seven PSS perspectives arranged like the Right First Time strategy map, the 18
    measures on them (same ids and catalogue fields as ``measures.csv``, built from
    the same definitions), driver -> outcome links with expected signs, risks and
    the change log. Not random: it does not depend on the seed.
``README.md``
    Says what the files are, and that they are synthetic.

The model for each measure's expected value in month ``t`` (1 = 2015-04) is
multiplicative::

    E[t] = base * (1 + trend)^(t - 1) * exp(A * cos(2*pi*(m - 0.5)/12))
           * [t >= 37] * (1 + level) * (1 + slope)^(t - 37)

with ``m`` the calendar month (1 = January; the seasonal peak falls between
December and January), ``level`` and ``slope`` the relative step and
per-month slope change recorded in ``true_effects.csv`` (zero before the
programme). Counts are drawn from Poisson, bed-nights and delayed-discharge
bed-days from negative binomials (over-dispersed), proportions from binomials,
and means and amounts from Gaussians with modest noise.

Only ``numpy.random.default_rng(seed)`` is used, and every random draw is
taken from that one generator in a fixed order. Expected values are rounded
to 6 decimals before they are drawn from, and written values to fixed
decimals, so the bytes do not depend on last-bit differences in ``exp``.
"""

from __future__ import annotations

import argparse
import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "PROGRAMME_START",
    "FIRST_PERIOD",
    "N_PERIODS",
    "DEFAULT_SEED",
    "PERSPECTIVES",
    "KINDS",
    "build",
    "scorecard_definition",
    "generate",
    "main",
]

PROGRAMME_START = "2018-04"
FIRST_PERIOD = "2015-04"
N_PERIODS = 60
DEFAULT_SEED = 20180401

#: The seven default PSS perspectives, in scorecard order.
PERSPECTIVES = (
    "service_user",
    "strategic",
    "financial",
    "operational",
    "innovation",
    "leadership",
    "people",
)
KINDS = ("rate", "proportion", "count", "mean", "amount")

CITY = "Northbrook"
PROGRAMME = "Home First"

MEASURES_FILE = "measures.csv"
INDICATORS_FILE = "indicators.csv"
TRUE_EFFECTS_FILE = "true_effects.csv"
SCORECARD_FILE = "scorecard.yaml"
README_FILE = "README.md"

MEASURE_COLUMNS = [
    "measure_id",
    "name",
    "perspective",
    "unit",
    "kind",
    "multiplier",
    "improvement_direction",
    "target",
    "unit_cost",
    "description",
]
INDICATOR_COLUMNS = ["measure_id", "period", "numerator", "denominator"]
TRUE_EFFECT_COLUMNS = [
    "measure_id",
    "effect",
    "level_change_relative",
    "slope_change_relative_per_month",
    "seasonal_amplitude",
    "notes",
]

_FIRST_YEAR, _FIRST_MONTH = (int(x) for x in FIRST_PERIOD.split("-"))
_START_YEAR, _START_MONTH = (int(x) for x in PROGRAMME_START.split("-"))
#: 1-based index of the first programme month (37 = 2018-04).
START_INDEX = (_START_YEAR - _FIRST_YEAR) * 12 + (_START_MONTH - _FIRST_MONTH) + 1


# --------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    measure_id: str
    name: str
    perspective: str
    unit: str
    kind: str
    multiplier: int
    improvement_direction: str
    target: float | None
    unit_cost: float | None
    description: str
    numerator_decimals: int = 0  # 2 for amounts and money totals
    # Scorecard-only fields (data/demo/scorecard.yaml): the objective the measure is on and
    # text definitions of numerator and denominator, the data source and the owner.
    objective_id: str = ""
    numerator: str = ""
    denominator: str = ""
    data_source: str = ""
    owner: str = ""


_CATALOGUE: tuple[_Measure, ...] = (
    # --- service user / stakeholder outcomes --------------------------------
    _Measure(
        "su_satisfaction",
        "Service users satisfied with their care",
        "service_user",
        "% of respondents",
        "proportion",
        100,
        "increase",
        80.0,
        None,
        "Respondents to the monthly service-user survey (people aged 65+ using "
        "health or social care services) answering 'satisfied' or 'very satisfied' "
        "with the care and support they receive; denominator = respondents.",
        objective_id="satisfied_users_carers",
        numerator="Respondents answering 'satisfied' or 'very satisfied'",
        denominator="Respondents to the monthly service-user survey",
        data_source="Northbrook service-user survey (monthly)",
        owner="Head of Patient Experience",
    ),
    _Measure(
        "carer_satisfaction",
        "Carers satisfied with support",
        "service_user",
        "% of respondents",
        "proportion",
        100,
        "increase",
        70.0,
        None,
        "Respondents to the monthly carers' survey answering 'satisfied' or "
        "'very satisfied' with the support given to them as carers; "
        "denominator = respondents.",
        objective_id="satisfied_users_carers",
        numerator="Respondents answering 'satisfied' or 'very satisfied'",
        denominator="Respondents to the monthly carers' survey",
        data_source="Northbrook carers' survey (monthly)",
        owner="Carers' Lead, Adult Social Care",
    ),
    _Measure(
        "home_at_91_days",
        "Still at home 91 days after discharge into reablement",
        "service_user",
        "% of people discharged into reablement",
        "proportion",
        100,
        "increase",
        85.0,
        None,
        "People aged 65+ discharged from hospital into reablement or "
        "rehabilitation services who are still at home 91 days later; "
        "denominator = people discharged into reablement in the month.",
        objective_id="living_independently",
        numerator="People still at home 91 days after discharge into reablement",
        denominator="People aged 65+ discharged from hospital into reablement in the month",
        data_source="Adult social care case records",
        owner="Head of Reablement",
    ),
    # --- strategic key performance outcomes --------------------------------
    _Measure(
        "acs_admissions",
        "Emergency admissions for ambulatory care sensitive conditions, 65+",
        "strategic",
        "admissions per 1,000 people aged 65+",
        "rate",
        1000,
        "decrease",
        3.3,
        2450.0,
        "Emergency hospital admissions of residents aged 65+ with a primary "
        "diagnosis of an ambulatory care sensitive (ACS) condition; "
        "denominator = resident population aged 65+ (mid-year estimate, "
        "interpolated monthly).",
        objective_id="fewer_avoidable_admissions",
        numerator="Emergency admissions of residents aged 65+ with a primary ACS diagnosis",
        denominator="Resident population aged 65+ (mid-year estimate, interpolated monthly)",
        data_source="Northbrook General Hospital inpatient extract; ONS population estimates",
        owner="Urgent Care Commissioning Lead",
    ),
    _Measure(
        "acs_bed_nights",
        "Emergency bed-nights for ambulatory care sensitive conditions, 65+",
        "strategic",
        "bed-nights per 1,000 people aged 65+",
        "rate",
        1000,
        "decrease",
        24.0,
        300.0,
        "Bed-nights of emergency ACS admissions of residents aged 65+, "
        "counted in the month of discharge; denominator = resident "
        "population aged 65+.",
        objective_id="fewer_avoidable_admissions",
        numerator="Bed-nights of emergency ACS admissions of residents aged 65+, by month of discharge",
        denominator="Resident population aged 65+ (mid-year estimate, interpolated monthly)",
        data_source="Northbrook General Hospital inpatient extract; ONS population estimates",
        owner="Urgent Care Commissioning Lead",
    ),
    _Measure(
        "readmissions_30d",
        "Emergency readmissions within 30 days, 65+",
        "strategic",
        "% of discharges",
        "proportion",
        100,
        "decrease",
        14.0,
        2450.0,
        "Discharges of residents aged 65+ after an emergency admission that "
        "are followed by another emergency admission within 30 days; "
        "denominator = emergency discharges of residents aged 65+.",
        objective_id="fewer_avoidable_admissions",
        numerator="Emergency discharges followed by an emergency readmission within 30 days",
        denominator="Emergency discharges of residents aged 65+",
        data_source="Northbrook General Hospital inpatient extract",
        owner="Medical Director, Northbrook General Hospital",
    ),
    _Measure(
        "care_home_admissions",
        "Permanent admissions to residential and nursing care, 65+",
        "strategic",
        "admissions per 100,000 people aged 65+",
        "rate",
        100000,
        "decrease",
        45.0,
        28000.0,
        "Council-supported permanent admissions of people aged 65+ to "
        "residential and nursing care homes; denominator = resident "
        "population aged 65+. Unit cost = approximate first-year cost of a "
        "placement.",
        objective_id="fewer_care_home_admissions",
        numerator="Council-supported permanent admissions to residential and nursing care",
        denominator="Resident population aged 65+ (mid-year estimate, interpolated monthly)",
        data_source="Adult social care case records; ONS population estimates",
        owner="Director of Adult Social Care",
    ),
    _Measure(
        "ae_attendances",
        "A&E attendances, 65+",
        "strategic",
        "attendances per 1,000 people aged 65+",
        "rate",
        1000,
        "decrease",
        None,
        160.0,
        "Attendances of residents aged 65+ at type 1 (major) accident and "
        "emergency departments; denominator = resident population aged 65+.",
        objective_id="less_urgent_care",
        numerator="Type 1 A&E attendances of residents aged 65+",
        denominator="Resident population aged 65+ (mid-year estimate, interpolated monthly)",
        data_source="Emergency care data set extract; ONS population estimates",
        owner="Urgent Care Commissioning Lead",
    ),
    # --- financial outcomes / value for money -------------------------------
    _Measure(
        "acs_spend",
        "Spend on emergency ACS admissions, 65+",
        "financial",
        "£ thousand",
        "amount",
        1,
        "decrease",
        500.0,
        None,
        "Secondary-care spend (tariff, 2017/18 prices) on emergency ACS "
        "admissions of residents aged 65+ discharged in the month, £ thousand.",
        numerator_decimals=2,
        objective_id="value_for_money",
        numerator="Tariff spend on emergency ACS admissions of residents aged 65+ (£ thousand, 2017/18 prices)",
        data_source="Northbrook General Hospital inpatient extract priced at national tariff",
        owner="Director of Finance",
    ),
    _Measure(
        "acs_cost_per_admission",
        "Cost per emergency ACS admission, 65+",
        "financial",
        "£ per admission",
        "mean",
        1,
        "neither",
        None,
        None,
        "Mean cost of an emergency ACS admission of a resident aged 65+ "
        "(tariff, 2017/18 prices): numerator = total spend in £, "
        "denominator = ACS admissions. Reflects case mix and tariff, not the "
        "number of admissions.",
        numerator_decimals=2,
        objective_id="value_for_money",
        numerator="Tariff spend on emergency ACS admissions of residents aged 65+ (£, 2017/18 prices)",
        denominator="Emergency ACS admissions of residents aged 65+",
        data_source="Northbrook General Hospital inpatient extract priced at national tariff",
        owner="Director of Finance",
    ),
    # --- operational excellence / service delivery --------------------------
    _Measure(
        "emergency_los",
        "Mean length of stay, emergency admissions 65+",
        "operational",
        "days",
        "mean",
        1,
        "decrease",
        8.5,
        300.0,
        "Mean length of stay of emergency admissions of residents aged 65+: "
        "numerator = bed-days of the spells ending in the month, "
        "denominator = emergency discharges in the month.",
        objective_id="timely_discharge",
        numerator="Bed-days of emergency spells of residents aged 65+ ending in the month",
        denominator="Emergency discharges of residents aged 65+ in the month",
        data_source="Northbrook General Hospital inpatient extract",
        owner="Hospital Discharge Lead",
    ),
    _Measure(
        "delayed_discharge_days",
        "Delayed-discharge bed-days, 65+",
        "operational",
        "bed-days per 100,000 people aged 65+",
        "rate",
        100000,
        "decrease",
        1300.0,
        350.0,
        "Bed-days lost to delayed transfers of care of patients aged 65+ "
        "(all reasons); denominator = resident population aged 65+.",
        objective_id="timely_discharge",
        numerator="Bed-days lost to delayed transfers of care of patients aged 65+",
        denominator="Resident population aged 65+ (mid-year estimate, interpolated monthly)",
        data_source="Delayed transfers of care return; ONS population estimates",
        owner="Hospital Discharge Lead",
    ),
    _Measure(
        "intermediate_care_new",
        "Intermediate-care new patients",
        "operational",
        "new patients",
        "count",
        1,
        "increase",
        220.0,
        None,
        "New patients aged 65+ accepted by intermediate-care services "
        "(step-up and step-down, bed-based and home-based) in the month.",
        objective_id="reablement_intermediate_care",
        numerator="New patients aged 65+ accepted by intermediate-care services",
        data_source="Community services data set",
        owner="Head of Intermediate Care",
    ),
    # --- innovation and learning -------------------------------------------
    _Measure(
        "shared_care_plans",
        "Patients with a shared care plan",
        "innovation",
        "% of the integrated-care caseload",
        "proportion",
        100,
        "increase",
        50.0,
        None,
        "People on the integrated-care caseload (aged 65+ with complex needs) "
        "who have a care plan shared between GP, community health and social "
        "care at month end; denominator = caseload at month end.",
        objective_id="shared_care_records",
        numerator="People on the caseload with a care plan shared between GP, community health "
        "and social care at month end",
        denominator="Integrated-care caseload at month end",
        data_source="Shared care record audit (monthly)",
        owner="Chief Clinical Information Officer",
    ),
    _Measure(
        "digital_referrals",
        "New digital referrals",
        "innovation",
        "referrals",
        "count",
        1,
        "increase",
        None,
        None,
        "Referrals for people aged 65+ made through the shared electronic "
        "referral portal between GPs, community teams and social care.",
        objective_id="joined_up_referral",
        numerator="Referrals made through the shared electronic referral portal",
        data_source="Referral portal logs",
        owner="Chief Clinical Information Officer",
    ),
    # --- leadership ---------------------------------------------------------
    _Measure(
        "leadership_score",
        "Partnership and leadership survey score",
        "leadership",
        "mean score (1-5)",
        "mean",
        1,
        "increase",
        3.75,
        None,
        "Mean answer (1 = strongly disagree to 5 = strongly agree) to the "
        "monthly pulse survey of managers across the partnership, 'Leaders "
        "across the partnership work together to improve care for older "
        "people': numerator = sum of scores, denominator = respondents.",
        objective_id="partnership_leadership",
        numerator="Sum of the scores (1-5) given by respondents",
        denominator="Respondents to the monthly partnership pulse survey",
        data_source="Partnership pulse survey (monthly)",
        owner="Home First Programme Director",
    ),
    # --- people, partnerships and resources ---------------------------------
    _Measure(
        "staff_turnover",
        "Staff turnover",
        "people",
        "% of staff in post leaving in the month",
        "proportion",
        100,
        "decrease",
        1.0,
        None,
        "Leavers in the month among staff of the community health and adult "
        "social care teams serving older people; denominator = staff in post "
        "(headcount) at the start of the month.",
        objective_id="stable_workforce",
        numerator="Leavers in the month",
        denominator="Staff in post (headcount) at the start of the month",
        data_source="HR systems of the partner organisations",
        owner="Workforce Lead",
    ),
    _Measure(
        "staff_trained",
        "Staff trained in the integrated care model",
        "people",
        "staff trained",
        "count",
        1,
        "increase",
        None,
        None,
        "Staff completing training in integrated, person-centred care for "
        "older people (the Home First model from April 2018) in the month.",
        objective_id="trained_workforce",
        numerator="Staff completing training in the Home First model in the month",
        data_source="Training records of the partner organisations",
        owner="Workforce Lead",
    ),
)


# --------------------------------------------------------------------------
# The strategy map (data/demo/scorecard.yaml)
# --------------------------------------------------------------------------
# Arranged like Sheffield's "Right First Time" map (Moullin 2017): capability (people,
# leadership, innovation) drives the processes (timely discharge, reablement), which
# drive the outcomes (fewer avoidable admissions and bed-nights, people living
# independently, satisfied service users and carers, value for money). Every measure in
# _CATALOGUE names one of these objectives; its perspective must be the objective's.

#: (objective_id, perspective, name, description)
_OBJECTIVES: tuple[tuple[str, str, str, str], ...] = (
    ("satisfied_users_carers", "service_user", "Service users and carers satisfied with care and support",
     "Older people and their carers say the care and support they get works for them."),
    ("living_independently", "service_user", "Older people living independently at home",
     "After a crisis or a hospital stay, people get back to living at home."),
    ("fewer_avoidable_admissions", "strategic", "Fewer avoidable emergency admissions and bed-nights",
     "Fewer emergency admissions and bed-nights for conditions best managed in the community "
     "(ambulatory care sensitive conditions)."),
    ("less_urgent_care", "strategic", "Less reliance on urgent care",
     "Fewer older people need A&E."),
    ("fewer_care_home_admissions", "strategic", "Fewer permanent admissions to care homes",
     "People are not placed in a care home straight from a hospital bed."),
    ("value_for_money", "financial", "Value for money: less spent on avoidable emergency care",
     "Money spent on avoidable emergency admissions is released for care at home."),
    ("timely_discharge", "operational", "Timely discharge from hospital",
     "People go home as soon as they are medically fit, and are assessed for care at home "
     "(discharge to assess)."),
    ("reablement_intermediate_care", "operational", "Reablement and intermediate care at home",
     "Short-term care at home that restores independence, step-up instead of admission and "
     "step-down after a stay."),
    ("shared_care_records", "innovation", "Shared care records and care plans",
     "GP, community health and social care work from one care plan."),
    ("joined_up_referral", "innovation", "Joined-up digital referral",
     "One electronic referral portal between GPs, community teams and social care."),
    ("partnership_leadership", "leadership", "Partnership leadership across health and social care",
     "Leaders of the hospital, community trust, council and voluntary sector own the programme together."),
    ("trained_workforce", "people", "A trained and confident workforce",
     "Staff are trained in the Home First model of integrated, person-centred care."),
    ("stable_workforce", "people", "A stable, well-supported workforce",
     "Community health and social care teams keep their staff."),
)

#: (driver, outcome, expected sign, rationale); '+' = progress on the driver helps the outcome.
_LINKS: tuple[tuple[str, str, str, str], ...] = (
    ("trained_workforce", "timely_discharge", "+",
     "Staff trained in the Home First model assess people at home rather than on the ward."),
    ("trained_workforce", "reablement_intermediate_care", "+",
     "Trained staff deliver reablement that restores independence."),
    ("stable_workforce", "reablement_intermediate_care", "+",
     "Continuity of staff keeps community capacity and relationships with families."),
    ("partnership_leadership", "shared_care_records", "+",
     "Leaders agree to share information across organisations."),
    ("partnership_leadership", "timely_discharge", "+",
     "Hospital and council own discharge jointly instead of passing it between them."),
    ("shared_care_records", "fewer_avoidable_admissions", "+",
     "A shared plan lets the team act before a crisis becomes an admission."),
    ("joined_up_referral", "reablement_intermediate_care", "+",
     "Referrals reach intermediate care the same day."),
    ("timely_discharge", "fewer_avoidable_admissions", "+",
     "Shorter stays mean fewer bed-nights and less deconditioning in hospital."),
    ("timely_discharge", "less_urgent_care", "-",
     "People discharged sooner may come back to A&E in their first weeks at home."),
    ("reablement_intermediate_care", "fewer_avoidable_admissions", "+",
     "Step-up care at home replaces an admission."),
    ("reablement_intermediate_care", "living_independently", "+",
     "Reablement restores the daily skills people need to stay at home."),
    ("reablement_intermediate_care", "fewer_care_home_admissions", "+",
     "People are assessed at home after recovery, not placed in a care home from a hospital bed."),
    ("living_independently", "less_urgent_care", "-",
     "More frail people living at home means more conveyed to A&E when they fall or become unwell."),
    ("living_independently", "satisfied_users_carers", "+",
     "Most older people want to stay in their own home."),
    ("fewer_avoidable_admissions", "value_for_money", "+",
     "Fewer emergency admissions and bed-nights cut secondary-care spend."),
    ("fewer_care_home_admissions", "value_for_money", "+",
     "A permanent placement costs far more than care at home."),
    ("less_urgent_care", "value_for_money", "+",
     "Fewer A&E attendances cut urgent-care spend."),
)

#: (risk_id, description, likelihood 1-5, impact 1-5, touches, mitigation, owner)
_RISKS: tuple[tuple[str, str, int, int, tuple[str, ...], str, str], ...] = (
    ("R1", "Home-care capacity does not keep up with discharges to assess, so delays grow", 4, 4,
     ("timely_discharge", "delayed_discharge_days"),
     "Home-care framework re-tendered with more capacity (change C5); weekly capacity huddle",
     "Director of Adult Social Care"),
    ("R2", "More older people living at home leads to more A&E attendances", 3, 3,
     ("less_urgent_care", "ae_attendances"),
     "Falls response and community rapid-response service", "Urgent Care Commissioning Lead"),
    ("R3", "Staff turnover in community teams undermines the new model", 3, 4,
     ("stable_workforce", "reablement_intermediate_care", "staff_turnover"),
     "Joint recruitment and rotation across the partners", "Workforce Lead"),
    ("R4", "Information-governance or IT delays hold back shared care records", 2, 3,
     ("shared_care_records", "shared_care_plans", "digital_referrals"),
     "Data-sharing agreement signed by every partner before go-live", "Chief Clinical Information Officer"),
    ("R5", "Lower hospital activity does not release cash (fixed costs, costs shifted to social care)", 3, 3,
     ("value_for_money", "acs_spend"),
     "Risk-share agreement in the pooled budget", "Director of Finance"),
)

#: (change_id, date, where, what, use as an interruption)
_CHANGES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("C1", PROGRAMME_START, "Whole system",
     "Home First starts: integrated community teams for older people", True),
    ("C2", "2018-05", "Community health and adult social care teams",
     "Training in the Home First model for all community and social care staff", False),
    ("C3", "2018-10-01", "Northbrook General Hospital, medical wards",
     "Discharge-to-assess scheme: people are assessed for care at home, not on the ward", False),
    ("C4", "2019-01", "GP practices", "Shared referral portal extended to every GP practice", False),
    ("C5", "2019-07", "Adult social care",
     "Home-care framework re-tendered to add capacity for discharges", False),
)


class _Quoted(str):
    """Text written in single quotes (a bare - in YAML would start a list)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Quoted, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", str(value), style="'"))


def scorecard_definition() -> dict[str, list[dict[str, object]]]:
    """The demo scorecard as a mapping shaped like ``scorecard.yaml`` (measures from the catalogue).

    Measures that the synthetic record-level extract reproduces carry their ``indicator:``
    definition (:data:`pss_analysis.demo.records.DEFINITIONS`), so the report computes them from
    the records.
    """
    from pss_analysis.demo.records import DEFINITIONS  # demo_records builds on this module

    perspective_of = {o[0]: o[1] for o in _OBJECTIVES}
    measures = []
    for m in _CATALOGUE:
        if perspective_of.get(m.objective_id) != m.perspective:
            raise AssertionError(f"{m.measure_id}: objective {m.objective_id!r} is not in perspective {m.perspective}")
        entry: dict[str, object] = {
            "measure_id": m.measure_id, "name": m.name, "objective_id": m.objective_id, "unit": m.unit,
            "kind": m.kind, "numerator": m.numerator, "denominator": m.denominator,
            "multiplier": m.multiplier, "improvement_direction": m.improvement_direction,
            "target": m.target, "unit_cost": m.unit_cost, "data_source": m.data_source, "owner": m.owner,
            "description": m.description,
        }
        if m.measure_id in DEFINITIONS:
            entry["indicator"] = copy.deepcopy(DEFINITIONS[m.measure_id])  # no YAML anchors between measures
        measures.append({k: v for k, v in entry.items() if v not in (None, "")})
    return {
        "objectives": [{"objective_id": oid, "name": name, "perspective_id": persp, "description": text}
                       for oid, persp, name, text in _OBJECTIVES],
        "measures": measures,
        "links": [{"driver": d, "outcome": o, "expected_sign": _Quoted(sign), "rationale": why}
                  for d, o, sign, why in _LINKS],
        "risks": [{"risk_id": rid, "description": text, "likelihood": lik, "impact": imp,
                   "touches": list(touches), "mitigation": mit, "owner": owner}
                  for rid, text, lik, imp, touches, mit, owner in _RISKS],
        "changes": [{"change_id": cid, "date": date, "where": where, "what": what,
                     "use_as_interruption": flag} for cid, date, where, what, flag in _CHANGES],
    }


_SECTION_NOTES = {
    "objectives": "strategy-map nodes: objective_id, name, perspective_id, description\n"
                  "# (perspectives are absent, so the seven PSS perspectives apply)",
    "measures": "one per measure, each on one objective (same ids and catalogue fields as measures.csv)",
    "links": "driver -> outcome; expected_sign '+' = progress on the driver helps the outcome,\n"
             "# '-' = it is expected to work against it",
    "risks": "likelihood and impact 1 (low) to 5 (high); touches = objective or measure ids",
    "changes": "the service-improvement change log; use_as_interruption marks changes to test\n"
               "# as interruptions in the time series",
}


def _scorecard_text() -> str:
    parts = [
        f"# SYNTHETIC demo scorecard: {CITY} \"{PROGRAMME}\" (fictional; written by pss_analysis/demo.py).\n"
        "# Load it with pss_analysis.inputs.scorecard.load_scorecard('data/demo/scorecard.yaml').\n"
    ]
    for section, entries in scorecard_definition().items():
        body = yaml.dump({section: entries}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         width=100, default_flow_style=False)
        parts.append(f"# {section}: {_SECTION_NOTES[section]}\n{body}")
    return "\n".join(parts)


@dataclass(frozen=True)
class _Effect:
    effect: str  # improves | no_change | deteriorates
    level: float  # relative step at the programme start
    slope: float  # relative change per month after the start
    amplitude: float  # seasonal amplitude on the log scale
    notes: str


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _periods() -> list[str]:
    out = []
    for i in range(N_PERIODS):
        months = (_FIRST_MONTH - 1) + i
        out.append(f"{_FIRST_YEAR + months // 12:04d}-{months % 12 + 1:02d}")
    return out


_T = np.arange(1, N_PERIODS + 1, dtype=float)  # 1 .. 60
_CAL_MONTH = np.array([((_FIRST_MONTH - 1 + i) % 12) + 1 for i in range(N_PERIODS)], dtype=float)
_POST = _T >= START_INDEX
_SINCE = np.where(_POST, _T - START_INDEX, 0.0)


def _season(amplitude: float) -> np.ndarray:
    """Multiplicative winter factor, peak between December and January."""
    return np.exp(amplitude * np.cos(2.0 * math.pi * (_CAL_MONTH - 0.5) / 12.0))


def _trend(per_year: float) -> np.ndarray:
    return (1.0 + per_year) ** ((_T - 1.0) / 12.0)


def _programme(level: float, slope: float) -> np.ndarray:
    return np.where(_POST, (1.0 + level) * (1.0 + slope) ** _SINCE, 1.0)


def _curve(base: float, trend_per_year: float = 0.0, amplitude: float = 0.0,
           level: float = 0.0, slope: float = 0.0) -> np.ndarray:
    """Expected value per month, rounded so draws are platform-stable."""
    values = base * _trend(trend_per_year) * _season(amplitude) * _programme(level, slope)
    return np.round(values, 6)


def _neg_binomial(rng: np.random.Generator, mean: np.ndarray, shape: np.ndarray | float) -> np.ndarray:
    """Negative binomial with the given mean and shape (variance = mean + mean^2/shape)."""
    shape = np.broadcast_to(np.asarray(shape, dtype=float), mean.shape)
    p = shape / (shape + mean)
    return rng.negative_binomial(shape, p).astype(np.int64)


def _fmt_number(x: Any) -> str:
    """Plain, platform-stable text for a catalogue number ('' if missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return ""
    value = round(float(x), 6)
    if value.is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------


def build(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Build the demo tables without writing them.

    Returns a dict with ``"measures"``, ``"indicators"`` and
    ``"true_effects"`` DataFrames (columns as in the files; ``numerator`` is
    float, ``denominator`` a nullable integer, blank for counts and amounts).
    The random draws are made in a fixed order, one group of measures after another.
    """
    rng = np.random.default_rng(seed)
    # Resident population aged 65+: ~59,000 growing 1.6% a year (deterministic).
    pop = np.round(59_000 * _trend(0.016)).astype(np.int64)
    draws = _Draws()
    for step in _DRAW_STEPS:
        step(rng, pop, draws)
    assert set(draws.num) == {m.measure_id for m in _CATALOGUE}
    return {"measures": _measures_frame(), "indicators": _indicators_frame(draws),
            "true_effects": _true_effects_frame(draws)}


@dataclass
class _Draws:
    """The simulated series by measure id: numerator, denominator (None for counts and amounts), true effect."""

    num: dict[str, np.ndarray] = field(default_factory=dict)
    den: dict[str, np.ndarray | None] = field(default_factory=dict)
    eff: dict[str, _Effect] = field(default_factory=dict)


def _surveys(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Service-user and carer surveys (no seasonality)."""
    num, den, eff = draws.num, draws.den, draws.eff
    resp = np.maximum(rng.poisson(200, N_PERIODS), 150)
    e = _Effect("improves", 0.10, 0.0, 0.0,
                "Base 74% satisfied; step +10% relative (about +7.4 points) from 2018-04, no pre-trend.")
    num["su_satisfaction"] = rng.binomial(resp, _curve(0.74, level=e.level, slope=e.slope))
    den["su_satisfaction"], eff["su_satisfaction"] = resp, e

    resp = np.maximum(rng.poisson(120, N_PERIODS), 80)
    e = _Effect("no_change", 0.0, 0.0, 0.0, "Base 66% satisfied, flat; pure binomial noise.")
    num["carer_satisfaction"] = rng.binomial(resp, _curve(0.66))
    den["carer_satisfaction"], eff["carer_satisfaction"] = resp, e

    reable = rng.poisson(np.round(pop * 1.8e-3 * _programme(0.15, 0.0), 6))
    e = _Effect("improves", 0.10, 0.0, 0.0,
                "Base 81% at home; step +10% relative (about +8.1 points) from 2018-04. "
                "Discharges into reablement (denominator) also rise 15% with the programme.")
    num["home_at_91_days"] = rng.binomial(reable, _curve(0.81, level=e.level, slope=e.slope))
    den["home_at_91_days"], eff["home_at_91_days"] = reable, e


def _acs(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """ACS admissions, their bed-nights and spend."""
    num, den, eff = draws.num, draws.den, draws.eff
    adm_e = _Effect("improves", -0.12, -0.004, 0.12,
                    "Base 4.0 per 1,000 a month, +1%/year per head before the programme; "
                    "step -12% and a further -0.4%/month from 2018-04; winter peak; Poisson.")
    acs_adm = rng.poisson(pop * _curve(4.0e-3, 0.01, adm_e.amplitude, adm_e.level, adm_e.slope))
    num["acs_admissions"], den["acs_admissions"], eff["acs_admissions"] = acs_adm, pop, adm_e

    # Length of stay of ACS spells: mean 7.8 nights, -1%/year, -6% step, small winter rise;
    # each spell's nights negative binomial (shape 2), so the monthly total given n
    # admissions is negative binomial with shape 2 n.
    los_level, los_amp = -0.06, 0.03
    acs_los = _curve(7.8, -0.01, los_amp, los_level, 0.0)
    acs_nights = _neg_binomial(rng, np.round(acs_adm * acs_los, 6), np.maximum(acs_adm, 1) * 2.0)
    e = _Effect(
        "improves",
        round((1 + adm_e.level) * (1 + los_level) - 1, 6),
        adm_e.slope,
        adm_e.amplitude + los_amp,
        "ACS admissions x length of stay (7.8 nights, -1%/year, step -6% from 2018-04); "
        "nights per spell negative binomial (shape 2), so over-dispersed. "
        "Level = (1-0.12)(1-0.06)-1.",
    )
    num["acs_bed_nights"], den["acs_bed_nights"], eff["acs_bed_nights"] = acs_nights, pop, e

    # Cost per ACS spell: £2,450 (2017/18 prices), spell-level sd £900 -> Gaussian mean.
    cost_mean = rng.normal(2450.0, 900.0 / np.sqrt(np.maximum(acs_adm, 1)))
    spend_pounds = np.round(acs_adm * cost_mean, 2)
    e = _Effect("improves", adm_e.level, adm_e.slope, adm_e.amplitude,
                "ACS admissions x mean tariff cost (£2,450, case-mix noise sd £900/sqrt(n)); "
                "falls with admissions: step -12%, -0.4%/month.")
    num["acs_spend"], den["acs_spend"], eff["acs_spend"] = np.round(spend_pounds / 1000.0, 2), None, e
    e = _Effect("no_change", 0.0, 0.0, 0.0,
                "Mean £2,450 per admission in real terms, flat; Gaussian case-mix noise only.")
    num["acs_cost_per_admission"], den["acs_cost_per_admission"] = spend_pounds, acs_adm
    eff["acs_cost_per_admission"] = e


def _discharges(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Emergency discharges 65+: readmissions and length of stay."""
    num, den, eff = draws.num, draws.den, draws.eff
    disch = rng.poisson(pop * _curve(10.0e-3, 0.015, 0.08))
    e = _Effect("no_change", 0.0, 0.0, 0.0, "Base 15.5% of discharges, flat; pure binomial noise.")
    num["readmissions_30d"] = rng.binomial(disch, _curve(0.155))
    den["readmissions_30d"], eff["readmissions_30d"] = disch, e

    e = _Effect("improves", -0.10, -0.001, 0.04,
                "Base 9.2 days, -1%/year before; step -10% and -0.1%/month from 2018-04 "
                "(discharge to assess); small winter rise; Gaussian mean (patient sd 10 days).")
    los = rng.normal(_curve(9.2, -0.01, e.amplitude, e.level, e.slope), 10.0 / np.sqrt(np.maximum(disch, 1)))
    num["emergency_los"] = np.round(disch * los)
    den["emergency_los"], eff["emergency_los"] = disch, e


def _care_homes_ae_delays(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Care homes, A&E and delayed discharges."""
    num, den, eff = draws.num, draws.den, draws.eff
    e = _Effect("improves", -0.25, -0.008, 0.0,
                "Base 65 per 100,000 a month, -1%/year before; step -25% and -0.8%/month "
                "from 2018-04; Poisson.")
    num["care_home_admissions"] = rng.poisson(pop * _curve(65e-5, -0.01, e.amplitude, e.level, e.slope))
    den["care_home_admissions"], eff["care_home_admissions"] = pop, e

    e = _Effect("deteriorates", 0.09, 0.0, 0.08,
                "Base 25 per 1,000 a month, +2%/year before; step +9% from 2018-04 "
                "(more people at home, more conveyed to A&E); winter peak; Poisson.")
    num["ae_attendances"] = rng.poisson(pop * _curve(25e-3, 0.02, e.amplitude, e.level, e.slope))
    den["ae_attendances"], eff["ae_attendances"] = pop, e

    e = _Effect("deteriorates", 0.18, 0.0, 0.10,
                "Base 1,500 per 100,000 a month, +3%/year before; step +18% from 2018-04 "
                "(home-care capacity did not keep up with Home First discharges); "
                "winter peak; negative binomial (shape 400).")
    num["delayed_discharge_days"] = _neg_binomial(
        rng, np.round(pop * _curve(1500e-5, 0.03, e.amplitude, e.level, e.slope), 6), 400.0)
    den["delayed_discharge_days"], eff["delayed_discharge_days"] = pop, e


def _intermediate_care(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Intermediate care."""
    num, den, eff = draws.num, draws.den, draws.eff
    e = _Effect("improves", 0.30, 0.005, 0.05,
                "Base 180 a month, +2%/year before; step +30% and +0.5%/month from 2018-04; "
                "slight winter peak; Poisson.")
    num["intermediate_care_new"] = rng.poisson(_curve(180.0, 0.02, e.amplitude, e.level, e.slope))
    den["intermediate_care_new"], eff["intermediate_care_new"] = None, e


def _innovation(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Innovation: shared care plans and digital referrals."""
    num, den, eff = draws.num, draws.den, draws.eff
    caseload = np.round(rng.normal(_curve(1850.0, 0.04), 12.0)).astype(np.int64)
    e = _Effect("improves", 0.35, 0.012, 0.0,
                "Base 22% of the caseload, rising 6%/year (relative) before; step +35% and "
                "+1.2%/month (relative) from 2018-04; caseload ~1,850 growing 4%/year; binomial.")
    num["shared_care_plans"] = rng.binomial(caseload, _curve(0.22, 0.06, 0.0, e.level, e.slope))
    den["shared_care_plans"], eff["shared_care_plans"] = caseload, e

    e = _Effect("improves", 0.60, 0.01, 0.0,
                "Base 30 a month, +10%/year before (portal piloted 2014); step +60% and "
                "+1%/month from 2018-04; Poisson.")
    num["digital_referrals"] = rng.poisson(_curve(30.0, 0.10, e.amplitude, e.level, e.slope))
    den["digital_referrals"], eff["digital_referrals"] = None, e


def _leadership(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """Leadership: 1-5 scores from a fixed distribution (mean 3.46)."""
    num, den, eff = draws.num, draws.den, draws.eff
    respondents = np.maximum(rng.poisson(45, N_PERIODS), 20)
    probs = np.array([0.05, 0.12, 0.30, 0.38, 0.15])
    tallies = np.array([rng.multinomial(n, probs) for n in respondents])
    e = _Effect("no_change", 0.0, 0.0, 0.0,
                "Scores 1-5 with fixed probabilities 5/12/30/38/15% (mean 3.46); pure noise.")
    num["leadership_score"] = tallies @ np.arange(1, 6)
    den["leadership_score"], eff["leadership_score"] = respondents, e


def _people(rng: np.random.Generator, pop: np.ndarray, draws: _Draws) -> None:
    """People: staff turnover and training."""
    num, den, eff = draws.num, draws.den, draws.eff
    staff = np.round(rng.normal(820.0, 6.0, N_PERIODS)).astype(np.int64)
    e = _Effect("no_change", 0.0, 0.0, 0.0,
                "1.25% of ~820 staff leave each month, flat; pure binomial noise (about 10 leavers).")
    num["staff_turnover"] = rng.binomial(staff, _curve(0.0125))
    den["staff_turnover"], eff["staff_turnover"] = staff, e

    e = _Effect("improves", 2.0, -0.03, 0.0,
                "Base 10 a month (induction in the old model); training in the new model "
                "triples it from 2018-04 (+200%) and then tapers -3%/month as most staff "
                "are trained; Poisson.")
    num["staff_trained"] = rng.poisson(_curve(10.0, 0.0, 0.0, e.level, e.slope))
    den["staff_trained"], eff["staff_trained"] = None, e


#: The draw steps of :func:`build`, in the order their random numbers are drawn (do not reorder:
#: the demo data would change).
_DRAW_STEPS = (_surveys, _acs, _discharges, _care_homes_ae_delays, _intermediate_care, _innovation, _leadership,
               _people)


def _measures_frame() -> pd.DataFrame:
    """The measure catalogue table."""
    measures = pd.DataFrame(
        [
            {
                "measure_id": m.measure_id,
                "name": m.name,
                "perspective": m.perspective,
                "unit": m.unit,
                "kind": m.kind,
                "multiplier": m.multiplier,
                "improvement_direction": m.improvement_direction,
                "target": np.nan if m.target is None else m.target,
                "unit_cost": np.nan if m.unit_cost is None else m.unit_cost,
                "description": m.description,
            }
            for m in _CATALOGUE
        ],
        columns=MEASURE_COLUMNS,
    )
    measures["multiplier"] = measures["multiplier"].astype("int64")
    measures["target"] = measures["target"].astype("float64")
    measures["unit_cost"] = measures["unit_cost"].astype("float64")
    return measures


def _indicators_frame(draws: _Draws) -> pd.DataFrame:
    """The indicator table: one row per measure (catalogue order) and month."""
    periods = _periods()
    frames = []
    for m in _CATALOGUE:
        d = draws.den[m.measure_id]
        frames.append(
            pd.DataFrame(
                {
                    "measure_id": m.measure_id,
                    "period": periods,
                    "numerator": np.round(np.asarray(draws.num[m.measure_id], dtype=float), m.numerator_decimals),
                    "denominator": pd.array(
                        [pd.NA] * N_PERIODS if d is None else np.asarray(d, dtype=np.int64), dtype="Int64"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[INDICATOR_COLUMNS]


def _true_effects_frame(draws: _Draws) -> pd.DataFrame:
    """The effects built into each series (the answer key of the demo)."""
    return pd.DataFrame(
        [
            {
                "measure_id": m.measure_id,
                "effect": draws.eff[m.measure_id].effect,
                "level_change_relative": draws.eff[m.measure_id].level,
                "slope_change_relative_per_month": draws.eff[m.measure_id].slope,
                "seasonal_amplitude": draws.eff[m.measure_id].amplitude,
                "notes": draws.eff[m.measure_id].notes,
            }
            for m in _CATALOGUE
        ],
        columns=TRUE_EFFECT_COLUMNS,
    )


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    text = df.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def _measures_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype(object).copy()
    for col in ("multiplier", "target", "unit_cost"):
        out[col] = [_fmt_number(x) for x in df[col]]
    return out


def _indicators_text(df: pd.DataFrame) -> pd.DataFrame:
    decimals = {m.measure_id: m.numerator_decimals for m in _CATALOGUE}
    out = df.astype(object).copy()
    out["numerator"] = [
        f"{x:.{decimals[mid]}f}" for mid, x in zip(df["measure_id"], df["numerator"], strict=True)
    ]
    out["denominator"] = ["" if pd.isna(x) else str(int(x)) for x in df["denominator"]]
    return out


def _true_effects_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype(object).copy()
    for col in ("level_change_relative", "slope_change_relative_per_month", "seasonal_amplitude"):
        out[col] = [_fmt_number(x) for x in df[col]]
    return out


def _readme_text(tables: dict[str, pd.DataFrame], seed: int) -> str:
    """The README of the demo data: the story, then one section per file."""
    m = tables["measures"]
    seed_note = (
        f"python -m pss_analysis.demo --seed {seed}"
        if seed == DEFAULT_SEED
        else f"python -m pss_analysis.demo --seed {seed}  (not the default seed {DEFAULT_SEED})"
    )
    return (_readme_intro(seed_note) + _readme_story() + _readme_measures(m) + _readme_indicators()
            + _readme_true_effects() + _readme_scorecard(m))


#: README table rows too long for one line of code.
_KIND_ROW = ("| `kind` | `rate` (numerator / denominator population x multiplier), `proportion` (numerator "
             "successes of denominator trials, shown as a percentage), `count` (numerator only), `mean` "
             "(numerator total / denominator count), `amount` (numerator only, a continuous amount) |")
_DENOMINATOR_ROW = ("| `denominator` | integer (population aged 65+, respondents, discharges, caseload, staff in "
                    "post); blank for counts and amounts |")
_SEASONAL_ROW = ("| `seasonal_amplitude` | amplitude A of the winter factor exp(A cos(2 pi (m - 0.5) / 12)), "
                 "m = calendar month, peak between December and January; 0 = no seasonality |")


def _readme_intro(seed_note: str) -> str:
    """The title, the synthetic-data warning and how the files were made."""
    return f"""# Demo data: {CITY} "{PROGRAMME}" (SYNTHETIC)

**These data are SYNTHETIC.** {CITY} is a fictional city and "{PROGRAMME}" a
fictional programme. No number here describes real people, places or
services. The files were generated by

    {seed_note}

(`pss_analysis/demo.py`) and are byte-for-byte reproducible: run the command
again and you get the same files. They exist to demonstrate and test the
measurement-and-evaluation pipeline of pss-analysis.

"""


def _readme_story() -> str:
    """The story the data tell: the city, the programme and its start."""
    return f"""## The story

{CITY}'s health and social care partners run "{PROGRAMME}", an integrated-care
programme for older people (aged 65+): discharge to assess, more reablement and
intermediate care, shared care plans and a shared referral portal. The city has
about 60,000 residents aged 65+, growing slowly (about 1.6% a year).

- {N_PERIODS} monthly periods, {FIRST_PERIOD} (period 1) to 2020-03 (period {N_PERIODS}).
- The programme starts in **{PROGRAMME_START}** (period {START_INDEX}): {START_INDEX - 1}
  months before, {N_PERIODS - START_INDEX + 1} months after.

Some measures truly improve after the start, some do not change, and two
deteriorate (A&E attendances and delayed-discharge bed-days) - the kind of
mixed picture the Public Sector Scorecard is meant to reveal.

## Files

"""


def _readme_measures(m: pd.DataFrame) -> str:
    """The ``measures.csv`` section, with the table of measures."""
    rows = "\n".join(
        f"| `{r.measure_id}` | {r.perspective} | {r.kind} | {r.name} | {r.unit} |"
        for r in m.itertuples(index=False)
    )
    return f"""### `measures.csv` - the measure catalogue (one row per measure)

| column | meaning |
|---|---|
| `measure_id` | identifier used in the other files |
| `name` | plain-English name |
| `perspective` | PSS perspective: service_user, strategic, financial, operational, innovation, leadership, people |
| `unit` | what the displayed value is measured in |
{_KIND_ROW}
| `multiplier` | 1000 for per 1,000, 100000 for per 100,000, 100 for percentages, 1 otherwise |
| `improvement_direction` | `increase`, `decrease` or `neither` |
| `target` | optional target on the displayed scale (blank if none) |
| `unit_cost` | optional £ per unit of the numerator (blank if none) |
| `description` | definition of numerator and denominator |

The displayed value is `numerator / denominator * multiplier` for rates,
proportions and means, and `numerator` for counts and amounts.

| measure_id | perspective | kind | name | unit |
|---|---|---|---|---|
{rows}

"""


def _readme_indicators() -> str:
    """The ``indicators.csv`` section."""
    return f"""### `indicators.csv` - the monthly data (long format)

One row per measure and month, sorted by measure (catalogue order) then period.

| column | meaning |
|---|---|
| `measure_id` | as in `measures.csv` |
| `period` | month, `YYYY-MM` |
| `numerator` | integer for rates, proportions and counts (and bed-days, summed scores); 2 decimals for money |
{_DENOMINATOR_ROW}

There are no missing values.

"""


def _readme_true_effects() -> str:
    """The ``true_effects.csv`` section."""
    return f"""### `true_effects.csv` - the truth built into the data

One row per measure: what the generator did, so that an evaluation (e.g. a
segmented regression) can be checked against the truth.

| column | meaning |
|---|---|
| `measure_id` | as in `measures.csv` |
| `effect` | `improves`, `no_change` or `deteriorates` (judged against the improvement direction) |
| `level_change_relative` | relative step at {PROGRAMME_START}, e.g. -0.12 = 12% lower than the counterfactual |
| `slope_change_relative_per_month` | further relative change per month after the start, compounding |
{_SEASONAL_ROW}
| `notes` | base level, pre-programme trend, distribution |

For all kinds the effects are multiplicative on the expected value of the
displayed measure: in month t >= {START_INDEX} the expected value is the
counterfactual (base x pre-trend x season) times
(1 + level) x (1 + slope)^(t - {START_INDEX}). For proportions this is on the
probability scale. Counts are Poisson, bed-nights and delayed-discharge
bed-days negative binomial (over-dispersed), proportions binomial, means and
amounts Gaussian. "no_change" measures are pure noise around their
pre-programme level or trend.

"""


def _readme_scorecard(m: pd.DataFrame) -> str:
    """The ``scorecard.yaml`` section."""
    return f"""### `scorecard.yaml` - the Home First scorecard

The scorecard definition read by `pss_analysis.inputs.scorecard.load_scorecard` (not
random: the same for every seed). It is arranged like the strategy map of
Sheffield's "Right First Time" programme:

- **perspectives**: absent, so the seven PSS perspectives apply (outcomes:
  service_user, strategic, financial; processes: operational; capability:
  innovation, leadership, people).
- **objectives**: {len(_OBJECTIVES)} strategy-map nodes, e.g. capability: a trained and
  confident workforce, shared care records, partnership leadership; processes:
  timely discharge, reablement and intermediate care; outcomes: fewer avoidable
  admissions and bed-nights, people living independently, satisfied service
  users and carers, value for money.
- **measures**: the {len(m)} measures of `measures.csv`, each on one objective (same ids
  and catalogue fields, plus text definitions of numerator and denominator, data
  source and owner). The measure's perspective is its objective's.
- **links**: {len(_LINKS)} driver -> outcome links with an expected sign (`+` = progress on
  the driver helps the outcome, `-` = works against it, e.g. more people living at
  home -> more A&E attendances) and a rationale.
- **risks**: {len(_RISKS)} risks rated 1-5 for likelihood and impact, touching objectives
  and measures.
- **changes**: the change log, {len(_CHANGES)} dated changes from the programme start
  ({PROGRAMME_START}, flagged `use_as_interruption: true`) to the discharge-to-assess
  scheme (2018-10) and later.
"""


def generate(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo files into ``out_dir`` (created if needed); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = build(seed)
    paths = [
        out_dir / MEASURES_FILE,
        out_dir / INDICATORS_FILE,
        out_dir / TRUE_EFFECTS_FILE,
        out_dir / SCORECARD_FILE,
        out_dir / README_FILE,
    ]
    _write_csv(_measures_text(tables["measures"]), paths[0])
    _write_csv(_indicators_text(tables["indicators"]), paths[1])
    _write_csv(_true_effects_text(tables["true_effects"]), paths[2])
    paths[3].write_bytes(_scorecard_text().encode("utf-8"))
    paths[4].write_bytes(_readme_text(tables, seed).encode("utf-8"))
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pss_analysis.demo",
        description=f"Write the SYNTHETIC {CITY} '{PROGRAMME}' demo data set.",
    )
    parser.add_argument("--out", type=Path, default=Path("data/demo"),
                        help="output directory (default: data/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.seed):
        print(path)
    return 0
