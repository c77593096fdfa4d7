"""The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987).

Assumptions: while alive a customer buys at Poisson rate λ; their unobserved
lifetime is exponential with rate μ; across customers λ ~ Gamma(r, α) and
μ ~ Gamma(s, β), independent. The likelihood of x repeat purchases, the last
at t_x, in (0, T] is (Fader & Hardie 2005, "A note on deriving the Pareto/NBD
model and related expressions", eq. 22)::

    L = Γ(r+x) α^r β^s / Γ(r) · [ 1 / ((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A₀ ]

    A₀ = F(t_x) − F(T), with, for α ≥ β,
        F(y) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+y)) / (α+y)^(r+s+x)
    and, for α < β,
        F(y) = ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+y)) / (β+y)^(r+s+x)

so the hypergeometric argument is always in [0, 1). Both terms are combined
in log space: ln F is ln ₂F₁ − (r+s+x) ln(·), ln A₀ = ln F(t_x) +
log1p(−F(T)/F(t_x)), and the bracket is a log-sum-exp of its two terms, so
frequent customers (large x, where (α+y)^(r+s+x) under- or overflows) keep a
finite likelihood.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from crmlab.clv.btyd import TransactionModel, _output

__all__ = ["ParetoNBD"]


def _log_F(y: np.ndarray, r: float, alpha: float, s: float, beta: float, x: np.ndarray) -> np.ndarray:
    """ln F(y) of the module docstring, for arrays y and x."""
    k = r + s + x
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return np.log(hyp2f1(k, s + 1, k + 1, z)) - k * np.log(alpha + y)
    z = (beta - alpha) / (beta + y)
    return np.log(hyp2f1(k, r + x, k + 1, z)) - k * np.log(beta + y)


class ParetoNBD(TransactionModel):
    """Pareto/NBD: Poisson purchasing with exponential lifetimes (Schmittlein, Morrison & Colombo 1987).

    Parameters (after ``fit``, in ``params_``): ``r``, ``alpha`` (Gamma
    heterogeneity of the purchase rate λ) and ``s``, ``beta`` (Gamma
    heterogeneity of the dropout rate μ; E[μ] = s/β).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> ParetoNBD().fit(summary).params_.round(2).to_dict()
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    param_names = ("r", "alpha", "s", "beta")

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        rate = max((weights @ data["frequency"]) / max(weights @ data["T"], 1e-12), 1e-3)
        mean_T = (weights @ data["T"]) / weights.sum()
        return np.array([1.0, 1.0 / rate, 1.0, mean_T])

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        x_unique, x_index = np.unique(data["frequency"], return_inverse=True)
        return {**data, "x_unique": x_unique, "x_index": x_index}

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        r, alpha, s, beta = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        xu, xi = data.get("x_unique"), data.get("x_index")
        if xu is None:
            xu, xi = np.unique(x, return_inverse=True)
        log_const = (gammaln(r + xu) - gammaln(r))[xi] + r * np.log(alpha) + s * np.log(beta)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_f_tx = _log_F(t_x, r, alpha, s, beta, x)
        log_f_T = _log_F(T, r, alpha, s, beta, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            # A0 = F(t_x) − F(T) ≥ 0, zero when t_x = T
            log_a0 = log_f_tx + np.log1p(-np.exp(np.minimum(log_f_T - log_f_tx, 0.0)))
        second = np.log(s) - np.log(r + s + x) + log_a0
        return log_const + np.logaddexp(first, second)

    # ----- predictions ---------------------------------------------------------------------------
    def expected_transactions(self, t: Any) -> Any:
        """E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)] (SMC 1987; Fader & Hardie 2005 note, eq. 27).

        For s = 1 the limit rβ/α · ln(1 + t/β) is used.
        """
        r, alpha, s, beta = self._check_fitted()
        t = np.asarray(t, dtype=float)
        if abs(s - 1) < 1e-10:
            value = r * beta / alpha * np.log1p(t / beta)
        else:
            value = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
        return value if value.ndim else float(value)

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T) = [Γ(r+x) α^r β^s / Γ(r)] / [(α+T)^(r+x) (β+T)^s · L] (F&H 2005 note, eq. 18)."""
        params = self._check_fitted()
        r, alpha, s, beta = params
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        data = {"frequency": x, "recency": t_x, "T": T_arr}
        log_alive_part = (
            gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            - (r + x) * np.log(alpha + T_arr) - s * np.log(beta + T_arr)
        )
        value = np.exp(log_alive_part - self._log_likelihood_rows(params, data))
        return _output(np.minimum(value, 1.0), labels, "probability_alive")

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive)
        (F&H 2005 note, eq. 41); for s = 1 the bracket's limit (s−1)·ln(1 + t/(β+T))."""
        r, alpha, s, beta = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        p_alive = np.asarray(self.probability_alive(x, t_x, T_arr))
        if abs(s - 1) < 1e-10:
            rate = (r + x) / (alpha + T_arr) * (beta + T_arr) * np.log1p(t / (beta + T_arr))
        else:
            rate = (r + x) * (beta + T_arr) / ((alpha + T_arr) * (s - 1)) * (1 - ((beta + T_arr) / (beta + T_arr + t)) ** (s - 1))
        return _output(rate * p_alive, labels, "expected_transactions")

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = n) for a new customer (Fader & Hardie 2006, "Deriving an expression for
        P(X(t) = x) under the Pareto/NBD model", eq. 21).

        P(X(t)=n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
                    + α^r β^s B(r+n, s+1)/B(r, s) · [B₁ − Σ_{i=0..n} Γ(r+s+i)/(Γ(r+s) i!) t^i B₂,i]

        with B₁ and B₂,i the ₂F₁ terms of the paper, evaluated with the same
        α ≥ β / α < β case split as the likelihood.
        """
        r, alpha, s, beta = self._check_fitted()
        scalar = np.ndim(t) == 0
        t = np.atleast_1d(np.asarray(t, dtype=float))
        n = int(n)
        log_first = (
            gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(alpha / (alpha + t))
            + n * np.log(np.where(t > 0, t, 1.0) / (alpha + t)) + s * np.log(beta / (beta + t))
        )
        first = np.where((t > 0) | (n == 0), np.exp(log_first), 0.0)
        big, small = (alpha, beta) if alpha >= beta else (beta, alpha)
        b = s + 1 if alpha >= beta else r + n

        def log_B(k: float, y: np.ndarray) -> np.ndarray:
            # ln[₂F₁(r+s+k, b; r+s+n+1; (big−small)/(big+y)) / (big+y)^(r+s+k)]
            return np.log(hyp2f1(r + s + k, b, r + s + n + 1, (big - small) / (big + y))) - (r + s + k) * np.log(big + y)

        log_coef = r * np.log(alpha) + s * np.log(beta) + betaln(r + n, s + 1) - betaln(r, s)
        log_t = np.log(np.where(t > 0, t, 1.0))
        terms = np.stack(
            [
                np.where(
                    (t > 0) | (i == 0),
                    np.exp(log_coef + gammaln(r + s + i) - gammaln(r + s) - gammaln(i + 1) + i * log_t + log_B(float(i), t)),
                    0.0,
                )
                for i in range(n + 1)
            ]
        )
        # B1 − Σ_i (...) ≥ 0; it is a small difference for large n, so clip rounding below 0
        second = np.maximum(np.exp(log_coef + log_B(0.0, np.zeros_like(t))) - terms.sum(axis=0), 0.0)
        value = first + second
        return float(value[0]) if scalar else value
