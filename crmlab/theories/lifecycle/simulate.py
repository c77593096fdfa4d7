"""Synthetic relationship histories with known phase sequences (ground truth for the lifecycle rules).

Each customer moves through Dwyer's phases by a Markov chain
(:data:`DEFAULT_TRANSITIONS`, absorbing dissolution) and behaves in each phase
as the phase is defined: **awareness** — a contact, no purchase;
**exploration** — at most two trial purchases; **expansion** — orders rising
by one per period; **commitment** — a steady high level of orders every
period; **dissolution** — nothing. Each customer has a cost-to-serve
intensity (contacts per order, Gamma distributed); with ``cost_effect`` > 0 the
probability of moving into dissolution from an active phase is multiplied by
exp(cost_effect · (intensity − mean)), so costly customers leave more often.
Every dissolution is recorded with its initiator (customer, firm or both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.theories.lifecycle.phases import PHASES

__all__ = ["DEFAULT_TRANSITIONS", "SimulatedLifecycle", "simulate_relationships"]

#: Illustrative monthly phase transition probabilities (rows: from, columns: to, in PHASES order).
DEFAULT_TRANSITIONS = pd.DataFrame(
    [
        [0.40, 0.60, 0.00, 0.00, 0.00],
        [0.00, 0.70, 0.20, 0.00, 0.10],
        [0.00, 0.00, 0.60, 0.32, 0.08],
        [0.00, 0.00, 0.00, 0.95, 0.05],
        [0.00, 0.00, 0.00, 0.00, 1.00],
    ],
    index=list(PHASES),
    columns=list(PHASES),
)


@dataclass(frozen=True)
class SimulatedLifecycle:
    """``transactions`` and ``interactions`` (canonical tables), ``terminations`` (customer_id,
    date, initiator), ``truth`` (customer_id, t, phase), ``intensity`` (per customer); the planted
    ``cost_effect`` and ``initiator_shares`` (the probabilities of who ends a relationship)."""

    transactions: pd.DataFrame
    interactions: pd.DataFrame
    terminations: pd.DataFrame
    truth: pd.DataFrame
    intensity: pd.Series
    cost_effect: float = 0.0
    initiator_shares: Mapping[str, float] | None = None


def simulate_relationships(
    n_customers: int,
    n_periods: int = 24,
    *,
    transitions: pd.DataFrame | None = None,
    start: str = "2020-01",
    commitment_orders: int = 4,
    cost_effect: float = 0.0,
    initiator_shares: Mapping[str, float] | None = None,
    rng: np.random.Generator | int | None = None,
) -> SimulatedLifecycle:
    """Simulate monthly relationship histories (see the module docstring).

    >>> world = simulate_relationships(50, 12, rng=1)
    >>> sorted(world.truth["phase"].unique())[:2]
    ['awareness', 'commitment']
    """
    if int(n_customers) != n_customers or n_customers < 1:
        raise ValueError(f"n_customers must be a whole number ≥ 1, got {n_customers}")
    if int(n_periods) != n_periods or n_periods < 2:
        raise ValueError(f"n_periods must be a whole number ≥ 2, got {n_periods}")
    P = (DEFAULT_TRANSITIONS if transitions is None else transitions).reindex(index=list(PHASES), columns=list(PHASES)).to_numpy(dtype=float)
    if np.any(np.isnan(P)) or not np.allclose(P.sum(axis=1), 1):
        raise ValueError("transitions must be a 5 × 5 matrix over PHASES with rows summing to 1")
    shares = dict(initiator_shares or {"customer": 0.6, "firm": 0.25, "both": 0.15})
    generator = as_generator(rng)
    n, T = int(n_customers), int(n_periods)
    intensity = generator.gamma(2.0, 0.5, n)  # contacts per order
    tilt = np.exp(cost_effect * (intensity - intensity.mean()))
    periods = pd.period_range(start=pd.Period(start, "M"), periods=T, freq="M")
    tx: list = []
    inter: list = []
    term: list = []
    truth: list = []
    for i in range(n):
        cid = f"R{i + 1:05d}"
        phase, trial, level = 0, 0, 0
        for t in range(T):
            name = PHASES[phase]
            truth.append((cid, t, name))
            orders = 0
            if name == "awareness":
                inter.append((i, t, int(generator.integers(0, 28))))
            elif name == "exploration":
                if trial == 0 or (trial < 2 and generator.random() < 0.4):
                    orders, trial = 1, trial + 1
            elif name == "expansion":
                level += 1
                orders = level
            elif name == "commitment":
                orders = commitment_orders + level
            if orders:
                for day, amount in zip(generator.integers(0, 28, orders), generator.gamma(4.0, 7.5, orders), strict=True):
                    tx.append((i, t, int(day), float(amount)))
                for day in generator.integers(0, 28, generator.poisson(intensity[i] * orders)):
                    inter.append((i, t, int(day)))
            row = P[phase].copy()
            if name in ("exploration", "expansion", "commitment"):
                row[4] = min(row[4] * tilt[i], 0.95)
                others = P[phase].copy()
                others[4] = 0.0
                row[:4] = others[:4] / others[:4].sum() * (1 - row[4])
            new = int(generator.choice(5, p=row))
            if PHASES[new] == "dissolution" and name != "dissolution" and t + 1 < T:
                who = generator.choice(list(shares), p=np.array(list(shares.values())) / sum(shares.values()))
                term.append((cid, t + 1, str(who)))
            phase = new
    starts = periods.to_timestamp().to_numpy()
    ids = np.array([f"R{i + 1:05d}" for i in range(n)])

    def dated(rows: list, extra: list[str]) -> pd.DataFrame:
        arr = pd.DataFrame(rows, columns=["i", "t", "day", *extra])
        frame = pd.DataFrame({"customer_id": ids[arr["i"].to_numpy(dtype=int)],
                              "date": starts[arr["t"].to_numpy(dtype=int)] + pd.to_timedelta(arr["day"].to_numpy(dtype=int), unit="D")})
        for column in extra:
            frame[column] = arr[column].to_numpy()
        return frame.sort_values(["customer_id", "date"], ignore_index=True)

    transactions = dated(tx, ["amount"])
    interactions = dated(inter, [])
    terminations = pd.DataFrame(term, columns=["customer_id", "t", "initiator"])
    terminations.insert(1, "date", starts[terminations["t"].to_numpy(dtype=int)] if len(terminations) else pd.Series(dtype="datetime64[ns]"))
    terminations = terminations.drop(columns="t")
    truth_frame = pd.DataFrame(truth, columns=["customer_id", "t", "phase"])
    total = sum(shares.values())
    return SimulatedLifecycle(transactions, interactions, terminations, truth_frame,
                              pd.Series(intensity, index=[f"R{i + 1:05d}" for i in range(n)], name="contacts_per_order"),
                              float(cost_effect), {k: v / total for k, v in shares.items()})
