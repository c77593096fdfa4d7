"""Figures of value and loyalty strategy: value gaps, the six markets, the satisfaction chain,
loyalty budgets and retention strategies.

Each takes a frame of :mod:`crmlab.strategy` or :mod:`crmlab.theories.stakeholders`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, full_ticks, plt, with_unit, words

__all__ = [
    "plot_budget_allocation",
    "plot_mediation",
    "plot_response_curves",
    "plot_retention_strategies",
    "plot_six_markets",
    "plot_value_gaps",
]


def plot_value_gaps(table: pd.DataFrame, *, value: str = "value_gap", title: str = "Perceived − expected value per touchpoint",
                    ylabel: str | None = None) -> Figure:
    """Horizontal bars of the gap perceived − expected per row (touchpoint or attribute), with its interval.

    Takes :func:`crmlab.strategy.touchpoint_value_gaps` (``value_gap``, ``ci_low``, ``ci_high``) or
    :func:`crmlab.strategy.disconfirmation_summary` with ``value="mean_gap"``. Red bars fall short
    of expectations, blue ones exceed them; ``ylabel`` names the rows ("touchpoint", "attribute").
    """
    data = table.sort_values(value)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(data) + 1.5))
    colors = np.where(data[value] < 0, "C3", "C0")
    y = np.arange(len(data))
    ax.barh(y, data[value], color=colors)
    if {"ci_low", "ci_high"} <= set(data.columns):
        ax.errorbar(data[value], y, xerr=[data[value] - data["ci_low"], data["ci_high"] - data[value]], fmt="none", ecolor="black", capsize=3)
    ax.set_yticks(y, [words(v) for v in data.index])
    ax.axvline(0, color="0.4", lw=0.8)
    ax.set_xlabel("perceived − expected (scale points)")
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.set_title(title)
    return finish(fig)


def plot_six_markets(markets: pd.DataFrame, *, title: str = "The six markets: relationship score (0–100) and emphasis (0–10, ×10)") -> Figure:
    """Spider diagram of the six markets (Christopher, Payne & Ballantyne 1991): the relationship
    score (0–100) of each market and, when present, the current and desired emphasis (0–10, drawn ×10).

    Takes :func:`crmlab.theories.stakeholders.six_markets_map`.
    """
    labels = ["supplier / alliance" if m == "supplier_alliance" else words(m) for m in markets.index]
    angles = np.linspace(0, 2 * np.pi, len(markets), endpoint=False)
    closed = np.append(angles, angles[0])
    fig, ax = plt.subplots(figsize=(7.5, 7.8), subplot_kw={"projection": "polar"})
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
    ax.set_rlabel_position(90)
    ax.set_title(title, pad=28)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=10, frameon=False)
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


def plot_budget_allocation(table: pd.DataFrame, by_action: pd.DataFrame, *, unit: str | None = "$",
                           title: str = "The optimal loyalty budget") -> Figure:
    """Spend per segment, stacked by action (left), and spend against incremental CLV per action with its
    ROI (right, one row per action).

    Takes ``BudgetAllocation.table`` (one row per ``segment`` × ``action`` with its ``spend``) and
    ``BudgetAllocation.by_action()`` (``action``, ``spend``, ``incremental_clv``, ``roi``) of
    :func:`crmlab.strategy.allocate_budget`; ``unit`` is the currency of the axes.
    """
    spend = table.pivot(index="segment", columns="action", values="spend")
    spend = spend.reindex(index=pd.unique(table["segment"]), columns=pd.unique(table["action"])).fillna(0.0)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.25]})
    bottom = np.zeros(len(spend))
    for k, action in enumerate(spend.columns):
        axes[0].bar(spend.index.astype(str), spend[action], bottom=bottom, label=words(action), color=f"C{k}")
        bottom += spend[action].to_numpy()
    axes[0].set_xlabel("segment")
    axes[0].set_ylabel(with_unit("spend", unit))
    full_ticks(axes[0])
    axes[0].set_title("Spend per segment and action")
    axes[0].legend(title="action", fontsize=9)
    data = by_action.iloc[::-1]
    y = np.arange(len(data))
    axes[1].barh(y + 0.2, data["spend"], 0.4, label="spend", color="0.6")
    axes[1].barh(y - 0.2, data["incremental_clv"], 0.4, label="incremental CLV", color="C0")
    for i, (value, roi) in enumerate(zip(data["incremental_clv"], data["roi"], strict=True)):
        text = "not funded" if pd.isna(roi) else f"ROI {100 * roi:,.0f}%"
        axes[1].annotate(text, (value, i - 0.2), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    axes[1].set_yticks(y, [words(a) for a in data["action"]])
    axes[1].set_xlabel(with_unit("amount", unit))
    full_ticks(axes[1], "x")
    axes[1].set_xlim(0, 1.3 * max(float(data[["spend", "incremental_clv"]].to_numpy().max()), 1e-9))
    axes[1].set_title("Spend, incremental CLV and ROI per action")
    # under the panel: inside it, the legend covers the ROI of the lowest action
    axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    fig.suptitle(title)
    return finish(fig)


def plot_response_curves(grid: pd.DataFrame, allocation: pd.DataFrame | None = None, *, unit: str | None = "$",
                         title: str = "Response curves per action (dots: the optimal spends)") -> Figure:
    """The concave response curves, incremental CLV against spend, one panel per action and one line per segment
    (a segment keeps its colour in every panel), with the optimal spend of each marked when ``allocation``
    (``BudgetAllocation.table``: ``segment``, ``action``, ``spend``, ``incremental_clv``) is given.

    Takes :func:`crmlab.strategy.response_curve_grid` (``segment``, ``action``, ``spend``,
    ``incremental_clv``); ``unit`` is the currency of the axes.
    """
    actions = list(pd.unique(grid["action"]))
    segments = list(pd.unique(grid["segment"]))
    colour = {segment: f"C{k % 10}" for k, segment in enumerate(segments)}
    columns = min(3, len(actions))
    rows = int(np.ceil(len(actions) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(12, 3.4 * rows + 0.8), sharex=True, sharey=True, squeeze=False)
    for ax, action in zip(axes.flat, actions):
        for segment, curve in grid[grid["action"] == action].groupby("segment", sort=False):
            ax.plot(curve["spend"], curve["incremental_clv"], color=colour[segment], lw=1.6, label=str(segment))
            if allocation is not None:
                row = allocation[(allocation["segment"] == segment) & (allocation["action"] == action)]
                if len(row):
                    ax.plot(row["spend"], row["incremental_clv"], "o", color=colour[segment], ms=7)
        ax.set_title(words(action).capitalize())
        full_ticks(ax, "x")
        full_ticks(ax, "y")
    for ax in axes[-1]:
        ax.set_xlabel(with_unit("spend", unit))
    for ax in axes[:, 0]:
        ax.set_ylabel(with_unit("incremental CLV", unit))
    handles = [plt.Line2D([], [], color=colour[s], lw=2, label=str(s)) for s in segments]
    for ax in axes.flat[len(actions):]:
        ax.set_axis_off()
    spare = axes.flat[len(actions)] if len(actions) < axes.size else None  # an empty panel holds the legend
    (spare or axes.flat[len(actions) - 1]).legend(handles=handles, title="segment", fontsize=10,
                                                  loc="center" if spare is not None else "best")
    fig.suptitle(title)
    return finish(fig)


def plot_retention_strategies(simulation: pd.DataFrame, *, unit: str | None = "$",
                              title: str = "Proactive against reactive retention (mean ± 1 s.d. over the simulations)") -> Figure:
    """Proactive against reactive retention: customers saved and net value (mean ± 1 s.d. over the
    simulations) per strategy. Takes :func:`crmlab.strategy.simulate_retention_strategies`; ``unit`` is
    the currency of the net value."""
    data = simulation.set_index("strategy")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    axes[0].bar(data.index, data["saved"], yerr=data["saved_sd"], color=["0.6", "C0", "C1"][: len(data)], capsize=4)
    axes[0].set_ylabel("customers saved per period")
    axes[0].set_title("Customers saved")
    axes[1].bar(data.index, data["net_value"], yerr=data["net_value_sd"], color=["0.6", "C0", "C1"][: len(data)], capsize=4)
    axes[1].axhline(0, color="0.4", lw=0.8)
    axes[1].set_ylabel(with_unit("CLV saved − cost per period", unit))
    full_ticks(axes[1])
    axes[1].set_title("Net value")
    for ax in axes:
        ax.set_xlabel("strategy")
    fig.suptitle(title)
    return finish(fig)
