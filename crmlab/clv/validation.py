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

:func:`holdout_metrics` puts the holdout judgement in numbers, one row per
model: per-customer errors of the holdout transactions, the error of their
total, the tracking curve's error over the holdout periods, the Brier score
and ROC AUC of P(alive) against buying again, and the error of holdout
revenue (definitions in :data:`HOLDOUT_METRIC_DEFINITIONS`).
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
    "HOLDOUT_METRIC_DEFINITIONS",
    "ModelBySegment",
    "compare_models",
    "frequency_histogram_comparison",
    "holdout_comparison",
    "holdout_metrics",
    "probability_alive_matrix",
    "roc_auc",
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


#: What each column of :func:`holdout_metrics` measures. y_i is customer i's number of transactions in the
#: holdout, ŷ_i = E[Y(t_i) | x_i, t_x,i, T_i] the model's forecast over the customer's holdout length t_i,
#: n the number of customers; A_t and Ê_t are the actual and expected cumulative repeat transactions of the
#: tracking curve (:func:`tracking_data`) at period t, a_t and ê_t their increments, H the holdout periods.
HOLDOUT_METRIC_DEFINITIONS: dict[str, str] = {
    "customers": "customers in the calibration/holdout summary, n",
    "actual_total": "transactions the customers made in the holdout: Σyᵢ",
    "forecast_total": "transactions the model forecast for the holdout: Σŷᵢ",
    "mae": "mean absolute error of each customer's holdout transactions: Σ|ŷᵢ − yᵢ| / n",
    "rmse": "root mean squared error of each customer's holdout transactions: √(Σ(ŷᵢ − yᵢ)² / n)",
    "bias": "mean error of each customer's holdout transactions, Σ(ŷᵢ − yᵢ) / n: above 0 the model over-forecasts",
    "total_error": "error of the total holdout transactions: Σŷᵢ / Σyᵢ − 1",
    "tracking_mape_cumulative": "mean absolute percentage error of the cumulative tracking curve over the holdout "
                                "periods: mean over t in H of |Êₜ − Aₜ| / Aₜ (periods with Aₜ = 0 left out)",
    "tracking_mape_incremental": "mean absolute percentage error of the transactions in each holdout period: mean "
                                 "over t in H of |êₜ − aₜ| / aₜ (periods with aₜ = 0 left out)",
    "brier": "Brier score of P(alive) against buying again in the holdout: Σ(pᵢ − bᵢ)² / n with bᵢ = 1 when yᵢ > 0; "
             "0 is perfect, and a model with P(alive) = 1 for everyone scores the share who did not buy again",
    "auc": "ROC AUC of P(alive) against buying again in the holdout: the probability that a customer who bought again "
           "has a higher P(alive) than one who did not (ties count one half; Hanley & McNeil 1982)",
    "auc_forecast": "ROC AUC of the forecast ŷᵢ against buying again in the holdout, as for P(alive): whether the "
                    "forecast ranks the customers who bought again above those who did not",
    "actual_revenue": "revenue in the holdout: Σ yᵢ·m_holdout,i, with m_holdout,i the customer's mean holdout spend",
    "forecast_revenue": "revenue forecast for the holdout: Σ ŷᵢ·E[Zᵢ | x, mₓ]",
    "revenue_error": "error of total holdout revenue: Σ ŷᵢ·E[Zᵢ | x, mₓ] / Σ yᵢ·m_holdout,i − 1, with E[Zᵢ | x, mₓ] "
                     "the spend model's expected spend per transaction",
}


def roc_auc(score: Any, outcome: Any) -> float:
    """The area under the ROC curve of ``score`` for a binary ``outcome``, by the Mann–Whitney rank formula.

    AUC = (R₁ − n₁(n₁ + 1)/2) / (n₁ n₀), with R₁ the sum of the ranks of the
    n₁ positive cases' scores among all n = n₁ + n₀ (tied scores share their
    mean rank): the probability that a random positive case scores above a
    random negative one, ties counting one half (Mann & Whitney 1947; Hanley
    & McNeil 1982, eq. 2). NaN when either class is empty.

    >>> roc_auc([0.9, 0.8, 0.4, 0.4, 0.1], [1, 0, 1, 0, 0])
    0.75
    """
    from scipy.stats import rankdata

    s = np.asarray(score, dtype=float).reshape(-1)
    y = np.asarray(outcome).reshape(-1).astype(bool)
    if len(s) != len(y):
        raise ValueError(f"roc_auc: {len(s)} scores but {len(y)} outcomes")
    n1, n0 = int(y.sum()), int((~y).sum())
    if not n1 or not n0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _mape(expected: np.ndarray, actual: np.ndarray) -> float:
    keep = actual > 0
    return float(np.mean(np.abs(expected[keep] - actual[keep]) / actual[keep])) if keep.any() else float("nan")


def _check_holdout(rft: list[np.ndarray], actual: np.ndarray, duration: np.ndarray, labels: pd.Index) -> None:
    """The summary's rows as the metrics need them, or a DataError naming the customers (rows), columns and values."""
    from crmlab.clv.inputs import _problems, _raise, check_rft

    check_rft(*rft, labels)
    found = [_problems(labels, ~np.isfinite(v), name, "missing or infinite value", v)
             for name, v in (("frequency_holdout", actual), ("duration_holdout", duration))]
    _raise(found)
    _raise([_problems(labels, actual < 0, "frequency_holdout", "negative number of holdout transactions", actual),
            _problems(labels, actual != np.floor(actual), "frequency_holdout", "not a whole number of transactions",
                      actual),
            _problems(labels, duration < 0, "duration_holdout", "negative holdout length", duration)])


def holdout_metrics(
    models: Models,
    summary: pd.DataFrame,
    *,
    tracking: pd.DataFrame | None = None,
    holdout_start: float | None = None,
    spend_model: Any = None,
) -> pd.DataFrame:
    """How accurate each fitted model was on the holdout period, in numbers: one row per model.

    ``summary`` is a calibration/holdout summary
    (:func:`crmlab.customers.transaction_summary` with ``calibration_end``).
    Each customer's forecast is ŷᵢ = E[Y(tᵢ) | x, tₓ, T] over their holdout
    length tᵢ (``duration_holdout``), set against their holdout transactions
    yᵢ (``frequency_holdout``), as in Fader, Hardie & Lee (2005, figure 5),
    but scored per customer rather than per frequency group. Columns (defined
    in :data:`HOLDOUT_METRIC_DEFINITIONS`): ``model``, ``customers``,
    ``actual_total``, ``forecast_total``, ``total_error``, ``mae``, ``rmse``,
    ``bias``; ``brier`` and ``auc`` of P(alive) against buying again in the
    holdout (yᵢ > 0; a P(alive) is the chance to be *able* to buy, so even a
    true model has Brier > 0, and a slow customer who is alive may not buy:
    under the BG/NBD every one-time buyer has P(alive) = 1, which can put the
    AUC below 0.5), and ``auc_forecast``, the same AUC of ŷᵢ; with ``tracking`` (a :func:`tracking_data`
    table holding each model's column, by the models' names or
    ``"expected"`` for one model) and ``holdout_start`` (the calibration end
    in the tracking's time units, from its origin),
    ``tracking_mape_cumulative`` and ``tracking_mape_incremental`` over the
    periods t > ``holdout_start`` (NaN for a model the tracking table has no
    column for, such as a :class:`ModelBySegment`); with a fitted ``spend_model``
    (:class:`crmlab.clv.GammaGamma`) and ``monetary_value_holdout`` in the
    summary, ``actual_revenue``, ``forecast_revenue`` (Σ ŷᵢ·E[Zᵢ | x, mₓ])
    and ``revenue_error``.

    >>> from crmlab.clv import BetaGeo
    >>> summary = pd.DataFrame({"frequency": [0, 2, 5, 1], "recency": [0.0, 20.0, 30.0, 5.0], "T": [40.0] * 4,
    ...                         "frequency_holdout": [0, 1, 3, 0], "duration_holdout": [39.0] * 4})
    >>> model = BetaGeo()
    >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})  # the published CDNOW fit
    >>> holdout_metrics({"BG/NBD": model}, summary)[["model", "actual_total", "forecast_total", "mae", "auc"]].round(3)
        model  actual_total  forecast_total    mae  auc
    0  BG/NBD           4.0           3.889  0.267  0.5

    (The one-time buyer keeps P(alive) = 1 under the BG/NBD and did not buy
    again: it ranks above both customers who did, hence an AUC of 0.5.)
    """
    needed = {"frequency", "recency", "T", "frequency_holdout", "duration_holdout"}
    if not needed <= set(summary.columns):
        raise ValueError(
            "holdout_metrics needs a calibration/holdout summary (transaction_summary(..., calibration_end=...)); "
            f"missing {sorted(needed - set(summary.columns))}"
        )
    if (tracking is None) != (holdout_start is None):
        raise ValueError("holdout_metrics: give the tracking table and holdout_start together")
    actual = summary["frequency_holdout"].to_numpy(dtype=float)
    rft = [summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    duration = summary["duration_holdout"].to_numpy(dtype=float)
    _check_holdout(rft, actual, duration, summary.index)
    bought = actual > 0
    revenue = None
    if spend_model is not None:
        if "monetary_value_holdout" not in summary.columns:
            raise ValueError("holdout_metrics: a spend model needs monetary_value_holdout in the summary")
        spend = np.asarray(spend_model.conditional_expected_average_spend(summary[["frequency", "monetary_value"]]),
                           dtype=float)
        revenue = (spend, actual * summary["monetary_value_holdout"].to_numpy(dtype=float))
    if tracking is not None:
        names = [name or "expected" for name in _named(models)]
        if not set(names) & set(tracking.columns):
            raise ValueError(f"holdout_metrics: the tracking table has a column for none of the models {names}")
        period = tracking["t"].to_numpy(dtype=float) > float(holdout_start)
        if not period.any():
            raise ValueError(f"holdout_metrics: the tracking table has no period after holdout_start = {holdout_start}")
    rows = []
    for name, model in _named(models).items():
        forecast = np.asarray(model.conditional_expected_transactions(duration, *rft), dtype=float)
        alive = np.asarray(model.probability_alive(*rft), dtype=float)
        error = forecast - actual
        row: dict[str, Any] = {
            "model": name or "model",
            "customers": len(actual),
            "actual_total": float(actual.sum()),
            "forecast_total": float(forecast.sum()),
            "total_error": float(forecast.sum() / actual.sum() - 1) if actual.sum() else float("nan"),
            "mae": float(np.mean(np.abs(error))),
            "rmse": float(np.sqrt(np.mean(error**2))),
            "bias": float(np.mean(error)),
            "brier": float(np.mean((alive - bought) ** 2)),
            "auc": roc_auc(alive, bought),
            "auc_forecast": roc_auc(forecast, bought),
        }
        column = name or "expected"
        if tracking is not None and column not in tracking.columns:
            row["tracking_mape_cumulative"] = row["tracking_mape_incremental"] = float("nan")
        elif tracking is not None:
            row["tracking_mape_cumulative"] = _mape(tracking[column].to_numpy(dtype=float)[period],
                                                    tracking["actual"].to_numpy(dtype=float)[period])
            row["tracking_mape_incremental"] = _mape(tracking[f"incremental_{column}"].to_numpy(dtype=float)[period],
                                                     tracking["incremental_actual"].to_numpy(dtype=float)[period])
        if revenue is not None:
            spend, actual_revenue = revenue
            row["actual_revenue"] = float(actual_revenue.sum())
            row["forecast_revenue"] = float((forecast * spend).sum())
            row["revenue_error"] = (row["forecast_revenue"] / row["actual_revenue"] - 1 if row["actual_revenue"]
                                    else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


class ModelBySegment:
    """Transaction models, one per segment of the customers, that forecast the customers as one model.

    Each customer is predicted by the model of their own segment: the way to
    score the planted truth of a synthetic world drawn with different
    BG/NBD parameters per acquisition channel (Fader, Hardie & Lee 2005) in
    :func:`holdout_metrics`, beside the models fitted to the whole base.
    ``segment`` holds one label per customer, in the order of the customers
    the predictions are asked for (the summary's rows).

    >>> from crmlab.clv import BetaGeo
    >>> channels = pd.DataFrame({"channel": ["a", "b"], "r": [0.2, 0.5], "alpha": [4.0, 4.0], "a": [0.8, 0.8],
    ...                          "b": [2.4, 2.4]})
    >>> truth = ModelBySegment.planted(channels, ["a", "b", "b"])
    >>> np.round(truth.conditional_expected_transactions(39.0, [0, 0, 0], [0, 0, 0], [39, 39, 39]), 3)
    array([0.162, 0.394, 0.394])
    """

    def __init__(self, models: Mapping[Any, TransactionModel], segment: Any):
        self.models = dict(models)
        self.segment = np.asarray(segment, dtype=object).reshape(-1)
        unknown = sorted({str(v) for v in set(self.segment) - set(self.models)})
        if unknown:
            raise ValueError(f"ModelBySegment: no model for the segment(s) {unknown[:5]}; models for {sorted(map(str, self.models))}")

    @classmethod
    def planted(cls, channels: pd.DataFrame, segment: Any, model: type[TransactionModel] | None = None) -> ModelBySegment:
        """The planted models of a synthetic world: one ``model`` (default BG/NBD) per row of ``channels``
        (``SimulatedWorld.channels``: ``channel`` and the model's parameters) with the planted values."""
        if model is None:
            from crmlab.clv.beta_geo import BetaGeo as model
        models = {}
        for _, row in channels.iterrows():
            fitted = model()
            fitted.params_ = pd.Series({k: float(row[k]) for k in fitted.param_names})
            models[row["channel"]] = fitted
        return cls(models, segment)

    def _each(self, method: str, *args: Any) -> np.ndarray:
        arrays = [np.asarray(a, dtype=float).reshape(-1) for a in args]
        n = max(len(a) for a in arrays)
        if len(self.segment) != n:
            raise ValueError(f"ModelBySegment: {len(self.segment)} segment labels for {n} customers")
        arrays = [np.broadcast_to(a, n) for a in arrays]
        out = np.empty(n)
        for label, model in self.models.items():
            rows = self.segment == label
            if rows.any():
                out[rows] = np.asarray(getattr(model, method)(*(a[rows] for a in arrays)), dtype=float)
        return out

    def conditional_expected_transactions(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T] of each customer under their segment's model."""
        return self._each("conditional_expected_transactions", t, frequency, recency, T)

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T | x, t_x, T) of each customer under their segment's model."""
        return self._each("probability_alive", frequency, recency, T)
