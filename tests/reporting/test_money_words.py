"""Money in the report's words: every figure keeps its sign and lies inside its interval; an interval
across zero is said as such."""

from __future__ import annotations

import pandas as pd
import pytest

from pss_analysis.reporting.formatting import money, money_change, money_range
from pss_analysis.reporting.narrative import its_sentence


def test_money_keeps_its_sign():
    assert money(2115662) == "£2.12 million" and money(-845123) == "−£845,000"
    assert money_change(-323_000) == "£323,000 saved" and money_change(536_000) == "£536,000 extra cost"


@pytest.mark.parametrize(
    "lower, upper, words",
    [
        (-1_180_000, 536_000, "between £1.18 million saved and £536,000 extra cost"),
        (536_000, -1_180_000, "between £1.18 million saved and £536,000 extra cost"),
        (-2_942_305, -1_289_018, "£1.29 million to £2.94 million saved"),
        (468_296, 856_124, "£468,000 to £856,000 extra cost"),
    ],
)
def test_an_interval_of_money_in_words(lower, upper, words):
    assert money_range(lower, upper) == words


def _impact(rel, rel_lo, rel_hi, diff, lo, hi):
    return pd.DataFrame(
        [
            {
                "horizon": pd.NA,
                "cumulative": True,
                "n_periods": 24,
                "relative_effect": rel,
                "relative_effect_lower": rel_lo,
                "relative_effect_upper": rel_hi,
                "absolute_effect": diff,
                "absolute_effect_lower": lo,
                "absolute_effect_upper": hi,
            }
        ]
    )


def test_no_change_in_money_is_said_with_an_interval_across_zero():
    """The issue's case: an estimate of £323,000 saved whose interval runs from £1.18 million saved to
    £536,000 extra cost is said so, not as '(95% CI £536,000 to £1.18 million)'."""
    measure = {"name": "Spend", "unit": "£ thousand", "kind": "amount", "improvement_direction": "decrease"}
    text = its_sentence(measure, _impact(-0.04, -0.12, 0.05, -323.0, -1180.0, 536.0))
    assert "not clearly different from no change" in text
    assert "£323,000 saved over 24 months (95% CI between £1.18 million saved and £536,000 extra cost)" in text


def test_a_fall_in_spend_is_money_saved_within_its_interval():
    measure = {"name": "Spend", "unit": "£m", "kind": "amount", "improvement_direction": "decrease"}
    text = its_sentence(measure, _impact(-0.19, -0.31, -0.064, -3.0593, -5.3565, -0.7622))
    assert text.endswith("; about £3.06 million saved over 24 months (95% CI £762,000 to £5.36 million saved).")


def test_a_count_whose_interval_crosses_zero_keeps_its_signs():
    """Relative interval clear of zero, absolute interval across it: the ends keep their signs."""
    measure = {"name": "Visits", "unit": "visits", "kind": "count", "improvement_direction": "increase"}
    text = its_sentence(measure, _impact(0.05, 0.01, 0.09, 120.0, -15.0, 260.0))
    assert text.endswith("; about 120 more visits than expected over 24 months (95% CI -15.0 to 260).")
