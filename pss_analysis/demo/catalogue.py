"""The 18 demo measures: catalogue fields, text definitions, objective, data source and owner."""

from __future__ import annotations

from dataclasses import dataclass

__all__: list[str] = []


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
    # Measures that value the same activity share a value group (counted once in value for money).
    value_group: str = ""
    value_group_lead: bool = False


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
        value_group="acs_emergency_care",
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
        value_group="acs_emergency_care",
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
        value_group="acs_emergency_care",
        value_group_lead=True,
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
