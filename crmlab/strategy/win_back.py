"""Win-back: which lapsed customers there are, and the probability that one comes back.

A customer has lapsed when the last purchase lies at least a set time before
the end of observation (:func:`lapsed_customers`); :class:`WinBackModel` is a
logit of coming back on the past relationship, after Thomas, Blattberg & Fox
(2004) and Stauss & Friege (1999).
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Sequence

import numpy as np
import pandas as pd

# statsmodels (about a second to import) is imported where the logit is fitted.

from crmlab.stats.maximum_likelihood import NotFittedError
from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import check_columns, check_numeric

__all__ = ["WinBackModel", "lapsed_customers"]


def lapsed_customers(summary: pd.DataFrame, *, lapse_after: float) -> pd.DataFrame:
    """The customers who have lapsed at the end of the calibration period, and whether they came back.

    A customer has lapsed when the time since the last purchase, T − t_x, is at least
    ``lapse_after`` (in the summary's time unit); ``reactivated`` is 1 when they bought again in the
    holdout period (``frequency_holdout`` > 0, from :func:`crmlab.customers.transaction_summary`
    with ``calibration_end``). Columns added: ``time_since_last`` and ``reactivated``.

    T and t_x are each a number of days divided by the time unit, so their difference can miss a
    whole number by round-off (182 days: 53.43 − 27.43 weeks = 25.999…); ``time_since_last`` is
    rounded to 9 decimals, so a customer whose last purchase is exactly ``lapse_after`` ago has lapsed.

    >>> summary = pd.DataFrame({"frequency": [2, 0, 5], "recency": [10.0, 0.0, 39.0], "T": [39.0, 39.0, 39.0],
    ...                         "monetary_value": [20.0, 0.0, 30.0], "frequency_holdout": [1, 0, 3]})
    >>> lapsed_customers(summary, lapse_after=26)[["time_since_last", "reactivated"]].to_numpy().tolist()
    [[29.0, 1.0], [39.0, 0.0]]
    """
    check_columns(summary, ["frequency", "recency", "T"], source="summary")
    table = check_numeric(summary, ["frequency", "recency", "T"], source="summary", nonnegative=["frequency", "recency", "T"])
    if not np.isfinite(lapse_after) or lapse_after <= 0:
        raise ValueError(f"lapse_after must be a positive time, got {lapse_after!r}")
    after_end = table.index[table["recency"] > table["T"]]
    if len(after_end):
        raise DataError("summary", [Problem(f"recency above T ({table.loc[r, 'T']:g}): last purchase after the end of observation",
                                            row=r, column="recency", value=float(table.loc[r, "recency"])) for r in after_end])
    table["time_since_last"] = (table["T"] - table["recency"]).round(9)
    out = table[table["time_since_last"] >= lapse_after].copy()
    if "frequency_holdout" in out.columns:
        out["reactivated"] = (out["frequency_holdout"] > 0).astype(float)
    return out


class WinBackModel:
    """The probability that a lapsed customer comes back, as a logit on their past relationship.

    P(win back) = 1 / (1 + exp(−x'β)), with x the lapsed customer's history (by default
    ``reactivated ~ np.log1p(frequency) + time_since_last``) and, when a win-back offer was
    tested, the offer; Thomas, Blattberg & Fox (2004, "Recapturing lost customers", Journal of
    Marketing Research 41(1)) and Stauss & Friege (1999, "Regaining service customers", Journal of
    Service Research 1(4)) model reacquisition this way. Fitted by maximum likelihood with
    statsmodels' formula API; ``fit()`` returns the model, ``params_`` holds the coefficients
    β, :attr:`summary` the table of estimates (with odds ratios) and :meth:`print_summary`
    prints it for readers.

    References
    ----------
    Thomas, J. S., Blattberg, R. C. & Fox, E. J. (2004), "Recapturing lost customers",
    Journal of Marketing Research 41(1), 31–45: the reacquisition probability of a lapsed
    customer as a function of the past relationship and the offer.
    Stauss, B. & Friege, C. (1999), "Regaining service customers", Journal of Service
    Research 1(4), 347–361.

    >>> rng = np.random.default_rng(1)
    >>> lapsed = pd.DataFrame({"frequency": rng.poisson(3, 2000), "time_since_last": rng.uniform(26, 52, 2000)})
    >>> logit = 0.5 + 0.8 * np.log1p(lapsed["frequency"]) - 0.06 * lapsed["time_since_last"]
    >>> lapsed["reactivated"] = (rng.random(2000) < 1 / (1 + np.exp(-logit))).astype(float)
    >>> model = WinBackModel().fit(lapsed)
    >>> bool(model.params_["time_since_last"] < 0)
    True
    """

    def __init__(self, formula: str = "reactivated ~ np.log1p(frequency) + time_since_last"):
        self.formula = formula

    def _predictors(self, lapsed: pd.DataFrame) -> list[str]:
        """The columns of ``lapsed`` named on the right-hand side of the formula."""
        rhs = self.formula.split("~", 1)[1]
        try:
            names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(rhs).readline) if tok.type == tokenize.NAME}
        except (tokenize.TokenError, SyntaxError):
            names = set()
        return [c for c in lapsed.columns if c in names]

    def _check_predictors(self, lapsed: pd.DataFrame, predictors: Sequence[str], numeric: Sequence[str]) -> None:
        """A DataError naming each absent predictor column, or each missing / non-finite predictor value by row."""
        check_columns(lapsed, predictors, source="lapsed customers")
        check_numeric(lapsed, [c for c in predictors if c in numeric], source="lapsed customers")
        other = [c for c in predictors if c not in numeric]
        problems = [Problem("missing value", row=r, column=c) for c in other for r in lapsed.index[lapsed[c].isna()]]
        if problems:
            raise DataError("lapsed customers", problems)

    def fit(self, lapsed: pd.DataFrame) -> WinBackModel:
        """Fit the logit; a missing outcome or predictor value raises a DataError naming the row
        (statsmodels would silently drop it)."""
        import statsmodels.formula.api as smf

        outcome = self.formula.split("~")[0].strip()
        check_columns(lapsed, [outcome], source="lapsed customers")
        y = check_numeric(lapsed, [outcome], source="lapsed customers", bounds=(0, 1))[outcome]
        self.predictors_ = [c for c in self._predictors(lapsed) if c != outcome]
        self._numeric = [c for c in self.predictors_ if pd.api.types.is_numeric_dtype(lapsed[c])]
        self._check_predictors(lapsed, self.predictors_, self._numeric)
        if y.nunique() < 2:
            raise ValueError(f"WinBackModel: {outcome!r} must contain both won-back (1) and lost (0) customers")
        self._results = smf.logit(self.formula, data=lapsed.assign(**{outcome: y})).fit(disp=0)
        self.params_ = self._results.params.rename("coef").rename_axis("term")
        self.standard_errors_ = self._results.bse.rename("se")
        self.n_lapsed_ = int(len(y))
        self.n_won_back_ = int(y.sum())
        self.log_likelihood_ = float(self._results.llf)
        self.pseudo_r_squared_ = float(self._results.prsquared)
        self.converged_ = bool(self._results.mle_retvals["converged"])
        return self

    def _check_fitted(self) -> pd.Series:
        if not hasattr(self, "params_"):
            raise NotFittedError("WinBackModel is not fitted yet: call fit() first")
        return self.params_

    @property
    def summary(self) -> pd.DataFrame:
        """The coefficients, one row per term of the formula: ``coef`` (β, log-odds), ``se``, the Wald
        p-value ``p``, the 95% Wald interval of β (``lower 95%``, ``upper 95%``) and the odds ratio
        e^β with its interval (``odds_ratio``, ``or_ci_low``, ``or_ci_high``).

        >>> rng = np.random.default_rng(2)
        >>> lapsed = pd.DataFrame({"frequency": rng.poisson(3, 500), "time_since_last": rng.uniform(26, 52, 500)})
        >>> lapsed["reactivated"] = (rng.random(500) < 0.3).astype(float)
        >>> WinBackModel().fit(lapsed).summary.columns.tolist()
        ['coef', 'se', 'p', 'lower 95%', 'upper 95%', 'odds_ratio', 'or_ci_low', 'or_ci_high']
        """
        params = self._check_fitted()
        ci = self._results.conf_int()
        return pd.DataFrame({"coef": params, "se": self.standard_errors_, "p": self._results.pvalues,
                             "lower 95%": ci[0], "upper 95%": ci[1], "odds_ratio": np.exp(params),
                             "or_ci_low": np.exp(ci[0]), "or_ci_high": np.exp(ci[1])}).rename_axis("term")

    def print_summary(self, decimals: int = 4) -> None:
        """Print the model, its data (lapsed and won-back customers), its fit and the coefficient table."""
        self._check_fitted()
        print("\n".join([
            f"WinBackModel: logit of winning back a lapsed customer, {self.formula}",
            f"lapsed customers = {self.n_lapsed_:,}, won back = {self.n_won_back_:,}",
            f"log-likelihood = {self.log_likelihood_:.{decimals}f}, McFadden's pseudo R² = "
            f"{self.pseudo_r_squared_:.{decimals}f}, converged: {self.converged_}",
            "",
            self.summary.round(decimals).to_string(),
        ]))

    def predict(self, lapsed: pd.DataFrame) -> pd.Series:
        """P(win back) of each lapsed customer. A predictor column of the formula that ``lapsed``
        lacks, or a missing (or non-finite) predictor value, raises a DataError naming the column
        or the rows — not a patsy error, nor a silent NaN probability."""
        self._check_fitted()
        self._check_predictors(lapsed, self.predictors_, self._numeric)
        return pd.Series(np.asarray(self._results.predict(lapsed)), index=lapsed.index, name="win_back_probability")
