"""Planning a loyalty budget: concave response curves, optimal allocation, ROI, retention and win-back.

Response curves
    For each segment × action (retention, up-selling, cross-selling,
    relationship deepening, win-back) the incremental CLV bought with a spend
    s ≥ 0 is a concave, saturating curve with f(0) = 0, a ceiling c (the most
    the action can add) and a rate k (how fast spend reaches it):

    - ``"exponential"``: f(s) = c · (1 − e^(−k·s)), the modified exponential
      of advertising and retention response models (Blattberg & Deighton
      1996, "Manage marketing by the customer equity test", Harvard Business
      Review 74(4); Berger & Nasr-Bechwati 2001, "The allocation of
      promotion budget to maximize customer equity", Omega 29(1));
    - ``"hyperbolic"``: f(s) = c · k·s / (1 + k·s), Little's (1970) ADBUDG
      with shape 1 (a Michaelis–Menten curve; half the ceiling at s = 1/k).

    Both have f'(0) = c·k and decreasing marginal returns, so the allocation
    problem below is concave and its optimum unique.

Allocation under a total budget (:func:`allocate_budget`)
    maximise Σᵢ fᵢ(sᵢ) − sᵢ (``objective="net"``: incremental CLV net of the
    money spent) or Σᵢ fᵢ(sᵢ) (``"gross"``) subject to Σᵢ sᵢ ≤ B and
    lᵢ ≤ sᵢ ≤ uᵢ (``min_spend``, ``max_spend``), solved with
    :func:`scipy.optimize.minimize` (SLSQP, analytic gradients). At the
    optimum every funded action has the same marginal return (the KKT
    condition fᵢ'(sᵢ) = 1 + λ, Berger & Nasr-Bechwati 2001); ROI per action is
    (incremental CLV − spend) / spend.

Proactive against reactive retention (:func:`simulate_retention_strategies`)
    and the probability of winning back lapsed customers
    (:class:`WinBackModel`, after Thomas, Blattberg & Fox 2004) complete the
    plan.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import optimize

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import load_table
from crmlab.data.tables import check_columns, check_flags, check_labels, check_numeric
from crmlab.stats.generators import as_generator

__all__ = [
    "ACTIONS",
    "DEFAULT_ACTIONS",
    "RESPONSE_FORMS",
    "BudgetAllocation",
    "InfeasibleBudgetError",
    "WinBackModel",
    "allocate_budget",
    "check_response_curves",
    "expected_retention_outcome",
    "incremental_clv_and_roi",
    "lapsed_customers",
    "loyalty_response_curves",
    "marginal_response",
    "response",
    "response_curve_grid",
    "simulate_retention_strategies",
]

#: The loyalty actions of the plan, in the order a relationship manager considers them.
ACTIONS = ("retention", "up_selling", "cross_selling", "relationship_deepening", "win_back")
#: The documented concave response forms (see the module docstring).
RESPONSE_FORMS = ("exponential", "hyperbolic")


class InfeasibleBudgetError(ValueError):
    """A budget that no allocation can respect (negative, not finite, or below the committed minimum spends)."""


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


@dataclass
class BudgetAllocation:
    """The optimal split of a budget: ``table`` (one row per segment × action: spend,
    incremental_clv, net_value, roi, marginal_return), totals, the shadow price of the budget
    (``budget_shadow_price``: the net value of one more unit of budget) and scipy's ``result_``."""

    table: pd.DataFrame
    budget: float
    objective: str
    result_: Any = field(repr=False)

    @property
    def total_spend(self) -> float:
        return float(self.table["spend"].sum())

    @property
    def total_incremental_clv(self) -> float:
        return float(self.table["incremental_clv"].sum())

    @property
    def roi(self) -> float:
        """(Σ incremental CLV − Σ spend) / Σ spend over the whole plan (NaN when nothing is spent)."""
        spend = self.total_spend
        return (self.total_incremental_clv - spend) / spend if spend > 0 else np.nan

    @property
    def budget_shadow_price(self) -> float:
        """The mean marginal return of the funded actions strictly inside their spend bounds, minus the cost
        of a unit (net objective). At the optimum these marginal returns are all equal (the KKT condition
        fᵢ'(sᵢ) = 1 + λ), so the mean is that common value; averaging only smooths the optimiser's round-off.
        NaN when every action sits at a bound."""
        t = self.table
        free = t[(t["spend"] > t["min_spend"] + 1e-9) & (t["spend"] < t["max_spend"] - 1e-9)]
        if free.empty:
            return np.nan
        return float(free["marginal_return"].mean() - (1.0 if self.objective == "net" else 0.0))

    def by_action(self) -> pd.DataFrame:
        """Spend, incremental CLV and ROI summed over segments, per action."""
        return incremental_clv_and_roi(self.table, self.table["spend"], by="action")

    def by_segment(self) -> pd.DataFrame:
        """Spend, incremental CLV and ROI summed over actions, per segment."""
        return incremental_clv_and_roi(self.table, self.table["spend"], by="segment")


def allocate_budget(curves: pd.DataFrame, budget: float, *, objective: str = "net") -> BudgetAllocation:
    """Split ``budget`` over segments × actions to maximise the incremental CLV (net of spend, or gross).

    Solves max Σ fᵢ(sᵢ) − sᵢ (``"net"``) or max Σ fᵢ(sᵢ) (``"gross"``) s.t. Σ sᵢ ≤ B,
    ``min_spend`` ≤ sᵢ ≤ ``max_spend`` with SLSQP (:func:`scipy.optimize.minimize`) on the spends
    scaled by the budget; the problem is concave, so the KKT point found is the optimum
    (Berger & Nasr-Bechwati 2001). With the net objective the budget is not spent where the next
    unit would return less than it costs. A negative or non-finite budget, or one below the sum of
    ``min_spend``, raises :class:`InfeasibleBudgetError`; negative costs or ceilings raise a DataError.

    >>> curves = pd.DataFrame({"segment": ["a", "b"], "action": ["retention", "retention"],
    ...                        "ceiling": [1000.0, 1000.0], "rate": [0.01, 0.005]})
    >>> plan = allocate_budget(curves, 300.0)
    >>> plan.table["spend"].round(1).tolist()   # equal marginal returns: 10·e^(−0.01·s₁) = 5·e^(−0.005·s₂)
    [146.2, 153.8]
    """
    if objective not in ("net", "gross"):
        raise ValueError(f"objective must be 'net' or 'gross', got {objective!r}")
    table = check_response_curves(curves)
    try:
        B = float(budget)
    except (TypeError, ValueError):
        raise InfeasibleBudgetError(f"the budget must be a number, got {budget!r}") from None
    if not np.isfinite(B) or B < 0:
        raise InfeasibleBudgetError(f"the budget must be a finite amount ≥ 0, got {budget!r}")
    lo = table["min_spend"].to_numpy(float)
    hi = table["max_spend"].to_numpy(float)
    if lo.sum() > B * (1 + 1e-12):
        raise InfeasibleBudgetError(
            f"infeasible budget: the minimum spends sum to {lo.sum():,.2f}, more than the budget of {B:,.2f}")
    c, k, hyperbolic = _curve_arrays(table)
    n = len(table)
    if B == 0 or n == 0:
        spend = np.zeros(n)
        result = None
    else:
        cost = 1.0 if objective == "net" else 0.0
        scale_value = max(float(c.sum()), 1e-12)

        def negative_objective(y: np.ndarray) -> tuple[float, np.ndarray]:
            s = y * B
            e = np.exp(-k * s)
            f = np.where(hyperbolic, c * k * s / (1 + k * s), c * (1 - e))
            df = np.where(hyperbolic, c * k / (1 + k * s) ** 2, c * k * e)
            return -(f.sum() - cost * s.sum()) / scale_value, -(df - cost) * B / scale_value

        upper = np.minimum(hi, B) / B
        lower = lo / B
        start = lower + (1 - lower.sum()) * (upper - lower) / max((upper - lower).sum(), 1e-12)
        start = np.clip(np.minimum(start, lower + (1 - lower.sum()) / n), lower, upper)
        result = optimize.minimize(
            negative_objective, start, jac=True, method="SLSQP", bounds=list(zip(lower, upper, strict=True)),
            constraints=[{"type": "ineq", "fun": lambda y: 1 - y.sum(), "jac": lambda y: -np.ones_like(y)}],
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        if not result.success:
            raise RuntimeError(f"allocate_budget: the optimiser did not converge ({result.message})")
        spend = result.x * B
        spend[spend < B * 1e-9] = 0.0  # optimiser round-off around an unfunded action
        spend = np.clip(spend, lo, np.minimum(hi, B))
    out = table.copy()
    out["spend"] = spend
    out = incremental_clv_and_roi(out, spend, by=None)
    out["marginal_return"] = marginal_response(table, spend)
    out["share_of_budget"] = spend / B if B > 0 else 0.0
    return BudgetAllocation(out.reset_index(drop=True), B, objective, result)


def incremental_clv_and_roi(curves: pd.DataFrame, spend: Any, *, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Incremental CLV f(s), net value f(s) − s and ROI = (f(s) − s) / s of each curve at ``spend``,
    or summed by ``"action"`` / ``"segment"`` (ROI of the sums). ROI is NaN where nothing is spent
    (Rust, Lemon & Zeithaml 2004, "Return on marketing", Journal of Marketing 68(1)).

    >>> curves = pd.DataFrame({"segment": ["a"], "action": ["retention"], "ceiling": [200.0], "rate": [0.01]})
    >>> incremental_clv_and_roi(curves, [100.0])[["incremental_clv", "net_value", "roi"]].round(3).to_numpy().tolist()
    [[126.424, 26.424, 0.264]]
    """
    table = check_response_curves(curves)
    s = _check_spend(np.asarray(spend, dtype=float), len(table))
    out = table.copy()
    out["spend"] = s
    out["incremental_clv"] = response(table, s)
    if by is not None:
        keys = [by] if isinstance(by, str) else list(by)
        out = out.groupby(keys, sort=False)[["spend", "incremental_clv"]].sum().reset_index()
    out["net_value"] = out["incremental_clv"] - out["spend"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["roi"] = np.where(out["spend"] > 0, out["net_value"] / out["spend"], np.nan)
    return out


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


# ----- proactive vs reactive retention --------------------------------------------------------------

def _retention_inputs(churn_probability: Any, value: Any, risk_score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Churn probabilities, values and risk scores as float arrays, one per customer; a DataError names
    every missing or infinite entry (a NaN risk score would otherwise sort last and never be contacted)."""
    p = np.asarray(churn_probability, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"churn_probability must hold one probability per customer (1-D), got shape {p.shape}")
    try:
        v = np.broadcast_to(np.asarray(value, dtype=float), p.shape)
    except ValueError:
        raise ValueError(f"value must be one number or one per customer ({p.shape[0]}), got shape {np.shape(value)}") from None
    score = p if risk_score is None else np.asarray(risk_score, dtype=float)
    problems = [Problem("churn probability missing or not finite", row=int(i), column="churn_probability", value=float(p[i]))
                for i in np.flatnonzero(~np.isfinite(p))]
    problems += [Problem("churn probability outside [0, 1]", row=int(i), column="churn_probability", value=float(p[i]))
                 for i in np.flatnonzero(np.isfinite(p) & ~((p >= 0) & (p <= 1)))]
    problems += [Problem("customer value missing or not finite", row=int(i), column="value", value=float(v[i]))
                 for i in np.flatnonzero(~np.isfinite(v))]
    if score.shape != p.shape:
        problems.append(Problem(f"one risk score per customer needed ({p.shape[0]}), got {score.shape}", column="risk_score"))
    elif risk_score is not None:
        problems += [Problem("risk score missing or not finite", row=int(i), column="risk_score", value=float(score[i]))
                     for i in np.flatnonzero(~np.isfinite(score))]
    if problems:
        raise DataError("DataFrame", problems)
    return p, v, score


def _check_contacts(proactive_contacts: Any, n: int) -> int:
    """The number of proactive contacts as an int: a whole number between 0 and the number of customers."""
    try:
        k = float(proactive_contacts)
    except (TypeError, ValueError):
        raise ValueError(f"proactive_contacts must be a whole number, got {proactive_contacts!r}") from None
    if isinstance(proactive_contacts, bool) or not np.isfinite(k) or k != int(k):
        raise ValueError(f"proactive_contacts must be a whole number of customers, got {proactive_contacts!r}")
    if not 0 <= k <= n:
        raise ValueError(f"proactive_contacts must be between 0 and the number of customers ({n}), got {proactive_contacts}")
    return int(k)


def _check_rates(**rates: float) -> None:
    for name, value in rates.items():
        if name.endswith("cost"):
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a cost ≥ 0, got {value!r}")
        elif not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


def expected_retention_outcome(
    churn_probability: Any,
    value: Any,
    *,
    proactive_contacts: int,
    proactive_cost: float,
    proactive_success: float,
    voice_rate: float,
    reactive_cost: float,
    reactive_success: float,
    risk_score: Any = None,
) -> pd.DataFrame:
    """Expected customers saved, cost and retained value of proactive and reactive retention (closed form).

    Proactive: the firm contacts the ``proactive_contacts`` customers with the highest risk score
    before they decide, at ``proactive_cost`` each; a contacted would-be churner stays with
    probability ``proactive_success``: E[saved] = Σ_contacted pᵢ·s_p, cost = K·c_p. Reactive: a
    churner says so (calls to cancel) with probability ``voice_rate`` and is made an offer at
    ``reactive_cost``, accepted with probability ``reactive_success``: E[saved] = Σ pᵢ·v·s_r,
    E[cost] = Σ pᵢ·v·c_r (Ascarza, Iyengar & Schleicher 2016, "The perils of proactive churn
    prevention", Journal of Marketing Research 53(1), contrast both). Value saved = Σ pᵢ·(…)·CLVᵢ.
    A missing or infinite churn probability, value or risk score raises a DataError naming the
    customer (by position); ``proactive_contacts`` must be a whole number (ValueError otherwise).

    >>> expected_retention_outcome([0.5, 0.1], [100.0, 100.0], proactive_contacts=1, proactive_cost=5.0,
    ...     proactive_success=0.4, voice_rate=0.5, reactive_cost=10.0, reactive_success=0.6)[["expected_saved", "expected_cost"]].round(2).to_numpy().tolist()
    [[0.2, 5.0], [0.18, 3.0]]
    """
    p, v, score = _retention_inputs(churn_probability, value, risk_score)
    _check_rates(proactive_cost=proactive_cost, reactive_cost=reactive_cost, proactive_success=proactive_success,
                 reactive_success=reactive_success, voice_rate=voice_rate)
    proactive_contacts = _check_contacts(proactive_contacts, len(p))
    targeted = np.zeros(len(p), bool)
    targeted[np.argsort(-score, kind="stable")[:proactive_contacts]] = True
    rows = [
        {"strategy": "proactive", "expected_saved": float((p * targeted).sum() * proactive_success),
         "expected_cost": float(proactive_contacts * proactive_cost),
         "expected_value_saved": float((p * v * targeted).sum() * proactive_success)},
        {"strategy": "reactive", "expected_saved": float((p * voice_rate).sum() * reactive_success),
         "expected_cost": float((p * voice_rate).sum() * reactive_cost),
         "expected_value_saved": float((p * v).sum() * voice_rate * reactive_success)},
    ]
    out = pd.DataFrame(rows)
    out["expected_net_value"] = out["expected_value_saved"] - out["expected_cost"]
    return out


def simulate_retention_strategies(
    churn_probability: Any,
    value: Any,
    *,
    proactive_contacts: int,
    proactive_cost: float,
    proactive_success: float,
    voice_rate: float,
    reactive_cost: float,
    reactive_success: float,
    risk_score: Any = None,
    n_simulations: int = 1000,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Proactive against reactive retention (and doing nothing), by Monte Carlo simulation.

    In each simulated period every customer churns with probability pᵢ (Bernoulli). *Proactive*:
    the top ``proactive_contacts`` by ``risk_score`` (default: the churn probabilities, a perfect
    ranking) are contacted first at ``proactive_cost`` each, and a contacted churner is kept with
    probability ``proactive_success``. *Reactive*: a churner voices the intent to leave with
    probability ``voice_rate``, gets an offer at ``reactive_cost`` and stays with probability
    ``reactive_success``. Returns per strategy the mean and standard deviation over simulations of
    customers lost and saved, cost, value saved (Σ CLV of the saved), net value and ROI, next to the
    closed-form expectations of :func:`expected_retention_outcome`.

    >>> sims = simulate_retention_strategies([0.5] * 100, 10.0, proactive_contacts=50, proactive_cost=1.0,
    ...     proactive_success=0.5, voice_rate=0.5, reactive_cost=2.0, reactive_success=0.5, n_simulations=200, rng=1)
    >>> sims["strategy"].tolist()
    ['none', 'proactive', 'reactive']
    """
    p, v, score = _retention_inputs(churn_probability, value, risk_score)
    proactive_contacts = _check_contacts(proactive_contacts, len(p))
    expected = expected_retention_outcome(p, v, proactive_contacts=proactive_contacts, proactive_cost=proactive_cost,
                                          proactive_success=proactive_success, voice_rate=voice_rate,
                                          reactive_cost=reactive_cost, reactive_success=reactive_success, risk_score=score)
    if int(n_simulations) != n_simulations or n_simulations < 2:
        raise ValueError(f"n_simulations must be a whole number ≥ 2, got {n_simulations}")
    gen = as_generator(rng)
    n = len(p)
    targeted = np.zeros(n, bool)
    targeted[np.argsort(-score, kind="stable")[:proactive_contacts]] = True
    churn = gen.random((int(n_simulations), n)) < p
    kept_proactive = churn & targeted & (gen.random(churn.shape) < proactive_success)
    voiced = churn & (gen.random(churn.shape) < voice_rate)
    kept_reactive = voiced & (gen.random(churn.shape) < reactive_success)
    outcomes = {
        "none": (np.zeros_like(churn), np.zeros(len(churn))),
        "proactive": (kept_proactive, np.full(len(churn), proactive_contacts * proactive_cost, dtype=float)),
        "reactive": (kept_reactive, voiced.sum(axis=1) * reactive_cost),
    }
    rows = []
    for name, (kept, cost) in outcomes.items():
        saved = kept.sum(axis=1)
        value_saved = (kept * v).sum(axis=1)
        net = value_saved - cost
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(cost > 0, net / cost, np.nan)
        rows.append({"strategy": name, "lost": float((churn.sum(axis=1) - saved).mean()), "saved": float(saved.mean()),
                     "saved_sd": float(saved.std(ddof=1)), "cost": float(cost.mean()), "value_saved": float(value_saved.mean()),
                     "net_value": float(net.mean()), "net_value_sd": float(net.std(ddof=1)),
                     "roi": float(np.nanmean(roi)) if np.isfinite(roi).any() else np.nan})
    out = pd.DataFrame(rows)
    out = out.merge(expected, on="strategy", how="left")
    none = out["strategy"] == "none"
    out.loc[none, ["expected_saved", "expected_cost", "expected_value_saved", "expected_net_value"]] = 0.0
    return out


# ----- win-back ------------------------------------------------------------------------------------

def lapsed_customers(summary: pd.DataFrame, *, lapse_after: float) -> pd.DataFrame:
    """The customers who have lapsed at the end of the calibration period, and whether they came back.

    A customer has lapsed when the time since the last purchase, T − t_x, is at least
    ``lapse_after`` (in the summary's time unit); ``reactivated`` is 1 when they bought again in the
    holdout period (``frequency_holdout`` > 0, from :func:`crmlab.customers.transaction_summary`
    with ``calibration_end``). Columns added: ``time_since_last`` and ``reactivated``.

    T and t_x are each a number of days divided by the time unit, so their difference can miss a
    whole number by round-off (182 days: 53.43 − 27.43 weeks = 25.999…); ``time_since_last`` is
    rounded to 9 decimals, so a customer whose last purchase is exactly ``lapse_after`` ago has lapsed.

    >>> summary = pd.DataFrame({"frequency": [2, 0, 5], "recency": [10.0, 0.0, 39.0], "T": [39.0, 39.0, 39.0],
    ...                         "monetary_value": [20.0, 0.0, 30.0], "frequency_holdout": [1, 0, 3]})
    >>> lapsed_customers(summary, lapse_after=26)[["time_since_last", "reactivated"]].to_numpy().tolist()
    [[29.0, 1.0], [39.0, 0.0]]
    """
    check_columns(summary, ["frequency", "recency", "T"], source="summary")
    table = check_numeric(summary, ["frequency", "recency", "T"], source="summary", nonnegative=["frequency", "recency", "T"])
    if not np.isfinite(lapse_after) or lapse_after <= 0:
        raise ValueError(f"lapse_after must be a positive time, got {lapse_after!r}")
    after_end = table.index[table["recency"] > table["T"]]
    if len(after_end):
        raise DataError("summary", [Problem(f"recency above T ({table.loc[r, 'T']:g}): last purchase after the end of observation",
                                            row=r, column="recency", value=float(table.loc[r, "recency"])) for r in after_end])
    table["time_since_last"] = (table["T"] - table["recency"]).round(9)
    out = table[table["time_since_last"] >= lapse_after].copy()
    if "frequency_holdout" in out.columns:
        out["reactivated"] = (out["frequency_holdout"] > 0).astype(float)
    return out


class WinBackModel:
    """The probability that a lapsed customer comes back, as a logit on their past relationship.

    P(win back) = 1 / (1 + exp(−x'β)), with x the lapsed customer's history (by default
    ``reactivated ~ np.log1p(frequency) + time_since_last``) and, when a win-back offer was
    tested, the offer; Thomas, Blattberg & Fox (2004, "Recapturing lost customers", Journal of
    Marketing Research 41(1)) and Stauss & Friege (1999, "Regaining service customers", Journal of
    Service Research 1(4)) model reacquisition this way. Fitted with statsmodels: ``results_``
    (the Logit results, with ``.summary()``), ``params_``, ``summary`` (odds ratios with 95% CIs).

    >>> rng = np.random.default_rng(1)
    >>> lapsed = pd.DataFrame({"frequency": rng.poisson(3, 2000), "time_since_last": rng.uniform(26, 52, 2000)})
    >>> logit = 0.5 + 0.8 * np.log1p(lapsed["frequency"]) - 0.06 * lapsed["time_since_last"]
    >>> lapsed["reactivated"] = (rng.random(2000) < 1 / (1 + np.exp(-logit))).astype(float)
    >>> model = WinBackModel().fit(lapsed)
    >>> bool(model.params_["time_since_last"] < 0)
    True
    """

    def __init__(self, formula: str = "reactivated ~ np.log1p(frequency) + time_since_last"):
        self.formula = formula

    def _predictors(self, lapsed: pd.DataFrame) -> list[str]:
        """The columns of ``lapsed`` named on the right-hand side of the formula."""
        rhs = self.formula.split("~", 1)[1]
        try:
            names = {tok.string for tok in tokenize.generate_tokens(io.StringIO(rhs).readline) if tok.type == tokenize.NAME}
        except (tokenize.TokenError, SyntaxError):
            names = set()
        return [c for c in lapsed.columns if c in names]

    def _check_predictors(self, lapsed: pd.DataFrame, predictors: Sequence[str], numeric: Sequence[str]) -> None:
        """A DataError naming each absent predictor column, or each missing / non-finite predictor value by row."""
        check_columns(lapsed, predictors, source="lapsed customers")
        check_numeric(lapsed, [c for c in predictors if c in numeric], source="lapsed customers")
        other = [c for c in predictors if c not in numeric]
        problems = [Problem("missing value", row=r, column=c) for c in other for r in lapsed.index[lapsed[c].isna()]]
        if problems:
            raise DataError("lapsed customers", problems)

    def fit(self, lapsed: pd.DataFrame) -> WinBackModel:
        """Fit the logit; a missing outcome or predictor value raises a DataError naming the row
        (statsmodels would silently drop it)."""
        outcome = self.formula.split("~")[0].strip()
        check_columns(lapsed, [outcome], source="lapsed customers")
        y = check_numeric(lapsed, [outcome], source="lapsed customers", bounds=(0, 1))[outcome]
        self.predictors_ = [c for c in self._predictors(lapsed) if c != outcome]
        self._numeric = [c for c in self.predictors_ if pd.api.types.is_numeric_dtype(lapsed[c])]
        self._check_predictors(lapsed, self.predictors_, self._numeric)
        if y.nunique() < 2:
            raise ValueError(f"WinBackModel: {outcome!r} must contain both won-back (1) and lost (0) customers")
        self.results_ = smf.logit(self.formula, data=lapsed.assign(**{outcome: y})).fit(disp=0)
        self.params_ = self.results_.params
        ci = self.results_.conf_int()
        self.summary = pd.DataFrame({"coef": self.params_, "se": self.results_.bse, "p": self.results_.pvalues,
                                     "odds_ratio": np.exp(self.params_), "or_ci_low": np.exp(ci[0]), "or_ci_high": np.exp(ci[1])})
        return self

    def predict(self, lapsed: pd.DataFrame) -> pd.Series:
        """P(win back) of each lapsed customer. A predictor column of the formula that ``lapsed``
        lacks, or a missing (or non-finite) predictor value, raises a DataError naming the column
        or the rows — not a patsy error, nor a silent NaN probability."""
        if not hasattr(self, "results_"):
            raise RuntimeError("fit the WinBackModel first")
        self._check_predictors(lapsed, self.predictors_, self._numeric)
        return pd.Series(np.asarray(self.results_.predict(lapsed)), index=lapsed.index, name="win_back_probability")
