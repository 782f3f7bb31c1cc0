"""The Home First strategy map behind ``data/demo/scorecard.yaml``: objectives, links, risks, changes.

Arranged like Sheffield's "Right First Time" map (Moullin 2017): capability (people,
leadership, innovation) drives the processes (timely discharge, reablement), which
drive the outcomes (fewer avoidable admissions and bed-nights, people living
independently, satisfied service users and carers, value for money). Every measure in
the catalogue names one of these objectives; its perspective must be the objective's.
"""

from __future__ import annotations

import copy

import yaml

from pss_analysis.demo.catalogue import _CATALOGUE
from pss_analysis.demo.settings import CITY, PROGRAMME, PROGRAMME_START

__all__ = ["scorecard_definition"]

#: (objective_id, perspective, name, description)
_OBJECTIVES: tuple[tuple[str, str, str, str], ...] = (
    (
        "satisfied_users_carers",
        "service_user",
        "Service users and carers satisfied with care and support",
        "Older people and their carers say the care and support they get works for them.",
    ),
    (
        "living_independently",
        "service_user",
        "Older people living independently at home",
        "After a crisis or a hospital stay, people get back to living at home.",
    ),
    (
        "fewer_avoidable_admissions",
        "strategic",
        "Fewer avoidable emergency admissions and bed-nights",
        "Fewer emergency admissions and bed-nights for conditions best managed in the community "
        "(ambulatory care sensitive conditions).",
    ),
    ("less_urgent_care", "strategic", "Less reliance on urgent care", "Fewer older people need A&E."),
    (
        "fewer_care_home_admissions",
        "strategic",
        "Fewer permanent admissions to care homes",
        "People are not placed in a care home straight from a hospital bed.",
    ),
    (
        "value_for_money",
        "financial",
        "Value for money: less spent on avoidable emergency care",
        "Money spent on avoidable emergency admissions is released for care at home.",
    ),
    (
        "timely_discharge",
        "operational",
        "Timely discharge from hospital",
        "People go home as soon as they are medically fit, and are assessed for care at home (discharge to assess).",
    ),
    (
        "reablement_intermediate_care",
        "operational",
        "Reablement and intermediate care at home",
        "Short-term care at home that restores independence, step-up instead of admission and step-down after a stay.",
    ),
    (
        "shared_care_records",
        "innovation",
        "Shared care records and care plans",
        "GP, community health and social care work from one care plan.",
    ),
    (
        "joined_up_referral",
        "innovation",
        "Joined-up digital referral",
        "One electronic referral portal between GPs, community teams and social care.",
    ),
    (
        "partnership_leadership",
        "leadership",
        "Partnership leadership across health and social care",
        "Leaders of the hospital, community trust, council and voluntary sector own the programme together.",
    ),
    (
        "trained_workforce",
        "people",
        "A trained and confident workforce",
        "Staff are trained in the Home First model of integrated, person-centred care.",
    ),
    (
        "stable_workforce",
        "people",
        "A stable, well-supported workforce",
        "Community health and social care teams keep their staff.",
    ),
)


#: (driver, outcome, expected sign, rationale); '+' = progress on the driver helps the outcome.
_LINKS: tuple[tuple[str, str, str, str], ...] = (
    (
        "trained_workforce",
        "timely_discharge",
        "+",
        "Staff trained in the Home First model assess people at home rather than on the ward.",
    ),
    (
        "trained_workforce",
        "reablement_intermediate_care",
        "+",
        "Trained staff deliver reablement that restores independence.",
    ),
    (
        "stable_workforce",
        "reablement_intermediate_care",
        "+",
        "Continuity of staff keeps community capacity and relationships with families.",
    ),
    ("partnership_leadership", "shared_care_records", "+", "Leaders agree to share information across organisations."),
    (
        "partnership_leadership",
        "timely_discharge",
        "+",
        "Hospital and council own discharge jointly instead of passing it between them.",
    ),
    (
        "shared_care_records",
        "fewer_avoidable_admissions",
        "+",
        "A shared plan lets the team act before a crisis becomes an admission.",
    ),
    ("joined_up_referral", "reablement_intermediate_care", "+", "Referrals reach intermediate care the same day."),
    (
        "timely_discharge",
        "fewer_avoidable_admissions",
        "+",
        "Shorter stays mean fewer bed-nights and less deconditioning in hospital.",
    ),
    (
        "timely_discharge",
        "less_urgent_care",
        "-",
        "People discharged sooner may come back to A&E in their first weeks at home.",
    ),
    ("reablement_intermediate_care", "fewer_avoidable_admissions", "+", "Step-up care at home replaces an admission."),
    (
        "reablement_intermediate_care",
        "living_independently",
        "+",
        "Reablement restores the daily skills people need to stay at home.",
    ),
    (
        "reablement_intermediate_care",
        "fewer_care_home_admissions",
        "+",
        "People are assessed at home after recovery, not placed in a care home from a hospital bed.",
    ),
    (
        "living_independently",
        "less_urgent_care",
        "-",
        "More frail people living at home means more conveyed to A&E when they fall or become unwell.",
    ),
    ("living_independently", "satisfied_users_carers", "+", "Most older people want to stay in their own home."),
    (
        "fewer_avoidable_admissions",
        "value_for_money",
        "+",
        "Fewer emergency admissions and bed-nights cut secondary-care spend.",
    ),
    ("fewer_care_home_admissions", "value_for_money", "+", "A permanent placement costs far more than care at home."),
    ("less_urgent_care", "value_for_money", "+", "Fewer A&E attendances cut urgent-care spend."),
)


#: (risk_id, description, likelihood 1-5, impact 1-5, touches, mitigation, owner)
_RISKS: tuple[tuple[str, str, int, int, tuple[str, ...], str, str], ...] = (
    (
        "R1",
        "Home-care capacity does not keep up with discharges to assess, so delays grow",
        4,
        4,
        ("timely_discharge", "delayed_discharge_days"),
        "Home-care framework re-tendered with more capacity (change C5); weekly capacity huddle",
        "Director of Adult Social Care",
    ),
    (
        "R2",
        "More older people living at home leads to more A&E attendances",
        3,
        3,
        ("less_urgent_care", "ae_attendances"),
        "Falls response and community rapid-response service",
        "Urgent Care Commissioning Lead",
    ),
    (
        "R3",
        "Staff turnover in community teams undermines the new model",
        3,
        4,
        ("stable_workforce", "reablement_intermediate_care", "staff_turnover"),
        "Joint recruitment and rotation across the partners",
        "Workforce Lead",
    ),
    (
        "R4",
        "Information-governance or IT delays hold back shared care records",
        2,
        3,
        ("shared_care_records", "shared_care_plans", "digital_referrals"),
        "Data-sharing agreement signed by every partner before go-live",
        "Chief Clinical Information Officer",
    ),
    (
        "R5",
        "Lower hospital activity does not release cash (fixed costs, costs shifted to social care)",
        3,
        3,
        ("value_for_money", "acs_spend"),
        "Risk-share agreement in the pooled budget",
        "Director of Finance",
    ),
)


#: (change_id, date, where, what, use as an interruption)
_CHANGES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("C1", PROGRAMME_START, "Whole system", "Home First starts: integrated community teams for older people", True),
    (
        "C2",
        "2018-05",
        "Community health and adult social care teams",
        "Training in the Home First model for all community and social care staff",
        False,
    ),
    (
        "C3",
        "2018-10-01",
        "Northbrook General Hospital, medical wards",
        "Discharge-to-assess scheme: people are assessed for care at home, not on the ward",
        False,
    ),
    ("C4", "2019-01", "GP practices", "Shared referral portal extended to every GP practice", False),
    ("C5", "2019-07", "Adult social care", "Home-care framework re-tendered to add capacity for discharges", False),
)


class _Quoted(str):
    """Text written in single quotes (a bare - in YAML would start a list)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="'")
)


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
            "measure_id": m.measure_id,
            "name": m.name,
            "objective_id": m.objective_id,
            "unit": m.unit,
            "kind": m.kind,
            "numerator": m.numerator,
            "denominator": m.denominator,
            "multiplier": m.multiplier,
            "improvement_direction": m.improvement_direction,
            "target": m.target,
            "unit_cost": m.unit_cost,
            "value_group": m.value_group,
            "value_group_lead": m.value_group_lead or None,
            "data_source": m.data_source,
            "owner": m.owner,
            "description": m.description,
        }
        if m.measure_id in DEFINITIONS:
            entry["indicator"] = copy.deepcopy(DEFINITIONS[m.measure_id])  # no YAML anchors between measures
        measures.append({k: v for k, v in entry.items() if v not in (None, "")})
    return {
        "objectives": [
            {"objective_id": oid, "name": name, "perspective_id": persp, "description": text}
            for oid, persp, name, text in _OBJECTIVES
        ],
        "measures": measures,
        "links": [
            {"driver": d, "outcome": o, "expected_sign": _Quoted(sign), "rationale": why} for d, o, sign, why in _LINKS
        ],
        "risks": [
            {
                "risk_id": rid,
                "description": text,
                "likelihood": lik,
                "impact": imp,
                "touches": list(touches),
                "mitigation": mit,
                "owner": owner,
            }
            for rid, text, lik, imp, touches, mit, owner in _RISKS
        ],
        "changes": [
            {"change_id": cid, "date": date, "where": where, "what": what, "use_as_interruption": flag}
            for cid, date, where, what, flag in _CHANGES
        ],
    }


_SECTION_NOTES = {
    "objectives": "strategy-map nodes: objective_id, name, perspective_id, description\n"
    "# (perspectives are absent, so the seven PSS perspectives apply)",
    "measures": "one per measure, each on one objective (same ids and catalogue fields as measures.csv);\n"
    "# value_group: measures that value the same activity, counted once in value for money",
    "links": "driver -> outcome; expected_sign '+' = progress on the driver helps the outcome,\n"
    "# '-' = it is expected to work against it",
    "risks": "likelihood and impact 1 (low) to 5 (high); touches = objective or measure ids",
    "changes": "the service-improvement change log; use_as_interruption marks changes to test\n"
    "# as interruptions in the time series",
}


def _scorecard_text() -> str:
    parts = [
        f'# SYNTHETIC demo scorecard: {CITY} "{PROGRAMME}" (fictional; written by pss_analysis/demo.py).\n'
        "# Load it with pss_analysis.inputs.scorecard.load_scorecard('data/demo/scorecard.yaml').\n"
    ]
    for section, entries in scorecard_definition().items():
        body = yaml.dump(
            {section: entries}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
        )
        parts.append(f"# {section}: {_SECTION_NOTES[section]}\n{body}")
    return "\n".join(parts)
