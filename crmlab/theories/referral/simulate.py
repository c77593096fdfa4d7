"""Synthetic referral worlds and adoption curves with their ground truth.

:func:`simulate_bass_adoptions` draws the adoption times of m eventual
adopters from the Bass (1969) distribution F and counts them per period — the
data the Bass model assumes, for checking that its estimator recovers p, q, m.

:func:`simulate_referral_world` plays the Bass process customer by customer
in discrete periods: of the m − N customers still out, each joins through
external influence with probability p, or through word of mouth with
probability q N / m, N the customers already in (so the expected adoptions are
(m − N)(p + q N / m), the discrete Bass model). A word-of-mouth joiner names a
referrer drawn among the customers already in, which builds the referral log;
each customer also gets a margin and a retention rate, so an own CLV, and a
known flag saying whether they would have joined anyway.

:func:`simulate_service_quality` produces weekly service interactions whose
complaint rate drops after a known improvement and whose satisfaction shifts
at a known week — the test bed of the control charts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.clv import simple_clv
from crmlab.stats.generators import as_generator

__all__ = ["SimulatedReferralWorld", "simulate_bass_adoptions", "simulate_referral_world", "simulate_service_quality"]


def simulate_bass_adoptions(p: float, q: float, m: int, n_periods: int, *, rng: np.random.Generator | int | None = None) -> pd.Series:
    """Adoptions per period 1..n of m customers whose adoption times follow the Bass distribution.

    Inverse transform: with u uniform, t = −ln[(1 − u)/(1 + (q/p) u)] / (p + q)
    solves F(t) = u. Adopters after period n are not counted (right censoring),
    so the counts sum to about m F(n).

    >>> counts = simulate_bass_adoptions(0.03, 0.38, 5000, 20, rng=1)
    >>> len(counts), counts.index[0]
    (20, 1)
    """
    if not (p > 0 and q >= 0 and m >= 1 and n_periods >= 1):
        raise ValueError("need p > 0, q ≥ 0, m ≥ 1 and n_periods ≥ 1")
    g = as_generator(rng)
    u = g.random(int(m))
    t = -np.log((1 - u) / (1 + (q / p) * u)) / (p + q)
    counts = np.bincount(np.ceil(t[t <= n_periods]).astype(int).clip(1), minlength=int(n_periods) + 1)[1:]
    return pd.Series(counts, index=pd.RangeIndex(1, int(n_periods) + 1, name="period"), name="adoptions")


@dataclass(frozen=True)
class SimulatedReferralWorld:
    """``referrals`` (the referral log), ``customers`` (one row per customer: ``customer_id``, ``period``,
    ``joined``, ``source`` external / word_of_mouth, ``referrer_id``, ``margin``, ``retention``, ``clv``,
    ``would_join_anyway``), ``adoptions`` (per period: external, word_of_mouth, total) and ``truth``
    (p, q, m, discount_rate). Made by :func:`simulate_referral_world` (a Bass 1969 market)."""

    referrals: pd.DataFrame
    customers: pd.DataFrame
    adoptions: pd.DataFrame
    truth: dict


def simulate_referral_world(
    m: int = 2000,
    p: float = 0.02,
    q: float = 0.4,
    n_periods: int = 24,
    *,
    start: str = "2022-01-01",
    share_would_join_anyway: float = 0.3,
    mean_margin: float = 20.0,
    discount_rate: float = 0.01,
    reward: float = 10.0,
    rng: np.random.Generator | int | None = None,
) -> SimulatedReferralWorld:
    """A market of m potential customers joining by advertising or referral, monthly (module docstring).

    Margins per month are Gamma(2, mean_margin / 2), retention rates Beta(8, 2)
    (mean 0.8); own CLV is :func:`crmlab.clv.simple_clv` at ``discount_rate``.
    Each referred customer would have joined anyway with probability
    ``share_would_join_anyway`` (the known counterfactual); each referral pays ``reward``.

    Source: the discrete-time Bass (1969) process played out customer by customer.

    >>> world = simulate_referral_world(300, 0.03, 0.4, 12, rng=1)
    >>> int(world.adoptions["total"].sum()) == len(world.customers)
    True
    """
    if not (0 < p < 1 and 0 <= q and p + q <= 1 and m >= 2 and n_periods >= 1):
        raise ValueError("need 0 < p, 0 ≤ q, p + q ≤ 1, m ≥ 2 and n_periods ≥ 1")
    g = as_generator(rng)
    origin = pd.Timestamp(start)
    adopted: list[int] = []  # customer numbers already in
    customers, referrals, per_period = [], [], []
    out = int(m)
    for period in range(1, int(n_periods) + 1):
        n_in = len(adopted)
        external, wom, _ = g.multinomial(out, [p, q * n_in / m, 1 - p - q * n_in / m])
        base = origin + pd.DateOffset(months=period - 1)
        days = (base + pd.DateOffset(months=1) - base).days
        new = []
        for source, count in (("external", external), ("word_of_mouth", wom)):
            for _ in range(count):
                number = len(adopted) + len(new) + 1
                joined = base + pd.Timedelta(days=float(g.uniform(0, days)))
                referrer = f"C{adopted[g.integers(n_in)]:05d}" if source == "word_of_mouth" else None
                customers.append((f"C{number:05d}", period, joined, source, referrer))
                new.append(number)
                if referrer is not None:
                    referrals.append((referrer, f"C{number:05d}", joined, reward))
        adopted += new
        out -= external + wom
        per_period.append((period, external, wom, external + wom))
    frame = pd.DataFrame(customers, columns=["customer_id", "period", "joined", "source", "referrer_id"])
    frame["margin"] = g.gamma(2.0, mean_margin / 2, len(frame))
    frame["retention"] = g.beta(8.0, 2.0, len(frame))
    frame["clv"] = simple_clv(frame["margin"].to_numpy(), frame["retention"].to_numpy(), discount_rate)
    referred = frame["source"] == "word_of_mouth"
    frame["would_join_anyway"] = referred & (g.random(len(frame)) < share_would_join_anyway)
    log = pd.DataFrame(referrals, columns=["referrer_id", "referred_id", "date", "reward"])
    log["channel"] = "referral"
    adoptions = pd.DataFrame(per_period, columns=["period", "external", "word_of_mouth", "total"])
    truth = {"p": p, "q": q, "m": int(m), "discount_rate": discount_rate, "share_would_join_anyway": share_would_join_anyway}
    return SimulatedReferralWorld(log.sort_values(["date", "referred_id"], ignore_index=True), frame, adoptions, truth)


def simulate_service_quality(
    n_periods: int = 52,
    *,
    interactions: float = 400,
    complaint_rate: float = 0.06,
    improved_rate: float = 0.035,
    improvement_at: int = 27,
    satisfaction: float = 4.0,
    satisfaction_sd: float = 0.15,
    satisfaction_shift: float = -0.15,
    shift_at: int = 40,
    rng: np.random.Generator | int | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Weekly service interactions with a known improvement and a known drift in satisfaction.

    Week w has Poisson(``interactions``) interactions, each a complaint with
    probability ``complaint_rate`` before week ``improvement_at`` and
    ``improved_rate`` from then on; the week's mean satisfaction is Normal(
    ``satisfaction``, ``satisfaction_sd``), shifted by ``satisfaction_shift``
    from week ``shift_at``. Returns (the weekly frame: ``period``,
    ``interactions``, ``complaints``, ``satisfaction``; the truth).

    Source: the binomial and normal process models behind the p-chart and the
    EWMA chart (Montgomery 2009, ch. 7 and 9).

    >>> weeks, truth = simulate_service_quality(10, improvement_at=6, shift_at=8, rng=1)
    >>> weeks.columns.tolist(), truth["improvement_at"]
    (['period', 'interactions', 'complaints', 'satisfaction'], 6)
    """
    if not 2 <= improvement_at <= n_periods or not 1 <= shift_at <= n_periods:
        raise ValueError("improvement_at and shift_at must be weeks within 1..n_periods (improvement_at ≥ 2)")
    g = as_generator(rng)
    week = np.arange(1, int(n_periods) + 1)
    n = np.maximum(g.poisson(interactions, week.size), 1)
    rate = np.where(week < improvement_at, complaint_rate, improved_rate)
    complaints = g.binomial(n, rate)
    mean = satisfaction + np.where(week >= shift_at, satisfaction_shift, 0.0)
    frame = pd.DataFrame({"period": week, "interactions": n, "complaints": complaints,
                          "satisfaction": g.normal(mean, satisfaction_sd)})
    truth = {"complaint_rate": complaint_rate, "improved_rate": improved_rate, "improvement_at": improvement_at,
             "satisfaction": satisfaction, "satisfaction_sd": satisfaction_sd, "satisfaction_shift": satisfaction_shift,
             "shift_at": shift_at}
    return frame, truth
