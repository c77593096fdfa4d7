"""Planning a loyalty budget: the optimal split over segments × actions, incremental CLV and ROI.

Allocation under a total budget (:func:`allocate_budget`)
    maximise Σᵢ fᵢ(sᵢ) − sᵢ (``objective="net"``: incremental CLV net of the
    money spent) or Σᵢ fᵢ(sᵢ) (``"gross"``) subject to Σᵢ sᵢ ≤ B and
    lᵢ ≤ sᵢ ≤ uᵢ (``min_spend``, ``max_spend``), solved with
    :func:`scipy.optimize.minimize` (SLSQP, analytic gradients), where fᵢ are
    the concave response curves of :mod:`crmlab.strategy.response_curves`. At
    the optimum every funded action has the same marginal return (the KKT
    condition fᵢ'(sᵢ) = 1 + λ, Berger & Nasr-Bechwati 2001); ROI per action is
    (incremental CLV − spend) / spend (:func:`incremental_clv_and_roi`).

Proactive against reactive retention (:mod:`crmlab.strategy.retention_strategies`)
and the probability of winning back lapsed customers (:mod:`crmlab.strategy.win_back`)
complete the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# SciPy's optimisers (about half a second to import) are imported by the allocation that uses them.

from crmlab.strategy.response_curves import (
    _check_spend,
    _curve_arrays,
    check_response_curves,
    marginal_response,
    response,
)

__all__ = [
    "BudgetAllocation",
    "InfeasibleBudgetError",
    "allocate_budget",
    "incremental_clv_and_roi",
]


class InfeasibleBudgetError(ValueError):
    """A budget that no allocation can respect (negative, not finite, or below the committed minimum spends)."""


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
    from scipy import optimize

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
