"""The value of the customer as readers see it: parameter tables beside their reference, and generated conclusions.

Every sentence here is built from a computed frame (a model comparison, a
holdout comparison, a CLV summary, a channel table, a Markov policy), so that
it cannot contradict the table printed beside it; comparisons say "about
equally" within a stated tolerance instead of inventing a winner. Reference
values are the published CDNOW estimates (Fader, Hardie & Lee 2005a, 2005b)
or, on a synthetic base, the planted truth.

>>> comparison = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "AIC": [19172.9, 19198.0]})
>>> holdout = pd.DataFrame({"frequency": ["0", "1", "all"], "n_customers": [80, 20, 100],
...                         "actual": [0.2, 1.0, 0.36], "BG/NBD": [0.25, 0.9, 0.38], "Pareto/NBD": [0.1, 1.2, 0.32]})
>>> print(model_choice_sentences(comparison, holdout).plain)
By AIC the BG/NBD fits the calibration period best (Pareto/NBD: ΔAIC 25.1, essentially no support, Burnham & Anderson 2002). In the holdout period the customers made 0.360 transactions each; the BG/NBD forecast 0.380 (+5.6%), the Pareto/NBD 0.320 (-11.1%). By the mean absolute error over the frequency groups, each weighted by its number of customers, the BG/NBD forecasts best: 0.060 transactions per customer, against 0.120 for the Pareto/NBD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.customers.periods import UNIT_DAYS
from crmlab.display.labels import label
from crmlab.display.numbers import integer, money, number, percent
from crmlab.display.text import Markdown, compare, join_list, markdown, plural

__all__ = [
    "INTERVAL_METHODS",
    "MODEL_NAMES",
    "PUBLISHED_ESTIMATES",
    "acquisition_sentence",
    "alive_now_and_later_sentence",
    "alive_now_and_later_table",
    "channel_sentences",
    "channel_world_sentence",
    "clv_by_month_sentence",
    "clv_by_month_table",
    "clv_interval_caption",
    "clv_interval_sentence",
    "clv_interval_table",
    "clv_summary",
    "concentration_sentence",
    "count_distribution_sentence",
    "count_distribution_table",
    "customers_at_quantiles",
    "holdout_accuracy_table",
    "holdout_choice_sentences",
    "holdout_errors",
    "log_scale_interval",
    "markov_sentences",
    "markov_value_table",
    "model_choice_sentences",
    "parameter_table",
    "planted_customer_lifetime_value",
    "planted_dropout_times",
    "planted_reference",
    "probability_alive_histories",
    "probability_alive_history_sentence",
    "probability_alive_sentence",
    "published_reference",
    "reference_sentence",
    "spend_sentence",
]

#: Reader names of the lab's transaction and spend models.
MODEL_NAMES: dict[str, str] = {
    "BetaGeo": "BG/NBD",
    "ParetoNBD": "Pareto/NBD",
    "ModifiedBetaGeo": "MBG/NBD",
    "BetaGeoBetaBinom": "BG/BB",
    "GammaGamma": "Gamma-Gamma",
}

#: The CDNOW estimates as printed: BG/NBD (Fader, Hardie & Lee 2005a, "Counting your customers the easy way",
#: Marketing Science 24(2)), Pareto/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005b, "RFM and CLV", JMR 42(4)).
PUBLISHED_ESTIMATES: dict[str, dict[str, str]] = {
    "BG/NBD": {"r": "0.243", "alpha": "4.414", "a": "0.793", "b": "2.426"},
    "Pareto/NBD": {"r": "0.553", "alpha": "10.58", "s": "0.606", "beta": "11.67"},
    "Gamma-Gamma": {"p": "6.25", "q": "3.74", "gamma": "15.44"},
}

#: Burnham & Anderson (2002, §2.6): support for a model ΔAIC behind the best.
_AIC_SUPPORT = ((2.0, "substantial support"), (4.0, "some support"), (10.0, "considerably less support"),
                (np.inf, "essentially no support"))


def _name(model: str) -> str:
    return MODEL_NAMES.get(model, model)


def published_reference(source: str, calibration_end: str, freq: str = "D", time_unit: str = "W") -> dict | None:
    """The published estimates to set beside crmlab's, when the run is the papers' own set-up, else None.

    Fader, Hardie & Lee (2005a, 2005b) fit the CDNOW 1/10 sample calibrated
    to 1997-09-30 (week 39), one transaction per day, in weeks; on any other
    data or set-up there is nothing published to compare with.

    >>> sorted(published_reference("cdnow", "1997-09-30")), published_reference("cdnow", "1997-12-31")
    (['BG/NBD', 'Gamma-Gamma', 'Pareto/NBD'], None)
    """
    same = str(source) == "cdnow" and str(calibration_end) == "1997-09-30" and freq == "D" and time_unit == "W"
    return PUBLISHED_ESTIMATES if same else None


def planted_reference(channels: pd.DataFrame, model: str = "BG/NBD") -> dict[str, dict[str, float]]:
    """The planted parameters of a synthetic world as references: ``"{model}, {channel}"`` → r, α, a, b for each
    channel, and ``"Gamma-Gamma"`` → p, q, γ when every channel shares them (``SimulatedWorld.channels``).

    >>> channels = pd.DataFrame({"channel": ["x"], "r": [0.2], "alpha": [4.0], "a": [0.8], "b": [2.4],
    ...                          "p_spend": [6.0], "q": [3.7], "gamma": [15.0]})
    >>> planted_reference(channels)
    {'BG/NBD, x': {'r': 0.2, 'alpha': 4.0, 'a': 0.8, 'b': 2.4}, 'Gamma-Gamma': {'p': 6.0, 'q': 3.7, 'gamma': 15.0}}
    """
    out: dict[str, dict[str, float]] = {}
    for _, row in channels.iterrows():
        out[f"{model}, {row['channel']}"] = {k: float(row[k]) for k in ("r", "alpha", "a", "b")}
    spend = channels[["p_spend", "q", "gamma"]].drop_duplicates()
    if len(spend) == 1:
        out["Gamma-Gamma"] = {"p": float(spend["p_spend"].iloc[0]), "q": float(spend["q"].iloc[0]),
                              "gamma": float(spend["gamma"].iloc[0])}
    return out


def log_scale_interval(estimate: Any, se: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """The Wald interval of a positive parameter computed on the log scale: exp(ln θ̂ ± z·se/θ̂).

    By the delta method the standard error of ln θ̂ is se(θ̂)/θ̂, so the
    interval θ̂·exp(∓z·se/θ̂) stays positive and is asymmetric, as the
    likelihood of a rate or shape parameter is; the symmetric θ̂ ± z·se can
    reach below 0 (Meeker & Escobar 1998, *Statistical Methods for
    Reliability Data*, on intervals for positive parameters; the usual choice
    when the parameter was fitted on the log scale, as the lab's BTYD models
    are). ``z`` is the normal quantile of ``confidence``.

    >>> low, high = log_scale_interval(11.669, 6.211)
    >>> round(low, 3), round(high, 3)
    (4.111, 33.121)
    """
    from scipy.stats import norm

    estimate, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    if np.any(estimate <= 0):
        raise ValueError(f"log_scale_interval: a log-scale interval needs a positive estimate, got {estimate}")
    factor = np.exp(norm.ppf(0.5 + confidence / 2) * se / estimate)
    low, high = estimate / factor, estimate * factor
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def parameter_table(models: Mapping[str, Any], reference: Mapping[str, Mapping[str, Any]] | None = None,
                    reference_name: str = "reference") -> pd.DataFrame:
    """The fitted parameters of several models in one long frame, beside a reference value where there is one.

    One row per model and parameter: ``model``, ``parameter`` (its symbol,
    α for ``alpha``), ``estimate``, ``se`` (the model's ``summary``),
    ``ci_low``, ``ci_high`` (the 95% interval on the log scale,
    :func:`log_scale_interval`: every parameter of the lab's purchase and
    spend models is positive, and a symmetric Wald interval can reach below
    0) and, with ``reference`` (model → parameter → value), a column named
    ``reference_name`` holding the reference as given (a published value
    keeps its printed digits) and ``inside_ci``: whether the reference lies in
    the interval.

    >>> class Fitted:
    ...     summary = pd.DataFrame({"coef": [0.2426, 11.669], "se(coef)": [0.0126, 6.211]},
    ...                            index=pd.Index(["r", "beta"], name="parameter"))
    >>> parameter_table({"Pareto/NBD": Fitted()}, {"Pareto/NBD": {"r": "0.243", "beta": "11.67"}}, "published").round(3)
            model parameter  estimate     se  ci_low  ci_high published  inside_ci
    0  Pareto/NBD         r     0.243  0.013   0.219    0.269     0.243       True
    1  Pareto/NBD         β    11.669  6.211   4.111   33.121     11.67       True
    """
    rows = []
    for name, model in models.items():
        summary = model.summary
        low, high = log_scale_interval(summary["coef"].to_numpy(dtype=float), summary["se(coef)"].to_numpy(dtype=float))
        for k, (parameter, row) in enumerate(summary.iterrows()):
            entry = {"model": name, "parameter": label(parameter), "estimate": float(row["coef"]),
                     "se": float(row["se(coef)"]), "ci_low": float(low[k]), "ci_high": float(high[k])}
            if reference is not None:
                value = reference.get(name, {}).get(parameter)
                entry[reference_name] = value
                entry["inside_ci"] = (None if value is None else
                                      bool(entry["ci_low"] <= float(value) <= entry["ci_high"]))
            rows.append(entry)
    return pd.DataFrame(rows)


def reference_sentence(table: pd.DataFrame, reference_name: str, *, printed: bool = False) -> Markdown:
    """How the estimates of :func:`parameter_table` stand to their reference, counted.

    With ``printed`` (published values), an estimate agrees when it rounds to
    the value as printed; otherwise the count is of references inside the
    95% interval, set beside the 5% expected outside by chance; the
    parameters outside are named, grouped by model (and channel, for the
    ``"{model}, {channel}"`` names of :func:`planted_reference`), and the one
    furthest outside (in standard errors) is given with its numbers.

    >>> table = pd.DataFrame({"model": ["m", "m"], "parameter": ["r", "α"], "estimate": [0.2426, 4.0],
    ...                       "se": [0.01, 0.1], "ci_low": [0.22, 3.8], "ci_high": [0.26, 4.2],
    ...                       "planted": [0.243, 4.414], "inside_ci": [True, False]})
    >>> print(reference_sentence(table, "planted").plain)
    The planted value lies inside the 95% confidence interval of the estimate for 1 of 2 parameters (by chance alone about 0.1 of 2 would fall outside); outside it: m's α. The furthest outside its interval is m's α (planted 4.41, estimated 4.00, 4.1 standard errors away).
    """
    known = table[table[reference_name].notna()] if reference_name in table else table.iloc[0:0]
    if known.empty:
        return markdown("There is no {what} value to compare the estimates with.", what=reference_name)
    if printed:
        agree = [round(est, len(str(ref).split(".")[1]) if "." in str(ref) else 0) == float(ref)
                 for est, ref in zip(known["estimate"], known[reference_name], strict=True)]
        models = join_list(dict.fromkeys(known["model"]))
        if all(agree):
            return markdown("The {models} estimates equal the published ones to every digit printed "
                            "({n} of {n} parameters).", models=models, n=len(known))
        missed = known[~np.array(agree)]
        return markdown("The estimates equal the published ones to the digits printed for {k} of {n} parameters; "
                        "they differ for {which}.", k=int(sum(agree)), n=len(known),
                        which=join_list(f"{p} of {m}" for m, p in zip(missed["model"], missed["parameter"], strict=True)))
    inside = known["inside_ci"].astype(bool)
    text = markdown("The {what} value lies inside the 95% confidence interval of the estimate for {k} of {n}",
                    what=reference_name, k=int(inside.sum()), n=plural(len(known), "parameter"))
    if inside.all():
        return Markdown(text.text + ".", text.plain + ".")
    out = known[~inside]
    by_model = {m: join_list(group["parameter"]) for m, group in out.groupby("model", sort=False)}
    distance = (out[reference_name].astype(float) - out["estimate"]).abs() / out["se"].replace(0, np.nan)
    worst = out.loc[distance.idxmax()] if distance.notna().any() else out.iloc[0]
    tail = markdown(" (by chance alone about {expected} of {n} would fall outside); outside it: {which}. The furthest "
                    "outside its interval is {worst} ({what} {ref}, estimated {est}, {z} standard errors away).",
                    expected=number(0.05 * len(known), digits=1), n=len(known),
                    which=join_list(_parameters_of(m, p) for m, p in by_model.items()),
                    worst=_parameters_of(worst["model"], worst["parameter"]), what=reference_name,
                    ref=number(float(worst[reference_name])),
                    est=number(float(worst["estimate"]), digits=max(2, _digits(worst[reference_name]))),
                    z=number(float(distance.max()), digits=1))
    return Markdown(text.text + tail.text, text.plain + tail.plain)


def _parameters_of(model: str, parameters: str) -> str:
    """ "BG/NBD's a for the search channel" from the model "BG/NBD, search" (:func:`planted_reference`'s
    names), "Gamma-Gamma's q" from a model without a channel."""
    name, _, channel = str(model).partition(", ")
    return f"{name}'s {parameters}" + (f" for the {channel} channel" if channel else "")


def _digits(value: Any) -> int:
    from crmlab.display.numbers import decimals_for

    return decimals_for([float(value)])


def holdout_errors(holdout: pd.DataFrame) -> pd.DataFrame:
    """How well each model forecast the holdout period, from :func:`crmlab.clv.holdout_comparison`.

    One row per model column: ``forecast`` and ``actual`` (mean holdout
    transactions per customer, the ``"all"`` row), ``relative_error`` =
    forecast / actual − 1, and ``mae``, the mean absolute error of the group
    means weighted by the customers in each calibration-frequency group
    (Σ n_g |forecast_g − actual_g| / Σ n_g).

    >>> holdout = pd.DataFrame({"frequency": ["0", "1", "all"], "n_customers": [80, 20, 100],
    ...                         "actual": [0.2, 1.0, 0.36], "m": [0.25, 0.9, 0.38]})
    >>> holdout_errors(holdout).round(4)
      model  actual  forecast  relative_error   mae
    0     m    0.36      0.38          0.0556  0.06
    """
    groups = holdout[holdout["frequency"].astype(str) != "all"]
    overall = holdout[holdout["frequency"].astype(str) == "all"].iloc[0]
    weights = groups["n_customers"].to_numpy(dtype=float)
    rows = []
    for column in [c for c in holdout.columns if c not in ("frequency", "n_customers", "actual")]:
        gap = np.abs(groups[column].to_numpy(dtype=float) - groups["actual"].to_numpy(dtype=float))
        rows.append({"model": column, "actual": float(overall["actual"]), "forecast": float(overall[column]),
                     "relative_error": float(overall[column]) / float(overall["actual"]) - 1,
                     "mae": float(np.sum(weights * gap) / weights.sum())})
    return pd.DataFrame(rows)


def _errors_by_model(errors: pd.DataFrame) -> str:
    """ "0.107 for the Pareto/NBD and 0.130 for the MBG/NBD": each model's mean absolute error, named."""
    return join_list(f"{number(v, digits=3)} for the {_name(m)}" for m, v in zip(errors["model"], errors["mae"], strict=True))


def model_choice_sentences(comparison: pd.DataFrame, holdout: pd.DataFrame, *, tolerance: float = 0.10) -> Markdown:
    """Which purchase model to prefer, from the fit (AIC) and the holdout forecasts.

    ``comparison`` is :func:`crmlab.clv.compare_models` (``model``, ``AIC``),
    ``holdout`` :func:`crmlab.clv.holdout_comparison`. The AIC sentence names
    the best model and the support of the others by ΔAIC (Burnham & Anderson
    2002: ≤ 2 substantial, ≤ 4 some, ≤ 10 considerably less, more: essentially
    none). The holdout sentence gives each model's forecast against the
    actual mean, then the best by mean absolute error (:func:`holdout_errors`);
    models within ``tolerance`` (relative) of the best forecast "about equally
    well".
    """
    fit = comparison.assign(delta=comparison["AIC"] - comparison["AIC"].min()).sort_values("delta")
    best = fit.iloc[0]
    parts = []
    if len(fit) > 1:
        others = "; ".join(f"{_name(m)}: ΔAIC {number(d, digits=1)}, "
                           f"{next(text for limit, text in _AIC_SUPPORT if d <= limit)}"
                           for m, d in zip(fit["model"].iloc[1:], fit["delta"].iloc[1:], strict=True))
        parts.append(markdown("By AIC the {best} fits the calibration period best ({others}, Burnham & Anderson 2002).",
                              best=_name(best["model"]), others=others))
    else:
        parts.append(markdown("Only the {best} was fitted.", best=_name(best["model"])))
    errors = holdout_errors(holdout)
    forecasts = ", ".join(f"the {_name(m)}{' forecast' if k == 0 else ''} {number(f, digits=3)} "
                          f"({'+' if e >= 0 else ''}{percent(e)})" for k, (m, f, e) in
                          enumerate(zip(errors["model"], errors["forecast"], errors["relative_error"], strict=True)))
    parts.append(markdown(" In the holdout period the customers made {actual} transactions each; {forecasts}.",
                          actual=number(float(errors["actual"].iloc[0]), digits=3),
                          forecasts=forecasts))
    if len(errors) > 1:
        ranked = errors.sort_values("mae")
        top = ranked.iloc[0]
        close = ranked[ranked["mae"] <= top["mae"] * (1 + tolerance)]
        if len(close) == len(ranked):
            parts.append(markdown(" By the mean absolute error over the frequency groups, each weighted by its "
                                  "number of customers, they forecast about equally well ({maes} transactions per customer).",
                                  maes=join_list(f"{_name(m)} {number(v, digits=3)}" for m, v in
                                                 zip(ranked["model"], ranked["mae"], strict=True))))
        else:
            rest = ranked.iloc[len(close):]
            parts.append(markdown(" By the mean absolute error over the frequency groups, each weighted by its "
                                  "number of customers, the {best} {verb} best: {maes} transactions per customer, "
                                  "against {rest}.", best=join_list(_name(m) for m in close["model"]),
                                  verb="forecasts" if len(close) == 1 else "forecast",
                                  maes=_errors_by_model(close) if len(close) > 1 else number(top["mae"], digits=3),
                                  rest=_errors_by_model(rest)))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


#: How :func:`holdout_choice_sentences` names the columns of :func:`crmlab.clv.holdout_metrics`, and whether
#: lower is better (errors, taken in absolute value) or higher (AUC).
HOLDOUT_CRITERIA: dict[str, tuple[str, bool]] = {
    "rmse": ("the root mean squared error of each customer's holdout transactions (RMSE)", True),
    "mae": ("the mean absolute error of each customer's holdout transactions (MAE)", True),
    "total_error": ("the error of the total holdout transactions", True),
    "tracking_mape_cumulative": ("the mean absolute percentage error of the cumulative tracking curve over the "
                                 "holdout", True),
    "revenue_error": ("the error of total holdout revenue", True),
    "brier": ("the Brier score of P(alive) against buying again", True),
    "auc": ("the AUC of P(alive) against buying again", False),
    "auc_forecast": ("the AUC of the forecast against buying again", False),
}

#: Why the default criterion is the RMSE, said once after it.
_WHY_RMSE = ("; the forecasts are means, and a mean minimises the squared error, while the absolute error rewards "
             "forecasting the median, 0 for most customers")


def _criterion_value(metrics: pd.DataFrame, column: str) -> pd.Series:
    """The criterion's values by model, oriented so that lower is better (errors in absolute value, −AUC)."""
    values = metrics.set_index("model")[column].astype(float)
    return values.abs() if HOLDOUT_CRITERIA[column][1] else -values


def _metric_text(column: str, value: float) -> str:
    if column in ("total_error", "revenue_error"):
        return ("+" if value >= 0 else "") + percent(value)
    if column == "tracking_mape_cumulative":
        return percent(value)
    return number(value, digits=3)


#: The measures of :func:`crmlab.clv.holdout_metrics` as a reader sees them: label, kind and decimals, in table order.
HOLDOUT_MEASURES: dict[str, tuple[str, str, int | None]] = {
    "actual_total": ("Holdout transactions, actual", "integer", None),
    "forecast_total": ("Holdout transactions, forecast", "number", 1),
    "total_error": ("Error of the total", "percent", 1),
    "mae": ("MAE per customer", "number", 3),
    "rmse": ("RMSE per customer", "number", 3),
    "bias": ("Bias per customer", "number", 3),
    "tracking_mape_cumulative": ("Tracking error, cumulative (MAPE)", "percent", 1),
    "tracking_mape_incremental": ("Tracking error, per period (MAPE)", "percent", 1),
    "brier": ("Brier score of P(alive)", "number", 3),
    "auc": ("AUC of P(alive)", "number", 3),
    "auc_forecast": ("AUC of the forecast", "number", 3),
    "actual_revenue": ("Holdout revenue, actual", "money", 2),
    "forecast_revenue": ("Holdout revenue, forecast", "money", 2),
    "revenue_error": ("Error of holdout revenue", "percent", 1),
}


def holdout_accuracy_table(metrics: pd.DataFrame, *, unit: str = "$", caption: str | None = None) -> Any:
    """:func:`crmlab.clv.holdout_metrics` as a reader table: one row per measure, one column per model, and
    the measure's definition (:data:`crmlab.clv.validation.HOLDOUT_METRIC_DEFINITIONS`) in the last column.

    Measures run down the page so that a table of many measures stays
    readable beside the holdout figures; each row is written by its kind
    (counts as integers, errors of totals as %, revenue in ``unit``).

    >>> metrics = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "actual_total": [1882.0, 1882.0],
    ...                         "total_error": [-0.1215, -0.115]})
    >>> print(holdout_accuracy_table(metrics).cells.to_string(index=False))
                         Measure BG/NBD Pareto/NBD                                             Definition
    Holdout transactions, actual  1,882      1,882 transactions the customers made in the holdout: Σyᵢ
              Error of the total -12.2%     -11.5%  error of the total holdout transactions: Σŷᵢ / Σyᵢ − 1
    """
    from crmlab.clv.validation import HOLDOUT_METRIC_DEFINITIONS
    from crmlab.display.tables import table

    measures = [m for m in HOLDOUT_MEASURES if m in metrics.columns]
    long = metrics.set_index("model")[measures].T
    models = list(long.columns)
    long.insert(0, "measure", [HOLDOUT_MEASURES[m][0] for m in measures])
    long["definition"] = [HOLDOUT_METRIC_DEFINITIONS.get(m, "–") for m in measures]
    kinds, decimals = [HOLDOUT_MEASURES[m][1] for m in measures], [HOLDOUT_MEASURES[m][2] for m in measures]
    return table(long.reset_index(drop=True), row_kinds={m: kinds for m in models}, digits={m: decimals for m in models},
                 text=["measure", "definition"], unit=unit, top=None, caption=caption, labels={m: m for m in models})


def holdout_choice_sentences(metrics: pd.DataFrame, *, criterion: str = "rmse", tied: float = 0.01,
                             close: float = 0.05, reference: str | None = None) -> Markdown:
    """Which purchase model to choose on this data, by a stated holdout criterion, and how close the call is.

    ``metrics`` is :func:`crmlab.clv.holdout_metrics` (models as rows). The
    models are ranked by ``criterion`` (a column of :data:`HOLDOUT_CRITERIA`;
    default the RMSE, because the forecasts are conditional means, which
    minimise the expected squared error, while the MAE favours forecasts that
    are too low when most customers buy nothing). The gap of the runner-up to
    the best, relative to the best, decides the words: under ``tied`` the
    models are "practically tied", under ``close`` the call is "close",
    otherwise the best is chosen "clearly". A second sentence says which model
    leads on each of the other measures in the table (error of the total,
    tracking, P(alive)'s Brier score and AUC, revenue; not the MAE, which
    rewards forecasting too low) and whether they agree with the choice.
    ``reference`` names a row that is not a candidate but a yardstick — the
    planted truth of a synthetic base — left out of the ranking and set
    beside the chosen model in a last sentence.

    >>> metrics = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "rmse": [1.608, 1.603],
    ...                         "total_error": [-0.122, -0.115], "auc": [0.316, 0.726]})
    >>> print(holdout_choice_sentences(metrics).plain)
    By the root mean squared error of each customer's holdout transactions (RMSE; the forecasts are means, and a mean minimises the squared error, while the absolute error rewards forecasting the median, 0 for most customers), the Pareto/NBD and BG/NBD are practically tied: 1.603 and 1.608, differences under 1.0% of the best, so on this criterion either will do. The other measures all favour the Pareto/NBD: the error of the total holdout transactions (-11.5%) and the AUC of P(alive) against buying again (0.726).
    """
    if criterion not in HOLDOUT_CRITERIA:
        raise ValueError(f"holdout_choice_sentences: unknown criterion {criterion!r}; choose from {sorted(HOLDOUT_CRITERIA)}")
    if criterion not in metrics.columns:
        raise ValueError(f"holdout_choice_sentences: the metrics have no column {criterion!r}")
    yardstick = None
    if reference is not None:
        if reference not in set(metrics["model"]):
            raise ValueError(f"holdout_choice_sentences: no row {reference!r} in the metrics")
        yardstick = metrics[metrics["model"] == reference].iloc[0]
        metrics = metrics[metrics["model"] != reference]
    what = HOLDOUT_CRITERIA[criterion][0]
    if criterion == "rmse":  # "(RMSE; the forecasts are means …)"
        what = what[:-1] + _WHY_RMSE + ")"
    raw = metrics.set_index("model")[criterion].astype(float)
    order = _criterion_value(metrics, criterion).sort_values(kind="stable")
    if len(order) == 1:
        return markdown("Only the {m} was checked on the holdout: {what} {v}.", m=_name(order.index[0]),
                        what=HOLDOUT_CRITERIA[criterion][0], v=_metric_text(criterion, raw.iloc[0]))
    best, second = order.index[0], order.index[1]
    scale = abs(order.iloc[0]) if order.iloc[0] != 0 else 1.0
    gap = (order.iloc[1] - order.iloc[0]) / scale
    spread = (order.iloc[-1] - order.iloc[0]) / scale
    values = join_list(_metric_text(criterion, raw[m]) for m in order.index)
    if spread < tied:
        first = markdown("By {what}, the {models} are practically tied: {values}, differences under {tied} of the best, "
                         "so on this criterion {any} will do.", what=what,
                         models=join_list(_name(m) for m in order.index), values=values, tied=percent(tied),
                         any="either" if len(order) == 2 else "any of them")
    elif gap < tied:
        first = markdown("By {what}, choose the {best} or the {second}, practically tied ({v1} and {v2}, under {tied} "
                         "apart), before {rest}.", what=what, best=_name(best), second=_name(second),
                         v1=_metric_text(criterion, raw[best]), v2=_metric_text(criterion, raw[second]),
                         tied=percent(tied), rest=join_list(f"the {_name(m)} ({_metric_text(criterion, raw[m])})"
                                                           for m in order.index[2:]))
    else:
        how = "but the call is close" if gap < close else "clearly"
        first = markdown("By {what}, choose the {best} ({v}), {how}: the {second} is {gap} behind ({v2}){rest}.",
                         what=what, best=_name(best), v=_metric_text(criterion, raw[best]), how=how,
                         second=_name(second), gap=percent(gap), v2=_metric_text(criterion, raw[second]),
                         rest="" if len(order) == 2 else ", the " + join_list(
                             f"{_name(m)} {percent((order[m] - order.iloc[0]) / scale)}" for m in order.index[2:]))
    leaders: dict[str, list[str]] = {}
    by_model = metrics.set_index("model")
    for column in HOLDOUT_CRITERIA:
        if column in (criterion, "mae") or column not in metrics.columns or metrics[column].isna().all():
            continue
        leader = _criterion_value(metrics, column).dropna().sort_values(kind="stable").index[0]
        leaders.setdefault(leader, []).append(
            f"{HOLDOUT_CRITERIA[column][0]} ({_metric_text(column, float(by_model.loc[leader, column]))})")
    chosen = order.index[0]
    parts = [first]
    if list(leaders) == [chosen]:
        parts.append(markdown(" The other measures all favour the {best}: {which}.", best=_name(chosen),
                              which=join_list(leaders[chosen])))
    elif leaders:
        parts.append(markdown(" The other measures are split: {which}.", which="; ".join(
            f"the {_name(m)} leads by {join_list(items)}" for m, items in leaders.items())))
    if yardstick is not None:
        truth = float(yardstick[criterion])
        ahead = _criterion_value(pd.DataFrame([yardstick]), criterion).iloc[0]
        behind = (order.iloc[0] - ahead) / (abs(ahead) if ahead != 0 else 1.0)
        parts.append(markdown(" The {ref}, the model the base was drawn from, scores {v} on the same criterion; the "
                              "{best} {how}.", ref=str(reference).lower(), v=_metric_text(criterion, truth),
                              best=_name(chosen),
                              how=(f"comes within {percent(behind)} of it" if behind > 0 else
                                   "does as well or better on this finite base, as chance allows")))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


def probability_alive_sentence(matrix: pd.DataFrame, *, unit: str = "weeks") -> Markdown:
    """What the P(alive) matrix says about frequent buyers gone quiet and one-time buyers, read off its cells.

    ``matrix`` is :func:`crmlab.clv.probability_alive_matrix` (rows: frequency,
    columns: recency). Compares the most frequent buyer whose last purchase
    was recent with one whose last purchase was early, and gives the
    one-purchase customer's P(alive) at the same early recency.

    >>> m = pd.DataFrame([[0.05, 0.9], [0.6, 0.95], [np.nan, np.nan]], index=pd.Index([10, 1, 0], name="frequency"),
    ...                  columns=pd.Index([2.0, 30.0], name="recency"))
    >>> print(probability_alive_sentence(m).plain)
    A customer with 10 repeat purchases is alive with probability 90.0% if the last came at week 30, and 5.0% if it came at week 2: frequent buyers who have gone quiet are probably gone. One with a single repeat purchase at week 2 keeps 60.0%.
    """
    frequent = int(matrix.index.max())
    row = matrix.loc[frequent].dropna()
    early, late = row.index.min(), row.index.max()
    p_late, p_early = float(row[late]), float(row[early])
    verdict = {"lower": "frequent buyers who have gone quiet are probably gone",
               "higher": "here a long silence does not lower it",
               "about the same": "recency makes little difference here"}[compare(p_early, p_late, tolerance=0.05)]
    text = markdown("A customer with {n} repeat purchases is alive with probability {late_p} if the last came at "
                    "{late}, and {early_p} if it came at {early}: {verdict}.",
                    n=frequent, late_p=percent(p_late), late=_time(late, unit), early_p=percent(p_early),
                    early=_time(early, unit), verdict=verdict)
    if 1 in matrix.index and early in matrix.columns and not np.isnan(matrix.loc[1, early]):
        one = markdown(" One with a single repeat purchase at {early} keeps {p}.", early=_time(early, unit),
                       p=percent(float(matrix.loc[1, early])))
        text = Markdown(text.text + one.text, text.plain + one.plain)
    return text


def _time(value: float, unit: str) -> str:
    """A point in model time: "week 38", "day 3" (or "38 units" for an unknown unit)."""
    singular = {"weeks": "week", "days": "day", "months": "month"}.get(unit)
    return f"{singular} {number(value)}" if singular else f"{number(value)} {unit}"


def spend_sentence(correlation: float, *, published: float | None = None, threshold: float = 0.3) -> Markdown:
    """Whether spend per transaction is independent enough of frequency for the Gamma-Gamma model.

    The model assumes it (Fader, Hardie & Lee 2005b, who report 0.11 on CDNOW):
    |correlation| below ``threshold`` is called small.

    >>> print(spend_sentence(0.11, published=0.11).plain)
    The correlation between a customer's number of repeat purchases and mean spend is 0.11 (Fader, Hardie & Lee 2005b report 0.11 on CDNOW): small, so the Gamma-Gamma assumption that spend does not depend on frequency is reasonable.
    >>> print(spend_sentence(-0.45).plain)
    The correlation between a customer's number of repeat purchases and mean spend is -0.45: not small, so the Gamma-Gamma assumption that spend does not depend on frequency is doubtful here.
    """
    note = "" if published is None else f" (Fader, Hardie & Lee 2005b report {number(published, digits=2)} on CDNOW)"
    verdict = ("small, so the Gamma-Gamma assumption that spend does not depend on frequency is reasonable"
               if abs(correlation) < threshold else
               "not small, so the Gamma-Gamma assumption that spend does not depend on frequency is doubtful here")
    return markdown("The correlation between a customer's number of repeat purchases and mean spend is {r}{note}: "
                    "{verdict}.", r=number(correlation, digits=2), note=Markdown(note), verdict=verdict)


def clv_summary(clv: pd.Series, *, top: float = 0.10) -> pd.DataFrame:
    """The distribution of customer lifetime values in one row: count, total, mean, median and the top share.

    ``top_customers`` = the ⌈top·n⌉ most valuable customers (at least 1),
    ``top_share`` = their share of the total value (a point of the Lorenz
    curve, Lorenz 1905).

    >>> clv_summary(pd.Series([1.0, 1.0, 2.0, 4.0, 2.0, 10.0, 0.0, 0.0, 0.0, 0.0]))
       n_customers  total  mean  median  top  top_customers  top_share
    0           10   20.0   2.0     1.0  0.1              1        0.5
    """
    values = pd.Series(clv, dtype=float).dropna()
    ranked = values.sort_values(ascending=False)
    k = max(1, int(np.ceil(top * len(ranked) - 1e-9)))
    total = float(ranked.sum())
    return pd.DataFrame({"n_customers": [len(ranked)], "total": [total], "mean": [float(ranked.mean())],
                         "median": [float(ranked.median())], "top": [top], "top_customers": [k],
                         "top_share": [float(ranked.head(k).sum()) / total if total else np.nan]})


def concentration_sentence(summary: pd.DataFrame, *, currency: str = "$") -> Markdown:
    """How concentrated the value is, from :func:`clv_summary`: the top share, and the mean against the median.

    >>> print(concentration_sentence(clv_summary(pd.Series([1.0, 1, 2, 4, 2, 10, 0, 0, 0, 0]))).plain)
    The base is worth $20.00 in all. The top 10% of customers (1) hold 50.0% of it, five times their share of the customers: value is concentrated, the case for treating customers differently. The mean customer is worth $2.00, the median one $1.00.
    >>> print(concentration_sentence(clv_summary(pd.Series([5.0] * 10))).plain)
    The base is worth $50.00 in all. The top 10% of customers (1) hold 10.0% of it, about their share of the customers: value is spread evenly. The mean customer is worth $5.00, the median one $5.00.
    """
    row = summary.iloc[0]
    ratio = row["top_share"] / (row["top_customers"] / row["n_customers"])
    if ratio <= 1.25:
        how, verdict = "about their share of the customers", "value is spread evenly"
    else:
        words = {2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times", 7: "seven times",
                 8: "eight times", 9: "nine times", 10: "ten times"}
        shown = round(ratio, 1)  # the multiple as printed with one decimal; a word only when that is whole
        word = words.get(int(shown)) if shown == int(shown) else None
        how = f"{word or number(ratio, digits=1) + ' times'} their share of the customers"
        verdict = "value is concentrated, the case for treating customers differently"
    return markdown("The base is worth {total} in all. The top {top} of customers ({k}) hold {share} of it, {how}: "
                    "{verdict}. The mean customer is worth {mean}, the median one {median}.",
                    total=money(row["total"], unit=currency), top=percent(row["top"], digits=0),
                    k=integer(row["top_customers"]), share=percent(row["top_share"]), how=how, verdict=verdict,
                    mean=money(row["mean"], unit=currency), median=money(row["median"], unit=currency))


def acquisition_sentence(summary: pd.DataFrame, *, calibration_end: Any, unit: str = "weeks") -> Markdown:
    """When the customers of a calibration summary were acquired, and so how their ages T at the end of
    calibration spread, from :func:`crmlab.customers.transaction_summary` (``first_purchase``, ``T``).

    A base acquired on one day has one age for all (T's standard deviation is
    0), which the sentence says rather than leaving a reader to wonder at it.

    >>> s = pd.DataFrame({"first_purchase": pd.to_datetime(["2020-01-01"] * 3), "T": [69.43] * 3})
    >>> print(acquisition_sentence(s, calibration_end="2021-05-01").plain)
    All 3 customers made their first purchase on the same day, 2020-01-01, so at the end of calibration (2021-05-01) they are all 69.4 weeks old (T): one cohort, with no spread of ages.
    >>> s = pd.DataFrame({"first_purchase": pd.to_datetime(["2020-01-01", "2020-06-30", "2020-12-31"]),
    ...                   "T": [69.43, 43.43, 17.29]})
    >>> print(acquisition_sentence(s, calibration_end="2021-05-01").plain)
    The 3 customers made their first purchase between 2020-01-01 and 2020-12-31, so at the end of calibration (2021-05-01) their age T ranges from 17.3 to 69.4 weeks.
    """
    first = pd.to_datetime(summary["first_purchase"]).dt.normalize()
    end = pd.Timestamp(calibration_end).date()
    if first.min() == first.max():
        return markdown("All {n} made their first purchase on the same day, {day}, so at the end of calibration "
                        "({end}) they are all {T} {unit} old (T): one cohort, with no spread of ages.",
                        n=plural(len(summary), "customer"), day=first.min().date(), end=end,
                        T=number(float(summary["T"].max()), digits=1), unit=unit)
    return markdown("The {n} made their first purchase between {first} and {last}, so at the end of calibration "
                    "({end}) their age T ranges from {low} to {high} {unit}.", n=plural(len(summary), "customer"),
                    first=first.min().date(), last=first.max().date(), end=end,
                    low=number(float(summary["T"].min()), digits=1), high=number(float(summary["T"].max()), digits=1),
                    unit=unit)


def channel_world_sentence(customers: pd.DataFrame, *, observation_end: Any, data: str | None = None,
                           calibration_end: Any = None) -> Markdown:
    """Which customers the channel comparison is about: this page's own synthetic world, or a separate one
    drawn for it, whose customers' channels are known, when the page's data are others (``data``, e.g. "CDNOW").

    ``customers`` is ``SimulatedWorld.customers`` (``channel``,
    ``first_purchase``). With ``data`` None the world is the page's own, and its
    customers' CLVs are those computed on its calibration period (to
    ``calibration_end``); otherwise the world is described from its
    customers, so that a reader does not take its estimates for the data's.

    >>> customers = pd.DataFrame({"channel": ["search", "social", "search"],
    ...                           "first_purchase": pd.to_datetime(["2020-01-03", "2020-05-01", "2020-12-30"])})
    >>> print(channel_world_sentence(customers, observation_end="2021-12-31", data="CDNOW").plain)
    This section runs on a separate synthetic world drawn for it, whose customers' acquisition channels are known: 3 customers acquired through 2 channels (search and social) from 2020-01-03 to 2020-12-30 and observed to 2021-12-31, with the BG/NBD and Gamma-Gamma fitted to its whole observation period. None of its numbers come from CDNOW.
    >>> print(channel_world_sentence(customers, observation_end="2021-12-31", calibration_end="2021-05-01").plain)
    This page's synthetic world records the channel each customer came through (2 channels: search and social), so the comparison is of its own 3 customers: their CLVs of the previous section, from the models fitted to the calibration period (to 2021-05-01).
    """
    names = sorted(customers["channel"].unique())
    channels = markdown("{k} ({names})", k=plural(len(names), "channel"), names=join_list(names)).plain
    if data is None:
        return markdown("This page's synthetic world records the channel each customer came through ({k}: {names}), "
                        "so the comparison is of its own {n}: their CLVs of the previous section, from the models "
                        "fitted to the calibration period (to {end}).", k=plural(len(names), "channel"),
                        names=join_list(names), n=plural(len(customers), "customer"),
                        end=pd.Timestamp(calibration_end).date())
    first = pd.to_datetime(customers["first_purchase"])
    return markdown("This section runs on a separate synthetic world drawn for it, whose customers' acquisition "
                    "channels are known: {n} acquired through {channels} from {start} to {stop} and observed to {end}, with the "
                    "BG/NBD and Gamma-Gamma fitted to its whole observation period. None of its numbers come from "
                    "{data}.", data=data, n=plural(len(customers), "customer"), channels=channels,
                    start=first.min().date(), stop=first.max().date(), end=pd.Timestamp(observation_end).date())


def channel_sentences(channels: pd.DataFrame, *, currency: str = "$", world: str | None = None) -> Markdown:
    """Which acquisition channels pay, from :func:`crmlab.clv.clv_by_channel` with acquisition costs.

    A channel pays when its customers' mean CLV exceeds their acquisition
    cost: said only when the whole 95% interval of the net value is above 0
    ("pays"), or below ("does not pay"); otherwise "cannot be told apart from
    break-even"; channels with the same verdict share one clause ("referral
    and search pay"; "all 3 channels pay" or "none of the 3 channels can be
    told apart from break-even" when every channel has it). LTV/CAC
    is mean CLV / cost. ``world`` names the customers
    compared when they are not the page's data ("In the separate synthetic
    world, referral brings …").

    >>> channels = pd.DataFrame({"channel": ["referral", "social"], "mean_clv": [30.0, 8.0],
    ...                          "acquisition_cost": [6.0, 9.0], "net_value_low": [20.0, -3.0],
    ...                          "net_value_high": [28.0, 0.5], "ltv_cac": [5.0, 0.89]})
    >>> print(channel_sentences(channels).plain)
    Referral brings the most valuable customers (mean CLV $30.00) and social the least ($8.00). LTV/CAC: referral 5.00, social 0.89. Referral pays (its customers are worth more than they cost, with 95% confidence); social cannot be told apart from break-even.
    >>> print(channel_sentences(channels, world="the separate synthetic world").plain[:99])
    In the separate synthetic world, referral brings the most valuable customers (mean CLV $30.00) and
    """
    ranked = channels.sort_values("mean_clv", ascending=False)
    first, last = ranked.iloc[0], ranked.iloc[-1]
    parts = [markdown("{where}{best} brings the most valuable customers (mean CLV {v}) and {worst} the least ({w}).",
                      where=markdown("In {world}, ", world=world) if world else "", best=first["channel"], v=money(first["mean_clv"], unit=currency), worst=last["channel"],
                      w=money(last["mean_clv"], unit=currency))]
    if "acquisition_cost" in ranked:
        ratios = ", ".join(f"{c} {number(r, digits=2)}" for c, r in zip(ranked["channel"], ranked["ltv_cac"], strict=True))
        parts.append(markdown(" LTV/CAC: {ratios}.", ratios=ratios))
        verdicts: dict[str, list[str]] = {}
        for _, row in ranked.iterrows():
            verdict = ("pays" if row["net_value_low"] > 0 else "does not pay" if row["net_value_high"] < 0
                       else "break-even")
            verdicts.setdefault(verdict, []).append(row["channel"])
        if len(verdicts) == 1 and len(ranked) > 1:  # one verdict for every channel: "all 3 channels pay (…)"
            verdict = next(iter(verdicts))
            text = (f"none of the {len(ranked)} channels can be told apart from break-even" if verdict == "break-even"
                    else _channel_verdict(f"all {len(ranked)} channels", verdict, many=True))
        else:
            text = "; ".join(_channel_verdict(join_list(names), verdict, many=len(names) > 1)
                             for verdict, names in verdicts.items())
        parts.append(markdown(" {text}.", text=text))
    text, plain = "".join(p.text for p in parts), "".join(p.plain for p in parts)
    return Markdown(_capitalised(text), _capitalised(plain))


def _channel_verdict(subject: str, verdict: str, *, many: bool) -> str:
    """One clause for the channels with the same verdict: "referral and search pay (their customers …)"."""
    whose = "their" if many else "its"
    clause = {
        "pays": f"{'pay' if many else 'pays'} ({whose} customers are worth more than they cost, with 95% confidence)",
        "does not pay": f"{'do' if many else 'does'} not pay ({whose} customers are worth less than they cost, "
                        "with 95% confidence)",
        "break-even": "cannot be told apart from break-even",
    }[verdict]
    return f"{subject} {clause}"


def _capitalised(text: str) -> str:
    """The sentence with a capital first letter, and after each ". " and "; " that starts a clause with a name."""
    import re

    text = text[:1].upper() + text[1:]
    return re.sub(r"(\. )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def markov_value_table(chain: Any, horizon: int) -> pd.DataFrame:
    """The value of a customer in each state of a :class:`crmlab.clv.MarkovCLV`, three ways.

    One row per state: ``reward`` per period, ``value_horizon`` (marketed for
    ``horizon`` more periods), ``value_marketed`` (marketed for ever),
    ``policy`` ("market" or "stop", the optimal policy of
    :meth:`~crmlab.clv.MarkovCLV.optimal_policy`) and ``value_optimal``
    (the value under that policy; Pfeifer & Carraway 2000).

    A recency chain whose last state is open (lapsed customers can come back):

    >>> from crmlab.clv import MarkovCLV
    >>> P = [[0.3, 0.7, 0.0], [0.1, 0.0, 0.9], [0.02, 0.0, 0.98]]
    >>> chain = MarkovCLV(P, [36, -4, -4], 0.03, states=["recency 1", "recency 2", "recency 3+"])
    >>> markov_value_table(chain, 8).round(2)
            state  reward  value_horizon  value_marketed  policy  value_optimal
    0   recency 1    36.0          34.92          -38.62  market          51.78
    1   recency 2    -4.0         -19.70          -93.25  market           1.03
    2  recency 3+    -4.0         -24.30          -97.85    stop           0.00
    """
    policy = chain.optimal_policy()
    return pd.DataFrame({
        "state": list(chain.states),
        "reward": chain.rewards.to_numpy(),
        "value_horizon": chain.value(horizon).to_numpy(),
        "value_marketed": policy["value_marketed"].to_numpy(),
        "policy": np.where(policy["market"].to_numpy(), "market", "stop"),
        "value_optimal": policy["value"].to_numpy(),
    })


def markov_sentences(values: pd.DataFrame, *, horizon: int, period: str = "period", currency: str = "$",
                     transition_matrix: pd.DataFrame | None = None) -> Markdown:
    """Why the values of :func:`markov_value_table` differ, and what the optimal stopping policy is worth.

    Explains negative values of marketing for ever (a lapsed state costs the
    marketing every period it is visited, and the customer keeps coming back
    to it), the gap with the ``horizon`` values, and the policy of when to stop
    (Pfeifer & Carraway 2000). With the chain's ``transition_matrix`` the
    most lapsed state's chance of buying again (moving to the first state) is
    given too.

    >>> values = pd.DataFrame({"state": ["recency 1", "recency 2"], "reward": [36.0, -4.0],
    ...                        "value_horizon": [10.0, 1.0], "value_marketed": [-5.0, -8.0],
    ...                        "policy": ["market", "stop"], "value_optimal": [48.0, 0.0]})
    >>> print(markov_sentences(values, horizon=8, period="quarter").plain)
    Marketing to every customer for ever is worth less than nothing in 2 of 2 states, while over 8 quarters it is worth more than nothing in 2: a lapsed customer costs the marketing in every quarter they stay lapsed, so the costs of the distant future outweigh the margins of the near one. The firm should not market for ever: the optimal policy (Pfeifer & Carraway 2000) markets to recency 1 and stops marketing to recency 2 (stopping makes them former customers, worth 0). Under it a customer in recency 1 is worth $48.00 instead of -$5.00.
    """
    v = values.set_index("state")
    negative = int((v["value_marketed"] < 0).sum())
    positive_h = int((v["value_horizon"] > 0).sum())
    parts = []
    if negative:
        parts.append(markdown(
            "Marketing to every customer for ever is worth less than nothing in {neg} of {n} states, while over "
            "{h} {period}s it is worth more than nothing in {pos}: a lapsed customer costs the marketing in every "
            "{period} they stay lapsed, so the costs of the distant future outweigh the margins of the near one.",
            neg=negative, n=len(v), h=horizon, period=period, pos=positive_h))
        if transition_matrix is not None:
            last, first = v.index[-1], v.index[0]
            parts.append(markdown(" A customer in {last} buys again with probability {p} a {period} but costs {cost} "
                                  "every {period} marketed; {stay} stay there.", last=last,
                                  p=percent(float(transition_matrix.loc[last, first])), period=period,
                                  cost=money(-float(v.loc[last, "reward"]), unit=currency),
                                  stay=percent(float(transition_matrix.loc[last, last]))))
    else:
        parts.append(markdown("Marketing to every customer for ever is worth something in every state."))
    market = [s for s in v.index if v.loc[s, "policy"] == "market"]
    stop = [s for s in v.index if v.loc[s, "policy"] == "stop" and (v.loc[s, "reward"] != 0 or v.loc[s, "value_marketed"] != 0)]
    if stop:
        parts.append(markdown(" The firm should not market for ever: the optimal policy (Pfeifer & Carraway 2000) "
                              "markets to {market} and stops marketing to {stop} (stopping makes them former "
                              "customers, worth 0).", market=join_list(market) or "no state", stop=join_list(stop)))
    else:
        parts.append(markdown(" The optimal policy (Pfeifer & Carraway 2000) markets in every state: no state is "
                              "worth giving up."))
    first = v.index[0]
    if v.loc[first, "value_optimal"] > v.loc[first, "value_marketed"] + 1e-9:
        parts.append(markdown(" Under it a customer in {s} is worth {opt} instead of {always}.", s=first,
                              opt=money(v.loc[first, "value_optimal"], unit=currency),
                              always=money(v.loc[first, "value_marketed"], unit=currency)))
    return Markdown("".join(p.text for p in parts), "".join(p.plain for p in parts))


# ----- beyond the means: count distributions, P(alive) histories, value by month, customers alive, intervals -----

def customers_at_quantiles(expected: pd.Series, quantiles: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The customers standing at given quantiles of a prediction, e.g. a heavy and a light buyer to show.

    For each role and quantile q the rule is: the q-quantile of ``expected``
    by the inverted empirical CDF (Hyndman & Fan 1996, definition 1: the
    smallest value v with a share ≥ q of the customers at or below it, so an
    actual customer's value), and the first customer in ``expected``'s order
    with that value. Default roles: ``heavy`` at the 99th percentile and
    ``light`` at the median.

    Returns one row per role (index ``role``): ``customer``, ``quantile`` and
    ``expected`` (the customer's value).

    >>> expected = pd.Series([0.1, 0.5, 0.2, 3.0, 0.2], index=list("abcde"))
    >>> customers_at_quantiles(expected)
          customer  quantile  expected
    role
    heavy        d      0.99       3.0
    light        c      0.50       0.2
    """
    quantiles = dict(quantiles or {"heavy": 0.99, "light": 0.5})
    values = pd.Series(expected, dtype=float).dropna()
    if values.empty:
        raise ValueError("customers_at_quantiles: no customer with a prediction")
    rows = []
    for role, q in quantiles.items():
        value = float(np.quantile(values.to_numpy(), q, method="inverted_cdf"))
        customer = values.index[np.flatnonzero(values.to_numpy() == value)[0]]
        rows.append({"role": role, "customer": customer, "quantile": float(q), "expected": value})
    return pd.DataFrame(rows).set_index("role")


def count_distribution_table(model: Any, summary: pd.DataFrame, customers: pd.DataFrame, t: float, *,
                             coverage: float = 0.995, max_count: int = 40) -> pd.DataFrame:
    """P(exactly n repeat purchases in the next ``t``) of some customers, n = 0, 1, …, as a tidy frame.

    The model's :meth:`~crmlab.clv.btyd.TransactionModel.conditional_probability_of_purchases`
    (Fader, Hardie & Lee 2005: P(Y(t) = n | x, t_x, T)) for the customers of
    ``customers`` (:func:`customers_at_quantiles`: index ``role``, column
    ``customer``), n up to the smallest count by which every customer's
    distribution has reached ``coverage`` (at most ``max_count``); the rest
    of the probability is in ``attrs["beyond"]`` (by role).

    Columns: ``role``, ``customer``, ``n``, ``probability`` and
    ``expected_transactions`` (the customer's E[Y(t) | x, t_x, T]);
    ``attrs["t"]`` is the horizon.

    >>> from crmlab.clv import BetaGeo
    >>> model = BetaGeo()
    >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> summary = pd.DataFrame({"frequency": [0, 6], "recency": [0.0, 36.0], "T": [38.0, 38.0]}, index=["a", "b"])
    >>> who = customers_at_quantiles(pd.Series([0.1, 4.0], index=["a", "b"]), {"heavy": 0.99, "light": 0.5})
    >>> counts = count_distribution_table(model, summary, who, 39)
    >>> counts[counts["n"] == 0][["role", "customer", "probability"]].round(3).to_numpy().tolist()
    [['heavy', 'b', 0.141], ['light', 'a', 0.853]]
    """
    rows = summary.loc[list(customers["customer"])]
    counts = np.arange(int(max_count) + 1)
    pmf = np.asarray(model.conditional_probability_of_purchases(t, counts, rows), dtype=float).reshape(len(rows), -1)
    reached = np.cumsum(pmf, axis=1) >= coverage
    last = int(max(np.argmax(r) if r.any() else max_count for r in reached))
    expected = np.asarray(model.conditional_expected_transactions(t, rows), dtype=float).reshape(-1)
    frame = pd.DataFrame({
        "role": np.repeat(customers.index.to_numpy(), last + 1),
        "customer": np.repeat(rows.index.to_numpy(), last + 1),
        "n": np.tile(counts[: last + 1], len(rows)),
        "probability": pmf[:, : last + 1].reshape(-1),
        "expected_transactions": np.repeat(expected, last + 1),
    })
    frame.attrs["t"] = float(t)
    frame.attrs["beyond"] = dict(zip(customers.index, 1.0 - pmf[:, : last + 1].sum(axis=1)))
    return frame


def _who(role: Any, customer: Any) -> str:
    return f"customer {customer} (the {role} buyer)"


def _a(spoken: str) -> str:
    """The article before a number as written ("a 62.0%", "an 83.0%", "an 11.0%", "an 18 …")."""
    import re

    return "an" if re.match(r"(8|11(?![0-9])|18(?![0-9]))", spoken) else "a"


def count_distribution_sentence(counts: pd.DataFrame, *, horizon: str, actual: Mapping[Any, Any] | None = None,
                                when: str = "the holdout period") -> Markdown:
    """What each customer's count distribution says: the chance of buying nothing, and the most likely count.

    ``counts`` is :func:`count_distribution_table`; ``horizon`` names the
    period, e.g. "the next 39 weeks". With ``actual`` (by role: the
    purchases each customer really made in that period, ``when``), adds what
    they made and the probability the model gave that count.

    >>> counts = pd.DataFrame({"role": ["heavy"] * 3 + ["light"] * 3, "customer": ["b"] * 3 + ["a"] * 3,
    ...                        "n": [0, 1, 2] * 2, "probability": [0.1, 0.3, 0.6, 0.62, 0.3, 0.08],
    ...                        "expected_transactions": [1.5] * 3 + [0.46] * 3})
    >>> print(count_distribution_sentence(counts, horizon="the next 39 weeks").plain)
    Customer b (the heavy buyer) has a 10.0% chance of buying nothing in the next 39 weeks; their most likely count is 2 (60.0%), their expected count 1.50. Customer a (the light buyer) has a 62.0% chance of buying nothing in the next 39 weeks, the most likely outcome; their expected count is 0.460.
    >>> counts["probability"] = [0.2, 0.15, 0.1, 0.62, 0.3, 0.08]
    >>> print(count_distribution_sentence(counts[counts["role"] == "heavy"], horizon="the next 39 weeks").plain)
    Customer b (the heavy buyer) has a 20.0% chance of buying nothing in the next 39 weeks; nothing is the single most likely count only because the chance of buying is spread over many counts (the likeliest of them 1, at 15.0%), and their expected count is 1.50.
    >>> print(count_distribution_sentence(counts, horizon="the next 39 weeks", actual={"heavy": 1, "light": 7}).plain)
    Customer b (the heavy buyer) has a 20.0% chance of buying nothing in the next 39 weeks; nothing is the single most likely count only because the chance of buying is spread over many counts (the likeliest of them 1, at 15.0%), and their expected count is 1.50. In the holdout period they made 1, a count the model gave 15.0%. Customer a (the light buyer) has a 62.0% chance of buying nothing in the next 39 weeks, the most likely outcome; their expected count is 0.460. In the holdout period they made 7, beyond the counts shown (the model gave them all together 0.0%).
    """
    parts = []
    for (role, customer), group in counts.groupby(["role", "customer"], sort=False):
        probability = group.set_index("n")["probability"]
        mode = int(probability.idxmax())
        expected = float(group["expected_transactions"].iloc[0])
        zero = percent(float(probability.get(0, 0.0)))
        if mode == 0 and float(probability.get(0, 0.0)) >= 0.5:
            parts.append(markdown("{who} has {a} {zero} chance of buying nothing in {horizon}, the most likely outcome; "
                                  "their expected count is {expected}.", who=_capitalised(_who(role, customer)),
                                  zero=zero, a=_a(zero), horizon=horizon, expected=number(expected)))
        elif mode == 0:
            buying = probability[probability.index > 0]
            parts.append(markdown("{who} has {a} {zero} chance of buying nothing in {horizon}; nothing is the single most "
                                  "likely count only because the chance of buying is spread over many counts (the "
                                  "likeliest of them {more}, at {p}), and their expected count is {expected}.",
                                  who=_capitalised(_who(role, customer)), zero=zero, a=_a(zero), horizon=horizon,
                                  more=int(buying.idxmax()), p=percent(float(buying.max())), expected=number(expected)))
        else:
            parts.append(markdown("{who} has {a} {zero} chance of buying nothing in {horizon}; their most likely count "
                                  "is {mode} ({p}), their expected count {expected}.",
                                  who=_capitalised(_who(role, customer)), zero=zero, a=_a(zero), horizon=horizon, mode=mode,
                                  p=percent(float(probability[mode])), expected=number(expected)))
        if actual is not None and role in actual:
            made = int(actual[role])
            given = (markdown("a count the model gave {p}", p=percent(float(probability[made])))
                     if made in probability.index else
                     markdown("beyond the counts shown (the model gave them all together {p})",
                              p=percent(max(0.0, 1.0 - float(probability.sum())))))
            said = markdown(" In {when} they made {made}, {given}.", when=when, made=integer(made), given=given)
            parts[-1] = Markdown(parts[-1].text + said.text, parts[-1].plain + said.plain)
    return Markdown(" ".join(p.text for p in parts), " ".join(p.plain for p in parts))


def probability_alive_histories(model: Any, transactions: pd.DataFrame, summary: pd.DataFrame,
                                customers: pd.DataFrame, *, time_unit: str, points: int = 150) -> dict[Any, pd.DataFrame]:
    """The P(alive) history through the calibration period of some customers, one frame per role.

    For each customer of ``customers`` (:func:`customers_at_quantiles`), the
    model's :meth:`~crmlab.clv.btyd.TransactionModel.probability_alive_history`
    (``lifetimes``' ``calculate_alive_path``) from their purchases in
    ``transactions`` (``customer_id``, ``date``) up to the end of their
    calibration period, on ``points`` evenly spaced times up to their age T
    in ``summary`` and at each purchase; the last value is their
    P(alive | x, t_x, T). Each frame's ``attrs`` hold ``role`` and ``customer``.

    >>> from crmlab.clv import BetaGeo
    >>> model = BetaGeo()
    >>> model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "date": pd.to_datetime(["2020-01-01", "2020-01-15", "2020-03-01"])})
    >>> summary = pd.DataFrame({"frequency": [2], "recency": [60 / 7], "T": [10.0]}, index=["a"])
    >>> who = pd.DataFrame({"customer": ["a"]}, index=pd.Index(["heavy"], name="role"))
    >>> history = probability_alive_histories(model, tx, summary, who, time_unit="W", points=4)["heavy"]
    >>> history[["t", "frequency"]].round(2).to_numpy().tolist()
    [[2.0, 1.0], [2.5, 1.0], [5.0, 1.0], [7.5, 1.0], [8.57, 2.0], [10.0, 2.0]]
    """
    histories = {}
    for role, customer in customers["customer"].items():
        T = float(summary.loc[customer, "T"])
        first = transactions.loc[transactions["customer_id"] == customer, "date"].min()
        days = UNIT_DAYS[time_unit]
        until = first.normalize() + pd.Timedelta(days=T * days + 1e-6)
        dates = transactions.loc[(transactions["customer_id"] == customer) & (transactions["date"] < until), "date"]
        purchases = (dates.dt.normalize() - first.normalize()).dt.days.to_numpy(dtype=float) / days
        grid = np.unique(np.r_[np.linspace(T / points, T, points), purchases[(purchases > 0) & (purchases <= T)]])
        history = model.probability_alive_history(purchases, grid)
        history.attrs.update(role=role, customer=customer)
        histories[role] = history
    return histories


def planted_dropout_times(world_customers: pd.DataFrame, customers: pd.DataFrame, *, calibration_end: Any,
                          time_unit: str) -> dict[Any, float]:
    """When each chosen customer of a synthetic world really dropped out, by role: the planted truth behind P(alive).

    ``world_customers`` is ``SimulatedWorld.customers`` (``customer_id``,
    ``first_purchase``, ``dropout_time``: the instant of the purchase after
    which the customer left, NaT if never); ``customers`` is
    :func:`customers_at_quantiles`. The time is in the model's ``time_unit``
    since the first purchase, NaN for a customer still alive at
    ``calibration_end``.

    >>> world = pd.DataFrame({"customer_id": ["a", "b"], "first_purchase": pd.to_datetime(["2020-01-01", "2020-01-01"]),
    ...                       "dropout_time": pd.to_datetime(["2020-01-15", None])})
    >>> who = pd.DataFrame({"customer": ["a", "b"]}, index=pd.Index(["heavy", "light"], name="role"))
    >>> planted_dropout_times(world, who, calibration_end="2020-06-30", time_unit="W")
    {'heavy': 2.0, 'light': nan}
    """
    days = UNIT_DAYS[time_unit]
    rows = world_customers.set_index("customer_id")
    out = {}
    for role, customer in customers["customer"].items():
        dropout, first = rows.loc[customer, "dropout_time"], rows.loc[customer, "first_purchase"]
        gone = pd.notna(dropout) and dropout <= pd.Timestamp(calibration_end) + pd.Timedelta(days=1)
        out[role] = float((dropout - first.normalize()) / pd.Timedelta(days=days)) if gone else float("nan")
    return out


def probability_alive_history_sentence(histories: Mapping[Any, pd.DataFrame], *, unit: str = "weeks",
                                       planted: Mapping[Any, float] | None = None) -> Markdown:
    """What each customer's P(alive) history shows: where it ended the calibration period and its low point.

    ``histories`` is :func:`probability_alive_histories`; ``planted``
    (:func:`planted_dropout_times`) adds the synthetic world's truth.

    >>> steady = pd.DataFrame({"t": [1.0, 20.0], "frequency": [0, 0], "probability_alive": [1.0, 1.0]})
    >>> steady.attrs.update(customer="a")
    >>> fading = pd.DataFrame({"t": [1.0, 10.0, 12.0, 30.0], "frequency": [1, 1, 2, 2],
    ...                        "probability_alive": [0.9, 0.4, 0.8, 0.5]})
    >>> fading.attrs.update(customer="b")
    >>> print(probability_alive_history_sentence({"light": steady, "heavy": fading}).plain)
    Customer a (the light buyer) made no repeat purchase in the calibration period, and the model keeps their P(alive) at 100.0% throughout. Customer b (the heavy buyer) made 2 repeat purchases; their P(alive) fell to 40.0% by week 10 before a purchase lifted it, and stood at 50.0% at the end of the calibration period (week 30).
    >>> print(probability_alive_history_sentence({"heavy": fading}, planted={"heavy": 12.0}).plain.split(" (week 30). ")[1])
    In the planted world they had dropped out at week 12, right after that purchase.
    >>> print(probability_alive_history_sentence({"heavy": fading}, planted={"heavy": np.nan}).plain.split(" (week 30). ")[1])
    In the planted world they were still alive at the end of the calibration period.
    """
    parts = []
    for role, history in histories.items():
        who = _capitalised(_who(role, history.attrs.get("customer", "")))
        p = history["probability_alive"].to_numpy(dtype=float)
        t = history["t"].to_numpy(dtype=float)
        x = int(history["frequency"].iloc[-1])
        low = int(np.argmin(p))
        made = "made no repeat purchase in the calibration period" if x == 0 else f"made {plural(x, 'repeat purchase')}"
        if p.min() >= 0.995:
            parts.append(markdown("{who} {made}, and the model keeps their P(alive) at {p} throughout.",
                                  who=who, made=made, p=percent(p[-1])))
        elif low == len(p) - 1 or p[low] >= p[-1] - 1e-9:
            parts.append(markdown("{who} {made}; their P(alive) has fallen ever since the last, to {p} at the end "
                                  "of the calibration period ({when}), its lowest point.",
                                  who=who, made=made, p=percent(p[-1]), when=_time(t[-1], unit)))
        else:
            parts.append(markdown("{who} {made}; their P(alive) fell to {low} by {low_when} before a purchase lifted "
                                  "it, and stood at {p} at the end of the calibration period ({when}).",
                                  who=who, made=made, low=percent(p[low]), low_when=_time(t[low], unit),
                                  p=percent(p[-1]), when=_time(t[-1], unit)))
        if planted is not None and role in planted:
            truth = (markdown(" In the planted world they were still alive at the end of the calibration period.")
                     if np.isnan(planted[role]) else
                     markdown(" In the planted world they had dropped out at {when}, right after that purchase.",
                              when=_time(planted[role], unit)))
            parts[-1] = Markdown(parts[-1].text + truth.text, parts[-1].plain + truth.plain)
    return Markdown(" ".join(p.text for p in parts), " ".join(p.plain for p in parts))


def clv_by_month_table(by_period: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The base's discounted value in each future period, and the part of it the ``top`` customers bring.

    ``by_period`` is a transaction model's
    :meth:`~crmlab.clv.btyd.TransactionModel.customer_lifetime_value_by_period`
    (Fader, Hardie & Lee 2005b's CLV, term by term). The top customers are the
    ``top`` with the largest CLV over the whole horizon (Σ over periods).
    Columns: ``period``, ``base_value`` (Σ of every customer's discounted
    value in the period), ``top_value``, ``top_share`` (their share of the
    period's value) and ``cumulative_share`` (the base's value up to the
    period, as a share of the horizon's).

    >>> by_period = pd.DataFrame({"customer": ["a", "a", "b", "b"], "period": [1, 2, 1, 2],
    ...                           "discounted_value": [6.0, 4.0, 2.0, 1.0]})
    >>> clv_by_month_table(by_period, top=1)
       period  base_value  top_value  top_share  cumulative_share
    0       1         8.0        6.0      0.750          0.615385
    1       2         5.0        4.0      0.800          1.000000
    """
    totals = by_period.groupby("customer", sort=False)["discounted_value"].sum()
    best = totals.nlargest(int(top)).index
    base = by_period.groupby("period")["discounted_value"].sum()
    top_value = by_period[by_period["customer"].isin(best)].groupby("period")["discounted_value"].sum()
    top_value = top_value.reindex(base.index, fill_value=0.0)
    total = float(base.sum())
    frame = pd.DataFrame({"period": base.index.to_numpy(), "base_value": base.to_numpy(),
                          "top_value": top_value.to_numpy(),
                          "top_share": np.where(base.to_numpy() > 0, top_value.to_numpy() / np.where(base > 0, base, 1), np.nan),
                          "cumulative_share": base.cumsum().to_numpy() / total if total else np.nan})
    frame.attrs["top"] = min(int(top), len(totals))
    return frame


def clv_by_month_sentence(table: pd.DataFrame, *, currency: str = "$", period: str = "month") -> Markdown:
    """When the base's value comes, from :func:`clv_by_month_table`: the first and last period, and the half-way point.

    >>> frame = pd.DataFrame({"period": [1, 2, 3, 4], "base_value": [40.0, 30.0, 20.0, 10.0],
    ...                       "top_value": [8.0, 6.0, 4.0, 2.0], "top_share": [0.2] * 4,
    ...                       "cumulative_share": [0.4, 0.7, 0.9, 1.0]})
    >>> frame.attrs["top"] = 10
    >>> print(clv_by_month_sentence(frame).plain)
    Over 4 months the base's discounted value is $100.00: $40.00 in the first month and $10.00 in the last. Half of it comes by month 2: the value is front-loaded, as dropout and discounting wear it down. The top 10 customers bring 20.0% of it.
    """
    total = float(table["base_value"].sum())
    horizon = len(table)
    half = int(table.loc[table["cumulative_share"] >= 0.5, "period"].iloc[0])
    verdict = ("the value is front-loaded, as dropout and discounting wear it down" if half <= horizon / 2
               else "the value is spread over the horizon, little worn down by dropout and discounting")
    top_share = float(table["top_value"].sum()) / total if total else np.nan
    return markdown("Over {n} the base's discounted value is {total}: {first} in the first {period} and {last} in "
                    "the last. Half of it comes by {period} {half}: {verdict}. The top {k} customers bring {share} of it.",
                    n=plural(horizon, period), total=money(total, unit=currency),
                    first=money(float(table["base_value"].iloc[0]), unit=currency),
                    last=money(float(table["base_value"].iloc[-1]), unit=currency), period=period, half=half,
                    verdict=verdict, k=integer(table.attrs.get("top", 0)), share=percent(top_share))


def alive_now_and_later_table(models: Mapping[str, Any], summary: pd.DataFrame, *, later: float) -> pd.DataFrame:
    """Expected customers alive at the end of the calibration period and ``later`` time units after it, per model.

    Σ_i P(alive at T_i + t | x_i, t_x,i, T_i) by each model's
    :meth:`~crmlab.clv.btyd.TransactionModel.expected_number_alive`, at t = 0
    and t = ``later``, whatever the customers buy in between. Columns:
    ``model``, ``customers``, ``alive_now``, ``alive_now_share``,
    ``alive_later``, ``alive_later_share``.

    >>> from crmlab.clv import ParetoNBD
    >>> model = ParetoNBD()
    >>> model.params_ = pd.Series({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    >>> summary = pd.DataFrame({"frequency": [0, 2, 10], "recency": [0, 30.4, 38], "T": [38.9] * 3})
    >>> alive_now_and_later_table({"Pareto/NBD": model}, summary, later=52).round(3).to_dict("records")[0]
    {'model': 'Pareto/NBD', 'customers': 3, 'alive_now': 2.151, 'alive_now_share': 0.717, 'alive_later': 1.401, 'alive_later_share': 0.467}
    """
    rows = []
    for name, model in models.items():
        alive = model.expected_number_alive(summary, t=[0.0, float(later)])
        rows.append({"model": name, "customers": len(summary), "alive_now": float(alive.iloc[0]),
                     "alive_now_share": float(alive.iloc[0]) / len(summary), "alive_later": float(alive.iloc[1]),
                     "alive_later_share": float(alive.iloc[1]) / len(summary)})
    return pd.DataFrame(rows)


def alive_now_and_later_sentence(table: pd.DataFrame, *, later: str = "a year later", tolerance: float = 0.10) -> Markdown:
    """How many customers the models expect alive now and later, and whether they agree (within ``tolerance``, relative).

    ``table`` is :func:`alive_now_and_later_table`.

    >>> table = pd.DataFrame({"model": ["BG/NBD", "MBG/NBD"], "customers": [100, 100], "alive_now": [80.0, 50.0],
    ...                       "alive_now_share": [0.8, 0.5], "alive_later": [60.0, 30.0], "alive_later_share": [0.6, 0.3]})
    >>> print(alive_now_and_later_sentence(table).plain)
    Of the 100 customers, the models expect from 50 (MBG/NBD) to 80 (BG/NBD) to be alive at the end of the calibration period, and from 30 (MBG/NBD) to 60 (BG/NBD) a year later: the lenses differ, and which one a manager trusts changes how many customers they count as still theirs.
    >>> print(alive_now_and_later_sentence(table.iloc[[0]]).plain)
    Of the 100 customers, the BG/NBD expects 80 to be alive at the end of the calibration period, and 60 a year later.
    """
    n = int(table["customers"].iloc[0])
    if len(table) == 1:
        row = table.iloc[0]
        return markdown("Of the {n} customers, the {model} expects {now} to be alive at the end of the calibration "
                        "period, and {later_n} {later}.", n=integer(n), model=row["model"],
                        now=integer(round(row["alive_now"])), later_n=integer(round(row["alive_later"])), later=later)

    def span(column: str) -> tuple[str, float]:
        low, high = table.loc[table[column].idxmin()], table.loc[table[column].idxmax()]
        text = (f"from {integer(round(low[column]))} ({low['model']}) to "
                f"{integer(round(high[column]))} ({high['model']})")
        return text, (high[column] - low[column]) / high[column] if high[column] else 0.0

    (now, spread_now), (after, spread_later) = span("alive_now"), span("alive_later")
    verdict = ("the models agree" if max(spread_now, spread_later) <= tolerance else
               "the lenses differ, and which one a manager trusts changes how many customers they count as still theirs")
    return markdown("Of the {n} customers, the models expect {now} to be alive at the end of the calibration period, "
                    "and {after} {later}: {verdict}.", n=integer(n), now=now, after=after, later=later, verdict=verdict)


#: How ``predict`` drew the parameters of an interval, in words for captions and sentences.
INTERVAL_METHODS: dict[str, str] = {
    "hessian": "parameter uncertainty only: draws from the asymptotic normal of the log-parameters, with the "
               "fitted Hessian's covariance",
    "bootstrap": "parameter uncertainty only: the models refitted to bootstrap resamples of the customers",
    "fixed": "no parameter uncertainty: every draw at the point estimate",
}


def planted_customer_lifetime_value(channels: pd.DataFrame, channel_of_customer: pd.Series, summary: pd.DataFrame, *,
                                    discount_rate: float, horizon: int, period_length: float, margin: float) -> pd.Series:
    """Each customer's CLV at the planted parameters of their acquisition channel, in a synthetic world.

    The CLV of :meth:`crmlab.clv.GammaGamma.customer_lifetime_value`
    (Fader, Hardie & Lee 2005b) with a BG/NBD at the channel's planted
    ``r, alpha, a, b`` and a Gamma-Gamma at its ``p_spend, q, gamma``
    (``SimulatedWorld.channels``): what the models would say of the
    customer if they knew the truth behind the data. ``channel_of_customer``
    maps the summary's index to channels.

    >>> channels = pd.DataFrame({"channel": ["web"], "r": [0.243], "alpha": [4.414], "a": [0.793], "b": [2.426],
    ...                          "p_spend": [6.25], "q": [3.74], "gamma": [15.44]})
    >>> summary = pd.DataFrame({"frequency": [2], "recency": [30.4], "T": [38.9], "monetary_value": [30.0]}, index=["c"])
    >>> planted_customer_lifetime_value(channels, pd.Series({"c": "web"}), summary, discount_rate=0.01, horizon=12,
    ...                                 period_length=52 / 12, margin=1.0).round(2).tolist()
    [45.34]
    """
    from crmlab.clv import BetaGeo, GammaGamma

    channel = pd.Series(channel_of_customer).reindex(summary.index)
    out = pd.Series(np.nan, index=summary.index, name="planted_clv")
    for _, row in channels.iterrows():
        rows = channel == row["channel"]
        if not rows.any():
            continue
        purchases, spend = BetaGeo(), GammaGamma()
        purchases.params_ = pd.Series({k: float(row[k]) for k in purchases.param_names})
        spend.params_ = pd.Series({"p": float(row["p_spend"]), "q": float(row["q"]), "gamma": float(row["gamma"])})
        out[rows] = np.asarray(spend.customer_lifetime_value(purchases, summary.loc[rows], discount_rate=discount_rate,
                                                             horizon=horizon, period_length=period_length,
                                                             margin=margin), dtype=float)
    return out


def clv_interval_table(intervals: pd.DataFrame, summary: pd.DataFrame, *, planted: pd.Series | None = None) -> pd.DataFrame:
    """The customers of a CLV ``predict`` frame with their history, estimate and interval (and the planted CLV).

    ``intervals`` is a model's ``predict(..., what="clv")`` (``estimate``,
    ``lower``, ``upper``, indexed by customer); sorted by the estimate,
    largest first. With ``planted`` (:func:`planted_customer_lifetime_value`)
    the columns ``planted`` and ``planted_inside`` (the planted value within
    the interval) are added. ``attrs`` keep the interval's.

    >>> frame = pd.DataFrame({"estimate": [10.0, 30.0], "lower": [8.0, 25.0], "upper": [13.0, 36.0]}, index=["a", "b"])
    >>> summary = pd.DataFrame({"frequency": [1, 5], "recency": [3.0, 30.0], "T": [38.0, 38.0]}, index=["a", "b"])
    >>> clv_interval_table(frame, summary, planted=pd.Series({"a": 20.0, "b": 29.0}))[["estimate", "planted_inside"]]
       estimate  planted_inside
    b      30.0            True
    a      10.0           False
    """
    table = summary.loc[intervals.index, ["frequency", "recency", "T"]].join(intervals[["estimate", "lower", "upper"]])
    if planted is not None:
        table["planted"] = pd.Series(planted).reindex(table.index).to_numpy(dtype=float)
        table["planted_inside"] = (table["planted"] >= table["lower"]) & (table["planted"] <= table["upper"])
    table = table.sort_values("estimate", ascending=False)
    table.attrs = dict(intervals.attrs)
    return table


def clv_interval_caption(intervals: pd.DataFrame, *, n: int) -> str:
    """The caption of :func:`clv_interval_table`: how many customers, the level and how the interval was drawn.

    >>> frame = pd.DataFrame({"estimate": [1.0]})
    >>> frame.attrs.update(interval=0.9, method="hessian", n_draws=200)
    >>> clv_interval_caption(frame, n=10)
    "The 10 most valuable customers' CLV with 90% intervals (parameter uncertainty only: draws from the asymptotic normal of the log-parameters, with the fitted Hessian's covariance; 200 draws)"
    """
    attrs = intervals.attrs
    how = INTERVAL_METHODS.get(attrs.get("method"), str(attrs.get("method", "")))
    return (f"The {integer(n)} most valuable customers' CLV with {percent(attrs.get('interval', np.nan), digits=0)} "
            f"intervals ({how}; {integer(attrs.get('n_draws', 0))} draws)")


def clv_interval_sentence(table: pd.DataFrame, *, currency: str = "$", wide: float = 0.25,
                          cause: str | None = None) -> Markdown:
    """How wide the top customers' CLV intervals are, relative to the estimate, and (synthetic) how many hold the truth.

    The half-width is (upper − lower) / 2 / estimate; "narrow" when the
    widest is at most ``wide``. ``table`` is :func:`clv_interval_table`.
    With planted values, says how many the intervals hold and, when every
    planted value missed lies on one side of its estimate, that the gap is a
    bias of the fitted model rather than chance (with ``cause``, why, as the
    data source knows it).

    >>> table = pd.DataFrame({"frequency": [5, 1], "estimate": [100.0, 50.0], "lower": [90.0, 45.0],
    ...                       "upper": [112.0, 60.0]}, index=pd.Index(["b", "a"], name="customer_id"))
    >>> table.attrs.update(interval=0.9, method="hessian")
    >>> print(clv_interval_sentence(table).plain)
    The 90% intervals of the 2 customers' CLV are narrow: from ±11.0% of the estimate (customer b, $90.00 to $112.00) to ±15.0% (customer a). They hold the uncertainty of the model's parameters, not of what each customer will do.
    >>> table["planted"], table["planted_inside"] = [95.0, 70.0], [True, False]
    >>> print(clv_interval_sentence(table, wide=0.05).plain)
    The 90% intervals of the 2 customers' CLV are wide: from ±11.0% of the estimate (customer b, $90.00 to $112.00) to ±15.0% (customer a). They hold the uncertainty of the model's parameters, not of what each customer will do. 1 of the 2 planted values (the CLV at the customer's channel's planted parameters) lies inside its interval.
    >>> table["planted"], table["planted_inside"] = [80.0, 40.0], [False, False]
    >>> print(clv_interval_sentence(table, cause="the channels differ").plain.split("will do. ")[1])
    0 of the 2 planted values (the CLV at the customer's channel's planted parameters) lie inside their interval; every one missed lies below its estimate, so the gap is a bias of the fitted models, not chance, and no interval of parameter uncertainty covers it: the channels differ.
    """
    half = (table["upper"] - table["lower"]) / 2 / table["estimate"].where(table["estimate"] > 0)
    narrow, widest = half.idxmin(), half.idxmax()
    level = percent(table.attrs.get("interval", np.nan), digits=0)
    text = markdown("The {level} intervals of the {n} customers' CLV are {how}: from ±{low} of the estimate "
                    "(customer {narrow}, {lower} to {upper}) to ±{high} (customer {widest}). They hold the uncertainty "
                    "of the model's parameters, not of what each customer will do.",
                    level=level, n=integer(len(table)), how="narrow" if half.max() <= wide else "wide",
                    low=percent(half[narrow]), narrow=narrow, lower=money(table.loc[narrow, "lower"], unit=currency),
                    upper=money(table.loc[narrow, "upper"], unit=currency), high=percent(half[widest]), widest=widest)
    if "planted_inside" in table:
        inside = int(table["planted_inside"].sum())
        more = markdown(" {k} of the {n} planted values (the CLV at the customer's channel's planted parameters) "
                        "{verb} inside {its} interval.", k=integer(inside), n=integer(len(table)),
                        verb="lies" if inside == 1 else "lie", its="its" if inside == 1 else "their")
        missed = table[~table["planted_inside"].astype(bool)]
        side = np.sign(missed["planted"] - missed["estimate"])
        if len(missed) > 1 and (side == side.iloc[0]).all():
            bias = markdown("; every one missed lies {where} its estimate, so the gap is a bias of the fitted models, "
                            "not chance, and no interval of parameter uncertainty covers it{cause}.",
                            where="below" if side.iloc[0] < 0 else "above", cause=f": {cause}" if cause else "")
            more = Markdown(more.text[:-1] + bias.text, more.plain[:-1] + bias.plain)
        text = Markdown(text.text + more.text, text.plain + more.plain)
    return text
