"""Figures of the relationship audit: retention over an activity window, and the phase and P(alive) lenses side by side.

Each takes a frame computed by :mod:`crmlab.audit` or :mod:`crmlab.customers` and draws it.
"""

from __future__ import annotations

import pandas as pd

from crmlab.plots._style import Figure, finish, plt, seaborn

__all__ = ["plot_phase_alive", "plot_windowed_retention"]

#: Reader names of the period aliases.
PERIODS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def plot_windowed_retention(rates: pd.DataFrame, *, window: int, freq: str = "M") -> Figure:
    """The customer retention rate of :func:`crmlab.customers.retention_rate` computed with an activity ``window``.

    The figure of :func:`crmlab.plots.plot_retention_rate`, titled and
    labelled with what it shows: with a window of w periods a customer counts
    as active while they bought in the last w periods, so CRR = (E − N) / S
    sets the customers active at the end of a period who are not new (E − N)
    against those active at its start (S) — not against all customers ever
    acquired. It is net of returning customers: a lapsed customer who buys
    again is in E but not in S, so CRR passes 100% in a period where more
    come back than lapse (ringed by :func:`~crmlab.plots.plot_retention_rate`).
    """
    from crmlab.plots.customer_base import plot_retention_rate

    period = PERIODS.get(freq, freq)
    fig = plot_retention_rate(rates)
    ax = fig.axes[0]
    active = f"a purchase in the last {window} {period}s" if window > 1 else f"a purchase in the {period}"
    ax.set_title(f"Net retention of the active customers per {period} (active: {active}), CRR = (E − N) / S")
    ax.set_ylabel(f"active at the {period}'s end, not new,\nper active at its start (%)")
    ax.set_xlabel(period)
    fig.tight_layout()
    return fig


def plot_phase_alive(crosstab: pd.DataFrame) -> Figure:
    """Customers by relationship phase (rows) × band of P(alive) (columns): where the two lenses agree.

    Takes :func:`crmlab.audit.phase_alive_crosstab`; each cell is annotated
    with its count of customers, the colour is the share of the phase's row.
    """
    sns = seaborn()
    bands = [c for c in crosstab.columns if c not in ("phase", "customers")]
    counts = crosstab.set_index("phase")[bands]
    counts.index = [f"{phase} ({total:,})" for phase, total in zip(counts.index, crosstab["customers"])]
    shares = counts.div(counts.sum(axis=1).where(lambda t: t > 0), axis=0).fillna(0.0)
    fig, ax = plt.subplots(figsize=(10, max(3.5, 1.8 + 0.6 * len(counts))))
    sns.heatmap(shares, annot=counts.map(lambda v: f"{v:,}"), fmt="", cmap="Blues", vmin=0, vmax=1, linewidths=0.5,
                linecolor="white", ax=ax, annot_kws={"size": 11},
                cbar_kws={"label": "share of the phase's customers (%)", "format": "{x:.0%}"})
    ax.set_xticklabels([b.replace("P(alive) ", "") for b in bands], rotation=0)
    ax.set_xlabel("P(alive) by the BG/NBD model (band, %)")
    ax.set_ylabel("phase in the last period (customers)")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title("Two lenses on one base: relationship phase against P(alive), customers per cell")
    return finish(fig)
