"""Figures of guanxi networks: the network by tie type, reciprocity, obligation odds ratios.

Each takes a graph or frame of :mod:`crmlab.theories.guanxi`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_guanxi_network",
    "plot_odds_ratios",
    "plot_reciprocity_by_tie",
]


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
    return finish(fig)


def plot_reciprocity_by_tie(dyads: pd.DataFrame) -> Figure:
    """Distribution of dyad reciprocity (1 = favours balanced, 0 = one-way) by tie type.

    Takes :func:`crmlab.theories.guanxi.dyad_balances`.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(7, 4))
    order = [t for t in ("family", "clan", "friendship", "business") if t in set(dyads["tie_type"])]
    sns.boxplot(dyads, x="tie_type", y="reciprocity", order=order, ax=ax, color="tab:orange")
    ax.set_xlabel("tie type")
    ax.set_ylabel("reciprocity of the pair")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Reciprocity of favours by base of guanxi")
    return finish(fig)


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
    return finish(fig)
