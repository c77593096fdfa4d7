"""Figures of the account portfolio (Fiocca 1982), revenue concentration, and key and global accounts.

Each takes a frame of :mod:`crmlab.strategy.portfolio` or :mod:`crmlab.strategy.key_accounts`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, mticker, plt, seaborn

__all__ = [
    "plot_concentration_curve",
    "plot_gam_deviations",
    "plot_portfolio_matrix",
]


def plot_portfolio_matrix(portfolio: pd.DataFrame, *, label: int = 10) -> Figure:
    """The account portfolio (Fiocca 1982): attractiveness × relationship strength, coloured by cell.

    Takes :func:`crmlab.strategy.portfolio.portfolio_matrix`; point size follows revenue, the
    dashed lines are the median cut-offs, and the ``label`` largest accounts are named.
    """
    colours = {"key": "tab:green", "develop": "tab:blue", "maintain": "tab:orange", "reduce": "tab:gray"}
    fig, ax = plt.subplots(figsize=(7.5, 6))
    size = 20 + 300 * portfolio["revenue"] / portfolio["revenue"].max() if "revenue" in portfolio else 40
    for cell, colour in colours.items():
        part = portfolio["cell"].astype(str) == cell
        ax.scatter(portfolio.loc[part, "strength"], portfolio.loc[part, "attractiveness"],
                   s=size[part] if not np.isscalar(size) else size, c=colour, alpha=0.6, label=cell, edgecolor="white")
    ax.axvline(portfolio["strength"].median(), color="0.5", ls="--", lw=0.8)
    ax.axhline(portfolio["attractiveness"].median(), color="0.5", ls="--", lw=0.8)
    if "revenue" in portfolio and label:
        for _, row in portfolio.nlargest(label, "revenue").iterrows():
            ax.annotate(str(row["account_id"]), (row["strength"], row["attractiveness"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("relationship strength (scaled score)")
    ax.set_ylabel("account attractiveness (scaled score)")
    ax.set_title("Account portfolio")
    ax.legend(title="cell", loc="lower right")
    return finish(fig)


def plot_concentration_curve(revenue: pd.Series | np.ndarray, *, title: str = "Revenue concentration") -> Figure:
    """Cumulative share of revenue against the share of accounts, largest first (a Pareto curve).

    The diagonal is a portfolio of equal accounts; the further the curve bows above it, the more
    the firm depends on few accounts (see :func:`crmlab.strategy.portfolio.concentration`).
    """
    v = np.sort(np.asarray(revenue, dtype=float))[::-1]
    cum = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    share = np.linspace(0, 1, len(cum))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot(share, cum, lw=2, label="accounts, largest first")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=0.8, label="equal accounts")
    for q in (0.1, 0.2):
        k = int(np.ceil(q * len(v)))
        ax.plot(share[k], cum[k], "o", color="C1", ms=5)
        ax.annotate(f"top {q:.0%}: {cum[k]:.0%} of revenue", (share[k], cum[k]), xytext=(10, -15),
                    textcoords="offset points", fontsize=8)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel("share of accounts")
    ax.set_ylabel("cumulative share of revenue")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return finish(fig)


def plot_gam_deviations(deviations: pd.DataFrame) -> Figure:
    """Where coordination of global accounts is missing: account × unit, coloured by the terms out of line.

    Takes the deviations of :func:`crmlab.strategy.key_accounts.gam_consistency`.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(7, max(3.0, 1.2 + 0.3 * deviations["account_id"].nunique())))
    if deviations.empty:
        ax.text(0.5, 0.5, "every unit in line", ha="center", va="center")
        ax.set_axis_off()
    else:
        table = deviations.groupby(["account_id", "unit"])["term"].agg(lambda t: ", ".join(sorted(t))).unstack()
        counts = deviations.pivot_table(index="account_id", columns="unit", values="term", aggfunc="count").reindex_like(table)
        sns.heatmap(counts.fillna(0), annot=table.fillna(""), fmt="", cmap="Reds", vmin=0, vmax=3, cbar=False,
                    linewidths=0.5, linecolor="0.9", ax=ax, annot_kws={"size": 7})
        ax.set_xlabel("serving unit")
        ax.set_ylabel("global account")
        ax.tick_params(axis="y", rotation=0)
    ax.set_title("Terms out of line with the other units")
    return finish(fig)
