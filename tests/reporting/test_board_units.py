"""Numbers as the board reads them (the units of each measure's chart, percentage points, which ratio,
p-values), and the one-page board summary at the top of the report."""

from __future__ import annotations

import html as html_lib
import re

import pandas as pd
from conftest import DEMO_DATA, write_notebook, write_params
from test_board_words import visible_text

from pss_analysis.reporting.formatting import p_value
from pss_analysis.reporting.narrative import its_sentence
from pss_analysis.run.pipeline import run

BOARD_COLUMNS = [
    "measure",
    "latest",
    "target",
    "variation",
    "assurance",
    "verdict",
    "effect (95% CI)",
    "value for money",
]


def _table(html: str, caption: str) -> str:
    """The HTML of the shown table whose caption contains ``caption``."""
    found = re.search(r"<table(?:(?!</table>).)*" + re.escape(caption) + r".*?</table>", html, re.S)
    assert found, f"no table captioned {caption!r}"
    return found.group(0)


def _cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr.*?</tr>", table_html, re.S)
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd].*?</t[hd]>", r, re.S)]
        for r in rows
    ]


def _html(demo_run) -> str:
    return (demo_run.run_dir / "report.html").read_text(encoding="utf-8")


def test_p_values_below_0_001_print_as_less_than():
    assert p_value(2.61e-26) == "< 0.001"
    assert p_value(0.000999) == "< 0.001"
    assert p_value(0.001) == "0.001"
    assert p_value(0.0123) == "0.012"
    assert p_value(float("nan")) == ""


def test_a_percentage_measure_changes_in_percentage_points_with_the_relative_change_beside():
    measure = {"name": "Service users satisfied", "unit": "% of respondents", "kind": "proportion"}
    impact = pd.DataFrame(
        [
            {
                "cumulative": True,
                "n_periods": 24,
                "relative_effect": 0.1294,
                "relative_effect_lower": 0.0775,
                "relative_effect_upper": 0.1838,
                "absolute_effect": 2245.0,  # expected successes: not what the board reads
                "absolute_effect_lower": 1419.0,
                "absolute_effect_upper": 3070.0,
            }
        ]
    )
    text = its_sentence(measure, impact, points=(9.352, 5.912, 12.79))
    assert text == (
        "Service users satisfied rose by 9.35 percentage points (13%; 95% CI 5.91 to 12.8 points) "
        "relative to what the pre-programme trend predicted."
    )
    unclear = its_sentence(
        measure, impact.assign(relative_effect=-0.024, relative_effect_lower=-0.10), points=(-1.61, -6.96, 3.73)
    )
    assert "changed by −1.61 percentage points (−2.4%; 95% CI −6.96 to +3.73 points)" in unclear
    assert "not clearly different from no change" in unclear


def test_the_demo_reads_percentages_in_points(demo_run):
    text = " ".join(visible_text(_html(demo_run)).split())
    assert "Service users satisfied with their care rose by 9.35 percentage points (13%; 95% CI" in text
    assert not re.search(r"satisfied with their care rose by \d+%", text)


def test_a_rate_measure_tables_are_per_1000_as_its_chart(demo_run):
    tables = demo_run.run_dir / "tables"
    values = pd.read_csv(DEMO_DATA / "indicators.csv").query("measure_id == 'acs_admissions'")
    chart = dict(zip(values["period"], values["numerator"] / values["denominator"] * 1000, strict=True))
    impact = pd.read_csv(tables / "its_impact_acs_admissions.csv")
    months = impact[impact["period"].str.startswith("month")]
    assert len(months) == 2
    assert months["observed"].round(6).tolist() == [round(chart["2019-03"], 6), round(chart["2020-03"], 6)]
    assert impact["period"].iloc[-1] == "whole period, monthly average"
    assert 2 < impact["fitted"].iloc[-1] < 6 and 2 < impact["counterfactual"].iloc[-1] < 6  # per 1,000
    effects = pd.read_csv(tables / "its_effects_acs_admissions.csv").set_index("term")
    baseline = effects.loc["Level at the start of the data"]
    assert 3 < baseline["estimate"] < 6  # 4.03 per 1,000, not 0.00403 per person
    assert baseline["shown_as"] == "level (admissions per 1,000 people aged 65+)"
    html = _table(
        _html(demo_run), "Emergency admissions for ambulatory care sensitive conditions, 65+: programme impact"
    )
    assert "values in admissions per 1,000 people aged 65+" in html


def test_each_ratio_says_which_ratio_and_p_values_are_words(demo_run):
    tables = demo_run.run_dir / "tables"
    shown = {
        mid: pd.read_csv(tables / f"its_effects_{mid}.csv").set_index("term")["shown_as"]
        for mid in ("su_satisfaction", "acs_admissions", "emergency_los", "intermediate_care_new")
    }
    change = "Immediate change when the programme started"
    assert shown["su_satisfaction"][change] == "odds ratio"
    assert shown["su_satisfaction"]["Level at the start of the data"] == "level (%)"
    assert shown["acs_admissions"][change] == "rate ratio"
    assert shown["intermediate_care_new"][change] == "rate ratio"
    assert shown["emergency_los"][change] == "difference (days)"
    satisfied = pd.read_csv(tables / "its_effects_su_satisfaction.csv").set_index("term")
    assert 60 < satisfied.loc["Level at the start of the data", "estimate"] < 90  # a percentage, not odds
    cells = _cells(_table(_html(demo_run), "Service users satisfied with their care: segmented regression"))
    assert cells[0] == ["term", "estimate", "lower", "upper", "p-value", "shown as"]
    p_values = [row[4] for row in cells[1:]]
    assert "< 0.001" in p_values and all(re.fullmatch(r"< 0\.001|\d\.\d{3}", p) for p in p_values)


def test_the_board_summary_comes_first_with_one_row_per_measure(demo_run):
    html = _html(demo_run)
    catalogue = pd.read_csv(DEMO_DATA / "measures.csv")
    cells = _cells(_table(html, "Table 1: Board summary"))
    assert cells[0] == BOARD_COLUMNS
    rows = {row[0]: dict(zip(BOARD_COLUMNS, row, strict=True)) for row in cells[1:]}
    assert list(rows) == catalogue["name"].tolist()
    satisfied = rows["Service users satisfied with their care"]
    assert satisfied["latest"] == "85.8%" and satisfied["target"] == "80%"
    assert satisfied["verdict"] == "improved" and satisfied["effect (95% CI)"].startswith("+9.35 pts (+13%)")
    admissions = rows["Emergency admissions for ambulatory care sensitive conditions, 65+"]
    assert admissions["latest"] == "3.43 per 1,000"
    # the admissions, their bed-nights and their spend value one activity (the demo's value group): counted once
    spend = "Spend on emergency ACS admissions, 65+"
    assert admissions["value for money"] == f"alternative view of {spend}"
    assert rows["Emergency bed-nights for ambulatory care sensitive conditions, 65+"]["value for money"] == (
        f"alternative view of {spend}"
    )
    assert rows[spend]["value for money"] == "£3.06 million saved"
    # a verdict the control chart's latest months disagree with says so, as in the measure's section
    assert rows["Staff trained in the integrated care model"]["verdict"] == (
        "improved, but the latest months show a concern"
    )
    assert rows["Delayed-discharge bed-days, 65+"]["variation"] == "H: concern"
    assert rows["Delayed-discharge bed-days, 65+"]["assurance"] == "F: will miss"
    board = pd.read_csv(demo_run.run_dir / "tables" / "board_summary.csv")
    assert board["measure_id"].tolist() == catalogue["measure_id"].tolist()
    assert html.index("Board summary") < html.index("Verdicts by perspective")


def _twenty_measures(folder):
    """The demo catalogue and data with two more measures (copies of two, long names): 20 measures."""
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    indicators = pd.read_csv(DEMO_DATA / "indicators.csv")
    extra = measures[measures["measure_id"].isin(["acs_admissions", "su_satisfaction"])].copy()
    extra["name"] = extra["name"] + ", northern locality"  # names up to 74 characters
    rows = indicators[indicators["measure_id"].isin(extra["measure_id"])].copy()
    extra["measure_id"] = extra["measure_id"] + "_north"
    rows["measure_id"] = rows["measure_id"] + "_north"
    measures = pd.concat([measures, extra], ignore_index=True)
    measures.to_csv(folder / "measures.csv", index=False)
    pd.concat([indicators, rows], ignore_index=True).to_csv(folder / "indicators.csv", index=False)
    return measures


def test_twenty_measures_fit_the_board_summary_on_one_pdf_page(tmp_path):
    from pypdf import PdfReader

    measures = _twenty_measures(tmp_path)
    assert len(measures) == 20
    write_notebook(
        tmp_path / "board.ipynb",
        "from pss_analysis.evaluation import prepare_study\n"
        "from pss_analysis.reporting import Report, sections\n"
        "rep = Report.open(params_file, output_dir)\n"
        "sections.board_section(rep, prepare_study(rep.params))",
    )
    params = write_params(tmp_path, notebooks=["board.ipynb"])
    text = params.read_text(encoding="utf-8").replace(str(DEMO_DATA / "measures.csv"), str(tmp_path / "measures.csv"))
    params.write_text(text.replace(str(DEMO_DATA / "indicators.csv"), str(tmp_path / "indicators.csv")), "utf-8")
    result = run(params, to=["pdf"], renderer="builtin", reports_root=tmp_path / "reports", say=lambda m: None)
    pages = PdfReader(result.run_dir / "board.pdf").pages
    squashed = ["".join((page.extract_text() or "").split()) for page in pages]
    on = [i for i, t in enumerate(squashed) if "Table1:Boardsummary" in t]
    assert len(on) == 1
    page = pages[on[0]]
    assert page.mediabox.width > page.mediabox.height  # landscape
    names = ["".join(n.split()) for n in measures["name"]]
    assert [n for n in names if n not in squashed[on[0]]] == []
    assert not any(n in t for t in squashed[on[0] + 1 :] for n in names)
