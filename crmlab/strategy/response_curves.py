"""Loyalty response curves: the incremental CLV a spend on each segment × action buys.

For each segment × action (retention, up-selling, cross-selling, relationship
deepening, win-back) the incremental CLV bought with a spend s ≥ 0 is a
concave, saturating curve with f(0) = 0, a ceiling c (the most the action can
add) and a rate k (how fast spend reaches it):

- ``"exponential"``: f(s) = c · (1 − e^(−k·s)), the modified exponential of
  advertising and retention response models (Blattberg & Deighton 1996,
  "Manage marketing by the customer equity test", Harvard Business Review
  74(4); Berger & Nasr-Bechwati 2001, "The allocation of promotion budget to
  maximize customer equity", Omega 29(1));
- ``"hyperbolic"``: f(s) = c · k·s / (1 + k·s), Little's (1970) ADBUDG with
  shape 1 (a Michaelis–Menten curve; half the ceiling at s = 1/k).

Both have f'(0) = c·k and decreasing marginal returns, so the allocation
problem of :func:`crmlab.strategy.allocate_budget` is concave and its optimum
unique. :func:`loyalty_response_curves` derives the curves of a plan from each
segment's customer-base metrics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import load_table
from crmlab.data.tables import check_columns, check_flags, check_labels, check_numeric

__all__ = [
    "ACTIONS",
    "DEFAULT_ACTIONS",
    "RESPONSE_FORMS",
    "check_response_curves",
    "loyalty_response_curves",
    "marginal_response",
    "response",
    "response_curve_grid",
]

#: The loyalty actions of the plan, in the order a relationship manager considers them.
ACTIONS = ("retention", "up_selling", "cross_selling", "relationship_deepening", "win_back")
#: The documented concave response forms (see the module docstring).
RESPONSE_FORMS = ("exponential", "hyperbolic")

def check_response_curves(curves: Any, *, source: str = "DataFrame") -> pd.DataFrame:
    """The response-curve table (a DataFrame, or a CSV/Parquet path), checked: one row per
    segment × action with ``ceiling`` ≥ 0 and ``rate`` > 0, an optional ``form``
    (``"exponential"`` by default) and optional ``min_spend`` / ``max_spend`` ≥ 0 (an empty or
    infinite ``max_spend`` is no cap) with min ≤ max. Negative costs or ceilings raise a DataError naming
    the row and column.

    >>> check_response_curves(pd.DataFrame({"segment": ["a"], "action": ["retention"], "ceiling": [100.0],
    ...                                     "rate": [0.01], "max_spend": [-5.0]}))
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'max_spend': negative value (-5.0)
    """
    if not isinstance(curves, pd.DataFrame):
        source, curves = load_table(curves, what="response curves")
    check_columns(curves, ["segment", "action", "ceiling", "rate"], source=source)
    table = curves.copy()
    if "form" not in table.columns:
        table["form"] = "exponential"
    check_labels(table, "form", RESPONSE_FORMS, source=source)
    if "min_spend" not in table.columns:
        table["min_spend"] = 0.0
    if "max_spend" not in table.columns:
        table["max_spend"] = np.nan
    no_cap = pd.to_numeric(table["max_spend"], errors="coerce") == np.inf
    checked = check_numeric(table.assign(max_spend=table["max_spend"].mask(no_cap, np.nan)),
                            ["ceiling", "rate", "min_spend", "max_spend"], source=source,
                            nonnegative=["ceiling", "min_spend", "max_spend"], positive=["rate"], allow_missing=["max_spend"])
    table[["ceiling", "rate", "min_spend"]] = checked[["ceiling", "rate", "min_spend"]]
    table["max_spend"] = checked["max_spend"].fillna(np.inf)
    problems = [Problem(f"min_spend ({lo:g}) above max_spend", row=row, column="max_spend", value=hi)
                for row, lo, hi in zip(table.index, table["min_spend"], table["max_spend"], strict=True) if lo > hi]
    duplicated = table.duplicated(["segment", "action"], keep="first")
    problems += [Problem("segment × action listed twice", row=row, column="action", value=a)
                 for row, a in table.loc[duplicated, "action"].items()]
    if problems:
        raise DataError(source, problems)
    return table


def _curve_arrays(curves: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (curves["ceiling"].to_numpy(float), curves["rate"].to_numpy(float),
            (curves["form"] == "hyperbolic").to_numpy())


def _check_spend(spend: Any, n: int) -> np.ndarray:
    s = np.asarray(spend, dtype=float)
    s = np.broadcast_to(s, (n,)) if s.ndim == 0 else s
    if s.shape != (n,):
        raise ValueError(f"spend must have one value per curve ({n}), got shape {s.shape}")
    bad = ~np.isfinite(s) | (s < 0)
    if bad.any():
        raise DataError("spend", [Problem("spend must be a finite number ≥ 0", row=int(i), value=float(s[i])) for i in np.flatnonzero(bad)])
    return s


def response(curves: pd.DataFrame, spend: Any) -> np.ndarray:
    """Incremental CLV f(s) of each curve at spend s (see the module docstring for the forms).

    >>> curves = pd.DataFrame({"segment": ["a", "a"], "action": ["retention", "win_back"], "ceiling": [100.0, 100.0],
    ...                        "rate": [0.01, 0.01], "form": ["exponential", "hyperbolic"]})
    >>> response(curves, [100.0, 100.0]).round(2).tolist()   # 100·(1 − e⁻¹), 100·1/2
    [63.21, 50.0]
    """
    table = check_response_curves(curves)
    c, k, hyperbolic = _curve_arrays(table)
    s = _check_spend(spend, len(table))
    return np.where(hyperbolic, c * k * s / (1 + k * s), c * -np.expm1(-k * s))


def response_curve_grid(curves: pd.DataFrame, max_spend: float, *, n_points: int = 101) -> pd.DataFrame:
    """Each response curve evaluated at ``n_points`` spends from 0 to ``max_spend``, as a tidy frame to draw.

    One row per curve and spend: ``segment``, ``action``, ``spend`` and ``incremental_clv`` = f(s)
    (:func:`response`, the forms of the module docstring). A ``max_spend`` that is not a finite
    amount above 0, or fewer than two points, raises ``ValueError``.

    >>> curves = pd.DataFrame({"segment": ["a"], "action": ["retention"], "ceiling": [100.0], "rate": [0.01]})
    >>> response_curve_grid(curves, 200.0, n_points=3)[["spend", "incremental_clv"]].round(2).to_numpy().tolist()
    [[0.0, 0.0], [100.0, 63.21], [200.0, 86.47]]
    """
    table = check_response_curves(curves)
    top = float(max_spend)
    if not np.isfinite(top) or top <= 0:
        raise ValueError(f"max_spend must be a finite amount above 0, got {max_spend!r}")
    if int(n_points) != n_points or n_points < 2:
        raise ValueError(f"n_points must be a whole number ≥ 2, got {n_points!r}")
    grid = np.linspace(0.0, top, int(n_points))
    values = np.array([response(table, s) for s in grid])  # spends × curves
    return pd.DataFrame({"segment": np.repeat(table["segment"].to_numpy(), len(grid)),
                         "action": np.repeat(table["action"].to_numpy(), len(grid)),
                         "spend": np.tile(grid, len(table)), "incremental_clv": values.T.ravel()})


def marginal_response(curves: pd.DataFrame, spend: Any) -> np.ndarray:
    """f'(s): c·k·e^(−k·s) (exponential) or c·k / (1 + k·s)² (hyperbolic), the incremental CLV of the next unit spent.

    >>> curves = pd.DataFrame({"segment": ["a"], "action": ["retention"], "ceiling": [100.0], "rate": [0.01]})
    >>> float(marginal_response(curves, 0.0)[0])   # c·k at zero spend
    1.0
    """
    table = check_response_curves(curves)
    c, k, hyperbolic = _curve_arrays(table)
    s = _check_spend(spend, len(table))
    return np.where(hyperbolic, c * k / (1 + k * s) ** 2, c * k * np.exp(-k * s))


#: Default parameters of the loyalty actions for :func:`loyalty_response_curves`: the largest lift
#: of the value the action works on (``max_lift``) and the rate per unit spent per customer.
DEFAULT_ACTIONS = pd.DataFrame({
    "action": list(ACTIONS),
    "max_lift": [0.30, 0.10, 0.15, 0.05, 0.25],
    "rate_per_customer": [0.5, 0.4, 0.4, 0.3, 0.3],
    "form": ["exponential"] * 5,
})


def loyalty_response_curves(segments: pd.DataFrame, actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Response curves of each segment × loyalty action, from the segment's customer-base metrics.

    ``segments`` is indexed by segment with ``n_customers``, ``mean_clv``, ``probability_alive``,
    ``share_of_wallet``, ``cross_buying_index`` (0–1) and optionally ``n_lapsed``,
    ``win_back_probability``, ``won_back_clv`` (the CLV of a customer won back; default
    ``mean_clv``) and ``lapsed`` (a segment of lapsed customers gets the win-back action only).
    :func:`crmlab.strategy.segment_profile` builds this table. ``lapsed`` must be True or False in
    every row: a missing flag raises a DataError naming the segment (it is not read as either). A
    lapsed segment, and any segment with ``n_lapsed`` > 0, needs a ``win_back_probability``, or a
    DataError is raised (otherwise it would silently get no curve); a lapsed segment's ``n_lapsed``
    defaults to ``n_customers``. The value each action works on (its base) is

    - retention: n · CLV · (1 − P(alive)), the value at risk of leaving;
    - up-selling: n · CLV · (1 − share of wallet), the wallet not yet won;
    - cross-selling: n · CLV · (1 − cross-buying index), the categories not yet bought;
    - relationship deepening: n · CLV, the relationship itself;
    - win-back: n_lapsed · P(win back) · CLV of a won-back customer;

    the ceiling is ``max_lift`` × base and the rate is ``rate_per_customer`` / n (spend per
    customer drives the response), after the customer-equity budgeting of Blattberg & Deighton (1996).

    >>> seg = pd.DataFrame({"n_customers": [100], "mean_clv": [50.0], "probability_alive": [0.8],
    ...                     "share_of_wallet": [0.5], "cross_buying_index": [0.25]}, index=["core"])
    >>> loyalty_response_curves(seg).set_index("action")["ceiling"].round(1).to_dict()
    {'retention': 300.0, 'up_selling': 250.0, 'cross_selling': 562.5, 'relationship_deepening': 250.0}
    """
    acts = DEFAULT_ACTIONS if actions is None else actions
    check_columns(acts, ["action", "max_lift", "rate_per_customer"], source="actions")
    check_labels(acts, "action", ACTIONS, source="actions")
    acts = check_numeric(acts, ["max_lift", "rate_per_customer"], source="actions", nonnegative=["max_lift"], positive=["rate_per_customer"])
    required = ["n_customers", "mean_clv", "probability_alive", "share_of_wallet", "cross_buying_index"]
    seg = check_numeric(segments, required, source="segments", nonnegative=["n_customers", "mean_clv"])
    check_numeric(seg, ["probability_alive", "share_of_wallet", "cross_buying_index"], source="segments", bounds=(0, 1))
    is_lapsed_segment = (check_flags(seg["lapsed"], source="segments", column="lapsed") if "lapsed" in seg.columns
                         else pd.Series(False, index=seg.index))
    if is_lapsed_segment.any():
        n_lapsed = seg["n_lapsed"] if "n_lapsed" in seg.columns else pd.Series(np.nan, index=seg.index)
        seg = seg.assign(n_lapsed=n_lapsed.where(~is_lapsed_segment | n_lapsed.notna(), seg["n_customers"]))
    if "n_lapsed" in seg.columns:
        seg = check_numeric(seg, ["n_lapsed"], source="segments", nonnegative=["n_lapsed"], allow_missing=["n_lapsed"])
        needs_probability = is_lapsed_segment | (seg["n_lapsed"].fillna(0) > 0)
        if "win_back_probability" not in seg.columns:
            seg = seg.assign(win_back_probability=np.nan)
        seg = check_numeric(seg, ["win_back_probability"], source="segments", bounds=(0, 1), allow_missing=["win_back_probability"])
        without = seg.index[needs_probability & seg["win_back_probability"].isna()]
        if len(without):
            raise DataError("segments", [Problem("segment with lapsed customers but no win_back_probability: it would get no "
                                                 "win-back curve (pass win_back_probability to segment_profile)",
                                                 row=r, column="win_back_probability") for r in without])
    rows = []
    for name, s in seg.iterrows():
        is_lapsed = bool(is_lapsed_segment[name])
        bases = {} if is_lapsed else {
            "retention": s["n_customers"] * s["mean_clv"] * (1 - s["probability_alive"]),
            "up_selling": s["n_customers"] * s["mean_clv"] * (1 - s["share_of_wallet"]),
            "cross_selling": s["n_customers"] * s["mean_clv"] * (1 - s["cross_buying_index"]),
            "relationship_deepening": s["n_customers"] * s["mean_clv"],
        }
        if "n_lapsed" in seg.columns and s["n_lapsed"] > 0:
            won_back = s["won_back_clv"] if "won_back_clv" in seg.columns and pd.notna(s["won_back_clv"]) else s["mean_clv"]
            bases["win_back"] = s["n_lapsed"] * s["win_back_probability"] * won_back
        for _, a in acts.iterrows():
            if a["action"] not in bases:
                continue
            size = s["n_lapsed"] if a["action"] == "win_back" else s["n_customers"]
            if not size > 0:
                continue
            rows.append({"segment": name, "action": a["action"], "form": a.get("form", "exponential"),
                         "ceiling": float(a["max_lift"] * bases[a["action"]]), "rate": float(a["rate_per_customer"] / size)})
    return pd.DataFrame(rows, columns=["segment", "action", "form", "ceiling", "rate"])
