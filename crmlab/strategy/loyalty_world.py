"""A synthetic world for loyalty strategy, with its ground truth.

:func:`simulate_loyalty_world` draws a customer base and everything a loyalty plan looks at,
from a documented process, and returns the truth beside the data:

1. **Purchases** — :func:`crmlab.data.simulate_transactions` (BG/NBD purchasing and dropout,
   Gamma-Gamma spend; its truth per customer: ``lam``, ``p_dropout``, ``alive_at_end``, …), with
   customers acquired over the first year and the parameters of a retailer whose customers buy
   about five times a year (:data:`LOYALTY_PARAMS`: r = 0.75, α = 8, a = 0.5, b = 4, CDNOW's spend).
2. **Engagement** — a latent engagement eᵢ = ρ·z(log λᵢ) + √(1 − ρ²)·N(0, 1): engaged customers
   buy more often, co-create, and give the firm a larger share of their wallet.
3. **Categories** — of K categories a customer uses 1 + Binomial(K − 1, πᵢ), logit πᵢ =
   ``breadth_logit`` + 0.8·eᵢ (their true breadth); each purchase is in one of them, uniformly,
   the first in their main one.
4. **Share of wallet** — logit SoWᵢ = ``sow_logit`` + 0.8·eᵢ + N(0, 0.5²); the wallet (total
   category spend) is the spend with the firm / SoWᵢ, reported with a lognormal error (σ = 0.1),
   never below the spend with the firm.
5. **Co-creation** — counts of reviews, ideas, referrals and community posts ~
   Poisson(exp(β₀ₖ + β₁ₖ·eᵢ)) (``co_creation_effects``).
6. **Value survey** — a sample of ``n_survey`` customers rates expectation and perception of the
   five SERVQUAL attributes (Parasuraman, Zeithaml & Berry 1988) on 1–7; perception =
   expectation + the attribute's mean gap + N(0, 1); satisfaction = 4.5 + Σₐ wₐ·gapₐ + N(0, 0.4²)
   (``satisfaction_weights``), all clipped to the scale.
7. **Touchpoints** — each surveyed customer rates the expected and perceived value of five
   touchpoints on 1–7: expected ~ N(4.5, 0.8²), perceived = expected + the touchpoint's true gap +
   N(0, 0.7²) (clipping to the scale is rare).
8. **Win-back** — the customers lapsed at the end (no purchase for ``lapse_after`` weeks) get a
   win-back offer and come back with P = 1/(1 + exp(−(γ₀ + γ₁·log(1 + x) + γ₂·weeks since the last
   purchase))) (``win_back_coefficients``), x their repeat purchases.

The truth: ``customers`` (per customer: engagement, true breadth, true SoW, …) and ``truth``
(the coefficients above).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data import simulate_transactions
from crmlab.stats.generators import as_generator

__all__ = ["ATTRIBUTES", "CATEGORIES", "LOYALTY_PARAMS", "TOUCHPOINTS", "LoyaltyWorld", "simulate_loyalty_world"]

#: The SERVQUAL attributes of the value survey (Parasuraman, Zeithaml & Berry 1988).
ATTRIBUTES = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
#: The touchpoints of the synthetic firm.
TOUCHPOINTS = ("website", "app", "store", "call_centre", "delivery")
#: The product categories of the synthetic firm.
CATEGORIES = ("music", "film", "books", "games", "electronics", "accessories")

DEFAULT_SATISFACTION_WEIGHTS = {"reliability": 0.45, "responsiveness": 0.30, "assurance": 0.20, "empathy": 0.15, "tangibles": 0.05}
DEFAULT_ATTRIBUTE_GAPS = {"reliability": -0.6, "responsiveness": -0.3, "assurance": 0.2, "empathy": 0.0, "tangibles": 0.4}
DEFAULT_TOUCHPOINT_GAPS = {"website": 0.3, "app": 0.1, "store": 0.4, "call_centre": -0.9, "delivery": -0.5}
DEFAULT_CO_CREATION = {"reviews": (-0.5, 0.6), "ideas": (-2.0, 0.5), "referrals": (-1.2, 0.7), "community": (-1.0, 0.8)}
DEFAULT_WIN_BACK = (0.5, 0.6, -0.05)
#: BG/NBD and Gamma-Gamma parameters of the synthetic retailer (weekly purchase rates).
LOYALTY_PARAMS = {"r": 0.75, "alpha": 8.0, "a": 0.5, "b": 4.0, "p_spend": 6.25, "q": 3.74, "gamma": 15.44}


@dataclass(frozen=True)
class LoyaltyWorld:
    """The synthetic loyalty world: data tables and their ground truth (see :mod:`crmlab.strategy.loyalty_world`)."""

    transactions: pd.DataFrame
    customers: pd.DataFrame
    wallet: pd.Series
    co_creation: pd.DataFrame
    survey: pd.DataFrame
    touchpoints: pd.DataFrame
    win_back: pd.DataFrame
    truth: dict[str, Any] = field(repr=False)
    start: pd.Timestamp = field(default=pd.Timestamp("2020-01-01"))
    end: pd.Timestamp = field(default=pd.Timestamp("2021-12-31"))

    def __repr__(self) -> str:
        return (f"LoyaltyWorld({len(self.customers)} customers, {len(self.transactions)} purchases, "
                f"{len(self.survey)} survey answers, {len(self.win_back)} lapsed)")


def simulate_loyalty_world(
    n_customers: int = 2000,
    *,
    n_survey: int | None = None,
    start: Any = "2020-01-01",
    end: Any = "2021-12-31",
    acquisition_end: Any = "2020-12-31",
    transaction_params: Mapping[str, float] | None = None,
    engagement_correlation: float = 0.7,
    breadth_logit: float = -1.5,
    sow_logit: float = -0.3,
    satisfaction_weights: Mapping[str, float] | None = None,
    attribute_gaps: Mapping[str, float] | None = None,
    touchpoint_gaps: Mapping[str, float] | None = None,
    co_creation_effects: Mapping[str, tuple[float, float]] | None = None,
    win_back_coefficients: tuple[float, float, float] = DEFAULT_WIN_BACK,
    lapse_after: float = 26.0,
    rng: np.random.Generator | int | None = None,
) -> LoyaltyWorld:
    """Draw a loyalty world (the process in the module docstring) and return it with its truth.

    >>> world = simulate_loyalty_world(300, rng=1)
    >>> world.truth["satisfaction_weights"]["reliability"], sorted(world.transactions["category"].unique())[:2]
    (0.45, ['accessories', 'books'])
    """
    gen = as_generator(rng)
    weights = {**DEFAULT_SATISFACTION_WEIGHTS, **dict(satisfaction_weights or {})}
    attr_gaps = {**DEFAULT_ATTRIBUTE_GAPS, **dict(attribute_gaps or {})}
    tp_gaps = {**DEFAULT_TOUCHPOINT_GAPS, **dict(touchpoint_gaps or {})}
    co_effects = {**DEFAULT_CO_CREATION, **dict(co_creation_effects or {})}
    params = {**LOYALTY_PARAMS, **dict(transaction_params or {})}
    base = simulate_transactions(n_customers, start=start, end=end, acquisition_end=acquisition_end, params=params,
                                 channels={"direct": {"share": 1.0}}, rng=gen)
    customers = base.customers.set_index("customer_id")
    tx = base.transactions.copy()
    ids = customers.index
    n = len(ids)

    log_lam = np.log(customers["lam"].to_numpy())
    z = (log_lam - log_lam.mean()) / log_lam.std()
    rho = engagement_correlation
    engagement = rho * z + np.sqrt(1 - rho**2) * gen.standard_normal(n)

    K = len(CATEGORIES)
    pi = 1 / (1 + np.exp(-(breadth_logit + 0.8 * engagement)))
    breadth = 1 + gen.binomial(K - 1, pi)
    category_sets = [gen.permutation(K)[:b] for b in breadth]
    position = tx.groupby("customer_id", sort=False).cumcount().to_numpy()
    owner = ids.get_indexer(tx["customer_id"])
    pick = np.where(position == 0, 0, (gen.random(len(tx)) * breadth[owner]).astype(int))
    tx["category"] = [CATEGORIES[category_sets[o][k]] for o, k in zip(owner, pick, strict=True)]

    sow = 1 / (1 + np.exp(-(sow_logit + 0.8 * engagement + gen.normal(0, 0.5, n))))
    spend = tx.groupby("customer_id")["amount"].sum().reindex(ids).to_numpy()
    wallet = np.maximum(spend / sow * np.exp(gen.normal(0, 0.1, n)), spend)

    co = pd.DataFrame({k: gen.poisson(np.exp(b0 + b1 * engagement)) for k, (b0, b1) in co_effects.items()}, index=ids)
    acts = co.stack()
    acts = acts[acts > 0]
    co_creation = pd.DataFrame({"customer_id": acts.index.get_level_values(0), "activity": acts.index.get_level_values(1),
                                "count": acts.to_numpy().astype(float)})

    m = n if n_survey is None else min(int(n_survey), n)
    surveyed = ids[np.sort(gen.choice(n, m, replace=False))]
    survey = pd.DataFrame(index=surveyed)
    survey.index.name = "customer_id"
    satisfaction = np.full(m, 4.5)
    for a in ATTRIBUTES:
        expectation = np.clip(gen.normal(5.2, 0.8, m), 1, 7)
        perception = np.clip(expectation + attr_gaps[a] + gen.normal(0, 1.0, m), 1, 7)
        survey[f"expectation_{a}"] = expectation
        survey[f"perception_{a}"] = perception
        satisfaction += weights[a] * (perception - expectation)
    survey["satisfaction"] = np.clip(satisfaction + gen.normal(0, 0.4, m), 1, 7)
    survey = survey.reset_index()

    tp_rows = []
    for t in TOUCHPOINTS:
        expected = np.clip(gen.normal(4.5, 0.8, m), 1, 7)
        perceived = np.clip(expected + tp_gaps[t] + gen.normal(0, 0.7, m), 1, 7)
        tp_rows.append(pd.DataFrame({"customer_id": surveyed, "touchpoint": t, "expected": expected, "perceived": perceived}))
    touchpoints = pd.concat(tp_rows, ignore_index=True)

    end_ts = pd.Timestamp(end)
    last = tx.groupby("customer_id")["date"].max().reindex(ids)
    weeks_since = ((end_ts - last).dt.days / 7).to_numpy()
    frequency = tx.groupby("customer_id").size().reindex(ids).to_numpy() - 1
    lapsed = weeks_since >= lapse_after
    g0, g1, g2 = win_back_coefficients
    p_back = 1 / (1 + np.exp(-(g0 + g1 * np.log1p(frequency) + g2 * weeks_since)))
    came_back = gen.random(n) < p_back
    win_back = pd.DataFrame({"customer_id": ids, "frequency": frequency.astype(float), "time_since_last": weeks_since,
                             "reactivated": came_back.astype(float), "true_probability": p_back})[lapsed].reset_index(drop=True)

    truth_customers = customers.assign(engagement=engagement, true_breadth=breadth, true_share_of_wallet=sow,
                                       lapsed=lapsed, win_back_probability=p_back).reset_index()
    truth = {
        "satisfaction_weights": weights, "attribute_gaps": attr_gaps, "touchpoint_gaps": tp_gaps,
        "co_creation_effects": co_effects, "win_back_coefficients": tuple(win_back_coefficients),
        "engagement_correlation": rho, "lapse_after": lapse_after, "transactions": base.params,
    }
    return LoyaltyWorld(tx, truth_customers, pd.Series(wallet, index=ids, name="wallet"), co_creation, survey, touchpoints,
                        win_back, truth, pd.Timestamp(start), end_ts)
