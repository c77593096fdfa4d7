"""What the continuous-time "Buy Till You Die" models share: fitting to (x, t_x, T), CLV, histograms, tracking.

A BTYD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005)
describes, for a customer acquired at time 0, repeat purchases at a Poisson
rate while "alive" and an unobserved dropout; it is fitted to the per-customer
summary x (repeat transactions), t_x (time of the last one) and T (time
observed), all in one time unit (weeks in the papers). A subclass defines the
likelihood and the model's closed forms:

- ``expected_transactions(t)``: E[X(t)], repeat transactions in (0, t] for a
  customer just acquired;
- ``conditional_expected_transactions(t, x, t_x, T)``: E[Y(t) | x, t_x, T],
  repeat transactions in (T, T + t];
- ``probability_alive(x, t_x, T)``: P(alive at T | x, t_x, T);
- ``probability_of_purchases(t, n)``: P(X(t) = n).

From those this base class derives the rest in the same way for every model:
the fit histogram (expected number of customers with n repeat transactions),
the cumulative tracking curve and CLV.

Every prediction refuses impossible arguments with a ValueError naming them
(:func:`crmlab.clv.inputs.check_argument`): a horizon t must be finite and
≥ 0 (t = 0 gives 0 transactions; in discrete time a whole number of
opportunities), one number or one per customer; a count n a whole number ≥ 0;
a discount rate finite and ≥ 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.stats.maximum_likelihood import ParametricModel
from crmlab.clv.inputs import as_columns, check_argument, check_rft, check_weights, compress

__all__ = ["TransactionModel"]

RFT = ("frequency", "recency", "T")


def _output(values: np.ndarray, labels: pd.Index | None, name: str) -> Any:
    """A Series over the input's customer labels when the input had labels, else the array."""
    if labels is None:
        return values if values.ndim else float(values)
    return pd.Series(values, index=labels, name=name)


def _labels(*inputs: Any) -> pd.Index | None:
    for v in inputs:
        if isinstance(v, (pd.Series, pd.DataFrame)):
            return v.index
    return None


class TransactionModel(ParametricModel):
    """Base class of the BTYD models fitted to frequency, recency and T."""

    data_names = RFT
    #: Whether the model's time is discrete (BG/BB: opportunities) rather than continuous.
    discrete_time = False

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
        purchase_covariates: Any = None,
        dropout_covariates: Any = None,
    ) -> TransactionModel:
        """Fit by maximum likelihood; returns ``self``.

        Parameters
        ----------
        frequency : DataFrame or array-like
            Either the summary from :func:`crmlab.customers.transaction_summary`
            (columns ``frequency``, ``recency``, ``T``) or the repeat
            transaction counts x.
        recency, T : array-like, optional
            t_x and T, when ``frequency`` is not a DataFrame.
        weights : array-like, optional
            Number of customers each row stands for (default 1 each).
        initial_params : mapping, optional
            Starting values by parameter name (the rest default).
        purchase_covariates, dropout_covariates : list of str, optional
            Columns of the summary DataFrame that shift each customer's
            purchase and dropout process (BetaGeo, ModifiedBetaGeo, ParetoNBD;
            the form and the signs: :mod:`crmlab.clv.covariates`). Every
            prediction then takes the summary with those columns.

        Raises
        ------
        crmlab.data.DataError
            For rows that break the definitions (recency > T, negative values,
            frequency 0 with recency > 0, NaN), naming the rows.
        """
        if purchase_covariates or dropout_covariates or "param_names" in vars(self):
            from crmlab.clv.covariates import fit_with_covariates, forget_covariates

            forget_covariates(self)
            if purchase_covariates or dropout_covariates:
                return fit_with_covariates(self, frequency if recency is None and T is None else None,
                                           purchase=purchase_covariates or (), dropout=dropout_covariates or (),
                                           weights=weights, initial_params=initial_params)
        cols, labels = as_columns(frequency, (recency, T), RFT, model=type(self).__name__)
        check_rft(cols["frequency"], cols["recency"], cols["T"], labels, discrete=self.discrete_time)
        w = check_weights(weights, len(labels), labels)
        data, w = compress(cols, w)
        return self._fit(self._prepare(data), w, initial_params=initial_params)

    def wald_tests(self) -> pd.DataFrame:
        """Wald tests (z, p) of the covariate coefficients: :func:`crmlab.clv.covariates.wald_tests`."""
        from crmlab.clv.covariates import wald_tests

        return wald_tests(self)

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates, standard errors and 95% intervals; with covariates, ``attrs["caption"]`` states their signs."""
        table = super().summary
        caption = getattr(self, "covariate_caption_", None)
        if caption:
            table.attrs["caption"] = caption
        return table

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Hook: add precomputed arrays to the (compressed) data before fitting."""
        return data

    # ----- what subclasses define --------------------------------------------------------------
    def expected_transactions(self, t: Any) -> Any:
        raise NotImplementedError

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        raise NotImplementedError

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        raise NotImplementedError

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        raise NotImplementedError

    # ----- shared helpers -----------------------------------------------------------------------
    def _time(self, t: Any, length: int | None = None) -> Any:
        """A horizon as floats: finite, ≥ 0, whole in discrete time; one number or ``length`` (one per customer)."""
        return check_argument(t, "t", at_least=0, whole=self.discrete_time, length=length)

    @staticmethod
    def _count(n: Any) -> int:
        """A number of transactions: one whole number ≥ 0."""
        return int(check_argument(n, "n", at_least=0, whole=True, scalar=True))

    def _rft(self, frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index | None]:
        """Prediction inputs as arrays (summary DataFrame or three columns), checked like fit's."""
        labels = _labels(frequency, recency, T)
        cols, idx = as_columns(frequency, (recency, T), RFT, model=type(self).__name__)
        check_rft(cols["frequency"], cols["recency"], cols["T"], idx, discrete=self.discrete_time)
        return cols["frequency"], cols["recency"], cols["T"], labels

    def expected_frequency_histogram(self, T: Any, max_frequency: int = 7) -> pd.DataFrame:
        """Expected number of customers with 0, 1, …, ``max_frequency``+ repeat transactions.

        Σ_i P(X(T_i) = n) over the customers' observation lengths T_i — the
        "fit histogram" that the papers set against the observed counts (e.g.
        Fader, Hardie & Lee 2005, figure 2). The last row, ``"{max}+"``, takes
        the rest of the probability mass.
        """
        self._check_fitted()
        T_arr = check_argument(T.get("T") if isinstance(T, pd.DataFrame) else T, "T", above=0, whole=self.discrete_time).reshape(-1)
        max_frequency = int(check_argument(max_frequency, "max_frequency", at_least=0, whole=True, scalar=True))
        uniq, counts = np.unique(T_arr, return_counts=True)
        expected = np.empty(max_frequency + 1)
        for n in range(max_frequency):
            expected[n] = counts @ np.asarray(self.probability_of_purchases(uniq, n), dtype=float)
        expected[max_frequency] = counts.sum() - expected[:max_frequency].sum()
        labels = [str(n) for n in range(max_frequency)] + [f"{max_frequency}+"]
        return pd.DataFrame({"frequency": labels, "expected": expected})

    def expected_cumulative_transactions(self, acquisition_times: Any, times: Any) -> pd.DataFrame:
        """Expected cumulative repeat transactions of a cohort: the tracking curve.

        For customers acquired at times s_i (in the model's time unit, from a
        common origin) the expected total repeat transactions by time t is
        Σ_i E[X(t − s_i)] over customers with s_i < t (Fader, Hardie & Lee
        2005, figure 4).

        Returns a frame with ``t`` and ``expected``.
        """
        self._check_fitted()
        s = check_argument(acquisition_times, "acquisition_times").reshape(-1)
        t = check_argument(times, "times").reshape(-1)
        uniq, counts = np.unique(s, return_counts=True)
        expected = np.empty(len(t))
        for k, tk in enumerate(t):
            age = tk - uniq
            ok = age > 0
            expected[k] = counts[ok] @ np.asarray(self.expected_transactions(age[ok]), dtype=float) if ok.any() else 0.0
        return pd.DataFrame({"t": t, "expected": expected})

    def customer_lifetime_value(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        monetary_value: Any,
        discount_rate: float,
        horizon: int,
        period_length: float = 1.0,
    ) -> Any:
        """Expected discounted value of each customer's future repeat transactions.

        Method (as in Fader, Hardie & Lee 2005b and ``lifetimes``): the horizon
        is cut into ``horizon`` periods of ``period_length`` model time units
        (e.g. 52/12 for months when the model is in weeks); the expected number
        of transactions in period k is E[Y(kΔ) | x, t_x, T] − E[Y((k−1)Δ) | x,
        t_x, T], valued at the customer's expected spend per transaction and
        discounted to the end of the period::

            CLV_i = Σ_{k=1..H} m_i · (E[Y(kΔ)] − E[Y((k−1)Δ)]) / (1 + d)^k

        with d = ``discount_rate`` per period (finite, ≥ 0), H = ``horizon`` a
        whole number ≥ 0 (0 gives 0) and Δ = ``period_length`` > 0 (a whole
        number of opportunities in discrete time). ``monetary_value`` is the
        expected spend per transaction, e.g. from
        :meth:`crmlab.clv.GammaGamma.conditional_expected_average_spend`, or a
        margin per transaction for a profit-based CLV: finite, one number or
        one per customer.
        """
        self._check_fitted()
        discount_rate = check_argument(discount_rate, "discount_rate", at_least=0, scalar=True)
        horizon = int(check_argument(horizon, "horizon", at_least=0, whole=True, scalar=True))
        period_length = check_argument(period_length, "period_length", above=0, whole=self.discrete_time, scalar=True)
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        m = np.broadcast_to(check_argument(monetary_value, "monetary_value", length=len(x)), x.shape)
        total = np.zeros(len(x))
        previous = np.zeros(len(x))
        for k in range(1, horizon + 1):
            current = np.asarray(self.conditional_expected_transactions(k * period_length, x, t_x, T_arr), dtype=float)
            total += (current - previous) / (1 + discount_rate) ** k
            previous = current
        return _output(m * total, labels, "clv")
