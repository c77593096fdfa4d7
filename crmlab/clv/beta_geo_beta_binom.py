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

is computed, with its analytic gradient, without a term-by-term sum per
customer. Write m = t_x + i for the opportunity at whose start the customer
died; the i-th term is then U(x, m) = B(α+x, β+m−x)/B(α,β) · B(γ+1, δ+m)/B(γ,δ),
a function of x and m alone, and the sum over i is Σ_{m=t_x..n−1} U(x, m). So
the terms are computed once on an (x, m) grid (distinct x × opportunities,
whatever the number of customers: at most 53 × 53 cells when n ≤ 52, and
never more than one row per pattern), summed from the right into
R(x, m) = log Σ_{m'≥m} U(x, m') with a cumulative log-sum-exp, and each
pattern's sum is R(x, t_x) "minus" R(x, n), a difference of two looked-up
values. U falls with m (U(x, m+1)/U(x, m) = (β+m−x)/(α+β+m) · (δ+m)/(γ+1+δ+m)
< 1), so the part from t_x on is dominated by its first term and the
difference loses at most a factor n of relative precision. Gammas come from
tables over 0..max n; the gradient's digamma differences ψ(c+m) − ψ(c) are
the finite sums Σ_{j<m} 1/(c+j), taken as cumulative sums too, and their
posterior means over each pattern's dead terms come from the same grid. The
grid is worked on in blocks of rows (2^18 cells each), so memory stays
bounded (tens of MB) when n runs into the thousands; the time then grows as
the grid, (distinct x) · n cells.

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

    #: Fit as before the analytic gradient: the likelihood summed term by term (a padded grid of
    #: log-Beta functions per pattern) and gradients by finite differences. The reference of
    #: ``benchmarks/clv_fit.py`` and of the tests; not for use.
    _finite_differences = False

    def _has_gradient(self) -> bool:
        return not self._finite_differences

    def _prepare(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._finite_differences:
            return _prepare_term_by_term(data)
        return _prepare_grid(data)

    def _log_likelihood_rows(self, params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
        if self._finite_differences:
            return _log_likelihood_term_by_term(params, data)
        return _log_likelihood_grid(params, data, gradient=False)[0]

    def _log_likelihood_gradient_rows(
        self, params: np.ndarray, data: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        ll, grad, _ = _log_likelihood_grid(params, data, gradient=True)
        assert grad is not None
        return ll, grad

    def _posterior_terms(self, params: np.ndarray, x: np.ndarray, t_x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: log L (eq. 5) and log A = log[B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)], its "alive" term."""
        ll, _, log_alive = _log_likelihood_grid(params, {"frequency": x, "recency": t_x, "T": n}, gradient=False)
        return ll, log_alive

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
        ll, log_alive = self._posterior_terms(params, x, t_x, n)
        # B(γ, δ+n+1) = B(γ, δ+n) · (δ+n)/(γ+δ+n)
        return _output(np.exp(log_alive - ll) * (delta + n) / (gamma + delta + n), labels, "probability_alive")

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any = None, T: Any = None) -> Any:
        """E[X(n, n+n*) | x, t_x, n], expected transactions in the next n* = ``t`` opportunities (FHS 2010, eq. 13).

        = B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
          · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] / L
        """
        params = self._check_fitted()
        alpha, beta, gamma, delta = params
        x, t_x, n, labels = self._rft(frequency, recency, T)
        n_star = self._time(t, len(x))
        ll, _ = self._posterior_terms(params, x, t_x, n)
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
        ll, log_alive = self._posterior_terms(params, x, t_x, n)
        # B(α+x+1, β+n−x) = B(α+x, β+n−x) · (α+x)/(α+β+n); B(γ, δ+n+1) = B(γ, δ+n) · (δ+n)/(γ+δ+n)
        front = np.exp(log_alive - ll) * (alpha + x) / (alpha + beta + n) * (delta + n) / (gamma + delta + n)
        z = 1 / (1 + discount_rate)
        n_values, n_index = np.unique(n, return_inverse=True)  # ₂F₁ once per number of opportunities
        value = front * z * hyp2f1(1.0, delta + n_values + 1, gamma + delta + n_values + 1, z)[n_index.reshape(-1)]
        return _output(value, labels, "dert")

    # ----- predictive distribution and survival ----------------------------------------------------
    def _conditional_probability_of_purchases_arrays(
        self, t: np.ndarray, n: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(X(n, n+n*) = x* | x, t_x, n), x* = ``n`` transactions in the next n* = ``t`` opportunities (FHS 2010, eq. 12)::

            = δ_{x*=0} (1 − A/L)
              + [ C(n*, x*) B(α+x+x*, β+n−x+n*−x*) B(γ, δ+n+n*)
                  + Σ_{i=x*..n*−1} C(i, x*) B(α+x+x*, β+n−x+i−x*) B(γ+1, δ+n+i) ] / (B(α,β) B(γ,δ) L)

        with L the likelihood (eq. 5) and A its "alive after opportunity n"
        term: dead by then, no transaction; alive, either alive through the n*
        opportunities with x* of them taken, or dead at the start of
        opportunity n+i+1 with x* of the i before taken.
        """
        params = self._check_fitted()
        alpha, beta, gamma, delta = params
        ll, log_alive = self._posterior_terms(params, x, t_x, T)
        base = betaln(alpha, beta) + betaln(gamma, delta) + ll  # per customer
        xs = n[None, :]  # counts x*, one column each
        x_, n_, m_, base_ = x[:, None], T[:, None], t[:, None], base[:, None]
        possible = xs <= m_
        with np.errstate(invalid="ignore"):
            survive = np.where(
                possible,
                _log_comb(m_, np.minimum(xs, m_)) + betaln(alpha + x_ + xs, beta + n_ - x_ + np.maximum(m_ - xs, 0))
                + betaln(gamma, delta + n_ + m_) - base_,
                -np.inf,
            )
            i = np.arange(int(t.max()) if len(t) else 0)[None, None, :]  # opportunity of death n+i+1
            died = (i >= xs[..., None]) & (i < m_[..., None])
            safe_i = np.maximum(i, xs[..., None])
            log_died = np.where(
                died,
                _log_comb(safe_i, xs[..., None]) + betaln(alpha + x_[..., None] + xs[..., None], beta + n_[..., None]
                                                          - x_[..., None] + safe_i - xs[..., None])
                + betaln(gamma + 1, delta + n_[..., None] + safe_i) - base_[..., None],
                -np.inf,
            )
            log_alive_part = np.logaddexp(survive, logsumexp(log_died, axis=2) if i.size else -np.inf)
        dead_now = -np.expm1(log_alive - ll)[:, None]
        return np.exp(log_alive_part) + (xs == 0) * dead_now

    def _probability_alive_later(self, t: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(alive at opportunity n+1+t | x, t_x, n) = A/L · B(γ, δ+n+1+t)/B(γ, δ+n) (FHS 2010, eq. 11 with t more
        dropout opportunities survived; θ ~ Beta(γ, δ+n) given alive after n). At t = 0 it is :meth:`probability_alive`."""
        params = self._check_fitted()
        gamma, delta = params[2], params[3]
        ll, log_alive = self._posterior_terms(params, x, t_x, T)
        return np.exp(log_alive - ll + betaln(gamma, delta + T + 1 + t) - betaln(gamma, delta + T))


#: Cells of the (x, m) grid worked on at once (per array): bounds the memory when n runs into the
#: thousands; at n ≤ 52 the whole grid (at most 53 × 53) is one block.
_GRID_BLOCK_CELLS = 1 << 18


def _prepare_grid(data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Integer (x, t_x, n), the grid's rows (the distinct x, ascending; ``row`` is each pattern's) and blocks of rows.

    ``block_rows`` are the rows' boundaries; with more than one block,
    ``order`` sorts the patterns by x and ``block_patterns`` are the
    boundaries of each block's patterns in that order.
    """
    x = np.asarray(data["frequency"]).astype(np.int64)
    present = np.bincount(x) > 0
    x_values = np.flatnonzero(present)
    n_max = int(np.max(data["T"]))
    # rows in blocks of at most _GRID_BLOCK_CELLS cells; a block of rows from x0 needs columns x0..n_max
    bounds = [0]
    while bounds[-1] < len(x_values):
        width = n_max + 1 - int(x_values[bounds[-1]])
        bounds.append(min(len(x_values), bounds[-1] + max(1, _GRID_BLOCK_CELLS // width)))
    prepared = {
        **data,
        "x": x,
        "t_x": np.asarray(data["recency"]).astype(np.int64),
        "n": np.asarray(data["T"]).astype(np.int64),
        "x_values": x_values,
        "row": (np.cumsum(present) - 1)[x],
        "block_rows": np.asarray(bounds),
    }
    if len(bounds) > 2:
        order = np.argsort(x, kind="stable")
        prepared["order"] = order
        prepared["block_patterns"] = np.searchsorted(x[order], x_values[bounds[:-1]])
        prepared["block_patterns"] = np.r_[prepared["block_patterns"], len(x)]
    return prepared


def _harmonic(c: float, length: int) -> np.ndarray:
    """ψ(c+m) − ψ(c) = Σ_{j<m} 1/(c+j) for m = 0 … length−1 (the digamma recurrence)."""
    out = np.zeros(length)
    np.cumsum(1.0 / (c + np.arange(length - 1.0)), out=out[1:])
    return out


def _log_range(log_from: np.ndarray, log_to: np.ndarray) -> np.ndarray:
    """log(e^a − e^b) for a ≥ b: the log of a sum over [t_x, n) from the sums from t_x and from n."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(log_from > -np.inf, log_from + np.log(-np.expm1(log_to - log_from)), -np.inf)


def _log_likelihood_grid(
    params: np.ndarray, data: Mapping[str, np.ndarray], *, gradient: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Per-pattern BG/BB log-likelihood (FHS 2010, eq. 5), its gradient in (α, β, γ, δ) if asked (shape (4, rows),
    else None) and log A, the log of the likelihood's first term (alive after the n-th opportunity).

    ∂ log L = P(alive) · ∂ log A + P(dead) · E[∂ log U | dead], where A is the
    "alive after n" term, U(x, m) the "died at the start of opportunity m+1"
    term and E the mean over a pattern's U's, weighted by them. With
    H_c(m) = ψ(c+m) − ψ(c):

    - ∂ log A: α: H_α(x) − H_{α+β}(n); β: H_β(n−x) − H_{α+β}(n); γ: −H_{γ+δ}(n); δ: H_δ(n) − H_{γ+δ}(n);
    - ∂ log U: α: H_α(x) − H_{α+β}(m); β: H_β(m−x) − H_{α+β}(m); γ: 1/γ − 1/(γ+δ) − H_{γ+δ+1}(m);
      δ: H_δ(m) − 1/(γ+δ) − H_{γ+δ+1}(m).

    The weighted means of the four H(m) come from the grid like the sum itself:
    each H ≥ 0, so log(U·H) is summed from the right with the same cumulative
    log-sum-exp.
    """
    if "block_rows" not in data:
        data = _prepare_grid(data)
    alpha, beta, gamma, delta = (float(v) for v in params)
    x, t_x, n = data["x"], data["t_x"], data["n"]
    size = int(data["n"].max()) + 1
    j = np.arange(float(size))
    lg_a, lg_b, lg_ab = gammaln(alpha + j), gammaln(beta + j), gammaln(alpha + beta + j)
    lg_d, lg_gd, lg_gd1 = gammaln(delta + j), gammaln(gamma + delta + j), gammaln(gamma + delta + 1 + j)
    base = betaln(alpha, beta) + betaln(gamma, delta)
    log_alive = lg_a[x] + lg_b[n - x] - lg_ab[n] + gammaln(gamma) + lg_d[n] - lg_gd[n] - base
    # log U(x, m) = lg_a[x] + lg_b[m − x] + by_m[m]
    by_m = -lg_ab + gammaln(gamma + 1) + lg_d - lg_gd1 - base
    if gradient:
        h_a, h_b, h_ab = _harmonic(alpha, size), _harmonic(beta, size), _harmonic(alpha + beta, size)
        h_d, h_gd, h_gd1 = _harmonic(delta, size), _harmonic(gamma + delta, size), _harmonic(gamma + delta + 1, size)
        with np.errstate(divide="ignore"):
            log_h_b, log_h_m = np.log(h_b), np.log(np.vstack([h_ab, h_gd1, h_d]))
    n_sums = 5 if gradient else 1  # log Σ U, and log Σ U·H for H_β(m−x), H_{α+β}(m), H_{γ+δ+1}(m), H_δ(m)
    log_dead = np.empty((n_sums, len(x)))
    x_values, row, block_rows = data["x_values"], data["row"], data["block_rows"]
    for b in range(len(block_rows) - 1):
        xs = x_values[block_rows[b] : block_rows[b + 1]]
        first = int(xs[0])
        m = np.arange(first, size)
        k = np.maximum(m[None, :] - xs[:, None], 0)  # cells m < x belong to no pattern's sum
        log_u = lg_a[xs][:, None] + lg_b[k] + by_m[first:][None, :]
        log_u[:, -1] = -np.inf  # m = max n: past every pattern's last term, the empty sum
        grids = [log_u]
        if gradient:
            grids += [log_u + log_h_b[k], *(log_u + log_h_m[:, first:][:, None, :])]
        summed = np.logaddexp.accumulate(np.stack(grids)[:, :, ::-1], axis=2)[:, :, ::-1]
        pats = data["order"][data["block_patterns"][b] : data["block_patterns"][b + 1]] if "order" in data else slice(None)
        r = row[pats] - block_rows[b]
        log_dead[:, pats] = _log_range(summed[:, r, t_x[pats] - first], summed[:, r, n[pats] - first])
    ll = np.logaddexp(log_alive, log_dead[0])
    if not gradient:
        return ll, None, log_alive
    p_alive = np.exp(log_alive - ll)
    p_dead = np.exp(log_dead[0] - ll)
    with np.errstate(invalid="ignore"):
        mean_h = np.where(log_dead[0] > -np.inf, np.exp(log_dead[1:] - log_dead[0]), 0.0)
    mean_h_b, mean_h_ab, mean_h_gd1, mean_h_d = mean_h
    grad = np.vstack(
        [
            p_alive * (h_a[x] - h_ab[n]) + p_dead * (h_a[x] - mean_h_ab),
            p_alive * (h_b[n - x] - h_ab[n]) + p_dead * (mean_h_b - mean_h_ab),
            -p_alive * h_gd[n] + p_dead * (1 / gamma - 1 / (gamma + delta) - mean_h_gd1),
            p_alive * (h_d[n] - h_gd[n]) + p_dead * (mean_h_d - 1 / (gamma + delta) - mean_h_gd1),
        ]
    )
    return ll, grad, log_alive


def _prepare_term_by_term(data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The sum's index i = 0 … n − t_x − 1 per pattern, padded to the longest; unused cells masked."""
    length = (data["T"] - data["recency"]).astype(int)
    i = np.arange(max(int(length.max()), 1))[None, :]
    return {**data, "i": np.broadcast_to(i, (len(length), i.shape[1])).astype(float), "mask": i < length[:, None]}


def _log_likelihood_term_by_term(params: np.ndarray, data: Mapping[str, np.ndarray]) -> np.ndarray:
    """FHS (2010) eq. 5 as written, each term a log-Beta: a second implementation of the likelihood."""
    alpha, beta, gamma, delta = params
    x, t_x, n = data["frequency"], data["recency"], data["T"]
    if "mask" not in data:
        data = _prepare_term_by_term(data)
    i, mask = data["i"], data["mask"]
    base = betaln(alpha, beta) + betaln(gamma, delta)
    alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n)
    x_, t_ = x[:, None], t_x[:, None]
    dead = np.where(mask, betaln(alpha + x_, beta + t_ - x_ + i) + betaln(gamma + 1, delta + t_ + i), -np.inf)
    return logsumexp(np.column_stack([alive, dead]), axis=1) - base
