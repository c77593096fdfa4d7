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
        labels, columns = self._value_by_period(frequency, recency, T, monetary_value, discount_rate, horizon, period_length)
        return _output(columns["discounted_value"].sum(axis=1), labels, "clv")

    # ----- predictive distributions, customers alive, P(alive) history, value by period ----------
    def _transactions_by_period(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, horizon: int, period_length: float
    ) -> np.ndarray:
        """E[Y(kΔ)] − E[Y((k−1)Δ)] for k = 1 … ``horizon``, one row per customer (customers × periods)."""
        out = np.empty((len(x), horizon))
        previous = np.zeros(len(x))
        for k in range(1, horizon + 1):
            current = np.asarray(self.conditional_expected_transactions(k * period_length, x, t_x, T), dtype=float)
            out[:, k - 1] = current - previous
            previous = current
        return out

    def _period_arguments(self, horizon: Any, period_length: Any) -> tuple[int, float]:
        horizon = int(check_argument(horizon, "horizon", at_least=0, whole=True, scalar=True))
        period_length = check_argument(period_length, "period_length", above=0, whole=self.discrete_time, scalar=True)
        return horizon, period_length

    def expected_transactions_by_period(
        self, frequency: Any, recency: Any = None, T: Any = None, *, horizon: int, period_length: float = 1.0
    ) -> pd.DataFrame:
        """Expected repeat transactions of each customer in each future period: a tidy frame, customer × period.

        Period k = 1 … H is (T + (k−1)Δ, T + kΔ] after the customer's
        calibration period, and its expected transactions are
        E[Y(kΔ) | x, t_x, T] − E[Y((k−1)Δ) | x, t_x, T], the increments of the
        model's conditional expectation (Fader, Hardie & Lee 2005, eq. 10 for
        the BG/NBD). Their sum over k is E[Y(HΔ) | x, t_x, T].

        Returns columns ``customer`` (the input's index labels, or 0 … n−1),
        ``period`` (k), ``period_end`` (kΔ, in the model's time unit after T)
        and ``expected_transactions``; customers in input order, periods ascending.

        >>> from crmlab.clv import BetaGeo
        >>> import pandas as pd
        >>> model = BetaGeo()
        >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> model.expected_transactions_by_period([2], [30.4], [38.9], horizon=3, period_length=4).round(3)
           customer  period  period_end  expected_transactions
        0         0       1         4.0                  0.147
        1         0       2         8.0                  0.141
        2         0       3        12.0                  0.135
        """
        self._check_fitted()
        horizon, period_length = self._period_arguments(horizon, period_length)
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        per_period = self._transactions_by_period(x, t_x, T_arr, horizon, period_length)
        return _by_period_frame(labels, len(x), horizon, period_length, {"expected_transactions": per_period})

    def customer_lifetime_value_by_period(
        self, frequency: Any, recency: Any = None, T: Any = None, *,
        monetary_value: Any, discount_rate: float, horizon: int, period_length: float = 1.0,
    ) -> pd.DataFrame:
        """Each customer's expected transactions, value and discounted value in each future period.

        The terms of :meth:`customer_lifetime_value` (Fader, Hardie & Lee
        2005b), one row per customer and period k = 1 … H::

            expected_transactions_ik = E[Y(kΔ) | x_i, t_x,i, T_i] − E[Y((k−1)Δ) | ·]
            value_ik                 = m_i · expected_transactions_ik
            discounted_value_ik      = value_ik / (1 + d)^k

        so that Σ_k discounted_value_ik is the customer's CLV over H periods,
        and a reader can choose the window (the value of the next 6 of 12
        months is the sum of the first 6 rows). Arguments as for
        :meth:`customer_lifetime_value`.

        Returns columns ``customer``, ``period``, ``period_end`` (kΔ),
        ``expected_transactions``, ``value`` and ``discounted_value``.

        >>> from crmlab.clv import BetaGeo
        >>> import pandas as pd
        >>> model = BetaGeo()
        >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> frame = model.customer_lifetime_value_by_period([2], [30.4], [38.9], monetary_value=50,
        ...                                                   discount_rate=0.01, horizon=2, period_length=4)
        >>> frame[["period", "value", "discounted_value"]].round(2)
           period  value  discounted_value
        0       1   7.35              7.28
        1       2   7.04              6.91
        """
        labels, columns = self._value_by_period(frequency, recency, T, monetary_value, discount_rate, horizon, period_length)
        n_customers, horizon = columns["value"].shape
        return _by_period_frame(labels, n_customers, horizon, self._period_arguments(horizon, period_length)[1], columns)

    def _value_by_period(
        self, frequency: Any, recency: Any, T: Any, monetary_value: Any, discount_rate: Any, horizon: Any, period_length: Any
    ) -> tuple[pd.Index | None, dict[str, np.ndarray]]:
        """The terms of the CLV, customers × periods: expected transactions, value and discounted value (checked input)."""
        self._check_fitted()
        discount_rate = check_argument(discount_rate, "discount_rate", at_least=0, scalar=True)
        horizon, period_length = self._period_arguments(horizon, period_length)
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        m = np.broadcast_to(check_argument(monetary_value, "monetary_value", length=len(x)), x.shape)
        per_period = self._transactions_by_period(x, t_x, T_arr, horizon, period_length)
        value = m[:, None] * per_period
        return labels, {"expected_transactions": per_period, "value": value,
                        "discounted_value": value * _discount_factors(discount_rate, horizon)}

    def _conditional_probability_of_purchases_arrays(
        self, t: np.ndarray, n: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(Y(t) = n_j | x_i, t_x,i, T_i) of checked arrays, shape (customers, counts); the models define it."""
        raise NotImplementedError

    def conditional_probability_of_purchases(
        self, t: Any, n: Any, frequency: Any, recency: Any = None, T: Any = None
    ) -> Any:
        """P(Y(t) = n | x, t_x, T): the probability of exactly n repeat transactions in (T, T + t] given the history.

        The predictive distribution of a customer's future count (Fader,
        Hardie & Lee 2005, "Counting your customers the easy way", and Fader
        & Hardie's notes deriving the conditional PMF under the BG/NBD and the
        Pareto/NBD). Every model here has the same structure: a customer dead
        at T buys nothing; a customer alive at T has, by Bayes' rule, the
        posterior latent characteristics of a new customer with updated
        parameters, so::

            P(Y(t) = n | x, t_x, T) = δ_{n=0} · (1 − P(alive | x, t_x, T))
                                      + P(alive | x, t_x, T) · P(X(t) = n | posterior parameters)

        (the posterior parameters are given by each model's method). Its mean
        over n is :meth:`conditional_expected_transactions`; with no history
        (x = 0, T → 0) it is :meth:`probability_of_purchases`.

        ``t`` is one horizon or one per customer; ``n`` one whole number ≥ 0
        or an array of them. Returns, for one n, one probability per customer
        (a Series over the summary's labels, or an array); for an array of n a
        DataFrame, one row per customer and one column per n (for unlabelled
        input, a 2-D array customers × n).

        >>> from crmlab.clv import BetaGeo
        >>> import pandas as pd
        >>> model = BetaGeo()
        >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> model.conditional_probability_of_purchases(39, [0, 1, 2], [2], [30.4], [38.9]).round(3)
        array([[0.446, 0.239, 0.144]])
        """
        self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = np.broadcast_to(self._time(t, len(x)), x.shape)
        counts = check_argument(n, "n", at_least=0, whole=True)
        if counts.ndim > 1:
            raise ValueError(f"n must be one number or a 1-D array of numbers (got an array of shape {counts.shape})")
        values = self._conditional_probability_of_purchases_arrays(t, counts.reshape(-1), x, t_x, T_arr)
        values = np.clip(values, 0.0, 1.0)
        if counts.ndim == 0:
            return _output(values[:, 0], labels, "probability")
        if labels is None:
            return values
        return pd.DataFrame(values, index=labels, columns=pd.Index(counts.astype(int), name="n"))

    def probability_alive_at(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T + t | x, t_x, T, no purchase in (T, T + t]): how the chance of being alive fades with silence.

        A customer with history (x, t_x, T) who makes no purchase in the
        next t time units has the summary (x, t_x, T + t), and the likelihood
        of that history is the model's likelihood at T + t, so this is
        :meth:`probability_alive` at T + t (Fader, Hardie & Lee 2005, eq. 11
        context, for the BG/NBD; Schmittlein, Morrison & Colombo 1987 for the
        Pareto/NBD). For the BG/NBD and the MBG/NBD the customer can drop out
        only right after a purchase, so with no purchase in the gap "alive at
        T + t" is the same event as "alive at T"; its probability still falls
        with t, because a long silence makes "dropped out after the purchase at
        t_x" more likely. For the Pareto/NBD the lifetime can end in the gap
        too; the closed form covers both. In discrete time (BG/BB) t counts
        opportunities without a transaction.

        >>> from crmlab.clv import BetaGeo
        >>> import pandas as pd
        >>> model = BetaGeo()
        >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> model.probability_alive_at([0, 26, 52], [2, 2, 2], [30.4, 30.4, 30.4], [38.9, 38.9, 38.9]).round(3)
        array([0.726, 0.48 , 0.311])
        """
        self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = self._time(t, len(x))
        return _output(np.asarray(self.probability_alive(x, t_x, T_arr + t), dtype=float), labels, "probability_alive")

    def _probability_alive_later(self, t: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive at T + t | x, t_x, T), whatever happens in (T, T + t], of checked arrays; the models define it."""
        raise NotImplementedError

    def expected_number_alive(self, summary: Any, t: Any = 0) -> Any:
        """Expected number of customers alive t time units after the end of each one's calibration period.

        E[alive customers at T + t] = Σ_i P(alive at T_i + t | x_i, t_x,i, T_i),
        whatever the customers do in between (no conditioning on future
        purchases; compare :meth:`probability_alive_at`). At t = 0 it is the
        sum of :meth:`probability_alive` (the number of customers alive at the
        end of the calibration period); for t > 0 each customer's P(alive at
        T) is multiplied by the probability of surviving a further t given
        alive at T and the history, in closed form (derived in each model's
        ``_probability_alive_later``)::

            Pareto/NBD:  ((β+T)/(β+T+t))^s                  (μ ~ Gamma(s, β+T), exponential lifetime)
            BG/NBD:      E[e^{−λpt}] = (α'/(α'+t))^a ₂F₁(a+b'−r', a; a+b'; t/(α'+t)),
                         r' = r+x, α' = α+T, b' = b+x (MBG/NBD: b' = b+x+1)
            BG/BB:       B(γ, δ+n+1+t)/B(γ, δ+n+1)  (t more opportunities)

        ``summary`` is a frame with
        ``frequency``, ``recency`` and ``T`` (or those three columns as a
        tuple); ``t`` is one number ≥ 0 or an array of them.

        Returns a float for one t, else a Series indexed by t.

        >>> from crmlab.clv import ParetoNBD
        >>> import pandas as pd
        >>> model = ParetoNBD()
        >>> model.params_ = pd.Series({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
        >>> summary = pd.DataFrame({"frequency": [0, 2, 10], "recency": [0, 30.4, 38], "T": [38.9] * 3})
        >>> round(model.expected_number_alive(summary), 3), round(model.expected_number_alive(summary, t=52), 3)
        (2.151, 1.401)
        """
        self._check_fitted()
        args = tuple(summary) if isinstance(summary, (tuple, list)) else (summary,)
        x, t_x, T_arr, _ = self._rft(*args, *([None] * (3 - len(args))))
        times = self._time(t)
        values = np.array([self._probability_alive_later(np.full(len(x), v), x, t_x, T_arr).sum() for v in times.reshape(-1)])
        if times.ndim == 0:
            return float(values[0])
        return pd.Series(values, index=pd.Index(times.reshape(-1), name="t"), name="expected_number_alive")

    def probability_alive_history(self, purchase_times: Any, grid: Any, *, time_unit: str | None = None) -> pd.DataFrame:
        """One customer's P(alive) through time, from what the model would have known at each point.

        At each time τ of ``grid`` (time since the customer's first purchase,
        in the model's unit) the customer's summary so far is x(τ) = repeat
        purchases in (0, τ], t_x(τ) = the time of the last of them (0 if none),
        and P(alive at τ) = :meth:`probability_alive` (x(τ), t_x(τ), τ) — the
        path that ``lifetimes``' ``calculate_alive_path`` computes and
        ``plot_history_alive`` draws. It jumps up at each purchase and decays
        in between (for the BG/NBD it stays 1 until the first repeat purchase).

        ``purchase_times`` are the times of all the customer's purchases, the
        first (the acquisition, time 0 of the model) included: numbers in the
        model's time unit from any origin, or datetimes with ``time_unit``
        "D", "W" or "M" (days, days/7, days/30.4375, as
        :func:`crmlab.customers.transaction_summary` measures). Purchases at
        the same time count once. ``grid``: times since the first purchase,
        each > 0. For the BG/BB (discrete opportunities) ``purchase_times`` are
        the opportunities at which the customer transacted (1, 2, …; there is
        no acquisition purchase), ``grid`` numbers of opportunities n, and the
        value is its P(alive at opportunity n+1).

        Returns columns ``t``, ``frequency``, ``recency`` and
        ``probability_alive``, and the purchase times (since the first) in
        ``attrs["purchase_times"]``, which
        :func:`crmlab.plots.plot_probability_alive_history` marks.

        >>> from crmlab.clv import BetaGeo
        >>> import pandas as pd
        >>> model = BetaGeo()
        >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> model.probability_alive_history([0.0, 2.0, 5.0], [1, 3, 6, 20]).round(3)
              t  frequency  recency  probability_alive
        0   1.0          0      0.0              1.000
        1   3.0          1      2.0              0.719
        2   6.0          2      5.0              0.775
        3  20.0          2      5.0              0.338
        """
        self._check_fitted()
        times = _purchase_times(purchase_times, time_unit)
        grid_arr = check_argument(grid, "grid", above=0, whole=self.discrete_time).reshape(-1)
        if self.discrete_time:  # BG/BB: every transaction counts, at its opportunity (1, 2, …)
            repeat = np.unique(check_argument(times, "purchase_times", at_least=1, whole=True))
        else:
            repeat = np.unique(times - times.min())[1:]  # distinct repeat purchase times after the first
        x = np.searchsorted(repeat, grid_arr, side="right")
        t_x = np.where(x > 0, repeat[np.maximum(x - 1, 0)] if len(repeat) else 0.0, 0.0)
        p_alive = np.asarray(self.probability_alive(x.astype(float), t_x, grid_arr), dtype=float)
        history = pd.DataFrame({"t": grid_arr, "frequency": x, "recency": t_x, "probability_alive": p_alive})
        history.attrs["purchase_times"] = repeat if self.discrete_time else np.r_[0.0, repeat]
        return history

    def predict(self, summary: pd.DataFrame, t: float | None = None, **options: Any) -> pd.DataFrame:
        """Each customer's prediction with an interval: ``what`` = "expected_transactions" (in (T, T+t]),
        "probability_alive", "count" (the number of purchases itself) or "clv" (with ``spend_model=``).

        Options: ``interval`` (0.9), ``method`` ("hessian", "bootstrap" or "fixed"), ``n_draws`` (200),
        ``rng`` (a seed), ``draws``, and for CLV ``spend_model``, ``discount_rate``, ``horizon``,
        ``period_length``, ``margin``; see :func:`crmlab.clv.uncertainty.predict_intervals` for the method.
        Returns a frame indexed by customer with ``estimate``, ``lower`` and ``upper``.

        >>> from crmlab.clv import BetaGeo
        >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
        >>> from crmlab.customers import transaction_summary
        >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)
        >>> frame = BetaGeo().fit(summary).predict(summary, t=39, interval=0.9, rng=1)
        >>> frame.columns.tolist(), frame.attrs["method"]
        (['estimate', 'lower', 'upper'], 'hessian')
        """
        from crmlab.clv.uncertainty import predict_intervals

        return predict_intervals(self, summary, t, **options)


def _distinct_rows(*columns: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows of equal-length columns, and each row's index among them (to compute once per row)."""
    stacked = np.column_stack([np.broadcast_to(c, columns[0].shape) for c in columns])
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return tuple(unique.T), inverse.reshape(-1)


def _discount_factors(discount_rate: float, horizon: int) -> np.ndarray:
    """1 / (1 + d)^k for k = 1 … horizon: each period's value discounted to now, at the end of the period."""
    return 1.0 / (1.0 + discount_rate) ** np.arange(1, horizon + 1)


def _by_period_frame(
    labels: pd.Index | None, n_customers: int, horizon: int, period_length: float, columns: dict[str, np.ndarray]
) -> pd.DataFrame:
    """A tidy frame customer × period from customers × periods arrays (customers in order, periods ascending)."""
    customers = labels if labels is not None else pd.RangeIndex(n_customers)
    period = np.tile(np.arange(1, horizon + 1), n_customers)
    frame = pd.DataFrame({
        "customer": np.repeat(np.asarray(customers), horizon),
        "period": period,
        "period_end": period * period_length,
        **{name: values.reshape(-1) for name, values in columns.items()},
    })
    return frame


def _purchase_times(purchase_times: Any, time_unit: str | None) -> np.ndarray:
    """A customer's purchase times as floats in the model's unit: numbers as they are, datetimes in ``time_unit``."""
    values = purchase_times.to_numpy() if isinstance(purchase_times, (pd.Series, pd.Index)) else np.asarray(purchase_times)
    values = values.reshape(-1)
    if len(values) == 0:
        raise ValueError("purchase_times must hold at least the first purchase (got none)")
    if np.issubdtype(values.dtype, np.datetime64) or values.dtype == object and isinstance(values[0], pd.Timestamp):
        days_per = {"D": 1.0, "W": 7.0, "M": 30.4375}
        if time_unit not in days_per:
            raise ValueError(f"time_unit must be one of {', '.join(days_per)} for datetimes (got {time_unit!r})")
        dates = pd.to_datetime(pd.Series(values)).dt.normalize()
        if dates.isna().any():
            raise ValueError(f"purchase_times must not be missing (got NaT at position {int(np.flatnonzero(dates.isna())[0])})")
        days = (dates - dates.min()).dt.days.to_numpy(dtype=float)
        return days / days_per[time_unit]
    return check_argument(values, "purchase_times").reshape(-1)
