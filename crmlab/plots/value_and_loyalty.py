"""Figures of value and loyalty strategy: value gaps, the six markets, the satisfaction chain,
loyalty budgets and retention strategies.

Each takes a frame of :mod:`crmlab.strategy` or :mod:`crmlab.theories.stakeholders`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt

__all__ = [
    "plot_budget_allocation",
    "plot_mediation",
    "plot_response_curves",
    "plot_retention_strategies",
    "plot_six_markets",
    "plot_value_gaps",
]


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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)
