"""The Pareto/NBD and BG/NBD log-likelihoods and their gradients as one compiled pass over the rows (numba).

The NumPy implementations in :mod:`crmlab.clv.pareto_nbd` and
:mod:`crmlab.clv.beta_geo` compute a likelihood evaluation as a few dozen
whole-array operations, each writing a temporary as long as the data; on
millions of distinct (x, t_x, T) rows (continuous times, which the compression
of identical rows does not shrink) that traffic, and for the Pareto/NBD the
Gaussian hypergeometric functions, are the cost of a fit. Here each row's
log-likelihood and its gradient in the natural parameters are computed in one
loop and summed, weighted, into five numbers per chunk of rows: no temporaries
beyond the per-x tables (ln Γ and ψ terms that depend on x alone, indexed by
the whole number x).

Threads: the kernels release the GIL and run on a ``ThreadPoolExecutor`` over
chunks of rows, as :mod:`crmlab.customers.compiled` does (numba's own
threading layer is not used, so fits may run concurrently in several
threads). The chunks' sums are added in chunk order, so a result does not
depend on the threads' timing.

The Pareto/NBD's ₂F₁(1, b; c; z) (see :mod:`crmlab.clv.pareto_nbd`, after
Euler's transformation; c > b > 0, 0 ≤ z < 1) is evaluated by Gauss's
continued fraction (Gauss 1813; e.g. Cuyt et al. 2008, *Handbook of Continued
Fractions for Special Functions*, eq. 15.3.6, with ₂F₁(b, 0; c − 1; z) = 1)::

    ₂F₁(1, b; c; z) = 1 / (1 − k₁z / (1 − k₂z / (1 − k₃z / …)))
    k_{2n+1} = (b+n)(c−1+n) / ((c−1+2n)(c+2n)),   k_{2n} = n(c−1−b+n) / ((c−2+2n)(c−1+2n)),

all k > 0, so the fraction converges for every z in [0, 1), fast unless z is
very near 1 (where the power series needs about 1/(1−z) terms, the fraction
about 1/√(1−z)), and also for the frequent buyers with α ≫ β where scipy's
hyp2f1 returns NaN. It is summed by the modified Lentz method (Press et al.
2007, *Numerical Recipes*, 3rd ed., section 5.2), with the derivatives of
ln ₂F₁ in b, c and z carried along (forward-mode differentiation of each
step), until the value and the three derivatives change by less than 1e-15
relative. A row whose fraction does not converge in :data:`MAX_FRACTION_TERMS`
steps, or whose value is not finite, is marked, left out of the sums, and
computed by the NumPy/SciPy implementation (hyp2f1, and numerical
integration where hyp2f1 fails) instead.

Compiling the kernels takes seconds the first time; numba caches them on
disk, and loading them from the cache costs a fraction of a second a process,
which a small summary does not repay: the models use these kernels from
``compiled_min_rows`` distinct rows on (:class:`crmlab.clv.ParetoNBD`,
:class:`crmlab.clv.BetaGeo`), and the NumPy implementations below that. The
tests compare the two to 1e-10 on random and extreme inputs.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit
from scipy.special import betaln, digamma, gammaln

__all__ = [
    "beta_geo_rows_at",
    "beta_geo_totals",
    "pareto_nbd_log_odds_alive",
    "pareto_nbd_log_odds_alive_at",
    "pareto_nbd_rows_at",
    "pareto_nbd_totals",
    "thread_count",
]

#: Rows per task of the thread pool.
CHUNK_ROWS = 65_536
#: Steps of Gauss's continued fraction after which a row falls back to the NumPy/SciPy path.
MAX_FRACTION_TERMS = 5_000
#: Relative change of the fraction's value and derivatives below which it has converged.
_FRACTION_TOLERANCE = 1e-15
#: ₂F₁(1, b; c; z) is summed as a power series for z up to this, as a continued fraction above.
SERIES_MAX_Z = 0.25


def thread_count() -> int:
    """The CPUs this process may run on (the thread pool's size).

    >>> thread_count() >= 1
    True
    """
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# ----- the kernels -------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _log_hyp_series(b, c, z, tol):  # pragma: no cover - compiled
    """ln ₂F₁(1, b; c; z) and its derivatives in b, c and z from the power series Σ (b)_n/(c)_n zⁿ, for small z.

    The terms t_n have ∂t_n/∂b = t_n Σ_{j<n} 1/(b+j), ∂t_n/∂c = −t_n Σ_{j<n} 1/(c+j), ∂t_n/∂z = n t_n/z;
    each term is less than z times the one before, so the sums stop when a term adds less than ``tol``
    relative to the value and to each derivative (at most ~30 terms for z ≤ 1/4).
    """
    h, t, h_b, h_c, h_z = 1.0, 1.0, 0.0, 0.0, 0.0
    s_b = s_c = 0.0
    n = 0
    while True:
        inv_c = 1.0 / (c + n)
        s_b += 1.0 / (b + n)
        s_c += inv_c
        t *= (b + n) * inv_c * z
        n += 1
        h += t
        h_b += t * s_b
        h_c -= t * s_c
        h_z += n * t
        if t <= tol * h and t * s_b <= tol * h_b and t * s_c <= -tol * h_c and n * t <= tol * h_z:
            break
    return math.log(h), h_b / h, h_c / h, h_z / (z * h)


@njit(cache=True, nogil=True)
def _log_hyp_fraction(b, c, z, max_terms, tol):  # pragma: no cover - compiled
    """ln ₂F₁(1, b; c; z) and its derivatives in b, c and z by Gauss's continued fraction (module docstring).

    Returns (value, d/db, d/dc, d/dz, converged). The fraction G = 1 − k₁z/(1 − k₂z/…) = 1/₂F₁ is
    summed by Lentz's method, G = Π C_j D_j with C_j = 1 + a_j/C_{j−1}, D_j = 1/(1 + a_j D_{j−1}),
    a_j = −k_j z; the logarithmic derivatives of C_j and D_j are carried along:
    d ln C_j = (da_j − a_j d ln C_{j−1}) / (C_{j−1} C_j), d ln D_j = −(da_j + a_j d ln D_{j−1}) D_{j−1} D_j.
    """
    inv_c = 1.0  # 1 / C_{j-1}
    dj = 0.0
    fc_b = fc_c = fc_z = 0.0  # d ln C_{j-1}
    fd_b = fd_c = fd_z = 0.0  # d ln D_{j-1}
    g = 1.0
    g_b = g_c = g_z = 0.0
    quiet = 0
    for j in range(1, max_terms + 1):
        if j % 2 == 1:
            n = (j - 1) // 2
            u, v, p, q = b + n, c - 1.0 + n, c - 1.0 + 2 * n, c + 2.0 * n
            inv_pq = 1.0 / (p * q)
            k = u * v * inv_pq
            k_b = v * inv_pq
            k_c = (u * (p * q - v * (p + q)) * inv_pq) * inv_pq  # k (1/v − 1/p − 1/q)
        else:
            n = j // 2
            v, p, q = c - 1.0 - b + n, c - 2.0 + 2 * n, c - 1.0 + 2 * n
            inv_pq = 1.0 / (p * q)
            k = n * v * inv_pq
            k_b = -n * inv_pq
            k_c = (n * (p * q - v * (p + q)) * inv_pq) * inv_pq
        a = -k * z
        a_b, a_c, a_z = -k_b * z, -k_c * z, -k
        new_c = 1.0 + a * inv_c
        inv_new_c = 1.0 / new_c
        uv = inv_c * inv_new_c
        fc_b = (a_b - a * fc_b) * uv
        fc_c = (a_c - a * fc_c) * uv
        fc_z = (a_z - a * fc_z) * uv
        new_d = 1.0 / (1.0 + a * dj)
        dd = -dj * new_d
        fd_b = (a_b + a * fd_b) * dd
        fd_c = (a_c + a * fd_c) * dd
        fd_z = (a_z + a * fd_z) * dd
        inv_c, dj = inv_new_c, new_d
        step = new_c * new_d
        g *= step
        inc_b, inc_c, inc_z = fc_b + fd_b, fc_c + fd_c, fc_z + fd_z
        g_b += inc_b
        g_c += inc_c
        g_z += inc_z
        if abs(step - 1.0) <= tol and abs(inc_b) <= tol * abs(g_b) and abs(inc_c) <= tol * abs(g_c) and abs(inc_z) <= tol * abs(g_z):
            quiet += 1
            if quiet == 2:
                return -math.log(g), -g_b, -g_c, -g_z, True
        else:
            quiet = 0
    return -math.log(g), -g_b, -g_c, -g_z, False


@njit(cache=True, nogil=True)
def _log_hyp(b, c, z, max_terms, tol):  # pragma: no cover - compiled
    """ln ₂F₁(1, b; c; z) and its derivatives in b, c, z: the series for z ≤ 1/4, else the continued fraction."""
    if z == 0.0:
        return 0.0, 0.0, 0.0, b / c, True
    if z <= SERIES_MAX_Z:
        v, v_b, v_c, v_z = _log_hyp_series(b, c, z, tol)
        return v, v_b, v_c, v_z, True
    return _log_hyp_fraction(b, c, z, max_terms, tol)


@njit(cache=True, nogil=True)
def _pareto_log_phi(r, alpha, s, beta, x, y, log_ay, log_by, log_k, max_terms, tol):  # pragma: no cover - compiled
    """ln Φ(y) of :mod:`crmlab.clv.pareto_nbd` and its gradient in (r, α, s, β); the last value: converged.

    ``log_ay``, ``log_by``, ``log_k``: ln(α+y), ln(β+y) and ln(r+s+x), which the caller has at hand.
    """
    k = r + s + x
    if alpha >= beta:
        b, z = r + x, (alpha - beta) / (alpha + y)
        power = -(r + x) * log_ay - s * log_by
    else:
        b, z = s + 1.0, (beta - alpha) / (beta + y)
        power = -(r + x - 1.0) * log_ay - (s + 1.0) * log_by
    log_h, h_b, h_c, h_z, ok = _log_hyp(b, k + 1.0, z, max_terms, tol)
    value = power + log_h - log_k
    if alpha >= beta:
        d_r = -log_ay + h_b + h_c - 1.0 / k
        d_s = -log_by + h_c - 1.0 / k
        d_alpha = -(r + x) / (alpha + y) + h_z * (beta + y) / ((alpha + y) * (alpha + y))
        d_beta = -s / (beta + y) - h_z / (alpha + y)
    else:
        d_r = -log_ay + h_c - 1.0 / k
        d_s = -log_by + h_b + h_c - 1.0 / k
        d_alpha = -(r + x - 1.0) / (alpha + y) - h_z / (beta + y)
        d_beta = -(s + 1.0) / (beta + y) + h_z * (alpha + y) / ((beta + y) * (beta + y))
    return value, d_r, d_alpha, d_s, d_beta, ok


@njit(cache=True, nogil=True)
def _log_add_exp_and_weight(u, v):  # pragma: no cover - compiled
    """ln(e^u + e^v) and e^v / (e^u + e^v), with one exponential; also for v = −∞."""
    if v == -math.inf:
        return u, 0.0
    if u >= v:
        e = math.exp(v - u)
        return u + math.log1p(e), e / (1.0 + e)
    e = math.exp(u - v)
    return v + math.log1p(e), 1.0 / (1.0 + e)


@njit(cache=True, nogil=True)
def _pareto_nbd_chunk(params, log_gamma_x, digamma_x, x, t_x, T, w, lo, hi, fallback, max_terms, tol):  # pragma: no cover
    """Weighted sums over rows lo … hi − 1 of the Pareto/NBD log-likelihood and its gradient (5 numbers).

    ``log_gamma_x[x]`` = ln Γ(r+x) − ln Γ(r) and ``digamma_x[x]`` = ψ(r+x) − ψ(r). A row whose ₂F₁ does not
    converge or whose terms are not finite gets ``fallback[i] = 1`` and is left out of the sums.
    """
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    log_alpha, log_beta, log_s = math.log(alpha), math.log(beta), math.log(s)
    out = np.zeros(5)
    # Φ(0) is the same for all rows with the same x and t_x = 0 (every x = 0 row): remembered for the last x
    zero_x = -1.0
    z_v = z_r = z_a = z_s = z_b = 0.0
    z_ok = False
    for i in range(lo, hi):
        xi, ti, Ti = x[i], t_x[i], T[i]
        log_aT, log_bT = math.log(alpha + Ti), math.log(beta + Ti)
        alive = -(r + xi) * log_aT - s * log_bT
        dead = -math.inf
        a0_r = a0_a = a0_s = a0_b = 0.0
        ok = True
        if ti < Ti:
            log_k = math.log(r + s + xi)
            if ti == 0.0:
                if xi != zero_x:
                    z_v, z_r, z_a, z_s, z_b, z_ok = _pareto_log_phi(
                        r, alpha, s, beta, xi, 0.0, log_alpha, log_beta, log_k, max_terms, tol
                    )
                    zero_x = xi
                p_v, p_r, p_a, p_s, p_b, ok_t = z_v, z_r, z_a, z_s, z_b, z_ok
            else:
                p_v, p_r, p_a, p_s, p_b, ok_t = _pareto_log_phi(
                    r, alpha, s, beta, xi, ti, math.log(alpha + ti), math.log(beta + ti), log_k, max_terms, tol
                )
            q_v, q_r, q_a, q_s, q_b, ok_T = _pareto_log_phi(r, alpha, s, beta, xi, Ti, log_aT, log_bT, log_k, max_terms, tol)
            ok = ok_t and ok_T
            ratio = math.exp(min(q_v - p_v, 0.0))  # Φ(T)/Φ(t_x) ∈ (0, 1]
            if ratio < 1.0:
                dead = log_s + p_v + math.log1p(-ratio)
                scale = 1.0 / (1.0 - ratio)
                a0_r = (p_r - ratio * q_r) * scale
                a0_a = (p_a - ratio * q_a) * scale
                a0_s = (p_s - ratio * q_s) * scale
                a0_b = (p_b - ratio * q_b) * scale
        xk = int(xi)
        log_sum, w_dead = _log_add_exp_and_weight(alive, dead)
        ll = log_gamma_x[xk] + r * log_alpha + s * log_beta + log_sum
        w_alive = 1.0 - w_dead
        g_r = digamma_x[xk] + log_alpha - w_alive * log_aT + w_dead * a0_r
        g_a = r / alpha - w_alive * (r + xi) / (alpha + Ti) + w_dead * a0_a
        g_s = log_beta - w_alive * log_bT + w_dead * (a0_s + 1.0 / s)
        g_b = s / beta - w_alive * s / (beta + Ti) + w_dead * a0_b
        if not (ok and math.isfinite(ll) and math.isfinite(g_r) and math.isfinite(g_a)
                and math.isfinite(g_s) and math.isfinite(g_b)):
            fallback[i] = 1
            continue
        wi = w[i]
        out[0] += wi * ll
        out[1] += wi * g_r
        out[2] += wi * g_a
        out[3] += wi * g_s
        out[4] += wi * g_b
    return out


@njit(cache=True, nogil=True)
def _pareto_nbd_log_odds_chunk(params, x, t_x, T, lo, hi, out, max_terms, tol):  # pragma: no cover - compiled
    """ln of the likelihood's "alive at T" term over its "dead in (t_x, T]" term, rows lo … hi − 1, into ``out``
    (+∞ where t_x = T; NaN where the ₂F₁ did not converge)."""
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    log_alpha, log_beta, log_s = math.log(alpha), math.log(beta), math.log(s)
    for i in range(lo, hi):
        xi, ti, Ti = x[i], t_x[i], T[i]
        if ti >= Ti:
            out[i] = math.inf
            continue
        log_aT, log_bT = math.log(alpha + Ti), math.log(beta + Ti)
        log_k = math.log(r + s + xi)
        if ti == 0.0:
            log_at, log_bt = log_alpha, log_beta
        else:
            log_at, log_bt = math.log(alpha + ti), math.log(beta + ti)
        p_v, _, _, _, _, ok_t = _pareto_log_phi(r, alpha, s, beta, xi, ti, log_at, log_bt, log_k, max_terms, tol)
        q_v, _, _, _, _, ok_T = _pareto_log_phi(r, alpha, s, beta, xi, Ti, log_aT, log_bT, log_k, max_terms, tol)
        ratio = math.exp(min(q_v - p_v, 0.0))
        alive = -(r + xi) * log_aT - s * log_bT
        if not (ok_t and ok_T):
            out[i] = math.nan
        elif ratio < 1.0:
            out[i] = alive - (log_s + p_v + math.log1p(-ratio))
        else:
            out[i] = math.inf


@njit(cache=True, nogil=True)
def _beta_geo_chunk(params, k, per_x, r_x, a_x, b_x, x, t_x, T, w, lo, hi):  # pragma: no cover - compiled
    """Weighted sums over rows lo … hi − 1 of the BG/NBD (k = 0) or MBG/NBD (k = 1) log-likelihood and gradient.

    Per-x tables: ``per_x`` the ln Γ and ln B terms, ``r_x``, ``a_x``, ``b_x`` their ψ terms in r, a, b
    (see :meth:`crmlab.clv.BetaGeo._parts`).
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    r_log_alpha, log_a = r * math.log(alpha), math.log(a)
    out = np.zeros(5)
    for i in range(lo, hi):
        xi = x[i]
        xk = int(xi)
        rx = r + xi
        log_aT = math.log(alpha + T[i])
        ll = per_x[xk] + r_log_alpha - rx * log_aT
        g_r = r_x[xk] - log_aT
        g_a = a_x[xk]
        g_b = b_x[xk]
        g_alpha = r / alpha - rx / (alpha + T[i])
        if xi > 0 or k == 1:
            log_at = math.log(alpha + t_x[i])
            den = b + xi - 1.0 + k
            L = log_a - math.log(den) + rx * (log_aT - log_at)
            log_sum, p = _log_add_exp_and_weight(0.0, L)  # p: weight of "dropped out after the last purchase"
            ll += log_sum
            g_r += p * (log_aT - log_at)
            g_alpha += p * rx * (1.0 / (alpha + T[i]) - 1.0 / (alpha + t_x[i]))
            g_a += p / a
            g_b -= p / den
        wi = w[i]
        out[0] += wi * ll
        out[1] += wi * g_r
        out[2] += wi * g_alpha
        out[3] += wi * g_a
        out[4] += wi * g_b
    return out


# ----- per-customer parameters (covariates: crmlab.clv.covariates) -------------------------------


@njit(cache=True, nogil=True)
def _digamma(v):  # pragma: no cover - compiled
    """ψ(v) for v > 0: the recurrence ψ(v) = ψ(v+1) − 1/v up to v ≥ 10, then the asymptotic series
    ln v − 1/(2v) − Σ B_2k/(2k v^2k) to k = 6 (Abramowitz & Stegun 1964, 6.3.5 and 6.3.18; error < 1e-16)."""
    out = 0.0
    while v < 10.0:
        out -= 1.0 / v
        v += 1.0
    f = 1.0 / (v * v)
    series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * 691.0 / 32760)))))
    return out + math.log(v) - 0.5 / v - series


@njit(cache=True, nogil=True)
def _beta_geo_rows_chunk(r, k, log_gamma_x, digamma_x, alpha, a, b, x, t_x, T, lo, hi, ll, grad):  # pragma: no cover
    """BG/NBD (k = 0) or MBG/NBD (k = 1) log-likelihood of rows lo … hi − 1 at per-row α_i, a_i, b_i into
    ``ll``, and its gradient in (r, α_i, a_i, b_i) into ``grad`` (rows × 4); ``log_gamma_x[x]`` = ln Γ(r+x) −
    ln Γ(r), ``digamma_x[x]`` = ψ(r+x) − ψ(r). The formulas of :func:`crmlab.clv.covariates.beta_geo_rows`."""
    for i in range(lo, hi):
        xi, al, ai, bi = x[i], alpha[i], a[i], b[i]
        xk = int(xi)
        rx = r + xi
        log_aT = math.log(al + T[i])
        psi_ab, psi_abx = _digamma(ai + bi), _digamma(ai + bi + xi + k)
        value = (log_gamma_x[xk] + r * math.log(al) + math.lgamma(bi + xi + k) - math.lgamma(ai + bi + xi + k)
                 - math.lgamma(bi) + math.lgamma(ai + bi) - rx * log_aT)
        g_r = digamma_x[xk] + math.log(al) - log_aT
        g_alpha = r / al - rx / (al + T[i])
        g_a = psi_ab - psi_abx
        g_b = _digamma(bi + xi + k) - psi_abx - _digamma(bi) + psi_ab
        if xi > 0 or k == 1:
            log_at = math.log(al + t_x[i])
            den = bi + xi - 1.0 + k
            L = math.log(ai) - math.log(den) + rx * (log_aT - log_at)
            log_sum, p = _log_add_exp_and_weight(0.0, L)
            value += log_sum
            g_r += p * (log_aT - log_at)
            g_alpha += p * rx * (1.0 / (al + T[i]) - 1.0 / (al + t_x[i]))
            g_a += p / ai
            g_b -= p / den
        ll[i] = value
        grad[i, 0] = g_r
        grad[i, 1] = g_alpha
        grad[i, 2] = g_a
        grad[i, 3] = g_b


@njit(cache=True, nogil=True)
def _pareto_nbd_rows_chunk(r, s, log_gamma_x, digamma_x, alpha, beta, x, t_x, T, ones, lo, hi, ll, grad, fallback,
                           max_terms, tol):  # pragma: no cover - compiled
    """Pareto/NBD log-likelihood of rows lo … hi − 1 at per-row α_i, β_i into ``ll``, and its gradient in
    (r, α_i, s, β_i) into ``grad``: each row is :func:`_pareto_nbd_chunk` over that row alone at its own
    parameters, with weights ``ones`` (``fallback[i] = 1`` where it could not compute the row)."""
    params = np.empty(4)
    params[0], params[2] = r, s
    for i in range(lo, hi):
        params[1], params[3] = alpha[i], beta[i]
        out = _pareto_nbd_chunk(params, log_gamma_x, digamma_x, x, t_x, T, ones, i, i + 1, fallback, max_terms, tol)
        ll[i] = out[0]
        for j in range(4):
            grad[i, j] = out[j + 1]


@njit(cache=True, nogil=True)
def _pareto_nbd_rows_log_odds_chunk(r, s, alpha, beta, x, t_x, T, lo, hi, out, max_terms, tol):  # pragma: no cover
    """:func:`_pareto_nbd_log_odds_chunk` row by row at per-row α_i, β_i."""
    params = np.empty(4)
    params[0], params[2] = r, s
    for i in range(lo, hi):
        params[1], params[3] = alpha[i], beta[i]
        _pareto_nbd_log_odds_chunk(params, x, t_x, T, i, i + 1, out, max_terms, tol)


# ----- drivers ---------------------------------------------------------------------------------


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + CHUNK_ROWS, n)) for lo in range(0, n, CHUNK_ROWS)]


def _summed(kernel, args_before: tuple, args_after: tuple, n: int) -> np.ndarray:
    """The kernel's five sums over all rows, chunks in parallel threads, added in chunk order."""
    chunks = _chunks(n)
    if len(chunks) <= 1 or thread_count() == 1:
        parts = [kernel(*args_before, lo, hi, *args_after) for lo, hi in chunks]
    else:
        with ThreadPoolExecutor(min(thread_count(), len(chunks))) as pool:
            parts = list(pool.map(lambda c: kernel(*args_before, c[0], c[1], *args_after), chunks))
    total = np.zeros(5)
    for p in parts:
        total += p
    return total


def _columns(data) -> tuple[np.ndarray, ...]:
    return tuple(np.ascontiguousarray(data[k], dtype=np.float64) for k in ("frequency", "recency", "T"))


def pareto_nbd_totals(params: np.ndarray, data, weights: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Σ w·ℓ and Σ w·∇ℓ of the Pareto/NBD over the rows the compiled pass could compute, and the others.

    Returns (log-likelihood total, gradient total in (r, α, s, β), indices of the rows left out: their
    ₂F₁ did not converge in :data:`MAX_FRACTION_TERMS` steps or a term was not finite; the caller
    computes them another way).

    >>> import numpy as np
    >>> data = {"frequency": np.array([0.0, 2.0]), "recency": np.array([0.0, 20.0]), "T": np.array([30.0, 35.0])}
    >>> ll, grad, left_out = pareto_nbd_totals(np.array([0.55, 10.6, 0.61, 11.7]), data, np.ones(2))
    >>> round(ll, 6), grad.shape, left_out.tolist()
    (-9.541661, (4,), [])
    """
    x, t_x, T = _columns(data)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    r = float(params[0])
    xs = np.arange(int(x.max(initial=0.0)) + 1, dtype=np.float64)
    log_gamma_x = gammaln(r + xs) - gammaln(r)
    digamma_x = digamma(r + xs) - digamma(r)
    fallback = np.zeros(len(x), np.uint8)
    p = np.asarray(params, dtype=np.float64)
    total = _summed(
        _pareto_nbd_chunk, (p, log_gamma_x, digamma_x, x, t_x, T, w), (fallback, MAX_FRACTION_TERMS, _FRACTION_TOLERANCE), len(x)
    )
    return float(total[0]), total[1:].copy(), np.flatnonzero(fallback)


def pareto_nbd_log_odds_alive(params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> np.ndarray:
    """ln[(α+T)^−(r+x) (β+T)^−s / (s (Φ(t_x) − Φ(T)))] per row, so that P(alive) = expit(it) (Fader & Hardie
    2005, "A note on deriving the Pareto/NBD model", section 5): +∞ where t_x = T, NaN where the continued
    fraction did not converge (the caller computes those rows another way).

    >>> import numpy as np
    >>> odds = pareto_nbd_log_odds_alive(np.array([0.553, 10.58, 0.606, 11.67]), np.array([0.0, 2.0, 2.0]),
    ...                                  np.array([0.0, 20.0, 35.0]), np.array([30.0, 35.0, 35.0]))
    >>> np.round(odds, 4).tolist()
    [-0.5872, 0.7576, inf]
    """
    x, t_x, T = _columns({"frequency": frequency, "recency": recency, "T": T})
    out = np.empty(len(x))
    p = np.asarray(params, dtype=np.float64)

    def run(chunk: tuple[int, int]) -> None:
        _pareto_nbd_log_odds_chunk(p, x, t_x, T, chunk[0], chunk[1], out, MAX_FRACTION_TERMS, _FRACTION_TOLERANCE)

    _in_chunks(run, len(x))
    return out


def beta_geo_totals(params: np.ndarray, data, weights: np.ndarray, first_purchase_dropout: int = 0) -> tuple[float, np.ndarray]:
    """Σ w·ℓ and Σ w·∇ℓ of the BG/NBD (Fader, Hardie & Lee 2005, eq. 6), or of the MBG/NBD when
    ``first_purchase_dropout`` is 1, in (r, α, a, b).

    >>> import numpy as np
    >>> data = {"frequency": np.array([0.0, 2.0]), "recency": np.array([0.0, 20.0]), "T": np.array([30.0, 35.0])}
    >>> ll, grad = beta_geo_totals(np.array([0.243, 4.414, 0.793, 2.426]), data, np.ones(2))
    >>> round(ll, 6), grad.shape
    (-9.550053, (4,))
    """
    x, t_x, T = _columns(data)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    r, alpha, a, b = (float(v) for v in params)
    k = int(first_purchase_dropout)
    xs = np.arange(int(x.max(initial=0.0)) + 1, dtype=np.float64)
    per_x = gammaln(r + xs) - gammaln(r) + betaln(a, b + xs + k) - betaln(a, b)
    psi_ab = digamma(a + b)
    r_x = digamma(r + xs) - digamma(r) + np.log(alpha)
    a_x = psi_ab - digamma(a + b + xs + k)
    b_x = digamma(b + xs + k) - digamma(a + b + xs + k) - digamma(b) + psi_ab
    p = np.asarray(params, dtype=np.float64)
    total = _summed(_beta_geo_chunk, (p, k, per_x, r_x, a_x, b_x, x, t_x, T, w), (), len(x))
    return float(total[0]), total[1:].copy()


# ----- per-customer parameters: drivers ------------------------------------------------------------------


def _in_chunks(run, n: int) -> None:
    """``run((lo, hi))`` over the chunks of n rows, in the thread pool when there are several."""
    chunks = _chunks(n)
    if len(chunks) <= 1 or thread_count() == 1:
        for c in chunks:
            run(c)
    else:
        with ThreadPoolExecutor(min(thread_count(), len(chunks))) as pool:
            list(pool.map(run, chunks))


def _per_row(value, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)))


def _r_tables(r: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs = np.arange(int(x.max(initial=0.0)) + 1, dtype=np.float64)
    return gammaln(r + xs) - gammaln(r), digamma(r + xs) - digamma(r)


def beta_geo_rows_at(r: float, alpha, a, b, x, t_x, T, first_purchase_dropout: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD (or MBG/NBD, ``first_purchase_dropout`` = 1) log-likelihood per row at per-row α, a, b (arrays
    or numbers), and its gradient (rows × 4) in (r, α_i, a_i, b_i): the model with covariates.

    >>> import numpy as np
    >>> ll, grad = beta_geo_rows_at(0.243, 4.414, 0.793, 2.426, np.array([0.0, 2.0]), np.array([0.0, 20.0]),
    ...                             np.array([30.0, 35.0]))
    >>> round(float(ll.sum()), 6), grad.shape  # as beta_geo_totals at the same (scalar) parameters
    (-9.550053, (2, 4))
    """
    x, t_x, T = _columns({"frequency": x, "recency": t_x, "T": T})
    n = len(x)
    alpha, a, b = (_per_row(v, n) for v in (alpha, a, b))
    log_gamma_x, digamma_x = _r_tables(float(r), x)
    ll, grad = np.empty(n), np.empty((n, 4))
    k = int(first_purchase_dropout)
    _in_chunks(lambda c: _beta_geo_rows_chunk(float(r), k, log_gamma_x, digamma_x, alpha, a, b, x, t_x, T,
                                              c[0], c[1], ll, grad), n)
    return ll, grad


def pareto_nbd_rows_at(r: float, alpha, s: float, beta, x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pareto/NBD log-likelihood per row at per-row α and β (arrays or numbers), its gradient (rows × 4) in
    (r, α_i, s, β_i), and the indices of the rows left out (as in :func:`pareto_nbd_totals`: the caller
    computes them another way).

    >>> import numpy as np
    >>> ll, grad, left_out = pareto_nbd_rows_at(0.55, 10.6, 0.61, 11.7, np.array([0.0, 2.0]), np.array([0.0, 20.0]),
    ...                                         np.array([30.0, 35.0]))
    >>> round(float(ll.sum()), 6), left_out.tolist()  # as pareto_nbd_totals at the same parameters
    (-9.541661, [])
    """
    x, t_x, T = _columns({"frequency": x, "recency": t_x, "T": T})
    n = len(x)
    alpha, beta = _per_row(alpha, n), _per_row(beta, n)
    log_gamma_x, digamma_x = _r_tables(float(r), x)
    ll, grad = np.zeros(n), np.zeros((n, 4))
    fallback = np.zeros(n, np.uint8)
    ones = np.ones(n)
    _in_chunks(lambda c: _pareto_nbd_rows_chunk(float(r), float(s), log_gamma_x, digamma_x, alpha, beta, x, t_x, T,
                                                ones, c[0], c[1], ll, grad, fallback, MAX_FRACTION_TERMS,
                                                _FRACTION_TOLERANCE), n)
    return ll, grad, np.flatnonzero(fallback)


def pareto_nbd_log_odds_alive_at(r: float, alpha, s: float, beta, x, t_x, T) -> np.ndarray:
    """:func:`pareto_nbd_log_odds_alive` at per-row α and β (NaN where the caller must compute another way).

    >>> import numpy as np
    >>> odds = pareto_nbd_log_odds_alive_at(0.553, np.array([10.58, 10.58]), 0.606, 11.67, np.array([0.0, 2.0]),
    ...                                     np.array([0.0, 20.0]), np.array([30.0, 35.0]))
    >>> np.round(odds, 4).tolist()
    [-0.5872, 0.7576]
    """
    x, t_x, T = _columns({"frequency": x, "recency": t_x, "T": T})
    n = len(x)
    alpha, beta = _per_row(alpha, n), _per_row(beta, n)
    out = np.empty(n)
    _in_chunks(lambda c: _pareto_nbd_rows_log_odds_chunk(float(r), float(s), alpha, beta, x, t_x, T, c[0], c[1], out,
                                                         MAX_FRACTION_TERMS, _FRACTION_TOLERANCE), n)
    return out
