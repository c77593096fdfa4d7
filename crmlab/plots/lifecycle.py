"""Figures of relationship development (Dwyer, Schurr & Oh 1987): phases and their transitions.

Each takes a frame of :mod:`crmlab.theories.lifecycle`.
"""

from __future__ import annotations

import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_phase_shares",
    "plot_transition_heatmap",
]


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
    return finish(fig)


def plot_transition_heatmap(matrix: pd.DataFrame, *, title: str = "Phase transitions, period to period") -> Figure:
    """Heat map of transition probabilities (rows: from, columns: to), annotated.

    Takes the ``"probability"`` block of
    :func:`crmlab.theories.lifecycle.phase_transition_matrix` or any square frame of probabilities.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(6.5, 5))
    sns.heatmap(matrix.astype(float), annot=True, fmt=".2f", vmin=0, vmax=1, cmap="Blues", ax=ax, cbar_kws={"label": "probability"})
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title(title)
    return finish(fig)
