"""Figures of customer lifetime value: model fit (FHL 2005), P(alive), CLV, contractual survival.

Each takes a frame of :mod:`crmlab.clv` (or a fitted model's table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, UNIT_NAMES, clipped_histogram, finish, mticker, plt, seaborn

__all__ = [
    "plot_clv_by_channel",
    "plot_clv_by_period",
    "plot_clv_distribution",
    "plot_clv_intervals",
    "plot_count_distribution",
    "plot_frequency_histogram",
    "plot_holdout_comparison",
    "plot_probability_alive_history",
    "plot_probability_alive_matrix",
    "plot_survival_curves",
    "plot_tracking",
]


def plot_frequency_histogram(table: pd.DataFrame, *, title: str = "Repeat transactions in the calibration period") -> Figure:
    """Observed against expected customers by number of repeat transactions (FHL 2005, figure 2).

    Takes :func:`crmlab.clv.frequency_histogram_comparison` (columns
    ``frequency``, ``observed``, ``expected``, or one column per model).
    """
    sns = seaborn()
    long = table.melt(id_vars="frequency", var_name="source", value_name="customers")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.barplot(long, x="frequency", y="customers", hue="source", ax=ax)
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_ylabel("customers")
    ax.legend(title=None)
    ax.set_title(title)
    return finish(fig)


def plot_holdout_comparison(table: pd.DataFrame, *, title: str = "Holdout transactions by calibration frequency") -> Figure:
    """Mean holdout transactions, actual and predicted, by calibration frequency (FHL 2005, figure 5).

    Takes :func:`crmlab.clv.holdout_comparison` (the ``"all"`` row is left out);
    any column besides ``frequency`` and ``n_customers`` is drawn as a line.
    """
    data = table[table["frequency"] != "all"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for column in [c for c in data.columns if c not in ("frequency", "n_customers")]:
        style = {"color": "black", "marker": "o"} if column == "actual" else {"ls": "--", "marker": "s"}
        ax.plot(data["frequency"], data[column], label=column, **style)
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_ylabel("mean transactions in the holdout period")
    ax.set_title(title)
    ax.legend()
    return finish(fig)


def plot_tracking(table: pd.DataFrame, *, calibration_end: float | None = None, unit: str = "W") -> Figure:
    """Cumulative and per-period repeat transactions, actual against expected (FHL 2005, figures 3–4).

    Takes :func:`crmlab.clv.tracking_data` (columns ``t``, ``actual``, one
    column per model, ``incremental_*``); a vertical line marks the end of the
    calibration period when given (in the same time unit).
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    models = [c for c in table.columns if c not in ("t", "actual") and not c.startswith("incremental_")]
    for ax, prefix, what in ((axes[0], "", "cumulative"), (axes[1], "incremental_", "per period")):
        ax.plot(table["t"], table[f"{prefix}actual"], color="black", label="actual")
        for name in models:
            ax.plot(table["t"], table[f"{prefix}{name}"], ls="--", label=name)
        if calibration_end is not None:
            ax.axvline(calibration_end, color="0.5", ls=":", label="end of calibration")
        ax.set_xlabel(f"time ({UNIT_NAMES.get(unit, unit)})")
        ax.set_ylabel(f"repeat transactions, {what}")
        ax.legend()
    fig.suptitle("Tracking repeat transactions")
    return finish(fig)


def plot_probability_alive_matrix(matrix: pd.DataFrame, *, unit: str = "W", title: str | None = None) -> Figure:
    """Heat map of P(alive) by frequency (rows) and recency (columns), for a customer observed for T.

    Takes :func:`crmlab.clv.probability_alive_matrix`; ``unit`` is the model's
    time unit (recency tₓ is the time from the first to the last purchase).
    """
    sns = seaborn()
    name = UNIT_NAMES.get(unit, unit)
    fig, ax = plt.subplots(figsize=(10, 6))
    columns = [f"{c:g}" for c in matrix.columns]
    every = max(1, int(np.ceil(len(columns) / 20)))  # at most about 20 labels, legible at 1,280 px
    sns.heatmap(matrix.set_axis(columns, axis=1), ax=ax, vmin=0, vmax=1, cmap="viridis", xticklabels=every,
                yticklabels=max(1, int(np.ceil(len(matrix) / 20))),
                cbar_kws={"label": "P(alive) (%)", "format": mticker.PercentFormatter(1.0, decimals=0)})
    # The tables' reader labels ("Recency (tₓ)", "Frequency (x)") with the unit, in the figures' lower case.
    ax.set_xlabel(f"recency (tₓ, {name}): time of the last purchase after the first")
    ax.set_ylabel("frequency (x): repeat transactions")
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title or "Probability that a customer is still alive, by frequency and recency")
    return finish(fig)


def plot_clv_distribution(clv: pd.Series, summary: pd.DataFrame, *, clip_quantile: float = 0.99,
                          currency: str = "") -> Figure:
    """Histogram of customer lifetime values with their mean and median; the top tail is cut from the drawing only.

    ``summary`` is the one-row frame of :func:`crmlab.display.value.clv_summary`
    (``mean``, ``median``) of the same values, as the report shows it;
    ``currency`` is their unit.
    """
    from crmlab.display import money
    values = pd.Series(clv).dropna()
    row = summary.iloc[0]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    clipped_histogram(ax, values, mean=float(row["mean"]), median=float(row["median"]), clip_quantile=clip_quantile,
                      bins=50, value_text=lambda v: money(v, unit=currency))
    ax.set_xlabel(f"customer lifetime value ({currency})" if currency else "customer lifetime value")
    ax.set_ylabel("customers")
    shown = "" if clip_quantile >= 1 else f" (top {1 - clip_quantile:.0%} not drawn)"
    ax.set_title(f"Distribution of customer lifetime value{shown}")
    return finish(fig)


#: Axis labels of the predictions of :func:`crmlab.clv.uncertainty.predict_intervals`.
_INTERVAL_LABELS = {
    "clv": "customer lifetime value",
    "expected_transactions": "expected repeat transactions",
    "count": "repeat transactions",
    "probability_alive": "P(alive)",
    "spend": "expected spend per transaction",
}


def plot_clv_intervals(frame: pd.DataFrame, *, top: int = 20, currency: str = "", title: str | None = None) -> Figure:
    """Error bars of the ``top`` customers by estimate (the largest on top): each estimate with its interval.

    Takes the frame of a model's ``predict`` (:func:`crmlab.clv.uncertainty.predict_intervals`:
    columns ``estimate``, ``lower``, ``upper``, indexed by customer; its ``attrs`` say what was
    predicted, the interval's level and how the parameters were drawn, which label the axes).
    ``currency`` is the unit of CLV and spend.

    >>> frame = pd.DataFrame({"estimate": [10.0, 30.0, 20.0], "lower": [8.0, 25.0, 15.0],
    ...                       "upper": [13.0, 36.0, 22.0]}, index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> frame.attrs.update(what="clv", interval=0.9, method="hessian", n_draws=200)
    >>> ax = plot_clv_intervals(frame, top=2).axes[0]
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_xlabel()  # from the bottom: the largest on top
    (['c', 'b'], 'customer lifetime value')
    """
    for column in ("estimate", "lower", "upper"):
        if column not in frame.columns:
            raise ValueError(f"plot_clv_intervals: no column {column!r} (takes the frame of a model's predict)")
    top = int(top)
    if top < 1:
        raise ValueError(f"plot_clv_intervals: top must be at least 1 (got {top})")
    attrs = frame.attrs
    what = attrs.get("what", "clv")
    shown = frame.sort_values("estimate", ascending=False).head(top).iloc[::-1]
    y = np.arange(len(shown))
    estimate = shown["estimate"].to_numpy(dtype=float)
    low = np.minimum(shown["lower"].to_numpy(dtype=float), estimate)
    high = np.maximum(shown["upper"].to_numpy(dtype=float), estimate)
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.32 * len(shown) + 1.5)))
    level = f"{attrs['interval']:.0%} interval" if "interval" in attrs else "interval"
    how = f" ({attrs['method']} draws, {attrs['n_draws']})" if "method" in attrs and "n_draws" in attrs else ""
    ax.errorbar(estimate, y, xerr=[estimate - low, high - estimate], fmt="o", color="C0", ecolor="0.3", capsize=3,
                label=f"estimate and {level}{how}")
    ax.set_yticks(y, [str(i) for i in shown.index])
    name = _INTERVAL_LABELS.get(what, what)
    ax.set_xlabel(f"{name} ({currency})" if currency and what in ("clv", "spend") else name)
    ax.set_ylabel(str(frame.index.name or "customer"))
    ax.set_title(title or f"Top {len(shown)} customers by {name}, with their {level}")
    ax.legend(loc="lower right")
    return finish(fig)


def plot_clv_by_channel(table: pd.DataFrame, *, value: str = "mean_clv", currency: str = "") -> Figure:
    """Mean CLV per acquisition channel with its bootstrap confidence interval, and acquisition cost.

    Takes :func:`crmlab.clv.clv_by_channel` (columns ``channel``, ``value``,
    ``value + "_low"``, ``value + "_high"``, optional ``acquisition_cost``);
    ``currency`` is the unit of the values.
    """
    from crmlab.display import label

    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = np.arange(len(table))
    mean = table[value].to_numpy(dtype=float)
    low, high = table[f"{value}_low"].to_numpy(dtype=float), table[f"{value}_high"].to_numpy(dtype=float)
    ax.bar(x, mean, color="C0", label=label(value))
    ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="black", capsize=4, label="95% CI")
    if "acquisition_cost" in table and table["acquisition_cost"].notna().any():
        ax.scatter(x, table["acquisition_cost"], color="C3", marker="D", s=60, zorder=3, label="acquisition cost")
    ax.set_xticks(x, table["channel"].astype(str))
    ax.set_xlabel("acquisition channel")
    ax.set_ylabel(f"value per customer ({currency})" if currency else "value per customer")
    ax.set_title("Customer lifetime value by acquisition channel, against acquisition cost")
    ax.legend()
    return finish(fig)


def plot_survival_curves(table: pd.DataFrame) -> Figure:
    """Survival and retention rate by period, fitted against observed (Fader & Hardie 2007, figures 2–3).

    Takes :meth:`crmlab.clv.ShiftedBetaGeometric.survival_table`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, column, title in ((axes[0], "survival", "Share of the cohort still active"), (axes[1], "retention_rate", "Retention rate")):
        ax.plot(table["period"], table[column], ls="--", label="sBG")
        if f"observed_{column}" in table:
            ax.plot(table["period"], table[f"observed_{column}"], color="black", marker="o", label="observed")
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
        ax.set_xlabel("period")
        ax.set_title(title)
        ax.legend()
    return finish(fig)


def plot_probability_alive_history(history: pd.DataFrame, *, unit: str = "W", title: str | None = None) -> Figure:
    """One customer's P(alive) through time, with their purchases marked (``lifetimes``' ``plot_history_alive``).

    Takes the frame of a transaction model's ``probability_alive_history``
    (columns ``t``, ``recency``, ``probability_alive``); the purchases marked
    are its ``attrs["purchase_times"]`` (without them, time 0 and the
    distinct values of ``recency``). ``unit`` is the model's time unit.
    """
    name = UNIT_NAMES.get(unit, unit)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(history["t"], history["probability_alive"], color="C0", label="P(alive)")
    purchases = history.attrs.get("purchase_times")
    if purchases is None:
        purchases = np.unique(np.r_[0.0, history["recency"].to_numpy(dtype=float)])
    purchases = np.asarray(purchases, dtype=float)
    for k, time in enumerate(purchases):
        ax.axvline(time, color="0.4", ls=":", lw=1, label="purchase" if k == 0 else None)
    ax.scatter(purchases, np.full_like(purchases, 1.04), marker="v", color="C3", zorder=3, s=40, clip_on=False)
    ax.set_ylim(0, 1.08)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel(f"time since the first purchase ({name})")
    ax.set_ylabel("probability that the customer is alive")
    ax.set_title(title or "Probability that the customer is alive, through time")
    ax.legend(loc="lower left")
    return finish(fig)


def plot_count_distribution(counts: pd.DataFrame, *, unit: str = "W", title: str | None = None) -> Figure:
    """P(exactly n repeat purchases in the next t) of a few customers, as bars side by side.

    Takes :func:`crmlab.display.value.count_distribution_table` (columns
    ``role``, ``customer``, ``n``, ``probability``; ``attrs["t"]`` the
    horizon in the model's time ``unit``).

    >>> counts = pd.DataFrame({"role": ["heavy"] * 2 + ["light"] * 2, "customer": ["b", "b", "a", "a"],
    ...                        "n": [0, 1, 0, 1], "probability": [0.3, 0.7, 0.9, 0.1]})
    >>> counts.attrs["t"] = 39.0
    >>> plot_count_distribution(counts).axes[0].get_xlabel()
    'repeat purchases in the next 39 weeks'
    """
    name = UNIT_NAMES.get(unit, unit)
    horizon = counts.attrs.get("t")
    groups = list(counts.groupby(["role", "customer"], sort=False))
    width = 0.8 / max(1, len(groups))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for k, ((role, customer), group) in enumerate(groups):
        ax.bar(group["n"].to_numpy(dtype=float) + (k - (len(groups) - 1) / 2) * width, group["probability"],
               width=width, color=f"C{k}", label=f"customer {customer} ({role})")
    n_max = int(counts["n"].max())
    ax.set_xticks(np.arange(0, n_max + 1, max(1, int(np.ceil((n_max + 1) / 20)))))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    when = f"in the next {horizon:g} {name}" if horizon is not None else "in the horizon"
    ax.set_xlabel(f"repeat purchases {when}")
    ax.set_ylabel("probability")
    ax.set_title(title or f"How many purchases {when}: the predictive distribution")
    ax.legend()
    return finish(fig)


def plot_clv_by_period(table: pd.DataFrame, *, currency: str = "", period: str = "month") -> Figure:
    """The base's discounted value in each future period, with the part the top customers bring.

    Takes :func:`crmlab.display.value.clv_by_month_table` (columns ``period``,
    ``base_value``, ``top_value``; ``attrs["top"]`` the number of top customers).

    >>> table = pd.DataFrame({"period": [1, 2], "base_value": [8.0, 5.0], "top_value": [6.0, 4.0]})
    >>> plot_clv_by_period(table, currency="$").axes[0].get_ylabel()
    'discounted value ($)'
    """
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(table["period"], table["base_value"], color="C0", label="all customers")
    top = table.attrs.get("top")
    ax.bar(table["period"], table["top_value"], color="C1", label=f"the top {top} customers" if top else "top customers")
    ax.set_xlabel(f"{period} after the end of the calibration period")
    ax.set_ylabel(f"discounted value ({currency})" if currency else "discounted value")
    ax.set_title(f"Customer lifetime value by {period}")
    ax.legend()
    return finish(fig)
