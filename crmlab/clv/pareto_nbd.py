"""The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987).

Assumptions: while alive a customer buys at Poisson rate λ; their unobserved
lifetime is exponential with rate μ; across customers λ ~ Gamma(r, α) and
μ ~ Gamma(s, β) (shape, rate), independent. A customer with x repeat
purchases, the last at t_x, observed over (0, T], has the individual likelihood

    L(λ, μ) = λ^x e^{−(λ+μ)T} + λ^x μ ∫_{t_x}^{T} e^{−(λ+μ)τ} dτ

(alive at T, or died at some τ in (t_x, T]). Mixing over λ and μ inside the
integral gives (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model
and related expressions", section 3, where the integral is written with
Gaussian hypergeometric functions A₁ − A₂)::

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s · (Φ(t_x) − Φ(T)) ]

    Φ(y) = ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ.

How Φ is computed. Substituting z = (α−β)/(α+τ) turns Φ into an incomplete
beta function, the note's ₂F₁(r+s+x, s+1; r+s+x+1; z)/(r+s+x) term (α ≥ β;
for α < β the two rates swap roles, so that 0 ≤ z < 1). Euler's
transformation ₂F₁(a, b; c; z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z) then moves
the large powers out of the hypergeometric function::

    α ≥ β:  Φ(y) = (α+y)^−(r+x) (β+y)^−s       · ₂F₁(1, r+x; r+s+x+1; (α−β)/(α+y)) / (r+s+x)
    α < β:  Φ(y) = (α+y)^−(r+x−1) (β+y)^−(s+1) · ₂F₁(1, s+1; r+s+x+1; (β−α)/(β+y)) / (r+s+x)

The remaining ₂F₁(1, b; c; z) with c > b has moderate size for every x (it
neither over- nor underflows for frequent buyers), so ln Φ is a sum of
logarithms. The likelihood is assembled in log space: ln(Φ(t_x) − Φ(T)) =
ln Φ(t_x) + log1p(−Φ(T)/Φ(t_x)), and the bracket is a log-sum-exp of its two terms.

Gradient. All but the ₂F₁ is differentiated in closed form. For ₂F₁(1, b; c; z)
and the derivatives of its logarithm in b, c and z, the series Σ (b)_n/(c)_n z^n
is summed with its term-wise derivatives where z ≤ 1/4 (each term is less than z
times the previous one; 30-odd terms give full double precision); elsewhere the
value comes from :func:`scipy.special.hyp2f1`, the z-derivative from
(b/c)·₂F₁(2, b+1; c+1; z) and the b- and c-derivatives, which have no closed
form, from central differences of hyp2f1 (relative error about 1e-10). ₂F₁ is
evaluated once per distinct (x, t_x) and (x, T), not per customer. Where
hyp2f1 fails (NaN: buyers with x in the hundreds or more when α ≫ β), Φ and its
gradient are integrated numerically instead (scipy.integrate.quad_vec).

Large data. From :data:`COMPILED_MIN_ROWS` distinct rows on, a fit sums the
log-likelihood and its gradient in one compiled pass over the rows instead
(:mod:`crmlab.clv.compiled_likelihoods`: the same formulas, ₂F₁ by the series
for z ≤ 1/4 and Gauss's continued fraction above, in threads), and
:meth:`ParetoNBD.probability_alive` computes row by row the same way; rows
whose continued fraction does not converge come back to the functions of this
module. Below the threshold, everything is as described above.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crmlab import lazy_module
from crmlab.clv.btyd import TransactionModel, _distinct_rows, _output

integrate = lazy_module("scipy.integrate")  # imported at the first integral, not with the model

__all__ = ["ParetoNBD"]

#: Relative step of the central differences of ₂F₁ in its parameters.
_STEP = 1e-5
#: ₂F₁(1, b; c; z) and its derivatives are summed as a series for z up to this (≤ ~35 terms).
_SERIES_MAX_Z = 0.25
#: At most this many points of a gradient evaluation fall back to numerical integration.
_MAX_QUADRATURE_WHILE_FITTING = 20
#: Distinct (x, t_x, T) rows from which fits use the compiled likelihood: below, loading the kernels
#: (about 0.3 s a process once compiled) costs more than it saves (benchmarks/clv_fit.py).
COMPILED_MIN_ROWS = 20_000


def _hyp_series(b: np.ndarray, c: np.ndarray, z: np.ndarray, n_terms: int) -> tuple[np.ndarray, ...]:
    """₂F₁(1, b; c; z) and the derivatives of its logarithm in b, c and z, from the series.

    The terms are t_n = (b)_n/(c)_n z^n, with ∂t_n/∂b = t_n Σ_{j<n} 1/(b+j),
    ∂t_n/∂c = −t_n Σ_{j<n} 1/(c+j) and ∂t_n/∂z = n t_n/z.
    """
    h = np.ones_like(z)
    t, h_b, h_c, h_z = h.copy(), np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
    s_b, s_c = np.zeros_like(z), np.zeros_like(z)
    for n in range(n_terms):
        inv_c = 1.0 / (c + n)
        s_b += 1.0 / (b + n)
        s_c += inv_c
        u = t * (b + n) * inv_c  # t_{n+1} / z
        t = u * z
        h += t
        h_b += t * s_b
        h_c -= t * s_c
        h_z += (n + 1) * u
    return h, h_b / h, h_c / h, h_z / h


def _hyp_differences(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
    """As :func:`_hyp_series`, from scipy's hyp2f1: central differences in b and c, closed form in z."""
    h = hyp2f1(1.0, b, c, z)
    step_b, step_c = _STEP * b, _STEP * c
    d_b = (hyp2f1(1.0, b + step_b, c, z) - hyp2f1(1.0, b - step_b, c, z)) / (2 * step_b * h)
    d_c = (hyp2f1(1.0, b, c + step_c, z) - hyp2f1(1.0, b, c - step_c, z)) / (2 * step_c * h)
    d_z = b / c * hyp2f1(2.0, b + 1, c + 1, z) / h
    return h, d_b, d_c, d_z


def _hyp_and_log_derivatives(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, ...]:
    """₂F₁(1, b; c; z) for c > b > 0 and 0 ≤ z < 1, and the derivatives of its logarithm in b, c and z.

    From the series where it converges fast (z ≤ 1/4), else from hyp2f1 (:func:`_hyp_differences`).
    """
    fast = z <= _SERIES_MAX_Z
    if not fast.any():
        return _hyp_differences(b, c, z)
    z_max = float(z[fast].max())
    # the remainders of the series and of its b-derivative (terms up to (1/b + n) t_n) below 1e-17
    tol = 1e-17 / (1.0 + 1.0 / float(b[fast].min()))
    n_terms = 1 if z_max == 0 else int(np.ceil(np.log(tol * (1 - z_max)) / np.log(z_max))) + 2
    if fast.all():
        return _hyp_series(b, c, z, n_terms)
    out = [np.empty_like(z) for _ in range(4)]
    for o, v in zip(out, _hyp_series(b[fast], c[fast], z[fast], n_terms), strict=True):
        o[fast] = v
    slow = ~fast
    for o, v in zip(out, _hyp_differences(b[slow], c[slow], z[slow]), strict=True):
        o[slow] = v
    return tuple(out)


def _log_phi_by_quadrature(params: np.ndarray, x: float, y: float) -> tuple[float, np.ndarray]:
    """ln Φ(y) and its gradient by numerical integration (the fallback where hyp2f1 fails).

    In u = ln((α+τ)/(α+y)) ∈ [0, ∞), with L(u) = ln((β+τ)/(β+y)),
    Φ(y) = (α+y)^−(r+x−1) (β+y)^−(s+1) ∫ e^{−(r+x−1)u − (s+1)L(u)} du, and the gradient of
    ln Φ in (r, α, s, β) is −(E ln(α+τ), (r+x) E 1/(α+τ), E ln(β+τ), (s+1) E 1/(β+τ)) under
    the density ∝ (α+τ)^−(r+x) (β+τ)^−(s+1) on (y, ∞).
    """
    r, alpha, s, beta = params
    a, b = alpha + y, beta + y

    def integrand(u: float) -> np.ndarray:
        log_ratio = u + np.log(a / b) + np.log1p((b - a) / a * np.exp(-u))  # L(u), for every u ≥ 0
        w = np.exp(-(r + x - 1) * u - (s + 1) * log_ratio)
        return w * np.array([1.0, u, np.exp(-u), log_ratio, np.exp(-log_ratio)])

    moments, _ = integrate.quad_vec(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-12)
    mean = moments[1:] / moments[0]
    value = -(r + x - 1) * np.log(a) - (s + 1) * np.log(b) + np.log(moments[0])
    grad = -np.array([np.log(a) + mean[0], (r + x) * mean[1] / a, np.log(b) + mean[2], (s + 1) * mean[3] / b])
    return float(value), grad


def _log_phi(
    params: np.ndarray, x: np.ndarray, y: np.ndarray, *, grad: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """ln Φ(y) of the module docstring for arrays x and y, and optionally its gradient (4, n)."""
    r, alpha, s, beta = params
    k = r + s + x
    log_ay, log_by = np.log(alpha + y), np.log(beta + y)
    if alpha >= beta:
        b, z = r + x, (alpha - beta) / (alpha + y)
        log_phi_pow = -(r + x) * log_ay - s * log_by
    else:
        b, z = np.full_like(x, s + 1.0), (beta - alpha) / (beta + y)
        log_phi_pow = -(r + x - 1) * log_ay - (s + 1) * log_by
    c = k + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        if not grad:
            value = log_phi_pow + np.log(hyp2f1(1.0, b, c, z)) - np.log(k)
            gradient = None
        else:
            h, d_b, d_c, d_z = _hyp_and_log_derivatives(b, c, z)
            value = log_phi_pow + np.log(h) - np.log(k)
            if alpha >= beta:
                d_r = -log_ay + d_b + d_c - 1 / k
                d_s = -log_by + d_c - 1 / k
                d_alpha = -(r + x) / (alpha + y) + d_z * (beta + y) / (alpha + y) ** 2
                d_beta = -s / (beta + y) - d_z / (alpha + y)
            else:
                d_r = -log_ay + d_c - 1 / k
                d_s = -log_by + d_b + d_c - 1 / k
                d_alpha = -(r + x - 1) / (alpha + y) - d_z / (beta + y)
                d_beta = -(s + 1) / (beta + y) + d_z * (alpha + y) / (beta + y) ** 2
            gradient = np.vstack([d_r, d_alpha, d_s, d_beta])
    # hyp2f1 returns NaN for some very frequent buyers with z near 1 (α ≫ β): integrate there. While
    # fitting (grad=True) only a few points, at ~10 ms each; beyond that the likelihood stays NaN, which
    # the optimiser treats as a step too far (such α ≫ β are far from the maximum for frequent buyers).
    finite = np.isfinite(value) if gradient is None else np.isfinite(value) & np.isfinite(gradient).all(axis=0)
    failed = np.flatnonzero(~finite)
    if gradient is not None and len(failed) > _MAX_QUADRATURE_WHILE_FITTING:
        return value, gradient
    for j in failed:
        value[j], g = _log_phi_by_quadrature(params, float(x[j]), float(y[j]))
        if gradient is not None:
            gradient[:, j] = g
    return value, gradient


def _structure(data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Distinct x values and distinct (x, y) points at which Φ is needed, with the rows' indices."""
    x, t_x, T = data["frequency"], data["recency"], data["T"]
    x_unique, x_index = np.unique(x, return_inverse=True)
    n = len(x)
    # (x, y) pairs as complex numbers: np.unique sorts and compares them exactly, and fast
    points, inverse = np.unique(np.concatenate([x + 1j * t_x, x + 1j * T]), return_inverse=True)
    inverse = inverse.reshape(-1)
    return {
        "x_unique": x_unique,
        "x_index": x_index.reshape(-1),
        "point_x": points.real.copy(),
        "point_y": points.imag.copy(),
        "index_tx": inverse[:n],
        "index_T": inverse[n:],
    }


class ParetoNBD(TransactionModel):
    """Pareto/NBD: Poisson purchasing with exponential lifetimes (Schmittlein, Morrison & Colombo 1987).

    Parameters (after ``fit``, in ``params_``): ``r``, ``alpha`` (purchase
    rate λ ~ Gamma(r, α), E[λ] = r/α per time unit) and ``s``, ``beta``
    (dropout rate μ ~ Gamma(s, β), E[μ] = s/β).

    Examples
    --------
    >>> from crmlab.data import load_cdnow, CDNOW_CONVENTIONS
    >>> from crmlab.customers import transaction_summary
    >>> summary = transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)  # the papers' calibration summary
    >>> model = ParetoNBD().fit(summary)
    >>> model.params_.round(3).to_dict()  # Fader, Hardie & Lee (2005b): 0.553, 10.58, 0.606, 11.67
    {'r': 0.553, 'alpha': 10.578, 's': 0.606, 'beta': 11.669}
    >>> round(model.log_likelihood_, 1)
    -9595.0
    """

    param_names = ("r", "alpha", "s", "beta")

    def _initial_params(self, data: Mapping[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        # shapes r = s = 0.5 (much heterogeneity, as in published fits); E[λ] = r/α at the
        # observed repeat purchase rate Σx/ΣT and E[μ] = s/β at 1/(mean T)
        rate = max((weights @ data["frequency"]) / max(weights @ data["T"], 1e-12), 1e-3)
        mean_T = (weights @ data["T"]) / weights.sum()
        return np.array([0.5, 0.5 / rate, 0.5, 0.5 * mean_T])

    #: Distinct rows from which a fit uses the compiled likelihood (:mod:`crmlab.clv.compiled_likelihoods`);
    #: below, the NumPy/SciPy one of this module. Set it on a model to choose (0: always compiled).
    compiled_min_rows: int = COMPILED_MIN_ROWS

    def _compiled(self, weights: np.ndarray) -> bool:
        return len(weights) >= self.compiled_min_rows

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._compiled(data["frequency"]):
            return data  # the compiled pass needs no distinct points (predictions compute them if asked)
        return {**data, **_structure(data)}

    def _log_likelihood_gradient_total(
        self, params: np.ndarray, data: Mapping[str, np.ndarray], weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Σ w·ℓ and Σ w·∇ℓ: one compiled pass over the rows on large data, with the rows it leaves out
        (a ₂F₁ that its continued fraction cannot sum) computed by :meth:`_parts`; else from :meth:`_parts`."""
        if not self._compiled(weights):
            parts = self._parts(params, data, grad=True)
            return weights @ parts["ll"], parts["grad"] @ weights
        from crmlab.clv.compiled_likelihoods import pareto_nbd_totals

        ll, grad, left_out = pareto_nbd_totals(params, data, weights)
        if len(left_out):
            rest = self._parts(params, {k: np.asarray(data[k])[left_out] for k in ("frequency", "recency", "T")}, grad=True)
            ll += weights[left_out] @ rest["ll"]
            grad = grad + rest["grad"] @ weights[left_out]
        return ll, grad

    def _parts(self, params: np.ndarray, data: Mapping[str, np.ndarray], *, grad: bool = False) -> dict[str, Any]:
        r, alpha, s, beta = params
        S = data if "point_x" in data else {**data, **_structure(data)}
        x, T = S["frequency"], S["T"]
        xu, xi = S["x_unique"], S["x_index"]
        log_phi, d_phi = _log_phi(params, S["point_x"], S["point_y"], grad=grad)
        lp_tx, lp_T = log_phi[S["index_tx"]], log_phi[S["index_T"]]
        ratio = np.exp(np.minimum(lp_T - lp_tx, 0.0))  # Φ(T)/Φ(t_x) ∈ (0, 1]; 1 when t_x = T
        with np.errstate(divide="ignore"):
            log_a0 = lp_tx + np.log1p(-ratio)
        log_aT, log_bT = np.log(alpha + T), np.log(beta + T)
        alive = -(r + x) * log_aT - s * log_bT  # ln of (α+T)^−(r+x) (β+T)^−s
        dead = np.log(s) + log_a0  # ln of s·(Φ(t_x) − Φ(T)); −inf when t_x = T
        log_const = (gammaln(r + xu) - gammaln(r))[xi] + r * np.log(alpha) + s * np.log(beta)
        out: dict[str, Any] = {"ll": log_const + np.logaddexp(alive, dead), "alive": alive, "dead": dead}
        if grad:
            assert d_phi is not None
            w_dead = expit(dead - alive)
            has_dead = ratio < 1
            with np.errstate(divide="ignore", invalid="ignore"):
                # d ln(Φ(t_x) − Φ(T)) = (dlnΦ(t_x) − q·dlnΦ(T)) / (1 − q), q = Φ(T)/Φ(t_x)
                d_a0 = (d_phi[:, S["index_tx"]] - ratio * d_phi[:, S["index_T"]]) / (1 - ratio)
            d_a0 = np.where(has_dead, d_a0, 0.0)
            d_alive = np.vstack([-log_aT, -(r + x) / (alpha + T), -log_bT, -s / (beta + T)])
            d_dead = d_a0 + np.array([0.0, 0.0, 1.0 / s, 0.0])[:, None]
            d_const = np.vstack(
                [
                    (digamma(r + xu) - digamma(r))[xi] + np.log(alpha),
                    np.full_like(x, r / alpha),
                    np.full_like(x, np.log(beta)),
                    np.full_like(x, s / beta),
                ]
            )
            out["grad"] = d_const + (1 - w_dead) * d_alive + w_dead * d_dead
        return out

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        return self._parts(params, data)["ll"]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        parts = self._parts(params, data, grad=True)
        return parts["ll"], parts["grad"]

    # ----- predictions ---------------------------------------------------------------------------
    def expected_transactions(self, t: Any) -> Any:
        """E[X(t)], expected repeat transactions in (0, t] of a new customer (SMC 1987; F&H 2005 note, section 4).

        E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)], and rβ/α · ln(1 + t/β) for s = 1.
        """
        r, alpha, s, beta = self._check_fitted()
        t = self._time(t)
        value = r * beta / alpha * _power_difference(s - 1, np.log1p(t / beta))
        return value if value.ndim else float(value)

    def probability_alive(self, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T), the first term of the likelihood's bracket over the whole
        (F&H 2005 note, section 5), computed in log space:

        P(alive) = (α+T)^−(r+x) (β+T)^−s / [ (α+T)^−(r+x) (β+T)^−s + s (Φ(t_x) − Φ(T)) ]
        """
        params = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        return _output(self._probability_alive_arrays(params, x, t_x, T_arr), labels, "probability_alive")

    def _probability_alive_arrays(self, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive) of checked arrays: compiled, row by row, from ``compiled_min_rows`` rows (with the rows whose
        ₂F₁ the continued fraction cannot sum from :meth:`_parts`), else from :meth:`_parts` (distinct points)."""
        if len(x) < self.compiled_min_rows:
            parts = self._parts(params, {"frequency": x, "recency": t_x, "T": T})
            return expit(parts["alive"] - parts["dead"])
        from crmlab.clv.compiled_likelihoods import pareto_nbd_log_odds_alive

        log_odds = pareto_nbd_log_odds_alive(params, x, t_x, T)
        failed = np.flatnonzero(np.isnan(log_odds))
        if len(failed):
            parts = self._parts(params, {"frequency": x[failed], "recency": t_x[failed], "T": T[failed]})
            log_odds[failed] = parts["alive"] - parts["dead"]
        return expit(log_odds, out=log_odds)

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[Y(t) | x, t_x, T], expected repeat transactions in (T, T+t] (F&H 2005 note, section 6).

        E[Y(t) | ·] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive | x, t_x, T)

        (given alive at T, λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T)); for
        s = 1 the bracket over s−1 is its limit ln(1 + t/(β+T)).
        """
        r, alpha, s, beta = self._check_fitted()
        x, t_x, T_arr, labels = self._rft(frequency, recency, T)
        t = self._time(t, len(x))
        p_alive = self._probability_alive_arrays(self.params_.to_numpy(), x, t_x, T_arr)
        rate = (r + x) * (beta + T_arr) / (alpha + T_arr) * _power_difference(s - 1, np.log1p(t / (beta + T_arr)))
        return _output(rate * p_alive, labels, "expected_transactions")

    def probability_of_purchases(self, t: Any, n: Any) -> Any:
        """P(X(t) = n), the probability of n repeat transactions in (0, t] of a new customer
        (Fader & Hardie 2006, "Deriving an expression for P(X(t) = x) under the Pareto/NBD model", section 4).

        P(X(t)=n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
                    + α^r β^s B(r+n, s+1)/B(r, s) · [B₁ − Σ_{i=0..n} Γ(r+s+i)/(Γ(r+s) i!) t^i B₂,ᵢ]

        with, for α ≥ β, B₁ = ₂F₁(r+s, s+1; r+s+n+1; (α−β)/α) / α^(r+s) and
        B₂,ᵢ = ₂F₁(r+s+i, s+1; r+s+n+1; (α−β)/(α+t)) / (α+t)^(r+s+i), and for
        α < β the same with β in place of α and r+n in place of s+1 (evaluated
        after Euler's transformation, so that large n does not overflow). The
        first term is "alive at t with n purchases", the second "dead before t
        after n purchases"; the bracket, a difference, is clipped at 0 against
        rounding. Where hyp2f1 fails (n in the hundreds with very unequal α and β)
        the second term is integrated numerically over the time of death instead.
        """
        params = self._check_fitted()
        t, n = self._time(t), self._count(n)
        value = _probability_of_purchases(np.atleast_1d(t), n, *params, alpha_at_least_beta=params[1] >= params[3])
        return float(value[0]) if t.ndim == 0 else value

    # ----- predictive distribution and survival ----------------------------------------------------
    def _conditional_probability_of_purchases_arrays(
        self, t: np.ndarray, n: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(Y(t) = n | x, t_x, T) = δ_{n=0}(1 − P(alive)) + P(alive) · P_Pareto/NBD(X(t) = n | r+x, α+T, s, β+T).

        Alive at T, a customer's λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T)
        (F&H 2005 note, section 6), and the exponential lifetime is memoryless,
        so the future is a new Pareto/NBD customer's with those parameters,
        whose PMF is that of :meth:`probability_of_purchases` (Fader & Hardie
        2006, section 4; their conditional-PMF note writes the same out).
        """
        r, alpha, s, beta = params = self._check_fitted()
        p_alive = self._probability_alive_arrays(params, x, t_x, T)
        (xu, Tu, tu), inverse = _distinct_rows(x, T, t)
        alive_pmf = np.column_stack([
            _probability_of_purchases(tu, int(k), r + xu, alpha + Tu, s, beta + Tu, alpha_at_least_beta=alpha >= beta)
            for k in n
        ])[inverse]
        return p_alive[:, None] * alive_pmf + (n[None, :] == 0) * (1 - p_alive[:, None])

    def _probability_alive_later(self, t: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive at T+t | x, t_x, T) = P(alive at T | ·) · ((β+T)/(β+T+t))^s.

        Alive at T, μ ~ Gamma(s, β+T) and the remaining lifetime is
        exponential (memoryless), so it lasts beyond t with probability
        E[e^{−μt}] = ((β+T)/(β+T+t))^s whatever the customer buys (purchases
        carry no information on μ in this model). The expected number alive at
        T + t is therefore Σ_i P(alive at T_i) · ((β+T_i)/(β+T_i+t))^s.
        """
        params = self._check_fitted()
        s, beta = params[2], params[3]
        return self._probability_alive_arrays(params, x, t_x, T) * np.exp(-s * np.log1p(t / (beta + T)))


def _probability_of_purchases(
    t: np.ndarray, n: int, r: Any, alpha: Any, s: Any, beta: Any, *, alpha_at_least_beta: bool
) -> np.ndarray:
    """Pareto/NBD P(X(t) = n) of :meth:`ParetoNBD.probability_of_purchases` for a 1-D array t, with the
    parameters numbers or arrays like t (e.g. one customer's posterior each); ``alpha_at_least_beta``
    chooses the form of B₁, B₂ (α − β has one sign over the arrays: posteriors add T to both)."""
    positive = t > 0
    log_t = np.log(np.where(positive, t, 1.0))
    log_alive = (
        gammaln(r + n) - gammaln(r) - gammaln(n + 1)
        + r * np.log(alpha / (alpha + t)) + n * (log_t - np.log(alpha + t)) + s * np.log(beta / (beta + t))
    )
    alive = np.where(positive | (n == 0), np.exp(log_alive), 0.0)
    c = r + s + n + 1

    def log_B(i: np.ndarray, y: np.ndarray) -> np.ndarray:
        if alpha_at_least_beta:
            hyp = hyp2f1(r + s + i, s + 1, c, (alpha - beta) / (alpha + y))
            return np.log(hyp) - (r + s + i) * np.log(alpha + y)
        # Euler's transformation: the ₂F₁(r+s+i, r+n; c; z) of the paper grows like (1−z)^(1−r−i)
        log_1mz = np.log(alpha + y) - np.log(beta + y)
        hyp = hyp2f1(n - i + 1, s + 1, c, (beta - alpha) / (beta + y))
        return (1 - r - i) * log_1mz + np.log(hyp) - (r + s + i) * np.log(beta + y)

    log_coef = r * np.log(alpha) + s * np.log(beta) + betaln(r + n, s + 1) - betaln(r, s)
    i = np.arange(n + 1)[:, None]  # the terms of the sum, one row each
    with np.errstate(invalid="ignore"):  # NaN from hyp2f1 is handled below
        log_poisson = gammaln(r + s + i) - gammaln(r + s) - gammaln(i + 1) + i * log_t
        log_terms = log_coef + log_poisson + log_B(i, t[None, :])
        tail = np.where(positive | (i == 0), np.exp(log_terms), 0.0).sum(axis=0)
        dead = np.maximum(np.exp(log_coef + log_B(np.zeros(1), np.zeros_like(t))) - tail, 0.0)
    for j in np.flatnonzero(~np.isfinite(dead)):
        # hyp2f1 fails for large n when z is near 1 (very unequal α and β): integrate instead
        dead[j] = _dead_by_quadrature(*(float(np.broadcast_to(v, t.shape)[j]) for v in (r, alpha, s, beta, t)), n)
    return alive + dead


def _dead_by_quadrature(r: float, alpha: float, s: float, beta: float, t: float, n: int) -> float:
    """P(X(t) = n, dead at t) = ∫_0^t NBD(n; r, α/(α+ω)) s β^s (β+ω)^−(s+1) dω, by scipy.integrate.quad."""
    log_const = gammaln(r + n) - gammaln(r) - gammaln(n + 1) + np.log(s) + r * np.log(alpha) + s * np.log(beta)

    def integrand(w: float) -> float:
        log_w = np.log(w) if w > 0 else -np.inf
        return float(np.exp(log_const - (r + n) * np.log(alpha + w) + n * log_w - (s + 1) * np.log(beta + w)))

    with np.errstate(divide="ignore"):
        value, _ = integrate.quad(integrand, 0.0, t, epsabs=0.0, epsrel=1e-10, limit=200)
    return value


def _power_difference(c: float, log_ratio: np.ndarray) -> np.ndarray:
    """[1 − e^(−c·L)] / c for L = log_ratio ≥ 0, with its limit L at c = 0 (no cancellation near it)."""
    if c == 0:
        return np.asarray(log_ratio, dtype=float)
    return -np.expm1(-c * log_ratio) / c
