"""Value *with* the customer: co-creation, and how it goes with the value *of* the customer.

Customers create value with the firm beyond their purchases (Vargo & Lusch 2004, "Evolving to a
new dominant logic for marketing", Journal of Marketing 68(1); Hoyer, Chandy, Dorotic, Krafft &
Singh 2010, "Consumer cocreation in new product development", Journal of Service Research 13(3)).
Kumar et al. (2010, "Undervalued or overvalued customers: capturing total customer engagement
value", Journal of Service Research 13(3)) count it as referral, influence and knowledge value
next to CLV. The indicators here are counts per customer of

- ``reviews`` (influence: reviews and ratings written),
- ``ideas`` (knowledge: suggestions and product ideas submitted),
- ``referrals`` (referral: new customers brought in),
- ``community`` (participation: posts and answers in the brand community).

- :func:`co_creation_indicators` — the counts from a log of co-creation acts, and an index;
- :func:`co_creation_clv_association` — each indicator against CLV: Spearman's ρ, the CLV of
  co-creators against the others, and a log-log OLS of CLV on all indicators (statsmodels).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

# statsmodels and scipy.stats take a second or more to import: the function that uses them imports them.

from crmlab.data.tables import check_columns, check_labels, check_numeric

__all__ = ["CO_CREATION_INDICATORS", "co_creation_clv_association", "co_creation_indicators"]

#: The co-creation indicators, in the order of Kumar et al.'s (2010) engagement value components.
CO_CREATION_INDICATORS = ("reviews", "ideas", "referrals", "community")


def co_creation_indicators(activities: pd.DataFrame, *, customers: Any = None,
                           indicators: Sequence[str] = CO_CREATION_INDICATORS) -> pd.DataFrame:
    """Co-creation counts per customer and a co-creation index.

    ``activities`` has one row per act: ``customer_id`` and ``activity`` (one of
    ``indicators``), optionally ``count`` (default 1). ``customers`` (ids) adds the customers who
    did nothing, with zeros. ``co_creation_index`` is the mean over indicators of
    log(1 + count) / max over customers of log(1 + count), in [0, 1] (a log scale, because a few
    customers write most reviews); ``co_creator`` is 1 for anyone with at least one act.

    >>> acts = pd.DataFrame({"customer_id": ["a", "a", "b"], "activity": ["reviews", "ideas", "reviews"]})
    >>> out = co_creation_indicators(acts, customers=["a", "b", "c"])
    >>> out[["reviews", "ideas", "co_creation_index"]].round(3).to_numpy().tolist()
    [[1.0, 1.0, 0.5], [1.0, 0.0, 0.25], [0.0, 0.0, 0.0]]
    """
    check_columns(activities, ["customer_id", "activity"])
    check_labels(activities, "activity", indicators)
    data = activities.assign(count=1.0) if "count" not in activities.columns else check_numeric(activities, ["count"], nonnegative=["count"])
    counts = data.pivot_table(index="customer_id", columns="activity", values="count", aggfunc="sum", fill_value=0.0)
    counts = counts.reindex(columns=list(indicators), fill_value=0.0).astype(float)
    if customers is not None:
        counts = counts.reindex(pd.Index(list(customers), name="customer_id").union(counts.index, sort=False), fill_value=0.0)
    logs = np.log1p(counts)
    top = logs.max()
    counts["co_creation_index"] = (logs / top.where(top > 0)).fillna(0.0).mean(axis=1)
    counts["co_creator"] = (counts[list(indicators)].sum(axis=1) > 0).astype(float)
    counts.columns.name = None
    counts.index.name = "customer_id"
    return counts


def co_creation_clv_association(indicators: pd.DataFrame, clv: pd.Series,
                                columns: Sequence[str] = CO_CREATION_INDICATORS) -> tuple[pd.DataFrame, Any]:
    """How each co-creation indicator goes with CLV.

    Per indicator (rows): ``spearman_rho`` and its ``p`` between the count and CLV;
    ``mean_clv_cocreators`` and ``mean_clv_others`` (customers with ≥ 1 act against none) and their
    ratio ``clv_ratio``. Also returned: the OLS ``np.log1p(clv) ~ np.log1p(reviews) + …``
    (statsmodels results) whose slopes are elasticity-like — the % difference in CLV per % more
    co-creation, the others held fixed. Association, not causation: engaged customers both buy and
    co-create (Kumar et al. 2010). An indicator in ``columns`` that ``indicators`` lacks raises a
    DataError naming the column once; a missing count or CLV is named by row.

    >>> ind = pd.DataFrame({"reviews": [0, 1, 2, 3, 0, 5]}, index=list("abcdef"))
    >>> clv = pd.Series([10.0, 20.0, 30.0, 40.0, 5.0, 90.0], index=list("abcdef"))
    >>> table, ols = co_creation_clv_association(ind, clv, columns=["reviews"])
    >>> float(table.loc["reviews", "spearman_rho"]), float(table.loc["reviews", "clv_ratio"])
    (1.0, 6.0)
    """
    from scipy import stats

    import statsmodels.formula.api as smf

    cols = list(columns)
    check_columns(indicators, cols, source="indicators")  # an absent indicator is one missing column, not a NaN per row
    data = check_numeric(indicators[cols], cols, source="indicators", nonnegative=cols)
    value = check_numeric(pd.DataFrame({"clv": clv.reindex(data.index)}), ["clv"], nonnegative=["clv"])["clv"]
    data["clv"] = value
    rows = {}
    for c in cols:
        rho = stats.spearmanr(data[c], data["clv"]) if data[c].nunique() > 1 else None
        on = data[c] > 0
        mean_on = float(data.loc[on, "clv"].mean()) if on.any() else np.nan
        mean_off = float(data.loc[~on, "clv"].mean()) if (~on).any() else np.nan
        rows[c] = {"spearman_rho": float(rho.statistic) if rho else np.nan, "p": float(rho.pvalue) if rho else np.nan,
                   "share_cocreators": float(on.mean()), "mean_clv_cocreators": mean_on, "mean_clv_others": mean_off,
                   "clv_ratio": mean_on / mean_off if mean_off and mean_off > 0 else np.nan}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "indicator"
    varying = [c for c in cols if data[c].nunique() > 1]
    ols = smf.ols("np.log1p(clv) ~ " + " + ".join(f"np.log1p({c})" for c in varying), data=data).fit() if varying else None
    return table, ols
