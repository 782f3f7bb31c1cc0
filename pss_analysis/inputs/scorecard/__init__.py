"""The scorecard definition: strategy map, measures, links, risks and change log.

A Public Sector Scorecard is defined in one file, YAML (``.yaml``/``.yml``) or an
Excel workbook (``.xlsx``), with six sections::

    perspectives   the perspectives and their tiers (default: the seven PSS perspectives)
    objectives     the strategy-map nodes, each in one perspective
    measures       the measures, each on one objective (the measure catalogue)
    links          driver -> outcome links between objectives, with an expected sign
    risks          risks, rated 1-5 for likelihood and impact, touching objectives or measures
    changes        the service-improvement change log (what changed, where and when)

:func:`load_scorecard` reads either format into the same :class:`Scorecard`: tidy
DataFrames, one per section, plus the warnings found. In YAML each section is a
list of mappings; in a workbook each section is a sheet with one header row and
one row per entry (a sheet named ``README`` is ignored). The fields are the
same, listed in :data:`FIELDS` (with a sentence on each) and explained in the
``README`` sheet of the template workbook (:func:`write_template_workbook`).

YAML example::

    perspectives:                 # optional: absent or empty = the seven PSS perspectives
      - {perspective_id: service_user, name: Service users and carers, tier: outcomes}
      - {perspective_id: operational, name: Service delivery, tier: processes}
      - {perspective_id: people, name: People and partnerships, tier: capability}
    objectives:
      - objective_id: fewer_admissions
        name: Fewer avoidable emergency admissions
        perspective_id: service_user
      - {objective_id: timely_discharge, name: Timely discharge, perspective_id: operational}
    measures:
      - measure_id: acs_admissions
        name: Emergency ACS admissions, 65+
        objective_id: fewer_admissions
        unit: admissions per 1,000 people aged 65+
        kind: rate                        # rate | proportion | mean | count | amount
        numerator: emergency ACS admissions of residents aged 65+
        denominator: resident population aged 65+
        multiplier: 1000
        improvement_direction: decrease   # increase | decrease | neither
        target: 3.3
        its: {family: negbin}             # per-measure ITS options (params.ItsOptions)
        spc: {chart: u}                   # per-measure SPC options (params.SpcOptions)
    links:
      - {driver: timely_discharge, outcome: fewer_admissions, expected_sign: '+',
         rationale: Shorter stays free beds and cut hospital-acquired harm}
    risks:
      - {risk_id: R1, description: Home-care capacity lags behind discharges,
         likelihood: 4, impact: 3, touches: [timely_discharge, acs_admissions]}
    changes:
      - {change_id: C1, date: 2018-04, where: Whole system, what: Programme starts,
         use_as_interruption: true}

``expected_sign`` must be quoted in YAML (``'+'``, ``'-'``): a bare ``-`` starts a
list. In a workbook, list-valued cells (a risk's ``touches``) are comma-separated
ids, and the ``its``, ``spc`` and ``indicator`` cells hold YAML or JSON text
(``{family: negbin}`` or ``{"family": "negbin"}``); ``use_as_interruption`` is
TRUE/FALSE (also yes/no, 1/0).

Every problem is a :class:`~pss_analysis.errors.DataValidationError` whose
message names the file, the sheet (or YAML key), the row (workbook: as Excel
shows it, the header is row 1; YAML: the entry's position in the list, 1-based,
and its line) and the column, says what was expected and what was found, and
suggests the nearest valid id or name. The error's ``file``, ``key`` (the
section), ``row`` and ``column`` attributes hold the same context. Checks that
do not stop the load (an outcome objective no driver reaches, an objective
without a measure) are issued as :class:`~pss_analysis.errors.PssWarning` and
kept in :attr:`Scorecard.warnings`.

The package is split by job: :mod:`~pss_analysis.inputs.scorecard.schema`
(sections, fields, the :class:`Scorecard` result, locations in messages),
:mod:`~pss_analysis.inputs.scorecard.values` (checking one value),
:mod:`~pss_analysis.inputs.scorecard.readers` (YAML and workbook files to
records), :mod:`~pss_analysis.inputs.scorecard.build` (records to a
:class:`Scorecard`) and :mod:`~pss_analysis.inputs.scorecard.template`
(writing workbooks).
"""

from pss_analysis.inputs.scorecard.build import load_scorecard, scorecard_from_dict
from pss_analysis.inputs.scorecard.schema import (
    COLUMNS,
    FIELDS,
    SECTIONS,
    TEMPLATE,
    TIERS,
    Scorecard,
    default_perspectives,
)
from pss_analysis.inputs.scorecard.template import write_template_workbook, write_workbook

__all__ = [
    "Scorecard",
    "load_scorecard",
    "scorecard_from_dict",
    "write_workbook",
    "write_template_workbook",
    "default_perspectives",
    "TIERS",
    "SECTIONS",
    "FIELDS",
    "COLUMNS",
    "TEMPLATE",
]
