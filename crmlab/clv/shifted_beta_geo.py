"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, 2010).

In a contractual business (subscriptions, memberships) churn is observed: at
the end of each period a customer renews or cancels. Each customer renews with
their own probability 1 − θ, and θ varies across customers as Beta(α, β). The
lifetime T (the period in which the customer cancels, T = 1, 2, …) then has
(Fader & Hardie 2007, "How to project customer retention", eqs. 5–7)::

    P(T = t) = B(α+1, β+t−1) / B(α, β)
    S(t)     = P(T > t) = B(α, β+t) / B(α, β)
    r_t      = S(t) / S(t−1) = (β+t−1) / (α+β+t−1)

so the retention rate *rises* with tenure although no customer's own
probability changes: the customers most likely to leave leave first. A cohort's
survivor counts n_0 ≥ n_1 ≥ … ≥ n_τ give the likelihood
Π_t P(T=t)^(n_{t−1}−n_t) · S(τ)^(n_τ). Valuation (Fader & Hardie 2010,
"Customer-base valuation in a contractual setting", eqs. 4, 6), with payments
at the start of each period while the customer is active and discount rate d:

    DEL(d)          = Σ_{t≥0} S(t)/(1+d)^t = ₂F₁(1, β; α+β; 1/(1+d))
    DERL(d | n − 1) = Σ_{t≥n} S(t)/S(n−1)/(1+d)^(t−n)
                    = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))

DERL is the value, just before the n-th renewal decision, of a customer who has
made n − 1 renewals; CLV = margin × DEL and residual value = margin × DERL.

Periods t and renewals are whole numbers (t ≥ 0 for S(t), ≥ 1 for P(T = t) and
r_t), the discount rate of the infinite sums d > 0; other arguments are refused
with a ValueError naming them (:func:`crmlab.clv.inputs.check_argument`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from crmlab.stats.maximum_likelihood import ParametricModel
from crmlab.clv.inputs import check_argument

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(ParametricModel):
    """sBG: heterogeneous constant churn probabilities in a contractual setting (Fader & Hardie 2007).

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]   # FH 2007, "regular" customers, years 0–7
    >>> model = ShiftedBetaGeometric().fit(regular)
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> round(float(model.survival(12)) * 1000)                # actual: 173
    170
    """

    param_names = ("alpha", "beta")

    def fit(
        self,
        survivors: Any,
        *,
        initial_params: Mapping[str, float] | None = None,
    ) -> ShiftedBetaGeometric:
        """Fit to a cohort's survivor counts n_0, n_1, …, n_τ (n_0 = the cohort size); returns ``self``.

        Counts must be non-negative and non-increasing, with n_0 > 0 and at
        least one period observed. Shares (1.0, 0.631, …) are accepted when
        multiplied by the cohort size first — the likelihood needs counts.
        """
        n = self._check_survivors(survivors)
        tau = len(n) - 1
        t = np.arange(1, tau + 1, dtype=float)
        lost = n[:-1] - n[1:]
        data = {"t": np.concatenate([t, [float(tau)]]), "survived": np.concatenate([np.zeros(tau), [1.0]])}
        weights = np.concatenate([lost, [n[-1]]]).astype(float)
        keep = weights > 0
        data = {k: v[keep] for k, v in data.items()}
        self.survivors_ = pd.Series(n, index=pd.RangeIndex(tau + 1, name="period"), name="survivors")
        return self._fit(data, weights[keep], initial_params=initial_params, n_customers=float(n[0]))

    @staticmethod
    def _check_survivors(survivors: Any) -> np.ndarray:
        try:
            n = np.asarray(survivors, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"survivors must be numbers: {exc}") from None
        if len(n) < 2:
            raise ValueError("survivors needs at least two values: the cohort size and the survivors after one period")
        problems = []
        if not np.all(np.isfinite(n)):
            problems.append(f"missing or infinite values at periods {np.flatnonzero(~np.isfinite(n)).tolist()}")
        elif np.any(n < 0):
            problems.append(f"negative counts at periods {np.flatnonzero(n < 0).tolist()}")
        elif n[0] <= 0:
            problems.append("the cohort size (period 0) must be positive")
        else:
            up = np.flatnonzero(np.diff(n) > 0) + 1
            if len(up):
                problems.append(f"survivors increase at periods {up.tolist()} (a cohort can only shrink)")
            if n[0] <= 1.0 and np.any(n != np.round(n)):
                problems.append("looks like shares; pass counts (shares × cohort size)")
        if problems:
            raise ValueError("survivors: " + "; ".join(problems))
        return n

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        return np.array([1.0, 1.0])

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._log_likelihood_gradient_rows(params, data)[0]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        alpha, beta = params
        t, survived = data["t"], data["survived"] > 0
        base = betaln(alpha, beta)
        ll = np.where(survived, betaln(alpha, beta + t), betaln(alpha + 1, beta + t - 1)) - base
        psi_ab, psi_abt = digamma(alpha + beta), digamma(alpha + beta + t)
        d_base_a, d_base_b = digamma(alpha) - psi_ab, digamma(beta) - psi_ab
        d_alpha = np.where(survived, digamma(alpha), digamma(alpha + 1)) - psi_abt - d_base_a
        d_beta = np.where(survived, digamma(beta + t), digamma(beta + t - 1)) - psi_abt - d_base_b
        return ll, np.vstack([d_alpha, d_beta])

    # ----- predictions ---------------------------------------------------------------------------
    def survival(self, t: Any) -> Any:
        """S(t) = B(α, β+t)/B(α, β), the share of a cohort still active after t periods."""
        alpha, beta = self._check_fitted()
        t = check_argument(t, "t", at_least=0, whole=True)
        value = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
        return value if value.ndim else float(value)

    def churn_probability(self, t: Any) -> Any:
        """P(T = t) = B(α+1, β+t−1)/B(α, β), the share of a cohort lost in period t ≥ 1."""
        alpha, beta = self._check_fitted()
        t = check_argument(t, "t", at_least=1, whole=True)
        value = np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))
        return value if value.ndim else float(value)

    def retention_rate(self, t: Any) -> Any:
        """r_t = (β+t−1)/(α+β+t−1), the share of those active in period t − 1 who renew in t (t ≥ 1)."""
        alpha, beta = self._check_fitted()
        t = check_argument(t, "t", at_least=1, whole=True)
        value = (beta + t - 1) / (alpha + beta + t - 1)
        return value if value.ndim else float(value)

    def expected_lifetime(self) -> float:
        """E[T] = E[1/θ] = (α+β−1)/(α−1) periods (infinite when α ≤ 1)."""
        alpha, beta = self._check_fitted()
        return float((alpha + beta - 1) / (alpha - 1)) if alpha > 1 else float("inf")

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL(d) = ₂F₁(1, β; α+β; 1/(1+d)): expected discounted periods of a new customer (FH 2010, eq. 4)."""
        alpha, beta = self._check_fitted()
        discount_rate = _check_rate(discount_rate)
        return float(_hyp2f1_1(beta, alpha + beta, 1 / (1 + discount_rate)))

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals: Any) -> Any:
        """DERL(d | n−1) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)) for a customer with
        n − 1 = ``renewals`` renewals, just before the next renewal decision (FH 2010, eq. 6)."""
        alpha, beta = self._check_fitted()
        discount_rate = _check_rate(discount_rate)
        n = check_argument(renewals, "renewals", at_least=0, whole=True) + 1
        value = (beta + n - 1) / (alpha + beta + n - 1) * np.asarray(_hyp2f1_1(beta + n, alpha + beta + n, 1 / (1 + discount_rate)))
        return value if value.ndim else float(value)

    def customer_lifetime_value(self, margin: float, discount_rate: float, renewals: Any = None) -> Any:
        """margin × DEL for a new customer, or margin × DERL for customers with ``renewals`` renewals.

        ``margin`` (per period, paid at the start of each period while active) must be finite.
        """
        margin = check_argument(margin, "margin")
        if renewals is None:
            return margin * self.discounted_expected_lifetime(discount_rate)
        return margin * np.asarray(self.discounted_expected_residual_lifetime(discount_rate, renewals))

    def survival_table(self, periods: int) -> pd.DataFrame:
        """Fitted survival and retention by period 0…``periods``, with the observed ones where fitted."""
        periods = int(check_argument(periods, "periods", at_least=0, whole=True, scalar=True))
        t = np.arange(0, periods + 1)
        table = pd.DataFrame({"period": t, "survival": self.survival(t), "retention_rate": np.r_[np.nan, self.retention_rate(t[1:])]})
        observed = getattr(self, "survivors_", None)
        if observed is not None:
            share = observed / observed.iloc[0]
            table["observed_survival"] = table["period"].map(share)
            table["observed_retention_rate"] = table["period"].map(share / share.shift(1))
        return table


def _hyp2f1_1(b: Any, c: Any, z: float) -> Any:
    """₂F₁(1, b; c; z) for 0 ≤ z < 1: scipy's value, or, where scipy gives up (very large b, c),
    the series Σ_k z^k Π_{j<k} (b+j)/(c+j), whose terms fall at least geometrically (b ≤ c)."""
    b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    value = np.asarray(hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if np.any(bad):
        bb, cc = np.broadcast_to(b, value.shape)[bad], np.broadcast_to(c, value.shape)[bad]
        total, term, k = np.ones_like(bb), np.ones_like(bb), 0
        while np.any(term > 1e-17 * total) and k < 1_000_000:
            term = term * (bb + k) / (cc + k) * z
            total += term
            k += 1
        value = value.copy()
        value[bad] = total
    return value if value.ndim else float(value)


def _check_rate(discount_rate: float) -> float:
    """The discount rate of an infinite sum: finite and > 0 (the sums diverge without discounting)."""
    return check_argument(discount_rate, "discount_rate", above=0, scalar=True)
