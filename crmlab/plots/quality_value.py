"""Figures of relationship quality → customer value: the effects recovered, and value by quality tercile.

Each takes a frame of :mod:`crmlab.theories.trust_commitment.quality_value` and draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.plots._style import Figure, finish, plt

__all__ = ["plot_quality_effects", "plot_value_by_quality"]

_PROCESS_LABELS = {"purchase": "purchase rate", "dropout": "dropout rate", "spend": "spend per purchase"}


def plot_quality_effects(effects: pd.DataFrame, *, title: str = "Effects of one sd of relationship quality") -> Figure:
    """Each process's estimated effect with its 95% interval, beside the planted effect and the attenuated one
    a model on the measured score can recover.

    Takes :func:`~crmlab.theories.trust_commitment.quality_value.quality_effect_table` (index ``process``;
    columns ``planted``, ``attenuated``, ``estimate``, ``lower``, ``upper``).

    >>> frame = pd.DataFrame({"planted": [0.4, -0.8], "attenuated": [0.36, -0.72], "estimate": [0.33, -0.7],
    ...                       "lower": [0.25, -0.9], "upper": [0.41, -0.5]}, index=pd.Index(["purchase", "dropout"], name="process"))
    >>> [t.get_text() for t in plot_quality_effects(frame).axes[0].get_legend().get_texts()]
    ['planted effect', 'planted × κ (attenuated)', 'estimate (95% interval)']
    """
    fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.9 * len(effects)))
    y = np.arange(len(effects))[::-1]
    est = effects["estimate"].to_numpy(dtype=float)
    err = np.vstack([est - effects["lower"].to_numpy(dtype=float), effects["upper"].to_numpy(dtype=float) - est])
    ax.errorbar(est, y, xerr=err, fmt="o", color="C0", capsize=4, label="estimate (95% interval)", zorder=3)
    if "planted" in effects:
        ax.scatter(effects["planted"], y + 0.18, marker="D", color="C3", label="planted effect", zorder=3)
    if "attenuated" in effects:
        ax.scatter(effects["attenuated"], y - 0.18, marker="v", color="C2", label="planted × κ (attenuated)", zorder=3)
    ax.axvline(0, color="0.6", lw=1, ls="--", zorder=1)
    ax.set_yticks(y, [_PROCESS_LABELS.get(p, str(p)) for p in effects.index])
    ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    ax.set_xlabel("coefficient: change in the log of the expected rate or spend per sd of the score")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return finish(fig)


def plot_value_by_quality(terciles: pd.DataFrame, *, unit: str = "$",
                          title: str = "Customer value by relationship-quality tercile") -> Figure:
    """Left: mean predicted CLV per customer by tercile with its 95% interval. Right: the mean value per customer
    in the holdout period, predicted with and without the relationship-quality score, and the actual.

    Takes :func:`~crmlab.theories.trust_commitment.quality_value.quality_tercile_value` (index ``tercile``;
    columns ``clv``, ``lower``, ``upper``, ``holdout_with``, ``holdout_without``, ``actual_holdout_value``).

    >>> frame = pd.DataFrame({"clv": [10.0, 20.0, 40.0], "lower": [8.0, 17.0, 35.0], "upper": [12.0, 23.0, 46.0],
    ...                       "holdout_with": [8.0, 18.0, 38.0], "holdout_without": [12.0, 19.0, 30.0],
    ...                       "actual_holdout_value": [9.0, 22.0, 41.0]}, index=pd.Index(["low", "middle", "high"], name="tercile"))
    >>> [len(ax.patches) for ax in plot_value_by_quality(frame).axes]
    [3, 6]
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.0, 4.8))
    x = np.arange(len(terciles))
    names = [f"{t} quality" for t in terciles.index]
    clv = terciles["clv"].to_numpy(dtype=float)
    err = np.vstack([clv - terciles["lower"].to_numpy(dtype=float), terciles["upper"].to_numpy(dtype=float) - clv])
    left.bar(x, clv, yerr=err, capsize=6, color="C0", alpha=0.85)
    left.set_xticks(x, names)
    left.set_ylabel(f"mean CLV per customer ({unit})")
    left.set_title("Predicted CLV (95% interval)")
    width = 0.38
    right.bar(x - width / 2, terciles["holdout_without"], width, color="C7", label="predicted without the score")
    right.bar(x + width / 2, terciles["holdout_with"], width, color="C0", label="predicted with the score")
    right.scatter(x, terciles["actual_holdout_value"], color="black", marker="D", zorder=3, label="actual")
    right.set_xticks(x, names)
    right.set_ylabel(f"mean holdout value per customer ({unit})")
    right.set_title("Holdout period: predicted against actual")
    right.legend(loc="upper left", fontsize="small")
    fig.suptitle(title)
    return finish(fig)
