"""Figures of relationship development (Dwyer, Schurr & Oh 1987): phases and their transitions.

Each takes a frame of :mod:`crmlab.theories.lifecycle` and draws it as it is.
"""

from __future__ import annotations

import pandas as pd

from crmlab.display.lifecycle import period_name
from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_phase_shares",
    "plot_transition_heatmap",
]

#: One colour per phase, the same on every page whichever phases the data hold.
PHASE_COLORS = {"awareness": "C7", "exploration": "C0", "expansion": "C1", "commitment": "C2", "dissolution": "C3"}


def plot_phase_shares(counts: pd.DataFrame, *, title: str = "Customers by relationship phase (Dwyer, Schurr & Oh 1987)") -> Figure:
    """Stacked area of the customers in each relationship phase per calendar period.

    Takes :func:`crmlab.theories.lifecycle.phase_counts` (columns ``period``,
    ``phase`` and ``customers``), phases stacked in the order given there;
    a phase with no customer in any period is left out of the drawing and
    of the legend.
    """
    table = counts.pivot(index="period", columns="phase", values="customers")
    order = [p for p in pd.unique(counts["phase"]) if table[p].sum() > 0]
    table = table[order]
    labels = [str(p) for p in table.index]
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.stackplot(range(len(table)), table.T.to_numpy(), labels=order, alpha=0.85,
                 colors=[PHASE_COLORS.get(str(p), f"C{k + 4}") for k, p in enumerate(order)])
    step = max(1, len(table) // 12)
    ax.set_xticks(range(0, len(table), step), labels[::step], rotation=45, ha="right")
    ax.set_xlabel(f"Calendar {period_name(counts['period'])}")
    ax.set_ylabel("Customers")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Phase")
    return finish(fig)


def plot_transition_heatmap(matrix: pd.DataFrame, *, title: str = "Phase transitions, period to period",
                            period: str = "period") -> Figure:
    """Heat map of transition probabilities (rows: phase in one period, columns: phase in the next), annotated.

    Takes the ``"probability"`` block of
    :func:`crmlab.theories.lifecycle.phase_transition_matrix` (use
    ``observed_only=True`` to leave out phases no customer is in) or any frame
    of probabilities; ``period`` names the period ("month") in the axis labels.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(8.5, 6))
    sns.heatmap(matrix.astype(float), annot=True, fmt=".2f", vmin=0, vmax=1, cmap="Blues", ax=ax, square=False,
                cbar_kws={"label": "Probability of the move (share of customers)"})
    ax.set_xlabel(f"Phase in the next {period}")
    ax.set_ylabel(f"Phase in one {period}")
    ax.tick_params(axis="y", labelrotation=0)
    ax.tick_params(axis="x", labelrotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    ax.set_title(title)
    return finish(fig)
