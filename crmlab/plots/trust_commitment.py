"""Figures of trust and commitment (Morgan & Hunt 1994): the path model, and its estimates against the truth.

Each takes a frame of :mod:`crmlab.theories.trust_commitment` (or of
:func:`crmlab.display.trust_commitment.sem_path_frame`) and draws it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from crmlab.plots._style import Figure, finish, plt

__all__ = [
    "plot_path_diagram",
    "plot_path_recovery",
]

#: Where along an edge (share of the way from its start) its label may go.
_LABEL_POSITIONS = np.round(np.linspace(0.14, 0.86, 37), 3)

#: Clear space (points) kept around each path label: the white boxes of two labels (1.5-point pad) stand at least
#: 2 × 8 − 3 = 13 points apart, about 18 pixels at 100 dpi.
_LABEL_MARGIN_PT = 8.0


def _layers(graph) -> list[list[str]]:  # noqa: ANN001 - a networkx DiGraph
    """Constructs per column: by the longest path from the exogenous constructs."""
    import networkx as nx

    depth = {n: 0 for n in graph.nodes}
    for node in nx.topological_sort(graph):
        for succ in graph.successors(node):
            depth[succ] = max(depth[succ], depth[node] + 1)
    return [sorted(n for n, d in depth.items() if d == k) for k in range(max(depth.values()) + 1)]


def _border_point(box: Bbox, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Where the segment from ``inside`` (the box's centre) towards ``outside`` leaves the box (display units)."""
    direction = outside - inside
    scales = []
    for k, (low, high) in enumerate(((box.x0, box.x1), (box.y0, box.y1))):
        if direction[k] > 0:
            scales.append((high - inside[k]) / direction[k])
        elif direction[k] < 0:
            scales.append((low - inside[k]) / direction[k])
    return inside + min(min(scales), 1.0) * direction


def _crosses(box: Bbox, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether the segment from ``start`` to ``end`` passes through ``box`` (display units, sampled finely)."""
    points = start + np.linspace(0, 1, 80)[:, None] * (end - start)
    return bool(np.any((points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)))


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def plot_path_diagram(
    table: pd.DataFrame, *, layers: list[list[str]] | None = None, title: str = "Path model (standardised coefficients)",
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Path diagram: constructs as boxes in causal layers, arrows labelled with standardised paths.

    Takes the path table of :class:`crmlab.theories.trust_commitment.PathModel`
    (columns ``predictor``, ``outcome``, ``std_estimate``, ``p``). Arrows are
    solid when p < 0.05 and dashed otherwise, blue for positive and red for
    negative paths, thicker the larger the path. ``layers`` lists the
    constructs per column, left to right (default: by longest path from the
    exogenous constructs). ``labels`` gives the words in a construct's box
    (default: its name with spaces for underscores), so the diagram can name
    constructs as the report's tables do. Each path's number sits on its
    arrow where it covers no other number and no box and, where it can, no
    other arrow (positions tried from the end of the arrow whose box has fewer
    arrows, where arrows are apart), with clear space around it
    (:data:`_LABEL_MARGIN_PT`), so no two numbers crowd each other and each
    reads as its own arrow's. An optional ``label`` column replaces an
    arrow's number by its text (e.g. the path with its interval).

    >>> paths = pd.DataFrame({"predictor": ["a", "b"], "outcome": ["b", "c"], "std_estimate": [0.4, -0.2], "p": [0.01, 0.3]})
    >>> sorted(t.get_text() for t in plot_path_diagram(paths).axes[0].texts if t.get_gid() == "path-label")
    ['+0.40', '-0.20']
    """
    import networkx as nx

    graph = nx.DiGraph()
    for row in table.itertuples():
        graph.add_edge(row.predictor, row.outcome, weight=row.std_estimate, p=row.p, text=getattr(row, "label", None))
    layers = _layers(graph) if layers is None else layers
    tallest = max(len(layer) for layer in layers)
    height = 1.3 * max(tallest, 2)
    pos = {}
    for x, layer in enumerate(layers):
        for y, node in enumerate(layer):
            pos[node] = (x * 3.0, height / 2 - (y + 0.5) * height / len(layer))
    fig, ax = plt.subplots(figsize=(max(9.0, 3.6 * len(layers) + 1.2), max(5.0, 0.95 * tallest + 2.2)))
    ax.set_xlim(-1.0, 3.0 * (len(layers) - 1) + 1.0)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.axis("off")
    ax.set_title(title)
    boxes = {}
    for node, (x, y) in pos.items():
        words = (labels or {}).get(node, str(node).replace("_", " "))
        lines = textwrap.fill(words, 14, break_on_hyphens=False, break_long_words=False)  # "decision-making" whole
        boxes[node] = ax.text(x, y, lines, ha="center", va="center", fontsize=10.5, zorder=3,
                              bbox={"boxstyle": "round,pad=0.45", "fc": "white", "ec": "0.3"})
    ax.legend(handles=[Line2D([], [], color="C0", label="positive path"), Line2D([], [], color="C3", label="negative path"),
                       Line2D([], [], color="0.3", label="p < 0.05"),
                       Line2D([], [], color="0.3", ls="--", label="not significant")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False)
    fig.tight_layout()  # the layout first: the labels are placed on the final scale
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else fig._get_renderer()
    extents = {node: text.get_window_extent(renderer).padded(8) for node, text in boxes.items()}
    to_data = ax.transData.inverted()
    segments = {}
    for u, v, data in graph.edges(data=True):
        start_c, end_c = np.asarray(ax.transData.transform(pos[u])), np.asarray(ax.transData.transform(pos[v]))
        start = _border_point(extents[u], start_c, end_c)
        end = _border_point(extents[v], end_c, start_c)
        segments[(u, v)] = (start, end)
        ax.annotate("", xy=to_data.transform(end), xytext=to_data.transform(start), zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "C0" if data["weight"] >= 0 else "C3",
                                "linestyle": "-" if data["p"] < 0.05 else "--", "mutation_scale": 14,
                                "linewidth": 1 + 3 * abs(data["weight"]), "shrinkA": 0, "shrinkB": 0})
    taken = list(extents.values())
    margin = renderer.points_to_pixels(_LABEL_MARGIN_PT)
    # longest edges last: they have the most room to move their label along
    order = sorted(graph.edges(data=True), key=lambda e: float(np.hypot(*(segments[e[:2]][1] - segments[e[:2]][0]))))
    for u, v, data in order:
        start, end = segments[(u, v)]
        label = ax.text(0, 0, data["text"] or f"{data['weight']:+.2f}", ha="center", va="center", fontsize=10, zorder=4,
                        color="#1f4e79" if data["weight"] >= 0 else "#a11d1d",
                        gid="path-label", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9})
        # arrows crowd where they meet: start near the end of the arrow whose box has fewer arrows
        crowd_start, crowd_end = graph.out_degree(u) + graph.in_degree(u), graph.in_degree(v) + graph.out_degree(v)
        preferred = 0.5 if crowd_start == crowd_end else (0.8 if crowd_start > crowd_end else 0.2)
        best = None
        for share in sorted(_LABEL_POSITIONS, key=lambda t: (abs(t - preferred), t)):
            label.set_position(to_data.transform(start + share * (end - start)))
            box = label.get_window_extent(renderer).padded(margin)
            # a label must cover no box and no other label, and should sit on its own arrow only
            covered = sum(_overlap(box, other) for other in taken)
            crossing = sum(_crosses(box, *segment) for edge, segment in segments.items() if edge != (u, v))
            score = (covered, crossing)
            if best is None or score < best[0]:
                best = (score, share, box)
            if score == (0, 0):
                break
        label.set_position(to_data.transform(start + best[1] * (end - start)))
        taken.append(best[2])
    return finish(fig)


def plot_path_recovery(paths: pd.DataFrame, *, title: str = "Estimated against true standardised paths") -> Figure:
    """Each path's estimate against its planted true value, for every estimator in the frame; on the diagonal a
    path is recovered exactly, between the diagonal and zero it is attenuated.

    Takes :func:`crmlab.display.trust_commitment.sem_path_frame` (columns
    ``true_path`` and ``ols``, ``pls`` when PLS ran, and ``sem`` when the latent SEM ran).

    >>> frame = pd.DataFrame({"true_path": [0.25, -0.5], "ols": [0.2, -0.4], "sem": [0.24, -0.48]})
    >>> [t.get_text() for t in plot_path_recovery(frame).axes[0].get_legend().get_texts()]
    ['OLS on scale scores', 'latent SEM', 'estimate = truth']
    """
    fig, ax = plt.subplots(figsize=(7.5, 6.0))
    estimators = [(c, name, marker) for c, name, marker in (("ols", "OLS on scale scores", "o"), ("pls", "PLS", "^"),
                                                              ("sem", "latent SEM", "s"))
                  if c in paths.columns and paths[c].notna().any()]
    for k, (column, name, marker) in enumerate(estimators):
        ax.scatter(paths["true_path"], paths[column], label=name, marker=marker, color=f"C{k}", alpha=0.85, zorder=3)
    values = paths[["true_path"] + [c for c, _, _ in estimators]].to_numpy(dtype=float)
    limit = 1.1 * float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    ax.plot([-limit, limit], [-limit, limit], color="0.5", ls="--", lw=1, label="estimate = truth", zorder=1)
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xlabel("true path (standardised β)")
    ax.set_ylabel("estimated path (standardised β)")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return finish(fig)
