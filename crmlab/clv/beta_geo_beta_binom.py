"""The BG/BB model of discrete-time non-contractual relationships (Fader, Hardie & Shang 2010).

Some relationships offer discrete transaction opportunities: an annual
fundraising drive, a yearly conference, an event. With n opportunities, a
customer's history is summarised by x (opportunities taken) and t_x (the last
one taken; 0 if none). Assumptions: while alive the customer transacts at each
opportunity with probability p; at the start of each opportunity after the
first they become inactive with probability θ; p ~ Beta(α, β) and
θ ~ Beta(γ, δ) across customers, independent. The likelihood (FHS 2010, eq. 5)::

    L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
        + Σ_{i=0..n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ)

is computed as a log-sum-exp over its terms (padded to the longest sum).

In this module the base class's ``T`` is the number of opportunities n, and
time arguments (t, n*) are whole numbers of opportunities.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp

from crmlab.clv.btyd import TransactionModel, _output
from crmlab.clv.inputs import check_argument

__all__ = ["BetaGeoBetaBinom"]


def _log_comb(n: Any, k: Any) -> Any:
    return gammaln(np.asarray(n) + 1) - gammaln(np.asarray(k) + 1) - gammaln(np.asarray(n) - np.asarray(k) + 1)


class BetaGeoBetaBinom(TransactionModel):
    """BG/BB: Bernoulli transactions with geometric dropout at discrete opportunities (Fader, Hardie & Shang 2010).

    Parameters (after ``fit``, in ``params_``): ``alpha``, ``beta`` (Beta
    heterogeneity of the transaction probability p) and ``gamma``, ``delta``
    (Beta heterogeneity of the dropout probability θ).

    Fit with ``fit(frequency, recency, n)``, or a DataFrame with columns
    ``frequency``, ``recency`` and ``T`` (= n); ``weights`` are the counts of
    customers per pattern.

    Examples
    --------
    >>> from crmlab.data import load_donations
    >>> d = load_donations()
    >>> model = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["n"], weights=d["n_customers"])
    >>> model.params_.round(3).to_dict()
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    """

    param_names = ("alpha", "beta", "gamma", "delta")
    discrete_time = True

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # the sum's index i = 0 … n − t_x − 1, padded to the longest; unused cells masked
        length = (data["T"] - data["recency"]).astype(int)
        i = np.arange(max(int(length.max()), 1))[None, :]
        return {**data, "i": np.broadcast_to(i, (len(length), i.shape[1])).astype(float), "mask": i < length[:, None]}

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        alpha, beta, gamma, delta = params
        x, t_x, n = data["frequency"], data["recency"], data["T"]
        if "mask" not in data:
            data = self._prepare(dict(data))
        i, mask = data["i"], data["mask"]
        base = betaln(alpha, beta) + betaln(gamma, delta)
        alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n)
        x_, t_ = x[:, None], t_x[:, None]
        dead = np.where(mask, betaln(alpha + x_, beta + t_ - x_ + i) + betaln(gamma + 1, delta + t_ + i), -np.inf)
        return logsumexp(np.column_stack([alive, dead]), axis=1) - base

    # ----- predictions ---------------------------------------------------------------------------
    def expected_transactions(self, t: Any) -> Any:
        """E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))] (FHS 2010, eq. 7).

        Expected transactions in the first n opportunities of a new customer.
        """
        alpha, beta, gamma, delta = self._check_fitted()
        n = self._time(t)
        ratio = np.exp(gammaln(gamma + delta) + gammaln(1 + delta + n) - gammaln(gamma + delta + n) - gammaln(1 + delta))
        value = alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)
        return value if value.ndim else float(value)

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = x) for x = ``n`` transactions in t opportunities (FHS 2010, eq. 8).

        P = C(t,x) B(α+x, β+t−x)/B(α,β) · B(γ, δ+t)/B(γ,δ)
            + Σ_{i=x..t−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ)
        """
        alpha, beta, gamma, delta = self._check_fitted()
        opportunities = self._time(t)
        x = float(self._count(n))
        scalar = opportunities.ndim == 0
        opportunities = np.atleast_1d(opportunities)
        base = betaln(alpha, beta) + betaln(gamma, delta)
        out = np.zeros(len(opportunities))
        for k, m in enumerate(opportunities):
            if x > m:
                continue
            terms = [_log_comb(m, x) + betaln(alpha + x, beta + m - x) + betaln(gamma, delta + m)]
            i = np.arange(x, m)
            if len(i):
                terms.extend(_log_comb(i, x) + betaln(alpha + x, beta + i - x) + betaln(gamma + 1, delta + i))
            out[k] = np.exp(logsumexp(terms) - base)
        return float(out[0]) if scalar else out

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at opportunity n+1 | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L (FHS 2010, eq. 11)."""
        params = self._check_fitted()
        alpha, beta, gamma, delta = params
        x, t_x, n, labels = self._rft(frequency, recency, T)
        ll = self._log_likelihood_rows(params, {"frequency": x, "recency": t_x, "T": n})
        log_alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n + 1) - betaln(alpha, beta) - betaln(gamma, delta)
        return _output(np.exp(log_alive - ll), labels, "probability_alive")

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[X(n, n+n*) | x, t_x, n], expected transactions in the next n* = ``t`` opportunities (FHS 2010, eq. 13).

        = B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
          · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] / L
        """
        params = self._check_fitted()
        alpha, beta, gamma, delta = params
        x, t_x, n, labels = self._rft(frequency, recency, T)
        n_star = self._time(t, len(x))
        ll = self._log_likelihood_rows(params, {"frequency": x, "recency": t_x, "T": n})
        log_front = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) + gammaln(gamma + delta) - gammaln(1 + delta)
        bracket = np.exp(gammaln(1 + delta + n) - gammaln(gamma + delta + n)) - np.exp(
            gammaln(1 + delta + n + n_star) - gammaln(gamma + delta + n + n_star)
        )
        value = np.exp(log_front - ll) * delta / (gamma - 1) * bracket
        return _output(value, labels, "expected_transactions")

    def discounted_expected_residual_transactions(
        self, discount_rate: float, frequency: Any, recency: Any = None, T: Any = None
    ) -> Any:
        """DERT(d | x, t_x, n): expected future transactions, each discounted to now (FHS 2010, eq. 14).

        = B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/(B(γ,δ)(1+d)) · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L

        Multiplied by the value of a transaction it gives the customer's residual value.
        """
        discount_rate = check_argument(discount_rate, "discount_rate", above=0, scalar=True)
        params = self._check_fitted()
        alpha, beta, gamma, delta = params
        x, t_x, n, labels = self._rft(frequency, recency, T)
        ll = self._log_likelihood_rows(params, {"frequency": x, "recency": t_x, "T": n})
        log_front = (
            betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n + 1) - betaln(gamma, delta)
        )
        z = 1 / (1 + discount_rate)
        value = np.exp(log_front - ll) * z * hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, z)
        return _output(value, labels, "dert")
