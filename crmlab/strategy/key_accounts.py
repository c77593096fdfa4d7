"""Key Account Management (KAM) and Global Account Management (GAM).

KAM gives the few customers of strategic importance a dedicated team and an
individual offer (Millman & Wilson 1995; McDonald, Millman & Rogers 1997).
Which customers are *key* is a decision on stated criteria; this module makes
the decision explicit (:func:`select_key_accounts`) and shows how much it
depends on the weights chosen (:func:`selection_sensitivity`).

GAM serves customers that buy in many countries through several local units
of the seller (Montgomery & Yip 2000; Shi, Zou, White, McNally & Cavusgil
2005): the customer expects consistent prices, terms and service world-wide,
and the seller needs to see the account's global value, which no single unit
sees. :func:`read_unit_terms` checks the units' terms per account,
:func:`gam_consistency` finds where coordination is missing, and
:func:`global_account_value` sets global against local value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import Column, read_table
from crmlab.stats.generators import as_generator
from crmlab.strategy.portfolio import composite_score

__all__ = [
    "UNIT_TERMS_COLUMNS",
    "gam_consistency",
    "global_account_value",
    "read_unit_terms",
    "select_key_accounts",
    "selection_sensitivity",
    "terms_out_of_line",
]

#: One row per account × serving unit (country) × product: the terms that unit gives the account.
UNIT_TERMS_COLUMNS = (
    Column("account_id", "id"),
    Column("unit", "id"),
    Column("product", "id", required=False, nullable=True),
    Column("price", "number", low=0),
    Column("payment_days", "number", low=0),
    Column("service_level", "number", low=0, high=1),
    Column("revenue", "number", low=0),
)


def select_key_accounts(
    accounts: pd.DataFrame,
    criteria: Mapping[str, float],
    *,
    n: int | None = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Rank accounts on weighted criteria and select the key accounts: the top ``n``, or those scoring ≥ ``threshold``.

    The score is the :func:`~crmlab.strategy.portfolio.composite_score` of the
    criteria (min–max scaled, weights normalised), the usual screening of KAM
    programmes on volume, profit potential, growth and strategic fit (McDonald,
    Millman & Rogers 1997). Ties at the cut are broken by account order.
    Returns ``account_id``, ``score``, ``rank`` (1 = best) and ``key``.

    >>> acc = pd.DataFrame({"account_id": list("abcd"), "clv": [4.0, 3.0, 2.0, 1.0], "growth": [0.0, 0.3, 0.1, 0.2]})
    >>> select_key_accounts(acc, {"clv": 0.5, "growth": 0.5}, n=2)[["account_id", "key"]].values.tolist()
    [['b', True], ['a', True], ['c', False], ['d', False]]
    """
    if (n is None) == (threshold is None):
        raise ValueError("give exactly one of n (how many key accounts) or threshold (a score in [0, 1])")
    if n is not None and not 1 <= n <= len(accounts):
        raise ValueError(f"n must be between 1 and the number of accounts ({len(accounts)}), got {n}")
    score = composite_score(accounts, criteria, axis="score")
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(), "score": score.to_numpy()})
    out["rank"] = out["score"].rank(ascending=False, method="first").astype(int)
    out["key"] = out["rank"] <= n if n is not None else out["score"] >= threshold
    return out.sort_values("rank").reset_index(drop=True)


def selection_sensitivity(
    accounts: pd.DataFrame,
    criteria: Mapping[str, float],
    *,
    n: int,
    change: float = 0.5,
    n_draws: int = 500,
    concentration: float = 20.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How the key-account selection changes with the weights: one at a time, and at random.

    1. One weight at a time is multiplied by 1 − ``change`` and 1 + ``change``
       (the others kept, all renormalised); for each scenario the table gives the
       accounts that enter and leave the top ``n`` and the Jaccard similarity
       |K ∩ K₀| / |K ∪ K₀| with the base selection K₀.
    2. ``n_draws`` weight vectors are drawn from a Dirichlet centred on the
       base weights (``concentration`` × base: larger is closer); each account's
       selection frequency says how robust its key status is (a probabilistic
       sensitivity analysis in the sense of SMAA, Lahdelma, Hokkanen & Salminen 1998).

    Returns ``(scenarios, frequency)``.

    >>> acc = pd.DataFrame({"account_id": list("abc"), "clv": [3.0, 2.0, 1.0], "growth": [0.0, 0.5, 1.0]})
    >>> scenarios, freq = selection_sensitivity(acc, {"clv": 0.6, "growth": 0.4}, n=1, n_draws=50, rng=1)
    >>> scenarios[["scenario", "selected"]].values.tolist()[:3]
    [['base', 'a'], ['clv × 0.5', 'c'], ['clv × 1.5', 'a']]
    """
    if not 0 < change < 1:
        raise ValueError(f"change must be in (0, 1), got {change!r}")
    base = dict(criteria)
    total = sum(base.values())
    if not np.isfinite(total) or total <= 0 or min(base.values()) < 0:
        raise ValueError(f"criteria weights must be ≥ 0 with a positive sum, got {base}")
    base = {k: w / total for k, w in base.items()}
    chosen = lambda w: frozenset(select_key_accounts(accounts, w, n=n).query("key")["account_id"])  # noqa: E731
    k0 = chosen(base)
    rows = [("base", base, k0)]
    for name in base:
        for factor in (1 - change, 1 + change):
            w = {k: v * factor if k == name else v for k, v in base.items()}
            rows.append((f"{name} × {factor:g}", w, chosen(w)))
    scenarios = pd.DataFrame([{
        "scenario": label,
        **{f"w_{k}": v / sum(w.values()) for k, v in w.items()},
        "selected": ", ".join(sorted(k)),
        "entered": ", ".join(sorted(k - k0)),
        "left": ", ".join(sorted(k0 - k)),
        "jaccard": len(k & k0) / len(k | k0),
    } for label, w, k in rows])
    gen = as_generator(rng)
    names = list(base)
    draws = gen.dirichlet(concentration * np.array([base[k] for k in names]) + 1e-9, size=n_draws)
    counts = pd.Series(0, index=accounts["account_id"].to_numpy())
    for d in draws:
        counts[list(chosen(dict(zip(names, d))))] += 1
    frequency = pd.DataFrame({"account_id": counts.index, "selection_frequency": counts.to_numpy() / n_draws,
                              "in_base": counts.index.isin(list(k0))})
    return scenarios, frequency.sort_values("selection_frequency", ascending=False, kind="stable").reset_index(drop=True)


def read_unit_terms(source: Any, *, rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The terms each serving unit gives each global account (:data:`UNIT_TERMS_COLUMNS`), checked.

    >>> terms = read_unit_terms(pd.DataFrame({"account_id": ["A"], "unit": ["DE"], "price": [10], "payment_days": [30],
    ...                                       "service_level": [0.95], "revenue": [1000]}))
    >>> terms["product"].tolist()
    ['all']
    """
    terms = read_table(source, UNIT_TERMS_COLUMNS, what="unit terms", unique=["account_id", "product", "unit"], rename=rename)
    terms["product"] = terms["product"].fillna("all")
    return terms


def gam_consistency(
    terms: pd.DataFrame,
    *,
    price_tolerance: float = 0.05,
    payment_days_tolerance: float = 15,
    service_tolerance: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where coordination of a global account is missing: prices, payment terms and service out of line across units.

    For each account × product served by two or more units, the reference is the
    (lower) median across the units — what most units give; a revenue-weighted
    reference would let one large unit that is out of line define the norm. A
    unit deviates when its price differs from the reference by more than
    ``price_tolerance`` (relative), its payment terms by more than
    ``payment_days_tolerance`` days, or its service level by more than
    ``service_tolerance`` (absolute). Consistency of the marketing programme
    across countries is the core of GAM's coordination (Birkinshaw, Toulan &
    Arnold 2001; Shi et al. 2005); the tolerances are parameters, to be set to
    what the firm's global agreement allows.

    Returns ``(deviations, summary)``: one row per deviating unit and term, and
    one row per account × product with the dispersion of each term (price CV,
    payment-day range, service range), the units out of line, and
    ``coordination_missing``.

    >>> terms = pd.DataFrame({"account_id": "A", "product": "all", "unit": ["DE", "FR", "US"],
    ...                       "price": [10.0, 10.2, 12.0], "payment_days": [30, 30, 90],
    ...                       "service_level": [0.95, 0.95, 0.95], "revenue": [100.0, 100.0, 100.0]})
    >>> deviations, summary = gam_consistency(terms)
    >>> deviations[["unit", "term", "reference"]].values.tolist()
    [['US', 'payment_days', 30.0], ['US', 'price', 10.2]]
    """
    for name, tol in (("price_tolerance", price_tolerance), ("payment_days_tolerance", payment_days_tolerance),
                      ("service_tolerance", service_tolerance)):
        if not np.isfinite(tol) or tol < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {tol!r}")
    terms = read_unit_terms(terms)  # checked: no missing or negative price, terms or service, no duplicate units
    deviations, summary = [], []
    for (account, product), group in terms.groupby(["account_id", "product"], sort=True):
        if group["unit"].nunique() < 2:
            continue
        w = np.ones(len(group))
        row = {"account_id": account, "product": product, "n_units": len(group), "revenue": float(group["revenue"].sum()),
               "price_cv": float(group["price"].std(ddof=0) / group["price"].mean()) if group["price"].mean() > 0 else 0.0,
               "payment_days_range": float(np.ptp(group["payment_days"])),
               "service_level_range": float(np.ptp(group["service_level"]))}
        off: set[str] = set()
        for term, tol, relative in (("price", price_tolerance, True), ("payment_days", payment_days_tolerance, False),
                                    ("service_level", service_tolerance, False)):
            values = group[term].to_numpy(float)
            ref = _weighted_median(values, w)
            gap = (values - ref) / ref if relative and ref > 0 else values - ref
            for unit, value, g in zip(group["unit"], values, gap):
                if abs(g) > tol + 1e-12:
                    off.add(unit)
                    deviations.append({"account_id": account, "product": product, "unit": unit, "term": term,
                                       "value": value, "reference": ref, "gap": g})
        row["units_out_of_line"] = ", ".join(sorted(off))
        row["coordination_missing"] = bool(off)
        summary.append(row)
    dev = pd.DataFrame(deviations, columns=["account_id", "product", "unit", "term", "value", "reference", "gap"])
    columns = ["account_id", "product", "n_units", "revenue", "price_cv", "payment_days_range", "service_level_range",
               "units_out_of_line", "coordination_missing"]
    return (dev.sort_values(["account_id", "product", "unit", "term"], kind="stable").reset_index(drop=True),
            pd.DataFrame(summary, columns=columns))


def terms_out_of_line(deviations: pd.DataFrame) -> pd.DataFrame:
    """The deviations of :func:`gam_consistency` per global account × unit: how many terms, and which.

    One row per account and unit with any term out of line (over all
    products): ``account_id``, ``unit``, ``n_terms`` (distinct terms out of
    line) and ``terms`` (their names, sorted, comma-separated), sorted by
    account and unit.

    >>> dev = pd.DataFrame({"account_id": ["A", "A", "B"], "product": "all", "unit": ["US", "US", "DE"],
    ...                     "term": ["price", "payment_days", "price"]})
    >>> terms_out_of_line(dev).values.tolist()
    [['A', 'US', 2, 'payment_days, price'], ['B', 'DE', 1, 'price']]
    """
    columns = ["account_id", "unit", "n_terms", "terms"]
    if deviations.empty:
        return pd.DataFrame(columns=columns)
    grouped = deviations.groupby(["account_id", "unit"], sort=True)["term"]
    out = grouped.agg(n_terms="nunique", terms=lambda t: ", ".join(sorted(set(t)))).reset_index()
    out["n_terms"] = out["n_terms"].astype(int)
    return out[columns]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The lower weighted median: the smallest value whose cumulative weight reaches half the total.

    >>> _weighted_median(np.array([1.0, 2.0, 10.0]), np.array([1.0, 1.0, 1.0]))
    2.0
    """
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def global_account_value(terms: pd.DataFrame, *, local_top: int = 10, accounts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Global against local value: what each account is worth to the firm and to each of its units.

    The global value of an account is its revenue summed over the units that
    serve it; its local value the revenue each unit sees. An account can be
    minor in every country and still one of the firm's largest customers — the
    case for GAM (Yip & Madsen 1996). For each account: global revenue and
    rank, the number of units, the largest unit's share, its best rank within
    any unit, and ``hidden_global`` — in the firm's top ``local_top`` globally
    but in no unit's top ``local_top``. Ranks are by revenue, ties sharing the
    best rank (1 = largest).

    A unit's rank is among the accounts the terms list for that unit, and the
    firm's rank among every account ranked: pass the firm's ``accounts``
    (``account_id``, ``revenue``) so that an account without unit terms (a
    local customer the terms leave out) is ranked in the firm on its revenue
    there, with 0 units and no local rank. Without ``accounts`` the firm's
    rank is among the accounts of ``terms`` only. An account of the terms
    missing from ``accounts`` is a DataError.

    >>> terms = pd.DataFrame({"account_id": ["A", "A", "A", "B", "C"], "unit": ["DE", "FR", "US", "DE", "FR"],
    ...                       "revenue": [40.0, 40.0, 40.0, 50.0, 60.0]})
    >>> global_account_value(terms, local_top=1)[["account_id", "global_rank", "best_local_rank", "hidden_global"]].values.tolist()
    [['A', 1, 1, False], ['C', 2, 1, False], ['B', 3, 1, False]]

    A local customer the terms leave out, larger than A, takes the firm's first rank:

    >>> firm = pd.DataFrame({"account_id": ["A", "B", "C", "L"], "revenue": [120.0, 50.0, 60.0, 500.0]})
    >>> global_account_value(terms, local_top=1, accounts=firm)[["account_id", "global_rank", "n_units"]].values.tolist()
    [['L', 1, 0], ['A', 2, 3], ['C', 3, 1], ['B', 4, 1]]
    """
    by_unit = terms.groupby(["unit", "account_id"], as_index=False)["revenue"].sum()
    by_unit["local_rank"] = by_unit.groupby("unit")["revenue"].rank(ascending=False, method="min").astype(int)
    out = by_unit.groupby("account_id").agg(global_revenue=("revenue", "sum"), n_units=("unit", "nunique"),
                                            largest_unit_revenue=("revenue", "max"), best_local_rank=("local_rank", "min"))
    out["largest_unit_share"] = out["largest_unit_revenue"] / out["global_revenue"]
    out["best_local_rank"] = out["best_local_rank"].astype("Int64")
    if accounts is not None:
        firm = accounts.set_index(accounts["account_id"])["revenue"].astype(float)
        unknown = out.index.difference(firm.index)
        if len(unknown):
            raise DataError("unit terms", [Problem("account of the unit terms not in the accounts", column="account_id",
                                                   value=a) for a in unknown[:20]])
        without = firm.index.difference(out.index)
        out = pd.concat([out, pd.DataFrame({"global_revenue": firm[without], "n_units": 0,
                                            "best_local_rank": pd.array([pd.NA] * len(without), dtype="Int64"),
                                            "largest_unit_share": np.nan}, index=without)])
    out["global_rank"] = out["global_revenue"].rank(ascending=False, method="min").astype(int)
    out["hidden_global"] = (out["global_rank"] <= local_top) & (out["best_local_rank"] > local_top).fillna(False)
    out["hidden_global"] = out["hidden_global"].astype(bool)
    out["n_units"] = out["n_units"].astype(int)
    out = out.rename_axis("account_id").reset_index().sort_values(["global_rank", "account_id"], kind="stable")
    out = out.reset_index(drop=True)
    return out[["account_id", "global_revenue", "global_rank", "n_units", "largest_unit_share", "best_local_rank",
                "hidden_global"]]
