"""Figures of referrals and word of mouth: Bass diffusion, referral generations and value, control charts.

Each takes a frame of :mod:`crmlab.theories.referral`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, full_ticks, mticker, plt, seaborn

__all__ = [
    "plot_bass_fit",
    "plot_control_chart",
    "plot_referral_generations",
    "plot_value_quadrants",
]


def plot_bass_fit(prediction: pd.DataFrame, *, title: str = "Adoptions: external influence and word of mouth",
                  period: str = "period") -> Figure:
    """Observed adoptions per period (bars) against the fitted Bass curve, split into external and word of mouth.

    Takes :meth:`crmlab.theories.referral.BassDiffusion.predict` (columns ``period``,
    ``adoptions``, ``external``, ``word_of_mouth``, ``observed``); ``period`` names the time unit
    ("month").
    """
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if "observed" in prediction and prediction["observed"].notna().any():
        ax.bar(prediction["period"], prediction["observed"], color="0.82", label="observed")
    ax.stackplot(prediction["period"], prediction["external"], prediction["word_of_mouth"], alpha=0.45,
                 labels=["external (advertising)", "word of mouth"])
    ax.plot(prediction["period"], prediction["adoptions"], color="black", lw=1.5, label="Bass model")
    ax.set_xlabel(f"{period}s since launch")
    ax.set_ylabel("adoptions")
    full_ticks(ax)
    ax.set_title(title)
    ax.legend()
    return finish(fig)


def plot_referral_generations(feed: pd.DataFrame) -> Figure:
    """Customers acquired in each referral generation (bars) with the cumulative share (line).

    Takes :func:`crmlab.theories.referral.referral_feed`.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(feed["generation"], feed["customers"], color="tab:green")
    ax.set_xlabel("referral generation (1 = referred by a seed customer)")
    ax.set_ylabel("customers acquired (bars)")
    full_ticks(ax)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    twin = ax.twinx()
    twin.plot(feed["generation"], feed["cumulative_share"], color="black", marker="o")
    twin.set_ylim(0, 1.05)
    twin.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    twin.set_ylabel("cumulative share of referred customers (line)")
    ax.set_title("Who feeds the customer base")
    return finish(fig)


def plot_value_quadrants(table: pd.DataFrame, *, unit: str | None = None) -> Figure:
    """Own lifetime value (CLV) against referral value (CRV) per customer, coloured by segment.

    Takes :func:`crmlab.theories.referral.referral_value_table` (``clv``, ``crv``, ``segment``);
    ``unit`` is the currency of the axes.
    """
    sns = seaborn()
    fig, ax = plt.subplots(figsize=(7, 5))
    sns.scatterplot(table, x="clv", y="crv", hue="segment", ax=ax, s=18, alpha=0.7,
                    hue_order=[s for s in ("champion", "affluent", "advocate", "miser") if s in set(table["segment"])])
    ax.set_xlabel("own customer lifetime value (CLV" + (f", {unit})" if unit else ")"))
    ax.set_ylabel("customer referral value (CRV" + (f", {unit})" if unit else ")"))
    full_ticks(ax, "x")
    full_ticks(ax, "y")
    ax.set_title("Value of the customer: own purchases and referrals")
    return finish(fig)


def plot_control_chart(chart: pd.DataFrame, *, value: str | None = None, flags: pd.Series | None = None,
                       title: str = "Control chart", ylabel: str | None = None, xlabel: str = "sample",
                       percent: bool = False, flag_label: str = "flagged") -> Figure:
    """A control chart: the statistic per sample with its center line and control limits, flagged points in red.

    Takes :func:`crmlab.theories.referral.p_chart` (``value="p"``),
    :func:`~crmlab.theories.referral.ewma_chart` (``value="ewma"``) or
    :func:`~crmlab.theories.referral.before_after_p_chart`; ``flags`` (one bool
    per sample, e.g. the Western Electric rules' ``any`` computed on this chart's limits) marks
    points, by default those outside the limits, under the legend entry ``flag_label``;
    ``percent`` writes the axis of a share (a p-chart) in per cent.
    """
    value = value or ("p" if "p" in chart else "ewma")
    fig, ax = plt.subplots(figsize=(9, 5))
    groups = chart.groupby("phase", sort=False) if "phase" in chart else [(None, chart)]
    for k, (_, part) in enumerate(groups):
        ax.plot(part["sample"], part[value], marker="o", ms=3.5, color="tab:blue", lw=1, label="value" if k == 0 else None)
        ax.step(part["sample"], part["ucl"], where="mid", color="tab:red", lw=1, label="control limits" if k == 0 else None)
        ax.step(part["sample"], part["lcl"], where="mid", color="tab:red", lw=1)
        ax.plot(part["sample"], np.broadcast_to(part["center"], len(part)), color="0.3", lw=1, ls="--",
                label="centre line" if k == 0 else None)
    mark = chart.get("out_of_control", chart.get("signal")) if flags is None else np.asarray(flags, dtype=bool)
    if mark is not None and np.asarray(mark, dtype=bool).any():
        mark = np.asarray(mark, dtype=bool)
        ax.scatter(chart["sample"][mark], chart[value][mark], color="tab:red", zorder=3, s=30, label=flag_label)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=9, frameon=False)
    if percent:
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or value)
    ax.set_title(title)
    return finish(fig)
