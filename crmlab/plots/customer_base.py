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


def _cohort_period_name(cohorts: pd.DataFrame) -> str:
    """The reader name of the periods of a cohort frame, read from its cohorts: "months" for monthly
    ``pandas.Period`` cohorts, "weeks", "quarters", "years", "days"; "periods" when the cohorts do not say.

    >>> _cohort_period_name(pd.DataFrame({"cohort": pd.period_range("2020-01", periods=2, freq="M")}))
    'months'
    >>> _cohort_period_name(pd.DataFrame({"cohort": ["a", "b"]}))
    'periods'
    """
    values = cohorts["cohort"]
    if not isinstance(values.dtype, pd.PeriodDtype):
        return "periods"
    names = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
    return names.get(values.iloc[0].freqstr.split("-")[0] if len(values) else "", "periods")


def plot_cohort_heatmap(cohorts: pd.DataFrame, *, max_periods: int | None = None, annotate: bool | None = None) -> Figure:
    """Heatmap of cohort retention: acquisition cohort × periods since acquisition.

    Takes the long frame of :func:`crmlab.customers.cohort_retention` (columns
    ``cohort``, ``period_number``, ``retention``, and ``cohort_size`` shown
    beside each cohort). Period 0 is the acquisition period (retention 100% by
    definition). The colour scale runs from 0% to 100% so that every cell,
    period 0 included, has its colour on the bar; it is a square-root scale
    (``PowerNorm``) so that the small shares of later periods stay apart. The
    periods are named by the cohorts' own (months for monthly cohorts). The
    cells hold the percentage as a number without the "%" sign (the colour bar
    and the title carry the unit), so that the "100" of period 0 fits its cell
    at the size of the others; a label still too wide is shrunk to fit.
    """
    from matplotlib.colors import PowerNorm

    sns = seaborn()
    data = cohorts if max_periods is None else cohorts[cohorts["period_number"] <= max_periods]
    table = data.pivot(index="cohort", columns="period_number", values="retention")
    if "cohort_size" in data:
        sizes = data.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
        table.index = [f"{period_label(c)} (n = {sizes[c]:,})" for c in table.index]
    else:
        table.index = [period_label(c) for c in table.index]
    if annotate is None:
        annotate = table.shape[1] <= 24 and table.shape[0] <= 24
    width = min(4 + 0.45 * table.shape[1], 13)
    fig, ax = plt.subplots(figsize=(width, max(3.5, 1.5 + 0.4 * table.shape[0])))
    labels = (100 * table).to_numpy() if annotate else False  # "100", "11": the unit is on the bar and the title
    sns.heatmap(table, ax=ax, cmap="viridis", norm=PowerNorm(0.5, vmin=0.0, vmax=1.0), annot=labels, fmt=".0f",
                annot_kws={"size": 9}, cbar_kws={"label": "share of the cohort purchasing (%)",
                                                 "format": mticker.PercentFormatter(1.0, decimals=0)})
    colorbar = ax.collections[0].colorbar
    colorbar.set_ticks([0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.tick_params(axis="y", rotation=0)
    periods = _cohort_period_name(data)
    ax.set_xlabel(f"{periods} since acquisition (0 = the {periods.rstrip('s')} of acquisition)")
    ax.set_ylabel("acquisition cohort (n = its customers)", labelpad=12)
    ax.set_title(f"Cohort retention: % of each cohort buying k {periods} after acquisition")
    if annotate and ax.texts:
        _fit_annotations(fig, ax, table.shape[1])
    return finish(fig)


def _fit_annotations(fig: Figure, ax: object, n_columns: int) -> None:
    """Shrink each heatmap cell label that is wider than 85% of its cell (the "100%" of period 0 in a wide
    heatmap) until it fits, so that no label runs into its neighbours or the tick labels; the others keep
    their size."""
    fig.tight_layout()
    room = 0.85 * ax.get_window_extent().width / max(n_columns, 1)
    for text in ax.texts:
        width = text.get_window_extent().width
        if width > room:
            text.set_fontsize(max(5.0, text.get_fontsize() * room / width))


def plot_cohort_retention_curves(cohorts: pd.DataFrame, pooled: pd.DataFrame, *, max_periods: int | None = None) -> Figure:
    """Retention curves by cohort (grey), and all cohorts together (bold).

    Takes the long frame of :func:`crmlab.customers.cohort_retention` and the
    curve of :func:`crmlab.customers.projection.pooled_retention_curve`
    (``period_number``, ``retention``) computed from it.
    """
    periods = _cohort_period_name(cohorts)
    data = cohorts[cohorts["period_number"] > 0]
    curve = pooled
    if max_periods is not None:
        data = data[data["period_number"] <= max_periods]
        curve = curve[curve["period_number"] <= max_periods]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for k, (_, group) in enumerate(data.groupby("cohort", sort=True)):
        ax.plot(group["period_number"], group["retention"], color="0.75", lw=1, label="one cohort" if k == 0 else None)
    ax.plot(curve["period_number"], curve["retention"], color="C0", lw=2.5, label="all cohorts (weighted by size)")
    ax.set_xlabel(f"{periods} since acquisition")
    ax.set_ylabel("share of the cohort purchasing (%)")
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(bottom=0)
    ax.set_title("Retention curves by acquisition cohort")
    ax.legend()
    return finish(fig)


def plot_retention_rate(rates: pd.DataFrame) -> Figure:
    """Customer retention rate and churn rate per period; periods with CRR above 100% marked.

    Takes the frame of :func:`crmlab.customers.retention_rate` (columns
    ``period`` and ``retention_rate``; ``churn_rate`` drawn when present).
    CRR = (E − N) / S exceeds 100% (and churn falls below 0) when more lapsed
    customers come back than active ones are lost: those periods are ringed
    and named in the legend, since they are not errors but reactivations.
    """
    data = rates.dropna(subset=["retention_rate"])
    x = [period_label(p) for p in data["period"]]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    ax.plot(x, data["retention_rate"], marker="o", label="retention rate (CRR)")
    if "churn_rate" in data:
        ax.plot(x, data["churn_rate"], marker="o", label="churn rate (1 − CRR)")
    above = (data["retention_rate"] > 1).to_numpy()
    if above.any():
        ax.scatter([xi for xi, a in zip(x, above) if a], data["retention_rate"][above], s=180, facecolors="none",
                   edgecolors="C3", linewidths=2, zorder=3,
                   label=f"CRR > 100%: lapsed customers returning ({int(above.sum())} period{'s' if above.sum() != 1 else ''})")
    # CRR exceeds 100% when lapsed customers return (in E, not in S): keep those points visible.
    top = np.nanmax(data[["retention_rate"] + (["churn_rate"] if "churn_rate" in data else [])].to_numpy(), initial=1.0)
    bottom = min(0.0, float(np.nanmin(data.get("churn_rate", data["retention_rate"]).to_numpy(), initial=0.0)))
    ax.set_ylim(bottom * 1.05 - 0.02, top * 1.05)
    ax.axhline(1.0, color="0.6", lw=0.8)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_ylabel("share of last period's active customers (%)")
    ax.set_xlabel("period")
    ax.set_title("Customer retention rate, CRR = (E − N) / S, and churn")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False)
    if len(x) > 24:
        for k, tick in enumerate(ax.get_xticklabels()):
            tick.set_visible(k % int(np.ceil(len(x) / 24)) == 0)
    ax.tick_params(axis="x", rotation=45)
    return finish(fig)


def plot_interpurchase_histogram(gaps: pd.DataFrame, distribution: pd.DataFrame, *, unit: str = "D",
                                 clip_quantile: float = 0.99) -> Figure:
    """Histogram of interpurchase times with the mean and median marked.

    Takes the long frame of :func:`crmlab.customers.interpurchase_times`
    (column ``ipt``) and the one-row frame of
    :func:`crmlab.customers.interpurchase_distribution` (``mean``, ``median``)
    in the same ``unit``. The longest ``1 - clip_quantile`` gaps are left out
    of the drawing (not of the statistics) so the bulk stays readable.
    """
    from crmlab.display.customers import interpurchase_number

    ipt = gaps["ipt"].dropna()
    row = distribution.iloc[0]
    name = UNIT_NAMES.get(unit, unit)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    clipped_histogram(ax, ipt, mean=float(row["mean"]), median=float(row["median"]), clip_quantile=clip_quantile,
                      bins=40, value_text=lambda v: f"{interpurchase_number(v)} {name}")
    ax.set_xlabel(f"interpurchase time ({name})")
    ax.set_ylabel("number of gaps between purchases")
    shown = "" if clip_quantile >= 1 else f" (longest {1 - clip_quantile:.0%} not drawn)"
    ax.set_title(f"Interpurchase times{shown}")
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
    ax.set_ylabel(f"customers at the end of the {period_name}")
    ax.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title("Customer-base projection under different churn rates")
    ax.set_ylim(bottom=0)
    return finish(fig)
