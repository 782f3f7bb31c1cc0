"""Interrupted time series (segmented regression) for programme evaluation.

The model for a single series, with ``t = 1..n`` the module's own time index and
``X_t`` = 1 from the interruption on, is::

    g(E[y_t]) = b0 + b1*t + b2*X_t + b3*X_t*(time since the interruption) [+ seasonal terms] [+ log offset]

(Wagner et al. 2002; Lopez Bernal, Cummins & Gasparrini 2017, with the authors' published
correction that the slope term is ``X_t*(T - T_I)``, not ``X_t*T``). ``b0`` is the
*baseline level* (the level at ``t = 0``, with every seasonal regressor at 0), ``b1`` the
*pre-interruption trend* per period, ``b2`` the *level change* and ``b3`` the *slope change*;
``b1 + b3`` is the *post-interruption trend*.

Two conventions for the time since the interruption are supported (``time_since``), and every
output names the one used:

* ``"wagner"`` (default; Wagner et al. 2002, the Lopez Bernal tutorial's ``I(time-36):smokban``):
  it is 1 at the first post-interruption period, so the level change is the gap between the two
  lines at the *last pre-interruption* period.
* ``"itsa"`` (Stata ``itsa``, Linden 2015): it is 0 at the first post-interruption period, so the
  level change is the gap at the *first post-interruption* period. It equals the Wagner level
  change plus one slope change; slope change and post-interruption trend are identical.

Families (``FAMILIES``): ``gaussian`` (OLS), ``poisson``, ``quasipoisson`` (dispersion = Pearson
chi-square / residual df, as R's ``quasipoisson`` and statsmodels ``scale="X2"``), ``negbin``
(NB2; the negative-binomial ``alpha`` = 1/theta is estimated by maximum likelihood, maximising
the profile log-likelihood of statsmodels GLM ``NegativeBinomial(alpha)`` fits over log(alpha);
the reported regression is the GLM at that ``alpha``, so standard errors are conditional on
``alpha`` exactly as ``MASS::glm.nb`` reports them), ``binomial`` and ``quasibinomial``
(``y`` = successes, ``denominator`` = trials).

Inference (following the reference README): GLM families get Wald confidence intervals with
normal quantiles (as ``Epi::ci.lin``); p-values use the normal distribution for poisson,
binomial and negbin and the t distribution on the residual df for the quasi families (R's
``summary.glm``). Gaussian models use t-based intervals and p-values on the residual df
(OLS, Newey-West as Stata ``newey``, and ARMA errors as ``nlme::gls``).

Autocorrelation (``AUTOCORRELATION_METHODS``):

* ``newey_west``: HAC covariance with Bartlett weights (statsmodels ``cov_type="hac-panel"``,
  which with one series and no gaps is identical to ``cov_type="HAC"``).
  ``small_sample=True`` multiplies the covariance by ``n/(n-k)`` as Stata's ``newey`` does
  (statsmodels ``use_correction``; the factor is verified in the tests). Each series (and, with
  a phase-in, each run of consecutive fitted periods) is one panel, so lag products never span
  two series or the excluded phase-in window.
  With many comparison series (``control`` as a long table with ``control_unit``, a list or a
  mapping; Linden 2015's multiple-group design) every series is its own panel, the factor is
  ``N/(N-k)`` on all stacked points and t tests use ``N - k`` df. (Stata's ``itsa`` calls
  ``newey ..., force`` on the stacked panel, which also pairs one unit's last period with the
  next unit's first; the tests show this is why its third decimals can differ.) GLM families pool
  the same way, with the model's standard errors (poisson, binomial, negbin) or quasi-likelihood
  ones (one Pearson dispersion over every stacked point), not cluster-robust ones: with one
  treated unit the treated-minus-control terms would rest on a single cluster.
* ``ar1`` and ``arma``: Gaussian only. Regression with ARMA(p, q) errors by exact Gaussian
  maximum likelihood: the ARMA parameters maximise the profile likelihood (the regression
  coefficients and the innovation variance are profiled out by GLS), then statsmodels ``GLS`` is
  fitted with the ML correlation matrix. This is the estimator of
  ``nlme::gls(y ~ ..., correlation = corAR1(form = ~ t), method = "ML")`` (or ``corARMA``), with
  the same standard errors (``nlme`` scales ``(X' R^-1 X)^-1`` by ``RSS*/(N - p)`` also under ML)
  and t tests on ``N - p`` df; it is also SARIMAX's exact likelihood. Gaps (phase-in) are
  handled through the correlation at the true time distance. AR(1): the profile likelihood is
  computed in O(n) by the Prais-Winsten transform and maximised by Brent's method in
  atanh(phi); ARMA(p, q): by a Kalman filter, maximised by BFGS (tolerances in
  :mod:`.estimators`, each with why it is safe).

Fitted values, counterfactuals and impacts are always the regression mean ``g^-1(X b + offset)``
(for ARMA errors the structural line, not one-step-ahead predictions).

Analysis code never plots and never rounds; see :mod:`pss_analysis.reporting.figures.its` for the figure.

Modules: :mod:`.options` (defaults, the family table and option parsing), :mod:`.series`
(checking and preparing the treated and control series), :mod:`.design` (the interruptions,
the rows of the fit, design matrix and contrasts), :mod:`.estimators` (the
fitting of each family and error structure), :mod:`.results` (:class:`ItsResult`,
:func:`compare_nested`), :mod:`.fit` (:func:`fit_its`, the recipe that joins them),
:mod:`.many` (:func:`fit_its_many`: thousands of series on one design, fitted together) and
:mod:`.robustness` (:func:`robustness`: placebos in time, alternative specifications and
leave-one-out refits of the headline change).
"""

from pss_analysis.methods.its.fit import MIN_POINTS_PER_SIDE, RECOMMENDED_POINTS_PER_SIDE, check_its_options, fit_its
from pss_analysis.methods.its.many import BATCHED_FAMILIES, ItsManyResult, fit_its_many
from pss_analysis.methods.its.options import (
    AUTOCORRELATION_METHODS,
    DEFAULT_ALPHA,
    DEFAULT_FOURIER_HARMONICS,
    DEFAULT_SEASONAL_PERIOD,
    FAMILIES,
    SEASONALITY_KINDS,
    TIME_SINCE_CONVENTIONS,
)
from pss_analysis.methods.its.results import ItsResult, compare_nested
from pss_analysis.methods.its.robustness import (
    PLACEBO_MIN_POINTS,
    Robustness,
    change_direction,
    newey_west_lags,
    robustness,
    standardised_change,
)

__all__ = [
    "fit_its",
    "fit_its_many",
    "ItsManyResult",
    "BATCHED_FAMILIES",
    "check_its_options",
    "compare_nested",
    "ItsResult",
    "FAMILIES",
    "SEASONALITY_KINDS",
    "AUTOCORRELATION_METHODS",
    "TIME_SINCE_CONVENTIONS",
    "MIN_POINTS_PER_SIDE",
    "RECOMMENDED_POINTS_PER_SIDE",
    "DEFAULT_ALPHA",
    "DEFAULT_FOURIER_HARMONICS",
    "DEFAULT_SEASONAL_PERIOD",
    "robustness",
    "Robustness",
    "change_direction",
    "standardised_change",
    "newey_west_lags",
    "PLACEBO_MIN_POINTS",
]
