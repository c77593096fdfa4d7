"""The MBG/NBD model of Batislam, Denizel & Filiztekin (2007).

The BG/NBD (Fader, Hardie & Lee 2005) lets a customer drop out only right
after a *repeat* purchase, so a customer without repeat purchases is certainly
alive — over-optimistic about one-time buyers. The MBG/NBD adds a dropout
opportunity right after the first purchase, with the same probability p.
Assumptions: while alive, purchases at Poisson rate λ; after the first and
after every repeat purchase the customer drops out for good with probability
p; across customers λ ~ Gamma(r, α) (shape, rate) and p ~ Beta(a, b),
independent. A customer with x repeat purchases, the last at t_x, observed
over (0, T], survived x + 1 dropout opportunities and is alive at T, or
survived x and dropped out right after the purchase at t_x (for x = 0: right
after the first purchase)::

    L(λ, p) = (1−p)^(x+1) λ^x e^{−λT} + p (1−p)^x λ^x e^{−λ t_x}

    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ]

for every x ≥ 0 (Batislam et al. 2007; the BG/NBD has B(a, b+x),
a/(b+x−1) and the second term only for x > 0). It is computed in log space as
for :class:`~crmlab.clv.BetaGeo`: with L = ln a − ln(b+x) + (r+x)(ln(α+T) −
ln(α+t_x)) the bracket is (α+T)^−(r+x) (1 + e^L), and ln(1 + e^L) =
logaddexp(0, L); the analytic gradient follows.

Predictions. A customer survives the first purchase with probability 1 − p
and then behaves as a BG/NBD customer with the same p, and E[(1−p) g(p)] =
b/(a+b) · E[g(p)] under p ~ Beta(a, b+1). So the unconditional predictions are
b/(a+b) times those of a BG/NBD with parameters (r, α, a, b+1), plus the
probability a/(a+b) of "no repeat purchase ever" in P(X(t) = 0). Given a
history (x, t_x, T) and alive at T, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x+1),
and the future is a BG/NBD one (dropout after each future purchase), which
gives the conditional expectation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, hyp2f1

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.btyd import _output

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD: the BG/NBD with a dropout opportunity right after the first purchase too (Batislam et al. 2007).

    Parameters (after ``fit``, in ``params_``): ``r``, ``alpha`` (purchase
    rate λ ~ Gamma(r, α), E[λ] = r/α per time unit) and ``a``, ``b`` (dropout
    probability p ~ Beta(a, b), E[p] = a/(a+b)).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> model = ModifiedBetaGeo().fit(summary)
    >>> model.params_.round(3).to_dict()
    {'r': 0.525, 'alpha': 6.183, 'a': 0.891, 'b': 1.614}
    >>> round(model.log_likelihood_, 2)
    -9582.14
    """

    # the likelihood, its gradient, _initial_params and _prepare are BetaGeo's with the first
    # purchase as a dropout opportunity: B(a, b+x+1) and a/(b+x) for every x
    _first_purchase_dropout = 1

    # ----- predictions ---------------------------------------------------------------------------
    def _shifted(self) -> BetaGeo:
        """The BG/NBD with parameters (r, α, a, b+1): b/(a+b) times its predictions are this model's."""
        r, alpha, a, b = self._check_fitted()
        bg = BetaGeo()
        bg.params_ = pd.Series([r, alpha, a, b + 1], index=list(self.param_names))
        return bg

    def expected_transactions(self, t: Any) -> Any:
        """E[X(t)], expected repeat transactions in (0, t] of a new customer (Batislam et al. 2007).

        E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b+1; a+b; t/(α+t))],

        b/(a+b) times the BG/NBD's (a+b'−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b'; a+b'−1; t/(α+t))]
        with b' = b+1 (the BG/NBD expectation of FHL 2005).
        """
        r, alpha, a, b = self._check_fitted()
        t = self._time(t)
        value = b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
        return value if value.ndim else float(value)

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)), for every x, also x = 0
        (the first term of the likelihood over the whole; Batislam et al. 2007)."""
        params = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        L = self._parts(params, {"frequency": x, "recency": t_x, "T": T_arr})["L"]
        return _output(expit(-L), labels, "probability_alive")

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[Y(t) | x, t_x, T], expected repeat transactions in (T, T+t] (Batislam et al. 2007).

        E[Y(t) | ·] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
                      · P(alive | x, t_x, T),

        the BG/NBD's E[X(t)] with the posterior parameters (r+x, α+T, a, b+x+1), times P(alive).
        """
        r, alpha, a, b = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = self._time(t, len(x))
        p_alive = np.asarray(self.probability_alive(x, t_x, T_arr))
        hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T_arr + t))
        value = (a + b + x) / (a - 1) * (1 - ((alpha + T_arr) / (alpha + T_arr + t)) ** (r + x) * hyp) * p_alive
        return _output(value, labels, "expected_transactions")

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = n), the probability of n repeat transactions in (0, t] of a new customer.

        P(X(t)=n) = δ_{n=0} · a/(a+b) + b/(a+b) · P_BG/NBD(X(t)=n; r, α, a, b+1)

        (dropout at the first purchase, with E[p] = a/(a+b), leaves no repeat purchase;
        otherwise the BG/NBD with p ~ Beta(a, b+1), whose P(X(t) = n) is that of FHL 2005).
        """
        r, alpha, a, b = self._check_fitted()
        t, n = self._time(t), self._count(n)
        # clipped at 0: for large n the BG/NBD term is a difference that can round to −1e-20 or so
        value = b / (a + b) * np.maximum(np.asarray(self._shifted().probability_of_purchases(t, n)), 0.0)
        if n == 0:
            value = value + a / (a + b)
        return value if np.ndim(value) else float(value)
