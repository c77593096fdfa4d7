"""Figures of the customer base: cohorts, retention, interpurchase time, base projection.

Each takes the frame of a :mod:`crmlab.customers` function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, UNIT_NAMES, clipped_histogram, finish, mticker, period_label, plt, seaborn

__all__ = [
    "plot_base_projection",
    "plot_cohort_heatmap",
    "plot_cohort_retention_curves",
    "plot_interpurchase_histogram",
    "plot_retention_rate",
]


def plot_cohort_heatmap(cohorts: pd.DataFrame, *, max_periods: int | None = None, annotate: bool | None = None) -> Figure:
    """Heatmap of cohort retention: acquisition cohort × periods since acquisition.

    Takes the long frame of :func:`crmlab.customers.cohort_retention` (columns
    ``cohort``, ``period_number``, ``retention``). Period 0 is the acquisition
    period (retention 1 by definition).
    """
    sns = seaborn()
    data = cohorts if max_periods is None else cohorts[cohorts["period_number"] <= max_periods]
    table = data.pivot(index="cohort", columns="period_number", values="retention")
    table.index = [period_label(c) for c in table.index]
    if annotate is None:
        annotate = table.shape[1] <= 24 and table.shape[0] <= 24
    width = min(3 + 0.6 * table.shape[1], 16)
    fig, ax = plt.subplots(figsize=(width, max(3.0, 1.5 + 0.4 * table.shape[0])))
    # Period 0 is 100% by definition: scale the colours to the later periods so they stay readable.
    later = table.to_numpy()[:, 1:]
    vmax = float(np.nanmax(later)) if later.size and np.isfinite(later).any() else 1.0
    sns.heatmap(table, ax=ax, cmap="viridis", vmin=0, vmax=vmax, annot=annotate, fmt=".0%",
                annot_kws={"size": 7}, cbar_kws={"label": "share of cohort purchasing"})
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("acquisition cohort")
    ax.set_title("Cohort retention")
    return finish(fig)


def plot_cohort_retention_curves(cohorts: pd.DataFrame, *, max_periods: int | None = None) -> Figure:
    """Retention curves by cohort, and their customer-weighted mean (bold)."""
    data = cohorts[cohorts["period_number"] > 0]
    if max_periods is not None:
        data = data[data["period_number"] <= max_periods]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for cohort, group in data.groupby("cohort", sort=True):
        ax.plot(group["period_number"], group["retention"], color="0.7", lw=1)
    pooled = data.groupby("period_number").apply(
        lambda g: np.average(g["retention"], weights=g["cohort_size"]), include_groups=False
    )
    ax.plot(pooled.index, pooled.to_numpy(), color="C0", lw=2.5, label="all cohorts (weighted)")
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share of cohort purchasing")
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_title("Retention curves by acquisition cohort")
    ax.legend()
    return finish(fig)


def plot_retention_rate(rates: pd.DataFrame) -> Figure:
    """Customer retention rate and churn rate per period.

    Takes the frame of :func:`crmlab.customers.retention_rate` (columns
    ``period`` and ``retention_rate``; ``churn_rate`` drawn when present).
    """
    data = rates.dropna(subset=["retention_rate"])
    x = [period_label(p) for p in data["period"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(x, data["retention_rate"], marker="o", label="retention rate (CRR)")
    if "churn_rate" in data:
        ax.plot(x, data["churn_rate"], marker="o", label="churn rate")
    # CRR exceeds 100% when lapsed customers return (in E, not in S): keep those points visible.
    top = np.nanmax(data[["retention_rate"] + (["churn_rate"] if "churn_rate" in data else [])].to_numpy(), initial=1.0)
    bottom = min(0.0, float(np.nanmin(data.get("churn_rate", data["retention_rate"]).to_numpy(), initial=0.0)))
    ax.set_ylim(bottom * 1.05, top * 1.05)
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel("period")
    ax.set_title("Customer retention rate, CRR = (E − N) / S")
    ax.legend()
    ax.tick_params(axis="x", rotation=45)
    return finish(fig)


def plot_interpurchase_histogram(gaps: pd.DataFrame, *, unit: str = "D", clip_quantile: float = 0.99) -> Figure:
    """Histogram of interpurchase times with the mean and median marked.

    Takes the long frame of :func:`crmlab.customers.interpurchase_times`
    (column ``ipt``). The longest ``1 - clip_quantile`` gaps are left out of
    the drawing (not of the statistics) so the bulk stays readable.
    """
    ipt = gaps["ipt"].dropna()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    clipped_histogram(ax, ipt, clip_quantile=clip_quantile, bins=40, value_format=".1f")
    ax.set_xlabel(f"interpurchase time ({UNIT_NAMES.get(unit, unit)})")
    ax.set_ylabel("number of gaps")
    ax.set_title("Interpurchase times")
    return finish(fig)


def plot_base_projection(projection: pd.DataFrame, *, period_name: str = "year") -> Figure:
    """Customer base over time under churn scenarios (one line per scenario).

    Takes the long frame of :func:`crmlab.customers.compare_churn_scenarios`
    (columns ``scenario``, ``period``, ``customers_end``).
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.lineplot(projection, x="period", y="customers_end", hue="scenario", marker="o", ax=ax)
    ax.set_xlabel(period_name)
    ax.set_ylabel("customers at end of period")
    ax.set_title("Customer-base projection under different churn rates")
    ax.set_ylim(bottom=0)
    return finish(fig)
