"""Figures: one function per figure, each taking a tidy result frame and returning the Figure.

No computation happens here beyond reshaping for display: the numbers come from
:mod:`crmlab.customers` (and later model modules), so they are tested there.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

__all__ = [
    "plot_concentration_curve",
    "plot_gam_deviations",
    "plot_portfolio_matrix",
    "plot_base_projection",
    "plot_clv_by_channel",
    "plot_clv_distribution",
    "plot_frequency_histogram",
    "plot_holdout_comparison",
    "plot_probability_alive_matrix",
    "plot_tracking",
    "plot_cohort_heatmap",
    "plot_cohort_retention_curves",
    "plot_interpurchase_histogram",
    "plot_path_diagram",
    "plot_phase_shares",
    "plot_retention_rate",
    "plot_score_distributions",
    "plot_survival_curves",
    "plot_transition_heatmap",
    "plot_triplet_profiles",
]

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months"}


def _label(period: object) -> str:
    """A cohort label that reads well whatever the period type."""
    if isinstance(period, pd.Period):
        return str(period)
    if isinstance(period, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(period).strftime("%Y-%m-%d")
    return str(period)


def plot_cohort_heatmap(cohorts: pd.DataFrame, *, max_periods: int | None = None, annotate: bool | None = None) -> Figure:
    """Heatmap of cohort retention: acquisition cohort × periods since acquisition.

    Takes the long frame of :func:`crmlab.customers.cohort_retention` (columns
    ``cohort``, ``period_number``, ``retention``). Period 0 is the acquisition
    period (retention 1 by definition).
    """
    data = cohorts if max_periods is None else cohorts[cohorts["period_number"] <= max_periods]
    table = data.pivot(index="cohort", columns="period_number", values="retention")
    table.index = [_label(c) for c in table.index]
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
    fig.tight_layout()
    plt.close(fig)
    return fig


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
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_retention_rate(rates: pd.DataFrame) -> Figure:
    """Customer retention rate and churn rate per period.

    Takes the frame of :func:`crmlab.customers.retention_rate` (columns
    ``period`` and ``retention_rate``; ``churn_rate`` drawn when present).
    """
    data = rates.dropna(subset=["retention_rate"])
    x = [_label(p) for p in data["period"]]
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
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_interpurchase_histogram(gaps: pd.DataFrame, *, unit: str = "D", clip_quantile: float = 0.99) -> Figure:
    """Histogram of interpurchase times with the mean and median marked.

    Takes the long frame of :func:`crmlab.customers.interpurchase_times`
    (column ``ipt``). The longest ``1 - clip_quantile`` gaps are left out of
    the drawing (not of the statistics) so the bulk stays readable.
    """
    ipt = gaps["ipt"].dropna()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if len(ipt):
        upper = ipt.quantile(clip_quantile)
        sns.histplot(ipt[ipt <= upper], ax=ax, bins=40, color="C0")
        ax.axvline(ipt.mean(), color="C3", ls="--", label=f"mean {ipt.mean():.1f}")
        ax.axvline(ipt.median(), color="C2", ls=":", label=f"median {ipt.median():.1f}")
        ax.legend()
    ax.set_xlabel(f"interpurchase time ({_UNIT_NAMES.get(unit, unit)})")
    ax.set_ylabel("number of gaps")
    ax.set_title("Interpurchase times")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_base_projection(projection: pd.DataFrame, *, period_name: str = "year") -> Figure:
    """Customer base over time under churn scenarios (one line per scenario).

    Takes the long frame of :func:`crmlab.customers.compare_churn_scenarios`
    (columns ``scenario``, ``period``, ``customers_end``).
    """
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.lineplot(projection, x="period", y="customers_end", hue="scenario", marker="o", ax=ax)
    ax.set_xlabel(period_name)
    ax.set_ylabel("customers at end of period")
    ax.set_title("Customer-base projection under different churn rates")
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    plt.close(fig)
    return fig


# ----- customer value (crmlab.clv) ------------------------------------------------------------


def plot_frequency_histogram(table: pd.DataFrame, *, title: str = "Repeat transactions in the calibration period") -> Figure:
    """Observed against expected customers by number of repeat transactions (FHL 2005, figure 2).

    Takes :func:`crmlab.clv.frequency_histogram_comparison` (columns
    ``frequency``, ``observed``, ``expected``, or one column per model).
    """
    long = table.melt(id_vars="frequency", var_name="source", value_name="customers")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.barplot(long, x="frequency", y="customers", hue="source", ax=ax)
    ax.set_xlabel("repeat transactions")
    ax.set_ylabel("customers")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


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
    fig.tight_layout()
    plt.close(fig)
    return fig


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
        ax.set_xlabel(f"time ({_UNIT_NAMES.get(unit, unit)})")
        ax.set_ylabel(f"repeat transactions, {what}")
        ax.legend()
    fig.suptitle("Tracking repeat transactions")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_probability_alive_matrix(matrix: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Heat map of P(alive) by frequency (rows) and recency (columns).

    Takes :func:`crmlab.clv.probability_alive_matrix`.
    """
    fig, ax = plt.subplots(figsize=(9, 6))
    columns = [f"{c:g}" for c in matrix.columns]
    sns.heatmap(matrix.set_axis(columns, axis=1), ax=ax, vmin=0, vmax=1, cmap="viridis", cbar_kws={"label": "P(alive)"})
    ax.set_xlabel(f"recency ({matrix.columns.name or 't_x'})")
    ax.set_ylabel("frequency (repeat transactions)")
    ax.set_title(title or "Probability that a customer is alive")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_clv_distribution(clv: pd.Series, *, clip_quantile: float = 0.99, currency: str = "") -> Figure:
    """Histogram of customer lifetime values with mean and median; the top tail is cut from the drawing only."""
    values = pd.Series(clv).dropna()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if len(values):
        upper = values.quantile(clip_quantile)
        sns.histplot(values[values <= upper], ax=ax, bins=50, color="C0")
        ax.axvline(values.mean(), color="C3", ls="--", label=f"mean {values.mean():,.2f}")
        ax.axvline(values.median(), color="C2", ls=":", label=f"median {values.median():,.2f}")
        ax.legend()
    ax.set_xlabel(f"customer lifetime value {currency}".strip())
    ax.set_ylabel("customers")
    ax.set_title("Distribution of customer lifetime value")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_clv_by_channel(table: pd.DataFrame, *, value: str = "mean_clv") -> Figure:
    """Mean CLV per acquisition channel with its bootstrap confidence interval, and acquisition cost.

    Takes :func:`crmlab.clv.clv_by_channel` (columns ``channel``, ``value``,
    ``value + "_low"``, ``value + "_high"``, optional ``acquisition_cost``).
    """
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(table))
    mean = table[value].to_numpy(dtype=float)
    low, high = table[f"{value}_low"].to_numpy(dtype=float), table[f"{value}_high"].to_numpy(dtype=float)
    ax.bar(x, mean, color="C0", label=value.replace("_", " "))
    ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="black", capsize=4, label="95% CI")
    if "acquisition_cost" in table and table["acquisition_cost"].notna().any():
        ax.scatter(x, table["acquisition_cost"], color="C3", marker="D", zorder=3, label="acquisition cost")
    ax.set_xticks(x, table["channel"].astype(str))
    ax.set_ylabel("per customer")
    ax.set_title("Customer lifetime value by acquisition channel")
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


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
    fig.tight_layout()
    plt.close(fig)
    return fig


# ----- theories -------------------------------------------------------------------------------


def plot_path_diagram(
    table: pd.DataFrame, *, layers: list[list[str]] | None = None, title: str = "Path model (standardised coefficients)"
) -> Figure:
    """Path diagram: constructs as boxes in causal layers, arrows labelled with standardised paths.

    Takes the path table of :class:`crmlab.theories.trust_commitment.PathModel`
    (columns ``predictor``, ``outcome``, ``std_estimate``, ``p``). Arrows are
    solid when p < 0.05 and dashed otherwise, blue for positive and red for
    negative paths. ``layers`` lists the constructs per column, left to right
    (default: by longest path from the exogenous constructs).
    """
    import networkx as nx

    graph = nx.DiGraph()
    for row in table.itertuples():
        graph.add_edge(row.predictor, row.outcome, weight=row.std_estimate, p=row.p)
    if layers is None:
        depth = {n: 0 for n in graph.nodes}
        for node in nx.topological_sort(graph):
            for succ in graph.successors(node):
                depth[succ] = max(depth[succ], depth[node] + 1)
        layers = [sorted(n for n, d in depth.items() if d == k) for k in range(max(depth.values()) + 1)]
    pos = {}
    for x, layer in enumerate(layers):
        for y, node in enumerate(layer):
            pos[node] = (x * 3.0, -(y - (len(layer) - 1) / 2) * 1.2)
    fig, ax = plt.subplots(figsize=(4 * len(layers) + 2, max(4.5, 1.0 * max(len(l) for l in layers) + 1)))
    for u, v, data in graph.edges(data=True):
        color = "C0" if data["weight"] >= 0 else "C3"
        style = "-" if data["p"] < 0.05 else "--"
        nx.draw_networkx_edges(graph, pos, edgelist=[(u, v)], ax=ax, edge_color=color, style=style, arrows=True,
                               arrowsize=14, width=1 + 3 * abs(data["weight"]), node_size=3000,
                               connectionstyle="arc3,rad=0.05")
    labels = {(u, v): f"{d['weight']:+.2f}" for u, v, d in graph.edges(data=True)}
    nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax, font_size=8, label_pos=0.35)
    for node, (x, y) in pos.items():
        ax.text(x, y, node.replace("_", "\n"), ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "0.3"})
    ax.set_title(title)
    ax.axis("off")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_phase_shares(phases: pd.DataFrame, *, order: list[str] | None = None) -> Figure:
    """Stacked area of the customers in each relationship phase per calendar period.

    Takes :func:`crmlab.theories.lifecycle.relationship_phases` (columns
    ``period`` and ``phase``); periods before a customer's first contact are
    not counted.
    """
    from crmlab.theories.lifecycle import PHASES

    order = list(order or PHASES)
    data = phases[phases["phase"] != "none"]
    counts = pd.crosstab(data["period"].astype(str), data["phase"]).reindex(columns=order, fill_value=0)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.stackplot(range(len(counts)), counts.T.to_numpy(), labels=order, alpha=0.85)
    step = max(1, len(counts) // 12)
    ax.set_xticks(range(0, len(counts), step), counts.index[::step], rotation=45)
    ax.set_ylabel("customers")
    ax.set_title("Customers by relationship phase (Dwyer, Schurr & Oh 1987)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_transition_heatmap(matrix: pd.DataFrame, *, title: str = "Phase transitions, period to period") -> Figure:
    """Heat map of transition probabilities (rows: from, columns: to), annotated.

    Takes the ``"probability"`` block of
    :func:`crmlab.theories.lifecycle.phase_transition_matrix` or any square frame of probabilities.
    """
    fig, ax = plt.subplots(figsize=(6.5, 5))
    sns.heatmap(matrix.astype(float), annot=True, fmt=".2f", vmin=0, vmax=1, cmap="Blues", ax=ax, cbar_kws={"label": "probability"})
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_score_distributions(profile: pd.DataFrame, columns: tuple[str, ...] = ("interaction", "dialogue", "value", "triplet")) -> Figure:
    """Distributions (violins) of standardised scores over customer-periods.

    Takes :func:`crmlab.theories.nordic.triplet_profile`.
    """
    long = profile[list(columns)].melt(var_name="score", value_name="standardised").dropna()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.violinplot(long, x="score", y="standardised", ax=ax, inner="quartile", cut=0)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylabel("standardised score")
    ax.set_title("Interaction, dialogue and value scores")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_triplet_profiles(profiles: pd.DataFrame) -> Figure:
    """Mean interaction, dialogue and value index per segment (grouped bars).

    Takes a frame indexed by segment with columns ``interaction``, ``dialogue``, ``value``.
    """
    data = profiles[["interaction", "dialogue", "value"]]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    x = np.arange(len(data))
    width = 0.8 / 3
    for k, column in enumerate(data.columns):
        ax.bar(x + (k - 1) * width, data[column], width, label=column)
    ax.set_xticks(x, data.index.astype(str))
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylabel("mean standardised index")
    ax.set_title("Triplet profile by segment")
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_portfolio_matrix(portfolio: pd.DataFrame, *, label: int = 10) -> Figure:
    """The account portfolio (Fiocca 1982): attractiveness × relationship strength, coloured by cell.

    Takes :func:`crmlab.strategy.portfolio.portfolio_matrix`; point size follows revenue, the
    dashed lines are the median cut-offs, and the ``label`` largest accounts are named.
    """
    colours = {"key": "tab:green", "develop": "tab:blue", "maintain": "tab:orange", "reduce": "tab:gray"}
    fig, ax = plt.subplots(figsize=(7.5, 6))
    size = 20 + 300 * portfolio["revenue"] / portfolio["revenue"].max() if "revenue" in portfolio else 40
    for cell, colour in colours.items():
        part = portfolio["cell"].astype(str) == cell
        ax.scatter(portfolio.loc[part, "strength"], portfolio.loc[part, "attractiveness"],
                   s=size[part] if not np.isscalar(size) else size, c=colour, alpha=0.6, label=cell, edgecolor="white")
    ax.axvline(portfolio["strength"].median(), color="0.5", ls="--", lw=0.8)
    ax.axhline(portfolio["attractiveness"].median(), color="0.5", ls="--", lw=0.8)
    if "revenue" in portfolio and label:
        for _, row in portfolio.nlargest(label, "revenue").iterrows():
            ax.annotate(str(row["account_id"]), (row["strength"], row["attractiveness"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("relationship strength (scaled score)")
    ax.set_ylabel("account attractiveness (scaled score)")
    ax.set_title("Account portfolio")
    ax.legend(title="cell", loc="lower right")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_concentration_curve(revenue: pd.Series | np.ndarray, *, title: str = "Revenue concentration") -> Figure:
    """Cumulative share of revenue against the share of accounts, largest first (a Pareto curve).

    The diagonal is a portfolio of equal accounts; the further the curve bows above it, the more
    the firm depends on few accounts (see :func:`crmlab.strategy.portfolio.concentration`).
    """
    v = np.sort(np.asarray(revenue, dtype=float))[::-1]
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    share = np.linspace(0, 1, len(cum))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot(share, cum, lw=2, label="accounts, largest first")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=0.8, label="equal accounts")
    for q in (0.1, 0.2):
        k = int(np.ceil(q * len(v)))
        ax.annotate(f"top {q:.0%}: {cum[k]:.0%} of revenue", (share[k], cum[k]), xytext=(10, -15),
                    textcoords="offset points", fontsize=8)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel("share of accounts")
    ax.set_ylabel("cumulative share of revenue")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_gam_deviations(deviations: pd.DataFrame) -> Figure:
    """Where coordination of global accounts is missing: account × unit, coloured by the terms out of line.

    Takes the deviations of :func:`crmlab.strategy.key_accounts.gam_consistency`.
    """
    fig, ax = plt.subplots(figsize=(7, max(3.0, 1.2 + 0.3 * deviations["account_id"].nunique())))
    if deviations.empty:
        ax.text(0.5, 0.5, "every unit in line", ha="center", va="center")
        ax.set_axis_off()
    else:
        table = deviations.groupby(["account_id", "unit"])["term"].agg(lambda t: ", ".join(sorted(t))).unstack()
        counts = deviations.pivot_table(index="account_id", columns="unit", values="term", aggfunc="count").reindex_like(table)
        sns.heatmap(counts.fillna(0), annot=table.fillna(""), fmt="", cmap="Reds", vmin=0, vmax=3, cbar=False,
                    linewidths=0.5, linecolor="0.9", ax=ax, annot_kws={"size": 7})
        ax.set_xlabel("serving unit")
        ax.set_ylabel("global account")
        ax.tick_params(axis="y", rotation=0)
    ax.set_title("Terms out of line with the other units")
    fig.tight_layout()
    plt.close(fig)
    return fig
