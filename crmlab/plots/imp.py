"""Figures of IMP business networks: the ARA layers, network position, brokerage, connected relationships.

Each takes a graph or frame of :mod:`crmlab.theories.imp`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = [
    "plot_brokerage_roles",
    "plot_connected_impact",
    "plot_network_layers",
    "plot_position_map",
    "plot_relationship_history",
]


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
    sns = seaborn()
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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)


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
    return finish(fig)


def plot_connected_impact(affected: pd.DataFrame, *, measure: str = "betweenness_change", top: int = 15,
                          title: str | None = None) -> Figure:
    """Bars of the change in one position measure for the most affected actors, coloured by distance.

    Takes ``affected_actors`` of a connected-relationship scenario
    (:func:`crmlab.theories.imp.relationship_change_impact`,
    :func:`crmlab.theories.imp.supplier_switch`).
    """
    sns = seaborn()
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
    return finish(fig)
