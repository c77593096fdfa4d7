"""Customer referral value (CRV) beside the customer's own lifetime value (CLV).

Kumar, Petersen & Leone (2007, 2010) value a customer twice: by the margins
of their own purchases (CLV, see :mod:`crmlab.clv`) and by the customers their
recommendations bring in (CRV). Following the structure of their CRV
(Kumar, Petersen & Leone 2010), each customer y referred by customer i
at period t_y (periods since i joined) adds, discounted at rate r per period::

    CRV_i = Σ_y [ (1 − π_y) · (V_y − a_y) + ACQ_y ] / (1 + r)^t_y

where V_y is the referred customer's own value (CLV at acquisition, margins
net of the cost of keeping them), a_y the referral reward paid, π_y the
probability that y would have joined anyway (then their margins are not owed
to the referral), and ACQ_y the acquisition cost the firm saved by not
having to win y through its own marketing. Only direct referrals count (the
referred customers' own referrals are part of *their* CRV).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["VALUE_SEGMENTS", "customer_referral_value", "referral_value_table"]

#: Kumar, Petersen & Leone's (2007) four segments by own value (CLV) and referral value (CRV).
VALUE_SEGMENTS = {(True, True): "champion", (True, False): "affluent", (False, True): "advocate", (False, False): "miser"}

_PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}


def _per_referred(value: Any, index: pd.Index, name: str) -> pd.Series:
    if isinstance(value, pd.Series):
        missing = index.difference(value.index)
        if len(missing):
            raise ValueError(f"{name} has no value for referred customer(s) {', '.join(map(str, missing[:5]))}")
        out = value.reindex(index).astype(float)
    else:
        out = pd.Series(float(value), index=index)
    if out.isna().any():
        raise ValueError(f"{name} is missing for referred customer(s) {', '.join(map(str, out.index[out.isna()][:5]))}")
    return out


def customer_referral_value(
    referrals: pd.DataFrame,
    referred_value: pd.Series,
    *,
    would_join_anyway: float | pd.Series = 0.0,
    acquisition_cost: float | pd.Series = 0.0,
    referral_reward: float | pd.Series | None = None,
    discount_rate: float = 0.0,
    period: str = "M",
    join_dates: pd.Series | None = None,
) -> pd.DataFrame:
    """Customer referral value per referrer (Kumar, Petersen & Leone 2007; 2010).

    For each referral the contribution is ``[(1 − π)(V − a) + ACQ] / (1 + r)^t``
    (module docstring): ``referred_value`` V (a Series of each referred
    customer's own CLV), ``would_join_anyway`` π, ``referral_reward`` a (default:
    the log's ``reward`` column, missing = 0), ``acquisition_cost`` ACQ saved,
    ``discount_rate`` r per ``period`` ("D", "W", "M", "Q", "Y"); t is the
    number of periods from the referrer's join date to the referral. A
    referrer's join date is ``join_dates`` if given, else the date they were
    referred, else (a seed) the date of their first referral.

    Returns one row per referrer: ``n_referred``, ``n_incremental`` (Σ 1 − π,
    the expected customers who would not have come otherwise), ``crv``.

    Sources: Kumar, V., Petersen, J. A. & Leone, R. P. (2007), "How Valuable Is
    Word of Mouth?", Harvard Business Review 85(10), 139–146; (2010), "Driving
    Profitability by Encouraging Customer Referrals: Who, When, and How",
    Journal of Marketing 74(5), 1–17.

    >>> log = pd.DataFrame({"referrer_id": ["a", "a"], "referred_id": ["b", "c"],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    >>> v = pd.Series({"b": 100.0, "c": 200.0})
    >>> crv = customer_referral_value(log, v, would_join_anyway=0.5, discount_rate=0.01)  # 0.5·100 + 0.5·200 / 1.01^(31 days / 1 month)
    >>> round(float(crv.loc[0, "crv"]), 2)
    148.99
    """
    if not np.isfinite(discount_rate) or discount_rate <= -1:
        raise ValueError(f"discount_rate must be > −1 per period, got {discount_rate!r}")
    if period not in _PERIOD_DAYS:
        raise ValueError(f"period must be one of {', '.join(_PERIOD_DAYS)}, got {period!r}")
    log = referrals.reset_index(drop=True)
    referred = pd.Index(log["referred_id"])
    value = _per_referred(referred_value, referred, "referred_value")
    pi = _per_referred(would_join_anyway, referred, "would_join_anyway")
    if ((pi < 0) | (pi > 1)).any():
        raise ValueError("would_join_anyway must be a probability in [0, 1]")
    acq = _per_referred(acquisition_cost, referred, "acquisition_cost")
    if referral_reward is None:
        reward = pd.Series(log["reward"].fillna(0.0).to_numpy() if "reward" in log.columns else 0.0, index=referred, dtype=float)
    else:
        reward = _per_referred(referral_reward, referred, "referral_reward")
    joined = pd.Series(log["date"].to_numpy(), index=referred)
    first_referral = log.groupby("referrer_id")["date"].min()
    start = log["referrer_id"].map(joined).fillna(log["referrer_id"].map(first_referral))
    if join_dates is not None:
        given = log["referrer_id"].map(pd.to_datetime(join_dates))
        start = given.fillna(start)
    t = (log["date"] - start).dt.total_seconds().to_numpy() / 86400 / _PERIOD_DAYS[period]
    contribution = ((1 - pi.to_numpy()) * (value.to_numpy() - reward.to_numpy()) + acq.to_numpy()) / (1 + discount_rate) ** t
    parts = pd.DataFrame({"referrer_id": log["referrer_id"], "n_referred": 1, "n_incremental": 1 - pi.to_numpy(), "crv": contribution})
    return parts.groupby("referrer_id", sort=True).sum().reset_index()


def referral_value_table(own_clv: pd.Series, crv: pd.DataFrame, *, clv_threshold: float | None = None,
                         crv_threshold: float | None = None) -> pd.DataFrame:
    """Own value (CLV) beside referral value (CRV) per customer, with Kumar, Petersen & Leone's (2007) segments.

    ``own_clv`` is a Series by customer (e.g. :func:`crmlab.clv.simple_clv`),
    ``crv`` the frame of :func:`customer_referral_value`; customers who referred
    nobody have CRV 0. A customer is *high* on a value when it exceeds the
    threshold (default: the median over the customers in ``own_clv``):
    champion (high CLV, high CRV), affluent (high CLV, low CRV), advocate (low
    CLV, high CRV), miser (low, low).

    Source: Kumar, Petersen & Leone (2007), "How Valuable Is Word of Mouth?",
    Harvard Business Review 85(10).

    >>> clv = pd.Series({"a": 500.0, "b": 50.0, "c": 400.0, "d": 60.0})
    >>> crv = pd.DataFrame({"referrer_id": ["a", "b"], "n_referred": [1, 3], "n_incremental": [1.0, 3.0], "crv": [10.0, 900.0]})
    >>> referral_value_table(clv, crv, crv_threshold=5)["segment"].to_dict()
    {'a': 'champion', 'b': 'advocate', 'c': 'affluent', 'd': 'miser'}
    """
    table = pd.DataFrame({"clv": own_clv.astype(float)})
    table.index.name = "customer_id"
    by = crv.set_index("referrer_id")
    table["crv"] = by["crv"].reindex(table.index).fillna(0.0)
    table["n_referred"] = by["n_referred"].reindex(table.index).fillna(0).astype(int)
    table["total_value"] = table["clv"] + table["crv"]
    table["crv_share"] = np.where(table["total_value"] != 0, table["crv"] / table["total_value"].where(table["total_value"] != 0), np.nan)
    c_cut = table["clv"].median() if clv_threshold is None else clv_threshold
    r_cut = table["crv"].median() if crv_threshold is None else crv_threshold
    table["segment"] = [VALUE_SEGMENTS[(bool(c > c_cut), bool(r > r_cut))] for c, r in zip(table["clv"], table["crv"])]
    return table
