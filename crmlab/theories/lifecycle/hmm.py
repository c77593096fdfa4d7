"""A latent-state view of relationship development: a hidden Markov model of purchase activity.

Netzer, Lattin & Srinivasan (2008, "A hidden Markov model of customer
relationship dynamics", Marketing Science 27(2)) treat relationship states as
unobserved: each customer moves between a few latent states by a Markov chain,
and in each state buys at its own rate. Here the per-period purchase counts are
Poisson with a state-specific rate, fitted by EM (Baum–Welch) with hmmlearn's
``PoissonHMM`` over all customers' sequences (one shared chain), seeded. States
are ordered by purchase rate, lowest first, so that state 0 is the dormant one;
the rule-based phases of :mod:`crmlab.theories.lifecycle.phases` can then be
set against them (:func:`hmm_phase_agreement`). Unlike Netzer et al. the
transitions do not depend on covariates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln

__all__ = ["RelationshipHMM", "hmm_phase_agreement"]


@dataclass
class RelationshipHMM:
    """Poisson hidden Markov model of customer × period purchase counts.

    Parameters
    ----------
    n_states : int
        Number of latent relationship states (default 3).
    rng : int, optional
        Seed of the EM initialisation.
    n_iter : int
        Maximum EM iterations.

    After :meth:`fit`: ``rates_`` (purchases per period in each state,
    ascending), ``transition_matrix_``, ``initial_distribution_``,
    ``log_likelihood_``, and :attr:`summary` (the states as one table).
    """

    n_states: int = 3
    rng: int | None = 0
    n_iter: int = 200

    def _sequences(self, panel: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in panel.columns:
            raise ValueError(f"RelationshipHMM: no column {column!r} in the panel")
        data = panel.sort_values(["customer_id", "t"]) if "t" in panel.columns else panel
        counts = data[column].to_numpy()
        if np.any(counts < 0) or np.any(counts != np.floor(counts)):
            raise ValueError(f"RelationshipHMM: {column!r} must hold counts (whole numbers ≥ 0)")
        lengths = data.groupby("customer_id", sort=False).size().to_numpy()
        return counts.astype(int).reshape(-1, 1), lengths

    def fit(self, panel: pd.DataFrame, *, column: str = "orders", n_init: int = 3) -> RelationshipHMM:
        """Fit by EM to every customer's sequence of ``column`` (an :func:`activity_panel`);
        the best of ``n_init`` seeded starts is kept."""
        if int(self.n_states) != self.n_states or self.n_states < 2:
            raise ValueError(f"n_states must be a whole number ≥ 2, got {self.n_states}")
        X, lengths = self._sequences(panel, column)
        groups = _by_length(X.ravel(), lengths)
        generator = np.random.default_rng(self.rng)
        best = None
        positive = X[X > 0]
        for _ in range(int(n_init)):
            k = int(self.n_states)
            high = np.quantile(positive, np.linspace(0.2, 0.9, k - 1)) if len(positive) else np.ones(k - 1)
            rates = np.r_[max(X.mean() / 10, 1e-3), high] * generator.uniform(0.8, 1.25, k)
            A = np.full((k, k), 0.1 / (k - 1)) + np.eye(k) * (0.9 - 0.1 / (k - 1))
            pi = np.full(k, 1 / k)
            previous = -np.inf
            for iteration in range(self.n_iter):
                ll, stats = _e_step(groups, pi, A, rates)
                pi = stats["start"] / stats["start"].sum()
                A = stats["trans"] / stats["trans"].sum(axis=1, keepdims=True)
                rates = np.maximum(stats["weighted_x"] / stats["occupancy"], 1e-10)
                if ll - previous < 1e-6 * abs(ll):
                    break
                previous = ll
            if best is None or ll > best[0]:
                best = (ll, pi, A, rates, iteration + 1 < self.n_iter)
        ll, pi, A, rates, converged = best
        order = np.argsort(rates)
        self._order = order
        self._pi, self._A, self._rates = pi, A, rates
        self.rates_ = pd.Series(rates[order], name="rate").rename_axis("state")
        self.transition_matrix_ = pd.DataFrame(A[np.ix_(order, order)]).rename_axis(index="from", columns="to")
        self.initial_distribution_ = pd.Series(pi[order], name="initial")
        self.log_likelihood_ = float(ll)
        self.converged_ = bool(converged)
        self._column = column
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted states, least active first, one row each (``state`` 0, 1, …).

        ``purchases_per_period`` (the state's Poisson rate λₖ),
        ``initial_share`` (πₖ, the share of customers who start in it),
        ``p_stay`` (aₖₖ, the probability of staying from one period to the next)
        and ``expected_stay`` = 1 / (1 − aₖₖ), the mean number of periods a
        visit to the state lasts (the geometric sojourn time of a Markov chain).

        >>> panel = pd.DataFrame({"customer_id": ["a"] * 6 + ["b"] * 6, "t": list(range(6)) * 2,
        ...                       "orders": [3, 4, 3, 0, 0, 0, 0, 0, 0, 0, 4, 3]})
        >>> summary = RelationshipHMM(2, rng=1).fit(panel).summary
        >>> summary.columns.tolist(), bool(summary["purchases_per_period"].is_monotonic_increasing)
        (['state', 'purchases_per_period', 'initial_share', 'p_stay', 'expected_stay'], True)
        """
        stay = np.diag(self.transition_matrix_.to_numpy())
        with np.errstate(divide="ignore"):
            expected = np.where(stay < 1, 1 / (1 - stay), np.inf)
        return pd.DataFrame({"state": np.arange(len(stay)), "purchases_per_period": self.rates_.to_numpy(),
                             "initial_share": self.initial_distribution_.to_numpy(), "p_stay": stay,
                             "expected_stay": expected})

    def decode(self, panel: pd.DataFrame) -> pd.Series:
        """Most likely state of each customer-period (Viterbi), in the rate order (0 = lowest)."""
        X, lengths = self._sequences(panel, self._column)
        logA = np.log(np.maximum(self._A, 1e-300))
        out = np.empty(len(X), dtype=int)
        for idx, x in _by_length(X.ravel(), lengths):
            logB = _log_emission(x, self._rates)  # (n, T, K)
            n, T, K = logB.shape
            delta = np.log(np.maximum(self._pi, 1e-300)) + logB[:, 0]
            back = np.zeros((n, T, K), dtype=int)
            for t in range(1, T):
                scores = delta[:, :, None] + logA[None]
                back[:, t] = scores.argmax(axis=1)
                delta = scores.max(axis=1) + logB[:, t]
            path = np.zeros((n, T), dtype=int)
            path[:, -1] = delta.argmax(axis=1)
            for t in range(T - 2, -1, -1):
                path[:, t] = back[np.arange(n), t + 1, path[:, t + 1]]
            out[idx] = path.ravel()
        rank = np.empty_like(self._order)
        rank[self._order] = np.arange(len(self._order))
        data = panel.sort_values(["customer_id", "t"]) if "t" in panel.columns else panel
        return pd.Series(rank[out], index=data.index, name="hmm_state").reindex(panel.index)


def _by_length(x: np.ndarray, lengths: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sequences grouped by length: (positions in x, counts as an (n, T) array) per length."""
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    groups = []
    for length in np.unique(lengths):
        s = starts[lengths == length]
        idx = (s[:, None] + np.arange(length)[None, :]).ravel()
        groups.append((idx, x[idx].reshape(len(s), length)))
    return groups


def _log_emission(x: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """ln P(x | state k) for Poisson counts: x ln λ_k − λ_k − ln x!; shape (n, T, K)."""
    return x[..., None] * np.log(rates) - rates - gammaln(x + 1)[..., None]


def _e_step(groups: list[tuple[np.ndarray, np.ndarray]], pi: np.ndarray, A: np.ndarray, rates: np.ndarray) -> tuple[float, dict]:
    """Scaled forward–backward over every group of equal-length sequences; expected sufficient statistics."""
    K = len(rates)
    stats = {"start": np.zeros(K), "trans": np.zeros((K, K)), "occupancy": np.zeros(K), "weighted_x": np.zeros(K)}
    total = 0.0
    for _, x in groups:
        logB = _log_emission(x, rates)
        shift = logB.max(axis=2, keepdims=True)
        B = np.exp(logB - shift)
        n, T, _ = B.shape
        alpha = np.empty((n, T, K))
        scale = np.empty((n, T))
        a = pi * B[:, 0]
        scale[:, 0] = a.sum(axis=1)
        alpha[:, 0] = a / scale[:, 0, None]
        for t in range(1, T):
            a = (alpha[:, t - 1] @ A) * B[:, t]
            scale[:, t] = a.sum(axis=1)
            alpha[:, t] = a / scale[:, t, None]
        beta = np.ones((n, T, K))
        for t in range(T - 2, -1, -1):
            beta[:, t] = ((B[:, t + 1] * beta[:, t + 1]) @ A.T) / scale[:, t + 1, None]
        gamma = alpha * beta
        gamma /= gamma.sum(axis=2, keepdims=True)
        if T > 1:
            nxt = B[:, 1:] * beta[:, 1:] / scale[:, 1:, None]  # (n, T-1, K)
            stats["trans"] += A * np.einsum("ntk,ntl->kl", alpha[:, :-1], nxt)
        stats["start"] += gamma[:, 0].sum(axis=0)
        stats["occupancy"] += gamma.sum(axis=(0, 1))
        stats["weighted_x"] += np.einsum("ntk,nt->k", gamma, x)
        total += float(np.log(scale).sum() + shift.sum())
    return total, stats


def hmm_phase_agreement(phases: pd.DataFrame, states: pd.Series) -> pd.DataFrame:
    """Cross-table of rule-based phases (rows) against HMM states (columns), as row shares.

    Agreement is read along the expected pairing: dissolution with the lowest
    state, commitment and expansion with the highest.
    """
    table = pd.crosstab(phases["phase"], states.reindex(phases.index), normalize="index")
    from crmlab.theories.lifecycle.phases import PHASES

    return table.reindex([p for p in PHASES if p in table.index])
