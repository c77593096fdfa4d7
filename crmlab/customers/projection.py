"""Projecting the size of a customer base from acquisition and churn.

The timing convention of every function here (one period = e.g. one year):

- the customers present at the start of period t, N_{t−1}, churn at rate
  c_t during the period: lost_t = c_t · N_{t−1};
- the A_t customers acquired during period t arrive after churn and are not
  at risk in that period (they can first be lost in period t + 1);
- customers_end_t = N_t = N_{t−1} · (1 − c_t) + A_t.

With constant c and A this recursion has the closed form

    N_t = N_0 (1 − c)^t + A · (1 − (1 − c)^t) / c     (N_t = N_0 + A·t when c = 0),

and for 0 < c ≤ 1 the base tends to the steady state N* = A / c, whatever N_0:
the base at which the customers lost each period, c·N*, equal those won, A
(the fixed point of the recursion). Halving churn doubles the steady-state
base: the point of Reichheld's (1996) comparison of firms with different
defection rates (*The Loyalty Effect*, Harvard Business School Press), and of
the customer-equity view of the base (Blattberg, Getz & Thomas 2001,
*Customer Equity*, Harvard Business School Press).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "compare_churn_scenarios",
    "customer_base_closed_form",
    "pooled_retention_curve",
    "project_customer_base",
    "steady_state_base",
]


def _per_period(value: float | Sequence[float], periods: int, name: str, upper: float | None = None) -> np.ndarray:
    """A scalar or a sequence of one value per period (1..periods), checked, as a float array."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(periods, float(arr))
    elif arr.ndim != 1 or len(arr) != periods:
        raise ValueError(f"{name} must be a number or a sequence of {periods} values (one per period), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite numbers")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {float(arr[arr < 0][0]):g}")
    if upper is not None and np.any(arr > upper):
        raise ValueError(f"{name} must be a share between 0 and {upper:g}, got {float(arr[arr > upper][0]):g}")
    return arr


def _check_periods(periods: int) -> int:
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 0:
        raise ValueError(f"periods must be a whole number >= 0, got {periods!r}")
    return int(periods)


def _check_initial(initial: float) -> float:
    initial = float(initial)
    if not np.isfinite(initial) or initial < 0:
        raise ValueError(f"initial must be a number of customers >= 0, got {initial!r}")
    return initial


def project_customer_base(
    initial: float,
    acquisitions_per_period: float | Sequence[float],
    churn_rate: float | Sequence[float],
    periods: int,
) -> pd.DataFrame:
    """Customer base period by period: N_t = N_{t−1} (1 − c_t) + A_t.

    Timing convention: churn c_t applies to the customers present at the start
    of period t; the A_t customers acquired during period t are not at risk
    until period t + 1. So lost_t = c_t · N_{t−1} and
    customers_end_t = customers_start_t − lost_t + acquired_t. Row 0 is the
    starting point (customers_end = initial, nothing acquired or lost).
    Counts are expected values (not rounded). For constant rates see
    :func:`customer_base_closed_form` and :func:`steady_state_base`.

    Parameters
    ----------
    initial : float
        Customers at the start, N_0 (>= 0).
    acquisitions_per_period : float or sequence
        New customers per period, A (>= 0), or one value per period 1..periods.
    churn_rate : float or sequence
        Share of the customers at the start of a period lost in it, c in
        [0, 1], or one value per period 1..periods.
    periods : int
        Number of periods to project (>= 0).

    Returns
    -------
    pandas.DataFrame
        ``period`` (0..periods), ``customers_start``, ``acquired``, ``lost``,
        ``customers_end``, ``churn_rate`` (the rate of the period; NaN in row 0).

    Source: the stock-flow model of a customer base, e.g. Blattberg, R. C.,
    Getz, G. & Thomas, J. S. (2001), *Customer Equity*, Harvard Business
    School Press.

    Examples
    --------
    >>> project_customer_base(100, 10, 0.2, 3)
       period  customers_start  acquired  lost  customers_end  churn_rate
    0       0            100.0       0.0   0.0          100.0         NaN
    1       1            100.0      10.0  20.0           90.0         0.2
    2       2             90.0      10.0  18.0           82.0         0.2
    3       3             82.0      10.0  16.4           75.6         0.2
    """
    periods = _check_periods(periods)
    n0 = _check_initial(initial)
    acquired = _per_period(acquisitions_per_period, periods, "acquisitions_per_period")
    churn = _per_period(churn_rate, periods, "churn_rate", upper=1.0)
    # The recursion itself (a loop over periods, not over data rows: a plan has tens of periods).
    end = np.empty(periods)
    base = n0
    for t in range(periods):
        base = base * (1.0 - churn[t]) + acquired[t]
        end[t] = base
    customers_end = np.concatenate([[n0], end])
    customers_start = np.concatenate([[n0], customers_end[:-1]])
    lost = np.concatenate([[0.0], churn * customers_start[1:]])
    return pd.DataFrame(
        {
            "period": np.arange(periods + 1, dtype=np.int64),
            "customers_start": customers_start,
            "acquired": np.concatenate([[0.0], acquired]),
            "lost": lost,
            "customers_end": customers_end,
            "churn_rate": np.concatenate([[np.nan], churn]),
        }
    )


def customer_base_closed_form(initial: float, acquisitions_per_period: float, churn_rate: float, t: int | np.ndarray):
    """N_t = N_0 (1 − c)^t + A (1 − (1 − c)^t) / c for constant A and c (N_0 + A·t when c = 0).

    The closed form of :func:`project_customer_base`'s recursion
    N_t = N_{t−1} (1 − c) + A (churn on the customers at the start of the
    period, acquisitions not at risk in their first period). Vectorised over t.

    >>> round(customer_base_closed_form(0, 1000, 0.05, 10), 2)
    8025.26
    >>> customer_base_closed_form(100, 10, 0.0, np.array([0, 5]))
    array([100., 150.])
    """
    n0 = _check_initial(initial)
    a = float(_per_period(acquisitions_per_period, 1, "acquisitions_per_period")[0])
    c = float(_per_period(churn_rate, 1, "churn_rate", upper=1.0)[0])
    t = np.asarray(t)
    if np.any(t < 0):
        raise ValueError("t must be >= 0")
    if c == 0:
        out = n0 + a * t
    else:
        keep = (1.0 - c) ** t
        out = n0 * keep + a * (1.0 - keep) / c
    return float(out) if np.ndim(out) == 0 else out.astype(float)


def steady_state_base(acquisitions_per_period: float, churn_rate: float) -> float:
    """The long-run size of the base, N* = A / c (infinite when c = 0 and A > 0).

    At N* the customers lost each period, c·N*, equal the customers acquired,
    A. Halving churn doubles it.

    >>> steady_state_base(1000, 0.05), steady_state_base(1000, 0.10)
    (20000.0, 10000.0)
    """
    a = float(_per_period(acquisitions_per_period, 1, "acquisitions_per_period")[0])
    c = float(_per_period(churn_rate, 1, "churn_rate", upper=1.0)[0])
    if c == 0:
        return np.inf if a > 0 else 0.0
    return a / c


def compare_churn_scenarios(
    initial: float,
    acquisitions_per_period: float | Sequence[float],
    churn_rates: Mapping[str, float | Sequence[float]],
    periods: int,
) -> pd.DataFrame:
    """Project the same base under several churn rates: one :func:`project_customer_base` per scenario.

    The classic illustration of why churn matters (after Reichheld 1996,
    *The Loyalty Effect*): two firms acquire the same
    number of customers each year, one loses 5% of its customers a year, the
    other 10%. Both bases grow towards A / c, so the first ends up with twice
    the customers of the second — slowly: after 10 years (starting from
    zero, A = 1000) they have 8,025 and 6,513.

    Parameters
    ----------
    initial, acquisitions_per_period, periods
        As in :func:`project_customer_base`, shared by all scenarios.
    churn_rates : mapping
        Scenario name → churn rate (a number or one per period).

    Returns
    -------
    pandas.DataFrame
        Long frame: ``scenario`` then the columns of
        :func:`project_customer_base`, scenarios in the mapping's order.

    Source: Reichheld, F. F. (1996), *The Loyalty Effect*, Harvard Business
    School Press; Blattberg, Getz & Thomas (2001), *Customer Equity*.

    Examples
    --------
    >>> out = compare_churn_scenarios(0, 1000, {"5% churn": 0.05, "10% churn": 0.10}, 10)
    >>> out[out["period"] == 10][["scenario", "customers_end"]].round(2)
         scenario  customers_end
    10   5% churn        8025.26
    21  10% churn        6513.22
    """
    if not isinstance(churn_rates, Mapping) or not churn_rates:
        raise ValueError("churn_rates must be a non-empty mapping of scenario name -> churn rate")
    frames = [
        project_customer_base(initial, acquisitions_per_period, rate, periods).assign(scenario=str(name))
        for name, rate in churn_rates.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", *[c for c in out.columns if c != "scenario"]]]


def pooled_retention_curve(cohorts: pd.DataFrame) -> pd.DataFrame:
    """The retention curve of all cohorts together: customers active k periods after acquisition over cohort sizes.

    For each period number k ≥ 1, over the cohorts observed that long:
    ``retention`` = Σ n_active / Σ cohort_size, the mean of the cohorts'
    retention weighted by cohort size (so a cohort of 10 customers does not
    weigh as much as one of 1,000), with ``n_cohorts``, ``cohort_size``
    (customers at risk) and ``n_active``. Takes the long frame of
    :func:`crmlab.customers.cohort_retention` (Kumar & Reinartz 2018, cohort
    analysis); this is the curve a projection of a new cohort would follow.

    >>> cohorts = pd.DataFrame({"cohort": ["a", "a", "b", "b"], "period_number": [0, 1, 0, 1],
    ...                         "cohort_size": [100, 100, 300, 300], "n_active": [100, 50, 300, 30],
    ...                         "retention": [1.0, 0.5, 1.0, 0.1]})
    >>> pooled_retention_curve(cohorts)
       period_number  n_cohorts  cohort_size  n_active  retention
    0              1          2          400        80       0.2
    """
    missing = [c for c in ("cohort", "period_number", "cohort_size", "n_active") if c not in cohorts.columns]
    if missing:
        raise ValueError(f"pooled_retention_curve needs the frame of cohort_retention; missing column(s) {missing}")
    later = cohorts[cohorts["period_number"] > 0]
    pooled = later.groupby("period_number", sort=True).agg(
        n_cohorts=("cohort", "nunique"), cohort_size=("cohort_size", "sum"), n_active=("n_active", "sum")
    ).reset_index()
    pooled["retention"] = pooled["n_active"] / pooled["cohort_size"]
    return pooled
