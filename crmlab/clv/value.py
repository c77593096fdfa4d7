"""Customer value tables and lifetime value by acquisition channel.

:func:`customer_value_table` turns fitted models into one row per customer:
probability alive, expected transactions and spend over the horizon, and CLV
(expected discounted transactions × expected spend × margin, the method of
:meth:`crmlab.clv.btyd.TransactionModel.customer_lifetime_value`).

:func:`clv_by_channel` sets the value of the customers each acquisition channel
brought against what the channel costs per customer, the comparison that makes
LTV a criterion for marketing channels: a channel is worth its cost when the
mean CLV of its customers exceeds the acquisition cost per customer (LTV/CAC
> 1; Gupta & Lehmann 2005, *Managing Customers as Investments*, ch. 3).
Confidence intervals of the mean CLV are percentile bootstrap intervals
(Efron & Tibshirani 1993), via :func:`scipy.stats.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.inputs import check_argument
from crmlab.stats.generators import as_generator

__all__ = ["clv_by_channel", "customer_value_table"]


def customer_value_table(
    summary: pd.DataFrame,
    transaction_model: Any,
    spend_model: Any,
    *,
    discount_rate: float,
    horizon: int,
    period_length: float = 1.0,
    margin: float = 1.0,
) -> pd.DataFrame:
    """One row per customer: P(alive), expected transactions and spend over the horizon, and CLV.

    Columns: ``probability_alive``, ``expected_transactions`` (E[Y(H·Δ) |
    x, t_x, T], undiscounted), ``expected_spend`` (the spend model's
    conditional expected spend per transaction), ``clv`` (discounted,
    × ``margin``). The index is the summary's (customer_id). The arguments are
    those of :meth:`crmlab.clv.btyd.TransactionModel.customer_lifetime_value`
    (discount rate ≥ 0, a whole horizon ≥ 0, period length > 0); ``margin``
    is finite, one number or one per customer.
    """
    spend = np.asarray(spend_model.conditional_expected_average_spend(summary), dtype=float)
    margin = check_argument(margin, "margin", length=len(spend))
    clv = transaction_model.customer_lifetime_value(
        summary, monetary_value=margin * spend, discount_rate=discount_rate, horizon=horizon, period_length=period_length
    )
    return pd.DataFrame(
        {
            "probability_alive": np.asarray(transaction_model.probability_alive(summary)),
            "expected_transactions": np.asarray(
                transaction_model.conditional_expected_transactions(horizon * period_length, summary)
            ),
            "expected_spend": spend,
            "clv": np.asarray(clv),
        },
        index=summary.index,
    )


def clv_by_channel(
    values: pd.DataFrame,
    *,
    channel: str = "channel",
    clv: str = "clv",
    acquisition_costs: Mapping[str, float] | pd.Series | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Mean customer lifetime value per acquisition channel, with bootstrap CI, against acquisition cost.

    For each channel c with customers i ∈ c: ``mean_clv`` = mean CLV_i,
    ``mean_clv_low``/``mean_clv_high`` its percentile bootstrap confidence
    interval (``n_boot`` resamples of the channel's customers, seeded by
    ``rng``), ``total_clv``, and, with ``acquisition_costs`` (cost per
    acquired customer, by channel), ``acquisition_cost``, ``net_value`` =
    mean CLV − cost (with the interval shifted by the cost, which is taken
    as known) and ``ltv_cac`` = mean CLV / cost. Sorted by mean CLV.

    Examples
    --------
    >>> values = pd.DataFrame({"channel": ["a"] * 50 + ["b"] * 50, "clv": [10.0] * 50 + [20.0] * 50})
    >>> clv_by_channel(values, acquisition_costs={"a": 5, "b": 25}, rng=1)[["channel", "mean_clv", "net_value", "ltv_cac"]]
      channel  mean_clv  net_value  ltv_cac
    0       b      20.0       -5.0      0.8
    1       a      10.0        5.0      2.0
    """
    for column in (channel, clv):
        if column not in values.columns:
            raise ValueError(f"clv_by_channel: no column {column!r} in the values (columns: {list(values.columns)})")
    confidence = check_argument(confidence, "confidence", above=0, below=1, scalar=True)
    n_boot = int(check_argument(n_boot, "n_boot", at_least=100, whole=True, scalar=True))
    clean = values[[channel, clv]].copy()
    clean[clv] = pd.to_numeric(clean[clv], errors="coerce")
    bad = clean.index[clean[clv].isna() | clean[channel].isna()]
    if len(bad):
        raise ValueError(f"clv_by_channel: missing channel or CLV in rows {list(bad[:20])}")
    from scipy import stats  # the bootstrap alone needs scipy.stats, which takes about half a second to import

    generator = as_generator(rng)
    rows = []
    for name, group in clean.groupby(channel, sort=True):
        x = group[clv].to_numpy(dtype=float)
        if len(x) > 1 and np.ptp(x) > 0:
            ci = stats.bootstrap(
                (x,), np.mean, n_resamples=int(n_boot), confidence_level=confidence, method="percentile",
                random_state=generator, vectorized=True, batch=max(1, int(2e7 // len(x))),
            ).confidence_interval
            low, high = float(ci.low), float(ci.high)
        else:  # one customer, or all equal: no sampling variation to show
            low = high = float(x.mean())
        rows.append({"channel": name, "n_customers": len(x), "mean_clv": float(x.mean()), "mean_clv_low": low,
                     "mean_clv_high": high, "total_clv": float(x.sum())})
    table = pd.DataFrame(rows)
    if acquisition_costs is not None:
        costs = pd.Series(acquisition_costs, dtype=float)
        missing = sorted(set(table["channel"]) - set(costs.index))
        if missing:
            raise ValueError(f"clv_by_channel: no acquisition cost for channel(s) {missing}")
        if (costs < 0).any() or costs.isna().any():
            raise ValueError(f"clv_by_channel: acquisition costs must be ≥ 0, got {costs.to_dict()}")
        cost = table["channel"].map(costs)
        table["acquisition_cost"] = cost
        for suffix in ("", "_low", "_high"):
            table[f"net_value{suffix}"] = table[f"mean_clv{suffix}"] - cost
        table["ltv_cac"] = np.where(cost > 0, table["mean_clv"] / cost.where(cost > 0, np.nan), np.inf)
    return table.sort_values("mean_clv", ascending=False, ignore_index=True)
