"""A synthetic favour ledger with a known obligation effect (ground truth).

People live in families (3–5 members), families in clans (about four
families); every pair within a family is a family tie, pairs within a clan a
clan tie with probability ``p_clan``, any other pair a friendship tie with
probability ``p_friend`` or a business tie with probability ``p_business``.
Each month, on every directed tie j → i, j gives i a favour with probability
logistic(α_type + β · indebted), where indebted = 1 when j has so far
received more favour value from i than j gave i; favours are worth
Gamma(2, scale) with a scale by tie type. The ledger is canonical for
:func:`crmlab.theories.guanxi.read_favour_ledger`; ``truth`` holds β and α.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator

__all__ = ["SimulatedFavourLedger", "simulate_favour_ledger"]

#: Baseline log-odds of a favour per directed tie and month, by tie type.
BASE_LOG_ODDS = {"family": -1.5, "clan": -2.5, "friendship": -2.0, "business": -3.0}
VALUE_SCALE = {"family": 50.0, "clan": 30.0, "friendship": 25.0, "business": 60.0}


@dataclass(frozen=True)
class SimulatedFavourLedger:
    """``ledger`` (the favour ledger), ``ties`` (person_a, person_b, tie_type, family, clan of each), ``people``
    (person, family, clan) and ``truth`` (``obligation_effect`` β, ``base_log_odds`` α by tie type).
    Made by :func:`simulate_favour_ledger` (Hwang's 1987 obligation mechanism with a known β)."""

    ledger: pd.DataFrame
    ties: pd.DataFrame
    people: pd.DataFrame
    truth: dict


def simulate_favour_ledger(
    n_people: int = 150,
    n_periods: int = 24,
    *,
    obligation_effect: float = 1.5,
    base_log_odds: dict | None = None,
    p_clan: float = 0.3,
    p_friend: float = 0.03,
    p_business: float = 0.02,
    start: str = "2022-01-01",
    rng: np.random.Generator | int | None = None,
) -> SimulatedFavourLedger:
    """Simulate monthly favours among families, clans, friends and business partners (module docstring).

    Source: the obligation (renqing) mechanism of Hwang (1987) as a logit of giving on owing.

    >>> world = simulate_favour_ledger(40, 6, rng=1)
    >>> sorted(world.ledger["tie_type"].unique()) == sorted(world.ties["tie_type"].unique())
    True
    """
    if n_people < 3 or n_periods < 2:
        raise ValueError("need n_people ≥ 3 and n_periods ≥ 2")
    alpha = dict(BASE_LOG_ODDS if base_log_odds is None else base_log_odds)
    g = as_generator(rng)
    family, sizes = [], []
    while len(family) < n_people:
        size = int(g.integers(3, 6))
        family += [len(sizes)] * size
        sizes.append(size)
    family = np.array(family[:n_people])
    clan = family // 4
    names = np.array([f"P{k + 1:04d}" for k in range(n_people)])
    ii, jj = np.triu_indices(n_people, 1)
    same_family, same_clan = family[ii] == family[jj], clan[ii] == clan[jj]
    u = g.random(ii.size)
    tie = np.full(ii.size, None, dtype=object)
    tie[same_family] = "family"
    tie[~same_family & same_clan & (u < p_clan)] = "clan"
    other = ~same_clan
    tie[other & (u < p_friend)] = "friendship"
    tie[other & (u >= p_friend) & (u < p_friend + p_business)] = "business"
    keep = tie != None  # noqa: E711 (object array)
    a, b, tie = ii[keep], jj[keep], tie[keep]
    # directed ties: both directions of each tie
    giver = np.concatenate([a, b])
    receiver = np.concatenate([b, a])
    kind = np.concatenate([tie, tie])
    reverse = np.concatenate([np.arange(a.size) + a.size, np.arange(a.size)])
    given = np.zeros(giver.size)  # cumulative value given along each directed tie
    logit0 = np.array([alpha[k] for k in kind])
    scale = np.array([VALUE_SCALE[k] for k in kind])
    origin = pd.Timestamp(start)
    rows = []
    for period in range(int(n_periods)):
        indebted = given[reverse] > given + 1e-9
        prob = 1 / (1 + np.exp(-(logit0 + obligation_effect * indebted)))
        gives = g.random(giver.size) < prob
        values = g.gamma(2.0, scale[gives] / 2)
        base = origin + pd.DateOffset(months=period)
        days = (base + pd.DateOffset(months=1) - base).days
        offsets = g.uniform(0, days, gives.sum())
        for k, v, off in zip(np.flatnonzero(gives), values, offsets):
            rows.append((names[giver[k]], names[receiver[k]], base + pd.Timedelta(days=float(off)), float(round(v, 2)), kind[k]))
        given[gives] += np.round(values, 2)
    ledger = pd.DataFrame(rows, columns=["giver", "receiver", "date", "value", "tie_type"]).sort_values("date", ignore_index=True)
    ledger["favour_id"] = [f"F{k + 1:06d}" for k in range(len(ledger))]
    ledger["kind"] = "favour"
    ties = pd.DataFrame({"person_a": names[a], "person_b": names[b], "tie_type": tie})
    people = pd.DataFrame({"person": names, "family": family, "clan": clan})
    truth = {"obligation_effect": obligation_effect, "base_log_odds": alpha}
    return SimulatedFavourLedger(ledger, ties, people, truth)
