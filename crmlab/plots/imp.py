"""Figures of IMP business networks: the ARA layers, network position, brokerage, connected relationships.

Each takes a graph or frame of :mod:`crmlab.theories.imp`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

#: Axis labels of the position measures, with what their values are.
AXIS_LABELS = {
    "betweenness": "Betweenness (share of shortest paths through the actor)",
    "constraint": "Burt's constraint (0–1; low = spans structural holes)",
    "effective_size": "Effective size (non-redundant partners)",
    "eigenvector": "Eigenvector centrality (unit norm)",
    "degree": "Partners (count)",
    "weighted_degree": "Weighted degree (sum of strengths)",
    "horizon": "Horizon (actors within k steps)",
    "strength": "Strength (0–1)",
    "betweenness_change": "Change in betweenness (share of shortest paths)",
    "constraint_change": "Change in Burt's constraint",
    "degree_change": "Change in partners (count)",
    "weighted_degree_change": "Change in weighted degree (sum of strengths)",
    "horizon_change": "Change in horizon (actors)",
}

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
    highlight_label: str = "brokers",
    rng: int = 0,
    title: str = "The business network by ARA layer (Håkansson & Snehota 1995)",
) -> Figure:
    """The ARA network drawn once per layer — actor bonds, resource ties, activity links — on one layout.

    Takes the multigraph of :func:`crmlab.theories.imp.build_network`. Actors
    are placed by a seeded spring layout of the bond layer (the same positions
    in every panel), coloured by the node attribute ``color_by``; bond widths
    follow relationship strength; activity links are arrows upstream →
    downstream. ``highlight`` actors (e.g. brokers) get a black ring, and in
    the bond panel (drawn across the page, so the names are legible) a label;
    ``labels`` maps actors to extra text (e.g. their role), and
    ``highlight_label`` says in the legend what the rings mark.
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
    # The bond layer, which places everyone, across the page; the other two layers side by side below it.
    fig = plt.figure(figsize=(12.8, 13))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1])
    axes = [fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]
    for ax, layer in zip(axes, LAYERS):
        simple = layer_graph(graph, layer, directed=(layer == "activity"))
        widths = [0.5 + 3 * d["weight"] / max(1.0, max((e["weight"] for *_, e in simple.edges(data=True)), default=1.0))
                  for *_, d in simple.edges(data=True)] if layer == "bond" else 1.0
        size = 110 if layer == "bond" else 60
        arrows = {"arrows": True, "arrowsize": 10, "node_size": size} if layer == "activity" else {"arrows": False}
        nx.draw_networkx_edges(simple, pos, ax=ax, width=widths, alpha=0.5, edge_color="0.4", **arrows)
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=size,
                               edgecolors=["black" if v in ring else "none" for v in graph.nodes], linewidths=2.0)
        if layer == "bond":  # names where there is room: the ringed actors, with their extra text
            names = {v: (f"{v}\n{labels[v]}" if labels and v in labels else str(v)) for v in ring if v in pos}
            for v, text in names.items():
                x, y = pos[v]
                ax.annotate(text, (x, y), xytext=(0, 9), textcoords="offset points", ha="center", va="bottom",
                            fontsize=11, fontweight="bold",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
        ax.set_title(f"{layer} layer ({simple.number_of_edges()} ties)")
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=palette[k], label=k) for k in kinds]
    if ring:
        handles.append(plt.Line2D([], [], marker="o", ls="", color="white", markeredgecolor="black",
                                  markeredgewidth=2.0, label="ringed: " + highlight_label))
    axes[0].legend(handles=handles, title=color_by.replace("_", " ").capitalize(), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title)
    return finish(fig)


def plot_position_map(position: pd.DataFrame, *, x: str = "betweenness", y: str = "constraint",
                      highlight: list | None = None, highlight_label: str = "highlighted actors", label_top: int = 3,
                      title: str = "Network position: brokerage against constraint") -> Figure:
    """Scatter of two position measures per actor (default: betweenness against Burt's constraint).

    Takes :func:`crmlab.theories.imp.position_table` (or any frame indexed by
    actor); ``highlight`` actors (e.g. planted brokers) are drawn in red,
    labelled, and named ``highlight_label`` in the legend — say there what
    they are. The ``label_top`` actors highest on ``x`` are labelled too,
    drawn in orange and named so in the legend where they are not
    highlighted, so that an actor that out-brokers the highlighted ones is
    not left anonymous.
    """
    ring = [v for v in (highlight or []) if v in position.index]
    top = [v for v in position[x].nlargest(int(label_top)).index if v not in ring] if label_top else []
    rest = position.drop(index=ring + top)
    what = AXIS_LABELS.get(x, x.replace("_", " ")).split(" (")[0].lower()
    fig, ax = plt.subplots(figsize=(9, 6))
    ax.scatter(rest[x], rest[y], s=30, color="C0", alpha=0.7, label="other actors")
    groups = [(ring, "C3", highlight_label),
              (top, "C1", f"{'also ' if ring else ''}among the {int(label_top)} highest on {what}"
                          + (f", not {highlight_label}" if ring else ""))]
    for actors, colour, name in groups:
        if not actors:
            continue
        ax.scatter(position.loc[actors, x], position.loc[actors, y], s=70, color=colour, label=name)
        for v in actors:
            ax.annotate(str(v), (position.loc[v, x], position.loc[v, y]), fontsize=10, xytext=(5, 4),
                        textcoords="offset points")
    ax.set_xlabel(AXIS_LABELS.get(x, x.replace("_", " ")))
    ax.set_ylabel(AXIS_LABELS.get(y, y.replace("_", " ")))
    ax.set_title(title)
    ax.legend()
    return finish(fig)


def plot_brokerage_roles(roles: pd.DataFrame, *, top: int = 12) -> Figure:
    """Stacked bars of Gould & Fernandez's brokerage roles for the actors who broker most.

    Takes :func:`crmlab.theories.imp.brokerage_roles` (role columns and ``total``).
    """
    from crmlab.theories.imp import BROKERAGE_ROLES

    data = roles.sort_values("total", ascending=False).head(int(top))[list(BROKERAGE_ROLES)].iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(data) + 1.8))
    left = np.zeros(len(data))
    for role in BROKERAGE_ROLES:
        ax.barh(data.index.astype(str), data[role], left=left, label=role)
        left += data[role].to_numpy()
    ax.set_xlabel("Brokered two-step paths (count)")
    ax.set_ylabel("Actor")
    ax.set_title(f"Brokerage roles of the {len(data)} actors who broker most (Gould & Fernandez 1989)")
    ax.legend(title="Role", loc="lower right")
    return finish(fig)


def plot_relationship_history(history: pd.DataFrame, *, value: str = "strength",
                              title: str = "Relationship history of key dyads") -> Figure:
    """One line per dyad of a relationship measure over periods.

    Takes :func:`crmlab.theories.imp.strength_over_time` (columns ``actor_a``,
    ``actor_b``, ``period`` and ``value``).
    """
    fig, ax = plt.subplots(figsize=(11, 5))
    periods = sorted(history["period"].astype(str).unique())
    where = {p: k for k, p in enumerate(periods)}
    for (a, b), part in history.groupby(["actor_a", "actor_b"], sort=True):
        ax.plot([where[p] for p in part["period"].astype(str)], part[value], marker="o", ms=4, label=f"{a} – {b}")
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45, ha="right")
    ax.set_xlabel("End of period")
    ax.set_ylabel(AXIS_LABELS.get(value, value.replace("_", " ")))
    ax.set_title(title)
    ax.legend(title="Relationship", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish(fig)


def plot_connected_impact(affected: pd.DataFrame, *, measure: str = "betweenness_change", top: int = 15,
                          title: str | None = None) -> Figure:
    """Bars of the change in one position measure for the most affected actors, coloured by distance.

    Takes ``affected_actors`` of a connected-relationship scenario
    (:func:`crmlab.theories.imp.relationship_change_impact`,
    :func:`crmlab.theories.imp.supplier_switch`). Only the ``top`` actors with
    the largest absolute change are drawn, and the title says so; the legend
    lists every distance at which an actor is affected, in the same colours
    whatever is drawn, and marks the distances none of whose actors is drawn.
    """
    sns = seaborn()
    data = affected.reindex(affected[measure].abs().sort_values(ascending=False).index).head(int(top)).iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.4 * len(data) + 2.2))
    every = affected["distance"].fillna(-1).astype(int)
    palette = dict(zip(sorted(every.unique()), sns.color_palette("viridis", every.nunique())))
    distance = data["distance"].fillna(-1).astype(int)
    ax.barh(data.index.astype(str), data[measure], color=[palette[d] for d in distance])
    drawn = set(distance)

    def name(d: int) -> str:
        text = f"{d} step{'s' if d != 1 else ''}" if d >= 0 else "unreachable"
        return text if d in drawn else f"{text} (none drawn)"

    handles = [plt.Rectangle((0, 0), 1, 1, color=c, label=name(d)) for d, c in palette.items()]
    ax.legend(handles=handles, title="Distance to the change", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.axvline(0, color="0.5", lw=0.8)
    what = AXIS_LABELS.get(measure, measure.replace("_", " ")).split(" (")[0].lower()
    shown = (f"all {len(data)} firms whose position changed" if len(data) == len(affected) else
             f"the {len(data)} of the {len(affected)} firms whose position changed, those with the largest {what}")
    ax.set_xlabel(AXIS_LABELS.get(measure, measure.replace("_", " ")))
    ax.set_ylabel("Actor")
    ax.set_title(f"{title or 'Who is affected by the change (connected relationships)'}\nDrawn: {shown}")
    return finish(fig)
