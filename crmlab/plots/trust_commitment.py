"""Figures of trust and commitment (Morgan & Hunt 1994): the path model.

Takes the path table of :mod:`crmlab.theories.trust_commitment`.
"""

from __future__ import annotations

import pandas as pd

from crmlab.plots._style import Figure, finish, plt

__all__ = [
    "plot_path_diagram",
]


def plot_path_diagram(
    table: pd.DataFrame, *, layers: list[list[str]] | None = None, title: str = "Path model (standardised coefficients)"
) -> Figure:
    """Path diagram: constructs as boxes in causal layers, arrows labelled with standardised paths.

    Takes the path table of :class:`crmlab.theories.trust_commitment.PathModel`
    (columns ``predictor``, ``outcome``, ``std_estimate``, ``p``). Arrows are
    solid when p < 0.05 and dashed otherwise, blue for positive and red for
    negative paths. ``layers`` lists the constructs per column, left to right
    (default: by longest path from the exogenous constructs).
    """
    import networkx as nx

    graph = nx.DiGraph()
    for row in table.itertuples():
        graph.add_edge(row.predictor, row.outcome, weight=row.std_estimate, p=row.p)
    if layers is None:
        depth = {n: 0 for n in graph.nodes}
        for node in nx.topological_sort(graph):
            for succ in graph.successors(node):
                depth[succ] = max(depth[succ], depth[node] + 1)
        layers = [sorted(n for n, d in depth.items() if d == k) for k in range(max(depth.values()) + 1)]
    pos = {}
    for x, layer in enumerate(layers):
        for y, node in enumerate(layer):
            pos[node] = (x * 3.0, -(y - (len(layer) - 1) / 2) * 1.2)
    fig, ax = plt.subplots(figsize=(4 * len(layers) + 2, max(4.5, 1.0 * max(len(l) for l in layers) + 1)))
    for u, v, data in graph.edges(data=True):
        color = "C0" if data["weight"] >= 0 else "C3"
        style = "-" if data["p"] < 0.05 else "--"
        nx.draw_networkx_edges(graph, pos, edgelist=[(u, v)], ax=ax, edge_color=color, style=style, arrows=True,
                               arrowsize=14, width=1 + 3 * abs(data["weight"]), node_size=3000,
                               connectionstyle="arc3,rad=0.05")
    labels = {(u, v): f"{d['weight']:+.2f}" for u, v, d in graph.edges(data=True)}
    nx.draw_networkx_edge_labels(graph, pos, edge_labels=labels, ax=ax, font_size=8, label_pos=0.35)
    for node, (x, y) in pos.items():
        ax.text(x, y, node.replace("_", "\n"), ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "0.3"})
    ax.set_title(title)
    ax.axis("off")
    return finish(fig)
