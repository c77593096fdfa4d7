"""Checking a fitted BTYD model against data, as the papers do.

Fader, Hardie & Lee (2005, "Counting your customers the easy way") judge a
model fitted on a calibration period in three ways, each a function here that
returns a tidy table (and a figure in :mod:`crmlab.plots`):

- :func:`frequency_histogram_comparison`: observed against expected number of
  customers with 0, 1, 2, … repeat transactions in the calibration period
  (their figure 2);
- :func:`holdout_comparison`: by calibration frequency, the mean number of
  transactions actually made in the holdout period against the model's
  conditional expectation E[Y(t) | x, t_x, T] (their figure 5);
- :func:`tracking_data`: cumulative repeat transactions of the whole cohort,
  week by week through calibration and holdout, against the model's
  Σ_i E[X(t − s_i)] (their figure 4).

:func:`probability_alive_matrix` gives P(alive) over a grid of frequency and
recency for one T (their figure 8-style heat map).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.btyd import TransactionModel
from crmlab.clv.inputs import check_argument

# tracking_data reads a transaction log, so it alone imports Polars and the customer metrics' engine
# (and with it the data layer's schema): the checks on fitted models do not pay for them.

__all__ = [
    "compare_models",
    "frequency_histogram_comparison",
    "holdout_comparison",
    "probability_alive_matrix",
    "tracking_data",
]


def _binned(frequency: pd.Series, max_frequency: int) -> pd.Series:
    max_frequency = int(check_argument(max_frequency, "max_frequency", at_least=0, whole=True, scalar=True))
    x = frequency.astype(int)
    return x.clip(upper=max_frequency).map(lambda v: f"{v}+" if v == max_frequency else str(v))


Models = TransactionModel | Mapping[str, TransactionModel]


def _named(models: Models) -> dict[str, TransactionModel]:
    """One model → {"expected"/"predicted": model}; a mapping of fitted models is kept with its names."""
    if isinstance(models, TransactionModel):
        return {"": models}
    if not models:
        raise ValueError("no models given")
    return dict(models)


def compare_models(models: Mapping[str, Any]) -> pd.DataFrame:
    """Fit statistics of several fitted models side by side: parameters k, log-likelihood, AIC, BIC.

    Models fitted to the same customers compare by AIC/BIC (lower is better;
    Akaike 1974, Schwarz 1978); ``delta_AIC`` is the distance to the best.
    """
    rows = []
    for name, model in models.items():
        model._check_fitted()
        rows.append(
            {
                "model": name,
                "k": len(model.param_names),
                "customers": model.n_customers_,
                "log_likelihood": model.log_likelihood_,
                "AIC": model.AIC_,
                "BIC": model.BIC_,
                "parameters": ", ".join(f"{k} = {v:.4g}" for k, v in model.params_.items()),
            }
        )
    table = pd.DataFrame(rows)
    table["delta_AIC"] = table["AIC"] - table["AIC"].min()
    return table


def frequency_histogram_comparison(models: Models, summary: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Observed and expected number of customers by calibration repeat-transaction count.

    Expected counts are Σ_i P(X(T_i) = x) over the customers' own T_i
    (:meth:`~crmlab.clv.btyd.TransactionModel.expected_frequency_histogram`);
    the last row is ``"{max_frequency}+"``.

    Returns columns ``frequency``, ``observed`` and ``expected`` — or, given a
    mapping name → fitted model, one column per name.
    """
    observed = _binned(summary["frequency"], max_frequency).value_counts()
    table = None
    for name, model in _named(models).items():
        expected = model.expected_frequency_histogram(summary["T"], max_frequency=max_frequency)
        if table is None:
            table = expected[["frequency"]].copy()
            table["observed"] = table["frequency"].map(observed).fillna(0).astype(int)
        table[name or "expected"] = expected["expected"].to_numpy()
    assert table is not None
    return table


def holdout_comparison(models: Models, summary: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout transactions, actual and predicted, by calibration frequency.

    ``summary`` is a calibration/holdout summary from
    :func:`crmlab.customers.transaction_summary` (with ``calibration_end``):
    the prediction for each customer is E[Y(t) | x, t_x, T] with t their
    ``duration_holdout``. Rows: calibration frequency 0 … ``max_frequency``+;
    columns ``frequency``, ``n_customers``, ``actual``, ``predicted`` (means
    per customer) and a last row ``"all"`` with the totals' means. Given a
    mapping name → fitted model, one prediction column per name.
    """
    needed = {"frequency_holdout", "duration_holdout"}
    if not needed <= set(summary.columns):
        raise ValueError(
            "holdout_comparison needs a calibration/holdout summary (transaction_summary(..., calibration_end=...)); "
            f"missing {sorted(needed - set(summary.columns))}"
        )
    frame = pd.DataFrame(
        {
            "frequency": _binned(summary["frequency"], max_frequency).to_numpy(),
            "actual": summary["frequency_holdout"].to_numpy(dtype=float),
        }
    )
    args = [summary[c].to_numpy(dtype=float) for c in ("duration_holdout", "frequency", "recency", "T")]
    names = []
    for name, model in _named(models).items():
        names.append(name or "predicted")
        frame[names[-1]] = np.asarray(model.conditional_expected_transactions(*args))
    grouped = frame.groupby("frequency", sort=False)
    table = pd.concat([grouped.size().rename("n_customers"), grouped[["actual", *names]].mean()], axis=1)
    order = [str(v) for v in range(max_frequency)] + [f"{max_frequency}+"]
    table = table.reindex([o for o in order if o in table.index]).reset_index()
    total = pd.DataFrame({"frequency": ["all"], "n_customers": [len(frame)], **{c: [frame[c].mean()] for c in ["actual", *names]}})
    return pd.concat([table, total], ignore_index=True)


def tracking_data(
    transactions: Any,
    *,
    observation_end: Any,
    model: Models | None = None,
    origin: Any = None,
    time_unit: str = "W",
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Cumulative repeat transactions of a customer base per time unit, actual and expected.

    As in the summary, a customer's purchases on one day are one transaction
    and the first is the acquisition, not a repeat. Time t is counted in
    ``time_unit`` from ``origin`` (default: the first purchase day in the
    data); for each whole t = 1, 2, … up to ``observation_end``, ``actual`` is
    the number of repeat transactions on days up to origin + t units
    (inclusive of day starts ≤ t, as recency is measured) and, with a fitted
    ``model``, ``expected`` = Σ_i E[X(t − s_i)] over customers acquired at
    s_i < t (Fader, Hardie & Lee 2005, figure 4); given a mapping name →
    fitted model, one such column per name. ``incremental_*`` columns hold the
    per-unit differences.
    """
    import polars as pl

    from crmlab.customers.engines import collect, scan
    from crmlab.customers.periods import UNIT_DAYS, as_day, check_unit

    unit = check_unit(time_unit, "time_unit")
    end = as_day(observation_end, "observation_end")
    days = collect(
        scan(transactions, columns)
        .select("customer_id", pl.col("date").dt.date().alias("day"))
        .filter(pl.col("day") <= end.date())
        .unique()
        .with_columns(first=pl.col("day").min().over("customer_id"))
    ).to_pandas()
    start = as_day(days["day"].min() if origin is None else origin, "origin")
    day_no = (pd.to_datetime(days["day"]) - start).dt.days.to_numpy()
    first_no = (pd.to_datetime(days["first"]) - start).dt.days.to_numpy()
    repeat_days = np.sort(day_no[day_no != first_no])
    unit_days = UNIT_DAYS[unit]
    t = np.arange(1, int(np.floor((end - start).days / unit_days)) + 1, dtype=float)
    actual = np.searchsorted(repeat_days, t * unit_days, side="right")
    table = pd.DataFrame({"t": t, "actual": actual.astype(float)})
    if model is not None:
        # one row per customer has day == first day: their acquisition time
        acquisition = first_no[day_no == first_no] / unit_days
        for name, fitted in _named(model).items():
            table[name or "expected"] = fitted.expected_cumulative_transactions(acquisition, t)["expected"].to_numpy()
    for col in [c for c in table.columns if c != "t"]:
        table[f"incremental_{col}"] = table[col].diff().fillna(table[col])
    return table


def probability_alive_matrix(
    model: TransactionModel, *, T: float, max_frequency: int = 20, n_recency: int | None = None
) -> pd.DataFrame:
    """P(alive) for a customer observed for ``T``, over frequency 0…max and recency 0…T.

    Rows are frequency x (descending, as the papers draw it), columns recency
    t_x on a grid of ``n_recency`` points (default: whole time units 0…T).
    Cells with x > 0 and t_x = 0, or x = 0 and t_x > 0, are impossible and NaN.
    ``T`` must be finite and > 0, ``max_frequency`` a whole number ≥ 0 and
    ``n_recency`` (when given) a whole number ≥ 2.
    """
    T = check_argument(T, "T", above=0, scalar=True)
    max_frequency = int(check_argument(max_frequency, "max_frequency", at_least=0, whole=True, scalar=True))
    if n_recency is not None:
        n_recency = int(check_argument(n_recency, "n_recency", at_least=2, whole=True, scalar=True))
    grid = np.arange(0, np.floor(T) + 1, dtype=float) if n_recency is None else np.linspace(0, T, n_recency)
    xs = np.arange(max_frequency, -1, -1, dtype=float)
    X, R = np.meshgrid(xs, grid, indexing="ij")
    valid = ((X == 0) & (R == 0)) | ((X > 0) & (R > 0))
    values = np.full(X.shape, np.nan)
    values[valid] = np.asarray(model.probability_alive(X[valid], R[valid], np.full(valid.sum(), float(T))))
    return pd.DataFrame(values, index=pd.Index(xs.astype(int), name="frequency"), columns=pd.Index(grid, name="recency"))
