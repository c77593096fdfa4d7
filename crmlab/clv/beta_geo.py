"""The BG/NBD model of Fader, Hardie & Lee (2005): "Counting your customers" the easy way.

Assumptions (FHL 2005, section 3): while active, a customer buys at Poisson
rate λ; after each *repeat* purchase they become inactive with probability p;
across customers λ ~ Gamma(r, α) and p ~ Beta(a, b), independent. With x
repeat purchases, the last at t_x, observed over (0, T], the likelihood is
(FHL 2005, eq. 6)::

    L(r, α, a, b | x, t_x, T) = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r)
        · [ (α+T)^−(r+x) + δ_{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]

computed here in log space: with D = (r+x)·(ln(α+T) − ln(α+t_x)) ≥ 0 the
bracket is (α+T)^−(r+x) · (1 + e^L), L = ln a − ln(b+x−1) + D, and
ln(1 + e^L) = logaddexp(0, L) does not overflow however large D gets (the
overflow case of the naive formula, for frequent buyers with an old last
purchase). Terms that depend on x alone are computed once per distinct x.
From :data:`COMPILED_MIN_ROWS` distinct rows on, a fit sums the log-likelihood
and its gradient in one compiled pass over the rows
(:mod:`crmlab.clv.compiled_likelihoods`), the same formulas without per-row arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1, xlogy

from crmlab.clv.btyd import TransactionModel, _distinct_rows, _output

__all__ = ["BetaGeo"]

#: Distinct (x, t_x, T) rows from which fits use the compiled likelihood: below, loading the kernels
#: (about 0.3 s a process once compiled) costs more than it saves (benchmarks/clv_fit.py).
COMPILED_MIN_ROWS = 200_000


class BetaGeo(TransactionModel):
    """BG/NBD: Poisson purchasing with dropout after repeat purchases (Fader, Hardie & Lee 2005).

    Parameters (after ``fit``, in ``params_``): ``r``, ``alpha`` (Gamma
    heterogeneity of the purchase rate λ; E[λ] = r/α per time unit) and ``a``,
    ``b`` (Beta heterogeneity of the dropout probability p; E[p] = a/(a+b)).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> model = BetaGeo().fit(summary)
    >>> model.params_.round(3).to_dict()
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    param_names = ("r", "alpha", "a", "b")

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        # method of moments for r/α from the mean purchase rate, neutral Beta(1, 1)-ish dropout
        rate = (weights @ data["frequency"]) / max(weights @ data["T"], 1e-12)
        rate = max(rate, 1e-3)
        return np.array([1.0, 1.0 / rate, 1.0, 1.0])

    #: Distinct rows from which a fit uses the compiled likelihood (:mod:`crmlab.clv.compiled_likelihoods`);
    #: below, the NumPy one of this module. Set it on a model to choose (0: always compiled).
    compiled_min_rows: int = COMPILED_MIN_ROWS

    def _compiled(self, weights: np.ndarray) -> bool:
        return len(weights) >= self.compiled_min_rows

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._compiled(data["frequency"]):
            return data  # the compiled pass indexes its per-x tables by x itself
        x_unique, x_index = np.unique(data["frequency"], return_inverse=True)
        return {**data, "x_unique": x_unique, "x_index": x_index}

    def _log_likelihood_gradient_total(
        self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Σ w·ℓ and Σ w·∇ℓ: one compiled pass over the rows on large data, else from the per-row arrays."""
        if not self._compiled(weights):
            ll, grad = self._log_likelihood_gradient_rows(params, data)
            return weights @ ll, grad @ weights
        from crmlab.clv.compiled_likelihoods import beta_geo_totals

        return beta_geo_totals(params, data, weights, self._first_purchase_dropout)

    #: 1 when the first purchase is also a dropout opportunity (MBG/NBD), 0 for the BG/NBD.
    _first_purchase_dropout: ClassVar[int] = 0

    def _parts(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Log-likelihood per row and its pieces, shared by the BG/NBD and the MBG/NBD (k = 0, 1):

        ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+k) − ln B(a, b) − (r+x) ln(α+T)
               + ln(1 + e^L),   L = ln a − ln(b+x−1+k) + (r+x)(ln(α+T) − ln(α+t_x)),
        where the dropout term (e^L) exists for x > 0 only when k = 0.
        """
        r, alpha, a, b = params
        k = self._first_purchase_dropout
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        xu, xi = data.get("x_unique"), data.get("x_index")
        if xu is None:
            xu, xi = np.unique(x, return_inverse=True)
        log_aT = np.log(alpha + T)
        log_at = np.log(alpha + t_x)
        rx = r + x
        has = (x > 0) | bool(k)  # rows with a "dropped out after the last purchase" term
        denominator = np.where(has, b + x - 1 + k, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            L = np.where(has, np.log(a) - np.log(denominator) + rx * (log_aT - log_at), -np.inf)
        per_x = gammaln(r + xu) - gammaln(r) + betaln(a, b + xu + k) - betaln(a, b)
        ll = per_x[xi] + r * np.log(alpha) - rx * log_aT + np.logaddexp(0.0, L)
        return {"ll": ll, "L": L, "log_aT": log_aT, "log_at": log_at, "rx": rx, "xu": xu, "xi": xi,
                "has": has, "denominator": denominator}

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._parts(params, data)["ll"]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, a, b = params
        k = self._first_purchase_dropout
        P = self._parts(params, data)
        T, t_x = data["T"], data["recency"]
        xu, xi = P["xu"], P["xi"]
        s = expit(P["L"])  # posterior weight of "dropped out after the last purchase"; 0 where there is no such term
        d_r = (digamma(r + xu) - digamma(r))[xi] + np.log(alpha) - P["log_aT"] + s * (P["log_aT"] - P["log_at"])
        d_alpha = r / alpha - P["rx"] / (alpha + T) + s * P["rx"] * (1 / (alpha + T) - 1 / (alpha + t_x))
        psi_ab = digamma(a + b)
        d_a = (psi_ab - digamma(a + b + xu + k))[xi] + s / a
        d_b = (digamma(b + xu + k) - digamma(a + b + xu + k) - digamma(b) + psi_ab)[xi] - np.where(P["has"], s / P["denominator"], 0.0)
        return P["ll"], np.vstack([d_r, d_alpha, d_a, d_b])

    # ----- predictions ---------------------------------------------------------------------------
    def expected_transactions(self, t: Any) -> Any:
        """E[X(t)], expected repeat transactions in (0, t] of a new customer (FHL 2005, eq. 7).

        E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]
        """
        r, alpha, a, b = self._check_fitted()
        t = self._time(t)
        value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        return value if value.ndim else float(value)

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (FHL 2005, eq. 11 context)."""
        params = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        return _output(self._probability_alive_arrays(params, x, t_x, T_arr), labels, "probability_alive")

    def _probability_alive_arrays(self, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """1 / (1 + e^L) with L of :meth:`_parts` (0 for x = 0 in the BG/NBD), in place on one temporary:
        (α+T)/(α+t_x) as log1p((T − t_x)/(α+t_x)), one logarithm a row instead of two."""
        r, alpha, a, b = params
        k = self._first_purchase_dropout
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.subtract(T, t_x)
            odds /= alpha + t_x
            np.log1p(odds, out=odds)
            odds *= r + x
            odds += np.log(a / (b - 1 + k + x))  # NaN for x = 0 when b < 1 − k: that row is set below
            np.exp(odds, out=odds)
            if not k:
                odds[x == 0] = 0.0
            odds += 1.0
            return np.reciprocal(odds, out=odds)

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[Y(t) | x, t_x, T], expected repeat transactions in (T, T+t] (FHL 2005, eq. 10).

        E[Y(t) | ·] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
        ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive | x, t_x, T)
        """
        r, alpha, a, b = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = self._time(t, len(x))
        p_alive = self._probability_alive_arrays(self.params_.to_numpy(), x, t_x, T_arr)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T_arr + t))
        value = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T_arr) / (alpha + T_arr + t)) ** (r + x) * hyp) * p_alive
        return _output(value, labels, "expected_transactions")

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = n), the probability of n repeat transactions in (0, t] (FHL 2005, eq. 8).

        P(X(t)=n) = B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r (t/(α+t))^n
                    + δ_{n>0} · B(a+1, b+n−1)/B(a, b) · [1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j]
        """
        r, alpha, a, b = self._check_fitted()
        t = self._time(t)
        value = _probability_of_purchases(t, self._count(n), r, alpha, a, b)
        return value if value.ndim else float(value)

    # ----- predictive distribution and survival ----------------------------------------------------
    def _posterior_parameters(self, x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, ...]:
        """(r+x, α+T, a, b+x+k): a customer alive at T has λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x+k)
        (k = 1 for the MBG/NBD, whose first purchase was a survived dropout opportunity too)."""
        r, alpha, a, b = self._check_fitted()
        k = self._first_purchase_dropout
        return r + x, alpha + T, np.full(np.shape(x), a, dtype=float), b + x + k

    def _conditional_probability_of_purchases_arrays(
        self, t: np.ndarray, n: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(Y(t) = n | x, t_x, T) = δ_{n=0}(1 − P(alive)) + P(alive) · P_BG/NBD(X(t) = n | r+x, α+T, a, b+x+k).

        Alive at T, the customer's λ and p have the posterior of
        :meth:`_posterior_parameters` and the future is a new BG/NBD
        customer's (dropout after each purchase), whose PMF is FHL (2005)
        eq. 8 (Fader, Hardie & Lee, "Deriving the conditional PMF of purchases
        under the BG/NBD model", 2007: the same expression written out).
        """
        p_alive = self._probability_alive_arrays(self.params_.to_numpy(), x, t_x, T)
        (xu, Tu, tu), inverse = _distinct_rows(x, T, t)
        r_post, alpha_post, a_post, b_post = (v[:, None] for v in self._posterior_parameters(xu, Tu))
        alive_pmf = _probability_of_purchases(tu[:, None], n[None, :], r_post, alpha_post, a_post, b_post)[inverse]
        return p_alive[:, None] * alive_pmf + (n[None, :] == 0) * (1 - p_alive[:, None])

    def _probability_alive_later(self, t: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive at T+t | x, t_x, T) = P(alive at T | ·) · (α'/(α'+t))^a · ₂F₁(a+b'−r', a; a+b'; t/(α'+t)).

        Alive at T with λ and p, the customer survives the purchases of the
        next t, N ~ Poisson(λt), with probability E[(1−p)^N] = e^{−λpt};
        over λ ~ Gamma(r', α') this is (1 + pt/α')^{−r'}, and over p ~ Beta(a, b')
        Euler's integral gives ₂F₁(r', a; a+b'; −t/α'), here after Pfaff's
        transformation (argument in [0, 1)); (r', α', b') = (r+x, α+T, b+x+k)
        as in :meth:`_posterior_parameters`.
        """
        p_alive = self._probability_alive_arrays(self.params_.to_numpy(), x, t_x, T)
        r_post, alpha_post, a_post, b_post = self._posterior_parameters(x, T)
        z = t / (alpha_post + t)
        survive = (1 - z) ** a_post * hyp2f1(a_post + b_post - r_post, a_post, a_post + b_post, z)
        return p_alive * survive


def _probability_of_purchases(t: Any, n: Any, r: Any, alpha: Any, a: Any, b: Any) -> np.ndarray:
    """BG/NBD P(X(t) = n) (FHL 2005, eq. 8), elementwise over broadcast arrays of t, n and the parameters.

    The sum Σ_{j<n} of NBD probabilities in eq. 8 is the NBD's distribution
    function: 1 − Σ_{j<n} NBD(j) = P(NBD ≥ n) = I_z(n, r), the regularized
    incomplete beta function at z = t/(α+t), computed without cancellation.
    """
    t, n = np.asarray(t, dtype=float), np.asarray(n, dtype=float)
    z = t / (alpha + t)
    log_nbd = gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(alpha / (alpha + t)) + xlogy(n, z)
    first = np.exp(betaln(a, b + n) - betaln(a, b) + log_nbd)
    positive = n > 0
    m = np.where(positive, n, 1.0)
    with np.errstate(invalid="ignore"):
        second = np.exp(betaln(a + 1, b + m - 1) - betaln(a, b)) * betainc(m, r, z)
    return first + np.where(positive, second, 0.0)
