"""The Gamma-Gamma model of spend per transaction (Colombo & Jiang 1999; Fader, Hardie & Lee 2005).

A customer's transaction values z_1, z_2, … are i.i.d. Gamma(p, ν) (shape p,
rate ν), so their mean is p/ν; across customers ν ~ Gamma(q, γ). The observed
mean m_x of x transactions is Gamma(px, xν) given ν, and integrating ν out gives
the density (Fader, Hardie & Lee 2005b, "RFM and CLV", appendix)::

    f(m_x | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · m_x^(px−1) · x^(px) / (γ + m_x x)^(px+q)

The posterior mean spend of a customer with x transactions averaging m_x is
a weighted average of the population mean E[Z] = pγ/(q−1) and m_x::

    E[Z | p, q, γ; m_x, x] = p(γ + x m_x) / (px + q − 1)
                           = (q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · m_x

The model assumes spend is independent of the purchase process (frequency and
dropout), which :func:`spend_frequency_correlation` lets one check: FHL 2005b
report a correlation of 0.11 between frequency and mean spend on CDNOW.

As in the papers (and ``transaction_summary``), m_x is the mean of the *repeat*
transactions, so the model is fitted on customers with x > 0 only.

Spend covariates (no published Gamma-Gamma has them; derived here). The rate
γ of the heterogeneity distribution of ν is a *scale* of spend: ν ~ Gamma(q, γ)
means γ/ν ~ 1/Gamma(q, 1), so multiplying γ by k multiplies every customer's
mean spend p/ν by k in distribution. Customer i's covariates z_i enter as
γ_i = γ·exp(c'z_i), which gives

    E[Z | z_i] = pγ/(q−1) · exp(c'z_i),   log E[Z | z_i] = log(pγ/(q−1)) + c'z_i,

so c_k is the change in log expected spend per unit of z_k (exp(c_k) the
factor), a positive c_k a higher expected spend, and c = 0 the model above.
The density of m_x and the posterior mean are those above with γ_i in place
of γ; the gradient of the log-likelihood ℓ_i in c is (∂ℓ_i/∂log γ_i)·z_i with
∂ℓ_i/∂log γ_i = q − (px+q)·γ_i/(γ_i + x m_x).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from crmlab.stats.maximum_likelihood import ParametricModel
from crmlab.clv.covariate_design import CovariateLinks
from crmlab.clv.inputs import as_columns, check_argument, check_weights, compress
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = ["GammaGamma", "spend_frequency_correlation"]

_COLUMNS = ("frequency", "monetary_value")


def _check_spend(x: np.ndarray, m: np.ndarray, labels: pd.Index) -> None:
    """Finite values, whole x ≥ 0, and a positive mean spend wherever x > 0."""
    problems: list[Problem] = []
    total = 0
    rules = [
        (~np.isfinite(x), "frequency", "missing or infinite value", x),
        (~np.isfinite(m), "monetary_value", "missing or infinite value", m),
        (np.isfinite(x) & ((x < 0) | (x != np.floor(x))), "frequency", "frequency must be a whole number ≥ 0", x),
        (np.isfinite(m) & (x > 0) & (m <= 0), "monetary_value", "mean spend must be positive when frequency > 0", m),
    ]
    for bad, column, message, values in rules:
        idx = np.flatnonzero(bad)
        total += len(idx)
        problems += [Problem(message, row=labels[i], column=column, value=float(values[i])) for i in idx[:MAX_PROBLEMS_SHOWN]]
    if total:
        raise DataError("customer summary", problems, n_problems=total)


class GammaGamma(ParametricModel):
    """Gamma-Gamma spend model: expected value of a customer's transactions (Colombo & Jiang 1999; FHL 2005).

    Parameters (after ``fit``, in ``params_``): ``p`` (shape of each
    customer's transaction values), ``q`` and ``gamma`` (shape and rate of
    the heterogeneity of the customers' rate ν). The population mean spend is
    pγ/(q−1) (finite for q > 1).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> model = GammaGamma().fit(summary)
    >>> model.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'gamma': 15.44}
    >>> round(model.expected_average_spend(), 2)
    35.17
    """

    param_names = ("p", "q", "gamma")
    data_names = _COLUMNS

    def fit(
        self,
        frequency: Any,
        monetary_value: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
        spend_covariates: Sequence[str] | None = None,
    ) -> GammaGamma:
        """Fit by maximum likelihood to customers with at least one repeat transaction; returns ``self``.

        Parameters
        ----------
        frequency : DataFrame or array-like
            The summary (columns ``frequency``, ``monetary_value``) or the
            repeat-transaction counts x.
        monetary_value : array-like, optional
            Mean value m_x of the repeat transactions.
        weights : array-like, optional
            Number of customers each row stands for.

        spend_covariates : list of str, optional
            Columns of the summary DataFrame that shift each customer's spend
            scale, γ_i = γ·exp(c'z_i) (see the module notes): a positive
            coefficient means a higher expected spend, exp(c) the factor per
            unit. Estimates come in ``params_`` / ``summary`` as rows
            ``"spend: <column>"``; predictions then need each customer's
            covariates (pass the summary DataFrame).

        Rows with x = 0 carry no spend information and are left out; a
        DataError names rows with a missing value or a non-positive mean spend,
        and covariates that are missing, non-numeric or constant.
        """
        cols, labels = as_columns(frequency, (monetary_value,), _COLUMNS, model="GammaGamma")
        x, m = cols["frequency"], cols["monetary_value"]
        _check_spend(x, m, labels)
        w = check_weights(weights, len(x), labels)
        keep = x > 0
        if not keep.any():
            raise DataError("customer summary", [Problem("no customer with a repeat transaction: nothing to fit", column="frequency")])
        columns = {"frequency": x[keep], "monetary_value": m[keep]}
        self.param_names, self.covariate_links_ = type(self).param_names, None
        if spend_covariates is not None and len(spend_covariates):
            if not isinstance(frequency, pd.DataFrame):
                raise TypeError("GammaGamma: spend covariates are columns of the summary: pass the summary DataFrame")
            links, matrices = CovariateLinks.build(self.param_names, {"gamma": spend_covariates}, {"gamma": "spend"},
                                                   frequency.loc[keep])
            columns |= {f"z{j}": z for j, z in enumerate(links.standardise("gamma", matrices["gamma"]).T)}
            self.param_names = links.names
        data, w = compress(columns, w[keep])
        self._fit(data, w, initial_params=initial_params)
        if self.param_names != type(self).param_names:
            links.decode_fitted(self)
            self.covariate_links_ = links
        return self

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        # q = 3 and p = 2 give E[Z] = γ; match it to the mean of the observed means
        mean = (weights @ data["monetary_value"]) / weights.sum()
        # spend coefficients (on standardised covariates, see CovariateLinks) start at 0
        return np.r_[2.0, 3.0, max(mean, 1e-6), np.zeros(len(self.param_names) - 3)]

    def _real_valued_params(self) -> np.ndarray:
        return np.arange(len(self.param_names)) >= 3  # the spend coefficients

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._log_likelihood_gradient_rows(params, data)[0]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        p, q, gamma = params[:3]
        x, m = data["frequency"], data["monetary_value"]
        # with spend covariates, coefficients c̃ of the standardised columns z0, z1, … (CovariateLinks):
        # each customer's scale is γ_i = γ·exp(c̃'z̃_i)
        coefficients = params[3:]
        z = [data[f"z{j}"] for j in range(len(coefficients))]
        scale = gamma * np.exp(sum((c * zj for c, zj in zip(coefficients, z, strict=True)), np.zeros_like(x)))
        px = p * x
        log_gm = np.log(scale + m * x)
        ll = (
            gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(scale)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * log_gm
        )
        psi_pxq = digamma(px + q)
        d_p = x * (psi_pxq - digamma(px) + np.log(m) + np.log(x) - log_gm)
        d_q = psi_pxq - digamma(q) + np.log(scale) - log_gm
        d_log_scale = q - (px + q) * scale / (scale + m * x)  # dℓ/d log γ_i
        return ll, np.vstack([d_p, d_q, d_log_scale / gamma, *(d_log_scale * zj for zj in z)])

    def _spend_scale(self, frame: Any, params: np.ndarray, n: int) -> np.ndarray:
        """Each customer's γ_i = γ·exp(c'z_i) (γ itself without covariates), from the frame's covariates."""
        links = getattr(self, "covariate_links_", None)
        if links is None:
            return np.full(n, params[2])
        return params[2] * np.exp(links.linear_predictor("gamma", params, links.matrix("gamma", frame)))

    # ----- predictions ---------------------------------------------------------------------------
    def expected_average_spend(self, covariates: pd.DataFrame | None = None) -> Any:
        """Population mean spend per transaction, E[Z] = pγ/(q−1) (infinite when q ≤ 1).

        A model fitted with spend covariates needs them: ``covariates`` is a
        DataFrame with those columns, and the result a Series of pγ_i/(q−1),
        the mean spend of a new customer with each row's covariates.
        """
        params = self._check_fitted()
        p, q = params[:2]
        if getattr(self, "covariate_links_", None) is None and covariates is None:
            return float(p * params[2] / (q - 1)) if q > 1 else float("inf")
        if covariates is None:
            raise TypeError("GammaGamma was fitted with spend covariates: pass a DataFrame of covariates")
        scale = self._spend_scale(covariates, params, len(covariates))
        return pd.Series(p * scale / (q - 1) if q > 1 else np.inf, index=covariates.index, name="expected_spend")

    def conditional_expected_average_spend(self, frequency: Any, monetary_value: Any = None) -> Any:
        """Posterior mean spend per transaction, E[Z | m_x, x] = p(γ + x m_x)/(px + q − 1) (FHL 2005b).

        The posterior of ν is Gamma(px + q, γ + x m_x), and E[p/ν | ·] is this
        formula when px + q > 1, infinite otherwise. Customers without repeat
        transactions (x = 0) get the population mean pγ/(q−1) (infinite when
        q ≤ 1). With spend covariates γ is each customer's γ_i = γ·exp(c'z_i),
        read from the summary DataFrame. Returns a Series over the input's
        index when given a DataFrame or Series.
        """
        params = self._check_fitted()
        p, q = params[:2]
        cols, labels = as_columns(frequency, (monetary_value,), _COLUMNS, model="GammaGamma")
        x, m = cols["frequency"], cols["monetary_value"]
        _check_spend(x, m, labels)
        gamma = self._spend_scale(frequency, params, len(x))
        m = np.where(x > 0, m, 0.0)
        shape = p * x + q  # of the posterior of ν
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(shape > 1, p * (gamma + x * m) / (shape - 1), np.inf)
        has_labels = isinstance(frequency, (pd.DataFrame, pd.Series)) or isinstance(monetary_value, pd.Series)
        return pd.Series(value, index=labels, name="expected_spend") if has_labels else value

    def customer_lifetime_value(
        self,
        transaction_model: Any,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        monetary_value: Any = None,
        *,
        discount_rate: float,
        horizon: int,
        period_length: float = 1.0,
        margin: float = 1.0,
    ) -> Any:
        """CLV of each customer: the transaction model's discounted expected transactions × expected spend.

        Delegates to ``transaction_model.customer_lifetime_value`` (see
        :meth:`crmlab.clv.btyd.TransactionModel.customer_lifetime_value` for
        the method) with ``monetary_value`` = ``margin`` × this model's
        conditional expected spend. ``margin`` is the profit share of revenue
        (1 gives the revenue value; finite, one number or one per customer).
        The customers are a summary DataFrame (columns ``frequency``,
        ``recency``, ``T``, ``monetary_value``) or the four columns as arrays.
        """
        if isinstance(frequency, pd.DataFrame):
            if any(v is not None for v in (recency, T, monetary_value)):
                raise TypeError("GammaGamma.customer_lifetime_value: pass either a summary DataFrame or the columns, not both")
            spend = self.conditional_expected_average_spend(frequency)
            rft: tuple[Any, ...] = (frequency,)
        else:
            if any(v is None for v in (recency, T, monetary_value)):
                raise TypeError("GammaGamma.customer_lifetime_value: needs frequency, recency, T and monetary_value")
            spend = self.conditional_expected_average_spend(frequency, monetary_value)
            rft = (frequency, recency, T)
        spend = np.asarray(spend)
        margin = check_argument(margin, "margin", length=len(spend))
        return transaction_model.customer_lifetime_value(
            *rft,
            monetary_value=margin * spend,
            discount_rate=discount_rate,
            horizon=horizon,
            period_length=period_length,
        )

    def predict(self, summary: pd.DataFrame, *, what: str = "spend", transaction_model: Any = None, **options: Any) -> pd.DataFrame:
        """Each customer's expected spend per transaction (``what="spend"``) or CLV (``what="clv"``, with
        ``transaction_model=``) with an interval from parameter uncertainty.

        Options: ``interval`` (0.9), ``method`` ("hessian", "bootstrap" or "fixed"), ``n_draws`` (200),
        ``rng``, ``draws``, and for CLV ``discount_rate``, ``horizon``, ``period_length``, ``margin``; see
        :func:`crmlab.clv.uncertainty.predict_intervals`. Returns a frame indexed by customer with
        ``estimate``, ``lower`` and ``upper``.

        >>> summary = pd.DataFrame({"frequency": [1, 2, 3, 1], "monetary_value": [10.0, 20.0, 15.0, 40.0]})
        >>> frame = GammaGamma().fit(summary).predict(summary, n_draws=50, rng=1)
        >>> bool(((frame["lower"] <= frame["estimate"]) & (frame["estimate"] <= frame["upper"])).all())
        True
        """
        from crmlab.clv.uncertainty import predict_intervals

        return predict_intervals(self, summary, what=what, spend_model=transaction_model, **options)


def spend_frequency_correlation(summary: pd.DataFrame) -> float:
    """Pearson correlation of frequency and mean spend among customers with x > 0.

    The Gamma-Gamma model assumes spend independent of frequency; FHL (2005b)
    check this correlation is small (0.11 on CDNOW) before using it.

    >>> frame = pd.DataFrame({"frequency": [0, 1, 2, 3], "monetary_value": [0.0, 10.0, 20.0, 30.0]})
    >>> spend_frequency_correlation(frame)
    1.0
    """
    missing = [c for c in _COLUMNS if c not in summary.columns]
    if missing:
        raise DataError("customer summary", [Problem("missing column", column=c) for c in missing])
    repeat = summary[summary["frequency"] > 0]
    if len(repeat) < 2:
        raise DataError("customer summary", [Problem("fewer than 2 customers with a repeat transaction", column="frequency")])
    return float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
