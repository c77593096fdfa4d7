"""A synthetic interaction world driven by a latent relationship quality (ground truth).

Each customer has a latent relationship quality q ~ N(0, 1). Per quarter,
while the customer stays (retention probability logistic(1 + 1.2 q)), q raises
the number of episodes (Poisson, mean exp(0.6 + 0.4 q)), the channels used,
the share of episodes the customer opens (logistic(0.8 q)), the probability
and speed of the firm's replies (logistic(0.5 + q); latency exponential with
mean 24·exp(−0.6 q) hours), the chance the customer answers back, the
completion of episodes (logistic(q)) with their outcome value, and the
satisfaction rating (1–5). The log is canonical for
:func:`crmlab.theories.nordic.read_interactions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator

__all__ = ["SimulatedInteractions", "simulate_interactions"]

CHANNELS = ("email", "phone", "chat", "visit", "portal")


@dataclass(frozen=True)
class SimulatedInteractions:
    """``log`` (the interaction log), ``quality`` (q per customer), ``retention`` (customer, period, retained)."""

    log: pd.DataFrame
    quality: pd.Series
    retention: pd.DataFrame


def _logistic(x: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-x))


def simulate_interactions(
    n_customers: int, n_periods: int = 8, *, start: str = "2021-01-01", rng: np.random.Generator | int | None = None
) -> SimulatedInteractions:
    """Simulate quarterly interaction logs of customers of known relationship quality.

    >>> world = simulate_interactions(30, 4, rng=1)
    >>> sorted(world.log["initiator"].unique())
    ['customer', 'firm']
    """
    if int(n_customers) != n_customers or n_customers < 1 or int(n_periods) != n_periods or n_periods < 2:
        raise ValueError("n_customers must be ≥ 1 and n_periods ≥ 2 (whole numbers)")
    g = as_generator(rng)
    q = g.standard_normal(int(n_customers))
    origin = pd.Timestamp(start)
    rows, retention = [], []
    act = 0
    for i, qi in enumerate(q):
        cid = f"N{i + 1:05d}"
        n_channels = 1 + g.binomial(len(CHANNELS) - 1, _logistic(qi - 0.5))
        channels = g.choice(CHANNELS, n_channels, replace=False)
        for period in range(int(n_periods)):
            base = origin + pd.DateOffset(months=3 * period)
            for _ in range(g.poisson(np.exp(0.6 + 0.4 * qi))):
                t = base + pd.Timedelta(hours=float(g.uniform(0, 88 * 24)))
                opener = "customer" if g.random() < _logistic(0.8 * qi) else "firm"
                completed = g.random() < _logistic(qi)
                channel = str(g.choice(channels))
                act += 1
                first = f"A{act:07d}"
                rows.append((first, cid, t, opener, channel, None, g.exponential(10), 0.0, np.nan))
                previous, who = first, opener
                for _turn in range(3):  # the other side may answer, and the conversation go on
                    p_answer = _logistic(0.5 + qi) if who == "customer" else _logistic(qi)
                    if g.random() >= p_answer:
                        break
                    latency = g.exponential(24 * np.exp(-0.6 * qi)) if who == "customer" else g.exponential(36)
                    t = t + pd.Timedelta(hours=float(latency))
                    who = "firm" if who == "customer" else "customer"
                    act += 1
                    rows.append((f"A{act:07d}", cid, t, who, channel, previous, g.exponential(10), 0.0, np.nan))
                    previous = f"A{act:07d}"
                sat = float(np.clip(np.round(3 + qi + 0.7 * g.standard_normal()), 1, 5))
                outcome = float(g.gamma(2.0, 50 * np.exp(0.3 * qi))) if completed else 0.0
                # the last act of the episode carries its outcome and the customer's rating
                last = list(rows[-1])
                last[7], last[8] = outcome, sat
                rows[-1] = tuple(last)
            stays = g.random() < _logistic(1.0 + 1.2 * qi)
            retention.append((cid, period, int(stays)))
            if not stays:
                break
    log = pd.DataFrame(rows, columns=["act_id", "customer_id", "timestamp", "initiator", "channel", "reply_to", "duration",
                                      "outcome_value", "satisfaction"])
    log["kind"] = "contact"
    ids = [f"N{i + 1:05d}" for i in range(int(n_customers))]
    return SimulatedInteractions(log.sort_values(["customer_id", "timestamp"], ignore_index=True), pd.Series(q, index=ids, name="quality"),
                                 pd.DataFrame(retention, columns=["customer_id", "period", "retained"]))
