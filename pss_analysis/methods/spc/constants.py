"""Named constants of the SPC module, each with its source.

Nothing in the analysis uses a bare number: every factor below says where it
comes from, so that a reviewer can check it against the book or the tool it
reproduces.
"""

from __future__ import annotations

__all__ = [
    "MR_TO_SIGMA",
    "XMR_LIMIT_FACTOR",
    "MR_UCL_FACTOR",
    "MR_SCREEN_FACTOR",
    "SIGMA_LIMIT",
    "SIGMA_WARNING",
    "SIGMA_ZONE_C",
    "T_CHART_EXPONENT",
    "ANHOEJ_RUN_OFFSET",
    "ANHOEJ_CROSSINGS_PROBABILITY",
    "BINOMIAL_HALF",
    "MDC_MIN_POINTS",
    "MDC_SHIFT_LENGTH",
    "MDC_TREND_LENGTH",
    "NHSR_SHIFT_LENGTH",
    "NHSR_TREND_LENGTH",
    "TWO_OF_THREE",
    "FOUR_OF_FIVE",
    "WE_SAME_SIDE_LENGTH",
    "NELSON_SAME_SIDE_LENGTH",
    "NELSON_TREND_LENGTH",
    "NELSON_ALTERNATING_LENGTH",
    "NELSON_STRATIFICATION_LENGTH",
    "NELSON_MIXTURE_LENGTH",
    "MDC_COLOURS",
    "LANEY_OVERDISPERSION_LIMIT",
]

# --- individuals (XmR / I) charts -------------------------------------------
MR_TO_SIGMA = 1.128  # d2 for n=2 (Montgomery, Introduction to SQC, Appendix VI); qicharts2 qic.i
XMR_LIMIT_FACTOR = 2.66  # 3/d2 rounded, Wheeler; NHS Making Data Count Excel tool and NHSRplotthedots
MR_UCL_FACTOR = 3.267  # D4 for n=2 (Montgomery Appendix VI); upper limit of a moving-range chart, qicharts2 qic.mr
# moving ranges >= D4 x mean MR are dropped before sigma is estimated
# (Nelson 1982; Provost & Murray 2011 p. 156; qicharts2, NHSRplotthedots)
MR_SCREEN_FACTOR = 3.267

# --- Shewhart sigma multiples -------------------------------------------------
SIGMA_LIMIT = 3  # Shewhart 3-sigma control (process) limits
SIGMA_WARNING = 2  # 2-sigma lines (Western Electric 1956 zone A; MDC "two out of three"; qicharts2 ucl.95/lcl.95)
SIGMA_ZONE_C = 1  # 1-sigma lines (Western Electric zone C boundary; Nelson 1984 rules 6-8)

# --- T chart -------------------------------------------------------------------
# y^(1/3.6) makes exponential times roughly normal (Nelson 1994; Montgomery sec. 7.3.5; qicharts2 qic.t)
T_CHART_EXPONENT = 3.6

# --- Anhoej runs analysis ----------------------------------------------------
# longest-run limit round(log2(n)) + 3 (Schilling 2012; Anhoej & Olesen 2014; qicharts2 runs.analysis)
ANHOEJ_RUN_OFFSET = 3
ANHOEJ_CROSSINGS_PROBABILITY = 0.05  # crossings limit qbinom(0.05, n - 1, 0.5) (Chen 2010; Anhoej & Olesen 2014)
BINOMIAL_HALF = 0.5  # probability of a crossing between two useful points under randomness (Chen 2010)

# --- NHS England Making Data Count conventions ---------------------------------
MDC_MIN_POINTS = 13  # fewer points -> no process limits and no icons (MDC "SPC Charts XmR Testing", Number of points)
MDC_SHIFT_LENGTH = 6  # points on one side of the mean (MDC Single Chart Tool v5 default)
MDC_TREND_LENGTH = 6  # points continually increasing or decreasing (MDC Single Chart Tool v5 default)
NHSR_SHIFT_LENGTH = 7  # older MDC default, still used by NHSRplotthedots
NHSR_TREND_LENGTH = 7  # older MDC default, still used by NHSRplotthedots

# --- Western Electric (1956) and Nelson (1984) run lengths ----------------------
TWO_OF_THREE = (2, 3)  # 2 of 3 consecutive points beyond 2 sigma (WE rule 2; Nelson rule 5; MDC "two out of three")
FOUR_OF_FIVE = (4, 5)  # 4 of 5 consecutive points beyond 1 sigma (WE rule 3; Nelson rule 6)
WE_SAME_SIDE_LENGTH = 8  # WE rule 4: eight in a row on one side of the centre line
NELSON_SAME_SIDE_LENGTH = 9  # Nelson rule 2: nine in a row on one side of the centre line
NELSON_TREND_LENGTH = 6  # Nelson rule 3: six in a row steadily increasing or decreasing
NELSON_ALTERNATING_LENGTH = 14  # Nelson rule 4: fourteen in a row alternating up and down
NELSON_STRATIFICATION_LENGTH = 15  # Nelson rule 7: fifteen in a row within 1 sigma
NELSON_MIXTURE_LENGTH = 8  # Nelson rule 8: eight in a row beyond 1 sigma on both sides

# --- Laney p' and u' charts ------------------------------------------------------------------
# sigma_z (Laney 2002) above this -> the months vary more than the counts explain, and a p'/u' chart is
# used by default. Laney (2002) and Mohammed & Laney (2006, Qual Saf Health Care 15:383) read sigma_z
# against 1 (1 = the counts explain the variation); 1.5 (limits at least half as wide again) is this
# project's margin for "clearly above 1": well beyond the sampling noise of sigma_z from 24 or more
# months (under the binomial or Poisson model its standard error is about 0.15 at 36 points and its
# 99.9th centile about 1.5: simulated, tests/methods/test_spc_compare.py).
LANEY_OVERDISPERSION_LIMIT = 1.5

# --- Colours of the MDC point types (MDC "SPC Charts XmR Testing", Special cause) ---
MDC_COLOURS = {
    "common_cause": "#A6A6A6",
    "special_cause_improvement": "#00B0F0",
    "special_cause_concern": "#E46C0A",
    "special_cause_neither": "#490092",
}

#: Charts whose moving ranges are screened when neither ``screen_outliers`` nor a preset says otherwise:
#: the I chart (Nelson 1982's screening of moving ranges >= 3.267 x their mean) and the T chart, an I chart
#: of transformed times. MDC's XmR chart does not screen, and Laney (2002) takes sigma_z from every moving
#: range. qicharts2 0.8.1 screens its I, T, P' and U' charts alike when the option ``qic.screenedmr`` is on
#: (``library(qicharts2)`` turns it on, in ``.onAttach``) and none of them when it is off; the
#: ``qicharts2`` preset screens all four.
SCREENED_BY_DEFAULT = ("i", "t")
