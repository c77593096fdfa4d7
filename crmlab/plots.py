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
    "plot_budget_allocation",
    "plot_mediation",
    "plot_response_curves",
    "plot_retention_strategies",
    "plot_six_markets",
    "plot_value_gaps",
    "plot_bass_fit",
    "plot_control_chart",
    "plot_guanxi_network",
    "plot_odds_ratios",
    "plot_reciprocity_by_tie",
    "plot_referral_generations",
    "plot_value_quadrants",
    "plot_brokerage_roles",
    "plot_connected_impact",
    "plot_network_layers",
    "plot_position_map",
    "plot_relationship_history",
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
        ax.plot(share[k], cum[k], "o", color="C1", ms=5)
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


# ----- IMP networks ---------------------------------------------------------------------------


def plot_network_layers(
    graph: object,
    *,
    color_by: str = "type",
    highlight: list | None = None,
    labels: dict | None = None,
    rng: int = 0,
    title: str = "The business network by ARA layer (Håkansson & Snehota 1995)",
) -> Figure:
    """The ARA network drawn once per layer — actor bonds, resource ties, activity links — on one layout.

    Takes the multigraph of :func:`crmlab.theories.imp.build_network`. Actors
    are placed by a seeded spring layout of the bond layer (the same positions
    in every panel), coloured by the node attribute ``color_by``; bond widths
    follow relationship strength; activity links are arrows upstream →
    downstream. ``highlight`` actors (e.g. brokers) get a black ring and a
    label; ``labels`` maps actors to extra text (e.g. their role).
    """
    import networkx as nx

    from crmlab.theories.imp import LAYERS, layer_graph

    bonds = layer_graph(graph, "bond")
    pos = nx.spring_layout(bonds, weight="weight", seed=int(rng), k=1.5 / np.sqrt(max(len(bonds), 1)))
    kinds = sorted({str(d.get(color_by)) for _, d in graph.nodes(data=True)})
    palette = dict(zip(kinds, sns.color_palette("tab10", len(kinds))))
    colors = [palette[str(d.get(color_by))] for _, d in graph.nodes(data=True)]
    ring = set(highlight or [])
    fig, axes = plt.subplots(1, len(LAYERS), figsize=(6 * len(LAYERS), 6))
    for ax, layer in zip(axes, LAYERS):
        simple = layer_graph(graph, layer, directed=(layer == "activity"))
        widths = [0.5 + 3 * d["weight"] / max(1.0, max((e["weight"] for *_, e in simple.edges(data=True)), default=1.0))
                  for *_, d in simple.edges(data=True)] if layer == "bond" else 1.0
        arrows = {"arrows": True, "arrowsize": 8, "node_size": 60} if layer == "activity" else {"arrows": False}
        nx.draw_networkx_edges(simple, pos, ax=ax, width=widths, alpha=0.5, edge_color="0.4", **arrows)
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=60,
                               edgecolors=["black" if v in ring else "none" for v in graph.nodes], linewidths=1.8)
        names = {v: (f"{v}\n{labels[v]}" if labels and v in labels else str(v)) for v in ring if v in pos}
        above = {v: (x, y + 0.07) for v, (x, y) in pos.items() if v in names}
        nx.draw_networkx_labels(graph.subgraph(names), above, labels=names, ax=ax, font_size=7)
        ax.set_title(f"{layer} layer ({simple.number_of_edges()} ties)")
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=palette[k], label=k) for k in kinds]
    axes[-1].legend(handles=handles, title=color_by, loc="lower right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_position_map(position: pd.DataFrame, *, x: str = "betweenness", y: str = "constraint",
                      highlight: list | None = None, title: str = "Network position: brokerage against constraint") -> Figure:
    """Scatter of two position measures per actor (default: betweenness against Burt's constraint).

    Takes :func:`crmlab.theories.imp.position_table` (or any frame indexed by
    actor); ``highlight`` actors are drawn in red and labelled.
    """
    ring = [v for v in (highlight or []) if v in position.index]
    rest = position.drop(index=ring)
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(rest[x], rest[y], s=25, color="C0", alpha=0.7, label="actors")
    if ring:
        ax.scatter(position.loc[ring, x], position.loc[ring, y], s=60, color="C3", label="highlighted")
        for v in ring:
            ax.annotate(str(v), (position.loc[v, x], position.loc[v, y]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(x.replace("_", " "))
    ax.set_ylabel(y.replace("_", " "))
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_brokerage_roles(roles: pd.DataFrame, *, top: int = 12) -> Figure:
    """Stacked bars of Gould & Fernandez's brokerage roles for the actors who broker most.

    Takes :func:`crmlab.theories.imp.brokerage_roles` (role columns and ``total``).
    """
    from crmlab.theories.imp import BROKERAGE_ROLES

    data = roles.sort_values("total", ascending=False).head(int(top))[list(BROKERAGE_ROLES)].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(data) + 1.5))
    left = np.zeros(len(data))
    for role in BROKERAGE_ROLES:
        ax.barh(data.index.astype(str), data[role], left=left, label=role)
        left += data[role].to_numpy()
    ax.set_xlabel("brokered two-step paths")
    ax.set_title("Brokerage roles (Gould & Fernandez 1989)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_relationship_history(history: pd.DataFrame, *, value: str = "strength",
                              title: str = "Relationship history of key dyads") -> Figure:
    """One line per dyad of a relationship measure over periods.

    Takes :func:`crmlab.theories.imp.strength_over_time` (columns ``actor_a``,
    ``actor_b``, ``period`` and ``value``).
    """
    fig, ax = plt.subplots(figsize=(9, 4.5))
    periods = sorted(history["period"].astype(str).unique())
    where = {p: k for k, p in enumerate(periods)}
    for (a, b), part in history.groupby(["actor_a", "actor_b"], sort=True):
        ax.plot([where[p] for p in part["period"].astype(str)], part[value], marker="o", ms=3, label=f"{a} – {b}")
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45)
    ax.set_ylabel(value.replace("_", " "))
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_connected_impact(affected: pd.DataFrame, *, measure: str = "betweenness_change", top: int = 15,
                          title: str | None = None) -> Figure:
    """Bars of the change in one position measure for the most affected actors, coloured by distance.

    Takes ``affected_actors`` of a connected-relationship scenario
    (:func:`crmlab.theories.imp.relationship_change_impact`,
    :func:`crmlab.theories.imp.supplier_switch`).
    """
    data = affected.reindex(affected[measure].abs().sort_values(ascending=False).index).head(int(top)).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(data) + 1.5))
    distance = data["distance"].fillna(-1).astype(int)
    palette = dict(zip(sorted(distance.unique()), sns.color_palette("viridis", distance.nunique())))
    ax.barh(data.index.astype(str), data[measure], color=[palette[d] for d in distance])
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, label=f"{d} step{'s' if d != 1 else ''}" if d >= 0 else "unreachable")
               for d, c in palette.items()]
    ax.legend(handles=handles, title="distance to the change", fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel(measure.replace("_", " "))
    ax.set_title(title or "Who is affected by the change (connected relationships)")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_bass_fit(prediction: pd.DataFrame, *, title: str = "Adoptions: external influence and word of mouth") -> Figure:
    """Observed adoptions per period (bars) against the fitted Bass curve, split into external and word of mouth.

    Takes :meth:`crmlab.theories.referral.BassDiffusion.predict` (columns ``period``,
    ``adoptions``, ``external``, ``word_of_mouth``, ``observed``).
    """
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if "observed" in prediction and prediction["observed"].notna().any():
        ax.bar(prediction["period"], prediction["observed"], color="0.82", label="observed")
    ax.stackplot(prediction["period"], prediction["external"], prediction["word_of_mouth"], alpha=0.45,
                 labels=["external (advertising)", "word of mouth"])
    ax.plot(prediction["period"], prediction["adoptions"], color="black", lw=1.5, label="Bass model")
    ax.set_xlabel("period since launch")
    ax.set_ylabel("adoptions")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_referral_generations(feed: pd.DataFrame) -> Figure:
    """Customers acquired in each referral generation (bars) with the cumulative share (line).

    Takes :func:`crmlab.theories.referral.referral_feed`.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(feed["generation"], feed["customers"], color="tab:green")
    ax.set_xlabel("referral generation (1 = referred by a seed customer)")
    ax.set_ylabel("customers acquired")
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    twin = ax.twinx()
    twin.plot(feed["generation"], feed["cumulative_share"], color="black", marker="o")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share of referred customers")
    ax.set_title("Who feeds the customer base")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_value_quadrants(table: pd.DataFrame) -> Figure:
    """Own lifetime value (CLV) against referral value (CRV) per customer, coloured by segment.

    Takes :func:`crmlab.theories.referral.referral_value_table` (``clv``, ``crv``, ``segment``).
    """
    fig, ax = plt.subplots(figsize=(7, 5))
    sns.scatterplot(table, x="clv", y="crv", hue="segment", ax=ax, s=18, alpha=0.7,
                    hue_order=[s for s in ("champion", "affluent", "advocate", "miser") if s in set(table["segment"])])
    ax.set_xlabel("own customer lifetime value (CLV)")
    ax.set_ylabel("customer referral value (CRV)")
    ax.set_title("Value of the customer: own purchases and referrals")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_control_chart(chart: pd.DataFrame, *, value: str | None = None, flags: pd.Series | None = None,
                       title: str = "Control chart", ylabel: str | None = None) -> Figure:
    """A control chart: the statistic per sample with its center line and control limits, flagged points in red.

    Takes :func:`crmlab.theories.referral.p_chart` (``value="p"``),
    :func:`~crmlab.theories.referral.ewma_chart` (``value="ewma"``) or
    :func:`~crmlab.theories.referral.before_after_p_chart`; ``flags`` (one bool
    per sample, e.g. a run rule's ``any``) marks points, by default those outside the limits.
    """
    value = value or ("p" if "p" in chart else "ewma")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    groups = chart.groupby("phase", sort=False) if "phase" in chart else [(None, chart)]
    for _, part in groups:
        ax.plot(part["sample"], part[value], marker="o", ms=3.5, color="tab:blue", lw=1)
        ax.step(part["sample"], part["ucl"], where="mid", color="tab:red", lw=1)
        ax.step(part["sample"], part["lcl"], where="mid", color="tab:red", lw=1)
        ax.plot(part["sample"], np.broadcast_to(part["center"], len(part)), color="0.3", lw=1, ls="--")
    mark = chart.get("out_of_control", chart.get("signal")) if flags is None else np.asarray(flags, dtype=bool)
    if mark is not None and np.asarray(mark, dtype=bool).any():
        mark = np.asarray(mark, dtype=bool)
        ax.scatter(chart["sample"][mark], chart[value][mark], color="tab:red", zorder=3, s=30, label="flagged")
        ax.legend()
    ax.set_xlabel("sample")
    ax.set_ylabel(ylabel or value)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_guanxi_network(graph, *, seed: int = 1, title: str = "The guanxi network") -> Figure:
    """The guanxi graph (spring layout), ties coloured by type and drawn as wide as their weight.

    Takes :func:`crmlab.theories.guanxi.guanxi_graph`.
    """
    import networkx as nx

    colours = {"family": "tab:red", "clan": "tab:orange", "friendship": "tab:green", "business": "tab:blue"}
    fig, ax = plt.subplots(figsize=(8, 7))
    pos = nx.spring_layout(graph, seed=seed, weight="weight")
    for tie, colour in colours.items():
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d.get("tie_type") == tie]
        widths = [2.5 * graph.edges[e]["weight"] for e in edges]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, width=widths, edge_color=colour, alpha=0.6, ax=ax, label=tie)
    nx.draw_networkx_nodes(graph, pos, node_size=18, node_color="0.25", ax=ax)
    ax.legend(title="tie")
    ax.set_axis_off()
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_reciprocity_by_tie(dyads: pd.DataFrame) -> Figure:
    """Distribution of dyad reciprocity (1 = favours balanced, 0 = one-way) by tie type.

    Takes :func:`crmlab.theories.guanxi.dyad_balances`.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    order = [t for t in ("family", "clan", "friendship", "business") if t in set(dyads["tie_type"])]
    sns.boxplot(dyads, x="tie_type", y="reciprocity", order=order, ax=ax, color="tab:orange")
    ax.set_xlabel("tie type")
    ax.set_ylabel("reciprocity of the pair")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Reciprocity of favours by base of guanxi")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_odds_ratios(table: pd.DataFrame, *, title: str = "Odds ratios with 95% intervals") -> Figure:
    """Odds ratios (points) with 95% intervals (bars) on a log scale, one row per term, the intercept left out.

    Takes a table with ``odds_ratio``, ``ci_low``, ``ci_high`` indexed by term, e.g.
    :func:`crmlab.theories.guanxi.obligation_test`.
    """
    data = table.drop(index=[t for t in table.index if str(t) == "Intercept"])
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(data) + 1.5))
    y = np.arange(len(data))
    ax.errorbar(data["odds_ratio"], y, xerr=[data["odds_ratio"] - data["ci_low"], data["ci_high"] - data["odds_ratio"]],
                fmt="o", color="tab:blue", capsize=3)
    ax.axvline(1, color="0.5", ls="--")
    ax.set_xscale("log")
    ax.set_yticks(y, [str(t) for t in data.index])
    ax.set_xlabel("odds ratio")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


# ----- value and loyalty strategy -------------------------------------------------------------


def plot_value_gaps(table: pd.DataFrame, *, value: str = "value_gap", title: str = "Perceived − expected value per touchpoint") -> Figure:
    """Horizontal bars of the gap perceived − expected per row (touchpoint or attribute), with its interval.

    Takes :func:`crmlab.strategy.touchpoint_value_gaps` (``value_gap``, ``ci_low``, ``ci_high``) or
    :func:`crmlab.strategy.disconfirmation_summary` with ``value="mean_gap"``. Red bars fall short
    of expectations, blue ones exceed them.
    """
    data = table.sort_values(value)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(data) + 1.5))
    colors = np.where(data[value] < 0, "C3", "C0")
    y = np.arange(len(data))
    ax.barh(y, data[value], color=colors)
    if {"ci_low", "ci_high"} <= set(data.columns):
        ax.errorbar(data[value], y, xerr=[data[value] - data["ci_low"], data["ci_high"] - data[value]], fmt="none", ecolor="black", capsize=3)
    ax.set_yticks(y, data.index.astype(str))
    ax.axvline(0, color="0.4", lw=0.8)
    ax.set_xlabel("perceived − expected (scale points)")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_six_markets(markets: pd.DataFrame, *, title: str = "The six markets: relationship score and emphasis") -> Figure:
    """Spider diagram of the six markets (Christopher, Payne & Ballantyne 1991): the relationship
    score (0–100) of each market and, when present, the current and desired emphasis (0–10, drawn ×10).

    Takes :func:`crmlab.theories.stakeholders.six_markets_map`.
    """
    labels = [str(m).replace("_", " / ") if m == "supplier_alliance" else str(m) for m in markets.index]
    angles = np.linspace(0, 2 * np.pi, len(markets), endpoint=False)
    closed = np.append(angles, angles[0])
    fig, ax = plt.subplots(figsize=(6.5, 6.5), subplot_kw={"projection": "polar"})
    series = [("relationship_score", 1.0, "relationship score", "C0", "-")]
    if "current_emphasis" in markets.columns:
        series += [("current_emphasis", 10.0, "current emphasis (×10)", "C1", "--"),
                   ("desired_emphasis", 10.0, "desired emphasis (×10)", "C2", ":")]
    for column, factor, label, color, style in series:
        values = markets[column].to_numpy(dtype=float) * factor
        ax.plot(closed, np.append(values, values[0]), color=color, ls=style, marker="o", label=label)
        if column == "relationship_score":
            ax.fill(closed, np.nan_to_num(np.append(values, values[0])), color=color, alpha=0.15)
    ax.set_xticks(angles, labels)
    ax.set_ylim(0, 100)
    ax.set_title(title, pad=20)
    ax.legend(loc="upper left", bbox_to_anchor=(0.95, 1.12), fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_budget_allocation(table: pd.DataFrame, *, title: str = "Optimal budget split") -> Figure:
    """Spend per segment, stacked by action (left), and incremental CLV against spend per action
    with its ROI (right).

    Takes ``BudgetAllocation.table`` of :func:`crmlab.strategy.allocate_budget` (columns
    ``segment``, ``action``, ``spend``, ``incremental_clv``).
    """
    spend = table.pivot_table(index="segment", columns="action", values="spend", aggfunc="sum", fill_value=0.0, sort=False)
    by_action = table.groupby("action", sort=False)[["spend", "incremental_clv"]].sum()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    bottom = np.zeros(len(spend))
    for k, action in enumerate(spend.columns):
        axes[0].bar(spend.index.astype(str), spend[action], bottom=bottom, label=str(action), color=f"C{k}")
        bottom += spend[action].to_numpy()
    axes[0].set_ylabel("spend")
    axes[0].set_title("Spend per segment and action")
    axes[0].legend(fontsize=8)
    x = np.arange(len(by_action))
    axes[1].bar(x - 0.2, by_action["spend"], 0.4, label="spend", color="0.6")
    axes[1].bar(x + 0.2, by_action["incremental_clv"], 0.4, label="incremental CLV", color="C0")
    for i, (s, v) in enumerate(zip(by_action["spend"], by_action["incremental_clv"], strict=True)):
        if s > 0:
            axes[1].annotate(f"ROI {(v - s) / s:.1f}", (i + 0.2, v), ha="center", va="bottom", fontsize=8)
    axes[1].set_xticks(x, by_action.index.astype(str), rotation=20)
    axes[1].set_title("Incremental CLV and ROI per action")
    axes[1].legend()
    fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_response_curves(curves: pd.DataFrame, allocation: pd.DataFrame | None = None, *, max_spend: float | None = None) -> Figure:
    """The concave response curves, incremental CLV against spend, one line per segment × action,
    with the optimal spend of each marked when ``allocation`` (``BudgetAllocation.table``) is given.

    The curves are drawn with :func:`crmlab.strategy.response`.
    """
    from crmlab.strategy.budget import response

    top = max_spend if max_spend is not None else (
        3 * float(allocation["spend"].max()) if allocation is not None and allocation["spend"].max() > 0 else float(3 / curves["rate"].min()))
    grid = np.linspace(0, top, 200)
    values = np.array([response(curves, np.full(len(curves), g)) for g in grid])  # grid × curves
    fig, ax = plt.subplots(figsize=(8, 5))
    for k, (_, curve) in enumerate(curves.reset_index(drop=True).iterrows()):
        ax.plot(grid, values[:, k], color=f"C{k % 10}", lw=1.2, label=f"{curve['segment']} · {curve['action']}")
        if allocation is not None:
            row = allocation[(allocation["segment"] == curve["segment"]) & (allocation["action"] == curve["action"])]
            if len(row):
                ax.plot(row["spend"], row["incremental_clv"], "o", color=f"C{k % 10}")
    ax.set_xlabel("spend")
    ax.set_ylabel("incremental CLV")
    ax.set_title("Response curves (dots: the optimal spends)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_retention_strategies(simulation: pd.DataFrame) -> Figure:
    """Proactive against reactive retention: customers saved and net value (mean ± 1 s.d. over the
    simulations) per strategy. Takes :func:`crmlab.strategy.simulate_retention_strategies`."""
    data = simulation.set_index("strategy")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    axes[0].bar(data.index, data["saved"], yerr=data["saved_sd"], color=["0.6", "C0", "C1"][: len(data)], capsize=4)
    axes[0].set_ylabel("customers saved per period")
    axes[0].set_title("Customers saved")
    axes[1].bar(data.index, data["net_value"], yerr=data["net_value_sd"], color=["0.6", "C0", "C1"][: len(data)], capsize=4)
    axes[1].axhline(0, color="0.4", lw=0.8)
    axes[1].set_ylabel("CLV saved − cost")
    axes[1].set_title("Net value")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_mediation(table: pd.DataFrame, *, cause: str = "satisfaction", mediator: str = "retention", outcome: str = "profit",
                   indirect: float | None = None, title: str = "Satisfaction → retention → profit") -> Figure:
    """The mediation triangle: cause (left), mediator (top), outcome (right), arrows labelled with
    the standardised paths a, b and c′ and their p-values (solid when p < 0.05), the indirect
    effect a·b in the middle when given.

    Takes the path table of :class:`crmlab.theories.stakeholders.SatisfactionChain` (``table``:
    ``predictor``, ``outcome``, ``std_estimate``, ``p``).
    """
    paths = table.set_index(["predictor", "outcome"])
    pos = {cause: (0.0, 0.0), mediator: (0.5, 0.8), outcome: (1.0, 0.0)}
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name, (x, y) in pos.items():
        ax.text(x, y, name, ha="center", va="center", fontsize=11, bbox={"boxstyle": "round,pad=0.5", "fc": "white", "ec": "0.3"})
    for label, (u, v) in (("a", (cause, mediator)), ("b", (mediator, outcome)), ("c′", (cause, outcome))):
        if (u, v) not in paths.index:
            continue
        row = paths.loc[(u, v)]
        (x0, y0), (x1, y1) = pos[u], pos[v]
        style = "-" if row["p"] < 0.05 else "--"
        color = "C0" if row["std_estimate"] >= 0 else "C3"
        ax.annotate("", xy=(x0 + 0.82 * (x1 - x0), y0 + 0.82 * (y1 - y0)), xytext=(x0 + 0.18 * (x1 - x0), y0 + 0.18 * (y1 - y0)),
                    arrowprops={"arrowstyle": "-|>", "lw": 1 + 3 * abs(row["std_estimate"]), "color": color, "ls": style})
        p_text = "< 0.001" if row["p"] < 0.001 else f"= {row['p']:.3f}"
        ax.text((x0 + x1) / 2 + (0.0 if label == "c′" else (-0.05 if label == "a" else 0.05)), (y0 + y1) / 2 + (-0.08 if label == "c′" else 0.05),
                f"{label} = {row['std_estimate']:+.2f} (p {p_text})", fontsize=9,
                ha="center" if label == "c′" else ("right" if label == "a" else "left"))
    if indirect is not None:
        ax.text(0.5, 0.3, f"indirect a·b = {indirect:+.2f}", ha="center", fontsize=10, color="0.25")
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(-0.25, 1.0)
    ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
