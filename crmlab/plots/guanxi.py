"""Figures of guanxi networks: the network by circle, reciprocity, obligation odds ratios.

Each takes a frame of :mod:`crmlab.theories.guanxi`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, mticker, plt, seaborn

__all__ = [
    "plot_guanxi_network",
    "plot_odds_ratios",
    "plot_reciprocity_by_tie",
]


def plot_guanxi_network(communities: pd.DataFrame, ties: pd.DataFrame, *, seed: int = 1,
                        title: str = "The guanxi network by circle (communities found by the Louvain method)") -> Figure:
    """The guanxi network drawn as its circles: one disc per community, as large as its people and shaded by how
    dense the ties inside it are, joined by lines as wide as the ties between two communities.

    A network of a hundred people or more drawn tie by tie is a hairball; the circles and the ties
    between them are the structure a reader needs (Fei's concentric circles; closure inside, bridges between).
    Takes :func:`crmlab.theories.guanxi.community_summary` (indexed by community: ``people``,
    ``internal_ties``, ``internal_density``, ``main_tie_type``) and
    :func:`crmlab.theories.guanxi.community_ties` (``community_a``, ``community_b``, ``ties``).
    """
    import networkx as nx

    layout = nx.Graph()
    layout.add_nodes_from(communities.index)
    layout.add_weighted_edges_from(ties[["community_a", "community_b", "ties"]].itertuples(index=False, name=None))
    pos = nx.spring_layout(layout, seed=seed, weight="weight", k=1.6 / np.sqrt(max(len(communities), 1)))
    fig, ax = plt.subplots(figsize=(10, 8))
    widest = max(float(ties["ties"].max()), 1.0) if len(ties) else 1.0
    for a, b, n in ties[["community_a", "community_b", "ties"]].itertuples(index=False, name=None):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], color="0.45", lw=0.5 + 6 * n / widest, alpha=0.55, zorder=1, solid_capstyle="round")
    cmap = plt.get_cmap("Oranges")
    density = communities["internal_density"].astype(float)
    largest = max(float(communities["people"].max()), 1.0)
    xy = np.array([pos[c] for c in communities.index])
    dots = ax.scatter(xy[:, 0], xy[:, 1], s=2200 + 3800 * communities["people"] / largest, c=density, cmap=cmap,
                      vmin=0, vmax=1, edgecolors="0.2", linewidths=1, zorder=2)
    for (x, y), (community, row) in zip(xy, communities.iterrows(), strict=True):
        ax.annotate(f"circle {community}\n{row['people']} people\n{row['internal_ties']} ties inside\nmostly "
                    f"{row['main_tie_type']}", (x, y), ha="center", va="center", fontsize=9, zorder=3)
    bar = fig.colorbar(dots, ax=ax, shrink=0.6, pad=0.02, format=mticker.PercentFormatter(1.0, decimals=0))
    bar.set_label("density of the ties inside the circle (share of its pairs tied)")
    for n in sorted({max(1, round(widest / 4)), max(1, round(widest))}):
        ax.plot([], [], color="0.45", lw=0.5 + 6 * n / widest, alpha=0.55, label=f"{n} ties between two circles")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=9, frameon=False)
    ax.margins(0.2)
    ax.set_axis_off()
    ax.set_title(title)
    return finish(fig)


def plot_reciprocity_by_tie(dyads: pd.DataFrame) -> Figure:
    """Distribution of dyad reciprocity (1 = favours balanced, 0 = one-way) by tie type.

    Takes :func:`crmlab.theories.guanxi.dyad_balances`.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(7, 4))
    order = [t for t in ("family", "clan", "friendship", "business") if t in set(dyads["tie_type"])]
    sns.boxplot(dyads, x="tie_type", y="reciprocity", order=order, ax=ax, color="tab:orange")
    ax.set_xlabel("base of the tie")
    ax.set_ylabel("reciprocity of the pair")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Reciprocity of favours by base of guanxi (1 = balanced, 0 = one-way)")
    return finish(fig)


def plot_odds_ratios(table: pd.DataFrame, *, title: str = "Odds ratios with 95% intervals",
                     labels: Mapping[str, str] | None = None, reference: Mapping[str, str] | None = None,
                     truth: Mapping[str, float] | None = None) -> Figure:
    """Odds ratios (points) with 95% intervals (bars) on a log scale, one row per term in words, the intercept
    left out; the planted odds ratios of a synthetic world as crosses when ``truth`` (term → odds ratio) is given.

    Takes a table with ``odds_ratio``, ``ci_low``, ``ci_high`` indexed by term, e.g.
    :func:`crmlab.theories.guanxi.obligation_test`; terms are written by
    :func:`crmlab.display.labels.term_label` (``labels``, ``reference``). The axis is labelled in
    plain numbers (0.5, 1, 2, 5).
    """
    from crmlab.display.labels import term_label

    data = table.drop(index=[t for t in table.index if str(t) == "Intercept"])
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(data) + 2.2))
    y = np.arange(len(data))
    ax.errorbar(data["odds_ratio"], y, xerr=[data["odds_ratio"] - data["ci_low"], data["ci_high"] - data["odds_ratio"]],
                fmt="o", color="tab:blue", capsize=3, label="estimate (95% interval)")
    known = [(k, float(truth[t])) for k, t in enumerate(data.index) if t in truth] if truth is not None else []
    if known:
        ax.scatter([v for _, v in known], [k for k, _ in known], marker="x", color="black", s=50, zorder=3, label="planted")
    ax.axvline(1, color="0.5", ls="--")
    ax.set_xscale("log")
    low = min(float(data["ci_low"].min()), 1.0, *(v for _, v in known)) / 1.3
    high = max(float(data["ci_high"].max()), 1.0, *(v for _, v in known)) * 1.3
    ax.set_xlim(low, high)
    ticks = [v for v in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50, 100) if low <= v <= high]
    ax.xaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_yticks(y, [term_label(t, labels, reference) for t in data.index])
    ax.set_xlabel("odds ratio (log scale; 1 = no effect)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.6 / (len(data) + 2)), ncol=2, fontsize=9, frameon=False)
    ax.set_title(title)
    return finish(fig)
