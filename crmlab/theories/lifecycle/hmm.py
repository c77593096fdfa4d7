"""A latent-state view of relationship development: a hidden Markov model of purchase activity.

Netzer, Lattin & Srinivasan (2008, "A hidden Markov model of customer
relationship dynamics", Marketing Science 27(2)) treat relationship states as
unobserved: each customer moves between a few latent states by a Markov chain,
and in each state buys at its own rate. Here the per-period purchase counts are
Poisson with a state-specific rate, fitted by EM (Baum–Welch, scaled
forward–backward in NumPy) over all customers' sequences (one shared chain),
seeded. States
are ordered by purchase rate, lowest first, so that state 0 is the dormant one;
the rule-based phases of :mod:`crmlab.theories.lifecycle.phases` can then be
set against them (:func:`hmm_phase_agreement`). Unlike Netzer et al. the
transitions do not depend on covariates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# scipy.special is imported where the emission probabilities are computed (import cost).

from crmlab.stats.maximum_likelihood import NotFittedError

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

    ``fit()`` returns the model. Fitted values: ``params_`` (every parameter,
    named ``rate[k]`` for λₖ, ``initial[k]`` for πₖ and ``transition[j→k]``
    for aⱼₖ), ``rates_`` (purchases per period in each state, ascending),
    ``transition_matrix_``, ``initial_distribution_``, ``log_likelihood_``,
    ``n_customers_``, ``n_periods_``; :attr:`summary` is the table of estimates
    (EM gives no standard errors), :attr:`state_table` the states one row each,
    and :meth:`print_summary` prints both for readers.

    The likelihood of a customer's counts x₁…x_T is Σ over state paths of
    π_{s₁} Πₜ a_{sₜ₋₁sₜ} Πₜ Poisson(xₜ; λ_{sₜ}), computed by the scaled
    forward recursion and maximised by Baum–Welch EM.

    References
    ----------
    Netzer, O., Lattin, J. M. & Srinivasan, V. (2008), "A hidden Markov model of
    customer relationship dynamics", Marketing Science 27(2), 185–204: latent
    relationship states with state-specific purchase behaviour.
    Rabiner, L. R. (1989), "A tutorial on hidden Markov models and selected
    applications in speech recognition", Proceedings of the IEEE 77(2),
    257–286: the scaled forward–backward recursions, Baum–Welch re-estimation
    and the Viterbi decoding used here.

    >>> panel = pd.DataFrame({"customer_id": ["a"] * 6 + ["b"] * 6, "t": list(range(6)) * 2,
    ...                       "orders": [3, 4, 3, 0, 0, 0, 0, 0, 0, 0, 4, 3]})
    >>> hmm = RelationshipHMM(2, rng=1).fit(panel)
    >>> hmm.params_.index.tolist()[:4]
    ['rate[0]', 'rate[1]', 'initial[0]', 'initial[1]']
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
            converged = False
            for _ in range(self.n_iter):
                ll, stats = _e_step(groups, pi, A, rates)
                pi = stats["start"] / stats["start"].sum()
                A = stats["trans"] / stats["trans"].sum(axis=1, keepdims=True)
                rates = np.maximum(stats["weighted_x"] / stats["occupancy"], 1e-10)
                if ll - previous < 1e-6 * abs(ll):
                    converged = True  # the log-likelihood stopped rising, even if on the last allowed iteration
                    break
                previous = ll
            if best is None or ll > best[0]:
                best = (ll, pi, A, rates, converged)
        ll, pi, A, rates, converged = best
        order = np.argsort(rates)
        self._order = order
        self._pi, self._A, self._rates = pi, A, rates
        self.rates_ = pd.Series(rates[order], name="rate").rename_axis("state")
        self.transition_matrix_ = pd.DataFrame(A[np.ix_(order, order)]).rename_axis(index="from", columns="to")
        self.initial_distribution_ = pd.Series(pi[order], name="initial")
        self.log_likelihood_ = float(ll)
        self.converged_ = bool(converged)
        self.n_customers_ = int(len(lengths))
        self.n_periods_ = int(lengths.sum())
        k = range(int(self.n_states))
        A_ordered = self.transition_matrix_.to_numpy()
        self.params_ = pd.Series(
            [*self.rates_, *self.initial_distribution_, *A_ordered.ravel()],
            index=[f"rate[{i}]" for i in k] + [f"initial[{i}]" for i in k] + [f"transition[{i}→{j}]" for i in k for j in k],
            name="coef",
        ).rename_axis("parameter")
        self._column = column
        return self

    def _check_fitted(self) -> pd.Series:
        if not hasattr(self, "params_"):
            raise NotFittedError("RelationshipHMM is not fitted yet: call fit() first")
        return self.params_

    @property
    def summary(self) -> pd.DataFrame:
        """The estimates, one row per parameter of :attr:`params_` (``coef``): the state rates λₖ, the
        initial shares πₖ and the transition probabilities aⱼₖ, states least active first. EM gives
        point estimates only, so there is no standard error or interval column.

        >>> panel = pd.DataFrame({"customer_id": ["a"] * 6 + ["b"] * 6, "t": list(range(6)) * 2,
        ...                       "orders": [3, 4, 3, 0, 0, 0, 0, 0, 0, 0, 4, 3]})
        >>> RelationshipHMM(2, rng=1).fit(panel).summary.shape
        (8, 1)
        """
        return self._check_fitted().to_frame("coef")

    def print_summary(self, decimals: int = 4) -> None:
        """Print the model, its data, its log-likelihood, the states and the estimates."""
        self._check_fitted()
        print("\n".join([
            f"RelationshipHMM: Poisson hidden Markov model of {self._column!r} per period, {self.n_states} states",
            f"customers = {self.n_customers_:,}, customer-periods = {self.n_periods_:,}",
            f"log-likelihood = {self.log_likelihood_:.{decimals}f}, converged: {self.converged_}",
            "",
            self.state_table.to_string(index=False, float_format=lambda v: f"{v:,.{decimals}f}"),
            "",
            self.summary.round(decimals).to_string(),
        ]))

    @property
    def state_table(self) -> pd.DataFrame:
        """The fitted states, least active first, one row each (``state`` 0, 1, …).

        ``purchases_per_period`` (the state's Poisson rate λₖ),
        ``initial_share`` (πₖ, the share of customers who start in it),
        ``p_stay`` (aₖₖ, the probability of staying from one period to the next)
        and ``expected_stay`` = 1 / (1 − aₖₖ), the mean number of periods a
        visit to the state lasts (the geometric sojourn time of a Markov chain).

        >>> panel = pd.DataFrame({"customer_id": ["a"] * 6 + ["b"] * 6, "t": list(range(6)) * 2,
        ...                       "orders": [3, 4, 3, 0, 0, 0, 0, 0, 0, 0, 4, 3]})
        >>> states = RelationshipHMM(2, rng=1).fit(panel).state_table
        >>> states.columns.tolist(), bool(states["purchases_per_period"].is_monotonic_increasing)
        (['state', 'purchases_per_period', 'initial_share', 'p_stay', 'expected_stay'], True)
        """
        self._check_fitted()
        stay = np.diag(self.transition_matrix_.to_numpy())
        with np.errstate(divide="ignore"):
            expected = np.where(stay < 1, 1 / (1 - stay), np.inf)
        return pd.DataFrame({"state": np.arange(len(stay)), "purchases_per_period": self.rates_.to_numpy(),
                             "initial_share": self.initial_distribution_.to_numpy(), "p_stay": stay,
                             "expected_stay": expected})

    def decode(self, panel: pd.DataFrame) -> pd.Series:
        """Most likely state of each customer-period (Viterbi), in the rate order (0 = lowest)."""
        self._check_fitted()
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
    from scipy.special import gammaln

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
