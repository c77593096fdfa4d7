"""Figures of the Nordic School's triplet: interaction, dialogue and value.

Each takes a frame of :mod:`crmlab.theories.nordic` (or of
:mod:`crmlab.display.nordic`) and draws it. The indices are means of
z-standardised sub-indicators, so their unit is a standard deviation (SD).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_quality_recovery",
    "plot_score_distributions",
    "plot_triplet_profiles",
]

_INDEX_UNIT = "SDs from the mean"


def plot_score_distributions(profile: pd.DataFrame, columns: tuple[str, ...] = ("interaction", "dialogue", "value", "triplet")) -> Figure:
    """Distributions (violins with quartiles) of the standardised indices over customer-periods.

    Takes :func:`crmlab.theories.nordic.triplet_profile`.

    >>> profile = pd.DataFrame({"interaction": [-1.0, 0.0, 1.0], "dialogue": [0.5, 0.0, -0.5], "value": [0.1, 0.2, 0.3],
    ...                         "triplet": [0.0, 0.1, 0.2]})
    >>> plot_score_distributions(profile).axes[0].get_ylabel()
    'standardised score (SDs from the mean)'
    """
    sns = seaborn()
    long = profile[list(columns)].melt(var_name="score", value_name="standardised").dropna()
    long["score"] = long["score"].str.capitalize()
    fig, ax = plt.subplots(figsize=(9, 5))
    sns.violinplot(long, x="score", y="standardised", ax=ax, inner="quartile", cut=0, color="C0")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("index (over customer-periods)")
    ax.set_ylabel(f"standardised score ({_INDEX_UNIT})")
    ax.set_title("Interaction, dialogue and value scores")
    return finish(fig)


def plot_triplet_profiles(profiles: pd.DataFrame) -> Figure:
    """Mean interaction, dialogue and value index per segment (grouped bars), and the triplet index beside them.

    Takes a frame indexed by segment with columns ``interaction``, ``dialogue``, ``value`` and, when present,
    ``triplet`` (e.g. :func:`crmlab.display.nordic.segment_profiles` indexed by ``segment``): the figure draws
    every index its table shows, the triplet (the weighted combination of the three) as a hatched grey bar.

    >>> segments = pd.DataFrame({"interaction": [-0.6, 0.2], "dialogue": [-1.0, 0.2], "value": [-0.4, 0.1],
    ...                          "triplet": [-0.68, 0.17]}, index=pd.Index(["low", "high"], name="segment"))
    >>> ax = plot_triplet_profiles(segments).axes[0]
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('segment', ['Interaction', 'Dialogue', 'Value', 'Triplet'])
    >>> [round(float(b.get_height()), 2) for b in ax.containers[3]]
    [-0.68, 0.17]
    """
    columns = [c for c in ("interaction", "dialogue", "value", "triplet") if c in profiles.columns]
    data = profiles[columns]
    fig, ax = plt.subplots(figsize=(9, 5))
    x = np.arange(len(data))
    width = 0.8 / len(columns)
    for k, column in enumerate(columns):
        style = {"color": "0.45", "hatch": "//", "edgecolor": "white"} if column == "triplet" else {}
        ax.bar(x + (k - (len(columns) - 1) / 2) * width, data[column], width, label=column.capitalize(), **style)
    ax.set_xticks(x, data.index.astype(str))
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel(str(data.index.name) if data.index.name else "segment")
    ax.set_ylabel(f"mean index ({_INDEX_UNIT})")
    ax.set_title("Triplet profile by segment")
    ax.legend()
    return finish(fig)


def plot_quality_recovery(customers: pd.DataFrame, column: str = "triplet") -> Figure:
    """Each customer's mean ``column`` index against their planted latent relationship quality (a synthetic world).

    Takes :func:`crmlab.display.nordic.customer_profiles` with ``quality``.

    >>> customers = pd.DataFrame({"quality": [-1.0, 0.0, 1.0], "triplet": [-0.5, 0.1, 0.4]})
    >>> ax = plot_quality_recovery(customers).axes[0]
    >>> ax.collections[0].get_offsets().tolist()
    [[-1.0, -0.5], [0.0, 0.1], [1.0, 0.4]]
    """
    data = customers[["quality", column]].dropna()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.scatter(data["quality"], data[column], s=12, alpha=0.5, color="C0")
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("planted latent relationship quality (SDs from the mean)")
    ax.set_ylabel(f"mean {column} index per customer ({_INDEX_UNIT})")
    ax.set_title(f"{column.capitalize()} score against the planted relationship quality")
    return finish(fig)
