"""The MBG/NBD model of Batislam, Denizel & Filiztekin (2007).

The BG/NBD lets a customer drop out only after a *repeat* purchase, so every
customer without one is certainly alive — which makes it over-optimistic about
one-time buyers. The MBG/NBD adds a dropout opportunity right after the first
purchase too (with the same probability p). With λ ~ Gamma(r, α) and
p ~ Beta(a, b), the likelihood of (x, t_x, T) is::

    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r)
        · [ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ]      (all x ≥ 0)

(the customer survived the x+1 dropout opportunities and is alive at T, or
dropped out right after the purchase at t_x). It is computed in log space like
:class:`~crmlab.clv.BetaGeo`. Because a customer survives the first purchase
with probability 1 − p, and E_p[(1−p)·g(p)] = b/(a+b) · E_{Beta(a, b+1)}[g(p)],
the unconditional predictions are those of a BG/NBD with b + 1, scaled by
b/(a+b); conditional ones use the posterior Beta(a, b+x+1) of p.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.btyd import _output

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD: the BG/NBD with a dropout opportunity after the first purchase too (Batislam et al. 2007).

    Parameters (after ``fit``, in ``params_``): ``r``, ``alpha`` (purchase
    rate λ ~ Gamma(r, α)) and ``a``, ``b`` (dropout probability p ~ Beta(a, b)).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> model = ModifiedBetaGeo().fit(summary)
    >>> model.params_.round(3).to_dict()
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    """

    def _parts(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        xu, xi = data.get("x_unique"), data.get("x_index")
        if xu is None:
            xu, xi = np.unique(x, return_inverse=True)
        log_aT = np.log(alpha + T)
        log_at = np.log(alpha + t_x)
        rx = r + x
        L = np.log(a) - np.log(b + x) + rx * (log_aT - log_at)
        per_x = gammaln(r + xu) - gammaln(r) + betaln(a, b + xu + 1) - betaln(a, b)
        ll = per_x[xi] + r * np.log(alpha) - rx * log_aT + np.logaddexp(0.0, L)
        return {"ll": ll, "L": L, "log_aT": log_aT, "log_at": log_at, "rx": rx, "xu": xu, "xi": xi}

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, a, b = params
        P = self._parts(params, data)
        x, T, t_x = data["frequency"], data["T"], data["recency"]
        xu, xi = P["xu"], P["xi"]
        s = expit(P["L"])  # posterior weight of "dropped out right after the last purchase"
        d_r = (digamma(r + xu) - digamma(r))[xi] + np.log(alpha) - P["log_aT"] + s * (P["log_aT"] - P["log_at"])
        d_alpha = r / alpha - P["rx"] / (alpha + T) + s * P["rx"] * (1 / (alpha + T) - 1 / (alpha + t_x))
        psi_ab = digamma(a + b)
        d_a = (psi_ab - digamma(a + b + xu + 1))[xi] + s / a
        d_b = (digamma(b + xu + 1) - digamma(a + b + xu + 1) - digamma(b) + psi_ab)[xi] - s / (b + x)
        return P["ll"], np.vstack([d_r, d_alpha, d_a, d_b])

    def _shifted(self) -> BetaGeo:
        """The BG/NBD with b + 1, whose predictions times b/(a+b) are this model's unconditional ones."""
        r, alpha, a, b = self._check_fitted()
        bg = BetaGeo()
        bg.params_ = pd.Series([r, alpha, a, b + 1], index=list(self.param_names))
        return bg

    def expected_transactions(self, t: Any) -> Any:
        """E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b+1; a+b; t/(α+t))] (Batislam et al. 2007)."""
        r, alpha, a, b = self._check_fitted()
        t = np.asarray(t, dtype=float)
        value = b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
        return value if value.ndim else float(value)

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[Y(t) | x, t_x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
        ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive | x, t_x, T)."""
        r, alpha, a, b = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        p_alive = np.asarray(self.probability_alive(x, t_x, T_arr))
        hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T_arr + t))
        value = (a + b + x) / (a - 1) * (1 - ((alpha + T_arr) / (alpha + T_arr + t)) ** (r + x) * hyp) * p_alive
        return _output(value, labels, "expected_transactions")

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)), for every x (also x = 0)."""
        params = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        L = self._parts(params, {"frequency": x, "recency": t_x, "T": T_arr})["L"]
        return _output(expit(-L), labels, "probability_alive")

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = n) = δ_{n=0} · a/(a+b) + b/(a+b) · P_BG/NBD(X(t) = n; r, α, a, b+1)."""
        r, alpha, a, b = self._check_fitted()
        value = b / (a + b) * np.asarray(self._shifted().probability_of_purchases(t, n))
        if int(n) == 0:
            value = value + a / (a + b)
        return value if np.ndim(value) else float(value)
