"""Closed-form customer lifetime value: the retention-based formula of Gupta & Lehmann (2003).

A customer yields a constant margin m per period while retained; each period
they stay with probability r (the retention rate, constant); cash flows are
discounted at rate d per period. Two timing conventions:

``timing="end"`` (Gupta & Lehmann 2003): margins arrive at the *end* of periods
t = 1, 2, …, and the margin of period t is earned only if the customer has
survived t retention events (probability r^t), so the first margin already
needs one retention::

    CLV = Σ_{t=1..∞} m r^t / (1 + d)^t = m · r / (1 + d − r)

``timing="start"``: margins arrive at the *start* of periods t = 0, 1, …,
the first one now (certain, undiscounted), the margin at t with probability
r^t::

    CLV = Σ_{t=0..∞} m r^t / (1 + d)^t = m · (1 + d) / (1 + d − r)

(= m + the end-of-period value.) A finite ``horizon`` H counts H margins:
t = 1..H for "end", t = 0..H−1 for "start"; with q = r / (1 + d) these are
m·q·(1 − q^H)/(1 − q) and m·(1 − q^H)/(1 − q).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.inputs import check_argument
from crmlab.customers.projection import customer_base_closed_form, steady_state_base

__all__ = ["churn_scenario_summary", "simple_clv"]


def simple_clv(
    margin: Any,
    retention: Any,
    discount: Any,
    *,
    horizon: Any = None,
    timing: str = "end",
) -> Any:
    """Retention-based CLV: m·r/(1+d−r) (Gupta & Lehmann 2003), and its finite-horizon and start-of-period variants.

    Conventions (see the module docstring for the sums):

    - ``timing="end"``: margin m at the end of each period t = 1, 2, …, earned
      if the customer is retained through t (probability r^t), discounted by
      (1 + d)^t. Infinite horizon: m·r / (1 + d − r). Finite horizon H:
      Σ_{t=1..H} m·r^t / (1 + d)^t.
    - ``timing="start"``: margin at the start of each period t = 0, 1, …, the
      first one immediately. Infinite: m·(1 + d) / (1 + d − r); finite H:
      Σ_{t=0..H−1} m·r^t / (1 + d)^t.

    Parameters
    ----------
    margin : float, array or Series
        Margin per period m (may be negative).
    retention : float, array or Series
        Retention rate per period r, in [0, 1).
    discount : float, array or Series
        Discount rate per period d, > −1 (the infinite horizon also needs
        r < 1 + d, which holds for any d >= 0).
    horizon : None or int (array), optional
        Number of margins counted; None (or ``numpy.inf``) = infinite.
    timing : {"end", "start"}
        When margins arrive in each period.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Broadcast over the inputs: a float for scalar inputs, a Series (with
        the first Series' index) if any input is a Series, else an array.

    Source: Gupta, S. & Lehmann, D. R. (2003), "Customers as Assets", Journal
    of Interactive Marketing 17(1), 9–24.

    Examples
    --------
    >>> simple_clv(100, 0.8, 0.1)          # 100 · 0.8 / 0.3
    266.666...
    >>> simple_clv(100, 0.8, 0.1, timing="start")   # 100 · 1.1 / 0.3
    366.666...
    >>> simple_clv(100, 0.8, 0.1, horizon=2)        # 100·0.8/1.1 + 100·0.64/1.21
    125.61...
    >>> simple_clv(100, np.array([0.5, 0.9]), 0.1)
    array([ 83.33333333, 450.        ])
    """
    if timing not in ("end", "start"):
        raise ValueError(f"unknown timing {timing!r}; expected 'end' (margins at period ends) or 'start'")
    index = next((x.index for x in (margin, retention, discount, horizon) if isinstance(x, pd.Series)), None)
    m = check_argument(margin, "margin")
    r = check_argument(retention, "retention", at_least=0, below=1)
    d = check_argument(discount, "discount", above=-1)
    q = r / (1.0 + d)  # retained and discounted value of one period
    if horizon is None:
        infinite = True
        h = np.inf
    else:
        h = check_argument(horizon, "horizon", at_least=0, whole=True, infinite=True)
        infinite = np.isinf(h)
    shapes = {"margin": m.shape, "retention": r.shape, "discount": d.shape, "horizon": np.shape(h)}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        given = ", ".join(f"{k} {v}" for k, v in shapes.items() if v)
        raise ValueError(f"margin, retention, discount and horizon must be numbers or arrays of matching shapes (got {given})") from None
    if np.any(infinite & (q >= 1)):
        raise ValueError("the infinite-horizon CLV diverges when retention >= 1 + discount; give a finite horizon")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        qh = np.where(infinite, 0.0, np.power(q, np.where(np.isinf(h), 0.0, h)))
        n_margins = np.where(np.isinf(h), 0.0, h)
        # Σ_{t=0..H-1} q^t, with its limit H when q == 1.
        geometric = np.where(q == 1.0, n_margins, (1.0 - qh) / (1.0 - np.where(q == 1.0, 0.0, q)))
    value = m * geometric * (q if timing == "end" else 1.0)
    value = np.asarray(value, dtype=float)
    if index is not None:
        return pd.Series(np.broadcast_to(value, (len(index),)) if value.ndim == 0 else value, index=index, name="clv")
    return float(value) if value.ndim == 0 else value


def churn_scenario_summary(
    acquisitions_per_period: float,
    churn_rates: Mapping[str, float],
    periods: int,
    *,
    margin: float = 100.0,
    discount_rate: float = 0.10,
) -> pd.DataFrame:
    """What each churn scenario means: the base after ``periods``, the steady state, and the value of a customer.

    For each scenario (name → churn rate c, starting from an empty base):
    ``customers`` after ``periods`` (the closed form of
    :func:`~crmlab.customers.customer_base_closed_form`), ``steady_state_base`` A / c
    (:func:`~crmlab.customers.steady_state_base`) and ``clv``, the retention-based value of a
    customer earning ``margin`` a period with retention r = 1 − c and
    discount rate d, m·r / (1 + d − r) (Gupta & Lehmann 2003; margins at the
    end of each period, :func:`simple_clv`). Scenarios in the
    mapping's order.

    Source: Reichheld (1996), *The Loyalty Effect*; Gupta, S. & Lehmann, D. R.
    (2003), "Customers as assets", *Journal of Interactive Marketing* 17(1), 9–24.

    >>> churn_scenario_summary(1000, {"5% churn": 0.05, "10% churn": 0.10}, 10).round(2)
        scenario  churn_rate  customers  steady_state_base     clv
    0   5% churn        0.05    8025.26            20000.0  633.33
    1  10% churn        0.10    6513.22            10000.0  450.00
    """
    if not isinstance(churn_rates, Mapping) or not churn_rates:
        raise ValueError("churn_rates must be a non-empty mapping of scenario name -> churn rate")
    rows = []
    for name, rate in churn_rates.items():
        c = float(check_argument(rate, f"churn rate of {name!r}", at_least=0, at_most=1, scalar=True))
        rows.append({
            "scenario": str(name),
            "churn_rate": c,
            "customers": float(customer_base_closed_form(0.0, acquisitions_per_period, c, int(periods))),
            "steady_state_base": steady_state_base(acquisitions_per_period, c),
            "clv": float(simple_clv(margin, 1.0 - c, discount_rate)),
        })
    return pd.DataFrame(rows)
