"""Figures of the Nordic School's triplet: interaction, dialogue and value.

Each takes a frame of :mod:`crmlab.theories.nordic`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_score_distributions",
    "plot_triplet_profiles",
]


def plot_score_distributions(profile: pd.DataFrame, columns: tuple[str, ...] = ("interaction", "dialogue", "value", "triplet")) -> Figure:
    """Distributions (violins) of standardised scores over customer-periods.

    Takes :func:`crmlab.theories.nordic.triplet_profile`.
    """
    sns = seaborn()
    long = profile[list(columns)].melt(var_name="score", value_name="standardised").dropna()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    sns.violinplot(long, x="score", y="standardised", ax=ax, inner="quartile", cut=0)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_ylabel("standardised score")
    ax.set_title("Interaction, dialogue and value scores")
    return finish(fig)


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
    return finish(fig)
