"""Customer relationships as Markov chains: the CLV model of Pfeifer & Carraway (2000).

A customer is in one of a finite set of states (recency classes, relationship
phases, active/lost …); from period to period they move between states with the
probabilities of a transition matrix P (rows sum to 1); in each state the firm
earns a reward R (margin minus cost to serve or to market, per period). With a
discount rate d per period, the expected present value of a customer starting
in each state is (Pfeifer & Carraway 2000, eqs. 4–6)::

    V_T = Σ_{t=0..T} [(1+d)^−1 P]^t R          (finite horizon, T+1 periods)
    V   = Σ_{t=0..∞} [(1+d)^−1 P]^t R = (I − P/(1+d))^−1 R

with the reward of the current period counted undiscounted at t = 0 (their
convention, ``timing="start"``). ``timing="end"`` counts rewards from the next
period on (t = 1, 2, …), i.e. V_end = P/(1+d) · V_start.

The two-state chain "active with retention r / lost for good" with reward m
while active reproduces the retention formula m(1+d)/(1+d−r) of
:func:`crmlab.clv.simple_clv` (``timing="start"``).

Marketing to a lapsed customer for ever can cost more than it brings back: a
state whose reward is a marketing cost, visited again and again, makes the
infinite-horizon value negative. Pfeifer & Carraway's (2000) point is the
policy of *when to stop*: in each state the firm may stop marketing, which
makes the customer a former customer (an absorbing state worth 0), and a state
is worth marketing to only if its value with marketing exceeds 0, the value of
stopping. :meth:`MarkovCLV.optimal_policy` finds that policy by policy
iteration (Howard 1960) — or by backward induction for a finite horizon —
and the value of a customer under it, which is never below 0 nor below the
value of marketing for ever.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.inputs import check_argument

__all__ = ["MarkovCLV", "estimate_transition_matrix", "recency_states"]

_TOLERANCE = 1e-8


class MarkovCLV:
    """Customer lifetime value of a Markov chain of relationship states (Pfeifer & Carraway 2000).

    Parameters
    ----------
    transition_matrix : array-like (k × k)
        P[i, j] = probability of moving from state i to state j in one period.
    rewards : array-like (k,)
        Reward per period in each state (margin − costs).
    discount_rate : float
        Discount rate per period d (> −1; d = 0 only with a finite horizon or
        an absorbing zero-reward state reached with certainty).
    states : sequence of str, optional
        State names (default "0", "1", …).
    timing : "start" or "end"
        Rewards of the current period counted now ("start", P&C) or from the next period on.

    Examples
    --------
    >>> chain = MarkovCLV.from_retention(0.8, margin=100, discount_rate=0.1)
    >>> round(float(chain.value()["active"]), 2)   # m(1+d)/(1+d−r) = 100·1.1/0.3
    366.67
    """

    def __init__(
        self,
        transition_matrix: Any,
        rewards: Any,
        discount_rate: float,
        *,
        states: Sequence[str] | None = None,
        timing: str = "start",
    ) -> None:
        P = np.asarray(transition_matrix, dtype=float)
        R = np.asarray(rewards, dtype=float).reshape(-1)
        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise ValueError(f"transition_matrix must be square, got shape {P.shape}")
        k = P.shape[0]
        if len(R) != k:
            raise ValueError(f"rewards has {len(R)} values for {k} states")
        if not np.all(np.isfinite(P)) or np.any(P < -_TOLERANCE) or np.any(P > 1 + _TOLERANCE):
            raise ValueError("transition probabilities must be finite and in [0, 1]")
        sums = P.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1) > 1e-6)
        if len(bad):
            raise ValueError(f"rows of the transition matrix must sum to 1; rows {bad.tolist()} sum to {sums[bad].round(6).tolist()}")
        if not np.all(np.isfinite(R)):
            raise ValueError("rewards must be finite")
        discount_rate = check_argument(discount_rate, "discount_rate", above=-1, scalar=True)
        if timing not in ("start", "end"):
            raise ValueError(f"timing must be 'start' or 'end', got {timing!r}")
        names = [str(i) for i in range(k)] if states is None else [str(s) for s in states]
        if len(names) != k or len(set(names)) != k:
            raise ValueError(f"states must be {k} distinct names, got {names}")
        self.transition_matrix = pd.DataFrame(np.clip(P, 0, 1), index=names, columns=names)
        self.rewards = pd.Series(R, index=names, name="reward")
        self.discount_rate = float(discount_rate)
        self.states = names
        self.timing = timing

    # ----- constructors for the classic examples -------------------------------------------------
    @classmethod
    def from_retention(cls, retention: float, *, margin: float, discount_rate: float, timing: str = "start") -> MarkovCLV:
        """Two states, ``active`` (stays with probability r, earns ``margin``) and ``lost`` (absorbing, 0)."""
        retention = check_argument(retention, "retention", at_least=0, at_most=1, scalar=True)
        margin = check_argument(margin, "margin", scalar=True)
        P = [[retention, 1 - retention], [0.0, 1.0]]
        return cls(P, [margin, 0.0], discount_rate, states=["active", "lost"], timing=timing)

    @classmethod
    def from_recency(
        cls,
        purchase_probabilities: Sequence[float],
        *,
        margin: float,
        marketing_cost: float,
        discount_rate: float,
    ) -> MarkovCLV:
        """Pfeifer & Carraway's (2000) recency model for a direct marketer.

        State i = 1…k: the customer last bought i periods ago (state 1 = bought
        this period); state k+1 = former customer, no longer marketed to
        (absorbing). A customer in state i buys in the next period with
        probability p_i (→ state 1), otherwise moves to state i+1. In state 1
        the firm earns the margin M; every marketed state 1…k costs K per
        period: R = (M − K, −K, …, −K, 0).
        """
        p = check_argument(purchase_probabilities, "purchase_probabilities", at_least=0, at_most=1).reshape(-1)
        if len(p) == 0:
            raise ValueError("purchase_probabilities must be probabilities in [0, 1], one per recency state")
        margin = check_argument(margin, "margin", scalar=True)
        marketing_cost = check_argument(marketing_cost, "marketing_cost", scalar=True)
        k = len(p)
        P = np.zeros((k + 1, k + 1))
        for i in range(k):
            P[i, 0] = p[i]
            P[i, min(i + 1, k)] += 1 - p[i]
        P[k, k] = 1.0
        R = np.full(k + 1, -float(marketing_cost))
        R[0] += margin
        R[k] = 0.0
        states = [f"recency {i + 1}" for i in range(k)] + ["former"]
        return cls(P, R, discount_rate, states=states)

    # ----- values --------------------------------------------------------------------------------
    def value(self, horizon: int | None = None) -> pd.Series:
        """Expected present value per starting state: V = (I − P/(1+d))^−1 R, or V_T with ``horizon``.

        ``horizon`` T, a whole number ≥ 0, counts the periods t = 0…T ("start")
        or t = 1…T ("end"); None (or ``numpy.inf``) is the infinite horizon.

        The infinite sum converges when the discounted chain P/(1+d), restricted
        to the states from which a non-zero reward can still be reached, has
        spectral radius < 1: always for d > 0; for d ≤ 0 only when every
        customer ends, with certainty, in states without rewards (e.g. an
        absorbing "lost" state). States that cannot reach a reward are worth 0.
        Otherwise a ValueError asks for a finite horizon.
        """
        P = self.transition_matrix.to_numpy()
        R = self.rewards.to_numpy()
        M = P / (1 + self.discount_rate)
        if horizon is not None:
            horizon = check_argument(horizon, "horizon", at_least=0, whole=True, infinite=True, scalar=True)
        if horizon is None or np.isinf(horizon):
            # states from which no reward can be reached are worth 0; on the others the
            # series Σ M^t R converges iff the spectral radius of M there is < 1 (without
            # discounting, I − P is singular on the zero-reward recurrent states)
            keep = _reaches_reward(P, R)
            M_keep = M[np.ix_(keep, keep)]
            if keep.any() and np.max(np.abs(np.linalg.eigvals(M_keep))) >= 1 - 1e-12:
                raise ValueError(
                    "the infinite-horizon value diverges (P/(1+d) has spectral radius ≥ 1 on states that "
                    "lead to rewards: no or negative discounting with a rewarding recurrent state); give a horizon"
                )
            v = np.zeros_like(R)
            if keep.any():
                v[keep] = np.linalg.solve(np.eye(keep.sum()) - M_keep, R[keep])
            if self.timing == "end":
                v = M @ v
        else:
            term = R.copy() if self.timing == "start" else M @ R
            v = np.zeros_like(R)
            last = int(horizon) if self.timing == "start" else int(horizon) - 1
            for _ in range(last + 1):
                v += term
                term = M @ term
        return pd.Series(v, index=self.states, name="clv")

    # ----- when to stop marketing ------------------------------------------------------------------
    def optimal_policy(self, horizon: int | None = None) -> pd.DataFrame:
        """The policy of when to stop marketing, and the value of a customer under it (Pfeifer & Carraway 2000).

        In each state the firm either markets (earns the state's reward R_i,
        the customer moves by P) or stops (the customer becomes a former
        customer: an absorbing state worth 0). The optimal values solve

            V*_i = max(0, R_i + Σ_j P_ij V*_j / (1+d)),

        found by policy iteration (Howard 1960: evaluate the states marketed
        to, market where R + P V / (1+d) > 0, repeat until the policy is
        stable) for the infinite horizon, and by backward induction
        V*_T = max(0, R), V*_{t} = max(0, R + P V*_{t+1}/(1+d)) for a
        ``horizon`` T (the policy of the first period is returned). The
        convention is Pfeifer & Carraway's (``timing="start"``).

        Returns one row per state: ``reward``, ``value_marketed`` (marketing
        for ever, :meth:`value`, NaN where that diverges), ``market`` (whether the
        optimal policy markets in the state) and ``value`` (the optimal value,
        ≥ 0 and ≥ ``value_marketed``).

        >>> chain = MarkovCLV.from_recency([0.4, 0.25, 0.05], margin=40, marketing_cost=4, discount_rate=0.2)
        >>> policy = chain.optimal_policy()
        >>> policy["market"].tolist()   # stop after two periods without a purchase
        [True, True, False, False]
        >>> policy["value"].round(2).tolist(), policy["value_marketed"].round(2).tolist()
        ([60.44, 8.59, 0.0, 0.0], [59.6, 7.47, -1.52, 0.0])
        """
        if self.timing != "start":
            raise ValueError("optimal_policy uses Pfeifer & Carraway's convention: make the chain with timing='start'")
        P = self.transition_matrix.to_numpy()
        R = self.rewards.to_numpy()
        M = P / (1 + self.discount_rate)
        scale = max(1.0, float(np.max(np.abs(R))))
        if horizon is not None:
            horizon = check_argument(horizon, "horizon", at_least=0, whole=True, infinite=True, scalar=True)
        if horizon is None or np.isinf(horizon):
            market = np.zeros(len(R), dtype=bool)  # start from stopping everywhere: always worth 0
            for _ in range(10 * len(R) + 10):
                v = _policy_value(M, R, market)
                better = R + M @ v > _TOLERANCE * scale
                if np.array_equal(better, market):
                    break
                market = better
            else:  # pragma: no cover - policy iteration ends in at most 2^k steps, in practice a few
                raise RuntimeError("policy iteration did not settle")
        else:
            v = np.maximum(R, 0.0)
            market = R > _TOLERANCE * scale
            for _ in range(int(horizon)):
                q = R + M @ v
                market = q > _TOLERANCE * scale
                v = np.where(market, q, 0.0)
        try:
            always = self.value(horizon).to_numpy()
        except ValueError:
            always = np.full(len(R), np.nan)
        return pd.DataFrame({"reward": R, "value_marketed": always, "market": market, "value": v},
                            index=pd.Index(self.states, name="state"))

    def expected_value(self, initial: Any, horizon: int | None = None) -> float:
        """Value of a customer (or base) with starting distribution ``initial`` over the states
        (a vector, or a mapping state → share or count)."""
        return float(self._distribution(initial) @ self.value(horizon).to_numpy())

    def state_distribution(self, initial: Any, periods: int) -> pd.DataFrame:
        """Distribution over the states in periods 0…``periods``: π_t = π_0 P^t (one row per period)."""
        periods = int(check_argument(periods, "periods", at_least=0, whole=True, scalar=True))
        pi = self._distribution(initial)
        P = self.transition_matrix.to_numpy()
        rows = [pi]
        for _ in range(periods):
            rows.append(rows[-1] @ P)
        return pd.DataFrame(rows, columns=self.states).rename_axis("period")

    def _distribution(self, initial: Any) -> np.ndarray:
        if isinstance(initial, (dict, pd.Series)):
            unknown = set(initial) - set(self.states)
            if unknown:
                raise ValueError(f"unknown states {sorted(unknown)}; states are {self.states}")
            vec = check_argument([dict(initial).get(s, 0.0) for s in self.states], "initial", at_least=0)
        elif isinstance(initial, str):
            if initial not in self.states:
                raise ValueError(f"unknown state {initial!r}; states are {self.states}")
            vec = (np.array(self.states) == initial).astype(float)
        else:
            vec = check_argument(initial, "initial", at_least=0).reshape(-1)
        if len(vec) != len(self.states) or vec.sum() <= 0:
            raise ValueError("the initial distribution needs one non-negative value per state, not all 0")
        return vec

    def __repr__(self) -> str:
        return f"<MarkovCLV: {len(self.states)} states, d = {self.discount_rate}, timing = {self.timing!r}>"


def _policy_value(M: np.ndarray, R: np.ndarray, market: np.ndarray) -> np.ndarray:
    """Value of marketing in the states ``market`` and stopping elsewhere: V_S = (I − M_SS)^−1 R_S, 0 elsewhere."""
    v = np.zeros_like(R)
    if market.any():
        M_s = M[np.ix_(market, market)]
        if np.max(np.abs(np.linalg.eigvals(M_s))) >= 1 - 1e-12:
            raise ValueError("the value of marketing diverges (no discounting on a recurrent marketed state); give a horizon")
        v[market] = np.linalg.solve(np.eye(int(market.sum())) - M_s, R[market])
    return v


def _reaches_reward(P: np.ndarray, R: np.ndarray) -> np.ndarray:
    """States from which a state with a non-zero reward can be reached (itself included)."""
    reach = R != 0
    step = P > 0
    while True:
        grown = reach | (step @ reach)
        if np.array_equal(grown, reach):
            return reach
        reach = grown


def estimate_transition_matrix(
    panel: pd.DataFrame,
    *,
    customer: str = "customer_id",
    period: str = "period",
    state: str = "state",
    states: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Maximum-likelihood transition probabilities from observed state sequences.

    P̂[i, j] = n_ij / Σ_j n_ij, with n_ij the number of moves from state i in
    one period to state j in the next (consecutive periods of one customer;
    Anderson & Goodman 1957). A state never left from gets a row of NaN.
    ``panel`` is tidy: one row per customer and period. Returns a DataFrame
    with the counts in ``.attrs["counts"]``.

    >>> panel = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "period": [1, 2, 3, 1, 2],
    ...                       "state": ["a", "a", "b", "a", "b"]})
    >>> estimate_transition_matrix(panel)
              a         b
    a  0.333333  0.666667
    b       NaN       NaN
    """
    missing = [c for c in (customer, period, state) if c not in panel.columns]
    if missing:
        raise ValueError(f"estimate_transition_matrix: missing column(s) {missing}")
    data = panel[[customer, period, state]].sort_values([customer, period])
    if data.duplicated([customer, period]).any():
        dup = data[data.duplicated([customer, period], keep=False)].head(5)
        raise ValueError(f"estimate_transition_matrix: several rows for one customer and period, e.g.\n{dup}")
    names = list(states) if states is not None else sorted(data[state].astype(str).unique())
    nxt = data.groupby(customer)[[period, state]].shift(-1)
    consecutive = (nxt[period] - data[period]) == 1 if pd.api.types.is_numeric_dtype(data[period]) else nxt[period].notna()
    moves = pd.DataFrame({"from": data[state].astype(str), "to": nxt[state].astype(str)})[consecutive.to_numpy()]
    counts = (
        pd.crosstab(moves["from"], moves["to"])
        .reindex(index=names, columns=names, fill_value=0)
        .rename_axis(index=None, columns=None)
    )
    probs = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    probs.attrs["counts"] = counts
    return probs


def recency_states(transactions: pd.DataFrame, *, freq: str = "Q", max_recency: int = 4, observation_end: Any = None) -> pd.DataFrame:
    """Each customer's recency state in every period from their first purchase to the end.

    State ``"recency 1"`` = bought in this period, ``"recency i"`` = last
    bought i − 1 periods before this one, and ``"recency {max + 1}+"`` for
    longer (so the labels do not overlap: with ``max_recency=3`` the states
    are recency 1, 2, 3 and 4+) — the states of Pfeifer & Carraway's (2000) recency model, but
    with the last one open (customers can come back), so its transition
    probabilities can be estimated from data with
    :func:`estimate_transition_matrix`.

    ``transactions`` is the canonical table (``customer_id``, ``date``);
    ``freq`` a pandas period alias ("M", "Q", "Y"). Returns a tidy panel
    ``customer_id``, ``period`` (consecutive integers from 0 at the first
    period in the data), ``period_label``, ``state``, ``purchased``.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2020-01-05", "2020-10-01"])})
    >>> recency_states(tx, freq="Q", max_recency=2)["state"].tolist()
    ['recency 1', 'recency 2', 'recency 3+', 'recency 1']
    """
    max_recency = int(check_argument(max_recency, "max_recency", at_least=1, whole=True, scalar=True))
    for column in ("customer_id", "date"):
        if column not in transactions.columns:
            raise ValueError(f"recency_states: missing column {column!r}")
    periods = pd.to_datetime(transactions["date"]).dt.to_period(freq)
    origin = periods.min()
    end = periods.max() if observation_end is None else pd.Timestamp(observation_end).to_period(freq)
    bought = pd.DataFrame({"customer_id": transactions["customer_id"].to_numpy(), "period": (periods - origin).map(lambda o: o.n).to_numpy()})
    bought = bought.drop_duplicates().sort_values(["customer_id", "period"])
    last = (end - origin).n
    first = bought.groupby("customer_id")["period"].min()
    panel = pd.DataFrame({"customer_id": first.index.repeat(last - first.to_numpy() + 1)})
    panel["period"] = np.concatenate([np.arange(f, last + 1) for f in first.to_numpy()]) if len(first) else []
    panel = panel.merge(bought.assign(purchased=True), on=["customer_id", "period"], how="left")
    panel["purchased"] = panel["purchased"].fillna(False).astype(bool)
    last_purchase = panel["period"].where(panel["purchased"]).groupby(panel["customer_id"]).ffill()
    since = (panel["period"] - last_purchase).astype(int) + 1
    labels = [f"recency {i}" for i in range(1, max_recency + 1)]
    panel["state"] = np.where(since <= max_recency, "recency " + since.astype(str), f"recency {max_recency + 1}+")
    panel["period_label"] = [str(origin + int(p)) for p in panel["period"]]
    panel.attrs["states"] = labels + [f"recency {max_recency + 1}+"]
    return panel[["customer_id", "period", "period_label", "state", "purchased"]]
