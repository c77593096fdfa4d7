"""Figures of the account portfolio (Fiocca 1982), revenue concentration, and key and global accounts.

Each takes frames computed by :mod:`crmlab.strategy.portfolio` or
:mod:`crmlab.strategy.key_accounts` and draws them; the numbers a figure writes
(cut-offs, shares) are those of the frames, so they match the report's tables.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from crmlab.plots._style import Figure, finish, mticker, plt, seaborn

__all__ = [
    "plot_concentration_curve",
    "plot_gam_deviations",
    "plot_portfolio_matrix",
]

#: The colour of each portfolio cell.
CELL_COLOURS = {"key": "tab:green", "develop": "tab:blue", "maintain": "tab:orange", "reduce": "tab:gray"}
#: The area (points²) of every marker in the portfolio legend.
LEGEND_MARKER_AREA = 120.0


def _overlaps(box, boxes) -> bool:
    return any(box.overlaps(other) for other in boxes)


def _place_labels(ax: Axes, points: pd.DataFrame, *, fontsize: float = 9) -> list:
    """Write ``points["text"]`` beside each point (``x``, ``y``) where it overlaps no other label.

    Labels are placed one by one (in the order of the rows): the first of a
    ring of positions around the point, at growing distance, whose box
    overlaps no label placed before and stays inside the axes; a label moved
    away from its point gets a thin leader line. Returns the text artists.

    >>> fig, ax = plt.subplots()
    >>> texts = _place_labels(ax, pd.DataFrame({"x": [0.5, 0.5], "y": [0.5, 0.5], "text": ["A0001", "A0002"]}))
    >>> renderer = fig.canvas.get_renderer()
    >>> bool(texts[0].get_window_extent(renderer).overlaps(texts[1].get_window_extent(renderer)))
    False
    >>> plt.close(fig)
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed, boxes = [], []
    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for row in points.itertuples(index=False):
        text = None
        for distance in (4, 10, 18, 28, 40, 55):
            for dx, dy in directions:
                candidate = ax.annotate(
                    str(row.text), (row.x, row.y), xytext=(dx * distance, dy * distance), textcoords="offset points",
                    fontsize=fontsize, ha="left" if dx > 0 else ("right" if dx < 0 else "center"),
                    va="bottom" if dy > 0 else ("top" if dy < 0 else "center"),
                    arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 0.6} if distance > 10 else None)
                box = candidate.get_window_extent(renderer)
                inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
                if inside and not _overlaps(box, boxes):
                    text = candidate
                    break
                candidate.remove()
            if text is not None:
                break
        if text is None:  # nowhere free: the nearest place, rather than no label
            text = ax.annotate(str(row.text), (row.x, row.y), xytext=(4, 4), textcoords="offset points", fontsize=fontsize)
        boxes.append(text.get_window_extent(renderer))
        placed.append(text)
    return placed


def plot_portfolio_matrix(portfolio: pd.DataFrame, cutoffs: pd.Series, *, label: int = 10) -> Figure:
    """The account portfolio (Fiocca 1982): attractiveness × relationship strength, coloured by cell.

    Takes :func:`crmlab.strategy.portfolio.portfolio_matrix` and the cut-offs
    it classified with, :func:`crmlab.strategy.portfolio.portfolio_cutoffs`
    (drawn as the dashed lines). Point area follows revenue; the legend's
    markers share one size and full colour, so that a cell of small accounts
    is as legible there as one of large accounts. The ``label`` largest
    accounts are named, their labels placed so that none overlaps another.
    """
    fig, ax = plt.subplots(figsize=(10, 7.5))
    has_revenue = "revenue" in portfolio
    size = 20 + 300 * portfolio["revenue"] / portfolio["revenue"].max() if has_revenue else pd.Series(40.0, portfolio.index)
    for cell, colour in CELL_COLOURS.items():
        part = portfolio["cell"].astype(str) == cell
        ax.scatter(portfolio.loc[part, "strength"], portfolio.loc[part, "attractiveness"], s=size[part], c=colour,
                   alpha=0.6, label=f"{cell} ({int(part.sum())} accounts)", edgecolor="white")
    ax.axvline(cutoffs["strength"], color="0.4", ls="--", lw=0.9)
    ax.axhline(cutoffs["attractiveness"], color="0.4", ls="--", lw=0.9)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.08)
    ax.set_xlabel("relationship strength (weighted score of min–max scaled criteria, 0–1)")
    ax.set_ylabel("account attractiveness (weighted score, 0–1)")
    ax.set_title(f"Account portfolio: cut at attractiveness {cutoffs['attractiveness']:.2f} "
                 f"and strength {cutoffs['strength']:.2f} (dashed)")
    legend = ax.legend(title="cell (point area: revenue)", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    for handle in legend.legend_handles:  # the first point's size and alpha would make a cell of small accounts faint
        handle.set_sizes([LEGEND_MARKER_AREA])
        handle.set_alpha(1.0)
    fig.tight_layout()
    if has_revenue and label:
        top = portfolio.nlargest(label, "revenue")
        _place_labels(ax, pd.DataFrame({"x": top["strength"], "y": top["attractiveness"], "text": top["account_id"]}))
    plt.close(fig)
    return fig


def plot_concentration_curve(curve: pd.DataFrame, concentration: pd.Series, *,
                             title: str = "Revenue concentration: share of revenue held by the largest accounts") -> Figure:
    """Cumulative share of revenue against the share of accounts, largest first (a Pareto curve).

    Takes :func:`crmlab.strategy.portfolio.concentration_curve` and
    :func:`crmlab.strategy.portfolio.concentration` of the same revenue; each
    ``top_k_share`` of the latter is marked on the curve with its value, so the
    figure shows the shares of the report's concentration table. The diagonal
    is a portfolio of equal accounts.
    """
    fig, ax = plt.subplots(figsize=(9, 6))
    ax.plot(curve["account_share"], curve["revenue_share"], lw=2, label="accounts, largest first")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=0.8, label="equal accounts")
    n = int(concentration["n"])
    tops = sorted((int(key[len("top_"):-len("_share")]), float(value)) for key, value in concentration.items()
                  if key.startswith("top_") and key.endswith("_share"))
    for k, (top, share) in enumerate(tops):
        x = top / n
        ax.plot(x, share, "o", color="C1", ms=6)
        ax.annotate(f"largest {top:,} ({x:.0%} of accounts): {share:.1%} of revenue", (x, share),
                    xytext=(14, -18 - 16 * k), textcoords="offset points", fontsize=10,
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6})
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"share of accounts, largest first (%, of {n:,})")
    ax.set_ylabel("cumulative share of revenue (%)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return finish(fig)


def plot_gam_deviations(out_of_line: pd.DataFrame) -> Figure:
    """Where coordination of global accounts is missing: account × unit, out of line or not.

    Takes :func:`crmlab.strategy.key_accounts.terms_out_of_line` (``account_id``,
    ``unit``, ``n_terms``, ``terms``). A cell is a yes/no: coloured when the
    unit has any term out of line for the account, the terms named in it;
    pale when it has none (or does not serve the account). A two-colour
    legend says so, rather than a colour bar of counts.
    """
    from crmlab.display import label

    sns = seaborn()
    accounts = out_of_line["account_id"].nunique()
    fig, ax = plt.subplots(figsize=(12, max(3.5, 1.6 + 0.4 * accounts)))  # room for the terms and the legend
    if out_of_line.empty:
        ax.text(0.5, 0.5, "every unit in line with the others", ha="center", va="center", fontsize=12)
        ax.set_axis_off()
    else:
        names = out_of_line.assign(terms=out_of_line["terms"].map(
            lambda t: "\n".join(label(term).lower() for term in t.split(", "))))
        counts = names.pivot(index="account_id", columns="unit", values="n_terms")
        text = names.pivot(index="account_id", columns="unit", values="terms").reindex_like(counts)
        out = (counts.fillna(0) > 0).astype(float)
        colours = plt.get_cmap("Reds")([0.05, 0.55])
        sns.heatmap(out, annot=text.fillna(""), fmt="", cmap=ListedColormap(colours), vmin=0, vmax=1, cbar=False,
                    linewidths=0.5, linecolor="0.9", ax=ax, annot_kws={"size": 9})
        handles = [Patch(facecolor=colours[1], edgecolor="0.6", label="out of line (the terms named)"),
                   Patch(facecolor=colours[0], edgecolor="0.6", label="in line, or unit not serving the account")]
        ax.legend(handles=handles, title="unit's terms for the account", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False)
        ax.set_xlabel("serving unit")
        ax.set_ylabel("global account")
        ax.tick_params(axis="y", rotation=0)
    ax.set_title("Terms out of line with the other units (price, payment days, service level)")
    return finish(fig)
