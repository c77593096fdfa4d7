"""Figures of the satisfaction and loyalty report: PLS path models with their bootstrap intervals."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from crmlab.plots._style import Figure

from crmlab.plots.trust_commitment import plot_path_diagram

__all__ = ["plot_pls_path_diagram"]

#: Where the ECSI constructs sit in the diagram, column by column (left to right, top to bottom).
ECSI_LAYERS: list[list[str]] = [["Image"], ["Expectation", "Quality"], ["Value", "Satisfaction"], ["Loyalty", "Complaints"]]


def plot_pls_path_diagram(
    paths: pd.DataFrame,
    *,
    layers: list[list[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "PLS path model: path coefficients with 95% bootstrap intervals",
) -> Figure:
    """Path diagram of a PLS path model: each arrow labelled with its coefficient and bootstrap interval.

    Takes one row per path with columns ``predictor``, ``outcome``,
    ``estimate``, ``lower`` and ``upper`` (the percentile interval, e.g. of
    :meth:`crmlab.stats.pls.PLSFit.bootstrap`). An arrow is solid when its
    interval excludes zero and dashed when it does not (the legend's
    "p < 0.05" for a 95% interval), blue for positive, red for negative
    paths, thicker the larger; the layout and label placement are those of
    :func:`crmlab.plots.plot_path_diagram` (networkx graph, matplotlib).

    >>> paths = pd.DataFrame({"predictor": ["Satisfaction"], "outcome": ["Loyalty"], "estimate": [0.52],
    ...                       "lower": [0.41], "upper": [0.63]})
    >>> [t.get_text() for t in plot_pls_path_diagram(paths).axes[0].texts if t.get_gid() == "path-label"]
    ['+0.52\\n[0.41, 0.63]']
    """
    excludes_zero = (paths["lower"] > 0) | (paths["upper"] < 0)
    text = [f"{b:+.2f}\n[{lo:.2f}, {hi:.2f}]" for b, lo, hi in zip(paths["estimate"], paths["lower"], paths["upper"], strict=True)]
    frame = pd.DataFrame(
        {
            "predictor": paths["predictor"].to_numpy(),
            "outcome": paths["outcome"].to_numpy(),
            "std_estimate": paths["estimate"].to_numpy(dtype=float),
            "p": np.where(excludes_zero, 0.0, 1.0),
            "label": text,
        }
    )
    return plot_path_diagram(frame, layers=layers, title=title, labels=labels)
