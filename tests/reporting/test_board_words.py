"""The board report tells one true story in words for people: no internal identifiers, no Python
values, no local paths; money that adds up."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from pss_analysis.reporting.document import publishable_path
from pss_analysis.reporting.sections.summary import NO_RELIABLE_CHANGE, _value_for_money

#: Where the technical appendix starts (the run's parameters, inputs and software, for analysts).
APPENDIX_HEADING = "Parameters of this run"
#: The indicator definitions quote the columns and code lists of the user's record-level data as
#: typed, so that an analyst can check them against the extract: user text, like a measure's name.
DEFINITIONS_CAPTION = "Indicators computed from record-level data"

SNAKE_CASE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
PYTHON_VALUES = re.compile(r"\b(?:True|False|None|nan|NaN)\b|\[[^\]]*\]")
ABSOLUTE_PATH = re.compile(r"(?:(?<![\w.~…])/(?:[\w.-]+/)+[\w.-]*|\b[A-Za-z]:\\)")


class _Text(HTMLParser):
    """The visible text of an HTML page, one block per line (script, style and the contents list dropped)."""

    BLOCKS = {"p", "div", "tr", "td", "th", "li", "h1", "h2", "h3", "h4", "caption", "br", "figcaption", "table"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "nav")  # the contents list repeats the headings
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "nav")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.fixture(scope="module")
def report_text(demo_run):
    """(the board-facing text: everything before the technical appendix, the whole text)."""
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    whole = visible_text(html)
    definitions = re.compile(r"<table(?:(?!</table>).)*" + re.escape(DEFINITIONS_CAPTION) + r".*?</table>", re.S)
    assert definitions.search(html), "the indicator definitions table is in the demo report"
    board = visible_text(definitions.sub("", html))
    assert APPENDIX_HEADING in board
    return board[: board.index(APPENDIX_HEADING)], whole


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return [f"{m.group(0)!r} in: {text[max(0, m.start() - 80) : m.end() + 40]!r}" for m in pattern.finditer(text)][:5]


def test_the_board_reads_no_identifiers(report_text):
    board, _ = report_text
    assert "Executive summary" in board and "Methods" in board
    assert not _found(SNAKE_CASE, board)


def test_the_board_reads_no_python_values(report_text):
    board, _ = report_text
    assert not _found(PYTHON_VALUES, board)


def test_no_local_path_is_published(report_text, demo_run):
    _, whole = report_text
    assert not _found(ABSOLUTE_PATH, whole)
    tables = demo_run.run_dir / "tables"
    inputs = pd.read_csv(tables / "inputs.csv")
    assert {"file", "path", "sha256"} <= set(inputs.columns)
    assert inputs.loc[inputs["role"] == "data.indicators", "path"].item() == "../data/demo/indicators.csv"
    assert inputs.loc[inputs["role"] == "data.indicators", "file"].item() == "indicators.csv"
    for name in ("inputs.csv", "parameters.csv", "software.csv"):
        text = (tables / name).read_text(encoding="utf-8")
        assert not _found(ABSOLUTE_PATH, text), name


def test_shown_table_headers_are_unique_and_plain(demo_run):
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    for table in re.findall(r"<table.*?</table>", html, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
        headers = [visible_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        label = caption.group(1) if caption else table[:80]
        assert len(headers) == len(set(headers)), (label, headers)
        if caption and APPENDIX_HEADING not in label and "SHA-256" not in label and "Software" not in label:
            assert not [h for h in headers if SNAKE_CASE.search(h)], (label, headers)


def _pounds(text: str) -> float:
    number, _, scale = text.removeprefix("£").partition(" ")
    return float(number.replace(",", "")) * (1e6 if scale == "million" else 1)


def test_every_money_sentence_lies_inside_its_interval(report_text):
    """Each '£x saved (CI ...)' keeps its sign and lies inside its interval (negative = saved)."""
    board, _ = report_text
    money = r"£[\d.,]+(?: million)?"
    signed = {"saved": -1, "extra cost": 1}
    one_side = re.findall(
        rf"about ({money}) (saved|extra cost) over \d+ months \(95% CI ({money}) to ({money}) (saved|extra cost)\)",
        board,
    )
    across = re.findall(
        rf"({money}) (saved|extra cost) over \d+ months \(95% CI between ({money}) saved and ({money}) extra cost\)",
        board,
    )
    assert len(one_side) >= 5  # the executive summary's four (one per activity), and the spend measure's own section
    for estimate, side, low, high, ends in one_side:
        first, last = sorted(signed[ends] * _pounds(x) for x in (low, high))
        assert first <= signed[side] * _pounds(estimate) <= last, (estimate, side, low, high, ends)
    for estimate, side, saved, extra in across:
        assert -_pounds(saved) <= signed[side] * _pounds(estimate) <= _pounds(extra)


def test_money_is_claimed_only_for_a_verdict_of_change():
    evidence = pd.DataFrame(
        {
            "measure_id": ["spend", "visits"],
            "name": ["Spend", "Visits"],
            "unit": ["£ thousand", "visits"],
            "verdict": ["no evidence of change", "improved"],
            "cumulative_months": [24, 24],
            "money": [-323_000.0, -50_000.0],
            "money_lower": [-1_180_000.0, -80_000.0],
            "money_upper": [536_000.0, -20_000.0],
            "money_unit": ["£", "£"],
        }
    )
    table = _value_for_money(evidence).set_index("measure_id")
    assert table.loc["spend", "value_for_money"] == NO_RELIABLE_CHANGE
    assert table.loc["spend", "interval"] == "between £1.18 million saved and £536,000 extra cost"
    assert table.loc["visits", "value_for_money"] == "£50,000 saved"
    assert table.loc["visits", "interval"] == "£20,000 to £80,000 saved"


def test_a_published_path_is_relative_to_the_parameter_file():
    assert publishable_path("/srv/eval/data/indicators.csv", "/srv/eval/params") == "../data/indicators.csv"
    assert publishable_path("/srv/eval/params/measures.csv", "/srv/eval/params") == "measures.csv"
    # sharing nothing but the root: the file name only, never a path through the root
    assert publishable_path("/tmp/extract/admissions.csv", "/srv/eval/params") == "…/admissions.csv"


def test_board_qualifiers_say_not_robust_in_two_words_and_keep_the_chart_qualifier():
    import numpy as np

    from pss_analysis.reporting.sections.board import board_qualifiers

    evidence = pd.DataFrame(
        {
            "measure_id": ["a", "b", "c", "d"],
            "verdict": ["improved", "improved", "no evidence of change", "improved"],
            "variation_type": ["common_cause", "special_cause_concern", "common_cause", "common_cause"],
            "assurance_type": ["none", "none", "none", "none"],
            "robust": [np.False_, False, True, None],
        }
    )
    got = board_qualifiers(evidence)
    assert got["a"] == "improved, not robust"
    assert got["b"].startswith("improved, but the latest months show a concern") and got["b"].endswith("; not robust")
    assert "c" not in got and "d" not in got
